//! The `//` comments of a file. The syntax tree drops them, so the formatter finds them in the
//! source text and puts each back before the item that follows it, or at the end of the line of
//! the item it trails.

use crate::syntax::scan::{scan, Kind};

/// One `//` comment (or a `///` line that is not part of a declaration's documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Byte offset of the first `/`.
    pub start: usize,
    /// The comment as written, without trailing whitespace.
    pub text: String,
    /// Nothing but whitespace stands before it on its line.
    pub own_line: bool,
}

/// Every comment of `text`, in order, skipping `//` inside strings (and inside the
/// interpolations of strings, which are expressions).
pub fn collect(text: &str) -> Vec<Comment> {
    scan(text)
        .filter(|l| matches!(l.kind, Kind::Comment { .. }))
        .map(|l| {
            let line_start = text[..l.span.start].rfind('\n').map_or(0, |n| n + 1);
            Comment {
                start: l.span.start,
                text: text[l.span.clone()].trim_end().to_string(),
                own_line: text[line_start..l.span.start]
                    .trim_matches([' ', '\t', '\u{FEFF}'])
                    .is_empty(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_comments_outside_strings() {
        let text = "package a // one\n// two\npolicy p { deny \"a // b {x // c\n} d\" when x }\n/// doc\n";
        let comments = collect(text);
        let found: Vec<(&str, bool)> = comments.iter().map(|c| (c.text.as_str(), c.own_line)).collect();
        assert_eq!(
            found,
            vec![("// one", false), ("// two", true), ("// c", false), ("/// doc", true)]
        );
    }
}
