//! The embedded Rego engine (regorus), loaded with a compiled bundle: what `govc test` and
//! `govc eval` evaluate, so what is tested is what is deployed.

use crate::backend::bundle::Bundle;
use crate::backend::rego::{overrides_path, package_ref};
use crate::ir::PackagePath;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;

/// A policy's decision on one document.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Decision {
    pub deny: BTreeSet<String>,
    pub warn: BTreeSet<String>,
    pub allow: bool,
    pub violation: Vec<Value>,
    /// The fail-closed messages alone (also in `deny`).
    #[serde(skip)]
    pub malformed: BTreeSet<String>,
}

/// What a decision is made in besides the document: all optional.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// Parameter overrides of the policy.
    pub overrides: Option<&'a Value>,
    /// The current time (an RFC 3339 string).
    pub now: Option<&'a Value>,
    /// The admission request.
    pub request: Option<&'a Value>,
    /// The objects of the cluster, as Gatekeeper syncs them (`data.inventory`).
    pub inventory: Option<&'a Value>,
}

/// A regorus engine holding a bundle's policies and data.
#[derive(Clone)]
pub struct PolicyEngine {
    engine: regorus::Engine,
}

impl PolicyEngine {
    /// Loads the deployable files of a bundle, and its tests when `with_tests`.
    pub fn load(bundle: &Bundle, with_tests: bool) -> Result<PolicyEngine, String> {
        let mut engine = regorus::Engine::new();
        engine.set_rego_v0(false);
        // As in OPA (without --strict-builtin-errors), a failing built-in is undefined, not an
        // error: e.g. a timestamp beyond year 2262 in `time.parse_rfc3339_ns`.
        engine.set_strict_builtin_errors(false);
        let tests = if with_tests { Some(&bundle.tests) } else { None };
        for (path, content) in bundle.files.iter().chain(tests.into_iter().flatten()) {
            let text = String::from_utf8_lossy(content).to_string();
            if path.ends_with(".rego") {
                engine
                    .add_policy(path.clone(), text)
                    .map_err(|e| format!("regorus rejected `{path}`: {e}"))?;
            } else if path == "data.json" {
                let value = regorus::Value::from_json_str(&text).map_err(|e| format!("bad data.json: {e}"))?;
                engine.add_data(value).map_err(|e| format!("bad data.json: {e}"))?;
            }
        }
        Ok(PolicyEngine { engine })
    }

    /// Adds a Rego module (e.g. the test runner's helpers).
    pub fn add_module(&mut self, path: &str, text: &str) -> Result<(), String> {
        self.engine
            .add_policy(path.to_string(), text.to_string())
            .map(|_| ())
            .map_err(|e| format!("regorus rejected `{path}`: {e}"))
    }

    /// Evaluates a rule (`data.a.b.r`) with no input; `None` when undefined.
    pub fn eval(&mut self, rule: &str) -> Result<Option<Value>, String> {
        self.engine.set_input(regorus::Value::Undefined);
        let v = self
            .engine
            .eval_rule(rule.to_string())
            .map_err(|e| format!("evaluating `{rule}`: {e}"))?;
        to_json(&v)
    }

    /// Evaluates a rule or reference with `input`; `None` when undefined.
    pub fn eval_with_input(&mut self, rule: &str, input: &Value) -> Result<Option<Value>, String> {
        self.engine.set_input(from_json(input)?);
        query(&mut self.engine, rule)
    }

    /// The decision of `policy` on `input`, with parameter `overrides` if given.
    pub fn decide(&self, policy: &PackagePath, input: &Value, overrides: Option<&Value>) -> Result<Decision, String> {
        self.decide_at(policy, input, overrides, None)
    }

    /// [`PolicyEngine::decide`] with the current time fixed to `now` (an RFC 3339 string) when
    /// given: what `now()` reads (`expect ... at T`, `govc eval --now T`).
    pub fn decide_at(
        &self,
        policy: &PackagePath,
        input: &Value,
        overrides: Option<&Value>,
        now: Option<&Value>,
    ) -> Result<Decision, String> {
        self.decide_in(
            policy,
            input,
            &Context {
                overrides,
                now,
                request: None,
                inventory: None,
            },
        )
    }

    /// The decision of `policy` on `input` in a context: parameter overrides, the current time,
    /// the admission request (what `request r` reads; absent when not given).
    pub fn decide_in(&self, policy: &PackagePath, input: &Value, cx: &Context<'_>) -> Result<Decision, String> {
        let mut e = self.engine.clone();
        if let Some(now) = cx.now {
            e.add_data(from_json(&serde_json::json!({ "govc": { "now": now } }))?)
                .map_err(|err| format!("now: {err}"))?;
        }
        if let Some(request) = cx.request {
            e.add_data(from_json(&serde_json::json!({ "govc": { "request": request } }))?)
                .map_err(|err| format!("request: {err}"))?;
        }
        if let Some(inventory) = cx.inventory {
            e.add_data(from_json(&serde_json::json!({ "inventory": inventory }))?)
                .map_err(|err| format!("inventory: {err}"))?;
        }
        if let Some(o) = cx.overrides {
            let mut data = o.clone();
            for seg in overrides_path(policy).iter().rev() {
                data = serde_json::json!({ seg.clone(): data });
            }
            e.add_data(from_json(&data)?)
                .map_err(|err| format!("overrides: {err}"))?;
        }
        e.set_input(from_json(input)?);
        let base = package_ref(policy);
        // A query, not `eval_rule`: a policy without `warn` clauses has no `warn` rule, which is
        // undefined (an empty set) rather than an error.
        let mut rule = |name: &str| query(&mut e, &format!("{base}.{name}"));
        let strings = |v: Option<Value>| -> BTreeSet<String> {
            match v {
                Some(Value::Array(items)) => items
                    .into_iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect(),
                _ => BTreeSet::new(),
            }
        };
        Ok(Decision {
            deny: strings(rule("deny")?),
            warn: strings(rule("warn")?),
            allow: rule("allow")? == Some(Value::Bool(true)),
            violation: match rule("violation")? {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            },
            malformed: strings(rule("_malformed")?),
        })
    }
}

/// The value of a one-expression query; `None` when undefined.
fn query(e: &mut regorus::Engine, text: &str) -> Result<Option<Value>, String> {
    let results = e
        .eval_query(text.to_string(), false)
        .map_err(|err| format!("evaluating `{text}`: {err}"))?;
    match results.result.first().and_then(|r| r.expressions.first()) {
        Some(expr) => to_json(&expr.value),
        None => Ok(None),
    }
}

/// A document for regorus. A number written with a fraction but whole (`2.0`) becomes an integer,
/// as OPA takes it: OPA computes on the decimal `2.0` exactly like on `2`, regorus on a double,
/// which leaves integers behind above 2^53 (`(9007199254740993 + 2.0) % 7` stops regorus with
/// "modulo on floating-point number"). Only below 2^53, where the double is the integer the
/// document wrote: `4.062648845551739e16` is 40626488455517390 for OPA, 40626488455517392 as a
/// double.
fn from_json(v: &Value) -> Result<regorus::Value, String> {
    regorus::Value::from_json_str(&whole_numbers_as_integers(v).to_string())
        .map_err(|e| format!("converting a value for regorus: {e}"))
}

fn whole_numbers_as_integers(v: &Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => Value::from(f as i64),
            _ => v.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(whole_numbers_as_integers).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), whole_numbers_as_integers(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A regorus value as JSON (sets become sorted arrays); `None` when undefined.
fn to_json(v: &regorus::Value) -> Result<Option<Value>, String> {
    if *v == regorus::Value::Undefined {
        return Ok(None);
    }
    let text = v
        .to_json_str()
        .map_err(|e| format!("converting a regorus value: {e}"))?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| format!("converting a regorus value: {e}"))
}
