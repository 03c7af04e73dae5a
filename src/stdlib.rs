//! The standard library, written in `.gov` and built into the binary.

/// `(display name, source)` of every stdlib file.
pub const FILES: &[(&str, &str)] = &[
    ("<stdlib>/std/ai.gov", include_str!("../stdlib/std/ai.gov")),
    ("<stdlib>/std/k8s.gov", include_str!("../stdlib/std/k8s.gov")),
    ("<stdlib>/std/k8s_api.gov", include_str!("../stdlib/std/k8s_api.gov")),
];
