//! Writing a build's files: all or nothing, and never over anything govc did not write.
//!
//! Files go to a staging directory beside the output, which then replaces the output with a
//! rename, so a failed build never leaves a partial `OUT`. Replacing `OUT` deletes what was there,
//! so before anything is written `OUT` is checked ([`check_replaceable`]): it must not be the
//! project or hold it, and it must be absent, empty, or a previous build's output whose
//! [`MARKER`] lists every file in it. Staging directories that an interrupted build left behind
//! are removed by the next build into the same `OUT`.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

/// Every file of a build by its path relative to the output directory (`/`-separated).
#[derive(Debug, Default, Clone)]
pub struct OutputTree {
    pub files: BTreeMap<String, Vec<u8>>,
}

impl OutputTree {
    pub fn add(&mut self, path: impl Into<String>, content: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), content.into());
    }

    /// Adds every file of `other` under the directory `prefix`.
    pub fn add_dir(&mut self, prefix: &str, other: &BTreeMap<String, Vec<u8>>) {
        for (path, content) in other {
            self.files.insert(format!("{prefix}/{path}"), content.clone());
        }
    }

    /// The marker file's content: a header, then every path of the tree, one per line.
    fn marker(&self) -> Vec<u8> {
        let mut text = String::from(MARKER_HEADER);
        for path in self.files.keys().filter(|p| p.as_str() != MARKER) {
            text.push_str(path);
            text.push('\n');
        }
        text.into_bytes()
    }
}

/// The file that marks a directory as govc's output, at its top: it lists the files the build
/// wrote, so the next build knows it replaces nothing else.
pub const MARKER: &str = ".govc-output";

const MARKER_HEADER: &str = "\
# Written by `govc build`: this directory is its output, replaced as a whole by the next build.
# The next build refuses to replace it if it holds any file not listed here.
";

/// How many foreign files an error names.
const SHOWN_FOREIGN: usize = 5;

/// Why `OUT` was not written.
#[derive(Debug)]
pub enum OutputError {
    /// `OUT` is the project directory (`is_project`) or one of its ancestors.
    HoldsProject {
        out: PathBuf,
        project: PathBuf,
        is_project: bool,
    },
    /// `OUT` exists and is not a directory (or is a symbolic link to nothing).
    NotADirectory { out: PathBuf },
    /// `OUT` is not empty and has no marker: govc did not write it.
    NotAnOutput { out: PathBuf },
    /// `OUT` has a marker but also files the marker does not list (the first few).
    Foreign { out: PathBuf, files: Vec<String> },
    /// Reading or writing failed.
    Io { path: PathBuf, error: io::Error },
}

impl OutputError {
    /// What the user can do about it.
    pub fn help(&self) -> Option<String> {
        match self {
            OutputError::HoldsProject { .. } => Some(
                "`govc build` replaces its output directory as a whole; write it outside the sources, e.g. to `DIR/dist` (the default)"
                    .into(),
            ),
            OutputError::NotADirectory { .. } => Some("choose a directory for `--out`".into()),
            OutputError::NotAnOutput { out } => Some(format!(
                "`govc build` replaces its output directory as a whole; choose a new or empty directory, or delete `{}` yourself if nothing in it is needed (outputs of govc before 0.2 have no marker)",
                out.display()
            )),
            OutputError::Foreign { out, .. } => Some(format!(
                "move those files out of `{}`, or choose another `--out`",
                out.display()
            )),
            OutputError::Io { .. } => None,
        }
    }
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutputError::HoldsProject {
                out, is_project: true, ..
            } => write!(
                f,
                "refusing to write the output to `{}`: it is the project directory",
                out.display()
            ),
            OutputError::HoldsProject { out, project, .. } => write!(
                f,
                "refusing to write the output to `{}`: it contains the project `{}`",
                out.display(),
                project.display()
            ),
            OutputError::NotADirectory { out } => {
                write!(
                    f,
                    "refusing to write the output to `{}`: it is not a directory",
                    out.display()
                )
            }
            OutputError::NotAnOutput { out } => write!(
                f,
                "refusing to replace `{}`: it is not empty and has no `{MARKER}` marker, so govc did not write it",
                out.display()
            ),
            OutputError::Foreign { out, files } => {
                let shown: Vec<String> = files.iter().map(|p| format!("`{p}`")).collect();
                let more = if files.len() > SHOWN_FOREIGN { ", ..." } else { "" };
                write!(
                    f,
                    "refusing to replace `{}`: it holds files that govc did not write: {}{more}",
                    out.display(),
                    shown[..shown.len().min(SHOWN_FOREIGN)].join(", ")
                )
            }
            OutputError::Io { path, error } => write!(f, "could not write `{}`: {error}", path.display()),
        }
    }
}

impl std::error::Error for OutputError {}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |error| OutputError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// Replaces `out` with exactly the files of `tree` (and the [`MARKER`]), once
/// [`check_replaceable`] allows it. `project` is the project directory (or file) built.
pub fn write_atomically(out: &Path, tree: &OutputTree, project: &Path) -> Result<(), OutputError> {
    // Through a symbolic link: replace what it points to, and keep the link.
    let out = match std::fs::canonicalize(out) {
        Ok(real) if out.is_dir() => real,
        _ => out.to_path_buf(),
    };
    check_replaceable(&out, project)?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io_error(&parent))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "out".into());
    remove_stale_staging(&parent, &name);
    let staging = parent.join(format!(".{name}{TMP_INFIX}{}", std::process::id()));
    let result = write_tree(&staging, tree)
        .map_err(io_error(&staging))
        .and_then(|()| swap_into_place(&staging, &out, &parent, &name));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

/// Whether `out` may be replaced by a build of `project`: it must not be the project or hold it
/// (even with a marker), and it must be absent, empty, or a govc output holding only the files its
/// marker lists.
pub fn check_replaceable(out: &Path, project: &Path) -> Result<(), OutputError> {
    if std::fs::symlink_metadata(out).is_err() {
        return Ok(());
    }
    let real_out = std::fs::canonicalize(out).map_err(|_| OutputError::NotADirectory { out: out.to_path_buf() })?;
    let project_dir = if project.is_file() {
        project.parent().unwrap_or(project)
    } else {
        project
    };
    if let Ok(real_project) = std::fs::canonicalize(project_dir) {
        if real_project.starts_with(&real_out) {
            return Err(OutputError::HoldsProject {
                out: out.to_path_buf(),
                project: project_dir.to_path_buf(),
                is_project: real_project == real_out,
            });
        }
    }
    if !real_out.is_dir() {
        return Err(OutputError::NotADirectory { out: out.to_path_buf() });
    }
    let is_empty = std::fs::read_dir(&real_out).map_err(io_error(out))?.next().is_none();
    if is_empty {
        return Ok(());
    }
    let Ok(marker) = std::fs::read_to_string(real_out.join(MARKER)) else {
        return Err(OutputError::NotAnOutput { out: out.to_path_buf() });
    };
    let listed: BTreeSet<&str> = marker.lines().filter(|l| !l.starts_with('#')).collect();
    let mut foreign = Vec::new();
    foreign_files(&real_out, "", &listed, &mut foreign).map_err(io_error(out))?;
    if foreign.is_empty() {
        Ok(())
    } else {
        Err(OutputError::Foreign {
            out: out.to_path_buf(),
            files: foreign,
        })
    }
}

/// Collects (up to one more than [`SHOWN_FOREIGN`]) the files and links below `dir` that the
/// marker does not list, as `/`-separated paths relative to the output.
fn foreign_files(dir: &Path, prefix: &str, listed: &BTreeSet<&str>, out: &mut Vec<String>) -> io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if out.len() > SHOWN_FOREIGN {
            return Ok(());
        }
        let name = entry.file_name().to_string_lossy().to_string();
        let path = format!("{prefix}{name}");
        // Not followed: a link is never something govc wrote.
        if entry.file_type()?.is_dir() {
            foreign_files(&entry.path(), &format!("{path}/"), listed, out)?;
        } else if path != MARKER && !listed.contains(path.as_str()) {
            out.push(path);
        }
    }
    Ok(())
}

/// The infixes of the staging and old-output directories: `.OUT.govc-tmp-PID`, `.OUT.govc-old-PID`.
const TMP_INFIX: &str = ".govc-tmp-";
const OLD_INFIX: &str = ".govc-old-";

/// Removes the staging and old-output directories for `name` that builds which no longer run
/// left in `parent` (killed between writing and cleaning up).
fn remove_stale_staging(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name.to_str().and_then(|n| staging_pid(n, name)) else {
            continue;
        };
        if pid != std::process::id() && is_stale(&entry.path(), pid) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The process id in a staging directory's name for the output `name`, if it is one.
fn staging_pid(entry: &str, name: &str) -> Option<u32> {
    let rest = entry.strip_prefix('.')?.strip_prefix(name)?;
    let pid = rest.strip_prefix(TMP_INFIX).or_else(|| rest.strip_prefix(OLD_INFIX))?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Whether the build that made a staging directory is gone: no process has its id any more (a
/// reused id only delays the cleanup).
#[cfg(unix)]
fn is_stale(_dir: &Path, pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let result = unsafe { libc::kill(pid, 0) };
    !(result == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM))
}

/// Without a portable liveness check, a staging directory is stale a day after it was made.
#[cfg(not(unix))]
fn is_stale(dir: &Path, _pid: u32) -> bool {
    const DAY: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);
    std::fs::metadata(dir)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age > DAY)
}

fn write_tree(dir: &Path, tree: &OutputTree) -> io::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    for (path, content) in &tree.files {
        let target = dir.join(path);
        if let Some(p) = target.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::write(&target, content)?;
    }
    std::fs::write(dir.join(MARKER), tree.marker())
}

fn swap_into_place(staging: &Path, out: &Path, parent: &Path, name: &str) -> Result<(), OutputError> {
    if out.exists() {
        let old = parent.join(format!(".{name}{OLD_INFIX}{}", std::process::id()));
        std::fs::rename(out, &old).map_err(io_error(out))?;
        if let Err(e) = std::fs::rename(staging, out) {
            // Put the previous output back: the build failed, the old output stands.
            let _ = std::fs::rename(&old, out);
            return Err(OutputError::Io {
                path: out.to_path_buf(),
                error: e,
            });
        }
        std::fs::remove_dir_all(&old).map_err(io_error(&old))?;
    } else {
        std::fs::rename(staging, out).map_err(io_error(out))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_names_give_their_process() {
        assert_eq!(staging_pid(".dist.govc-tmp-123", "dist"), Some(123));
        assert_eq!(staging_pid(".dist.govc-old-9", "dist"), Some(9));
        assert_eq!(staging_pid(".dist.govc-tmp-", "dist"), None);
        assert_eq!(staging_pid(".dist.govc-tmp-1x", "dist"), None);
        assert_eq!(staging_pid(".other.govc-tmp-1", "dist"), None);
        assert_eq!(staging_pid("dist.govc-tmp-1", "dist"), None);
    }

    #[cfg(unix)]
    #[test]
    fn the_staging_directory_of_a_running_process_is_not_stale() {
        assert!(!is_stale(Path::new("."), std::process::id()));
        assert!(is_stale(Path::new("."), u32::MAX));
    }
}
