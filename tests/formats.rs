//! `govc check` as a program: its machine-readable formats (`--format json|sarif|github`) on
//! broken projects, and its exit codes (0 clean, 1 errors, 2 usage). Runs the real binary.

use serde_json::Value;
use std::path::Path;
use std::process::Output;

fn govc(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_govc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("govc runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("UTF-8 output")
}

/// `(case, the code it reports, its severity)`: errors and a warning, one file and a directory,
/// with secondary labels, a suggestion and a syntax error among them.
const CASES: &[(&str, &str, &str)] = &[
    ("tests/diagnostics/E0201_unknown_field.gov", "E0201", "error"),
    (
        "tests/diagnostics/E0213_admission_on_plain_record.gov",
        "E0213",
        "error",
    ),
    ("tests/diagnostics/E0301_three_function_cycle.gov", "E0301", "error"),
    ("tests/diagnostics/E0302_import_cycle", "E0302", "error"),
    ("tests/diagnostics/E0001_unclosed_brace.gov", "E0001", "error"),
    ("tests/diagnostics/W0101_unused_import.gov", "W0101", "warning"),
];

fn expected_exit(severity: &str) -> i32 {
    if severity == "error" {
        1
    } else {
        0
    }
}

/// The text of line `line` of `file` (named from the repository root, as every format names
/// files), to check that positions are 1-based and in range.
fn source_line(case: &str, file: &str, line: u64) -> String {
    assert!(file.starts_with(case), "{file} is not named from the repository root");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .nth(line as usize - 1)
        .unwrap_or_else(|| panic!("{file} has no line {line}"))
        .to_string()
}

fn as_u64(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("`{key}` is not a number in {v}"))
}

#[test]
fn json_lists_each_diagnostic_with_positions_labels_and_help() {
    for (case, code, severity) in CASES {
        let out = govc(&["check", "--format", "json", case]);
        assert_eq!(
            out.status.code(),
            Some(expected_exit(severity)),
            "{case}: {}",
            stderr(&out)
        );
        let value: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{case}: invalid JSON: {e}"));
        let items = value.as_array().unwrap_or_else(|| panic!("{case}: not an array"));
        assert_eq!(items.len(), 1, "{case}: {value:#}");
        let d = &items[0];
        assert_eq!(d["code"], *code, "{case}");
        assert_eq!(d["severity"], *severity, "{case}");
        assert!(d["message"].as_str().is_some_and(|m| !m.is_empty()), "{case}: {d}");
        let file = d["file"].as_str().unwrap_or_else(|| panic!("{case}: no file"));
        assert!(file.ends_with(".gov") && !file.contains('\\'), "{case}: {file}");
        let (line, column) = (as_u64(d, "line"), as_u64(d, "column"));
        let (end_line, end_column) = (as_u64(d, "end_line"), as_u64(d, "end_column"));
        assert!(
            line >= 1 && column >= 1 && (end_line, end_column) >= (line, column),
            "{case}: {d}"
        );
        assert!(
            source_line(case, file, line).chars().count() + 1 >= column as usize,
            "{case}: column {column} is past the end of line {line}"
        );
        for label in d["labels"].as_array().unwrap_or_else(|| panic!("{case}: no labels")) {
            assert!(
                as_u64(label, "line") >= 1 && label["message"].is_string(),
                "{case}: {label}"
            );
            assert!(
                label["file"].as_str().is_some_and(|f| f.ends_with(".gov")),
                "{case}: {label}"
            );
        }
        assert!(d["notes"].is_array(), "{case}: {d}");
        assert!(d["help"].is_string() || d["help"].is_null(), "{case}: {d}");
        assert!(d["suggestion"].is_object() || d["suggestion"].is_null(), "{case}: {d}");
    }
    // Specific fields of specific cases.
    let out = govc(&["check", "--format", "json", "tests/diagnostics/E0201_unknown_field.gov"]);
    let d = &serde_json::from_str::<Value>(&stdout(&out)).expect("JSON")[0];
    assert_eq!(d["suggestion"]["replacement"], "contains_pii");
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(10), Some(7)));
    assert_eq!(d["help"], "did you mean `contains_pii`?");
    let out = govc(&["check", "--format", "json", "tests/diagnostics/E0302_import_cycle"]);
    let d = &serde_json::from_str::<Value>(&stdout(&out)).expect("JSON")[0];
    assert_eq!(d["file"], "tests/diagnostics/E0302_import_cycle/checks.gov");
    assert_eq!(
        d["labels"][0]["file"],
        "tests/diagnostics/E0302_import_cycle/owners.gov"
    );
}

#[test]
fn sarif_is_one_run_whose_results_point_into_the_rule_table() {
    for (case, code, severity) in CASES {
        let out = govc(&["check", "--format", "sarif", case]);
        assert_eq!(
            out.status.code(),
            Some(expected_exit(severity)),
            "{case}: {}",
            stderr(&out)
        );
        let log: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{case}: invalid JSON: {e}"));
        assert_eq!(log["version"], "2.1.0");
        assert!(log["$schema"].as_str().is_some_and(|s| s.contains("sarif")), "{case}");
        let runs = log["runs"].as_array().expect("runs");
        assert_eq!(runs.len(), 1, "{case}");
        let driver = &runs[0]["tool"]["driver"];
        assert_eq!(driver["name"], "govc");
        let rules = driver["rules"].as_array().expect("rules");
        assert_eq!(rules.len(), govc::diagnostic::Code::ALL.len());
        for (rule, code) in rules.iter().zip(govc::diagnostic::Code::ALL) {
            assert_eq!(rule["id"], code.id());
            assert!(rule["shortDescription"]["text"].is_string());
        }
        let results = runs[0]["results"].as_array().expect("results");
        assert_eq!(results.len(), 1, "{case}: {log:#}");
        let r = &results[0];
        assert_eq!(r["ruleId"], *code);
        assert_eq!(r["level"], *severity);
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], *code, "{case}: ruleIndex points at another rule");
        assert!(r["message"]["text"].as_str().is_some_and(|m| !m.is_empty()));
        let location = &r["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(uri.ends_with(".gov") && !uri.starts_with('/'), "{case}: {uri}");
        assert!(
            location["region"]["startLine"].as_u64().is_some_and(|l| l >= 1),
            "{case}: {location}"
        );
        assert!(
            location["region"]["startColumn"].as_u64().is_some_and(|c| c >= 1),
            "{case}: {location}"
        );
        for related in r["relatedLocations"].as_array().into_iter().flatten() {
            assert!(
                related["physicalLocation"]["region"]["startLine"].is_u64(),
                "{case}: {related}"
            );
            assert!(related["message"]["text"].is_string(), "{case}: {related}");
        }
    }
    let out = govc(&[
        "check",
        "--format",
        "sarif",
        "tests/diagnostics/E0201_unknown_field.gov",
    ]);
    let log: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let fix = &log["runs"][0]["results"][0]["fixes"][0];
    assert_eq!(
        fix["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"],
        "contains_pii"
    );
}

#[test]
fn a_clean_project_has_no_diagnostics_in_any_format() {
    let out = govc(&["check", "examples/ai-governance"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let out = govc(&["check", "--format", "json", "examples/ai-governance"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        serde_json::from_str::<Value>(&stdout(&out)).expect("JSON"),
        serde_json::json!([])
    );
    let out = govc(&["check", "--format", "sarif", "examples/ai-governance"]);
    assert_eq!(out.status.code(), Some(0));
    let log: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    let out = govc(&["check", "--format", "github", "examples/ai-governance"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
}

#[test]
fn human_output_goes_to_stderr_with_a_summary() {
    let out = govc(&["check", "tests/diagnostics/E0201_unknown_field.gov"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(
        err.starts_with("error[E0201]: type `Dataset` has no field `contians_pii`"),
        "{err}"
    );
    assert!(err.contains("E0201_unknown_field.gov:10:7"), "{err}");
    assert!(
        err.ends_with("error: could not check the project: 1 error emitted\n"),
        "{err}"
    );
    assert!(!err.contains('\u{1b}'), "NO_COLOR must turn colour off: {err:?}");
    let out = govc(&["check", "tests/diagnostics/W0101_unused_import.gov"]);
    assert_eq!(out.status.code(), Some(0), "warnings do not fail the check");
    assert!(
        stderr(&out).ends_with("warning: 1 warning emitted\n"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn usage_errors_exit_with_2() {
    for args in [
        &["check", "does/not/exist"][..],
        &["check", "--format", "xml", "examples/ai-governance"],
        &["check", "--bogus"],
        &["frobnicate"],
        &[],
    ] {
        let out = govc(args);
        assert_eq!(out.status.code(), Some(2), "govc {args:?}: {}", stderr(&out));
        assert!(!stderr(&out).is_empty(), "govc {args:?} must say what is wrong");
        assert_eq!(stdout(&out), "", "govc {args:?}");
    }
    let out = govc(&["check", "does/not/exist"]);
    assert!(stderr(&out).contains("does/not/exist"), "{}", stderr(&out));
    let out = govc(&["--help"]);
    assert_eq!(out.status.code(), Some(0), "asking for help is not an error");
}

#[test]
fn a_directory_without_sources_is_an_error() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let out = govc(&["check", "--format", "json", dir.path().to_str().expect("UTF-8 path")]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let value: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(value[0]["code"], "E0401");
}

/// A GitHub workflow command ends at the line's end and its properties at `,` or `::`, so a
/// file name with `,` and `:` and a message with `%` and a newline must arrive escaped.
#[test]
fn github_commands_escape_properties_and_messages() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let sub = dir.path().join("dir,1");
    std::fs::create_dir(&sub).expect("create directory");
    // The pattern `(100%` plus a newline is an invalid regex: its message quotes both characters.
    std::fs::write(
        sub.join("a:b.gov"),
        "package gh\n\nfn f(s: string) -> bool = matches(s, \"(100%\\n\")\n",
    )
    .expect("write source");
    std::fs::write(
        dir.path().join("unused.gov"),
        "package gh.other\n\nimport std.ai.{Model}\n",
    )
    .expect("write source");
    let out = govc(&["check", "--format", "github", dir.path().to_str().expect("UTF-8 path")]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "one line per diagnostic, no raw newline inside one:\n{text}"
    );
    assert!(text.ends_with('\n'));
    assert_eq!(
        lines[0],
        "::error file=dir%2C1/a%3Ab.gov,line=3,col=38,endLine=3,endColumn=47,title=E0221::\
         invalid regular expression `(100%25%0A` (help: patterns use RE2 syntax, as OPA does; a raw \
         string `r\"...\"` takes a backslash as it is)"
    );
    assert!(
        lines[1].starts_with("::warning file=unused.gov,line=3,col=16,endLine=3,endColumn=21,title=W0101::"),
        "{}",
        lines[1]
    );
    for line in lines {
        let (properties, message) = line
            .strip_prefix("::")
            .and_then(|l| l.split_once("::"))
            .unwrap_or_else(|| panic!("not a workflow command: {line}"));
        let (command, properties) = properties.split_once(' ').expect("command and properties");
        assert!(command == "error" || command == "warning", "{line}");
        for property in properties.split(',') {
            let (key, value) = property
                .split_once('=')
                .unwrap_or_else(|| panic!("bad property {property}"));
            assert!(
                ["file", "line", "col", "endLine", "endColumn", "title"].contains(&key),
                "{line}"
            );
            assert!(!value.contains([':', ',', '\n', '\r']), "{line}");
        }
        // Every `%` in the message starts an escape.
        for (i, _) in message.match_indices('%') {
            assert!(
                ["%25", "%0A", "%0D"].iter().any(|e| message[i..].starts_with(e)),
                "unescaped `%` in {message}"
            );
        }
    }
}
