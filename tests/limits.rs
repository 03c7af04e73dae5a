//! The one nesting limit and long chains, end to end through the binary (as users run it, on the
//! compiler's own stack): chains of 10,000 terms check, build, format, evaluate and serve in the
//! language server; an expression or a type at `MAX_NESTING` levels and a chain at
//! `MAX_TREE_DEPTH` terms are accepted, one more is one located E0005 error, never a crash, and
//! `govc build` writes nothing. Debug builds, as the tests run, take the most stack.

#[path = "lsp/client.rs"]
mod client;

use govc::limits::{MAX_NESTING, MAX_TREE_DEPTH};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const GOVC: &str = env!("CARGO_BIN_EXE_govc");

fn govc(args: &[&str], dir: &Path) -> Output {
    Command::new(GOVC).args(args).arg(dir).output().expect("govc runs")
}

/// A project whose policy denies when `condition` holds, with `types` declared beside it.
fn project(root: &Path, name: &str, types: &str, condition: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let text = format!(
        "package p\n\ntype T {{\n  f: int\n  s: string\n}}\n{types}\npolicy q {{\n  subject t: T\n  deny \"x\" when {condition}\n}}\n"
    );
    std::fs::write(dir.join("p.gov"), text).expect("write");
    dir
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Exits 1 with exactly the codes `codes` among its errors, no crash.
fn assert_errors(output: &Output, codes: &[&str]) {
    let text = stderr(output);
    assert_eq!(output.status.code(), Some(1), "{}", &text[..text.len().min(2000)]);
    let found: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("error[")?.split(']').next())
        .collect();
    assert_eq!(found, codes, "{}", &text[..text.len().min(2000)]);
}

#[test]
fn chains_of_ten_thousand_terms_check_build_format_and_evaluate() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let n = 10_000;
    let chains = [
        ("and", format!("t.f == 1{}", " and t.f == 1".repeat(n))),
        ("or", format!("t.f == 2{}", " or t.f == 1".repeat(n))),
        ("sum", format!("t.f < 1{}", " + 1".repeat(n))),
        // A sum over a field can go out of range: one failure rule for the whole chain, so the
        // output grows with the chain, not its square (a 2,000-term chain was 95 MB of Rego).
        ("field sum", format!("t.f{} == 0", " + 1".repeat(n))),
        ("concat", format!("t.s{} == \"\"", " + \"a\"".repeat(n))),
    ];
    for (name, condition) in chains {
        let dir = project(tmp.path(), name, "", &condition);
        let check = govc(&["check"], &dir);
        assert!(check.status.success(), "{name}: {}", stderr(&check));
        let out = tmp.path().join(format!("{name}-out"));
        let build = Command::new(GOVC)
            .arg("build")
            .arg(&dir)
            .arg("--out")
            .arg(&out)
            .output()
            .expect("runs");
        assert!(build.status.success(), "{name}: {}", stderr(&build));
        let rego = out.join("bundle/p/q.rego");
        let size = std::fs::metadata(&rego).map(|m| m.len()).unwrap_or(0);
        assert!(size > 0 && size < 200 * n as u64, "{name}: {size} bytes of Rego");
        // The embedded engine evaluates the chain.
        let input = tmp.path().join("doc.json");
        std::fs::write(&input, r#"{"f": 1, "s": ""}"#).expect("write");
        let eval = Command::new(GOVC)
            .arg("eval")
            .arg(&dir)
            .args(["--policy", "p.q", "--input"])
            .arg(&input)
            .output()
            .expect("runs");
        let decision = String::from_utf8_lossy(&eval.stdout);
        if name == "and" {
            assert!(decision.contains("\"x\""), "{name}: {decision} {}", stderr(&eval));
        } else {
            // regorus refuses a Rego file of more than 20,000 lines or a line of more than 1,024
            // columns: said, not crashed (OPA has no such limit).
            assert!(
                decision.contains("\"x\"") || stderr(&eval).contains("regorus rejected"),
                "{name}: {decision} {}",
                stderr(&eval)
            );
        }
        // Formatting breaks the chain over lines, and the result checks and is stable.
        let fmt = govc(&["fmt"], &dir);
        assert!(fmt.status.success(), "{name}: {}", stderr(&fmt));
        assert!(govc(&["check"], &dir).status.success(), "{name}: formatted");
        assert!(govc(&["fmt", "--check"], &dir).status.success(), "{name}: idempotent");
    }
    // Chains of field reads, indexes and calls on values that have no such fields, elements or
    // calls: one type error, at the first link.
    for (name, condition) in [
        ("fields", format!("t.f{} == 1", ".x".repeat(n))),
        ("indexes", format!("t.f{} == 1", "[0]".repeat(n))),
        ("calls", format!("count(t.s){} == 1", "(1)".repeat(n))),
    ] {
        let dir = project(tmp.path(), name, "", &condition);
        let check = govc(&["check"], &dir);
        assert_eq!(check.status.code(), Some(1), "{name}: {}", stderr(&check));
        assert!(!stderr(&check).contains("E0005"), "{name}");
        assert!(govc(&["fmt", "--check"], &dir).status.code().is_some(), "{name}: fmt");
    }
}

#[test]
fn nesting_up_to_the_limit_is_accepted_and_one_more_level_is_e0005() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // The condition is level 1; `n` parentheses around it make `n + 1` levels.
    let parens = |n: usize| format!("{}t.f == 1{}", "(".repeat(n), ")".repeat(n));
    let at_limit = project(tmp.path(), "at", "", &parens(MAX_NESTING - 1));
    assert!(govc(&["check"], &at_limit).status.success());
    let out = tmp.path().join("out");
    let build = Command::new(GOVC)
        .arg("build")
        .arg(&at_limit)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert!(build.status.success(), "{}", stderr(&build));

    let past = project(tmp.path(), "past", "", &parens(MAX_NESTING));
    assert_errors(&govc(&["check"], &past), &["E0005"]);
    assert!(stderr(&govc(&["check"], &past)).contains(&format!("the limit is {MAX_NESTING}")));
    let out = tmp.path().join("past-out");
    let build = Command::new(GOVC)
        .arg("build")
        .arg(&past)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert_errors(&build, &["E0005"]);
    assert!(!out.exists(), "a failed build writes nothing");
    let before = std::fs::read_to_string(past.join("p.gov")).expect("read");
    assert_eq!(govc(&["fmt"], &past).status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(past.join("p.gov")).expect("read"), before);

    // Conditionals nested in their `then` branches: each is one level, as a parenthesis is.
    let ifs = |n: usize| {
        let mut e = "t.f == 1".to_string();
        for _ in 0..n {
            e = format!("if t.f == 1 then {e} else false");
        }
        e
    };
    let ifs_at = project(tmp.path(), "ifs-at", "", &ifs(MAX_NESTING - 1));
    assert!(
        govc(&["check"], &ifs_at).status.success(),
        "{}",
        stderr(&govc(&["check"], &ifs_at))
    );
    assert!(govc(&["fmt", "--check"], &ifs_at).status.code().is_some());
    let ifs_past = project(tmp.path(), "ifs-past", "", &ifs(MAX_NESTING));
    assert_errors(&govc(&["check"], &ifs_past), &["E0005"]);
    // An `else if` chain is a chain, not a nest: a thousand links check and format.
    let chain = format!(
        "(if t.f == 0 then 0 {} else 1) == 1",
        (1..1000)
            .map(|i| format!("else if t.f == {i} then {i}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let chain = project(tmp.path(), "if-chain", "", &chain);
    assert!(
        govc(&["check"], &chain).status.success(),
        "{}",
        stderr(&govc(&["check"], &chain))
    );
    assert!(govc(&["fmt"], &chain).status.success());
    assert!(govc(&["check"], &chain).status.success(), "formatted");

    // Types: a list type `MAX_NESTING - 1` deep inside a field, and one deeper.
    let list = |n: usize| format!("type L {{ xs: {}int{} }}\n", "[".repeat(n), "]".repeat(n));
    let deep_type = project(tmp.path(), "type-at", &list(MAX_NESTING - 1), "t.f == 1");
    assert!(govc(&["check"], &deep_type).status.success());
    let too_deep_type = project(tmp.path(), "type-past", &list(MAX_NESTING), "t.f == 1");
    assert_errors(&govc(&["check"], &too_deep_type), &["E0005"]);

    // A document `govc eval` reads nests as deep as the same limit.
    for (depth, refused) in [(MAX_NESTING, false), (MAX_NESTING + 1, true)] {
        let doc = tmp.path().join(format!("doc{depth}.json"));
        // The object is one level; the list under `x` the rest.
        let x = format!("{}{}", "[".repeat(depth - 1), "]".repeat(depth - 1));
        std::fs::write(&doc, format!(r#"{{"f": 1, "s": "", "x": {x}}}"#)).expect("write");
        let eval = Command::new(GOVC)
            .arg("eval")
            .arg(&at_limit)
            .args(["--policy", "p.q", "--input"])
            .arg(&doc)
            .output()
            .expect("runs");
        assert_eq!(eval.status.code() == Some(2), refused, "{depth}: {}", stderr(&eval));
    }
}

#[test]
fn a_chain_at_the_tree_limit_is_accepted_and_one_more_term_is_e0005() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // `t.f.x.x…`: the condition is one level, the path `MAX_TREE_DEPTH - 1` links. It is checked
    // (one type error at the first `.x`), not refused.
    let at_limit = project(tmp.path(), "at", "", &format!("t{}", ".x".repeat(MAX_TREE_DEPTH - 1)));
    assert_errors(&govc(&["check"], &at_limit), &["E0201"]);
    let past = project(tmp.path(), "past", "", &format!("t{}", ".x".repeat(MAX_TREE_DEPTH)));
    let check = govc(&["check"], &past);
    assert_errors(&check, &["E0005"]);
    assert!(stderr(&check).contains("expression too long"));
}

#[test]
fn the_language_server_opens_formats_and_hovers_long_chains_and_reports_the_limit() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let n = 10_000;
    let long = format!("t.f == 1{}", " and t.f == 1".repeat(n));
    let root = project(tmp.path(), "proj", "", &long);
    let too_deep = format!("{}t.f == 1{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
    std::fs::write(
        root.join("b.gov"),
        format!(
            "package b\n\nfn deep(x: int) -> bool = {}\n",
            too_deep.replace("t.f", "x")
        ),
    )
    .expect("write");
    let cache = tmp.path().join("cache");
    let mut client = client::Client::start(&root, &cache, json!({ "debounceMs": 10 }));
    client.open("p.gov");
    client.open("b.gov");
    let uri = client.uri("p.gov");
    assert_eq!(client.diagnostics(&uri), json!([]));
    let deep = client.diagnostics(&client.uri("b.gov"));
    let codes: Vec<&str> = deep
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(codes, ["E0005"], "{deep}");
    // Hover on the last `t` of the chain.
    let line = client
        .text("p.gov")
        .lines()
        .position(|l| l.contains("deny"))
        .expect("deny");
    let column = client
        .text("p.gov")
        .lines()
        .nth(line)
        .expect("line")
        .rfind("t.f")
        .expect("t.f");
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": column } }),
    );
    assert!(hover.to_string().contains('T'), "{hover}");
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert!(
        edits.is_array(),
        "{}",
        &edits.to_string()[..200.min(edits.to_string().len())]
    );
    let deep_edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": client.uri("b.gov") }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert!(deep_edits.get("error").is_none(), "{deep_edits}");
    // Still serving.
    let symbols = client.request("workspace/symbol", json!({ "query": "q" }));
    assert!(symbols.to_string().contains("\"q\""), "{symbols}");
    client.shutdown();
}
