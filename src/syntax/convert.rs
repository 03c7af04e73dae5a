//! Conversion of pest pairs to the typed AST: one function per node kind. Spans are shifted by the
//! offset of the declaration's chunk in its file.

use super::ast::*;
use super::lexicon::Precedence;
use super::Rule;
use crate::diagnostic::{Code, Diagnostic};
use crate::limits::{MAX_NESTING, MAX_TREE_DEPTH};
use crate::span::{FileId, Span};
use pest::iterators::Pair;
use std::iter::Peekable;

type Result<T> = std::result::Result<T, Diagnostic>;

fn is_keyword_token(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_package
            | Rule::kw_import
            | Rule::kw_type
            | Rule::kw_enum
            | Rule::kw_resource
            | Rule::kw_fn
            | Rule::kw_policy
            | Rule::kw_enforce
            | Rule::kw_test
            | Rule::kw_param
            | Rule::kw_subject
            | Rule::kw_request
            | Rule::kw_inventory
            | Rule::kw_let
            | Rule::kw_deny
            | Rule::kw_warn
            | Rule::kw_allow
            | Rule::kw_when
            | Rule::kw_some
            | Rule::kw_in
            | Rule::kw_expect
            | Rule::kw_with
            | Rule::kw_at
            | Rule::kw_on
            | Rule::kw_has
            | Rule::kw_if
            | Rule::kw_then
            | Rule::kw_else
            | Rule::kw_for
            | Rule::EOI
    )
}

/// The meaningful children of a pair: keyword tokens and end-of-input are dropped.
fn children(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| !is_keyword_token(p.as_rule()))
}

/// Converts the pairs of one chunk of a file.
pub struct Converter {
    file: FileId,
    offset: usize,
    /// How deeply the expression or type being converted nests, as [`MAX_NESTING`] counts it.
    nesting: std::cell::Cell<usize>,
    /// How deep the syntax tree being built is on the way to the node being converted: nesting
    /// plus every operator and postfix link of the enclosing chains, bounded by [`MAX_TREE_DEPTH`].
    depth: std::cell::Cell<usize>,
}

/// What a step down the tree is: a level of nesting (which also makes the tree one deeper), or
/// links of a chain, which make the tree deeper without nesting.
#[derive(Clone, Copy)]
enum Step {
    /// One level of expression nesting (see [`crate::limits`]), whose own chain of operators
    /// is this long.
    Expr(usize),
    /// One level of type nesting.
    Type,
    /// This many operators or postfix links of one chain.
    Chain(usize),
}

impl Converter {
    pub fn new(file: FileId, offset: usize) -> Self {
        Converter {
            file,
            offset,
            nesting: std::cell::Cell::new(0),
            depth: std::cell::Cell::new(0),
        }
    }

    /// Runs `convert` one `step` further down the tree, or reports at `pair` that the step
    /// passes [`MAX_NESTING`] or [`MAX_TREE_DEPTH`]. The limits are checked before anything
    /// below is converted, so no stage ever holds a tree past them.
    fn deeper<T>(&self, step: Step, pair: &Pair<'_, Rule>, convert: impl FnOnce() -> Result<T>) -> Result<T> {
        let (outer_nesting, outer_depth) = (self.nesting.get(), self.depth.get());
        let (nesting, depth) = match step {
            Step::Expr(links) => (outer_nesting + 1, outer_depth + 1 + links),
            Step::Type => (outer_nesting + 1, outer_depth + 1),
            Step::Chain(links) => (outer_nesting, outer_depth + links),
        };
        let help = match step {
            Step::Type => "give the inner part a name with a `type` declaration",
            _ => "name a part with `let`, or move it into a helper function",
        };
        let error = if nesting > MAX_NESTING {
            let what = if matches!(step, Step::Type) {
                "type"
            } else {
                "expression"
            };
            Some((
                format!("{what} nested too deeply"),
                format!("this is level {nesting}; the limit is {MAX_NESTING}"),
            ))
        } else if depth > MAX_TREE_DEPTH {
            Some((
                "expression too long".to_string(),
                format!("here the expression passes {MAX_TREE_DEPTH} operators, links and levels"),
            ))
        } else {
            None
        };
        if let Some((message, label)) = error {
            return Err(Diagnostic::error(Code::TooDeep, self.span(pair), message)
                .with_label(label)
                .with_help(help));
        }
        self.nesting.set(nesting);
        self.depth.set(depth);
        let result = convert();
        self.nesting.set(outer_nesting);
        self.depth.set(outer_depth);
        result
    }

    /// The pair's span in the file, without the whitespace and comments that pest's implicit
    /// skipping leaves at the end of a rule ending in an optional or repeated part (`a ~ b*`).
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        Span::new(
            self.file,
            pair.as_span().start() + self.offset,
            content_end(pair) + self.offset,
        )
    }

    pub fn header(&self, pair: Pair<'_, Rule>) -> Result<(Path, Vec<Import>)> {
        let mut package = None;
        let mut imports = Vec::new();
        for p in children(pair) {
            match p.as_rule() {
                Rule::package_decl => package = children(p).next().map(|p| self.path(p)),
                Rule::import_decl => imports.push(self.import(p)),
                _ => {}
            }
        }
        // INVARIANT: the `header` rule requires a package declaration.
        let package = package.expect("header has a package");
        Ok((package, imports))
    }

    fn import(&self, pair: Pair<'_, Rule>) -> Import {
        let span = self.span(&pair);
        let mut module = None;
        let mut names = None;
        for p in children(pair) {
            match p.as_rule() {
                Rule::path => module = Some(self.path(p)),
                Rule::import_names => names = Some(children(p).map(|i| self.ident(i)).collect()),
                _ => {}
            }
        }
        Import {
            module: module.expect("import has a path"),
            names,
            span,
        }
    }

    pub fn declaration(&self, pair: Pair<'_, Rule>) -> Result<Decl> {
        let span = self.span(&pair);
        let mut doc = None;
        let mut kind = None;
        for p in children(pair) {
            match p.as_rule() {
                Rule::docs => doc = self.docs(p),
                Rule::type_decl => kind = Some(DeclKind::Type(self.type_decl(p)?)),
                Rule::enum_decl => kind = Some(DeclKind::Enum(self.enum_decl(p))),
                Rule::resource_decl => kind = Some(DeclKind::Resource(self.resource_decl(p)?)),
                Rule::fn_decl => kind = Some(DeclKind::Fn(self.fn_decl(p)?)),
                Rule::policy_decl => kind = Some(DeclKind::Policy(self.policy_decl(p)?)),
                Rule::enforce_decl => kind = Some(DeclKind::Enforce(self.enforce_decl(p)?)),
                Rule::test_decl => kind = Some(DeclKind::Test(self.test_decl(p)?)),
                _ => {}
            }
        }
        Ok(Decl {
            doc,
            kind: kind.expect("declaration has a body"),
            span,
        })
    }

    fn docs(&self, pair: Pair<'_, Rule>) -> Option<Doc> {
        let span = self.span(&pair);
        let lines: Vec<&str> = pair
            .into_inner()
            .map(|p| {
                let line = p.as_str().trim_start_matches("///");
                line.strip_prefix(' ').unwrap_or(line).trim_end()
            })
            .collect();
        if lines.is_empty() {
            return None;
        }
        Some(Doc {
            text: lines.join("\n"),
            span,
        })
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    /// The names bound by `some` or a quantifier: `x` (no key) or `k, v`; `parts` is left at the
    /// collection.
    fn bound_names<'i>(
        &self,
        parts: &mut std::iter::Peekable<impl Iterator<Item = Pair<'i, Rule>>>,
    ) -> (Option<Ident>, Ident) {
        let first = self.ident(parts.next().expect("a bound name"));
        match parts.next_if(|p| p.as_rule() == Rule::ident) {
            Some(second) => (Some(first), self.ident(second)),
            None => (None, first),
        }
    }

    fn path(&self, pair: Pair<'_, Rule>) -> Path {
        let span = self.span(&pair);
        Path {
            segments: children(pair).map(|p| self.ident(p)).collect(),
            span,
        }
    }

    fn type_decl(&self, pair: Pair<'_, Rule>) -> Result<TypeDecl> {
        let mut inner = children(pair);
        let name = self.ident(inner.next().expect("type name"));
        let fields = inner.map(|p| self.field(p)).collect::<Result<_>>()?;
        Ok(TypeDecl { name, fields })
    }

    fn field(&self, pair: Pair<'_, Rule>) -> Result<Field> {
        let span = self.span(&pair);
        let mut doc = None;
        let mut name = None;
        let mut optional = false;
        let mut ty = None;
        let mut constraints = Vec::new();
        for p in children(pair) {
            match p.as_rule() {
                Rule::docs => doc = self.docs(p),
                Rule::ident => name = Some(self.ident(p)),
                Rule::optional_mark => optional = true,
                Rule::type_expr => ty = Some(self.type_expr(p)?),
                Rule::constraint => constraints.push(self.constraint(p)?),
                _ => {}
            }
        }
        Ok(Field {
            doc,
            name: name.expect("field name"),
            optional,
            ty: ty.expect("field type"),
            constraints,
            span,
        })
    }

    fn constraint(&self, pair: Pair<'_, Rule>) -> Result<Constraint> {
        let span = self.span(&pair);
        let mut inner = children(pair);
        let name = self.ident(inner.next().expect("constraint name"));
        let arg = inner.next().map(|a| self.literal(a)).transpose()?;
        Ok(Constraint { name, arg, span })
    }

    fn type_expr(&self, pair: Pair<'_, Rule>) -> Result<TypeExpr> {
        self.deeper(Step::Type, &pair, || {
            let span = self.span(&pair);
            let inner = children(pair.clone()).next().expect("type expression");
            let kind = match inner.as_rule() {
                Rule::list_type => {
                    let elem = children(inner).next().expect("list element type");
                    TypeExprKind::List(Box::new(self.type_expr(elem)?))
                }
                Rule::map_type => {
                    let mut parts = children(inner);
                    let key = self.ident(parts.next().expect("map key"));
                    let value = self.type_expr(parts.next().expect("map value"))?;
                    TypeExprKind::Map(key, Box::new(value))
                }
                _ => TypeExprKind::Named(self.path(inner)),
            };
            Ok(TypeExpr { kind, span })
        })
    }

    fn enum_decl(&self, pair: Pair<'_, Rule>) -> EnumDecl {
        let mut inner = children(pair);
        let name = self.ident(inner.next().expect("enum name"));
        let variants = inner
            .map(|v| {
                let mut doc = None;
                let mut name = None;
                for p in children(v) {
                    match p.as_rule() {
                        Rule::docs => doc = self.docs(p),
                        _ => name = Some(self.ident(p)),
                    }
                }
                Variant {
                    doc,
                    name: name.expect("variant name"),
                }
            })
            .collect();
        EnumDecl { name, variants }
    }

    fn resource_decl(&self, pair: Pair<'_, Rule>) -> Result<ResourceDecl> {
        let mut inner = children(pair);
        let name = self.ident(inner.next().expect("resource name"));
        let mut settings = Vec::new();
        let mut fields = Vec::new();
        for p in inner {
            match p.as_rule() {
                Rule::setting => settings.push(self.setting(p)?),
                _ => fields.push(self.field(p)?),
            }
        }
        Ok(ResourceDecl { name, settings, fields })
    }

    fn setting(&self, pair: Pair<'_, Rule>) -> Result<Setting> {
        let span = self.span(&pair);
        let mut inner = children(pair);
        let key = self.ident(inner.next().expect("setting key"));
        let value_pair = inner.next().expect("setting value");
        let value_span = self.span(&value_pair);
        let value = self.literal(value_pair)?;
        Ok(Setting {
            key,
            value,
            value_span,
            span,
        })
    }

    fn literal(&self, pair: Pair<'_, Rule>) -> Result<Literal> {
        Ok(match pair.as_rule() {
            Rule::number => Literal::Number(self.number(&pair)?),
            Rule::string => Literal::String(self.string(pair)?),
            Rule::raw_string => Literal::String(self.raw_string(&pair)),
            Rule::boolean => Literal::Bool(pair.as_str() == "true"),
            Rule::string_list => Literal::StringList(children(pair).map(|p| self.string(p)).collect::<Result<_>>()?),
            _ => Literal::Ident(self.ident(pair)),
        })
    }

    fn number(&self, pair: &Pair<'_, Rule>) -> Result<Number> {
        let text = pair.as_str();
        let is_int = !text.contains(['.', 'e', 'E']);
        let value: f64 = text.parse().map_err(|_| self.bad_number(pair))?;
        if !value.is_finite() || (is_int && text.parse::<i64>().is_err()) {
            return Err(self.bad_number(pair));
        }
        Ok(Number {
            value,
            is_int,
            text: text.to_string(),
        })
    }

    /// `1h30m`: units largest first, each at most once, the total within 64-bit nanoseconds.
    fn duration(&self, pair: &Pair<'_, Rule>) -> Result<DurationLit> {
        let text = pair.as_str();
        let bad = |label: &str, help: &str| {
            Diagnostic::error(
                Code::InvalidNumber,
                self.span(pair),
                format!("invalid duration `{text}`"),
            )
            .with_label(label.to_string())
            .with_help(help.to_string())
        };
        let mut nanos: i64 = 0;
        let mut last_unit = i64::MAX;
        let mut digits = String::new();
        for c in text.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let unit = match c {
                'd' => 86_400_000_000_000,
                'h' => 3_600_000_000_000,
                'm' => 60_000_000_000,
                _ => 1_000_000_000,
            };
            if unit >= last_unit {
                return Err(bad(
                    "units out of order",
                    "write the units largest first, each once: `1d12h`, `1h30m`",
                ));
            }
            last_unit = unit;
            let part = digits
                .parse::<i64>()
                .ok()
                .and_then(|n| n.checked_mul(unit))
                .and_then(|n| nanos.checked_add(n));
            nanos = part.ok_or_else(|| {
                bad(
                    "out of range",
                    "a duration must be shorter than about 292 years (64-bit nanoseconds)",
                )
            })?;
            digits.clear();
        }
        Ok(DurationLit {
            nanos,
            text: text.to_string(),
        })
    }

    fn bad_number(&self, pair: &Pair<'_, Rule>) -> Diagnostic {
        Diagnostic::error(
            Code::InvalidNumber,
            self.span(pair),
            format!("number `{}` is out of range", pair.as_str()),
        )
        .with_label("out of range")
        .with_help("integers must fit in 64 bits and numbers must be finite")
    }

    fn string(&self, pair: Pair<'_, Rule>) -> Result<StringLit> {
        let span = self.span(&pair);
        let mut parts: Vec<StrPart> = Vec::new();
        let push_text = |parts: &mut Vec<StrPart>, s: &str| match parts.last_mut() {
            Some(StrPart::Text(t)) => t.push_str(s),
            _ => parts.push(StrPart::Text(s.to_string())),
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::text => push_text(&mut parts, p.as_str()),
                Rule::lbrace_lit => push_text(&mut parts, "{"),
                Rule::rbrace_lit => push_text(&mut parts, "}"),
                Rule::escape => {
                    let c = self.escape(&p)?;
                    push_text(&mut parts, c.encode_utf8(&mut [0; 4]));
                }
                Rule::interpolation => {
                    let e = children(p).next().expect("interpolated expression");
                    parts.push(StrPart::Interp(self.expr(e)?));
                }
                _ => {}
            }
        }
        Ok(StringLit { parts, span })
    }

    /// `r"..."`: the text between the quotes, as it is.
    fn raw_string(&self, pair: &Pair<'_, Rule>) -> StringLit {
        let written = pair.as_str();
        let text = &written[2..written.len() - 1];
        let parts = if text.is_empty() {
            Vec::new()
        } else {
            vec![StrPart::Text(text.to_string())]
        };
        StringLit {
            parts,
            span: self.span(pair),
        }
    }

    fn escape(&self, pair: &Pair<'_, Rule>) -> Result<char> {
        let s = pair.as_str();
        let c = match s {
            "\\n" => Some('\n'),
            "\\t" => Some('\t'),
            "\\r" => Some('\r'),
            "\\\"" => Some('"'),
            "\\\\" => Some('\\'),
            _ if s.starts_with("\\u{") => u32::from_str_radix(&s[3..s.len() - 1], 16)
                .ok()
                .and_then(char::from_u32),
            _ => None,
        };
        c.ok_or_else(|| {
            Diagnostic::error(Code::InvalidEscape, self.span(pair), format!("invalid escape `{s}`"))
                .with_label("not a valid escape")
                .with_help(
                    "the escapes are `\\\"`, `\\\\`, `\\n`, `\\t`, `\\r` and `\\u{XXXX}`; write `\\\\` for a backslash",
                )
        })
    }

    fn fn_decl(&self, pair: Pair<'_, Rule>) -> Result<FnDecl> {
        let mut name = None;
        let mut params = Vec::new();
        let mut ret = None;
        let mut body = None;
        for p in children(pair) {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::fn_param => {
                    let mut parts = children(p);
                    let name = self.ident(parts.next().expect("param name"));
                    let ty = self.type_expr(parts.next().expect("param type"))?;
                    params.push(FnParam { name, ty });
                }
                Rule::type_expr => ret = Some(self.type_expr(p)?),
                Rule::expr => body = Some(FnBody::Expr(self.expr(p)?)),
                Rule::block => {
                    let span = self.span(&p);
                    let conditions = children(p).map(|c| self.condition(c)).collect::<Result<_>>()?;
                    body = Some(FnBody::Conditions { conditions, span });
                }
                _ => {}
            }
        }
        Ok(FnDecl {
            name: name.expect("fn name"),
            params,
            ret: ret.expect("fn return type"),
            body: body.expect("fn body"),
        })
    }

    fn policy_decl(&self, pair: Pair<'_, Rule>) -> Result<PolicyDecl> {
        let mut inner = children(pair).peekable();
        let name = self.ident(inner.next().expect("policy name"));
        let applies = match inner.peek() {
            Some(p) if p.as_rule() == Rule::applied_from => {
                let applied = inner.next().expect("peeked");
                let span = self.span(&applied);
                let mut paths = children(applied);
                let policy = self.path(paths.next().expect("applied policy"));
                let target = self.path(paths.next().expect("applied target"));
                Some(AppliedFrom { policy, target, span })
            }
            _ => None,
        };
        let items = inner.map(|p| self.policy_item(p)).collect::<Result<_>>()?;
        Ok(PolicyDecl { name, applies, items })
    }

    fn policy_item(&self, pair: Pair<'_, Rule>) -> Result<PolicyItem> {
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::setting => PolicyItem::Setting(self.setting(pair)?),
            Rule::param_item => {
                let mut doc = None;
                let mut name = None;
                let mut ty = None;
                let mut constraints = Vec::new();
                let mut default = None;
                for p in children(pair) {
                    match p.as_rule() {
                        Rule::docs => doc = self.docs(p),
                        Rule::ident => name = Some(self.ident(p)),
                        Rule::type_expr => ty = Some(self.type_expr(p)?),
                        Rule::constraint => constraints.push(self.constraint(p)?),
                        _ => default = Some(self.expr(p)?),
                    }
                }
                PolicyItem::Param(ParamDecl {
                    doc,
                    name: name.expect("param name"),
                    ty: ty.expect("param type"),
                    constraints,
                    default: default.expect("param default"),
                    span,
                })
            }
            Rule::subject_item => {
                let mut parts = children(pair);
                let name = self.ident(parts.next().expect("subject name"));
                let ty = self.type_expr(parts.next().expect("subject type"))?;
                PolicyItem::Subject(SubjectDecl { name, ty, span })
            }
            Rule::request_item => {
                let mut parts = children(pair);
                let name = self.ident(parts.next().expect("request name"));
                let ty = self.type_expr(parts.next().expect("request type"))?;
                PolicyItem::Request(SubjectDecl { name, ty, span })
            }
            Rule::inventory_item => {
                let mut parts = children(pair);
                let name = self.ident(parts.next().expect("inventory name"));
                let ty = self.type_expr(parts.next().expect("inventory type"))?;
                PolicyItem::Inventory(SubjectDecl { name, ty, span })
            }
            Rule::let_item => PolicyItem::Let(self.let_binding(pair)?),
            Rule::param_value => {
                let mut parts = children(pair);
                let name = self.ident(parts.next().expect("param name"));
                let value = self.expr(parts.next().expect("param value"))?;
                PolicyItem::ParamValue(ParamValue { name, value, span })
            }
            _ => PolicyItem::Clause(self.clause(pair)?),
        })
    }

    fn let_binding(&self, pair: Pair<'_, Rule>) -> Result<LetBinding> {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let name = self.ident(parts.next().expect("let name"));
        let value = self.expr(parts.next().expect("let value"))?;
        Ok(LetBinding { name, value, span })
    }

    fn clause(&self, pair: Pair<'_, Rule>) -> Result<Clause> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::deny_clause => ClauseKind::Deny,
            Rule::warn_clause => ClauseKind::Warn,
            _ => ClauseKind::Allow,
        };
        let mut message = None;
        let mut conditions = Vec::new();
        for p in children(pair) {
            match p.as_rule() {
                Rule::string => message = Some(self.string(p)?),
                Rule::block => {
                    for c in children(p) {
                        conditions.push(self.condition(c)?);
                    }
                }
                _ => conditions.push(Condition::Expr(self.expr(p)?)),
            }
        }
        Ok(Clause {
            kind,
            message,
            conditions,
            span,
        })
    }

    fn condition(&self, pair: Pair<'_, Rule>) -> Result<Condition> {
        if pair.as_rule() == Rule::some_binding {
            let span = self.span(&pair);
            let mut parts = children(pair).peekable();
            let (key, var) = self.bound_names(&mut parts);
            let collection = self.expr(parts.next().expect("some collection"))?;
            return Ok(Condition::Some {
                key,
                var,
                collection,
                span,
            });
        }
        if pair.as_rule() == Rule::let_item {
            let span = self.span(&pair);
            let mut parts = children(pair);
            let name = self.ident(parts.next().expect("let name"));
            let value = self.expr(parts.next().expect("let value"))?;
            return Ok(Condition::Let { name, value, span });
        }
        Ok(Condition::Expr(self.expr(pair)?))
    }

    fn enforce_decl(&self, pair: Pair<'_, Rule>) -> Result<EnforceDecl> {
        let mut policies = Vec::new();
        let mut targets = Vec::new();
        for p in children(pair) {
            match p.as_rule() {
                Rule::path => policies.push(self.path(p)),
                _ => {
                    let span = self.span(&p);
                    let mut parts = children(p);
                    let name = self.ident(parts.next().expect("target name"));
                    let settings = parts.map(|s| self.setting(s)).collect::<Result<_>>()?;
                    targets.push(EnforceTarget { name, settings, span });
                }
            }
        }
        Ok(EnforceDecl { policies, targets })
    }

    fn test_decl(&self, pair: Pair<'_, Rule>) -> Result<TestDecl> {
        let mut inner = children(pair);
        let name = self.string(inner.next().expect("test name"))?;
        let mut items = Vec::new();
        for p in inner {
            items.push(match p.as_rule() {
                Rule::let_item => TestItem::Let(self.let_binding(p)?),
                _ => TestItem::Expect(self.expectation(p)?),
            });
        }
        Ok(TestDecl { name, items })
    }

    fn expectation(&self, pair: Pair<'_, Rule>) -> Result<Expectation> {
        let span = self.span(&pair);
        let mut kind = ExpectKind::Passes;
        let mut call = None;
        let mut message = None;
        let mut at = None;
        let mut request = None;
        for p in children(pair) {
            match p.as_rule() {
                Rule::expect_kind => {
                    kind = ExpectKind::from_word(p.as_str()).expect("an expectation of the lexicon");
                }
                Rule::policy_call => call = Some(p),
                Rule::expect_at => at = Some(self.expr(children(p).next().expect("time"))?),
                Rule::expect_request => request = Some(Box::new(self.expr(children(p).next().expect("request"))?)),
                _ => message = Some(self.string(p)?),
            }
        }
        let mut parts = children(call.expect("expectation call"));
        let policy = self.path(parts.next().expect("policy path"));
        let subject = self.expr(parts.next().expect("subject"))?;
        let args = parts
            .map(|a| {
                let mut kv = children(a);
                let name = self.ident(kv.next().expect("argument name"));
                let value = self.expr(kv.next().expect("argument value"))?;
                Ok(NamedArg { name, value })
            })
            .collect::<Result<_>>()?;
        Ok(Expectation {
            kind,
            policy,
            subject,
            args,
            message,
            at,
            request,
            span,
        })
    }

    // ------------------------------------------------------------ expressions

    pub fn expr(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        // The children are listed once, and read from the list (each `into_inner` walks them).
        let items = pair.clone().into_inner();
        if let Some(conditional) = items.peek().filter(|p| p.as_rule() == Rule::conditional) {
            return self.deeper(Step::Expr(0), &pair, || self.conditional(conditional));
        }
        // The infix operators of one expression make a tree as deep as there are of them
        // (`a + b + c`); prefix operators are levels of nesting, counted as they are read.
        let operators = match items.len() {
            1 => 0,
            _ => items.clone().filter(|p| p.as_rule() == Rule::infix_op).count(),
        };
        self.deeper(Step::Expr(operators), &pair, || {
            self.operation(&mut items.peekable(), 0)
        })
    }

    /// Applies the operators' precedence (Pratt parsing) to the operands and operators of an
    /// `expr`: reads one operand with its prefixes, then every infix operator that binds tighter
    /// than `bound`, each with its right operand.
    fn operation<'i>(
        &self,
        items: &mut Peekable<impl Iterator<Item = Pair<'i, Rule>>>,
        bound: Precedence,
    ) -> Result<Expr> {
        // INVARIANT: the grammar makes an `expr` alternate operands and operators, starting and
        // ending with an operand (prefixes aside).
        let first = items.next().expect("an expression has an operand");
        let mut lhs = if first.as_rule() == Rule::prefix_op {
            let op = UnaryOp::from_symbol(first.as_str()).expect("a prefix operator of the lexicon");
            let operand = self.deeper(Step::Expr(0), &first, || self.operation(items, op.precedence() - 1))?;
            let span = self.span(&first).to(operand.span);
            fold_negation(op, operand, span)
        } else {
            self.postfix_expr(first)?
        };
        while let Some(op) = items
            .peek()
            .filter(|p| p.as_rule() == Rule::infix_op)
            .and_then(|p| BinOp::from_symbol(p.as_str()))
        {
            if op.precedence() <= bound {
                break;
            }
            items.next();
            // Left-associative: the right operand takes only operators that bind tighter.
            let rhs = self.operation(items, op.precedence())?;
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
        Ok(lhs)
    }

    fn postfix_expr(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let inner = pair.clone().into_inner();
        let links = inner.len().saturating_sub(1);
        self.deeper(Step::Chain(links), &pair, || self.postfix_chain(inner))
    }

    /// A primary and the postfix links that apply to it, in order.
    fn postfix_chain<'i>(&self, mut inner: pest::iterators::Pairs<'i, Rule>) -> Result<Expr> {
        let mut expr = self.primary(inner.next().expect("primary"))?;
        for p in inner {
            let end = self.span(&p);
            let span = expr.span.to(end);
            let kind = match p.as_rule() {
                Rule::field_access => ExprKind::Field {
                    target: Box::new(expr),
                    field: self.ident(children(p).next().expect("field name")),
                },
                Rule::call_args => ExprKind::Call {
                    callee: Box::new(expr),
                    args: children(p).map(|a| self.expr(a)).collect::<Result<_>>()?,
                },
                _ => ExprKind::Index {
                    target: Box::new(expr),
                    index: Box::new(self.expr(children(p).next().expect("index"))?),
                },
            };
            expr = Expr { kind, span };
        }
        Ok(expr)
    }

    /// `if c then a else if d then b else e`: the links of an `else if` chain are one flat chain
    /// (each condition and branch one level down), folded into nested conditionals from the
    /// last `else` back.
    #[inline(never)]
    fn conditional(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let start = self.span(&pair);
        let parts: Vec<Pair<'_, Rule>> = children(pair.clone()).collect();
        // INVARIANT: the grammar gives pairs of condition and branch, then the `else` branch.
        let links = parts.len() / 2;
        self.deeper(Step::Chain(links.saturating_sub(1)), &pair, || {
            let mut exprs = parts.into_iter().map(|p| self.expr(p)).collect::<Result<Vec<_>>>()?;
            let mut otherwise = exprs.pop().expect("an `else` branch");
            while let (Some(then), Some(cond)) = (exprs.pop(), exprs.pop()) {
                // Each link spans from its `if` to the end of the whole conditional.
                let from = if exprs.is_empty() { start } else { cond.span };
                let span = from.to(otherwise.span);
                otherwise = Expr {
                    kind: ExprKind::If {
                        cond: Box::new(cond),
                        then: Box::new(then),
                        otherwise: Box::new(otherwise),
                    },
                    span,
                };
            }
            Ok(otherwise)
        })
    }

    /// A list literal, or a comprehension `[e for x in xs if c]` (its element first in the text).
    #[inline(never)]
    fn list_literal(&self, pair: Pair<'_, Rule>) -> Result<ExprKind> {
        let parts: Vec<Pair<'_, Rule>> = children(pair).collect();
        let [first, tail] = parts.as_slice() else {
            return Ok(ExprKind::List(
                parts.into_iter().map(|e| self.expr(e)).collect::<Result<_>>()?,
            ));
        };
        if tail.as_rule() != Rule::comprehension {
            return Ok(ExprKind::List(vec![
                self.expr(first.clone())?,
                self.expr(tail.clone())?,
            ]));
        }
        let element = Box::new(self.expr(first.clone())?);
        let mut tail = children(tail.clone()).peekable();
        let (key, var) = self.bound_names(&mut tail);
        let collection = Box::new(self.expr(tail.next().expect("the collection"))?);
        let filter = tail.next().map(|f| self.expr(f)).transpose()?.map(Box::new);
        Ok(ExprKind::Comprehension {
            element,
            key,
            var,
            collection,
            filter,
        })
    }

    /// `all x in xs: e`, `any k, v in m: e`. A function of its own, so that the frame of
    /// [`Self::primary_body`], on the stack once per level of nesting, stays small.
    #[inline(never)]
    fn quantifier(&self, pair: Pair<'_, Rule>) -> Result<ExprKind> {
        let mut parts = children(pair).peekable();
        let quantifier = if parts.next().expect("quantifier").as_str() == "all" {
            Quantifier::All
        } else {
            Quantifier::Any
        };
        let (key, var) = self.bound_names(&mut parts);
        let collection = Box::new(self.expr(parts.next().expect("collection"))?);
        let body = Box::new(self.expr(parts.next().expect("quantifier body"))?);
        Ok(ExprKind::Quantified {
            quantifier,
            key,
            var,
            collection,
            body,
        })
    }

    fn primary(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let inner = children(pair).next().expect("primary body");
        let span = self.span(&inner);
        let kind = match inner.as_rule() {
            Rule::number => ExprKind::Number(self.number(&inner)?),
            Rule::duration => ExprKind::Duration(self.duration(&inner)?),
            Rule::boolean => ExprKind::Bool(inner.as_str() == "true"),
            Rule::string => ExprKind::String(self.string(inner)?),
            Rule::raw_string => ExprKind::String(self.raw_string(&inner)),
            Rule::paren => return self.expr(children(inner).next().expect("parenthesised expression")),
            Rule::list_literal => self.list_literal(inner)?,
            Rule::has_expr => {
                let operand = children(inner.clone()).next().expect("has operand");
                ExprKind::Has(Box::new(
                    self.deeper(Step::Expr(0), &inner, || self.postfix_expr(operand))?,
                ))
            }
            Rule::quantifier => self.quantifier(inner)?,
            Rule::reference => {
                let mut parts = children(inner.clone());
                let path = self.path(parts.next().expect("a name"));
                match parts.next() {
                    Some(body) => ExprKind::Record {
                        ty: Some(path),
                        fields: self.record_body(body)?,
                    },
                    // `a.b.c` reads as field accesses, which the checker resolves.
                    None => {
                        let links = path.segments.len() - 1;
                        return self.deeper(Step::Chain(links), &inner, || Ok(names_as_fields(path)));
                    }
                }
            }
            _ => {
                let body = children(inner).next().expect("record body");
                ExprKind::Record {
                    ty: None,
                    fields: self.record_body(body)?,
                }
            }
        };
        Ok(Expr { kind, span })
    }

    /// A quoted key of a record literal: its text, which cannot interpolate.
    fn quoted_key(&self, pair: Pair<'_, Rule>) -> Result<Ident> {
        let lit = self.string(pair)?;
        match lit.as_plain() {
            Some(name) => Ok(Ident { name, span: lit.span }),
            None => Err(
                Diagnostic::error(Code::Syntax, lit.span, "a quoted key cannot interpolate")
                    .with_label("`{...}` here is an interpolation")
                    .with_help("write the key as constant text; `{{` and `}}` are literal braces"),
            ),
        }
    }

    fn record_body(&self, pair: Pair<'_, Rule>) -> Result<Vec<RecordField>> {
        children(pair)
            .map(|f| {
                let span = self.span(&f);
                let mut parts = children(f);
                let key = parts.next().expect("field name");
                let quoted = key.as_rule() == Rule::string;
                let name = if quoted { self.quoted_key(key)? } else { self.ident(key) };
                let value = self.expr(parts.next().expect("field value"))?;
                Ok(RecordField {
                    name,
                    quoted,
                    value,
                    span,
                })
            })
            .collect()
    }
}

/// `a.b.c` as the expression `a` with the fields `b` and `c`, each spanning from `a`.
fn names_as_fields(path: Path) -> Expr {
    let mut segments = path.segments.into_iter();
    // INVARIANT: the grammar never produces an empty path.
    let first = segments.next().expect("a path has a name");
    let mut expr = Expr {
        span: first.span,
        kind: ExprKind::Name(first),
    };
    for field in segments {
        expr = Expr {
            span: expr.span.to(field.span),
            kind: ExprKind::Field {
                target: Box::new(expr),
                field,
            },
        };
    }
    expr
}

/// `-3` is a literal, not a negation of `3`: keeps constants constant for defaults and settings.
fn fold_negation(op: UnaryOp, rhs: Expr, span: Span) -> Expr {
    if op == UnaryOp::Neg {
        if let ExprKind::Number(n) = &rhs.kind {
            return Expr {
                kind: ExprKind::Number(Number {
                    value: -n.value,
                    is_int: n.is_int,
                    text: format!("-{}", n.text),
                }),
                span,
            };
        }
    }
    Expr {
        kind: ExprKind::Unary {
            op,
            operand: Box::new(rhs),
        },
        span,
    }
}

/// Where a pair's content ends: before the whitespace and comments that pest's implicit skipping
/// leaves at the end of a rule ending in an optional or repeated part (`a ~ b*`).
///
/// What follows a pair's last inner pair is punctuation, whitespace and comments only (names,
/// strings, numbers and operators are pairs of their own), so a `//` there always starts a
/// comment; without any punctuation there, the content ends where the last inner pair's does.
fn content_end(pair: &Pair<'_, Rule>) -> usize {
    let span = pair.as_span();
    let (input, end) = (span.get_input(), span.end());
    // Trivia ends in whitespace, or in a comment at the very end of the input.
    if end < input.len() && !input[..end].ends_with(|c: char| c.is_ascii_whitespace() || c == '\u{FEFF}') {
        return end;
    }
    let Some(last) = pair.clone().into_inner().rev().find(|p| p.as_rule() != Rule::EOI) else {
        // A token; only a doc comment may end in spaces.
        return span.start()
            + pair
                .as_str()
                .trim_end_matches([' ', '\t', '\r', '\n', '\u{FEFF}'])
                .len();
    };
    let from = last.as_span().end();
    match last_punctuation_end(&input[from..end]) {
        Some(at) => from + at,
        None => content_end(&last),
    }
}

/// The end of the last character of `text` that is neither whitespace nor part of a `//` comment.
fn last_punctuation_end(text: &str) -> Option<usize> {
    let mut last = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\n' | '\u{FEFF}' => {}
            '/' if chars.peek().is_some_and(|(_, next)| *next == '/') => {
                while chars.next_if(|(_, c)| *c != '\n').is_some() {}
            }
            _ => last = Some(i + c.len_utf8()),
        }
    }
    last
}
