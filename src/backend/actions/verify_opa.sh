# Refuses any opa but the official static build of the pinned release: setup-opa downloads it
# over HTTPS, this checks its SHA-256 against the one published with the release.
set -euo pipefail
if ! opa_path=$(command -v opa); then
    echo "::error title=governance check::opa is not on the PATH"
    exit 1
fi
actual=$(sha256sum -- "$opa_path" | cut -d ' ' -f 1)
if [[ $actual != "$OPA_SHA256" ]]; then
    echo "::error title=governance check::the opa on the PATH is not the official OPA $OPA_VERSION build (sha256 $actual, expected $OPA_SHA256)"
    exit 1
fi
echo "opa is the official OPA $OPA_VERSION build (sha256 $actual)"
opa version
