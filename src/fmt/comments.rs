//! The `//` comments of a file. The syntax tree drops them, so the formatter finds them in the
//! source text and puts each back before the item that follows it, or at the end of the line of
//! the item it trails.

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
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut in_string = false;
    let mut depth = 0usize;
    // Brace depths at which an interpolation `{` was opened inside a string.
    let mut interpolations: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                b'\n' => {
                    // An unterminated string ends at the line's end, as the grammar does.
                    in_string = false;
                    interpolations.clear();
                }
                b'{' if next == Some(b'{') => i += 1,
                b'}' if next == Some(b'}') => i += 1,
                b'{' => {
                    interpolations.push(depth);
                    depth += 1;
                    in_string = false;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'/' if next == Some(b'/') => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
                out.push(Comment {
                    start: i,
                    text: text[i..end].trim_end().to_string(),
                    own_line: text[line_start..i].trim_matches([' ', '\t', '\u{FEFF}']).is_empty(),
                });
                i = end;
                continue;
            }
            b'"' => in_string = true,
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if interpolations.last() == Some(&depth) {
                    interpolations.pop();
                    in_string = true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
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
