//! Signatures of the built-in functions (LANGUAGE.md §5).

use super::env::Env;
use super::Checker;
use crate::checked::{Builtin, TExpr, TExprKind, Ty};
use crate::diagnostic::suggest::closest;
use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;
use crate::syntax::ast::{Expr, ExprKind, StrPart, StringLit};

impl Checker<'_> {
    pub(crate) fn builtin(&mut self, env: &mut Env, b: Builtin, args: &[Expr], span: Span) -> TExpr {
        let want = match b {
            Builtin::Count
            | Builtin::Sum
            | Builtin::Min
            | Builtin::Max
            | Builtin::Lower
            | Builtin::Upper
            | Builtin::DaysSince
            | Builtin::InDays
            | Builtin::InHours
            | Builtin::Trim
            | Builtin::Quantity
            | Builtin::IsQuantity
            | Builtin::Fields
            | Builtin::IsUrl
            | Builtin::UrlScheme
            | Builtin::UrlHost
            | Builtin::UrlPort
            | Builtin::UrlPath
            | Builtin::UrlQuery => 1,
            Builtin::Now => 0,
            Builtin::Get | Builtin::Replace => 3,
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
            Builtin::Lower
            | Builtin::Upper
            | Builtin::Trim
            | Builtin::TrimPrefix
            | Builtin::TrimSuffix
            | Builtin::Split
            | Builtin::Replace => {
                let targs = self.string_arguments(env, b, args);
                let ty = if b == Builtin::Split {
                    Ty::List(Box::new(Ty::String))
                } else {
                    Ty::String
                };
                (targs, ty)
            }
            Builtin::Join => {
                let parts = self.argument(env, b, args, 0, &Ty::List(Box::new(Ty::String)));
                let sep = self.argument(env, b, args, 1, &Ty::String);
                (vec![parts, sep], Ty::String)
            }
            Builtin::Union | Builtin::Intersection | Builtin::Difference | Builtin::Subset => {
                let a = self.expr(env, &args[0], None);
                let elem = match &a.ty {
                    Ty::List(e) if e.is_scalar() => Some((**e).clone()),
                    Ty::Unknown => None,
                    other => {
                        let other = other.clone();
                        self.bad_argument(
                            b,
                            &args[0],
                            &other,
                            "a list of strings, numbers, booleans, timestamps or enum values",
                        );
                        None
                    }
                };
                let list = Ty::List(Box::new(elem.clone().unwrap_or(Ty::Unknown)));
                let c = self.argument(env, b, args, 1, &list);
                // `union([], xs)`: the type is the one of the list that has one.
                let list = match (&elem, &c.ty) {
                    (None | Some(Ty::Unknown), Ty::List(_)) => c.ty.clone(),
                    _ => list,
                };
                let ty = if b == Builtin::Subset { Ty::Bool } else { list };
                (vec![a, c], ty)
            }
            Builtin::Quantity => {
                let t = self.argument(env, b, args, 0, &Ty::String);
                if let ExprKind::String(s) = &args[0].kind {
                    if let Some(text) = s.as_plain() {
                        if crate::kube_quantity::parse(&text).is_none() {
                            self.error(
                                Diagnostic::error(
                                    Code::InvalidQuantity,
                                    args[0].span,
                                    format!("`{text}` is not a Kubernetes quantity"),
                                )
                                .with_label("not a quantity")
                                .with_help(crate::kube_quantity::HELP),
                            );
                        }
                    }
                }
                (vec![t], Ty::Float)
            }
            Builtin::Fields => {
                let t = self.expr(env, &args[0], None);
                if !matches!(t.ty, Ty::Record(_) | Ty::Resource(_) | Ty::Unknown) {
                    self.bad_argument(b, &args[0], &t.ty, "a record (a `type` or a `resource`)");
                }
                (vec![t], Ty::List(Box::new(Ty::String)))
            }
            Builtin::IsQuantity
            | Builtin::IsUrl
            | Builtin::UrlScheme
            | Builtin::UrlHost
            | Builtin::UrlPort
            | Builtin::UrlPath
            | Builtin::UrlQuery => {
                let t = self.argument(env, b, args, 0, &Ty::String);
                let ty = if matches!(b, Builtin::IsUrl | Builtin::IsQuantity) {
                    Ty::Bool
                } else {
                    Ty::String
                };
                (vec![t], ty)
            }
            Builtin::DaysSince => {
                let t = self.argument(env, b, args, 0, &Ty::Timestamp);
                (vec![t], Ty::Int)
            }
            Builtin::StartsWith
            | Builtin::EndsWith
            | Builtin::Contains
            | Builtin::Matches
            | Builtin::Glob
            | Builtin::FindAll
            | Builtin::Captures => {
                let targs = self.string_arguments(env, b, args);
                if matches!(b, Builtin::Matches | Builtin::FindAll | Builtin::Captures) {
                    self.check_literal_pattern(b, &args[1]);
                }
                let ty = match b {
                    Builtin::FindAll | Builtin::Captures => Ty::List(Box::new(Ty::String)),
                    _ => Ty::Bool,
                };
                (targs, ty)
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
                let k = self.argument(env, b, args, 1, &key);
                let d = self.expect_type(env, &args[2], &value, Code::WrongArgument, "the default of `get`");
                (vec![collection, k, d], value)
            }
            Builtin::Now => (Vec::new(), Ty::Timestamp),
            Builtin::Hour | Builtin::Minute | Builtin::Weekday | Builtin::Date | Builtin::FormatTime => {
                let t = self.argument(env, b, args, 0, &Ty::Timestamp);
                let zone = self.expect_type(
                    env,
                    &args[1],
                    &Ty::String,
                    Code::WrongArgument,
                    &format!("the time zone of `{name}`"),
                );
                self.check_time_zone(name, &args[1]);
                let ty = match b {
                    Builtin::Date | Builtin::FormatTime => Ty::String,
                    _ => Ty::Int,
                };
                (vec![t, zone], ty)
            }
            Builtin::InDays | Builtin::InHours => {
                let d = self.argument(env, b, args, 0, &Ty::Duration);
                (vec![d], Ty::Int)
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

    /// Arguments that are all strings.
    fn string_arguments(&mut self, env: &mut Env, b: Builtin, args: &[Expr]) -> Vec<TExpr> {
        (0..args.len())
            .map(|i| self.argument(env, b, args, i, &Ty::String))
            .collect()
    }

    /// Argument `i` of `b`, checked to be a `want`; the message names it as a reader counts:
    /// `the argument of `lower``, `argument 2 of `join``.
    fn argument(&mut self, env: &mut Env, b: Builtin, args: &[Expr], i: usize, want: &Ty) -> TExpr {
        let what = match args.len() {
            1 => format!("the argument of `{}`", b.name()),
            _ => format!("argument {} of `{}`", i + 1, b.name()),
        };
        self.expect_type(env, &args[i], want, Code::WrongArgument, &what)
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

    /// The time zone of a time built-in is a constant IANA name (`"Europe/Paris"`), checked at
    /// compile time: OPA and regorus stop with an error on an unknown zone, which would silently
    /// disable the clause at run time.
    fn check_time_zone(&mut self, builtin: &str, arg: &Expr) {
        let ExprKind::String(s) = &arg.kind else {
            self.error(
                Diagnostic::error(
                    Code::InvalidTimeZone,
                    arg.span,
                    format!("the time zone of `{builtin}` must be a constant string"),
                )
                .with_label("not a string literal")
                .with_help("write the zone's IANA name, e.g. `\"Europe/Paris\"` or `\"UTC\"`"),
            );
            return;
        };
        let Some(zone) = s.as_plain() else {
            self.error(
                Diagnostic::error(Code::InvalidTimeZone, arg.span, "a time zone cannot interpolate")
                    .with_label("this zone interpolates")
                    .with_help("write the zone's IANA name, e.g. `\"Europe/Paris\"`"),
            );
            return;
        };
        if is_time_zone(&zone) {
            return;
        }
        let mut d = Diagnostic::error(Code::InvalidTimeZone, arg.span, format!("unknown time zone `{zone}`"))
            .with_label("not an IANA time zone name");
        let names = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name());
        d = match closest(&zone, names) {
            Some(s) => d.with_did_you_mean(s),
            None => {
                d.with_help("time zones are IANA names like `\"Europe/Paris\"`, `\"America/New_York\"` or `\"UTC\"`")
            }
        };
        self.error(d);
    }

    /// The pattern of `matches`, `find_all` and `captures` written as a string literal is checked
    /// at compile time. `matches` also takes a pattern computed at run time (a parameter, a field),
    /// checked where it is used, as an evaluation failure; `find_all` and `captures` take only a
    /// constant pattern.
    fn check_literal_pattern(&mut self, b: Builtin, arg: &Expr) {
        let ExprKind::String(s) = &arg.kind else {
            if b == Builtin::Matches {
                return;
            }
            self.error(
                Diagnostic::error(
                    Code::PatternNotConstant,
                    arg.span,
                    format!("the pattern of `{}` must be a constant string", b.name()),
                )
                .with_label("not a string literal")
                .with_help(
                    "these patterns are checked when the policy compiles; `matches` takes a pattern from a \
                     parameter, checked when it is used",
                ),
            );
            return;
        };
        if let Some(d) = literal_pattern(s).err() {
            self.error(d);
        }
    }
}

/// Whether `zone` is an IANA time zone name both engines know (`Local` and the empty name, which
/// mean the machine's own zone, are not: a decision must not depend on where it runs).
pub(crate) fn is_time_zone(zone: &str) -> bool {
    zone != "Local" && zone.parse::<chrono_tz::Tz>().is_ok()
}

/// The text of a pattern written as a string literal, or the diagnostic: an interpolation
/// (`"^[0-9]{4}$"` interpolates the number 4), or an invalid regular expression.
pub(crate) fn literal_pattern(s: &StringLit) -> Result<String, Diagnostic> {
    if let Some(text) = s.as_plain() {
        return match pattern_error(&text, s.span) {
            Some(d) => Err(d),
            None => Ok(text),
        };
    }
    let mut d = Diagnostic::error(
        Code::PatternNotConstant,
        s.span,
        "a regular expression cannot interpolate: `{...}` in a string is an interpolation",
    )
    .with_label("this pattern interpolates");
    let quantifier = s
        .parts
        .iter()
        .any(|p| matches!(p, StrPart::Interp(e) if matches!(e.kind, ExprKind::Number(_))));
    d = match raw_form(s) {
        Some(raw) if quantifier => d
            .with_note("`{4}` here is the number 4 interpolated, not a repetition count")
            .with_help(format!(
                "write the pattern as a raw string, which is never interpolated: `{raw}`"
            )),
        Some(raw) => d.with_help(format!(
            "write the pattern as a raw string, which is never interpolated: `{raw}`"
        )),
        None => d.with_help("write the pattern as a raw string, `r\"...\"`, which is never interpolated"),
    };
    Err(d)
}

/// The raw string `r"..."` the author of an interpolating pattern meant, when it can be told.
fn raw_form(s: &StringLit) -> Option<String> {
    let mut out = String::from("r\"");
    for part in &s.parts {
        match part {
            StrPart::Text(t) => out.push_str(t),
            StrPart::Interp(e) => match &e.kind {
                ExprKind::Number(n) => out.push_str(&format!("{{{}}}", n.text)),
                ExprKind::Name(i) => out.push_str(&format!("{{{}}}", i.name)),
                _ => return None,
            },
        }
    }
    if out[2..].contains(['"', '\n']) {
        return None;
    }
    out.push('"');
    Some(out)
}

/// A diagnostic if `pattern` is not a valid regular expression as OPA reads it (RE2 syntax, see
/// [`super::pattern`]).
pub(crate) fn pattern_error(pattern: &str, span: Span) -> Option<Diagnostic> {
    let last = pattern_problem(pattern)?;
    Some(
        Diagnostic::error(
            Code::InvalidPattern,
            span,
            format!("invalid regular expression `{pattern}`"),
        )
        .with_label(last)
        .with_help("patterns use RE2 syntax, as OPA does; a raw string `r\"...\"` takes a backslash as it is"),
    )
}

/// The pattern as the engines are given it: RE2 with the meaning OPA gives it (see
/// [`super::pattern`]); `None` for an invalid pattern.
pub fn canonical(pattern: &str) -> Option<String> {
    checked(pattern).ok()
}

/// What is wrong with `pattern`, if anything.
fn pattern_problem(pattern: &str) -> Option<String> {
    checked(pattern).err()
}

/// The canonical form of a pattern or its problem. Checking a regex costs far more than checking
/// the rest of a declaration and projects repeat their patterns, so each is checked once per
/// process.
fn checked(pattern: &str) -> Result<String, String> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CHECKED: OnceLock<Mutex<HashMap<String, Result<String, String>>>> = OnceLock::new();
    let cache = CHECKED.get_or_init(Default::default);
    if let Some(known) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(pattern) {
        return known.clone();
    }
    let result = super::pattern::canonical_pattern(pattern);
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(pattern.to_string(), result.clone());
    result
}
