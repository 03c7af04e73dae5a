//! The documents govc judges (`govc eval --input`): JSON or YAML text read into a JSON value.
//!
//! Nesting is bounded before any parser runs: both parsers stop at [`MAX_DEPTH`] levels anyway,
//! but the YAML scanner spends time proportional to the nesting depth on every token, so a deep
//! document (100,000 levels in 600 KB) would take minutes to be refused. [`nesting_depth`] finds
//! the depth in one pass.

use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

/// The deepest nesting of lists and objects a document may have: the language's one nesting
/// limit (the deepest a subject type can describe), which is also the parsers' own limit.
pub const MAX_DEPTH: usize = crate::limits::MAX_NESTING;

/// Why a text is refused before it is parsed; displayed as a predicate of the document's name
/// (`` `x.yaml` nests lists and objects deeper than ... ``).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentError {
    /// Lists and objects nest deeper than [`MAX_DEPTH`], first at this 1-based line.
    TooDeep { line: usize },
}

impl std::fmt::Display for DocumentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocumentError::TooDeep { line } => write!(
                f,
                "nests lists and objects deeper than {MAX_DEPTH} levels (line {line}); govc reads documents nested at most {MAX_DEPTH} deep"
            ),
        }
    }
}

/// How a file's text is read, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// `.json`: exactly one JSON value; errors are JSON errors.
    Json,
    /// `.yaml`, `.yml`: a YAML stream.
    Yaml,
    /// Anything else, standard input included: JSON if it parses, else a YAML stream.
    Either,
}

pub fn syntax_of(path: &Path) -> Syntax {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("json") => Syntax::Json,
        Some("yaml" | "yml") => Syntax::Yaml,
        _ => Syntax::Either,
    }
}

/// Every document of a text, in order, read as `syntax` says. Nesting deeper than [`MAX_DEPTH`]
/// is refused before any parser runs.
pub fn parse_documents(text: &str, syntax: Syntax) -> Result<Vec<Value>, String> {
    if let Some(line) = too_deep_at(text) {
        return Err(DocumentError::TooDeep { line }.to_string());
    }
    match syntax {
        Syntax::Json => json_value(text)
            .map(|v| vec![v])
            .map_err(|e| format!("is not valid JSON: {e}")),
        Syntax::Yaml => yaml_stream(text),
        Syntax::Either => match json_value(text) {
            Ok(v) => Ok(vec![v]),
            Err(json_error) => yaml_stream(text).map_err(|yaml_error| {
                // Text that starts like JSON was meant as JSON: its error says what is wrong.
                if text.trim_start().starts_with(['{', '[']) {
                    format!("is not valid JSON: {json_error}")
                } else {
                    yaml_error
                }
            }),
        },
    }
}

/// The JSON value of a text already known to nest at most [`MAX_DEPTH`] deep. serde_json's own
/// limit (127 levels) is off: it would refuse documents at the limit.
fn json_value(text: &str) -> serde_json::Result<Value> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer.disable_recursion_limit();
    let value = Value::deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// The documents of a YAML stream, empty ones left out.
fn yaml_stream(text: &str) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for (i, document) in yaml_serde::Deserializer::from_str(text).enumerate() {
        let value = Value::deserialize(document).map_err(|e| format!("is not valid YAML (document {}): {e}", i + 1))?;
        if !value.is_null() {
            out.push(value);
        }
    }
    Ok(out)
}

/// The line where the nesting first exceeds [`MAX_DEPTH`], if it does.
fn too_deep_at(text: &str) -> Option<usize> {
    let offset = nesting_depth(text, MAX_DEPTH + 1).1?;
    Some(text[..offset].matches('\n').count() + 1)
}

/// An upper bound of how deeply the flow collections (`[...]`, `{...}`) of a JSON or YAML text
/// nest, and the offset where it first reaches `stop` (where the scan stops). Block collections
/// cannot nest deeper than the indentation allows, which is linear in the text's size.
///
/// The scan knows just enough YAML to not count brackets inside quoted strings, comments and
/// plain words (`a[0]`): a bracket opens a collection where a value may start (after a line's
/// indentation, `- `, `: `, `? `, or inside a flow collection), and closes one inside a flow
/// collection. Block scalars (`|`, `>`) are scanned as if they were values, so brackets in them can
/// only make the bound larger.
pub fn nesting_depth(text: &str, stop: usize) -> (usize, Option<usize>) {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut deepest = 0usize;
    // Whether a value may start at the current position.
    let mut value_start = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => value_start = true,
            b' ' | b'\t' | b'\r' => {}
            b'#' if i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b'\n' | b'\r') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' | b'\'' if value_start => {
                i = skip_quoted(bytes, i);
                value_start = false;
                continue;
            }
            b'[' | b'{' if value_start || depth > 0 => {
                depth += 1;
                if depth > deepest {
                    deepest = depth;
                    if deepest >= stop {
                        return (deepest, Some(i));
                    }
                }
                value_start = true;
            }
            b']' | b'}' if depth > 0 => {
                depth -= 1;
                value_start = false;
            }
            b',' if depth > 0 => value_start = true,
            b'-' | b':' | b'?' if bytes.get(i + 1).is_none_or(|c| c.is_ascii_whitespace()) => {
                value_start = true;
            }
            b':' if depth > 0 => value_start = true,
            _ => value_start = false,
        }
        i += 1;
    }
    (deepest, None)
}

/// The offset just after the quoted string that starts at `start` (or the end of the text).
fn skip_quoted(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            // `''` is an escaped quote in a single-quoted YAML string.
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn depth(text: &str) -> usize {
        nesting_depth(text, usize::MAX).0
    }

    #[test]
    fn counts_flow_collections_outside_strings_comments_and_words() {
        assert_eq!(depth("[[1, [2]], {\"a\": {\"b\": []}}]"), 4);
        assert_eq!(depth("a: [1, [2]]\nb: {c: [d]}\n"), 2);
        assert_eq!(depth("k: \"[[[[\"\nl: '[{''['\n# [[[[\nm: a[0]{1}\n"), 0);
        assert_eq!(depth("- [a, \"]\", [b]]\n- - {x: [y]}\n"), 2);
        assert_eq!(depth("[a\"b, [c]]"), 2);
        assert_eq!(depth("{\"a\":{\"b\":1}}"), 2);
    }

    #[test]
    fn documents_deeper_than_the_limit_are_refused_quickly() {
        let n = 100_000;
        let json = "{\"a\":".repeat(n) + "1" + &"}".repeat(n);
        let too_deep = |line| Err(DocumentError::TooDeep { line }.to_string());
        assert_eq!(parse_documents(&json, Syntax::Either), too_deep(1));
        let yaml = "key:\n  - ".to_string() + &"[".repeat(n) + &"]".repeat(n);
        assert_eq!(parse_documents(&yaml, Syntax::Either), too_deep(2));
    }

    #[test]
    fn documents_up_to_the_limit_parse() {
        let at_limit = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse_documents(&at_limit, Syntax::Either).is_ok());
        assert!(parse_documents(&at_limit, Syntax::Json).is_ok());
        // An object holding lists `MAX_DEPTH - 1` deep.
        let yaml = "a: ".to_string() + &"[".repeat(MAX_DEPTH - 1) + &"]".repeat(MAX_DEPTH - 1);
        assert!(parse_documents(&yaml, Syntax::Yaml).is_ok());
        let yaml = "a:\n  b: [1, {c: 'it''s'}]\n  d: x[y\n";
        assert_eq!(
            parse_documents(yaml, Syntax::Either),
            Ok(vec![json!({"a": {"b": [1, {"c": "it's"}], "d": "x[y"}})])
        );
    }

    #[test]
    fn a_yaml_stream_is_one_document_per_section() {
        let text = "# leading comment\n---\nkind: A\n---\n---\nkind: B\n...\n";
        assert_eq!(
            parse_documents(text, Syntax::Yaml).expect("valid"),
            [json!({"kind": "A"}), json!({"kind": "B"})]
        );
        assert_eq!(
            parse_documents("kind: A\n---\nkind: B\n", Syntax::Either)
                .expect("valid")
                .len(),
            2
        );
    }

    #[test]
    fn truncated_json_gets_a_json_error() {
        let truncated = "{\"kind\": \"A\", \"spec\": {";
        for syntax in [Syntax::Json, Syntax::Either] {
            let e = parse_documents(truncated, syntax).expect_err("truncated");
            assert!(e.starts_with("is not valid JSON: EOF while parsing"), "{e}");
        }
        // The same text named `.yaml` is YAML, and its error says so.
        let e = parse_documents(truncated, Syntax::Yaml).expect_err("truncated");
        assert!(e.starts_with("is not valid YAML"), "{e}");
        // A `.json` file is one value: a second one is an error, not a second document.
        assert!(parse_documents("{}\n{}\n", Syntax::Json).is_err());
    }
}
