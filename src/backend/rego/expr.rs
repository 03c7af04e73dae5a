//! Expressions to Rego. A boolean expression used as a condition becomes body statements
//! (`cond`); any expression used as a value becomes a term (`term`). Where Rego has no direct form
//! (`or`, `not` of several statements, a boolean as a value, a field of a call's result), a small
//! helper rule or function is added to the package, taking the local variables it needs as
//! arguments.
//!
//! Two invariants keep the Rego's meaning the one of the `.gov` source on every engine:
//! - no statement starts with `-`, `(`, `[` or `{` (see [`starts_statement_safely`]), so no
//!   statement is ever read as continuing the one before, and every compound operand is
//!   parenthesised;
//! - where OPA and regorus compute differently (the length of a string, upper and lower case,
//!   float arithmetic, numbers in messages), the code calls the runtime library
//!   ([`super::runtime`]) or a form both engines agree on.

mod presence;

pub use presence::Conjunct;

use super::names;
use super::runtime;
use super::syntax::{field_suffix, number_literal, package_ref, starts_statement_safely, string_literal};
use super::Target;
use crate::ir::Builtin;
use crate::ir::Quantifier;
use crate::ir::{BinOp, Expr, Failure, MsgPart, Operands, Partial, Var, FLOAT_LIMIT, INT_LIMIT, TIME_LIMIT};
use std::collections::{BTreeMap, BTreeSet};

/// Nanoseconds in a day, for `days_since` and `in_days`.
const NS_PER_DAY: &str = "86400000000000";
/// Nanoseconds in an hour, for `in_hours`.
const NS_PER_HOUR: &str = "3600000000000";

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

/// One way evaluating an expression can fail, found by [`Emitter::failures`]: the statements that
/// must hold for it to be evaluated (`context`), statements that then hold exactly when it fails
/// (`test`), and what failed.
pub struct FailureRule {
    pub context: Vec<String>,
    pub test: Vec<String>,
    pub what: FailedWhat,
}

impl FailureRule {
    /// The rule's body: the context, then the test.
    pub fn body(&self) -> Vec<String> {
        self.context.iter().chain(&self.test).cloned().collect()
    }
}

/// The rules without those another makes redundant: the same failure test of the same operation
/// in a context that extends the other's (a message repeating a condition's division).
pub fn without_redundant(rules: Vec<FailureRule>) -> Vec<FailureRule> {
    let mut kept: Vec<FailureRule> = Vec::new();
    for rule in rules {
        let covered = kept
            .iter()
            .any(|k| k.what == rule.what && k.test == rule.test && rule.context.starts_with(&k.context));
        if !covered {
            kept.retain(|k| !(k.what == rule.what && k.test == rule.test && k.context.starts_with(&rule.context)));
            kept.push(rule);
        }
    }
    kept
}

/// What a [`FailureRule`] reports.
#[derive(PartialEq)]
pub enum FailedWhat {
    /// An operation of this body: the expression as written and the cause.
    Here { text: String, cause: &'static str },
    /// A called function: the body binds `var` to an `[expression, cause]` pair it reports.
    Callee { var: String },
}

/// See [`Emitter::subject_view`].
#[derive(Debug, Clone)]
pub struct SubjectView {
    /// The object the view is built from.
    pub object: String,
    /// Field paths of the view and the terms that hold them.
    pub fields: Vec<(&'static [&'static str], &'static str)>,
}

/// Emits expressions for one package, collecting the helpers they need.
pub struct Emitter<'t> {
    pub target: &'t Target,
    /// Helper rule and function definitions, to be written after the package's own rules.
    pub helpers: Vec<String>,
    /// A statement in front of every helper that is a rule (one without arguments): a policy's
    /// `_conforms`, so that evaluating the whole package (`opa eval data.a.b.p`, with strict
    /// built-in errors) never computes on a malformed document.
    pub gate: Option<&'static str>,
    /// Where the subject's fields are read when the document is a view built from an object (a
    /// workload's): the object itself, and terms computed for some field paths (`pod` is
    /// `_pod`). A conforming document's view has the same values, without building it.
    pub subject_view: Option<SubjectView>,
    /// The term the request is read from: `_admission`, or where it is (see
    /// [`super::Target::request_always_sent`]).
    pub request: String,
    /// The rules parameters are read from, by their key, where each has its own (Gatekeeper's);
    /// a parameter not here is read from the object `_params`.
    pub param_rules: BTreeMap<String, String>,
    /// Writing the context of a failure rule: negations go through a helper (see
    /// [`Emitter::context_cond`]).
    in_context: bool,
    counter: usize,
    /// The `_condN` helpers made so far, by their arguments and bodies: a condition written twice
    /// is one helper.
    conds: BTreeMap<(String, Vec<Vec<String>>), String>,
}

impl<'t> Emitter<'t> {
    pub fn new(target: &'t Target) -> Self {
        Emitter {
            target,
            helpers: Vec::new(),
            gate: None,
            subject_view: None,
            request: "_admission".to_string(),
            param_rules: BTreeMap::new(),
            in_context: false,
            counter: 0,
            conds: BTreeMap::new(),
        }
    }

    /// The term a field path of the subject is read from, where the subject is a view: the
    /// term computed for it, or the object for the view itself as a parent.
    fn view_term(&self, e: &Expr) -> Option<String> {
        let view = self.subject_view.as_ref()?;
        if matches!(e, Expr::Subject) {
            return Some(view.object.to_string());
        }
        let mut path = Vec::new();
        let mut at = e;
        while let Expr::Field { target, name } = at {
            path.push(name.as_str());
            at = target;
        }
        if !matches!(at, Expr::Subject) {
            return None;
        }
        path.reverse();
        view.fields
            .iter()
            .find(|(p, _)| *p == path.as_slice())
            .map(|(_, t)| t.to_string())
    }

    /// The helpers that `text` (the package's own rules) refers to, directly or through other
    /// helpers, in the order they were made. A helper made for an expression that was not
    /// written after all is left out.
    pub fn take_used_helpers(&mut self, text: &str) -> Vec<String> {
        let helpers = std::mem::take(&mut self.helpers);
        let names: Vec<&str> = helpers
            .iter()
            .map(|h| {
                &h[..h
                    .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
                    .unwrap_or(h.len())]
            })
            .collect();
        let mut used = vec![false; helpers.len()];
        let mut pending = vec![text];
        while let Some(t) = pending.pop() {
            for (i, name) in names.iter().enumerate() {
                if !used[i] && refers_to(t, name) {
                    // Every rule of the name (a helper may have several definitions).
                    for j in (0..names.len()).filter(|&j| names[j] == *name) {
                        used[j] = true;
                        pending.push(&helpers[j]);
                    }
                }
            }
        }
        let kept: Vec<String> = helpers
            .iter()
            .zip(&used)
            .filter(|(_, u)| **u)
            .map(|(h, _)| h.clone())
            .collect();
        kept
    }

    /// A fresh name; generated names start with `_`, which user names never do in Rego.
    fn fresh(&mut self, kind: &str) -> String {
        self.counter += 1;
        format!("_{kind}{}", self.counter)
    }

    /// A function of the runtime library: `data.govc.runtime.<name>` (under `lib.` in Gatekeeper).
    fn runtime(&self, name: &str) -> String {
        format!("{}.{name}", package_ref(&runtime::package(self.target)))
    }

    /// A helper's body: `body`, behind the gate when the helper is a rule.
    fn gated(&self, free: &BTreeSet<Var>, body: Vec<String>) -> Vec<String> {
        match self.gate {
            Some(gate) if free.is_empty() => std::iter::once(gate.to_string()).chain(body).collect(),
            _ => body,
        }
    }

    /// A helper that holds (true, or undefined) when any of `bodies` holds.
    fn cond_helper(&mut self, free: &BTreeSet<Var>, bodies: Vec<Vec<String>>) -> String {
        let bodies: Vec<Vec<String>> = bodies.into_iter().map(|b| self.gated(free, b)).collect();
        let key = (call("", free), bodies);
        if let Some(head) = self.conds.get(&key) {
            return head.clone();
        }
        let name = self.fresh("cond");
        let head = call(&name, free);
        for body in &key.1 {
            self.helpers.push(format!("{head} if {{\n{}}}\n", indent_lines(body)));
        }
        self.conds.insert(key, head.clone());
        head
    }

    /// A helper whose value is `true` when `e` (a boolean) holds and `false` otherwise.
    fn bool_helper(&mut self, free: &BTreeSet<Var>, e: &Expr) -> String {
        let name = self.fresh("bool");
        let head = call(&name, free);
        let rule = self.bool_rule(&head, e, |em, body| em.gated(free, body));
        self.helpers.push(rule);
        call(&name, free)
    }

    /// The rule `head := true` where the boolean `e` holds, else `false`: one `else` arm per
    /// disjunct of an `or` (tried in order until one holds), so that no helper is called.
    /// `arm` completes each arm's body (a gate in front).
    pub fn bool_rule(
        &mut self,
        head: &str,
        e: &Expr,
        mut arm: impl FnMut(&mut Self, Vec<String>) -> Vec<String>,
    ) -> String {
        let arms: Vec<String> = disjuncts(e)
            .into_iter()
            .map(|d| {
                let body = self.cond(d);
                let body = arm(self, body);
                format!("true if {{\n{}}}", indent_lines(&body))
            })
            .collect();
        format!("{head} := {} else := false\n", arms.join(" else := "))
    }

    /// A helper computing a value with statements: `result` is bound by `body`.
    fn value_helper(&mut self, free: &BTreeSet<Var>, body: Vec<String>, result: &str) -> String {
        let name = self.fresh("value");
        let head = call(&name, free);
        let body = self.gated(free, body);
        self.helpers
            .push(format!("{head} := {result} if {{\n{}}}\n", indent_lines(&body)));
        call(&name, free)
    }

    /// Statements that all succeed exactly when `e` (a boolean) is true.
    pub fn cond(&mut self, e: &Expr) -> Vec<String> {
        match e {
            Expr::Bool(b) => vec![b.to_string()],
            Expr::And(..) => {
                let parts = conjuncts(e);
                let items: Vec<Conjunct<'_>> = parts.iter().map(|part| Conjunct::Holds(part)).collect();
                self.conjunction(&items, |em, i| em.cond(parts[i]))
            }
            Expr::Or(..) => {
                // `a or b or c`: one helper with a body per disjunct, not a helper per `or`.
                let free = free_vars(e);
                let bodies = disjuncts(e).into_iter().map(|d| self.cond(d)).collect();
                vec![self.cond_helper(&free, bodies)]
            }
            Expr::Not(inner) => {
                if let Expr::Has(path) = inner.as_ref() {
                    return vec![format!("{} == null", self.present(path))];
                }

                if self.in_context {
                    return vec![self.negation(inner)];
                }
                let stmt = self.single_cond(inner);
                vec![format!("not {stmt}")]
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
                let coll = self.term(collection);
                if *operands == Operands::Map {
                    // A key of a map: a lookup, defined exactly where the key is present (whatever
                    // its value), without building the set of keys (`object.keys`). A collection
                    // that is not a reference is bound first: only a reference can be indexed.
                    let (mut out, coll) = match coll.is_ref {
                        true => (Vec::new(), coll.text),
                        false => {
                            let tmp = self.fresh("t");
                            (vec![format!("{tmp} := {}", coll.text)], tmp)
                        }
                    };
                    out.push(format!("_ = {coll}[{el}]"));
                    return out;
                }
                let (mut out, el) = self.safe_operand(el);
                out.push(format!("{el} in {}", coll.text));
                out
            }
            Expr::Has(path) => {
                // A reference is undefined where a step is absent or `null`, so that on a
                // conforming document it is present exactly when it is defined and not `null`.
                let t = self.term(path);
                match t.is_ref {
                    true => vec![format!("{} != null", t.text)],
                    false => vec![format!("{} != null", self.present(path))],
                }
            }
            Expr::Quantified {
                quantifier,
                key,
                var,
                collection,
                body,
            } => {
                let coll = self.term(collection).text;
                let inner = self.cond(body);
                let bound = bound_vars(key.as_ref(), var, &free_vars(body));
                match quantifier {
                    Quantifier::Any => {
                        let mut out = vec![format!("some {bound} in {coll}")];
                        out.extend(inner);
                        out
                    }
                    Quantifier::All => vec![format!("every {bound} in {coll} {{\n{}}}", indent_lines(&inner))],
                }
            }
            Expr::Partial(p) => self.cond(&p.expr),
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

    /// Statements that hold where `e` holds, for the context of a failure rule. There a value may
    /// be undefined (a `let` whose computation failed, reported on its own), and OPA and regorus
    /// disagree on a negation that reads one: `not f(l)` with `l` undefined is true for regorus,
    /// undefined for OPA (which evaluates the rule references of a negated expression first).
    /// So negations are written `_boolN(..) == false`, whose helper is false where its body is
    /// undefined, on both engines.
    pub fn context_cond(&mut self, e: &Expr) -> Vec<String> {
        let outer = std::mem::replace(&mut self.in_context, true);
        let out = self.cond(e);
        self.in_context = outer;
        out
    }

    /// `e` does not hold, as a statement both engines read alike (see [`Emitter::context_cond`]).
    fn negation(&mut self, e: &Expr) -> String {
        // `not x` does not hold where `x` holds (and an undefined `x` fails both): `x` itself,
        // without the two helpers of a double negation.
        if let Expr::Not(x) = e {
            return self.single_cond(x);
        }
        let free = free_vars(e);
        format!("{} == false", self.bool_helper(&free, e))
    }

    /// [`Emitter::negation`] for the context of a failure rule (see [`Emitter::context_cond`]).
    fn context_negation(&mut self, e: &Expr) -> String {
        let outer = std::mem::replace(&mut self.in_context, true);
        let out = self.negation(e);
        self.in_context = outer;
        out
    }

    /// One statement that succeeds exactly when `e` is true (a helper when it takes several), so
    /// that it can be negated.
    fn single_cond(&mut self, e: &Expr) -> String {
        let stmts = self.cond(e);
        match stmts.as_slice() {
            [one] if is_simple_statement(one) => one.clone(),
            _ => {
                let free = free_vars(e);
                self.cond_helper(&free, vec![stmts])
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
        if let Some(t) = self.view_term(path).filter(|_| !matches!(path, Expr::Subject)) {
            return t;
        }
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
        if let Some(t) = self.view_term(path) {
            return t;
        }
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
            Expr::Request => Term::reference(self.request.clone()),
            Expr::Inventory(name) => Term::reference(super::inventory_rule(name)),
            Expr::Param(name) => Term::reference(match self.param_rules.get(name) {
                Some(rule) => rule.clone(),
                None => format!("_params{}", field_suffix(name)),
            }),
            Expr::Let(v) | Expr::Local(v) => Term::reference(names::var(v)),
            Expr::Field { target, name } => {
                if let Some(t) = self.view_term(e) {
                    return Term::reference(t);
                }
                let t = match self.view_term(target) {
                    Some(object) => Term::reference(object),
                    None => self.term(target),
                };
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
            Expr::Call { module, name, args, .. } => {
                let path = package_ref(&self.target.fn_package(module));
                let f = format!("{path}.{}", names::user_ident(name));
                if args.is_empty() {
                    Term::reference(f)
                } else {
                    let args: Vec<String> = args.iter().map(|a| self.term(a).text).collect();
                    Term::value(format!("{f}({})", args.join(", ")))
                }
            }
            Expr::Builtin { builtin, args, on } => Term::value(self.builtin(*builtin, args, *on)),
            Expr::Neg(x) => Term::value(format!("(0 - {})", self.term(x).text)),
            Expr::Binary {
                op: BinOp::Add,
                operands: Operands::String,
                ..
            } => {
                // A chain `a + b + c` of strings is one `concat` of its parts, not a nest of them.
                let parts: Vec<String> = string_sum_parts(e).into_iter().map(|p| self.term(p).text).collect();
                Term::value(format!("concat(\"\", [{}])", parts.join(", ")))
            }
            Expr::Binary { op, operands, lhs, rhs } if !is_comparison(*op) => {
                let (l, r) = (self.term(lhs).text, self.term(rhs).text);
                Term::value(match (op, operands) {
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
            Expr::Rounded(x) => {
                let inner = self.term(x).text;
                Term::value(format!("{}({inner})", self.runtime(runtime::ROUND_NUMBER)))
            }
            Expr::Partial(p) => Term::value(self.partial(p)),
            Expr::If { cond, then, otherwise } => Term::value(self.conditional(e, cond, then, otherwise)),
            Expr::Comprehension {
                element,
                key,
                var,
                collection,
                filter,
            } => {
                let coll = self.term(collection).text;
                let reads: BTreeSet<Var> = e
                    .iteration()
                    .into_iter()
                    .flat_map(|it| it.scoped)
                    .flat_map(free_vars)
                    .collect();
                let bound = bound_vars(key.as_ref(), var, &reads);
                let mut body = vec![format!("some {bound} in {coll}")];
                if let Some(f) = filter {
                    body.extend(self.cond(f));
                }
                let element = self.term(element).text;
                Term::value(format!("[{element} |\n{}]", indent_lines(&body)))
            }
            Expr::Instant(t) => Term::value(format!("time.parse_rfc3339_ns({})", self.term(t).text)),
            Expr::TimeText(ns) => {
                let ns = self.term(ns).text;
                Term::value(format!("{}({ns})", self.runtime(runtime::TIME_TEXT)))
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
                Term::value(self.bool_helper(&free, e))
            }
        }
    }

    /// `if c then a else b` as a helper with one definition per branch, on exclusive conditions
    /// (`c`, and `_boolN(..) == false`), not Rego's `else`: where the branch `c` picks is
    /// undefined (its computation failed, which is reported on its own), the conditional is
    /// undefined too, and never silently the other branch's value.
    fn conditional(&mut self, e: &Expr, cond: &Expr, then: &Expr, otherwise: &Expr) -> String {
        let free = free_vars(e);
        let name = self.fresh("if");
        let head = call(&name, &free);
        let holds = self.cond(cond);
        let fails = vec![self.negation(cond)];
        for (body, value) in [(holds, then), (fails, otherwise)] {
            let value = self.term(value).text;
            let body = self.gated(&free, body);
            self.helpers
                .push(format!("{head} := {value} if {{\n{}}}\n", indent_lines(&body)));
        }
        head
    }

    /// An operation that can fail, as a term that is undefined where it fails, on every engine and
    /// without a built-in error: arithmetic through the runtime library (see [`super::runtime`]);
    /// `min`/`max` of an empty list and an index outside a list are undefined already.
    fn partial(&mut self, p: &Partial) -> String {
        match self.checked_operation(p) {
            Some((function, operands)) => {
                let args: Vec<String> = operands.iter().map(|o| self.term_of(o).text).collect();
                format!("{}({})", self.runtime(function), args.join(", "))
            }
            None => self.term(&p.expr).text,
        }
    }

    /// The runtime function computing `p` and its arguments (the limit last, as a literal).
    fn checked_operation<'e>(&self, p: &'e Partial) -> Option<(&'static str, Vec<Operand<'e>>)> {
        let limit = p
            .failures
            .iter()
            .find_map(|f| match f {
                Failure::OutOfRange { limit } => Some(*limit),
                _ => None,
            })
            .unwrap_or(FLOAT_LIMIT);
        let limit = Operand::Literal(limit_literal(limit));
        match &p.expr {
            Expr::Binary { op, lhs, rhs, .. } => {
                let function = match op {
                    BinOp::Add => runtime::ADD,
                    BinOp::Sub => runtime::SUBTRACT,
                    BinOp::Mul => runtime::MULTIPLY,
                    BinOp::Div => runtime::DIVIDE,
                    BinOp::Mod => runtime::REMAINDER,
                    _ => return None,
                };
                Some((function, vec![Operand::Expr(lhs), Operand::Expr(rhs), limit]))
            }
            Expr::Neg(x) => Some((runtime::NEGATE, vec![Operand::Expr(x), limit])),
            Expr::Builtin {
                builtin: Builtin::Sum,
                args,
                ..
            } => Some((runtime::TOTAL, vec![Operand::Expr(args.first()?), limit])),
            _ => None,
        }
    }

    /// `sprintf` of an interpolated string (or a plain literal when nothing is interpolated).
    /// Numbers are written by the runtime library, which OPA and regorus agree on (their own
    /// `%v` of `1e-7` is `1e-07` and `0.0000001`).
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
                MsgPart::Number(v) => {
                    fmt.push_str("%v");
                    let t = self.term(v).text;
                    args.push(format!("{}({t})", self.runtime(runtime::FORMAT_NUMBER)));
                }
            }
        }
        if args.is_empty() {
            return string_literal(&fmt.replace("%%", "%"));
        }
        format!("sprintf({}, [{}])", string_literal(&fmt), args.join(", "))
    }

    fn builtin(&mut self, b: Builtin, args: &[Expr], on: Operands) -> String {
        let a: Vec<String> = args.iter().map(|x| self.term(x).text).collect();
        let arg = |i: usize| a.get(i).cloned().unwrap_or_default();
        match b {
            // A string's length in characters: regorus's `count` of a string counts UTF-16
            // code units (`count("🙂")` is 2 there, 1 in OPA); both split a string into
            // characters alike.
            Builtin::Count if on == Operands::String => format!("count(split({}, \"\"))", arg(0)),
            Builtin::Count => format!("count({})", arg(0)),
            Builtin::Sum => format!("sum({})", arg(0)),
            Builtin::Min => format!("min({})", arg(0)),
            Builtin::Max => format!("max({})", arg(0)),
            Builtin::Lower => format!("{}({})", self.runtime(runtime::TO_LOWER), arg(0)),
            Builtin::Upper => format!("{}({})", self.runtime(runtime::TO_UPPER), arg(0)),
            Builtin::StartsWith => format!("startswith({}, {})", arg(0), arg(1)),
            Builtin::EndsWith => format!("endswith({}, {})", arg(0), arg(1)),
            Builtin::Contains => format!("contains({}, {})", arg(0), arg(1)),
            Builtin::Matches => format!("regex.match({}, {})", arg(1), arg(0)),
            Builtin::Glob => format!("{}({}, {})", self.runtime(runtime::GLOB_MATCH), arg(0), arg(1)),
            Builtin::DaysSince => format!(
                "floor((time.parse_rfc3339_ns({}) - time.parse_rfc3339_ns({})) / {NS_PER_DAY})",
                self.runtime(runtime::NOW),
                arg(0)
            ),
            Builtin::Get if on == Operands::List => format!(
                "{}({}, {}, {})",
                self.runtime(runtime::LIST_GET),
                arg(0),
                arg(1),
                arg(2)
            ),
            Builtin::Get => format!("object.get({}, {}, {})", arg(0), arg(1), arg(2)),
            Builtin::Now => self.runtime(runtime::NOW),
            Builtin::Hour | Builtin::Minute | Builtin::Weekday | Builtin::Date | Builtin::FormatTime => {
                let function = match b {
                    Builtin::Hour => runtime::TIME_HOUR,
                    Builtin::Minute => runtime::TIME_MINUTE,
                    Builtin::Weekday => runtime::TIME_WEEKDAY,
                    Builtin::Date => runtime::TIME_DATE,
                    _ => runtime::TIME_FORMAT,
                };
                format!("{}({}, {})", self.runtime(function), arg(0), arg(1))
            }
            Builtin::InDays => format!("{}({}, {NS_PER_DAY})", self.runtime(runtime::WHOLE_UNITS), arg(0)),
            Builtin::InHours => format!("{}({}, {NS_PER_HOUR})", self.runtime(runtime::WHOLE_UNITS), arg(0)),
            // ASCII whitespace, which both engines trim alike (their Unicode tables may differ).
            Builtin::Trim => format!("trim({}, \" \\t\\n\\r\\f\\u000b\")", arg(0)),
            Builtin::TrimPrefix => format!("trim_prefix({}, {})", arg(0), arg(1)),
            Builtin::TrimSuffix => format!("trim_suffix({}, {})", arg(0), arg(1)),
            Builtin::Split => format!("split({}, {})", arg(0), arg(1)),
            Builtin::Join => format!("concat({}, {})", arg(1), arg(0)),
            Builtin::Replace => format!("replace({}, {}, {})", arg(0), arg(1), arg(2)),
            Builtin::Union => format!("{}({}, {})", self.runtime(runtime::SET_UNION), arg(0), arg(1)),
            Builtin::Intersection => format!("{}({}, {})", self.runtime(runtime::SET_INTERSECTION), arg(0), arg(1)),
            Builtin::Difference => format!("{}({}, {})", self.runtime(runtime::SET_DIFFERENCE), arg(0), arg(1)),
            Builtin::Subset => format!("{}({}, {})", self.runtime(runtime::IS_SUBSET), arg(0), arg(1)),
            Builtin::Quantity => format!("{}({})", self.runtime(runtime::QUANTITY), arg(0)),
            Builtin::IsQuantity => format!("{}({})", self.runtime(runtime::IS_QUANTITY), arg(0)),
            // Keys iterate in sorted order on both engines; `sort` makes it explicit.
            Builtin::Fields => {
                let (k, v) = (self.fresh("field"), self.fresh("value"));
                format!("sort([{k} | some {k}, {v} in {}; {v} != null])", arg(0))
            }
            Builtin::FindAll => format!("regex.find_n({}, {}, -1)", arg(1), arg(0)),
            Builtin::Captures => format!("{}({}, {})", self.runtime(runtime::CAPTURES), arg(1), arg(0)),
            Builtin::IsUrl => format!("{}({})", self.runtime(runtime::IS_URL), arg(0)),
            Builtin::UrlScheme | Builtin::UrlHost | Builtin::UrlPort | Builtin::UrlPath | Builtin::UrlQuery => {
                let part = b.name().trim_start_matches("url_");
                format!("{}({}).{part}", self.runtime(runtime::URL_PARTS), arg(0))
            }
        }
    }

    /// Every way evaluating `e` can fail, given the statements `ctx` that hold where it is
    /// evaluated. An operand is evaluated only where the operators before it let it be: the right
    /// side of `and` only where the left holds, the right side of `or` only where the left does
    /// not, a quantifier's body for each element (LANGUAGE-REFERENCE, "Evaluation failures").
    pub fn failures(&mut self, e: &Expr, ctx: &[String], out: &mut Vec<FailureRule>) {
        if !e.can_fail() {
            return;
        }
        match e {
            Expr::And(a, b) => {
                self.failures(a, ctx, out);
                if !b.can_fail() {
                    return;
                }
                let held = self.context_cond(a);
                self.failures_within(b, ctx, held, out);
            }
            Expr::Or(a, b) => {
                self.failures(a, ctx, out);
                if !b.can_fail() {
                    return;
                }
                let not_held = self.context_negation(a);
                self.failures_within(b, ctx, vec![not_held], out);
            }
            Expr::Quantified { .. } | Expr::Comprehension { .. } => {
                let Some(it) = e.iteration() else { return };
                self.failures(it.collection, ctx, out);
                if !it.scoped.iter().any(|x| x.can_fail()) {
                    return;
                }
                // A failure rule names the member it fails on, so it reads `var`.
                let mut reads: BTreeSet<Var> = it.scoped.iter().flat_map(|x| free_vars(x)).collect();
                reads.insert(it.var.clone());
                let bound = bound_vars(it.key, it.var, &reads);
                let mut inner = ctx.to_vec();
                inner.push(format!("some {bound} in {}", self.term(it.collection).text));
                for (i, x) in it.scoped.iter().enumerate() {
                    self.failures(x, &inner, out);
                    if i + 1 < it.scoped.len() {
                        inner.extend(self.context_cond(x));
                    }
                }
            }
            Expr::If { cond, then, otherwise } => {
                self.failures(cond, ctx, out);
                if then.can_fail() {
                    let held = self.context_cond(cond);
                    self.failures_within(then, ctx, held, out);
                }
                if otherwise.can_fail() {
                    let not_held = self.context_negation(cond);
                    self.failures_within(otherwise, ctx, vec![not_held], out);
                }
            }
            Expr::Call {
                module,
                name,
                args,
                can_fail,
            } => {
                for a in args {
                    self.failures(a, ctx, out);
                }
                if *can_fail {
                    let companion = format!("{}.{}", package_ref(&self.target.fn_package(module)), failures_fn(name));
                    let args: Vec<String> = args.iter().map(|a| self.term(a).text).collect();
                    let var = self.fresh("failed");
                    let call = if args.is_empty() {
                        companion
                    } else {
                        format!("{companion}({})", args.join(", "))
                    };
                    out.push(FailureRule {
                        context: ctx.to_vec(),
                        test: vec![format!("some {var} in {call}")],
                        what: FailedWhat::Callee { var },
                    });
                }
            }
            Expr::Partial(p) => {
                if let Some(chain) = long_chain(p) {
                    for (_, operand) in &chain.operands {
                        self.failures(operand, ctx, out);
                    }
                    let test = self.chain_test(&chain);
                    out.push(FailureRule {
                        context: ctx.to_vec(),
                        test,
                        what: FailedWhat::Here {
                            text: p.text.clone(),
                            cause: Failure::OutOfRange { limit: chain.limit }.cause(),
                        },
                    });
                    return;
                }
                for child in p.expr.children() {
                    self.failures(child, ctx, out);
                }
                self.partial_failures(p, ctx, out);
            }
            other => {
                for child in other.children() {
                    self.failures(child, ctx, out);
                }
            }
        }
    }

    /// The failures of `e` where the statements `ctx` and `also` hold.
    fn failures_within(&mut self, e: &Expr, ctx: &[String], also: Vec<String>, out: &mut Vec<FailureRule>) {
        let mut inner = ctx.to_vec();
        inner.extend(also);
        self.failures(e, &inner, out);
    }

    /// The failure rules of one operation that can fail.
    fn partial_failures(&mut self, p: &Partial, ctx: &[String], out: &mut Vec<FailureRule>) {
        for failure in &p.failures {
            let tests: Vec<Vec<String>> = match (failure, &p.expr) {
                (Failure::DivisionByZero, Expr::Binary { rhs, .. }) => {
                    let r = self.term(rhs).text;
                    vec![self.comparison(r, BinOp::Eq, "0".to_string())]
                }
                (Failure::EmptyList, Expr::Builtin { args, .. }) => {
                    let list = args.first().map(|a| self.term(a).text).unwrap_or_default();
                    vec![vec![format!("count({list}) == 0")]]
                }
                (Failure::IndexOutOfRange, Expr::Index { target, index }) => {
                    let (list, i) = (self.term(target).text, self.term(index).text);
                    let mut tests = Vec::new();
                    if !matches!(index.as_ref(), Expr::Int(n) if *n >= 0) {
                        tests.push(self.comparison(i.clone(), BinOp::Lt, "0".to_string()));
                    }
                    tests.push(self.comparison(i, BinOp::Ge, format!("count({list})")));
                    tests
                }
                (Failure::OutOfRange { .. }, _) => vec![self.out_of_range_test(p)],
                (Failure::NotAUrl, Expr::Builtin { args, .. }) => {
                    let text = args.first().map(|a| self.term(a).text).unwrap_or_default();
                    let var = self.fresh("v");
                    vec![vec![
                        format!("{var} := {text}"),
                        format!("{}({var}) == false", self.runtime(runtime::IS_URL)),
                    ]]
                }
                (Failure::InvalidPattern, Expr::Builtin { args, .. }) => {
                    let pattern = args.get(1).map(|a| self.term(a).text).unwrap_or_default();
                    let var = self.fresh("v");
                    vec![vec![
                        format!("{var} := {pattern}"),
                        format!("not {}({var})", self.runtime(runtime::PORTABLE_PATTERN)),
                    ]]
                }
                (Failure::NotAQuantity, Expr::Builtin { args, .. }) => {
                    let text = args.first().map(|a| self.term(a).text).unwrap_or_default();
                    let var = self.fresh("v");
                    vec![vec![
                        format!("{var} := {text}"),
                        format!("not {}({var})", self.runtime(runtime::IS_QUANTITY)),
                    ]]
                }
                _ => Vec::new(),
            };
            for test in tests {
                out.push(FailureRule {
                    context: ctx.to_vec(),
                    test,
                    what: FailedWhat::Here {
                        text: p.text.clone(),
                        cause: failure.cause(),
                    },
                });
            }
        }
    }
}

impl Emitter<'_> {
    /// Statements that hold when the arithmetic `p` fails otherwise than by a zero divisor (which
    /// is reported as such): its operands are bound first (an operand that fails is reported on
    /// its own, not as this operation out of range), then the runtime function computing it is
    /// undefined.
    fn out_of_range_test(&mut self, p: &Partial) -> Vec<String> {
        let Some((function, operands)) = self.checked_operation(p) else {
            return Vec::new();
        };
        let mut test = Vec::new();
        let mut args = Vec::new();
        for operand in &operands {
            let t = self.term_of(operand).text;
            // Only a number is surely defined: a `let` whose computation failed is not, and OPA and
            // regorus differ on `not f(x)` when `x` is undefined (true for regorus, not for OPA).
            if is_number_literal(&t) {
                args.push(t);
            } else {
                let var = self.fresh("v");
                test.push(format!("{var} := {t}"));
                args.push(var);
            }
        }
        if p.failures.contains(&Failure::DivisionByZero) {
            if let Some(divisor) = args.get(1) {
                test.push(format!("{divisor} != 0"));
            }
        }
        test.push(format!("not {}({})", self.runtime(function), args.join(", ")));
        test
    }
}

/// A chain of at least [`LONG_CHAIN`] additions, subtractions and multiplications, each the left
/// operand of the next (`a + b - c * d ...`, as the parser nests them), that can only fail by going
/// out of range.
struct Chain<'e> {
    /// The first operand (with no function), then each link's function and right operand.
    operands: Vec<(Option<&'static str>, &'e Expr)>,
    /// The range of the results.
    limit: f64,
}

/// From this many links on, a chain's failure is reported once, for the whole chain: a rule per
/// link would repeat the chain before it, and the output would grow with the square of its length.
const LONG_CHAIN: usize = 8;

fn long_chain(p: &Partial) -> Option<Chain<'_>> {
    fn link(p: &Partial) -> Option<(&'static str, &Expr, &Expr, f64)> {
        let [Failure::OutOfRange { limit }] = p.failures.as_slice() else {
            return None;
        };
        let Expr::Binary { op, lhs, rhs, .. } = &p.expr else {
            return None;
        };
        let function = match op {
            BinOp::Add => runtime::ADD,
            BinOp::Sub => runtime::SUBTRACT,
            BinOp::Mul => runtime::MULTIPLY,
            _ => return None,
        };
        Some((function, lhs, rhs, *limit))
    }
    let (function, mut lhs, rhs, limit) = link(p)?;
    let mut links = vec![(Some(function), rhs)];
    while let Expr::Partial(q) = lhs {
        match link(q) {
            Some((function, l, r, same)) if same == limit => {
                links.push((Some(function), r));
                lhs = l;
            }
            _ => break,
        }
    }
    if links.len() < LONG_CHAIN {
        return None;
    }
    links.push((None, lhs));
    links.reverse();
    Some(Chain { operands: links, limit })
}

impl Emitter<'_> {
    /// Statements that hold when some link of `chain` goes out of range: its operands bound (one
    /// that fails is reported on its own), then the chain, link by link, without a value.
    fn chain_test(&mut self, chain: &Chain<'_>) -> Vec<String> {
        let mut test = Vec::new();
        let mut value = String::new();
        let limit = limit_literal(chain.limit);
        for (function, operand) in &chain.operands {
            let t = self.term(operand).text;
            let arg = if is_number_literal(&t) {
                t
            } else {
                let var = self.fresh("v");
                test.push(format!("{var} := {t}"));
                var
            };
            value = match function {
                None => arg,
                Some(f) => format!("{}({value}, {arg}, {limit})", self.runtime(f)),
            };
        }
        // Not `not {value}`: OPA evaluates a call nested in another's arguments before the
        // negation, so an undefined inner link would make the test fail instead of hold.
        let var = self.fresh("v");
        test.push(format!("count([{var} | {var} := {value}]) == 0"));
        test
    }
}

/// Whether a term is a number literal (surely defined).
fn is_number_literal(t: &str) -> bool {
    t.starts_with(|c: char| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'))
}

/// An argument of a runtime function: an expression, or a literal the emitter writes.
enum Operand<'e> {
    Expr(&'e Expr),
    Literal(String),
}

impl Emitter<'_> {
    fn term_of(&mut self, operand: &Operand<'_>) -> Term {
        match operand {
            Operand::Expr(e) => self.term(e),
            Operand::Literal(text) => Term::value(text.clone()),
        }
    }
}

/// A range limit as a Rego number.
fn limit_literal(limit: f64) -> String {
    if limit == INT_LIMIT || limit == TIME_LIMIT {
        // Exact integers: an instant compared with them must not be rounded.
        format!("{}", limit as i64)
    } else {
        number_literal(limit).replace("e+", "e")
    }
}

/// The companion of a function that can fail: given the same arguments, the set of
/// `[expression, cause]` pairs it fails with (`_ratio_failures`).
pub fn failures_fn(name: &str) -> String {
    format!("_{}_failures", names::user_ident(name))
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
    // `_ = x[k]` cannot be negated: OPA rejects the wildcard in `not` as unsafe.
    !s.contains('\n')
        && !s.starts_with("_ = ")
        && !s.starts_with("some ")
        && !s.starts_with("every ")
        && !s.starts_with("not ")
        && !s.contains(":=")
}

/// Whether `text` has `name` as a whole identifier (not inside a longer one).
fn refers_to(text: &str, name: &str) -> bool {
    let ident = |c: char| c == '_' || c.is_ascii_alphanumeric();
    text.match_indices(name)
        .any(|(at, _)| !text[..at].ends_with(ident) && !text[at + name.len()..].starts_with(ident))
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

/// What `some` or `every` binds: `v`, or `k, v` (a map's key or a list's index and the value);
/// a variable not in `reads` is `_`, as OPA refuses a declared variable nothing reads.
pub fn bound_vars(key: Option<&Var>, var: &Var, reads: &BTreeSet<Var>) -> String {
    let name = |v: &Var| {
        if reads.contains(v) {
            names::var(v)
        } else {
            "_".to_string()
        }
    };
    match key {
        Some(k) => format!("{}, {}", name(k), name(var)),
        None => name(var),
    }
}

/// The local variables an expression reads that it does not bind itself.
pub fn free_vars(e: &Expr) -> BTreeSet<Var> {
    let mut out = BTreeSet::new();
    collect_free(e, &mut Vec::new(), &mut out);
    out
}

fn collect_free(e: &Expr, bound: &mut Vec<Var>, out: &mut BTreeSet<Var>) {
    match e {
        Expr::Local(v) => {
            if !bound.contains(v) {
                out.insert(v.clone());
            }
        }
        other => match other.iteration() {
            Some(it) => {
                collect_free(it.collection, bound, out);
                let depth = bound.len();
                bound.extend(it.key.cloned());
                bound.push(it.var.clone());
                for x in it.scoped {
                    collect_free(x, bound, out);
                }
                bound.truncate(depth);
            }
            None => {
                for child in other.children() {
                    collect_free(child, bound, out);
                }
            }
        },
    }
}

/// The operands of a chain of string additions, left to right (the chain nests to the left).
fn string_sum_parts(e: &Expr) -> Vec<&Expr> {
    let mut rights = Vec::new();
    let mut at = e;
    while let Expr::Binary {
        op: BinOp::Add,
        operands: Operands::String,
        lhs,
        rhs,
    } = at
    {
        rights.push(rhs.as_ref());
        at = lhs;
    }
    rights.push(at);
    rights.reverse();
    rights
}

/// The conjuncts of `e`: `a and (b and c)` and `(a and b) and c` give `a`, `b`, `c`.
pub fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::And(a, b) => {
            let mut out = conjuncts(a);
            out.extend(conjuncts(b));
            out
        }
        other => vec![other],
    }
}

/// The disjuncts of `e`: `a or (b or c)` and `(a or b) or c` give `a`, `b`, `c`.
pub fn disjuncts(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::Or(a, b) => {
            let mut out = disjuncts(a);
            out.extend(disjuncts(b));
            out
        }
        other => vec![other],
    }
}
