/* DATA body encoding (RFC 5321 4.5.2): line ends normalised to CRLF (a bare
 * CR, a bare LF and a CRLF each end exactly one line, also when the CR and
 * the LF arrive in different feeds), leading dots doubled, and the final
 * "CRLF.CRLF". Streaming, so a message need not be copied whole. Pure. */
#ifndef GW_SMTP_DATA_H
#define GW_SMTP_DATA_H

#include <stddef.h>
#include "../core/buf.h"

typedef struct smtp_data {
    int bdat;            /* set after init for BDAT (RFC 3030): no dot-stuffing, no "." */
    int at_line_start;
    int pending_cr;      /* the last byte was a CR (already sent as CRLF): an LF
                            that comes next, in this feed or the next, is dropped */
    int any;             /* anything encoded yet */
    int eightbit;        /* a byte >= 0x80 was seen (8BITMIME needed) */
    int has_nul;         /* a NUL byte was seen; it is passed through as is: RFC
                            5321 allows no NUL in mail text, the caller refuses
                            such a message (GW_EBAD_ARGUMENT) before DATA or
                            before the final ".", never sends it */
    size_t longest;      /* longest line as sent (a stuffed dot counted),
                            CRLF excluded; RFC 5321 4.5.3.1.6 allows 998 */
    size_t cur;          /* length of the current line, same measure */
    size_t in_bytes;     /* message bytes fed so far (for SIZE / GW_SMTP_MSG_MAX) */
} smtp_data;

void smtp_data_init(smtp_data *d);
/* Appends the encoding of in[0..n) to out. 0 or a GW_BUF_* error (out's
 * cap reached, or no memory); after an error out holds a partial line and
 * the message must be abandoned. */
int smtp_data_feed(smtp_data *d, const char *in, size_t n, gw_buf *out);
/* Closes the body: CRLF if the last line was unterminated, then ".\r\n"
 * (an empty body gives just ".\r\n"). 0 or a GW_BUF_* error. Call once;
 * smtp_data_init before the next message. */
int smtp_data_finish(smtp_data *d, gw_buf *out);

#endif
