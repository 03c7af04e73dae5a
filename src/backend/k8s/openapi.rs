//! `.gov` types as structural OpenAPI v3 schemas: the `openAPIV3Schema` of a CRD and the
//! parameters schema of a ConstraintTemplate. Every node has a `type` (the API server requires
//! it of structural schemas); named types are inlined (recursive types never reach here: E0304).

use crate::ir::{Schema, SchemaField};
use serde_json::{json, Map, Value};

/// The schema of a value of `schema`, described by `doc` (or else by its named type's doc).
pub fn structural(schema: &Schema, doc: Option<&str>) -> Value {
    let mut out = Map::new();
    let mut description = doc.map(str::to_string);
    match schema {
        Schema::String { pattern } => {
            out.insert("type".into(), json!("string"));
            if let Some(p) = pattern {
                out.insert("pattern".into(), json!(p));
            }
        }
        Schema::Number { integer, min, max } => {
            out.insert("type".into(), json!(if *integer { "integer" } else { "number" }));
            if let Some(m) = min {
                out.insert("minimum".into(), number(*m));
            }
            if let Some(m) = max {
                out.insert("maximum".into(), number(*m));
            }
        }
        Schema::Bool => {
            out.insert("type".into(), json!("boolean"));
        }
        Schema::IntOrString => {
            // Structural schemas write int-or-string as this extension, with no `type`.
            out.insert("x-kubernetes-int-or-string".into(), json!(true));
        }
        Schema::Timestamp => {
            out.insert("type".into(), json!("string"));
            out.insert("format".into(), json!("date-time"));
        }
        Schema::Enum { values, .. } => {
            out.insert("type".into(), json!("string"));
            out.insert("enum".into(), json!(values));
        }
        Schema::Const(value) => {
            out.insert("type".into(), json!("string"));
            out.insert("enum".into(), json!([value]));
        }
        Schema::List { items, min_items } => {
            out.insert("type".into(), json!("array"));
            out.insert("items".into(), structural(items, None));
            if let Some(n) = min_items {
                out.insert("minItems".into(), json!(n));
            }
        }
        Schema::Map { values } => {
            out.insert("type".into(), json!("object"));
            out.insert("additionalProperties".into(), structural(values, None));
        }
        Schema::Object {
            doc: type_doc, fields, ..
        } => {
            out.insert("type".into(), json!("object"));
            let properties: Map<String, Value> = fields
                .iter()
                .map(|f: &SchemaField| (f.name.clone(), structural(&f.schema, f.doc.as_deref())))
                .collect();
            out.insert("properties".into(), Value::Object(properties));
            let required: Vec<&str> = fields.iter().filter(|f| f.required).map(|f| f.name.as_str()).collect();
            if !required.is_empty() {
                out.insert("required".into(), json!(required));
            }
            if description.is_none() {
                description = type_doc.clone();
            }
        }
        // Only a value whose type had an error is `Any`; a build never gets here. Keep the value
        // rather than prune it, so the Rego checks still see (and reject) it.
        Schema::Any => {
            out.insert("x-kubernetes-preserve-unknown-fields".into(), json!(true));
        }
    }
    if let Some(d) = description {
        out.insert("description".into(), json!(d));
    }
    Value::Object(out)
}

/// Whether [`structural`]'s schema of `schema` refuses every value that govc's Rego checks of
/// `schema` refuse, as the API server validates it (Go's RE2 for patterns, as OPA). Not a
/// timestamp: `format: date-time` is not govc's RFC 3339 pattern.
pub fn expresses(schema: &Schema) -> bool {
    match schema {
        Schema::String { .. }
        | Schema::Number { .. }
        | Schema::Bool
        | Schema::IntOrString
        | Schema::Enum { .. }
        | Schema::Const(_) => true,
        Schema::Timestamp | Schema::Any => false,
        Schema::List { items, .. } => expresses(items),
        Schema::Map { values } => expresses(values),
        Schema::Object { fields, .. } => fields.iter().all(|f| expresses(&f.schema)),
    }
}

/// A bound as JSON: integral bounds as integers (`minimum: 0`, not `0.0`).
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        json!(n as i64)
    } else {
        json!(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, required: bool, schema: Schema) -> SchemaField {
        SchemaField {
            name: name.into(),
            required,
            sensitive: false,
            doc: Some(format!("the {name}")),
            schema,
        }
    }

    #[test]
    fn a_timestamp_anywhere_is_not_expressed() {
        let string = Schema::String {
            pattern: Some("^a$".into()),
        };
        assert!(expresses(&string));
        let record = |schema: Schema| Schema::Object {
            name: "R".into(),
            doc: None,
            fields: vec![field("s", true, string.clone()), field("x", false, schema)],
        };
        let list = |schema: Schema| Schema::List {
            items: Box::new(schema),
            min_items: None,
        };
        assert!(expresses(&list(record(Schema::IntOrString))));
        assert!(!expresses(&list(record(Schema::Timestamp))));
        assert!(!expresses(&Schema::Map {
            values: Box::new(Schema::Timestamp)
        }));
        assert!(!expresses(&Schema::Any));
    }

    #[test]
    fn every_type_has_its_openapi_form() {
        let schema = Schema::Object {
            name: "T".into(),
            doc: Some("A thing.".into()),
            fields: vec![
                field(
                    "s",
                    true,
                    Schema::String {
                        pattern: Some("^a$".into()),
                    },
                ),
                field(
                    "i",
                    false,
                    Schema::Number {
                        integer: true,
                        min: Some(0.0),
                        max: Some(10.0),
                    },
                ),
                field(
                    "f",
                    true,
                    Schema::Number {
                        integer: false,
                        min: Some(0.5),
                        max: None,
                    },
                ),
                field("t", true, Schema::Timestamp),
                field(
                    "e",
                    true,
                    Schema::Enum {
                        name: "E".into(),
                        values: vec!["a".into(), "b".into()],
                    },
                ),
                field(
                    "l",
                    true,
                    Schema::List {
                        items: Box::new(Schema::Bool),
                        min_items: Some(1),
                    },
                ),
                field(
                    "m",
                    true,
                    Schema::Map {
                        values: Box::new(Schema::String { pattern: None }),
                    },
                ),
            ],
        };
        assert_eq!(
            structural(&schema, None),
            json!({
                "type": "object",
                "description": "A thing.",
                "required": ["s", "f", "t", "e", "l", "m"],
                "properties": {
                    "s": {"type": "string", "pattern": "^a$", "description": "the s"},
                    "i": {"type": "integer", "minimum": 0, "maximum": 10, "description": "the i"},
                    "f": {"type": "number", "minimum": 0.5, "description": "the f"},
                    "t": {"type": "string", "format": "date-time", "description": "the t"},
                    "e": {"type": "string", "enum": ["a", "b"], "description": "the e"},
                    "l": {"type": "array", "items": {"type": "boolean"}, "minItems": 1, "description": "the l"},
                    "m": {"type": "object", "additionalProperties": {"type": "string"}, "description": "the m"},
                },
            })
        );
    }

    #[test]
    fn a_field_doc_wins_over_its_type_doc() {
        let inner = Schema::Object {
            name: "Inner".into(),
            doc: Some("The type's doc.".into()),
            fields: vec![],
        };
        assert_eq!(
            structural(&inner, Some("The field's doc."))["description"],
            "The field's doc."
        );
        assert_eq!(structural(&inner, None)["description"], "The type's doc.");
    }
}
