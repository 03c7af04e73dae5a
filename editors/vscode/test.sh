#!/usr/bin/env bash
# Builds and checks the VS Code extension: installs the locked dependencies, type-checks the
# TypeScript client and bundles it with esbuild, runs the TextMate grammar tests (assertions in
# test/*.gov, snapshots of test/snap/*.gov), and packages a .vsix into a temporary directory,
# checking that it holds the bundle and nothing from node_modules (nothing is left in the source
# tree but node_modules/ and out/).
#
# With GOVC=/path/to/govc, also runs the extension in a real VS Code (code-server) driven by
# Chromium: e2e/run.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

npm ci --no-audit --no-fund
npm run --silent compile
npx vscode-tmgrammar-test "test/*.gov"
npx vscode-tmgrammar-snap "test/snap/*.gov"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npx vsce package --out "$out/govc.vsix" 2>&1 | tee "$out/vsce.log"
test -s "$out/govc.vsix"
if grep -q "WARNING" "$out/vsce.log"; then
    echo "editors/vscode: error: vsce warns (see above)" >&2
    exit 1
fi
files=$(unzip -Z1 "$out/govc.vsix")
if grep -q "node_modules/" <<<"$files" || ! grep -qx "extension/out/extension.js" <<<"$files"; then
    echo "editors/vscode: error: the .vsix is not the bundle alone:" >&2
    echo "$files" >&2
    exit 1
fi
echo "editors/vscode: bundled, grammar tests passed, packaged $(du -h "$out/govc.vsix" | cut -f1) .vsix ($(wc -l <<<"$files") files)"

if [[ -n "${GOVC:-}" ]]; then
    bash e2e/run.sh "$out/govc.vsix"
fi
