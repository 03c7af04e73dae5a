//! The peer suite (issue 11): the cases of gatekeeper-library's own test suites
//! (`tests/vendor/gatekeeper-library/`), judged as Gatekeeper's `gator verify` judges them, through
//! the ConstraintTemplates that govc generates from `examples/k8s-baseline`, on regorus: the
//! original 139 cases (`cases.json`) and those of the policies added since (`cases-more.json`).
//! `tests/k8s/peer_library.py` runs the same cases on the real OPA engine (`scripts/test.sh`).
//!
//! For each case: the template whose kind is the case's `policy` (case-insensitive); the library's
//! own Constraint match (`kinds` by apiGroup and kind, `namespaces`, `excludedNamespaces`, with `*`
//! prefix and suffix wildcards) decides whether the object is judged; the template's `violation`
//! is evaluated with the peer README's input (the review, the library's parameters verbatim, and a
//! case's `inventory` at `data.inventory`, keyed as gator keys it); each
//! assertion counts the messages its `message` regular expression matches (all of them when
//! absent): more than 0 for `yes`, 0 for `no`, exactly N for a number.
//!
//! The policies expected to be written are listed in `tests/peer/gatekeeper-library.txt`: their
//! cases must all pass; the cases of the other policies are reported as missing.

mod common;
#[path = "common/gatekeeper.rs"]
mod gatekeeper;

use gatekeeper::{selected, violations_with, Template};
use govc::backend::k8s::RegoForm;
use regex::Regex;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The deny templates of the example, by lower-case kind.
fn templates(form: RegoForm) -> BTreeMap<String, Template> {
    let project = common::root().join("examples/k8s-baseline");
    let analysis = govc::driver::project::analyze(govc::driver::project::load(&project).expect("the project loads"));
    assert!(
        !analysis.has_errors(),
        "{}",
        govc::diagnostic::human::render(&analysis.diagnostics, &analysis.sources, false)
    );
    gatekeeper::templates(&analysis.lower(), form)
        .into_iter()
        // The template of a policy's warnings is not the policy's verdict.
        .filter(|t| t.annotations["govc.dev/reports"] != "warn")
        .map(|t| (t.kind.to_lowercase(), t))
        .collect()
}

/// The input Gatekeeper gives the template for a case (the peer README's shape).
fn review_input(case: &Value) -> Value {
    let object = &case["object"];
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let mut review = json!({
        "kind": {"group": group, "version": version, "kind": object["kind"]},
        "name": object["metadata"]["name"],
        "namespace": object["metadata"].get("namespace").cloned().unwrap_or(json!("")),
        "operation": case["operation"],
        "object": object,
    });
    if !case["old_object"].is_null() {
        review["oldObject"] = case["old_object"].clone();
    }
    let parameters = case["constraint"]["spec"]
        .get("parameters")
        .cloned()
        .unwrap_or(json!({}));
    json!({"review": review, "parameters": parameters})
}

/// `data.inventory` holding a case's inventory objects, as gator loads them: an object with a
/// namespace at `namespace[ns][apiVersion][kind][name]`, one without at
/// `cluster[apiVersion][kind][name]`.
fn inventory_data(objects: &Value) -> Value {
    let mut data = json!({});
    for object in objects.as_array().expect("inventory is a list") {
        let metadata = &object["metadata"];
        let mut path: Vec<&str> = match metadata["namespace"].as_str() {
            Some(ns) => vec!["namespace", ns],
            None => vec!["cluster"],
        };
        path.extend([
            object["apiVersion"].as_str().expect("apiVersion"),
            object["kind"].as_str().expect("kind"),
        ]);
        let mut at = &mut data;
        for key in path {
            at = at
                .as_object_mut()
                .expect("an object")
                .entry(key)
                .or_insert_with(|| json!({}));
        }
        at[metadata["name"].as_str().expect("name")] = object.clone();
    }
    data
}

/// The assertions of a case that do not hold for these messages (gator's semantics).
fn failed_assertions(assertions: &Value, messages: &[String]) -> Vec<String> {
    let mut failed = Vec::new();
    for assertion in assertions.as_array().expect("assertions") {
        let matching = match assertion.get("message").and_then(Value::as_str) {
            Some(pattern) => {
                let re = Regex::new(pattern).unwrap_or_else(|e| panic!("assertion regex {pattern}: {e}"));
                messages.iter().filter(|m| re.is_match(m)).count()
            }
            None => messages.len(),
        };
        let holds = match assertion.get("violations").unwrap_or(&json!("yes")) {
            Value::String(s) if s == "yes" => matching > 0,
            Value::String(s) if s == "no" => matching == 0,
            Value::Number(n) => n.as_u64() == Some(matching as u64),
            other => panic!("unknown assertion {other}"),
        };
        if !holds {
            failed.push(format!("{assertion} (matching messages: {matching})"));
        }
    }
    failed
}

/// The vendored cases: the original 139 of the peer suite, then those of the policies added
/// after it (`cases-more.json`, same format; `tests/vendor/gatekeeper-library/cases-more.md`).
const CASE_FILES: [&str; 2] = [
    "tests/vendor/gatekeeper-library/cases.json",
    "tests/vendor/gatekeeper-library/cases-more.json",
];

/// The template kinds expected to be written (tests/peer/gatekeeper-library.txt), lower-case.
fn expected_policies() -> BTreeSet<String> {
    let text = std::fs::read_to_string(common::root().join("tests/peer/gatekeeper-library.txt")).expect("the list");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_lowercase)
        .collect()
}

fn run(form: RegoForm) {
    let cases: Vec<Value> = CASE_FILES
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(common::root().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
            serde_json::from_str::<Vec<Value>>(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
        })
        .collect();
    let templates = templates(form);
    let expected = expected_policies();
    let (mut passed, mut unselected) = (0, 0);
    let mut failures = Vec::new();
    let mut missing: BTreeMap<String, usize> = BTreeMap::new();
    for case in &cases {
        let id = case["id"].as_str().expect("id");
        let policy = case["policy"].as_str().expect("policy");
        let Some(template) = templates.get(&policy.to_lowercase()) else {
            if expected.contains(&policy.to_lowercase()) {
                failures.push(format!("FAIL {id}: no ConstraintTemplate of kind {policy}"));
            } else {
                *missing.entry(policy.to_string()).or_default() += 1;
            }
            continue;
        };
        let messages = if selected(&case["constraint"]["spec"]["match"], &case["object"]) {
            let inventory = case.get("inventory").map(inventory_data);
            violations_with(template, &review_input(case), inventory.as_ref())
        } else {
            unselected += 1;
            Vec::new()
        };
        let failed = failed_assertions(&case["assertions"], &messages);
        if failed.is_empty() {
            passed += 1;
        } else {
            failures.push(format!(
                "FAIL {id}\n  violations: {messages:?}\n  failed: {}",
                failed.join("\n          ")
            ));
        }
    }
    for (policy, n) in &missing {
        println!("missing {policy}: {n} cases (no template yet)");
    }
    println!(
        "gatekeeper-library peer suite on regorus ({form:?}): {passed} passed, {} failed, {} missing, {unselected} not selected by their Constraint",
        failures.len(),
        missing.values().sum::<usize>()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(passed > 0, "no case ran");
    let all: BTreeSet<String> = cases
        .iter()
        .map(|c| c["policy"].as_str().expect("policy").to_lowercase())
        .collect();
    if expected.is_superset(&all) {
        assert!(
            missing.is_empty(),
            "every policy is expected, yet some have no template"
        );
    }
}

#[test]
fn peer_cases_pass_through_the_generated_templates_in_rego_v1() {
    run(RegoForm::V1);
}

#[test]
fn peer_cases_pass_through_the_generated_templates_in_rego_v0() {
    run(RegoForm::V0);
}

#[test]
fn constraint_matching_follows_gatekeeper() {
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "kube-system"}});
    let pods = json!({"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}]});
    assert!(selected(&pods, &pod));
    assert!(!selected(
        &json!({"kinds": [{"apiGroups": ["apps"], "kinds": ["Pod"]}]}),
        &pod
    ));
    assert!(selected(
        &json!({"kinds": [{"apiGroups": ["*"], "kinds": ["*"]}]}),
        &pod
    ));
    let with = |key: &str, patterns: Value| {
        let mut m = pods.clone();
        m[key] = patterns;
        selected(&m, &pod)
    };
    assert!(!with("excludedNamespaces", json!(["kube-system"])));
    assert!(!with("excludedNamespaces", json!(["kube-*"])));
    assert!(!with("excludedNamespaces", json!(["*-system"])));
    assert!(with("excludedNamespaces", json!(["default"])));
    assert!(!with("namespaces", json!(["default"])));
    assert!(with("namespaces", json!(["kube*"])));
    let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}});
    let namespaces =
        json!({"kinds": [{"apiGroups": [""], "kinds": ["Namespace"]}], "excludedNamespaces": ["kube-system"]});
    assert!(!selected(&namespaces, &namespace));
}

#[test]
fn assertions_follow_gator() {
    let messages = vec![
        "container <a> is bad".to_string(),
        "initContainer <b> is bad".to_string(),
    ];
    let holds = |a: Value| failed_assertions(&json!([a]), &messages).is_empty();
    assert!(holds(json!({"violations": "yes"})));
    assert!(holds(json!({"violations": 2})));
    assert!(holds(json!({"violations": 1, "message": "container"})));
    assert!(holds(json!({"violations": 1, "message": "initContainer"})));
    assert!(!holds(json!({"violations": "no"})));
    assert!(holds(json!({"violations": "no", "message": "ephemeral"})));
    assert!(!holds(json!({"violations": 3})));
    assert!(holds(json!({"message": "bad"})));
    assert!(failed_assertions(&json!([{"violations": "yes"}]), &[]).len() == 1);
}
