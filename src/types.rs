//! The type checker: enforces every rule of LANGUAGE.md §5 and produces the checked [`Program`].
//!
//! It runs in three passes over the resolved names: signatures (fields, resources, function and
//! policy headers), then bodies (functions, policies, enforcements, tests). Each error is reported
//! once; an expression with an error gets the type `unknown`, which fits anywhere, so one mistake
//! does not cascade.

mod applied;
mod builtins;
mod env;
mod expr;
mod items;
mod pattern;
mod policy;
mod tests_and_enforce;

/// A constant pattern as the engines are given it (RE2 with the meaning OPA gives it).
pub use builtins::canonical as canonical_pattern;

use crate::checked::*;
use crate::diagnostic::suggest::closest;
use crate::diagnostic::{Code, Diagnostic};
use crate::resolve::{DeclRef, LookupError, Names};
use crate::span::{FileId, Span};
use crate::syntax::ast::{Decl, DeclKind, SourceModule, TypeExpr, TypeExprKind};

pub use env::Env;

/// Type-checks the program. `files` are the parsed files, `names` their resolution.
pub fn check(files: &[SourceModule], names: &Names, diags: &mut Vec<Diagnostic>) -> Program {
    let mut checker = Checker::new(files, names);
    checker.signatures();
    checker.bodies();
    checker.case_collisions();
    diags.append(&mut checker.diags);
    checker.program
}

pub(crate) struct Checker<'a> {
    files: &'a [SourceModule],
    names: &'a Names,
    program: Program,
    diags: Vec<Diagnostic>,
    /// The `std.k8s.AdmissionRequest` of each subject type, with its `oldObject` of that type.
    request_types: std::collections::HashMap<Ty, TypeId>,
}

impl<'a> Checker<'a> {
    fn new(files: &'a [SourceModule], names: &'a Names) -> Self {
        let c = names.counts;
        let placeholder_span = Span::new(FileId(0), 0, 0);
        let mut program = Program {
            modules: names.modules.clone(),
            ..Program::default()
        };
        let blank = |module| (module, None::<String>, placeholder_span);
        program.types = (0..c.types)
            .map(|_| {
                let (module, doc, span) = blank(ModuleId(0));
                TypeDef {
                    module,
                    name: String::new(),
                    doc,
                    fields: Vec::new(),
                    span,
                }
            })
            .collect();
        program.enums = (0..c.enums)
            .map(|_| EnumDef {
                module: ModuleId(0),
                name: String::new(),
                doc: None,
                variants: Vec::new(),
                span: placeholder_span,
            })
            .collect();
        program.resources = (0..c.resources)
            .map(|_| ResourceDef {
                module: ModuleId(0),
                name: String::new(),
                doc: None,
                group: String::new(),
                version: String::new(),
                scope: Scope::Namespaced,
                plural: String::new(),
                external: false,
                pod_template: None,
                spec: Ty::Unknown,
                fields: Vec::new(),
                columns: Vec::new(),
                span: placeholder_span,
            })
            .collect();
        program.fns = (0..c.fns)
            .map(|_| FnDef {
                module: ModuleId(0),
                name: String::new(),
                doc: None,
                params: Vec::new(),
                ret: Ty::Unknown,
                body: None,
                locals: Vec::new(),
                span: placeholder_span,
            })
            .collect();
        program.policies = (0..c.policies)
            .map(|_| PolicyDef {
                module: ModuleId(0),
                name: String::new(),
                doc: None,
                title: None,
                severity: Severity::Medium,
                controls: Vec::new(),
                owner: None,
                params: Vec::new(),
                subject: None,
                request: None,
                lets: Vec::new(),
                clauses: Vec::new(),
                locals: Vec::new(),
                applies: None,
                span: placeholder_span,
            })
            .collect();
        Checker {
            files,
            names,
            program,
            diags: Vec::new(),
            request_types: Default::default(),
        }
    }

    fn decl(&self, r: DeclRef) -> (&'a SourceModule, &'a Decl) {
        let file = &self.files[r.file_index];
        (file, &file.decls[r.decl_index])
    }

    fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Pass 2: everything later passes need to know about an item without reading its body.
    /// Enums first (types refer to them), then records, resources, functions, policy headers.
    fn signatures(&mut self) {
        let decls = self.names.decls.clone();
        for &(item, module, r) in &decls {
            if let Item::Enum(id) = item {
                self.enum_signature(id, module, r);
            }
        }
        for &(item, module, r) in &decls {
            if let Item::Type(id) = item {
                self.type_signature(id, module, r);
            }
        }
        for &(item, module, r) in &decls {
            match item {
                Item::Resource(id) => self.resource_signature(id, module, r),
                Item::Fn(id) => self.fn_signature(id, module, r),
                Item::Policy(id) => self.policy_signature(id, module, r),
                _ => {}
            }
        }
    }

    /// Pass 3: bodies of functions and policies, enforcements and tests.
    fn bodies(&mut self) {
        let decls = self.names.decls.clone();
        for &(item, _, r) in &decls {
            match item {
                Item::Fn(id) => self.fn_body(id, r),
                Item::Policy(id) => self.policy_body(id, r),
                _ => {}
            }
        }
        self.applied_policies();
        for (file_index, file) in self.files.iter().enumerate() {
            let Some(module) = self.names.module_of(file.file) else {
                continue;
            };
            for (decl_index, decl) in file.decls.iter().enumerate() {
                let r = DeclRef { file_index, decl_index };
                match &decl.kind {
                    DeclKind::Enforce(e) => self.enforcement(module, file.file, e, decl.span),
                    DeclKind::Test(t) => self.test(module, r, t, decl.span),
                    _ => {}
                }
            }
        }
        self.duplicate_test_names();
    }

    /// Resolves a written type.
    pub(crate) fn resolve_type(&mut self, file: FileId, t: &TypeExpr) -> Ty {
        match &t.kind {
            TypeExprKind::List(elem) => Ty::List(Box::new(self.resolve_type(file, elem))),
            TypeExprKind::Map(key, value) => {
                if key.name != "string" {
                    self.error(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            key.span,
                            format!("map keys must be `string`, not `{}`", key.name),
                        )
                        .with_label("not allowed as a key type")
                        .with_help("write the map type as `{string: T}`; JSON object keys are always strings"),
                    );
                }
                Ty::Map(Box::new(self.resolve_type(file, value)))
            }
            TypeExprKind::Named(path) => {
                if path.segments.len() == 1 {
                    if let Some((_, ty)) = SCALARS.iter().find(|(n, _)| *n == path.segments[0].name) {
                        return ty.clone();
                    }
                }
                match self.names.lookup_path(file, &path.segments) {
                    Ok(Item::Type(id)) => Ty::Record(id),
                    Ok(Item::Enum(id)) => Ty::Enum(id),
                    Ok(Item::Resource(id)) => Ty::Resource(id),
                    Ok(item @ (Item::Fn(_) | Item::Policy(_))) => {
                        let what = if matches!(item, Item::Fn(_)) {
                            "a function"
                        } else {
                            "a policy"
                        };
                        self.error(
                            Diagnostic::error(Code::NotAType, path.span, format!("`{}` is not a type", path.dotted()))
                                .with_label(format!("{what}, not a type"))
                                .with_help("types are `string`, `int`, `float`, `bool`, `timestamp`, `[T]`, `{string: T}` and declared `type`, `enum` and `resource` names"),
                        );
                        Ty::Unknown
                    }
                    Err(LookupError::Reported) => Ty::Unknown,
                    Err(LookupError::Error(mut d)) => {
                        if d.code == Code::UnknownName && path.segments.len() == 1 {
                            d.code = Code::UnknownType;
                            d.message = format!("unknown type `{}`", path.segments[0].name);
                            let mut candidates = self.names.visible_names(file);
                            candidates.extend(SCALARS.iter().map(|(n, _)| *n));
                            d.help = None;
                            d.suggestion = None;
                            if let Some(s) = closest(&path.segments[0].name, candidates) {
                                d = d.with_did_you_mean(s);
                            } else {
                                d = d.with_help("declare it with `type`, or import it, e.g. `import std.ai.{Dataset}`");
                            }
                        }
                        self.error(d);
                        Ty::Unknown
                    }
                }
            }
        }
    }

    /// Whether a value of type `actual` may stand where `expected` is required.
    pub(crate) fn assignable(actual: &Ty, expected: &Ty) -> bool {
        match (actual, expected) {
            (Ty::Unknown, _) | (_, Ty::Unknown) => true,
            (Ty::Int, Ty::Float) => true,
            (Ty::Int | Ty::String, Ty::IntOrString) => true,
            (Ty::List(a), Ty::List(b)) | (Ty::Map(a), Ty::Map(b)) => Self::assignable(a, b),
            (a, b) => a == b,
        }
    }

    pub(crate) fn display(&self, ty: &Ty) -> String {
        self.program.display(ty)
    }
}

/// A name given twice where it may be given once (a setting, a parameter value, a record field,
/// an `enforce` target, an argument): `what` at `again`, pointing at the `first` when known.
pub(crate) fn given_twice(what: String, again: Span, first: Option<Span>) -> Diagnostic {
    let d =
        Diagnostic::error(Code::DuplicateItem, again, format!("{what} is given twice")).with_label("given again here");
    match first {
        Some(first) => d.with_secondary(first, "first given here"),
        None => d,
    }
}
