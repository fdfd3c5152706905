/* Basic authentication, client side (RFC 7617 2): the credentials
 *
 *   Authorization: Basic base64(user-id ":" password)
 *
 * The user-id cannot hold a colon (the server splits at the first one) and
 * neither part may hold a control character (2: "MUST NOT contain any
 * control characters"), which also keeps CR and LF away from the header
 * line. The bytes go as given: UTF-8 is what servers that send
 * charset="UTF-8" expect (2.1), and what gwkit's callers pass. This is
 * cleartext to anyone who sees the request: the exchange offers it only
 * over TLS unless told otherwise. The joined user:password is built in a
 * wiped buffer; the base64 form is in the caller's buffer, which the caller
 * wipes (gw_buf_free does). */
#include <string.h>
#include "core/b64.h"
#include "core/crypto.h"
#include "auth.h"

/* 1 when s holds a CTL (0x00-0x1f, 0x7f). */
static int has_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

int http_basic_answer(const char *user, const char *password, gw_buf *out, gw_err *e)
{
    gw_buf joined;
    size_t mark = out->len;
    int b, rc = -1;
    gw_buf_init(&joined, GW_HTTP_AUTH_USER_MAX + 1 + GW_HTTP_AUTH_SECRET_MAX);
    if (!user || !password || strlen(user) > GW_HTTP_AUTH_USER_MAX
        || strlen(password) > GW_HTTP_AUTH_SECRET_MAX) {
        gw_err_set(e, GW_EBAD_ARGUMENT, "http: Basic: user or password missing, or longer "
                   "than %d / %d bytes", GW_HTTP_AUTH_USER_MAX, GW_HTTP_AUTH_SECRET_MAX);
        goto done;
    }
    if (strchr(user, ':')) {
        gw_err_set(e, GW_EBAD_ARGUMENT, "http: Basic: the user name has a colon (RFC 7617 2 "
                   "does not allow one)");
        goto done;
    }
    if (has_ctl(user) || has_ctl(password)) {
        gw_err_set(e, GW_EBAD_ARGUMENT, "http: Basic: control character (CR, LF, ...) in the "
                   "%s", has_ctl(user) ? "user name" : "password");
        goto done;
    }
    if ((b = gw_buf_puts(&joined, user)) != 0 || (b = gw_buf_append(&joined, ":", 1)) != 0
        || (b = gw_buf_puts(&joined, password)) != 0 || (b = gw_buf_puts(out, "Basic ")) != 0
        || (b = gw_b64_encode(out, joined.data, joined.len)) != 0) {
        if (out->data) {                /* out as it was, the part written wiped */
            gw_wipe(out->data + mark, out->cap - mark);
            out->data[mark] = '\0';
        }
        out->len = mark;
        gw_err_set(e, b == GW_BUF_ENOMEM ? GW_ENOMEM : GW_EBAD_ARGUMENT,
                   "http: Basic: %s", b == GW_BUF_ENOMEM ? "out of memory"
                                         : "the Authorization value does not fit the buffer");
        goto done;
    }
    rc = 0;
done:
    gw_buf_free(&joined);
    return rc;
}
