/* Authentication-Info field values (RFC 7616 3.5): the server's answer
 * after a successful Digest request.
 *
 *   Authentication-Info = #auth-param
 *   nextnonce="..." qop=auth rspauth="..." cnonce="..." nc=00000001
 *
 * Parsed only; http_digest_check_info (digest.c) verifies rspauth, cnonce
 * and nc against the request. Unknown parameters are skipped; a known one
 * given twice, nc that is not 8 hex digits, or a qop other than auth and
 * auth-int is a protocol error. */
#include <string.h>
#include "auth.h"
#include "core/crypto.h"

enum { P_NEXTNONCE, P_RSPAUTH, P_CNONCE, P_QOP, P_NC, P_COUNT };
static const char *const param_names[P_COUNT] = {
    "nextnonce", "rspauth", "cnonce", "qop", "nc",
};

static int param(http_auth_lex *l, http_auth_info *out)
{
    char v[HTTP_AUTH_PARAM_MAX];
    size_t from = l->i, len, k;
    int p;
    if (http_auth_lex_name(l, from, param_names, P_COUNT, ~0u, &p) != 0)
        return -1;
    switch (p) {
    case P_NEXTNONCE:
        out->has_nextnonce = 1;
        return http_auth_lex_kept(l, from, "nextnonce", out->nextnonce);
    case P_RSPAUTH:
        out->has_rspauth = 1;
        return http_auth_lex_kept(l, from, "rspauth", out->rspauth);
    case P_CNONCE:
        out->has_cnonce = 1;
        return http_auth_lex_kept(l, from, "cnonce", out->cnonce);
    case P_QOP:
        if (http_auth_lex_kept(l, from, "qop", v) != 0)
            return -1;
        if (http_auth_ieq(v, strlen(v), "auth"))
            out->qop = HTTP_QOP_AUTH;
        else if (http_auth_ieq(v, strlen(v), "auth-int"))
            out->qop = HTTP_QOP_AUTH_INT;
        else
            return http_auth_lex_fail(l, from, "qop is neither auth nor auth-int");
        return 0;
    case P_NC:
        if (http_auth_lex_kept(l, from, "nc", v) != 0)
            return -1;
        out->nc = 0;
        for (k = 0; k < 8 && gw_hex_digit(v[k]) >= 0; k++)
            out->nc = out->nc * 16 + (unsigned long)gw_hex_digit(v[k]);
        if (k != 8 || v[8] != '\0')
            return http_auth_lex_fail(l, from, "nc is not 8 hex digits");
        out->has_nc = 1;
        return 0;
    default:
        return http_auth_lex_value(l, from, NULL, 0, &len);
    }
}

int http_auth_info_parse(const char *v, size_t n, http_auth_info *out, gw_err *e)
{
    http_auth_lex l;
    memset(out, 0, sizeof *out);
    if (n > GW_HTTP_HEADER_BYTES)
        return gw_err_set(e, GW_EPROTOCOL,
                          "http: Authentication-Info value longer than %d bytes",
                          GW_HTTP_HEADER_BYTES);
    http_auth_lex_init(&l, v, n, "Authentication-Info", e);
    for (;;) {
        size_t from;
        http_auth_lex_seps(&l);
        if (l.i >= l.n)
            return 0;
        from = l.i;
        if (param(&l, out) != 0)
            return -1;
        http_auth_lex_ows(&l);
        if (l.i < l.n && l.s[l.i] != ',')
            return http_auth_lex_fail(&l, from, "expected ',' after a parameter");
    }
}
