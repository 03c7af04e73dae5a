//! A lexical skim of source text: which bytes are code, which are inside a string, which are a
//! comment, and where brackets open and close. It serves the places that must know this without
//! a syntax tree, on text that may not parse: splitting a file into declarations before parsing
//! them (`split`), the unclosed brace of a syntax error (`error`), the comments the formatter
//! puts back, and the brackets open at the cursor for completion.
//!
//! It follows the grammar's lexical rules (`grammar/gov.pest`): `//` starts a comment (`///` a
//! doc comment) outside strings; in a string, `\` escapes the next character, `{{` and `}}` are
//! text, and `{` opens an interpolation, which is code up to its matching `}`. A string that is
//! not closed on its line ends there, as the grammar's does, and takes any interpolations it is
//! in with it. A raw string `r"..."` (the word `r` right before the quote) has neither escapes
//! nor interpolations: it ends at the next `"`.

use std::ops::Range;

/// What a lexeme is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A run of letters, digits and `_`.
    Word,
    /// `//` up to the end of the line; `doc` for `///`.
    Comment { doc: bool },
    /// `{`, `(` or `[` in code.
    Open(u8),
    /// `}`, `)` or `]` in code.
    Close(u8),
    /// The `"` that opens a string.
    StringStart,
    /// Text of a string (escapes and `{{`/`}}` included).
    Text,
    /// The `"` that closes a string, or an empty lexeme at the end of the line or file where an
    /// unclosed string ends.
    StringEnd,
    /// The `{` that opens an interpolation in a string.
    InterpolationOpen,
    /// The `}` that closes an interpolation.
    InterpolationClose,
    /// Any other character of code.
    Punct,
}

/// One lexeme: its kind and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lexeme {
    pub kind: Kind,
    pub span: Range<usize>,
}

/// The lexemes of a text, in order; whitespace is skipped.
pub struct Scanner<'t> {
    text: &'t str,
    pos: usize,
    in_string: bool,
    /// Whether the string being scanned is raw (`r"..."`).
    raw: bool,
    /// Where the last word `r` ends: a `"` right there opens a raw string.
    raw_prefix_end: Option<usize>,
    /// For each interpolation open around the position, how many `{` of code it has open.
    interpolations: Vec<usize>,
}

/// Scans `text` from its start, which must be in code (not inside a string).
pub fn scan(text: &str) -> Scanner<'_> {
    Scanner {
        text,
        pos: 0,
        in_string: false,
        raw: false,
        raw_prefix_end: None,
        interpolations: Vec::new(),
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Scanner<'_> {
    /// Whether the position is inside an interpolation of a string.
    pub fn in_interpolation(&self) -> bool {
        !self.interpolations.is_empty()
    }

    fn lexeme(&mut self, kind: Kind, start: usize, end: usize) -> Option<Lexeme> {
        self.pos = end;
        Some(Lexeme { kind, span: start..end })
    }

    fn in_code(&mut self) -> Option<Lexeme> {
        let bytes = self.text.as_bytes();
        loop {
            let start = self.pos;
            let b = *bytes.get(start)?;
            let next = bytes.get(start + 1).copied();
            return match b {
                b' ' | b'\t' | b'\r' | b'\n' => {
                    self.pos += 1;
                    continue;
                }
                b'/' if next == Some(b'/') => {
                    let end = self.text[start..].find('\n').map_or(self.text.len(), |n| start + n);
                    let doc = bytes.get(start + 2) == Some(&b'/');
                    self.lexeme(Kind::Comment { doc }, start, end)
                }
                b'"' => {
                    self.in_string = true;
                    self.raw = self.raw_prefix_end == Some(start);
                    self.lexeme(Kind::StringStart, start, start + 1)
                }
                b'{' | b'(' | b'[' => {
                    if b == b'{' {
                        if let Some(open) = self.interpolations.last_mut() {
                            *open += 1;
                        }
                    }
                    self.lexeme(Kind::Open(b), start, start + 1)
                }
                b'}' if self.interpolations.last() == Some(&0) => {
                    self.interpolations.pop();
                    self.in_string = true;
                    self.lexeme(Kind::InterpolationClose, start, start + 1)
                }
                b'}' | b')' | b']' => {
                    if b == b'}' {
                        if let Some(open) = self.interpolations.last_mut() {
                            *open -= 1;
                        }
                    }
                    self.lexeme(Kind::Close(b), start, start + 1)
                }
                _ if is_word_byte(b) => {
                    let len = bytes[start..].iter().take_while(|c| is_word_byte(**c)).count();
                    if len == 1 && b == b'r' {
                        self.raw_prefix_end = Some(start + 1);
                    }
                    self.lexeme(Kind::Word, start, start + len)
                }
                _ => {
                    let c = self.text[start..].chars().next()?;
                    if c == '\u{FEFF}' {
                        self.pos += c.len_utf8();
                        continue;
                    }
                    self.lexeme(Kind::Punct, start, start + c.len_utf8())
                }
            };
        }
    }

    fn in_string(&mut self) -> Option<Lexeme> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let mut i = start;
        while let Some(&b) = bytes.get(i) {
            let next = bytes.get(i + 1).copied();
            match b {
                _ if self.raw && !matches!(b, b'"' | b'\n') => i += 1,
                b'\\' => i += 1 + self.text[i + 1..].chars().next().map_or(0, char::len_utf8),
                b'{' | b'}' if next == Some(b) => i += 2,
                b'"' | b'\n' | b'{' if i > start => return self.lexeme(Kind::Text, start, i),
                b'"' => {
                    self.in_string = false;
                    return self.lexeme(Kind::StringEnd, i, i + 1);
                }
                b'\n' => {
                    self.in_string = false;
                    self.interpolations.clear();
                    return self.lexeme(Kind::StringEnd, i, i);
                }
                b'{' => {
                    self.in_string = false;
                    self.interpolations.push(0);
                    return self.lexeme(Kind::InterpolationOpen, i, i + 1);
                }
                _ => i += 1,
            }
        }
        // The text ends inside the string.
        let end = i.min(bytes.len());
        if end > start {
            return self.lexeme(Kind::Text, start, end);
        }
        self.in_string = false;
        self.interpolations.clear();
        self.lexeme(Kind::StringEnd, end, end)
    }
}

impl Iterator for Scanner<'_> {
    type Item = Lexeme;

    fn next(&mut self) -> Option<Lexeme> {
        if self.in_string {
            self.in_string()
        } else {
            self.in_code()
        }
    }
}

/// Where the code of `text` starts: the offset of its first lexeme that is not a comment, or the
/// end of the text.
pub fn code_start(text: &str) -> usize {
    scan(text)
        .find(|l| !matches!(l.kind, Kind::Comment { .. }))
        .map_or(text.len(), |l| l.span.start)
}

/// Where the code of `text` ends: after its last lexeme that is not a `//` comment (a `///` doc
/// comment belongs to what follows it), without the whitespace an unclosed string may end in.
pub fn code_end(text: &str) -> usize {
    let end = scan(text)
        .filter(|l| l.kind != Kind::Comment { doc: false })
        .last()
        .map_or(0, |l| l.span.end);
    text[..end].trim_end_matches([' ', '\t', '\r', '\n', '\u{FEFF}']).len()
}

/// Where the grammar's rules would first recurse more than `limit` levels deep in parsing `text`
/// (which starts in code): the lexeme that opens the level past it, if any (see [`ParserDepth`]).
pub fn parser_depth_past(text: &str, limit: usize) -> Option<Range<usize>> {
    let mut depth = ParserDepth::default();
    scan(text)
        .find(|lexeme| depth.step(text, lexeme) > limit)
        .map(|l| l.span)
}

/// How deeply the grammar's rules recurse at each lexeme of a declaration, counted lexeme by
/// lexeme (by [`parser_depth_past`], and by the splitter, which counts it for every declaration
/// in its one pass over a file).
///
/// Every way the grammar recurses opens a bracket (`(`, `[`, `{`, an interpolation's `{`) or
/// starts with `if`, `all`, `any` or `has` (a conditional, a quantifier, `has`), so this counts
/// them as levels: a closing bracket leaves what it opened; the words stay open until the
/// bracket around them closes, since they end where their expression ends. The count is an upper
/// bound of the parser's depth: an `if` after `else` continues a chain and is not counted, nor is
/// a `has` that does not follow another (`has a and has b` is a chain; `has has a` nests).
/// Strings and comments are skipped exactly as the parser skips them, so their text opens
/// nothing.
#[derive(Default)]
pub struct ParserDepth<'t> {
    /// The depth at each open bracket, to return to when it closes.
    outer: Vec<usize>,
    depth: usize,
    previous_word: &'t str,
}

impl<'t> ParserDepth<'t> {
    /// The depth once `lexeme` (of `text`, the text being scanned) is read.
    pub fn step(&mut self, text: &'t str, lexeme: &Lexeme) -> usize {
        let word = match lexeme.kind {
            Kind::Open(_) | Kind::InterpolationOpen => {
                self.outer.push(self.depth);
                self.depth += 1;
                ""
            }
            Kind::Close(_) | Kind::InterpolationClose => {
                self.depth = self.outer.pop().unwrap_or(0);
                ""
            }
            Kind::Word => {
                let word = &text[lexeme.span.clone()];
                let opens = match word {
                    "all" | "any" => true,
                    "if" => self.previous_word != "else",
                    "has" => self.previous_word == "has",
                    _ => false,
                };
                self.depth += usize::from(opens);
                word
            }
            Kind::Comment { .. } => return self.depth,
            _ => "",
        };
        self.previous_word = word;
        self.depth
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, &str)> {
        scan(text).map(|l| (l.kind, &text[l.span])).collect()
    }

    #[test]
    fn code_strings_and_comments() {
        use Kind::*;
        assert_eq!(
            kinds("a.b // c\n\"x {y} {{z}} \\\" //\" /// d"),
            vec![
                (Word, "a"),
                (Punct, "."),
                (Word, "b"),
                (Comment { doc: false }, "// c"),
                (StringStart, "\""),
                (Text, "x "),
                (InterpolationOpen, "{"),
                (Word, "y"),
                (InterpolationClose, "}"),
                (Text, " {{z}} \\\" //"),
                (StringEnd, "\""),
                (Comment { doc: true }, "/// d"),
            ]
        );
    }

    #[test]
    fn braces_inside_an_interpolation_are_code() {
        use Kind::*;
        assert_eq!(
            kinds("\"{T { a: 1 }}\""),
            vec![
                (StringStart, "\""),
                (InterpolationOpen, "{"),
                (Word, "T"),
                (Open(b'{'), "{"),
                (Word, "a"),
                (Punct, ":"),
                (Word, "1"),
                (Close(b'}'), "}"),
                (InterpolationClose, "}"),
                (StringEnd, "\""),
            ]
        );
    }

    #[test]
    fn an_unclosed_string_ends_at_its_line() {
        use Kind::*;
        assert_eq!(
            kinds("\"a {b \"c\nd }"),
            vec![
                (StringStart, "\""),
                (Text, "a "),
                (InterpolationOpen, "{"),
                (Word, "b"),
                (StringStart, "\""),
                (Text, "c"),
                (StringEnd, ""),
                (Word, "d"),
                (Close(b'}'), "}"),
            ]
        );
        assert_eq!(
            kinds("\"abc"),
            vec![(StringStart, "\""), (Text, "abc"), (StringEnd, "")]
        );
    }

    #[test]
    fn where_the_code_starts_and_ends() {
        assert_eq!(code_start("// a\n/// b\n  package x"), 13);
        assert_eq!(code_start("// only"), 7);
        assert_eq!(code_end("type T { f: \"a // b\" } // c\n\n"), 22);
        assert_eq!(code_end("deny \"open   \n"), 10);
        assert_eq!(code_end("x\n/// doc\n"), 9);
    }

    #[test]
    fn a_raw_string_has_no_escapes_or_interpolations() {
        use Kind::*;
        assert_eq!(
            kinds(r#"r"a\{" "b{c}""#),
            vec![
                (Word, "r"),
                (StringStart, "\""),
                (Text, "a\\{"),
                (StringEnd, "\""),
                (StringStart, "\""),
                (Text, "b"),
                (InterpolationOpen, "{"),
                (Word, "c"),
                (InterpolationClose, "}"),
                (StringEnd, "\""),
            ]
        );
        // Only the word `r` itself, right before the quote.
        assert_eq!(kinds(r#"xr"\"""#)[1..3], [(StringStart, "\""), (Text, "\\\"")]);
    }

    #[test]
    fn the_parser_depth_counts_brackets_and_nesting_words() {
        let past = |text: &'static str, limit| parser_depth_past(text, limit).map(|r| &text[r]);
        assert_eq!(past("f((x))", 1), Some("("));
        assert_eq!(past("f((x)) + [y]", 3), None);
        assert_eq!(past("all a in b: any c in d: e", 1), Some("any"));
        assert_eq!(past("(all a in b: c) and (all a in b: c)", 2), None);
        assert_eq!(past("if a then b else if c then d else e", 1), None);
        assert_eq!(past("if a then (if c then d else e) else f", 2), Some("if"));
        assert_eq!(past("has a and has b and has c", 0), None);
        assert_eq!(past("has has has a", 1), Some("has"));
        assert_eq!(past("\"{{{x}\" // (((", 1), None);
        assert_eq!(past("\"{(x)}\"", 1), Some("("));
        assert_eq!(past(r#"r"{((" + (x)"#, 1), None);
    }
}
