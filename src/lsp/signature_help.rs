//! Signature help: inside the parentheses of a call, the signature of what is called (a built-in,
//! a function, or in a test's `expect` the policy with its parameters) with the argument under
//! the cursor marked.
//!
//! A call being typed does not parse yet (`startswith(name, `), so the call is found in the text:
//! the innermost open `(` before the cursor in its declaration that follows a name, skipping
//! strings and comments, with the commas before the cursor counted at its own depth. The name is
//! then looked up as the front end does, from the file it is written in.

use super::workspace::Snapshot;
use crate::checked::{Builtin, Item, Program};
use crate::resolve::Named;
use crate::span::FileId;
use lsp_types::{
    Documentation, MarkupContent, MarkupKind, ParameterInformation, ParameterLabel, SignatureHelp, SignatureInformation,
};

/// The signature help at byte `offset` of `file`, if the cursor is in a call's arguments.
pub fn signature_help(snapshot: &Snapshot, file: FileId, offset: usize) -> Option<SignatureHelp> {
    let text = snapshot.text(file);
    let offset = offset.min(text.len());
    let call = open_call(snapshot, file, text, offset)?;
    let active = match &call.signature.named {
        // Policy parameters after the subject are passed by name, in any order.
        Some(names) if call.argument > 0 => {
            let typed = text[call.argument_start..offset].trim_start();
            let name: String = typed.chars().take_while(|c| is_ident_char(*c)).collect();
            let assigned = typed[name.len()..].trim_start().starts_with('=');
            match names.iter().position(|n| assigned && *n == name) {
                Some(i) => i,
                // Not named yet: the first parameter that no earlier argument named.
                None => (1..names.len())
                    .find(|&i| !call.named_before.contains(&names[i]))
                    .unwrap_or(names.len()),
            }
        }
        _ => call.argument,
    };
    let s = call.signature;
    Some(SignatureHelp {
        signatures: vec![SignatureInformation {
            parameters: Some(
                s.params
                    .iter()
                    .map(|(range, doc)| ParameterInformation {
                        label: ParameterLabel::LabelOffsets([range.0, range.1]),
                        documentation: doc.clone().map(markdown),
                    })
                    .collect(),
            ),
            active_parameter: Some(active as u32),
            label: s.label,
            documentation: s.doc.map(markdown),
        }],
        active_signature: Some(0),
        active_parameter: Some(active as u32),
    })
}

fn markdown(value: String) -> Documentation {
    Documentation::MarkupContent(MarkupContent {
        kind: MarkupKind::Markdown,
        value,
    })
}

/// What is called and the parameters it takes.
struct Signature {
    label: String,
    /// Each parameter's place in `label`, in UTF-16 code units, and its documentation.
    params: Vec<((u32, u32), Option<String>)>,
    doc: Option<String>,
    /// For a policy: the subject's and the parameters' names (arguments after the first are
    /// named).
    named: Option<Vec<String>>,
}

/// The call whose arguments the cursor is in.
struct OpenCall {
    signature: Signature,
    /// Which argument the cursor is in (commas before it at the call's depth).
    argument: usize,
    /// Where that argument starts.
    argument_start: usize,
    /// The names given to earlier arguments (`name = value`).
    named_before: Vec<String>,
}

/// One open bracket before the cursor.
struct Frame {
    bracket: u8,
    /// The dotted name just before a `(`, if any.
    callee: Option<String>,
    /// Where each argument starts (after the bracket, after each comma at this depth).
    arguments: Vec<usize>,
    /// Whether the bracket is a string's interpolation (`"{`), which goes back into the string.
    interpolation: bool,
}

/// The innermost call around `offset` whose callee is known. Brackets other than `(` (lists,
/// parentheses that group) are looked through; a `{` (a block, a record) ends the search.
fn open_call(snapshot: &Snapshot, file: FileId, text: &str, offset: usize) -> Option<OpenCall> {
    let (_, decls) = crate::syntax::declaration_ranges(text);
    let start = decls.iter().rev().find(|r| r.start <= offset).map_or(0, |r| r.start);
    let stack = open_brackets(text, start, offset);
    for frame in stack.iter().rev() {
        if frame.bracket == b'{' {
            return None;
        }
        let Some(callee) = frame.callee.as_deref() else {
            continue;
        };
        let Some(signature) = resolve(snapshot, file, callee) else {
            continue;
        };
        let argument = frame.arguments.len() - 1;
        let named_before = frame.arguments[..argument]
            .iter()
            .zip(&frame.arguments[1..])
            .filter_map(|(&from, &to)| {
                let (name, value) = text[from..to].split_once('=')?;
                (!value.starts_with('=')).then(|| name.trim().to_string())
            })
            .collect();
        return Some(OpenCall {
            signature,
            argument,
            argument_start: frame.arguments[argument],
            named_before,
        });
    }
    None
}

/// The brackets open at `offset`, scanning from `start` (a declaration's start), innermost last.
fn open_brackets(text: &str, start: usize, offset: usize) -> Vec<Frame> {
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut in_string = false;
    let mut i = start;
    while i < offset {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' | b'\n' => in_string = false,
                b'{' if bytes.get(i + 1) == Some(&b'{') => i += 1,
                b'{' => {
                    stack.push(Frame {
                        bracket: b'{',
                        callee: None,
                        arguments: vec![i + 1],
                        interpolation: true,
                    });
                    in_string = false;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < offset && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => in_string = true,
            b'(' | b'[' | b'{' => {
                let callee = (b == b'(').then(|| callee_before(&text[start..i])).flatten();
                stack.push(Frame {
                    bracket: b,
                    callee,
                    arguments: vec![i + 1],
                    interpolation: false,
                });
            }
            b')' | b']' | b'}' => {
                if let Some(frame) = stack.pop() {
                    in_string = frame.interpolation;
                }
            }
            b',' => {
                if let Some(frame) = stack.last_mut() {
                    frame.arguments.push(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    stack
}

/// The dotted name (`f`, `shared.f`) that ends `before`, spaces aside.
fn callee_before(before: &str) -> Option<String> {
    let trimmed = before.trim_end();
    let name_start = trimmed
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_ident_char(*c) || *c == '.')
        .last()
        .map(|(i, _)| i)?;
    let name = &trimmed[name_start..];
    let starts_well = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    (starts_well && !name.ends_with('.')).then(|| name.to_string())
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The signature of the built-in, function or policy a dotted name means in `file`.
fn resolve(snapshot: &Snapshot, file: FileId, callee: &str) -> Option<Signature> {
    let names = &snapshot.analysis.names;
    let item = match callee.split_once('.') {
        None => match names.lookup(file, callee) {
            Some(Named::Item(item)) => item,
            _ => return Builtin::from_name(callee).map(builtin),
        },
        Some((module, name)) => match names.lookup(file, module)? {
            Named::Module(m) => names.items.get(m.index())?.get(name)?.0,
            _ => return None,
        },
    };
    let p = &snapshot.analysis.program;
    match item {
        Item::Fn(id) => {
            let f = p.fns.get(id.index())?;
            let params = f.params.iter().map(|l| {
                let local = &f.locals[l.index()];
                (format!("{}: {}", local.name, p.display(&local.ty)), None)
            });
            let mut s = signature(&f.name, params, Some(&format!(" -> {}", p.display(&f.ret))));
            s.doc = f.doc.clone();
            Some(s)
        }
        Item::Policy(id) => policy(snapshot, p, id.index()),
        _ => None,
    }
}

/// A policy as `expect` calls it: its subject, then its parameters by name with their defaults.
fn policy(snapshot: &Snapshot, p: &Program, index: usize) -> Option<Signature> {
    let pol = p.policies.get(index)?;
    let subject = pol.subject.map(|l| &pol.locals[l.index()])?;
    let mut names = vec![subject.name.clone()];
    let mut params = vec![(format!("{}: {}", subject.name, p.display(&subject.ty)), None)];
    for param in &pol.params {
        names.push(param.name.clone());
        let default = snapshot.analysis.sources.snippet(param.default.span);
        params.push((
            format!("{}: {} = {default}", param.name, p.display(&param.ty)),
            param.doc.clone(),
        ));
    }
    let mut s = signature(&pol.name, params.into_iter(), None);
    s.doc = pol.doc.clone();
    s.named = Some(names);
    Some(s)
}

/// A built-in's signature, split at the commas of its parameter list.
fn builtin(b: Builtin) -> Signature {
    let label = b.signature();
    let open = label.find('(').unwrap_or(label.len());
    let mut params = Vec::new();
    let (mut depth, mut from) = (0usize, open + 1);
    for (i, c) in label.char_indices().skip_while(|(i, _)| *i <= open) {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth > 0 => depth -= 1,
            ',' | ')' if depth == 0 => {
                params.push((utf16(&label[..from]), utf16(&label[..i])));
                from = i + 2;
                if c == ')' {
                    break;
                }
            }
            _ => {}
        }
    }
    Signature {
        label: label.to_string(),
        params: params.into_iter().map(|r| (r, None)).collect(),
        doc: Some("built-in function".to_string()),
        named: None,
    }
}

/// `name(param, param)` followed by `ret`, with each parameter's place.
fn signature(name: &str, params: impl Iterator<Item = (String, Option<String>)>, ret: Option<&str>) -> Signature {
    let mut label = format!("{name}(");
    let mut ranges = Vec::new();
    for (i, (param, doc)) in params.enumerate() {
        if i > 0 {
            label.push_str(", ");
        }
        let start = utf16(&label);
        label.push_str(&param);
        ranges.push(((start, utf16(&label)), doc));
    }
    label.push(')');
    label.push_str(ret.unwrap_or(""));
    Signature {
        label,
        params: ranges,
        doc: None,
        named: None,
    }
}

fn utf16(s: &str) -> u32 {
    s.encode_utf16().count() as u32
}
