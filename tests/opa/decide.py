#!/usr/bin/env python3
"""Decisions of compiled bundles in OPA itself, for tests that compare engines.

Reads one JSON request from standard input and writes one JSON answer to standard output:

    request: [{"bundle": DIR, "queries": [{"policy": "a.b.p", "input": DOC, "overrides"?: VALUE}]}]
    answer:  [[{"deny": [...], "warn": [...], "allow": BOOL|null} | {"error": TEXT}, ...], ...]

A query may instead name any document, ``{"path": "a.b.rule", "input": DOC}``: its answer is
``{"value": VALUE}``, ``{"undefined": true}`` or ``{"error": TEXT}``.

one answer list per bundle, one entry per query, in order. A bundle is loaded by
``opa_bundle.py`` (every ``*.rego`` file, tests included, and every ``data.json``); a
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
import conformance  # noqa: E402  (evaluates a document as the conformance tables do)
import opa_bundle  # noqa: E402  (the one way the suite loads a bundle into OPA)
from opa_bindings import OpaError  # noqa: E402


def value(engine, query):
    try:
        got = conformance.evaluate(engine, query["path"], query.get("input"))
    except OpaError as exc:
        return {"error": str(exc)}
    return {"undefined": True} if got is conformance.UNDEFINED else {"value": got}


def decide(engine, query, package=None):
    """The decision of one policy; `package` is its document when it was evaluated already."""
    if "path" in query:
        return value(engine, query)
    if package is None:
        try:
            package = conformance.evaluate(engine, query["policy"], query.get("input"))
        except OpaError as exc:
            return {"error": str(exc)}
    if package is conformance.UNDEFINED or not isinstance(package, dict):
        return {"error": f"data.{query['policy']} is undefined"}

    def strings(name):
        value = package.get(name, [])
        return sorted(v for v in value if isinstance(v, str)) if isinstance(value, list) else []

    allow = package.get("allow")
    return {"deny": strings("deny"), "warn": strings("warn"), "allow": allow if isinstance(allow, bool) else None}


def common_prefix(paths):
    parts = [p.split(".") for p in paths]
    prefix = []
    for segments in zip(*parts):
        if len(set(segments)) != 1:
            break
        prefix.append(segments[0])
    return ".".join(prefix)


def shared_documents(engine, queries):
    """Policy documents evaluated together: OPA prepares each distinct query (compiling every
    module), so many policies judged on one input are one evaluation of their common package, not
    one each. Returns {index: package document}; evaluation errors leave the policies out (each is
    then evaluated on its own, so that the error names it)."""
    groups = {}
    for i, q in enumerate(queries):
        if "policy" in q and q.get("overrides") is None:
            groups.setdefault(json.dumps(q.get("input"), sort_keys=True), []).append(i)
    found = {}
    for indexes in groups.values():
        if len(indexes) < 4:
            continue
        prefix = common_prefix([queries[i]["policy"] for i in indexes])
        if not prefix:
            continue
        try:
            root = conformance.evaluate(engine, prefix, queries[indexes[0]].get("input"))
        except OpaError:
            continue
        for i in indexes:
            doc = root
            for segment in queries[i]["policy"][len(prefix) :].strip(".").split("."):
                if segment:
                    doc = doc.get(segment, conformance.UNDEFINED) if isinstance(doc, dict) else conformance.UNDEFINED
            found[i] = doc
    return found


def run_bundle(request):
    try:
        engines = opa_bundle.Engines(*opa_bundle.read(request["bundle"]), keep=None)
        shared = shared_documents(engines.engine(), request["queries"])
    except (opa_bundle.NotABundle, opa_bundle.BundleError) as exc:
        return [{"error": str(exc)} for _ in request["queries"]]
    # A query with overrides has them at govc.overrides.<policy>, in an engine of its own.
    answers = [
        decide(engines.engine(query.get("policy"), query.get("overrides")), query, shared.get(index))
        for index, query in enumerate(request["queries"])
    ]
    engines.close()
    return answers


def main():
    requests = json.load(sys.stdin)
    json.dump([run_bundle(r) for r in requests], sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
