//! The terminal format: diagnostics drawn under their source lines with codespan-reporting, the
//! way `govc check` prints them to a person.

use super::{Diagnostic, Label, Severity};
use crate::english::count_s;
use crate::source::{SourceFile, SourceMap};
use crate::span::{FileId, Span};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{self, Files};
use codespan_reporting::term::{self, termcolor::Buffer};
use std::ops::Range;

/// Renders `diags` in order, each followed by a blank line, with ANSI colours when `color` is set.
pub fn render(diags: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let files = SourceFiles(sources);
    let config = term::Config::default();
    let mut out = String::new();
    for diag in diags {
        // A directory has no line to show: say where, plainly.
        if sources
            .get_checked(diag.primary.span.file)
            .is_some_and(|f| f.is_directory)
        {
            out.push_str(&render_plain(diag, sources));
            continue;
        }
        let mut buffer = if color { Buffer::ansi() } else { Buffer::no_color() };
        let rendered = to_codespan(diag, &files);
        match term::emit(&mut buffer, &config, &files, &rendered) {
            Ok(()) => out.push_str(&String::from_utf8_lossy(buffer.as_slice())),
            // A span that codespan cannot place must not lose the diagnostic: print it unframed.
            Err(_) => out.push_str(&render_plain(diag, sources)),
        }
    }
    out
}

/// The closing line of a run, e.g. `error: could not check the project: 2 errors, 1 warning emitted`,
/// or `warning: 1 warning emitted` when there are only warnings. Empty when there is nothing to
/// report; never ends in a newline.
pub fn summary(diags: &[Diagnostic]) -> String {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    match (errors, warnings) {
        (0, 0) => String::new(),
        (0, w) => format!("warning: {} emitted", count_s(w, "warning")),
        (e, 0) => format!("error: could not check the project: {} emitted", count_s(e, "error")),
        (e, w) => format!(
            "error: could not check the project: {}, {} emitted",
            count_s(e, "error"),
            count_s(w, "warning")
        ),
    }
}

/// Whether diagnostics written to stderr should be coloured: see [`color_wanted`].
pub fn use_color() -> bool {
    use std::io::IsTerminal;
    color_wanted(std::io::stderr().is_terminal(), |name| std::env::var_os(name))
}

/// The colour conventions of the command line, first match wins:
///
/// 1. `NO_COLOR` set and not empty (<https://no-color.org>): no colour;
/// 2. `CLICOLOR_FORCE` set and not `0` (<https://bixense.com/clicolors/>), or `FORCE_COLOR` set
///    and neither `0` nor `false`: colour, even when not on a terminal; `FORCE_COLOR=0` or
///    `false`: no colour;
/// 3. `CLICOLOR=0` or `TERM=dumb`: no colour;
/// 4. otherwise colour exactly when the output is a terminal.
///
/// `env` reads a variable, so the rules are tested without touching the process environment.
pub fn color_wanted(is_terminal: bool, env: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    let set = |name: &str| env(name).filter(|v| !v.is_empty());
    if set("NO_COLOR").is_some() {
        return false;
    }
    if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
        return true;
    }
    if let Some(force) = set("FORCE_COLOR") {
        return force != "0" && force != "false";
    }
    if set("CLICOLOR").is_some_and(|v| v == "0") || set("TERM").is_some_and(|v| v == "dumb") {
        return false;
    }
    is_terminal
}

fn to_codespan(diag: &Diagnostic, files: &SourceFiles<'_>) -> cs::Diagnostic<FileId> {
    let severity = match diag.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let label = |style, label: &Label| {
        cs::Label::new(style, label.span.file, files.clamp(label.span)).with_message(&label.message)
    };
    let labels = std::iter::once(label(cs::LabelStyle::Primary, &diag.primary))
        .chain(diag.secondary.iter().map(|l| label(cs::LabelStyle::Secondary, l)))
        .collect();
    let notes = diag
        .notes
        .iter()
        .map(|n| format!("note: {n}"))
        .chain(diag.help.iter().map(|h| format!("help: {h}")))
        .collect();
    cs::Diagnostic::new(severity)
        .with_code(diag.code.id())
        .with_message(&diag.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// The diagnostic without a source excerpt, for the rare span codespan refuses.
fn render_plain(diag: &Diagnostic, sources: &SourceMap) -> String {
    let mut out = format!("{}[{}]: {}\n", diag.severity.as_str(), diag.code.id(), diag.message);
    let span = diag.primary.span;
    match sources.get_checked(span.file) {
        Some(file) if file.is_directory => out.push_str(&format!("  --> {}\n", file.name)),
        Some(file) => {
            let at = sources.line_col(span.file, span.start as usize);
            out.push_str(&format!("  --> {}:{}:{}\n", file.name, at.line, at.column));
        }
        None => {}
    }
    for note in &diag.notes {
        out.push_str(&format!("  = note: {note}\n"));
    }
    if let Some(help) = &diag.help {
        out.push_str(&format!("  = help: {help}\n"));
    }
    out.push('\n');
    out
}

/// codespan's view of a [`SourceMap`], reusing the line starts the map already computed.
struct SourceFiles<'a>(&'a SourceMap);

impl<'a> SourceFiles<'a> {
    fn file(&self, id: FileId) -> Result<&'a SourceFile, files::Error> {
        if (id.0 as usize) < self.0.len() {
            Ok(self.0.get(id))
        } else {
            Err(files::Error::FileMissing)
        }
    }

    /// The span's byte range, shrunk to the file and to character boundaries so codespan can
    /// slice the text with it.
    fn clamp(&self, span: Span) -> Range<usize> {
        let Ok(file) = self.file(span.file) else {
            return span.range();
        };
        let text = &file.text;
        let floor = |mut i: usize| {
            i = i.min(text.len());
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let start = floor(span.start as usize);
        start..floor(span.end as usize).max(start)
    }

    fn line_start(&self, id: FileId, line_index: usize) -> Result<usize, files::Error> {
        let file = self.file(id)?;
        let starts = file.line_starts();
        match line_index.cmp(&starts.len()) {
            std::cmp::Ordering::Less => Ok(starts[line_index]),
            std::cmp::Ordering::Equal => Ok(file.text.len()),
            std::cmp::Ordering::Greater => Err(files::Error::LineTooLarge {
                given: line_index,
                max: starts.len().saturating_sub(1),
            }),
        }
    }
}

impl<'a> Files<'a> for SourceFiles<'a> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        Ok(&self.file(id)?.name)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        Ok(&self.file(id)?.text)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, files::Error> {
        let starts = self.file(id)?.line_starts();
        Ok(match starts.binary_search(&byte_index) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        })
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, files::Error> {
        Ok(self.line_start(id, line_index)?..self.line_start(id, line_index + 1)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;

    fn fixture() -> (SourceMap, Vec<Diagnostic>) {
        let mut sources = SourceMap::new();
        let text = "package demo\n\npolicy p {\n  deny when input.nmae == \"x\"\n}\n".to_string();
        let file = sources.add("policies/demo.gov", None, text, false);
        let field = Span::new(file, 43, 47);
        let decl = Span::new(file, 14, 22);
        let diags = vec![
            Diagnostic::error(Code::UnknownField, field, "unknown field `nmae` on `Input`")
                .with_label("no such field")
                .with_secondary(decl, "in this policy")
                .with_note("`Input` has fields `name` and `owner`")
                .with_did_you_mean("name"),
            Diagnostic::warning(Code::UnusedImport, Span::new(file, 0, 7), "an import is never used"),
        ];
        (sources, diags)
    }

    #[test]
    fn plain_rendering_shows_code_labels_notes_and_help() {
        let (sources, diags) = fixture();
        let out = render(&diags, &sources, false);
        assert!(
            out.starts_with("error[E0201]: unknown field `nmae` on `Input`\n"),
            "{out}"
        );
        assert!(out.contains("policies/demo.gov:4:19"), "{out}");
        assert!(out.contains("^^^^ no such field"), "{out}");
        assert!(out.contains("in this policy"), "{out}");
        assert!(out.contains("= note: `Input` has fields `name` and `owner`"), "{out}");
        assert!(out.contains("= help: did you mean `name`?"), "{out}");
        assert!(out.contains("warning[W0101]: an import is never used"), "{out}");
        assert!(!out.contains('\u{1b}'), "{out}");
    }

    #[test]
    fn color_adds_ansi_escapes() {
        let (sources, diags) = fixture();
        assert!(render(&diags, &sources, true).contains("\u{1b}["));
    }

    #[test]
    fn spans_past_the_end_or_inside_a_character_still_render() {
        let mut sources = SourceMap::new();
        let file = sources.add("é.gov", None, "é".to_string(), false);
        let diags = [
            Diagnostic::error(Code::Syntax, Span::new(file, 1, 99), "inside a character"),
            Diagnostic::error(Code::Syntax, Span::new(FileId(7), 0, 1), "no such file"),
        ];
        let out = render(&diags, &sources, false);
        assert!(out.contains("error[E0001]: inside a character"), "{out}");
        assert!(out.contains("error[E0001]: no such file"), "{out}");
    }

    #[test]
    fn summary_counts_errors_and_warnings() {
        let (_, diags) = fixture();
        assert_eq!(summary(&[]), "");
        assert_eq!(
            summary(&diags),
            "error: could not check the project: 1 error, 1 warning emitted"
        );
        assert_eq!(summary(&diags[1..]), "warning: 1 warning emitted");
        let errors = [diags[0].clone(), diags[0].clone()];
        assert_eq!(summary(&errors), "error: could not check the project: 2 errors emitted");
    }

    #[test]
    fn colour_follows_the_environment_conventions() {
        let with = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            }
        };
        assert!(color_wanted(true, with(&[])));
        assert!(!color_wanted(false, with(&[])));
        // NO_COLOR counts only when not empty, and wins over forcing.
        assert!(color_wanted(true, with(&[("NO_COLOR", "")])));
        assert!(!color_wanted(true, with(&[("NO_COLOR", "1")])));
        assert!(!color_wanted(true, with(&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")])));
        // Forcing works off a terminal.
        assert!(color_wanted(false, with(&[("CLICOLOR_FORCE", "1")])));
        assert!(!color_wanted(false, with(&[("CLICOLOR_FORCE", "0")])));
        assert!(color_wanted(false, with(&[("FORCE_COLOR", "1")])));
        assert!(color_wanted(false, with(&[("FORCE_COLOR", "true"), ("TERM", "dumb")])));
        assert!(!color_wanted(true, with(&[("FORCE_COLOR", "0")])));
        assert!(!color_wanted(true, with(&[("FORCE_COLOR", "false")])));
        // Turning colour off on a terminal.
        assert!(!color_wanted(true, with(&[("CLICOLOR", "0")])));
        assert!(color_wanted(true, with(&[("CLICOLOR", "1")])));
        assert!(!color_wanted(true, with(&[("TERM", "dumb")])));
        assert!(color_wanted(true, with(&[("TERM", "xterm-256color")])));
    }
}
