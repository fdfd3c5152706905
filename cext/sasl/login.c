/* LOGIN (draft-murchison-sasl-login-00): no initial response; the server
 * prompts twice and the client answers the user name, then the password.
 * The prompts ("Username:", "Password:", or anything a server localises)
 * are not trusted: the step count alone decides what is sent, so a prompt
 * cannot make us send the password first, and a third prompt is refused.
 * The password travels in clear: SASL_F_CLEARTEXT, TLS only. */
#include "mech.h"

static int login_start(sasl_client *c, gw_err *e)
{
    return sasl_need_creds(c, e, 1, 1, 0);
}

static int login_step(sasl_client *c, const char *in, size_t n, gw_buf *out, gw_err *e)
{
    const sasl_creds *cr = &c->creds;
    int rc;
    (void)in;
    (void)n;
    if (c->steps == 0)
        rc = gw_buf_append(out, cr->user, cr->user_len);
    else if (c->steps == 1)
        rc = gw_buf_append(out, cr->password, cr->password_len);
    else
        return sasl_unexpected(c, e);
    return rc ? sasl_buf_fail(c, e, rc) : 0;
}

const sasl_mech sasl_mech_login = {
    "LOGIN", SASL_F_CLEARTEXT,
    login_start, sasl_no_initial, login_step, NULL, NULL,
};
