/* libFuzzer: the DATA encoder. The first two bytes seed the chunk sizes, the
 * rest is the message. Checks: chunked and whole encodings are identical;
 * the output has no bare CR or LF, every line starting with "." other than
 * the final one starts with "..", it ends with the terminator, it fits in
 * 2n + 5 bytes; undoing the encoding gives the input with every line end
 * (CRLF, CR, LF) as "\n" and a final "\n" added to an unterminated last line;
 * eightbit, has_nul, longest, in_bytes and any agree with the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "smtp/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(c) do { if (!(c)) abort(); } while (0)

static uint32_t next(uint32_t *s)
{
    uint32_t x = *s ? *s : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

/* The input with its line ends normalised to "\n"; returns its length. */
static size_t normalise(const char *in, size_t n, char *out)
{
    size_t i, o = 0;
    for (i = 0; i < n; i++) {
        if (in[i] == '\r') {
            out[o++] = '\n';
            if (i + 1 < n && in[i + 1] == '\n')
                i++;
        } else {
            out[o++] = in[i];
        }
    }
    if (o > 0 && out[o - 1] != '\n')
        out[o++] = '\n';
    return o;
}

/* Checks the wire form and undoes it into dec; returns the decoded length
 * and the longest line seen. */
static size_t decode(const char *w, size_t n, char *dec, size_t *longest)
{
    size_t i, start = 0, o = 0;
    *longest = 0;
    MUST(n >= 3 && memcmp(w + n - 3, ".\r\n", 3) == 0);
    MUST(n == 3 || (n >= 5 && memcmp(w + n - 5, "\r\n", 2) == 0));
    for (i = 0; i < n; i++) {
        if (w[i] == '\r')
            MUST(i + 1 < n && w[i + 1] == '\n');
        if (w[i] == '\n')
            MUST(i > 0 && w[i - 1] == '\r');
    }
    n -= 3;                                     /* drop the terminator */
    for (i = 0; i < n; i++) {
        size_t len, skip = 0;
        if (w[i] != '\r')
            continue;
        len = i - start;
        if (len > *longest)
            *longest = len;
        if (len > 0 && w[start] == '.') {
            MUST(len >= 2 && w[start + 1] == '.');
            skip = 1;
        }
        memcpy(dec + o, w + start + skip, len - skip);
        o += len - skip;
        dec[o++] = '\n';
        start = i + 2;
        i++;
    }
    MUST(start == n);
    return o;
}

static void encode(const char *in, size_t n, uint32_t seed, gw_buf *out, smtp_data *d)
{
    size_t i = 0;
    smtp_data_init(d);
    while (i < n) {
        size_t k = next(&seed) % 4 == 0 ? n - i : next(&seed) % 9;
        if (k > n - i)
            k = n - i;
        MUST(smtp_data_feed(d, in + i, k, out) == 0);
        i += k;
    }
    MUST(smtp_data_finish(d, out) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in;
    size_t n, i, nlen, dlen, longest;
    uint32_t seed;
    int high = 0;
    gw_buf a, b;
    smtp_data da, db;
    char *norm, *dec;
    if (size < 2)
        return 0;
    seed = (uint32_t)data[0] << 8 | data[1];
    in = (const char *)data + 2;
    n = size - 2;
    gw_buf_init(&a, 2 * n + 5);
    gw_buf_init(&b, 2 * n + 5);
    encode(in, n, seed, &a, &da);
    smtp_data_init(&db);
    MUST(smtp_data_feed(&db, in, n, &b) == 0 && smtp_data_finish(&db, &b) == 0);
    MUST(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    MUST(da.eightbit == db.eightbit && da.has_nul == db.has_nul && da.longest == db.longest);

    norm = malloc(n + 2);
    dec = malloc(a.len + 1);
    MUST(norm && dec);
    nlen = normalise(in, n, norm);
    dlen = decode(a.data, a.len, dec, &longest);
    MUST(nlen == dlen && memcmp(norm, dec, nlen) == 0);
    for (i = 0; i < n; i++)
        high |= (unsigned char)in[i] >= 0x80;
    MUST(da.eightbit == high);
    MUST(da.has_nul == (memchr(in, '\0', n) != NULL));
    MUST(da.longest == longest && da.in_bytes == n && da.any == (n > 0));
    free(norm);
    free(dec);
    gw_buf_free(&a);
    gw_buf_free(&b);
    return 0;
}
