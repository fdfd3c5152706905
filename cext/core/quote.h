/* A printable excerpt of untrusted bytes, for error messages that reach the
 * user: a peer's line may hold control bytes, escapes or megabytes. */
#ifndef GW_QUOTE_H
#define GW_QUOTE_H

#include <stddef.h>

#define GW_QUOTE_IN   60        /* input bytes shown at most */
#define GW_QUOTE_SIZE 168       /* a buffer that always holds the result */

/* Writes into out (GW_QUOTE_SIZE bytes) at most GW_QUOTE_IN bytes of s:
 * '"' and '\' escaped with a backslash, bytes outside printable ASCII as
 * \xHH, and "..." when s was cut. Returns out. */
char *gw_quote(char *out, const char *s, size_t n);

#endif
