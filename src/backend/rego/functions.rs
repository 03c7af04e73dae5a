//! A module's functions as a Rego package.

use super::expr::{indent_lines, Emitter};
use super::names;
use super::syntax::comment;
use super::Target;
use crate::ir::FnModule;

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
            let body = em.cond(&f.body);
            out.push_str(&format!(
                "{head} := true if {{\n{}}} else := false\n",
                indent_lines(&body)
            ));
        } else {
            out.push_str(&format!("{head} := {}\n", em.term(&f.body).text));
        }
    }
    if !em.helpers.is_empty() {
        out.push_str("\n# Helpers.\n\n");
        out.push_str(&em.helpers.join("\n"));
    }
    out
}
