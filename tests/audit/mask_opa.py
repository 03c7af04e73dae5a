#!/usr/bin/env python3
"""Evaluates the bundle's decision-log mask rules (package system.log) with the real OPA engine
on the events of tests/audit/mask_cases.json: the masked JSON pointers must be exactly the
sensitive fields present.

usage: mask_opa.py --bundle OUT/bundle --cases tests/audit/mask_cases.json
"""
import argparse
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "opa"))
import opa_bundle  # noqa: E402  (tests/opa/opa_bundle.py)
from opa_bindings import OpaUndefinedError  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--cases", required=True)
    args = ap.parse_args()
    engine = opa_bundle.load(*opa_bundle.read(args.bundle, tests=False))
    cases = json.loads(pathlib.Path(args.cases).read_text())["cases"]
    passed = failed = 0
    for case in cases:
        try:
            got = sorted(engine.eval_document("system.log.mask", case["event"]))
        except OpaUndefinedError:
            got = []
        want = sorted(case["mask"])
        if got == want:
            passed += 1
            print(f"ok   {case['name']}")
        else:
            failed += 1
            print(f"FAIL {case['name']}: expected {want}, got {got}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
