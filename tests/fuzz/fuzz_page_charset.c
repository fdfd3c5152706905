/* libFuzzer: charset detection and decoding of a gateway's page
 * (cext/page/charset.c, decode.c). An odd first byte makes the bytes up to
 * the first newline a Content-Type value; the rest is the page.
 *
 * Checked: page_charset_detect gives a normalised name (lower case, only
 * name characters, at most GW_PAGE_CHARSET_MAX) that normalises to itself;
 * the Content-Type's parameter wins when there is one; "utf-8" from the
 * bytes only when they are well-formed UTF-8 (a reference validator after
 * the Unicode Standard's Table 3-7 is the oracle). page_decode with
 * utf-8, shift_jis, euc-jp, iso-8859-1, us-ascii and the detected name:
 * success gives well-formed UTF-8 of bounded size; utf-8 succeeds exactly
 * when the oracle says so, with the input back (less a BOM) or the
 * oracle's offset in the message; iso-8859-1 always succeeds with one or
 * two bytes per input byte; us-ascii exactly for 7-bit input, unchanged.
 * Every error: GW_EPROTOCOL, one printable line starting "page: ", and an
 * offset inside the input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/limits.h"
#include "page/charset.h"
#include "page/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(c) do { if (!(c)) abort(); } while (0)

/* Table 3-7 of the Unicode Standard: the offset of the first ill-formed
 * sequence, or n. */
static size_t oracle_utf8(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        uint8_t lo = 0x80, hi = 0xbf;
        size_t len, k;
        if (c <= 0x7f) { i++; continue; }
        if (c >= 0xc2 && c <= 0xdf) len = 2;
        else if (c == 0xe0) { len = 3; lo = 0xa0; }
        else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) len = 3;
        else if (c == 0xed) { len = 3; hi = 0x9f; }
        else if (c == 0xf0) { len = 4; lo = 0x90; }
        else if (c >= 0xf1 && c <= 0xf3) len = 4;
        else if (c == 0xf4) { len = 4; hi = 0x8f; }
        else return i;
        if (n - i < len || s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (k = 2; k < len; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xbf)
                return i;
        i += len;
    }
    return n;
}

static void check_name(const char *name)
{
    char again[PAGE_CHARSET_SIZE];
    size_t i, n = strlen(name);
    MUST(n > 0 && n <= GW_PAGE_CHARSET_MAX);
    for (i = 0; i < n; i++)
        MUST(strchr("abcdefghijklmnopqrstuvwxyz0123456789._:+-", name[i]) != NULL);
    MUST(page_charset_norm(name, n, again) == 0 && strcmp(again, name) == 0);
}

static void check_err(const gw_err *e, size_t n)
{
    size_t i, len = strnlen(e->msg, sizeof e->msg);
    const char *at;
    MUST(e->kind == GW_EPROTOCOL && len < sizeof e->msg);
    MUST(strncmp(e->msg, "page: ", 6) == 0);
    for (i = 0; i < len; i++)
        MUST((unsigned char)e->msg[i] >= 0x20 && (unsigned char)e->msg[i] < 0x7f);
    if ((at = strstr(e->msg, " at byte ")) != NULL)
        MUST(strtoul(at + 9, NULL, 10) < n);
}

static void decode(const char *cs, const uint8_t *d, size_t n)
{
    gw_buf out;
    gw_err e;
    size_t i, high = 0, bad = oracle_utf8(d, n);
    int rc = page_decode(&out, (const char *)d, n, cs, &e);
    for (i = 0; i < n; i++)
        high += d[i] >= 0x80;
    if (rc == 0) {
        MUST(page_utf8_valid(out.data, out.len, NULL));
        MUST(oracle_utf8((const uint8_t *)out.data, out.len) == out.len);
        MUST(out.len <= 4 * n + 64);
    } else {
        check_err(&e, n);
    }
    if (strcmp(cs, "utf-8") == 0) {
        MUST((rc == 0) == (bad == n));
        if (rc == 0) {
            size_t bom = n >= 3 && memcmp(d, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
            MUST(out.len == n - bom && memcmp(out.data, d + bom, out.len) == 0);
        } else {
            char want[64];
            snprintf(want, sizeof want, "page: invalid UTF-8 at byte %lu", (unsigned long)bad);
            MUST(strcmp(e.msg, want) == 0);
        }
    } else if (strcmp(cs, "iso-8859-1") == 0) {
        MUST(rc == 0 && out.len == n + high);
    } else if (strcmp(cs, "us-ascii") == 0) {
        MUST((rc == 0) == (high == 0));
        MUST(rc != 0 || (out.len == n && memcmp(out.data, d, n) == 0));
    }
    gw_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const sets[] = { "utf-8", "shift_jis", "euc-jp", "iso-8859-1", "us-ascii" };
    const char *ct = NULL;
    size_t ctn = 0, i;
    char name[PAGE_CHARSET_SIZE], param[PAGE_CHARSET_SIZE];
    const uint8_t *page = data;
    size_t n = size;
    if (size > 0) {
        page = data + 1;
        n = size - 1;
        if (data[0] & 1) {
            const uint8_t *nl = memchr(page, '\n', n);
            ct = (const char *)page;
            ctn = nl ? (size_t)(nl - page) : n;
            page += ctn + (nl != NULL);
            n -= ctn + (nl != NULL);
        }
    }
    page_charset_detect((const char *)page, n, ct, ctn, name);
    check_name(name);
    if (ct && page_charset_param(ct, ctn, param) == 0)
        MUST(strcmp(name, param) == 0);
    else if (page_charset_meta((const char *)page, n, param) != 0)
        MUST(strcmp(name, "utf-8") != 0 || oracle_utf8(page, n) == n);
    if (page_charset_norm(ct ? ct : "", ctn, param) == 0)
        check_name(param);
    for (i = 0; i < sizeof sets / sizeof sets[0]; i++)
        decode(sets[i], page, n);
    decode(name, page, n);
    return 0;
}
