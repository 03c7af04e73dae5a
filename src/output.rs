//! Writing a build's files: all or nothing. Files go to a temporary directory beside the output,
//! which then replaces the output with a rename, so a failed build never leaves a partial `OUT`.

use std::collections::BTreeMap;
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
}

/// The file whose presence marks a directory as a govc build output (safe to replace).
pub const MARKER: &str = "bundle/.manifest";

/// Replaces `out` with exactly the files of `tree`.
///
/// Refuses to replace an existing non-empty directory that is not a govc output, so a mistaken
/// `--out .` cannot delete a project.
pub fn write_atomically(out: &Path, tree: &OutputTree) -> io::Result<()> {
    if out.exists() {
        let is_output = out.join(MARKER).is_file();
        let is_empty = out.is_dir() && std::fs::read_dir(out)?.next().is_none();
        if !is_output && !is_empty {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "refusing to replace `{}`: it exists and is not a govc build output (no {MARKER})",
                    out.display()
                ),
            ));
        }
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "out".into());
    let staging = parent.join(format!(".{name}.govc-tmp-{}", std::process::id()));
    let result = write_tree(&staging, tree).and_then(|()| swap_into_place(&staging, out, &parent, &name));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
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
    Ok(())
}

fn swap_into_place(staging: &Path, out: &Path, parent: &Path, name: &str) -> io::Result<()> {
    if out.exists() {
        let old = parent.join(format!(".{name}.govc-old-{}", std::process::id()));
        std::fs::rename(out, &old)?;
        if let Err(e) = std::fs::rename(staging, out) {
            // Put the previous output back: the build failed, the old output stands.
            let _ = std::fs::rename(&old, out);
            return Err(e);
        }
        std::fs::remove_dir_all(&old)?;
    } else {
        std::fs::rename(staging, out)?;
    }
    Ok(())
}
