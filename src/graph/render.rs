//! `govc graph`: the dependency graph as Graphviz dot or Mermaid, with the module of every
//! declaration and the policies of every `enforce`.

use super::{node_name, DepGraph, Node};
use crate::checked::{Item, ModuleId, Program};

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
    p.modules[module_of(p, n).index()].is_stdlib
}

/// A box of the drawing: a node of the dependency graph, or an `enforce` declaration (by its
/// index in [`Program::enforcements`]), which depends on nothing but says where policies run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Shown {
    Dep(Node),
    Enforce(usize),
}

/// What an edge means: `a` uses `b`, or module `a` declares `b` (drawn dashed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum EdgeKind {
    Uses,
    Declares,
}

/// The module an item is declared in.
fn module_of(p: &Program, n: Node) -> ModuleId {
    match n {
        Node::Module(m) => m,
        Node::Item(Item::Type(id)) => p.types[id.index()].module,
        Node::Item(Item::Enum(id)) => p.enums[id.index()].module,
        Node::Item(Item::Resource(id)) => p.resources[id.index()].module,
        Node::Item(Item::Fn(id)) => p.fns[id.index()].module,
        Node::Item(Item::Policy(id)) => p.policies[id.index()].module,
    }
}

/// Renders the graph: modules with the declarations they hold (dashed edges), what uses what,
/// and each `enforce` with the policies it enforces, so the whole project is one picture. The
/// standard library is left out unless the project uses it, in which case its used nodes appear
/// as ordinary nodes. Nodes and edges are sorted by name.
pub fn render(g: &DepGraph, p: &Program, format: GraphFormat) -> String {
    let mut nodes: Vec<(String, Shown)> = Vec::new();
    for n in g.graph.nodes() {
        let used = g
            .graph
            .neighbors_directed(n, petgraph::Direction::Incoming)
            .any(|m| !is_stdlib(p, m));
        if !is_stdlib(p, n) || used {
            nodes.push((node_name(p, n), Shown::Dep(n)));
        }
    }
    let mut enforce_numbers: std::collections::HashMap<ModuleId, usize> = std::collections::HashMap::new();
    for (i, e) in p.enforcements.iter().enumerate() {
        if p.modules[e.module.index()].is_stdlib {
            continue;
        }
        let number = enforce_numbers.entry(e.module).or_insert(0);
        *number += 1;
        let mut targets: Vec<&str> = Vec::new();
        if e.ci.is_some() {
            targets.push("ci");
        }
        if e.admission.is_some() {
            targets.push("admission");
        }
        let name = format!(
            "{} #{number} ({})",
            p.modules[e.module.index()].name,
            if targets.is_empty() {
                "bundle only".to_string()
            } else {
                targets.join(", ")
            }
        );
        nodes.push((name, Shown::Enforce(i)));
    }
    nodes.sort();
    let index = |n: Shown| nodes.iter().position(|(_, m)| *m == n);
    let mut edges: Vec<(usize, usize, EdgeKind)> = Vec::new();
    let edge = |a: Shown, b: Shown, kind: EdgeKind, edges: &mut Vec<(usize, usize, EdgeKind)>| {
        if let (Some(i), Some(j)) = (index(a), index(b)) {
            edges.push((i, j, kind));
        }
    };
    for (a, b, _) in g.graph.all_edges() {
        edge(Shown::Dep(a), Shown::Dep(b), EdgeKind::Uses, &mut edges);
    }
    for (_, shown) in &nodes {
        match *shown {
            Shown::Dep(n @ Node::Item(_)) => {
                edge(
                    Shown::Dep(Node::Module(module_of(p, n))),
                    *shown,
                    EdgeKind::Declares,
                    &mut edges,
                );
            }
            Shown::Enforce(i) => {
                let e = &p.enforcements[i];
                edge(
                    Shown::Dep(Node::Module(e.module)),
                    *shown,
                    EdgeKind::Declares,
                    &mut edges,
                );
                for policy in &e.policies {
                    edge(
                        *shown,
                        Shown::Dep(Node::Item(Item::Policy(*policy))),
                        EdgeKind::Uses,
                        &mut edges,
                    );
                }
            }
            Shown::Dep(Node::Module(_)) => {}
        }
    }
    edges.sort();
    edges.dedup();
    let kind_of = |s: Shown| match s {
        Shown::Dep(n) => kind(n),
        Shown::Enforce(_) => "enforce",
    };
    let mut out = String::new();
    match format {
        GraphFormat::Dot => {
            out.push_str("digraph govc {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
            for (i, (name, n)) in nodes.iter().enumerate() {
                let shape = match kind_of(*n) {
                    "module" => "folder",
                    "policy" => "octagon",
                    "fn" => "ellipse",
                    "enforce" => "cds",
                    _ => "box",
                };
                out.push_str(&format!(
                    "  n{i} [label=\"{} {}\", shape={shape}];\n",
                    kind_of(*n),
                    escape_dot(name)
                ));
            }
            for (a, b, kind) in edges {
                let style = match kind {
                    EdgeKind::Uses => "",
                    EdgeKind::Declares => " [style=dashed]",
                };
                out.push_str(&format!("  n{a} -> n{b}{style};\n"));
            }
            out.push_str("}\n");
        }
        GraphFormat::Mermaid => {
            out.push_str("flowchart LR\n");
            for (i, (name, n)) in nodes.iter().enumerate() {
                let label = format!("{} {}", kind_of(*n), name).replace('"', "#quot;");
                let shape = match kind_of(*n) {
                    "policy" => format!("{{{{\"{label}\"}}}}"),
                    "fn" => format!("([\"{label}\"])"),
                    "module" => format!("[/\"{label}\"/]"),
                    "enforce" => format!("[[\"{label}\"]]"),
                    _ => format!("[\"{label}\"]"),
                };
                out.push_str(&format!("  n{i}{shape}\n"));
            }
            for (a, b, kind) in edges {
                let arrow = match kind {
                    EdgeKind::Uses => "-->",
                    EdgeKind::Declares => "-.->",
                };
                out.push_str(&format!("  n{a} {arrow} n{b}\n"));
            }
        }
    }
    out
}

fn escape_dot(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
