/* OAUTHBEARER (RFC 7628) and Google's XOAUTH2: a bearer token sent as the
 * initial response.
 *   OAUTHBEARER  n,a=USER,^Ahost=HOST^Aport=PORT^Aauth=Bearer TOKEN^A^A
 *                (a=, host= and port= optional; ^A is 0x01; RFC 7628 3.1)
 *   XOAUTH2      user=USER^Aauth=Bearer TOKEN^A^A
 * A refused token comes back as one error challenge (JSON, RFC 7628 3.2.2,
 * e.g. {"status":"invalid_token",...}); the client must answer it
 * (OAUTHBEARER: a lone 0x01, RFC 7628 3.2.3; XOAUTH2: an empty response)
 * and the server then fails the exchange. Its "status" is kept in
 * c->detail for the report. A token is a password-equivalent: TLS only.
 * The token is checked for control characters and spaces, which could
 * otherwise forge the key/value framing. */
#include <stdio.h>
#include <string.h>
#include "mech.h"

static int check_text(const sasl_client *c, const char *what, const char *s, size_t n,
                      int no_space, gw_err *e)
{
    if (sasl_has_ctl(s, n) || (no_space && memchr(s, ' ', n)))
        return gw_err_set(e, GW_EBAD_ARGUMENT, "sasl: %s: control character%s in the %s",
                          c->mech->name, no_space ? " or space" : "", what);
    return 0;
}

static int oauthbearer_start(sasl_client *c, gw_err *e)
{
    const sasl_creds *cr = &c->creds;
    if (sasl_need_creds(c, e, 0, 0, 1) != 0
        || check_text(c, "token", cr->token, cr->token_len, 1, e) != 0
        || (cr->user && check_text(c, "user name", cr->user, cr->user_len, 0, e) != 0))
        return -1;
    if (cr->host) {
        size_t n = strlen(cr->host);
        if (n > GW_HOST_MAX)
            return gw_err_set(e, GW_EBAD_ARGUMENT, "sasl: OAUTHBEARER: host longer than %d bytes",
                              GW_HOST_MAX);
        if (check_text(c, "host", cr->host, n, 1, e) != 0)
            return -1;
    }
    return 0;
}

static int xoauth2_start(sasl_client *c, gw_err *e)
{
    const sasl_creds *cr = &c->creds;
    if (sasl_need_creds(c, e, 1, 0, 1) != 0
        || check_text(c, "token", cr->token, cr->token_len, 1, e) != 0
        || check_text(c, "user name", cr->user, cr->user_len, 0, e) != 0)
        return -1;
    return 0;
}

static int oauthbearer_initial(sasl_client *c, gw_buf *out, int *has, gw_err *e)
{
    const sasl_creds *cr = &c->creds;
    int rc;
    *has = 1;
    rc = gw_buf_puts(out, "n,");
    if (!rc && cr->user && cr->user_len) {
        rc = gw_buf_puts(out, "a=");
        if (!rc)
            rc = sasl_append_saslname(out, cr->user, cr->user_len);
    }
    if (!rc)
        rc = gw_buf_puts(out, ",");
    if (!rc && cr->host && *cr->host) {
        rc = gw_buf_puts(out, "\001host=");
        if (!rc)
            rc = gw_buf_puts(out, cr->host);
    }
    if (!rc && cr->port) {
        char port[24];
        snprintf(port, sizeof port, "\001port=%u", cr->port);
        rc = gw_buf_puts(out, port);
    }
    if (!rc)
        rc = gw_buf_puts(out, "\001auth=Bearer ");
    if (!rc)
        rc = gw_buf_append(out, cr->token, cr->token_len);
    if (!rc)
        rc = gw_buf_append(out, "\001\001", 2);
    return rc ? sasl_buf_fail(c, e, rc) : 0;
}

static int xoauth2_initial(sasl_client *c, gw_buf *out, int *has, gw_err *e)
{
    const sasl_creds *cr = &c->creds;
    int rc;
    *has = 1;
    if ((rc = gw_buf_puts(out, "user=")) != 0
        || (rc = gw_buf_append(out, cr->user, cr->user_len)) != 0
        || (rc = gw_buf_puts(out, "\001auth=Bearer ")) != 0
        || (rc = gw_buf_append(out, cr->token, cr->token_len)) != 0
        || (rc = gw_buf_append(out, "\001\001", 2)) != 0)
        return sasl_buf_fail(c, e, rc);
    return 0;
}

/* Keeps the error challenge's "status" value in c->detail, or the start of
 * the challenge when it has none. Only for reporting: not parsed further. */
static void keep_status(sasl_client *c, const char *in, size_t n)
{
    static const char key[] = "\"status\"";
    size_t i, k = sizeof key - 1;
    for (i = 0; i + k <= n; i++) {
        size_t j = i + k, v;
        if (memcmp(in + i, key, k) != 0)
            continue;
        while (j < n && (in[j] == ' ' || in[j] == ':'))
            j++;
        if (j >= n || in[j] != '"')
            break;
        for (v = ++j; v < n && in[v] != '"'; v++)
            ;
        sasl_printable(c->detail, sizeof c->detail, in + j, v - j);
        return;
    }
    sasl_printable(c->detail, sizeof c->detail, in, n);
}

static int oauth_step(sasl_client *c, const char *in, size_t n, gw_buf *out, gw_err *e)
{
    int rc = 0;
    if (c->steps != 0)
        return sasl_unexpected(c, e);
    keep_status(c, in, n);
    if (c->mech == &sasl_mech_oauthbearer)
        rc = gw_buf_append(out, "\001", 1);
    return rc ? sasl_buf_fail(c, e, rc) : 0;
}

/* After an error challenge the server must fail the exchange. */
static int oauth_finish(sasl_client *c, gw_err *e)
{
    if (c->steps != 0)
        return gw_err_set(e, GW_EAUTH_FAILED,
                          "sasl: %s: server reported success after refusing the token (%s)",
                          c->mech->name, c->detail);
    return 0;
}

const sasl_mech sasl_mech_oauthbearer = {
    "OAUTHBEARER", SASL_F_TOKEN | SASL_F_CLEARTEXT,
    oauthbearer_start, oauthbearer_initial, oauth_step, oauth_finish, NULL,
};

const sasl_mech sasl_mech_xoauth2 = {
    "XOAUTH2", SASL_F_TOKEN | SASL_F_CLEARTEXT,
    xoauth2_start, xoauth2_initial, oauth_step, oauth_finish, NULL,
};
