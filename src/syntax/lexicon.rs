//! The words and operators of the language, declared once. The parser (its conversion to the
//! syntax tree and its error messages), the formatter, and the language server's completion and
//! rename read them here.
//!
//! `grammar/gov.pest` spells the same words and operators, since a grammar cannot import
//! constants; the tests at the end of this file parse every entry with the grammar's own rules, so
//! the two cannot drift apart.

use super::ast::{BinOp, ExpectKind, UnaryOp};

/// Words that can never be names (the grammar's `keyword` rule).
pub const RESERVED: &[&str] = &[
    "and", "or", "not", "in", "has", "some", "all", "any", "true", "false", "if", "then", "else", "for",
];

/// Words that start a top-level declaration.
pub const DECLARATION_KEYWORDS: &[&str] = &["type", "enum", "resource", "fn", "policy", "enforce", "test"];

/// The other words with a meaning in some position: `package` and `import` in a file's header,
/// the items of policies and tests, and the words inside them. Outside those positions they are
/// ordinary names (a field may be called `type`).
pub const STATEMENT_KEYWORDS: &[&str] = &[
    "package",
    "import",
    "param",
    "subject",
    "request",
    "inventory",
    "let",
    "deny",
    "warn",
    "allow",
    "when",
    "expect",
    "with",
    "at",
    "on",
];

/// The words that start an item of a policy (besides its settings).
pub const POLICY_ITEM_KEYWORDS: &[&str] = &[
    "param",
    "subject",
    "request",
    "inventory",
    "let",
    "deny",
    "warn",
    "allow",
];

/// The words that start an item of a test.
pub const TEST_ITEM_KEYWORDS: &[&str] = &["let", "expect"];

/// The reserved words that start an expression.
pub const EXPRESSION_KEYWORDS: &[&str] = &["not", "has", "all", "any", "true", "false", "if"];

/// Every word the grammar gives a meaning to: what a rename must not produce.
pub fn is_keyword(word: &str) -> bool {
    RESERVED.contains(&word) || DECLARATION_KEYWORDS.contains(&word) || STATEMENT_KEYWORDS.contains(&word)
}

/// What `expect` may expect, as written.
pub const EXPECT_KINDS: &[(ExpectKind, &str)] = &[
    (ExpectKind::Denied, "denied"),
    (ExpectKind::Warned, "warned"),
    (ExpectKind::Passes, "passes"),
    (ExpectKind::Allowed, "allowed"),
    (ExpectKind::Rejected, "rejected"),
];

/// How tightly an operator binds its operands: a larger number binds tighter. Quantifiers
/// (`all x in xs: body`) take everything to their right as body, so they bind loosest.
pub type Precedence = u8;

/// The binding of `all ... :` and `any ... :`.
pub const QUANTIFIER: Precedence = 0;

/// The binding of field access, indexing and calls (`x.f`, `x[i]`, `f(x)`) and of atoms.
pub const POSTFIX: Precedence = 8;

/// The binary operators as written, with their precedence (LANGUAGE.md §5); all associate to
/// the left.
pub const BINARY_OPERATORS: &[(BinOp, &str, Precedence)] = &[
    (BinOp::Or, "or", 1),
    (BinOp::And, "and", 2),
    (BinOp::Eq, "==", 4),
    (BinOp::Ne, "!=", 4),
    (BinOp::Lt, "<", 4),
    (BinOp::Le, "<=", 4),
    (BinOp::Gt, ">", 4),
    (BinOp::Ge, ">=", 4),
    (BinOp::In, "in", 4),
    (BinOp::Add, "+", 5),
    (BinOp::Sub, "-", 5),
    (BinOp::Mul, "*", 6),
    (BinOp::Div, "/", 6),
    (BinOp::Mod, "%", 6),
];

/// The prefix operators as written, with their precedence: `not` takes a whole comparison
/// (`not a == b` is `not (a == b)`), `-` only what follows it (`-a * b` is `(-a) * b`).
pub const PREFIX_OPERATORS: &[(UnaryOp, &str, Precedence)] = &[(UnaryOp::Not, "not", 3), (UnaryOp::Neg, "-", 7)];

/// An operator table: each operator with its spelling and its precedence.
type OperatorTable<T> = [(T, &'static str, Precedence)];

/// The spelling and precedence of `op` in `table`.
fn entry<T: Copy + PartialEq>(table: &'static OperatorTable<T>, op: T) -> (&'static str, Precedence) {
    // INVARIANT: the tables list every operator (the tests below parse each one).
    let (_, symbol, precedence) = table
        .iter()
        .find(|(o, _, _)| *o == op)
        .expect("every operator is in its table");
    (symbol, *precedence)
}

/// The operator spelled `symbol` in `table`.
fn spelled<T: Copy>(table: &'static OperatorTable<T>, symbol: &str) -> Option<T> {
    table.iter().find(|(_, s, _)| *s == symbol).map(|(op, _, _)| *op)
}

impl BinOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        entry(BINARY_OPERATORS, self).0
    }

    /// How tightly the operator binds.
    pub fn precedence(self) -> Precedence {
        entry(BINARY_OPERATORS, self).1
    }

    /// The operator written `symbol`, if there is one.
    pub fn from_symbol(symbol: &str) -> Option<BinOp> {
        spelled(BINARY_OPERATORS, symbol)
    }
}

impl UnaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        entry(PREFIX_OPERATORS, self).0
    }

    /// How tightly the operator binds.
    pub fn precedence(self) -> Precedence {
        entry(PREFIX_OPERATORS, self).1
    }

    /// The operator written `symbol`, if there is one.
    pub fn from_symbol(symbol: &str) -> Option<UnaryOp> {
        spelled(PREFIX_OPERATORS, symbol)
    }
}

impl ExpectKind {
    /// The kind as written after `expect`.
    pub fn as_str(self) -> &'static str {
        EXPECT_KINDS
            .iter()
            .find(|(k, _)| *k == self)
            .map(|(_, s)| *s)
            .expect("every expectation kind is in the table")
    }

    /// The kind written `word`, if there is one.
    pub fn from_word(word: &str) -> Option<ExpectKind> {
        EXPECT_KINDS.iter().find(|(_, s)| *s == word).map(|(k, _)| *k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{GovParser, Rule};
    use pest::Parser;

    /// Whether `rule` of the grammar matches all of `text`.
    fn matches(rule: Rule, text: &str) -> bool {
        GovParser::parse(rule, text).is_ok_and(|mut pairs| pairs.next().is_some_and(|p| p.as_str() == text))
    }

    #[test]
    fn the_grammar_reserves_exactly_these_words() {
        for word in RESERVED {
            assert!(!matches(Rule::ident, word), "`{word}` is a name in the grammar");
            assert!(
                matches(Rule::ident, &format!("{word}s")),
                "`{word}s` is not a name in the grammar"
            );
        }
        for word in DECLARATION_KEYWORDS.iter().chain(STATEMENT_KEYWORDS) {
            assert!(matches(Rule::ident, word), "`{word}` is not a name in the grammar");
        }
        for word in [
            "android", "order", "notes", "index", "hash", "someone", "alle", "truest",
        ] {
            assert!(matches(Rule::ident, word), "`{word}` is not a name in the grammar");
        }
    }

    #[test]
    fn the_grammar_reads_every_operator_and_expectation() {
        for (op, symbol, _) in BINARY_OPERATORS {
            assert!(
                matches(Rule::infix_op, symbol),
                "`{symbol}` is not an operator of the grammar"
            );
            assert_eq!(BinOp::from_symbol(symbol), Some(*op));
        }
        for (op, symbol, _) in PREFIX_OPERATORS {
            assert!(
                matches(Rule::prefix_op, symbol),
                "`{symbol}` is not a prefix of the grammar"
            );
            assert_eq!(UnaryOp::from_symbol(symbol), Some(*op));
        }
        for (kind, word) in EXPECT_KINDS {
            assert!(
                matches(Rule::expect_kind, word),
                "`{word}` is not an expectation of the grammar"
            );
            assert_eq!(kind.as_str(), *word);
        }
        // Nothing else reads as an operator.
        for other in ["=", "!", "&&", "||", "=>", "//", "**", "ors", "inside"] {
            assert!(!matches(Rule::infix_op, other), "`{other}` reads as an operator");
        }
    }

    #[test]
    fn the_grammar_starts_declarations_and_items_with_these_words() {
        let rules = [
            ("package", Rule::kw_package),
            ("import", Rule::kw_import),
            ("type", Rule::kw_type),
            ("enum", Rule::kw_enum),
            ("resource", Rule::kw_resource),
            ("fn", Rule::kw_fn),
            ("policy", Rule::kw_policy),
            ("enforce", Rule::kw_enforce),
            ("test", Rule::kw_test),
            ("param", Rule::kw_param),
            ("subject", Rule::kw_subject),
            ("request", Rule::kw_request),
            ("inventory", Rule::kw_inventory),
            ("let", Rule::kw_let),
            ("deny", Rule::kw_deny),
            ("warn", Rule::kw_warn),
            ("allow", Rule::kw_allow),
            ("when", Rule::kw_when),
            ("expect", Rule::kw_expect),
            ("with", Rule::kw_with),
            ("at", Rule::kw_at),
            ("on", Rule::kw_on),
        ];
        for (word, rule) in rules {
            assert!(matches(rule, word), "`{word}` is not read by {rule:?}");
            assert!(
                DECLARATION_KEYWORDS.contains(&word) || STATEMENT_KEYWORDS.contains(&word),
                "`{word}` is missing from the lexicon"
            );
        }
        assert_eq!(rules.len(), DECLARATION_KEYWORDS.len() + STATEMENT_KEYWORDS.len());
    }

    #[test]
    fn items_and_expressions_start_with_these_words() {
        let parses = |text: &str| crate::syntax::parse_file(crate::span::FileId(0), text).1.is_empty();
        let templates = [
            ("param", "param x: int = 1"),
            ("subject", "subject x: T"),
            ("request", "request r: T"),
            ("inventory", "inventory xs: [T]"),
            ("let", "let x = 1"),
            ("deny", "deny \"m\" when true"),
            ("warn", "warn \"m\" when true"),
            ("allow", "allow when true"),
        ];
        for word in POLICY_ITEM_KEYWORDS {
            let (_, item) = templates
                .iter()
                .find(|(w, _)| w == word)
                .expect("a template for the word");
            assert!(
                parses(&format!("package t\npolicy p {{ {item} }}")),
                "`{word}` starts no policy item"
            );
        }
        for (word, item) in [("let", "let x = 1"), ("expect", "expect passes p(1)")] {
            assert!(TEST_ITEM_KEYWORDS.contains(&word));
            assert!(
                parses(&format!("package t\ntest \"t\" {{ {item} }}")),
                "`{word}` starts no test item"
            );
        }
        for word in EXPRESSION_KEYWORDS {
            assert!(RESERVED.contains(word));
            let expr = match *word {
                "all" | "any" => format!("{word} x in xs: x"),
                "not" | "has" => format!("{word} x.y"),
                "if" => "if x then y else z".to_string(),
                _ => word.to_string(),
            };
            assert!(
                parses(&format!("package t\nfn f() -> bool = {expr}")),
                "`{word}` starts no expression"
            );
        }
    }

    #[test]
    fn precedence_follows_the_reference() {
        use BinOp::*;
        let order = [Or, And, Eq, Add, Mul];
        for pair in order.windows(2) {
            assert!(pair[0].precedence() < pair[1].precedence());
        }
        assert!(And.precedence() < UnaryOp::Not.precedence() && UnaryOp::Not.precedence() < Eq.precedence());
        assert!(Mul.precedence() < UnaryOp::Neg.precedence() && UnaryOp::Neg.precedence() < POSTFIX);
        assert!(QUANTIFIER < Or.precedence());
    }
}
