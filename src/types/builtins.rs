//! Signatures of the built-in functions (LANGUAGE.md §5).

use super::env::Env;
use super::Checker;
use crate::checked::{Builtin, TExpr, TExprKind, Ty};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;
use crate::syntax::ast::{Expr, ExprKind, StrPart};

impl Checker<'_> {
    pub(crate) fn builtin(&mut self, env: &mut Env, b: Builtin, args: &[Expr], span: Span) -> TExpr {
        let want = match b {
            Builtin::Count
            | Builtin::Sum
            | Builtin::Min
            | Builtin::Max
            | Builtin::Lower
            | Builtin::Upper
            | Builtin::DaysSince => 1,
            Builtin::Get => 3,
            _ => 2,
        };
        if args.len() != want {
            self.arity_error(b.name(), want, args, span);
            for a in args {
                self.expr(env, a, None);
            }
            return TExpr {
                kind: TExprKind::Error,
                ty: Ty::Unknown,
                span,
            };
        }
        let name = b.name();
        let (targs, ty) = match b {
            Builtin::Count => {
                let t = self.expr(env, &args[0], None);
                if !matches!(t.ty, Ty::List(_) | Ty::Map(_) | Ty::String | Ty::Unknown) {
                    self.bad_argument(b, &args[0], &t.ty, "a list, a map or a string");
                }
                (vec![t], Ty::Int)
            }
            Builtin::Sum | Builtin::Min | Builtin::Max => {
                let t = self.expr(env, &args[0], None);
                let ty = match &t.ty {
                    Ty::List(e) if matches!(**e, Ty::Int) => Ty::Int,
                    Ty::List(e) if matches!(**e, Ty::Float | Ty::Unknown) => Ty::Float,
                    Ty::Unknown => Ty::Unknown,
                    other => {
                        let other = other.clone();
                        self.bad_argument(b, &args[0], &other, "a list of numbers");
                        Ty::Unknown
                    }
                };
                (vec![t], ty)
            }
            Builtin::Lower | Builtin::Upper => {
                let t = self.expect_type(
                    env,
                    &args[0],
                    &Ty::String,
                    Code::WrongArgument,
                    &format!("the argument of `{name}`"),
                );
                (vec![t], Ty::String)
            }
            Builtin::DaysSince => {
                let t = self.expect_type(
                    env,
                    &args[0],
                    &Ty::Timestamp,
                    Code::WrongArgument,
                    "the argument of `days_since`",
                );
                (vec![t], Ty::Int)
            }
            Builtin::StartsWith | Builtin::EndsWith | Builtin::Contains | Builtin::Matches => {
                let a = self.expect_type(
                    env,
                    &args[0],
                    &Ty::String,
                    Code::WrongArgument,
                    &format!("argument 1 of `{name}`"),
                );
                let c = self.expect_type(
                    env,
                    &args[1],
                    &Ty::String,
                    Code::WrongArgument,
                    &format!("argument 2 of `{name}`"),
                );
                if b == Builtin::Matches {
                    self.check_literal_pattern(&args[1]);
                }
                (vec![a, c], Ty::Bool)
            }
            Builtin::Get => {
                let collection = self.expr(env, &args[0], None);
                let (key, value) = match &collection.ty {
                    Ty::Map(v) => (Ty::String, (**v).clone()),
                    Ty::List(v) => (Ty::Int, (**v).clone()),
                    Ty::Unknown => (Ty::Unknown, Ty::Unknown),
                    other => {
                        let other = other.clone();
                        self.bad_argument(b, &args[0], &other, "a map or a list");
                        (Ty::Unknown, Ty::Unknown)
                    }
                };
                let k = self.expect_type(env, &args[1], &key, Code::WrongArgument, "argument 2 of `get`");
                let d = self.expect_type(env, &args[2], &value, Code::WrongArgument, "the default of `get`");
                (vec![collection, k, d], value)
            }
        };
        TExpr {
            kind: TExprKind::Builtin {
                builtin: b,
                args: targs,
            },
            ty,
            span,
        }
    }

    fn bad_argument(&mut self, b: Builtin, arg: &Expr, got: &Ty, want: &str) {
        let got = self.display(got);
        self.error(
            Diagnostic::error(
                Code::WrongArgument,
                arg.span,
                format!("`{}` needs {want}, found `{got}`", b.name()),
            )
            .with_label(format!("this is `{got}`"))
            .with_note(format!("signature: {}", b.signature())),
        );
    }

    /// A regular expression written as a literal is checked at compile time.
    fn check_literal_pattern(&mut self, arg: &Expr) {
        if let ExprKind::String(s) = &arg.kind {
            if let [StrPart::Text(pattern)] = s.parts.as_slice() {
                if let Some(d) = pattern_error(pattern, arg.span) {
                    self.error(d);
                }
            }
        }
    }
}

/// A diagnostic if `pattern` is not a valid regular expression (RE2 syntax, as OPA uses).
pub(crate) fn pattern_error(pattern: &str, span: Span) -> Option<Diagnostic> {
    let last = pattern_problem(pattern)?;
    Some(
        Diagnostic::error(
            Code::InvalidPattern,
            span,
            format!("invalid regular expression `{pattern}`"),
        )
        .with_label(last)
        .with_help("patterns use RE2 syntax, as OPA does; in a string, write a backslash as `\\\\`"),
    )
}

/// What is wrong with `pattern`, if anything. Compiling a regex costs far more than checking
/// the rest of a declaration and projects repeat their patterns, so each is compiled once per
/// process.
fn pattern_problem(pattern: &str) -> Option<String> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CHECKED: OnceLock<Mutex<HashMap<String, Option<String>>>> = OnceLock::new();
    let cache = CHECKED.get_or_init(Default::default);
    if let Some(known) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(pattern) {
        return known.clone();
    }
    let problem = regex::Regex::new(pattern).err().map(|err| {
        let detail = err.to_string();
        let last = detail
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("invalid pattern")
            .trim();
        last.trim_start_matches("error: ").to_string()
    });
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(pattern.to_string(), problem.clone());
    problem
}
