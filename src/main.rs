fn main() -> std::process::ExitCode {
    govc::cli::run()
}
