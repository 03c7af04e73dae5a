//! `govc graph`: the dependency graph as Graphviz dot or Mermaid.

use super::{node_name, DepGraph, Node};
use crate::checked::{Item, Program};

/// Output format of `govc graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

fn kind(n: Node) -> &'static str {
    match n {
        Node::Module(_) => "module",
        Node::Item(Item::Type(_)) => "type",
        Node::Item(Item::Enum(_)) => "enum",
        Node::Item(Item::Resource(_)) => "resource",
        Node::Item(Item::Fn(_)) => "fn",
        Node::Item(Item::Policy(_)) => "policy",
    }
}

fn is_stdlib(p: &Program, n: Node) -> bool {
    let module = match n {
        Node::Module(m) => m,
        Node::Item(Item::Type(id)) => p.types[id.index()].module,
        Node::Item(Item::Enum(id)) => p.enums[id.index()].module,
        Node::Item(Item::Resource(id)) => p.resources[id.index()].module,
        Node::Item(Item::Fn(id)) => p.fns[id.index()].module,
        Node::Item(Item::Policy(id)) => p.policies[id.index()].module,
    };
    p.modules[module.index()].is_stdlib
}

/// Renders the graph; the standard library is left out unless the project uses it, in which case
/// its used nodes appear as ordinary nodes. Nodes and edges are sorted by name.
pub fn render(g: &DepGraph, p: &Program, format: GraphFormat) -> String {
    let mut nodes: Vec<(String, Node)> = Vec::new();
    for n in g.graph.nodes() {
        let used = g
            .graph
            .neighbors_directed(n, petgraph::Direction::Incoming)
            .any(|m| !is_stdlib(p, m));
        if !is_stdlib(p, n) || used {
            nodes.push((node_name(p, n), n));
        }
    }
    nodes.sort();
    let index = |n: Node| nodes.iter().position(|(_, m)| *m == n);
    let mut edges: Vec<(usize, usize)> = Vec::new();
    for (a, b, _) in g.graph.all_edges() {
        if let (Some(i), Some(j)) = (index(a), index(b)) {
            edges.push((i, j));
        }
    }
    edges.sort();
    edges.dedup();
    let mut out = String::new();
    match format {
        GraphFormat::Dot => {
            out.push_str("digraph govc {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
            for (i, (name, n)) in nodes.iter().enumerate() {
                let shape = match kind(*n) {
                    "module" => "folder",
                    "policy" => "octagon",
                    "fn" => "ellipse",
                    _ => "box",
                };
                out.push_str(&format!(
                    "  n{i} [label=\"{} {}\", shape={shape}];\n",
                    kind(*n),
                    escape_dot(name)
                ));
            }
            for (a, b) in edges {
                out.push_str(&format!("  n{a} -> n{b};\n"));
            }
            out.push_str("}\n");
        }
        GraphFormat::Mermaid => {
            out.push_str("flowchart LR\n");
            for (i, (name, n)) in nodes.iter().enumerate() {
                let label = format!("{} {}", kind(*n), name).replace('"', "#quot;");
                let shape = match kind(*n) {
                    "policy" => format!("{{{{\"{label}\"}}}}"),
                    "fn" => format!("([\"{label}\"])"),
                    "module" => format!("[/\"{label}\"/]"),
                    _ => format!("[\"{label}\"]"),
                };
                out.push_str(&format!("  n{i}{shape}\n"));
            }
            for (a, b) in edges {
                out.push_str(&format!("  n{a} --> n{b}\n"));
            }
        }
    }
    out
}

fn escape_dot(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
