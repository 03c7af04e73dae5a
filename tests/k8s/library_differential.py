#!/usr/bin/env python3
"""gatekeeper-library's own Rego against govc's templates, on generated inputs, on real OPA.

The library's suites hold few cases per policy, and match messages by regular expression. This
differential judges many generated reviews (containers in every list, profiles, probes, hosts,
parameters, operations, users) with the library's template (``template.yaml`` of a checkout, its
Rego v0 converted to v1 as ``benches/peer_vs_library.py`` does) and with the template govc
generated from ``examples/k8s-baseline``, and compares the sets of messages, to the letter.

Usage: python tests/k8s/library_differential.py --library CHECKOUT --out OUT [--n N] [--seed S] [KIND...]
  CHECKOUT  a checkout of open-policy-agent/gatekeeper-library (the commit of
            tests/vendor/gatekeeper-library/README.md); nothing of it is committed here
  OUT       the output of `govc build examples/k8s-baseline --out OUT`
Exit status: 0 when every input gets the same messages, 1 otherwise. An input on which the
library's Rego fails to evaluate (its `get_probe` of host-probes-lifecycle is a function with
several definitions, which conflict for a container with two probes) is counted and skipped.
"""
import argparse
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.realpath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "common"))
sys.path.insert(0, os.path.join(ROOT, "benches"))
import peer_library as pl  # tests/k8s/peer_library.py
import peer_vs_library as pvl  # benches/peer_vs_library.py: the library's side, v0 to v1

def review(obj, params, op="CREATE", old=None, user=None):
    """Gatekeeper's input for `obj` (the peer README's shape), with a user and an old object."""
    r = {"kind": {"group": "", "version": "v1", "kind": obj["kind"]}, "name": obj["metadata"]["name"],
         "namespace": "default", "operation": op, "object": obj}
    if old is not None: r["oldObject"] = old
    if user is not None: r["userInfo"] = user
    return {"review": r, "parameters": params}

def pick(xs):
    return random.choice(xs)

def sp():
    """A securityContext seccomp profile, of every type (and one the library does not name)."""
    t = pick(["RuntimeDefault", "Localhost", "Unconfined", "Other"])
    d = {"type": t}
    if t == "Localhost" and random.random() < 0.8: d["localhostProfile"] = pick(["a.json", "b.json", "profile.json"])
    return d

def seccomp_case():
    """Profiles in container and pod securityContexts and annotations, against allowed lists."""
    names = ["app", "side", "init"]
    cs = []
    for n in random.sample(names, random.randint(1, 3)):
        c = {"name": n, "image": pick(["nginx", "nginx-exempt", "busybox"])}
        if random.random() < 0.4: c["securityContext"] = {"seccompProfile": sp()}
        cs.append(c)
    spec = {"containers": cs[:1]}
    if len(cs) > 1: spec[pick(["initContainers", "ephemeralContainers"])] = cs[1:]
    if random.random() < 0.3: spec["securityContext"] = {"seccompProfile": sp()}
    ann = {}
    if random.random() < 0.5: ann["seccomp.security.alpha.kubernetes.io/pod"] = pick(["runtime/default", "docker/default", "unconfined", "localhost/a.json"])
    for c in cs:
        if random.random() < 0.3: ann["container.seccomp.security.alpha.kubernetes.io/" + c["name"]] = pick(["runtime/default", "unconfined", "localhost/b.json"])
    meta = {"name": "p"}
    if ann: meta["annotations"] = ann
    params = {}
    pool = ["runtime/default", "docker/default", "unconfined", "localhost/a.json", "localhost/*", "RuntimeDefault", "Localhost", "Unconfined", "*"]
    if random.random() < 0.95: params["allowedProfiles"] = random.sample(pool, random.randint(0, 3))
    if random.random() < 0.6: params["allowedLocalhostFiles"] = random.sample(["a.json", "b.json", "*"], random.randint(0, 2))
    if random.random() < 0.5: params["exemptImages"] = [pick(["nginx-exempt", "busy*"])]
    return review({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}, params)

def probe():
    """A probe or lifecycle handler: httpGet, tcpSocket or exec, with no host, an empty one or one."""
    h = pick([None, "", "10.0.0.1", "node"])
    act = pick(["httpGet", "tcpSocket", "exec"])
    a = {"port": 80} if act != "exec" else {"command": ["true"]}
    if h is not None and act != "exec": a["host"] = h
    return {act: a}

def probes_case():
    """Probes and hooks on containers of every list, some exempt, on CREATE and UPDATE."""
    cs = []
    for n in random.sample(["a", "b", "c"], random.randint(1, 3)):
        c = {"name": n, "image": pick(["nginx", "ex", "busybox"])}
        for p in ["livenessProbe", "readinessProbe", "startupProbe"]:
            if random.random() < 0.4: c[p] = probe()
        if random.random() < 0.5:
            c["lifecycle"] = {k: probe() for k in ["postStart", "preStop"] if random.random() < 0.6}
        cs.append(c)
    spec = {"containers": cs[:1]}
    if len(cs) > 1: spec[pick(["initContainers", "ephemeralContainers"])] = cs[1:]
    params = {"exemptImages": ["ex"]} if random.random() < 0.3 else {}
    return review({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}, params, op=pick(["CREATE", "CREATE", "UPDATE"]))

def hostprocess_case():
    """hostProcess true, false or absent at pod and container level, on CREATE and UPDATE."""
    def wo():
        return {"windowsOptions": {"hostProcess": pick([True, False])}} if random.random() < 0.6 else {}
    cs = [{"name": n, "image": pick(["nginx", "ex"]), "securityContext": wo()} for n in random.sample(["a", "b", "c"], random.randint(1, 3))]
    spec = {"containers": cs[:1], "securityContext": wo()}
    if len(cs) > 1: spec[pick(["initContainers", "ephemeralContainers"])] = cs[1:]
    params = {"exemptImages": ["ex"]} if random.random() < 0.3 else {}
    return review({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}, params, op=pick(["CREATE", "UPDATE"]))

def repos_case(param):
    """Images of every container list against a list of exact names, prefixes and `*` entries."""
    imgs = ["gcr.io/a/b:1", "nginx", "nginx:1", "k8s.gcr.io/pause", "docker.io/x", "openpolicyagent/opa"]
    cs = [{"name": n, "image": pick(imgs)} for n in random.sample(["a", "b", "c"], random.randint(1, 3))]
    spec = {"containers": cs[:1]}
    if len(cs) > 1: spec[pick(["initContainers", "ephemeralContainers"])] = cs[1:]
    pool = ["gcr.io/*", "nginx", "k8s.gcr.io/", "docker.io/", "openpolicyagent/*", "*"]
    return review({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}, {param: random.sample(pool, random.randint(0, 3))})

def sa_case():
    """A Deployment's service account before and after, users and groups allowed or not."""
    def dep(sa):
        s = {"containers": [{"name": "a", "image": "x"}]}
        if sa: s["serviceAccountName"] = sa
        return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "kube-system"},
                "spec": {"selector": {}, "template": {"spec": s}}}
    new, old = dep(pick([None, "a", "b"])), dep(pick([None, "a", "b"]))
    user = pick([None, {"username": "alice"}, {"username": "bob", "groups": ["dev", "ops"]}, {"groups": ["ops"]}])
    params = {}
    if random.random() < 0.7: params["allowedUsers"] = random.sample(["alice", "bob"], random.randint(0, 2))
    if random.random() < 0.7: params["allowedGroups"] = random.sample(["ops", "admins"], random.randint(0, 2))
    r = review(new, params, op=pick(["CREATE", "UPDATE", "UPDATE"]), old=old if random.random() < 0.9 else None, user=user)
    r["review"]["kind"] = {"group": "apps", "version": "v1", "kind": "Deployment"}
    return r

GENERATORS = {
    "K8sPSPSeccomp": ("library/pod-security-policy/seccomp", seccomp_case),
    "K8sPSPHostProbesLifecycle": ("library/pod-security-policy/host-probes-lifecycle", probes_case),
    "K8sPSPHostProcess": ("library/pod-security-policy/host-process", hostprocess_case),
    "K8sAllowedReposv2": ("library/general/allowedreposv2", lambda: repos_case("allowedImages")),
    "K8sDisallowedRepos": ("library/general/disallowedrepos", lambda: repos_case("repos")),
    "NoUpdateServiceAccount": ("library/general/noupdateserviceaccount", sa_case),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("kinds", nargs="*", help="template kinds (default: all of them)")
    args = parser.parse_args()
    random.seed(args.seed)
    templates = pl.load_templates(args.out)
    bad = 0
    for kind, (path, gen) in GENERATORS.items():
        if args.kinds and kind not in args.kinds:
            continue
        lib = pvl.library_side(args.library, path)
        mine = pvl.generated_side(args.out, templates[kind.lower()])
        diffs = errors = 0
        for _ in range(args.n):
            inp = gen()
            try:
                a = sorted(set(lib.violations(inp)))
            except Exception:  # the library's own evaluation error: nothing to compare
                errors += 1
                continue
            b = sorted(set(mine.violations(inp)))
            if a != b:
                diffs += 1
                if diffs <= 3:
                    print("DIFF", kind, json.dumps(inp))
                    print("  library:", a)
                    print("  govc:   ", b)
        print(f"{kind}: {args.n} inputs, {diffs} differ, {errors} library evaluation errors (skipped)")
        bad += diffs
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
