//! Hygiene: the one list of names Rego reserves, and the mapping of user names onto Rego
//! identifiers that can never collide with them.
//!
//! A `.gov` name (a `let`, a `some`/`all`/`any` variable, a function or one of its parameters, a
//! test `let`) becomes a Rego variable or rule. It must not be a Rego keyword, shadow a built-in
//! (`count`, or `object` of `object.get`), an import (`rego` of `rego.v1`), the documents `input`
//! and `data`, or a name the generated code itself uses (`msg`, `deny`, `_params`, `_cond1`, ...).
//! [`user_ident`] keeps a name as written unless it is one of those, starts or ends with `_`; such
//! a name gets a trailing `_` (`count` → `count_`, `_x` → `_x_`). The mapping is injective (only
//! mapped names end with `_`), and no generated name ends with `_` or is a plain user name (they
//! start with `_` or are reserved here), so user names and generated names never meet.

use crate::ir::Var;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Rego v1 keywords.
pub const KEYWORDS: &[&str] = &[
    "as", "contains", "default", "else", "every", "false", "if", "import", "in", "not", "null", "package", "some",
    "true", "with",
];

/// The root documents and the names the bundle imports or reserves (`rego.v1`, `future.keywords`,
/// Gatekeeper's `lib`). regorus binds the last segment of `import rego.v1` like any import:
///
/// ```rego
/// package t
/// import rego.v1
/// p contains x if { some v1 in [1]; x := v1 }   # regorus: var `v1` used before definition
/// ```
const ROOTS_AND_IMPORTS: &[&str] = &["data", "input", "rego", "v1", "future", "keywords", "lib", "system"];

/// Names the generated Rego uses for its own rules and variables without a leading underscore.
pub const GENERATED: &[&str] = &["deny", "warn", "allow", "violation", "decision", "msg"];

/// OPA's built-in functions, vendored from OPA's capabilities (see the file's header).
const OPA_BUILTINS: &str = include_str!("opa_builtins.txt");

/// OPA's built-in functions by full name (`object.get`), from the vendored list.
pub fn opa_builtins() -> impl Iterator<Item = &'static str> {
    OPA_BUILTINS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Every identifier a user name must not become: keywords, roots, imports, built-in names and the
/// first segment of dotted built-ins (`object`, `time`), and the generated names.
fn reserved() -> &'static HashSet<&'static str> {
    static RESERVED: OnceLock<HashSet<&'static str>> = OnceLock::new();
    RESERVED.get_or_init(|| {
        KEYWORDS
            .iter()
            .chain(ROOTS_AND_IMPORTS)
            .chain(GENERATED)
            .copied()
            .chain(opa_builtins().map(|b| b.split('.').next().unwrap_or(b)))
            .collect()
    })
}

/// Whether `name` is reserved in generated Rego (see the module documentation).
pub fn is_reserved(name: &str) -> bool {
    reserved().contains(name)
}

/// The Rego identifier of a user name: the name itself, or the name and `_` when it is reserved
/// or starts or ends with `_`.
pub fn user_ident(name: &str) -> String {
    if is_reserved(name) || name.starts_with('_') || name.ends_with('_') {
        format!("{name}_")
    } else {
        name.to_string()
    }
}

/// The Rego variable of a local.
pub fn var(v: &Var) -> String {
    user_ident(&v.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_names_are_mapped_and_others_kept() {
        for name in ["count", "object", "input", "msg", "as", "deny", "rego", "regex", "time"] {
            assert_eq!(user_ident(name), format!("{name}_"), "{name}");
        }
        for name in ["x", "total", "labels", "quota2"] {
            assert_eq!(user_ident(name), name);
        }
        assert_eq!(user_ident("_x"), "_x_");
        assert_eq!(user_ident("x_"), "x__");
    }

    #[test]
    fn the_mapping_is_injective_on_a_sample() {
        let names = ["x", "x_", "x__", "_x", "_x_", "count", "count_", "msg", "msg_", "_"];
        let mapped: HashSet<String> = names.iter().map(|n| user_ident(n)).collect();
        assert_eq!(mapped.len(), names.len());
        for m in &mapped {
            assert!(!is_reserved(m), "{m} is reserved");
        }
    }

    #[test]
    fn the_builtin_list_is_complete_enough_to_trust() {
        let all: Vec<&str> = opa_builtins().collect();
        assert!(all.len() > 200, "{} built-ins", all.len());
        for must in [
            "count",
            "object.get",
            "regex.match",
            "time.parse_rfc3339_ns",
            "sprintf",
            "internal.member_2",
        ] {
            assert!(all.contains(&must), "{must}");
        }
    }
}
