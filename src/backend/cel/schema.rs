//! Fail-closed checks in CEL: the same checks, with the same messages, as the bundle's
//! (`backend::rego::schema`). Each check is a CEL condition that holds on a conforming value and
//! a message expression for when it does not. A check reached through object fields only is a
//! validation of its own; below a list or a map, the checks of every element are one condition
//! (`xs.all(...)`) whose message lists each failing element's problems, joined by `"; "`.

use super::expr::{double_literal, has_field, select, string_literal};
use crate::ir::{Schema, SchemaField, RFC3339_PATTERN};

/// One check: `ok` holds when the value conforms; `message` (a CEL string expression) says what
/// is wrong when it does not.
#[derive(Debug, Clone)]
pub struct Check {
    pub ok: String,
    pub message: String,
}

/// Generates the checks of one document or parameter.
pub struct SchemaChecks {
    /// What each message starts with: `malformed Dataset: ` or `invalid parameter `.
    prefix: String,
    counter: usize,
    /// Fields of the document held in variables rather than read from it (the `pod` of a
    /// workload's view, null when absent), by their path (`pod`, `oldObject.pod`), and those
    /// variables.
    views: Vec<(String, String)>,
}

/// The path to a value, as a CEL string expression built from static text and variables.
#[derive(Clone, Default)]
struct Path {
    /// CEL string expressions, concatenated.
    parts: Vec<String>,
    /// Static text not yet flushed into `parts`.
    text: String,
}

impl Path {
    fn field(&self, name: &str) -> Path {
        let mut p = self.clone();
        if !(p.text.is_empty() && p.parts.is_empty()) {
            p.text.push('.');
        }
        p.text.push_str(name);
        p
    }

    fn dynamic(&self, open: &str, expr: String, close: &str) -> Path {
        let mut p = self.clone();
        p.text.push_str(open);
        p.flush();
        p.parts.push(expr);
        p.text.push_str(close);
        p
    }

    fn flush(&mut self) {
        if !self.text.is_empty() {
            self.parts.push(string_literal(&std::mem::take(&mut self.text)));
        }
    }

    fn is_empty(&self) -> bool {
        self.parts.is_empty() && self.text.is_empty()
    }

    /// The message `prefix` + `path: ` + `problem` (a CEL string expression).
    fn message(&self, prefix: &str, problem: &str) -> String {
        let mut p = self.clone();
        p.flush();
        let mut parts = vec![string_literal(prefix)];
        parts.extend(p.parts);
        if !self.is_empty() {
            parts.push(string_literal(": "));
        }
        parts.push(problem.to_string());
        concat(parts)
    }
}

/// CEL string expressions joined with `+`, adjacent literals merged.
fn concat(parts: Vec<String>) -> String {
    let mut out: Vec<String> = Vec::new();
    for part in parts {
        if let Some(prev) = out.last_mut() {
            if let (Ok(a), Ok(b)) = (
                serde_json::from_str::<String>(prev),
                serde_json::from_str::<String>(&part),
            ) {
                *prev = string_literal(&(a + &b));
                continue;
            }
        }
        out.push(part);
    }
    out.join(" + ")
}

/// The JSON type name of a CEL value, as OPA's `type_name` writes it.
pub fn type_name(v: &str) -> String {
    format!(
        "(type({v}) == string ? \"string\" : type({v}) == bool ? \"boolean\" : type({v}) == list ? \"array\" : \
         type({v}) == map ? \"object\" : type({v}) == null_type ? \"null\" : \"number\")"
    )
}

fn is_number(v: &str) -> String {
    format!("(type({v}) == int || type({v}) == uint || type({v}) == double)")
}

/// A problem text with a found value appended: `"expected bool, found " + type_name(v)`.
fn found(problem: &str, v: &str) -> String {
    format!("{} + {}", string_literal(problem), type_name(v))
}

impl SchemaChecks {
    pub fn new(prefix: &str) -> Self {
        SchemaChecks {
            prefix: prefix.to_string(),
            counter: 0,
            views: Vec::new(),
        }
    }

    /// Checks of a document whose field at `path` (`pod`, `oldObject.pod`) is the CEL value
    /// `value` (null when absent) instead of the object's own.
    pub fn with_view(mut self, path: &str, value: &str) -> Self {
        self.views.push((path.to_string(), value.to_string()));
        self
    }

    /// The checks of a document (`value` is a CEL expression of it).
    pub fn document(&mut self, schema: &Schema, value: &str) -> Vec<Check> {
        let mut out = Vec::new();
        match schema {
            Schema::Object { .. } => {
                let root = Path::default();
                out.push(Check {
                    ok: format!("type({value}) == map"),
                    message: root.message(&self.prefix, &found("expected an object, found ", value)),
                });
                self.fields(schema, value, &root, &[format!("type({value}) == map")], &mut out);
            }
            other => self.check(other, value, &Path::default(), &[], &mut out),
        }
        out
    }

    /// The checks of a named value (a parameter): paths start with its name.
    pub fn named(&mut self, schema: &Schema, value: &str, name: &str, guards: &[String]) -> Vec<Check> {
        let mut out = Vec::new();
        self.check(schema, value, &Path::default().field(name), guards, &mut out);
        out
    }

    fn fresh(&mut self, base: &str) -> String {
        self.counter += 1;
        format!("_{base}{}", self.counter)
    }

    fn push(&self, out: &mut Vec<Check>, guards: &[String], ok: String, path: &Path, problem: String) {
        let ok = if guards.is_empty() {
            ok
        } else {
            format!("!({}) || {ok}", guards.join(" && "))
        };
        out.push(Check {
            ok,
            message: path.message(&self.prefix, &problem),
        });
    }

    fn fields(&mut self, schema: &Schema, value: &str, path: &Path, guards: &[String], out: &mut Vec<Check>) {
        let Schema::Object { fields, .. } = schema else { return };
        for SchemaField {
            name, required, schema, ..
        } in fields
        {
            let p = path.field(name);
            let held = self
                .views
                .iter()
                .find(|(at, _)| p.parts.is_empty() && p.text == *at)
                .map(|(_, held)| held);
            let (v, present) = match held {
                Some(held) => (held.clone(), format!("{held} != null")),
                None => {
                    let v = select(value, name);
                    let present = format!("{} && {v} != null", has_field(value, name));
                    (v, present)
                }
            };
            if *required {
                self.push(
                    out,
                    guards,
                    present.clone(),
                    &p,
                    string_literal("required field is missing"),
                );
            }
            let mut g = guards.to_vec();
            g.push(present);
            self.check(schema, &v, &p, &g, out);
        }
    }

    fn check(&mut self, schema: &Schema, v: &str, path: &Path, guards: &[String], out: &mut Vec<Check>) {
        let with = |extra: &str| -> Vec<String> {
            let mut g = guards.to_vec();
            g.push(extra.to_string());
            g
        };
        match schema {
            Schema::Any => {}
            Schema::String { pattern } => {
                self.push(
                    out,
                    guards,
                    format!("type({v}) == string"),
                    path,
                    found("expected string, found ", v),
                );
                if let Some(p) = pattern {
                    self.push(
                        out,
                        &with(&format!("type({v}) == string")),
                        format!("{v}.matches({})", string_literal(p)),
                        path,
                        string_literal(&format!("must match pattern {p}")),
                    );
                }
            }
            Schema::Number { integer, min, max } => {
                let want = if *integer { "int" } else { "float" };
                self.push(
                    out,
                    guards,
                    is_number(v),
                    path,
                    found(&format!("expected {want}, found "), v),
                );
                let number = with(&is_number(v));
                if *integer {
                    // A double beyond ±9e18 is whole (doubles above 2^53 are); `int()` of it
                    // would fail, so it is not converted.
                    self.push(
                        out,
                        &number,
                        format!("type({v}) != double || {v} <= -9.0e18 || {v} >= 9.0e18 || {v} == double(int({v}))"),
                        path,
                        string_literal("expected int, found number"),
                    );
                }
                if let Some(m) = min {
                    self.push(
                        out,
                        &number,
                        format!("double({v}) >= {}", double_literal(*m)),
                        path,
                        string_literal(&format!("must be at least {}", display_number(*m))),
                    );
                }
                if let Some(m) = max {
                    self.push(
                        out,
                        &number,
                        format!("double({v}) <= {}", double_literal(*m)),
                        path,
                        string_literal(&format!("must be at most {}", display_number(*m))),
                    );
                }
            }
            Schema::IntOrString => {
                let kind = format!("type({v}) == string || {}", is_number(v));
                self.push(
                    out,
                    guards,
                    kind.clone(),
                    path,
                    found("expected int_or_string, found ", v),
                );
                self.push(
                    out,
                    &with(&kind),
                    format!("type({v}) != double || {v} <= -9.0e18 || {v} >= 9.0e18 || {v} == double(int({v}))"),
                    path,
                    string_literal("expected int_or_string, found number"),
                );
            }
            Schema::Bool => self.push(
                out,
                guards,
                format!("type({v}) == bool"),
                path,
                found("expected bool, found ", v),
            ),
            Schema::Timestamp => {
                self.push(
                    out,
                    guards,
                    format!("type({v}) == string"),
                    path,
                    found("expected timestamp, found ", v),
                );
                self.push(
                    out,
                    &with(&format!("type({v}) == string")),
                    format!("{v}.matches({})", string_literal(RFC3339_PATTERN)),
                    path,
                    string_literal("expected timestamp, found string"),
                );
            }
            Schema::Enum { values, .. } => {
                let listed = values.join(", ");
                let set = format!(
                    "[{}]",
                    values.iter().map(|s| string_literal(s)).collect::<Vec<_>>().join(", ")
                );
                self.push(
                    out,
                    guards,
                    format!("type({v}) == string && {v} in {set}"),
                    path,
                    format!(
                        "{} + (type({v}) == string ? {v} : {})",
                        string_literal(&format!("expected one of {listed}, found ")),
                        type_name(v)
                    ),
                );
            }
            Schema::Const(expected) => self.push(
                out,
                guards,
                format!("{v} == {}", string_literal(expected)),
                path,
                string_literal(&format!("must be {expected}")),
            ),
            Schema::List { items, min_items } => {
                self.push(
                    out,
                    guards,
                    format!("type({v}) == list"),
                    path,
                    found("expected list, found ", v),
                );
                let is_list = with(&format!("type({v}) == list"));
                if let Some(n) = min_items {
                    self.push(
                        out,
                        &is_list,
                        format!("size({v}) >= {n}"),
                        path,
                        string_literal(&format!("must have at least {n} items")),
                    );
                }
                let item = self.fresh("item");
                let p = path.dynamic("[", format!("string({v}.indexOf({item}))"), "]");
                self.elements(items, v, &item, &item, &p, &is_list, out);
            }
            Schema::Map { values } => {
                self.push(
                    out,
                    guards,
                    format!("type({v}) == map"),
                    path,
                    found("expected map, found ", v),
                );
                let key = self.fresh("key");
                let p = path.dynamic(".", key.clone(), "");
                let value = format!("{v}[{key}]");
                self.elements(values, v, &key, &value, &p, &with(&format!("type({v}) == map")), out);
            }
            Schema::Object { .. } => {
                self.push(
                    out,
                    guards,
                    format!("type({v}) == map"),
                    path,
                    found("expected object, found ", v),
                );
                self.fields(schema, v, path, &with(&format!("type({v}) == map")), out);
            }
        }
    }

    /// The checks of every element of the list or map `coll` (iterated with `var`, the element
    /// being `element`), as one check.
    #[allow(clippy::too_many_arguments)]
    fn elements(
        &mut self,
        schema: &Schema,
        coll: &str,
        var: &str,
        element: &str,
        path: &Path,
        guards: &[String],
        out: &mut Vec<Check>,
    ) {
        let mut inner = Vec::new();
        self.check(schema, element, path, &[], &mut inner);
        if inner.is_empty() {
            return;
        }
        let ok = inner
            .iter()
            .map(|c| format!("({})", c.ok))
            .collect::<Vec<_>>()
            .join(" && ");
        let message = if inner.len() == 1 {
            inner[0].message.clone()
        } else {
            format!(
                "[{}].filter(m, m != \"\").join(\"; \")",
                inner
                    .iter()
                    .map(|c| format!("({}) ? \"\" : {}", c.ok, c.message))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let all_ok = format!("{coll}.all({var}, {ok})");
        let g = if guards.is_empty() {
            all_ok.clone()
        } else {
            format!("!({}) || {all_ok}", guards.join(" && "))
        };
        out.push(Check {
            ok: g,
            message: format!("{coll}.filter({var}, !({ok})).map({var}, {message}).join(\"; \")"),
        });
    }
}

/// A bound as the messages write it (as the bundle's checks do).
fn display_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}
