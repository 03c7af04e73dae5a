//! Every expression form in every position (issue 10): the generated Rego must mean what the
//! source says whatever the expression and wherever it stands. Each boolean form (a negative
//! literal first, a parenthesised operand first, a list or record literal first, every operator,
//! built-in and quantifier) is placed in each position a condition or a value can take (first
//! condition, after another term on the same line and in a block, under `not`, on either side of
//! `or`, as a `let`, interpolated into a message, as a function body, in a quantifier, in a list)
//! and the bundle is evaluated on OPA and on regorus: each policy must decide as the form's value
//! says. Statements are also checked never to start with `-`, `(`, `[` or `{`, which either engine
//! may read as continuing the line before.

mod common;

use common::engines::{opa, write_bundle, Query, Verdict};
use govc::runtime::engine::PolicyEngine;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Boolean forms and their value on [`document`].
const FORMS: &[(&str, bool)] = &[
    ("-1 > d.a", true),
    ("-1 < d.a", false),
    ("-d.a > 2", true),
    ("-d.a * -1 == -3", true),
    ("1 - -1 == 2", true),
    ("d.a - -d.b == 1", true),
    ("(d.b % 3) in d.xs", true),
    ("(d.a % 2) in d.xs", false),
    ("(d.a + d.b) * 2 == 2", true),
    ("[1, 2] == [1, 2]", true),
    ("[d.b] == [4]", true),
    ("Item { n: 1 } == d.items[0]", true),
    ("d.items[0] == Item { n: 2 }", false),
    ("\"x\" + d.s == \"xhéllo\"", true),
    ("d.f * 2.0 == 1.0", true),
    ("d.f / 2.0 < 1.0", true),
    ("0.1 + 0.2 == 0.3", true),
    ("d.b / 3 > 1.3333", true),
    ("count(d.s) == 5", true),
    ("count(d.xs) == 3", true),
    ("upper(d.s) == \"HÉLLO\"", true),
    ("lower(\"ÀB\") == \"àb\"", true),
    ("\"k\" in d.m and d.m[\"k\"] == 1", true),
    ("\"z\" in d.m", false),
    ("all x in [\"k\"]: x in d.m", true),
    ("get(d.m, \"z\", 7) == 7", true),
    ("get(d.xs, 9, 0) == 0", true),
    ("d.xs[1] == 2", true),
    ("has d.o", false),
    ("not has d.o", true),
    ("d.t", true),
    ("not d.t", false),
    ("d.t or false", true),
    ("false or d.b > 10", false),
    ("d.t and d.b > 1", true),
    ("all x in d.xs: x > 0", true),
    ("any x in d.xs: x > 2", true),
    ("any x in d.xs: x > 5", false),
    ("d.ts < \"2021-01-01T00:00:00Z\"", true),
    ("d.e == E.x", true),
    ("d.e in [E.y]", false),
    ("matches(d.s, r\"^h[^ ]{4}$\")", true),
    ("startswith(d.s, \"hé\") and endswith(d.s, \"lo\")", true),
    ("contains(d.s, \"ll\")", true),
    ("max(d.xs) == 3 and min(d.xs) == 1", true),
    ("sum(d.xs) == 6", true),
    ("inc(d.a) == -2", true),
    ("positive(d.b)", true),
    ("positive(d.a)", false),
    ("12345678901234567 > 12345678901234566", true),
    ("-9223372036854775807 < d.a", true),
    ("days_since(d.ts) > 365", true),
    ("(if d.a < 0 then d.b == 4 else false)", true),
    ("(if d.a > 0 then true else d.t == false)", false),
    ("(if d.b > 3 then 1 else 2.5) == 1.0", true),
    (
        "(if d.a < 0 then \"neg\" else if d.a == 0 then \"zero\" else \"pos\") == \"neg\"",
        true,
    ),
    ("(if has d.o then d.o else 0) == 0", true),
    ("(if d.b == 0 then 1 else 8 / d.b) == 2.0", true),
    ("[x * 2 for x in d.xs if x > 1] == [4, 6]", true),
    ("[k for k, v in d.m if v == 1] == [\"k\"]", true),
    ("count([i for i, x in d.xs if i > 0]) == 3", false),
    ("[it.n for it in d.items] == [1]", true),
    ("[8 / x for x in d.xs if x > 1] == [4.0, 2.666666667]", true),
    // `has` before a test of the same field, absent, `null` or present (its test may be left out
    // or merged: see `src/backend/rego/expr/presence.rs`).
    ("has d.o and d.o == 1", false),
    ("has d.o and d.o != 1", false),
    ("has d.bt and d.bt", true),
    ("has d.bn and d.bn", false),
    ("has d.bn and not d.bn", false),
    ("has d.sn and d.sn in [\"a\", \"b\"]", false),
    ("has d.nl and \"a\" in d.nl", false),
    ("has d.ls and 2 in d.ls", true),
    ("has d.it and d.it.n == 1", false),
    ("has d.nl and any x in d.nl: x == \"a\"", false),
    ("has d.ls and any x in d.ls: x == 2", true),
    ("has d.ls and count(d.ls) == 2", true),
    ("has d.nl and all x in d.nl: x == \"a\"", false),
];

fn document() -> Value {
    json!({
        "a": -3,
        "b": 4,
        "f": 0.5,
        "s": "héllo",
        "xs": [1, 2, 3],
        "m": {"k": 1},
        "t": true,
        "ts": "2020-01-01T00:00:00Z",
        "e": "x",
        "items": [{"n": 1}],
        "bt": true,
        "bn": null,
        "sn": null,
        "nl": null,
        "ls": [1, 2],
        "it": null,
    })
}

const HEADER: &str = r#"package forms

enum E { x, y }

type Item {
  n: int
}

type F {
  a: int
  b: int
  f: float
  s: string
  xs: [int]
  m: {string: int}
  t: bool
  ts: timestamp
  e: E
  items: [Item]
  o?: int
  bt?: bool
  bn?: bool
  sn?: string
  nl?: [string]
  ls?: [int]
  it?: Item
}

fn inc(x: int) -> int = x + 1

fn positive(x: int) -> bool = x > 0
"#;

/// The positions a form can take, each a policy template (`FORM` is replaced by the form, `N` by
/// a number) and whether the policy denies `"m"` when the form is true.
const POSITIONS: &[(&str, bool)] = &[
    ("policy pN {\n  subject d: F\n  deny \"m\" when FORM\n}\n", true),
    ("policy pN {\n  subject d: F\n  deny \"m\" when d.t and FORM\n}\n", true),
    ("policy pN {\n  subject d: F\n  deny \"m\" when FORM and d.t\n}\n", true),
    // In a block, a line starting with `-` continues the line before (LANGUAGE-REFERENCE, lexical
    // rules); one starting with `(` never does.
    (
        "policy pN {\n  subject d: F\n  deny \"m\" when {\n    d.b > 1\n    (FORM)\n  }\n}\n",
        true,
    ),
    (
        "policy pN {\n  subject d: F\n  deny \"m\" when {\n    some q in d.xs\n    q == 1\n    (FORM)\n  }\n}\n",
        true,
    ),
    ("policy pN {\n  subject d: F\n  deny \"m\" when not (FORM)\n}\n", false),
    (
        "policy pN {\n  subject d: F\n  deny \"m\" when FORM or false\n}\n",
        true,
    ),
    (
        "policy pN {\n  subject d: F\n  deny \"m\" when d.b > 10 or FORM\n}\n",
        true,
    ),
    (
        "policy pN {\n  subject d: F\n  let v = FORM\n  deny \"m\" when v\n}\n",
        true,
    ),
    (
        "policy pN {\n  subject d: F\n  deny \"m\" when any q in [1]: FORM\n}\n",
        true,
    ),
    (
        "policy pN {\n  subject d: F\n  deny \"m\" when all q in [1, 2]: FORM\n}\n",
        true,
    ),
    (
        "policy pN {\n  subject d: F\n  deny \"m\" when [FORM] == [true]\n}\n",
        true,
    ),
    (
        "fn gN(d: F) -> bool = FORM\n\npolicy pN {\n  subject d: F\n  deny \"m\" when gN(d)\n}\n",
        true,
    ),
    ("policy pN {\n  subject d: F\n  deny \"{FORM}\" when d.t\n}\n", true),
];

/// The statements of generated Rego never start with a character that could continue the line
/// before.
fn assert_statements_start_safely(bundle: &govc::backend::bundle::Bundle) {
    for (path, text) in bundle.files.iter().chain(&bundle.tests) {
        for (i, line) in String::from_utf8_lossy(text).lines().enumerate() {
            let statement = line.trim_start_matches('\t');
            if line.starts_with('\t') && statement.starts_with(['-', '(', '[', '{']) {
                panic!(
                    "{path}:{}: a statement starts with `{}`: {line}",
                    i + 1,
                    &statement[..1]
                );
            }
        }
    }
}

#[test]
fn every_form_in_every_position_means_what_it_says_on_both_engines() {
    // One bundle per form (regorus prepares every module of a bundle for each query, so one big
    // bundle would be slow), each with the form in every position.
    let input = document();
    let projects: Vec<tempfile::TempDir> = FORMS.iter().map(|_| tempfile::tempdir().expect("tempdir")).collect();
    let mut batches = Vec::new();
    let mut expected: Vec<Vec<(String, BTreeSet<String>, String)>> = Vec::new();
    let mut on_regorus: Vec<Vec<BTreeSet<String>>> = Vec::new();
    for (f, (form, value)) in FORMS.iter().enumerate() {
        let mut source = HEADER.to_string();
        let mut cases = Vec::new();
        for (n, (template, denies_when_true)) in POSITIONS.iter().enumerate() {
            source.push('\n');
            source.push_str(&template.replace('N', &n.to_string()).replace("FORM", form));
            let deny: BTreeSet<String> = if template.contains("\"{FORM}\"") {
                BTreeSet::from([value.to_string()])
            } else if value == denies_when_true {
                BTreeSet::from(["m".to_string()])
            } else {
                BTreeSet::new()
            };
            cases.push((
                format!("forms.p{n}"),
                deny,
                format!("{}  with {form}", template.trim_end()),
            ));
        }
        let dir = projects[f].path();
        std::fs::write(dir.join("forms.gov"), &source).expect("write forms.gov");
        let out = common::build_project(dir);
        assert_statements_start_safely(&out.bundle);
        let mut engine = PolicyEngine::load(&out.bundle, false).expect("regorus loads the bundle");
        on_regorus.push(
            cases
                .iter()
                .map(|(policy, _, _)| {
                    let doc = engine
                        .eval_with_input(&format!("data.{policy}"), &input)
                        .unwrap_or_else(|e| panic!("regorus: {policy} with {form}: {e}"))
                        .unwrap_or_default();
                    doc["deny"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|m| m.as_str().map(str::to_string)).collect())
                        .unwrap_or_default()
                })
                .collect(),
        );
        let bundle_dir = dir.join("bundle");
        write_bundle(&out.bundle, &bundle_dir);
        let queries = cases
            .iter()
            .map(|(policy, _, _)| Query {
                policy: policy.clone(),
                input: input.clone(),
                overrides: None,
            })
            .collect();
        batches.push((bundle_dir, queries));
        expected.push(cases);
    }
    let on_opa = opa(&batches);
    let mut failures = Vec::new();
    let mut total = 0;
    for ((cases, regorus), opa) in expected.iter().zip(&on_regorus).zip(&on_opa) {
        for (((policy, deny, what), on_regorus), on_opa) in cases.iter().zip(regorus).zip(opa) {
            total += 1;
            let opa_deny = match on_opa {
                Verdict::Decided { deny, .. } => deny.clone(),
                Verdict::Failed(why) => BTreeSet::from([format!("(no decision: {why})")]),
            };
            if on_regorus != deny || &opa_deny != deny {
                failures.push(format!(
                    "{policy}: {what}\n  expected {deny:?}\n  regorus  {on_regorus:?}\n  OPA      {opa_deny:?}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} policies decide wrongly:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(total, FORMS.len() * POSITIONS.len());
}

/// The example and the conformance projects keep the statement invariant too.
#[test]
fn no_statement_of_the_projects_starts_unsafely() {
    for project in [
        "examples/ai-governance",
        "tests/conformance/constructs",
        "tests/conformance/soundness",
    ] {
        let out = common::build_project(&common::root().join(project));
        assert_statements_start_safely(&out.bundle);
    }
}

/// `has` as a condition of its own, before the condition, `some` or `let` after it (a `has` the
/// next conjunct makes redundant is left out, see `src/backend/rego/expr/presence.rs`), on fields
/// absent, `null` and present: each policy must deny as its expectation says on both engines.
#[test]
fn has_before_the_next_condition_means_what_it_says_on_both_engines() {
    const BLOCKS: &[(&str, bool)] = &[
        ("has d.it\n    d.it.n == 1", false),
        ("has d.nl\n    some x in d.nl\n    x == \"a\"", false),
        ("has d.ls\n    some x in d.ls\n    x == 2", true),
        ("has d.bn\n    d.bn", false),
        ("has d.bt\n    d.bt", true),
        ("has d.o\n    let v = d.o\n    v == 1", false),
        ("has d.it\n    let v = d.it.n\n    v == 1", false),
        ("has d.sn\n    d.sn in [\"a\"]", false),
        ("has d.o\n    d.o != 1", false),
        ("d.t and has d.bn\n    d.bn", false),
    ];
    let mut source = HEADER.to_string();
    for (n, (block, _)) in BLOCKS.iter().enumerate() {
        source.push_str(&format!(
            "\npolicy b{n} {{\n  subject d: F\n  deny \"m\" when {{\n    {block}\n  }}\n}}\n"
        ));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("forms.gov"), &source).expect("write forms.gov");
    let out = common::build_project(dir.path());
    let mut engine = PolicyEngine::load(&out.bundle, false).expect("regorus loads the bundle");
    let bundle_dir = dir.path().join("bundle");
    write_bundle(&out.bundle, &bundle_dir);
    let input = document();
    let queries = (0..BLOCKS.len())
        .map(|n| Query {
            policy: format!("forms.b{n}"),
            input: input.clone(),
            overrides: None,
        })
        .collect();
    let on_opa = opa(&[(bundle_dir, queries)]);
    for (n, ((block, denies), opa)) in BLOCKS.iter().zip(&on_opa[0]).enumerate() {
        let expected: BTreeSet<String> = denies.then(|| "m".to_string()).into_iter().collect();
        let doc = engine
            .eval_with_input(&format!("data.forms.b{n}"), &input)
            .unwrap_or_else(|e| panic!("regorus: {block}: {e}"))
            .unwrap_or_default();
        let on_regorus: BTreeSet<String> = doc["deny"]
            .as_array()
            .map(|a| a.iter().filter_map(|m| m.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        assert_eq!(on_regorus, expected, "regorus: {block}");
        match opa {
            Verdict::Decided { deny, .. } => assert_eq!(deny, &expected, "OPA: {block}"),
            Verdict::Failed(why) => panic!("OPA: {block}: {why}"),
        }
    }
}
