//! The checked program: every declaration resolved and typed. This is what the front end hands to
//! the dependency graph, the IR lowering and the language server.

#![deny(missing_docs)]

use crate::span::Span;
use crate::syntax::ast::{BinOp, ClauseKind, ExpectKind, Quantifier, UnaryOp};
use serde::Serialize;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub struct $name(pub u32);
        impl $name {
            /// The position in the [`Program`]'s vector of such declarations.
            pub fn index(self) -> usize { self.0 as usize }
        }
    )*};
}

id_type! {
    /// A package: all files that declare the same `package`.
    ModuleId;
    /// A record `type`.
    TypeId;
    /// An `enum`.
    EnumId;
    /// A `resource`.
    ResourceId;
    /// A helper function.
    FnId;
    /// A policy.
    PolicyId;
    /// A local binding: subject, parameter, `let`, function parameter or quantified variable.
    LocalId;
}

/// A semantic type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Ty {
    /// `string`.
    String,
    /// `int`: a whole number.
    Int,
    /// `float`.
    Float,
    /// `bool`.
    Bool,
    /// `timestamp`: an RFC 3339 date-time.
    Timestamp,
    /// A string or an integer (Kubernetes' IntOrString: a port by number or by name, `25%`).
    IntOrString,
    /// A length of time (`90d`), a whole number of nanoseconds; only in expressions (no document
    /// or parameter holds one).
    Duration,
    /// `[T]`.
    List(Box<Ty>),
    /// `{string: T}`.
    Map(Box<Ty>),
    /// A record `type`.
    Record(TypeId),
    /// An `enum`.
    Enum(EnumId),
    /// A `resource`: a Kubernetes object whose `spec` has a record type.
    Resource(ResourceId),
    /// A record literal with no type, allowed only as the subject of `expect rejected`.
    Untyped,
    /// The type of an expression that already has an error, or of `[]`: fits anywhere, so one
    /// mistake is reported once.
    Unknown,
}

impl Ty {
    /// `int` or `float` (or `unknown`, which fits anywhere).
    pub fn is_numeric(&self) -> bool {
        matches!(self, Ty::Int | Ty::Float | Ty::Unknown)
    }

    /// Scalars can be interpolated into messages and compared.
    pub fn is_scalar(&self) -> bool {
        matches!(
            self,
            Ty::String | Ty::Int | Ty::Float | Ty::Bool | Ty::Timestamp | Ty::IntOrString | Ty::Enum(_) | Ty::Unknown
        )
    }
}

/// The built-in scalar types, by the name a program writes.
pub const SCALARS: &[(&str, Ty)] = &[
    ("string", Ty::String),
    ("int", Ty::Int),
    ("float", Ty::Float),
    ("bool", Ty::Bool),
    ("timestamp", Ty::Timestamp),
    ("int_or_string", Ty::IntOrString),
];

/// Whether a name is one of the built-in scalar types (no declaration may take it).
pub fn is_reserved_type_name(name: &str) -> bool {
    SCALARS.iter().any(|(n, _)| *n == name)
}

/// RFC 3339 date-time as OPA's time built-ins parse it (Go's `time.RFC3339`), with a year from
/// 1678 to 2261 (they count nanoseconds in 64 bits): what a `timestamp` must look like, in
/// documents (the generated Rego checks it with this pattern, so no time built-in ever fails on a
/// conforming document) and in literals. The calendar is checked too: days per month, February 29
/// only in leap years; no leap second (`:60`, which Go refuses and regorus accepts); `T` and `Z`
/// upper-case (Go refuses `t` and `z`); ASCII digits only (`\d` is Unicode in Rust's regex).
pub const RFC3339_PATTERN: &str = concat!(
    "^(?:",
    // Any day but February 29, in any year of the range.
    "(?:167[89]|16[89][0-9]|1[7-9][0-9][0-9]|2[01][0-9][0-9]|22[0-5][0-9]|226[01])-",
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))",
    // February 29 of a leap year: divisible by 4, centuries only when divisible by 400.
    "|(?:16(?:8[048]|9[26])|1[7-9](?:0[48]|[2468][048]|[13579][26])|20(?:[02468][048]|[13579][26])",
    "|21(?:0[48]|[2468][048]|[13579][26])|22(?:0[48]|1[26]|2[048]|3[26]|4[048]|5[26]|60))-02-29",
    ")T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]+)?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
);

/// Whether `s` is a timestamp govc accepts: RFC 3339 syntax and a year OPA can compute with.
pub fn is_timestamp(s: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| regex::Regex::new(RFC3339_PATTERN).expect("the pattern is valid"));
    re.is_match(s)
}

/// A named declaration of a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Item {
    /// A record `type`.
    Type(TypeId),
    /// An `enum`.
    Enum(EnumId),
    /// A `resource`.
    Resource(ResourceId),
    /// A helper function (`fn`).
    Fn(FnId),
    /// A `policy`.
    Policy(PolicyId),
}

/// A module: the files that declare one `package`.
#[derive(Debug, Clone, Serialize)]
pub struct Module {
    /// `a.b.c`.
    pub name: String,
    /// The `package` name of its first file, for diagnostics.
    pub span: Span,
    /// The modules it imports.
    pub imports: Vec<ModuleId>,
    /// Part of the embedded standard library (`std.*`).
    pub is_stdlib: bool,
}

/// A field of a record type or of a resource's record view.
#[derive(Debug, Clone, Serialize)]
pub struct FieldDef {
    /// The field's name, as in documents.
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// Declared `name?:`: may be absent.
    pub optional: bool,
    /// Its `@` constraints.
    pub constraints: Vec<FieldConstraint>,
    /// Its `///` doc comment.
    pub doc: Option<String>,
    /// Where it is declared.
    pub span: Span,
}

/// A checked `@` constraint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FieldConstraint {
    /// `@pattern(re)`: a string matches the regular expression.
    Pattern(String),
    /// `@min(n)`: a number is at least `n`.
    Min(f64),
    /// `@max(n)`: a number is at most `n`.
    Max(f64),
    /// `@min_items(n)`: a list has at least `n` elements.
    MinItems(u64),
    /// `@sensitive`: the value must never reach a decision log.
    Sensitive,
}

/// A record `type`.
#[derive(Debug, Clone, Serialize)]
pub struct TypeDef {
    /// The module that declares it.
    pub module: ModuleId,
    /// The name as declared.
    pub name: String,
    /// Its `///` doc comment.
    pub doc: Option<String>,
    /// Its fields, in declaration order.
    pub fields: Vec<FieldDef>,
    /// Its name, where diagnostics point.
    pub span: Span,
}

/// An `enum`.
#[derive(Debug, Clone, Serialize)]
pub struct EnumDef {
    /// The module that declares it.
    pub module: ModuleId,
    /// The name as declared.
    pub name: String,
    /// Its `///` doc comment.
    pub doc: Option<String>,
    /// Its values, in declaration order.
    pub variants: Vec<String>,
    /// Its name, where diagnostics point.
    pub span: Span,
}

/// Where a resource's objects live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Objects live in a namespace (the default).
    Namespaced,
    /// Objects are cluster-wide.
    Cluster,
}

/// A `resource`: a Kubernetes custom resource type.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceDef {
    /// The module that declares it.
    pub module: ModuleId,
    /// The Kubernetes kind, e.g. `ModelDeployment`.
    pub name: String,
    /// Its `///` doc comment.
    pub doc: Option<String>,
    /// The API group (`ai.acme.com`).
    pub group: String,
    /// The API version (`v1`).
    pub version: String,
    /// Namespaced or cluster-scoped.
    pub scope: Scope,
    /// The plural name in API paths, given or derived from the kind.
    pub plural: String,
    /// Declared `external = true`: a kind govc does not own (a core kind, another operator's
    /// CRD); no CustomResourceDefinition is emitted for it.
    pub external: bool,
    /// `pod_template = "spec.template"`: where the object holds the pod it makes (empty: the
    /// object is a Pod), so that a policy on `std.k8s.Workload` judges it.
    pub pod_template: Option<Vec<String>>,
    /// The type of `spec` (`unknown` for an external resource without one).
    pub spec: Ty,
    /// The record view of a value of this resource: `apiVersion`, `kind`, `metadata`, `spec`.
    pub fields: Vec<FieldDef>,
    /// The fields `kubectl get` shows as columns (the `columns` setting), in order.
    pub columns: Vec<PrinterColumn>,
    /// Its name, where diagnostics point.
    pub span: Span,
}

impl ResourceDef {
    /// The objects' `apiVersion`: `group/version`, or only the version in the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// A field of a resource that `kubectl get` prints as a column.
#[derive(Debug, Clone, Serialize)]
pub struct PrinterColumn {
    /// The field names from the object's root, e.g. `["spec", "owner"]`.
    pub path: Vec<String>,
    /// The field's type: a scalar or an enum.
    pub ty: Ty,
    /// The field's `///` doc comment.
    pub doc: Option<String>,
}

impl PrinterColumn {
    /// The column every resource with columns shows last: the object's age, as `kubectl get`
    /// shows it for resources without columns.
    pub const AGE: &'static str = "Age";

    /// The column's header: the field's name in words, `approved_at` → `Approved At` (`kubectl`
    /// prints it in capitals).
    pub fn name(&self) -> String {
        let last = self.path.last().map(String::as_str).unwrap_or_default();
        let words: Vec<String> = last
            .split('_')
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut chars = w.chars();
                chars
                    .next()
                    .map(|c| c.to_uppercase().chain(chars).collect())
                    .unwrap_or_default()
            })
            .collect();
        words.join(" ")
    }

    /// Whether a field of this type can be a column: a scalar `kubectl` prints as it is.
    pub fn printable(ty: &Ty) -> bool {
        matches!(
            ty,
            Ty::String | Ty::Int | Ty::Float | Ty::Bool | Ty::Timestamp | Ty::Enum(_)
        )
    }
}

/// A local binding of a body.
#[derive(Debug, Clone, Serialize)]
pub struct Local {
    /// The name as written.
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// What binds it.
    pub kind: LocalKind,
    /// Where it is bound.
    pub span: Span,
}

impl Local {
    /// Whether a name at byte `offset` of the local's body can refer to it, as the checker's
    /// scopes bind names: a parameter or the subject anywhere in the body, a `let` once it is
    /// bound (after its name, in policies and tests alike), and a variable of `some` or of a
    /// quantifier only inside what binds it, which the caller alone knows.
    pub fn in_scope_at(&self, offset: u32) -> bool {
        match self.kind {
            LocalKind::Subject | LocalKind::Request | LocalKind::Inventory | LocalKind::Param | LocalKind::FnParam => {
                true
            }
            LocalKind::Let => self.span.end < offset,
            LocalKind::Bound => false,
        }
    }
}

/// What binds a local.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LocalKind {
    /// The policy's `subject`.
    Subject,
    /// The policy's `request`: the admission request.
    Request,
    /// A policy `inventory`: the objects of a kind that are in the cluster.
    Inventory,
    /// A policy `param`.
    Param,
    /// A `let` of a policy or test.
    Let,
    /// A function parameter.
    FnParam,
    /// Bound by `some x in xs`, `all x in xs: ...` or `any x in xs: ...`.
    Bound,
}

/// A helper function (`fn`).
#[derive(Debug, Clone, Serialize)]
pub struct FnDef {
    /// The module that declares it.
    pub module: ModuleId,
    /// The name as declared.
    pub name: String,
    /// Its `///` doc comment.
    pub doc: Option<String>,
    /// Its parameters, in order (locals of this function).
    pub params: Vec<LocalId>,
    /// Its return type.
    pub ret: Ty,
    /// Its body, once checked (`None` when it could not be).
    pub body: Option<TExpr>,
    /// Every local of the body, indexed by [`LocalId`].
    pub locals: Vec<Local>,
    /// Its name, where diagnostics point.
    pub span: Span,
}

/// A policy's `severity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// `low`.
    Low,
    /// `medium` (the default).
    Medium,
    /// `high`.
    High,
    /// `critical`.
    Critical,
}

/// The words a setting that takes a word may be set to, each with its meaning: the checker
/// reads settings with it, the editor offers the words, and reports print them.
pub trait SettingWord: Copy + PartialEq + 'static {
    /// Every value with its word, in the order they are offered.
    const WORDS: &'static [(Self, &'static str)];

    /// The word for this value.
    fn word(self) -> &'static str {
        // INVARIANT: `WORDS` lists every value.
        Self::WORDS
            .iter()
            .find(|(v, _)| *v == self)
            .map(|(_, w)| *w)
            .expect("every value has a word")
    }

    /// The value a word stands for.
    fn from_word(word: &str) -> Option<Self> {
        Self::WORDS.iter().find(|(_, w)| *w == word).map(|(v, _)| *v)
    }

    /// The words, in order.
    fn words() -> Vec<&'static str> {
        Self::WORDS.iter().map(|(_, w)| *w).collect()
    }
}

impl Severity {
    /// The word, as written and as the outputs carry it.
    pub fn as_str(self) -> &'static str {
        self.word()
    }
}

impl SettingWord for Severity {
    const WORDS: &'static [(Self, &'static str)] = &[
        (Severity::Low, "low"),
        (Severity::Medium, "medium"),
        (Severity::High, "high"),
        (Severity::Critical, "critical"),
    ];
}

impl SettingWord for Scope {
    const WORDS: &'static [(Self, &'static str)] = &[(Scope::Namespaced, "namespaced"), (Scope::Cluster, "cluster")];
}

impl SettingWord for AdmissionEngine {
    const WORDS: &'static [(Self, &'static str)] = &[
        (AdmissionEngine::Gatekeeper, "gatekeeper"),
        (AdmissionEngine::Cel, "cel"),
        (AdmissionEngine::Both, "both"),
    ];
}

impl SettingWord for AdmissionAction {
    const WORDS: &'static [(Self, &'static str)] = &[
        (AdmissionAction::Deny, "deny"),
        (AdmissionAction::Warn, "warn"),
        (AdmissionAction::Dryrun, "dryrun"),
    ];
}

/// The keys each kind of settings block takes, as the checker reads them and the editor offers
/// them. (A resource's `spec: Type` is a field, not a setting.)
pub mod settings {
    /// A policy's metadata.
    pub const POLICY: &[&str] = &["title", "severity", "controls", "owner"];
    /// A `resource` declaration.
    pub const RESOURCE: &[&str] = &[
        "group",
        "version",
        "scope",
        "plural",
        "external",
        "pod_template",
        "columns",
    ];
    /// `ci { ... }` in an `enforce`.
    pub const CI: &[&str] = &["files", "sarif"];
    /// `admission { ... }` in an `enforce`.
    pub const ADMISSION: &[&str] = &["kinds", "action", "namespaces", "excluded_namespaces", "engine"];
    /// The targets of an `enforce`.
    pub const TARGETS: &[&str] = &["ci", "admission"];
}

/// A policy `param`.
#[derive(Debug, Clone, Serialize)]
pub struct ParamDef {
    /// The local that names it in the policy's body.
    pub local: LocalId,
    /// The name as declared.
    pub name: String,
    /// Its key in a Constraint's `parameters`, the bundle's defaults and overrides: the name, or
    /// the text of `@key("...")` (gatekeeper-library's `ephemeral-storage`).
    pub key: String,
    /// Its type.
    pub ty: Ty,
    /// Its `@` constraints.
    pub constraints: Vec<FieldConstraint>,
    /// Its default value (a constant).
    pub default: TExpr,
    /// Its `///` doc comment.
    pub doc: Option<String>,
    /// Where it is declared.
    pub span: Span,
}

/// A `policy`.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyDef {
    /// The module that declares it.
    pub module: ModuleId,
    /// The name as declared.
    pub name: String,
    /// Its `///` doc comment.
    pub doc: Option<String>,
    /// The `title` setting.
    pub title: Option<String>,
    /// The `severity` setting (`medium` when not set).
    pub severity: Severity,
    /// The `controls` setting.
    pub controls: Vec<String>,
    /// The `owner` setting.
    pub owner: Option<String>,
    /// Its `param`s, in order.
    pub params: Vec<ParamDef>,
    /// The local of its `subject`; `None` when it declares none (an error).
    pub subject: Option<LocalId>,
    /// The local of its `request` (the admission request), if it declares one.
    pub request: Option<LocalId>,
    /// The locals of its `inventory` members, each a list of a resource type, in order.
    pub inventories: Vec<LocalId>,
    /// Its `let`s, in order.
    pub lets: Vec<(LocalId, TExpr)>,
    /// Its `deny`, `warn` and `allow` clauses, in order.
    pub clauses: Vec<TClause>,
    /// Every local of the policy, indexed by [`LocalId`].
    pub locals: Vec<Local>,
    /// The policy it applies (`policy p = std.ai.no_unencrypted_pii on ...`), whose clauses it
    /// holds with its subject read through the path it is applied at.
    pub applies: Option<PolicyId>,
    /// Its name, where diagnostics point.
    pub span: Span,
}

impl PolicyDef {
    /// The type of its subject, if it declares one.
    pub fn subject_ty(&self) -> Option<&Ty> {
        self.subject.map(|l| &self.locals[l.index()].ty)
    }

    /// The type of its `request`, if it declares one.
    pub fn request_ty(&self) -> Option<&Ty> {
        self.request.map(|l| &self.locals[l.index()].ty)
    }

    /// Whether it has an `allow` clause (an access decision).
    pub fn has_allow(&self) -> bool {
        self.clauses.iter().any(|c| c.kind == ClauseKind::Allow)
    }
}

/// A checked `deny`, `warn` or `allow` clause.
#[derive(Debug, Clone, Serialize)]
pub struct TClause {
    /// `deny`, `warn` or `allow`.
    pub kind: ClauseKind,
    /// The message of `deny` and `warn`.
    pub message: Option<TString>,
    /// Its conditions, all of which must hold.
    pub conditions: Vec<TCondition>,
    /// Where it is written.
    pub span: Span,
}

/// One condition of a clause.
#[derive(Debug, Clone, Serialize)]
pub enum TCondition {
    /// A boolean expression that must be true.
    Expr(TExpr),
    /// `some x in xs`, or `some k, v in m` (`key` a map's key or a list's index).
    Some {
        /// The map key or list index, when named.
        key: Option<LocalId>,
        /// The variable bound to each element.
        var: LocalId,
        /// The list (or map, over its keys).
        collection: TExpr,
    },
    /// `let x = e` in a block: `x` holds `e` for the conditions after it and the message.
    Let {
        /// The local it binds.
        var: LocalId,
        /// Its value.
        value: TExpr,
    },
}

/// A checked string literal, maybe interpolated.
#[derive(Debug, Clone, Serialize)]
pub struct TString {
    /// Text and interpolated expressions, in order.
    pub parts: Vec<TStrPart>,
    /// Where it is written.
    pub span: Span,
}

/// A piece of a string literal.
#[derive(Debug, Clone, Serialize)]
pub enum TStrPart {
    /// Literal text (escapes decoded).
    Text(String),
    /// An interpolated `{expr}`.
    Interp(TExpr),
}

/// A built-in function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Builtin {
    /// `count`.
    Count,
    /// `sum`.
    Sum,
    /// `min`.
    Min,
    /// `max`.
    Max,
    /// `lower`.
    Lower,
    /// `upper`.
    Upper,
    /// `startswith`.
    StartsWith,
    /// `endswith`.
    EndsWith,
    /// `contains`.
    Contains,
    /// `matches`.
    Matches,
    /// `glob(pattern, s)`: `*` any run of characters, `?` one character.
    Glob,
    /// `days_since`.
    DaysSince,
    /// `get(m, key, default)`: a map entry or list element, or the default when it is absent.
    Get,
    /// `now()`: the current time (fixed by `expect ... at T`, `govc eval --now`).
    Now,
    /// `hour(t, zone)`, 0–23, on the clock of an IANA time zone.
    Hour,
    /// `minute(t, zone)`, 0–59.
    Minute,
    /// `weekday(t, zone)`: 1 (Monday) to 7 (Sunday), as ISO 8601 numbers them.
    Weekday,
    /// `date(t, zone)`: the calendar date, `"2026-03-02"`.
    Date,
    /// `format_time(t, zone)`: RFC 3339 text with the zone's offset.
    FormatTime,
    /// `in_days(d)`: the whole days in a duration (toward zero).
    InDays,
    /// `in_hours(d)`: the whole hours in a duration (toward zero).
    InHours,
    /// `trim(s)`: without leading and trailing ASCII whitespace.
    Trim,
    /// `trim_prefix(s, prefix)`.
    TrimPrefix,
    /// `trim_suffix(s, suffix)`.
    TrimSuffix,
    /// `split(s, separator)`.
    Split,
    /// `join(parts, separator)`.
    Join,
    /// `replace(s, old, new)`.
    Replace,
    /// `union(a, b)`: lists as sets, sorted, without duplicates.
    Union,
    /// `intersection(a, b)`.
    Intersection,
    /// `difference(a, b)`.
    Difference,
    /// `subset(a, b)`.
    Subset,
    /// A Kubernetes quantity (`500m`, `1Gi`) as a number of base units.
    Quantity,
    /// `is_quantity(s)`: whether `s` is a Kubernetes quantity (`quantity(s)` cannot fail).
    IsQuantity,
    /// `fields(r)`: the names of the fields a record holds, sorted.
    Fields,
    /// `find_all(s, pattern)`: every match of a constant regular expression.
    FindAll,
    /// `captures(s, pattern)`: the first match and its groups.
    Captures,
    /// `is_url(s)`: whether `s` is an absolute URL.
    IsUrl,
    /// `url_scheme(s)`, lower case.
    UrlScheme,
    /// `url_host(s)`, lower case.
    UrlHost,
    /// `url_port(s)`, as written, or `""`.
    UrlPort,
    /// `url_path(s)`, or `""`.
    UrlPath,
    /// `url_query(s)`, without its `?`, or `""`.
    UrlQuery,
}

impl Builtin {
    /// Every built-in.
    pub const ALL: &'static [Builtin] = &[
        Builtin::Count,
        Builtin::Sum,
        Builtin::Min,
        Builtin::Max,
        Builtin::Lower,
        Builtin::Upper,
        Builtin::StartsWith,
        Builtin::EndsWith,
        Builtin::Contains,
        Builtin::Matches,
        Builtin::Glob,
        Builtin::DaysSince,
        Builtin::Get,
        Builtin::Now,
        Builtin::Hour,
        Builtin::Minute,
        Builtin::Weekday,
        Builtin::Date,
        Builtin::FormatTime,
        Builtin::InDays,
        Builtin::InHours,
        Builtin::Trim,
        Builtin::TrimPrefix,
        Builtin::TrimSuffix,
        Builtin::Split,
        Builtin::Join,
        Builtin::Replace,
        Builtin::Union,
        Builtin::Intersection,
        Builtin::Difference,
        Builtin::Subset,
        Builtin::Quantity,
        Builtin::IsQuantity,
        Builtin::Fields,
        Builtin::FindAll,
        Builtin::Captures,
        Builtin::IsUrl,
        Builtin::UrlScheme,
        Builtin::UrlHost,
        Builtin::UrlPort,
        Builtin::UrlPath,
        Builtin::UrlQuery,
    ];

    /// The name programs call it by.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Count => "count",
            Builtin::Sum => "sum",
            Builtin::Min => "min",
            Builtin::Max => "max",
            Builtin::Lower => "lower",
            Builtin::Upper => "upper",
            Builtin::StartsWith => "startswith",
            Builtin::EndsWith => "endswith",
            Builtin::Contains => "contains",
            Builtin::Matches => "matches",
            Builtin::Glob => "glob",
            Builtin::DaysSince => "days_since",
            Builtin::Get => "get",
            Builtin::Now => "now",
            Builtin::Hour => "hour",
            Builtin::Minute => "minute",
            Builtin::Weekday => "weekday",
            Builtin::Date => "date",
            Builtin::FormatTime => "format_time",
            Builtin::InDays => "in_days",
            Builtin::InHours => "in_hours",
            Builtin::Trim => "trim",
            Builtin::TrimPrefix => "trim_prefix",
            Builtin::TrimSuffix => "trim_suffix",
            Builtin::Split => "split",
            Builtin::Join => "join",
            Builtin::Replace => "replace",
            Builtin::Union => "union",
            Builtin::Intersection => "intersection",
            Builtin::Difference => "difference",
            Builtin::Subset => "subset",
            Builtin::Quantity => "quantity",
            Builtin::IsQuantity => "is_quantity",
            Builtin::Fields => "fields",
            Builtin::FindAll => "find_all",
            Builtin::Captures => "captures",
            Builtin::IsUrl => "is_url",
            Builtin::UrlScheme => "url_scheme",
            Builtin::UrlHost => "url_host",
            Builtin::UrlPort => "url_port",
            Builtin::UrlPath => "url_path",
            Builtin::UrlQuery => "url_query",
        }
    }

    /// The signature as shown in hovers and diagnostics.
    pub fn signature(self) -> &'static str {
        match self {
            Builtin::Count => "count(x: [T] | {string: T} | string) -> int",
            Builtin::Sum => "sum(xs: [int] | [float]) -> int | float",
            Builtin::Min => "min(xs: [int] | [float]) -> int | float",
            Builtin::Max => "max(xs: [int] | [float]) -> int | float",
            Builtin::Lower => "lower(s: string) -> string",
            Builtin::Upper => "upper(s: string) -> string",
            Builtin::StartsWith => "startswith(s: string, prefix: string) -> bool",
            Builtin::EndsWith => "endswith(s: string, suffix: string) -> bool",
            Builtin::Contains => "contains(s: string, part: string) -> bool",
            Builtin::Matches => "matches(s: string, pattern: string) -> bool",
            Builtin::Glob => "glob(pattern: string, s: string) -> bool",
            Builtin::DaysSince => "days_since(t: timestamp) -> int",
            Builtin::Get => "get(m: {string: T} | [T], key: string | int, default: T) -> T",
            Builtin::Now => "now() -> timestamp",
            Builtin::Hour => "hour(t: timestamp, zone: string) -> int",
            Builtin::Minute => "minute(t: timestamp, zone: string) -> int",
            Builtin::Weekday => "weekday(t: timestamp, zone: string) -> int",
            Builtin::Date => "date(t: timestamp, zone: string) -> string",
            Builtin::FormatTime => "format_time(t: timestamp, zone: string) -> string",
            Builtin::InDays => "in_days(d: duration) -> int",
            Builtin::InHours => "in_hours(d: duration) -> int",
            Builtin::Trim => "trim(s: string) -> string",
            Builtin::TrimPrefix => "trim_prefix(s: string, prefix: string) -> string",
            Builtin::TrimSuffix => "trim_suffix(s: string, suffix: string) -> string",
            Builtin::Split => "split(s: string, separator: string) -> [string]",
            Builtin::Join => "join(parts: [string], separator: string) -> string",
            Builtin::Replace => "replace(s: string, old: string, new: string) -> string",
            Builtin::Union => "union(a: [T], b: [T]) -> [T]",
            Builtin::Intersection => "intersection(a: [T], b: [T]) -> [T]",
            Builtin::Difference => "difference(a: [T], b: [T]) -> [T]",
            Builtin::Subset => "subset(a: [T], b: [T]) -> bool",
            Builtin::Quantity => "quantity(s: string) -> float",
            Builtin::IsQuantity => "is_quantity(s: string) -> bool",
            Builtin::Fields => "fields(r: T) -> [string]",
            Builtin::FindAll => "find_all(s: string, pattern: string) -> [string]",
            Builtin::Captures => "captures(s: string, pattern: string) -> [string]",
            Builtin::IsUrl => "is_url(s: string) -> bool",
            Builtin::UrlScheme => "url_scheme(url: string) -> string",
            Builtin::UrlHost => "url_host(url: string) -> string",
            Builtin::UrlPort => "url_port(url: string) -> string",
            Builtin::UrlPath => "url_path(url: string) -> string",
            Builtin::UrlQuery => "url_query(url: string) -> string",
        }
    }

    /// What the built-in does, in a sentence, for hovers and completions.
    pub fn summary(self) -> &'static str {
        match self {
            Builtin::Count => "the number of elements of a list or map, or of characters of a string",
            Builtin::Sum => "the sum of a list of numbers",
            Builtin::Min => "the smallest number of a non-empty list",
            Builtin::Max => "the largest number of a non-empty list",
            Builtin::Lower => "the string in lower case",
            Builtin::Upper => "the string in upper case",
            Builtin::StartsWith => "whether `s` starts with `prefix`",
            Builtin::EndsWith => "whether `s` ends with `suffix`",
            Builtin::Contains => "whether `part` occurs in `s`",
            Builtin::Matches => {
                "whether `s` matches the regular expression (a constant is checked at compile time; a pattern from a parameter or document that is not valid, or not read alike by every engine, is an evaluation failure)"
            }
            Builtin::Glob => {
                "whether all of `s` matches the wildcard pattern: `*` any run of characters (`/` and `.` included), `?` one character, `\\` before a character makes it literal"
            }
            Builtin::DaysSince => "whole days from `t` until now",
            Builtin::Get => "the entry at `key`, or `default` when there is none",
            Builtin::Now => "the current time (fixed by `expect ... at T` and `govc eval --now`)",
            Builtin::Hour => "the hour of `t` (0-23) on the clock of the IANA time zone `zone`",
            Builtin::Minute => "the minute of `t` (0-59) in the IANA time zone `zone`",
            Builtin::Weekday => "the weekday of `t` in `zone`: 1 (Monday) to 7 (Sunday)",
            Builtin::Date => "the calendar date of `t` in `zone`, as `2026-03-02`",
            Builtin::FormatTime => "`t` as RFC 3339 text with the offset of `zone`",
            Builtin::InDays => "the whole days in a duration (toward zero)",
            Builtin::InHours => "the whole hours in a duration (toward zero)",
            Builtin::Trim => "`s` without leading and trailing spaces, tabs and line breaks",
            Builtin::TrimPrefix => "`s` without `prefix` at its start, if it is there",
            Builtin::TrimSuffix => "`s` without `suffix` at its end, if it is there",
            Builtin::Split => "the parts of `s` between occurrences of `separator`",
            Builtin::Join => "the parts joined with `separator` between them",
            Builtin::Replace => "`s` with every occurrence of `old` replaced by `new`",
            Builtin::Union => "the elements in `a` or in `b`, sorted, without duplicates",
            Builtin::Intersection => "the elements in both `a` and `b`, sorted, without duplicates",
            Builtin::Difference => "the elements of `a` not in `b`, sorted, without duplicates",
            Builtin::Subset => "whether every element of `a` is in `b`",
            Builtin::Quantity => {
                "a Kubernetes quantity (`500m`, `1.5Gi`, `2e3`) as a number of base units; \
                 malformed text is an evaluation failure"
            }
            Builtin::IsQuantity => {
                "whether `s` is a Kubernetes quantity, so that `quantity(s)` cannot fail: tells text \
                 a document or a parameter got wrong from a value to compare"
            }
            Builtin::Fields => {
                "the names of the fields the record `r` holds (present and not `null`, declared or \
                 not), sorted"
            }
            Builtin::FindAll => "every match of the regular expression in `s`, left to right, not overlapping",
            Builtin::Captures => {
                "the first match of the regular expression in `s` followed by its groups (`\"\"` for a \
                 group that took no part), or `[]` when nothing matches"
            }
            Builtin::IsUrl => "whether `s` is an absolute URL, `scheme://host[:port][/path][?query][#fragment]`",
            Builtin::UrlScheme => "the scheme of a URL, in lower case; not a URL is an evaluation failure",
            Builtin::UrlHost => "the host of a URL, in lower case; not a URL is an evaluation failure",
            Builtin::UrlPort => "the port of a URL as written, or `\"\"`; not a URL is an evaluation failure",
            Builtin::UrlPath => "the path of a URL (from its `/`), or `\"\"`; not a URL is an evaluation failure",
            Builtin::UrlQuery => "the query of a URL (after `?`), or `\"\"`; not a URL is an evaluation failure",
        }
    }

    /// The built-in of a name, if any.
    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.iter().copied().find(|b| b.name() == name)
    }
}

/// A checked expression with its type.
#[derive(Debug, Clone, Serialize)]
pub struct TExpr {
    /// What it is.
    pub kind: TExprKind,
    /// Its type (`unknown` after an error).
    pub ty: Ty,
    /// Where it is written.
    pub span: Span,
}

/// The children of a checked expression in order, written once for the shared (`iter`,
/// `as_deref`) and the exclusive (`iter_mut`, `as_deref_mut`, `mut`) walk.
macro_rules! texpr_children {
    ($kind:expr, $iter:ident, $as_deref:ident $(, $mut:tt)?) => {
        match $kind {
            TExprKind::String(s) => s
                .parts
                .$iter()
                .filter_map(|p| match p {
                    TStrPart::Interp(x) => Some(x),
                    TStrPart::Text(_) => None,
                })
                .collect(),
            TExprKind::Field { target, .. } | TExprKind::Has(target) => vec![target],
            TExprKind::Index { target, index } => vec![target, index],
            TExprKind::Call { args, .. } | TExprKind::Builtin { args, .. } | TExprKind::List(args) => {
                args.$iter().collect()
            }
            TExprKind::Unary { operand, .. } => vec![operand],
            TExprKind::Binary { lhs, rhs, .. } => vec![lhs, rhs],
            TExprKind::Quantified { collection, body, .. } => vec![collection, body],
            TExprKind::If { cond, then, otherwise } => vec![cond, then, otherwise],
            TExprKind::Comprehension {
                element,
                collection,
                filter,
                ..
            } => {
                let mut out: Vec<&$($mut)? TExpr> = vec![collection];
                out.extend(filter.$as_deref());
                out.push(element);
                out
            }
            TExprKind::Record { fields } => fields.$iter().map(|(_, v)| v).collect(),
            TExprKind::Int(_)
            | TExprKind::Float(_)
            | TExprKind::Bool(_)
            | TExprKind::Local(_)
            | TExprKind::Variant(..)
            | TExprKind::Error => Vec::new(),
        }
    };
}

impl TExpr {
    /// The expressions directly inside this one, interpolations of a string included: the one
    /// place that knows the shape of each form, for every walk over checked expressions.
    pub fn children(&self) -> Vec<&TExpr> {
        texpr_children!(&self.kind, iter, as_deref)
    }

    /// The same as [`TExpr::children`], to change them.
    pub fn children_mut(&mut self) -> Vec<&mut TExpr> {
        texpr_children!(&mut self.kind, iter_mut, as_deref_mut, mut)
    }

    /// Replaces every read of `local` in this expression by `with`; `at_read` gives the
    /// replacement the span of the read (where the document is read), else it keeps its own (the
    /// text of a failure message).
    pub fn replace_local(&mut self, local: LocalId, with: &TExpr, at_read: bool) {
        if matches!(self.kind, TExprKind::Local(l) if l == local) {
            let span = self.span;
            *self = with.clone();
            if at_read {
                self.span = span;
            }
            return;
        }
        for child in self.children_mut() {
            child.replace_local(local, with, at_read);
        }
    }
}

/// The forms of a checked expression.
#[derive(Debug, Clone, Serialize)]
pub enum TExprKind {
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// A string literal, maybe interpolated.
    String(TString),
    /// A local: subject, parameter, `let`, function parameter or bound variable.
    Local(LocalId),
    /// An enum value: the enum and the value's name.
    Variant(EnumId, String),
    /// `target.name`.
    Field {
        /// The record or map read.
        target: Box<TExpr>,
        /// The field's name.
        name: String,
    },
    /// `target[index]`.
    Index {
        /// The list or map read.
        target: Box<TExpr>,
        /// The position or key.
        index: Box<TExpr>,
    },
    /// A call of a helper function.
    Call {
        /// The function called.
        func: FnId,
        /// The arguments, in order.
        args: Vec<TExpr>,
    },
    /// A call of a built-in.
    Builtin {
        /// Which built-in.
        builtin: Builtin,
        /// The arguments, in order.
        args: Vec<TExpr>,
    },
    /// `not x` or `-x`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        operand: Box<TExpr>,
    },
    /// A binary operation, `and`, `or` and `in` included.
    Binary {
        /// The operator.
        op: BinOp,
        /// The left operand.
        lhs: Box<TExpr>,
        /// The right operand.
        rhs: Box<TExpr>,
    },
    /// `all var in collection: body` or `any ...`.
    Quantified {
        /// `all` or `any`.
        quantifier: Quantifier,
        /// The key (a map's) or index (a list's), when the quantifier names one.
        key: Option<LocalId>,
        /// The variable bound to each element.
        var: LocalId,
        /// The list (or map, over its keys).
        collection: Box<TExpr>,
        /// The condition on each element.
        body: Box<TExpr>,
    },
    /// `has path`: whether every field along the path is present.
    Has(Box<TExpr>),
    /// `[element for key, var in collection if filter]`.
    Comprehension {
        /// The value for each member.
        element: Box<TExpr>,
        /// The key (a map's) or index (a list's), when one is named.
        key: Option<LocalId>,
        /// The variable bound to each member.
        var: LocalId,
        /// The list (or map, over its values).
        collection: Box<TExpr>,
        /// The members kept, when there is a filter.
        filter: Option<Box<TExpr>>,
    },
    /// `if cond then then else otherwise`.
    If {
        /// The condition.
        cond: Box<TExpr>,
        /// The value where the condition holds.
        then: Box<TExpr>,
        /// The value where it does not.
        otherwise: Box<TExpr>,
    },
    /// A record or map literal; fields in written order.
    Record {
        /// The fields, in written order.
        fields: Vec<(String, TExpr)>,
    },
    /// A list literal.
    List(Vec<TExpr>),
    /// An expression that had an error (already reported).
    Error,
}

/// An `enforce` declaration.
#[derive(Debug, Clone, Serialize)]
pub struct Enforcement {
    /// The module that declares it.
    pub module: ModuleId,
    /// The policies it enforces.
    pub policies: Vec<PolicyId>,
    /// Its `ci { ... }` target.
    pub ci: Option<CiTarget>,
    /// Its `admission { ... }` target.
    pub admission: Option<AdmissionTarget>,
    /// Where it is written.
    pub span: Span,
}

/// The `ci { ... }` target of an `enforce`.
#[derive(Debug, Clone, Serialize)]
pub struct CiTarget {
    /// The `files` globs, relative to the project.
    pub files: Vec<String>,
    /// `sarif = true`: the workflow uploads SARIF.
    pub sarif: bool,
}

/// What a violation does at admission: the `action` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AdmissionAction {
    /// `deny`: a violation refuses the object.
    Deny,
    /// `warn`: a violation is returned as a warning.
    Warn,
    /// `dryrun`: violations are only recorded by Gatekeeper's audit.
    Dryrun,
}

/// What enforces a policy at admission: Gatekeeper (a ConstraintTemplate and Constraints), the
/// API server itself (a ValidatingAdmissionPolicy in CEL and its binding), or both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AdmissionEngine {
    /// A ConstraintTemplate and its Constraints, enforced by Gatekeeper (the default).
    #[default]
    Gatekeeper,
    /// A ValidatingAdmissionPolicy and its binding, enforced by the API server in CEL.
    Cel,
    /// Both, deciding alike.
    Both,
}

impl AdmissionEngine {
    /// Whether Gatekeeper's manifests are generated.
    pub fn gatekeeper(self) -> bool {
        matches!(self, AdmissionEngine::Gatekeeper | AdmissionEngine::Both)
    }

    /// Whether a ValidatingAdmissionPolicy is generated.
    pub fn cel(self) -> bool {
        matches!(self, AdmissionEngine::Cel | AdmissionEngine::Both)
    }
}

/// The `admission { ... }` target of an `enforce`.
#[derive(Debug, Clone, Serialize)]
pub struct AdmissionTarget {
    /// `group/Kind`, core group written `v1/Kind`.
    pub kinds: Vec<String>,
    /// What a violation does.
    pub action: AdmissionAction,
    /// The namespaces matched (empty: all).
    pub namespaces: Vec<String>,
    /// The namespaces never matched.
    pub excluded_namespaces: Vec<String>,
    /// What enforces it: Gatekeeper, a ValidatingAdmissionPolicy, or both.
    pub engine: AdmissionEngine,
}

/// A `test` declaration.
#[derive(Debug, Clone, Serialize)]
pub struct TestDef {
    /// The module that declares it.
    pub module: ModuleId,
    /// The name, as written in quotes.
    pub name: String,
    /// Its `expect` lines, in order.
    pub expectations: Vec<TExpectation>,
    /// Every local of the test, indexed by [`LocalId`].
    pub locals: Vec<Local>,
    /// Its `let`s, in order.
    pub lets: Vec<(LocalId, TExpr)>,
    /// Where it is written.
    pub span: Span,
}

/// One `expect` line of a test.
#[derive(Debug, Clone, Serialize)]
pub struct TExpectation {
    /// What is expected.
    pub kind: ExpectKind,
    /// The policy judged.
    pub policy: PolicyId,
    /// The document it judges.
    pub subject: TExpr,
    /// Parameter values given for this expectation, by name.
    pub args: Vec<(String, TExpr)>,
    /// The exact message expected, if given.
    pub message: Option<String>,
    /// `at T`: the time `now()` reads.
    pub at: Option<TExpr>,
    /// `with request R`: the admission request the policy reads.
    pub request: Option<TExpr>,
    /// The objects given to the policy's `inventory` members (`others = [...]`), by name.
    pub inventory: Vec<(String, TExpr)>,
    /// Where it is written.
    pub span: Span,
}

/// The whole checked program.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Program {
    /// Every module, indexed by [`ModuleId`].
    pub modules: Vec<Module>,
    /// Every record type, indexed by [`TypeId`].
    pub types: Vec<TypeDef>,
    /// Every enum, indexed by [`EnumId`].
    pub enums: Vec<EnumDef>,
    /// Every resource, indexed by [`ResourceId`].
    pub resources: Vec<ResourceDef>,
    /// Every function, indexed by [`FnId`].
    pub fns: Vec<FnDef>,
    /// Every policy, indexed by [`PolicyId`].
    pub policies: Vec<PolicyDef>,
    /// Every `enforce`, in declaration order.
    pub enforcements: Vec<Enforcement>,
    /// Every `test`, in declaration order.
    pub tests: Vec<TestDef>,
}

impl Program {
    /// Whether `ty` is the record type `std.k8s.<name>`, one the compiler gives a meaning of its own.
    /// Whether `ty` is `std.k8s.Object`, any Kubernetes object seen through what every object
    /// has (which the API server validates for every kind).
    pub fn is_k8s_object(&self, ty: &Ty) -> bool {
        self.is_std_k8s_type(ty, "Object")
    }

    fn is_std_k8s_type(&self, ty: &Ty, name: &str) -> bool {
        match ty {
            Ty::Record(id) => {
                let t = &self.types[id.index()];
                t.name == name && self.modules[t.module.index()].name == "std.k8s"
            }
            _ => false,
        }
    }

    /// Whether `ty` is `std.k8s.Workload`: a subject of this type judges every kind that makes
    /// Pods (the resources with a `pod_template`), through the pod it makes.
    pub fn is_workload(&self, ty: &Ty) -> bool {
        self.is_std_k8s_type(ty, "Workload")
    }

    /// Whether `ty` is `std.k8s.Object`, or a record type of the same shape (required
    /// `apiVersion: string`, `kind: string` and `metadata: std.k8s.ObjectMeta`, and whatever
    /// else the kinds it judges share, such as the `roleRef` and `subjects` of RoleBindings and
    /// ClusterRoleBindings): a subject of such a type judges objects of any kind, so its
    /// admission `kinds` may be any.
    pub fn is_any_object(&self, ty: &Ty) -> bool {
        if self.is_std_k8s_type(ty, "Object") {
            return true;
        }
        let Ty::Record(id) = ty else {
            return false;
        };
        let fields = &self.types[id.index()].fields;
        let required = |name: &str, fits: &dyn Fn(&Ty) -> bool| {
            fields.iter().any(|f| f.name == name && !f.optional && fits(&f.ty))
        };
        let string = |t: &Ty| matches!(t, Ty::String);
        required("apiVersion", &string)
            && required("kind", &string)
            && required("metadata", &|t| self.is_std_k8s_type(t, "ObjectMeta"))
    }

    /// Whether `ty` is `std.k8s.AdmissionRequest` (as declared, or with the `oldObject` of a
    /// policy's subject type).
    pub fn is_admission_request(&self, ty: &Ty) -> bool {
        self.is_std_k8s_type(ty, "AdmissionRequest")
    }

    /// The resources that make Pods, with where each holds its pod template.
    pub fn pod_makers(&self) -> impl Iterator<Item = (&ResourceDef, &[String])> {
        self.resources
            .iter()
            .filter_map(|r| r.pod_template.as_deref().map(|path| (r, path)))
    }

    /// The fields of a record-like type, or `None` for other types.
    pub fn fields_of(&self, ty: &Ty) -> Option<&[FieldDef]> {
        match ty {
            Ty::Record(id) => Some(&self.types[id.index()].fields),
            Ty::Resource(id) => Some(&self.resources[id.index()].fields),
            _ => None,
        }
    }

    /// A type as written in source, e.g. `[Dataset]`.
    pub fn display(&self, ty: &Ty) -> String {
        match ty {
            Ty::String => "string".into(),
            Ty::Int => "int".into(),
            Ty::Float => "float".into(),
            Ty::Bool => "bool".into(),
            Ty::Timestamp => "timestamp".into(),
            Ty::IntOrString => "int_or_string".into(),
            Ty::Duration => "duration".into(),
            Ty::List(t) => format!("[{}]", self.display(t)),
            Ty::Map(t) => format!("{{string: {}}}", self.display(t)),
            Ty::Record(id) => self.types[id.index()].name.clone(),
            Ty::Enum(id) => self.enums[id.index()].name.clone(),
            Ty::Resource(id) => self.resources[id.index()].name.clone(),
            Ty::Untyped => "untyped record".into(),
            Ty::Unknown => "unknown".into(),
        }
    }

    /// `package.name` of a policy; its Rego package.
    pub fn policy_path(&self, id: PolicyId) -> String {
        let p = &self.policies[id.index()];
        format!("{}.{}", self.modules[p.module.index()].name, p.name)
    }
}

#[cfg(test)]
mod tests {
    use super::is_timestamp;

    #[test]
    fn timestamps() {
        for ok in [
            "2025-01-31T12:00:00Z",
            "1678-01-01T00:00:00Z",
            "2261-12-31T23:59:59.5+02:00",
            "2024-02-29T00:00:00Z",
            "2000-02-29T00:00:00Z",
            "2260-02-29T00:00:00Z",
            "1680-02-29T00:00:00-01:30",
            "2025-04-30T00:00:00.123456789012Z",
        ] {
            assert!(is_timestamp(ok), "{ok}");
        }
        for bad in [
            "2025-13-01T00:00:00Z",
            "2999-01-01T00:00:00Z",
            "1600-01-01T00:00:00Z",
            "2025-01-01",
            "2025-01-01T24:00:00Z",
            // Issue 10: impossible dates and leap seconds made `days_since` undefined.
            "2019-02-31T00:00:00Z",
            "2019-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2100-02-29T00:00:00Z",
            "2025-04-31T00:00:00Z",
            "2019-01-01T00:00:60Z",
            // Go's RFC 3339 parser wants upper-case `T` and `Z`, and a period before fractions.
            "2024-02-29t00:00:00z",
            "2024-02-28T00:00:00z",
            "2019-01-01T00:00:00,5Z",
            "2019-01-01T00:00:00.Z",
            "２０１９-01-01T00:00:00Z",
        ] {
            assert!(!is_timestamp(bad), "{bad}");
        }
    }

    #[test]
    fn the_calendar_is_the_gregorian_one_in_every_year_of_the_range() {
        let leap = |y: u32| y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
        let days = |y: u32, m: u32| match m {
            2 if leap(y) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        for y in 1670..2270 {
            for m in 1..=12 {
                for d in 28..=32 {
                    let t = format!("{y:04}-{m:02}-{d:02}T00:00:00Z");
                    let want = (1678..=2261).contains(&y) && d <= days(y, m);
                    assert_eq!(is_timestamp(&t), want, "{t}");
                }
            }
        }
    }
}
