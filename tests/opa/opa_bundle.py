"""A bundle directory written by `govc build`, read and loaded into the real OPA engine
(`opa_bindings`, the OPA Go library, from PyPI's opa-golib-python-bindings): the one loader of
the Python test helpers (tests/opa, tests/audit, tests/k8s, tests/cel, tests/actions/fake-opa,
benches).

    modules, data = opa_bundle.read("OUT/bundle")
    engine = opa_bundle.load(modules, data)
    engines = opa_bundle.Engines(modules, data)  # with parameter overrides, a request, a clock
    messages = engines.messages("acme.data.pii", "deny", document, overrides={"max_days": 30})

The harnesses outside tests/opa import it after tests/common/harness.py, which puts this
directory on `sys.path`; the benches put it there themselves.
"""

import collections
import json
import os

from opa_bindings import OpaEngine, OpaError, OpaUndefinedError


class NotABundle(Exception):
    """The directory is missing or holds no bundle (a usage error of the script)."""


class BundleError(Exception):
    """OPA rejects the bundle (a failure of the compiler under test)."""


def read(directory, tests=True):
    """The Rego modules of a bundle directory as [(path relative to it, source)], with the
    `*_test.rego` files unless `tests` is false, and its data documents as [(dotted path of the
    directory, value)] (the root's path is ""), both in path order."""
    if not os.path.isdir(directory):
        raise NotABundle(f"bundle directory {directory} does not exist")
    modules, data = [], []
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(root, name)
            rel = os.path.relpath(full, directory).replace(os.sep, "/")
            if name.endswith(".rego") and (tests or not name.endswith("_test.rego")):
                with open(full, encoding="utf-8") as f:
                    modules.append((rel, f.read()))
            elif name == "data.json":
                with open(full, encoding="utf-8") as f:
                    try:
                        value = json.load(f)
                    except json.JSONDecodeError as exc:
                        raise NotABundle(f"{full}: invalid JSON: {exc}") from None
                reldir = os.path.relpath(root, directory)
                data.append(("" if reldir == "." else ".".join(reldir.split(os.sep)), value))
    if not modules:
        raise NotABundle(f"bundle directory {directory} holds no .rego file")
    return modules, data


def load(modules, data, extra=(), compile=True):
    """A new engine holding `modules` and `data`, then the `extra` data documents (dotted path,
    value). With `compile`, one evaluation makes OPA compile every module at once, so that what
    it rejects (conflicts, recursion, type errors) is raised here, once."""
    engine = OpaEngine()
    for path, source in modules:
        try:
            engine.add_policy(path, source)
        except OpaError as exc:
            raise BundleError(f"OPA rejects {path}: {exc}") from None
    for path, value in list(data) + list(extra):
        try:
            engine.add_data(value, path=path)
        except OpaError as exc:
            raise BundleError(f"OPA rejects the data at {path or 'the root'}: {exc}") from None
    if compile:
        try:
            engine.eval_query("x := 1")
        except OpaError as exc:
            raise BundleError(f"OPA cannot compile the bundle: {exc}") from None
    return engine


class Engines:
    """One bundle in engines that each add data documents to it: a policy's parameter overrides
    (at ``govc.overrides.<policy>``), an admission request (``govc.request``), a clock
    (``govc.now``), the cluster's objects (``inventory``, as Gatekeeper syncs them). OPA deep-merges data, so each distinct set needs an engine of its own; each
    holds the whole compiled bundle (gigabytes if one were kept per set for a whole suite), so
    only the `keep` most recently used stay open (all with `keep=None`, for a short request). The
    cases that share a set mostly come one after another."""

    def __init__(self, modules, data, keep=4):
        self.modules, self.data, self.keep = modules, data, keep
        self.engines = collections.OrderedDict()

    def engine(self, policy=None, overrides=None, request=None, now=None, inventory=None):
        """The engine with these documents added, each where it is not None (`policy` names
        where the overrides go); BundleError when OPA rejects the bundle."""
        extra = [] if overrides is None else [(f"govc.overrides.{policy}", overrides)]
        if request is not None:
            extra.append(("govc.request", request))
        if now is not None:
            extra.append(("govc.now", now))
        if inventory is not None:
            extra.append(("inventory", inventory))
        key = json.dumps(extra, sort_keys=True)
        if key in self.engines:
            self.engines.move_to_end(key)
        else:
            while self.keep is not None and len(self.engines) >= self.keep:
                self.engines.popitem(last=False)[1].close()
            self.engines[key] = load(self.modules, self.data, extra)
        return self.engines[key]

    def close(self):
        """Closes every engine still open."""
        while self.engines:
            self.engines.popitem()[1].close()

    def messages(self, policy, rule, document, overrides=None, request=None, inventory=None):
        """The set of `data.<policy>.<rule>` (a policy's ``deny`` or ``warn``) for `document`,
        empty where it is undefined."""
        try:
            engine = self.engine(policy, overrides, request, inventory=inventory)
            return set(engine.eval_document(f"{policy}.{rule}", document))
        except OpaUndefinedError:
            return set()
