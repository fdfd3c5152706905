#!/bin/sh
# Builds every tests/fuzz/fuzz_*.c with libFuzzer + ASan + UBSan (clang) and
# runs each for a bounded time: sh tests/fuzz/run.sh SECONDS [name...]
set -eu
secs=${1:-30}; shift 2>/dev/null || true
out=build-fuzz
mkdir -p "$out"
CC=${FUZZ_CC:-clang}
SSL_LIBS=$(pkg-config --libs openssl 2>/dev/null || echo -lssl -lcrypto)
srcs=$(ls cext/core/*.c cext/net/*.c cext/sasl/*.c cext/smtp/*.c cext/http/*.c cext/log/*.c cext/sys/*.c cext/page/*.c 2>/dev/null || true)
flags="-std=c99 -D_POSIX_C_SOURCE=200809L -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Icext -Itests"
targets=${*:-$(ls tests/fuzz/fuzz_*.c | sed 's|tests/fuzz/||; s|\.c$||')}
failed=0
for t in $targets; do
    # shellcheck disable=SC2086
    $CC $flags -o "$out/$t" "tests/fuzz/$t.c" $srcs $SSL_LIBS
    corpus="$out/$t.corpus"; mkdir -p "$corpus"
    seeds="tests/fuzz/seeds/$t"
    [ -d "$seeds" ] || seeds=""
    echo "fuzz: $t for ${secs}s"
    # shellcheck disable=SC2086
    if ! "$out/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$out/" \
         -print_final_stats=1 "$corpus" $seeds >"$out/$t.log" 2>&1; then
        echo "fuzz: $t FAILED (see $out/$t.log)"; tail -40 "$out/$t.log"; failed=1
    else
        grep -a -E 'stat::number_of_executed_units' "$out/$t.log" | sed "s/^/fuzz: $t /"
    fi
done
exit $failed
