/* libFuzzer: the SMTP reply parser and EHLO capabilities, called the way the
 * session engine calls them. The input is split on LF (a CR before the LF
 * is dropped, as gw_reader_line does); lines go to smtp_reply_feed; after a
 * complete reply or an error the reply is reset. Complete replies go to
 * smtp_caps_parse. Input starting with "!" and a count byte feeds every
 * line that many times (to reach the line and byte bounds). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "smtp/reply.h"
#include "smtp/caps.h"
#include "core/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(c) do { if (!(c)) abort(); } while (0)

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int valid_mech_char(char c)
{
    return (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '_';
}

/* How many times word (n bytes) occurs as a whole word in list. */
static size_t count_word(const char *list, const char *word, size_t n)
{
    const char *q = list;
    size_t seen = 0;
    while ((q = strstr(q, word)) != NULL) {
        if ((q == list || q[-1] == ' ') && (q[n] == ' ' || q[n] == '\0'))
            seen++;
        q += n;
    }
    return seen;
}

static void check_caps(const smtp_caps *c)
{
    const char *p = c->auth;
    size_t len = strlen(c->auth);
    MUST(len < sizeof c->auth && strlen(c->domain) < sizeof c->domain);
    MUST(strchr(c->domain, ' ') == NULL && strchr(c->domain, '\t') == NULL);
    MUST(len == 0 || (c->flags & SMTP_CAP_AUTH));
    MUST((c->flags & ~0x1ffu) == 0);
    MUST(c->size_max == 0 || (c->flags & SMTP_CAP_SIZE));
    while (*p) {
        char word[GW_SASL_MECH_NAME + 1];
        const char *w = p;
        size_t n;
        while (*p && *p != ' ')
            MUST(valid_mech_char(*p++));
        n = (size_t)(p - w);
        MUST(n >= 1 && n <= GW_SASL_MECH_NAME);
        memcpy(word, w, n);
        word[n] = '\0';
        MUST(smtp_caps_has_mech(c, word) && count_word(c->auth, word, n) == 1);
        if (*p == ' ') {
            p++;
            MUST(*p && *p != ' ');       /* single spaces, none at the end */
        }
    }
}

static void check_complete(const smtp_reply *r)
{
    const char *t = r->text.data, *line, *last;
    size_t i, lines = 0, n, k;
    gw_err e;
    smtp_caps c;
    MUST(r->done == 1 && t != NULL);
    MUST(r->code >= 200 && r->code <= 599 && (r->code / 10) % 10 <= 5);
    MUST(r->nlines >= 1 && r->nlines <= GW_SMTP_REPLY_LINES);
    MUST(r->text.len <= GW_SMTP_REPLY_BYTES && t[r->text.len] == '\0');
    for (i = 0, line = t; i <= r->text.len; i++) {
        if (i < r->text.len && t[i] != '\n') {
            unsigned char ch = (unsigned char)t[i];
            MUST(ch == '\t' || (ch >= 0x20 && ch != 0x7f));
            continue;
        }
        n = (size_t)(t + i - line);
        lines++;
        MUST(n >= 3 && n <= GW_SMTP_LINE_MAX && memcmp(line, t, 3) == 0);
        if (i < r->text.len)
            MUST(n > 3 && line[3] == '-');
        else
            MUST(n == 3 || line[3] == ' ');
        line = t + i + 1;
    }
    MUST(lines == (size_t)r->nlines);
    last = smtp_reply_last(r, &n);
    MUST(last >= t && last + n == t + r->text.len && (last == t || last[-1] == '\n'));
    k = strlen(r->enhanced);
    if (k) {
        MUST(k >= 5 && k <= 9 && r->enhanced[0] - '0' == r->code / 100 && r->enhanced[0] != '3');
        MUST(r->enhanced[1] == '.' && r->text.len >= 4 + k && memcmp(t + 4, r->enhanced, k) == 0);
    }
    if (smtp_caps_parse(&c, r, &e) == 0) {
        MUST(r->code == 250);
        check_caps(&c);
    } else {
        MUST(r->code != 250 && e.kind == GW_EPROTOCOL && e.code == r->code);
    }
}

static void check_error(const smtp_reply *r, int nlines, size_t len, const gw_err *e)
{
    size_t i, n = strlen(e->msg);
    MUST(e->kind == GW_EPROTOCOL || e->kind == GW_EBAD_ARGUMENT);
    MUST(n > 0 && n < GW_ERR_MSG && strncmp(e->msg, "smtp: ", 6) == 0);
    for (i = 0; i < n; i++)
        MUST(e->msg[i] >= 0x20 && e->msg[i] < 0x7f);   /* quoted lines are escaped */
    MUST(r->nlines == nlines && r->text.len == len && !r->done);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    unsigned rep = 1, k;
    smtp_reply r;
    smtp_caps c;
    gw_err e;
    if (size >= 2 && p[0] == '!') {
        rep = (unsigned char)p[1];
        p += 2;
    }
    smtp_reply_init(&r);
    gw_err_clear(&e);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        for (k = 0; k < rep; k++) {
            int before = r.nlines, rc;
            size_t len = r.text.len;
            rc = smtp_reply_feed(&r, p, n, &e);
            MUST(rc >= -1 && rc <= 1);
            if (rc == 1) {
                check_complete(&r);
                smtp_reply_reset(&r);
            } else if (rc == -1) {
                check_error(&r, before, len, &e);
                smtp_reply_reset(&r);
            } else {
                MUST(r.nlines == before + 1 && !r.done);
            }
        }
        p = nl ? nl + 1 : end;
    }
    if (r.nlines > 0)
        MUST(smtp_caps_parse(&c, &r, &e) == -1);      /* incomplete */
    smtp_reply_free(&r);
    return 0;
}
