#!/usr/bin/env python3
"""Size and decision latency of a govc bundle on the real OPA engine: the figures issue 11
(item 6) asks for on the AI example, before and after a change to the generated Rego.

For a built bundle (``govc build DIR --out OUT``) this prints its size (the deployable
``bundle.tar.gz``, and the Rego it holds: files, lines, bytes), then evaluates each case of a
conformance table (tests/conformance/*.json) N times on OPA (``opa-golib-python-bindings``,
one engine for the whole bundle, as a server holds it): the case's ``deny``, ``warn`` and
``allow`` in one query, as a decision asks for them. It reports the median latency per policy
and over every case, in microseconds. Cases with parameter overrides or a fixed time are left
out (they need an engine of their own).

Usage:
    python benches/ai_bundle_opa.py --out OUT --cases tests/conformance/ai-governance.json [--runs 300]
"""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "tests", "opa"))
import opa_bundle  # tests/opa/opa_bundle.py


def rego_size(bundle_dir):
    files = lines = size = 0
    for root, _, names in os.walk(bundle_dir):
        for name in names:
            if name.endswith(".rego") and not name.endswith("_test.rego"):
                path = os.path.join(root, name)
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                files += 1
                lines += text.count("\n")
                size += len(text.encode("utf-8"))
    return files, lines, size


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="a govc build output directory (OUT)")
    parser.add_argument("--cases", required=True, help="a conformance table")
    parser.add_argument("--runs", type=int, default=300, help="evaluations per case")
    args = parser.parse_args(argv)
    bundle_dir = os.path.join(args.out, "bundle")
    tarball = os.path.join(args.out, "bundle.tar.gz")
    files, lines, size = rego_size(bundle_dir)
    print(f"bundle.tar.gz: {os.path.getsize(tarball)} bytes; Rego: {files} files, {lines} lines, {size} bytes")
    modules, data = opa_bundle.read(bundle_dir, tests=False)
    engine = opa_bundle.load(modules, data)
    with open(args.cases, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    per_policy, every = {}, []
    for case in cases:
        if case.get("overrides") or case.get("now") or case.get("request"):
            continue
        policy = case["policy"]
        query = f"x := {{\"deny\": data.{policy}.deny, \"warn\": data.{policy}.warn, \"allow\": data.{policy}.allow}}"
        for _ in range(20):  # warm-up
            engine.eval_query(query, case["input"])
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            engine.eval_query(query, case["input"])
            times.append(time.perf_counter() - start)
        median = statistics.median(times) * 1e6
        per_policy.setdefault(policy, []).append(median)
        every.append(median)
    for policy, medians in sorted(per_policy.items()):
        print(f"{policy}: median {statistics.median(medians):.0f} us over {len(medians)} cases")
    print(f"all {len(every)} cases: median decision latency {statistics.median(every):.0f} us ({args.runs} runs each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
