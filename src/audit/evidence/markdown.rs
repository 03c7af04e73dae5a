//! The evidence report as GitHub-flavoured Markdown.

use super::{AccessEvidence, ControlEvidence, Counts, EvidenceReport};
use crate::english::count_s;
use crate::report::markdown::cell;
use serde_json::Value;

pub fn render(r: &EvidenceReport) -> String {
    let mut out = format!("# Audit evidence: {}\n\n", cell(&r.project));
    out.push_str(&format!("{}\n\n", summary(r)));
    out.push_str(&format!("{}\n\n", chain_line(r)));
    if !r.findings.is_empty() {
        out.push_str("## Findings\n\n");
        for f in &r.findings {
            out.push_str(&format!("- ⚠️ {}\n", cell(f)));
        }
        out.push('\n');
    }
    out.push_str(
        "## Controls\n\n| Control | Policies | Decisions | Allowed | Denied | Warned | Last decision |\n\
         | --- | --- | ---: | ---: | ---: | ---: | --- |\n",
    );
    for c in &r.controls {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            cell(&c.control),
            c.policies
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", "),
            c.counts.decisions,
            c.counts.allowed,
            c.counts.denied,
            c.counts.warned,
            c.last.as_deref().unwrap_or("—")
        ));
    }
    out.push_str(&super::sections(r, control_section, access_section));
    if !r.revisions.is_empty() {
        out.push_str(
            "\n## Bundle revisions\n\n| Revision | Decisions | First | Last | In the build ledger |\n| --- | ---: | --- | --- | --- |\n",
        );
        for v in &r.revisions {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                cell(super::super::chain::short(&v.revision)),
                v.decisions,
                v.first.as_deref().unwrap_or("—"),
                v.last.as_deref().unwrap_or("—"),
                match &v.govc_version {
                    Some(version) => format!("✅ yes (govc {})", cell(version)),
                    None => "⚠️ no".to_string(),
                }
            ));
        }
    }
    out
}

/// The report's first sentence: period and totals.
pub(super) fn summary(r: &EvidenceReport) -> String {
    let period = match (&r.period.since, &r.period.until) {
        (None, None) => "All recorded decisions".to_string(),
        (Some(s), None) => format!("Decisions since {s}"),
        (None, Some(u)) => format!("Decisions until {u}"),
        (Some(s), Some(u)) => format!("Decisions from {s} to {u}"),
    };
    let range = match (&r.period.first, &r.period.last) {
        (Some(f), Some(l)) => format!(" (first {f}, last {l})"),
        _ => String::new(),
    };
    format!(
        "{period}{range}: {} over {}.",
        counts_text(&r.totals),
        count_s(r.controls.len(), "control")
    )
}

pub(super) fn counts_text(c: &Counts) -> String {
    let mut parts = vec![count_s(c.decisions, "decision")];
    for (n, what) in [
        (c.allowed, "allowed"),
        (c.denied, "denied"),
        (c.warned, "warned"),
        (c.passed, "passed"),
        (c.other, "undetermined or failed"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    parts.join(", ")
}

pub(super) fn chain_line(r: &EvidenceReport) -> String {
    if r.chain.intact {
        format!(
            "Evidence chain: ✅ intact ({}, head `{}`).",
            count_s(r.chain.records, "record"),
            super::super::chain::short(&r.chain.head)
        )
    } else {
        format!(
            "Evidence chain: ❌ broken ({}; `govc audit verify` names the records).",
            count_s(r.chain.problems.len(), "problem")
        )
    }
}

fn control_section(c: &ControlEvidence) -> String {
    let mut out = format!("\n## {}\n\n{}\n", cell(&c.control), implemented_by(c));
    if let (Some(f), Some(l)) = (&c.first, &c.last) {
        out.push_str(&format!("First decision {f}, last {l}.\n"));
    }
    if !c.top_reasons.is_empty() {
        out.push_str("\n| Top reasons for denial | Count |\n| --- | ---: |\n");
        for reason in &c.top_reasons {
            out.push_str(&format!("| {} | {} |\n", cell(&reason.reason), reason.count));
        }
    }
    out
}

/// A control's first sentence: its policies, in `code`, and its counts by source.
pub(super) fn implemented_by(c: &ControlEvidence) -> String {
    let mut out = format!(
        "Implemented by {}. {}",
        c.policies
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", "),
        counts_text(&c.counts)
    );
    if c.from_gatekeeper > 0 {
        out.push_str(&format!(
            " ({} from OPA decision logs, {} from Gatekeeper audits)",
            c.from_opa, c.from_gatekeeper
        ));
    }
    out.push('.');
    out
}

/// The notes above an access policy's table of decisions: the request fields masked (in `code`),
/// and how many decisions the table leaves out.
pub(super) fn access_notes(a: &AccessEvidence) -> Vec<String> {
    let mut notes = Vec::new();
    if !a.erased.is_empty() {
        notes.push(format!(
            "Masked in the decision logs, never stored: {}.",
            a.erased.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    if !a.decisions.is_empty() && (a.decisions.len() as u64) < a.counts.decisions {
        notes.push(format!(
            "The newest {} of {} decisions (`--limit` shows more).",
            a.decisions.len(),
            a.counts.decisions
        ));
    }
    notes
}

fn access_section(a: &AccessEvidence) -> String {
    let mut out = format!("\n## Access decisions: {} (`{}`)\n\n", cell(&a.title), a.policy);
    out.push_str(&format!(
        "Controls: {}. {}.\n",
        cell(&a.controls.join(", ")),
        counts_text(&a.counts)
    ));
    for note in access_notes(a) {
        out.push_str(&format!("{note}\n"));
    }
    if a.decisions.is_empty() {
        return out;
    }
    out.push_str("\n| When | Outcome |");
    for f in &a.fields {
        out.push_str(&format!(" {} |", cell(f)));
    }
    out.push_str(" Why denied |\n| --- | --- |");
    out.push_str(&" --- |".repeat(a.fields.len() + 1));
    out.push('\n');
    for d in &a.decisions {
        out.push_str(&format!("| {} | {} |", d.timestamp, d.outcome));
        for f in &a.fields {
            out.push_str(&format!(" {} |", cell(&value_text(d.request.get(f)))));
        }
        out.push_str(&format!(" {} |\n", cell(&d.reasons.join("; "))));
    }
    out
}

/// A request value as text: strings as they are, lists joined, others as JSON.
pub(super) fn value_text(v: Option<&Value>) -> String {
    match v {
        None => "—".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items.iter().map(|i| value_text(Some(i))).collect::<Vec<_>>().join(", "),
        Some(other) => other.to_string(),
    }
}
