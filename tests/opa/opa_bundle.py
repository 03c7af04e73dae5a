"""A bundle directory written by `govc build`, read and loaded into the real OPA engine
(`opa_bindings`, the OPA Go library, from PyPI's opa-golib-python-bindings): the one loader of
the Python test helpers (tests/opa, tests/audit, tests/k8s, tests/cel, tests/actions/fake-opa,
benches).

    modules, data = opa_bundle.read("OUT/bundle")
    engine = opa_bundle.load(modules, data)

Scripts outside tests/opa put this directory on `sys.path` first (see theirs).
"""

import json
import os

from opa_bindings import OpaEngine, OpaError


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
