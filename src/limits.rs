//! The compiler's resource limits, declared once.
//!
//! **Nesting.** [`MAX_NESTING`] is the one nesting limit of the language, the same number for
//! every stage and every kind of nesting:
//!
//! - an expression is one level deeper than the expression it sits in when it is in parentheses,
//!   a list, a record literal, the arguments of a call, an index `[...]`, an interpolation `{...}`
//!   of a string, a quantifier (`all x in xs: ...`), a conditional (`if c then a else b`), or
//!   after `not`, `-` or `has`; the expression of a clause, a `let` or a function body is at
//!   level 1;
//! - a type is one level deeper than the type that holds it as a list element (`[T]`), a map value
//!   (`{k: T}`) or a field of a record type, so a subject type describes documents at most
//!   [`MAX_NESTING`] deep;
//! - a document `govc eval` judges nests lists and objects at most [`MAX_NESTING`] deep, which is
//!   what the deepest subject type can describe.
//!
//! The parser reports anything deeper as `E0005` at the place where the limit is passed, so no
//! later stage sees it.
//!
//! **Chains.** Operators of one expression (`a and b and c`, `x + y + z`) and postfix chains
//! (`a.b.c`, `x[0][1]`, `f(x)(y)`) are not nesting: they may be as long as [`MAX_CHAIN`]. Every
//! stage after the parser walks the syntax tree recursively, and a chain of `n` operators is a
//! tree `n` deep, so the compiler runs on a thread with a [`STACK`]-byte stack ([`on_stack`]),
//! sized from the deepest tree the parser accepts (`MAX_NESTING` levels of chains up to
//! `MAX_CHAIN` long together are at most [`MAX_TREE_DEPTH`] deep) and the stack one level of the
//! tree takes in the hungriest stage of a debug build, with a margin (see [`STACK`]).
//! The stack is reserved address space: only the part a deep tree actually uses is ever touched.

/// The deepest nesting of expressions, of types, and of the documents `govc eval` reads.
pub const MAX_NESTING: usize = 128;

/// How deep the syntax tree of one expression may be, counting every operator, postfix link and
/// nested expression on the way down: a flat chain of up to this many terms, or nested chains
/// adding up to it. Past it the parser reports `E0005` ("expression too long").
pub const MAX_TREE_DEPTH: usize = 50_000;

/// The longest flat chain of operators or postfix links (`a.b.c…`, `x + y + …`): the tree depth
/// budget, since a flat chain spends it all.
pub const MAX_CHAIN: usize = MAX_TREE_DEPTH;

/// How many levels the parser may open in one declaration, counting brackets and the words that
/// nest (`if`, `all`, `any`, `has`; see [`crate::syntax::scan::parser_depth_past`]): as deep as a
/// syntax tree may be. pest is built without its stack probe (it cost a sixth of the parse), so a
/// declaration past this is refused with `E0005` before it is parsed; [`STACK`] holds the parser
/// at this depth twice over (a debug build's parser takes at most 7 KiB a level).
pub const MAX_PARSER_DEPTH: usize = MAX_TREE_DEPTH;

/// The stack one level of a syntax tree may take in any stage, in a debug build: the formatter
/// is the hungriest (a 10,000-term chain of `and`, `+`, `[0]` or `(1)` formats in 64 MiB and
/// not in 32 MiB: at most 6.4 KiB a level; `check` and `build` fit in 48 MiB), so this leaves
/// nearly twice that.
const STACK_PER_LEVEL: usize = 12 << 10;

/// The stack of the thread the compiler runs on: enough for a tree [`MAX_TREE_DEPTH`] deep in
/// every stage, plus 64 MiB for everything else: 650 MiB of address space.
pub const STACK: usize = MAX_TREE_DEPTH * STACK_PER_LEVEL + (64 << 20);

/// A thread builder for a thread that runs the compiler: its stack is [`STACK`] bytes.
pub fn compiler_thread(name: &str) -> std::thread::Builder {
    std::thread::Builder::new().name(name.to_string()).stack_size(STACK)
}

/// Runs `f` on a thread with a [`STACK`]-byte stack and returns what it returns; a panic there is
/// resumed here. The command line and the language server run everything through it; so must a
/// library user that gives the compiler untrusted input.
pub fn on_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        let handle = std::thread::Builder::new()
            .name("govc".to_string())
            .stack_size(STACK)
            .spawn_scoped(s, f)
            // INVARIANT: only address space is reserved; failing that leaves nothing to run on.
            .expect("reserve the compiler's stack");
        handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;

    /// The help of E0005 (the SARIF rule, `docs/diagnostics.md`) states the limits as they are.
    #[test]
    fn the_diagnostic_help_states_the_limits() {
        let thousands = format!("{},{:03}", MAX_TREE_DEPTH / 1000, MAX_TREE_DEPTH % 1000);
        let help = Code::TooDeep.help();
        assert!(help.contains(&format!("at most {MAX_NESTING} levels")), "{help}");
        assert!(help.contains(&format!("up to {thousands} long")), "{help}");
    }
}
