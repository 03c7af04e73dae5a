//! `govc audit report`: the evidence per control. For each control: the decisions of the
//! policies implementing it (through the controls that the deciding revision's ledger entry
//! names), how many were allowed, denied, warned, the top reasons for denials, and a timeline;
//! for access policies, who accessed what, when and why; the bundle revisions that decided; and
//! whether the evidence chain is intact. Rendered as Markdown, HTML or JSON (stable: fields are
//! only ever added).

pub mod chart;
pub mod html;
pub mod markdown;

use super::ledger::LedgerEntry;
use super::store::Store;
use crate::english::count_s;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Which decisions a report covers.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Inclusive bounds, milliseconds since the epoch.
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// Controls whose name contains one of these (case-insensitive); all when empty.
    pub controls: Vec<String>,
    /// Access decisions listed per policy (the newest); 0 lists them all.
    pub limit: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceReport {
    pub project: String,
    pub period: Period,
    pub chain: ChainStatus,
    pub totals: Counts,
    /// Decisions over time, all controls together.
    pub timeline: Timeline,
    pub controls: Vec<ControlEvidence>,
    pub access: Vec<AccessEvidence>,
    pub revisions: Vec<RevisionUse>,
    pub findings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Period {
    /// The requested bounds (`--since`, `--until`).
    pub since: Option<String>,
    pub until: Option<String>,
    /// The first and last decision in the report.
    pub first: Option<String>,
    pub last: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChainStatus {
    pub records: u64,
    pub head: String,
    pub intact: bool,
    pub problems: Vec<String>,
}

/// Decisions by outcome; `decisions` is their sum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Counts {
    pub decisions: u64,
    pub allowed: u64,
    pub denied: u64,
    pub warned: u64,
    pub passed: u64,
    /// Evaluation errors and results that say nothing about the decision.
    pub other: u64,
}

impl Counts {
    fn add(&mut self, outcome: &str, n: u64) {
        self.decisions += n;
        match outcome {
            "allowed" => self.allowed += n,
            "denied" => self.denied += n,
            "warned" => self.warned += n,
            "passed" => self.passed += n,
            _ => self.other += n,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ControlEvidence {
    pub control: String,
    /// The policies implementing it (dotted), in any revision that decided or the newest.
    pub policies: Vec<String>,
    pub counts: Counts,
    /// Decisions from OPA decision logs and from Gatekeeper audits.
    pub from_opa: u64,
    pub from_gatekeeper: u64,
    pub first: Option<String>,
    pub last: Option<String>,
    /// The most frequent deny messages, most frequent first.
    pub top_reasons: Vec<Reason>,
    pub timeline: Timeline,
}

impl ControlEvidence {
    /// Whether the report gives the control a section of its own: a control without decisions is
    /// only in the controls table (and the findings), which links to the section of the others.
    pub fn has_section(&self) -> bool {
        self.counts.decisions > 0
    }
}

/// The report's sections after its controls table, in the order every format gives them: one
/// for each control that has one, then one for each access policy.
fn sections(
    r: &EvidenceReport,
    control: impl Fn(&ControlEvidence) -> String,
    access: impl Fn(&AccessEvidence) -> String,
) -> String {
    let controls = r.controls.iter().filter(|c| c.has_section()).map(control);
    controls.chain(r.access.iter().map(access)).collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct Reason {
    pub reason: String,
    pub count: u64,
}

/// Decisions and denials per time bucket, from the period's first to its last bucket.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timeline {
    /// `day`, `week` (when the period spans more than 120 days), or `N days` (more than three
    /// years).
    pub bucket: String,
    pub points: Vec<TimePoint>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimePoint {
    /// The bucket's first day, `YYYY-MM-DD` (UTC).
    pub start: String,
    pub decisions: u64,
    pub denied: u64,
}

/// The decisions of one access policy: who accessed what, when and why.
#[derive(Debug, Clone, Serialize)]
pub struct AccessEvidence {
    pub policy: String,
    pub title: String,
    pub controls: Vec<String>,
    pub counts: Counts,
    /// The request fields shown (the subject's fields that decision logs keep).
    pub fields: Vec<String>,
    /// The pointers erased or masked from these decisions' logs: never stored, never shown.
    pub erased: Vec<String>,
    /// The newest decisions, newest first (at most the `--limit`).
    pub decisions: Vec<AccessDecision>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccessDecision {
    pub timestamp: String,
    pub decision_id: String,
    pub outcome: String,
    /// The request's fields (only [`AccessEvidence::fields`]).
    pub request: Map<String, Value>,
    /// Why it was denied: the deny messages.
    pub reasons: Vec<String>,
    pub revision: Option<String>,
}

/// A bundle revision that made decisions in the period.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionUse {
    pub revision: String,
    pub decisions: u64,
    pub first: Option<String>,
    pub last: Option<String>,
    /// Whether the build ledger knows it (and so which policy versions it holds).
    pub in_ledger: bool,
    pub govc_version: Option<String>,
}

/// The reason shown for an access denial without a deny message.
pub const NOT_ALLOWED: &str = "not allowed: no `allow` condition held";

/// One `(policy, revision, source, outcome)` group of records.
struct Group {
    policy: String,
    revision: Option<String>,
    source: String,
    outcome: String,
    count: u64,
    /// Denials without a message.
    bare_denials: u64,
    first: i64,
    last: i64,
}

/// Why a report could not be built.
#[derive(Debug, Clone, PartialEq)]
pub enum ReportError {
    /// `--control` matched no control (a usage error).
    NoMatchingControl(String),
    /// The database could not be read.
    Database(String),
}

impl From<String> for ReportError {
    fn from(e: String) -> Self {
        ReportError::Database(e)
    }
}

impl std::fmt::Display for ReportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReportError::NoMatchingControl(e) | ReportError::Database(e) => f.write_str(e),
        }
    }
}

/// Builds the report from the database, verifying the evidence chain.
pub fn build(store: &Store, project: &str, filter: &Filter) -> Result<EvidenceReport, ReportError> {
    build_with(store, project, filter, true)
}

/// Each control's counts and first and last decision, for the evidence column of `govc report`
/// (the chain is not verified: that is `govc audit verify`'s job).
pub fn control_summaries(store: &Store) -> Result<BTreeMap<String, ControlEvidence>, ReportError> {
    let report = build_with(store, "", &Filter::default(), false)?;
    Ok(report.controls.into_iter().map(|c| (c.control.clone(), c)).collect())
}

fn build_with(store: &Store, project: &str, filter: &Filter, verify: bool) -> Result<EvidenceReport, ReportError> {
    let ledger = store.ledger()?;
    let verification = if verify {
        super::chain::verify(store)?
    } else {
        let (records, head) = store.head()?;
        super::chain::Verification {
            records,
            head,
            problems: Vec::new(),
        }
    };
    let controls_of = ControlMap::new(&ledger);
    let (lo, hi) = (filter.since_ms.unwrap_or(i64::MIN), filter.until_ms.unwrap_or(i64::MAX));
    let sql_err = |e: rusqlite::Error| format!("reading the database: {e}");
    let conn = &store.conn;

    let mut groups = Vec::new();
    let mut stmt = conn
        .prepare(
            "SELECT policy, revision, source, outcome, count(*), sum(deny = '[]'), min(time_ms), max(time_ms) \
             FROM records WHERE policy IS NOT NULL AND time_ms BETWEEN ?1 AND ?2 \
             GROUP BY policy, revision, source, outcome",
        )
        .map_err(sql_err)?;
    let rows = stmt
        .query_map([lo, hi], |r| {
            Ok(Group {
                policy: r.get(0)?,
                revision: r.get(1)?,
                source: r.get(2)?,
                outcome: r.get(3)?,
                count: r.get::<_, i64>(4)? as u64,
                bare_denials: r.get::<_, i64>(5)? as u64,
                first: r.get(6)?,
                last: r.get(7)?,
            })
        })
        .map_err(sql_err)?;
    for g in rows {
        groups.push(g.map_err(sql_err)?);
    }

    // Which controls are reported: every control of the newest ledger entry and of any policy
    // version that decided, narrowed by `--control`.
    let mut all_controls: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if let Some(newest) = ledger.last() {
        for p in &newest.policies {
            for c in &p.controls {
                all_controls.entry(c.clone()).or_default().insert(p.policy.clone());
            }
        }
    }
    for g in &groups {
        for c in controls_of.get(&g.policy, g.revision.as_deref()) {
            all_controls.entry(c.clone()).or_default().insert(g.policy.clone());
        }
    }
    let wanted = |c: &str| {
        filter.controls.is_empty()
            || filter
                .controls
                .iter()
                .any(|f| c.to_lowercase().contains(&f.to_lowercase()))
    };
    all_controls.retain(|c, _| wanted(c));
    if !filter.controls.is_empty() && all_controls.is_empty() {
        return Err(ReportError::NoMatchingControl(format!(
            "no control matches {}",
            filter
                .controls
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        )));
    }
    // The (policy, revision) pairs that count for the reported controls.
    let counted = |policy: &str, revision: Option<&str>| {
        controls_of
            .get(policy, revision)
            .iter()
            .any(|c| all_controls.contains_key(c.as_str()))
    };

    let days = day_counts(store, lo, hi)?;
    let reasons = reason_counts(store, lo, hi)?;
    let mut first_ms: Option<i64> = None;
    let mut last_ms: Option<i64> = None;
    let mut totals = Counts::default();
    for g in groups.iter().filter(|g| counted(&g.policy, g.revision.as_deref())) {
        totals.add(&g.outcome, g.count);
        first_ms = Some(first_ms.map_or(g.first, |f| f.min(g.first)));
        last_ms = Some(last_ms.map_or(g.last, |l| l.max(g.last)));
    }
    let span = (
        filter.since_ms.or(first_ms).unwrap_or(0),
        filter.until_ms.or(last_ms).unwrap_or(0),
    );
    let bucket = Bucket::for_span(span.0, span.1);

    let mut controls = Vec::new();
    for (control, policies) in &all_controls {
        let mut counts = Counts::default();
        let (mut from_opa, mut from_gatekeeper) = (0, 0);
        let (mut first, mut last): (Option<i64>, Option<i64>) = (None, None);
        let mut reason_totals: HashMap<&str, u64> = HashMap::new();
        let mut day_totals: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
        let implements =
            |policy: &str, revision: Option<&str>| controls_of.get(policy, revision).iter().any(|c| c == control);
        for g in groups.iter().filter(|g| implements(&g.policy, g.revision.as_deref())) {
            counts.add(&g.outcome, g.count);
            if g.source == "gatekeeper" {
                from_gatekeeper += g.count;
            } else {
                from_opa += g.count;
            }
            first = Some(first.map_or(g.first, |f| f.min(g.first)));
            last = Some(last.map_or(g.last, |l| l.max(g.last)));
            if g.outcome == "denied" && g.bare_denials > 0 {
                *reason_totals.entry(NOT_ALLOWED).or_default() += g.bare_denials;
            }
        }
        for ((policy, revision, reason), n) in &reasons {
            if implements(policy, revision.as_deref()) {
                *reason_totals.entry(reason.as_str()).or_default() += n;
            }
        }
        for ((policy, revision, day), (n, denied)) in &days {
            if implements(policy, revision.as_deref()) {
                let slot = day_totals.entry(*day).or_default();
                slot.0 += n;
                slot.1 += denied;
            }
        }
        let mut top: Vec<Reason> = reason_totals
            .into_iter()
            .map(|(reason, count)| Reason {
                reason: reason.to_string(),
                count,
            })
            .collect();
        top.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
        top.truncate(5);
        controls.push(ControlEvidence {
            control: control.clone(),
            policies: policies.iter().cloned().collect(),
            counts,
            from_opa,
            from_gatekeeper,
            first: first.map(format_ms),
            last: last.map(format_ms),
            top_reasons: top,
            timeline: bucket.timeline(span, &day_totals),
        });
    }

    let mut overall_days: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
    for ((policy, revision, day), (n, denied)) in &days {
        if counted(policy, revision.as_deref()) {
            let slot = overall_days.entry(*day).or_default();
            slot.0 += n;
            slot.1 += denied;
        }
    }

    let access = access_evidence(store, &ledger, &controls_of, &groups, &all_controls, filter, (lo, hi))?;
    let revisions = revision_uses(&groups, &ledger, &counted);
    let mut findings = Vec::new();
    if !verification.is_intact() {
        findings.push(format!(
            "the evidence chain is broken ({}): run `govc audit verify` for the records concerned",
            count_s(verification.problems.len(), "problem")
        ));
    }
    let silent: Vec<&str> = controls
        .iter()
        .filter(|c| c.counts.decisions == 0)
        .map(|c| c.control.as_str())
        .collect();
    if !silent.is_empty() {
        findings.push(format!(
            "{} no recorded decision in the period: {}",
            if silent.len() == 1 {
                "1 control has".to_string()
            } else {
                format!("{} controls have", silent.len())
            },
            silent.join("; ")
        ));
    }
    let unknown: Vec<&RevisionUse> = revisions.iter().filter(|r| !r.in_ledger).collect();
    if !unknown.is_empty() {
        findings.push(format!(
            "{} made by bundle revisions the build ledger does not know ({}): record their builds with `govc build`, or pass their `audit/ledger.json` to `govc audit ingest --ledger`",
            count_s(unknown.iter().map(|r| r.decisions).sum::<u64>(), "decision"),
            unknown
                .iter()
                .map(|r| format!("`{}`", super::chain::short(&r.revision)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut errors: BTreeMap<&str, u64> = BTreeMap::new();
    for g in groups
        .iter()
        .filter(|g| g.outcome == "error" && counted(&g.policy, g.revision.as_deref()))
    {
        *errors.entry(&g.policy).or_default() += g.count;
    }
    for (policy, n) in errors {
        findings.push(format!(
            "{} of {policy} ended in an evaluation error",
            count_s(n, "decision")
        ));
    }
    if filter.controls.is_empty() {
        let (n, example): (i64, Option<String>) = conn
            .query_row(
                "SELECT count(*), min(path) FROM records WHERE policy IS NULL AND time_ms BETWEEN ?1 AND ?2",
                [lo, hi],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(sql_err)?;
        if n > 0 {
            findings.push(format!(
                "{} no policy of the ledger owns (e.g. `{}`): stored, but evidence for no control",
                if n == 1 {
                    "1 decision is of a path".to_string()
                } else {
                    format!("{n} decisions are of paths")
                },
                example.unwrap_or_default()
            ));
        }
    }
    Ok(EvidenceReport {
        project: project.to_string(),
        period: Period {
            since: filter.since_ms.map(format_ms),
            until: filter.until_ms.map(format_ms),
            first: first_ms.map(format_ms),
            last: last_ms.map(format_ms),
        },
        chain: ChainStatus {
            records: verification.records,
            intact: verification.is_intact(),
            head: verification.head,
            problems: verification.problems,
        },
        totals,
        timeline: bucket.timeline(span, &overall_days),
        controls,
        access,
        revisions,
        findings,
    })
}

type DayKey = (String, Option<String>, i64);

/// Decisions and denials per (policy, revision, day since the epoch).
fn day_counts(store: &Store, lo: i64, hi: i64) -> Result<BTreeMap<DayKey, (u64, u64)>, String> {
    let mut stmt = store
        .conn
        .prepare(
            "SELECT policy, revision, time_ms / 86400000 - (time_ms < 0 AND time_ms % 86400000 != 0), count(*), sum(outcome = 'denied') \
             FROM records WHERE policy IS NOT NULL AND time_ms BETWEEN ?1 AND ?2 GROUP BY 1, 2, 3",
        )
        .map_err(|e| e.to_string())?;
    let rows = stmt
        .query_map([lo, hi], |r| {
            Ok((
                (r.get(0)?, r.get(1)?, r.get(2)?),
                (r.get::<_, i64>(3)? as u64, r.get::<_, i64>(4)? as u64),
            ))
        })
        .map_err(|e| e.to_string())?;
    rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
}

type ReasonKey = (String, Option<String>, String);

/// Deny messages per (policy, revision).
fn reason_counts(store: &Store, lo: i64, hi: i64) -> Result<BTreeMap<ReasonKey, u64>, String> {
    let mut stmt = store
        .conn
        .prepare(
            "SELECT r.policy, r.revision, j.value, count(*) FROM records r, json_each(r.deny) j \
             WHERE r.policy IS NOT NULL AND r.time_ms BETWEEN ?1 AND ?2 AND r.deny != '[]' GROUP BY 1, 2, 3",
        )
        .map_err(|e| e.to_string())?;
    let rows = stmt
        .query_map([lo, hi], |r| {
            Ok((
                (r.get(0)?, r.get(1)?, r.get::<_, String>(2)?),
                r.get::<_, i64>(3)? as u64,
            ))
        })
        .map_err(|e| e.to_string())?;
    rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
}

/// The controls of each policy in each revision; for revisions the ledger does not know, the
/// policy's controls in the newest entry that has it.
struct ControlMap {
    by_revision: HashMap<(String, String), Vec<String>>,
    newest: HashMap<String, Vec<String>>,
    titles: HashMap<String, (String, bool, Vec<String>)>,
}

impl ControlMap {
    fn new(ledger: &[LedgerEntry]) -> ControlMap {
        let mut map = ControlMap {
            by_revision: HashMap::new(),
            newest: HashMap::new(),
            titles: HashMap::new(),
        };
        for entry in ledger {
            for p in &entry.policies {
                map.by_revision
                    .insert((entry.revision.clone(), p.policy.clone()), p.controls.clone());
                map.newest.insert(p.policy.clone(), p.controls.clone());
                map.titles
                    .insert(p.policy.clone(), (p.title.clone(), p.access, p.request_fields.clone()));
            }
        }
        map
    }

    fn get(&self, policy: &str, revision: Option<&str>) -> &[String] {
        revision
            .and_then(|r| self.by_revision.get(&(r.to_string(), policy.to_string())))
            .or_else(|| self.newest.get(policy))
            .map_or(&[], Vec::as_slice)
    }
}

fn access_evidence(
    store: &Store,
    ledger: &[LedgerEntry],
    controls_of: &ControlMap,
    groups: &[Group],
    reported: &BTreeMap<String, BTreeSet<String>>,
    filter: &Filter,
    (lo, hi): (i64, i64),
) -> Result<Vec<AccessEvidence>, String> {
    let access_policies: BTreeSet<&str> = ledger
        .iter()
        .flat_map(|e| &e.policies)
        .filter(|p| p.access)
        .map(|p| p.policy.as_str())
        .collect();
    let mut out = Vec::new();
    for policy in access_policies {
        let mut controls: BTreeSet<String> = BTreeSet::new();
        let mut counts = Counts::default();
        for g in groups.iter().filter(|g| g.policy == policy) {
            let cs = controls_of.get(policy, g.revision.as_deref());
            if cs.iter().any(|c| reported.contains_key(c)) {
                counts.add(&g.outcome, g.count);
                controls.extend(cs.iter().cloned());
            }
        }
        let newest_controls = controls_of.get(policy, None);
        if counts.decisions == 0 && !newest_controls.iter().any(|c| reported.contains_key(c)) {
            continue;
        }
        if controls.is_empty() {
            controls.extend(newest_controls.iter().cloned());
        }
        let (title, _, fields) = controls_of.titles.get(policy).cloned().unwrap_or_default();
        let limit = if filter.limit == 0 {
            i64::MAX
        } else {
            filter.limit as i64
        };
        let mut stmt = store
            .conn
            .prepare(
                "SELECT timestamp, decision_id, outcome, input, deny, revision FROM records \
                 WHERE policy = ?1 AND time_ms BETWEEN ?2 AND ?3 ORDER BY time_ms DESC, seq DESC LIMIT ?4",
            )
            .map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map(rusqlite::params![policy, lo, hi, limit], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })
            .map_err(|e| e.to_string())?;
        let mut decisions = Vec::new();
        for row in rows {
            let (timestamp, decision_id, outcome, input, deny, revision) = row.map_err(|e| e.to_string())?;
            let input: Value = input.and_then(|i| serde_json::from_str(&i).ok()).unwrap_or(Value::Null);
            // Only the fields the ledger says a decision log keeps: a field that is not one of
            // them is never shown, whatever the log held.
            let request: Map<String, Value> = fields
                .iter()
                .filter_map(|f| input.get(f).map(|v| (f.clone(), v.clone())))
                .collect();
            let mut reasons: Vec<String> = serde_json::from_str(&deny).unwrap_or_default();
            if reasons.is_empty() && outcome == "denied" {
                reasons.push(NOT_ALLOWED.to_string());
            }
            decisions.push(AccessDecision {
                timestamp,
                decision_id,
                outcome,
                request,
                reasons,
                revision,
            });
        }
        let mut stmt = store
            .conn
            .prepare(
                "SELECT DISTINCT j.value FROM records r, json_each(r.erased) j \
                 WHERE r.policy = ?1 AND r.time_ms BETWEEN ?2 AND ?3 AND r.erased != '[]' \
                 UNION SELECT DISTINCT j.value FROM records r, json_each(r.masked) j \
                 WHERE r.policy = ?1 AND r.time_ms BETWEEN ?2 AND ?3 AND r.masked != '[]'",
            )
            .map_err(|e| e.to_string())?;
        let erased: BTreeSet<String> = stmt
            .query_map(rusqlite::params![policy, lo, hi], |r| r.get::<_, String>(0))
            .map_err(|e| e.to_string())?
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        out.push(AccessEvidence {
            policy: policy.to_string(),
            title,
            controls: controls.into_iter().collect(),
            counts,
            fields,
            erased: erased.into_iter().collect(),
            decisions,
        });
    }
    Ok(out)
}

fn revision_uses(
    groups: &[Group],
    ledger: &[LedgerEntry],
    counted: &dyn Fn(&str, Option<&str>) -> bool,
) -> Vec<RevisionUse> {
    let mut by_revision: BTreeMap<&str, (u64, i64, i64)> = BTreeMap::new();
    for g in groups.iter().filter(|g| counted(&g.policy, g.revision.as_deref())) {
        if let Some(r) = &g.revision {
            let slot = by_revision.entry(r).or_insert((0, i64::MAX, i64::MIN));
            slot.0 += g.count;
            slot.1 = slot.1.min(g.first);
            slot.2 = slot.2.max(g.last);
        }
    }
    let mut out: Vec<RevisionUse> = by_revision
        .into_iter()
        .map(|(revision, (decisions, first, last))| {
            let entry = ledger.iter().find(|e| e.revision == revision);
            RevisionUse {
                revision: revision.to_string(),
                decisions,
                first: Some(format_ms(first)),
                last: Some(format_ms(last)),
                in_ledger: entry.is_some(),
                govc_version: entry.map(|e| e.govc_version.clone()),
            }
        })
        .collect();
    // The revision in use most recently first.
    out.sort_by(|a, b| b.last.cmp(&a.last).then_with(|| a.revision.cmp(&b.revision)));
    out
}

const DAY_MS: i64 = 86_400_000;

/// The width of a timeline's buckets, in days.
struct Bucket {
    days: i64,
}

impl Bucket {
    fn for_span(first_ms: i64, last_ms: i64) -> Bucket {
        let span_days = (last_ms - first_ms).max(0) / DAY_MS + 1;
        Bucket {
            days: match span_days {
                ..=120 => 1,
                121..=1100 => 7,
                // At most about 150 bars, in whole months of 30 days.
                n => ((n / 150).max(30) + 29) / 30 * 30,
            },
        }
    }

    /// Every bucket from the span's first to its last, with the counts of `per_day`.
    fn timeline(&self, (first_ms, last_ms): (i64, i64), per_day: &BTreeMap<i64, (u64, u64)>) -> Timeline {
        let start_of = |day: i64| day - day.rem_euclid(self.days);
        let (first_day, last_day) = (start_of(first_ms.div_euclid(DAY_MS)), last_ms.div_euclid(DAY_MS));
        let mut points = Vec::new();
        let mut day = first_day;
        // INVARIANT: the bucket width keeps the timeline to about 160 points.
        while day <= last_day {
            let (mut n, mut denied) = (0, 0);
            for (_, (a, b)) in per_day.range(day..day + self.days) {
                n += a;
                denied += b;
            }
            points.push(TimePoint {
                start: format_day(day),
                decisions: n,
                denied,
            });
            day += self.days;
        }
        Timeline {
            bucket: match self.days {
                1 => "day".to_string(),
                7 => "week".to_string(),
                n => format!("{n} days"),
            },
            points,
        }
    }
}

/// `2026-07-01T12:00:00.000Z`-style UTC time of epoch milliseconds (milliseconds shown only when
/// not zero).
pub fn format_ms(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) if ms % 1000 == 0 => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => ms.to_string(),
    }
}

fn format_day(day: i64) -> String {
    chrono::DateTime::from_timestamp_millis(day * DAY_MS)
        .map_or_else(|| day.to_string(), |t| t.format("%Y-%m-%d").to_string())
}

/// Parses a `--since`/`--until` bound: an RFC 3339 time, or a date `YYYY-MM-DD` (UTC), which
/// means its start for `since` and its end for `until`.
pub fn parse_bound(text: &str, end_of_day: bool) -> Result<i64, String> {
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let start = date
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_millis())
            .ok_or_else(|| format!("invalid date `{text}`"))?;
        return Ok(if end_of_day { start + DAY_MS - 1 } else { start });
    }
    super::ingest::parse_time(text).map_err(|_| {
        format!("invalid time `{text}`: expected a date (2026-07-01) or an RFC 3339 time (2026-07-01T00:00:00Z)")
    })
}

/// The report as pretty JSON.
pub fn to_json(report: &EvidenceReport) -> String {
    serde_json::to_string_pretty(report).expect("reports always serialize") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timelines_keep_to_a_readable_number_of_bars() {
        let day = |d: i64| d * DAY_MS;
        for (span, bucket, most) in [
            (0, "day", 1),
            (119, "day", 120),
            (400, "week", 59),
            (20_000, "150 days", 135),
        ] {
            let t = Bucket::for_span(day(0), day(span)).timeline((day(0), day(span)), &BTreeMap::new());
            assert_eq!(t.bucket, bucket);
            assert!(
                !t.points.is_empty() && t.points.len() <= most,
                "{span}: {}",
                t.points.len()
            );
        }
        let mut per_day = BTreeMap::new();
        per_day.insert(2, (5, 1));
        per_day.insert(3, (2, 2));
        let t = Bucket::for_span(day(0), day(3)).timeline((day(0), day(3)), &per_day);
        let counts: Vec<(u64, u64)> = t.points.iter().map(|p| (p.decisions, p.denied)).collect();
        assert_eq!(counts, [(0, 0), (0, 0), (5, 1), (2, 2)]);
        assert_eq!(t.points[0].start, "1970-01-01");
    }

    #[test]
    fn bounds_are_dates_or_times() {
        assert_eq!(parse_bound("1970-01-02", false), Ok(DAY_MS));
        assert_eq!(parse_bound("1970-01-02", true), Ok(2 * DAY_MS - 1));
        assert_eq!(parse_bound("1970-01-01T00:00:01+00:00", true), Ok(1000));
        assert!(parse_bound("yesterday", false).is_err());
    }
}
