//! The language server, tested the way a user meets it: every `tests/lsp/*.lsp` fixture is a
//! list of requests against a fresh copy of `examples/ai-governance`, and the transcript (the
//! source line with the cursor drawn under it, then the answer rendered as an editor would show
//! it) is snapshot-tested in `tests/snapshots/lsp/`.
//!
//! A fixture is blocks separated by blank lines; `#` lines are comments. A block is a command
//! and its arguments, then indented lines. Where a command needs a cursor, the indented line is
//! a piece of the file's text with `<|>` at the cursor (it must occur once in the file):
//!
//! ```text
//! hover governance/data.gov
//!   not d.spec.encryption.<|>at_rest
//! ```
//!
//! Commands: `hover`, `definition`, `references`, `completion`, `code-actions`,
//! `signature-help`, `highlight` (with a cursor); `range-formatting` (with a cursor, or two
//! lines with a cursor each: a selection); `rename FILE NEW_NAME` (with a cursor); `symbols FILE`,
//! `formatting FILE`, `diagnostics FILE`, `semantic-tokens FILE`; `workspace-symbols QUERY`; and
//! `replace FILE`, whose `- ` lines are text to find and `+ ` lines its replacement (an edit sent
//! to the server as the user would type it).

#[path = "lsp/client.rs"]
mod client;

use client::Client;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const CURSOR: &str = "<|>";

/// A fresh copy of the example project and a cache directory for the stdlib, in a temp dir.
fn workspace() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("ai-governance");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ai-governance"),
        &root,
    );
    let cache = dir.path().join("cache");
    (dir, root, cache)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

#[test]
fn fixtures() {
    insta::glob!("lsp/*.lsp", |path| {
        let fixture = std::fs::read_to_string(path).expect("fixture");
        let (_dir, root, cache) = workspace();
        let mut client = Client::start(&root, &cache, json!({ "debounceMs": 10 }));
        let mut transcript = String::new();
        for block in blocks(&fixture) {
            transcript.push_str(&run(&mut client, &block));
            transcript.push('\n');
        }
        client.shutdown();
        insta::with_settings!({
            snapshot_path => "snapshots/lsp",
            prepend_module_to_snapshot => false,
            description => "requests to `govc lsp` on examples/ai-governance and its answers",
            omit_expression => true,
        }, {
            insta::assert_snapshot!("transcript", transcript);
        });
    });
}

struct Block {
    command: String,
    args: Vec<String>,
    body: Vec<String>,
}

fn blocks(fixture: &str) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    for line in fixture.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if let Some(body) = line.strip_prefix("  ") {
            out.last_mut()
                .expect("a block starts with a command")
                .body
                .push(body.to_string());
        } else {
            let mut words = line.split_whitespace().map(str::to_string);
            let command = words.next().expect("command");
            out.push(Block {
                command,
                args: words.collect(),
                body: Vec::new(),
            });
        }
    }
    out
}

/// The cursor of a block: file, LSP position, and the rendered source line with the cursor.
fn cursor(client: &Client, file: &str, pattern: &str) -> (Value, String) {
    let text = client.text(file);
    let offset = marked(&text, file, pattern);
    drawn_cursor(&text, offset)
}

/// The offset of the `<|>` of a pattern that occurs once in a file's text.
fn marked(text: &str, file: &str, pattern: &str) -> usize {
    let needle = pattern.replace(CURSOR, "");
    let found: Vec<usize> = text.match_indices(&needle).map(|(i, _)| i).collect();
    assert_eq!(found.len(), 1, "`{needle}` must occur once in {file}");
    found[0] + pattern.find(CURSOR).expect("the pattern has a cursor")
}

/// The LSP position of an offset and its source line with the cursor drawn under it.
fn drawn_cursor(text: &str, offset: usize) -> (Value, String) {
    let line = text[..offset].matches('\n').count();
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].encode_utf16().count();
    let source = text.lines().nth(line).unwrap_or("");
    let gutter = format!("{}", line + 1);
    let pad = " ".repeat(gutter.len());
    let drawn = format!(
        "{gutter} │ {source}\n{pad} │ {}↑\n",
        " ".repeat(text[line_start..offset].chars().count())
    );
    (json!({ "line": line, "character": column }), drawn)
}

fn position_params(client: &Client, file: &str, position: &Value) -> Value {
    json!({ "textDocument": { "uri": client.uri(file) }, "position": position })
}

fn run(client: &mut Client, block: &Block) -> String {
    let file = block.args.first().cloned().unwrap_or_default();
    let mut out = format!("── {} {}\n", block.command, block.args.join(" "));
    let with_cursor = |client: &mut Client, out: &mut String| {
        client.open(&file);
        let (position, drawn) = cursor(client, &file, &block.body.join("\n"));
        out.push_str(&drawn);
        position
    };
    match block.command.as_str() {
        "hover" => {
            let position = with_cursor(client, &mut out);
            let answer = client.request("textDocument/hover", position_params(client, &file, &position));
            match answer["contents"]["value"].as_str() {
                Some(text) => out.push_str(&format!("{text}\n")),
                None => out.push_str(&format!("{answer}\n")),
            }
        }
        "definition" => {
            let position = with_cursor(client, &mut out);
            let answer = client.request("textDocument/definition", position_params(client, &file, &position));
            if answer.is_null() {
                out.push_str("no definition\n");
            } else {
                out.push_str(&format!("→ {}", location(client, &answer)));
            }
        }
        "references" => {
            let position = with_cursor(client, &mut out);
            let mut params = position_params(client, &file, &position);
            params["context"] = json!({ "includeDeclaration": true });
            let answer = client.request("textDocument/references", params);
            for l in answer.as_array().into_iter().flatten() {
                out.push_str(&location(client, l));
            }
        }
        "rename" => {
            let position = with_cursor(client, &mut out);
            let mut params = position_params(client, &file, &position);
            params["newName"] = json!(block.args[1]);
            let answer = client.request("textDocument/rename", params);
            out.push_str(&workspace_edit(client, &answer));
        }
        "completion" => {
            let position = with_cursor(client, &mut out);
            let answer = client.request("textDocument/completion", position_params(client, &file, &position));
            out.push_str(&completions(&answer));
        }
        "code-actions" => {
            let position = with_cursor(client, &mut out);
            let params = json!({
                "textDocument": { "uri": client.uri(&file) },
                "range": { "start": position, "end": position },
                "context": { "diagnostics": [] },
            });
            let answer = client.request("textDocument/codeAction", params);
            for action in answer.as_array().into_iter().flatten() {
                out.push_str(&format!("{}\n", action["title"].as_str().unwrap_or("?")));
                out.push_str(&workspace_edit(client, &action["edit"]));
            }
        }
        "symbols" => {
            let answer = client.request(
                "textDocument/documentSymbol",
                json!({ "textDocument": { "uri": client.uri(&file) } }),
            );
            outline(&answer, 0, &mut out);
        }
        "workspace-symbols" => {
            let answer = client.request("workspace/symbol", json!({ "query": block.args.join(" ") }));
            for s in answer.as_array().into_iter().flatten() {
                let at = location(client, &s["location"]);
                let first = at.lines().next().unwrap_or("");
                out.push_str(&format!(
                    "{} {} in {} at {first}\n",
                    symbol_kind(&s["kind"]),
                    s["name"].as_str().unwrap_or("?"),
                    s["containerName"].as_str().unwrap_or("-")
                ));
            }
        }
        "formatting" => {
            client.open(&file);
            let params = json!({
                "textDocument": { "uri": client.uri(&file) },
                "options": { "tabSize": 2, "insertSpaces": true },
            });
            let answer = client.request("textDocument/formatting", params);
            let edits = answer.as_array().cloned().unwrap_or_default();
            if edits.is_empty() {
                out.push_str("no edits: the file is formatted\n");
            } else {
                let text = apply(&client.text(&file), &edits);
                out.push_str(&text);
            }
        }
        "diagnostics" => {
            client.open(&file);
            let uri = client.uri(&file);
            let answer = client.diagnostics(&uri);
            let list = answer.as_array().cloned().unwrap_or_default();
            if list.is_empty() {
                out.push_str("no problems\n");
            }
            for d in list {
                out.push_str(&diagnostic(client, &file, &d));
            }
        }
        "signature-help" => {
            let position = with_cursor(client, &mut out);
            let answer = client.request("textDocument/signatureHelp", position_params(client, &file, &position));
            out.push_str(&signature_help(&answer));
        }
        "highlight" => {
            let position = with_cursor(client, &mut out);
            let answer = client.request(
                "textDocument/documentHighlight",
                position_params(client, &file, &position),
            );
            let uri = client.uri(&file);
            for h in answer.as_array().into_iter().flatten() {
                let kind = match h["kind"].as_u64() {
                    Some(2) => "read",
                    Some(3) => "write",
                    _ => "text",
                };
                let at = location(client, &json!({ "uri": uri, "range": h["range"] }));
                out.push_str(&format!("{kind} {at}"));
            }
        }
        "range-formatting" => {
            client.open(&file);
            let text = client.text(&file);
            // One line with the cursor, or two lines: where the selection starts and ends.
            let marks: Vec<usize> = block.body.iter().map(|line| marked(&text, &file, line)).collect();
            let (start, end) = (marks[0], *marks.last().expect("a mark"));
            for offset in if start == end { vec![start] } else { vec![start, end] } {
                out.push_str(&drawn_cursor(&text, offset).1);
            }
            let params = json!({
                "textDocument": { "uri": client.uri(&file) },
                "range": { "start": position_of(&text, start), "end": position_of(&text, end) },
                "options": { "tabSize": 2, "insertSpaces": true },
            });
            let answer = client.request("textDocument/rangeFormatting", params);
            let edits = answer.as_array().cloned().unwrap_or_default();
            if edits.is_empty() {
                out.push_str("no edits\n");
            }
            for e in &edits {
                let (first, last) = (e["range"]["start"]["line"].as_u64(), e["range"]["end"]["line"].as_u64());
                let (first, last) = (first.unwrap_or(0) + 1, last.unwrap_or(0) + 1);
                out.push_str(&format!("lines {first}–{last} become:\n"));
                let new = e["newText"].as_str().unwrap_or("");
                for line in new.strip_suffix('\n').unwrap_or(new).split('\n') {
                    out.push_str(&format!("  │ {line}\n"));
                }
            }
            let entry = client.open.get_mut(&client.uri(&file)).expect("open");
            entry.0 = apply(&text, &edits);
            if !edits.is_empty() {
                let whole = json!({ "start": position_of(&text, 0), "end": position_of(&text, text.len()) });
                let new = entry.0.clone();
                client.edit(&file, whole, &new);
            }
        }
        "semantic-tokens" => {
            client.open(&file);
            let answer = client.request(
                "textDocument/semanticTokens/full",
                json!({ "textDocument": { "uri": client.uri(&file) } }),
            );
            out.push_str(&semantic_tokens(&client.text(&file), &answer));
        }
        "replace" => {
            let old: Vec<&str> = block.body.iter().filter_map(|l| l.strip_prefix("- ")).collect();
            let new: Vec<&str> = block
                .body
                .iter()
                .filter_map(|l| l.strip_prefix("+ ").or(l.strip_prefix("+")))
                .collect();
            let (old, new) = (old.join("\n"), new.join("\n"));
            client.open(&file);
            let text = client.text(&file);
            assert_eq!(text.matches(&old).count(), 1, "`{old}` must occur once in {file}");
            let start = text.find(&old).expect("found");
            let range = json!({ "start": position_of(&text, start), "end": position_of(&text, start + old.len()) });
            client.edit(&file, range, &new);
            let entry = client.open.get_mut(&client.uri(&file)).expect("open");
            entry.0 = text.replacen(&old, &new, 1);
            for line in old.lines() {
                out.push_str(&format!("- {line}\n"));
            }
            for line in new.lines() {
                out.push_str(&format!("+ {line}\n"));
            }
        }
        other => panic!("unknown command `{other}`"),
    }
    out
}

fn position_of(text: &str, offset: usize) -> Value {
    let line = text[..offset].matches('\n').count();
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": text[line_start..offset].encode_utf16().count() })
}

fn offset_of(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().unwrap_or(0) as usize;
    let character = position["character"].as_u64().unwrap_or(0) as usize;
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut units = 0;
    for (i, c) in text[start..].char_indices() {
        if units >= character || c == '\n' {
            return start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// Applies text edits (not overlapping) to a text.
fn apply(text: &str, edits: &[Value]) -> String {
    let mut edits: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            (
                offset_of(text, &e["range"]["start"]),
                offset_of(text, &e["range"]["end"]),
                e["newText"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (start, end, new) in edits {
        out.replace_range(start..end, &new);
    }
    out
}

/// A file of the workspace or the stdlib by URI, as a short name and its text.
fn file_of(client: &Client, uri: &str) -> (String, String) {
    let path = lsp_types::Url::parse(uri)
        .ok()
        .and_then(|u| u.to_file_path().ok())
        .unwrap_or_default();
    let text = client.text_at(&path);
    let name = match path.strip_prefix(&client.root) {
        Ok(rel) => rel.to_string_lossy().into_owned(),
        Err(_) => match path.strip_prefix(&client.cache) {
            Ok(rel) => {
                let rel = rel.to_string_lossy();
                format!(
                    "<stdlib>/{}",
                    rel.split_once("/stdlib/").map_or(rel.as_ref(), |(_, r)| r)
                )
            }
            Err(_) => path.to_string_lossy().into_owned(),
        },
    };
    (name, text)
}

impl Client {
    fn text_at(&self, path: &Path) -> String {
        match path.strip_prefix(&self.root) {
            Ok(rel) => self.text(&rel.to_string_lossy()),
            Err(_) => std::fs::read_to_string(path).unwrap_or_default(),
        }
    }
}

/// `file:line:column`, the line, and `^` under the range.
fn location(client: &Client, l: &Value) -> String {
    let (name, text) = file_of(client, l["uri"].as_str().unwrap_or(""));
    let start = offset_of(&text, &l["range"]["start"]);
    let end = offset_of(&text, &l["range"]["end"]);
    let line = text[..start].matches('\n').count();
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let source = text.lines().nth(line).unwrap_or("");
    let column = text[line_start..start].chars().count();
    let width = text[start..end.max(start)].chars().count().max(1);
    let gutter = format!("{}", line + 1);
    format!(
        "{name}:{}:{}\n{gutter} │ {source}\n{} │ {}{}\n",
        line + 1,
        column + 1,
        " ".repeat(gutter.len()),
        " ".repeat(column),
        "^".repeat(width)
    )
}

fn workspace_edit(client: &Client, edit: &Value) -> String {
    if let Some(error) = edit.get("error") {
        return format!("error: {}\n", error["message"].as_str().unwrap_or("?"));
    }
    let mut out = String::new();
    let mut files: Vec<(&String, &Value)> = edit["changes"]
        .as_object()
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    files.sort_by_key(|(uri, _)| uri.to_string());
    for (uri, edits) in files {
        let (name, text) = file_of(client, uri);
        let edits = edits.as_array().cloned().unwrap_or_default();
        let changed = apply(&text, &edits);
        let mut lines: Vec<usize> = edits
            .iter()
            .map(|e| e["range"]["start"]["line"].as_u64().unwrap_or(0) as usize)
            .collect();
        lines.dedup();
        let removed = text.lines().count() - changed.lines().count();
        for line in lines {
            let new = changed.lines().nth(line).unwrap_or("");
            out.push_str(&format!("  {name}:{} │ {new}\n", line + 1));
        }
        if removed > 0 {
            out.push_str(&format!("  ({removed} line(s) removed from {name})\n"));
        }
    }
    out
}

/// The signature with the active parameter in `«»`, then the documentation.
fn signature_help(answer: &Value) -> String {
    let Some(s) = answer["signatures"].as_array().and_then(|s| s.first()) else {
        return "no signature help\n".into();
    };
    let label: Vec<u16> = s["label"].as_str().unwrap_or("").encode_utf16().collect();
    let active = answer["activeParameter"].as_u64().unwrap_or(0) as usize;
    let params = s["parameters"].as_array().cloned().unwrap_or_default();
    let mut out = match params.get(active).map(|p| &p["label"]) {
        Some(Value::Array(range)) => {
            let at = |i: usize| range[i].as_u64().unwrap_or(0) as usize;
            let part = |r: std::ops::Range<usize>| String::from_utf16_lossy(&label[r]);
            format!(
                "{}«{}»{}\n",
                part(0..at(0)),
                part(at(0)..at(1)),
                part(at(1)..label.len())
            )
        }
        _ => format!("{} (no active parameter)\n", String::from_utf16_lossy(&label)),
    };
    if let Some(doc) = params.get(active).and_then(|p| p["documentation"]["value"].as_str()) {
        out.push_str(&format!("  parameter: {doc}\n"));
    }
    if let Some(doc) = s["documentation"]["value"].as_str() {
        for line in doc.lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}

fn completions(answer: &Value) -> String {
    let items = match answer {
        Value::Array(items) => items.clone(),
        other => other["items"].as_array().cloned().unwrap_or_default(),
    };
    let mut rows: Vec<(String, String)> = items
        .iter()
        .map(|i| {
            let label = i["label"].as_str().unwrap_or("?").to_string();
            let sort = i["sortText"].as_str().map_or(label.clone(), str::to_string);
            let detail = i["detail"].as_str().map(|d| format!(" — {d}")).unwrap_or_default();
            let kind = completion_kind(&i["kind"]);
            (sort, format!("{label} ({kind}){detail}\n"))
        })
        .collect();
    rows.sort();
    if rows.is_empty() {
        return "no completions\n".into();
    }
    rows.into_iter().map(|(_, r)| r).collect()
}

fn completion_kind(kind: &Value) -> &'static str {
    match kind.as_u64() {
        Some(3) => "function",
        Some(5) => "field",
        Some(6) => "variable",
        Some(7) => "class",
        Some(8) => "interface",
        Some(9) => "module",
        Some(10) => "property",
        Some(13) => "enum",
        Some(14) => "keyword",
        Some(20) => "enum value",
        Some(22) => "struct",
        Some(25) => "type",
        _ => "?",
    }
}

fn symbol_kind(kind: &Value) -> &'static str {
    match kind.as_u64() {
        Some(2) => "module",
        Some(4) => "package",
        Some(5) => "class",
        Some(6) => "method",
        Some(7) => "property",
        Some(8) => "field",
        Some(10) => "enum",
        Some(12) => "function",
        Some(13) => "variable",
        Some(19) => "object",
        Some(22) => "enum value",
        Some(23) => "struct",
        Some(24) => "event",
        _ => "?",
    }
}

fn outline(symbols: &Value, depth: usize, out: &mut String) {
    for s in symbols.as_array().into_iter().flatten() {
        let line = s["selectionRange"]["start"]["line"].as_u64().unwrap_or(0) + 1;
        let detail = s["detail"].as_str().map(|d| format!(" — {d}")).unwrap_or_default();
        out.push_str(&format!(
            "{}{} {}{detail} (line {line})\n",
            "  ".repeat(depth),
            symbol_kind(&s["kind"]),
            s["name"].as_str().unwrap_or("?")
        ));
        outline(&s["children"], depth + 1, out);
    }
}

fn diagnostic(client: &Client, file: &str, d: &Value) -> String {
    let severity = match d["severity"].as_u64() {
        Some(1) => "error",
        Some(2) => "warning",
        _ => "info",
    };
    let code = d["code"].as_str().unwrap_or("");
    let mut message = d["message"].as_str().unwrap_or("").lines();
    let mut out = format!("{severity}[{code}]: {}\n", message.next().unwrap_or(""));
    let l = json!({ "uri": client.uri(file), "range": d["range"] });
    for line in location(client, &l).lines() {
        out.push_str(&format!("  {line}\n"));
    }
    for rest in message {
        out.push_str(&format!("  {rest}\n"));
    }
    for related in d["relatedInformation"].as_array().into_iter().flatten() {
        let at = location(client, &related["location"]);
        out.push_str(&format!("  related: {}\n", related["message"].as_str().unwrap_or("")));
        for line in at.lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    out
}

const TOKEN_TYPES: &[&str] = &[
    "namespace",
    "type",
    "enum",
    "enumMember",
    "class",
    "function",
    "parameter",
    "variable",
    "property",
];

fn semantic_tokens(text: &str, answer: &Value) -> String {
    let data: Vec<u64> = answer["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect();
    let lines: Vec<&str> = text.lines().collect();
    let (mut line, mut start) = (0u64, 0u64);
    let mut out = String::new();
    for t in data.chunks(5) {
        if t[0] > 0 {
            line += t[0];
            start = t[1];
        } else {
            start += t[1];
        }
        let source = lines.get(line as usize).copied().unwrap_or("");
        let units: Vec<u16> = source.encode_utf16().collect();
        let word = String::from_utf16_lossy(&units[start as usize..(start + t[2]) as usize]);
        let mut modifiers = Vec::new();
        if t[4] & 1 != 0 {
            modifiers.push("declaration");
        }
        if t[4] & 2 != 0 {
            modifiers.push("defaultLibrary");
        }
        out.push_str(&format!(
            "{}:{} {word} {} {}\n",
            line + 1,
            start + 1,
            TOKEN_TYPES.get(t[3] as usize).unwrap_or(&"?"),
            modifiers.join(" ")
        ));
    }
    out
}

// ---------------------------------------------------------------- behaviours beyond the fixtures

/// A one-file project in a temp dir.
fn project(text: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("project");
    std::fs::create_dir_all(&root).expect("mkdir");
    std::fs::write(root.join("main.gov"), text).expect("write");
    let cache = dir.path().join("cache");
    (dir, root, cache)
}

#[test]
fn positions_count_utf16_code_units() {
    let text = "package u\n\ntype T {\n  name: string\n}\n\npolicy p {\n  subject x: T\n  deny \"é😀 {x.name}\" when x.name == \"😀\"\n}\n";
    let (_dir, root, cache) = project(text);
    let mut client = Client::start(&root, &cache, json!({}));
    client.open("main.gov");
    // `name` in `{x.name}`: after `é` (1 unit) and `😀` (2 units).
    let offset = text.find("x.name}").expect("found") + 2;
    let line_start = text[..offset].rfind('\n').expect("line") + 1;
    let character = text[line_start..offset].encode_utf16().count();
    assert_eq!(character, 15);
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": client.uri("main.gov") }, "position": { "line": 8, "character": character } }),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .is_some_and(|v| v.contains("T.name: string")),
        "{hover}"
    );
    assert_eq!(hover["range"]["start"], json!({ "line": 8, "character": 15 }));
    assert_eq!(hover["range"]["end"], json!({ "line": 8, "character": 19 }));
    client.shutdown();
}

#[test]
fn the_stdlib_is_served_from_read_only_files_in_the_cache() {
    let (_dir, root, cache) =
        project("package u\n\nimport std.ai.{Dataset}\n\nfn named(d: Dataset) -> string = d.name\n");
    let mut client = Client::start(&root, &cache, json!({}));
    client.open("main.gov");
    let answer = client.request(
        "textDocument/definition",
        json!({ "textDocument": { "uri": client.uri("main.gov") }, "position": { "line": 2, "character": 17 } }),
    );
    let uri = answer["uri"].as_str().expect("a location");
    let path = lsp_types::Url::parse(uri).expect("uri").to_file_path().expect("a file");
    assert!(path.starts_with(&cache), "{path:?} is not in the cache");
    let text = std::fs::read_to_string(&path).expect("the stdlib file exists");
    assert!(text.contains("type Dataset"));
    assert!(std::fs::metadata(&path).expect("metadata").permissions().readonly());
    client.shutdown();
}

#[test]
fn the_server_announces_its_features() {
    let (_dir, root, cache) = project("package u\n");
    let client = Client::start(&root, &cache, json!({}));
    let c = &client.capabilities;
    for feature in [
        "hoverProvider",
        "definitionProvider",
        "referencesProvider",
        "renameProvider",
        "completionProvider",
        "documentSymbolProvider",
        "workspaceSymbolProvider",
        "documentFormattingProvider",
        "codeActionProvider",
        "semanticTokensProvider",
        "signatureHelpProvider",
        "documentHighlightProvider",
        "documentRangeFormattingProvider",
    ] {
        assert!(!c[feature].is_null(), "{feature} is not announced: {c}");
    }
    assert_eq!(c["positionEncoding"], "utf-16");
    assert_eq!(c["textDocumentSync"]["change"], 2, "incremental sync");
    client.shutdown();
}

#[test]
fn edits_to_one_file_are_seen_by_the_others() {
    let (_dir, root, cache) = project("package u\n\ntype T {\n  name: string\n}\n");
    std::fs::write(root.join("use.gov"), "package u\n\nfn f(t: T) -> string = t.name\n").expect("write");
    let mut client = Client::start(&root, &cache, json!({ "debounceMs": 0 }));
    client.open("use.gov");
    let clean = client.diagnostics(&client.uri("use.gov"));
    assert_eq!(clean, json!([]));
    // Rename the field in the other file, in the editor only: `use.gov` now reads a missing field.
    client.edit(
        "main.gov",
        json!({ "start": { "line": 3, "character": 2 }, "end": { "line": 3, "character": 6 } }),
        "title",
    );
    let uri = client.uri("use.gov");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let hover = client.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": 2, "character": 25 } }),
        );
        if hover.is_null() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the edit was not seen: {hover}");
    }
    client.shutdown();
}
