#!/usr/bin/env bash
# Runs Emacs in batch mode with gov-mode and eglot against a real `govc lsp`: diagnostics arrive
# in flymake, go after an edit, and signature help answers (test/eglot-test.el). Needs `emacs`
# with eglot (built in from Emacs 29; Debian bookworm's Emacs 28 takes elpa-eglot, which
# scripts/setup-system.sh installs) and GOVC, the govc binary to test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

: "${GOVC:?set GOVC to the govc binary to test}"
if ! command -v emacs >/dev/null 2>&1; then
    echo "editors/emacs: error: emacs is not installed; run: bash scripts/setup-system.sh" >&2
    exit 1
fi
project=$(mktemp -d)
trap 'rm -rf "$project"' EXIT
cp ../testdata/main.gov "$project/"
# eglot's own progress goes to stderr; the transcript is on stdout.
GOVC=$GOVC PROJECT=$project XDG_CACHE_HOME="$project/.cache" HOME="$project" \
    timeout 120 emacs --batch -Q -l test/eglot-test.el 2>"$project/stderr" || {
    rc=$?
    cat "$project/stderr" >&2
    exit $rc
}
