//! The stable codes of every diagnostic govc reports. A code never changes meaning once released;
//! the table below is also the rule list of the SARIF output, and `docs/diagnostics.md` lists it
//! (a test keeps the two in step).

use serde::Serialize;

macro_rules! codes {
    ($($variant:ident = $id:literal, $title:literal, $help:literal;)*) => {
        /// A stable diagnostic code (`E0xxx` errors, `W0xxx` warnings).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// Every code, in order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as printed, e.g. `E0201`.
            pub fn id(self) -> &'static str {
                match self { $(Code::$variant => $id,)* }
            }

            /// A one-line description of the rule behind the code.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title,)* }
            }

            /// What the rule asks for and how to satisfy it: the help text of the SARIF rule and
            /// of `docs/diagnostics.md`.
            pub fn help(self) -> &'static str {
                match self { $(Code::$variant => $help,)* }
            }
        }
    };
}

codes! {
    // Syntax
    Syntax = "E0001", "syntax error",
        "The file does not follow the grammar. The message names what was expected; fix the first error of a file first, later ones may follow from it.";
    InvalidEscape = "E0002", "invalid escape sequence in a string",
        "Strings accept the escapes `\\\"`, `\\\\`, `\\n`, `\\t`, `\\r` and `\\u{1F600}`; `{{` and `}}` are literal braces. Write a backslash as `\\\\`.";
    MissingPackage = "E0003", "a file must start with a `package` declaration",
        "Every `.gov` file starts with `package a.b.c`, which names the module its declarations belong to.";
    InvalidNumber = "E0004", "number literal out of range",
        "Integers must fit in 64 bits and floats must be finite.";
    TooDeep = "E0005", "an expression or a type nests too deeply, or an expression is too long",
        "Expressions and types nest at most 128 levels deep (parentheses, lists, records, call arguments, indexes, interpolations, quantifiers, `not`, `-`, `has`, list and map types); chains of operators or of `.field`, `[index]` and `(args)` may be up to 50,000 long. Name a part with `let` or move it into a helper function or a named type.";
    // Names
    UnknownType = "E0101", "unknown type",
        "A type name must be a built-in type (`string`, `int`, `float`, `bool`, `timestamp`) or a `type`, `enum` or `resource` declared in the package or imported.";
    UnknownName = "E0102", "unknown name",
        "A name must be declared in the package, imported, or bound by `subject`, `param`, `let`, a function parameter or a quantifier in scope.";
    DuplicateDeclaration = "E0103", "a name is declared twice",
        "All files of a package share one namespace: give one of the declarations another name.";
    UnknownModule = "E0104", "import of an unknown module",
        "An import names a package of the project or of the standard library (`std.ai`, `std.k8s`).";
    UnknownImport = "E0105", "import of a name the module does not declare",
        "`import a.b.{Name}` brings in a declaration of module `a.b`: check the spelling, or declare it there.";
    ImportConflict = "E0106", "an import clashes with another name",
        "Two imports, or an import and a declaration, would give one name two meanings. Import the module instead and write the name qualified.";
    NotAValue = "E0107", "a type or module is used where a value is expected",
        "A type or module name stands where an expression is expected. Name a value, a function call or a field instead.";
    NotAType = "E0108", "a value is used where a type is expected",
        "A function, policy or other value stands where a type is expected.";
    CaseCollision = "E0109", "two packages or policies differ only in case, so their outputs collide",
        "Output files are named after packages and policies; on a case-insensitive file system (macOS, Windows) `Foo` and `foo` would be one file. Rename one of them.";
    ReservedPackage = "E0110", "a project package is under `std` or `govc`, which the compiler owns",
        "Packages under `std` are the standard library's and packages under `govc` hold the bundle's own data and code (`govc.defaults`, `govc.overrides`, `govc.runtime`, `govc.log`): name the package after your organization.";
    UnusedImport = "W0101", "an import is never used",
        "Nothing in the file uses the imported name: remove the import.";
    // Types
    UnknownField = "E0201", "unknown field",
        "The type has no such field. The help names the closest field; field names are case-sensitive.";
    UnknownVariant = "E0202", "unknown enum value",
        "The enum has no such value: use one of the values it declares.";
    TypeMismatch = "E0203", "operands or values of the wrong type",
        "The operands or values do not have the types the operation needs (for example, a string compared with an int).";
    UnguardedOptional = "E0204", "an optional field or a map entry is read without a guard",
        "An optional field (`name?: T`) may be absent: read it only where `has x.name` holds, in the same condition block before the read. A map entry `m[k]` is read where `k in m` holds, or with a default: `get(m, k, default)`.";
    MissingField = "E0205", "a record literal misses a required field",
        "A record literal must give every required field of its type.";
    UnknownLiteralField = "E0206", "a record literal names a field its type does not have",
        "A record literal names a field its type does not declare.";
    NonScalarInterpolation = "E0207", "only scalars can be interpolated into a message",
        "Messages interpolate strings, numbers, booleans, timestamps and enum values; interpolate a field of a list or record instead.";
    WrongArity = "E0208", "a call has the wrong number of arguments",
        "The call passes more or fewer arguments than the function or built-in takes.";
    WrongArgument = "E0209", "a call argument has the wrong type",
        "An argument does not have the type the function or built-in parameter takes.";
    MissingSubject = "E0210", "a policy has no `subject`",
        "A policy judges one document: declare it with `subject name: Type`.";
    DuplicateSubject = "E0211", "a policy has more than one `subject`",
        "A policy judges exactly one document: keep one `subject`.";
    UnknownPolicy = "E0212", "`enforce` or a test names an unknown policy",
        "`enforce` and test expectations name policies declared in the package or imported.";
    AdmissionNeedsResource = "E0213", "admission enforcement needs a `resource` subject",
        "Admission control judges Kubernetes objects, so a policy enforced at admission must have a `resource` subject, a `std.k8s.Workload` or `std.k8s.Object` one, or a type of the same shape as `Object` (required `apiVersion: string`, `kind: string` and `metadata: std.k8s.ObjectMeta`).";
    ConstraintType = "E0214", "an `@` constraint does not fit the field's type",
        "`@pattern` applies to strings, `@min`/`@max` to numbers, `@min_items` to lists, `@sensitive` to any field.";
    BadExpectation = "E0215", "a test expectation does not fit its policy",
        "A test expectation must fit its policy: the subject's type, the parameters it overrides, and a clause kind the policy has.";
    NotBoolean = "E0216", "a condition is not a boolean",
        "Conditions (`when`, `all`, `any`, `and`, `or`, `not`) take booleans.";
    DuplicateItem = "E0217", "an item is given twice",
        "A setting, target, argument or test name is given twice where it must be unique.";
    InvalidMetadata = "E0218", "invalid policy metadata",
        "Policy metadata: `title` (a string), `severity` (`low`, `medium`, `high`, `critical`), `controls` (a list of strings) and `owner` (a string).";
    InvalidResource = "E0219", "invalid `resource` declaration",
        "A `resource` needs `group` (a DNS subdomain), `version` (like `v1` or `v1beta1`), `scope` (`namespaced` or `cluster`) and `spec: Type`; `plural` is optional, and `columns` lists dotted paths to fields `kubectl get` can print (strings, numbers, booleans, timestamps, enum values), each column named once.";
    InvalidEnforcement = "E0220", "invalid `enforce` settings",
        "`enforce` takes `ci { files, sarif }` and `admission { kinds, action, namespaces, excluded_namespaces, engine }`; admission `kinds` must be the `group/Kind` of the policies' resource subject, `engine` is `gatekeeper` (the default), `cel` or `both`.";
    InvalidPattern = "E0221", "invalid regular expression",
        "Patterns use RE2 syntax, as OPA does. Write them as raw strings, `r\"...\"`, which take a backslash as it is.";
    NotCallable = "E0222", "only functions and built-ins can be called",
        "Only functions (`fn`) and built-ins can be called; policies are enforced and tested, not called.";
    UntypedRecord = "E0223", "a record literal needs a known type",
        "A record literal needs a type: write `Type { ... }`, or use it where its type is known.";
    InvalidParam = "E0224", "invalid policy parameter",
        "A parameter's default must have its type and meet its constraints.";
    PatternNotConstant = "E0225", "a regular expression is not a constant string",
        "A pattern written in the policy is checked when it compiles, so it must be a plain string: write it as a raw string, `r\"^[a-z]+\\.[0-9]+$\"`, whose backslashes need no escaping and which never interpolates (in `\"^[0-9]{4}$\"`, `{4}` interpolates the number 4). A pattern from a parameter is allowed, and checked where it is used (an evaluation failure when it is invalid).";
    InvalidTimeZone = "E0240", "a time zone is not a constant IANA name",
        "The time built-ins (`hour`, `minute`, `weekday`, `date`, `format_time`) take the zone as a constant IANA name such as `\"Europe/Paris\"`, checked at compile time: an unknown zone would stop the engines at run time.";
    InvalidQuantity = "E0226", "a Kubernetes quantity is malformed",
        "A quantity is a number with an optional suffix, as Kubernetes writes them: `500m`, `0.5`, `128974848`, `1e3`, `2Ki`, `1.5Gi`, `1G`. The binary suffixes are `Ki Mi Gi Ti Pi Ei`, the decimal ones `n u m k M G T P E` (`m` is milli, `M` mega; `K` is not a suffix), and an exponent is `e` or `E` with an integer.";
    InvalidInventory = "E0227", "invalid `inventory` member",
        "`inventory NAME: [R]` reads the objects of the `resource` R that are in the cluster (Gatekeeper's synced `data.inventory`): its type is a list of a resource type, own or external (`[std.k8s.Ingress]`). A ValidatingAdmissionPolicy cannot read other objects, so a policy with an inventory is enforced at admission with `engine = gatekeeper`.";
    InvalidApplication = "E0250", "a policy is applied to a document it cannot judge, or with unknown parameters",
        "`policy p = q on T.path { ... }` applies policy `q` to the document at `path` of a `T`: the fields on the path must be required ones and lead to a value of `q`'s subject type; `param name = value` names a parameter of `q`; an applied policy takes its subject, parameters and clauses from `q`, so it declares none of its own.";
    RedundantHas = "W0201", "`has` on a field that is always present",
        "The field is required, so `has` is always true: remove the guard.";
    // Graph
    FunctionCycle = "E0301", "functions call each other in a cycle",
        "Rego does not allow recursion: rewrite the functions so that they do not call each other in a loop.";
    ModuleCycle = "E0302", "modules import each other in a cycle",
        "Packages must not import each other in a cycle: move the shared declarations into a package both import.";
    PolicyCycle = "E0303", "policies depend on each other in a cycle",
        "Policies must not depend on each other in a cycle.";
    RecursiveType = "E0304", "a type contains itself",
        "A document schema must be finite: a type cannot contain itself, directly or through other types.";
    // Project
    NoSources = "E0401", "no `.gov` files in the project",
        "The directory holds no `.gov` file (hidden directories, `dist`, `target` and `node_modules` are not searched): point govc at the project directory.";
    Io = "E0402", "a file could not be read",
        "A source file could not be read: check that it exists, is readable and is UTF-8.";
    TooManyErrors = "E0403", "too many errors",
        "govc lists the first 200 problems; fix those and check again.";
    // Build targets: what `govc build` would reject, reported by `govc check` too
    InvalidConfig = "E0501", "invalid `govc.toml`",
        "`govc.toml` holds the deployment settings (`[bundle]`, `[decision_logs]`); docs/deploy.md lists every key with its type and default.";
    TargetName = "E0502", "a name a build target cannot use",
        "Kubernetes and Gatekeeper hold generated names to their rules: a Constraint kind (the policy name in UpperCamelCase) starts with a letter and its lowercase form has at most 63 characters; a CRD's names are DNS labels. Rename the declaration.";
    OutputClash = "E0503", "two declarations would produce the same output",
        "Two declarations would be written to the same file, Rego package or Kubernetes object name. Rename one of them.";
    NoCelTranslation = "E0504", "a policy enforced with `engine = cel` uses a construct CEL cannot express faithfully",
        "A ValidatingAdmissionPolicy must decide exactly as the OPA bundle does. The construct named has no faithful CEL translation (float arithmetic, `days_since`, `lower`/`upper`, an operation that can fail at run time, a float in a message) or would exceed Kubernetes' CEL cost budget: enforce the policy with `engine = gatekeeper`, or rewrite the expression (docs/cel.md lists what translates).";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut ids: Vec<_> = Code::ALL.iter().map(|c| c.id()).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len());
        for id in ids {
            assert!(id.len() == 5 && (id.starts_with('E') || id.starts_with('W')), "{id}");
        }
    }
}
