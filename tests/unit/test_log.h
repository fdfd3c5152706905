/* Shared by the test_log_*.c units: one expected parse of a line, checked
 * field by field against log_parse. */
#ifndef GW_TEST_LOG_H
#define GW_TEST_LOG_H

#include <stdio.h>
#include <string.h>
#include "check.h"
#include "log/logline.h"

#define NOTZ 9999               /* tzoff: the line has no zone */

typedef struct log_want {
    const char *line;
    log_format format;
    int pri;
    const char *time;
    int year, month, day, hour, min, sec, tzoff;
    const char *host, *app, *pid, *msgid, *msg;
} log_want;

static int span_is(log_span s, const char *want, size_t wn)
{
    if (!want)
        return s.p == NULL;
    return s.p && s.n == wn && memcmp(s.p, want, wn) == 0;
}

static void span_show(log_span s, const char *want)
{
    char got[512];
    size_t n = s.n < sizeof got - 1 ? s.n : sizeof got - 1;
    if (s.p) {
        memcpy(got, s.p, n);
        got[n] = '\0';
    }
    check_show(s.p ? got : NULL, want);
}

static void check_span(const char *label, const char *field, log_span s, const char *want)
{
    char name[160];
    snprintf(name, sizeof name, "%s: %s", label, field);
    if (!CHECK(span_is(s, want, want ? strlen(want) : 0), name))
        span_show(s, want);
}

static void check_int(const char *label, const char *field, int got, int want)
{
    char name[160];
    snprintf(name, sizeof name, "%s: %s", label, field);
    if (!CHECK(got == want, name))
        printf("#   got:  %d\n#   want: %d\n", got, want);
}

/* Parses w->line and checks every field; returns the parse for more. */
static void check_want(const char *label, const log_want *w, log_line *o)
{
    char name[160];
    snprintf(name, sizeof name, "%s: parses", label);
    if (!CHECK(log_parse(w->line, strlen(w->line), o) == 0, name))
        return;
    snprintf(name, sizeof name, "%s: format", label);
    CHECK_STR(log_format_name(o->format), log_format_name(w->format), name);
    check_int(label, "pri", o->pri, w->pri);
    check_span(label, "time", o->time, w->time);
    check_int(label, "year", o->tm.year, w->year);
    check_int(label, "month", o->tm.month, w->month);
    check_int(label, "day", o->tm.day, w->day);
    check_int(label, "hour", o->tm.hour, w->hour);
    check_int(label, "min", o->tm.min, w->min);
    check_int(label, "sec", o->tm.sec, w->sec);
    check_int(label, "tzoff", o->tm.has_tz ? o->tm.tzoff : NOTZ, w->tzoff);
    check_span(label, "host", o->host, w->host);
    check_span(label, "app", o->app, w->app);
    check_span(label, "pid", o->pid, w->pid);
    check_span(label, "msgid", o->msgid, w->msgid);
    check_span(label, "msg", o->msg, w->msg);
}

#endif
