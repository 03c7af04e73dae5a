//! Regenerates `stdlib/std/k8s_api.gov` (the Kubernetes kinds of `std.k8s`) and its vendored
//! definitions from a `_definitions.json` of PyPI's `kubernetes-validate`:
//!
//! ```sh
//! cargo run --example gen-std-k8s -- \
//!     .venv/lib/python3.11/site-packages/kubernetes_validate/kubernetes-json-schema/v1.37.0-local/_definitions.json
//! ```
//!
//! Run from the repository root. The Kubernetes version is read from the path (`v1.37.0`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: gen-std-k8s PATH/v1.NN.0-local/_definitions.json");
        return ExitCode::from(2);
    };
    let version = path
        .split('/')
        .find(|s| s.starts_with("v1.") && s.ends_with("-local"))
        .map(|s| s.trim_end_matches("-local").to_string())
        .unwrap_or_else(|| "(unknown version)".to_string());
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("gen-std-k8s: cannot read {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = serde_json::from_str(&text)
        .map_err(|e| e.to_string())
        .and_then(|defs| govc::stdlib_gen::k8s_api::generate(&defs, &version));
    let generated = match result {
        Ok(g) => g,
        Err(e) => {
            eprintln!("gen-std-k8s: {e}");
            return ExitCode::FAILURE;
        }
    };
    let subset = govc::stdlib_gen::k8s_api::subset_text(&generated.subset);
    for (file, contents) in [
        (govc::stdlib_gen::k8s_api::OUTPUT, generated.source.as_str()),
        (govc::stdlib_gen::k8s_api::SUBSET, subset.as_str()),
    ] {
        if let Err(e) = std::fs::write(file, contents) {
            eprintln!("gen-std-k8s: cannot write {file}: {e}");
            return ExitCode::FAILURE;
        }
        println!("wrote {file}");
    }
    ExitCode::SUCCESS
}
