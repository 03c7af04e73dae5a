//! The OPA bundle: layout, manifest, reproducibility, atomic writes, and `govc test`/`eval` on the
//! example through the real binary.

mod common;

use govc::runtime::engine::PolicyEngine;
use std::process::Command;

fn example() -> std::path::PathBuf {
    common::root().join("examples/ai-governance")
}

fn govc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_govc"))
}

/// `govc eval` of a policy of the example, on the document at `input` (`-`: standard input).
fn eval_example(policy: &str, input: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = govc();
    command
        .args([
            "eval",
            example().to_str().expect("utf-8"),
            "--policy",
            policy,
            "--input",
        ])
        .arg(input);
    command
}

#[test]
fn building_twice_gives_identical_bytes() {
    let a = common::build_project(&example());
    let b = common::build_project(&example());
    assert_eq!(a.tree.files, b.tree.files);
    let tmp = tempfile::tempdir().expect("tempdir");
    for out in ["one", "two"] {
        let status = govc()
            .args(["build", example().to_str().expect("utf-8"), "--out"])
            .arg(tmp.path().join(out))
            .status()
            .expect("govc runs");
        assert!(status.success());
    }
    let one = std::fs::read(tmp.path().join("one/bundle.tar.gz")).expect("tarball");
    let two = std::fs::read(tmp.path().join("two/bundle.tar.gz")).expect("tarball");
    assert_eq!(one, two, "bundle.tar.gz differs between two builds");
}

#[test]
fn manifest_has_revision_roots_and_rego_version() {
    let out = common::build_project(&example());
    // The directory's manifest: its roots cover the tests too (the tarball's: tests/deploy.rs).
    let manifest: serde_json::Value = serde_json::from_slice(&out.bundle.directory_manifest).expect("manifest is JSON");
    assert_eq!(manifest["rego_version"], 1);
    let revision = manifest["revision"].as_str().expect("revision");
    assert_eq!(revision.len(), 64);
    let roots: Vec<&str> = manifest["roots"]
        .as_array()
        .expect("roots")
        .iter()
        .map(|r| r.as_str().expect("root"))
        .collect();
    for (i, a) in roots.iter().enumerate() {
        for (j, b) in roots.iter().enumerate() {
            if i != j {
                assert!(!format!("{b}/").starts_with(&format!("{a}/")), "root {a} overlaps {b}");
            }
        }
    }
    // Every Rego package of the bundle lies under a root.
    for (path, content) in out.bundle.files.iter().chain(&out.bundle.tests) {
        if !path.ends_with(".rego") {
            continue;
        }
        let text = String::from_utf8_lossy(content);
        let package = text
            .lines()
            .find_map(|l| l.strip_prefix("package "))
            .expect("a package line")
            .replace("[\"", ".")
            .replace("\"]", "")
            .replace('.', "/");
        assert!(
            roots
                .iter()
                .any(|r| package == *r || package.starts_with(&format!("{r}/"))),
            "{package} is under no root"
        );
    }
    assert!(roots.contains(&"govc/defaults"));
    // The revision is the content hash: a different program gives a different revision.
    let data: serde_json::Value = serde_json::from_slice(&out.bundle.files["data.json"]).expect("data.json");
    assert_eq!(
        data["govc"]["defaults"]["acme"]["models"]["bias_tested"]["max_gap"],
        0.0
    );
}

#[test]
fn the_tarball_holds_the_deployable_files_without_tests() {
    let out = common::build_project(&example());
    let gz = govc::backend::bundle::tarball(&out.bundle.files);
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(gz.as_slice()));
    let mut names = Vec::new();
    for entry in archive.entries().expect("a tar archive") {
        let entry = entry.expect("an entry");
        let header = entry.header();
        assert_eq!(header.mtime().expect("mtime"), 0);
        assert_eq!(header.uid().expect("uid"), 0);
        names.push(entry.path().expect("path").to_string_lossy().to_string());
    }
    let expected: Vec<String> = out.bundle.files.keys().cloned().collect();
    assert_eq!(names, expected);
    assert!(names.iter().all(|n| !n.ends_with("_test.rego")));
    assert!(!out.bundle.tests.is_empty());
}

#[test]
fn the_bundle_and_its_tests_load_in_regorus() {
    let out = common::build_project(&example());
    PolicyEngine::load(&out.bundle, true).expect("loads with tests");
}

#[test]
fn generated_rego_has_no_unused_variables() {
    let out = common::build_project(&example());
    for (path, content) in out.bundle.files.iter().chain(&out.bundle.tests) {
        if path.ends_with(".rego") {
            let problems = unused_variables(&String::from_utf8_lossy(content));
            assert!(problems.is_empty(), "{path}: unused variables {problems:?}");
        }
    }
}

/// Variables bound in a rule body (`x := ...`, `some a, b in ...`) that the rule never reads
/// again: what `opa check --strict` reports as unused.
fn unused_variables(rego: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for rule in rego.split("\n\n") {
        let tokens: Vec<&str> = rule
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|t| !t.is_empty())
            .collect();
        let mut bound: Vec<String> = Vec::new();
        // Body lines are indented; heads (`name := value if {`) bind nothing local.
        for line in rule.lines().filter(|l| l.starts_with('\t')) {
            let line = line.trim();
            if let Some((lhs, _)) = line.split_once(" := ") {
                if !lhs.contains(['(', '.', '[', ' ']) {
                    bound.push(lhs.to_string());
                }
            }
            if let Some(rest) = line.strip_prefix("some ") {
                if let Some((vars, _)) = rest.split_once(" in ") {
                    bound.extend(vars.split(',').map(|v| v.trim().to_string()));
                }
            }
        }
        for var in bound {
            if var == "msg" || var == "_" {
                continue;
            }
            if tokens.iter().filter(|t| **t == var).count() < 2 {
                problems.push(var);
            }
        }
    }
    problems
}

#[test]
fn govc_test_passes_on_the_example() {
    let output = govc()
        .args(["test", example().to_str().expect("utf-8")])
        .output()
        .expect("govc runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let last = stdout.lines().last().expect("a closing line");
    assert!(last.ends_with(" passed, 0 failed"), "{last}");
}

#[test]
fn govc_test_reports_a_failing_expectation_with_a_diff() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        tmp.path().join("p.gov"),
        r#"package t
import std.ai.{Dataset}
policy p {
  subject d: Dataset
  deny "dataset {d.name} has PII" when d.contains_pii
}
test "wrong message" {
  expect denied p(Dataset { name: "x", contains_pii: true, encryption: { at_rest: true, in_transit: true }, sources: [] }) with "something else"
}
test "right message" {
  expect denied p(Dataset { name: "x", contains_pii: true, encryption: { at_rest: true, in_transit: true }, sources: [] }) with "dataset x has PII"
}
"#,
    )
    .expect("write");
    let output = govc().arg("test").arg(tmp.path()).output().expect("govc runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL  t_test › wrong message"), "{stdout}");
    assert!(stdout.contains("expected the message \"something else\""), "{stdout}");
    assert!(stdout.contains("- dataset x has PII"), "{stdout}");
    assert!(stdout.contains("ok    t_test › right message"), "{stdout}");
    assert!(stdout.trim_end().ends_with("1 passed, 1 failed"), "{stdout}");
    let filtered = govc()
        .arg("test")
        .arg(tmp.path())
        .args(["--filter", "right"])
        .output()
        .expect("runs");
    assert!(filtered.status.success());
    assert!(String::from_utf8_lossy(&filtered.stdout)
        .trim_end()
        .ends_with("1 passed, 0 failed"));
}

#[test]
fn govc_eval_prints_the_decision_and_exits_1_when_denied() {
    let failing = example().join("deploy/churn-predictor.yaml");
    let output = eval_example("acme.models.bias_tested", &failing)
        .output()
        .expect("govc runs");
    assert_eq!(output.status.code(), Some(1));
    let decision: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON decision");
    assert!(!decision["deny"].as_array().expect("deny").is_empty());
    assert_eq!(decision["allow"], false);
    let passing = example().join("deploy/credit-scoring.yaml");
    let output = eval_example("acme.models.bias_tested", &passing)
        .output()
        .expect("govc runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    // Standard input, and an unknown policy is a usage error.
    let output = eval_example("acme.models.bias_teste", "-")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("govc runs");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_failed_build_leaves_no_output_and_keeps_the_previous_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("project");
    std::fs::create_dir(&project).expect("mkdir");
    std::fs::write(project.join("a.gov"), "package a\ntype T { f: Strng }\n").expect("write");
    let out = tmp.path().join("out");
    let build = |out: &std::path::Path| {
        govc()
            .arg("build")
            .arg(&project)
            .arg("--out")
            .arg(out)
            .status()
            .expect("runs")
    };
    assert_eq!(build(&out).code(), Some(1));
    assert!(!out.exists(), "a failed build must not create OUT");
    // A good build, then a broken one: the good output stays.
    std::fs::write(project.join("a.gov"), "package a\ntype T { f: string }\n").expect("write");
    assert!(build(&out).success());
    let before = std::fs::read(out.join("bundle/.manifest")).expect("manifest");
    std::fs::write(project.join("a.gov"), "package a\ntype T { f: Strng }\n").expect("write");
    assert_eq!(build(&out).code(), Some(1));
    assert_eq!(std::fs::read(out.join("bundle/.manifest")).expect("manifest"), before);
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("ls")
        .map(|e| e.expect("e").file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "staging directories left behind: {leftovers:?}");
    // An existing directory that is not a govc output is never replaced.
    std::fs::write(project.join("a.gov"), "package a\ntype T { f: string }\n").expect("write");
    assert_eq!(build(&project).code(), Some(2));
    assert!(project.join("a.gov").exists());
}

#[test]
fn govc_eval_refuses_deeply_nested_input_at_once() {
    // 100,000 nested objects in 600 KB: the YAML scanner took minutes to refuse them.
    let tmp = tempfile::tempdir().expect("tempdir");
    let n = 100_000;
    for (name, text) in [
        ("deep.json", "{\"a\":".repeat(n) + "1" + &"}".repeat(n)),
        (
            "deep.yaml",
            "spec:\n  x: ".to_string() + &"[".repeat(n) + &"]".repeat(n),
        ),
    ] {
        let path = tmp.path().join(name);
        std::fs::write(&path, text).expect("write");
        let output = eval_example("acme.models.bias_tested", &path)
            .output()
            .expect("govc runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("nests lists and objects deeper than 128 levels"),
            "{stderr}"
        );
    }
}

/// `govc check` takes the bundle's layout from `ir::outline` and lowers only what is enforced at
/// admission: both must be what the full lowering gives, on every example.
#[test]
fn the_outline_and_the_admission_scope_match_the_full_lowering() {
    for example in ["examples/ai-governance", "examples/k8s-baseline"] {
        let sources = govc::driver::project::load(&common::root().join(example)).expect("project loads");
        let analysis = govc::driver::project::analyze(sources);
        assert!(!analysis.has_errors(), "{example} checks clean");
        let ir = analysis.lower();
        assert_eq!(analysis.outline(), ir.outline(), "{example}");
        let admitted = analysis.lower_scope(govc::ir::Scope::Admission);
        assert!(admitted.tests.is_empty());
        assert!(
            !admitted.policies.is_empty(),
            "{example} enforces policies at admission"
        );
        let full = serde_json::to_value(&ir.policies).expect("serializable");
        for policy in &admitted.policies {
            let lowered = serde_json::to_value(policy).expect("serializable");
            assert!(
                full.as_array().is_some_and(|all| all.contains(&lowered)),
                "{example}: {:?}",
                policy.package
            );
        }
        assert_eq!(
            serde_json::to_value(&admitted.resources).ok(),
            serde_json::to_value(&ir.resources).ok()
        );
    }
}
