/* HTML character references: &name; for a set of common names, &#NNN;
 * and &#xHH; (HTML Living Standard 13.2.5.72-80, a subset). */
#ifndef GW_PAGE_ENTITY_H
#define GW_PAGE_ENTITY_H

#include <stddef.h>

/* s[0] is '&' (n bytes available). Decodes one reference into *cp and
 * returns the bytes it takes (';' included), or 0 when s does not start a
 * reference this decoder knows: the caller keeps the '&' as text. A name
 * needs its ';' except the legacy amp, lt, gt, quot, nbsp, copy, reg; in
 * an attribute value (in_attr) these are not decoded before an ASCII
 * letter, digit or '='. Numbers: 1..8 digits, ';' optional; 0, surrogates
 * and values above 0x10FFFF are refused, 0x80..0x9F map as Windows-1252
 * does (the standard's table). The UTF-8 of *cp is never longer than the
 * reference. */
size_t page_entity(const char *s, size_t n, int in_attr, unsigned long *cp);

#endif
