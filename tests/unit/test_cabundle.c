/* gw_cabundle (cext/net/cabundle.c): PEM bundles (RFC 7468) indexed by the
 * subject Name of each certificate (RFC 5280 4.1), checked against
 * OpenSSL's own parse: two embedded certificates (a v1 one without the [0]
 * version, a v3 one), malformed blocks, the bound, and every certificate
 * of the system bundle when there is one. */
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include "net/cabundle.h"
#include "core/limits.h"
#include "unit/check.h"

static const char V1[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBPjCB5QIUUz6LJnpk0JQOrr4G0/KBb7pSjqowCgYIKoZIzj0EAwIwIjERMA8G\n"
    "A1UEAwwIZ3draXQgdjExDTALBgNVBAoMBFRlc3QwHhcNMjYxMTIzMTUwNDQ0WhcN\n"
    "MzYxMTIwMTUwNDQ0WjAiMREwDwYDVQQDDAhnd2tpdCB2MTENMAsGA1UECgwEVGVz\n"
    "dDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABOhApESZTR1MaL3hd+TR+P52a2a8\n"
    "0rovYbtzfOiqcJtWfTXV+OFPpRPPPtOpqawFybn0AvxMZ7rLvlOwBy4GgKkwCgYI\n"
    "KoZIzj0EAwIDSAAwRQIgYgfVLd0F/5AgkxaBb8vMyrUSUbRnBZS3txdQqqdHtxYC\n"
    "IQCb1547WNctmpEgJifP3v1u5/Y7YG9IMslhc00vfDF6hw==\n"
    "-----END CERTIFICATE-----\n";
static const char V3[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBxTCCAWugAwIBAgIUabqMwMiZ7mBb1B70ArqI6KoooJUwCgYIKoZIzj0EAwIw\n"
    "ODELMAkGA1UEBhMCSlAxEzARBgNVBAoMCmd3a2l0IHRlc3QxFDASBgNVBAMMC2d3\n"
    "a2l0IHYzIENBMB4XDTI2MTEyMzE1MDQ0NFoXDTM2MTEyMDE1MDQ0NFowODELMAkG\n"
    "A1UEBhMCSlAxEzARBgNVBAoMCmd3a2l0IHRlc3QxFDASBgNVBAMMC2d3a2l0IHYz\n"
    "IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEgKXvPsl/Y67Cbm2sO3grKyjI\n"
    "psXIFawbT/Wjb8CGCIFfGClrfKVbSWve3hOnImcAQoqEf9OutIoPnPLUbiXZVaNT\n"
    "MFEwHQYDVR0OBBYEFGLGCqw6Z/M50aw98iAUCdNq9Y9oMB8GA1UdIwQYMBaAFGLG\n"
    "Cqw6Z/M50aw98iAUCdNq9Y9oMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwID\n"
    "SAAwRQIgLx1ncdSAZJ05o9s66Bupcb/R3dH5y6zw7deEAkn73pwCIQCNeATDz2UU\n"
    "rh8muipR4vANq1HkiCZooQHD+Me9y8vbeQ==\n"
    "-----END CERTIFICATE-----\n";

/* 1 when certificate i of b has the subject OpenSSL finds in pem. */
static int same_subject(const gw_cabundle *b, size_t i, const char *pem, size_t len)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    const unsigned char *der;
    size_t n;
    int ok = x && X509_NAME_get0_der(X509_get_subject_name(x), &der, &n) && i < b->n
             && b->certs[i].subject_len == n && memcmp(b->der.data + b->certs[i].subject, der, n) == 0;
    X509_free(x);
    BIO_free(bio);
    return ok;
}

/* The subject DER of a PEM certificate, as OpenSSL reads it, into out. */
static size_t subject(const char *pem, unsigned char *out, size_t cap)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    const unsigned char *der;
    size_t n = 0;
    if (x && X509_NAME_get0_der(X509_get_subject_name(x), &der, &n) && n <= cap)
        memcpy(out, der, n);
    X509_free(x);
    BIO_free(bio);
    return n;
}

static size_t count(const char *pem)
{
    gw_cabundle b;
    size_t n = gw_cabundle_index(&b, pem, strlen(pem)) == 0 ? b.n : (size_t)-1;
    gw_cabundle_free(&b);
    return n;
}

static void test_embedded(void)
{
    static char both[4096];
    unsigned char s1[256], s3[256];
    size_t n1 = subject(V1, s1, sizeof s1), n3 = subject(V3, s3, sizeof s3);
    gw_cabundle b;
    CHECK(n1 > 0 && n3 > 0, "OpenSSL reads the embedded certificates");
    CHECK(gw_cabundle_index(&b, V1, strlen(V1)) == 0 && b.n == 1 && same_subject(&b, 0, V1, strlen(V1)),
          "a v1 certificate (no [0] version): its subject");
    CHECK(b.certs[0].off == 0 && b.certs[0].len == 322 && !b.trusted, "v1: the whole DER, 322 bytes");
    {
        char hex[16];
        const unsigned char *d = (const unsigned char *)b.der.data;
        snprintf(hex, sizeof hex, "%02x%02x%02x%02x", d[0], d[1], d[2], d[3]);
        CHECK_STR(hex, "3082013e", "v1: a SEQUENCE of 318 bytes");
    }
    gw_cabundle_free(&b);
    CHECK(gw_cabundle_index(&b, V3, strlen(V3)) == 0 && b.n == 1 && same_subject(&b, 0, V3, strlen(V3)),
          "a v3 certificate: its subject");
    gw_cabundle_free(&b);
    snprintf(both, sizeof both, "# comment\n%s\nsome text -----BEGIN THING-----\n%s%s", V1, V3, V3);
    CHECK(gw_cabundle_index(&b, both, strlen(both)) == 0 && b.n == 3, "text, v1, v3, v3: three");
    CHECK(gw_cabundle_find(&b, 0, s1, n1) == 0 && gw_cabundle_find(&b, 1, s1, n1) == 3,
          "find the v1 subject: first, and no second");
    CHECK(gw_cabundle_find(&b, 0, s3, n3) == 1 && gw_cabundle_find(&b, 2, s3, n3) == 2
          && gw_cabundle_find(&b, 3, s3, n3) == 3, "find the v3 subject twice");
    CHECK(gw_cabundle_find(&b, 0, s3, n3 - 1) == 3, "a prefix of a subject is no match");
    gw_cabundle_free(&b);
    CHECK(b.n == 0 && b.certs == NULL && b.der.data == NULL, "free empties it");
}

/* Replaces the first occurrence of from in s by to (same length or shorter). */
static void edit(char *s, const char *from, const char *to)
{
    char *p = strstr(s, from);
    if (p) {
        memmove(p + strlen(to), p + strlen(from), strlen(p + strlen(from)) + 1);
        memcpy(p, to, strlen(to));
    }
}

static void test_malformed(void)
{
    static char s[4096];
    gw_cabundle b;
    const char *body = strchr(V3, '\n') + 1;    /* the first base64 line */
    char line[8];
    snprintf(line, sizeof line, "%.6s", body);
    CHECK(count("") == 0 && count("no pem here") == 0, "no block: nothing");
    snprintf(s, sizeof s, "%s", V3);
    edit(s, "-----END CERTIFICATE-----", "");
    CHECK(count(s) == 0, "no END line: nothing");
    snprintf(s, sizeof s, "%s%s", V3, V1);
    edit(s, line, "!!!!!!");
    CHECK(count(s) == 1, "a character outside base64: that block dropped, the next kept");
    snprintf(s, sizeof s, "%s", V1);            /* 322 bytes: "==" */
    edit(s, "==\n-----END", "==x\n-----END");
    CHECK(strstr(s, "==x") && count(s) == 0, "text after the padding: dropped");
    snprintf(s, sizeof s, "%s", V3);
    edit(s, line, "MII");           /* the DER header cut short */
    CHECK(count(s) == 0, "a block that is not a DER certificate: dropped");
    snprintf(s, sizeof s, "-----BEGIN CERTIFICATE-----\nMIAwAA==\n-----END CERTIFICATE-----\n");
    CHECK(count(s) == 0, "an indefinite length: dropped");
    snprintf(s, sizeof s, "-----BEGIN CERTIFICATE-----\nMIQAAAAAAA==\n-----END CERTIFICATE-----\n");
    CHECK(count(s) == 0, "a length beyond the block: dropped");
    snprintf(s, sizeof s, "-----BEGIN CERTIFICATE-----\nHwAA\n-----END CERTIFICATE-----\n");
    CHECK(count(s) == 0, "a multi-byte tag: dropped");
    snprintf(s, sizeof s, "-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n");
    CHECK(count(s) == 0, "a truncated TLV: dropped");
    snprintf(s, sizeof s, "-----BEGIN CERTIFICATE-----\nM\n-----END CERTIFICATE-----\n%s", V1);
    CHECK(count(s) == 1, "one base64 character: dropped");
    /* CRLF line ends and no final line end */
    {
        size_t i, k = 0;
        for (i = 0; V3[i] && k + 2 < sizeof s; i++) {
            if (V3[i] == '\n')
                s[k++] = '\r';
            s[k++] = V3[i];
        }
        s[k - 2] = '\0';
        CHECK(count(s) == 1, "CRLF line ends, no final line end");
    }
    snprintf(s, sizeof s, "-----BEGIN TRUSTED CERTIFICATE-----\nAAAA\n-----END TRUSTED "
             "CERTIFICATE-----\n%s", V1);
    CHECK(gw_cabundle_index(&b, s, strlen(s)) == 0 && b.trusted && b.n == 1,
          "a TRUSTED CERTIFICATE block is flagged");
    gw_cabundle_free(&b);
}

static void test_bound(void)
{
    size_t one = strlen(V1), i, n = (GW_CABUNDLE_CERTS + 1) * one;
    char *big = malloc(n + 1);
    gw_cabundle b;
    if (!CHECK(big != NULL, "memory"))
        return;
    for (i = 0; i <= GW_CABUNDLE_CERTS; i++)
        memcpy(big + i * one, V1, one);
    big[n] = '\0';
    CHECK(gw_cabundle_index(&b, big, n) == 0 && b.n == GW_CABUNDLE_CERTS,
          "GW_CABUNDLE_CERTS certificates at most");
    gw_cabundle_free(&b);
    free(big);
}

/* Every certificate of the system bundle, against OpenSSL's reading of it. */
static void test_system_bundle(void)
{
    const char *path = "/etc/ssl/certs/ca-certificates.crt";
    FILE *f = fopen(path, "rb");
    STACK_OF(X509_INFO) *infos;
    BIO *bio;
    char *pem;
    size_t n, i, ok = 0, certs = 0;
    gw_cabundle b;
    if (!f) {
        printf("# %s not found: skipped\n", path);
        return;
    }
    pem = malloc(GW_CABUNDLE_BYTES);
    n = pem ? fread(pem, 1, GW_CABUNDLE_BYTES, f) : 0;
    fclose(f);
    bio = BIO_new_mem_buf(pem, (int)n);
    infos = bio ? PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL) : NULL;
    CHECK(infos && gw_cabundle_index(&b, pem, n) == 0, "the system bundle: indexed");
    for (i = 0; infos && i < (size_t)sk_X509_INFO_num(infos); i++) {
        X509 *x = sk_X509_INFO_value(infos, (int)i)->x509;
        const unsigned char *der;
        size_t dn;
        if (!x)
            continue;
        certs++;
        ok += i < b.n && X509_NAME_get0_der(X509_get_subject_name(x), &der, &dn)
              && b.certs[i].subject_len == dn && memcmp(b.der.data + b.certs[i].subject, der, dn) == 0;
    }
    printf("# %lu certificates in %s\n", (unsigned long)certs, path);
    CHECK(certs > 0 && b.n == certs && ok == certs, "the system bundle: every subject as OpenSSL reads it");
    gw_cabundle_free(&b);
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    BIO_free(bio);
    free(pem);
}

int main(void)
{
    test_embedded();
    test_malformed();
    test_bound();
    test_system_bundle();
    return CHECK_DONE();
}
