//! A small pretty-printing document algebra in the style of Wadler's "prettier printer" (as
//! Prettier, Gleam and Cedar's formatter use it): the printer builds a [`Doc`] tree, and
//! [`Doc::render`] lays it out, putting a [`Doc::Group`] on one line when it fits the width and
//! breaking its [`Doc::Line`]s otherwise.

/// Spaces per indentation level.
pub const INDENT: usize = 2;

/// A document to lay out.
#[derive(Debug, Clone)]
pub enum Doc {
    Nil,
    Text(String),
    /// A line break when its group is broken; the given text (`" "` or `""`) when it is flat.
    Line(&'static str),
    /// Always a line break; a group that contains one never fits on one line.
    HardLine,
    /// Forces the enclosing groups to break (after a `//` comment, which must end its line).
    BreakParent,
    Concat(Vec<Doc>),
    /// Indents the lines that start inside it by one level.
    Nest(Box<Doc>),
    Group(Box<Doc>),
    /// The first document when the enclosing group is broken, the second when it is flat.
    IfBreak(Box<Doc>, Box<Doc>),
}

pub fn text(s: impl Into<String>) -> Doc {
    Doc::Text(s.into())
}

/// A space, or a line break.
pub fn line() -> Doc {
    Doc::Line(" ")
}

/// Nothing, or a line break.
pub fn softline() -> Doc {
    Doc::Line("")
}

pub fn hardline() -> Doc {
    Doc::HardLine
}

pub fn concat(docs: impl IntoIterator<Item = Doc>) -> Doc {
    Doc::Concat(docs.into_iter().collect())
}

pub fn nest(doc: Doc) -> Doc {
    Doc::Nest(Box::new(doc))
}

pub fn group(doc: Doc) -> Doc {
    Doc::Group(Box::new(doc))
}

pub fn if_break(broken: Doc, flat: Doc) -> Doc {
    Doc::IfBreak(Box::new(broken), Box::new(flat))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Flat,
    Break,
}

fn width(s: &str) -> usize {
    s.chars().count()
}

impl Doc {
    /// Whether the document prints nothing at all.
    pub fn is_empty(&self) -> bool {
        match self {
            Doc::Nil => true,
            Doc::Text(s) => s.is_empty(),
            Doc::Concat(docs) => docs.iter().all(Doc::is_empty),
            _ => false,
        }
    }

    /// The width of the document laid out on one line, or `None` if it cannot be (it holds a
    /// hard line break or a comment).
    pub fn flat_width(&self) -> Option<usize> {
        match self {
            Doc::Nil => Some(0),
            Doc::Text(s) => Some(width(s)),
            Doc::Line(flat) => Some(flat.len()),
            Doc::HardLine | Doc::BreakParent => None,
            Doc::Concat(docs) => docs.iter().map(Doc::flat_width).sum(),
            Doc::Nest(d) | Doc::Group(d) => d.flat_width(),
            Doc::IfBreak(_, flat) => flat.flat_width(),
        }
    }

    /// Lays the document out in lines of at most `max_width` characters where the content allows
    /// it. Lines carry no trailing whitespace.
    pub fn render(&self, max_width: usize) -> String {
        let mut out = String::new();
        let mut column = 0usize;
        let mut stack: Vec<(usize, Mode, &Doc)> = vec![(0, Mode::Break, self)];
        while let Some((indent, mode, doc)) = stack.pop() {
            match doc {
                Doc::Nil | Doc::BreakParent => {}
                Doc::Text(s) => {
                    out.push_str(s);
                    column += width(s);
                }
                Doc::Line(flat) if mode == Mode::Flat => {
                    out.push_str(flat);
                    column += flat.len();
                }
                Doc::Line(_) | Doc::HardLine => {
                    newline(&mut out, indent);
                    column = indent;
                }
                Doc::Concat(docs) => stack.extend(docs.iter().rev().map(|d| (indent, mode, d))),
                Doc::Nest(d) => stack.push((indent + INDENT, mode, d)),
                Doc::Group(d) => {
                    let mode = if mode == Mode::Flat || fits(max_width as isize - column as isize, d, &stack) {
                        Mode::Flat
                    } else {
                        Mode::Break
                    };
                    stack.push((indent, mode, d));
                }
                Doc::IfBreak(broken, flat) => {
                    stack.push((indent, mode, if mode == Mode::Break { broken } else { flat }))
                }
            }
        }
        out
    }
}

fn newline(out: &mut String, indent: usize) {
    let trimmed = out.trim_end_matches(' ').len();
    out.truncate(trimmed);
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Whether `doc`, laid out flat, and what follows it up to the next line break fit in `remaining`
/// columns.
fn fits(mut remaining: isize, doc: &Doc, rest: &[(usize, Mode, &Doc)]) -> bool {
    let mut stack: Vec<(Mode, &Doc)> = vec![(Mode::Flat, doc)];
    let mut rest = rest.iter().rev();
    loop {
        let (mode, doc) = match stack.pop() {
            Some(item) => item,
            None => match rest.next() {
                Some(&(_, mode, doc)) => (mode, doc),
                None => return true,
            },
        };
        match doc {
            Doc::Nil => {}
            Doc::Text(s) => remaining -= width(s) as isize,
            Doc::Line(flat) => {
                if mode == Mode::Break {
                    return true;
                }
                remaining -= flat.len() as isize;
            }
            Doc::HardLine | Doc::BreakParent => {
                if mode == Mode::Break {
                    return true;
                }
                return false;
            }
            Doc::Concat(docs) => stack.extend(docs.iter().rev().map(|d| (mode, d))),
            Doc::Nest(d) | Doc::Group(d) => stack.push((mode, d)),
            Doc::IfBreak(broken, flat) => stack.push((mode, if mode == Mode::Break { broken } else { flat })),
        }
        if remaining < 0 {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Doc {
        let mut parts = vec![text("[")];
        let mut inner = vec![softline()];
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                inner.push(text(","));
                inner.push(line());
            }
            inner.push(text(*item));
        }
        inner.push(if_break(text(","), Doc::Nil));
        parts.push(nest(concat(inner)));
        parts.push(softline());
        parts.push(text("]"));
        group(concat(parts))
    }

    #[test]
    fn a_group_that_fits_stays_flat() {
        assert_eq!(list(&["a", "b"]).render(20), "[a, b]");
    }

    #[test]
    fn a_group_that_does_not_fit_breaks() {
        assert_eq!(
            list(&["alpha", "beta", "gamma"]).render(10),
            "[\n  alpha,\n  beta,\n  gamma,\n]"
        );
    }

    #[test]
    fn a_hard_line_breaks_the_enclosing_group() {
        let doc = group(concat([
            text("{"),
            nest(concat([line(), text("x"), hardline(), text("y")])),
            line(),
            text("}"),
        ]));
        assert_eq!(doc.render(80), "{\n  x\n  y\n}");
    }

    #[test]
    fn blank_lines_carry_no_indentation() {
        let doc = nest(concat([text("a"), hardline(), hardline(), text("b")]));
        assert_eq!(doc.render(80), "a\n\n  b");
    }
}
