#!/usr/bin/env bash
# govc build vs OPA: generates the synthetic project of the front-end benchmark (100k lines by
# default), times `govc build` on it (wall time and peak memory, median of 3), and times the real
# OPA engine loading and compiling the bundle govc wrote (tests/opa/opa_compile_time.py).
#
#   bash benches/build_vs_opa.sh [LINES]        (needs .venv from scripts/setup-python.sh)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
LINES=${1:-100000}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/govc-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
GOVC_BENCH_DIR="$WORK" cargo bench --quiet --bench check_throughput -- "$LINES" >/dev/null
PROJECT="$WORK/lines-$LINES"
cargo build --quiet --release
echo "project: $(find "$PROJECT" -name '*.gov' | xargs cat | wc -l) lines in $(find "$PROJECT" -name '*.gov' | wc -l) files"
# Wall time and peak resident memory (ru_maxrss of the child) of each run, via Python's
# resource module: no dependency on GNU time.
for run in 1 2 3; do
    .venv/bin/python -c '
import resource, subprocess, sys, time
t = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stderr=subprocess.DEVNULL)
print(f"{time.perf_counter() - t:.3f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
' target/release/govc build "$PROJECT" --out "$WORK/out" >"$WORK/time-$run"
done
sort -n "$WORK"/time-* | sed -n 2p | awk '{printf "govc build: %.2f s wall (median of 3), peak memory %.0f MiB\n", $1, $2 / 1024}'
echo "bundle: $(du -sh "$WORK/out/bundle" | cut -f1), $(find "$WORK/out/bundle" -name '*.rego' | wc -l) Rego files"
.venv/bin/python tests/opa/opa_compile_time.py "$WORK/out/bundle"
