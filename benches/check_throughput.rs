//! Front-end throughput: generates a synthetic project of N lines (many packages and files,
//! thousands of types, enums, functions, policies, resources and tests, with imports across
//! packages), writes it to a temporary directory, and times `project::load` + `project::analyze`
//! (generation excluded). `cpu` is the process's CPU time over a run (all threads, 10 ms
//! resolution), to read the wall times on a busy machine.
//!
//! ```text
//! cargo bench --bench check_throughput                 # 10k and 100k lines
//! GOVC_BENCH_1M=1 cargo bench --bench check_throughput # also 1M lines
//! cargo bench --bench check_throughput -- 250000       # the given sizes only
//! GOVC_BENCH_DIR=/tmp/gen cargo bench ...              # keep the projects in /tmp/gen/lines-N
//! ```

use govc::diagnostic::human;
use govc::driver::project;
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

/// The allocator of the `govc` binary (src/main.rs), so that the figures are the command's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Declaration groups per package: each group is a type, its part type, an enum, four
/// functions, a policy and a test.
const GROUPS_PER_PACKAGE: usize = 8;

fn main() {
    let mut sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.replace('_', "").parse().ok())
        .collect();
    if sizes.is_empty() {
        sizes = vec![10_000, 100_000];
        if std::env::var_os("GOVC_BENCH_1M").is_some_and(|v| !v.is_empty() && v != "0") {
            sizes.push(1_000_000);
        }
    }
    println!(
        "{:>10} {:>7} {:>6} {:>11} {:>11} {:>11} {:>12}",
        "lines", "files", "runs", "median", "min", "cpu", "lines/s"
    );
    for target in sizes {
        let temp = tempfile::tempdir().expect("temporary directory");
        // GOVC_BENCH_DIR keeps the generated project, e.g. to profile `govc check` on it.
        let dir = match std::env::var_os("GOVC_BENCH_DIR") {
            Some(d) => Path::new(&d).join(format!("lines-{target}")),
            None => temp.path().to_path_buf(),
        };
        let stats = generate(&dir, target);
        let runs = if target >= 1_000_000 { 3 } else { 5 };
        let mut times = Vec::with_capacity(runs);
        let mut cpu_times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let cpu_start = cpu_time();
            let start = Instant::now();
            let sources = project::load(&dir).expect("the generated project loads");
            let analysis = project::analyze(sources);
            times.push(start.elapsed());
            if let (Some(a), Some(b)) = (cpu_start, cpu_time()) {
                cpu_times.push(b.saturating_sub(a));
            }
            assert!(
                analysis.diagnostics.is_empty(),
                "the generated project must check cleanly; first problems:\n{}",
                human::render(
                    &analysis.diagnostics[..analysis.diagnostics.len().min(5)],
                    &analysis.sources,
                    false
                )
            );
            drop(analysis);
        }
        times.sort();
        cpu_times.sort();
        let median = times[times.len() / 2];
        println!(
            "{:>10} {:>7} {:>6} {:>11} {:>11} {:>11} {:>12.0}",
            stats.lines,
            stats.files,
            runs,
            format_duration(median),
            format_duration(times[0]),
            cpu_times
                .get(cpu_times.len() / 2)
                .map_or("-".to_string(), |d| format_duration(*d)),
            stats.lines as f64 / median.as_secs_f64()
        );
    }
}

/// CPU time (user + system, all threads) of this process so far, from `/proc/self/stat` where
/// there is one: with the wall time, it tells a slow run from a busy machine.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which may contain spaces) start after the last `)`.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // Linux reports clock ticks of 1/100 s (USER_HZ) on every common architecture.
    Some(Duration::from_millis(ticks * 10))
}

fn format_duration(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

struct Stats {
    lines: usize,
    files: usize,
}

/// Writes packages `bench.p0`, `bench.p1`, ... (each importing the one before it) and the shared
/// `bench.common` until the project has at least `target_lines` lines.
fn generate(dir: &Path, target_lines: usize) -> Stats {
    let mut stats = Stats { lines: 0, files: 0 };
    write_file(dir, "common/common.gov", COMMON, &mut stats);
    let mut package = 0;
    while stats.lines < target_lines {
        for (file, text) in package_files(package) {
            write_file(dir, &format!("p{package}/{file}.gov"), &text, &mut stats);
        }
        package += 1;
    }
    stats
}

fn write_file(dir: &Path, name: &str, text: &str, stats: &mut Stats) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("file in a directory")).expect("create directory");
    std::fs::write(path, text).expect("write a generated file");
    stats.lines += text.lines().count();
    stats.files += 1;
}

const COMMON: &str = r#"// Declarations every generated package shares.
package bench.common

/// How bad a finding is.
enum Level { low, medium, high, critical }

/// Who answers for an item.
type Contact {
  /// A person's address at Acme.
  email: string @pattern("^[a-z][a-z0-9.]*@acme\\.com$")
  /// A phone number, if the person gave one.
  phone?: string
}

/// Whether a contact is a person at Acme.
fn is_acme(c: Contact) -> bool = endswith(c.email, "@acme.com") and not startswith(c.email, "team-")

/// Whether a level needs a second reviewer.
fn needs_review(l: Level) -> bool = l == Level.high or l == Level.critical
"#;

/// The four files of package `k`: types, functions, policies (with a resource and its
/// enforcement) and tests.
fn package_files(k: usize) -> Vec<(&'static str, String)> {
    let mut types =
        format!("// Types of generated package {k}.\npackage bench.p{k}\n\nimport bench.common.{{Contact, Level}}\n");
    if k > 0 {
        writeln!(types, "import bench.p{}", k - 1).unwrap();
    }
    let mut fns = format!("// Helpers of generated package {k}.\npackage bench.p{k}\n\nimport bench.common\n");
    let mut policies =
        format!("// Policies of generated package {k}.\npackage bench.p{k}\n\nimport bench.common.{{Level}}\n");
    if k > 0 {
        writeln!(policies, "import bench.p{}", k - 1).unwrap();
    }
    let mut tests =
        format!("// Tests of generated package {k}.\npackage bench.p{k}\n\nimport bench.common.{{Contact, Level}}\n");
    for j in 0..GROUPS_PER_PACKAGE {
        let previous_part = if k > 0 {
            format!("p{}.Part{j}", k - 1)
        } else {
            format!("Part{j}")
        };
        write!(
            types,
            r#"
/// Item {j} of package {k}: what a team registers before it ships.
type Item{j} {{
  /// Unique name of the item.
  name: string @pattern("^[a-z][a-z0-9-]*$")
  /// The accountable person.
  owner: Contact
  /// How critical the item is.
  level: Level
  kind: Kind{j}
  /// A quality score between 0 and 100.
  score: float @min(0) @max(100)
  tags: [string]
  count: int @min(0)
  /// The most the count may reach; unlimited when absent.
  limit?: int
  labels?: {{string: string}}
  parts: [Part{j}] @min_items(1)
  /// A part inherited from the previous release.
  legacy?: {previous_part}
}}

/// One component of an item.
type Part{j} {{
  id: string
  weight: float
  enabled: bool
}}

/// What kind of thing an item is.
enum Kind{j} {{
  /// Built in-house.
  internal
  vendored
  open_source
  experimental
}}
"#
        )
        .unwrap();
        write!(
            fns,
            r#"
/// Whether some enabled part weighs more than `min`.
fn heavy{j}(x: Item{j}, min: float) -> bool = any p in x.parts: p.enabled and p.weight > min

/// Whether a person at Acme owns the item and it carries tags.
fn owned{j}(x: Item{j}) -> bool = common.is_acme(x.owner) and count(x.tags) > 0

/// Whether the item needs a second review.
fn risky{j}(x: Item{j}) -> bool = common.needs_review(x.level) or x.score * 2 < 50 - x.count % 7

/// Whether every part of the item is enabled and weighs less than `max`.
fn light{j}(p: Part{j}, max: float) -> bool = p.enabled and p.weight <= max and lower(p.id) == p.id
"#
        )
        .unwrap();
        let legacy_check = if k > 0 {
            format!("p{}.light{j}(x.legacy, max_weight)", k - 1)
        } else {
            format!("light{j}(x.legacy, max_weight)")
        };
        write!(
            policies,
            r#"
/// Items of kind {j} are owned at Acme, stay within their limits and use only allowed tags.
policy item{j}_rules {{
  title    = "Item {j} rules of package {k}"
  severity = high
  controls = ["BENCH-{k}-{j}", "ISO/IEC 42001 A.{j}.2", "EU AI Act Art. 10"]
  owner    = "governance@acme.com"

  /// The smallest weight an enabled part may have.
  param min_weight: float @min(0) = 0.5
  /// The largest weight of a legacy part.
  param max_weight: float = 10.0
  /// Tags a team may use.
  param allowed_tags: [string] = ["alpha", "beta", "gamma", "delta"]

  subject x: Item{j}
  let name = x.name

  deny "item {{name}} is not owned by a person at acme.com" when not owned{j}(x)
  deny "item {{name}} counts {{x.count}}, over its limit of {{x.limit}}" when {{
    has x.limit
    x.count > x.limit
  }}
  deny "item {{name}} uses the unknown tag {{t}}" when {{
    some t in x.tags
    not t in allowed_tags
  }}
  deny "item {{name}}: part {{p.id}} weighs {{p.weight}}, less than {{min_weight}}" when {{
    some p in x.parts
    p.enabled
    p.weight < min_weight
  }}
  deny "experimental item {{name}} may not be critical" when x.kind == Kind{j}.experimental and x.level == Level.critical
  warn "item {{name}} needs a second review" when risky{j}(x) and not heavy{j}(x, min_weight)
  warn "item {{name}} keeps a heavy legacy part" when {{
    has x.legacy
    not {legacy_check}
  }}
}}
"#
        )
        .unwrap();
        write!(
            tests,
            r#"
test "package {k}: a well-formed item {j} passes" {{
  let x = Item{j} {{ name: "item-{j}", owner: Contact {{ email: "dana.kim@acme.com" }}, level: Level.low,
                   kind: Kind{j}.internal, score: 90.0, tags: ["alpha"], count: 1,
                   parts: [Part{j} {{ id: "core", weight: 1.0, enabled: true }}] }}
  expect passes item{j}_rules(x)
  expect denied item{j}_rules(x, min_weight = 2.0) with "item item-{j}: part core weighs 1, less than 2"
}}

test "package {k}: item {j} with an unknown tag is denied" {{
  expect denied item{j}_rules(Item{j} {{ name: "item-{j}", owner: {{ email: "li.wei@acme.com" }},
      level: Level.high, kind: Kind{j}.vendored, score: 10.0, tags: ["omega"], count: 3, limit: 2,
      parts: [{{ id: "core", weight: 1.0, enabled: true }}] }}) with "item item-{j} uses the unknown tag omega"
}}
"#
        )
        .unwrap();
    }
    write!(
        policies,
        r#"
/// The custom resource through which teams register item 0 of package {k}.
resource Registration {{
  group   = "p{k}.bench.acme.com"
  version = "v1"
  scope   = namespaced
  plural  = "registrations"
  spec: Item0
}}

/// Registrations carry a name and a healthy score.
policy registration_rules_p{k} {{
  title    = "Registrations are named and healthy"
  severity = medium
  subject r: Registration

  deny "registration {{r.metadata.name}} has an empty item name" when r.spec.name == ""
  warn "registration {{r.metadata.name}} in {{r.metadata.namespace}} scores {{r.spec.score}}" when {{
    has r.metadata.namespace
    r.spec.score < 20
  }}
}}

enforce registration_rules_p{k}, item0_rules {{
  ci {{ files = ["registrations/p{k}/**/*.yaml"] }}
}}

enforce registration_rules_p{k} {{
  admission {{ kinds = ["p{k}.bench.acme.com/Registration"], action = deny }}
}}
"#
    )
    .unwrap();
    vec![
        ("types", types),
        ("functions", fns),
        ("policies", policies),
        ("tests", tests),
    ]
}
