//! `govc build`: from an analyzed project to every output file. The driver first reads what the
//! build needs from disk ([`BuildOptions::resolve`]), then [`build`] runs the back ends without
//! touching the disk: each target adds its files to one [`OutputTree`], which is written
//! atomically. [`check`] finds, without building, everything a
//! build would reject beyond the front end, as located diagnostics: `govc check` runs it, so
//! that a project that checks clean also builds.

use crate::audit::ledger::{LedgerEntry, PolicySource};
use crate::backend::actions::repo::RepoPaths;
use crate::backend::bundle::{self, Bundle};
use crate::backend::{Origin, ProblemKind, TargetProblem};
use crate::checked::Program;
use crate::config::Config;
use crate::diagnostic::{self, Code, Diagnostic};
use crate::driver::output::OutputTree;
use crate::driver::project::Analysis;
use crate::ir::Ir;
use crate::span::Span;
use crate::syntax::ast::DeclKind;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What a build is asked for: the command line's options.
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

    /// Reads from disk what the build needs besides the program: `govc.toml`, the repository
    /// root and the paths the workflow uses, the project's name.
    pub fn resolve(&self) -> Result<BuildInputs, String> {
        Ok(BuildInputs {
            project_name: crate::driver::project::project_name(&self.project_dir),
            config: crate::config::load(&self.project_dir).map_err(|e| e.to_string())?,
            repo: crate::backend::actions::repo::resolve(&self.project_dir, &self.out_dir, self.repo_root.as_deref())?,
            gatekeeper_rego: self.gatekeeper_rego,
        })
    }
}

/// Everything a build reads besides the program, resolved before the back ends run.
#[derive(Debug, Clone)]
pub struct BuildInputs {
    /// The project's name, for the controls report.
    pub project_name: String,
    /// The project's `govc.toml`, or its defaults.
    pub config: Config,
    /// Where the project and the output are, seen from the repository root.
    pub repo: RepoPaths,
    /// The form of the Gatekeeper ConstraintTemplates' Rego.
    pub gatekeeper_rego: crate::backend::k8s::RegoForm,
}

/// Everything a build produces, in memory.
pub struct BuildOutput {
    /// The program the back ends read.
    pub ir: Ir,
    /// The OPA bundle, also in `tree` as `bundle/` and `bundle.tar.gz`.
    pub bundle: Bundle,
    /// Every output file, by path relative to `OUT`.
    pub tree: OutputTree,
    /// The build ledger entries of this revision, also in `tree` as `audit/ledger.json`.
    pub ledger: Vec<LedgerEntry>,
    /// Things the user should know about the build (printed by `govc build`).
    pub notes: Vec<String>,
}

/// Adds to `analysis` the diagnostics of everything a build would reject that the front end does
/// not see: the back ends' names and paths (located at the declarations they come from) and, when
/// `project_dir` is given, `govc.toml` (which is added to the sources, named from `base` like
/// the `.gov` files: see [`crate::driver::project::load_named_from`]). The back ends are asked only when
/// the front end found no error: they need an error-free program.
pub fn check(analysis: &mut Analysis, project_dir: Option<&Path>, base: Option<&Path>) {
    let mut diags: Vec<Diagnostic> = Vec::new();
    if !analysis.has_errors() {
        // Only the bundle's layout and what is enforced at admission can be refused: lowering
        // the rest (tests, policies run only by OPA) would cost as much as the front end.
        let mut problems = bundle::check(&analysis.outline());
        let ir = analysis.lower_scope(crate::ir::Scope::Admission);
        problems.extend(crate::backend::k8s::check(&ir));
        problems.extend(crate::backend::cel::check(&ir));
        diags.extend(problems.iter().map(|p| locate(&analysis.program, p)));
    }
    if let Some(dir) = project_dir {
        if let Err(e) = crate::config::load(dir) {
            diags.push(config_diagnostic(analysis, dir, base, e));
        }
    }
    if diags.is_empty() {
        return;
    }
    analysis.diagnostics.extend(diags);
    diagnostic::sort_and_dedup(&mut analysis.diagnostics);
}

/// A back end's problem at the declarations it is about.
fn locate(program: &Program, problem: &TargetProblem) -> Diagnostic {
    let code = match problem.kind {
        ProblemKind::Name => Code::TargetName,
        ProblemKind::Clash => Code::OutputClash,
        ProblemKind::Untranslatable => Code::NoCelTranslation,
    };
    let mut spans = problem.about.iter().filter_map(|o| origin_span(program, o));
    // INVARIANT: every origin names a declaration of the program the IR was lowered from.
    let primary = spans.next().unwrap_or_else(|| Span::new(crate::span::FileId(0), 0, 0));
    let mut d = Diagnostic::error(code, primary, problem.message.clone()).with_label(match problem.kind {
        ProblemKind::Name => "named here",
        ProblemKind::Clash => "declared here",
        ProblemKind::Untranslatable => "no faithful CEL translation",
    });
    for other in spans {
        d = d.with_secondary(other, "and here");
    }
    match &problem.help {
        Some(help) => d.with_help(help.clone()),
        None => d,
    }
}

/// Where a declaration the IR names is written: a policy's or resource's name, a module's
/// `package` line.
fn origin_span(program: &Program, origin: &Origin) -> Option<Span> {
    let module_named = |path: &[String]| {
        let dotted = path.join(".");
        program.modules.iter().find(|m| m.name == dotted).map(|m| m.span)
    };
    let policy_named = |path: &[String]| {
        let dotted = path.join(".");
        (0..program.policies.len())
            .find(|&i| program.policy_path(crate::checked::PolicyId(i as u32)) == dotted)
            .map(|i| &program.policies[i])
    };
    match origin {
        Origin::Policy(path) => policy_named(path).map(|p| p.span),
        Origin::Clause { policy, index } => policy_named(policy).and_then(|p| p.clauses.get(*index)).map(|c| c.span),
        Origin::Let { policy, index } => policy_named(policy)
            .and_then(|p| p.lets.get(*index))
            .map(|(_, e)| e.span),
        Origin::Module(path) | Origin::FnModule(path) => module_named(path),
        Origin::Tests(path) => {
            let mut module = path.clone();
            if let Some(last) = module.last_mut() {
                *last = last.strip_suffix("_test").unwrap_or(last).to_string();
            }
            module_named(&module)
        }
        Origin::Resource { group, kind } => program
            .resources
            .iter()
            .find(|r| &r.group == group && &r.name == kind && !program.modules[r.module.index()].is_stdlib)
            .map(|r| r.span),
    }
}

/// A `govc.toml` problem, located in the file when it could be read.
fn config_diagnostic(
    analysis: &mut Analysis,
    dir: &Path,
    base: Option<&Path>,
    e: crate::config::ConfigError,
) -> Diagnostic {
    let name = crate::driver::project::display_name(&e.path, dir, base);
    let (text, span) = e.located.clone().unwrap_or_default();
    let file = analysis.sources.add(name, Some(e.path.clone()), text, false);
    Diagnostic::error(Code::InvalidConfig, Span::new(file, span.start, span.end), e.message)
        .with_help("docs/deploy.md describes every setting of `govc.toml`")
}

/// Resolves the inputs of a build from disk ([`BuildOptions::resolve`]), then builds.
pub fn resolve_and_build(analysis: &Analysis, options: &BuildOptions) -> Result<BuildOutput, String> {
    build(analysis, &options.resolve()?)
}

/// Builds every target of a project that checked without errors, from inputs already read.
pub fn build(analysis: &Analysis, inputs: &BuildInputs) -> Result<BuildOutput, String> {
    let ir = analysis.lower();
    let bundle = bundle::build(&ir).map_err(|e| e.0)?;
    let mut tree = OutputTree::default();
    tree.add_dir("bundle", &bundle.directory());
    tree.add("bundle.tar.gz", bundle::tarball(&bundle.files));
    let k8s_options = crate::backend::k8s::K8sOptions {
        rego: inputs.gatekeeper_rego,
    };
    let manifests = crate::backend::k8s::build(&ir, &k8s_options).map_err(|e| e.0)?;
    tree.add_dir("k8s", &manifests.files());
    tree.add_dir("k8s", &crate::backend::cel::build(&ir)?);
    add_audit_outputs(&ir, &bundle, inputs, &mut tree);
    let ledger = crate::audit::ledger::entries(&policy_sources(analysis), &ir, &bundle);
    tree.add(
        crate::audit::ledger::OUTPUT_PATH,
        crate::audit::ledger::entries_text(&ledger),
    );
    tree.add(
        crate::backend::actions::WORKFLOW_PATH,
        crate::backend::actions::workflow(&ir, &inputs.repo),
    );
    let notes = inputs.repo.note.iter().cloned().collect();
    Ok(BuildOutput {
        ir,
        bundle,
        tree,
        ledger,
        notes,
    })
}

/// The runtime OPA configuration, the Kubernetes audit policy and the controls report: the
/// evidence each release carries.
fn add_audit_outputs(ir: &Ir, bundle: &Bundle, inputs: &BuildInputs, tree: &mut OutputTree) {
    tree.add(
        "opa/config.yaml",
        crate::backend::opa_config::emit_opa_config(&inputs.config, bundle.has_mask()),
    );
    if let Some(policy) = crate::backend::audit_policy::emit_audit_policy(&ir.resources) {
        tree.add("k8s/audit/policy.yaml", policy);
    }
    let report = crate::report::build(ir, &inputs.project_name);
    for (name, format) in [
        ("controls.md", crate::report::ReportFormat::Md),
        ("controls.html", crate::report::ReportFormat::Html),
        ("controls.json", crate::report::ReportFormat::Json),
    ] {
        tree.add(format!("report/{name}"), crate::report::render(&report, format));
    }
}

/// Each policy's source file and declaration text, by dotted name: what the build ledger ties
/// a decision to.
pub fn policy_sources(analysis: &Analysis) -> HashMap<String, PolicySource> {
    let mut by_name_span = HashMap::new();
    for module in &analysis.modules {
        for decl in &module.decls {
            if let DeclKind::Policy(p) = &decl.kind {
                by_name_span.insert(p.name.span, decl.span);
            }
        }
    }
    let mut out = HashMap::new();
    for def in &analysis.program.policies {
        let module = &analysis.program.modules[def.module.index()];
        let Some(decl_span) = by_name_span.get(&def.span) else {
            continue;
        };
        let file = analysis.sources.get(decl_span.file);
        out.insert(
            format!("{}.{}", module.name, def.name),
            PolicySource {
                file: file.name.clone(),
                declaration_sha256: crate::audit::sha256_hex(analysis.sources.snippet(*decl_span).as_bytes()),
                file_sha256: crate::audit::sha256_hex(file.text.as_bytes()),
            },
        );
    }
    out
}
