//! Name resolution: groups files into modules by `package`, gives every declaration an id, checks
//! imports, and answers "what does this name mean here" for the type checker and the editor.

use crate::checked::{Item, Module, ModuleId};
use crate::diagnostic::suggest::closest;
use crate::diagnostic::{Code, Diagnostic};
use crate::span::{FileId, Span};
use crate::syntax::ast::{DeclKind, Ident, Path, SourceModule};
use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};

/// What a name in a file's scope stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    Item(Item),
    Module(ModuleId),
    /// A name whose import failed: already reported, so uses of it stay silent.
    Poisoned,
}

/// Why a path did not resolve to an item.
#[derive(Debug)]
pub enum LookupError {
    /// A new problem to report.
    Error(Diagnostic),
    /// The name comes from a failed import, which was reported there.
    Reported,
}

impl From<Diagnostic> for LookupError {
    fn from(d: Diagnostic) -> Self {
        LookupError::Error(d)
    }
}

/// One name brought in by an `import`.
#[derive(Debug)]
pub struct ImportedName {
    pub target: Named,
    pub span: Span,
    /// Whether a lookup found it (set by the threads that check bodies, read once they are done).
    pub used: AtomicBool,
    /// For a failed import of a misspelt name, the declaration it most likely meant (the import's
    /// "did you mean"): uses of that name stay silent too, since the fix is in the import.
    pub meant: Option<String>,
}

/// The names visible in one file beyond its own module's declarations.
#[derive(Debug, Default)]
pub struct FileScope {
    pub module: Option<ModuleId>,
    pub imports: BTreeMap<String, ImportedName>,
}

/// Where each declaration of the program sits in the syntax trees.
#[derive(Debug, Clone, Copy)]
pub struct DeclRef {
    pub file_index: usize,
    pub decl_index: usize,
}

/// Modules, their declarations, and the scope of every file.
#[derive(Debug, Default)]
pub struct Names {
    pub modules: Vec<Module>,
    pub module_by_name: HashMap<String, ModuleId>,
    /// The declarations of each module by name.
    pub items: Vec<HashMap<String, (Item, Span)>>,
    /// The names of each module's declarations that did not parse: uses of them are not
    /// reported (the syntax error is), as with a failed import.
    pub broken: Vec<HashSet<String>>,
    pub files: HashMap<FileId, FileScope>,
    /// Every item with where it was declared, in declaration order per kind.
    pub decls: Vec<(Item, ModuleId, DeclRef)>,
    pub counts: ItemCounts,
}

/// How many items of each kind were declared (ids are dense from 0).
#[derive(Debug, Default, Clone, Copy)]
pub struct ItemCounts {
    pub types: u32,
    pub enums: u32,
    pub resources: u32,
    pub fns: u32,
    pub policies: u32,
}

/// The package roots the compiler owns: `std` is the standard library, and `govc` holds the
/// bundle's own data and code (`govc.defaults`, `govc.overrides`, `govc.runtime`, `govc.log`). A project
/// package under either would be merged into them, shadow parameter overrides or be dropped.
const RESERVED_PACKAGE_ROOTS: &[&str] = &["std", "govc"];

/// E0110 for a project file whose package is under a reserved root.
fn reserved_package(package: &Path) -> Option<Diagnostic> {
    let root = &package.segments.first()?.name;
    if !RESERVED_PACKAGE_ROOTS.contains(&root.as_str()) {
        return None;
    }
    let what = if root == "std" {
        "the standard library"
    } else {
        "the compiled bundle's own data and code"
    };
    Some(
        Diagnostic::error(
            Code::ReservedPackage,
            package.span,
            format!(
                "package `{}` is under `{root}`, which is reserved for {what}",
                package.dotted()
            ),
        )
        .with_label("reserved package name")
        .with_help(format!(
            "name the package after your organization, e.g. `{}`",
            std::iter::once("acme")
                .chain(package.segments.iter().skip(1).map(|s| s.name.as_str()))
                .collect::<Vec<_>>()
                .join(".")
        )),
    )
}

impl Names {
    /// The policies some file imports by name.
    pub fn imported_policies(&self) -> HashSet<crate::checked::PolicyId> {
        self.files
            .values()
            .flat_map(|scope| scope.imports.values())
            .filter_map(|imported| match imported.target {
                Named::Item(Item::Policy(id)) => Some(id),
                _ => None,
            })
            .collect()
    }

    /// Pass 1: modules, item ids, duplicates, imports.
    pub fn collect(files: &[SourceModule], stdlib_files: &[bool], diags: &mut Vec<Diagnostic>) -> Names {
        let mut names = Names::default();
        for (file_index, file) in files.iter().enumerate() {
            let Some(package) = &file.package else {
                names.files.insert(file.file, FileScope::default());
                continue;
            };
            let is_stdlib = stdlib_files.get(file_index).copied().unwrap_or(false);
            if !is_stdlib {
                if let Some(d) = reserved_package(package) {
                    diags.push(d);
                }
            }
            let module = names.module_for(package, is_stdlib);
            names.files.insert(
                file.file,
                FileScope {
                    module: Some(module),
                    imports: BTreeMap::new(),
                },
            );
            for (decl_index, decl) in file.decls.iter().enumerate() {
                let Some(name) = decl.name() else { continue };
                let item = names.next_item(&decl.kind);
                let decl_ref = DeclRef { file_index, decl_index };
                names.decls.push((item, module, decl_ref));
                names.declare(module, name, item, diags);
            }
        }
        for file in files {
            let Some(module) = names.module_of(file.file) else {
                continue;
            };
            for name in &file.unparsed {
                if !names.items[module.index()].contains_key(&name.name) {
                    names.broken[module.index()].insert(name.name.clone());
                }
            }
        }
        for file in files {
            names.collect_imports(file, diags);
        }
        names
    }

    fn module_for(&mut self, package: &Path, is_stdlib: bool) -> ModuleId {
        let name = package.dotted();
        if let Some(id) = self.module_by_name.get(&name) {
            return *id;
        }
        let id = ModuleId(self.modules.len() as u32);
        self.modules.push(Module {
            name: name.clone(),
            span: package.span,
            imports: Vec::new(),
            is_stdlib,
        });
        self.items.push(HashMap::new());
        self.broken.push(HashSet::new());
        self.module_by_name.insert(name, id);
        id
    }

    fn next_item(&mut self, kind: &DeclKind) -> Item {
        let c = &mut self.counts;
        let bump = |n: &mut u32| {
            *n += 1;
            *n - 1
        };
        match kind {
            DeclKind::Type(_) => Item::Type(crate::checked::TypeId(bump(&mut c.types))),
            DeclKind::Enum(_) => Item::Enum(crate::checked::EnumId(bump(&mut c.enums))),
            DeclKind::Resource(_) => Item::Resource(crate::checked::ResourceId(bump(&mut c.resources))),
            DeclKind::Fn(_) => Item::Fn(crate::checked::FnId(bump(&mut c.fns))),
            DeclKind::Policy(_) => Item::Policy(crate::checked::PolicyId(bump(&mut c.policies))),
            DeclKind::Enforce(_) | DeclKind::Test(_) => unreachable!("unnamed declarations have no item"),
        }
    }

    fn declare(&mut self, module: ModuleId, name: &Ident, item: Item, diags: &mut Vec<Diagnostic>) {
        let table = &mut self.items[module.index()];
        if let Some((_, first)) = table.get(&name.name) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateDeclaration,
                    name.span,
                    format!("`{}` is declared twice", name.name),
                )
                .with_label("declared again here")
                .with_secondary(*first, "first declared here")
                .with_help("give one of them another name; names are shared by all files of a package"),
            );
            return;
        }
        if crate::checked::is_reserved_type_name(&name.name) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateDeclaration,
                    name.span,
                    format!("`{}` is a built-in type name", name.name),
                )
                .with_label("cannot be redeclared")
                .with_help("choose another name"),
            );
        }
        table.insert(name.name.clone(), (item, name.span));
    }

    fn collect_imports(&mut self, file: &SourceModule, diags: &mut Vec<Diagnostic>) {
        let Some(module) = self.files.get(&file.file).and_then(|s| s.module) else {
            return;
        };
        let mut imports = BTreeMap::new();
        for import in &file.imports {
            let module_name = import.module.dotted();
            let Some(&target) = self.module_by_name.get(&module_name) else {
                let mut d = Diagnostic::error(
                    Code::UnknownModule,
                    import.module.span,
                    format!("unknown module `{module_name}`"),
                )
                .with_label("no file declares this package");
                if let Some(s) = closest(&module_name, self.module_by_name.keys().map(String::as_str)) {
                    d = d.with_did_you_mean(s);
                } else {
                    d = d.with_help("modules are the `package` names of the project's files and of the standard library (`std.ai`, `std.k8s`)");
                }
                diags.push(d);
                let poisoned: Vec<&Ident> = match &import.names {
                    Some(list) => list.iter().collect(),
                    None => vec![import.module.last()],
                };
                for name in poisoned {
                    imports.entry(name.name.clone()).or_insert(ImportedName {
                        target: Named::Poisoned,
                        span: name.span,
                        used: AtomicBool::new(true),
                        meant: None,
                    });
                }
                continue;
            };
            if target == module {
                diags.push(
                    Diagnostic::error(
                        Code::ImportConflict,
                        import.module.span,
                        "a module cannot import itself",
                    )
                    .with_label("this is the file's own package")
                    .with_help("names of the same package are visible without an import"),
                );
                continue;
            }
            if !self.modules[module.index()].imports.contains(&target) {
                self.modules[module.index()].imports.push(target);
            }
            match &import.names {
                None => {
                    let alias = import.module.last();
                    self.bring_in(module, &mut imports, alias, Named::Module(target), diags);
                }
                Some(list) => {
                    for name in list {
                        match self.items[target.index()].get(&name.name) {
                            Some(&(item, _)) => self.bring_in(module, &mut imports, name, Named::Item(item), diags),
                            // Declared there, but it does not parse: its syntax error is reported.
                            None if self.broken[target.index()].contains(&name.name) => {
                                imports.entry(name.name.clone()).or_insert(ImportedName {
                                    target: Named::Poisoned,
                                    span: name.span,
                                    used: AtomicBool::new(true),
                                    meant: None,
                                });
                            }
                            None => {
                                let mut d = Diagnostic::error(
                                    Code::UnknownImport,
                                    name.span,
                                    format!("module `{module_name}` has no declaration `{}`", name.name),
                                )
                                .with_label("not declared there");
                                let meant = closest(&name.name, self.items[target.index()].keys().map(String::as_str))
                                    .map(str::to_string);
                                if let Some(s) = &meant {
                                    d = d.with_did_you_mean(s);
                                }
                                diags.push(d);
                                imports.entry(name.name.clone()).or_insert(ImportedName {
                                    target: Named::Poisoned,
                                    span: name.span,
                                    used: AtomicBool::new(true),
                                    meant,
                                });
                            }
                        }
                    }
                }
            }
        }
        if let Some(scope) = self.files.get_mut(&file.file) {
            scope.imports = imports;
        }
    }

    fn bring_in(
        &self,
        module: ModuleId,
        imports: &mut BTreeMap<String, ImportedName>,
        name: &Ident,
        target: Named,
        diags: &mut Vec<Diagnostic>,
    ) {
        if let Some((_, local)) = self.items[module.index()].get(&name.name) {
            diags.push(
                Diagnostic::error(
                    Code::ImportConflict,
                    name.span,
                    format!("import `{}` clashes with a declaration of this package", name.name),
                )
                .with_label("imported here")
                .with_secondary(*local, "declared here")
                .with_help("import the module instead and use the name qualified"),
            );
            return;
        }
        if let Some(previous) = imports.get(&name.name) {
            let message = if previous.target == target {
                format!("`{}` is imported twice", name.name)
            } else {
                format!("two imports are named `{}`", name.name)
            };
            diags.push(
                Diagnostic::error(Code::ImportConflict, name.span, message)
                    .with_label("imported again here")
                    .with_secondary(previous.span, "first imported here")
                    .with_help("remove one import, or import a module and use its names qualified"),
            );
            return;
        }
        imports.insert(
            name.name.clone(),
            ImportedName {
                target,
                span: name.span,
                used: AtomicBool::new(false),
                meant: None,
            },
        );
    }

    /// The module a file belongs to.
    pub fn module_of(&self, file: FileId) -> Option<ModuleId> {
        self.files.get(&file).and_then(|s| s.module)
    }

    /// Looks a single name up from a file: its module's declarations, then its imports, then
    /// its module's declarations that do not parse (poisoned, so that uses of them stay silent).
    /// Marks a used import. The correct spelling of a misspelt import is [`Named::Poisoned`]
    /// like the import itself: its one error is at the import, which says how to fix it.
    pub fn lookup(&self, file: FileId, name: &str) -> Option<Named> {
        let scope = self.files.get(&file)?;
        if let Some(module) = scope.module {
            if let Some((item, _)) = self.items[module.index()].get(name) {
                return Some(Named::Item(*item));
            }
        }
        if let Some(imported) = scope.imports.get(name) {
            imported.used.store(true, Ordering::Relaxed);
            return Some(imported.target);
        }
        if scope.imports.values().any(|i| i.meant.as_deref() == Some(name)) {
            return Some(Named::Poisoned);
        }
        let module = scope.module?;
        self.broken[module.index()].contains(name).then_some(Named::Poisoned)
    }

    /// What a dotted path names from a file, as far as names go: its first segment looked up
    /// in the file's scope (declarations of its module, then its imports) and, when that is a
    /// module, its second segment among the module's declarations. Returns the meaning and the
    /// segments after it (fields, an enum's value), for the checker and the language server
    /// alike. Marks a used import.
    pub fn resolve_prefix<'p, I: Borrow<Ident>>(
        &self,
        file: FileId,
        segments: &'p [I],
    ) -> Result<(Named, &'p [I]), LookupError> {
        // INVARIANT: the grammar never produces an empty path.
        let first = segments[0].borrow();
        let named = self
            .lookup(file, &first.name)
            .ok_or_else(|| self.unknown(file, first))?;
        match (named, &segments[1..]) {
            (Named::Poisoned, _) => Err(LookupError::Reported),
            (Named::Module(m), [member, rest @ ..]) => Ok((Named::Item(self.member(m, member.borrow())?), rest)),
            (named, rest) => Ok((named, rest)),
        }
    }

    /// The declaration `name` of module `m`, or an error with the closest one as a suggestion
    /// (none when the declaration is there but does not parse).
    fn member(&self, m: ModuleId, name: &Ident) -> Result<Item, LookupError> {
        if let Some((item, _)) = self.items[m.index()].get(&name.name) {
            return Ok(*item);
        }
        if self.broken[m.index()].contains(&name.name) {
            return Err(LookupError::Reported);
        }
        let mut d = Diagnostic::error(
            Code::UnknownName,
            name.span,
            format!(
                "module `{}` has no declaration `{}`",
                self.modules[m.index()].name,
                name.name
            ),
        )
        .with_label("not declared there");
        if let Some(s) = closest(&name.name, self.items[m.index()].keys().map(String::as_str)) {
            d = d.with_did_you_mean(s);
        }
        Err(d.into())
    }

    /// Looks up `segments` (a name, or `alias.Name`) as an item.
    pub fn lookup_path(&self, file: FileId, segments: &[Ident]) -> Result<Item, LookupError> {
        let first = &segments[0];
        match self.resolve_prefix(file, segments)? {
            (Named::Item(item), []) => Ok(item),
            (Named::Item(_), [next, ..]) => Err(LookupError::Error(
                Diagnostic::error(
                    Code::UnknownName,
                    next.span,
                    format!("`{}` is not a module", first.name),
                )
                .with_label("cannot look a name up in this"),
            )),
            (Named::Poisoned, _) => Err(LookupError::Reported),
            (Named::Module(m), _) => Err(LookupError::Error(
                Diagnostic::error(
                    Code::NotAValue,
                    first.span,
                    format!("`{}` is a module", self.modules[m.index()].name),
                )
                .with_label("a module, not a declaration")
                .with_help(format!("name a declaration of it, e.g. `{}.Name`", first.name)),
            )),
        }
    }

    /// An "unknown name" error with the closest visible name as a suggestion.
    pub fn unknown(&self, file: FileId, name: &Ident) -> Diagnostic {
        let mut d = Diagnostic::error(Code::UnknownName, name.span, format!("unknown name `{}`", name.name))
            .with_label("not found in this scope");
        if let Some(s) = closest(&name.name, self.visible_names(file)) {
            d = d.with_did_you_mean(s);
        }
        d
    }

    /// Every declaration and import name visible in a file. Names of failed imports are left
    /// out: a misspelling is never a suggestion.
    pub fn visible_names(&self, file: FileId) -> Vec<&str> {
        let mut out = Vec::new();
        if let Some(scope) = self.files.get(&file) {
            if let Some(m) = scope.module {
                out.extend(self.items[m.index()].keys().map(String::as_str));
            }
            out.extend(
                scope
                    .imports
                    .iter()
                    .filter(|(_, i)| i.target != Named::Poisoned)
                    .map(|(name, _)| name.as_str()),
            );
        }
        out
    }

    /// Warnings for imports that no name in the file used.
    pub fn unused_imports(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for scope in self.files.values() {
            for (name, imported) in &scope.imports {
                if !imported.used.load(Ordering::Relaxed) {
                    out.push(
                        Diagnostic::warning(Code::UnusedImport, imported.span, format!("unused import `{name}`"))
                            .with_label("never used in this file")
                            .with_help("remove it"),
                    );
                }
            }
        }
        out
    }
}
