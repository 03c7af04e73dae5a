//! `govc test [DIR] [--filter PAT]`.

use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct TestArgs {
    #[command(flatten)]
    pub project: super::ProjectArg,
    /// Run only tests whose `package › name` contains this text.
    #[arg(long)]
    pub filter: Option<String>,
}

pub fn run(args: TestArgs) -> ExitCode {
    let analysis = match super::analyze_checked(&args.project.dir, super::Warnings::Show) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let output = match crate::build::build(&analysis, &crate::build::BuildOptions::for_project(&args.project.dir)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let results = match crate::testing::run(&output.ir, &output.bundle, args.filter.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut failed = 0;
    for r in &results {
        if r.passed() {
            println!("ok    {} › {}", r.suite, r.name);
        } else {
            failed += 1;
            println!("FAIL  {} › {}", r.suite, r.name);
            for f in &r.failures {
                println!("  {f}");
            }
        }
    }
    println!("{} passed, {} failed", results.len() - failed, failed);
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
