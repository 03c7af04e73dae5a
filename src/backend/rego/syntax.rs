//! Rego lexical details: identifiers, references, string literals.

use crate::ir::PackagePath;

use super::names::KEYWORDS;

/// Whether `s` can be written as a plain identifier in a reference (`a.b`): not a keyword nor a
/// root document.
pub fn is_plain_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&s)
        && !matches!(s, "data" | "input")
}

/// A JSON string literal, which is also a valid Rego string. Besides what JSON must escape, every
/// invisible character that could change how the file reads is escaped as `\uXXXX`: a byte-order
/// mark (OPA refuses a module holding one, even in a string), line and paragraph separators,
/// control characters and the zero-width and bidirectional formatting characters.
pub fn string_literal(s: &str) -> String {
    let json = serde_json::to_string(s).expect("strings always serialize");
    if !json.chars().any(is_invisible) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if is_invisible(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters that must never appear raw in generated source: control characters, and the
/// invisible formatting characters (all in the Basic Multilingual Plane, so one `\uXXXX` each).
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
        )
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

/// A float literal in its shortest round-trip form, as JSON writes it (`0.1`, `2.0`, `1e300`,
/// `1.5e-7`): exact, and never a 300-digit expansion.
pub fn number_literal(f: f64) -> String {
    serde_json::Number::from_f64(f).map_or_else(|| "0.0".to_string(), |n| n.to_string())
}

/// Whether a statement starting with `text` can never be read as continuing the line before it:
/// it starts with a name, a string or a digit, never with `-`, `(`, `[` or `{`, which Rego (OPA
/// and regorus alike) may join to the previous line as an operator, a call or an index.
pub fn starts_statement_safely(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '"')
}

/// A JSON value as a Rego term (objects with sorted keys as serialized).
pub fn json_term(v: &serde_json::Value) -> String {
    serde_json::to_string(v).expect("JSON values always serialize")
}

/// `# ` comment lines for a doc text. Every kind of line break starts a new comment line (OPA ends
/// a comment at a lone carriage return, regorus does not: a raw one would turn the rest of the
/// line into code for one engine only), and other invisible characters become spaces (OPA refuses
/// a byte-order mark anywhere in a module).
pub fn comment(text: &str, indent: &str) -> String {
    text.replace("\r\n", "\n")
        .split(['\n', '\r', '\u{0B}', '\u{0C}', '\u{85}', '\u{2028}', '\u{2029}'])
        .map(|l| {
            let l: String = l.chars().map(|c| if is_invisible(c) { ' ' } else { c }).collect();
            format!("{indent}# {l}").trim_end().to_string() + "\n"
        })
        .collect()
}
