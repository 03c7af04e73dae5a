//! Hover: what the name under the cursor is — its declaration as it reads in source (a type with
//! its fields, a function's signature, a policy with its subject, parameters and metadata, a
//! local with its type, a built-in's signature) and its `///` documentation.

use super::index::{body_locals, Body, Owner, Symbol};
use super::workspace::Snapshot;
use crate::checked::*;
use crate::span::FileId;
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

pub fn hover(snapshot: &Snapshot, file: FileId, offset: usize) -> Option<Hover> {
    let occurrence = snapshot.index().at(file, offset)?;
    let text = describe(snapshot, &occurrence.symbol)?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(snapshot.range(occurrence.span)),
    })
}

/// The hover text of a symbol: a `gov` code block, where it is declared, and its documentation.
pub fn describe(snapshot: &Snapshot, symbol: &Symbol) -> Option<String> {
    let p = &snapshot.analysis.program;
    let module_name = |m: ModuleId| p.modules[m.index()].name.clone();
    let (code, module, doc): (String, Option<String>, Option<String>) = match symbol {
        Symbol::Module(m) => {
            let files = snapshot
                .analysis
                .modules
                .iter()
                .filter(|f| snapshot.analysis.names.module_of(f.file) == Some(*m))
                .count();
            let plural = if files == 1 { "file" } else { "files" };
            (
                format!("package {}", module_name(*m)),
                None,
                Some(format!("{files} {plural}")),
            )
        }
        Symbol::Item(Item::Type(id)) => {
            let t = &p.types[id.index()];
            let mut code = format!("type {} {{\n", t.name);
            for f in &t.fields {
                code.push_str(&format!("  {}\n", field_line(p, f)));
            }
            code.push('}');
            (code, Some(module_name(t.module)), t.doc.clone())
        }
        Symbol::Item(Item::Enum(id)) => {
            let e = &p.enums[id.index()];
            (
                format!("enum {} {{ {} }}", e.name, e.variants.join(", ")),
                Some(module_name(e.module)),
                e.doc.clone(),
            )
        }
        Symbol::Item(Item::Resource(id)) => {
            let r = &p.resources[id.index()];
            let scope = r.scope.word();
            let code = format!(
                "resource {} {{\n  group   = \"{}\"\n  version = \"{}\"\n  scope   = {scope}\n  plural  = \"{}\"\n  spec: {}\n}}",
                r.name,
                r.group,
                r.version,
                r.plural,
                p.display(&r.spec)
            );
            (code, Some(module_name(r.module)), r.doc.clone())
        }
        Symbol::Item(Item::Fn(id)) => {
            let f = &p.fns[id.index()];
            let params: Vec<String> = f
                .params
                .iter()
                .map(|l| {
                    let local = &f.locals[l.index()];
                    format!("{}: {}", local.name, p.display(&local.ty))
                })
                .collect();
            (
                format!("fn {}({}) -> {}", f.name, params.join(", "), p.display(&f.ret)),
                Some(module_name(f.module)),
                f.doc.clone(),
            )
        }
        Symbol::Item(Item::Policy(id)) => {
            let pol = &p.policies[id.index()];
            let mut code = format!("policy {} {{\n", pol.name);
            if let Some(title) = &pol.title {
                code.push_str(&format!("  title    = {title:?}\n"));
            }
            code.push_str(&format!("  severity = {}\n", pol.severity.as_str()));
            if !pol.controls.is_empty() {
                let controls: Vec<String> = pol.controls.iter().map(|c| format!("{c:?}")).collect();
                code.push_str(&format!("  controls = [{}]\n", controls.join(", ")));
            }
            if let Some(owner) = &pol.owner {
                code.push_str(&format!("  owner    = {owner:?}\n"));
            }
            for param in &pol.params {
                code.push_str(&format!(
                    "  param {}: {} = {}\n",
                    param.name,
                    p.display(&param.ty),
                    snapshot.analysis.sources.snippet(param.default.span)
                ));
            }
            if let Some(subject) = pol.subject {
                let local = &pol.locals[subject.index()];
                code.push_str(&format!("  subject {}: {}\n", local.name, p.display(&local.ty)));
            }
            code.push('}');
            (code, Some(module_name(pol.module)), pol.doc.clone())
        }
        Symbol::Field(owner, name) => {
            let fields = p.fields_of(&owner.ty())?;
            let f = fields.iter().find(|f| &f.name == name)?;
            let owner_name = match owner {
                Owner::Type(id) => p.types[id.index()].name.clone(),
                Owner::Resource(id) => p.resources[id.index()].name.clone(),
            };
            (format!("{owner_name}.{}", field_line(p, f)), None, f.doc.clone())
        }
        Symbol::Variant(id, name) => {
            let e = &p.enums[id.index()];
            (
                format!("{}.{name}", e.name),
                Some(module_name(e.module)),
                snapshot.index().variant_doc(*id, name).map(str::to_string),
            )
        }
        Symbol::Local(body, id) => {
            let local = body_locals(p, *body).get(id.index())?;
            let ty = p.display(&local.ty);
            let (code, doc) = match local.kind {
                LocalKind::Subject => (format!("subject {}: {ty}", local.name), None),
                LocalKind::Request => (format!("request {}: {ty}", local.name), None),
                LocalKind::Inventory => (format!("inventory {}: {ty}", local.name), None),
                LocalKind::Param => {
                    let param = match body {
                        Body::Policy(pid) => p.policies[pid.index()].params.iter().find(|q| q.local == *id),
                        _ => None,
                    };
                    let default = param
                        .map(|q| format!(" = {}", snapshot.analysis.sources.snippet(q.default.span)))
                        .unwrap_or_default();
                    (
                        format!("param {}: {ty}{default}", local.name),
                        param.and_then(|q| q.doc.clone()),
                    )
                }
                LocalKind::Let => (format!("let {}: {ty}", local.name), None),
                LocalKind::FnParam => (format!("{}: {ty}", local.name), Some("function parameter".into())),
                LocalKind::Bound => (
                    format!("{}: {ty}", local.name),
                    Some("bound by `some`, `all`, `any` or a comprehension's `for`".into()),
                ),
            };
            (code, None, doc)
        }
        Symbol::Builtin(name) => {
            let b = Builtin::from_name(name)?;
            (
                b.signature().to_string(),
                None,
                Some(format!("built-in function: {}", b.summary())),
            )
        }
    };
    let mut out = format!("```gov\n{code}\n```");
    if let Some(m) = module {
        out.push_str(&format!("\n\nin `{m}`"));
    }
    if let Some(doc) = doc {
        out.push_str("\n\n---\n\n");
        out.push_str(&doc);
    }
    Some(out)
}

/// `name?: T @constraint(...)`, as a field is declared.
fn field_line(p: &Program, f: &FieldDef) -> String {
    let mut line = format!("{}{}: {}", f.name, if f.optional { "?" } else { "" }, p.display(&f.ty));
    for c in &f.constraints {
        line.push(' ');
        line.push_str(&constraint(c));
    }
    line
}

fn constraint(c: &FieldConstraint) -> String {
    let number = |n: f64| {
        if n.fract() == 0.0 && n.abs() < 1e15 {
            format!("{}", n as i64)
        } else {
            n.to_string()
        }
    };
    #[allow(unreachable_patterns)]
    match c {
        FieldConstraint::Pattern(re) => format!("@pattern({re:?})"),
        FieldConstraint::Min(n) => format!("@min({})", number(*n)),
        FieldConstraint::Max(n) => format!("@max({})", number(*n)),
        FieldConstraint::MinItems(n) => format!("@min_items({n})"),
        // Markers without an argument (`@sensitive`) read as their name.
        other => format!("@{}", format!("{other:?}").to_lowercase()),
    }
}
