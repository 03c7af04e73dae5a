#!/usr/bin/env bash
# govc's generated ConstraintTemplates (examples/k8s-baseline) against gatekeeper-library's own
# Rego, on the real OPA engine, case by case of the peer suite: median latency ratio per policy,
# geometric mean, Rego and template sizes (see benches/peer_vs_library.py).
#
#   bash benches/peer_vs_library.sh LIBRARY [RUNS]
#
# LIBRARY is a checkout of open-policy-agent/gatekeeper-library at the commit the peer README
# names (5c441fb645f257b2c428fe9aea22da24a94b5bab); nothing of it is committed here. For example:
#   git clone https://github.com/open-policy-agent/gatekeeper-library /tmp/gklib
#   git -C /tmp/gklib checkout 5c441fb645f257b2c428fe9aea22da24a94b5bab
# The generated Rego does not depend on how govc itself was compiled, so a debug build is used.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ $# -lt 1 || ! -d "$1/library" ]]; then
    echo "usage: bash benches/peer_vs_library.sh LIBRARY [RUNS]  (LIBRARY: a gatekeeper-library checkout)" >&2
    exit 2
fi
LIBRARY=$1
RUNS=${2:-200}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/govc-peer-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cargo build --quiet
target/debug/govc build --quiet examples/k8s-baseline --out "$WORK/out"
.venv/bin/python benches/peer_vs_library.py "$LIBRARY" --out "$WORK/out" --runs "$RUNS"
