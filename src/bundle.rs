//! The OPA bundle: Rego files, `data.json` with parameter defaults, and `.manifest` (revision =
//! content hash, non-overlapping roots, `rego_version: 1`), as a directory (with the compiled
//! tests) and as a reproducible `bundle.tar.gz` (without them).

use crate::backend::rego::{self, Target};
use crate::ir::{Ir, PackagePath};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Files of a bundle by their path inside it (`/`-separated), sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bundle {
    /// Everything but the tests: what the tarball holds.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Compiled tests (`*_test.rego`), only in the bundle directory.
    pub tests: BTreeMap<String, Vec<u8>>,
}

/// A build problem found only when laying files out (two packages in one file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutError(pub String);

/// Emits the bundle of a program.
pub fn build(ir: &Ir) -> Result<Bundle, LayoutError> {
    let target = Target::bundle();
    let mut b = Bundle::default();
    let mut packages: Vec<PackagePath> = Vec::new();
    for m in &ir.fn_modules {
        let files = if m.test_only { &mut b.tests } else { &mut b.files };
        insert(
            files,
            format!("{}.rego", m.package.join("/")),
            rego::emit_fn_module(m, &target),
        )?;
        packages.push(m.package.clone());
    }
    for p in &ir.policies {
        insert(
            &mut b.files,
            format!("{}.rego", p.package.join("/")),
            rego::emit_policy(p, &target),
        )?;
        packages.push(p.package.clone());
    }
    for s in &ir.tests {
        let path = format!("{}.rego", s.package.join("/"));
        if b.files.contains_key(&path) || packages.contains(&s.package) {
            return Err(LayoutError(format!(
                "the tests of `{}` would share the package `{}` with a policy or module; rename one of them",
                s.package.join("."),
                s.package.join(".")
            )));
        }
        insert(&mut b.tests, path, rego::emit_test_suite(s, &target))?;
        packages.push(s.package.clone());
    }
    // The runtime library ships where something calls it: with the policies, or else with the tests.
    let runtime_path = format!("{}.rego", rego::runtime_package(&target).join("/"));
    let used = |files: &BTreeMap<String, Vec<u8>>| {
        files
            .values()
            .any(|text| rego::uses_runtime(&String::from_utf8_lossy(text), &target))
    };
    if used(&b.files) {
        insert(&mut b.files, runtime_path, rego::emit_runtime(&target))?;
        packages.push(rego::runtime_package(&target));
    } else if used(&b.tests) {
        insert(&mut b.tests, runtime_path, rego::emit_runtime(&target))?;
        packages.push(rego::runtime_package(&target));
    }
    if let Some(mask) = crate::backend::mask::emit_mask_policy(ir) {
        insert(&mut b.files, "system/log/mask.rego".to_string(), mask)?;
        packages.push(vec!["system".into(), "log".into()]);
    }
    let data = defaults(ir);
    let has_defaults = data.is_some();
    if let Some(data) = data {
        b.files.insert("data.json".into(), pretty(&data));
    }
    let mut roots: Vec<PackagePath> = packages;
    if has_defaults {
        roots.push(vec!["govc".into(), "defaults".into()]);
    }
    let manifest = json!({
        "revision": revision(&b.files),
        "roots": non_overlapping_roots(roots),
        "rego_version": 1,
    });
    b.files.insert(".manifest".into(), pretty(&manifest));
    Ok(b)
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

/// The content hash of the deployable files: SHA-256 over each path and content, in order.
fn revision(files: &BTreeMap<String, Vec<u8>>) -> String {
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
