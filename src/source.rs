//! The set of source files of one compilation: the project's `.gov` files and the embedded stdlib.

use crate::span::{FileId, Span};
use std::path::{Path, PathBuf};

/// One source file: its display name, text and line starts (for line/column lookups).
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub path: Option<PathBuf>,
    pub text: String,
    line_starts: Vec<usize>,
    /// True for files that ship inside the binary (`stdlib/`).
    pub is_stdlib: bool,
    /// True for an entry that stands for a directory (no text), where a diagnostic about the
    /// project as a whole is located, e.g. "no `.gov` files".
    pub is_directory: bool,
}

impl SourceFile {
    pub fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }
}

/// A 1-based line and column (column counted in Unicode scalar values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// All files of a compilation, addressed by [`FileId`].
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, name: impl Into<String>, path: Option<PathBuf>, text: String, is_stdlib: bool) -> FileId {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        self.files.push(SourceFile {
            name: name.into(),
            path,
            text,
            line_starts,
            is_stdlib,
            is_directory: false,
        });
        FileId((self.files.len() - 1) as u32)
    }

    /// Adds an entry for a directory (named like `policies/`), to locate diagnostics about it.
    pub fn add_directory(&mut self, name: impl Into<String>, path: Option<PathBuf>) -> FileId {
        let id = self.add(name, path, String::new(), false);
        self.files[id.0 as usize].is_directory = true;
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The file, or `None` for an id from another source map.
    pub fn get_checked(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i as u32), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Finds a file by its path on disk.
    pub fn find_path(&self, path: &Path) -> Option<FileId> {
        self.files()
            .find(|(_, f)| f.path.as_deref() == Some(path))
            .map(|(id, _)| id)
    }

    /// The 1-based line and column of a byte offset.
    pub fn line_col(&self, file: FileId, offset: usize) -> LineCol {
        let f = self.get(file);
        let offset = offset.min(f.text.len());
        let line = match f.line_starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l - 1,
        };
        let start = f.line_starts[line];
        let column = f.text.get(start..offset).map_or(offset - start, |s| s.chars().count()) + 1;
        LineCol { line: line + 1, column }
    }

    /// The source text a span covers.
    pub fn snippet(&self, span: Span) -> &str {
        self.get(span.file).text.get(span.range()).unwrap_or("")
    }
}
