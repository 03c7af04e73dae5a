//! A module's functions as a Rego package.

use super::expr::{failures_fn, indent_lines, without_redundant, Emitter, FailedWhat};
use super::names;
use super::syntax::comment;
use super::syntax::string_literal;
use super::Target;
use crate::ir::{FnModule, Function};

/// The Rego source of the package holding a module's functions.
pub fn emit_fn_module(module: &FnModule, target: &Target) -> String {
    let mut out = String::new();
    out.push_str(&target.module_head(&target.fn_package(&module.package)));
    let mut em = Emitter::new(target);
    for f in &module.fns {
        out.push('\n');
        if let Some(doc) = &f.doc {
            out.push_str(&comment(doc, ""));
        }
        let params: Vec<String> = f.params.iter().map(names::var).collect();
        // Rego functions take at least one argument; a function of none is a rule.
        let head = if params.is_empty() {
            names::user_ident(&f.name)
        } else {
            format!("{}({})", names::user_ident(&f.name), params.join(", "))
        };
        if f.returns_bool {
            out.push_str(&em.bool_rule(&head, &f.body, |_, body| body));
        } else {
            out.push_str(&format!("{head} := {}\n", em.term(&f.body).text));
        }
        if f.can_fail {
            out.push('\n');
            out.push_str(&failures_companion(&mut em, module, f, &params));
        }
    }
    let helpers = em.take_used_helpers(&out);
    if !helpers.is_empty() {
        out.push_str("\n# Helpers.\n\n");
        out.push_str(&helpers.join("\n"));
    }
    out
}

/// The companion of a function that can fail: for the same arguments, the set of
/// `[expression, cause]` pairs of what fails in it, which the policies calling it report.
fn failures_companion(em: &mut Emitter<'_>, module: &FnModule, f: &Function, params: &[String]) -> String {
    let mut found = Vec::new();
    em.failures(&f.body, &[], &mut found);
    let where_ = format!("function {}.{}", module.package.join("."), f.name);
    let sets: Vec<String> = without_redundant(found)
        .into_iter()
        .map(|rule| {
            let mut body = rule.body();
            let var = match rule.what {
                FailedWhat::Here { text, cause } => {
                    body.push(format!(
                        "_pair := [{}, {}]",
                        string_literal(&format!("`{text}` in {where_}")),
                        string_literal(cause)
                    ));
                    "_pair".to_string()
                }
                FailedWhat::Callee { var } => var,
            };
            format!("{{{var} |\n{}}}", indent_lines(&body))
        })
        .collect();
    let name = failures_fn(&f.name);
    let head = if params.is_empty() {
        name
    } else {
        format!("{name}({})", params.join(", "))
    };
    let value = if sets.is_empty() {
        "set()".to_string()
    } else {
        sets.join(" | ")
    };
    format!(
        "# What can fail in `{}`, for the policies that call it: [expression, cause] pairs.\n{head} := {value}\n",
        f.name
    )
}
