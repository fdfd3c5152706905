/* Strict UTF-8 (RFC 3629): one code point at a time, whole-string checks,
 * encoding. No overlong forms, no surrogates, nothing above U+10FFFF. */
#ifndef GW_PAGE_UTF8_H
#define GW_PAGE_UTF8_H

#include <stddef.h>

/* Decodes the code point at s (n > 0 bytes available) into *cp; returns its
 * length 1..4, or 0 when the bytes at s are not well-formed UTF-8. */
size_t page_utf8_next(const unsigned char *s, size_t n, unsigned long *cp);

/* 1 when s[0..n) is well-formed UTF-8; else 0 and *bad (if not NULL) is
 * the offset of the first byte that does not start a well-formed sequence. */
int page_utf8_valid(const char *s, size_t n, size_t *bad);

/* Writes cp (<= 0x10FFFF, not a surrogate) as 1..4 bytes; returns the count. */
size_t page_utf8_put(unsigned long cp, char out[4]);

#endif
