/* One log line split into fields: syslog over the wire (RFC 5424, RFC 3164)
 * and the file formats a mail server or a router writes. Pure: no I/O, no
 * allocation; every field is a span into the caller's bytes. */
#ifndef GW_LOGLINE_H
#define GW_LOGLINE_H

#include <stddef.h>
#include "core/limits.h"

typedef enum log_format {
    LOG_PLAIN = 0,      /* "plain": none of the below, msg is the whole line */
    LOG_RFC5424,        /* "<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD [MSG]" */
    LOG_RFC3164,        /* "<PRI>" then "Mmm dd hh:mm:ss HOST TAG[PID]: MSG" or text */
    LOG_BSD,            /* a syslog file line: "Mmm dd hh:mm:ss HOST TAG[PID]: MSG" */
    LOG_ISO,            /* rsyslog's file format: RFC 3339 time, HOST TAG[PID]: MSG */
    LOG_YAMAHA,         /* "2023/09/18 15:45:27: MSG" */
    LOG_RFC2822,        /* "Fri, 13 Feb 2004 01:45:08 +0900 MSG" */
    LOG_FORMAT_COUNT
} log_format;

/* Bytes p[0..n) of the input; p == NULL when the field is absent. */
typedef struct log_span {
    const char *p;
    size_t n;
} log_span;

/* A broken-down timestamp; a field is -1 when the line does not say. */
typedef struct log_tm {
    int year, month, day, hour, min, sec;
    int has_frac, has_tz;
    double frac;        /* seconds fraction, 0 <= frac < 1 (when has_frac) */
    int tzoff;          /* minutes east of UTC (when has_tz) */
} log_tm;

typedef struct log_sd_param {
    unsigned elem;      /* index into log_line.sd_id */
    log_span name;
    log_span value;     /* as on the wire: \" \\ \] escapes kept */
} log_sd_param;

typedef struct log_line {
    log_format format;
    int pri;            /* 0..191, or -1 */
    log_tm tm;
    log_span time;      /* the timestamp text */
    log_span host, app, pid, msgid;
    log_span sd;        /* RFC 5424 STRUCTURED-DATA, raw */
    log_span msg;       /* always set (p != NULL), may be empty */
    unsigned n_sd_id, n_sd_param;
    int sd_cut;         /* more elements or params than kept below */
    log_span sd_id[GW_LOG_SD_ELEMS];
    log_sd_param sd_param[GW_LOG_SD_PARAMS];
} log_line;

/* Parses p[0..n): one trailing "\n", "\r\n" or "\r" is dropped first (and
 * before it a NUL that some syslog senders end a datagram with). Never
 * fails on any bytes: a form whose values are invalid does not match and
 * the next form is tried, finally LOG_PLAIN. Returns 0, or -1 (out
 * untouched) when the line without its end is longer than GW_LOG_LINE_MAX. */
int log_parse(const char *p, size_t n, log_line *out);

/* "rfc5424", "rfc3164", "bsd", "iso", "yamaha", "rfc2822", "plain". */
const char *log_format_name(log_format f);

/* Writes the value of an SD-PARAM without its escapes (\" \\ \] give the
 * character; any other backslash stays) into out, which holds v.n bytes.
 * Returns the length written (<= v.n). */
size_t log_sd_unescape(char *out, log_span v);

#endif
