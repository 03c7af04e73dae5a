/// The syntax trees of a large project are millions of small allocations, made on all cores: an
/// allocator built for that (see Cargo.toml) rather than the C library's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Output piped into a reader that stops early (`govc eval ... | head`) ends the process as it
    // ends `cat` or `grep`, instead of a panic in the first `println!` that finds the pipe closed.
    #[cfg(unix)]
    // SAFETY: restores the default action of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // Every stage walks syntax trees recursively: the compiler runs on a stack sized for the
    // deepest tree the parser accepts (see `govc::limits`).
    govc::limits::on_stack(govc::cli::run)
}
