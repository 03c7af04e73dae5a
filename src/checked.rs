//! The checked program: every declaration resolved and typed. This is what the front end hands to
//! the dependency graph, the IR lowering and the language server.

use crate::span::Span;
use crate::syntax::ast::{BinOp, ClauseKind, ExpectKind, Quantifier, UnaryOp};
use serde::Serialize;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub struct $name(pub u32);
        impl $name {
            pub fn index(self) -> usize { self.0 as usize }
        }
    )*};
}

id_type! {
    /// A package: all files that declare the same `package`.
    ModuleId;
    /// A record `type`.
    TypeId;
    EnumId;
    ResourceId;
    FnId;
    PolicyId;
    /// A local binding: subject, parameter, `let`, function parameter or quantified variable.
    LocalId;
}

/// A semantic type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Ty {
    String,
    Int,
    Float,
    Bool,
    Timestamp,
    List(Box<Ty>),
    Map(Box<Ty>),
    Record(TypeId),
    Enum(EnumId),
    Resource(ResourceId),
    /// A record literal with no type, allowed only as the subject of `expect rejected`.
    Untyped,
    /// The type of an expression that already has an error, or of `[]`: fits anywhere, so one
    /// mistake is reported once.
    Unknown,
}

impl Ty {
    pub fn is_numeric(&self) -> bool {
        matches!(self, Ty::Int | Ty::Float | Ty::Unknown)
    }

    /// Scalars can be interpolated into messages and compared.
    pub fn is_scalar(&self) -> bool {
        matches!(
            self,
            Ty::String | Ty::Int | Ty::Float | Ty::Bool | Ty::Timestamp | Ty::Enum(_) | Ty::Unknown
        )
    }
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
    Type(TypeId),
    Enum(EnumId),
    Resource(ResourceId),
    Fn(FnId),
    Policy(PolicyId),
}

#[derive(Debug, Clone, Serialize)]
pub struct Module {
    /// `a.b.c`.
    pub name: String,
    pub span: Span,
    pub imports: Vec<ModuleId>,
    pub is_stdlib: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldDef {
    pub name: String,
    pub ty: Ty,
    pub optional: bool,
    pub constraints: Vec<FieldConstraint>,
    pub doc: Option<String>,
    pub span: Span,
}

/// A checked `@` constraint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FieldConstraint {
    Pattern(String),
    Min(f64),
    Max(f64),
    MinItems(u64),
    /// `@sensitive`: the value must never reach a decision log.
    Sensitive,
}

#[derive(Debug, Clone, Serialize)]
pub struct TypeDef {
    pub module: ModuleId,
    pub name: String,
    pub doc: Option<String>,
    pub fields: Vec<FieldDef>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnumDef {
    pub module: ModuleId,
    pub name: String,
    pub doc: Option<String>,
    pub variants: Vec<String>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Namespaced,
    Cluster,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResourceDef {
    pub module: ModuleId,
    /// The Kubernetes kind, e.g. `ModelDeployment`.
    pub name: String,
    pub doc: Option<String>,
    pub group: String,
    pub version: String,
    pub scope: Scope,
    pub plural: String,
    pub spec: Ty,
    /// The record view of a value of this resource: `apiVersion`, `kind`, `metadata`, `spec`.
    pub fields: Vec<FieldDef>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct Local {
    pub name: String,
    pub ty: Ty,
    pub kind: LocalKind,
    pub span: Span,
}

impl Local {
    /// Whether a name at byte `offset` of the local's body can refer to it, as the checker's
    /// scopes bind names: a parameter or the subject anywhere in the body, a `let` once it is
    /// bound (after its name, in policies and tests alike), and a variable of `some` or of a
    /// quantifier only inside what binds it, which the caller alone knows.
    pub fn in_scope_at(&self, offset: u32) -> bool {
        match self.kind {
            LocalKind::Subject | LocalKind::Param | LocalKind::FnParam => true,
            LocalKind::Let => self.span.end < offset,
            LocalKind::Bound => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LocalKind {
    Subject,
    Param,
    Let,
    FnParam,
    /// Bound by `some x in xs`, `all x in xs: ...` or `any x in xs: ...`.
    Bound,
}

#[derive(Debug, Clone, Serialize)]
pub struct FnDef {
    pub module: ModuleId,
    pub name: String,
    pub doc: Option<String>,
    pub params: Vec<LocalId>,
    pub ret: Ty,
    pub body: Option<TExpr>,
    pub locals: Vec<Local>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
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
    pub const RESOURCE: &[&str] = &["group", "version", "scope", "plural"];
    /// `ci { ... }` in an `enforce`.
    pub const CI: &[&str] = &["files", "sarif"];
    /// `admission { ... }` in an `enforce`.
    pub const ADMISSION: &[&str] = &["kinds", "action", "namespaces", "excluded_namespaces"];
    /// The targets of an `enforce`.
    pub const TARGETS: &[&str] = &["ci", "admission"];
}

#[derive(Debug, Clone, Serialize)]
pub struct ParamDef {
    pub local: LocalId,
    pub name: String,
    pub ty: Ty,
    pub constraints: Vec<FieldConstraint>,
    pub default: TExpr,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyDef {
    pub module: ModuleId,
    pub name: String,
    pub doc: Option<String>,
    pub title: Option<String>,
    pub severity: Severity,
    pub controls: Vec<String>,
    pub owner: Option<String>,
    pub params: Vec<ParamDef>,
    pub subject: Option<LocalId>,
    pub lets: Vec<(LocalId, TExpr)>,
    pub clauses: Vec<TClause>,
    pub locals: Vec<Local>,
    pub span: Span,
}

impl PolicyDef {
    pub fn subject_ty(&self) -> Option<&Ty> {
        self.subject.map(|l| &self.locals[l.index()].ty)
    }

    pub fn has_allow(&self) -> bool {
        self.clauses.iter().any(|c| c.kind == ClauseKind::Allow)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TClause {
    pub kind: ClauseKind,
    pub message: Option<TString>,
    pub conditions: Vec<TCondition>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub enum TCondition {
    Expr(TExpr),
    /// `some x in xs`, or `some k, v in m` (`key` a map's key or a list's index).
    Some {
        key: Option<LocalId>,
        var: LocalId,
        collection: TExpr,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct TString {
    pub parts: Vec<TStrPart>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub enum TStrPart {
    Text(String),
    Interp(TExpr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Builtin {
    Count,
    Sum,
    Min,
    Max,
    Lower,
    Upper,
    StartsWith,
    EndsWith,
    Contains,
    Matches,
    DaysSince,
    /// `get(m, key, default)`: a map entry or list element, or the default when it is absent.
    Get,
    Trim,
    TrimPrefix,
    TrimSuffix,
    Split,
    Join,
    Replace,
    /// Lists as sets: sorted, without duplicates.
    Union,
    Intersection,
    Difference,
    Subset,
    /// A Kubernetes quantity (`500m`, `1Gi`) as a number of base units.
    Quantity,
}

impl Builtin {
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
        Builtin::DaysSince,
        Builtin::Get,
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
    ];

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
            Builtin::DaysSince => "days_since",
            Builtin::Get => "get",
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
            Builtin::DaysSince => "days_since(t: timestamp) -> int",
            Builtin::Get => "get(m: {string: T} | [T], key: string | int, default: T) -> T",
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
            Builtin::Matches => "whether `s` matches the regular expression, a constant checked at compile time",
            Builtin::DaysSince => "whole days from `t` until now",
            Builtin::Get => "the entry at `key`, or `default` when there is none",
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
        }
    }

    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.iter().copied().find(|b| b.name() == name)
    }
}

/// A checked expression with its type.
#[derive(Debug, Clone, Serialize)]
pub struct TExpr {
    pub kind: TExprKind,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub enum TExprKind {
    Int(i64),
    Float(f64),
    Bool(bool),
    String(TString),
    Local(LocalId),
    Variant(EnumId, String),
    Field {
        target: Box<TExpr>,
        name: String,
    },
    Index {
        target: Box<TExpr>,
        index: Box<TExpr>,
    },
    Call {
        func: FnId,
        args: Vec<TExpr>,
    },
    Builtin {
        builtin: Builtin,
        args: Vec<TExpr>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<TExpr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<TExpr>,
        rhs: Box<TExpr>,
    },
    Quantified {
        quantifier: Quantifier,
        /// The key (a map's) or index (a list's), when the quantifier names one.
        key: Option<LocalId>,
        var: LocalId,
        collection: Box<TExpr>,
        body: Box<TExpr>,
    },
    /// `has path`: whether every field along the path is present.
    Has(Box<TExpr>),
    /// A record or map literal; fields in written order.
    Record {
        fields: Vec<(String, TExpr)>,
    },
    List(Vec<TExpr>),
    /// An expression that had an error (already reported).
    Error,
}

#[derive(Debug, Clone, Serialize)]
pub struct Enforcement {
    pub module: ModuleId,
    pub policies: Vec<PolicyId>,
    pub ci: Option<CiTarget>,
    pub admission: Option<AdmissionTarget>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct CiTarget {
    pub files: Vec<String>,
    pub sarif: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AdmissionAction {
    Deny,
    Warn,
    Dryrun,
}

#[derive(Debug, Clone, Serialize)]
pub struct AdmissionTarget {
    /// `group/Kind`, core group written `v1/Kind`.
    pub kinds: Vec<String>,
    pub action: AdmissionAction,
    pub namespaces: Vec<String>,
    pub excluded_namespaces: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestDef {
    pub module: ModuleId,
    pub name: String,
    pub expectations: Vec<TExpectation>,
    pub locals: Vec<Local>,
    pub lets: Vec<(LocalId, TExpr)>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct TExpectation {
    pub kind: ExpectKind,
    pub policy: PolicyId,
    pub subject: TExpr,
    pub args: Vec<(String, TExpr)>,
    pub message: Option<String>,
    pub span: Span,
}

/// The whole checked program.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Program {
    pub modules: Vec<Module>,
    pub types: Vec<TypeDef>,
    pub enums: Vec<EnumDef>,
    pub resources: Vec<ResourceDef>,
    pub fns: Vec<FnDef>,
    pub policies: Vec<PolicyDef>,
    pub enforcements: Vec<Enforcement>,
    pub tests: Vec<TestDef>,
}

impl Program {
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
