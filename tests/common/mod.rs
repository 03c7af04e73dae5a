//! Shared helpers of the integration tests: build a project in memory.

#![allow(dead_code)]

use govc::driver::build::{resolve_and_build, BuildOptions, BuildOutput};
use std::path::{Path, PathBuf};

pub mod engines;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Checks and builds a project; panics with the rendered diagnostics if it has errors.
pub fn build_project(dir: &Path) -> BuildOutput {
    let sources = govc::driver::project::load(dir).expect("project loads");
    let analysis = govc::driver::project::analyze(sources);
    if analysis.has_errors() {
        panic!(
            "{} has errors:\n{}",
            dir.display(),
            govc::diagnostic::human::render(&analysis.diagnostics, &analysis.sources, false)
        );
    }
    resolve_and_build(&analysis, &BuildOptions::for_project(dir)).expect("build succeeds")
}
