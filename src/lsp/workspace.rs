//! The project the server checks: every `.gov` file below the workspace root, with the text of
//! open editors in place of what is on disk, plus the standard library. Each analysis runs the
//! same front end as `govc check` (`project::analyze_parsed`), reusing the parse of declarations
//! an edit did not touch.

use super::index::Index;
use super::parse_cache::ParseCache;
use super::position::LineIndex;
use crate::driver::project::{self, Analysis};
use crate::source::SourceMap;
use crate::span::{FileId, Span};
use lsp_types::{Location, Url};
use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// An open editor's text.
pub struct Document {
    pub text: String,
    pub version: i32,
}

pub struct Workspace {
    root: Option<PathBuf>,
    /// The project's files on disk, by path.
    disk: BTreeMap<PathBuf, String>,
    /// Open editors, by path; they override `disk`.
    pub open: HashMap<PathBuf, Document>,
    cache: ParseCache,
    /// Where the stdlib's files are written so that editors can open them, if it could be.
    stdlib_dir: Option<PathBuf>,
}

impl Workspace {
    pub fn new(root: Option<PathBuf>, stdlib_dir: Option<PathBuf>) -> Self {
        let mut ws = Workspace {
            root,
            disk: BTreeMap::new(),
            open: HashMap::new(),
            cache: ParseCache::default(),
            stdlib_dir,
        };
        ws.rescan();
        ws
    }

    /// Reads the project's files from disk again (after files were created, changed or deleted).
    pub fn rescan(&mut self) {
        self.disk.clear();
        let Some(root) = &self.root else { return };
        let Ok(sources) = project::load(root) else { return };
        for (_, f) in sources.files() {
            if let (false, Some(path)) = (f.is_stdlib, &f.path) {
                self.disk.insert(path.clone(), f.text.clone());
            }
        }
    }

    /// Whether a path is one of the stdlib files the server wrote.
    pub fn is_stdlib_path(&self, path: &Path) -> bool {
        self.stdlib_dir.as_deref().is_some_and(|dir| path.starts_with(dir))
    }

    /// Runs the front end over the project as the editors show it, but with `text` as the
    /// content of the file at `path` (completion analyzes the text with a placeholder).
    pub fn analyze_with(&mut self, path: &Path, text: String) -> Snapshot {
        let previous = self.open.insert(path.to_path_buf(), Document { text, version: 0 });
        let snapshot = self.analyze();
        match previous {
            Some(doc) => self.open.insert(path.to_path_buf(), doc),
            None => self.open.remove(path),
        };
        snapshot
    }

    /// Runs the front end over the project as the editors show it.
    pub fn analyze(&mut self) -> Snapshot {
        let mut sources = SourceMap::new();
        project::add_stdlib(&mut sources);
        let mut paths: Vec<&PathBuf> = self.disk.keys().collect();
        for path in self.open.keys() {
            let is_gov = path.extension().is_some_and(|e| e == "gov");
            if is_gov && !self.disk.contains_key(path) && !self.is_stdlib_path(path) {
                paths.push(path);
            }
        }
        paths.sort();
        for path in paths {
            let text = match self.open.get(path) {
                Some(doc) => doc.text.clone(),
                None => self.disk[path].clone(),
            };
            let name = self
                .root
                .as_deref()
                .and_then(|root| path.strip_prefix(root).ok())
                .unwrap_or(path)
                .to_string_lossy()
                .replace('\\', "/");
            sources.add(name, Some(path.clone()), text, false);
        }
        let started = std::time::Instant::now();
        let mut modules = Vec::with_capacity(sources.len());
        let mut diags = Vec::new();
        let mut stand_ins = Vec::new();
        for (id, file) in sources.files() {
            let mut parse = self.cache.parse(id, &file.name, &file.text);
            modules.push(parse.module);
            diags.append(&mut parse.diagnostics);
            stand_ins.append(&mut parse.stand_ins);
        }
        self.cache.end_analysis();
        let parsed = started.elapsed();
        let mut analysis = project::analyze_parsed(sources, modules, diags);
        // What the checker says about a stand-in for a declaration being typed is about its
        // last version, not the text: only the syntax error is the user's to see.
        analysis
            .diagnostics
            .retain(|d| d.is_syntax() || !stand_ins.iter().any(|s| s.contains(d.primary.span)));
        let snapshot = Snapshot::new(analysis, self.stdlib_dir.clone());
        if std::env::var_os("GOVC_LSP_TIMING").is_some() {
            eprintln!(
                "govc lsp: analysis in {:.1} ms (parse {:.1} ms)",
                started.elapsed().as_secs_f64() * 1000.0,
                parsed.as_secs_f64() * 1000.0
            );
        }
        snapshot
    }
}

/// One analysis of the project and what the features need to answer from it.
pub struct Snapshot {
    pub analysis: Analysis,
    uris: Vec<Option<Url>>,
    lines: Vec<LineIndex>,
    index: OnceCell<Index>,
}

impl Snapshot {
    fn new(analysis: Analysis, stdlib_dir: Option<PathBuf>) -> Self {
        let mut uris = Vec::new();
        let mut lines = Vec::new();
        for (_, f) in analysis.sources.files() {
            let path = match (&f.path, &stdlib_dir) {
                (Some(p), _) => Some(p.clone()),
                (None, Some(dir)) if f.is_stdlib => Some(dir.join(f.name.trim_start_matches("<stdlib>/"))),
                _ => None,
            };
            uris.push(path.and_then(|p| Url::from_file_path(p).ok()));
            lines.push(LineIndex::new(&f.text));
        }
        Snapshot {
            analysis,
            uris,
            lines,
            index: OnceCell::new(),
        }
    }

    /// The names of the program, built on first use.
    pub fn index(&self) -> &Index {
        self.index.get_or_init(|| Index::build(&self.analysis))
    }

    pub fn uri(&self, file: FileId) -> Option<&Url> {
        self.uris.get(file.0 as usize)?.as_ref()
    }

    pub fn file_by_path(&self, path: &Path) -> Option<FileId> {
        self.analysis.sources.find_path(path)
    }

    /// The file a URI names (clients spell URIs differently: paths are compared too).
    pub fn file(&self, uri: &Url) -> Option<FileId> {
        if let Some(i) = self.uris.iter().position(|u| u.as_ref() == Some(uri)) {
            return Some(FileId(i as u32));
        }
        let path = uri.to_file_path().ok()?;
        self.uris
            .iter()
            .position(|u| u.as_ref().and_then(|u| u.to_file_path().ok()).as_deref() == Some(path.as_path()))
            .map(|i| FileId(i as u32))
    }

    pub fn text(&self, file: FileId) -> &str {
        &self.analysis.sources.get(file).text
    }

    pub fn is_stdlib(&self, file: FileId) -> bool {
        self.analysis.sources.get(file).is_stdlib
    }

    pub fn lines(&self, file: FileId) -> &LineIndex {
        &self.lines[file.0 as usize]
    }

    /// The LSP range of a span.
    pub fn range(&self, span: Span) -> lsp_types::Range {
        self.lines(span.file).range(self.text(span.file), span.range())
    }

    pub fn location(&self, span: Span) -> Option<Location> {
        Some(Location::new(self.uri(span.file)?.clone(), self.range(span)))
    }

    /// The byte offset of an LSP position in a file.
    pub fn offset(&self, file: FileId, position: lsp_types::Position) -> usize {
        self.lines(file).offset(self.text(file), position)
    }

    /// The syntax tree of a file.
    pub fn module(&self, file: FileId) -> Option<&crate::syntax::ast::SourceModule> {
        // INVARIANT: the front end keeps one module per file, in file order.
        self.analysis.modules.get(file.0 as usize).filter(|m| m.file == file)
    }
}

/// Writes the stdlib's files below `dir` (if their content differs) so that go to definition can
/// open them; returns the directory they are in.
pub fn write_stdlib(dir: &Path) -> Option<PathBuf> {
    let base = dir.join(format!("govc-{}", env!("CARGO_PKG_VERSION"))).join("stdlib");
    for (name, text) in crate::stdlib::FILES {
        let path = base.join(name.trim_start_matches("<stdlib>/"));
        if std::fs::read_to_string(&path).ok().as_deref() == Some(*text) {
            continue;
        }
        std::fs::create_dir_all(path.parent()?).ok()?;
        // A read-only file tells the editor that it is not to be edited.
        if let Ok(meta) = std::fs::metadata(&path) {
            let mut perms = meta.permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            let _ = std::fs::set_permissions(&path, perms);
        }
        std::fs::write(&path, text).ok()?;
        if let Ok(meta) = std::fs::metadata(&path) {
            let mut perms = meta.permissions();
            perms.set_readonly(true);
            let _ = std::fs::set_permissions(&path, perms);
        }
    }
    Some(base)
}

/// The user's cache directory (`$XDG_CACHE_HOME`, `~/.cache`, or the temporary directory).
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(home) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(home).join(".cache");
    }
    std::env::temp_dir()
}
