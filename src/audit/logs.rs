//! The log formats `govc audit ingest` reads, detected per file:
//! - OPA decision-log events ([`OpaEvent`], OPA's `EventV1`: `decision_id`, `path` or `query`,
//!   `input`, `result`, `bundles.<name>.revision`, `timestamp`, `erased`, `masked`, `labels`,
//!   ...), one JSON object per line as the console logger prints them (with its `level`, `msg`,
//!   `time` and `type` fields; OPA's other log lines are skipped), or as a JSON array, the body the
//!   HTTP uploader sends; either form may be gzip'd;
//! - Gatekeeper audit results: Constraints with their `status.violations`, as
//!   `kubectl get <kind> -o json` returns them (one Constraint or a `List`).
//!
//! Files are streamed: each item goes to a callback as soon as it is parsed.

use serde::de::{DeserializeSeed, Error as _, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// One item of a log file, borrowing from the file's text.
#[derive(Debug)]
pub enum LogItem<'a> {
    Decision(Box<OpaEvent<'a>>),
    Audit(ConstraintAudit),
    /// A console-logger line that is not a decision (OPA's own messages).
    Other,
}

/// An OPA decision-log event (or, while a file is read, any document of it); fields OPA omits
/// are `None` or empty. JSON values are kept as their text (`input`, `result`, `labels`):
/// ingestion parses only what it needs.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OpaEvent<'a> {
    #[serde(borrow)]
    pub decision_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub path: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub query: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub input: Option<&'a RawValue>,
    #[serde(borrow)]
    pub result: Option<&'a RawValue>,
    #[serde(borrow)]
    pub bundles: BTreeMap<Cow<'a, str>, BundleInfo<'a>>,
    /// Deprecated by OPA in favour of `bundles`, still read.
    #[serde(borrow)]
    pub revision: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub timestamp: Option<Cow<'a, str>>,
    pub erased: Vec<String>,
    pub masked: Vec<String>,
    #[serde(borrow)]
    pub labels: Option<&'a RawValue>,
    pub error: Option<Value>,
    // The other shapes a document of a log file can have, read in the same pass (rather than
    // through `#[serde(flatten)]`, which buffers every field and halves the speed):
    /// The console logger's message: `Decision Log` for decisions.
    #[serde(borrow)]
    msg: Option<Cow<'a, str>>,
    /// A Kubernetes object: a Constraint, or a `List` of them (each item read as a document of
    /// its own, of which only these fields are set).
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    kind: Option<String>,
    metadata: Option<Value>,
    status: Option<Value>,
    #[serde(borrow)]
    items: Option<Vec<OpaEvent<'a>>>,
}

/// `bundles.<name>` of an event.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BundleInfo<'a> {
    #[serde(borrow)]
    pub revision: Option<Cow<'a, str>>,
}

/// A Gatekeeper Constraint's last audit.
#[derive(Debug, Default)]
pub struct ConstraintAudit {
    pub kind: String,
    pub name: String,
    /// The `govc.dev/policy` annotation govc puts on the Constraints it generates.
    pub policy: Option<String>,
    pub audit_timestamp: Option<String>,
    /// All violations found, including those beyond Gatekeeper's per-Constraint cap.
    pub total_violations: Option<u64>,
    pub violations: Vec<Violation>,
}

/// One entry of a Constraint's `status.violations`.
#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Violation {
    pub enforcement_action: String,
    pub group: String,
    pub version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub message: String,
}

/// Decompresses gzip'd content (detected by its magic number); other content is returned as is.
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(Cow::Borrowed(bytes));
    }
    use std::io::Read;
    let mut out = Vec::with_capacity(bytes.len() * 8);
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| format!("invalid gzip data: {e}"))?;
    Ok(Cow::Owned(out))
}

/// Parses a (decoded) log file, handing each item to `f`. Errors name the line (or the array
/// element) where they occur.
pub fn read_items<'a>(text: &'a [u8], mut f: impl FnMut(LogItem<'a>) -> Result<(), String>) -> Result<(), String> {
    let first = text.iter().position(|b| !b.is_ascii_whitespace());
    if first.map(|i| text[i]) == Some(b'[') {
        let mut de = serde_json::Deserializer::from_slice(text);
        let mut index = 0usize;
        let result = EachElement {
            f: &mut |doc: OpaEvent<'a>| {
                index += 1;
                classify(doc, &mut f).map_err(|e| format!("element {index} of the array: {e}"))
            },
        }
        .deserialize(&mut de)
        .and_then(|()| de.end());
        return result.map_err(|e| e.to_string().trim_end_matches('.').to_string());
    }
    let mut stream = serde_json::Deserializer::from_slice(text).into_iter::<OpaEvent>();
    loop {
        let start = stream.byte_offset();
        match stream.next() {
            None => return Ok(()),
            Some(Ok(doc)) => classify(doc, &mut f).map_err(|e| format!("line {}: {e}", line_of(text, start)))?,
            Some(Err(e)) => {
                return Err(format!(
                    "line {}: not a JSON decision-log event or Kubernetes object: {}",
                    e.line(),
                    strip_location(&e.to_string())
                ))
            }
        }
    }
}

/// The 1-based line of the first non-blank byte at or after `offset`.
fn line_of(text: &[u8], offset: usize) -> usize {
    let start = text[offset..]
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(offset, |i| offset + i);
    1 + text[..start].iter().filter(|&&b| b == b'\n').count()
}

/// serde_json's message without its " at line L column C" (the caller names the line).
fn strip_location(message: &str) -> &str {
    message.rfind(" at line ").map_or(message, |i| &message[..i])
}

fn is_constraint(api_version: Option<&str>) -> bool {
    api_version.is_some_and(|v| v.starts_with("constraints.gatekeeper.sh/"))
}

fn classify<'a>(mut doc: OpaEvent<'a>, f: &mut impl FnMut(LogItem<'a>) -> Result<(), String>) -> Result<(), String> {
    if is_constraint(doc.api_version.as_deref()) {
        return f(LogItem::Audit(constraint_audit(doc)?));
    }
    if let Some(items) = doc.items.take() {
        for (i, item) in items.into_iter().enumerate() {
            if !is_constraint(item.api_version.as_deref()) {
                return Err(format!(
                    "item {} of the list is a `{}`, not a Gatekeeper Constraint",
                    i + 1,
                    item.kind.as_deref().unwrap_or("?")
                ));
            }
            f(LogItem::Audit(constraint_audit(item)?))?;
        }
        return Ok(());
    }
    let is_decision = doc.decision_id.is_some()
        || doc.msg.as_deref() == Some("Decision Log")
        || (doc.timestamp.is_some() && (doc.path.is_some() || doc.query.is_some()));
    if is_decision {
        return f(LogItem::Decision(Box::new(doc)));
    }
    if doc.msg.is_some() {
        return f(LogItem::Other);
    }
    Err(match doc.kind {
        Some(kind) => format!("a `{kind}` is not a Gatekeeper Constraint (apiVersion constraints.gatekeeper.sh/...)"),
        None => {
            "neither an OPA decision-log event (no `decision_id`, `path` or `timestamp`) nor a Gatekeeper Constraint"
                .to_string()
        }
    })
}

fn constraint_audit(object: OpaEvent<'_>) -> Result<ConstraintAudit, String> {
    #[derive(Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    struct Status {
        audit_timestamp: Option<String>,
        total_violations: Option<u64>,
        violations: Vec<Violation>,
    }
    let kind = object.kind.unwrap_or_default();
    let metadata = object.metadata.unwrap_or(Value::Null);
    let name = metadata["name"].as_str().unwrap_or_default().to_string();
    let policy = metadata["annotations"][format!("{}policy", crate::backend::k8s::GOVC_PREFIX)]
        .as_str()
        .map(str::to_string);
    let status: Status = match object.status {
        Some(s) => serde_json::from_value(s).map_err(|e| format!("the status of {kind} `{name}`: {e}"))?,
        None => Status::default(),
    };
    Ok(ConstraintAudit {
        kind,
        name,
        policy,
        audit_timestamp: status.audit_timestamp,
        total_violations: status.total_violations,
        violations: status.violations,
    })
}

/// Streams the elements of a top-level array to a callback (an uploader body can be large).
struct EachElement<'f, F> {
    f: &'f mut F,
}

impl<'de, F: FnMut(OpaEvent<'de>) -> Result<(), String>> DeserializeSeed<'de> for EachElement<'_, F> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(OpaEvent<'de>) -> Result<(), String>> Visitor<'de> for EachElement<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of decision-log events")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(doc) = seq.next_element::<OpaEvent<'de>>()? {
            (self.f)(doc).map_err(A::Error::custom)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &str) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        read_items(text.as_bytes(), |item| {
            out.push(match item {
                LogItem::Decision(e) => format!("decision {}", e.decision_id.unwrap_or_default()),
                LogItem::Audit(a) => format!("audit {}/{} {}", a.kind, a.name, a.violations.len()),
                LogItem::Other => "other".into(),
            });
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn console_lines_arrays_and_constraints() {
        let console = r#"{"level":"info","msg":"Initializing server.","time":"2026-01-01T00:00:00Z"}
{"decision_id":"a","path":"p/q","input":{},"result":true,"timestamp":"2026-01-01T00:00:00Z","level":"info","msg":"Decision Log","type":"openpolicyagent.org/decision_logs"}

{"decision_id":"b","path":"p/q","timestamp":"2026-01-01T00:00:01Z"}
"#;
        assert_eq!(items(console).expect("parses"), ["other", "decision a", "decision b"]);
        let array = r#"[{"decision_id":"c","path":"p","timestamp":"2026-01-01T00:00:00Z"},{"decision_id":"d","path":"p","timestamp":"2026-01-01T00:00:00Z"}]"#;
        assert_eq!(items(array).expect("parses"), ["decision c", "decision d"]);
        let list = r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"constraints.gatekeeper.sh/v1beta1","kind":"BiasTested","metadata":{"name":"bias-tested"},"status":{"auditTimestamp":"2026-01-01T00:00:00Z","totalViolations":1,"violations":[{"enforcementAction":"deny","group":"ai.acme.com","kind":"ModelDeployment","message":"m","name":"n","namespace":"ml","version":"v1"}]}}]}"#;
        assert_eq!(items(list).expect("parses"), ["audit BiasTested/bias-tested 1"]);
    }

    #[test]
    fn errors_name_the_line() {
        let text = "{\"decision_id\":\"a\",\"path\":\"p\",\"timestamp\":\"t\"}\n{\"x\": 1}\n";
        let err = items(text).expect_err("not an event");
        assert!(err.starts_with("line 2: neither an OPA decision-log event"), "{err}");
        let err = items("{\"decision_id\":\"a\"}\nnot json\n").expect_err("not JSON");
        assert!(err.starts_with("line 2: not a JSON"), "{err}");
        let err = items("[{\"decision_id\": 3}]").expect_err("bad type");
        assert!(err.contains("invalid type"), "{err}");
    }

    #[test]
    fn gzip_is_detected() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"[]").expect("write");
        let bytes = gz.finish().expect("gzip");
        assert_eq!(decode(&bytes).expect("decodes").as_ref(), b"[]");
        assert_eq!(decode(b"{}").expect("plain").as_ref(), b"{}");
    }
}
