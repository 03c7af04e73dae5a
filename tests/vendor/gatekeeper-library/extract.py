#!/usr/bin/env python3
"""Vendor gatekeeper-library suite cases into the peer-suite format (``cases-more.json``).

Reads a checkout of open-policy-agent/gatekeeper-library (the ``library/`` folder of the commit
named in README.md) and writes, for each policy folder given, every case of its ``suite.yaml``,
in the format of ``cases.json`` (see README.md); a case with a cluster inventory (a referential
policy's) gets ``inventory``, the objects its suite lists, in order (cases-more.md). UPDATE cases
come from the suites' AdmissionReview samples (``request.operation``, ``request.object``,
``request.oldObject``).

Usage: python extract.py LIBRARY_CHECKOUT OUT.json FOLDER...   (FOLDER like general/externalip;
cases-more.md gives the command that wrote cases-more.json)
"""

import json
import os
import re
import sys

import yaml


class Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only `true` and `false`; `yes` and `no` stay strings, as gator reads them."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=Yaml12Loader)


def cases_of(root, folder):
    base = os.path.join(root, "library", folder)
    suite = load(os.path.join(base, "suite.yaml"))
    kind = load(os.path.join(base, "template.yaml"))["spec"]["crd"]["spec"]["names"]["kind"]
    out = []
    for test in suite["tests"]:
        constraint = load(os.path.join(base, test["constraint"]))
        for case in test.get("cases", []):
            obj = load(os.path.join(base, case["object"]))
            operation, old = "CREATE", None
            if obj.get("kind") == "AdmissionReview":
                request = obj["request"]
                operation, old, obj = request["operation"], request.get("oldObject"), request["object"]
            entry = {
                "id": f"{folder}/{test['name']}/{case['name']}",
                "policy": kind,
                "library_path": f"library/{folder}",
                "sample": test["constraint"].split("/")[1],
                "test": test["name"],
                "case": case["name"],
                "constraint": constraint,
                "object": obj,
                "operation": operation,
                "old_object": old,
                "assertions": case.get("assertions", []),
            }
            if case.get("inventory"):
                entry["inventory"] = [load(os.path.join(base, path)) for path in case["inventory"]]
            out.append(entry)
    return out


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    root, out, folders = sys.argv[1], sys.argv[2], sys.argv[3:]
    cases = [c for folder in folders for c in cases_of(root, folder)]
    ids = [c["id"] for c in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    # A suite may name two cases alike (fsgroup-no-rules has two `example-allowed`): number them.
    seen = {}
    for c in cases:
        if c["id"] in duplicates:
            seen[c["id"]] = seen.get(c["id"], 0) + 1
            c["id"] += f"#{seen[c['id']]}"
    with open(out, "w", encoding="utf-8") as f:
        json.dump(cases, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{len(cases)} cases of {len(folders)} policies written to {out}")


if __name__ == "__main__":
    main()
