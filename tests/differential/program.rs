//! Random well-typed `.gov` programs: one document type with every kind of field (optional ones,
//! maps, lists of records, an enum, a timestamp, random constraints), helper functions, and
//! policies with parameters, `let`s, deny, warn and allow clauses whose conditions and messages are
//! random expressions of every form, respecting the language's rules (optional fields under `has`,
//! map entries under `in` or through `get`, constant patterns).

use super::rng::Rng;

/// The types expressions are generated at.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ty {
    Int,
    Float,
    Bool,
    Str,
}

/// A generated program: its source and, for each policy, its package and parameters.
pub struct Program {
    pub source: String,
    pub policies: Vec<PolicyInfo>,
}

pub struct PolicyInfo {
    /// `diff.p3.q1`.
    pub package: String,
    /// Parameter names and types.
    pub params: Vec<(String, ParamTy)>,
}

#[derive(Clone, Copy, Debug)]
pub enum ParamTy {
    Int,
    Float,
    Str,
    StrList,
}

/// The names in scope of an expression: locals by type, beyond the subject's fields.
#[derive(Clone, Default)]
struct Scope {
    /// `(text, type)` of values: parameters, lets, function parameters, bound variables.
    values: Vec<(String, Ty)>,
    /// Bound variables holding an `Item`.
    items: Vec<String>,
    /// Whether the subject `d` is in scope (not in function bodies).
    subject: bool,
    /// Int lists and string lists in scope besides the subject's.
    str_lists: Vec<String>,
}

pub struct Gen<'r> {
    rng: &'r mut Rng,
    /// Functions declared so far: (name, parameter types, result type).
    fns: Vec<(String, Vec<Ty>, Ty)>,
    counter: usize,
}

const STRINGS: &[&str] = &[
    "",
    "a",
    "abc",
    "ABC-1234",
    "ß",
    "ΑΣ",
    "İx",
    "🙂",
    "aé🙂漢",
    "x y",
    "100%",
    "{{}}",
    "q\\\"q",
    "e\\u{301}",
    "-",
    "Z",
];
const PATTERNS: &[&str] = &[
    r"^[a-z]+$",
    r"^[A-Z]{3}-\d{4}$",
    r"\d",
    r"^$",
    r"(?i)^ab",
    r"\s",
    r"^\w+$",
    r"[🙂ß]",
    r"^.{2,3}$",
];

impl<'r> Gen<'r> {
    pub fn new(rng: &'r mut Rng) -> Self {
        Gen {
            rng,
            fns: Vec::new(),
            counter: 0,
        }
    }

    fn fresh(&mut self, base: &str) -> String {
        self.counter += 1;
        format!("{base}{}", self.counter)
    }

    /// A whole program in package `diff.p<k>`.
    pub fn program(&mut self, k: usize) -> Program {
        let mut src = format!("package diff.p{k}\n\nenum Level {{ low, mid, high }}\n\n");
        src.push_str("type Item {\n  x: int\n  w?: float\n  name: string\n}\n\n");
        src.push_str(&self.doc_type());
        // Helper functions, each over its parameters only.
        for _ in 0..self.rng.below(4) {
            src.push_str(&self.function());
        }
        let mut policies = Vec::new();
        for q in 0..1 + self.rng.below(3) {
            let (text, info) = self.policy(k, q);
            src.push_str(&text);
            policies.push(info);
        }
        Program { source: src, policies }
    }

    fn doc_type(&mut self) -> String {
        let mut i = "  i: int".to_string();
        if self.rng.chance(0.3) {
            i.push_str(" @min(-1000) @max(1000)");
        }
        let mut j = "  j: int".to_string();
        if self.rng.chance(0.2) {
            j.push_str(" @min(1)");
        }
        let mut s = "  s: string".to_string();
        if self.rng.chance(0.2) {
            s.push_str(&format!(" @pattern(r\"{}\")", self.rng.pick(PATTERNS)));
        }
        let mut xs = "  xs: [int]".to_string();
        if self.rng.chance(0.3) {
            xs.push_str(" @min_items(1)");
        }
        [
            "type Doc {".to_string(),
            i,
            j,
            "  f: float".to_string(),
            "  g: float".to_string(),
            s,
            "  t: string".to_string(),
            "  b: bool".to_string(),
            "  level: Level".to_string(),
            "  at: timestamp".to_string(),
            xs,
            "  fs: [float]".to_string(),
            "  ss: [string]".to_string(),
            "  m: {string: int}".to_string(),
            "  item: Item".to_string(),
            "  items: [Item]".to_string(),
            "  oi?: int".to_string(),
            "  os?: string".to_string(),
            "}\n\n".to_string(),
        ]
        .join("\n")
    }

    fn function(&mut self) -> String {
        let name = self.fresh("h");
        let arity = 1 + self.rng.below(2);
        let mut params = Vec::new();
        let mut scope = Scope::default();
        for p in 0..arity {
            let ty = *self.rng.pick(&[Ty::Int, Ty::Float, Ty::Str, Ty::Bool]);
            let pname = format!("a{p}");
            scope.values.push((pname.clone(), ty));
            params.push((pname, ty));
        }
        let ret = *self.rng.pick(&[Ty::Int, Ty::Float, Ty::Bool, Ty::Str]);
        let body = self.expr(ret, 2, &scope);
        let sig: Vec<String> = params.iter().map(|(n, t)| format!("{n}: {}", type_name(*t))).collect();
        self.fns
            .push((name.clone(), params.iter().map(|(_, t)| *t).collect(), ret));
        format!("fn {name}({}) -> {} = {body}\n\n", sig.join(", "), type_name(ret))
    }

    fn policy(&mut self, k: usize, q: usize) -> (String, PolicyInfo) {
        let name = format!("q{q}");
        let mut scope = Scope {
            subject: true,
            ..Scope::default()
        };
        let mut out = format!("policy {name} {{\n");
        let mut params = Vec::new();
        for p in 0..self.rng.below(3) {
            let pname = format!("p{p}");
            let (decl, ty, pty) = match self.rng.below(4) {
                0 => (
                    format!("{pname}: int = {}", self.int_literal_small()),
                    Ty::Int,
                    ParamTy::Int,
                ),
                1 => (
                    format!("{pname}: float = {}", self.float_literal()),
                    Ty::Float,
                    ParamTy::Float,
                ),
                2 => (
                    format!("{pname}: string = {}", self.str_literal()),
                    Ty::Str,
                    ParamTy::Str,
                ),
                _ => (
                    format!("{pname}: [string] = [{}, {}]", self.str_literal(), self.str_literal()),
                    Ty::Str,
                    ParamTy::StrList,
                ),
            };
            out.push_str(&format!("  param {decl}\n"));
            match pty {
                ParamTy::StrList => scope.str_lists.push(pname.clone()),
                _ => scope.values.push((pname.clone(), ty)),
            }
            params.push((pname, pty));
        }
        out.push_str("  subject d: Doc\n");
        for l in 0..self.rng.below(3) {
            let ty = *self.rng.pick(&[Ty::Int, Ty::Float, Ty::Bool, Ty::Str]);
            let value = self.expr(ty, 2, &scope);
            let lname = format!("l{l}");
            out.push_str(&format!("  let {lname} = {value}\n"));
            scope.values.push((lname, ty));
        }
        let clauses = 1 + self.rng.below(4);
        let mut has_allow = false;
        for _ in 0..clauses {
            let kind = match self.rng.below(10) {
                0..=5 => "deny",
                6..=7 => "warn",
                _ => "allow",
            };
            has_allow |= kind == "allow";
            out.push_str(&self.clause(kind, &scope));
        }
        let _ = has_allow;
        out.push_str("}\n\n");
        (
            out,
            PolicyInfo {
                package: format!("diff.p{k}.{name}"),
                params,
            },
        )
    }

    fn clause(&mut self, kind: &str, scope: &Scope) -> String {
        let mut inner = scope.clone();
        let block = self.rng.chance(0.4);
        let mut conditions = Vec::new();
        if block && self.rng.chance(0.6) {
            // One binding per item: messages then differ per item.
            let v = self.fresh("it");
            conditions.push(format!("some {v} in d.items"));
            inner.items.push(v);
        }
        let n = if block { 1 + self.rng.below(3) } else { 1 };
        for _ in 0..n {
            conditions.push(self.expr(Ty::Bool, 3, &inner));
        }
        let message = if kind == "allow" {
            String::new()
        } else {
            format!("\"{}\" ", self.message(&inner))
        };
        if block {
            let lines: Vec<String> = conditions
                .iter()
                // A line starting with `-` would continue the one before (as the language says).
                .map(|c| {
                    if c.starts_with('-') {
                        format!("    ({c})")
                    } else {
                        format!("    {c}")
                    }
                })
                .collect();
            format!("  {kind} {message}when {{\n{}\n  }}\n", lines.join("\n"))
        } else {
            format!("  {kind} {message}when {}\n", conditions[0])
        }
    }

    fn message(&mut self, scope: &Scope) -> String {
        let mut out = String::from("m");
        for _ in 0..self.rng.below(4) {
            let ty = *self.rng.pick(&[Ty::Int, Ty::Float, Ty::Bool, Ty::Str]);
            out.push_str(&format!(" {{{}}}", self.expr(ty, 2, scope)));
        }
        out
    }

    /// An expression of type `ty`, at most `depth` operators deep.
    fn expr(&mut self, ty: Ty, depth: usize, scope: &Scope) -> String {
        match ty {
            Ty::Int => self.int(depth, scope),
            Ty::Float => self.float(depth, scope),
            Ty::Bool => self.boolean(depth, scope),
            Ty::Str => self.string(depth, scope),
        }
    }

    fn local(&mut self, ty: Ty, scope: &Scope) -> Option<String> {
        let matching: Vec<&String> = scope.values.iter().filter(|(_, t)| *t == ty).map(|(n, _)| n).collect();
        if matching.is_empty() {
            None
        } else {
            Some(self.rng.pick(&matching).to_string())
        }
    }

    fn call(&mut self, ty: Ty, depth: usize, scope: &Scope) -> Option<String> {
        let candidates: Vec<(String, Vec<Ty>)> = self
            .fns
            .iter()
            .filter(|(_, _, r)| *r == ty)
            .map(|(n, p, _)| (n.clone(), p.clone()))
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let (name, params) = self.rng.pick(&candidates).clone();
        let args: Vec<String> = params.iter().map(|t| self.expr(*t, depth, scope)).collect();
        Some(format!("{name}({})", args.join(", ")))
    }

    fn int_literal_small(&mut self) -> String {
        self.rng
            .pick(&["0", "1", "2", "3", "5", "-1", "-7", "10", "100"])
            .to_string()
    }

    fn int(&mut self, depth: usize, scope: &Scope) -> String {
        let leaf = depth == 0 || self.rng.chance(0.35);
        if leaf {
            return match self.rng.below(11) {
                0 => self.int_literal_small(),
                1 => self
                    .rng
                    .pick(&[
                        "2147483648",
                        "9007199254740993",
                        "12345678901234567",
                        "-9223372036854775807",
                        "-3",
                    ])
                    .to_string(),
                2 if scope.subject => "d.i".into(),
                3 if scope.subject => "d.j".into(),
                4 if scope.subject => "d.item.x".into(),
                5 if scope.subject => self
                    .rng
                    .pick(&[
                        "count(d.xs)",
                        "count(d.ss)",
                        "count(d.m)",
                        "count(d.s)",
                        "count(d.items)",
                    ])
                    .to_string(),
                6 if !scope.items.is_empty() => format!("{}.x", self.rng.pick(&scope.items)),
                7 => self.local(Ty::Int, scope).unwrap_or_else(|| "4".into()),
                8 if scope.subject => "days_since(d.at)".into(),
                9 if scope.subject => self
                    .rng
                    .pick(&["get(d.m, \"k\", 0)", "get(d.xs, 1, -1)", "count(d.t)"])
                    .to_string(),
                _ => self.int_literal_small(),
            };
        }
        let d = depth - 1;
        match self.rng.below(10) {
            0 => format!("{} + {}", wrap(self.int(d, scope)), wrap(self.int(d, scope))),
            1 => format!("{} - {}", wrap(self.int(d, scope)), wrap(self.int(d, scope))),
            2 => format!("{} * {}", wrap(self.int(d, scope)), wrap(self.int(d, scope))),
            3 => format!("{} % {}", wrap(self.int(d, scope)), wrap(self.int(d, scope))),
            4 => format!("-{}", self.int_atom(d, scope)),
            5 => format!("({})", self.int(d, scope)),
            6 if scope.subject => self
                .rng
                .pick(&["sum(d.xs)", "max(d.xs)", "min(d.xs)", "d.xs[0]", "d.xs[2]"])
                .to_string(),
            7 => self.call(Ty::Int, d, scope).unwrap_or_else(|| "6".into()),
            8 => format!("count({})", self.string(d, scope)),
            _ => format!(
                "({} + {}) * {}",
                wrap(self.int(d, scope)),
                wrap(self.int(d, scope)),
                wrap(self.int(d, scope))
            ),
        }
    }

    /// An int that can follow a unary minus without parentheses.
    fn int_atom(&mut self, depth: usize, scope: &Scope) -> String {
        let e = self.int(depth, scope);
        if e.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_') {
            e
        } else {
            format!("({e})")
        }
    }

    fn float_literal(&mut self) -> String {
        self.rng
            .pick(&[
                "0.1", "0.2", "0.3", "2.5", "-3.75", "0.0", "1e-7", "1e300", "1.5e21", "100.25", "33.33", "0.000001",
            ])
            .to_string()
    }

    fn float(&mut self, depth: usize, scope: &Scope) -> String {
        let leaf = depth == 0 || self.rng.chance(0.35);
        if leaf {
            return match self.rng.below(7) {
                0 | 1 => self.float_literal(),
                2 if scope.subject => "d.f".into(),
                3 if scope.subject => "d.g".into(),
                4 => self.local(Ty::Float, scope).unwrap_or_else(|| "1.25".into()),
                5 => self.int(0, scope),
                _ => self.float_literal(),
            };
        }
        let d = depth - 1;
        match self.rng.below(9) {
            0 => format!("{} + {}", wrap(self.float(d, scope)), wrap(self.float(d, scope))),
            1 => format!("{} - {}", wrap(self.float(d, scope)), wrap(self.float(d, scope))),
            2 => format!("{} * {}", wrap(self.float(d, scope)), wrap(self.float(d, scope))),
            3 => format!("{} / {}", wrap(self.float(d, scope)), wrap(self.float(d, scope))),
            4 => format!("({})", self.float(d, scope)),
            5 if scope.subject => self
                .rng
                .pick(&["sum(d.fs)", "max(d.fs)", "min(d.fs)", "d.fs[0]"])
                .to_string(),
            6 => self.call(Ty::Float, d, scope).unwrap_or_else(|| "0.5".into()),
            7 => format!("{} / {}", wrap(self.int(d, scope)), wrap(self.int(d, scope))),
            _ => format!("-{}", wrap(self.float(0, scope))),
        }
    }

    fn str_literal(&mut self) -> String {
        format!("\"{}\"", self.rng.pick(STRINGS))
    }

    fn string(&mut self, depth: usize, scope: &Scope) -> String {
        let leaf = depth == 0 || self.rng.chance(0.4);
        if leaf {
            return match self.rng.below(7) {
                0 | 1 => self.str_literal(),
                2 if scope.subject => "d.s".into(),
                3 if scope.subject => "d.t".into(),
                4 if scope.subject => "d.item.name".into(),
                5 if !scope.items.is_empty() => format!("{}.name", self.rng.pick(&scope.items)),
                _ => self.local(Ty::Str, scope).unwrap_or_else(|| "\"s\"".into()),
            };
        }
        let d = depth - 1;
        match self.rng.below(6) {
            0 => format!("upper({})", self.string(d, scope)),
            1 => format!("lower({})", self.string(d, scope)),
            2 => format!("{} + {}", wrap(self.string(d, scope)), wrap(self.string(d, scope))),
            3 => {
                let ty = *self.rng.pick(&[Ty::Int, Ty::Float, Ty::Str, Ty::Bool]);
                format!("\"<{{{}}}>\"", self.expr(ty, d, scope))
            }
            4 => self.call(Ty::Str, d, scope).unwrap_or_else(|| "\"f\"".into()),
            _ => self.str_literal(),
        }
    }

    fn comparison(&mut self) -> &'static str {
        const COMPARISONS: &[&str] = &["==", "!=", "<", "<=", ">", ">="];
        let op: &&'static str = self.rng.pick(COMPARISONS);
        op
    }

    fn boolean(&mut self, depth: usize, scope: &Scope) -> String {
        let leaf = depth == 0 || self.rng.chance(0.25);
        if leaf {
            return match self.rng.below(8) {
                0 if scope.subject => "d.b".into(),
                1 => self.rng.pick(&["true", "false"]).to_string(),
                2 => self.local(Ty::Bool, scope).unwrap_or_else(|| "true".into()),
                3 if scope.subject => self.rng.pick(&["has d.oi", "not has d.os", "has d.item.w"]).to_string(),
                4 if scope.subject => format!("d.level == Level.{}", self.rng.pick(&["low", "mid", "high"])),
                5 if scope.subject => self
                    .rng
                    .pick(&[
                        "d.at < \"2020-01-01T00:00:00Z\"",
                        "d.at >= \"2024-02-29T12:00:00Z\"",
                        "\"k\" in d.m",
                    ])
                    .to_string(),
                _ => {
                    let op = self.comparison();
                    format!("{} {op} {}", self.int(0, scope), self.int(0, scope))
                }
            };
        }
        let d = depth - 1;
        match self.rng.below(17) {
            0 => {
                let op = self.comparison();
                format!("{} {op} {}", self.int(d, scope), self.int(d, scope))
            }
            1 => {
                let op = self.comparison();
                format!("{} {op} {}", self.float(d, scope), self.float(d, scope))
            }
            2 => {
                let op = self.comparison();
                format!("{} {op} {}", self.string(d, scope), self.string(d, scope))
            }
            3 => format!("{} and {}", wrap(self.boolean(d, scope)), wrap(self.boolean(d, scope))),
            4 => format!("{} or {}", wrap(self.boolean(d, scope)), wrap(self.boolean(d, scope))),
            5 => format!("not ({})", self.boolean(d, scope)),
            6 if scope.subject => {
                let x = self.fresh("x");
                let mut inner = scope.clone();
                inner.values.push((x.clone(), Ty::Int));
                let q = self.rng.pick(&["all", "any"]);
                format!("{q} {x} in d.xs: {}", self.boolean(d, &inner))
            }
            7 if scope.subject => {
                let v = self.fresh("v");
                let mut inner = scope.clone();
                inner.items.push(v.clone());
                let q = self.rng.pick(&["all", "any"]);
                format!("{q} {v} in d.items: {}", self.boolean(d, &inner))
            }
            8 if scope.subject => format!("{} in d.xs", self.int(d, scope)),
            9 => {
                let list = if scope.subject && (scope.str_lists.is_empty() || self.rng.chance(0.5)) {
                    "d.ss".to_string()
                } else if !scope.str_lists.is_empty() {
                    self.rng.pick(&scope.str_lists).clone()
                } else {
                    "[\"a\", \"ß\"]".to_string()
                };
                format!("{} in {list}", self.string(d, scope))
            }
            10 => {
                let f = self.rng.pick(&["startswith", "endswith", "contains"]);
                format!("{f}({}, {})", self.string(d, scope), self.string(0, scope))
            }
            11 => format!("matches({}, r\"{}\")", self.string(d, scope), self.rng.pick(PATTERNS)),
            12 if scope.subject => format!("has d.oi and d.oi {} {}", self.comparison(), self.int(d, scope)),
            13 if scope.subject => format!(
                "\"k\" in d.m and d.m[\"k\"] {} {}",
                self.comparison(),
                self.int(d, scope)
            ),
            14 if !scope.items.is_empty() => {
                let v = self.rng.pick(&scope.items).clone();
                format!("has {v}.w and {v}.w {} {}", self.comparison(), self.float(d, scope))
            }
            15 => self.call(Ty::Bool, d, scope).unwrap_or_else(|| "false".into()),
            _ => format!("{} {} {}", self.float(d, scope), self.comparison(), self.int(d, scope)),
        }
    }
}

/// An operand as written inside a larger expression: parenthesised when it has an operator at its
/// top level, so the generated program means what the generator built (precedence is the
/// parser's business, tested elsewhere; a negative literal and a call stay bare).
fn wrap(e: String) -> String {
    let (mut depth, mut in_string, mut escaped) = (0i32, false, false);
    let mut top_level_space = false;
    for c in e.chars() {
        if in_string {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => in_string = false,
                _ => escaped = false,
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ' ' if depth == 0 => top_level_space = true,
            _ => {}
        }
    }
    if top_level_space || e.starts_with('-') {
        format!("({e})")
    } else {
        e
    }
}

fn type_name(t: Ty) -> &'static str {
    match t {
        Ty::Int => "int",
        Ty::Float => "float",
        Ty::Bool => "bool",
        Ty::Str => "string",
    }
}
