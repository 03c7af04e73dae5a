#!/usr/bin/env python3
"""Validates `govc test --format junit` against a JUnit XML schema, as CI test reporters read it.

Runs `govc test --format junit` on the example project (every test passes) and on a project with
a failing test whose name and messages hold XML's special characters, validates both reports with
`xmlschema` against the JUnit schema of Jenkins' xUnit plugin (vendored as junit-10.xsd), and
checks the counts and the failure against what govc printed.

    pip install xmlschema==4.3.2
    python3 tests/validate/junit.py --govc target/debug/govc

Exits non-zero on any failure.
"""

import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))
import harness  # noqa: E402  (tests/common/harness.py)

xmlschema = harness.require("xmlschema")

CRATE = Path(__file__).resolve().parents[2]
SCHEMA = Path(__file__).with_name("junit-10.xsd")

FAILING = """package t

import std.ai.{Dataset}

policy pii {
  subject d: Dataset
  deny "dataset {d.name} has <PII> & more" when d.contains_pii
}

test "a dataset with PII is denied" {
  expect denied pii(Dataset { name: "x", contains_pii: true, encryption: { at_rest: true, in_transit: true }, sources: [] })
}

test "a \\"quoted\\" <name> & an expected message that is wrong" {
  expect denied pii(Dataset { name: "x", contains_pii: true, encryption: { at_rest: true, in_transit: true }, sources: [] }) with "wrong"
}
"""


def junit(govc: Path, project: Path, expected_exit: int, failures: list) -> ET.Element | None:
    run = subprocess.run([str(govc), "test", "--format", "junit", str(project)], capture_output=True, text=True)
    if run.returncode != expected_exit:
        failures.append(f"{project}: exit code {run.returncode}, expected {expected_exit}\n{run.stderr}")
        return None
    schema = xmlschema.XMLSchema(str(SCHEMA))
    errors = list(schema.iter_errors(run.stdout))
    if errors:
        failures.append(f"{project}: not valid against {SCHEMA.name}:\n" + "\n".join(str(e) for e in errors[:5]))
        return None
    return ET.fromstring(run.stdout)


def main() -> int:
    govc = harness.govc_argument(__doc__)
    failures = []
    passing = junit(govc, CRATE / "examples" / "ai-governance", 0, failures)
    if passing is not None:
        cases = passing.findall("./testsuite/testcase")
        if not cases or passing.get("failures") != "0" or passing.get("tests") != str(len(cases)):
            failures.append(f"example: {len(cases)} test cases, attributes {passing.attrib}")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "t.gov").write_text(FAILING)
        failing = junit(govc, Path(tmp), 1, failures)
    if failing is not None:
        cases = failing.findall("./testsuite/testcase")
        failed = [c for c in cases if c.find("failure") is not None]
        if (len(cases), len(failed), failing.get("failures")) != (2, 1, "1"):
            failures.append(f"failing project: {len(cases)} cases, {len(failed)} failed, {failing.attrib}")
        elif failed[0].get("name") != 'a "quoted" <name> & an expected message that is wrong':
            failures.append(f"the failed test's name did not survive: {failed[0].get('name')!r}")
        elif "dataset x has <PII> & more" not in (failed[0].find("failure").text or ""):
            failures.append(f"the failure does not show the actual denial: {failed[0].find('failure').text!r}")
    return harness.conclude(failures, f"2 JUnit reports valid against {SCHEMA.name}")


if __name__ == "__main__":
    sys.exit(main())
