//! Hygiene (issue 10): no user name can break or change the bundle. Every Rego keyword, every
//! name of OPA's built-ins (`count`, and `object` of `object.get`: the vendored list of OPA
//! v1.20.2, `src/backend/rego/opa_builtins.txt`), the roots and imports (`input`, `data`, `rego`)
//! and the names the generated code uses (`msg`, `deny`, `v1`, ...) is used as a field, a function,
//! its parameter, a `let`, a `some` variable, a quantified variable and a parameter; the bundle
//! must load in OPA and in regorus, and every policy must decide what its source says on both.

mod common;

use common::engines::{opa, write_bundle, Query, Verdict};
use govc::backend::rego::opa_builtins;
use govc::runtime::engine::PolicyEngine;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// The words `.gov` itself reserves: they cannot be names, so they cannot reach the Rego.
/// The words that can never be names, as the lexicon declares them.
const GOV_RESERVED: &[&str] = govc::syntax::lexicon::RESERVED;

/// Names the generated Rego uses for its own rules and variables, with and without the
/// underscore generated names carry.
const GENERATED: &[&str] = &[
    "deny",
    "warn",
    "allow",
    "violation",
    "decision",
    "msg",
    "x",
    "o",
    "name",
    "v1",
    "i1",
    "item1",
    "k1",
    "entry1",
    "t1",
    "cond1",
    "bool1",
    "value1",
    "failed1",
    "pair",
    "p_x",
    "params",
    "document",
    "malformed",
    "conforms",
    "failed",
    "evaluable",
    "overrides",
    "request",
    "_x",
    "_v1",
    "_params",
    "_msg",
    "x_",
    "_",
];

fn names() -> Vec<String> {
    let mut names: BTreeSet<String> = BTreeSet::new();
    names.extend(govc::backend::rego::REGO_KEYWORDS.iter().map(|s| s.to_string()));
    names.extend(["data", "input", "rego", "future", "lib", "system"].map(String::from));
    for builtin in opa_builtins() {
        names.extend(builtin.split('.').map(String::from));
    }
    names.extend(GENERATED.iter().map(|s| s.to_string()));
    names
        .into_iter()
        .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .filter(|n| !n.starts_with(|c: char| c.is_ascii_digit()))
        .collect()
}

/// A module using `name` in every role, and what each of its policies denies on a document with
/// `"<name>": 5` and `"xs": [1, 3]` (one document holds the fields of every module: types are open).
fn module(i: usize, name: &str) -> (String, Vec<(String, &'static str)>) {
    let n = name;
    let source = format!(
        r#"package hygiene.n{i}

type D {{
  {n}: int
  xs: [int]
}}

fn {n}({n}: int) -> int = {n} + 1

policy let_{i} {{
  subject d: D
  let {n} = d.{n} + 1
  deny "let {{{n}}}" when {n} > 1
}}

policy some_{i} {{
  subject d: D
  deny "some {{{n}}}" when {{
    some {n} in d.xs
    {n} > 1
  }}
}}

policy param_{i} {{
  param {n}: int = 2
  subject d: D
  deny "param {{{n}}}" when d.{n} > {n}
}}

policy call_{i} {{
  subject d: D
  deny "call {{{n}(d.{n})}}" when {n}(d.{n}) > 2
}}

policy all_{i} {{
  subject d: D
  deny "all" when all {n} in d.xs: {n} > 0
}}
"#
    );
    let expected = vec![
        (format!("hygiene.n{i}.let_{i}"), "let 6"),
        (format!("hygiene.n{i}.some_{i}"), "some 3"),
        (format!("hygiene.n{i}.param_{i}"), "param 2"),
        (format!("hygiene.n{i}.call_{i}"), "call 6"),
        (format!("hygiene.n{i}.all_{i}"), "all"),
    ];
    (source, expected)
}

#[test]
fn every_keyword_built_in_and_generated_name_is_a_safe_user_name() {
    let names = names();
    assert!(names.len() > 200, "only {} names", names.len());
    let project = tempfile::tempdir().expect("tempdir");
    let mut expected: BTreeMap<String, (String, &'static str)> = BTreeMap::new();
    let mut usable = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if GOV_RESERVED.contains(&name.as_str()) {
            continue;
        }
        let (source, policies) = module(i, name);
        std::fs::write(project.path().join(format!("n{i}.gov")), source).expect("write a module");
        for (policy, message) in policies {
            expected.insert(policy, (name.clone(), message));
        }
        usable.push(name.clone());
    }
    let out = common::build_project(project.path());
    // regorus and OPA load the bundle, and decide as the source says.
    let engine = PolicyEngine::load(&out.bundle, true).expect("regorus loads the bundle");
    let dir = tempfile::tempdir().expect("tempdir");
    write_bundle(&out.bundle, dir.path());
    let mut input = json!({ "xs": [1, 3] });
    for name in &usable {
        input[name.as_str()] = json!(5);
    }
    let queries: Vec<Query> = expected
        .keys()
        .map(|policy| Query {
            policy: policy.clone(),
            input: input.clone(),
            overrides: None,
        })
        .collect();
    let opa_verdicts = opa(&[(dir.path().to_path_buf(), queries.clone())]).remove(0);
    // All policies at once on regorus (one query per policy would re-evaluate the whole bundle's
    // dependencies each time).
    let mut engine = engine;
    let all = engine
        .eval_with_input("data.hygiene", &input)
        .expect("regorus evaluates the bundle")
        .expect("data.hygiene is defined");
    let on_regorus_of = |policy: &str| -> Verdict {
        let mut doc = &all;
        for segment in policy.split('.').skip(1) {
            doc = &doc[segment];
        }
        common::engines::verdict_of(doc.clone())
    };
    let mut failures = Vec::new();
    for ((q, (name, message)), on_opa) in queries.iter().zip(expected.values()).zip(opa_verdicts) {
        let want = Verdict::Decided {
            deny: BTreeSet::from([message.to_string()]),
            warn: BTreeSet::new(),
            allow: Some(false),
        };
        let on_regorus = on_regorus_of(&q.policy);
        if on_regorus != want || on_opa != want {
            failures.push(format!(
                "{} (name `{name}`):\n  expected {want}\n  regorus  {on_regorus}\n  OPA      {on_opa}",
                q.policy
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} policies decide wrongly:\n{}",
        failures.len(),
        queries.len(),
        failures.join("\n")
    );
    eprintln!(
        "{} names, {} policies, decided alike on regorus and OPA",
        usable.len(),
        queries.len()
    );
}

/// A byte-order mark or a carriage return in a doc comment, a title, a message or a test name
/// (issue 10) never reaches the Rego, YAML or workflow outputs raw: OPA refuses a module holding a
/// byte-order mark anywhere, and ends a comment at a lone carriage return (turning the rest of the
/// line into code), which regorus does not.
#[test]
fn invisible_characters_never_reach_the_outputs() {
    let project = tempfile::tempdir().expect("tempdir");
    let source = "package acme.text\n\n\
        type D {\n  /// a field\u{FEFF} doc\rwith a carriage return\n  n: int\n}\n\n\
        resource R {\n  group = \"acme.com\"\n  version = \"v1\"\n  spec: D\n}\n\n\
        /// doc with a mark \u{FEFF} and a return \r here\n\
        policy p {\n  title = \"t \\u{FEFF} \\r x\"\n  subject d: R\n  deny \"m \\r \\u{FEFF} {d.spec.n}\" when d.spec.n > 1\n}\n\n\
        enforce p {\n  ci { files = [\"x/*.yaml\"] }\n  admission { kinds = [\"acme.com/R\"] }\n}\n\n\
        test \"mark \\u{FEFF} return \\r name\" {\n  expect denied p(R { metadata: { name: \"a\" }, spec: D { n: 2 } }) with \"m \\r \\u{FEFF} 2\"\n}\n";
    std::fs::write(project.path().join("text.gov"), source).expect("write text.gov");
    let out = common::build_project(project.path());
    for (path, file) in &out.tree.files {
        let text = String::from_utf8_lossy(file);
        if path.ends_with(".rego") || path.ends_with(".yaml") || path.ends_with(".yml") {
            assert!(!text.contains('\u{FEFF}'), "{path} holds a byte-order mark");
            assert!(!text.contains('\r'), "{path} holds a carriage return");
        }
        if path.ends_with(".yaml") || path.ends_with(".yml") {
            for doc in text.split("\n---\n") {
                let _: serde_json::Value = yaml_serde::from_str(doc).unwrap_or_else(|e| panic!("{path}: {e}"));
            }
        }
    }
    // Both engines load the bundle and give the message with its characters.
    let want = BTreeSet::from(["m \r \u{FEFF} 2".to_string()]);
    let input = json!({"apiVersion": "acme.com/v1", "kind": "R", "metadata": {"name": "a"}, "spec": {"n": 2}});
    let engine = PolicyEngine::load(&out.bundle, true).expect("regorus loads the bundle");
    let q = Query {
        policy: "acme.text.p".into(),
        input,
        overrides: None,
    };
    assert_eq!(common::engines::regorus(&engine, &q).deny(), want);
    let dir = tempfile::tempdir().expect("tempdir");
    write_bundle(&out.bundle, dir.path());
    assert_eq!(opa(&[(dir.path().to_path_buf(), vec![q])])[0][0].deny(), want);
    let results = govc::runtime::test_runner::run(&out.ir, &out.bundle, None).expect("govc test runs");
    assert!(results.iter().all(|r| r.passed()), "{results:?}");
}
