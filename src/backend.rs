//! Back ends: each reads the IR and produces files. `rego` is the OPA bundle's Rego; the
//! Kubernetes and GitHub Actions targets build on it.

pub mod actions;
pub mod audit_policy;
pub mod bundle;
pub mod cel;
pub mod k8s;
pub mod mask;
pub mod opa_config;
pub mod rego;

use crate::ir::PackagePath;

/// A problem only a back end can see, because it is about the names and paths of generated
/// outputs (a Gatekeeper kind, a CRD name, two packages in one file). `govc check` reports it
/// located at the declarations it is about, and `govc build` refuses to write anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetProblem {
    pub kind: ProblemKind,
    /// Lowercase, no final period, names in backticks.
    pub message: String,
    pub help: Option<String>,
    /// The declarations it is about; it is reported at the first.
    pub about: Vec<Origin>,
}

/// What kind of rule a generated output breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// A generated name that the target's platform rejects.
    Name,
    /// Two declarations that would produce the same output.
    Clash,
    /// A construct the target cannot express faithfully.
    Untranslatable,
}

/// A declaration of the program, as the IR names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A policy, by its Rego package (`acme.data.trusted_sources`).
    Policy(PackagePath),
    /// A module (its `package` line), by its package.
    Module(PackagePath),
    /// A module whose functions are compiled into the bundle, by its package.
    FnModule(PackagePath),
    /// The compiled tests of a module, by their Rego package (`acme.data_test`).
    Tests(PackagePath),
    /// A `resource`, by its API group and kind.
    Resource { group: String, kind: String },
    /// A clause of a policy, by its position among the policy's clauses.
    Clause { policy: PackagePath, index: usize },
    /// A `let` of a policy, by its position among the policy's `let`s.
    Let { policy: PackagePath, index: usize },
}

impl TargetProblem {
    pub fn new(kind: ProblemKind, message: impl Into<String>, about: Vec<Origin>) -> Self {
        TargetProblem {
            kind,
            message: message.into(),
            help: None,
            about,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The problem as one line: the message, then the help after a semicolon.
    pub fn text(&self) -> String {
        match &self.help {
            Some(help) => format!("{}; {help}", self.message),
            None => self.message.clone(),
        }
    }
}
