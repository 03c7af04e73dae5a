//! Differential testing (issue 10), as Cedar tests against its formal model: random well-typed
//! `.gov` programs and random documents (well-formed, malformed, edge values), each program
//! compiled and every policy judged on regorus (govc's embedded engine) and on real OPA; the full
//! decisions (deny set, warn set, allow) must be equal, and no engine may fail to decide.
//!
//! Not part of `cargo test` (it takes minutes): `scripts/test.sh` runs a bounded run, a fixed seed
//! and number of programs:
//!
//! ```sh
//! cargo test --test differential -- --ignored --nocapture
//! ```
//!
//! Settings (environment): `GOVC_DIFF_SEED` (default 1), `GOVC_DIFF_PROGRAMS` (default 120),
//! `GOVC_DIFF_DOCS` (documents per program, default 12), `GOVC_DIFF_SECONDS` (stop after this
//! long, whatever the count), `GOVC_DIFF_OUT` (a directory where each divergence is written as a
//! reproducible project with its document). A long run, for instance:
//!
//! ```sh
//! GOVC_DIFF_SEED=7 GOVC_DIFF_PROGRAMS=100000 GOVC_DIFF_SECONDS=1800 \
//!     cargo test --release --test differential -- --ignored --nocapture
//! ```

mod common;

#[path = "differential/document.rs"]
mod document;
#[path = "differential/program.rs"]
mod program;
#[path = "differential/rng.rs"]
mod rng;

use common::engines::{opa, regorus, write_bundle, Query, Verdict};
use govc::runtime::engine::PolicyEngine;
use govc::source::SourceMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One generated program, compiled: its evaluations on regorus and the queries OPA still has to
/// answer.
struct Case {
    source: String,
    dir: tempfile::TempDir,
    queries: Vec<Query>,
    on_regorus: Vec<Verdict>,
}

/// Compiles a program in memory; its bundle, or the diagnostics (a generator bug).
fn compile(source: &str) -> Result<govc::backend::bundle::Bundle, String> {
    let mut sources = SourceMap::new();
    govc::driver::project::add_stdlib(&mut sources);
    sources.add("program.gov", None, source.to_string(), false);
    let analysis = govc::driver::project::analyze(sources);
    if analysis.has_errors() {
        return Err(govc::diagnostic::human::render(
            &analysis.diagnostics,
            &analysis.sources,
            false,
        ));
    }
    let ir = analysis.lower();
    govc::backend::bundle::build(&ir).map_err(|e| e.0)
}

fn write_divergence(out: &Path, index: usize, source: &str, query: &Query, regorus: &Verdict, opa: &Verdict) {
    let dir = out.join(format!("divergence-{index}"));
    std::fs::create_dir_all(&dir).expect("create the divergence directory");
    std::fs::write(dir.join("program.gov"), source).expect("write the program");
    std::fs::write(
        dir.join("document.json"),
        serde_json::to_string_pretty(&query.input).expect("JSON"),
    )
    .expect("write the document");
    std::fs::write(
        dir.join("README.txt"),
        format!(
            "policy {}\noverrides {}\nregorus: {regorus}\nOPA:     {opa}\n",
            query.policy,
            query.overrides.as_ref().map_or("none".to_string(), |o| o.to_string())
        ),
    )
    .expect("write the verdicts");
}

#[test]
#[ignore = "minutes long: scripts/test.sh runs a bounded run; see the module documentation"]
fn regorus_and_opa_decide_alike_on_random_programs() {
    let seed = setting("GOVC_DIFF_SEED", 1);
    let programs = setting("GOVC_DIFF_PROGRAMS", 120) as usize;
    let docs = setting("GOVC_DIFF_DOCS", 12) as usize;
    let budget = std::env::var("GOVC_DIFF_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_secs);
    let out_dir: Option<PathBuf> = std::env::var_os("GOVC_DIFF_OUT").map(PathBuf::from);
    let start = Instant::now();
    let mut rng = rng::Rng::new(seed);

    let (mut compiled, mut documents, mut decisions, mut divergences, mut failures) = (0, 0, 0, 0, 0);
    let mut invalid = Vec::new();
    let mut reports = Vec::new();
    // Programs go to OPA in batches, one Python process each.
    let batch_size = 20;
    let mut k = 0;
    while k < programs && budget.is_none_or(|b| start.elapsed() < b) {
        let mut batch: Vec<Case> = Vec::new();
        while batch.len() < batch_size && k < programs {
            let program = program::Gen::new(&mut rng).program(k);
            k += 1;
            let bundle = match compile(&program.source) {
                Ok(b) => b,
                Err(diagnostics) => {
                    invalid.push(format!("{}\n{diagnostics}", program.source));
                    continue;
                }
            };
            compiled += 1;
            let engine = PolicyEngine::load(&bundle, false).expect("regorus loads a compiled bundle");
            let dir = tempfile::tempdir().expect("tempdir");
            write_bundle(&bundle, dir.path());
            let mut queries = Vec::new();
            for _ in 0..docs {
                let input = document::document(&mut rng);
                documents += 1;
                for policy in &program.policies {
                    queries.push(Query {
                        policy: policy.package.clone(),
                        input: input.clone(),
                        overrides: document::overrides(&mut rng, policy),
                    });
                }
            }
            let on_regorus = queries.iter().map(|q| regorus(&engine, q)).collect();
            batch.push(Case {
                source: program.source,
                dir,
                queries,
                on_regorus,
            });
        }
        let requests: Vec<(PathBuf, Vec<Query>)> = batch
            .iter()
            .map(|c| (c.dir.path().to_path_buf(), c.queries.clone()))
            .collect();
        let on_opa = opa(&requests);
        for (case, opa_verdicts) in batch.iter().zip(on_opa) {
            for ((query, on_regorus), on_opa) in case.queries.iter().zip(&case.on_regorus).zip(opa_verdicts) {
                decisions += 1;
                let failed = matches!(on_regorus, Verdict::Failed(_)) || matches!(on_opa, Verdict::Failed(_));
                if *on_regorus == on_opa && !failed {
                    continue;
                }
                if failed {
                    failures += 1;
                } else {
                    divergences += 1;
                }
                if let Some(out) = &out_dir {
                    write_divergence(out, divergences + failures, &case.source, query, on_regorus, &on_opa);
                }
                if reports.len() < 5 {
                    reports.push(format!(
                        "policy {} on {}\noverrides {}\n  regorus: {on_regorus}\n  OPA:     {on_opa}\nprogram:\n{}",
                        query.policy,
                        query.input,
                        query.overrides.as_ref().map_or("none".to_string(), |o| o.to_string()),
                        case.source
                    ));
                }
            }
        }
    }
    eprintln!(
        "differential (seed {seed}): {compiled} programs, {documents} documents, {decisions} decisions compared \
         on regorus and OPA in {:.0?}: {divergences} divergences, {failures} evaluation failures, {} invalid programs",
        start.elapsed(),
        invalid.len()
    );
    assert!(
        invalid.is_empty(),
        "the generator wrote {} programs that do not compile; the first:\n{}",
        invalid.len(),
        invalid[0]
    );
    assert!(
        divergences == 0 && failures == 0,
        "{divergences} divergences and {failures} failures; the first:\n{}",
        reports.join("\n\n")
    );
}
