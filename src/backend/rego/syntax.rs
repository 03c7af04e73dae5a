//! Rego lexical details: identifiers, references, string literals.

use crate::ir::PackagePath;

/// Rego keywords and built-in roots, which cannot be used as plain reference segments.
const KEYWORDS: &[&str] = &[
    "as", "contains", "data", "default", "else", "every", "false", "if", "import", "in", "input", "not", "null",
    "package", "some", "true", "with",
];

/// Whether `s` can be written as a plain identifier in a reference (`a.b`).
pub fn is_plain_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&s)
}

/// A JSON string literal, which is also a valid Rego string.
pub fn string_literal(s: &str) -> String {
    serde_json::to_string(s).expect("strings always serialize")
}

/// `.name`, or `["name"]` where `name` is not a plain identifier.
pub fn field_suffix(name: &str) -> String {
    if is_plain_ident(name) {
        format!(".{name}")
    } else {
        format!("[{}]", string_literal(name))
    }
}

/// `data.a.b.c` for a package path.
pub fn package_ref(path: &PackagePath) -> String {
    let mut out = "data".to_string();
    for seg in path {
        out.push_str(&field_suffix(seg));
    }
    out
}

/// The text after `package`: `a.b.c` (segments that are not identifiers are bracketed).
pub fn package_decl(path: &PackagePath) -> String {
    let mut out = String::new();
    for (i, seg) in path.iter().enumerate() {
        if i == 0 {
            out.push_str(seg);
        } else {
            out.push_str(&field_suffix(seg));
        }
    }
    out
}

/// A number literal: integers as written, floats in their shortest round-trip form.
pub fn number_literal(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

/// A JSON value as a Rego term (objects with sorted keys as serialized).
pub fn json_term(v: &serde_json::Value) -> String {
    serde_json::to_string(v).expect("JSON values always serialize")
}

/// `# ` comment lines for a doc text.
pub fn comment(text: &str, indent: &str) -> String {
    text.lines()
        .map(|l| format!("{indent}# {l}").trim_end().to_string() + "\n")
        .collect()
}
