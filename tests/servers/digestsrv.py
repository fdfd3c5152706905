"""digestsrv.py - HTTP Digest as a server (RFC 7616): what httpd_quirk.py
and the home-gateway emulator (hgw_emu_auth.py) have in common: the
auth-param parser of an Authorization header and the hashes a server
checks (HA1, the response, and the rspauth of Authentication-Info).

Imported from the directory of the running script. Python 3 stdlib only.
"""

import hashlib


def H(hname, data):
    """Hex digest of bytes with a hashlib name ("md5", "sha256", ...)."""
    return hashlib.new(hname, data).hexdigest()


def parse_params(s, repeats=False):
    """auth-param list -> (dict of lower-cased name -> value, error or None).
    Values may be tokens or quoted-strings (backslash escapes undone);
    whitespace around '=' and ',' is allowed. A name given twice is an
    error, or with repeats=True the last value counts."""
    out = {}
    i, n = 0, len(s)
    while i < n:
        while i < n and s[i] in " \t,":
            i += 1
        if i >= n:
            break
        j = i
        while j < n and s[j] not in "= \t,":
            j += 1
        name = s[i:j].lower()
        i = j
        while i < n and s[i] in " \t":
            i += 1
        if i >= n or s[i] != "=":
            return out, "parameter %r without '='" % name
        i += 1
        while i < n and s[i] in " \t":
            i += 1
        if i < n and s[i] == '"':
            i += 1
            val = []
            while i < n and s[i] != '"':
                if s[i] == "\\" and i + 1 < n:
                    i += 1
                val.append(s[i])
                i += 1
            if i >= n:
                return out, "unterminated quoted string in %r" % name
            i += 1
            value = "".join(val)
        else:
            j = i
            while j < n and s[j] not in " \t,":
                j += 1
            value = s[i:j]
            i = j
        if name in out and not repeats:
            return out, "parameter %r given twice" % name
        out[name] = value
    return out, None


def ha1(hname, user, realm, password, sess=False, nonce="", cnonce=""):
    """HA1 (RFC 7616 3.4.2); for a -sess algorithm bound to nonce and cnonce."""
    h = H(hname, ("%s:%s:%s" % (user, realm, password)).encode("utf-8"))
    if sess:
        h = H(hname, ("%s:%s:%s" % (h, nonce, cnonce)).encode("utf-8"))
    return h


def response(hname, ha1_hex, nonce, method, uri, p, body=b""):
    """The response for method and uri (RFC 7616 3.4.1), with the client's
    qop, nc and cnonce from p (none when p has no qop); body counts for
    qop=auth-int. With method "" it is the rspauth of Authentication-Info
    (RFC 7616 3.5)."""
    a2 = method.encode("utf-8") + b":" + uri.encode("utf-8")
    if p.get("qop") == "auth-int":
        a2 += b":" + H(hname, body).encode()
    ha2 = H(hname, a2)
    if "qop" in p:
        return H(hname, ("%s:%s:%s:%s:%s:%s" % (ha1_hex, nonce, p["nc"], p["cnonce"], p["qop"],
                                                ha2)).encode("utf-8"))
    return H(hname, ("%s:%s:%s" % (ha1_hex, nonce, ha2)).encode("utf-8"))
