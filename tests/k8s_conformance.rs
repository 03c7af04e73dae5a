//! The same decision at the cluster's door as in the bundle: every conformance case of a policy
//! enforced at admission, and every example object, is evaluated a second time through the
//! policy's ConstraintTemplate, as Gatekeeper would (an AdmissionReview-style input: the object
//! under `input.review.object`, the Constraint's parameters under `input.parameters`), on
//! regorus. The messages of `violation` must be exactly the bundle's `deny` for that document,
//! with the same parameters, in both Rego forms. `tests/k8s/gatekeeper_conformance.py` runs the
//! same comparison on the real OPA engine in CI.
//!
//! The template is read back from the YAML as written, so what is compared is what is deployed.

mod common;
#[path = "common/gatekeeper.rs"]
mod gatekeeper;

use govc::backend::k8s::RegoForm;
use govc::ir::{Ir, PackagePath};
use govc::runtime::engine::{Context, PolicyEngine};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;

/// A ConstraintTemplate loaded as Gatekeeper loads it, with what the comparison needs to know.
struct Template {
    /// The bundle package of the policy (annotation `govc.dev/policy`).
    policy: PackagePath,
    /// The template itself, compiled on its own.
    gatekeeper: gatekeeper::Template,
    /// The `spec.parameters` of its Constraint (the defaults), `{}` when it has none.
    constraint_parameters: Value,
    /// The template of a policy's warnings: its violations are the bundle's `warn`.
    warns: bool,
    /// Its policy reads the admission request (`request r`): `input.review`.
    reads_request: bool,
}

fn load_templates(ir: &Ir, form: RegoForm) -> Vec<Template> {
    gatekeeper::templates(ir, form)
        .into_iter()
        .map(|t| Template {
            policy: t.annotations["govc.dev/policy"]
                .as_str()
                .expect("the policy annotation")
                .split('.')
                .map(str::to_string)
                .collect(),
            constraint_parameters: t.constraint["spec"].get("parameters").cloned().unwrap_or(json!({})),
            warns: t.annotations["govc.dev/reports"] == "warn",
            reads_request: t.rego.contains("_admission"),
            gatekeeper: t,
        })
        .collect()
}

/// The first `(apiGroup, kind)` the template's Constraint matches: what Gatekeeper says a
/// document is when the document does not say.
fn first_match(template: &Template) -> (String, String) {
    let first = &template.gatekeeper.constraint["spec"]["match"]["kinds"][0];
    let text = |v: &Value| v.as_str().expect("a group or kind").to_string();
    (text(&first["apiGroups"][0]), text(&first["kinds"][0]))
}

/// `(apiGroup, version, kind)` of a document, when it says.
fn group_version_kind(doc: &Value) -> Option<(String, String, String)> {
    let api_version = doc.get("apiVersion")?.as_str()?;
    let kind = doc.get("kind")?.as_str()?;
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    Some((group.to_string(), version.to_string(), kind.to_string()))
}

/// The input Gatekeeper gives a template: the admission request under `review` (a case's own
/// `request` over these defaults), the Constraint's parameters under `parameters`.
fn admission_input(
    doc: &Value,
    gvk: &(String, String, String),
    operation: &str,
    parameters: &Value,
    request: Option<&Value>,
) -> Value {
    let meta = |key: &str| {
        doc.get("metadata")
            .and_then(|m| m.get(key))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let mut review = json!({
        "uid": "00000000-0000-0000-0000-000000000000",
        "kind": {"group": gvk.0, "version": gvk.1, "kind": gvk.2},
        "name": meta("name"),
        "namespace": meta("namespace"),
        "operation": operation,
        "userInfo": {"username": "conformance@acme.com", "groups": ["system:authenticated"]},
    });
    review = merged(&review, request);
    review["object"] = doc.clone();
    json!({ "review": review, "parameters": parameters })
}

/// The admission request the bundle reads (at `data.govc.request`): the review without its object.
fn bundle_request(input: &Value) -> Value {
    let mut review = input["review"].clone();
    if let Some(map) = review.as_object_mut() {
        map.remove("object");
    }
    review
}

fn violations(template: &Template, input: &Value, inventory: Option<&Value>) -> BTreeSet<String> {
    gatekeeper::violations_with(&template.gatekeeper, input, inventory)
        .into_iter()
        .collect()
}

/// Merges `overrides` over `base` (both objects), as an operator's overlay of a Constraint would.
fn merged(base: &Value, overrides: Option<&Value>) -> Value {
    let mut out = base.clone();
    if let (Some(o), Some(map)) = (overrides.and_then(Value::as_object), out.as_object_mut()) {
        for (k, v) in o {
            map.insert(k.clone(), v.clone());
        }
    }
    out
}

/// One document judged by one template.
struct Case<'a> {
    name: String,
    doc: &'a Value,
    overrides: Option<&'a Value>,
    /// The case's admission request, if it gives one.
    request: Option<&'a Value>,
    /// The cluster's objects (`data.inventory`), if it gives them.
    inventory: Option<&'a Value>,
    expect_deny: Option<BTreeSet<String>>,
}

/// Compares a case in every way Gatekeeper may see it; returns the problems found.
fn compare(template: &Template, bundle: &PolicyEngine, case: &Case<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    let decision = |overrides: Option<&Value>, request: Option<&Value>| {
        let cx = Context {
            overrides,
            now: None,
            request,
            inventory: case.inventory,
        };
        bundle
            .decide_in(&template.policy, case.doc, &cx)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name))
    };
    let reports = |d: govc::runtime::engine::Decision| if template.warns { d.warn } else { d.deny };
    let original = reports(decision(case.overrides, case.request));
    if let Some(expect) = &case.expect_deny {
        if *expect != original {
            problems.push(format!("the bundle reports {original:?}, the case expects {expect:?}"));
        }
    }
    // The API server prunes the keys the template's schema does not name: the template never
    // sees them, and the bundle, whose overrides nothing prunes, must refuse an unknown one.
    let schema = &template.gatekeeper.parameters_schema;
    let kept = case.overrides.map(|o| gatekeeper::schema_pruned(schema, o));
    if kept.as_ref() != case.overrides {
        let keys = |v: Option<&Value>| {
            v.and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
        };
        let denied = decision(case.overrides, case.request).deny;
        if keys(kept.as_ref()) != keys(case.overrides) && !denied.iter().any(|m| m.contains("has no such parameter")) {
            problems.push(format!(
                "the bundle's deny does not refuse the unknown parameters: {denied:?}"
            ));
        }
    }
    let overrides = kept.as_ref();
    let decide_deny = |request: Option<&Value>| decision(overrides, request).deny;
    let decide = |request: Option<&Value>| reports(decision(overrides, request));
    let reported = &decide(case.request);
    // A malformed document may not say what it is; Gatekeeper would still have its kind.
    let gvk = group_version_kind(case.doc).unwrap_or_else(|| {
        let (group, kind) = first_match(template);
        (group, "v1".to_string(), kind)
    });
    let with_defaults = merged(&template.constraint_parameters, overrides);
    let without_defaults = merged(&json!({}), overrides);
    for (how, parameters) in [
        ("with the Constraint's parameters", &with_defaults),
        ("with no Constraint parameters", &without_defaults),
    ] {
        // Gatekeeper refuses a Constraint whose parameters break the template's schema (the API
        // server, Gatekeeper and gator validate it): no request ever brings them, and the
        // template does not check again what the schema states. The bundle, whose overrides
        // nothing validates beforehand, must refuse them itself.
        let schema = &template.gatekeeper.parameters_schema;
        if let Some(refused) = gatekeeper::schema_refuses(schema, parameters, "parameters") {
            let denied = decide_deny(case.request);
            if !denied.iter().any(|m| m.starts_with("invalid parameter")) {
                problems.push(format!(
                    "{how}: the template's schema refuses {refused}, the bundle's deny does not: {denied:?}"
                ));
            }
            continue;
        }
        let given = case.request.and_then(|r| r.get("operation")).and_then(Value::as_str);
        let operations = match given {
            Some(op) => vec![op],
            None => vec!["CREATE", "UPDATE"],
        };
        for operation in operations {
            let input = admission_input(case.doc, &gvk, operation, parameters, case.request);
            let got = violations(template, &input, case.inventory);
            // A policy that reads the request decides in the bundle on the same request.
            let same_request;
            let reported = if template.reads_request {
                same_request = decide(Some(&bundle_request(&input)));
                &same_request
            } else {
                reported
            };
            if &got != reported {
                problems.push(format!(
                    "{operation} {how}: Gatekeeper's violations {got:?} differ from the bundle's {reported:?}"
                ));
            }
        }
    }
    // A DELETE, with parameters Gatekeeper would have admitted.
    if gatekeeper::schema_refuses(&template.gatekeeper.parameters_schema, &with_defaults, "parameters").is_none() {
        let deleting = violations(
            template,
            &admission_input(case.doc, &gvk, "DELETE", &with_defaults, None),
            case.inventory,
        );
        if !deleting.is_empty() {
            problems.push(format!("a DELETE is judged: {deleting:?}"));
        }
    }
    problems
}

fn example_documents(project: &Path) -> Vec<(String, Value)> {
    let mut docs = Vec::new();
    for dir in ["deploy", "datasets"] {
        let Ok(entries) = std::fs::read_dir(project.join(dir)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.expect("entry").path()).collect();
        paths.sort();
        for path in paths.into_iter().filter(|p| p.extension().is_some_and(|e| e == "yaml")) {
            let text = std::fs::read_to_string(&path).expect("readable");
            let doc: Value = yaml_serde::from_str(&text).expect("example YAML parses");
            docs.push((path.strip_prefix(project).unwrap_or(&path).display().to_string(), doc));
        }
    }
    docs
}

fn run(form: RegoForm) {
    let dir = common::root().join("tests/conformance");
    let mut tables: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/conformance exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    tables.sort();
    let (mut passed, mut failed) = (0, 0);
    let mut report = String::new();
    let mut check = |template: &Template, bundle: &PolicyEngine, case: Case<'_>| {
        let problems = compare(template, bundle, &case);
        if problems.is_empty() {
            passed += 1;
        } else {
            failed += 1;
            report.push_str(&format!("FAIL {}\n  {}\n", case.name, problems.join("\n  ")));
        }
    };
    let mut projects = BTreeSet::new();
    for file in tables {
        let table: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).expect("readable")).expect("valid JSON");
        let project_name = table["project"].as_str().expect("project").to_string();
        let project = common::root().join(&project_name);
        // A project that does not build fails tests/conformance.rs; here it only has no template
        // to compare (and the example project must run: see the count below).
        let analysis =
            govc::driver::project::analyze(govc::driver::project::load(&project).expect("the project loads"));
        if analysis.has_errors() {
            println!("skipped {project_name}: it does not build");
            continue;
        }
        // Only the two targets compared, not the whole build.
        let ir = analysis.lower();
        let bundle = govc::backend::bundle::build(&ir).expect("the bundle builds");
        let bundle = PolicyEngine::load(&bundle, false).expect("the bundle loads in regorus");
        let templates = load_templates(&ir, form);
        for case in table["cases"].as_array().expect("cases") {
            let policy = case["policy"].as_str().expect("policy");
            // A Constraint's parameters are an object (Gatekeeper's CRD schema says so): overrides
            // of another shape have no admission counterpart.
            if case.get("overrides").is_some_and(|o| !o.is_object()) {
                continue;
            }
            // Gatekeeper's review is always an object: a request of another shape has no
            // admission counterpart either.
            if case.get("request").is_some_and(|r| !r.is_object()) {
                continue;
            }
            for template in templates.iter().filter(|t| t.policy.join(".") == policy) {
                let expect_deny = case["expect"]
                    .get(if template.warns { "warn" } else { "deny" })
                    .and_then(Value::as_array)
                    .map(|d| d.iter().map(|m| m.as_str().expect("a message").to_string()).collect());
                check(
                    template,
                    &bundle,
                    Case {
                        name: case["name"].as_str().expect("name").to_string(),
                        doc: &case["input"],
                        overrides: case.get("overrides"),
                        request: case.get("request"),
                        inventory: case.get("inventory"),
                        expect_deny,
                    },
                );
            }
        }
        if projects.insert(project_name.clone()) {
            for (path, doc) in example_documents(&project) {
                let Some((group, _, kind)) = group_version_kind(&doc) else {
                    continue;
                };
                for template in templates
                    .iter()
                    .filter(|t| gatekeeper::matches_kind(&t.gatekeeper.constraint, &group, &kind))
                {
                    check(
                        template,
                        &bundle,
                        Case {
                            name: format!("{project_name}/{path} under {}", template.policy.join(".")),
                            doc: &doc,
                            overrides: None,
                            request: None,
                            inventory: None,
                            expect_deny: None,
                        },
                    );
                }
            }
        }
    }
    println!("{report}Gatekeeper ({form:?}) against the bundle on regorus: {passed} passed, {failed} failed");
    assert_eq!(failed, 0, "{report}");
    assert!(passed >= 100, "only {passed} cases ran through the templates");
}

#[test]
fn templates_decide_as_the_bundle_in_rego_v1() {
    run(RegoForm::V1);
}

#[test]
fn templates_decide_as_the_bundle_in_rego_v0() {
    run(RegoForm::V0);
}
