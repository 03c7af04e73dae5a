//! Checking expressions: names, fields, operators, calls, literals, and `has` guards.

use super::env::{guards_of, path_key, Env};
use super::{given_twice, Checker};
use crate::checked::*;
use crate::diagnostic::suggest::closest;
use crate::diagnostic::{Code, Diagnostic};
use crate::resolve::{LookupError, Named};
use crate::span::Span;
use crate::syntax::ast::{BinOp, Expr, ExprKind, Ident, Path, RecordField, StrPart, StringLit, UnaryOp};

/// The type of `l op r` when it is arithmetic on times: `timestamp ± duration`, `duration +
/// timestamp`, `timestamp - timestamp`, `duration ± duration`, `duration * int`, `int * duration`.
fn time_arithmetic(op: BinOp, l: &Ty, r: &Ty) -> Option<Ty> {
    use Ty::{Duration, Int, Timestamp};
    match (op, l, r) {
        (BinOp::Add | BinOp::Sub, Timestamp, Duration) | (BinOp::Add, Duration, Timestamp) => Some(Timestamp),
        (BinOp::Sub, Timestamp, Timestamp) => Some(Duration),
        (BinOp::Add | BinOp::Sub, Duration, Duration) => Some(Duration),
        (BinOp::Mul, Duration, Int) | (BinOp::Mul, Int, Duration) => Some(Duration),
        _ => None,
    }
}

fn texpr(kind: TExprKind, ty: Ty, span: Span) -> TExpr {
    TExpr { kind, ty, span }
}

fn error_expr(span: Span) -> TExpr {
    texpr(TExprKind::Error, Ty::Unknown, span)
}

/// The expression a chain of field reads starts from, and each field read from the innermost out,
/// with the span of the read (from the start of the chain to the field).
fn field_links(e: &Expr) -> (&Expr, Vec<(&Ident, Span)>) {
    let mut links = Vec::new();
    let mut base = e;
    while let ExprKind::Field { target, field } = &base.kind {
        links.push((field, base.span));
        base = target;
    }
    links.reverse();
    (base, links)
}

impl Checker<'_> {
    /// Checks `e`, using `expected` to type literals (`{ ... }`, `[]`, numbers, timestamps).
    /// The caller compares the result's type with what it needs.
    pub(crate) fn expr(&mut self, env: &mut Env, e: &Expr, expected: Option<&Ty>) -> TExpr {
        let span = e.span;
        match &e.kind {
            ExprKind::Number(n) => {
                if n.is_int && expected != Some(&Ty::Float) {
                    // From the text, not the float: above 2^53 a float no longer holds every
                    // integer (`12345678901234567` would become `...568`).
                    let exact = n.text.parse::<i64>().unwrap_or(n.value as i64);
                    texpr(TExprKind::Int(exact), Ty::Int, span)
                } else {
                    texpr(TExprKind::Float(n.value), Ty::Float, span)
                }
            }
            // A duration is its number of nanoseconds.
            ExprKind::Duration(d) => texpr(TExprKind::Int(d.nanos), Ty::Duration, span),
            ExprKind::Bool(b) => texpr(TExprKind::Bool(*b), Ty::Bool, span),
            ExprKind::String(s) => {
                let t = self.string(env, s);
                let is_plain = s.as_plain();
                if expected == Some(&Ty::Timestamp) {
                    if let Some(text) = is_plain {
                        if !is_rfc3339(&text) {
                            self.error(
                                Diagnostic::error(
                                    Code::TypeMismatch,
                                    span,
                                    format!("`{text}` is not a valid timestamp"),
                                )
                                .with_label("expected a timestamp")
                                .with_help("write an RFC 3339 timestamp between the years 1678 and 2261, like \"2025-01-31T12:00:00Z\""),
                            );
                        }
                        return texpr(TExprKind::String(t), Ty::Timestamp, span);
                    }
                }
                texpr(TExprKind::String(t), Ty::String, span)
            }
            ExprKind::Name(name) => self.name(env, name),
            ExprKind::Field { .. } => self.field(env, e),
            ExprKind::Index { target, index } => self.index(env, target, index, span),
            ExprKind::Call { callee, args } => self.call(env, callee, args, span),
            ExprKind::Unary { op, operand } => self.unary(env, *op, operand, span),
            ExprKind::Binary { op, lhs, rhs } => self.binary(env, *op, lhs, rhs, span),
            ExprKind::Quantified {
                quantifier,
                key,
                var,
                collection,
                body,
            } => {
                let coll = self.expr(env, collection, None);
                let elem = self.element_type(&coll, collection.span);
                let mark = env.mark();
                self.distinct_bound_names(key.as_ref(), var);
                let key = key.as_ref().map(|k| {
                    let ty = Self::key_type(&coll);
                    env.bind(&k.name, ty, LocalKind::Bound, k.span)
                });
                let id = env.bind(&var.name, elem, LocalKind::Bound, var.span);
                let body = self.condition(env, body);
                env.restore(mark);
                texpr(
                    TExprKind::Quantified {
                        quantifier: *quantifier,
                        key,
                        var: id,
                        collection: Box::new(coll),
                        body: Box::new(body),
                    },
                    Ty::Bool,
                    span,
                )
            }
            ExprKind::Has(path) => self.has(env, path, span),
            ExprKind::Comprehension {
                element,
                key,
                var,
                collection,
                filter,
            } => self.comprehension(
                env,
                element,
                key.as_ref(),
                var,
                collection,
                filter.as_deref(),
                expected,
                span,
            ),
            ExprKind::If { cond, then, otherwise } => self.conditional(env, cond, then, otherwise, expected, span),
            ExprKind::Record { ty, fields } => self.record(env, ty.as_ref(), fields, expected, span),
            ExprKind::List(items) => self.list(env, items, expected, span),
        }
    }

    /// `[element for key, var in collection if filter]`: a list of the element's type. The names
    /// are bound for the filter and the element; the element is checked under the filter's guards.
    #[allow(clippy::too_many_arguments)]
    fn comprehension(
        &mut self,
        env: &mut Env,
        element: &Expr,
        key: Option<&Ident>,
        var: &Ident,
        collection: &Expr,
        filter: Option<&Expr>,
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let coll = self.expr(env, collection, None);
        let elem = self.element_type(&coll, collection.span);
        let mark = env.mark();
        self.distinct_bound_names(key, var);
        let key = key.map(|k| {
            let ty = Self::key_type(&coll);
            env.bind(&k.name, ty, LocalKind::Bound, k.span)
        });
        let id = env.bind(&var.name, elem, LocalKind::Bound, var.span);
        let filter = filter.map(|f| {
            let t = self.condition(env, f);
            env.add_guards(guards_of(&t));
            Box::new(t)
        });
        let item_hint = match expected {
            Some(Ty::List(t)) => Some((**t).clone()),
            _ => None,
        };
        let element = self.expr(env, element, item_hint.as_ref());
        env.restore(mark);
        let ty = match &element.ty {
            Ty::Unknown => Ty::Unknown,
            t => Ty::List(Box::new(t.clone())),
        };
        texpr(
            TExprKind::Comprehension {
                element: Box::new(element),
                key,
                var: id,
                collection: Box::new(coll),
                filter,
            },
            ty,
            span,
        )
    }

    /// `if cond then a else b`: `cond` a `bool`, the branches one type, which is the result's (an
    /// `int` branch beside a `float` one makes a `float`). The `then` branch is checked under the
    /// guards of the condition, as the right side of an `and` is.
    fn conditional(
        &mut self,
        env: &mut Env,
        cond: &Expr,
        then: &Expr,
        otherwise: &Expr,
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let c = self.condition(env, cond);
        let mark = env.mark();
        env.add_guards(guards_of(&c));
        let a = self.expr(env, then, expected);
        env.restore(mark);
        // The first branch types the literals of the second (`if c then Risk.high else ...`).
        let hint = match (&a.ty, expected) {
            (Ty::Unknown, e) => e.cloned(),
            (t, _) => Some(t.clone()),
        };
        let b = self.expr(env, otherwise, hint.as_ref());
        let ty = if Self::assignable(&b.ty, &a.ty) && b.ty != Ty::Unknown {
            a.ty.clone()
        } else if Self::assignable(&a.ty, &b.ty) {
            b.ty.clone()
        } else {
            let (at, bt) = (self.display(&a.ty), self.display(&b.ty));
            self.error(
                Diagnostic::error(
                    Code::TypeMismatch,
                    otherwise.span,
                    format!("the branches of `if` have different types: `{at}` and `{bt}`"),
                )
                .with_label(format!("this is `{bt}`, the `then` branch is `{at}`"))
                .with_help("both branches of `if ... then ... else ...` must have one type"),
            );
            Ty::Unknown
        };
        texpr(
            TExprKind::If {
                cond: Box::new(c),
                then: Box::new(a),
                otherwise: Box::new(b),
            },
            ty,
            span,
        )
    }

    /// Checks an expression that must be a boolean.
    pub(crate) fn condition(&mut self, env: &mut Env, e: &Expr) -> TExpr {
        let t = self.expr(env, e, Some(&Ty::Bool));
        if !Self::assignable(&t.ty, &Ty::Bool) {
            let ty = self.display(&t.ty);
            self.error(
                Diagnostic::error(
                    Code::NotBoolean,
                    e.span,
                    format!("a condition must be a `bool`, found `{ty}`"),
                )
                .with_label(format!("this is `{ty}`"))
                .with_help("compare it with something, e.g. `x == ...`, or test an optional field with `has`"),
            );
        }
        t
    }

    /// Checks `e` and reports a mismatch with `expected` (code `code`, e.g. a wrong argument).
    pub(crate) fn expect_type(&mut self, env: &mut Env, e: &Expr, expected: &Ty, code: Code, what: &str) -> TExpr {
        let t = self.expr(env, e, Some(expected));
        if !Self::assignable(&t.ty, expected) {
            let (want, got) = (self.display(expected), self.display(&t.ty));
            let code = if t.ty == Ty::Untyped { Code::UntypedRecord } else { code };
            let mut d = Diagnostic::error(code, e.span, format!("{what} must be `{want}`, found `{got}`"))
                .with_label(format!("expected `{want}`"));
            if t.ty == Ty::Untyped {
                d = d.with_help(format!("name the record's type: `{want} {{ ... }}`"));
            } else if matches!(expected, Ty::Enum(_)) && t.ty == Ty::String {
                d = d.with_help(format!("write an enum value, e.g. `{want}.<value>`"));
            }
            self.error(d);
        }
        t
    }

    pub(crate) fn string(&mut self, env: &mut Env, s: &StringLit) -> TString {
        let parts = s
            .parts
            .iter()
            .map(|p| match p {
                StrPart::Text(t) => TStrPart::Text(t.clone()),
                StrPart::Interp(e) => {
                    let t = self.expr(env, e, None);
                    if !t.ty.is_scalar() {
                        let ty = self.display(&t.ty);
                        self.error(
                            Diagnostic::error(
                                Code::NonScalarInterpolation,
                                e.span,
                                format!("cannot interpolate a value of type `{ty}` into a message"),
                            )
                            .with_label("not a string, number, boolean, timestamp or enum value")
                            .with_help(match t.ty {
                                Ty::List(_) | Ty::Map(_) => {
                                    "interpolate one element, or its size with `count(...)`".to_string()
                                }
                                _ => "interpolate one of its fields, e.g. its name".to_string(),
                            }),
                        );
                    }
                    TStrPart::Interp(t)
                }
            })
            .collect();
        TString { parts, span: s.span }
    }

    fn name(&mut self, env: &mut Env, name: &Ident) -> TExpr {
        if let Some(id) = env.lookup(&name.name) {
            return texpr(TExprKind::Local(id), env.local(id).ty.clone(), name.span);
        }
        match self.names.lookup(env.file, &name.name) {
            Some(Named::Poisoned) => {}
            Some(named) => {
                let what = self.describe_named(named);
                self.error(
                    Diagnostic::error(
                        Code::NotAValue,
                        name.span,
                        format!("`{}` is {what}, not a value", name.name),
                    )
                    .with_label("used as a value here")
                    .with_help(match named {
                        Named::Item(Item::Fn(_)) => format!("call it: `{}(...)`", name.name),
                        Named::Item(Item::Enum(_)) => format!("name one of its values: `{}.<value>`", name.name),
                        Named::Item(Item::Policy(_)) => "policies are only called in test expectations".to_string(),
                        _ => "only local names, parameters and enum values are values".to_string(),
                    }),
                );
            }
            None => {
                let mut d = Diagnostic::error(Code::UnknownName, name.span, format!("unknown name `{}`", name.name))
                    .with_label("not found in this scope");
                let candidates: Vec<String> = env.names().map(str::to_string).collect();
                if let Some(s) = closest(&name.name, candidates.iter().map(String::as_str)) {
                    d = d.with_did_you_mean(s);
                } else if Builtin::from_name(&name.name).is_some() {
                    d = d.with_help(format!("`{}` is a built-in function: call it", name.name));
                }
                self.error(d);
            }
        }
        error_expr(name.span)
    }

    fn describe_named(&self, named: Named) -> &'static str {
        match named {
            Named::Module(_) => "a module",
            Named::Poisoned => "an unresolved import",
            Named::Item(Item::Type(_)) => "a type",
            Named::Item(Item::Resource(_)) => "a resource type",
            Named::Item(Item::Enum(_)) => "an enum",
            Named::Item(Item::Fn(_)) => "a function",
            Named::Item(Item::Policy(_)) => "a policy",
        }
    }

    /// Resolves `a.b.c` whose root is not a local: an enum value `E.v` or `module.E.v`.
    fn static_field(&mut self, env: &mut Env, path: &[&Ident], span: Span) -> TExpr {
        let (named, rest) = match self.names.resolve_prefix(env.file, path) {
            Ok(found) => found,
            Err(LookupError::Error(d)) => {
                self.error(d);
                return error_expr(span);
            }
            Err(LookupError::Reported) => return error_expr(span),
        };
        match (named, rest) {
            (Named::Item(Item::Enum(id)), [variant, more @ ..]) => {
                let def = &self.program.enums[id.index()];
                if !def.variants.iter().any(|v| v == &variant.name) {
                    let mut d = Diagnostic::error(
                        Code::UnknownVariant,
                        variant.span,
                        format!("enum `{}` has no value `{}`", def.name, variant.name),
                    )
                    .with_label("not one of its values");
                    if let Some(s) = closest(&variant.name, def.variants.iter().map(String::as_str)) {
                        d = d.with_did_you_mean(s);
                    } else {
                        d = d.with_help(format!("its values are {}", list_names(&def.variants)));
                    }
                    self.error(d);
                    return error_expr(span);
                }
                let value = texpr(
                    TExprKind::Variant(id, variant.name.clone()),
                    Ty::Enum(id),
                    path[0].span.to(variant.span),
                );
                if let Some(extra) = more.first() {
                    self.error(
                        Diagnostic::error(
                            Code::UnknownField,
                            extra.span,
                            format!("an enum value has no field `{}`", extra.name),
                        )
                        .with_label("enum values are plain strings"),
                    );
                    return error_expr(span);
                }
                value
            }
            (named, _) => {
                let what = self.describe_named(named);
                let shown: Vec<&str> = path.iter().map(|i| i.name.as_str()).collect();
                self.error(
                    Diagnostic::error(
                        Code::NotAValue,
                        span,
                        format!("`{}` is {what}, not a value", shown.join(".")),
                    )
                    .with_label("used as a value here")
                    .with_help("fields are read from values such as the subject or a parameter"),
                );
                error_expr(span)
            }
        }
    }

    /// Checks a chain of field reads `x.a.b…` in a loop, from `x` out (a chain is a tree as deep
    /// as it is long); `m.T.a` names declared in module `m` when `m` is no local.
    fn field(&mut self, env: &mut Env, whole: &Expr) -> TExpr {
        self.field_chain(env, whole, true)
    }

    /// [`Self::field`], with the guard of each optional field required or not.
    fn field_chain(&mut self, env: &mut Env, whole: &Expr, guarded: bool) -> TExpr {
        let (base, links) = field_links(whole);
        if let ExprKind::Name(root) = &base.kind {
            if env.lookup(&root.name).is_none() {
                let path: Vec<&Ident> = std::iter::once(root).chain(links.iter().map(|(f, _)| *f)).collect();
                return self.static_field(env, &path, whole.span);
            }
        }
        let mut t = self.expr(env, base, None);
        for (field, span) in links {
            t = self.field_of(t, field, span);
            if guarded && matches!(t.kind, TExprKind::Field { .. }) {
                self.require_guard(env, &t, field);
            }
        }
        t
    }

    /// Reads field `field` of the checked `target` (no guard check).
    fn field_of(&mut self, t: TExpr, field: &Ident, span: Span) -> TExpr {
        if t.ty == Ty::Unknown {
            return error_expr(span);
        }
        let Some(fields) = self.program.fields_of(&t.ty) else {
            let ty = self.display(&t.ty);
            let mut d = Diagnostic::error(Code::UnknownField, field.span, format!("type `{ty}` has no fields"))
                .with_label(format!("cannot read `.{}` of a `{ty}`", field.name));
            if let Ty::Map(_) = t.ty {
                d = d.with_help(format!("read a map entry with an index: `[\"{}\"]`", field.name));
            }
            self.error(d);
            return error_expr(span);
        };
        match fields.iter().find(|f| f.name == field.name) {
            Some(f) => {
                let ty = f.ty.clone();
                TExpr {
                    kind: TExprKind::Field {
                        target: Box::new(t),
                        name: field.name.clone(),
                    },
                    ty,
                    span,
                }
            }
            None => {
                let ty = self.display(&t.ty);
                let mut d = Diagnostic::error(
                    Code::UnknownField,
                    field.span,
                    format!("type `{ty}` has no field `{}`", field.name),
                )
                .with_label("unknown field");
                if let Some(s) = closest(&field.name, fields.iter().map(|f| f.name.as_str())) {
                    d = d.with_did_you_mean(s);
                } else {
                    let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
                    d = d.with_help(format!("its fields are {}", list_names(&names)));
                }
                self.error(d);
                error_expr(span)
            }
        }
    }

    /// Whether the field read by `t` is optional.
    fn is_optional_field(&self, t: &TExpr) -> bool {
        let TExprKind::Field { target, name } = &t.kind else {
            return false;
        };
        self.program
            .fields_of(&target.ty)
            .and_then(|fs| fs.iter().find(|f| &f.name == name))
            .is_some_and(|f| f.optional)
    }

    fn require_guard(&mut self, env: &Env, t: &TExpr, field: &Ident) {
        if !self.is_optional_field(t) {
            return;
        }
        let guarded = path_key(t).is_some_and(|k| env.is_guarded(&k));
        if guarded {
            return;
        }
        let shown = describe_path(env, t);
        let mut d = Diagnostic::error(
            Code::UnguardedOptional,
            field.span,
            format!("`{shown}` is optional and may be absent"),
        )
        .with_label("read without a `has` guard");
        d = if path_key(t).is_some() {
            d.with_help(format!(
                "guard the read: `has {shown} and ...`, or put `has {shown}` among the conditions before it"
            ))
        } else {
            d.with_help("bind the value with `let` first, then guard it with `has`")
        };
        self.error(d.with_note("a missing field is undefined in Rego and would silently skip the rule"));
    }

    fn has(&mut self, env: &mut Env, path: &Expr, span: Span) -> TExpr {
        // Walk the written path without guard checks: `has a.b.c` tests every step.
        let t = self.unguarded_path(env, path);
        if t.ty != Ty::Unknown {
            if !matches!(t.kind, TExprKind::Field { .. }) || path_key(&t).is_none() {
                self.error(
                    Diagnostic::error(Code::TypeMismatch, path.span, "`has` needs a field path like `x.field`")
                        .with_label("not a field of a local value")
                        .with_help("write `has subject.field`"),
                );
                return error_expr(span);
            }
            if !self.path_has_optional(&t) {
                let shown = describe_path(env, &t);
                self.error(
                    Diagnostic::warning(Code::RedundantHas, path.span, format!("`{shown}` is always present"))
                        .with_label("no field on this path is optional")
                        .with_help("remove the `has` test, or make the field optional with `?`"),
                );
            }
        }
        texpr(TExprKind::Has(Box::new(t)), Ty::Bool, span)
    }

    fn unguarded_path(&mut self, env: &mut Env, e: &Expr) -> TExpr {
        match &e.kind {
            ExprKind::Field { .. } => self.field_chain(env, e, false),
            _ => self.expr(env, e, None),
        }
    }

    fn path_has_optional(&self, t: &TExpr) -> bool {
        match &t.kind {
            TExprKind::Field { target, .. } => self.is_optional_field(t) || self.path_has_optional(target),
            _ => false,
        }
    }

    fn index(&mut self, env: &mut Env, target: &Expr, index: &Expr, span: Span) -> TExpr {
        let t = self.expr(env, target, None);
        let (key, result) = match &t.ty {
            Ty::List(elem) => (Ty::Int, (**elem).clone()),
            Ty::Map(value) => (Ty::String, (**value).clone()),
            Ty::Unknown => (Ty::Unknown, Ty::Unknown),
            other => {
                let ty = self.display(other);
                self.error(
                    Diagnostic::error(Code::TypeMismatch, target.span, format!("cannot index a `{ty}`"))
                        .with_label("not a list or a map")
                        .with_help("only lists (by `int` position) and maps (by `string` key) can be indexed"),
                );
                (Ty::Unknown, Ty::Unknown)
            }
        };
        let i = self.expect_type(env, index, &key, Code::TypeMismatch, "the index");
        let is_map = matches!(t.ty, Ty::Map(_));
        let e = texpr(
            TExprKind::Index {
                target: Box::new(t),
                index: Box::new(i),
            },
            result,
            span,
        );
        if is_map {
            self.require_entry_guard(env, &e);
        }
        e
    }

    /// A map entry may be absent, like an optional field: reading it needs `key in map` before it
    /// in the same conjunction, or `get(map, key, default)`.
    fn require_entry_guard(&mut self, env: &Env, e: &TExpr) {
        if path_key(e).is_some_and(|k| env.is_guarded(&k)) {
            return;
        }
        let TExprKind::Index { target, index } = &e.kind else {
            return;
        };
        let (map, key) = (describe_path(env, target), describe_path(env, index));
        let shown = describe_path(env, e);
        let mut d = Diagnostic::error(
            Code::UnguardedOptional,
            e.span,
            format!("`{shown}` may be absent: the map may have no key {key}"),
        )
        .with_label("map entry read without a guard");
        d = if path_key(e).is_some() {
            d.with_help(format!(
                "test the key first: `{key} in {map} and ...`, or read it with a default: `get({map}, {key}, ...)`"
            ))
        } else {
            d.with_help(format!("read it with a default: `get({map}, {key}, ...)`"))
        };
        self.error(d.with_note("a missing key is undefined in Rego and would silently skip the rule"));
    }

    /// The element type of a collection iterated by `some`, `all` or `any`.
    /// `some k, v in m` names two different variables.
    pub(crate) fn distinct_bound_names(
        &mut self,
        key: Option<&crate::syntax::ast::Ident>,
        var: &crate::syntax::ast::Ident,
    ) {
        if let Some(key) = key.filter(|k| k.name == var.name) {
            self.error(
                Diagnostic::error(
                    Code::DuplicateDeclaration,
                    var.span,
                    format!("`{}` is bound twice", var.name),
                )
                .with_label("the key is bound to this name already")
                .with_note(format!("the key is `{}` here", key.name))
                .with_help("name the key and the value differently, or write `_` for the one you do not read"),
            );
        }
    }

    /// The type of the key `some k, v in coll` binds: a map's keys are strings, a list's indices
    /// ints (a collection of another type is reported by [`Self::element_type`]).
    pub(crate) fn key_type(coll: &TExpr) -> Ty {
        match &coll.ty {
            Ty::List(_) => Ty::Int,
            Ty::Map(_) => Ty::String,
            _ => Ty::Unknown,
        }
    }

    pub(crate) fn element_type(&mut self, coll: &TExpr, span: Span) -> Ty {
        match &coll.ty {
            Ty::List(t) | Ty::Map(t) => (**t).clone(),
            Ty::Unknown => Ty::Unknown,
            other => {
                let ty = self.display(other);
                self.error(
                    Diagnostic::error(Code::TypeMismatch, span, format!("cannot iterate over a `{ty}`"))
                        .with_label("not a list or a map")
                        .with_help("`some`, `all`, `any` and `for` iterate over a list, or over a map's values"),
                );
                Ty::Unknown
            }
        }
    }

    fn unary(&mut self, env: &mut Env, op: UnaryOp, operand: &Expr, span: Span) -> TExpr {
        let (t, ty) = match op {
            UnaryOp::Not => (self.condition(env, operand), Ty::Bool),
            UnaryOp::Neg => {
                let t = self.expr(env, operand, None);
                if !t.ty.is_numeric() && t.ty != Ty::Duration {
                    let ty = self.display(&t.ty);
                    self.error(
                        Diagnostic::error(Code::TypeMismatch, operand.span, format!("cannot negate a `{ty}`"))
                            .with_label("not a number"),
                    );
                }
                let ty = t.ty.clone();
                (t, ty)
            }
        };
        texpr(
            TExprKind::Unary {
                op,
                operand: Box::new(t),
            },
            ty,
            span,
        )
    }

    /// Checks a chain of one logical operator, `a and b and c` (a tree leaning left, as deep as
    /// the chain is long), in a loop: each operand of an `and` under the guards of those before
    /// it, each operand's guards collected once (the guards of `a and b` are those of `a` and of
    /// `b`), so a chain of any length takes linear time and no stack.
    fn logical_chain(&mut self, env: &mut Env, op: BinOp, lhs: &Expr, rhs: &Expr, span: Span) -> TExpr {
        // The operands from the last to the first, each with the span of the node it ends.
        let mut operands = vec![(rhs, span)];
        let mut first = lhs;
        while let ExprKind::Binary { op: inner, lhs, rhs } = &first.kind {
            if *inner != op {
                break;
            }
            operands.push((rhs, first.span));
            first = lhs;
        }
        let mark = env.mark();
        let mut checked = self.condition(env, first);
        let guards = |t: &TExpr| if op == BinOp::And { guards_of(t) } else { Vec::new() };
        let mut new_guards = guards(&checked);
        while let Some((operand, node_span)) = operands.pop() {
            env.add_guards(std::mem::take(&mut new_guards));
            let r = self.condition(env, operand);
            new_guards = guards(&r);
            checked = texpr(
                TExprKind::Binary {
                    op,
                    lhs: Box::new(checked),
                    rhs: Box::new(r),
                },
                Ty::Bool,
                node_span,
            );
        }
        env.restore(mark);
        checked
    }

    fn binary(&mut self, env: &mut Env, op: BinOp, lhs: &Expr, rhs: &Expr, span: Span) -> TExpr {
        if matches!(op, BinOp::And | BinOp::Or) {
            return self.logical_chain(env, op, lhs, rhs, span);
        }
        let l = self.expr(env, lhs, None);
        // The left side types literals on the right (`m.risk == RiskTier.high`, `x == []`).
        let hint = match (op, &l.ty) {
            (BinOp::In, _) => None,
            (_, Ty::Unknown) => None,
            (_, t) => Some(t.clone()),
        };
        let r = self.expr(env, rhs, hint.as_ref());
        let ty = self.binary_type(op, &l, &r, lhs.span, rhs.span, span);
        texpr(
            TExprKind::Binary {
                op,
                lhs: Box::new(l),
                rhs: Box::new(r),
            },
            ty,
            span,
        )
    }

    fn binary_type(&mut self, op: BinOp, l: &TExpr, r: &TExpr, lspan: Span, rspan: Span, span: Span) -> Ty {
        let (lt, rt) = (&l.ty, &r.ty);
        if *lt == Ty::Unknown || *rt == Ty::Unknown {
            return match op {
                BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::In => Ty::Bool,
                _ => Ty::Unknown,
            };
        }
        let both_numeric = lt.is_numeric() && rt.is_numeric();
        let numeric_result = if *lt == Ty::Int && *rt == Ty::Int {
            Ty::Int
        } else {
            Ty::Float
        };
        let ok = match op {
            BinOp::Eq | BinOp::Ne => {
                if Self::assignable(lt, rt) || Self::assignable(rt, lt) {
                    return Ty::Bool;
                }
                None
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let same = both_numeric
                    || (*lt == Ty::String && *rt == Ty::String)
                    || (*lt == Ty::Timestamp && *rt == Ty::Timestamp)
                    || (*lt == Ty::Duration && *rt == Ty::Duration);
                same.then_some(Ty::Bool)
            }
            // Time arithmetic: an instant moved by a duration, the duration between two
            // instants, durations added and scaled.
            BinOp::Add | BinOp::Sub | BinOp::Mul if time_arithmetic(op, lt, rt).is_some() => {
                time_arithmetic(op, lt, rt)
            }
            BinOp::In => match rt {
                Ty::List(elem) if Self::assignable(lt, elem) || Self::assignable(elem, lt) => Some(Ty::Bool),
                Ty::Map(_) if *lt == Ty::String => Some(Ty::Bool),
                _ => None,
            },
            BinOp::Add => {
                if both_numeric {
                    Some(numeric_result)
                } else if *lt == Ty::String && *rt == Ty::String {
                    Some(Ty::String)
                } else if let (Ty::List(a), Ty::List(b)) = (lt, rt) {
                    (Self::assignable(a, b) || Self::assignable(b, a)).then(|| lt.clone())
                } else {
                    None
                }
            }
            BinOp::Sub | BinOp::Mul => both_numeric.then_some(numeric_result),
            BinOp::Div => both_numeric.then_some(Ty::Float),
            BinOp::Mod => (*lt == Ty::Int && *rt == Ty::Int).then_some(Ty::Int),
            BinOp::And | BinOp::Or => Some(Ty::Bool),
        };
        if let Some(ty) = ok {
            return ty;
        }
        let (ls, rs) = (self.display(lt), self.display(rt));
        let sym = op.symbol();
        let (message, help) = match op {
            BinOp::Eq | BinOp::Ne => (
                format!("cannot compare `{ls}` with `{rs}`"),
                "both sides of `==` and `!=` must have the same type".to_string(),
            ),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => (
                format!("cannot order `{ls}` and `{rs}` with `{sym}`"),
                "`<`, `<=`, `>` and `>=` compare two numbers, two strings, two timestamps or two durations".to_string(),
            ),
            BinOp::In => (
                format!("cannot test whether a `{ls}` is in a `{rs}`"),
                match rt {
                    Ty::List(_) => "the element must have the list's element type".to_string(),
                    Ty::String => "to look for a substring, use `contains(text, part)`".to_string(),
                    _ => "`in` tests membership in a list, or a key in a map".to_string(),
                },
            ),
            BinOp::Mod => (
                format!("cannot apply `%` to `{ls}` and `{rs}`"),
                "`%` takes two `int`s".to_string(),
            ),
            _ => (
                format!("cannot apply `{sym}` to `{ls}` and `{rs}`"),
                if lt == &Ty::Timestamp || rt == &Ty::Timestamp || lt == &Ty::Duration || rt == &Ty::Duration {
                    "a timestamp plus or minus a duration is a timestamp, `t1 - t2` is a duration, durations add, subtract and multiply by an `int` (`3 * 30d`)".to_string()
                } else if op == BinOp::Add {
                    "`+` adds numbers, joins strings or concatenates lists of the same type".to_string()
                } else {
                    format!("`{sym}` takes two numbers")
                },
            ),
        };
        self.error(
            Diagnostic::error(Code::TypeMismatch, span, message)
                .with_label("")
                .with_secondary(lspan, format!("this is `{ls}`"))
                .with_secondary(rspan, format!("this is `{rs}`"))
                .with_help(help),
        );
        Ty::Unknown
    }

    fn call(&mut self, env: &mut Env, callee: &Expr, args: &[Expr], span: Span) -> TExpr {
        let Some(path) = callee.static_path() else {
            self.error(
                Diagnostic::error(Code::NotCallable, callee.span, "this expression cannot be called")
                    .with_label("not a function")
                    .with_help("only declared functions and built-ins can be called"),
            );
            return error_expr(span);
        };
        if env.lookup(&path[0].name).is_some() {
            self.error(
                Diagnostic::error(
                    Code::NotCallable,
                    callee.span,
                    format!(
                        "`{}` is a value, not a function",
                        path.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(".")
                    ),
                )
                .with_label("cannot be called"),
            );
            return error_expr(span);
        }
        let segments: Vec<Ident> = path.iter().map(|i| (*i).clone()).collect();
        let resolved = if segments.len() == 1 && self.names.lookup(env.file, &segments[0].name).is_none() {
            if let Some(b) = Builtin::from_name(&segments[0].name) {
                return self.builtin(env, b, args, span);
            }
            Err(LookupError::Error(self.unknown_function(env, &segments[0])))
        } else {
            self.names.lookup_path(env.file, &segments)
        };
        match resolved {
            Ok(Item::Fn(id)) => {
                let (param_tys, ret, name): (Vec<Ty>, Ty, String) = {
                    let f = &self.program.fns[id.index()];
                    (
                        f.params.iter().map(|p| f.locals[p.index()].ty.clone()).collect(),
                        f.ret.clone(),
                        f.name.clone(),
                    )
                };
                if param_tys.len() != args.len() {
                    self.arity_error(&name, param_tys.len(), args, span);
                }
                let targs = args
                    .iter()
                    .enumerate()
                    .map(|(i, a)| match param_tys.get(i) {
                        Some(t) => self.expect_type(
                            env,
                            a,
                            t,
                            Code::WrongArgument,
                            &format!("argument {} of `{name}`", i + 1),
                        ),
                        None => self.expr(env, a, None),
                    })
                    .collect();
                texpr(TExprKind::Call { func: id, args: targs }, ret, span)
            }
            Ok(item) => {
                let what = self.describe_named(Named::Item(item));
                let mut d = Diagnostic::error(
                    Code::NotCallable,
                    callee.span,
                    format!("`{}` is {what}, not a function", path_text(&path)),
                )
                .with_label("cannot be called");
                d = d.with_help(match item {
                    Item::Policy(_) => "policies are called only in test expectations, e.g. `expect passes p(x)`",
                    Item::Type(_) | Item::Resource(_) => {
                        "build a value of a type with a record literal: `T { field: value }`"
                    }
                    _ => "only functions and built-ins can be called",
                });
                self.error(d);
                error_expr(span)
            }
            Err(e) => {
                if let LookupError::Error(d) = e {
                    self.error(d);
                }
                for a in args {
                    self.expr(env, a, None);
                }
                error_expr(span)
            }
        }
    }

    fn unknown_function(&self, env: &Env, name: &Ident) -> Diagnostic {
        let mut d = Diagnostic::error(
            Code::UnknownName,
            name.span,
            format!("unknown function `{}`", name.name),
        )
        .with_label("no function or built-in of this name");
        let mut candidates: Vec<&str> = self.names.visible_names(env.file);
        candidates.extend(Builtin::ALL.iter().map(|b| b.name()));
        if let Some(s) = closest(&name.name, candidates) {
            d = d.with_did_you_mean(s);
        } else {
            d = d.with_help("the built-ins are count, sum, min, max, lower, upper, startswith, endswith, contains, matches, days_since, get, now, hour, minute, weekday, date, format_time, in_days and in_hours");
        }
        d
    }

    pub(crate) fn arity_error(&mut self, name: &str, want: usize, args: &[Expr], span: Span) {
        let got = args.len();
        let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
        self.error(
            Diagnostic::error(
                Code::WrongArity,
                span,
                format!(
                    "`{name}` takes {want} {}, but {got} {} given",
                    plural(want),
                    if got == 1 { "was" } else { "were" }
                ),
            )
            .with_label(format!("expected {want} {}", plural(want))),
        );
    }

    fn record(
        &mut self,
        env: &mut Env,
        ty: Option<&Path>,
        fields: &[RecordField],
        expected: Option<&Ty>,
        span: Span,
    ) -> TExpr {
        let target = match ty {
            Some(path) => match self.names.lookup_path(env.file, &path.segments) {
                Ok(Item::Type(id)) => Ty::Record(id),
                Ok(Item::Resource(id)) => Ty::Resource(id),
                Ok(_) => {
                    self.error(
                        Diagnostic::error(
                            Code::NotAType,
                            path.span,
                            format!("`{}` is not a record type", path.dotted()),
                        )
                        .with_label("cannot build a record of this"),
                    );
                    return error_expr(span);
                }
                Err(e) => {
                    if let LookupError::Error(mut d) = e {
                        if d.code == Code::UnknownName {
                            d.code = Code::UnknownType;
                        }
                        self.error(d);
                    }
                    for f in fields {
                        self.expr(env, &f.value, None);
                    }
                    return error_expr(span);
                }
            },
            None => match expected {
                Some(t @ (Ty::Record(_) | Ty::Resource(_) | Ty::Map(_))) => t.clone(),
                _ if env.untyped_records => return self.untyped_record(env, fields, span),
                _ => {
                    self.error(
                        Diagnostic::error(
                            Code::UntypedRecord,
                            span,
                            "the type of this record literal is not known",
                        )
                        .with_label("write its type before `{`")
                        .with_help("name the type, e.g. `Dataset { name: \"x\", ... }`"),
                    );
                    for f in fields {
                        self.expr(env, &f.value, None);
                    }
                    return error_expr(span);
                }
            },
        };
        if let Ty::Map(value) = &target {
            let mut out = Vec::new();
            for f in fields {
                let v = self.expect_type(
                    env,
                    &f.value,
                    value,
                    Code::TypeMismatch,
                    &format!("map entry `{}`", f.name.name),
                );
                out.push((f.name.name.clone(), v));
            }
            return texpr(TExprKind::Record { fields: out }, target, span);
        }
        let defs: Vec<FieldDef> = self
            .program
            .fields_of(&target)
            .map(<[FieldDef]>::to_vec)
            .unwrap_or_default();
        let type_name = self.display(&target);
        let mut out: Vec<(String, TExpr)> = Vec::new();
        let mut seen: Vec<&RecordField> = Vec::new();
        for f in fields {
            if let Some(first) = seen.iter().find(|s| s.name.name == f.name.name) {
                self.error(given_twice(
                    format!("field `{}`", f.name.name),
                    f.name.span,
                    Some(first.name.span),
                ));
                continue;
            }
            seen.push(f);
            match defs.iter().find(|d| d.name == f.name.name) {
                Some(def) => {
                    let v = self.expect_type(
                        env,
                        &f.value,
                        &def.ty,
                        Code::TypeMismatch,
                        &format!("field `{}`", f.name.name),
                    );
                    out.push((f.name.name.clone(), v));
                }
                None => {
                    let mut d = Diagnostic::error(
                        Code::UnknownLiteralField,
                        f.name.span,
                        format!("type `{type_name}` has no field `{}`", f.name.name),
                    )
                    .with_label("unknown field");
                    if let Some(s) = closest(&f.name.name, defs.iter().map(|d| d.name.as_str())) {
                        d = d.with_did_you_mean(s);
                    }
                    self.error(d);
                    self.expr(env, &f.value, None);
                }
            }
        }
        let is_resource = matches!(target, Ty::Resource(_));
        let missing: Vec<&str> = defs
            .iter()
            .filter(|d| !d.optional && !fields.iter().any(|f| f.name.name == d.name))
            .filter(|d| !(is_resource && (d.name == "apiVersion" || d.name == "kind")))
            .map(|d| d.name.as_str())
            .collect();
        if !missing.is_empty() {
            let shown: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
            self.error(
                Diagnostic::error(
                    Code::MissingField,
                    span,
                    format!(
                        "`{type_name}` literal is missing {} {}",
                        if missing.len() == 1 { "field" } else { "fields" },
                        shown.join(", ")
                    ),
                )
                .with_label("missing required fields")
                .with_help("give every field that is not optional (`?`) a value"),
            );
        }
        // Order fields as the type declares them: stable output regardless of how they were written.
        out.sort_by_key(|(name, _)| defs.iter().position(|d| &d.name == name).unwrap_or(usize::MAX));
        texpr(TExprKind::Record { fields: out }, target, span)
    }

    fn untyped_record(&mut self, env: &mut Env, fields: &[RecordField], span: Span) -> TExpr {
        let out = fields
            .iter()
            .map(|f| (f.name.name.clone(), self.expr(env, &f.value, None)))
            .collect();
        texpr(TExprKind::Record { fields: out }, Ty::Untyped, span)
    }

    fn list(&mut self, env: &mut Env, items: &[Expr], expected: Option<&Ty>, span: Span) -> TExpr {
        let mut elem = match expected {
            Some(Ty::List(t)) => Some((**t).clone()),
            _ => None,
        };
        let mut out = Vec::new();
        for item in items {
            let t = match &elem {
                Some(want) if env.untyped_records && *want == Ty::Untyped => self.expr(env, item, None),
                Some(want) => {
                    let want = want.clone();
                    self.expect_type(env, item, &want, Code::TypeMismatch, "a list element")
                }
                None => {
                    let t = self.expr(env, item, None);
                    elem = Some(t.ty.clone());
                    t
                }
            };
            out.push(t);
        }
        let ty = Ty::List(Box::new(elem.unwrap_or(Ty::Unknown)));
        texpr(TExprKind::List(out), ty, span)
    }
}

/// The source form of a guarded path, with locals by name: `d.retention_days`,
/// `d.labels["team"]`.
fn describe_path(env: &Env, t: &TExpr) -> String {
    match &t.kind {
        TExprKind::Local(id) => env.local(*id).name.clone(),
        TExprKind::Field { target, name } => format!("{}.{name}", describe_path(env, target)),
        TExprKind::Index { target, index } => {
            format!("{}[{}]", describe_path(env, target), describe_path(env, index))
        }
        TExprKind::String(s) => match s.parts.as_slice() {
            [] => "\"\"".to_string(),
            [TStrPart::Text(t)] => serde_json::to_string(t).unwrap_or_else(|_| "...".to_string()),
            _ => "...".to_string(),
        },
        _ => "...".to_string(),
    }
}

fn path_text(path: &[&Ident]) -> String {
    let names: Vec<&str> = path.iter().map(|i| i.name.as_str()).collect();
    names.join(".")
}

pub(crate) fn list_names(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}

/// Whether a literal is a timestamp govc accepts (RFC 3339, years 1678 to 2261).
pub(crate) fn is_rfc3339(s: &str) -> bool {
    crate::checked::is_timestamp(s)
}
