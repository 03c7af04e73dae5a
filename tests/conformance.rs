//! The semantic conformance suite on the embedded engine (regorus): every case of
//! `tests/conformance/*.json` is evaluated on the compiled bundle of its project and must give
//! exactly the expected decision. `tests/opa/conformance.py` runs the same cases on the real OPA
//! engine in CI; both must agree.

mod common;

use govc::runtime::engine::PolicyEngine;
use serde_json::Value;
use std::collections::BTreeSet;

fn strings(v: Option<&Value>) -> Option<BTreeSet<String>> {
    v.map(|v| {
        v.as_array()
            .expect("a list of messages")
            .iter()
            .map(|m| m.as_str().expect("a message").to_string())
            .collect()
    })
}

#[test]
fn conformance_cases_hold_on_regorus() {
    let dir = common::root().join("tests/conformance");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/conformance exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no conformance tables in {}", dir.display());
    let (mut passed, mut failed) = (0, 0);
    let mut report = String::new();
    for file in files {
        let table: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).expect("readable")).expect("valid JSON");
        let project = common::root().join(table["project"].as_str().expect("project"));
        let out = common::build_project(&project);
        let engine = PolicyEngine::load(&out.bundle, false).expect("bundle loads in regorus");
        for case in table["cases"].as_array().expect("cases") {
            let name = case["name"].as_str().expect("name");
            let policy_name = case["policy"].as_str().expect("policy");
            let Some(policy) = out.ir.policies.iter().find(|p| p.dotted() == policy_name) else {
                failed += 1;
                report.push_str(&format!("FAIL {name}: no policy `{policy_name}` in the bundle\n"));
                continue;
            };
            let decision = engine
                .decide_in(
                    &policy.package,
                    &case["input"],
                    &govc::runtime::engine::Context {
                        overrides: case.get("overrides"),
                        now: case.get("now"),
                        request: case.get("request"),
                        inventory: case.get("inventory"),
                    },
                )
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let expect = &case["expect"];
            let mut problems = Vec::new();
            if let Some(deny) = strings(expect.get("deny")) {
                if deny != decision.deny {
                    problems.push(format!("deny: expected {deny:?}, got {:?}", decision.deny));
                }
            }
            if let Some(warn) = strings(expect.get("warn")) {
                if warn != decision.warn {
                    problems.push(format!("warn: expected {warn:?}, got {:?}", decision.warn));
                }
            }
            if let Some(allow) = expect.get("allow").and_then(Value::as_bool) {
                if allow != decision.allow {
                    problems.push(format!("allow: expected {allow}, got {}", decision.allow));
                }
            }
            let violation_msgs: BTreeSet<String> = decision
                .violation
                .iter()
                .map(|v| v["msg"].as_str().unwrap_or_default().to_string())
                .collect();
            if violation_msgs != decision.deny {
                problems.push(format!(
                    "violation msgs {violation_msgs:?} differ from deny {:?}",
                    decision.deny
                ));
            }
            if decision
                .violation
                .iter()
                .any(|v| v.get("policy").is_none() || v.get("severity").is_none())
            {
                problems.push("a violation lacks `policy` or `severity`".to_string());
            }
            if problems.is_empty() {
                passed += 1;
            } else {
                failed += 1;
                report.push_str(&format!("FAIL {name}\n  {}\n", problems.join("\n  ")));
            }
        }
    }
    println!("{report}conformance on regorus: {passed} passed, {failed} failed");
    assert_eq!(failed, 0, "{report}");
}
