//! The canonical layout of a `.gov` file: syntax tree + comments → [`Doc`].
//!
//! The layout, in short: two-space indentation, lines of at most [`MAX_WIDTH`] characters where
//! the content allows it; one item per line in every `{ ... }` body; the `=` of consecutive
//! `key = value` settings aligned; a blank line around every declaration with a body and wherever
//! the source had one between items (never two); record, list and argument lists on one line
//! when they fit, else one element per line with a trailing comma; `when cond` on one line when
//! it fits, else `when { cond }` as a block. String literals keep their escapes as written.
//!
//! Comments are placed by source position, in order: a comment on its own line goes before the
//! next item of the same body (or before the closing brace), a comment at the end of an item's
//! line stays at the end of that line.

use super::comments::Comment;
use super::doc::{concat, group, hardline, if_break, line, nest, softline, text, Doc};
use crate::syntax::ast::*;
use crate::syntax::lexicon::{Precedence, POSTFIX, QUANTIFIER};
use std::ops::Range;

/// The width the layout aims for.
pub const MAX_WIDTH: usize = 100;

/// Whether the source had a blank line before an item.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Blank {
    Never,
    Always,
    Preserve,
}

pub struct Printer<'a> {
    source: &'a str,
    comments: Vec<Comment>,
    /// The first comment not yet placed.
    next: usize,
    /// Inside a string interpolation: everything on one line, no comments placed.
    in_string: bool,
}

/// The elements of a `{ ... }` body, one per line.
struct Block {
    parts: Vec<Doc>,
    len: usize,
}

impl Block {
    fn new() -> Self {
        Block {
            parts: Vec::new(),
            len: 0,
        }
    }

    fn push(&mut self, leading: Doc, item: Doc, trailing: Doc) {
        if self.len > 0 {
            self.parts.push(hardline());
        }
        self.parts.extend([leading, item, trailing]);
        self.len += 1;
    }

    /// `{`, the body indented, `}`; `{}` when there is nothing inside.
    fn finish(self, after_open: Doc, dangling: Doc) -> Doc {
        if self.len == 0 && dangling.is_empty() && after_open.is_empty() {
            return text("{}");
        }
        let mut body = vec![];
        if self.len > 0 {
            body.push(hardline());
        }
        body.extend(self.parts);
        body.push(dangling);
        concat([text("{"), after_open, nest(concat(body)), hardline(), text("}")])
    }
}

/// How the elements of a list that may sit on one line are separated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sep {
    /// `a, b` flat; one per line with a trailing comma when broken (records, lists, arguments).
    Commas,
    /// `a, b` flat; one per line without commas when broken (enum values, target settings).
    Lines,
}

/// The elements of a bracketed list that is laid out on one line when it fits.
struct Seq {
    items: Vec<(Doc, Doc, Doc)>,
    sep: Sep,
}

impl Seq {
    fn new(sep: Sep) -> Self {
        Seq { items: Vec::new(), sep }
    }

    fn push(&mut self, leading: Doc, item: Doc, trailing: Doc) {
        self.items.push((leading, item, trailing));
    }

    /// `open`, the elements, `close`; `padded` puts spaces inside the brackets when flat.
    fn finish(self, open: &str, after_open: Doc, dangling: Doc, close: &str, padded: bool) -> Doc {
        if self.items.is_empty() && dangling.is_empty() && after_open.is_empty() {
            return text(format!("{open}{close}"));
        }
        let edge = || if padded { line() } else { softline() };
        let mut inner = vec![edge()];
        let count = self.items.len();
        for (i, (leading, item, trailing)) in self.items.into_iter().enumerate() {
            inner.push(leading);
            inner.push(item);
            let last = i + 1 == count;
            inner.push(match (self.sep, last) {
                (Sep::Commas, false) => text(","),
                (Sep::Commas, true) => if_break(text(","), Doc::Nil),
                (Sep::Lines, false) => if_break(Doc::Nil, text(",")),
                (Sep::Lines, true) => Doc::Nil,
            });
            inner.push(trailing);
            if !last {
                inner.push(line());
            }
        }
        inner.push(dangling);
        group(concat([
            text(open),
            after_open,
            nest(concat(inner)),
            edge(),
            text(close),
        ]))
    }
}

fn is_braced(d: &Decl) -> bool {
    !matches!(d.kind, DeclKind::Fn(_))
}

impl<'a> Printer<'a> {
    pub fn new(source: &'a str, comments: Vec<Comment>) -> Self {
        Printer {
            source,
            comments,
            next: 0,
            in_string: false,
        }
    }

    // ------------------------------------------------------------ comments and blank lines

    /// Whether the source has an empty line just before `offset`.
    fn blank_before(&self, offset: usize) -> bool {
        let before = &self.source[..offset.min(self.source.len())];
        let code = before.trim_end_matches([' ', '\t', '\r', '\n', '\u{FEFF}']);
        !code.is_empty() && before[code.len()..].matches('\n').count() >= 2
    }

    fn pending(&self, before: usize) -> Option<&Comment> {
        self.comments
            .get(self.next)
            .filter(|c| c.start < before && !self.in_string)
    }

    /// The comments before an item at `start`, each on its own line, and the blank lines that
    /// separate them and the item. Called at the start of a line.
    fn leading(&mut self, start: usize, blank: Blank) -> Doc {
        let mut out = Vec::new();
        let mut first = true;
        while let Some(c) = self.pending(start) {
            let (c_start, c_text) = (c.start, c.text.clone());
            if self.wants_blank(first, blank, c_start) {
                out.push(hardline());
            }
            out.push(text(c_text));
            out.push(hardline());
            first = false;
            self.next += 1;
        }
        if !self.in_string && self.wants_blank(first, blank, start) {
            out.push(hardline());
        }
        concat(out)
    }

    fn wants_blank(&self, first: bool, blank: Blank, offset: usize) -> bool {
        match (first, blank) {
            (true, Blank::Always) => true,
            (true, Blank::Never) => false,
            _ => self.blank_before(offset),
        }
    }

    /// Comments before an element of a one-line-if-it-fits list, each on its own line.
    fn leading_in_list(&mut self, start: usize) -> Doc {
        let mut out = Vec::new();
        while let Some(c) = self.pending(start) {
            out.push(text(c.text.clone()));
            out.push(hardline());
            self.next += 1;
        }
        concat(out)
    }

    /// A comment written after `end` on the same line, kept at the end of the line.
    fn trailing(&mut self, end: usize) -> Doc {
        if self.in_string {
            return Doc::Nil;
        }
        let Some(c) = self.comments.get(self.next) else {
            return Doc::Nil;
        };
        // Only separators may stand between the item and its comment.
        let between = self.source.get(end..c.start).unwrap_or("\n");
        let separated = between.contains('\n') || !between.trim_matches([' ', '\t', ',', ';']).is_empty();
        if c.own_line || c.start < end || separated {
            return Doc::Nil;
        }
        let doc = concat([text(" "), text(c.text.clone()), Doc::BreakParent]);
        self.next += 1;
        doc
    }

    /// A comment on the line of the opening bracket found at or after `from`.
    fn after_open(&mut self, from: usize, bracket: char) -> Doc {
        match self.find(from, bracket) {
            Some(at) => self.trailing(at + 1),
            None => Doc::Nil,
        }
    }

    /// Comments left before a closing bracket at `close`, each on its own line after the last
    /// element.
    fn dangling(&mut self, close: usize, empty: bool) -> Doc {
        let mut out = Vec::new();
        let mut first = true;
        while let Some(c) = self.pending(close) {
            let (c_start, c_text) = (c.start, c.text.clone());
            out.push(hardline());
            if !(first && empty) && self.blank_before(c_start) {
                out.push(hardline());
            }
            out.push(text(c_text));
            first = false;
            self.next += 1;
        }
        concat(out)
    }

    /// Whether a comment lies before `end` (inside the item that ends there).
    fn has_comment_before(&self, end: usize) -> bool {
        self.pending(end).is_some()
    }

    /// The offset of `ch` at or after `from`, skipping whitespace, separators and comments.
    fn find(&self, from: usize, ch: char) -> Option<usize> {
        let rest = self.source.get(from..)?;
        let mut k = 0;
        while let Some(c) = rest[k..].chars().next() {
            if c == ch {
                return Some(from + k);
            }
            if rest[k..].starts_with("//") {
                k += rest[k..].find('\n').unwrap_or(rest.len() - k);
            } else if c.is_whitespace() || matches!(c, ',' | ';' | '\u{FEFF}') {
                k += c.len_utf8();
            } else {
                return None;
            }
        }
        None
    }

    /// The offset of the `}` that ends a span, or its end if it does not end with one.
    fn close_of(&self, span: crate::span::Span) -> usize {
        let end = span.end as usize;
        if self.source[..end].ends_with('}') {
            end - 1
        } else {
            end
        }
    }

    fn raw(&self, range: Range<usize>) -> &'a str {
        self.source.get(range).unwrap_or("")
    }

    // ------------------------------------------------------------ the file

    /// The whole file, ending with one newline.
    pub fn module(&mut self, m: &SourceModule) -> Doc {
        let mut parts = Vec::new();
        let mut has_header = false;
        if let Some(package) = &m.package {
            has_header = true;
            let keyword = self.source[..package.span.start as usize].rfind("package").unwrap_or(0);
            parts.push(self.leading(keyword, Blank::Never));
            parts.push(text(format!("package {}", package.dotted())));
            parts.push(self.trailing(package.span.end as usize));
            for (i, import) in m.imports.iter().enumerate() {
                parts.push(hardline());
                let blank = if i == 0 { Blank::Always } else { Blank::Preserve };
                parts.push(self.leading(import.span.start as usize, blank));
                parts.push(self.import(import));
                parts.push(self.trailing(import.span.end as usize));
            }
        }
        let mut previous: Option<&Decl> = None;
        for decl in &m.decls {
            let blank = match previous {
                None if !has_header => Blank::Never,
                None => Blank::Always,
                Some(p) if is_braced(p) || is_braced(decl) => Blank::Always,
                Some(_) => Blank::Preserve,
            };
            if has_header || previous.is_some() {
                parts.push(hardline());
            }
            parts.push(self.leading(decl.span.start as usize, blank));
            parts.push(self.decl(decl));
            parts.push(self.trailing(decl.span.end as usize));
            previous = Some(decl);
        }
        parts.push(self.dangling(self.source.len() + 1, !has_header && m.decls.is_empty()));
        parts.push(hardline());
        concat(parts)
    }

    fn import(&mut self, import: &Import) -> Doc {
        let module = format!("import {}", import.module.dotted());
        let Some(names) = &import.names else {
            return text(module);
        };
        let open = self
            .find(import.module.span.end as usize, '.')
            .map_or(import.module.span.end as usize, |i| i + 1);
        let after_open = self.after_open(open, '{');
        let mut seq = Seq::new(Sep::Commas);
        for name in names {
            let leading = self.leading_in_list(name.span.start as usize);
            let trailing = self.trailing(name.span.end as usize);
            seq.push(leading, text(name.name.clone()), trailing);
        }
        let dangling = self.dangling(self.close_of(import.span), names.is_empty());
        concat([
            text(module),
            text("."),
            seq.finish("{", after_open, dangling, "}", false),
        ])
    }

    fn docs(doc: &Option<crate::syntax::ast::Doc>) -> Doc {
        let Some(doc) = doc else { return Doc::Nil };
        let mut out = Vec::new();
        for line in doc.text.split('\n') {
            out.push(text(if line.is_empty() {
                "///".to_string()
            } else {
                format!("/// {line}")
            }));
            out.push(hardline());
        }
        concat(out)
    }

    fn decl(&mut self, d: &Decl) -> Doc {
        let docs = Self::docs(&d.doc);
        let body = match &d.kind {
            DeclKind::Type(t) => self.type_decl(t, d),
            DeclKind::Enum(e) => self.enum_decl(e, d),
            DeclKind::Resource(r) => self.resource_decl(r, d),
            DeclKind::Fn(f) => self.fn_decl(f),
            DeclKind::Policy(p) => self.policy_decl(p, d),
            DeclKind::Enforce(e) => self.enforce_decl(e, d),
            DeclKind::Test(t) => self.test_decl(t, d),
        };
        concat([docs, body])
    }

    // ------------------------------------------------------------ types

    fn type_decl(&mut self, t: &TypeDecl, d: &Decl) -> Doc {
        let after_open = self.after_open(t.name.span.end as usize, '{');
        let mut block = Block::new();
        for f in &t.fields {
            let blank = if block.len == 0 { Blank::Never } else { Blank::Preserve };
            let leading = self.leading(f.span.start as usize, blank);
            let item = self.field(f);
            let trailing = self.trailing(f.span.end as usize);
            block.push(leading, item, trailing);
        }
        let dangling = self.dangling(self.close_of(d.span), block.len == 0);
        concat([
            text(format!("type {} ", t.name.name)),
            block.finish(after_open, dangling),
        ])
    }

    fn field(&mut self, f: &Field) -> Doc {
        let mut parts = vec![Self::docs(&f.doc), text(f.name.name.clone())];
        if f.optional {
            parts.push(text("?"));
        }
        parts.push(text(": "));
        parts.push(self.type_expr(&f.ty));
        parts.push(self.constraints(&f.constraints));
        concat(parts)
    }

    fn constraints(&self, constraints: &[Constraint]) -> Doc {
        concat(constraints.iter().map(|c| match &c.arg {
            Some(arg) => text(format!(" @{}({})", c.name.name, self.literal_text(arg))),
            None => text(format!(" @{}", c.name.name)),
        }))
    }

    fn type_expr(&self, t: &TypeExpr) -> Doc {
        text(Self::type_text(t))
    }

    fn type_text(t: &TypeExpr) -> String {
        match &t.kind {
            TypeExprKind::Named(p) => p.dotted(),
            TypeExprKind::List(e) => format!("[{}]", Self::type_text(e)),
            TypeExprKind::Map(k, v) => format!("{{{}: {}}}", k.name, Self::type_text(v)),
        }
    }

    fn enum_decl(&mut self, e: &EnumDecl, d: &Decl) -> Doc {
        let head = text(format!("enum {} ", e.name.name));
        let open = self
            .find(e.name.span.end as usize, '{')
            .unwrap_or(e.name.span.end as usize);
        let after_open = self.trailing(open + 1);
        let close = self.close_of(d.span);
        if e.variants.iter().any(|v| v.doc.is_some()) {
            let mut block = Block::new();
            for v in &e.variants {
                let start = v.doc.as_ref().map_or(v.name.span.start, |doc| doc.span.start) as usize;
                let blank = if block.len == 0 { Blank::Never } else { Blank::Preserve };
                let leading = self.leading(start, blank);
                let item = concat([Self::docs(&v.doc), text(v.name.name.clone())]);
                let trailing = self.trailing(v.name.span.end as usize);
                block.push(leading, item, trailing);
            }
            let dangling = self.dangling(close, block.len == 0);
            return concat([head, block.finish(after_open, dangling)]);
        }
        let mut seq = Seq::new(Sep::Lines);
        for v in &e.variants {
            let leading = self.leading_in_list(v.name.span.start as usize);
            let trailing = self.trailing(v.name.span.end as usize);
            seq.push(leading, text(v.name.name.clone()), trailing);
        }
        let dangling = self.dangling(close, e.variants.is_empty());
        concat([head, seq.finish("{", after_open, dangling, "}", true)])
    }

    fn resource_decl(&mut self, r: &ResourceDecl, d: &Decl) -> Doc {
        enum Item<'s> {
            Setting(&'s Setting),
            Field(&'s Field),
        }
        let mut items: Vec<(Range<usize>, Item)> = r
            .settings
            .iter()
            .map(|s| (s.span.range(), Item::Setting(s)))
            .chain(r.fields.iter().map(|f| (f.span.range(), Item::Field(f))))
            .collect();
        items.sort_by_key(|(range, _)| range.start);
        let pads = self.alignment(
            &items
                .iter()
                .map(|(range, item)| match item {
                    Item::Setting(s) => Some((range.clone(), s.key.name.chars().count())),
                    Item::Field(..) => None,
                })
                .collect::<Vec<_>>(),
        );
        let after_open = self.after_open(r.name.span.end as usize, '{');
        let mut block = Block::new();
        for ((range, item), pad) in items.iter().zip(pads) {
            let blank = if block.len == 0 { Blank::Never } else { Blank::Preserve };
            let leading = self.leading(range.start, blank);
            let doc = match item {
                Item::Setting(s) => self.setting(s, text(" ".repeat(pad))),
                Item::Field(f) => self.field(f),
            };
            let trailing = self.trailing(range.end);
            block.push(leading, doc, trailing);
        }
        let dangling = self.dangling(self.close_of(d.span), block.len == 0);
        concat([
            text(format!("resource {} ", r.name.name)),
            block.finish(after_open, dangling),
        ])
    }

    /// The padding after each setting's key that aligns the `=` of consecutive settings (no
    /// blank line or comment between them). `None` entries are not settings.
    fn alignment(&self, items: &[Option<(Range<usize>, usize)>]) -> Vec<usize> {
        let mut pads = vec![0; items.len()];
        let mut run: Vec<(usize, usize)> = Vec::new();
        let mut previous_end: Option<usize> = None;
        let flush = |run: &mut Vec<(usize, usize)>, pads: &mut Vec<usize>| {
            let widest = run.iter().map(|(_, w)| *w).max().unwrap_or(0);
            for (i, w) in run.drain(..) {
                pads[i] = widest - w;
            }
        };
        for (i, item) in items.iter().enumerate() {
            match item {
                Some((range, width)) => {
                    let joined = previous_end.is_some_and(|end| {
                        !self.blank_before(range.start)
                            && !self.comments.iter().any(|c| c.start > end && c.start < range.start)
                    });
                    if !joined {
                        flush(&mut run, &mut pads);
                    }
                    run.push((i, *width));
                    previous_end = Some(range.end);
                }
                None => {
                    flush(&mut run, &mut pads);
                    previous_end = None;
                }
            }
        }
        flush(&mut run, &mut pads);
        pads
    }

    /// `key = value`, with `pad` after the key.
    fn setting(&mut self, s: &Setting, pad: Doc) -> Doc {
        let value = match &s.value {
            Literal::StringList(items) => {
                let after_open = self.after_open(s.value_span.start as usize, '[');
                let mut seq = Seq::new(Sep::Commas);
                for item in items {
                    let leading = self.leading_in_list(item.span.start as usize);
                    let trailing = self.trailing(item.span.end as usize);
                    seq.push(leading, text(self.raw(item.span.range())), trailing);
                }
                let dangling = self.dangling(s.value_span.end as usize - 1, items.is_empty());
                seq.finish("[", after_open, dangling, "]", false)
            }
            other => text(self.literal_text(other)),
        };
        concat([text(s.key.name.clone()), pad, text(" = "), value])
    }

    /// A constant as written (strings keep their escapes).
    fn literal_text(&self, l: &Literal) -> String {
        match l {
            Literal::Number(n) => n.text.clone(),
            Literal::String(s) => self.raw(s.span.range()).to_string(),
            Literal::Bool(b) => b.to_string(),
            Literal::Ident(i) => i.name.clone(),
            Literal::StringList(items) => {
                let items: Vec<&str> = items.iter().map(|s| self.raw(s.span.range())).collect();
                format!("[{}]", items.join(", "))
            }
        }
    }

    // ------------------------------------------------------------ functions

    fn fn_decl(&mut self, f: &FnDecl) -> Doc {
        let after_open = self.after_open(f.name.span.end as usize, '(');
        let mut seq = Seq::new(Sep::Commas);
        for p in &f.params {
            let leading = self.leading_in_list(p.name.span.start as usize);
            let item = concat([text(format!("{}: ", p.name.name)), self.type_expr(&p.ty)]);
            let trailing = self.trailing(p.ty.span.end as usize);
            seq.push(leading, item, trailing);
        }
        let close = self.find(f.params.last().map_or(f.name.span.end, |p| p.ty.span.end) as usize, ')');
        let dangling = match close {
            Some(c) => self.dangling(c, f.params.is_empty()),
            None => Doc::Nil,
        };
        let head = concat([
            text(format!("fn {}", f.name.name)),
            seq.finish("(", after_open, dangling, ")", false),
            text(" -> "),
            self.type_expr(&f.ret),
        ]);
        match &f.body {
            FnBody::Expr(e) => self.binding(concat([head, text(" =")]), e, 0),
            FnBody::Conditions { conditions, span } => {
                let block = self.condition_block(conditions, f.ret.span.end as usize, self.close_of(*span));
                concat([head, text(" when "), block])
            }
        }
    }

    /// `head value`, where `head` ends in `=` and starts at indentation `level`: on one line
    /// when it fits, else the value on the next line; a value that would not fit there either but
    /// breaks well (a record, a list, a call with such a last argument) stays after the `=` and
    /// breaks inside itself.
    fn binding(&mut self, head: Doc, value: &Expr, level: usize) -> Doc {
        let huggable = is_huggable(value);
        let value = self.expr(value);
        let fits_next_line = value
            .flat_width()
            .is_some_and(|w| (level + 1) * super::doc::INDENT + w <= MAX_WIDTH);
        if huggable && !fits_next_line {
            concat([head, text(" "), value])
        } else {
            group(concat([head, nest(concat([line(), value]))]))
        }
    }

    // ------------------------------------------------------------ policies

    fn policy_decl(&mut self, p: &PolicyDecl, d: &Decl) -> Doc {
        let pads = self.alignment(
            &p.items
                .iter()
                .map(|item| match item {
                    PolicyItem::Setting(s) => Some((s.span.range(), s.key.name.chars().count())),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        );
        let head = match &p.applies {
            Some(a) => format!(
                "policy {} = {} on {}",
                p.name.name,
                a.policy.dotted(),
                a.target.dotted()
            ),
            None => format!("policy {}", p.name.name),
        };
        // An applied policy's block is optional: without items and comments it is left out.
        let head_end = p.applies.as_ref().map_or(p.name.span.end, |a| a.span.end) as usize;
        if p.applies.is_some() && p.items.is_empty() && !self.has_comment_before(d.span.end as usize) {
            return text(head);
        }
        let after_open = self.after_open(head_end, '{');
        let mut block = Block::new();
        for (item, pad) in p.items.iter().zip(pads) {
            let span = policy_item_span(item);
            let blank = if block.len == 0 { Blank::Never } else { Blank::Preserve };
            let leading = self.leading(span.start as usize, blank);
            let doc = match item {
                PolicyItem::Setting(s) => self.setting(s, text(" ".repeat(pad))),
                PolicyItem::Param(param) => {
                    let head = concat([
                        text(format!("param {}: ", param.name.name)),
                        self.type_expr(&param.ty),
                        self.constraints(&param.constraints),
                        text(" ="),
                    ]);
                    concat([Self::docs(&param.doc), self.binding(head, &param.default, 1)])
                }
                PolicyItem::Subject(s) => concat([text(format!("subject {}: ", s.name.name)), self.type_expr(&s.ty)]),
                PolicyItem::Request(r) => concat([text(format!("request {}: ", r.name.name)), self.type_expr(&r.ty)]),
                PolicyItem::Inventory(i) => {
                    concat([text(format!("inventory {}: ", i.name.name)), self.type_expr(&i.ty)])
                }
                PolicyItem::Let(l) => self.let_binding(l),
                PolicyItem::Clause(c) => self.clause(c),
                PolicyItem::ParamValue(v) => self.binding(text(format!("param {} =", v.name.name)), &v.value, 1),
            };
            let trailing = self.trailing(span.end as usize);
            block.push(leading, doc, trailing);
        }
        let dangling = self.dangling(self.close_of(d.span), block.len == 0);
        concat([text(format!("{head} ")), block.finish(after_open, dangling)])
    }

    fn let_binding(&mut self, l: &LetBinding) -> Doc {
        self.binding(text(format!("let {} =", l.name.name)), &l.value, 1)
    }

    fn clause(&mut self, c: &Clause) -> Doc {
        let keyword = match c.kind {
            ClauseKind::Deny => "deny",
            ClauseKind::Warn => "warn",
            ClauseKind::Allow => "allow",
        };
        let message_end = c.message.as_ref().map(|m| m.span.end as usize);
        let head = match &c.message {
            Some(m) => concat([text(format!("{keyword} ")), self.string(m), text(" when")]),
            None => text(format!("{keyword} when")),
        };
        let end = c.span.end as usize;
        if let [Condition::Expr(e)] = c.conditions.as_slice() {
            if !self.has_comment_before(end) {
                let cond = self.expr(e);
                return group(concat([
                    head,
                    if_break(text(" {"), Doc::Nil),
                    nest(concat([line(), cond])),
                    if_break(concat([line(), text("}")]), Doc::Nil),
                ]));
            }
        }
        let when = message_end.unwrap_or(c.span.start as usize);
        let block = self.condition_block(&c.conditions, when, self.close_of(c.span));
        concat([head, text(" "), block])
    }

    /// `{ conditions }` after the keyword `when` found after `when_from`, its `}` at `close`: the
    /// block of a clause or of a predicate.
    fn condition_block(&mut self, conditions: &[Condition], when_from: usize, close: usize) -> Doc {
        let after_open = self.after_open_past(when_from, "when", '{');
        let mut block = Block::new();
        for (i, cond) in conditions.iter().enumerate() {
            let span = match cond {
                Condition::Expr(e) => e.span,
                Condition::Some { span, .. } | Condition::Let { span, .. } => *span,
            };
            let blank = if block.len == 0 { Blank::Never } else { Blank::Preserve };
            let leading = self.leading(span.start as usize, blank);
            let doc = match cond {
                Condition::Expr(e) if i > 0 && starts_ambiguously(e) => concat([text("("), self.expr(e), text(")")]),
                Condition::Expr(e) => self.expr(e),
                Condition::Some {
                    key, var, collection, ..
                } => concat([
                    text(format!("some {} in ", bound_names(key.as_ref(), var))),
                    self.expr(collection),
                ]),
                Condition::Let { name, value, .. } => self.binding(text(format!("let {} =", name.name)), value, 1),
            };
            let trailing = self.trailing(span.end as usize);
            block.push(leading, doc, trailing);
        }
        let dangling = self.dangling(close, block.len == 0);
        block.finish(after_open, dangling)
    }

    /// A comment after the bracket that follows the keyword `word` found after `from`.
    fn after_open_past(&mut self, from: usize, word: &str, bracket: char) -> Doc {
        let Some(at) = self.source[from..].find(word).map(|i| from + i + word.len()) else {
            return Doc::Nil;
        };
        self.after_open(at, bracket)
    }

    // ------------------------------------------------------------ enforcements and tests

    fn enforce_decl(&mut self, e: &EnforceDecl, d: &Decl) -> Doc {
        let policies: Vec<String> = e.policies.iter().map(Path::dotted).collect();
        let open_from = e.policies.last().map_or(d.span.start, |p| p.span.end) as usize;
        let after_open = self.after_open(open_from, '{');
        let mut block = Block::new();
        for t in &e.targets {
            let blank = if block.len == 0 { Blank::Never } else { Blank::Preserve };
            let leading = self.leading(t.span.start as usize, blank);
            let doc = self.enforce_target(t);
            let trailing = self.trailing(t.span.end as usize);
            block.push(leading, doc, trailing);
        }
        let dangling = self.dangling(self.close_of(d.span), block.len == 0);
        concat([
            text(format!("enforce {} ", policies.join(", "))),
            block.finish(after_open, dangling),
        ])
    }

    fn enforce_target(&mut self, t: &EnforceTarget) -> Doc {
        let pads = self.alignment(
            &t.settings
                .iter()
                .map(|s| Some((s.span.range(), s.key.name.chars().count())))
                .collect::<Vec<_>>(),
        );
        let after_open = self.after_open(t.name.span.end as usize, '{');
        let mut seq = Seq::new(Sep::Lines);
        for (s, pad) in t.settings.iter().zip(pads) {
            let leading = self.leading_in_list(s.span.start as usize);
            let item = self.setting(s, if_break(text(" ".repeat(pad)), Doc::Nil));
            let trailing = self.trailing(s.span.end as usize);
            seq.push(leading, item, trailing);
        }
        let dangling = self.dangling(self.close_of(t.span), t.settings.is_empty());
        concat([
            text(format!("{} ", t.name.name)),
            seq.finish("{", after_open, dangling, "}", true),
        ])
    }

    fn test_decl(&mut self, t: &TestDecl, d: &Decl) -> Doc {
        let after_open = self.after_open(t.name.span.end as usize, '{');
        let mut block = Block::new();
        for item in &t.items {
            let span = match item {
                TestItem::Let(l) => l.span,
                TestItem::Expect(x) => x.span,
            };
            let blank = if block.len == 0 { Blank::Never } else { Blank::Preserve };
            let leading = self.leading(span.start as usize, blank);
            let doc = match item {
                TestItem::Let(l) => self.let_binding(l),
                TestItem::Expect(x) => self.expectation(x),
            };
            let trailing = self.trailing(span.end as usize);
            block.push(leading, doc, trailing);
        }
        let dangling = self.dangling(self.close_of(d.span), block.len == 0);
        concat([
            text("test "),
            text(self.raw(t.name.span.range())),
            text(" "),
            block.finish(after_open, dangling),
        ])
    }

    fn expectation(&mut self, x: &Expectation) -> Doc {
        let mut args: Vec<Arg> = vec![Arg {
            name: None,
            value: &x.subject,
        }];
        args.extend(x.args.iter().map(|a| Arg {
            name: Some(&a.name),
            value: &a.value,
        }));
        let call = self.call(text(x.policy.dotted()), x.policy.span.end as usize, &args);
        let mut parts = vec![text(format!("expect {} ", x.kind.as_str())), call];
        if let Some(at) = &x.at {
            parts.push(text(" at "));
            parts.push(self.expr(at));
        }
        if let Some(request) = &x.request {
            parts.push(text(" with request "));
            parts.push(self.expr(request));
        }
        if let Some(m) = &x.message {
            parts.push(text(" with "));
            parts.push(text(self.raw(m.span.range())));
        }
        concat(parts)
    }

    // ------------------------------------------------------------ expressions

    pub fn expr(&mut self, e: &Expr) -> Doc {
        match &e.kind {
            ExprKind::Number(n) => text(n.text.clone()),
            ExprKind::Duration(d) => text(d.text.clone()),
            ExprKind::Bool(b) => text(b.to_string()),
            ExprKind::String(s) => self.string(s),
            ExprKind::Name(i) => text(i.name.clone()),
            ExprKind::Field { target, field } => concat([
                self.operand(target, precedence(target) < POSTFIX),
                text("."),
                text(field.name.clone()),
            ]),
            ExprKind::Index { target, index } => concat([
                self.operand(target, precedence(target) < POSTFIX),
                text("["),
                self.expr(index),
                text("]"),
            ]),
            ExprKind::Call { callee, args } => {
                let callee_doc = self.operand(callee, precedence(callee) < POSTFIX);
                let args: Vec<Arg> = args.iter().map(|a| Arg { name: None, value: a }).collect();
                self.call(callee_doc, callee.span.end as usize, &args)
            }
            ExprKind::Unary { op, operand } => match op {
                UnaryOp::Not => concat([
                    text("not "),
                    self.operand(operand, precedence(operand) < UnaryOp::Not.precedence()),
                ]),
                UnaryOp::Neg => concat([
                    text("-"),
                    self.operand(operand, precedence(operand) < UnaryOp::Neg.precedence()),
                ]),
            },
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs),
            ExprKind::Quantified {
                quantifier,
                key,
                var,
                collection,
                body,
            } => {
                let word = match quantifier {
                    Quantifier::All => "all",
                    Quantifier::Any => "any",
                };
                group(concat([
                    text(format!("{word} {} in ", bound_names(key.as_ref(), var))),
                    self.operand(collection, precedence(collection) == QUANTIFIER),
                    text(":"),
                    nest(concat([line(), self.expr(body)])),
                ]))
            }
            ExprKind::Has(path) => concat([text("has "), self.operand(path, precedence(path) < POSTFIX)]),
            ExprKind::If { .. } => self.conditional(e),
            ExprKind::Comprehension {
                element,
                key,
                var,
                collection,
                filter,
            } => {
                let loose = |x: &Expr| precedence(x) == QUANTIFIER;
                let mut inner = vec![
                    softline(),
                    self.operand(element, loose(element)),
                    line(),
                    text(format!("for {} in ", bound_names(key.as_ref(), var))),
                    self.operand(collection, loose(collection)),
                ];
                if let Some(f) = filter {
                    inner.push(line());
                    inner.push(text("if "));
                    inner.push(self.operand(f, loose(f)));
                }
                group(concat([text("["), nest(concat(inner)), softline(), text("]")]))
            }
            ExprKind::Record { ty, fields } => {
                let (head, open_from) = match ty {
                    Some(path) => (text(format!("{} ", path.dotted())), path.span.end as usize),
                    None => (Doc::Nil, e.span.start as usize),
                };
                let after_open = self.after_open(open_from, '{');
                let mut seq = Seq::new(Sep::Commas);
                for f in fields {
                    let leading = self.leading_in_list(f.span.start as usize);
                    let value = self.expr(&f.value);
                    let key = if f.quoted {
                        self.raw(f.name.span.range()).to_string()
                    } else {
                        f.name.name.clone()
                    };
                    let item = concat([text(format!("{key}: ")), value]);
                    let trailing = self.trailing(f.span.end as usize);
                    seq.push(leading, item, trailing);
                }
                let dangling = self.dangling(self.close_of(e.span), fields.is_empty());
                concat([head, seq.finish("{", after_open, dangling, "}", true)])
            }
            ExprKind::List(items) => {
                let after_open = self.after_open(e.span.start as usize, '[');
                let mut seq = Seq::new(Sep::Commas);
                for item in items {
                    let leading = self.leading_in_list(item.span.start as usize);
                    let doc = self.expr(item);
                    let trailing = self.trailing(item.span.end as usize);
                    seq.push(leading, doc, trailing);
                }
                let close = self.source[..e.span.end as usize]
                    .rfind(']')
                    .unwrap_or(e.span.end as usize);
                let dangling = self.dangling(close, items.is_empty());
                seq.finish("[", after_open, dangling, "]", false)
            }
        }
    }

    /// An operand, in parentheses when its precedence requires them.
    fn operand(&mut self, e: &Expr, parenthesize: bool) -> Doc {
        let doc = self.expr(e);
        if parenthesize {
            concat([text("("), doc, text(")")])
        } else {
            doc
        }
    }

    /// `if a then x else if b then y else z`: one line when it fits, else each `else` on a line
    /// of its own. A conditional inside a condition or a `then` branch is parenthesized.
    fn conditional(&mut self, e: &Expr) -> Doc {
        let mut links = Vec::new();
        let mut at = e;
        while let ExprKind::If { cond, then, otherwise } = &at.kind {
            links.push(concat([
                text("if "),
                self.operand(cond, precedence(cond) == QUANTIFIER),
                text(" then "),
                self.operand(then, precedence(then) == QUANTIFIER),
            ]));
            at = otherwise;
        }
        let mut links = links.into_iter();
        let first = links.next().unwrap_or(Doc::Nil);
        let mut rest = Vec::new();
        for link in links {
            rest.push(line());
            rest.push(text("else "));
            rest.push(link);
        }
        rest.push(line());
        rest.push(text("else "));
        rest.push(self.expr(at));
        group(concat([first, nest(concat(rest))]))
    }

    /// A chain of one operator, `a and b and c`, broken before the operators when too long.
    fn binary(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr) -> Doc {
        let prec = op.precedence();
        let mut operands = vec![rhs];
        let mut first = lhs;
        while let ExprKind::Binary { op: inner, lhs, rhs } = &first.kind {
            if *inner != op {
                break;
            }
            operands.push(rhs);
            first = lhs;
        }
        operands.reverse();
        let first_doc = self.operand(first, precedence(first) < prec);
        let mut rest = Vec::new();
        for operand in operands {
            rest.push(line());
            rest.push(text(format!("{} ", op.symbol())));
            rest.push(self.operand(operand, precedence(operand) <= prec));
        }
        group(concat([first_doc, nest(concat(rest))]))
    }

    /// `callee(args)`: simple arguments stay on one line; a record or list as the last argument
    /// breaks inside itself (`f(x, T {` ... `})`); other lists of arguments break one per line.
    fn call(&mut self, callee: Doc, callee_end: usize, args: &[Arg]) -> Doc {
        let arg_doc = |p: &mut Self, a: &Arg| {
            let value = p.expr(a.value);
            match a.name {
                Some(n) => concat([text(format!("{} = ", n.name)), value]),
                None => value,
            }
        };
        let (last, init) = match args.split_last() {
            Some(split) => split,
            None => return concat([callee, text("()")]),
        };
        let init_simple = init.iter().all(|a| is_simple(a.value));
        if init_simple
            && (is_simple(last.value) || is_huggable(last.value))
            && !self.has_comment_before(last.value.span.end as usize)
        {
            let mut parts = vec![callee, text("(")];
            for a in init {
                parts.push(arg_doc(self, a));
                parts.push(text(", "));
            }
            parts.push(arg_doc(self, last));
            parts.push(text(")"));
            return concat(parts);
        }
        let after_open = self.after_open(callee_end, '(');
        let mut seq = Seq::new(Sep::Commas);
        for a in args {
            let start = a.name.map_or(a.value.span.start, |n| n.span.start) as usize;
            let leading = self.leading_in_list(start);
            let doc = arg_doc(self, a);
            let trailing = self.trailing(a.value.span.end as usize);
            seq.push(leading, doc, trailing);
        }
        let close = self.find(last.value.span.end as usize, ')');
        let dangling = match close {
            Some(c) => self.dangling(c, false),
            None => Doc::Nil,
        };
        concat([callee, seq.finish("(", after_open, dangling, ")", false)])
    }

    /// A string literal: text as written, interpolations formatted on one line.
    fn string(&mut self, s: &StringLit) -> Doc {
        let raw = self.raw(s.span.range());
        if s.parts.iter().all(|p| matches!(p, StrPart::Text(_))) {
            return text(raw);
        }
        let mut out = String::new();
        let mut cursor = s.span.start as usize;
        let was_in_string = self.in_string;
        self.in_string = true;
        for part in &s.parts {
            let StrPart::Interp(e) = part else { continue };
            let start = e.span.start as usize;
            let open = self.source[cursor..start].rfind('{').map_or(start, |i| cursor + i);
            out.push_str(self.raw(cursor..open));
            let end = e.span.end as usize;
            let close = self.source[end..].find('}').map_or(end, |i| end + i);
            let inner = self.expr(e).render(usize::MAX / 4);
            out.push('{');
            out.push_str(&inner);
            out.push('}');
            cursor = close + 1;
        }
        out.push_str(self.raw(cursor..s.span.end as usize));
        self.in_string = was_in_string;
        text(out)
    }
}

/// One argument of a call: `value` or `name = value` (parameters in test expectations).
struct Arg<'e> {
    name: Option<&'e Ident>,
    value: &'e Expr,
}

fn policy_item_span(item: &PolicyItem) -> crate::span::Span {
    match item {
        PolicyItem::Setting(s) => s.span,
        PolicyItem::Param(p) => p.span,
        PolicyItem::Subject(s) | PolicyItem::Request(s) | PolicyItem::Inventory(s) => s.span,
        PolicyItem::Let(l) => l.span,
        PolicyItem::Clause(c) => c.span,
        PolicyItem::ParamValue(v) => v.span,
    }
}

/// How tightly an expression holds together, by its outermost operator (see the lexicon).
fn precedence(e: &Expr) -> Precedence {
    match &e.kind {
        ExprKind::Binary { op, .. } => op.precedence(),
        ExprKind::Unary { op, .. } => op.precedence(),
        ExprKind::Number(n) if n.text.starts_with('-') => UnaryOp::Neg.precedence(),
        ExprKind::Quantified { .. } | ExprKind::If { .. } => QUANTIFIER,
        _ => POSTFIX,
    }
}

/// Whether a condition would read as the continuation of the one before it when it starts a
/// line (`- x`, `-1`, or `{ ... }`, which could join the previous name as a record literal).
fn starts_ambiguously(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Unary { op: UnaryOp::Neg, .. } => true,
        ExprKind::Number(n) => n.text.starts_with('-'),
        ExprKind::Record { ty: None, .. } => true,
        ExprKind::Binary { lhs, .. } => precedence(lhs) >= precedence(e) && starts_ambiguously(lhs),
        ExprKind::Field { target, .. } | ExprKind::Index { target, .. } => {
            precedence(target) >= POSTFIX && starts_ambiguously(target)
        }
        ExprKind::Call { callee, .. } => precedence(callee) >= POSTFIX && starts_ambiguously(callee),
        _ => false,
    }
}

/// An expression without records, lists or quantifiers: it reads well on one line.
fn is_simple(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Number(_) | ExprKind::Duration(_) | ExprKind::Bool(_) | ExprKind::Name(_) => true,
        ExprKind::String(s) => s.parts.iter().all(|p| match p {
            StrPart::Text(_) => true,
            StrPart::Interp(e) => is_simple(e),
        }),
        ExprKind::Field { target, .. } => is_simple(target),
        ExprKind::Index { target, index } => is_simple(target) && is_simple(index),
        ExprKind::Call { callee, args } => is_simple(callee) && args.iter().all(is_simple),
        ExprKind::Unary { operand, .. } => is_simple(operand),
        ExprKind::Binary { lhs, rhs, .. } => is_simple(lhs) && is_simple(rhs),
        ExprKind::Has(e) => is_simple(e),
        ExprKind::If { cond, then, otherwise } => is_simple(cond) && is_simple(then) && is_simple(otherwise),
        ExprKind::Quantified { .. } | ExprKind::Comprehension { .. } | ExprKind::Record { .. } | ExprKind::List(_) => {
            false
        }
    }
}

/// A value that breaks well inside itself: a record or list literal, or a call whose last
/// argument is one.
fn is_huggable(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Record { .. } | ExprKind::List(_) | ExprKind::Comprehension { .. } => true,
        ExprKind::Call { args, .. } => match args.split_last() {
            Some((last, init)) => init.iter().all(is_simple) && is_huggable(last),
            None => false,
        },
        _ => false,
    }
}

/// The names `some` or a quantifier binds, as written: `x`, or `k, v`.
fn bound_names(key: Option<&crate::syntax::ast::Ident>, var: &crate::syntax::ast::Ident) -> String {
    match key {
        Some(k) => format!("{}, {}", k.name, var.name),
        None => var.name.clone(),
    }
}
