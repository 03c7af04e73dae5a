//! The GitHub Actions format: one workflow command per diagnostic (`::error file=…::message`), which
//! the runner turns into an annotation on the pull request's diff.

use super::{Diagnostic, Severity};
use crate::source::SourceMap;

/// Renders `diags` in order, one `::error` or `::warning` command per line, each ending in a newline.
pub fn render(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = String::new();
    for diag in diags {
        let span = diag.primary.span;
        // INVARIANT: every span's file is in `sources` (diagnostics come from the compilation that built it).
        let source = sources.get(span.file);
        let file = source.name.replace('\\', "/");
        // A directory (the project, when it has no sources) has no lines to point at.
        let position = if source.is_directory {
            String::new()
        } else {
            let start = sources.line_col(span.file, span.start as usize);
            let end = sources.line_col(span.file, span.end as usize);
            format!(
                ",line={},col={},endLine={},endColumn={}",
                start.line, start.column, end.line, end.column
            )
        };
        let command = match diag.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = diag.message.clone();
        if let Some(help) = &diag.help {
            message.push_str(&format!(" (help: {help})"));
        }
        out.push_str(&format!(
            "::{command} file={}{position},title={}::{}\n",
            escape_property(&file),
            escape_property(diag.code.id()),
            escape_data(&message),
        ));
    }
    out
}

/// Escapes the message of a workflow command, as `escapeData` in `@actions/core`:
/// `%` → `%25`, `\r` → `%0D`, `\n` → `%0A`.
pub fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes a property value of a workflow command (`file=`, `title=`, …), as `escapeProperty` in
/// `@actions/core`: what [`escape_data`] escapes, plus `:` → `%3A` and `,` → `%2C`, which would
/// otherwise end the value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;
    use crate::span::Span;

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(escape_data("100% done\r\nnext: a,b"), "100%25 done%0D%0Anext: a,b");
        assert_eq!(
            escape_property("100% done\r\nnext: a,b"),
            "100%25 done%0D%0Anext%3A a%2Cb"
        );
        // `%` is escaped first in effect: an already escaped sequence is escaped again, not kept.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn one_command_per_diagnostic() {
        let mut sources = SourceMap::new();
        let file = sources.add("dir,1/a:b.gov", None, "package a\nlet x = nmae\n".to_string(), false);
        let diags = [
            Diagnostic::error(
                Code::UnknownName,
                Span::new(file, 18, 22),
                "unknown name `nmae`\n50% sure",
            )
            .with_did_you_mean("name"),
            Diagnostic::warning(Code::UnusedImport, Span::new(file, 0, 7), "an import is never used"),
        ];
        assert_eq!(
            render(&diags, &sources),
            "::error file=dir%2C1/a%3Ab.gov,line=2,col=9,endLine=2,endColumn=13,title=E0102::\
             unknown name `nmae`%0A50%25 sure (help: did you mean `name`?)\n\
             ::warning file=dir%2C1/a%3Ab.gov,line=1,col=1,endLine=1,endColumn=8,title=W0101::\
             an import is never used\n"
        );
        assert_eq!(render(&[], &sources), "");
    }
}
