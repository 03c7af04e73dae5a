//! The whole build on any text that checks without errors: lowering and every back end run
//! without panicking, the bundle (with its tests) loads in the embedded Rego engine, and every
//! generated YAML and JSON file parses. Inputs nested deeper than `MAX_BUILD_NESTING` are
//! skipped (see `fuzz/src/lib.rs`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::OnceLock;

/// An empty directory standing for the project on disk (the build reads `govc.toml` and looks for
/// the repository root there).
fn project_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("govc-fuzz-build-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the project directory");
        dir
    })
}

fn run(data: &[u8]) {
    let Some(text) = govc_fuzz::gov_text(data) else { return };
    if govc_fuzz::bracket_depth(text) > govc_fuzz::MAX_BUILD_NESTING {
        return;
    }
    let analysis = govc_fuzz::analyze(text);
    if analysis.has_errors() {
        return;
    }
    let dir = project_dir();
    let options = govc::driver::build::BuildOptions {
        project_dir: dir.clone(),
        out_dir: dir.join("dist"),
        repo_root: Some(dir.clone()),
        ..govc::driver::build::BuildOptions::default()
    };
    // A layout conflict (two packages in one file) is a reported error, not a crash.
    let Ok(output) = govc::driver::build::resolve_and_build(&analysis, &options) else {
        return;
    };
    if let Err(e) = govc::runtime::engine::PolicyEngine::load(&output.bundle, true) {
        panic!("the generated bundle does not load: {e}\n{text}");
    }
    for (path, content) in &output.tree.files {
        let content = String::from_utf8_lossy(content);
        if path.ends_with(".yaml") || path.ends_with(".yml") {
            for doc in yaml_serde::Deserializer::from_str(&content) {
                if let Err(e) = serde_json::Value::deserialize(doc) {
                    panic!("`{path}` is not YAML: {e}\n{content}");
                }
            }
        } else if path.ends_with(".json") || path.ends_with(".manifest") {
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&content) {
                panic!("`{path}` is not JSON: {e}\n{content}");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| govc_fuzz::on_big_stack(data, run));
