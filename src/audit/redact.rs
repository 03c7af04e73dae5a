//! Erasing masked fields from decision-log events, as OPA's decision logger does with the rules
//! of the mask rule (`data.govc.log.mask`): a string rule `"/input/a/b"` removes that value and lists the
//! pointer in the event's `erased`; an object rule `{"op": "upsert", "path": ..., "value": ...}`
//! replaces the value and lists the pointer in `masked`. Only `/input`, `/result` and
//! `/nd_builtin_cache` can be masked.
//!
//! Ingestion applies the same removal from the ledger's sensitive-pointer patterns, so a field
//! marked `@sensitive` never reaches the evidence database, even from an OPA whose decision
//! logger was not configured with the mask rules.

use serde_json::{Map, Value};

/// One mask rule.
#[derive(Debug, Clone, PartialEq)]
pub enum MaskRule {
    /// Remove the value at the pointer.
    Remove(String),
    /// Replace (or create) the value at the pointer.
    Upsert { path: String, value: Value },
}

/// The parts of an event that mask rules touch.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Maskable {
    pub input: Option<Value>,
    pub result: Option<Value>,
    pub nd_builtin_cache: Option<Value>,
    pub erased: Vec<String>,
    pub masked: Vec<String>,
}

/// Reads the value of the mask rule (a set of strings and objects) into rules.
pub fn rules_from_value(value: &Value) -> Result<Vec<MaskRule>, String> {
    let Value::Array(items) = value else {
        return Err(format!("mask rules must be a set, found {value}"));
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(p) => Ok(MaskRule::Remove(p.clone())),
            Value::Object(o) => {
                let path = o
                    .get("path")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("mask rule without a `path`: {item}"))?
                    .to_string();
                match o.get("op").and_then(Value::as_str).unwrap_or("remove") {
                    "remove" => Ok(MaskRule::Remove(path)),
                    "upsert" => Ok(MaskRule::Upsert {
                        path,
                        value: o.get("value").cloned().unwrap_or(Value::Null),
                    }),
                    op => Err(format!("mask op is not supported: {op}")),
                }
            }
            other => Err(format!("invalid mask rule: {other}")),
        })
        .collect()
}

/// Applies rules in order. A rule whose path is absent does nothing (OPA skips it silently), a
/// rule for another part of the event is an error.
pub fn apply(rules: &[MaskRule], event: &mut Maskable) -> Result<(), String> {
    for rule in rules {
        let path = match rule {
            MaskRule::Remove(p) | MaskRule::Upsert { path: p, .. } => p,
        };
        let Some(rest) = path.strip_prefix('/') else {
            return Err(format!("mask must be slash-prefixed: `{path}`"));
        };
        let mut parts: Vec<String> = rest.split('/').map(unescape).collect();
        let part = match parts.remove(0).as_str() {
            "input" => &mut event.input,
            "result" => &mut event.result,
            "nd_builtin_cache" => &mut event.nd_builtin_cache,
            other => return Err(format!("mask prefix not allowed: `{other}`")),
        };
        let Some(target) = part.as_mut() else {
            continue;
        };
        match rule {
            MaskRule::Remove(_) => {
                if parts.is_empty() {
                    *part = None;
                } else if !remove(target, &parts) {
                    continue;
                }
                event.erased.push(path.clone());
            }
            MaskRule::Upsert { value, .. } => {
                if parts.is_empty() {
                    *part = Some(value.clone());
                } else if !upsert(target, &parts, value.clone()) {
                    continue;
                }
                event.masked.push(path.clone());
            }
        }
    }
    Ok(())
}

/// The concrete pointers a sensitive-pointer pattern (`/input/items/*/secret`) matches in an
/// event's input.
pub fn expand(pattern: &str, input: &Value) -> Vec<String> {
    let Some(rest) = pattern.strip_prefix("/input") else {
        return Vec::new();
    };
    let steps: Vec<&str> = rest.split('/').skip(1).collect();
    let mut out = Vec::new();
    walk(input, &steps, &mut "/input".to_string(), &mut out);
    out
}

fn walk(value: &Value, steps: &[&str], prefix: &mut String, out: &mut Vec<String>) {
    let Some((step, rest)) = steps.split_first() else {
        out.push(prefix.clone());
        return;
    };
    let mut visit = |key: &str, child: &Value, out: &mut Vec<String>| {
        let len = prefix.len();
        prefix.push('/');
        prefix.push_str(&escape(key));
        walk(child, rest, prefix, out);
        prefix.truncate(len);
    };
    match (value, *step) {
        (Value::Object(o), "*") => o.iter().for_each(|(k, v)| visit(k, v, out)),
        (Value::Array(a), "*") => a.iter().enumerate().for_each(|(i, v)| visit(&i.to_string(), v, out)),
        (Value::Object(o), field) => {
            if let Some(v) = o.get(field) {
                visit(field, v, out)
            }
        }
        _ => {}
    }
}

/// RFC 6901 escapes, as the generated mask rules write map keys.
fn escape(key: &str) -> String {
    if key.contains(['~', '/']) {
        key.replace('~', "~0").replace('/', "~1")
    } else {
        key.to_string()
    }
}

fn unescape(part: &str) -> String {
    if part.contains('~') {
        part.replace("~1", "/").replace("~0", "~")
    } else {
        part.to_string()
    }
}

/// The parent container of `parts`' last step, if every step before exists.
fn parent<'v>(mut node: &'v mut Value, parts: &[String]) -> Option<&'v mut Value> {
    for p in &parts[..parts.len() - 1] {
        node = match node {
            Value::Object(o) => o.get_mut(p)?,
            Value::Array(a) => a.get_mut(p.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

fn remove(root: &mut Value, parts: &[String]) -> bool {
    let last = &parts[parts.len() - 1];
    match parent(root, parts) {
        Some(Value::Object(o)) => o.remove(last).is_some(),
        Some(Value::Array(a)) => match last.parse::<usize>() {
            Ok(i) if i < a.len() => {
                a.remove(i);
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// Sets the value at `parts`, creating missing objects on the way (OPA's `mkdirp`).
fn upsert(root: &mut Value, parts: &[String], value: Value) -> bool {
    let mut node = root;
    for p in &parts[..parts.len() - 1] {
        node = match node {
            Value::Object(o) => o.entry(p.clone()).or_insert_with(|| Value::Object(Map::new())),
            Value::Array(a) => match p.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(v) => v,
                None => return false,
            },
            _ => return false,
        };
    }
    let last = &parts[parts.len() - 1];
    match node {
        Value::Object(o) => {
            o.insert(last.clone(), value);
            true
        }
        Value::Array(a) => match last.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn remove_and_upsert_record_their_pointers_as_opa_does() {
        let mut e = Maskable {
            input: Some(json!({"user": "ana", "token": "t", "nested": {"ip": "10.0.0.1"}})),
            result: Some(json!(true)),
            ..Maskable::default()
        };
        let rules = rules_from_value(&json!([
            "/input/token",
            "/input/absent",
            {"op": "upsert", "path": "/input/nested/ip", "value": "**REDACTED**"},
        ]))
        .expect("rules");
        apply(&rules, &mut e).expect("applies");
        assert_eq!(e.input, Some(json!({"user": "ana", "nested": {"ip": "**REDACTED**"}})));
        assert_eq!(e.erased, ["/input/token"]);
        assert_eq!(e.masked, ["/input/nested/ip"]);
        assert!(apply(&[MaskRule::Remove("/labels/x".into())], &mut e).is_err());
    }

    #[test]
    fn patterns_expand_over_lists_and_maps() {
        let input = json!({"items": [{"secret": 1}, {"other": 2}, {"secret": 3}], "m": {"a/b": {"secret": 4}}});
        assert_eq!(
            expand("/input/items/*/secret", &input),
            ["/input/items/0/secret", "/input/items/2/secret"]
        );
        assert_eq!(expand("/input/m/*/secret", &input), ["/input/m/a~1b/secret"]);
        let mut e = Maskable {
            input: Some(input),
            ..Maskable::default()
        };
        let rules: Vec<MaskRule> = expand("/input/m/*/secret", e.input.as_ref().expect("input"))
            .into_iter()
            .map(MaskRule::Remove)
            .collect();
        apply(&rules, &mut e).expect("applies");
        assert_eq!(e.input.as_ref().expect("input")["m"]["a/b"], json!({}));
    }
}
