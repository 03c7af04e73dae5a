//! Quick fixes: the "did you mean" suggestion of a diagnostic as a one-click replacement, and the
//! removal of an unused import.

use super::diagnostics::convert;
use super::workspace::Snapshot;
use crate::diagnostic::{Code, Diagnostic};
use crate::span::{FileId, Span};
use lsp_types::{CodeAction, CodeActionKind, TextEdit, WorkspaceEdit};
use std::collections::HashMap;

/// The fixes for the diagnostics of `file` that overlap the byte range `start..end`.
pub fn code_actions(snapshot: &Snapshot, file: FileId, start: usize, end: usize) -> Vec<CodeAction> {
    let mut out = Vec::new();
    for d in &snapshot.analysis.diagnostics {
        let span = d.primary.span;
        if span.file != file || (span.end as usize) < start || (span.start as usize) > end {
            continue;
        }
        if let Some(s) = &d.suggestion {
            let original = snapshot.analysis.sources.snippet(s.span);
            out.push(action(
                snapshot,
                d,
                format!("Replace `{original}` with `{}`", s.replacement),
                s.span,
                s.replacement.clone(),
            ));
        } else if d.code == Code::UnusedImport {
            if let Some((span, title)) = unused_import_removal(snapshot, d) {
                out.push(action(snapshot, d, title, span, String::new()));
            }
        }
    }
    out
}

fn action(snapshot: &Snapshot, d: &Diagnostic, title: String, span: Span, new_text: String) -> CodeAction {
    let mut changes = HashMap::new();
    if let Some(uri) = snapshot.uri(span.file) {
        changes.insert(uri.clone(), vec![TextEdit::new(snapshot.range(span), new_text)]);
    }
    CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![convert(snapshot, d)]),
        edit: Some(WorkspaceEdit::new(changes)),
        is_preferred: Some(true),
        ..CodeAction::default()
    }
}

/// What to delete for an unused import: the name and its comma in a list of several, else the
/// whole `import` line.
fn unused_import_removal(snapshot: &Snapshot, d: &Diagnostic) -> Option<(Span, String)> {
    let span = d.primary.span;
    let module = snapshot.module(span.file)?;
    let import = module
        .imports
        .iter()
        .find(|i| i.span.start <= span.start && span.end <= i.span.end)?;
    let text = snapshot.text(span.file);
    let name = snapshot.analysis.sources.snippet(span);
    let title = format!("Remove unused import `{name}`");
    match &import.names {
        Some(names) if names.len() > 1 => {
            let i = names.iter().position(|n| n.span == span)?;
            // Delete up to the next name, or from the previous one for the last name.
            let removed = if i + 1 < names.len() {
                Span {
                    end: names[i + 1].span.start,
                    ..span
                }
            } else {
                Span {
                    start: names[i - 1].span.end,
                    ..span
                }
            };
            Some((removed, title))
        }
        _ => {
            let line_start = text[..import.span.start as usize].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[import.span.end as usize..]
                .find('\n')
                .map_or(text.len(), |i| import.span.end as usize + i + 1);
            Some((Span::new(span.file, line_start, line_end), title))
        }
    }
}
