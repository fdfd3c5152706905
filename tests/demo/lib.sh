# tests/demo/lib.sh: what the parts of `make demo` (tests/demo/*.sh) share.
# Sourced (not run) after `set -eu`, with demo set to the part's name:
#
#   demo=pd
#   . "$(dirname "$0")/lib.sh"
#
# Goes to the top of the tree and loads the build's environment (BUILD,
# default build); sets LUA (default lua5.1), work (a fresh directory
# /tmp/gwkit-$demo-demo.XXXXXX the mail stack can deliver into), and
# defines say, fail and wait_for. A part may define fail_details (what
# to show on stderr before fail exits).
# shellcheck shell=sh
: "${demo:?set demo before sourcing tests/demo/lib.sh}"
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
eval "$(make -s env BUILD="${BUILD:-build}")"
LUA=${LUA:-lua5.1}
work=$(mktemp -d "/tmp/gwkit-$demo-demo.XXXXXX")
chmod 755 "$work"    # the mail stack delivers as nobody

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() {
    printf '\n%s demo FAILED: %s\n' "$demo" "$*" >&2
    if command -v fail_details >/dev/null 2>&1; then fail_details; fi
    exit 1
}
# wait_for SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds.
wait_for() {
    _w=$(($1 * 5)); shift
    while [ "$_w" -gt 0 ]; do
        if "$@"; then return 0; fi
        sleep 0.2; _w=$((_w - 1))
    done
    return 1
}
