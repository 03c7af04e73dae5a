# Runs the Rego tests compiled from the project's `test` blocks, in OPA itself.
set -euo pipefail
bundle=$(jq -r '.bundle // ""' <<<"$GOVC_PLAN")
if [[ ! -f $bundle/.manifest ]]; then
    jq -rn --arg bundle "$bundle" \
        '"::error title=governance check::there is no compiled bundle at \($bundle | gsub("%"; "%25") | gsub("\r"; "%0D") | gsub("\n"; "%0A")): run govc build and commit its output"'
    exit 1
fi
# A relative path is given as ./path, so it cannot be read as a flag.
[[ $bundle == /* ]] || bundle=./$bundle
opa test --bundle "$bundle"
