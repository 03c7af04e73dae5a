//! The documents `govc eval` judges and the parameter files it reads: JSON or YAML, from a file or
//! standard input. A YAML stream holds one document per `---` section, judged one by one as the
//! generated CI workflow does; empty sections are skipped.

use serde::Deserialize;
use serde_json::Value;
use std::io::Read;
use std::path::Path;

/// How a file's text is read, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Syntax {
    /// `.json`: exactly one JSON value; errors are JSON errors.
    Json,
    /// `.yaml`, `.yml`: a YAML stream.
    Yaml,
    /// Anything else, standard input included: JSON if it parses, else a YAML stream.
    Either,
}

fn syntax_of(path: &Path) -> Syntax {
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

/// The text of a file, or of standard input for `-`.
pub fn read_text(path: &Path) -> Result<String, String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        return Ok(text);
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

/// The name of a path in messages: `standard input` for `-`.
fn shown(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "standard input".to_string()
    } else {
        format!("`{}`", path.display())
    }
}

/// Every document of a file (or `-`), in order; an error when there is none.
pub fn read_documents(path: &Path) -> Result<Vec<Value>, String> {
    let text = read_text(path)?;
    let docs = parse_documents(&text, syntax_of(path)).map_err(|e| format!("{} {e}", shown(path)))?;
    if docs.is_empty() {
        return Err(format!("{} holds no document", shown(path)));
    }
    Ok(docs)
}

fn parse_documents(text: &str, syntax: Syntax) -> Result<Vec<Value>, String> {
    match syntax {
        Syntax::Json => serde_json::from_str(text)
            .map(|v| vec![v])
            .map_err(|e| format!("is not valid JSON: {e}")),
        Syntax::Yaml => yaml_stream(text),
        Syntax::Either => match serde_json::from_str::<Value>(text) {
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

/// A JSON or YAML file that holds one object, e.g. parameter values.
pub fn read_object(path: &Path) -> Result<serde_json::Map<String, Value>, String> {
    let text = read_text(path)?;
    let mut docs = parse_documents(&text, syntax_of(path)).map_err(|e| format!("{} {e}", shown(path)))?;
    match (docs.pop(), docs.is_empty()) {
        (Some(Value::Object(map)), true) => Ok(map),
        _ => Err(format!(
            "{} must hold one object of parameter values, e.g. {{\"max_retention_days\": 3650}}",
            shown(path)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
