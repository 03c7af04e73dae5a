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
    let mut module = SourceModule::empty(file);

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
    for decl in chunks.declarations {
        parse_declaration(file, text, decl, &mut module, &mut diags);
    }
    (module, diags)
}

/// The byte ranges of a file's header (package and imports) and of each top-level declaration,
/// as [`parse_file`] splits the file. Lets a caller parse declarations one at a time and reuse
/// those an edit did not touch (the language server).
pub fn declaration_ranges(text: &str) -> (std::ops::Range<usize>, Vec<std::ops::Range<usize>>) {
    let chunks = split::split_declarations(text);
    (
        chunks.header,
        chunks.declarations.into_iter().map(|d| d.range).collect(),
    )
}

/// One declaration as [`parse_declaration_at`] read it.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsedDecl {
    Decl(Box<ast::Decl>),
    /// It did not parse (its diagnostics say why); its name, if its start could be read.
    Broken(Option<ast::Ident>),
}

/// Parses the declaration at `range` (one of [`declaration_ranges`]) exactly as [`parse_file`]
/// does: the declaration if it parses, and its diagnostics.
pub fn parse_declaration_at(file: FileId, text: &str, range: std::ops::Range<usize>) -> (ParsedDecl, Vec<Diagnostic>) {
    let mut module = SourceModule::empty(file);
    let mut diags = Vec::new();
    let too_deep = scan::parser_depth_past(&text[range.clone()], crate::limits::MAX_PARSER_DEPTH)
        .map(|at| range.start + at.start..range.start + at.end);
    parse_declaration(
        file,
        text,
        split::Declaration { range, too_deep },
        &mut module,
        &mut diags,
    );
    let parsed = match module.decls.pop() {
        Some(decl) => ParsedDecl::Decl(Box::new(decl)),
        None => ParsedDecl::Broken(module.unparsed.pop()),
    };
    (parsed, diags)
}

/// Parses one declaration with the grammar, and converts it to the syntax tree.
fn parse_declaration(
    file: FileId,
    text: &str,
    decl: split::Declaration,
    module: &mut SourceModule,
    diags: &mut Vec<Diagnostic>,
) {
    let range = decl.range;
    let source = &text[range.clone()];
    // The parser recurses once per level: a declaration deeper than the limit is refused before
    // it can exhaust the stack (pest's own stack probe is not built in; see `Cargo.toml`).
    if let Some(at) = decl.too_deep {
        diags.push(error::too_deep_for_parser(Span::new(file, at.start, at.end)));
        module.unparsed.extend(declaration_name(file, range.start, source));
        return;
    }
    match GovParser::parse(Rule::declaration, source) {
        Ok(mut pairs) => {
            let conv = convert::Converter::new(file, range.start);
            if let Some(pair) = pairs.next() {
                match conv.declaration(pair) {
                    Ok(decl) => module.decls.push(decl),
                    Err(d) => {
                        diags.push(d);
                        module.unparsed.extend(declaration_name(file, range.start, source));
                    }
                }
            }
        }
        Err(e) => {
            let d = error::unclosed_brace(file, range.start, source, &e)
                .unwrap_or_else(|| error::syntax_error(file, range.start, Rule::declaration, source, &e));
            diags.push(d);
            if let Some(name) = declaration_name(file, range.start, source) {
                module.unparsed.push(name);
            }
        }
    }
}

/// The name of the declaration `source` (at `offset` of `file`), which did not parse, if its
/// start can be read.
fn declaration_name(file: FileId, offset: usize, source: &str) -> Option<ast::Ident> {
    let pair = GovParser::parse(Rule::declaration_name, source).ok()?.next()?;
    let ident = pair.into_inner().find(|p| p.as_rule() == Rule::ident)?;
    let span = ident.as_span();
    Some(ast::Ident {
        name: span.as_str().to_string(),
        span: Span::new(file, offset + span.start(), offset + span.end()),
    })
}

fn starts_with_package(header: &str) -> bool {
    header[scan::code_start(header)..].starts_with("package")
}
