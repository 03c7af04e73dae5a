//! Splits a file into its header (package and imports) and its top-level declarations, without
//! parsing them, so each can be parsed on its own and a syntax error in one does not hide the rest.
//!
//! A declaration starts at a declaration keyword (`type`, `enum`, `resource`, `fn`, `policy`,
//! `enforce`, `test`) outside any braces, string or comment, together with the `///` lines just
//! above it. A keyword at the very start of a line also starts a declaration when the braces before
//! it are unbalanced: that is how a missing `}` is contained to its own declaration.

use super::lexicon::DECLARATION_KEYWORDS;
use super::scan::{scan, Kind, ParserDepth};
use crate::limits::MAX_PARSER_DEPTH;
use std::ops::Range;

/// Byte ranges of a file's header and of each declaration, in order, covering the whole file.
pub struct Chunks {
    pub header: Range<usize>,
    pub declarations: Vec<Declaration>,
}

/// One declaration's bytes, and where in the file the parser would first recurse past
/// [`MAX_PARSER_DEPTH`] in parsing it (see [`super::scan::parser_depth_past`]), counted in the same
/// pass.
pub struct Declaration {
    pub range: Range<usize>,
    pub too_deep: Option<Range<usize>>,
}

/// Splits `text` in one pass of the scanner, which also counts each declaration's depth.
pub fn split_declarations(text: &str) -> Chunks {
    let bytes = text.as_bytes();
    let mut declarations: Vec<Declaration> = Vec::new();
    // Braces open in the current declaration, interpolations' included.
    let mut depth: usize = 0;
    let mut parser_depth = ParserDepth::default();
    let mut lexemes = scan(text);
    // A word right after a `.` (comments between) is a field read (`p.type in types`), never a
    // keyword.
    let mut after_dot = false;
    while let Some(lexeme) = lexemes.next() {
        let dot = matches!(lexeme.kind, Kind::Punct) && &text[lexeme.span.clone()] == ".";
        match lexeme.kind {
            Kind::Open(b'{') | Kind::InterpolationOpen => depth += 1,
            Kind::Close(b'}') | Kind::InterpolationClose => depth = depth.saturating_sub(1),
            Kind::Word => {
                let (i, end) = (lexeme.span.start, lexeme.span.end);
                let word = &text[i..end];
                let at_column_zero = i == 0 || bytes[i - 1] == b'\n';
                if !lexemes.in_interpolation()
                    && (depth == 0 || at_column_zero)
                    && DECLARATION_KEYWORDS.contains(&word)
                    && !after_dot
                    && introduces_declaration(word, &text[end..])
                {
                    depth = 0;
                    parser_depth = ParserDepth::default();
                    let start = with_doc_comments(text, i);
                    if let Some(last) = declarations.last_mut() {
                        last.range.end = start;
                    }
                    declarations.push(Declaration {
                        range: start..text.len(),
                        too_deep: None,
                    });
                }
            }
            _ => {}
        }
        // The header is not counted: only declarations are refused for their depth.
        if let Some(current) = declarations.last_mut().filter(|d| d.too_deep.is_none()) {
            if parser_depth.step(text, &lexeme) > MAX_PARSER_DEPTH {
                current.too_deep = Some(lexeme.span.clone());
            }
        }
        if !matches!(lexeme.kind, Kind::Comment { .. }) {
            after_dot = dot;
        }
    }
    Chunks {
        header: 0..declarations.first().map_or(text.len(), |d| d.range.start),
        declarations,
    }
}

/// Whether the keyword is followed by what a declaration needs: a name, or a string for `test`.
fn introduces_declaration(word: &str, rest: &str) -> bool {
    let next = rest.trim_start_matches([' ', '\t']).bytes().next();
    match word {
        "test" => next == Some(b'"'),
        _ => next.is_some_and(|b| b.is_ascii_alphabetic() || b == b'_'),
    }
}

/// Moves a declaration's start up over the `///` lines directly above it.
fn with_doc_comments(text: &str, start: usize) -> usize {
    let line_begin = text[..start].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_begin..start].trim().is_empty() {
        return start;
    }
    let mut begin = line_begin;
    while begin > 0 {
        let prev_begin = text[..begin - 1].rfind('\n').map_or(0, |i| i + 1);
        if text[prev_begin..begin].trim_start().starts_with("///") {
            begin = prev_begin;
        } else {
            break;
        }
    }
    if begin < line_begin {
        begin
    } else {
        start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str) -> Vec<&str> {
        let c = split_declarations(text);
        std::iter::once(&text[c.header.clone()])
            .chain(c.declarations.iter().map(|d| &text[d.range.clone()]))
            .collect()
    }

    #[test]
    fn splits_at_top_level_keywords_with_docs() {
        let text = "package a\nimport b\n/// doc\ntype T { f: string }\nfn f() -> int = 1\n";
        assert_eq!(
            pieces(text),
            vec![
                "package a\nimport b\n",
                "/// doc\ntype T { f: string }\n",
                "fn f() -> int = 1\n"
            ]
        );
    }

    #[test]
    fn ignores_keywords_in_braces_strings_and_comments() {
        let text = "package a\npolicy p {\n  deny \"type {x.type} fn\" when x.test\n  // policy q\n}\n";
        assert_eq!(pieces(text).len(), 2);
    }

    #[test]
    fn a_missing_brace_is_contained() {
        let text = "package a\ntype T { f: string\npolicy p { }\n";
        assert_eq!(
            pieces(text),
            vec!["package a\n", "type T { f: string\n", "policy p { }\n"]
        );
    }

    #[test]
    fn a_field_read_named_like_a_keyword_is_not_a_declaration() {
        let text = "package a\nfn f(p: P, ts: [string]) -> bool = p.type in ts\n";
        assert_eq!(
            pieces(text),
            vec!["package a\n", "fn f(p: P, ts: [string]) -> bool = p.type in ts\n"]
        );
    }

    #[test]
    fn a_field_named_like_a_keyword_is_not_a_declaration() {
        let text = "package a\ntype T {\ntype: string\n}\n";
        assert_eq!(pieces(text).len(), 2);
    }
}
