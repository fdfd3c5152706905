/* PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195, every vector in
 * tests/fixtures/cram-md5-vectors.tsv), OAUTHBEARER (RFC 7628 4.1),
 * XOAUTH2 (Google's example), the base64 framing of sasl.c, and no secret
 * in any error message. Run from the repository root. */
#include <stdlib.h>
#include "core/b64.h"
#include "sasl/sasl.h"
#include "unit/check.h"

#define PASS "Wonder-land 42"
#define TOKEN "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="

static sasl_creds creds(const char *user, const char *pass, const char *token)
{
    sasl_creds cr;
    memset(&cr, 0, sizeof cr);
    cr.user = user;
    cr.password = pass;
    cr.token = token;
    return cr;
}

/* base64 in, base64 out, as an engine would; out is a fixed string. */
static int step64(sasl_client *c, const char *chal, char *resp, size_t cap, gw_err *e)
{
    gw_buf out;
    int rc;
    gw_buf_init(&out, 65536);
    rc = sasl_client_step64(c, chal, strlen(chal), &out, e);
    snprintf(resp, cap, "%s", out.data ? out.data : "");
    gw_buf_free(&out);
    return rc;
}

static int initial64(sasl_client *c, char *resp, size_t cap, int *has, gw_err *e)
{
    gw_buf out;
    int rc;
    gw_buf_init(&out, 65536);
    rc = sasl_client_initial64(c, &out, has, e);
    snprintf(resp, cap, "%s", out.data ? out.data : "");
    gw_buf_free(&out);
    return rc;
}

static void cram_md5_file(void)
{
    FILE *f = fopen("tests/fixtures/cram-md5-vectors.tsv", "r");
    char line[1024], resp[512];
    int vectors = 0, has = 1;
    CHECK(f != NULL, "tests/fixtures/cram-md5-vectors.tsv opens (run from the repo root)");
    while (f && fgets(line, sizeof line, f)) {
        char *user = line, *pass, *chal, *want;
        sasl_client c;
        sasl_creds cr;
        gw_err e;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (!(pass = strchr(user, '\t')) || !(chal = strchr(pass + 1, '\t'))
            || !(want = strchr(chal + 1, '\t'))) {
            CHECK(0, "vector line has four fields");
            continue;
        }
        *pass++ = *chal++ = *want++ = '\0';
        vectors++;
        cr = creds(user, pass, NULL);
        CHECK(sasl_client_start(&c, "CRAM-MD5", &cr, &e) == 0, user);
        CHECK(initial64(&c, resp, sizeof resp, &has, &e) == 0 && !has && !*resp,
              "CRAM-MD5 has no initial response");
        CHECK(step64(&c, chal, resp, sizeof resp, &e) == 0, "CRAM-MD5 step");
        CHECK_STR(resp, want, user);
        CHECK(step64(&c, chal, resp, sizeof resp, &e) == -1 && e.kind == GW_EPROTOCOL,
              "CRAM-MD5: a second challenge is refused");
        sasl_client_free(&c);
    }
    if (f)
        fclose(f);
    CHECK(vectors >= 3, "the CRAM-MD5 fixture has vectors");
}

static void plain(void)
{
    sasl_client c;
    sasl_creds cr = creds("alice@example.test", PASS, NULL);
    gw_err e;
    char resp[512];
    int has = 0;
    CHECK(sasl_client_start(&c, "PLAIN", &cr, &e) == 0, "PLAIN start");
    CHECK(initial64(&c, resp, sizeof resp, &has, &e) == 0 && has, "PLAIN initial");
    CHECK_STR(resp, "AGFsaWNlQGV4YW1wbGUudGVzdABXb25kZXItbGFuZCA0Mg==",
              "PLAIN: \\0alice@example.test\\0Wonder-land 42");
    CHECK(initial64(&c, resp, sizeof resp, &has, &e) == -1 && e.kind == GW_EBAD_ARGUMENT,
          "initial response asked for twice");
    sasl_client_free(&c);

    CHECK(sasl_client_start(&c, "PLAIN", &cr, &e) == 0, "PLAIN start");
    CHECK(step64(&c, "", resp, sizeof resp, &e) == 0, "PLAIN: empty challenge before AUTH data");
    CHECK_STR(resp, "AGFsaWNlQGV4YW1wbGUudGVzdABXb25kZXItbGFuZCA0Mg==",
              "PLAIN: initial response answers the empty challenge");
    CHECK(c.steps == 0, "that answer is not a mechanism step");
    CHECK(step64(&c, "=", resp, sizeof resp, &e) == -1 && e.kind == GW_EPROTOCOL
          && strstr(e.msg, "PLAIN: unexpected challenge"), "PLAIN: a further challenge");
    sasl_client_free(&c);

    CHECK(sasl_client_start(&c, "PLAIN", &cr, &e) == 0, "PLAIN start");
    CHECK(step64(&c, "Zm9v", resp, sizeof resp, &e) == -1 && e.kind == GW_EPROTOCOL
          && strstr(e.msg, "challenge before the initial response"),
          "PLAIN: non-empty challenge before the initial response");
    sasl_client_free(&c);

    cr.user = "ali\0ce";
    cr.user_len = 6;
    CHECK(sasl_client_start(&c, "PLAIN", &cr, &e) == -1 && e.kind == GW_EBAD_ARGUMENT
          && strstr(e.msg, "NUL byte in the user name"), "PLAIN: NUL in the user refused");
    cr = creds("alice", "pass\0word", NULL);
    cr.password_len = 9;
    CHECK(sasl_client_start(&c, "PLAIN", &cr, &e) == -1 && e.kind == GW_EBAD_ARGUMENT
          && strstr(e.msg, "NUL byte in the password"), "PLAIN: NUL in the password refused");
    cr = creds("alice", NULL, NULL);
    CHECK(sasl_client_start(&c, "PLAIN", &cr, &e) == -1 && strstr(e.msg, "password missing"),
          "PLAIN: password missing");
    cr = creds("", PASS, NULL);
    CHECK(sasl_client_start(&c, "PLAIN", &cr, &e) == -1 && strstr(e.msg, "user name missing"),
          "PLAIN: empty user");
}

static void login(void)
{
    sasl_client c;
    sasl_creds cr = creds("alice", PASS, NULL);
    gw_err e;
    char resp[512];
    int has = 1;
    CHECK(sasl_client_start(&c, "login", &cr, &e) == 0, "LOGIN start");
    CHECK(initial64(&c, resp, sizeof resp, &has, &e) == 0 && !has, "LOGIN: no initial response");
    /* prompts in the wrong order: the step count decides, not the text */
    CHECK(step64(&c, "UGFzc3dvcmQ6", resp, sizeof resp, &e) == 0, "LOGIN step 1");
    CHECK_STR(resp, "YWxpY2U=", "LOGIN: user first, whatever the prompt");
    CHECK(step64(&c, "VXNlcm5hbWU6", resp, sizeof resp, &e) == 0, "LOGIN step 2");
    CHECK_STR(resp, "V29uZGVyLWxhbmQgNDI=", "LOGIN: then the password");
    CHECK(step64(&c, "UGFzc3dvcmQ6", resp, sizeof resp, &e) == -1 && e.kind == GW_EPROTOCOL
          && strstr(e.msg, "LOGIN: unexpected challenge (step 3)"), "LOGIN: third step refused");
    sasl_client_free(&c);
}

static void oauth(void)
{
    char *big;
    sasl_client c;
    sasl_creds cr = creds("user@example.com", NULL, TOKEN);
    gw_err e;
    char resp[512];
    int has = 0;
    cr.host = "server.example.com";
    cr.port = 143;
    CHECK(sasl_client_start(&c, "OAUTHBEARER", &cr, &e) == 0, "OAUTHBEARER start");
    CHECK(initial64(&c, resp, sizeof resp, &has, &e) == 0 && has, "OAUTHBEARER initial");
    CHECK_STR(resp, "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1"
              "dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB",
              "OAUTHBEARER: RFC 7628 4.1");
    CHECK(step64(&c, "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3Blbm"
                 "lkLWNvbmZpZ3VyYXRpb24iOiJodHRwczovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5p"
                 "ZC1jb25maWd1cmF0aW9uIn0=", resp, sizeof resp, &e) == 0, "OAUTHBEARER error");
    CHECK_STR(resp, "AQ==", "OAUTHBEARER: error challenge answered with 0x01");
    CHECK_STR(c.detail, "invalid_token", "OAUTHBEARER: status kept");
    CHECK(step64(&c, "e30=", resp, sizeof resp, &e) == -1, "OAUTHBEARER: second challenge");
    sasl_client_free(&c);
    CHECK(sasl_client_start(&c, "OAUTHBEARER", &cr, &e) == 0
          && initial64(&c, resp, sizeof resp, &has, &e) == 0
          && step64(&c, "e30=", resp, sizeof resp, &e) == 0, "OAUTHBEARER error {}");
    CHECK(sasl_client_finish(&c, &e) == -1 && e.kind == GW_EAUTH_FAILED,
          "OAUTHBEARER: success after an error is not believed");
    sasl_client_free(&c);

    cr = creds("a,b=c", NULL, "T0k");
    CHECK(sasl_client_start(&c, "OAUTHBEARER", &cr, &e) == 0
          && initial64(&c, resp, sizeof resp, &has, &e) == 0, "OAUTHBEARER minimal");
    CHECK_STR(resp, "bixhPWE9MkNiPTNEYywBYXV0aD1CZWFyZXIgVDBrAQE=",
              "OAUTHBEARER: n,a=a=2Cb=3Dc,^Aauth=Bearer T0k^A^A");
    CHECK(sasl_client_finish(&c, &e) == 0, "OAUTHBEARER: finish");
    sasl_client_free(&c);
    cr = creds(NULL, NULL, "T0k");
    CHECK(sasl_client_start(&c, "OAUTHBEARER", &cr, &e) == 0
          && initial64(&c, resp, sizeof resp, &has, &e) == 0, "OAUTHBEARER without user");
    CHECK_STR(resp, "biwsAWF1dGg9QmVhcmVyIFQwawEB", "OAUTHBEARER: n,,^Aauth=Bearer T0k^A^A");
    sasl_client_free(&c);
    cr = creds("u", NULL, "T0k\001host=evil");
    CHECK(sasl_client_start(&c, "OAUTHBEARER", &cr, &e) == -1 && e.kind == GW_EBAD_ARGUMENT
          && !strstr(e.msg, "T0k"), "OAUTHBEARER: 0x01 in the token refused");
    cr = creds("u", NULL, "T0k");
    cr.host = "smtp.example.test\r\nRCPT";
    CHECK(sasl_client_start(&c, "OAUTHBEARER", &cr, &e) == -1 && strstr(e.msg, "in the host"),
          "OAUTHBEARER: CR LF in the host");
    big = malloc(GW_HOST_MAX + 2);
    memset(big, 'h', GW_HOST_MAX + 1);
    big[GW_HOST_MAX + 1] = '\0';
    cr.host = big;
    CHECK(sasl_client_start(&c, "OAUTHBEARER", &cr, &e) == -1 && strstr(e.msg, "host longer"),
          "OAUTHBEARER: host bounded");
    free(big);
    cr = creds("u", NULL, "T0k x");
    CHECK(sasl_client_start(&c, "XOAUTH2", &cr, &e) == -1, "XOAUTH2: space in the token");
    cr = creds("u\001x", NULL, "T0k");
    CHECK(sasl_client_start(&c, "XOAUTH2", &cr, &e) == -1, "XOAUTH2: 0x01 in the user");
    cr = creds("u", "pw", NULL);
    CHECK(sasl_client_start(&c, "XOAUTH2", &cr, &e) == -1 && strstr(e.msg, "token missing"),
          "XOAUTH2: token missing");

    cr = creds("someuser@example.com", NULL, "ya29.vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg");
    CHECK(sasl_client_start(&c, "XOAUTH2", &cr, &e) == 0, "XOAUTH2 start");
    CHECK(initial64(&c, resp, sizeof resp, &has, &e) == 0 && has, "XOAUTH2 initial");
    CHECK_STR(resp, "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRj"
              "Mk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2cBAQ==", "XOAUTH2: Google's example");
    CHECK(step64(&c, "eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21h"
                 "aWwuZ29vZ2xlLmNvbS8ifQ==", resp, sizeof resp, &e) == 0, "XOAUTH2 error");
    CHECK_STR(resp, "", "XOAUTH2: error challenge answered with an empty response");
    CHECK_STR(c.detail, "400", "XOAUTH2: status kept");
    sasl_client_free(&c);
}

static void framing(void)
{
    static const char *const malformed[] = {
        "VXNlcm5hbWU", "VXNl cm5hbWU6", "VXNlcm5hbWU6\r", " VXNlcm5hbWU6", "VXNlcm5hbWV=",
        "VXNlcm5hbWU6==", "*",
    };
    const sasl_mech *const *all = sasl_all();
    sasl_creds cr = creds("alice", PASS, NULL);
    sasl_client c;
    gw_err e;
    char resp[512], *big;
    size_t i;
    CHECK(sasl_find("scram-SHA-256") == all[0] && sasl_find("Cram-Md5") != NULL,
          "sasl_find is case-insensitive");
    CHECK(!sasl_find("PLAIN2") && !sasl_find("PLAI") && !sasl_find("") && !sasl_find(NULL)
          && !sasl_find("SCRAM-SHA-256-PLUS") && !sasl_find("DIGEST-MD5"), "unknown names");
    for (i = 0; all[i]; i++)
        ;
    CHECK(i == 7 && strcmp(all[0]->name, "SCRAM-SHA-256") == 0
          && strcmp(all[6]->name, "XOAUTH2") == 0, "sasl_all: 7 mechanisms, strongest first");
    CHECK(sasl_client_start(&c, "DIGEST-MD5", &cr, &e) == -1 && e.kind == GW_EAUTH_UNAVAILABLE
          && strstr(e.msg, "unknown mechanism \"DIGEST-MD5\""), "unknown mechanism");
    CHECK(sasl_client_start(&c, "PLAIN", NULL, &e) == -1 && e.kind == GW_EBAD_ARGUMENT,
          "no credentials");
    for (i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        CHECK(sasl_client_start(&c, "LOGIN", &cr, &e) == 0, "LOGIN start");
        CHECK(step64(&c, malformed[i], resp, sizeof resp, &e) == -1 && e.kind == GW_EPROTOCOL
              && strstr(e.msg, "LOGIN: malformed base64 challenge"), malformed[i]);
        CHECK(*resp == '\0', "nothing to send after a failure");
        CHECK(step64(&c, "VXNlcm5hbWU6", resp, sizeof resp, &e) == -1
              && strstr(e.msg, "already failed"), "no step after a failure");
        CHECK(sasl_client_finish(&c, &e) == -1 && e.kind == GW_EAUTH_FAILED,
              "no success after a failure");
        sasl_client_free(&c);
    }
    big = malloc(GW_SASL_CHALLENGE_MAX / 3 * 4 + 8);
    memset(big, 'A', GW_SASL_CHALLENGE_MAX / 3 * 4 + 4);
    big[GW_SASL_CHALLENGE_MAX / 3 * 4 + 4] = '\0';
    CHECK(sasl_client_start(&c, "LOGIN", &cr, &e) == 0
          && step64(&c, big, resp, sizeof resp, &e) == -1 && strstr(e.msg, "challenge longer"),
          "oversized challenge");
    sasl_client_free(&c);
    free(big);
    CHECK(sasl_client_start(&c, "LOGIN", &cr, &e) == 0, "LOGIN start");
    c.steps = GW_SASL_STEPS_MAX;
    CHECK(step64(&c, "", resp, sizeof resp, &e) == -1 && strstr(e.msg, "more than 8 challenges"),
          "steps bounded");
    sasl_client_free(&c);
    c.mech = NULL;
    CHECK(step64(&c, "", resp, sizeof resp, &e) == -1 && e.kind == GW_EBAD_ARGUMENT,
          "client not started");
    {
        gw_buf small;
        int has = 0;
        gw_buf_init(&small, 8);
        CHECK(sasl_client_start(&c, "PLAIN", &cr, &e) == 0
              && sasl_client_initial64(&c, &small, &has, &e) == -1 && !has && small.len == 0
              && e.kind == GW_EBAD_ARGUMENT && strstr(e.msg, "PLAIN: response too long"),
              "response bounded by the caller's buffer");
        sasl_client_free(&c);
        gw_buf_free(&small);
    }
    {
        gw_buf out;
        gw_buf_init(&out, 64);
        CHECK(sasl_client_start(&c, "CRAM-MD5", &cr, &e) == 0
              && c.mech->step(&c, "x", GW_SASL_CHALLENGE_MAX + 1, &out, &e) == -1
              && strstr(e.msg, "challenge longer"), "CRAM-MD5: raw challenge bounded");
        sasl_client_free(&c);
        gw_buf_free(&out);
    }
    cr.user_len = GW_SASL_USER_MAX + 1;
    cr.user = big = calloc(1, GW_SASL_USER_MAX + 2);
    memset(big, 'u', GW_SASL_USER_MAX + 1);
    CHECK(sasl_client_start(&c, "PLAIN", &cr, &e) == -1 && strstr(e.msg, "user name longer"),
          "user name bounded");
    cr.user_len = 0;
    CHECK(sasl_client_start(&c, "PLAIN", &cr, &e) == -1 && strstr(e.msg, "user name longer"),
          "user name bounded (strlen)");
    free(big);
}

/* Every failure path with a recognisable password and token: the message
 * must not carry them (nor their base64). */
static void no_secret(void)
{
    static const char *const seqs[][3] = {
        {"VXNlcm5hbWU6", "UGFzc3dvcmQ6", "UGFzc3dvcmQ6"}, {"", "", ""}, {"%%%", NULL, NULL},
        {"PDEyMzQ+", "PDEyMzQ+", NULL},
        /* SCRAM (test nonce "abc"): good nonce and salt, then a bad v= */
        {"cj1hYmNkZWYscz1RU1hDUitRNnNlazhiZjkyLGk9NDA5Ng==", "dj1ybUY5cHFWOFM3c3VBb1pXamE0ZEpSa0ZzS1E9", NULL},
        {"cj1hYmNkZWYscz1RU1hDUitRNnNlazhiZjkyLGk9NDA5Ng==", "ZT1vdGhlci1lcnJvcg==", NULL},
        {"cj1hYmNkZWYscz1RU1hDUitRNnNlazhiZjkyLGk9NDA5Ng==", NULL, NULL},
        {"cj1hYmMscz1RU1hDUitRNnNlazhiZjkyLGk9NDA5Ng==", NULL, NULL},
    };
    static const char *const secrets[] = {
        "S3cr3t-Pa55w0rd", "T0k3n-Secr3t", "UzNjcjN0LVBhNTV3MHJk", "VDBrM24tU2VjcjN0",
    };
    const sasl_mech *const *all = sasl_all();
    size_t m, s, k, j;
    int leaks = 0, failures = 0;
    for (m = 0; all[m]; m++) {
        for (s = 0; s < sizeof seqs / sizeof seqs[0]; s++) {
            sasl_creds cr = creds("alice", "S3cr3t-Pa55w0rd", NULL);
            sasl_client c;
            gw_err e;
            char resp[512];
            int has, rc;
            if (all[m]->flags & SASL_F_TOKEN)
                cr = creds("alice", NULL, "T0k3n-Secr3t");
            gw_err_clear(&e);
            if (sasl_client_start(&c, all[m]->name, &cr, &e) != 0)
                continue;
            c.test_nonce = "abc";
            rc = initial64(&c, resp, sizeof resp, &has, &e);
            for (k = 0; rc == 0 && k < 3 && seqs[s][k]; k++)
                rc = step64(&c, seqs[s][k], resp, sizeof resp, &e);
            if (rc == 0)
                rc = sasl_client_finish(&c, &e);
            if (rc != 0) {
                failures++;
                for (j = 0; j < sizeof secrets / sizeof secrets[0]; j++)
                    if (strstr(e.msg, secrets[j]) || strstr(c.detail, secrets[j])) {
                        leaks++;
                        printf("# leak: %s\n", e.msg);
                    }
                if (!strstr(e.msg, all[m]->name))
                    printf("# message does not name %s: %s\n", all[m]->name, e.msg);
                leaks += !strstr(e.msg, all[m]->name);
            }
            sasl_client_free(&c);
        }
    }
    CHECK(failures >= 40, "failure paths exercised");
    CHECK(leaks == 0, "no secret in any error message; each names its mechanism");
}

int main(void)
{
    cram_md5_file();
    plain();
    login();
    oauth();
    framing();
    no_secret();
    return CHECK_DONE();
}
