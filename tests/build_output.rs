//! `govc build --out OUT` never destroys what govc did not write: OUT may not be the project, a
//! directory above it, or a directory holding anything but a previous build's files (listed in
//! its `.govc-output` marker). Interrupted builds' staging directories are cleaned by the next
//! build, and `.gov` files reached through symbolic links are built, not skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const POLICY: &str =
    "package a\n\ntype T { f: string }\n\npolicy p {\n  subject t: T\n  deny \"no f\" when t.f == \"\"\n}\n";

fn govc_build(project: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_govc"))
        .arg("build")
        .arg(project)
        .arg("--out")
        .arg(out)
        .output()
        .expect("govc runs")
}

/// A workspace `tmp/` holding a project `tmp/proj` (a policy, a stray OPA bundle, a `.git`)
/// and a file of the user's beside it.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let proj = tmp.path().join("proj");
    write(&proj.join("governance/a.gov"), POLICY);
    write(&proj.join("bundle/.manifest"), "{\"revision\": \"hand-made\"}\n");
    write(&proj.join("bundle/authz.rego"), "package authz\n");
    write(&proj.join(".git/HEAD"), "ref: refs/heads/main\n");
    write(&tmp.path().join("notes.txt"), "the user's notes\n");
    (tmp, proj)
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// Every file below `dir` with its content (links not followed), to compare before and after.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let entry = entry.expect("entry");
            let kind = entry.file_type().expect("file type");
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                out.push((entry.path(), std::fs::read(entry.path()).expect("read")));
            } else {
                out.push((entry.path(), Vec::new()));
            }
        }
    }
    out.sort();
    out
}

/// Builds `proj` into `out`, expecting a refusal (exit 2) that changes nothing in `tmp`.
fn assert_refused(tmp: &Path, proj: &Path, out: &Path, why: &str) {
    let before = snapshot(tmp);
    let output = govc_build(proj, out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{}: {stderr}", out.display());
    assert!(stderr.contains(why), "expected `{why}` in:\n{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(snapshot(tmp), before, "the build into {} changed files", out.display());
}

fn assert_built(proj: &Path, out: &Path) {
    let output = govc_build(proj, out);
    assert!(
        output.status.success(),
        "{}: {}",
        out.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(out.join("bundle/a/p.rego").is_file());
}

#[test]
fn the_project_itself_is_refused_even_with_a_bundle_manifest() {
    let (tmp, proj) = workspace();
    assert_refused(tmp.path(), &proj, &proj, "it is the project directory");
    // Spelled differently, it is still the project.
    assert_refused(
        tmp.path(),
        &proj,
        &proj.join("governance/.."),
        "it is the project directory",
    );
}

#[test]
fn a_directory_above_the_project_is_refused() {
    let (tmp, proj) = workspace();
    assert_refused(tmp.path(), &proj, tmp.path(), "it contains the project");
    // Even when it carries a marker, as if a build had been written there.
    write(&tmp.path().join(".govc-output"), "# Written by `govc build`\n");
    assert_refused(tmp.path(), &proj, tmp.path(), "it contains the project");
}

#[test]
fn a_directory_inside_the_project_holding_sources_is_refused() {
    let (tmp, proj) = workspace();
    assert_refused(
        tmp.path(),
        &proj,
        &proj.join("governance"),
        "has no `.govc-output` marker",
    );
}

#[test]
fn a_directory_holding_a_stray_bundle_manifest_is_refused() {
    let (tmp, proj) = workspace();
    assert_refused(tmp.path(), &proj, &proj.join("bundle"), "has no `.govc-output` marker");
    // A whole tree that looks like a govc output, but was not written by govc.
    let lookalike = tmp.path().join("lookalike");
    write(&lookalike.join("bundle/.manifest"), "{}\n");
    write(&lookalike.join("bundle.tar.gz"), "");
    assert_refused(tmp.path(), &proj, &lookalike, "has no `.govc-output` marker");
}

#[test]
fn a_repository_root_or_a_file_is_refused() {
    let (tmp, proj) = workspace();
    let repo = tmp.path().join("other-repo");
    write(&repo.join(".git/HEAD"), "ref: refs/heads/main\n");
    assert_refused(tmp.path(), &proj, &repo, "has no `.govc-output` marker");
    assert_refused(
        tmp.path(),
        &proj,
        &tmp.path().join("notes.txt"),
        "it is not a directory",
    );
}

#[cfg(unix)]
#[test]
fn symbolic_links_to_the_project_or_above_are_refused() {
    let (tmp, proj) = workspace();
    let to_project = tmp.path().join("to-project");
    std::os::unix::fs::symlink(&proj, &to_project).expect("symlink");
    assert_refused(tmp.path(), &proj, &to_project, "it is the project directory");
    let to_parent = proj.join("up");
    std::os::unix::fs::symlink(tmp.path(), &to_parent).expect("symlink");
    assert_refused(tmp.path(), &proj, &to_parent, "it contains the project");
    let to_sources = tmp.path().join("to-sources");
    std::os::unix::fs::symlink(proj.join("governance"), &to_sources).expect("symlink");
    assert_refused(tmp.path(), &proj, &to_sources, "has no `.govc-output` marker");
    let dangling = tmp.path().join("dangling");
    std::os::unix::fs::symlink(tmp.path().join("nowhere"), &dangling).expect("symlink");
    assert_refused(tmp.path(), &proj, &dangling, "it is not a directory");
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_to_an_output_is_followed_and_kept() {
    let (tmp, proj) = workspace();
    let real = tmp.path().join("real-out");
    assert_built(&proj, &real);
    let link = tmp.path().join("out-link");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    assert_built(&proj, &link);
    assert!(std::fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
    assert!(real.join(".govc-output").is_file());
}

#[test]
fn absent_empty_and_previous_outputs_are_replaced() {
    let (tmp, proj) = workspace();
    let out = tmp.path().join("out");
    assert_built(&proj, &out);
    let marker = std::fs::read_to_string(out.join(".govc-output")).expect("marker");
    assert!(marker.lines().any(|l| l == "bundle/a/p.rego"), "{marker}");
    assert_built(&proj, &out);
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    assert_built(&proj, &empty);
    // The default output, `DIR/dist`, twice.
    for _ in 0..2 {
        let output = Command::new(env!("CARGO_BIN_EXE_govc"))
            .arg("build")
            .arg(&proj)
            .output()
            .expect("runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    assert!(proj.join("dist/.govc-output").is_file());
}

#[test]
fn a_file_added_to_a_previous_output_is_never_deleted() {
    let (tmp, proj) = workspace();
    let out = tmp.path().join("out");
    assert_built(&proj, &out);
    write(&out.join("k8s/my-notes.md"), "keep me\n");
    assert_refused(
        tmp.path(),
        &proj,
        &out,
        "holds files that govc did not write: `k8s/my-notes.md`",
    );
    std::fs::remove_file(out.join("k8s/my-notes.md")).expect("rm");
    assert_built(&proj, &out);
}

/// The id of a process that has exited.
fn dead_pid() -> u32 {
    let mut child = Command::new(env!("CARGO_BIN_EXE_govc"))
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("runs");
    let pid = child.id();
    child.wait().expect("exits");
    pid
}

#[cfg(unix)]
#[test]
fn staging_directories_of_killed_builds_are_removed_by_the_next_build() {
    let (tmp, proj) = workspace();
    let out = tmp.path().join("out");
    let dead = dead_pid();
    let stale_tmp = tmp.path().join(format!(".out.govc-tmp-{dead}"));
    let stale_old = tmp.path().join(format!(".out.govc-old-{dead}"));
    // A build that still runs (this test) keeps its staging directory.
    let live = tmp.path().join(format!(".out.govc-tmp-{}", std::process::id()));
    let other_output = tmp.path().join(format!(".elsewhere.govc-tmp-{dead}"));
    for dir in [&stale_tmp, &stale_old, &live, &other_output] {
        write(&dir.join("bundle/x.rego"), "package x\n");
    }
    assert_built(&proj, &out);
    assert!(!stale_tmp.exists(), "stale staging directory left");
    assert!(!stale_old.exists(), "stale old output left");
    assert!(live.exists(), "the staging directory of a running build was removed");
    assert!(other_output.exists(), "another output's staging directory was removed");
}

#[cfg(unix)]
#[test]
fn gov_files_behind_symbolic_links_are_built() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let proj = tmp.path().join("proj");
    write(&proj.join("a.gov"), POLICY);
    // A file link and a directory link to sources outside the project, and a link loop.
    write(
        &tmp.path().join("shared/b.gov"),
        "package b\n\nimport a.{T}\n\npolicy q {\n  subject t: T\n  deny \"x\" when t.f == \"x\"\n}\n",
    );
    write(
        &tmp.path().join("one/c.gov"),
        "package c\n\nimport a.{T}\n\npolicy r {\n  subject t: T\n  deny \"y\" when t.f == \"y\"\n}\n",
    );
    std::os::unix::fs::symlink(tmp.path().join("shared"), proj.join("shared")).expect("symlink");
    std::os::unix::fs::symlink(tmp.path().join("one/c.gov"), proj.join("c.gov")).expect("symlink");
    std::os::unix::fs::symlink(&proj, proj.join("loop")).expect("symlink");
    std::os::unix::fs::symlink(tmp.path().join("shared"), proj.join("shared-again")).expect("symlink");
    let out = tmp.path().join("out");
    let output = govc_build(&proj, &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("3 policies"), "{stderr}");
    for file in ["a/p.rego", "b/q.rego", "c/r.rego"] {
        assert!(out.join("bundle").join(file).is_file(), "{file} missing");
    }
    // A `.gov` link that leads nowhere would lose declarations: an error, not a smaller build.
    std::os::unix::fs::symlink(tmp.path().join("gone.gov"), proj.join("gone.gov")).expect("symlink");
    let output = govc_build(&proj, &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("gone.gov` is a symbolic link that cannot be followed"),
        "{stderr}"
    );
}
