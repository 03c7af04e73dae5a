#!/usr/bin/env python3
"""Decisions of compiled bundles in OPA itself, for tests that compare engines.

Reads one JSON request from standard input and writes one JSON answer to standard output:

    request: [{"bundle": DIR, "queries": [{"policy": "a.b.p", "input": DOC, "overrides"?: VALUE}]}]
    answer:  [[{"deny": [...], "warn": [...], "allow": BOOL|null} | {"error": TEXT}, ...], ...]

A query may instead name any document, ``{"path": "a.b.rule", "input": DOC}``: its answer is
``{"value": VALUE}``, ``{"undefined": true}`` or ``{"error": TEXT}``.

one answer list per bundle, one entry per query, in order. A bundle is loaded as
``conformance.py`` loads it (every ``*.rego`` file, tests included, and every ``data.json``); a
query with ``overrides`` is evaluated in an engine of its own with them at
``govc.overrides.<policy>`` (OPA deep-merges data, so override sets never share an engine). An
evaluation error (a built-in error, a conflict) is reported for its query; a bundle OPA refuses is
reported for every query of that bundle.

Used by tests/engines.rs, tests/rego_hygiene.rs, tests/rego_forms.rs and tests/differential.rs.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conformance  # noqa: E402  (the one way the suite loads a bundle into OPA)


def value(engine, query):
    try:
        got = conformance.evaluate(engine, query["path"], query.get("input"))
    except conformance.OpaError as exc:
        return {"error": str(exc)}
    return {"undefined": True} if got is conformance.UNDEFINED else {"value": got}


def decide(engine, query):
    if "path" in query:
        return value(engine, query)
    try:
        package = conformance.evaluate(engine, query["policy"], query.get("input"))
    except conformance.OpaError as exc:
        return {"error": str(exc)}
    if package is conformance.UNDEFINED or not isinstance(package, dict):
        return {"error": f"data.{query['policy']} is undefined"}

    def strings(name):
        value = package.get(name, [])
        return sorted(v for v in value if isinstance(v, str)) if isinstance(value, list) else []

    allow = package.get("allow")
    return {"deny": strings("deny"), "warn": strings("warn"), "allow": allow if isinstance(allow, bool) else None}


def run_bundle(request):
    bundle = conformance.read_bundle(request["bundle"])
    try:
        base = conformance.new_engine(bundle)
    except conformance.BundleError as exc:
        return [{"error": str(exc)} for _ in request["queries"]]
    engines = {}
    answers = []
    for query in request["queries"]:
        overrides = query.get("overrides")
        if overrides is None:
            engine = base
        else:
            key = json.dumps([query["policy"], overrides], sort_keys=True)
            if key not in engines:
                engine = conformance.new_engine(bundle)
                engine.add_data(overrides, path=f"govc.overrides.{query['policy']}")
                engines[key] = engine
            engine = engines[key]
        answers.append(decide(engine, query))
    for engine in engines.values():
        engine.close()
    base.close()
    return answers


def main():
    requests = json.load(sys.stdin)
    json.dump([run_bundle(r) for r in requests], sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
