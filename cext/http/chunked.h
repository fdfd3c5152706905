/* The chunked transfer coding (RFC 9112 section 7.1), decoded as a stream.
 * Pure: bytes in, body bytes out, trailers kept. */
#ifndef GW_HTTP_CHUNKED_H
#define GW_HTTP_CHUNKED_H

#include <stddef.h>
#include "core/buf.h"
#include "core/err.h"

typedef struct http_chunked {
    int state;
    unsigned long long left;        /* bytes left in the current chunk */
    int digits;                     /* hex digits of the current size line */
    size_t line;                    /* bytes of the current size or trailer line */
    int done;
    unsigned long long total;       /* body bytes decoded so far */
    gw_buf trailers;                /* trailer fields, "name: value\n" each (value
                                     * without surrounding OWS), bounded by
                                     * GW_HTTP_HEADER_BYTES */
} http_chunked;

void http_chunked_init(http_chunked *c);
/* Wipes and frees the trailers; c can be used again after init. */
void http_chunked_free(http_chunked *c);
/* Consumes input from in[0..n), appending body bytes to out. Sets *used to
 * the bytes consumed (less than n only when the body ended: the rest belongs
 * to the next response; on an error, the offset of the bad byte). Returns 1
 * when the last chunk and the trailers are complete (and 1 with *used 0 when
 * fed again), 0 for more input (then *used == n), -1 with e set:
 * GW_EPROTOCOL for a size line without hex digits or with more than
 * GW_HTTP_CHUNK_DIGITS of them (leading zeros count), a bad byte in the
 * size line or its extensions, a size or trailer line longer than
 * GW_HTTP_LINE_MAX, chunk data not followed by CRLF, a bad trailer field
 * (no token name and colon, obs-fold, a CTL), trailers over
 * GW_HTTP_HEADER_BYTES; GW_EPROTOCOL "http: body larger than N bytes" when
 * out's cap (the max_body bound) would be passed; GW_ENOMEM. After -1 every
 * feed fails again.
 * Line ends: the size line and trailer lines end in CRLF or a bare LF
 * (RFC 9112 2.2 allows a recipient to accept LF); the CRLF after chunk
 * data must be exactly CRLF (anything else means a wrong chunk size).
 * Chunk extensions (";name", ";name=token", ";name=\"quoted\"", with BWS)
 * are skipped, not interpreted. Output is never larger than the input, so
 * out can be emptied after each feed when the body is streamed (then the
 * caller bounds the total, which c->total counts). */
int http_chunked_feed(http_chunked *c, const char *in, size_t n, size_t *used,
                      gw_buf *out, gw_err *e);

#endif
