#!/usr/bin/python3
"""echo.cgi - gwkit webstack: answers with what the request carried.

Any method. The request body is read completely (lighttpd has already
de-chunked a chunked request body and passes its length).

Query parameters (optional):
  format=raw   (default) the response body is the request body, byte-exact,
               Content-Type: application/octet-stream, and these headers:
                 X-Echo-Method          request method
                 X-Echo-Uri             request-target as received
                 X-Echo-Content-Type    the request's Content-Type ("-" if none)
                 X-Echo-Length          body length in bytes
                 X-Echo-Sha256          hex SHA-256 of the body
                 X-Echo-User            authenticated user ("-" if none)
                 X-Echo-Auth            scheme of the Authorization header the
                                        request carried ("-" if none)
                 X-Echo-Cookie          "yes" if it carried a Cookie header, else "no"
               (in header values, bytes outside 0x20..0x7E, e.g. UTF-8, are
               written as %XX)
  format=json  a JSON object instead: method, uri, query, https, remote_addr,
               content_type, length, sha256, body_b64, body (text if the body
               is UTF-8, else null), user, auth_type, headers (every request
               header, name lower-cased -> value; includes authorization and
               cookie when sent)
  status=NNN   answer with this status (200..599) instead of 200
"""
import base64
import hashlib
import json
import os
import sys
import urllib.parse


def env(name, default=None):
    """An environment value as text (bytes that are not UTF-8 become U+FFFD)."""
    v = os.environ.get(name)
    if v is None:
        return default
    return v.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def clean(v):
    """A header value that cannot break the CGI response: bytes outside
    0x20..0x7E (UTF-8, controls) become %XX."""
    return "".join(chr(b) if 0x20 <= b < 0x7F else "%%%02X" % b
                   for b in v.encode("utf-8", "surrogateescape"))


def main():
    n = int(env("CONTENT_LENGTH", "0") or 0)
    body = sys.stdin.buffer.read(n) if n > 0 else b""
    q = urllib.parse.parse_qs(env("QUERY_STRING", ""), keep_blank_values=True)
    fmt = q.get("format", ["raw"])[0]
    status = 200
    try:
        s = int(q.get("status", ["200"])[0])
        if 200 <= s <= 599:
            status = s
    except ValueError:
        pass
    authz = env("HTTP_AUTHORIZATION", "")
    scheme = authz.split(" ", 1)[0] if authz else "-"
    user = env("REMOTE_USER", "")
    headers = {}
    for k, v in os.environ.items():
        if k.startswith("HTTP_"):
            headers[k[5:].lower().replace("_", "-")] = env(k)
    if env("CONTENT_TYPE") is not None:
        headers["content-type"] = env("CONTENT_TYPE")
    if env("CONTENT_LENGTH") is not None:
        headers["content-length"] = env("CONTENT_LENGTH")
    sha = hashlib.sha256(body).hexdigest()
    out = sys.stdout.buffer
    head = ["Status: %d" % status, "Cache-Control: no-store"]
    if fmt == "json":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        doc = {
            "method": env("REQUEST_METHOD", ""),
            "uri": env("REQUEST_URI", ""),
            "query": env("QUERY_STRING", ""),
            "https": env("HTTPS", "") == "on" or env("REQUEST_SCHEME", "") == "https",
            "remote_addr": env("REMOTE_ADDR", ""),
            "content_type": env("CONTENT_TYPE"),
            "length": len(body),
            "sha256": sha,
            "body_b64": base64.b64encode(body).decode("ascii"),
            "body": text,
            "user": user or None,
            "auth_type": env("AUTH_TYPE"),
            "headers": dict(sorted(headers.items())),
        }
        data = (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
        head.append("Content-Type: application/json; charset=utf-8")
    else:
        data = body
        head += [
            "Content-Type: application/octet-stream",
            "X-Echo-Method: " + clean(env("REQUEST_METHOD", "")),
            "X-Echo-Uri: " + clean(env("REQUEST_URI", "")),
            "X-Echo-Content-Type: " + clean(env("CONTENT_TYPE", "-")),
            "X-Echo-Length: %d" % len(body),
            "X-Echo-Sha256: " + sha,
            "X-Echo-User: " + (clean(user) if user else "-"),
            "X-Echo-Auth: " + clean(scheme),
            "X-Echo-Cookie: " + ("yes" if "HTTP_COOKIE" in os.environ else "no"),
        ]
    head.append("Content-Length: %d" % len(data))
    out.write(("\r\n".join(head) + "\r\n\r\n").encode("ascii"))
    out.write(data)
    out.flush()


main()
