#!/usr/bin/env bash
# Installs the system tools the test suite needs that are not Python packages: Debian's Chromium,
# which renders the HTML controls report in tests/audit.rs. Idempotent; fails loudly when the
# tool cannot be installed (the test needs it and never skips).
set -euo pipefail

have_chromium() {
    command -v chromium >/dev/null 2>&1 && chromium --version >/dev/null 2>&1
}

if have_chromium; then
    echo "setup-system: $(chromium --version)"
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "setup-system: error: chromium is missing; install it with: sudo apt-get install chromium" >&2
    exit 1
fi
echo "setup-system: installing chromium"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
have_chromium || { echo "setup-system: error: chromium did not install" >&2; exit 1; }
echo "setup-system: $(chromium --version)"
