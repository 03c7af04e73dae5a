#!/usr/bin/env python3
"""govc's generated ConstraintTemplates against gatekeeper-library's own, on the real OPA engine.

For every case of the peer suite (``tests/vendor/gatekeeper-library/cases.json``) whose policy
govc generates a template for (``examples/k8s-baseline``), the case's admission input (the peer
README's shape) is evaluated on ``violation`` by two OPA engines side by side in one run: one
with the generated template's Rego and libs, one with the library's ``template.yaml`` Rego and
libs at the peer README's commit, converted from Rego v0 to v1 syntax (below). Runs alternate
between the two so that drift affects both alike.

Reports, per policy: the median latency of a decision on each (over its cases' medians), the
median of the per-case ratios generated/library, the median number of expressions OPA evaluates
for a decision on each (``Eval`` events of its trace: a figure free of timing noise), both verdicts against the case's assertions
(gator's semantics, as ``tests/k8s/peer_library.py``), and the size of the Rego (rego + libs) and
of the template YAML; then the geometric mean of the per-policy ratios.

The library is not part of the repository: pass a checkout of open-policy-agent/gatekeeper-library
at commit 5c441fb645f257b2c428fe9aea22da24a94b5bab (only ``library/`` is read).

    python benches/peer_vs_library.py LIBRARY --out OUT [--runs N]

where OUT is ``govc build examples/k8s-baseline --out OUT``; ``benches/peer_vs_library.sh``
does both.

Rego v0 to v1: OPA 1.x (what the bindings run) parses v1 only, and the library's templates are v0
(Gatekeeper compiles them as v0). The conversion is the one ``opa fmt --v1-compatible`` makes on
these files, written out: ``import future.keywords`` lines go; a rule head gets ``if`` before its
body, a partial set rule ``name[x] {`` becomes ``name contains x if {``, an ``else = v {`` gets
``if``. Every converted module must compile, and each library verdict is checked against the
case's assertions (the library passes all of them on OPA), so a wrong conversion shows.
"""

import argparse
import math
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "tests", "k8s"))
try:
    import gatekeeper_template  # tests/k8s/gatekeeper_template.py: a template in OPA
    import peer_library  # tests/k8s/peer_library.py: matching, input, assertions
    import yaml
except ImportError as exc:
    print(f"error: {exc}; run scripts/setup-python.sh", file=sys.stderr)
    sys.exit(2)

ROOT = os.path.join(os.path.dirname(os.path.realpath(__file__)), "..")

# A rule head at the start of a line: a name, optional `[key]`, optional `(args)`, optional
# `= value` / `:= value`, then `{` opening its body (possibly closed on the same line).
HEAD = re.compile(r"^(?P<head>[A-Za-z_][A-Za-z0-9_.]*(\[[^\n]*?\])?(\([^\n]*?\))?(\s*:?=\s*[^{\n]+?)?)\s*\{(?P<rest>.*)$")
ELSE = re.compile(r"^(?P<lead>\s*\}?\s*else(\s*:?=\s*[^{]+?)?)\s*\{(?P<rest>.*)$")


def v0_to_v1(rego):
    """The library's Rego v0 in v1 syntax (see the module doc)."""
    out = []
    for line in rego.splitlines():
        if re.match(r"^import future\.keywords", line):
            continue
        stripped = line.rstrip()
        if (stripped.endswith("{") and re.match(r"^[A-Za-z_]", line) and not line.startswith(("package ", "import ", "default "))
                and not stripped[:-1].rstrip().endswith("=") and " if {" not in stripped):
            # A head whose body opens at the end of the line (its value may hold braces).
            head = stripped[:-1].rstrip()
            partial = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\[(.*)\]$", head)
            if partial:  # a partial set rule: `name[x] {`
                head = f"{partial.group(1)} contains {partial.group(2)}"
            out.append(f"{head} if {{")
            continue
        m = HEAD.match(line)
        if m and not line.startswith(("package ", "import ", "default ")) and " if " not in m.group("head") + " ":
            head = m.group("head")
            partial = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\[(.*)\]$", head.strip())
            if partial:  # a partial set rule: `name[x] {`
                head = f"{partial.group(1)} contains {partial.group(2)}"
            line = f"{head} if {{{m.group('rest')}"
        else:
            e = ELSE.match(line)
            if e and " if" not in e.group("lead"):
                line = f"{e.group('lead')} if {{{e.group('rest')}"
        out.append(line)
    return "\n".join(out) + "\n"


class Side(gatekeeper_template.Compiled):
    """One template (generated or library) in an OPA engine of its own."""

    def __init__(self, name, rego, libs, yaml_bytes):
        super().__init__(name, rego, libs)
        self.rego_bytes = sum(len(m.encode()) for m in [rego] + list(libs))
        self.yaml_bytes = yaml_bytes


def library_side(library, path):
    file = os.path.join(library, path, "template.yaml")
    with open(file, encoding="utf-8") as f:
        text = f.read()
    rego, libs = gatekeeper_template.rego_of(yaml.safe_load(text))
    rego = v0_to_v1(rego)
    libs = [v0_to_v1(l) for l in libs]
    return Side(os.path.basename(path), rego, libs, len(text.encode()))


def generated_side(out, template):
    path = os.path.join(out, "k8s", "gatekeeper", "templates", template.kind.lower() + ".yaml")
    return Side(template.kind, template.rego, template.libs, os.path.getsize(path))


def steps(side, review_input):
    """How many expressions OPA evaluates for the decision (``Eval`` events of its trace)."""
    side.engine.eval_document(f"{side.package}.violation", review_input, trace=True)
    return sum(1 for event in side.engine.last_trace if event.get("op") == "Eval")


def timed(side, review_input):
    start = time.perf_counter_ns()
    side.violations(review_input)
    return time.perf_counter_ns() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("library", help="a checkout of open-policy-agent/gatekeeper-library")
    parser.add_argument("--out", required=True, help="govc build output of examples/k8s-baseline")
    parser.add_argument("--runs", type=int, default=200, help="evaluations per case and side (default 200)")
    parser.add_argument("--cases", default=os.path.join(ROOT, "tests/vendor/gatekeeper-library/cases.json"))
    args = parser.parse_args()
    import json

    with open(args.cases, encoding="utf-8") as f:
        cases = json.load(f)
    generated = peer_library.load_templates(args.out)
    by_policy = {}
    for case in cases:
        if case["policy"].lower() in generated:
            by_policy.setdefault(case["policy"], []).append(case)
    if not by_policy:
        print("error: no generated template matches a peer policy", file=sys.stderr)
        return 2
    rows, ratios, step_ratios, wrong = [], [], [], 0
    for policy, policy_cases in sorted(by_policy.items()):
        gen = generated_side(args.out, generated[policy.lower()])
        lib = library_side(args.library, policy_cases[0]["library_path"])
        gen_medians, lib_medians, case_ratios, gen_steps, lib_steps = [], [], [], [], []
        verdicts = {"govc": 0, "library": 0}
        for case in policy_cases:
            if not peer_library.selected(case["constraint"].get("spec", {}).get("match", {}), case["object"]):
                continue
            review_input = peer_library.review_input(case)
            for name, side in (("govc", gen), ("library", lib)):
                if not peer_library.failed_assertions(case["assertions"], side.violations(review_input)):
                    verdicts[name] += 1
            gen_steps.append(steps(gen, review_input))
            lib_steps.append(steps(lib, review_input))
            # Warm both up, then alternate.
            for side in (gen, lib):
                for _ in range(5):
                    side.violations(review_input)
            g, l = [], []
            for _ in range(args.runs):
                g.append(timed(gen, review_input))
                l.append(timed(lib, review_input))
            gen_medians.append(statistics.median(g))
            lib_medians.append(statistics.median(l))
            case_ratios.append(gen_medians[-1] / lib_medians[-1])
        n = len(policy_cases)
        wrong += (n - verdicts["govc"]) + (n - verdicts["library"])
        ratio = statistics.median(case_ratios)
        ratios.append(ratio)
        step_ratios.append(statistics.median([g / l for g, l in zip(gen_steps, lib_steps)]))
        rows.append((policy, n, statistics.median(gen_medians) / 1000, statistics.median(lib_medians) / 1000, ratio,
                     f"{verdicts['govc']}/{n}", f"{verdicts['library']}/{n}", gen.rego_bytes, lib.rego_bytes,
                     gen.yaml_bytes, lib.yaml_bytes, statistics.median(gen_steps), statistics.median(lib_steps)))
    header = ("policy", "cases", "govc µs", "library µs", "ratio", "govc ok", "library ok",
              "govc Rego B", "library Rego B", "govc YAML B", "library YAML B", "govc steps", "library steps")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]:.1f} | {r[3]:.1f} | {r[4]:.2f} | {r[5]} | {r[6]} | {r[7]} | {r[8]} | {r[9]} | {r[10]} | {r[11]:g} | {r[12]:g} |")
    geomean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    step_geomean = math.exp(sum(math.log(r) for r in step_ratios) / len(step_ratios))
    total = lambda i: sum(r[i] for r in rows)
    print(f"\n{len(rows)} policies, {args.runs} runs per case and side: geometric mean of the median ratios "
          f"{geomean:.2f}x (max {max(ratios):.2f}x, {max(rows, key=lambda r: r[4])[0]}); "
          f"Rego {total(7)} B generated vs {total(8)} B library, YAML {total(9)} B vs {total(10)} B; "
          f"expressions evaluated per decision: geometric mean of the ratios {step_geomean:.2f}x")
    if wrong:
        print(f"error: {wrong} verdicts disagree with the cases' assertions", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
