"""What the Python harnesses of tests/ share (tests/opa, tests/k8s, tests/cel, tests/validate,
tests/audit): their exit statuses, the usage error and the missing tool, reading a YAML or JSON
input, and the tally of verdicts they print.

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "common"))
    import harness  # tests/common/harness.py; then opa_bundle, gatekeeper_template, ... import too

    verdicts = harness.Verdicts()
    verdicts.record(name, problems)  # `ok NAME`, or `FAIL NAME` and one indented line a problem
    return verdicts.conclude()       # `N passed, N failed`; 0, or 1 (EXIT_FAILED) on a failure

A harness whose checks end in one list of failures (tests/validate/junit.py, sarif.py,
report_markdown.py) returns `harness.conclude(failures, success_line)`.

Importing this module also makes the modules the harnesses share importable: tests/opa
(`opa_bundle`), tests/k8s (`gatekeeper_template`, `peer_library`) and tests/cel
(`vap_differential`).
"""

import argparse
import importlib
import json
import os
import sys
from pathlib import Path

for folder in ("opa", "k8s", "cel"):
    shared = os.path.normpath(os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", folder))
    if shared not in sys.path:
        sys.path.append(shared)

# A failure of what is under test.
EXIT_FAILED = 1
# A usage error: wrong arguments, an unreadable input, a missing tool (never a skip).
EXIT_USAGE = 2


class UsageError(Exception):
    """The harness was called wrongly or cannot read an input (exit status 2)."""


def error(message, status=EXIT_USAGE):
    """Prints `error: MESSAGE` on standard error; the exit status to end with."""
    print(f"error: {message}", file=sys.stderr)
    return status


def govc_argument(doc):
    """The resolved path of `--govc PATH`, the one argument of a harness that runs govc."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--govc", required=True, help="the govc binary")
    return Path(parser.parse_args().govc).resolve()


def missing_tool(exc):
    """Ends the harness when a Python package it needs is not installed: a failure, never a skip."""
    sys.exit(error(f"{exc}; run scripts/setup-python.sh"))


def require(module):
    """The module of that name, imported; when it (or what it imports) is missing, the harness
    ends as `missing_tool` says."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing_tool(exc)


def load_yaml(path):
    """The one YAML document of a file; a UsageError naming the file when it cannot be read."""
    yaml = require("yaml")  # only the harnesses that read YAML need PyYAML
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"{path}: {exc}") from None


def load_json(path):
    """The JSON document of a file; a UsageError naming the file when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: {exc}") from None


class Verdicts:
    """The verdicts of a run, printed as they come: `ok NAME`, or `FAIL NAME` followed by one
    indented line a problem; then a summary line."""

    def __init__(self):
        self.passed = self.failed = 0

    def record(self, name, problems=(), quiet=False):
        """One verdict: it passes when `problems` is empty (`quiet`: no `ok` line for it).
        Whether it passed."""
        if problems:
            self.failed += 1
            print(f"FAIL {name}")
            for p in problems:
                print(f"  {p}")
            return False
        self.passed += 1
        if not quiet:
            print(f"ok {name}")
        return True

    def check(self, name, ok, detail=""):
        """One verdict on a condition, with what to show when it does not hold."""
        return self.record(name, [] if ok else [detail or "does not hold"])

    def conclude(self, what="", more="", at_least_one=False):
        """Prints the summary, `[WHAT: ]N passed, N failed[, MORE]`; the exit status: 0 when
        nothing failed (and, with `at_least_one`, something passed), else EXIT_FAILED."""
        print(f"{what + ': ' if what else ''}{self.passed} passed, {self.failed} failed{', ' + more if more else ''}")
        return EXIT_FAILED if self.failed or (at_least_one and not self.passed) else 0


def conclude(failures, success):
    """The end of a harness whose checks collect failures: the failures on standard error and
    EXIT_FAILED, or the success line and 0."""
    if failures:
        print("\n".join(failures), file=sys.stderr)
        return EXIT_FAILED
    print(success)
    return 0
