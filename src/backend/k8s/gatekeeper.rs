//! Gatekeeper: for every policy under an `admission` enforcement, a `templates.gatekeeper.sh/v1`
//! ConstraintTemplate (the policy's Rego, self-contained, and its parameters schema) and a
//! `constraints.gatekeeper.sh/v1beta1` Constraint (which objects, which action, which
//! parameters).
//!
//! The template's Rego is the bundle's Rego emitted for another [`Target`]: the document is
//! `input.review.object`, parameters come from `input.parameters` over the `.gov` defaults, and
//! the functions a policy uses ship as `libs` in `lib.`-prefixed packages (Gatekeeper's rewriter
//! admits no other `data` references and no other imports). So the template decides exactly as
//! the bundle does, fail-closed schema checks included, and that is tested: every conformance
//! case runs through both (tests/k8s_conformance.rs, tests/k8s/gatekeeper_conformance.py).

use super::names::{api_group, constraint_name, policy_kind, MAX_LABEL};
use super::openapi::{self, structural};
use super::{managed_labels, GOVC_PREFIX};
use crate::backend::rego::{
    emit_fn_module, emit_policy, emit_runtime_for, types_package, Decisions, ParamSource, Target, TypeChecks,
};
use crate::backend::{Origin, ProblemKind, TargetProblem};
use crate::ir::AdmissionAction;
use crate::ir::ClauseKind;
use crate::ir::{Admission, InventoryKind, Ir, Policy};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Where Gatekeeper finds the template's Rego, and which Rego it parses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum RegoForm {
    /// Rego v1 under `targets[].code[].source` with `version: "v1"`: Gatekeeper 3.19 and later.
    #[default]
    V1,
    /// The legacy `targets[].rego` and `targets[].libs` fields, which Gatekeeper parses as Rego
    /// v0: the same code with the future keywords imported, for Gatekeeper releases before 3.19.
    V0,
}

/// Which of a policy's decisions a ConstraintTemplate reports as violations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reported {
    /// Its `deny` messages (malformed documents included), under the admission's action.
    Deny,
    /// Its `warn` messages, through Constraints of their own whose action is `warn`: Gatekeeper
    /// has one action per Constraint, so a policy's warnings need a template of their own to
    /// reach the user as warnings while its denials deny.
    Warn,
}

/// A policy enforced at admission, with everything its manifests are made from: one for its
/// denials, and one more for its warnings when it has `warn` clauses.
pub struct Admitted<'a> {
    pub policy: &'a Policy,
    /// The Constraint kind (`BiasTested`; `BiasTestedWarn` for the warnings); the template's
    /// name is its lowercase form.
    pub kind: String,
    /// Each `admission` block enforcing the policy: one Constraint each.
    pub admissions: Vec<&'a Admission>,
    pub reported: Reported,
}

impl Admitted<'_> {
    /// The ConstraintTemplate's `metadata.name`, which Gatekeeper requires to be the lowercase kind.
    pub fn template_name(&self) -> String {
        self.kind.to_lowercase()
    }

    /// The names of the Constraints, one per `admission` block: the policy name as a DNS label,
    /// numbered from the second on.
    pub fn constraint_names(&self) -> Vec<String> {
        let mut base = constraint_name(&self.policy.name);
        if self.reported == Reported::Warn {
            base.push_str("-warn");
        }
        (1..=self.admissions.len())
            .map(|i| if i == 1 { base.clone() } else { format!("{base}-{i}") })
            .collect()
    }
}

/// The policies enforced at admission, in the order their enforcements are declared; or every
/// problem that keeps their manifests from being valid in a cluster. (That an admission block
/// matches only its policies' subject kind is checked by the front end, where the kinds are.)
pub fn admitted(ir: &Ir) -> Result<Vec<Admitted<'_>>, Vec<TargetProblem>> {
    let mut out: Vec<Admitted<'_>> = Vec::new();
    let mut errors = Vec::new();
    for enforcement in &ir.enforcements {
        // An admission block enforced by the API server alone (`engine = cel`) has no Gatekeeper
        // manifests: the CEL back end writes its ValidatingAdmissionPolicy.
        let Some(admission) = enforcement.admission.as_ref().filter(|a| a.engine.gatekeeper()) else {
            continue;
        };
        for package in &enforcement.policies {
            let Some(policy) = ir.policies.iter().find(|p| &p.package == package) else {
                continue;
            };
            if let Some(existing) = out.iter_mut().find(|a| a.policy.package == policy.package) {
                existing.admissions.push(admission);
                continue;
            }
            out.push(Admitted {
                policy,
                kind: policy_kind(&policy.name),
                admissions: vec![admission],
                reported: Reported::Deny,
            });
        }
    }
    let warnings: Vec<Admitted<'_>> = out
        .iter()
        .filter(|a| a.policy.clauses.iter().any(|c| c.kind == ClauseKind::Warn))
        .map(|a| Admitted {
            policy: a.policy,
            kind: format!("{}Warn", a.kind),
            admissions: a.admissions.clone(),
            reported: Reported::Warn,
        })
        .collect();
    out.extend(warnings);
    let mut kinds: BTreeMap<String, &Policy> = BTreeMap::new();
    for a in &out {
        let dotted = a.policy.dotted();
        let about = vec![Origin::Policy(a.policy.package.clone())];
        if !a.kind.starts_with(|c: char| c.is_ascii_alphabetic()) {
            errors.push(
                TargetProblem::new(
                    ProblemKind::Name,
                    format!(
                        "policy `{dotted}` would be the Gatekeeper kind `{}`, but a kind starts with a letter",
                        a.kind
                    ),
                    about.clone(),
                )
                .with_help("rename the policy"),
            );
        } else if a.template_name().len() > MAX_LABEL {
            errors.push(
                TargetProblem::new(
                    ProblemKind::Name,
                    format!(
                        "the Gatekeeper kind of policy `{dotted}` would be `{}` ({} characters), but a \
                         ConstraintTemplate's name is its lowercase kind and has at most {MAX_LABEL} characters",
                        a.kind,
                        a.kind.len()
                    ),
                    about.clone(),
                )
                .with_help("shorten the policy's name"),
            );
        }
        if let Some(other) = kinds.insert(a.template_name(), a.policy) {
            errors.push(
                TargetProblem::new(
                    ProblemKind::Clash,
                    format!(
                        "policies `{}` and `{dotted}` would both be the Gatekeeper kind `{}` (a kind is the policy \
                         name in UpperCamelCase and must be unique in a cluster)",
                        other.dotted(),
                        a.kind
                    ),
                    vec![about[0].clone(), Origin::Policy(other.package.clone())],
                )
                .with_help("rename one of them"),
            );
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The Rego [`Target`] of a ConstraintTemplate that reports a policy's denials.
pub fn rego_target(form: RegoForm) -> Target {
    rego_target_for(form, Reported::Deny)
}

fn rego_target_for(form: RegoForm, reported: Reported) -> Target {
    Target {
        document: "input.review.object".to_string(),
        request: "input.review".to_string(),
        fn_prefix: vec!["lib".to_string()],
        request_always_sent: true,
        params: ParamSource::Gatekeeper,
        imports: match form {
            RegoForm::V1 => Vec::new(),
            RegoForm::V0 => ["contains", "every", "if", "in"]
                .iter()
                .map(|k| format!("future.keywords.{k}"))
                .collect(),
        },
        // A DELETE admits nothing. Gatekeeper then puts the object being deleted in
        // `input.review.object` (when DELETE is sent to it at all, which is opt-in): judging
        // it would keep a non-compliant object from ever being removed.
        violation_guards: vec![r#"not input.review.operation == "DELETE""#.to_string()],
        // Gatekeeper reads only `violation`: no `deny`, `warn` or `allow` (a template reports
        // the messages of one kind of clause, see `Reported`).
        decisions: Decisions::Violations(match reported {
            Reported::Deny => ClauseKind::Deny,
            Reported::Warn => ClauseKind::Warn,
        }),
        // Gatekeeper's convention: what a violation says beyond its message goes in `details`,
        // which Gatekeeper keeps in audit results and admission responses.
        violation_details: true,
        // The API server validates a Constraint against the CRD Gatekeeper makes of the
        // template's schema, and Gatekeeper and gator validate it against that schema before
        // adding it (the constraint framework's `AddConstraint`): a request never brings a
        // parameter that breaks it.
        params_checked_upstream: openapi::expresses,
    }
}

/// The ConstraintTemplate of an admitted policy.
pub fn emit_template(admitted: &Admitted<'_>, ir: &Ir, form: RegoForm) -> Value {
    let policy = admitted.policy;
    let target = rego_target_for(form, admitted.reported);
    let mut types = TypeChecks::new(types_package(&target));
    let rego = yaml_friendly(&emit_policy(policy, &target, &mut types));
    // INVARIANT: `ir.fn_modules` is in dependency order, which Gatekeeper does not need but a
    // reader does.
    let mut libs: Vec<String> = ir
        .fn_modules
        .iter()
        .filter(|m| policy.uses_fn_modules.contains(&m.package))
        .map(|m| yaml_friendly(&emit_fn_module(m, &target)))
        .collect();
    if !types.is_empty() {
        libs.push(yaml_friendly(&types.module(&target)));
    }
    // Only the runtime functions the template calls.
    let callers: Vec<&str> = std::iter::once(rego.as_str())
        .chain(libs.iter().map(String::as_str))
        .collect();
    if let Some(runtime) = emit_runtime_for(&target, &callers) {
        libs.push(yaml_friendly(&runtime));
    }
    let mut code_target = Map::new();
    code_target.insert("target".into(), json!("admission.k8s.gatekeeper.sh"));
    match form {
        RegoForm::V1 => {
            let mut source = json!({"version": "v1", "rego": rego});
            if !libs.is_empty() {
                source["libs"] = json!(libs);
            }
            code_target.insert("code".into(), json!([{"engine": "Rego", "source": source}]));
        }
        RegoForm::V0 => {
            code_target.insert("rego".into(), json!(rego));
            if !libs.is_empty() {
                code_target.insert("libs".into(), json!(libs));
            }
        }
    }
    json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {
            "name": admitted.template_name(),
            "labels": labels(policy),
            "annotations": annotations(policy, admitted.reported),
        },
        "spec": {
            "crd": {"spec": {
                "names": {"kind": admitted.kind},
                "validation": {"openAPIV3Schema": parameters_schema(policy)},
            }},
            "targets": [Value::Object(code_target)],
        },
    })
}

/// The Constraints of an admitted policy, by name: one per `admission` block.
pub fn emit_constraints(admitted: &Admitted<'_>) -> Vec<(String, Value)> {
    let policy = admitted.policy;
    admitted
        .constraint_names()
        .into_iter()
        .zip(&admitted.admissions)
        .map(|(name, admission)| {
            let mut matching = json!({"kinds": match_kinds(&admission.kinds)});
            if !admission.namespaces.is_empty() {
                matching["namespaces"] = json!(admission.namespaces);
            }
            if !admission.excluded_namespaces.is_empty() {
                matching["excludedNamespaces"] = json!(admission.excluded_namespaces);
            }
            // Warnings warn, unless the admission is a dry run.
            let enforcement = match (admitted.reported, admission.action) {
                (Reported::Warn, AdmissionAction::Deny) => AdmissionAction::Warn,
                (_, action) => action,
            };
            let mut spec = json!({
                "enforcementAction": action(enforcement),
                "match": matching,
            });
            // The defaults, spelled out: what is in force is visible in the cluster, and an
            // overlay can change one value. The template applies the same defaults when a
            // Constraint leaves a parameter out.
            if !policy.params.is_empty() {
                let defaults: Map<String, Value> = policy
                    .params
                    .iter()
                    .map(|p| (p.name.clone(), p.default.clone()))
                    .collect();
                spec["parameters"] = Value::Object(defaults);
            }
            let document = json!({
                "apiVersion": "constraints.gatekeeper.sh/v1beta1",
                "kind": admitted.kind,
                "metadata": {
                    "name": name,
                    "labels": labels(policy),
                    "annotations": {
                        format!("{GOVC_PREFIX}policy"): policy.dotted(),
                        "metadata.gatekeeper.sh/title": title(policy),
                    },
                },
                "spec": spec,
            });
            (name, document)
        })
        .collect()
}

/// Gatekeeper's `match.kinds`: the `group/Kind`s grouped by API group (core as `""`).
fn match_kinds(kinds: &[String]) -> Value {
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for written in kinds {
        if let Some((group, kind)) = written.split_once('/') {
            let entry = groups.entry(api_group(group)).or_default();
            if !entry.contains(&kind) {
                entry.push(kind);
            }
        }
    }
    Value::Array(
        groups
            .into_iter()
            .map(|(group, kinds)| json!({"apiGroups": [group], "kinds": kinds}))
            .collect(),
    )
}

fn action(action: AdmissionAction) -> &'static str {
    match action {
        AdmissionAction::Deny => "deny",
        AdmissionAction::Warn => "warn",
        AdmissionAction::Dryrun => "dryrun",
    }
}

/// The parameters' schema: each `param` with its type, doc and default. The default is in the
/// description rather than a schema `default`, which the API server would write into Constraints
/// only where `parameters` is present at all; the template applies it in every case.
fn parameters_schema(policy: &Policy) -> Value {
    let properties: Map<String, Value> = policy
        .params
        .iter()
        .map(|p| {
            let mut schema = structural(&p.schema, p.doc.as_deref());
            let default = format!(
                "Default: {}.",
                serde_json::to_string(&p.default).expect("JSON serializes")
            );
            schema["description"] = json!(match p.doc.as_deref() {
                Some(doc) => format!("{doc}\n{default}"),
                None => default,
            });
            (p.name.clone(), schema)
        })
        .collect();
    json!({"type": "object", "properties": properties})
}

fn title(policy: &Policy) -> String {
    policy.title.clone().unwrap_or_else(|| policy.name.clone())
}

/// The labels of a policy's manifests, to select them with `kubectl get -l`.
fn labels(policy: &Policy) -> Value {
    let mut labels = managed_labels();
    labels[format!("{GOVC_PREFIX}severity")] = json!(policy.severity.as_str());
    labels
}

/// What a cluster operator reading the template needs to know of the policy. The keys
/// `metadata.gatekeeper.sh/title` and `description` are those of the Gatekeeper library.
fn annotations(policy: &Policy, reported: Reported) -> Value {
    let mut a = json!({
        "metadata.gatekeeper.sh/title": title(policy),
        format!("{GOVC_PREFIX}policy"): policy.dotted(),
    });
    if reported == Reported::Warn {
        // The template of the policy's warnings (see `Reported`).
        a[format!("{GOVC_PREFIX}reports")] = json!("warn");
    }
    if let Some(doc) = &policy.doc {
        a["description"] = json!(doc);
    }
    if !policy.controls.is_empty() {
        a[format!("{GOVC_PREFIX}controls")] = json!(serde_json::to_string(&policy.controls).expect("JSON serializes"));
    }
    if let Some(owner) = &policy.owner {
        a[format!("{GOVC_PREFIX}owner")] = json!(owner);
    }
    if let Some(origin) = &policy.applies {
        a[format!("{GOVC_PREFIX}applies")] = json!(origin);
    }
    if !policy.inventories.is_empty() {
        a["metadata.gatekeeper.sh/requires-sync-data"] = json!(requires_sync_data(policy));
    }
    a
}

/// Gatekeeper's `metadata.gatekeeper.sh/requires-sync-data` for a policy with inventories: the
/// kinds it reads, each a requirement of its own (all of them must be synced), written as the
/// library's referential templates write it (a JSON list in quotes, which Gatekeeper trims).
fn requires_sync_data(policy: &Policy) -> String {
    let mut kinds: Vec<&InventoryKind> = policy.inventories.iter().map(|i| &i.kind).collect();
    kinds.sort();
    kinds.dedup();
    let requirements: Vec<Value> = kinds
        .into_iter()
        .map(|k| json!([{"groups": [k.group], "versions": [k.version], "kinds": [k.kind]}]))
        .collect();
    format!("\"{}\"", Value::Array(requirements))
}

/// The kinds the admitted policies read from the cluster, in order, each once: what Gatekeeper
/// must sync into `data.inventory` (see [`emit_sync_set`]).
pub fn synced_kinds<'a>(admitted: &[Admitted<'a>]) -> Vec<&'a InventoryKind> {
    let mut kinds: Vec<&InventoryKind> = admitted
        .iter()
        .flat_map(|a| a.policy.inventories.iter().map(|i| &i.kind))
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// A `syncset.gatekeeper.sh/v1alpha1` SyncSet (Gatekeeper 3.15 and later) that makes Gatekeeper
/// sync `kinds` into `data.inventory`, which the templates of referential policies read.
pub fn emit_sync_set(kinds: &[&InventoryKind]) -> Value {
    let gvks: Vec<Value> = kinds
        .iter()
        .map(|k| json!({"group": k.group, "version": k.version, "kind": k.kind}))
        .collect();
    json!({
        "apiVersion": "syncset.gatekeeper.sh/v1alpha1",
        "kind": "SyncSet",
        "metadata": {"name": SYNC_SET_NAME, "labels": managed_labels()},
        "spec": {"gvks": gvks},
    })
}

/// The name of the SyncSet of a build (see [`emit_sync_set`]).
pub const SYNC_SET_NAME: &str = "govc-inventory";

/// Rego that YAML can hold as a literal block, so the template reads as code: tabs become four
/// spaces and no line ends in a space (libyaml writes any string with either double-quoted, on
/// one line).
// INVARIANT: the Rego emitter writes tabs only as indentation and in comments, and never a line
// ending in a space inside a string: string literals are JSON strings, whose control characters
// are escaped and which never span lines.
fn yaml_friendly(rego: &str) -> String {
    rego.lines()
        .map(|l| l.replace('\t', "    ").trim_end().to_string() + "\n")
        .collect()
}
