fn main() -> std::process::ExitCode {
    // Every stage walks syntax trees recursively: the compiler runs on a stack sized for the
    // deepest tree the parser accepts (see `govc::limits`).
    govc::limits::on_stack(govc::cli::run)
}
