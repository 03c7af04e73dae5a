//! `govc report [DIR] --format md|html|json`: the controls matrix on standard output.

use crate::report::{self, ReportFormat};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub project: super::ProjectArg,
    /// Markdown (renders on GitHub), one self-contained HTML page, or JSON.
    #[arg(long, value_enum, default_value = "md")]
    pub format: ReportFormat,
}

pub fn run(args: ReportArgs, ctx: &super::Ctx) -> ExitCode {
    let analysis = match super::analyze_checked(&args.project.dir, super::Warnings::Hide, ctx) {
        Ok(loaded) => loaded.analysis,
        Err(code) => return code,
    };
    let ir = crate::ir::lower(&analysis);
    let report = report::build(&ir, &project_name(&args.project.dir));
    print!("{}", report::render(&report, args.format));
    ExitCode::SUCCESS
}

/// A project's name for reports: its directory's name.
pub fn project_name(dir: &std::path::Path) -> String {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let dir = if dir.is_file() {
        dir.parent().map(|p| p.to_path_buf()).unwrap_or(dir)
    } else {
        dir
    };
    dir.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "project".into())
}
