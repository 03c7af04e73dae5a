//! `govc audit` throughput: generates N OPA decision-log events (default 1,000,000) for the
//! example project's bundle as one JSON-lines file, then times what `govc audit ingest` does with
//! it (parse, tie to policy and revision, erase `@sensitive` fields, hash-chain, insert into
//! SQLite, commit), `govc audit verify` (re-hash every record) and `govc audit report` (JSON), and
//! prints the database's size. Generation is not timed. Besides the wall time, the CPU time
//! tells what a step costs when the machine is busy with other work: `cpu` is the process's (all
//! threads, `/proc/self/stat`), `main` the main thread's (`/proc/thread-self/schedstat`).
//! Ingestion runs on two threads, one parsing and hashing, the main one chaining and storing;
//! on an idle 2-core machine it takes about the longer of the two, `max(main, cpu - main)`,
//! which the last column turns into decisions per second.
//!
//! The events: 80% access decisions of `acme.access.model_access` as OPA logs them with the mask
//! rules applied (`client_ip` and `token` erased, listed in `erased`), 5% of them from an OPA that
//! did not mask (govc erases the fields), and 20% decisions of `acme.data.trusted_sources` on
//! dataset registrations; a quarter's worth of timestamps; a fifth denied.
//!
//! ```text
//! cargo bench --bench audit_ingest                # 1,000,000 decisions
//! cargo bench --bench audit_ingest -- 100000      # another size
//! ```

use govc::audit::store::Store;
use govc::audit::{chain, evidence, ingest};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sources = govc::driver::project::load(&root.join("examples/ai-governance")).expect("the example loads");
    let analysis = govc::driver::project::analyze(sources);
    let out = govc::driver::build::resolve_and_build(
        &analysis,
        &govc::driver::build::BuildOptions::for_project(&root.join("examples/ai-governance")),
    )
    .expect("the example builds");
    let entry = out.ledger[0].clone();
    let tmp = tempfile::tempdir().expect("temporary directory");
    let log = tmp.path().join("decisions.jsonl");
    let log_bytes = generate(&log, n, &entry.revision);
    let db = tmp.path().join("audit.db");

    println!(
        "decisions      {n:>10}   log file {:.1} MiB",
        log_bytes as f64 / 1048576.0
    );
    println!(
        "{:<14} {:>9} {:>9} {:>9} {:>12} {:>12} {:>16}",
        "step", "wall", "cpu", "main", "per wall s", "per cpu s", "per longest thread"
    );
    let mut store = Store::open_or_create(&db).expect("creates the database");
    let summary = timed(n, "ingest", || {
        ingest::ingest(&mut store, std::slice::from_ref(&entry), std::slice::from_ref(&log)).expect("ingests")
    });
    assert_eq!(summary.added, n as u64);
    let again = timed(n, "re-ingest", || {
        ingest::ingest(&mut store, &[], std::slice::from_ref(&log)).expect("ingests")
    });
    assert_eq!(again.added, 0, "every decision is already there");
    drop(store);
    let store = Store::open(&db).expect("opens");
    let v = timed(n, "verify", || chain::verify(&store).expect("verifies"));
    assert!(v.is_intact());
    let filter = evidence::Filter {
        limit: 50,
        ..evidence::Filter::default()
    };
    let json = timed(n, "report (json)", || {
        evidence::to_json(&evidence::build(&store, "ai-governance", &filter).expect("report"))
    });
    drop(store);
    let db_size = std::fs::metadata(&db).expect("the database").len();
    println!(
        "database       {:.1} MiB ({:.0} bytes/decision); report {} KiB",
        db_size as f64 / 1048576.0,
        db_size as f64 / n as f64,
        json.len() / 1024
    );
}

/// Runs `f`, printing its wall and CPU times and the decisions per second of each.
fn timed<T>(n: usize, step: &str, f: impl FnOnce() -> T) -> T {
    let (cpu, main) = (process_cpu_seconds(), main_thread_cpu_seconds());
    let start = Instant::now();
    let out = f();
    let wall = start.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds().zip(cpu).map(|(b, a)| b - a);
    let main = main_thread_cpu_seconds().zip(main).map(|(b, a)| b - a);
    let secs = |t: Option<f64>| t.map_or("?".to_string(), |t| format!("{t:.2}s"));
    let rate = |t: Option<f64>| t.map_or("?".to_string(), |t| format!("{:.0}", n as f64 / t));
    let longest = cpu.zip(main).map(|(c, m)| m.max(c - m));
    println!(
        "{step:<14} {:>8.2}s {:>9} {:>9} {:>12.0} {:>12} {:>16}",
        wall,
        secs(cpu),
        secs(main),
        n as f64 / wall,
        rate(cpu),
        rate(longest)
    );
    out
}

/// The CPU time of the main thread, in seconds (Linux, nanosecond resolution).
fn main_thread_cpu_seconds() -> Option<f64> {
    let ns: u64 = std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(ns as f64 / 1e9)
}

/// The CPU time of this process, all threads, in seconds (Linux; clock ticks of 10 ms).
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which may contain spaces) start after the last `)`.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

const USERS: [&str; 6] = [
    "ana.silva@acme.com",
    "tom.berg@acme.com",
    "dana.kim@acme.com",
    "lee.wong@acme.com",
    "sam.ortiz@acme.com",
    "kai.ito@acme.com",
];
const MODELS: [&str; 4] = [
    "churn-predictor",
    "credit-scoring",
    "fraud-detector",
    "support-summarizer",
];

/// Writes `n` events; returns the file's size.
fn generate(path: &Path, n: usize, revision: &str) -> u64 {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).expect("creates the log"));
    // 2026-07-01T00:00:00Z; one decision every ~7.8 s spreads a million over a quarter.
    let start_s: i64 = 1_782_864_000;
    let step_ms = (92 * 86_400_000 / n.max(1) as i64).max(1);
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..n {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let t = chrono::DateTime::from_timestamp_millis(start_s * 1000 + i as i64 * step_ms)
            .expect("a time")
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        // Random, as OPA's (UUID v4): the unique index takes them anywhere, not at its end.
        let id = uuid::Uuid::from_u64_pair(rng.rotate_left(32) ^ i as u64, rng);
        let user = USERS[(rng % 6) as usize];
        let model = MODELS[((rng >> 8) % 4) as usize];
        let denied = (rng >> 16) % 5 == 0;
        let line = if (rng >> 24) % 5 != 0 {
            let (roles, reason, deny) = if denied {
                ("[\"marketing\"]", "campaign planning", "[]")
            } else {
                ("[\"data-scientist\"]", "quarterly churn forecast for finance", "[]")
            };
            let unmasked = (rng >> 32) % 20 == 0;
            let secrets = if unmasked {
                ",\"client_ip\":\"10.20.30.40\",\"token\":\"tok-unmasked\""
            } else {
                ""
            };
            let erased = if unmasked {
                ""
            } else {
                "\"erased\":[\"/input/client_ip\",\"/input/token\"],"
            };
            format!(
                "{{\"labels\":{{\"id\":\"opa-7\",\"version\":\"1.4.2\"}},\"decision_id\":\"{id}\",\"bundles\":{{\"govc\":{{\"revision\":\"{revision}\"}}}},\
                 \"path\":\"acme/access/model_access/decision\",\"input\":{{\"user\":\"{user}\",\"roles\":{roles},\"model\":\"{model}\",\"action\":\"predict\",\"reason\":\"{reason}\"{secrets}}},\
                 \"result\":{{\"allow\":{},\"deny\":{deny},\"request\":{{\"user\":\"{user}\",\"roles\":{roles},\"model\":\"{model}\",\"action\":\"predict\",\"reason\":\"{reason}\"}}}},{erased}\
                 \"requested_by\":\"10.0.0.7:51234\",\"timestamp\":\"{t}\"}}\n",
                !denied
            )
        } else {
            let (source, deny) = if denied {
                (
                    "s3://random-bucket/x/",
                    format!("[\"dataset ds-{i} uses untrusted source s3://random-bucket/x/\"]"),
                )
            } else {
                ("s3://acme-datalake/raw/", "[]".to_string())
            };
            format!(
                "{{\"labels\":{{\"id\":\"opa-7\",\"version\":\"1.4.2\"}},\"decision_id\":\"{id}\",\"bundles\":{{\"govc\":{{\"revision\":\"{revision}\"}}}},\
                 \"path\":\"acme/data/trusted_sources/deny\",\"input\":{{\"apiVersion\":\"ai.acme.com/v1\",\"kind\":\"DatasetRegistration\",\"metadata\":{{\"name\":\"ds-{i}\"}},\
                 \"spec\":{{\"name\":\"ds-{i}\",\"contains_pii\":false,\"encryption\":{{\"at_rest\":true,\"in_transit\":true}},\"sources\":[\"{source}\"]}}}},\
                 \"result\":{deny},\"timestamp\":\"{t}\"}}\n"
            )
        };
        w.write_all(line.as_bytes()).expect("writes");
    }
    w.flush().expect("flushes");
    std::fs::metadata(path).expect("the log").len()
}
