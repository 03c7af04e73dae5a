//! The fast path of the parser: a hand-written recursive-descent reading of one declaration that
//! builds exactly the AST the pest grammar and `convert.rs` build, an order of magnitude faster.
//!
//! `grammar/gov.pest` stays the definition of the language. This reader follows it rule by rule
//! and gives up (`None`) at anything it is not sure of: a syntax error, an invalid escape or
//! number, a construct it does not know. The caller then parses the declaration with pest, which
//! reports the error or, for a construct only the grammar knows, builds the tree. So a gap here
//! costs time, never correctness; `tests/syntax.rs` and `tests/no_panic.rs` check that both
//! parsers agree on every corpus file and on thousands of broken variants of them.
//!
//! Spans follow `Converter::span`: a node covers its first to its last token, and the
//! declaration starts at its chunk's start.

use super::ast::*;
use super::convert::{trim_trailing_trivia, MAX_NESTING};
use crate::span::{FileId, Span};

/// Parses the declaration chunk `source` (at byte `offset` of `file`), or `None` to let pest do it.
pub(super) fn declaration(file: FileId, offset: usize, source: &str) -> Option<Decl> {
    let mut p = Reader {
        src: source,
        bytes: source.as_bytes(),
        pos: 0,
        file,
        offset,
        depth: 0,
        nesting: Vec::new(),
    };
    p.skip();
    let doc = p.docs();
    let kind = match p.word() {
        "type" => DeclKind::Type(p.type_decl()?),
        "enum" => DeclKind::Enum(p.enum_decl()?),
        "resource" => DeclKind::Resource(p.resource_decl()?),
        "fn" => DeclKind::Fn(p.fn_decl()?),
        "policy" => DeclKind::Policy(p.policy_decl()?),
        "enforce" => DeclKind::Enforce(p.enforce_decl()?),
        "test" => DeclKind::Test(p.test_decl()?),
        _ => return None,
    };
    let end = p.pos;
    p.skip();
    if p.pos != p.bytes.len() {
        return None;
    }
    Some(Decl {
        doc,
        kind,
        span: p.span(0, end),
    })
}

/// Words that can never be identifiers (the grammar's `keyword` rule).
const KEYWORDS: &[&str] = &["and", "or", "not", "in", "has", "some", "all", "any", "true", "false"];

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

struct Reader<'s> {
    src: &'s str,
    bytes: &'s [u8],
    pos: usize,
    file: FileId,
    offset: usize,
    /// Nesting of expressions and types; deeper input is left to pest and its stack guard.
    depth: usize,
    /// For each expression and primary being read, the deepest nesting below it so far, to hand
    /// anything past [`MAX_NESTING`] to `Converter`, which reports it.
    nesting: Vec<usize>,
}

/// The deepest nesting the fast path reads (expressions, types, prefix operators in a row).
const MAX_DEPTH: usize = 100;

/// One element of an expression before precedence is applied, as pest's `expr` rule lists them.
enum Item {
    Prefix(UnaryOp, Span),
    Operand(Expr),
    Infix(BinOp),
}

impl<'s> Reader<'s> {
    // ------------------------------------------------------------ tokens

    /// The span of `start..end` in the file, trimmed as `Converter::span` trims a pair's span.
    fn span(&self, start: usize, end: usize) -> Span {
        let end = start + trim_trailing_trivia(&self.src[start..end]);
        Span::new(self.file, self.offset + start, self.offset + end)
    }

    /// The span of a token, which never ends in whitespace or a comment.
    fn token_span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, self.offset + start, self.offset + end)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn peek_at(&self, i: usize) -> Option<u8> {
        self.bytes.get(i).copied()
    }

    /// Skips whitespace and `//` comments (not `///` doc comments), as pest's implicit rules do.
    fn skip(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\r' | b'\n') => self.pos += 1,
                Some(0xEF) if self.bytes[self.pos..].starts_with("\u{FEFF}".as_bytes()) => self.pos += 3,
                Some(b'/') if self.peek_at(self.pos + 1) == Some(b'/') && self.peek_at(self.pos + 2) != Some(b'/') => {
                    while self.peek().is_some_and(|b| b != b'\n') {
                        self.pos += 1;
                    }
                }
                _ => return,
            }
        }
    }

    /// The identifier-like word at the cursor (possibly empty), without moving.
    fn word(&self) -> &'s str {
        let rest = &self.bytes[self.pos..];
        if !rest.first().is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_') {
            return "";
        }
        let len = rest.iter().take_while(|b| is_ident_byte(**b)).count();
        &self.src[self.pos..self.pos + len]
    }

    /// Consumes the keyword `kw` (a whole word) and the trivia after it.
    fn keyword(&mut self, kw: &str) -> Option<()> {
        if self.word() != kw {
            return None;
        }
        self.pos += kw.len();
        self.skip();
        Some(())
    }

    /// Consumes the punctuation `s` and the trivia after it.
    fn punct(&mut self, s: &str) -> Option<()> {
        if !self.bytes[self.pos..].starts_with(s.as_bytes()) {
            return None;
        }
        self.pos += s.len();
        self.skip();
        Some(())
    }

    fn at(&self, b: u8) -> bool {
        self.peek() == Some(b)
    }

    /// An identifier (not followed by trivia skipping).
    fn ident_token(&mut self) -> Option<Ident> {
        let w = self.word();
        if w.is_empty() || KEYWORDS.contains(&w) {
            return None;
        }
        let start = self.pos;
        self.pos += w.len();
        Some(Ident {
            name: w.to_string(),
            span: self.token_span(start, self.pos),
        })
    }

    /// An identifier and the trivia after it.
    fn ident(&mut self) -> Option<Ident> {
        let i = self.ident_token()?;
        self.skip();
        Some(i)
    }

    /// `a.b.c` with no space around the dots; a dot not followed by a name is left unread.
    fn path_token(&mut self) -> Option<Path> {
        let start = self.pos;
        let mut segments = vec![self.ident_token()?];
        while self.at(b'.') {
            let save = self.pos;
            self.pos += 1;
            match self.ident_token() {
                Some(i) => segments.push(i),
                None => {
                    self.pos = save;
                    break;
                }
            }
        }
        Some(Path {
            segments,
            span: self.token_span(start, self.pos),
        })
    }

    fn path(&mut self) -> Option<Path> {
        let p = self.path_token()?;
        self.skip();
        Some(p)
    }

    /// Consumes an optional `,` or `;` separator between items.
    fn sep(&mut self) {
        if matches!(self.peek(), Some(b',' | b';')) {
            self.pos += 1;
            self.skip();
        }
    }

    /// `///` lines (with trivia between them), joined as `Converter::docs` joins them.
    fn docs(&mut self) -> Option<Doc> {
        let start = self.pos;
        let mut lines: Vec<&str> = Vec::new();
        let mut end = start;
        while self.bytes[self.pos..].starts_with(b"///") {
            let line_end = self.bytes[self.pos..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(self.bytes.len(), |i| self.pos + i);
            let line = self.src[self.pos..line_end].trim_start_matches("///");
            lines.push(line.strip_prefix(' ').unwrap_or(line).trim_end());
            self.pos = line_end;
            end = line_end;
            self.skip();
        }
        if lines.is_empty() {
            return None;
        }
        Some(Doc {
            text: lines.join("\n"),
            span: self.span(start, end),
        })
    }

    fn number_token(&mut self) -> Option<Number> {
        let start = self.pos;
        let digits = |p: &Self, i: usize| p.bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        let mut i = self.pos;
        if self.peek_at(i) == Some(b'-') {
            i += 1;
        }
        let n = digits(self, i);
        if n == 0 {
            return None;
        }
        i += n;
        if self.peek_at(i) == Some(b'.') {
            let n = digits(self, i + 1);
            if n > 0 {
                i += 1 + n;
            }
        }
        if matches!(self.peek_at(i), Some(b'e' | b'E')) {
            let mut j = i + 1;
            if matches!(self.peek_at(j), Some(b'+' | b'-')) {
                j += 1;
            }
            let n = digits(self, j);
            if n > 0 {
                i = j + n;
            }
        }
        let text = &self.src[start..i];
        let is_int = !text.contains(['.', 'e', 'E']);
        let value: f64 = text.parse().ok()?;
        if !value.is_finite() || (is_int && text.parse::<i64>().is_err()) {
            return None;
        }
        self.pos = i;
        Some(Number {
            value,
            is_int,
            text: text.to_string(),
        })
    }

    /// A string literal: text, `{{`/`}}`, escapes and `{expr}` interpolations.
    fn string_token(&mut self) -> Option<StringLit> {
        let start = self.pos;
        if !self.at(b'"') {
            return None;
        }
        self.pos += 1;
        let mut parts: Vec<StrPart> = Vec::new();
        let push_text = |parts: &mut Vec<StrPart>, s: &str| match parts.last_mut() {
            Some(StrPart::Text(t)) => t.push_str(s),
            _ => parts.push(StrPart::Text(s.to_string())),
        };
        loop {
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\n' => return None,
                b'{' if self.peek_at(self.pos + 1) == Some(b'{') => {
                    push_text(&mut parts, "{");
                    self.pos += 2;
                }
                b'}' if self.peek_at(self.pos + 1) == Some(b'}') => {
                    push_text(&mut parts, "}");
                    self.pos += 2;
                }
                b'}' => return None,
                b'{' => {
                    self.pos += 1;
                    self.skip();
                    let e = self.expr()?;
                    self.skip();
                    if !self.at(b'}') {
                        return None;
                    }
                    self.pos += 1;
                    parts.push(StrPart::Interp(e));
                }
                b'\\' => {
                    let c = self.escape()?;
                    push_text(&mut parts, c.encode_utf8(&mut [0; 4]));
                }
                _ => {
                    let len = self.bytes[self.pos..]
                        .iter()
                        .take_while(|b| !matches!(b, b'"' | b'\\' | b'{' | b'}' | b'\n'))
                        .count();
                    push_text(&mut parts, &self.src[self.pos..self.pos + len]);
                    self.pos += len;
                }
            }
        }
        Some(StringLit {
            parts,
            span: self.span(start, self.pos),
        })
    }

    /// A valid escape (`\"`, `\\`, `\n`, `\t`, `\r`, `\u{…}`); anything else is left to pest,
    /// which reports it.
    fn escape(&mut self) -> Option<char> {
        let c = match self.peek_at(self.pos + 1)? {
            b'n' => '\n',
            b't' => '\t',
            b'r' => '\r',
            b'"' => '"',
            b'\\' => '\\',
            b'u' if self.peek_at(self.pos + 2) == Some(b'{') => {
                let hex_start = self.pos + 3;
                let len = self.bytes[hex_start..]
                    .iter()
                    .take_while(|b| b.is_ascii_hexdigit())
                    .count();
                if !(1..=6).contains(&len) || self.peek_at(hex_start + len) != Some(b'}') {
                    return None;
                }
                let c = char::from_u32(u32::from_str_radix(&self.src[hex_start..hex_start + len], 16).ok()?)?;
                self.pos = hex_start + len + 1;
                return Some(c);
            }
            _ => return None,
        };
        self.pos += 2;
        Some(c)
    }

    fn string(&mut self) -> Option<StringLit> {
        let s = self.string_token()?;
        self.skip();
        Some(s)
    }

    // ------------------------------------------------------------ declarations

    fn type_expr(&mut self) -> Option<TypeExpr> {
        self.depth += 1;
        let t = if self.depth > MAX_DEPTH {
            None
        } else {
            self.type_expr_inner()
        };
        self.depth -= 1;
        t
    }

    fn type_expr_inner(&mut self) -> Option<TypeExpr> {
        let start = self.pos;
        let kind = match self.peek()? {
            b'[' => {
                self.punct("[")?;
                let elem = self.type_expr()?;
                self.skip();
                if !self.at(b']') {
                    return None;
                }
                self.pos += 1;
                TypeExprKind::List(Box::new(elem))
            }
            b'{' => {
                self.punct("{")?;
                let key = self.ident()?;
                self.punct(":")?;
                let value = self.type_expr()?;
                self.skip();
                if !self.at(b'}') {
                    return None;
                }
                self.pos += 1;
                TypeExprKind::Map(key, Box::new(value))
            }
            _ => TypeExprKind::Named(self.path_token()?),
        };
        Some(TypeExpr {
            kind,
            span: self.span(start, self.pos),
        })
    }

    /// `@name` or `@name(arg)`; the cursor is on `@`.
    fn constraint(&mut self) -> Option<Constraint> {
        let start = self.pos;
        self.punct("@")?;
        let name = self.ident_token()?;
        let mut end = self.pos;
        let save = self.pos;
        self.skip();
        let arg = if self.at(b'(') {
            self.punct("(")?;
            let arg = match self.peek()? {
                b'"' => Literal::String(self.string()?),
                _ => {
                    let n = self.number_token()?;
                    self.skip();
                    Literal::Number(n)
                }
            };
            if !self.at(b')') {
                return None;
            }
            self.pos += 1;
            end = self.pos;
            Some(arg)
        } else {
            self.pos = save;
            None
        };
        Some(Constraint {
            name,
            arg,
            span: self.span(start, end),
        })
    }

    /// Constraints after a type; the cursor is just after the type, and is left after the last one.
    fn constraints(&mut self) -> Option<Vec<Constraint>> {
        let mut out = Vec::new();
        loop {
            let save = self.pos;
            self.skip();
            if !self.at(b'@') {
                self.pos = save;
                return Some(out);
            }
            out.push(self.constraint()?);
        }
    }

    /// `{ item sep item sep ... }`, each item read by `item`; the cursor is on `{`.
    fn braced<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        self.punct("{")?;
        let mut items = Vec::new();
        while !self.at(b'}') {
            items.push(item(self)?);
            self.skip();
            self.sep();
        }
        self.pos += 1;
        Some(items)
    }

    fn type_decl(&mut self) -> Option<TypeDecl> {
        self.keyword("type")?;
        let name = self.ident()?;
        let fields = self.braced(|p| {
            let start = p.pos;
            let doc = p.docs();
            let name = p.ident()?;
            let optional = p.at(b'?');
            if optional {
                p.punct("?")?;
            }
            p.punct(":")?;
            let ty = p.type_expr()?;
            let constraints = p.constraints()?;
            Some(Field {
                doc,
                name,
                optional,
                ty,
                constraints,
                span: p.span(start, p.pos),
            })
        })?;
        Some(TypeDecl { name, fields })
    }

    fn enum_decl(&mut self) -> Option<EnumDecl> {
        self.keyword("enum")?;
        let name = self.ident()?;
        let variants = self.braced(|p| {
            let doc = p.docs();
            let name = p.ident_token()?;
            Some(Variant { doc, name })
        })?;
        Some(EnumDecl { name, variants })
    }

    fn resource_decl(&mut self) -> Option<ResourceDecl> {
        self.keyword("resource")?;
        let name = self.ident()?;
        let mut settings = Vec::new();
        let mut fields = Vec::new();
        self.braced(|p| {
            let save = p.pos;
            let key = p.ident()?;
            if p.at(b':') {
                p.punct(":")?;
                fields.push((key, p.type_expr()?));
            } else {
                p.pos = save;
                settings.push(p.setting()?);
            }
            Some(())
        })?;
        Some(ResourceDecl { name, settings, fields })
    }

    /// `key = value`; the cursor is left just after the value.
    fn setting(&mut self) -> Option<Setting> {
        let start = self.pos;
        let key = self.ident()?;
        self.punct("=")?;
        let value_start = self.pos;
        let value = match self.peek()? {
            b'"' => Literal::String(self.string_token()?),
            b'-' | b'0'..=b'9' => Literal::Number(self.number_token()?),
            b'[' => {
                self.punct("[")?;
                let mut items = Vec::new();
                if self.at(b'"') {
                    items.push(self.string()?);
                    while self.at(b',') {
                        self.punct(",")?;
                        if !self.at(b'"') {
                            break;
                        }
                        items.push(self.string()?);
                    }
                }
                if !self.at(b']') {
                    return None;
                }
                self.pos += 1;
                Literal::StringList(items)
            }
            _ => match self.word() {
                "true" | "false" => {
                    let b = self.word() == "true";
                    self.pos += self.word().len();
                    Literal::Bool(b)
                }
                _ => Literal::Ident(self.ident_token()?),
            },
        };
        Some(Setting {
            key,
            value,
            value_span: self.span(value_start, self.pos),
            span: self.span(start, self.pos),
        })
    }

    fn fn_decl(&mut self) -> Option<FnDecl> {
        self.keyword("fn")?;
        let name = self.ident()?;
        self.punct("(")?;
        let mut params = Vec::new();
        while !self.at(b')') {
            let name = self.ident()?;
            self.punct(":")?;
            let ty = self.type_expr()?;
            self.skip();
            params.push(FnParam { name, ty });
            if self.at(b',') {
                self.punct(",")?;
            } else if !self.at(b')') {
                return None;
            }
        }
        self.punct(")")?;
        self.punct("->")?;
        let ret = self.type_expr()?;
        self.skip();
        self.punct("=")?;
        let body = self.expr()?;
        Some(FnDecl {
            name,
            params,
            ret,
            body,
        })
    }

    fn policy_decl(&mut self) -> Option<PolicyDecl> {
        self.keyword("policy")?;
        let name = self.ident()?;
        let items = self.braced(Self::policy_item)?;
        Some(PolicyDecl { name, items })
    }

    fn policy_item(&mut self) -> Option<PolicyItem> {
        let start = self.pos;
        if self.bytes[self.pos..].starts_with(b"///") {
            return Some(PolicyItem::Param(self.param(start)?));
        }
        Some(match self.word() {
            "param" => PolicyItem::Param(self.param(start)?),
            "subject" => {
                self.keyword("subject")?;
                let name = self.ident()?;
                self.punct(":")?;
                let ty = self.type_expr()?;
                PolicyItem::Subject(SubjectDecl {
                    name,
                    ty,
                    span: self.span(start, self.pos),
                })
            }
            "let" => PolicyItem::Let(self.let_binding()?),
            "deny" | "warn" | "allow" => PolicyItem::Clause(self.clause()?),
            _ => PolicyItem::Setting(self.setting()?),
        })
    }

    fn param(&mut self, start: usize) -> Option<ParamDecl> {
        let doc = self.docs();
        self.keyword("param")?;
        let name = self.ident()?;
        self.punct(":")?;
        let ty = self.type_expr()?;
        let constraints = self.constraints()?;
        self.skip();
        self.punct("=")?;
        let default = self.expr()?;
        Some(ParamDecl {
            doc,
            name,
            ty,
            constraints,
            default,
            span: self.span(start, self.pos),
        })
    }

    fn let_binding(&mut self) -> Option<LetBinding> {
        let start = self.pos;
        self.keyword("let")?;
        let name = self.ident()?;
        self.punct("=")?;
        let value = self.expr()?;
        Some(LetBinding {
            name,
            value,
            span: self.span(start, self.pos),
        })
    }

    fn clause(&mut self) -> Option<Clause> {
        let start = self.pos;
        let kind = match self.word() {
            "deny" => ClauseKind::Deny,
            "warn" => ClauseKind::Warn,
            _ => ClauseKind::Allow,
        };
        self.pos += self.word().len();
        self.skip();
        let message = match kind {
            ClauseKind::Allow => None,
            _ => Some(self.string()?),
        };
        self.keyword("when")?;
        let conditions = if self.at(b'{') {
            self.braced(|p| {
                if p.word() != "some" {
                    return Some(Condition::Expr(p.expr()?));
                }
                let start = p.pos;
                p.keyword("some")?;
                let var = p.ident()?;
                p.keyword("in")?;
                let collection = p.expr()?;
                Some(Condition::Some {
                    var,
                    collection,
                    span: p.span(start, p.pos),
                })
            })?
        } else {
            vec![Condition::Expr(self.expr()?)]
        };
        Some(Clause {
            kind,
            message,
            conditions,
            span: self.span(start, self.pos),
        })
    }

    fn enforce_decl(&mut self) -> Option<EnforceDecl> {
        self.keyword("enforce")?;
        let mut policies = vec![self.path()?];
        while self.at(b',') {
            self.punct(",")?;
            policies.push(self.path()?);
        }
        let targets = self.braced(|p| {
            let start = p.pos;
            let name = p.ident()?;
            let settings = p.braced(|p| p.setting())?;
            Some(EnforceTarget {
                name,
                settings,
                span: p.span(start, p.pos),
            })
        })?;
        Some(EnforceDecl { policies, targets })
    }

    fn test_decl(&mut self) -> Option<TestDecl> {
        self.keyword("test")?;
        let name = self.string()?;
        let items = self.braced(|p| match p.word() {
            "let" => Some(TestItem::Let(p.let_binding()?)),
            _ => Some(TestItem::Expect(p.expectation()?)),
        })?;
        Some(TestDecl { name, items })
    }

    fn expectation(&mut self) -> Option<Expectation> {
        let start = self.pos;
        self.keyword("expect")?;
        let kind = match self.word() {
            "denied" => ExpectKind::Denied,
            "warned" => ExpectKind::Warned,
            "passes" => ExpectKind::Passes,
            "allowed" => ExpectKind::Allowed,
            "rejected" => ExpectKind::Rejected,
            _ => return None,
        };
        self.pos += kind.as_str().len();
        self.skip();
        let policy = self.path()?;
        self.punct("(")?;
        let subject = self.expr()?;
        self.skip();
        let mut args = Vec::new();
        while self.at(b',') {
            self.punct(",")?;
            if self.at(b')') {
                break;
            }
            let name = self.ident()?;
            if self.bytes[self.pos..].starts_with(b"==") {
                return None;
            }
            self.punct("=")?;
            let value = self.expr()?;
            self.skip();
            args.push(NamedArg { name, value });
        }
        if !self.at(b')') {
            return None;
        }
        self.pos += 1;
        let mut end = self.pos;
        let save = self.pos;
        self.skip();
        let message = if self.word() == "with" {
            self.keyword("with")?;
            let m = self.string_token()?;
            end = self.pos;
            Some(m)
        } else {
            self.pos = save;
            None
        };
        Some(Expectation {
            kind,
            policy,
            subject,
            args,
            message,
            span: self.span(start, end),
        })
    }

    // ------------------------------------------------------------ expressions

    /// An expression; the cursor is on its first token and is left just after its last.
    fn expr(&mut self) -> Option<Expr> {
        self.depth += 1;
        self.nesting.push(0);
        let e = self.expr_items();
        self.depth -= 1;
        e
    }

    /// Closes the nesting level opened for an expression or a primary that costs `cost` itself;
    /// `None` past the limit.
    fn close_nesting(&mut self, cost: usize) -> Option<()> {
        let total = cost + self.nesting.pop()?;
        if total > MAX_NESTING {
            return None;
        }
        if let Some(outer) = self.nesting.last_mut() {
            *outer = (*outer).max(total);
        }
        Some(())
    }

    fn expr_items(&mut self) -> Option<Expr> {
        if self.depth > MAX_DEPTH {
            return None;
        }
        let mut items = Vec::new();
        loop {
            let mut prefixes = 0;
            loop {
                prefixes += 1;
                if prefixes > MAX_DEPTH {
                    return None;
                }
                let start = self.pos;
                if self.word() == "not" {
                    self.pos += 3;
                    items.push(Item::Prefix(UnaryOp::Not, self.token_span(start, self.pos)));
                } else if self.at(b'-') {
                    self.pos += 1;
                    items.push(Item::Prefix(UnaryOp::Neg, self.token_span(start, self.pos)));
                } else {
                    break;
                }
                self.skip();
            }
            items.push(Item::Operand(self.postfix_expr()?));
            let save = self.pos;
            self.skip();
            match self.infix() {
                Some(op) => {
                    items.push(Item::Infix(op));
                    self.skip();
                }
                None => {
                    self.pos = save;
                    break;
                }
            }
        }
        let operators = items.iter().filter(|i| !matches!(i, Item::Operand(_))).count();
        self.close_nesting(1 + operators)?;
        let mut items = items.into_iter().peekable();
        Some(pratt(&mut items, 0))
    }

    /// An infix operator at the cursor, consumed; in the order pest tries them.
    fn infix(&mut self) -> Option<BinOp> {
        let word = self.word();
        let (op, len) = match word {
            "or" => (BinOp::Or, 2),
            "and" => (BinOp::And, 3),
            "in" => (BinOp::In, 2),
            _ if !word.is_empty() => return None,
            _ => {
                let rest = &self.bytes[self.pos..];
                match rest {
                    [b'=', b'=', ..] => (BinOp::Eq, 2),
                    [b'!', b'=', ..] => (BinOp::Ne, 2),
                    [b'<', b'=', ..] => (BinOp::Le, 2),
                    [b'>', b'=', ..] => (BinOp::Ge, 2),
                    [b'<', ..] => (BinOp::Lt, 1),
                    [b'>', ..] => (BinOp::Gt, 1),
                    [b'+', ..] => (BinOp::Add, 1),
                    [b'-', ..] => (BinOp::Sub, 1),
                    [b'*', ..] => (BinOp::Mul, 1),
                    [b'/', b'/', ..] => return None,
                    [b'/', ..] => (BinOp::Div, 1),
                    [b'%', ..] => (BinOp::Mod, 1),
                    _ => return None,
                }
            }
        };
        self.pos += len;
        Some(op)
    }

    /// A primary followed by `.field` (also on a later line), `(args)` and `[index]` (both right
    /// after what they apply to).
    fn postfix_expr(&mut self) -> Option<Expr> {
        let mut expr = self.primary()?;
        let start = expr.span.start as usize;
        loop {
            let ws = self.bytes[self.pos..]
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                .count();
            let kind = if self.peek_at(self.pos + ws) == Some(b'.') {
                self.pos += ws + 1;
                while matches!(self.peek(), Some(b' ' | b'\t' | b'\r')) {
                    self.pos += 1;
                }
                let field = self.ident_token()?;
                ExprKind::Field {
                    target: Box::new(expr),
                    field,
                }
            } else if self.at(b'(') {
                self.punct("(")?;
                let args = self.comma_list(b')')?;
                ExprKind::Call {
                    callee: Box::new(expr),
                    args,
                }
            } else if self.at(b'[') {
                self.punct("[")?;
                let index = self.expr()?;
                self.skip();
                if !self.at(b']') {
                    return None;
                }
                self.pos += 1;
                ExprKind::Index {
                    target: Box::new(expr),
                    index: Box::new(index),
                }
            } else {
                return Some(expr);
            };
            expr = Expr {
                kind,
                span: Span::new(self.file, start, self.offset + self.pos),
            };
        }
    }

    /// `a, b, c,` up to and including `close`; the cursor is after the opening bracket's trivia.
    fn comma_list(&mut self, close: u8) -> Option<Vec<Expr>> {
        let mut items = Vec::new();
        if !self.at(close) {
            items.push(self.expr()?);
            self.skip();
            while self.at(b',') {
                self.punct(",")?;
                if self.at(close) {
                    break;
                }
                items.push(self.expr()?);
                self.skip();
            }
        }
        if !self.at(close) {
            return None;
        }
        self.pos += 1;
        Some(items)
    }

    fn primary(&mut self) -> Option<Expr> {
        // `has has has x` nests through primaries without a full expression in between.
        self.depth += 1;
        self.nesting.push(0);
        let e = if self.depth > MAX_DEPTH {
            None
        } else {
            self.primary_inner()
        };
        self.depth -= 1;
        let e = e?;
        self.close_nesting(1)?;
        Some(e)
    }

    fn primary_inner(&mut self) -> Option<Expr> {
        let start = self.pos;
        let kind = match self.peek()? {
            b'{' => ExprKind::Record {
                ty: None,
                fields: self.record_body()?,
            },
            b'[' => {
                self.punct("[")?;
                ExprKind::List(self.comma_list(b']')?)
            }
            b'(' => {
                self.punct("(")?;
                let inner = self.expr()?;
                self.skip();
                if !self.at(b')') {
                    return None;
                }
                self.pos += 1;
                return Some(inner);
            }
            b'0'..=b'9' => ExprKind::Number(self.number_token()?),
            b'"' => ExprKind::String(self.string_token()?),
            _ => match self.word() {
                "all" | "any" => {
                    let quantifier = if self.word() == "all" {
                        Quantifier::All
                    } else {
                        Quantifier::Any
                    };
                    self.pos += 3;
                    self.skip();
                    let var = self.ident()?;
                    self.keyword("in")?;
                    let collection = Box::new(self.expr()?);
                    self.skip();
                    self.punct(":")?;
                    let body = Box::new(self.expr()?);
                    ExprKind::Quantified {
                        quantifier,
                        var,
                        collection,
                        body,
                    }
                }
                "has" => {
                    self.keyword("has")?;
                    ExprKind::Has(Box::new(self.postfix_expr()?))
                }
                "true" | "false" => {
                    let b = self.word() == "true";
                    self.pos += self.word().len();
                    ExprKind::Bool(b)
                }
                _ => {
                    let path = self.path_token()?;
                    self.skip();
                    if self.at(b'{') {
                        ExprKind::Record {
                            ty: Some(path),
                            fields: self.record_body()?,
                        }
                    } else {
                        // Not a record literal: only the first name is the primary; the rest are
                        // field accesses.
                        let first = path.segments.into_iter().next()?;
                        self.pos = start + first.name.len();
                        ExprKind::Name(first)
                    }
                }
            },
        };
        Some(Expr {
            kind,
            span: self.span(start, self.pos),
        })
    }

    /// `{ name: value, ... }`; the cursor is on `{`.
    fn record_body(&mut self) -> Option<Vec<RecordField>> {
        self.braced(|p| {
            let start = p.pos;
            let name = p.ident()?;
            p.punct(":")?;
            let value = p.expr()?;
            Some(RecordField {
                name,
                value,
                span: p.span(start, p.pos),
            })
        })
    }
}

/// Binding power of an operator, as `convert::pratt` declares them (lowest first).
fn infix_power(op: BinOp) -> u32 {
    match op {
        BinOp::Or => 20,
        BinOp::And => 30,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::In => 50,
        BinOp::Add | BinOp::Sub => 60,
        BinOp::Mul | BinOp::Div | BinOp::Mod => 70,
    }
}

fn prefix_power(op: UnaryOp) -> u32 {
    match op {
        UnaryOp::Not => 40,
        UnaryOp::Neg => 80,
    }
}

/// pest's Pratt algorithm (`PrattParserMap::expr`), with the mapping of `Converter::pratt_expr`.
fn pratt(items: &mut std::iter::Peekable<std::vec::IntoIter<Item>>, rbp: u32) -> Expr {
    let mut lhs = match items.next() {
        Some(Item::Prefix(op, span)) => {
            let rhs = pratt(items, prefix_power(op) - 1);
            let span = span.to(rhs.span);
            super::convert::fold_negation(op, rhs, span)
        }
        Some(Item::Operand(e)) => e,
        // INVARIANT: `Reader::expr` lists prefixes, then an operand, then infix-operand pairs.
        Some(Item::Infix(_)) | None => unreachable!("an expression starts with a prefix or an operand"),
    };
    while let Some(Item::Infix(op)) = items.peek() {
        let op = *op;
        if rbp >= infix_power(op) {
            break;
        }
        items.next();
        let rhs = pratt(items, infix_power(op));
        let span = lhs.span.to(rhs.span);
        lhs = Expr {
            kind: ExprKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            span,
        };
    }
    lhs
}
