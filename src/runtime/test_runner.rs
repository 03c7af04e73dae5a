//! `govc test`: runs every `.gov` test against the compiled bundle with the embedded engine.
//! Each expectation is judged from the policy's actual decision (so a failure shows expected vs
//! actual messages), and the compiled Rego `test_…` rule is evaluated too: the two must agree,
//! which keeps `opa test` and `govc test` honest with each other.

use crate::backend::rego::{self, Target};
use crate::ir::ExpectKind;
use crate::ir::{Expectation, Ir, TestSuite};
use crate::runtime::engine::{Context, Decision, PolicyEngine};
use serde_json::Value;

/// The result of one test.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    pub suite: String,
    pub name: String,
    /// Why it failed, one entry per failed expectation; empty when it passed.
    pub failures: Vec<String>,
}

impl TestResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

const RUNNER_PACKAGE: &str = "govc_runner";

/// Runs the tests whose name (or `suite › name`) contains `filter`.
pub fn run(ir: &Ir, bundle: &crate::backend::bundle::Bundle, filter: Option<&str>) -> Result<Vec<TestResult>, String> {
    let (runner, keys) = runner_module(&ir.tests);
    let target = Target::bundle();
    let mut engine = if rego::uses_runtime(&runner, &target) {
        // The bundle ships only the runtime functions its modules call; the runner may call
        // others, so it runs with the whole library in its place.
        let runtime_path = format!("{}.rego", rego::runtime_package(&target).join("/"));
        let mut whole = bundle.clone();
        whole.files.remove(&runtime_path);
        whole.tests.remove(&runtime_path);
        whole
            .files
            .insert(runtime_path, rego::emit_runtime(&target).into_bytes());
        PolicyEngine::load(&whole, true)?
    } else {
        PolicyEngine::load(bundle, true)?
    };
    engine.add_module("govc_runner.rego", &runner)?;
    let mut results = Vec::new();
    for (si, suite) in ir.tests.iter().enumerate() {
        let suite_name = suite.package.join(".");
        for (ti, test) in suite.tests.iter().enumerate() {
            let full = format!("{suite_name} › {}", test.name);
            if filter.is_some_and(|f| !full.contains(f)) {
                continue;
            }
            let mut failures = Vec::new();
            for (xi, x) in test.expectations.iter().enumerate() {
                let key = &keys[&(si, ti, xi)];
                let outcome = judge(&mut engine, x, key);
                if let Err(why) = outcome {
                    failures.push(format!(
                        "line {}: expect {} {}: {why}",
                        x.line,
                        x.kind.as_str(),
                        x.policy.join(".")
                    ));
                }
            }
            // The compiled Rego test must reach the same verdict.
            let rule = format!("{}.{}", rego::package_ref(&suite.package), test.rule);
            let rego_verdict = engine.eval(&rule)? == Some(Value::Bool(true));
            if rego_verdict != failures.is_empty() {
                failures.push(format!(
                    "internal error: the compiled Rego test `{rule}` {} but the expectations {}",
                    if rego_verdict { "passes" } else { "fails" },
                    if failures.is_empty() { "hold" } else { "do not" }
                ));
            }
            results.push(TestResult {
                suite: suite_name.clone(),
                name: test.name.clone(),
                failures,
            });
        }
    }
    Ok(results)
}

/// A Rego module with one rule per expectation computing its subject and overrides, so the runner
/// evaluates test values with the same compiled functions as the policies.
fn runner_module(suites: &[TestSuite]) -> (String, std::collections::HashMap<(usize, usize, usize), String>) {
    let target = Target::bundle();
    let mut em = rego::Emitter::new(&target);
    let mut out = format!("package {RUNNER_PACKAGE}\n\nimport rego.v1\n");
    let mut keys = std::collections::HashMap::new();
    for (si, suite) in suites.iter().enumerate() {
        for (ti, test) in suite.tests.iter().enumerate() {
            let lets: Vec<String> = test
                .lets
                .iter()
                .map(|(v, e)| format!("{} := {}", rego::var(v), em.term(e).text))
                .collect();
            for (xi, x) in test.expectations.iter().enumerate() {
                let key = format!("s{si}_t{ti}_x{xi}");
                let mut body = lets.clone();
                body.push(format!("_x := {}", em.term(&x.subject).text));
                out.push_str(&format!(
                    "\n{key}_subject := _x if {{\n{}}}\n",
                    rego::indent_lines(&body)
                ));
                if !x.overrides.is_empty() {
                    let mut body = lets.clone();
                    let fields: Vec<String> = x
                        .overrides
                        .iter()
                        .map(|(k, v)| format!("{}: {}", rego::string_literal(k), em.term(v).text))
                        .collect();
                    body.push(format!("_x := {{{}}}", fields.join(", ")));
                    out.push_str(&format!(
                        "\n{key}_overrides := _x if {{\n{}}}\n",
                        rego::indent_lines(&body)
                    ));
                }
                if let Some(at) = &x.at {
                    let mut body = lets.clone();
                    body.push(format!("_x := {}", em.term(at).text));
                    out.push_str(&format!("\n{key}_at := _x if {{\n{}}}\n", rego::indent_lines(&body)));
                }
                if let Some(request) = &x.request {
                    let mut body = lets.clone();
                    body.push(format!("_x := {}", em.term(request).text));
                    out.push_str(&format!(
                        "\n{key}_request := _x if {{\n{}}}\n",
                        rego::indent_lines(&body)
                    ));
                }
                if !x.inventory.is_empty() {
                    let mut body = lets.clone();
                    let given: Vec<_> = x
                        .inventory
                        .iter()
                        .map(|(kind, list)| (kind.clone(), em.term(list).text))
                        .collect();
                    body.push(format!("_x := {}", rego::inventory_document(&given)));
                    out.push_str(&format!(
                        "\n{key}_inventory := _x if {{\n{}}}\n",
                        rego::indent_lines(&body)
                    ));
                }
                keys.insert((si, ti, xi), key);
            }
        }
    }
    out.push('\n');
    out.push_str(&em.helpers.join("\n"));
    (out, keys)
}

fn judge(engine: &mut PolicyEngine, x: &Expectation, key: &str) -> Result<(), String> {
    let subject = engine
        .eval(&format!("data.{RUNNER_PACKAGE}.{key}_subject"))?
        .ok_or("the subject is undefined (a function in it has no value)")?;
    let overrides = if x.overrides.is_empty() {
        None
    } else {
        engine.eval(&format!("data.{RUNNER_PACKAGE}.{key}_overrides"))?
    };
    let now = match &x.at {
        None => None,
        Some(_) => Some(
            engine
                .eval(&format!("data.{RUNNER_PACKAGE}.{key}_at"))?
                .ok_or("the time after `at` is undefined")?,
        ),
    };
    let request = match &x.request {
        None => None,
        Some(_) => Some(
            engine
                .eval(&format!("data.{RUNNER_PACKAGE}.{key}_request"))?
                .ok_or("the request after `with request` is undefined")?,
        ),
    };
    let inventory =
        match x.inventory.is_empty() {
            true => None,
            false => Some(engine.eval(&format!("data.{RUNNER_PACKAGE}.{key}_inventory"))?.ok_or(
                "the inventory is undefined (an object in it has no value, or two share a namespace and name)",
            )?),
        };
    let d = engine.decide_in(
        &x.policy,
        &subject,
        &Context {
            overrides: overrides.as_ref(),
            now: now.as_ref(),
            request: request.as_ref(),
            inventory: inventory.as_ref(),
        },
    )?;
    check(x, &d)
}

fn listing(title: &str, msgs: &std::collections::BTreeSet<String>) -> String {
    if msgs.is_empty() {
        return format!("{title}: (none)");
    }
    let lines: Vec<String> = msgs.iter().map(|m| format!("      - {m}")).collect();
    format!("{title}:\n{}", lines.join("\n"))
}

/// Whether a decision meets an expectation; the error explains the difference.
pub fn check(x: &Expectation, d: &Decision) -> Result<(), String> {
    let ok = match (x.kind, &x.message) {
        (ExpectKind::Passes, _) => d.deny.is_empty(),
        (ExpectKind::Denied, Some(m)) => d.deny.contains(m),
        (ExpectKind::Denied, None) if x.policy_has_allow => !d.allow,
        (ExpectKind::Denied, None) => !d.deny.is_empty(),
        (ExpectKind::Warned, Some(m)) => d.warn.contains(m),
        (ExpectKind::Warned, None) => !d.warn.is_empty(),
        (ExpectKind::Allowed, _) => d.allow,
        (ExpectKind::Rejected, _) => !d.malformed.is_empty(),
    };
    if ok {
        return Ok(());
    }
    let expected = match (x.kind, &x.message) {
        (ExpectKind::Passes, _) => "no denial".to_string(),
        (ExpectKind::Denied | ExpectKind::Warned, Some(m)) => format!("the message \"{m}\""),
        (ExpectKind::Denied, None) => "a denial".to_string(),
        (ExpectKind::Warned, None) => "a warning".to_string(),
        (ExpectKind::Allowed, _) => "allow = true".to_string(),
        (ExpectKind::Rejected, _) => "the document to be rejected as malformed".to_string(),
    };
    let actual = match x.kind {
        ExpectKind::Warned => listing("    actual warnings", &d.warn),
        ExpectKind::Allowed => format!("    actual: allow = false\n{}", listing("    denials", &d.deny)),
        ExpectKind::Rejected => "    actual: the document conforms to the subject type".to_string(),
        _ => listing("    actual denials", &d.deny),
    };
    Err(format!("\n    expected {expected}\n{actual}"))
}
