//! What a build hands to the runtime, checked as the runtime reads it: each bundle form's
//! manifest against the files it really ships, the OPA configuration's mask setting, and the
//! Kubernetes audit rules merged into a real cluster policy (docs/deploy.md).

mod common;

use serde_json::Value;
use std::collections::BTreeMap;

fn example() -> govc::driver::build::BuildOutput {
    common::build_project(&common::root().join("examples/ai-governance"))
}

/// The files of a `.tar.gz`, by path.
fn untar(gz: &[u8]) -> BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(gz));
    let mut files = BTreeMap::new();
    for entry in archive.entries().expect("a tar archive") {
        let mut entry = entry.expect("an entry");
        let path = entry.path().expect("path").to_string_lossy().to_string();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).expect("readable");
        files.insert(path, content);
    }
    files
}

/// The files of the two forms of the bundle as written: `bundle.tar.gz` and `bundle/`.
fn bundle_forms(out: &govc::driver::build::BuildOutput) -> (BTreeMap<String, Vec<u8>>, BTreeMap<String, Vec<u8>>) {
    let tarball = untar(&out.tree.files["bundle.tar.gz"]);
    let directory = out
        .tree
        .files
        .iter()
        .filter_map(|(p, c)| p.strip_prefix("bundle/").map(|p| (p.to_string(), c.clone())))
        .collect();
    (tarball, directory)
}

/// The data paths a bundle's files define: each Rego file's package, and every leaf path of
/// `data.json` (as OPA checks them against the roots).
fn shipped_paths(files: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut paths = Vec::new();
    for (path, content) in files {
        let text = String::from_utf8_lossy(content);
        if path.ends_with(".rego") {
            let package = text
                .lines()
                .find_map(|l| l.strip_prefix("package "))
                .expect("a package line");
            // `package acme["data"].x` quotes segments that are Rego keywords.
            paths.push(package.replace("[\"", ".").replace("\"]", "").replace('.', "/"));
        } else if path == "data.json" {
            fn leaves(prefix: &str, v: &Value, out: &mut Vec<String>) {
                match v {
                    Value::Object(map) if !map.is_empty() => {
                        for (k, v) in map {
                            let p = if prefix.is_empty() {
                                k.clone()
                            } else {
                                format!("{prefix}/{k}")
                            };
                            leaves(&p, v, out);
                        }
                    }
                    _ => out.push(prefix.to_string()),
                }
            }
            leaves("", &serde_json::from_str(&text).expect("data.json is JSON"), &mut paths);
        }
    }
    paths
}

fn roots(manifest: &[u8]) -> Vec<String> {
    let m: Value = serde_json::from_slice(manifest).expect("manifest is JSON");
    m["roots"]
        .as_array()
        .expect("roots")
        .iter()
        .map(|r| r.as_str().expect("root").to_string())
        .collect()
}

fn under(path: &str, root: &str) -> bool {
    path == root || path.starts_with(&format!("{root}/"))
}

/// Each manifest claims exactly what its form ships: every shipped path lies under a root (OPA
/// refuses the bundle otherwise) and every root covers something shipped (a root with nothing
/// under it would still block every other bundle from that path).
#[test]
fn each_manifest_claims_exactly_the_roots_its_bundle_ships() {
    let out = example();
    let (tarball, directory) = bundle_forms(&out);
    for (form, files) in [("bundle.tar.gz", &tarball), ("bundle/", &directory)] {
        let roots = roots(&files[".manifest"]);
        let shipped = shipped_paths(files);
        for path in &shipped {
            assert!(
                roots.iter().any(|r| under(path, r)),
                "{form}: {path} is under no root {roots:?}"
            );
        }
        for root in &roots {
            assert!(
                shipped.iter().any(|p| under(p, root)),
                "{form}: root {root} covers nothing it ships"
            );
        }
    }
    // The tarball holds no test, and claims no test package.
    assert!(tarball.keys().all(|p| !p.ends_with("_test.rego")));
    assert!(
        roots(&tarball[".manifest"]).iter().all(|r| !r.contains("tests")),
        "{:?}",
        roots(&tarball[".manifest"])
    );
    assert!(roots(&directory[".manifest"]).iter().any(|r| r.ends_with("_test")));
}

/// `revision` is the hash of the form's own files: the directory (with tests) and the tarball
/// differ, and each is the SHA-256 over its files' paths and contents, the manifest aside.
#[test]
fn each_bundle_form_has_the_revision_of_its_own_content() {
    use sha2::{Digest, Sha256};
    let out = example();
    let (tarball, directory) = bundle_forms(&out);
    let revision = |files: &BTreeMap<String, Vec<u8>>| -> (String, String) {
        let m: Value = serde_json::from_slice(&files[".manifest"]).expect("JSON");
        let mut h = Sha256::new();
        for (path, content) in files.iter().filter(|(p, _)| *p != ".manifest") {
            h.update((path.len() as u64).to_be_bytes());
            h.update(path.as_bytes());
            h.update((content.len() as u64).to_be_bytes());
            h.update(content);
        }
        let hash: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        (m["revision"].as_str().expect("revision").to_string(), hash)
    };
    let (tar_revision, tar_hash) = revision(&tarball);
    let (dir_revision, dir_hash) = revision(&directory);
    assert_eq!(tar_revision, tar_hash);
    assert_eq!(dir_revision, dir_hash);
    assert_ne!(tar_revision, dir_revision);
}

#[test]
fn opa_config_sets_a_mask_only_when_there_are_mask_rules() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        tmp.path().join("p.gov"),
        "package p\nimport std.ai.{Dataset}\npolicy encrypted {\n  subject d: Dataset\n  deny \"x\" when not d.encryption.at_rest\n}\n",
    )
    .expect("write");
    let out = common::build_project(tmp.path());
    assert!(!out.bundle.has_mask());
    let config: Value = yaml_serde::from_slice(&out.tree.files["opa/config.yaml"]).expect("YAML");
    assert!(config["decision_logs"].get("mask_decision").is_none(), "{config}");
    assert_eq!(config["decision_logs"]["console"], true);
    assert!(roots(&out.bundle.files[".manifest"]).iter().all(|r| r != "govc/log"));
    // The example has `@sensitive` fields: the mask is configured, at govc's own path.
    let config: Value = yaml_serde::from_slice(&example().tree.files["opa/config.yaml"]).expect("YAML");
    assert_eq!(config["decision_logs"]["mask_decision"], "/govc/log/mask");
}

// ------------------------------------------------------------------------------ audit policy

/// An API request as the audit policy sees it (`authorizer.Attributes`).
struct Request<'a> {
    user: &'a str,
    groups: &'a [&'a str],
    verb: &'a str,
    /// `Some((group, resource, subresource, namespace, name))` for a resource request, `None`
    /// for a non-resource one (then `path` is used).
    resource: Option<(&'a str, &'a str, &'a str, &'a str, &'a str)>,
    path: &'a str,
}

impl<'a> Request<'a> {
    /// An authenticated user's request for `(group, resource, subresource, namespace, name)`.
    fn resource(user: &'a str, verb: &'a str, resource: (&'a str, &'a str, &'a str, &'a str, &'a str)) -> Self {
        Request {
            user,
            groups: &["system:authenticated"],
            verb,
            resource: Some(resource),
            path: "",
        }
    }

    /// An authenticated user's request for a non-resource URL.
    fn url(user: &'a str, verb: &'a str, path: &'a str) -> Self {
        Request {
            user,
            groups: &["system:authenticated"],
            verb,
            resource: None,
            path,
        }
    }
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Whether an audit rule matches a request: Kubernetes' `ruleMatches` (k8s.io/apiserver,
/// pkg/audit/policy/checker.go), transcribed.
fn rule_matches(rule: &Value, r: &Request<'_>) -> bool {
    let users = strings(&rule["users"]);
    if !users.is_empty() && !users.contains(&r.user) {
        return false;
    }
    let groups = strings(&rule["userGroups"]);
    if !groups.is_empty() && !groups.iter().any(|g| r.groups.contains(g)) {
        return false;
    }
    let verbs = strings(&rule["verbs"]);
    if !verbs.is_empty() && !verbs.contains(&r.verb) {
        return false;
    }
    let namespaces = strings(&rule["namespaces"]);
    let resources = rule["resources"].as_array().cloned().unwrap_or_default();
    if !namespaces.is_empty() || !resources.is_empty() {
        let Some((group, resource, subresource, namespace, name)) = r.resource else {
            return false;
        };
        if !namespaces.is_empty() && !namespaces.contains(&namespace) {
            return false;
        }
        if resources.is_empty() {
            return true;
        }
        let combined = if subresource.is_empty() {
            resource.to_string()
        } else {
            format!("{resource}/{subresource}")
        };
        return resources.iter().any(|gr| {
            if gr["group"].as_str().unwrap_or("") != group {
                return false;
            }
            let listed = strings(&gr["resources"]);
            if listed.is_empty() {
                return true;
            }
            let names = strings(&gr["resourceNames"]);
            (names.is_empty() || names.contains(&name))
                && listed.iter().any(|res| {
                    *res == combined
                        || *res == "*"
                        || (!subresource.is_empty() && res.strip_prefix("*/") == Some(subresource))
                        || res.strip_suffix("/*") == Some(resource)
                })
        });
    }
    let urls = strings(&rule["nonResourceURLs"]);
    if !urls.is_empty() {
        return r.resource.is_none()
            && urls.iter().any(|spec| {
                *spec == "*" || *spec == r.path || spec.strip_suffix('*').is_some_and(|p| r.path.starts_with(p))
            });
    }
    true
}

/// The level and omitted stages of the first matching rule (`None` when no rule matches), with
/// the policy-wide `omitStages` added, as the API server's policy checker does.
fn audit(policy: &Value, r: &Request<'_>) -> (String, Vec<String>) {
    let mut omit: Vec<String> = strings(&policy["omitStages"]).iter().map(|s| s.to_string()).collect();
    for rule in policy["rules"].as_array().expect("rules") {
        if rule_matches(rule, r) {
            omit.extend(strings(&rule["omitStages"]).iter().map(|s| s.to_string()));
            omit.sort();
            omit.dedup();
            return (rule["level"].as_str().expect("level").to_string(), omit);
        }
    }
    ("None".to_string(), Vec::new())
}

#[test]
fn audit_rules_merged_into_a_cluster_policy_keep_its_other_auditing() {
    let out = example();
    let ours: Value = yaml_serde::from_slice(&out.tree.files["k8s/audit/policy.yaml"]).expect("YAML");
    let cluster_text =
        std::fs::read_to_string(common::root().join("tests/k8s/cluster-audit-policy.yaml")).expect("sample policy");
    let cluster: Value = yaml_serde::from_str(&cluster_text).expect("YAML");
    // The merge docs/deploy.md describes: govc's rules first, then the cluster's.
    let mut merged = cluster.clone();
    let mut rules = ours["rules"].as_array().expect("rules").clone();
    rules.extend(cluster["rules"].as_array().expect("rules").iter().cloned());
    merged["rules"] = Value::Array(rules);

    let governed = |verb| Request::resource("ana", verb, ("ai.acme.com", "modeldeployments", "", "ml-prod", "churn"));
    let others = [
        Request::resource("ana", "create", ("", "pods", "", "default", "web")),
        Request::resource("ana", "get", ("", "pods", "log", "default", "web")),
        Request::resource(
            "kcm",
            "update",
            ("", "configmaps", "", "kube-system", "controller-leader"),
        ),
        Request::resource("system:kube-proxy", "watch", ("", "endpoints", "", "", "")),
        Request::url("ana", "get", "/api/v1"),
        Request::resource("ana", "create", ("", "configmaps", "", "kube-system", "cfg")),
        Request::resource("ana", "get", ("", "secrets", "", "default", "token")),
        Request::resource("ana", "patch", ("apps", "deployments", "", "default", "web")),
        Request::url("ana", "get", "/healthz"),
        // A governed resource under a verb govc does not audit falls through to the cluster's rules.
        Request::resource("ana", "proxy", ("ai.acme.com", "modeldeployments", "", "ml-prod", "x")),
    ];
    let mut levels = Vec::new();
    for r in &others {
        let before = audit(&cluster, r);
        assert_eq!(audit(&merged, r), before, "{} {:?} {}", r.verb, r.resource, r.path);
        levels.push(before.0);
    }
    // The sample policy audits these at every level it has: the check above covers each kind of rule.
    for level in ["None", "Metadata", "Request", "RequestResponse"] {
        assert!(
            levels.iter().any(|l| l == level),
            "no request audited at {level}: {levels:?}"
        );
    }
    // The governed resources get govc's levels: bodies for writes, metadata for reads.
    assert_eq!(audit(&merged, &governed("create")).0, "RequestResponse");
    assert_eq!(audit(&merged, &governed("delete")).0, "RequestResponse");
    assert_eq!(audit(&merged, &governed("list")).0, "Metadata");
    assert_eq!(audit(&merged, &governed("get")).1, ["RequestReceived"]);
    // Alone, the rules audit the governed resources and nothing else.
    assert_eq!(audit(&ours, &governed("update")).0, "RequestResponse");
    assert_eq!(
        audit(&ours, &governed("update")).1,
        ["RequestReceived"],
        "each rule carries its omitStages"
    );
    for r in &others[..9] {
        assert_eq!(audit(&ours, r).0, "None");
    }
}
