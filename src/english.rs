//! English for people: counts with the right noun form, shared by every human-facing output
//! (diagnostic summaries, command status lines, the controls report).

/// `0 policies`, `1 policy`, `2 policies`: `n` with `one` when it is 1, else `many`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// [`count`] for nouns whose plural adds `s`: `1 test`, `3 tests`.
pub fn count_s<N: std::fmt::Display + PartialEq + From<u8>>(n: N, noun: &str) -> String {
    if n == N::from(1) {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Nouns with no plural form of their own, as the last word of a compound (`TrainingData`).
const UNCOUNTABLE: &[&str] = &[
    "data",
    "equipment",
    "evidence",
    "feedback",
    "hardware",
    "info",
    "information",
    "series",
    "software",
    "species",
];

/// The plural of a lowercase noun (or of a compound whose last word is one), by the regular
/// rules of English: `policy` → `policies`, `class` → `classes`, `analysis` → `analyses`,
/// `gateway` → `gateways`, and `trainingdata` unchanged (`data` is already plural).
pub fn plural(noun: &str) -> String {
    if noun.is_empty() || UNCOUNTABLE.iter().any(|u| noun.ends_with(u)) {
        return noun.to_string();
    }
    if let Some(stem) = noun.strip_suffix("sis") {
        return format!("{stem}ses");
    }
    if ["s", "x", "z", "ch", "sh"].iter().any(|e| noun.ends_with(e)) {
        return format!("{noun}es");
    }
    if let Some(stem) = noun.strip_suffix('y') {
        if !stem.ends_with(['a', 'e', 'i', 'o', 'u']) {
            return format!("{stem}ies");
        }
    }
    format!("{noun}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singular_only_for_one() {
        assert_eq!(count(0, "policy", "policies"), "0 policies");
        assert_eq!(count(1, "policy", "policies"), "1 policy");
        assert_eq!(count(2, "policy", "policies"), "2 policies");
        assert_eq!(count_s(1, "control"), "1 control");
        assert_eq!(count_s(7, "control"), "7 controls");
        assert_eq!(count_s(0u64, "decision"), "0 decisions");
    }

    #[test]
    fn plurals_follow_english() {
        for (one, many) in [
            ("modeldeployment", "modeldeployments"),
            ("policy", "policies"),
            ("registry", "registries"),
            ("gateway", "gateways"),
            ("class", "classes"),
            ("modelaccess", "modelaccesses"),
            ("box", "boxes"),
            ("batch", "batches"),
            ("analysis", "analyses"),
            ("trainingdata", "trainingdata"),
            ("metadata", "metadata"),
            ("modelinfo", "modelinfo"),
        ] {
            assert_eq!(plural(one), many, "{one}");
        }
    }
}
