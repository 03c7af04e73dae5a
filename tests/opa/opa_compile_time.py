#!/usr/bin/env python3
"""Times the real OPA engine (opa_bindings) loading a bundle directory and compiling it: every
.rego module added, data.json added, then one evaluation, which makes OPA parse and compile the
whole bundle. Prints the median of three runs."""
import json
import pathlib
import statistics
import sys
import time

from opa_bindings import OpaEngine, OpaUndefinedError


def run(root: pathlib.Path) -> float:
    start = time.perf_counter()
    engine = OpaEngine()
    for f in sorted(root.rglob("*.rego")):
        if not f.name.endswith("_test.rego"):
            engine.add_policy(str(f.relative_to(root)), f.read_text())
    data = root / "data.json"
    if data.exists():
        engine.add_data(json.loads(data.read_text()))
    manifest = json.loads((root / ".manifest").read_text())
    first = manifest["roots"][0].replace("/", ".")
    try:
        engine.eval_query(f"x = data.{first}", {})
    except OpaUndefinedError:
        pass
    elapsed = time.perf_counter() - start
    engine.close()
    return elapsed


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    times = [run(root) for _ in range(3)]
    print(f"OPA load + compile: {statistics.median(times):.2f} s (median of 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
