/* log_parse on syslog messages: the examples of RFC 5424 section 6.5 (the
 * "BOM" there written as the bytes EF BB BF) and RFC 3164 section 5.4,
 * STRUCTURED-DATA with escapes and its bounds, NILVALUEs and field
 * lengths, PRI per RFC 5424 6.2.1, TAG forms, and the Yamaha "<PRI>text". */
#include "test_log.h"

#define BOM "\xEF\xBB\xBF"
#define ANY -1, -1, -1, -1, -1, -1, NOTZ       /* no timestamp */

static const log_want rfc5424[] = {
    {"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
     BOM "'su root' failed for lonvick on /dev/pts/8",
     LOG_RFC5424, 34, "2003-10-11T22:14:15.003Z", 2003, 10, 11, 22, 14, 15, 0,
     "mymachine.example.com", "su", NULL, "ID47", "'su root' failed for lonvick on /dev/pts/8"},
    {"<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
     LOG_RFC5424, 165, "2003-08-24T05:14:15.000003-07:00", 2003, 8, 24, 5, 14, 15, -420,
     "192.0.2.1", "myproc", "8710", NULL, "%% It's time to make the do-nuts."},
    {"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
     "iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] " BOM "An application event log entry...",
     LOG_RFC5424, 165, "2003-10-11T22:14:15.003Z", 2003, 10, 11, 22, 14, 15, 0,
     "mymachine.example.com", "evntslog", NULL, "ID47", "An application event log entry..."},
    {"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
     "iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high\"]",
     LOG_RFC5424, 165, "2003-10-11T22:14:15.003Z", 2003, 10, 11, 22, 14, 15, 0,
     "mymachine.example.com", "evntslog", NULL, "ID47", ""},
    /* every NILVALUE */
    {"<0>1 - - - - - -", LOG_RFC5424, 0, NULL, ANY, NULL, NULL, NULL, NULL, ""},
    {"<191>1 - - - - - - x", LOG_RFC5424, 191, NULL, ANY, NULL, NULL, NULL, NULL, "x"},
    /* the BOM only at the start of MSG */
    {"<13>1 - h a p m - x" BOM, LOG_RFC5424, 13, NULL, ANY, "h", "a", "p", "m", "x" BOM},
};

static const log_want rfc3164[] = {
    {"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
     LOG_RFC3164, 34, "Oct 11 22:14:15", -1, 10, 11, 22, 14, 15, NOTZ,
     "mymachine", "su", NULL, NULL, "'su root' failed for lonvick on /dev/pts/8"},
    /* no TAG: "Use" is not followed by ':' */
    {"<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!",
     LOG_RFC3164, 13, "Feb  5 17:32:18", -1, 2, 5, 17, 32, 18, NOTZ,
     "10.0.0.99", NULL, NULL, NULL, "Use the BFG!"},
    /* a relay reads "CST" as HOSTNAME (RFC 3164 5.4, example 3) */
    {"<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make the do-nuts.  %%",
     LOG_RFC3164, 165, "Aug 24 05:34:00", -1, 8, 24, 5, 34, 0, NOTZ,
     "CST", NULL, NULL, NULL, "1987 mymachine myproc[10]: %% It's time to make the do-nuts.  %%"},
    /* not a TIMESTAMP after PRI: the rest is MSG (4.3.2) */
    {"<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!",
     LOG_RFC3164, 0, NULL, ANY, NULL, NULL, NULL, NULL,
     "1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!"},
    {"<0>Oct 22 10:52:12 scapegoat 1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 "
     "sched[0]: That's All Folks!",
     LOG_RFC3164, 0, "Oct 22 10:52:12", -1, 10, 22, 10, 52, 12, NOTZ, "scapegoat", NULL, NULL, NULL,
     "1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!"},
    /* Yamaha routers: PRI then the text, sometimes a [TAG] first */
    {"<190>[INSPECT] PP[01][out][101098] TCP 192.0.2.1:1 > 192.0.2.2:2 (2023/09/18 15:45:27)",
     LOG_RFC3164, 190, NULL, ANY, NULL, NULL, NULL, NULL,
     "[INSPECT] PP[01][out][101098] TCP 192.0.2.1:1 > 192.0.2.2:2 (2023/09/18 15:45:27)"},
    {"<134>PP[01] Rejected at IN(1010) filter: TCP 192.0.2.9:443 > 198.51.100.1:80",
     LOG_RFC3164, 134, NULL, ANY, NULL, NULL, NULL, NULL,
     "PP[01] Rejected at IN(1010) filter: TCP 192.0.2.9:443 > 198.51.100.1:80"},
    /* no HOSTNAME: the first word is a TAG (what a local syslog() sends) */
    {"<38>Feb 29 01:02:03 sshd[42]: Accepted", LOG_RFC3164, 38, "Feb 29 01:02:03", -1, 2, 29,
     1, 2, 3, NOTZ, NULL, "sshd", "42", NULL, "Accepted"},
    /* rsyslog's forward format: an RFC 3339 time after PRI */
    {"<86>2026-11-23T13:39:07+09:00 gw kernel: x", LOG_RFC3164, 86, "2026-11-23T13:39:07+09:00",
     2026, 11, 23, 13, 39, 7, 540, "gw", "kernel", NULL, NULL, "x"},
    /* an IPv6 HOSTNAME is not a TAG; "TAG:" at the end; a day with a zero */
    {"<13>Feb 05 17:32:18 2001:db8::1 su:", LOG_RFC3164, 13, "Feb 05 17:32:18", -1, 2, 5,
     17, 32, 18, NOTZ, "2001:db8::1", "su", NULL, NULL, ""},
    {"<13>Feb  5 17:32:18", LOG_RFC3164, 13, "Feb  5 17:32:18", -1, 2, 5, 17, 32, 18, NOTZ,
     NULL, NULL, NULL, NULL, ""},
    {"<0>", LOG_RFC3164, 0, NULL, ANY, NULL, NULL, NULL, NULL, ""},
    /* version 2 is not RFC 5424 as we know it; a leap second is refused
     * there (6.2.3), as are an unknown weekday and a 256-byte HOSTNAME */
    {"<1>2 - - - - - - x", LOG_RFC3164, 1, NULL, ANY, NULL, NULL, NULL, NULL, "2 - - - - - - x"},
    {"<1>1 2016-12-31T23:59:60Z h - - - -", LOG_RFC3164, 1, NULL, ANY, NULL, NULL, NULL, NULL,
     "1 2016-12-31T23:59:60Z h - - - -"},
};

/* PRI per RFC 5424 6.2.1 or no syslog form at all. */
static const char *const bad_pri[] = {
    "<>x", "<192>x", "<1000>x", "<01>x", "<00>x", "<-1>x", "<1a>x", "<1", "<",
    "<99999999999999999999999>Oct 11 22:14:15 h t: m", "< 1>x", "<+1>x"
};

static void check_sd(void)
{
    static const char line[] =
        "<165>1 2003-10-11T22:14:15.003Z h a - - [exampleSDID@32473 iut=\"3\" "
        "eventSource=\"Application\"][x@1 q=\"a\\\"b\\\\c\\]d\\ne]f\"][empty@2] m";
    log_line o;
    char v[64];
    size_t n;
    CHECK(log_parse(line, sizeof line - 1, &o) == 0 && o.format == LOG_RFC5424, "sd: rfc5424");
    check_span("sd", "raw", o.sd, "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\"]"
               "[x@1 q=\"a\\\"b\\\\c\\]d\\ne]f\"][empty@2]");
    check_span("sd", "msg", o.msg, "m");
    CHECK(o.n_sd_id == 3 && o.n_sd_param == 3 && !o.sd_cut, "sd: 3 ids, 3 params");
    check_span("sd", "id 0", o.sd_id[0], "exampleSDID@32473");
    check_span("sd", "id 2", o.sd_id[2], "empty@2");
    check_span("sd", "param 1 name", o.sd_param[1].name, "eventSource");
    CHECK(o.sd_param[1].elem == 0 && o.sd_param[2].elem == 1, "sd: params know their element");
    check_span("sd", "param 2 raw", o.sd_param[2].value, "a\\\"b\\\\c\\]d\\ne]f");
    n = log_sd_unescape(v, o.sd_param[2].value);
    CHECK(n == 12 && memcmp(v, "a\"b\\c]d\\ne]f", n) == 0, "sd: \\\" \\\\ \\] unescaped, \\n kept");
    CHECK(o.tm.frac > 0.003 - 1e-12 && o.tm.frac < 0.003 + 1e-12 && o.tm.has_frac, "sd: frac 0.003");
}

/* More elements and params than kept: the line still parses whole. */
static void check_sd_bounds(void)
{
    char line[4096];
    size_t n = (size_t)snprintf(line, sizeof line, "<1>1 - - - - - ");
    int i;
    log_line o;
    for (i = 0; i < GW_LOG_SD_ELEMS + 4; i++)
        n += (size_t)snprintf(line + n, sizeof line - n, "[e%d a=\"1\" b=\"2\" c=\"3\" d=\"4\" e=\"5\"]", i);
    n += (size_t)snprintf(line + n, sizeof line - n, " tail");
    CHECK(log_parse(line, n, &o) == 0 && o.format == LOG_RFC5424, "sd bounds: rfc5424");
    CHECK(o.n_sd_id == GW_LOG_SD_ELEMS && o.n_sd_param == GW_LOG_SD_PARAMS && o.sd_cut,
          "sd bounds: ids and params capped, sd_cut set");
    check_span("sd bounds", "msg", o.msg, "tail");
}

/* Invalid SD or header fields: not RFC 5424, so RFC 3164 with all as MSG. */
static void check_not_5424(void)
{
    static const char *const bad[] = {
        "<1>1 - - - - - [a b=\"c\"", "<1>1 - - - - - [a b=c]", "<1>1 - - - - - [a b]",
        "<1>1 - - - - - []", "<1>1 - - - - - [a=b]", "<1>1 - - - - - [a b=\"c\"]x",
        "<1>1 - - - - - -x", "<1>1 - - - - -", "<1>1 - - - -  -", "<1>1 2003-10-11 - - - - -",
        "<1>1 - - - - - [a b=\"c\\\"]", "<1>1 - h\x01 - - - -", "<1>1 - - - - -\t-",
        "<1>1 - - - - - [abcdefghijabcdefghijabcdefghijabc]",
        "<1>1 - - - - abcdefghijabcdefghijabcdefghijabc -",
        "<1>1 2003-10-11T22:14:15.0000001Z - - - - -", "<1>1 2003-10-11t22:14:15Z - - - - -"
    };
    char host[300], name[64];
    log_line o;
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(name, sizeof name, "not rfc5424 #%u", (unsigned)i);
        CHECK(log_parse(bad[i], strlen(bad[i]), &o) == 0 && o.format == LOG_RFC3164 && o.pri == 1
              && o.msg.p == bad[i] + 3 && !o.host.p && !o.sd.p, name);
    }
    memcpy(host, "<1>1 - ", 7);
    memset(host + 7, 'h', 256);
    memcpy(host + 263, " - - - -", 8);
    CHECK(log_parse(host, 271, &o) == 0 && o.format == LOG_RFC3164, "256-byte HOSTNAME refused");
    memcpy(host + 262, " - - - -", 8);      /* 255 bytes of HOSTNAME */
    CHECK(log_parse(host, 270, &o) == 0 && o.format == LOG_RFC5424 && o.host.n == 255,
          "255-byte HOSTNAME taken");
}

static void check_tags(void)
{
    static const log_want tags[] = {
        {"Oct 30 08:52:45 mail a.b_c-d/e: x", LOG_BSD, -1, "Oct 30 08:52:45", -1, 10, 30, 8, 52, 45,
         NOTZ, "mail", "a.b_c-d/e", NULL, NULL, "x"},
        {"Oct 30 08:52:45 mail t[]: x", LOG_BSD, -1, "Oct 30 08:52:45", -1, 10, 30, 8, 52, 45, NOTZ,
         "mail", NULL, NULL, NULL, "t[]: x"},
        {"Oct 30 08:52:45 mail t[1] x", LOG_BSD, -1, "Oct 30 08:52:45", -1, 10, 30, 8, 52, 45, NOTZ,
         "mail", NULL, NULL, NULL, "t[1] x"},
        {"Oct 30 08:52:45 mail t:x", LOG_BSD, -1, "Oct 30 08:52:45", -1, 10, 30, 8, 52, 45, NOTZ,
         "mail", NULL, NULL, NULL, "t:x"},
        {"Oct 30 08:52:45 mail t[abc-1]:", LOG_BSD, -1, "Oct 30 08:52:45", -1, 10, 30, 8, 52, 45,
         NOTZ, "mail", "t", "abc-1", NULL, ""},
        /* 48 characters: a TAG; 49: not one */
        {"Oct 30 08:52:45 h abcdefghijabcdefghijabcdefghijabcdefghijabcdefgh: x", LOG_BSD, -1,
         "Oct 30 08:52:45", -1, 10, 30, 8, 52, 45, NOTZ, "h",
         "abcdefghijabcdefghijabcdefghijabcdefghijabcdefgh", NULL, NULL, "x"},
        {"Oct 30 08:52:45 h abcdefghijabcdefghijabcdefghijabcdefghijabcdefghi: x", LOG_BSD, -1,
         "Oct 30 08:52:45", -1, 10, 30, 8, 52, 45, NOTZ, "h", NULL, NULL, NULL,
         "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghi: x"},
        {"Oct 30 08:52:45 h", LOG_BSD, -1, "Oct 30 08:52:45", -1, 10, 30, 8, 52, 45, NOTZ, "h",
         NULL, NULL, NULL, ""},
    };
    char label[32];
    log_line o;
    size_t i;
    for (i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        snprintf(label, sizeof label, "tag #%u", (unsigned)i);
        check_want(label, &tags[i], &o);
    }
}

int main(void)
{
    char label[32];
    log_line o;
    size_t i;
    for (i = 0; i < sizeof rfc5424 / sizeof rfc5424[0]; i++) {
        snprintf(label, sizeof label, "rfc5424 #%u", (unsigned)i);
        check_want(label, &rfc5424[i], &o);
    }
    for (i = 0; i < sizeof rfc3164 / sizeof rfc3164[0]; i++) {
        snprintf(label, sizeof label, "rfc3164 #%u", (unsigned)i);
        check_want(label, &rfc3164[i], &o);
    }
    for (i = 0; i < sizeof bad_pri / sizeof bad_pri[0]; i++) {
        snprintf(label, sizeof label, "bad PRI #%u is plain", (unsigned)i);
        CHECK(log_parse(bad_pri[i], strlen(bad_pri[i]), &o) == 0 && o.format == LOG_PLAIN
              && o.pri == -1 && o.msg.p == bad_pri[i] && o.msg.n == strlen(bad_pri[i]), label);
    }
    check_sd();
    check_sd_bounds();
    check_not_5424();
    check_tags();
    return CHECK_DONE();
}
