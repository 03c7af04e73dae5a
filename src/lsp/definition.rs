//! Go to definition: types, fields, enum values, functions, policies, parameters and locals,
//! imported names and modules — across files and into the standard library.

use super::workspace::Snapshot;
use crate::span::FileId;
use lsp_types::Location;

pub fn definition(snapshot: &Snapshot, file: FileId, offset: usize) -> Option<Location> {
    let index = snapshot.index();
    let occurrence = index.at(file, offset)?;
    let span = index.definition(&snapshot.analysis, &occurrence.symbol)?;
    snapshot.location(span)
}
