//! Kubernetes quantities (`500m`, `1.5Gi`, `2e3`), as `k8s.io/apimachinery`'s `resource.Quantity`
//! reads them: one definition of the syntax, used by the type checker (a literal is checked at
//! compile time), by the runtime library's `quantity` (src/backend/rego/runtime.rs) and by the CEL
//! back end's failure test, so all accept exactly the same text.
//!
//! ```text
//! quantity  ::= sign? number suffix?
//! number    ::= digits | digits "." digits? | "." digits
//! suffix    ::= Ki | Mi | Gi | Ti | Pi | Ei              (powers of 1024)
//!             | n | u | m | k | M | G | T | P | E        (powers of 1000: m is milli, M mega)
//!             | (e | E) sign? digit digit?               (a power of ten)
//! ```
//!
//! OPA's `units.parse` is not this: it reads `K` and `ki` as suffixes, case-insensitively except
//! `m`/`M`, refuses `n` and `u`, and `units.parse_bytes` reads `m` as mega. Kubernetes refuses
//! `1K`, `1gi` and `1KiB`, and so does govc. Exponents are limited to two digits, so every value
//! is a finite number on both engines.

/// The syntax, for RE2 and Rust's `regex` alike. Groups: 1 sign, 2 integer digits, 3 fraction
/// after integer digits, 4 fraction without integer digits, 5 suffix.
pub const PATTERN: &str =
    r"^([+-]?)(?:([0-9]+)(?:\.([0-9]*))?|\.([0-9]+))([eE][+-]?[0-9][0-9]?|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$";

/// The help of a malformed quantity's diagnostic.
pub const HELP: &str =
    "write a number with an optional Kubernetes suffix: `500m`, `0.5`, `1Gi`, `128974848`, `1e3`, `1.5G` \
                        (`m` is milli and `M` mega; binary suffixes are `Ki Mi Gi Ti Pi Ei`)";

/// The exponent of ten of each decimal suffix.
pub const DECIMAL_SUFFIXES: &[(&str, i32)] = &[
    ("", 0),
    ("n", -9),
    ("u", -6),
    ("m", -3),
    ("k", 3),
    ("M", 6),
    ("G", 9),
    ("T", 12),
    ("P", 15),
    ("E", 18),
];

/// The power of 1024 of each binary suffix.
pub const BINARY_SUFFIXES: &[(&str, u32)] = &[("Ki", 1), ("Mi", 2), ("Gi", 3), ("Ti", 4), ("Pi", 5), ("Ei", 6)];

/// The value of a quantity in base units, or `None` when `text` is not one.
pub fn parse(text: &str) -> Option<f64> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| regex::Regex::new(PATTERN).expect("the quantity pattern is valid"));
    let m = re.captures(text)?;
    let group = |i: usize| m.get(i).map_or("", |g| g.as_str());
    let fraction = format!("{}{}", group(3), group(4));
    let digits = format!(
        "{}.{}",
        if group(2).is_empty() { "0" } else { group(2) },
        if fraction.is_empty() { "0" } else { &fraction }
    );
    let suffix = group(5);
    let magnitude = if let Some((_, power)) = BINARY_SUFFIXES.iter().find(|(s, _)| *s == suffix) {
        digits.parse::<f64>().ok()? * 1024f64.powi(*power as i32)
    } else if let Some((_, exp)) = DECIMAL_SUFFIXES.iter().find(|(s, _)| *s == suffix) {
        format!("{digits}e{exp}").parse::<f64>().ok()?
    } else {
        format!("{digits}e{}", &suffix[1..]).parse::<f64>().ok()?
    };
    Some(if group(1) == "-" { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn kubernetes_quantities() {
        for (text, value) in [
            ("500m", 0.5),
            ("0.5", 0.5),
            ("1Gi", 1073741824.0),
            ("128974848", 128974848.0),
            ("1e3", 1000.0),
            ("1E3", 1000.0),
            ("2Ki", 2048.0),
            ("1.5G", 1.5e9),
            ("1M", 1e6),
            ("1m", 0.001),
            ("1k", 1000.0),
            ("1E", 1e18),
            ("1Ei", 1152921504606846976.0),
            ("+1", 1.0),
            ("-1.5Mi", -1572864.0),
            ("1.", 1.0),
            (".5", 0.5),
            ("100n", 1e-7),
            ("3u", 3e-6),
            ("1e-3", 0.001),
            ("0.1m", 0.0001),
        ] {
            assert_eq!(parse(text), Some(value), "{text}");
        }
        for bad in [
            "", ".", "abc", "1K", "1gi", "1KiB", "1GB", "1 Gi", " 1", "1e", "1e1.5", "1e100", "5e2m", "--1", "1Mi2",
            "١",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
