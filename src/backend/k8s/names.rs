//! Kubernetes names: the rules the API server and Gatekeeper hold names to, and the names govc
//! derives from `.gov` identifiers.

/// The longest DNS label (RFC 1123), and so the longest ConstraintTemplate name.
pub use crate::kube_names::MAX_LABEL;

/// The Gatekeeper kind of a policy: its name in UpperCamelCase (`bias_tested` → `BiasTested`).
pub fn policy_kind(policy_name: &str) -> String {
    policy_name
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The name of a policy's Constraint: its name as a DNS label (`bias_tested` → `bias-tested`).
pub fn constraint_name(policy_name: &str) -> String {
    policy_name
        .to_ascii_lowercase()
        .replace('_', "-")
        .trim_matches('-')
        .to_string()
}

pub use crate::kube_names::is_dns_label;

/// The API group of a `group/Kind` written in an `admission` block: `v1` is the core group `""`.
pub fn api_group(group: &str) -> &str {
    if group == "v1" {
        ""
    } else {
        group
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_upper_camel_case() {
        assert_eq!(policy_kind("bias_tested"), "BiasTested");
        assert_eq!(policy_kind("no_unencrypted_pii"), "NoUnencryptedPii");
        assert_eq!(policy_kind("biasTested"), "BiasTested");
        assert_eq!(policy_kind("_x__y_"), "XY");
        assert_eq!(policy_kind("p2p_check"), "P2pCheck");
    }

    #[test]
    fn constraint_names_are_dns_labels() {
        assert_eq!(constraint_name("bias_tested"), "bias-tested");
        assert_eq!(constraint_name("_Trusted_sources_"), "trusted-sources");
        assert!(is_dns_label(&constraint_name("no_unencrypted_pii")));
        assert!(!is_dns_label("Bias"));
        assert!(!is_dns_label("-a"));
        assert!(!is_dns_label(&"a".repeat(64)));
    }
}
