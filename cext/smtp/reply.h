/* SMTP reply parser (RFC 5321 4.2, RFC 3463 enhanced codes). Pure: it is fed
 * one line at a time and never does I/O. Bounded by core/limits.h. */
#ifndef GW_SMTP_REPLY_H
#define GW_SMTP_REPLY_H

#include <stddef.h>
#include "../core/buf.h"
#include "../core/err.h"

typedef struct smtp_reply {
    int code;            /* 200..599 once the first line is in (1yz refused) */
    char enhanced[16];   /* "2.0.0" when the first line carries one, else "" */
    int nlines;
    int done;            /* 1 after the last line (code followed by SP or nothing) */
    gw_buf text;         /* the lines as received ("250-PIPELINING"), joined by "\n",
                            at most GW_SMTP_REPLY_BYTES bytes */
} smtp_reply;

void smtp_reply_init(smtp_reply *r);
/* Ready for the next reply (keeps the allocation, wipes the text). */
void smtp_reply_reset(smtp_reply *r);
void smtp_reply_free(smtp_reply *r);
/* Feeds one line without its CRLF. Returns 1 when the reply is complete
 * (r->done is then 1), 0 when more lines follow, -1 with e set:
 * GW_EPROTOCOL for a line that is not three digits then SP, "-" or its end;
 * a first digit outside 2..5 (RFC 5321 defines no 1yz reply for any command
 * SMTP has, and 6..9 are not codes) or a second digit outside 0..5; a line
 * whose code differs from the first line's; a NUL or another control
 * character except TAB (8-bit bytes are accepted: RFC 6531 UTF-8 text); a
 * line over GW_SMTP_LINE_MAX; more than GW_SMTP_REPLY_LINES lines or
 * GW_SMTP_REPLY_BYTES bytes. GW_ENOMEM when the text cannot grow.
 * GW_EBAD_ARGUMENT when fed after the reply was complete (reset first).
 * On -1 the reply is left as it was: the caller should drop the
 * connection, since the stream can no longer be trusted. The message quotes
 * the offending line (see gw_quote in core/quote.h). */
int smtp_reply_feed(smtp_reply *r, const char *line, size_t len, gw_err *e);
/* The last line of the reply so far ("535 5.7.8 ...") as a pointer into
 * text, and its length; "" and 0 before the first line. Valid until the next
 * feed, reset or free. */
const char *smtp_reply_last(const smtp_reply *r, size_t *len);


#endif
