//! Parsing between edits. A keystroke changes one declaration of one file, so the server parses
//! files declaration by declaration (as `syntax::parse_file` does) and keeps each declaration's
//! syntax tree keyed by its text: an unchanged declaration is reused, moved to its new offset.
//! The result is exactly what `parse_file` returns (tested in `tests/lsp.rs`).

use crate::diagnostic::Diagnostic;
use crate::span::{FileId, Span};
use crate::syntax::ast::*;
use std::collections::HashMap;

/// A parsed declaration with spans relative to its chunk's start, in file `FileId(0)`.
type Parsed = (Option<Decl>, Vec<Diagnostic>);

/// Declarations parsed by earlier analyses, by text.
#[derive(Default)]
pub struct ParseCache {
    decls: HashMap<String, Parsed>,
    /// Entries used by the latest analysis; the others are dropped after it.
    used: HashMap<String, Parsed>,
}

impl ParseCache {
    /// Parses `text` as file `file`, reusing the declarations it already knows.
    pub fn parse(&mut self, file: FileId, text: &str) -> (SourceModule, Vec<Diagnostic>) {
        let (header, decls) = crate::syntax::declaration_ranges(text);
        let (mut module, mut diags) = crate::syntax::parse_file(file, &text[header]);
        for range in decls {
            let chunk = &text[range.clone()];
            let parsed = match self.used.get(chunk) {
                Some(p) => p.clone(),
                None => {
                    let p = self
                        .decls
                        .remove(chunk)
                        .unwrap_or_else(|| crate::syntax::parse_declaration_at(FileId(0), chunk, 0..chunk.len()));
                    self.used.insert(chunk.to_string(), p.clone());
                    p
                }
            };
            let (decl, chunk_diags) = parsed;
            let shift = Shift {
                file,
                by: range.start as u32,
            };
            if let Some(mut decl) = decl {
                decl.shift(&shift);
                module.decls.push(decl);
            }
            for mut d in chunk_diags {
                d.shift(&shift);
                diags.push(d);
            }
        }
        (module, diags)
    }

    /// Forgets the declarations the latest analysis did not use; call after each analysis.
    pub fn end_analysis(&mut self) {
        self.decls = std::mem::take(&mut self.used);
    }
}

/// Moves spans into a file at an offset.
struct Shift {
    file: FileId,
    by: u32,
}

/// A value holding spans that can be moved (every field with a span is visited; the
/// destructuring is exhaustive so that a new field cannot be forgotten).
trait Shiftable {
    fn shift(&mut self, s: &Shift);
}

impl Shiftable for Span {
    fn shift(&mut self, s: &Shift) {
        self.file = s.file;
        self.start += s.by;
        self.end += s.by;
    }
}

impl<T: Shiftable> Shiftable for Option<T> {
    fn shift(&mut self, s: &Shift) {
        if let Some(x) = self {
            x.shift(s);
        }
    }
}

impl<T: Shiftable> Shiftable for Vec<T> {
    fn shift(&mut self, s: &Shift) {
        self.iter_mut().for_each(|x| x.shift(s));
    }
}

impl<T: Shiftable> Shiftable for Box<T> {
    fn shift(&mut self, s: &Shift) {
        (**self).shift(s);
    }
}

impl Shiftable for Diagnostic {
    fn shift(&mut self, s: &Shift) {
        self.primary.span.shift(s);
        for label in &mut self.secondary {
            label.span.shift(s);
        }
        if let Some(sugg) = &mut self.suggestion {
            sugg.span.shift(s);
        }
    }
}

impl Shiftable for Ident {
    fn shift(&mut self, s: &Shift) {
        let Ident { name: _, span } = self;
        span.shift(s);
    }
}

impl Shiftable for Path {
    fn shift(&mut self, s: &Shift) {
        let Path { segments, span } = self;
        segments.shift(s);
        span.shift(s);
    }
}

impl Shiftable for crate::syntax::ast::Doc {
    fn shift(&mut self, s: &Shift) {
        let crate::syntax::ast::Doc { text: _, span } = self;
        span.shift(s);
    }
}

impl Shiftable for Decl {
    fn shift(&mut self, s: &Shift) {
        let Decl { doc, kind, span } = self;
        doc.shift(s);
        span.shift(s);
        match kind {
            DeclKind::Type(TypeDecl { name, fields }) => {
                name.shift(s);
                fields.shift(s);
            }
            DeclKind::Enum(EnumDecl { name, variants }) => {
                name.shift(s);
                for Variant { doc, name } in variants {
                    doc.shift(s);
                    name.shift(s);
                }
            }
            DeclKind::Resource(ResourceDecl { name, settings, fields }) => {
                name.shift(s);
                settings.shift(s);
                for (field, ty) in fields {
                    field.shift(s);
                    ty.shift(s);
                }
            }
            DeclKind::Fn(FnDecl {
                name,
                params,
                ret,
                body,
            }) => {
                name.shift(s);
                for FnParam { name, ty } in params {
                    name.shift(s);
                    ty.shift(s);
                }
                ret.shift(s);
                body.shift(s);
            }
            DeclKind::Policy(PolicyDecl { name, items }) => {
                name.shift(s);
                for item in items {
                    match item {
                        PolicyItem::Setting(x) => x.shift(s),
                        PolicyItem::Param(ParamDecl {
                            doc,
                            name,
                            ty,
                            constraints,
                            default,
                            span,
                        }) => {
                            doc.shift(s);
                            name.shift(s);
                            ty.shift(s);
                            constraints.shift(s);
                            default.shift(s);
                            span.shift(s);
                        }
                        PolicyItem::Subject(SubjectDecl { name, ty, span }) => {
                            name.shift(s);
                            ty.shift(s);
                            span.shift(s);
                        }
                        PolicyItem::Let(x) => x.shift(s),
                        PolicyItem::Clause(Clause {
                            kind: _,
                            message,
                            conditions,
                            span,
                        }) => {
                            message.shift(s);
                            span.shift(s);
                            for c in conditions {
                                match c {
                                    Condition::Expr(e) => e.shift(s),
                                    Condition::Some { var, collection, span } => {
                                        var.shift(s);
                                        collection.shift(s);
                                        span.shift(s);
                                    }
                                }
                            }
                        }
                    }
                }
            }
            DeclKind::Enforce(EnforceDecl { policies, targets }) => {
                policies.shift(s);
                for EnforceTarget { name, settings, span } in targets {
                    name.shift(s);
                    settings.shift(s);
                    span.shift(s);
                }
            }
            DeclKind::Test(TestDecl { name, items }) => {
                name.shift(s);
                for item in items {
                    match item {
                        TestItem::Let(x) => x.shift(s),
                        TestItem::Expect(Expectation {
                            kind: _,
                            policy,
                            subject,
                            args,
                            message,
                            span,
                        }) => {
                            policy.shift(s);
                            subject.shift(s);
                            for NamedArg { name, value } in args {
                                name.shift(s);
                                value.shift(s);
                            }
                            message.shift(s);
                            span.shift(s);
                        }
                    }
                }
            }
        }
    }
}

impl Shiftable for Field {
    fn shift(&mut self, s: &Shift) {
        let Field {
            doc,
            name,
            optional: _,
            ty,
            constraints,
            span,
        } = self;
        doc.shift(s);
        name.shift(s);
        ty.shift(s);
        constraints.shift(s);
        span.shift(s);
    }
}

impl Shiftable for Constraint {
    fn shift(&mut self, s: &Shift) {
        let Constraint { name, arg, span } = self;
        name.shift(s);
        arg.shift(s);
        span.shift(s);
    }
}

impl Shiftable for Literal {
    fn shift(&mut self, s: &Shift) {
        match self {
            Literal::Number(_) | Literal::Bool(_) => {}
            Literal::String(x) => x.shift(s),
            Literal::StringList(xs) => xs.shift(s),
            Literal::Ident(x) => x.shift(s),
        }
    }
}

impl Shiftable for TypeExpr {
    fn shift(&mut self, s: &Shift) {
        let TypeExpr { kind, span } = self;
        span.shift(s);
        match kind {
            TypeExprKind::Named(p) => p.shift(s),
            TypeExprKind::List(t) => t.shift(s),
            TypeExprKind::Map(k, v) => {
                k.shift(s);
                v.shift(s);
            }
        }
    }
}

impl Shiftable for Setting {
    fn shift(&mut self, s: &Shift) {
        let Setting {
            key,
            value,
            value_span,
            span,
        } = self;
        key.shift(s);
        value.shift(s);
        value_span.shift(s);
        span.shift(s);
    }
}

impl Shiftable for LetBinding {
    fn shift(&mut self, s: &Shift) {
        let LetBinding { name, value, span } = self;
        name.shift(s);
        value.shift(s);
        span.shift(s);
    }
}

impl Shiftable for StringLit {
    fn shift(&mut self, s: &Shift) {
        let StringLit { parts, span } = self;
        span.shift(s);
        for p in parts {
            match p {
                StrPart::Text(_) => {}
                StrPart::Interp(e) => e.shift(s),
            }
        }
    }
}

impl Shiftable for Expr {
    fn shift(&mut self, s: &Shift) {
        let Expr { kind, span } = self;
        span.shift(s);
        match kind {
            ExprKind::Number(_) | ExprKind::Bool(_) => {}
            ExprKind::String(x) => x.shift(s),
            ExprKind::Name(x) => x.shift(s),
            ExprKind::Field { target, field } => {
                target.shift(s);
                field.shift(s);
            }
            ExprKind::Index { target, index } => {
                target.shift(s);
                index.shift(s);
            }
            ExprKind::Call { callee, args } => {
                callee.shift(s);
                args.shift(s);
            }
            ExprKind::Unary { op: _, operand } => operand.shift(s),
            ExprKind::Binary { op: _, lhs, rhs } => {
                lhs.shift(s);
                rhs.shift(s);
            }
            ExprKind::Quantified {
                quantifier: _,
                var,
                collection,
                body,
            } => {
                var.shift(s);
                collection.shift(s);
                body.shift(s);
            }
            ExprKind::Has(x) => x.shift(s),
            ExprKind::Record { ty, fields } => {
                ty.shift(s);
                for RecordField { name, value, span } in fields {
                    name.shift(s);
                    value.shift(s);
                    span.shift(s);
                }
            }
            ExprKind::List(xs) => xs.shift(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        let mut stack = vec![root.join("examples"), root.join("stdlib"), root.join("tests")];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "gov") {
                    out.push(std::fs::read_to_string(&path).unwrap_or_default());
                }
            }
        }
        out
    }

    /// Edits of a text: a character inserted, one deleted, a brace removed, at several places.
    fn edits(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for k in 1..6 {
            let mut at = text.len() * k / 6;
            while !text.is_char_boundary(at) {
                at += 1;
            }
            out.push(format!("{}x{}", &text[..at], &text[at..]));
            let next = text[at..].chars().next().map_or(0, char::len_utf8);
            out.push(format!("{}{}", &text[..at], &text[at + next..]));
            if let Some(brace) = text[at..].find('}') {
                out.push(format!("{}{}", &text[..at + brace], &text[at + brace + 1..]));
            }
        }
        out
    }

    #[test]
    fn reusing_declarations_gives_what_a_full_parse_gives() {
        let mut cache = ParseCache::default();
        let mut checked = 0;
        for text in corpus() {
            for version in std::iter::once(text.clone()).chain(edits(&text)) {
                let file = FileId(3);
                let incremental = cache.parse(file, &version);
                cache.end_analysis();
                let full = crate::syntax::parse_file(file, &version);
                assert_eq!(incremental.0, full.0, "syntax trees differ for:\n{version}");
                assert_eq!(incremental.1, full.1, "diagnostics differ for:\n{version}");
                checked += 1;
            }
        }
        assert!(checked > 100, "only {checked} texts checked");
    }
}
