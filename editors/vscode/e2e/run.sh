#!/usr/bin/env bash
# The govc extension in a real VS Code: installs code-server (VS Code in the browser, from npm)
# and playwright-core, installs the .vsix given as $1 into a fresh code-server, and runs
# extension.test.mjs, which drives it with the system's Chromium against GOVC (`govc lsp`).
#
# code-server's npm package builds native modules at install (a C++ toolchain, pkg-config and
# Kerberos headers: scripts/setup-system.sh) and would download ripgrep from GitHub: the ripgrep
# it wants is put in its download cache from Debian's `ripgrep` instead. The install is kept in
# e2e/node_modules and redone only when package-lock.json changes. With E2E_SCREENSHOTS=DIR, the
# screenshots the test takes at each step are kept there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

VSIX=$(realpath "${1:?usage: run.sh GOVC.vsix}")
: "${GOVC:?set GOVC to the govc binary to test}"
GOVC=$(realpath "$GOVC")
for tool in chromium rg c++ pkg-config; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "editors/vscode/e2e: error: $tool is not installed; run: bash scripts/setup-system.sh" >&2
        exit 1
    fi
done

work=$(mktemp -d)
server_pid=
cleanup() {
    if [[ -n ${E2E_SCREENSHOTS:-} ]]; then
        mkdir -p "$E2E_SCREENSHOTS"
        cp "$work"/*.png "$E2E_SCREENSHOTS"/ 2>/dev/null || true
    fi
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

stamp=node_modules/.govc-e2e-lock
if ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
    # @vscode/ripgrep's install looks in its cache before it downloads; code-server 4.100.3
    # pins @vscode/ripgrep 1.15.11 (lib/vscode/npm-shrinkwrap.json), which wants ripgrep 13.
    cache="$work/tmp/vscode-ripgrep-cache-1.15.11"
    mkdir -p "$work/tmp/rg" "$cache"
    cp "$(command -v rg)" "$work/tmp/rg/rg"
    tar czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$work/tmp/rg" rg
    nodedir=()
    [[ -f /usr/include/node/node.h ]] && nodedir=(npm_config_nodedir=/usr)
    echo "editors/vscode/e2e: installing code-server and playwright-core (native modules: a few minutes)"
    env TMPDIR="$work/tmp" npm_config_unsafe_perm=true npm_config_yes=true "${nodedir[@]}" \
        npm ci --no-audit --no-fund --loglevel=error >"$work/npm.log" 2>&1 || {
        tail -50 "$work/npm.log" >&2
        echo "editors/vscode/e2e: error: npm ci failed" >&2
        exit 1
    }
    cp package-lock.json "$stamp"
fi

export E2E_DIR="$work"
mkdir -p "$work/user/User" "$work/extensions" "$work/workspace/.vscode" "$work/workspace/bin"
cat >"$work/user/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none",
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false
}
JSON
printf 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n' >"$work/config.yaml"
server=(node_modules/.bin/code-server --config "$work/config.yaml" --user-data-dir "$work/user"
    --extensions-dir "$work/extensions")
"${server[@]}" --install-extension "$VSIX" >"$work/install.log" 2>&1 || {
    cat "$work/install.log" >&2
    exit 1
}

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
XDG_CACHE_HOME="$work/cache" "${server[@]}" --bind-addr "127.0.0.1:$port" --disable-telemetry \
    --disable-update-check --disable-workspace-trust "$work/workspace" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    if grep -q "HTTP server listening" "$work/server.log"; then
        break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        cat "$work/server.log" >&2
        echo "editors/vscode/e2e: error: code-server exited" >&2
        exit 1
    fi
    sleep 0.2
done

CODE_SERVER_URL="http://127.0.0.1:$port" GOVC="$GOVC" node --test --test-reporter=spec extension.test.mjs || {
    rc=$?
    echo "--- code-server log" >&2
    tail -40 "$work/server.log" >&2
    find "$work/user/logs" \( -name "*govc*" -o -name "*exthost*.log" \) -type f | while read -r log; do
        echo "--- $log" >&2
        tail -60 "$log" >&2
    done
    exit $rc
}
