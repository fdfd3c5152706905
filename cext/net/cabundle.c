/* A PEM certificate bundle indexed by subject (RFC 7468 textual encoding,
 * RFC 5280 4.1 certificate structure, X.690 DER lengths). Only what is
 * needed to find the subject Name is read: the outer SEQUENCE, the
 * tbsCertificate SEQUENCE, and the TLV headers of [0] version,
 * serialNumber, signature, issuer and validity, which are skipped. The
 * certificates themselves are checked by OpenSSL when a chain takes them. */
#include <stdlib.h>
#include <string.h>
#include "cabundle.h"
#include "../core/b64.h"
#include "../core/limits.h"

static const char BEGIN[] = "-----BEGIN CERTIFICATE-----";
static const char END[] = "-----END CERTIFICATE-----";

/* One DER TLV at p[0..n): single-byte tag, definite length of at most four
 * bytes. Sets the header length and the content length; 0, or -1 when it
 * does not fit in n. */
static int tlv(const unsigned char *p, size_t n, unsigned *tag, size_t *hdr, size_t *len)
{
    size_t k, l;
    if (n < 2 || (p[0] & 0x1f) == 0x1f)
        return -1;
    *tag = p[0];
    if (p[1] < 0x80) {
        l = p[1];
        k = 2;
    } else {
        size_t m = p[1] & 0x7f, i;
        if (m == 0 || m > 4 || n < 2 + m)
            return -1;
        for (l = 0, i = 0; i < m; i++)
            l = l << 8 | p[2 + i];
        k = 2 + m;
    }
    if (l > n - k)
        return -1;
    *hdr = k;
    *len = l;
    return 0;
}

/* The subject Name of the certificate der[0..n): its offset and length
 * (header included). 0 or -1. */
static int subject_of(const unsigned char *der, size_t n, size_t *off, size_t *len)
{
    static const unsigned tags[] = { 0x02, 0x30, 0x30, 0x30 };  /* serial, sig, issuer, validity */
    unsigned tag;
    size_t hdr, l, pos, end, i;
    if (tlv(der, n, &tag, &hdr, &l) != 0 || tag != 0x30 || hdr + l != n)
        return -1;
    pos = hdr;                                  /* tbsCertificate */
    if (tlv(der + pos, n - pos, &tag, &hdr, &l) != 0 || tag != 0x30)
        return -1;
    end = pos + hdr + l;
    pos += hdr;
    if (tlv(der + pos, end - pos, &tag, &hdr, &l) != 0)
        return -1;
    if (tag == 0xa0) {                          /* [0] EXPLICIT version */
        pos += hdr + l;
        if (tlv(der + pos, end - pos, &tag, &hdr, &l) != 0)
            return -1;
    }
    for (i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        if (i > 0 && tlv(der + pos, end - pos, &tag, &hdr, &l) != 0)
            return -1;
        if (tag != tags[i])
            return -1;
        pos += hdr + l;
    }
    if (tlv(der + pos, end - pos, &tag, &hdr, &l) != 0 || tag != 0x30)
        return -1;
    *off = pos;
    *len = hdr + l;
    return 0;
}

/* Decodes the base64 body p[0..n) (whitespace skipped, '=' ends it) onto
 * out. 0, 1 when malformed, or a GW_BUF_* error. */
static int decode(gw_buf *out, const char *p, size_t n)
{
    unsigned acc = 0;
    int bits = 0, v, rc = gw_buf_reserve(out, n / 4 * 3 + 3);
    unsigned char *w;
    size_t i;
    if (rc != 0)
        return rc;
    w = (unsigned char *)out->data + out->len;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=')
            break;
        if ((v = gw_b64_value(c)) < 0)
            return 1;
        acc = (acc << 6 | (unsigned)v) & 0xffffffu;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *w++ = (unsigned char)(acc >> bits & 0xff);
        }
    }
    for (; i < n; i++)                          /* only padding and whitespace may follow */
        if (!strchr("= \t\r\n", p[i]))
            return 1;
    if (bits >= 6)                              /* a lone 6-bit group is no byte */
        return 1;
    out->len = (size_t)((char *)w - out->data);
    out->data[out->len] = '\0';
    return 0;
}

static const char *find(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    const char *p = hay, *end = hay + n;
    while ((size_t)(end - p) >= k && (p = memchr(p, needle[0], (size_t)(end - p) - k + 1)) != NULL) {
        if (memcmp(p, needle, k) == 0)
            return p;
        p++;
    }
    return NULL;
}

int gw_cabundle_index(gw_cabundle *b, const char *pem, size_t len)
{
    const char *p = pem, *end = pem + len;
    size_t cap = 0;
    memset(b, 0, sizeof *b);
    gw_buf_init(&b->der, len);                  /* DER is shorter than its base64 */
    if (gw_buf_reserve(&b->der, len / 4 * 3) != 0)
        return -1;
    b->trusted = find(pem, len, "-----BEGIN TRUSTED CERTIFICATE-----") != NULL;
    while (b->n < GW_CABUNDLE_CERTS && (p = find(p, (size_t)(end - p), BEGIN)) != NULL) {
        const char *body = p + sizeof BEGIN - 1, *stop = find(body, (size_t)(end - body), END);
        size_t start = b->der.len, off, slen;
        int rc;
        if (!stop)
            break;
        p = stop + sizeof END - 1;
        rc = decode(&b->der, body, (size_t)(stop - body));
        if (rc < 0)
            goto oom;
        if (rc != 0 || b->der.len == start
            || subject_of((unsigned char *)b->der.data + start, b->der.len - start,
                          &off, &slen) != 0) {
            b->der.len = start;                 /* a broken block: dropped */
            continue;
        }
        if (b->n == cap) {
            gw_cabundle_cert *c;
            cap = cap ? cap * 2 : 64;
            if (!(c = realloc(b->certs, cap * sizeof *c)))
                goto oom;
            b->certs = c;
        }
        b->certs[b->n].off = start;
        b->certs[b->n].len = b->der.len - start;
        b->certs[b->n].subject = start + off;
        b->certs[b->n].subject_len = slen;
        b->n++;
    }
    return 0;
oom:
    gw_cabundle_free(b);
    return -1;
}

size_t gw_cabundle_find(const gw_cabundle *b, size_t from, const unsigned char *name, size_t n)
{
    size_t i;
    for (i = from; i < b->n; i++)
        if (b->certs[i].subject_len == n
            && memcmp(b->der.data + b->certs[i].subject, name, n) == 0)
            return i;
    return b->n;
}

void gw_cabundle_free(gw_cabundle *b)
{
    gw_buf_free(&b->der);
    free(b->certs);
    b->certs = NULL;
    b->n = 0;
}
