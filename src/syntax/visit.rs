//! One walk over the syntax tree. [`Visit`] reads a tree and [`VisitMut`] changes one; both are
//! written once, below, by a macro. Each has a method per kind of node whose default visits the
//! node's children in source order (through the `walk_*` functions), so a visitor overrides the
//! nodes it cares about and calls `walk_*` to go on inside them.
//!
//! Every [`Span`] of the tree reaches [`Visit::visit_span`], every name that a declaration,
//! parameter, `let`, `some` or quantifier binds reaches `visit_binding`, and every path that
//! names a policy (in `enforce`, `expect` and an applied policy) reaches `visit_policy_ref`.

use super::ast::*;
use crate::span::Span;

macro_rules! visitor {
    ($(#[$doc:meta])* $Visit:ident, $walk:ident $(, $mut_:ident)?) => {
        $(#[$doc])*
        pub trait $Visit<'a> {
            fn visit_decl(&mut self, decl: &'a $($mut_)? Decl) {
                $walk::decl(self, decl)
            }
            fn visit_doc(&mut self, doc: &'a $($mut_)? Doc) {
                self.visit_span(& $($mut_)? doc.span)
            }
            /// A name that is not bound here: a field, a setting's key, a record field, a
            /// constraint, a policy parameter set by `expect`.
            fn visit_ident(&mut self, ident: &'a $($mut_)? Ident) {
                self.visit_span(& $($mut_)? ident.span)
            }
            /// A name bound here: a declaration's, a parameter's, the subject's, a `let`'s, or the
            /// variable of `some` or a quantifier.
            fn visit_binding(&mut self, ident: &'a $($mut_)? Ident) {
                self.visit_ident(ident)
            }
            fn visit_path(&mut self, path: &'a $($mut_)? Path) {
                $walk::path(self, path)
            }
            /// A path naming a policy, in `enforce`, `expect` or an applied policy.
            fn visit_policy_ref(&mut self, path: &'a $($mut_)? Path) {
                self.visit_path(path)
            }
            fn visit_field(&mut self, field: &'a $($mut_)? Field) {
                $walk::field(self, field)
            }
            fn visit_type_expr(&mut self, ty: &'a $($mut_)? TypeExpr) {
                $walk::type_expr(self, ty)
            }
            fn visit_literal(&mut self, literal: &'a $($mut_)? Literal) {
                $walk::literal(self, literal)
            }
            fn visit_setting(&mut self, setting: &'a $($mut_)? Setting) {
                $walk::setting(self, setting)
            }
            fn visit_clause(&mut self, clause: &'a $($mut_)? Clause) {
                $walk::clause(self, clause)
            }
            fn visit_expectation(&mut self, expectation: &'a $($mut_)? Expectation) {
                $walk::expectation(self, expectation)
            }
            fn visit_expr(&mut self, expr: &'a $($mut_)? Expr) {
                $walk::expr(self, expr)
            }
            fn visit_string(&mut self, string: &'a $($mut_)? StringLit) {
                $walk::string(self, string)
            }
            fn visit_span(&mut self, _span: &'a $($mut_)? Span) {}
        }

        /// The default walks of the visitor: each visits the children of one kind of node.
        pub mod $walk {
            use super::*;

            pub fn decl<'a, V: $Visit<'a> + ?Sized>(v: &mut V, decl: &'a $($mut_)? Decl) {
                let Decl { doc, kind, span } = decl;
                if let Some(doc) = doc {
                    v.visit_doc(doc);
                }
                match kind {
                    DeclKind::Type(TypeDecl { name, fields }) => {
                        v.visit_binding(name);
                        for f in fields {
                            v.visit_field(f);
                        }
                    }
                    DeclKind::Enum(EnumDecl { name, variants }) => {
                        v.visit_binding(name);
                        for Variant { doc, name } in variants {
                            if let Some(doc) = doc {
                                v.visit_doc(doc);
                            }
                            v.visit_binding(name);
                        }
                    }
                    DeclKind::Resource(ResourceDecl { name, settings, fields }) => {
                        v.visit_binding(name);
                        for s in settings {
                            v.visit_setting(s);
                        }
                        for field in fields {
                            v.visit_field(field);
                        }
                    }
                    DeclKind::Fn(FnDecl { name, params, ret, body }) => {
                        v.visit_binding(name);
                        for FnParam { name, ty } in params {
                            v.visit_binding(name);
                            v.visit_type_expr(ty);
                        }
                        v.visit_type_expr(ret);
                        match body {
                            FnBody::Expr(e) => v.visit_expr(e),
                            FnBody::Conditions { conditions, span } => {
                                for c in conditions {
                                    condition(v, c);
                                }
                                v.visit_span(span);
                            }
                        }
                    }
                    DeclKind::Policy(PolicyDecl { name, applies, items }) => {
                        v.visit_binding(name);
                        if let Some(AppliedFrom { policy, target, span }) = applies {
                            v.visit_policy_ref(policy);
                            v.visit_path(target);
                            v.visit_span(span);
                        }
                        for item in items {
                            policy_item(v, item);
                        }
                    }
                    DeclKind::Enforce(EnforceDecl { policies, targets }) => {
                        for p in policies {
                            v.visit_policy_ref(p);
                        }
                        for EnforceTarget { name, settings, span } in targets {
                            v.visit_ident(name);
                            for s in settings {
                                v.visit_setting(s);
                            }
                            v.visit_span(span);
                        }
                    }
                    DeclKind::Test(TestDecl { name, items }) => {
                        v.visit_string(name);
                        for item in items {
                            match item {
                                TestItem::Let(l) => let_binding(v, l),
                                TestItem::Expect(x) => v.visit_expectation(x),
                            }
                        }
                    }
                }
                v.visit_span(span);
            }

            pub fn policy_item<'a, V: $Visit<'a> + ?Sized>(v: &mut V, item: &'a $($mut_)? PolicyItem) {
                match item {
                    PolicyItem::Setting(s) => v.visit_setting(s),
                    PolicyItem::Param(ParamDecl { doc, name, ty, constraints, default, span }) => {
                        if let Some(doc) = doc {
                            v.visit_doc(doc);
                        }
                        v.visit_binding(name);
                        v.visit_type_expr(ty);
                        for c in constraints {
                            constraint(v, c);
                        }
                        v.visit_expr(default);
                        v.visit_span(span);
                    }
                    PolicyItem::Subject(SubjectDecl { name, ty, span })
                    | PolicyItem::Request(SubjectDecl { name, ty, span })
                    | PolicyItem::Inventory(SubjectDecl { name, ty, span }) => {
                        v.visit_binding(name);
                        v.visit_type_expr(ty);
                        v.visit_span(span);
                    }
                    PolicyItem::Let(l) => let_binding(v, l),
                    PolicyItem::Clause(c) => v.visit_clause(c),
                    PolicyItem::ParamValue(ParamValue { name, value, span }) => {
                        v.visit_ident(name);
                        v.visit_expr(value);
                        v.visit_span(span);
                    }
                }
            }

            pub fn let_binding<'a, V: $Visit<'a> + ?Sized>(v: &mut V, l: &'a $($mut_)? LetBinding) {
                let LetBinding { name, value, span } = l;
                v.visit_expr(value);
                v.visit_binding(name);
                v.visit_span(span);
            }

            pub fn path<'a, V: $Visit<'a> + ?Sized>(v: &mut V, path: &'a $($mut_)? Path) {
                let Path { segments, span } = path;
                for s in segments {
                    v.visit_ident(s);
                }
                v.visit_span(span);
            }

            pub fn field<'a, V: $Visit<'a> + ?Sized>(v: &mut V, field: &'a $($mut_)? Field) {
                let Field { doc, name, optional: _, ty, constraints, span } = field;
                if let Some(doc) = doc {
                    v.visit_doc(doc);
                }
                v.visit_ident(name);
                v.visit_type_expr(ty);
                for c in constraints {
                    constraint(v, c);
                }
                v.visit_span(span);
            }

            pub fn constraint<'a, V: $Visit<'a> + ?Sized>(v: &mut V, c: &'a $($mut_)? Constraint) {
                let Constraint { name, arg, span } = c;
                v.visit_ident(name);
                if let Some(arg) = arg {
                    v.visit_literal(arg);
                }
                v.visit_span(span);
            }

            pub fn type_expr<'a, V: $Visit<'a> + ?Sized>(v: &mut V, ty: &'a $($mut_)? TypeExpr) {
                let TypeExpr { kind, span } = ty;
                match kind {
                    TypeExprKind::Named(path) => v.visit_path(path),
                    TypeExprKind::List(elem) => v.visit_type_expr(elem),
                    TypeExprKind::Map(key, value) => {
                        v.visit_ident(key);
                        v.visit_type_expr(value);
                    }
                }
                v.visit_span(span);
            }

            pub fn literal<'a, V: $Visit<'a> + ?Sized>(v: &mut V, literal: &'a $($mut_)? Literal) {
                match literal {
                    Literal::Number(_) | Literal::Bool(_) => {}
                    Literal::String(s) => v.visit_string(s),
                    Literal::StringList(list) => {
                        for s in list {
                            v.visit_string(s);
                        }
                    }
                    Literal::Ident(i) => v.visit_ident(i),
                }
            }

            pub fn setting<'a, V: $Visit<'a> + ?Sized>(v: &mut V, setting: &'a $($mut_)? Setting) {
                let Setting { key, value, value_span, span } = setting;
                v.visit_ident(key);
                v.visit_literal(value);
                v.visit_span(value_span);
                v.visit_span(span);
            }

            /// The message, then the conditions.
            pub fn clause<'a, V: $Visit<'a> + ?Sized>(v: &mut V, clause: &'a $($mut_)? Clause) {
                let Clause { kind: _, message, conditions, span } = clause;
                if let Some(m) = message {
                    v.visit_string(m);
                }
                for c in conditions {
                    condition(v, c);
                }
                v.visit_span(span);
            }

            pub fn condition<'a, V: $Visit<'a> + ?Sized>(v: &mut V, condition: &'a $($mut_)? Condition) {
                match condition {
                    Condition::Expr(e) => v.visit_expr(e),
                    Condition::Some { key, var, collection, span } => {
                        v.visit_expr(collection);
                        if let Some(key) = key {
                            v.visit_binding(key);
                        }
                        v.visit_binding(var);
                        v.visit_span(span);
                    }
                    Condition::Let { name, value, span } => {
                        v.visit_expr(value);
                        v.visit_binding(name);
                        v.visit_span(span);
                    }
                }
            }

            pub fn expectation<'a, V: $Visit<'a> + ?Sized>(v: &mut V, x: &'a $($mut_)? Expectation) {
                let Expectation { kind: _, policy, subject, args, message, at, request, span } = x;
                v.visit_policy_ref(policy);
                v.visit_expr(subject);
                if let Some(at) = at {
                    v.visit_expr(at);
                }
                if let Some(request) = request {
                    v.visit_expr(request);
                }
                for NamedArg { name, value } in args {
                    v.visit_ident(name);
                    v.visit_expr(value);
                }
                if let Some(m) = message {
                    v.visit_string(m);
                }
                v.visit_span(span);
            }

            pub fn string<'a, V: $Visit<'a> + ?Sized>(v: &mut V, string: &'a $($mut_)? StringLit) {
                let StringLit { parts, span } = string;
                for part in parts {
                    if let StrPart::Interp(e) = part {
                        v.visit_expr(e);
                    }
                }
                v.visit_span(span);
            }

            pub fn expr<'a, V: $Visit<'a> + ?Sized>(v: &mut V, expr: &'a $($mut_)? Expr) {
                let Expr { kind, span } = expr;
                match kind {
                    ExprKind::Number(_) | ExprKind::Duration(_) | ExprKind::Bool(_) => {}
                    ExprKind::String(s) => v.visit_string(s),
                    ExprKind::Name(name) => v.visit_ident(name),
                    ExprKind::Field { target, field } => {
                        v.visit_expr(target);
                        v.visit_ident(field);
                    }
                    ExprKind::Index { target, index } => {
                        v.visit_expr(target);
                        v.visit_expr(index);
                    }
                    ExprKind::Call { callee, args } => {
                        v.visit_expr(callee);
                        for a in args {
                            v.visit_expr(a);
                        }
                    }
                    ExprKind::Unary { op: _, operand } => v.visit_expr(operand),
                    ExprKind::Binary { op: _, lhs, rhs } => {
                        v.visit_expr(lhs);
                        v.visit_expr(rhs);
                    }
                    ExprKind::Quantified { quantifier: _, key, var, collection, body } => {
                        v.visit_expr(collection);
                        if let Some(key) = key {
                            v.visit_binding(key);
                        }
                        v.visit_binding(var);
                        v.visit_expr(body);
                    }
                    ExprKind::Has(path) => v.visit_expr(path),
                    ExprKind::Comprehension { element, key, var, collection, filter } => {
                        v.visit_expr(collection);
                        if let Some(key) = key {
                            v.visit_binding(key);
                        }
                        v.visit_binding(var);
                        if let Some(filter) = filter {
                            v.visit_expr(filter);
                        }
                        v.visit_expr(element);
                    }
                    ExprKind::If { cond, then, otherwise } => {
                        v.visit_expr(cond);
                        v.visit_expr(then);
                        v.visit_expr(otherwise);
                    }
                    ExprKind::Record { ty, fields } => {
                        if let Some(ty) = ty {
                            v.visit_path(ty);
                        }
                        for RecordField { name, value, span, .. } in fields {
                            v.visit_ident(name);
                            v.visit_expr(value);
                            v.visit_span(span);
                        }
                    }
                    ExprKind::List(items) => {
                        for i in items {
                            v.visit_expr(i);
                        }
                    }
                }
                v.visit_span(span);
            }
        }
    };
}

visitor!(
    /// Reads a syntax tree: override the nodes of interest, call `walk::*` to go inside them.
    Visit,
    walk
);

visitor!(
    /// Changes a syntax tree in place: override the nodes of interest, call `walk_mut::*` to go
    /// inside them.
    VisitMut,
    walk_mut,
    mut
);

/// Replaces every span of `decl` by `f` of it: to move a declaration parsed on its own to its
/// place in a file, for instance.
pub fn map_spans(decl: &mut Decl, f: impl FnMut(Span) -> Span) {
    struct MapSpans<F>(F);
    impl<F: FnMut(Span) -> Span> VisitMut<'_> for MapSpans<F> {
        fn visit_span(&mut self, span: &mut Span) {
            *span = (self.0)(*span);
        }
    }
    MapSpans(f).visit_decl(decl);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    /// Every span of the tree, as the serialized tree shows them, reaches `visit_span`.
    #[test]
    fn the_walk_reaches_every_span() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut checked = 0;
        for dir in ["tests/syntax", "examples/ai-governance/governance", "stdlib/std"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("a corpus directory") {
                let path = entry.expect("an entry").path();
                if path.extension().is_none_or(|e| e != "gov") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("UTF-8");
                let (module, _) = crate::syntax::parse_file(FileId(0), &text);
                for decl in &module.decls {
                    struct Spans(Vec<Span>);
                    impl<'a> Visit<'a> for Spans {
                        fn visit_span(&mut self, span: &'a Span) {
                            self.0.push(*span);
                        }
                    }
                    let mut walked = Spans(Vec::new());
                    walked.visit_decl(decl);
                    let mut serialized = Vec::new();
                    collect_spans(&serde_json::to_value(decl).expect("serializes"), &mut serialized);
                    walked.0.sort();
                    serialized.sort();
                    assert_eq!(walked.0.len(), serialized.len(), "{}: spans missed", path.display());
                    checked += serialized.len();

                    let mut shifted = decl.clone();
                    map_spans(&mut shifted, |s| {
                        Span::new(FileId(7), s.start as usize + 1000, s.end as usize + 1000)
                    });
                    let mut moved = Spans(Vec::new());
                    moved.visit_decl(&shifted);
                    assert!(moved.0.iter().all(|s| s.file == FileId(7) && s.start >= 1000));
                }
            }
        }
        assert!(checked > 1000, "only {checked} spans");
    }

    fn collect_spans(v: &serde_json::Value, out: &mut Vec<Span>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    if (k == "span" || k == "value_span") && v.get("start").is_some() {
                        let n = |key: &str| v[key].as_u64().unwrap_or(u64::MAX) as usize;
                        out.push(Span::new(FileId(0), n("start"), n("end")));
                    } else {
                        collect_spans(v, out);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| collect_spans(i, out)),
            _ => {}
        }
    }
}
