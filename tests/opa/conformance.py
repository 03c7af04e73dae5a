#!/usr/bin/env python3
"""OPA side of govc's conformance suite.

Loads a compiled OPA bundle directory (every ``*.rego`` file below it, ``*_test.rego`` included,
and every ``data.json``) into OPA through ``opa_bindings`` (the OPA Go library, not govc's embedded
engine), then either

* runs conformance cases (``--cases FILE``, repeatable): for each case it evaluates
  ``data.<policy>.deny``, ``.warn``, ``.violation`` and, when the case expects it, ``.allow`` with
  the case's ``input`` and compares them with ``expect``; or
* runs the bundle's Rego tests (``--opa-test``): every ``test_*`` rule of every ``*_test.rego``
  file must evaluate to ``true``.

Usage:
    python tests/opa/conformance.py --bundle OUT/bundle --cases tests/conformance/ai-governance.json
    python tests/opa/conformance.py --bundle OUT/bundle --opa-test

A cases file is JSON: ``{"project": DIR, "cases": [CASE, ...]}`` where a CASE is
``{"name", "policy": "<rego package>", "input", "overrides"?: {param: value}, "now"?: TIMESTAMP, "request"?: OBJECT, "inventory"?: OBJECT,
"expect": {"deny": [...], "warn": [...], "allow"?: bool}}``. ``deny`` and ``warn`` are compared as
sets, exactly (an undefined set counts as empty; a missing key in ``expect`` means "empty").
``allow`` is compared only when given, and must then be a defined boolean. The messages of
``violation`` must be exactly the ``deny`` set, and every violation must carry ``policy`` and
``severity``. Overrides are added as data at ``govc.overrides.<policy>``, in an engine of their
own (OPA deep-merges data, so two override sets never share an engine). ``now`` fixes the current
time (what ``now()`` reads) at ``govc.now``, the same way; ``request`` gives the admission request
(what ``request r`` reads) at ``govc.request``; ``inventory`` the cluster's objects (what an
``inventory`` member reads) at ``inventory``, in Gatekeeper's layout.

Prints one line per case or test (``ok NAME`` / ``FAIL NAME`` with the difference), then
``N passed, N failed``. Exit status: 0 when everything passed, 1 on any failure (a bundle that
OPA rejects included), 2 on a usage error (missing bundle, unreadable cases file, no tests).
"""

import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "common"))
import harness  # tests/common/harness.py
from harness import EXIT_FAILED, UsageError

try:
    import opa_bundle
    from opa_bindings import OpaError, OpaUndefinedError
except ImportError as exc:
    harness.missing_tool(exc)


class Undefined:
    """Marks an undefined document (distinct from JSON null)."""

    def __repr__(self):
        return "undefined"


UNDEFINED = Undefined()
NO_INPUT = object()


def evaluate(engine, path, input_doc):
    """The value of data.<path> with input_doc as input (NO_INPUT: none), or UNDEFINED.

    opa_bindings treats a Python None input as "no input"; a case whose input is JSON null is
    evaluated with a literal null input through the bridge's document call.
    """
    try:
        if input_doc is NO_INPUT:
            return engine.eval_document(path)
        if input_doc is None:
            envelope = engine._call(engine._lib.OpaEvalDocument, path.encode(), b"null", 0, 0)
            rs = envelope.get("result")
            if not rs or not rs[0].get("expressions"):
                return UNDEFINED
            return rs[0]["expressions"][0]["value"]
        return engine.eval_document(path, input_doc)
    except OpaUndefinedError:
        return UNDEFINED


# ----------------------------------------------------------------------------- cases


def as_message_set(value, what):
    """A deny/warn document as a set of strings, or an error text."""
    if value is UNDEFINED:
        return set(), None
    if not isinstance(value, list):
        return None, f"{what} is not a set: {json.dumps(value)}"
    bad = [m for m in value if not isinstance(m, str)]
    if bad:
        return None, f"{what} holds non-strings: {json.dumps(bad)}"
    return set(value), None


def show(messages):
    return json.dumps(sorted(messages), ensure_ascii=False)


def check_case(engine, case):
    """A list of problems (empty when the case passes)."""
    policy = case["policy"]
    expect = case.get("expect", {})
    input_doc = case.get("input")
    problems = []

    # One evaluation of the policy's package document gives deny, warn, violation and allow at
    # once (a rule that is undefined is absent from it). OPA prepares each distinct query once per
    # engine, so this is a quarter of the preparations of one query per rule. If the package as a
    # whole fails to evaluate, each rule is evaluated on its own, so the error names the rule.
    try:
        package = evaluate(engine, policy, input_doc)
        if package is UNDEFINED:
            return [f"data.{policy} is undefined: is the policy in the bundle?"]
        if not isinstance(package, dict):
            return [f"data.{policy} is not a package: {json.dumps(package)}"]

        def rule(name):
            return package.get(name, UNDEFINED)

    except OpaError:

        def rule(name):
            return evaluate(engine, f"{policy}.{name}", input_doc)

    results = {}
    for kind in ("deny", "warn"):
        got, err = as_message_set(rule(kind), kind)
        if err:
            problems.append(err)
            continue
        results[kind] = got
        want = set(expect.get(kind, []))
        if got != want:
            problems.append(f"{kind} expected: {show(want)}")
            problems.append(f"{kind} actual:   {show(got)}")

    violation = rule("violation")
    if violation is UNDEFINED:
        # Every compiled policy defines `violation` (an empty set when nothing is denied), so an
        # undefined one means the policy is missing: without this check, a passing case would
        # pass against a bundle that lacks the policy altogether.
        problems.append(f"data.{policy}.violation is undefined: is the policy in the bundle?")
    elif not isinstance(violation, list) or not all(isinstance(v, dict) for v in violation):
        problems.append(f"violation is not a set of objects: {json.dumps(violation)}")
    else:
        for v in violation:
            missing = [k for k in ("msg", "policy", "severity") if k not in v]
            if missing:
                problems.append(f"violation {json.dumps(v)} lacks {', '.join(missing)}")
        msgs = {v.get("msg") for v in violation}
        if "deny" in results and msgs != results["deny"]:
            problems.append(
                f"violation messages {show(m for m in msgs if isinstance(m, str))} differ from deny {show(results['deny'])}"
            )

    if "allow" in expect:
        got = rule("allow")
        if got is UNDEFINED or not isinstance(got, bool):
            problems.append(f"allow: expected {json.dumps(expect['allow'])}, got {got!r} (must be a defined boolean)")
        elif got != expect["allow"]:
            problems.append(f"allow: expected {json.dumps(expect['allow'])}, got {json.dumps(got)}")
    return problems


def load_cases(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read cases file {path}: {exc}") from None
    cases = doc.get("cases") if isinstance(doc, dict) else None
    if not isinstance(cases, list) or not cases:
        raise UsageError(f"{path}: expected an object with a non-empty \"cases\" list")
    names = set()
    for i, case in enumerate(cases):
        for key in ("name", "policy", "expect"):
            if key not in case:
                raise UsageError(f"{path}: case {i} has no \"{key}\"")
        if "input" not in case:
            raise UsageError(f"{path}: case {case['name']!r} has no \"input\"")
        if case["name"] in names:
            raise UsageError(f"{path}: duplicate case name {case['name']!r}")
        names.add(case["name"])
        unknown = set(case["expect"]) - {"deny", "warn", "allow"}
        if unknown:
            raise UsageError(f"{path}: case {case['name']!r}: unknown expect keys {sorted(unknown)}")
    return cases


def run_cases(bundle, case_files, verdicts):
    engines = opa_bundle.Engines(*bundle)
    for path in case_files:
        for case in load_cases(path):
            # Empty overrides (`{}`, or another empty value) add nothing: the policy's defaults apply.
            engine = engines.engine(case["policy"], case.get("overrides") or None, case.get("request"), case.get("now"),
                                    case.get("inventory"))
            try:
                problems = check_case(engine, case)
            except OpaError as exc:
                problems = [f"evaluation error: {exc}"]
            verdicts.record(case["name"], problems)


# ----------------------------------------------------------------------------- opa test

PACKAGE_RE = re.compile(r"^package\s+([A-Za-z_][A-Za-z0-9_.]*)\s*$", re.M)
TEST_RULE_RE = re.compile(r"^(test_[A-Za-z0-9_]+)\b", re.M)


def run_opa_tests(bundle, verdicts):
    modules, _ = bundle
    tests = []
    for path, source in modules:
        if not path.endswith("_test.rego"):
            continue
        pkg = PACKAGE_RE.search(source)
        if not pkg:
            raise UsageError(f"{path}: no package line")
        seen = set()
        for m in TEST_RULE_RE.finditer(source):
            if m.group(1) not in seen:
                seen.add(m.group(1))
                tests.append((path, f"{pkg.group(1)}.{m.group(1)}"))
    if not tests:
        raise UsageError("the bundle holds no test_* rule in a *_test.rego file")
    engine = opa_bundle.load(*bundle)
    for path, rule in tests:
        try:
            got = evaluate(engine, rule, NO_INPUT)
            problems = [] if got is True else [f"evaluated to {got!r}, expected true ({path})"]
        except OpaError as exc:
            problems = [f"evaluation error: {exc} ({path})"]
        verdicts.record(f"data.{rule}", problems)


# ----------------------------------------------------------------------------- main


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run govc conformance cases or Rego tests against OPA.")
    parser.add_argument("--bundle", required=True, help="the bundle directory written by `govc build` (OUT/bundle)")
    parser.add_argument("--cases", action="append", default=[], help="a conformance cases JSON file (repeatable)")
    parser.add_argument("--opa-test", action="store_true", help="run every test_* rule of the bundle's *_test.rego files")
    args = parser.parse_args(argv)
    if not args.cases and not args.opa_test:
        parser.error("give --cases FILE and/or --opa-test")
    verdicts = harness.Verdicts()
    try:
        bundle = opa_bundle.read(args.bundle)
        if args.cases:
            run_cases(bundle, args.cases, verdicts)
        if args.opa_test:
            run_opa_tests(bundle, verdicts)
    except (UsageError, opa_bundle.NotABundle) as exc:
        return harness.error(exc)
    except opa_bundle.BundleError as exc:
        return harness.error(exc, EXIT_FAILED)
    return verdicts.conclude()


if __name__ == "__main__":
    sys.exit(main())
