#[test]
fn deep() {
    let which: usize = std::env::var("W").unwrap().parse().unwrap();
    let stage: usize = std::env::var("S").unwrap().parse().unwrap();
    let depth = 20_000;
    let bodies = [
        format!("{}x{}", "(".repeat(depth), ")".repeat(depth)),
        format!("{}x", "not ".repeat(depth)),
        format!("{}x", "-".repeat(depth)),
        format!("{}x", "has ".repeat(depth)),
        format!("{}1{}", "[".repeat(depth), "]".repeat(depth)),
        format!("{}x{}", "{a: ".repeat(depth), "}".repeat(depth)),
        format!("{}x{}", "\"{".repeat(depth), "}\"".repeat(depth)),
        format!("{}x", "all y in z: ".repeat(depth)),
        "x + ".repeat(depth) + "x",
        format!("1\ntype T {{ f: {}int{} }}", "[".repeat(depth), "]".repeat(depth)),
    ];
    let text = format!("package deep\nfn f() -> bool = {}\n", bodies[which]);
    std::thread::Builder::new().stack_size(4 << 20).spawn(move || {
        if stage == 0 {
            let (m, d) = govc::syntax::parse_file(govc::span::FileId(0), &text);
            eprintln!("parsed: {} decls, {:?}", m.decls.len(), d.first().map(|d| &d.message));
        } else {
            let mut sources = govc::source::SourceMap::new();
            govc::project::add_stdlib(&mut sources);
            sources.add("deep.gov", None, text, false);
            let a = govc::project::analyze(sources);
            eprintln!("analyzed: {:?}", a.diagnostics.first().map(|d| &d.message));
        }
    }).unwrap().join().unwrap();
}
