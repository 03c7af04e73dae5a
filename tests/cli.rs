//! The command line as a user meets it: transcripts of real `govc` runs (the command, its exit
//! code, standard output and standard error) as snapshots in `tests/snapshots/cli/`, one per
//! situation, with the temporary directory shown as `[TMP]`. Checks by real tools of what these
//! commands write (SARIF schema, JUnit schema, Markdown rendering) are in `tests/validate/`.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A `govc` run: where, with what, and what it gave.
struct Run {
    cwd: PathBuf,
    args: Vec<String>,
    stdin: Option<String>,
    env: Vec<(&'static str, &'static str)>,
}

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    transcript: String,
}

impl Run {
    fn new(cwd: &Path, args: &[&str]) -> Run {
        Run {
            cwd: cwd.to_path_buf(),
            args: args.iter().map(|a| a.to_string()).collect(),
            stdin: None,
            env: Vec::new(),
        }
    }

    fn stdin(mut self, text: &str) -> Run {
        self.stdin = Some(text.to_string());
        self
    }

    fn env(mut self, key: &'static str, value: &'static str) -> Run {
        self.env.push((key, value));
        self
    }

    fn run(self, tmp: &Path) -> Ran {
        let mut command = Command::new(env!("CARGO_BIN_EXE_govc"));
        command
            .args(&self.args)
            .current_dir(&self.cwd)
            .env_remove("CLICOLOR_FORCE")
            .env_remove("FORCE_COLOR")
            .env_remove("CLICOLOR")
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.env {
            if *k == "NO_COLOR" && v.is_empty() {
                command.env_remove("NO_COLOR");
            } else {
                command.env(k, v);
            }
        }
        let mut child = command.spawn().expect("govc starts");
        let input = self.stdin.clone().unwrap_or_default();
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("stdin written");
        let out = child.wait_with_output().expect("govc ends");
        let redact = |s: &str| {
            let mut s = s.to_string();
            for dir in [tmp.to_path_buf(), std::fs::canonicalize(tmp).unwrap_or_default()] {
                let dir = dir.to_string_lossy().to_string();
                if !dir.is_empty() {
                    s = s.replace(&dir, "[TMP]");
                }
            }
            s
        };
        let stdout = redact(&String::from_utf8_lossy(&out.stdout));
        let stderr = redact(&String::from_utf8_lossy(&out.stderr));
        let cwd = redact(&self.cwd.to_string_lossy());
        let env: String = self.env.iter().map(|(k, v)| format!("{k}={v} ")).collect();
        let mut transcript = format!("$ cd {cwd}\n$ {env}govc {}\n", self.args.join(" "));
        if let Some(input) = &self.stdin {
            transcript.push_str(&format!("--- stdin\n{input}"));
            if !input.ends_with('\n') {
                transcript.push('\n');
            }
        }
        transcript.push_str(&format!(
            "--- exit code: {}\n",
            out.status.code().map_or("signal".into(), |c| c.to_string())
        ));
        transcript.push_str(&format!("--- stdout\n{stdout}"));
        if !stdout.is_empty() && !stdout.ends_with('\n') {
            transcript.push('\n');
        }
        transcript.push_str(&format!("--- stderr\n{stderr}"));
        Ran {
            code: out.status.code(),
            stdout,
            stderr,
            transcript,
        }
    }
}

fn snapshot(name: &str, description: &str, transcripts: &[&Ran]) {
    let text: Vec<&str> = transcripts.iter().map(|r| r.transcript.as_str()).collect();
    insta::with_settings!({
        snapshot_path => "snapshots/cli",
        prepend_module_to_snapshot => false,
        omit_expression => true,
        description => description,
    }, {
        insta::assert_snapshot!(name, text.join("\n"));
    });
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

/// A temporary directory holding a project `p` of one file, `p/<file>`.
fn project(file: &str, source: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(&tmp.path().join("p").join(file), source);
    tmp
}

/// A repository (a `.git` directory) whose governance project lives in `policies/ai`, as the
/// README's layout has it, with one error and one warning.
fn repository_with_a_subfolder_project() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(tmp.path().join("repo/.git")).expect("mkdir");
    write(
        &tmp.path().join("repo/policies/ai/data.gov"),
        "package ai.data\n\nimport std.ai.{Dataset, RiskTier}\n\npolicy encrypted {\n  subject d: Dataset\n  deny \"dataset {d.name} is not encrypted\" when not d.encryption.at_rst\n}\n",
    );
    tmp
}

#[test]
fn diagnostics_name_files_from_the_repository_root() {
    let tmp = repository_with_a_subfolder_project();
    let cwd = tmp.path().join("repo/policies");
    let human = Run::new(&cwd, &["check", "ai"]).run(tmp.path());
    let json = Run::new(&cwd, &["check", "--format", "json", "ai"]).run(tmp.path());
    let github = Run::new(&cwd, &["check", "--format", "github", "ai"]).run(tmp.path());
    // `--repo-root` overrides `.git`: names are then relative to it.
    let rooted = Run::new(&cwd, &["check", "--repo-root", ".", "--format", "github", "ai"]).run(tmp.path());
    for r in [&human, &json, &github, &rooted] {
        assert_eq!(r.code, Some(1), "{}", r.transcript);
    }
    assert!(human.stderr.contains("┌─ policies/ai/data.gov:7:"), "{}", human.stderr);
    assert!(
        json.stdout.contains("\"file\": \"policies/ai/data.gov\""),
        "{}",
        json.stdout
    );
    assert!(
        github.stdout.contains("file=policies/ai/data.gov,"),
        "{}",
        github.stdout
    );
    assert!(rooted.stdout.contains("file=ai/data.gov,"), "{}", rooted.stdout);
    snapshot(
        "check_in_a_subfolder",
        "a project in `policies/ai` of a repository, checked from `policies/`: every format names files from the repository root",
        &[&human, &json, &github, &rooted],
    );
    let sarif = Run::new(&cwd, &["check", "--format", "sarif", "ai"]).run(tmp.path());
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("SARIF is JSON");
    let run = &log["runs"][0];
    assert_eq!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file://[TMP]/repo/");
    let location = &run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(location["uri"], "policies/ai/data.gov");
    assert_eq!(location["uriBaseId"], "%SRCROOT%");
    // A `--repo-root` that is no directory is a usage error.
    let bad = Run::new(&cwd, &["check", "--repo-root", "nowhere", "ai"]).run(tmp.path());
    assert_eq!(bad.code, Some(2), "{}", bad.transcript);
}

#[test]
fn an_empty_project_is_named_plainly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(tmp.path().join("empty")).expect("mkdir");
    let human = Run::new(tmp.path(), &["check", "empty"]).run(tmp.path());
    let github = Run::new(tmp.path(), &["check", "--format", "github", "empty"]).run(tmp.path());
    assert_eq!(human.code, Some(1));
    assert!(
        !human.stderr.contains("std"),
        "no snippet of the standard library: {}",
        human.stderr
    );
    snapshot(
        "check_an_empty_directory",
        "a directory without `.gov` files: one located, plain error",
        &[&human, &github],
    );
}

#[test]
fn check_and_fmt_read_standard_input() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let broken = "package s\n\nimport std.ai.{Dataset}\n\npolicy p {\n  subject d: Dataset\n  deny \"x\" when d.nmae == \"\"\n}\n";
    let check = Run::new(tmp.path(), &["check", "-", "--stdin-filename", "editor/p.gov"])
        .stdin(broken)
        .run(tmp.path());
    assert_eq!(check.code, Some(1));
    let unformatted =
        "package s\nimport std.ai.{Dataset}\npolicy p {\nsubject d: Dataset\ndeny \"x\" when d.name == \"\"}\n";
    let fmt = Run::new(tmp.path(), &["fmt", "-"]).stdin(unformatted).run(tmp.path());
    assert_eq!(fmt.code, Some(0));
    let fmt_check = Run::new(tmp.path(), &["fmt", "--check", "-"])
        .stdin(unformatted)
        .run(tmp.path());
    assert_eq!(fmt_check.code, Some(1));
    let formatted_again = Run::new(tmp.path(), &["fmt", "--check", "-"])
        .stdin(&fmt.stdout)
        .run(tmp.path());
    assert_eq!(formatted_again.code, Some(0), "{}", formatted_again.transcript);
    let syntax = Run::new(tmp.path(), &["fmt", "-"])
        .stdin("package s\npolicy {\n")
        .run(tmp.path());
    assert_eq!(syntax.code, Some(1));
    assert_eq!(
        syntax.stdout, "",
        "nothing on standard output when the input cannot be formatted"
    );
    snapshot(
        "stdin",
        "`-` reads standard input: `check` names it with `--stdin-filename`, `fmt` writes the formatted text to standard output",
        &[&check, &fmt, &fmt_check, &syntax],
    );
}

/// An access policy (with `allow`) and a policy with a parameter, and documents for both.
fn eval_project() -> tempfile::TempDir {
    let tmp = project(
        "access.gov",
        r#"package shop

import std.ai.{AccessRequest}

/// Who may use a model.
policy model_access {
  subject r: AccessRequest
  allow when {
    "analyst" in r.roles
    has r.reason
  }
}

type Order {
  id: string
  items: int
}

/// Orders are not too large.
policy order_size {
  /// The most items in one order.
  param max_items: int = 10
  subject o: Order
  deny "order {o.id} has {o.items} items, the limit is {max_items}" when o.items > max_items
}
"#,
    );
    write(
        &tmp.path().join("requests.yaml"),
        "# two access requests\nuser: ana\nroles: [analyst]\nmodel: churn\naction: predict\nreason: monthly report\n---\nuser: bob\nroles: [intern]\nmodel: churn\naction: predict\n",
    );
    write(&tmp.path().join("order.json"), "{\"id\": \"o-1\", \"items\": 12}\n");
    write(&tmp.path().join("truncated.json"), "{\"id\": \"o-1\", \"items\": ");
    write(&tmp.path().join("limits.yaml"), "max_items: 20\n");
    tmp
}

/// A reader that stops early (`govc eval ... | head -1`) ends govc quietly, no panic.
#[cfg(unix)]
#[test]
fn output_into_a_closed_pipe_is_not_a_panic() {
    let tmp = eval_project();
    let t = tmp.path();
    let script = format!(
        "'{}' eval p --policy shop.model_access --input requests.yaml | head -c 1 >/dev/null",
        env!("CARGO_BIN_EXE_govc")
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(t)
        .output()
        .expect("sh runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn eval_judges_every_document_and_takes_parameters() {
    let tmp = eval_project();
    let t = tmp.path();
    let eval = |policy: &str, args: &[&str]| Run::new(t, &[&["eval", "p", "--policy", policy], args].concat());
    let access = eval("shop.model_access", &["--input", "requests.yaml"]).run(t);
    // The second request is refused: exit 1, although no `deny` fired.
    assert_eq!(access.code, Some(1), "{}", access.transcript);
    let order = eval("shop.order_size", &["--input", "order.json"]).run(t);
    assert_eq!(order.code, Some(1));
    let data = eval("shop.order_size", &["--input", "order.json", "--data", "limits.yaml"]).run(t);
    assert_eq!(data.code, Some(0), "{}", data.transcript);
    let param = eval(
        "shop.order_size",
        &["--input", "-", "--data", "limits.yaml", "--param", "max_items=5"],
    )
    .stdin("id: o-2\nitems: 6\n")
    .run(t);
    assert_eq!(param.code, Some(1), "--param wins over --data: {}", param.transcript);
    let unknown = eval("shop.order_size", &["--input", "order.json", "--param", "max_item=5"]).run(t);
    assert_eq!(unknown.code, Some(2));
    let truncated = eval("shop.order_size", &["--input", "truncated.json"]).run(t);
    assert_eq!(truncated.code, Some(2));
    assert!(truncated.stderr.contains("is not valid JSON"), "{}", truncated.stderr);
    snapshot(
        "eval",
        "`govc eval`: one decision per YAML document, exit 1 on a refusal or a denial, parameters from `--data` and `--param`, a JSON error for a truncated `.json`",
        &[&access, &order, &data, &param, &unknown, &truncated],
    );
}

#[test]
fn init_scaffolds_a_project_that_checks_tests_and_builds() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    let init = Run::new(t, &["init", "payments-gov"]).run(t);
    assert_eq!(init.code, Some(0), "{}", init.transcript);
    let check = Run::new(t, &["check", "payments-gov"]).run(t);
    assert_eq!(
        (check.code, check.stderr.as_str()),
        (Some(0), ""),
        "{}",
        check.transcript
    );
    let test = Run::new(t, &["test", "payments-gov"]).run(t);
    assert_eq!(test.code, Some(0), "{}", test.transcript);
    assert!(test.stdout.ends_with("5 passed, 0 failed\n"), "{}", test.stdout);
    let build = Run::new(t, &["build", "--quiet", "payments-gov"]).run(t);
    assert_eq!(
        (build.code, build.stderr.as_str()),
        (Some(0), ""),
        "{}",
        build.transcript
    );
    for file in [
        "bundle/.manifest",
        "bundle.tar.gz",
        "k8s/crds/applications.payments-gov.example.com.yaml",
        "k8s/gatekeeper/constraints/production-is-redundant.yaml",
        ".github/workflows/governance.yml",
    ] {
        assert!(t.join("payments-gov/dist").join(file).is_file(), "{file}");
    }
    // The sample manifest passes its policy.
    let eval = Run::new(
        t,
        &[
            "eval",
            "payments-gov",
            "--policy",
            "payments_gov.policies.production_is_redundant",
            "--input",
            "payments-gov/manifests/checkout.yaml",
        ],
    )
    .run(t);
    assert_eq!(eval.code, Some(0), "{}", eval.transcript);
    // A second init writes nothing over the first.
    let again = Run::new(t, &["init", "payments-gov"]).run(t);
    assert_eq!(again.code, Some(2));
    snapshot(
        "init",
        "`govc init DIR`, then `check` and `test` on what it wrote, and a second `init` that refuses to overwrite",
        &[&init, &check, &test, &again],
    );
    let policies = std::fs::read_to_string(t.join("payments-gov/governance/policies.gov")).expect("written");
    insta::with_settings!({snapshot_path => "snapshots/cli", prepend_module_to_snapshot => false, omit_expression => true,
        description => "governance/policies.gov as `govc init payments-gov` writes it"}, {
        insta::assert_snapshot!("init_policies_gov", policies);
    });
}

#[test]
fn test_reports_junit_and_refuses_a_filter_that_matches_nothing() {
    let tmp = project(
        "p.gov",
        r#"package t

import std.ai.{Dataset}

policy pii {
  subject d: Dataset
  deny "dataset {d.name} has PII" when d.contains_pii
}

test "a dataset with PII is denied" {
  expect denied pii(Dataset { name: "x", contains_pii: true, encryption: { at_rest: true, in_transit: true }, sources: [] })
}

test "the message names the <dataset> & its \"name\"" {
  expect denied pii(Dataset { name: "x", contains_pii: true, encryption: { at_rest: true, in_transit: true }, sources: [] }) with "wrong"
}
"#,
    );
    let t = tmp.path();
    let junit = Run::new(t, &["test", "p", "--format", "junit"]).run(t);
    assert_eq!(junit.code, Some(1));
    let nothing = Run::new(t, &["test", "p", "--filter", "no such test"]).run(t);
    assert_eq!(nothing.code, Some(2));
    let quiet = Run::new(t, &["test", "-q", "p"]).run(t);
    assert_eq!(quiet.code, Some(1));
    assert!(
        !quiet.stdout.contains("ok "),
        "--quiet lists only failures: {}",
        quiet.stdout
    );
    snapshot(
        "test",
        "`govc test --format junit`, a `--filter` that matches nothing, and `--quiet`",
        &[&junit, &nothing, &quiet],
    );
}

#[test]
fn quiet_and_verbose_change_what_build_says() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    let example = common::root().join("examples/ai-governance");
    let example = example.to_str().expect("utf-8");
    let normal = Run::new(t, &["build", example, "--out", "out"]).run(t);
    assert_eq!(normal.code, Some(0), "{}", normal.transcript);
    assert!(
        normal
            .stderr
            .contains("\nwrote out: 11 policies, 3 function modules, 39 tests, "),
        "{}",
        normal.stderr
    );
    let quiet = Run::new(t, &["build", "--quiet", example, "--out", "out"]).run(t);
    assert_eq!((quiet.code, quiet.stderr.as_str()), (Some(0), ""));
    let verbose = Run::new(t, &["build", "--verbose", example, "--out", "out"]).run(t);
    assert!(verbose.stderr.contains("  out/bundle.tar.gz\n"), "{}", verbose.stderr);
    assert!(verbose.stderr.lines().count() > 20, "{}", verbose.stderr);
    let both = Run::new(t, &["build", "-q", "-v", example]).run(t);
    assert_eq!(both.code, Some(2), "--quiet and --verbose conflict");
}

#[test]
fn colour_follows_the_environment() {
    let case = common::root().join("tests/diagnostics/E0201_unknown_field.gov");
    let case = case.to_str().expect("utf-8");
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    let coloured = |r: &Ran| r.stderr.contains('\u{1b}');
    // Not a terminal: no colour, unless forced; NO_COLOR wins over forcing.
    let plain = Run::new(t, &["check", case]).env("NO_COLOR", "").run(t);
    assert!(!coloured(&plain));
    let forced = Run::new(t, &["check", case])
        .env("NO_COLOR", "")
        .env("CLICOLOR_FORCE", "1")
        .run(t);
    assert!(coloured(&forced));
    let forced = Run::new(t, &["check", case])
        .env("NO_COLOR", "")
        .env("FORCE_COLOR", "1")
        .run(t);
    assert!(coloured(&forced));
    let no_color = Run::new(t, &["check", case])
        .env("NO_COLOR", "1")
        .env("CLICOLOR_FORCE", "1")
        .run(t);
    assert!(!coloured(&no_color));
}

#[test]
fn completions_come_from_the_command_definition() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = Run::new(t, &["completions", shell]).run(t);
        assert_eq!(r.code, Some(0), "{shell}: {}", r.stderr);
        for word in ["check", "build", "eval", "init", "repo-root", "format"] {
            assert!(r.stdout.contains(word), "{shell} completions lack {word}");
        }
    }
    // bash itself reads the bash script without a syntax error.
    let script = Run::new(t, &["completions", "bash"]).run(t).stdout;
    write(&t.join("govc.bash"), &script);
    let status = Command::new("bash")
        .arg("-n")
        .arg(t.join("govc.bash"))
        .status()
        .expect("bash runs");
    assert!(status.success(), "bash -n rejects the completion script");
    let unknown = Run::new(t, &["completions", "tcsh"]).run(t);
    assert_eq!(unknown.code, Some(2));
}

#[test]
fn the_graph_is_one_connected_picture() {
    let example = common::root().join("examples/ai-governance");
    let tmp = tempfile::tempdir().expect("tempdir");
    let r = Run::new(tmp.path(), &["graph", example.to_str().expect("utf-8")]).run(tmp.path());
    assert_eq!(r.code, Some(0), "{}", r.transcript);
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for line in r.stdout.lines().map(str::trim) {
        if let Some((a, b)) = line.split_once(" -> ") {
            let b = b.split([';', ' ']).next().unwrap_or_default();
            edges.push((a.to_string(), b.to_string()));
        } else if line.starts_with('n') && line.contains("[label=") {
            nodes.push(line.split(' ').next().unwrap_or_default().to_string());
        }
    }
    // Weakly connected: every node is reached from the first, ignoring directions.
    let mut reached = vec![nodes[0].clone()];
    let mut changed = true;
    while changed {
        changed = false;
        for (a, b) in &edges {
            for (x, y) in [(a, b), (b, a)] {
                if reached.contains(x) && !reached.contains(y) {
                    reached.push(y.clone());
                    changed = true;
                }
            }
        }
    }
    let missing: Vec<&String> = nodes.iter().filter(|n| !reached.contains(n)).collect();
    assert!(
        missing.is_empty(),
        "not connected to the rest: {missing:?}\n{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("label=\"enforce acme.enforcement #1 (ci, admission)\""),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("[style=dashed]"), "module → member edges are drawn");
}

#[test]
fn report_counts_in_english_and_flags_policies_only_tested_to_pass() {
    let tmp = project(
        "p.gov",
        r#"package r

import std.ai.{Dataset}

/// Personal data is encrypted.
policy encrypted {
  title    = "PII is encrypted"
  controls = ["GDPR Art. 32"]
  subject d: Dataset
  deny "dataset {d.name} is not encrypted" when {
    d.contains_pii
    not d.encryption.at_rest
  }
}

test "an encrypted dataset passes" {
  expect passes encrypted(Dataset { name: "x", contains_pii: true, encryption: { at_rest: true, in_transit: true }, sources: [] })
}

enforce encrypted {
  ci { files = ["datasets/*.yaml"] }
}
"#,
    );
    let t = tmp.path();
    let md = Run::new(t, &["report", "p"]).run(t);
    assert_eq!(md.code, Some(0), "{}", md.transcript);
    assert!(md.stdout.contains("1 control, 1 policy, 2 findings."), "{}", md.stdout);
    assert!(
        md.stdout
            .contains("policy r.encrypted has tests, but none expects a denial, a warning or a refusal"),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout.contains("| GDPR Art. 32 | `r.encrypted` | ⚠️ no |"),
        "{}",
        md.stdout
    );
    snapshot(
        "report",
        "`govc report`: a policy whose only test expects it to pass is not tested, and its control neither",
        &[&md],
    );
}

#[test]
fn eval_reads_the_cluster_objects_of_an_inventory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    std::fs::create_dir(t.join("p")).expect("writable");
    std::fs::write(
        t.join("p/hosts.gov"),
        "package shop\n\nimport std.k8s.{Ingress}\n\n\
         policy unique_host {\n  subject i: Ingress\n  inventory others: [Ingress]\n  \
         deny \"host {r.host} is taken\" when {\n    has i.spec.rules\n    some r in i.spec.rules\n    has r.host\n    \
         some o in others\n    o.metadata.name != i.metadata.name\n    has o.spec.rules\n    \
         any q in o.spec.rules: has q.host and q.host == r.host\n  }\n}\n",
    )
    .expect("writable");
    let ingress = |name: &str, namespace: &str| {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\n{namespace}spec:\n  rules:\n  - host: shop.example.com\n"
        )
    };
    std::fs::write(t.join("new.yaml"), ingress("canary", "  namespace: shop\n")).expect("writable");
    // YAML documents; the second has no namespace (in `default`, as the API server puts it).
    let cluster = format!(
        "{}---\n{}",
        ingress("shop", "  namespace: shop\n"),
        ingress("legacy", "")
    );
    std::fs::write(t.join("cluster.yaml"), cluster).expect("writable");
    std::fs::write(t.join("twice.yaml"), format!("{0}---\n{0}", ingress("shop", ""))).expect("writable");
    let eval = |args: &[&str]| {
        Run::new(
            t,
            &[
                &["eval", "p", "--policy", "shop.unique_host", "--input", "new.yaml"],
                args,
            ]
            .concat(),
        )
        .run(t)
    };
    let alone = eval(&[]);
    assert_eq!(alone.code, Some(0), "{}", alone.transcript);
    let taken = eval(&["--inventory", "cluster.yaml"]);
    assert_eq!(taken.code, Some(1), "{}", taken.transcript);
    assert!(
        taken.stdout.contains("host shop.example.com is taken"),
        "{}",
        taken.stdout
    );
    let twice = eval(&["--inventory", "twice.yaml"]);
    assert_eq!(twice.code, Some(2), "{}", twice.transcript);
    assert!(twice.stderr.contains("is given twice"), "{}", twice.stderr);
    snapshot(
        "eval_inventory",
        "`govc eval --inventory FILE`: the objects of the cluster an `inventory` member reads; none without it; an object given twice is a usage error",
        &[&alone, &taken, &twice],
    );
}
