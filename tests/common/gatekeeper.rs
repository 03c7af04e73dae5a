//! Gatekeeper, as the tests that judge documents through generated ConstraintTemplates see it
//! (`tests/k8s_conformance.rs`, `tests/peer_library.rs`): each template compiled on its own in
//! regorus as Gatekeeper compiles it, its `violation` messages for an input, and a Constraint's
//! `spec.match` decided as Gatekeeper decides it. The Python harnesses in `tests/k8s/` do the same
//! on OPA.

// Each test uses a part of it.
#![allow(dead_code)]

use govc::backend::k8s::{self, K8sOptions, RegoForm};
use govc::ir::Ir;
use serde_json::Value;

/// A generated ConstraintTemplate and its Constraint, read back from the YAML as written (so what
/// is judged is what is deployed).
pub struct Template {
    /// The Constraint kind it defines (`spec.crd.spec.names.kind`).
    pub kind: String,
    /// Its `metadata.annotations` (`govc.dev/policy`, `govc.dev/reports`).
    pub annotations: Value,
    /// The Rego package of its main module, where `violation` is.
    pub package: String,
    /// Its Rego (without the libs).
    pub rego: String,
    /// regorus with its Rego and libs, failing built-ins undefined as in OPA.
    pub engine: regorus::Engine,
    /// The Constraint generated with it.
    pub constraint: Value,
    /// The schema of its Constraint's parameters (`spec.crd.spec.validation.openAPIV3Schema`).
    pub parameters_schema: Value,
}

/// Every ConstraintTemplate of the manifests built from `ir`, in `form`.
pub fn templates(ir: &Ir, form: RegoForm) -> Vec<Template> {
    let manifests = k8s::build(ir, &K8sOptions { rego: form }).expect("the manifests build");
    let parsed = |text: &str| -> Value { yaml_serde::from_str(text).expect("valid YAML") };
    let constraints: Vec<Value> = manifests
        .items
        .iter()
        .filter(|(p, _)| p.starts_with("gatekeeper/constraints/"))
        .map(|(_, item)| parsed(&item.text))
        .collect();
    let mut out = Vec::new();
    for (path, item) in manifests
        .items
        .iter()
        .filter(|(p, _)| p.starts_with("gatekeeper/templates/"))
    {
        let template = parsed(&item.text);
        let kind = template["spec"]["crd"]["spec"]["names"]["kind"]
            .as_str()
            .expect("a kind")
            .to_string();
        let target = &template["spec"]["targets"][0];
        let (rego, libs) = match form {
            RegoForm::V1 => {
                let source = &target["code"][0]["source"];
                assert_eq!(source["version"], "v1");
                (&source["rego"], &source["libs"])
            }
            RegoForm::V0 => (&target["rego"], &target["libs"]),
        };
        let rego = rego.as_str().expect("the template's rego").to_string();
        let mut engine = regorus::Engine::new();
        engine.set_rego_v0(form == RegoForm::V0);
        // As in OPA (and so Gatekeeper), a failing built-in is undefined, not an error.
        engine.set_strict_builtin_errors(false);
        engine
            .add_policy(format!("{path}#rego"), rego.clone())
            .unwrap_or_else(|e| panic!("regorus rejects the Rego of {path}: {e}"));
        for (i, lib) in libs.as_array().into_iter().flatten().enumerate() {
            engine
                .add_policy(format!("{path}#lib_{i}"), lib.as_str().expect("a lib").to_string())
                .unwrap_or_else(|e| panic!("regorus rejects lib {i} of {path}: {e}"));
        }
        let package = rego
            .lines()
            .find_map(|l| l.strip_prefix("package "))
            .expect("a package")
            .trim()
            .to_string();
        let constraint = constraints
            .iter()
            .find(|c| c["kind"] == kind.as_str())
            .expect("every template has a Constraint")
            .clone();
        let parameters_schema = template["spec"]["crd"]["spec"]["validation"]["openAPIV3Schema"].clone();
        out.push(Template {
            parameters_schema,
            kind,
            annotations: template["metadata"]["annotations"].clone(),
            package,
            rego,
            engine,
            constraint,
        });
    }
    out
}

/// The messages of the template's `violation` for `input`, in the engine's order.
#[allow(dead_code)] // not every test binary that includes this module calls both
pub fn violations(template: &Template, input: &Value) -> Vec<String> {
    violations_with(template, input, None)
}

/// [`violations`] with `inventory` (Gatekeeper's synced objects) at `data.inventory` when given.
pub fn violations_with(template: &Template, input: &Value, inventory: Option<&Value>) -> Vec<String> {
    let mut engine = template.engine.clone();
    if let Some(inventory) = inventory {
        let data = serde_json::json!({ "inventory": inventory }).to_string();
        engine
            .add_data(regorus::Value::from_json_str(&data).expect("JSON converts"))
            .expect("regorus takes the inventory");
    }
    engine.set_input(regorus::Value::from_json_str(&input.to_string()).expect("JSON converts"));
    let query = format!("data.{}.violation", template.package);
    let results = engine
        .eval_query(query.clone(), false)
        .unwrap_or_else(|e| panic!("{query}: {e}"));
    let Some(value) = results
        .result
        .first()
        .and_then(|r| r.expressions.first())
        .map(|e| &e.value)
    else {
        return Vec::new();
    };
    let json: Value = serde_json::from_str(&value.to_json_str().expect("JSON")).expect("JSON");
    json.as_array()
        .expect("violation is a set")
        .iter()
        .map(|v| v["msg"].as_str().expect("every violation has a msg").to_string())
        .collect()
}

/// What a structural schema says against `value`, as the API server validates a Constraint's
/// parameters against the CRD Gatekeeper makes of its template (the keywords govc emits; the
/// Python harness uses a full JSON Schema validator): the path of the first value it refuses.
pub fn schema_refuses(schema: &Value, value: &Value, path: &str) -> Option<String> {
    let refused = || Some(format!("{path}: {value} breaks {schema}"));
    let fits = match (schema.get("x-kubernetes-int-or-string"), schema["type"].as_str()) {
        (Some(_), _) => value.is_string() || value.as_f64().is_some_and(|n| n.fract() == 0.0),
        (None, Some("string")) => value.is_string(),
        (None, Some("integer")) => value.as_f64().is_some_and(|n| n.fract() == 0.0),
        (None, Some("number")) => value.is_number(),
        (None, Some("boolean")) => value.is_boolean(),
        (None, Some("array")) => value.is_array(),
        (None, Some("object")) => value.is_object(),
        (None, _) => true,
    };
    if !fits {
        return refused();
    }
    if let Some(values) = schema["enum"].as_array() {
        if !values.contains(value) {
            return refused();
        }
    }
    if let (Some(pattern), Some(s)) = (schema["pattern"].as_str(), value.as_str()) {
        if !regex::Regex::new(pattern).expect("a valid pattern").is_match(s) {
            return refused();
        }
    }
    if let Some(n) = value.as_f64() {
        let below = schema["minimum"].as_f64().is_some_and(|m| n < m);
        let above = schema["maximum"].as_f64().is_some_and(|m| n > m);
        if below || above {
            return refused();
        }
    }
    if let Some(items) = value.as_array() {
        if schema["minItems"].as_u64().is_some_and(|m| (items.len() as u64) < m) {
            return refused();
        }
        return items
            .iter()
            .enumerate()
            .find_map(|(i, item)| schema_refuses(&schema["items"], item, &format!("{path}[{i}]")));
    }
    if let Some(fields) = value.as_object() {
        let required = schema["required"].as_array().into_iter().flatten();
        if let Some(missing) = required.filter_map(Value::as_str).find(|r| !fields.contains_key(*r)) {
            return Some(format!("{path}.{missing}: required"));
        }
        return fields.iter().find_map(|(key, field)| {
            let field_schema = schema["properties"].get(key).or(schema.get("additionalProperties"))?;
            schema_refuses(field_schema, field, &format!("{path}.{key}"))
        });
    }
    None
}

/// `value` as the API server stores it under a structural schema: without the object keys the
/// schema does not name.
pub fn schema_pruned(schema: &Value, value: &Value) -> Value {
    match value {
        Value::Object(fields) => {
            let kept = fields.iter().filter_map(|(key, field)| {
                let field_schema = match schema.get("properties") {
                    Some(properties) => properties.get(key)?,
                    None => schema.get("additionalProperties").unwrap_or(&Value::Null),
                };
                Some((key.clone(), schema_pruned(field_schema, field)))
            });
            Value::Object(kept.collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| schema_pruned(&schema["items"], i)).collect()),
        other => other.clone(),
    }
}

/// Whether a Gatekeeper namespace pattern (`name`, `prefix*`, `*suffix`) selects `namespace`.
fn namespace_matches(pattern: &str, namespace: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix('*') {
        namespace.starts_with(prefix)
    } else if let Some(suffix) = pattern.strip_prefix('*') {
        namespace.ends_with(suffix)
    } else {
        pattern == namespace
    }
}

/// Whether the Constraint's `spec.match` selects the object, as Gatekeeper decides it. The
/// namespace criteria apply to a Namespace's own name and to the namespace of an object that has
/// one; an object without a namespace (cluster-scoped) is not filtered by them.
pub fn selected(matching: &Value, object: &Value) -> bool {
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let kind = object["kind"].as_str().unwrap_or_default();
    let kinds = matching["kinds"].as_array().is_none_or(|ks| {
        ks.iter()
            .any(|k| listed(&k["apiGroups"], group) && listed(&k["kinds"], kind))
    });
    let namespace = if kind == "Namespace" && group.is_empty() {
        object["metadata"]["name"].as_str()
    } else {
        object["metadata"]["namespace"].as_str()
    };
    let any_pattern = |key: &str, ns: &str| {
        matching[key]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| namespace_matches(p.as_str().unwrap_or_default(), ns)))
    };
    let namespaces = match namespace {
        Some(ns) if !ns.is_empty() => {
            (matching.get("namespaces").is_none() || any_pattern("namespaces", ns))
                && !any_pattern("excludedNamespaces", ns)
        }
        _ => true,
    };
    kinds && namespaces
}

/// Whether a list of a match (`apiGroups`, `kinds`) names `value` or `*`.
fn listed(list: &Value, value: &str) -> bool {
    list.as_array()
        .is_some_and(|l| l.iter().any(|v| v == "*" || v == value))
}

/// Whether the Constraint's `spec.match.kinds` names the kind, by group and kind alone.
pub fn matches_kind(constraint: &Value, group: &str, kind: &str) -> bool {
    constraint["spec"]["match"]["kinds"]
        .as_array()
        .expect("match.kinds")
        .iter()
        .any(|k| listed(&k["apiGroups"], group) && listed(&k["kinds"], kind))
}
