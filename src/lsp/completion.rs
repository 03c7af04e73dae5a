//! Completion: keywords where a keyword can start, names in scope in expressions, fields after
//! `x.`, enum values after `E.`, names of a module after `alias.`, types in type positions,
//! remaining fields in a record literal, policies in `enforce` and `expect`, parameters in an
//! expectation's arguments, modules and their names in imports, and the values of `severity`,
//! `scope` and `action`.
//!
//! What the user is typing usually does not parse yet (`d.` is a syntax error), so the file is
//! analyzed once more with a placeholder name in place of the word at the cursor
//! (`d.__govc_complete`), as rust-analyzer does: the declaration then parses, the front end types
//! it, and the placeholder's place in the syntax tree says what to offer.

use super::index::{body_locals, body_of_decl, variant_doc_of, BodyView, Owner};
use super::workspace::{Snapshot, Workspace};
use crate::checked::{
    settings, AdmissionAction, AdmissionEngine, Builtin, Item, Program, Scope, SettingWord, Severity, Ty,
};
use crate::resolve::Named;
use crate::span::FileId;
use crate::syntax::ast::{self, Decl, Expr, ExprKind, Ident, SourceModule, TypeExpr};
use crate::syntax::lexicon::{
    DECLARATION_KEYWORDS, EXPECT_KINDS, EXPRESSION_KEYWORDS, POLICY_ITEM_KEYWORDS, TEST_ITEM_KEYWORDS,
};
use crate::syntax::scan::{scan, Kind};
use crate::syntax::visit::{walk, Visit};
use lsp_types::{CompletionItem, CompletionItemKind, Documentation, InsertTextFormat, MarkupContent, MarkupKind};
use std::path::Path;

/// The name put in place of the word being typed.
const PLACEHOLDER: &str = "__govc_complete";

/// What a keyword or a setting expands to when it is chosen: a snippet with tab stops.
fn template(word: &str) -> &'static str {
    match word {
        "type" => "type ${1:Name} {\n\t$0\n}",
        "enum" => "enum ${1:Name} { $0 }",
        "resource" => {
            "resource ${1:Kind} {\n\tgroup   = \"$2\"\n\tversion = \"v1\"\n\tscope   = namespaced\n\tspec: $0\n}"
        }
        "fn" => "fn ${1:name}($2) -> ${3:bool} = $0",
        "policy" => {
            "policy ${1:name} {\n\tseverity = ${2:high}\n\n\tsubject ${3:x}: ${4:Type}\n\n\tdeny \"$5\" when $0\n}"
        }
        "enforce" => "enforce ${1:policy} {\n\tci { files = [\"$0\"] }\n}",
        "test" => "test \"${1:name}\" {\n\t$0\n}",
        "title" => "title = \"$0\"",
        "owner" => "owner = \"$0\"",
        "severity" => "severity = ${0:high}",
        "controls" => "controls = [\"$0\"]",
        "param" => "param ${1:name}: ${2:int} = $0",
        "subject" => "subject ${1:x}: $0",
        "request" => "request ${1:r}: ${0:AdmissionRequest}",
        "inventory" => "inventory ${1:others}: [${0}]",
        "let" => "let ${1:name} = $0",
        "deny" => "deny \"$1\" when $0",
        "warn" => "warn \"$1\" when $0",
        "allow" => "allow when $0",
        "expect" => "expect ${1:denied} $0",
        "ci" => "ci { files = [\"$0\"] }",
        "admission" => "admission {\n\tkinds  = [\"$1\"]\n\taction = ${0:deny}\n}",
        _ => "$0",
    }
}

/// Snippets for the keywords and settings that may start an item of a block.
fn snippets<'w>(words: impl IntoIterator<Item = &'w &'static str>) -> Vec<CompletionItem> {
    words.into_iter().map(|w| snippet(w, template(w))).collect()
}

const SCALAR_TYPES: &[&str] = &["string", "int", "float", "bool", "timestamp", "int_or_string"];

/// The completions at byte `offset` of the file at `path` whose text (as the editor has it) is
/// `text`. Runs at most one analysis, of the text with a placeholder where one is needed.
pub fn completion(ws: &mut Workspace, path: &Path, text: &str, offset: usize) -> Vec<CompletionItem> {
    let offset = offset.min(text.len());
    let word_start = offset
        - text[..offset]
            .chars()
            .rev()
            .take_while(|c| is_ident_char(*c))
            .map(char::len_utf8)
            .sum::<usize>();
    // The rest of the word after the cursor is replaced too.
    let word_end = offset
        + text[offset..]
            .chars()
            .take_while(|c| is_ident_char(*c))
            .map(char::len_utf8)
            .sum::<usize>();
    let line_start = text[..word_start].rfind('\n').map_or(0, |i| i + 1);
    let line_before = &text[line_start..word_start];
    let trimmed = line_before.trim_end();
    let analyze = |ws: &mut Workspace, placeholder: &str| {
        let patched = format!("{}{placeholder}{}", &text[..word_start], &text[word_end..]);
        let snapshot = ws.analyze_with(path, patched);
        let file = snapshot.file_by_path(path);
        (snapshot, file)
    };

    // Values of the settings that take a word.
    if let Some(before_eq) = trimmed.strip_suffix('=') {
        let key = before_eq
            .trim_end()
            .rsplit([' ', '\t', '{', ',', ';'])
            .next()
            .unwrap_or("");
        let values = match key {
            "severity" => Severity::words(),
            "scope" => Scope::words(),
            "action" => AdmissionAction::words(),
            "engine" => AdmissionEngine::words(),
            _ => Vec::new(),
        };
        if !values.is_empty() {
            return values
                .iter()
                .map(|v| keyword(v, CompletionItemKind::ENUM_MEMBER))
                .collect();
        }
    }
    let words: Vec<&str> = line_before.split_whitespace().collect();
    let policy_position = match words.as_slice() {
        ["expect"] => {
            return EXPECT_KINDS
                .iter()
                .map(|(_, k)| keyword(k, CompletionItemKind::KEYWORD))
                .collect()
        }
        ["expect", _] => true,
        [first, ..] => *first == "enforce" && !line_before.contains('{'),
        [] => false,
    };
    if policy_position {
        let (snapshot, file) = analyze(ws, "");
        return file.map(|f| policies(&snapshot, f)).unwrap_or_default();
    }

    let before_word = text[..word_start].trim_end_matches([' ', '\t', '\r', '\n']);
    let stack = open_brackets(text, word_start);
    let at_line_start = line_before.trim().is_empty();
    let block = block_kind(&stack);

    let placeholder = if block == Block::Record && (before_word.ends_with('{') || before_word.ends_with(',')) {
        format!("{PLACEHOLDER}: 0")
    } else {
        PLACEHOLDER.to_string()
    };
    let member_or_import = text[..word_start].ends_with('.') || line_before.trim_start().starts_with("import");
    if at_line_start && !member_or_import && block != Block::Record {
        let keywords = match block {
            Block::TopLevel => snippets(DECLARATION_KEYWORDS),
            Block::Policy => snippets(settings::POLICY.iter().chain(POLICY_ITEM_KEYWORDS)),
            Block::Test => snippets(TEST_ITEM_KEYWORDS),
            Block::Enforce => snippets(settings::TARGETS),
            Block::Ci => return settings::CI.iter().map(|k| setting_key(k)).collect(),
            Block::Admission => return settings::ADMISSION.iter().map(|k| setting_key(k)).collect(),
            Block::Resource => {
                let keys = settings::RESOURCE.iter().chain(["spec"].iter());
                return keys.map(|k| setting_key(k)).collect();
            }
            Block::Type | Block::Enum => return Vec::new(),
            Block::Conditions | Block::Record | Block::Other => Vec::new(),
        };
        if !keywords.is_empty() {
            let mut items = keywords;
            if block == Block::TopLevel && !text[..word_start].contains("\npolicy ") {
                items.push(keyword("import", CompletionItemKind::KEYWORD));
            }
            return items;
        }
    }
    if text[..word_start].ends_with('.') && !line_before.trim_start().starts_with("import") {
        // `x.` does not parse, and `x.<placeholder>` would not keep the type of `x` (the
        // checker drops a field access that fails): analyze the text without the `.`, and
        // complete from the expression that ends where the dot was.
        let dot = word_start - 1;
        let patched = format!("{}{}", &text[..dot], &text[word_end..]);
        let snapshot = ws.analyze_with(path, patched);
        let Some(file) = snapshot.file_by_path(path) else {
            return Vec::new();
        };
        return members(&snapshot, file, dot as u32);
    }
    let (snapshot, file) = analyze(ws, &placeholder);
    let Some(file) = file else { return Vec::new() };
    let mut items = from_placeholder(&snapshot, file, word_start);
    if block == Block::Conditions && at_line_start {
        items.push(snippet("some", "some ${1:x} in $0"));
    }
    items
}

/// The fields, enum values or module names after the expression that ends at `end`.
fn members(snapshot: &Snapshot, file: FileId, end: u32) -> Vec<CompletionItem> {
    let Some(module) = snapshot.module(file) else {
        return Vec::new();
    };
    let Some(decl) = module.decls.iter().find(|d| d.span.start <= end && end <= d.span.end) else {
        return Vec::new();
    };
    // The smallest expression that ends where the dot was.
    struct EndingAt<'a> {
        end: u32,
        best: Option<&'a Expr>,
    }
    impl<'a> Visit<'a> for EndingAt<'a> {
        fn visit_expr(&mut self, e: &'a Expr) {
            let len = |e: &Expr| e.span.end - e.span.start;
            if e.span.end == self.end && self.best.is_none_or(|b| len(e) < len(b)) {
                self.best = Some(e);
            }
            walk::expr(self, e);
        }
    }
    let mut ending = EndingAt { end, best: None };
    ending.visit_decl(decl);
    match ending.best {
        Some(target) => items_for(snapshot, file, Found::Member { decl, target }, end),
        None => Vec::new(),
    }
}

/// Completes from where the placeholder, put at `word_start`, ended up in the syntax tree.
fn from_placeholder(patched: &Snapshot, file: FileId, word_start: usize) -> Vec<CompletionItem> {
    let Some(module) = patched.module(file) else {
        return Vec::new();
    };
    let at = word_start as u32;
    let found = locate_in_header(module, at).or_else(|| {
        let decl = module.decls.iter().find(|d| d.span.start <= at && at <= d.span.end)?;
        let mut locator = Locator {
            at,
            decl,
            binders: Vec::new(),
            found: None,
        };
        locator.visit_decl(decl);
        locator.found
    });
    match found {
        Some(found) => items_for(patched, file, found, at),
        // The declaration does not parse even so: offer what any expression may start with.
        None => {
            let mut items = visible_items(patched, file);
            items.extend(
                EXPRESSION_KEYWORDS
                    .iter()
                    .map(|k| keyword(k, CompletionItemKind::KEYWORD)),
            );
            items
        }
    }
}

/// Where the placeholder stands in the syntax tree.
enum Found<'a> {
    /// A name in an expression of `decl`, with the names bound around it by `some`, `all` and
    /// `any`.
    Name {
        decl: &'a Decl,
        binders: Vec<&'a Ident>,
    },
    /// `target.<placeholder>`.
    Member {
        decl: &'a Decl,
        target: &'a Expr,
    },
    Type,
    /// A field name of a record literal.
    RecordField {
        decl: &'a Decl,
        record: &'a Expr,
    },
    Policy,
    /// A named argument of `expect ... policy(x, <placeholder> = ...)`.
    PolicyParam {
        policy: &'a ast::Path,
    },
    ImportModule {
        typed: String,
    },
    ImportName {
        module: String,
    },
}

fn locate_in_header(module: &SourceModule, at: u32) -> Option<Found<'_>> {
    for import in &module.imports {
        if let Some(i) = import.module.segments.iter().position(|s| s.span.start == at) {
            let typed: Vec<&str> = import.module.segments[..i].iter().map(|s| s.name.as_str()).collect();
            return Some(Found::ImportModule { typed: typed.join(".") });
        }
        if import.names.iter().flatten().any(|n| n.span.start == at) {
            return Some(Found::ImportName {
                module: import.module.dotted(),
            });
        }
    }
    None
}

/// Finds the placeholder at `at` in a declaration, with the names bound around it.
struct Locator<'a> {
    at: u32,
    decl: &'a Decl,
    binders: Vec<&'a Ident>,
    found: Option<Found<'a>>,
}

fn contains(span: crate::span::Span, at: u32) -> bool {
    span.start <= at && at <= span.end
}

impl<'a> Visit<'a> for Locator<'a> {
    fn visit_type_expr(&mut self, ty: &'a TypeExpr) {
        if self.found.is_none() && contains(ty.span, self.at) {
            self.found = Some(Found::Type);
        }
    }

    fn visit_policy_ref(&mut self, path: &'a ast::Path) {
        if self.found.is_none() && path.segments.iter().any(|s| s.span.start == self.at) {
            self.found = Some(Found::Policy);
        }
    }

    fn visit_expectation(&mut self, x: &'a ast::Expectation) {
        if self.found.is_none() && x.args.iter().any(|a| a.name.span.start == self.at) {
            self.found = Some(Found::PolicyParam { policy: &x.policy });
        }
        walk::expectation(self, x);
    }

    fn visit_clause(&mut self, c: &'a ast::Clause) {
        // `some` binds for the rest of its clause, and for the message, which is built when the
        // conditions hold.
        let mark = self.binders.len();
        if let Some(m) = &c.message {
            self.binders.extend(c.conditions.iter().flat_map(|cond| match cond {
                ast::Condition::Some { key, var, .. } => key.iter().chain([var]).collect(),
                ast::Condition::Let { name, .. } => vec![name],
                ast::Condition::Expr(_) => Vec::new(),
            }));
            self.visit_string(m);
            self.binders.truncate(mark);
        }
        for cond in &c.conditions {
            match cond {
                ast::Condition::Expr(e) => self.visit_expr(e),
                ast::Condition::Let { name, value, .. } => {
                    self.visit_expr(value);
                    self.binders.push(name);
                }
                ast::Condition::Some {
                    key, var, collection, ..
                } => {
                    self.visit_expr(collection);
                    self.binders.extend(key);
                    self.binders.push(var);
                }
            }
        }
        self.binders.truncate(mark);
    }

    fn visit_expr(&mut self, e: &'a Expr) {
        if self.found.is_some() || !contains(e.span, self.at) {
            return;
        }
        let decl = self.decl;
        match &e.kind {
            ExprKind::Name(i) if i.span.start == self.at => {
                self.found = Some(Found::Name {
                    decl,
                    binders: self.binders.clone(),
                });
            }
            ExprKind::Field { field, target } if field.span.start == self.at => {
                self.found = Some(Found::Member { decl, target });
            }
            ExprKind::Record { fields, .. } if fields.iter().any(|f| f.name.span.start == self.at) => {
                self.found = Some(Found::RecordField { decl, record: e });
            }
            _ => match e.iteration() {
                Some((key, var, collection, scoped)) => {
                    self.visit_expr(collection);
                    let mark = self.binders.len();
                    self.binders.extend(key);
                    self.binders.push(var);
                    for x in scoped {
                        self.visit_expr(x);
                    }
                    self.binders.truncate(mark);
                }
                None => walk::expr(self, e),
            },
        }
    }
}

fn items_for(snapshot: &Snapshot, file: FileId, found: Found, at: u32) -> Vec<CompletionItem> {
    let a = &snapshot.analysis;
    let p = &a.program;
    let body_of = |decl: &Decl| body_of_decl(a, decl.span);
    match found {
        Found::Name { decl, binders } => {
            let body = body_of(decl);
            let view = BodyView::new(p, body);
            let mut items = Vec::new();
            if let Some(body) = body {
                for l in body_locals(p, body) {
                    let visible = l.in_scope_at(at);
                    if visible && l.name != PLACEHOLDER {
                        items.push(typed_item(&l.name, CompletionItemKind::VARIABLE, p, &l.ty, "0"));
                    }
                }
            }
            for b in binders {
                let ty = view
                    .local(b.span)
                    .and_then(|id| body.map(|body| body_locals(p, body)[id.index()].ty.clone()))
                    .unwrap_or(Ty::Unknown);
                items.push(typed_item(&b.name, CompletionItemKind::VARIABLE, p, &ty, "0"));
            }
            items.extend(visible_items(snapshot, file));
            items.extend(
                EXPRESSION_KEYWORDS
                    .iter()
                    .map(|k| keyword(k, CompletionItemKind::KEYWORD)),
            );
            dedup(items)
        }
        Found::Member { decl, target } => {
            let view = BodyView::new(p, body_of(decl));
            if let Some(t) = view.expr(target.span).filter(|t| t.ty != Ty::Unknown) {
                return fields(p, &t.ty, &[]);
            }
            let Some(path) = target.static_path() else {
                return Vec::new();
            };
            let named = match a.names.resolve_prefix(file, &path) {
                Ok((named, [])) => Some(named),
                _ => None,
            };
            match named {
                Some(Named::Item(Item::Enum(id))) => {
                    let e = &p.enums[id.index()];
                    e.variants
                        .iter()
                        .map(|v| {
                            let mut item = keyword(v, CompletionItemKind::ENUM_MEMBER);
                            item.detail = Some(e.name.clone());
                            item.documentation = variant_doc_of(a, id, v).as_deref().map(markdown);
                            item
                        })
                        .collect()
                }
                Some(Named::Module(m)) => module_members(snapshot, m),
                _ => Vec::new(),
            }
        }
        Found::Type => {
            let mut items: Vec<CompletionItem> = SCALAR_TYPES
                .iter()
                .map(|t| keyword(t, CompletionItemKind::TYPE_PARAMETER))
                .collect();
            items.extend(
                visible(snapshot, file)
                    .into_iter()
                    .filter(|(_, n)| {
                        matches!(
                            n,
                            Named::Item(Item::Type(_) | Item::Enum(_) | Item::Resource(_)) | Named::Module(_)
                        )
                    })
                    .map(|(name, n)| named_completion(p, &name, n)),
            );
            items
        }
        Found::RecordField { decl, record } => {
            let view = BodyView::new(p, body_of(decl));
            let ExprKind::Record { fields: given, .. } = &record.kind else {
                return Vec::new();
            };
            let given: Vec<&str> = given.iter().map(|f| f.name.name.as_str()).collect();
            match view.expr(record.span) {
                Some(t) => fields(p, &t.ty, &given)
                    .into_iter()
                    .map(|mut item| {
                        item.insert_text = Some(format!("{}: ", item.label));
                        item
                    })
                    .collect(),
                None => Vec::new(),
            }
        }
        Found::Policy => policies(snapshot, file),
        Found::PolicyParam { policy } => match a.names.lookup_path(file, &policy.segments) {
            Ok(Item::Policy(id)) => p.policies[id.index()]
                .params
                .iter()
                .map(|param| {
                    let mut item = typed_item(&param.name, CompletionItemKind::PROPERTY, p, &param.ty, "0");
                    item.insert_text = Some(format!("{} = ", param.name));
                    item.documentation = param.doc.as_deref().map(markdown);
                    item
                })
                .collect(),
            _ => Vec::new(),
        },
        Found::ImportModule { typed } => {
            let prefix = if typed.is_empty() {
                String::new()
            } else {
                format!("{typed}.")
            };
            let mut next: Vec<&str> = a
                .names
                .module_by_name
                .keys()
                .filter_map(|m| m.strip_prefix(&prefix))
                .map(|rest| rest.split('.').next().unwrap_or(rest))
                .filter(|s| *s != PLACEHOLDER && !s.is_empty())
                .collect();
            next.sort_unstable();
            next.dedup();
            next.iter().map(|s| keyword(s, CompletionItemKind::MODULE)).collect()
        }
        Found::ImportName { module } => match a.names.module_by_name.get(&module) {
            Some(m) => module_members(snapshot, *m),
            None => Vec::new(),
        },
    }
}

/// The declarations of a module, by name.
fn module_members(snapshot: &Snapshot, m: crate::checked::ModuleId) -> Vec<CompletionItem> {
    let p = &snapshot.analysis.program;
    let mut items: Vec<CompletionItem> = snapshot.analysis.names.items[m.index()]
        .iter()
        .map(|(name, (item, _))| item_completion(p, name, *item))
        .collect();
    items.sort_by(|x, y| x.label.cmp(&y.label));
    items
}

/// The fields of a record-like type, except those already given.
fn fields(p: &Program, ty: &Ty, given: &[&str]) -> Vec<CompletionItem> {
    let Some(owner) = Owner::of(ty) else { return Vec::new() };
    let Some(defs) = p.fields_of(&owner.ty()) else {
        return Vec::new();
    };
    defs.iter()
        .filter(|f| !given.contains(&f.name.as_str()))
        .enumerate()
        .map(|(i, f)| {
            let mut item = typed_item(&f.name, CompletionItemKind::FIELD, p, &f.ty, &format!("{i:03}"));
            if f.optional {
                item.detail = Some(format!("{} (optional)", p.display(&f.ty)));
            }
            item.documentation = f.doc.as_deref().map(markdown);
            item
        })
        .collect()
}

/// The declarations, imports and built-ins a file can name.
fn visible_items(snapshot: &Snapshot, file: FileId) -> Vec<CompletionItem> {
    let p = &snapshot.analysis.program;
    let mut items: Vec<CompletionItem> = visible(snapshot, file)
        .into_iter()
        .map(|(name, n)| named_completion(p, &name, n))
        .collect();
    items.extend(Builtin::ALL.iter().map(|b| {
        let mut item = keyword(b.name(), CompletionItemKind::FUNCTION);
        item.detail = Some(b.signature().to_string());
        item.documentation = Some(Documentation::String(b.summary().to_string()));
        item.sort_text = Some(format!("3{}", b.name()));
        item
    }));
    items
}

fn visible(snapshot: &Snapshot, file: FileId) -> Vec<(String, Named)> {
    let names = &snapshot.analysis.names;
    let mut out: Vec<(String, Named)> = names
        .visible_names(file)
        .into_iter()
        .filter(|n| *n != PLACEHOLDER)
        .filter_map(|n| Some((n.to_string(), names.lookup(file, n)?)))
        .filter(|(_, n)| *n != Named::Poisoned)
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

fn policies(snapshot: &Snapshot, file: FileId) -> Vec<CompletionItem> {
    let p = &snapshot.analysis.program;
    visible(snapshot, file)
        .into_iter()
        .filter(|(_, n)| matches!(n, Named::Item(Item::Policy(_))))
        .map(|(name, n)| named_completion(p, &name, n))
        .collect()
}

fn named_completion(p: &Program, name: &str, named: Named) -> CompletionItem {
    match named {
        Named::Item(item) => item_completion(p, name, item),
        _ => {
            let mut item = keyword(name, CompletionItemKind::MODULE);
            item.sort_text = Some(format!("2{name}"));
            item
        }
    }
}

fn item_completion(p: &Program, name: &str, item: Item) -> CompletionItem {
    let (kind, detail, doc) = match item {
        Item::Type(id) => (
            CompletionItemKind::STRUCT,
            "type".to_string(),
            p.types[id.index()].doc.clone(),
        ),
        Item::Enum(id) => (
            CompletionItemKind::ENUM,
            "enum".to_string(),
            p.enums[id.index()].doc.clone(),
        ),
        Item::Resource(id) => (
            CompletionItemKind::CLASS,
            "resource".to_string(),
            p.resources[id.index()].doc.clone(),
        ),
        Item::Fn(id) => {
            let f = &p.fns[id.index()];
            let params: Vec<String> = f
                .params
                .iter()
                .map(|l| format!("{}: {}", f.locals[l.index()].name, p.display(&f.locals[l.index()].ty)))
                .collect();
            (
                CompletionItemKind::FUNCTION,
                format!("fn({}) -> {}", params.join(", "), p.display(&f.ret)),
                f.doc.clone(),
            )
        }
        Item::Policy(id) => {
            let pol = &p.policies[id.index()];
            let detail = match pol.subject_ty() {
                Some(t) => format!("policy on {}", p.display(t)),
                None => "policy".to_string(),
            };
            (CompletionItemKind::INTERFACE, detail, pol.doc.clone())
        }
    };
    CompletionItem {
        label: name.to_string(),
        kind: Some(kind),
        detail: Some(detail),
        documentation: doc.as_deref().map(markdown),
        sort_text: Some(format!("1{name}")),
        ..CompletionItem::default()
    }
}

fn typed_item(name: &str, kind: CompletionItemKind, p: &Program, ty: &Ty, rank: &str) -> CompletionItem {
    CompletionItem {
        label: name.to_string(),
        kind: Some(kind),
        detail: Some(p.display(ty)),
        sort_text: Some(format!("0{rank}{name}")),
        ..CompletionItem::default()
    }
}

fn keyword(word: &str, kind: CompletionItemKind) -> CompletionItem {
    CompletionItem {
        label: word.to_string(),
        kind: Some(kind),
        sort_text: Some(format!("4{word}")),
        ..CompletionItem::default()
    }
}

fn snippet(word: &str, body: &str) -> CompletionItem {
    CompletionItem {
        label: word.to_string(),
        kind: Some(CompletionItemKind::KEYWORD),
        insert_text: Some(body.to_string()),
        insert_text_format: Some(InsertTextFormat::SNIPPET),
        sort_text: Some(format!("4{word}")),
        ..CompletionItem::default()
    }
}

fn setting_key(key: &str) -> CompletionItem {
    let mut item = keyword(key, CompletionItemKind::PROPERTY);
    if key != "spec" {
        item.insert_text = Some(format!("{key} = "));
    } else {
        item.insert_text = Some("spec: ".to_string());
    }
    item
}

fn markdown(text: &str) -> Documentation {
    Documentation::MarkupContent(MarkupContent {
        kind: MarkupKind::Markdown,
        value: text.to_string(),
    })
}

fn dedup(mut items: Vec<CompletionItem>) -> Vec<CompletionItem> {
    let mut seen = std::collections::HashSet::new();
    items.retain(|i| seen.insert(i.label.clone()));
    items
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// What the innermost open `{` at the cursor belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    TopLevel,
    Type,
    Enum,
    Resource,
    Policy,
    /// `when { ... }`.
    Conditions,
    Enforce,
    Ci,
    Admission,
    Test,
    Record,
    Other,
}

/// The open brackets before `offset` in its declaration, each with the word or symbol before
/// it, innermost last. Strings and comments are skipped.
fn open_brackets(text: &str, offset: usize) -> Vec<(char, String)> {
    let (_, decls) = crate::syntax::declaration_ranges(text);
    let start = decls.iter().rev().find(|r| r.start <= offset).map_or(0, |r| r.start);
    let before = &text[start..offset];
    let mut stack: Vec<(char, String)> = Vec::new();
    let mut last_word = String::new();
    for lexeme in scan(before) {
        let written = &before[lexeme.span.clone()];
        match lexeme.kind {
            Kind::Open(b) => {
                stack.push((b as char, last_word.clone()));
                last_word = written.to_string();
            }
            Kind::Close(_) | Kind::InterpolationClose => {
                stack.pop();
                last_word = written.to_string();
            }
            Kind::InterpolationOpen => stack.push(('{', "\"".into())),
            Kind::StringStart | Kind::Word | Kind::Punct => last_word = written.to_string(),
            Kind::Comment { .. } | Kind::Text | Kind::StringEnd => {}
        }
    }
    // The declaration's keyword, as the first entry's context.
    let keyword = scan(&text[start..])
        .find(|l| l.kind == Kind::Word)
        .map_or("", |l| &text[start + l.span.start..start + l.span.end]);
    if let Some(first) = stack.first_mut() {
        first.1 = format!("decl:{keyword}");
    }
    stack
}

fn block_kind(stack: &[(char, String)]) -> Block {
    let Some((bracket, word)) = stack.last() else {
        return Block::TopLevel;
    };
    if *bracket != '{' {
        return Block::Other;
    }
    if let Some(keyword) = word.strip_prefix("decl:") {
        return match keyword {
            "type" => Block::Type,
            "enum" => Block::Enum,
            "resource" => Block::Resource,
            "policy" => Block::Policy,
            "enforce" => Block::Enforce,
            "test" => Block::Test,
            _ => Block::Other,
        };
    }
    match word.as_str() {
        "when" => Block::Conditions,
        "ci" if stack.len() == 2 => Block::Ci,
        "admission" if stack.len() == 2 => Block::Admission,
        "\"" => Block::Other,
        _ => Block::Record,
    }
}
