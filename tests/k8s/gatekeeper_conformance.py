#!/usr/bin/env python3
"""Gatekeeper side of govc's conformance suite, on the real OPA engine.

The same policy must give the same decision on the same document in the OPA bundle and at the
cluster's door. For every ConstraintTemplate under ``OUT/k8s/gatekeeper/templates/`` this loads
its Rego and libs into an OPA engine of their own (as Gatekeeper compiles each template on its
own), and evaluates ``violation`` on a Gatekeeper-style input: the document under
``input.review.object`` (with ``kind``, ``operation``, ``userInfo``, ``name``, ``namespace``) and
the Constraint's parameters under ``input.parameters``. The messages must be exactly the
bundle's ``deny`` for that document (its ``warn`` for the template of a policy's warnings,
annotated ``govc.dev/reports: warn``), evaluated by the same OPA engine on ``OUT/bundle`` with the
same parameters (in the bundle: data at ``govc.overrides.<policy package>``).

A case's ``request`` (the admission request a policy with ``request r`` reads) is the review's,
over the defaults above; the bundle is given the same review without its object at
``govc.request``, so both decide on the same request. A case's ``inventory`` (the cluster's
objects, in Gatekeeper's ``data.inventory`` layout) is at ``data.inventory`` in both.

Each document is judged

* on CREATE and on UPDATE, with the Constraint's ``spec.parameters`` (the policy's defaults, as
  generated) under the case's overrides, and with the overrides alone (a Constraint that leaves
  parameters out: the template applies the defaults);
* on DELETE, which must report nothing.

Keys of the case's overrides that the template's schema does not name are pruned first, as the
API server prunes them from a Constraint (the bundle must refuse an unknown parameter, and is
then compared with the pruned overrides). Parameters that break the template's schema never
reach the Rego in a cluster: the API server
validates a Constraint against the CRD Gatekeeper makes of that schema, and Gatekeeper and gator
validate it before adding it (the constraint framework's ``AddConstraint``), so the template does
not check again what the schema states. For such parameters (``jsonschema``'s draft 7 validator
on the template's ``openAPIV3Schema``), the comparison is that the schema refuses them and that
the bundle, whose overrides nothing validates beforehand, denies with ``invalid parameter``.

Documents: every case of ``--cases FILE`` (tests/conformance/*.json) whose policy has a template,
and every ``*.yaml`` document in each ``--documents DIR`` whose group and kind a Constraint
matches. Templates pair with their Constraint by kind, and with their policy by the annotation
``govc.dev/policy``.

Usage:
    python tests/k8s/gatekeeper_conformance.py --out OUT --cases tests/conformance/ai-governance.json \\
        --documents examples/ai-governance/deploy --documents examples/ai-governance/datasets

Prints ``ok NAME`` or ``FAIL NAME`` with the difference for each comparison, then
``N passed, N failed``. Exit status: 0 when everything agreed, 1 on any difference, 2 on a usage
error (missing output, unreadable files, Rego that OPA rejects, no template at all).
"""

import argparse
import copy
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "common"))
import harness  # tests/common/harness.py
from harness import UsageError, load_yaml

try:
    import gatekeeper_template  # tests/k8s/gatekeeper_template.py
    import opa_bundle  # tests/opa/opa_bundle.py
    from jsonschema import Draft7Validator
except ImportError as exc:
    harness.missing_tool(exc)

OPERATIONS = ("CREATE", "UPDATE")


def yaml_files(directory):
    if not os.path.isdir(directory):
        raise UsageError(f"{directory} is not a directory")
    return [os.path.join(directory, n) for n in sorted(os.listdir(directory)) if n.endswith(".yaml")]


# ----------------------------------------------------------------------------- templates


class Template(gatekeeper_template.Compiled):
    """A ConstraintTemplate compiled by OPA, with its Constraint."""

    def __init__(self, path, template, constraint):
        rego, libs = gatekeeper_template.rego_of(template)
        try:
            super().__init__(path, rego, libs)
        except gatekeeper_template.TemplateError as exc:
            raise UsageError(str(exc)) from None
        self.path = path
        self.kind = template["spec"]["crd"]["spec"]["names"]["kind"]
        self.policy = template["metadata"]["annotations"]["govc.dev/policy"]
        # The template of a policy's warnings reports its `warn`; the others its `deny`.
        self.reports = template["metadata"]["annotations"].get("govc.dev/reports", "deny")
        # A policy with `request r` reads `input.review` as its admission request.
        self.reads_request = "_admission" in rego
        self.parameters = constraint["spec"].get("parameters", {})
        self.schema = Draft7Validator(json_schema(template["spec"]["crd"]["spec"]["validation"]["openAPIV3Schema"]))
        self.matches = [
            (group, kind)
            for m in constraint["spec"]["match"]["kinds"]
            for group in m["apiGroups"]
            for kind in m["kinds"]
        ]

    def violations(self, review_input, inventory=None):
        return set(super().violations(review_input, inventory))

    def refuses(self, parameters):
        """What the template's schema says against a Constraint with these parameters."""
        return [e.message for e in self.schema.iter_errors(parameters)]

    def pruned(self, parameters):
        """The parameters as the API server stores them: without the keys the schema does not name."""
        return pruned(self.schema.schema, parameters)


def pruned(schema, value):
    """``value`` without the object keys ``schema`` does not name (structural pruning)."""
    if isinstance(value, dict) and "properties" in schema:
        return {k: pruned(schema["properties"][k], v) for k, v in value.items() if k in schema["properties"]}
    if isinstance(value, dict) and isinstance(schema.get("additionalProperties"), dict):
        return {k: pruned(schema["additionalProperties"], v) for k, v in value.items()}
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [pruned(schema["items"], v) for v in value]
    return value


def json_schema(openapi):
    """A structural OpenAPI v3 schema as JSON Schema: the Kubernetes extensions govc emits in
    their JSON Schema form (int-or-string), the others are annotations."""
    schema = copy.deepcopy(openapi)
    stack = [schema]
    while stack:
        node = stack.pop()
        if node.pop("x-kubernetes-int-or-string", False):
            node["anyOf"] = [{"type": "integer"}, {"type": "string"}]
        stack.extend(node.get("properties", {}).values())
        stack.extend(node[k] for k in ("items", "additionalProperties") if isinstance(node.get(k), dict))
    return schema


def load_templates(k8s_dir):
    templates_dir = os.path.join(k8s_dir, "gatekeeper", "templates")
    constraints_dir = os.path.join(k8s_dir, "gatekeeper", "constraints")
    constraints = {}
    for path in yaml_files(constraints_dir):
        c = load_yaml(path)
        constraints[c["kind"]] = c
    templates = []
    for path in yaml_files(templates_dir):
        t = load_yaml(path)
        kind = t["spec"]["crd"]["spec"]["names"]["kind"]
        if kind not in constraints:
            raise UsageError(f"{path}: no Constraint of kind {kind}")
        templates.append(Template(path, t, constraints[kind]))
    if not templates:
        raise UsageError(f"no ConstraintTemplate in {templates_dir}")
    return templates


# ----------------------------------------------------------------------------- comparisons


def group_version_kind(document):
    if not isinstance(document, dict):
        return None
    api_version, kind = document.get("apiVersion"), document.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None
    group, _, version = api_version.rpartition("/")
    return group, version, kind


def admission_input(document, gvk, operation, parameters, request=None):
    metadata = document.get("metadata") if isinstance(document, dict) else None
    metadata = metadata if isinstance(metadata, dict) else {}
    review = {
        "uid": "00000000-0000-0000-0000-000000000000",
        "kind": {"group": gvk[0], "version": gvk[1], "kind": gvk[2]},
        "name": metadata.get("name"),
        "namespace": metadata.get("namespace"),
        "operation": operation,
        "userInfo": {"username": "conformance@acme.com", "groups": ["system:authenticated"]},
    }
    # The case's own request (`request` of a conformance case) wins over the defaults above.
    review.update(request or {})
    review["object"] = document
    return {"review": review, "parameters": parameters}


def bundle_request(review_input):
    """The admission request the bundle reads at ``govc.request``: Gatekeeper's review without
    the object, which the bundle takes as its input."""
    return {k: v for k, v in review_input["review"].items() if k != "object"}


def compare(template, bundle, document, overrides, expect_deny, request=None, inventory=None):
    problems = []
    # The bundle's messages that the template reports as violations: its deny, or its warn.
    deny = bundle.messages(template.policy, template.reports, document, overrides, request, inventory)
    if expect_deny is not None and set(expect_deny) != deny:
        problems.append(f"the bundle's {template.reports} is {sorted(deny)}, the case expects {sorted(expect_deny)}")
    # The API server prunes the keys the template's schema does not name: the template never
    # sees them, and the bundle, whose overrides nothing prunes, must refuse an unknown one.
    kept = template.pruned(overrides) if isinstance(overrides, dict) else overrides
    if kept != overrides:
        denied = bundle.messages(template.policy, "deny", document, overrides, request, inventory)
        if set(kept) != set(overrides) and not any("has no such parameter" in m for m in denied):
            problems.append(f"the bundle's deny does not refuse the unknown parameters: {sorted(denied)}")
        overrides = kept
        deny = bundle.messages(template.policy, template.reports, document, overrides, request, inventory)
    # A malformed document may not say what it is; Gatekeeper would still know its kind.
    gvk = group_version_kind(document) or (template.matches[0][0], "v1", template.matches[0][1])
    with_defaults = dict(template.parameters, **(overrides or {}))
    without_defaults = dict(overrides or {})
    for how, parameters in (("with the Constraint's parameters", with_defaults), ("with no parameters", without_defaults)):
        refused = template.refuses(parameters)
        if refused:
            # Gatekeeper refuses the Constraint; the bundle must refuse the overrides too.
            denied = bundle.messages(template.policy, "deny", document, overrides, request, inventory)
            if not any(m.startswith("invalid parameter") for m in denied):
                problems.append(f"{how}: the template's schema refuses the parameters ({refused[0]}), the bundle's deny does not: {sorted(denied)}")
            continue
        operations = [request["operation"]] if isinstance(request, dict) and "operation" in request else OPERATIONS
        for operation in operations:
            review = admission_input(document, gvk, operation, parameters, request)
            got = template.violations(review, inventory)
            if template.reads_request:
                # The same request in the bundle: what it decides on this review.
                deny = bundle.messages(template.policy, template.reports, document, overrides, bundle_request(review), inventory)
            if got != deny:
                problems.append(f"{operation} {how}: violations {sorted(got)} differ from the bundle's {template.reports} {sorted(deny)}")
    # A DELETE, with parameters Gatekeeper would have admitted.
    if not template.refuses(with_defaults):
        deleting = template.violations(admission_input(document, gvk, "DELETE", with_defaults), inventory)
        if deleting:
            problems.append(f"a DELETE is judged: {sorted(deleting)}")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="a govc build output directory (OUT)")
    parser.add_argument("--cases", action="append", default=[], help="a conformance table (repeatable)")
    parser.add_argument("--documents", action="append", default=[], help="a directory of YAML documents (repeatable)")
    args = parser.parse_args(argv)
    try:
        bundle = opa_bundle.Engines(*opa_bundle.read(os.path.join(args.out, "bundle")))
        templates = load_templates(os.path.join(args.out, "k8s"))
        by_policy = {}
        for t in templates:
            by_policy.setdefault(t.policy, []).append(t)
        comparisons = []
        for cases_file in args.cases:
            with open(cases_file, encoding="utf-8") as f:
                table = json.load(f)
            for case in table["cases"]:
                # A Constraint's parameters are an object (Gatekeeper's CRD schema says so):
                # overrides of another shape have no admission counterpart.
                overrides = case.get("overrides")
                for template in by_policy.get(case["policy"], []):
                    # Gatekeeper's review is always an object: a request of another shape has
                    # no admission counterpart either.
                    request = case.get("request")
                    if (overrides is None or isinstance(overrides, dict)) and (request is None or isinstance(request, dict)):
                        expect = case.get("expect", {}).get(template.reports)
                        name = case["name"] + (f" ({template.reports})" if template.reports != "deny" else "")
                        comparisons.append((name, template, case["input"], overrides, expect, request, case.get("inventory")))
        for directory in args.documents:
            for path in yaml_files(directory):
                document = load_yaml(path)
                gvk = group_version_kind(document)
                for template in templates:
                    if gvk and (gvk[0], gvk[2]) in template.matches:
                        comparisons.append((f"{path} under {template.policy}", template, document, None, None, None, None))
    except (UsageError, opa_bundle.NotABundle, OSError, ValueError, KeyError) as exc:
        return harness.error(exc)
    if not comparisons:
        return harness.error("nothing to compare: no case or document matches a template")
    verdicts = harness.Verdicts()
    try:
        for name, template, document, overrides, expect, request, inventory in comparisons:
            verdicts.record(name, compare(template, bundle, document, overrides, expect, request, inventory))
    except opa_bundle.BundleError as exc:
        return harness.error(exc)
    return verdicts.conclude()


if __name__ == "__main__":
    sys.exit(main())
