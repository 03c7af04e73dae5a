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

use super::index::{body_locals, body_of_decl, static_path, variant_doc_of, Body, BodyView, Owner};
use super::workspace::{Snapshot, Workspace};
use crate::checked::{Builtin, Item, LocalKind, Program, Ty};
use crate::resolve::Named;
use crate::span::FileId;
use crate::syntax::ast::{self, Decl, DeclKind, Expr, ExprKind, Ident, PolicyItem, SourceModule, TestItem, TypeExpr};
use crate::syntax::scan::{scan, Kind};
use lsp_types::{CompletionItem, CompletionItemKind, Documentation, InsertTextFormat, MarkupContent, MarkupKind};
use std::path::Path;

/// The name put in place of the word being typed.
const PLACEHOLDER: &str = "__govc_complete";

const DECLARATION_KEYWORDS: &[(&str, &str)] = &[
    ("type", "type ${1:Name} {\n\t$0\n}"),
    ("enum", "enum ${1:Name} { $0 }"),
    (
        "resource",
        "resource ${1:Kind} {\n\tgroup   = \"$2\"\n\tversion = \"v1\"\n\tscope   = namespaced\n\tspec: $0\n}",
    ),
    ("fn", "fn ${1:name}($2) -> ${3:bool} = $0"),
    (
        "policy",
        "policy ${1:name} {\n\tseverity = ${2:high}\n\n\tsubject ${3:x}: ${4:Type}\n\n\tdeny \"$5\" when $0\n}",
    ),
    ("enforce", "enforce ${1:policy} {\n\tci { files = [\"$0\"] }\n}"),
    ("test", "test \"${1:name}\" {\n\t$0\n}"),
];

const POLICY_KEYWORDS: &[(&str, &str)] = &[
    ("title", "title = \"$0\""),
    ("severity", "severity = ${0:high}"),
    ("controls", "controls = [\"$0\"]"),
    ("owner", "owner = \"$0\""),
    ("param", "param ${1:name}: ${2:int} = $0"),
    ("subject", "subject ${1:x}: $0"),
    ("let", "let ${1:name} = $0"),
    ("deny", "deny \"$1\" when $0"),
    ("warn", "warn \"$1\" when $0"),
    ("allow", "allow when $0"),
];

const TEST_KEYWORDS: &[(&str, &str)] = &[("let", "let ${1:name} = $0"), ("expect", "expect ${1:denied} $0")];
const ENFORCE_TARGETS: &[(&str, &str)] = &[
    ("ci", "ci { files = [\"$0\"] }"),
    ("admission", "admission {\n\tkinds  = [\"$1\"]\n\taction = ${0:deny}\n}"),
];
const CI_SETTINGS: &[&str] = &["files", "sarif"];
const ADMISSION_SETTINGS: &[&str] = &["kinds", "action", "namespaces", "excluded_namespaces"];
const RESOURCE_SETTINGS: &[&str] = &["group", "version", "scope", "plural", "spec"];
const EXPECT_KINDS: &[&str] = &["denied", "warned", "passes", "allowed", "rejected"];
const EXPRESSION_KEYWORDS: &[&str] = &["not", "has", "all", "any", "true", "false"];
const SCALAR_TYPES: &[&str] = &["string", "int", "float", "bool", "timestamp"];

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
        let values: &[&str] = match key {
            "severity" => &["low", "medium", "high", "critical"],
            "scope" => &["namespaced", "cluster"],
            "action" => &["deny", "warn", "dryrun"],
            _ => &[],
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
                .map(|k| keyword(k, CompletionItemKind::KEYWORD))
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
        let keywords: &[(&str, &str)] = match block {
            Block::TopLevel => DECLARATION_KEYWORDS,
            Block::Policy => POLICY_KEYWORDS,
            Block::Test => TEST_KEYWORDS,
            Block::Enforce => ENFORCE_TARGETS,
            Block::Ci => return CI_SETTINGS.iter().map(|k| setting_key(k)).collect(),
            Block::Admission => return ADMISSION_SETTINGS.iter().map(|k| setting_key(k)).collect(),
            Block::Resource => return RESOURCE_SETTINGS.iter().map(|k| setting_key(k)).collect(),
            Block::Type | Block::Enum => return Vec::new(),
            Block::Conditions | Block::Record | Block::Other => &[],
        };
        if !keywords.is_empty() {
            let mut items: Vec<CompletionItem> = keywords.iter().map(|(k, s)| snippet(k, s)).collect();
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
    let mut best: Option<&Expr> = None;
    for_each_expr(decl, &mut |e| {
        if e.span.end == end && best.is_none_or(|b| e.span.end - e.span.start < b.span.end - b.span.start) {
            best = Some(e);
        }
    });
    match best {
        Some(target) => items_for(snapshot, file, Found::Member { decl, target }, end),
        None => Vec::new(),
    }
}

/// Calls `f` on every expression of a declaration, outermost first.
fn for_each_expr<'a>(decl: &'a Decl, f: &mut dyn FnMut(&'a Expr)) {
    fn walk<'a>(e: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
        f(e);
        match &e.kind {
            ExprKind::Field { target, .. } | ExprKind::Has(target) => walk(target, f),
            ExprKind::Index { target, index } => {
                walk(target, f);
                walk(index, f);
            }
            ExprKind::Call { callee, args } => {
                walk(callee, f);
                args.iter().for_each(|a| walk(a, f));
            }
            ExprKind::Unary { operand, .. } => walk(operand, f),
            ExprKind::Binary { lhs, rhs, .. } => {
                walk(lhs, f);
                walk(rhs, f);
            }
            ExprKind::Quantified { collection, body, .. } => {
                walk(collection, f);
                walk(body, f);
            }
            ExprKind::Record { fields, .. } => fields.iter().for_each(|x| walk(&x.value, f)),
            ExprKind::List(items) => items.iter().for_each(|i| walk(i, f)),
            ExprKind::String(s) => string(s, f),
            ExprKind::Name(_) | ExprKind::Number(_) | ExprKind::Bool(_) => {}
        }
    }
    fn string<'a>(s: &'a ast::StringLit, f: &mut dyn FnMut(&'a Expr)) {
        for part in &s.parts {
            if let ast::StrPart::Interp(e) = part {
                walk(e, f);
            }
        }
    }
    match &decl.kind {
        DeclKind::Fn(d) => walk(&d.body, f),
        DeclKind::Policy(p) => {
            for item in &p.items {
                match item {
                    PolicyItem::Param(param) => walk(&param.default, f),
                    PolicyItem::Let(l) => walk(&l.value, f),
                    PolicyItem::Clause(c) => {
                        if let Some(m) = &c.message {
                            string(m, f);
                        }
                        for cond in &c.conditions {
                            match cond {
                                ast::Condition::Expr(e) => walk(e, f),
                                ast::Condition::Some { collection, .. } => walk(collection, f),
                            }
                        }
                    }
                    PolicyItem::Setting(_) | PolicyItem::Subject(_) => {}
                }
            }
        }
        DeclKind::Test(t) => {
            for item in &t.items {
                match item {
                    TestItem::Let(l) => walk(&l.value, f),
                    TestItem::Expect(x) => {
                        walk(&x.subject, f);
                        x.args.iter().for_each(|a| walk(&a.value, f));
                    }
                }
            }
        }
        DeclKind::Type(_) | DeclKind::Enum(_) | DeclKind::Resource(_) | DeclKind::Enforce(_) => {}
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
        Locator {
            at,
            binders: Vec::new(),
        }
        .decl(decl)
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

struct Locator<'a> {
    at: u32,
    binders: Vec<&'a Ident>,
}

fn contains(span: crate::span::Span, at: u32) -> bool {
    span.start <= at && at <= span.end
}

impl<'a> Locator<'a> {
    fn decl(mut self, decl: &'a Decl) -> Option<Found<'a>> {
        match &decl.kind {
            DeclKind::Type(t) => t.fields.iter().find_map(|f| self.type_expr(&f.ty)),
            DeclKind::Resource(r) => r.fields.iter().find_map(|(_, t)| self.type_expr(t)),
            DeclKind::Enum(_) => None,
            DeclKind::Fn(f) => f
                .params
                .iter()
                .find_map(|p| self.type_expr(&p.ty))
                .or_else(|| self.type_expr(&f.ret))
                .or_else(|| self.expr(decl, &f.body)),
            DeclKind::Policy(p) => {
                for item in &p.items {
                    let found = match item {
                        PolicyItem::Setting(_) => None,
                        PolicyItem::Param(param) => {
                            self.type_expr(&param.ty).or_else(|| self.expr(decl, &param.default))
                        }
                        PolicyItem::Subject(s) => self.type_expr(&s.ty),
                        PolicyItem::Let(l) => self.expr(decl, &l.value),
                        PolicyItem::Clause(c) => self.clause(decl, c),
                    };
                    if found.is_some() {
                        return found;
                    }
                }
                None
            }
            DeclKind::Enforce(e) => e
                .policies
                .iter()
                .any(|p| p.segments.iter().any(|s| s.span.start == self.at))
                .then_some(Found::Policy),
            DeclKind::Test(t) => {
                for item in &t.items {
                    let found = match item {
                        TestItem::Let(l) => self.expr(decl, &l.value),
                        TestItem::Expect(x) => {
                            if x.policy.segments.iter().any(|s| s.span.start == self.at) {
                                return Some(Found::Policy);
                            }
                            if x.args.iter().any(|a| a.name.span.start == self.at) {
                                return Some(Found::PolicyParam { policy: &x.policy });
                            }
                            self.expr(decl, &x.subject)
                                .or_else(|| x.args.iter().find_map(|a| self.expr(decl, &a.value)))
                        }
                    };
                    if found.is_some() {
                        return found;
                    }
                }
                None
            }
        }
    }

    fn clause(&mut self, decl: &'a Decl, c: &'a ast::Clause) -> Option<Found<'a>> {
        // `some` binds for the rest of its clause only.
        let mark = self.binders.len();
        let found = self.clause_items(decl, c);
        self.binders.truncate(mark);
        found
    }

    fn clause_items(&mut self, decl: &'a Decl, c: &'a ast::Clause) -> Option<Found<'a>> {
        let mark = self.binders.len();
        if let Some(m) = &c.message {
            // The message is built when the conditions hold: their `some` names are in scope.
            for cond in &c.conditions {
                if let ast::Condition::Some { var, .. } = cond {
                    self.binders.push(var);
                }
            }
            if let Some(found) = self.string(decl, m) {
                return Some(found);
            }
            self.binders.truncate(mark);
        }
        for cond in &c.conditions {
            match cond {
                ast::Condition::Expr(e) => {
                    if let Some(found) = self.expr(decl, e) {
                        return Some(found);
                    }
                }
                ast::Condition::Some { var, collection, .. } => {
                    if let Some(found) = self.expr(decl, collection) {
                        return Some(found);
                    }
                    self.binders.push(var);
                }
            }
        }
        None
    }

    fn type_expr(&mut self, t: &TypeExpr) -> Option<Found<'a>> {
        contains(t.span, self.at).then_some(Found::Type)
    }

    fn string(&mut self, decl: &'a Decl, s: &'a ast::StringLit) -> Option<Found<'a>> {
        s.parts.iter().find_map(|p| match p {
            ast::StrPart::Interp(e) => self.expr(decl, e),
            ast::StrPart::Text(_) => None,
        })
    }

    fn expr(&mut self, decl: &'a Decl, e: &'a Expr) -> Option<Found<'a>> {
        if !contains(e.span, self.at) {
            return None;
        }
        match &e.kind {
            ExprKind::Name(i) if i.span.start == self.at => Some(Found::Name {
                decl,
                binders: self.binders.clone(),
            }),
            ExprKind::Field { field, target } if field.span.start == self.at => Some(Found::Member { decl, target }),
            ExprKind::Field { target, .. } | ExprKind::Has(target) => self.expr(decl, target),
            ExprKind::Index { target, index } => self.expr(decl, target).or_else(|| self.expr(decl, index)),
            ExprKind::Call { callee, args } => self
                .expr(decl, callee)
                .or_else(|| args.iter().find_map(|a| self.expr(decl, a))),
            ExprKind::Unary { operand, .. } => self.expr(decl, operand),
            ExprKind::Binary { lhs, rhs, .. } => self.expr(decl, lhs).or_else(|| self.expr(decl, rhs)),
            ExprKind::Quantified {
                var, collection, body, ..
            } => {
                if let Some(found) = self.expr(decl, collection) {
                    return Some(found);
                }
                self.binders.push(var);
                let found = self.expr(decl, body);
                self.binders.pop();
                found
            }
            ExprKind::Record { fields, .. } => {
                if fields.iter().any(|f| f.name.span.start == self.at) {
                    return Some(Found::RecordField { decl, record: e });
                }
                fields.iter().find_map(|f| self.expr(decl, &f.value))
            }
            ExprKind::List(items) => items.iter().find_map(|i| self.expr(decl, i)),
            ExprKind::String(s) => self.string(decl, s),
            ExprKind::Name(_) | ExprKind::Number(_) | ExprKind::Bool(_) => None,
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
                    let visible = match l.kind {
                        LocalKind::Subject | LocalKind::Param | LocalKind::FnParam => true,
                        LocalKind::Let => !matches!(body, Body::Test(_)) || l.span.end < at,
                        LocalKind::Bound => false,
                    };
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
            let Some(path) = static_path(target) else {
                return Vec::new();
            };
            let mut named = a.names.lookup(file, &path[0].name);
            for seg in &path[1..] {
                named = match named {
                    Some(Named::Module(m)) => a.names.items[m.index()].get(&seg.name).map(|(i, _)| Named::Item(*i)),
                    _ => None,
                };
            }
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
                Some(Named::Module(m)) => {
                    let mut items: Vec<CompletionItem> = a.names.items[m.index()]
                        .iter()
                        .map(|(name, (item, _))| item_completion(p, name, *item))
                        .collect();
                    items.sort_by(|x, y| x.label.cmp(&y.label));
                    items
                }
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
            Some(m) => {
                let mut items: Vec<CompletionItem> = a.names.items[m.index()]
                    .iter()
                    .map(|(name, (item, _))| item_completion(p, name, *item))
                    .collect();
                items.sort_by(|x, y| x.label.cmp(&y.label));
                items
            }
            None => Vec::new(),
        },
    }
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
