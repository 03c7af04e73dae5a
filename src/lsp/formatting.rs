//! Formatting a document: `govc fmt` on the editor's text, as one edit. A file with syntax
//! errors is left as it is.

use lsp_types::{Position, Range, TextEdit};

use super::position::LineIndex;

pub fn format(text: &str) -> Vec<TextEdit> {
    match crate::fmt::format_text(text) {
        Ok(formatted) if formatted != text => {
            let lines = LineIndex::new(text);
            let end = lines.position(text, text.len());
            vec![TextEdit::new(Range::new(Position::new(0, 0), end), formatted)]
        }
        _ => Vec::new(),
    }
}
