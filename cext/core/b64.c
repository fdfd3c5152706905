/* Strict base64, RFC 4648 section 4. */
#include <stdint.h>
#include "b64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int gw_b64_encode(gw_buf *out, const void *in, size_t n)
{
    const unsigned char *s = in;
    size_t i, olen = (n + 2) / 3 * 4;
    char *o;
    int rc;
    if (n > ((size_t)-1) / 2)
        return GW_BUF_ELIMIT;
    if ((rc = gw_buf_reserve(out, olen)) != 0)
        return rc;
    o = out->data + out->len;
    for (i = 0; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[(v >> 12) & 63];
        *o++ = alphabet[(v >> 6) & 63];
        *o++ = alphabet[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)s[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)s[i + 1] << 8;
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[(v >> 12) & 63];
        *o++ = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    out->len += olen;
    out->data[out->len] = '\0';
    return 0;
}

int gw_b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int gw_b64_decode(gw_buf *out, const char *in, size_t n)
{
    size_t i, pad = 0, olen;
    char *o;
    int rc;
    if (n % 4)
        return -1;
    if (n && in[n - 1] == '=') pad++;
    if (n > 1 && in[n - 2] == '=') pad++;
    olen = n / 4 * 3 - pad;
    if ((rc = gw_buf_reserve(out, olen)) != 0)
        return rc;
    o = out->data + out->len;
    for (i = 0; i < n; i += 4) {
        int last = i + 4 == n;
        int a = gw_b64_value((unsigned char)in[i]), b = gw_b64_value((unsigned char)in[i + 1]);
        int c = gw_b64_value((unsigned char)in[i + 2]), d = gw_b64_value((unsigned char)in[i + 3]);
        if (a < 0 || b < 0)
            return -1;
        *o++ = (char)(a << 2 | b >> 4);
        if (last && pad == 2) {
            if (in[i + 2] != '=' || (b & 15))   /* padding and zero bits */
                return -1;
            break;
        }
        if (c < 0)
            return -1;
        *o++ = (char)((b & 15) << 4 | c >> 2);
        if (last && pad == 1) {
            if (c & 3)
                return -1;
            break;
        }
        if (d < 0)
            return -1;
        *o++ = (char)((c & 3) << 6 | d);
    }
    out->len += olen;
    out->data[out->len] = '\0';
    return 0;
}
