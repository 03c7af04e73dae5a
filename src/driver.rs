//! The driver: everything between the command line and the pipeline. It loads a project
//! ([`project`]: the `.gov` files, the standard library, then parse → resolve → check → graph),
//! reads its settings ([`crate::config`]), runs the back ends over the IR ([`build`]) and writes their
//! files ([`output`]). Disk I/O happens here, before and after the pipeline, never inside it.

pub mod build;
pub mod output;
pub mod project;
