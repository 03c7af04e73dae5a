//! `govc audit ingest`: log files → records, appended to the evidence database in one
//! transaction (all files or nothing).
//!
//! Each OPA event is tied to the policy whose package its `path` (or `query`) falls under, and to
//! the bundle revision it names; its input loses every `@sensitive` field the ledger knows of,
//! whether or not OPA's decision logger already erased it; its result is reduced to what the
//! policy decided (allowed, deny and warn messages). Each Gatekeeper violation becomes a denied
//! (or warned) record of the policy named by the Constraint's `govc.dev/policy` annotation, and
//! a Constraint audited without violations a passed one. A `decision_id` already in the database
//! is skipped, so ingesting the same file twice adds nothing.

use super::chain;
use super::ledger::{IndexedPolicy, LedgerEntry, PolicyIndex};
use super::logs::{self, ConstraintAudit, LogItem, OpaEvent};
use super::redact::{self, MaskRule, Maskable};
use super::store::{Outcome, Record, Store, RECORD_COLUMNS};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

/// What an ingestion did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Summary {
    pub files: usize,
    /// Decisions read (OPA events and Gatekeeper results).
    pub read: u64,
    pub added: u64,
    /// Already in the database (same `decision_id`).
    pub duplicates: u64,
    /// Console-logger lines that were not decisions.
    pub skipped: u64,
    /// Records added whose path no policy of the ledger matches.
    pub unmapped: u64,
    /// A few of those paths, for the message.
    pub unmapped_paths: BTreeSet<String>,
    /// Records added from which govc erased `@sensitive` fields that the log still carried.
    pub erased_here: u64,
    /// Ledger entries (revisions) new to the database.
    pub new_revisions: usize,
    /// Records added whose revision the ledger does not know.
    pub unknown_revisions: BTreeSet<String>,
    /// Things the user should know (e.g. Gatekeeper's violation cap).
    pub notes: Vec<String>,
    /// The chain after the ingestion.
    pub records: u64,
    pub head: String,
}

/// Ingests `logs` (files, directories of files, or `-` for standard input) into `store`, after
/// adding `ledger` entries.
pub fn ingest(store: &mut Store, ledger: &[LedgerEntry], logs: &[PathBuf]) -> Result<Summary, String> {
    let files = expand(logs)?;
    let tx = store
        .conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| format!("cannot write the database: {e}"))?;
    let mut summary = Summary::default();
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    {
        let mut add = tx
            .prepare("INSERT OR IGNORE INTO ledger (revision, entry, recorded_at) VALUES (?1, ?2, ?3)")
            .map_err(|e| e.to_string())?;
        for entry in ledger {
            summary.new_revisions += add
                .execute(rusqlite::params![entry.revision, entry.to_line().trim_end(), now])
                .map_err(|e| e.to_string())?;
        }
    }
    let entries: Vec<LedgerEntry> = {
        let mut stmt = tx
            .prepare("SELECT entry FROM ledger ORDER BY rowid")
            .map_err(|e| e.to_string())?;
        let texts: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .map_err(|e| e.to_string())?
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        for t in texts {
            out.extend(super::ledger::parse(t.as_bytes())?);
        }
        out
    };
    let index = PolicyIndex::new(&entries);
    let revisions: HashSet<&str> = entries.iter().map(|e| e.revision.as_str()).collect();
    let (length, head): (i64, String) = tx
        .query_row("SELECT length, head FROM chain WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .map_err(|e| format!("the chain head is missing: {e}"))?;
    let (length, head) = {
        let sql = format!(
            "INSERT OR IGNORE INTO records (seq, {}, prev_hash, hash) VALUES ({})",
            RECORD_COLUMNS.join(", "),
            (1..=RECORD_COLUMNS.len() + 3)
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut chain = Appender {
            insert: tx.prepare(&sql).map_err(|e| e.to_string())?,
            length,
            head,
            revisions: &revisions,
            summary: &mut summary,
        };
        let mut log_file = tx
            .prepare(
                "INSERT INTO ingests (at, file, sha256, events, added, duplicates) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(|e| e.to_string())?;
        for file in &files {
            let raw = read(file)?;
            let sha = super::sha256_hex(&raw);
            let name = file.display().to_string();
            let text = logs::decode(raw).map_err(|e| format!("`{name}`: {e}"))?;
            let before = (chain.summary.read, chain.summary.added, chain.summary.duplicates);
            logs::read_items(&text, |item| match item {
                LogItem::Decision(event) => {
                    let (record, erased_here) = decision_record(*event, &index, &revisions)?;
                    chain.push(record, erased_here)
                }
                LogItem::Audit(audit) => {
                    if let Some(note) = cap_note(&audit) {
                        chain.summary.notes.push(note);
                    }
                    for record in audit_records(&audit, &index)? {
                        chain.push(record, false)?;
                    }
                    Ok(())
                }
                LogItem::Other => {
                    chain.summary.skipped += 1;
                    Ok(())
                }
            })
            .map_err(|e| format!("`{name}`: {e}"))?;
            let s = &chain.summary;
            log_file
                .execute(rusqlite::params![
                    now,
                    name,
                    sha,
                    (s.read - before.0) as i64,
                    (s.added - before.1) as i64,
                    (s.duplicates - before.2) as i64
                ])
                .map_err(|e| e.to_string())?;
            chain.summary.files += 1;
        }
        (chain.length, chain.head)
    };
    tx.execute(
        "UPDATE chain SET length = ?1, head = ?2 WHERE id = 1",
        rusqlite::params![length, head],
    )
    .map_err(|e| e.to_string())?;
    tx.commit().map_err(|e| format!("cannot commit to the database: {e}"))?;
    summary.records = length as u64;
    summary.head = head;
    Ok(summary)
}

/// Appends records to the chain.
struct Appender<'a> {
    insert: rusqlite::Statement<'a>,
    length: i64,
    head: String,
    revisions: &'a HashSet<&'a str>,
    summary: &'a mut Summary,
}

impl Appender<'_> {
    /// Appends a record unless its `decision_id` is already stored.
    fn push(&mut self, record: Record, erased_here: bool) -> Result<(), String> {
        let summary = &mut *self.summary;
        summary.read += 1;
        let fields = record.fields();
        let hash = chain::link(&self.head, &fields);
        let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(RECORD_COLUMNS.len() + 3);
        values.push((self.length + 1).into());
        values.extend(fields.iter().map(to_sql));
        values.push(self.head.clone().into());
        values.push(hash.clone().into());
        let changed = self
            .insert
            .execute(rusqlite::params_from_iter(&values))
            .map_err(|e| e.to_string())?;
        if changed == 0 {
            summary.duplicates += 1;
            return Ok(());
        }
        self.length += 1;
        self.head = hash;
        summary.added += 1;
        if erased_here {
            summary.erased_here += 1;
        }
        match &record.policy {
            None => {
                summary.unmapped += 1;
                if summary.unmapped_paths.len() < 5 {
                    summary.unmapped_paths.insert(record.path.clone());
                }
            }
            Some(_) => {
                if let Some(r) = record.revision.as_deref().filter(|r| !self.revisions.contains(r)) {
                    summary.unknown_revisions.insert(r.to_string());
                }
            }
        }
        Ok(())
    }
}

fn to_sql(f: &chain::Field<'_>) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match *f {
        chain::Field::Null => V::Null,
        chain::Field::Int(i) => V::Integer(i),
        chain::Field::Real(x) => V::Real(x),
        chain::Field::Text(s) => V::Text(s.to_string()),
        chain::Field::Blob(b) => V::Blob(b.to_vec()),
    }
}

/// Files to read: each path as given, the files below each directory (sorted).
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" || p.is_file() {
            out.push(p.clone());
        } else if p.is_dir() {
            let mut found = Vec::new();
            collect(p, &mut found).map_err(|e| format!("cannot read `{}`: {e}", p.display()))?;
            found.sort();
            out.extend(found);
        } else {
            return Err(format!("`{}` does not exist", p.display()));
        }
    }
    Ok(out)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if !path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
            out.push(path);
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    if path.as_os_str() == "-" {
        use std::io::Read;
        let mut out = Vec::new();
        std::io::stdin()
            .read_to_end(&mut out)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        return Ok(out);
    }
    std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

/// Milliseconds since the epoch of an RFC 3339 timestamp.
pub fn parse_time(text: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .map_err(|e| format!("invalid timestamp `{text}`: {e}"))
}

/// The data path of an event: its `path`, or the reference its `query` starts with
/// (`data.a.b.allow == true` → `a/b/allow`).
fn data_path(event: &OpaEvent) -> String {
    if let Some(p) = event.path.as_deref().filter(|p| !p.is_empty()) {
        return p.trim_matches('/').to_string();
    }
    let Some(q) = event.query.as_deref() else {
        return String::new();
    };
    let q = q.trim();
    match q.strip_prefix("data.") {
        Some(rest) => rest
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .next()
            .unwrap_or_default()
            .trim_end_matches('.')
            .replace('.', "/"),
        None => q.to_string(),
    }
}

/// The revision that decided: of the bundle the ledger knows, else of the bundle named `govc`,
/// else the deprecated top-level `revision`, else of the only bundle.
fn revision(event: &OpaEvent, known: &HashSet<&str>) -> Option<String> {
    let revisions = || event.bundles.values().filter_map(|b| b.revision.as_deref());
    revisions()
        .find(|r| known.contains(r))
        .or_else(|| {
            event
                .bundles
                .get(crate::backend::opa_config::BUNDLE_NAME)
                .and_then(|b| b.revision.as_deref())
        })
        .or(event.revision.as_deref())
        .or_else(|| {
            let mut all = revisions();
            all.next().filter(|_| all.next().is_none())
        })
        .map(str::to_string)
}

/// An OPA event as a record; the flag says govc erased sensitive fields the log still carried.
fn decision_record(event: OpaEvent, index: &PolicyIndex, known: &HashSet<&str>) -> Result<(Record, bool), String> {
    let path = data_path(&event);
    let revision = revision(&event, known);
    let Some(timestamp) = event.timestamp.clone() else {
        return Err(format!(
            "decision `{}` has no timestamp",
            event.decision_id.as_deref().unwrap_or("?")
        ));
    };
    let time_ms = parse_time(&timestamp)?;
    let policy = index.by_path(&path);
    let mut parts = Maskable {
        input: event.input,
        result: event.result,
        nd_builtin_cache: None,
        erased: event.erased,
        masked: event.masked,
    };
    let erased_here = match policy {
        Some(p) => erase_sensitive(p, &mut parts)?,
        None => false,
    };
    let error = event.error.map(|e| match e {
        Value::String(s) => s,
        Value::Object(ref o) => o
            .get("message")
            .and_then(Value::as_str)
            .map_or_else(|| e.to_string(), str::to_string),
        other => other.to_string(),
    });
    let rule = policy.map(|p| rule_of(&path, &p.policy));
    let judged = match (&rule, &parts.result) {
        (Some(rule), Some(result)) => judge(rule, result),
        _ => None,
    };
    let access = policy.is_some_and(|p| p.access);
    let (allowed, deny, warn) = judged.clone().unwrap_or_default();
    let outcome = if error.is_some() {
        Outcome::Error
    } else if judged.is_none() {
        Outcome::Undetermined
    } else {
        outcome(access, allowed, &deny, &warn)
    };
    let decision_id = match event.decision_id {
        Some(id) if !id.is_empty() => id,
        // OPA always sets one; a hand-made event gets one derived from its content, so
        // ingesting it twice still adds it once.
        _ => format!(
            "sha256:{}",
            super::sha256_hex(
                format!(
                    "{path}\n{timestamp}\n{}",
                    parts.input.as_ref().map(Value::to_string).unwrap_or_default()
                )
                .as_bytes()
            )
        ),
    };
    let record = Record {
        source: "opa",
        decision_id,
        timestamp,
        time_ms,
        path,
        policy: policy.map(|p| p.policy.clone()),
        revision,
        outcome,
        allowed,
        deny: json_text(&deny),
        warn: json_text(&warn),
        error,
        input: parts.input.as_ref().map(Value::to_string),
        erased: json_text(&parts.erased),
        masked: json_text(&parts.masked),
        labels: event
            .labels
            .map_or_else(|| "{}".to_string(), |l| Value::Object(l).to_string()),
    };
    Ok((record, erased_here))
}

fn json_text(items: &[String]) -> String {
    serde_json::to_string(items).expect("strings serialize")
}

/// Erases the policy's sensitive fields still present in the input; true when there were any.
fn erase_sensitive(policy: &IndexedPolicy, parts: &mut Maskable) -> Result<bool, String> {
    let Some(input) = &parts.input else {
        return Ok(false);
    };
    let rules: Vec<MaskRule> = policy
        .sensitive
        .iter()
        .flat_map(|pattern| redact::expand(pattern, input))
        .map(MaskRule::Remove)
        .collect();
    if rules.is_empty() {
        return Ok(false);
    }
    redact::apply(&rules, parts)?;
    Ok(true)
}

/// The rule an event's path queried, relative to its policy's package: `""` for the package
/// itself, `allow`, `deny`, `decision`, ...
fn rule_of(path: &str, policy: &str) -> String {
    let package = policy.replace('.', "/");
    path.strip_prefix(&package)
        .unwrap_or_default()
        .trim_start_matches('/')
        .to_string()
}

type Judgement = (Option<bool>, Vec<String>, Vec<String>);

/// What the result of a query of `rule` says: allowed, deny and warn messages; `None` when it
/// says nothing about the decision.
fn judge(rule: &str, result: &Value) -> Option<Judgement> {
    let strings = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::Array(items)) => items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect(),
            _ => Vec::new(),
        }
    };
    match rule {
        "" => {
            let o = result.as_object()?;
            let allowed = o
                .get("allow")
                .and_then(Value::as_bool)
                .or_else(|| o.get("decision").and_then(|d| d["allow"].as_bool()));
            Some((allowed, strings(o.get("deny")), strings(o.get("warn"))))
        }
        "deny" => Some((None, strings(Some(result)), Vec::new())),
        "warn" => Some((None, Vec::new(), strings(Some(result)))),
        "allow" => Some((Some(result.as_bool()?), Vec::new(), Vec::new())),
        "violation" => {
            let msgs = result
                .as_array()?
                .iter()
                .filter_map(|v| v["msg"].as_str().map(str::to_string))
                .collect();
            Some((None, msgs, Vec::new()))
        }
        "decision" => Some((result["allow"].as_bool(), strings(result.get("deny")), Vec::new())),
        _ => None,
    }
}

fn outcome(access: bool, allowed: Option<bool>, deny: &[String], warn: &[String]) -> Outcome {
    match allowed {
        Some(true) if access => Outcome::Allowed,
        Some(false) if access => Outcome::Denied,
        _ if !deny.is_empty() => Outcome::Denied,
        Some(false) => Outcome::Denied,
        _ if !warn.is_empty() => Outcome::Warned,
        _ => Outcome::Passed,
    }
}

/// Gatekeeper's audit of one Constraint as records: one per violation, or one passed record
/// when it found none.
fn audit_records(audit: &ConstraintAudit, index: &PolicyIndex) -> Result<Vec<Record>, String> {
    let Some(timestamp) = audit.audit_timestamp.clone() else {
        // Not audited yet: nothing to record.
        return Ok(Vec::new());
    };
    let time_ms = parse_time(&timestamp)?;
    let policy = audit
        .policy
        .as_deref()
        .and_then(|p| index.by_name(p))
        .map(|p| p.policy.clone());
    let path = format!("gatekeeper/{}/{}", audit.kind, audit.name);
    let record = |outcome: Outcome, input: Option<String>, deny: &[String], warn: &[String], action: &str| {
        let labels = json!({
            "constraint_kind": audit.kind,
            "constraint_name": audit.name,
            "enforcement_action": action,
        })
        .to_string();
        let id_source = format!(
            "{}\n{}\n{timestamp}\n{}",
            audit.kind,
            audit.name,
            input.as_deref().unwrap_or("")
        );
        Record {
            source: "gatekeeper",
            decision_id: format!("gatekeeper:{}", super::sha256_hex(id_source.as_bytes())),
            timestamp: timestamp.clone(),
            time_ms,
            path: path.clone(),
            policy: policy.clone(),
            revision: None,
            outcome,
            allowed: None,
            deny: json_text(deny),
            warn: json_text(warn),
            error: None,
            input,
            erased: "[]".to_string(),
            masked: "[]".to_string(),
            labels,
        }
    };
    if audit.violations.is_empty() {
        return Ok(vec![record(Outcome::Passed, None, &[], &[], "")]);
    }
    Ok(audit
        .violations
        .iter()
        .map(|v| {
            let input = serde_json::to_string(v).expect("violations serialize");
            let message = std::slice::from_ref(&v.message);
            if v.enforcement_action == "warn" {
                record(Outcome::Warned, Some(input), &[], message, &v.enforcement_action)
            } else {
                record(Outcome::Denied, Some(input), message, &[], &v.enforcement_action)
            }
        })
        .collect())
}

/// Gatekeeper lists at most `--constraint-violations-limit` violations per Constraint.
fn cap_note(audit: &ConstraintAudit) -> Option<String> {
    let total = audit.total_violations?;
    (total > audit.violations.len() as u64).then(|| {
        format!(
            "Gatekeeper found {total} violations of {} `{}` but listed {}: raise its --constraint-violations-limit to record them all",
            audit.kind,
            audit.name,
            audit.violations.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_map_to_data_paths() {
        let event = |q: &str| OpaEvent {
            query: Some(q.to_string()),
            ..OpaEvent::default()
        };
        assert_eq!(
            data_path(&event("data.acme.access.model_access.allow")),
            "acme/access/model_access/allow"
        );
        assert_eq!(data_path(&event("data.a.b.deny == set()")), "a/b/deny");
        assert_eq!(data_path(&event("x = 1")), "x = 1");
    }

    #[test]
    fn results_of_each_rule_are_judged() {
        assert_eq!(judge("allow", &json!(true)), Some((Some(true), vec![], vec![])));
        assert_eq!(judge("deny", &json!(["a"])), Some((None, vec!["a".into()], vec![])));
        assert_eq!(
            judge("violation", &json!([{"msg": "m", "policy": "p"}])),
            Some((None, vec!["m".into()], vec![]))
        );
        assert_eq!(
            judge("", &json!({"deny": [], "warn": ["w"], "allow": true})),
            Some((Some(true), vec![], vec!["w".into()]))
        );
        assert_eq!(judge("_helper", &json!(1)), None);
        assert_eq!(outcome(true, Some(false), &[], &[]), Outcome::Denied);
        assert_eq!(outcome(false, Some(true), &[], &["w".into()]), Outcome::Warned);
        assert_eq!(outcome(false, None, &[], &[]), Outcome::Passed);
    }
}
