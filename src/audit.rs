//! Continuous auditing: from decision logs to evidence per control (`govc audit`).
//!
//! The loop, stage by stage:
//! - [`ledger`]: every `govc build` records what its bundle revision contains (each policy, its
//!   controls, the hashes of its source and generated Rego), so a logged decision can be traced
//!   to the version of the policy that made it;
//! - [`logs`]: the formats read: OPA decision-log events (console JSON lines, the HTTP
//!   uploader's gzip'd JSON arrays) and Gatekeeper audit results (Constraints' `status`);
//! - [`ingest`]: events become [`store::Record`]s, tied to a policy and a revision, with the
//!   `@sensitive` fields erased ([`redact`]), appended to the SQLite [`store`] idempotently;
//! - [`chain`]: every record is hash-chained to the one before, so `govc audit verify` finds an
//!   edited, removed or reordered record;
//! - [`evidence`]: the per-control report (decisions, denials, warnings, top reasons, access
//!   decisions), rendered as Markdown, HTML (with inline SVG charts) or JSON.
//!
//! [`decision_log`] writes OPA-format events for `govc eval --decision-log`.

pub mod chain;
pub mod decision_log;
pub mod evidence;
pub mod ingest;
pub mod ledger;
pub mod logs;
pub mod redact;
pub mod store;

use std::path::{Path, PathBuf};

/// The project's audit state directory, `DIR/.govc`: the ledger and the default database.
pub const STATE_DIR: &str = ".govc";

/// The default database file name, in [`STATE_DIR`].
pub const DB_FILE: &str = "audit.db";

/// The directory holding a project: `DIR` itself, or the parent of a single-file project.
fn project_root(project: &Path) -> &Path {
    if project.is_file() {
        project.parent().unwrap_or(project)
    } else {
        project
    }
}

/// `DIR/.govc`.
pub fn state_dir(project: &Path) -> PathBuf {
    project_root(project).join(STATE_DIR)
}

/// The database `govc audit` and `govc report` use without `--db`: `DIR/.govc/audit.db`.
pub fn default_db_path(project: &Path) -> PathBuf {
    state_dir(project).join(DB_FILE)
}

/// Hex-encoded SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

/// Lowercase hexadecimal (hashes are formatted on the ingestion's hot path: no `format!`).
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}
