//! Expressions to Rego. A boolean expression used as a condition becomes body statements
//! (`cond`); any expression used as a value becomes a term (`term`). Where Rego has no direct form
//! (`or`, `not` of several statements, a boolean as a value, a field of a call's result), a small
//! helper rule or function is added to the package, taking the local variables it needs as
//! arguments.

use super::names;
use super::syntax::{field_suffix, number_literal, package_ref, starts_statement_safely, string_literal};
use super::Target;
use crate::checked::Builtin;
use crate::ir::{BinOp, Expr, MsgPart, Operands, Var};
use crate::syntax::ast::Quantifier;
use std::collections::BTreeSet;

/// Nanoseconds in a day, for `days_since`.
const NS_PER_DAY: &str = "86400000000000";

/// A Rego term and whether it is a plain reference (`a.b[c]`), which may be extended with
/// `.field` or `[index]`.
pub struct Term {
    pub text: String,
    pub is_ref: bool,
}

impl Term {
    fn value(text: String) -> Term {
        Term { text, is_ref: false }
    }

    fn reference(text: String) -> Term {
        Term { text, is_ref: true }
    }
}

/// Emits expressions for one package, collecting the helpers they need.
pub struct Emitter<'t> {
    pub target: &'t Target,
    /// Helper rule and function definitions, to be written after the package's own rules.
    pub helpers: Vec<String>,
    counter: usize,
}

impl<'t> Emitter<'t> {
    pub fn new(target: &'t Target) -> Self {
        Emitter {
            target,
            helpers: Vec::new(),
            counter: 0,
        }
    }

    fn fresh(&mut self, kind: &str) -> String {
        self.counter += 1;
        format!("_{kind}{}", self.counter)
    }

    /// A helper that holds (true, or undefined) when any of `bodies` holds.
    fn cond_helper(&mut self, free: &BTreeSet<Var>, bodies: Vec<Vec<String>>) -> String {
        let name = self.fresh("cond");
        let head = head(&name, free);
        for body in bodies {
            self.helpers.push(format!("{head} if {{\n{}}}\n", indent_lines(&body)));
        }
        call(&name, free)
    }

    /// A helper whose value is `true` when `body` holds and `false` otherwise.
    fn bool_helper(&mut self, free: &BTreeSet<Var>, body: Vec<String>) -> String {
        let name = self.fresh("bool");
        let head = head(&name, free);
        self.helpers.push(format!(
            "{head} := true if {{\n{}}} else := false\n",
            indent_lines(&body)
        ));
        call(&name, free)
    }

    /// A helper computing a value with statements: `result` is bound by `body`.
    fn value_helper(&mut self, free: &BTreeSet<Var>, body: Vec<String>, result: &str) -> String {
        let name = self.fresh("value");
        let head = head(&name, free);
        self.helpers
            .push(format!("{head} := {result} if {{\n{}}}\n", indent_lines(&body)));
        call(&name, free)
    }

    /// Statements that all succeed exactly when `e` (a boolean) is true.
    pub fn cond(&mut self, e: &Expr) -> Vec<String> {
        match e {
            Expr::Bool(b) => vec![b.to_string()],
            Expr::And(a, b) => {
                let mut out = self.cond(a);
                out.extend(self.cond(b));
                out
            }
            Expr::Or(a, b) => {
                let free = free_vars(e);
                let bodies = vec![self.cond(a), self.cond(b)];
                vec![self.cond_helper(&free, bodies)]
            }
            Expr::Not(inner) => {
                if let Expr::Has(path) = inner.as_ref() {
                    return vec![format!("{} == null", self.present(path))];
                }
                let stmts = self.cond(inner);
                match stmts.as_slice() {
                    [one] if is_simple_statement(one) => vec![format!("not {one}")],
                    _ => {
                        let free = free_vars(inner);
                        vec![format!("not {}", self.cond_helper(&free, vec![stmts]))]
                    }
                }
            }
            Expr::Binary { op, operands, lhs, rhs } if is_comparison(*op) => {
                let (l, r) = (self.term(lhs).text, self.term(rhs).text);
                let (l, r) = if *operands == Operands::Timestamp {
                    (
                        format!("time.parse_rfc3339_ns({l})"),
                        format!("time.parse_rfc3339_ns({r})"),
                    )
                } else {
                    (l, r)
                };
                self.comparison(l, *op, r)
            }
            Expr::In {
                operands,
                element,
                collection,
            } => {
                let el = self.term(element).text;
                let coll = self.term(collection).text;
                let coll = if *operands == Operands::Map {
                    format!("object.keys({coll})")
                } else {
                    coll
                };
                let (mut out, el) = self.safe_operand(el);
                out.push(format!("{el} in {coll}"));
                out
            }
            Expr::Has(path) => vec![format!("{} != null", self.present(path))],
            Expr::Quantified {
                quantifier,
                var,
                collection,
                body,
            } => {
                let coll = self.term(collection).text;
                let inner = self.cond(body);
                match quantifier {
                    Quantifier::Any => {
                        let mut out = vec![format!("some {} in {coll}", names::var(var))];
                        out.extend(inner);
                        out
                    }
                    Quantifier::All => vec![format!(
                        "every {} in {coll} {{\n{}}}",
                        names::var(var),
                        indent_lines(&inner)
                    )],
                }
            }
            // A boolean value: a field, local, let, parameter, call or built-in.
            other => {
                let t = self.term(other).text;
                if starts_statement_safely(&t) {
                    vec![t]
                } else {
                    vec![format!("true == {t}")]
                }
            }
        }
    }

    /// `l op r` as statements that start safely (see [`starts_statement_safely`]): as written, or
    /// mirrored (`-1 > x` as `x < -1`), or with `l` bound to a variable first.
    fn comparison(&mut self, l: String, op: BinOp, r: String) -> Vec<String> {
        if !starts_statement_safely(&l) && starts_statement_safely(&r) {
            return vec![format!("{r} {} {l}", comparison(mirror(op)))];
        }
        let (mut out, l) = self.safe_operand(l);
        out.push(format!("{l} {} {r}", comparison(op)));
        out
    }

    /// An operand that may start a statement: the term itself, or a fresh variable bound to it
    /// (with the binding statement).
    fn safe_operand(&mut self, term: String) -> (Vec<String>, String) {
        if starts_statement_safely(&term) {
            (Vec::new(), term)
        } else {
            let tmp = self.fresh("t");
            (vec![format!("{tmp} := {term}")], tmp)
        }
    }

    /// The value at `path`, or `null` when any field along it is absent: used by `has`, and safe
    /// on partial documents (no undefined reference ever reaches a negation).
    fn present(&mut self, path: &Expr) -> String {
        match path {
            Expr::Field { target, name } => {
                format!(
                    "object.get({}, {}, null)",
                    self.present_parent(target),
                    string_literal(name)
                )
            }
            other => self.term(other).text,
        }
    }

    /// Like [`Emitter::present`] for an intermediate object: `{}` when absent.
    fn present_parent(&mut self, path: &Expr) -> String {
        match path {
            Expr::Field { target, name } => {
                let parent = self.present_parent(target);
                format!("object.get({parent}, {}, {{}})", string_literal(name))
            }
            other => self.term(other).text,
        }
    }

    /// A term for the value of `e`.
    pub fn term(&mut self, e: &Expr) -> Term {
        match e {
            Expr::Int(i) => Term::value(i.to_string()),
            Expr::Float(f) => Term::value(number_literal(*f)),
            Expr::Bool(b) => Term::value(b.to_string()),
            Expr::String(s) => Term::value(string_literal(s)),
            Expr::Format(parts) => Term::value(self.format(parts)),
            Expr::Subject => Term::reference(self.target.document.clone()),
            Expr::Param(name) => Term::reference(format!("_params{}", field_suffix(name))),
            Expr::Let(v) | Expr::Local(v) => Term::reference(names::var(v)),
            Expr::Field { target, name } => {
                let t = self.term(target);
                if t.is_ref {
                    Term::reference(format!("{}{}", t.text, field_suffix(name)))
                } else {
                    let free = free_vars(target);
                    let body = vec![format!("_x := {}", t.text)];
                    Term::value(self.value_helper(&free, body, &format!("_x{}", field_suffix(name))))
                }
            }
            Expr::Index { target, index } => {
                let t = self.term(target);
                let i = self.term(index).text;
                if t.is_ref {
                    Term::reference(format!("{}[{i}]", t.text))
                } else {
                    let free = free_vars(e);
                    let body = vec![format!("_x := {}", t.text)];
                    Term::value(self.value_helper(&free, body, &format!("_x[{i}]")))
                }
            }
            Expr::Call { module, name, args } => {
                let path = package_ref(&self.target.fn_package(module));
                let f = format!("{path}.{}", names::user_ident(name));
                if args.is_empty() {
                    Term::reference(f)
                } else {
                    let args: Vec<String> = args.iter().map(|a| self.term(a).text).collect();
                    Term::value(format!("{f}({})", args.join(", ")))
                }
            }
            Expr::Builtin { builtin, args } => Term::value(self.builtin(*builtin, args)),
            Expr::Neg(x) => Term::value(format!("(0 - {})", self.term(x).text)),
            Expr::Binary { op, operands, lhs, rhs } if !is_comparison(*op) => {
                let (l, r) = (self.term(lhs).text, self.term(rhs).text);
                Term::value(match (op, operands) {
                    (BinOp::Add, Operands::String) => format!("concat(\"\", [{l}, {r}])"),
                    (BinOp::Add, Operands::List) => format!("array.concat({l}, {r})"),
                    _ => format!("({l} {} {r})", arithmetic(*op)),
                })
            }
            Expr::Record(fields) => {
                let items: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{}: {}", string_literal(k), self.term(v).text))
                    .collect();
                Term::value(format!("{{{}}}", items.join(", ")))
            }
            Expr::List(items) => {
                let items: Vec<String> = items.iter().map(|i| self.term(i).text).collect();
                Term::value(format!("[{}]", items.join(", ")))
            }
            // Booleans computed from conditions.
            Expr::And(..)
            | Expr::Or(..)
            | Expr::Not(..)
            | Expr::Binary { .. }
            | Expr::In { .. }
            | Expr::Has(..)
            | Expr::Quantified { .. } => {
                let free = free_vars(e);
                let body = self.cond(e);
                Term::value(self.bool_helper(&free, body))
            }
        }
    }

    /// `sprintf` of an interpolated string (or a plain literal when nothing is interpolated).
    pub fn format(&mut self, parts: &[MsgPart]) -> String {
        let mut fmt = String::new();
        let mut args = Vec::new();
        for part in parts {
            match part {
                MsgPart::Text(t) => fmt.push_str(&t.replace('%', "%%")),
                MsgPart::Value(v) => {
                    fmt.push_str("%v");
                    args.push(self.term(v).text);
                }
            }
        }
        if args.is_empty() {
            return string_literal(&fmt.replace("%%", "%"));
        }
        format!("sprintf({}, [{}])", string_literal(&fmt), args.join(", "))
    }

    fn builtin(&mut self, b: Builtin, args: &[Expr]) -> String {
        let a: Vec<String> = args.iter().map(|x| self.term(x).text).collect();
        let arg = |i: usize| a.get(i).cloned().unwrap_or_default();
        match b {
            Builtin::Count => format!("count({})", arg(0)),
            Builtin::Sum => format!("sum({})", arg(0)),
            Builtin::Min => format!("min({})", arg(0)),
            Builtin::Max => format!("max({})", arg(0)),
            Builtin::Lower => format!("lower({})", arg(0)),
            Builtin::Upper => format!("upper({})", arg(0)),
            Builtin::StartsWith => format!("startswith({}, {})", arg(0), arg(1)),
            Builtin::EndsWith => format!("endswith({}, {})", arg(0), arg(1)),
            Builtin::Contains => format!("contains({}, {})", arg(0), arg(1)),
            Builtin::Matches => format!("regex.match({}, {})", arg(1), arg(0)),
            Builtin::DaysSince => format!(
                "floor((time.now_ns() - time.parse_rfc3339_ns({})) / {NS_PER_DAY})",
                arg(0)
            ),
        }
    }
}

fn is_comparison(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
    )
}

fn comparison(op: BinOp) -> &'static str {
    match op {
        BinOp::Eq => "==",
        BinOp::Ne => "!=",
        BinOp::Lt => "<",
        BinOp::Le => "<=",
        BinOp::Gt => ">",
        _ => ">=",
    }
}

/// The comparison with its operands swapped: `a < b` is `b > a`.
fn mirror(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        other => other,
    }
}

fn arithmetic(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        _ => "%",
    }
}

/// A statement that can be negated directly with `not`.
fn is_simple_statement(s: &str) -> bool {
    !s.contains('\n') && !s.starts_with("some ") && !s.starts_with("every ") && !s.starts_with("not ")
}

fn head(name: &str, free: &BTreeSet<Var>) -> String {
    call(name, free)
}

fn call(name: &str, free: &BTreeSet<Var>) -> String {
    if free.is_empty() {
        name.to_string()
    } else {
        let args: Vec<String> = free.iter().map(names::var).collect();
        format!("{name}({})", args.join(", "))
    }
}

/// Body lines indented one tab, each ending in a newline.
pub fn indent_lines(stmts: &[String]) -> String {
    let mut out = String::new();
    for s in stmts {
        for line in s.lines() {
            out.push('\t');
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The local variables an expression reads that it does not bind itself.
pub fn free_vars(e: &Expr) -> BTreeSet<Var> {
    let mut out = BTreeSet::new();
    collect_free(e, &mut Vec::new(), &mut out);
    out
}

fn collect_free(e: &Expr, bound: &mut Vec<Var>, out: &mut BTreeSet<Var>) {
    let mut go = |x: &Expr, bound: &mut Vec<Var>| collect_free(x, bound, out);
    match e {
        Expr::Local(v) => {
            if !bound.contains(v) {
                out.insert(v.clone());
            }
        }
        Expr::Quantified {
            var, collection, body, ..
        } => {
            go(collection, bound);
            bound.push(var.clone());
            go(body, bound);
            bound.pop();
        }
        Expr::Format(parts) => {
            for p in parts {
                if let MsgPart::Value(v) = p {
                    go(v, bound);
                }
            }
        }
        Expr::Field { target, .. } => go(target, bound),
        Expr::Index { target, index } => {
            go(target, bound);
            go(index, bound);
        }
        Expr::Call { args, .. } | Expr::Builtin { args, .. } | Expr::List(args) => {
            for a in args {
                go(a, bound);
            }
        }
        Expr::Not(x) | Expr::Neg(x) | Expr::Has(x) => go(x, bound),
        Expr::And(a, b) | Expr::Or(a, b) => {
            go(a, bound);
            go(b, bound);
        }
        Expr::Binary { lhs, rhs, .. } => {
            go(lhs, bound);
            go(rhs, bound);
        }
        Expr::In {
            element, collection, ..
        } => {
            go(element, bound);
            go(collection, bound);
        }
        Expr::Record(fields) => {
            for (_, v) in fields {
                go(v, bound);
            }
        }
        Expr::Int(_)
        | Expr::Float(_)
        | Expr::Bool(_)
        | Expr::String(_)
        | Expr::Subject
        | Expr::Param(_)
        | Expr::Let(_) => {}
    }
}
