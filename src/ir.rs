//! A small intermediate representation between the checked program and the back ends. Back ends
//! read only this: policies with their subject schema, parameters, clauses and messages;
//! functions grouped by module; tests; resources; enforcements. Names are final here (no ids),
//! types are schemas, and declarations come in dependency order.

#![deny(missing_docs)]

mod lower;

pub use lower::{lower, lower_scope, outline, LowerInput, Scope};

// The words the IR shares with the front end: each is defined once, where the language first
// needs it, and re-exported here, so that back ends name them through the IR only.
pub use crate::checked::{AdmissionAction, AdmissionEngine, Builtin, Severity, RFC3339_PATTERN};
pub use crate::syntax::ast::{ClauseKind, ExpectKind, Quantifier};
use serde::Serialize;

/// The whole program as the back ends see it.
#[derive(Debug, Clone, Serialize)]
pub struct Ir {
    /// Modules that declare functions used by some emitted policy or test, in dependency order.
    pub fn_modules: Vec<FnModule>,
    /// Policies in dependency order.
    pub policies: Vec<Policy>,
    /// The project's tests, one suite per module that declares any.
    pub tests: Vec<TestSuite>,
    /// The resources govc owns (not the standard library's, not external ones): one CRD each.
    pub resources: Vec<Resource>,
    /// The `enforce` declarations: which policies run in CI and at admission.
    pub enforcements: Vec<Enforcement>,
}

/// A dotted package path, `acme.data`.
pub type PackagePath = Vec<String>;

/// The Rego packages of an [`Ir`], in emission order, without their contents: the bundle's
/// layout. [`outline`] finds it without lowering; [`Ir::outline`] reads it off a lowered program.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outline {
    /// Each function module's package, and whether only tests use it.
    pub fn_modules: Vec<(PackagePath, bool)>,
    /// Each policy's package.
    pub policies: Vec<PackagePath>,
    /// Each test suite's package.
    pub tests: Vec<PackagePath>,
}

impl Ir {
    /// The packages of this program, in emission order.
    pub fn outline(&self) -> Outline {
        Outline {
            fn_modules: self
                .fn_modules
                .iter()
                .map(|m| (m.package.clone(), m.test_only))
                .collect(),
            policies: self.policies.iter().map(|p| p.package.clone()).collect(),
            tests: self.tests.iter().map(|s| s.package.clone()).collect(),
        }
    }
}

/// The functions of one module, emitted as one Rego package.
#[derive(Debug, Clone, Serialize)]
pub struct FnModule {
    /// The module's package, `acme.shared`.
    pub package: PackagePath,
    /// Its functions, in dependency order.
    pub fns: Vec<Function>,
    /// Used only by tests: shipped with the tests, not in the deployable bundle.
    pub test_only: bool,
}

/// A helper function (`fn`), with its body as one expression.
#[derive(Debug, Clone, Serialize)]
pub struct Function {
    /// The name as declared.
    pub name: String,
    /// Its `///` doc comment.
    pub doc: Option<String>,
    /// Its parameters, in order.
    pub params: Vec<Var>,
    /// It returns `bool` (Rego emits it as a rule that is true or undefined).
    pub returns_bool: bool,
    /// The body.
    pub body: Expr,
    /// Its body holds an operation that can fail, itself or in a function it calls.
    pub can_fail: bool,
}

/// A local variable with its final (unique within its body) name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Var(pub String);

/// A policy, with everything its Rego package needs.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    /// The policy's Rego package: module path plus the policy name.
    pub package: PackagePath,
    /// The name as declared.
    pub name: String,
    /// The `title` setting.
    pub title: Option<String>,
    /// Its `///` doc comment.
    pub doc: Option<String>,
    /// The `severity` setting (`medium` when not set).
    pub severity: Severity,
    /// The `controls` setting: the control identifiers it implements.
    pub controls: Vec<String>,
    /// The `owner` setting.
    pub owner: Option<String>,
    /// The policy it applies (`std.ai.no_unencrypted_pii`), for an applied policy.
    pub applies: Option<String>,
    /// The subject's type name, used in malformed-document messages.
    pub subject_type: String,
    /// The shape the subject document must have (checked before any clause runs).
    pub subject: Schema,
    /// The `param`s, in order.
    pub params: Vec<Param>,
    /// `let` bindings, in order.
    pub lets: Vec<(Var, Expr)>,
    /// The `deny`, `warn` and `allow` clauses, in order.
    pub clauses: Vec<Clause>,
    /// Function modules this policy uses, directly or through other functions.
    pub uses_fn_modules: Vec<PackagePath>,
    /// For a policy on `std.k8s.Workload`: the kinds that make Pods, each with where it holds
    /// the pod (empty for a Pod itself). The document judged is the object with that pod as
    /// its `pod` field.
    pub pod_view: Option<Vec<PodMaker>>,
    /// For a policy that reads the admission request (`request r`): the shape its fields must
    /// have, with only the fields the policy reads (`oldObject` of the subject's shape).
    pub request: Option<Schema>,
    /// The `inventory` members: the objects of a kind in the cluster, each read as a list.
    pub inventories: Vec<Inventory>,
}

/// A policy's `inventory` member: the objects of one kind that are in the cluster, as Gatekeeper
/// syncs them into `data.inventory`.
#[derive(Debug, Clone, Serialize)]
pub struct Inventory {
    /// Its name in the policy (`others`).
    pub name: String,
    /// The kind whose objects it holds.
    pub kind: InventoryKind,
    /// The shape each object must have: for an external kind, only the fields the policy reads.
    pub schema: Schema,
}

/// Where the objects of a kind are kept in `data.inventory`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct InventoryKind {
    /// The API group, `""` for the core group.
    pub group: String,
    /// The API version (`v1`).
    pub version: String,
    /// The kind (`Ingress`).
    pub kind: String,
    /// Namespaced (`data.inventory.namespace[ns][gv][kind][name]`) or cluster-scoped
    /// (`data.inventory.cluster[gv][kind][name]`).
    pub namespaced: bool,
}

impl InventoryKind {
    /// The object's `apiVersion`, Gatekeeper's key for it: `group/version`, `version` alone for
    /// the core group.
    pub fn api_version(&self) -> String {
        match self.group.as_str() {
            "" => self.version.clone(),
            g => format!("{g}/{}", self.version),
        }
    }
}

/// A kind that makes Pods, and the path of its pod template.
#[derive(Debug, Clone, Serialize)]
pub struct PodMaker {
    /// The kind (`Deployment`, `Pod`).
    pub kind: String,
    /// The fields from the object to its pod template (`spec.template`); empty for a Pod.
    pub path: Vec<String>,
}

impl Policy {
    /// Whether it has an `allow` clause (an access decision).
    pub fn has_allow(&self) -> bool {
        self.clauses.iter().any(|c| c.kind == ClauseKind::Allow)
    }

    /// `acme.data.no_unencrypted_pii`.
    pub fn dotted(&self) -> String {
        self.package.join(".")
    }
}

/// A policy parameter: a default that deployments may override at run time.
#[derive(Debug, Clone, Serialize)]
pub struct Param {
    /// Its key in the parameters and overrides (`Expr::Param` names it so): the name as declared,
    /// or its `@key` (`ephemeral-storage`).
    pub name: String,
    /// The name as declared, an identifier: what generated code names its variable after.
    pub var: String,
    /// Its `///` doc comment.
    pub doc: Option<String>,
    /// The values it accepts (an override of another shape is a denial).
    pub schema: Schema,
    /// The default, as it goes into the bundle's `data.json`.
    pub default: serde_json::Value,
}

/// A `deny`, `warn` or `allow` clause.
#[derive(Debug, Clone, Serialize)]
pub struct Clause {
    /// Which of the three.
    pub kind: ClauseKind,
    /// The message of `deny` and `warn`; `allow` has none.
    pub message: Option<Vec<MsgPart>>,
    /// The conditions, all of which must hold.
    pub conditions: Vec<Condition>,
}

/// A piece of a message or interpolated string.
#[derive(Debug, Clone, Serialize)]
pub enum MsgPart {
    /// Literal text.
    Text(String),
    /// A string, boolean, timestamp or enum value, written as is.
    Value(Expr),
    /// A number, written in the language's own format (the same on every engine).
    Number(Expr),
}

/// One condition of a clause.
#[derive(Debug, Clone, Serialize)]
pub enum Condition {
    /// A boolean expression that must be true.
    Expr(Expr),
    /// `some var in collection`, with `key` bound to the map key or list index when named: the
    /// clause holds for each element that satisfies the rest.
    Some {
        /// The map key or list index, when named.
        key: Option<Var>,
        /// The variable bound to each element.
        var: Var,
        /// The list (or map, over its keys) it ranges over.
        collection: Expr,
    },
    /// `let var = value` in a block: `var` holds `value` for the conditions after it and the
    /// message (a local binding; it never fails to hold).
    Let {
        /// The local it binds.
        var: Var,
        /// Its value.
        value: Expr,
    },
}

/// The shape a JSON document must have: what the fail-closed checks, CRDs and parameter schemas
/// are generated from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Schema {
    /// A string.
    String {
        /// The `@pattern` it must match, in the form both engines read as OPA does.
        pattern: Option<String>,
    },
    /// A number.
    Number {
        /// An `int`: a whole number.
        integer: bool,
        /// The `@min` bound, inclusive.
        min: Option<f64>,
        /// The `@max` bound, inclusive.
        max: Option<f64>,
    },
    /// `true` or `false`.
    Bool,
    /// An RFC 3339 date-time string ([`RFC3339_PATTERN`]).
    Timestamp,
    /// A string or an integer.
    IntOrString,
    /// One of an enum's values, as strings.
    Enum {
        /// The enum's name, for messages.
        name: String,
        /// Its values, in declaration order.
        values: Vec<String>,
    },
    /// A list.
    List {
        /// The shape of each element.
        items: Box<Schema>,
        /// The `@min_items` bound.
        min_items: Option<u64>,
    },
    /// An object with string keys and values of one shape.
    Map {
        /// The shape of each value.
        values: Box<Schema>,
    },
    /// A record type: an object with named fields.
    Object {
        /// The type's name, for messages.
        name: String,
        /// Its `///` doc comment (CRD descriptions).
        doc: Option<String>,
        /// Its fields, in declaration order.
        fields: Vec<SchemaField>,
    },
    /// Exactly this string (a resource's `apiVersion` and `kind`).
    Const(String),
    /// Anything (a value whose type had an error; never in a successful build).
    Any,
}

/// A field of an object [`Schema`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchemaField {
    /// The field's name, as in documents.
    pub name: String,
    /// Not declared optional (`name?:`).
    pub required: bool,
    /// Marked `@sensitive`: masked in decision logs.
    pub sensitive: bool,
    /// Its `///` doc comment.
    pub doc: Option<String>,
    /// The field's shape.
    pub schema: Schema,
}

/// What kind of values an operator or built-in works on, where Rego needs different code for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Operands {
    /// `int` or `float`.
    Number,
    /// `string` or an enum value.
    String,
    /// A list.
    List,
    /// A map.
    Map,
    /// A `timestamp` (compared as instants, not as text).
    Timestamp,
    /// Anything else (booleans, records).
    Other,
}

/// A binary operator other than `and`, `or` and `in` (which have their own [`Expr`] forms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BinOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+` (also string and list concatenation)
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
}

/// A typed expression, with names final.
#[derive(Debug, Clone, Serialize)]
pub enum Expr {
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// A string literal.
    String(String),
    /// An interpolated string.
    Format(Vec<MsgPart>),
    /// The document being judged.
    Subject,
    /// The admission request (`request r`): an object, `{}` where there is none.
    Request,
    /// A policy's `inventory` member, by name: a list of the objects of its kind.
    Inventory(String),
    /// A policy parameter.
    Param(String),
    /// A policy-level `let`.
    Let(Var),
    /// A function parameter or a variable bound by `some`, `all` or `any`.
    Local(Var),
    /// `target.name`.
    Field {
        /// The record or map read.
        target: Box<Expr>,
        /// The field's name.
        name: String,
    },
    /// `target[index]`.
    Index {
        /// The list or map read.
        target: Box<Expr>,
        /// The position or key.
        index: Box<Expr>,
    },
    /// A call of a helper function.
    Call {
        /// The function's module.
        module: PackagePath,
        /// The function's name.
        name: String,
        /// The arguments, in order.
        args: Vec<Expr>,
        /// The function can fail (see [`Function::can_fail`]).
        can_fail: bool,
    },
    /// A call of a built-in.
    Builtin {
        /// Which built-in.
        builtin: Builtin,
        /// The arguments, in order.
        args: Vec<Expr>,
        /// What the first argument is (`count` of a string counts characters).
        on: Operands,
    },
    /// `not x`.
    Not(Box<Expr>),
    /// `-x`.
    Neg(Box<Expr>),
    /// `a and b`.
    And(Box<Expr>, Box<Expr>),
    /// `a or b`.
    Or(Box<Expr>, Box<Expr>),
    /// A comparison or arithmetic.
    Binary {
        /// The operator.
        op: BinOp,
        /// What the operands are (both have the same kind).
        operands: Operands,
        /// The left operand.
        lhs: Box<Expr>,
        /// The right operand.
        rhs: Box<Expr>,
    },
    /// Membership in a list, or a key of a map.
    In {
        /// What the collection is.
        operands: Operands,
        /// The value looked for.
        element: Box<Expr>,
        /// The list or map.
        collection: Box<Expr>,
    },
    /// `all var in collection: body` or `any var in collection: body`.
    Quantified {
        /// `all` or `any`.
        quantifier: Quantifier,
        /// The map key or list index, when the quantifier names one.
        key: Option<Var>,
        /// The variable bound to each element.
        var: Var,
        /// The list (or map, over its keys).
        collection: Box<Expr>,
        /// The condition on each element.
        body: Box<Expr>,
    },
    /// Every field along the path is present (and not null).
    Has(Box<Expr>),
    /// `[element for key, var in collection if filter]`: in the collection's order (a map's
    /// entries by key).
    Comprehension {
        /// The value for each member.
        element: Box<Expr>,
        /// The map key or list index, when one is named.
        key: Option<Var>,
        /// The variable bound to each member.
        var: Var,
        /// The list or map.
        collection: Box<Expr>,
        /// The members kept, when there is a filter.
        filter: Option<Box<Expr>>,
    },
    /// `if cond then then else otherwise`: only the branch the condition picks is evaluated.
    If {
        /// The condition.
        cond: Box<Expr>,
        /// The value where the condition holds.
        then: Box<Expr>,
        /// The value where it does not.
        otherwise: Box<Expr>,
    },
    /// A record literal: its fields in order.
    Record(Vec<(String, Expr)>),
    /// A list literal.
    List(Vec<Expr>),
    /// A float result rounded to 10 significant digits: the language's float arithmetic, which
    /// engines that compute floats differently (OPA and regorus) agree on.
    Rounded(Box<Expr>),
    /// An operation that can fail at run time.
    Partial(Box<Partial>),
    /// The instant a timestamp (an RFC 3339 string) names, as an integer: nanoseconds since
    /// 1970-01-01T00:00:00Z. Time arithmetic computes on instants; a duration is an integer of
    /// nanoseconds already.
    Instant(Box<Expr>),
    /// The timestamp of an instant (nanoseconds), as RFC 3339 text in UTC
    /// (`2026-03-02T09:00:00Z`, fractions of a second without trailing zeros): how a computed
    /// timestamp is held, like a document's.
    TimeText(Box<Expr>),
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
            | Expr::Request
            | Expr::Inventory(_)
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
            Expr::Not(x) | Expr::Neg(x) | Expr::Has(x) | Expr::Rounded(x) | Expr::Instant(x) | Expr::TimeText(x) => {
                vec![x]
            }
            Expr::And(a, b) | Expr::Or(a, b) => vec![a, b],
            Expr::Binary { lhs, rhs, .. } => vec![lhs, rhs],
            Expr::In {
                element, collection, ..
            } => vec![element, collection],
            Expr::Quantified { collection, body, .. } => vec![collection, body],
            Expr::If { cond, then, otherwise } => vec![cond, then, otherwise],
            Expr::Comprehension {
                element,
                collection,
                filter,
                ..
            } => std::iter::once(collection.as_ref())
                .chain(filter.as_deref())
                .chain([element.as_ref()])
                .collect(),
            Expr::Record(fields) => fields.iter().map(|(_, v)| v).collect(),
            Expr::Partial(p) => vec![&p.expr],
        }
    }

    /// The iteration a quantifier or a comprehension opens; `None` for any other expression.
    pub fn iteration(&self) -> Option<Iteration<'_>> {
        match self {
            Expr::Quantified {
                key,
                var,
                collection,
                body,
                ..
            } => Some(Iteration {
                key: key.as_ref(),
                var,
                collection,
                scoped: vec![body],
            }),
            Expr::Comprehension {
                element,
                key,
                var,
                collection,
                filter,
            } => Some(Iteration {
                key: key.as_ref(),
                var,
                collection,
                scoped: filter.as_deref().into_iter().chain([element.as_ref()]).collect(),
            }),
            _ => None,
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

/// What a quantifier or a comprehension iterates, the one account of their scoping: the
/// collection is evaluated outside the iteration, the scoped expressions once per member with
/// `key` and `var` bound, each where the ones before it hold (a comprehension's element only
/// where its filter does).
#[derive(Debug, Clone)]
pub struct Iteration<'a> {
    /// The map key or list index, when one is named.
    pub key: Option<&'a Var>,
    /// The variable bound to each member.
    pub var: &'a Var,
    /// The list or map walked.
    pub collection: &'a Expr,
    /// What is evaluated for each member, in order: a quantifier's body; a comprehension's
    /// filter (if any), then its element.
    pub scoped: Vec<&'a Expr>,
}

/// An operation that can fail at run time (a division by zero, ...). Its value is the value of
/// `expr`; the back ends report each way it can fail as a denial naming `text` and the cause, and
/// run no clause of a policy on a document where one does (LANGUAGE-REFERENCE, "Evaluation
/// failures").
#[derive(Debug, Clone, Serialize)]
pub struct Partial {
    /// The expression as written, for messages.
    pub text: String,
    /// The ways it can fail.
    pub failures: Vec<Failure>,
    /// The operation itself.
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
    OutOfRange {
        /// [`INT_LIMIT`] or [`FLOAT_LIMIT`].
        limit: f64,
    },
    /// The argument of `quantity` is not a Kubernetes quantity.
    NotAQuantity,
    /// The argument of `url_host` (`url_scheme`, ...) is not an absolute URL.
    NotAUrl,
    /// The pattern of `matches`, computed at run time (a parameter, a field), is not a regular
    /// expression that every engine reads alike.
    InvalidPattern,
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
            Failure::NotAUrl => "not a URL",
            Failure::InvalidPattern => {
                "the pattern is not a regular expression every engine reads alike (RE2, escapes only before punctuation: write [0-9] for \\d)"
            }
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

/// The smallest magnitude of a non-zero `float` result, 2^-1000 (about 9.33e-302): a result
/// closer to zero is zero. Below it regorus's doubles lose digits (and reach zero at about
/// 5e-324) where OPA's decimals go on (`1e-300 * 1e-300` is `1e-600` in OPA, `0` in regorus).
pub const FLOAT_TINY: f64 = 9.332636185032189e-302;

/// The largest magnitude of an instant computed by time arithmetic (nanoseconds from 1970): both
/// engines' time functions count nanoseconds in 64 bits (±9.223e18, years 1677 to 2262), so a
/// timestamp moved beyond ±9.22e18 is an evaluation failure.
pub const TIME_LIMIT: f64 = 9.22e18;

/// The tests of one module, compiled into one Rego test package.
#[derive(Debug, Clone, Serialize)]
pub struct TestSuite {
    /// The Rego package of the compiled tests: the module path plus `_test`.
    pub package: PackagePath,
    /// Its tests, in declaration order.
    pub tests: Vec<Test>,
}

/// A `test` declaration.
#[derive(Debug, Clone, Serialize)]
pub struct Test {
    /// The test's name, as written in quotes.
    pub name: String,
    /// `test_` plus a slug of the name, unique in the suite.
    pub rule: String,
    /// The test's `let` bindings, in order.
    pub lets: Vec<(Var, Expr)>,
    /// Its `expect` lines, in order.
    pub expectations: Vec<Expectation>,
}

/// One `expect` line of a test.
#[derive(Debug, Clone, Serialize)]
pub struct Expectation {
    /// What is expected: denied, warned, passes, allowed, rejected.
    pub kind: ExpectKind,
    /// The policy's package.
    pub policy: PackagePath,
    /// The policy has an `allow` clause.
    pub policy_has_allow: bool,
    /// The document judged.
    pub subject: Expr,
    /// Parameter values given for this expectation, by name.
    pub overrides: Vec<(String, Expr)>,
    /// The exact message expected (`expect denied p(x) with "..."`).
    pub message: Option<String>,
    /// `at T`: the timestamp `now()` reads while the policy decides.
    pub at: Option<Expr>,
    /// `with request R`: the admission request the policy reads.
    pub request: Option<Expr>,
    /// The objects given to the policy's `inventory` members, each with its kind.
    pub inventory: Vec<(InventoryKind, Expr)>,
    /// Line of the expectation in its file, for reports.
    pub line: usize,
}

/// A `resource`: a Kubernetes custom resource type.
#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    /// The kind, the declared name (`DatasetRegistration`).
    pub kind: String,
    /// Its `///` doc comment.
    pub doc: Option<String>,
    /// The API group (`ai.acme.com`).
    pub group: String,
    /// The API version (`v1`).
    pub version: String,
    /// Namespaced (the default) rather than cluster-scoped.
    pub namespaced: bool,
    /// The plural name in URLs (`datasetregistrations`).
    pub plural: String,
    /// The shape of its `spec`.
    pub spec: Schema,
    /// The columns `kubectl get` prints, in order (the `Age` column excluded).
    pub columns: Vec<PrinterColumn>,
}

/// A column of `kubectl get`: an entry of a CRD's `additionalPrinterColumns`.
#[derive(Debug, Clone, Serialize)]
pub struct PrinterColumn {
    /// The header, `Approved At`.
    pub name: String,
    /// The OpenAPI type Kubernetes formats the value by: `string`, `integer`, `number`,
    /// `boolean`, or `date` (printed as an age).
    pub column_type: &'static str,
    /// The field, `.spec.approved_at`.
    pub json_path: String,
    /// The field's doc comment.
    pub description: Option<String>,
}

impl PrinterColumn {
    /// The header of the column of the object's age, which every CRD with columns shows last.
    pub const AGE: &'static str = crate::checked::PrinterColumn::AGE;
}

/// An `enforce` declaration: where its policies run.
#[derive(Debug, Clone, Serialize)]
pub struct Enforcement {
    /// The policies' packages.
    pub policies: Vec<PackagePath>,
    /// The `ci { files }` globs, relative to the project (empty: no CI target).
    pub ci_files: Vec<String>,
    /// `ci { sarif = true }`: the workflow uploads SARIF for code scanning.
    pub ci_sarif: bool,
    /// The `admission { ... }` target.
    pub admission: Option<Admission>,
}

/// Where and how a policy runs at Kubernetes admission (Gatekeeper).
#[derive(Debug, Clone, Serialize)]
pub struct Admission {
    /// The kinds matched, `group/Kind` (`v1/Kind` for the core group).
    pub kinds: Vec<String>,
    /// What a violation does: deny, warn, or only record (dry run).
    pub action: AdmissionAction,
    /// The namespaces matched (empty: all).
    pub namespaces: Vec<String>,
    /// The namespaces never matched.
    pub excluded_namespaces: Vec<String>,
    /// Gatekeeper, a ValidatingAdmissionPolicy (CEL), or both.
    pub engine: AdmissionEngine,
}

/// A clause kind as written.
pub fn clause_word(kind: ClauseKind) -> &'static str {
    match kind {
        ClauseKind::Deny => "deny",
        ClauseKind::Warn => "warn",
        ClauseKind::Allow => "allow",
    }
}
