//! `govc fmt`: one canonical layout for `.gov` files (see `fmt/print.rs` for what it is).
//!
//! Formatting is safe by construction, as Cedar's formatter is: the output is parsed again and
//! must give the same syntax tree (spans aside) and the same comments in the same order, or
//! nothing is returned. A file that does not parse is never formatted.

mod comments;
mod doc;
mod print;

use crate::diagnostic::Diagnostic;
use crate::span::FileId;
use crate::syntax::ast::SourceModule;
use crate::syntax::visit::Visit;
use std::ops::Range;

pub use print::MAX_WIDTH;

/// Why a text was not formatted.
#[derive(Debug)]
pub enum FormatError {
    /// The text has syntax errors (parsed as file `FileId(0)`); only a file that parses is
    /// formatted.
    Syntax(Vec<Diagnostic>),
    /// The formatted text would not mean the same as the original: a bug in the formatter,
    /// caught before anything was written.
    Unsafe(String),
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormatError::Syntax(d) => write!(f, "the file has {} syntax error(s)", d.len()),
            FormatError::Unsafe(why) => write!(
                f,
                "formatting would change the file's meaning ({why}); it was left as is"
            ),
        }
    }
}

/// Formats one file's text, or explains why it cannot.
pub fn format_text(text: &str) -> Result<String, FormatError> {
    let (module, diags) = crate::syntax::parse_file(FileId(0), text);
    if !diags.is_empty() {
        return Err(FormatError::Syntax(diags));
    }
    let comments = free_comments(text, &module);
    let mut printer = print::Printer::new(text, comments.clone());
    let mut out = printer.module(&module).render(MAX_WIDTH);
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    verify(&module, &comments, &out)?;
    Ok(out)
}

/// The re-parse check: the output must parse cleanly to the same tree, with the same comments.
fn verify(original: &SourceModule, comments: &[comments::Comment], output: &str) -> Result<(), FormatError> {
    let (module, diags) = crate::syntax::parse_file(FileId(0), output);
    if let Some(d) = diags.first() {
        return Err(FormatError::Unsafe(format!("the output does not parse: {}", d.message)));
    }
    if shape(&module) != shape(original) {
        return Err(FormatError::Unsafe(
            "the output parses to a different syntax tree".into(),
        ));
    }
    let before: Vec<&str> = comments.iter().map(|c| c.text.as_str()).collect();
    let after_comments = free_comments(output, &module);
    let after: Vec<&str> = after_comments.iter().map(|c| c.text.as_str()).collect();
    if before != after {
        return Err(FormatError::Unsafe("a comment would be lost or reordered".into()));
    }
    Ok(())
}

/// A syntax tree without its spans: what the program says, not where.
pub fn shape(module: &SourceModule) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                map.retain(|k, _| k != "span" && k != "value_span");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(module).unwrap_or(serde_json::Value::Null);
    strip(&mut v);
    v
}

/// The comments that are not documentation: `///` lines that the tree holds as a declaration's
/// doc are printed from the tree.
fn free_comments(text: &str, module: &SourceModule) -> Vec<comments::Comment> {
    let docs = doc_ranges(module);
    comments::collect(text)
        .into_iter()
        .filter(|c| !(c.text.starts_with("///") && docs.iter().any(|r| r.contains(&c.start))))
        .collect()
}

fn doc_ranges(module: &SourceModule) -> Vec<Range<usize>> {
    struct Docs(Vec<Range<usize>>);
    impl<'a> Visit<'a> for Docs {
        fn visit_doc(&mut self, doc: &'a crate::syntax::ast::Doc) {
            self.0.push(doc.span.range());
        }
    }
    let mut docs = Docs(Vec::new());
    for decl in &module.decls {
        docs.visit_decl(decl);
    }
    docs.0
}
