//! The GitHub Actions target (`.github/workflows/governance.yml`).
//!
//! The generated workflow is checked the ways GitHub would: `actionlint` and the GitHub workflow
//! JSON schema (`check-jsonschema --builtin-schema vendor.github-workflows`) accept it, and its
//! hardening (permissions, pinned actions, no expression inside a script) is asserted. Then its
//! scripts are run for real: the `run:` steps are taken out of the generated YAML and executed
//! with bash, as GitHub runs them, in a temporary repository holding the documents, with
//! `GITHUB_STEP_SUMMARY` and friends set and a test-only `opa` (tests/actions/fake-opa, the real
//! OPA engine behind the OPA CLI's commands). The tests assert the annotations, the summary, the
//! SARIF report and the exit code.
//!
//! The tools come from `.venv/bin` of the repository (scripts/setup-python.sh), else the PATH; a
//! missing tool fails the test, it never skips it.

mod common;

use govc::backend::actions::{self, pins};
use govc::diagnostic::github::{escape_data, escape_property};
use govc::driver::build::{resolve_and_build, BuildOptions};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

// ----------------------------------------------------------------------------------- tools

/// A tool from the repository's `.venv/bin`, else from the PATH; panics when it is missing.
fn tool(name: &str) -> PathBuf {
    let venv = common::root().join(".venv/bin").join(name);
    if venv.is_file() {
        return venv;
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!("`{name}` is not installed (looked in .venv/bin and on the PATH): run `bash scripts/setup-python.sh`");
}

/// A directory holding `opa`: the fake, run by a Python that has the OPA engine.
fn fake_opa_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = common::root().join("tests/actions/fake-opa");
    let wrapper = format!(
        "#!/bin/sh\nexec '{}' '{}' \"$@\"\n",
        common::engines::python_with_opa().display(),
        script.display()
    );
    let opa = dir.path().join("opa");
    std::fs::write(&opa, wrapper).expect("write opa");
    make_executable(&opa);
    dir
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut perms = std::fs::metadata(path).expect("metadata").permissions();
    perms.set_mode(0o755);
    std::fs::set_permissions(path, perms).expect("chmod");
}

// ----------------------------------------------------------------------------------- builds

/// A temporary Git repository with a project built into it and the workflow installed, as a user
/// commits it (docs/ci.md).
struct Repo {
    dir: tempfile::TempDir,
    /// The project directory, relative to the repository root.
    project: String,
    workflow_text: String,
    workflow: Value,
}

impl Repo {
    /// Copies the `.gov` files of `source` into `REPO/project`, adds `documents` (paths relative
    /// to the project), builds into `project/dist` and installs the workflow.
    fn new(source: &Path, project: &str, documents: &[(&str, &[u8])]) -> Repo {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join(".git")).expect("mkdir .git");
        let project_dir = dir.path().join(project);
        copy_gov_files(source, &project_dir);
        for (path, content) in documents {
            let target = project_dir.join(path);
            std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
            std::fs::write(&target, content).expect("write document");
        }
        let out = project_dir.join("dist");
        let output = build_at(&project_dir, &out, None);
        govc::driver::output::write_atomically(&out, &output.tree, &project_dir).expect("write output");
        let workflow_text = tree_workflow(&output);
        let installed = dir.path().join(".github/workflows/governance.yml");
        std::fs::create_dir_all(installed.parent().expect("parent")).expect("mkdir");
        std::fs::write(&installed, &workflow_text).expect("install workflow");
        let workflow = parse_workflow(&workflow_text);
        Repo {
            dir,
            project: project.to_string(),
            workflow_text,
            workflow,
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs one `run:` step of the workflow the way GitHub's runner does for `shell: bash`.
    fn run_step(&self, step_name: &str, extra_env: &[(&str, &str)]) -> StepRun {
        let (script, env) = step_script(&self.workflow, step_name);
        let runner_temp = tempfile::tempdir().expect("runner temp");
        let script_path = runner_temp.path().join("step.sh");
        std::fs::write(&script_path, &script).expect("write step");
        let summary = runner_temp.path().join("summary.md");
        let outputs = runner_temp.path().join("outputs.txt");
        let opa_log = runner_temp.path().join("opa-calls.jsonl");
        let fake = fake_opa_dir();
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_path)
            .current_dir(self.path())
            .env_clear()
            .env(
                "PATH",
                format!("{}:/usr/local/bin:/usr/bin:/bin", fake.path().display()),
            )
            .env("HOME", runner_temp.path())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", self.path())
            .env("GITHUB_REPOSITORY", "acme/governance")
            .env(
                "GITHUB_WORKFLOW_REF",
                "acme/governance/.github/workflows/governance.yml@refs/pull/7/merge",
            )
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_OUTPUT", &outputs)
            .env("RUNNER_TEMP", runner_temp.path())
            .env("FAKE_OPA_LOG", &opa_log);
        for (k, v) in &env {
            cmd.env(k, v);
        }
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("bash runs");
        let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
        let opa_calls = read(&opa_log)
            .lines()
            .map(|l| serde_json::from_str(l).expect("log line is JSON"))
            .collect();
        StepRun {
            code: out.status.code().expect("exit code"),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            summary: read(&summary),
            outputs: read(&outputs),
            sarif: std::fs::read_to_string(runner_temp.path().join("governance.sarif"))
                .ok()
                .map(|s| serde_json::from_str(&s).expect("SARIF is JSON")),
            opa_calls,
        }
    }
}

fn copy_gov_files(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read project") {
        let entry = entry.expect("entry");
        let path = entry.path();
        if path.is_dir() {
            if entry.file_name() != "dist" {
                copy_gov_files(&path, &to.join(entry.file_name()));
            }
        } else if path.extension().is_some_and(|e| e == "gov") {
            std::fs::create_dir_all(to).expect("mkdir");
            std::fs::copy(&path, to.join(entry.file_name())).expect("copy");
        }
    }
}

fn build_at(project: &Path, out: &Path, repo_root: Option<&Path>) -> govc::driver::build::BuildOutput {
    let sources = govc::driver::project::load(project).expect("project loads");
    let analysis = govc::driver::project::analyze(sources);
    assert!(
        !analysis.has_errors(),
        "{} has errors:\n{}",
        project.display(),
        govc::diagnostic::human::render(&analysis.diagnostics, &analysis.sources, false)
    );
    let options = BuildOptions {
        project_dir: project.to_path_buf(),
        out_dir: out.to_path_buf(),
        repo_root: repo_root.map(Path::to_path_buf),
        ..BuildOptions::default()
    };
    resolve_and_build(&analysis, &options).expect("build succeeds")
}

fn tree_workflow(output: &govc::driver::build::BuildOutput) -> String {
    let bytes = output
        .tree
        .files
        .get(actions::WORKFLOW_PATH)
        .expect("the build writes the workflow");
    String::from_utf8(bytes.clone()).expect("UTF-8")
}

fn parse_workflow(text: &str) -> Value {
    yaml_serde::from_str(text).expect("the workflow is YAML")
}

fn example_dir() -> PathBuf {
    common::root().join("examples/ai-governance")
}

fn fixture(name: &str) -> PathBuf {
    common::root().join("tests/actions").join(name)
}

/// The example's own documents, by path relative to the project.
fn example_documents(names: &[&str]) -> Vec<(String, Vec<u8>)> {
    names
        .iter()
        .map(|n| {
            (
                n.to_string(),
                std::fs::read(example_dir().join(n)).expect("example document"),
            )
        })
        .collect()
}

fn as_refs(docs: &[(String, Vec<u8>)]) -> Vec<(&str, &[u8])> {
    docs.iter().map(|(n, c)| (n.as_str(), c.as_slice())).collect()
}

/// The example's workflow as it is generated in this repository.
fn example_workflow() -> String {
    let root = common::root();
    tree_workflow(&build_at(&example_dir(), &example_dir().join("dist"), Some(&root)))
}

/// The workflow of a project of this repository, built as `scripts/test.sh` builds the
/// conformance projects: in place, the repository's root as the root.
fn repository_workflow(project: &str) -> String {
    let root = common::root();
    let dir = root.join(project);
    tree_workflow(&build_at(&dir, &dir.join("dist"), Some(&root)))
}

/// A project's workflow built in place, with `dir`'s parent as the repository root.
fn fixture_workflow(dir: &Path) -> String {
    let root = dir.parent().expect("parent");
    tree_workflow(&build_at(dir, &dir.join("dist"), Some(root)))
}

// ----------------------------------------------------------------------------------- steps

/// A step's script and the environment the runner gives it (workflow, job and step `env`).
fn step_script(workflow: &Value, name: &str) -> (String, BTreeMap<String, String>) {
    let jobs = workflow["jobs"].as_object().expect("jobs");
    for job in jobs.values() {
        for step in job["steps"].as_array().expect("steps") {
            if step["name"] == name {
                let mut env = BTreeMap::new();
                for scope in [&workflow["env"], &job["env"], &step["env"]] {
                    for (k, v) in scope.as_object().into_iter().flatten() {
                        let v = match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        assert!(!v.contains("${{"), "`{k}` of step `{name}` holds an expression: {v}");
                        env.insert(k.clone(), v);
                    }
                }
                let run = step["run"]
                    .as_str()
                    .unwrap_or_else(|| panic!("step `{name}` has no run"));
                return (run.to_string(), env);
            }
        }
    }
    panic!("no step named `{name}`");
}

const CHECK_STEP: &str = "Check the governed documents";
const TEST_STEP: &str = "Run the compiled policy tests";
const VERIFY_STEP: &str = "Verify the OPA binary";
const CURRENT_STEP: &str = "Check that this is the workflow govc built";

struct StepRun {
    code: i32,
    stdout: String,
    stderr: String,
    summary: String,
    outputs: String,
    sarif: Option<Value>,
    opa_calls: Vec<Vec<String>>,
}

impl StepRun {
    /// Every workflow command of the step (stdout and stderr, as the runner reads both).
    fn commands(&self) -> Vec<Annotation> {
        self.stdout
            .lines()
            .chain(self.stderr.lines())
            .filter(|l| l.trim_start().starts_with("::"))
            .map(|l| Annotation::parse(l.trim_start()).unwrap_or_else(|| panic!("not a valid command: {l:?}")))
            .collect()
    }

    fn annotations(&self, level: &str) -> BTreeSet<(String, String, String)> {
        self.commands()
            .into_iter()
            .filter(|a| a.level == level)
            .map(|a| (a.prop("file"), a.prop("line"), a.message))
            .collect()
    }

    fn output(&self, name: &str) -> String {
        let prefix = format!("{name}=");
        self.outputs
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no output `{name}` in {:?}", self.outputs))
            .to_string()
    }

    fn explain(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}\n--- summary\n{}",
            self.code, self.stdout, self.stderr, self.summary
        )
    }
}

/// A workflow command, decoded as the runner decodes it.
#[derive(Debug)]
struct Annotation {
    level: String,
    props: BTreeMap<String, String>,
    message: String,
}

impl Annotation {
    fn parse(line: &str) -> Option<Annotation> {
        let rest = line.strip_prefix("::")?;
        let (head, message) = rest.split_once("::")?;
        let (level, props) = head.split_once(' ').unwrap_or((head, ""));
        if !["error", "warning", "notice"].contains(&level) {
            return None;
        }
        let mut map = BTreeMap::new();
        for prop in props.split(',').filter(|p| !p.is_empty()) {
            let (k, v) = prop.split_once('=')?;
            map.insert(k.to_string(), unescape(v, true));
        }
        Some(Annotation {
            level: level.to_string(),
            props: map,
            message: unescape(message, false),
        })
    }

    fn prop(&self, name: &str) -> String {
        self.props.get(name).cloned().unwrap_or_default()
    }
}

/// The runner's unescaping of workflow command values (`%25` last).
fn unescape(s: &str, property: bool) -> String {
    let mut s = s.replace("%0D", "\r").replace("%0A", "\n");
    if property {
        s = s.replace("%3A", ":").replace("%2C", ",");
    }
    s.replace("%25", "%")
}

fn set(items: &[(&str, &str, &str)]) -> BTreeSet<(String, String, String)> {
    items
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

// ----------------------------------------------------------------------------------- the workflow

#[test]
fn the_example_workflow_is_stable() {
    insta::assert_snapshot!("ai_governance_workflow", example_workflow());
}

#[test]
fn builds_are_byte_for_byte_reproducible() {
    assert_eq!(example_workflow(), example_workflow());
}

/// Every workflow the tests generate: the example (two jobs), a CI-only project without SARIF,
/// the hostile project, and one with no `ci` block at all.
fn every_workflow() -> Vec<(&'static str, String)> {
    let no_ci = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        no_ci.path().join("p.gov"),
        "package p\n\ntype T { a: bool }\n\npolicy q {\n  subject t: T\n  deny \"no\" when t.a\n}\n",
    )
    .expect("write");
    vec![
        ("ai-governance", example_workflow()),
        ("mixed", fixture_workflow(&fixture("mixed"))),
        ("hostile", fixture_workflow(&fixture("hostile"))),
        ("no-ci", fixture_workflow(no_ci.path())),
        // The other projects of the conformance suite (tests/conformance/*.json).
        ("constructs", repository_workflow("tests/conformance/constructs")),
        ("soundness", repository_workflow("tests/conformance/soundness")),
    ]
}

#[test]
fn actionlint_accepts_every_generated_workflow() {
    let actionlint = tool("actionlint");
    for (name, text) in every_workflow() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".github/workflows/governance.yml");
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &text).expect("write");
        let out = Command::new(&actionlint)
            .arg("-no-color")
            .arg(&path)
            .current_dir(dir.path())
            .output()
            .expect("actionlint runs");
        assert!(
            out.status.success(),
            "actionlint rejects the {name} workflow:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_github_workflow_schema_accepts_every_generated_workflow() {
    let checker = tool("check-jsonschema");
    for (name, text) in every_workflow() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("governance.yml");
        std::fs::write(&path, &text).expect("write");
        for schema in ["vendor.github-workflows", "custom.github-workflows-require-timeout"] {
            let out = Command::new(&checker)
                .args(["--builtin-schema", schema])
                .arg(&path)
                .output()
                .expect("check-jsonschema runs");
            assert!(
                out.status.success(),
                "{schema} rejects the {name} workflow:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[test]
fn every_workflow_is_hardened() {
    let uses_line = regex::Regex::new(r"^\s*(?:- )?uses: ([^@\s]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$").expect("regex");
    for (name, text) in every_workflow() {
        let w = parse_workflow(&text);
        assert_eq!(w["permissions"], serde_json::json!({"contents": "read"}), "{name}");
        let on = w["on"].as_object().expect("on");
        let triggers: BTreeSet<&str> = on.keys().map(String::as_str).collect();
        assert_eq!(
            triggers,
            BTreeSet::from(["pull_request", "push", "workflow_dispatch"]),
            "{name}"
        );
        assert!(!text.contains("pull_request_target"), "{name}");
        assert_eq!(w["concurrency"]["cancel-in-progress"], true, "{name}");

        for (job_name, job) in w["jobs"].as_object().expect("jobs") {
            assert!(
                job["timeout-minutes"].as_u64().is_some_and(|m| m <= 15),
                "{name}/{job_name}"
            );
            let permissions = job["permissions"].as_object().expect("job permissions");
            for (scope, level) in permissions {
                let allowed = level == "read" || (job_name == "sarif" && scope == "security-events");
                assert!(allowed, "{name}/{job_name} asks for {scope}: {level}");
            }
            for step in job["steps"].as_array().expect("steps") {
                if let Some(run) = step["run"].as_str() {
                    assert!(!run.contains("${{"), "{name}/{job_name}: an expression in a run script");
                }
                if step["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("actions/checkout@"))
                {
                    assert_eq!(step["with"]["persist-credentials"], false, "{name}/{job_name}");
                }
            }
        }
        // The project reaches the scripts as data only, and never as an expression.
        let plan = w["jobs"]["check"]["env"]["GOVC_PLAN"].as_str().expect("plan");
        assert!(!plan.contains('$'), "{name}: the plan holds a `$`");
        let _: Value = serde_json::from_str(plan).expect("the plan is JSON");

        // Every action is pinned to a full SHA from the table, with its release beside it.
        let mut used = 0;
        for line in text
            .lines()
            .filter(|l| l.trim_start().trim_start_matches("- ").starts_with("uses:"))
        {
            let caps = uses_line
                .captures(line)
                .unwrap_or_else(|| panic!("{name}: not pinned: {line}"));
            let pin = pins::ACTIONS
                .iter()
                .find(|p| p.action == &caps[1])
                .unwrap_or_else(|| panic!("{name}: {} is not in the pin table", &caps[1]));
            assert_eq!((pin.sha, pin.release), (&caps[2], &caps[3]), "{name}");
            used += 1;
        }
        assert!(used >= 2, "{name}: checkout and setup-opa at least");
        let sarif = name == "ai-governance" || name == "hostile";
        assert_eq!(
            w["jobs"].get("sarif").is_some(),
            sarif,
            "{name}: the SARIF job only with sarif = true"
        );
    }
}

// ----------------------------------------------------------------------------------- the check step

const EXAMPLE_DOCUMENTS: [&str; 4] = [
    "datasets/crm-customers.yaml",
    "datasets/forum-scrape.yaml",
    "deploy/churn-predictor.yaml",
    "deploy/credit-scoring.yaml",
];

#[test]
fn the_example_fails_on_its_non_compliant_documents() {
    let docs = example_documents(&EXAMPLE_DOCUMENTS);
    let repo = Repo::new(&example_dir(), "examples/ai-governance", &as_refs(&docs));
    let run = repo.run_step(CHECK_STEP, &[]);
    assert_eq!(run.code, 1, "{}", run.explain());

    let p = "examples/ai-governance";
    let forum = format!("{p}/datasets/forum-scrape.yaml");
    let churn = format!("{p}/deploy/churn-predictor.yaml");
    assert_eq!(
        run.annotations("error"),
        set(&[
            (&forum, "3", "dataset forum-scrape stores PII unencrypted at rest"),
            (
                &forum,
                "3",
                "dataset forum-scrape uses untrusted source https://forum.example.net/export/all-posts.csv"
            ),
            (
                &forum,
                "3",
                "dataset forum-scrape keeps data for 3650 days, longer than 730"
            ),
            (
                &churn,
                "4",
                "model churn-predictor fails bias test demographic_parity_difference"
            ),
            (
                &churn,
                "4",
                "high-risk model churn-predictor does not report equalized_odds_difference"
            ),
            (&churn, "4", "high-risk model churn-predictor has no recorded approver"),
            (
                &churn,
                "4",
                "model churn-predictor is owned by dana.kim@gmail.com, not by a person at acme.com"
            ),
        ]),
        "{}",
        run.explain()
    );
    // The compliant model was reviewed in September 2026: a run a year later warns about it too.
    let warnings = run.annotations("warning");
    assert!(warnings.contains(&(
        churn.clone(),
        "4".into(),
        "model churn-predictor has not been reviewed for more than 365 days".into()
    )));
    assert!(warnings.iter().all(|(_, _, m)| m.contains("reviewed")), "{warnings:?}");
    let titles: BTreeSet<String> = run.commands().iter().map(|a| a.prop("title")).collect();
    assert!(titles.contains("No unencrypted PII in registered datasets (acme.data.no_unencrypted_pii)"));
    assert_eq!(run.output("denied"), "7");

    // The summary: the verdict, one row per finding, the files and the globs.
    assert!(run.summary.starts_with("## Governance check\n"), "{}", run.summary);
    assert!(run
        .summary
        .contains("**Failed**: 4 files and 4 documents checked: 7 denials"));
    assert!(run.summary.contains(
        "| **deny** | examples/ai-governance/datasets/forum-scrape.yaml | 3 | No unencrypted PII in registered datasets \
         &#40;acme.data.no&#95;unencrypted&#95;pii&#41; | dataset forum-scrape stores PII unencrypted at rest |"
    ));
    assert!(run
        .summary
        .contains("| examples/ai-governance/deploy/churn-predictor.yaml | 1 | 4 | 1 |"));
    assert!(run
        .summary
        .contains("| examples/ai-governance/datasets/crm-customers.yaml | 1 | 0 | 0 |"));

    // Every document was judged by one `opa eval` of the documented form, on the compiled bundle.
    assert_eq!(run.opa_calls.len(), 4);
    for call in &run.opa_calls {
        let bundle = format!("./{p}/dist/bundle");
        assert_eq!(
            &call[..6],
            ["eval", "--format", "json", "--bundle", bundle.as_str(), "--input"]
        );
        assert_eq!(call.len(), 8);
    }

    // SARIF: the denials of the `sarif = true` blocks (periodic_review's warning is not in one).
    assert_eq!(run.output("sarif"), "true");
    let sarif = run.sarif.as_ref().expect("SARIF written");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 7);
    assert!(results.iter().all(|r| r["level"] == "error"));
    let uris: BTreeSet<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .expect("uri")
        })
        .collect();
    assert_eq!(uris, BTreeSet::from([forum.as_str(), churn.as_str()]));
    validate_sarif(sarif);
}

#[test]
fn the_example_passes_on_its_compliant_documents() {
    let docs = example_documents(&["datasets/crm-customers.yaml", "deploy/credit-scoring.yaml"]);
    let repo = Repo::new(&example_dir(), "examples/ai-governance", &as_refs(&docs));
    let run = repo.run_step(CHECK_STEP, &[]);
    assert_eq!(run.code, 0, "{}", run.explain());
    assert_eq!(run.annotations("error"), BTreeSet::new(), "{}", run.explain());
    // Only the yearly review can warn, once a year has passed since September 2026.
    assert!(run
        .annotations("warning")
        .iter()
        .all(|(_, _, m)| m.contains("reviewed")));
    assert_eq!(run.output("denied"), "0");
    assert!(
        run.summary
            .contains("**Passed**: 2 files and 2 documents checked: 0 denials"),
        "{}",
        run.summary
    );
    let sarif = run.sarif.as_ref().expect("SARIF written");
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));
    validate_sarif(sarif);
}

#[test]
fn a_yaml_stream_is_checked_document_by_document() {
    let stream = "\
# Registrations of the stream team.
%YAML 1.2
---
apiVersion: ai.acme.com/v1
kind: DatasetRegistration
metadata: {name: stream-ok, namespace: ml-data}
spec: {name: stream-ok, contains_pii: false, encryption: {at_rest: true, in_transit: true}, sources: [\"s3://acme-datalake/a/\"], retention_days: 30}
--- # PII in plain text
# the next line is the document's first
apiVersion: ai.acme.com/v1
kind: DatasetRegistration
metadata: {name: stream-plain, namespace: ml-data}
spec: {name: stream-plain, contains_pii: true, encryption: {at_rest: false, in_transit: true}, sources: [\"s3://acme-datalake/b/\"], retention_days: 30}
---
# only a comment: no document
...
--- {apiVersion: ai.acme.com/v1, kind: DatasetRegistration, metadata: {name: stream-inline}, spec: {name: stream-inline, contains_pii: true, encryption: {at_rest: true, in_transit: false}, sources: [\"s3://acme-datalake/c/\"], retention_days: 30}}
---
kind: DatasetRegistration
metadata: {name: stream-malformed}
";
    // The same stream with Windows line endings.
    let crlf = stream.replace('\n', "\r\n");
    let repo = Repo::new(
        &example_dir(),
        "gov",
        &[
            ("datasets/stream.yaml", stream.as_bytes()),
            ("datasets/windows/stream.yaml", crlf.as_bytes()),
        ],
    );
    let run = repo.run_step(CHECK_STEP, &[]);
    assert_eq!(run.code, 1, "{}", run.explain());
    let errors = run.annotations("error");
    for file in ["gov/datasets/stream.yaml", "gov/datasets/windows/stream.yaml"] {
        let of_file: BTreeSet<(String, String)> = errors
            .iter()
            .filter(|(f, _, _)| f == file)
            .map(|(_, l, m)| (l.clone(), m.clone()))
            .collect();
        assert!(
            of_file.contains(&(
                "10".into(),
                "dataset stream-plain stores PII unencrypted at rest".into()
            )),
            "{of_file:?}\n{}",
            run.explain()
        );
        assert!(of_file.contains(&(
            "17".into(),
            "dataset stream-inline transfers PII without encryption in transit".into()
        )));
        // The malformed document is denied (fail closed), by each of the three policies.
        let malformed: Vec<_> = of_file.iter().filter(|(l, _)| l == "19").collect();
        assert!(
            malformed
                .iter()
                .any(|(_, m)| m == "malformed DatasetRegistration: apiVersion: required field is missing"),
            "{malformed:?}"
        );
        // Nothing for the compliant document, nor for the comment-only one.
        assert!(
            of_file.iter().all(|(l, _)| ["10", "17", "19"].contains(&l.as_str())),
            "{of_file:?}"
        );
    }
    assert!(
        run.summary.contains("| gov/datasets/stream.yaml | 4 |"),
        "{}",
        run.summary
    );
    assert!(
        run.summary.contains("| gov/datasets/windows/stream.yaml | 4 |"),
        "{}",
        run.summary
    );
}

#[test]
fn json_and_yaml_documents_unreadable_files_and_empty_globs() {
    let repo = Repo::new(
        &fixture("mixed"),
        "catalogue",
        &[
            (
                "services/billing.json",
                br#"{"name": "billing", "owner": "", "public": false}"#,
            ),
            (
                "services/web.json",
                br#"{"name": "web", "owner": "web-team", "public": true}"#,
            ),
            (
                "services/nested/two.yml",
                b"name: a\nowner: ops\npublic: false\n---\nname: b\nowner: ''\npublic: true\n",
            ),
            ("services/broken.yaml", b"name: [unclosed\n"),
            ("services/comments-only.yaml", b"# nothing here yet\n"),
            ("services/not-a-match.txt", b"name: ignored\n"),
        ],
    );
    let run = repo.run_step(CHECK_STEP, &[]);
    assert_eq!(run.code, 1, "{}", run.explain());
    let c = "catalogue/services";
    let errors = run.annotations("error");
    assert!(errors.contains(&(
        format!("{c}/billing.json"),
        "1".into(),
        "service billing has no owner".into()
    )));
    assert!(errors.contains(&(
        format!("{c}/nested/two.yml"),
        "5".into(),
        "service b has no owner".into()
    )));
    let broken: Vec<_> = errors
        .iter()
        .filter(|(f, _, _)| f == &format!("{c}/broken.yaml"))
        .collect();
    assert_eq!(broken.len(), 1, "{errors:?}");
    assert!(
        broken[0]
            .2
            .starts_with("not checked: opa eval failed: unable to parse input"),
        "{broken:?}"
    );
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert_eq!(
        run.annotations("warning"),
        set(&[
            (&format!("{c}/web.json"), "1", "service web is public"),
            (&format!("{c}/nested/two.yml"), "5", "service b is public"),
        ])
    );
    // A file without a document and a glob without a file are reported, not failed.
    let notices = run.annotations("notice");
    assert!(notices.contains(&(
        format!("{c}/comments-only.yaml"),
        String::new(),
        "no document to check in this file".into()
    )));
    assert!(notices.iter().any(|(f, _, m)| f.is_empty()
        && m == "no file matches retired/**/*.yaml in catalogue; fixture.services.owned checked nothing there"));
    assert_eq!(run.output("denied"), "3");
    assert_eq!(run.output("sarif"), "false");
    assert!(run.sarif.is_none());
    assert!(run
        .summary
        .contains("| retired/&#42;&#42;/&#42;.yaml | catalogue | fixture.services.owned | none matched |"));
    assert!(!run.stdout.contains("not-a-match"));
}

#[test]
fn a_repository_without_findings_passes_even_when_a_glob_matches_nothing() {
    let repo = Repo::new(
        &fixture("mixed"),
        "catalogue",
        &[(
            "services/api.json",
            br#"{"name": "api", "owner": "platform", "public": false}"#,
        )],
    );
    let run = repo.run_step(CHECK_STEP, &[]);
    assert_eq!(run.code, 0, "{}", run.explain());
    assert_eq!(run.output("denied"), "0");
    assert_eq!(run.annotations("error"), BTreeSet::new());
    // services/**/*.yaml, services/**/*.yml and retired/**/*.yaml match nothing: three notices.
    assert_eq!(run.annotations("notice").len(), 3, "{}", run.explain());
}

#[test]
fn a_project_at_the_repository_root() {
    let repo = Repo::new(
        &fixture("mixed"),
        "",
        &[("services/api.json", br#"{"name": "api", "owner": "", "public": false}"#)],
    );
    let run = repo.run_step(CHECK_STEP, &[]);
    assert_eq!(run.code, 1, "{}", run.explain());
    assert_eq!(
        run.annotations("error"),
        set(&[("services/api.json", "1", "service api has no owner")])
    );
    assert!(run
        .summary
        .contains("| services/&#42;&#42;/&#42;.json | . | fixture.services.owned | 1 |"));
}

#[test]
fn a_stale_bundle_fails_the_check() {
    let repo = Repo::new(
        &fixture("mixed"),
        "catalogue",
        &[("services/api.json", br#"{"name": "api", "owner": "", "public": false}"#)],
    );
    // The policy's package disappears from the bundle (and from its roots): the check must not pass.
    let rego = repo.path().join("catalogue/dist/bundle/fixture/services/owned.rego");
    let text = std::fs::read_to_string(&rego).expect("rego");
    std::fs::write(
        &rego,
        text.replace("package fixture.services.owned", "package fixture.services.renamed"),
    )
    .expect("write");
    let manifest = repo.path().join("catalogue/dist/bundle/.manifest");
    let m = std::fs::read_to_string(&manifest).expect("manifest");
    std::fs::write(
        &manifest,
        m.replace("fixture/services/owned", "fixture/services/renamed"),
    )
    .expect("write");
    let run = repo.run_step(CHECK_STEP, &[]);
    assert_eq!(run.code, 1, "{}", run.explain());
    let errors = run.annotations("error");
    assert!(
        errors
            .iter()
            .any(|(_, _, m)| m.starts_with("policy fixture.services.owned is not in the compiled bundle")),
        "{errors:?}"
    );
}

// ----------------------------------------------------------------------------------- hostile text

/// Text that breaks naive scripts: quotes, command substitutions, backticks, expressions, workflow
/// commands, escapes, newlines. A command that runs creates a file named `owned-…`.
const HOSTILE: &str = "q\" s' $(touch owned-by-doc) `touch owned-by-doc-backtick` ${{ github.token }} \
                       ::error::injected, a:b %0A 100% | <script>x</script>\n::warning file=x::newline\r\nend";

#[test]
fn hostile_names_and_messages_are_annotated_literally_and_never_run() {
    let names = [
        "things/$(touch owned-by-name).yaml",
        "things/`touch owned-by-name-backtick`.yaml",
        "things/quote\"s'.yaml",
        "things/new\nline::error::x.yaml",
        "things/100%,a:b.yaml",
        "things/${{ github.token }}.yaml",
        "things/-rf.yaml",
        "things/[x]*.yaml",
        "odd dir/it's \"here\"/doc.json",
    ];
    let yaml_doc = format!(
        "name: {}\nnote: {}\n",
        serde_json::json!(HOSTILE),
        serde_json::json!(HOSTILE)
    );
    let json_doc = serde_json::json!({"name": HOSTILE, "note": HOSTILE}).to_string();
    let docs: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| {
            (
                *n,
                if n.ends_with(".json") {
                    json_doc.as_bytes()
                } else {
                    yaml_doc.as_bytes()
                },
            )
        })
        .collect();
    let repo = Repo::new(&fixture("hostile"), "p", &docs);
    let run = repo.run_step(CHECK_STEP, &[]);
    assert_eq!(run.code, 1, "{}", run.explain());

    // Nothing ran: no `owned-…` file anywhere.
    let mut owned = Vec::new();
    find_owned(repo.path(), &mut owned);
    assert!(owned.is_empty(), "commands ran: {owned:?}");

    // Each document got exactly its two annotations, decoded back to the literal text; no other
    // workflow command appeared (a newline in a message would have started one).
    let title = "Quote \" ' $(touch owned-by-title) `touch owned-by-title-backtick` ${{ github.token }} \
                 ::error::x, a:b %0A 100% (hostile.things.echo_back)";
    let commands = run.commands();
    assert_eq!(commands.len(), 2 * names.len(), "{}", run.explain());
    for a in &commands {
        assert_eq!(a.prop("title"), title);
        assert_eq!(a.prop("line"), "1");
    }
    // Byte for byte what govc's own escaping for workflow commands (`govc check --format github`)
    // writes: the scripts' jq escaping and the Rust one agree.
    let deny = format!("thing {HOSTILE} says {HOSTILE}");
    let warn = format!("note of {HOSTILE}: {HOSTILE}");
    let raw: BTreeSet<&str> = run.stdout.lines().filter(|l| l.starts_with("::")).collect();
    let expected_raw: BTreeSet<String> = names
        .iter()
        .flat_map(|n| {
            let head = format!(
                "file={},line=1,title={}",
                escape_property(&format!("p/{n}")),
                escape_property(title)
            );
            [
                format!("::error {head}::{}", escape_data(&deny)),
                format!("::warning {head}::{}", escape_data(&warn)),
            ]
        })
        .collect();
    assert_eq!(raw, expected_raw.iter().map(String::as_str).collect());

    let expected_files: BTreeSet<String> = names.iter().map(|n| format!("p/{n}")).collect();
    for level in ["error", "warning"] {
        let got = run.annotations(level);
        let files: BTreeSet<String> = got.iter().map(|(f, _, _)| f.clone()).collect();
        assert_eq!(files, expected_files, "{level}");
        let message = if level == "error" {
            format!("thing {HOSTILE} says {HOSTILE}")
        } else {
            format!("note of {HOSTILE}: {HOSTILE}")
        };
        assert!(got.iter().all(|(_, _, m)| m == &message), "{level}: {got:?}");
    }
    assert_eq!(run.output("denied"), names.len().to_string());

    // The summary stays a table: every row has its five cells, and no tag survives.
    for row in run
        .summary
        .lines()
        .filter(|l| l.starts_with("| **deny**") || l.starts_with("| warn"))
    {
        assert_eq!(row.matches('|').count(), 6, "{row}");
    }
    assert!(!run.summary.contains("<script>"));

    // SARIF holds the literal text too.
    let sarif = run.sarif.as_ref().expect("SARIF");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 2 * names.len());
    assert!(results
        .iter()
        .any(|r| r["message"]["text"] == format!("thing {HOSTILE} says {HOSTILE}")));
    validate_sarif(sarif);

    // The workflow of this project is still valid, and its plan holds no `$`.
    assert!(!repo.workflow["jobs"]["check"]["env"]["GOVC_PLAN"]
        .as_str()
        .expect("plan")
        .contains('$'));
    assert!(repo.workflow_text.contains("\\u0024(touch owned-by-title)"));
}

fn find_owned(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("owned-") {
            found.push(entry.path());
        }
        if entry.file_type().expect("type").is_dir() {
            find_owned(&entry.path(), found);
        }
    }
}

#[test]
fn a_document_outside_the_repository_is_not_read() {
    let repo = Repo::new(&fixture("mixed"), "catalogue", &[]);
    let outside = tempfile::tempdir().expect("tempdir");
    let secret = outside.path().join("secret.json");
    std::fs::write(&secret, br#"{"name": "secret-value", "owner": "", "public": true}"#).expect("write");
    std::fs::create_dir_all(repo.path().join("catalogue/services")).expect("mkdir");
    std::os::unix::fs::symlink(&secret, repo.path().join("catalogue/services/link.json")).expect("symlink");
    let run = repo.run_step(CHECK_STEP, &[]);
    assert_eq!(run.code, 1, "{}", run.explain());
    assert!(!run.stdout.contains("secret-value") && !run.summary.contains("secret-value"));
    assert_eq!(
        run.annotations("error"),
        set(&[(
            "catalogue/services/link.json",
            "1",
            "not checked: the file resolves outside the repository"
        )])
    );
    assert!(run.opa_calls.is_empty());
}

// ----------------------------------------------------------------------------------- other steps

#[test]
fn the_compiled_tests_run_in_opa() {
    let repo = Repo::new(&example_dir(), "examples/ai-governance", &[]);
    let run = repo.run_step(TEST_STEP, &[]);
    assert_eq!(run.code, 0, "{}", run.explain());
    let passed = regex::Regex::new(r"(?m)^PASS: (\d+)/(\d+)$").expect("regex");
    let caps = passed
        .captures(&run.stdout)
        .unwrap_or_else(|| panic!("{}", run.explain()));
    assert_eq!(&caps[1], &caps[2]);
    assert!(caps[1].parse::<u32>().expect("count") > 0);
    assert_eq!(
        run.opa_calls,
        vec![["test", "--bundle", "./examples/ai-governance/dist/bundle"]
            .map(String::from)
            .to_vec()]
    );

    // A failing test fails the step.
    let test_file = repo
        .path()
        .join("examples/ai-governance/dist/bundle/acme/tests/data_test.rego");
    let mut text = std::fs::read_to_string(&test_file).expect("compiled test");
    text.push_str("\ntest_injected_failure if {\n\tfalse\n}\n");
    std::fs::write(&test_file, text).expect("write");
    let run = repo.run_step(TEST_STEP, &[]);
    assert_ne!(run.code, 0, "{}", run.explain());
    assert!(run.stdout.contains("test_injected_failure: FAIL"), "{}", run.explain());
}

#[test]
fn a_missing_bundle_is_an_error_not_a_pass() {
    let repo = Repo::new(&fixture("mixed"), "catalogue", &[]);
    std::fs::remove_dir_all(repo.path().join("catalogue/dist/bundle")).expect("rm");
    for step in [TEST_STEP, CHECK_STEP] {
        let run = repo.run_step(step, &[]);
        assert_eq!(run.code, 1, "{step}: {}", run.explain());
        let errors = run.annotations("error");
        assert!(
            errors
                .iter()
                .any(|(_, _, m)| m.contains("there is no compiled bundle at catalogue/dist/bundle")),
            "{step}: {errors:?}"
        );
    }
}

#[test]
fn only_the_pinned_opa_build_is_accepted() {
    let repo = Repo::new(&fixture("mixed"), "catalogue", &[]);
    // The fake is not the official build: refused with the workflow's own digest.
    let run = repo.run_step(VERIFY_STEP, &[]);
    assert_eq!(run.code, 1, "{}", run.explain());
    let errors = run.annotations("error");
    assert!(errors.iter().any(
        |(_, _, m)| m.contains(&format!("is not the official OPA {} build", pins::OPA_VERSION))
            && m.contains(pins::OPA_LINUX_AMD64_STATIC_SHA256)
    ));

    // With the digest of the binary on the PATH, the same script accepts it.
    let fake = fake_opa_dir();
    let digest = Command::new("sha256sum")
        .arg(fake.path().join("opa"))
        .output()
        .expect("sha256sum");
    let digest = String::from_utf8_lossy(&digest.stdout)
        .split_whitespace()
        .next()
        .expect("digest")
        .to_string();
    let run = repo.run_step(VERIFY_STEP, &[("OPA_SHA256", &digest)]);
    assert_eq!(run.code, 0, "{}", run.explain());
    assert!(run.stdout.contains(&format!("Version: {}", pins::OPA_VERSION)));
}

#[test]
fn the_running_workflow_must_be_the_one_govc_built() {
    let repo = Repo::new(&fixture("mixed"), "catalogue", &[]);
    let run = repo.run_step(CURRENT_STEP, &[]);
    assert_eq!(run.code, 0, "{}", run.explain());

    // An edited (or stale) copy is refused.
    let installed = repo.path().join(".github/workflows/governance.yml");
    std::fs::write(&installed, format!("{}# edited\n", repo.workflow_text)).expect("write");
    let run = repo.run_step(CURRENT_STEP, &[]);
    assert_eq!(run.code, 1, "{}", run.explain());
    assert!(run.annotations("error").iter().any(|(_, _, m)| m
        == ".github/workflows/governance.yml is not the workflow govc built \
            (catalogue/dist/.github/workflows/governance.yml): copy it again after govc build (see docs/ci.md)"));

    // Without the running workflow's path, it can only warn.
    let run = repo.run_step(CURRENT_STEP, &[("GITHUB_WORKFLOW_REF", "")]);
    assert_eq!(run.code, 0, "{}", run.explain());
    assert_eq!(run.annotations("warning").len(), 1);
}

#[test]
fn the_fake_opa_refuses_forms_the_workflow_does_not_use() {
    let fake = fake_opa_dir();
    for args in [
        vec!["eval", "--data", "x", "data.x"],
        vec!["eval", "--format", "pretty", "--bundle", ".", "--input", "x", "data"],
        vec!["test", "."],
        vec!["run"],
    ] {
        let out = Command::new(fake.path().join("opa"))
            .args(&args)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("fake opa:"), "{args:?}");
    }
}

// ----------------------------------------------------------------------------------- paths

#[test]
fn paths_are_relative_to_the_repository_root() {
    let repo = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(repo.path().join(".git")).expect("mkdir");
    let project = repo.path().join("policy/ai");
    copy_gov_files(&fixture("mixed"), &project);
    let plan = |out: &Path, root: Option<&Path>| -> Value {
        let w = parse_workflow(&tree_workflow(&build_at(&project, out, root)));
        serde_json::from_str(w["jobs"]["check"]["env"]["GOVC_PLAN"].as_str().expect("plan")).expect("JSON")
    };
    let p = plan(&project.join("dist"), None);
    assert_eq!(p["bundle"], "policy/ai/dist/bundle");
    assert_eq!(p["workflow"], "policy/ai/dist/.github/workflows/governance.yml");
    assert_eq!(p["checks"][0]["base"], "policy/ai");
    assert_eq!(p["checks"][0]["glob"], "services/**/*.json");

    let p = plan(
        &repo.path().join("policy/build/governance"),
        Some(&repo.path().join("policy")),
    );
    assert_eq!(p["checks"][0]["base"], "ai");
    assert_eq!(p["bundle"], "build/governance/bundle");
}

#[test]
fn govc_build_takes_the_repository_root_and_says_where_the_workflow_goes() {
    let repo = tempfile::tempdir().expect("tempdir");
    let project = repo.path().join("gov");
    copy_gov_files(&fixture("mixed"), &project);
    let out = repo.path().join("gov/dist");
    let run = Command::new(env!("CARGO_BIN_EXE_govc"))
        .arg("build")
        .arg(&project)
        .arg("--out")
        .arg(&out)
        .arg("--repo-root")
        .arg(repo.path())
        .output()
        .expect("govc runs");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let text = std::fs::read_to_string(out.join(".github/workflows/governance.yml")).expect("workflow written");
    let w = parse_workflow(&text);
    let plan: Value =
        serde_json::from_str(w["jobs"]["check"]["env"]["GOVC_PLAN"].as_str().expect("plan")).expect("JSON");
    assert_eq!(plan["bundle"], "gov/dist/bundle");

    // An output outside the repository: the workflow expects the default location, and says so.
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let run = Command::new(env!("CARGO_BIN_EXE_govc"))
        .arg("build")
        .arg(&project)
        .arg("--out")
        .arg(elsewhere.path().join("out"))
        .arg("--repo-root")
        .arg(repo.path())
        .output()
        .expect("govc runs");
    assert!(run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("note: ") && stderr.contains("the workflow expects the build output at `gov/dist`"),
        "{stderr}"
    );
}

// ----------------------------------------------------------------------------------- SARIF

fn validate_sarif(sarif: &Value) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("governance.sarif");
    std::fs::write(&path, serde_json::to_string_pretty(sarif).expect("JSON")).expect("write");
    let out = Command::new(tool("sarif-kit"))
        .arg("validate")
        .arg(&path)
        .output()
        .expect("sarif-kit runs");
    assert!(
        out.status.success(),
        "invalid SARIF:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_repo_under_test_keeps_its_project_path() {
    // A guard for the helpers above: documents land below the project, the build beside them.
    let repo = Repo::new(&fixture("mixed"), "a/b", &[("services/x.json", b"{}")]);
    assert_eq!(repo.project, "a/b");
    assert!(repo.path().join("a/b/services/x.json").is_file());
    assert!(repo.path().join("a/b/dist/bundle/.manifest").is_file());
}
