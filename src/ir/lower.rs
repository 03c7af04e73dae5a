//! Lowering of the checked program to the IR: picks what a build emits, orders it by the
//! dependency graph, names variables, and turns types into schemas.

use super::*;
use crate::checked::{self as c, Builtin, FieldConstraint, Item, LocalId, LocalKind, Program, TExpr, TExprKind, Ty};
use crate::graph::{self, Node};
use crate::source::SourceMap;
use crate::syntax::ast::BinOp as AstOp;
use crate::syntax::ast::UnaryOp;
use std::collections::{BTreeSet, HashMap, HashSet};

/// What lowering reads, gathered by the driver from the front end's result.
pub struct LowerInput<'a> {
    /// The checked program, free of errors.
    pub program: &'a Program,
    /// Its dependency graph: the order of the declarations, and the functions each calls.
    pub graph: &'a graph::DepGraph,
    /// The policies some module imports: emitted even when the standard library declares them.
    pub imported_policies: &'a HashSet<c::PolicyId>,
    /// The sources: the text of an operation that can fail goes into its failure message, and a
    /// test expectation's line into the test's report.
    pub sources: &'a SourceMap,
}

/// Which part of the program [`lower_scope`] lowers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everything a build emits.
    Build,
    /// The policies enforced at admission and the functions they call, with every resource and
    /// enforcement, and no tests: the IR of that part of the program, all the admission back
    /// ends' checks read. `govc check` lowers only this (and takes the bundle's layout from
    /// [`outline`]), as lowering the rest would cost as much as the front end.
    Admission,
}

/// The declarations a build emits, chosen before any is lowered.
struct Selection {
    /// The policies emitted.
    emitted: HashSet<c::PolicyId>,
    /// The tests emitted (the project's), in declaration order.
    test_ids: Vec<usize>,
    /// The functions some emitted policy reaches.
    policy_fns: HashSet<c::FnId>,
    /// The functions some emitted policy or test reaches.
    used_fns: HashSet<c::FnId>,
}

fn select(a: &LowerInput<'_>, scope: Scope) -> Selection {
    let p = a.program;
    let mut emitted = emitted_policies(a);
    let test_ids: Vec<usize> = match scope {
        Scope::Build => (0..p.tests.len())
            .filter(|i| !p.modules[p.tests[*i].module.index()].is_stdlib)
            .collect(),
        Scope::Admission => {
            let admitted: HashSet<c::PolicyId> = p
                .enforcements
                .iter()
                .filter(|e| e.admission.is_some())
                .flat_map(|e| e.policies.iter().copied())
                .collect();
            emitted.retain(|id| admitted.contains(id));
            Vec::new()
        }
    };

    // Functions reachable from what is emitted; those only tests use ship with the tests.
    let policy_fns = reachable_fns(a.graph, emitted.iter().map(|&id| Node::Item(Item::Policy(id))));
    // Tests are not in the graph: their expressions are walked for the calls they make.
    let mut test_roots: Vec<&TExpr> = Vec::new();
    for &t in &test_ids {
        let test = &p.tests[t];
        test_roots.extend(test.lets.iter().map(|(_, e)| e));
        for x in &test.expectations {
            test_roots.push(&x.subject);
            test_roots.extend(x.args.iter().map(|(_, e)| e));
        }
    }
    // What the tests reach beyond what the policies do.
    let mut used_fns = policy_fns.clone();
    let mut stack = Vec::new();
    for r in &test_roots {
        calls_in(r, &mut stack);
    }
    close_calls(a.graph, stack, &mut used_fns);
    Selection {
        emitted,
        test_ids,
        policy_fns,
        used_fns,
    }
}

/// The Rego packages a build emits, in emission order, found without lowering a body: the
/// layout [`lower`] gives its [`Ir`], as [`Ir::outline`] reads it back.
pub fn outline(a: &LowerInput<'_>) -> Outline {
    let p = a.program;
    let selection = select(a, Scope::Build);
    let mut out = Outline::default();
    for node in &a.graph.order() {
        match node {
            Node::Item(Item::Fn(id)) if selection.used_fns.contains(id) => {
                let package = module_path(p, p.fns[id.index()].module);
                let for_policies = selection.policy_fns.contains(id);
                match out.fn_modules.iter_mut().find(|(m, _)| *m == package) {
                    Some((_, test_only)) => *test_only &= !for_policies,
                    None => out.fn_modules.push((package, !for_policies)),
                }
            }
            Node::Item(Item::Policy(id)) if selection.emitted.contains(id) => out.policies.push(policy_package(p, *id)),
            _ => {}
        }
    }
    for &t in &selection.test_ids {
        let package = test_package(p, &p.tests[t]);
        if !out.tests.contains(&package) {
            out.tests.push(package);
        }
    }
    out
}

/// The package of a test's suite: its module's, with `_test` appended.
fn test_package(p: &Program, test: &c::TestDef) -> PackagePath {
    let mut package = module_path(p, test.module);
    if let Some(last) = package.last_mut() {
        last.push_str("_test");
    }
    package
}

/// Lowers a checked, error-free program to the IR.
pub fn lower(a: &LowerInput<'_>) -> Ir {
    lower_scope(a, Scope::Build)
}

/// Lowers the `scope` of a checked, error-free program to the IR.
pub fn lower_scope(a: &LowerInput<'_>, scope: Scope) -> Ir {
    let p = a.program;
    let order = a.graph.order();
    let Selection {
        emitted,
        test_ids,
        policy_fns,
        used_fns,
    } = select(a, scope);

    let mut fn_modules: Vec<FnModule> = Vec::new();
    let mut policies = Vec::new();
    // Functions that can fail, filled in dependency order: a function is lowered after those it calls.
    let mut failing: HashSet<c::FnId> = HashSet::new();
    for node in &order {
        match node {
            Node::Item(Item::Fn(id)) if used_fns.contains(id) => {
                let f = &p.fns[id.index()];
                let package = module_path(p, f.module);
                let function = lower_fn(a, &failing, f);
                if function.can_fail {
                    failing.insert(*id);
                }
                let for_policies = policy_fns.contains(id);
                match fn_modules.iter_mut().find(|m| m.package == package) {
                    Some(m) => {
                        m.fns.push(function);
                        m.test_only &= !for_policies;
                    }
                    None => fn_modules.push(FnModule {
                        package,
                        fns: vec![function],
                        test_only: !for_policies,
                    }),
                }
            }
            Node::Item(Item::Policy(id)) if emitted.contains(id) => policies.push(lower_policy(a, &failing, *id)),
            _ => {}
        }
    }

    // Each test's rule name in its suite's package, first: a test's `let`s are variables of that
    // package and must not take a rule's name.
    let mut rules: Vec<(PackagePath, String)> = Vec::new();
    for &t in &test_ids {
        let test = &p.tests[t];
        let package = test_package(p, test);
        let taken: Vec<&str> = rules
            .iter()
            .filter(|(pkg, _)| *pkg == package)
            .map(|(_, r)| r.as_str())
            .collect();
        let rule = unique_rule_name(&test.name, taken.into_iter());
        rules.push((package, rule));
    }
    let mut suites: Vec<TestSuite> = Vec::new();
    for (&t, (package, rule)) in test_ids.iter().zip(&rules) {
        let test = &p.tests[t];
        let siblings: Vec<&str> = rules
            .iter()
            .filter(|(pkg, _)| pkg == package)
            .map(|(_, r)| r.as_str())
            .collect();
        let test_ir = lower_test(a, &failing, test, rule.clone(), &siblings);
        match suites.iter_mut().find(|s| &s.package == package) {
            Some(suite) => suite.tests.push(test_ir),
            None => suites.push(TestSuite {
                package: package.clone(),
                tests: vec![test_ir],
            }),
        }
    }

    let resources = p
        .resources
        .iter()
        // External resources are someone else's: no CRD is emitted for them.
        .filter(|r| !p.modules[r.module.index()].is_stdlib && !r.external)
        .map(|r| Resource {
            kind: r.name.clone(),
            doc: r.doc.clone(),
            group: r.group.clone(),
            version: r.version.clone(),
            namespaced: r.scope == c::Scope::Namespaced,
            plural: r.plural.clone(),
            spec: schema(p, &r.spec, &[]),
            columns: r.columns.iter().map(printer_column).collect(),
        })
        .collect();

    let enforcements = p
        .enforcements
        .iter()
        .map(|e| Enforcement {
            policies: e.policies.iter().map(|id| policy_package(p, *id)).collect(),
            ci_files: e.ci.as_ref().map(|ci| ci.files.clone()).unwrap_or_default(),
            ci_sarif: e.ci.as_ref().is_some_and(|ci| ci.sarif),
            admission: e.admission.as_ref().map(|ad| Admission {
                kinds: ad.kinds.clone(),
                action: ad.action,
                namespaces: ad.namespaces.clone(),
                excluded_namespaces: ad.excluded_namespaces.clone(),
                engine: ad.engine,
            }),
        })
        .collect();

    Ir {
        fn_modules,
        policies,
        tests: suites,
        resources,
        enforcements,
    }
}

/// The policies a build emits: every policy of the project, and the stdlib policies the project
/// imports, enforces or tests.
fn emitted_policies(a: &LowerInput<'_>) -> HashSet<c::PolicyId> {
    let p = a.program;
    let mut out: HashSet<c::PolicyId> = (0..p.policies.len() as u32)
        .map(c::PolicyId)
        .filter(|id| !p.modules[p.policies[id.index()].module.index()].is_stdlib)
        .collect();
    for e in &p.enforcements {
        out.extend(e.policies.iter().copied());
    }
    for t in p.tests.iter().filter(|t| !p.modules[t.module.index()].is_stdlib) {
        out.extend(t.expectations.iter().map(|x| x.policy));
    }
    out.extend(a.imported_policies.iter().copied());
    out
}

fn collect_policy_exprs<'p>(pol: &'p c::PolicyDef, out: &mut Vec<&'p TExpr>) {
    out.extend(pol.lets.iter().map(|(_, e)| e));
    for clause in &pol.clauses {
        for cond in &clause.conditions {
            match cond {
                c::TCondition::Expr(e)
                | c::TCondition::Some { collection: e, .. }
                | c::TCondition::Let { value: e, .. } => out.push(e),
            }
        }
        if let Some(m) = &clause.message {
            for part in &m.parts {
                if let c::TStrPart::Interp(e) = part {
                    out.push(e);
                }
            }
        }
    }
}

fn calls_in(e: &TExpr, out: &mut Vec<c::FnId>) {
    graph::visit(e, &mut |x| {
        if let TExprKind::Call { func, .. } = &x.kind {
            out.push(*func);
        }
    });
}

/// The functions `roots` call, and every function those call.
fn reachable_fns(g: &graph::DepGraph, roots: impl Iterator<Item = Node>) -> HashSet<c::FnId> {
    let mut stack = Vec::new();
    for r in roots {
        stack.extend(g.calls(r));
    }
    let mut seen = HashSet::new();
    close_calls(g, stack, &mut seen);
    seen
}

/// Adds to `seen` the functions on `stack` and every function they call.
fn close_calls(g: &graph::DepGraph, mut stack: Vec<c::FnId>, seen: &mut HashSet<c::FnId>) {
    while let Some(f) = stack.pop() {
        if seen.insert(f) {
            stack.extend(g.calls(Node::Item(Item::Fn(f))));
        }
    }
}

/// The packages of the functions a policy calls, closed under the calls of every function in
/// them: a function module is emitted whole (a Gatekeeper template ships it as one lib), so a
/// function of it that this policy never calls may still call into another package, which must
/// ship too.
fn fn_module_closure(p: &Program, g: &graph::DepGraph, fns: &HashSet<c::FnId>) -> BTreeSet<PackagePath> {
    let mut modules: BTreeSet<c::ModuleId> = fns.iter().map(|f| p.fns[f.index()].module).collect();
    loop {
        let mut calls = Vec::new();
        for (i, _) in p.fns.iter().enumerate().filter(|(_, f)| modules.contains(&f.module)) {
            calls.extend(g.calls(Node::Item(Item::Fn(c::FnId(i as u32)))));
        }
        let before = modules.len();
        modules.extend(calls.iter().map(|f| p.fns[f.index()].module));
        if modules.len() == before {
            return modules.into_iter().map(|m| module_path(p, m)).collect();
        }
    }
}

fn module_path(p: &Program, m: c::ModuleId) -> PackagePath {
    p.modules[m.index()].name.split('.').map(str::to_string).collect()
}

fn policy_package(p: &Program, id: c::PolicyId) -> PackagePath {
    let pol = &p.policies[id.index()];
    let mut path = module_path(p, pol.module);
    path.push(pol.name.clone());
    path
}

/// `test_` plus a slug of the test name, made unique among `taken`.
fn unique_rule_name<'a>(name: &str, taken: impl Iterator<Item = &'a str> + Clone) -> String {
    let mut slug = String::new();
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch.to_ascii_lowercase());
        } else if !slug.ends_with('_') {
            slug.push('_');
        }
    }
    let slug = slug.trim_matches('_');
    let base = format!("test_{}", if slug.is_empty() { "unnamed" } else { slug });
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.clone().any(|t| t == candidate) {
        candidate = format!("{base}_{n}");
        n += 1;
    }
    candidate
}

/// Gives locals names unique within one body (a shadowed name gets a suffix: `x`, `x_2`). Back
/// ends map these names to their own identifiers (the Rego back end keeps every user name clear
/// of keywords, built-ins and generated names).
struct Namer<'a> {
    locals: &'a [c::Local],
    names: HashMap<LocalId, Var>,
    used: HashSet<String>,
}

impl<'a> Namer<'a> {
    fn new(locals: &'a [c::Local], reserved: &[&str]) -> Self {
        Namer {
            locals,
            names: HashMap::new(),
            used: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn var(&mut self, id: LocalId) -> Var {
        if let Some(v) = self.names.get(&id) {
            return v.clone();
        }
        let base = self.locals[id.index()].name.clone();
        let mut candidate = base.clone();
        let mut n = 2;
        while self.used.contains(&candidate) {
            candidate = format!("{base}_{n}");
            n += 1;
        }
        self.used.insert(candidate.clone());
        let v = Var(candidate);
        self.names.insert(id, v.clone());
        v
    }
}

fn lower_fn(a: &LowerInput<'_>, failing: &HashSet<c::FnId>, f: &c::FnDef) -> Function {
    let cx = Cx::new(a, failing, &f.locals, &[]);
    // The module's functions are rules of its package: no variable of a body takes their names
    // (regorus refuses `some x in xs` in a package with a rule `x`).
    let siblings: Vec<&str> = a
        .program
        .fns
        .iter()
        .filter(|g| g.module == f.module)
        .map(|g| g.name.as_str())
        .collect();
    let mut namer = Namer::new(&f.locals, &siblings);
    let params = f.params.iter().map(|l| namer.var(*l)).collect();
    let body = f
        .body
        .as_ref()
        .map_or(Expr::Bool(false), |b| lower_expr(&cx, &mut namer, b));
    Function {
        name: f.name.clone(),
        doc: f.doc.clone(),
        params,
        returns_bool: f.ret == Ty::Bool,
        can_fail: body.can_fail(),
        body,
    }
}

fn lower_policy(a: &LowerInput<'_>, failing: &HashSet<c::FnId>, id: c::PolicyId) -> Policy {
    let p = a.program;
    let pol = &p.policies[id.index()];
    let cx = Cx::new(a, failing, &pol.locals, &pol.params).with_lets(&pol.lets);
    // Lets become package rules: their names are reserved for the whole policy.
    let let_names: Vec<String> = pol
        .lets
        .iter()
        .map(|(l, _)| pol.locals[l.index()].name.clone())
        .collect();
    let mut reserved: Vec<&str> = let_names.iter().map(String::as_str).collect();
    reserved.extend(pol.params.iter().map(|p| p.name.as_str()));
    let mut let_namer = Namer::new(&pol.locals, &[]);
    let lets = pol
        .lets
        .iter()
        .map(|(l, e)| {
            let v = let_namer.var(*l);
            let mut namer = Namer::new(&pol.locals, &reserved);
            namer.names.extend(let_namer.names.clone());
            (v, lower_expr(&cx, &mut namer, e))
        })
        .collect();
    let clauses = pol
        .clauses
        .iter()
        .map(|clause| {
            let mut namer = Namer::new(&pol.locals, &reserved);
            namer.names.extend(let_namer.names.clone());
            let conditions = clause
                .conditions
                .iter()
                .map(|cond| match cond {
                    c::TCondition::Expr(e) => Condition::Expr(lower_expr(&cx, &mut namer, e)),
                    c::TCondition::Let { var, value } => {
                        let value = lower_expr(&cx, &mut namer, value);
                        Condition::Let {
                            var: namer.var(*var),
                            value,
                        }
                    }
                    c::TCondition::Some { key, var, collection } => {
                        let collection = lower_expr(&cx, &mut namer, collection);
                        Condition::Some {
                            key: key.map(|k| namer.var(k)),
                            var: namer.var(*var),
                            collection,
                        }
                    }
                })
                .collect();
            let message = clause.message.as_ref().map(|m| lower_message(&cx, &mut namer, m));
            Clause {
                kind: clause.kind,
                message,
                conditions,
            }
        })
        .collect();
    let subject_ty = pol.subject_ty().cloned().unwrap_or(Ty::Unknown);
    let mut roots = Vec::new();
    collect_policy_exprs(pol, &mut roots);
    let fns = reachable_fns(a.graph, std::iter::once(Node::Item(Item::Policy(id))));
    let workload = p.is_workload(&subject_ty);
    let pod_view = workload.then(|| {
        p.pod_makers()
            .map(|(r, path)| PodMaker {
                kind: r.name.clone(),
                path: path.to_vec(),
            })
            .collect()
    });
    // The API server validates its own kinds, and every object's metadata: only what the policy
    // reads is checked, so that a policy on Pods does not carry a check of all of Kubernetes' pod
    // schema, nor one on any object a check of all its labels.
    let validated_upstream = workload
        || p.is_k8s_object(&subject_ty)
        || matches!(&subject_ty, Ty::Resource(r) if p.resources[r.index()].external);
    let mut reads = Reads::default();
    for e in roots
        .iter()
        .copied()
        .chain(fns.iter().filter_map(|f| p.fns[f.index()].body.as_ref()))
    {
        reads.collect(e);
    }
    let subject = if validated_upstream {
        schema_of(p, &subject_ty, &[], Some(&reads))
    } else {
        schema(p, &subject_ty, &[])
    };
    // The API server builds the request: only what the policy reads is checked.
    let request = pol.request_ty().map(|ty| schema_of(p, ty, &[], Some(&reads)));
    let inventories = pol
        .inventories
        .iter()
        .filter_map(|l| {
            let local = &pol.locals[l.index()];
            let kind = inventory_kind(&local.ty)?;
            let item = Ty::Resource(kind);
            // As for the subject: the API server validates its own kinds.
            let schema = if p.resources[kind.index()].external {
                schema_of(p, &item, &[], Some(&reads))
            } else {
                schema(p, &item, &[])
            };
            Some(Inventory {
                name: local.name.clone(),
                kind: inventory_source(&p.resources[kind.index()]),
                schema,
            })
        })
        .collect();
    let uses_fn_modules = fn_module_closure(p, a.graph, &fns);
    Policy {
        package: policy_package(p, id),
        name: pol.name.clone(),
        title: pol.title.clone(),
        doc: pol.doc.clone(),
        severity: pol.severity,
        controls: pol.controls.clone(),
        owner: pol.owner.clone(),
        applies: pol.applies.map(|origin| p.policy_path(origin)),
        subject_type: p.display(&subject_ty),
        subject,
        pod_view,
        request,
        inventories,
        params: pol
            .params
            .iter()
            .map(|param| Param {
                name: param.key.clone(),
                var: param.name.clone(),
                doc: param.doc.clone(),
                schema: schema(p, &param.ty, &param.constraints),
                default: constant_json(&param.default),
            })
            .collect(),
        lets,
        clauses,
        uses_fn_modules: uses_fn_modules.into_iter().collect(),
    }
}

/// The resource of an inventory's type `[R]`.
fn inventory_kind(ty: &Ty) -> Option<c::ResourceId> {
    match ty {
        Ty::List(item) => match **item {
            Ty::Resource(r) => Some(r),
            _ => None,
        },
        _ => None,
    }
}

/// Where Gatekeeper keeps the objects of a resource in `data.inventory`.
fn inventory_source(r: &c::ResourceDef) -> InventoryKind {
    InventoryKind {
        group: r.group.clone(),
        version: r.version.clone(),
        kind: r.name.clone(),
        namespaced: r.scope == c::Scope::Namespaced,
    }
}

fn lower_test(a: &LowerInput<'_>, failing: &HashSet<c::FnId>, test: &c::TestDef, rule: String, rules: &[&str]) -> Test {
    let p = a.program;
    let cx = Cx::new(a, failing, &test.locals, &[]);
    let mut namer = Namer::new(&test.locals, rules);
    let lets = test
        .lets
        .iter()
        .map(|(l, e)| {
            let value = lower_expr(&cx, &mut namer, e);
            (namer.var(*l), value)
        })
        .collect();
    let expectations = test
        .expectations
        .iter()
        .map(|x| Expectation {
            kind: x.kind,
            policy: policy_package(p, x.policy),
            policy_has_allow: p.policies[x.policy.index()].has_allow(),
            subject: lower_expr(&cx, &mut namer, &x.subject),
            // By key, as the policy reads them (`@key`).
            overrides: x
                .args
                .iter()
                .map(|(n, e)| {
                    let key = p.policies[x.policy.index()]
                        .params
                        .iter()
                        .find(|q| q.name == *n)
                        .map_or_else(|| n.clone(), |q| q.key.clone());
                    (key, lower_expr(&cx, &mut namer, e))
                })
                .collect(),
            message: x.message.clone(),
            at: x.at.as_ref().map(|t| lower_expr(&cx, &mut namer, t)),
            request: x.request.as_ref().map(|r| lower_expr(&cx, &mut namer, r)),
            inventory: x
                .inventory
                .iter()
                .filter_map(|(n, e)| {
                    let pol = &p.policies[x.policy.index()];
                    let local = pol.inventories.iter().find(|l| pol.locals[l.index()].name == *n)?;
                    let kind = inventory_kind(&pol.locals[local.index()].ty)?;
                    Some((
                        inventory_source(&p.resources[kind.index()]),
                        lower_expr(&cx, &mut namer, e),
                    ))
                })
                .collect(),
            line: a.sources.line_col(x.span.file, x.span.start as usize).line,
        })
        .collect();
    Test {
        name: test.name.clone(),
        rule,
        lets,
        expectations,
    }
}

fn lower_message(cx: &Cx<'_>, namer: &mut Namer<'_>, m: &c::TString) -> Vec<MsgPart> {
    m.parts
        .iter()
        .map(|part| match part {
            c::TStrPart::Text(t) => MsgPart::Text(t.clone()),
            c::TStrPart::Interp(e) if matches!(e.ty, Ty::Int | Ty::Float) => MsgPart::Number(lower_expr(cx, namer, e)),
            c::TStrPart::Interp(e) => MsgPart::Value(lower_expr(cx, namer, e)),
        })
        .collect()
}

fn operands(ty: &Ty) -> Operands {
    match ty {
        Ty::Int | Ty::Float | Ty::Duration => Operands::Number,
        Ty::String | Ty::Enum(_) => Operands::String,
        Ty::List(_) => Operands::List,
        Ty::Map(_) => Operands::Map,
        Ty::Timestamp => Operands::Timestamp,
        _ => Operands::Other,
    }
}

/// What lowering an expression needs besides the expression: the program, the sources (for the
/// text of operations that can fail) and what the constraints of parameters say about their
/// values.
/// The longest text of an expression in a failure message.
const MAX_FAILURE_TEXT: usize = 200;

struct Cx<'a> {
    p: &'a Program,
    sources: &'a SourceMap,
    /// Functions that can fail.
    failing: &'a HashSet<c::FnId>,
    locals: &'a [c::Local],
    params: &'a [c::ParamDef],
    /// A policy's `let`s, whose values say what their names hold.
    lets: &'a [(LocalId, TExpr)],
    /// [`Cx::bound`] of each expression asked about, by address: a chain `a + b + c…` asks about
    /// every node of itself, which would take the square of its length without this. Every
    /// expression asked about lives for `'a`, so an address names one expression.
    bounds: std::cell::RefCell<HashMap<*const TExpr, Option<f64>>>,
}

impl<'a> Cx<'a> {
    fn new(
        a: &'a LowerInput<'a>,
        failing: &'a HashSet<c::FnId>,
        locals: &'a [c::Local],
        params: &'a [c::ParamDef],
    ) -> Self {
        Cx {
            p: a.program,
            sources: a.sources,
            failing,
            locals,
            params,
            lets: &[],
            bounds: Default::default(),
        }
    }

    /// The same context, for the bodies of a policy with these `let`s.
    fn with_lets(self, lets: &'a [(LocalId, TExpr)]) -> Self {
        Cx {
            lets,
            bounds: Default::default(),
            ..self
        }
    }

    /// The value a `let` name stands for, or `e` itself.
    fn resolve(&self, e: &'a TExpr) -> &'a TExpr {
        match &e.kind {
            TExprKind::Local(id) if self.locals[id.index()].kind == LocalKind::Let => self
                .lets
                .iter()
                .find(|(l, _)| l == id)
                .map_or(e, |(_, value)| self.resolve(value)),
            _ => e,
        }
    }

    /// The expression as written, on one line. A span does not cover the parentheses around an
    /// operand (`(a + b) * c` starts at `a`), so unbalanced ones are restored.
    ///
    /// At most [`MAX_FAILURE_TEXT`] characters, then `...`: every node of a chain `a + b + c…` has
    /// a text, so whole texts would make the output grow with the square of the chain's length.
    fn text(&self, e: &TExpr) -> String {
        let file = self.sources.get(e.span.file);
        let written = file
            .text
            .get(e.span.start as usize..e.span.end as usize)
            .unwrap_or_default();
        // Enough of the source for the text after its whitespace is collapsed.
        let mut read = written.len().min(4 * MAX_FAILURE_TEXT);
        while !written.is_char_boundary(read) {
            read -= 1;
        }
        let text = written[..read].split_whitespace().collect::<Vec<_>>().join(" ");
        if read < written.len() || text.chars().count() > MAX_FAILURE_TEXT {
            let kept: String = text.chars().take(MAX_FAILURE_TEXT).collect();
            return format!("{}...", kept.trim_end());
        }
        let (open, close) = (text.matches('(').count(), text.matches(')').count());
        format!(
            "{}{text}{}",
            "(".repeat(close.saturating_sub(open)),
            ")".repeat(open.saturating_sub(close))
        )
    }

    /// The `@` constraints on the value `e` reads: a field's, or a parameter's.
    fn constraints(&self, e: &'a TExpr) -> &'a [FieldConstraint] {
        match &self.resolve(e).kind {
            TExprKind::Field { target, name } => self
                .p
                .fields_of(&target.ty)
                .and_then(|fs| fs.iter().find(|f| &f.name == name))
                .map_or(&[], |f| f.constraints.as_slice()),
            TExprKind::Local(id) if self.locals[id.index()].kind == LocalKind::Param => self
                .params
                .iter()
                .find(|p| p.local == *id)
                .map_or(&[], |p| p.constraints.as_slice()),
            _ => &[],
        }
    }

    /// `(min, max)` from `@min` and `@max`.
    fn range(&self, e: &'a TExpr) -> (Option<f64>, Option<f64>) {
        let cs = self.constraints(e);
        let min = cs.iter().find_map(|c| match c {
            FieldConstraint::Min(n) => Some(*n),
            _ => None,
        });
        let max = cs.iter().find_map(|c| match c {
            FieldConstraint::Max(n) => Some(*n),
            _ => None,
        });
        (min, max)
    }

    /// A bound on the magnitude of a number, when one is known statically.
    fn bound(&self, e: &'a TExpr) -> Option<f64> {
        let key: *const TExpr = e;
        if let Some(known) = self.bounds.borrow().get(&key) {
            return *known;
        }
        let bound = self.compute_bound(e);
        self.bounds.borrow_mut().insert(key, bound);
        bound
    }

    fn compute_bound(&self, e: &'a TExpr) -> Option<f64> {
        let e = self.resolve(e);
        match &e.kind {
            TExprKind::Int(i) => Some((*i as f64).abs()),
            TExprKind::Float(f) => Some(f.abs()),
            TExprKind::Field { .. } | TExprKind::Local(_) => match self.range(e) {
                (Some(min), Some(max)) => Some(min.abs().max(max.abs())),
                _ => None,
            },
            // No document holds 10^12 items; timestamps span 1678 to 2261.
            TExprKind::Builtin {
                builtin: Builtin::Count,
                ..
            } => Some(1e12),
            TExprKind::Builtin {
                builtin: Builtin::DaysSince,
                ..
            } => Some(1e6),
            TExprKind::Unary {
                op: UnaryOp::Neg,
                operand,
            } => self.bound(operand),
            TExprKind::Binary { op, lhs, rhs } => {
                let (l, r) = (self.bound(lhs), self.bound(rhs));
                match op {
                    AstOp::Add | AstOp::Sub => Some(l? + r?),
                    AstOp::Mul => Some(l? * r?),
                    AstOp::Mod => r.or(l),
                    AstOp::Div => match &self.resolve(rhs).kind {
                        TExprKind::Int(c) if *c != 0 => Some(l? / (*c as f64).abs()),
                        TExprKind::Float(c) if *c != 0.0 => Some(l? / c.abs()),
                        _ => None,
                    },
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Whether `e` can never be zero: a non-zero constant, or a value whose `@min` or `@max`
    /// excludes zero.
    fn excludes_zero(&self, e: &'a TExpr) -> bool {
        match &self.resolve(e).kind {
            TExprKind::Int(i) => *i != 0,
            TExprKind::Float(f) => *f != 0.0,
            _ => match self.range(e) {
                (Some(min), _) if min > 0.0 => true,
                (_, Some(max)) if max < 0.0 => true,
                _ => false,
            },
        }
    }

    /// Whether the list `e` can never be empty: a non-empty literal, or `@min_items(1)` or more.
    fn non_empty(&self, e: &'a TExpr) -> bool {
        match &self.resolve(e).kind {
            TExprKind::List(items) => !items.is_empty(),
            _ => self
                .constraints(e)
                .iter()
                .any(|c| matches!(c, FieldConstraint::MinItems(n) if *n >= 1)),
        }
    }

    /// `expr` (the lowering of `e`) with the ways it can fail, if any.
    fn partial(&self, e: &TExpr, failures: Vec<Failure>, expr: Expr) -> Expr {
        if failures.is_empty() {
            return expr;
        }
        Expr::Partial(Box::new(Partial {
            text: self.text(e),
            failures,
            expr,
        }))
    }

    /// Whether the number `e` may leave the range of its type.
    fn out_of_range(&self, e: &'a TExpr) -> Option<Failure> {
        let limit = if e.ty == Ty::Float { FLOAT_LIMIT } else { INT_LIMIT };
        match self.bound(e) {
            Some(b) if b <= limit => None,
            _ => Some(Failure::OutOfRange { limit }),
        }
    }
}

/// `t ± d`, `d + t` (a timestamp) and `t1 - t2` (a duration), computed on instants. Moving a
/// timestamp can leave the range the engines' time functions hold (an evaluation failure); the
/// difference of two timestamps never leaves it.
fn lower_time_arithmetic(cx: &Cx<'_>, namer: &mut Namer<'_>, e: &TExpr, op: BinOp, lhs: &TExpr, rhs: &TExpr) -> Expr {
    let mut operand = |x: &TExpr| {
        let v = lower_expr(cx, namer, x);
        if x.ty == Ty::Timestamp {
            Expr::Instant(Box::new(v))
        } else {
            v
        }
    };
    let (l, r) = (operand(lhs), operand(rhs));
    // `d + t` as `t + d`: the instant first.
    let (l, r) = if rhs.ty == Ty::Timestamp && lhs.ty == Ty::Duration {
        (r, l)
    } else {
        (l, r)
    };
    let expr = Expr::Binary {
        op,
        operands: Operands::Number,
        lhs: Box::new(l),
        rhs: Box::new(r),
    };
    if e.ty == Ty::Duration {
        return expr;
    }
    let moved = cx.partial(e, vec![Failure::OutOfRange { limit: TIME_LIMIT }], expr);
    Expr::TimeText(Box::new(moved))
}

fn lower_expr(cx: &Cx<'_>, namer: &mut Namer<'_>, e: &TExpr) -> Expr {
    let p = cx.p;
    let mut go = |x: &TExpr| Box::new(lower_expr(cx, namer, x));
    match &e.kind {
        TExprKind::Int(i) => Expr::Int(*i),
        TExprKind::Float(f) => Expr::Float(*f),
        TExprKind::Bool(b) => Expr::Bool(*b),
        TExprKind::String(s) => {
            let parts = lower_message(cx, namer, s);
            match parts.as_slice() {
                [] => Expr::String(String::new()),
                [MsgPart::Text(t)] => Expr::String(t.clone()),
                _ => Expr::Format(parts),
            }
        }
        TExprKind::Local(id) => match namer.locals[id.index()].kind {
            LocalKind::Subject => Expr::Subject,
            LocalKind::Request => Expr::Request,
            LocalKind::Inventory => Expr::Inventory(namer.locals[id.index()].name.clone()),
            LocalKind::Param => Expr::Param(
                cx.params
                    .iter()
                    .find(|p| p.local == *id)
                    .map_or_else(|| namer.locals[id.index()].name.clone(), |p| p.key.clone()),
            ),
            LocalKind::Let => Expr::Let(namer.var(*id)),
            LocalKind::FnParam | LocalKind::Bound => Expr::Local(namer.var(*id)),
        },
        TExprKind::Variant(_, v) => Expr::String(v.clone()),
        TExprKind::Field { target, name } => Expr::Field {
            target: go(target),
            name: name.clone(),
        },
        TExprKind::Index { target, index } => {
            let is_list = matches!(target.ty, Ty::List(_));
            let expr = Expr::Index {
                target: go(target),
                index: go(index),
            };
            // A map entry is read only under a guard (the type checker sees to it); a list
            // position may be outside the list.
            let in_range = match (&target.kind, &index.kind) {
                (TExprKind::List(items), TExprKind::Int(i)) => *i >= 0 && (*i as usize) < items.len(),
                _ => false,
            };
            let failures = if is_list && !in_range {
                vec![Failure::IndexOutOfRange]
            } else {
                Vec::new()
            };
            cx.partial(e, failures, expr)
        }
        TExprKind::Call { func, args } => {
            let f = &p.fns[func.index()];
            Expr::Call {
                module: module_path(p, f.module),
                name: f.name.clone(),
                args: args.iter().map(|a| lower_expr(cx, namer, a)).collect(),
                can_fail: cx.failing.contains(func),
            }
        }
        TExprKind::Builtin { builtin, args } => {
            let on = args.first().map_or(Operands::Other, |a| operands(&a.ty));
            let mut args_ir: Vec<Expr> = args.iter().map(|a| lower_expr(cx, namer, a)).collect();
            // The pattern of `matches` is a constant (the type checker sees to it), given to the
            // engines in the form they both read as OPA does.
            if matches!(builtin, Builtin::Matches | Builtin::FindAll | Builtin::Captures) {
                if let Some(Expr::String(p)) = args_ir.get_mut(1) {
                    *p = crate::types::canonical_pattern(p).unwrap_or_else(|| p.clone());
                }
            }
            let expr = Expr::Builtin {
                builtin: *builtin,
                args: args_ir,
                on,
            };
            let mut failures = Vec::new();
            if matches!(builtin, Builtin::Min | Builtin::Max) && !args.first().is_some_and(|a| cx.non_empty(a)) {
                failures.push(Failure::EmptyList);
            }
            if *builtin == Builtin::Sum {
                failures.extend(cx.out_of_range(e));
            }
            // A literal pattern is checked at compile time, a computed one where it is used.
            if *builtin == Builtin::Matches && !args.get(1).is_some_and(|a| matches!(a.kind, TExprKind::String(_))) {
                failures.push(Failure::InvalidPattern);
            }
            // A literal quantity is checked at compile time.
            if *builtin == Builtin::Quantity && !args.first().is_some_and(|a| matches!(a.kind, TExprKind::String(_))) {
                failures.push(Failure::NotAQuantity);
            }
            if matches!(
                builtin,
                Builtin::UrlScheme | Builtin::UrlHost | Builtin::UrlPort | Builtin::UrlPath | Builtin::UrlQuery
            ) {
                failures.push(Failure::NotAUrl);
            }
            let expr = cx.partial(e, failures, expr);
            if *builtin == Builtin::Sum && e.ty == Ty::Float {
                Expr::Rounded(Box::new(expr))
            } else {
                expr
            }
        }
        TExprKind::Unary { op, operand } => match op {
            crate::syntax::ast::UnaryOp::Not => Expr::Not(go(operand)),
            crate::syntax::ast::UnaryOp::Neg => {
                let expr = Expr::Neg(go(operand));
                // Negating a float is exact; an int may leave the 64-bit range.
                let failures = if matches!(e.ty, Ty::Int | Ty::Duration) {
                    cx.out_of_range(e).into_iter().collect()
                } else {
                    Vec::new()
                };
                cx.partial(e, failures, expr)
            }
        },
        TExprKind::Binary { op, lhs, rhs } => {
            let kind = operands(&lhs.ty);
            let op = match op {
                AstOp::And => return Expr::And(go(lhs), go(rhs)),
                AstOp::Or => return Expr::Or(go(lhs), go(rhs)),
                AstOp::In => {
                    return Expr::In {
                        operands: operands(&rhs.ty),
                        element: go(lhs),
                        collection: go(rhs),
                    }
                }
                AstOp::Eq => BinOp::Eq,
                AstOp::Ne => BinOp::Ne,
                AstOp::Lt => BinOp::Lt,
                AstOp::Le => BinOp::Le,
                AstOp::Gt => BinOp::Gt,
                AstOp::Ge => BinOp::Ge,
                AstOp::Add => BinOp::Add,
                AstOp::Sub => BinOp::Sub,
                AstOp::Mul => BinOp::Mul,
                AstOp::Div => BinOp::Div,
                AstOp::Mod => BinOp::Mod,
            };
            let arithmetic = matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod);
            if arithmetic && (lhs.ty == Ty::Timestamp || rhs.ty == Ty::Timestamp) {
                return lower_time_arithmetic(cx, namer, e, op, lhs, rhs);
            }
            let expr = Expr::Binary {
                op,
                operands: kind,
                lhs: go(lhs),
                rhs: go(rhs),
            };
            if !arithmetic || !matches!(e.ty, Ty::Int | Ty::Float | Ty::Duration) {
                return expr;
            }
            let mut failures = Vec::new();
            if matches!(op, BinOp::Div | BinOp::Mod) && !cx.excludes_zero(rhs) {
                failures.push(Failure::DivisionByZero);
            }
            if op == BinOp::Mod {
                // `a % b` is within both operands; it fails only on operands beyond the range.
                let bounded = |x: &TExpr| cx.bound(x).is_some_and(|b| b <= INT_LIMIT);
                if !(bounded(lhs) && bounded(rhs)) {
                    failures.push(Failure::OutOfRange { limit: INT_LIMIT });
                }
            } else {
                failures.extend(cx.out_of_range(e));
            }
            let expr = cx.partial(e, failures, expr);
            if e.ty == Ty::Float {
                Expr::Rounded(Box::new(expr))
            } else {
                expr
            }
        }
        TExprKind::Quantified {
            quantifier,
            key,
            var,
            collection,
            body,
        } => {
            let collection = go(collection);
            let key = key.map(|k| namer.var(k));
            let var = namer.var(*var);
            Expr::Quantified {
                quantifier: *quantifier,
                key,
                var,
                collection,
                body: Box::new(lower_expr(cx, namer, body)),
            }
        }
        TExprKind::Has(path) => Expr::Has(go(path)),
        TExprKind::Comprehension {
            element,
            key,
            var,
            collection,
            filter,
        } => {
            let collection = Box::new(lower_expr(cx, namer, collection));
            let key = key.map(|k| namer.var(k));
            let var = namer.var(*var);
            let filter = filter.as_ref().map(|f| Box::new(lower_expr(cx, namer, f)));
            Expr::Comprehension {
                element: Box::new(lower_expr(cx, namer, element)),
                key,
                var,
                collection,
                filter,
            }
        }
        TExprKind::If { cond, then, otherwise } => Expr::If {
            cond: go(cond),
            then: go(then),
            otherwise: go(otherwise),
        },
        TExprKind::Record { fields } => {
            let mut out: Vec<(String, Expr)> = Vec::new();
            if let Ty::Resource(id) = &e.ty {
                let r = &p.resources[id.index()];
                if !fields.iter().any(|(n, _)| n == "apiVersion") {
                    out.push(("apiVersion".into(), Expr::String(r.api_version())));
                }
                if !fields.iter().any(|(n, _)| n == "kind") {
                    out.push(("kind".into(), Expr::String(r.name.clone())));
                }
            }
            out.extend(fields.iter().map(|(n, v)| (n.clone(), lower_expr(cx, namer, v))));
            Expr::Record(out)
        }
        TExprKind::List(items) => Expr::List(items.iter().map(|i| lower_expr(cx, namer, i)).collect()),
        TExprKind::Error => Expr::Bool(false),
    }
}

/// The JSON value of a constant expression (parameter defaults).
fn constant_json(e: &TExpr) -> serde_json::Value {
    use serde_json::Value;
    match &e.kind {
        TExprKind::Int(i) => Value::from(*i),
        TExprKind::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        TExprKind::Bool(b) => Value::Bool(*b),
        TExprKind::String(s) => Value::String(
            s.parts
                .iter()
                .map(|part| match part {
                    c::TStrPart::Text(t) => t.as_str(),
                    c::TStrPart::Interp(_) => "",
                })
                .collect(),
        ),
        TExprKind::Variant(_, v) => Value::String(v.clone()),
        TExprKind::List(items) => Value::Array(items.iter().map(constant_json).collect()),
        TExprKind::Record { fields } => {
            Value::Object(fields.iter().map(|(k, v)| (k.clone(), constant_json(v))).collect())
        }
        _ => Value::Null,
    }
}

/// The fields a policy reads: `(type of the record, field name)` for every field access in its
/// expressions and the functions it calls.
#[derive(Default)]
struct Reads(HashSet<(Ty, String)>);

impl Reads {
    fn collect(&mut self, e: &TExpr) {
        graph::visit(e, &mut |x| {
            if let TExprKind::Field { target, name } = &x.kind {
                self.0.insert((target.ty.clone(), name.clone()));
            }
        });
    }

    fn has(&self, owner: &Ty, field: &str) -> bool {
        self.0.contains(&(owner.clone(), field.to_string()))
    }
}

/// A column as Kubernetes declares it: the type it formats the value by.
fn printer_column(c: &c::PrinterColumn) -> PrinterColumn {
    let column_type = match c.ty {
        Ty::Int => "integer",
        Ty::Float => "number",
        Ty::Bool => "boolean",
        Ty::Timestamp => "date",
        // INVARIANT: the checker admits only printable types; strings and enum values are text.
        _ => "string",
    };
    PrinterColumn {
        name: c.name(),
        column_type,
        json_path: c.path.iter().map(|s| format!(".{s}")).collect(),
        description: c.doc.clone(),
    }
}

/// The schema of a type, with the constraints written on the field or parameter that has it.
pub fn schema(p: &Program, ty: &Ty, constraints: &[FieldConstraint]) -> Schema {
    schema_of(p, ty, constraints, None)
}

/// [`schema`], with only the fields in `reads` when it is given (and always a resource's
/// `apiVersion` and `kind`).
fn schema_of(p: &Program, ty: &Ty, constraints: &[FieldConstraint], reads: Option<&Reads>) -> Schema {
    let kept = |f: &&c::FieldDef| reads.is_none_or(|r| r.has(ty, &f.name));
    let pattern = constraints.iter().find_map(|c| match c {
        FieldConstraint::Pattern(s) => Some(crate::types::canonical_pattern(s).unwrap_or_else(|| s.clone())),
        _ => None,
    });
    let min = constraints.iter().find_map(|c| match c {
        FieldConstraint::Min(n) => Some(*n),
        _ => None,
    });
    let max = constraints.iter().find_map(|c| match c {
        FieldConstraint::Max(n) => Some(*n),
        _ => None,
    });
    let min_items = constraints.iter().find_map(|c| match c {
        FieldConstraint::MinItems(n) => Some(*n),
        _ => None,
    });
    match ty {
        Ty::String => Schema::String { pattern },
        Ty::Int => Schema::Number {
            integer: true,
            min,
            max,
        },
        Ty::Float => Schema::Number {
            integer: false,
            min,
            max,
        },
        Ty::Bool => Schema::Bool,
        Ty::Timestamp => Schema::Timestamp,
        Ty::IntOrString => Schema::IntOrString,
        // No document or parameter holds a duration (`duration` is not a type name).
        Ty::Duration => Schema::Any,
        Ty::List(t) => Schema::List {
            items: Box::new(schema_of(p, t, &[], reads)),
            min_items,
        },
        Ty::Map(t) => Schema::Map {
            values: Box::new(schema_of(p, t, &[], reads)),
        },
        Ty::Enum(id) => {
            let e = &p.enums[id.index()];
            Schema::Enum {
                name: e.name.clone(),
                values: e.variants.clone(),
            }
        }
        Ty::Record(id) => {
            let t = &p.types[id.index()];
            Schema::Object {
                name: t.name.clone(),
                doc: t.doc.clone(),
                fields: t
                    .fields
                    .iter()
                    .filter(kept)
                    .map(|f| schema_field(p, f, reads))
                    .collect(),
            }
        }
        Ty::Resource(id) => {
            let r = &p.resources[id.index()];
            let mut fields: Vec<SchemaField> = r
                .fields
                .iter()
                .filter(|f| f.name == "apiVersion" || f.name == "kind" || kept(f))
                .map(|f| schema_field(p, f, reads))
                .collect();
            for f in &mut fields {
                match f.name.as_str() {
                    "apiVersion" => f.schema = Schema::Const(r.api_version()),
                    "kind" => f.schema = Schema::Const(r.name.clone()),
                    _ => {}
                }
            }
            Schema::Object {
                name: r.name.clone(),
                doc: r.doc.clone(),
                fields,
            }
        }
        Ty::Untyped | Ty::Unknown => Schema::Any,
    }
}

fn schema_field(p: &Program, f: &c::FieldDef, reads: Option<&Reads>) -> SchemaField {
    SchemaField {
        name: f.name.clone(),
        required: !f.optional,
        sensitive: f.constraints.contains(&FieldConstraint::Sensitive),
        doc: f.doc.clone(),
        schema: schema_of(p, &f.ty, &f.constraints, reads),
    }
}
