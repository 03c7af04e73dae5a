#!/usr/bin/env bash
# Builds and checks the VS Code extension: installs the locked dependencies, compiles the
# TypeScript client, runs the TextMate grammar tests, and packages a .vsix into a temporary
# directory (nothing is left in the source tree but node_modules/ and out/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

npm ci --no-audit --no-fund
npx tsc -p ./
npx vscode-tmgrammar-test "test/*.gov"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npx vsce package --out "$out/govc.vsix"
test -s "$out/govc.vsix"
echo "editors/vscode: compiled, grammar tests passed, packaged $(du -h "$out/govc.vsix" | cut -f1) .vsix"
