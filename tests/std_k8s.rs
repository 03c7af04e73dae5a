//! `std.k8s`'s Kubernetes kinds are generated (src/stdlib_gen/k8s_api.rs) from the vendored OpenAPI
//! definitions (tests/vendor/kubernetes/definitions.json): regenerating gives the file byte for
//! byte, and the subset is exactly what the generator reads.

use govc::stdlib_gen::k8s_api::{generate, subset_text, OUTPUT, SUBSET};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn vendored() -> serde_json::Value {
    let text = std::fs::read_to_string(root().join(SUBSET)).expect("the vendored definitions");
    serde_json::from_str(&text).expect("JSON")
}

#[test]
fn std_k8s_regenerates_byte_for_byte() {
    let generated = generate(&vendored(), "v1.37.0").expect("generates");
    let committed = std::fs::read_to_string(root().join(OUTPUT)).expect("the generated file");
    assert!(
        generated.source == committed,
        "{OUTPUT} differs from what the generator writes: run `cargo run --example gen-std-k8s -- .../v1.37.0-local/_definitions.json`"
    );
}

#[test]
fn the_vendored_subset_is_what_the_generator_reads() {
    let defs = vendored();
    let generated = generate(&defs, "v1.37.0").expect("generates");
    let text = std::fs::read_to_string(root().join(SUBSET)).expect("the vendored definitions");
    assert_eq!(subset_text(&generated.subset), text);
}

#[test]
fn the_kinds_are_external_resources_with_their_real_groups() {
    let source = generate(&vendored(), "v1.37.0").expect("generates").source;
    for (kind, group) in [
        ("Pod", ""),
        ("Deployment", "apps"),
        ("CronJob", "batch"),
        ("Ingress", "networking.k8s.io"),
        ("ClusterRoleBinding", "rbac.authorization.k8s.io"),
    ] {
        let head = format!("resource {kind} {{\n  external");
        let start = source.find(&head).unwrap_or_else(|| panic!("no `{head}`"));
        let settings = &source[start..start + 200];
        assert!(
            settings.contains(&format!(" = \"{group}\"\n")) && settings.contains("  group "),
            "{kind} is not in group `{group}`: {settings}"
        );
    }
    // The kinds that make Pods say where their pod template is.
    for (kind, path) in [
        ("Pod", "."),
        ("Deployment", "spec.template"),
        ("CronJob", "spec.jobTemplate.spec.template"),
    ] {
        let start = source.find(&format!("resource {kind} {{")).expect("declared");
        assert!(
            source[start..start + 300].contains(&format!("  pod_template = \"{path}\"\n")),
            "{kind}"
        );
    }
    // OpenAPI's shapes, faithfully: required and optional fields, maps, int-or-string,
    // timestamps, documentation.
    for line in [
        "  name: string\n",
        "  securityContext?: SecurityContext\n",
        "  nodeSelector?: {string: string}\n",
        "  port: int_or_string\n",
        "  limits?: {string: string}\n",
        "  creationTimestamp?: timestamp\n",
        "  /// Run container in privileged mode. Processes in privileged containers are essentially equivalent to root on the host. Defaults to false. Note that this field cannot be set when spec.os.name is windows.\n  privileged?: bool\n",
    ] {
        assert!(source.contains(line), "no `{line}`");
    }
}
