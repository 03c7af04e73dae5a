//! `govc build [DIR] [--out OUT]`.

use crate::diagnostic::human;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    #[command(flatten)]
    pub project: super::ProjectArg,
    /// Output directory; defaults to `DIR/dist`. Replaced as a whole on success.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: BuildArgs) -> ExitCode {
    let analysis = match super::analyze(&args.project.dir) {
        Ok(a) => a,
        Err(code) => return code,
    };
    if !analysis.diagnostics.is_empty() {
        eprint!(
            "{}",
            human::render(&analysis.diagnostics, &analysis.sources, human::use_color())
        );
    }
    if analysis.has_errors() {
        eprintln!("{}", human::summary(&analysis.diagnostics));
        eprintln!("error: nothing was written");
        return ExitCode::FAILURE;
    }
    let out = args.out.unwrap_or_else(|| crate::build::BuildOptions::for_project(&args.project.dir).out_dir);
    let options = crate::build::BuildOptions {
        project_dir: args.project.dir.clone(),
        out_dir: out.clone(),
    };
    let output = match crate::build::build(&analysis, &options) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("error: nothing was written");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = crate::output::write_atomically(&out, &output.tree) {
        eprintln!("error: could not write `{}`: {e}", out.display());
        return ExitCode::from(super::EXIT_USAGE);
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
