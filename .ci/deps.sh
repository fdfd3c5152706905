#!/bin/sh
# Installs what gwkit builds and tests with, from Debian's packages.
# Skips apt entirely when everything is already there.
set -eu
PKGS="build-essential pkg-config libssl-dev openssl ca-certificates
lua5.1 liblua5.1-0-dev luajit libluajit-5.1-dev lua-busted lua-check
postfix dovecot-core lighttpd lighttpd-mod-openssl python3 clang libclang-rt-14-dev cppcheck procps iproute2
kea-dhcp6-server isc-dhcp-client util-linux gzip"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "deps: missing packages:$missing (run as root, or install them)" >&2
    exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -q >/dev/null || echo "deps: apt-get update reported errors; going on" >&2
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
