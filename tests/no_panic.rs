//! Robustness of the front end on broken input: every `.gov` file of `examples/` and `stdlib/`
//! is truncated and mutated in many ways, and each variant goes through `project::analyze` with
//! the standard library. Nothing may panic; every diagnostic must point inside a file, on character
//! boundaries; and a variant whose brackets or strings no longer balance must get a syntax error
//! in the mutated file.
//!
//! Mutations are deterministic (a fixed-seed xorshift generator, written here); the counts keep
//! the whole file under a minute in a debug build.

mod common;

use govc::diagnostic::{human, Code, Diagnostic};
use govc::driver::project;
use govc::source::SourceMap;
use govc::span::Span;
use std::path::Path;

/// Truncations: every line boundary, plus a cut every this many bytes.
const TRUNCATION_STRIDE: usize = 23;
/// Random mutations of each kind, per file.
const MUTATIONS_PER_FILE: usize = 12;

struct Source {
    /// Path relative to the crate, for messages.
    name: String,
    text: String,
    /// The embedded stdlib file this is a copy of, which the variant replaces.
    replaces_stdlib: Option<&'static str>,
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    for dir in ["examples", "stdlib"] {
        paths.extend(common::gov_files(&root.join(dir)));
    }
    // The generated Kubernetes kinds (2,600 lines, tests/std_k8s.rs) use no syntax the other
    // files do not; truncating each of their lines would take this file past an hour.
    paths.retain(|p| !p.ends_with(govc::stdlib_gen::k8s_api::OUTPUT));
    assert!(
        paths.len() >= 5,
        "expected the example and stdlib files, found {paths:?}"
    );
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("UTF-8 source");
            let replaces_stdlib = govc::stdlib::FILES
                .iter()
                .find(|(_, embedded)| *embedded == text)
                .map(|(name, _)| *name);
            Source {
                name: path.strip_prefix(root).unwrap_or(&path).display().to_string(),
                text,
                replaces_stdlib,
            }
        })
        .collect()
}

/// xorshift64*: a fixed-seed generator, so every run tests the same variants.
struct Rng(u64);

impl Rng {
    fn new(seed: &str) -> Rng {
        // FNV-1a of the file name: each file gets its own, stable sequence.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        Rng(h | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

// ---------------------------------------------------------------- the checks

/// Runs one variant through the front end and checks every property; returns whether the
/// variant is broken (unbalanced), or a description of the failure.
fn check_variant(source: &Source, what: &str, text: &str) -> Result<bool, String> {
    let mut sources = SourceMap::new();
    for (name, embedded) in govc::stdlib::FILES {
        if Some(*name) != source.replaces_stdlib {
            sources.add(*name, None, embedded.to_string(), true);
        }
    }
    let file = sources.add(source.name.clone(), None, text.to_string(), false);
    let context = || format!("{} ({what}):\n---\n{text}\n---", source.name);
    let analysis = std::panic::catch_unwind(|| project::analyze(sources))
        .map_err(|_| format!("the front end panicked on {}", context()))?;
    let rendered = std::panic::catch_unwind(|| human::render(&analysis.diagnostics, &analysis.sources, false))
        .map_err(|_| format!("rendering the diagnostics panicked on {}", context()))?;
    for d in &analysis.diagnostics {
        for span in spans_of(d) {
            if let Err(e) = check_span(&analysis.sources, span) {
                return Err(format!("{} has a bad span ({e}) on {}\n{rendered}", d.code, context()));
            }
        }
    }
    let Some(problem) = unbalanced(text) else {
        return Ok(false);
    };
    let reported = analysis
        .diagnostics
        .iter()
        .any(|d| d.is_error() && is_syntax(d.code) && d.primary.span.file == file);
    if !reported {
        return Err(format!(
            "no syntax error for a variant with {problem} on {}\ngot:\n{rendered}",
            context()
        ));
    }
    Ok(true)
}

fn is_syntax(code: Code) -> bool {
    matches!(
        code,
        Code::Syntax | Code::InvalidEscape | Code::MissingPackage | Code::InvalidNumber
    )
}

fn spans_of(d: &Diagnostic) -> Vec<Span> {
    std::iter::once(d.primary.span)
        .chain(d.secondary.iter().map(|l| l.span))
        .chain(d.suggestion.iter().map(|s| s.span))
        .collect()
}

fn check_span(sources: &SourceMap, span: Span) -> Result<(), String> {
    if span.file.0 as usize >= sources.len() {
        return Err(format!("file {} of {}", span.file.0, sources.len()));
    }
    let text = &sources.get(span.file).text;
    let (start, end) = (span.start as usize, span.end as usize);
    if start > end || end > text.len() {
        return Err(format!("{start}..{end} in a file of {} bytes", text.len()));
    }
    if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        return Err(format!("{start}..{end} splits a character"));
    }
    Ok(())
}

/// Why `text` cannot parse, judged without the parser: a bracket that does not match, a string
/// that does not end on its line or holds a lone `}`. `None` when brackets and strings balance.
fn unbalanced(text: &str) -> Option<String> {
    // Open brackets; `"` marks an open interpolation `{` inside a string.
    let mut open: Vec<u8> = Vec::new();
    let mut in_string = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                b'\n' => return Some("a string that does not end on its line".into()),
                b'{' | b'}' if next == Some(b) => i += 1,
                b'{' => {
                    open.push(b'"');
                    in_string = false;
                }
                b'}' => return Some("a lone `}` in a string".into()),
                _ => {}
            }
        } else {
            match b {
                b'/' if next == Some(b'/') => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
                // A raw string `r"..."` (no escape, no interpolation) ends at the next `"`.
                b'"' if i > 0
                    && bytes[i - 1] == b'r'
                    && !(i > 1 && (bytes[i - 2].is_ascii_alphanumeric() || bytes[i - 2] == b'_')) =>
                {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' {
                        if bytes[i] == b'\n' {
                            return Some("a string that does not end on its line".into());
                        }
                        i += 1;
                    }
                    if i == bytes.len() {
                        return Some("an unterminated string".into());
                    }
                }
                b'"' => in_string = true,
                b'{' | b'(' | b'[' => open.push(b),
                b'}' | b')' | b']' => {
                    let opener = match b {
                        b'}' => b'{',
                        b')' => b'(',
                        _ => b'[',
                    };
                    match open.pop() {
                        Some(o) if o == opener => {}
                        Some(b'"') if b == b'}' => in_string = true,
                        _ => return Some(format!("an unmatched `{}`", b as char)),
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    if in_string {
        return Some("an unterminated string".into());
    }
    open.last()
        .map(|o| format!("an unclosed `{}`", if *o == b'"' { '{' } else { *o as char }))
}

/// Runs `variants` of every source through the checks; fails with every failure found. With
/// `often_broken`, at least a tenth of the variants must unbalance the file, so that the
/// syntax-error property is exercised and not only the absence of panics.
fn run(kind: &str, often_broken: bool, variants: impl Fn(&Source) -> Vec<(String, String)>) {
    let mut failures = Vec::new();
    let mut count = 0;
    let mut broken = 0;
    for source in sources() {
        for (what, text) in variants(&source) {
            count += 1;
            match check_variant(&source, &what, &text) {
                Ok(is_broken) => broken += usize::from(is_broken),
                Err(e) => failures.push(e),
            }
        }
    }
    assert!(count > 100, "only {count} {kind} variants");
    assert!(
        !often_broken || broken * 10 > count,
        "only {broken} of {count} {kind} variants break the brackets"
    );
    eprintln!("{count} {kind} variants, {broken} with unbalanced brackets or strings");
    assert!(
        failures.is_empty(),
        "{} of {count} {kind} variants failed; the first:\n{}",
        failures.len(),
        failures[0]
    );
}

// ---------------------------------------------------------------- the variants

#[test]
fn truncations() {
    run("truncation", true, |s| {
        let text = &s.text;
        let mut cuts: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).collect();
        cuts.extend(
            (0..text.len())
                .step_by(TRUNCATION_STRIDE)
                .filter(|&i| text.is_char_boundary(i)),
        );
        cuts.sort_unstable();
        cuts.dedup();
        cuts.into_iter()
            .map(|cut| (format!("cut at byte {cut}"), text[..cut].to_string()))
            .collect()
    });
}

#[test]
fn line_deletions_and_duplications() {
    run("line", true, |s| {
        let lines: Vec<&str> = s.text.split_inclusive('\n').collect();
        let mut rng = Rng::new(&s.name);
        let mut out = Vec::new();
        for _ in 0..MUTATIONS_PER_FILE {
            let i = rng.below(lines.len());
            let mut deleted = lines.clone();
            deleted.remove(i);
            out.push((format!("line {} deleted", i + 1), deleted.concat()));
            let mut doubled = lines.clone();
            doubled.insert(i, lines[i]);
            out.push((format!("line {} duplicated", i + 1), doubled.concat()));
        }
        out
    })
}

#[test]
fn adjacent_token_swaps() {
    run("token swap", false, |s| {
        let tokens = tokens(&s.text);
        let mut rng = Rng::new(&s.name);
        let mut out = Vec::new();
        for _ in 0..MUTATIONS_PER_FILE * 2 {
            let i = rng.below(tokens.len() - 1);
            let (a, b) = (tokens[i].clone(), tokens[i + 1].clone());
            let t = &s.text;
            if t[a.clone()] == t[b.clone()] {
                continue;
            }
            let swapped = format!(
                "{}{}{}{}{}",
                &t[..a.start],
                &t[b.clone()],
                &t[a.end..b.start],
                &t[a.clone()],
                &t[b.end..]
            );
            out.push((
                format!(
                    "tokens `{}` and `{}` swapped at byte {}",
                    &t[a.clone()],
                    &t[b.clone()],
                    a.start
                ),
                swapped,
            ));
        }
        out
    })
}

#[test]
fn character_replacements_and_deletions() {
    run("character", true, |s| {
        let t = &s.text;
        let mut rng = Rng::new(&s.name);
        let mut out = Vec::new();
        for round in 0..MUTATIONS_PER_FILE * 2 {
            let mut at = rng.below(t.len());
            while !t.is_char_boundary(at) {
                at -= 1;
            }
            let old = t[at..].chars().next().expect("a character at a boundary");
            let rest = &t[at + old.len_utf8()..];
            let replacement = ['{', '}', '"', '('][round % 4];
            if old != replacement {
                out.push((
                    format!("`{}` at byte {at} replaced by `{replacement}`", old.escape_debug()),
                    format!("{}{replacement}{rest}", &t[..at]),
                ));
            }
            out.push((
                format!("`{}` at byte {at} deleted", old.escape_debug()),
                format!("{}{rest}", &t[..at]),
            ));
        }
        out
    })
}

/// Byte ranges of the tokens of `text`: words, numbers, strings and single punctuation characters
/// (comments and whitespace skipped). Good enough to swap neighbours; not the real lexer.
fn tokens(text: &str) -> Vec<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if text[i..].starts_with("//") {
            i += text[i..].find('\n').unwrap_or(text.len() - i);
            continue;
        }
        if b.is_ascii_alphanumeric() || b == b'_' {
            i += bytes[i..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                .count();
        } else if b == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(bytes.len());
        } else {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
        out.push(start..i);
    }
    out
}

/// Pathologically deep nesting and long chains (some past the limits of `govc::limits`) are
/// reported or checked, never a stack overflow (which would abort the process, not panic).
#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let depth = 20_000;
    let bodies = [
        format!("{}x{}", "(".repeat(depth), ")".repeat(depth)),
        format!("{}x", "not ".repeat(depth)),
        format!("{}x", "-".repeat(depth)),
        format!("{}x", "has ".repeat(depth)),
        format!("{}1{}", "[".repeat(depth), "]".repeat(depth)),
        format!("{}x{}", "{a: ".repeat(depth), "}".repeat(depth)),
        format!("{}x{}", "\"{".repeat(depth), "}\"".repeat(depth)),
        format!("{}x", "all y in z: ".repeat(depth)),
        "x + ".repeat(depth) + "x",
        "x and ".repeat(depth) + "x",
        "x".to_string() + &".y".repeat(depth),
        "x".to_string() + &"[0]".repeat(depth),
        "x".to_string() + &"(0)".repeat(depth),
        "x".to_string() + &".y".repeat(4 * depth),
    ];
    for body in bodies {
        let text = format!(
            "package deep\nfn f() -> bool = {body}\ntype T {{ f: {}int{} }}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        // The compiler's stack, as the command line and the language server run it.
        let outcome = govc::limits::compiler_thread("deep")
            .spawn(move || {
                let mut sources = SourceMap::new();
                project::add_stdlib(&mut sources);
                sources.add("deep.gov", None, text, false);
                project::analyze(sources).diagnostics.len()
            })
            .expect("spawn")
            .join();
        assert!(outcome.is_ok(), "the front end panicked on deep nesting");
    }
}

// ---------------------------------------------------------------- the checks themselves

#[test]
fn the_balance_oracle_sees_what_breaks_a_file() {
    assert_eq!(unbalanced("type T { f: string }"), None);
    assert_eq!(unbalanced("deny \"a {x.y} }} {{\" when f(x[0])"), None);
    assert_eq!(unbalanced("// { ( [ \"\ntype T {}"), None);
    assert!(unbalanced("type T { f: string").is_some());
    assert!(unbalanced("f(x]").is_some());
    assert!(unbalanced("deny \"a when x").is_some());
    assert!(unbalanced("deny \"a } b\" when x").is_some());
    assert!(unbalanced("deny \"a {x\" when x").is_some());
}

#[test]
fn the_unchanged_files_pass_the_checks() {
    for s in sources() {
        let broken = check_variant(&s, "unchanged", &s.text).unwrap_or_else(|e| panic!("{e}"));
        assert!(!broken, "{} looks unbalanced to the oracle", s.name);
    }
}
