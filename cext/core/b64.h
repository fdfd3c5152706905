/* Strict base64 (RFC 4648 section 4): no whitespace, canonical padding,
 * zero trailing bits. Used for SASL, where lax decoding hides bugs. */
#ifndef GW_B64_H
#define GW_B64_H

#include <stddef.h>
#include "buf.h"

/* Appends the encoding of in[0..n) to out. 0, or a GW_BUF_* error. */
int gw_b64_encode(gw_buf *out, const void *in, size_t n);
/* Appends the decoding of in[0..n) to out. 0, -1 on malformed input, or a
 * GW_BUF_* error (-1 and GW_BUF_ENOMEM share a value: callers that care
 * check the input size first). */
int gw_b64_decode(gw_buf *out, const char *in, size_t n);
/* The value (0..63) of one base64 alphabet character, or -1. */
int gw_b64_value(unsigned char c);

#endif
