//! One case per diagnostic code: every entry of `tests/diagnostics/` (a `.gov` file, or a directory
//! of them for codes that need several files) is named `<CODE>_<slug>` and must make the front end
//! report exactly that code, once. Each case is snapshot-tested as its source followed by what
//! `govc check` prints for it, in `tests/snapshots/diagnostics/<case>.snap`.

use govc::diagnostic::human;
use govc::driver::project;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics")
}

/// Every case, sorted by name.
fn cases() -> Vec<PathBuf> {
    let dir = cases_dir();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "gov"))
        .collect();
    cases.sort();
    cases
}

/// `E0201_unknown_field.gov` → `E0201_unknown_field`.
fn case_name(path: &Path) -> String {
    let name = path.file_name().expect("case has a name").to_string_lossy();
    name.strip_suffix(".gov").unwrap_or(&name).to_string()
}

/// What a person reads in the snapshot: each source file with line numbers, then the diagnostics
/// exactly as `govc check` renders them (without colour), what a build would reject included.
fn render_case(case: &Path) -> (String, Vec<String>) {
    let sources = project::load(case).unwrap_or_else(|e| panic!("cannot load {}: {e}", case.display()));
    let mut analysis = project::analyze(sources);
    govc::driver::build::check(&mut analysis, Some(case), None);
    let mut out = String::new();
    for (_, file) in analysis.sources.files().filter(|(_, f)| !f.is_stdlib) {
        writeln!(out, "── {} ──", file.name).unwrap();
        for (i, line) in file.text.lines().enumerate() {
            writeln!(out, "{}", format!("{:>3} │ {line}", i + 1).trim_end()).unwrap();
        }
        out.push('\n');
    }
    out.push_str("── govc check ──\n");
    out.push_str(&human::render(&analysis.diagnostics, &analysis.sources, false));
    out.push_str(&human::summary(&analysis.diagnostics));
    out.push('\n');
    let codes = analysis.diagnostics.iter().map(|d| d.code.id().to_string()).collect();
    (out, codes)
}

#[test]
fn every_case_reports_its_code_once_and_matches_its_snapshot() {
    let cases = cases();
    assert!(!cases.is_empty(), "no cases in {}", cases_dir().display());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case_name(case);
        let expected = name.split('_').next().unwrap_or_default().to_string();
        let (rendered, codes) = render_case(case);
        if codes != [expected.clone()] {
            failures.push(format!(
                "{name}: expected exactly [{expected}], got {codes:?}\n{rendered}"
            ));
        }
        let relative = case.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(case);
        let snapshot = std::panic::catch_unwind(|| {
            insta::with_settings!({
                snapshot_path => "snapshots/diagnostics",
                prepend_module_to_snapshot => false,
                description => format!("`govc check {}`: the source, then what govc prints", relative.display()),
                omit_expression => true,
                input_file => case,
            }, {
                insta::assert_snapshot!(name.as_str(), rendered);
            });
        });
        if snapshot.is_err() {
            failures.push(format!("{name}: snapshot differs (see the diff above)"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_error_code_has_a_case() {
    let covered: std::collections::BTreeSet<String> = cases()
        .iter()
        .map(|c| case_name(c).split('_').next().unwrap_or_default().to_string())
        .collect();
    // E0401-E0403 are about the project, not its code (no sources, unreadable file, too many
    // errors). E0303 cannot be written yet: a policy cannot name another policy in an expression
    // (that is E0222), so policies never form a cycle.
    let untestable = ["E0303", "E0401", "E0402", "E0403"];
    let missing: Vec<&str> = govc::diagnostic::Code::ALL
        .iter()
        .map(|c| c.id())
        .filter(|id| !covered.contains(*id) && !untestable.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a case in tests/diagnostics/: {missing:?}"
    );
}

/// `docs/diagnostics.md` is the code table of `src/diagnostic/code.rs`, one heading per code (the
/// SARIF rules' `helpUri` points at them). `GOVC_UPDATE_DOCS=1 cargo test --test diagnostics`
/// rewrites it.
#[test]
fn docs_list_every_code_with_its_help() {
    let mut expected = String::from(
        "# Diagnostics\n\n\
         Every problem govc reports has a stable code: `E` for errors (`govc check` exits 1), `W` for\n\
         warnings. A code never changes meaning. The same text is the `help` of each rule in\n\
         `govc check --format sarif`; `tests/diagnostics/` holds a case for each code source can produce.\n\
         This page is generated from `src/diagnostic/code.rs` (`GOVC_UPDATE_DOCS=1 cargo test --test diagnostics`).\n",
    );
    for code in govc::diagnostic::Code::ALL {
        let severity = if code.id().starts_with('W') { "warning" } else { "error" };
        writeln!(
            expected,
            "\n## {}\n\n**{}** ({severity})\n\n{}",
            code.id(),
            code.title(),
            code.help()
        )
        .unwrap();
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diagnostics.md");
    if std::env::var_os("GOVC_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).expect("docs/diagnostics.md is writable");
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/diagnostics.md is out of date: run `GOVC_UPDATE_DOCS=1 cargo test --test diagnostics`"
    );
}
