//! Manifests as YAML: block style, keys sorted, multi-line strings (Rego, descriptions) as
//! literal blocks, byte-for-byte the same on every run.
//!
//! The serializer is `yaml_serde` (the YAML organization's maintained fork of serde_yaml, on a
//! libyaml emitter). It quotes what a YAML 1.2 reader would misread, but Kubernetes reads YAML
//! the 1.1 way: kubectl and the API server take a plain `yes`, `on` or `y` for a boolean and
//! `1_000` for a number. So every string a YAML 1.1 reader could misread is first swapped for a
//! unique placeholder token, which the emitter writes plain, and the token is then replaced by the
//! string double-quoted.

use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A manifest's text: the `header` as `#` comment lines, then the document.
pub fn manifest(header: &str, document: &Value) -> String {
    let mut out: String = header
        .lines()
        .map(|l| format!("# {l}").trim_end().to_string() + "\n")
        .collect();
    out.push_str(&to_yaml(document));
    out
}

/// The document as YAML, keys sorted.
pub fn to_yaml(document: &Value) -> String {
    let sorted = sort_keys(document);
    let mut ambiguous = BTreeSet::new();
    collect_ambiguous(&sorted, &mut ambiguous);
    let salt = unused_salt(&sorted);
    let tokens: BTreeMap<&str, String> = ambiguous
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), format!("govc-yaml{salt}-{i}-end")))
        .collect();
    let protected = substitute(&sorted, &tokens);
    // INVARIANT: a JSON value has string keys only, which YAML always serializes.
    let mut text = yaml_serde::to_string(&protected).expect("a JSON value serializes as YAML");
    for (original, token) in &tokens {
        // A JSON string literal is a valid YAML double-quoted scalar.
        let quoted = serde_json::to_string(original).expect("strings serialize");
        text = text.replace(token.as_str(), &quoted);
    }
    text
}

/// Rebuilds objects with their keys in sorted order, however they were built.
fn sort_keys(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let sorted: BTreeMap<&String, Value> = m.iter().map(|(k, v)| (k, sort_keys(v))).collect();
            Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}

/// Whether a YAML 1.1 reader could take the plain scalar `s` for something other than the
/// string: a boolean (`yes`, `off`, `y`), null, a merge or value key, or what might be a number
/// or a date (anything starting with a digit, a sign or a dot made only of number characters,
/// and anything starting like a date). Erring on the side of quoting costs nothing.
fn yaml11_ambiguous(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF", "~", "null", "Null", "NULL", "<<", "=",
    ];
    let numberish = s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'))
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '+' | '-'));
    let dateish = s.len() >= 5 && s.as_bytes()[..4].iter().all(u8::is_ascii_digit) && s.as_bytes()[4] == b'-';
    !s.contains('\n') && (WORDS.contains(&s) || numberish || dateish)
}

fn collect_ambiguous(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s) if yaml11_ambiguous(s) => {
            out.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|i| collect_ambiguous(i, out)),
        Value::Object(m) => {
            for (k, v) in m {
                if yaml11_ambiguous(k) {
                    out.insert(k.clone());
                }
                collect_ambiguous(v, out);
            }
        }
        _ => {}
    }
}

/// A salt such that no string of the document contains `govc-yaml<salt>-`, so every placeholder
/// occurs in the output exactly where it was put.
fn unused_salt(v: &Value) -> usize {
    let mut strings = Vec::new();
    all_strings(v, &mut strings);
    (11..)
        .find(|salt| {
            let marker = format!("govc-yaml{salt}-");
            !strings.iter().any(|s| s.contains(&marker))
        })
        .expect("some salt is unused")
}

fn all_strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|i| all_strings(i, out)),
        Value::Object(m) => {
            for (k, v) in m {
                out.push(k);
                all_strings(v, out);
            }
        }
        _ => {}
    }
}

fn substitute(v: &Value, tokens: &BTreeMap<&str, String>) -> Value {
    let swap = |s: &String| tokens.get(s.as_str()).cloned().unwrap_or_else(|| s.clone());
    match v {
        Value::String(s) => Value::String(swap(s)),
        Value::Array(items) => Value::Array(items.iter().map(|i| substitute(i, tokens)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (swap(k), substitute(v, tokens)))
                .collect::<Map<String, Value>>(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_and_multi_line_strings_are_literal_blocks() {
        let doc = json!({"b": 1, "a": {"z": true, "x": "one\ntwo\n"}});
        assert_eq!(to_yaml(&doc), "a:\n  x: |\n    one\n    two\n  z: true\nb: 1\n");
    }

    #[test]
    fn strings_a_yaml_1_1_reader_would_misread_are_quoted() {
        let doc =
            json!({"on": ["yes", "n", "1_000", "2024-01-01", "0b1", "ml-prod", "v1", "3.2.0", "=", "Yes we can"]});
        let text = to_yaml(&doc);
        assert_eq!(
            text,
            "\"on\":\n- \"yes\"\n- \"n\"\n- \"1_000\"\n- \"2024-01-01\"\n- \"0b1\"\n- ml-prod\n- v1\n- \"3.2.0\"\n- \"=\"\n- Yes we can\n"
        );
        let back: Value = yaml_serde::from_str(&text).expect("valid YAML");
        assert_eq!(back, doc);
    }

    #[test]
    fn a_string_that_looks_like_a_placeholder_survives() {
        let doc = json!({"a": "govc-yaml11-0-end", "b": "yes"});
        let back: Value = yaml_serde::from_str(&to_yaml(&doc)).expect("valid YAML");
        assert_eq!(back, doc);
    }

    #[test]
    fn the_header_is_a_comment() {
        assert_eq!(
            manifest("Generated.\n\nTwo.", &json!({"a": 1})),
            "# Generated.\n#\n# Two.\na: 1\n"
        );
    }
}
