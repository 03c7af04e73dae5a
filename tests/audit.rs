//! Audit and traceability outputs: decision-log masking, the OPA configuration, the Kubernetes
//! audit policy, the decision record of access policies, and the controls report.

mod common;

use govc::runtime::engine::PolicyEngine;
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn example() -> govc::driver::build::BuildOutput {
    common::build_project(&common::root().join("examples/ai-governance"))
}

fn yaml(out: &govc::driver::build::BuildOutput, path: &str) -> Value {
    let text = out.tree.files.get(path).unwrap_or_else(|| panic!("{path} is written"));
    yaml_serde::from_slice(text).unwrap_or_else(|e| panic!("{path} is YAML: {e}"))
}

#[test]
fn mask_rules_drop_exactly_the_sensitive_fields_present_on_regorus() {
    let out = example();
    assert!(out.bundle.files.contains_key("govc/log.rego"));
    let mut engine = PolicyEngine::load(&out.bundle, false).expect("loads");
    let table: Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("tests/audit/mask_cases.json")).expect("cases"),
    )
    .expect("JSON");
    let mut failures = Vec::new();
    for case in table["cases"].as_array().expect("cases") {
        let got: BTreeSet<String> = engine
            .eval_with_input("data.govc.log.mask", &case["event"])
            .expect("evaluates")
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.as_str().expect("a pointer").to_string())
            .collect();
        let want: BTreeSet<String> = case["mask"]
            .as_array()
            .expect("mask")
            .iter()
            .map(|v| v.as_str().expect("pointer").to_string())
            .collect();
        if got != want {
            failures.push(format!("{}: expected {want:?}, got {got:?}", case["name"]));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The mask lives under govc's own root, never `system/log`: OPA activates no two bundles with
/// overlapping roots, so claiming `system/log` would clash with any other bundle that masks.
#[test]
fn the_manifest_owns_the_mask_package_under_govc() {
    let out = example();
    for manifest in [&out.bundle.files[".manifest"], &out.bundle.directory_manifest] {
        let manifest: Value = serde_json::from_slice(manifest).expect("JSON");
        let roots: Vec<&str> = manifest["roots"]
            .as_array()
            .expect("roots")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(roots.contains(&"govc/log"), "{roots:?}");
        assert!(!roots.iter().any(|r| r.starts_with("system")), "{roots:?}");
    }
}

#[test]
fn opa_config_loads_the_bundle_and_masks_decision_logs() {
    let out = example();
    let config = yaml(&out, "opa/config.yaml");
    assert_eq!(config["bundles"]["govc"]["service"], "bundle_service");
    assert_eq!(config["bundles"]["govc"]["resource"], "bundle.tar.gz");
    assert!(config["services"]["bundle_service"]["url"].is_string());
    assert_eq!(config["decision_logs"]["console"], true);
    // The configured mask path is where the bundle's mask rules are.
    let mask = config["decision_logs"]["mask_decision"].as_str().expect("mask path");
    assert_eq!(mask, "/govc/log/mask");
    let rego = String::from_utf8_lossy(&out.bundle.files["govc/log.rego"]).to_string();
    assert!(rego.contains("package govc.log") && rego.contains("mask contains"));
}

#[test]
fn govc_toml_points_decision_logs_at_a_service() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path();
    std::fs::write(
        project.join("p.gov"),
        "package p\nimport std.ai.{AccessRequest}\npolicy a {\n  subject r: AccessRequest\n  allow when has r.reason\n}\n",
    )
    .expect("write");
    std::fs::write(
        project.join("govc.toml"),
        "[bundle]\nservice_url = \"https://bundles.acme.internal\"\nresource = \"ai/bundle.tar.gz\"\n\n[decision_logs]\nservice_url = \"https://logs.acme.internal\"\n",
    )
    .expect("write");
    let out = common::build_project(project);
    let config = yaml(&out, "opa/config.yaml");
    assert_eq!(
        config["services"]["bundle_service"]["url"],
        "https://bundles.acme.internal"
    );
    assert_eq!(config["bundles"]["govc"]["resource"], "ai/bundle.tar.gz");
    assert_eq!(config["decision_logs"]["service"], "decision_log_service");
    assert_eq!(
        config["services"]["decision_log_service"]["url"],
        "https://logs.acme.internal"
    );
    assert_eq!(config["decision_logs"]["console"], false);
    // A typo in govc.toml is an error, not a silently ignored setting.
    std::fs::write(project.join("govc.toml"), "[bundle]\nservice = \"x\"\n").expect("write");
    let sources = govc::driver::project::load(project).expect("loads");
    let analysis = govc::driver::project::analyze(sources);
    let err =
        govc::driver::build::resolve_and_build(&analysis, &govc::driver::build::BuildOptions::for_project(project))
            .err()
            .expect("an unknown key fails the build");
    assert!(err.contains("unknown field `service`"), "{err}");
}

#[test]
fn access_decisions_record_who_what_and_why_but_no_secret() {
    let out = example();
    let engine = PolicyEngine::load(&out.bundle, false).expect("loads");
    let mut e = engine.clone();
    let request = json!({
        "user": "ana@acme.com", "roles": ["data-scientist"], "model": "churn", "action": "predict",
        "reason": "monthly churn report for finance", "client_ip": "10.1.2.3", "token": "secret"
    });
    let decision = e
        .eval_with_input("data.acme.access.model_access.decision", &request)
        .expect("evaluates")
        .expect("defined");
    assert_eq!(decision["allow"], true);
    assert_eq!(
        decision["request"],
        json!({"user": "ana@acme.com", "roles": ["data-scientist"], "model": "churn", "action": "predict",
               "reason": "monthly churn report for finance"})
    );
}

#[test]
fn the_audit_policy_records_writes_and_reads_of_every_resource() {
    let out = example();
    let policy = yaml(&out, "k8s/audit/policy.yaml");
    assert_eq!(policy["apiVersion"], "audit.k8s.io/v1");
    assert_eq!(policy["kind"], "Policy");
    let rules = policy["rules"].as_array().expect("rules");
    let levels: Vec<&str> = rules.iter().map(|r| r["level"].as_str().expect("level")).collect();
    // No catch-all: the rules only add to a cluster's policy (tests/cluster.rs merges them).
    assert_eq!(levels, ["RequestResponse", "Metadata"]);
    let plurals: BTreeSet<String> = out.ir.resources.iter().map(|r| r.plural.clone()).collect();
    for rule in rules {
        let covered: BTreeSet<String> = rule["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .flat_map(|g| g["resources"].as_array().expect("plurals").iter())
            .map(|p| p.as_str().expect("plural").to_string())
            .collect();
        assert_eq!(covered, plurals);
    }
    let writes: Vec<&str> = rules[0]["verbs"]
        .as_array()
        .expect("verbs")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(writes.contains(&"create") && writes.contains(&"delete") && !writes.contains(&"get"));
    // Every field used is one the audit.k8s.io/v1 Policy documents.
    let allowed_rule_keys = [
        "level",
        "users",
        "userGroups",
        "verbs",
        "resources",
        "namespaces",
        "nonResourceURLs",
        "omitStages",
        "omitManagedFields",
    ];
    for rule in rules {
        for key in rule.as_object().expect("rule").keys() {
            assert!(allowed_rule_keys.contains(&key.as_str()), "unknown rule field {key}");
        }
    }
}

#[test]
fn report_lists_every_control_with_its_enforcement_points() {
    let out = example();
    let json: Value = serde_json::from_slice(&out.tree.files["report/controls.json"]).expect("JSON");
    let controls: BTreeSet<String> = out.ir.policies.iter().flat_map(|p| p.controls.clone()).collect();
    let listed: BTreeSet<String> = json["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .map(|c| c["control"].as_str().expect("name").to_string())
        .collect();
    assert_eq!(listed, controls);
    let bias = json["policies"]
        .as_array()
        .expect("policies")
        .iter()
        .find(|p| p["policy"] == "acme.models.bias_tested")
        .expect("bias_tested");
    assert_eq!(bias["enforcement"]["admission"]["action"], "deny");
    assert!(!bias["enforcement"]["ci_files"].as_array().expect("globs").is_empty());
    let md = String::from_utf8_lossy(&out.tree.files["report/controls.md"]);
    insta::with_settings!({snapshot_path => "snapshots/report", prepend_module_to_snapshot => false, omit_expression => true}, {
        insta::assert_snapshot!("ai_governance_controls_md", md);
        insta::assert_snapshot!("ai_governance_controls_json", String::from_utf8_lossy(&out.tree.files["report/controls.json"]));
    });
}

#[test]
fn report_flags_unenforced_policies_and_untested_controls() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        tmp.path().join("p.gov"),
        "package p\nimport std.ai.{Dataset}\npolicy lonely {\n  controls = [\"SOC 2 CC6.1\"]\n  subject d: Dataset\n  deny \"x\" when d.contains_pii\n}\n",
    )
    .expect("write");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_govc"))
        .args(["report", "--format", "json"])
        .arg(tmp.path())
        .output()
        .expect("runs");
    assert!(output.status.success());
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let findings: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        findings.iter().any(|f| f.contains("p.lonely is not enforced")),
        "{findings:?}"
    );
    assert!(
        findings.iter().any(|f| f.contains("control SOC 2 CC6.1 has no tests")),
        "{findings:?}"
    );
}

/// The HTML report as an auditor sees it: rendered by headless Chromium (Debian's `chromium`),
/// screenshot taken, and the page's text checked.
#[test]
fn the_html_report_renders_in_chromium() {
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("Chromium is needed for this test: apt-get install chromium (CI installs it)");
    let out = example();
    let tmp = tempfile::tempdir().expect("tempdir");
    let page = tmp.path().join("controls.html");
    std::fs::write(&page, &out.tree.files["report/controls.html"]).expect("write");
    let url = format!("file://{}", page.display());
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ];
    let profile = format!("--user-data-dir={}", tmp.path().join("profile").display());
    let shot = tmp.path().join("report.png");
    let status = std::process::Command::new(chromium)
        .args(flags)
        .arg(&profile)
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1200,2000")
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "the screenshot is empty"
    );
    if let Ok(dir) = std::env::var("GOVC_SCREENSHOT_DIR") {
        let _ = std::fs::copy(&shot, std::path::Path::new(&dir).join("controls-report.png"));
    }
    let dom = std::process::Command::new(chromium)
        .args(flags)
        .arg(&profile)
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium runs");
    let text = String::from_utf8_lossy(&dom.stdout);
    assert!(text.contains("Controls report: ai-governance"), "{text}");
    for control in ["GDPR Art. 32(1)(a)", "EU AI Act Art. 14", "ISO/IEC 42001 A.6.2.4"] {
        assert!(text.contains(control), "{control} missing from the rendered page");
    }
    assert!(text.contains("acme.models.bias_tested"));
    assert!(
        !text.contains("<script"),
        "the report must be self-contained, without scripts"
    );
}
