//! The JSON format: one object per diagnostic, for scripts and editors that are not LSP clients.
//! Lines and columns are 1-based; columns count Unicode scalar values; `end_*` points just past the
//! last character of the span.

use super::Diagnostic;
use crate::source::SourceMap;
use crate::span::Span;
use serde::Serialize;

/// Renders `diags`, in order, as a pretty-printed JSON array (without a final newline).
pub fn render(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let items: Vec<JsonDiagnostic<'_>> = diags.iter().map(|d| JsonDiagnostic::new(d, sources)).collect();
    serde_json::to_string_pretty(&items).expect("plain structs with string keys always serialize")
}

// Field order here is the key order of the output.
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    code: &'static str,
    severity: &'static str,
    message: &'a str,
    labels: Vec<JsonLabel<'a>>,
    notes: &'a [String],
    help: Option<&'a str>,
    suggestion: Option<JsonSuggestion<'a>>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonSuggestion<'a> {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    replacement: &'a str,
}

/// Where a span starts and ends, as 1-based lines and columns.
struct Range {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

// INVARIANT: every span's file is in `sources` (diagnostics come from the compilation that built it).
fn range(sources: &SourceMap, span: Span) -> Range {
    let start = sources.line_col(span.file, span.start as usize);
    let end = sources.line_col(span.file, span.end as usize);
    Range {
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
    }
}

impl<'a> JsonDiagnostic<'a> {
    fn new(diag: &'a Diagnostic, sources: &'a SourceMap) -> Self {
        let at = range(sources, diag.primary.span);
        let labels = diag
            .secondary
            .iter()
            .map(|label| {
                let at = range(sources, label.span);
                JsonLabel {
                    file: &sources.get(label.span.file).name,
                    line: at.line,
                    column: at.column,
                    end_line: at.end_line,
                    end_column: at.end_column,
                    message: &label.message,
                }
            })
            .collect();
        let suggestion = diag.suggestion.as_ref().map(|s| {
            let at = range(sources, s.span);
            JsonSuggestion {
                line: at.line,
                column: at.column,
                end_line: at.end_line,
                end_column: at.end_column,
                replacement: &s.replacement,
            }
        });
        JsonDiagnostic {
            file: &sources.get(diag.primary.span.file).name,
            line: at.line,
            column: at.column,
            end_line: at.end_line,
            end_column: at.end_column,
            code: diag.code.id(),
            severity: diag.severity.as_str(),
            message: &diag.message,
            labels,
            notes: &diag.notes,
            help: diag.help.as_deref(),
            suggestion,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;
    use serde_json::{json, Value};

    #[test]
    fn renders_every_field_in_order() {
        let mut sources = SourceMap::new();
        let file = sources.add("a.gov", None, "package a\nlet ünit = nmae\n".to_string(), false);
        let diags = [
            Diagnostic::error(Code::UnknownName, Span::new(file, 22, 26), "unknown name `nmae`")
                .with_label("not found")
                .with_secondary(Span::new(file, 14, 19), "declared here")
                .with_note("names are case-sensitive")
                .with_did_you_mean("name"),
        ];
        let out = render(&diags, &sources);
        let value: Value = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(
            value,
            json!([{
                "file": "a.gov", "line": 2, "column": 12, "end_line": 2, "end_column": 16,
                "code": "E0102", "severity": "error", "message": "unknown name `nmae`",
                "labels": [{"file": "a.gov", "line": 2, "column": 5, "end_line": 2, "end_column": 9,
                            "message": "declared here"}],
                "notes": ["names are case-sensitive"],
                "help": "did you mean `name`?",
                "suggestion": {"line": 2, "column": 12, "end_line": 2, "end_column": 16, "replacement": "name"}
            }])
        );
        let keys = [
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
            "code",
            "severity",
            "message",
        ];
        let positions: Vec<usize> = keys
            .iter()
            .map(|k| out.find(&format!("\"{k}\"")).unwrap_or(usize::MAX))
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{out}");
        let tail = ["\"labels\"", "\"notes\"", "\"help\"", "\"suggestion\""];
        let positions: Vec<usize> = tail.iter().map(|k| out.rfind(k).unwrap_or(usize::MAX)).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{out}");
    }

    #[test]
    fn absent_help_and_suggestion_are_null_and_no_diagnostics_is_an_empty_array() {
        let mut sources = SourceMap::new();
        let file = sources.add("b.gov", None, "x".to_string(), false);
        let diags = [Diagnostic::warning(
            Code::UnusedImport,
            Span::new(file, 0, 1),
            "an import is never used",
        )];
        let value: Value = serde_json::from_str(&render(&diags, &sources)).expect("valid JSON");
        assert_eq!(value[0]["severity"], "warning");
        assert_eq!(value[0]["help"], Value::Null);
        assert_eq!(value[0]["suggestion"], Value::Null);
        assert_eq!(value[0]["labels"], json!([]));
        assert_eq!(render(&[], &sources), "[]");
    }
}
