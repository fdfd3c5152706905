/* CRAM-MD5 (RFC 2195): no initial response; the server sends one challenge
 * (a msg-id such as "<1896.697170952@postoffice.reston.mci.net>") and the
 * client answers "user " followed by the lower-case hex of
 * HMAC-MD5(key = password, challenge). The password does not travel, but
 * the server must keep it (or its HMAC state) and a listener can attack
 * the answer offline: SASL_F_WEAK, chosen after the cleartext mechanisms
 * inside TLS and only with allow_plain outside it. The MAC and its hex are
 * wiped after use. */
#include "../core/crypto.h"
#include "mech.h"

#define MD5_LEN 16

static int cram_start(sasl_client *c, gw_err *e)
{
    return sasl_need_creds(c, e, 1, 1, 0);
}

static int cram_step(sasl_client *c, const char *in, size_t n, gw_buf *out, gw_err *e)
{
    const sasl_creds *cr = &c->creds;
    unsigned char mac[GW_MD_MAX];
    char hex[2 * MD5_LEN + 1];
    unsigned maclen = 0;
    int rc = -1, b;
    if (c->steps != 0)
        return sasl_unexpected(c, e);
    if (n == 0)
        return gw_err_set(e, GW_EPROTOCOL, "sasl: CRAM-MD5: empty challenge");
    if (n > GW_SASL_CHALLENGE_MAX)
        return gw_err_set(e, GW_EPROTOCOL, "sasl: CRAM-MD5: challenge longer than %d bytes",
                          GW_SASL_CHALLENGE_MAX);
    if (gw_hmac("MD5", cr->password, cr->password_len, in, n, mac, &maclen) != 0
        || maclen != MD5_LEN) {
        gw_err_set(e, GW_EAUTH_UNAVAILABLE, "sasl: CRAM-MD5: HMAC-MD5 failed in OpenSSL");
        goto done;
    }
    gw_hex(mac, MD5_LEN, hex);
    if ((b = gw_buf_append(out, cr->user, cr->user_len)) != 0
        || (b = gw_buf_append(out, " ", 1)) != 0
        || (b = gw_buf_append(out, hex, 2 * MD5_LEN)) != 0) {
        sasl_buf_fail(c, e, b);
        goto done;
    }
    rc = 0;
done:
    gw_wipe(mac, sizeof mac);
    gw_wipe(hex, sizeof hex);
    return rc;
}

const sasl_mech sasl_mech_cram_md5 = {
    "CRAM-MD5", SASL_F_WEAK,
    cram_start, sasl_no_initial, cram_step, NULL, NULL,
};
