//! Rego v1 generation (LANGUAGE.md §6): a package per policy with `deny`, `warn`, `allow` and
//! `violation` (in Gatekeeper, `violation` alone); a package per module for its functions; a
//! `_test` package per module of tests.
//!
//! The same emitter serves every place the policies run; a [`Target`] says where the document
//! and the parameters come from (the OPA bundle, or a Gatekeeper ConstraintTemplate).

mod expr;
mod fast_path;
mod functions;
mod names;
mod policy;
mod runtime;
mod schema;
mod syntax;
mod test_rules;

pub use expr::{indent_lines, Emitter};
pub use functions::emit_fn_module;
pub use names::{is_reserved, opa_builtins, user_ident, var, KEYWORDS as REGO_KEYWORDS};
pub use policy::emit_policy;
pub use runtime::{
    emit_runtime, emit_runtime_for, is_used_by as uses_runtime, package as runtime_package, PORTABLE_ESCAPE,
};
pub use schema::TypeChecks;
pub use syntax::{package_ref, string_literal};
pub use test_rules::emit_test_suite;

use crate::ir::{ClauseKind, PackagePath, Schema};

/// The package of the record types' checks ([`TypeChecks`]): `govc.types`, `lib.govc.types` in
/// Gatekeeper.
pub fn types_package(target: &Target) -> PackagePath {
    target.fn_package(&vec!["govc".to_string(), "types".to_string()])
}

/// Where a policy's Rego runs.
#[derive(Debug, Clone)]
pub struct Target {
    /// The term for the document being judged: `input`, or `input.review.object` in Gatekeeper.
    pub document: String,
    /// The term for the admission request of a policy that reads it: `data.govc.request` in the
    /// bundle (absent unless a test, `govc eval --request` or the caller gives one),
    /// `input.review` in Gatekeeper.
    pub request: String,
    /// Prefix of the packages that hold functions: none in the bundle, `lib` in Gatekeeper
    /// (which requires library packages to start with `lib.`).
    pub fn_prefix: Vec<String>,
    /// Whether `request` is always sent with the document (Gatekeeper's `input.review`): then a
    /// policy's clauses and fast path read it where it is, not through `_admission` (the request
    /// or `{}`), which only the rules naming its problems read.
    pub request_always_sent: bool,
    pub params: ParamSource,
    /// What each module imports after its `package` line: `rego.v1` in the bundle. Gatekeeper's
    /// Rego rewriter rejects `import rego.v1` (it admits only `data.lib` and `future.keywords`
    /// imports), so a ConstraintTemplate imports nothing (Rego v1 source) or the future keywords
    /// (Rego v0 source).
    pub imports: Vec<String>,
    /// Statements that must hold for `violation` to report anything: none in the bundle; in
    /// Gatekeeper, that the request is not a DELETE (see `backend::k8s`).
    pub violation_guards: Vec<String>,
    /// The rules the package decides with: the bundle's, or `violation` alone.
    pub decisions: Decisions,
    /// Gatekeeper's convention: a violation is `{"msg", "details"}`, with the policy, severity and
    /// controls in `details`; in the bundle they are keys beside `msg`.
    pub violation_details: bool,
    /// Which parameters' values are checked before any request reaches the Rego, so that the
    /// Rego does not check them again on each one: none in the bundle (operators write the
    /// overrides as data); in Gatekeeper, those whose template schema says all that the Rego's
    /// checks say (see `backend::k8s::openapi::expresses`), since Gatekeeper validates every
    /// Constraint against it before its parameters reach the Rego.
    pub params_checked_upstream: fn(&Schema) -> bool,
}

/// The rules a policy's package decides with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decisions {
    /// The bundle's interface (LANGUAGE.md §6): `deny` and `warn`, sets of messages; `allow`
    /// (every decision has one, `false` without `allow` clauses); `violation`, a record per `deny`
    /// message.
    Bundle,
    /// `violation` alone, for Gatekeeper, which reads nothing else: a rule per clause of this
    /// kind (`Deny` or `Warn`), and for `Deny` one for the problems of a malformed document and
    /// one for the evaluation failures, each building its record where its message is made. No
    /// set of messages in between: OPA evaluates `violation` faster without.
    Violations(ClauseKind),
}

/// Where parameter values come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamSource {
    /// Defaults in the bundle's `data.json` at `data.govc.defaults.<policy package>`, overridden by
    /// `data.govc.overrides.<policy package>` (not owned by the bundle, so operators can supply it).
    BundleData,
    /// Defaults inlined into the template, overridden by the Constraint's `input.parameters`:
    /// an object with no key the template's schema does not name, since the API server prunes
    /// unknown fields of a Constraint (Gatekeeper makes its CRD structural from the schema).
    Gatekeeper,
}

impl Target {
    /// The OPA bundle: the document is `input`.
    pub fn bundle() -> Target {
        Target {
            document: "input".to_string(),
            request: REQUEST_DATA.to_string(),
            fn_prefix: Vec::new(),
            request_always_sent: false,
            params: ParamSource::BundleData,
            imports: vec!["rego.v1".to_string()],
            violation_guards: Vec::new(),
            decisions: Decisions::Bundle,
            violation_details: false,
            params_checked_upstream: |_| false,
        }
    }

    /// The head of every module: `package a.b`, then the imports.
    pub fn module_head(&self, package: &PackagePath) -> String {
        let mut out = format!("package {}\n", syntax::package_decl(package));
        if !self.imports.is_empty() {
            out.push('\n');
            for import in &self.imports {
                out.push_str(&format!("import {import}\n"));
            }
        }
        out
    }

    /// The Rego package of a function module.
    pub fn fn_package(&self, module: &PackagePath) -> PackagePath {
        self.fn_prefix.iter().chain(module.iter()).cloned().collect()
    }
}

/// Where the bundle reads the admission request, outside the bundle's roots (as `now`): what
/// `with request` in a test, `govc eval --request` and an OPA query's `with` give.
pub const REQUEST_DATA: &str = "data.govc.request";

/// Where Gatekeeper keeps the objects it syncs from the cluster, and where the bundle reads them
/// (outside the bundle's roots, given by whoever runs it): `namespace[ns][apiVersion][kind][name]`
/// for namespaced kinds, `cluster[apiVersion][kind][name]` for cluster-scoped ones.
pub const INVENTORY_DATA: &str = "data.inventory";

/// The rule holding the objects of a policy's `inventory` member `name`, as a list.
pub fn inventory_rule(name: &str) -> String {
    format!("_inventory_{name}")
}

/// The reference to each object of `kind` in [`INVENTORY_DATA`], with the variables `ns` (its
/// namespace, for a namespaced kind) and `name` (`_` for either to leave it unnamed).
pub fn inventory_ref(kind: &crate::ir::InventoryKind, ns: &str, name: &str) -> String {
    let tail = format!(
        "[{}][{}][{name}]",
        string_literal(&kind.api_version()),
        string_literal(&kind.kind)
    );
    match kind.namespaced {
        true => format!("{INVENTORY_DATA}.namespace[{ns}]{tail}"),
        false => format!("{INVENTORY_DATA}.cluster{tail}"),
    }
}

/// `data.inventory` as Gatekeeper lays it out, built from the objects given to `inventory`
/// members in a test (`others = [...]`): each list is a term, its objects keyed by
/// `metadata.namespace` (`default` where absent, as the API server does) and `metadata.name`.
pub fn inventory_document(given: &[(crate::ir::InventoryKind, String)]) -> String {
    let parts: Vec<String> = given
        .iter()
        .map(|(kind, list)| {
            let (gv, k) = (string_literal(&kind.api_version()), string_literal(&kind.kind));
            let name = r#"_inv_n := object.get(_inv_o, ["metadata", "name"], "")"#;
            match kind.namespaced {
                true => format!(
                    "{{\"namespace\": {{_inv_ns: {{{gv}: {{{k}: {{_inv_n: _inv_o | some _inv_o in {list}; \
                     object.get(_inv_o, [\"metadata\", \"namespace\"], \"default\") == _inv_ns; {name}}}}}}} | \
                     some _inv_x in {list}; _inv_ns := object.get(_inv_x, [\"metadata\", \"namespace\"], \"default\")}}}}"
                ),
                false => format!("{{\"cluster\": {{{gv}: {{{k}: {{_inv_n: _inv_o | some _inv_o in {list}; {name}}}}}}}}}"),
            }
        })
        .collect();
    parts
        .into_iter()
        .reduce(|acc, p| format!("object.union({acc}, {p})"))
        .unwrap_or_else(|| "{}".to_string())
}

/// The `data` path where a policy's parameter defaults live in the bundle.
pub fn defaults_path(policy: &PackagePath) -> PackagePath {
    ["govc", "defaults"]
        .iter()
        .map(|s| s.to_string())
        .chain(policy.iter().cloned())
        .collect()
}

/// The `data` path where operators put parameter overrides for a policy.
pub fn overrides_path(policy: &PackagePath) -> PackagePath {
    ["govc", "overrides"]
        .iter()
        .map(|s| s.to_string())
        .chain(policy.iter().cloned())
        .collect()
}
