/* Internal to cext/sasl: the mechanism objects (one file each) and the
 * helpers they share (defined in sasl.c). Not for other modules. */
#ifndef GW_SASL_MECH_H
#define GW_SASL_MECH_H

#include "sasl.h"

extern const sasl_mech sasl_mech_scram_sha256;  /* scram.c,    RFC 7677 */
extern const sasl_mech sasl_mech_scram_sha1;    /* scram.c,    RFC 5802 */
extern const sasl_mech sasl_mech_plain;         /* plain.c,    RFC 4616 */
extern const sasl_mech sasl_mech_login;         /* login.c,    draft-murchison-sasl-login */
extern const sasl_mech sasl_mech_cram_md5;      /* cram_md5.c, RFC 2195 */
extern const sasl_mech sasl_mech_oauthbearer;   /* oauth.c,    RFC 7628 */
extern const sasl_mech sasl_mech_xoauth2;       /* oauth.c,    Google XOAUTH2 */

/* GW_EBAD_ARGUMENT "sasl: NAME: <what> missing" unless the credentials
 * the mechanism needs are there: a non-empty user when need_user, a
 * password, or a token. Returns 0 or -1. */
int sasl_need_creds(const sasl_client *c, gw_err *e, int need_user,
                    int need_password, int need_token);
/* The `initial` of a mechanism that has no initial response (*has = 0). */
int sasl_no_initial(sasl_client *c, gw_buf *out, int *has, gw_err *e);
/* Maps a GW_BUF_* error from building a response to GW_ENOMEM or
 * GW_EBAD_ARGUMENT ("response too long": over GW_SASL_RESPONSE_MAX, or the
 * caller's buffer's cap); returns -1. */
int sasl_buf_fail(const sasl_client *c, gw_err *e, int rc);
/* GW_EPROTOCOL "sasl: NAME: unexpected challenge (step N)"; returns -1. */
int sasl_unexpected(const sasl_client *c, gw_err *e);
/* A printable copy of peer text for a message: bytes outside 0x20..0x7e
 * become '?', cut to cap-1 bytes; always NUL-terminated. */
void sasl_printable(char *dst, size_t cap, const char *src, size_t n);
/* 1 when s[0..n) has a byte below 0x20 or 0x7f (NUL, CR, LF, \x01...). */
int sasl_has_ctl(const char *s, size_t n);
/* Appends s[0..n) as an RFC 5802 saslname ("," as "=2C", "=" as "=3D";
 * RFC 7628 uses the same for a=). 0 or a GW_BUF_* error. */
int sasl_append_saslname(gw_buf *b, const char *s, size_t n);

#endif
