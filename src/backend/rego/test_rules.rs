//! `.gov` tests as Rego tests (`test_…` rules), so `opa test` runs exactly what `govc test` runs.

use super::expr::{indent_lines, Emitter};
use super::names;
use super::runtime;
use super::syntax::{comment, package_ref, string_literal};
use super::{overrides_path, Target};
use crate::ir::ExpectKind;
use crate::ir::{Expectation, TestSuite};

/// The Rego source of a module's tests.
pub fn emit_test_suite(suite: &TestSuite, target: &Target) -> String {
    let mut out = target.module_head(&suite.package);
    let mut em = Emitter::new(target);
    for test in &suite.tests {
        out.push('\n');
        out.push_str(&comment(&test.name, ""));
        let mut body = Vec::new();
        for (var, value) in &test.lets {
            body.push(format!("{} := {}", names::var(var), em.term(value).text));
        }
        for (i, x) in test.expectations.iter().enumerate() {
            if !x.inventory.is_empty() {
                // Bound first: the objects keyed as Gatekeeper keeps them.
                body.push(format!("_inventory_{i} := {}", inventory_term(&mut em, x)));
            }
            body.push(expectation_statement(&mut em, x, &format!("_inventory_{i}")));
        }
        out.push_str(&format!("{} if {{\n{}}}\n", test.rule, indent_lines(&body)));
    }
    let helpers = em.take_used_helpers(&out);
    if !helpers.is_empty() {
        out.push_str("\n# Helpers.\n\n");
        out.push_str(&helpers.join("\n"));
    }
    out
}

/// The `data.inventory` an expectation gives the policy (see [`super::inventory_document`]).
pub fn inventory_term(em: &mut Emitter<'_>, x: &Expectation) -> String {
    let given: Vec<_> = x
        .inventory
        .iter()
        .map(|(kind, list)| (kind.clone(), em.term(list).text))
        .collect();
    super::inventory_document(&given)
}

/// One expectation as a statement evaluated `with` the subject as input, and the inventory bound
/// to `inventory` when it gives one.
pub fn expectation_statement(em: &mut Emitter<'_>, x: &Expectation, inventory: &str) -> String {
    let policy = package_ref(&x.policy);
    let check = expectation_check(x, &policy);
    let mut stmt = format!("{check} with input as {}", em.term(&x.subject).text);
    if !x.overrides.is_empty() {
        let fields: Vec<String> = x
            .overrides
            .iter()
            .map(|(k, v)| format!("{}: {}", string_literal(k), em.term(v).text))
            .collect();
        stmt.push_str(&format!(
            " with {} as {{{}}}",
            package_ref(&overrides_path(&x.policy)),
            fields.join(", ")
        ));
    }
    if let Some(at) = &x.at {
        stmt.push_str(&format!(" with {} as {}", runtime::CLOCK_DATA, em.term(at).text));
    }
    if let Some(request) = &x.request {
        stmt.push_str(&format!(" with {} as {}", super::REQUEST_DATA, em.term(request).text));
    }
    if !x.inventory.is_empty() {
        stmt.push_str(&format!(" with {} as {inventory}", super::INVENTORY_DATA));
    }
    stmt
}

/// What an expectation asserts about the policy's decision (LANGUAGE.md §7).
fn expectation_check(x: &Expectation, policy: &str) -> String {
    match (x.kind, &x.message) {
        (ExpectKind::Passes, _) => format!("count({policy}.deny) == 0"),
        (ExpectKind::Denied, Some(m)) => format!("{} in {policy}.deny", string_literal(m)),
        (ExpectKind::Denied, None) if x.policy_has_allow => format!("not {policy}.allow"),
        (ExpectKind::Denied, None) => format!("count({policy}.deny) > 0"),
        (ExpectKind::Warned, Some(m)) => format!("{} in {policy}.warn", string_literal(m)),
        (ExpectKind::Warned, None) => format!("count({policy}.warn) > 0"),
        (ExpectKind::Allowed, _) => format!("{policy}.allow"),
        (ExpectKind::Rejected, _) => format!("count({policy}._malformed) > 0"),
    }
}
