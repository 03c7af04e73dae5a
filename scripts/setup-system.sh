#!/usr/bin/env bash
# Installs the system tools the test suite needs that are not Python packages, from Debian:
#   - chromium: renders the HTML controls report in tests/audit.rs, and drives VS Code
#     (code-server) in editors/vscode/e2e;
#   - neovim and emacs-nox (with elpa-eglot before Emacs 29): the editor tests in editors/;
#   - for code-server's native modules (editors/vscode/e2e): a C++ toolchain, pkg-config,
#     Kerberos headers, and ripgrep (the binary VS Code searches with).
# Idempotent; fails loudly when a tool cannot be installed (the tests need them and never skip).
set -euo pipefail

PACKAGES=(chromium neovim emacs-nox elpa-eglot build-essential pkg-config libkrb5-dev ripgrep)

missing=()
for package in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [[ ${#missing[@]} -gt 0 ]]; then
    if [[ $(id -u) -ne 0 ]]; then
        echo "setup-system: error: missing ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
    echo "setup-system: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

fail() {
    echo "setup-system: error: $*" >&2
    exit 1
}
chromium --version >/dev/null 2>&1 || fail "chromium did not install"
nvim --version >/dev/null 2>&1 || fail "neovim did not install"
emacs --batch -Q --eval '(progn (require (quote package)) (add-to-list (quote package-directory-list) "/usr/share/emacs/site-lisp/elpa") (package-initialize) (require (quote eglot)))' \
    >/dev/null 2>&1 || fail "emacs cannot load eglot"
echo "setup-system: $(chromium --version 2>/dev/null); $(nvim --version | head -1); $(emacs --version | head -1) with eglot"
