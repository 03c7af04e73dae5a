//! The stable codes of every diagnostic govc reports. A code never changes meaning once released;
//! the table below is also the rule list of the SARIF output.

use serde::Serialize;

macro_rules! codes {
    ($($variant:ident = $id:literal, $title:literal;)*) => {
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
        }
    };
}

codes! {
    // Syntax
    Syntax = "E0001", "syntax error";
    InvalidEscape = "E0002", "invalid escape sequence in a string";
    MissingPackage = "E0003", "a file must start with a `package` declaration";
    InvalidNumber = "E0004", "number literal out of range";
    // Names
    UnknownType = "E0101", "unknown type";
    UnknownName = "E0102", "unknown name";
    DuplicateDeclaration = "E0103", "a name is declared twice";
    UnknownModule = "E0104", "import of an unknown module";
    UnknownImport = "E0105", "import of a name the module does not declare";
    ImportConflict = "E0106", "an import clashes with another name";
    NotAValue = "E0107", "a type or module is used where a value is expected";
    NotAType = "E0108", "a value is used where a type is expected";
    ReservedPackage = "E0109", "a project package is under `std` or `govc`, which the compiler owns";
    UnusedImport = "W0101", "an import is never used";
    // Types
    UnknownField = "E0201", "unknown field";
    UnknownVariant = "E0202", "unknown enum value";
    TypeMismatch = "E0203", "operands or values of the wrong type";
    UnguardedOptional = "E0204", "an optional field or a map entry is read without a guard";
    MissingField = "E0205", "a record literal misses a required field";
    UnknownLiteralField = "E0206", "a record literal names a field its type does not have";
    NonScalarInterpolation = "E0207", "only scalars can be interpolated into a message";
    WrongArity = "E0208", "a call has the wrong number of arguments";
    WrongArgument = "E0209", "a call argument has the wrong type";
    MissingSubject = "E0210", "a policy has no `subject`";
    DuplicateSubject = "E0211", "a policy has more than one `subject`";
    UnknownPolicy = "E0212", "`enforce` or a test names an unknown policy";
    AdmissionNeedsResource = "E0213", "admission enforcement needs a `resource` subject";
    ConstraintType = "E0214", "an `@` constraint does not fit the field's type";
    BadExpectation = "E0215", "a test expectation does not fit its policy";
    NotBoolean = "E0216", "a condition is not a boolean";
    DuplicateItem = "E0217", "an item is given twice";
    InvalidMetadata = "E0218", "invalid policy metadata";
    InvalidResource = "E0219", "invalid `resource` declaration";
    InvalidEnforcement = "E0220", "invalid `enforce` settings";
    InvalidPattern = "E0221", "invalid regular expression";
    NotCallable = "E0222", "only functions and built-ins can be called";
    UntypedRecord = "E0223", "a record literal needs a known type";
    InvalidParam = "E0224", "invalid policy parameter";
    PatternNotConstant = "E0225", "a regular expression is not a constant string";
    RedundantHas = "W0201", "`has` on a field that is always present";
    // Graph
    FunctionCycle = "E0301", "functions call each other in a cycle";
    ModuleCycle = "E0302", "modules import each other in a cycle";
    PolicyCycle = "E0303", "policies depend on each other in a cycle";
    RecursiveType = "E0304", "a type contains itself";
    // Project
    NoSources = "E0401", "no `.gov` files in the project";
    Io = "E0402", "a file could not be read";
    TooManyErrors = "E0403", "too many errors";
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
