#!/usr/bin/env python3
"""What one Rego construct costs a decision on the real OPA engine (``opa_bindings``).

The generated Rego is judged against hand-written Rego (``benches/peer_vs_library.sh``); this
bench says where the time of a decision goes, construct by construct, so that a change to the
generated shape can be argued from figures. Each construct is written ``USES`` times in the body
of one rule of a module of its own; every module is evaluated on the same admission input (a
Pod with three labels and one container), round after round, all modules interleaved so that
drift affects them alike. The cost of a construct is the median decision latency of its module
minus that of the module whose body is ``true``, divided by ``USES``.

    python benches/rego_constructs.py [--rounds N]

The figures depend on the machine; their ratios are what matters (for example, a key lookup
``_ = m[k]`` against ``k in object.keys(m)``, or an ``every`` against a comprehension).
"""

import argparse
import statistics
import sys
import time

try:
    from opa_bindings import OpaEngine
except ImportError as exc:
    print(f"error: {exc}; run scripts/setup-python.sh", file=sys.stderr)
    sys.exit(2)

INPUT = {
    "review": {
        "operation": "CREATE",
        "object": {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "shop", "labels": {"owner": "ada", "app": "shop", "team": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx", "securityContext": {"privileged": False}}]},
        },
    },
    "parameters": {"labels": [{"key": "owner"}], "message": ""},
}

# Rules and functions the constructs refer to.
MODULE = """package p
import rego.v1

wf if input.review.object.metadata.name

wf_else := true if {
    input.review.object.metadata.name
} else := true if {
    input.nothing
}

f(o) if o.kind == "Pod"

g(o) := true if {
    o.kind == "Pod"
} else := false
"""

LABELS = "input.review.object.metadata.labels"
CONTAINERS = "input.review.object.spec.containers"

# name: a construct, `{i}` numbering its variables (each use has its own).
CONSTRUCTS = {
    "true (baseline)": "true",
    "reference": f"x{{i}} := {LABELS}",
    "== string": 'input.review.object.kind == "Pod"',
    "in {set}": 'input.review.object.kind in {{"Pod", "Deployment", "Job"}}',
    "not ==": 'not input.review.operation == "DELETE"',
    "!= null": f"{LABELS} != null",
    "is_object": f"is_object({LABELS})",
    "type_name in {set}": f'type_name({LABELS}) in {{{{"object", "null"}}}}',
    "object.get": 'x{i} := object.get(input.review.object.metadata, "labels", {{}})',
    "object.get (path)": 'x{i} := object.get(input.review.object, ["spec", "template"], null)',
    "k in object.keys(m)": f'k{{i}} := "owner"; k{{i}} in object.keys({LABELS})',
    "_ = m[k]": f'k{{i}} := "owner"; _ = {LABELS}[k{{i}}]',
    "rule (cached)": "data.p.wf",
    "rule with else (cached)": "data.p.wf_else",
    "function call": "data.p.f(input.review.object)",
    "function with else": "data.p.g(input.review.object)",
    "sprintf": 'm{i} := sprintf("x %v", [input.review.object.kind])',
    "some in (1 item)": f'some c{{i}} in {CONTAINERS}; c{{i}}.name == "web"',
    "every (3 entries)": f"every v{{i}} in {LABELS} {{{{ is_string(v{{i}}) }}}}",
    "comprehension == [] (3 entries)": f"[v{{i}} | some v{{i}} in {LABELS}; not is_string(v{{i}})] == []",
    "every (1 item, 3 tests)": (
        f"every c{{i}} in {CONTAINERS} {{{{ is_string(c{{i}}.name); "
        'is_string(object.get(c{i}, "image", "")); is_object(object.get(c{i}, "securityContext", {{}})) }}'
    ),
    "every over []": "every c{i} in [] {{ is_string(c{i}.name) }}",
}


def module(construct, uses):
    body = "\n".join("    " + construct.format(i=i) for i in range(uses))
    return MODULE + "\nviolation contains 1 if {\n" + body + "\n}\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1500, help="decisions per construct (default 1500)")
    parser.add_argument("--uses", type=int, default=10, help="uses of the construct per rule body (default 10)")
    args = parser.parse_args()
    engines = {}
    for name, construct in CONSTRUCTS.items():
        engine = OpaEngine()
        engine.add_policy("p.rego", module(construct, args.uses))
        if engine.eval_document("p.violation", INPUT) != [1]:  # every construct holds on the input
            print(f"error: `{construct}` does not hold on the input", file=sys.stderr)
            return 1
        engines[name] = engine
    times = {name: [] for name in engines}
    for _ in range(args.rounds):
        for name, engine in engines.items():
            start = time.process_time_ns()
            engine.eval_document("p.violation", INPUT)
            times[name].append(time.process_time_ns() - start)
    medians = {name: statistics.median(t) / 1000 for name, t in times.items()}
    base = medians["true (baseline)"]
    print(f"| construct | decision µs (median) | µs per use |\n|---|---|---|")
    for name, median in medians.items():
        print(f"| `{name}` | {median:.1f} | {(median - base) / args.uses:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
