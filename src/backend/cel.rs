//! The CEL target: Kubernetes ValidatingAdmissionPolicies, enforced by the API server itself, for
//! every policy under an `admission` block with `engine = cel` or `engine = both`. Under
//! `OUT/k8s/vap/`:
//!
//! - `policies/<name>.yaml`: the `admissionregistration.k8s.io/v1` ValidatingAdmissionPolicy
//!   (the policy name as a DNS label, `retention-limit`): `failurePolicy: Fail`, its kinds in
//!   `matchConstraints`, the parameters, the fail-closed checks and the `let`s as `variables`,
//!   then one validation per check and per `deny` clause, whose `messageExpression` builds the
//!   `.gov` message; `<name>-warn.yaml` holds the `warn` clauses, when there are any;
//! - `bindings/<name>.yaml` (`<name>-2.yaml` for a second `admission` block, `<name>-warn…` for
//!   the warnings): a ValidatingAdmissionPolicyBinding with the block's namespaces and action
//!   (`deny` → `[Deny]`, `warn` → `[Warn]`, `dryrun` → `[Audit]`; warnings are `[Warn]`, or
//!   `[Audit]` for `dryrun`);
//! - `params/crds/<plural>.params.govc.dev.yaml` and `params/defaults/<name>.yaml`: for a
//!   policy with parameters, the CustomResourceDefinition of its parameters kind
//!   (`RetentionLimitParams`, cluster-scoped, the parameters under `spec`) and the object
//!   holding the defaults, which every binding names in `paramRef`. Operators override a
//!   parameter by editing that object (or binding another); a parameter it leaves out takes
//!   the default.
//!
//! A policy decides through its VAP as it does in the bundle (tests/cel/vap_differential.py
//! compares them): a document that does not conform to the subject type, or parameters of the
//! wrong type, is denied with the bundle's messages and nothing else runs on it. Where no CEL
//! says the same thing, the policy cannot be enforced with CEL: [`check`] names the construct
//! (E0504).

mod expr;
mod failures;
mod schema;

use crate::backend::k8s::names::{api_group, constraint_name, is_dns_label, policy_kind};
use crate::backend::k8s::{managed_labels, openapi::structural, yaml, GOVC_PREFIX};
use crate::backend::{Origin, ProblemKind, TargetProblem};
use crate::ir::{Admission, AdmissionAction, Clause, ClauseKind, Condition, Ir, MsgPart, PodMaker, Policy};
use expr::{json_literal, select, string_literal, user_name, Translator, Untranslatable};
use schema::{Check, SchemaChecks};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

pub use expr::{ASSUMED_SIZE, COST_LIMIT};

/// The API group of the generated parameters kinds.
pub const PARAMS_GROUP: &str = "params.govc.dev";

/// A policy enforced at admission by the API server.
struct Admitted<'a> {
    policy: &'a Policy,
    /// The `admission` blocks with a CEL engine: one binding each.
    admissions: Vec<&'a Admission>,
}

impl Admitted<'_> {
    /// The VAP's name: the policy name as a DNS label.
    fn name(&self) -> String {
        constraint_name(&self.policy.name)
    }

    fn params_kind(&self) -> String {
        format!("{}Params", policy_kind(&self.policy.name))
    }

    fn params_plural(&self) -> String {
        self.params_kind().to_lowercase()
    }

    fn binding_names(&self, suffix: &str) -> Vec<String> {
        let base = format!("{}{suffix}", self.name());
        (1..=self.admissions.len())
            .map(|i| if i == 1 { base.clone() } else { format!("{base}-{i}") })
            .collect()
    }
}

fn admitted(ir: &Ir) -> Vec<Admitted<'_>> {
    let mut out: Vec<Admitted<'_>> = Vec::new();
    for enforcement in &ir.enforcements {
        let Some(admission) = enforcement.admission.as_ref().filter(|a| a.engine.cel()) else {
            continue;
        };
        for package in &enforcement.policies {
            let Some(policy) = ir.policies.iter().find(|p| &p.package == package) else {
                continue;
            };
            match out.iter_mut().find(|a| a.policy.package == policy.package) {
                Some(existing) => existing.admissions.push(admission),
                None => out.push(Admitted {
                    policy,
                    admissions: vec![admission],
                }),
            }
        }
    }
    out
}

/// The compiled CEL of one policy.
struct Compiled {
    /// `variables`, in order: parameters, checks, `_wellformed`, `let`s.
    variables: Vec<(String, String)>,
    /// The checks' validations, then the `deny` clauses'.
    deny: Vec<(String, String)>,
    warn: Vec<(String, String)>,
}

/// A construct that keeps a policy from CEL, and where it is.
struct Refusal {
    origin: Origin,
    problem: Untranslatable,
}

fn compile(ir: &Ir, policy: &Policy) -> Result<Compiled, Refusal> {
    let mut t = Translator::new(ir, policy);
    let mut variables = Vec::new();
    let mut checks: Vec<Check> = Vec::new();
    if !policy.params.is_empty() {
        let spec = "params.spec";
        let spec_is_map = format!("has(params.spec) && type({spec}) == map");
        for p in &policy.params {
            let value = select(spec, &p.name);
            let present = format!("{spec_is_map} && {}", expr::has_field(spec, &p.name));
            let read = format!("{present} ? {value} : {}", json_literal(&p.default));
            let read = match &p.schema {
                crate::ir::Schema::Number { integer: true, .. } => format!("int({read})"),
                crate::ir::Schema::Number { integer: false, .. } => format!("double({read})"),
                _ => read,
            };
            variables.push((user_name(&p.var), read));
        }
        checks.push(Check {
            ok: format!("!has(params.spec) || type({spec}) == map"),
            message: format!(
                "{} + {}",
                string_literal("invalid parameters: expected an object, found "),
                schema::type_name(spec)
            ),
        });
        let names: Vec<String> = policy.params.iter().map(|p| string_literal(&p.name)).collect();
        let listed: Vec<&str> = policy.params.iter().map(|p| p.name.as_str()).collect();
        let known = format!("_name in [{}]", names.join(", "));
        checks.push(Check {
            ok: format!("!({spec_is_map}) || {spec}.all(_name, {known})"),
            message: format!(
                "{spec}.filter(_name, !({known})).map(_name, {} + _name + {}).join(\"; \")",
                string_literal("invalid parameter "),
                string_literal(&format!(
                    ": {} has no such parameter (its parameters: {})",
                    policy.dotted(),
                    listed.join(", ")
                ))
            ),
        });
        let mut params = SchemaChecks::new("invalid parameter ");
        for p in &policy.params {
            let guards = vec![spec_is_map.clone(), expr::has_field(spec, &p.name)];
            checks.extend(params.named(&p.schema, &select(spec, &p.name), &p.name, &guards));
        }
    }
    let mut document = SchemaChecks::new(&format!("malformed {}: ", policy.subject_type));
    if let Some(makers) = &policy.pod_view {
        let (template, kind_check) = pod_view(makers, "object", &format!("malformed {}: kind", policy.subject_type));
        variables.push(("_pod_template".into(), template));
        variables.push(("_pod".into(), pod_containers("variables._pod_template")));
        checks.push(kind_check);
        document = document.with_view("pod", expr::POD_VIEW);
    }
    checks.extend(document.document(&policy.subject, "object"));
    if let Some(request) = &policy.request {
        let reads_old =
            matches!(request, crate::ir::Schema::Object { fields, .. } if fields.iter().any(|f| f.name == "oldObject"));
        let mut request_checks = SchemaChecks::new("malformed request: ").with_view("oldObject", expr::OLD_OBJECT);
        if let (true, Some(makers)) = (reads_old, &policy.pod_view) {
            // The object before an UPDATE, seen through the pod it makes as the subject is.
            let (template, kind_check) = pod_view(makers, expr::OLD_OBJECT, "malformed request: oldObject.kind");
            variables.push(("_old_pod_template".into(), template));
            variables.push(("_old_pod".into(), pod_containers("variables._old_pod_template")));
            checks.push(kind_check);
            request_checks = request_checks.with_view("oldObject.pod", expr::OLD_POD_VIEW);
        }
        // The fields of the request the policy reads, checked as the bundle checks them.
        checks.extend(request_checks.document(request, "request"));
    }
    let mut deny = Vec::new();
    let mut conjunction = Vec::new();
    for (i, check) in checks.iter().enumerate() {
        let name = format!("_check{}", i + 1);
        variables.push((name.clone(), check.ok.clone()));
        conjunction.push(format!("variables.{name}"));
        deny.push((format!("variables.{name}"), check.message.clone()));
    }
    variables.push(("_wellformed".into(), conjunction.join(" && ")));
    // Where an operation fails, the document is denied naming it, and no clause runs.
    let mut failed = Vec::new();
    for (i, (var, e)) in policy.lets.iter().enumerate() {
        let refusal = |problem| Refusal {
            origin: Origin::Let {
                policy: policy.package.clone(),
                index: i,
            },
            problem,
        };
        let text = t.translate(e).map_err(refusal)?;
        failed.extend(t.failures(e).map_err(refusal)?);
        variables.push((user_name(&var.0), text));
    }
    let of_lets = failed.len();
    for (i, clause) in policy.clauses.iter().enumerate() {
        if clause.kind == ClauseKind::Allow {
            continue;
        }
        let parts = clause.message.clone().unwrap_or_default();
        let found = t
            .clause_failures(&clause.conditions, &parts)
            .map_err(|problem| Refusal {
                origin: Origin::Clause {
                    policy: policy.package.clone(),
                    index: i,
                },
                problem,
            })?;
        // A clause reads the `let`s only where they do not fail.
        let found = failures::after(&failed[..of_lets], found);
        failed.extend(found);
    }
    let gate = if failed.is_empty() {
        "variables._wellformed"
    } else {
        let mut evaluable = vec!["variables._wellformed".to_string()];
        for (i, f) in failed.iter().enumerate() {
            let name = format!("_failure{}", i + 1);
            variables.push((name.clone(), format!("variables._wellformed && ({})", f.test)));
            evaluable.push(format!("!variables.{name}"));
            deny.push((format!("!variables.{name}"), failures::message(f, &policy.dotted())));
        }
        variables.push(("_evaluable".into(), evaluable.join(" && ")));
        "variables._evaluable"
    };
    let mut warn = Vec::new();
    for (i, clause) in policy.clauses.iter().enumerate() {
        let into = match clause.kind {
            ClauseKind::Deny => &mut deny,
            ClauseKind::Warn => &mut warn,
            // Admission decides on `deny` (and `warn`) alone, as Gatekeeper's `violation` does.
            ClauseKind::Allow => continue,
        };
        let validation = clause_validation(&mut t, clause, gate).map_err(|problem| Refusal {
            origin: Origin::Clause {
                policy: policy.package.clone(),
                index: i,
            },
            problem,
        })?;
        into.push(validation);
    }
    Ok(Compiled { variables, deny, warn })
}

/// The pod template of the workload `object` (`object` or `oldObject`), as the bundle's view has
/// it (`backend::rego::policy`): a Pod's own metadata and spec, the pod template of another kind
/// that makes pods (null where it has none), and for any other object its own `pod` field (which
/// the kind check denies); and the check that the object, where it is one, is of a kind that
/// makes pods (`malformed_kind`: how its message starts).
fn pod_view(makers: &[PodMaker], object: &str, malformed_kind: &str) -> (String, Check) {
    let is_map = format!("type({object}) == map");
    let is_map = is_map.as_str();
    let kind_in = |kinds: &[&str]| {
        let kinds: Vec<String> = kinds.iter().map(|k| string_literal(k)).collect();
        match kinds.as_slice() {
            [one] => format!("{is_map} && has({object}.kind) && {object}.kind == {one}"),
            many => format!(
                "{is_map} && has({object}.kind) && {object}.kind in [{}]",
                many.join(", ")
            ),
        }
    };
    // One branch per path, for the kinds that keep their pod there.
    let mut paths: Vec<(&[String], Vec<&str>)> = Vec::new();
    for m in makers {
        match paths.iter_mut().find(|(p, _)| *p == m.path.as_slice()) {
            Some((_, ks)) => ks.push(&m.kind),
            None => paths.push((&m.path, vec![&m.kind])),
        }
    }
    let mut branches = Vec::new();
    for (path, kinds) in &paths {
        let pod = if path.is_empty() {
            // `object.filter(o, ["metadata", "spec"])`: a null field reads as an absent one.
            let field = |f: &str| format!("{}: has({object}.{f}) ? {object}.{f} : null", string_literal(f));
            format!("{{{}, {}}}", field("metadata"), field("spec"))
        } else {
            // `object.get(o, path, null)`: null where a step is missing or not an object.
            let mut guards = Vec::new();
            let mut at = object.to_string();
            for step in path.iter() {
                guards.push(format!("type({at}) == map && {}", expr::has_field(&at, step)));
                at = select(&at, step);
            }
            format!("{} ? {at} : null", guards.join(" && "))
        };
        // `dyn`: the branches hold values of different types once the API server types `object`.
        branches.push(format!("{} ? dyn({pod})", kind_in(kinds)));
    }
    branches.push(format!("{is_map} && has({object}.pod) ? dyn({object}.pod) : null"));
    let all: Vec<&str> = makers.iter().map(|m| m.kind.as_str()).collect();
    let check = Check {
        ok: format!("!({is_map}) || ({})", kind_in(&all)),
        message: string_literal(&format!("{malformed_kind}: must be one of {}", all.join(", "))),
    };
    (branches.join(" : "), check)
}

/// The pod made from the pod template `template` (a CEL value, null where there is none), with
/// `containers`: every container of the pod in one list, as the bundle's view has it
/// (`backend::rego::policy`, `std.k8s.PodTemplate.containers`). A list that is absent or null adds
/// nothing; where one is neither nor a list, or the spec is not an object, the pod is the template
/// as it is (so the fail-closed check of a policy that reads `containers` reports it missing).
fn pod_containers(template: &str) -> String {
    const LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];
    let spec = format!("{template}.spec");
    let absent = |l: &str| format!("!has({spec}.{l}) || {spec}.{l} == null");
    let lists_ok: Vec<String> = LISTS
        .iter()
        .map(|l| format!("({} || type({spec}.{l}) == list)", absent(l)))
        .collect();
    let each: Vec<String> = LISTS
        .iter()
        .map(|l| format!("({} ? [] : {spec}.{l})", absent(l)))
        .collect();
    format!(
        "type({template}) == map && has({template}.spec) && type({spec}) == map && {} ? \
         dyn({{\"metadata\": has({template}.metadata) ? {template}.metadata : null, \"spec\": {spec}, \"containers\": {}}}) : \
         {template}",
        lists_ok.join(" && "),
        each.join(" + ")
    )
}

/// A clause as a validation: it passes on a malformed document (the checks deny it) and where
/// the clause does not fire; its message lists the clause's messages, one per binding of its
/// `some` variables, joined by `"; "`.
fn clause_validation(t: &mut Translator<'_>, clause: &Clause, gate: &str) -> Result<(String, String), Untranslatable> {
    let holds = conditions(t, &clause.conditions)?;
    t.check_cost()?;
    let parts = clause.message.clone().unwrap_or_default();
    let message = messages(t, &clause.conditions, &parts)?;
    t.check_cost()?;
    Ok((format!("!{gate} || !({holds})"), message))
}

/// The CEL of a clause's conditions, in order (`some` as `exists` over the conditions after it).
fn conditions(t: &mut Translator<'_>, conds: &[Condition]) -> Result<String, Untranslatable> {
    let Some((first, rest)) = conds.split_first() else {
        return Ok("true".into());
    };
    match first {
        Condition::Expr(e) => {
            let head = t.expr(e)?;
            let head = if head.contains(" || ") && !head.starts_with('(') {
                format!("({head})")
            } else {
                head
            };
            if rest.is_empty() {
                Ok(head)
            } else {
                Ok(format!("{head} && {}", conditions(t, rest)?))
            }
        }
        Condition::Some { key, var, collection } => t.iterate(key.as_ref(), var, collection, |t, coll, it| {
            Ok(format!("{coll}.exists({it}, {})", conditions(t, rest)?))
        }),
        // A block-local binding: its value, inlined where the conditions after it read it.
        Condition::Let { var, value } => {
            let (text, schema) = (t.operand(value)?, t.schema(value));
            t.with_local(var, text, schema, false, |t| conditions(t, rest))
        }
    }
}

/// The messages of a clause whose conditions before the first `some` hold: one per binding.
fn messages(t: &mut Translator<'_>, conds: &[Condition], parts: &[MsgPart]) -> Result<String, Untranslatable> {
    let Some((first, rest)) = conds.split_first() else {
        return t.message(parts);
    };
    match first {
        Condition::Expr(_) => messages(t, rest, parts),
        Condition::Let { var, value } => {
            let (text, schema) = (t.operand(value)?, t.schema(value));
            t.with_local(var, text, schema, false, |t| messages(t, rest, parts))
        }
        Condition::Some { key, var, collection } => t.iterate(key.as_ref(), var, collection, |t, coll, it| {
            let holds = conditions(t, rest)?;
            let each = messages(t, rest, parts)?;
            Ok(format!("{coll}.filter({it}, {holds}).map({it}, {each}).join(\"; \")"))
        }),
    }
}

/// Every problem that keeps a policy enforced with CEL from being generated: constructs with no
/// faithful CEL translation, namespace patterns a binding cannot select, names Kubernetes would
/// refuse or that clash. `govc check` reports them at their declarations; [`build`] refuses to
/// emit anything while there are any.
pub fn check(ir: &Ir) -> Vec<TargetProblem> {
    let mut problems = Vec::new();
    let mut names: BTreeMap<String, &Policy> = BTreeMap::new();
    for a in admitted(ir) {
        let about = vec![Origin::Policy(a.policy.package.clone())];
        if let Err(refusal) = compile(ir, a.policy) {
            problems.push(
                TargetProblem::new(
                    ProblemKind::Untranslatable,
                    format!(
                        "{} in policy `{}` has no faithful CEL translation: {}",
                        refusal.problem.construct,
                        a.policy.dotted(),
                        refusal.problem.why
                    ),
                    vec![refusal.origin],
                )
                .with_help("enforce this policy with `engine = gatekeeper`, or rewrite the expression"),
            );
        }
        for admission in &a.admissions {
            for ns in admission.namespaces.iter().chain(&admission.excluded_namespaces) {
                if ns.contains('*') {
                    problems.push(
                        TargetProblem::new(
                            ProblemKind::Untranslatable,
                            format!(
                                "the namespace pattern `{ns}` has no ValidatingAdmissionPolicyBinding form: a binding selects namespaces by name"
                            ),
                            about.clone(),
                        )
                        .with_help("list the namespaces by name, or use `engine = gatekeeper`"),
                    );
                }
            }
        }
        let name = a.name();
        if !is_dns_label(&name) || name.len() + "-warn-99".len() > 63 {
            problems.push(
                TargetProblem::new(
                    ProblemKind::Name,
                    format!(
                        "policy `{}` would be the ValidatingAdmissionPolicy `{name}`, which is not a DNS label of at most 55 characters",
                        a.policy.dotted()
                    ),
                    about.clone(),
                )
                .with_help("rename the policy"),
            );
        }
        if let Some(other) = names.insert(name.clone(), a.policy) {
            problems.push(
                TargetProblem::new(
                    ProblemKind::Clash,
                    format!(
                        "policies `{}` and `{}` would both be the ValidatingAdmissionPolicy `{name}`",
                        other.dotted(),
                        a.policy.dotted()
                    ),
                    vec![about[0].clone(), Origin::Policy(other.package.clone())],
                )
                .with_help("rename one of them"),
            );
        }
    }
    problems
}

/// The files of the CEL target, by their path under `OUT/k8s/`; or every problem (see [`check`]).
pub fn build(ir: &Ir) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let problems = check(ir);
    if !problems.is_empty() {
        return Err(problems.iter().map(TargetProblem::text).collect::<Vec<_>>().join("\n"));
    }
    let mut files = BTreeMap::new();
    let do_not_edit = "Do not edit: change the .gov source and run `govc build`.";
    for a in admitted(ir) {
        let dotted = a.policy.dotted();
        let compiled = compile(ir, a.policy).map_err(|r| r.problem.why)?;
        let mut add = |path: String, header: String, doc: Value| {
            files.insert(path, yaml::manifest(&header, &doc).into_bytes());
        };
        let header = format!("Generated by govc from the policy `{dotted}`. {do_not_edit}");
        let has_params = !a.policy.params.is_empty();
        let sets: Vec<(&str, &Vec<(String, String)>)> = if compiled.warn.is_empty() {
            vec![("", &compiled.deny)]
        } else {
            vec![("", &compiled.deny), ("-warn", &compiled.warn)]
        };
        for (suffix, validations) in sets {
            let name = format!("{}{suffix}", a.name());
            add(
                format!("vap/policies/{name}.yaml"),
                header.clone(),
                emit_policy(ir, &a, &name, &compiled.variables, validations),
            );
            for (binding, admission) in a.binding_names(suffix).into_iter().zip(&a.admissions) {
                let actions = match (suffix, admission.action) {
                    (_, AdmissionAction::Dryrun) => "Audit",
                    ("-warn", _) | (_, AdmissionAction::Warn) => "Warn",
                    _ => "Deny",
                };
                add(
                    format!("vap/bindings/{binding}.yaml"),
                    format!(
                        "Generated by govc from the admission enforcement of `{dotted}`. {do_not_edit}\n\
                         Apply it after its ValidatingAdmissionPolicy{}.",
                        if has_params { " and its parameters" } else { "" }
                    ),
                    emit_binding(&a, &name, &binding, admission, actions),
                );
            }
        }
        if has_params {
            add(
                format!("vap/params/crds/{}.{PARAMS_GROUP}.yaml", a.params_plural()),
                format!("Generated by govc: the parameters of `{dotted}`. {do_not_edit}"),
                emit_params_crd(&a),
            );
            add(
                format!("vap/params/defaults/{}.yaml", a.name()),
                format!(
                    "Generated by govc: the default parameters of `{dotted}`, which its bindings name.\n\
                     Edit this object in the cluster (or an overlay) to override a parameter; one left out takes its default."
                ),
                emit_default_params(&a),
            );
        }
    }
    Ok(files)
}

fn labels(policy: &Policy) -> Value {
    let mut labels = managed_labels();
    labels[format!("{GOVC_PREFIX}severity")] = json!(policy.severity.as_str());
    labels
}

fn annotations(policy: &Policy) -> Value {
    let mut a = json!({ format!("{GOVC_PREFIX}policy"): policy.dotted() });
    if let Some(title) = &policy.title {
        a[format!("{GOVC_PREFIX}title")] = json!(title);
    }
    if let Some(doc) = &policy.doc {
        a[format!("{GOVC_PREFIX}description")] = json!(doc);
    }
    if !policy.controls.is_empty() {
        a[format!("{GOVC_PREFIX}controls")] = json!(serde_json::to_string(&policy.controls).expect("JSON serializes"));
    }
    a
}

/// `resourceRules` for the kinds of every admission block: plural names from the program's
/// resources (a kind the program does not own, as the standard library's `Ingress`: its
/// lowercase form made plural by the rules of English, as the API declares them: `ingresses`).
fn resource_rules(ir: &Ir, admissions: &[&Admission]) -> Value {
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for admission in admissions {
        for written in &admission.kinds {
            let Some((group, kind)) = written.split_once('/') else {
                continue;
            };
            let group = api_group(group).to_string();
            let plural = ir
                .resources
                .iter()
                .find(|r| r.group == group && r.kind == kind)
                .map(|r| r.plural.clone())
                .unwrap_or_else(|| crate::english::plural(&kind.to_lowercase()));
            let entry = groups.entry(group).or_default();
            if !entry.contains(&plural) {
                entry.push(plural);
            }
        }
    }
    Value::Array(
        groups
            .into_iter()
            .map(|(group, resources)| {
                json!({
                    "apiGroups": [group],
                    "apiVersions": ["*"],
                    "operations": ["CREATE", "UPDATE"],
                    "resources": resources,
                })
            })
            .collect(),
    )
}

fn emit_policy(
    ir: &Ir,
    a: &Admitted<'_>,
    name: &str,
    variables: &[(String, String)],
    validations: &[(String, String)],
) -> Value {
    let policy = a.policy;
    let mut spec = json!({
        "failurePolicy": "Fail",
        // A DELETE admits nothing; only what is created or changed is judged.
        "matchConstraints": {"resourceRules": resource_rules(ir, &a.admissions)},
        "variables": variables
            .iter()
            .map(|(n, e)| json!({"name": n, "expression": e}))
            .collect::<Vec<_>>(),
        "validations": validations
            .iter()
            .map(|(e, m)| json!({"expression": e, "messageExpression": m, "reason": "Forbidden"}))
            .collect::<Vec<_>>(),
    });
    if !policy.params.is_empty() {
        spec["paramKind"] = json!({
            "apiVersion": format!("{PARAMS_GROUP}/v1"),
            "kind": a.params_kind(),
        });
    }
    json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": name, "labels": labels(policy), "annotations": annotations(policy)},
        "spec": spec,
    })
}

fn emit_binding(a: &Admitted<'_>, policy_name: &str, name: &str, admission: &Admission, action: &str) -> Value {
    let mut spec = json!({
        "policyName": policy_name,
        "validationActions": [action],
    });
    let mut expressions = Vec::new();
    if !admission.namespaces.is_empty() {
        expressions
            .push(json!({"key": "kubernetes.io/metadata.name", "operator": "In", "values": admission.namespaces}));
    }
    if !admission.excluded_namespaces.is_empty() {
        expressions.push(json!({
            "key": "kubernetes.io/metadata.name",
            "operator": "NotIn",
            "values": admission.excluded_namespaces,
        }));
    }
    if !expressions.is_empty() {
        spec["matchResources"] = json!({"namespaceSelector": {"matchExpressions": expressions}});
    }
    if !a.policy.params.is_empty() {
        spec["paramRef"] = json!({"name": a.name(), "parameterNotFoundAction": "Deny"});
    }
    json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": name, "labels": labels(a.policy), "annotations": {format!("{GOVC_PREFIX}policy"): a.policy.dotted()}},
        "spec": spec,
    })
}

fn emit_params_crd(a: &Admitted<'_>) -> Value {
    let properties: Map<String, Value> = a
        .policy
        .params
        .iter()
        .map(|p| (p.name.clone(), structural(&p.schema, p.doc.as_deref())))
        .collect();
    let plural = a.params_plural();
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{plural}.{PARAMS_GROUP}"), "labels": managed_labels()},
        "spec": {
            "group": PARAMS_GROUP,
            "names": {"kind": a.params_kind(), "plural": plural, "singular": a.params_kind().to_lowercase(), "listKind": format!("{}List", a.params_kind())},
            "scope": "Cluster",
            "versions": [{
                "name": "v1",
                "served": true,
                "storage": true,
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "description": format!("The parameters of the govc policy `{}`; a parameter left out takes its default.", a.policy.dotted()),
                    "properties": {
                        "apiVersion": {"type": "string"},
                        "kind": {"type": "string"},
                        "metadata": {"type": "object"},
                        "spec": {"type": "object", "properties": properties},
                    },
                }},
            }],
        },
    })
}

fn emit_default_params(a: &Admitted<'_>) -> Value {
    let defaults: Map<String, Value> = a
        .policy
        .params
        .iter()
        .map(|p| (p.name.clone(), p.default.clone()))
        .collect();
    json!({
        "apiVersion": format!("{PARAMS_GROUP}/v1"),
        "kind": a.params_kind(),
        "metadata": {"name": a.name(), "labels": labels(a.policy), "annotations": {format!("{GOVC_PREFIX}policy"): a.policy.dotted()}},
        "spec": defaults,
    })
}
