/* EHLO capabilities from a complete 250 reply.
 *
 * RFC 5321 4.1.1.1: ehlo-ok-rsp = "250" SP Domain [ SP ehlo-greet ] CRLF, or
 *                   "250-" Domain ... then *( "250-" ehlo-line ) "250 " ehlo-line
 *                   ehlo-line = ehlo-keyword *( SP ehlo-param ), keywords
 *                   compared case-insensitively.
 * RFC 4954: AUTH mech...; the pre-standard "AUTH=mech ..." form is merged in.
 * RFC 4422 3.1: mechanism names are 1..20 of [A-Z0-9-_].
 * RFC 1870: SIZE [n]; n = 0 means no fixed limit. Also RFC 2920, 3207, 6152,
 * 6531, 2034, 3461, 3030 (keywords only). */
#include <string.h>
#include "smtp/caps.h"
#include "core/quote.h"

struct keyword {
    const char *name;
    unsigned flag;
};

static const struct keyword keywords[] = {
    {"PIPELINING", SMTP_CAP_PIPELINING}, {"STARTTLS", SMTP_CAP_STARTTLS},
    {"8BITMIME", SMTP_CAP_8BITMIME},     {"SMTPUTF8", SMTP_CAP_SMTPUTF8},
    {"SIZE", SMTP_CAP_SIZE},             {"AUTH", SMTP_CAP_AUTH},
    {"ENHANCEDSTATUSCODES", SMTP_CAP_ENHANCED},
    {"DSN", SMTP_CAP_DSN},               {"CHUNKING", SMTP_CAP_CHUNKING},
};

static char upper(char ch)
{
    return ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
}

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* Case-insensitive: p[0..n) equals the upper-case word w. */
static int word_is(const char *p, size_t n, const char *w)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (w[i] == '\0' || upper(p[i]) != w[i])
            return 0;
    return w[n] == '\0';
}

/* Next word of p[*i..n): sets *w and returns its length (0 at the end). */
static size_t next_word(const char *p, size_t n, size_t *i, const char **w)
{
    size_t start;
    while (*i < n && is_space(p[*i]))
        (*i)++;
    start = *i;
    while (*i < n && !is_space(p[*i]))
        (*i)++;
    *w = p + start;
    return *i - start;
}

/* RFC 1870 size; 0 (no limit) when not all digits or when it overflows. */
static unsigned long parse_size(const char *p, size_t n)
{
    unsigned long v = 0;
    size_t i;
    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned d;
        if (p[i] < '0' || p[i] > '9')
            return 0;
        d = (unsigned)(p[i] - '0');
        if (v > (~0UL - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    return v;
}

int smtp_caps_has_mech(const smtp_caps *c, const char *mech)
{
    const char *p = c->auth, *w;
    size_t n = strlen(p), i = 0, k, m = strlen(mech);
    char up[GW_SASL_MECH_NAME + 1];
    if (m == 0 || m > GW_SASL_MECH_NAME)
        return 0;
    for (k = 0; k < m; k++)
        up[k] = upper(mech[k]);
    up[m] = '\0';
    while ((k = next_word(p, n, &i, &w)) > 0)
        if (k == m && memcmp(w, up, m) == 0)
            return 1;
    return 0;
}

/* Adds one mechanism name, validated, upper-cased, once. */
static void add_mech(smtp_caps *c, const char *p, size_t n)
{
    char name[GW_SASL_MECH_NAME + 1];
    size_t i, have;
    if (n == 0 || n > GW_SASL_MECH_NAME)
        return;
    for (i = 0; i < n; i++) {
        char ch = upper(p[i]);
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
            return;
        name[i] = ch;
    }
    name[n] = '\0';
    if (smtp_caps_has_mech(c, name))
        return;
    have = strlen(c->auth);
    if (have + (have > 0) + n + 1 > sizeof c->auth)
        return;
    if (have > 0)
        c->auth[have++] = ' ';
    memcpy(c->auth + have, name, n + 1);
}

/* One capability line's text (after "250-" or "250 "). */
static void parse_line(smtp_caps *c, const char *p, size_t n)
{
    const char *w, *kw;
    size_t i = 0, k, klen, j;
    klen = next_word(p, n, &i, &kw);
    if (klen > 5 && word_is(kw, 5, "AUTH=")) {
        c->flags |= SMTP_CAP_AUTH;
        add_mech(c, kw + 5, klen - 5);
        while ((k = next_word(p, n, &i, &w)) > 0)
            add_mech(c, w, k);
        return;
    }
    for (j = 0; j < sizeof keywords / sizeof keywords[0]; j++)
        if (word_is(kw, klen, keywords[j].name))
            break;
    if (j == sizeof keywords / sizeof keywords[0])
        return;                                 /* unknown keyword */
    c->flags |= keywords[j].flag;
    if (keywords[j].flag == SMTP_CAP_SIZE) {
        k = next_word(p, n, &i, &w);
        c->size_max = parse_size(w, k);
    } else if (keywords[j].flag == SMTP_CAP_AUTH) {
        while ((k = next_word(p, n, &i, &w)) > 0)
            add_mech(c, w, k);
    }
}

int smtp_caps_parse(smtp_caps *c, const smtp_reply *r, gw_err *e)
{
    const char *p, *end, *nl, *w;
    size_t i = 0, k;
    memset(c, 0, sizeof *c);
    if (!r->done || r->nlines < 1 || !r->text.data) {
        gw_err_set(e, GW_EPROTOCOL, "smtp: EHLO reply incomplete");
        e->code = r->code;
        return -1;
    }
    if (r->code != 250) {
        size_t len;
        char q[GW_QUOTE_SIZE];
        const char *last = smtp_reply_last(r, &len);
        gw_err_set(e, GW_EPROTOCOL, "smtp: EHLO refused \"%s\"", gw_quote(q, last, len));
        e->code = r->code;
        return -1;
    }
    p = r->text.data;
    end = p + r->text.len;
    for (; p < end; p = nl + 1) {
        const char *t;
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            nl = end;
        t = p + ((nl - p) > 3 ? 4 : 3);         /* past "250-" / "250 " / "250" */
        if (p == r->text.data) {
            k = next_word(t, (size_t)(nl - t), &i, &w);
            if (k >= sizeof c->domain)
                k = sizeof c->domain - 1;
            memcpy(c->domain, w, k);
            c->domain[k] = '\0';
        } else {
            parse_line(c, t, (size_t)(nl - t));
        }
    }
    return 0;
}
