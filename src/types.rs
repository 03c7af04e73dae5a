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
    check_with(files, names, diags, BODIES_PER_THREAD)
}

/// Function and policy bodies per thread below which another thread costs more than it saves.
const BODIES_PER_THREAD: usize = 256;

/// [`check`], with another thread for each `per_thread` bodies.
fn check_with(files: &[SourceModule], names: &Names, diags: &mut Vec<Diagnostic>, per_thread: usize) -> Program {
    let mut checker = Checker::new(files, names);
    checker.signatures(per_thread);
    checker.bodies(per_thread);
    checker.case_collisions();
    diags.append(&mut checker.diags);
    checker.program.into_owned()
}

/// The signature of a record or a function, as a thread that checks signatures returns it.
enum Header {
    Type(TypeId, TypeDef),
    Fn(FnId, FnDef),
}

/// The checked body of a function or a policy, as a thread that checks bodies returns it.
pub(crate) enum CheckedBody {
    Fn {
        id: FnId,
        body: TExpr,
        locals: Vec<Local>,
    },
    Policy {
        id: PolicyId,
        lets: Vec<(LocalId, TExpr)>,
        clauses: Vec<TClause>,
        locals: Vec<Local>,
    },
}

pub(crate) struct Checker<'a> {
    files: &'a [SourceModule],
    names: &'a Names,
    /// Owned while the signatures are read; borrowed by each thread that checks bodies.
    program: std::borrow::Cow<'a, Program>,
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
                inventories: Vec::new(),
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
            program: std::borrow::Cow::Owned(program),
            diags: Vec::new(),
            request_types: Default::default(),
        }
    }

    /// The program, to write to.
    fn program_mut(&mut self) -> &mut Program {
        match &mut self.program {
            std::borrow::Cow::Owned(program) => program,
            // INVARIANT: only the checker that owns the program writes it; the threads that check
            // bodies return them (`CheckedBody`) and borrow the program.
            std::borrow::Cow::Borrowed(_) => unreachable!("a body checker writes the program"),
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
    /// Enums first (types refer to them), then records and function headers (on a thread for
    /// each `per_thread` of them: they read only names), then resources and policy headers (which
    /// read the records).
    fn signatures(&mut self, per_thread: usize) {
        let decls = self.names.decls.clone();
        for &(item, module, r) in &decls {
            if let Item::Enum(id) = item {
                self.enum_signature(id, module, r);
            }
        }
        self.declared_names(&decls);
        let headers: Vec<_> = decls
            .iter()
            .filter(|(item, _, _)| matches!(item, Item::Type(_) | Item::Fn(_)))
            .collect();
        let checked = self.on_all_cores(&headers, per_thread, |checker, &&(item, module, r)| match item {
            Item::Type(id) => checker.type_signature(module, r).map(|def| Header::Type(id, def)),
            Item::Fn(id) => checker.fn_signature(module, r).map(|def| Header::Fn(id, def)),
            _ => None,
        });
        for (header, mut diags) in checked {
            match header {
                Some(Header::Type(id, def)) => self.program_mut().types[id.index()] = def,
                Some(Header::Fn(id, def)) => self.program_mut().fns[id.index()] = def,
                None => {}
            }
            self.diags.append(&mut diags);
        }
        for &(item, module, r) in &decls {
            match item {
                Item::Resource(id) => self.resource_signature(id, module, r),
                Item::Policy(id) => self.policy_signature(id, module, r),
                _ => {}
            }
        }
    }

    /// The names of the records and resources, before any signature is read: a message about
    /// one signature may name a type declared further on.
    fn declared_names(&mut self, decls: &[(Item, ModuleId, DeclRef)]) {
        for &(item, module, r) in decls {
            let (_, decl) = self.decl(r);
            match (item, &decl.kind) {
                (Item::Type(id), DeclKind::Type(t)) => {
                    let def = &mut self.program_mut().types[id.index()];
                    (def.module, def.name, def.span) = (module, t.name.name.clone(), t.name.span);
                }
                (Item::Resource(id), DeclKind::Resource(res)) => {
                    let def = &mut self.program_mut().resources[id.index()];
                    (def.module, def.name, def.span) = (module, res.name.name.clone(), res.name.span);
                }
                _ => {}
            }
        }
    }

    /// Pass 3: bodies of functions and policies, then enforcements and tests (a test reads the
    /// clauses of the policies it names). Bodies and tests are checked on a thread for each
    /// `per_thread` of them.
    fn bodies(&mut self, per_thread: usize) {
        let decls: Vec<(Item, DeclRef)> = self
            .names
            .decls
            .iter()
            .filter(|(item, _, _)| matches!(item, Item::Fn(_) | Item::Policy(_)))
            .map(|&(item, _, r)| (item, r))
            .collect();
        let checked = self.on_all_cores(&decls, per_thread, |checker, &(item, r)| match item {
            Item::Fn(id) => checker.fn_body(id, r),
            Item::Policy(id) => checker.policy_body(id, r),
            _ => None,
        });
        for (body, mut diags) in checked {
            if let Some(body) = body {
                self.store_body(body);
            }
            self.diags.append(&mut diags);
        }
        self.applied_policies();
        let mut tests = Vec::new();
        for (file_index, file) in self.files.iter().enumerate() {
            let Some(module) = self.names.module_of(file.file) else {
                continue;
            };
            for (decl_index, decl) in file.decls.iter().enumerate() {
                let r = DeclRef { file_index, decl_index };
                match &decl.kind {
                    DeclKind::Enforce(e) => self.enforcement(module, file.file, e, decl.span),
                    DeclKind::Test(t) => tests.push((module, r, t, decl.span)),
                    _ => {}
                }
            }
        }
        let checked = self.on_all_cores(&tests, per_thread, |checker, &(module, r, t, span)| {
            checker.test(module, r, t, span)
        });
        for (test, mut diags) in checked {
            self.program_mut().tests.push(test);
            self.diags.append(&mut diags);
        }
        self.duplicate_test_names();
    }

    /// `check` of each of `items`, with its diagnostics, in the order of `items`. An item is
    /// checked against the program as it stands (a body reads only the signatures, a test the
    /// checked policies), so the items are checked on all cores for a large program: each thread
    /// borrows the program and takes the next item not yet taken. The result is the same as
    /// checking them one after the other.
    fn on_all_cores<I: Sync, T: Send>(
        &self,
        items: &[I],
        per_thread: usize,
        check: impl Fn(&mut Checker<'_>, &I) -> T + Sync,
    ) -> Vec<(T, Vec<Diagnostic>)> {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let check_next = || {
            let mut checker = Checker {
                files: self.files,
                names: self.names,
                program: std::borrow::Cow::Borrowed(&*self.program),
                diags: Vec::new(),
                request_types: Default::default(),
            };
            let mut checked = Vec::new();
            loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(item) = items.get(index) else {
                    return checked;
                };
                let result = check(&mut checker, item);
                checked.push((index, result, std::mem::take(&mut checker.diags)));
            }
        };
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(items.len() / per_thread.max(1))
            .max(1);
        let mut checked = std::thread::scope(|s| {
            // A body is checked recursively, as deep as its syntax tree: on a stack sized for it.
            let helpers: Vec<_> = (1..threads)
                .map(|_| {
                    crate::limits::compiler_thread("govc-check")
                        .spawn_scoped(s, check_next)
                        // INVARIANT: only address space is reserved; failing that leaves nothing to run on.
                        .expect("start a checker thread")
                })
                .collect();
            let mut checked = check_next();
            for helper in helpers {
                checked.extend(helper.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
            }
            checked
        });
        checked.sort_unstable_by_key(|(index, _, _)| *index);
        checked.into_iter().map(|(_, result, diags)| (result, diags)).collect()
    }

    /// Stores a body checked by [`Checker::fn_body`] or [`Checker::policy_body`].
    fn store_body(&mut self, body: CheckedBody) {
        match body {
            CheckedBody::Fn { id, body, locals } => {
                let def = &mut self.program_mut().fns[id.index()];
                def.body = Some(body);
                def.locals = locals;
            }
            CheckedBody::Policy {
                id,
                lets,
                clauses,
                locals,
            } => {
                let def = &mut self.program_mut().policies[id.index()];
                def.lets = lets;
                def.clauses = clauses;
                def.locals = locals;
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Signatures, bodies and tests checked on several threads give the program and the
    /// diagnostics, in their order, that checking them one after the other gives.
    #[test]
    fn bodies_on_several_threads_check_as_on_one() {
        let mut text = String::from("package p\nimport std.ai.{Dataset}\ntype T { n: int, s: string }\n");
        for i in 0..300 {
            text.push_str(&format!(
                "fn f{i}(t: T) -> bool = t.n + {i} == t.s or unknown{i}\n\
                 policy q{i} {{\n  subject t: T\n  let x = t.m\n  deny \"{{t.n}} {{x}}\" when f{i}(t) and t.s == {i}\n}}\n\
                 test \"t{i}\" {{\n  let v = T {{ n: {i}, s: \"x\" }}\n  expect denied q{i}(v)\n  expect passes q{i}(T {{ n: \"{i}\" }})\n}}\n\
                 type U{i} {{ a: int, a: string, b: Missing{i}, c: T @min(1) }}\n\
                 fn g{i}(x: Nope{i}, x: int) -> U{i} = 1\n"
            ));
        }
        let (module, mut parse_diags) = crate::syntax::parse_file(FileId(0), &text);
        assert!(parse_diags.is_empty());
        let files = [module];
        let names = Names::collect(&files, &[false], &mut parse_diags);
        let (mut one, mut several) = (Vec::new(), Vec::new());
        let on_one = check_with(&files, &names, &mut one, usize::MAX);
        let on_several = check_with(&files, &names, &mut several, 1);
        assert!(one.len() >= 2700, "{}", one.len());
        assert_eq!(on_one.tests.len(), 300);
        assert_eq!(format!("{several:?}"), format!("{one:?}"));
        assert_eq!(format!("{on_several:?}"), format!("{on_one:?}"));
    }
}
