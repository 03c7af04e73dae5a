//! Where every name of the program is defined and used: the table behind hover, go to
//! definition, find references, rename and semantic tokens.
//!
//! It is read off the front end's own results, not computed again: the syntax trees give the
//! names and their spans, the resolver gives what an item name means in a file, and the checked
//! program gives the rest (what a local name is bound to, the type a field is read from). A
//! checked expression has the span of the syntax node it came from, which is how the two are
//! joined.

use crate::checked::*;
use crate::driver::project::Analysis;
use crate::resolve::Named;
use crate::span::{FileId, Span};
use crate::syntax::ast::{self, Decl, DeclKind, Expr, ExprKind, Ident, SourceModule, TypeExpr};
use crate::syntax::visit::{walk, Visit};
use std::collections::HashMap;

/// What a name stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Symbol {
    Module(ModuleId),
    Item(Item),
    Field(Owner, String),
    Variant(EnumId, String),
    Local(Body, LocalId),
    /// A built-in function, by name.
    Builtin(&'static str),
}

/// The record-like type a field belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    Type(TypeId),
    Resource(ResourceId),
}

impl Owner {
    pub fn of(ty: &Ty) -> Option<Owner> {
        match ty {
            Ty::Record(id) => Some(Owner::Type(*id)),
            Ty::Resource(id) => Some(Owner::Resource(*id)),
            _ => None,
        }
    }

    pub fn ty(self) -> Ty {
        match self {
            Owner::Type(id) => Ty::Record(id),
            Owner::Resource(id) => Ty::Resource(id),
        }
    }
}

/// The body a local name belongs to; tests are numbered as in `Program::tests`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Body {
    Fn(FnId),
    Policy(PolicyId),
    Test(usize),
}

/// One occurrence of a name in the source.
#[derive(Debug, Clone)]
pub struct Occurrence {
    pub span: Span,
    pub symbol: Symbol,
    /// Where the name is declared (not a use of it).
    pub is_def: bool,
}

/// Every occurrence of every name, by file and position.
pub struct Index {
    /// Sorted by file, then start.
    occurrences: Vec<Occurrence>,
    definitions: HashMap<Symbol, Span>,
    /// Documentation of enum values (the checked program keeps only their names).
    variant_docs: HashMap<(EnumId, String), String>,
}

impl Index {
    pub fn build(analysis: &Analysis) -> Index {
        let mut b = Builder {
            a: analysis,
            out: Vec::new(),
            variant_docs: HashMap::new(),
            bodies: decl_bodies(analysis),
            items: decl_items(analysis),
            file: FileId(0),
            view: BodyView::default(),
        };
        for module in &analysis.modules {
            b.module(module);
        }
        let mut occurrences = b.out;
        occurrences.sort_by_key(|o| (o.span.file, o.span.start, o.span.end));
        let mut definitions = HashMap::new();
        for o in occurrences.iter().filter(|o| o.is_def) {
            definitions.entry(o.symbol.clone()).or_insert(o.span);
        }
        Index {
            occurrences,
            definitions,
            variant_docs: b.variant_docs,
        }
    }

    /// The occurrences of one file, in order.
    pub fn in_file(&self, file: FileId) -> &[Occurrence] {
        let start = self.occurrences.partition_point(|o| o.span.file < file);
        let end = self.occurrences.partition_point(|o| o.span.file <= file);
        &self.occurrences[start..end]
    }

    /// The name at a byte offset (a cursor just after a name is on it too).
    pub fn at(&self, file: FileId, offset: usize) -> Option<&Occurrence> {
        let offset = offset as u32;
        self.in_file(file)
            .iter()
            .filter(|o| o.span.start <= offset && offset <= o.span.end)
            .min_by_key(|o| (o.span.end - o.span.start, offset == o.span.end))
    }

    /// Where a symbol is declared.
    pub fn definition(&self, analysis: &Analysis, symbol: &Symbol) -> Option<Span> {
        if let Some(span) = self.definitions.get(symbol) {
            return Some(*span);
        }
        let p = &analysis.program;
        match symbol {
            Symbol::Module(m) => p.modules.get(m.index()).map(|m| m.span),
            Symbol::Item(item) => Some(item_span(p, *item)),
            Symbol::Field(owner, name) => p
                .fields_of(&owner.ty())
                .and_then(|fs| fs.iter().find(|f| &f.name == name))
                .map(|f| f.span),
            Symbol::Local(body, id) => body_locals(p, *body).get(id.index()).map(|l| l.span),
            Symbol::Variant(..) | Symbol::Builtin(_) => None,
        }
    }

    /// Every occurrence of a symbol, declarations included.
    pub fn occurrences_of<'s>(&'s self, symbol: &'s Symbol) -> impl Iterator<Item = &'s Occurrence> + 's {
        self.occurrences.iter().filter(move |o| &o.symbol == symbol)
    }

    pub fn variant_doc(&self, id: EnumId, name: &str) -> Option<&str> {
        self.variant_docs.get(&(id, name.to_string())).map(String::as_str)
    }
}

/// Where an item's name is declared.
pub fn item_span(p: &Program, item: Item) -> Span {
    match item {
        Item::Type(id) => p.types[id.index()].span,
        Item::Enum(id) => p.enums[id.index()].span,
        Item::Resource(id) => p.resources[id.index()].span,
        Item::Fn(id) => p.fns[id.index()].span,
        Item::Policy(id) => p.policies[id.index()].span,
    }
}

/// The locals of a body.
pub fn body_locals(p: &Program, body: Body) -> &[Local] {
    match body {
        Body::Fn(id) => &p.fns[id.index()].locals,
        Body::Policy(id) => &p.policies[id.index()].locals,
        Body::Test(i) => p.tests.get(i).map_or(&[], |t| &t.locals),
    }
}

/// The checked expressions of one body by span, and its locals by the span of their names.
#[derive(Default)]
pub struct BodyView<'p> {
    pub body: Option<Body>,
    pub exprs: HashMap<(u32, u32), &'p TExpr>,
    pub locals: HashMap<(u32, u32), LocalId>,
}

impl<'p> BodyView<'p> {
    pub fn new(p: &'p Program, body: Option<Body>) -> Self {
        let mut view = BodyView {
            body,
            ..BodyView::default()
        };
        let Some(body) = body else { return view };
        for (i, l) in body_locals(p, body).iter().enumerate() {
            view.locals.insert((l.span.start, l.span.end), LocalId(i as u32));
        }
        match body {
            Body::Fn(id) => {
                if let Some(b) = &p.fns[id.index()].body {
                    view.add(b);
                }
            }
            Body::Policy(id) => {
                let def = &p.policies[id.index()];
                for param in &def.params {
                    view.add(&param.default);
                }
                for (_, e) in &def.lets {
                    view.add(e);
                }
                for c in &def.clauses {
                    if let Some(m) = &c.message {
                        view.add_string(m);
                    }
                    for cond in &c.conditions {
                        match cond {
                            TCondition::Expr(e) => view.add(e),
                            TCondition::Some { collection, .. } => view.add(collection),
                            TCondition::Let { value, .. } => view.add(value),
                        }
                    }
                }
            }
            Body::Test(i) => {
                if let Some(t) = p.tests.get(i) {
                    for (_, e) in &t.lets {
                        view.add(e);
                    }
                    for x in &t.expectations {
                        view.add(&x.subject);
                        for (_, e) in &x.args {
                            view.add(e);
                        }
                    }
                }
            }
        }
        view
    }

    pub fn expr(&self, span: Span) -> Option<&'p TExpr> {
        self.exprs.get(&(span.start, span.end)).copied()
    }

    pub fn local(&self, span: Span) -> Option<LocalId> {
        self.locals.get(&(span.start, span.end)).copied()
    }

    fn add_string(&mut self, s: &'p TString) {
        for part in &s.parts {
            if let TStrPart::Interp(e) = part {
                self.add(e);
            }
        }
    }

    fn add(&mut self, e: &'p TExpr) {
        self.exprs.entry((e.span.start, e.span.end)).or_insert(e);
        for child in e.children() {
            self.add(child);
        }
    }
}

/// Which checked body each declaration of the program became.
pub fn decl_bodies(a: &Analysis) -> HashMap<Span, Body> {
    let mut out = HashMap::new();
    for &(item, _, r) in &a.names.decls {
        let Some(decl) = a.modules.get(r.file_index).and_then(|m| m.decls.get(r.decl_index)) else {
            continue;
        };
        match item {
            Item::Fn(id) => {
                out.insert(decl.span, Body::Fn(id));
            }
            Item::Policy(id) => {
                out.insert(decl.span, Body::Policy(id));
            }
            _ => {}
        }
    }
    for (i, t) in a.program.tests.iter().enumerate() {
        out.insert(t.span, Body::Test(i));
    }
    out
}

/// The checked body of one declaration, without building the whole index (completion).
pub fn body_of_decl(a: &Analysis, decl_span: Span) -> Option<Body> {
    for &(item, _, r) in &a.names.decls {
        let decl = a.modules.get(r.file_index).and_then(|m| m.decls.get(r.decl_index));
        if decl.is_some_and(|d| d.span == decl_span) {
            return match item {
                Item::Fn(id) => Some(Body::Fn(id)),
                Item::Policy(id) => Some(Body::Policy(id)),
                _ => None,
            };
        }
    }
    a.program.tests.iter().position(|t| t.span == decl_span).map(Body::Test)
}

/// The documentation of an enum value, read from its declaration.
pub fn variant_doc_of(a: &Analysis, id: EnumId, name: &str) -> Option<String> {
    let &(_, _, r) = a.names.decls.iter().find(|(item, _, _)| *item == Item::Enum(id))?;
    let decl = a.modules.get(r.file_index)?.decls.get(r.decl_index)?;
    let DeclKind::Enum(e) = &decl.kind else { return None };
    let v = e.variants.iter().find(|v| v.name.name == name)?;
    v.doc.as_ref().map(|d| d.text.clone())
}

/// Which item a declaration declares.
fn decl_items(a: &Analysis) -> HashMap<Span, Item> {
    let mut out = HashMap::new();
    for &(item, _, r) in &a.names.decls {
        if let Some(decl) = a.modules.get(r.file_index).and_then(|m| m.decls.get(r.decl_index)) {
            out.entry(decl.span).or_insert(item);
        }
    }
    out
}

struct Builder<'a> {
    a: &'a Analysis,
    out: Vec<Occurrence>,
    variant_docs: HashMap<(EnumId, String), String>,
    bodies: HashMap<Span, Body>,
    items: HashMap<Span, Item>,
    /// The file being walked.
    file: FileId,
    /// The checked body of the declaration being walked.
    view: BodyView<'a>,
}

impl<'a> Builder<'a> {
    fn push(&mut self, span: Span, symbol: Symbol, is_def: bool) {
        self.out.push(Occurrence { span, symbol, is_def });
    }

    fn module(&mut self, m: &'a SourceModule) {
        let file = m.file;
        self.file = file;
        let names = &self.a.names;
        if let (Some(package), Some(module)) = (&m.package, names.module_of(file)) {
            self.push(package.span, Symbol::Module(module), true);
        }
        for import in &m.imports {
            let Some(&target) = names.module_by_name.get(&import.module.dotted()) else {
                continue;
            };
            self.push(import.module.span, Symbol::Module(target), false);
            for name in import.names.iter().flatten() {
                if let Some((item, _)) = names.items[target.index()].get(&name.name) {
                    self.push(name.span, Symbol::Item(*item), false);
                }
            }
        }
        for decl in &m.decls {
            self.visit_decl(decl);
        }
    }

    /// The names a declaration declares besides locals: itself, its fields and enum values.
    fn declared_names(&mut self, decl: &Decl, item: Option<Item>) {
        if let (Some(name), Some(item)) = (decl.name(), item) {
            self.push(name.span, Symbol::Item(item), true);
        }
        match (&decl.kind, item) {
            (DeclKind::Type(t), Some(Item::Type(id))) => {
                for f in &t.fields {
                    self.push(f.name.span, Symbol::Field(Owner::Type(id), f.name.name.clone()), true);
                }
            }
            (DeclKind::Enum(e), Some(Item::Enum(id))) => {
                for v in &e.variants {
                    self.push(v.name.span, Symbol::Variant(id, v.name.name.clone()), true);
                    if let Some(doc) = &v.doc {
                        self.variant_docs.insert((id, v.name.name.clone()), doc.text.clone());
                    }
                }
            }
            (DeclKind::Resource(r), Some(Item::Resource(id))) => {
                for f in &r.fields {
                    self.push(
                        f.name.span,
                        Symbol::Field(Owner::Resource(id), f.name.name.clone()),
                        true,
                    );
                }
            }
            (DeclKind::Policy(p), Some(Item::Policy(id))) => {
                if let Some(applied) = &p.applies {
                    self.applied_target(&applied.target);
                    self.applied_params(id, &p.items);
                }
            }
            _ => {}
        }
    }

    /// `on T.f.g` of an applied policy: the type, then each field on the path.
    fn applied_target(&mut self, target: &ast::Path) {
        let Ok((Named::Item(item), rest)) = self.a.names.resolve_prefix(self.file, &target.segments) else {
            return;
        };
        self.type_name(&target.segments[..target.segments.len() - rest.len()], item);
        let mut ty = match item {
            Item::Type(id) => Ty::Record(id),
            Item::Resource(id) => Ty::Resource(id),
            _ => return,
        };
        for segment in rest {
            let Some(owner) = Owner::of(&ty) else { return };
            let program = &self.a.program;
            let Some(field) = program
                .fields_of(&ty)
                .and_then(|fs| fs.iter().find(|f| f.name == segment.name))
            else {
                return;
            };
            ty = field.ty.clone();
            self.push(segment.span, Symbol::Field(owner, segment.name.clone()), false);
        }
    }

    /// `param name = value` of an applied policy: a use of the parameter of the policy it applies.
    fn applied_params(&mut self, id: PolicyId, items: &[ast::PolicyItem]) {
        let Some(mut origin) = self.a.program.policies[id.index()].applies else {
            return;
        };
        // A policy applied again has the parameters (same locals) of the one that declares them.
        while let Some(next) = self.a.program.policies[origin.index()].applies {
            if next == id {
                return;
            }
            origin = next;
        }
        for item in items {
            let ast::PolicyItem::ParamValue(v) = item else { continue };
            let param = self.a.program.policies[origin.index()]
                .params
                .iter()
                .find(|q| q.name == v.name.name)
                .map(|q| q.local);
            if let Some(local) = param {
                self.push(v.name.span, Symbol::Local(Body::Policy(origin), local), false);
            }
        }
    }

    fn local_def(&mut self, name: &Ident) {
        if let (Some(body), Some(id)) = (self.view.body, self.view.local(name.span)) {
            self.push(name.span, Symbol::Local(body, id), true);
        }
    }

    /// A path naming an item (`p`, `alias.p`); returns the item.
    fn item_path(&mut self, segments: &[Ident]) -> Option<Item> {
        let item = self.a.names.lookup_path(self.file, segments).ok()?;
        self.type_name(segments, item);
        Some(item)
    }

    /// A path whose item is known (`T`, `alias.T`): the item at its last segment, the module
    /// at its first.
    fn type_name(&mut self, segments: &[Ident], item: Item) {
        if let Some(last) = segments.last() {
            self.push(last.span, Symbol::Item(item), false);
        }
        if segments.len() == 2 {
            if let Some(Named::Module(m)) = self.a.names.lookup(self.file, &segments[0].name) {
                self.push(segments[0].span, Symbol::Module(m), false);
            }
        }
    }
}

impl<'a> Visit<'a> for Builder<'a> {
    fn visit_decl(&mut self, decl: &'a Decl) {
        let item = self.items.get(&decl.span).copied();
        self.declared_names(decl, item);
        let body = self.bodies.get(&decl.span).copied();
        self.view = BodyView::new(&self.a.program, body);
        walk::decl(self, decl);
    }

    fn visit_binding(&mut self, name: &'a Ident) {
        self.local_def(name);
    }

    fn visit_type_expr(&mut self, t: &'a TypeExpr) {
        match &t.kind {
            ast::TypeExprKind::Named(path) => {
                if path.segments.len() == 1 && crate::checked::is_reserved_type_name(&path.segments[0].name) {
                    return;
                }
                self.item_path(&path.segments);
            }
            ast::TypeExprKind::List(e) => self.visit_type_expr(e),
            ast::TypeExprKind::Map(_, v) => self.visit_type_expr(v),
        }
    }

    fn visit_policy_ref(&mut self, path: &'a ast::Path) {
        self.item_path(&path.segments);
    }

    fn visit_expectation(&mut self, x: &'a ast::Expectation) {
        let policy = self.item_path(&x.policy.segments);
        self.visit_expr(&x.subject);
        for arg in &x.args {
            if let Some(Item::Policy(pid)) = policy {
                let def = &self.a.program.policies[pid.index()];
                if let Some(param) = def.params.iter().find(|q| q.name == arg.name.name) {
                    let symbol = Symbol::Local(Body::Policy(pid), param.local);
                    self.push(arg.name.span, symbol, false);
                }
            }
            self.visit_expr(&arg.value);
        }
    }

    fn visit_expr(&mut self, e: &'a Expr) {
        let view = &self.view;
        match &e.kind {
            ExprKind::Name(name) => match (view.expr(name.span).map(|t| &t.kind), view.body) {
                (Some(TExprKind::Local(id)), Some(body)) => self.push(name.span, Symbol::Local(body, *id), false),
                _ => match self.a.names.lookup(self.file, &name.name) {
                    Some(Named::Item(item)) => self.push(name.span, Symbol::Item(item), false),
                    Some(Named::Module(m)) => self.push(name.span, Symbol::Module(m), false),
                    _ => {}
                },
            },
            ExprKind::Field { target, field } => match view.expr(e.span).map(|t| &t.kind) {
                Some(TExprKind::Field { target: t, name }) => {
                    if let Some(owner) = Owner::of(&t.ty) {
                        self.push(field.span, Symbol::Field(owner, name.clone()), false);
                    }
                    self.visit_expr(target);
                }
                Some(TExprKind::Variant(id, value)) => {
                    let id = *id;
                    self.push(field.span, Symbol::Variant(id, value.clone()), false);
                    if let Some(path) = target.static_path() {
                        let segments: Vec<Ident> = path.into_iter().cloned().collect();
                        self.type_name(&segments, Item::Enum(id));
                    }
                }
                _ => self.visit_expr(target),
            },
            ExprKind::Call { callee, args } => {
                match (view.expr(e.span).map(|t| &t.kind), callee.static_path()) {
                    (Some(TExprKind::Call { func, .. }), Some(path)) => {
                        let segments: Vec<Ident> = path.into_iter().cloned().collect();
                        self.type_name(&segments, Item::Fn(*func));
                    }
                    (Some(TExprKind::Builtin { builtin, .. }), _) => {
                        self.push(callee.span, Symbol::Builtin(builtin.name()), false);
                    }
                    _ => self.visit_expr(callee),
                }
                for a in args {
                    self.visit_expr(a);
                }
            }
            ExprKind::Record { ty, fields } => {
                let checked = view.expr(e.span).map(|t| &t.ty);
                if let Some(path) = ty {
                    match checked {
                        Some(Ty::Record(id)) => self.type_name(&path.segments, Item::Type(*id)),
                        Some(Ty::Resource(id)) => self.type_name(&path.segments, Item::Resource(*id)),
                        _ => {
                            self.item_path(&path.segments);
                        }
                    }
                }
                let owner = checked.and_then(Owner::of);
                for f in fields {
                    if let Some(owner) = owner {
                        self.push(f.name.span, Symbol::Field(owner, f.name.name.clone()), false);
                    }
                    self.visit_expr(&f.value);
                }
            }
            _ => walk::expr(self, e),
        }
    }
}
