//! The typed syntax tree. Every node carries the [`Span`] of the source it came from.

use crate::span::{FileId, Span};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A dotted name, `a.b.c`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Path {
    pub segments: Vec<Ident>,
    pub span: Span,
}

impl Path {
    /// The path as written, `a.b.c`.
    pub fn dotted(&self) -> String {
        let names: Vec<&str> = self.segments.iter().map(|s| s.name.as_str()).collect();
        names.join(".")
    }

    pub fn last(&self) -> &Ident {
        // INVARIANT: the grammar never produces an empty path.
        &self.segments[self.segments.len() - 1]
    }
}

/// `///` documentation attached to the next item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Doc {
    pub text: String,
    pub span: Span,
}

/// One parsed `.gov` file. Declarations that failed to parse are absent (their diagnostics are
/// reported separately) so that the rest of the file can still be checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceModule {
    pub file: FileId,
    pub package: Option<Path>,
    pub imports: Vec<Import>,
    pub decls: Vec<Decl>,
    /// The names of the declarations that did not parse, where their start could be read: they
    /// are declared, but broken, so a use of them elsewhere is not an unknown name.
    pub unparsed: Vec<Ident>,
}

impl SourceModule {
    /// A module of `file` with nothing in it yet.
    pub fn empty(file: FileId) -> SourceModule {
        SourceModule {
            file,
            package: None,
            imports: Vec::new(),
            decls: Vec::new(),
            unparsed: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Import {
    pub module: Path,
    /// `import a.b.{X, Y}`: the names brought in; `None` for a plain module import `import a.b`.
    pub names: Option<Vec<Ident>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decl {
    pub doc: Option<Doc>,
    pub kind: DeclKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum DeclKind {
    Type(TypeDecl),
    Enum(EnumDecl),
    Resource(ResourceDecl),
    Fn(FnDecl),
    Policy(PolicyDecl),
    Enforce(EnforceDecl),
    Test(TestDecl),
}

impl Decl {
    /// The declared name, for declarations that have one (`enforce` and `test` do not).
    pub fn name(&self) -> Option<&Ident> {
        match &self.kind {
            DeclKind::Type(d) => Some(&d.name),
            DeclKind::Enum(d) => Some(&d.name),
            DeclKind::Resource(d) => Some(&d.name),
            DeclKind::Fn(d) => Some(&d.name),
            DeclKind::Policy(d) => Some(&d.name),
            DeclKind::Enforce(_) | DeclKind::Test(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeDecl {
    pub name: Ident,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub doc: Option<Doc>,
    pub name: Ident,
    pub optional: bool,
    pub ty: TypeExpr,
    pub constraints: Vec<Constraint>,
    pub span: Span,
}

/// `@name(arg)` or `@name` after a field or parameter type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Constraint {
    pub name: Ident,
    /// The argument; `None` for a bare marker such as `@sensitive`.
    pub arg: Option<Literal>,
    pub span: Span,
}

/// A constant written in a constraint or a setting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Literal {
    Number(Number),
    String(StringLit),
    Bool(bool),
    StringList(Vec<StringLit>),
    Ident(Ident),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Number {
    pub value: f64,
    /// Written without a fraction or exponent.
    pub is_int: bool,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TypeExprKind {
    /// A built-in scalar (`string`, `int`, ...) or a named type, possibly qualified.
    Named(Path),
    List(Box<TypeExpr>),
    /// `{string: T}`; the key is kept to report anything but `string`.
    Map(Ident, Box<TypeExpr>),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnumDecl {
    pub name: Ident,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Variant {
    pub doc: Option<Doc>,
    pub name: Ident,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceDecl {
    pub name: Ident,
    pub settings: Vec<Setting>,
    /// `name: Type` items: `spec` for a resource govc owns; the object's top-level fields
    /// (besides `apiVersion`, `kind` and `metadata`) for an external one.
    pub fields: Vec<Field>,
}

/// `key = value`, in resources, policy metadata and enforcements.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting {
    pub key: Ident,
    pub value: Literal,
    pub value_span: Span,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FnDecl {
    pub name: Ident,
    pub params: Vec<FnParam>,
    pub ret: TypeExpr,
    pub body: FnBody,
}

/// What a function computes. (Untagged: the syntax tree of `= expr` shows just the expression.)
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FnBody {
    /// `= expr`.
    Expr(Expr),
    /// `when { ... }`: a predicate, true when all its conditions hold.
    Conditions { conditions: Vec<Condition>, span: Span },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FnParam {
    pub name: Ident,
    pub ty: TypeExpr,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyDecl {
    pub name: Ident,
    /// `= std.ai.no_unencrypted_pii on DatasetRegistration.spec`: the policy applies another
    /// policy's clauses to a document of another type.
    pub applies: Option<AppliedFrom>,
    pub items: Vec<PolicyItem>,
}

/// What an applied policy applies, and to what.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppliedFrom {
    /// The policy applied, `std.ai.no_unencrypted_pii`.
    pub policy: Path,
    /// A type and the fields down to the document the applied policy judges:
    /// `DatasetRegistration.spec`, `acme.resources.DatasetRegistration.spec`, or just a type.
    pub target: Path,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum PolicyItem {
    Setting(Setting),
    Param(ParamDecl),
    Subject(SubjectDecl),
    /// `request r: AdmissionRequest`: the admission request, beside the subject.
    Request(SubjectDecl),
    /// `inventory others: [Ingress]`: the objects of a kind that are in the cluster.
    Inventory(SubjectDecl),
    Let(LetBinding),
    Clause(Clause),
    /// `param name = value` in an applied policy: a new default for one of its parameters.
    ParamValue(ParamValue),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamValue {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamDecl {
    pub doc: Option<Doc>,
    pub name: Ident,
    pub ty: TypeExpr,
    pub constraints: Vec<Constraint>,
    pub default: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubjectDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LetBinding {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// The kind of a policy clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ClauseKind {
    /// `deny "message" when ...`: blocks.
    Deny,
    /// `warn "message" when ...`: reported, never blocks.
    Warn,
    /// `allow when ...`: grants access (the policy's `allow` decision).
    Allow,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clause {
    pub kind: ClauseKind,
    /// The message of `deny` and `warn`; `allow` has none.
    pub message: Option<StringLit>,
    pub conditions: Vec<Condition>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Condition {
    Expr(Expr),
    /// `some x in xs`: binds `x` for the conditions after it; `some k, v in m` binds a map's
    /// key (a list's index) as `key` and its value as `var`.
    Some {
        key: Option<Ident>,
        var: Ident,
        collection: Expr,
        span: Span,
    },
    /// `let x = e`: binds `x` for the conditions after it and the message.
    Let {
        name: Ident,
        value: Expr,
        span: Span,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnforceDecl {
    pub policies: Vec<Path>,
    pub targets: Vec<EnforceTarget>,
}

/// `ci { ... }` or `admission { ... }` inside an `enforce`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnforceTarget {
    pub name: Ident,
    pub settings: Vec<Setting>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestDecl {
    pub name: StringLit,
    pub items: Vec<TestItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TestItem {
    Let(LetBinding),
    Expect(Expectation),
}

/// What an `expect` line of a test expects of a policy's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ExpectKind {
    /// `expect denied`: at least one denial.
    Denied,
    /// `expect warned`: at least one warning.
    Warned,
    /// `expect passes`: no denial.
    Passes,
    /// `expect allowed`: access is allowed.
    Allowed,
    /// `expect rejected`: the document does not conform to the subject type.
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expectation {
    pub kind: ExpectKind,
    pub policy: Path,
    pub subject: Expr,
    pub args: Vec<NamedArg>,
    pub message: Option<StringLit>,
    /// `at T`: the time `now()` reads while the policy decides.
    pub at: Option<Expr>,
    /// `with request R`: the admission request the policy reads while it decides.
    pub request: Option<Box<Expr>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedArg {
    pub name: Ident,
    pub value: Expr,
}

/// A string literal: text and `{expr}` interpolations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StringLit {
    pub parts: Vec<StrPart>,
    pub span: Span,
}

impl StringLit {
    /// The text of a string without interpolations; `None` if it interpolates.
    pub fn as_plain(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                StrPart::Text(t) => out.push_str(t),
                StrPart::Interp(_) => return None,
            }
        }
        Some(out)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum StrPart {
    Text(String),
    Interp(Expr),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl Expr {
    /// A chain of names `a.b.c` written as field accesses, if the expression is one.
    pub fn static_path(&self) -> Option<Vec<&Ident>> {
        match &self.kind {
            ExprKind::Name(i) => Some(vec![i]),
            ExprKind::Field { target, field } => {
                let mut path = target.static_path()?;
                path.push(field);
                Some(path)
            }
            _ => None,
        }
    }

    /// The names a quantifier or a comprehension binds (`key`, `var`), the collection it walks
    /// (outside their scope), and the expressions in their scope, in order (a body; a filter,
    /// then an element); `None` for any other expression.
    pub fn iteration(&self) -> Option<(Option<&Ident>, &Ident, &Expr, Vec<&Expr>)> {
        match &self.kind {
            ExprKind::Quantified {
                key,
                var,
                collection,
                body,
                ..
            } => Some((key.as_ref(), var, collection, vec![body])),
            ExprKind::Comprehension {
                element,
                key,
                var,
                collection,
                filter,
            } => Some((
                key.as_ref(),
                var,
                collection,
                filter.as_deref().into_iter().chain([element.as_ref()]).collect(),
            )),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

/// The quantifier of `all x in xs: e` and `any x in xs: e`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Quantifier {
    /// `all`: every element satisfies the body.
    All,
    /// `any`: some element satisfies the body.
    Any,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ExprKind {
    Number(Number),
    /// A duration literal, `90d` or `1h30m`.
    Duration(DurationLit),
    Bool(bool),
    String(StringLit),
    Name(Ident),
    Field {
        target: Box<Expr>,
        field: Ident,
    },
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
    },
    Call {
        callee: Box<Expr>,
        args: Vec<Expr>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Quantified {
        quantifier: Quantifier,
        /// `all k, v in m: ...`: the key (or list index), when one is named.
        key: Option<Ident>,
        var: Ident,
        collection: Box<Expr>,
        body: Box<Expr>,
    },
    Has(Box<Expr>),
    /// `if cond then then else otherwise`; an `else if` chain nests in `otherwise`.
    If {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// `[element for var in collection if filter]`, or `for key, var in ...` (a map's key, a
    /// list's index): the list of `element` for each member of `collection` where `filter` holds.
    Comprehension {
        element: Box<Expr>,
        key: Option<Ident>,
        var: Ident,
        collection: Box<Expr>,
        filter: Option<Box<Expr>>,
    },
    /// `T { f: v }` (with a type name) or `{ f: v }` (type taken from context).
    Record {
        ty: Option<Path>,
        fields: Vec<RecordField>,
    },
    List(Vec<Expr>),
}

/// A duration literal: its length in nanoseconds, and the text as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DurationLit {
    pub nanos: i64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordField {
    /// The key; its span covers the quotes of a quoted key.
    pub name: Ident,
    /// Written as a string, `"model-id": ...` (a map key that is not a name).
    pub quoted: bool,
    pub value: Expr,
    pub span: Span,
}
