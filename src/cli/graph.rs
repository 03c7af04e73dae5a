//! `govc graph [DIR] --format dot|mermaid`.

use crate::graph::render::{render, GraphFormat};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct GraphArgs {
    #[command(flatten)]
    pub project: super::ProjectArg,
    /// Graphviz `dot` or Mermaid `flowchart`.
    #[arg(long, value_enum, default_value = "dot")]
    pub format: GraphFormat,
}

pub fn run(args: GraphArgs, ctx: &super::Ctx) -> ExitCode {
    let analysis = match super::analyze_checked(&args.project.dir, super::Warnings::Hide, ctx) {
        Ok(loaded) => loaded.analysis,
        Err(code) => return code,
    };
    print!("{}", render(&analysis.graph, &analysis.program, args.format));
    ExitCode::SUCCESS
}
