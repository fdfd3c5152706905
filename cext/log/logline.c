/* log_parse: which form a log line has, and its fields. In this order:
 * RFC 5424 (6, via log5424.c), RFC 3164 (4.1: PRI, then TIMESTAMP HOSTNAME
 * and a TAG if they are there, else the rest is MSG as a relay treats it,
 * 4.3.2), a syslog file line without PRI ("bsd"), rsyslog's RFC 3339 file
 * format ("iso"), a Yamaha router log line, an RFC 2822 date-time first
 * ("rfc2822"), else "plain". PRI strictly as RFC 5424 6.2.1 says.
 * A TAG is 1..GW_LOG_APP_MAX of [A-Za-z0-9/._-] (RFC 3164 4.1.3 allows
 * alphanumerics only; real tags such as "postfix/smtpd" have the others),
 * with an optional "[pid]", ended by ":" and a space or the line end. */
#include <string.h>
#include "logline.h"
#include "logtime.h"
#include "log5424.h"

static const char *const names[LOG_FORMAT_COUNT] = {
    "plain", "rfc5424", "rfc3164", "bsd", "iso", "yamaha", "rfc2822"
};

const char *log_format_name(log_format f)
{
    return (unsigned)f < LOG_FORMAT_COUNT ? names[f] : names[LOG_PLAIN];
}

static log_span span(const char *p, size_t n)
{
    log_span s;
    s.p = p;
    s.n = n;
    return s;
}

static int printable(char c)
{
    return c >= 33 && c <= 126;
}

static int tag_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '/' || c == '.' || c == '_' || c == '-';
}

/* Every field absent, msg the whole line. */
static void reset(log_line *o, const char *p, size_t n)
{
    static const log_span none = {NULL, 0};
    o->format = LOG_PLAIN;
    o->pri = -1;
    log_tm_reset(&o->tm);
    o->time = o->host = o->app = o->pid = o->msgid = o->sd = none;
    o->msg = span(p, n);
    o->n_sd_id = o->n_sd_param = 0;
    o->sd_cut = 0;
}

/* "<PRI>": 1..3 digits, no leading zero but in "<0>", at most 191.
 * Returns its length, or 0. */
static size_t pri(const char *p, size_t n, int *v)
{
    size_t k = 1;
    int x = 0;
    if (n < 3 || p[0] != '<')
        return 0;
    while (k < n && k <= 3 && p[k] >= '0' && p[k] <= '9')
        x = x * 10 + (p[k++] - '0');
    if (k == 1 || k >= n || p[k] != '>' || x > 191 || (p[1] == '0' && k > 2))
        return 0;
    *v = x;
    return k + 1;
}

/* "TAG[PID]:" or "TAG:" then a space or the end, at p[i..]: sets app and
 * pid and returns where MSG starts, or 0. */
static size_t tag(const char *p, size_t n, size_t i, log_line *o)
{
    size_t j = i, k;
    while (j < n && j - i < GW_LOG_APP_MAX && tag_char(p[j]))
        j++;
    if (j == i)
        return 0;
    k = j;
    if (j < n && p[j] == '[') {
        for (k = j + 1; k < n && k - j - 1 < GW_LOG_PROCID_MAX; k++)
            if (!printable(p[k]) || p[k] == '[' || p[k] == ']')
                break;
        if (k == j + 1 || k >= n || p[k] != ']')
            return 0;
        k++;
    }
    if (k >= n || p[k] != ':' || (k + 1 < n && p[k + 1] != ' '))
        return 0;
    o->app = span(p + i, j - i);
    if (k > j)
        o->pid = span(p + j + 1, k - j - 2);
    return k + 1 < n ? k + 2 : n;
}

/* 1..max printable bytes at p[i..] ended by a space or the end: the end,
 * or 0. */
static size_t word(const char *p, size_t n, size_t i, size_t max)
{
    size_t j = i;
    while (j < n && j - i < max && printable(p[j]))
        j++;
    if (j == i || (j < n && p[j] != ' '))
        return 0;
    return j;
}

/* What follows a timestamp that ends at i (at a space or the end):
 * [HOST] [TAG[PID]:] MSG. A first word that is a TAG means no HOST (a
 * sender that leaves it out); one that is neither leaves it in MSG. */
static void tail(const char *p, size_t n, size_t i, log_line *o)
{
    size_t j, e;
    if (i < n)
        i++;
    j = tag(p, n, i, o);
    if (j == 0 && (e = word(p, n, i, GW_LOG_HOST_MAX)) != 0) {
        o->host = span(p + i, e - i);
        i = e < n ? e + 1 : n;
        j = tag(p, n, i, o);
    }
    if (j != 0)
        i = j;
    o->msg = span(p + i, n - i);
}

/* Ends at the line end or at c. */
static int ends(const char *p, size_t n, size_t i, char c)
{
    return i == n || p[i] == c;
}

/* A timestamp of RFC 3164 or RFC 3339 at p[i..] followed by a space or the
 * end: its length, or 0. */
static size_t stamp(const char *p, size_t n, size_t i, log_tm *t)
{
    size_t k = log_time_bsd(p + i, n - i, t);
    if (k == 0)
        k = log_time_3339(p + i, n - i, GW_LOG_FRAC_DIGITS, 1, t);
    if (k == 0 || !ends(p, n, i + k, ' ')) {
        log_tm_reset(t);
        return 0;
    }
    return k;
}

/* The line forms without PRI. */
static void files(const char *p, size_t n, log_line *o)
{
    size_t k;
    if ((k = log_time_bsd(p, n, &o->tm)) != 0 && ends(p, n, k, ' ')) {
        o->format = LOG_BSD;
    } else if ((k = log_time_3339(p, n, GW_LOG_FRAC_DIGITS, 1, &o->tm)) != 0 && ends(p, n, k, ' ')) {
        o->format = LOG_ISO;
    } else if ((k = log_time_yamaha(p, n, &o->tm)) != 0 && k < n && p[k] == ':'
               && ends(p, n, k + 1, ' ')) {
        o->format = LOG_YAMAHA;
        o->time = span(p, k);
        k += k + 1 < n ? 2 : 1;
        o->msg = span(p + k, n - k);
        return;
    } else if ((k = log_time_2822(p, n, &o->tm)) != 0 && ends(p, n, k, ' ')) {
        o->format = LOG_RFC2822;
        o->time = span(p, k);
        k += k < n ? 1 : 0;
        o->msg = span(p + k, n - k);
        return;
    } else {
        log_tm_reset(&o->tm);
        return;
    }
    o->time = span(p, k);
    tail(p, n, k, o);
}

int log_parse(const char *p, size_t n, log_line *o)
{
    size_t i, k;
    int v;
    if (!p) {
        p = "";
        n = 0;
    }
    if (n > 0 && p[n - 1] == '\0')
        n--;
    if (n > 0 && p[n - 1] == '\n')
        n--;
    if (n > 0 && p[n - 1] == '\r')
        n--;
    if (n > GW_LOG_LINE_MAX)
        return -1;
    reset(o, p, n);
    i = pri(p, n, &v);
    if (i == 0) {
        files(p, n, o);
        return 0;
    }
    if (log_parse_5424(p, n, i, o)) {
        o->format = LOG_RFC5424;
        o->pri = v;
        return 0;
    }
    reset(o, p, n);
    o->format = LOG_RFC3164;
    o->pri = v;
    if ((k = stamp(p, n, i, &o->tm)) != 0) {
        o->time = span(p + i, k);
        tail(p, n, i + k, o);
    } else {
        o->msg = span(p + i, n - i);
    }
    return 0;
}

size_t log_sd_unescape(char *out, log_span v)
{
    size_t i, k = 0;
    for (i = 0; i < v.n; i++) {
        if (v.p[i] == '\\' && i + 1 < v.n
            && (v.p[i + 1] == '"' || v.p[i + 1] == '\\' || v.p[i + 1] == ']'))
            i++;
        out[k++] = v.p[i];
    }
    return k;
}
