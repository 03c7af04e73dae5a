//! One policy's Rego package.

use super::expr::SubjectView;
use super::expr::{
    bound_vars, conjuncts, disjuncts, free_vars, indent_lines, without_redundant, Conjunct, Emitter, FailedWhat,
};
use super::names;
use super::schema::{SchemaChecks, TypeChecks, WellFormed};
use super::syntax::{comment, field_suffix, json_term, package_ref, string_literal};
use super::{defaults_path, overrides_path, Decisions, ParamSource, Target};
use crate::ir::ClauseKind;
use crate::ir::{Clause, Condition, Expr, Inventory, MsgPart, Param, PodMaker, Policy, Schema, Var};
use std::collections::BTreeSet;

/// The Rego source of a policy's package; the checks of the record types it reads go to `types`
/// (see [`TypeChecks`]).
pub fn emit_policy(policy: &Policy, target: &Target, types: &mut TypeChecks) -> String {
    let mut out = String::new();
    out.push_str(&metadata(policy));
    out.push_str(&target.module_head(&policy.package));
    // A policy on a workload reads the view built from the object (see `pod_view`).
    let view_target;
    let em_target = match policy.pod_view {
        Some(_) => {
            view_target = Target {
                document: "_document".to_string(),
                ..target.clone()
            };
            &view_target
        }
        None => target,
    };
    let mut em = Emitter::new(em_target);
    em.gate = Some("_conforms");
    if policy.pod_view.is_some() {
        em.subject_view = Some(SubjectView {
            object: target.document.clone(),
            fields: vec![
                (&["pod"], "_pod"),
                (&["pod", "containers"], "_pod_containers"),
                (&["pod", "metadata"], "_pod_source.metadata"),
                (&["pod", "spec"], "_pod_source.spec"),
            ],
        });
    }
    if let Some(request) = &policy.request {
        if target.request_always_sent && !reads_old_object(request) {
            em.request = target.request.clone();
        }
    }
    if target.params == ParamSource::Gatekeeper {
        em.param_rules = policy
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), param_rule(i, p)))
            .collect();
    }
    // The fast path of the fail-closed checks, built beside them (see `WellFormed`).
    let mut well_formed = WellFormed::new();

    match &policy.pod_view {
        None => {
            section(&mut out, "The document being judged; `null` when there is none.");
            out.push_str(&format!(
                "default _document := null\n\n_document := {}\n",
                target.document
            ));
        }
        Some(makers) => out.push_str(&pod_view(policy, makers, target)),
    }

    if !policy.params.is_empty() {
        out.push_str(&params(policy, target));
    }

    section(
        &mut out,
        &format!(
            "Fail closed: a document that is not a well-formed `{}` is denied, with a message naming the\n\
             path and what was expected, and the policy's own clauses do not run on it.",
            policy.subject_type
        ),
    );
    let mut checks = SchemaChecks::new(&format!("malformed {}: ", policy.subject_type), "_problem").with_types(types);
    checks.document(&policy.subject, "_document");
    out.push_str(&checks.into_rules().join("\n"));
    match &policy.pod_view {
        Some(makers) => {
            // The pod as its template and its containers: the fast path builds no view.
            well_formed.value(
                &policy.subject,
                &target.document,
                &[(&["pod"], "_pod_source"), (&["pod", "containers"], "_pod_containers")],
            );
            // `_pod_source` is defined only for those kinds: where the fast path reads it, it
            // needs no test of the kind.
            if !well_formed.reads_view("_pod_source") {
                well_formed.require(format!("{}.kind in {}", target.document, workload_kinds(makers)));
            }
        }
        // The document where it is: `_document` (it or `null`) only for the rules naming problems.
        None => well_formed.value(&policy.subject, &target.document, &[]),
    }
    if let Some(request) = &policy.request {
        out.push_str(&admission(
            policy,
            request,
            target,
            &em.request,
            &mut well_formed,
            types,
        ));
    }
    for inventory in &policy.inventories {
        out.push_str(&inventory_rules(inventory, &mut well_formed, types));
    }
    if !policy.params.is_empty() {
        // Parameters checked before any request (a Constraint's, against the template's
        // schema) are not checked again on each.
        let checked: Vec<_> = policy
            .params
            .iter()
            .filter(|p| !(target.params_checked_upstream)(&p.schema))
            .collect();
        // Operators write the overrides as data: nothing checked them before. A Constraint's
        // parameters are an object with no key the template's schema does not name (the API
        // server prunes them).
        if target.params == ParamSource::BundleData {
            out.push_str(&override_checks(policy, &mut well_formed));
        }
        for p in checked {
            // A `null` override is checked like any other value ("expected int, found null"):
            // it must not switch a check off.
            let var = format!("_p_{}", p.var);
            let (read, fast) = match em.param_rules.get(&p.name) {
                // The parameter's rule, always defined, bound once (each reference to a rule is a
                // lookup).
                Some(rule) => {
                    well_formed.require(format!("{var} := {rule}"));
                    (rule.clone(), var.clone())
                }
                // `_params` (bound to `_p`, see `override_checks`) has every parameter: a
                // reference, read without a call.
                None => (
                    format!("object.get(_params, {}, null)", string_literal(&p.name)),
                    format!("_p{}", field_suffix(&p.name)),
                ),
            };
            let mut checks = SchemaChecks::new("invalid parameter ", "_problem")
                .with_bindings(vec![format!("{var} := {read}")])
                .with_types(types);
            checks.named(&p.schema, &var, &p.name);
            well_formed.value(&p.schema, &fast, &[]);
            for rule in checks.into_rules() {
                out.push('\n');
                out.push_str(&rule);
            }
        }
    }
    section(
        &mut out,
        "The fast path: a document (request, parameters) that passes the checks above in one pass has\n\
         no problem, and the rules naming each problem run only on one that does not.",
    );
    out.push_str(&well_formed.into_rules());
    // `_conforms` and the rule reporting the problems read `_well_formed` first: on the fast path
    // neither computes the set of problems. `_malformed` is that set, for the embedded engine and
    // `test` blocks, which read the bundle.
    if target.decisions == Decisions::Bundle {
        out.push_str(
            "\n_malformed := set() if _well_formed\n\n\
             _malformed := _problem if not _well_formed\n",
        );
    }
    out.push_str("\n_conforms if _well_formed\n\n_conforms if {\n\tnot _well_formed\n\tcount(_problem) == 0\n}\n");

    for (var, value) in &policy.lets {
        section(&mut out, &format!("let {}", var.0));
        let only_tested = !read_as_value(policy, var);
        out.push_str(&let_rule(&mut em, &names::var(var), value, only_tested));
    }

    // Where evaluating the policy can fail, the failures deny and the clauses run only on
    // documents where nothing fails (`_evaluable`); elsewhere on conforming ones.
    let failures = failure_rules(&mut em, policy);
    let gate = if failures.is_empty() { "_conforms" } else { "_evaluable" };
    if !failures.is_empty() {
        section(
            &mut out,
            "Evaluation failures: where an operation of the policy fails (a division by zero, ...), the\n\
             document is denied with a message naming the expression and the cause, and no clause runs.",
        );
        for rule in failures {
            out.push_str(&rule);
            out.push('\n');
        }
        out.push_str("_evaluable if {\n\t_conforms\n\tcount(_failed) == 0\n}\n");
    }

    let record = violation_record(policy, target);
    match target.decisions {
        Decisions::Bundle => out.push_str(&bundle_decisions(&mut em, policy, target, gate, &record)),
        Decisions::Violations(kind) => out.push_str(&violations(&mut em, policy, target, gate, kind, &record)),
    }
    let helpers = em.take_used_helpers(&out);
    if !helpers.is_empty() {
        section(&mut out, "Helpers.");
        out.push_str(&helpers.join("\n"));
    }
    out
}

/// The document of a policy on `std.k8s.Workload`: the object, with the pod it makes as `pod`
/// (a Pod's own metadata and spec, a workload's pod template). An object of another kind is
/// judged as it is, and is malformed.
fn pod_view(policy: &Policy, makers: &[PodMaker], target: &Target) -> String {
    let mut out = String::new();
    section(
        &mut out,
        "The document being judged: the object, with the pod it makes as `pod` (its pod template,\n\
         or a Pod's own metadata and spec); `null` when there is none.",
    );
    let view = View {
        object: "_object",
        alias: true,
        pod: "_pod",
        document: "_document",
        malformed: format!("malformed {}: kind", policy.subject_type),
    };
    out.push_str(&view.rules(makers, &target.document));
    out
}

/// The rules that make `pod` from `<pod>_source` (where the object keeps its pod: a Pod itself, a
/// workload's template), with `containers`: every container of the pod in one list
/// (`std.k8s.PodTemplate.containers`). A list that is absent or `null` adds nothing; one that is
/// neither nor a list leaves `containers` out, so the fail-closed check of a policy that reads it
/// reports it missing. The first body is the common case, `containers` alone (the others absent
/// or `null`: `false` is neither, and is reported), which needs no concatenation; the second
/// the lists absent or lists, none `null`; the last, tried only when both fail, the general one.
fn pod_containers(pod: &str) -> String {
    let lists = r#"["containers", "initContainers", "ephemeralContainers"]"#;
    let (source, template, containers) = (
        format!("{pod}_source"),
        format!("{pod}_template"),
        format!("{pod}_containers"),
    );
    format!(
        "\n{containers} := _c if {{\n\
         \t_spec := {source}.spec\n\
         \t_c := _spec.containers\n\
         \tis_array(_c)\n\
         \tobject.get(_spec, \"initContainers\", null) == null\n\
         \tobject.get(_spec, \"ephemeralContainers\", null) == null\n\
         }} else := array.concat(array.concat(_l1, _l2), _l3) if {{\n\
         \t_spec := {source}.spec\n\
         \tis_object(_spec)\n\
         \t_l1 := object.get(_spec, \"containers\", [])\n\
         \tis_array(_l1)\n\
         \t_l2 := object.get(_spec, \"initContainers\", [])\n\
         \tis_array(_l2)\n\
         \t_l3 := object.get(_spec, \"ephemeralContainers\", [])\n\
         \tis_array(_l3)\n\
         }} else := [c | some key in {lists}; l := object.get(_spec, key, []); is_array(l); some c in l] if {{\n\
         \t_spec := {source}.spec\n\
         \tis_object(_spec)\n\
         \tevery key in {lists} {{\n\
         \t\ttype_name(object.get(_spec, key, [])) in {{\"array\", \"null\"}}\n\
         \t}}\n\
         }}\n\n\
         {pod} := object.union({template}, {{\"containers\": {containers}}}) if is_object({template})\n\n\
         {pod} := {template} if {{\n\tis_object({template})\n\tnot {containers}\n}}\n\n\
         {pod} := {template} if not is_object({template})\n"
    )
}

/// A rule `name` whose value is that of the first `(value, test)` whose test holds.
fn else_chain(name: &str, cases: &[(String, String)]) -> String {
    let arms: Vec<String> = cases
        .iter()
        .map(|(value, test)| format!("{value} if {{\n\t{test}\n}}"))
        .collect();
    format!("\n{name} := {}\n", arms.join(" else := "))
}

/// The set of the kinds that make a pod, as a Rego term.
fn workload_kinds(makers: &[PodMaker]) -> String {
    let kinds: Vec<String> = makers.iter().map(|m| string_literal(&m.kind)).collect();
    format!("{{{}}}", kinds.join(", "))
}

/// The names of the rules that build a workload's view, and how its wrong kind is reported.
struct View {
    /// The rule holding the object (`_object`), a prefix of the names of the rules about it.
    object: &'static str,
    /// Whether the rule `object` is only an alias of a reference (the document `input`,
    /// `input.review.object`): then the other rules read the reference itself, which costs
    /// no rule lookup.
    alias: bool,
    pod: &'static str,
    document: &'static str,
    malformed: String,
}

impl View {
    /// `document`: the object at `source`, with the pod it makes as `pod`; `null` when there is
    /// none.
    fn rules(&self, makers: &[PodMaker], source: &str) -> String {
        let View { pod, document, .. } = self;
        let name = self.object;
        let (mut out, object) = match self.alias {
            true => (String::new(), source),
            false => (format!("{name} := {source}\n"), name),
        };
        let kinds = workload_kinds(makers);
        // One rule per path, for the kinds that keep their pod there.
        let mut paths: Vec<(&[String], Vec<&str>)> = Vec::new();
        for m in makers {
            match paths.iter_mut().find(|(p, _)| *p == m.path.as_slice()) {
                Some((_, ks)) => ks.push(&m.kind),
                None => paths.push((&m.path, vec![&m.kind])),
            }
        }
        // Where the pod is kept (the object itself for a Pod), and the pod template: only its
        // metadata and spec. One rule each, an `else` per path: a kind is tested until one holds.
        let (mut sources, mut templates) = (Vec::new(), Vec::<(String, String)>::new());
        for (path, ks) in paths {
            let test = match ks.as_slice() {
                [one] => format!("{object}.kind == {}", string_literal(one)),
                many => format!(
                    "{object}.kind in {{{}}}",
                    many.iter().map(|k| string_literal(k)).collect::<Vec<_>>().join(", ")
                ),
            };
            let (source, template) = if path.is_empty() {
                (
                    object.to_string(),
                    format!(r#"object.filter({pod}_source, ["metadata", "spec"])"#),
                )
            } else {
                let segs: Vec<String> = path.iter().map(|s| string_literal(s)).collect();
                (
                    format!("object.get({object}, [{}], null)", segs.join(", ")),
                    format!("{pod}_source"),
                )
            };
            sources.push((source, test.clone()));
            templates.push((template, test));
        }
        out.push_str(&else_chain(&format!("{pod}_source"), &sources));
        // The template is the source but for a Pod's (only its metadata and spec).
        let pod_test = templates.iter().find(|(t, _)| t.starts_with("object.filter"));
        out.push_str(&match pod_test {
            Some((template, test)) => {
                format!("\n{pod}_template := {template} if {{\n\t{test}\n}} else := {pod}_source\n")
            }
            None => format!("\n{pod}_template := {pod}_source\n"),
        });
        out.push_str(&pod_containers(pod));
        out.push_str(&format!(
            "\ndefault {document} := null\n\n\
             {document} := object.union({object}, {{\"pod\": {pod}}}) if {{\n\tis_object({object})\n\t{object}.kind in {kinds}\n}}\n\n\
             {document} := {object} if {{\n\tis_object({object})\n\tnot object.get({object}, \"kind\", null) in {kinds}\n}}\n\n\
             {document} := {object} if not is_object({object})\n"
        ));
        let listed: Vec<&str> = makers.iter().map(|m| m.kind.as_str()).collect();
        out.push_str(&format!(
            "\n{name}_foreign if {{\n\tis_object({object})\n\tnot object.get({object}, \"kind\", null) in {kinds}\n}}\n\n\
             _problem contains {} if {name}_foreign\n",
            string_literal(&format!("{}: must be one of {}", self.malformed, listed.join(", ")))
        ));
        out
    }
}

/// The admission request of a policy that reads it, as `_admission`: an object (`{}` where there
/// is none: in the bundle unless `data.govc.request` gives one), with the fields the policy
/// reads checked, and for a workload policy its `oldObject` seen through the pod it makes. The
/// fast path reads the request from `read_from` (`_admission`, or where it is always sent).
fn admission(
    policy: &Policy,
    schema: &Schema,
    target: &Target,
    read_from: &str,
    well_formed: &mut WellFormed,
    types: &mut TypeChecks,
) -> String {
    let mut out = String::new();
    section(
        &mut out,
        "The admission request: `{}` where there is none. Fail closed: a request whose fields the\n\
         policy reads are malformed is denied.",
    );
    let reads_old = reads_old_object(schema);
    match &policy.pod_view {
        Some(makers) if reads_old => {
            out.push_str(&format!(
                "default _admission_sent := {{}}\n\n_admission_sent := {}\n\n",
                target.request
            ));
            let view = View {
                object: "_old_object",
                alias: false,
                pod: "_old_pod",
                document: "_old_document",
                malformed: "malformed request: oldObject.kind".to_string(),
            };
            out.push_str(&view.rules(makers, r#"object.get(_admission_sent, "oldObject", null)"#));
            well_formed.require("not _old_object_foreign".to_string());
            out.push_str(
                "\n_admission := object.union(_admission_sent, {\"oldObject\": _old_document}) if {\n\
                 \tis_object(_admission_sent)\n\t_old_document != null\n}\n\n\
                 _admission := _admission_sent if {\n\tis_object(_admission_sent)\n\t_old_document == null\n}\n\n\
                 _admission := _admission_sent if not is_object(_admission_sent)\n",
            );
        }
        _ => out.push_str(&format!(
            "default _admission := {{}}\n\n_admission := {}\n",
            target.request
        )),
    }
    let mut checks = SchemaChecks::new("malformed request: ", "_problem").with_types(types);
    checks.document(schema, "_admission");
    well_formed.value(schema, read_from, &[]);
    out.push('\n');
    out.push_str(&checks.into_rules().join("\n"));
    out
}

/// An `inventory` member: the rule listing the objects of its kind that Gatekeeper synced into
/// `data.inventory` (`[]` where there are none), and fail closed, the checks of the fields the
/// policy reads, each problem naming the object (`malformed inventory others: ns/name: ...`).
fn inventory_rules(inventory: &Inventory, well_formed: &mut WellFormed, types: &mut TypeChecks) -> String {
    let mut out = String::new();
    let kind = &inventory.kind;
    section(
        &mut out,
        &format!(
            "inventory {}: the `{}` `{}` objects in the cluster, as Gatekeeper syncs them into\n\
             `{}`. Fail closed: an object whose fields the policy reads are malformed is denied.",
            inventory.name,
            kind.api_version(),
            kind.kind,
            super::INVENTORY_DATA
        ),
    );
    let rule = super::inventory_rule(&inventory.name);
    out.push_str(&format!(
        "{rule} := [_o | _o := {}]\n",
        super::inventory_ref(kind, "_", "_")
    ));
    let (mut bindings, at) = match kind.namespaced {
        true => (
            vec!["some _ns, _name".to_string()],
            format!(
                "_at := sprintf(\"malformed inventory {}: %s/%s: \", [_ns, _name])",
                inventory.name
            ),
        ),
        false => (
            vec!["some _name".to_string()],
            format!(
                "_at := sprintf(\"malformed inventory {}: %s: \", [_name])",
                inventory.name
            ),
        ),
    };
    bindings.push(format!("_o := {}", super::inventory_ref(kind, "_ns", "_name")));
    bindings.push(at);
    let mut checks = SchemaChecks::new("", "_problem")
        .with_prefix_var("_at")
        .with_bindings(bindings)
        .with_types(types);
    checks.document(&inventory.schema, "_o");
    well_formed.value(
        &Schema::List {
            items: Box::new(inventory.schema.clone()),
            min_items: None,
        },
        &rule,
        &[],
    );
    for r in checks.into_rules() {
        out.push('\n');
        out.push_str(&r);
    }
    out
}

/// Whether a policy's request schema reads the request's `oldObject`.
fn reads_old_object(schema: &Schema) -> bool {
    matches!(schema, Schema::Object { fields, .. } if fields.iter().any(|f| f.name == "oldObject"))
}

/// For access policies: the decision with who asked for what and why, so that each decision-log
/// line answers who, what, when (the log's timestamp) and why. Sensitive fields are left out.
fn decision_record(policy: &Policy) -> String {
    let Schema::Object { fields, .. } = &policy.subject else {
        return String::new();
    };
    let keys: Vec<String> = fields
        .iter()
        .filter(|f| !f.sensitive)
        .map(|f| string_literal(&f.name))
        .collect();
    format!(
        "\n# The decision with the request it judged (who, what and why), for the decision log:\n\
         # query this rule to have all of it logged. `@sensitive` fields are not included.\n\
         default _request := {{}}\n\n\
         _request := object.filter(_document, [{}]) if is_object(_document)\n\n\
         decision := {{\"allow\": allow, \"deny\": deny, \"request\": _request}}\n",
        keys.join(", ")
    )
}

fn section(out: &mut String, text: &str) {
    out.push('\n');
    out.push_str(&comment(text, ""));
    out.push('\n');
}

/// The `# METADATA` annotation block (YAML; every string is JSON-quoted, which YAML accepts).
fn metadata(policy: &Policy) -> String {
    let mut lines = vec!["# METADATA".to_string()];
    lines.push(format!(
        "# title: {}",
        string_literal(policy.title.as_deref().unwrap_or(&policy.name))
    ));
    if let Some(doc) = &policy.doc {
        lines.push(format!("# description: {}", string_literal(doc)));
    }
    lines.push("# custom:".to_string());
    lines.push(format!("#   severity: {}", policy.severity.as_str()));
    if !policy.controls.is_empty() {
        lines.push("#   controls:".to_string());
        for c in &policy.controls {
            lines.push(format!("#     - {}", string_literal(c)));
        }
    }
    if let Some(owner) = &policy.owner {
        lines.push(format!("#   owner: {}", string_literal(owner)));
    }
    if let Some(origin) = &policy.applies {
        lines.push(format!("#   applies: {}", string_literal(origin)));
    }
    lines.join("\n") + "\n"
}

fn params(policy: &Policy, target: &Target) -> String {
    let mut out = String::new();
    match target.params {
        ParamSource::BundleData => {
            section(
                &mut out,
                &format!(
                    "Parameters: defaults from the bundle's data.json ({}), overridden by operators in\n{} (a path the bundle does not own).",
                    package_ref(&defaults_path(&policy.package)),
                    package_ref(&overrides_path(&policy.package)),
                ),
            );
            out.push_str("default _overrides := {}\n\n");
            out.push_str(&format!(
                "_overrides := {}\n\n",
                package_ref(&overrides_path(&policy.package))
            ));
            out.push_str(&merged_params(&package_ref(&defaults_path(&policy.package))));
        }
        ParamSource::Gatekeeper => {
            section(
                &mut out,
                "Parameters: the Constraint's parameters over the policy's defaults, a rule each. Gatekeeper\n\
                 validates a Constraint against the template's schema before any request, and the API server\n\
                 prunes the keys it does not name: what that schema states is not checked again here.",
            );
            let rules: Vec<String> = policy
                .params
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let rule = param_rule(i, p);
                    format!(
                        "default {rule} := {}\n\n{rule} := input.parameters{}\n",
                        json_term(&p.default),
                        field_suffix(&p.name)
                    )
                })
                .collect();
            out.push_str(&rules.join("\n"));
        }
    }
    out
}

/// The rule holding a Gatekeeper parameter: `_param_<name>`. Generated names never end with `_`
/// (user names that start with `_` do, see [`names`]): a name that does is numbered instead.
fn param_rule(index: usize, p: &Param) -> String {
    match p.var.ends_with('_') {
        false => format!("_param_{}", p.var),
        true => format!("_param{index}"),
    }
}

/// `_params`: the overrides over the defaults. Overrides that are not an object are reported by
/// [`override_checks`] and leave the defaults in force for the other checks.
fn merged_params(defaults: &str) -> String {
    format!("_params := object.union({defaults}, _overrides) if {{\n\tis_object(_overrides)\n}} else := {defaults}\n")
}

/// Fail closed on the overrides themselves: missing defaults, overrides that are not an object,
/// and a key that names no parameter (a misspelt name would otherwise be ignored).
fn override_checks(policy: &Policy, well_formed: &mut WellFormed) -> String {
    let names: Vec<String> = policy.params.iter().map(|p| string_literal(&p.name)).collect();
    // Each rule bound once (a reference to a rule is a lookup); the parameters' checks read `_p`,
    // and binding it fails where `_params` is undefined (the defaults are not loaded).
    well_formed.require("_p := _params".to_string());
    well_formed.require("_o := _overrides".to_string());
    well_formed.require("is_object(_o)".to_string());
    // Every key a parameter's: one built-in call, not a step per key.
    well_formed.require(format!("count(object.remove(_o, [{}])) == 0", names.join(", ")));
    let listed: Vec<&str> = policy.params.iter().map(|p| p.name.as_str()).collect();
    format!(
        "\n_problem contains \"policy parameters are not available\" if not _params\n\n\
         _problem contains msg if {{\n\
         \tnot is_object(_overrides)\n\
         \tmsg := sprintf(\"invalid parameters: expected an object, found %v\", [type_name(_overrides)])\n\
         }}\n\n\
         _problem contains msg if {{\n\
         \tis_object(_overrides)\n\
         \tsome _name, _ in _overrides\n\
         \tnot _name in {{{}}}\n\
         \tmsg := sprintf({}, [_name])\n\
         }}\n",
        names.join(", "),
        string_literal(&format!(
            "invalid parameter %v: {} has no such parameter (its parameters: {})",
            policy.dotted().replace('%', "%%"),
            listed.join(", ")
        )),
    )
}

/// A `let` as a rule, defined only on a conforming document (so that evaluating the whole
/// package never computes on a malformed one: with strict built-in errors, OPA would stop).
/// A boolean that is `only_tested` (never read as a value) is a rule that holds or is
/// undefined, one per disjunct: a test of it reads undefined as false, as it reads `false`.
fn let_rule(em: &mut Emitter<'_>, name: &str, value: &Expr, only_tested: bool) -> String {
    let gated = |_: &mut Emitter<'_>, body: Vec<String>| {
        let mut gated = vec!["_conforms".to_string()];
        gated.extend(body);
        gated
    };
    if is_boolean(value) && only_tested {
        let rules: Vec<String> = disjuncts(value)
            .into_iter()
            .map(|d| {
                let body = em.cond(d);
                format!("{name} if {{\n{}}}\n", indent_lines(&gated(em, body)))
            })
            .collect();
        rules.join("\n")
    } else if is_boolean(value) {
        em.bool_rule(name, value, gated)
    } else {
        format!("{name} := {} if _conforms\n", em.term(value).text)
    }
}

/// Whether the policy reads the `let` `var` as a value anywhere (a message, an argument, a
/// comparison, another `let`'s value), not only as a condition to test (`updating`, `not
/// updating`, an operand of `and`, `or`, `not` in a condition).
fn read_as_value(policy: &Policy, var: &Var) -> bool {
    fn read(e: &Expr, var: &Var, tested: bool) -> bool {
        match e {
            Expr::Let(v) => v == var && !tested,
            Expr::And(a, b) | Expr::Or(a, b) if tested => read(a, var, true) || read(b, var, true),
            Expr::Not(a) if tested => read(a, var, true),
            other => other.children().into_iter().any(|c| read(c, var, false)),
        }
    }
    let lets = policy.lets.iter().any(|(_, value)| read(value, var, is_boolean(value)));
    let clauses = policy.clauses.iter().any(|clause| {
        clause.conditions.iter().any(|c| match c {
            Condition::Expr(e) => read(e, var, true),
            Condition::Some { collection: e, .. } | Condition::Let { value: e, .. } => read(e, var, false),
        }) || clause.message.iter().flatten().any(|part| match part {
            MsgPart::Value(e) | MsgPart::Number(e) => read(e, var, false),
            MsgPart::Text(_) => false,
        })
    });
    lets || clauses
}

fn is_boolean(e: &Expr) -> bool {
    matches!(
        e,
        Expr::And(..) | Expr::Or(..) | Expr::Not(..) | Expr::In { .. } | Expr::Has(..) | Expr::Quantified { .. }
    ) || matches!(e, Expr::Binary { op, .. } if matches!(op, crate::ir::BinOp::Eq | crate::ir::BinOp::Ne | crate::ir::BinOp::Lt | crate::ir::BinOp::Le | crate::ir::BinOp::Gt | crate::ir::BinOp::Ge))
}

fn conditions(em: &mut Emitter<'_>, conds: &[Condition], message: Option<&[MsgPart]>) -> Vec<String> {
    /// How one conjunct is written: a condition's conjunct, or the condition at an index.
    enum Step<'c> {
        Test(&'c Expr),
        Condition(usize),
    }
    // The conjuncts in order, a `has` seeing the next one (see `Emitter::conjunction`).
    let (mut items, mut steps) = (Vec::new(), Vec::new());
    for (i, c) in conds.iter().enumerate() {
        match c {
            Condition::Expr(e) => {
                for part in conjuncts(e) {
                    items.push(Conjunct::Holds(part));
                    steps.push(Step::Test(part));
                }
            }
            Condition::Some { collection, .. } => {
                items.push(Conjunct::Iterates(collection));
                steps.push(Step::Condition(i));
            }
            // A binding nothing reads is not written (OPA refuses an unused local).
            Condition::Let { var, value } => {
                if reads(&conds[i + 1..], message).contains(var) {
                    items.push(Conjunct::Binds(value));
                    steps.push(Step::Condition(i));
                }
            }
        }
    }
    em.conjunction(&items, |em, k| match steps[k] {
        Step::Test(e) => em.cond(e),
        Step::Condition(i) => match &conds[i] {
            Condition::Some { key, var, collection } => {
                let coll = em.term(collection).text;
                let bound = bound_vars(key.as_ref(), var, &reads(&conds[i + 1..], message));
                vec![format!("some {bound} in {coll}")]
            }
            Condition::Let { var, value } => vec![format!("{} := {}", names::var(var), em.term(value).text)],
            Condition::Expr(e) => em.cond(e),
        },
    })
}

/// The locals the conditions and the message read.
fn reads(conds: &[Condition], message: Option<&[MsgPart]>) -> BTreeSet<Var> {
    let mut out = BTreeSet::new();
    for c in conds {
        match c {
            Condition::Expr(e) | Condition::Some { collection: e, .. } | Condition::Let { value: e, .. } => {
                out.extend(free_vars(e))
            }
        }
    }
    for part in message.into_iter().flatten() {
        if let MsgPart::Value(e) | MsgPart::Number(e) = part {
            out.extend(free_vars(e));
        }
    }
    out
}

/// The body of a `deny` or `warn` clause's rule: the gate, the conditions, then `msg`.
fn clause_body(em: &mut Emitter<'_>, clause: &Clause, gate: &str) -> Vec<String> {
    let mut body = vec![gate.to_string()];
    body.extend(conditions(em, &clause.conditions, clause.message.as_deref()));
    if let Some(parts) = &clause.message {
        body.push(format!("msg := {}", em.format(parts)));
    }
    body
}

/// A rule: `head if {`, the body a statement a line, `}`.
fn rule(head: &str, body: &[String]) -> String {
    format!("{head} if {{\n{}}}\n", indent_lines(body))
}

/// The rules of the bundle's interface ([`Decisions::Bundle`]): `deny` (the problems of a
/// malformed document, the evaluation failures, the `deny` clauses), `warn`, `allow`, the
/// decision record of an access policy, and `violation` from `deny`.
fn bundle_decisions(em: &mut Emitter<'_>, policy: &Policy, target: &Target, gate: &str, record: &str) -> String {
    let mut out = String::new();
    section(&mut out, "Decisions.");
    out.push_str(&rule("deny contains msg", &problem_messages()));
    if gate == "_evaluable" {
        out.push('\n');
        out.push_str(&rule("deny contains msg", &failure_messages()));
    }
    for clause in policy.clauses.iter() {
        let head = match clause.kind {
            ClauseKind::Deny => "deny contains msg",
            ClauseKind::Warn => "warn contains msg",
            ClauseKind::Allow => continue,
        };
        out.push('\n');
        out.push_str(&rule(head, &clause_body(em, clause, gate)));
    }
    if !policy.clauses.iter().any(|c| c.kind == ClauseKind::Warn) {
        // `warn` is always a set (LANGUAGE.md §6), empty when the policy has no warn clause.
        out.push_str("\nwarn := set()\n");
    }
    out.push_str("\ndefault allow := false\n");
    if policy.has_allow() {
        for clause in policy.clauses.iter().filter(|c| c.kind == ClauseKind::Allow) {
            let mut body = vec![gate.to_string(), "count(deny) == 0".to_string()];
            body.extend(conditions(em, &clause.conditions, None));
            out.push('\n');
            out.push_str(&rule("allow", &body));
        }
        out.push_str(&decision_record(policy));
    } else {
        out.push('\n');
        out.push_str(&rule("allow", &[gate.to_string(), "count(deny) == 0".to_string()]));
    }
    let mut body = target.violation_guards.clone();
    body.push("some msg in deny".to_string());
    out.push('\n');
    out.push_str(&rule(&format!("violation contains {record}"), &body));
    out
}

/// `violation` alone ([`Decisions::Violations`]): each rule that makes a message of `kind`
/// reports it as a violation itself, where the target's guards hold. The messages, and so the set,
/// are the bundle's `deny` (or `warn`): a malformed document gets only its problems (the
/// clauses' gate fails on it), a failing evaluation only its failures.
fn violations(
    em: &mut Emitter<'_>,
    policy: &Policy,
    target: &Target,
    gate: &str,
    kind: ClauseKind,
    record: &str,
) -> String {
    let mut out = String::new();
    let reported = if kind == ClauseKind::Warn { "warn" } else { "deny" };
    section(
        &mut out,
        &format!("Decisions: each rule reports its `{reported}` messages as violations."),
    );
    // The record is written out in each rule's head: built from a rule (`"details": _details`)
    // it was slower on OPA (geomean of the peer bench +0.02), for 4% less Rego.
    let head = format!("violation contains {record}");
    // The guards last: they hold on nearly every request, and a rule's body fails on nearly
    // every document, so they are evaluated only where a message was made (a negation such as
    // Gatekeeper's DELETE guard costs as much as a short rule).
    let guarded = |body: Vec<String>| -> Vec<String> {
        body.into_iter()
            .chain(target.violation_guards.iter().cloned())
            .collect()
    };
    let mut rules = Vec::new();
    if kind == ClauseKind::Deny {
        rules.push(rule(&head, &guarded(problem_messages())));
        if gate == "_evaluable" {
            rules.push(rule(&head, &guarded(failure_messages())));
        }
    }
    for clause in policy.clauses.iter().filter(|c| c.kind == kind) {
        let body = clause_body(em, clause, gate);
        rules.push(rule(&head, &guarded(body)));
    }
    out.push_str(&rules.join("\n"));
    out
}

/// The messages of a malformed document: `_well_formed` read first, so that on the fast path the
/// set of problems is not computed.
fn problem_messages() -> Vec<String> {
    vec!["not _well_formed".to_string(), "some msg in _problem".to_string()]
}

fn failure_messages() -> Vec<String> {
    vec!["some msg in _failed".to_string()]
}

/// The record `violation` holds for a message `msg`.
fn violation_record(policy: &Policy, target: &Target) -> String {
    let about = format!(
        "\"policy\": {}, \"severity\": {}, \"controls\": {}",
        string_literal(&policy.dotted()),
        string_literal(policy.severity.as_str()),
        json_term(&serde_json::json!(policy.controls)),
    );
    if target.violation_details {
        format!("{{\"msg\": msg, \"details\": {{{about}}}}}")
    } else {
        format!("{{\"msg\": msg, {about}}}")
    }
}

/// The `_failed` rules of a policy: one per way its lets, conditions and messages can fail, each
/// in the context where the expression is evaluated (the conditions before it in its clause).
fn failure_rules(em: &mut Emitter<'_>, policy: &Policy) -> Vec<String> {
    let mut found = Vec::new();
    for (_, value) in &policy.lets {
        em.failures(value, &[], &mut found);
    }
    for clause in &policy.clauses {
        // Whether anything from the `i`th condition on (or the message) can fail: the context of
        // the conditions before is written only where it is needed.
        let fails_from = |i: usize| {
            clause.conditions[i..].iter().any(|c| match c {
                Condition::Expr(e) | Condition::Some { collection: e, .. } | Condition::Let { value: e, .. } => {
                    e.can_fail()
                }
            }) || clause.message.iter().flatten().any(|part| match part {
                MsgPart::Value(e) | MsgPart::Number(e) => e.can_fail(),
                MsgPart::Text(_) => false,
            })
        };
        let mut ctx = Vec::new();
        for (i, c) in clause.conditions.iter().enumerate() {
            if !fails_from(i) {
                break;
            }
            match c {
                Condition::Expr(e) => {
                    em.failures(e, &ctx, &mut found);
                    ctx.extend(em.context_cond(e));
                }
                Condition::Let { var, value } => {
                    em.failures(value, &ctx, &mut found);
                    ctx.push(format!("{} := {}", names::var(var), em.term(value).text));
                }
                Condition::Some { key, var, collection } => {
                    em.failures(collection, &ctx, &mut found);
                    let coll = em.term(collection).text;
                    let mut read = reads(&clause.conditions[i + 1..], clause.message.as_deref());
                    read.insert(var.clone());
                    ctx.push(format!("some {} in {coll}", bound_vars(key.as_ref(), var, &read)));
                }
            }
        }
        if !fails_from(clause.conditions.len()) {
            continue;
        }
        for part in clause.message.iter().flatten() {
            if let MsgPart::Value(e) | MsgPart::Number(e) = part {
                em.failures(e, &ctx, &mut found);
            }
        }
    }
    let policy_name = policy.dotted();
    let mut rules: Vec<String> = Vec::new();
    for rule in without_redundant(found) {
        let body = rule.body();
        let what = rule.what;
        let msg = match what {
            FailedWhat::Here { text, cause } => {
                string_literal(&format!("cannot evaluate `{text}` (policy {policy_name}): {cause}"))
            }
            FailedWhat::Callee { var } => format!(
                "sprintf({}, {var})",
                string_literal(&format!(
                    "cannot evaluate %s (policy {}): %s",
                    policy_name.replace('%', "%%")
                ))
            ),
        };
        let mut stmts = vec!["_conforms".to_string()];
        stmts.extend(body);
        stmts.push(format!("msg := {msg}"));
        let rule = format!("_failed contains msg if {{\n{}}}\n", indent_lines(&stmts));
        if !rules.contains(&rule) {
            rules.push(rule);
        }
    }
    rules
}
