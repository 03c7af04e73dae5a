//! Continuous auditing (`govc audit`): decision logs in, tamper-evident evidence per control out.
//! The end-to-end run with the real OPA engine and Chromium is `tests/audit/e2e.py` (in
//! `scripts/test.sh`); these tests cover the same path on govc's own engine, and each failure mode.

mod common;

use govc::audit::ledger::{self, LedgerEntry};
use govc::audit::store::Store;
use govc::audit::{chain, decision_log, evidence, ingest};
use govc::driver::build::BuildOutput;
use govc::runtime::engine::PolicyEngine;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Values of the example's `@sensitive` fields (`client_ip`, `token` of `std.ai.AccessRequest`).
const SECRETS: [&str; 3] = ["10.66.77.88", "tok-7f3a9c-very-secret", "192.0.2.250"];

struct Fixture {
    out: BuildOutput,
    entry: LedgerEntry,
    tmp: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let out = common::build_project(&common::root().join("examples/ai-governance"));
        let entry = ledger::parse(&out.tree.files[ledger::OUTPUT_PATH])
            .expect("the build writes its ledger entry")
            .remove(0);
        Fixture {
            out,
            entry,
            tmp: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// The event `govc eval --decision-log` writes for a decision at `time`.
    fn event(&self, policy: &str, input: Value, time: &str) -> Value {
        let engine = PolicyEngine::load(&self.out.bundle, false).expect("loads");
        let p = self
            .out
            .ir
            .policies
            .iter()
            .find(|p| p.dotted() == policy)
            .expect("policy");
        let decision = engine.decide(&p.package, &input, None).expect("decides");
        decision_log::event(&engine, &self.out.bundle, p, &input, &decision, time).expect("event")
    }

    fn write_lines(&self, name: &str, events: &[Value]) -> PathBuf {
        let text: String = events.iter().map(|e| format!("{e}\n")).collect();
        let path = self.path(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    fn ingest(&self, db: &Path, logs: &[PathBuf]) -> ingest::Summary {
        let mut store = Store::open_or_create(db).expect("opens");
        ingest::ingest(&mut store, std::slice::from_ref(&self.entry), logs).expect("ingests")
    }
}

fn request(user: &str, roles: &[&str], action: &str, reason: Option<&str>, secret: usize) -> Value {
    let mut r = json!({
        "user": user, "roles": roles, "model": "churn-predictor", "action": action,
        "client_ip": SECRETS[secret % 3], "token": SECRETS[(secret + 1) % 3],
    });
    if let Some(reason) = reason {
        r["reason"] = json!(reason);
    }
    r
}

/// Access decisions over three days, and one model deployment judged.
fn sample_events(f: &Fixture) -> Vec<Value> {
    let deployment: Value = yaml_serde::from_str(
        &std::fs::read_to_string(common::root().join("examples/ai-governance/deploy/churn-predictor.yaml"))
            .expect("read"),
    )
    .expect("YAML");
    vec![
        f.event(
            "acme.access.model_access",
            request(
                "ana@acme.com",
                &["data-scientist"],
                "predict",
                Some("monthly churn report for finance"),
                0,
            ),
            "2026-07-01T09:00:00Z",
        ),
        f.event(
            "acme.access.model_access",
            request(
                "tom@acme.com",
                &["marketing"],
                "predict",
                Some("campaign targeting for spring"),
                1,
            ),
            "2026-07-01T10:30:00Z",
        ),
        f.event(
            "acme.access.model_access",
            request("ana@acme.com", &["data-scientist"], "export_weights", None, 2),
            "2026-07-02T08:15:00.250Z",
        ),
        f.event(
            "acme.access.model_access",
            request(
                "lee@acme.com",
                &["ml-platform-admin"],
                "export_weights",
                Some("disaster recovery copy of weights"),
                0,
            ),
            "2026-07-03T17:45:00Z",
        ),
        f.event("acme.models.bias_tested", deployment, "2026-07-03T18:00:00Z"),
    ]
}

fn db_rows(db: &Path, sql: &str) -> Vec<Vec<String>> {
    let conn = rusqlite::Connection::open(db).expect("opens");
    let mut stmt = conn.prepare(sql).expect("prepares");
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        Ok((0..n)
            .map(|i| match r.get_ref(i).expect("column") {
                rusqlite::types::ValueRef::Null => "NULL".to_string(),
                rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                other => format!("{other:?}"),
            })
            .collect())
    })
    .expect("queries")
    .collect::<Result<_, _>>()
    .expect("rows")
}

#[test]
fn the_build_ledger_records_each_policy_its_controls_and_source_hashes() {
    let f = Fixture::new();
    let manifest: Value = serde_json::from_slice(&f.out.bundle.files[".manifest"]).expect("manifest");
    assert_eq!(f.entry.revision, manifest["revision"].as_str().expect("revision"));
    assert_eq!(f.entry.bundle, "govc");
    assert_eq!(f.entry.policies.len(), f.out.ir.policies.len());
    let access = f
        .entry
        .policies
        .iter()
        .find(|p| p.policy == "acme.access.model_access")
        .expect("model_access");
    assert!(access.access);
    assert_eq!(access.path, "acme/access/model_access");
    assert_eq!(access.source.file, "governance/access.gov");
    assert_eq!(access.sensitive, ["/input/client_ip", "/input/token"]);
    assert_eq!(access.request_fields, ["user", "roles", "model", "action", "reason"]);
    let text =
        std::fs::read_to_string(common::root().join("examples/ai-governance/governance/access.gov")).expect("read");
    assert_eq!(access.source.file_sha256, govc_sha256(text.as_bytes()));
    // The declaration, with its doc comment.
    let start = text.find("/// Models are used").expect("doc comment");
    let decl = &text[start..text.rfind('}').expect("end") + 1];
    assert_eq!(access.source.declaration_sha256, govc_sha256(decl.as_bytes()));
    assert_eq!(
        access.rego_sha256,
        govc_sha256(&f.out.bundle.files["acme/access/model_access.rego"])
    );
    // The same build writes the same entry: the output stays reproducible.
    let again = common::build_project(&common::root().join("examples/ai-governance"));
    assert_eq!(
        again.tree.files[ledger::OUTPUT_PATH],
        f.out.tree.files[ledger::OUTPUT_PATH]
    );
}

fn govc_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn govc_build_appends_each_revision_once_to_the_project_ledger() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("p");
    std::fs::create_dir(&project).expect("mkdir");
    std::fs::write(
        project.join("p.gov"),
        "package p\nimport std.ai.{AccessRequest}\npolicy a {\n  controls = [\"SOC 2 CC6.1\"]\n  subject r: AccessRequest\n  allow when has r.reason\n}\n",
    )
    .expect("write");
    let build = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_govc"))
            .arg("build")
            .arg(&project)
            .args(extra)
            .output()
            .expect("runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    build(&[]);
    build(&[]);
    let entries = ledger::read(&ledger::ledger_path(&project)).expect("a ledger");
    // One line per revision (this project has no tests, so its tarball and directory bundles
    // hold the same files and have one revision).
    assert_eq!(entries.len(), 1, "one line per revision");
    std::fs::write(
        project.join("p.gov"),
        "package p\nimport std.ai.{AccessRequest}\npolicy a {\n  controls = [\"SOC 2 CC6.1\", \"SOC 2 CC6.3\"]\n  subject r: AccessRequest\n  allow when has r.reason\n}\n",
    )
    .expect("write");
    build(&[]);
    let entries = ledger::read(&ledger::ledger_path(&project)).expect("a ledger");
    assert_eq!(entries.len(), 2);
    assert_ne!(entries[0].revision, entries[1].revision);
    assert_eq!(entries[1].policies[0].controls, ["SOC 2 CC6.1", "SOC 2 CC6.3"]);
    let text = std::fs::read(project.join("dist/audit/ledger.json")).expect("read");
    let written = ledger::parse(&text).expect("JSON");
    assert_eq!(written, entries[1..]);
    // One JSON document (found by the `pipeline` fuzz target: two objects one after another were
    // not JSON), and the objects one after another that earlier releases wrote still read.
    serde_json::from_slice::<serde_json::Value>(&text).expect("ledger.json is one JSON document");
    let two = ledger::entries_text(&[written[0].clone(), written[0].clone()]);
    serde_json::from_str::<serde_json::Value>(&two).expect("a project with tests: one JSON document");
    assert_eq!(ledger::parse(two.as_bytes()).expect("two entries").len(), 2);
    let legacy: String = written
        .iter()
        .map(|e| serde_json::to_string_pretty(e).expect("JSON") + "\n")
        .collect();
    assert_eq!(ledger::parse(legacy.as_bytes()).expect("legacy"), written);
    std::fs::write(project.join("p.gov"), "package p\n").expect("write");
    build(&["--no-ledger"]);
    assert_eq!(ledger::read(&ledger::ledger_path(&project)).expect("a ledger").len(), 2);
}

#[test]
fn eval_appends_opa_events_with_the_mask_rules_applied() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("request.json");
    std::fs::write(
        &input,
        request(
            "ana@acme.com",
            &["data-scientist"],
            "predict",
            Some("monthly churn report for finance"),
            0,
        )
        .to_string(),
    )
    .expect("write");
    let log = tmp.path().join("decisions.jsonl");
    for _ in 0..2 {
        let out = Command::new(env!("CARGO_BIN_EXE_govc"))
            .args([
                "eval",
                "examples/ai-governance",
                "--policy",
                "acme.access.model_access",
                "--input",
            ])
            .arg(&input)
            .arg("--decision-log")
            .arg(&log)
            .current_dir(common::root())
            .output()
            .expect("runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let text = std::fs::read_to_string(&log).expect("a log");
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(events.len(), 2, "each run appends one event");
    let e = &events[0];
    let keys: Vec<&str> = e.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "labels",
            "decision_id",
            "bundles",
            "path",
            "input",
            "result",
            "erased",
            "timestamp"
        ],
        "OPA's EventV1 fields, in its order"
    );
    assert_eq!(e["path"], "acme/access/model_access");
    assert_eq!(e["result"]["allow"], true);
    assert_eq!(e["erased"], json!(["/input/client_ip", "/input/token"]));
    assert!(e["input"].get("client_ip").is_none() && e["input"]["user"] == "ana@acme.com");
    assert_ne!(events[0]["decision_id"], events[1]["decision_id"]);
    assert!(chrono_like(e["timestamp"].as_str().expect("timestamp")));
    for s in SECRETS {
        assert!(!text.contains(s), "{s} was logged");
    }
}

fn chrono_like(t: &str) -> bool {
    ingest::parse_time(t).is_ok() && t.ends_with('Z')
}

#[test]
fn ingest_ties_decisions_to_policies_and_revisions_and_is_idempotent() {
    let f = Fixture::new();
    let log = f.write_lines("decisions.jsonl", &sample_events(&f));
    let db = f.path("audit.db");
    let first = f.ingest(&db, std::slice::from_ref(&log));
    assert_eq!((first.read, first.added, first.duplicates), (5, 5, 0));
    assert_eq!(first.new_revisions, 1);
    assert_eq!(first.erased_here, 0, "govc eval's events were already masked");
    let second = f.ingest(&db, std::slice::from_ref(&log));
    assert_eq!((second.read, second.added, second.duplicates), (5, 0, 5));
    assert_eq!(second.new_revisions, 0);
    assert_eq!((second.records, &second.head), (first.records, &first.head));
    let rows = db_rows(
        &db,
        "SELECT seq, policy, revision, outcome, allowed, deny FROM records ORDER BY seq",
    );
    let outcomes: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r[1].as_str(), r[3].as_str(), r[4].as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("acme.access.model_access", "allowed", "1"),
            ("acme.access.model_access", "denied", "0"),
            ("acme.access.model_access", "denied", "0"),
            ("acme.access.model_access", "allowed", "1"),
            ("acme.models.bias_tested", "denied", "0"),
        ]
    );
    assert!(rows.iter().all(|r| r[2] == f.entry.revision));
    assert!(rows[2][5].contains("must state a reason"), "{}", rows[2][5]);
    let ingests = db_rows(&db, "SELECT events, added, duplicates FROM ingests ORDER BY id");
    assert_eq!(ingests, [["5", "5", "0"], ["5", "0", "5"]]);
    assert!(chain::verify(&Store::open(&db).expect("opens"))
        .expect("verifies")
        .is_intact());
}

#[test]
fn the_uploader_format_and_console_lines_are_read_like_json_lines() {
    let f = Fixture::new();
    let events = sample_events(&f);
    // The HTTP uploader: a gzip'd JSON array.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, serde_json::to_string(&events[..3]).expect("JSON").as_bytes()).expect("gzip");
    let upload = f.path("upload.json.gz");
    std::fs::write(&upload, gz.finish().expect("gzip")).expect("write");
    // The console logger: each event with logrus's fields, among OPA's other lines.
    let mut console =
        String::from("{\"level\":\"info\",\"msg\":\"Initializing server.\",\"time\":\"2026-07-01T08:00:00Z\"}\n");
    for e in &events[2..] {
        let mut line = e.clone();
        line["level"] = json!("info");
        line["msg"] = json!("Decision Log");
        line["time"] = e["timestamp"].clone();
        line["type"] = json!("openpolicyagent.org/decision_logs");
        console.push_str(&format!("{line}\n"));
    }
    let console_log = f.path("opa.log");
    std::fs::write(&console_log, console).expect("write");
    let s = f.ingest(&f.path("audit.db"), &[upload, console_log]);
    assert_eq!((s.files, s.read, s.added, s.duplicates, s.skipped), (2, 6, 5, 1, 1));
}

#[test]
fn sensitive_fields_never_reach_the_database_or_the_reports() {
    let f = Fixture::new();
    let mut events = sample_events(&f);
    // An OPA whose decision logger was not given the mask rules logs the secrets as they came.
    for (i, e) in events.iter_mut().enumerate().take(4) {
        e["input"]["client_ip"] = json!(SECRETS[i % 3]);
        e["input"]["token"] = json!(SECRETS[(i + 1) % 3]);
        e.as_object_mut().expect("object").remove("erased");
        e["decision_id"] = json!(format!("unmasked-{i}"));
    }
    let log = f.write_lines("unmasked.jsonl", &events);
    let masked = f.write_lines("masked.jsonl", &sample_events(&f));
    let db = f.path("audit.db");
    let s = f.ingest(&db, &[log, masked]);
    assert_eq!(s.erased_here, 4, "govc erased what OPA left");
    let store = Store::open(&db).expect("opens");
    let report = evidence::build(
        &store,
        "ai-governance",
        &evidence::Filter {
            limit: 0,
            ..evidence::Filter::default()
        },
    )
    .expect("report");
    drop(store);
    let bytes = std::fs::read(&db).expect("the database file");
    let outputs = [
        String::from_utf8_lossy(&bytes).into_owned(),
        evidence::markdown::render(&report),
        evidence::html::render(&report),
        evidence::to_json(&report),
    ];
    for (what, text) in ["database", "markdown", "html", "json"].iter().zip(&outputs) {
        for secret in SECRETS {
            assert!(!text.contains(secret), "`{secret}` is in the {what}");
        }
    }
    let erased = db_rows(
        &db,
        "SELECT DISTINCT erased FROM records WHERE policy = 'acme.access.model_access'",
    );
    assert_eq!(erased, [["[\"/input/client_ip\",\"/input/token\"]"]]);
    let access = &report.access[0];
    assert_eq!(access.erased, ["/input/client_ip", "/input/token"]);
    assert_eq!(access.fields, ["user", "roles", "model", "action", "reason"]);
    assert_eq!(access.decisions.len(), 8);
}

/// A database of `n` access decisions, chained.
fn chained_db(f: &Fixture, n: usize) -> PathBuf {
    let events: Vec<Value> = (0..n)
        .map(|i| {
            f.event(
                "acme.access.model_access",
                request(
                    &format!("user{i}@acme.com"),
                    &["data-scientist"],
                    "predict",
                    Some("weekly churn numbers for sales"),
                    i,
                ),
                &format!("2026-07-01T10:{:02}:00Z", i % 60),
            )
        })
        .collect();
    let db = f.path("chain.db");
    f.ingest(&db, &[f.write_lines("chain.jsonl", &events)]);
    db
}

fn problems_after(db: &Path, tamper: &str) -> Vec<String> {
    let copy = db.with_extension(format!("{}.db", govc_sha256(tamper.as_bytes())));
    std::fs::copy(db, &copy).expect("copy");
    rusqlite::Connection::open(&copy)
        .expect("opens")
        .execute_batch(tamper)
        .expect("tampers");
    chain::verify(&Store::open(&copy).expect("opens"))
        .expect("verifies")
        .problems
}

fn decision_at(db: &Path, seq: usize) -> String {
    db_rows(db, &format!("SELECT decision_id FROM records WHERE seq = {seq}"))[0][0].clone()
}

#[test]
fn verify_names_the_edited_removed_and_reordered_record() {
    let f = Fixture::new();
    let db = chained_db(&f, 8);
    assert!(chain::verify(&Store::open(&db).expect("opens"))
        .expect("verifies")
        .is_intact());
    let (d3, d4, d5, d8) = (
        decision_at(&db, 3),
        decision_at(&db, 4),
        decision_at(&db, 5),
        decision_at(&db, 8),
    );

    let edited = problems_after(&db, "UPDATE records SET outcome = 'denied', allowed = 0 WHERE seq = 5");
    assert_eq!(
        edited,
        [format!(
            "record 5 (decision `{d5}`) was edited: its content no longer matches its hash"
        )]
    );

    // Editing the input and recomputing nothing else is an edit too, whatever the column.
    let edited = problems_after(
        &db,
        "UPDATE records SET input = replace(input, 'weekly', 'daily') WHERE seq = 3",
    );
    assert_eq!(edited.len(), 1);
    assert!(
        edited[0].starts_with(&format!("record 3 (decision `{d3}`) was edited")),
        "{edited:?}"
    );

    let removed = problems_after(&db, "DELETE FROM records WHERE seq = 4");
    assert_eq!(
        removed,
        [format!(
            "record 4 was removed: the chain jumps to record 5 (decision `{d5}`)"
        )]
    );

    // Removing a record and renumbering the rest still breaks the link.
    let renumbered = problems_after(
        &db,
        "DELETE FROM records WHERE seq = 4; UPDATE records SET seq = seq - 1 WHERE seq > 4;",
    );
    assert_eq!(renumbered.len(), 1, "{renumbered:?}");
    assert!(renumbered[0].contains(&format!(
        "record 4 (decision `{d5}`) was chained after a record that is no longer"
    )));

    let swap = "UPDATE records SET seq = -1 WHERE seq = 3; UPDATE records SET seq = 3 WHERE seq = 4; \
                UPDATE records SET seq = 4 WHERE seq = -1;";
    let reordered = problems_after(&db, swap);
    assert_eq!(
        reordered,
        [
            format!("record 3 (decision `{d4}`) is out of order: it was chained after record 4 (decision `{d3}`)"),
            format!(
                "record 4 (decision `{d3}`) is out of order: it was chained after record 2 (decision `{}`)",
                decision_at(&db, 2)
            ),
        ]
    );

    let truncated = problems_after(&db, "DELETE FROM records WHERE seq = 8");
    assert_eq!(truncated.len(), 1);
    assert!(
        truncated[0].contains("records were removed from the end"),
        "{truncated:?}"
    );
    assert!(!truncated[0].contains(&d8));
}

#[test]
fn verify_exits_1_naming_the_record_and_0_when_intact() {
    let f = Fixture::new();
    let db = chained_db(&f, 4);
    let verify = |db: &Path| {
        Command::new(env!("CARGO_BIN_EXE_govc"))
            .args(["audit", "verify", "--db"])
            .arg(db)
            .output()
            .expect("runs")
    };
    let ok = verify(&db);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(stdout.contains("4 records, chain intact"), "{stdout}");
    rusqlite::Connection::open(&db)
        .expect("opens")
        .execute(
            "UPDATE records SET timestamp = '2026-06-30T00:00:00Z' WHERE seq = 2",
            [],
        )
        .expect("tampers");
    let bad = verify(&db);
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains(&format!("record 2 (decision `{}`) was edited", decision_at(&db, 2))),
        "{stderr}"
    );
    let missing = verify(&f.path("nothing-here.db"));
    assert_eq!(missing.status.code(), Some(2));
    let not_ours = f.path("other.db");
    rusqlite::Connection::open(&not_ours)
        .expect("creates")
        .execute_batch("CREATE TABLE t (x)")
        .expect("a table");
    let other = verify(&not_ours);
    assert_eq!(other.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&other.stderr).contains("is not a govc audit database"));
}

#[test]
fn gatekeeper_audit_results_are_evidence_for_the_admission_policies() {
    let f = Fixture::new();
    let list = json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {
                "apiVersion": "constraints.gatekeeper.sh/v1beta1",
                "kind": "BiasTested",
                "metadata": {"name": "bias-tested", "annotations": {"govc.dev/policy": "acme.models.bias_tested"}},
                "spec": {"enforcementAction": "deny"},
                "status": {
                    "auditTimestamp": "2026-07-02T00:00:00Z",
                    "totalViolations": 3,
                    "violations": [
                        {"enforcementAction": "deny", "group": "ai.acme.com", "version": "v1", "kind": "ModelDeployment",
                         "namespace": "ml-prod", "name": "churn-predictor",
                         "message": "model churn-predictor fails bias test demographic_parity_difference"},
                        {"enforcementAction": "deny", "group": "ai.acme.com", "version": "v1", "kind": "ModelDeployment",
                         "namespace": "ml-prod", "name": "credit-scoring",
                         "message": "model credit-scoring fails bias test demographic_parity_difference"}
                    ]
                }
            },
            {
                "apiVersion": "constraints.gatekeeper.sh/v1beta1",
                "kind": "RetentionLimit",
                "metadata": {"name": "retention-limit", "annotations": {"govc.dev/policy": "acme.data.retention_limit"}},
                "status": {"auditTimestamp": "2026-07-02T00:00:00Z", "totalViolations": 0}
            }
        ]
    });
    let file = f.path("constraints.json");
    std::fs::write(&file, serde_json::to_string_pretty(&list).expect("JSON")).expect("write");
    let db = f.path("audit.db");
    let s = f.ingest(&db, std::slice::from_ref(&file));
    assert_eq!((s.read, s.added), (3, 3));
    assert_eq!(s.notes.len(), 1, "the violation cap is noted: {:?}", s.notes);
    assert_eq!(f.ingest(&db, &[file]).added, 0, "the same audit is recorded once");
    let report = evidence::build(&Store::open(&db).expect("opens"), "x", &evidence::Filter::default()).expect("report");
    let control = |name: &str| {
        report
            .controls
            .iter()
            .find(|c| c.control == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let bias = control("EU AI Act Art. 15");
    assert_eq!(
        (bias.counts.decisions, bias.counts.denied, bias.from_gatekeeper),
        (2, 2, 2)
    );
    assert_eq!(bias.top_reasons.len(), 2);
    let retention = control("GDPR Art. 5(1)(e)");
    assert_eq!((retention.counts.decisions, retention.counts.passed), (1, 1));
}

#[test]
fn the_report_filters_by_period_and_control() {
    let f = Fixture::new();
    let db = f.path("audit.db");
    f.ingest(&db, &[f.write_lines("decisions.jsonl", &sample_events(&f))]);
    let store = Store::open(&db).expect("opens");
    let filter = evidence::Filter {
        since_ms: Some(evidence::parse_bound("2026-07-02", false).expect("date")),
        until_ms: Some(evidence::parse_bound("2026-07-03T17:59:59Z", true).expect("time")),
        controls: vec!["iso/iec 27001".into()],
        limit: 1,
    };
    let report = evidence::build(&store, "x", &filter).expect("report");
    assert_eq!(report.controls.len(), 1);
    assert_eq!(report.controls[0].control, "ISO/IEC 27001:2022 A.5.15");
    assert_eq!(
        report.totals.decisions, 2,
        "the 2nd and the 3rd day, before the deployment"
    );
    assert_eq!((report.totals.allowed, report.totals.denied), (1, 1));
    assert_eq!(report.access[0].decisions.len(), 1, "--limit 1");
    assert_eq!(report.access[0].decisions[0].timestamp, "2026-07-03T17:45:00Z");
    assert_eq!(report.timeline.points.len(), 2);
    let none = evidence::build(
        &store,
        "x",
        &evidence::Filter {
            controls: vec!["SOC 2".into()],
            ..evidence::Filter::default()
        },
    );
    assert!(matches!(none, Err(evidence::ReportError::NoMatchingControl(_))));
    assert!(evidence::parse_bound("July", false).is_err());
}

/// Hashes change with every change of the example or of code generation: the snapshots show
/// them as placeholders.
fn redact_hashes(text: &str) -> String {
    regex::Regex::new("[0-9a-f]{64}|`[0-9a-f]{12}`|\"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\"")
        .expect("regex")
        .replace_all(text, "[hash]")
        .into_owned()
}

#[test]
fn the_report_in_markdown_and_json() {
    let f = Fixture::new();
    let db = f.path("audit.db");
    let mut events = sample_events(&f);
    for (i, e) in events.iter_mut().enumerate() {
        e["decision_id"] = json!(format!("decision-{i}"));
        e["labels"] = json!({"id": "opa-1", "version": "1.4.2"});
    }
    f.ingest(&db, &[f.write_lines("decisions.jsonl", &events)]);
    let report = evidence::build(
        &Store::open(&db).expect("opens"),
        "ai-governance",
        &evidence::Filter {
            controls: vec!["GDPR Art. 5(1)(b)".into(), "EU AI Act Art. 15".into()],
            limit: 50,
            ..evidence::Filter::default()
        },
    )
    .expect("report");
    insta::with_settings!({snapshot_path => "snapshots/audit", prepend_module_to_snapshot => false, omit_expression => true}, {
        insta::assert_snapshot!("evidence_md", redact_hashes(&evidence::markdown::render(&report)));
        insta::assert_snapshot!("evidence_json", redact_hashes(&evidence::to_json(&report)));
    });
}

#[test]
fn govc_report_gains_an_evidence_column_with_a_database() {
    let f = Fixture::new();
    let db = f.path("audit.db");
    f.ingest(&db, &[f.write_lines("decisions.jsonl", &sample_events(&f))]);
    let run = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_govc"))
            .args(["report", "examples/ai-governance"])
            .args(extra)
            .current_dir(common::root())
            .output()
            .expect("runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let db_arg = db.to_string_lossy().to_string();
    let json: Value = serde_json::from_str(&run(&["--format", "json", "--db", &db_arg])).expect("JSON");
    let control = json["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .find(|c| c["control"] == "ISO/IEC 42001 A.9.2")
        .expect("control");
    assert_eq!(control["evidence"]["decisions"], 4);
    assert_eq!(control["evidence"]["denied"], 2);
    let md = run(&["--db", &db_arg]);
    assert!(md.contains("| Control | Policies | Tested | Evidence |"), "{md}");
    assert!(md.contains("4 decisions, 2 denied, last 2026-07-03T17:45:00Z"), "{md}");
    assert!(md.contains("⚠️ none"), "controls without decisions are flagged: {md}");
    // Without a database, the report is as it was.
    let plain: Value = serde_json::from_str(&run(&["--format", "json"])).expect("JSON");
    assert!(plain["controls"][0].get("evidence").is_none());
}

#[test]
fn ingest_errors_name_the_file_and_line_and_store_nothing() {
    let f = Fixture::new();
    let good = f.write_lines("good.jsonl", &sample_events(&f));
    let bad = f.path("bad.jsonl");
    std::fs::write(&bad, "{\"decision_id\":\"x\",\"path\":\"acme/access/model_access\",\"timestamp\":\"2026-07-01T00:00:00Z\"}\n{\"decision_id\":\"y\",\"timestamp\":\"yesterday\",\"path\":\"a\"}\n").expect("write");
    let db = f.path("audit.db");
    let out = Command::new(env!("CARGO_BIN_EXE_govc"))
        .args(["audit", "ingest", "examples/ai-governance", "--db"])
        .arg(&db)
        .arg("--logs")
        .arg(&good)
        .arg(&bad)
        .current_dir(common::root())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.jsonl`: line 2: invalid timestamp `yesterday`"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was stored"), "{stderr}");
    assert_eq!(db_rows(&db, "SELECT count(*) FROM records"), [["0"]]);
    let missing = Command::new(env!("CARGO_BIN_EXE_govc"))
        .args([
            "audit",
            "ingest",
            "examples/ai-governance",
            "--logs",
            "no/such/file.jsonl",
            "--db",
        ])
        .arg(&db)
        .current_dir(common::root())
        .output()
        .expect("runs");
    assert_eq!(missing.status.code(), Some(2));
}
