//! The Kubernetes target (LANGUAGE.md §6): under `OUT/k8s/`,
//!
//! - `crds/<plural>.<group>.yaml`: a CustomResourceDefinition per `resource`;
//! - `gatekeeper/templates/<template>.yaml` and `gatekeeper/constraints/<constraint>.yaml`: per
//!   policy under an `admission` enforcement, a ConstraintTemplate named after its kind (the
//!   lowercase kind, e.g. `biastested`) and its Constraints (the policy name as a DNS label,
//!   e.g. `bias-tested`; a second `admission` block of the same policy gets `bias-tested-2`).
//! - `gatekeeper/syncset/govc-inventory.yaml`: when a policy enforced at admission reads an
//!   `inventory`, a SyncSet of the kinds it reads, so that Gatekeeper syncs them into
//!   `data.inventory` (each such template also carries `metadata.gatekeeper.sh/requires-sync-data`).
//!
//! Each file holds one object (named like the file), keys sorted, with a comment saying where it
//! came from. Apply the CRDs and templates before the Constraints: Gatekeeper creates each
//! Constraint kind from its template.
//!
//! Gatekeeper versions. By default (`--gatekeeper-rego v1`) a template carries Rego v1 under
//! `targets[].code[].source` with `version: "v1"`, which Gatekeeper reads from 3.19 on. With
//! `--gatekeeper-rego v0` it carries the same code in the legacy `targets[].rego` and `libs`
//! fields, which every `templates.gatekeeper.sh/v1` release (3.6 on) reads as Rego v0; the code
//! then imports the future keywords it uses (`contains`, `every`, `if`, `in`), which needs OPA
//! 0.42 or later inside Gatekeeper and a rewriter that admits `future.keywords` imports, so in
//! practice Gatekeeper 3.10 or later. Neither form may `import rego.v1`: Gatekeeper's rewriter
//! rejects it ("bad import"). Constraints are `constraints.gatekeeper.sh/v1beta1`, served by
//! every 3.x release.
//!
//! Gatekeeper reads a template's `violation`, and a Constraint's `enforcementAction` (`deny`,
//! `warn`, `dryrun`) says what its violations do. A policy with `warn` clauses gets a second
//! template (kind `<Kind>Warn`, annotated `govc.dev/reports: warn`) whose violations are its
//! warnings, and a Constraint of that kind (`<name>-warn`) with `enforcementAction: warn`, so the
//! user sees the warnings when the object is admitted.

mod crd;
mod gatekeeper;
pub(crate) mod names;
pub(crate) mod openapi;
pub(crate) mod yaml;

pub use gatekeeper::{rego_target, RegoForm};

use crate::backend::{Origin, ProblemKind, TargetProblem};
use crate::ir::Ir;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt;

/// The prefix of govc's own label and annotation keys.
pub const GOVC_PREFIX: &str = "govc.dev/";

/// Options of the Kubernetes target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct K8sOptions {
    /// The form of the ConstraintTemplates' Rego.
    pub rego: RegoForm,
}

/// A problem that keeps the manifests from being valid in a cluster (found only here: names
/// Kubernetes or Gatekeeper would reject, or two objects in one file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct K8sError(pub String);

impl fmt::Display for K8sError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One generated object.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Relative to `OUT/k8s/`: `crds/modeldeployments.ai.acme.com.yaml`.
    pub path: String,
    /// The object, as serialized.
    pub document: Value,
    /// The file's text: a comment, then the object as YAML.
    pub text: String,
}

/// Every object of the Kubernetes target, by path.
#[derive(Debug, Clone, Default)]
pub struct Manifests {
    pub items: BTreeMap<String, Manifest>,
}

impl Manifests {
    /// The files, by their path under `OUT/k8s/`.
    pub fn files(&self) -> BTreeMap<String, Vec<u8>> {
        self.items
            .iter()
            .map(|(path, m)| (path.clone(), m.text.clone().into_bytes()))
            .collect()
    }

    fn add(&mut self, path: String, header: &str, document: Value) -> Result<(), String> {
        if self.items.contains_key(&path) {
            return Err(format!(
                "two Kubernetes objects would be written to `k8s/{path}`; rename one of their sources"
            ));
        }
        let text = yaml::manifest(header, &document);
        self.items.insert(path.clone(), Manifest { path, document, text });
        Ok(())
    }
}

/// Every problem that would keep the manifests of a program from being valid in a cluster: names
/// Kubernetes or Gatekeeper would reject, or two objects in one file. `govc check` reports them
/// at their declarations; [`build`] refuses to emit anything while there are any.
pub fn check(ir: &Ir) -> Vec<TargetProblem> {
    let mut problems = Vec::new();
    // Who would write each file: a second writer is a clash.
    let mut files: BTreeMap<String, Origin> = BTreeMap::new();
    let mut claim = |path: String, origin: Origin, problems: &mut Vec<TargetProblem>| {
        if let Some(first) = files.get(&path) {
            problems.push(
                TargetProblem::new(
                    ProblemKind::Clash,
                    format!("two Kubernetes objects would be written to `k8s/{path}`"),
                    vec![origin, first.clone()],
                )
                .with_help("rename one of their sources"),
            );
        } else {
            files.insert(path, origin);
        }
    };
    for resource in &ir.resources {
        match crd::check_names(resource) {
            Err(problem) => problems.push(problem),
            Ok(()) => claim(crd_path(resource), crd::origin(resource), &mut problems),
        }
    }
    match gatekeeper::admitted(ir) {
        Err(found) => problems.extend(found),
        Ok(admitted) => {
            for a in &admitted {
                let origin = Origin::Policy(a.policy.package.clone());
                claim(template_path(a), origin.clone(), &mut problems);
                for name in a.constraint_names() {
                    claim(constraint_path(&name), origin.clone(), &mut problems);
                }
            }
        }
    }
    problems
}

fn crd_path(resource: &crate::ir::Resource) -> String {
    format!("crds/{}.yaml", crd::crd_name(resource))
}

fn template_path(admitted: &gatekeeper::Admitted<'_>) -> String {
    format!("gatekeeper/templates/{}.yaml", admitted.template_name())
}

fn sync_set_path() -> String {
    format!("gatekeeper/syncset/{}.yaml", gatekeeper::SYNC_SET_NAME)
}

fn constraint_path(name: &str) -> String {
    format!("gatekeeper/constraints/{name}.yaml")
}

/// Emits the CRDs, ConstraintTemplates and Constraints of a program, or every problem found
/// (see [`check`]).
pub fn build(ir: &Ir, options: &K8sOptions) -> Result<Manifests, K8sError> {
    let problems = check(ir);
    if !problems.is_empty() {
        let lines: Vec<String> = problems.iter().map(TargetProblem::text).collect();
        return Err(K8sError(lines.join("\n")));
    }
    let mut out = Manifests::default();
    let mut errors = Vec::new();
    let do_not_edit = "Do not edit: change the .gov source and run `govc build`.";
    for resource in &ir.resources {
        let header = format!(
            "Generated by govc from the resource `{}` ({}/{}). {do_not_edit}",
            resource.kind, resource.group, resource.version
        );
        if let Err(e) = out.add(crd_path(resource), &header, crd::emit_crd(resource)) {
            errors.push(e);
        }
    }
    // INVARIANT: `check` found no problem, so the policies' kinds and names are valid and unique.
    let admitted = gatekeeper::admitted(ir).unwrap_or_default();
    for a in &admitted {
        let dotted = a.policy.dotted();
        let header = format!(
            "Generated by govc from the policy `{dotted}`. {do_not_edit}\n\
             Gatekeeper creates the Constraint kind `{}` from this template: apply it first.",
            a.kind
        );
        if let Err(e) = out.add(
            template_path(a),
            &header,
            gatekeeper::emit_template(a, ir, options.rego),
        ) {
            errors.push(e);
        }
        for (name, document) in gatekeeper::emit_constraints(a) {
            let mut header = format!("Generated by govc from the admission enforcement of `{dotted}`. {do_not_edit}");
            // Only a policy with parameters has `parameters` in its Constraint.
            if !a.policy.params.is_empty() {
                header.push_str("\n`parameters` are the policy's defaults: override them with an overlay.");
            }
            if let Err(e) = out.add(constraint_path(&name), &header, document) {
                errors.push(e);
            }
        }
    }
    let synced = gatekeeper::synced_kinds(&admitted);
    if !synced.is_empty() {
        let header = format!(
            "Generated by govc: the kinds the referential policies read from the cluster. {do_not_edit}\n\
             Gatekeeper (3.15 or later) syncs them into `data.inventory`; with an older release, list them\n\
             in the `syncOnly` of Gatekeeper's `Config` instead."
        );
        if let Err(e) = out.add(sync_set_path(), &header, gatekeeper::emit_sync_set(&synced)) {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(K8sError(errors.join("\n")))
    }
}

/// The labels every generated object carries.
pub(crate) fn managed_labels() -> Value {
    json!({"app.kubernetes.io/managed-by": "govc"})
}
