//! Where things are, seen from the repository root, where the workflow runs: the project
//! directory (the base of its `ci` globs) and the compiled bundle.

use std::path::{Component, Path, PathBuf};

/// The paths the workflow uses, relative to the repository root, `/`-separated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoPaths {
    /// The project directory; `""` when it is the repository root.
    pub project: String,
    /// The bundle directory (`OUT/bundle`).
    pub bundle: String,
    /// The workflow as built (`OUT/.github/workflows/governance.yml`).
    pub workflow: String,
    /// Set when `OUT` is outside the repository: the workflow then expects the output where a
    /// default build puts it (`DIR/dist`), and this says so.
    pub note: Option<String>,
}

/// Resolves the paths of a build: `project_dir` and `out_dir` as given to `govc build`, and the
/// repository root if `--repo-root` was given (else the nearest directory above the project that
/// holds `.git`, else the project directory itself).
pub fn resolve(project_dir: &Path, out_dir: &Path, repo_root: Option<&Path>) -> Result<RepoPaths, String> {
    let project = real_path(project_dir)?;
    // `govc build file.gov` builds the file's directory.
    let project = if project.is_file() {
        project.parent().map(Path::to_path_buf).unwrap_or(project)
    } else {
        project
    };
    let root = match repo_root {
        Some(r) => {
            let r = real_path(r)?;
            if !r.is_dir() {
                return Err(format!("the repository root `{}` is not a directory", r.display()));
            }
            r
        }
        None => git_root(&project).unwrap_or_else(|| project.clone()),
    };
    let project_rel = relative(&root, &project).ok_or_else(|| {
        format!(
            "the project `{}` is not inside the repository root `{}`; pass the root with --repo-root",
            project.display(),
            root.display()
        )
    })?;
    let out = real_path(out_dir)?;
    let (out_rel, note) = match relative(&root, &out) {
        Some(rel) if !rel.is_empty() => (rel, None),
        _ => {
            let default = join(&project_rel, "dist");
            let note = format!(
                "`{}` is outside the repository `{}`: the workflow expects the build output at `{default}`",
                out.display(),
                root.display()
            );
            (default, Some(note))
        }
    };
    Ok(RepoPaths {
        bundle: join(&out_rel, "bundle"),
        workflow: join(&out_rel, ".github/workflows/governance.yml"),
        project: project_rel,
        note,
    })
}

/// The nearest directory at or above `dir` that holds `.git` (a directory, or a file in a
/// worktree or submodule).
pub fn git_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().find(|d| d.join(".git").exists()).map(Path::to_path_buf)
}

fn join(dir: &str, rest: &str) -> String {
    if dir.is_empty() {
        rest.to_string()
    } else {
        format!("{dir}/{rest}")
    }
}

/// An absolute path with symbolic links resolved as far as the path exists (`OUT` may not exist
/// yet), and `.`/`..` removed.
fn real_path(p: &Path) -> Result<PathBuf, String> {
    let p = if p.as_os_str().is_empty() { Path::new(".") } else { p };
    let abs = std::path::absolute(p).map_err(|e| format!("cannot resolve `{}`: {e}", p.display()))?;
    let mut normal = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    // Canonicalize the longest existing prefix, then put the rest back.
    let mut existing = normal.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = existing.canonicalize() {
            let mut out = canonical;
            out.extend(rest.iter().rev());
            return Ok(out);
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return Ok(normal),
        }
    }
}

/// `path` relative to `root`, `/`-separated (`""` for the root itself), or `None` when it is not
/// below `root` or is not valid UTF-8.
fn relative(root: &Path, path: &Path) -> Option<String> {
    let rest = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rest.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_git_root() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let repo = tmp.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
        std::fs::create_dir_all(repo.join("policies/ai")).expect("mkdir");
        let project = repo.join("policies/ai");
        let paths = resolve(&project, &project.join("dist"), None).expect("resolves");
        assert_eq!(paths.project, "policies/ai");
        assert_eq!(paths.bundle, "policies/ai/dist/bundle");
        assert_eq!(paths.workflow, "policies/ai/dist/.github/workflows/governance.yml");
        assert_eq!(paths.note, None);

        // An explicit root wins over `.git`.
        let paths = resolve(&project, &project.join("out"), Some(&repo.join("policies"))).expect("resolves");
        assert_eq!((paths.project.as_str(), paths.bundle.as_str()), ("ai", "ai/out/bundle"));

        // Relative `..` segments are resolved before comparing.
        let paths = resolve(&project.join("../ai"), &repo.join("build/./gov"), None).expect("resolves");
        assert_eq!(paths.bundle, "build/gov/bundle");
    }

    #[test]
    fn without_git_the_project_is_the_root() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let project = tmp.path().join("p");
        std::fs::create_dir_all(&project).expect("mkdir");
        if git_root(&project).is_some() {
            return; // the temporary directory itself lies in a repository
        }
        let paths = resolve(&project, &project.join("dist"), None).expect("resolves");
        assert_eq!((paths.project.as_str(), paths.bundle.as_str()), ("", "dist/bundle"));
    }

    #[test]
    fn an_output_outside_the_repository_falls_back_to_the_default() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let repo = tmp.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
        std::fs::create_dir_all(repo.join("gov")).expect("mkdir");
        let paths = resolve(&repo.join("gov"), &tmp.path().join("elsewhere"), None).expect("resolves");
        assert_eq!(paths.bundle, "gov/dist/bundle");
        assert!(paths.note.as_deref().is_some_and(|n| n.contains("gov/dist")));
    }

    #[test]
    fn a_project_outside_the_given_root_is_an_error() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(tmp.path().join("a")).expect("mkdir");
        std::fs::create_dir_all(tmp.path().join("b")).expect("mkdir");
        let err = resolve(
            &tmp.path().join("a"),
            &tmp.path().join("a/dist"),
            Some(&tmp.path().join("b")),
        )
        .expect_err("outside");
        assert!(err.contains("--repo-root"), "{err}");
    }
}
