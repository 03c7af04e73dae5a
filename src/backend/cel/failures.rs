//! Evaluation failures in CEL, as the bundle reports them (LANGUAGE-REFERENCE, "Evaluation
//! failures"): where an operation that can fail is evaluated and fails (`a % b` with `b` zero,
//! `max` of an empty list, an index outside its list, `quantity` of a text that is not a
//! Kubernetes quantity), the document is denied with ``cannot evaluate `a % b` (policy p):
//! division by zero`` and no clause runs. Each way to fail is a CEL condition that holds exactly
//! there, in the context where the operation is evaluated: the right side of `and` where the left
//! holds, of `or` where it does not, a quantifier's body for each element, a clause's conditions in
//! order and its message where they all hold. A condition never fails to evaluate itself: the
//! context of a failure excludes the failures of what it reads (but for the left side of `or`,
//! which the bundle negates: there CEL's `||` absorbs the error where a failure already holds).

use super::expr::{string_literal, untranslatable, Translator, Untranslatable};
use crate::ir::{BinOp, Builtin, Condition, Expr, Failure, MsgPart, Partial, Var};

/// One way to fail: the CEL condition that holds where it does, and the cause as the message says.
pub struct FailureTest {
    pub test: String,
    /// What fails, as the message names it: ``` `a % b` ```, or ``` `a % b` in function m.f ```
    /// for an operation in the body of a called function (the innermost one, as the bundle's
    /// function companions report it).
    pub what: String,
    /// Whether `what` already names the function the operation is in.
    pub in_function: bool,
    pub cause: &'static str,
}

/// The deny message of a failure of the policy `dotted`.
pub fn message(f: &FailureTest, dotted: &str) -> String {
    string_literal(&format!("cannot evaluate {} (policy {dotted}): {}", f.what, f.cause))
}

/// Whether a pattern computed at run time is one every engine reads alike, as the bundle's
/// `portable_pattern` decides it (`backend::rego::runtime`): escapes only before punctuation
/// ([`PORTABLE_ESCAPE`](crate::backend::rego::PORTABLE_ESCAPE)), no
/// flags but `i m s U`, no nested class or class operation, braces only as counts up to 999.
/// Kubernetes' `findAll` splits the pattern as the bundle's two `regex.replace` passes read it
/// (an escape, a group opener or a count, else one character); the opener and count tokens and
/// the escapes then stand for `_` in the text the bundle checks. Whether the pattern is valid
/// RE2 at all, CEL cannot tell without failing: an invalid one that passes this test makes
/// `matches` fail, which the binding's `failurePolicy: Fail` turns into a refusal (with the
/// API server's message, not the bundle's).
fn portable_pattern(pattern: &str) -> String {
    const GROUP: &str = r"\(\?(?::|P<|[imsU]*(?:-[imsU]*)?[:)])";
    const COUNT: &str = r"\{[0-9]{1,3}(?:,[0-9]{0,3})?\}";
    let tokens = format!(
        "{pattern}.findAll({})",
        string_literal(&format!(r"(?s)\\.|{GROUP}|{COUNT}|."))
    );
    let backslash = string_literal("\\");
    let escape = string_literal(crate::backend::rego::PORTABLE_ESCAPE);
    let opener_or_count = string_literal(&format!("^(?:{GROUP}|{COUNT})$"));
    let forbidden = string_literal(r"\(\?|[{}]|\[[^\]]*\[[^:]|&&|--|~~");
    format!(
        "{tokens}.all(t, !t.startsWith({backslash}) || t.matches({escape})) && \
         !{tokens}.map(t, t.startsWith({backslash}) || t.matches({opener_or_count}) ? \"_\" : t).join(\"\").matches({forbidden})"
    )
}

/// `cond`, where the failures `before` (of what `cond` reads) do not hold.
fn unless(before: &[FailureTest], cond: &str) -> String {
    if before.is_empty() {
        cond.to_string()
    } else {
        let any: Vec<&str> = before.iter().map(|f| f.test.as_str()).collect();
        match cond {
            "true" => format!("!({})", any.join(" || ")),
            _ => format!("!({}) && {cond}", any.join(" || ")),
        }
    }
}

/// The failures `inner`, each where the failures `before` do not hold (a `let` read by them fails).
pub fn after(before: &[FailureTest], inner: Vec<FailureTest>) -> Vec<FailureTest> {
    within(before, "true", inner)
}

/// The failures `inner`, each where `cond` holds (and `before`, the failures of `cond`, do not).
fn within(before: &[FailureTest], cond: &str, inner: Vec<FailureTest>) -> Vec<FailureTest> {
    let guard = unless(before, cond);
    if guard == "true" {
        return inner;
    }
    inner
        .into_iter()
        .map(|f| FailureTest {
            test: format!("{guard} && ({})", f.test),
            ..f
        })
        .collect()
}

impl Translator<'_> {
    /// Every way evaluating `e` can fail, as conditions in the current scope.
    pub fn failures(&mut self, e: &Expr) -> Result<Vec<FailureTest>, Untranslatable> {
        if !e.can_fail() {
            return Ok(Vec::new());
        }
        Ok(match e {
            Expr::Rounded(_) => return Err(super::expr::float_arithmetic()),
            Expr::And(a, b) | Expr::Or(a, b) => {
                let mut out = self.failures(a)?;
                let inner = self.failures(b)?;
                if !inner.is_empty() {
                    let cond = self.expr(a)?;
                    let guarded = match e {
                        // The right side of `and` where the left holds (and so does not fail).
                        Expr::And(..) => within(&out, &format!("({cond})"), inner),
                        // The right side of `or` where the left does not hold, as the bundle's
                        // negation: also where it fails (CEL's `||` absorbs the error there).
                        _ => {
                            let mut guard: Vec<String> = out.iter().map(|f| f.test.clone()).collect();
                            guard.push(format!("!({cond})"));
                            within(&[], &format!("({})", guard.join(" || ")), inner)
                        }
                    };
                    out.extend(guarded);
                }
                out
            }
            Expr::Quantified {
                key,
                var,
                collection,
                body,
                ..
            } => self.per_element(key.as_ref(), var, collection, |t| t.failures(body))?,
            // The failures of the arguments, then those of the function's body for them (where
            // the arguments do not fail), each named in the innermost function it is in.
            Expr::Call {
                module,
                name,
                args,
                can_fail: true,
            } => {
                let mut out = Vec::new();
                for a in args {
                    out.extend(self.failures(a)?);
                }
                let location = format!("function {}.{name}", module.join("."));
                let inner = self
                    .inlined(module, name, args, |t, body| t.failures(body))?
                    .into_iter()
                    .map(|f| match f.in_function {
                        true => f,
                        false => FailureTest {
                            what: format!("{} in {location}", f.what),
                            in_function: true,
                            ..f
                        },
                    })
                    .collect();
                let inner = after(&out, inner);
                out.extend(inner);
                out
            }
            Expr::Partial(p) => {
                let mut out = Vec::new();
                for child in p.expr.children() {
                    out.extend(self.failures(child)?);
                }
                for failure in &p.failures {
                    let test = self.failure_test(p, *failure)?;
                    out.push(FailureTest {
                        test: unless(&out, &format!("({test})")),
                        what: format!("`{}`", p.text),
                        in_function: false,
                        cause: failure.cause(),
                    });
                }
                out
            }
            other => {
                let mut out = Vec::new();
                for child in other.children() {
                    out.extend(self.failures(child)?);
                }
                out
            }
        })
    }

    /// The failures of `collection`, then those `inner` finds for each of its elements (bound to
    /// `key` and `var`), each as "some element fails so" where the collection itself does not fail.
    fn per_element(
        &mut self,
        key: Option<&Var>,
        var: &Var,
        collection: &Expr,
        inner: impl FnOnce(&mut Self) -> Result<Vec<FailureTest>, Untranslatable>,
    ) -> Result<Vec<FailureTest>, Untranslatable> {
        let mut out = self.failures(collection)?;
        let guard = unless(&out, "true");
        let each = self.iterate(key, var, collection, |t, coll, it| {
            Ok(inner(t)?
                .into_iter()
                .map(|f| FailureTest {
                    test: format!("{coll}.exists({it}, {})", f.test),
                    ..f
                })
                .collect::<Vec<_>>())
        })?;
        out.extend(within(&[], &guard, each));
        Ok(out)
    }

    /// The CEL that holds where the operation of `p` fails with `failure` (its operands evaluated).
    fn failure_test(&mut self, p: &Partial, failure: Failure) -> Result<String, Untranslatable> {
        let unsupported = || {
            untranslatable(
                format!("`{}`", p.text),
                format!(
                    "it can fail at run time ({}), which the bundle reports as a denial; this failure is not translated to CEL yet",
                    failure.cause()
                ),
            )
        };
        match (failure, &p.expr) {
            (
                Failure::DivisionByZero,
                Expr::Binary {
                    op: BinOp::Div | BinOp::Mod,
                    rhs,
                    ..
                },
            ) => Ok(format!("{} == 0", self.operand(rhs)?)),
            // Int arithmetic beyond the range, as the bundle's `add`, `subtract`, `multiply`,
            // `remainder` and `negate`: an operand beyond it, or the result. The result is never
            // computed where it would overflow CEL's 64 bits: each test holds its operands in range.
            (Failure::OutOfRange { limit }, Expr::Binary { op, lhs, rhs, .. }) if limit == crate::ir::INT_LIMIT => {
                let (a, b) = (self.operand(lhs)?, self.operand(rhs)?);
                let l = format!("{}", crate::ir::INT_LIMIT as i64);
                let operands = format!("{a} > {l} || {a} < -{l} || {b} > {l} || {b} < -{l}");
                let abs = |x: &str| format!("({x} < 0 ? -{x} : {x})");
                Ok(match op {
                    BinOp::Add => format!("{operands} || ({a} >= 0 ? {b} > {l} - {a} : {b} < -{l} - {a})"),
                    BinOp::Sub => format!("{operands} || ({a} >= 0 ? {b} < {a} - {l} : {b} > {a} + {l})"),
                    BinOp::Mul => format!("{operands} || {a} != 0 && {} > {l} / {}", abs(&b), abs(&a)),
                    // A zero divisor is reported as such.
                    BinOp::Mod => format!("{b} != 0 && ({operands})"),
                    _ => return Err(unsupported()),
                })
            }
            (Failure::OutOfRange { limit }, Expr::Neg(x)) if limit == crate::ir::INT_LIMIT => {
                let x = self.operand(x)?;
                let l = format!("{}", crate::ir::INT_LIMIT as i64);
                Ok(format!("{x} > {l} || {x} < -{l}"))
            }
            (Failure::EmptyList, Expr::Builtin { args, .. }) => {
                let list = args.first().ok_or_else(unsupported)?;
                Ok(format!("size({}) == 0", self.expr(list)?))
            }
            (Failure::IndexOutOfRange, Expr::Index { target, index }) => {
                let (list, i) = (self.operand(target)?, self.operand(index)?);
                Ok(format!("{i} < 0 || {i} >= size({list})"))
            }
            (
                Failure::NotAQuantity,
                Expr::Builtin {
                    builtin: Builtin::Quantity,
                    args,
                    ..
                },
            ) => {
                // govc's own syntax (as the bundle's `is_quantity`), which Kubernetes' accepts.
                let text = args.first().ok_or_else(unsupported)?;
                Ok(format!(
                    "!{}.matches({})",
                    self.operand(text)?,
                    string_literal(crate::kube_quantity::PATTERN)
                ))
            }
            (
                Failure::InvalidPattern,
                Expr::Builtin {
                    builtin: Builtin::Matches,
                    args,
                    ..
                },
            ) => {
                let pattern = args.get(1).ok_or_else(unsupported)?;
                Ok(format!("!({})", portable_pattern(&self.operand(pattern)?)))
            }
            _ => Err(unsupported()),
        }
    }

    /// Every way a clause's conditions and message can fail, each in its context.
    pub fn clause_failures(
        &mut self,
        conds: &[Condition],
        message: &[MsgPart],
    ) -> Result<Vec<FailureTest>, Untranslatable> {
        let Some((first, rest)) = conds.split_first() else {
            let mut out = Vec::new();
            for part in message {
                if let MsgPart::Value(e) | MsgPart::Number(e) = part {
                    out.extend(self.failures(e)?);
                }
            }
            return Ok(out);
        };
        match first {
            Condition::Expr(e) => {
                let mut out = self.failures(e)?;
                let after = self.clause_failures(rest, message)?;
                if !after.is_empty() {
                    let cond = format!("({})", self.expr(e)?);
                    let guarded = within(&out, &cond, after);
                    out.extend(guarded);
                }
                Ok(out)
            }
            Condition::Some { key, var, collection } => {
                self.per_element(key.as_ref(), var, collection, |t| t.clause_failures(rest, message))
            }
            // The failures of the value, then those of the rest where it does not fail.
            Condition::Let { var, value } => {
                let mut out = self.failures(value)?;
                let (text, schema) = (self.operand(value)?, self.schema(value));
                let later = self.with_local(var, text, schema, false, |t| t.clause_failures(rest, message))?;
                let later = after(&out, later);
                out.extend(later);
                Ok(out)
            }
        }
    }
}
