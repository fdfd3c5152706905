/* Timestamps at the start of a log line (RFC 3164 4.1.2, RFC 3339 as
 * restricted by RFC 5424 6.2.3, RFC 2822 3.3, Yamaha router logs). */
#ifndef GW_LOGTIME_H
#define GW_LOGTIME_H

#include "logline.h"

/* Marks every field of t unknown. */
void log_tm_reset(log_tm *t);

/* Each reads one timestamp at p[0..n) into t (every field reset first) and
 * returns the bytes it used, or 0 when p does not start with a valid one
 * (a field out of range, a day past the end of its month). The byte after
 * the timestamp is not looked at. */

/* "Mmm dd hh:mm:ss", the day space-padded ("Feb  5") or two digits. */
size_t log_time_bsd(const char *p, size_t n, log_tm *t);
/* "YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm|-hh:mm)" with 1..frac_max fraction
 * digits; a leap second (:60) only when leap_ok. */
size_t log_time_3339(const char *p, size_t n, unsigned frac_max, int leap_ok, log_tm *t);
/* "YYYY/MM/DD hh:mm:ss". */
size_t log_time_yamaha(const char *p, size_t n, log_tm *t);
/* "[Ddd, ]d Mmm YYYY hh:mm[:ss] (+hhmm|-hhmm|UT|GMT)". */
size_t log_time_2822(const char *p, size_t n, log_tm *t);

#endif
