/* EHLO capabilities: the ISP's reply from tests/fixtures/isp-submission-2023-09.txt,
 * a Postfix reply, odd keywords and parameters, RFC 4422 mechanism names. */
#include "smtp/caps.h"
#include "unit/check.h"

#define MAXL 16
#define ALL_BUT_SIZE (SMTP_CAP_PIPELINING | SMTP_CAP_STARTTLS | SMTP_CAP_8BITMIME \
                      | SMTP_CAP_SMTPUTF8 | SMTP_CAP_AUTH | SMTP_CAP_ENHANCED     \
                      | SMTP_CAP_DSN | SMTP_CAP_CHUNKING)

struct ccase {
    const char *name;
    const char *lines[MAXL];
    int rc;
    unsigned flags;
    unsigned long size_max;
    const char *domain;
    const char *auth;
};

static const struct ccase cases[] = {
    {"ISP EHLO, September 2023 (fixture)",
     {"250-msc14.plala.or.jp", "250-AUTH=LOGIN PLAIN CRAM-MD5", "250-AUTH LOGIN PLAIN CRAM-MD5",
      "250-PIPELINING", "250-DSN", "250-8BITMIME", "250-STARTTLS", "250 SIZE 20971520"},
     0, SMTP_CAP_AUTH | SMTP_CAP_PIPELINING | SMTP_CAP_DSN | SMTP_CAP_8BITMIME
            | SMTP_CAP_STARTTLS | SMTP_CAP_SIZE,
     20971520UL, "msc14.plala.or.jp", "LOGIN PLAIN CRAM-MD5"},
    {"ISP EHLO after STARTTLS, November 2023 (fixture)",
     {"250-msc12.plala.or.jp", "250-AUTH=LOGIN PLAIN", "250-AUTH LOGIN PLAIN",
      "250-PIPELINING", "250-DSN", "250-8BITMIME", "250 SIZE 20971520"},
     0, SMTP_CAP_AUTH | SMTP_CAP_PIPELINING | SMTP_CAP_DSN | SMTP_CAP_8BITMIME | SMTP_CAP_SIZE,
     20971520UL, "msc12.plala.or.jp", "LOGIN PLAIN"},
    {"Postfix EHLO",
     {"250-mail.example.test", "250-PIPELINING", "250-SIZE 10240000", "250-VRFY", "250-ETRN",
      "250-STARTTLS", "250-AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256",
      "250-ENHANCEDSTATUSCODES", "250-8BITMIME", "250-DSN", "250-SMTPUTF8", "250 CHUNKING"},
     0, ALL_BUT_SIZE | SMTP_CAP_SIZE, 10240000UL, "mail.example.test",
     "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256"},
    {"lower-case keywords and names",
     {"250-Host.Example Hello [192.0.2.1]", "250-pipelining", "250-size 1000", "250-starttls",
      "250-auth plain Login", "250-enhancedstatuscodes", "250-8bitmime", "250-dsn",
      "250-smtputf8", "250 chunking"},
     0, ALL_BUT_SIZE | SMTP_CAP_SIZE, 1000UL, "Host.Example", "PLAIN LOGIN"},
    {"old form only, lower case", {"250-h", "250 auth=login plain"},
     0, SMTP_CAP_AUTH, 0, "h", "LOGIN PLAIN"},
    {"old form first, new form adds", {"250-h", "250-AUTH=LOGIN", "250 AUTH PLAIN LOGIN XOAUTH2"},
     0, SMTP_CAP_AUTH, 0, "h", "LOGIN PLAIN XOAUTH2"},
    {"SIZE without a number", {"250-h", "250 SIZE"}, 0, SMTP_CAP_SIZE, 0, "h", ""},
    {"SIZE 0 (no fixed limit)", {"250-h", "250 SIZE 0"}, 0, SMTP_CAP_SIZE, 0, "h", ""},
    {"SIZE abc", {"250-h", "250 SIZE abc"}, 0, SMTP_CAP_SIZE, 0, "h", ""},
    {"SIZE 12ab", {"250-h", "250 SIZE 12ab"}, 0, SMTP_CAP_SIZE, 0, "h", ""},
    {"SIZE -1", {"250-h", "250 SIZE -1"}, 0, SMTP_CAP_SIZE, 0, "h", ""},
    {"SIZE overflow", {"250-h", "250 SIZE 99999999999999999999999"}, 0, SMTP_CAP_SIZE, 0, "h", ""},
    {"SIZE 4294967295", {"250-h", "250 SIZE 4294967295"}, 0, SMTP_CAP_SIZE, 4294967295UL, "h", ""},
    {"SIZE with TAB and extra spaces", {"250-h", "250 SIZE\t  52428800 "},
     0, SMTP_CAP_SIZE, 52428800UL, "h", ""},
    {"invalid mechanism names dropped",
     {"250-h", "250 AUTH PLAIN L*GIN ABCDEFGHIJKLMNOPQRSTU ABCDEFGHIJKLMNOPQRST X.Y GSSAPI "
      "\xc3\xa9 SCRAM-SHA-256-PLUS A_B"},
     0, SMTP_CAP_AUTH, 0, "h", "PLAIN ABCDEFGHIJKLMNOPQRST GSSAPI SCRAM-SHA-256-PLUS A_B"},
    {"AUTH without mechanisms", {"250-h", "250 AUTH"}, 0, SMTP_CAP_AUTH, 0, "h", ""},
    {"duplicates within one line", {"250-h", "250 AUTH PLAIN plain PLAIN"},
     0, SMTP_CAP_AUTH, 0, "h", "PLAIN"},
    {"keyword prefixes and suffixes ignored",
     {"250-h", "250-PIPELININGX", "250-XSTARTTLS", "250-AUTHX PLAIN", "250-SIZEX 5", "250 DS"},
     0, 0, 0, "h", ""},
    {"unknown keywords ignored", {"250-h", "250-VRFY", "250-ETRN", "250-X-EXPS GSSAPI NTLM",
      "250 XCLIENT NAME ADDR"}, 0, 0, 0, "h", ""},
    {"one-line reply", {"250 host"}, 0, 0, 0, "host", ""},
    {"one-line reply with greeting", {"250 host.example.test says hello"},
     0, 0, 0, "host.example.test", ""},
    {"bare 250", {"250"}, 0, 0, 0, "", ""},
    {"empty lines", {"250-", "250-", "250 "}, 0, 0, 0, "", ""},
    {"EHLO refused", {"502 5.5.2 Error: command not recognized"}, -1, 0, 0, NULL, NULL},
    {"EHLO 554", {"554-no", "554 go away"}, -1, 0, 0, NULL, NULL},
    {"250 but incomplete", {"250-h", "250-PIPELINING"}, -1, 0, 0, NULL, NULL},
    {"251 is not 250", {"251 h"}, -1, 0, 0, NULL, NULL},
};

static void run_case(const struct ccase *t)
{
    smtp_reply r;
    smtp_caps c;
    gw_err e;
    int i, rc;
    smtp_reply_init(&r);
    gw_err_clear(&e);
    for (i = 0; i < MAXL && t->lines[i]; i++)
        if (!CHECK(smtp_reply_feed(&r, t->lines[i], strlen(t->lines[i]), &e) >= 0, t->name))
            check_show(e.msg, "");
    rc = smtp_caps_parse(&c, &r, &e);
    if (!CHECK(rc == t->rc, t->name))
        check_show(e.msg, "");
    if (t->rc == 0) {
        if (!CHECK(c.flags == t->flags, t->name))
            printf("#   flags 0x%x, want 0x%x\n", c.flags, t->flags);
        if (!CHECK(c.size_max == t->size_max, t->name))
            printf("#   size %lu, want %lu\n", c.size_max, t->size_max);
        CHECK_STR(c.domain, t->domain, t->name);
        CHECK_STR(c.auth, t->auth, t->name);
    } else {
        CHECK(e.kind == GW_EPROTOCOL && e.code == r.code, t->name);
    }
    smtp_reply_free(&r);
}

static void feed(smtp_reply *r, const char *line)
{
    gw_err e;
    (void)smtp_reply_feed(r, line, strlen(line), &e);
}

int main(void)
{
    size_t i;
    smtp_reply r;
    smtp_caps c;
    gw_err e;
    char line[600];

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);

    /* Messages name the refusal. */
    smtp_reply_init(&r);
    feed(&r, "502 5.5.2 Error: command not recognized");
    smtp_caps_parse(&c, &r, &e);
    CHECK_STR(e.msg, "smtp: EHLO refused \"502 5.5.2 Error: command not recognized\"", "refusal message");
    CHECK(e.code == 502, "refusal code");
    smtp_reply_reset(&r);
    CHECK(smtp_caps_parse(&c, &r, &e) == -1, "empty reply");
    CHECK_STR(e.msg, "smtp: EHLO reply incomplete", "incomplete message");

    /* The list is bounded by GW_SMTP_MECH_TEXT: names that do not fit are dropped. */
    smtp_reply_reset(&r);
    feed(&r, "250-h");
    for (i = 0; i < 30; i++) {
        snprintf(line, sizeof line, "250-AUTH MECH-%02u-ABCDEFGHIJKL", (unsigned)i);
        feed(&r, line);
    }
    feed(&r, "250 AUTH PLAIN");
    CHECK(smtp_caps_parse(&c, &r, &e) == 0, "long AUTH list parsed");
    CHECK(strlen(c.auth) == 24 * 21 - 1 + 6 && strlen(c.auth) < GW_SMTP_MECH_TEXT, "list bounded");
    CHECK(strncmp(c.auth, "MECH-00-ABCDEFGHIJKL MECH-01-", 29) == 0, "order kept");
    CHECK(strstr(c.auth, "MECH-23-ABCDEFGHIJKL") != NULL && strstr(c.auth, "MECH-24") == NULL,
          "24 names of 20 fit");
    CHECK(smtp_caps_has_mech(&c, "PLAIN") == 1, "short name fits after long ones");

    /* smtp_caps_has_mech */
    smtp_reply_reset(&r);
    feed(&r, "250-h");
    feed(&r, "250 AUTH SCRAM-SHA-256 PLAIN");
    smtp_caps_parse(&c, &r, &e);
    CHECK(smtp_caps_has_mech(&c, "plain") == 1, "has_mech case-insensitive");
    CHECK(smtp_caps_has_mech(&c, "SCRAM-SHA-256") == 1, "has_mech first");
    CHECK(smtp_caps_has_mech(&c, "SCRAM-SHA-1") == 0, "has_mech no prefix match");
    CHECK(smtp_caps_has_mech(&c, "PLAI") == 0, "has_mech no partial match");
    CHECK(smtp_caps_has_mech(&c, "") == 0, "has_mech empty");
    CHECK(smtp_caps_has_mech(&c, "PLAIN LOGIN") == 0, "has_mech two words");
    smtp_reply_free(&r);
    return CHECK_DONE();
}
