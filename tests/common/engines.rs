//! Both engines on the same bundle: regorus (govc's embedded engine) in process, and OPA itself
//! through `tests/opa/decide.py` (the OPA Go library, PyPI `opa-golib-python-bindings`).

use govc::backend::bundle::Bundle;
use govc::runtime::engine::PolicyEngine;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What is compared of a decision: the deny and warn sets, and allow; or why there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Decided {
        deny: BTreeSet<String>,
        warn: BTreeSet<String>,
        allow: Option<bool>,
    },
    /// The engine could not evaluate the policy (an error, a bundle it refuses).
    Failed(String),
}

impl Verdict {
    /// The deny set, for assertions; empty when there is no decision.
    pub fn deny(&self) -> BTreeSet<String> {
        match self {
            Verdict::Decided { deny, .. } => deny.clone(),
            Verdict::Failed(_) => BTreeSet::new(),
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Decided { deny, warn, allow } => write!(
                f,
                "deny {} warn {} allow {}",
                serde_json::to_string(deny).unwrap_or_default(),
                serde_json::to_string(warn).unwrap_or_default(),
                allow.map_or("undefined".to_string(), |a| a.to_string())
            ),
            Verdict::Failed(why) => write!(f, "no decision: {why}"),
        }
    }
}

/// One evaluation: a policy (`a.b.p`), a document, and parameter overrides if any.
#[derive(Debug, Clone)]
pub struct Query {
    pub policy: String,
    pub input: Value,
    pub overrides: Option<Value>,
}

/// Writes a bundle (with its compiled tests) as a directory, as `govc build` does.
pub fn write_bundle(bundle: &Bundle, dir: &Path) {
    for (path, content) in bundle.files.iter().chain(&bundle.tests) {
        let target = dir.join(path);
        std::fs::create_dir_all(target.parent().expect("a file has a parent"))
            .expect("create the bundle's directories");
        std::fs::write(&target, content).expect("write a bundle file");
    }
}

/// The decision of regorus.
pub fn regorus(engine: &PolicyEngine, q: &Query) -> Verdict {
    let package: Vec<String> = q.policy.split('.').map(str::to_string).collect();
    match engine.decide(&package, &q.input, q.overrides.as_ref()) {
        Ok(d) => Verdict::Decided {
            deny: d.deny,
            warn: d.warn,
            allow: Some(d.allow),
        },
        Err(e) => Verdict::Failed(e),
    }
}

/// A Python that can import `opa_bindings`: the repository's `.venv`, else `python3`; panics
/// when there is none (a missing tool fails a test, it never skips it).
pub fn python_with_opa() -> PathBuf {
    let candidates = [super::root().join(".venv/bin/python"), PathBuf::from("python3")];
    for python in candidates {
        let ok = Command::new(&python)
            .args(["-c", "import opa_bindings"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return python;
        }
    }
    panic!("no Python can import opa_bindings (PyPI opa-golib-python-bindings): run `bash scripts/setup-python.sh`");
}

/// The decisions of OPA: for each bundle directory, one verdict per query, in order.
pub fn opa(batches: &[(PathBuf, Vec<Query>)]) -> Vec<Vec<Verdict>> {
    let request: Vec<Value> = batches
        .iter()
        .map(|(dir, queries)| {
            let queries: Vec<Value> = queries
                .iter()
                .map(|q| {
                    let mut v = json!({"policy": q.policy, "input": q.input});
                    if let Some(o) = &q.overrides {
                        v["overrides"] = o.clone();
                    }
                    v
                })
                .collect();
            json!({"bundle": dir, "queries": queries})
        })
        .collect();
    let answers = run_decide(&Value::Array(request));
    answers
        .into_iter()
        .map(|answers| answers.into_iter().map(verdict_of).collect())
        .collect()
}

/// Runs tests/opa/decide.py on a request; its answers.
fn run_decide(request: &Value) -> Vec<Vec<Value>> {
    let mut child = Command::new(python_with_opa())
        .arg(super::root().join("tests/opa/decide.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tests/opa/decide.py");
    let input = serde_json::to_vec(request).expect("requests serialize");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("tests/opa/decide.py runs");
    writer.join().expect("writer thread").expect("write the requests");
    assert!(
        out.status.success(),
        "tests/opa/decide.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("decide.py answers JSON")
}

/// The verdict in an engine's JSON answer: its `error`, or its `deny`, `warn` and `allow`.
pub fn verdict_of(v: Value) -> Verdict {
    if let Some(e) = v.get("error").and_then(Value::as_str) {
        return Verdict::Failed(e.to_string());
    }
    let set = |key: &str| -> BTreeSet<String> {
        v[key]
            .as_array()
            .map(|a| a.iter().filter_map(|m| m.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    Verdict::Decided {
        deny: set("deny"),
        warn: set("warn"),
        allow: v["allow"].as_bool(),
    }
}

/// The value of a document (`a.b.rule`) in OPA, for each `(path, input)` of one bundle: `Ok(None)`
/// when it is undefined.
pub fn opa_values(dir: &Path, queries: &[(String, Value)]) -> Vec<Result<Option<Value>, String>> {
    let request = json!([{
        "bundle": dir,
        "queries": queries.iter().map(|(path, input)| json!({"path": path, "input": input})).collect::<Vec<_>>(),
    }]);
    let answers = run_decide(&request);
    answers[0]
        .iter()
        .map(|a| {
            if let Some(e) = a.get("error").and_then(Value::as_str) {
                Err(e.to_string())
            } else if a.get("undefined").is_some() {
                Ok(None)
            } else {
                Ok(Some(a["value"].clone()))
            }
        })
        .collect()
}
