//! The parser, shown by its syntax trees: every `tests/syntax/*.gov` file is parsed and its AST
//! snapshot-tested in a compact, readable form (`tests/snapshots/syntax/`), together with the
//! parse diagnostics. Explicit assertions pin down operator precedence and the spans of nodes.

mod common;

use govc::span::FileId;
use govc::syntax::ast::{BinOp, Expr, ExprKind, Quantifier, SourceModule, StrPart, UnaryOp};
use govc::syntax::parse_file;
use serde_json::Value;

// ---------------------------------------------------------------- the snapshot corpus

#[test]
fn syntax_trees() {
    insta::glob!("syntax/*.gov", |path| {
        let text = std::fs::read_to_string(path).expect("corpus file is UTF-8");
        let (module, diags) = parse_file(FileId(0), &text);
        let mut out = compact_tree(&module);
        out.push_str("\n\n");
        if diags.is_empty() {
            out.push_str("diagnostics: none\n");
        } else {
            out.push_str("diagnostics:\n");
            for d in &diags {
                let at = &text[d.primary.span.range()];
                out.push_str(&format!(
                    "  {} at {}..{} {at:?}: {}\n",
                    d.code, d.primary.span.start, d.primary.span.end, d.message
                ));
            }
        }
        insta::with_settings!({
            snapshot_path => "snapshots/syntax",
            prepend_module_to_snapshot => false,
            description => "the AST of the file, spans omitted (see `spans_cover_exactly_their_source`), then the parse diagnostics",
            omit_expression => true,
        }, {
            insta::assert_snapshot!("ast", out);
        });
    });
}

/// A compact, Rust-like rendering of the AST, built from its serde form so that it follows the AST
/// as it changes: spans are dropped, identifiers and paths are written bare, string literals quoted,
/// `Expr`/`TypeExpr` wrappers removed, and empty or absent fields left out.
fn compact_tree(module: &SourceModule) -> String {
    let value = serde_json::to_value(module).expect("the AST serializes");
    let node = Node::from(&value);
    let mut out = String::new();
    node.print(0, &mut out);
    out
}

enum Node {
    /// Printed as is: identifiers, paths, numbers, unit variants.
    Atom(String),
    /// Printed quoted: string literal text and doc comments.
    Str(String),
    List(Vec<Node>),
    /// An enum variant with content: `Name(a, b)` or `Name { k: v }`.
    Variant(String, Box<Node>),
    Struct(Vec<(String, Node)>),
}

impl Node {
    fn from(v: &Value) -> Node {
        match v {
            Value::Null => Node::Atom("none".into()),
            Value::Bool(b) => Node::Atom(b.to_string()),
            Value::Number(n) => Node::Atom(n.to_string()),
            Value::String(s) => Node::Atom(s.clone()),
            Value::Array(items) => Node::List(items.iter().map(Node::from).collect()),
            Value::Object(map) => {
                let keys: Vec<&str> = map.keys().map(String::as_str).collect();
                match keys.as_slice() {
                    ["name", "span"] => Node::Atom(map["name"].as_str().unwrap_or_default().to_string()),
                    ["segments", "span"] => {
                        let names: Vec<&str> = map["segments"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|s| s["name"].as_str())
                            .collect();
                        Node::Atom(names.join("."))
                    }
                    ["value", "is_int", "text"] => Node::Atom(map["text"].as_str().unwrap_or_default().to_string()),
                    ["text", "span"] => Node::Str(map["text"].as_str().unwrap_or_default().to_string()),
                    ["kind", "span"] => Node::from(&map["kind"]),
                    ["parts", "span"] => string_literal(&map["parts"]),
                    ["Text"] => Node::Str(map["Text"].as_str().unwrap_or_default().to_string()),
                    [variant] if variant.starts_with(char::is_uppercase) => {
                        Node::Variant(variant.to_string(), Box::new(Node::from(&map[*variant])))
                    }
                    _ => Node::Struct(
                        map.iter()
                            .filter(|(k, v)| !matches!(k.as_str(), "span" | "value_span" | "file") && !is_empty(v))
                            .map(|(k, v)| (k.clone(), Node::from(v)))
                            .collect(),
                    ),
                }
            }
        }
    }

    /// Prints on one line when that fits in 100 columns, broken over indented lines otherwise.
    fn print(&self, indent: usize, out: &mut String) {
        let flat = self.flat();
        if flat.len() + indent <= 100 || matches!(self, Node::Atom(_) | Node::Str(_)) {
            out.push_str(&flat);
            return;
        }
        let pad = "  ".repeat(indent + 1);
        let close = "  ".repeat(indent);
        match self {
            Node::List(items) => {
                out.push_str("[\n");
                for item in items {
                    out.push_str(&pad);
                    item.print(indent + 1, out);
                    out.push_str(",\n");
                }
                out.push_str(&close);
                out.push(']');
            }
            Node::Variant(name, inner) => match inner.as_ref() {
                Node::Struct(_) => {
                    out.push_str(name);
                    out.push(' ');
                    inner.print(indent, out);
                }
                Node::List(items) => {
                    out.push_str(name);
                    out.push_str("(\n");
                    for item in items {
                        out.push_str(&pad);
                        item.print(indent + 1, out);
                        out.push_str(",\n");
                    }
                    out.push_str(&close);
                    out.push(')');
                }
                _ => {
                    out.push_str(name);
                    out.push('(');
                    inner.print(indent, out);
                    out.push(')');
                }
            },
            Node::Struct(fields) => {
                out.push_str("{\n");
                for (k, v) in fields {
                    out.push_str(&pad);
                    out.push_str(k);
                    out.push_str(": ");
                    v.print(indent + 1, out);
                    out.push_str(",\n");
                }
                out.push_str(&close);
                out.push('}');
            }
            Node::Atom(_) | Node::Str(_) => unreachable!("printed flat above"),
        }
    }

    fn flat(&self) -> String {
        let join = |items: &[Node]| items.iter().map(Node::flat).collect::<Vec<_>>().join(", ");
        match self {
            Node::Atom(a) => a.clone(),
            Node::Str(s) => serde_json::to_string(s).expect("strings serialize"),
            Node::List(items) => format!("[{}]", join(items)),
            Node::Variant(name, inner) => match inner.as_ref() {
                Node::Struct(_) => format!("{name} {}", inner.flat()),
                Node::List(items) => format!("{name}({})", join(items)),
                _ => format!("{name}({})", inner.flat()),
            },
            Node::Struct(fields) if fields.is_empty() => "{}".into(),
            Node::Struct(fields) => {
                let fields: Vec<String> = fields.iter().map(|(k, v)| format!("{k}: {}", v.flat())).collect();
                format!("{{ {} }}", fields.join(", "))
            }
        }
    }
}

/// A string literal: `"text"` when it has no interpolation, `Interpolated["a ", expr, " b"]` otherwise.
fn string_literal(parts: &Value) -> Node {
    let parts: Vec<Node> = parts.as_array().into_iter().flatten().map(Node::from).collect();
    match parts.as_slice() {
        [] => Node::Str(String::new()),
        [Node::Str(s)] => Node::Str(s.clone()),
        _ => Node::Variant("Interpolated".into(), Box::new(Node::List(parts))),
    }
}

/// Absent, empty and false fields are left out of the snapshot.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => true,
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

// ---------------------------------------------------------------- the whole corpus

/// Every `.gov` file of the repository parses: the examples, the standard library and the
/// corpora without a syntax error, and every diagnostics case without one unless its code is a
/// syntax error's.
#[test]
fn every_gov_file_of_the_repository_parses() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["tests/syntax", "tests/diagnostics", "tests/fmt", "examples", "stdlib"] {
        files.extend(common::gov_files(&root.join(dir)));
    }
    assert!(files.len() > 50, "only {} files found", files.len());
    let syntax_codes = ["E0001", "E0002", "E0003", "E0004", "E0005"];
    // On the compiler's stack: some files nest to the limit.
    govc::limits::on_stack(|| {
        for path in files {
            let text = std::fs::read_to_string(&path).expect("UTF-8 source");
            let (_, diags) = parse_file(FileId(0), &text);
            let name = path.strip_prefix(root).unwrap_or(&path).display().to_string();
            let expects_syntax_error =
                name.starts_with("tests/diagnostics/") && syntax_codes.iter().any(|c| name.contains(c));
            let expects_syntax_error = expects_syntax_error || name == "tests/syntax/recovery.gov";
            if !expects_syntax_error {
                assert!(
                    diags.is_empty(),
                    "{name} does not parse: {:?}",
                    diags.iter().map(|d| &d.message).collect::<Vec<_>>()
                );
            }
        }
    });
}

/// Expressions nest up to one limit, `MAX_NESTING` levels, however they nest (parentheses,
/// calls, lists, records, indexes, interpolations, quantifiers, `has`, `not`, `-`, or a mix), and
/// no deeper: one more level is one "nested too deeply" error (E0005). Types nest up to the same
/// limit.
#[test]
fn expressions_and_types_nest_up_to_one_limit() {
    use govc::limits::MAX_NESTING;
    type Family = fn(usize) -> String;
    let families: [(&str, Family); 11] = [
        ("parentheses", |n| format!("{}x{}", "(".repeat(n), ")".repeat(n))),
        ("calls", |n| format!("{}x{}", "f(".repeat(n), ")".repeat(n))),
        ("lists", |n| format!("{}1{}", "[".repeat(n), "]".repeat(n))),
        ("records", |n| format!("{}x{}", "{a: ".repeat(n), "}".repeat(n))),
        ("indexes", |n| format!("{}0{}", "x[".repeat(n), "]".repeat(n))),
        ("interpolations", |n| format!("{}x{}", "\"{".repeat(n), "}\"".repeat(n))),
        ("quantifiers", |n| format!("{}x", "all y in z: ".repeat(n))),
        ("has", |n| format!("{}x", "has ".repeat(n))),
        ("not", |n| format!("{}x", "not ".repeat(n))),
        ("negations", |n| format!("{}x", "- ".repeat(n))),
        ("a mix with chains", |n| {
            format!(
                "a.b.c + {}x.y[0] and y{}",
                "(f(1) * [".repeat(n / 2),
                "])".repeat(n / 2)
            )
        }),
    ];
    let limited = |family: &str, body: &str| {
        let text = format!("package deep\nfn f() -> bool = {body}\n");
        let (_, diags) = parse_file(FileId(0), &text);
        match diags.as_slice() {
            [] => false,
            [d] if d.message == "expression nested too deeply" && d.code == govc::diagnostic::Code::TooDeep => true,
            _ => panic!("{family}: {:?}", diags.iter().map(|d| &d.message).collect::<Vec<_>>()),
        }
    };
    // The compiler runs on its own stack (`govc::limits::STACK`); so does this test.
    govc::limits::on_stack(|| {
        for (family, body) in families {
            // The expression of a function is level 1: `n` more levels reach the limit at `n + 1`.
            let last = if family == "a mix with chains" {
                MAX_NESTING - 2
            } else {
                MAX_NESTING - 1
            };
            assert!(
                !limited(family, &body(last)),
                "{family}: {last} levels are within the limit"
            );
            assert!(
                limited(family, &body(last + 2)),
                "{family}: {} levels pass the limit",
                last + 2
            );
            if family != "a mix with chains" {
                assert!(
                    limited(family, &body(MAX_NESTING)),
                    "{family}: {MAX_NESTING} levels pass it"
                );
            }
        }
    });
    let ty = |n: usize| format!("package deep\ntype T {{ f: {}int{} }}\n", "[".repeat(n), "]".repeat(n));
    assert!(parse_file(FileId(0), &ty(MAX_NESTING - 1)).1.is_empty());
    let (_, diags) = parse_file(FileId(0), &ty(MAX_NESTING));
    assert_eq!(
        diags.iter().map(|d| (d.code, d.message.as_str())).collect::<Vec<_>>(),
        [(govc::diagnostic::Code::TooDeep, "type nested too deeply")]
    );
}

/// Chains are not nesting: `a and b and …`, `x + y + …`, `a.b.c…`, `x[0][0]…` and `f(1)(1)…` parse
/// at any length up to `MAX_TREE_DEPTH` terms, and one term more is one "expression too long"
/// error (E0005) at the expression. Run on the compiler's stack: a syntax tree that deep is
/// dropped recursively.
#[test]
fn chains_of_any_length_up_to_the_tree_limit() {
    use govc::limits::{on_stack, MAX_TREE_DEPTH};
    type Family = fn(usize) -> String;
    let families: [(&str, Family); 6] = [
        ("conjunctions", |n| format!("x{}", " and x".repeat(n))),
        ("sums", |n| format!("1{} == 2", " + 1".repeat(n))),
        ("paths", |n| format!("a{}", ".b".repeat(n))),
        ("indexes", |n| format!("a{}", "[0]".repeat(n))),
        ("calls", |n| format!("f{}", "(1)".repeat(n))),
        ("mixed", |n| format!("a{} == 1", ".b[0](1) + c".repeat(n / 4))),
    ];
    on_stack(|| {
        for (family, body) in families {
            let messages = |n: usize| {
                let text = format!("package deep\nfn f() -> bool = {}\n", body(n));
                let (_, diags) = parse_file(FileId(0), &text);
                diags.into_iter().map(|d| d.message).collect::<Vec<_>>()
            };
            assert_eq!(messages(10_000), Vec::<String>::new(), "{family} of 10,000");
            if family == "mixed" {
                continue;
            }
            // The tree of `body(n)` is `n` deep, plus the function's expression itself, plus the
            // `==` of the sums or the expression in the last brackets: exactly at the limit, then
            // one past it.
            let at_limit = MAX_TREE_DEPTH
                - if matches!(family, "sums" | "indexes" | "calls") {
                    2
                } else {
                    1
                };
            assert_eq!(messages(at_limit), Vec::<String>::new(), "{family} at the limit");
            assert_eq!(
                messages(at_limit + 1),
                ["expression too long"],
                "{family} past the limit"
            );
        }
    });
}

/// Past what the parser may open in one declaration (`MAX_PARSER_DEPTH` levels of brackets and
/// nesting words), a declaration is refused before it is parsed: one E0005 at the bracket or word
/// that passes the limit, never a stack overflow, and the other declarations of the file parse.
#[test]
fn nesting_past_the_parser_depth_is_refused_before_parsing() {
    use govc::limits::{on_stack, MAX_PARSER_DEPTH};
    let n = MAX_PARSER_DEPTH + 1;
    let bodies = [
        format!("{}x{}", "(".repeat(n), ")".repeat(n)),
        format!("{}x", "has ".repeat(n + 1)),
        format!("{}x", "all y in z: ".repeat(n)),
        format!("{}x", "if a then ".repeat(n) + &" else b".repeat(n)),
        format!("{}x{}", "\"{".repeat(n), "}\"".repeat(n)),
        format!("f({}x{})", "[".repeat(n - 1), "]".repeat(n - 1)),
    ];
    on_stack(|| {
        for body in bodies {
            let text = format!("package deep\nfn f() -> bool = {body}\nfn g() -> bool = true\n");
            let (module, diags) = parse_file(FileId(0), &text);
            let found: Vec<_> = diags
                .iter()
                .map(|d| (d.code, d.message.as_str(), d.primary.message.as_str()))
                .collect();
            assert_eq!(
                found,
                [(
                    govc::diagnostic::Code::TooDeep,
                    "expression nested too deeply",
                    "the parser cannot go deeper here"
                )],
                "{}",
                &body[..40]
            );
            assert_eq!(module.decls.len(), 1, "`g` parses");
            assert_eq!(module.unparsed.len(), 1, "`f` is known as declared");
        }
    });
}

// ---------------------------------------------------------------- spans

/// Every span in every corpus file lies inside the file, on character boundaries, and covers its
/// node exactly: no leading or trailing whitespace or comment.
#[test]
fn spans_cover_exactly_their_source() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/syntax");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/syntax exists") {
        let path = entry.expect("directory entry").path();
        if path.extension().is_none_or(|e| e != "gov") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("corpus file is UTF-8");
        let (module, _) = parse_file(FileId(0), &text);
        let value = serde_json::to_value(&module).expect("the AST serializes");
        let mut spans = Vec::new();
        collect_spans(&value, &mut spans);
        for (start, end) in spans {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            assert!(
                start <= end && end <= text.len(),
                "{name}: span {start}..{end} outside the file"
            );
            let covered = text
                .get(start..end)
                .unwrap_or_else(|| panic!("{name}: span {start}..{end} splits a character"));
            assert_eq!(
                covered,
                covered.trim(),
                "{name}: span {start}..{end} has surrounding whitespace"
            );
            let last_line = covered.rsplit('\n').next().unwrap_or_default();
            assert!(
                !last_line.contains("// ") || last_line.contains('"') || last_line.starts_with("///"),
                "{name}: span {start}..{end} ends in a comment: {covered:?}"
            );
            checked += 1;
        }
    }
    assert!(checked > 1000, "only {checked} spans checked");
}

fn collect_spans(v: &Value, out: &mut Vec<(usize, usize)>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                if (k == "span" || k == "value_span") && v.get("start").is_some() {
                    let n = |key: &str| v[key].as_u64().unwrap_or(u64::MAX) as usize;
                    out.push((n("start"), n("end")));
                } else {
                    collect_spans(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_spans(i, out)),
        _ => {}
    }
}

#[test]
fn expression_spans_cover_the_whole_expression() {
    let text = "x.y[0] + f(a)   // comment";
    let e = parse_expr(text);
    assert_eq!(source_of(text, &e), "x.y[0] + f(a)");
    let ExprKind::Binary { lhs, rhs, .. } = &e.kind else {
        panic!("a sum")
    };
    assert_eq!(source_of(text, lhs), "x.y[0]");
    assert_eq!(source_of(text, rhs), "f(a)");
    for text in [
        "- x\n  .y",
        "not  has x.y",
        "all x in xs: x > 0",
        "T { a: 1 }",
        "[1, 2]",
        "\"a {b}\"",
        "if a then b else if c then d else e",
    ] {
        assert_eq!(source_of(text, &parse_expr(text)), text);
    }
}

#[test]
fn a_comprehension_reads_its_element_collection_and_filter() {
    assert_eq!(paren("[x.name for x in xs if x.on]"), "[x.name for x in xs if x.on]");
    assert_eq!(
        paren("[k for k, v in m if v == \"\" and k != \"a\"]"),
        "[k for k, v in m if ((v == \"\") and (k != \"a\"))]"
    );
    assert_eq!(paren("[x + 1 for x in a + b]"), "[(x + 1) for x in (a + b)]");
    assert_eq!(
        paren("[if x then 1 else 2 for x in xs]"),
        "[(if x then 1 else 2) for x in xs]"
    );
    assert_eq!(paren("[[y for y in x] for x in xs]"), "[[y for y in x] for x in xs]");
    // Still plain lists.
    assert_eq!(paren("[a, b]"), "[a, b]");
    assert_eq!(paren("[a]"), "[a]");
    assert_eq!(paren("[]"), "[]");
}

#[test]
fn a_conditional_takes_everything_to_its_right_and_else_if_chains_nest_in_the_else_branch() {
    assert_eq!(
        paren("if a then b + 1 else c or d"),
        "(if a then (b + 1) else (c or d))"
    );
    assert_eq!(
        paren("if a then 1 else if b then 2 else 3"),
        "(if a then 1 else (if b then 2 else 3))"
    );
    assert_eq!(
        paren("if if a then b else c then d else e"),
        "(if (if a then b else c) then d else e)"
    );
    assert_eq!(paren("(if a then b else c) == d"), "((if a then b else c) == d)");
    assert_eq!(
        paren("all x in xs: if x then a else b"),
        "(all x in xs: (if x then a else b))"
    );
    assert_eq!(paren("f(if a then b else c, d)"), "f((if a then b else c), d)");
    assert_eq!(paren("\"{if a then b else c}\""), "\"{(if a then b else c)}\"");
}

// ---------------------------------------------------------------- precedence

const PREFIX: &str = "package t\nfn f() -> bool = ";

/// Parses `expr` as the body of a function; panics on any diagnostic.
fn parse_expr(expr: &str) -> Expr {
    let text = format!("{PREFIX}{expr}\n");
    let (module, diags) = parse_file(FileId(0), &text);
    assert!(
        diags.is_empty(),
        "`{expr}` does not parse: {:?}",
        diags.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
    match module.decls.into_iter().next().map(|d| d.kind) {
        Some(govc::syntax::ast::DeclKind::Fn(govc::syntax::ast::FnDecl {
            body: govc::syntax::ast::FnBody::Expr(e),
            ..
        })) => e,
        _ => panic!("`{expr}`: no function parsed"),
    }
}

/// The source text of `e`, a node of the expression `expr` parsed by [`parse_expr`].
fn source_of<'a>(expr: &'a str, e: &Expr) -> &'a str {
    // Spans are offsets in the file that `parse_expr` built around the expression.
    &expr[e.span.start as usize - PREFIX.len()..e.span.end as usize - PREFIX.len()]
}

/// The expression fully parenthesized: every binary, unary and quantified node in `( )`.
fn paren(expr: &str) -> String {
    show(&parse_expr(expr))
}

fn show(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Number(n) => n.text.clone(),
        ExprKind::Duration(d) => d.text.clone(),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::String(s) => {
            let parts: Vec<String> = s
                .parts
                .iter()
                .map(|p| match p {
                    StrPart::Text(t) => t.clone(),
                    StrPart::Interp(e) => format!("{{{}}}", show(e)),
                })
                .collect();
            format!("{:?}", parts.concat())
        }
        ExprKind::Name(i) => i.name.clone(),
        ExprKind::Field { target, field } => format!("{}.{}", show(target), field.name),
        ExprKind::Index { target, index } => format!("{}[{}]", show(target), show(index)),
        ExprKind::Call { callee, args } => {
            format!(
                "{}({})",
                show(callee),
                args.iter().map(show).collect::<Vec<_>>().join(", ")
            )
        }
        ExprKind::Unary {
            op: UnaryOp::Not,
            operand,
        } => format!("(not {})", show(operand)),
        ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } => format!("(-{})", show(operand)),
        ExprKind::Binary { op, lhs, rhs } => format!("({} {} {})", show(lhs), op.symbol(), show(rhs)),
        ExprKind::Quantified {
            quantifier,
            key,
            var,
            collection,
            body,
        } => {
            let q = if *quantifier == Quantifier::All { "all" } else { "any" };
            let key = key.as_ref().map(|k| format!("{}, ", k.name)).unwrap_or_default();
            format!("({q} {key}{} in {}: {})", var.name, show(collection), show(body))
        }
        ExprKind::Has(path) => format!("(has {})", show(path)),
        ExprKind::If { cond, then, otherwise } => {
            format!("(if {} then {} else {})", show(cond), show(then), show(otherwise))
        }
        ExprKind::Comprehension {
            element,
            key,
            var,
            collection,
            filter,
        } => {
            let key = key.as_ref().map(|k| format!("{}, ", k.name)).unwrap_or_default();
            let filter = filter.as_ref().map(|f| format!(" if {}", show(f))).unwrap_or_default();
            format!(
                "[{} for {key}{} in {}{filter}]",
                show(element),
                var.name,
                show(collection)
            )
        }
        ExprKind::Record { ty, fields } => {
            let fields: Vec<String> = fields
                .iter()
                .map(|f| format!("{}: {}", f.name.name, show(&f.value)))
                .collect();
            let ty = ty.as_ref().map(|t| format!("{} ", t.dotted())).unwrap_or_default();
            format!("{ty}{{{}}}", fields.join(", "))
        }
        ExprKind::List(items) => format!("[{}]", items.iter().map(show).collect::<Vec<_>>().join(", ")),
    }
}

#[test]
fn boolean_operators_bind_or_then_and_then_not() {
    assert_eq!(paren("a or b and c"), "(a or (b and c))");
    assert_eq!(paren("a and b or c"), "((a and b) or c)");
    assert_eq!(paren("not a and b"), "((not a) and b)");
    assert_eq!(paren("not a or not b"), "((not a) or (not b))");
    assert_eq!(paren("not not a"), "(not (not a))");
    assert_eq!(paren("a or b or c"), "((a or b) or c)");
    assert_eq!(paren("a and b and c"), "((a and b) and c)");
}

#[test]
fn not_binds_looser_than_comparisons() {
    assert_eq!(paren("not a == b"), "(not (a == b))");
    assert_eq!(paren("not x in xs"), "(not (x in xs))");
    assert_eq!(paren("not a < b and c"), "((not (a < b)) and c)");
    assert_eq!(paren("not has x.y"), "(not (has x.y))");
}

#[test]
fn comparisons_bind_looser_than_arithmetic() {
    assert_eq!(paren("a + 1 == b * 2"), "((a + 1) == (b * 2))");
    assert_eq!(paren("a - 1 < b / 2"), "((a - 1) < (b / 2))");
    assert_eq!(paren("a != b and c >= d"), "((a != b) and (c >= d))");
    assert_eq!(paren("a <= b or c > d"), "((a <= b) or (c > d))");
    assert_eq!(paren("x + 1 in xs"), "((x + 1) in xs)");
    assert_eq!(paren("a == b == c"), "((a == b) == c)");
}

#[test]
fn multiplication_binds_tighter_than_addition() {
    assert_eq!(paren("a + b * c"), "(a + (b * c))");
    assert_eq!(paren("a * b + c"), "((a * b) + c)");
    assert_eq!(paren("a - b % c"), "(a - (b % c))");
    assert_eq!(paren("a / b - c"), "((a / b) - c)");
    assert_eq!(paren("a - b - c"), "((a - b) - c)");
    assert_eq!(paren("a / b / c"), "((a / b) / c)");
    assert_eq!(paren("(a + b) * c"), "((a + b) * c)");
}

#[test]
fn unary_minus_binds_tighter_than_multiplication_and_looser_than_postfix() {
    assert_eq!(paren("-x.y"), "(-x.y)");
    assert_eq!(paren("-x * y"), "((-x) * y)");
    assert_eq!(paren("-f(x)[0]"), "(-f(x)[0])");
    assert_eq!(paren("a - -b"), "(a - (-b))");
    assert_eq!(paren("--a"), "(-(-a))");
    // A minus before a number literal folds into the literal.
    assert_eq!(paren("-3 * x"), "(-3 * x)");
    assert_eq!(paren("-0.5"), "-0.5");
}

#[test]
fn postfix_operators_chain_left_to_right() {
    assert_eq!(paren("a.b.c"), "a.b.c");
    assert_eq!(paren("a.b[0].c(d)[e]"), "a.b[0].c(d)[e]");
    assert_eq!(paren("f(x).y"), "f(x).y");
    assert_eq!(paren("m\n  .spec\n  .owner"), "m.spec.owner");
    assert_eq!(paren("xs[i + 1]"), "xs[(i + 1)]");
}

#[test]
fn quantifiers_has_and_literals() {
    assert_eq!(
        paren("all x in xs: x > 0 and x < 9"),
        "(all x in xs: ((x > 0) and (x < 9)))"
    );
    assert_eq!(paren("any x in xs: all y in x: y"), "(any x in xs: (all y in x: y))");
    assert_eq!(paren("has a.b and a.b > 1"), "((has a.b) and (a.b > 1))");
    assert_eq!(paren("[1, -2, 0.25,]"), "[1, -2, 0.25]");
    assert_eq!(paren("T { a: 1, b: { c: true } }"), "T {a: 1, b: {c: true}}");
    assert_eq!(paren("acme.T { a: 1; b: [] }"), "acme.T {a: 1, b: []}");
}

#[test]
fn durations_are_literals() {
    assert_eq!(paren("now() - t > 90d"), "((now() - t) > 90d)");
    assert_eq!(paren("t + n * 1h30m"), "(t + (n * 1h30m))");
    assert_eq!(paren("-12h"), "(-12h)");
    assert_eq!(paren("1d12h30m15s"), "1d12h30m15s");
}

#[test]
fn strings_interpolate_and_escape() {
    assert_eq!(paren(r#""a {x.y} b""#), r#""a {x.y} b""#);
    assert_eq!(paren(r#""{{x}} {x}}}""#), r#""{x} {x}}""#);
    assert_eq!(
        paren(r#""\u{1F600}\u{e9}\n\t\"\\""#),
        format!("{:?}", "\u{1F600}é\n\t\"\\")
    );
    assert_eq!(paren(r#""{f("in {x}")}""#), r#""{f(\"in {x}\")}""#);
}

#[test]
fn operators_are_the_binop_symbols() {
    // Keeps `show` honest: every binary operator round-trips through its symbol.
    for op in [
        BinOp::Or,
        BinOp::And,
        BinOp::Eq,
        BinOp::Ne,
        BinOp::Lt,
        BinOp::Le,
        BinOp::Gt,
        BinOp::Ge,
        BinOp::In,
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::Div,
        BinOp::Mod,
    ] {
        let expr = format!("a {} b", op.symbol());
        assert_eq!(paren(&expr), format!("({expr})"));
    }
}
