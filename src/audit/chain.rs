//! Tamper evidence: every record is chained to the one before it by hash.
//!
//! `hash = SHA-256(prev_hash || "\n" || SHA-256(encoding(record)))`, where the encoding (see
//! [`content_hash`]) is the record's columns ([`super::store::RECORD_COLUMNS`]) as stored, each
//! with its type and length, and the first record's `prev_hash` is [`GENESIS`]. (The content
//! hash is computed while parsing, on another thread; linking it is cheap.) Each row keeps its `prev_hash`, and the `chain` table keeps the
//! length and the last hash. So [`verify`] can tell:
//! - an **edited** record: its hash no longer matches its content;
//! - a **removed** record: the next one was chained after a hash no row has any more (or the
//!   chain is shorter than its head says);
//! - **reordered** records: a row was chained after another row than the one before it.
//!
//! This detects changes made with anything but govc; someone able to rewrite the whole file can
//! recompute every hash, which is why `ingest` and `verify` print the head hash: kept elsewhere
//! (a ticket, a signed commit), it pins the chain as it was.

pub use super::store::{Field, GENESIS};
use super::store::{Store, RECORD_COLUMNS};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The hash of a record's content: SHA-256 of each field encoded with its type and length (`n`
/// null; `i<digits>;` integer; `s<bytes>:<text>` text; `r<value>;` real; `b<bytes>:<bytes>`
/// blob), so no two records encode alike and text is hashed as stored, without escaping.
pub fn content_hash(fields: &[Field<'_>]) -> String {
    let mut h = Sha256::new();
    for f in fields {
        match f {
            Field::Null => h.update(b"n"),
            Field::Int(n) => {
                h.update(b"i");
                h.update(decimal(&mut [0; 21], n.unsigned_abs(), *n < 0));
                h.update(b";");
            }
            Field::Real(x) => h.update(format!("r{x:?};").as_bytes()),
            Field::Text(bytes) | Field::Blob(bytes) => {
                h.update(if matches!(f, Field::Text(_)) { b"s" } else { b"b" });
                h.update(decimal(&mut [0; 21], bytes.len() as u64, false));
                h.update(b":");
                h.update(bytes);
            }
        }
    }
    super::hex(&h.finalize())
}

/// The hash of a record whose content hash is `content`, chained after the record whose hash is
/// `prev`: SHA-256 of `prev`, a newline and `content` (all hexadecimal).
pub fn link(prev: &str, content: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(content.as_bytes());
    super::hex(&h.finalize())
}

/// The decimal digits of `n` (with a `-` when `negative`), written at the end of `buf` (hashing
/// runs for every record: no allocation).
fn decimal(buf: &mut [u8; 21], mut n: u64, negative: bool) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if negative {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    /// Records in the database.
    pub records: u64,
    /// The hash of the last record ([`GENESIS`] when there is none).
    pub head: String,
    /// Each problem, naming the record; empty when the chain is intact.
    pub problems: Vec<String>,
}

impl Verification {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// A row as `verify` reads it.
struct Row {
    seq: i64,
    decision_id: String,
    prev_hash: String,
    hash: String,
    content_ok: bool,
}

/// Recomputes every hash and checks every link, in `seq` order.
pub fn verify(store: &Store) -> Result<Verification, String> {
    let sql = format!(
        "SELECT seq, prev_hash, hash, {} FROM records ORDER BY seq",
        RECORD_COLUMNS.join(", ")
    );
    let mut stmt = store.conn.prepare(&sql).map_err(|e| e.to_string())?;
    let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
    let mut all: Vec<Row> = Vec::new();
    while let Some(r) = rows.next().map_err(|e| e.to_string())? {
        let text = |i: usize| -> String {
            match r.get_ref(i) {
                Ok(rusqlite::types::ValueRef::Text(t)) => String::from_utf8_lossy(t).into_owned(),
                Ok(other) => format!("{other:?}"),
                Err(_) => String::new(),
            }
        };
        let fields: Vec<Field<'_>> = (0..RECORD_COLUMNS.len())
            .map(|i| r.get_ref(3 + i).map(Field::from).unwrap_or(Field::Null))
            .collect();
        let prev_hash = text(1);
        let hash = text(2);
        let content_ok = link(&prev_hash, &content_hash(&fields)) == hash;
        all.push(Row {
            seq: r.get::<_, i64>(0).map_err(|e| e.to_string())?,
            decision_id: text(4),
            prev_hash,
            hash,
            content_ok,
        });
    }
    let by_hash: HashMap<&str, usize> = all.iter().enumerate().map(|(i, r)| (r.hash.as_str(), i)).collect();
    // Each row's place in the chain as its links tell it, walking from the genesis: a row whose
    // link is broken but whose place is right only follows a moved row, and is not reported.
    let after: HashMap<&str, usize> = all.iter().enumerate().map(|(i, r)| (r.prev_hash.as_str(), i)).collect();
    let mut place: Vec<Option<usize>> = vec![None; all.len()];
    let mut cursor = GENESIS;
    for n in 0..all.len() {
        match after.get(cursor) {
            Some(&i) if place[i].is_none() => {
                place[i] = Some(n);
                cursor = &all[i].hash;
            }
            _ => break,
        }
    }
    let name = |r: &Row| format!("record {} (decision `{}`)", r.seq, r.decision_id);
    let mut problems = Vec::new();
    let mut expected_prev = GENESIS;
    let mut expected_seq = 1i64;
    for (index, row) in all.iter().enumerate() {
        let jumped = row.seq > expected_seq;
        if jumped {
            let missing = if row.seq == expected_seq + 1 {
                format!("record {expected_seq} was removed")
            } else {
                format!("records {expected_seq} to {} were removed", row.seq - 1)
            };
            problems.push(format!("{missing}: the chain jumps to {}", name(row)));
        }
        if !row.content_ok {
            problems.push(format!(
                "{} was edited: its content no longer matches its hash",
                name(row)
            ));
        } else if row.prev_hash != expected_prev {
            let moved = place[index] != Some(index);
            match by_hash.get(row.prev_hash.as_str()) {
                Some(&i) if moved => problems.push(format!(
                    "{} is out of order: it was chained after {}",
                    name(row),
                    name(&all[i])
                )),
                None if row.prev_hash == GENESIS && moved => problems.push(format!(
                    "{} is out of order: it was the first record of the chain",
                    name(row)
                )),
                None if !jumped && row.prev_hash != GENESIS => problems.push(format!(
                    "{} was chained after a record that is no longer in the database: a record before it was removed",
                    name(row)
                )),
                _ => {}
            }
        }
        expected_prev = &row.hash;
        expected_seq = row.seq + 1;
    }
    let (length, head) = store.head()?;
    let n = all.len() as u64;
    let last = all.last();
    let actual_head = last.map_or(GENESIS.to_string(), |r| r.hash.clone());
    // A count that differs while the head is the last record: the rows reported above explain it.
    let explained = !problems.is_empty() && head == actual_head;
    if (length != n || head != actual_head) && !explained {
        problems.push(match by_hash.get(head.as_str()) {
            Some(&i) if i + 1 < all.len() => format!(
                "records after {} were added without govc (the chain head ends there)",
                name(&all[i])
            ),
            Some(_) => format!(
                "the chain head counts {length} records, the database holds {n}: records were removed or added without govc"
            ),
            None if length > n => format!(
                "the chain head records {length} records ending in {}, the database holds {n}: records were removed from the end",
                short(&head)
            ),
            None => format!(
                "the chain head ({length} records ending in {}) does not match the last record{}",
                short(&head),
                last.map(|r| format!(", {}", name(r))).unwrap_or_default()
            ),
        });
    }
    Ok(Verification {
        records: all.len() as u64,
        head: actual_head,
        problems,
    })
}

/// The first 12 hex digits of a hash, for messages.
pub fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_covers_every_field_and_its_type() {
        let t = |s: &'static str| Field::Text(s.as_bytes());
        let h = |fields: &[Field<'_>]| link(GENESIS, &content_hash(fields));
        let a = h(&[t("x"), Field::Int(1), Field::Null]);
        assert_eq!(a.len(), 64);
        assert_eq!(a, h(&[t("x"), Field::Int(1), Field::Null]));
        assert_ne!(a, h(&[t("x"), t("1"), Field::Null]));
        assert_ne!(a, h(&[t("x"), Field::Int(-1), Field::Null]));
        assert_ne!(a, h(&[t("x"), Field::Int(1), t("")]));
        assert_ne!(a, h(&[Field::Blob(b"x"), Field::Int(1), Field::Null]));
        assert_ne!(a, link(&a, &content_hash(&[t("x"), Field::Int(1), Field::Null])));
        // Field boundaries are unambiguous.
        assert_ne!(h(&[t("a:s1:b")]), h(&[t("a"), t("b")]));
        assert_eq!(decimal(&mut [0; 21], 1234, true), b"-1234");
        assert_eq!(decimal(&mut [0; 21], u64::MAX, false), u64::MAX.to_string().as_bytes());
    }
}
