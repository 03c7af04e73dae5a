//! `govc init [DIR]`: a new project that checks, builds and tests clean: a resource, a policy
//! with a parameter, its tests, an enforcement (CI and admission), a sample manifest and a
//! commented `govc.toml`. The package is named after the directory. Nothing is overwritten: if
//! any of the files exists, nothing is written.

use super::Ctx;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// The project directory, created if needed; defaults to the current directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The root package of the project (default: the directory's name, as an identifier).
    #[arg(long)]
    pub package: Option<String>,
}

/// The package used when the directory's name makes no valid one.
const FALLBACK_PACKAGE: &str = "governance";

pub fn run(args: InitArgs, ctx: &Ctx) -> ExitCode {
    let package = match &args.package {
        Some(p) => {
            if scaffold_checks(p).is_err() {
                eprintln!("error: `{p}` is not a valid package name");
                eprintln!("help: a package is lowercase words joined by `.`, e.g. `acme.governance`");
                return ExitCode::from(super::EXIT_USAGE);
            }
            p.clone()
        }
        None => {
            let guess = package_from_dir(&args.dir);
            if scaffold_checks(&guess).is_ok() {
                guess
            } else {
                FALLBACK_PACKAGE.to_string()
            }
        }
    };
    let files = scaffold(&package);
    let existing: Vec<PathBuf> = files
        .iter()
        .map(|(path, _)| args.dir.join(path))
        .filter(|p| p.exists())
        .collect();
    if !existing.is_empty() {
        for p in &existing {
            eprintln!("error: `{}` already exists", p.display());
        }
        eprintln!("error: nothing was written: `govc init` never overwrites a file");
        return ExitCode::from(super::EXIT_USAGE);
    }
    for (path, text) in &files {
        let target = args.dir.join(path);
        let written = target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&target, text));
        if let Err(e) = written {
            eprintln!("error: cannot write `{}`: {e}", target.display());
            return ExitCode::from(super::EXIT_USAGE);
        }
        ctx.detail(format!("created {}", target.display()));
    }
    let dir = args.dir.display();
    ctx.status(format!(
        "created a govc project in {dir} (package `{package}`): {} files",
        files.len()
    ));
    ctx.status(format!("next: govc check {dir} && govc test {dir} && govc build {dir}"));
    ExitCode::SUCCESS
}

/// A package name from a directory's name: lowercase, `_` for anything but letters and digits.
fn package_from_dir(dir: &Path) -> String {
    let absolute = std::fs::canonicalize(dir)
        .ok()
        .or_else(|| std::path::absolute(dir).ok())
        .unwrap_or_else(|| dir.to_path_buf());
    let name = absolute
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

/// Whether the scaffold for `package` checks clean, run through the real front end (and what a
/// build would reject): a directory name that makes no valid package is caught here.
fn scaffold_checks(package: &str) -> Result<(), ()> {
    let valid_form = !package.is_empty()
        && package.split('.').all(|seg| {
            seg.starts_with(|c: char| c.is_ascii_lowercase())
                && seg
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        });
    if !valid_form {
        return Err(());
    }
    let mut sources = crate::source::SourceMap::new();
    crate::driver::project::add_stdlib(&mut sources);
    for (path, text) in scaffold(package) {
        if path.ends_with(".gov") {
            sources.add(path, None, text, false);
        }
    }
    let mut analysis = crate::driver::project::analyze(sources);
    crate::driver::build::check(&mut analysis, None, None);
    if analysis.diagnostics.is_empty() {
        Ok(())
    } else {
        Err(())
    }
}

/// The files of a new project, by path relative to its directory.
fn scaffold(package: &str) -> Vec<(String, String)> {
    let group = format!("{}.example.com", package.replace(['_', '.'], "-"));
    let fill = |template: &str| template.replace("PKG", package).replace("GROUP", &group);
    vec![
        ("govc.toml".to_string(), GOVC_TOML.to_string()),
        ("governance/resources.gov".to_string(), fill(RESOURCES)),
        ("governance/policies.gov".to_string(), fill(POLICIES)),
        ("governance/enforce.gov".to_string(), fill(ENFORCE)),
        ("tests/policies_test.gov".to_string(), fill(TESTS)),
        ("manifests/checkout.yaml".to_string(), fill(MANIFEST)),
    ]
}

const GOVC_TOML: &str = r#"# Deployment settings of this govc project, read by `govc build` for OUT/opa/config.yaml.
# Every setting is optional; the values below are the defaults. See docs/deploy.md in govc.

[bundle]
# Where OPA downloads the bundle from. `${...}` is an environment variable OPA reads at start-up.
# service_url = "${GOVC_BUNDLE_SERVICE_URL}"
# The bundle's path on that server.
# resource = "bundle.tar.gz"
# How often OPA polls for a new bundle, in seconds.
# polling_min_delay_seconds = 60
# polling_max_delay_seconds = 120

[decision_logs]
# Upload decision logs to this service (default: none, decisions go to the console).
# service_url = "https://logs.example.com"
# Also print decisions on OPA's console (default: true without a service, false with one).
# console = true
"#;

const RESOURCES: &str = r#"// The Kubernetes objects this project governs. `govc build` turns each `resource` into a
// CustomResourceDefinition.
package PKG.resources

/// Where an application runs.
enum Environment {
  development
  staging
  production
}

/// How a team runs an application.
type ApplicationSpec {
  /// The team accountable for the application, e.g. `payments`.
  owner: string @pattern("^[a-z][a-z0-9-]*$")
  /// Where it runs.
  environment: Environment
  /// How many copies of it run.
  replicas: int @min(1)
}

/// An application deployed to the cluster.
resource Application {
  group   = "GROUP"
  version = "v1"
  scope   = namespaced
  spec: ApplicationSpec
}
"#;

const POLICIES: &str = r#"// The policies of the project. Each says what it checks, which controls it implements and who
// owns it; `govc report` lists them by control.
package PKG.policies

import PKG.resources.{Application, Environment}

/// A production application survives the loss of one of its copies.
policy production_is_redundant {
  title    = "Production applications run redundantly"
  severity = high
  controls = ["Availability: no single point of failure"]
  owner    = "platform-team@example.com"

  /// The fewest copies a production application may run.
  param min_replicas: int = 2

  subject app: Application
  let name = app.metadata.name

  deny "application {name} needs at least {min_replicas} replicas in production, it has {app.spec.replicas}" when {
    app.spec.environment == Environment.production
    app.spec.replicas < min_replicas
  }
}
"#;

const ENFORCE: &str = r#"// Where each policy runs: CI checks the manifests in this repository on every pull request
// (globs are relative to this project's directory); Gatekeeper checks the same objects when they
// are applied to the cluster.
package PKG.enforcement

import PKG.policies.{production_is_redundant}

enforce production_is_redundant {
  ci { files = ["manifests/**/*.yaml"] }
  admission {
    kinds  = ["GROUP/Application"]
    action = deny
  }
}
"#;

const TESTS: &str = r#"// Tests of governance/policies.gov: `govc test` runs them against the compiled policies.
package PKG.tests

import PKG.resources.{Application, ApplicationSpec, Environment}
import PKG.policies.{production_is_redundant}

/// An application named `checkout`, as a team would apply it.
fn application(environment: Environment, replicas: int) -> Application =
  Application {
    metadata: { name: "checkout", namespace: "shop" },
    spec: ApplicationSpec { owner: "payments", environment: environment, replicas: replicas },
  }

test "a production application with two replicas passes" {
  expect passes production_is_redundant(application(Environment.production, 2))
}

test "a production application with one replica is denied" {
  expect denied production_is_redundant(application(Environment.production, 1)) with "application checkout needs at least 2 replicas in production, it has 1"
}

test "staging may run a single replica" {
  expect passes production_is_redundant(application(Environment.staging, 1))
}

test "the minimum is a parameter each deployment may override" {
  expect passes production_is_redundant(application(Environment.production, 1), min_replicas = 1)
}

test "a manifest without replicas is rejected as malformed" {
  expect rejected production_is_redundant({
    metadata: { name: "checkout", namespace: "shop" },
    spec: { owner: "payments", environment: "production" },
  })
}
"#;

const MANIFEST: &str = r#"# A sample object, checked in CI by the `ci` block of governance/enforce.gov.
apiVersion: GROUP/v1
kind: Application
metadata:
  name: checkout
  namespace: shop
spec:
  owner: payments
  environment: production
  replicas: 3
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_come_from_directory_names() {
        assert_eq!(package_from_dir(Path::new("/tmp/My Project-2")), "my_project_2");
        assert_eq!(package_from_dir(Path::new("/tmp/acme")), "acme");
        assert!(scaffold_checks("acme").is_ok());
        assert!(scaffold_checks("acme.gov_rules").is_ok());
        // Not identifiers, a reserved word, and govc's own namespace.
        for bad in ["", "2fa", "a-b", "Acme", "some", "govc"] {
            assert!(scaffold_checks(bad).is_err(), "{bad}");
        }
    }
}
