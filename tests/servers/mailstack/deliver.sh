#!/bin/sh
# gwkit test mail stack: final delivery agent, run by Postfix pipe(8) as
# user nobody, once per recipient (copied to DIR/bin/deliver by mailstack.sh).
#
# usage: deliver MAILDIR key=value...   (message on stdin)
#
# Files the message exactly as pipe(8) hands it over into
#   MAILDIR/<recipient local part, lower-cased>/<name>.eml
# and the key=value arguments (envelope and session facts: sender,
# recipient, sasl_method, ...) one per line into <name>.env next to it.
# <name> is <unix time in ns>-<queue id>, so names sort by delivery time.
# Both files are written under MAILDIR/.tmp and renamed into place, .env
# first: once a .eml exists it is complete and its .env is there too.
# Exit status 75 (EX_TEMPFAIL) makes Postfix retry later.
set -u
PATH=/usr/bin:/bin
export PATH
umask 022

maildir=$1
shift
queue_id=unknown
user=
for kv in "$@"; do
    case $kv in
    queue_id=*) queue_id=${kv#queue_id=} ;;
    user=*) user=${kv#user=} ;;
    esac
done

box=$(printf '%s' "$user" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9._+=-' '_')
case $box in
'') box=_empty ;;
.*) box=_$box ;;
esac
name=$(date +%s%N)-$queue_id

tmp=$maildir/.tmp/$name.$$
mkdir -p "$maildir/.tmp" "$maildir/$box" || exit 75
if ! cat >"$tmp.eml"; then
    rm -f "$tmp.eml"
    exit 75
fi
if ! printf '%s\n' "$@" >"$tmp.env"; then
    rm -f "$tmp.eml" "$tmp.env"
    exit 75
fi
mv -f "$tmp.env" "$maildir/$box/$name.env" || exit 75
mv -f "$tmp.eml" "$maildir/$box/$name.eml" || exit 75
exit 0
