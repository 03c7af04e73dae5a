#!/usr/bin/env python3
"""The peer suite (issue 12) through the ValidatingAdmissionPolicies: every gatekeeper-library case
(``tests/vendor/gatekeeper-library/cases.json`` and ``cases-more.json``) whose policy
``examples/k8s-baseline`` enforces with ``engine = cel`` or ``both`` is judged by the policy's VAP on Google's CEL runtime and by its
ConstraintTemplate on OPA, and both must give the same messages and meet the library's assertions.

The cases, the Constraint's match and the assertions are read as ``tests/k8s/peer_library.py``
reads them (imported, not copied); the VAPs and the Kubernetes CEL functions are those of
``tests/cel/vap_differential.py``. The variables are bound as the API server binds them for the
case's admission request:

* ``object``: the case's object; ``oldObject``: its ``old_object`` (null for a CREATE);
* ``request``: the request Gatekeeper reviews (``kind``, ``name``, ``namespace``, ``operation``),
  without the objects, which CEL reads as ``object`` and ``oldObject``;
* ``params``: the policy's parameters object (``<Policy>Params``) as an operator writes it from the
  Constraint: its ``spec`` is the Constraint's ``spec.parameters``, verbatim (null when the policy
  has no parameters: the VAP has no ``paramKind``);
* ``namespaceObject``: the object's Namespace (``metadata.name``), null for a cluster-scoped object.

A case is judged by the VAP where the Constraint's match selects the object (the binding's
``matchResources``, written as the Constraint's ``match``) and the VAP's ``matchConstraints`` take
its kind; by the template where the Constraint's match selects it. The messages of the failing
validations (those listing several bindings split on ``"; "``) must equal the template's
``violation`` messages, and the library's assertions must hold for them.

The policies expected to have a VAP are listed in ``tests/peer/gatekeeper-library-cel.txt``: a
listed policy without a VAP fails, and so does a VAP of a policy that is not listed (the list is
then out of date). The cases of the other policies are counted as Gatekeeper-only.

Usage: python tests/cel/vap_peer_library.py --out OUT [--cases FILE] [--expected FILE] [--bench N]
Exit status: 0 when every case of a policy with a VAP agreed, 1 otherwise, 2 on a usage error.
"""

import collections
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "common"))
import harness  # tests/common/harness.py
import peer_library  # tests/k8s/peer_library.py: cases, matching, assertions, templates on OPA
import vap_differential  # tests/cel/vap_differential.py: the VAPs on the CEL runtime

PARAMS_GROUP = "params.govc.dev"


def plural(kind):
    """A kind's resource name, as Kubernetes' default REST mapper writes it."""
    lower = kind.lower()
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return lower + "es"
    if lower.endswith("y") and lower[-2:-1] not in "aeiou":
        return lower[:-1] + "ies"
    return lower + "s"


def vap_matches(vap_document, obj):
    """Whether the VAP's ``matchConstraints.resourceRules`` take the object's kind."""
    group = obj.get("apiVersion", "").rpartition("/")[0]
    resource = plural(obj.get("kind", ""))
    rules = vap_document["spec"]["matchConstraints"]["resourceRules"]
    return any(group in r["apiGroups"] and resource in r["resources"] for r in rules)


def bindings(case, params_kind):
    """The variables the API server binds for the case's request."""
    review = peer_library.review_input(case)["review"]
    obj = case["object"]
    params = None
    if params_kind is not None:
        params = {
            "apiVersion": f"{PARAMS_GROUP}/v1",
            "kind": params_kind,
            "metadata": {"name": "from-constraint"},
            "spec": case["constraint"].get("spec", {}).get("parameters", {}),
        }
    namespace = obj.get("metadata", {}).get("namespace")
    return {
        "object": obj,
        "oldObject": case.get("old_object"),
        "request": {k: v for k, v in review.items() if k not in ("object", "oldObject")},
        "params": params,
        "namespaceObject": {"metadata": {"name": namespace}} if namespace else None,
    }


def policy_of_templates(out):
    """The govc policy of each generated template kind (lowercase), as its annotation names it."""
    directory = os.path.join(out, "k8s", "gatekeeper", "templates")
    policies = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".yaml"):
            t = harness.load_yaml(os.path.join(directory, name))
            kind = t["spec"]["crd"]["spec"]["names"]["kind"].lower()
            policies[kind] = t["metadata"]["annotations"]["govc.dev/policy"]
    return policies


def load_vap_documents(out):
    """The VAP documents (deny, not warn) by policy."""
    directory = os.path.join(out, "k8s", "vap", "policies")
    documents = {}
    for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
        if name.endswith(".yaml") and not name.endswith("-warn.yaml"):
            d = harness.load_yaml(os.path.join(directory, name))
            documents[d["metadata"]["annotations"]["govc.dev/policy"]] = d
    return documents


def main():
    parser = peer_library.arguments(__doc__, "tests/peer/gatekeeper-library-cel.txt")
    parser.add_argument("--bench", type=int, default=0, help="time each case N times on each engine")
    args = parser.parse_args()
    try:
        cases = peer_library.load_cases(args.cases)
        expected = peer_library.expected_policies(args.expected)
        templates = peer_library.load_templates(args.out)
        policies = policy_of_templates(args.out)
        vaps, _ = vap_differential.load_vaps(args.out)
        documents = load_vap_documents(args.out)
    except (OSError, ValueError, harness.UsageError) as exc:
        return harness.error(exc)
    verdicts = harness.Verdicts()
    gatekeeper_only = collections.Counter()
    timings = []
    library = {c["policy"].lower() for c in cases}
    with_vap = {kind for kind, policy in policies.items() if policy in vaps and kind in library}
    for kind in sorted(with_vap - expected):
        verdicts.record(kind, [f"has a ValidatingAdmissionPolicy but is not listed in {args.expected}"])
    for case in cases:
        kind = case["policy"].lower()
        policy = policies.get(kind)
        if policy not in vaps:
            if kind in expected:
                verdicts.record(case["id"], [f"no ValidatingAdmissionPolicy for {case['policy']}"])
            else:
                gatekeeper_only[case["policy"]] += 1
            continue
        template = templates[kind]
        selected = peer_library.selected(case["constraint"].get("spec", {}).get("match", {}), case["object"])
        review = peer_library.review_input(case)
        opa = sorted(set(vap_differential.split(template.violations(review)))) if selected else []
        params_kind = documents[policy]["spec"].get("paramKind", {}).get("kind")
        bound = bindings(case, params_kind)
        cel = []
        if selected and vap_matches(documents[policy], case["object"]):
            try:
                cel = sorted(vaps[policy]["deny"].messages(bound))
            except RuntimeError as exc:
                verdicts.record(case["id"], [str(exc)])
                continue
        failed = peer_library.failed_assertions(case["assertions"], cel)
        problems = [f"assertion failed via the VAP: {p}" for p in failed]
        if cel != opa or problems:
            problems = [f"via the VAP: {cel}", f"via OPA:     {opa}"] + problems
        verdicts.record(case["id"], problems, quiet=True)
        if args.bench and selected:
            timings.append((case["policy"], case["id"], *bench(vaps[policy]["deny"], bound, template, review, args.bench)))
    for policy, n in sorted(gatekeeper_only.items()):
        print(f"gatekeeper only {policy}: {n} cases (no ValidatingAdmissionPolicy)")
    if args.bench:
        vap_differential.report(timings, args.bench)
    return verdicts.conclude(
        "gatekeeper-library peer suite through the VAPs (CEL) and the templates (OPA)",
        f"{sum(gatekeeper_only.values())} cases of {len(gatekeeper_only)} Gatekeeper-only policies",
        at_least_one=True,
    )


def bench(vap, bound, template, review, n):
    """Median seconds of one decision: the VAP's validations on the CEL runtime (the activation
    converted once per request, as the API server does), the template's ``violation`` on OPA."""
    variables = vap.variables_of(bound)
    cel_times, opa_times = [], []
    for _ in range(n):
        start = time.perf_counter()
        activation = vap.env.Activation(dict(bound, variables=variables))
        vap.messages(bound, activation=activation)
        cel_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        template.violations(review)
        opa_times.append(time.perf_counter() - start)
    return statistics.median(cel_times), statistics.median(opa_times)


if __name__ == "__main__":
    sys.exit(main())
