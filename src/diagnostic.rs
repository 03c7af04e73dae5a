//! Diagnostics as data. Every stage reports problems as [`Diagnostic`] values; they are rendered in
//! exactly one place per output format (`diagnostic/{human,json,sarif,github}.rs`), and the
//! language server converts the same values.

pub mod code;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;
pub mod suggest;

pub use code::Code;

use crate::span::Span;
use serde::Serialize;

/// How bad a diagnostic is. Errors make `govc check` exit 1; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A message attached to a span of source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// A machine-applicable replacement, offered as "did you mean" help and as an LSP quick fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub span: Span,
    pub replacement: String,
}

/// One problem found in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// Lowercase, no final period, user input in backticks.
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
    pub suggestion: Option<Suggestion>,
}

impl Diagnostic {
    /// An error with the given code whose primary label points at `span`.
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, span, message)
    }

    /// A warning with the given code whose primary label points at `span`.
    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Warning, span, message)
    }

    fn new(code: Code, severity: Severity, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            primary: Label {
                span,
                message: String::new(),
            },
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            suggestion: None,
        }
    }

    /// Sets the text under the primary label.
    pub fn with_label(mut self, message: impl Into<String>) -> Self {
        self.primary.message = message.into();
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Offers to replace `span` by `replacement` (a quick fix in the editor).
    pub fn with_replacement(mut self, span: Span, replacement: &str) -> Self {
        self.suggestion = Some(Suggestion {
            span,
            replacement: replacement.to_string(),
        });
        self
    }

    /// Adds "did you mean `x`?" help and a replacement of the primary span by `x`.
    pub fn with_did_you_mean(mut self, replacement: &str) -> Self {
        self.help = Some(format!("did you mean `{replacement}`?"));
        self.suggestion = Some(Suggestion {
            span: self.primary.span,
            replacement: replacement.to_string(),
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Whether the parser reported it (the text is not well-formed), not a later stage.
    pub fn is_syntax(&self) -> bool {
        matches!(
            self.code,
            Code::Syntax | Code::InvalidEscape | Code::MissingPackage | Code::InvalidNumber
        )
    }
}

/// The most diagnostics one run reports before it stops listing them.
pub const MAX_DIAGNOSTICS: usize = 200;

/// Orders diagnostics by file and position so every output is deterministic, and drops exact repeats.
pub fn sort_and_dedup(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| {
        (
            a.primary.span.file,
            a.primary.span.start,
            a.primary.span.end,
            a.code,
            &a.message,
        )
            .cmp(&(
                b.primary.span.file,
                b.primary.span.start,
                b.primary.span.end,
                b.code,
                &b.message,
            ))
    });
    diags.dedup();
}
