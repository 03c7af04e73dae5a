//! The runtime library, `package govc.runtime`: the few operations on which OPA (what runs in
//! production) and regorus (what `govc test` and `govc eval` run) compute differently, written
//! once with built-ins both engines agree on. Generated code calls it; a bundle ships it when some
//! module does.
//!
//! - Numbers in messages: OPA writes `1e-7` as `1e-07` where regorus writes `0.0000001`, and each
//!   keeps its own digits after arithmetic. `format_number` writes the shortest decimal both engines
//!   give for the value (read from `json.marshal`), laid out as JavaScript does: positional from
//!   1e-7 to 1e21, otherwise `1.5e-7` / `1e+21`.
//! - Float arithmetic: OPA computes on decimals (`0.1 + 0.2` is `0.3`, `33.33 / 2.675` has 20
//!   digits), regorus on IEEE doubles (`0.30000000000000004`). `round_number` rounds a result to
//!   [`FLOAT_DIGITS`] significant digits, on its decimal digits, which both then hold as the same
//!   number. The two results differ by about 1e-16 of the value, so their roundings differ only
//!   when that difference straddles a rounding boundary: with 10 digits, about once in a million
//!   results (with 15, once in a hundred, which tests/engines.rs catches). A result closer to zero
//!   than [`crate::ir::FLOAT_TINY`] is zero: below it doubles lose digits where decimals do not.
//! - Upper and lower case: regorus uses Rust's full case mapping (`upper("ß")` is `"SS"`) and
//!   lower-cases a final sigma as `ς`; OPA maps each character on its own with Go's simple mapping.
//!   `to_upper`/`to_lower` use the built-in unless the string holds a character on which the two
//!   differ, and then map each character, those from a table of OPA's results
//!   (`case_table.json`).
//! - Arithmetic that can fail (LANGUAGE-REFERENCE, "Evaluation failures"): `add`, `subtract`,
//!   `multiply`, `divide`, `remainder`, `negate` and `total` (of `sum`) are undefined where the
//!   operation fails (a zero divisor, an operand or result beyond the limit of its type), on both
//!   engines and without ever evaluating a failing operation: OPA stops on `1 / 0` with strict
//!   built-in errors, and regorus stops on `1e300 * 1e300` (which OPA computes).
//! - `list_get`: a list element or a default, for `get(xs, i, default)`.
//! - Time: `now` (the clock, or the time a test or `govc eval --now` fixes at `data.govc.now`),
//!   the clock and calendar of a timestamp in a time zone (`time_hour`, `time_minute`,
//!   `time_weekday`, `time_date`), and timestamps as text (`time_text`, `time_format`), written
//!   with `time.clock`, `time.date` and `time.weekday`, on which the engines agree, rather than
//!   `time.format`, whose layouts they implement apart (Go's and chrono's).
//! - Lists as sets (`union`, `intersection`, `difference`, `subset`): through Rego sets, whose
//!   elements both engines iterate in sorted order, so the resulting lists are the same.
//! - `captures`: the first match of a pattern with its groups, `[]` when none; `url_parts` and
//!   `is_url`: an absolute URL read with one regular expression ([`URL_PATTERN`]), as OPA has no
//!   URL parser (only `urlquery`), undefined where the text is not one (the policy reports it as
//!   an evaluation failure).
//! - `glob_match`: a wildcard pattern (`*`, `?`, `\` escapes) as a regular expression. The
//!   engines' `glob.match` differ: regorus (the `globset` crate) reads `?` as one byte and `[^a]`
//!   as a negation, OPA (gobwas/glob) as one character and a class of `^` and `a`.
//! - `portable_pattern`: whether a pattern computed at run time (`matches(s, param)`) is valid
//!   RE2 that both engines read alike (OPA: Go's `regexp`; regorus: Rust's `regex`): escapes
//!   only before ASCII punctuation other than `<` and `>` (`\/` and `\.` are literal in both;
//!   `\d`, `\b`, `\pL`, `\Q`, `\<` mean different things or nothing in one of them), no flags but `i m s U`, no nested class or class operation (`[a[]`, `&&`,
//!   `--`, `~~`), braces only as counts up to 999. Literal patterns are made portable at compile
//!   time instead ([`crate::types::canonical_pattern`]).
//! - `quantity`: a Kubernetes quantity as Kubernetes reads it (see [`crate::kube_quantity`]);
//!   OPA's `units.parse` reads other suffixes (`K`, `ki`) and refuses `n` and `u`. Undefined on
//!   malformed text, which `is_quantity` tells (the policy reports it as an evaluation failure).

use super::syntax::string_literal;
use super::Target;
use crate::ir::PackagePath;
use crate::kube_quantity as quantity;
use std::sync::OnceLock;

pub const FORMAT_NUMBER: &str = "format_number";
pub const ROUND_NUMBER: &str = "round_number";

/// The significant digits of a float result (see the module documentation).
pub const FLOAT_DIGITS: usize = 10;
pub const TO_UPPER: &str = "to_upper";
pub const TO_LOWER: &str = "to_lower";
pub const LIST_GET: &str = "list_get";
pub const ADD: &str = "add";
pub const SUBTRACT: &str = "subtract";
pub const MULTIPLY: &str = "multiply";
pub const DIVIDE: &str = "divide";
pub const REMAINDER: &str = "remainder";
pub const NEGATE: &str = "negate";
pub const TOTAL: &str = "total";
pub const NOW: &str = "now";
pub const TIME_TEXT: &str = "time_text";
pub const TIME_HOUR: &str = "time_hour";
pub const TIME_MINUTE: &str = "time_minute";
pub const TIME_WEEKDAY: &str = "time_weekday";
pub const TIME_DATE: &str = "time_date";
pub const TIME_FORMAT: &str = "time_format";
pub const WHOLE_UNITS: &str = "whole_units";

/// Where a fixed current time is read from (`expect ... at T`, `govc eval --now T`): an RFC 3339
/// string at `data.govc.now`, outside the bundle's roots.
pub const CLOCK_DATA: &str = "data.govc.now";
pub const SET_UNION: &str = "set_union";
pub const SET_INTERSECTION: &str = "set_intersection";
pub const SET_DIFFERENCE: &str = "set_difference";
pub const IS_SUBSET: &str = "is_subset";
pub const QUANTITY: &str = "quantity";
pub const IS_QUANTITY: &str = "is_quantity";
pub const CAPTURES: &str = "captures";
pub const IS_URL: &str = "is_url";
pub const URL_PARTS: &str = "url_parts";

/// An absolute URL, `scheme://[userinfo@]host[:port][/path][?query][#fragment]`, in RE2 syntax
/// that Go's `regexp` (OPA) and Rust's `regex` (regorus) read alike: ASCII classes only, no
/// whitespace or control character anywhere. Groups: scheme, host (a name, or an IPv6 address
/// in brackets), port, path, query.
pub const URL_PATTERN: &str = r"^([A-Za-z][A-Za-z0-9+.-]*)://(?:[^/?#@\x00-\x20\x7f]*@)?(\[[0-9A-Fa-f:.]+\]|[^:/?#\[\]@\x00-\x20\x7f]+)(?::([0-9]{1,5}))?(/[^?#\x00-\x20\x7f]*)?(?:\?([^#\x00-\x20\x7f]*))?(?:#[^\x00-\x20\x7f]*)?$";
pub const GLOB_MATCH: &str = "glob_match";
pub const PORTABLE_PATTERN: &str = "portable_pattern";

/// The library's package for a target (`govc.runtime`; `lib.govc.runtime` in Gatekeeper).
pub fn package(target: &Target) -> PackagePath {
    target.fn_package(&vec!["govc".to_string(), "runtime".to_string()])
}

/// Whether emitted Rego calls the library.
pub fn is_used_by(rego: &str, target: &Target) -> bool {
    rego.contains(&format!("{}.", super::package_ref(&package(target))))
}

/// The characters whose case mapping differs between the engines, and OPA's mapping of each.
struct CaseTables {
    upper: Vec<(String, String)>,
    lower: Vec<(String, String)>,
}

fn case_tables() -> &'static CaseTables {
    static TABLES: OnceLock<CaseTables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("case_table.json")).expect("case_table.json is valid JSON");
        let table = |key: &str| -> Vec<(String, String)> {
            doc[key]
                .as_object()
                .expect("case_table.json maps characters")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        };
        CaseTables {
            upper: table("upper"),
            lower: table("lower"),
        }
    })
}

/// A Rego object literal of a case table.
fn object(table: &[(String, String)]) -> String {
    let entries: Vec<String> = table
        .iter()
        .map(|(k, v)| format!("\t{}: {},", string_literal(k), string_literal(v)))
        .collect();
    format!("{{\n{}\n}}", entries.join("\n"))
}

/// A regular expression matching any of `chars`.
fn class(chars: impl Iterator<Item = String>) -> String {
    string_literal(&format!("[{}]", chars.collect::<String>()))
}

/// A Rego object literal of suffixes and their numbers.
fn suffix_object<'a>(entries: impl Iterator<Item = (&'a str, String)>) -> String {
    let entries: Vec<String> = entries.map(|(s, n)| format!("{}: {n}", string_literal(s))).collect();
    format!("{{{}}}", entries.join(", "))
}

/// The library's Rego source.
pub fn emit_runtime(target: &Target) -> String {
    emit_runtime_with(target, true, true)
}

/// The library's Rego source, with its time and pattern functions or without them.
fn emit_runtime_with(target: &Target, time: bool, patterns: bool) -> String {
    let tables = case_tables();
    let upper_special = class(tables.upper.iter().map(|(k, _)| k.clone()));
    // A sigma anywhere may be a final one, which regorus lower-cases as `ς`.
    let lower_special = class(tables.lower.iter().map(|(k, _)| k.clone()).chain(["Σ".to_string()]));
    let mut out = String::from(
        "# govc's runtime library: operations on which OPA and regorus (govc test, govc eval) would\n\
         # compute differently, written so that both compute them alike. Generated by govc.\n",
    );
    out.push_str(&target.module_head(&package(target)));
    let url_re = format!("`{URL_PATTERN}`");
    out.push_str(&format!(
        r#"
# A number as messages write it: integers as digits; other numbers by their shortest decimal
# (which json.marshal writes alike on both engines), positional from 1e-7 to 1e21 and otherwise
# with an exponent (`1.5e-7`, `1e+21`).
# One rule, the cases in order: an integer is tried first, and most numbers are.
format_number(x) := format_int(x, 10) if {{
	x == floor(x)
	abs(x) < 1000000000000000
}} else := concat("", ["-", _layout(_decimal(0 - x))]) if {{
	x < 0
}} else := _layout(_decimal(x)) if {{
	x > 0
}}

# A float result rounded to {digits} significant digits, the language's float arithmetic (beyond
# the float limit a result is an evaluation failure, reported where it is computed; closer to
# zero than {tiny} it is zero).
round_number(x) := 0 if {{
	abs(x) < {tiny}
}} else := x if {{
	abs(x) > {limit}
}} else := 0 - _rounded(0 - x) if {{
	x < 0
}} else := _rounded(x)

_rounded(a) := _number(_round(_decimal(a)))

_number([d, e]) := to_number(concat("", [substring(d, 0, 1), ".", substring(d, 1, -1), "0e", format_int(e, 10)]))

# [digits, e] of a positive number: its shortest decimal is 0.digits times 10^(e + 1), with no
# leading or trailing zero in digits.
_decimal(a) := [trim_right(significant, "0"), (_exponent(m[3]) + count(m[1])) - (1 + (count(all) - count(significant)))] if {{
	m := regex.find_all_string_submatch_n(`^([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$`, json.marshal(a), 1)[0]
	all := concat("", [m[1], m[2]])
	significant := trim_left(all, "0")
}}

_exponent(s) := 0 if s == ""

_exponent(s) := to_number(trim_left(s, "+")) if s != ""

_round([d, e]) := [d, e] if count(d) <= {digits}

_round([d, e]) := [trim_right(s, "0"), (e + count(s)) - {digits}] if {{
	count(d) > {digits}
	up := to_number(substring(d, {digits}, 1)) >= 5
	s := format_int(to_number(substring(d, 0, {digits})) + _carry(up), 10)
}}

_carry(true) := 1

_carry(false) := 0

_layout([d, e]) := concat("", [substring(d, 0, 1), _fraction(d), "e", _sign(e), format_int(abs(e), 10)]) if {{
	not _positional(e)
}}

_layout([d, e]) := concat("", [d, substring("00000000000000000000", 0, (e + 1) - count(d))]) if {{
	_positional(e)
	e >= 0
	count(d) <= e + 1
}}

_layout([d, e]) := concat("", [substring(d, 0, e + 1), ".", substring(d, e + 1, -1)]) if {{
	e >= 0
	count(d) > e + 1
}}

_layout([d, e]) := concat("", ["0.", substring("000000", 0, (0 - e) - 1), d]) if {{
	e < 0
	e > -7
}}

_positional(e) if {{
	e > -7
	e < 21
}}

_fraction(d) := "" if count(d) == 1

_fraction(d) := concat("", [".", substring(d, 1, -1)]) if count(d) > 1

_sign(e) := "+" if e >= 0

_sign(e) := "-" if e < 0

# Upper and lower case as OPA maps them, character by character.
to_upper(s) := upper(s) if not regex.match({upper_special}, s)

to_upper(s) := concat("", [object.get(_upper, c, upper(c)) | some c in split(s, "")]) if {{
	regex.match({upper_special}, s)
}}

to_lower(s) := lower(s) if not regex.match({lower_special}, s)

to_lower(s) := concat("", [object.get(_lower, c, lower(c)) | some c in split(s, "")]) if {{
	regex.match({lower_special}, s)
}}

_upper := {upper}

_lower := {lower}

# Arithmetic that can fail: undefined where an operand or the result is beyond `limit` or a
# divisor is zero, and computed only where it cannot overflow (the policy reports the failure
# with its own rule).
add(a, b, limit) := s if {{
	abs(a) <= limit
	abs(b) <= limit
	s := a + b
	abs(s) <= limit
}}

subtract(a, b, limit) := d if {{
	abs(a) <= limit
	abs(b) <= limit
	d := a - b
	abs(d) <= limit
}}

multiply(a, b, limit) := p if {{
	abs(a) <= limit
	abs(b) <= limit
	_product_fits(a, b, limit)
	p := a * b
}}

_product_fits(_, b, _) if abs(b) <= 1

_product_fits(a, b, limit) if {{
	abs(b) > 1
	abs(a) <= limit / abs(b)
}}

divide(a, b, limit) := q if {{
	b != 0
	abs(a) <= limit
	abs(b) <= limit
	_quotient_fits(a, b, limit)
	q := a / b
}}

_quotient_fits(_, b, _) if abs(b) >= 1

_quotient_fits(a, b, limit) if {{
	abs(b) < 1
	abs(a) <= limit * abs(b)
}}

remainder(a, b, limit) := a % b if {{
	b != 0
	abs(a) <= limit
	abs(b) <= limit
}}

negate(x, limit) := 0 - x if abs(x) <= limit

total(xs, limit) := s if {{
	every x in xs {{
		abs(x) <= limit
	}}
	_sum_fits(xs)
	s := sum(xs)
	abs(s) <= limit
}}

_sum_fits(xs) if count(xs) == 0

_sum_fits(xs) if {{
	count(xs) > 0
	max([abs(x) | some x in xs]) <= 1e308 / count(xs)
}}

# Lists as sets: sorted lists without duplicates.
set_union(a, b) := [x | some x in ({{y | some y in a}} | {{y | some y in b}})]

set_intersection(a, b) := [x | some x in ({{y | some y in a}} & {{y | some y in b}})]

set_difference(a, b) := [x | some x in ({{y | some y in a}} - {{y | some y in b}})]

is_subset(a, b) := count({{y | some y in a}} - {{y | some y in b}}) == 0

# A Kubernetes quantity in base units (`500m` is 0.5, `1Ki` 1024), undefined when malformed.
is_quantity(s) := regex.match({quantity_re}, s)

quantity(s) := _quantity_signed(m[1], _quantity_magnitude(_quantity_digits(m), m[5])) if {{
	m := regex.find_all_string_submatch_n({quantity_re}, s, 1)[0]
}}

_quantity_digits(m) := concat("", [_or_zero(trim_left(m[2], "0")), ".", _or_zero(concat("", [m[3], m[4]]))])

_or_zero(s) := "0" if s == ""

_or_zero(s) := s if s != ""

_quantity_magnitude(d, suffix) := to_number(d) * _binary_suffix[suffix]

_quantity_magnitude(d, suffix) := to_number(concat("", [d, "e", format_int(_decimal_suffix[suffix], 10)]))

_quantity_magnitude(d, suffix) := to_number(concat("", [d, "e", trim_left(substring(suffix, 1, -1), "+")])) if {{
	regex.match(`^[eE][+-]?[0-9]`, suffix)
}}

_quantity_signed("-", x) := 0 - x

_quantity_signed(sign, x) := x if sign != "-"

_binary_suffix := {binary}

_decimal_suffix := {decimal}

# The first match of a pattern and its groups, or [] (`regex.find_all_string_submatch_n` gives
# "" for a group that took no part, on both engines).
captures(pattern, s) := list_get(regex.find_all_string_submatch_n(pattern, s, 1), 0, [])

# The parts of an absolute URL, undefined when `s` is not one (a port above 65535 included).
url_parts(s) := {{"scheme": lower(m[1]), "host": to_lower(m[2]), "port": m[3], "path": m[4], "query": m[5]}} if {{
	m := regex.find_all_string_submatch_n({url_re}, s, 1)[0]
	_port_fits(m[3])
}}

_port_fits(p) if p == ""

# Both definitions are evaluated: `to_number("")` would be a built-in error in OPA.
_port_fits(p) if {{
	p != ""
	to_number(p) <= 65535
}}

is_url(s) := true if {{
	url_parts(s)
}} else := false

# xs[i], or d when i is outside the list.
list_get(xs, i, d) := xs[i] if {{
	i >= 0
	i < count(xs)
}} else := d
"#,
        upper = object(&tables.upper),
        lower = object(&tables.lower),
        digits = FLOAT_DIGITS,
        limit = super::syntax::number_literal(crate::ir::FLOAT_LIMIT).replace("e+", "e"),
        tiny = super::syntax::number_literal(crate::ir::FLOAT_TINY),
        quantity_re = format!("`{}`", quantity::PATTERN),
        url_re = url_re,
        binary = suffix_object(quantity::BINARY_SUFFIXES.iter().map(|(s, p)| (*s, 1024u64.pow(*p).to_string()))),
        decimal = suffix_object(quantity::DECIMAL_SUFFIXES.iter().map(|(s, e)| (*s, e.to_string()))),
    ));
    // Gatekeeper admits no data reference outside `data.lib` and `data.inventory`: admission
    // reads the clock.
    let now = match target.params {
        super::ParamSource::BundleData => format!(
            "# The current time: the one a test or `govc eval --now` fixes, else the clock.\n\
             now := t if {{\n\tt := {CLOCK_DATA}\n\tis_string(t)\n}} else := time_text(time.now_ns())\n"
        ),
        super::ParamSource::Gatekeeper => {
            "# The current time: the clock.\nnow := time_text(time.now_ns())\n".to_string()
        }
    };
    if time {
        out.push_str(&TIME_LIBRARY.replace("{now}", &now));
    }
    if patterns {
        out.push_str(&PATTERN_LIBRARY.replace("{portable_escape}", PORTABLE_ESCAPE));
    }
    out
}

/// An escape a portable pattern may hold: a backslash before ASCII punctuation that both engines
/// read as itself (all but `<` and `>`, word boundaries in Rust's regex). The CEL back end checks
/// parameters' patterns with the same expression.
pub const PORTABLE_ESCAPE: &str = r"^\\[!-/:;=?@\[-\x60{-~]$";

/// The pattern functions of the library (see the module documentation): `glob` and patterns
/// computed at run time.
const PATTERN_LIBRARY: &str = r#"
# Whether all of `s` matches the wildcard pattern `p`: `*` any run of characters (`/` and `.`
# included), `?` one character, `\` before a character makes it literal, everything else is
# itself. Written as a regular expression: the engines' glob.match read patterns apart.
glob_match(p, s) := regex.match(_glob_regex(p), s)

_glob_regex(p) := concat("", ["(?s)^", concat("", [_glob_token(t) | some t in regex.find_n(`(?s)\\.|\\$|[*?]|[^\\*?]+`, p, -1)]), "$"])

_glob_token("*") := ".*"

_glob_token("?") := "."

_glob_token("\\") := `\\`

_glob_token(t) := _regex_quote(substring(t, 1, -1)) if {
	startswith(t, "\\")
	count(t) == 2
}

_glob_token(t) := _regex_quote(t) if {
	not t in {"*", "?"}
	not startswith(t, "\\")
}

_regex_quote(t) := regex.replace(t, `[\\.+*?()|\[\]{}^$]`, `\$0`)

# Whether a pattern computed at run time is a regular expression both engines read alike: valid,
# escapes only before the ASCII punctuation both read as itself (all but `<` and `>`, word
# boundaries in Rust's regex: `\/`, `\.`, `\-` are fine), no flags but i, m, s and U, no nested
# class or class operation, braces only as counts below 1000.
portable_pattern(p) if {
	regex.is_valid(p)
	every e in regex.find_n(`(?s)\\.`, p, -1) {
		regex.match(`{portable_escape}`, e)
	}
	rest := regex.replace(regex.replace(p, `(?s)\\.`, "_"), `\(\?(:|P<|[imsU]*(-[imsU]*)?[:)])|\{[0-9]{1,3}(,[0-9]{0,3})?\}`, "_")
	not regex.match(`\(\?|[{}]|\[[^\]]*\[[^:]|&&|--|~~`, rest)
}
"#;

/// The time functions of the library (see the module documentation). Every timestamp they are
/// given is valid (a checked document, a literal, or text they wrote), every zone a constant name
/// both engines know (checked at compile time).
const TIME_LIBRARY: &str = r#"
{now}
# The clock and calendar of timestamp t in time zone z.
time_hour(t, z) := c[0] if {
	c := time.clock([time.parse_rfc3339_ns(t), z])
}

time_minute(t, z) := c[1] if {
	c := time.clock([time.parse_rfc3339_ns(t), z])
}

# 1 (Monday) to 7 (Sunday), as ISO 8601 numbers the days.
time_weekday(t, z) := _weekdays[time.weekday([time.parse_rfc3339_ns(t), z])]

_weekdays := {"Monday": 1, "Tuesday": 2, "Wednesday": 3, "Thursday": 4, "Friday": 5, "Saturday": 6, "Sunday": 7}

time_date(t, z) := _date_text(time.parse_rfc3339_ns(t), z)

# Timestamp t as RFC 3339 text with the offset of zone z (minutes; `Z` for no offset).
time_format(t, z) := _time_text(time.parse_rfc3339_ns(t), z)

# An instant (nanoseconds since 1970) as RFC 3339 text in UTC.
time_text(ns) := _time_text(ns, "UTC")

_time_text(ns, z) := concat("", [_date_text(ns, z), "T", _clock_text(ns, z), _nanos_text(_sub_second(ns)), _offset_text(ns, z)])

_date_text(ns, z) := concat("-", [format_int(d[0], 10), _two(d[1]), _two(d[2])]) if {
	d := time.date([ns, z])
}

_clock_text(ns, z) := concat(":", [_two(c[0]), _two(c[1]), _two(c[2])]) if {
	c := time.clock([ns, z])
}

_two(n) := format_int(n, 10) if n >= 10

_two(n) := concat("", ["0", format_int(n, 10)]) if n < 10

# The nanoseconds past the second (the remainder has the sign of the instant on both engines).
_sub_second(ns) := ((ns % 1000000000) + 1000000000) % 1000000000

_nanos_text(0) := ""

_nanos_text(f) := concat("", [".", trim_right(substring(format_int(f + 1000000000, 10), 1, 9), "0")]) if f != 0

# The zone's offset at the instant: its wall clock read as UTC, minus the instant.
_offset_text(ns, z) := _offset(_offset_seconds(ns, z))

_offset_seconds(ns, z) := (local - (ns - _sub_second(ns))) / 1000000000 if {
	local := time.parse_rfc3339_ns(concat("", [_date_text(ns, z), "T", _clock_text(ns, z), "Z"]))
}

_offset(0) := "Z"

_offset(s) := concat("", ["+", _hours_minutes(s)]) if s > 0

_offset(s) := concat("", ["-", _hours_minutes(0 - s)]) if s < 0

_hours_minutes(s) := concat(":", [_two(h), _two(m)]) if {
	minutes := floor(s / 60)
	h := floor(minutes / 60)
	m := minutes - (h * 60)
}

# The whole units in duration d, rounded toward zero (d and unit in nanoseconds).
whole_units(d, unit) := (d - (d % unit)) / unit
"#;

/// The library's Rego source with only the rules that `callers` (the modules that ship with it)
/// call, directly or through other rules of the library; `None` when they call none.
pub fn emit_runtime_for(target: &Target, callers: &[&str]) -> Option<String> {
    let prefix = format!("{}.", super::package_ref(&package(target)));
    let full = emit_runtime(target);
    let head_end = full.find(&target.module_head(&package(target)))? + target.module_head(&package(target)).len();
    let (head, body) = full.split_at(head_end);
    let definitions = definitions(body);
    let defined: std::collections::BTreeSet<&str> = definitions.iter().map(|(name, _)| name.as_str()).collect();
    let mut used: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    let mut pending: Vec<&str> = Vec::new();
    for caller in callers {
        for (at, _) in caller.match_indices(&prefix) {
            let name = identifier(&caller[at + prefix.len()..]);
            if let Some(&name) = defined.get(name) {
                pending.push(name);
            }
        }
    }
    // The rules those call, transitively.
    while let Some(name) = pending.pop() {
        if !used.insert(name) {
            continue;
        }
        for (_, text) in definitions.iter().filter(|(n, _)| n == name) {
            pending.extend(words(text).filter_map(|w| defined.get(w).copied()));
        }
    }
    if used.is_empty() {
        return None;
    }
    let mut out = head.to_string();
    for (name, text) in &definitions {
        if used.contains(name.as_str()) {
            out.push('\n');
            out.push_str(text.trim_end_matches('\n'));
            out.push('\n');
        }
    }
    Some(out)
}

/// The library's definitions in order: a rule's name and its text, with the comment above it.
/// INVARIANT: the library starts every definition at column 0 with the rule's name and indents
/// or closes (`}`) its continuation lines.
fn definitions(body: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut comment = String::new();
    for line in body.lines() {
        if line.starts_with('#') {
            comment.push_str(line);
            comment.push('\n');
        } else if line.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            out.push((identifier(line).to_string(), std::mem::take(&mut comment) + line + "\n"));
        } else if line.trim().is_empty() {
            // A comment followed by a blank line introduces a group of rules: it goes with the first.
            if comment.is_empty() {
                if let Some((_, text)) = out.last_mut() {
                    text.push('\n');
                }
            }
        } else if let Some((_, text)) = out.last_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    out
}

fn identifier(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}
