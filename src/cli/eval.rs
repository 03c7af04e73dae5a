//! `govc eval --policy a.b.p --input FILE [DIR]`: one document's decision as JSON.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    #[command(flatten)]
    pub project: super::ProjectArg,
    /// The policy, as its Rego package: `package.policy_name`.
    #[arg(long)]
    pub policy: String,
    /// The document: a JSON or YAML file, or `-` for standard input.
    #[arg(long)]
    pub input: PathBuf,
}

pub fn run(args: EvalArgs) -> ExitCode {
    let input = match read_document(&args.input) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(super::EXIT_USAGE);
        }
    };
    let analysis = match super::analyze_checked(&args.project.dir, super::Warnings::Hide) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let output = match crate::build::build(&analysis, &crate::build::BuildOptions::for_project(&args.project.dir)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Some(policy) = output.ir.policies.iter().find(|p| p.dotted() == args.policy) else {
        let known: Vec<String> = output.ir.policies.iter().map(|p| p.dotted()).collect();
        eprintln!("error: no policy `{}` in the project", args.policy);
        if let Some(s) = crate::diagnostic::suggest::closest(&args.policy, known.iter().map(String::as_str)) {
            eprintln!("help: did you mean `{s}`?");
        } else {
            eprintln!("help: the policies are: {}", known.join(", "));
        }
        return ExitCode::from(super::EXIT_USAGE);
    };
    let engine = match crate::engine::PolicyEngine::load(&output.bundle, false) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let decision = match engine.decide(&policy.package, &input, None) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let json = serde_json::to_string_pretty(&decision).expect("decisions always serialize");
    println!("{json}");
    if decision.deny.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Reads a JSON or YAML document from a file or standard input.
fn read_document(path: &std::path::Path) -> Result<serde_json::Value, String> {
    let mut text = String::new();
    let name = if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        "standard input".to_string()
    } else {
        text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        format!("`{}`", path.display())
    };
    crate::document::parse(&text).map_err(|e| format!("{name} {e}"))
}
