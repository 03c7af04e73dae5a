//! Regular expressions as the language reads them: RE2 syntax, with the meaning OPA (Go's
//! `regexp`) gives it, which is what production runs. A constant pattern is checked at compile
//! time and written for the engines in a canonical form both read alike.
//!
//! Go's RE2 and Rust's `regex` (regorus) share a syntax but not every meaning. Where they differ,
//! the pattern is either rewritten to a form both read alike, or rejected with the reason:
//! - `\d`, `\w`, `\s` (and `\D`, `\W`, `\S`) are ASCII in Go and Unicode in Rust: rewritten to
//!   their ASCII classes (`[0-9]`, `[0-9A-Za-z_]`, `[\t\n\f\r ]`);
//! - `\b` and `\B` are ASCII in Go and Unicode in Rust, with no spelling both read alike;
//! - Rust-only syntax: the flags `x`, `u` and `R`, nested classes and class set operations
//!   (`[a-z&&[^aeiou]]`, which Go reads as a plain class), `\u`/`\U` escapes, `\<`, `\>` and
//!   `\b{...}`;
//! - Go's limit of 1000 on a counted repetition.

use regex_syntax::ast::{
    self, AssertionKind, Ast, ClassPerlKind, ClassSetItem, Flag, FlagsItemKind, HexLiteralKind, LiteralKind,
    RepetitionKind, RepetitionRange,
};

/// Go's limit on the count of a repetition (`x{1001}` does not compile there).
const MAX_REPEAT: u32 = 1000;

/// The canonical form of a valid pattern, or what is wrong with it (lower-case, no period).
pub fn canonical_pattern(pattern: &str) -> Result<String, String> {
    let parsed = ast::parse::Parser::new()
        .parse(pattern)
        .map_err(|e| e.kind().to_string())?;
    let mut check = Check {
        rewrites: Vec::new(),
        problem: None,
    };
    ast::visit(&parsed, &mut check).map_err(|()| String::new())?;
    if let Some(problem) = check.problem {
        return Err(problem);
    }
    // The translated pattern must still compile (it always does: it only swaps classes).
    let mut out = pattern.to_string();
    check.rewrites.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
    for (start, end, text) in check.rewrites {
        out.replace_range(start..end, &text);
    }
    Ok(out)
}

/// Walks a pattern's syntax tree, collecting rewrites and the first problem.
struct Check {
    /// `(start, end, replacement)` byte ranges of the pattern.
    rewrites: Vec<(usize, usize, String)>,
    problem: Option<String>,
}

impl Check {
    fn fail(&mut self, problem: impl Into<String>) {
        if self.problem.is_none() {
            self.problem = Some(problem.into());
        }
    }

    fn flags(&mut self, items: &[ast::FlagsItem]) {
        for item in items {
            if let FlagsItemKind::Flag(flag) = item.kind {
                let written = match flag {
                    Flag::Unicode => "u",
                    Flag::CRLF => "R",
                    Flag::IgnoreWhitespace => "x",
                    Flag::CaseInsensitive | Flag::MultiLine | Flag::DotMatchesNewLine | Flag::SwapGreed => continue,
                };
                self.fail(format!(
                    "the flag `{written}` is not RE2 syntax: OPA knows only the flags `i`, `m`, `s` and `U`"
                ));
            }
        }
    }

    fn literal(&mut self, lit: &ast::Literal) {
        if let LiteralKind::HexFixed(kind) | LiteralKind::HexBrace(kind) = &lit.kind {
            if *kind != HexLiteralKind::X {
                self.fail("`\\u` and `\\U` escapes are not RE2 syntax: write `\\x{...}`");
            }
        }
    }

    /// `\d` and friends: their ASCII class, bracketed or (inside a class) bare.
    fn perl(&mut self, class: &ast::ClassPerl, in_brackets: bool) {
        let ascii = match class.kind {
            ClassPerlKind::Digit => "0-9",
            ClassPerlKind::Word => "0-9A-Za-z_",
            ClassPerlKind::Space => "\\t\\n\\f\\r ",
        };
        let text = match (class.negated, in_brackets) {
            (false, false) => format!("[{ascii}]"),
            (true, false) => format!("[^{ascii}]"),
            (false, true) => ascii.to_string(),
            (true, true) => {
                let written = match class.kind {
                    ClassPerlKind::Digit => "\\D",
                    ClassPerlKind::Word => "\\W",
                    ClassPerlKind::Space => "\\S",
                };
                return self.fail(format!(
                    "`{written}` inside a class has no form OPA and regorus read alike: write the characters, e.g. `[^0-9]`"
                ));
            }
        };
        self.rewrites
            .push((class.span.start.offset, class.span.end.offset, text));
    }
}

impl ast::Visitor for &mut Check {
    type Output = ();
    type Err = ();

    fn finish(self) -> Result<(), ()> {
        Ok(())
    }

    fn visit_pre(&mut self, ast: &Ast) -> Result<(), ()> {
        match ast {
            Ast::Flags(f) => self.flags(&f.flags.items),
            Ast::Group(g) => {
                if let ast::GroupKind::NonCapturing(flags) = &g.kind {
                    self.flags(&flags.items);
                }
            }
            Ast::Literal(lit) => self.literal(lit),
            Ast::ClassPerl(class) => self.perl(class, false),
            Ast::Assertion(a) => match a.kind {
                AssertionKind::StartLine
                | AssertionKind::EndLine
                | AssertionKind::StartText
                | AssertionKind::EndText => {}
                AssertionKind::WordBoundary | AssertionKind::NotWordBoundary => self.fail(
                    "`\\b` and `\\B` are ASCII word boundaries in OPA and Unicode ones in regorus: \
                     write the boundary with classes, e.g. `(^|[^A-Za-z0-9_])word([^A-Za-z0-9_]|$)`",
                ),
                _ => self.fail("`\\<`, `\\>` and `\\b{...}` are not RE2 syntax"),
            },
            Ast::Repetition(r) => {
                if let RepetitionKind::Range(range) = &r.op.kind {
                    let n = match range {
                        RepetitionRange::Exactly(n) | RepetitionRange::AtLeast(n) => *n,
                        RepetitionRange::Bounded(m, n) => (*m).max(*n),
                    };
                    if n > MAX_REPEAT {
                        self.fail(format!("a repetition counts at most {MAX_REPEAT} in RE2, found {n}"));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn visit_class_set_item_pre(&mut self, item: &ClassSetItem) -> Result<(), ()> {
        match item {
            ClassSetItem::Perl(class) => self.perl(class, true),
            ClassSetItem::Literal(lit) => self.literal(lit),
            ClassSetItem::Range(range) => {
                self.literal(&range.start);
                self.literal(&range.end);
            }
            ClassSetItem::Bracketed(_) => {
                self.fail("a class inside a class is not RE2 syntax (OPA reads `[[a-z]]` as `[` or a-z, then `]`)")
            }
            _ => {}
        }
        Ok(())
    }

    fn visit_class_set_binary_op_pre(&mut self, _op: &ast::ClassSetBinaryOp) -> Result<(), ()> {
        self.fail("class set operations (`&&`, `--`, `~~`) are not RE2 syntax");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::canonical_pattern;

    #[test]
    fn perl_classes_become_ascii_classes() {
        assert_eq!(canonical_pattern(r"^\d+\.\d+$").unwrap(), r"^[0-9]+\.[0-9]+$");
        assert_eq!(canonical_pattern(r"[\w-]+\S").unwrap(), r"[0-9A-Za-z_-]+[^\t\n\f\r ]");
        assert_eq!(canonical_pattern(r"^[a-z]{4}$").unwrap(), r"^[a-z]{4}$");
        assert_eq!(canonical_pattern(r"(?i)ab\pL").unwrap(), r"(?i)ab\pL");
    }

    #[test]
    fn what_go_and_rust_read_differently_is_refused() {
        for bad in [
            r"\bword\b",
            r"(?x) a b",
            r"[a-z&&[^aeiou]]",
            r"[[a-z]]",
            r"\u0041",
            r"a{1001}",
            r"[\D]",
            r"\<a",
            "(unclosed",
            r"a{,5}",
        ] {
            assert!(canonical_pattern(bad).is_err(), "{bad}");
        }
    }
}
