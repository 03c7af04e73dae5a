//! Snapshots of the Rego generated for the example, one per file: a review of what an OPA user
//! would see in a pull request. Execution by real engines is in `conformance.rs` and CI.

mod common;

#[test]
fn example_rego() {
    let out = common::build_project(&common::root().join("examples/ai-governance"));
    for (path, content) in out.bundle.files.iter().chain(&out.bundle.tests) {
        let name = format!("ai_governance__{}", path.replace(['/', '.'], "_"));
        insta::with_settings!({
            snapshot_path => "snapshots/rego",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("bundle/{path}"),
        }, {
            insta::assert_snapshot!(name, String::from_utf8_lossy(content));
        });
    }
}
