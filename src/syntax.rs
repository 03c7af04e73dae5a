//! Source text to syntax tree: pest grammar (`grammar/gov.pest`), one conversion per node kind,
//! and recovery per top-level declaration.

pub mod ast;
mod convert;
mod descent;
mod error;
mod split;

use crate::diagnostic::{Code, Diagnostic};
use crate::span::{FileId, Span};
use ast::SourceModule;
use pest::Parser;

/// The pest parser generated from `grammar/gov.pest`.
#[derive(pest_derive::Parser)]
#[grammar = "../grammar/gov.pest"]
pub struct GovParser;

/// Parses one file. Always returns a module: declarations that fail to parse are left out and
/// reported, and the others are kept, so later stages and the editor still see them.
pub fn parse_file(file: FileId, text: &str) -> (SourceModule, Vec<Diagnostic>) {
    parse(file, text, true)
}

/// [`parse_file`] without the hand-written fast path: every declaration goes through the pest
/// grammar. The tests hold the fast path to exactly this result.
#[doc(hidden)]
pub fn parse_file_with_grammar_only(file: FileId, text: &str) -> (SourceModule, Vec<Diagnostic>) {
    parse(file, text, false)
}

fn parse(file: FileId, text: &str, fast_path: bool) -> (SourceModule, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let chunks = split::split_declarations(text);
    let mut module = SourceModule {
        file,
        package: None,
        imports: Vec::new(),
        decls: Vec::new(),
    };

    let header = &text[chunks.header.clone()];
    match GovParser::parse(Rule::header, header) {
        Ok(mut pairs) => {
            let conv = convert::Converter::new(file, chunks.header.start);
            if let Some(pair) = pairs.next() {
                match conv.header(pair) {
                    Ok((package, imports)) => {
                        module.package = Some(package);
                        module.imports = imports;
                    }
                    Err(d) => diags.push(d),
                }
            }
        }
        Err(e) => {
            let d = if header.trim().is_empty() || !starts_with_package(header) {
                let at = first_token_offset(header) + chunks.header.start;
                Diagnostic::error(
                    Code::MissingPackage,
                    Span::new(file, at, at),
                    "missing `package` declaration",
                )
                .with_label("expected `package` here")
                .with_help("start the file with its package, e.g. `package acme.ai`")
            } else {
                let detailed = reparse_with_detail(Rule::header, header).unwrap_or(e);
                error::syntax_error(file, chunks.header.start, &detailed)
            };
            diags.push(d);
        }
    }
    for range in chunks.declarations {
        parse_declaration(file, text, range, fast_path, &mut module, &mut diags);
    }
    (module, diags)
}

/// The byte ranges of a file's header (package and imports) and of each top-level declaration,
/// as [`parse_file`] splits the file. Lets a caller parse declarations one at a time and reuse
/// those an edit did not touch (the language server).
pub fn declaration_ranges(text: &str) -> (std::ops::Range<usize>, Vec<std::ops::Range<usize>>) {
    let chunks = split::split_declarations(text);
    (chunks.header, chunks.declarations)
}

/// Parses the declaration at `range` (one of [`declaration_ranges`]) exactly as [`parse_file`]
/// does: the declaration if it parses, and its diagnostics.
pub fn parse_declaration_at(
    file: FileId,
    text: &str,
    range: std::ops::Range<usize>,
) -> (Option<ast::Decl>, Vec<Diagnostic>) {
    let mut module = SourceModule {
        file,
        package: None,
        imports: Vec::new(),
        decls: Vec::new(),
    };
    let mut diags = Vec::new();
    parse_declaration(file, text, range, true, &mut module, &mut diags);
    (module.decls.pop(), diags)
}

/// Parses one declaration: by the hand-written fast path when `fast_path` is set and it reads the
/// declaration, otherwise (and for every error) by the pest grammar.
fn parse_declaration(
    file: FileId,
    text: &str,
    range: std::ops::Range<usize>,
    fast_path: bool,
    module: &mut SourceModule,
    diags: &mut Vec<Diagnostic>,
) {
    let source = &text[range.clone()];
    if fast_path {
        if let Some(decl) = descent::declaration(file, range.start, source) {
            module.decls.push(decl);
            return;
        }
    }
    match GovParser::parse(Rule::declaration, source) {
        Ok(mut pairs) => {
            let conv = convert::Converter::new(file, range.start);
            if let Some(pair) = pairs.next() {
                match conv.declaration(pair) {
                    Ok(decl) => module.decls.push(decl),
                    Err(d) => diags.push(d),
                }
            }
        }
        Err(e) => {
            let d = error::unclosed_brace(file, range.start, source, &e).unwrap_or_else(|| {
                let detailed = reparse_with_detail(Rule::declaration, source).unwrap_or(e);
                error::syntax_error(file, range.start, &detailed)
            });
            diags.push(d);
        }
    }
}

/// Parses again with pest's error detail on, which records the literal tokens that were expected
/// (`:` and `=` are not rules, so a plain error cannot name them). Only failed chunks pay for it.
fn reparse_with_detail(rule: Rule, source: &str) -> Option<pest::error::Error<Rule>> {
    // INVARIANT: the flag is global; holding the lock while it is on keeps concurrent detailed
    // re-parses from switching it off under each other, so messages stay deterministic.
    static DETAIL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = DETAIL.lock().unwrap_or_else(|p| p.into_inner());
    pest::set_error_detail(true);
    let result = GovParser::parse(rule, source).err();
    pest::set_error_detail(false);
    result
}

fn starts_with_package(header: &str) -> bool {
    let body = header[first_token_offset(header)..].trim_start();
    body.starts_with("package")
}

/// Offset of the first character that is not whitespace or part of a comment.
fn first_token_offset(text: &str) -> usize {
    let mut offset = 0;
    let mut rest = text;
    loop {
        let trimmed = rest.trim_start();
        offset += rest.len() - trimmed.len();
        if trimmed.starts_with("//") {
            let line_end = trimmed.find('\n').map_or(trimmed.len(), |i| i + 1);
            offset += line_end;
            rest = &trimmed[line_end..];
        } else {
            return offset;
        }
    }
}
