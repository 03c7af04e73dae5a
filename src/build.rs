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
    /// The form of the Gatekeeper ConstraintTemplates' Rego (`--gatekeeper-rego`).
    pub gatekeeper_rego: crate::backend::k8s::RegoForm,
    /// The repository root the CI workflow runs in (`--repo-root`); `None`: the nearest directory
    /// above the project that holds `.git`.
    pub repo_root: Option<PathBuf>,
}

impl BuildOptions {
    /// The defaults for a project directory: output in `DIR/dist`.
    pub fn for_project(dir: &std::path::Path) -> BuildOptions {
        let root = if dir.is_file() {
            dir.parent().unwrap_or(dir)
        } else {
            dir
        };
        BuildOptions {
            project_dir: dir.to_path_buf(),
            out_dir: root.join("dist"),
            ..BuildOptions::default()
        }
    }
}

/// Everything a build produces, in memory.
pub struct BuildOutput {
    pub ir: Ir,
    pub bundle: Bundle,
    pub tree: OutputTree,
    /// Things the user should know about the build (printed by `govc build`).
    pub notes: Vec<String>,
}

/// Builds every target of a project that checked without errors.
pub fn build(analysis: &Analysis, options: &BuildOptions) -> Result<BuildOutput, String> {
    let ir = ir::lower(analysis);
    let bundle = bundle::build(&ir).map_err(|e| e.0)?;
    let mut tree = OutputTree::default();
    tree.add_dir("bundle", &bundle.files);
    tree.add_dir("bundle", &bundle.tests);
    tree.add("bundle.tar.gz", bundle::tarball(&bundle.files));
    let k8s_options = crate::backend::k8s::K8sOptions {
        rego: options.gatekeeper_rego,
    };
    let manifests = crate::backend::k8s::build(&ir, &k8s_options).map_err(|e| e.0)?;
    tree.add_dir("k8s", &manifests.files());
    add_audit_outputs(&ir, options, &mut tree)?;
    tree.add(
        crate::audit::ledger::OUTPUT_PATH,
        crate::audit::ledger::entry(analysis, &ir, &bundle).to_pretty_json(),
    );
    let paths =
        crate::backend::actions::repo::resolve(&options.project_dir, &options.out_dir, options.repo_root.as_deref())?;
    tree.add(
        crate::backend::actions::WORKFLOW_PATH,
        crate::backend::actions::workflow(&ir, &paths),
    );
    let notes = paths.note.into_iter().collect();
    Ok(BuildOutput {
        ir,
        bundle,
        tree,
        notes,
    })
}

/// The runtime OPA configuration, the Kubernetes audit policy and the controls report: the
/// evidence each release carries.
fn add_audit_outputs(ir: &Ir, options: &BuildOptions, tree: &mut OutputTree) -> Result<(), String> {
    let config = crate::config::load(&options.project_dir)?;
    tree.add("opa/config.yaml", crate::backend::opa_config::emit_opa_config(&config));
    if let Some(policy) = crate::backend::audit_policy::emit_audit_policy(&ir.resources) {
        tree.add("k8s/audit/policy.yaml", policy);
    }
    let report = crate::report::build(ir, &crate::cli::project_name(&options.project_dir));
    for (name, format) in [
        ("controls.md", crate::report::ReportFormat::Md),
        ("controls.html", crate::report::ReportFormat::Html),
        ("controls.json", crate::report::ReportFormat::Json),
    ] {
        tree.add(format!("report/{name}"), crate::report::render(&report, format));
    }
    Ok(())
}
