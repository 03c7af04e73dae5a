//! `govc build [DIR] [--out OUT]`.

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
    /// The repository root, where the generated CI workflow runs; defaults to the nearest
    /// directory above DIR that holds `.git`. The workflow's paths are relative to it.
    #[arg(long)]
    pub repo_root: Option<PathBuf>,
}

pub fn run(args: BuildArgs) -> ExitCode {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| crate::build::BuildOptions::for_project(&args.project.dir).out_dir);
    // Checked before compiling, to fail fast, and again when writing.
    if args.project.dir.exists() {
        if let Err(e) = crate::output::check_replaceable(&out, &args.project.dir) {
            return output_error(&e);
        }
    }
    let analysis = match super::analyze_checked(&args.project.dir, super::Warnings::Show) {
        Ok(a) => a,
        Err(code) => {
            eprintln!("error: nothing was written");
            return code;
        }
    };
    let options = crate::build::BuildOptions {
        project_dir: args.project.dir.clone(),
        out_dir: out.clone(),
        gatekeeper_rego: args.gatekeeper_rego,
        repo_root: args.repo_root.clone(),
    };
    let output = match crate::build::build(&analysis, &options) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("error: nothing was written");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = crate::output::write_atomically(&out, &output.tree, &args.project.dir) {
        return output_error(&e);
    }
    for note in &output.notes {
        eprintln!("note: {note}");
    }
    let tests: usize = output.ir.tests.iter().map(|s| s.tests.len()).sum();
    eprintln!(
        "wrote {}: {} policies, {} function modules, {} tests, {} files",
        out.display(),
        output.ir.policies.len(),
        output.ir.fn_modules.len(),
        tests,
        output.tree.files.len()
    );
    ExitCode::SUCCESS
}

/// Reports why the output was not written: a usage error.
fn output_error(e: &crate::output::OutputError) -> ExitCode {
    eprintln!("error: {e}");
    if let Some(help) = e.help() {
        eprintln!("help: {help}");
    }
    eprintln!("error: nothing was written");
    ExitCode::from(super::EXIT_USAGE)
}
