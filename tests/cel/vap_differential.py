#!/usr/bin/env python3
"""The same decision through the ValidatingAdmissionPolicy as through the OPA bundle, on a real
CEL engine.

For every policy with a ValidatingAdmissionPolicy under ``OUT/k8s/vap/policies/`` (``engine =
cel`` or ``both``), every conformance case of that policy (``--cases``, tests/conformance/*.json)
is judged twice:

* by the VAP, on Google's CEL runtime (PyPI ``cel-expr-python``, the C++ implementation), with the
  variables the API server binds: ``object`` (the document), ``request`` and ``oldObject`` (the
  case's ``request`` and its ``oldObject``; without one, a CREATE of the document by a user, and
  ``oldObject`` null), ``params`` (the
  default parameters object the bindings name, its ``spec`` under the case's overrides, as an
  operator's edit of it would be), ``namespaceObject`` and ``variables`` (the VAP's
  ``variables``, evaluated in order; one that fails to evaluate is absent, as it is an error only
  where it is used, which the API server would report). Every validation whose expression is
  false contributes its ``messageExpression``; a message that lists several bindings of a
  ``some`` clause joins them with ``"; "`` and is split back. The ``-warn`` VAP gives warnings.
* by the bundle, on OPA (``opa-golib-python-bindings``): ``deny`` and ``warn`` with the same
  overrides and the same request as ``data.govc.request``.

The deny sets and the warn sets must be equal. A CEL evaluation error is a failure.

Kubernetes' CEL functions the generated VAPs use beyond standard CEL are provided here exactly as
Kubernetes defines them (k8s.io/apiserver/pkg/cel/library and cel-go's ext.Strings, which the API
server loads):

* ``<list>.indexOf(<T>) -> int`` (Kubernetes' lists library): the first index of an element equal
  to the argument (CEL equality: numbers across int and double), ``-1`` when none is;
* ``<list>.min()``, ``<list>.max()``, ``<list>.sum()`` (lists library): an error on an empty list
  for min and max, 0 for the sum of an empty list;
* ``<list(string)>.join(<string>) -> string`` (ext.Strings).
* ``<string>.split(<string>) -> list(string)`` (ext.Strings): Go's ``strings.Split`` (an empty
  separator splits after each character; an empty string gives ``[""]``);
* ``<string>.replace(<string>, <string>) -> string`` (ext.Strings): Go's ``strings.Replace`` with
  ``n = -1`` (an empty old string inserts the new one around every character);
* ``<string>.substring(<int>[, <int>]) -> string`` (ext.Strings): by code points, an error when
  a bound is outside the string or the start is after the end;
* ``<string>.find(<string>) -> string`` (Kubernetes' regex library): the first match of the RE2
  pattern, ``""`` when none (the patterns govc writes mean the same in Python's ``re``);
* ``<string>.findAll(<string>) -> list(string)`` (Kubernetes' regex library): every match, left
  to right, not overlapping (Go's ``FindAllString(s, -1)``);
* ``quantity(<string>) -> Quantity`` and ``<Quantity>.compareTo(<Quantity>) -> int`` (Kubernetes'
  quantity library): the text parsed as ``resource.ParseQuantity`` does (k8s.io/apimachinery
  pkg/api/resource/quantity.go: sign, digits, fraction, a decimal, binary or exponent suffix;
  an error on anything else), its exact decimal value rounded up to a multiple of 1e-9 away from
  zero and capped at ±(2^63 - 1), as Kubernetes does; ``compareTo`` gives -1, 0 or 1. A Quantity
  is a map holding that decimal here (the runtime takes no opaque values); the generated CEL only
  hands it to ``compareTo``.

``--bench N`` also times each case N times on each engine (the VAP's validations on the CEL
runtime, the policy's ``deny`` and ``warn`` on OPA) and prints the median latency per case and per
policy.

Usage:
    python tests/cel/vap_differential.py --out OUT --cases tests/conformance/ai-governance.json [--bench 200]

Prints ``ok NAME`` or ``FAIL NAME`` with the difference, then ``N passed, N failed``. Exit
status: 0 when every case agreed, 1 on a difference, 2 on a usage error.
"""

import argparse
import decimal
import json
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "common"))
import harness  # tests/common/harness.py
from harness import UsageError, load_json, load_yaml

try:
    import opa_bundle  # tests/opa/opa_bundle.py
    from cel_expr_python import cel
    from opa_bindings import OpaUndefinedError
except ImportError as exc:
    harness.missing_tool(exc)

SEPARATOR = "; "


# ----------------------------------------------------------------------------- Kubernetes' functions


def cel_equal(a, b):
    """CEL equality on plain values: numbers compare across int and double, nothing else does."""
    num = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, num) and isinstance(b, num):
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(cel_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(cel_equal(a[k], b[k]) for k in a)
    return a == b


def index_of(items, x):
    for i, v in enumerate(items):
        if cel_equal(v, x):
            return i
    return -1


def list_min(items):
    if not items:
        raise ValueError("min called on empty list")
    return min(items)


def list_max(items):
    if not items:
        raise ValueError("max called on empty list")
    return max(items)


def list_sum(items):
    return sum(items) if items else 0


def join(items, separator):
    return separator.join(items)


def string_split(s, separator):
    if separator == "":
        return list(s)
    return s.split(separator)


def string_replace(s, old, new):
    return s.replace(old, new)


def substring(s, start, end=None):
    end = len(s) if end is None else end
    if start < 0 or start > len(s):
        raise ValueError(f"index out of range: {start}")
    if end < 0 or end > len(s):
        raise ValueError(f"index out of range: {end}")
    if start > end:
        raise ValueError(f"invalid substring range. start: {start}, end: {end}")
    return s[start:end]


def find(s, pattern):
    m = re.search(pattern, s)
    return m.group(0) if m else ""


def find_all(s, pattern):
    return [m.group(0) for m in re.finditer(pattern, s)]


QUANTITY_KEY = "kubernetes.Quantity"
DECIMAL_SUFFIXES = {"": 0, "n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
MAX_QUANTITY = decimal.Decimal(2**63 - 1)
# Exact arithmetic: Kubernetes' inf.Dec has no precision limit.
EXACT = decimal.Context(prec=1000, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def parse_quantity(text):
    """resource.ParseQuantity: the exact value, or ValueError."""
    m = re.fullmatch(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:([eEinumkKMGTP]*)([+-]?[0-9]*))", text)
    if not text or not m or (m.group(2) == "" and m.group(3) is None and text not in ("+", "-")):
        raise ValueError(f"quantities must match the regular expression: {text!r}")
    sign, whole, fraction, letters, tail = m.groups()
    suffix = letters + tail
    number = decimal.Decimal(f"{whole or '0'}.{fraction or '0'}")
    if suffix in DECIMAL_SUFFIXES:
        value = number.scaleb(DECIMAL_SUFFIXES[suffix], context=EXACT)
    elif suffix in BINARY_SUFFIXES:
        value = EXACT.multiply(number, 2 ** BINARY_SUFFIXES[suffix])
    elif len(suffix) > 1 and suffix[0] in "eE" and re.fullmatch(r"[+-]?[0-9]+", suffix[1:]):
        value = number.scaleb(int(suffix[1:]), context=EXACT)
    else:
        raise ValueError(f"unable to parse quantity's suffix: {text!r}")
    value = min(value, MAX_QUANTITY)
    if value != 0:
        value = value.quantize(decimal.Decimal("1e-9"), rounding=decimal.ROUND_UP, context=EXACT)
    return -value if sign == "-" else value


def quantity(text):
    return {QUANTITY_KEY: str(parse_quantity(text))}


def quantity_compare(a, b):
    x, y = decimal.Decimal(a[QUANTITY_KEY]), decimal.Decimal(b[QUANTITY_KEY])
    return (x > y) - (x < y)


def kubernetes_functions():
    T = cel.Type
    dyn_list = T.List(T.DYN)
    element_types = [
        ("string", T.STRING),
        ("int", T.INT),
        ("double", T.DOUBLE),
        ("bool", T.BOOL),
        ("null", T.NULL),
        ("list", dyn_list),
        ("map", T.Map(T.STRING, T.DYN)),
    ]
    index = [
        cel.Overload(f"list_indexOf_{n}", T.INT, [dyn_list, t], is_member=True, impl=index_of)
        for n, t in element_types
    ]
    aggregates = []
    for name, impl in (("min", list_min), ("max", list_max), ("sum", list_sum)):
        # One overload per function: the runtime dispatches on `list`, whatever its elements.
        overloads = [cel.Overload(f"list_{name}", T.DYN, [dyn_list], is_member=True, impl=impl)]
        aggregates.append(cel.FunctionDecl(name, overloads))
    joins = cel.FunctionDecl(
        "join",
        [cel.Overload("list_join_string", T.STRING, [T.List(T.STRING), T.STRING], is_member=True, impl=join)],
    )
    S = T.STRING
    strings = [
        cel.FunctionDecl("split", [cel.Overload("string_split_string", T.List(S), [S, S], is_member=True, impl=string_split)]),
        cel.FunctionDecl(
            "replace", [cel.Overload("string_replace_string_string", S, [S, S, S], is_member=True, impl=string_replace)]
        ),
        cel.FunctionDecl(
            "substring",
            [
                cel.Overload("string_substring_int", S, [S, T.INT], is_member=True, impl=substring),
                cel.Overload("string_substring_int_int", S, [S, T.INT, T.INT], is_member=True, impl=substring),
            ],
        ),
        cel.FunctionDecl("find", [cel.Overload("string_find_string", S, [S, S], is_member=True, impl=find)]),
        cel.FunctionDecl(
            "findAll", [cel.Overload("string_findAll_string", T.List(S), [S, S], is_member=True, impl=find_all)]
        ),
    ]
    Q = T.Map(S, S)
    quantities = [
        cel.FunctionDecl("quantity", [cel.Overload("string_to_quantity", Q, [S], impl=quantity)]),
        cel.FunctionDecl(
            "compareTo", [cel.Overload("quantity_compareTo_quantity", T.INT, [Q, Q], is_member=True, impl=quantity_compare)]
        ),
    ]
    return [cel.FunctionDecl("indexOf", index), joins] + aggregates + strings + quantities


def environment():
    names = ("object", "oldObject", "request", "params", "namespaceObject", "variables")
    return cel.NewEnv(variables={n: cel.Type.DYN for n in names}, functions=kubernetes_functions())


# ----------------------------------------------------------------------------- the VAPs


class Vap:
    """A ValidatingAdmissionPolicy compiled on the CEL runtime."""

    def __init__(self, env, path, document):
        self.path = path
        self.env = env
        self.name = document["metadata"]["name"]
        self.policy = document["metadata"]["annotations"]["govc.dev/policy"]
        spec = document["spec"]
        assert spec["failurePolicy"] == "Fail", f"{path}: failurePolicy is not Fail"
        try:
            self.variables = [(v["name"], env.compile(v["expression"])) for v in spec.get("variables", [])]
            self.validations = [
                (env.compile(v["expression"]), env.compile(v["messageExpression"]), v["messageExpression"])
                for v in spec["validations"]
            ]
        except Exception as exc:  # the CEL runtime's compile error
            raise UsageError(f"{path}: the CEL runtime rejects an expression: {exc}") from None

    def variables_of(self, bound):
        """The VAP's variables, evaluated in order; one that fails to evaluate is left out."""
        variables = {}
        for name, program in self.variables:
            value = program.eval(data=dict(bound, variables=variables))
            if value.type() != cel.Type.ERROR:
                variables[name] = value.plain_value()
        return variables

    def messages(self, bound, variables=None, activation=None):
        """The messages of the validations that fail, split per binding; raises on a CEL error.
        With an `activation` (the bound variables, converted once, as the API server does),
        every variable is evaluated in it, and then every validation."""
        if activation is None:
            variables = self.variables_of(bound)
            activation = self.env.Activation(dict(bound, variables=variables))
        else:
            for _, program in self.variables:
                program.eval(activation)
        out = set()
        for expression, message, text in self.validations:
            result = expression.eval(activation)
            if result.type() == cel.Type.ERROR:
                raise RuntimeError(f"{self.name}: validation error: {result.plain_value()}")
            if result.plain_value() is True:
                continue
            msg = message.eval(activation)
            if msg.type() != cel.Type.STRING:
                raise RuntimeError(f"{self.name}: messageExpression {text} gives {msg.plain_value()}")
            out.update(m for m in msg.plain_value().split(SEPARATOR) if m)
        return out


def load_vaps(out):
    env = environment()
    directory = os.path.join(out, "k8s", "vap", "policies")
    if not os.path.isdir(directory):
        raise UsageError(f"{directory} does not exist: no policy is enforced with engine = cel or both")
    by_policy = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".yaml"):
            vap = Vap(env, os.path.join(directory, name), load_yaml(os.path.join(directory, name)))
            kind = "warn" if vap.name.endswith("-warn") else "deny"
            by_policy.setdefault(vap.policy, {})[kind] = vap
    defaults = {}
    params_dir = os.path.join(out, "k8s", "vap", "params", "defaults")
    if os.path.isdir(params_dir):
        for name in sorted(os.listdir(params_dir)):
            document = load_yaml(os.path.join(params_dir, name))
            defaults[document["metadata"]["annotations"]["govc.dev/policy"]] = document
    return by_policy, defaults


def admission_request(case):
    """The admission request of a case: its ``request`` (the bundle's ``data.govc.request``, with
    ``oldObject``), else a CREATE of the document by a user, which the bundle is given too (a VAP
    always judges a request)."""
    if "request" in case:
        return case["request"]
    document = case["input"]
    metadata = document.get("metadata") if isinstance(document, dict) else None
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    return {
        "operation": "CREATE",
        "namespace": namespace if isinstance(namespace, str) else "",
        "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
    }


def bindings_for(document, params_object, overrides, request):
    """The variables the API server binds for `request` (of `document`)."""
    params = None
    if params_object is not None:
        params = json.loads(json.dumps(params_object))
        if overrides is not None:
            if isinstance(overrides, dict):
                params["spec"] = {**params.get("spec", {}), **overrides}
            else:
                params["spec"] = overrides
    metadata = document.get("metadata") if isinstance(document, dict) else None
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    return {
        "object": document,
        "oldObject": request.get("oldObject") if isinstance(request, dict) else None,
        "request": {k: v for k, v in request.items() if k != "oldObject"} if isinstance(request, dict) else request,
        "params": params,
        "namespaceObject": {"metadata": {"name": namespace}} if isinstance(namespace, str) else None,
    }


# ----------------------------------------------------------------------------- the bundle


def decide(bundle, policy, document, overrides, request):
    """The bundle's deny and warn sets for the document, with the overrides and the request."""
    return {rule: bundle.messages(policy, rule, document, overrides, request) for rule in ("deny", "warn")}


def split(messages):
    return {part for m in messages for part in m.split(SEPARATOR) if part}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="the output directory of `govc build`")
    parser.add_argument("--cases", required=True, action="append", help="a conformance case file")
    parser.add_argument("--bench", type=int, default=0, help="time each case N times on each engine")
    args = parser.parse_args()
    try:
        vaps, defaults = load_vaps(args.out)
        bundle = opa_bundle.Engines(*opa_bundle.read(os.path.join(args.out, "bundle"), tests=False))
        cases = []
        for path in args.cases:
            cases.extend(load_json(path)["cases"])
    except (UsageError, opa_bundle.NotABundle) as exc:
        return harness.error(exc)
    verdicts = harness.Verdicts()
    timings = []
    for case in cases:
        policy = case["policy"]
        if policy not in vaps:
            continue
        overrides = case.get("overrides")
        request = admission_request(case)
        bound = bindings_for(case["input"], defaults.get(policy), overrides, request)
        try:
            cel_decision = {kind: vap.messages(bound) for kind, vap in vaps[policy].items()}
        except RuntimeError as exc:
            verdicts.record(case["name"], [str(exc)])
            continue
        cel_decision.setdefault("warn", set())
        opa_decision = decide(bundle, policy, case["input"], overrides, request)
        opa_split = {k: split(v) for k, v in opa_decision.items()}
        problems = []
        for kind in ("deny", "warn"):
            if cel_decision[kind] != opa_split[kind]:
                problems.append(f"{kind} via the VAP: {sorted(cel_decision[kind])}")
                problems.append(f"{kind} via OPA:     {sorted(opa_split[kind])}")
        verdicts.record(case["name"], problems)
        if args.bench:
            timings.append((policy, case["name"], *bench(vaps[policy], bound, bundle, policy, case, args.bench)))
    if args.bench:
        report(timings, args.bench)
    return verdicts.conclude(at_least_one=True)


def bench(policy_vaps, bound, bundle, policy, case, n):
    """Median seconds of one decision on each engine."""
    engine = bundle.engine(policy, case.get("overrides"), admission_request(case))
    # The API server converts the request's objects once per request and evaluates every
    # expression in that activation: that is what is timed (the conversion included).
    variables = {kind: vap.variables_of(bound) for kind, vap in policy_vaps.items()}
    cel_times, opa_times = [], []
    for _ in range(n):
        start = time.perf_counter()
        for kind, vap in policy_vaps.items():
            activation = vap.env.Activation(dict(bound, variables=variables[kind]))
            vap.messages(bound, activation=activation)
        cel_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        for rule in ("deny", "warn"):
            try:
                engine.eval_document(f"{policy}.{rule}", case["input"])
            except OpaUndefinedError:
                pass
        opa_times.append(time.perf_counter() - start)
    return statistics.median(cel_times), statistics.median(opa_times)


def report(timings, n):
    print(f"\nmedian latency of one decision (deny and warn), {n} runs per case:")
    print(f"{'case':72} {'CEL µs':>9} {'OPA µs':>9}")
    for _, name, c, o in timings:
        print(f"{name[:72]:72} {c * 1e6:9.1f} {o * 1e6:9.1f}")
    print(f"\n{'policy':40} {'cases':>5} {'CEL µs':>9} {'OPA µs':>9} {'OPA/CEL':>8}")
    for policy in sorted({t[0] for t in timings}):
        rows = [t for t in timings if t[0] == policy]
        c = statistics.median(t[2] for t in rows)
        o = statistics.median(t[3] for t in rows)
        print(f"{policy:40} {len(rows):5} {c * 1e6:9.1f} {o * 1e6:9.1f} {o / c:8.2f}")


if __name__ == "__main__":
    sys.exit(main())
