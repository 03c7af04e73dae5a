//! govc: the compiler for the `.gov` governance language.
//!
//! The crate is laid out as the pipeline: [`syntax`] (pest → AST) → [`resolve`] (modules, imports,
//! names) → [`types`] (type checking) → [`graph`] (dependency order, cycles) → back ends. The
//! command line ([`cli`]) and the language server call the same front end ([`project`]).

pub mod checked;
pub mod cli;
pub mod diagnostic;
pub mod graph;
pub mod project;
pub mod resolve;
pub mod source;
pub mod span;
pub mod stdlib;
pub mod syntax;
pub mod types;
