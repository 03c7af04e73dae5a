//! The language contract's own examples compile: every ```gov block of `LANGUAGE.md` checks with no
//! diagnostic, and so do the shipped example project and the standard library.

mod common;

use govc::diagnostic::human;
use govc::driver::project::{self, Analysis};
use govc::source::SourceMap;
use std::path::{Path, PathBuf};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn language_md() -> PathBuf {
    manifest_dir().join("tests/vendor/shared/spec/LANGUAGE.md")
}

/// The ```gov blocks of a Markdown text, with the 1-based line of each block's first line.
fn gov_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in markdown.lines().enumerate() {
        let fence = line.trim_start();
        match &mut current {
            None if fence.starts_with("```") && fence[3..].trim() == "gov" => current = Some((i + 2, String::new())),
            Some(_) if fence.starts_with("```") => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    assert!(current.is_none(), "unterminated ```gov block");
    blocks
}

/// Analyzes one file on its own, with the stdlib.
fn analyze_text(name: &str, text: String) -> Analysis {
    let mut sources = SourceMap::new();
    project::add_stdlib(&mut sources);
    sources.add(name, None, text, false);
    project::analyze(sources)
}

fn assert_clean(what: &str, analysis: &Analysis) {
    assert!(
        analysis.diagnostics.is_empty(),
        "{what} must check without diagnostics, got:\n{}",
        human::render(&analysis.diagnostics, &analysis.sources, false)
    );
}

#[test]
fn every_gov_block_of_the_language_contract_checks_cleanly() {
    let path = language_md();
    let markdown = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the language contract must be at {} (tests/vendor/shared/spec/LANGUAGE.md, vendored from ../shared/spec): {e}",
            path.display()
        )
    });
    let blocks = gov_blocks(&markdown);
    assert!(!blocks.is_empty(), "{} has no ```gov block", path.display());
    for (line, text) in blocks {
        let name = format!("LANGUAGE.md:{line}");
        assert_clean(&format!("the ```gov block at {name}"), &analyze_text(&name, text));
    }
}

#[test]
fn the_example_project_checks_without_diagnostics() {
    let dir = manifest_dir().join("examples/ai-governance");
    let sources = project::load(&dir).unwrap_or_else(|e| panic!("cannot load {}: {e}", dir.display()));
    let analysis = project::analyze(sources);
    let user_files = analysis.sources.files().filter(|(_, f)| !f.is_stdlib).count();
    assert!(user_files >= 5, "expected the example's .gov files, found {user_files}");
    assert_clean("examples/ai-governance", &analysis);
}

#[test]
fn every_stdlib_file_checks_without_diagnostics() {
    let dir = manifest_dir().join("stdlib");
    let files = common::gov_files(&dir);
    assert!(!files.is_empty(), "no .gov files under {}", dir.display());
    // The embedded stdlib is these files: check it is complete, then check each file as the
    // project's only user file (the embedded copy supplies the modules it imports).
    assert_eq!(
        files.len(),
        govc::stdlib::FILES.len(),
        "stdlib/ and src/stdlib.rs disagree"
    );
    for file in files {
        let text = std::fs::read_to_string(&file).expect("stdlib file is UTF-8");
        let relative = file.strip_prefix(manifest_dir()).unwrap_or(&file).display().to_string();
        assert!(
            govc::stdlib::FILES.iter().any(|(_, embedded)| *embedded == text),
            "{relative} is not embedded in src/stdlib.rs"
        );
        assert_clean(&relative, &project::analyze(stdlib_only(&file)));
    }
}

/// The embedded stdlib, with `file` loaded from disk in place of its embedded copy (so its
/// declarations are not duplicates of themselves), and an empty project file: a project package
/// may not be under `std` (E0110), so the file stays a standard library file, whose diagnostics
/// are reported like any other.
fn stdlib_only(file: &Path) -> SourceMap {
    let text = std::fs::read_to_string(file).expect("stdlib file is UTF-8");
    let mut sources = SourceMap::new();
    for (name, embedded) in govc::stdlib::FILES {
        if *embedded != text {
            sources.add(*name, None, embedded.to_string(), true);
        }
    }
    sources.add(file.display().to_string(), Some(file.to_path_buf()), text, true);
    sources.add("check.gov", None, "package spec.stdlib_check\n".to_string(), false);
    sources
}

#[test]
fn gov_blocks_are_found_with_their_lines() {
    let md = "# t\n```gov\npackage a\n```\ntext\n```rust\nfn x() {}\n```\n  ```gov\npackage b\n  ```\n";
    assert_eq!(
        gov_blocks(md),
        vec![(3, "package a\n".to_string()), (10, "package b\n".to_string())]
    );
}
