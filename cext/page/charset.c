/* Which charset a gateway page is in: the Content-Type parameter (RFC 9110
 * 8.3.1), the <meta> prescan (HTML Living Standard 13.2.3.2, simplified),
 * strict UTF-8, and a byte-statistics guess between Shift_JIS and EUC-JP
 * (JIS X 0208 in their two encodings). Pure; decoding is in decode.c. */
#include <string.h>
#include "tag.h"
#include "utf8.h"
#include "charset.h"

typedef struct alias {
    const char *label, *name;
} alias;

static const alias aliases[] = {
    {"shift_jis", "shift_jis"}, {"shift-jis", "shift_jis"}, {"sjis", "shift_jis"},
    {"x-sjis", "shift_jis"}, {"windows-31j", "shift_jis"}, {"cp932", "shift_jis"},
    {"ms932", "shift_jis"}, {"ms_kanji", "shift_jis"}, {"csshiftjis", "shift_jis"},
    {"euc-jp", "euc-jp"}, {"x-euc-jp", "euc-jp"}, {"eucjp", "euc-jp"},
    {"cseucpkdfmtjapanese", "euc-jp"},
    {"utf-8", "utf-8"}, {"utf8", "utf-8"}, {"unicode-1-1-utf-8", "utf-8"},
    {"iso-8859-1", "iso-8859-1"}, {"iso8859-1", "iso-8859-1"},
    {"iso_8859-1", "iso-8859-1"}, {"latin1", "iso-8859-1"}, {"l1", "iso-8859-1"},
    {"us-ascii", "us-ascii"}, {"ascii", "us-ascii"}, {"ansi_x3.4-1968", "us-ascii"},
};

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '.' || c == '_' || c == ':' || c == '+' || c == '-';
}

int page_charset_norm(const char *s, size_t n, char out[PAGE_CHARSET_SIZE])
{
    size_t i;
    out[0] = '\0';
    while (n && (is_space(s[0]) || s[0] == '"' || s[0] == '\'')) {
        s++;
        n--;
    }
    while (n && (is_space(s[n - 1]) || s[n - 1] == '"' || s[n - 1] == '\''))
        n--;
    if (n == 0 || n > GW_PAGE_CHARSET_MAX)
        return -1;
    for (i = 0; i < n; i++) {
        if (!name_char(s[i])) {
            out[0] = '\0';
            return -1;
        }
        out[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
    }
    out[n] = '\0';
    for (i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        if (strcmp(out, aliases[i].label) == 0) {
            strcpy(out, aliases[i].name);
            break;
        }
    }
    return 0;
}

/* "charset" [spaces] "=" [spaces] value, anywhere in v: the algorithm for
 * extracting a character encoding from a meta element (HTML 2.6.7),
 * used for the Content-Type header too. */
int page_charset_param(const char *v, size_t n, char out[PAGE_CHARSET_SIZE])
{
    size_t i = 0, start;
    out[0] = '\0';
    while (i + 7 <= n) {
        if (!page_ascii_ieq("charset", v + i, 7)) {
            i++;
            continue;
        }
        i += 7;
        while (i < n && is_space(v[i]))
            i++;
        if (i >= n || v[i] != '=')
            continue;
        i++;
        while (i < n && is_space(v[i]))
            i++;
        if (i < n && (v[i] == '"' || v[i] == '\'')) {
            const char *q = memchr(v + i + 1, v[i], n - i - 1);
            if (!q)
                return -1;
            start = i + 1;
            i = (size_t)(q - v);
        } else {
            start = i;
            while (i < n && !is_space(v[i]) && v[i] != ';')
                i++;
        }
        return page_charset_norm(v + start, i - start, out);
    }
    return -1;
}

/* A <meta> tag's charset; 0 when it gives one. */
static int meta(const page_tag *t, char out[PAGE_CHARSET_SIZE])
{
    size_t vn;
    const char *v = page_tag_attr(t, "charset", &vn);
    int rc = -1;
    if (v)
        rc = page_charset_norm(v, vn, out);
    if (rc != 0 && (v = page_tag_attr(t, "http-equiv", &vn)) != NULL
        && page_ascii_ieq("content-type", v, vn)
        && (v = page_tag_attr(t, "content", &vn)) != NULL)
        rc = page_charset_param(v, vn, out);
    if (rc == 0 && strncmp(out, "utf-16", 6) == 0)
        strcpy(out, "utf-8");
    return rc;
}

static int letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int page_charset_meta(const char *s, size_t n, char out[PAGE_CHARSET_SIZE])
{
    size_t i = 0, k;
    page_tag t;
    const char *p;
    if (n > GW_PAGE_PRESCAN)
        n = GW_PAGE_PRESCAN;
    out[0] = '\0';
    while (i < n && (p = memchr(s + i, '<', n - i)) != NULL) {
        i = (size_t)(p - s);
        if (n - i >= 4 && memcmp(p, "<!--", 4) == 0) {
            for (k = i + 4; k + 3 <= n && memcmp(s + k, "-->", 3) != 0; k++)
                ;
            i = k + 3;
        } else if (n - i >= 2 && (letter(p[1]) || (p[1] == '/' && n - i >= 3 && letter(p[2])))) {
            k = page_tag_scan(p, n - i, &t);
            if (k == 0)
                return -1;
            if (!t.end && strcmp(t.name, "meta") == 0 && meta(&t, out) == 0)
                return 0;
            i += k;
        } else if (n - i >= 2 && (p[1] == '!' || p[1] == '/' || p[1] == '?')) {
            p = memchr(p, '>', n - i);
            if (!p)
                return -1;
            i = (size_t)(p - s) + 1;
        } else {
            i++;
        }
    }
    return -1;
}

const char *page_charset_guess_jp(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i, sj_err = 0, sj_kana = 0, euc_err = 0, euc_kana = 0;
    for (i = 0; i < n;) {                         /* Shift_JIS */
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
        } else if (c >= 0xa1 && c <= 0xdf) {
            sj_kana++;
            i++;
        } else if (((c >= 0x81 && c <= 0x9f) || (c >= 0xe0 && c <= 0xfc)) && i + 1 < n
                   && p[i + 1] >= 0x40 && p[i + 1] <= 0xfc && p[i + 1] != 0x7f) {
            i += 2;
        } else {
            sj_err++;
            i++;
        }
    }
    for (i = 0; i < n;) {                         /* EUC-JP */
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
        } else if (c == 0x8e && i + 1 < n && p[i + 1] >= 0xa1 && p[i + 1] <= 0xdf) {
            euc_kana++;
            i += 2;
        } else if (c == 0x8f && i + 2 < n && p[i + 1] >= 0xa1 && p[i + 1] <= 0xfe
                   && p[i + 2] >= 0xa1 && p[i + 2] <= 0xfe) {
            i += 3;
        } else if (c >= 0xa1 && c <= 0xfe && i + 1 < n && p[i + 1] >= 0xa1 && p[i + 1] <= 0xfe) {
            i += 2;
        } else {
            euc_err++;
            i++;
        }
    }
    if (sj_err != euc_err)
        return sj_err < euc_err ? "shift_jis" : "euc-jp";
    return euc_kana < sj_kana ? "euc-jp" : "shift_jis";
}

const char *page_charset_detect(const char *s, size_t n, const char *ctype, size_t ctn,
                                char out[PAGE_CHARSET_SIZE])
{
    if (n > GW_PAGE_INPUT_MAX)
        n = GW_PAGE_INPUT_MAX;
    if (ctype && page_charset_param(ctype, ctn, out) == 0)
        return out;
    if (page_charset_meta(s, n, out) == 0)
        return out;
    strcpy(out, page_utf8_valid(s, n, NULL) ? "utf-8" : page_charset_guess_jp(s, n));
    return out;
}
