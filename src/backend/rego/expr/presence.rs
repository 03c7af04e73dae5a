//! `has p` where the conjunct after it already needs `p`. `has p` is `p != null`: on a conforming
//! document (the only one clauses, lets and functions run on) the reference `p` is undefined or
//! `null` exactly where the field is absent. A next conjunct that cannot hold there, and raises
//! no error there either, makes the test redundant, and it costs an expression on every decision:
//! - `has p and p` (a boolean) is one statement, `p == true`;
//! - `has p and p == "UPDATE"`, `p in ["a", "b"]`, `"a" in p`, `p.q`, `f(p.q)`, `v := p.q`,
//!   `some x in p.q` hold nowhere `p` is absent: the test is left out.
//!
//! Kept where the next conjunct can hold on `null` (`p != 1`, `p < 3`: Rego orders `null` before
//! everything, `not ...`, `all x in p: ...`) or would raise an error on it (`startswith(p, "a")`,
//! `p + 1`, a function given `p`, which may read it as a value; `some x in p`, on regorus), and
//! before anything but the very next conjunct.

use super::{is_comparison, Emitter};
use crate::backend::rego::syntax::starts_statement_safely;
use crate::ir::{BinOp, Builtin, Expr, Operands, Quantifier};

/// A conjunct of a rule's body, as the `has` before it sees it.
pub enum Conjunct<'e> {
    /// A condition that must hold.
    Holds(&'e Expr),
    /// `some ... in collection`: an iteration over the collection.
    Iterates(&'e Expr),
    /// A local bound to the value (`v := value`).
    Binds(&'e Expr),
}

/// How a `has p` is written before the conjunct that follows it.
enum HasForm {
    /// `p != null`, as anywhere else.
    Test,
    /// Not at all: the next conjunct fails wherever `p` is absent.
    Implied,
    /// `p == true`, in place of the test and the next conjunct (`p` itself).
    IsTrue,
}

impl Emitter<'_> {
    /// The statements of a conjunction, each conjunct lowered by `lower` (given its position),
    /// but for a `has` that the next conjunct makes redundant (see the module documentation).
    pub fn conjunction(
        &mut self,
        items: &[Conjunct<'_>],
        mut lower: impl FnMut(&mut Self, usize) -> Vec<String>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < items.len() {
            if let Conjunct::Holds(Expr::Has(path)) = &items[i] {
                match self.has_form(path, items.get(i + 1)) {
                    HasForm::Test => {}
                    HasForm::Implied => {
                        i += 1;
                        continue;
                    }
                    HasForm::IsTrue => {
                        let t = self.term(path).text;
                        out.push(match starts_statement_safely(&t) {
                            true => format!("{t} == true"),
                            false => format!("true == {t}"),
                        });
                        i += 2;
                        continue;
                    }
                }
            }
            out.extend(lower(self, i));
            i += 1;
        }
        out
    }

    fn has_form(&self, path: &Expr, next: Option<&Conjunct<'_>>) -> HasForm {
        // Only a field: the subject and the request are never absent, and the subject's term is
        // not the object its fields are read from where the subject is a view.
        if !matches!(path, Expr::Field { .. }) {
            return HasForm::Test;
        }
        match next {
            Some(Conjunct::Holds(e)) if same_path(e, path) => HasForm::IsTrue,
            Some(Conjunct::Holds(e)) if self.fails_where_absent(e, path) => HasForm::Implied,
            Some(Conjunct::Iterates(c)) if self.undefined_where_absent(c, path) => HasForm::Implied,
            Some(Conjunct::Binds(v)) if self.undefined_where_absent(v, path) => HasForm::Implied,
            _ => HasForm::Test,
        }
    }

    /// Whether the statements of the condition `e` fail, without an error, wherever `p` is
    /// undefined or `null`.
    fn fails_where_absent(&self, e: &Expr, p: &Expr) -> bool {
        match e {
            Expr::Partial(x) => self.fails_where_absent(&x.expr, p),
            Expr::Binary { op, operands, lhs, rhs } if is_comparison(*op) => {
                // `null == "a"` is false; `null != "a"` and `null < 1` hold. A timestamp is parsed
                // first, which is an error on `null`.
                let null_fails = |a: &Expr, b: &Expr| {
                    *op == BinOp::Eq && *operands != Operands::Timestamp && same_path(a, p) && is_non_null_literal(b)
                };
                null_fails(lhs, rhs)
                    || null_fails(rhs, lhs)
                    || self.undefined_where_absent(lhs, p)
                    || self.undefined_where_absent(rhs, p)
            }
            Expr::In {
                operands,
                element,
                collection,
            } => {
                // Membership in `null` is false (`object.keys`, for a map, would be an error).
                let in_literals =
                    matches!(collection.as_ref(), Expr::List(items) if items.iter().all(is_non_null_literal));
                (same_path(element, p) && in_literals)
                    || (same_path(collection, p) && *operands != Operands::Map)
                    || self.undefined_where_absent(element, p)
                    || self.undefined_where_absent(collection, p)
            }
            // Over an undefined collection, `some` finds nothing (`every` would hold). Not over
            // `null`: regorus stops with an error there.
            Expr::Quantified {
                quantifier: Quantifier::Any,
                collection,
                ..
            } => self.undefined_where_absent(collection, p),
            // A boolean value, written as a statement (see `Emitter::cond`).
            Expr::Field { .. } | Expr::Index { .. } | Expr::Call { .. } | Expr::Builtin { .. } => {
                self.undefined_where_absent(e, p)
            }
            _ => false,
        }
    }

    /// Whether the term of `x` is undefined, without an error, wherever `p` is undefined or
    /// `null`: it reads a field of `p` (a field of `null` is undefined), or has such a term as
    /// an operand of an operation that is undefined on an undefined operand.
    fn undefined_where_absent(&self, x: &Expr, p: &Expr) -> bool {
        let operand = |a: &Expr| self.undefined_where_absent(a, p);
        match x {
            // A field the subject view holds (`pod.spec`) is not read from its parent's term.
            Expr::Field { target, .. } => {
                self.view_term(x).is_none() && (same_path(target, p) || self.undefined_where_absent(target, p))
            }
            Expr::Index { target, index } => operand(target) || operand(index),
            Expr::Partial(q) => operand(&q.expr),
            Expr::Binary { op, lhs, rhs, .. } if !is_comparison(*op) => operand(lhs) || operand(rhs),
            // `fields` is a comprehension, which is empty (not undefined) on an undefined map.
            Expr::Builtin { builtin, args, .. } if *builtin != Builtin::Fields => args.iter().any(operand),
            Expr::Call { args, .. } => args.iter().any(operand),
            Expr::Neg(a) | Expr::Rounded(a) | Expr::Instant(a) | Expr::TimeText(a) => operand(a),
            _ => false,
        }
    }
}

/// Whether two expressions are the same path: a chain of fields from the same root.
fn same_path(a: &Expr, b: &Expr) -> bool {
    match (a, b) {
        (Expr::Field { target: t, name: n }, Expr::Field { target: u, name: m }) => n == m && same_path(t, u),
        (Expr::Subject, Expr::Subject) | (Expr::Request, Expr::Request) => true,
        (Expr::Param(x), Expr::Param(y)) => x == y,
        (Expr::Let(x), Expr::Let(y)) | (Expr::Local(x), Expr::Local(y)) => x == y,
        _ => false,
    }
}

fn is_non_null_literal(e: &Expr) -> bool {
    matches!(e, Expr::Int(_) | Expr::Float(_) | Expr::Bool(_) | Expr::String(_))
}
