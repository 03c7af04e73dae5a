//! govc's diagnostics as LSP diagnostics: the code (`E0201`), the message with its help and
//! notes, the primary label's range, and the secondary labels as related information.

use super::workspace::Snapshot;
use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::span::FileId;
use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, NumberOrString};
use std::collections::BTreeMap;

/// The diagnostics of every file of the project that is not in the stdlib, by file; files
/// without problems map to an empty list (so that the editor clears what it showed).
pub fn by_file(snapshot: &Snapshot) -> BTreeMap<FileId, Vec<lsp_types::Diagnostic>> {
    let mut out: BTreeMap<FileId, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
    for (id, f) in snapshot.analysis.sources.files() {
        if !f.is_stdlib {
            out.insert(id, Vec::new());
        }
    }
    for d in &snapshot.analysis.diagnostics {
        if let Some(list) = out.get_mut(&d.primary.span.file) {
            list.push(convert(snapshot, d));
        }
    }
    out
}

pub fn convert(snapshot: &Snapshot, d: &Diagnostic) -> lsp_types::Diagnostic {
    let mut message = d.message.clone();
    for note in &d.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|label| {
            Some(DiagnosticRelatedInformation {
                location: snapshot.location(label.span)?,
                message: label.message.clone(),
            })
        })
        .collect();
    let tags = match d.code {
        Code::UnusedImport | Code::RedundantHas => Some(vec![DiagnosticTag::UNNECESSARY]),
        _ => None,
    };
    lsp_types::Diagnostic {
        range: snapshot.range(d.primary.span),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.id().to_string())),
        code_description: None,
        source: Some("govc".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags,
        data: None,
    }
}
