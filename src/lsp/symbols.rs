//! Document symbols (the outline of a file) and workspace symbols (every declaration of the
//! project and the standard library, matched by a fuzzy query).

use super::workspace::Snapshot;
use crate::span::{FileId, Span};
use crate::syntax::ast::{Decl, DeclKind, PolicyItem, TestItem};
use lsp_types::{DocumentSymbol, SymbolInformation, SymbolKind};

/// The outline of one file: its package, then each declaration with its members.
pub fn document_symbols(snapshot: &Snapshot, file: FileId) -> Vec<DocumentSymbol> {
    let Some(module) = snapshot.module(file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(package) = &module.package {
        out.push(symbol(
            snapshot,
            package.dotted(),
            None,
            SymbolKind::PACKAGE,
            package.span,
            package.span,
            vec![],
        ));
    }
    for decl in &module.decls {
        out.push(decl_symbol(snapshot, decl));
    }
    out
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must be written, as `None`.
fn symbol(
    snapshot: &Snapshot,
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    span: Span,
    selection: Span,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    DocumentSymbol {
        name,
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: snapshot.range(span),
        selection_range: snapshot.range(selection),
        children: (!children.is_empty()).then_some(children),
    }
}

fn type_text(snapshot: &Snapshot, span: Span) -> String {
    snapshot.analysis.sources.snippet(span).to_string()
}

fn decl_symbol(snapshot: &Snapshot, decl: &Decl) -> DocumentSymbol {
    let s = |name: String, detail: Option<String>, kind, span, selection, children| {
        symbol(snapshot, name, detail, kind, span, selection, children)
    };
    match &decl.kind {
        DeclKind::Type(t) => {
            let fields = t
                .fields
                .iter()
                .map(|f| {
                    let optional = if f.optional { "?" } else { "" };
                    s(
                        f.name.name.clone(),
                        Some(format!("{optional}: {}", type_text(snapshot, f.ty.span))),
                        SymbolKind::FIELD,
                        f.span,
                        f.name.span,
                        vec![],
                    )
                })
                .collect();
            s(
                t.name.name.clone(),
                Some("type".into()),
                SymbolKind::STRUCT,
                decl.span,
                t.name.span,
                fields,
            )
        }
        DeclKind::Enum(e) => {
            let variants = e
                .variants
                .iter()
                .map(|v| {
                    s(
                        v.name.name.clone(),
                        None,
                        SymbolKind::ENUM_MEMBER,
                        v.name.span,
                        v.name.span,
                        vec![],
                    )
                })
                .collect();
            s(
                e.name.name.clone(),
                Some("enum".into()),
                SymbolKind::ENUM,
                decl.span,
                e.name.span,
                variants,
            )
        }
        DeclKind::Resource(r) => {
            let fields = r
                .fields
                .iter()
                .map(|f| {
                    s(
                        f.name.name.clone(),
                        Some(format!(": {}", type_text(snapshot, f.ty.span))),
                        SymbolKind::FIELD,
                        f.name.span.to(f.ty.span),
                        f.name.span,
                        vec![],
                    )
                })
                .collect();
            s(
                r.name.name.clone(),
                Some("resource".into()),
                SymbolKind::CLASS,
                decl.span,
                r.name.span,
                fields,
            )
        }
        DeclKind::Fn(f) => {
            let params: Vec<String> = f
                .params
                .iter()
                .map(|p| format!("{}: {}", p.name.name, type_text(snapshot, p.ty.span)))
                .collect();
            let detail = format!("({}) -> {}", params.join(", "), type_text(snapshot, f.ret.span));
            s(
                f.name.name.clone(),
                Some(detail),
                SymbolKind::FUNCTION,
                decl.span,
                f.name.span,
                vec![],
            )
        }
        DeclKind::Policy(p) => {
            let mut children = Vec::new();
            for item in &p.items {
                match item {
                    PolicyItem::Param(param) => children.push(s(
                        param.name.name.clone(),
                        Some(format!("param: {}", type_text(snapshot, param.ty.span))),
                        SymbolKind::PROPERTY,
                        param.span,
                        param.name.span,
                        vec![],
                    )),
                    PolicyItem::Subject(sub) => children.push(s(
                        sub.name.name.clone(),
                        Some(format!("subject: {}", type_text(snapshot, sub.ty.span))),
                        SymbolKind::VARIABLE,
                        sub.span,
                        sub.name.span,
                        vec![],
                    )),
                    PolicyItem::Request(req) => children.push(s(
                        req.name.name.clone(),
                        Some(format!("request: {}", type_text(snapshot, req.ty.span))),
                        SymbolKind::VARIABLE,
                        req.span,
                        req.name.span,
                        vec![],
                    )),
                    PolicyItem::Inventory(inv) => children.push(s(
                        inv.name.name.clone(),
                        Some(format!("inventory: {}", type_text(snapshot, inv.ty.span))),
                        SymbolKind::VARIABLE,
                        inv.span,
                        inv.name.span,
                        vec![],
                    )),
                    PolicyItem::Let(l) => children.push(s(
                        l.name.name.clone(),
                        Some("let".into()),
                        SymbolKind::VARIABLE,
                        l.span,
                        l.name.span,
                        vec![],
                    )),
                    PolicyItem::Clause(c) => {
                        let kind = match c.kind {
                            crate::syntax::ast::ClauseKind::Deny => "deny",
                            crate::syntax::ast::ClauseKind::Warn => "warn",
                            crate::syntax::ast::ClauseKind::Allow => "allow",
                        };
                        let name = match &c.message {
                            Some(m) => format!("{kind} {}", snapshot.analysis.sources.snippet(m.span)),
                            None => kind.to_string(),
                        };
                        let selection = c.message.as_ref().map_or(c.span, |m| m.span);
                        children.push(s(name, None, SymbolKind::EVENT, c.span, selection, vec![]));
                    }
                    PolicyItem::ParamValue(v) => children.push(s(
                        v.name.name.clone(),
                        Some("param".into()),
                        SymbolKind::PROPERTY,
                        v.span,
                        v.name.span,
                        vec![],
                    )),
                    PolicyItem::Setting(_) => {}
                }
            }
            s(
                p.name.name.clone(),
                Some("policy".into()),
                SymbolKind::OBJECT,
                decl.span,
                p.name.span,
                children,
            )
        }
        DeclKind::Enforce(e) => {
            let names: Vec<String> = e.policies.iter().map(|p| p.dotted()).collect();
            let targets: Vec<String> = e.targets.iter().map(|t| t.name.name.clone()).collect();
            let selection = e.policies.first().map_or(decl.span, |p| p.span);
            s(
                format!("enforce {}", names.join(", ")),
                Some(targets.join(", ")),
                SymbolKind::MODULE,
                decl.span,
                selection,
                vec![],
            )
        }
        DeclKind::Test(t) => {
            let expectations = t.items.iter().filter(|i| matches!(i, TestItem::Expect(_))).count();
            let name = t
                .name
                .as_plain()
                .unwrap_or_else(|| snapshot.analysis.sources.snippet(t.name.span).into());
            s(
                format!("test \"{name}\""),
                Some(format!("{expectations} expectations")),
                SymbolKind::METHOD,
                decl.span,
                t.name.span,
                vec![],
            )
        }
    }
}

/// Declarations and tests of the whole project whose name contains `query`.
#[allow(deprecated)] // `SymbolInformation::deprecated` must be written, as `None`.
pub fn workspace_symbols(snapshot: &Snapshot, query: &str) -> Vec<SymbolInformation> {
    let mut out = Vec::new();
    for module in &snapshot.analysis.modules {
        let container = module.package.as_ref().map(|p| p.dotted());
        for decl in &module.decls {
            let (name, kind) = match (&decl.kind, decl.name()) {
                (DeclKind::Type(_), Some(n)) => (n.name.clone(), SymbolKind::STRUCT),
                (DeclKind::Enum(_), Some(n)) => (n.name.clone(), SymbolKind::ENUM),
                (DeclKind::Resource(_), Some(n)) => (n.name.clone(), SymbolKind::CLASS),
                (DeclKind::Fn(_), Some(n)) => (n.name.clone(), SymbolKind::FUNCTION),
                (DeclKind::Policy(_), Some(n)) => (n.name.clone(), SymbolKind::OBJECT),
                (DeclKind::Test(t), _) => match t.name.as_plain() {
                    Some(name) => (name, SymbolKind::METHOD),
                    None => continue,
                },
                _ => continue,
            };
            if !fuzzy_match(query, &name) {
                continue;
            }
            let span = decl.name().map_or(decl.span, |n| n.span);
            let Some(location) = snapshot.location(span) else {
                continue;
            };
            out.push(SymbolInformation {
                name,
                kind,
                tags: None,
                deprecated: None,
                location,
                container_name: container.clone(),
            });
        }
    }
    out.sort_by(|a, b| {
        let rank = |s: &SymbolInformation| !s.name.to_lowercase().starts_with(&query.to_lowercase());
        (rank(a), a.name.len(), &a.name).cmp(&(rank(b), b.name.len(), &b.name))
    });
    out.truncate(256);
    out
}

/// Whether `name` contains `query`, ignoring case (the editor ranks the matches itself).
fn fuzzy_match(query: &str, name: &str) -> bool {
    name.to_lowercase().contains(query.trim().to_lowercase().as_str())
}
