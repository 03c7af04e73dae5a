//! `govc audit ingest | verify | report`: decision logs in, evidence per control out.

use crate::audit::evidence;
use crate::audit::{self, ledger, store::Store};
use crate::english::count_s;
use crate::report::ReportFormat;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

const WORKFLOW: &str = "\
From decision logs to evidence per control:

  govc audit ingest [DIR] --logs PATH...   read OPA decision logs and Gatekeeper audit results
  govc audit verify [DIR]                  check that no stored record was edited, removed or reordered
  govc audit report [DIR] --format html    decisions, denials, reasons and access per control

The evidence database is one SQLite file, `DIR/.govc/audit.db` unless `--db FILE` says otherwise.
Each decision is tied to its policy, the policy's controls and the bundle revision that decided,
through the build ledger that `govc build` keeps in `DIR/.govc/ledger.jsonl` (and writes to
`OUT/audit/ledger.json`). Records are hash-chained; fields marked `@sensitive` are never stored.
See docs/audit.md.";

#[derive(clap::Args, Debug)]
#[command(after_help = WORKFLOW)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Read OPA decision logs and Gatekeeper audit results into the evidence database; a
    /// decision already there (same `decision_id`) is skipped, so ingesting twice adds nothing.
    #[command(long_about = INGEST_ABOUT)]
    Ingest(IngestArgs),
    /// Check the evidence database's hash chain: exit 0 when intact, 1 naming each record that
    /// was edited, removed or reordered.
    Verify(VerifyArgs),
    /// Print the evidence per control: decisions, denials, warnings, top reasons, who accessed
    /// what and why, and the bundle revisions that decided.
    Report(AuditReportArgs),
}

const INGEST_ABOUT: &str = "\
Read OPA decision logs and Gatekeeper audit results into the evidence database.

Accepted, detected per file (gzip'd or not):
  - OPA decision-log events: JSON lines as OPA's console logger prints them (its other log lines
    are skipped), or JSON arrays as its HTTP uploader sends them;
  - Gatekeeper audit results: Constraints with their `status.violations`, as
    `kubectl get <kind> -o json` returns them (one Constraint or a List).

DIR is compiled to know its policies; the build ledger (`DIR/.govc/ledger.jsonl`, and any
`--ledger` file) maps older bundle revisions to their policies. All files are ingested in one
transaction: on any error nothing is stored. A decision already stored (same `decision_id`) is
skipped. `@sensitive` fields are erased before anything is stored, even when OPA's decision
logger did not mask them.";

/// `--db`, shared by the subcommands.
#[derive(clap::Args, Debug, Clone)]
pub struct DbArg {
    /// The evidence database (an SQLite file); defaults to `DIR/.govc/audit.db`.
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
}

impl DbArg {
    fn path(&self, project: &super::ProjectArg) -> PathBuf {
        self.db.clone().unwrap_or_else(|| audit::default_db_path(&project.dir))
    }
}

#[derive(clap::Args, Debug)]
pub struct IngestArgs {
    #[command(flatten)]
    pub project: super::ProjectArg,
    /// Log files, or directories of them (read recursively); `-` for standard input.
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    pub logs: Vec<PathBuf>,
    /// More build-ledger entries: the `audit/ledger.json` of a release's build output, or a
    /// `ledger.jsonl`.
    #[arg(long, value_name = "FILE")]
    pub ledger: Vec<PathBuf>,
    #[command(flatten)]
    pub db: DbArg,
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub project: super::ProjectArg,
    #[command(flatten)]
    pub db: DbArg,
}

#[derive(clap::Args, Debug)]
pub struct AuditReportArgs {
    #[command(flatten)]
    pub project: super::ProjectArg,
    #[command(flatten)]
    pub db: DbArg,
    /// Only decisions at or after this time: a date (`2026-07-01`, from its start, UTC) or an
    /// RFC 3339 time.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only decisions at or before this time: a date (`2026-09-30`, to its end, UTC) or an
    /// RFC 3339 time.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only controls whose name contains this text (case-insensitive); repeatable.
    #[arg(long, value_name = "TEXT")]
    pub control: Vec<String>,
    /// Markdown, one self-contained HTML page (with charts), or JSON (stable, for other tools).
    #[arg(long, value_enum, default_value = "md")]
    pub format: ReportFormat,
    /// How many access decisions to list per access policy, newest first; 0 lists all.
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub limit: usize,
}

pub fn run(args: AuditArgs, ctx: &super::Ctx) -> ExitCode {
    match args.command {
        AuditCommand::Ingest(a) => ingest(a, ctx),
        AuditCommand::Verify(a) => verify(a),
        AuditCommand::Report(a) => report(a),
    }
}

fn usage(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(super::EXIT_USAGE)
}

fn failure(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

fn ingest(args: IngestArgs, ctx: &super::Ctx) -> ExitCode {
    for path in &args.logs {
        if path.as_os_str() != "-" && !path.exists() {
            return usage(format!("`{}` does not exist", path.display()));
        }
    }
    let output = match super::build_checked(&args.project.dir, super::Warnings::Hide, ctx) {
        Ok(o) => o,
        Err(code) => return code,
    };
    // Oldest first, the current build last: it is the newest state of each policy.
    let mut entries = Vec::new();
    let project_ledger = ledger::ledger_path(&args.project.dir);
    let mut ledger_files: Vec<PathBuf> = Vec::new();
    if project_ledger.is_file() {
        ledger_files.push(project_ledger);
    }
    ledger_files.extend(args.ledger.iter().cloned());
    for file in &ledger_files {
        match ledger::read(file) {
            Ok(e) => entries.extend(e),
            Err(e) => return usage(e),
        }
    }
    entries.extend(output.ledger.iter().cloned());
    let db = args.db.path(&args.project);
    let mut store = match Store::open_or_create(&db) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let summary = match audit::ingest::ingest(&mut store, &entries, &args.logs) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("error: nothing was stored");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "ingested {} into {}: {} read, {} added, {} already present",
        count_s(summary.files, "file"),
        db.display(),
        count_s(summary.read, "decision"),
        summary.added,
        summary.duplicates
    );
    if summary.new_revisions > 0 {
        println!(
            "recorded {} in the build ledger",
            count_s(summary.new_revisions, "new bundle revision")
        );
    }
    if summary.skipped > 0 {
        println!(
            "skipped {} that are not decisions",
            count_s(summary.skipped, "log line")
        );
    }
    for note in &summary.notes {
        eprintln!("note: {note}");
    }
    if summary.unmapped > 0 {
        eprintln!(
            "note: {} of paths no policy owns ({}): stored, but evidence for no control",
            count_s(summary.unmapped, "decision"),
            summary
                .unmapped_paths
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !summary.unknown_revisions.is_empty() {
        eprintln!(
            "note: the build ledger does not know bundle revisions {}: pass their build's `audit/ledger.json` with --ledger",
            summary
                .unknown_revisions
                .iter()
                .map(|r| format!("`{}`", audit::chain::short(r)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if summary.erased_here > 0 {
        eprintln!(
            "warning: {} still carried `@sensitive` fields, erased before storing: \
             is OPA's `decision_logs.mask_decision` set to `/system/log/mask` (see OUT/opa/config.yaml)?",
            count_s(summary.erased_here, "decision")
        );
    }
    println!("chain: {}, head {}", count_s(summary.records, "record"), summary.head);
    ExitCode::SUCCESS
}

fn verify(args: VerifyArgs) -> ExitCode {
    let db = args.db.path(&args.project);
    let store = match Store::open(&db) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let v = match audit::chain::verify(&store) {
        Ok(v) => v,
        Err(e) => return failure(format!("`{}`: {e}", db.display())),
    };
    if v.is_intact() {
        println!("ok: {}: {}, chain intact", db.display(), count_s(v.records, "record"));
        println!("head: {}", v.head);
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "error: {}: the evidence chain is broken ({}):",
        db.display(),
        count_s(v.problems.len(), "problem")
    );
    const SHOWN: usize = 20;
    for p in v.problems.iter().take(SHOWN) {
        eprintln!("  - {p}");
    }
    if v.problems.len() > SHOWN {
        eprintln!("  ... and {} more", v.problems.len() - SHOWN);
    }
    ExitCode::FAILURE
}

fn report(args: AuditReportArgs) -> ExitCode {
    let since = match args
        .since
        .as_deref()
        .map(|t| evidence::parse_bound(t, false))
        .transpose()
    {
        Ok(t) => t,
        Err(e) => return usage(format!("--since: {e}")),
    };
    let until = match args
        .until
        .as_deref()
        .map(|t| evidence::parse_bound(t, true))
        .transpose()
    {
        Ok(t) => t,
        Err(e) => return usage(format!("--until: {e}")),
    };
    if let (Some(s), Some(u)) = (since, until) {
        if s > u {
            return usage("--since is after --until");
        }
    }
    let db = args.db.path(&args.project);
    let store = match Store::open(&db) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let filter = evidence::Filter {
        since_ms: since,
        until_ms: until,
        controls: args.control.clone(),
        limit: args.limit,
    };
    let report = match evidence::build(
        &store,
        &crate::driver::project::project_name(&args.project.dir),
        &filter,
    ) {
        Ok(r) => r,
        Err(e @ evidence::ReportError::NoMatchingControl(_)) => return usage(e),
        Err(e) => return failure(e),
    };
    print!(
        "{}",
        match args.format {
            ReportFormat::Md => evidence::markdown::render(&report),
            ReportFormat::Html => evidence::html::render(&report),
            ReportFormat::Json => evidence::to_json(&report),
        }
    );
    ExitCode::SUCCESS
}
