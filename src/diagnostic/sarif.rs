//! The SARIF 2.1.0 format, read by GitHub code scanning and other static-analysis dashboards. One
//! run; the rule table is [`Code::ALL`], so a result's `ruleIndex` is its code's position there.
//! File URIs are relative to `%SRCROOT%`, the repository root, which `originalUriBaseIds` binds to
//! its absolute `file:` URI for viewers that open the files.

use super::{Code, Diagnostic, Severity};
use crate::source::SourceMap;
use crate::span::Span;
use serde_json::{json, Value};
use std::path::Path;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/govc-lang/govc";
/// Where each rule is explained: `docs/diagnostics.md`, one heading per code.
const HELP_URI: &str = "https://github.com/govc-lang/govc/blob/main/docs/diagnostics.md";
/// The base that project file URIs are relative to; the uploader binds it to the checkout.
const SRCROOT: &str = "%SRCROOT%";

/// Renders `diags`, in order, as a pretty-printed SARIF 2.1.0 log (without a final newline).
/// Source names are relative to `repo_root` (the CLI names files so); when it is given, the log
/// binds `%SRCROOT%` to it.
pub fn render(diags: &[Diagnostic], sources: &SourceMap, repo_root: Option<&Path>) -> String {
    let mut base = json!({ "description": { "text": "The root of the repository the files belong to." } });
    if let Some(uri) = repo_root.and_then(directory_uri) {
        base["uri"] = json!(uri);
    }
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "govc",
                    "informationUri": INFORMATION_URI,
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": Code::ALL.iter().map(|&code| rule(code)).collect::<Vec<_>>(),
                }
            },
            // SourceMap::line_col counts Unicode scalar values, not SARIF's default UTF-16 units.
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": { SRCROOT: base },
            "results": diags.iter().map(|d| result(d, sources)).collect::<Vec<_>>(),
        }]
    });
    serde_json::to_string_pretty(&log).expect("a serde_json::Value always serializes")
}

fn level(code: Code) -> &'static str {
    if code.id().starts_with('W') {
        "warning"
    } else {
        "error"
    }
}

fn rule(code: Code) -> Value {
    json!({
        "id": code.id(),
        "name": format!("{code:?}"),
        "shortDescription": { "text": code.title() },
        "fullDescription": { "text": code.help() },
        "help": { "text": code.help(), "markdown": code.help() },
        "helpUri": format!("{HELP_URI}#{}", code.id().to_lowercase()),
        "defaultConfiguration": { "level": level(code) },
    })
}

/// An absolute directory as a `file:` URI ending in `/`, as `originalUriBaseIds` requires; `None`
/// for a path that is not absolute or not UTF-8.
fn directory_uri(dir: &Path) -> Option<String> {
    let text = dir.to_str()?.replace('\\', "/");
    if !dir.is_absolute() {
        return None;
    }
    // `/home/me/repo` becomes `file:///home/me/repo/`.
    let path = if text.starts_with('/') {
        text
    } else {
        format!("/{text}")
    };
    let mut uri = format!("file://{}", file_uri(&path));
    if !uri.ends_with('/') {
        uri.push('/');
    }
    Some(uri)
}

fn result(diag: &Diagnostic, sources: &SourceMap) -> Value {
    let mut text = diag.message.clone();
    for note in &diag.notes {
        text.push_str(&format!("\nnote: {note}"));
    }
    if let Some(help) = &diag.help {
        text.push_str(&format!("\nhelp: {help}"));
    }
    let mut primary = json!({ "physicalLocation": physical_location(sources, diag.primary.span) });
    if !diag.primary.message.is_empty() {
        primary["message"] = json!({ "text": diag.primary.message });
    }
    let mut result = json!({
        "ruleId": diag.code.id(),
        // INVARIANT: `Code::ALL` lists the variants in declaration order, so a code's discriminant
        // is its index in the rule table.
        "ruleIndex": diag.code as usize,
        "level": match diag.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        "message": { "text": text },
        "locations": [primary],
    });
    if !diag.secondary.is_empty() {
        let related: Vec<Value> = diag
            .secondary
            .iter()
            .enumerate()
            .map(|(id, label)| {
                json!({
                    "id": id,
                    "physicalLocation": physical_location(sources, label.span),
                    "message": { "text": label.message },
                })
            })
            .collect();
        result["relatedLocations"] = json!(related);
    }
    if let Some(suggestion) = &diag.suggestion {
        let description = diag
            .help
            .clone()
            .unwrap_or_else(|| format!("replace with `{}`", suggestion.replacement));
        result["fixes"] = json!([{
            "description": { "text": description },
            "artifactChanges": [{
                "artifactLocation": artifact_location(sources, suggestion.span),
                "replacements": [{
                    "deletedRegion": region(sources, suggestion.span),
                    "insertedContent": { "text": suggestion.replacement },
                }],
            }],
        }]);
    }
    result
}

fn physical_location(sources: &SourceMap, span: Span) -> Value {
    // A directory (the project, when it has no sources) has no lines to point at.
    if sources.get(span.file).is_directory {
        return json!({ "artifactLocation": artifact_location(sources, span) });
    }
    json!({
        "artifactLocation": artifact_location(sources, span),
        "region": region(sources, span),
    })
}

// INVARIANT: every span's file is in `sources` (diagnostics come from the compilation that built it).
fn artifact_location(sources: &SourceMap, span: Span) -> Value {
    let file = sources.get(span.file);
    let uri = file_uri(&file.name);
    // Stdlib files live in the binary, not under the checkout, so they get no base to resolve against.
    if file.is_stdlib || file.name.starts_with("<stdlib>") {
        json!({ "uri": uri })
    } else {
        json!({ "uri": uri, "uriBaseId": SRCROOT })
    }
}

/// Lines and columns are 1-based; `endColumn` is the column just past the last character, as
/// SARIF defines it.
fn region(sources: &SourceMap, span: Span) -> Value {
    let start = sources.line_col(span.file, span.start as usize);
    let end = sources.line_col(span.file, span.end as usize);
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
    })
}

/// A file name as a relative URI reference: forward slashes, and every byte outside RFC 3986's
/// unreserved characters, sub-delimiters, `@` and `/` percent-encoded (so `<stdlib>/x.gov` becomes
/// `%3Cstdlib%3E/x.gov`, and a `:` can never be read as a scheme).
fn file_uri(name: &str) -> String {
    let mut uri = String::with_capacity(name.len());
    for byte in name.replace('\\', "/").bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => uri.push(byte as char),
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' | b'@' | b'/' => {
                uri.push(byte as char)
            }
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> (SourceMap, Vec<Diagnostic>) {
        let mut sources = SourceMap::new();
        let text = "package a\nlet x = nmae\n".to_string();
        let file = sources.add("policies\\my a.gov", None, text, false);
        let std = sources.add("<stdlib>/core.gov", None, "package core\n".to_string(), true);
        let diags = vec![
            Diagnostic::error(Code::UnknownName, Span::new(file, 18, 22), "unknown name `nmae`")
                .with_label("not found")
                .with_secondary(Span::new(std, 8, 12), "similar name here")
                .with_note("names are case-sensitive")
                .with_did_you_mean("name"),
            Diagnostic::warning(Code::UnusedImport, Span::new(file, 0, 7), "an import is never used"),
        ];
        (sources, diags)
    }

    #[test]
    fn log_has_version_rules_and_results() {
        let (sources, diags) = fixture();
        let log: Value = serde_json::from_str(&render(&diags, &sources, None)).expect("valid JSON");
        assert_eq!(log["version"], "2.1.0");
        assert_eq!(log["$schema"], SCHEMA);
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        assert_eq!(rules.len(), Code::ALL.len());

        let error = &run["results"][0];
        assert_eq!(error["ruleId"], "E0102");
        assert_eq!(
            rules[error["ruleIndex"].as_u64().expect("ruleIndex") as usize]["id"],
            "E0102"
        );
        assert_eq!(
            rules[error["ruleIndex"].as_u64().expect("ruleIndex") as usize]["name"],
            "UnknownName"
        );
        assert_eq!(error["level"], "error");
        assert_eq!(
            error["message"]["text"],
            "unknown name `nmae`\nnote: names are case-sensitive\nhelp: did you mean `name`?"
        );
        let location = &error["locations"][0]["physicalLocation"];
        assert_eq!(
            location["artifactLocation"],
            json!({ "uri": "policies/my%20a.gov", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            location["region"],
            json!({ "startLine": 2, "startColumn": 9, "endLine": 2, "endColumn": 13 })
        );
        let related = &error["relatedLocations"][0];
        assert_eq!(related["id"], 0);
        assert_eq!(related["message"]["text"], "similar name here");
        assert_eq!(
            related["physicalLocation"]["artifactLocation"],
            json!({ "uri": "%3Cstdlib%3E/core.gov" })
        );
        let replacement = &error["fixes"][0]["artifactChanges"][0]["replacements"][0];
        assert_eq!(replacement["insertedContent"]["text"], "name");
        assert_eq!(replacement["deletedRegion"], location["region"]);

        let warning = &run["results"][1];
        assert_eq!(warning["ruleId"], "W0101");
        assert_eq!(warning["level"], "warning");
        assert!(warning.get("relatedLocations").is_none() && warning.get("fixes").is_none());
    }

    #[test]
    fn the_repository_root_is_the_base_of_file_uris() {
        let (sources, diags) = fixture();
        let root = Path::new("/home/me/my repo");
        let log: Value = serde_json::from_str(&render(&diags, &sources, Some(root))).expect("valid JSON");
        let base = &log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"];
        assert_eq!(base["uri"], "file:///home/me/my%20repo/");
        assert!(base["description"]["text"].is_string());
        // Without a root, the base is described but not bound.
        let log: Value = serde_json::from_str(&render(&diags, &sources, None)).expect("valid JSON");
        assert!(log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"].get("uri").is_none());
        assert_eq!(directory_uri(Path::new("relative/dir")), None);
    }

    #[test]
    fn every_rule_has_help() {
        for &code in Code::ALL {
            let r = rule(code);
            assert!(!code.help().is_empty(), "{code:?}");
            assert_eq!(r["help"]["text"], code.help());
            assert!(
                r["helpUri"]
                    .as_str()
                    .is_some_and(|u| u.ends_with(&code.id().to_lowercase())),
                "{r}"
            );
        }
    }

    #[test]
    fn rule_index_points_at_the_rule_of_every_code() {
        for (index, &code) in Code::ALL.iter().enumerate() {
            assert_eq!(code as usize, index, "{code:?}");
        }
    }

    #[test]
    fn rule_levels_follow_the_code_prefix() {
        assert_eq!(rule(Code::UnusedImport)["defaultConfiguration"]["level"], "warning");
        assert_eq!(rule(Code::Syntax)["defaultConfiguration"]["level"], "error");
        assert_eq!(rule(Code::Syntax)["shortDescription"]["text"], "syntax error");
    }

    #[test]
    fn output_is_deterministic() {
        let (sources, diags) = fixture();
        assert_eq!(render(&diags, &sources, None), render(&diags, &sources, None));
        let empty: Value = serde_json::from_str(&render(&[], &sources, None)).expect("valid JSON");
        assert_eq!(empty["runs"][0]["results"], json!([]));
    }
}
