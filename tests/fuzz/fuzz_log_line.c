/* libFuzzer: log_parse (cext/log/logline.c), which reads lines from log
 * files and datagrams from the network. The whole input is one line.
 *
 * Checked: it returns 0 (the input is far below GW_LOG_LINE_MAX); every
 * span lies inside the input and msg is set and ends where the line ends
 * (after the dropped line end); the format is known and its fields fit it
 * (PRI 0..191 exactly for the two syslog forms; RFC 5424 alone has msgid
 * and SD; "plain" has msg = the whole line and nothing else); timestamp
 * values are in range and present together; the SD counts stay within
 * their bounds, each param names a kept element, and every value
 * unescapes to at most its own length; a second parse gives the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "log/logline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(c) do { if (!(c)) abort(); } while (0)

static void inside(log_span s, const char *p, size_t n)
{
    if (!s.p)
        return;
    MUST(s.p >= p && s.n <= n && (size_t)(s.p - p) <= n - s.n);
}

static size_t line_len(const char *p, size_t n)
{
    if (n > 0 && p[n - 1] == '\0')
        n--;
    if (n > 0 && p[n - 1] == '\n')
        n--;
    if (n > 0 && p[n - 1] == '\r')
        n--;
    return n;
}

static void check_time(const log_line *o)
{
    const log_tm *t = &o->tm;
    if (!o->time.p) {
        MUST(t->month == -1 && t->day == -1 && t->hour == -1 && t->year == -1);
        MUST(!t->has_frac && !t->has_tz);
        return;
    }
    MUST(t->month >= 1 && t->month <= 12 && t->day >= 1 && t->day <= 31);
    MUST(t->hour >= 0 && t->hour <= 23 && t->min >= 0 && t->min <= 59);
    MUST(t->sec >= 0 && t->sec <= 60);
    MUST(t->year >= -1 && t->year <= 9999);
    MUST(!t->has_frac || (t->frac >= 0 && t->frac < 1));
    MUST(!t->has_tz || (t->tzoff > -24 * 60 && t->tzoff < 24 * 60));
    MUST(o->format != LOG_RFC5424 || t->sec <= 59);
}

static void check_sd(const log_line *o, const char *p, size_t n)
{
    unsigned i;
    MUST(o->n_sd_id <= GW_LOG_SD_ELEMS && o->n_sd_param <= GW_LOG_SD_PARAMS);
    MUST(o->sd.p || (o->n_sd_id == 0 && o->n_sd_param == 0 && !o->sd_cut));
    for (i = 0; i < o->n_sd_id; i++) {
        inside(o->sd_id[i], p, n);
        MUST(o->sd_id[i].n >= 1 && o->sd_id[i].n <= GW_LOG_SDNAME_MAX);
        MUST(o->sd_id[i].p > o->sd.p && o->sd_id[i].p + o->sd_id[i].n < o->sd.p + o->sd.n);
    }
    for (i = 0; i < o->n_sd_param; i++) {
        const log_sd_param *sp = &o->sd_param[i];
        char *tmp = malloc(sp->value.n + 1);
        MUST(tmp != NULL && sp->elem < o->n_sd_id);
        inside(sp->name, p, n);
        inside(sp->value, p, n);
        MUST(sp->name.n >= 1 && sp->name.n <= GW_LOG_SDNAME_MAX);
        MUST(log_sd_unescape(tmp, sp->value) <= sp->value.n);
        free(tmp);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    size_t n = line_len(p, size);
    log_line o, again;
    if (log_parse(p, size, &o) != 0) {
        MUST(n > GW_LOG_LINE_MAX);
        return 0;
    }
    MUST(o.format < LOG_FORMAT_COUNT);
    MUST(strcmp(log_format_name(o.format), "") != 0);
    inside(o.time, p, n);
    inside(o.host, p, n);
    inside(o.app, p, n);
    inside(o.pid, p, n);
    inside(o.msgid, p, n);
    inside(o.sd, p, n);
    inside(o.msg, p, n);
    MUST(o.msg.p && o.msg.p + o.msg.n == p + n);
    MUST((o.pri >= 0) == (o.format == LOG_RFC5424 || o.format == LOG_RFC3164));
    MUST(o.pri <= 191);
    MUST(o.format == LOG_RFC5424 || (!o.msgid.p && !o.sd.p));
    MUST(!o.host.p || (o.host.n >= 1 && o.host.n <= GW_LOG_HOST_MAX));
    MUST(!o.app.p || (o.app.n >= 1 && o.app.n <= GW_LOG_APP_MAX));
    MUST(!o.pid.p || (o.pid.n >= 1 && o.pid.n <= GW_LOG_PROCID_MAX));
    MUST(!o.msgid.p || (o.msgid.n >= 1 && o.msgid.n <= GW_LOG_MSGID_MAX));
    if (o.format == LOG_PLAIN)
        MUST(o.msg.p == p && o.msg.n == n && !o.time.p && !o.host.p && !o.app.p && !o.pid.p);
    if (o.format == LOG_BSD || o.format == LOG_ISO || o.format == LOG_YAMAHA
        || o.format == LOG_RFC2822)
        MUST(o.time.p == p);
    check_time(&o);
    check_sd(&o, p, n);
    MUST(log_parse(p, size, &again) == 0 && again.format == o.format && again.msg.p == o.msg.p
         && again.msg.n == o.msg.n && again.host.p == o.host.p && again.n_sd_param == o.n_sd_param);
    return 0;
}
