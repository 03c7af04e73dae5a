//! The CEL target: the example's ValidatingAdmissionPolicies, bindings and parameters as a
//! cluster operator reads them (one snapshot per file), the engine setting, and the constructs
//! that have no faithful CEL translation (E0504). What the VAPs decide is checked on Google's CEL
//! runtime against OPA by `tests/cel/vap_differential.py` (scripts/test.sh).

mod common;

use std::collections::BTreeMap;
use std::path::Path;

/// The CEL target's files of a project, or the problems `govc check` reports for it.
fn vap_files(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let analysis = govc::driver::project::analyze(govc::driver::project::load(dir).expect("the project loads"));
    assert!(!analysis.has_errors(), "{} has front-end errors", dir.display());
    govc::backend::cel::build(&analysis.lower())
}

fn project(source: &str) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("main.gov"), source).expect("writable");
    vap_files(dir.path())
}

/// Snapshots the files of an example's CEL target (`snapshots/cel/<prefix><path>`) whose path
/// names one of `snapshotted` (all with `&[""]`), after checking that they are the files listed.
fn snapshot_vaps(example: &str, prefix: &str, expected: &[&str], snapshotted: &[&str]) {
    let files = vap_files(&common::root().join("examples").join(example)).expect("the example's VAPs build");
    let paths: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(paths, expected);
    for (path, bytes) in &files {
        if !snapshotted.iter().any(|s| path.contains(s)) {
            continue;
        }
        let text = String::from_utf8(bytes.clone()).expect("UTF-8");
        let name = format!("{prefix}{}", path.trim_end_matches(".yaml").replace('/', "__"));
        insta::with_settings!({
            snapshot_path => "snapshots/cel",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("k8s/{path} of examples/{example}"),
        }, {
            insta::assert_snapshot!(name, text);
        });
    }
}

#[test]
fn example_vaps() {
    snapshot_vaps(
        "ai-governance",
        "",
        &[
            "vap/bindings/accountable-owner.yaml",
            "vap/bindings/high-risk-approval.yaml",
            "vap/bindings/no-unencrypted-pii.yaml",
            "vap/bindings/retention-limit-warn.yaml",
            "vap/bindings/retention-limit.yaml",
            "vap/bindings/trusted-sources.yaml",
            "vap/params/crds/retentionlimitparams.params.govc.dev.yaml",
            "vap/params/crds/trustedsourcesparams.params.govc.dev.yaml",
            "vap/params/defaults/retention-limit.yaml",
            "vap/params/defaults/trusted-sources.yaml",
            "vap/policies/accountable-owner.yaml",
            "vap/policies/high-risk-approval.yaml",
            "vap/policies/no-unencrypted-pii.yaml",
            "vap/policies/retention-limit-warn.yaml",
            "vap/policies/retention-limit.yaml",
            "vap/policies/trusted-sources.yaml",
        ],
        &[""],
    );
}

/// Core kinds (apiGroups `""`, `apps`, `batch`, `networking.k8s.io`) and policies on
/// `std.k8s.Workload`, whose pod is read from the object by kind.
#[test]
fn k8s_baseline_vaps() {
    snapshot_vaps(
        "k8s-baseline",
        "k8s_baseline__",
        &[
            "vap/bindings/host-namespaces-warn.yaml",
            "vap/bindings/host-namespaces.yaml",
            "vap/bindings/k8s-allowed-repos.yaml",
            "vap/bindings/k8s-allowed-reposv2.yaml",
            "vap/bindings/k8s-block-endpoint-edit-default-role.yaml",
            "vap/bindings/k8s-block-load-balancer.yaml",
            "vap/bindings/k8s-block-node-port.yaml",
            "vap/bindings/k8s-block-wildcard-ingress.yaml",
            "vap/bindings/k8s-container-ephemeral-storage-limit.yaml",
            "vap/bindings/k8s-container-limits.yaml",
            "vap/bindings/k8s-container-requests.yaml",
            "vap/bindings/k8s-disallow-anonymous.yaml",
            "vap/bindings/k8s-disallow-interactive-tty.yaml",
            "vap/bindings/k8s-disallowed-repos.yaml",
            "vap/bindings/k8s-disallowed-tags.yaml",
            "vap/bindings/k8s-https-only.yaml",
            "vap/bindings/k8s-image-digests.yaml",
            "vap/bindings/k8s-psp-allow-privilege-escalation-container.yaml",
            "vap/bindings/k8s-psp-app-armor.yaml",
            "vap/bindings/k8s-psp-automount-service-account-token-pod.yaml",
            "vap/bindings/k8s-psp-flex-volumes.yaml",
            "vap/bindings/k8s-psp-forbidden-sysctls.yaml",
            "vap/bindings/k8s-psp-fs-group.yaml",
            "vap/bindings/k8s-psp-host-namespace.yaml",
            "vap/bindings/k8s-psp-host-networking-ports.yaml",
            "vap/bindings/k8s-psp-host-probes-lifecycle.yaml",
            "vap/bindings/k8s-psp-host-process.yaml",
            "vap/bindings/k8s-psp-privileged-container.yaml",
            "vap/bindings/k8s-psp-read-only-root-filesystem.yaml",
            "vap/bindings/k8s-psp-seccomp-v2.yaml",
            "vap/bindings/k8s-psp-selinux-v2.yaml",
            "vap/bindings/k8s-psp-volume-types.yaml",
            "vap/bindings/k8s-replica-limits.yaml",
            "vap/bindings/k8s-required-annotations.yaml",
            "vap/bindings/k8s-required-labels.yaml",
            "vap/bindings/k8s-required-probes.yaml",
            "vap/bindings/k8s-required-resources.yaml",
            "vap/bindings/ml-serving-deployments.yaml",
            "vap/bindings/no-update-service-account.yaml",
            "vap/params/crds/k8sallowedreposparams.params.govc.dev.yaml",
            "vap/params/crds/k8sallowedreposv2params.params.govc.dev.yaml",
            "vap/params/crds/k8scontainerephemeralstoragelimitparams.params.govc.dev.yaml",
            "vap/params/crds/k8scontainerlimitsparams.params.govc.dev.yaml",
            "vap/params/crds/k8scontainerrequestsparams.params.govc.dev.yaml",
            "vap/params/crds/k8sdisallowanonymousparams.params.govc.dev.yaml",
            "vap/params/crds/k8sdisallowedreposparams.params.govc.dev.yaml",
            "vap/params/crds/k8sdisallowedtagsparams.params.govc.dev.yaml",
            "vap/params/crds/k8sdisallowinteractivettyparams.params.govc.dev.yaml",
            "vap/params/crds/k8shttpsonlyparams.params.govc.dev.yaml",
            "vap/params/crds/k8simagedigestsparams.params.govc.dev.yaml",
            "vap/params/crds/k8spspallowprivilegeescalationcontainerparams.params.govc.dev.yaml",
            "vap/params/crds/k8spspapparmorparams.params.govc.dev.yaml",
            "vap/params/crds/k8spspflexvolumesparams.params.govc.dev.yaml",
            "vap/params/crds/k8spspforbiddensysctlsparams.params.govc.dev.yaml",
            "vap/params/crds/k8spspfsgroupparams.params.govc.dev.yaml",
            "vap/params/crds/k8spsphostnetworkingportsparams.params.govc.dev.yaml",
            "vap/params/crds/k8spsphostprobeslifecycleparams.params.govc.dev.yaml",
            "vap/params/crds/k8spsphostprocessparams.params.govc.dev.yaml",
            "vap/params/crds/k8spspprivilegedcontainerparams.params.govc.dev.yaml",
            "vap/params/crds/k8spspreadonlyrootfilesystemparams.params.govc.dev.yaml",
            "vap/params/crds/k8spspseccompv2params.params.govc.dev.yaml",
            "vap/params/crds/k8spspselinuxv2params.params.govc.dev.yaml",
            "vap/params/crds/k8spspvolumetypesparams.params.govc.dev.yaml",
            "vap/params/crds/k8sreplicalimitsparams.params.govc.dev.yaml",
            "vap/params/crds/k8srequiredannotationsparams.params.govc.dev.yaml",
            "vap/params/crds/k8srequiredlabelsparams.params.govc.dev.yaml",
            "vap/params/crds/k8srequiredprobesparams.params.govc.dev.yaml",
            "vap/params/crds/k8srequiredresourcesparams.params.govc.dev.yaml",
            "vap/params/crds/mlservingdeploymentsparams.params.govc.dev.yaml",
            "vap/params/crds/noupdateserviceaccountparams.params.govc.dev.yaml",
            "vap/params/defaults/k8s-allowed-repos.yaml",
            "vap/params/defaults/k8s-allowed-reposv2.yaml",
            "vap/params/defaults/k8s-container-ephemeral-storage-limit.yaml",
            "vap/params/defaults/k8s-container-limits.yaml",
            "vap/params/defaults/k8s-container-requests.yaml",
            "vap/params/defaults/k8s-disallow-anonymous.yaml",
            "vap/params/defaults/k8s-disallow-interactive-tty.yaml",
            "vap/params/defaults/k8s-disallowed-repos.yaml",
            "vap/params/defaults/k8s-disallowed-tags.yaml",
            "vap/params/defaults/k8s-https-only.yaml",
            "vap/params/defaults/k8s-image-digests.yaml",
            "vap/params/defaults/k8s-psp-allow-privilege-escalation-container.yaml",
            "vap/params/defaults/k8s-psp-app-armor.yaml",
            "vap/params/defaults/k8s-psp-flex-volumes.yaml",
            "vap/params/defaults/k8s-psp-forbidden-sysctls.yaml",
            "vap/params/defaults/k8s-psp-fs-group.yaml",
            "vap/params/defaults/k8s-psp-host-networking-ports.yaml",
            "vap/params/defaults/k8s-psp-host-probes-lifecycle.yaml",
            "vap/params/defaults/k8s-psp-host-process.yaml",
            "vap/params/defaults/k8s-psp-privileged-container.yaml",
            "vap/params/defaults/k8s-psp-read-only-root-filesystem.yaml",
            "vap/params/defaults/k8s-psp-seccomp-v2.yaml",
            "vap/params/defaults/k8s-psp-selinux-v2.yaml",
            "vap/params/defaults/k8s-psp-volume-types.yaml",
            "vap/params/defaults/k8s-replica-limits.yaml",
            "vap/params/defaults/k8s-required-annotations.yaml",
            "vap/params/defaults/k8s-required-labels.yaml",
            "vap/params/defaults/k8s-required-probes.yaml",
            "vap/params/defaults/k8s-required-resources.yaml",
            "vap/params/defaults/ml-serving-deployments.yaml",
            "vap/params/defaults/no-update-service-account.yaml",
            "vap/policies/host-namespaces-warn.yaml",
            "vap/policies/host-namespaces.yaml",
            "vap/policies/k8s-allowed-repos.yaml",
            "vap/policies/k8s-allowed-reposv2.yaml",
            "vap/policies/k8s-block-endpoint-edit-default-role.yaml",
            "vap/policies/k8s-block-load-balancer.yaml",
            "vap/policies/k8s-block-node-port.yaml",
            "vap/policies/k8s-block-wildcard-ingress.yaml",
            "vap/policies/k8s-container-ephemeral-storage-limit.yaml",
            "vap/policies/k8s-container-limits.yaml",
            "vap/policies/k8s-container-requests.yaml",
            "vap/policies/k8s-disallow-anonymous.yaml",
            "vap/policies/k8s-disallow-interactive-tty.yaml",
            "vap/policies/k8s-disallowed-repos.yaml",
            "vap/policies/k8s-disallowed-tags.yaml",
            "vap/policies/k8s-https-only.yaml",
            "vap/policies/k8s-image-digests.yaml",
            "vap/policies/k8s-psp-allow-privilege-escalation-container.yaml",
            "vap/policies/k8s-psp-app-armor.yaml",
            "vap/policies/k8s-psp-automount-service-account-token-pod.yaml",
            "vap/policies/k8s-psp-flex-volumes.yaml",
            "vap/policies/k8s-psp-forbidden-sysctls.yaml",
            "vap/policies/k8s-psp-fs-group.yaml",
            "vap/policies/k8s-psp-host-namespace.yaml",
            "vap/policies/k8s-psp-host-networking-ports.yaml",
            "vap/policies/k8s-psp-host-probes-lifecycle.yaml",
            "vap/policies/k8s-psp-host-process.yaml",
            "vap/policies/k8s-psp-privileged-container.yaml",
            "vap/policies/k8s-psp-read-only-root-filesystem.yaml",
            "vap/policies/k8s-psp-seccomp-v2.yaml",
            "vap/policies/k8s-psp-selinux-v2.yaml",
            "vap/policies/k8s-psp-volume-types.yaml",
            "vap/policies/k8s-replica-limits.yaml",
            "vap/policies/k8s-required-annotations.yaml",
            "vap/policies/k8s-required-labels.yaml",
            "vap/policies/k8s-required-probes.yaml",
            "vap/policies/k8s-required-resources.yaml",
            "vap/policies/ml-serving-deployments.yaml",
            "vap/policies/no-update-service-account.yaml",
        ],
        // The library's policies (engine = both) are judged on the CEL runtime case by case
        // (tests/cel/vap_peer_library.py); two of them are shown here: a workload's containers
        // with parameters, and a kind of `networking.k8s.io` (resource `ingresses`).
        &[
            "host-namespaces",
            "ml-serving-deployments",
            "k8s-psp-host-networking-ports",
            "k8s-https-only",
        ],
    );
}

const HEADER: &str = r#"package acme.t
type Spec { owner: string, tags: [string], score: float, since?: timestamp, n: int }
resource Thing { group = "acme.example.com", version = "v1", scope = cluster, spec: Spec }
"#;

fn with_policy(body: &str, engine: &str) -> String {
    format!(
        "{HEADER}policy p {{\n  subject t: Thing\n  {body}\n}}\nenforce p {{ admission {{ kinds = [\"acme.example.com/Thing\"], engine = {engine} }} }}\n"
    )
}

#[test]
fn constructs_without_a_faithful_translation_are_named() {
    for (body, construct) in [
        ("deny \"x\" when t.spec.score * 2.0 > 1.0", "float arithmetic"),
        (
            "deny \"x\" when has t.spec.since and days_since(t.spec.since) > 3",
            "`days_since`",
        ),
        ("deny \"x\" when lower(t.spec.owner) == \"x\"", "`lower`"),
        (
            "deny \"x\" when quantity(t.spec.owner) > t.spec.score",
            "a quantity compared with a number other than an int literal",
        ),
        (
            "deny \"score {t.spec.score}\" when t.spec.score > 1.0",
            "a float interpolated into a message",
        ),
        (
            "deny \"x\" when all a in t.spec.tags: all b in t.spec.tags: all c in t.spec.tags: a != c or b != c",
            "3 nested quantifiers",
        ),
        (
            "deny \"x\" when count(union(t.spec.tags, [\"a\"])) > 2",
            "`union` outside `in`, `some`, `all` and `any`",
        ),
        (
            "deny \"x {i}\" when { some i, tag in t.spec.tags\n tag == \"\" }",
            "iteration over a list's indices",
        ),
        (
            "deny \"x\" when glob(t.spec.owner, \"acme\")",
            "`glob` with a pattern computed at run time",
        ),
        (
            "deny \"x\" when join(fields(t.spec), \",\") == \"\"",
            "`fields` outside `in`, `some`, `all`, `any` and `count`",
        ),
        (
            "deny \"x\" when count([f for f in fields(t.spec)]) > 9",
            "a comprehension over `fields`",
        ),
    ] {
        let err = project(&with_policy(body, "cel")).expect_err(body);
        assert!(err.starts_with(construct), "{body}: {err}");
        // With Gatekeeper alone, nothing is asked of CEL.
        assert!(project(&with_policy(body, "gatekeeper")).expect("builds").is_empty());
    }
}

#[test]
fn what_translates() {
    let body = r#"let owner = t.spec.owner
  deny "{owner} has tag {tag}" when {
    count(t.spec.tags) > 1
    some tag in t.spec.tags
    startswith(tag, "x-") or endswith(tag, "-x") or contains(tag, "--") or matches(tag, r"^[0-9]+$")
    not tag in ["x-ok"]
  }
  warn "{owner} scores {t.spec.n}" when t.spec.n >= 3 and t.spec.score < 0.5 and any s in t.spec.tags: s == owner"#;
    let files = project(&with_policy(body, "both")).expect("translates");
    let policy = String::from_utf8(files["vap/policies/p.yaml"].clone()).expect("UTF-8");
    assert!(policy.contains(r#"t.spec.tags.filter(tag, "#) || policy.contains("object.spec.tags.filter(tag, "));
    assert!(files.contains_key("vap/policies/p-warn.yaml"));
    assert!(files.contains_key("vap/bindings/p-warn.yaml"));
}

#[test]
fn namespace_patterns_have_no_binding_form() {
    let source = format!(
        "{HEADER}policy p {{\n  subject t: Thing\n  deny \"x\" when t.spec.owner == \"\"\n}}\n\
         enforce p {{ admission {{ kinds = [\"acme.example.com/Thing\"], excluded_namespaces = [\"kube-*\"], engine = cel }} }}\n"
    );
    let err = project(&source).expect_err("a pattern");
    assert!(err.contains("`kube-*`"), "{err}");
}
