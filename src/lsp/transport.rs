//! The wire: the LSP base protocol (`Content-Length` headers, a blank line, a JSON-RPC body) on
//! stdio, read defensively.
//!
//! lsp-server's own reader allocates whatever `Content-Length` claims up front (a huge value
//! aborts the process) and ends the connection on the first malformed message. This reader bounds
//! every read ([`MAX_BODY`], [`MAX_HEADER_LINE`]), answers a malformed message with the error
//! JSON-RPC 2.0 requires (`-32700` when the text is not a JSON message, `-32600` when the JSON is
//! not a valid request) and keeps reading: after a broken frame it skips ahead to the next
//! `Content-Length` header. Well-formed messages are handed to the server as lsp-server
//! [`Message`]s over an lsp-server [`Connection`], so the rest of the server is unchanged.

use lsp_server::{Connection, Message};
use serde_json::{json, Value};
use std::io::{self, BufRead, Read, Write};

/// The largest message body accepted: far beyond any `.gov` file an editor sends.
pub const MAX_BODY: usize = 64 << 20;

/// The longest header line accepted.
pub const MAX_HEADER_LINE: usize = 4096;

/// JSON-RPC 2.0: the text is not JSON (or, here, not a framed message).
pub const PARSE_ERROR: i32 = -32700;
/// JSON-RPC 2.0: the JSON is not a valid request object.
pub const INVALID_REQUEST: i32 = -32600;

/// The header every message needs, compared without case.
const CONTENT_LENGTH: &[u8] = b"content-length:";

/// One read from the client.
#[derive(Debug)]
pub enum Incoming {
    /// A well-formed message, for the server.
    Message(Message),
    /// A malformed one, and the error response it gets (a response from the client that is
    /// malformed gets none).
    Invalid(Option<Value>),
}

/// Reads messages from a byte stream (the client's side of stdio).
pub struct MessageReader<R> {
    input: R,
    /// After a broken frame: the next read first skips to a `Content-Length` header.
    lost: bool,
}

/// A header line, or why there is none.
enum Line {
    Text(Vec<u8>),
    TooLong,
    End,
}

impl<R: BufRead> MessageReader<R> {
    pub fn new(input: R) -> Self {
        MessageReader { input, lost: false }
    }

    /// The next message, `Ok(None)` at the end of the input; an error only when reading fails.
    pub fn next_message(&mut self) -> io::Result<Option<Incoming>> {
        Ok(match self.frame()? {
            None => None,
            Some(Ok(body)) => Some(decode(&body)),
            Some(Err(why)) => {
                self.lost = true;
                Some(Incoming::Invalid(Some(error_response(Value::Null, PARSE_ERROR, &why))))
            }
        })
    }

    /// The body of the next frame, or why the frame is broken.
    fn frame(&mut self) -> io::Result<Option<Result<Vec<u8>, String>>> {
        let mut length = None;
        let mut headers = 0usize;
        if self.lost {
            if !self.skip_to_content_length()? {
                return Ok(None);
            }
            self.lost = false;
            headers = 1;
            length = match self.line()? {
                Line::Text(value) => Some(parse_length(&value)),
                Line::TooLong => return Ok(Some(Err(too_long()))),
                Line::End => return Ok(None),
            };
        }
        loop {
            let line = match self.line()? {
                Line::Text(line) => line,
                Line::TooLong => return Ok(Some(Err(too_long()))),
                Line::End => return Ok(None),
            };
            let line = line.trim_ascii();
            if line.is_empty() {
                // Blank lines before a message's headers are noise, not the end of them.
                if headers == 0 {
                    continue;
                }
                break;
            }
            headers += 1;
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                return Ok(Some(Err(format!(
                    "malformed header line `{}`: expected `Name: value`",
                    String::from_utf8_lossy(line)
                ))));
            };
            if line[..colon].trim_ascii().eq_ignore_ascii_case(b"content-length") {
                length = Some(parse_length(&line[colon + 1..]));
            }
        }
        let length = match length {
            None => return Ok(Some(Err("a message without a `Content-Length` header".into()))),
            Some(Err(why)) => return Ok(Some(Err(why))),
            Some(Ok(n)) if n > MAX_BODY => {
                return Ok(Some(Err(format!(
                    "a message of {n} bytes: the largest accepted is {MAX_BODY} bytes"
                ))))
            }
            Some(Ok(n)) => n,
        };
        // Read what arrives, not what was announced: memory follows the bytes actually sent.
        let mut body = Vec::new();
        (&mut self.input).take(length as u64).read_to_end(&mut body)?;
        if body.len() < length {
            return Ok(None);
        }
        Ok(Some(Ok(body)))
    }

    /// One line, at most [`MAX_HEADER_LINE`] bytes long.
    fn line(&mut self) -> io::Result<Line> {
        let mut line = Vec::new();
        (&mut self.input)
            .take(MAX_HEADER_LINE as u64 + 1)
            .read_until(b'\n', &mut line)?;
        Ok(if line.ends_with(b"\n") {
            Line::Text(line)
        } else if line.len() > MAX_HEADER_LINE {
            Line::TooLong
        } else {
            Line::End
        })
    }

    /// Skips the input up to and including the next `Content-Length:` (in any case); false at
    /// the end of the input. A JSON body cannot hold that text outside a string, so this finds
    /// the next frame after one whose length was missing or wrong.
    fn skip_to_content_length(&mut self) -> io::Result<bool> {
        let mut matched = 0;
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Ok(false);
            }
            let mut used = 0;
            let mut found = false;
            for &b in buf {
                used += 1;
                let b = b.to_ascii_lowercase();
                if b == CONTENT_LENGTH[matched] {
                    matched += 1;
                } else {
                    // `c` occurs once in the pattern, so a mismatch restarts the match.
                    matched = usize::from(b == CONTENT_LENGTH[0]);
                }
                if matched == CONTENT_LENGTH.len() {
                    found = true;
                    break;
                }
            }
            self.input.consume(used);
            if found {
                return Ok(true);
            }
        }
    }
}

fn too_long() -> String {
    format!("a header line longer than {MAX_HEADER_LINE} bytes")
}

fn parse_length(value: &[u8]) -> Result<usize, String> {
    let value = value.trim_ascii();
    std::str::from_utf8(value)
        .ok()
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            format!(
                "`Content-Length: {}` is not a number of bytes",
                String::from_utf8_lossy(&value[..value.len().min(40)])
            )
        })
}

/// A JSON-RPC error response.
pub fn error_response(id: Value, code: i32, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
}

/// A message body as the server's message, or the error response JSON-RPC requires.
pub fn decode(body: &[u8]) -> Incoming {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Incoming::Invalid(Some(error_response(
                Value::Null,
                PARSE_ERROR,
                &format!("the message is not JSON: {e}"),
            )))
        }
    };
    let invalid = |id: Value, why: &str| Incoming::Invalid(Some(error_response(id, INVALID_REQUEST, why)));
    let Value::Object(object) = &value else {
        let why = if value.is_array() {
            "a batch: the language server protocol sends one message at a time"
        } else {
            "a message must be a JSON object"
        };
        return invalid(Value::Null, why);
    };
    // The id to answer with: the request's own when it is one JSON-RPC allows, else null.
    let id = object.get("id");
    let answer_id = id
        .filter(|id| id.is_string() || id.is_number())
        .cloned()
        .unwrap_or(Value::Null);
    let is_lsp_id = |id: &Value| id.is_string() || id.as_i64().is_some_and(|n| i32::try_from(n).is_ok());
    if object.get("jsonrpc") != Some(&json!("2.0")) {
        return invalid(answer_id, "a message must have `\"jsonrpc\": \"2.0\"`");
    }
    match object.get("method") {
        Some(Value::String(_)) => {}
        Some(_) => return invalid(answer_id, "`method` must be a string"),
        None if object.contains_key("result") || object.contains_key("error") => {
            // A response to the server; the server sends no requests, and a broken response
            // has no one to answer.
            return match id.is_some_and(is_lsp_id) {
                true => serde_json::from_value(value).map_or(Incoming::Invalid(None), Incoming::Message),
                false => Incoming::Invalid(None),
            };
        }
        None => return invalid(answer_id, "a request needs a `method`"),
    }
    if let Some(id) = id {
        if !is_lsp_id(id) {
            return invalid(answer_id, "`id` must be a string or an integer of 32 bits");
        }
    }
    if !matches!(
        object.get("params"),
        None | Some(Value::Null | Value::Object(_) | Value::Array(_))
    ) {
        return invalid(answer_id, "`params` must be an object or an array");
    }
    match serde_json::from_value(value) {
        Ok(message) => Incoming::Message(message),
        Err(e) => invalid(answer_id, &format!("not a request or notification: {e}")),
    }
}

/// Writes one JSON value as a frame.
pub fn write_frame(out: &mut impl Write, value: &Value) -> io::Result<()> {
    let text = value.to_string();
    write!(out, "Content-Length: {}\r\n\r\n", text.len())?;
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// The writer thread; joined to make sure every answer went out.
pub struct Transport {
    writer: std::thread::JoinHandle<io::Result<()>>,
}

impl Transport {
    pub fn join(self) -> io::Result<()> {
        self.writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the writer thread panicked")))
    }
}

/// The server's end of a connection over stdin and stdout. A thread reads stdin with a
/// [`MessageReader`], answers malformed messages itself and passes the others on (until `exit`
/// or the end of the input, when the connection's receiver disconnects); another writes what the
/// server sends, each message whole under the stdout lock.
pub fn stdio() -> (Connection, Transport) {
    // Rendezvous channels, as lsp-server's own: a client that sends faster than the server
    // handles waits instead of filling memory.
    let (to_server, from_client) = crossbeam_channel::bounded(0);
    let (to_client, from_server) = crossbeam_channel::bounded::<Message>(0);
    let server = Connection {
        sender: to_client,
        receiver: from_client,
    };
    let writer = std::thread::spawn(move || -> io::Result<()> {
        for message in from_server {
            message.write(&mut io::stdout().lock())?;
        }
        Ok(())
    });
    std::thread::spawn(move || {
        let mut reader = MessageReader::new(io::stdin().lock());
        while let Ok(Some(incoming)) = reader.next_message() {
            match incoming {
                Incoming::Message(message) => {
                    let is_exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                    if to_server.send(message).is_err() || is_exit {
                        break;
                    }
                }
                Incoming::Invalid(Some(answer)) => {
                    if write_frame(&mut io::stdout().lock(), &answer).is_err() {
                        break;
                    }
                }
                Incoming::Invalid(None) => {}
            }
        }
    });
    (server, Transport { writer })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message read from `input`: `Ok(method)` for a message, `Err(code)` for an error
    /// answer, `Err(0)` for an ignored one.
    fn read_all(input: &[u8]) -> Vec<Result<String, i64>> {
        let mut reader = MessageReader::new(input);
        let mut out = Vec::new();
        while let Some(incoming) = reader.next_message().expect("reads from memory") {
            out.push(match incoming {
                Incoming::Message(Message::Request(r)) => Ok(r.method),
                Incoming::Message(Message::Notification(n)) => Ok(n.method),
                Incoming::Message(Message::Response(_)) => Ok("response".into()),
                Incoming::Invalid(Some(e)) => Err(e["error"]["code"].as_i64().expect("code")),
                Incoming::Invalid(None) => Err(0),
            });
        }
        out
    }

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    const PING: &str = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;

    #[test]
    fn well_formed_messages_are_read_one_by_one() {
        let input = frame(PING) + &frame(r#"{"jsonrpc":"2.0","method":"note","params":null}"#);
        assert_eq!(read_all(input.as_bytes()), vec![Ok("ping".into()), Ok("note".into())]);
        // Header names without case, other headers, `\n` line ends, and blank lines between.
        let input = format!(
            "content-length: {}\nContent-Type: application/vscode-jsonrpc; charset=utf-8\n\n{PING}\r\n\r\n{}",
            PING.len(),
            frame(PING)
        );
        assert_eq!(read_all(input.as_bytes()), vec![Ok("ping".into()), Ok("ping".into())]);
    }

    #[test]
    fn broken_frames_get_a_parse_error_and_the_next_frame_is_read() {
        for broken in [
            "Content-Length: 99999999999999999999\r\n\r\n{}".to_string(),
            format!("Content-Length: {}\r\n\r\n{{}}", MAX_BODY + 1),
            "Content-Length: abc\r\n\r\n{}".to_string(),
            "Content-Length: -5\r\n\r\n{}".to_string(),
            "Content-Type: x\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"lost\"}".to_string(),
            "no colon here\r\n\r\n".to_string(),
            format!("X-Long: {}\r\n\r\n", "x".repeat(MAX_HEADER_LINE)),
        ] {
            let input = broken.clone() + &frame(PING);
            assert_eq!(
                read_all(input.as_bytes()),
                vec![Err(-32700), Ok("ping".into())],
                "{broken}"
            );
        }
    }

    #[test]
    fn bodies_that_are_not_requests_get_the_json_rpc_error() {
        for (body, code) in [
            ("{oops", -32700),
            ("\u{0}", -32700),
            ("[]", -32600),
            (PING.replace("{", "[{").replace("}", "}]").as_str(), -32600),
            ("null", -32600),
            ("42", -32600),
            (r#"{"id":1,"method":"ping"}"#, -32600),
            (r#"{"jsonrpc":"2.0","id":1}"#, -32600),
            (r#"{"jsonrpc":"2.0","id":1,"method":7}"#, -32600),
            (r#"{"jsonrpc":"2.0","id":1099511627776,"method":"ping"}"#, -32600),
            (r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#, -32600),
            (r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#, -32600),
            (r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":"x"}"#, -32600),
            (r#"{"jsonrpc":"2.0","id":{},"result":null}"#, 0),
        ] {
            let input = frame(body) + &frame(PING);
            assert_eq!(read_all(input.as_bytes()), vec![Err(code), Ok("ping".into())], "{body}");
        }
    }

    #[test]
    fn an_error_answers_with_the_request_id_when_there_is_one() {
        let Incoming::Invalid(Some(answer)) = decode(br#"{"jsonrpc":"2.0","id":"a","method":1}"#) else {
            panic!("an error answer")
        };
        assert_eq!(answer["id"], "a");
        let Incoming::Invalid(Some(answer)) = decode(b"[1]") else {
            panic!("an error answer")
        };
        assert_eq!(answer["id"], Value::Null);
    }

    #[test]
    fn the_input_ends_cleanly_mid_frame() {
        for input in [
            "Content-Length: 10\r\n\r\n{}",
            "Content-Length: 10\r\n",
            "Content-Len",
            "",
        ] {
            assert_eq!(read_all(input.as_bytes()), vec![], "{input}");
        }
    }
}
