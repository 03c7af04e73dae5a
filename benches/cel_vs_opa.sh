#!/usr/bin/env bash
# CEL vs OPA: the latency of one admission decision per conformance case, through the
# ValidatingAdmissionPolicy on Google's CEL runtime (cel-expr-python) and through the policy's
# Rego on OPA (opa-golib-python-bindings), for every policy the example enforces with
# `engine = cel` or `both`. Prints the median of N runs per case, then per policy.
#
#   bash benches/cel_vs_opa.sh [RUNS] [EXAMPLE]   (needs .venv from scripts/setup-python.sh)
#
# EXAMPLE is a folder of examples/ with its cases in tests/conformance/EXAMPLE.json (default
# ai-governance; k8s-baseline for the Kubernetes baseline), or `peer`: gatekeeper-library's own
# cases through the library policies of examples/k8s-baseline enforced in CEL, the VAP on the CEL
# runtime next to the ConstraintTemplate's `violation` on OPA (tests/cel/vap_peer_library.py).
# GOVC=path uses that govc to build the outputs instead of a release build (what is timed does
# not run govc).
#
# Both engines are called in-process from Python, so each figure includes the same kind of
# overhead: converting the document into the engine (once per decision, as the API server and
# OPA do) and the call itself. The CEL side evaluates every variable and validation of the VAP
# (and of its `-warn` VAP), the OPA side the policy's `deny` and `warn`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS=${1:-200}
EXAMPLE=${2:-ai-governance}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/govc-cel-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
if [[ -z ${GOVC:-} ]]; then
    cargo build --quiet --release
    GOVC=target/release/govc
fi
if [[ $EXAMPLE == peer ]]; then
    "$GOVC" build --quiet examples/k8s-baseline --out "$WORK/out"
    .venv/bin/python tests/cel/vap_peer_library.py --out "$WORK/out" --bench "$RUNS"
    exit
fi
"$GOVC" build --quiet "examples/$EXAMPLE" --out "$WORK/out"
.venv/bin/python tests/cel/vap_differential.py --out "$WORK/out" \
    --cases "tests/conformance/$EXAMPLE.json" --bench "$RUNS" | grep -v '^ok '
