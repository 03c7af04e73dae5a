//! The evidence report as one self-contained HTML page: inline CSS and SVG charts, no script, no
//! external resource; readable on screen and printable.

use super::markdown::{access_notes, chain_line, counts_text, implemented_by, summary, value_text};
use super::{chart, AccessEvidence, ControlEvidence, EvidenceReport};
use crate::report::html::escape;

const STYLE: &str = "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;max-width:1100px;margin:2rem auto;padding:0 1rem}\
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}h3{margin-bottom:.3rem}\
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{border:1px solid #d0d7de;padding:.3rem .55rem;text-align:left;vertical-align:top}\
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f6f8fa;padding:0 .2rem;border-radius:3px}\
.ok{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}.warn{color:#9a6700;font-weight:600}\
.findings{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:.5rem 1rem}.muted{color:#656d76}\
.outcome-allowed{color:#1a7f37}.outcome-denied{color:#cf222e;font-weight:600}.outcome-warned{color:#9a6700}\
svg.chart{display:block;max-width:100%;height:auto;font:11px system-ui,sans-serif;fill:#1f2328}\
section{break-inside:avoid;page-break-inside:avoid}@media print{body{margin:0;max-width:none}h2{break-after:avoid}}";

pub fn render(r: &EvidenceReport) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!("<title>Audit evidence: {}</title>\n", escape(&r.project)));
    out.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n"));
    out.push_str(&format!("<h1>Audit evidence: {}</h1>\n", escape(&r.project)));
    out.push_str(&format!("<p>{}</p>\n", escape(&summary(r))));
    let chain_class = if r.chain.intact { "ok" } else { "bad" };
    out.push_str(&format!(
        "<p class=\"{chain_class}\">{}</p>\n",
        with_code(&chain_line(r).replace("✅ ", "").replace("❌ ", ""))
    ));
    if !r.findings.is_empty() {
        out.push_str("<h2>Findings</h2>\n<div class=\"findings\"><ul>\n");
        for f in &r.findings {
            out.push_str(&format!("<li class=\"warn\">{}</li>\n", with_code(f)));
        }
        out.push_str("</ul></div>\n");
    }
    out.push_str("<h2>Decisions over time</h2>\n");
    out.push_str(&chart::svg(
        &r.timeline,
        1060,
        240,
        "decisions and denials over time, all controls",
    ));
    out.push_str(
        "<h2>Controls</h2>\n<table>\n<thead><tr><th>Control</th><th>Policies</th><th>Decisions</th><th>Allowed</th>\
         <th>Denied</th><th>Warned</th><th>Last decision</th></tr></thead>\n<tbody>\n",
    );
    for c in &r.controls {
        let name = if c.has_section() {
            format!("<a href=\"#{}\">{}</a>", anchor(&c.control), escape(&c.control))
        } else {
            escape(&c.control)
        };
        out.push_str(&format!(
            "<tr><td>{name}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n",
            codes(&c.policies),
            c.counts.decisions,
            c.counts.allowed,
            c.counts.denied,
            c.counts.warned,
            c.last.as_deref().map_or_else(|| "<span class=\"warn\">none</span>".to_string(), escape)
        ));
    }
    out.push_str("</tbody>\n</table>\n");
    out.push_str(&super::sections(r, control_section, access_section));
    if !r.revisions.is_empty() {
        out.push_str(
            "<h2>Bundle revisions</h2>\n<table>\n<thead><tr><th>Revision</th><th>Decisions</th><th>First</th><th>Last</th><th>In the build ledger</th></tr></thead>\n<tbody>\n",
        );
        for v in &r.revisions {
            out.push_str(&format!(
                "<tr><td><code title=\"{0}\">{1}</code></td><td class=\"n\">{2}</td><td>{3}</td><td>{4}</td><td>{5}</td></tr>\n",
                escape(&v.revision),
                escape(super::super::chain::short(&v.revision)),
                v.decisions,
                escape(v.first.as_deref().unwrap_or("—")),
                escape(v.last.as_deref().unwrap_or("—")),
                match &v.govc_version {
                    Some(version) => format!("<span class=\"ok\">yes</span> (govc {})", escape(version)),
                    None => "<span class=\"warn\">no</span>".to_string(),
                }
            ));
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// Escaped text with its `backquoted` parts as `<code>`, as the Markdown rendering shows them.
fn with_code(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len() % 2 == 0 {
        // An unpaired backquote: plain text.
        return escape(text);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", escape(p))
            } else {
                escape(p)
            }
        })
        .collect()
}

/// An `id` for a control's section.
fn anchor(control: &str) -> String {
    let slug: String = control
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("control-{slug}")
}

fn codes(items: &[String]) -> String {
    items
        .iter()
        .map(|p| format!("<code>{}</code>", escape(p)))
        .collect::<Vec<_>>()
        .join("<br>")
}

fn control_section(c: &ControlEvidence) -> String {
    let mut out = format!(
        "<section id=\"{}\">\n<h3>{}</h3>\n<p>{}</p>\n",
        anchor(&c.control),
        escape(&c.control),
        with_code(&implemented_by(c))
    );
    out.push_str(&chart::svg(
        &c.timeline,
        1060,
        150,
        &format!("decisions and denials over time for {}", c.control),
    ));
    if !c.top_reasons.is_empty() {
        out.push_str("<table>\n<thead><tr><th>Top reasons for denial</th><th>Count</th></tr></thead>\n<tbody>\n");
        for reason in &c.top_reasons {
            out.push_str(&format!(
                "<tr><td>{}</td><td class=\"n\">{}</td></tr>\n",
                with_code(&reason.reason),
                reason.count
            ));
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");
    out
}

fn access_section(a: &AccessEvidence) -> String {
    let mut out = format!(
        "<section>\n<h2>Access decisions: {} <code>{}</code></h2>\n<p>Controls: {}. {}.</p>\n",
        escape(&a.title),
        escape(&a.policy),
        escape(&a.controls.join(", ")),
        escape(&counts_text(&a.counts))
    );
    for note in access_notes(a) {
        out.push_str(&format!("<p class=\"muted\">{}</p>\n", with_code(&note)));
    }
    if a.decisions.is_empty() {
        out.push_str("</section>\n");
        return out;
    }
    out.push_str("<table>\n<thead><tr><th>When</th><th>Outcome</th>");
    for f in &a.fields {
        out.push_str(&format!("<th>{}</th>", escape(f)));
    }
    out.push_str("<th>Why denied</th></tr></thead>\n<tbody>\n");
    for d in &a.decisions {
        out.push_str(&format!(
            "<tr><td title=\"decision {}\">{}</td><td class=\"outcome-{}\">{}</td>",
            escape(&d.decision_id),
            escape(&d.timestamp),
            escape(&d.outcome),
            escape(&d.outcome)
        ));
        for f in &a.fields {
            out.push_str(&format!("<td>{}</td>", escape(&value_text(d.request.get(f)))));
        }
        out.push_str(&format!("<td>{}</td></tr>\n", with_code(&d.reasons.join("; "))));
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
    out
}
