//! govc: the compiler for the `.gov` governance language.
//!
//! The crate is laid out as the pipeline: [`syntax`] (pest → AST) → [`resolve`] (modules, imports,
//! names) → [`types`] (type checking, into [`checked`]) → [`graph`] (dependency order, cycles) →
//! [`ir`] → [`backend`] (Rego, OPA bundle, Kubernetes, GitHub Actions) and [`report`]. The
//! [`driver`] loads a project, runs the pipeline and writes the outputs; the [`runtime`] evaluates
//! the compiled bundle (`govc test`, `govc eval`). The command line ([`cli`]) and the language
//! server ([`lsp`]) call the same front end ([`driver::project`]). ARCHITECTURE.md has the map;
//! `tests/architecture.rs` keeps each module to the layers below it.

// Diagnostics are the error values of the front end; they are large but only built on the cold
// path, so boxing every `Result` would cost clarity for nothing.
#![allow(clippy::result_large_err)]

// The parser pest generates names `::alloc` when pest is built without its `std` feature
// (see `Cargo.toml`: the parser's depth is bounded by `syntax`, not by pest's stack probe).
extern crate alloc;

pub mod audit;
pub mod backend;
pub mod checked;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod driver;
pub mod english;
pub mod fmt;
pub mod graph;
pub mod ir;
pub mod kube_names;
pub mod kube_quantity;
pub mod limits;
pub mod lsp;
pub mod report;
pub mod resolve;
pub mod runtime;
pub mod source;
pub mod span;
pub mod stdlib;
pub mod stdlib_gen;
pub mod syntax;
pub mod types;
