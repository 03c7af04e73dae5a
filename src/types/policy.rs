//! Functions and policies: signatures, then bodies.

use super::env::{guards_of, Env};
use super::items::Settings;
use super::{CheckedBody, Checker};
use crate::checked::*;
use crate::diagnostic::{Code, Diagnostic};
use crate::resolve::DeclRef;
use crate::syntax::ast::{ClauseKind, Condition, Constraint, DeclKind, FnBody, Literal, PolicyDecl, PolicyItem};

/// Whether an expression is a constant: what a parameter default or test value must be.
pub(crate) fn is_constant(e: &TExpr) -> bool {
    match &e.kind {
        TExprKind::Int(_) | TExprKind::Float(_) | TExprKind::Bool(_) | TExprKind::Variant(..) | TExprKind::Error => {
            true
        }
        TExprKind::String(s) => s.parts.iter().all(|p| matches!(p, TStrPart::Text(_))),
        TExprKind::List(items) => items.iter().all(is_constant),
        TExprKind::Record { fields } => fields.iter().all(|(_, v)| is_constant(v)),
        _ => false,
    }
}

/// The settings of a policy as written; `None` where one is not given (or is wrong, reported).
pub(crate) struct PolicySettings {
    pub title: Option<String>,
    pub severity: Option<Severity>,
    pub controls: Option<Vec<String>>,
    pub owner: Option<String>,
}

impl Checker<'_> {
    /// The `title`, `severity`, `controls` and `owner` of a policy, declared or applied; any
    /// other setting is reported.
    pub(crate) fn policy_settings(&mut self, p: &PolicyDecl) -> PolicySettings {
        let settings: Vec<_> = p
            .items
            .iter()
            .filter_map(|i| match i {
                PolicyItem::Setting(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        let mut s = Settings::new(&settings, settings::POLICY, Code::InvalidMetadata);
        s.report_unknown(self, "policy");
        PolicySettings {
            title: s.string(self, "title"),
            severity: s
                .ident(self, "severity", &Severity::words())
                .and_then(|w| Severity::from_word(&w)),
            controls: s.strings(self, "controls"),
            owner: s.string(self, "owner"),
        }
    }

    /// The signature of the function declared at `r` in `module`.
    pub(crate) fn fn_signature(&mut self, module: ModuleId, r: DeclRef) -> Option<FnDef> {
        let (file, decl) = self.decl(r);
        let DeclKind::Fn(f) = &decl.kind else { return None };
        let mut env = Env::new(file.file);
        let mut params = Vec::new();
        for p in &f.params {
            if env.lookup(&p.name.name).is_some() {
                self.error(
                    Diagnostic::error(
                        Code::DuplicateItem,
                        p.name.span,
                        format!("parameter `{}` is declared twice", p.name.name),
                    )
                    .with_label("declared again here"),
                );
            }
            let ty = self.resolve_type(file.file, &p.ty);
            params.push(env.bind(&p.name.name, ty, LocalKind::FnParam, p.name.span));
        }
        let ret = self.resolve_type(file.file, &f.ret);
        Some(FnDef {
            module,
            name: f.name.name.clone(),
            doc: decl.doc.as_ref().map(|d| d.text.clone()),
            params,
            ret,
            body: None,
            locals: env.locals,
            span: f.name.span,
        })
    }

    /// The checked body of function `id`, to store with [`Checker::store_body`].
    pub(crate) fn fn_body(&mut self, id: FnId, r: DeclRef) -> Option<CheckedBody> {
        let (file, decl) = self.decl(r);
        let DeclKind::Fn(f) = &decl.kind else { return None };
        let mut env = Env::with_locals(file.file, self.program.fns[id.index()].locals.clone());
        let ret = self.program.fns[id.index()].ret.clone();
        let body = match &f.body {
            FnBody::Expr(e) => self.expect_type(
                &mut env,
                e,
                &ret,
                Code::TypeMismatch,
                &format!("the result of `{}`", f.name.name),
            ),
            FnBody::Conditions { conditions, span } => {
                if !Self::assignable(&ret, &Ty::Bool) {
                    let shown = self.display(&ret);
                    self.error(
                        Diagnostic::error(
                            Code::NotBoolean,
                            f.ret.span,
                            format!("a function with `when` conditions returns `bool`, not `{shown}`"),
                        )
                        .with_label("declared here")
                        .with_help(format!(
                            "write `-> bool when {{ ... }}`, or compute the `{shown}` with `= expr`"
                        )),
                    );
                }
                let conditions = self.conditions(&mut env, conditions);
                conjunction(conditions, *span)
            }
        };
        Some(CheckedBody::Fn {
            id,
            body,
            locals: env.locals,
        })
    }

    pub(crate) fn policy_signature(&mut self, id: PolicyId, module: ModuleId, r: DeclRef) {
        let (file, decl) = self.decl(r);
        let DeclKind::Policy(p) = &decl.kind else { return };
        if p.applies.is_some() {
            self.applied_signature(id, module, decl, p);
            return;
        }
        for item in &p.items {
            if let PolicyItem::ParamValue(v) = item {
                self.error(
                    Diagnostic::error(
                        Code::InvalidApplication,
                        v.span,
                        format!("`param {} = ...` gives a new value to a parameter of an applied policy", v.name.name),
                    )
                    .with_label("no type given")
                    .with_help(format!(
                        "declare a parameter with its type, `param {}: T = value`, or apply a policy: `policy {} = pkg.other on T {{ param {} = value }}`",
                        v.name.name, p.name.name, v.name.name
                    )),
                );
            }
        }
        let PolicySettings {
            title,
            severity,
            controls,
            owner,
        } = self.policy_settings(p);
        let severity = severity.unwrap_or(Severity::Medium);
        let controls = controls.unwrap_or_default();

        let mut env = Env::new(file.file);
        let mut subject: Option<(LocalId, crate::span::Span)> = None;
        for item in &p.items {
            if let PolicyItem::Subject(sub) = item {
                let ty = self.resolve_type(file.file, &sub.ty);
                if let Some((_, first)) = subject {
                    self.error(
                        Diagnostic::error(
                            Code::DuplicateSubject,
                            sub.span,
                            format!("policy `{}` has a second subject", p.name.name),
                        )
                        .with_label("second subject")
                        .with_secondary(first, "first subject")
                        .with_help("a policy judges exactly one document; split it into two policies"),
                    );
                    continue;
                }
                if !matches!(ty, Ty::Record(_) | Ty::Resource(_) | Ty::Unknown) {
                    let shown = self.display(&ty);
                    self.error(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            sub.ty.span,
                            format!("a subject must be a record or resource type, not `{shown}`"),
                        )
                        .with_label("not a document type")
                        .with_help("declare a `type` or `resource` for the document the policy judges"),
                    );
                }
                subject = Some((
                    env.bind(&sub.name.name, ty, LocalKind::Subject, sub.name.span),
                    sub.span,
                ));
            }
        }
        let subject_ty = subject.map(|(l, _)| env.local(l).ty.clone());
        let mut request: Option<(LocalId, crate::span::Span)> = None;
        for item in &p.items {
            let PolicyItem::Request(req) = item else { continue };
            let ty = self.resolve_type(file.file, &req.ty);
            if let Some((_, first)) = request {
                self.error(
                    Diagnostic::error(
                        Code::DuplicateItem,
                        req.span,
                        format!("policy `{}` declares the request twice", p.name.name),
                    )
                    .with_label("second request")
                    .with_secondary(first, "first declared here"),
                );
                continue;
            }
            if env.lookup(&req.name.name).is_some() {
                self.error(
                    Diagnostic::error(
                        Code::DuplicateItem,
                        req.name.span,
                        format!("`{}` is declared twice in this policy", req.name.name),
                    )
                    .with_label("declared again here"),
                );
                continue;
            }
            let ty = match ty {
                Ty::Unknown => Ty::Unknown,
                ty if self.program.is_admission_request(&ty) => {
                    self.request_type(subject_ty.clone().unwrap_or(Ty::Unknown))
                }
                other => {
                    let shown = self.display(&other);
                    self.error(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            req.ty.span,
                            format!("a request must be a `std.k8s.AdmissionRequest`, not `{shown}`"),
                        )
                        .with_label("not the admission request")
                        .with_help("write `request r: AdmissionRequest`, with `import std.k8s.{AdmissionRequest}`"),
                    );
                    Ty::Unknown
                }
            };
            request = Some((
                env.bind(&req.name.name, ty, LocalKind::Request, req.name.span),
                req.span,
            ));
        }
        let inventories = self.inventories(p, file.file, &mut env);
        if subject.is_none() {
            self.error(
                Diagnostic::error(
                    Code::MissingSubject,
                    p.name.span,
                    format!("policy `{}` has no subject", p.name.name),
                )
                .with_label("no `subject` declared")
                .with_help("declare the document it judges, e.g. `subject d: Dataset`"),
            );
        }
        let mut params = Vec::new();
        for item in &p.items {
            let PolicyItem::Param(param) = item else { continue };
            if let Some(previous) = env.lookup(&param.name.name) {
                let first = env.local(previous).span;
                self.error(
                    Diagnostic::error(
                        Code::DuplicateItem,
                        param.name.span,
                        format!("`{}` is declared twice in this policy", param.name.name),
                    )
                    .with_label("declared again here")
                    .with_secondary(first, "first declared here"),
                );
                continue;
            }
            let ty = self.resolve_type(file.file, &param.ty);
            if !is_parameter_type(&self.program.types, &ty) {
                let shown = self.display(&ty);
                self.error(
                    Diagnostic::error(
                        Code::InvalidParam,
                        param.ty.span,
                        format!("a parameter cannot have type `{shown}`"),
                    )
                    .with_label("not a parameter type")
                    .with_help(
                        "parameters are scalars (string, int, float, bool, timestamp, enums), records of them, or lists and maps of them",
                    ),
                );
            }
            let (key_attrs, written): (Vec<_>, Vec<_>) =
                param.constraints.iter().cloned().partition(|c| c.name.name == "key");
            let key = self.param_key(&param.name.name, &key_attrs, &params);
            let constraints = self.constraints(&ty, &written);
            let default = self.expect_type(
                &mut env,
                &param.default,
                &ty,
                Code::TypeMismatch,
                &format!("the default of `{}`", param.name.name),
            );
            if !is_constant(&default) {
                self.error(
                    Diagnostic::error(
                        Code::InvalidParam,
                        param.default.span,
                        "a parameter default must be a constant",
                    )
                    .with_label("not a literal value")
                    .with_help("write a literal: a number, string, boolean, enum value, or a list of them"),
                );
            }
            if let Some(problem) = constant_violation(&constraints, &default) {
                self.error(
                    Diagnostic::error(
                        Code::InvalidParam,
                        param.default.span,
                        format!("the default of `{}` {problem}", param.name.name),
                    )
                    .with_label("breaks the parameter's constraint")
                    .with_help("choose a default that satisfies the parameter's own `@` constraints"),
                );
            }
            let local = env.bind(&param.name.name, ty.clone(), LocalKind::Param, param.name.span);
            params.push(ParamDef {
                local,
                name: param.name.name.clone(),
                key,
                ty,
                constraints,
                default,
                doc: param.doc.as_ref().map(|d| d.text.clone()),
                span: param.span,
            });
        }
        self.program_mut().policies[id.index()] = PolicyDef {
            module,
            name: p.name.name.clone(),
            doc: decl.doc.as_ref().map(|d| d.text.clone()),
            title,
            severity,
            controls,
            owner,
            params,
            subject: subject.map(|(l, _)| l),
            inventories,
            request: request.map(|(l, _)| l),
            lets: Vec::new(),
            clauses: Vec::new(),
            locals: env.locals,
            applies: None,
            span: p.name.span,
        };
    }

    /// A parameter's key (see [`ParamDef::key`]): its name, or the text of its one `@key("...")`,
    /// which no other parameter of the policy may have.
    fn param_key(&mut self, name: &str, attrs: &[Constraint], earlier: &[ParamDef]) -> String {
        let mut key = name.to_string();
        for (i, c) in attrs.iter().enumerate() {
            let text = match &c.arg {
                Some(Literal::String(s)) => s.as_plain().filter(|t| !t.is_empty()),
                _ => None,
            };
            match text {
                Some(_) if i > 0 => self.error(
                    Diagnostic::error(Code::ConstraintType, c.span, format!("`{name}` has two `@key`s"))
                        .with_label("a second key")
                        .with_help("a parameter has one key: keep one `@key(\"...\")`"),
                ),
                Some(text) => key = text,
                None => self.error(
                    Diagnostic::error(Code::ConstraintType, c.span, "`@key` takes a string that is not empty")
                        .with_label("expected the parameter's key, e.g. `@key(\"ephemeral-storage\")`")
                        .with_help("`@key` names the parameter in a Constraint's `parameters` and in overrides when the name is not a `.gov` name"),
                ),
            }
        }
        if let Some(other) = earlier.iter().find(|p| p.key == key) {
            let span = attrs.first().map_or(other.span, |c| c.span);
            self.error(
                Diagnostic::error(
                    Code::DuplicateItem,
                    span,
                    format!("`{name}` and `{}` have the same key `{key}`", other.name),
                )
                .with_label("this key is taken")
                .with_secondary(other.span, "the other parameter")
                .with_help("each parameter has its own key in a Constraint's `parameters` and in overrides"),
            );
        }
        key
    }

    /// The policy's `inventory` members, bound in `env`: each a list of a resource type.
    fn inventories(&mut self, p: &PolicyDecl, file: crate::span::FileId, env: &mut Env) -> Vec<LocalId> {
        let mut inventories = Vec::new();
        for item in &p.items {
            let PolicyItem::Inventory(inv) = item else { continue };
            let ty = self.resolve_type(file, &inv.ty);
            if let Some(previous) = env.lookup(&inv.name.name) {
                let first = env.local(previous).span;
                self.error(
                    Diagnostic::error(
                        Code::DuplicateItem,
                        inv.name.span,
                        format!("`{}` is declared twice in this policy", inv.name.name),
                    )
                    .with_label("declared again here")
                    .with_secondary(first, "first declared here"),
                );
                continue;
            }
            let ty = match ty {
                Ty::Unknown => Ty::Unknown,
                Ty::List(item) if matches!(*item, Ty::Resource(_) | Ty::Unknown) => Ty::List(item),
                other => {
                    let shown = self.display(&other);
                    let help = match &other {
                        Ty::Resource(_) => format!("an inventory is every object of its kind: write `[{shown}]`"),
                        _ => "declare the kind as a `resource` (an external one for a kind govc does not own, e.g. \
                              `std.k8s.Ingress`) and write a list of it, e.g. `inventory others: [Ingress]`"
                            .to_string(),
                    };
                    self.error(
                        Diagnostic::error(
                            Code::InvalidInventory,
                            inv.ty.span,
                            format!("an inventory must be a list of a resource type, not `{shown}`"),
                        )
                        .with_label("not a list of a resource")
                        .with_help(help),
                    );
                    Ty::Unknown
                }
            };
            inventories.push(env.bind(&inv.name.name, ty, LocalKind::Inventory, inv.name.span));
        }
        inventories
    }

    /// `std.k8s.AdmissionRequest` with an `oldObject` of the subject's type: one record type per
    /// subject type, declared where the standard library declares the request.
    pub(crate) fn request_type(&mut self, subject: Ty) -> Ty {
        if let Some(id) = self.request_types.get(&subject) {
            return Ty::Record(*id);
        }
        let Some(base) = self
            .program
            .types
            .iter()
            .find(|t| t.name == "AdmissionRequest" && self.program.modules[t.module.index()].name == "std.k8s")
            .cloned()
        else {
            return Ty::Unknown;
        };
        let mut def = base;
        def.fields.push(FieldDef {
            name: "oldObject".to_string(),
            ty: subject.clone(),
            optional: true,
            constraints: Vec::new(),
            doc: Some(
                "The object before the change, on an UPDATE (absent otherwise), of the subject's type.".to_string(),
            ),
            span: def.span,
        });
        let id = TypeId(self.program.types.len() as u32);
        self.program_mut().types.push(def);
        self.request_types.insert(subject, id);
        Ty::Record(id)
    }

    /// The checked body of policy `id` (not an applied one), to store with
    /// [`Checker::store_body`].
    pub(crate) fn policy_body(&mut self, id: PolicyId, r: DeclRef) -> Option<CheckedBody> {
        let (file, decl) = self.decl(r);
        let DeclKind::Policy(p) = &decl.kind else { return None };
        if p.applies.is_some() {
            return None;
        }
        let mut env = Env::with_locals(file.file, self.program.policies[id.index()].locals.clone());
        let mut lets = Vec::new();
        let mut clauses = Vec::new();
        for item in &p.items {
            match item {
                PolicyItem::Let(l) => {
                    let value = self.expr(&mut env, &l.value, None);
                    if let Some(previous) = env.lookup(&l.name.name) {
                        let first = env.local(previous).span;
                        self.error(
                            Diagnostic::error(
                                Code::DuplicateItem,
                                l.name.span,
                                format!("`{}` is already defined in this policy", l.name.name),
                            )
                            .with_label("defined again here")
                            .with_secondary(first, "first defined here"),
                        );
                    }
                    let local = env.bind(&l.name.name, value.ty.clone(), LocalKind::Let, l.name.span);
                    lets.push((local, value));
                }
                PolicyItem::Clause(clause) => {
                    let mark = env.mark();
                    let conditions = self.conditions(&mut env, &clause.conditions);
                    let message = clause.message.as_ref().map(|m| self.string(&mut env, m));
                    env.restore(mark);
                    if clause.kind == ClauseKind::Allow && clause.conditions.is_empty() {
                        self.error(
                            Diagnostic::error(Code::NotBoolean, clause.span, "an `allow` clause needs a condition")
                                .with_label("allows nothing specific")
                                .with_help("write `allow when condition`"),
                        );
                    }
                    clauses.push(TClause {
                        kind: clause.kind,
                        message,
                        conditions,
                        span: clause.span,
                    });
                }
                _ => {}
            }
        }
        Some(CheckedBody::Policy {
            id,
            lets,
            clauses,
            locals: env.locals,
        })
    }
}

impl Checker<'_> {
    /// The conditions of a block (a clause's or a predicate's), in order: each `some` and `let`
    /// binds its names for the conditions after it, and each condition's `has` guards hold for
    /// the conditions after it. The caller restores the scope.
    pub(crate) fn conditions(&mut self, env: &mut Env, conditions: &[Condition]) -> Vec<TCondition> {
        let mut out = Vec::new();
        for cond in conditions {
            match cond {
                Condition::Expr(e) => {
                    let t = self.condition(env, e);
                    env.add_guards(guards_of(&t));
                    out.push(TCondition::Expr(t));
                }
                Condition::Some {
                    key, var, collection, ..
                } => {
                    let coll = self.expr(env, collection, None);
                    let elem = self.element_type(&coll, collection.span);
                    self.distinct_bound_names(key.as_ref(), var);
                    let key = key
                        .as_ref()
                        .map(|k| env.bind(&k.name, Self::key_type(&coll), LocalKind::Bound, k.span));
                    let local = env.bind(&var.name, elem, LocalKind::Bound, var.span);
                    out.push(TCondition::Some {
                        key,
                        var: local,
                        collection: coll,
                    });
                }
                Condition::Let { name, value, .. } => {
                    let t = self.expr(env, value, None);
                    let local = env.bind(&name.name, t.ty.clone(), LocalKind::Bound, name.span);
                    out.push(TCondition::Let { var: local, value: t });
                }
            }
        }
        out
    }
}

/// A predicate's conditions as one expression, with the same meaning and the same order of
/// evaluation: `a` then `b` is `a and b`, `some x in xs` then the rest is `any x in xs: rest`,
/// and `let x = e` puts `e` where the rest reads `x` (expressions have no effects, and `e` is
/// evaluated only where the conditions before it hold, as in a clause).
fn conjunction(conditions: Vec<TCondition>, span: crate::span::Span) -> TExpr {
    let mut rest: Option<TExpr> = None;
    for cond in conditions.into_iter().rev() {
        rest = Some(match cond {
            TCondition::Expr(e) => match rest {
                None => e,
                Some(r) => TExpr {
                    span: e.span.to(r.span),
                    kind: TExprKind::Binary {
                        op: crate::syntax::ast::BinOp::And,
                        lhs: Box::new(e),
                        rhs: Box::new(r),
                    },
                    ty: Ty::Bool,
                },
            },
            TCondition::Some { key, var, collection } => {
                let body = rest.unwrap_or_else(|| bool_literal(true, collection.span));
                TExpr {
                    span: collection.span.to(body.span),
                    kind: TExprKind::Quantified {
                        quantifier: crate::syntax::ast::Quantifier::Any,
                        key,
                        var,
                        collection: Box::new(collection),
                        body: Box::new(body),
                    },
                    ty: Ty::Bool,
                }
            }
            TCondition::Let { var, value } => {
                let mut r = rest.unwrap_or_else(|| bool_literal(true, value.span));
                r.replace_local(var, &value, false);
                r
            }
        });
    }
    rest.unwrap_or_else(|| bool_literal(true, span))
}

fn bool_literal(value: bool, span: crate::span::Span) -> TExpr {
    TExpr {
        kind: TExprKind::Bool(value),
        ty: Ty::Bool,
        span,
    }
}

/// Whether a policy parameter may have this type: what a Constraint's `parameters` can hold, a
/// JSON value with a finite schema.
fn is_parameter_type(types: &[TypeDef], ty: &Ty) -> bool {
    parameter_type_within(types, ty, &mut Vec::new())
}

/// `is_parameter_type`, for a type inside the records of `path` (a record that contains itself
/// is E0304 already; here it ends the walk).
fn parameter_type_within(types: &[TypeDef], ty: &Ty, path: &mut Vec<TypeId>) -> bool {
    match ty {
        Ty::List(t) | Ty::Map(t) => parameter_type_within(types, t, path),
        Ty::Record(id) if path.contains(id) => true,
        Ty::Record(id) => {
            let Some(def) = types.get(id.index()) else { return false };
            path.push(*id);
            let ok = def.fields.iter().all(|f| parameter_type_within(types, &f.ty, path));
            path.pop();
            ok
        }
        Ty::Resource(_) | Ty::Untyped => false,
        _ => true,
    }
}

/// How a constant breaks one of the constraints, if it does.
pub(crate) fn constant_violation(constraints: &[FieldConstraint], value: &TExpr) -> Option<String> {
    let number = match &value.kind {
        TExprKind::Int(i) => Some(*i as f64),
        TExprKind::Float(f) => Some(*f),
        _ => None,
    };
    for c in constraints {
        match (c, &value.kind) {
            (FieldConstraint::Min(min), _) if number.is_some_and(|n| n < *min) => {
                return Some(format!("is below the minimum {min}"));
            }
            (FieldConstraint::Max(max), _) if number.is_some_and(|n| n > *max) => {
                return Some(format!("is above the maximum {max}"));
            }
            (FieldConstraint::MinItems(min), TExprKind::List(items)) if (items.len() as u64) < *min => {
                return Some(format!("has {} items, fewer than the minimum {min}", items.len()));
            }
            (FieldConstraint::Pattern(p), TExprKind::String(s)) => {
                let text: String = s
                    .parts
                    .iter()
                    .map(|p| match p {
                        TStrPart::Text(t) => t.as_str(),
                        TStrPart::Interp(_) => "",
                    })
                    .collect();
                let canonical = super::builtins::canonical(p);
                if canonical
                    .and_then(|c| regex::Regex::new(&c).ok())
                    .is_some_and(|re| !re.is_match(&text))
                {
                    return Some(format!("does not match the pattern `{p}`"));
                }
            }
            _ => {}
        }
    }
    None
}
