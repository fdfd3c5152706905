/* Printable excerpts of untrusted bytes for messages. */
#include <string.h>
#include "quote.h"

#define QUOTE_OUT 160    /* escaped characters at most; then "..." and the NUL */

char *gw_quote(char *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, o = 0;
    for (i = 0; i < n && i < GW_QUOTE_IN; i++) {
        unsigned char c = (unsigned char)s[i];
        if (o + 4 > QUOTE_OUT)
            break;
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c >= 0x20 && c < 0x7f) {
            out[o++] = (char)c;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    if (i < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}
