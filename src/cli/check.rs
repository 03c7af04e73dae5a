//! `govc check [DIR|-] [--format human|json|sarif|github]`: the front end and everything a build
//! would reject, as diagnostics. `-` checks one file read from standard input (editors, pipes).

use super::{Ctx, Loaded, Verbosity};
use crate::diagnostic::{github, human, json, sarif};
use crate::english::count_s;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// How `check` prints diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source snippets with labels, on standard error (colour on a terminal; see `NO_COLOR`).
    Human,
    /// A JSON array, one object per diagnostic.
    Json,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...::message`).
    Github,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Project directory (every `.gov` file below it), one `.gov` file, or `-` for one file read
    /// from standard input.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Output format of the diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// The name diagnostics give the file read from standard input (with `-`).
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    pub stdin_filename: String,
}

pub fn run(args: CheckArgs, ctx: &Ctx) -> ExitCode {
    let loaded = if args.dir.as_os_str() == "-" {
        match from_stdin(&args.stdin_filename, ctx) {
            Ok(l) => l,
            Err(code) => return code,
        }
    } else {
        match super::analyze(&args.dir, ctx) {
            Ok(l) => l,
            Err(code) => return code,
        }
    };
    let analysis = &loaded.analysis;
    let sources = &analysis.sources;
    // `--quiet` leaves warnings out of what a person reads; the machine formats are the output
    // asked for, and keep them.
    let diags: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error() || ctx.verbosity > Verbosity::Quiet || args.format != Format::Human)
        .cloned()
        .collect();
    let (out, to_stdout) = match args.format {
        Format::Human => {
            let mut text = human::render(&diags, sources, human::use_color());
            let summary = human::summary(&diags);
            if !summary.is_empty() {
                text.push_str(&summary);
                text.push('\n');
            }
            (text, false)
        }
        Format::Json => (json::render(&diags, sources) + "\n", true),
        Format::Sarif => (sarif::render(&diags, sources, Some(&loaded.repo_root)) + "\n", true),
        Format::Github => (github::render(&diags, sources), true),
    };
    let written = if to_stdout {
        std::io::stdout().write_all(out.as_bytes())
    } else {
        std::io::stderr().write_all(out.as_bytes())
    };
    if written.is_err() {
        return ExitCode::from(super::EXIT_USAGE);
    }
    let files = sources.files().filter(|(_, f)| !f.is_stdlib && !f.is_directory).count();
    ctx.detail(format!(
        "checked {} in {}",
        count_s(files, "file"),
        count_s(
            analysis.program.modules.iter().filter(|m| !m.is_stdlib).count(),
            "package"
        )
    ));
    let code = if analysis.has_errors() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    };
    // The process ends here: freeing a large project's sources, trees and checked program one
    // allocation at a time would take a tenth of the command's time, for nothing.
    std::mem::forget(loaded);
    code
}

/// One file from standard input, with the standard library: what an editor checks before saving.
fn from_stdin(name: &str, ctx: &Ctx) -> Result<Loaded, ExitCode> {
    let mut text = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut text) {
        eprintln!("error: cannot read standard input: {e}");
        return Err(ExitCode::from(super::EXIT_USAGE));
    }
    let repo_root = ctx.repo_root(Path::new("."))?;
    let mut sources = crate::source::SourceMap::new();
    crate::driver::project::add_stdlib(&mut sources);
    sources.add(name, None, text, false);
    let mut analysis = crate::driver::project::analyze(sources);
    crate::driver::build::check(&mut analysis, None, None);
    Ok(Loaded { analysis, repo_root })
}
