/* Timestamps of log lines: RFC 3164 4.1.2 ("Mmm dd hh:mm:ss"), RFC 3339
 * full-date "T" full-time as RFC 5424 6.2.3 restricts it, RFC 2822 3.3
 * date-time, and the "YYYY/MM/DD hh:mm:ss" of Yamaha router logs. Values
 * are range-checked; a day must exist in its month (Feb 29 in leap years,
 * and always when the line has no year). */
#include <string.h>
#include "logtime.h"

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
static const char wdays[] = "MonTueWedThuFriSatSun";

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Exactly k digits at p[i..] (inside n) as a number, or -1. */
static int num(const char *p, size_t n, size_t i, size_t k)
{
    int v = 0;
    size_t j;
    if (i > n || n - i < k)
        return -1;
    for (j = 0; j < k; j++) {
        if (!is_digit(p[i + j]))
            return -1;
        v = v * 10 + (p[i + j] - '0');
    }
    return v;
}

/* "Jan".."Dec" (case as written in RFC 3164) at p[i..] -> 1..12, or -1. */
static int month_name(const char *p, size_t n, size_t i)
{
    int m;
    if (i > n || n - i < 3)
        return -1;
    for (m = 0; m < 12; m++)
        if (memcmp(p + i, months + 3 * m, 3) == 0)
            return m + 1;
    return -1;
}

static int wday_name(const char *p, size_t n, size_t i)
{
    int d;
    if (i > n || n - i < 3)
        return 0;
    for (d = 0; d < 7; d++)
        if (memcmp(p + i, wdays + 3 * d, 3) == 0)
            return 1;
    return 0;
}

static int at(const char *p, size_t n, size_t i, char c)
{
    return i < n && p[i] == c;
}

void log_tm_reset(log_tm *t)
{
    t->year = t->month = t->day = t->hour = t->min = t->sec = -1;
    t->has_frac = t->has_tz = 0;
    t->frac = 0;
    t->tzoff = 0;
}

/* The date is real: year < 0 means unknown (February has 29 days). */
static int date_ok(int year, int month, int day)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1 || day > mdays[month - 1])
        return 0;
    if (month == 2 && day == 29 && year >= 0)
        return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return 1;
}

/* "hh:mm:ss" at p[i..] into t; 8, or 0. */
static size_t hms(const char *p, size_t n, size_t i, int leap_ok, log_tm *t)
{
    t->hour = num(p, n, i, 2);
    t->min = num(p, n, i + 3, 2);
    t->sec = num(p, n, i + 6, 2);
    if (t->hour < 0 || t->hour > 23 || t->min < 0 || t->min > 59 || t->sec < 0
        || t->sec > (leap_ok ? 60 : 59) || !at(p, n, i + 2, ':') || !at(p, n, i + 5, ':'))
        return 0;
    return 8;
}

static size_t fail(log_tm *t)
{
    log_tm_reset(t);
    return 0;
}

size_t log_time_bsd(const char *p, size_t n, log_tm *t)
{
    log_tm_reset(t);
    t->month = month_name(p, n, 0);
    if (t->month < 0 || !at(p, n, 3, ' ') || n < 6)
        return fail(t);
    if (p[4] == ' ')
        t->day = num(p, n, 5, 1);       /* "Feb  5" */
    else
        t->day = num(p, n, 4, 2);       /* "Oct 11", also "Feb 05" */
    if (!date_ok(-1, t->month, t->day) || !at(p, n, 6, ' ') || hms(p, n, 7, 1, t) == 0)
        return fail(t);
    return 15;
}

/* [.frac] then Z or +hh:mm / -hh:mm at p[i..]; the end, or 0. */
static size_t frac_zone(const char *p, size_t n, size_t i, unsigned frac_max, log_tm *t)
{
    if (at(p, n, i, '.')) {
        double v = 0, scale = 1;    /* exact up to 15 digits: one rounding */
        size_t k = 0;
        i++;
        while (i + k < n && is_digit(p[i + k]) && k < frac_max) {
            v = v * 10 + (p[i + k] - '0');
            scale *= 10;
            k++;
        }
        if (k == 0 || (i + k < n && is_digit(p[i + k])))
            return 0;
        t->frac = v / scale;
        t->has_frac = 1;
        i += k;
    }
    if (at(p, n, i, 'Z')) {
        t->has_tz = 1;
        return i + 1;
    }
    if (at(p, n, i, '+') || at(p, n, i, '-')) {
        int h = num(p, n, i + 1, 2), m = num(p, n, i + 4, 2);
        if (h < 0 || h > 23 || m < 0 || m > 59 || !at(p, n, i + 3, ':'))
            return 0;
        t->tzoff = (p[i] == '-' ? -1 : 1) * (h * 60 + m);
        t->has_tz = 1;
        return i + 6;
    }
    return 0;
}

size_t log_time_3339(const char *p, size_t n, unsigned frac_max, int leap_ok, log_tm *t)
{
    size_t end;
    log_tm_reset(t);
    t->year = num(p, n, 0, 4);
    t->month = num(p, n, 5, 2);
    t->day = num(p, n, 8, 2);
    if (t->year < 0 || !at(p, n, 4, '-') || !at(p, n, 7, '-') || !at(p, n, 10, 'T')
        || !date_ok(t->year, t->month, t->day) || hms(p, n, 11, leap_ok, t) == 0)
        return fail(t);
    end = frac_zone(p, n, 19, frac_max, t);
    return end ? end : fail(t);
}

size_t log_time_yamaha(const char *p, size_t n, log_tm *t)
{
    log_tm_reset(t);
    t->year = num(p, n, 0, 4);
    t->month = num(p, n, 5, 2);
    t->day = num(p, n, 8, 2);
    if (t->year < 0 || !at(p, n, 4, '/') || !at(p, n, 7, '/') || !at(p, n, 10, ' ')
        || !date_ok(t->year, t->month, t->day) || hms(p, n, 11, 1, t) == 0)
        return fail(t);
    return 19;
}

/* The zone of RFC 2822 3.3 (obs-zone: UT and GMT only) at p[i..]. */
static size_t zone_2822(const char *p, size_t n, size_t i, log_tm *t)
{
    if (at(p, n, i, '+') || at(p, n, i, '-')) {
        int h = num(p, n, i + 1, 2), m = num(p, n, i + 3, 2);
        if (h < 0 || h > 23 || m < 0 || m > 59)
            return 0;
        t->tzoff = (p[i] == '-' ? -1 : 1) * (h * 60 + m);
        t->has_tz = 1;
        return i + 5;
    }
    if (n - i >= 3 && memcmp(p + i, "GMT", 3) == 0) {
        t->has_tz = 1;
        return i + 3;
    }
    if (n - i >= 2 && memcmp(p + i, "UT", 2) == 0) {
        t->has_tz = 1;
        return i + 2;
    }
    return 0;
}

size_t log_time_2822(const char *p, size_t n, log_tm *t)
{
    size_t i = 0, end;
    log_tm_reset(t);
    if (wday_name(p, n, 0)) {
        if (!at(p, n, 3, ',') || !at(p, n, 4, ' '))
            return fail(t);
        i = 5;
    }
    t->day = num(p, n, i, 2);
    if (t->day >= 0) {
        i += 2;
    } else {
        t->day = num(p, n, i, 1);
        i += 1;
    }
    if (t->day < 0 || !at(p, n, i, ' '))
        return fail(t);
    t->month = month_name(p, n, i + 1);
    t->year = num(p, n, i + 5, 4);
    if (t->month < 0 || !at(p, n, i + 4, ' ') || t->year < 0 || !at(p, n, i + 9, ' ')
        || !date_ok(t->year, t->month, t->day))
        return fail(t);
    i += 10;
    t->hour = num(p, n, i, 2);
    t->min = num(p, n, i + 3, 2);
    if (t->hour < 0 || t->hour > 23 || t->min < 0 || t->min > 59 || !at(p, n, i + 2, ':'))
        return fail(t);
    i += 5;
    t->sec = 0;
    if (at(p, n, i, ':')) {
        t->sec = num(p, n, i + 1, 2);
        if (t->sec < 0 || t->sec > 60)
            return fail(t);
        i += 3;
    }
    if (!at(p, n, i, ' '))
        return fail(t);
    end = zone_2822(p, n, i + 1, t);
    return end ? end : fail(t);
}
