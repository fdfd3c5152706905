#!/bin/sh
# Installs what `make cross ARCH=...` and `make test-cross ARCH=...` need:
# the cross compiler and qemu-user from Debian (host packages), and a
# sysroot of the target's Debian packages (libc, OpenSSL, Lua 5.1 and its
# interpreter, and busted's C modules lfs, term, system) extracted with
# dpkg-deb -x into SYSROOT. Idempotent: skips apt when everything is there.
#
#   sh .ci/deps-cross.sh ARCH SYSROOT       ARCH: armhf | arm64 | s390x | mips
#
# Why a sysroot and not `apt-get install libssl-dev:armhf`: lua5.1 is
# Multi-Arch: foreign and lua-term is not multiarch at all, so the ARM
# interpreter cannot be installed beside the native one; and Multi-Arch:
# same packages (libc6, libssl3) must have exactly the host's version, which
# fails whenever the mirror's armhf and amd64 security updates are out of
# step. Extracted packages need neither, and leave the host untouched.
set -eu
ARCH=${1:-armhf}
SYSROOT=${2:-build-$ARCH/sysroot}
case $ARCH in
    armhf) host_pkgs="gcc-arm-linux-gnueabihf libc6-dev-armhf-cross qemu-user" ;;
    arm64) host_pkgs="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user" ;;
    # Big-endian and a Debian port: the whole suite runs big-endian under qemu.
    s390x) host_pkgs="gcc-s390x-linux-gnu libc6-dev-s390x-cross qemu-user" ;;
    # Debian 12 has no big-endian MIPS port: no target packages, compile only.
    mips)  host_pkgs="gcc-mips-linux-gnu libc6-dev-mips-cross libssl-dev liblua5.1-0-dev" ;;
    *) echo "deps-cross: unknown ARCH '$ARCH' (armhf, arm64, s390x, mips)" >&2; exit 2 ;;
esac
target_pkgs="libc6 libgcc-s1 libstdc++6 libssl3 libssl-dev liblua5.1-0 liblua5.1-0-dev
lua5.1 libreadline8 libtinfo6 lua-filesystem lua-term lua-system"
[ "$ARCH" = mips ] && target_pkgs=""

export DEBIAN_FRONTEND=noninteractive
updated=""
apt_update() { [ -n "$updated" ] || apt-get update -q >/dev/null || true; updated=1; }

missing=""
for p in $host_pkgs; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "deps-cross: missing packages:$missing (run as root, or install them)" >&2
        exit 1
    fi
    echo "deps-cross: installing$missing" >&2
    apt_update
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing >/dev/null
fi

[ -n "$target_pkgs" ] || exit 0
# The stamp records what the sysroot holds; same list, nothing to do.
stamp="$SYSROOT/.gwkit-sysroot"
# shellcheck disable=SC2086,SC2116  # one line, single spaces
want=$(echo $target_pkgs)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi
if ! dpkg --print-foreign-architectures | grep -qx "$ARCH"; then
    if [ "$(id -u)" != 0 ]; then
        echo "deps-cross: run 'dpkg --add-architecture $ARCH && apt-get update' as root" >&2
        exit 1
    fi
    dpkg --add-architecture "$ARCH"
    updated=""     # the lists fetched before know nothing of $ARCH
    apt_update
fi
apt-cache show "lua5.1:$ARCH" >/dev/null 2>&1 || apt_update
echo "deps-cross: extracting $ARCH packages into $SYSROOT" >&2
debs=$(mktemp -d /tmp/gwkit-debs.XXXXXX)
trap 'rm -rf "$debs"' EXIT
chmod 755 "$debs"
args=""
for p in $target_pkgs; do args="$args $p:$ARCH"; done
# shellcheck disable=SC2086
(cd "$debs" && apt-get download -q $args >/dev/null 2>"$debs/log") || {
    cat "$debs/log" >&2; exit 1; }
rm -rf "$SYSROOT"
mkdir -p "$SYSROOT"
for d in "$debs"/*.deb; do dpkg-deb -x "$d" "$SYSROOT"; done
(cd "$debs" && ls ./*.deb) | sed 's|^\./||' > "$SYSROOT/.gwkit-debs"
echo "$want" > "$stamp"
