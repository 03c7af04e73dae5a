//! Rename: every occurrence of a declared name, in every file of the project. The standard
//! library, built-in functions and package names cannot be renamed, and the new name must be an
//! identifier that is not a keyword.

use super::index::Symbol;
use super::workspace::Snapshot;
use crate::span::FileId;
use lsp_types::{Range, TextEdit, Url, WorkspaceEdit};
use std::collections::HashMap;

/// The range of the name that would be renamed, or why it cannot be.
pub fn prepare(snapshot: &Snapshot, file: FileId, offset: usize) -> Result<Range, String> {
    let index = snapshot.index();
    let occurrence = index
        .at(file, offset)
        .ok_or_else(|| "there is no name to rename here".to_string())?;
    check_symbol(snapshot, &occurrence.symbol)?;
    Ok(snapshot.range(occurrence.span))
}

pub fn rename(snapshot: &Snapshot, file: FileId, offset: usize, new_name: &str) -> Result<WorkspaceEdit, String> {
    if !is_identifier(new_name) {
        return Err(format!("`{new_name}` is not a valid name"));
    }
    if crate::syntax::lexicon::is_keyword(new_name) || crate::checked::is_reserved_type_name(new_name) {
        return Err(format!("`{new_name}` is a reserved word"));
    }
    let index = snapshot.index();
    let occurrence = index
        .at(file, offset)
        .ok_or_else(|| "there is no name to rename here".to_string())?;
    check_symbol(snapshot, &occurrence.symbol)?;
    let mut changes: HashMap<Url, Vec<TextEdit>> = HashMap::new();
    for o in index.occurrences_of(&occurrence.symbol) {
        if snapshot.is_stdlib(o.span.file) {
            continue;
        }
        let Some(uri) = snapshot.uri(o.span.file) else { continue };
        changes
            .entry(uri.clone())
            .or_default()
            .push(TextEdit::new(snapshot.range(o.span), new_name.to_string()));
    }
    for edits in changes.values_mut() {
        edits.sort_by_key(|e| (e.range.start.line, e.range.start.character));
    }
    Ok(WorkspaceEdit::new(changes))
}

fn check_symbol(snapshot: &Snapshot, symbol: &Symbol) -> Result<(), String> {
    match symbol {
        Symbol::Builtin(_) => return Err("built-in functions cannot be renamed".into()),
        Symbol::Module(_) => return Err("rename a package by editing its `package` lines".into()),
        Symbol::Field(super::index::Owner::Resource(_), name) => {
            return Err(format!("`{name}` is a field of every resource and cannot be renamed"))
        }
        _ => {}
    }
    let declared_in_stdlib = snapshot
        .index()
        .definition(&snapshot.analysis, symbol)
        .is_some_and(|span| snapshot.is_stdlib(span.file));
    if declared_in_stdlib {
        return Err("names of the standard library cannot be renamed".into());
    }
    Ok(())
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
