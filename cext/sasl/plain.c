/* PLAIN (RFC 4616): one message, [authzid] NUL authcid NUL passwd, sent as
 * the initial response. gwkit sends no authzid (the server then acts as
 * the authentication identity). The password travels in clear: the
 * mechanism is flagged SASL_F_CLEARTEXT and chosen only inside TLS (or with
 * allow_plain). A NUL inside the user name or the password would shift the
 * fields: sasl_client_start refuses it (see sasl_creds' lengths). The blob
 * is built straight into the caller's buffer, which gw_buf wipes on free. */
#include "mech.h"

static int plain_start(sasl_client *c, gw_err *e)
{
    return sasl_need_creds(c, e, 1, 1, 0);
}

static int plain_initial(sasl_client *c, gw_buf *out, int *has, gw_err *e)
{
    const sasl_creds *cr = &c->creds;
    int rc;
    *has = 1;
    if ((rc = gw_buf_append(out, "", 1)) != 0
        || (rc = gw_buf_append(out, cr->user, cr->user_len)) != 0
        || (rc = gw_buf_append(out, "", 1)) != 0
        || (rc = gw_buf_append(out, cr->password, cr->password_len)) != 0)
        return sasl_buf_fail(c, e, rc);
    return 0;
}

/* The one message went with AUTH (or answered the empty challenge, in
 * sasl.c): the server has nothing left to ask. */
static int plain_step(sasl_client *c, const char *in, size_t n, gw_buf *out, gw_err *e)
{
    (void)in;
    (void)n;
    (void)out;
    return sasl_unexpected(c, e);
}

const sasl_mech sasl_mech_plain = {
    "PLAIN", SASL_F_CLEARTEXT,
    plain_start, plain_initial, plain_step, NULL, NULL,
};
