//! Fail-closed document checks: Rego rules adding a message to `_malformed` for every way a
//! document departs from its schema. Every check binds values with `object.get(..., null)` and
//! guards with `is_*` tests, so no undefined reference ever reaches a negation: OPA and regorus
//! then agree on every document (they differ on `not f(undefined)`).

use super::fast_path::{prune, Term, Test};
use super::syntax::string_literal;
use crate::ir::{Schema, SchemaField};

use crate::ir::RFC3339_PATTERN as RFC3339;

/// One step of the path to a value, for messages.
#[derive(Clone)]
enum Seg {
    Field(String),
    /// A list position or map key held in a Rego variable.
    Var {
        name: String,
        is_key: bool,
    },
}

/// Generates the checks of one document or parameter.
pub struct SchemaChecks<'t> {
    /// What each message starts with: `malformed Dataset: ` or `invalid parameter max_gap: `;
    /// in a type's function, the variable holding it.
    prefix: Prefix,
    /// The name of the set rule the messages go to.
    rule: String,
    /// Each check: the statements of its body and the message term.
    entries: Vec<(Vec<String>, String)>,
    counter: usize,
    /// Statements in front of every rule (binding the value checked).
    bindings: Vec<String>,
    /// Where a named record type's checks go, as a function called here (see [`TypeChecks`]);
    /// without it they are written out in place.
    types: Option<&'t mut TypeChecks>,
}

/// What a message starts with.
enum Prefix {
    Text(String),
    Var(String),
}

impl<'t> SchemaChecks<'t> {
    pub fn new(prefix: &str, rule: &str) -> Self {
        SchemaChecks {
            prefix: Prefix::Text(prefix.to_string()),
            rule: rule.to_string(),
            entries: Vec::new(),
            counter: 0,
            bindings: Vec::new(),
            types: None,
        }
    }

    /// Checks whose messages start with the value of the variable `var` (bound by `bindings`):
    /// a prefix known only when the rule runs, e.g. naming the inventory object checked.
    pub fn with_prefix_var(mut self, var: &str) -> Self {
        self.prefix = Prefix::Var(var.to_string());
        self
    }

    /// Calls a named record type's function of `types` rather than writing its checks here.
    pub fn with_types(mut self, types: &'t mut TypeChecks) -> Self {
        self.types = Some(types);
        self
    }

    /// Puts `bindings` in front of every rule, e.g. to bind a parameter's value.
    pub fn with_bindings(mut self, bindings: Vec<String>) -> Self {
        self.bindings = bindings;
        self
    }

    /// Adds the checks of `value` (a term that is always defined, possibly `null`) against `schema`.
    pub fn document(&mut self, schema: &Schema, value: &str) {
        match schema {
            Schema::Object { .. } => {
                // The root object: its own problem has no path.
                let found = format!("type_name({value})");
                self.push(
                    &[format!("not is_object({value})")],
                    &[],
                    "expected an object, found %v",
                    &[found],
                );
                self.object(schema, value, &[], &[format!("is_object({value})")]);
            }
            other => self.check(other, value, &[], &[]),
        }
    }

    /// Adds the checks of a named value (a parameter): paths start with its name.
    pub fn named(&mut self, schema: &Schema, value: &str, name: &str) {
        self.check(schema, value, &[Seg::Field(name.to_string())], &[]);
    }

    /// The rules, each a `<rule> contains msg if { ... }`.
    pub fn into_rules(self) -> Vec<String> {
        let rule = self.rule;
        self.entries
            .into_iter()
            .map(|(mut body, msg)| {
                body.push(format!("msg := {msg}"));
                format!("{rule} contains msg if {{\n{}}}\n", super::expr::indent_lines(&body))
            })
            .collect()
    }

    /// The checks as one set: a union of comprehensions, one per check.
    fn into_set(self) -> String {
        if self.entries.is_empty() {
            return "set()".to_string();
        }
        let sets: Vec<String> = self
            .entries
            .into_iter()
            .map(|(mut body, msg)| {
                body.push(format!("_msg := {msg}"));
                format!("{{_msg |\n{}}}", super::expr::indent_lines(&body))
            })
            .collect();
        sets.join(" | ")
    }

    /// A fresh variable; generated names start with `_`, which user names never do in Rego.
    fn fresh(&mut self, base: &str) -> String {
        self.counter += 1;
        format!("_{base}{}", self.counter)
    }

    /// The format and arguments of the message text before `path` is followed by `end`.
    fn message(&self, path: &[Seg], end: &str) -> (String, Vec<String>) {
        let (path_fmt, path_args) = render_path(path);
        let (mut fmt, mut args) = match &self.prefix {
            Prefix::Text(text) => (text.replace('%', "%%"), Vec::new()),
            Prefix::Var(var) => ("%s".to_string(), vec![var.clone()]),
        };
        if !path_fmt.is_empty() {
            fmt.push_str(&path_fmt);
            fmt.push_str(end);
        }
        args.extend(path_args);
        (fmt, args)
    }

    /// Adds a check: when `guards` hold, the message `path: problem` (with `%v` args) is added.
    fn push(&mut self, guards: &[String], path: &[Seg], problem: &str, problem_args: &[String]) {
        let (mut fmt, mut args) = self.message(path, ": ");
        fmt.push_str(problem);
        args.extend(problem_args.iter().cloned());
        let body: Vec<String> = self.bindings.iter().chain(guards).cloned().collect();
        self.entries.push((body, format_term(&fmt, &args)));
    }

    /// The checks of the object `value` (known to be one), at `path`: its type's function where
    /// there is a [`TypeChecks`] and the type is named, else each field's here.
    fn object(&mut self, schema: &Schema, value: &str, path: &[Seg], guards: &[String]) {
        let Some(types) = self.types.as_deref_mut() else {
            return self.object_fields(schema, value, path, guards);
        };
        let function = types.problems(schema);
        let (fmt, args) = self.message(path, ".");
        let at = format_term(&fmt, &args);
        let m = self.fresh("m");
        let mut body: Vec<String> = self.bindings.iter().chain(guards).cloned().collect();
        body.push(format!("some {m} in {function}({value}, {at})"));
        self.entries.push((body, m));
    }

    fn object_fields(&mut self, schema: &Schema, value: &str, path: &[Seg], guards: &[String]) {
        let Schema::Object { fields, .. } = schema else { return };
        for SchemaField {
            name, required, schema, ..
        } in fields
        {
            let var = self.fresh("v");
            let mut g = guards.to_vec();
            g.push(format!("{var} := object.get({value}, {}, null)", string_literal(name)));
            let mut p = path.to_vec();
            p.push(Seg::Field(name.clone()));
            if *required {
                let mut missing = g.clone();
                missing.push(format!("{var} == null"));
                self.push(&missing, &p, "required field is missing", &[]);
            }
            g.push(format!("{var} != null"));
            self.check(schema, &var, &p, &g);
        }
    }

    /// Checks a value that is present (not null unless it is a list item or map value).
    fn check(&mut self, schema: &Schema, value: &str, path: &[Seg], guards: &[String]) {
        let found = format!("type_name({value})");
        let with = |extra: &[String]| -> Vec<String> {
            let mut g = guards.to_vec();
            g.extend(extra.iter().cloned());
            g
        };
        match schema {
            Schema::Any => {}
            Schema::String { pattern } => {
                self.push(
                    &with(&[format!("not is_string({value})")]),
                    path,
                    "expected string, found %v",
                    &[found],
                );
                if let Some(p) = pattern {
                    let lit = string_literal(p);
                    self.push(
                        &with(&[
                            format!("is_string({value})"),
                            format!("not regex.match({lit}, {value})"),
                        ]),
                        path,
                        &format!("must match pattern {}", p.replace('%', "%%")),
                        &[],
                    );
                }
            }
            Schema::Number { integer, min, max } => {
                let want = if *integer { "int" } else { "float" };
                self.push(
                    &with(&[format!("not is_number({value})")]),
                    path,
                    &format!("expected {want}, found %v"),
                    &[found],
                );
                if *integer {
                    self.push(
                        &with(&[format!("is_number({value})"), format!("floor({value}) != {value}")]),
                        path,
                        "expected int, found number",
                        &[],
                    );
                }
                if let Some(m) = min {
                    self.push(
                        &with(&[
                            format!("is_number({value})"),
                            format!("{value} < {}", super::syntax::number_literal(*m)),
                        ]),
                        path,
                        &format!("must be at least {}", display_number(*m)),
                        &[],
                    );
                }
                if let Some(m) = max {
                    self.push(
                        &with(&[
                            format!("is_number({value})"),
                            format!("{value} > {}", super::syntax::number_literal(*m)),
                        ]),
                        path,
                        &format!("must be at most {}", display_number(*m)),
                        &[],
                    );
                }
            }
            Schema::IntOrString => {
                self.push(
                    &with(&[format!("not is_string({value})"), format!("not is_number({value})")]),
                    path,
                    "expected int_or_string, found %v",
                    &[found],
                );
                self.push(
                    &with(&[format!("is_number({value})"), format!("floor({value}) != {value}")]),
                    path,
                    "expected int_or_string, found number",
                    &[],
                );
            }
            Schema::Bool => {
                self.push(
                    &with(&[format!("not is_boolean({value})")]),
                    path,
                    "expected bool, found %v",
                    &[found],
                );
            }
            Schema::Timestamp => {
                self.push(
                    &with(&[format!("not is_string({value})")]),
                    path,
                    "expected timestamp, found %v",
                    &[found],
                );
                self.push(
                    &with(&[
                        format!("is_string({value})"),
                        format!("not regex.match({}, {value})", string_literal(RFC3339)),
                    ]),
                    path,
                    "expected timestamp, found string",
                    &[],
                );
            }
            Schema::Enum { values, .. } => {
                let set: Vec<String> = values.iter().map(|v| string_literal(v)).collect();
                let set = format!("{{{}}}", set.join(", "));
                let listed = values.join(", ").replace('%', "%%");
                self.push(
                    &with(&[format!("is_string({value})"), format!("not {value} in {set}")]),
                    path,
                    &format!("expected one of {listed}, found %v"),
                    &[value.to_string()],
                );
                self.push(
                    &with(&[format!("not is_string({value})")]),
                    path,
                    &format!("expected one of {listed}, found %v"),
                    &[found],
                );
            }
            Schema::Const(expected) => {
                self.push(
                    &with(&[format!("{value} != {}", string_literal(expected))]),
                    path,
                    &format!("must be {}", expected.replace('%', "%%")),
                    &[],
                );
            }
            Schema::List { items, min_items } => {
                self.push(
                    &with(&[format!("not is_array({value})")]),
                    path,
                    "expected list, found %v",
                    &[found],
                );
                if let Some(n) = min_items {
                    self.push(
                        &with(&[format!("is_array({value})"), format!("count({value}) < {n}")]),
                        path,
                        &format!("must have at least {n} items"),
                        &[],
                    );
                }
                let (i, item) = (self.fresh("i"), self.fresh("item"));
                let g = with(&[format!("is_array({value})"), format!("some {i}, {item} in {value}")]);
                let mut p = path.to_vec();
                p.push(Seg::Var { name: i, is_key: false });
                self.nested(items, &item, &p, &g);
            }
            Schema::Map { values } => {
                self.push(
                    &with(&[format!("not is_object({value})")]),
                    path,
                    "expected map, found %v",
                    &[found],
                );
                let (k, item) = (self.fresh("k"), self.fresh("entry"));
                let g = with(&[format!("is_object({value})"), format!("some {k}, {item} in {value}")]);
                let mut p = path.to_vec();
                p.push(Seg::Var { name: k, is_key: true });
                self.nested(values, &item, &p, &g);
            }
            Schema::Object { .. } => {
                self.push(
                    &with(&[format!("not is_object({value})")]),
                    path,
                    "expected object, found %v",
                    &[found],
                );
                self.object(schema, value, path, &with(&[format!("is_object({value})")]));
            }
        }
    }

    /// A list item or map value: may itself be null, which is a type error, not a missing field.
    fn nested(&mut self, schema: &Schema, value: &str, path: &[Seg], guards: &[String]) {
        self.check(schema, value, path, guards);
    }
}

/// A message term: the text itself, or its `sprintf` where it has arguments.
fn format_term(fmt: &str, args: &[String]) -> String {
    if args.is_empty() {
        string_literal(&fmt.replace("%%", "%"))
    } else {
        format!("sprintf({}, [{}])", string_literal(fmt), args.join(", "))
    }
}

/// The checks of named record types, each emitted once as a function of a module of their own
/// (`govc.types`; `lib.govc.types` in a Gatekeeper template) and called by every check that
/// needs it: `problems_<Type>(x, at)` is the set of messages on the object `x`, each starting
/// with `at` (the policy's `malformed <Subject>: ` and the path to `x`), as they would be
/// written in place.
pub struct TypeChecks {
    package: crate::ir::PackagePath,
    /// By schema: the function's name and its rule.
    types: Vec<(Schema, String, String)>,
}

impl TypeChecks {
    pub fn new(package: crate::ir::PackagePath) -> Self {
        TypeChecks {
            package,
            types: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// The reference of the function that checks `schema`, emitting it on first use (the
    /// functions it calls after it).
    fn problems(&mut self, schema: &Schema) -> String {
        if let Some((_, name, _)) = self.types.iter().find(|(s, _, _)| s == schema) {
            return self.reference(name);
        }
        let Schema::Object { name: type_name, .. } = schema else {
            unreachable!("only records have a type's function")
        };
        let base = format!(
            "problems_{}",
            type_name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect::<String>()
        );
        let mut name = base.clone();
        let mut n = 1;
        while self.types.iter().any(|(_, taken, _)| *taken == name) {
            n += 1;
            name = format!("{base}_{n}");
        }
        let index = self.types.len();
        self.types.push((schema.clone(), name.clone(), String::new()));
        let mut checks = SchemaChecks {
            prefix: Prefix::Var("_at".to_string()),
            rule: String::new(),
            entries: Vec::new(),
            counter: 0,
            bindings: Vec::new(),
            types: Some(self),
        };
        checks.object_fields(schema, "_x", &[], &[]);
        let set = checks.into_set();
        self.types[index].2 = format!(
            "# The problems of an object `_x` of type `{type_name}`, each message starting with `_at`.\n\
             {name}(_x, _at) := {set}\n"
        );
        self.reference(&name)
    }

    fn reference(&self, name: &str) -> String {
        format!("{}.{name}", super::package_ref(&self.package))
    }

    /// The module of the functions, in the package given to [`TypeChecks::new`].
    pub fn module(&self, target: &super::Target) -> String {
        let mut out = String::from(
            "# The checks of the record types the policies read, one function per type, called by\n\
             # each policy's fail-closed checks. Generated by govc.\n",
        );
        out.push_str(&target.module_head(&self.package));
        for (_, _, rule) in &self.types {
            out.push('\n');
            out.push_str(rule);
        }
        out
    }
}

fn display_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The path as a format string (`spec.bias_tests[%v].value`) and its arguments.
fn render_path(path: &[Seg]) -> (String, Vec<String>) {
    let mut fmt = String::new();
    let mut args = Vec::new();
    for seg in path {
        match seg {
            Seg::Field(name) => {
                if !fmt.is_empty() {
                    fmt.push('.');
                }
                fmt.push_str(&name.replace('%', "%%"));
            }
            Seg::Var { name, is_key: false } => {
                fmt.push_str("[%v]");
                args.push(name.clone());
            }
            Seg::Var { name, is_key: true } => {
                fmt.push_str(".%v");
                args.push(name.clone());
            }
        }
    }
    (fmt, args)
}

/// The fast path of the fail-closed checks: one rule, `_well_formed`, whose body holds only when
/// the rules of [`SchemaChecks`] add no message. A conforming document (the common case) then
/// costs one pass over what the policy reads, and the rules that name each problem run only on a
/// document that fails it. Its first arm reads an optional field with a default that passes its
/// checks (no helper call, no `null` test per value), so it refuses a field present as `null`,
/// which Kubernetes never sends but a test or a hand-written document may: an `else` arm then
/// checks the same with `null` as absent (a type test admitting `null`, a helper per optional
/// record), so such a document still takes the fast path and not the problem rules. Optional
/// values that need more than a type test, and a named record type's checks, go to helper
/// functions (`_wf_<Type>(x)`), emitted once per module.
#[derive(Default)]
pub struct WellFormed {
    /// The first arm's statements.
    statements: Vec<Test>,
    /// The `else` arm's statements: optional fields read with `null` as absent.
    null_as_absent: Vec<Test>,
    /// Whether statements are being built for the `else` arm.
    in_null_arm: bool,
    /// Whether the first arm read a field with a default, so that the arms differ.
    defaulted: bool,
    /// Helpers by the schema they check, whether `null` (absent) passes, and whether they are
    /// the `else` arm's: name, rules.
    helpers: Vec<(Schema, bool, bool, String, String)>,
    /// The view terms the statements read (see [`Self::value`]).
    views_read: Vec<String>,
    counter: usize,
}

impl WellFormed {
    pub fn new() -> Self {
        WellFormed::default()
    }

    /// A statement of the fast path, e.g. that the parameters are available.
    pub fn require(&mut self, statement: String) {
        self.null_as_absent.push(Test::opaque(statement.clone()));
        self.statements.push(Test::opaque(statement));
    }

    /// `value` (a term that is always defined, possibly `null`) conforms to `schema`, as
    /// [`SchemaChecks::document`] and [`SchemaChecks::named`] check it. `views` gives terms for
    /// field paths of an object `schema` that the document's view computes (a workload's `pod`
    /// and its `containers`): a term that is undefined fails the fast path, so the checks run and
    /// report it. INVARIANT: a view of a required object is checked with its nested views only.
    pub fn value(&mut self, schema: &Schema, value: &str, views: &[(&[&str], &str)]) {
        let value = Term::external(value);
        let first = self.arm(schema, &value, views);
        self.statements.extend(first);
        self.in_null_arm = true;
        let second = self.arm(schema, &value, views);
        self.null_as_absent.extend(second);
        self.in_null_arm = false;
    }

    /// Whether both arms read the view term `term` (see [`Self::value`]): hold only where it is
    /// defined.
    pub fn reads_view(&self, term: &str) -> bool {
        self.views_read.iter().any(|v| v == term)
    }

    /// The statements of the current arm that check `value` (see [`Self::value`]).
    fn arm(&mut self, schema: &Schema, value: &Term, views: &[(&[&str], &str)]) -> Vec<Test> {
        match schema {
            Schema::Object { fields, .. } if !views.is_empty() => self.viewed_object(fields, value, views, &[]),
            _ if value.is_computed() => {
                // A computed value (a parameter's) is bound once, not computed per test.
                let (out, var) = self.bind(value);
                out.into_iter().chain(self.conforms(schema, &var)).collect()
            }
            _ => self.conforms(schema, value),
        }
    }

    /// `value` bound to a fresh variable: the binding, and the variable.
    fn bind(&mut self, value: &Term) -> (Vec<Test>, Term) {
        let (binding, var) = value.bind(&self.fresh("v"));
        (vec![binding], var)
    }

    /// The `_well_formed` rule (with its `else` arm where the arms differ) and its helpers.
    pub fn into_rules(self) -> String {
        let first = super::expr::indent_lines(&prune(self.statements));
        let mut out = if self.defaulted {
            format!(
                "_well_formed := true if {{\n{first}}} else := true if {{\n{}}}\n",
                super::expr::indent_lines(&prune(self.null_as_absent))
            )
        } else {
            format!("_well_formed if {{\n{first}}}\n")
        };
        for (_, _, _, _, rules) in self.helpers {
            out.push('\n');
            out.push_str(&rules);
        }
        out
    }

    fn fresh(&mut self, base: &str) -> String {
        self.counter += 1;
        format!("_{base}{}", self.counter)
    }

    /// The checks of an object some of whose fields (at `path` below the root) are read from
    /// the terms `views` gives.
    fn viewed_object(
        &mut self,
        fields: &[SchemaField],
        value: &Term,
        views: &[(&[&str], &str)],
        path: &[&str],
    ) -> Vec<Test> {
        let mut out = vec![value.is_object()];
        for f in required_first(fields) {
            let mut at = path.to_vec();
            at.push(&f.name);
            let Some((_, term)) = views.iter().find(|(p, _)| *p == at.as_slice()) else {
                out.extend(self.field(f, value));
                continue;
            };
            if !self.views_read.iter().any(|v| v == term) {
                self.views_read.push(term.to_string());
            }
            let (binding, var) = self.bind(&Term::external(term));
            out.extend(binding);
            let nested = views.iter().any(|(p, _)| p.len() > at.len() && p.starts_with(&at));
            match &f.schema {
                // `is_object` rejects `null` (absent).
                Schema::Object { fields, .. } if nested && f.required => {
                    out.extend(self.viewed_object(fields, &var, views, &at));
                }
                other if f.required => out.extend(self.present(other, &var)),
                other => out.extend(self.optional(other, &var)),
            }
        }
        out
    }

    /// The checks of a record: its required fields first, whose plain references imply that it
    /// is an object before anything passes it to a built-in (see [`prune`]).
    fn object_body(&mut self, fields: &[SchemaField], value: &Term) -> Vec<Test> {
        // A reference read as a whole more than once (its `is_object` test where nothing implies
        // it, `object.get` of each optional field) is bound to a variable: each use of a
        // reference evaluates it again, of a variable does not.
        let arm = if self.in_null_arm {
            &self.null_as_absent
        } else {
            &self.statements
        };
        let tested = !fields.iter().any(|f| f.required) && !arm.iter().any(|t| t.dereferences(&value.text));
        let gets = fields.iter().filter(|f| !f.required && f.schema != Schema::Any).count();
        if !value.is_var() && usize::from(tested) + gets >= 2 {
            let (binding, var) = self.bind(value);
            return binding.into_iter().chain(self.object_body(fields, &var)).collect();
        }
        let mut body = vec![value.is_object()];
        for f in required_first(fields) {
            body.extend(self.field(f, value));
        }
        body
    }

    /// A field of the object `value`: present and conforming when required, absent (or `null`)
    /// or conforming otherwise.
    fn field(&mut self, f: &SchemaField, value: &Term) -> Vec<Test> {
        if f.required {
            // The field's reference: undefined where the field is absent, which fails the body.
            self.present(&f.schema, &value.field(&f.name))
        } else {
            if !self.in_null_arm {
                if let Some(stmts) = self.absent_as_default(&f.schema, value, &f.name) {
                    self.defaulted |= f.schema != Schema::Any;
                    return stmts;
                }
            }
            self.optional(&f.schema, &value.get(&f.name, "null"))
        }
    }

    /// An optional field's checks inline, read with a default that passes them where it is
    /// absent (`""` for a string, `{}` for a record without required fields, ...): no helper
    /// call and no `null` test per value. A field that is present and `null` fails them, which
    /// the fast path may do (see the type's doc): the rules naming each problem then find none.
    /// `None` where no such default exists (a pattern, bounds, a required field).
    fn absent_as_default(&mut self, schema: &Schema, object: &Term, name: &str) -> Option<Vec<Test>> {
        if *schema == Schema::Any {
            return Some(Vec::new());
        }
        let default = super::syntax::json_term(&default_passing(schema)?);
        let got = object.get(name, &default);
        Some(match schema {
            // A simple test reads the value once.
            Schema::String { .. } | Schema::Bool | Schema::Number { integer: false, .. } => self.conforms(schema, &got),
            _ => {
                let (out, var) = self.bind(&got);
                out.into_iter().chain(self.conforms(schema, &var)).collect()
            }
        })
    }

    /// A required value: defined, not `null`, and conforming. Every test of [`Self::conforms`]
    /// rejects `null`; a value of any type is only compared with it.
    fn present(&mut self, schema: &Schema, value: &Term) -> Vec<Test> {
        match schema {
            Schema::Any => vec![value.test(format!("{} != null", value.text))],
            other => self.conforms(other, value),
        }
    }

    /// `null` or a conforming value: one type test where that is all the schema asks, else a helper.
    fn optional(&mut self, schema: &Schema, value: &Term) -> Vec<Test> {
        let simple = match schema {
            Schema::Any => return Vec::new(),
            Schema::Object { fields, .. } if fields.is_empty() => Some("object"),
            Schema::String { pattern: None } => Some("string"),
            Schema::Bool => Some("boolean"),
            Schema::Number {
                integer: false,
                min: None,
                max: None,
            } => Some("number"),
            _ => None,
        };
        let v = &value.text;
        let text = match (simple, schema) {
            (Some(t), _) => format!("type_name({v}) in {{\"{t}\", \"null\"}}"),
            // `null` joins the values: one membership test.
            (None, Schema::Enum { values, .. }) => {
                let set: Vec<String> = values.iter().map(|v| string_literal(v)).collect();
                format!("{v} in {{{}, null}}", set.join(", "))
            }
            (None, Schema::Const(expected)) => format!("{v} in {{{}, null}}", string_literal(expected)),
            (None, _) => format!("{}({v})", self.helper(schema, true)),
        };
        vec![value.test(text)]
    }

    /// The statements that hold when the (defined, non-`null` unless a list item) `value`
    /// conforms to `schema`.
    fn conforms(&mut self, schema: &Schema, value: &Term) -> Vec<Test> {
        let v = &value.text;
        let texts = match schema {
            Schema::Any => Vec::new(),
            Schema::String { pattern } => {
                let mut out = vec![format!("is_string({v})")];
                if let Some(p) = pattern {
                    out.push(format!("regex.match({}, {v})", string_literal(p)));
                }
                out
            }
            Schema::Number { integer, min, max } => {
                let mut out = vec![format!("is_number({v})")];
                if *integer {
                    out.push(format!("floor({v}) == {v}"));
                }
                if let Some(m) = min {
                    out.push(format!("{v} >= {}", super::syntax::number_literal(*m)));
                }
                if let Some(m) = max {
                    out.push(format!("{v} <= {}", super::syntax::number_literal(*m)));
                }
                out
            }
            Schema::Bool => vec![format!("is_boolean({v})")],
            Schema::Timestamp => vec![
                format!("is_string({v})"),
                format!("regex.match({}, {v})", string_literal(RFC3339)),
            ],
            // A record's checks inline: one body, no call per value.
            Schema::Object { fields, .. } => return self.object_body(fields, value),
            Schema::IntOrString => vec![format!("{}({v})", self.helper(schema, false))],
            Schema::Enum { values, .. } => {
                let set: Vec<String> = values.iter().map(|v| string_literal(v)).collect();
                vec![format!("{v} in {{{}}}", set.join(", "))]
            }
            Schema::Const(expected) => vec![format!("{v} == {}", string_literal(expected))],
            Schema::List { items, min_items } => {
                let mut out = vec![format!("is_array({v})")];
                if let Some(n) = min_items {
                    out.push(format!("count({v}) >= {n}"));
                }
                out.extend(self.every("item", items, v));
                out
            }
            Schema::Map { values } => {
                let mut out = vec![format!("is_object({v})")];
                out.extend(self.every("entry", values, v));
                out
            }
        };
        texts.into_iter().map(|text| value.test(text)).collect()
    }

    /// `every` item (`base`: `item`, `entry`) of the collection `value` conforms to `schema`;
    /// nothing where any value does.
    fn every(&mut self, base: &str, schema: &Schema, value: &str) -> Option<String> {
        let item = self.fresh(base);
        let inner = self.conforms(schema, &Term::var(&item));
        (!inner.is_empty()).then(|| {
            format!(
                "every {item} in {value} {{\n{}}}",
                super::expr::indent_lines(&prune(inner))
            )
        })
    }

    /// The name of the helper function that checks `schema` (and passes `null` when
    /// `or_null`), emitting it on first use.
    fn helper(&mut self, schema: &Schema, or_null: bool) -> String {
        // The `else` arm's helper differs only where the schema has a field read with a default.
        let null_arm = self.in_null_arm && reads_defaults(schema);
        if let Some((_, _, _, name, _)) = self
            .helpers
            .iter()
            .find(|(s, n, a, _, _)| s == schema && *n == or_null && *a == null_arm)
        {
            return name.clone();
        }
        let base = match schema {
            Schema::Object { name, .. } => name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect(),
            Schema::Enum { name, .. } => name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect(),
            Schema::IntOrString => "int_or_string".to_string(),
            Schema::Timestamp => "timestamp".to_string(),
            Schema::String { .. } => "string".to_string(),
            Schema::Number { integer: true, .. } => "int".to_string(),
            Schema::Number { .. } => "number".to_string(),
            Schema::List { .. } => "list".to_string(),
            Schema::Map { .. } => "map".to_string(),
            _ => "value".to_string(),
        };
        let base = format!(
            "_wf_{base}{}{}",
            if or_null { "_or_null" } else { "" },
            if null_arm { "_lenient" } else { "" }
        );
        let mut name = base.clone();
        let mut n = 1;
        while self.helpers.iter().any(|(_, _, _, taken, _)| *taken == name) {
            n += 1;
            name = format!("{base}_{n}");
        }
        // Reserve the name before the body, whose own helpers are emitted after it.
        let index = self.helpers.len();
        self.helpers
            .push((schema.clone(), or_null, null_arm, name.clone(), String::new()));
        let x = self.fresh("x");
        let arg = Term::var(&x);
        let mut rules = String::new();
        let bodies: Vec<Vec<Test>> = match schema {
            _ if or_null => {
                // `:= true`: regorus refuses a function head without a body or a value.
                rules.push_str(&format!("{name}(null) := true\n\n"));
                match schema {
                    // The record's checks themselves, not a call of its own helper.
                    Schema::Object { fields, .. } => vec![self.object_body(fields, &arg)],
                    other => vec![self.conforms(other, &arg)],
                }
            }
            Schema::IntOrString => vec![
                vec![arg.test(format!("is_string({x})"))],
                vec![
                    arg.test(format!("is_number({x})")),
                    arg.test(format!("floor({x}) == {x}")),
                ],
            ],
            Schema::Object { fields, .. } => vec![self.object_body(fields, &arg)],
            other => vec![self.conforms(other, &arg)],
        };
        let bodies: Vec<String> = bodies
            .into_iter()
            .map(|b| format!("{name}({x}) if {{\n{}}}\n", super::expr::indent_lines(&prune(b))))
            .collect();
        rules.push_str(&bodies.join("\n"));
        self.helpers[index].4 = rules;
        name
    }
}

/// The fields of a record, the required ones first (each group in its order).
fn required_first(fields: &[SchemaField]) -> impl Iterator<Item = &SchemaField> {
    let required = fields.iter().filter(|f| f.required);
    required.chain(fields.iter().filter(|f| !f.required))
}

/// The value an absent optional field of `schema` is read as in the fast path's first arm: one
/// that passes its checks (`""` for a string, `{}` for a record without required fields, a
/// record's required fields each with such a value: `{"containers": []}`), so that an optional
/// record is checked inline, without a helper call. `None` where the checks are a single test
/// that admits `null` anyway (an enum) or no such value is known (a pattern, bounds).
fn default_passing(schema: &Schema) -> Option<serde_json::Value> {
    match schema {
        Schema::Enum { .. } | Schema::Const(_) => None,
        other => passing_value(other),
    }
}

/// A value that passes the fast path's checks of `schema` (see [`default_passing`]).
fn passing_value(schema: &Schema) -> Option<serde_json::Value> {
    use serde_json::Value;
    Some(match schema {
        Schema::String { pattern: None } => Value::String(String::new()),
        Schema::Bool => Value::Bool(false),
        Schema::Number {
            min: None, max: None, ..
        } => Value::from(0),
        Schema::List { min_items: None, .. } => Value::Array(Vec::new()),
        // A required value of any type is only compared with `null`.
        Schema::Map { .. } | Schema::Any => Value::Object(serde_json::Map::new()),
        Schema::Const(value) => Value::String(value.clone()),
        Schema::Enum { values, .. } => Value::String(values.first()?.clone()),
        Schema::Object { fields, .. } => {
            let mut object = serde_json::Map::new();
            for f in fields.iter().filter(|f| f.required) {
                object.insert(f.name.clone(), passing_value(&f.schema)?);
            }
            Value::Object(object)
        }
        _ => return None,
    })
}

/// Whether the fast path's checks of `schema` read an optional field with a default (see
/// [`default_passing`]), so that its two arms check it differently.
fn reads_defaults(schema: &Schema) -> bool {
    match schema {
        Schema::Object { fields, .. } => fields.iter().any(|f| {
            (!f.required && f.schema != Schema::Any && default_passing(&f.schema).is_some())
                || reads_defaults(&f.schema)
        }),
        Schema::List { items, .. } => reads_defaults(items),
        Schema::Map { values } => reads_defaults(values),
        _ => false,
    }
}
