//! Applied policies: `policy p = std.ai.no_unencrypted_pii on DatasetRegistration.spec { ... }`.
//!
//! An applied policy is an ordinary policy of its own package once checked: it holds the clauses,
//! `let`s and parameters of the policy it applies, with every read of that policy's subject
//! replaced by the path it is applied at (`d` becomes `d.spec`), the subject's type replaced by
//! the type it is applied on, and the metadata and parameter defaults it sets. So every back end
//! (bundle, Gatekeeper, CEL, CI) and every test treats it as the project's own policy, under its
//! own name, and nothing of the applied policy's source is copied.

use super::env::Env;
use super::expr::list_names;
use super::policy::{constant_violation, is_constant};
use super::{given_twice, Checker};
use crate::checked::*;
use crate::diagnostic::suggest::closest;
use crate::diagnostic::{Code, Diagnostic};
use crate::resolve::{DeclRef, LookupError, Named};
use crate::span::Span;
use crate::syntax::ast::{AppliedFrom, Decl, DeclKind, PolicyDecl, PolicyItem};
use std::collections::HashMap;

/// Where an applied policy stands while the applied policies are checked in dependency order.
#[derive(Clone, Copy, PartialEq)]
enum Progress {
    Checking,
    Done,
}

impl Checker<'_> {
    /// The header of an applied policy: its name and doc, and errors for the items it may not
    /// declare. The rest waits for [`Checker::applied_policies`], once the policy it applies is
    /// checked.
    pub(crate) fn applied_signature(&mut self, id: PolicyId, module: ModuleId, decl: &Decl, p: &PolicyDecl) {
        for item in &p.items {
            let (span, what) = match item {
                PolicyItem::Setting(_) | PolicyItem::ParamValue(_) => continue,
                PolicyItem::Param(x) => (x.span, "parameters"),
                PolicyItem::Subject(x) => (x.span, "a subject"),
                PolicyItem::Request(x) => (x.span, "the admission request"),
                PolicyItem::Inventory(x) => (x.span, "an inventory"),
                PolicyItem::Let(x) => (x.span, "`let` bindings"),
                PolicyItem::Clause(x) => (x.span, "clauses"),
            };
            self.error(
                Diagnostic::error(
                    Code::InvalidApplication,
                    span,
                    format!("an applied policy takes {what} from the policy it applies"),
                )
                .with_label("not allowed in an applied policy")
                .with_help(
                    "an applied policy sets metadata (`title`, `severity`, `controls`, `owner`) and new parameter \
                     values (`param name = value`); write other rules in a policy of their own",
                ),
            );
        }
        let def = &mut self.program_mut().policies[id.index()];
        def.module = module;
        def.name = p.name.name.clone();
        def.doc = decl.doc.as_ref().map(|d| d.text.clone());
        def.span = p.name.span;
    }

    /// Checks every applied policy, each after the policy it applies (which may be applied too).
    pub(crate) fn applied_policies(&mut self) {
        let applied: HashMap<PolicyId, DeclRef> = self
            .names
            .decls
            .iter()
            .filter_map(|&(item, _, r)| match (item, &self.decl(r).1.kind) {
                (Item::Policy(id), DeclKind::Policy(p)) if p.applies.is_some() => Some((id, r)),
                _ => None,
            })
            .collect();
        let mut ids: Vec<PolicyId> = applied.keys().copied().collect();
        ids.sort();
        let mut progress = HashMap::new();
        for id in ids {
            self.apply(id, &applied, &mut progress);
        }
    }

    fn apply(
        &mut self,
        id: PolicyId,
        applied: &HashMap<PolicyId, DeclRef>,
        progress: &mut HashMap<PolicyId, Progress>,
    ) {
        if progress.contains_key(&id) {
            return;
        }
        progress.insert(id, Progress::Checking);
        let r = applied[&id];
        let (file, decl) = self.decl(r);
        let DeclKind::Policy(p) = &decl.kind else { return };
        let Some(a) = &p.applies else { return };
        let Some(origin) = self.policy_ref(file.file, &a.policy) else {
            progress.insert(id, Progress::Done);
            return;
        };
        if applied.contains_key(&origin) {
            if progress.get(&origin) == Some(&Progress::Checking) {
                self.error(
                    Diagnostic::error(
                        Code::InvalidApplication,
                        a.policy.span,
                        format!("`{}` applies itself through `{}`", p.name.name, a.policy.dotted()),
                    )
                    .with_label("applied here, and it applies this policy in turn")
                    .with_help("apply a policy that declares its own clauses"),
                );
                progress.insert(id, Progress::Done);
                return;
            }
            self.apply(origin, applied, progress);
        }
        self.apply_checked(id, origin, file.file, p, a);
        progress.insert(id, Progress::Done);
    }

    fn apply_checked(
        &mut self,
        id: PolicyId,
        origin: PolicyId,
        file: crate::span::FileId,
        p: &PolicyDecl,
        a: &AppliedFrom,
    ) {
        let origin_name = self.program.policy_path(origin);
        let mut def = self.program.policies[origin.index()].clone();
        let Some(subject) = def.subject else { return };
        let wanted = def.locals[subject.index()].ty.clone();
        let Some((root, type_len, at)) = self.applied_target(file, a, subject) else {
            return;
        };
        if at.ty != Ty::Unknown && wanted != Ty::Unknown && at.ty != wanted {
            let (want, got) = (self.display(&wanted), self.display(&at.ty));
            let mut d = Diagnostic::error(
                Code::InvalidApplication,
                a.target.span,
                format!(
                    "`{origin_name}` judges a `{want}`, and `{}` is a `{got}`",
                    a.target.dotted()
                ),
            )
            .with_label(format!("a `{got}`, not a `{want}`"));
            let fits = self.paths_of_type(&root, &wanted);
            d = match fits.first() {
                Some(path) => d.with_help(format!(
                    "apply it where a `{want}` is: `{}`",
                    path_text(a, type_len, path)
                )),
                None => d.with_help(format!(
                    "apply it on a type whose document, or a required field of it, is a `{want}`"
                )),
            };
            self.error(d);
            return;
        }

        let settings = self.policy_settings(p);
        def.title = settings.title.or(def.title);
        def.severity = settings.severity.unwrap_or(def.severity);
        def.controls = settings.controls.unwrap_or(def.controls);
        def.owner = settings.owner.or(def.owner);
        self.applied_params(&mut def, &origin_name, file, p);

        let substitute = |e: &mut TExpr| e.replace_local(subject, &at, true);
        for (_, e) in &mut def.lets {
            substitute(e);
        }
        for clause in &mut def.clauses {
            for cond in &mut clause.conditions {
                match cond {
                    TCondition::Expr(e) | TCondition::Some { collection: e, .. } | TCondition::Let { value: e, .. } => {
                        substitute(e)
                    }
                }
            }
            if let Some(message) = &mut clause.message {
                for part in &mut message.parts {
                    if let TStrPart::Interp(e) = part {
                        substitute(e);
                    }
                }
            }
        }
        def.locals[subject.index()].ty = root;
        let own = &self.program.policies[id.index()];
        def.module = own.module;
        def.name = own.name.clone();
        def.doc = own.doc.clone().or(def.doc);
        def.span = own.span;
        def.applies = Some(origin);
        self.program_mut().policies[id.index()] = def;
    }

    /// The type an applied policy is applied on, and the path to the document it judges as an
    /// expression over the subject (`d.spec`), checked field by field: each field must be a
    /// required one, so every document of the type has the judged document. Also how many
    /// segments of the written path name the type.
    fn applied_target(
        &mut self,
        file: crate::span::FileId,
        a: &AppliedFrom,
        subject: LocalId,
    ) -> Option<(Ty, usize, TExpr)> {
        let (named, rest) = match self.names.resolve_prefix(file, &a.target.segments) {
            Ok(found) => found,
            Err(LookupError::Reported) => return None,
            Err(LookupError::Error(d)) => {
                self.error(d);
                return None;
            }
        };
        let root = match named {
            Named::Item(Item::Type(t)) => Ty::Record(t),
            Named::Item(Item::Resource(r)) => Ty::Resource(r),
            Named::Poisoned => return None,
            _ => {
                let written: Vec<&str> = a.target.segments[..a.target.segments.len() - rest.len()]
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect();
                self.error(
                    Diagnostic::error(
                        Code::InvalidApplication,
                        a.target.span,
                        format!("`{}` is not a type", written.join(".")),
                    )
                    .with_label("expected a `type` or `resource`, then the fields to the judged document")
                    .with_help("write the type the policy is enforced on, e.g. `on DatasetRegistration.spec`"),
                );
                return None;
            }
        };
        let mut at = TExpr {
            kind: TExprKind::Local(subject),
            ty: root.clone(),
            span: a.target.span,
        };
        for segment in rest {
            let Some(fields) = self.program.fields_of(&at.ty) else {
                let shown = self.display(&at.ty);
                self.error(
                    Diagnostic::error(
                        Code::InvalidApplication,
                        segment.span,
                        format!("a `{shown}` has no fields"),
                    )
                    .with_label(format!("cannot read `.{}` of it", segment.name)),
                );
                return None;
            };
            let Some(field) = fields.iter().find(|f| f.name == segment.name) else {
                let shown = self.display(&at.ty);
                let mut d = Diagnostic::error(
                    Code::UnknownField,
                    segment.span,
                    format!("type `{shown}` has no field `{}`", segment.name),
                )
                .with_label("unknown field");
                d = match closest(&segment.name, fields.iter().map(|f| f.name.as_str())) {
                    Some(near) => d.with_did_you_mean(near),
                    None => {
                        let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
                        d.with_help(format!("its fields are {}", list_names(&names)))
                    }
                };
                self.error(d);
                return None;
            };
            if field.optional {
                let message = format!(
                    "`{}` is optional, so a document may have nothing to judge",
                    segment.name
                );
                self.error(
                    Diagnostic::error(Code::InvalidApplication, segment.span, message)
                        .with_label("an optional field")
                        .with_help("apply the policy at required fields only; for an optional one, write a policy that guards it with `has`"),
                );
                return None;
            }
            let ty = field.ty.clone();
            at = TExpr {
                kind: TExprKind::Field {
                    target: Box::new(at),
                    name: segment.name.clone(),
                },
                ty,
                span: a.target.span,
            };
        }
        Some((root, a.target.segments.len() - rest.len(), at))
    }

    /// `param name = value` items: new defaults for the applied policy's parameters, each of the
    /// parameter's type, constant, and within its constraints.
    fn applied_params(&mut self, def: &mut PolicyDef, origin_name: &str, file: crate::span::FileId, p: &PolicyDecl) {
        let mut given: Vec<(String, Span)> = Vec::new();
        for item in &p.items {
            let PolicyItem::ParamValue(v) = item else { continue };
            if let Some((_, first)) = given.iter().find(|(n, _)| *n == v.name.name) {
                self.error(given_twice(format!("`{}`", v.name.name), v.name.span, Some(*first)));
                continue;
            }
            given.push((v.name.name.clone(), v.name.span));
            let Some(index) = def.params.iter().position(|q| q.name == v.name.name) else {
                let mut d = Diagnostic::error(
                    Code::InvalidApplication,
                    v.name.span,
                    format!("`{origin_name}` has no parameter `{}`", v.name.name),
                )
                .with_label("unknown parameter");
                let names: Vec<String> = def.params.iter().map(|q| q.name.clone()).collect();
                d = match closest(&v.name.name, names.iter().map(String::as_str)) {
                    Some(near) => d.with_did_you_mean(near),
                    None if names.is_empty() => d.with_help(format!("`{origin_name}` has no parameters")),
                    None => d.with_help(format!("its parameters are {}", list_names(&names))),
                };
                self.error(d);
                continue;
            };
            let ty = def.params[index].ty.clone();
            let mut env = Env::new(file);
            let value = self.expect_type(
                &mut env,
                &v.value,
                &ty,
                Code::TypeMismatch,
                &format!("the value of `{}`", v.name.name),
            );
            if !is_constant(&value) {
                self.error(
                    Diagnostic::error(Code::InvalidParam, v.value.span, "a parameter value must be a constant")
                        .with_label("not a literal value")
                        .with_help("write a literal: a number, string, boolean, enum value, or a list of them"),
                );
                continue;
            }
            if let Some(problem) = constant_violation(&def.params[index].constraints, &value) {
                self.error(
                    Diagnostic::error(
                        Code::InvalidParam,
                        v.value.span,
                        format!("the value of `{}` {problem}", v.name.name),
                    )
                    .with_label("breaks the parameter's constraint")
                    .with_help(format!("`{origin_name}` declares the parameter's constraints")),
                );
                continue;
            }
            def.params[index].default = value;
        }
    }

    /// Paths from a type to fields of type `wanted`, through required fields, shortest first:
    /// where the policy could be applied instead.
    fn paths_of_type(&self, root: &Ty, wanted: &Ty) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        let mut frontier: Vec<(Ty, Vec<String>)> = vec![(root.clone(), Vec::new())];
        for _ in 0..3 {
            let mut next = Vec::new();
            for (ty, path) in frontier {
                for f in self.program.fields_of(&ty).unwrap_or_default() {
                    if f.optional {
                        continue;
                    }
                    let mut p = path.clone();
                    p.push(f.name.clone());
                    if &f.ty == wanted {
                        out.push(p.clone());
                    }
                    next.push((f.ty.clone(), p));
                }
            }
            frontier = next;
        }
        out
    }
}

/// The target as written, with `path` in place of the fields written after the type (its first
/// `type_len` segments).
fn path_text(a: &AppliedFrom, type_len: usize, path: &[String]) -> String {
    let mut out: Vec<&str> = a.target.segments[..type_len].iter().map(|s| s.name.as_str()).collect();
    out.extend(path.iter().map(String::as_str));
    out.join(".")
}
