//! Reading the documents `govc eval` judges and the parameter files it reads, from a file or
//! standard input; [`crate::document`] parses them.

use serde_json::Value;
use std::io::Read;
use std::path::Path;

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
    let docs = crate::runtime::documents::parse_documents(&text, crate::runtime::documents::syntax_of(path))
        .map_err(|e| format!("{} {e}", shown(path)))?;
    if docs.is_empty() {
        return Err(format!("{} holds no document", shown(path)));
    }
    Ok(docs)
}

/// A JSON or YAML file that holds one object, e.g. parameter values.
pub fn read_object(path: &Path) -> Result<serde_json::Map<String, Value>, String> {
    match read_one(path)? {
        Value::Object(map) => Ok(map),
        _ => Err(format!(
            "{} must hold one object of parameter values, e.g. {{\"max_retention_days\": 3650}}",
            shown(path)
        )),
    }
}

/// The one JSON or YAML document of a file (e.g. an admission request), whatever its shape: the
/// policy that reads it judges its shape.
pub fn read_one(path: &Path) -> Result<Value, String> {
    let text = read_text(path)?;
    let mut docs = crate::runtime::documents::parse_documents(&text, crate::runtime::documents::syntax_of(path))
        .map_err(|e| format!("{} {e}", shown(path)))?;
    match (docs.pop(), docs.is_empty()) {
        (Some(doc), true) => Ok(doc),
        _ => Err(format!("{} must hold exactly one document", shown(path))),
    }
}
