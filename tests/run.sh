#!/bin/sh
# Runs the C known-answer tests and the busted specs; prints one summary
# line "N passed, N failed" at the end (CI reads it). Environment: LUA
# (lua5.1 or luajit), BUILD (build dir), GWKIT_ASAN=1 to preload the
# sanitizer runtimes into the interpreter, SPECS to pick spec files,
# RUNNER to run the C unit binaries through (e.g. "qemu-arm -L SYSROOT").
set -u
LUA=${LUA:-lua5.1}
RUNNER=${RUNNER:-}
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
log=$BUILD/test.log
mkdir -p "$BUILD"
: > "$log"
passed=0; failed=0

count() {   # count TAP lines of a file into passed/failed
    p=$(grep -c '^ok ' "$1"); f=$(grep -c '^not ok ' "$1")
    passed=$((passed + p)); failed=$((failed + f))
    grep '^not ok ' "$1" | sed 's/^/FAIL: /'
}

for t in "$BUILD"/unit/test_*; do
    [ -x "$t" ] || continue
    out=$BUILD/$(basename "$t").tap
    $RUNNER "$t" > "$out" 2>&1; rc=$?
    echo "unit $(basename "$t"): $(grep -c '^ok ' "$out") ok, $(grep -c '^not ok ' "$out") not ok"
    count "$out"
    # A crash or a non-zero exit without a "not ok" line is a failure too.
    if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$out"; then
        echo "FAIL: $(basename "$t") exited with $rc"; tail -5 "$out"; failed=$((failed + 1))
    fi
    cat "$out" >> "$log"
done

export LUA_PATH="$top/lua/?.lua;$top/lua/?/init.lua;$top/tests/spec/?.lua;;"
export LUA_CPATH="$top/$BUILD/?.so;;"
export GWKIT_TOP="$top" GWKIT_LUA="$LUA"
if [ "${GWKIT_ASAN:-}" = 1 ]; then
    cc=${CC:-cc}
    LD_PRELOAD="$($cc -print-file-name=libasan.so) $($cc -print-file-name=libubsan.so)"
    export LD_PRELOAD
    # The interpreter itself is not instrumented; leaks are checked on C units.
    export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
fi
specs=${SPECS:-$(ls tests/spec/*_spec.lua 2>/dev/null)}
if [ -n "$specs" ]; then
    out=$BUILD/spec.tap
    # shellcheck disable=SC2086
    # One suite at a time per machine: the real test stacks use fixed
    # loopback ports (flock from util-linux; without it, no lock).
    lock=""
    command -v flock >/dev/null 2>&1 && lock="flock ${GWKIT_TEST_LOCK:-/tmp/gwkit-test.lock}"
    # shellcheck disable=SC2086
    $lock $LUA /usr/bin/busted --output=TAP $specs > "$out" 2>&1; rc=$?
    unset LD_PRELOAD
    echo "spec ($LUA): $(grep -c '^ok ' "$out") ok, $(grep -c '^not ok ' "$out") not ok"
    count "$out"
    if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$out"; then
        echo "FAIL: busted exited with $rc"; tail -30 "$out"; failed=$((failed + 1))
    fi
    grep -A12 '^not ok ' "$out" | head -150
    cat "$out" >> "$log"
fi
echo "$passed passed, $failed failed" | tee "$BUILD/summary"
[ "$failed" -eq 0 ]
