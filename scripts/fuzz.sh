#!/usr/bin/env bash
# Coverage-guided fuzzing of govc with cargo-fuzz (libFuzzer), one target after the other:
#
#   bash scripts/fuzz.sh                  # every target for 60 s
#   bash scripts/fuzz.sh 600 check fmt    # these targets for 10 minutes each
#
# Targets (fuzz/fuzz_targets/):
#   check       parse + resolve + type-check one file with the stdlib: no panic, diagnostics in bounds
#   fmt         the formatter's round trip: same syntax tree after formatting, idempotent
#   pipeline    the whole build of a file that checks: the bundle loads in regorus, YAML/JSON parse
#   eval_input  `govc eval`'s JSON/YAML loader, then a compiled policy's decision on the document
#   lsp_reader  the language server's message reader: bounded memory, JSON-RPC errors
#
# A unit slower than 30 s is reported as a timeout (wall clock: on a loaded machine, rerun the saved
# input alone, `fuzz/target/x86_64-unknown-linux-gnu/release/TARGET FILE`, before trusting it).
# Corpora start from the repository's own files (examples/, stdlib/, tests/) and grow in
# fuzz/corpus/TARGET/; a crash is saved in fuzz/artifacts/TARGET/ and makes this script fail.
# Inputs are capped at 16 KiB and run on a 512 MiB stack (fuzz/src/lib.rs), as the compiler runs on
# its own large stack (src/limits.rs): far below the nesting and chain limits.
#
# Needs the nightly toolchain and cargo-fuzz: `rustup toolchain install nightly` and
# `cargo install cargo-fuzz`. The last lines print each target's executions, coverage and
# findings. On a shared machine run it under `nice`.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
SECONDS_PER_TARGET=60
if [[ $# -gt 0 && $1 =~ ^[0-9]+$ ]]; then
    SECONDS_PER_TARGET=$1
    shift
fi
ALL_TARGETS=(check fmt pipeline eval_input lsp_reader)
TARGETS=("$@")
[[ ${#TARGETS[@]} -eq 0 ]] && TARGETS=("${ALL_TARGETS[@]}")

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: error: needs cargo-fuzz on the nightly toolchain:" >&2
    echo "  rustup toolchain install nightly && cargo install cargo-fuzz" >&2
    exit 2
fi

# seed TARGET FILE...: copies files into the target's corpus, named after their path without a
# `.gov` extension (so `govc fmt --check .` and `govc check .` do not take them for sources).
seed() {
    local target=$1
    shift
    mkdir -p "fuzz/corpus/$target"
    local f
    for f in "$@"; do
        cp -n "$f" "fuzz/corpus/$target/seed-$(echo "${f#"$ROOT"/}" | tr '/.' '__')" 2>/dev/null || true
    done
}

# frame JSON: one LSP message as the client sends it.
frame() {
    printf 'Content-Length: %d\r\n\r\n%s' "${#1}" "$1"
}

seed_corpora() {
    local gov
    mapfile -t gov < <(find examples stdlib tests -name '*.gov' -type f | sort)
    for t in check fmt pipeline; do
        seed "$t" "${gov[@]}"
    done
    local docs
    mapfile -t docs < <(find examples tests/conformance -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -size -16k | sort)
    seed eval_input "${docs[@]}"
    mkdir -p fuzz/corpus/lsp_reader
    local example
    example=$(sed 's/\\/\\\\/g; s/"/\\"/g' examples/ai-governance/governance/data.gov | awk '{printf "%s\\n", $0}')
    {
        frame '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":null,"rootUri":"file:///w","capabilities":{}}}'
        frame '{"jsonrpc":"2.0","method":"initialized","params":{}}'
        frame "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{\"textDocument\":{\"uri\":\"file:///w/a.gov\",\"languageId\":\"gov\",\"version\":1,\"text\":\"$example\"}}}"
        frame '{"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///w/a.gov"},"position":{"line":3,"character":7}}}'
        frame '{"jsonrpc":"2.0","id":"s","method":"shutdown"}'
        frame '{"jsonrpc":"2.0","method":"exit"}'
    } >fuzz/corpus/lsp_reader/seed-session
    frame '[{"jsonrpc":"2.0","id":1,"method":"shutdown"}]' >fuzz/corpus/lsp_reader/seed-batch
    printf 'Content-Length: 99999999999\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}' >fuzz/corpus/lsp_reader/seed-huge
    frame '{"jsonrpc":"2.0","id":3,"result":null}' >fuzz/corpus/lsp_reader/seed-response
}

# Options per target: the .gov targets get the token dictionary; the reader a small memory cap
# (its memory must follow the bytes sent, never a claimed length).
options() {
    case $1 in
        check | fmt | pipeline) echo "-dict=fuzz/gov.dict" ;;
        lsp_reader) echo "-malloc_limit_mb=64" ;;
        *) echo "" ;;
    esac
}

seed_corpora
echo "fuzz.sh: building ${TARGETS[*]}"
for t in "${TARGETS[@]}"; do
    cargo +nightly fuzz build "$t" || exit 1
done

SUMMARY=()
FAILED=0
for t in "${TARGETS[@]}"; do
    echo
    echo "==> $t: ${SECONDS_PER_TARGET}s"
    mkdir -p fuzz/logs
    log="fuzz/logs/$t.log"
    before=$(find "fuzz/artifacts/$t" -type f 2>/dev/null | wc -l)
    # shellcheck disable=SC2046
    cargo +nightly fuzz run "$t" "fuzz/corpus/$t" -- \
        -max_total_time="$SECONDS_PER_TARGET" -max_len=16384 -timeout=30 -rss_limit_mb=2048 \
        -print_final_stats=1 $(options "$t") 2>&1 | tee "$log" | grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|ERROR|SUMMARY|Test unit written' || true
    after=$(find "fuzz/artifacts/$t" -type f 2>/dev/null | wc -l)
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
    corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
    findings=$((after - before))
    [[ $findings -gt 0 ]] && FAILED=1
    SUMMARY+=("$(printf '%-11s %10s execs  %-22s corpus %5d  new findings %d' "$t" "${execs:-?}" "${cov:-cov: ?}" "$corpus" "$findings")")
done

echo
echo "fuzz.sh: ${SECONDS_PER_TARGET}s per target"
printf '  %s\n' "${SUMMARY[@]}"
if [[ $FAILED -ne 0 ]]; then
    echo "fuzz.sh: crashes saved in fuzz/artifacts/ (reproduce: cargo +nightly fuzz run TARGET FILE)" >&2
    exit 1
fi
