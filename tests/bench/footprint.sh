#!/bin/sh
# Footprint on flash: the stripped gwkit core.so for x86-64 and armhf (-Os,
# the router build, and the default -O2) beside the Debian LuaSocket +
# LuaSec modules it replaces, for the same two architectures (taken from
# Debian's lua-socket and lua-sec packages with apt-get download, so nothing
# is installed). Prints the rows on stdout; `make bench` puts them in
# tests/bench/RESULTS.md under "Footprint". Builds what it needs:
#   build-os/ (x86-64 -Os), $BUILD (x86-64 -O2), build-armhf-os/, build-armhf/
# (make cross ARCH=armhf, which installs the cross compiler: root, first time).
# OpenSSL and libc are linked dynamically by all of them and not counted.
# Then gwkitd at run time (peak RSS idle and sending, CPU, system calls and
# disk writes over an idle minute, beside swatch): tests/bench/gwkitd_footprint.sh,
# started in the background first so that its minute overlaps the builds.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
BUILD=${BUILD:-build}
work=$(mktemp -d /tmp/gwkit-footprint.XXXXXX)
gwkitd_job=""
trap '[ -n "$gwkitd_job" ] && kill "$gwkitd_job" 2>/dev/null; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM HUP
log=$work/log

make -s BUILD="$BUILD" "$BUILD/gwkit/core.stripped.so" >>"$log" 2>&1
BUILD=$BUILD sh tests/bench/gwkitd_footprint.sh >"$work/gwkitd.txt" 2>&1 &
gwkitd_job=$!

size() { [ -f "$1" ] && wc -c < "$1" | tr -d ' ' || echo n/a; }
sum() { t=0; for f in "$@"; do [ -f "$f" ] || { echo n/a; return; }; t=$((t + $(wc -c < "$f"))); done; echo $t; }

# gwkit, both architectures, both optimisation levels.
{
    make -s BUILD=build-os OPT=-Os build-os/gwkit/core.stripped.so
    # BUILD named: run.sh exports its own BUILD, which would win over the
    # Makefile's build-armhf(-os) default
    make -s cross ARCH=armhf OPT=-Os BUILD=build-armhf-os
    make -s cross ARCH=armhf BUILD=build-armhf
} >>"$log" 2>&1

# LuaSocket + LuaSec as Debian ships them (already stripped).
for arch in amd64 armhf; do
    mkdir -p "$work/$arch"
    (cd "$work" && apt-get download -q "lua-socket:$arch" "lua-sec:$arch") >>"$log" 2>&1 &&
        for d in "$work"/lua-so*_"$arch".deb "$work"/lua-sec_*_"$arch".deb; do
            dpkg-deb -x "$d" "$work/$arch"
        done
done
peer() {    # peer ARCH FILE: a file of the extracted packages, symlinks followed
    case $1 in amd64) t=x86_64-linux-gnu ;; armhf) t=arm-linux-gnueabihf ;; esac
    echo "$work/$1/usr/lib/$t/lua/5.1/$2"
}

row() { printf '%-46s %10s %10s\n' "$@"; }
echo "Footprint in bytes: strip --strip-unneeded; OpenSSL and libc are shared libraries, not counted."
echo "armhf: Debian arm-linux-gnueabihf-gcc 12 (ARMv7-A, Thumb-2, hard float); x86-64: Debian gcc 12."
echo
row "" x86-64 armhf
row "gwkit core.so -Os (OPT=-Os)" "$(size build-os/gwkit/core.stripped.so)" "$(size build-armhf-os/gwkit/core.stripped.so)"
row "gwkit core.so -O2 (default)" "$(size "$BUILD/gwkit/core.stripped.so")" "$(size build-armhf/gwkit/core.stripped.so)"
for m in socket/core.so mime/core.so ssl.so; do
    row "LuaSocket/LuaSec $m" "$(size "$(peer amd64 $m)")" "$(size "$(peer armhf $m)")"
done
row "LuaSocket + LuaSec .so total" \
    "$(sum "$(peer amd64 socket/core.so)" "$(peer amd64 mime/core.so)" "$(peer amd64 ssl.so)")" \
    "$(sum "$(peer armhf socket/core.so)" "$(peer armhf mime/core.so)" "$(peer armhf ssl.so)")"
gw_lua=$(find lua/gwkit -name '*.lua' | sort)
# shellcheck disable=SC2086
gw_src=$(sum $gw_lua)
peer_lua=""
for f in ltn12.lua mime.lua socket.lua socket/ftp.lua socket/headers.lua socket/http.lua \
         socket/mbox.lua socket/smtp.lua socket/tp.lua socket/url.lua ssl.lua ssl/https.lua ssl/options.lua; do
    peer_lua="$peer_lua $work/amd64/usr/share/lua/5.1/$f"
done
# shellcheck disable=SC2086
peer_src=$(sum $peer_lua)
row "gwkit Lua files (lua/gwkit, source)" "$gw_src" "$gw_src"
row "LuaSocket + LuaSec Lua files (source)" "$peer_src" "$peer_src"
# Routers often ship Lua compiled and stripped (luac -s); the bytecode
# depends on the word size, so armhf's luac5.1 runs under qemu-arm.
luac_total() {   # luac_total LUAC...: bytes of each file compiled with -s
    t=0
    for f in $gw_lua; do
        "$@" -s -o "$work/out.luac" "$f" 2>>"$log" || { echo n/a; return; }
        t=$((t + $(wc -c < "$work/out.luac")))
    done
    echo $t
}
sysroot=$top/build-armhf/sysroot
if command -v qemu-arm >/dev/null 2>&1 && [ -x "$sysroot/usr/bin/luac5.1" ]; then
    arm_luac=$(luac_total qemu-arm -L "$sysroot" "$sysroot/usr/bin/luac5.1")
else
    arm_luac=n/a
fi
row "gwkit Lua files, luac5.1 -s" "$(luac_total luac5.1)" "$arm_luac"

echo
if wait "$gwkitd_job"; then cat "$work/gwkitd.txt"; else
    echo "(tests/bench/gwkitd_footprint.sh failed:)"; cat "$work/gwkitd.txt"
fi
gwkitd_job=""
