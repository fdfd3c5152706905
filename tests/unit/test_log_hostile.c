/* log_parse on hostile and broken input: every prefix of valid lines of
 * each form, NUL bytes inside, the GW_LOG_LINE_MAX bound (and one byte
 * past it), out-of-range dates and times in every timestamp form (the
 * form then does not match: the next one is tried, finally "plain"). */
#include <stdlib.h>
#include "test_log.h"

#define NOTIME -1, -1, -1, -1, -1, -1, NOTZ

/* Every span of o lies inside p[0..n), msg ends at the line end. */
static int spans_inside(const log_line *o, const char *p, size_t n)
{
    const log_span *s[] = {&o->time, &o->host, &o->app, &o->pid, &o->msgid, &o->sd, &o->msg};
    size_t i;
    for (i = 0; i < sizeof s / sizeof s[0]; i++)
        if (s[i]->p && (s[i]->p < p || s[i]->n > n || (size_t)(s[i]->p - p) > n - s[i]->n))
            return 0;
    return o->msg.p && o->msg.p + o->msg.n == p + n;
}

/* Each prefix parses, with spans inside it, as one of the allowed forms. */
static void prefixes(const char *line, unsigned allowed)
{
    size_t n = strlen(line), k;
    int ok = 1;
    log_line o;
    for (k = 0; k <= n; k++) {
        char *copy = malloc(k ? k : 1);  /* exactly k bytes: ASan sees an overread */
        if (!copy)
            break;
        memcpy(copy, line, k);
        if (log_parse(copy, k, &o) != 0 || !spans_inside(&o, copy, k)
            || !(allowed & (1u << o.format))) {
            printf("# prefix of %u bytes: %s\n", (unsigned)k, log_format_name(o.format));
            ok = 0;
        }
        free(copy);
    }
    CHECK(ok, line);
}

#define F(x) (1u << (x))

static void check_prefixes(void)
{
    prefixes("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
             "[exampleSDID@32473 iut=\"3\" eventSource=\"Appl\\\"ication\"][x@1 a=\"b\"] \xEF\xBB\xBFmsg",
             F(LOG_RFC5424) | F(LOG_RFC3164) | F(LOG_PLAIN));
    prefixes("<34>Oct 11 22:14:15 mymachine su[12]: 'su root' failed",
             F(LOG_RFC3164) | F(LOG_PLAIN));
    prefixes("Sep 17 12:48:22 ik1-331-25649 postfix/smtpd[7771]: connect from x[192.0.2.1]",
             F(LOG_BSD) | F(LOG_PLAIN));
    prefixes("2026-11-23T13:39:07.123456+09:00 gw tag[1]: msg", F(LOG_ISO) | F(LOG_PLAIN));
    prefixes("2023/09/18 15:45:27: [MAIL] Create Service", F(LOG_YAMAHA) | F(LOG_PLAIN));
    prefixes("Fri, 13 Feb 2004 01:45:08 +0900 220.86.126.77 SMTP", F(LOG_RFC2822) | F(LOG_PLAIN));
}

static void check_nul(void)
{
    static const char bsd[] = "Oct 11 22:14:15 host tag: a\0b";
    static const char host[] = "<13>Oct 11 22:14:15 ho\0st tag: x";
    static const char sd[] = "<1>1 - - - - - [a b=\"x\0y\"] m\0n";
    static const char nuls[] = "\0\0\0";
    log_line o;
    CHECK(log_parse(bsd, sizeof bsd - 1, &o) == 0 && o.format == LOG_BSD && o.msg.n == 3
          && memcmp(o.msg.p, "a\0b", 3) == 0, "NUL in MSG kept");
    CHECK(log_parse(host, sizeof host - 1, &o) == 0 && o.format == LOG_RFC3164 && !o.host.p
          && o.msg.p == host + 20 && o.msg.n == sizeof host - 21, "NUL in HOSTNAME: all is MSG");
    CHECK(log_parse(sd, sizeof sd - 1, &o) == 0 && o.format == LOG_RFC5424 && o.n_sd_param == 1
          && o.sd_param[0].value.n == 3 && o.msg.n == 3, "NUL in a PARAM-VALUE and MSG kept");
    CHECK(log_parse(nuls, 3, &o) == 0 && o.format == LOG_PLAIN && o.msg.n == 2,
          "NULs only: one trailing NUL dropped");
    CHECK(log_parse(NULL, 0, &o) == 0 && o.format == LOG_PLAIN && o.msg.p && o.msg.n == 0,
          "NULL, 0: empty plain");
    CHECK(log_parse("\r\n", 2, &o) == 0 && o.format == LOG_PLAIN && o.msg.n == 0, "CRLF only");
    CHECK(log_parse("a\n\n", 3, &o) == 0 && o.msg.n == 2, "one line end dropped, not two");
}

static void check_size(void)
{
    size_t max = GW_LOG_LINE_MAX;
    char *big = malloc(max + 3);
    log_line o;
    if (!big) {
        CHECK(0, "malloc");
        return;
    }
    memset(big, 'a', max + 1);
    CHECK(log_parse(big, max, &o) == 0 && o.format == LOG_PLAIN && o.msg.n == max,
          "64 KiB line parses");
    memcpy(big + max, "\r\n", 2);
    CHECK(log_parse(big, max + 2, &o) == 0 && o.msg.n == max, "64 KiB line + CRLF parses");
    big[max] = 'a';
    o.pri = 123;
    CHECK(log_parse(big, max + 1, &o) == -1 && o.pri == 123, "64 KiB + 1: refused, out untouched");
    memcpy(big, "<13>Oct 11 22:14:15 h t: ", 25);
    CHECK(log_parse(big, max, &o) == 0 && o.format == LOG_RFC3164 && o.msg.n == max - 25,
          "64 KiB rfc3164 line");
    free(big);
}

static const log_want forms[] = {
    {"Feb 29 22:14:15 h t: m", LOG_BSD, -1, "Feb 29 22:14:15", -1, 2, 29, 22, 14, 15, NOTZ,
     "h", "t", NULL, NULL, "m"},
    {"Oct 11 23:59:60 h", LOG_BSD, -1, "Oct 11 23:59:60", -1, 10, 11, 23, 59, 60, NOTZ,
     "h", NULL, NULL, NULL, ""},
    {"2024-02-29T00:00:00Z h t: m", LOG_ISO, -1, "2024-02-29T00:00:00Z", 2024, 2, 29, 0, 0, 0, 0,
     "h", "t", NULL, NULL, "m"},
    {"2000-02-29T00:00:00.123456789-00:30 h", LOG_ISO, -1, "2000-02-29T00:00:00.123456789-00:30",
     2000, 2, 29, 0, 0, 0, -30, "h", NULL, NULL, NULL, ""},
    {"2023/09/18 15:45:27:", LOG_YAMAHA, -1, "2023/09/18 15:45:27", 2023, 9, 18, 15, 45, 27, NOTZ,
     NULL, NULL, NULL, NULL, ""},
    {"13 Feb 2004 01:45:08 +0900 x", LOG_RFC2822, -1, "13 Feb 2004 01:45:08 +0900",
     2004, 2, 13, 1, 45, 8, 540, NULL, NULL, NULL, NULL, "x"},
    {"Fri, 13 Feb 2004 01:45 GMT x", LOG_RFC2822, -1, "Fri, 13 Feb 2004 01:45 GMT",
     2004, 2, 13, 1, 45, 0, 0, NULL, NULL, NULL, NULL, "x"},
    {"Sun, 1 Feb 2004 01:45:08 -0130", LOG_RFC2822, -1, "Sun, 1 Feb 2004 01:45:08 -0130",
     2004, 2, 1, 1, 45, 8, -90, NULL, NULL, NULL, NULL, ""},
};

/* Each is no form at all: plain, msg the whole line. */
static const char *const plain[] = {
    "Foo 11 22:14:15 h t: m", "oct 11 22:14:15 h t: m", "Feb 30 22:14:15 h t: m",
    "Oct 32 22:14:15 h", "Oct  0 22:14:15 h", "Oct 11 24:00:00 h", "Oct 11 23:60:00 h",
    "Oct 11 23:59:61 h", "Oct 11 22:14:15x", "Oct 1 22:14:15 h", "Oct 11 2:14:15 h",
    "2023-02-29T00:00:00Z h", "1900-02-29T00:00:00Z h", "2023-13-01T00:00:00Z h",
    "2023-00-01T00:00:00Z h", "2023-01-01T00:00:00+24:00 h", "2023-01-01T00:00:00+01:60 h",
    "2023-01-01T00:00:00 h", "2023-01-01T00:00:00.Z h", "2023-01-01T00:00:00.1234567890Z h",
    "2023-01-01 00:00:00Z h", "2023-01-01T00:00:00+0100 h", "2023-01-01T00:00:00Zh",
    "2023/09/18 15:45:27 x", "2023/09/31 15:45:27: x", "2023/09/18 15:45:27:x",
    "2023/09/18 25:45:27: x", "2023-09-18 15:45:27: x",
    "Fri 13 Feb 2004 01:45:08 +0900 x", "Fri, 30 Feb 2004 01:45:08 +0900 x",
    "Fri, 13 Feb 2004 01:45:08 +2400 x", "Fri, 13 Feb 2004 01:45:08 JST x",
    "Fri, 13 Feb 04 01:45:08 +0900 x", "Fri, 13 Feb 2004 01:45:08 +0900x",
    "Fry, 13 Feb 2004 01:45:08 +0900 x", "", " ", "-", "Moving message from x to y",
};

int main(void)
{
    char label[64];
    log_line o;
    size_t i;
    check_prefixes();
    check_nul();
    check_size();
    for (i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        snprintf(label, sizeof label, "form #%u", (unsigned)i);
        check_want(label, &forms[i], &o);
    }
    for (i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        snprintf(label, sizeof label, "plain: \"%.40s\"", plain[i]);
        if (!CHECK(log_parse(plain[i], strlen(plain[i]), &o) == 0 && o.format == LOG_PLAIN
                   && o.msg.p == plain[i] && o.msg.n == strlen(plain[i]) && !o.time.p
                   && o.tm.year == -1 && o.tm.month == -1 && !o.tm.has_tz, label))
            printf("#   got: %s\n", log_format_name(o.format));
    }
    return CHECK_DONE();
}
