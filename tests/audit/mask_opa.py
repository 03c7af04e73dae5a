#!/usr/bin/env python3
"""Evaluates the bundle's decision-log mask rules (package govc.log) with the real OPA engine
on the events of tests/audit/mask_cases.json: the masked JSON pointers must be exactly the
sensitive fields present.

It does so twice: as OPA runs govc's bundle alone (`mask_decision: /govc/log/mask`), and as
docs/deploy.md says to compose it with another bundle that owns `system.log` (whose mask adds
its own pointers and govc's): there `data.system.log.mask` must be the union.

usage: mask_opa.py --bundle OUT/bundle --cases tests/audit/mask_cases.json
"""
import argparse
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "common"))
import harness  # noqa: E402  (tests/common/harness.py)
import opa_bundle  # noqa: E402  (tests/opa/opa_bundle.py)
from opa_bindings import OpaUndefinedError  # noqa: E402

OTHER_BUNDLE_MASK = """package system.log

import rego.v1

# The other bundle's own mask ...
mask contains "/input/password"

# ... and govc's.
mask contains pointer if some pointer in data.govc.log.mask
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--cases", required=True)
    args = ap.parse_args()
    modules, data = opa_bundle.read(args.bundle, tests=False)
    # Another bundle's decision-log mask, composed with govc's as docs/deploy.md shows.
    modules.append(("other/system/log/mask.rego", OTHER_BUNDLE_MASK))
    engine = opa_bundle.load(modules, data)
    cases = json.loads(pathlib.Path(args.cases).read_text())["cases"]
    verdicts = harness.Verdicts()
    for case in cases:
        for document, extra in (("govc.log.mask", []), ("system.log.mask", ["/input/password"])):
            try:
                got = sorted(engine.eval_document(document, case["event"]))
            except OpaUndefinedError:
                got = []
            want = sorted(case["mask"] + extra)
            verdicts.check(f"{case['name']} ({document})", got == want, f"expected {want}, got {got}")
    return verdicts.conclude()


if __name__ == "__main__":
    sys.exit(main())
