//! The check plan: what the workflow's check step reads from `GOVC_PLAN`. It is the only part of
//! the workflow that depends on the project; the scripts are the same for every project.
//!
//! ```json
//! { "bundle": "gov/dist/bundle", "workflow": "gov/dist/.github/workflows/governance.yml",
//!   "policies": { "acme.data.no_pii": { "title", "severity", "description", "controls", "query" } },
//!   "checks": [ { "base": "gov", "glob": "datasets/**/*.yaml", "policies": ["acme.data.no_pii"], "sarif": true } ] }
//! ```
//!
//! `query` is the Rego query the script sends to `opa eval` for one policy (see [`policy_query`]).

use super::repo::RepoPaths;
use crate::ir::{Ir, PackagePath, Policy};
use serde_json::{json, Map, Value};

/// One glob of a `ci` block with the policies enforced on the files it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The directory the glob is relative to (the project), relative to the repository root.
    pub base: String,
    pub glob: String,
    /// Dotted policy names (`acme.data.no_pii`), in the order of the `enforce` declaration.
    pub policies: Vec<String>,
    pub sarif: bool,
}

/// Every glob of every `ci` block, in declaration order.
pub fn checks(ir: &Ir, paths: &RepoPaths) -> Vec<Check> {
    ir.enforcements
        .iter()
        .flat_map(|e| {
            e.ci_files.iter().map(|glob| Check {
                base: paths.project.clone(),
                glob: glob.clone(),
                policies: e.policies.iter().map(|p| p.join(".")).collect(),
                sarif: e.ci_sarif,
            })
        })
        .collect()
}

/// The plan as JSON.
pub fn plan(ir: &Ir, paths: &RepoPaths) -> Value {
    let checks = checks(ir, paths);
    let mut policies = Map::new();
    // In the order the `ci` blocks name them, each once.
    for (package, dotted) in ir
        .enforcements
        .iter()
        .filter(|e| !e.ci_files.is_empty())
        .flat_map(|e| e.policies.iter().map(|p| (p, p.join("."))))
    {
        if !policies.contains_key(&dotted) {
            let entry = match ir.policies.iter().find(|p| &p.package == package) {
                Some(p) => policy_entry(p),
                // Not emitted (cannot happen for a checked program): the check will report the
                // policy as missing from the bundle rather than skip it.
                None => json!({
                    "title": dotted,
                    "severity": "high",
                    "description": "",
                    "controls": [],
                    "query": policy_query(package),
                }),
            };
            policies.insert(dotted, entry);
        }
    }
    let checks: Vec<Value> = checks
        .iter()
        .map(|c| json!({ "base": c.base, "glob": c.glob, "policies": c.policies, "sarif": c.sarif }))
        .collect();
    json!({
        "bundle": paths.bundle,
        "workflow": paths.workflow,
        "policies": policies,
        "checks": checks,
    })
}

fn policy_entry(p: &Policy) -> Value {
    json!({
        "title": p.title.clone().unwrap_or_else(|| p.dotted()),
        "severity": p.severity.as_str(),
        "description": p.doc.clone().unwrap_or_default(),
        "controls": p.controls,
        "query": policy_query(&p.package),
    })
}

/// The Rego value the check asks of one policy for one document: its deny and warn messages, and
/// whether the bundle defines the policy at all (`defined` is `[true]` then, `[]` when the
/// package is missing, so a stale bundle fails the check instead of passing it). Comprehensions
/// keep every part defined: a policy without `warn` rules still answers `"warn": []`.
pub fn policy_query(package: &PackagePath) -> String {
    // Every segment in brackets: valid whatever the name (`data`, keywords).
    let reference: String = std::iter::once("data".to_string())
        .chain(package.iter().map(|s| format!("[{}]", Value::String(s.clone()))))
        .collect();
    format!(
        "{{\"defined\":[true|{reference}.deny],\"deny\":[m|some m in {reference}.deny],\"warn\":[m|some m in {reference}.warn]}}"
    )
}

/// Pretty JSON that is safe to embed in a YAML block scalar of a workflow: printable ASCII only
/// (every other character as `\uXXXX`), and no `$`, so GitHub never sees `${{` in it and never
/// evaluates an expression from policy text.
pub fn embeddable_json(value: &Value) -> String {
    let text = serde_json::to_string_pretty(value).expect("JSON values always serialize");
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            // Outside strings, JSON is ASCII without `$`: only string contents are rewritten.
            '\n' | ' '..='#' | '%'..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_bracket_every_segment() {
        let q = policy_query(&vec!["acme".into(), "data".into(), "no_pii".into()]);
        assert_eq!(
            q,
            r#"{"defined":[true|data["acme"]["data"]["no_pii"].deny],"deny":[m|some m in data["acme"]["data"]["no_pii"].deny],"warn":[m|some m in data["acme"]["data"]["no_pii"].warn]}"#
        );
    }

    #[test]
    fn embeddable_json_is_ascii_without_dollars() {
        let v = json!({ "title": "${{ secrets.X }} é 🦀 \u{7f}\t\"" });
        let text = embeddable_json(&v);
        assert!(text.chars().all(|c| c == '\n' || (' '..='~').contains(&c)), "{text}");
        assert!(!text.contains('$'));
        assert_eq!(
            text,
            "{\n  \"title\": \"\\u0024{{ secrets.X }} \\u00e9 \\ud83e\\udd80 \\u007f\\t\\\"\"\n}"
        );
        let back: Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back, v);
    }
}
