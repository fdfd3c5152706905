# shellcheck shell=bash
# stacklib.sh - helpers shared by mailstack.sh and webstack.sh (sourced;
# not run). The sourcing script sets STACK_NAME (the prefix of its
# messages), STACK_LOGS (the log files fail_start shows, names in DIR),
# STACK_PROBLEMS (ERE of the lines fail_start picks out of them) and
# defines do_stop DIR; DIR is the stack directory.

die() {
    echo "$STACK_NAME: $*" >&2
    exit 1
}

note() {
    echo "$STACK_NAME: $*" >&2
}

# ---------------------------------------------------------------- helpers

# Resolve DIR to an absolute path without creating it.
abs_dir() {
    case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "$PWD/$1" ;;
    esac
}

# Fields of /proc/PID/stat after "(comm)": state ppid pgrp session ...
proc_stat() {
    local s
    { read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
    printf '%s\n' "${s##*) }"
}

# Live (not zombie) PIDs whose process group is $1. Zombies are ignored:
# they are dead, and here they wait for PID 1 to reap them.
pgrp_members() {
    local p s rest
    for p in /proc/[0-9]*; do
        { read -r s <"$p/stat"; } 2>/dev/null || continue
        rest=${s##*) }
        # shellcheck disable=SC2086 # split the fields
        set -- "$1" $rest
        [ "$4" = "$1" ] && [ "$2" != Z ] && printf '%s\n' "${p#/proc/}"
    done
    return 0
}

alive() {
    local st
    [ -n "$1" ] || return 1
    st=$(proc_stat "$1") || return 1
    [ "${st%% *}" != Z ]
}

# ---------------------------------------------------------------- start

# Stop what was started, dump the end of the logs to stderr, fail. (Stop
# first: a reader that goes away early must not leave daemons behind.)
fail_start() {
    local f
    do_stop "$DIR" >/dev/null 2>&1 || true
    trap '' PIPE
    echo "$STACK_NAME: start failed: $*" >&2
    for f in $STACK_LOGS; do
        f=$DIR/$f
        [ -s "$f" ] || continue
        if grep -qiE "$STACK_PROBLEMS" "$f"; then
            echo "----- first problems in $f" >&2
            grep -iE "$STACK_PROBLEMS" "$f" | head -n 8 >&2
        fi
        echo "----- tail of $f" >&2
        tail -n 15 "$f" >&2
    done
    exit 1
}

# make_tls CA_NAME SUBJECT_ALT_NAME: a test CA and a server certificate
# (CN=localhost) in DIR/tls, kept when they are there already.
make_tls() {
    local t=$DIR/tls serial
    if [ -s "$t/ca.pem" ] && [ -s "$t/server.pem" ] && [ -s "$t/server.key" ]; then
        return 0 # reuse (start again in the same DIR): CAFILE stays valid
    fi
    mkdir -p "$t"
    cat >"$t/openssl.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = $1
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $2
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
    serial=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
    (
        cd "$t"
        umask 077
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server.key
        umask 022
        openssl req -config openssl.cnf -new -x509 -key ca.key -sha256 -days 3650 \
            -subj "/CN=$1" -extensions ca_ext -out ca.pem
        openssl req -config openssl.cnf -new -key server.key -subj "/CN=localhost" -out server.csr
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial "0x$serial" \
            -days 825 -sha256 -extfile openssl.cnf -extensions server_ext -out server.pem
        rm -f server.csr
    ) >>"$DIR/start.log" 2>&1 || die "openssl failed, see $DIR/start.log"
}
