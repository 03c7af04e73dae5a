//! `govc build [DIR] [--out OUT]`.

use crate::english::{count, count_s};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    #[command(flatten)]
    pub project: super::ProjectArg,
    /// Output directory; defaults to `DIR/dist`. Replaced as a whole on success, so it must be
    /// absent, empty or the output of an earlier build (its `.govc-output` lists every file), and
    /// never the project or a directory above it.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The Rego form of the Gatekeeper ConstraintTemplates: `v1` (`code[].source`, Gatekeeper
    /// 3.19 and later) or `v0` (the legacy `rego` field, for older Gatekeeper releases).
    #[arg(long, value_enum, default_value = "v1")]
    pub gatekeeper_rego: crate::backend::k8s::RegoForm,
    /// Do not record the build's revision in the project's build ledger
    /// (`DIR/.govc/ledger.jsonl`, read by `govc audit`).
    #[arg(long)]
    pub no_ledger: bool,
}

/// `--repo-root` (a global option) is also where the generated CI workflow runs: its paths are
/// relative to it.
pub fn run(args: BuildArgs, ctx: &super::Ctx) -> ExitCode {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| crate::driver::build::BuildOptions::for_project(&args.project.dir).out_dir);
    // Checked before compiling, to fail fast, and again when writing.
    if args.project.dir.exists() {
        if let Err(e) = crate::driver::output::check_replaceable(&out, &args.project.dir) {
            return output_error(&e);
        }
    }
    let analysis = match super::analyze_checked(&args.project.dir, super::Warnings::Show, ctx) {
        Ok(loaded) => loaded.analysis,
        Err(code) => {
            eprintln!("error: nothing was written");
            return code;
        }
    };
    let options = crate::driver::build::BuildOptions {
        project_dir: args.project.dir.clone(),
        out_dir: out.clone(),
        gatekeeper_rego: args.gatekeeper_rego,
        repo_root: ctx.explicit_repo_root().map(PathBuf::from),
    };
    let output = match crate::driver::build::resolve_and_build(&analysis, &options) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("error: nothing was written");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = crate::driver::output::write_atomically(&out, &output.tree, &args.project.dir) {
        return output_error(&e);
    }
    if !args.no_ledger {
        record_in_ledger(&args.project.dir, &output.tree);
    }
    for note in &output.notes {
        ctx.status(format!("note: {note}"));
    }
    for path in output.tree.files.keys() {
        ctx.detail(format!("  {}", out.join(path).display()));
    }
    let tests: usize = output.ir.tests.iter().map(|s| s.tests.len()).sum();
    ctx.status(format!(
        "wrote {}: {}, {}, {}, {}",
        out.display(),
        count(output.ir.policies.len(), "policy", "policies"),
        count_s(output.ir.fn_modules.len(), "function module"),
        count_s(tests, "test"),
        count_s(output.tree.files.len(), "file")
    ));
    ExitCode::SUCCESS
}

/// Appends the build's ledger entry to the project's ledger. A failure is a warning: the build
/// output is complete without it.
fn record_in_ledger(project: &std::path::Path, tree: &crate::driver::output::OutputTree) {
    use crate::audit::ledger;
    let Some(text) = tree.files.get(ledger::OUTPUT_PATH) else {
        return;
    };
    let result =
        ledger::parse(text).and_then(|entries| entries.iter().try_for_each(|e| ledger::record(project, e).map(|_| ())));
    if let Err(e) = result {
        eprintln!("warning: the build was not recorded in the build ledger: {e}");
    }
}

/// Reports why the output was not written: a usage error.
fn output_error(e: &crate::driver::output::OutputError) -> ExitCode {
    eprintln!("error: {e}");
    if let Some(help) = e.help() {
        eprintln!("help: {help}");
    }
    eprintln!("error: nothing was written");
    ExitCode::from(super::EXIT_USAGE)
}
