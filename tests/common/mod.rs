//! Shared helpers of the integration tests: build a project in memory.

#![allow(dead_code)]

use govc::driver::build::{resolve_and_build, BuildOptions, BuildOutput};
use std::path::{Path, PathBuf};

pub mod engines;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.gov` file below `dir`, sorted.
pub fn gov_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot read {}: {e}", d.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "gov") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
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
