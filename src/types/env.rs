//! The local environment of a body being checked: bindings in scope and the optional-field paths
//! that a `has` guard has proven present.

use crate::checked::{Local, LocalId, LocalKind, TExpr, TExprKind, Ty};
use crate::span::{FileId, Span};

/// Locals of one function, policy or test, the names in scope, and the guards in force.
pub struct Env {
    pub file: FileId,
    pub locals: Vec<Local>,
    scope: Vec<(String, LocalId)>,
    guards: Vec<String>,
    /// Checking the subject of `expect rejected`, or a test `let`: plain `{ ... }` literals are
    /// allowed there without a type.
    pub untyped_records: bool,
}

impl Env {
    pub fn new(file: FileId) -> Self {
        Env {
            file,
            locals: Vec::new(),
            scope: Vec::new(),
            guards: Vec::new(),
            untyped_records: false,
        }
    }

    /// Adds a local and brings it into scope.
    pub fn bind(&mut self, name: &str, ty: Ty, kind: LocalKind, span: Span) -> LocalId {
        let id = LocalId(self.locals.len() as u32);
        self.locals.push(Local {
            name: name.to_string(),
            ty,
            kind,
            span,
        });
        self.scope.push((name.to_string(), id));
        id
    }

    pub fn lookup(&self, name: &str) -> Option<LocalId> {
        self.scope.iter().rev().find(|(n, _)| n == name).map(|(_, id)| *id)
    }

    pub fn local(&self, id: LocalId) -> &Local {
        &self.locals[id.index()]
    }

    /// Names in scope, for "did you mean".
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.scope.iter().map(|(n, _)| n.as_str())
    }

    /// A mark to return to with [`Env::restore`] when a nested scope ends.
    pub fn mark(&self) -> (usize, usize) {
        (self.scope.len(), self.guards.len())
    }

    pub fn restore(&mut self, mark: (usize, usize)) {
        self.scope.truncate(mark.0);
        self.guards.truncate(mark.1);
    }

    pub fn add_guards(&mut self, guards: Vec<String>) {
        self.guards.extend(guards);
    }

    pub fn is_guarded(&self, key: &str) -> bool {
        self.guards.iter().any(|g| g == key)
    }
}

/// The key of a path rooted at a local (`#3.spec.approved_by`, `#3.labels["team"]`, `#3.labels[#5]`,
/// `#3.labels[(#5.key)]`): fields, and map entries at a constant key, a key held by a local or by
/// a field path from one. `None` if the expression
/// is not such a path.
pub fn path_key(e: &TExpr) -> Option<String> {
    match &e.kind {
        TExprKind::Local(id) => Some(format!("#{}", id.0)),
        TExprKind::Field { target, name } => path_key(target).map(|k| format!("{k}.{name}")),
        TExprKind::Index { target, index } => {
            let entry = entry_key(index)?;
            path_key(target).map(|k| format!("{k}[{entry}]"))
        }
        _ => None,
    }
}

/// A map key in a path key: a string constant (quoted), a local (`#5`), or a field path from a
/// local (`(#5.key)`: the key of a parameter's entry), which holds one value wherever it is read.
fn entry_key(index: &TExpr) -> Option<String> {
    match &index.kind {
        TExprKind::Field { .. } => path_key(index).map(|k| format!("({k})")),
        TExprKind::String(s) => match s.parts.as_slice() {
            [] => Some("\"\"".to_string()),
            [crate::checked::TStrPart::Text(t)] => serde_json::to_string(t).ok(),
            _ => None,
        },
        TExprKind::Local(id) => Some(format!("#{}", id.0)),
        _ => None,
    }
}

/// The paths a condition proves present when it holds: every prefix of a `has` path, through
/// `and`.
pub fn guards_of(e: &TExpr) -> Vec<String> {
    let mut out = Vec::new();
    collect_guards(e, &mut out);
    out
}

fn collect_guards(e: &TExpr, out: &mut Vec<String>) {
    match &e.kind {
        TExprKind::Has(path) => {
            let mut cur: &TExpr = path;
            while let TExprKind::Field { target, .. } = &cur.kind {
                if let Some(k) = path_key(cur) {
                    out.push(k);
                }
                cur = target;
            }
        }
        TExprKind::Binary {
            op: crate::syntax::ast::BinOp::And,
            lhs,
            rhs,
        } => {
            collect_guards(lhs, out);
            collect_guards(rhs, out);
        }
        // `key in map` proves `map[key]` present.
        TExprKind::Binary {
            op: crate::syntax::ast::BinOp::In,
            lhs,
            rhs,
        } if matches!(rhs.ty, crate::checked::Ty::Map(_)) => {
            if let (Some(map), Some(entry)) = (path_key(rhs), entry_key(lhs)) {
                out.push(format!("{map}[{entry}]"));
            }
        }
        _ => {}
    }
}

impl Env {
    /// An environment whose scope holds the given locals (a body checked after its signature).
    pub fn with_locals(file: FileId, locals: Vec<Local>) -> Self {
        let mut env = Env::new(file);
        for (i, l) in locals.iter().enumerate() {
            env.scope.push((l.name.clone(), LocalId(i as u32)));
        }
        env.locals = locals;
        env
    }
}
