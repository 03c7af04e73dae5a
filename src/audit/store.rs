//! The evidence database: one SQLite file (`DIR/.govc/audit.db` by default).
//!
//! - `records`: one row per decision, in chain order (`seq` 1, 2, ...), each with the hash of the
//!   row before (`prev_hash`) and its own (`hash`, see [`super::chain`]). Its only index is the
//!   unique `decision_key` (which makes ingestion idempotent, see [`decision_key`]): reports scan
//!   the table, which costs less than maintaining another index on every insertion;
//! - `chain`: the head of the chain (length and last hash), updated with every ingestion;
//! - `ledger`: the build ledger entries (revision → policies), as JSON;
//! - `ingests`: one row per file ingested: when, its SHA-256, how many records it added.
//!
//! The file is marked with SQLite's `application_id` so no other database is mistaken for one.

use super::ledger::LedgerEntry;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// The `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One column value, as stored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Field<'a> {
    Null,
    Int(i64),
    Real(f64),
    /// Text, as its bytes (hashed as stored, never re-encoded).
    Text(&'a [u8]),
    Blob(&'a [u8]),
}

impl<'a> From<rusqlite::types::ValueRef<'a>> for Field<'a> {
    fn from(v: rusqlite::types::ValueRef<'a>) -> Self {
        use rusqlite::types::ValueRef;
        match v {
            ValueRef::Null => Field::Null,
            ValueRef::Integer(i) => Field::Int(i),
            ValueRef::Real(f) => Field::Real(f),
            ValueRef::Text(t) => Field::Text(t),
            ValueRef::Blob(b) => Field::Blob(b),
        }
    }
}

/// Fields bind to SQL parameters without copying.
impl rusqlite::ToSql for Field<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Field::Null => ValueRef::Null,
            Field::Int(i) => ValueRef::Integer(i),
            Field::Real(x) => ValueRef::Real(x),
            Field::Text(s) => ValueRef::Text(s),
            Field::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// `PRAGMA application_id`: "govc".
const APPLICATION_ID: i64 = 0x676f_7663;
/// `PRAGMA user_version`: the schema's version.
const SCHEMA_VERSION: i64 = 2;

const SCHEMA: &str = "
CREATE TABLE records (
    seq         INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    decision_id TEXT NOT NULL,
    timestamp   TEXT NOT NULL,
    time_ms     INTEGER NOT NULL,
    path        TEXT NOT NULL,
    policy      TEXT,
    revision    TEXT,
    outcome     TEXT NOT NULL,
    allowed     INTEGER,
    deny        TEXT NOT NULL,
    warn        TEXT NOT NULL,
    error       TEXT,
    input       TEXT,
    erased      TEXT NOT NULL,
    masked      TEXT NOT NULL,
    labels      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    -- Derived from decision_id (see decision_key in store.rs), not part of the evidence.
    decision_key INTEGER NOT NULL UNIQUE
);
CREATE TABLE chain (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    length INTEGER NOT NULL,
    head   TEXT NOT NULL
);
CREATE TABLE ledger (
    revision    TEXT PRIMARY KEY,
    entry       TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE TABLE ingests (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    file       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    events     INTEGER NOT NULL,
    added      INTEGER NOT NULL,
    duplicates INTEGER NOT NULL
);
";

/// The columns of a record covered by its hash, in hashing order.
pub const RECORD_COLUMNS: [&str; 16] = [
    "source",
    "decision_id",
    "timestamp",
    "time_ms",
    "path",
    "policy",
    "revision",
    "outcome",
    "allowed",
    "deny",
    "warn",
    "error",
    "input",
    "erased",
    "masked",
    "labels",
];

/// What a decision came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An access decision that allowed.
    Allowed,
    /// Denied: an access decision that did not allow, or `deny` messages.
    Denied,
    /// Not denied, but with `warn` messages.
    Warned,
    /// Neither denied nor warned.
    Passed,
    /// OPA reported an evaluation error.
    Error,
    /// The event's result says nothing about the policy's decision (a helper rule was queried,
    /// or the result is missing).
    Undetermined,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Denied => "denied",
            Outcome::Warned => "warned",
            Outcome::Passed => "passed",
            Outcome::Error => "error",
            Outcome::Undetermined => "undetermined",
        }
    }
}

/// One decision as stored. JSON-valued columns hold their JSON text. Text borrows from the log
/// it was read from where it can: ingestion copies each event's text once, into SQLite.
#[derive(Debug, Clone, PartialEq)]
pub struct Record<'a> {
    /// `opa` or `gatekeeper`.
    pub source: &'static str,
    pub decision_id: Cow<'a, str>,
    /// As logged (RFC 3339).
    pub timestamp: Cow<'a, str>,
    /// Milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// The data path OPA logged; `gatekeeper/<Kind>/<name>` for admission audits.
    pub path: Cow<'a, str>,
    /// The policy (dotted) the path belongs to; `None` when no policy of the ledger matches.
    pub policy: Option<Cow<'a, str>>,
    /// The bundle revision that decided, when the event names one.
    pub revision: Option<Cow<'a, str>>,
    pub outcome: Outcome,
    pub allowed: Option<bool>,
    /// JSON array of the deny messages.
    pub deny: Cow<'a, str>,
    /// JSON array of the warn messages.
    pub warn: Cow<'a, str>,
    pub error: Option<String>,
    /// The input, with masked fields erased (JSON).
    pub input: Option<Cow<'a, str>>,
    /// JSON arrays of the pointers erased and masked.
    pub erased: Cow<'a, str>,
    pub masked: Cow<'a, str>,
    /// JSON object: OPA's labels, or the Constraint for Gatekeeper.
    pub labels: Cow<'a, str>,
}

impl Record<'_> {
    /// The hashed fields, in [`RECORD_COLUMNS`] order.
    pub fn fields(&self) -> [Field<'_>; 16] {
        [
            text(self.source),
            text(&self.decision_id),
            text(&self.timestamp),
            Field::Int(self.time_ms),
            text(&self.path),
            opt(self.policy.as_deref()),
            opt(self.revision.as_deref()),
            text(self.outcome.as_str()),
            self.allowed.map_or(Field::Null, |a| Field::Int(i64::from(a))),
            text(&self.deny),
            text(&self.warn),
            opt(self.error.as_deref()),
            opt(self.input.as_deref()),
            text(&self.erased),
            text(&self.masked),
            text(&self.labels),
        ]
    }
}

/// The deduplication key of a decision: the first 64 bits of the SHA-256 of its `decision_id`.
///
/// The unique index is on this integer rather than on the text: OPA's ids are random UUIDs, so
/// every insertion lands anywhere in the index, and an index of integers is a third the size of
/// one of UUIDs and faster to search. Two ids may share a key (about one chance in 40 million among a
/// million decisions): the insertion then probes the next keys ([`next_key`]), comparing the
/// stored `decision_id`, so a decision is a duplicate only when its `decision_id` is stored.
/// The function must never change: stored keys are found again with it.
pub fn decision_key(decision_id: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(decision_id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// The key to probe after `key` when it belongs to another `decision_id`.
pub fn next_key(key: i64) -> i64 {
    key.wrapping_add(1)
}

fn text(s: &str) -> Field<'_> {
    Field::Text(s.as_bytes())
}

fn opt(s: Option<&str>) -> Field<'_> {
    s.map_or(Field::Null, text)
}

/// An open evidence database.
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens the database, creating it (and its directory) when it does not exist.
    pub fn open_or_create(path: &Path) -> Result<Store, String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
        }
        let conn = Connection::open(path).map_err(|e| format!("cannot open `{}`: {e}", path.display()))?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.check_or_init(true)?;
        Ok(store)
    }

    /// Opens an existing database, read-only (`verify` and the reports never write).
    pub fn open(path: &Path) -> Result<Store, String> {
        if !path.is_file() {
            return Err(format!(
                "no audit database at `{}`: `govc audit ingest` creates it",
                path.display()
            ));
        }
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(|e| format!("cannot open `{}`: {e}", path.display()))?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.check_or_init(false)?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn check_or_init(&self, create: bool) -> Result<(), String> {
        let err = |e: rusqlite::Error| format!("`{}`: {e}", self.path.display());
        let pragma = |name: &str| -> Result<i64, String> {
            self.conn
                .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
                .map_err(|e| format!("`{}` is not a govc audit database: {e}", self.path.display()))
        };
        let app = pragma("application_id")?;
        let tables: i64 = self
            .conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| format!("`{}` is not a govc audit database: {e}", self.path.display()))?;
        if app == 0 && tables == 0 && create {
            self.conn
                .execute_batch(&format!(
                    // 16 KiB pages: records are a few hundred bytes, and larger pages mean fewer
                    // splits while appending them.
                    "PRAGMA page_size = 16384; PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION}; \
                     BEGIN; {SCHEMA} INSERT INTO chain (id, length, head) VALUES (1, 0, '{}'); COMMIT;",
                    GENESIS
                ))
                .map_err(err)?;
            return Ok(());
        }
        if app != APPLICATION_ID {
            return Err(format!(
                "`{}` is not a govc audit database (SQLite application_id {app:#x})",
                self.path.display()
            ));
        }
        let version = pragma("user_version")?;
        if version != SCHEMA_VERSION {
            return Err(format!(
                "`{}` has schema version {version}; this govc reads version {SCHEMA_VERSION}",
                self.path.display()
            ));
        }
        Ok(())
    }

    /// The chain's recorded head: its length and last hash.
    pub fn head(&self) -> Result<(u64, String), String> {
        self.conn
            .query_row("SELECT length, head FROM chain WHERE id = 1", [], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get(1)?))
            })
            .optional()
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "the chain head is missing (table `chain` was emptied)".to_string())
    }

    /// Every ledger entry, oldest first.
    pub fn ledger(&self) -> Result<Vec<LedgerEntry>, String> {
        let mut stmt = self
            .conn
            .prepare("SELECT entry FROM ledger ORDER BY rowid")
            .map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        for text in rows {
            let text = text.map_err(|e| e.to_string())?;
            out.extend(super::ledger::parse(text.as_bytes())?);
        }
        Ok(out)
    }
}
