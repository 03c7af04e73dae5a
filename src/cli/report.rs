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
    /// The audit database (`govc audit`) whose decisions fill the evidence column; defaults to
    /// `DIR/.govc/audit.db` when it exists.
    #[arg(long, value_name = "FILE")]
    pub db: Option<std::path::PathBuf>,
}

pub fn run(args: ReportArgs, ctx: &super::Ctx) -> ExitCode {
    let analysis = match super::analyze_checked(&args.project.dir, super::Warnings::Hide, ctx) {
        Ok(loaded) => loaded.analysis,
        Err(code) => return code,
    };
    let ir = analysis.lower();
    let mut report = report::build(&ir, &crate::driver::project::project_name(&args.project.dir));
    let db = args
        .db
        .clone()
        .unwrap_or_else(|| crate::audit::default_db_path(&args.project.dir));
    if args.db.is_some() || db.is_file() {
        match evidence_by_control(&db) {
            Ok(evidence) => report.attach_evidence(&evidence),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(super::EXIT_USAGE);
            }
        }
    }
    print!("{}", report::render(&report, args.format));
    ExitCode::SUCCESS
}

/// Each control's evidence in the audit database at `db`.
fn evidence_by_control(db: &std::path::Path) -> Result<std::collections::BTreeMap<String, report::Evidence>, String> {
    let store = crate::audit::store::Store::open(db)?;
    let summaries = crate::audit::evidence::control_summaries(&store).map_err(|e| e.to_string())?;
    Ok(summaries
        .into_iter()
        .map(|(control, c)| {
            let e = report::Evidence {
                decisions: c.counts.decisions,
                denied: c.counts.denied,
                warned: c.counts.warned,
                last: c.last,
            };
            (control, e)
        })
        .collect())
}
