//! The command line: `govc check | build | test | eval | graph | report | fmt | init | lsp |
//! completions`. Exit codes: 0 success, 1 policy or compile errors, 2 usage errors.
//!
//! Options every command takes: `--repo-root DIR` (file names in every output are relative to the
//! repository root, found from `.git` by default), `--quiet` and `--verbose`.

mod audit;
mod build;
mod check;
mod completions;
mod documents;
mod eval;
mod fmt;
mod graph;
mod init;
mod junit;
mod report;
mod test;

use crate::diagnostic::{human, Code, Diagnostic};
use crate::driver::project::Analysis;
use crate::span::Span;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
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
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options of every command.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct GlobalArgs {
    /// The repository root: file names in diagnostics (every format) and the generated CI
    /// workflow's paths are relative to it. Default: the nearest directory above the project that
    /// holds `.git`, else the project directory.
    #[arg(long, global = true, value_name = "DIR")]
    pub repo_root: Option<PathBuf>,
    /// Print only errors and the output asked for (no warnings, notes or progress).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also say what was read and written.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Parse, resolve and type-check a project, and check what a build would reject; print
    /// diagnostics.
    Check(check::CheckArgs),
    /// Print the dependency graph of a project.
    Graph(graph::GraphArgs),
    /// Compile a project into its outputs (OPA bundle, ...).
    Build(build::BuildArgs),
    /// Run the project's tests against the compiled policies.
    Test(test::TestArgs),
    /// Judge JSON or YAML documents with one policy; print each decision as JSON.
    Eval(eval::EvalArgs),
    /// Print the controls report: which policies implement each control, where they are enforced.
    Report(report::ReportArgs),
    /// Continuous auditing: ingest decision logs, verify the evidence chain, report per control.
    Audit(audit::AuditArgs),
    /// Format `.gov` files in the canonical layout (`--check`: list the files that would change).
    Fmt(fmt::FmtArgs),
    /// Create a new project: a package, a resource, a policy with tests, an enforcement, govc.toml.
    Init(init::InitArgs),
    /// Run the language server on stdin/stdout (for editors).
    Lsp(LspArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::CompletionsArgs),
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
    let ctx = Ctx::new(&cli.global);
    match cli.command {
        Command::Check(args) => check::run(args, &ctx),
        Command::Fmt(args) => fmt::run(args, &ctx),
        Command::Lsp(_) => crate::lsp::run(),
        Command::Graph(args) => graph::run(args, &ctx),
        Command::Build(args) => build::run(args, &ctx),
        Command::Test(args) => test::run(args, &ctx),
        Command::Eval(args) => eval::run(args, &ctx),
        Command::Report(args) => report::run(args, &ctx),
        Command::Init(args) => init::run(args, &ctx),
        Command::Audit(args) => audit::run(args, &ctx),
        Command::Completions(args) => completions::run(args),
    }
}

/// The project directory argument shared by the subcommands.
#[derive(clap::Args, Debug, Clone)]
pub struct ProjectArg {
    /// Project directory (every `.gov` file below it); defaults to the current directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

/// How much a command says besides its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

/// What every command needs from the global options.
pub(crate) struct Ctx {
    pub verbosity: Verbosity,
    repo_root: Option<PathBuf>,
}

impl Ctx {
    fn new(global: &GlobalArgs) -> Ctx {
        let verbosity = if global.quiet {
            Verbosity::Quiet
        } else if global.verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        };
        Ctx {
            verbosity,
            repo_root: global.repo_root.clone(),
        }
    }

    /// The `--repo-root` given, as written (for the build, which resolves it itself).
    pub fn explicit_repo_root(&self) -> Option<&Path> {
        self.repo_root.as_deref()
    }

    /// The repository root of a project (a directory or one `.gov` file): `--repo-root`, else
    /// the nearest directory at or above it holding `.git`, else the project directory. A usage
    /// error when `--repo-root` is not a directory.
    pub fn repo_root(&self, project: &Path) -> Result<PathBuf, ExitCode> {
        if let Some(root) = &self.repo_root {
            return match std::fs::canonicalize(root) {
                Ok(r) if r.is_dir() => Ok(r),
                _ => {
                    eprintln!("error: the repository root `{}` is not a directory", root.display());
                    Err(ExitCode::from(EXIT_USAGE))
                }
            };
        }
        let dir = if project.is_file() {
            project.parent().unwrap_or(project)
        } else {
            project
        };
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        Ok(crate::backend::actions::repo::git_root(&dir).unwrap_or(dir))
    }

    /// Prints a status line (what was done) to stderr, unless `--quiet`.
    pub fn status(&self, line: impl AsRef<str>) {
        if self.verbosity >= Verbosity::Normal {
            eprintln!("{}", line.as_ref());
        }
    }

    /// Prints a detail to stderr with `--verbose` only.
    pub fn detail(&self, line: impl AsRef<str>) {
        if self.verbosity >= Verbosity::Verbose {
            eprintln!("{}", line.as_ref());
        }
    }
}

/// A project read and checked, with the repository root its file names are relative to.
pub(crate) struct Loaded {
    pub analysis: Analysis,
    pub repo_root: PathBuf,
}

/// Which diagnostics a command prints when the project checks without errors.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Warnings {
    Show,
    Hide,
}

/// Loads and analyzes a project for a command that needs it error-free: prints the diagnostics
/// (warnings too with [`Warnings::Show`], unless `--quiet`) and, when there are errors, their
/// summary, returning the exit code to stop with.
pub(crate) fn analyze_checked(dir: &Path, warnings: Warnings, ctx: &Ctx) -> Result<Loaded, ExitCode> {
    let loaded = analyze(dir, ctx)?;
    let analysis = &loaded.analysis;
    let has_errors = analysis.has_errors();
    // Warnings come with errors (they may explain them), or alone when asked for; never with
    // `--quiet`.
    let show_warnings = ctx.verbosity > Verbosity::Quiet && (has_errors || warnings == Warnings::Show);
    let shown: Vec<Diagnostic> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error() || show_warnings)
        .cloned()
        .collect();
    if has_errors || !shown.is_empty() {
        eprint!("{}", human::render(&shown, &analysis.sources, human::use_color()));
    }
    if has_errors {
        eprintln!("{}", human::summary(&shown));
        return Err(ExitCode::FAILURE);
    }
    Ok(loaded)
}

/// Loads, checks and builds a project in memory, for a command that runs its bundle (`test`,
/// `eval`, `audit ingest`): prints what stops it, returning the exit code to stop with.
pub(crate) fn build_checked(
    dir: &Path,
    warnings: Warnings,
    ctx: &Ctx,
) -> Result<crate::driver::build::BuildOutput, ExitCode> {
    let loaded = analyze_checked(dir, warnings, ctx)?;
    crate::driver::build::resolve_and_build(&loaded.analysis, &crate::driver::build::BuildOptions::for_project(dir))
        .map_err(|e| {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        })
}

/// Loads and analyzes a project: the front end, then what a build would reject ([`crate::driver::build::check`]).
/// File names are relative to the repository root. A usage error when the project cannot be read.
pub(crate) fn analyze(dir: &Path, ctx: &Ctx) -> Result<Loaded, ExitCode> {
    let repo_root = ctx.repo_root(dir)?;
    let sources = match crate::driver::project::load_named_from(dir, Some(&repo_root)) {
        Ok(sources) => sources,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(ExitCode::from(EXIT_USAGE));
        }
    };
    let mut analysis = crate::driver::project::analyze(sources);
    locate_at_directory(&mut analysis, dir, &repo_root);
    crate::driver::build::check(&mut analysis, Some(dir), Some(&repo_root));
    Ok(Loaded { analysis, repo_root })
}

/// Points the diagnostics about the project as a whole (no `.gov` files) at its directory, so
/// they name it rather than some file of the standard library.
fn locate_at_directory(analysis: &mut Analysis, dir: &Path, repo_root: &Path) {
    if !analysis.diagnostics.iter().any(|d| d.code == Code::NoSources) {
        return;
    }
    let name = crate::driver::project::display_name(dir, dir, Some(repo_root));
    let name = if name.is_empty() {
        "./".to_string()
    } else {
        format!("{name}/")
    };
    let file = analysis.sources.add_directory(name, Some(dir.to_path_buf()));
    for d in analysis.diagnostics.iter_mut().filter(|d| d.code == Code::NoSources) {
        d.primary.span = Span::new(file, 0, 0);
        d.message = format!("no `.gov` files in `{}`", dir.display());
    }
}
