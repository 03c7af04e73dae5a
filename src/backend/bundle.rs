//! The OPA bundle: Rego files, `data.json` with parameter defaults, and `.manifest` (revision =
//! content hash, non-overlapping roots, `rego_version: 1`), as a directory (with the compiled
//! tests) and as a reproducible `bundle.tar.gz` (without them). Each form has its own manifest:
//! its `roots` are exactly the packages and data it ships, its `revision` the hash of its files.

use crate::backend::mask::MASK_PACKAGE;
use crate::backend::rego::{self, Target};
use crate::backend::{Origin, ProblemKind, TargetProblem};
use crate::ir::{Ir, Outline, PackagePath};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Files of a bundle by their path inside it (`/`-separated), sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bundle {
    /// Everything but the tests, with the tarball's `.manifest`: what `bundle.tar.gz` holds.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Compiled tests (`*_test.rego`, and function modules only tests use): only in the bundle
    /// directory.
    pub tests: BTreeMap<String, Vec<u8>>,
    /// The bundle directory's `.manifest`: its roots cover the tests too, and its revision is the
    /// hash of everything the directory holds.
    pub directory_manifest: Vec<u8>,
}

impl Bundle {
    /// The files of the bundle directory: the deployable files, the tests, and its own manifest.
    pub fn directory(&self) -> BTreeMap<String, Vec<u8>> {
        let mut files = self.files.clone();
        files.extend(self.tests.iter().map(|(k, v)| (k.clone(), v.clone())));
        files.insert(MANIFEST.to_string(), self.directory_manifest.clone());
        files
    }

    /// Whether the bundle masks fields in decision logs.
    pub fn has_mask(&self) -> bool {
        self.files.contains_key(&mask_file())
    }
}

/// The file of the decision-log mask rules, when some subject type has `@sensitive` fields.
pub fn mask_file() -> String {
    format!("{}.rego", MASK_PACKAGE.join("/"))
}

/// The manifest's path in a bundle.
pub const MANIFEST: &str = ".manifest";

/// A build problem found only when laying files out (two packages in one file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutError(pub String);

/// One Rego package of the bundle and who writes it.
struct Planned {
    package: PackagePath,
    /// `None` for govc's own packages.
    origin: Option<Origin>,
    /// In the tarball too (else only in the directory, with the tests).
    deployable: bool,
}

/// The packages a program's bundle holds, in emission order.
fn plan(outline: &Outline) -> Vec<Planned> {
    let mut out = Vec::new();
    for (package, test_only) in &outline.fn_modules {
        out.push(Planned {
            package: package.clone(),
            origin: Some(Origin::FnModule(package.clone())),
            deployable: !test_only,
        });
    }
    for package in &outline.policies {
        out.push(Planned {
            package: package.clone(),
            origin: Some(Origin::Policy(package.clone())),
            deployable: true,
        });
    }
    for package in &outline.tests {
        out.push(Planned {
            package: package.clone(),
            origin: Some(Origin::Tests(package.clone())),
            deployable: false,
        });
    }
    out
}

/// What keeps the bundle of a program from being laid out: two declarations compiled to one Rego
/// package (and file). (A project package under `govc`, the namespace govc keeps for itself, is
/// rejected by name resolution: E0110.) Reads only the packages ([`Ir::outline`] or
/// [`crate::ir::outline`]).
pub fn check(outline: &Outline) -> Vec<TargetProblem> {
    let mut problems = Vec::new();
    let mut seen: BTreeMap<&PackagePath, &Origin> = BTreeMap::new();
    let planned = plan(outline);
    for entry in &planned {
        let Some(origin) = &entry.origin else { continue };
        let dotted = entry.package.join(".");
        match seen.get(&entry.package) {
            Some(first) => problems.push(
                TargetProblem::new(
                    ProblemKind::Clash,
                    format!(
                        "{} and {} would both be the Rego package `{dotted}` (the file `{}.rego`)",
                        describe(origin),
                        describe(first),
                        entry.package.join("/")
                    ),
                    vec![origin.clone(), (*first).clone()],
                )
                .with_help("rename one of them"),
            ),
            None => {
                seen.insert(&entry.package, origin);
            }
        }
    }
    problems
}

/// A declaration in a problem's message.
fn describe(origin: &Origin) -> String {
    match origin {
        Origin::Module(p) => format!("the package `{}`", p.join(".")),
        Origin::Policy(p) => format!("the policy `{}`", p.join(".")),
        Origin::FnModule(p) => format!("the functions of `{}`", p.join(".")),
        Origin::Tests(p) => {
            let module = p.join(".");
            format!("the tests of `{}`", module.strip_suffix("_test").unwrap_or(&module))
        }
        Origin::Resource { kind, .. } => format!("the resource `{kind}`"),
        Origin::Clause { policy, index } => format!("clause {} of the policy `{}`", index + 1, policy.join(".")),
        Origin::Let { policy, index } => format!("`let` {} of the policy `{}`", index + 1, policy.join(".")),
    }
}

/// Emits the bundle of a program.
pub fn build(ir: &Ir) -> Result<Bundle, LayoutError> {
    if let Some(problem) = check(&ir.outline()).first() {
        return Err(LayoutError(problem.text()));
    }
    let target = Target::bundle();
    let mut b = Bundle::default();
    for m in &ir.fn_modules {
        let files = if m.test_only { &mut b.tests } else { &mut b.files };
        insert(
            files,
            format!("{}.rego", m.package.join("/")),
            rego::emit_fn_module(m, &target),
        )?;
    }
    let mut types = rego::TypeChecks::new(rego::types_package(&target));
    for p in &ir.policies {
        insert(
            &mut b.files,
            format!("{}.rego", p.package.join("/")),
            rego::emit_policy(p, &target, &mut types),
        )?;
    }
    for s in &ir.tests {
        insert(
            &mut b.tests,
            format!("{}.rego", s.package.join("/")),
            rego::emit_test_suite(s, &target),
        )?;
    }
    let mut own_roots: Vec<PackagePath> = Vec::new();
    // The record types' checks, once for every policy that reads them.
    if !types.is_empty() {
        let package = rego::types_package(&target);
        insert(
            &mut b.files,
            format!("{}.rego", package.join("/")),
            types.module(&target),
        )?;
        own_roots.push(package);
    }
    // Roots only the directory form has: what only its tests need.
    let mut test_roots: Vec<PackagePath> = Vec::new();
    // The runtime library ships where something calls it: with the policies, or else with the tests.
    let runtime_path = format!("{}.rego", rego::runtime_package(&target).join("/"));
    let used = |files: &BTreeMap<String, Vec<u8>>| {
        files
            .values()
            .any(|text| rego::uses_runtime(&String::from_utf8_lossy(text), &target))
    };
    // Only the functions something calls.
    let callers: Vec<String> = b
        .files
        .values()
        .chain(b.tests.values())
        .map(|text| String::from_utf8_lossy(text).into_owned())
        .collect();
    let callers: Vec<&str> = callers.iter().map(String::as_str).collect();
    let library = rego::emit_runtime_for(&target, &callers);
    match library {
        Some(library) if used(&b.files) => {
            insert(&mut b.files, runtime_path, library)?;
            own_roots.push(rego::runtime_package(&target));
        }
        Some(library) if used(&b.tests) => {
            insert(&mut b.tests, runtime_path, library)?;
            test_roots.push(rego::runtime_package(&target));
        }
        _ => {}
    }
    if let Some(mask) = crate::backend::mask::emit_mask_policy(ir) {
        let package: PackagePath = MASK_PACKAGE.iter().map(|s| s.to_string()).collect();
        insert(&mut b.files, mask_file(), mask)?;
        own_roots.push(package);
    }
    if let Some(data) = defaults(ir) {
        b.files.insert("data.json".into(), pretty(&data));
        own_roots.push(rego::defaults_path(&Vec::new()));
    }
    let planned = plan(&ir.outline());
    let deployable = planned.iter().filter(|p| p.deployable).map(|p| p.package.clone());
    let tarball_roots: Vec<PackagePath> = deployable.chain(own_roots.iter().cloned()).collect();
    let directory_roots: Vec<PackagePath> = planned
        .iter()
        .map(|p| p.package.clone())
        .chain(own_roots.iter().cloned())
        .chain(test_roots)
        .collect();
    let directory_manifest = manifest(&b.files.iter().chain(&b.tests).collect(), directory_roots);
    let tarball_manifest = manifest(&b.files.iter().collect(), tarball_roots);
    b.files.insert(MANIFEST.into(), tarball_manifest);
    b.directory_manifest = directory_manifest;
    Ok(b)
}

/// A `.manifest` for `files` (sorted by path) with the roots covering `packages`.
fn manifest(files: &BTreeMap<&String, &Vec<u8>>, packages: Vec<PackagePath>) -> Vec<u8> {
    pretty(&json!({
        "revision": revision(files),
        "roots": non_overlapping_roots(packages),
        "rego_version": 1,
    }))
}

fn insert(files: &mut BTreeMap<String, Vec<u8>>, path: String, text: String) -> Result<(), LayoutError> {
    if files.contains_key(&path) {
        return Err(LayoutError(format!(
            "two packages would be written to `{path}`; rename one of them"
        )));
    }
    files.insert(path, text.into_bytes());
    Ok(())
}

fn pretty(v: &Value) -> Vec<u8> {
    let mut s = serde_json::to_string_pretty(v).expect("JSON values always serialize");
    s.push('\n');
    s.into_bytes()
}

/// `{"govc": {"defaults": {<policy path...>: {param: default}}}}`, or `None` with no parameters.
fn defaults(ir: &Ir) -> Option<Value> {
    let mut root = Map::new();
    for p in ir.policies.iter().filter(|p| !p.params.is_empty()) {
        let mut node = &mut root;
        for seg in rego::defaults_path(&p.package) {
            node = node
                .entry(seg)
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .expect("paths only hold objects");
        }
        for param in &p.params {
            node.insert(param.name.clone(), param.default.clone());
        }
    }
    (!root.is_empty()).then(|| sort_keys(Value::Object(root)))
}

/// Sorts object keys recursively, so the JSON is deterministic however it was built.
fn sort_keys(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let sorted: BTreeMap<String, Value> = m.into_iter().map(|(k, v)| (k, sort_keys(v))).collect();
            Value::Object(sorted.into_iter().collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

/// The content hash of a bundle's files (its manifest aside): SHA-256 over each path and content,
/// in order.
fn revision(files: &BTreeMap<&String, &Vec<u8>>) -> String {
    let mut h = Sha256::new();
    for (path, content) in files {
        h.update((path.len() as u64).to_be_bytes());
        h.update(path.as_bytes());
        h.update((content.len() as u64).to_be_bytes());
        h.update(content);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The shortest set of `/`-joined roots covering every package, none a prefix of another.
pub fn non_overlapping_roots(mut paths: Vec<PackagePath>) -> Vec<String> {
    paths.sort();
    paths.dedup();
    let mut out: Vec<PackagePath> = Vec::new();
    for p in paths {
        if !out.iter().any(|r| p.starts_with(r)) {
            out.push(p);
        }
    }
    out.iter().map(|p| p.join("/")).collect()
}

/// `bundle.tar.gz`: the deployable files, byte-for-byte reproducible (sorted entries, zero
/// mtimes, uid/gid 0, mode 0644, no name or time in the gzip header).
pub fn tarball(files: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::best());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    for (path, content) in files {
        let mut header = tar::Header::new_ustar();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, path, content.as_slice())
            .expect("writing to memory cannot fail");
    }
    let gz = tar.into_inner().expect("writing to memory cannot fail");
    gz.finish().expect("writing to memory cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PackagePath {
        s.split('.').map(str::to_string).collect()
    }

    #[test]
    fn roots_do_not_overlap() {
        let roots = non_overlapping_roots(vec![
            p("acme.data"),
            p("acme.data.pii"),
            p("acme.models.x"),
            p("govc.defaults"),
        ]);
        assert_eq!(roots, vec!["acme/data", "acme/models/x", "govc/defaults"]);
    }

    #[test]
    fn tarball_is_reproducible() {
        let mut files = BTreeMap::new();
        files.insert("a.rego".to_string(), b"package a\n".to_vec());
        files.insert(".manifest".to_string(), b"{}\n".to_vec());
        assert_eq!(tarball(&files), tarball(&files));
        assert_eq!(&tarball(&files)[..4], &[0x1f, 0x8b, 8, 0]);
    }
}
