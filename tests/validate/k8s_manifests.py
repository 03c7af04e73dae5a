#!/usr/bin/env python3
"""Validates the Kubernetes manifests of a govc build (``OUT/k8s``) the way a cluster reads them.

Every file:
  * reads as the same JSON document with a YAML 1.1 reader (PyYAML, as kubectl's and the API
    server's readers treat ``yes``, ``on`` or ``1_000``) and with a YAML 1.2 reader (ruamel.yaml),
    holding only JSON values (no dates), one object per file, named like its file.

``crds/*.yaml`` (CustomResourceDefinitions; ``kubernetes-validate --strict`` checks them against
the Kubernetes API schemas separately):
  * the schema of every version is structural: every node has a ``type``, arrays have ``items``,
    no node has both ``properties`` and ``additionalProperties``, ``required`` names declared
    properties;
  * ``metadata.name`` is ``<plural>.<group>``.

``gatekeeper/templates/*.yaml`` (ConstraintTemplates):
  * validate against the ``v1`` schema of Gatekeeper's own ConstraintTemplate CRD
    (``--gatekeeper-crd``), strictly: a property the schema does not declare is an error, as
    with ``kubectl apply --validate=strict``;
  * the Rego ``source`` (which that schema leaves open) has Gatekeeper's shape: ``rego``,
    optional ``version`` (``v0``/``v1``) and ``libs``; Rego is in ``code`` or ``rego``, not both;
  * ``metadata.name`` is the lowercase kind, at most 63 characters; the parameters schema is
    structural.

``gatekeeper/constraints/*.yaml`` (Constraints):
  * validate strictly against the schema Gatekeeper gives the kind: its template's parameters
    schema under ``spec.parameters``, Gatekeeper's ``match`` and ``enforcementAction``;
  * every Constraint has its template and every template a Constraint.

``gatekeeper/syncset/*.yaml`` (SyncSets, written when a policy reads an ``inventory``):
  * validate strictly against the ``v1alpha1`` schema of Gatekeeper's own SyncSet CRD
    (``--syncset-crd``, vendored in ``tests/vendor/gatekeeper/``); ``metadata.name`` is a DNS
    subdomain;
  * every kind a template's ``metadata.gatekeeper.sh/requires-sync-data`` annotation requires
    (JSON once the surrounding quotes Gatekeeper trims are removed) is synced by a SyncSet.

Usage:
    python tests/validate/k8s_manifests.py --k8s OUT/k8s \\
        --gatekeeper-crd tests/vendor/shared/schemas/gatekeeper/constrainttemplate-customresourcedefinition.yaml \
        [--syncset-crd tests/vendor/gatekeeper/syncset-customresourcedefinition.yaml]

Prints ``ok FILE`` or ``FAIL FILE`` with the problems, then ``N passed, N failed``. Exit status:
0 when every file is valid, 1 otherwise, 2 on a usage error (a missing directory or schema file,
a missing Python package).
"""

import argparse
import copy
import io
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "common"))
import harness  # tests/common/harness.py
from harness import UsageError

try:
    import jsonschema
    import yaml
    from ruamel.yaml import YAML
except ImportError as exc:
    harness.missing_tool(exc)
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
DNS_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"

# What Gatekeeper's Rego driver reads from `code[].source` (frameworks' rego/schema Source).
REGO_SOURCE = {
    "type": "object",
    "required": ["rego"],
    "additionalProperties": False,
    "properties": {
        "rego": {"type": "string", "minLength": 1},
        "version": {"enum": ["v0", "v1"]},
        "libs": {"type": "array", "items": {"type": "string"}},
    },
}

# The `spec.match` of a Constraint, as Gatekeeper's match schema declares it.
MATCH = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "kinds": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "apiGroups": {"type": "array", "items": {"type": "string"}},
                    "kinds": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "namespaces": {"type": "array", "items": {"type": "string"}},
        "excludedNamespaces": {"type": "array", "items": {"type": "string"}},
        "scope": {"enum": ["*", "Cluster", "Namespaced"]},
        "labelSelector": {"type": "object"},
        "namespaceSelector": {"type": "object"},
        "name": {"type": "string"},
        "source": {"enum": ["All", "Generated", "Original"]},
    },
}


# ----------------------------------------------------------------------------- reading


def read_both(path):
    """The document as read by a YAML 1.1 and a YAML 1.2 reader, and the problems found."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    problems = []
    v11 = list(yaml.safe_load_all(text))
    v12 = list(YAML(typ="safe", pure=True).load_all(io.StringIO(text)))
    if len(v11) != 1:
        problems.append(f"{len(v11)} YAML documents, not one")
    if v11 != v12:
        problems.append("YAML 1.1 and YAML 1.2 readers read different documents: " + first_difference(v11, v12))
    problems.extend(non_json(v11[0] if v11 else None, "$"))
    return (v11[0] if v11 else None), problems


def first_difference(a, b, at="$"):
    if type(a) is not type(b):
        return f"{at}: {a!r} vs {b!r}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                return f"{at}.{k}: present in one only"
            if a[k] != b[k]:
                return first_difference(a[k], b[k], f"{at}.{k}")
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{at}: {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, f"{at}[{i}]")
    return f"{at}: {a!r} vs {b!r}"


def non_json(value, at):
    if isinstance(value, dict):
        out = [f"{at}: key {k!r} is not a string" for k in value if not isinstance(k, str)]
        for k, v in value.items():
            out.extend(non_json(v, f"{at}.{k}"))
        return out
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in non_json(v, f"{at}[{i}]")]
    if value is None or isinstance(value, (str, bool, int, float)):
        return []
    return [f"{at}: {type(value).__name__} {value!r} is not a JSON value"]


# ----------------------------------------------------------------------------- schemas


def structural_problems(schema, at):
    """Where an OpenAPI schema is not structural (Kubernetes' rules for CRD schemas)."""
    if not isinstance(schema, dict):
        return [f"{at}: not a schema"]
    out = []
    if not schema.get("x-kubernetes-preserve-unknown-fields") and not schema.get("x-kubernetes-int-or-string"):
        if schema.get("type") not in ("object", "array", "string", "integer", "number", "boolean"):
            out.append(f"{at}: no type")
    if "properties" in schema and "additionalProperties" in schema:
        out.append(f"{at}: both properties and additionalProperties")
    if schema.get("type") == "array" and "items" not in schema:
        out.append(f"{at}: an array without items")
    for name in schema.get("required", []):
        if name not in schema.get("properties", {}):
            out.append(f"{at}: `{name}` is required but not declared")
    for name, sub in schema.get("properties", {}).items():
        out.extend(structural_problems(sub, f"{at}.{name}"))
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            out.extend(structural_problems(schema[key], f"{at}[{key}]"))
    return out


def strict(schema):
    """An OpenAPI schema as a JSON Schema that rejects undeclared properties (kubectl's strict
    field validation), except where Kubernetes keeps unknown fields."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if not isinstance(node, dict):
            return
        if "properties" in node and "additionalProperties" not in node and not node.get(
            "x-kubernetes-preserve-unknown-fields"
        ):
            node["additionalProperties"] = False
        for sub in node.get("properties", {}).values():
            walk(sub)
        for key in ("items", "additionalProperties"):
            walk(node.get(key))

    walk(schema)
    return schema


def schema_problems(document, schema):
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    ]


def constraint_template_schema(crd_path, version_name="v1", what="ConstraintTemplate"):
    if not os.path.isfile(crd_path):
        raise UsageError(f"Gatekeeper's {what} CRD is missing: {crd_path}")
    with open(crd_path, encoding="utf-8") as f:
        crd = yaml.safe_load(f)
    for version in crd["spec"]["versions"]:
        if version["name"] == version_name:
            return strict(version["schema"]["openAPIV3Schema"])
    raise UsageError(f"{crd_path} has no {version_name} version")


# ----------------------------------------------------------------------------- checks


def check_crd(doc, name):
    out = []
    if doc.get("apiVersion") != "apiextensions.k8s.io/v1" or doc.get("kind") != "CustomResourceDefinition":
        out.append("not an apiextensions.k8s.io/v1 CustomResourceDefinition")
        return out
    spec = doc["spec"]
    expected = f"{spec['names']['plural']}.{spec['group']}"
    if doc["metadata"]["name"] != expected:
        out.append(f"metadata.name is {doc['metadata']['name']}, not {expected}")
    for version in spec["versions"]:
        out.extend(structural_problems(version["schema"]["openAPIV3Schema"], f"versions[{version['name']}]"))
    return out


def check_template(doc, schema):
    out = schema_problems(doc, schema)
    kind = doc["spec"]["crd"]["spec"]["names"]["kind"]
    name = doc["metadata"]["name"]
    if name != kind.lower() or not re.match(DNS_LABEL, name):
        out.append(f"metadata.name {name!r} is not the lowercase kind {kind!r} as a DNS label")
    params = doc["spec"]["crd"]["spec"].get("validation", {}).get("openAPIV3Schema")
    if params is not None:
        out.extend(structural_problems(params, "parameters"))
    for i, target in enumerate(doc["spec"]["targets"]):
        rego_codes = [c for c in target.get("code", []) if c.get("engine") == "Rego"]
        if rego_codes and "rego" in target:
            out.append(f"targets[{i}]: Rego both in `code` and in `rego`")
        if not rego_codes and "rego" not in target:
            out.append(f"targets[{i}]: no Rego")
        for code in rego_codes:
            out.extend(f"targets[{i}].code.source: {p}" for p in schema_problems(code["source"], REGO_SOURCE))
    return out


def check_sync_set(doc, schema):
    out = schema_problems(doc, schema)
    if doc.get("apiVersion") != "syncset.gatekeeper.sh/v1alpha1" or doc.get("kind") != "SyncSet":
        out.append("not a syncset.gatekeeper.sh/v1alpha1 SyncSet")
    name = doc.get("metadata", {}).get("name", "")
    if not re.match(DNS_SUBDOMAIN, name):
        out.append(f"metadata.name {name!r} is not a DNS subdomain")
    return out


def required_sync(template):
    """The (group, version, kind)s a template's requires-sync-data annotation names, or a problem."""
    text = template["metadata"].get("annotations", {}).get("metadata.gatekeeper.sh/requires-sync-data")
    if text is None:
        return set(), []
    try:
        requirements = json.loads(text.strip("\n\""))
    except ValueError as exc:
        return set(), [f"requires-sync-data is not JSON once trimmed: {exc}"]
    gvks = set()
    for requirement in requirements:
        for entry in requirement:
            gvks.update((g, v, k) for g in entry["groups"] for v in entry["versions"] for k in entry["kinds"])
    return gvks, []


def constraint_schema(template):
    kind = template["spec"]["crd"]["spec"]["names"]["kind"]
    params = template["spec"]["crd"]["spec"].get("validation", {}).get("openAPIV3Schema", {"type": "object"})
    string_map = {"type": "object", "additionalProperties": {"type": "string"}}
    return {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "additionalProperties": False,
        "properties": {
            "apiVersion": {"const": "constraints.gatekeeper.sh/v1beta1"},
            "kind": {"const": kind},
            "metadata": {
                "type": "object",
                "required": ["name"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "pattern": DNS_SUBDOMAIN, "maxLength": 253},
                    "labels": string_map,
                    "annotations": string_map,
                },
            },
            "spec": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "enforcementAction": {"enum": ["deny", "dryrun", "warn"]},
                    "match": MATCH,
                    "parameters": strict(params),
                },
            },
        },
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k8s", required=True, help="the k8s directory of a govc build (OUT/k8s)")
    parser.add_argument("--gatekeeper-crd", required=True, help="Gatekeeper's ConstraintTemplate CRD (YAML)")
    parser.add_argument("--syncset-crd", default=os.path.join(os.path.dirname(os.path.realpath(__file__)), "..",
                        "vendor", "gatekeeper", "syncset-customresourcedefinition.yaml"),
                        help="Gatekeeper's SyncSet CRD (YAML; default: the vendored one)")
    args = parser.parse_args(argv)
    try:
        template_schema = constraint_template_schema(args.gatekeeper_crd)
        sync_set_schema = constraint_template_schema(args.syncset_crd, "v1alpha1", "SyncSet")
        groups = {}
        for group in ("crds", "gatekeeper/templates", "gatekeeper/constraints", "gatekeeper/syncset"):
            directory = os.path.join(args.k8s, group)
            if group in ("crds", "gatekeeper/syncset") and not os.path.isdir(directory):
                # A project whose policies judge only external resources (core kinds) owns no CRD.
                groups[group] = []
                continue
            if not os.path.isdir(directory):
                raise UsageError(f"{directory} does not exist")
            groups[group] = [os.path.join(directory, n) for n in sorted(os.listdir(directory)) if n.endswith(".yaml")]
        if not groups["gatekeeper/templates"]:
            raise UsageError(f"no ConstraintTemplate under {args.k8s}")
    except (UsageError, OSError, yaml.YAMLError) as exc:
        return harness.error(exc)

    results = {}
    documents = {}
    for group, paths in groups.items():
        for path in paths:
            doc, problems = read_both(path)
            documents[path] = doc
            if isinstance(doc, dict):
                name = doc.get("metadata", {}).get("name")
                if f"{name}.yaml" != os.path.basename(path):
                    problems.append(f"the object is named {name!r}, the file {os.path.basename(path)!r}")
            results[path] = problems
    templates_by_kind = {}
    for path in groups["gatekeeper/templates"]:
        doc = documents[path]
        results[path].extend(check_template(doc, template_schema))
        templates_by_kind[doc["spec"]["crd"]["spec"]["names"]["kind"]] = doc
    for path in groups["crds"]:
        results[path].extend(check_crd(documents[path], path))
    constrained = set()
    for path in groups["gatekeeper/constraints"]:
        doc = documents[path]
        template = templates_by_kind.get(doc.get("kind"))
        if template is None:
            results[path].append(f"no ConstraintTemplate of kind {doc.get('kind')!r}")
            continue
        constrained.add(doc["kind"])
        results[path].extend(schema_problems(doc, constraint_schema(template)))
    for kind in sorted(set(templates_by_kind) - constrained):
        results[f"the template of kind {kind}"] = ["no Constraint"]
    synced = set()
    for path in groups["gatekeeper/syncset"]:
        doc = documents[path]
        results[path].extend(check_sync_set(doc, sync_set_schema))
        synced.update((e.get("group"), e.get("version"), e.get("kind")) for e in doc.get("spec", {}).get("gvks", []))
    for kind, template in sorted(templates_by_kind.items()):
        required, problems = required_sync(template)
        problems += [f"requires {g}/{v} {k}, which no SyncSet syncs" for g, v, k in sorted(required - synced)]
        if problems:
            results[f"the template of kind {kind}"] = results.get(f"the template of kind {kind}", []) + problems

    verdicts = harness.Verdicts()
    for path, problems in results.items():
        verdicts.record(path, problems)
    return verdicts.conclude()


if __name__ == "__main__":
    sys.exit(main())
