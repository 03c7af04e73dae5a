//! The dependency graph of a checked program (petgraph): modules, types, functions, policies.
//! Cycles among functions (Rego forbids recursion), types (no finite schema), modules and
//! policies are errors that show the whole cycle; otherwise the graph gives the order in which
//! back ends emit declarations, dependencies first.

pub mod render;

use crate::checked::*;
use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;
use petgraph::graphmap::DiGraphMap;

/// A node of the dependency graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    Module(ModuleId),
    Item(Item),
}

/// Dependencies: an edge `a -> b` means `a` uses `b`, weighted with where `a` names `b`.
pub struct DepGraph {
    pub graph: DiGraphMap<Node, Span>,
    /// The strongly connected components, dependencies first (Tarjan's order): found once, read
    /// by [`DepGraph::cycles`] and [`DepGraph::order`].
    components: Vec<Vec<Node>>,
}

impl DepGraph {
    pub fn build(p: &Program) -> DepGraph {
        let mut graph = DiGraphMap::new();
        for (i, m) in p.modules.iter().enumerate() {
            let from = Node::Module(ModuleId(i as u32));
            graph.add_node(from);
            for dep in &m.imports {
                graph.add_edge(from, Node::Module(*dep), m.span);
            }
        }
        for (i, t) in p.types.iter().enumerate() {
            let from = Node::Item(Item::Type(TypeId(i as u32)));
            graph.add_node(from);
            for f in &t.fields {
                add_type_edges(&mut graph, from, &f.ty, f.span);
            }
        }
        for i in 0..p.enums.len() {
            graph.add_node(Node::Item(Item::Enum(EnumId(i as u32))));
        }
        for (i, r) in p.resources.iter().enumerate() {
            let from = Node::Item(Item::Resource(ResourceId(i as u32)));
            graph.add_node(from);
            add_type_edges(&mut graph, from, &r.spec, r.span);
        }
        for (i, f) in p.fns.iter().enumerate() {
            let from = Node::Item(Item::Fn(FnId(i as u32)));
            graph.add_node(from);
            for l in &f.params {
                let local = &f.locals[l.index()];
                add_type_edges(&mut graph, from, &local.ty, local.span);
            }
            add_type_edges(&mut graph, from, &f.ret, f.span);
            if let Some(body) = &f.body {
                add_expr_edges(&mut graph, from, body);
            }
        }
        for (i, pol) in p.policies.iter().enumerate() {
            let from = Node::Item(Item::Policy(PolicyId(i as u32)));
            graph.add_node(from);
            if let Some(ty) = pol.subject_ty() {
                add_type_edges(&mut graph, from, ty, pol.span);
            }
            for param in &pol.params {
                add_type_edges(&mut graph, from, &param.ty, param.span);
            }
            for (_, e) in &pol.lets {
                add_expr_edges(&mut graph, from, e);
            }
            for c in &pol.clauses {
                for cond in &c.conditions {
                    match cond {
                        TCondition::Expr(e)
                        | TCondition::Some { collection: e, .. }
                        | TCondition::Let { value: e, .. } => add_expr_edges(&mut graph, from, e),
                    }
                }
                if let Some(m) = &c.message {
                    for part in &m.parts {
                        if let TStrPart::Interp(e) = part {
                            add_expr_edges(&mut graph, from, e);
                        }
                    }
                }
            }
        }
        let components = petgraph::algo::tarjan_scc(&graph);
        DepGraph { graph, components }
    }

    /// Errors for every cycle, each showing all members of the cycle.
    pub fn cycles(&self, p: &Program) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for scc in &self.components {
            let is_cycle = scc.len() > 1 || self.graph.contains_edge(scc[0], scc[0]);
            if !is_cycle {
                continue;
            }
            // Only same-kind cycles are meaningful; SCCs are same-kind because edges between kinds
            // never form loops (modules only import modules, types only name types, ...), except
            // functions and policies, which cannot reference each other back.
            let mut members = scc.clone();
            members.sort_by_key(|n| node_span(p, *n));
            let cycle = self.cycle_path(&members);
            out.push(self.cycle_diagnostic(p, &cycle));
        }
        out
    }

    /// An actual cycle through the SCC's members, starting at the first.
    fn cycle_path(&self, members: &[Node]) -> Vec<Node> {
        let start = members[0];
        let in_scc = |n: &Node| members.contains(n);
        // DFS for a path back to `start` within the SCC.
        let mut stack = vec![(start, vec![start])];
        let mut visited = std::collections::HashSet::new();
        while let Some((node, path)) = stack.pop() {
            let mut next: Vec<Node> = self.graph.neighbors(node).filter(in_scc).collect();
            next.sort();
            for n in next.into_iter().rev() {
                if n == start {
                    return path;
                }
                if visited.insert(n) {
                    let mut p = path.clone();
                    p.push(n);
                    stack.push((n, p));
                }
            }
        }
        members.to_vec()
    }

    fn cycle_diagnostic(&self, p: &Program, cycle: &[Node]) -> Diagnostic {
        let (code, noun, verb, help) = match cycle[0] {
            Node::Module(_) => (
                Code::ModuleCycle,
                "modules",
                "imports",
                "move the shared declarations into a module that both can import",
            ),
            Node::Item(Item::Fn(_)) => (
                Code::FunctionCycle,
                "functions",
                "calls",
                "Rego does not allow recursion: rewrite the functions without calling each other in a loop",
            ),
            Node::Item(Item::Policy(_)) => (Code::PolicyCycle, "policies", "uses", "break the cycle"),
            _ => (
                Code::RecursiveType,
                "types",
                "contains",
                "a document schema must be finite (Kubernetes structural schemas and the fail-closed checks cannot express recursion); bound the nesting explicitly",
            ),
        };
        let names: Vec<String> = cycle.iter().map(|n| short_name(p, *n)).collect();
        let message = if cycle.len() == 1 {
            match code {
                Code::RecursiveType => format!("type `{}` contains itself", names[0]),
                Code::FunctionCycle => format!("function `{}` calls itself", names[0]),
                _ => format!("`{}` depends on itself", names[0]),
            }
        } else {
            let mut chain = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>();
            chain.push(format!("`{}`", names[0]));
            format!("{noun} form a cycle: {}", chain.join(" → "))
        };
        let edge = |i: usize| {
            let from = cycle[i];
            let to = cycle[(i + 1) % cycle.len()];
            self.graph
                .edge_weight(from, to)
                .copied()
                .unwrap_or_else(|| node_span(p, from))
        };
        let mut d = Diagnostic::error(code, edge(0), message).with_label(format!(
            "`{}` {verb} `{}`",
            names[0],
            names[1 % names.len()]
        ));
        for i in 1..cycle.len() {
            d = d.with_secondary(
                edge(i),
                format!("`{}` {verb} `{}`", names[i], names[(i + 1) % names.len()]),
            );
        }
        d.with_help(help)
    }

    /// The functions `from` calls in its own body (not through them).
    pub fn calls(&self, from: Node) -> impl Iterator<Item = FnId> + '_ {
        self.graph.neighbors(from).filter_map(|n| match n {
            Node::Item(Item::Fn(f)) => Some(f),
            _ => None,
        })
    }

    /// Items in dependency order (dependencies first), ties broken by declaration order.
    pub fn order(&self) -> Vec<Node> {
        let mut out = Vec::with_capacity(self.graph.node_count());
        for scc in &self.components {
            let start = out.len();
            out.extend_from_slice(scc);
            out[start..].sort();
        }
        out
    }
}

fn add_type_edges(g: &mut DiGraphMap<Node, Span>, from: Node, ty: &Ty, span: Span) {
    match ty {
        Ty::Record(id) => {
            g.add_edge(from, Node::Item(Item::Type(*id)), span);
        }
        Ty::Enum(id) => {
            g.add_edge(from, Node::Item(Item::Enum(*id)), span);
        }
        Ty::Resource(id) => {
            g.add_edge(from, Node::Item(Item::Resource(*id)), span);
        }
        Ty::List(t) | Ty::Map(t) => add_type_edges(g, from, t, span),
        _ => {}
    }
}

fn add_expr_edges(g: &mut DiGraphMap<Node, Span>, from: Node, e: &TExpr) {
    visit(e, &mut |e| match &e.kind {
        TExprKind::Call { func, .. } => {
            g.add_edge(from, Node::Item(Item::Fn(*func)), e.span);
        }
        TExprKind::Variant(id, _) => {
            g.add_edge(from, Node::Item(Item::Enum(*id)), e.span);
        }
        _ => {}
    });
}

/// Calls `f` on `e` and every expression inside it.
pub fn visit(e: &TExpr, f: &mut dyn FnMut(&TExpr)) {
    f(e);
    for child in e.children() {
        visit(child, f);
    }
}

/// The qualified name of a node: `acme.ai.Dataset`, or the module name.
pub fn node_name(p: &Program, n: Node) -> String {
    let (module, name) = match n {
        Node::Module(m) => return p.modules[m.index()].name.clone(),
        Node::Item(Item::Type(id)) => (p.types[id.index()].module, &p.types[id.index()].name),
        Node::Item(Item::Enum(id)) => (p.enums[id.index()].module, &p.enums[id.index()].name),
        Node::Item(Item::Resource(id)) => (p.resources[id.index()].module, &p.resources[id.index()].name),
        Node::Item(Item::Fn(id)) => (p.fns[id.index()].module, &p.fns[id.index()].name),
        Node::Item(Item::Policy(id)) => (p.policies[id.index()].module, &p.policies[id.index()].name),
    };
    format!("{}.{name}", p.modules[module.index()].name)
}

fn node_span(p: &Program, n: Node) -> Span {
    match n {
        Node::Module(m) => p.modules[m.index()].span,
        Node::Item(Item::Type(id)) => p.types[id.index()].span,
        Node::Item(Item::Enum(id)) => p.enums[id.index()].span,
        Node::Item(Item::Resource(id)) => p.resources[id.index()].span,
        Node::Item(Item::Fn(id)) => p.fns[id.index()].span,
        Node::Item(Item::Policy(id)) => p.policies[id.index()].span,
    }
}

/// The name of a node as declared (modules by their full name).
pub fn short_name(p: &Program, n: Node) -> String {
    let full = node_name(p, n);
    match n {
        Node::Module(_) => full,
        Node::Item(_) => full.rsplit('.').next().unwrap_or(&full).to_string(),
    }
}
