//! Source text to syntax tree: pest grammar (`grammar/gov.pest`), one conversion per node kind,
//! and recovery per top-level declaration.

pub mod ast;
mod convert;
mod error;
pub mod lexicon;
pub mod scan;
mod split;
pub mod visit;

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
                let at = scan::code_start(header) + chunks.header.start;
                Diagnostic::error(
                    Code::MissingPackage,
                    Span::new(file, at, at),
                    "missing `package` declaration",
                )
                .with_label("expected `package` here")
                .with_help("start the file with its package, e.g. `package acme.ai`")
            } else {
                error::syntax_error(file, chunks.header.start, Rule::header, header, &e)
            };
            diags.push(d);
        }
    }
    for range in chunks.declarations {
        parse_declaration(file, text, range, &mut module, &mut diags);
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
    parse_declaration(file, text, range, &mut module, &mut diags);
    (module.decls.pop(), diags)
}

/// Parses one declaration with the grammar, and converts it to the syntax tree.
fn parse_declaration(
    file: FileId,
    text: &str,
    range: std::ops::Range<usize>,
    module: &mut SourceModule,
    diags: &mut Vec<Diagnostic>,
) {
    let source = &text[range.clone()];
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
            let d = error::unclosed_brace(file, range.start, source, &e)
                .unwrap_or_else(|| error::syntax_error(file, range.start, Rule::declaration, source, &e));
            diags.push(d);
        }
    }
}

fn starts_with_package(header: &str) -> bool {
    header[scan::code_start(header)..].starts_with("package")
}
