//! What the fuzz targets share: running an input on a deep stack, and the front end over one
//! file with the standard library.
//!
//! **Stack.** The compiler walks syntax trees recursively and runs on a thread with a large
//! stack (`govc::limits::STACK`, sized for the deepest tree the parser accepts); the targets do
//! the same, on one thread with a [`STACK`] stack, and inputs are capped at [`MAX_INPUT`] bytes
//! (`-max_len` in `scripts/fuzz.sh`), far below the limits of `govc::limits`. A crash these
//! targets report is therefore never a plain recursion-depth overflow.
//!
//! **Output cap.** The `pipeline` target also skips inputs whose brackets nest deeper than
//! [`MAX_BUILD_NESTING`]: the fail-closed checks of a subject type grow with the square of its
//! depth (bounded by `govc::limits::MAX_NESTING`: 600 KB of output at the limit), which would
//! make such inputs slow.

use govc::diagnostic::Diagnostic;
use govc::source::SourceMap;
use govc::span::Span;
use govc::syntax::ast::SourceModule;
use std::sync::{mpsc, OnceLock};

/// The stack of the thread an input runs on.
pub const STACK: usize = 512 << 20;

/// The longest input the targets look at (longer ones are skipped).
pub const MAX_INPUT: usize = 16 << 10;

/// The deepest bracket nesting the `pipeline` target compiles.
pub const MAX_BUILD_NESTING: usize = 64;

/// How deeply `(`, `[` and `{` nest in a text (strings and comments included: a cheap bound).
pub fn bracket_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// An input for the deep-stack thread: the bytes, what to run on them, and who waits.
type Job = (Vec<u8>, fn(&[u8]), mpsc::Sender<()>);

/// Runs `f` on `data` on a thread with a [`STACK`]-byte stack. One thread serves every input
/// (a new 512 MiB stack per input would cost more than the input). A panic there aborts the
/// process through libFuzzer's panic hook, so it is reported as a crash of this input.
pub fn on_big_stack(data: &[u8], f: fn(&[u8])) {
    static WORKER: OnceLock<mpsc::Sender<Job>> = OnceLock::new();
    let worker = WORKER.get_or_init(|| {
        let (sender, jobs) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("fuzz-input".into())
            .stack_size(STACK)
            .spawn(move || {
                for (data, f, done) in jobs {
                    f(&data);
                    let _ = done.send(());
                }
            })
            .expect("spawn the fuzz thread");
        sender
    });
    let (done, finished) = mpsc::channel();
    worker.send((data.to_vec(), f, done)).expect("the fuzz thread runs");
    finished.recv().expect("the fuzz thread finished the input");
}

/// The input as text (a `.gov` file, a document), if it is UTF-8 and not longer than
/// [`MAX_INPUT`].
pub fn gov_text(data: &[u8]) -> Option<&str> {
    if data.len() > MAX_INPUT {
        return None;
    }
    std::str::from_utf8(data).ok()
}

/// The standard library, parsed once.
fn stdlib() -> &'static (SourceMap, Vec<SourceModule>, Vec<Diagnostic>) {
    static STDLIB: OnceLock<(SourceMap, Vec<SourceModule>, Vec<Diagnostic>)> = OnceLock::new();
    STDLIB.get_or_init(|| {
        let mut sources = SourceMap::new();
        govc::driver::project::add_stdlib(&mut sources);
        let mut modules = Vec::new();
        let mut diags = Vec::new();
        for (id, file) in sources.files() {
            let (module, mut d) = govc::syntax::parse_file(id, &file.text);
            modules.push(module);
            diags.append(&mut d);
        }
        (sources, modules, diags)
    })
}

/// Runs the front end over one file (with the standard library) and checks what every
/// diagnostic must satisfy: its spans point inside a file, on character boundaries, and it
/// renders.
pub fn analyze(text: &str) -> govc::driver::project::Analysis {
    let (stdlib_sources, stdlib_modules, stdlib_diags) = stdlib();
    let mut sources = stdlib_sources.clone();
    let file = sources.add("fuzz.gov", None, text.to_string(), false);
    let (module, mut diags) = govc::syntax::parse_file(file, text);
    let mut modules = stdlib_modules.clone();
    modules.push(module);
    diags.extend(stdlib_diags.iter().cloned());
    let analysis = govc::driver::project::analyze_parsed(sources, modules, diags);
    for d in &analysis.diagnostics {
        let spans = std::iter::once(d.primary.span)
            .chain(d.secondary.iter().map(|l| l.span))
            .chain(d.suggestion.iter().map(|s| s.span));
        for span in spans {
            check_span(&analysis.sources, span, &d.message);
        }
    }
    let _ = govc::diagnostic::human::render(&analysis.diagnostics, &analysis.sources, false);
    analysis
}

fn check_span(sources: &SourceMap, span: Span, message: &str) {
    assert!(
        (span.file.0 as usize) < sources.len(),
        "`{message}`: span in file {}",
        span.file.0
    );
    let text = &sources.get(span.file).text;
    let (start, end) = (span.start as usize, span.end as usize);
    assert!(
        start <= end && end <= text.len(),
        "`{message}`: span {start}..{end} of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "`{message}`: span {start}..{end} splits a character"
    );
}
