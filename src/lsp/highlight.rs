//! Document highlight: every occurrence in the file of the name under the cursor. Where reading
//! and writing differ, the editor is told which is which: a local name is written where it is
//! bound (`let`, `param`, `subject`, `some`, a quantifier, a function parameter) and read
//! elsewhere; a field is written in a record literal (`{ name: ... }`) and read by `x.name`; a
//! policy parameter is written by a test's `name = value`. Declarations of types, functions and
//! the like are plain text.

use super::index::Symbol;
use super::workspace::Snapshot;
use crate::span::FileId;
use crate::syntax::ast::{Expectation, Expr, ExprKind};
use crate::syntax::visit::{walk, Visit};
use lsp_types::{DocumentHighlight, DocumentHighlightKind};
use std::collections::HashSet;

pub fn highlights(snapshot: &Snapshot, file: FileId, offset: usize) -> Vec<DocumentHighlight> {
    let index = snapshot.index();
    let Some(at) = index.at(file, offset) else {
        return Vec::new();
    };
    let writes = written_names(snapshot, file);
    index
        .in_file(file)
        .iter()
        .filter(|o| o.symbol == at.symbol)
        .map(|o| {
            let kind = match &o.symbol {
                Symbol::Local(..) if o.is_def || writes.contains(&o.span.start) => DocumentHighlightKind::WRITE,
                Symbol::Local(..) => DocumentHighlightKind::READ,
                Symbol::Field(..) if o.is_def => DocumentHighlightKind::TEXT,
                Symbol::Field(..) if writes.contains(&o.span.start) => DocumentHighlightKind::WRITE,
                Symbol::Field(..) => DocumentHighlightKind::READ,
                _ => DocumentHighlightKind::TEXT,
            };
            DocumentHighlight {
                range: snapshot.range(o.span),
                kind: Some(kind),
            }
        })
        .collect()
}

/// Where names that give a value start in a file: the fields of record literals and the named
/// arguments of expectations.
fn written_names(snapshot: &Snapshot, file: FileId) -> HashSet<u32> {
    struct Written(HashSet<u32>);
    impl<'a> Visit<'a> for Written {
        fn visit_expr(&mut self, e: &'a Expr) {
            if let ExprKind::Record { fields, .. } = &e.kind {
                self.0.extend(fields.iter().map(|f| f.name.span.start));
            }
            walk::expr(self, e);
        }
        fn visit_expectation(&mut self, x: &'a Expectation) {
            self.0.extend(x.args.iter().map(|a| a.name.span.start));
            walk::expectation(self, x);
        }
    }
    let mut written = Written(HashSet::new());
    if let Some(module) = snapshot.module(file) {
        module.decls.iter().for_each(|decl| written.visit_decl(decl));
    }
    written.0
}
