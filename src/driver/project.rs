//! A project: every `.gov` file below a directory plus the standard library, run through the
//! front end (parse → resolve → type-check → dependency graph). `govc check`, the back ends and
//! the language server all start here.

use crate::checked::Program;
use crate::diagnostic::{self, Code, Diagnostic};
use crate::graph::DepGraph;
use crate::resolve::Names;
use crate::source::SourceMap;
use crate::span::{FileId, Span};
use crate::syntax::ast::SourceModule;
use std::path::{Path, PathBuf};

/// Directories never searched for sources: build output, VCS data, dependencies.
const SKIPPED_DIRS: &[&str] = &["dist", "target", "node_modules"];

/// A problem loading a project that is not about its source: a usage error (exit code 2).
#[derive(Debug)]
pub struct LoadError(pub String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads the project's `.gov` files (sorted by path, for deterministic output) and the stdlib.
/// Files are named by their path relative to the project directory.
pub fn load(dir: &Path) -> Result<SourceMap, LoadError> {
    load_named_from(dir, None)
}

/// Like [`load`], but files below `base` (the repository root, for the command line) are named by
/// their path relative to it, so that every output points at files a repository tool can find.
pub fn load_named_from(dir: &Path, base: Option<&Path>) -> Result<SourceMap, LoadError> {
    if !dir.exists() {
        return Err(LoadError(format!("`{}` does not exist", dir.display())));
    }
    let paths = if dir.is_file() {
        vec![dir.to_path_buf()]
    } else {
        gov_files(dir)?
    };
    let root = if dir.is_file() {
        dir.parent().unwrap_or(dir)
    } else {
        dir
    };
    let texts = read_all(&paths)?;
    let mut sources = SourceMap::new();
    add_stdlib(&mut sources);
    let prefix = base.and_then(|b| prefix_from(root, b));
    for (path, text) in paths.into_iter().zip(texts) {
        let name = named_from(&path, root, prefix.as_deref());
        sources.add(name, Some(path), text, false);
    }
    Ok(sources)
}

/// The name of a file of the project in `root` (say `govc.toml`) as [`load_named_from`] names
/// the project's sources with `base`.
pub fn display_name(path: &Path, root: &Path, base: Option<&Path>) -> String {
    let root = if root.is_file() {
        root.parent().unwrap_or(root)
    } else {
        root
    };
    named_from(path, root, base.and_then(|b| prefix_from(root, b)).as_deref())
}

/// The project directory `root` as seen from `base`, e.g. `governance` in the repository.
fn prefix_from(root: &Path, base: &Path) -> Option<PathBuf> {
    // `file.gov` has the parent ``, which is the current directory.
    let root = if root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        root
    };
    let root = std::fs::canonicalize(root).ok()?;
    let base = std::fs::canonicalize(base).ok()?;
    root.strip_prefix(base).ok().map(Path::to_path_buf)
}

fn named_from(path: &Path, root: &Path, prefix: Option<&Path>) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let name = match prefix {
        Some(prefix) => prefix.join(relative),
        None => relative.to_path_buf(),
    };
    name.to_string_lossy().replace('\\', "/")
}

/// Reads the files, on all cores for large projects; results keep the order of `paths`, and the
/// first failure in that order is reported.
fn read_all(paths: &[PathBuf]) -> Result<Vec<String>, LoadError> {
    let read = |path: &PathBuf| -> Result<String, LoadError> {
        let text = std::fs::read(path).map_err(|e| LoadError(format!("cannot read `{}`: {e}", path.display())))?;
        String::from_utf8(text).map_err(|_| LoadError(format!("`{}` is not UTF-8", path.display())))
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(paths.len() / 16)
        .max(1);
    if threads == 1 {
        return paths.iter().map(read).collect();
    }
    let chunk = paths.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = paths
            .chunks(chunk)
            .map(|chunk| s.spawn(move || chunk.iter().map(read).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

/// Adds the embedded standard library to a source map.
pub fn add_stdlib(sources: &mut SourceMap) {
    for (name, text) in crate::stdlib::FILES {
        sources.add(*name, None, text.to_string(), true);
    }
}

/// The `.gov` files of the project directory `dir`, sorted by path: what [`load`] reads, and
/// what `govc fmt DIR` formats.
pub fn gov_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut paths = Vec::new();
    collect_gov_files(dir, &mut paths)?;
    paths.sort();
    Ok(paths)
}

/// The `.gov` files below `dir`, in a deterministic order. Symbolic links are followed, to files
/// and to directories (shared policies linked into a project are part of it). Each directory and
/// file is taken once, by the first path that reaches it in name order, and a link to the project
/// or a directory above it is a loop, not followed. A `.gov` link that leads nowhere is an error:
/// the project would silently lose its declarations.
fn collect_gov_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let root = std::fs::canonicalize(dir).map_err(|e| LoadError(format!("cannot read `{}`: {e}", dir.display())))?;
    let mut walk = Walk {
        seen: std::collections::HashSet::new(),
        root,
    };
    walk.collect_below(dir, out)
}

/// The state of a walk over a project's directories.
struct Walk {
    /// The real paths of the directories and files taken so far.
    seen: std::collections::HashSet<PathBuf>,
    /// The real path of the project directory.
    root: PathBuf,
}

impl Walk {
    fn collect_below(&mut self, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
        let cannot_read = |path: &Path, e: std::io::Error| LoadError(format!("cannot read `{}`: {e}", path.display()));
        let mut entries = std::fs::read_dir(dir)
            .and_then(|entries| entries.collect::<std::io::Result<Vec<_>>>())
            .map_err(|e| cannot_read(dir, e))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let is_gov = name.ends_with(".gov");
            let mut file_type = entry.file_type().map_err(|e| cannot_read(&path, e))?;
            if file_type.is_symlink() {
                match std::fs::metadata(&path) {
                    Ok(target) => file_type = target.file_type(),
                    Err(e) if is_gov => {
                        return Err(LoadError(format!(
                            "`{}` is a symbolic link that cannot be followed: {e}",
                            path.display()
                        )))
                    }
                    // A broken link that is not a `.gov` file holds no sources we know of.
                    Err(_) => continue,
                }
            }
            if file_type.is_dir() {
                if name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_ref()) {
                    continue;
                }
                let real = std::fs::canonicalize(&path).map_err(|e| cannot_read(&path, e))?;
                if !self.root.starts_with(&real) && self.seen.insert(real) {
                    self.collect_below(&path, out)?;
                }
            } else if file_type.is_file() && is_gov {
                let real = std::fs::canonicalize(&path).map_err(|e| cannot_read(&path, e))?;
                if self.seen.insert(real) {
                    out.push(path);
                }
            }
        }
        Ok(())
    }
}

/// The front end's result: syntax trees, names, the checked program, its dependency order, and
/// every diagnostic (sorted, deduplicated and capped).
pub struct Analysis {
    pub sources: SourceMap,
    pub modules: Vec<SourceModule>,
    pub names: Names,
    pub program: Program,
    pub graph: DepGraph,
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The IR of an analysis without errors: what the back ends read.
    pub fn lower(&self) -> crate::ir::Ir {
        self.lower_scope(crate::ir::Scope::Build)
    }

    /// The IR of part of an analysis without errors (see [`crate::ir::Scope`]).
    pub fn lower_scope(&self, scope: crate::ir::Scope) -> crate::ir::Ir {
        self.with_lower_input(|input| crate::ir::lower_scope(input, scope))
    }

    /// The Rego packages a build of an analysis without errors emits, without lowering it.
    pub fn outline(&self) -> crate::ir::Outline {
        self.with_lower_input(crate::ir::outline)
    }

    fn with_lower_input<T>(&self, f: impl FnOnce(&crate::ir::LowerInput<'_>) -> T) -> T {
        f(&crate::ir::LowerInput {
            program: &self.program,
            graph: &self.graph,
            imported_policies: &self.names.imported_policies(),
            sources: &self.sources,
        })
    }
}

/// Runs the whole front end over a source map.
pub fn analyze(sources: SourceMap) -> Analysis {
    let mut diags = Vec::new();
    let modules = parse_all(&sources, &mut diags);
    analyze_parsed(sources, modules, diags)
}

/// Runs the front end after parsing, for a caller that parsed the files itself (the language
/// server reuses the declarations an edit did not touch). `modules` hold one syntax tree per file
/// of `sources`, in file order; `diags` are their parse diagnostics.
pub fn analyze_parsed(sources: SourceMap, modules: Vec<SourceModule>, mut diags: Vec<Diagnostic>) -> Analysis {
    let user_files = modules.iter().filter(|m| !sources.get(m.file).is_stdlib).count();
    if user_files == 0 {
        diags.push(
            Diagnostic::error(
                Code::NoSources,
                Span::new(FileId(0), 0, 0),
                "no `.gov` files in the project",
            )
            .with_help("point govc at the directory that holds your `.gov` files"),
        );
    }
    let stdlib_flags: Vec<bool> = modules.iter().map(|m| sources.get(m.file).is_stdlib).collect();
    let names = Names::collect(&modules, &stdlib_flags, &mut diags);
    let program = crate::types::check(&modules, &names, &mut diags);
    // A file with a syntax error lost declarations that may have used its imports.
    let broken: std::collections::HashSet<FileId> = diags
        .iter()
        .filter(|d| d.code == Code::Syntax || d.code == Code::InvalidEscape || d.code == Code::InvalidNumber)
        .map(|d| d.primary.span.file)
        .collect();
    diags.extend(
        names
            .unused_imports()
            .into_iter()
            .filter(|d| !broken.contains(&d.primary.span.file)),
    );
    let graph = DepGraph::build(&program);
    diags.extend(graph.cycles(&program));
    diagnostic::sort_and_dedup(&mut diags);
    if diags.len() > diagnostic::MAX_DIAGNOSTICS {
        let first_dropped = diags[diagnostic::MAX_DIAGNOSTICS].primary.span;
        let dropped = diags.len() - diagnostic::MAX_DIAGNOSTICS;
        diags.truncate(diagnostic::MAX_DIAGNOSTICS);
        diags.push(
            Diagnostic::error(
                Code::TooManyErrors,
                first_dropped,
                format!("{dropped} more problems not shown"),
            )
            .with_help("fix the problems above and check again"),
        );
    }
    Analysis {
        sources,
        modules,
        names,
        program,
        graph,
        diagnostics: diags,
    }
}

/// Parses every file, on all cores for large projects; results keep the file order. Each thread
/// takes the next file not yet taken, so the threads finish together however the sizes of the
/// files vary.
fn parse_all(sources: &SourceMap, diags: &mut Vec<Diagnostic>) -> Vec<SourceModule> {
    /// A file's syntax tree and parse diagnostics.
    type Parsed = (SourceModule, Vec<Diagnostic>);
    let files: Vec<FileId> = sources.files().map(|(id, _)| id).collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let parse_next = || {
        let mut parsed = Vec::new();
        loop {
            let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&id) = files.get(index) else {
                return parsed;
            };
            let module = match parsed_stdlib(id, sources.get(id)) {
                Some(parsed) => parsed.clone(),
                None => crate::syntax::parse_file(id, &sources.get(id).text),
            };
            parsed.push((index, module));
        }
    };
    let results: Vec<Vec<(usize, Parsed)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                // A syntax tree is as deep as the parser allows: built and dropped on a stack
                // sized for it.
                crate::limits::compiler_thread("govc-parse")
                    .spawn_scoped(s, parse_next)
                    // INVARIANT: only address space is reserved; failing that leaves nothing to run on.
                    .expect("start a parser thread")
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });
    let mut in_order: Vec<Option<Parsed>> = files.iter().map(|_| None).collect();
    for (index, parsed) in results.into_iter().flatten() {
        in_order[index] = Some(parsed);
    }
    let mut modules = Vec::with_capacity(files.len());
    // INVARIANT: the threads took every index below `files.len()` once.
    for (module, mut d) in in_order.into_iter().map(|p| p.expect("every file parsed")) {
        modules.push(module);
        diags.append(&mut d);
    }
    modules
}

/// The syntax tree of `file` if it is an embedded standard library file at the id
/// [`add_stdlib`] gives it. The standard library is parsed once per process (`std.k8s` alone is
/// 2,700 lines): the language server, `govc test` and the test suites analyze many projects.
/// Each file is parsed by the first thread that asks for it, so the parser threads of one
/// project parse different files of it at once.
fn parsed_stdlib(id: FileId, file: &crate::source::SourceFile) -> Option<&'static (SourceModule, Vec<Diagnostic>)> {
    type Parsed = std::sync::OnceLock<(SourceModule, Vec<Diagnostic>)>;
    static PARSED: [Parsed; crate::stdlib::FILES.len()] = [const { Parsed::new() }; crate::stdlib::FILES.len()];
    let index = id.0 as usize;
    let (name, text) = crate::stdlib::FILES.get(index)?;
    if !file.is_stdlib || file.name != *name || file.text != *text {
        return None;
    }
    Some(PARSED[index].get_or_init(|| crate::syntax::parse_file(id, text)))
}

/// A project's name for reports: its directory's name.
pub fn project_name(dir: &std::path::Path) -> String {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let dir = if dir.is_file() {
        dir.parent().map(|p| p.to_path_buf()).unwrap_or(dir)
    } else {
        dir
    };
    dir.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "project".into())
}
