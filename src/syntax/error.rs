//! pest's parse errors, told in words a user knows.

use super::ast::{BinOp, UnaryOp};
use super::lexicon::RESERVED;
use super::scan::{code_end, scan, Kind};
use super::{GovParser, Rule};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::{FileId, Span};
use pest::error::{Error, ErrorVariant, InputLocation};
use pest::Parser;

/// Converts the error of parsing `source` (a chunk starting at `offset` of `file`) as `rule` into
/// a diagnostic.
pub fn syntax_error(file: FileId, offset: usize, rule: Rule, source: &str, error: &Error<Rule>) -> Diagnostic {
    let (start, end) = match error.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    let span = Span::new(file, start + offset, end + offset);
    let (mut expected, unexpected) = match &error.variant {
        ErrorVariant::ParsingError { positives, negatives } => (describe_all(positives), describe_all(negatives)),
        ErrorVariant::CustomError { message } => (vec![message.clone()], Vec::new()),
    };
    if matches!(error.variant, ErrorVariant::ParsingError { .. }) {
        // Missing separators and closing brackets are named first; tokens that merely start an
        // expression or a name (`(`, `"`, `_`) are already covered by the rule descriptions.
        let mut tokens: Vec<String> = missing_punctuation(rule, source, start)
            .into_iter()
            .map(|t| format!("`{t}`"))
            .collect();
        expected.retain(|e| !tokens.contains(e));
        tokens.append(&mut expected);
        expected = tokens;
    }
    let habit = habit(&source[start..], &expected);
    if habit.as_ref().is_some_and(|h| h.replacement == "==") {
        // `x = 1` reads on as `x == 1`: say so rather than that a `=` is missing before the `=`.
        for e in &mut expected {
            if e == "`=`" {
                *e = "`==`".to_string();
            }
        }
    }
    let found = match &habit {
        Some(h) => format!("`{}`", &source[start..start + h.len]),
        None => found_text(error.line(), error.line_col.clone()),
    };
    let message = match expected.as_slice() {
        [] => format!("unexpected {found}"),
        _ => format!("expected {}, found {found}", join_or(&expected)),
    };
    let mut d = Diagnostic::error(Code::Syntax, span, message).with_label(match expected.first() {
        Some(first) => format!("expected {first}"),
        None => "unexpected here".to_string(),
    });
    let word = found.trim_matches('`');
    if RESERVED.contains(&word) {
        d = d.with_note(format!("`{word}` is a reserved word and cannot be used as a name"));
    }
    if !unexpected.is_empty() {
        d = d.with_note(format!("{} cannot appear here", join_or(&unexpected)));
    }
    if let Some(help) = quantifier_hint(error.line(), error.line_col.clone()) {
        d = d.with_help(help);
    } else if let Some(help) = literal_brace_hint(error.line(), error.line_col.clone()) {
        d = d.with_help(help);
    } else if let Some(help) = hint(&expected) {
        d = d.with_help(help);
    }
    if let Some(h) = habit {
        let token = Span::new(file, span.start as usize, span.start as usize + h.len);
        d.primary.span = token;
        d = d
            .with_label(h.label)
            .with_help(h.help)
            .with_replacement(token, &h.replacement);
    }
    d
}

/// `"^[0-9]{2,3}$"`: a regular expression's `{n,m}` read as an interpolation, which stops at the
/// comma. Names the mistake and the raw string that fixes it.
fn quantifier_hint(line: &str, pos: pest::error::LineColLocation) -> Option<String> {
    let col = match pos {
        pest::error::LineColLocation::Pos((_, c)) | pest::error::LineColLocation::Span((_, c), _) => c,
    };
    let before: String = line.chars().take(col.saturating_sub(1)).collect();
    let rest: String = line.chars().skip(col.saturating_sub(1)).collect();
    let digits = before.trim_end_matches(|c: char| c.is_ascii_digit());
    let is_count = rest.starts_with(',') && digits.len() < before.len() && digits.ends_with('{');
    // Inside a string: an odd number of quotes before the brace.
    let in_string = digits.matches('"').count() % 2 == 1;
    (is_count && in_string).then(|| {
        "`{n,m}` in a string starts an interpolation; write a regular expression as a raw string, \
         which is never interpolated: `r\"^[0-9]{2,3}$\"`"
            .to_string()
    })
}

/// `"profiles: {\"a\"}"`: a brace meant as text, read as the start of an interpolation whose
/// expression cannot start there. Names the doubled braces that write one.
fn literal_brace_hint(line: &str, pos: pest::error::LineColLocation) -> Option<String> {
    let col = match pos {
        pest::error::LineColLocation::Pos((_, c)) | pest::error::LineColLocation::Span((_, c), _) => c,
    };
    let before: String = line.chars().take(col.saturating_sub(1)).collect();
    let opened = before.trim_end_matches(' ').ends_with('{');
    // Inside a string: an odd number of quotes before the brace, not counting escaped ones.
    let quotes = before.replace("\\\\", "").replace("\\\"", "").matches('"').count();
    (opened && quotes % 2 == 1)
        .then(|| "`{` in a string starts an interpolation `{expr}`; write `{{` and `}}` for literal braces".to_string())
}

/// A declaration that ends (at the next declaration or the end of the file) while a `{` is still
/// open: pest can only say what else it expected there, so name the brace instead.
pub fn unclosed_brace(file: FileId, offset: usize, source: &str, error: &Error<Rule>) -> Option<Diagnostic> {
    let at = match error.location {
        InputLocation::Pos(p) | InputLocation::Span((p, _)) => p,
    };
    let end = code_end(source);
    if at < end {
        return None;
    }
    let open = innermost_unclosed_brace(source)?;
    Some(
        Diagnostic::error(
            Code::Syntax,
            Span::new(file, offset + end, offset + end),
            "unclosed `{`",
        )
        .with_label("expected `}` here")
        .with_secondary(
            Span::new(file, offset + open, offset + open + 1),
            "this `{` is never closed",
        )
        .with_help("close every `{` with a `}`"),
    )
}

/// A declaration that opens more than [`crate::limits::MAX_PARSER_DEPTH`] levels, at the
/// bracket or word that passes the limit (see [`super::scan::parser_depth_past`]): it is not
/// parsed.
pub fn too_deep_for_parser(span: Span) -> Diagnostic {
    Diagnostic::error(Code::TooDeep, span, "expression nested too deeply")
        .with_label("the parser cannot go deeper here")
        .with_help("name a part with `let`, or move it into a helper function")
}

/// The offset of the innermost `{` left open at the end of `source`, ignoring braces in strings
/// and comments (an interpolation's `{` in a string counts only while it is open).
fn innermost_unclosed_brace(source: &str) -> Option<usize> {
    // Open braces: offset, and whether it opened an interpolation inside a string.
    let mut open: Vec<(usize, bool)> = Vec::new();
    for lexeme in scan(source) {
        match lexeme.kind {
            Kind::Open(b'{') => open.push((lexeme.span.start, false)),
            Kind::InterpolationOpen => open.push((lexeme.span.start, true)),
            Kind::Close(b'}') | Kind::InterpolationClose => {
                open.pop();
            }
            _ => {}
        }
    }
    open.iter()
        .rev()
        .find(|(_, interpolation)| !interpolation)
        .map(|(at, _)| *at)
}

/// The punctuation missing at byte `at` of `source`, which did not parse as `rule` from there:
/// the tokens with which the parser reads on past them. pest names only rules in its errors, not
/// the literal tokens inside them, so each candidate is put at `at` in turn and parsed. Where any
/// character would do (inside a string), no punctuation in particular is missing.
fn missing_punctuation(rule: Rule, source: &str, at: usize) -> Vec<&'static str> {
    // How far the parser reads past `token` put at `at`, if it reads the token at all.
    let read_past = |token: &str| {
        let probe = format!("{}{token}{}", &source[..at], &source[at..]);
        let stop = match GovParser::parse(rule, &probe) {
            Ok(_) => probe.len() + 1,
            Err(e) => match e.location {
                InputLocation::Pos(p) | InputLocation::Span((p, _)) => p,
            },
        };
        stop.checked_sub(at + token.len())
    };
    // A control character is never code: a parser that reads one is reading text.
    if read_past("\u{7}").is_some() {
        return Vec::new();
    }
    SEPARATORS
        .iter()
        .copied()
        .filter(|token| read_past(token).is_some_and(|past| past > 0))
        .collect()
}

/// A habit from other languages that the grammar does not follow, found where the parser
/// stopped: what to write instead, as a label, a help line and a replacement.
struct Habit {
    /// The length of what was written.
    len: usize,
    label: String,
    help: String,
    replacement: String,
}

/// The habit at the start of `rest`, where the parser expected `expected`.
fn habit(rest: &str, expected: &[String]) -> Option<Habit> {
    let (and, or) = (BinOp::And.symbol(), BinOp::Or.symbol());
    let not = UnaryOp::Not.symbol();
    let words = format!("`.gov` writes the boolean operators as words: `{and}`, `{or}` and `{not}`");
    for (symbol, word) in [("&&", and), ("||", or), ("&", and), ("|", or)] {
        if rest.starts_with(symbol) {
            return Some(Habit {
                len: symbol.len(),
                label: format!("write `{word}`"),
                help: words,
                replacement: word.to_string(),
            });
        }
    }
    if let Some(quoted) = rest.strip_prefix('\'') {
        let line = &quoted[..quoted.find('\n').unwrap_or(quoted.len())];
        let text = &line[..line.find('\'')?];
        let replacement = format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""));
        return Some(Habit {
            len: text.len() + 2,
            label: "strings are written in double quotes".to_string(),
            help: format!("write `{replacement}`"),
            replacement,
        });
    }
    let operator_expected = expected.iter().any(|e| e == "an operator");
    if rest.starts_with('=') && !rest.starts_with("==") && operator_expected {
        return Some(Habit {
            len: 1,
            label: "`=` does not compare".to_string(),
            help: "write `==` to compare two values; `=` gives a value to a setting, a parameter or a `let`"
                .to_string(),
            replacement: "==".to_string(),
        });
    }
    None
}

/// The token at the error position, quoted, or "end of input".
fn found_text(line: &str, pos: pest::error::LineColLocation) -> String {
    let col = match pos {
        pest::error::LineColLocation::Pos((_, c)) | pest::error::LineColLocation::Span((_, c), _) => c,
    };
    let rest: String = line.chars().skip(col.saturating_sub(1)).collect();
    let rest = rest.trim_end();
    if rest.is_empty() {
        return "end of line".to_string();
    }
    let token: String = if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
        rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
    } else {
        rest.chars().take(1).collect()
    };
    format!("`{token}`")
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn describe_all(rules: &[Rule]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in rules {
        let d = describe(*r).to_string();
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

/// A grammar rule in words.
fn describe(rule: Rule) -> &'static str {
    use Rule::*;
    match rule {
        EOI => "end of input",
        ident | path => "a name",
        number => "a number",
        string | text | escape => "a string",
        boolean => "`true` or `false`",
        expr | primary | postfix_expr | prefix_op | paren | has_expr | quantifier | reference | anon_record
        | list_literal | interpolation => "an expression",
        infix_op => "an operator",
        field_access => "`.`",
        call_args => "`(`",
        index => "`[`",
        type_expr | list_type | map_type => "a type",
        field => "a field `name: type`",
        optional_mark => "`?`",
        constraint => "a constraint like `@min(0)`",
        enum_variant => "an enum value",
        setting | setting_value => "a setting `key = value`",
        string_list => "a list of strings",
        fn_param => "a parameter `name: type`",
        param_item => "`param`",
        subject_item => "`subject`",
        let_item => "`let`",
        deny_clause => "`deny`",
        warn_clause => "`warn`",
        allow_clause => "`allow`",
        block => "a `{ ... }` block of conditions",
        some_binding => "`some`",
        enforce_target => "an enforcement target like `ci { ... }` or `admission { ... }`",
        expectation => "`expect`",
        expect_kind => "`denied`, `warned`, `passes`, `allowed` or `rejected`",
        policy_call => "a policy call like `p(x)`",
        named_arg => "a parameter override `name = value`",
        record_field => "a field `name: value`",
        record_body => "`{`",
        import_decl => "`import`",
        import_names => "`.{`",
        package_decl => "`package`",
        doc_comment | docs => "a doc comment",
        quantifier_kind => "`all` or `any`",
        kw_package => "`package`",
        kw_import => "`import`",
        kw_type | kw_enum | kw_resource | kw_fn | kw_policy | kw_enforce | kw_test => "a declaration",
        kw_param => "`param`",
        kw_subject => "`subject`",
        kw_request | request_item => "`request`",
        kw_inventory | inventory_item => "`inventory`",
        expect_request => "`with request`",
        kw_let => "`let`",
        kw_deny => "`deny`",
        kw_warn => "`warn`",
        kw_allow => "`allow`",
        kw_when => "`when`",
        kw_some => "`some`",
        kw_in => "`in`",
        kw_expect => "`expect`",
        kw_with => "`with`",
        kw_at | expect_at => "`at`",
        duration => "a duration like `90d`",
        kw_has => "`has`",
        kw_if | conditional => "`if`",
        kw_then => "`then`",
        kw_else => "`else`",
        kw_for | comprehension => "`for`",
        _ => "something else",
    }
}

/// A hint for the most common mistakes, by what the parser expected.
fn hint(expected: &[String]) -> Option<String> {
    let has = |s: &str| expected.iter().any(|e| e == s);
    if has("`when`") {
        return Some("a clause reads `deny \"message\" when condition`".into());
    }
    if has("a declaration") {
        return Some(
            "top-level declarations are `type`, `enum`, `resource`, `fn`, `policy`, `enforce` and `test`".into(),
        );
    }
    if has("an expression") {
        return Some("an expression was expected here, e.g. a name, a literal or a call".into());
    }
    None
}

/// Literal tokens worth naming in "expected ...".
const SEPARATORS: &[&str] = &[":", "=", ",", ";", "}", ")", "]", "->", "?"];
