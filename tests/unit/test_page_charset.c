/* Known answers for cext/page charset handling: label normalisation, the
 * Content-Type parameter, the <meta> prescan, the Shift_JIS / EUC-JP
 * guess, strict UTF-8, and decoding through iconv (Windows-31J first),
 * with the same status page in UTF-8, Shift_JIS and EUC-JP. */
#include "check.h"
#include "test_page.h"
#include "core/limits.h"
#include "page/charset.h"
#include "page/utf8.h"

typedef struct pair {
    const char *in, *want;      /* want NULL: refused */
} pair;

static const pair norms[] = {
    {"Shift_JIS", "shift_jis"}, {"SJIS", "shift_jis"}, {"x-sjis", "shift_jis"},
    {"shift-jis", "shift_jis"}, {"Windows-31J", "shift_jis"}, {"CP932", "shift_jis"},
    {"EUC-JP", "euc-jp"}, {"x-euc-jp", "euc-jp"}, {"UTF8", "utf-8"}, {"utf-8", "utf-8"},
    {"ISO-8859-1", "iso-8859-1"}, {"latin1", "iso-8859-1"}, {"US-ASCII", "us-ascii"},
    {"KOI8-R", "koi8-r"}, {" \"utf-8\" ", "utf-8"}, {"'EUC-JP'", "euc-jp"},
    {"", NULL}, {"  ", NULL}, {"utf 8", NULL}, {"utf-8;x", NULL}, {"\xe6\x97\xa5", NULL},
    {"abcdefghij0123456789abcdefghij0123456789", "abcdefghij0123456789abcdefghij0123456789"},
    {"abcdefghij0123456789abcdefghij0123456789x", NULL},
};

static const pair params[] = {
    {"text/html; charset=Shift_JIS", "shift_jis"},
    {"text/html;charset=\"euc-jp\"", "euc-jp"},
    {"text/html; CHARSET = 'UTF-8'", "utf-8"},
    {"text/html; charset=x-sjis; foo=bar", "shift_jis"},
    {"text/html; charset", NULL},
    {"text/html", NULL},
    {"text/html; charset=", NULL},
    {"text/html; charset=\"utf-8", NULL},
    {"text/html; charset=utf 8", "utf"},
};

static const pair metas[] = {
    {"<html><head><meta charset=\"euc-jp\"></head>", "euc-jp"},
    {"<META HTTP-EQUIV=\"content-type\" CONTENT=\"text/html; charset=x-sjis\">", "shift_jis"},
    {"<meta content='text/html; charset=EUC-JP' http-equiv=Content-Type>", "euc-jp"},
    {"<meta http-equiv=refresh content=\"5; charset=euc-jp\"><meta charset=utf8>", "utf-8"},
    {"<!-- <meta charset=euc-jp> --><meta charset=sjis>", "shift_jis"},
    {"<p title=\"<meta charset=euc-jp>\"><meta charset=latin1>", "iso-8859-1"},
    {"<meta charset=\"utf-16le\">", "utf-8"},
    {"<meta name=x><p>no charset</p>", NULL},
    {"<meta charset=\"euc-jp", NULL},
    {"", NULL},
};

typedef struct dec {
    const char *name, *in, *charset, *out;  /* out NULL: error with message err */
    size_t n, outn;
    const char *err;
} dec;

#define OK(name, in, cs, out) {name, in, cs, out, sizeof in - 1, sizeof out - 1, NULL}
#define BAD(name, in, cs, err) {name, in, cs, NULL, sizeof in - 1, 0, err}

static const dec decs[] = {
    OK("utf-8 copied", "a\xe3\x81\x82", "utf-8", "a\xe3\x81\x82"),
    OK("utf-8 BOM dropped", "\xef\xbb\xbfok", "UTF8", "ok"),
    BAD("utf-8 overlong", "ab\xc0\xaf", "utf-8", "page: invalid UTF-8 at byte 2"),
    BAD("utf-8 overlong 3 bytes", "\xe0\x80\xaf", "utf-8", "page: invalid UTF-8 at byte 0"),
    BAD("utf-8 surrogate", "x\xed\xa0\x80", "utf-8", "page: invalid UTF-8 at byte 1"),
    BAD("utf-8 above U+10FFFF", "\xf4\x90\x80\x80", "utf-8", "page: invalid UTF-8 at byte 0"),
    BAD("utf-8 cut", "a\xe3\x81", "utf-8", "page: invalid UTF-8 at byte 1"),
    OK("utf-8 NUL kept", "a\0b", "utf-8", "a\0b"),
    OK("shift_jis hiragana", "\x82\xa0", "shift_jis", "\xe3\x81\x82"),
    OK("Windows-31J circled one", "\x87\x40", "Shift_JIS", "\xe2\x91\xa0"),
    OK("backslash stays ASCII", "C:\x5cx~", "sjis", "C:\x5cx~"),
    OK("half-width katakana", "\xb1", "x-sjis", "\xef\xbd\xb1"),
    BAD("shift_jis cut", "ab\x82", "shift_jis", "page: invalid Shift_JIS at byte 2"),
    BAD("shift_jis bad trail", "abc\x82\x20", "cp932", "page: invalid Shift_JIS at byte 3"),
    BAD("shift_jis bad lead", "\xa0", "shift_jis", "page: invalid Shift_JIS at byte 0"),
    OK("euc-jp hiragana", "\xa4\xa2", "EUC-JP", "\xe3\x81\x82"),
    OK("euc-jp half-width", "\x8e\xb1", "euc-jp", "\xef\xbd\xb1"),
    OK("euc-jp JIS X 0212", "\x8f\xb0\xa1", "x-euc-jp", "\xe4\xb8\x82"),
    BAD("euc-jp cut", "x\xa4", "euc-jp", "page: invalid EUC-JP at byte 1"),
    OK("latin-1", "caf\xe9", "ISO-8859-1", "caf\xc3\xa9"),
    OK("us-ascii", "plain", "us-ascii", "plain"),
    BAD("us-ascii refuses 8 bits", "ab\x80", "ascii", "page: invalid US-ASCII at byte 2"),
    OK("other iconv charset", "\x1b$B$\"\x1b(B", "ISO-2022-JP", "\xe3\x81\x82"),
    BAD("unknown charset", "x", "x-klingon", "page: unsupported charset x-klingon"),
    BAD("bad charset label", "x", "utf 8", "page: unsupported charset utf 8"),
    OK("empty input", "", "shift_jis", ""),
};

static void normalise(void)
{
    size_t i;
    char out[PAGE_CHARSET_SIZE];
    for (i = 0; i < sizeof norms / sizeof norms[0]; i++) {
        int rc = page_charset_norm(norms[i].in, strlen(norms[i].in), out);
        if (norms[i].want)
            CHECK(rc == 0 && strcmp(out, norms[i].want) == 0, norms[i].in);
        else
            CHECK(rc == -1 && out[0] == '\0', norms[i].in);
    }
    for (i = 0; i < sizeof params / sizeof params[0]; i++) {
        int rc = page_charset_param(params[i].in, strlen(params[i].in), out);
        if (params[i].want)
            CHECK(rc == 0 && strcmp(out, params[i].want) == 0, params[i].in);
        else
            CHECK(rc == -1, params[i].in);
    }
    for (i = 0; i < sizeof metas / sizeof metas[0]; i++) {
        int rc = page_charset_meta(metas[i].in, strlen(metas[i].in), out);
        if (metas[i].want)
            CHECK(rc == 0 && strcmp(out, metas[i].want) == 0, metas[i].in);
        else
            CHECK(rc == -1, metas[i].in);
    }
}

static void detect(void)
{
    char out[PAGE_CHARSET_SIZE], big[GW_PAGE_PRESCAN + 64];
    const char *meta = "<meta charset=euc-jp>";
    CHECK_STR(page_charset_detect("<meta charset=euc-jp>", 21, "text/html; charset=sjis", 23, out),
              "shift_jis", "Content-Type wins over <meta>");
    CHECK_STR(page_charset_detect("<meta charset=euc-jp>", 21, "text/html", 9, out),
              "euc-jp", "<meta> when Content-Type has no charset");
    CHECK_STR(page_charset_detect("<meta charset=euc-jp>", 21, NULL, 0, out), "euc-jp", "<meta>");
    CHECK_STR(page_charset_detect("plain ASCII", 11, NULL, 0, out), "utf-8", "ASCII is UTF-8");
    CHECK_STR(page_charset_detect("\xe6\x83\x85\xe5\xa0\xb1", 6, NULL, 0, out), "utf-8", "UTF-8");
    CHECK_STR(page_charset_detect("", 0, NULL, 0, out), "utf-8", "empty page");
    CHECK_STR(page_charset_detect("\x82\xa0\x82\xa2", 4, NULL, 0, out), "shift_jis", "SJIS hiragana");
    CHECK_STR(page_charset_detect("\xa4\xa2\xa4\xa4", 4, NULL, 0, out), "euc-jp", "EUC-JP hiragana");
    CHECK_STR(page_charset_detect("\xb4\xc1\xbb\xfa", 4, NULL, 0, out), "euc-jp", "EUC-JP kanji");
    CHECK_STR(page_charset_detect("\x8a\xbf\x8e\x9a", 4, NULL, 0, out), "shift_jis", "SJIS kanji");
    CHECK_STR(page_charset_detect("\xb1\xb2\xb3", 3, NULL, 0, out), "shift_jis",
              "SJIS half-width katakana (EUC-JP reads the last byte as malformed)");
    CHECK_STR(page_charset_guess_jp("\xff\xff", 2), "shift_jis", "a tie: shift_jis");
    memset(big, ' ', sizeof big);
    memcpy(big + GW_PAGE_PRESCAN - 4, meta, strlen(meta));
    CHECK_STR(page_charset_detect(big, sizeof big, NULL, 0, out), "utf-8",
              "<meta> beyond the prescan is not seen");
    memcpy(big + GW_PAGE_PRESCAN - 30, meta, strlen(meta));
    CHECK_STR(page_charset_detect(big, sizeof big, NULL, 0, out), "euc-jp",
              "<meta> inside the prescan");
}

static void decode(void)
{
    size_t i;
    gw_buf out;
    gw_err e;
    char *big;
    for (i = 0; i < sizeof decs / sizeof decs[0]; i++) {
        const dec *d = &decs[i];
        int rc = page_decode(&out, d->in, d->n, d->charset, &e);
        if (d->out) {
            CHECK(rc == 0 && out.len == d->outn && memcmp(out.data, d->out, d->outn) == 0, d->name);
        } else {
            CHECK(rc == -1 && e.kind == GW_EPROTOCOL, d->name);
            CHECK_STR(rc == -1 ? e.msg : "(decoded)", d->err, d->name);
        }
        gw_buf_free(&out);
    }
    big = malloc(GW_PAGE_INPUT_MAX + 1);
    if (big) {
        memset(big, 'a', GW_PAGE_INPUT_MAX + 1);
        CHECK(page_decode(&out, big, GW_PAGE_INPUT_MAX + 1, "utf-8", &e) == -1
              && e.kind == GW_EPROTOCOL && strstr(e.msg, "page: page too large"), "beyond GW_PAGE_INPUT_MAX refused");
        gw_buf_free(&out);
        CHECK(page_decode(&out, big, GW_PAGE_INPUT_MAX, "iso-8859-1", &e) == 0
              && out.len == GW_PAGE_INPUT_MAX, "GW_PAGE_INPUT_MAX bytes decoded");
        gw_buf_free(&out);
        memset(big, 0xb1, GW_PAGE_INPUT_MAX);          /* 1 byte -> 3 */
        CHECK(page_decode(&out, big, GW_PAGE_INPUT_MAX, "shift_jis", &e) == 0
              && out.len == 3 * (size_t)GW_PAGE_INPUT_MAX, "output growth (half-width katakana)");
        gw_buf_free(&out);
        free(big);
    }
}

/* s with its first old replaced by new (caller frees); NULL without old. */
static char *replaced(const char *s, const char *old, const char *new_)
{
    const char *at = strstr(s, old);
    size_t a, o = strlen(old), w = strlen(new_), n = strlen(s);
    char *r;
    if (!at || !(r = malloc(n - o + w + 1)))
        return NULL;
    a = (size_t)(at - s);
    memcpy(r, s, a);
    memcpy(r + a, new_, w);
    memcpy(r + a + w, at + o, n - a - o + 1);
    return r;
}

/* The status page in Shift_JIS and EUC-JP (made from the UTF-8 one with
 * Python's cp932 and euc_jp codecs; the <meta> names each one's charset)
 * decodes to the UTF-8 page's text and gives the same rows; so do the
 * copies without <meta>, through the byte-statistics guess. */
static void fixtures(void)
{
    static const struct { const char *file, *charset; } pages[] = {
        {"status-sjis.html", "shift_jis"}, {"status-eucjp.html", "euc-jp"},
        {"nometa-sjis.html", "shift_jis"}, {"nometa-eucjp.html", "euc-jp"},
    };
    size_t un = 0, n, i;
    char *utf8 = fixture("status-utf8.html", &un), *want, *page, *got, *text;
    char cs[PAGE_CHARSET_SIZE], name[80];
    gw_buf out;
    gw_err e;
    CHECK(utf8 != NULL, "fixture status-utf8.html read");
    if (!utf8)
        return;
    CHECK_STR(page_charset_detect(utf8, un, NULL, 0, cs), "utf-8", "status-utf8.html: utf-8");
    want = rows_text(utf8, un, NULL);
    for (i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        page = fixture(pages[i].file, &n);
        snprintf(name, sizeof name, "%s read", pages[i].file);
        CHECK(page != NULL, name);
        if (!page)
            continue;
        snprintf(name, sizeof name, "%s: charset", pages[i].file);
        CHECK_STR(page_charset_detect(page, n, NULL, 0, cs), pages[i].charset, name);
        snprintf(name, sizeof name, "%s: decoded", pages[i].file);
        CHECK(page_decode(&out, page, n, cs, &e) == 0 && page_utf8_valid(out.data, out.len, NULL), name);
        snprintf(name, sizeof name, "%s: the UTF-8 page's text", pages[i].file);
        text = replaced(utf8, "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">\n",
                        i >= 2 ? "" : i == 0 ? "<meta http-equiv=\"Content-Type\" content=\"text/html; "
                        "charset=Shift_JIS\">\n" : "<meta http-equiv=\"Content-Type\" content=\"text/html; "
                        "charset=EUC-JP\">\n");
        CHECK(text && out.data && strcmp(out.data, text) == 0, name);
        free(text);
        got = rows_text(out.data ? out.data : "", out.len, NULL);
        snprintf(name, sizeof name, "%s: same rows as UTF-8", pages[i].file);
        CHECK_STR(got, want, name);
        free(got);
        gw_buf_free(&out);
        free(page);
    }
    free(want);
    free(utf8);
}

static void utf8_codec(void)
{
    char u[4];
    unsigned long cp;
    size_t bad = 99;
    CHECK(page_utf8_put(0x10ffff, u) == 4 && page_utf8_next((unsigned char *)u, 4, &cp) == 4
          && cp == 0x10ffff, "U+10FFFF round trip");
    CHECK(page_utf8_put(0x7ff, u) == 2 && page_utf8_next((unsigned char *)u, 2, &cp) == 2
          && cp == 0x7ff, "U+07FF round trip");
    CHECK(page_utf8_next((const unsigned char *)"\xef\xbf\xbf", 3, &cp) == 3 && cp == 0xffff,
          "noncharacter U+FFFF is well-formed");
    CHECK(!page_utf8_valid("ok\x80", 3, &bad) && bad == 2, "lone continuation byte");
    CHECK(!page_utf8_valid("\xf8\x88\x80\x80\x80", 5, &bad) && bad == 0, "5-byte form");
    CHECK(!page_utf8_valid("\xc1\xbf", 2, &bad) && bad == 0, "overlong 2-byte");
    CHECK(!page_utf8_valid("\xf0\x8f\xbf\xbf", 4, &bad) && bad == 0, "overlong 4-byte");
    CHECK(page_utf8_valid("\xf0\x90\x80\x80", 4, NULL), "U+10000");
}

int main(void)
{
    normalise();
    detect();
    decode();
    fixtures();
    utf8_codec();
    return CHECK_DONE();
}
