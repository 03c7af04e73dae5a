//! `govc check [DIR] [--format human|json|sarif|github]`.

use crate::diagnostic::{github, human, json, sarif};
use std::io::Write;
use std::process::ExitCode;

/// How `check` prints diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source snippets with labels (colour on a terminal unless `NO_COLOR` is set).
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
    #[command(flatten)]
    pub project: super::ProjectArg,
    /// Output format of the diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

pub fn run(args: CheckArgs) -> ExitCode {
    let analysis = match super::analyze(&args.project.dir) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let diags = &analysis.diagnostics;
    let sources = &analysis.sources;
    let (out, to_stdout) = match args.format {
        Format::Human => {
            let mut text = human::render(diags, sources, human::use_color());
            let summary = human::summary(diags);
            if !summary.is_empty() {
                text.push_str(&summary);
                text.push('\n');
            }
            (text, false)
        }
        Format::Json => (json::render(diags, sources) + "\n", true),
        Format::Sarif => (sarif::render(diags, sources) + "\n", true),
        Format::Github => (github::render(diags, sources), true),
    };
    let written = if to_stdout {
        std::io::stdout().write_all(out.as_bytes())
    } else {
        std::io::stderr().write_all(out.as_bytes())
    };
    if written.is_err() {
        return ExitCode::from(super::EXIT_USAGE);
    }
    if analysis.has_errors() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
