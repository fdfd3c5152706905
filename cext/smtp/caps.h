/* EHLO capabilities (RFC 5321 4.1.1.1 and the extension RFCs). Pure. */
#ifndef GW_SMTP_CAPS_H
#define GW_SMTP_CAPS_H

#include "reply.h"
#include "../core/limits.h"

#define SMTP_CAP_PIPELINING  0x001u  /* RFC 2920 */
#define SMTP_CAP_STARTTLS    0x002u  /* RFC 3207 */
#define SMTP_CAP_8BITMIME    0x004u  /* RFC 6152 */
#define SMTP_CAP_SMTPUTF8    0x008u  /* RFC 6531 */
#define SMTP_CAP_SIZE        0x010u  /* RFC 1870 */
#define SMTP_CAP_AUTH        0x020u  /* RFC 4954 */
#define SMTP_CAP_ENHANCED    0x040u  /* RFC 2034 ENHANCEDSTATUSCODES */
#define SMTP_CAP_DSN         0x080u  /* RFC 3461 */
#define SMTP_CAP_CHUNKING    0x100u  /* RFC 3030 */

typedef struct smtp_caps {
    unsigned flags;
    unsigned long size_max;          /* SIZE n; 0 = no limit announced (also for
                                        "SIZE", "SIZE 0", a non-number or an overflow) */
    char domain[256];                /* first word of the first line's text, cut
                                        to 255 bytes; "" for a bare "250" */
    char auth[GW_SMTP_MECH_TEXT];    /* upper-case mechanisms, space-separated,
                                        union of "AUTH x" and "AUTH=x", no duplicates,
                                        in order of first appearance */
} smtp_caps;

/* Parses a complete 250 EHLO reply into c (overwritten; no allocation).
 * Keywords match case-insensitively; unknown keywords are ignored; a
 * malformed SIZE counts as SIZE with no limit; mechanism names that are not
 * valid SASL names (RFC 4422 3.1: 1..20 of A-Z 0-9 - _, after upper-casing)
 * are dropped, as are names that would not fit in auth. SMTP_CAP_AUTH is
 * set when an AUTH keyword (either form) appears, even if every name was
 * dropped: choose from auth, not from the flag. Returns 0, or -1 with e set
 * (GW_EPROTOCOL, e->code = the reply code) when the reply is not complete
 * or its code is not 250. */
int smtp_caps_parse(smtp_caps *c, const smtp_reply *r, gw_err *e);

/* 1 when auth (as built by smtp_caps_parse) lists mech (case-insensitive). */
int smtp_caps_has_mech(const smtp_caps *c, const char *mech);

#endif
