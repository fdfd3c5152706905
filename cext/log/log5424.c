/* RFC 5424 section 6: the HEADER after PRI (VERSION "1", TIMESTAMP,
 * HOSTNAME, APP-NAME, PROCID, MSGID), STRUCTURED-DATA and MSG. Lengths and
 * characters as in 6.2 and 6.3 (PRINTUSASCII, SD-NAME without '=', SP, ']'
 * and '"'); NILVALUE "-" leaves a field absent; a UTF-8 BOM at the start
 * of MSG is dropped (6.4). PARAM-VALUE keeps its \" \\ \] escapes; an
 * unescaped ']' inside the quotes is accepted (the quotes delimit it). */
#include <string.h>
#include "log5424.h"
#include "logtime.h"

static int printable(char c)
{
    return c >= 33 && c <= 126;
}

static int sdname_char(char c)
{
    return printable(c) && c != '=' && c != ']' && c != '"';
}

static log_span span(const char *p, size_t n)
{
    log_span s;
    s.p = p;
    s.n = n;
    return s;
}

/* A header field: 1..max PRINTUSASCII ended by SP, "-" leaving s absent.
 * Returns the position after the SP, or 0. */
static size_t field(const char *p, size_t n, size_t i, size_t max, log_span *s)
{
    size_t j = i;
    while (j < n && j - i < max && printable(p[j]))
        j++;
    if (j == i || j >= n || p[j] != ' ')
        return 0;
    if (j - i != 1 || p[i] != '-')
        *s = span(p + i, j - i);
    return j + 1;
}

/* SD-NAME at p[i..]: the position after it, or 0. */
static size_t sd_name(const char *p, size_t n, size_t i, log_span *s)
{
    size_t j = i;
    while (j < n && j - i < GW_LOG_SDNAME_MAX && sdname_char(p[j]))
        j++;
    if (j == i)
        return 0;
    *s = span(p + i, j - i);
    return j;
}

/* '"' PARAM-VALUE '"' at p[i..]: the position after the closing quote, or 0. */
static size_t sd_value(const char *p, size_t n, size_t i, log_span *v)
{
    size_t j;
    if (i >= n || p[i] != '"')
        return 0;
    for (j = i + 1; j < n && p[j] != '"'; j++)
        if (p[j] == '\\' && j + 1 < n && (p[j + 1] == '"' || p[j + 1] == '\\' || p[j + 1] == ']'))
            j++;
    if (j >= n)
        return 0;
    *v = span(p + i + 1, j - i - 1);
    return j + 1;
}

/* "[" SD-ID *(SP PARAM-NAME "=" '"' PARAM-VALUE '"') "]" at p[i..]; the
 * first GW_LOG_SD_ELEMS ids and GW_LOG_SD_PARAMS params go into o.
 * Returns the position after "]", or 0. */
static size_t sd_element(const char *p, size_t n, size_t i, log_line *o)
{
    log_span id, name, value;
    unsigned elem = o->n_sd_id;
    i = sd_name(p, n, i + 1, &id);
    if (i == 0)
        return 0;
    if (elem < GW_LOG_SD_ELEMS)
        o->sd_id[o->n_sd_id++] = id;
    else
        o->sd_cut = 1;
    while (i < n && p[i] == ' ') {
        i = sd_name(p, n, i + 1, &name);
        if (i == 0 || i >= n || p[i] != '=')
            return 0;
        i = sd_value(p, n, i + 1, &value);
        if (i == 0)
            return 0;
        if (elem < GW_LOG_SD_ELEMS && o->n_sd_param < GW_LOG_SD_PARAMS) {
            log_sd_param *sp = &o->sd_param[o->n_sd_param++];
            sp->elem = elem;
            sp->name = name;
            sp->value = value;
        } else {
            o->sd_cut = 1;
        }
    }
    if (i >= n || p[i] != ']')
        return 0;
    return i + 1;
}

int log_parse_5424(const char *p, size_t n, size_t i, log_line *o)
{
    if (i + 1 >= n || p[i] != '1' || p[i + 1] != ' ')
        return 0;
    i += 2;
    if (i + 1 < n && p[i] == '-' && p[i + 1] == ' ') {
        i += 2;
    } else {
        size_t t = log_time_3339(p + i, n - i, 6, 0, &o->tm);
        if (t == 0 || i + t >= n || p[i + t] != ' ')
            return 0;
        o->time = span(p + i, t);
        i += t + 1;
    }
    if ((i = field(p, n, i, GW_LOG_HOST_MAX, &o->host)) == 0
        || (i = field(p, n, i, GW_LOG_APP_MAX, &o->app)) == 0
        || (i = field(p, n, i, GW_LOG_PROCID_MAX, &o->pid)) == 0
        || (i = field(p, n, i, GW_LOG_MSGID_MAX, &o->msgid)) == 0)
        return 0;
    if (i < n && p[i] == '-') {
        i++;
    } else if (i < n && p[i] == '[') {
        size_t start = i;
        while (i < n && p[i] == '[')
            if ((i = sd_element(p, n, i, o)) == 0)
                return 0;
        o->sd = span(p + start, i - start);
    } else {
        return 0;
    }
    if (i < n && p[i] != ' ')
        return 0;
    if (i < n)
        i++;
    if (n - i >= 3 && memcmp(p + i, "\xEF\xBB\xBF", 3) == 0)
        i += 3;
    o->msg = span(p + i, n - i);
    return 1;
}
