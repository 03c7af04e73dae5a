#!/usr/bin/env bash
# Runs Neovim headless with editors/neovim against a real `govc lsp`: diagnostics arrive, go
# after an edit, and signature help and highlights answer (test/lsp_test.lua). Needs `nvim`
# (0.7 or later; scripts/setup-system.sh installs Debian's) and GOVC, the govc binary to test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

: "${GOVC:?set GOVC to the govc binary to test}"
if ! command -v nvim >/dev/null 2>&1; then
    echo "editors/neovim: error: nvim is not installed; run: bash scripts/setup-system.sh" >&2
    exit 1
fi
project=$(mktemp -d)
trap 'rm -rf "$project"' EXIT
cp ../testdata/main.gov "$project/"
# A cache of its own: the server writes the stdlib below $XDG_CACHE_HOME.
GOVC=$GOVC PROJECT=$project XDG_CACHE_HOME="$project/.cache" \
    timeout 120 nvim --headless -u NONE -i NONE -n -c "luafile test/lsp_test.lua"
