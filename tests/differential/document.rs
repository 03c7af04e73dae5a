//! Random documents for the generated `Doc` type: mostly well-formed, with edge values (empty
//! strings and lists, Unicode, huge and negative numbers, floats of every magnitude, missing
//! optional fields, timestamps at the calendar's edges), and some malformed (a missing or
//! mistyped field, `null`, an impossible date); and random parameter overrides.

use super::program::{ParamTy, PolicyInfo};
use super::rng::Rng;
use serde_json::{json, Map, Value};

const INTS: &[i64] = &[
    0,
    1,
    -1,
    2,
    3,
    5,
    7,
    10,
    -7,
    100,
    1000,
    -1000,
    2147483648,
    -2147483648,
    9007199254740993,
    12345678901234567,
    9000000000000000000,
    9223372036854775807,
    -9223372036854775807,
];

const FLOATS: &[f64] = &[
    0.0,
    0.1,
    0.2,
    0.3,
    0.5,
    1.5,
    -2.25,
    2.675,
    33.33,
    1e-7,
    1e-300,
    1e300,
    1.7e308,
    3.0,
    0.30000000000000004,
    1e21,
    -0.000123,
    123456.789,
];

const STRINGS: &[&str] = &[
    "",
    "a",
    "abc",
    "ABC-1234",
    "ß",
    "Straße",
    "ΑΣ",
    "İx",
    "🙂",
    "aé🙂漢",
    "x y",
    "%v",
    "{}",
    "\"q\"",
    "line\nbreak",
    "e\u{301}",
    "١٢٣٤",
    "k",
    "Z",
];

const TIMESTAMPS: &[&str] = &[
    "2020-01-01T00:00:00Z",
    "2024-02-29T12:00:00Z",
    "1999-12-31T23:59:59.5+02:00",
    "2261-12-31T23:59:59Z",
    "1678-01-01T00:00:00Z",
    "2019-06-15T08:30:00.123456789-07:00",
];

/// Timestamps OPA's parser refuses (each must be denied as malformed).
const BAD_TIMESTAMPS: &[&str] = &[
    "2019-02-31T00:00:00Z",
    "2019-01-01T00:00:60Z",
    "2019-01-01t00:00:00Z",
    "2019-02-29T00:00:00Z",
    "2019-01-01",
    "3000-01-01T00:00:00Z",
];

fn int(rng: &mut Rng) -> Value {
    match rng.below(10) {
        0..=5 => json!(*rng.pick(INTS)),
        6 => json!(rng.below(20) as i64 - 10),
        7 => json!(2.0),
        _ => json!(rng.below(1000) as i64),
    }
}

fn float(rng: &mut Rng) -> Value {
    match rng.below(8) {
        0..=4 => json!(*rng.pick(FLOATS)),
        5 => json!(((rng.unit() * 200.0 - 100.0) * 100.0).round() / 100.0),
        6 => json!(rng.unit() * 10f64.powi(rng.below(40) as i32 - 20)),
        _ => json!(rng.below(10) as i64),
    }
}

fn string(rng: &mut Rng) -> Value {
    json!(*rng.pick(STRINGS))
}

fn list(rng: &mut Rng, item: fn(&mut Rng) -> Value) -> Value {
    let n = *rng.pick(&[0, 0, 1, 2, 3, 4]);
    Value::Array((0..n).map(|_| item(rng)).collect())
}

fn item(rng: &mut Rng) -> Value {
    let mut v = json!({"x": int(rng), "name": string(rng)});
    if rng.chance(0.5) {
        v["w"] = float(rng);
    }
    v
}

/// A document for the `Doc` type; `malformed` is set when it was broken on purpose.
pub fn document(rng: &mut Rng) -> Value {
    let mut m = Map::new();
    for key in ["k", "z", "", "ß"] {
        if rng.chance(0.4) {
            m.insert(key.to_string(), int(rng));
        }
    }
    let mut doc = json!({
        "i": int(rng),
        "j": int(rng),
        "f": float(rng),
        "g": float(rng),
        "s": string(rng),
        "t": string(rng),
        "b": rng.chance(0.5),
        "level": *rng.pick(&["low", "mid", "high"]),
        "at": *rng.pick(TIMESTAMPS),
        "xs": list(rng, int),
        "fs": list(rng, float),
        "ss": list(rng, string),
        "m": Value::Object(m),
        "item": item(rng),
        "items": list(rng, item),
    });
    if rng.chance(0.5) {
        doc["oi"] = int(rng);
    }
    if rng.chance(0.5) {
        doc["os"] = string(rng);
    }
    if rng.chance(0.1) {
        doc["extra"] = json!("fields not declared are allowed");
    }
    if rng.chance(0.15) {
        break_it(rng, &mut doc);
    }
    doc
}

/// Makes a document malformed in one way.
fn break_it(rng: &mut Rng, doc: &mut Value) {
    let fields = ["i", "f", "s", "b", "level", "at", "xs", "m", "item", "items", "oi"];
    let field = *rng.pick(&fields);
    match rng.below(6) {
        0 => {
            doc.as_object_mut().map(|o| o.remove(field));
        }
        1 => doc[field] = Value::Null,
        2 => doc[field] = json!("wrong"),
        3 => doc[field] = json!(2.5),
        4 => doc["at"] = json!(*rng.pick(BAD_TIMESTAMPS)),
        _ => doc["xs"] = json!([1, "two", null]),
    }
}

/// Parameter overrides for a policy, or `None`: valid values mostly, and `null`, a wrong type, a
/// misspelt name or overrides that are not an object.
pub fn overrides(rng: &mut Rng, policy: &PolicyInfo) -> Option<Value> {
    if policy.params.is_empty() || !rng.chance(0.25) {
        return None;
    }
    let mut o = Map::new();
    for (name, ty) in &policy.params {
        if !rng.chance(0.7) {
            continue;
        }
        let value = match (rng.below(10), ty) {
            (0, _) => Value::Null,
            (1, _) => json!(true),
            (_, ParamTy::Int) => int(rng),
            (_, ParamTy::Float) => float(rng),
            (_, ParamTy::Str) => string(rng),
            (_, ParamTy::StrList) => list(rng, string),
        };
        o.insert(name.clone(), value);
    }
    match rng.below(12) {
        0 => Some(json!("not an object")),
        1 => {
            o.insert("misspelt".into(), json!(1));
            Some(Value::Object(o))
        }
        _ => Some(Value::Object(o)),
    }
}
