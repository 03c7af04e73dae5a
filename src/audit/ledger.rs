//! The build ledger: what each bundle revision contains. A decision log names the bundle revision
//! that decided (`bundles.govc.revision`); the ledger maps that revision to its policies, their
//! controls, and the hashes of their `.gov` source and generated Rego, so evidence is tied to the
//! version of the policy that produced it, not to today's source.
//!
//! `govc build` writes the entry of its revision to `OUT/audit/ledger.json` (shipped with the
//! release) and appends it to the project's ledger, `DIR/.govc/ledger.jsonl` (one JSON object per
//! line, each revision once). `govc audit ingest` copies both, and any `--ledger` file, into the
//! evidence database.

use crate::backend::bundle::Bundle;
use crate::ir::{Ir, Policy, Schema};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where the build output holds its ledger entry.
pub const OUTPUT_PATH: &str = "audit/ledger.json";

/// The project's ledger file, in [`super::STATE_DIR`].
pub const LEDGER_FILE: &str = "ledger.jsonl";

/// One bundle revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The bundle's `.manifest` revision (its content hash).
    pub revision: String,
    /// The bundle's name in OPA's configuration, as decision logs name it.
    pub bundle: String,
    pub govc_version: String,
    pub policies: Vec<LedgerPolicy>,
}

/// A policy as built into one revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerPolicy {
    /// `acme.access.model_access`.
    pub policy: String,
    /// The data path OPA logs: `acme/access/model_access`.
    pub path: String,
    pub title: String,
    pub severity: String,
    pub controls: Vec<String>,
    /// An access policy (it has `allow` clauses): its decisions say who accessed what and why.
    pub access: bool,
    pub source: PolicySource,
    /// SHA-256 of the policy's generated Rego file.
    pub rego_sha256: String,
    /// The JSON pointers of its `@sensitive` fields in a decision-log event (`*`: any index or
    /// key), which the mask rules erase.
    #[serde(default)]
    pub sensitive: Vec<String>,
    /// For access policies: the request fields a decision log keeps (the subject's fields that
    /// are not `@sensitive`), in declaration order.
    #[serde(default)]
    pub request_fields: Vec<String>,
}

/// Where a policy comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicySource {
    /// The `.gov` file, relative to the project (`std/ai.gov` for the standard library).
    pub file: String,
    /// SHA-256 of the policy's declaration text (with its doc comment).
    pub declaration_sha256: String,
    /// SHA-256 of the whole file.
    pub file_sha256: String,
}

impl LedgerEntry {
    /// One line of `ledger.jsonl`.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("ledger entries always serialize") + "\n"
    }
}

/// The ledger entries of a build: one per bundle form OPA can load, `bundle.tar.gz` and the
/// `bundle/` directory, which differ only in their revision (each manifest hashes its own files;
/// the directory also holds the compiled tests).
///
/// `declarations` holds each policy's source, by dotted name (the driver reads it from the
/// sources: [`crate::driver::build::policy_sources`]).
pub fn entries(declarations: &HashMap<String, PolicySource>, ir: &Ir, bundle: &Bundle) -> Vec<LedgerEntry> {
    let tarball = entry(declarations, ir, bundle);
    let directory_revision = revision_of(&bundle.directory_manifest);
    if directory_revision == tarball.revision {
        // A project without tests: both forms hold the same files.
        return vec![tarball];
    }
    let mut directory = tarball.clone();
    directory.revision = directory_revision;
    vec![tarball, directory]
}

/// All `entries` as the text of `OUT/audit/ledger.json`: one JSON document, an array (a project
/// with tests has two entries, one per form of its bundle).
pub fn entries_text(entries: &[LedgerEntry]) -> String {
    serde_json::to_string_pretty(entries).expect("ledger entries always serialize") + "\n"
}

/// The entry of the tarball bundle (the form a bundle server ships).
pub fn entry(declarations: &HashMap<String, PolicySource>, ir: &Ir, bundle: &Bundle) -> LedgerEntry {
    let policies = ir
        .policies
        .iter()
        .map(|p| {
            let rego = bundle
                .files
                .get(&format!("{}.rego", p.package.join("/")))
                .map(|b| super::sha256_hex(b))
                .unwrap_or_default();
            let source = declarations.get(&p.dotted()).cloned().unwrap_or(PolicySource {
                file: String::new(),
                declaration_sha256: String::new(),
                file_sha256: String::new(),
            });
            LedgerPolicy {
                policy: p.dotted(),
                path: p.package.join("/"),
                title: p.title.clone().unwrap_or_else(|| p.name.clone()),
                severity: p.severity.as_str().to_string(),
                controls: p.controls.clone(),
                access: p.has_allow(),
                source,
                rego_sha256: rego,
                sensitive: crate::backend::mask::sensitive_pointers(p),
                request_fields: if p.has_allow() { request_fields(p) } else { Vec::new() },
            }
        })
        .collect();
    LedgerEntry {
        revision: manifest_revision(bundle),
        bundle: crate::backend::opa_config::BUNDLE_NAME.to_string(),
        govc_version: env!("CARGO_PKG_VERSION").to_string(),
        policies,
    }
}

/// The revision in a bundle's `.manifest`.
pub fn manifest_revision(bundle: &Bundle) -> String {
    bundle
        .files
        .get(".manifest")
        .map(|m| revision_of(m))
        .unwrap_or_default()
}

/// The revision in a `.manifest`'s bytes.
fn revision_of(manifest: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(manifest)
        .ok()
        .and_then(|m| m["revision"].as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The subject's top-level fields that a decision log keeps.
fn request_fields(p: &Policy) -> Vec<String> {
    match &p.subject {
        Schema::Object { fields, .. } => fields.iter().filter(|f| !f.sensitive).map(|f| f.name.clone()).collect(),
        _ => Vec::new(),
    }
}

/// `DIR/.govc/ledger.jsonl`.
pub fn ledger_path(project: &Path) -> PathBuf {
    super::state_dir(project).join(LEDGER_FILE)
}

/// Appends `entry` to the project's ledger unless its revision is already there; returns whether
/// it was appended.
pub fn record(project: &Path, entry: &LedgerEntry) -> Result<bool, String> {
    let path = ledger_path(project);
    if path.exists() && read(&path)?.iter().any(|e| e.revision == entry.revision) {
        return Ok(false);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    }
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("cannot open `{}`: {e}", path.display()))?;
    // One write of a whole line: concurrent builds append whole entries.
    file.write_all(entry.to_line().as_bytes())
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    Ok(true)
}

/// Reads a ledger file: JSON lines (`ledger.jsonl`) or the array of `OUT/audit/ledger.json`.
pub fn read(path: &Path) -> Result<Vec<LedgerEntry>, String> {
    let text = std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("`{}`: {e}", path.display()))
}

/// Parses ledger entries: a JSON array of them, or a sequence of JSON objects (JSON lines, and
/// `OUT/audit/ledger.json` as releases before the array wrote it).
pub fn parse(text: &[u8]) -> Result<Vec<LedgerEntry>, String> {
    if text.trim_ascii_start().starts_with(b"[") {
        return serde_json::from_slice(text).map_err(|e| format!("not a list of govc ledger entries: {e}"));
    }
    serde_json::Deserializer::from_slice(text)
        .into_iter::<LedgerEntry>()
        .map(|e| e.map_err(|e| format!("not a govc ledger entry: {e}")))
        .collect()
}

/// The policies of every known revision, for tying decisions to policies.
#[derive(Debug, Default)]
pub struct PolicyIndex {
    /// The newest entry per policy path (the current build wins), for events whose revision the
    /// ledger does not know.
    by_path: HashMap<String, IndexedPolicy>,
    by_name: HashMap<String, String>,
}

/// What ingestion needs to know of a policy.
#[derive(Debug, Clone, Default)]
pub struct IndexedPolicy {
    pub policy: String,
    /// Its data path, `acme/access/model_access`.
    pub path: String,
    pub access: bool,
    /// The union of its sensitive pointers over every revision: a field sensitive in any
    /// version is erased from all its events.
    pub sensitive: Vec<String>,
    /// The quoted name of each sensitive field (`"client_ip"`): an input without any of them
    /// has nothing to erase.
    pub sensitive_names: Vec<String>,
}

impl PolicyIndex {
    /// Indexes entries; later entries win for titles and flags, sensitive pointers accumulate.
    pub fn new<'a>(entries: impl IntoIterator<Item = &'a LedgerEntry>) -> PolicyIndex {
        let mut index = PolicyIndex::default();
        for entry in entries {
            for p in &entry.policies {
                let slot = index.by_path.entry(p.path.clone()).or_default();
                slot.policy = p.policy.clone();
                slot.path = p.path.clone();
                slot.access = p.access;
                for s in &p.sensitive {
                    if !slot.sensitive.contains(s) {
                        slot.sensitive.push(s.clone());
                    }
                    let name = s.rsplit('/').find(|step| *step != "*").unwrap_or_default();
                    let quoted = format!("\"{name}\"");
                    if !slot.sensitive_names.contains(&quoted) {
                        slot.sensitive_names.push(quoted);
                    }
                }
                index.by_name.insert(p.policy.clone(), p.path.clone());
            }
        }
        index
    }

    /// The policy a data path belongs to: the path itself or its longest prefix that is a
    /// policy's package (`acme/access/model_access/allow` → `acme.access.model_access`), as the
    /// mask rules' `_decision_of` matches it.
    pub fn by_path(&self, path: &str) -> Option<&IndexedPolicy> {
        let mut p = path.trim_matches('/');
        loop {
            if let Some(found) = self.by_path.get(p) {
                return Some(found);
            }
            p = &p[..p.rfind('/')?];
        }
    }

    /// A policy by its dotted name.
    pub fn by_name(&self, name: &str) -> Option<&IndexedPolicy> {
        self.by_name.get(name).and_then(|path| self.by_path.get(path))
    }
}
