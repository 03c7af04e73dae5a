#!/usr/bin/env python3
"""The peer suite (issue 11) on the real OPA engine: gatekeeper-library's own cases
(``tests/vendor/gatekeeper-library/cases.json``, the original 139, and ``cases-more.json``, the cases
of the policies added since) judged as ``gator verify`` judges them, through the
ConstraintTemplates govc generated from ``examples/k8s-baseline`` (``OUT/k8s/gatekeeper/templates``).

For each case: the template whose kind is the case's ``policy`` (case-insensitive); the library's
own Constraint match (kinds by apiGroup and kind, ``namespaces``, ``excludedNamespaces`` with ``*``
prefix and suffix wildcards; an object without a namespace is not filtered by the namespace
criteria) decides whether the object is judged; the template's ``violation`` is evaluated with the
peer README's input (and a case's ``inventory`` at ``data.inventory``, keyed as gator keys it); each
assertion counts the messages its ``message`` regular expression matches
(all when absent): more than 0 for ``yes``, 0 for ``no``, exactly N for a number.
``tests/peer_library.rs`` runs the same cases on regorus.

The policies expected to be written are listed in ``tests/peer/gatekeeper-library.txt``: their
cases must pass; the cases of the others are reported as missing (and none may be once all are
listed).

Usage: python tests/k8s/peer_library.py --out OUT [--cases FILE]... [--expected FILE]
Exit status: 0 when every case of a written policy passed, 1 otherwise, 2 on a usage error.
"""

import argparse
import collections
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.realpath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(HERE, "..", "common"))
import harness  # tests/common/harness.py

try:
    import gatekeeper_template  # tests/k8s/gatekeeper_template.py
except ImportError as exc:
    harness.missing_tool(exc)


class Template(gatekeeper_template.Compiled):
    """A generated ConstraintTemplate in an OPA engine of its own, as Gatekeeper compiles it."""

    def __init__(self, path, template):
        rego, libs = gatekeeper_template.rego_of(template)
        try:
            super().__init__(path, rego, libs)
        except gatekeeper_template.TemplateError as exc:
            sys.exit(f"error: {exc}")
        self.kind = template["spec"]["crd"]["spec"]["names"]["kind"]


def load_templates(out):
    directory = os.path.join(out, "k8s", "gatekeeper", "templates")
    templates = {}
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".yaml"):
            continue
        t = harness.load_yaml(os.path.join(directory, name))
        # The template of a policy's warnings is not the policy's verdict.
        if t["metadata"].get("annotations", {}).get("govc.dev/reports") == "warn":
            continue
        template = Template(name, t)
        templates[template.kind.lower()] = template
    return templates


def namespace_matches(pattern, namespace):
    if pattern.endswith("*"):
        return namespace.startswith(pattern[:-1])
    if pattern.startswith("*"):
        return namespace.endswith(pattern[1:])
    return pattern == namespace


def selected(match, obj):
    """Whether a Constraint's spec.match selects the object, as Gatekeeper decides it."""
    group = obj.get("apiVersion", "").rpartition("/")[0]
    kind = obj.get("kind", "")
    listed = lambda values, value: any(v in ("*", value) for v in values or [])
    if "kinds" in match and not any(listed(k.get("apiGroups"), group) and listed(k.get("kinds"), kind) for k in match["kinds"]):
        return False
    metadata = obj.get("metadata", {})
    namespace = metadata.get("name") if (kind == "Namespace" and group == "") else metadata.get("namespace")
    if namespace:
        if "namespaces" in match and not any(namespace_matches(p, namespace) for p in match["namespaces"]):
            return False
        if any(namespace_matches(p, namespace) for p in match.get("excludedNamespaces", [])):
            return False
    return True


def review_input(case):
    """The input Gatekeeper gives a template (the peer README's shape)."""
    obj = case["object"]
    group, _, version = obj.get("apiVersion", "").rpartition("/")
    review = {
        "kind": {"group": group, "version": version, "kind": obj.get("kind")},
        "name": obj.get("metadata", {}).get("name"),
        "namespace": obj.get("metadata", {}).get("namespace", ""),
        "operation": case["operation"],
        "object": obj,
    }
    if case.get("old_object") is not None:
        review["oldObject"] = case["old_object"]
    return {"review": review, "parameters": case["constraint"].get("spec", {}).get("parameters", {})}


def inventory_data(objects):
    """`data.inventory` holding a case's inventory objects, as gator loads them: an object with a
    namespace at namespace[ns][apiVersion][kind][name], one without at cluster[apiVersion][kind][name]."""
    data = {}
    for obj in objects:
        metadata = obj.get("metadata", {})
        namespace = metadata.get("namespace")
        at = data.setdefault("namespace", {}).setdefault(namespace, {}) if namespace else data.setdefault("cluster", {})
        at.setdefault(obj["apiVersion"], {}).setdefault(obj["kind"], {})[metadata["name"]] = obj
    return data


def failed_assertions(assertions, messages):
    """The assertions that do not hold for these messages (gator's semantics)."""
    failed = []
    for a in assertions:
        pattern = a.get("message")
        matching = len(messages) if pattern is None else sum(1 for m in messages if re.search(pattern, m))
        want = a.get("violations", "yes")
        holds = matching > 0 if want == "yes" else matching == 0 if want == "no" else matching == want
        if not holds:
            failed.append(f"{json.dumps(a)} (matching messages: {matching})")
    return failed


def expected_policies(path):
    with open(path, encoding="utf-8") as f:
        return {l.strip().lower() for l in f if l.strip() and not l.strip().startswith("#")}


def load_cases(paths=None):
    """The cases of `paths` in order; by default the vendored suite: the original 139
    (cases.json), then the cases of the policies added since (cases-more.json)."""
    cases = []
    for path in paths or [os.path.join(ROOT, "tests/vendor/gatekeeper-library", name)
                          for name in ("cases.json", "cases-more.json")]:
        with open(path, encoding="utf-8") as f:
            cases += json.load(f)
    return cases


def arguments(doc, expected):
    """The command line of both peer harnesses (this one and tests/cel/vap_peer_library.py), with
    the list of the policies expected to pass (`expected`, from the root) by default."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="govc build output of examples/k8s-baseline")
    parser.add_argument("--cases", action="append", help="a file of cases (repeatable; default: cases.json "
                        "and cases-more.json of tests/vendor/gatekeeper-library)")
    parser.add_argument("--expected", default=os.path.join(ROOT, expected))
    return parser


def main():
    args = arguments(__doc__, "tests/peer/gatekeeper-library.txt").parse_args()
    try:
        cases = load_cases(args.cases)
        expected = expected_policies(args.expected)
        templates = load_templates(args.out)
    except (OSError, ValueError, harness.UsageError) as exc:
        return harness.error(exc)
    verdicts = harness.Verdicts()
    unselected = 0
    missing = collections.Counter()
    for case in cases:
        policy = case["policy"]
        template = templates.get(policy.lower())
        if template is None:
            if policy.lower() in expected:
                verdicts.record(case["id"], [f"no ConstraintTemplate of kind {policy}"])
            else:
                missing[policy] += 1
            continue
        if selected(case["constraint"].get("spec", {}).get("match", {}), case["object"]):
            inventory = inventory_data(case["inventory"]) if "inventory" in case else None
            messages = template.violations(review_input(case), inventory)
        else:
            unselected += 1
            messages = []
        failed = failed_assertions(case["assertions"], messages)
        problems = [f"violations: {messages}"] + [f"failed: {p}" for p in failed] if failed else []
        verdicts.record(case["id"], problems, quiet=True)
    for policy, n in sorted(missing.items()):
        print(f"missing {policy}: {n} cases (no template yet)")
    status = verdicts.conclude("gatekeeper-library peer suite on OPA",
                               f"{sum(missing.values())} missing, {unselected} not selected by their Constraint",
                               at_least_one=True)
    # Once every policy of the suite is listed, none may be missing.
    everything_expected = {c["policy"].lower() for c in cases} <= expected
    return harness.EXIT_FAILED if everything_expected and missing else status


if __name__ == "__main__":
    sys.exit(main())
