//! Snapshots of the Rego generated for the example, one per file: a review of what an OPA user
//! would see in a pull request. Execution by real engines is in `conformance.rs` and CI.

mod common;

#[test]
fn example_rego() {
    let out = common::build_project(&common::root().join("examples/ai-governance"));
    let tarball_manifest = (
        "bundle.tar.gz/.manifest".to_string(),
        out.bundle.files[".manifest"].clone(),
    );
    let directory = out.bundle.directory();
    let files = directory
        .into_iter()
        .map(|(path, content)| (format!("bundle/{path}"), content))
        .chain([tarball_manifest]);
    for (path, content) in files {
        let name = format!(
            "ai_governance__{}",
            path.trim_start_matches("bundle/").replace(['/', '.'], "_")
        );
        insta::with_settings!({
            snapshot_path => "snapshots/rego",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => path,
        }, {
            insta::assert_snapshot!(name, String::from_utf8_lossy(&content));
        });
    }
}
