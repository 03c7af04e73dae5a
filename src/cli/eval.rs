//! `govc eval [DIR] --policy a.b.p --input FILE [--data FILE] [--param NAME=VALUE]…`: each
//! document's decision as JSON. Exit 1 when a document is denied (a `deny` fired, or an access
//! policy did not allow it).

use super::documents;
use crate::diagnostic::suggest::closest;
use crate::ir::Policy;
use crate::runtime::engine::Decision;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    #[command(flatten)]
    pub project: super::ProjectArg,
    /// The policy, as its Rego package: `package.policy_name`.
    #[arg(long)]
    pub policy: String,
    /// The documents: a JSON file, a YAML file (a stream of `---`-separated documents is judged
    /// document by document), or `-` for standard input.
    #[arg(long)]
    pub input: PathBuf,
    /// Parameter values for this evaluation: a JSON or YAML object, by parameter name (what an
    /// operator puts at `data.govc.overrides.<policy>`).
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// One parameter value; VALUE is JSON (`10`, `true`, `["a"]`) or else a plain string. Wins
    /// over `--data`; repeat for several.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Append the decision to FILE as an OPA decision-log event (JSON lines, with the bundle's
    /// mask rules applied), for `govc audit ingest`.
    #[arg(long, value_name = "FILE")]
    pub decision_log: Option<PathBuf>,
    /// Judge as if it were this time (an RFC 3339 timestamp, `2026-03-02T10:00:00+01:00`): what
    /// `now()` and `days_since` read, instead of the clock.
    #[arg(long, value_name = "TIMESTAMP")]
    pub now: Option<String>,
    /// The admission request a policy with `request r` reads: a JSON or YAML object with
    /// `operation`, `userInfo`, `kind`, `name`, `namespace`, `dryRun`, `oldObject` (the shape of
    /// Gatekeeper's `input.review`). Without it, there is no request (`has r.operation` is false).
    #[arg(long, value_name = "FILE")]
    pub request: Option<PathBuf>,
    /// The objects of the cluster a policy's `inventory` members read: a JSON or YAML file of
    /// Kubernetes objects (YAML documents, or a JSON list), placed in `data.inventory` as
    /// Gatekeeper syncs them. Without it, every inventory is empty.
    #[arg(long, value_name = "FILE")]
    pub inventory: Option<PathBuf>,
}

pub fn run(args: EvalArgs, ctx: &super::Ctx) -> ExitCode {
    let usage = |e: String| {
        eprintln!("error: {e}");
        ExitCode::from(super::EXIT_USAGE)
    };
    let documents = match documents::read_documents(&args.input) {
        Ok(d) => d,
        Err(e) => return usage(e),
    };
    if let Some(now) = &args.now {
        if !crate::checked::is_timestamp(now) {
            return usage(format!(
                "--now `{now}` is not a timestamp: write RFC 3339 between the years 1678 and 2261, like 2026-03-02T10:00:00+01:00"
            ));
        }
    }
    let now = args.now.clone().map(Value::String);
    let mut overrides = match &args.data {
        Some(path) => match documents::read_object(path) {
            Ok(map) => map,
            Err(e) => return usage(e),
        },
        None => Map::new(),
    };
    for param in &args.params {
        match parse_param(param) {
            Ok((name, value)) => {
                overrides.insert(name, value);
            }
            Err(e) => return usage(e),
        }
    }
    let request = match &args.request {
        Some(path) => match documents::read_one(path) {
            Ok(doc) => Some(doc),
            Err(e) => return usage(e),
        },
        None => None,
    };
    let inventory_objects = match &args.inventory {
        Some(path) => match documents::read_documents(path) {
            // A JSON list of objects, or one object per document.
            Ok(docs) => Some(match docs.as_slice() {
                [Value::Array(items)] => items.clone(),
                _ => docs,
            }),
            Err(e) => return usage(e),
        },
        None => None,
    };
    let output = match super::build_checked(&args.project.dir, super::Warnings::Hide, ctx) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let Some(policy) = output.ir.policies.iter().find(|p| p.dotted() == args.policy) else {
        let known: Vec<String> = output.ir.policies.iter().map(|p| p.dotted()).collect();
        eprintln!("error: no policy `{}` in the project", args.policy);
        if let Some(s) = closest(&args.policy, known.iter().map(String::as_str)) {
            eprintln!("help: did you mean `{s}`?");
        } else {
            eprintln!("help: the policies are: {}", known.join(", "));
        }
        return ExitCode::from(super::EXIT_USAGE);
    };
    if let Err(e) = check_params(policy, &overrides) {
        return usage(e);
    }
    let engine = match crate::runtime::engine::PolicyEngine::load(&output.bundle, false) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let inventory = match inventory_objects {
        Some(objects) => {
            let kinds: Vec<_> = output
                .ir
                .policies
                .iter()
                .flat_map(|p| p.inventories.iter().map(|i| i.kind.clone()))
                .collect();
            match crate::runtime::inventory::document(&objects, &kinds) {
                Ok(doc) => Some(doc),
                Err(e) => return usage(e),
            }
        }
        None => None,
    };
    let overrides = (!overrides.is_empty()).then_some(Value::Object(overrides));
    ctx.detail(format!(
        "judging {} with `{}`",
        crate::english::count_s(documents.len(), "document"),
        policy.dotted()
    ));
    let mut refused = 0;
    for input in &documents {
        let context = crate::runtime::engine::Context {
            overrides: overrides.as_ref(),
            now: now.as_ref(),
            request: request.as_ref(),
            inventory: inventory.as_ref(),
        };
        let decision = match engine.decide_in(&policy.package, input, &context) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Some(file) = &args.decision_log {
            if let Err(e) = crate::audit::decision_log::log(file, &engine, &output.bundle, policy, input, &decision) {
                eprintln!("error: {e}");
                return ExitCode::from(super::EXIT_USAGE);
            }
        }
        let json = serde_json::to_string_pretty(&decision).expect("decisions always serialize");
        println!("{json}");
        if !admits(policy, &decision) {
            refused += 1;
        }
    }
    if documents.len() > 1 && refused > 0 {
        ctx.status(format!(
            "{} of {} refused",
            refused,
            crate::english::count_s(documents.len(), "document")
        ));
    }
    if refused == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Whether a decision lets the document through: no `deny` fired and, for an access policy (one
/// with `allow` clauses), access is allowed.
fn admits(policy: &Policy, decision: &Decision) -> bool {
    decision.deny.is_empty() && (!policy.has_allow() || decision.allow)
}

/// `NAME=VALUE`: VALUE as JSON when it is JSON, else as a string.
fn parse_param(param: &str) -> Result<(String, Value), String> {
    let Some((name, value)) = param.split_once('=') else {
        return Err(format!("`--param {param}` is not `NAME=VALUE`"));
    };
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("`--param {param}` names no parameter"));
    }
    let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
    Ok((name.to_string(), value))
}

/// Every given name must be a parameter of the policy (its type is checked by the policy itself,
/// which denies a wrong one, as it does at run time).
fn check_params(policy: &Policy, values: &Map<String, Value>) -> Result<(), String> {
    for name in values.keys() {
        if policy.params.iter().any(|p| &p.name == name) {
            continue;
        }
        let names: Vec<&str> = policy.params.iter().map(|p| p.name.as_str()).collect();
        let hint = match closest(name, names.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None if names.is_empty() => format!("`{}` has no parameters", policy.dotted()),
            None => format!("its parameters are {}", names.join(", ")),
        };
        return Err(format!(
            "policy `{}` has no parameter `{name}`\nhelp: {hint}",
            policy.dotted()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn params_are_json_or_else_strings() {
        assert_eq!(parse_param("max=10").expect("ok"), ("max".to_string(), json!(10)));
        assert_eq!(
            parse_param("prefixes=[\"s3://a/\"]").expect("ok"),
            ("prefixes".to_string(), json!(["s3://a/"]))
        );
        assert_eq!(
            parse_param("owner=alice").expect("ok"),
            ("owner".to_string(), json!("alice"))
        );
        assert_eq!(parse_param("eq=a=b").expect("ok"), ("eq".to_string(), json!("a=b")));
        assert!(parse_param("novalue").is_err());
        assert!(parse_param("=1").is_err());
    }
}
