//! `govc build`: from an analyzed project to every output file. Each target adds its files to one
//! [`OutputTree`], which is written atomically.

use crate::bundle::{self, Bundle};
use crate::ir::{self, Ir};
use crate::output::OutputTree;
use crate::project::Analysis;

/// Everything a build produces, in memory.
pub struct BuildOutput {
    pub ir: Ir,
    pub bundle: Bundle,
    pub tree: OutputTree,
}

/// Builds every target of a project that checked without errors.
pub fn build(analysis: &Analysis) -> Result<BuildOutput, String> {
    let ir = ir::lower(analysis);
    let bundle = bundle::build(&ir).map_err(|e| e.0)?;
    let mut tree = OutputTree::default();
    tree.add_dir("bundle", &bundle.files);
    tree.add_dir("bundle", &bundle.tests);
    tree.add("bundle.tar.gz", bundle::tarball(&bundle.files));
    Ok(BuildOutput { ir, bundle, tree })
}
