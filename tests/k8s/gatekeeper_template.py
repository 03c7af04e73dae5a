"""A Gatekeeper ConstraintTemplate in the real OPA engine (`opa_bindings`, the OPA Go library), as
Gatekeeper compiles it: its Rego and libs in an engine of its own, queried for `violation`. The
one way the Python harnesses run a template (tests/k8s/gatekeeper_conformance.py,
tests/k8s/peer_library.py, benches/peer_vs_library.py); `tests/common/gatekeeper.rs` is the same
on regorus.

    rego, libs = gatekeeper_template.rego_of(template_yaml)
    compiled = gatekeeper_template.Compiled("k8srequiredlabels.yaml", rego, libs)
    messages = compiled.violations({"review": ..., "parameters": ...})
"""

from opa_bindings import OpaEngine, OpaError, OpaUndefinedError


class TemplateError(Exception):
    """OPA rejects a module of the template."""


def rego_of(template):
    """The Rego and libs of a ConstraintTemplate document: under `code` (engine `Rego`) for a
    template with several engines (Rego v1), else under `rego` and `libs` (v0)."""
    target = template["spec"]["targets"][0]
    source = next((c["source"] for c in target.get("code", []) if c["engine"] == "Rego"), target)
    return source["rego"], list(source.get("libs", []))


def package_of(rego):
    """The package a Rego module declares."""
    return next(line[len("package "):].strip() for line in rego.splitlines() if line.startswith("package "))


class Compiled:
    """A template's Rego and libs compiled by OPA on their own."""

    def __init__(self, name, rego, libs):
        self.rego, self.libs = rego, list(libs)
        self.package = package_of(rego)
        self.engine = OpaEngine()
        for module, text in [("template.rego", rego)] + [(f"lib_{i}.rego", lib) for i, lib in enumerate(self.libs)]:
            try:
                self.engine.add_policy(module, text)
            except OpaError as exc:
                raise TemplateError(f"OPA rejects {module} of {name}: {exc}") from None

    def violations(self, review_input, inventory=None):
        """The messages of `violation` for the input, in OPA's order ([] where undefined), with
        `inventory` (Gatekeeper's synced objects) at `data.inventory` when given: in an engine of
        its own, as OPA deep-merges data."""
        engine = self.engine if inventory is None else self._with_data(inventory)
        try:
            value = engine.eval_document(f"{self.package}.violation", review_input)
        except OpaUndefinedError:
            return []
        finally:
            if engine is not self.engine:
                engine.close()
        return [v["msg"] for v in value]

    def _with_data(self, inventory):
        engine = OpaEngine()
        for module, text in [("template.rego", self.rego)] + [(f"lib_{i}.rego", lib) for i, lib in enumerate(self.libs)]:
            engine.add_policy(module, text)
        engine.add_data(inventory, path="inventory")
        return engine
