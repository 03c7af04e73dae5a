#!/usr/bin/env python3
"""Times the real OPA engine (opa_bindings) loading a bundle directory and compiling it: every
.rego module but the tests added, data.json added, then one evaluation, which makes OPA parse and
compile the whole bundle. Prints the median of three runs."""
import statistics
import sys
import time

import opa_bundle


def run(directory: str) -> float:
    start = time.perf_counter()
    modules, data = opa_bundle.read(directory, tests=False)
    engine = opa_bundle.load(modules, data)
    elapsed = time.perf_counter() - start
    engine.close()
    return elapsed


def main() -> int:
    times = [run(sys.argv[1]) for _ in range(3)]
    print(f"OPA load + compile: {statistics.median(times):.2f} s (median of 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
