//! The language server survives anything a client sends: broken frames and bodies get the
//! JSON-RPC error the specification requires (`-32700` parse error, `-32600` invalid request,
//! `-32602` invalid params) and the server keeps serving; the lifecycle follows the protocol
//! (`initialize` once, nothing after `shutdown`, exit code 1 for `exit` without `shutdown`).

#[path = "lsp/client.rs"]
mod client;

use client::Client;
use serde_json::{json, Value};

const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const INVALID_PARAMS: i64 = -32602;
const SERVER_NOT_INITIALIZED: i64 = -32002;

/// A one-file project in a temp dir: the dir, the client's root and the stdlib cache.
fn server() -> (tempfile::TempDir, Client) {
    let (dir, root, cache) = project();
    let client = Client::start(&root, &cache, json!({ "debounceMs": 10 }));
    (dir, client)
}

fn project() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("proj");
    std::fs::create_dir(&root).expect("mkdir");
    std::fs::write(
        root.join("a.gov"),
        "package a\n\ntype T { f: string }\n\npolicy p {\n  subject t: T\n  deny \"no f\" when t.f == \"\"\n}\n",
    )
    .expect("write");
    let cache = dir.path().join("cache");
    (dir, root, cache)
}

fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// The server still answers: a workspace symbol search finds the policy.
fn assert_serving(client: &mut Client) {
    let answer = client.request("workspace/symbol", json!({ "query": "p" }));
    let names: Vec<&str> = answer
        .as_array()
        .unwrap_or_else(|| panic!("symbols, not {answer}"))
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(names.contains(&"p"), "{answer}");
}

/// Sends `bytes` and expects one error response with `code` and `id`.
fn assert_answered(client: &mut Client, bytes: &[u8], code: i64, id: Value) {
    client.send_raw(bytes);
    let answer = client.next_response();
    assert_eq!(
        answer["error"]["code"],
        json!(code),
        "{} got {answer}",
        String::from_utf8_lossy(bytes)
    );
    assert_eq!(answer["id"], id, "{answer}");
    assert_eq!(answer["jsonrpc"], "2.0");
    assert_serving(client);
}

#[test]
fn broken_frames_get_a_parse_error_and_the_server_keeps_serving() {
    let (_dir, mut client) = server();
    for broken in [
        // Announces far more than it sends: lsp-server allocated it all and aborted.
        b"Content-Length: 99999999999999\r\n\r\n{}".to_vec(),
        b"Content-Length: 18446744073709551616\r\n\r\n{}".to_vec(),
        b"Content-Length: lots\r\n\r\n{}".to_vec(),
        b"Content-Length: -1\r\n\r\n{}".to_vec(),
        b"Content-Type: application/json\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":90,\"method\":\"shutdown\"}".to_vec(),
        b"this is not a header\r\n\r\n".to_vec(),
        [b"X-Padding: ".to_vec(), vec![b'x'; 100_000], b"\r\n\r\n".to_vec()].concat(),
        frame("{\"jsonrpc\": \"2.0\", \"id\": 5, \"method\": "),
        frame("\u{feff}\u{0}"),
        [b"Content-Length: 4\r\n\r\n".to_vec(), vec![0xff, 0xfe, 0x80, 0x81]].concat(),
    ] {
        assert_answered(&mut client, &broken, PARSE_ERROR, Value::Null);
    }
    client.shutdown();
}

#[test]
fn bodies_that_are_not_requests_get_invalid_request() {
    let (_dir, mut client) = server();
    let request = |id: Value| json!({ "jsonrpc": "2.0", "id": id, "method": "shutdown" });
    for (body, id) in [
        // A batch, even of a request the server knows: not in LSP, and not run.
        (json!([request(json!(1))]), Value::Null),
        (json!([]), Value::Null),
        (Value::Null, Value::Null),
        (json!(42), Value::Null),
        (json!("shutdown"), Value::Null),
        (json!({ "id": 7, "method": "shutdown" }), json!(7)),
        (json!({ "jsonrpc": "2.0", "id": 8 }), json!(8)),
        (json!({ "jsonrpc": "2.0", "id": 9, "method": 9 }), json!(9)),
        (request(json!(1_099_511_627_776_u64)), json!(1_099_511_627_776_u64)),
        (request(json!(1.5)), json!(1.5)),
        (request(Value::Null), Value::Null),
        (
            json!({ "jsonrpc": "2.0", "id": "s", "method": "workspace/symbol", "params": "p" }),
            json!("s"),
        ),
    ] {
        assert_answered(&mut client, &frame(&body.to_string()), INVALID_REQUEST, id);
    }
    client.shutdown();
}

#[test]
fn bad_positions_get_invalid_params_and_bad_notifications_are_dropped() {
    let (_dir, mut client) = server();
    let uri = client.uri("a.gov");
    for position in [
        json!({ "line": -1, "character": 0 }),
        json!({ "line": 0, "character": -5 }),
        json!({ "line": 4_294_967_296_u64, "character": 0 }),
        json!({ "line": "one", "character": 0 }),
    ] {
        let answer = client.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": position }),
        );
        assert_eq!(answer["error"]["code"], json!(INVALID_PARAMS), "{position}: {answer}");
    }
    // Far past the end is not an error: it means the end.
    let answer = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 4_000_000_000_u32, "character": 9 } }),
    );
    assert!(answer.get("error").is_none(), "{answer}");
    // A notification has no answer: a broken one is dropped and the server goes on.
    client.open("a.gov");
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "range": { "start": { "line": -1, "character": 0 }, "end": { "line": 0, "character": 0 } }, "text": "x" }],
        }),
    );
    client.notify("textDocument/didOpen", json!({ "textDocument": 42 }));
    client.notify("textDocument/didClose", Value::Null);
    assert_serving(&mut client);
    client.shutdown();
}

#[test]
fn requests_before_initialize_are_refused_and_initialize_happens_once() {
    let (_dir, root, cache) = project();
    let mut client = Client::spawn(&root, &cache);
    let answer = client.request("workspace/symbol", json!({ "query": "p" }));
    assert_eq!(answer["error"]["code"], json!(SERVER_NOT_INITIALIZED), "{answer}");
    let answer = client.request("initialize", json!({ "capabilities": 7 }));
    assert_eq!(answer["error"]["code"], json!(INVALID_PARAMS), "{answer}");
    let answer = client.initialize(json!({}));
    assert!(answer.get("capabilities").is_some(), "{answer}");
    client.notify("initialized", json!({}));
    let again = client.initialize(json!({}));
    assert_eq!(again["error"]["code"], json!(INVALID_REQUEST), "{again}");
    assert_serving(&mut client);
    client.shutdown();
}

#[test]
fn after_shutdown_requests_are_invalid_and_exit_exits_0() {
    let (_dir, mut client) = server();
    assert_eq!(client.request("shutdown", Value::Null), Value::Null);
    let answer = client.request("workspace/symbol", json!({ "query": "p" }));
    assert_eq!(answer["error"]["code"], json!(INVALID_REQUEST), "{answer}");
    let answer = client.request("shutdown", Value::Null);
    assert_eq!(answer["error"]["code"], json!(INVALID_REQUEST), "{answer}");
    client.notify("exit", Value::Null);
    assert_eq!(client.exit_code(), Some(0));
}

#[test]
fn exit_without_shutdown_exits_1() {
    let (_dir, mut client) = server();
    assert_serving(&mut client);
    client.notify("exit", Value::Null);
    assert_eq!(client.exit_code(), Some(1));
    // Before `initialize` too.
    let (_dir, root, cache) = project();
    let mut client = Client::spawn(&root, &cache);
    client.notify("exit", Value::Null);
    assert_eq!(client.exit_code(), Some(1));
}
