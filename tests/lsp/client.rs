//! A language-server client for tests: spawns `govc lsp`, speaks JSON-RPC over its stdio, and
//! keeps the notifications it receives.

// Each test file uses a part of the client.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};

use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

const GOVC: &str = env!("CARGO_BIN_EXE_govc");
/// The longest a test waits for one answer.
const TIMEOUT: Duration = Duration::from_secs(30);

pub struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for something else, oldest first.
    pub notifications: Vec<Value>,
    pub root: PathBuf,
    pub cache: PathBuf,
    /// What the server announced in its `initialize` result.
    pub capabilities: Value,
    /// Open documents: text and version.
    pub open: HashMap<String, (String, i32)>,
}

impl Client {
    /// Starts a server on the workspace `root`, with the stdlib written below `cache`.
    pub fn start(root: &Path, cache: &Path, initialization_options: Value) -> Client {
        let mut client = Client::spawn(root, cache);
        let result = client.initialize(initialization_options);
        assert!(result.get("capabilities").is_some(), "initialize failed: {result}");
        client.capabilities = result["capabilities"].clone();
        client.notify("initialized", json!({}));
        client
    }

    /// Starts a server and sends it nothing.
    pub fn spawn(root: &Path, cache: &Path) -> Client {
        let mut child = Command::new(GOVC)
            .arg("lsp")
            .env("XDG_CACHE_HOME", cache)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("govc lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            messages,
            next_id: 0,
            notifications: Vec::new(),
            root: root.to_path_buf(),
            cache: cache.to_path_buf(),
            capabilities: Value::Null,
            open: HashMap::new(),
        }
    }

    /// Sends `initialize` for the workspace; its result (or error object).
    pub fn initialize(&mut self, initialization_options: Value) -> Value {
        let root_uri = self.uri_of(&self.root.clone());
        self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root_uri,
                "workspaceFolders": [{ "uri": root_uri, "name": "workspace" }],
                "capabilities": {},
                "initializationOptions": initialization_options,
            }),
        )
    }

    pub fn uri_of(&self, path: &Path) -> String {
        lsp_types::Url::from_file_path(path).expect("absolute path").to_string()
    }

    /// The URI of a file of the workspace, by its path relative to the root.
    pub fn uri(&self, rel: &str) -> String {
        self.uri_of(&self.root.join(rel))
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    /// Sends bytes as they are, framed or not.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).expect("write to govc lsp");
        self.stdin.flush().expect("flush");
    }

    /// Waits for the next message that is not a notification (a response, maybe to no request).
    pub fn next_response(&mut self) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self
                .receive(deadline)
                .unwrap_or_else(|| panic!("no response within {TIMEOUT:?}"));
            if message.get("method").is_none() {
                return message;
            }
            self.notifications.push(message);
        }
    }

    /// Waits for the server to exit (it must, within the timeout); its exit code.
    pub fn exit_code(mut self) -> Option<i32> {
        let deadline = Instant::now() + TIMEOUT;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("wait for govc lsp") {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("govc lsp did not exit within {TIMEOUT:?}");
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn receive(&mut self, deadline: Instant) -> Option<Value> {
        let left = deadline.saturating_duration_since(Instant::now());
        self.messages.recv_timeout(left).ok()
    }

    /// Sends a request and waits for its result (or error object).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self
                .receive(deadline)
                .unwrap_or_else(|| panic!("no answer to `{method}` within {TIMEOUT:?}"));
            if message.get("id") == Some(&json!(id)) {
                if let Some(error) = message.get("error") {
                    return json!({ "error": error });
                }
                return message.get("result").cloned().unwrap_or(Value::Null);
            }
            if message.get("method").is_some() {
                self.notifications.push(message);
            }
        }
    }

    /// Waits for the diagnostics published for `uri` at the document's current version (or, for
    /// a file that is not open, the next ones published).
    pub fn diagnostics(&mut self, uri: &str) -> Value {
        let want = self.open.iter().find(|(u, _)| u.as_str() == uri).map(|(_, (_, v))| *v);
        let matches = |n: &Value| {
            n["method"] == "textDocument/publishDiagnostics"
                && n["params"]["uri"] == uri
                && want.is_none_or(|v| n["params"]["version"] == json!(v))
        };
        if let Some(i) = self.notifications.iter().rposition(matches) {
            let found = self.notifications[i]["params"]["diagnostics"].clone();
            self.notifications.drain(..=i);
            return found;
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self
                .receive(deadline)
                .unwrap_or_else(|| panic!("no diagnostics for {uri} within {TIMEOUT:?}"));
            if matches(&message) {
                return message["params"]["diagnostics"].clone();
            }
            if message.get("method").is_some() {
                self.notifications.push(message);
            }
        }
    }

    /// Opens a file of the workspace with its text on disk.
    pub fn open(&mut self, rel: &str) {
        let uri = self.uri(rel);
        if self.open.contains_key(&uri) {
            return;
        }
        let text = std::fs::read_to_string(self.root.join(rel)).expect("workspace file");
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "gov", "version": 1, "text": text } }),
        );
        self.open.insert(uri, (text, 1));
    }

    /// The text of a file as the editor has it.
    pub fn text(&self, rel: &str) -> String {
        match self.open.get(&self.uri(rel)) {
            Some((text, _)) => text.clone(),
            None => std::fs::read_to_string(self.root.join(rel)).expect("workspace file"),
        }
    }

    /// Sends one incremental change (a range and its new text) to an open file.
    pub fn edit(&mut self, rel: &str, range: Value, new_text: &str) {
        self.open(rel);
        let uri = self.uri(rel);
        let entry = self.open.get_mut(&uri).expect("open document");
        entry.1 += 1;
        let version = entry.1;
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{ "range": range, "text": new_text }],
            }),
        );
    }

    pub fn shutdown(mut self) {
        let _ = self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let _ = self.child.wait();
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
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
