//! `govc report`: the controls matrix. For every control named in `controls = [...]`: the policies
//! that implement it, their severity, owner and description, where each is enforced (runtime
//! bundle, admission with its action, CI globs) and whether tests cover it. Policies without an
//! enforcement point, untested policies and untested controls are flagged.
//!
//! A policy is *tested* when a test expects it to deny, warn or reject a document (or refuse
//! access): a test that only expects documents to pass would also pass with a policy that never
//! fires. A control is tested when one of its policies is.

pub mod html;
pub mod markdown;

use crate::ir::AdmissionAction;
use crate::ir::ExpectKind;
use crate::ir::{Ir, Policy};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub project: String,
    pub controls: Vec<ControlRow>,
    pub policies: Vec<PolicyRow>,
    /// Problems an auditor should see first.
    pub findings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControlRow {
    pub control: String,
    /// Rego packages of the policies implementing it.
    pub policies: Vec<String>,
    pub tested: bool,
    /// Decisions recorded in the audit database (`govc audit`), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// What the audit database holds for a control: evidence that its policies ran.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Evidence {
    pub decisions: u64,
    pub denied: u64,
    pub warned: u64,
    /// The last decision's time.
    pub last: Option<String>,
}

impl Evidence {
    /// `120 decisions, 14 denied, last 2026-09-30T10:00:00Z`, or `none`.
    pub fn text(&self) -> String {
        if self.decisions == 0 {
            return "none".to_string();
        }
        let mut parts = vec![crate::english::count_s(self.decisions, "decision")];
        if self.denied > 0 {
            parts.push(format!("{} denied", self.denied));
        }
        if self.warned > 0 {
            parts.push(format!("{} warned", self.warned));
        }
        if let Some(last) = &self.last {
            parts.push(format!("last {last}"));
        }
        parts.join(", ")
    }
}

impl Report {
    /// Adds the evidence column: each control's decisions from the audit database (none for a
    /// control it has no decision of, which is also a finding).
    pub fn attach_evidence(&mut self, by_control: &BTreeMap<String, Evidence>) {
        for c in &mut self.controls {
            let e = by_control.get(&c.control).cloned().unwrap_or_default();
            if e.decisions == 0 {
                self.findings
                    .push(format!("control {} has no decision in the audit database", c.control));
            }
            c.evidence = Some(e);
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyRow {
    pub policy: String,
    pub title: String,
    pub severity: String,
    pub owner: Option<String>,
    pub description: Option<String>,
    pub controls: Vec<String>,
    pub enforcement: Enforcement,
    /// How many test expectations judge this policy.
    pub test_expectations: usize,
    /// Whether a test expects the policy to deny, warn, reject or refuse (see the module docs).
    pub tested: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Enforcement {
    /// The decision in the OPA bundle, e.g. `data.acme.models.bias_tested`.
    pub runtime: String,
    /// A runtime access decision (the policy has `allow` clauses): enforced by the service that
    /// queries it.
    pub access_decision: bool,
    pub admission: Option<Admission>,
    pub ci_files: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Admission {
    pub action: String,
    pub kinds: Vec<String>,
}

impl Enforcement {
    /// Whether anything enforces the policy beyond its presence in the bundle.
    pub fn is_enforced(&self) -> bool {
        self.access_decision || self.admission.is_some() || !self.ci_files.is_empty()
    }
}

/// Builds the report of a program.
pub fn build(ir: &Ir, project: &str) -> Report {
    let mut policies = Vec::new();
    for p in &ir.policies {
        policies.push(policy_row(ir, p));
    }
    let mut by_control: BTreeMap<String, Vec<&PolicyRow>> = BTreeMap::new();
    for row in &policies {
        for c in &row.controls {
            by_control.entry(c.clone()).or_default().push(row);
        }
    }
    let controls: Vec<ControlRow> = by_control
        .into_iter()
        .map(|(control, rows)| ControlRow {
            control,
            tested: rows.iter().any(|r| r.tested),
            evidence: None,
            policies: rows.iter().map(|r| r.policy.clone()).collect(),
        })
        .collect();
    let mut findings = Vec::new();
    for row in &policies {
        if !row.enforcement.is_enforced() {
            findings.push(format!(
                "policy {} is not enforced in CI or at admission: only a service that queries the bundle applies it",
                row.policy
            ));
        }
        if row.controls.is_empty() {
            findings.push(format!("policy {} names no control", row.policy));
        }
        if !row.tested {
            findings.push(untested("policy", &row.policy, row.test_expectations > 0));
        }
    }
    for c in &controls {
        if !c.tested {
            let has_tests = policies
                .iter()
                .any(|p| c.policies.contains(&p.policy) && p.test_expectations > 0);
            findings.push(untested("control", &c.control, has_tests));
        }
    }
    Report {
        project: project.to_string(),
        controls,
        policies,
        findings,
    }
}

/// The finding for an untested policy or control: no tests at all, or only tests that expect
/// documents to pass.
fn untested(what: &str, name: &str, has_tests: bool) -> String {
    if has_tests {
        format!("{what} {name} has tests, but none expects a denial, a warning or a refusal")
    } else {
        format!("{what} {name} has no tests")
    }
}

fn policy_row(ir: &Ir, p: &Policy) -> PolicyRow {
    let mut admission = None;
    let mut ci_files: Vec<String> = Vec::new();
    for e in ir.enforcements.iter().filter(|e| e.policies.contains(&p.package)) {
        if let Some(a) = &e.admission {
            admission = Some(Admission {
                action: match a.action {
                    AdmissionAction::Deny => "deny",
                    AdmissionAction::Warn => "warn",
                    AdmissionAction::Dryrun => "dryrun",
                }
                .to_string(),
                kinds: a.kinds.clone(),
            });
        }
        ci_files.extend(e.ci_files.iter().cloned());
    }
    ci_files.sort();
    ci_files.dedup();
    let expectations: Vec<&crate::ir::Expectation> = ir
        .tests
        .iter()
        .flat_map(|s| &s.tests)
        .flat_map(|t| &t.expectations)
        .filter(|x| x.policy == p.package)
        .collect();
    let tested = expectations
        .iter()
        .any(|x| matches!(x.kind, ExpectKind::Denied | ExpectKind::Warned | ExpectKind::Rejected));
    PolicyRow {
        policy: p.dotted(),
        title: p.title.clone().unwrap_or_else(|| p.name.clone()),
        severity: p.severity.as_str().to_string(),
        owner: p.owner.clone(),
        description: p.doc.clone(),
        controls: p.controls.clone(),
        enforcement: Enforcement {
            runtime: format!("data.{}", p.dotted()),
            access_decision: p.has_allow(),
            admission,
            ci_files,
        },
        test_expectations: expectations.len(),
        tested,
    }
}

/// The report as pretty JSON.
pub fn to_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("reports always serialize") + "\n"
}

/// Output formats of `govc report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Md,
    Html,
    Json,
}

/// Renders a report in a format.
pub fn render(report: &Report, format: ReportFormat) -> String {
    match format {
        ReportFormat::Md => markdown::render(report),
        ReportFormat::Html => html::render(report),
        ReportFormat::Json => to_json(report),
    }
}
