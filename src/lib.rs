//! govc: the compiler for the `.gov` governance language.
//!
//! The crate is laid out as the pipeline: [`syntax`] (pest → AST) → [`resolve`] (modules, imports,
//! names) → [`types`] (type checking) → [`graph`] (dependency order, cycles) → back ends. The
//! command line ([`cli`]) and the language server call the same front end ([`project`]).

// Diagnostics are the error values of the front end; they are large but only built on the cold
// path, so boxing every `Result` would cost clarity for nothing.
#![allow(clippy::result_large_err)]

pub mod audit;
pub mod backend;
pub mod build;
pub mod bundle;
pub mod checked;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod document;
pub mod engine;
pub mod english;
pub mod fmt;
pub mod graph;
pub mod ir;
pub mod kube_names;
pub mod limits;
pub mod lsp;
pub mod output;
pub mod project;
pub mod report;
pub mod resolve;
pub mod source;
pub mod span;
pub mod stdlib;
pub mod syntax;
pub mod testing;
pub mod types;
