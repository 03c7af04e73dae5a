//! `govc test [DIR] [--filter TEXT] [--format human|junit]`.

use super::{Ctx, Verbosity};
use crate::english::count_s;
use std::process::ExitCode;

/// How `test` reports results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TestFormat {
    /// One line per test, then `N passed, N failed`.
    Human,
    /// A JUnit XML report on standard output, for CI test reporters.
    Junit,
}

#[derive(clap::Args, Debug)]
pub struct TestArgs {
    #[command(flatten)]
    pub project: super::ProjectArg,
    /// Run only tests whose `package › name` contains this text; matching none is an error.
    #[arg(long)]
    pub filter: Option<String>,
    /// How to report the results.
    #[arg(long, value_enum, default_value = "human")]
    pub format: TestFormat,
}

pub fn run(args: TestArgs, ctx: &Ctx) -> ExitCode {
    let output = match super::build_checked(&args.project.dir, super::Warnings::Show, ctx) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let results = match crate::runtime::test_runner::run(&output.ir, &output.bundle, args.filter.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let (Some(filter), true) = (&args.filter, results.is_empty()) {
        eprintln!("error: no test matches `{filter}`");
        let all: usize = output.ir.tests.iter().map(|s| s.tests.len()).sum();
        eprintln!(
            "help: the filter keeps the tests whose `package › name` contains it; the project has {}",
            count_s(all, "test")
        );
        return ExitCode::from(super::EXIT_USAGE);
    }
    let failed = results.iter().filter(|r| !r.passed()).count();
    match args.format {
        TestFormat::Junit => print!("{}", super::junit::render(&results)),
        TestFormat::Human => {
            ctx.detail(format!(
                "running {} of {}",
                count_s(results.len(), "test"),
                count_s(output.ir.tests.len(), "package")
            ));
            for r in &results {
                if r.passed() {
                    if ctx.verbosity > Verbosity::Quiet {
                        println!("ok    {} › {}", r.suite, r.name);
                    }
                } else {
                    println!("FAIL  {} › {}", r.suite, r.name);
                    for f in &r.failures {
                        println!("  {f}");
                    }
                }
            }
            println!("{} passed, {} failed", results.len() - failed, failed);
        }
    }
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
