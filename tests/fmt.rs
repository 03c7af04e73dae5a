//! `govc fmt`, shown by what it does to files: every `tests/fmt/*.gov` input is formatted and the
//! result snapshot-tested (`tests/snapshots/fmt/`). Properties are checked over every `.gov` file
//! of the repository that parses: formatting is idempotent and keeps the syntax tree (the
//! formatter checks the tree itself; the test checks it independently), and `examples/` and
//! `stdlib/` are already formatted. The command line is tested for `--check`, writing, broken
//! files and `.govfmtignore`.

mod common;

use govc::fmt::{format_text, shape, FormatError};
use govc::span::FileId;
use govc::syntax::parse_file;
use std::path::{Path, PathBuf};
use std::process::Command;

const GOVC: &str = env!("CARGO_BIN_EXE_govc");

#[test]
fn formatted_fixtures() {
    insta::glob!("fmt/*.gov", |path| {
        let text = std::fs::read_to_string(path).expect("fixture is UTF-8");
        let formatted = format_text(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        insta::with_settings!({
            snapshot_path => "snapshots/fmt",
            prepend_module_to_snapshot => false,
            description => "the fixture after `govc fmt`",
            omit_expression => true,
        }, {
            insta::assert_snapshot!("formatted", formatted);
        });
    });
}

fn repository_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    ["examples", "stdlib", "tests"]
        .iter()
        .flat_map(|d| common::gov_files(&root.join(d)))
        .collect()
}

#[test]
fn formatting_is_idempotent_and_keeps_the_syntax_tree() {
    // On the compiler's stack, as `govc fmt` runs: some files nest to the limit.
    govc::limits::on_stack(formatting_is_idempotent_on_every_file);
}

fn formatting_is_idempotent_on_every_file() {
    let mut checked = 0;
    for path in repository_files() {
        let text = std::fs::read_to_string(&path).expect("UTF-8 source");
        let (original, diags) = parse_file(FileId(0), &text);
        if !diags.is_empty() {
            // Deliberately broken inputs (tests/diagnostics, tests/syntax/recovery.gov).
            assert!(
                matches!(format_text(&text), Err(FormatError::Syntax(_))),
                "{}",
                path.display()
            );
            continue;
        }
        let once = format_text(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (reparsed, diags) = parse_file(FileId(0), &once);
        assert!(
            diags.is_empty(),
            "{}: the formatted file does not parse",
            path.display()
        );
        assert_eq!(
            shape(&reparsed),
            shape(&original),
            "{}: the syntax tree changed",
            path.display()
        );
        let twice = format_text(&once).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(twice, once, "{}: formatting is not idempotent", path.display());
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} files were checked");
}

#[test]
fn examples_and_stdlib_are_formatted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Every `.gov` file of the repository that .govfmtignore does not list.
    for path in ["examples", "stdlib", "editors/testdata"]
        .iter()
        .flat_map(|d| common::gov_files(&root.join(d)))
    {
        let text = std::fs::read_to_string(&path).expect("UTF-8 source");
        let formatted = format_text(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            formatted == text,
            "{} is not formatted; run `govc fmt {}`",
            path.display(),
            path.display()
        );
    }
}

#[test]
fn comments_are_never_lost() {
    let text = "package a\n\nfn f(x: int) -> bool = x > 1 and // why\n  x < 3\n\n// end\n";
    let formatted = format_text(text).expect("formats");
    assert!(
        formatted.contains("// why") && formatted.contains("// end"),
        "{formatted}"
    );
}

#[test]
fn a_file_with_syntax_errors_is_refused() {
    match format_text("package a\n\ntype T { name string }\n") {
        Err(FormatError::Syntax(diags)) => assert_eq!(diags[0].code.id(), "E0001"),
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

// ---------------------------------------------------------------- the command line

fn govc(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(GOVC)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("govc runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const UNFORMATTED: &str = "package a\ntype T {  name: string }\n";
const FORMATTED: &str = "package a\n\ntype T {\n  name: string\n}\n";

#[test]
fn check_lists_unformatted_files_and_exits_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("a.gov"), UNFORMATTED).expect("write");
    std::fs::write(dir.path().join("b.gov"), FORMATTED).expect("write");
    let (code, stdout, stderr) = govc(&["fmt", "--check"], dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "./a.gov\n");
    assert!(stderr.contains("1 of 2 files needs formatting"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.gov")).expect("read"),
        UNFORMATTED
    );
}

#[test]
fn fmt_writes_files_and_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("a.gov"), UNFORMATTED).expect("write");
    let (code, stdout, _) = govc(&["fmt", "."], dir.path());
    assert_eq!(code, 0);
    assert_eq!(stdout, "formatted ./a.gov\n");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.gov")).expect("read"),
        FORMATTED
    );
    let (code, stdout, _) = govc(&["fmt", "--check", "."], dir.path());
    assert_eq!((code, stdout.as_str()), (0, ""));
}

#[test]
fn a_broken_file_is_reported_and_left_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = "package a\n\ntype T { name string }\n";
    std::fs::write(dir.path().join("broken.gov"), broken).expect("write");
    let (code, _, stderr) = govc(&["fmt", "broken.gov"], dir.path());
    assert_eq!(code, 1);
    assert!(
        stderr.contains("E0001") && stderr.contains("fix its syntax errors first"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("broken.gov")).expect("read"),
        broken
    );
}

#[test]
fn govfmtignore_skips_listed_paths() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("fixtures/broken")).expect("mkdir");
    std::fs::write(dir.path().join("fixtures/broken/x.gov"), "package a\ntype {").expect("write");
    std::fs::write(dir.path().join("a.gov"), FORMATTED).expect("write");
    std::fs::write(
        dir.path().join(".govfmtignore"),
        "# inputs kept as written\nfixtures/broken/\n",
    )
    .expect("write");
    let (code, stdout, stderr) = govc(&["fmt", "--check", "."], dir.path());
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
}

/// `govc fmt DIR` formats the files the compiler reads from DIR, symbolic links included (one
/// walker for both): a linked shared folder and a linked file are listed, each file once.
#[cfg(unix)]
#[test]
fn fmt_formats_the_files_the_project_loader_reads_through_symbolic_links() {
    let dir = tempfile::tempdir().expect("temp dir");
    let shared = dir.path().join("shared");
    let project = dir.path().join("project");
    std::fs::create_dir_all(&shared).expect("mkdir");
    std::fs::create_dir_all(&project).expect("mkdir");
    std::fs::write(shared.join("s.gov"), UNFORMATTED).expect("write");
    std::fs::write(dir.path().join("single.gov"), UNFORMATTED).expect("write");
    std::fs::write(project.join("a.gov"), FORMATTED).expect("write");
    std::os::unix::fs::symlink(&shared, project.join("linked")).expect("symlink");
    std::os::unix::fs::symlink(dir.path().join("single.gov"), project.join("single.gov")).expect("symlink");
    // A loop back to the project is not followed.
    std::os::unix::fs::symlink(&project, project.join("loop")).expect("symlink");
    let sources = govc::driver::project::gov_files(&project).expect("walk");
    assert_eq!(
        sources,
        [
            project.join("a.gov"),
            project.join("linked/s.gov"),
            project.join("single.gov")
        ]
    );
    let (code, stdout, stderr) = govc(&["fmt", "--check", "project"], dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "project/linked/s.gov\nproject/single.gov\n");
    let (code, _, stderr) = govc(&["fmt", "project"], dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read_to_string(shared.join("s.gov")).expect("read"), FORMATTED);
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, _, stderr) = govc(&["fmt", "nowhere"], dir.path());
    assert_eq!(code, 2);
    assert!(stderr.contains("does not exist"), "{stderr}");
}
