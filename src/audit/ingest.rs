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
use super::store::{self, Outcome, Record, Store, RECORD_COLUMNS};
use rusqlite::OptionalExtension;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use std::borrow::Cow;
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
    // A large page cache (1 GiB at most, used as needed): the pages an ingestion writes stay in
    // memory until the commit writes them once (a fresh page needs no journal); only beyond
    // it does SQLite spill pages early.
    store
        .conn
        .execute_batch("PRAGMA cache_size = -1048576")
        .map_err(|e| format!("cannot write the database: {e}"))?;
    ingest_files(store, ledger, &files)
}

/// The ingestion proper, in one transaction.
fn ingest_files(store: &mut Store, ledger: &[LedgerEntry], files: &[PathBuf]) -> Result<Summary, String> {
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
            "INSERT OR IGNORE INTO records (seq, {}, prev_hash, hash, decision_key) VALUES ({})",
            RECORD_COLUMNS.join(", "),
            (1..=RECORD_COLUMNS.len() + 4)
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut chain = Appender {
            insert: tx.prepare(&sql).map_err(|e| e.to_string())?,
            stored_id: tx
                .prepare("SELECT decision_id FROM records WHERE decision_key = ?1")
                .map_err(|e| e.to_string())?,
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
        for file in files {
            let raw = read(file)?;
            let name = file.display().to_string();
            let text = logs::decode(&raw).map_err(|e| format!("`{name}`: {e}"))?;
            let before = (chain.summary.read, chain.summary.added, chain.summary.duplicates);
            // The file's hash is computed while its records are read and stored (it takes as
            // long as storing a tenth of them).
            let (sha, parsed) = std::thread::scope(|scope| {
                let sha = scope.spawn(|| super::sha256_hex(&raw));
                let parsed = read_file(&text, &index, &revisions, &mut chain);
                (
                    sha.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                    parsed,
                )
            });
            let parsed = parsed.map_err(|e| format!("`{name}`: {e}"))?;
            chain.summary.skipped += parsed.skipped;
            chain.summary.notes.extend(parsed.notes);
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

/// What reading a file found besides records.
#[derive(Default)]
struct FileNotes {
    skipped: u64,
    notes: Vec<String>,
}

/// A record ready to be chained: its content hash and deduplication key are computed, off the
/// chain's thread.
struct Prepared<'a> {
    record: Record<'a>,
    content_hash: String,
    key: i64,
    erased_here: bool,
}

impl<'a> Prepared<'a> {
    fn new(record: Record<'a>, erased_here: bool) -> Prepared<'a> {
        Prepared {
            content_hash: chain::content_hash(&record.fields()),
            key: store::decision_key(&record.decision_id),
            record,
            erased_here,
        }
    }
}

/// Records go from the parsing thread to the chain in batches of this size.
const BATCH: usize = 512;

/// Reads one file into the chain. Two stages on two threads: one parses the events into records
/// and hashes their content, the other (this one) links them into the chain and stores them,
/// in the file's order.
fn read_file(
    text: &[u8],
    index: &PolicyIndex,
    revisions: &HashSet<&str>,
    chain: &mut Appender<'_>,
) -> Result<FileNotes, String> {
    /// The parser's error when the chain stopped taking records (the chain's error is reported).
    const STOPPED: &str = "stopped";
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<Vec<Prepared<'_>>>(8);
        let parser = scope.spawn(move || -> Result<FileNotes, String> {
            let mut notes = FileNotes::default();
            let mut batch = Vec::with_capacity(BATCH);
            logs::read_items(text, |item| {
                match item {
                    LogItem::Decision(event) => {
                        let (record, erased_here) = decision_record(*event, index, revisions)?;
                        batch.push(Prepared::new(record, erased_here));
                    }
                    LogItem::Audit(audit) => {
                        notes.notes.extend(cap_note(&audit));
                        for record in audit_records(&audit, index)? {
                            batch.push(Prepared::new(record, false));
                        }
                    }
                    LogItem::Other => notes.skipped += 1,
                }
                if batch.len() >= BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    send.send(full).map_err(|_| STOPPED.to_string())?;
                }
                Ok(())
            })?;
            if !batch.is_empty() {
                send.send(batch).map_err(|_| STOPPED.to_string())?;
            }
            Ok(notes)
        });
        let mut stored = Ok(());
        for batch in &receive {
            if let Err(e) = batch.into_iter().try_for_each(|p| chain.push(p)) {
                stored = Err(e);
                break;
            }
        }
        // Unblocks the parser if the chain stopped early.
        drop(receive);
        let parsed = parser.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        stored?;
        parsed
    })
}

/// Appends records to the chain.
struct Appender<'a> {
    insert: rusqlite::Statement<'a>,
    /// The `decision_id` stored under a `decision_key`.
    stored_id: rusqlite::Statement<'a>,
    length: i64,
    head: String,
    revisions: &'a HashSet<&'a str>,
    summary: &'a mut Summary,
}

impl Appender<'_> {
    /// Appends a record unless its `decision_id` is already stored.
    fn push(&mut self, prepared: Prepared<'_>) -> Result<(), String> {
        let Prepared {
            record,
            content_hash,
            mut key,
            erased_here,
        } = prepared;
        let summary = &mut *self.summary;
        summary.read += 1;
        let hash = chain::link(&self.head, &content_hash);
        let seq = self.length + 1;
        let fields = record.fields();
        loop {
            let mut params: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(RECORD_COLUMNS.len() + 4);
            params.push(&seq);
            params.extend(fields.iter().map(|f| f as &dyn rusqlite::ToSql));
            params.push(&self.head);
            params.push(&hash);
            params.push(&key);
            if self.insert.execute(params.as_slice()).map_err(|e| e.to_string())? == 1 {
                break;
            }
            // The key is taken: by this decision (a duplicate), or by another one whose id has
            // the same key (then the next key is probed, see `store::decision_key`).
            let stored: Option<String> = self
                .stored_id
                .query_row([key], |r| r.get(0))
                .optional()
                .map_err(|e| e.to_string())?;
            match stored {
                Some(id) if id == record.decision_id => {
                    summary.duplicates += 1;
                    return Ok(());
                }
                Some(_) => key = store::next_key(key),
                // Refused for its `seq`: rows were added after the chain's head without govc.
                None => {
                    return Err(format!(
                        "cannot store decision `{}`: record {seq} already exists, though the chain head counts {} records (`govc audit verify` tells what changed)",
                        record.decision_id, self.length
                    ))
                }
            }
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
                    summary.unmapped_paths.insert(record.path.to_string());
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
fn data_path<'a>(event: &OpaEvent<'a>) -> Cow<'a, str> {
    match &event.path {
        Some(Cow::Borrowed(p)) if !p.is_empty() => return Cow::Borrowed(p.trim_matches('/')),
        Some(Cow::Owned(p)) if !p.is_empty() => return Cow::Owned(p.trim_matches('/').to_string()),
        _ => {}
    }
    let Some(q) = event.query.as_deref() else {
        return Cow::Borrowed("");
    };
    let q = q.trim();
    Cow::Owned(match q.strip_prefix("data.") {
        Some(rest) => rest
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .next()
            .unwrap_or_default()
            .trim_end_matches('.')
            .replace('.', "/"),
        None => q.to_string(),
    })
}

/// A copy of a `Cow` that still borrows what it borrowed.
fn reborrow<'a>(c: &Cow<'a, str>) -> Cow<'a, str> {
    match c {
        Cow::Borrowed(b) => Cow::Borrowed(b),
        Cow::Owned(o) => Cow::Owned(o.clone()),
    }
}

/// The revision that decided: of the bundle the ledger knows, else of the bundle named `govc`,
/// else the deprecated top-level `revision`, else of the only bundle.
fn revision<'a>(event: &OpaEvent<'a>, known: &HashSet<&str>) -> Option<Cow<'a, str>> {
    let revisions = || event.bundles.values().filter_map(|b| b.revision.as_ref());
    revisions()
        .find(|r| known.contains(r.as_ref()))
        .or_else(|| {
            event
                .bundles
                .get(crate::backend::opa_config::BUNDLE_NAME)
                .and_then(|b| b.revision.as_ref())
        })
        .or(event.revision.as_ref())
        .or_else(|| {
            let mut all = revisions();
            all.next().filter(|_| all.next().is_none())
        })
        .map(reborrow)
}

/// An OPA event as a record; the flag says govc erased sensitive fields the log still carried.
fn decision_record<'a>(
    event: OpaEvent<'a>,
    index: &'a PolicyIndex,
    known: &HashSet<&str>,
) -> Result<(Record<'a>, bool), String> {
    let path = data_path(&event);
    let revision = revision(&event, known);
    let Some(timestamp) = event.timestamp else {
        return Err(format!(
            "decision `{}` has no timestamp",
            event.decision_id.as_deref().unwrap_or("?")
        ));
    };
    let time_ms = parse_time(&timestamp)?;
    let policy = index.by_path(&path);
    let mut erased = event.erased;
    let (input, erased_here) = match (event.input.map(RawValue::get), policy) {
        (Some(raw), Some(p)) => erase_sensitive(p, raw, &mut erased)?,
        (raw, _) => (raw.map(Cow::Borrowed), false),
    };
    let error = event.error.map(|e| match e {
        Value::String(s) => s,
        Value::Object(ref o) => o
            .get("message")
            .and_then(Value::as_str)
            .map_or_else(|| e.to_string(), str::to_string),
        other => other.to_string(),
    });
    let judged = match (policy, event.result) {
        (Some(p), Some(result)) => judge(rule_of(&path, &p.path), result.get()),
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
        _ => Cow::Owned(format!(
            "sha256:{}",
            super::sha256_hex(format!("{path}\n{timestamp}\n{}", input.as_deref().unwrap_or_default()).as_bytes())
        )),
    };
    let record = Record {
        source: "opa",
        decision_id,
        timestamp,
        time_ms,
        path,
        policy: policy.map(|p| Cow::Borrowed(p.policy.as_str())),
        revision,
        outcome,
        allowed,
        deny: json_text(&deny),
        warn: json_text(&warn),
        error,
        input,
        erased: json_text(&erased),
        masked: json_text(&event.masked),
        labels: match event.labels.map(RawValue::get) {
            None | Some("null") => Cow::Borrowed("{}"),
            Some(l) => Cow::Borrowed(l),
        },
    };
    Ok((record, erased_here))
}

fn json_text(items: &[String]) -> Cow<'static, str> {
    if items.is_empty() {
        return Cow::Borrowed("[]");
    }
    Cow::Owned(serde_json::to_string(items).expect("strings serialize"))
}

/// The input to store: its text as logged, or, when it still holds the policy's sensitive
/// fields, without them (their pointers added to `erased`). The flag says fields were erased.
fn erase_sensitive<'a>(
    policy: &IndexedPolicy,
    raw: &'a str,
    erased: &mut Vec<String>,
) -> Result<(Option<Cow<'a, str>>, bool), String> {
    // A sensitive field can only be there if its quoted name is (or if names are escaped): most
    // logs, already masked by OPA, are stored as they are without being parsed.
    if !policy.sensitive_names.iter().any(|name| raw.contains(name.as_str())) && !raw.contains("\\u") {
        return Ok((Some(Cow::Borrowed(raw)), false));
    }
    let mut parts = Maskable {
        input: Some(serde_json::from_str(raw).map_err(|e| format!("invalid input: {e}"))?),
        erased: std::mem::take(erased),
        ..Maskable::default()
    };
    let input = parts.input.as_ref().expect("set above");
    let rules: Vec<MaskRule> = policy
        .sensitive
        .iter()
        .flat_map(|pattern| redact::expand(pattern, input))
        .map(MaskRule::Remove)
        .collect();
    let found = !rules.is_empty();
    redact::apply(&rules, &mut parts)?;
    *erased = parts.erased;
    Ok((parts.input.as_ref().map(|v| Cow::Owned(v.to_string())), found))
}

/// The rule an event's path queried, relative to its policy's package path: `""` for the
/// package itself, `allow`, `deny`, `decision`, ...
fn rule_of<'p>(path: &'p str, package: &str) -> &'p str {
    path.strip_prefix(package).unwrap_or_default().trim_start_matches('/')
}

type Judgement = (Option<bool>, Vec<String>, Vec<String>);

/// What the result of a query of `rule` says: allowed, deny and warn messages; `None` when it
/// says nothing about the decision. Parsed into the fields needed only (a result can hold a
/// whole package); a result of another shape than the rule's is undetermined.
fn judge(rule: &str, result: &str) -> Option<Judgement> {
    #[derive(Deserialize)]
    struct Allow {
        allow: Option<bool>,
    }
    #[derive(Deserialize)]
    struct Package {
        #[serde(default)]
        allow: Option<bool>,
        #[serde(default)]
        deny: Vec<String>,
        #[serde(default)]
        warn: Vec<String>,
        #[serde(default)]
        decision: Option<Allow>,
    }
    #[derive(Deserialize)]
    struct Violation {
        msg: String,
    }
    match rule {
        "" | "decision" => {
            let p: Package = serde_json::from_str(result).ok()?;
            let allowed = p.allow.or_else(|| p.decision.and_then(|d| d.allow));
            Some((allowed, p.deny, p.warn))
        }
        "deny" => Some((None, serde_json::from_str(result).ok()?, Vec::new())),
        "warn" => Some((None, Vec::new(), serde_json::from_str(result).ok()?)),
        "allow" => Some((Some(serde_json::from_str(result).ok()?), Vec::new(), Vec::new())),
        "violation" => {
            let v: Vec<Violation> = serde_json::from_str(result).ok()?;
            Some((None, v.into_iter().map(|v| v.msg).collect(), Vec::new()))
        }
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
fn audit_records(audit: &ConstraintAudit, index: &PolicyIndex) -> Result<Vec<Record<'static>>, String> {
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
            decision_id: Cow::Owned(format!("gatekeeper:{}", super::sha256_hex(id_source.as_bytes()))),
            timestamp: Cow::Owned(timestamp.clone()),
            time_ms,
            path: Cow::Owned(path.clone()),
            policy: policy.clone().map(Cow::Owned),
            revision: None,
            outcome,
            allowed: None,
            deny: json_text(deny),
            warn: json_text(warn),
            error: None,
            input: input.map(Cow::Owned),
            erased: Cow::Borrowed("[]"),
            masked: Cow::Borrowed("[]"),
            labels: Cow::Owned(labels),
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
        let event = |text: &'static str| -> OpaEvent<'static> { serde_json::from_str(text).expect("an event") };
        assert_eq!(
            data_path(&event(r#"{"query": "data.acme.access.model_access.allow"}"#)),
            "acme/access/model_access/allow"
        );
        assert_eq!(data_path(&event(r#"{"query": "data.a.b.deny == set()"}"#)), "a/b/deny");
        assert_eq!(data_path(&event(r#"{"query": "x = 1"}"#)), "x = 1");
        assert_eq!(data_path(&event(r#"{"path": "/a/b/", "query": "data.c"}"#)), "a/b");
    }

    #[test]
    fn a_decision_whose_key_is_taken_by_another_is_still_stored_once() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut store = Store::open_or_create(&dir.path().join("audit.db")).expect("creates");
        let event = |id: &str| {
            format!("{{\"decision_id\":\"{id}\",\"path\":\"a/b/allow\",\"result\":true,\"timestamp\":\"2026-07-01T00:00:00Z\"}}\n")
        };
        let log = |name: &str, text: String| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).expect("writes the log");
            vec![path]
        };
        assert_eq!(
            ingest(&mut store, &[], &log("a.jsonl", event("a")))
                .expect("ingests")
                .added,
            1
        );
        // As if `a` and `b` had the same key: `b` must probe past `a`'s.
        store
            .conn
            .execute(
                "UPDATE records SET decision_key = ?1 WHERE decision_id = 'a'",
                [store::decision_key("b")],
            )
            .expect("updates");
        let b = log("b.jsonl", event("b"));
        let first = ingest(&mut store, &[], &b).expect("ingests");
        assert_eq!((first.added, first.duplicates), (1, 0), "`b` is not `a`");
        let again = ingest(&mut store, &[], &b).expect("ingests");
        assert_eq!((again.added, again.duplicates), (0, 1), "`b` is found past `a`");
        let keys: Vec<(String, i64)> = {
            let mut stmt = store
                .conn
                .prepare("SELECT decision_id, decision_key FROM records ORDER BY seq")
                .expect("prepares");
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("reads");
            rows.collect::<Result<_, _>>().expect("rows")
        };
        let k = store::decision_key("b");
        assert_eq!(keys, [("a".to_string(), k), ("b".to_string(), store::next_key(k))]);
        assert!(chain::verify(&store).expect("verifies").is_intact());
    }

    #[test]
    fn results_of_each_rule_are_judged() {
        assert_eq!(judge("allow", "true"), Some((Some(true), vec![], vec![])));
        assert_eq!(judge("deny", r#"["a"]"#), Some((None, vec!["a".into()], vec![])));
        assert_eq!(
            judge("violation", r#"[{"msg": "m", "policy": "p"}]"#),
            Some((None, vec!["m".into()], vec![]))
        );
        assert_eq!(
            judge(
                "",
                r#"{"deny": [], "warn": ["w"], "allow": true, "_document": {"x": [1]}}"#
            ),
            Some((Some(true), vec![], vec!["w".into()]))
        );
        assert_eq!(
            judge(
                "decision",
                r#"{"allow": false, "deny": ["d"], "request": {"user": "u"}}"#
            ),
            Some((Some(false), vec!["d".into()], vec![]))
        );
        assert_eq!(judge("_helper", "1"), None);
        assert_eq!(judge("allow", r#"{"not": "a bool"}"#), None);
        assert_eq!(outcome(true, Some(false), &[], &[]), Outcome::Denied);
        assert_eq!(outcome(false, Some(true), &[], &["w".into()]), Outcome::Warned);
        assert_eq!(outcome(false, None, &[], &[]), Outcome::Passed);
    }
}
