#!/usr/bin/env bash
# The full test suite, as CI runs it (`.ci/run` = scripts/setup-python.sh, then this):
#
#   1. cargo fmt --check
#   2. cargo clippy --all-targets -- -D warnings
#   3. cargo test                 (unit, snapshot and spec tests)
#   4. the bounded differential run: random programs and documents judged by regorus and by OPA
#      (tests/differential.rs; a fixed seed and count, about two minutes)
#   5. for every tests/conformance/*.json: `govc build` the project it names, `govc test` it, then
#      tests/opa/conformance.py runs the cases and the bundle's compiled tests in OPA itself
#
# Every step runs even when an earlier one failed (except those that need a build that failed),
# so one run shows every problem; the exit status is non-zero when any step failed. The Python
# tools come from .venv (scripts/setup-python.sh): when they are missing this fails, never skips.
#
# Profile: debug by default, GOVC_TEST_PROFILE=release for an optimised run. On the 2-core CI
# machine a clean debug build of the tests took 282 s against 581 s in release. The govc binary
# the conformance steps run is the one `cargo test` builds for the integration tests (same
# sources): `cargo run`/`cargo build` resolve the dependencies' features without the
# dev-dependencies, which would recompile regorus and its dependants once more (388 s in release).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

if [[ ! -x "$PY" ]] || ! "$PY" -c 'import opa_bindings, yaml' >/dev/null 2>&1; then
    echo "test.sh: error: the Python tools are not installed in $VENV; run: bash scripts/setup-python.sh" >&2
    exit 1
fi
export PATH="$VENV/bin:$PATH"
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
if [[ ${CI:-} == true ]]; then
    # A CI build is compiled once and thrown away: no incremental state and line tables only
    # (panics and backtraces still name the line). The target directory is about a third of a
    # developer's, which matters on a CI machine with little disk (a run once failed with ENOSPC).
    export CARGO_INCREMENTAL=0
    export CARGO_PROFILE_DEV_DEBUG=${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}
fi

case "${GOVC_TEST_PROFILE:-debug}" in
    debug) PROFILE=() ;;
    release) PROFILE=(--release) ;;
    *)
        echo "test.sh: error: GOVC_TEST_PROFILE must be debug or release" >&2
        exit 2
        ;;
esac

OUT=$(mktemp -d "${TMPDIR:-/tmp}/govc-test.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

FAILED=()
STEPS=0
SUITE_START=$(date +%s)

# step NAME COMMAND...: runs one step, reports its time, and records a failure.
step() {
    local name=$1
    shift
    STEPS=$((STEPS + 1))
    echo
    echo "==> $name"
    local start rc
    start=$(date +%s)
    "$@"
    rc=$?
    echo "--> $name: $([[ $rc -eq 0 ]] && echo ok || echo "FAILED (exit $rc)") in $(($(date +%s) - start))s"
    if [[ $rc -ne 0 ]]; then
        FAILED+=("$name")
    fi
    return $rc
}

# step_bg NAME COMMAND...: starts a step in the background, its output kept until `steps_wait`
# reports it like `step` (the machine's second core runs it beside the next steps).
BACKGROUND=()
step_bg() {
    local name=$1
    shift
    local log="$OUT/background-${#BACKGROUND[@]}.log"
    (
        start=$(date +%s)
        "$@" >"$log" 2>&1
        echo "$? $(($(date +%s) - start))" >"$log.status"
    ) &
    BACKGROUND+=("$!|$name|$log")
}

# steps_wait: waits for the steps started by `step_bg` and reports each, in order.
steps_wait() {
    local entry pid name log rc seconds
    for entry in "${BACKGROUND[@]}"; do
        IFS='|' read -r pid name log <<<"$entry"
        wait "$pid"
        STEPS=$((STEPS + 1))
        echo
        echo "==> $name"
        cat "$log"
        read -r rc seconds <"$log.status" || rc=1
        echo "--> $name: $([[ $rc -eq 0 ]] && echo ok || echo "FAILED (exit $rc)") in ${seconds:-?}s"
        if [[ $rc -ne 0 ]]; then
            FAILED+=("$name")
        fi
    done
    BACKGROUND=()
}

# Builds the tests (and with them the govc binary); writes the binary's path to $OUT/govc-path.
build_tests() {
    cargo test --locked "${PROFILE[@]}" --no-run --message-format=json-render-diagnostics >"$OUT/cargo-build.json" || return
    "$PY" - "$OUT/cargo-build.json" >"$OUT/govc-path" <<'PYEOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if not line.startswith("{"):
        continue
    m = json.loads(line)
    t = m.get("target", {})
    if m.get("reason") == "compiler-artifact" and t.get("name") == "govc" and "bin" in t.get("kind", []) \
            and not m["profile"]["test"] and m.get("executable"):
        print(m["executable"])
        sys.exit(0)
sys.exit("test.sh: cargo test built no govc binary")
PYEOF
}

step "cargo fmt --check" cargo fmt --check
step "cargo clippy" cargo clippy --locked --all-targets -- -D warnings
if step "cargo test: build" build_tests; then
    GOVC=$(cat "$OUT/govc-path")
    step "cargo test" cargo test --locked "${PROFILE[@]}" --no-fail-fast
    # Issue 10: the same decisions on both engines, for random programs and documents.
    step "differential: regorus and OPA on random programs (seed 1, 50 programs)" \
        env GOVC_DIFF_SEED=1 GOVC_DIFF_PROGRAMS=50 \
        cargo test --locked "${PROFILE[@]}" --test differential -- --ignored --nocapture

    shopt -s nullglob
    CASE_FILES=(tests/conformance/*.json)
    if [[ ${#CASE_FILES[@]} -eq 0 ]]; then
        echo "test.sh: error: no conformance cases in tests/conformance/*.json" >&2
        FAILED+=("conformance: no case files")
    fi
    for cases in "${CASE_FILES[@]}"; do
        name=$(basename "$cases" .json)
        if ! project=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["project"])' "$cases"); then
            FAILED+=("$name: unreadable $cases")
            continue
        fi
        step "$name: govc build $project" "$GOVC" build "$project" --out "$OUT/$name" || continue
        step "$name: govc test $project" "$GOVC" test "$project"
        step "$name: OPA conformance cases" "$PY" tests/opa/conformance.py --bundle "$OUT/$name/bundle" --cases "$cases"
        step "$name: OPA runs the compiled tests" "$PY" tests/opa/conformance.py --bundle "$OUT/$name/bundle" --opa-test
        # GitHub Actions (issue 5): actionlint and GitHub's workflow schemas check the workflow of
        # every project here in `cargo test` (tests/actions.rs), not again here.
        # Kubernetes (issue 4): CRDs, Gatekeeper templates and Constraints, in both Rego forms.
        if [[ -d "$OUT/$name/k8s/gatekeeper/templates" ]]; then
            step "$name: govc build --gatekeeper-rego v0" "$GOVC" build "$project" --out "$OUT/$name-v0" --gatekeeper-rego v0
            DOCS=()
            for dir in "$project/deploy" "$project/datasets"; do
                [[ -d "$dir" ]] && DOCS+=(--documents "$dir")
            done
            # Sample manifests of core kinds (issue 11) are valid Kubernetes objects themselves.
            if [[ -f "$project/deploy/.kubernetes-validate" ]]; then
                step "$name: kubernetes-validate --strict (sample manifests)" kubernetes-validate --strict --quiet "$project"/deploy/*.yaml
            fi
            for out in "$OUT/$name" "$OUT/$name-v0"; do
                form=$([[ $out == *-v0 ]] && echo v0 || echo v1)
                # A project on core kinds only (external resources) owns no CRD.
                if [[ -d "$out/k8s/crds" ]]; then
                    step "$name: kubernetes-validate --strict (CRDs, $form)" kubernetes-validate --strict --quiet "$out"/k8s/crds/*.yaml
                fi
                # Only here (jsonschema against the vendored CRD); tests/k8s.rs does not repeat it.
                step "$name: Gatekeeper's schemas ($form)" "$PY" tests/validate/k8s_manifests.py --k8s "$out/k8s" \
                    --gatekeeper-crd "$ROOT/tests/vendor/shared/schemas/gatekeeper/constrainttemplate-customresourcedefinition.yaml"
                # The v1 form in the background, beside the v0 form's steps (the slowest steps).
                run=step
                [[ $form == v1 ]] && run=step_bg
                "$run" "$name: Gatekeeper conformance on OPA ($form)" "$PY" tests/k8s/gatekeeper_conformance.py --out "$out" \
                    --cases "$cases" "${DOCS[@]}"
            done
            steps_wait
        fi
        # ValidatingAdmissionPolicies (issue 12): valid manifests, and the same decisions on
        # Google's CEL runtime as the bundle's on OPA for every case of a policy enforced in CEL.
        if [[ -d "$OUT/$name/k8s/vap/policies" ]]; then
            step "$name: kubernetes-validate --strict (VAPs, bindings, params CRDs)" kubernetes-validate --strict --quiet \
                "$OUT/$name"/k8s/vap/policies/*.yaml "$OUT/$name"/k8s/vap/bindings/*.yaml "$OUT/$name"/k8s/vap/params/crds/*.yaml
            step "$name: VAP differential: CEL runtime vs OPA" "$PY" tests/cel/vap_differential.py --out "$OUT/$name" --cases "$cases"
        fi
    done
    # Issue 11: gatekeeper-library's own cases through the templates of examples/k8s-baseline, on
    # OPA (tests/peer_library.rs runs them on regorus in `cargo test`).
    if step "peer suite: govc build examples/k8s-baseline" "$GOVC" build examples/k8s-baseline --out "$OUT/peer"; then
        step "peer suite: gatekeeper-library cases on OPA" "$PY" tests/k8s/peer_library.py --out "$OUT/peer"
        # Issue 12: the same cases through the ValidatingAdmissionPolicies on Google's CEL runtime,
        # with the same messages as the templates on OPA.
        step "peer suite: gatekeeper-library cases through the VAPs (CEL) and the templates (OPA)" \
            "$PY" tests/cel/vap_peer_library.py --out "$OUT/peer"
    fi
    # Front end (issue 2): `govc check --format sarif` validates against the SARIF 2.1.0 schema
    # (issue 17: also from a project in a subfolder, named from the repository root).
    step "SARIF 2.1.0 schema" "$PY" tests/validate/sarif.py --govc "$GOVC"
    # The command line (issue 17): JUnit reports, the report's escaping, and a scaffolded project.
    step "govc test --format junit: JUnit schema" "$PY" tests/validate/junit.py --govc "$GOVC"
    step "govc report: Markdown (cmark-gfm) and HTML stay inert" "$PY" tests/validate/report_markdown.py --govc "$GOVC"
    if step "govc init: a new project" "$GOVC" init --quiet "$OUT/init/new-project" \
        && step "govc init: the new project builds" "$GOVC" build --quiet "$OUT/init/new-project"; then
        step "govc init: actionlint" "$VENV/bin/actionlint" -no-color "$OUT/init/new-project/dist/.github/workflows/governance.yml"
        step "govc init: kubernetes-validate --strict (CRDs)" kubernetes-validate --strict --quiet "$OUT"/init/new-project/dist/k8s/crds/*.yaml
    fi
    # Editor (issue 6): that the repository's `.gov` files are formatted is checked by `cargo test`
    # (tests/fmt.rs), not again here.
    # Editors (issue 17): Neovim and Emacs (eglot) against the real server, headless.
    step "editors/neovim: nvim --headless" env GOVC="$GOVC" bash editors/neovim/test.sh
    step "editors/emacs: emacs --batch with eglot" env GOVC="$GOVC" bash editors/emacs/test.sh
    # Audit (issue 7): the decision-log mask rules on the real OPA engine.
    if step "audit: govc build examples/ai-governance" "$GOVC" build examples/ai-governance --out "$OUT/audit"; then
        step "audit: OPA evaluates the mask rules, alone and composed" "$PY" tests/audit/mask_opa.py --bundle "$OUT/audit/bundle" \
            --cases tests/audit/mask_cases.json
    fi
    # Audit trail (issue 14): decisions from `govc eval` and from OPA (masked as OPA's decision
    # logger masks them) and Gatekeeper audit results, ingested twice, verified, tampered with,
    # reported in md/html/json, the HTML rendered in Chromium.
    step "audit trail: end to end with OPA and Chromium" "$PY" tests/audit/e2e.py --govc "$GOVC" \
        --work "$OUT/audit-e2e" ${GOVC_SCREENSHOT_DIR:+--screenshot "$GOVC_SCREENSHOT_DIR/audit-evidence.png"}
fi

# The VS Code extension (issue 6): npm ci, tsc, esbuild, grammar tests, vsce package; with a govc
# built, the extension in a real VS Code (code-server) driven by Chromium (issue 17).
step "editors/vscode" env GOVC="${GOVC:-}" bash editors/vscode/test.sh

echo
echo "test.sh: $STEPS steps in $(($(date +%s) - SUITE_START))s"
if [[ ${#FAILED[@]} -gt 0 ]]; then
    echo "test.sh: FAILED steps:"
    printf '  - %s\n' "${FAILED[@]}"
    exit 1
fi
echo "test.sh: every step passed"
