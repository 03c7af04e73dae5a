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

from opa_bindings import OpaEngine, OpaUndefinedError


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--cases", required=True)
    args = ap.parse_args()
    root = pathlib.Path(args.bundle)
    engine = OpaEngine()
    for f in sorted(root.rglob("*.rego")):
        if not f.name.endswith("_test.rego"):
            engine.add_policy(str(f.relative_to(root)), f.read_text())
    data = root / "data.json"
    if data.exists():
        engine.add_data(json.loads(data.read_text()))
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
