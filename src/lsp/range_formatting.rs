//! Range formatting: `govc fmt` on the declarations a selection touches, the rest of the file
//! left as it is.
//!
//! The file is cut where the parser cuts it (its header, then each top-level declaration with
//! the comments and blank lines after it). When the whole file parses, it is formatted as `govc
//! fmt` would, and each touched piece is replaced by the same piece of the formatted text, so
//! formatting every declaration one by one gives exactly `govc fmt`'s output. When another part
//! of the file has a syntax error, each touched piece that parses is formatted on its own and
//! the blank lines after it are kept. A piece that does not parse is left as it is.

use super::position::LineIndex;
use crate::syntax::declaration_ranges;
use lsp_types::TextEdit;
use std::ops::Range;

/// What a lone declaration is formatted under: it needs a package to be a file.
const STAND_IN_HEADER: &str = "package range_formatting\n\n";

/// The edits that format the pieces of `text` that the byte range `selection` touches.
pub fn format_range(text: &str, selection: Range<usize>) -> Vec<TextEdit> {
    let pieces = pieces(text);
    let touched: Vec<usize> = (0..pieces.len())
        .filter(|&i| {
            let content = content(text, &pieces[i]);
            !content.is_empty() && content.start <= selection.end && selection.start <= content.end
        })
        .collect();
    let replacements: Vec<(Range<usize>, String)> = match crate::fmt::format_text(text) {
        Ok(formatted) => {
            let formatted_pieces = self::pieces(&formatted);
            if formatted_pieces.len() != pieces.len() {
                return Vec::new();
            }
            touched
                .iter()
                .map(|&i| (pieces[i].clone(), formatted[formatted_pieces[i].clone()].to_string()))
                .collect()
        }
        Err(_) => touched
            .iter()
            .filter_map(|&i| {
                let content = content(text, &pieces[i]);
                Some((content.clone(), format_alone(&text[content], i == 0)?))
            })
            .collect(),
    };
    let lines = LineIndex::new(text);
    replacements
        .into_iter()
        .filter(|(range, new)| text[range.clone()] != *new)
        .map(|(range, new)| TextEdit::new(lines.range(text, range), new))
        .collect()
}

/// The header and the declarations, covering the whole text.
fn pieces(text: &str) -> Vec<Range<usize>> {
    let (header, decls) = declaration_ranges(text);
    std::iter::once(header).chain(decls).collect()
}

/// A piece without the blank space after it.
fn content(text: &str, piece: &Range<usize>) -> Range<usize> {
    piece.start..piece.start + text[piece.clone()].trim_end().len()
}

/// One piece formatted by itself (the header as a file of its own, a declaration under a
/// stand-in header), without a final line break.
fn format_alone(piece: &str, is_header: bool) -> Option<String> {
    if is_header {
        return crate::fmt::format_text(piece).ok().map(|f| f.trim_end().to_string());
    }
    let formatted = crate::fmt::format_text(&format!("{STAND_IN_HEADER}{piece}")).ok()?;
    Some(formatted.strip_prefix(STAND_IN_HEADER)?.trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies edits that do not overlap.
    fn apply(text: &str, edits: &[TextEdit]) -> String {
        let lines = LineIndex::new(text);
        let mut out = text.to_string();
        let mut ranges: Vec<(usize, usize, &str)> = edits
            .iter()
            .map(|e| {
                (
                    lines.offset(text, e.range.start),
                    lines.offset(text, e.range.end),
                    e.new_text.as_str(),
                )
            })
            .collect();
        ranges.sort_by_key(|r| std::cmp::Reverse(r.0));
        for (start, end, new) in ranges {
            out.replace_range(start..end, new);
        }
        out
    }

    const MESSY: &str = "package   p\nimport std.ai.{Dataset}\n// a note\ntype T {   name : string }\n\n\n\nfn f(t:T)->bool=t.name==\"x\"\nfn g(t:T)->bool=f(t)\n/// docs\npolicy q { severity=high\n subject t: T\n deny \"no\" when not f(t) }\n";

    #[test]
    fn formatting_every_declaration_in_turn_gives_the_formatted_file() {
        let expected = crate::fmt::format_text(MESSY).expect("formats");
        let mut text = MESSY.to_string();
        for anchor in ["package", "type T", "fn f", "fn g", "policy q"] {
            let at = text.find(anchor).expect("anchor");
            let edits = format_range(&text, at..at);
            assert!(!edits.is_empty(), "`{anchor}` was not formatted");
            text = apply(&text, &edits);
        }
        assert_eq!(text, expected);
        assert!(format_range(&text, 0..text.len()).is_empty());
    }

    #[test]
    fn a_selection_formats_only_what_it_touches() {
        let at = MESSY.find("fn g").expect("fn g");
        let formatted = apply(MESSY, &format_range(MESSY, at..at + 4));
        assert!(formatted.contains("fn g(t: T) -> bool = f(t)\n"), "{formatted}");
        assert!(formatted.contains("fn f(t:T)->bool"), "{formatted}");
        assert!(formatted.contains("type T {   name : string }"), "{formatted}");
    }

    #[test]
    fn a_broken_declaration_elsewhere_does_not_stop_it() {
        let broken = MESSY.replace("fn g(t:T)->bool=f(t)", "fn g(t:T)->bool=f(");
        let at = broken.find("type T").expect("type");
        let formatted = apply(&broken, &format_range(&broken, at..at));
        assert!(
            formatted.contains("type T {\n  name: string\n}\n\n\n\nfn f"),
            "{formatted}"
        );
        let at = broken.find("fn g").expect("fn g");
        assert!(format_range(&broken, at..at).is_empty());
    }
}
