//! A small intermediate representation between the checked program and the back ends. Back ends
//! read only this: policies with their subject schema, parameters, clauses and messages;
//! functions grouped by module; tests; resources; enforcements. Names are final here (no ids),
//! types are schemas, and declarations come in dependency order.

mod lower;

pub use lower::lower;

use crate::checked::{AdmissionAction, Builtin, Severity};
use crate::syntax::ast::{ClauseKind, ExpectKind, Quantifier};
use serde::Serialize;

/// The whole program as the back ends see it.
#[derive(Debug, Clone, Serialize)]
pub struct Ir {
    /// Modules that declare functions used by some emitted policy or test, in dependency order.
    pub fn_modules: Vec<FnModule>,
    /// Policies in dependency order.
    pub policies: Vec<Policy>,
    pub tests: Vec<TestSuite>,
    pub resources: Vec<Resource>,
    pub enforcements: Vec<Enforcement>,
}

/// A dotted package path, `acme.data`.
pub type PackagePath = Vec<String>;

#[derive(Debug, Clone, Serialize)]
pub struct FnModule {
    pub package: PackagePath,
    pub fns: Vec<Function>,
    /// Used only by tests: shipped with the tests, not in the deployable bundle.
    pub test_only: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Function {
    pub name: String,
    pub doc: Option<String>,
    pub params: Vec<Var>,
    pub returns_bool: bool,
    pub body: Expr,
    /// Its body holds an operation that can fail, itself or in a function it calls.
    pub can_fail: bool,
}

/// A local variable with its final (unique within its body) name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Var(pub String);

#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    /// The policy's Rego package: module path plus the policy name.
    pub package: PackagePath,
    pub name: String,
    pub title: Option<String>,
    pub doc: Option<String>,
    pub severity: Severity,
    pub controls: Vec<String>,
    pub owner: Option<String>,
    /// The subject's type name, used in malformed-document messages.
    pub subject_type: String,
    pub subject: Schema,
    pub params: Vec<Param>,
    /// `let` bindings, in order.
    pub lets: Vec<(Var, Expr)>,
    pub clauses: Vec<Clause>,
    /// Function modules this policy uses, directly or through other functions.
    pub uses_fn_modules: Vec<PackagePath>,
}

impl Policy {
    pub fn has_allow(&self) -> bool {
        self.clauses.iter().any(|c| c.kind == ClauseKind::Allow)
    }

    /// `acme.data.no_unencrypted_pii`.
    pub fn dotted(&self) -> String {
        self.package.join(".")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Param {
    pub name: String,
    pub doc: Option<String>,
    pub schema: Schema,
    pub default: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct Clause {
    pub kind: ClauseKind,
    pub message: Option<Vec<MsgPart>>,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Serialize)]
pub enum MsgPart {
    Text(String),
    /// A string, boolean, timestamp or enum value, written as is.
    Value(Expr),
    /// A number, written in the language's own format (the same on every engine).
    Number(Expr),
}

#[derive(Debug, Clone, Serialize)]
pub enum Condition {
    Expr(Expr),
    /// `some var in collection`, with `key` bound to the map key or list index when named.
    Some {
        key: Option<Var>,
        var: Var,
        collection: Expr,
    },
}

/// The shape a JSON document must have: what the fail-closed checks, CRDs and parameter schemas
/// are generated from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Schema {
    String {
        pattern: Option<String>,
    },
    Number {
        integer: bool,
        min: Option<f64>,
        max: Option<f64>,
    },
    Bool,
    Timestamp,
    Enum {
        name: String,
        values: Vec<String>,
    },
    List {
        items: Box<Schema>,
        min_items: Option<u64>,
    },
    Map {
        values: Box<Schema>,
    },
    Object {
        name: String,
        doc: Option<String>,
        fields: Vec<SchemaField>,
    },
    /// Exactly this string (a resource's `apiVersion` and `kind`).
    Const(String),
    /// Anything (a value whose type had an error; never in a successful build).
    Any,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchemaField {
    pub name: String,
    pub required: bool,
    /// Marked `@sensitive`: masked in decision logs.
    pub sensitive: bool,
    pub doc: Option<String>,
    pub schema: Schema,
}

/// What kind of values an operator or built-in works on, where Rego needs different code for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Operands {
    Number,
    String,
    List,
    Map,
    Timestamp,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BinOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Debug, Clone, Serialize)]
pub enum Expr {
    Int(i64),
    Float(f64),
    Bool(bool),
    String(String),
    /// An interpolated string.
    Format(Vec<MsgPart>),
    /// The document being judged.
    Subject,
    /// A policy parameter.
    Param(String),
    /// A policy-level `let`.
    Let(Var),
    /// A function parameter or a variable bound by `some`, `all` or `any`.
    Local(Var),
    Field {
        target: Box<Expr>,
        name: String,
    },
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
    },
    Call {
        module: PackagePath,
        name: String,
        args: Vec<Expr>,
        /// The function can fail (see [`Function::can_fail`]).
        can_fail: bool,
    },
    Builtin {
        builtin: Builtin,
        args: Vec<Expr>,
        /// What the first argument is (`count` of a string counts characters).
        on: Operands,
    },
    Not(Box<Expr>),
    Neg(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Binary {
        op: BinOp,
        operands: Operands,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// Membership in a list, or a key of a map.
    In {
        operands: Operands,
        element: Box<Expr>,
        collection: Box<Expr>,
    },
    Quantified {
        quantifier: Quantifier,
        /// The map key or list index, when the quantifier names one.
        key: Option<Var>,
        var: Var,
        collection: Box<Expr>,
        body: Box<Expr>,
    },
    /// Every field along the path is present (and not null).
    Has(Box<Expr>),
    Record(Vec<(String, Expr)>),
    List(Vec<Expr>),
    /// A float result rounded to 10 significant digits: the language's float arithmetic, which
    /// engines that compute floats differently (OPA and regorus) agree on.
    Rounded(Box<Expr>),
    /// An operation that can fail at run time.
    Partial(Box<Partial>),
}

impl Expr {
    /// The expressions directly inside this one (message parts included).
    pub fn children(&self) -> Vec<&Expr> {
        match self {
            Expr::Int(_)
            | Expr::Float(_)
            | Expr::Bool(_)
            | Expr::String(_)
            | Expr::Subject
            | Expr::Param(_)
            | Expr::Let(_)
            | Expr::Local(_) => Vec::new(),
            Expr::Format(parts) => parts
                .iter()
                .filter_map(|p| match p {
                    MsgPart::Text(_) => None,
                    MsgPart::Value(e) | MsgPart::Number(e) => Some(e),
                })
                .collect(),
            Expr::Field { target, .. } => vec![target],
            Expr::Index { target, index } => vec![target, index],
            Expr::Call { args, .. } | Expr::Builtin { args, .. } | Expr::List(args) => args.iter().collect(),
            Expr::Not(x) | Expr::Neg(x) | Expr::Has(x) | Expr::Rounded(x) => vec![x],
            Expr::And(a, b) | Expr::Or(a, b) => vec![a, b],
            Expr::Binary { lhs, rhs, .. } => vec![lhs, rhs],
            Expr::In {
                element, collection, ..
            } => vec![element, collection],
            Expr::Quantified { collection, body, .. } => vec![collection, body],
            Expr::Record(fields) => fields.iter().map(|(_, v)| v).collect(),
            Expr::Partial(p) => vec![&p.expr],
        }
    }

    /// Whether evaluating this expression can fail: it holds a [`Partial`] operation or calls a
    /// function that can fail.
    pub fn can_fail(&self) -> bool {
        match self {
            Expr::Partial(_) | Expr::Call { can_fail: true, .. } => true,
            other => other.children().into_iter().any(Expr::can_fail),
        }
    }
}

/// An operation that can fail at run time (a division by zero, ...). Its value is the value of
/// `expr`; the back ends report each way it can fail as a denial naming `text` and the cause, and
/// run no clause of a policy on a document where one does (LANGUAGE-REFERENCE, "Evaluation
/// failures").
#[derive(Debug, Clone, Serialize)]
pub struct Partial {
    /// The expression as written, for messages.
    pub text: String,
    pub failures: Vec<Failure>,
    pub expr: Expr,
}

/// One way a [`Partial`] operation can fail, stated on its `expr`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Failure {
    /// The right operand of `/` or `%` is zero.
    DivisionByZero,
    /// The list argument of `min` or `max` is empty.
    EmptyList,
    /// The index is outside the list.
    IndexOutOfRange,
    /// The result's magnitude exceeds `limit` (the language's range of `int` or `float`).
    OutOfRange { limit: f64 },
    /// The argument of `quantity` is not a Kubernetes quantity.
    NotAQuantity,
}

impl Failure {
    /// The cause, as messages state it.
    pub fn cause(self) -> &'static str {
        match self {
            Failure::DivisionByZero => "division by zero",
            Failure::EmptyList => "the list is empty",
            Failure::IndexOutOfRange => "the index is outside the list",
            Failure::OutOfRange { .. } => "the result is out of range",
            Failure::NotAQuantity => "not a Kubernetes quantity",
        }
    }
}

/// The largest magnitude of an `int` result: beyond it, engines disagree (regorus leaves 64-bit
/// integers for floats at 2^63 ≈ 9.22e18, OPA computes exactly), so it is an evaluation failure.
pub const INT_LIMIT: f64 = 9e18;

/// The largest magnitude of a `float` result (regorus stops at the largest double, OPA goes on):
/// 2^1000, about 1.07e301. A power of two: engines that compute on decimals (OPA) and on doubles
/// (regorus) can disagree on which side of the limit a result falls only when it is within 1e-16
/// of it, which a decimal result never is of a power of two (it could be of `1e300`).
pub const FLOAT_LIMIT: f64 = 1.0715086071862673e301;

#[derive(Debug, Clone, Serialize)]
pub struct TestSuite {
    /// The Rego package of the compiled tests: the module path plus `_test`.
    pub package: PackagePath,
    pub tests: Vec<Test>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Test {
    pub name: String,
    /// `test_` plus a slug of the name, unique in the suite.
    pub rule: String,
    pub lets: Vec<(Var, Expr)>,
    pub expectations: Vec<Expectation>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Expectation {
    pub kind: ExpectKind,
    /// The policy's package.
    pub policy: PackagePath,
    pub policy_has_allow: bool,
    pub subject: Expr,
    pub overrides: Vec<(String, Expr)>,
    pub message: Option<String>,
    /// Line of the expectation in its file, for reports.
    pub line: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    pub kind: String,
    pub doc: Option<String>,
    pub group: String,
    pub version: String,
    pub namespaced: bool,
    pub plural: String,
    pub spec: Schema,
}

#[derive(Debug, Clone, Serialize)]
pub struct Enforcement {
    pub policies: Vec<PackagePath>,
    pub ci_files: Vec<String>,
    pub ci_sarif: bool,
    pub admission: Option<Admission>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Admission {
    pub kinds: Vec<String>,
    pub action: AdmissionAction,
    pub namespaces: Vec<String>,
    pub excluded_namespaces: Vec<String>,
}

/// A clause kind as written.
pub fn clause_word(kind: ClauseKind) -> &'static str {
    match kind {
        ClauseKind::Deny => "deny",
        ClauseKind::Warn => "warn",
        ClauseKind::Allow => "allow",
    }
}
