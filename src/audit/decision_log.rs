//! `govc eval --decision-log FILE`: each decision `govc eval` makes is appended to FILE as an OPA
//! decision-log event (one JSON object per line, the fields of OPA's `EventV1` in its order), with
//! the bundle's mask rules applied the way OPA's decision logger applies them: the event is the
//! input of the bundle's mask rule (`data.govc.log.mask`), and the pointers it returns are erased (or upserted) and
//! listed in `erased` (or `masked`). So a project can produce realistic logs locally, and
//! `govc audit ingest` reads them like OPA's.

use super::redact::{self, Maskable};
use crate::backend::bundle::Bundle;
use crate::ir::Policy;
use crate::runtime::engine::{Decision, PolicyEngine};
use serde_json::{json, Map, Value};
use std::io::Write;
use std::path::Path;

/// The event of one decision, masked. `now` is its RFC 3339 timestamp.
pub fn event(
    engine: &PolicyEngine,
    bundle: &Bundle,
    policy: &Policy,
    input: &Value,
    decision: &Decision,
    now: &str,
) -> Result<Value, String> {
    let path = policy.package.join("/");
    let revision = super::ledger::manifest_revision(bundle);
    let result = json!({
        "allow": decision.allow,
        "deny": decision.deny,
        "warn": decision.warn,
        "violation": decision.violation,
    });
    let mut event = Map::new();
    event.insert(
        "labels".into(),
        json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "source": "govc eval",
            "version": env!("CARGO_PKG_VERSION"),
        }),
    );
    event.insert("decision_id".into(), json!(uuid::Uuid::new_v4().to_string()));
    event.insert(
        "bundles".into(),
        json!({ crate::backend::opa_config::BUNDLE_NAME: { "revision": revision } }),
    );
    event.insert("path".into(), json!(path));
    event.insert("input".into(), input.clone());
    event.insert("result".into(), result);
    event.insert("timestamp".into(), json!(now));
    let event = Value::Object(event);
    // OPA evaluates the mask policy on the event before `erased`, `masked` and metrics exist.
    let rules = if bundle.has_mask() {
        let mut engine = engine.clone();
        let query = format!("data{}", crate::backend::mask::MASK_DECISION.replace('/', "."));
        match engine.eval_with_input(&query, &event)? {
            Some(v) => redact::rules_from_value(&v)?,
            None => Vec::new(),
        }
    } else {
        Vec::new()
    };
    let Value::Object(mut event) = event else {
        unreachable!("built as an object above")
    };
    let mut parts = Maskable {
        input: event.remove("input"),
        result: event.remove("result"),
        ..Maskable::default()
    };
    redact::apply(&rules, &mut parts)?;
    // Rebuild in EventV1's field order.
    let timestamp = event.remove("timestamp");
    if let Some(i) = parts.input {
        event.insert("input".into(), i);
    }
    if let Some(r) = parts.result {
        event.insert("result".into(), r);
    }
    if !parts.erased.is_empty() {
        event.insert("erased".into(), json!(parts.erased));
    }
    if !parts.masked.is_empty() {
        event.insert("masked".into(), json!(parts.masked));
    }
    if let Some(t) = timestamp {
        event.insert("timestamp".into(), t);
    }
    Ok(Value::Object(event))
}

/// Appends one event as a line of `file` (created if needed).
pub fn append(file: &Path, event: &Value) -> Result<(), String> {
    let mut line = serde_json::to_string(event).expect("events always serialize");
    line.push('\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .map_err(|e| format!("cannot open the decision log `{}`: {e}", file.display()))?;
    f.write_all(line.as_bytes())
        .map_err(|e| format!("cannot write the decision log `{}`: {e}", file.display()))
}

/// The current time as OPA writes it (RFC 3339, UTC, fractional seconds).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Logs one decision of `govc eval`: builds the masked event and appends it.
pub fn log(
    file: &Path,
    engine: &PolicyEngine,
    bundle: &Bundle,
    policy: &Policy,
    input: &Value,
    decision: &Decision,
) -> Result<(), String> {
    append(file, &event(engine, bundle, policy, input, decision, &now())?)
}
