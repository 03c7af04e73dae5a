//! The command line: `govc check | graph | build | test | eval`. Exit codes: 0 success, 1 policy
//! or compile errors, 2 usage errors.

mod audit;
mod build;
mod check;
mod eval;
mod fmt;
mod graph;
mod report;
mod test;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code for a usage error (bad flag, missing directory).
pub const EXIT_USAGE: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "govc",
    version,
    about = "Compile .gov governance policies to OPA bundles, Kubernetes admission policies and CI workflows"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Parse, resolve and type-check a project; print diagnostics.
    Check(check::CheckArgs),
    /// Print the dependency graph of a project.
    Graph(graph::GraphArgs),
    /// Compile a project into its outputs (OPA bundle, ...).
    Build(build::BuildArgs),
    /// Run the project's tests against the compiled policies.
    Test(test::TestArgs),
    /// Judge one JSON or YAML document with one policy; print the decision as JSON.
    Eval(eval::EvalArgs),
    /// Print the controls report: which policies implement each control, where they are enforced.
    Report(report::ReportArgs),
    /// Continuous auditing: ingest decision logs, verify the evidence chain, report per control.
    Audit(audit::AuditArgs),
    /// Format `.gov` files in the canonical layout (`--check`: list the files that would change).
    Fmt(fmt::FmtArgs),
    /// Run the language server on stdin/stdout (for editors).
    Lsp(LspArgs),
}

/// `govc lsp`: the server speaks on stdio; `--stdio` is accepted because editor clients pass it.
#[derive(clap::Args, Debug)]
pub struct LspArgs {
    /// Talk over stdin/stdout (the only transport; the flag is accepted for editor clients).
    #[arg(long)]
    pub stdio: bool,
}

/// Runs the command line; returns the process exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Lsp(_) => crate::lsp::run(),
        Command::Graph(args) => graph::run(args),
        Command::Build(args) => build::run(args),
        Command::Test(args) => test::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Report(args) => report::run(args),
        Command::Audit(args) => audit::run(args),
    }
}

pub use report::project_name;

/// The project directory argument shared by the subcommands.
#[derive(clap::Args, Debug, Clone)]
pub struct ProjectArg {
    /// Project directory (every `.gov` file below it); defaults to the current directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

/// Loads and analyzes a project, or prints a usage error.
/// Which diagnostics a command prints when the project checks without errors.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Warnings {
    Show,
    Hide,
}

/// Loads and analyzes a project for a command that needs it error-free: prints the diagnostics
/// (warnings too with [`Warnings::Show`]) and, when there are errors, their summary, returning the
/// exit code to stop with.
pub(crate) fn analyze_checked(dir: &std::path::Path, warnings: Warnings) -> Result<crate::project::Analysis, ExitCode> {
    use crate::diagnostic::human;
    let analysis = analyze(dir)?;
    let has_errors = analysis.has_errors();
    if has_errors || (warnings == Warnings::Show && !analysis.diagnostics.is_empty()) {
        eprint!(
            "{}",
            human::render(&analysis.diagnostics, &analysis.sources, human::use_color())
        );
    }
    if has_errors {
        eprintln!("{}", human::summary(&analysis.diagnostics));
        return Err(ExitCode::FAILURE);
    }
    Ok(analysis)
}

pub(crate) fn analyze(dir: &std::path::Path) -> Result<crate::project::Analysis, ExitCode> {
    match crate::project::load(dir) {
        Ok(sources) => Ok(crate::project::analyze(sources)),
        Err(e) => {
            eprintln!("error: {e}");
            Err(ExitCode::from(EXIT_USAGE))
        }
    }
}
