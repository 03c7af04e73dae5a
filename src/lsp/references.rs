//! Find references: every occurrence of the name under the cursor in the project (and in the
//! standard library), its declaration included when the editor asks for it.

use super::workspace::Snapshot;
use crate::span::FileId;
use lsp_types::Location;

pub fn references(snapshot: &Snapshot, file: FileId, offset: usize, include_declaration: bool) -> Vec<Location> {
    let index = snapshot.index();
    let Some(occurrence) = index.at(file, offset) else {
        return Vec::new();
    };
    index
        .occurrences_of(&occurrence.symbol)
        .filter(|o| include_declaration || !o.is_def)
        .filter_map(|o| snapshot.location(o.span))
        .collect()
}
