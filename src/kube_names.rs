//! Kubernetes' rules for object names, in one place for the checker (admission namespaces, CRD
//! plurals and groups) and the Kubernetes back end (the names it generates): RFC 1123 DNS labels
//! and subdomains.

/// The longest DNS label, so the longest namespace or ConstraintTemplate name.
pub const MAX_LABEL: usize = 63;

/// The longest DNS subdomain (a CRD group).
pub const MAX_SUBDOMAIN: usize = 253;

/// What keeps `s` from being an RFC 1123 DNS label (lowercase letters, digits and `-`, starting
/// and ending with a letter or digit, at most [`MAX_LABEL`] characters), if anything.
pub fn dns_label_problem(s: &str) -> Option<&'static str> {
    Some(if s.is_empty() {
        "a name cannot be empty"
    } else if s.len() > MAX_LABEL {
        "longer than 63 characters"
    } else if s.chars().any(|c| c.is_uppercase()) {
        "names are lowercase"
    } else if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        "a name has only `a`-`z`, `0`-`9` and `-`"
    } else if s.starts_with('-') || s.ends_with('-') {
        "a name starts and ends with a letter or digit"
    } else {
        return None;
    })
}

/// Whether `s` is an RFC 1123 DNS label (see [`dns_label_problem`]).
pub fn is_dns_label(s: &str) -> bool {
    dns_label_problem(s).is_none()
}

/// Whether `s` is an RFC 1123 DNS subdomain with at least two labels (a CRD group).
pub fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= MAX_SUBDOMAIN && s.contains('.') && s.split('.').all(is_dns_label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_subdomains() {
        assert!(is_dns_label("kube-system"));
        assert!(is_dns_label(&"a".repeat(MAX_LABEL)));
        assert_eq!(dns_label_problem(&"a".repeat(64)), Some("longer than 63 characters"));
        assert_eq!(dns_label_problem("Bias"), Some("names are lowercase"));
        assert_eq!(
            dns_label_problem("a b"),
            Some("a name has only `a`-`z`, `0`-`9` and `-`")
        );
        assert_eq!(
            dns_label_problem("-a"),
            Some("a name starts and ends with a letter or digit")
        );
        assert!(!is_dns_label(""));
        assert!(is_dns_subdomain("ai.acme.com"));
        assert!(!is_dns_subdomain("acme"));
        assert!(!is_dns_subdomain("ai..com"));
    }
}
