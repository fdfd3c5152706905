/* SMTP reply parser: RFC 5321 4.2 reply lines, RFC 3463 enhanced codes,
 * bounds, and the replies of the ISP in tests/fixtures/isp-submission-2023-09.txt. */
#include <stdlib.h>
#include "smtp/reply.h"
#include "core/quote.h"
#include "core/limits.h"
#include "unit/check.h"

#define MAXL 12

struct rcase {
    const char *name;
    const char *lines[MAXL];   /* fed in order until NULL or until an error */
    int rc;                    /* result of the last line fed */
    int code;                  /* when rc == 1 */
    const char *enhanced;      /* when rc == 1 */
    const char *last;          /* when rc == 1 */
    const char *err;           /* substring of the message when rc == -1 */
};

static const struct rcase cases[] = {
    {"single line", {"220 msc14.plala.or.jp ESMTP server ready Mon, 18 Sep 2023 15:45:29 +0900"},
     1, 220, "", "220 msc14.plala.or.jp ESMTP server ready Mon, 18 Sep 2023 15:45:29 +0900", NULL},
    {"ISP EHLO (fixture)", {"250-msc14.plala.or.jp", "250-AUTH=LOGIN PLAIN CRAM-MD5",
      "250-AUTH LOGIN PLAIN CRAM-MD5", "250-PIPELINING", "250-DSN", "250-8BITMIME",
      "250-STARTTLS", "250 SIZE 20971520"}, 1, 250, "", "250 SIZE 20971520", NULL},
    {"ISP 535 (fixture)", {"535 CRAM-MD5 not supported for someone@somewhere.plala.or.jp"},
     1, 535, "", "535 CRAM-MD5 not supported for someone@somewhere.plala.or.jp", NULL},
    {"ISP 334 challenge", {"334 PDIwMjMwOTE4MDY0NTI5LlNCRkYxNjI2My5tc2MxNC5wbGFsYS5vci5qcEB2Nm1haWwucGxhbGEub3IuanA+"},
     1, 334, "", "334 PDIwMjMwOTE4MDY0NTI5LlNCRkYxNjI2My5tc2MxNC5wbGFsYS5vci5qcEB2Nm1haWwucGxhbGEub3IuanA+", NULL},
    {"code alone", {"250"}, 1, 250, "", "250", NULL},
    {"code SP, empty text", {"250 "}, 1, 250, "", "250 ", NULL},
    {"empty continuation", {"250-", "250 ok"}, 1, 250, "", "250 ok", NULL},
    {"continuation then code alone", {"250-a", "250"}, 1, 250, "", "250", NULL},
    {"TAB in text", {"250 a\tb"}, 1, 250, "", "250 a\tb", NULL},
    {"UTF-8 text", {"550 \xe5\x8f\x97\xe4\xbf\xa1\xe6\x8b\x92\xe5\x90\xa6"}, 1, 550, "",
     "550 \xe5\x8f\x97\xe4\xbf\xa1\xe6\x8b\x92\xe5\x90\xa6", NULL},
    {"enhanced 2.0.0", {"250 2.0.0 Ok"}, 1, 250, "2.0.0", "250 2.0.0 Ok", NULL},
    {"enhanced 5.7.8", {"535 5.7.8 Error: authentication failed: authentication failure"},
     1, 535, "5.7.8", "535 5.7.8 Error: authentication failed: authentication failure", NULL},
    {"enhanced 4.7.0 alone", {"454 4.7.0"}, 1, 454, "4.7.0", "454 4.7.0", NULL},
    {"enhanced 5.123.456", {"550 5.123.456 x"}, 1, 550, "5.123.456", "550 5.123.456 x", NULL},
    {"enhanced from first line only", {"250-2.1.0 first", "250 2.1.5 second"},
     1, 250, "2.1.0", "250 2.1.5 second", NULL},
    {"enhanced not on first line", {"250-first", "250 2.1.5 second"}, 1, 250, "", "250 2.1.5 second", NULL},
    {"enhanced class mismatch", {"250 5.0.0 x"}, 1, 250, "", "250 5.0.0 x", NULL},
    {"enhanced class 3", {"354 3.0.0 go"}, 1, 354, "", "354 3.0.0 go", NULL},
    {"enhanced subject too long", {"250 2.1000.0 x"}, 1, 250, "", "250 2.1000.0 x", NULL},
    {"enhanced detail too long", {"250 2.0.0000 x"}, 1, 250, "", "250 2.0.0000 x", NULL},
    {"enhanced glued to text", {"250 2.0.0x"}, 1, 250, "", "250 2.0.0x", NULL},
    {"enhanced missing detail", {"250 2.0. x"}, 1, 250, "", "250 2.0. x", NULL},
    {"enhanced missing subject", {"250 2..0 x"}, 1, 250, "", "250 2..0 x", NULL},
    {"enhanced two-digit class", {"250 20.0.0 x"}, 1, 250, "", "250 20.0.0 x", NULL},
    {"incomplete multi-line", {"250-a", "250-b"}, 0, 0, NULL, NULL, NULL},
    {"mismatched codes", {"250-a", "251 b"}, -1, 0, NULL, NULL,
     "smtp: reply code changed from 250 within a multi-line reply \"251 b\""},
    {"mismatched class", {"250-a", "550 b"}, -1, 0, NULL, NULL, "code changed"},
    {"two digits", {"25"}, -1, 0, NULL, NULL, "smtp: malformed reply line \"25\""},
    {"four digits", {"2500 x"}, -1, 0, NULL, NULL, "smtp: malformed reply line \"2500 x\""},
    {"letters", {"abc"}, -1, 0, NULL, NULL, "smtp: malformed reply line \"abc\""},
    {"no separator", {"250x"}, -1, 0, NULL, NULL, "smtp: malformed reply line \"250x\""},
    {"TAB separator", {"250\tx"}, -1, 0, NULL, NULL, "malformed reply line"},
    {"leading space", {" 250 x"}, -1, 0, NULL, NULL, "malformed reply line"},
    {"empty line", {""}, -1, 0, NULL, NULL, "smtp: malformed reply line \"\""},
    {"first digit 6", {"600 x"}, -1, 0, NULL, NULL, "smtp: reply code out of range \"600 x\""},
    {"first digit 1 (no 1yz in SMTP)", {"199 x"}, -1, 0, NULL, NULL, "out of range \"199 x\""},
    {"first digit 0", {"050 x"}, -1, 0, NULL, NULL, "out of range"},
    {"second digit 6", {"260 x"}, -1, 0, NULL, NULL, "out of range"},
    {"bad code on second line", {"250-a", "25x b"}, -1, 0, NULL, NULL, "malformed reply line \"25x b\""},
    {"ESC in text", {"250 a\x1b[31mred"}, -1, 0, NULL, NULL,
     "smtp: control character 0x1b in reply line \"250 a\\x1b[31mred\""},
    {"bare CR in text", {"250 a\rb"}, -1, 0, NULL, NULL, "control character 0x0d"},
    {"DEL in text", {"250 a\x7f"}, -1, 0, NULL, NULL, "control character 0x7f"},
    {"quote escaped", {"2\"\\"}, -1, 0, NULL, NULL, "malformed reply line \"2\\\"\\\\\""},
};

static void run_case(const struct rcase *c)
{
    smtp_reply r;
    gw_err e;
    int i, rc = 0;
    smtp_reply_init(&r);
    gw_err_clear(&e);
    for (i = 0; i < MAXL && c->lines[i]; i++) {
        rc = smtp_reply_feed(&r, c->lines[i], strlen(c->lines[i]), &e);
        if (rc != 0)
            break;
    }
    if (!CHECK(rc == c->rc, c->name))
        printf("#   rc %d, want %d (%s)\n", rc, c->rc, e.msg);
    if (c->rc == 1) {
        size_t n;
        const char *last = smtp_reply_last(&r, &n);
        CHECK(r.code == c->code && r.done == 1 && r.nlines == i + 1, c->name);
        CHECK_STR(r.enhanced, c->enhanced, c->name);
        CHECK(n == strlen(c->last) && memcmp(last, c->last, n) == 0, c->name);
    } else if (c->rc == -1) {
        CHECK(e.kind == GW_EPROTOCOL, c->name);
        if (!CHECK(strstr(e.msg, c->err) != NULL, c->name))
            check_show(e.msg, c->err);
    } else {
        CHECK(r.done == 0 && r.nlines == i, c->name);
    }
    smtp_reply_free(&r);
}

/* A line of n bytes: "250" + sep + filler. */
static char *make_line(size_t n, char sep)
{
    char *s = malloc(n + 1);
    memset(s, 'x', n);
    memcpy(s, "250", 3);
    s[3] = sep;
    s[n] = '\0';
    return s;
}

static void bounds(void)
{
    smtp_reply r;
    gw_err e;
    int i, rc = 0;
    size_t n, per, k;
    int pass;
    char *s;
    const char *txt;

    smtp_reply_init(&r);
    for (i = 0; i < GW_SMTP_REPLY_LINES - 1; i++)
        rc |= smtp_reply_feed(&r, "250-x", 5, &e);
    CHECK(rc == 0 && smtp_reply_feed(&r, "250 x", 5, &e) == 1, "exactly GW_SMTP_REPLY_LINES lines");
    smtp_reply_reset(&r);
    for (i = 0, rc = 0; i < GW_SMTP_REPLY_LINES; i++)
        rc |= smtp_reply_feed(&r, "250-x", 5, &e);
    CHECK(rc == 0 && smtp_reply_feed(&r, "250 x", 5, &e) == -1, "one line too many");
    CHECK(strstr(e.msg, "more than 64 lines") != NULL, "too many lines message");
    CHECK(r.nlines == GW_SMTP_REPLY_LINES && r.done == 0, "reply unchanged after an error");

    smtp_reply_reset(&r);
    s = make_line(GW_SMTP_LINE_MAX, ' ');
    CHECK(smtp_reply_feed(&r, s, GW_SMTP_LINE_MAX, &e) == 1, "line of GW_SMTP_LINE_MAX");
    free(s);
    smtp_reply_reset(&r);
    s = make_line(GW_SMTP_LINE_MAX + 1, ' ');
    CHECK(smtp_reply_feed(&r, s, GW_SMTP_LINE_MAX + 1, &e) == -1, "line over GW_SMTP_LINE_MAX");
    CHECK(strstr(e.msg, "too long (2049 bytes)") != NULL, "too long message");
    CHECK(strlen(e.msg) < 240 && strstr(e.msg, "xxx...\"") != NULL, "long line quoted, cut");
    free(s);

    /* k full lines of GW_SMTP_LINE_MAX bytes, then one of `per` bytes that
     * makes the text (lines joined by "\n") exactly GW_SMTP_REPLY_BYTES. */
    k = GW_SMTP_REPLY_BYTES / (GW_SMTP_LINE_MAX + 1);
    per = GW_SMTP_REPLY_BYTES - k * (GW_SMTP_LINE_MAX + 1);
    CHECK(per >= 4 && per < GW_SMTP_LINE_MAX, "byte bound test setup");
    s = make_line(GW_SMTP_LINE_MAX, '-');
    for (pass = 0; pass < 2; pass++) {
        char *last = make_line(per + (size_t)pass, ' ');
        smtp_reply_reset(&r);
        for (i = 0, rc = 0; i < (int)k; i++)
            rc |= smtp_reply_feed(&r, s, GW_SMTP_LINE_MAX, &e);
        CHECK(rc == 0, "lines below the byte bound");
        rc = smtp_reply_feed(&r, last, per + (size_t)pass, &e);
        if (pass == 0) {
            CHECK(rc == 1 && r.text.len == GW_SMTP_REPLY_BYTES, "exactly GW_SMTP_REPLY_BYTES");
        } else {
            CHECK(rc == -1, "one byte over GW_SMTP_REPLY_BYTES");
            CHECK(strstr(e.msg, "longer than 16384 bytes") != NULL, "too many bytes message");
        }
        free(last);
    }
    free(s);

    /* NUL inside a line (explicit length). */
    smtp_reply_reset(&r);
    CHECK(smtp_reply_feed(&r, "250 a\0b", 7, &e) == -1, "NUL inside");
    CHECK_STR(e.msg, "smtp: NUL byte in reply line \"250 a\\x00b\"", "NUL message");
    smtp_reply_reset(&r);
    CHECK(smtp_reply_feed(&r, "25\0 x", 5, &e) == -1 && strstr(e.msg, "NUL") != NULL, "NUL in code");

    /* Feeding a complete reply again is misuse; reset and reuse works. */
    smtp_reply_reset(&r);
    CHECK(smtp_reply_feed(&r, "250-a", 5, &e) == 0, "reuse 1");
    CHECK(smtp_reply_feed(&r, "250 2.0.0 b", 11, &e) == 1, "reuse 2");
    CHECK(smtp_reply_feed(&r, "250 c", 5, &e) == -1 && e.kind == GW_EBAD_ARGUMENT, "feed after done");
    smtp_reply_reset(&r);
    CHECK(r.code == 0 && r.nlines == 0 && r.done == 0 && r.enhanced[0] == '\0' && r.text.len == 0,
          "reset clears");
    txt = smtp_reply_last(&r, &n);
    CHECK(n == 0 && txt[0] == '\0', "last of an empty reply");
    CHECK(smtp_reply_feed(&r, "221 bye", 7, &e) == 1 && r.code == 221 && r.nlines == 1, "reused");
    CHECK_STR(r.text.data, "221 bye", "reused text");
    smtp_reply_free(&r);
    txt = smtp_reply_last(&r, &n);
    CHECK(n == 0 && txt[0] == '\0', "last after free");
}

static void quoting(void)
{
    char q[GW_QUOTE_SIZE];
    char bin[100];
    size_t i;
    CHECK_STR(gw_quote(q, "abc", 3), "abc", "quote plain");
    CHECK_STR(gw_quote(q, "a\x01\xff", 3), "a\\x01\\xff", "quote escapes");
    memset(bin, 'a', sizeof bin);
    gw_quote(q, bin, 60);
    CHECK(strlen(q) == 60, "60 bytes kept whole");
    gw_quote(q, bin, 61);
    CHECK(strlen(q) == 63 && strcmp(q + 60, "...") == 0, "61 bytes cut to 60 + ...");
    for (i = 0; i < sizeof bin; i++)
        bin[i] = (char)(i & 7);
    gw_quote(q, bin, sizeof bin);
    CHECK(strlen(q) == 163 && strcmp(q + 160, "...") == 0, "binary cut at 160 chars");
}

int main(void)
{
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
    bounds();
    quoting();
    return CHECK_DONE();
}
