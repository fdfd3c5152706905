/* DATA encoding (RFC 5321 4.5.2): CRLF normalisation, dot-stuffing, the end
 * of data, statistics; every case fed whole, byte by byte, and as given. */
#include "smtp/data.h"
#include "unit/check.h"

#define MAXC 6

struct dcase {
    const char *name;
    const char *chunks[MAXC];  /* fed in order until NULL */
    const char *out;           /* whole output including ".\r\n" */
    int eightbit;
    size_t longest;
};

static const struct dcase cases[] = {
    {"empty body", {NULL}, ".\r\n", 0, 0},
    {"empty chunks", {"", "", ""}, ".\r\n", 0, 0},
    {"bare LF", {"a\nb"}, "a\r\nb\r\n.\r\n", 0, 1},
    {"CRLF kept", {"a\r\nb\r\n"}, "a\r\nb\r\n.\r\n", 0, 1},
    {"bare CR", {"a\rb"}, "a\r\nb\r\n.\r\n", 0, 1},
    {"LF CR is two line ends", {"a\n\rb"}, "a\r\n\r\nb\r\n.\r\n", 0, 1},
    {"CR CR LF", {"a\r\r\nb"}, "a\r\n\r\nb\r\n.\r\n", 0, 1},
    {"mixed line ends", {"1\r\n2\n3\r4\r\n"}, "1\r\n2\r\n3\r\n4\r\n.\r\n", 0, 1},
    {"empty lines", {"\n\n"}, "\r\n\r\n.\r\n", 0, 0},
    {"one LF", {"\n"}, "\r\n.\r\n", 0, 0},
    {"one CR", {"\r"}, "\r\n.\r\n", 0, 0},
    {"dot-stuffing", {".x\n..y\n"}, "..x\r\n...y\r\n.\r\n", 0, 4},
    {"a lone dot line", {"a\n.\nb\n"}, "a\r\n..\r\nb\r\n.\r\n", 0, 2},
    {"a lone dot, unterminated", {"."}, "..\r\n.\r\n", 0, 2},
    {"CRLF.CRLF inside the body", {"a\r\n.\r\nb"}, "a\r\n..\r\nb\r\n.\r\n", 0, 2},
    {"dot not at line start", {"a.b\n a.\n"}, "a.b\r\n a.\r\n.\r\n", 0, 3},
    {"dot after a bare CR", {"a\r.b"}, "a\r\n..b\r\n.\r\n", 0, 3},
    {"CR | LF across chunks", {"a\r", "\nb"}, "a\r\nb\r\n.\r\n", 0, 1},
    {"CR | empty | LF", {"a\r", "", "\nb"}, "a\r\nb\r\n.\r\n", 0, 1},
    {"CR | CR", {"a\r", "\rb"}, "a\r\n\r\nb\r\n.\r\n", 0, 1},
    {"CR | dot", {"a\r", ".b"}, "a\r\n..b\r\n.\r\n", 0, 3},
    {"LF | LF", {"a\n", "\nb"}, "a\r\n\r\nb\r\n.\r\n", 0, 1},
    {"dot split from its line", {"a\n", ".", "b"}, "a\r\n..b\r\n.\r\n", 0, 3},
    {"line split across chunks", {"ab", "cd", "e\n"}, "abcde\r\n.\r\n", 0, 5},
    {"body ending in CR", {"a\r"}, "a\r\n.\r\n", 0, 1},
    {"body ending in CR, then empty", {"a\r", ""}, "a\r\n.\r\n", 0, 1},
    {"body without a line end", {"Subject: x\n\nbody"}, "Subject: x\r\n\r\nbody\r\n.\r\n", 0, 10},
    {"8bit", {"caf\xc3\xa9\n"}, "caf\xc3\xa9\r\n.\r\n", 1, 5},
    {"8bit in a later chunk", {"ascii\n", "\x80"}, "ascii\r\n\x80\r\n.\r\n", 1, 5},
    {"7bit with DEL and controls", {"a\x7f\t\x01\n"}, "a\x7f\t\x01\r\n.\r\n", 0, 4},
    {"longest line", {"12\n12345\r\n123\n"}, "12\r\n12345\r\n123\r\n.\r\n", 0, 5},
    {"longest counts the stuffed dot", {"....\nabcd\n"}, ".....\r\nabcd\r\n.\r\n", 0, 5},
    {"longest, last line unterminated", {"1\n123456"}, "1\r\n123456\r\n.\r\n", 0, 6},
};

static const char *encode(const struct dcase *c, int mode, gw_buf *out, smtp_data *d)
{
    int i, rc = 0;
    size_t k;
    char whole[256] = "";
    smtp_data_init(d);
    gw_buf_reset(out);
    for (i = 0; i < MAXC && c->chunks[i]; i++) {
        const char *s = c->chunks[i];
        if (mode == 0)                   /* as given */
            rc |= smtp_data_feed(d, s, strlen(s), out);
        else if (mode == 1)              /* byte by byte */
            for (k = 0; s[k]; k++)
                rc |= smtp_data_feed(d, s + k, 1, out);
        else                             /* whole, below */
            strncat(whole, s, sizeof whole - strlen(whole) - 1);
    }
    if (mode == 2)
        rc |= smtp_data_feed(d, whole, strlen(whole), out);
    rc |= smtp_data_finish(d, out);
    CHECK(rc == 0, c->name);
    return out->data ? out->data : "";
}

static void nul_and_limits(void)
{
    smtp_data d;
    gw_buf out;
    gw_buf_init(&out, 1024);

    smtp_data_init(&d);
    CHECK(smtp_data_feed(&d, "a\0b\n", 4, &out) == 0 && smtp_data_finish(&d, &out) == 0,
          "NUL encoded");
    CHECK(d.has_nul == 1 && out.len == 8 && memcmp(out.data, "a\0b\r\n.\r\n", 8) == 0,
          "NUL passed through and flagged");
    smtp_data_init(&d);
    CHECK(d.has_nul == 0 && d.eightbit == 0 && d.any == 0 && d.in_bytes == 0, "init clears");
    gw_buf_reset(&out);
    smtp_data_feed(&d, "\0", 1, &out);
    CHECK(d.has_nul == 1 && d.any == 1 && d.in_bytes == 1, "NUL at the start");

    smtp_data_init(&d);
    gw_buf_reset(&out);
    smtp_data_feed(&d, "abc\r", 4, &out);
    smtp_data_feed(&d, "\nde", 3, &out);
    CHECK(d.in_bytes == 7 && d.any == 1, "in_bytes counts input");

    gw_buf_free(&out);
    gw_buf_init(&out, 4);
    smtp_data_init(&d);
    CHECK(smtp_data_feed(&d, "abcd", 4, &out) == 0, "up to the cap");
    CHECK(smtp_data_feed(&d, "\n", 1, &out) == GW_BUF_ELIMIT, "cap reached by CRLF");
    gw_buf_free(&out);
    gw_buf_init(&out, 5);
    smtp_data_init(&d);
    CHECK(smtp_data_feed(&d, "ab\n", 3, &out) == 0, "cap 5 holds ab CRLF");
    CHECK(smtp_data_finish(&d, &out) == GW_BUF_ELIMIT, "finish over the cap");
    gw_buf_free(&out);
}

int main(void)
{
    size_t i;
    int mode;
    gw_buf out;
    smtp_data d;
    gw_buf_init(&out, 4096);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct dcase *c = &cases[i];
        for (mode = 0; mode < 3; mode++) {
            const char *got = encode(c, mode, &out, &d);
            if (!CHECK(out.len == strlen(c->out) && strcmp(got, c->out) == 0, c->name))
                check_show(got, c->out);
            CHECK(d.eightbit == c->eightbit, c->name);
            if (!CHECK(d.longest == c->longest, c->name))
                printf("#   longest %lu, want %lu\n", (unsigned long)d.longest,
                       (unsigned long)c->longest);
            CHECK(d.has_nul == 0, c->name);
        }
    }
    gw_buf_free(&out);
    nul_and_limits();
    return CHECK_DONE();
}
