# The running workflow must be the one govc built, byte for byte: a copy left behind after a
# rebuild would check stale globs with stale policies.
set -euo pipefail
annotate() {
    jq -rn --arg level "$1" --arg message "$2" \
        '"::\($level) title=governance check::\($message | gsub("%"; "%25") | gsub("\r"; "%0D") | gsub("\n"; "%0A"))"'
}
built=$(jq -r '.workflow // ""' <<<"$GOVC_PLAN")
running=${GITHUB_WORKFLOW_REF:-}
running=${running#"${GITHUB_REPOSITORY:-}/"}
running=${running%%@*}
if [[ -z $running || ! -f $running ]]; then
    annotate warning "cannot tell which workflow file is running: it was not compared with the build output $built"
    exit 0
fi
if [[ ! -f $built ]]; then
    annotate error "the build output $built is not in the repository: commit the whole output of govc build"
    exit 1
fi
if ! cmp -s -- "$running" "$built"; then
    annotate error "$running is not the workflow govc built ($built): copy it again after govc build (see docs/ci.md)"
    exit 1
fi
echo "$running is the workflow govc built"
