//! `govc build`: from an analyzed project to every output file. Each target adds its files to one
//! [`OutputTree`], which is written atomically.

use crate::bundle::{self, Bundle};
use crate::ir::{self, Ir};
use crate::output::OutputTree;
use crate::project::Analysis;
use std::path::PathBuf;

/// What a build needs besides the program.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The project directory (`DIR`).
    pub project_dir: PathBuf,
    /// The output directory (`OUT`).
    pub out_dir: PathBuf,
}

impl BuildOptions {
    /// The defaults for a project directory: output in `DIR/dist`.
    pub fn for_project(dir: &std::path::Path) -> BuildOptions {
        let root = if dir.is_file() { dir.parent().unwrap_or(dir) } else { dir };
        BuildOptions {
            project_dir: dir.to_path_buf(),
            out_dir: root.join("dist"),
        }
    }
}

/// Everything a build produces, in memory.
pub struct BuildOutput {
    pub ir: Ir,
    pub bundle: Bundle,
    pub tree: OutputTree,
}

/// Builds every target of a project that checked without errors.
pub fn build(analysis: &Analysis, _options: &BuildOptions) -> Result<BuildOutput, String> {
    let ir = ir::lower(analysis);
    let bundle = bundle::build(&ir).map_err(|e| e.0)?;
    let mut tree = OutputTree::default();
    tree.add_dir("bundle", &bundle.files);
    tree.add_dir("bundle", &bundle.tests);
    tree.add("bundle.tar.gz", bundle::tarball(&bundle.files));
    Ok(BuildOutput { ir, bundle, tree })
}
