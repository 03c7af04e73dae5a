//! `govc graph [DIR] --format dot|mermaid`.

use crate::diagnostic::human;
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

pub fn run(args: GraphArgs) -> ExitCode {
    let analysis = match super::analyze(&args.project.dir) {
        Ok(a) => a,
        Err(code) => return code,
    };
    if analysis.has_errors() {
        eprint!(
            "{}",
            human::render(&analysis.diagnostics, &analysis.sources, human::use_color())
        );
        eprintln!("{}", human::summary(&analysis.diagnostics));
        return ExitCode::FAILURE;
    }
    print!("{}", render(&analysis.graph, &analysis.program, args.format));
    ExitCode::SUCCESS
}
