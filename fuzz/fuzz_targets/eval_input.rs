//! The document loader of `govc eval` on any bytes, then a compiled policy of the example project
//! (its `deny` rule, in the embedded engine) on what it loads: no panic, nesting within the limit,
//! and bounded time (a slow input is a libFuzzer timeout).

#![no_main]

use govc::runtime::engine::PolicyEngine;
use libfuzzer_sys::fuzz_target;
use std::cell::RefCell;

/// The example project's bundle in an engine, built once (on the fuzz thread, which runs every
/// input), and the rule every document is judged by.
fn with_engine(f: impl FnOnce(&mut PolicyEngine, &str)) {
    thread_local! {
        static ENGINE: RefCell<Option<PolicyEngine>> = const { RefCell::new(None) };
    }
    const RULE: &str = "data.acme.models.bias_tested.deny";
    ENGINE.with(|engine| {
        let mut engine = engine.borrow_mut();
        let engine = engine.get_or_insert_with(|| {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ai-governance");
            let sources = govc::driver::project::load(&dir).expect("the example loads");
            let analysis = govc::driver::project::analyze(sources);
            assert!(!analysis.has_errors(), "the example checks");
            let options = govc::driver::build::BuildOptions::for_project(&dir);
            let output = govc::driver::build::resolve_and_build(&analysis, &options).expect("the example builds");
            PolicyEngine::load(&output.bundle, false).expect("the bundle loads")
        });
        f(engine, RULE);
    });
}

fn depth(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        serde_json::Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn run(data: &[u8]) {
    let Some(text) = govc_fuzz::gov_text(data) else { return };
    let Ok(documents) = govc::runtime::documents::parse_documents(text, govc::runtime::documents::Syntax::Either) else {
        return;
    };
    for document in &documents {
        assert!(depth(document) <= govc::runtime::documents::MAX_DEPTH, "{text}");
        // An engine error (a value regorus cannot take) is reported by `govc eval`, not a crash.
        with_engine(|engine, rule| {
            let _ = engine.eval_with_input(rule, document);
        });
    }
}

fuzz_target!(|data: &[u8]| govc_fuzz::on_big_stack(data, run));
