//! One meaning on every engine (issue 10): where OPA (production) and regorus (`govc test`,
//! `govc eval`) compute differently, the generated Rego computes through govc's runtime library or
//! a form both agree on. Each known divergence is run here on both engines, with many values:
//!
//! | in raw Rego | OPA v1.20.2 | regorus 0.14 | govc writes |
//! | --- | --- | --- | --- |
//! | `count("🙂")` | 1 | 2 (UTF-16 code units) | `count(split(s, ""))` |
//! | `sprintf("%v", [0.0000001])` | `1e-07` | `0.0000001` | `runtime.format_number` |
//! | `0.1 + 0.2` | `0.3` | `0.30000000000000004` | `runtime.round_number` |
//! | `upper("ß")`, `lower("ΑΣ")` | `ß`, `ασ` | `SS`, `ας` | `runtime.to_upper`, `to_lower` |
//! | `1e300 * 1e300` | computed | error "numeric overflow" | `runtime.multiply`, a failure |
//! | `1 / 0` | built-in error (strict) | undefined | `runtime.divide`, a failure |
//! | `time.parse_rfc3339_ns("2019-01-01T00:00:60Z")` | error | a time | the subject check refuses it |
//! | `regex.match("^\\d$", "١")` | false | true | `\d` written `[0-9]` |
//!
//! The policies that use them are in tests/conformance/soundness (both engines, every case).

mod common;

use common::engines::{opa_values, write_bundle};
use govc::backend::bundle::Bundle;
use govc::backend::rego::{emit_runtime, Target};
use govc::runtime::engine::PolicyEngine;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A bundle of the runtime library and one probe module, on both engines: the value of each rule
/// of the probe for `input`.
fn both(probe: &str, rules: &[&str], input: &Value) -> Vec<(String, Option<Value>, Option<Value>)> {
    let target = Target::bundle();
    let mut bundle = Bundle::default();
    bundle
        .files
        .insert("govc/runtime.rego".into(), emit_runtime(&target).into_bytes());
    bundle.files.insert("probe.rego".into(), probe.as_bytes().to_vec());
    let mut engine = PolicyEngine::load(&bundle, false).expect("regorus loads the probe");
    let dir = tempfile::tempdir().expect("tempdir");
    write_bundle(&bundle, dir.path());
    let queries: Vec<(String, Value)> = rules.iter().map(|r| (format!("probe.{r}"), input.clone())).collect();
    let opa = opa_values(dir.path(), &queries);
    rules
        .iter()
        .zip(opa)
        .map(|(rule, opa)| {
            let regorus = engine
                .eval_with_input(&format!("data.probe.{rule}"), input)
                .unwrap_or_else(|e| panic!("regorus: {rule}: {e}"));
            let opa = opa.unwrap_or_else(|e| panic!("OPA: {rule}: {e}"));
            (rule.to_string(), regorus, opa)
        })
        .collect()
}

/// Numbers as JSON gives them to both engines, equal when they are the same number (OPA keeps
/// `3.0` where regorus writes `3`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b)),
        _ => a == b,
    }
}

const NUMBERS_PROBE: &str = r#"package probe

import rego.v1

format := [data.govc.runtime.format_number(x) | some x in input.numbers]

round := [data.govc.runtime.round_number(x) | some x in input.numbers]

sums := [data.govc.runtime.round_number(a + b) | some a in input.small; some b in input.small]

products := [data.govc.runtime.round_number(a * b) | some a in input.small; some b in input.small]

quotients := [data.govc.runtime.round_number(data.govc.runtime.divide(a, b, 1.0715086071862673e301)) | some a in input.small; some b in input.small; b != 0]

edge_products := [data.govc.runtime.round_number(p) | some a in input.edges; some b in input.edges; p := data.govc.runtime.multiply(a, b, 1.0715086071862673e301)]

failed_products := [[a, b] | some a in input.edges; some b in input.edges; not data.govc.runtime.multiply(a, b, 1.0715086071862673e301)]

failed_sums := [[a, b] | some a in input.edges; some b in input.edges; not data.govc.runtime.add(a, b, 1.0715086071862673e301)]

failed_quotients := [[a, b] | some a in input.edges; some b in input.edges; not data.govc.runtime.divide(a, b, 1.0715086071862673e301)]
"#;

fn numbers() -> Value {
    let mut numbers: Vec<Value> = [
        0.0,
        1.0,
        -1.0,
        0.5,
        0.1,
        0.2,
        0.3,
        1e-7,
        1e-6,
        1.5e-7,
        123456.789,
        1e20,
        1e21,
        1.5e21,
        1.23e32,
        -2.5,
        3.0,
        1.0 / 3.0,
        2.0 / 3.0,
        1e300,
        1e-300,
        999999999999999.9,
        0.30000000000000004,
        1.0000000000000002,
        7e-7,
        6.9e-7,
        2.675,
        1e15,
        1e16,
        123456789012345.6,
        -0.000123,
    ]
    .iter()
    .map(|f| json!(f))
    .collect();
    numbers.extend([
        json!(12345678901234567i64),
        json!(-9223372036854775807i64),
        json!(100),
        json!(-42),
    ]);
    // Pseudo-random doubles of every magnitude (a fixed linear congruential sequence).
    let mut state: u64 = 0x2545F4914F6CDD1D;
    for _ in 0..300 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mantissa = (state >> 11) as f64 / (1u64 << 53) as f64;
        let exponent = ((state >> 3) % 80) as i32 - 40;
        let sign = if state & 1 == 0 { 1.0 } else { -1.0 };
        numbers.push(json!(sign * mantissa * 10f64.powi(exponent)));
    }
    json!({
        "numbers": numbers,
        "small": [0.1, 0.2, 0.3, 0.7, 1.1, 2.675, 3, 1e-7, 0.5, 100.25, 33.33, 1e15, 0.000001],
        // Products of the tiny edges underflow doubles (1e-300 * 1e-300 is 0 in regorus, 1e-600
        // in OPA; 1e-160 * 1e-150 is a subnormal double): closer to zero than 2^-1000 is zero.
        "edges": [0, 1, -1, 0.5, 1e-300, -1e-300, 1e-160, 1e-150, 1e-151, 1e150, 1e151, 1e200, -1e200, 1e300, 1.5e300, 1e308, 9e18],
    })
}

#[test]
fn numbers_are_written_and_rounded_alike() {
    let input = numbers();
    let rules = [
        "format",
        "round",
        "sums",
        "products",
        "quotients",
        "edge_products",
        "failed_products",
        "failed_sums",
        "failed_quotients",
    ];
    for (rule, regorus, opa) in both(NUMBERS_PROBE, &rules, &input) {
        let (regorus, opa) = (regorus.expect("defined on regorus"), opa.expect("defined on OPA"));
        let (r, o) = (regorus.as_array().expect("a list"), opa.as_array().expect("a list"));
        assert_eq!(r.len(), o.len(), "{rule}: lengths");
        let differ: Vec<String> = r
            .iter()
            .zip(o)
            .enumerate()
            .filter(|(_, (a, b))| !same(a, b))
            .map(|(i, (a, b))| format!("  #{i}: regorus {a}, OPA {b}"))
            .collect();
        assert!(differ.is_empty(), "{rule}: the engines differ:\n{}", differ.join("\n"));
    }
    // And what they agree on is what the reference says.
    let out = both(NUMBERS_PROBE, &["format", "sums"], &input);
    let format = out[0].1.clone().expect("format");
    let at = |i: usize| format[i].as_str().expect("a string").to_string();
    assert_eq!(
        (at(4), at(7), at(8), at(10), at(11), at(12), at(16), at(22)),
        (
            "0.1".to_string(),
            "1e-7".to_string(),
            "0.000001".to_string(),
            "123456.789".to_string(),
            "100000000000000000000".to_string(),
            "1e+21".to_string(),
            "3".to_string(),
            "0.30000000000000004".to_string()
        )
    );
    let sums = out[1].1.clone().expect("sums");
    // 0.1 + 0.2 (the first list's items 0 and 1): 0.3 on both engines.
    assert!(same(&sums[1], &json!(0.3)), "0.1 + 0.2 is {}", sums[1]);
}

const TEXT_PROBE: &str = r#"package probe

import rego.v1

length := [count(split(s, "")) | some s in input.strings]

upper := [data.govc.runtime.to_upper(s) | some s in input.strings]

lower := [data.govc.runtime.to_lower(s) | some s in input.strings]
"#;

#[test]
fn strings_are_measured_and_cased_alike() {
    let strings = [
        "",
        "plain ASCII",
        "🙂",
        "aé🙂漢",
        "ß",
        "Straße",
        "ΑΣ",
        "ΟΔΟΣ ΟΔΟΣ",
        "İstanbul",
        "ᾀᾁ",
        "ﬁne",
        "ǅ",
        "e\u{301}",
        "\u{1F468}\u{200D}\u{1F469}",
        "line\nbreak\r\n",
        "𐵐",
    ];
    let input = json!({ "strings": strings });
    for (rule, regorus, opa) in both(TEXT_PROBE, &["length", "upper", "lower"], &input) {
        assert_eq!(regorus, opa, "{rule}: regorus and OPA differ");
    }
    let out = both(TEXT_PROBE, &["length", "upper", "lower"], &input);
    assert_eq!(out[0].1.as_ref().expect("length")[2], json!(1), "count of 🙂");
    assert_eq!(
        out[1].1.as_ref().expect("upper")[4],
        json!("ß"),
        "upper of ß, as in OPA"
    );
    assert_eq!(
        out[2].1.as_ref().expect("lower")[6],
        json!("ασ"),
        "lower of ΑΣ, as in OPA"
    );
}

const CASE_PROBE: &str = r#"package probe

import rego.v1

# Named so as not to shadow the built-ins they call.
uppers := [upper(c) | some c in input.chars]

lowers := [lower(c) | some c in input.chars]
"#;

/// `case_table.json` (the runtime library's table) is exactly where the engines' built-in case
/// mappings differ, over every character of the first two Unicode planes.
#[test]
fn the_case_table_is_where_the_engines_differ() {
    let chars: Vec<String> = (0u32..0x20000)
        .filter_map(char::from_u32)
        .map(|c| c.to_string())
        .collect();
    let input = json!({ "chars": chars });
    let out = both(CASE_PROBE, &["uppers", "lowers"], &input);
    let table: Value =
        serde_json::from_str(include_str!("../src/backend/rego/case_table.json")).expect("case_table.json");
    for (rule, regorus, opa) in out {
        let (regorus, opa) = (regorus.expect("regorus"), opa.expect("OPA"));
        let mut differ: BTreeMap<String, Value> = BTreeMap::new();
        for ((c, r), o) in chars
            .iter()
            .zip(regorus.as_array().expect("list"))
            .zip(opa.as_array().expect("list"))
        {
            if r != o {
                differ.insert(c.clone(), o.clone());
            }
        }
        let vendored: BTreeMap<String, Value> = table[rule.trim_end_matches('s')]
            .as_object()
            .expect("a table")
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        assert_eq!(
            differ, vendored,
            "the `{rule}` table of src/backend/rego/case_table.json is not where the engines differ (regenerate it)"
        );
    }
}

const QUANTITY_PROBE: &str = r#"package probe

import rego.v1

quantities := {s: data.govc.runtime.quantity(s) | some s in input.strings}

valid := {s: data.govc.runtime.is_quantity(s) | some s in input.strings}

# OPA's own parsers, which do not read quantities as Kubernetes does (see below).
opa_units := {s: units.parse(s) | some s in input.strings; regex.match(`^[0-9]+(m|M|k|K|Ki|ki|Mi|Gi)?$`, s)}

opa_bytes := {s: units.parse_bytes(s) | some s in input.strings; regex.match(`^[0-9]+(m|M|k|K|Ki|ki|Mi|Gi)?$`, s)}

sets := [
	data.govc.runtime.set_union(input.a, input.b),
	data.govc.runtime.set_intersection(input.a, input.b),
	data.govc.runtime.set_difference(input.a, input.b),
	data.govc.runtime.is_subset(input.a, input.b),
	data.govc.runtime.is_subset(input.b, input.a),
]
"#;

/// Kubernetes quantities (issue 11): `runtime.quantity` gives the value `resource.Quantity` gives
/// (govc's reading, `govc::kube_quantity::parse`) on both engines, and is undefined exactly on
/// malformed text. OPA's `units.parse` and `units.parse_bytes` read other suffixes: `1K`, `1ki`
/// are quantities there, `m` is mega for `units.parse_bytes`, and `n`/`u` are refused.
#[test]
fn quantities_are_read_as_kubernetes_reads_them() {
    use govc::kube_quantity::parse;
    let strings = [
        "500m",
        "0.5",
        "1Gi",
        "128974848",
        "1e3",
        "1E3",
        "2Ki",
        "1.5G",
        "1M",
        "1m",
        "1k",
        "1E",
        "1Ei",
        "+1",
        "-1.5Mi",
        "1.",
        ".5",
        "100n",
        "3u",
        "1e-3",
        "0.1m",
        "0.3",
        "007",
        "1.10Ti",
        "9Pi",
        "12e+2",
        "1K",
        "1gi",
        "1KiB",
        "1GB",
        "1 Gi",
        "",
        ".",
        "abc",
        "1e",
        "1e100",
        "5e2m",
        "--1",
        "١",
        "1ki",
    ];
    let input = json!({ "strings": strings.to_vec(), "a": ["b", "a", "c", "a"], "b": ["d", "c", "b"] });
    let rules = ["quantities", "valid", "opa_units", "opa_bytes", "sets"];
    let out = both(QUANTITY_PROBE, &rules, &input);
    let (_, regorus, opa) = &out[0];
    let (regorus, opa) = (
        regorus.clone().expect("regorus quantities"),
        opa.clone().expect("OPA quantities"),
    );
    for s in strings {
        let want = parse(s).map(|v| json!(v));
        for (engine, got) in [("regorus", regorus.get(s)), ("OPA", opa.get(s))] {
            match (&want, got) {
                (Some(w), Some(g)) => assert!(same(w, g), "{engine}: quantity({s:?}) is {g}, expected {w}"),
                (None, None) => {}
                _ => panic!("{engine}: quantity({s:?}) is {got:?}, expected {want:?}"),
            }
        }
    }
    let (_, regorus, opa) = &out[1];
    assert_eq!(regorus, opa, "is_quantity: regorus and OPA differ");
    // What OPA's own built-ins would have read differently, kept here so a change shows.
    let opa_units = out[2].2.clone().expect("OPA units.parse");
    assert_eq!(opa_units["1K"], json!(1000), "units.parse reads K");
    assert_eq!(opa_units["1ki"], json!(1024), "units.parse reads ki");
    let opa_bytes = out[3].2.clone().expect("OPA units.parse_bytes");
    assert_eq!(opa_bytes["1m"], json!(1000000), "units.parse_bytes reads m as mega");
    let (_, regorus, opa) = &out[4];
    assert_eq!(regorus, opa, "set operations: regorus and OPA differ");
    assert_eq!(
        opa.clone().expect("sets"),
        json!([["a", "b", "c", "d"], ["b", "c"], ["a"], false, false])
    );
}
