//! Parsing between edits. A keystroke changes one declaration of one file, so the server parses
//! files declaration by declaration (as `syntax::parse_file` does) and keeps each declaration's
//! syntax tree keyed by its text: an unchanged declaration is reused, moved to its new offset.
//! The result is what `parse_file` returns (tested below), with one difference for the editor:
//!
//! While a declaration is being typed it does not parse, and the files that use it would see
//! its name vanish until the line is finished. So the last version of each declaration that
//! parsed stands in for it while it does not: its names and types stay visible to the rest of
//! the project. The stand-in's spans all point at the declaration's name, and the workspace
//! drops what the checker says inside a stand-in (the syntax error is what the user must see).

use crate::diagnostic::Diagnostic;
use crate::span::{FileId, Span};
use crate::syntax::ast::*;
use crate::syntax::visit::map_spans;
use crate::syntax::ParsedDecl;
use std::collections::HashMap;

/// A parsed declaration with spans relative to its chunk's start, in file `FileId(0)`.
type Parsed = (ParsedDecl, Vec<Diagnostic>);

/// Declarations parsed by earlier analyses, by text.
#[derive(Default)]
pub struct ParseCache {
    decls: HashMap<String, Parsed>,
    /// Entries used by the latest analysis; the others are dropped after it.
    used: HashMap<String, Parsed>,
    /// The text of the last version of each named declaration that parsed, by file name and
    /// declared name; its entry stays in the cache while it is the last good one.
    last_good: HashMap<String, HashMap<String, String>>,
}

/// One file as the cache parsed it.
pub struct Parse {
    pub module: SourceModule,
    pub diagnostics: Vec<Diagnostic>,
    /// The declarations that do not parse and have a stand-in: what the checker says there is
    /// about the stand-in, not the text.
    pub stand_ins: Vec<Span>,
}

impl ParseCache {
    /// Parses `text`, the content of the file named `name`, as file `file`, reusing the
    /// declarations it already knows.
    pub fn parse(&mut self, file: FileId, name: &str, text: &str) -> Parse {
        let (header, decls) = crate::syntax::declaration_ranges(text);
        let (mut module, mut diagnostics) = crate::syntax::parse_file(file, &text[header]);
        let last_good = self.last_good.remove(name).unwrap_or_default();
        let mut good = HashMap::new();
        let mut stand_ins = Vec::new();
        for range in decls {
            let chunk = &text[range.clone()];
            let (parsed, chunk_diags) = self.get(chunk);
            let by = range.start as u32;
            let moved =
                |span: Span| Span::new(file, span.start as usize + by as usize, span.end as usize + by as usize);
            match parsed {
                ParsedDecl::Decl(decl) => {
                    let mut decl = *decl;
                    map_spans(&mut decl, moved);
                    if let Some(name) = decl.name() {
                        good.insert(name.name.clone(), chunk.to_string());
                    }
                    module.decls.push(decl);
                }
                ParsedDecl::Broken(Some(ident)) => {
                    let at = moved(ident.span);
                    let previous = last_good.get(&ident.name).and_then(|text| match self.get(text).0 {
                        ParsedDecl::Decl(decl) => Some((text.clone(), decl)),
                        ParsedDecl::Broken(_) => None,
                    });
                    match previous {
                        Some((previous_text, decl)) => {
                            let mut stand_in = *decl;
                            map_spans(&mut stand_in, |_| at);
                            good.insert(ident.name.clone(), previous_text);
                            module.decls.push(stand_in);
                            stand_ins.push(moved(Span::new(file, 0, chunk.len())));
                        }
                        None => module.unparsed.push(Ident {
                            name: ident.name,
                            span: at,
                        }),
                    }
                }
                ParsedDecl::Broken(None) => {}
            }
            for mut d in chunk_diags {
                shift_diagnostic(&mut d, file, by);
                diagnostics.push(d);
            }
        }
        self.last_good.insert(name.to_string(), good);
        Parse {
            module,
            diagnostics,
            stand_ins,
        }
    }

    /// The parse of a declaration's text: from the cache, or parsed now.
    fn get(&mut self, chunk: &str) -> Parsed {
        if let Some(p) = self.used.get(chunk) {
            return p.clone();
        }
        let p = self
            .decls
            .remove(chunk)
            .unwrap_or_else(|| crate::syntax::parse_declaration_at(FileId(0), chunk, 0..chunk.len()));
        self.used.insert(chunk.to_string(), p.clone());
        p
    }

    /// Forgets the declarations the latest analysis did not use, but for the last good versions
    /// of declarations; call after each analysis.
    pub fn end_analysis(&mut self) {
        self.decls = std::mem::take(&mut self.used);
    }
}

/// Moves a diagnostic of a declaration parsed on its own to its place in file `file`.
fn shift_diagnostic(d: &mut Diagnostic, file: FileId, by: u32) {
    let spans = std::iter::once(&mut d.primary.span)
        .chain(d.secondary.iter_mut().map(|l| &mut l.span))
        .chain(d.suggestion.iter_mut().map(|s| &mut s.span));
    for span in spans {
        *span = Span::new(file, span.start as usize + by as usize, span.end as usize + by as usize);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        let mut stack = vec![root.join("examples"), root.join("stdlib"), root.join("tests")];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "gov") {
                    out.push(std::fs::read_to_string(&path).unwrap_or_default());
                }
            }
        }
        out
    }

    /// Edits of a text: a character inserted, one deleted, a brace removed, at several places.
    fn edits(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for k in 1..6 {
            let mut at = text.len() * k / 6;
            while !text.is_char_boundary(at) {
                at += 1;
            }
            out.push(format!("{}x{}", &text[..at], &text[at..]));
            let next = text[at..].chars().next().map_or(0, char::len_utf8);
            out.push(format!("{}{}", &text[..at], &text[at + next..]));
            if let Some(brace) = text[at..].find('}') {
                out.push(format!("{}{}", &text[..at + brace], &text[at + brace + 1..]));
            }
        }
        out
    }

    #[test]
    fn reusing_declarations_gives_what_a_full_parse_gives() {
        // The corpus holds expressions at the nesting limit: the compiler's stack, as in the CLI.
        crate::limits::on_stack(reuse_matches_full_parse);
    }

    fn reuse_matches_full_parse() {
        let mut cache = ParseCache::default();
        let mut checked = 0;
        for text in corpus() {
            for version in std::iter::once(text.clone()).chain(edits(&text)) {
                let file = FileId(3);
                // A fresh name each time: no earlier version of the file stands in.
                let incremental = cache.parse(file, &checked.to_string(), &version);
                cache.end_analysis();
                let full = crate::syntax::parse_file(file, &version);
                assert_eq!(incremental.module, full.0, "syntax trees differ for:\n{version}");
                assert_eq!(incremental.diagnostics, full.1, "diagnostics differ for:\n{version}");
                checked += 1;
            }
        }
        assert!(checked > 100, "only {checked} texts checked");
    }
}
