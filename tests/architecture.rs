//! The layering of `src/`, checked: each top-level module of the crate belongs to a layer, and
//! reads only modules of layers below it. So back ends never see the syntax tree or the checker
//! (only the IR), no stage imports a later one, and no import cycle between modules can form.
//! ARCHITECTURE.md draws the same picture.
//!
//! The check reads the `crate::…` paths of every file (in `use` lines and in code), comments
//! left out.

use std::collections::BTreeSet;
use std::path::Path;

/// The layers, lowest first. A module may name modules of lower layers only.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundations",
        &["span", "english", "stdlib", "config", "kube_names", "kube_quantity"],
    ),
    ("sources", &["source"]),
    ("diagnostics", &["diagnostic"]),
    ("limits", &["limits"]),
    ("syntax", &["syntax"]),
    ("checked program and formatter", &["checked", "fmt", "stdlib_gen"]),
    ("names", &["resolve"]),
    ("type checker", &["types"]),
    ("dependency graph", &["graph"]),
    ("IR", &["ir"]),
    ("back ends", &["backend", "report"]),
    ("runtime", &["runtime"]),
    ("audit", &["audit"]),
    ("driver", &["driver"]),
    ("language server", &["lsp"]),
    ("command line", &["cli"]),
];

/// The layer of a top-level module.
fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, modules)| modules.contains(&module))
}

/// The top-level modules a text names through `crate::` paths: `crate::a::b`, `crate::{a, b::c}`,
/// over several lines too.
fn crate_modules(text: &str) -> BTreeSet<String> {
    let code = without_comments(text);
    let mut out = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The first name of each item at the group's own level.
            let mut depth = 0;
            let mut expecting = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        rest = &group[j..];
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => expecting = true,
                    c if expecting && depth == 0 && (c.is_alphanumeric() || c == '_') => {
                        out.insert(ident_at(&group[j..]));
                        expecting = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident_at(rest));
        }
    }
    out.retain(|m| !m.is_empty() && m != "self");
    out
}

/// The text with every `//` comment cut off its line.
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident_at(s: &str) -> String {
    s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src is readable")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_scanner_reads_paths_and_groups() {
    let text = "use crate::ir::{Ir, Policy};\nuse crate::{\n    backend::rego,\n    span::{FileId, Span},\n};\n\
                // crate::cli is only mentioned\nlet x = crate::types::canonical(p); // crate::lsp\n";
    let found: Vec<String> = crate_modules(text).into_iter().collect();
    assert_eq!(found, ["backend", "ir", "span", "types"]);
}

#[test]
fn every_module_reads_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for file in &files {
        let rel = file.strip_prefix(&src).expect("below src");
        let top = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .map(|s| s.trim_end_matches(".rs").to_string())
            .unwrap_or_default();
        if top == "lib" || top == "main" {
            continue;
        }
        let Some(own) = layer(&top) else {
            problems.push(format!(
                "src/{}: module `{top}` is in no layer; add it to LAYERS in tests/architecture.rs \
                 (and to ARCHITECTURE.md)",
                rel.display()
            ));
            continue;
        };
        seen.insert(top.clone());
        let text = std::fs::read_to_string(file).expect("readable source");
        for used in crate_modules(&text) {
            if used == top {
                continue;
            }
            match layer(&used) {
                Some(l) if l < own => {}
                Some(l) => problems.push(format!(
                    "src/{}: `{top}` ({}) imports `crate::{used}` ({}), which is not below it",
                    rel.display(),
                    LAYERS[own].0,
                    LAYERS[l].0
                )),
                None => problems.push(format!("src/{}: `crate::{used}` is in no layer", rel.display())),
            }
        }
    }
    assert!(problems.is_empty(), "layering broken:\n{}", problems.join("\n"));
    // A layer table that names a module no longer there hides nothing, but misleads the reader.
    let listed: BTreeSet<String> = LAYERS
        .iter()
        .flat_map(|(_, m)| m.iter().map(|s| s.to_string()))
        .collect();
    assert_eq!(listed, seen, "LAYERS lists exactly the modules of src/");
}

#[test]
fn back_ends_read_only_the_ir() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src.join("backend.rs"), src.join("report.rs")];
    rust_files(&src.join("backend"), &mut files);
    rust_files(&src.join("report"), &mut files);
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable source");
        for used in crate_modules(&text) {
            if ["syntax", "checked", "types", "resolve", "graph"].contains(&used.as_str()) {
                problems.push(format!(
                    "{}: a back end imports `crate::{used}`; take what it needs from the IR",
                    file.strip_prefix(&src).unwrap_or(file).display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The module paths a text names through `crate::` and `super::` paths, relative to `module`
/// (`["audit", "chain"]` for src/audit/chain.rs): `super::store::Store` there is
/// `audit::store::Store`, `crate::{ir::Ir, span}` two paths. A `#[cfg(test)] mod tests` block sits
/// one module below its file.
fn named_paths(text: &str, module: &[String]) -> Vec<Vec<String>> {
    let code = without_comments(text);
    let tests_at = code.find("#[cfg(test)]\nmod tests").unwrap_or(code.len());
    let mut out = Vec::new();
    for (at, _) in code.match_indices("crate::").chain(code.match_indices("super::")) {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue; // `super::super::x` is read from its first `super`
        }
        let mut base: Vec<String> = if at > tests_at {
            module.iter().cloned().chain(["tests".to_string()]).collect()
        } else {
            module.to_vec()
        };
        let mut rest = &code[at..];
        if let Some(r) = rest.strip_prefix("crate::") {
            base.clear();
            rest = r;
        }
        while let Some(r) = rest.strip_prefix("super::") {
            base.pop();
            rest = r;
        }
        paths_from(rest, base, &mut out);
    }
    out
}

/// The paths of `rest` (after a `::`) prefixed with `base`, a `{a, b::c}` group expanded.
fn paths_from(rest: &str, mut base: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut rest = rest;
    loop {
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut start = 0;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        paths_from(group[start..j].trim(), base.clone(), out);
                        return;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        paths_from(group[start..j].trim(), base.clone(), out);
                        start = j + 1;
                    }
                    _ => {}
                }
            }
            return;
        }
        let name = ident_at(rest);
        if name.is_empty() || name == "self" {
            break;
        }
        rest = &rest[name.len()..];
        base.push(name);
        match rest.strip_prefix("::") {
            Some(r) => rest = r,
            None => break,
        }
    }
    out.push(base);
}

#[test]
fn the_path_reader_expands_groups_and_super() {
    let module = ["audit".to_string(), "chain".to_string()];
    let text =
        "use super::store::{Store, RECORD_COLUMNS};\nuse crate::{ir::Ir, span};\nx = super::super::cli::run();\n";
    let found: BTreeSet<String> = named_paths(text, &module).iter().map(|p| p.join("::")).collect();
    let want = [
        "audit::store::Store",
        "audit::store::RECORD_COLUMNS",
        "ir::Ir",
        "span",
        "cli::run",
    ];
    assert_eq!(found, want.iter().map(|s| s.to_string()).collect());
}

/// No two modules import each other, directly or around a loop, at any depth: `types::policy`
/// and `types::applied`, say, as much as `types` and `ir` (which the layers rule out). A module
/// and the modules inside it are one tree, not a cycle: a parent declares its children, and a
/// child may read its parent's items.
#[test]
fn no_import_cycle_between_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let module_of = |file: &Path| -> Vec<String> {
        let rel = file.strip_prefix(&src).expect("below src").with_extension("");
        let parts: Vec<String> = rel.iter().map(|c| c.to_string_lossy().into_owned()).collect();
        if parts == ["lib"] || parts == ["main"] {
            Vec::new()
        } else {
            parts
        }
    };
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(f)).collect();
    let mut edges: std::collections::BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = Default::default();
    for file in &files {
        let from = module_of(file);
        let text = std::fs::read_to_string(file).expect("readable source");
        for path in named_paths(&text, &from) {
            // The longest prefix of the path that is a module of its own.
            let Some(to) = (1..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|m| modules.contains(m))
            else {
                continue;
            };
            if !(to.starts_with(&from) || from.starts_with(&to)) {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    // A cycle: a module that reaches itself.
    let mut cycles = Vec::new();
    for start in &modules {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<(Vec<String>, Vec<String>)> = vec![(start.clone(), vec![start.join("::")])];
        while let Some((m, trail)) = todo.pop() {
            for next in edges.get(&m).into_iter().flatten() {
                if next == start {
                    cycles.push(format!("{} -> {}", trail.join(" -> "), start.join("::")));
                } else if seen.insert(next.clone()) {
                    let mut t = trail.clone();
                    t.push(next.join("::"));
                    todo.push((next.clone(), t));
                }
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
    assert!(
        edges.len() > 50,
        "the reader finds the imports ({} modules import others)",
        edges.len()
    );
}

/// What back ends see of the front end through the IR: only words of the language, each defined
/// once where the language first needs it (built-ins, severities, clause kinds, ...) and passed on
/// by `ir`, never the syntax tree, the checked program or the checker's workings. A new re-export
/// is a decision: add it here.
#[test]
fn the_ir_passes_on_only_the_vocabulary() {
    let ir = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ir.rs")).expect("src/ir.rs");
    let passed_on: Vec<&str> = ir.lines().filter(|l| l.starts_with("pub use crate::")).collect();
    assert_eq!(
        passed_on,
        [
            "pub use crate::checked::{AdmissionAction, AdmissionEngine, Builtin, Severity, RFC3339_PATTERN};",
            "pub use crate::syntax::ast::{ClauseKind, ExpectKind, Quantifier};",
        ]
    );
}
