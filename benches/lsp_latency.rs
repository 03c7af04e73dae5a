//! Language server latency, measured end to end as an editor sees it: `govc lsp` runs as a
//! child process on a generated project with one 10,000-line file, and the benchmark times
//!
//! - re-check: a one-character edit (`didChange`) until the diagnostics of that version arrive
//!   (the debounce set to 0, so only the work is timed);
//! - completion: a `textDocument/completion` request after `m.` until the answer;
//! - hover: a `textDocument/hover` request until the answer.
//!
//! It prints the median and the 95th percentile of each. Target: p95 under 50 ms.
//!
//! ```text
//! cargo bench --bench lsp_latency            # 10,000 lines, 60 runs each
//! cargo bench --bench lsp_latency -- 20000   # another size
//! ```

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

const RUNS: usize = 60;

fn main() {
    let lines: usize = std::env::args()
        .skip(1)
        .filter_map(|a| a.replace('_', "").parse().ok())
        .next()
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temporary directory");
    let text = generate(lines);
    let path = dir.path().join("big.gov");
    std::fs::write(&path, &text).expect("write the generated file");
    println!("file: {} lines, {} bytes", text.lines().count(), text.len());

    let mut server = Server::start(dir.path());
    let uri = lsp_types::Url::from_file_path(&path)
        .expect("absolute path")
        .to_string();
    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "gov", "version": 1, "text": text } }),
    );
    let first = server.diagnostics(&uri, 1);
    assert!(
        first.as_array().is_some_and(Vec::is_empty),
        "the generated file must check cleanly: {first}"
    );

    // A digit of a message in the middle of the file, toggled between 0 and 1.
    let middle = text.len() / 2;
    let digit_at = middle + text[middle..].find("limit of 1").expect("a message to edit") + "limit of ".len();
    let digit = position(&text, digit_at);
    let mut version = 1;
    let mut recheck = Vec::new();
    for i in 0..RUNS {
        version += 1;
        let new = if i % 2 == 0 { "0" } else { "1" };
        let range = json!({ "start": digit, "end": { "line": digit["line"], "character": digit["character"].as_u64().unwrap_or(0) + 1 } });
        let start = Instant::now();
        server.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "range": range, "text": new }] }),
        );
        let diags = server.diagnostics(&uri, version);
        recheck.push(start.elapsed());
        assert!(diags.as_array().is_some_and(Vec::is_empty), "{diags}");
    }

    // Completion of fields after `m.` in the middle of the file.
    let member_at = middle + text[middle..].find("count(m.datasets)").expect("a field read") + "count(m.".len();
    let member = position(&text, member_at);
    let mut completion = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let items = server.request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri }, "position": member }),
        );
        completion.push(start.elapsed());
        assert!(
            items.to_string().contains("\"bias_tests\""),
            "expected the fields of ModelSpec: {items}"
        );
    }

    let mut hover = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let answer = server.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": member }),
        );
        hover.push(start.elapsed());
        assert!(!answer.is_null(), "expected a hover");
    }
    server.shutdown();

    println!("{:<42} {:>10} {:>10} {:>6}", "", "median", "p95", "runs");
    report("re-check after a one-character edit", &mut recheck);
    report("completion after `m.`", &mut completion);
    report("hover", &mut hover);
}

fn report(name: &str, times: &mut [Duration]) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    println!("{name:<42} {:>10} {:>10} {:>6}", ms(at(0.5)), ms(at(0.95)), times.len());
}

fn position(text: &str, offset: usize) -> Value {
    let line = text[..offset].matches('\n').count();
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": text[start..offset].encode_utf16().count() })
}

/// One package of about `lines` lines: groups of a type, four functions and two policies, in
/// the style of examples/ai-governance.
fn generate(lines: usize) -> String {
    let mut out = String::from(
        "// Generated for the latency benchmark.\npackage bench.big\n\nimport std.ai.{BiasTest, RiskTier}\n",
    );
    let mut k = 0;
    while out.lines().count() < lines {
        out.push_str(&format!(
            r#"
/// What is recorded about model {k}.
type ModelSpec{k} {{
  /// The accountable owner.
  owner: string
  risk: RiskTier
  purpose: string
  version: string @pattern("^[0-9]+\\.[0-9]+\\.[0-9]+$")
  bias_tests: [BiasTest]
  datasets: [string] @min_items(1)
  approved_by?: string
  reviewed_at?: timestamp
}}

/// Whether an address belongs to a person at Acme.
fn is_acme_email{k}(address: string) -> bool = matches(address, "^[a-z0-9][a-z0-9._-]*@acme\\.com$")

fn within_gap{k}(t: BiasTest, gap: float) -> bool = t.value <= t.threshold + gap

fn reports_metric{k}(tests: [BiasTest], metric: string) -> bool = any t in tests: t.metric == metric

fn heavy{k}(m: ModelSpec{k}) -> bool = count(m.bias_tests) > 3 and count(m.datasets) < 10

/// Bias tests pass before deployment.
policy bias_tested{k} {{
  title    = "Bias tests pass before deployment"
  severity = high
  controls = ["EU AI Act Art. 10(2)(f)", "EU AI Act Art. 15"]

  /// How far a value may exceed its threshold.
  param max_gap: float = 0.0
  param required_metrics: [string] = ["demographic_parity_difference", "equalized_odds_difference"]

  subject m: ModelSpec{k}
  let name = m.owner

  deny "model {{name}} has no bias tests" when count(m.bias_tests) == 0
  deny "model {{name}} fails bias test {{t.metric}}" when {{
    some t in m.bias_tests
    not within_gap{k}(t, max_gap)
  }}
  deny "high-risk model {{name}} does not report {{metric}}" when {{
    m.risk == RiskTier.high
    some metric in required_metrics
    not reports_metric{k}(m.bias_tests, metric)
  }}
}}

/// Models have an owner and an approver.
policy accountable{k} {{
  severity = medium
  param limit: int = 10

  subject m: ModelSpec{k}

  deny "model {{m.owner}} is not owned by a person at acme.com" when not is_acme_email{k}(m.owner)
  deny "model {{m.owner}} is over the limit of 1{k} datasets" when count(m.datasets) > limit
  warn "model {{m.owner}} has no approver" when not has m.approved_by and heavy{k}(m)
}}
"#
        ));
        k += 1;
    }
    out
}

struct Server {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
}

impl Server {
    fn start(root: &std::path::Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_govc"))
            .arg("lsp")
            .env("XDG_CACHE_HOME", root.join(".cache"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("govc lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            while let Some(m) = read_message(&mut reader) {
                if sender.send(m).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            stdin,
            messages,
            next_id: 0,
        };
        let root_uri = lsp_types::Url::from_file_path(root).expect("absolute path").to_string();
        server.request(
            "initialize",
            json!({ "processId": null, "rootUri": root_uri, "capabilities": {}, "initializationOptions": { "debounceMs": 0 } }),
        );
        server.notify("initialized", json!({}));
        server
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let m = self.messages.recv_timeout(Duration::from_secs(60)).expect("an answer");
            if m.get("id") == Some(&json!(id)) {
                return m.get("result").cloned().unwrap_or(Value::Null);
            }
        }
    }

    fn diagnostics(&mut self, uri: &str, version: i32) -> Value {
        loop {
            let m = self
                .messages
                .recv_timeout(Duration::from_secs(60))
                .expect("diagnostics");
            if m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == json!(version)
            {
                return m["params"]["diagnostics"].clone();
            }
        }
    }

    fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let _ = self.child.wait();
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length:") {
            length = n.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}
