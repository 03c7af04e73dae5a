//! `.gov` expressions as CEL, or the construct that has no faithful CEL translation.
//!
//! Values read from the document keep the JSON type they arrived with (the API server hands the
//! object to CEL as unstructured JSON: `2` is an `int`, `2.5` a `double`), so every number read
//! from the document or the parameters is converted to its `.gov` type (`int(...)`,
//! `double(...)`): CEL has no `int + double`. Functions are inlined (CEL has none), with
//! comprehension variables renamed where an argument would be captured.

use crate::ir::{BinOp, Builtin, Expr, Ir, MsgPart, Operands, Policy, Quantifier, Schema, Var};

/// A construct with no faithful CEL translation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untranslatable {
    /// The construct, as a user reads it (`float arithmetic`, `days_since`).
    pub construct: String,
    /// Why CEL cannot say the same thing.
    pub why: String,
}

pub(super) fn untranslatable(construct: impl Into<String>, why: impl Into<String>) -> Untranslatable {
    Untranslatable {
        construct: construct.into(),
        why: why.into(),
    }
}

/// Words CEL reserves: they cannot name a variable, and are read with `["..."]` as fields.
const RESERVED: &[&str] = &[
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// The variables the API server binds: a comprehension variable of that name would hide them.
const BOUND: &[&str] = &[
    "object",
    "oldObject",
    "request",
    "params",
    "namespaceObject",
    "variables",
    "authorizer",
];

/// Whether `name` can be written as `x.name` in CEL.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED.contains(&name)
}

/// A user's name as a CEL variable name: kept unless CEL reserves it or it starts with `_`
/// (govc's own variables start with `_` and never end with one); then it gets a trailing `_`.
pub fn user_name(name: &str) -> String {
    if is_identifier(name) && !name.starts_with('_') && !BOUND.contains(&name) {
        name.to_string()
    } else {
        format!("{name}_")
    }
}

/// A CEL string literal.
pub fn string_literal(s: &str) -> String {
    // A JSON string is a CEL string: the same escapes (`\"`, `\\`, `\n`, `\uXXXX`).
    serde_json::to_string(s).expect("a string serializes")
}

/// A CEL double literal (`1.0`, `0.05`, `1e+300`).
pub fn double_literal(f: f64) -> String {
    let text = format!("{f:?}");
    if text.contains(['.', 'e', 'E']) {
        text
    } else {
        format!("{text}.0")
    }
}

/// A JSON value as a CEL literal.
pub fn json_literal(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => double_literal(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => string_literal(s),
        Value::Array(items) => format!("[{}]", items.iter().map(json_literal).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", string_literal(k), json_literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `target.name`, or `target["name"]` where `name` is not a CEL identifier.
pub fn select(target: &str, name: &str) -> String {
    if is_identifier(name) {
        format!("{target}.{name}")
    } else {
        format!("{target}[{}]", string_literal(name))
    }
}

/// `has(target.name)`, or `"name" in target` where `name` is not a CEL identifier.
pub fn has_field(target: &str, name: &str) -> String {
    if is_identifier(name) {
        format!("has({target}.{name})")
    } else {
        format!("{} in {target}", string_literal(name))
    }
}

/// How many elements the cost estimate assumes each list or map has (see [`COST_LIMIT`]).
pub const ASSUMED_SIZE: u64 = 100;

/// The cost one CEL expression may reach: Kubernetes' per-expression limit (`PerCallLimit`).
pub const COST_LIMIT: u64 = 1_000_000;

/// The pod of a policy on `std.k8s.Workload`, null when the object has none: the bundle judges
/// the object with this pod as its `pod` field, which CEL reads from this variable.
pub const POD_VIEW: &str = "variables._pod";

/// The object before an UPDATE, which the bundle reads as the request's `oldObject`.
pub const OLD_OBJECT: &str = "oldObject";

/// The pod the object before an UPDATE makes, for a policy on `std.k8s.Workload` (the bundle's
/// view of `oldObject`, as [`POD_VIEW`] of the object).
pub const OLD_POD_VIEW: &str = "variables._old_pod";

/// A local variable in scope: what it stands for in CEL and its schema.
struct Local {
    var: Var,
    text: String,
    schema: Option<Schema>,
    /// A raw document value (a comprehension variable): numbers are converted when read.
    raw: bool,
    /// The subject or the old object where a function's parameter is bound to it, so that the
    /// parameter's views (a Workload's `pod`) read the same variables as the subject's.
    origin: Option<Expr>,
}

/// Translates the expressions of one policy.
pub struct Translator<'a> {
    ir: &'a Ir,
    policy: &'a Policy,
    locals: Vec<Local>,
    /// Comprehensions open around the expression being translated, and the most seen at once.
    depth: u32,
    max_depth: u32,
}

impl<'a> Translator<'a> {
    pub fn new(ir: &'a Ir, policy: &'a Policy) -> Self {
        Translator {
            ir,
            policy,
            locals: Vec::new(),
            depth: 0,
            max_depth: 0,
        }
    }

    /// The CEL of a policy-level expression, checked against the cost budget.
    pub fn translate(&mut self, e: &Expr) -> Result<String, Untranslatable> {
        self.max_depth = 0;
        let text = self.expr(e)?;
        self.check_cost()?;
        Ok(text)
    }

    /// Fails when the comprehensions nested so far would exceed the cost budget.
    pub fn check_cost(&self) -> Result<(), Untranslatable> {
        let cost = ASSUMED_SIZE.saturating_pow(self.max_depth).saturating_mul(10);
        if cost > COST_LIMIT {
            return Err(untranslatable(
                format!("{} nested quantifiers", self.max_depth),
                format!(
                    "with {ASSUMED_SIZE} elements per list its estimated CEL cost is {cost}, above Kubernetes' limit of {COST_LIMIT} per expression"
                ),
            ));
        }
        Ok(())
    }

    /// Runs `f` with `var` bound to `text` (a comprehension variable when `raw`).
    pub fn with_local<T>(
        &mut self,
        var: &Var,
        text: String,
        schema: Option<Schema>,
        raw: bool,
        f: impl FnOnce(&mut Self) -> T,
    ) -> T {
        self.locals.push(Local {
            var: var.clone(),
            text,
            schema,
            raw,
            origin: None,
        });
        let out = f(self);
        self.locals.pop();
        out
    }

    /// A comprehension variable's CEL name for `var`: its own name unless a variable in scope
    /// already has it (an inlined argument could then be captured).
    pub fn fresh_name(&self, var: &Var) -> String {
        let base = user_name(&var.0);
        let taken = |n: &str| {
            self.locals.iter().any(|l| l.raw && l.text == n) || self.locals.iter().any(|l| mentions(&l.text, n))
        };
        if !taken(&base) {
            return base;
        }
        (2..)
            .map(|i| format!("{base}{i}"))
            .find(|n| !taken(n))
            .expect("some suffix is free")
    }

    /// Opens a comprehension for the cost estimate.
    pub fn enter(&mut self) {
        self.depth += 1;
        self.max_depth = self.max_depth.max(self.depth);
    }

    pub fn leave(&mut self) {
        self.depth -= 1;
    }

    /// The schema of a value, where it can be known.
    pub fn schema(&self, e: &Expr) -> Option<Schema> {
        match e {
            Expr::Int(_) => Some(Schema::Number {
                integer: true,
                min: None,
                max: None,
            }),
            Expr::Float(_) => Some(float()),
            Expr::Bool(_) => Some(Schema::Bool),
            Expr::String(_) | Expr::Format(_) | Expr::TimeText(_) => Some(Schema::String { pattern: None }),
            Expr::Instant(_) => None,
            Expr::Subject => Some(self.policy.subject.clone()),
            Expr::Request => self.policy.request.clone(),
            Expr::Inventory(name) => self
                .policy
                .inventories
                .iter()
                .find(|i| &i.name == name)
                .map(|i| Schema::List {
                    items: Box::new(i.schema.clone()),
                    min_items: None,
                }),
            Expr::Param(name) => self
                .policy
                .params
                .iter()
                .find(|p| &p.name == name)
                .map(|p| p.schema.clone()),
            Expr::Let(v) => self
                .policy
                .lets
                .iter()
                .find(|(l, _)| l == v)
                .and_then(|(_, e)| self.schema(e)),
            Expr::Local(v) => self.local(v).and_then(|l| l.schema.clone()),
            Expr::Field { target, name } => match self.schema(target)? {
                Schema::Object { fields, .. } => fields.into_iter().find(|f| &f.name == name).map(|f| f.schema),
                _ => None,
            },
            Expr::Index { target, .. } => match self.schema(target)? {
                Schema::List { items, .. } => Some(*items),
                Schema::Map { values } => Some(*values),
                _ => None,
            },
            Expr::Builtin { builtin, args, .. } => match builtin {
                Builtin::Count | Builtin::DaysSince | Builtin::Hour | Builtin::Minute | Builtin::Weekday => {
                    Some(Schema::Number {
                        integer: true,
                        min: None,
                        max: None,
                    })
                }
                Builtin::Sum | Builtin::Min | Builtin::Max => match self.schema(args.first()?)? {
                    Schema::List { items, .. } => Some(*items),
                    _ => None,
                },
                Builtin::Lower
                | Builtin::Upper
                | Builtin::Date
                | Builtin::Trim
                | Builtin::TrimPrefix
                | Builtin::TrimSuffix
                | Builtin::Join
                | Builtin::Replace => Some(Schema::String { pattern: None }),
                Builtin::Split | Builtin::Fields => Some(Schema::List {
                    items: Box::new(Schema::String { pattern: None }),
                    min_items: None,
                }),
                Builtin::Union | Builtin::Intersection | Builtin::Difference => self.schema(args.first()?),
                Builtin::Get => args.get(2).and_then(|d| self.schema(d)),
                _ => Some(Schema::Bool),
            },
            Expr::Binary { op, lhs, rhs, .. } => match op {
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Mod => {
                    let l = self.schema(lhs)?;
                    if is_float(&l) || self.schema(rhs).as_ref().is_some_and(is_float) {
                        Some(float())
                    } else {
                        Some(l)
                    }
                }
                BinOp::Div => Some(float()),
                _ => Some(Schema::Bool),
            },
            Expr::Neg(x) | Expr::Rounded(x) => self.schema(x),
            Expr::Comprehension { element, .. } => Some(Schema::List {
                items: Box::new(self.schema(element).unwrap_or(Schema::Any)),
                min_items: None,
            }),
            Expr::If { then, otherwise, .. } => {
                let a = self.schema(then);
                if a.as_ref().is_some_and(is_float) || self.schema(otherwise).as_ref().is_some_and(is_float) {
                    Some(float())
                } else {
                    a.or_else(|| self.schema(otherwise))
                }
            }
            Expr::Partial(p) => self.schema(&p.expr),
            Expr::Not(_) | Expr::And(..) | Expr::Or(..) | Expr::In { .. } | Expr::Has(_) | Expr::Quantified { .. } => {
                Some(Schema::Bool)
            }
            Expr::List(items) => Some(Schema::List {
                items: Box::new(items.first().and_then(|i| self.schema(i)).unwrap_or(Schema::Any)),
                min_items: None,
            }),
            Expr::Call { .. } | Expr::Record(_) => None,
        }
    }

    fn local(&self, v: &Var) -> Option<&Local> {
        self.locals.iter().rev().find(|l| &l.var == v)
    }

    /// The CEL of a value.
    pub fn expr(&mut self, e: &Expr) -> Result<String, Untranslatable> {
        Ok(match e {
            Expr::Int(i) => i.to_string(),
            Expr::Float(f) => double_literal(*f),
            Expr::Bool(b) => b.to_string(),
            Expr::String(s) => string_literal(s),
            Expr::Format(parts) => self.message(parts)?,
            Expr::Instant(_) | Expr::TimeText(_) => {
                return Err(untranslatable(
                    "time arithmetic",
                    "durations and timestamps computed from them are not translated to CEL yet",
                ))
            }
            Expr::Subject => "object".into(),
            // The API server's `request` (its `oldObject` is a variable of its own, see `held`).
            Expr::Request => "request".into(),
            // The type checker refuses an inventory with `engine = cel` (E0227): this is a
            // second line of defence.
            Expr::Inventory(_) => {
                return Err(untranslatable(
                    "an inventory",
                    "a ValidatingAdmissionPolicy cannot read other objects of the cluster; enforce the policy with `engine = gatekeeper`",
                ))
            }
            // Named after the parameter as declared: its key (`@key`) need not be a CEL name.
            Expr::Param(name) => {
                let var = self
                    .policy
                    .params
                    .iter()
                    .find(|p| &p.name == name)
                    .map_or(name, |p| &p.var);
                format!("variables.{}", user_name(var))
            }
            Expr::Let(v) => format!("variables.{}", user_name(&v.0)),
            Expr::Local(v) => {
                let local = self
                    .local(v)
                    .ok_or_else(|| untranslatable(format!("`{}`", v.0), "a variable out of scope"))?;
                if local.raw {
                    self.number(&local.text, local.schema.as_ref())
                } else {
                    local.text.clone()
                }
            }
            Expr::Field { target, name } => {
                let raw = match self.held(target, name) {
                    Some(held) => held.to_string(),
                    None => select(&self.expr(target)?, name),
                };
                self.number(&raw, self.schema(e).as_ref())
            }
            Expr::Index { target, index } => {
                let raw = format!("{}[{}]", self.expr(target)?, self.expr(index)?);
                self.number(&raw, self.schema(e).as_ref())
            }
            Expr::Call { module, name, args, .. } => self.call(module, name, args)?,
            Expr::Builtin { builtin, args, on } => self.builtin(*builtin, args, *on)?,
            Expr::Not(x) => format!("!{}", self.operand(x)?),
            Expr::Neg(x) => format!("-{}", self.operand(x)?),
            Expr::And(a, b) => format!("{} && {}", self.operand(a)?, self.operand(b)?),
            Expr::Or(a, b) => format!("({} || {})", self.expr(a)?, self.expr(b)?),
            Expr::Binary { op, operands, lhs, rhs } => self.binary(*op, *operands, lhs, rhs)?,
            Expr::In {
                element, collection, ..
            } => {
                format!("{} in {}", self.operand(element)?, self.collection(collection)?)
            }
            Expr::Quantified {
                quantifier,
                key,
                var,
                collection,
                body,
            } => {
                let macro_name = match quantifier {
                    Quantifier::All => "all",
                    Quantifier::Any => "exists",
                };
                self.comprehension(macro_name, key.as_ref(), var, collection, |t| t.expr(body))?
            }
            Expr::Has(path) => self.has(path)?,
            Expr::Comprehension {
                element,
                key,
                var,
                collection,
                filter,
            } => {
                if key.is_some() {
                    return Err(untranslatable(
                        "a comprehension over keys and values",
                        "iteration over a map's entries or a list's indices is not translated to CEL yet",
                    ));
                }
                if matches!(
                    collection.as_ref(),
                    Expr::Builtin {
                        builtin: Builtin::Fields,
                        ..
                    }
                ) {
                    return Err(untranslatable(
                        "a comprehension over `fields`",
                        "the bundle's list is sorted; CEL gives a map's keys in no fixed order and has no sort: the lists would differ",
                    ));
                }
                if matches!(self.schema(collection), Some(Schema::Map { .. })) {
                    return Err(untranslatable(
                        "a comprehension over a map",
                        "CEL visits a map's entries in no fixed order, the bundle by key: the lists would differ",
                    ));
                }
                // `map(x, p, t)`: the elements where `p` holds, transformed by `t`.
                self.iterate(None, var, collection, |t, coll, it| {
                    let element = t.expr(element)?;
                    Ok(match filter {
                        Some(f) => format!("{coll}.map({it}, {}, {element})", t.expr(f)?),
                        None => format!("{coll}.map({it}, {element})"),
                    })
                })?
            }
            Expr::If { cond, then, otherwise } => {
                // CEL has no `int` where a `double` is expected: an `int` branch beside a `float`
                // one is converted.
                let float = matches!(self.schema(e), Some(ref s) if is_float(s));
                let branch = |t: &mut Self, x: &Expr| -> Result<String, Untranslatable> {
                    let text = t.expr(x)?;
                    Ok(match t.schema(x) {
                        Some(Schema::Number { integer: true, .. }) if float => format!("double({text})"),
                        _ => text,
                    })
                };
                let (c, a) = (self.expr(cond)?, branch(self, then)?);
                let b = branch(self, otherwise)?;
                format!("({c} ? {a} : {b})")
            }
            Expr::Record(fields) => {
                let mut out = Vec::new();
                for (k, v) in fields {
                    out.push(format!("{}: {}", string_literal(k), self.expr(v)?));
                }
                format!("{{{}}}", out.join(", "))
            }
            Expr::List(items) => {
                let mut out = Vec::new();
                for i in items {
                    out.push(self.expr(i)?);
                }
                format!("[{}]", out.join(", "))
            }
            Expr::Rounded(_) => return Err(float_arithmetic()),
            // Where it fails is checked before any clause runs (`failures`): here, it does not.
            Expr::Partial(p) => self.expr(&p.expr)?,
        })
    }

    /// An operand of a prefix or infix operator: parenthesized unless it is atomic.
    pub fn operand(&mut self, e: &Expr) -> Result<String, Untranslatable> {
        let text = self.expr(e)?;
        Ok(if atomic(&text) { text } else { format!("({text})") })
    }

    /// A number read from a document or the parameters, as its `.gov` type.
    fn number(&self, raw: &str, schema: Option<&Schema>) -> String {
        match schema {
            Some(Schema::Number { integer: true, .. }) => format!("int({raw})"),
            Some(Schema::Number { integer: false, .. }) => format!("double({raw})"),
            _ => raw.to_string(),
        }
    }

    /// `collection.<macro>(var, body)`; over a map, the variable is each value (`.gov`
    /// quantifies over a map's values, CEL over its keys) and `key` each key.
    pub fn comprehension(
        &mut self,
        macro_name: &str,
        key: Option<&Var>,
        var: &Var,
        collection: &Expr,
        body: impl FnOnce(&mut Self) -> Result<String, Untranslatable>,
    ) -> Result<String, Untranslatable> {
        self.iterate(key, var, collection, |t, coll, it| {
            Ok(format!("{coll}.{macro_name}({it}, {})", body(t)?))
        })
    }

    /// Binds `var` to each element of `collection` (each value of a map, and `key` to its key)
    /// around `f`, which is given the collection's CEL and the iteration variable's name and
    /// writes the macro.
    pub fn iterate<T>(
        &mut self,
        key: Option<&Var>,
        var: &Var,
        collection: &Expr,
        f: impl FnOnce(&mut Self, &str, &str) -> Result<T, Untranslatable>,
    ) -> Result<T, Untranslatable> {
        let coll = self.collection(collection)?;
        let coll_schema = self.schema(collection);
        let name = self.fresh_name(var);
        let out = match coll_schema {
            Some(Schema::Map { values }) => {
                let key_name = match key {
                    Some(k) => self.fresh_name(k),
                    None => format!("{name}_key"),
                };
                let value = format!("{coll}[{key_name}]");
                self.enter();
                let out = match key {
                    Some(k) => {
                        let string = Some(Schema::String { pattern: None });
                        self.with_local(k, key_name.clone(), string, false, |t| {
                            t.with_local(var, value, Some(*values), true, |t| f(t, &coll, &key_name))
                        })
                    }
                    None => self.with_local(var, value, Some(*values), true, |t| f(t, &coll, &key_name)),
                };
                self.leave();
                out
            }
            _ if key.is_some() => Err(untranslatable(
                "iteration over a list's indices",
                "CEL's macros give no index (Kubernetes' CEL has no two-variable comprehension before 1.33)",
            )),
            other => {
                let items = match other {
                    Some(Schema::List { items, .. }) => Some(*items),
                    _ => None,
                };
                self.enter();
                let out = self.with_local(var, name.clone(), items, true, |t| f(t, &coll, &name));
                self.leave();
                out
            }
        };
        out
    }

    /// A collection read only for its elements (by `in` or a quantifier): a set operation is then
    /// a list with the set's elements, in any order and possibly repeated.
    fn collection(&mut self, e: &Expr) -> Result<String, Untranslatable> {
        let Expr::Builtin { builtin, args, .. } = e else {
            return self.operand(e);
        };
        if *builtin == Builtin::Fields {
            // The keys of the fields present and not null (the bundle's `fields`, unsorted).
            let record = match args.first() {
                Some(r) => self.operand(r)?,
                None => return Err(untranslatable("a built-in call", "an argument is missing")),
            };
            let k = self.fresh_name(&Var("field".into()));
            return Ok(format!("{record}.filter({k}, {record}[{k}] != null)"));
        }
        let (Some(a), Some(b)) = (args.first(), args.get(1)) else {
            return self.operand(e);
        };
        let op = match builtin {
            Builtin::Union => "",
            Builtin::Intersection => "",
            Builtin::Difference => "!",
            _ => return self.operand(e),
        };
        let (a, b) = (self.collection(a)?, self.collection(b)?);
        if *builtin == Builtin::Union {
            return Ok(format!("({a} + {b})"));
        }
        let it = self.fresh_name(&Var("x".into()));
        Ok(format!("{a}.filter({it}, {op}({it} in {b}))"))
    }

    /// `has` on every step of a path: present and not null.
    fn has(&mut self, path: &Expr) -> Result<String, Untranslatable> {
        let mut steps = Vec::new();
        let mut cur = path;
        while let Expr::Field { target, name } = cur {
            steps.push((target.as_ref(), name.as_str()));
            cur = target;
        }
        steps.reverse();
        let mut out = Vec::new();
        for (target, name) in steps {
            if let Some(held) = self.held(target, name) {
                out.push(format!("{held} != null"));
                continue;
            }
            let t = self.raw_path(target)?;
            out.push(has_field(&t, name));
            out.push(format!("{} != null", select(&t, name)));
        }
        if out.is_empty() {
            return Err(untranslatable(
                "`has` of a value that is not a field",
                "CEL's `has` tests fields",
            ));
        }
        Ok(out.join(" && "))
    }

    /// The variable holding the field `name` of `target` where the document is a view: the
    /// `pod` of a policy on `std.k8s.Workload` (see [`POD_VIEW`]).
    fn held(&self, target: &Expr, name: &str) -> Option<&'static str> {
        match target {
            Expr::Subject => (self.policy.pod_view.is_some() && name == "pod").then_some(POD_VIEW),
            // A function's parameter bound to the subject or the old object reads its views.
            Expr::Local(v) => {
                let origin = self.local(v).and_then(|l| l.origin.clone())?;
                self.held(&origin, name)
            }
            // The API server binds the object before an UPDATE as `oldObject`, null otherwise.
            Expr::Request => (name == "oldObject").then_some(OLD_OBJECT),
            Expr::Field { target, name: field } if matches!(target.as_ref(), Expr::Request) && field == "oldObject" => {
                (self.policy.pod_view.is_some() && name == "pod").then_some(OLD_POD_VIEW)
            }
            _ => None,
        }
    }

    /// A path as CEL selects it, with no number conversion (for `has`).
    fn raw_path(&mut self, e: &Expr) -> Result<String, Untranslatable> {
        match e {
            Expr::Field { target, name } => match self.held(target, name) {
                Some(held) => Ok(held.to_string()),
                None => Ok(select(&self.raw_path(target)?, name)),
            },
            Expr::Local(v) => match self.local(v) {
                Some(l) => Ok(l.text.clone()),
                None => self.expr(e),
            },
            other => self.expr(other),
        }
    }

    /// An interpolated message: text and values joined with `+`.
    pub fn message(&mut self, parts: &[MsgPart]) -> Result<String, Untranslatable> {
        let mut out = Vec::new();
        for part in parts {
            out.push(match part {
                MsgPart::Text(t) => string_literal(t),
                MsgPart::Value(e) => match self.schema(e) {
                    Some(Schema::Bool) => format!("string({})", self.expr(e)?),
                    _ => self.operand(e)?,
                },
                MsgPart::Number(e) => match self.schema(e) {
                    Some(Schema::Number { integer: true, .. }) => format!("string({})", self.expr(e)?),
                    _ => {
                        return Err(untranslatable(
                            "a float interpolated into a message",
                            "CEL writes doubles its own way (`1e+06`), not as the language does (`1000000`)",
                        ))
                    }
                },
            });
        }
        if out.is_empty() {
            return Ok(string_literal(""));
        }
        Ok(out.join(" + "))
    }

    fn call(&mut self, module: &[String], name: &str, args: &[Expr]) -> Result<String, Untranslatable> {
        let out = self.inlined(module, name, args, |t, body| t.expr(body))?;
        Ok(format!("({out})"))
    }

    /// Runs `f` on the body of the function `module.name` with its parameters bound to the CEL of
    /// `args` (functions are inlined: CEL has none).
    pub fn inlined<T>(
        &mut self,
        module: &[String],
        name: &str,
        args: &[Expr],
        then: impl FnOnce(&mut Self, &Expr) -> Result<T, Untranslatable>,
    ) -> Result<T, Untranslatable> {
        let ir = self.ir;
        let f = ir
            .fn_modules
            .iter()
            .filter(|m| m.package == module)
            .flat_map(|m| &m.fns)
            .find(|f| f.name == name)
            .ok_or_else(|| untranslatable(format!("`{name}`"), "a function the program does not define"))?;
        let mut bound = Vec::new();
        for (p, a) in f.params.iter().zip(args) {
            let text = self.operand(a)?;
            let origin = match a {
                Expr::Local(v) => self.local(v).and_then(|l| l.origin.clone()),
                Expr::Subject => Some(a.clone()),
                Expr::Field { target, name } if matches!(target.as_ref(), Expr::Request) && name == "oldObject" => {
                    Some(a.clone())
                }
                _ => None,
            };
            bound.push((p.clone(), text, self.schema(a), origin));
        }
        // Arguments are evaluated in the caller's scope, so they are bound on top of it; the
        // function body sees only its parameters (names are unique within a body).
        let body = &f.body;
        let n = bound.len();
        for (var, text, schema, origin) in bound {
            self.locals.push(Local {
                var,
                text,
                schema,
                raw: false,
                origin,
            });
        }
        let out = then(self, body);
        self.locals.truncate(self.locals.len() - n);
        out
    }

    fn builtin(&mut self, builtin: Builtin, args: &[Expr], on: Operands) -> Result<String, Untranslatable> {
        // INVARIANT: the type checker gave every built-in call its arguments.
        let nth = |i: usize| {
            args.get(i)
                .ok_or_else(|| untranslatable("a built-in call", "an argument is missing"))
        };
        let arg = |t: &mut Self, i: usize| -> Result<String, Untranslatable> { t.operand(nth(i)?) };
        Ok(match builtin {
            // How many elements: their order does not matter (`fields` is a collection here).
            Builtin::Count => match nth(0)? {
                e @ Expr::Builtin {
                    builtin: Builtin::Fields,
                    ..
                } => format!("size({})", self.collection(e)?),
                e => format!("size({})", self.expr(e)?),
            },
            Builtin::StartsWith => format!("{}.startsWith({})", arg(self, 0)?, self.expr(nth(1)?)?),
            Builtin::EndsWith => format!("{}.endsWith({})", arg(self, 0)?, self.expr(nth(1)?)?),
            Builtin::Contains => format!("{}.contains({})", arg(self, 0)?, self.expr(nth(1)?)?),
            // The pattern is a constant RE2 pattern in the form OPA reads it; CEL's `matches` is
            // RE2 too, and like OPA's `regex.match` it searches (unanchored).
            Builtin::Matches => format!("{}.matches({})", arg(self, 0)?, self.expr(nth(1)?)?),
            // A literal wildcard pattern as the regular expression the bundle's `glob_match`
            // builds from it at run time; CEL cannot build one from a computed pattern.
            Builtin::Glob => match nth(0)? {
                Expr::String(pattern) => {
                    format!("{}.matches({})", arg(self, 1)?, string_literal(&glob_regex(pattern)))
                }
                _ => {
                    return Err(untranslatable(
                        "`glob` with a pattern computed at run time",
                        "the bundle builds a regular expression from the pattern, which Kubernetes' CEL cannot (it has no regular-expression replace); write the pattern as a literal",
                    ))
                }
            },
            Builtin::Min | Builtin::Max => {
                let list = arg(self, 0)?;
                let f = if builtin == Builtin::Min { "min" } else { "max" };
                match self.schema(nth(0)?) {
                    Some(Schema::List { items, .. }) if is_float(&items) => {
                        format!("{list}.map(x, double(x)).{f}()")
                    }
                    _ => format!("{list}.map(x, int(x)).{f}()"),
                }
            }
            Builtin::Sum => {
                let list = arg(self, 0)?;
                format!("{list}.map(x, int(x)).sum()")
            }
            Builtin::Get => {
                let (coll, key, default) = (arg(self, 0)?, arg(self, 1)?, self.expr(nth(2)?)?);
                let raw = match on {
                    Operands::List => {
                        format!("{key} >= 0 && {key} < size({coll}) ? {coll}[{key}] : {default}")
                    }
                    _ => format!("{key} in {coll} ? {coll}[{key}] : {default}"),
                };
                match self.schema(nth(2)?) {
                    Some(Schema::Number { integer: true, .. }) => format!("int({raw})"),
                    Some(Schema::Number { integer: false, .. }) => format!("double({raw})"),
                    _ => format!("({raw})"),
                }
            }
            Builtin::Lower | Builtin::Upper => {
                return Err(untranslatable(
                    if builtin == Builtin::Lower {
                        "`lower`"
                    } else {
                        "`upper`"
                    },
                    "Kubernetes' CEL maps ASCII letters only (`lowerAscii`), the language maps every character",
                ))
            }
            Builtin::DaysSince | Builtin::Now => {
                return Err(untranslatable(
                    format!("`{}`", builtin.name()),
                    "a ValidatingAdmissionPolicy has no clock: CEL at admission cannot read the current time",
                ))
            }
            // The bundle trims the six ASCII spaces (`trim(s, " \t\n\r\f\v")`); cel-go's `trim()`
            // trims every Unicode space, so the trimmed text is found with Kubernetes' regex
            // library: from the first character that is not one of them to the last.
            Builtin::Trim => format!(
                "{}.find({})",
                arg(self, 0)?,
                string_literal(r"(?s)[^ \t\n\r\f\v](?:.*[^ \t\n\r\f\v])?")
            ),
            Builtin::TrimPrefix => {
                let (s, p) = (arg(self, 0)?, arg(self, 1)?);
                format!("({s}.startsWith({p}) ? {s}.substring(size({p})) : {s})")
            }
            Builtin::TrimSuffix => {
                let (s, p) = (arg(self, 0)?, arg(self, 1)?);
                format!("({s}.endsWith({p}) ? {s}.substring(0, size({s}) - size({p})) : {s})")
            }
            // cel-go's strings extension: Go's `strings.Split` and `strings.Replace(s, old, new,
            // -1)`, as OPA's `split` and `replace`.
            Builtin::Split => format!("{}.split({})", arg(self, 0)?, self.expr(nth(1)?)?),
            Builtin::Join => format!("{}.join({})", arg(self, 0)?, self.expr(nth(1)?)?),
            Builtin::Replace => format!(
                "{}.replace({}, {})",
                arg(self, 0)?,
                self.expr(nth(1)?)?,
                self.expr(nth(2)?)?
            ),
            Builtin::Subset => {
                let (a, b) = (self.collection(nth(0)?)?, self.collection(nth(1)?)?);
                let it = self.fresh_name(&Var("x".into()));
                format!("{a}.all({it}, {it} in {b})")
            }
            // govc's own syntax, as the bundle's `is_quantity` reads it.
            Builtin::IsQuantity => format!(
                "{}.matches({})",
                arg(self, 0)?,
                string_literal(crate::kube_quantity::PATTERN)
            ),
            Builtin::Fields => {
                return Err(untranslatable(
                    "`fields` outside `in`, `some`, `all`, `any` and `count`",
                    "the bundle's list is sorted; CEL gives a map's keys in no fixed order and has no sort, so only where the order does not matter it translates",
                ))
            }
            Builtin::FindAll
            | Builtin::Captures
            | Builtin::IsUrl
            | Builtin::UrlScheme
            | Builtin::UrlHost
            | Builtin::UrlPort
            | Builtin::UrlPath
            | Builtin::UrlQuery => {
                return Err(untranslatable(
                    format!("`{}`", builtin.name()),
                    "this built-in is not translated to CEL yet",
                ))
            }
            Builtin::Union | Builtin::Intersection | Builtin::Difference => {
                return Err(untranslatable(
                    format!("`{}` outside `in`, `some`, `all` and `any`", builtin.name()),
                    "the bundle's set is a sorted list without duplicates, which CEL cannot build; as the collection of `in` or of a quantifier it translates",
                ))
            }
            Builtin::Quantity => {
                return Err(untranslatable(
                    "a quantity's value outside a comparison",
                    "the language reads a quantity as a float rounded to 10 digits; Kubernetes' quantities are exact decimals, which CEL compares (`quantity(a) < quantity(b)`) but does not write as the bundle does",
                ))
            }
            // The clock and calendar in a zone (a constant IANA name, checked at compile time),
            // as OPA's `time.clock`, `time.weekday` and `time.date` (Go's time package both).
            Builtin::Hour | Builtin::Minute | Builtin::Weekday | Builtin::Date => {
                let t = format!("timestamp({})", self.expr(nth(0)?)?);
                let zone = self.expr(nth(1)?)?;
                match builtin {
                    Builtin::Hour => format!("{t}.getHours({zone})"),
                    Builtin::Minute => format!("{t}.getMinutes({zone})"),
                    // CEL counts from Sunday (0), the language from Monday (1).
                    Builtin::Weekday => format!("({t}.getDayOfWeek({zone}) + 6) % 7 + 1"),
                    _ => {
                        let two = |n: String| format!("({n} < 10 ? \"0\" : \"\") + string({n})");
                        format!(
                            "(string({t}.getFullYear({zone})) + \"-\" + {} + \"-\" + {})",
                            two(format!("({t}.getMonth({zone}) + 1)")),
                            two(format!("{t}.getDate({zone})"))
                        )
                    }
                }
            }
            Builtin::FormatTime
            | Builtin::InDays
            | Builtin::InHours => {
                return Err(untranslatable(
                    format!("`{}`", builtin.name()),
                    "time zones and durations are not translated to CEL yet",
                ))
            }
        })
    }

    fn binary(&mut self, op: BinOp, operands: Operands, lhs: &Expr, rhs: &Expr) -> Result<String, Untranslatable> {
        let symbol = match op {
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
        };
        if let Some(compared) = self.quantity_comparison(symbol, lhs, rhs) {
            return compared;
        }
        let (mut l, mut r) = (self.operand(lhs)?, self.operand(rhs)?);
        match operands {
            Operands::Number => {
                // An int beside a float is compared as a double: CEL has no `int < double`.
                let (lf, rf) = (
                    self.schema(lhs).as_ref().is_some_and(is_float),
                    self.schema(rhs).as_ref().is_some_and(is_float),
                );
                if lf && !rf {
                    r = format!("double({r})");
                } else if rf && !lf {
                    l = format!("double({l})");
                }
            }
            Operands::Timestamp => {
                l = format!("timestamp({l})");
                r = format!("timestamp({r})");
            }
            _ => {}
        }
        Ok(format!("{l} {symbol} {r}"))
    }
}

impl Translator<'_> {
    /// A comparison of Kubernetes quantities (`quantity(a) < quantity(b)`, or with a number
    /// literal) with Kubernetes' quantity library: `quantity(a).compareTo(quantity(b)) < 0`, or
    /// `None` when neither side is a quantity. Any other use of a quantity's value is refused.
    fn quantity_comparison(&mut self, symbol: &str, lhs: &Expr, rhs: &Expr) -> Option<Result<String, Untranslatable>> {
        if quantity_text(lhs).is_none() && quantity_text(rhs).is_none() {
            return None;
        }
        let mut side = |e: &Expr| -> Result<String, Untranslatable> {
            match (quantity_text(e), e) {
                (Some(text), _) => Ok(format!("quantity({})", self.expr(text)?)),
                (None, Expr::Int(i)) => Ok(format!("quantity({})", string_literal(&i.to_string()))),
                _ => Err(untranslatable(
                    "a quantity compared with a number other than an int literal",
                    "Kubernetes' quantity library compares quantities with each other: compare with `quantity(\"...\")`",
                )),
            }
        };
        let (l, r) = match (side(lhs), side(rhs)) {
            (Ok(l), Ok(r)) => (l, r),
            (Err(e), _) | (_, Err(e)) => return Some(Err(e)),
        };
        if !matches!(symbol, "==" | "!=" | "<" | "<=" | ">" | ">=") {
            return Some(Err(untranslatable(
                "quantity arithmetic",
                "the language computes on floats rounded to 10 digits; Kubernetes' quantities are exact decimals",
            )));
        }
        Some(Ok(format!("{l}.compareTo({r}) {symbol} 0")))
    }
}

/// The text argument of `quantity(text)` (which may be wrapped as an operation that can fail).
fn quantity_text(e: &Expr) -> Option<&Expr> {
    match e {
        Expr::Builtin {
            builtin: Builtin::Quantity,
            args,
            ..
        } => args.first(),
        Expr::Partial(p) => quantity_text(&p.expr),
        _ => None,
    }
}

/// The regular expression of a wildcard pattern, as the bundle's runtime `glob_match` builds it
/// (`backend::rego::runtime`): all of the text, `*` any run of characters, `?` one character,
/// `\` before a character makes it literal (a `\` at the end is itself), everything else is
/// itself.
fn glob_regex(pattern: &str) -> String {
    fn quote(out: &mut String, c: char) {
        if r"\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    let mut out = String::from("(?s)^");
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '\\' => match chars.next() {
                Some(escaped) => quote(&mut out, escaped),
                None => out.push_str(r"\\"),
            },
            c => quote(&mut out, c),
        }
    }
    out.push('$');
    out
}

/// Why float arithmetic does not translate.
pub(super) fn float_arithmetic() -> Untranslatable {
    untranslatable(
        "float arithmetic",
        "the language rounds float results to 10 significant digits (OPA computes on decimals); CEL's doubles do not",
    )
}

fn float() -> Schema {
    Schema::Number {
        integer: false,
        min: None,
        max: None,
    }
}

fn is_float(s: &Schema) -> bool {
    matches!(s, Schema::Number { integer: false, .. })
}

/// Whether CEL text needs no parentheses as an operand: a name, a path, a call, a literal.
fn atomic(text: &str) -> bool {
    let mut depth = 0i32;
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ' ' | '!' | '-' | '?' if depth == 0 => return false,
            _ => {}
        }
    }
    true
}

/// Whether CEL text mentions the identifier `name`.
fn mentions(text: &str, name: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(|w| w == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_cel_reserves_or_govc_uses_are_renamed() {
        assert_eq!(user_name("owner"), "owner");
        assert_eq!(user_name("namespace"), "namespace_");
        assert_eq!(user_name("_wellformed"), "_wellformed_");
        assert_eq!(user_name("object"), "object_");
        assert_eq!(
            select("object.metadata", "namespace"),
            r#"object.metadata["namespace"]"#
        );
        assert_eq!(
            select("object.metadata.labels", "model-id"),
            r#"object.metadata.labels["model-id"]"#
        );
        assert_eq!(has_field("x", "model-id"), r#""model-id" in x"#);
    }

    #[test]
    fn literals() {
        assert_eq!(double_literal(20.0), "20.0");
        assert_eq!(double_literal(0.05), "0.05");
        assert_eq!(string_literal("a \"b\" \\ \n é"), r#""a \"b\" \\ \n é""#);
        assert_eq!(
            json_literal(&serde_json::json!({"a": [1, 2.5, null, true]})),
            r#"{"a": [1, 2.5, null, true]}"#
        );
    }

    #[test]
    fn wildcards_are_the_bundles_regular_expressions() {
        assert_eq!(glob_regex("*.example.com"), r"(?s)^.*\.example\.com$");
        assert_eq!(glob_regex("a?c"), "(?s)^a.c$");
        assert_eq!(glob_regex(r"x\*y[1]"), r"(?s)^x\*y\[1\]$");
        assert_eq!(glob_regex("end\\"), r"(?s)^end\\$");
    }

    #[test]
    fn operands_are_parenthesized_unless_atomic() {
        assert!(atomic("object.spec.items"));
        assert!(atomic(r#"size(x) "#.trim()));
        assert!(atomic(r#""a b - c""#));
        assert!(!atomic("a + b"));
        assert!(!atomic("-1"));
        assert!(!atomic("!x"));
        assert!(mentions("(item.sku)", "item"));
        assert!(!mentions("items.size()", "item"));
    }
}
