/* SCRAM-SHA-1 (RFC 5802 section 5) and SCRAM-SHA-256 (RFC 7677 section 3)
 * known answers, and a table of malformed or hostile server messages. */
#include <stdlib.h>
#include "core/b64.h"
#include "sasl/sasl.h"
#include "unit/check.h"

#define SHA1_NONCE "fyko+d2lbbFgONRv9qkxdawL"
#define SHA1_FIRST "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"
#define SHA1_FINAL "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="
#define SHA1_PROOF "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
#define SHA256_NONCE "rOprNGfwEbeRWgbNEkqO"
#define SHA256_FIRST "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," \
                     "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define SHA256_FINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
#define SHA256_PROOF "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="

/* Raw text in and out; base64 on the way, as an engine would. */
static int initial(sasl_client *c, char *resp, size_t cap, gw_err *e)
{
    gw_buf out, raw;
    int has = 0, rc;
    gw_buf_init(&out, 65536);
    gw_buf_init(&raw, 65536);
    rc = sasl_client_initial64(c, &out, &has, e);
    if (rc == 0 && has && gw_b64_decode(&raw, out.data, out.len) != 0)
        rc = 99;
    snprintf(resp, cap, "%s", raw.data ? raw.data : "");
    gw_buf_free(&out);
    gw_buf_free(&raw);
    return rc;
}

static int step(sasl_client *c, const char *chal, size_t n, char *resp, size_t cap, gw_err *e)
{
    gw_buf in, out, raw;
    int rc;
    gw_buf_init(&in, 65536);
    gw_buf_init(&out, 65536);
    gw_buf_init(&raw, 65536);
    gw_b64_encode(&in, chal, n);
    rc = sasl_client_step64(c, in.data ? in.data : "", in.len, &out, e);
    if (rc == 0 && gw_b64_decode(&raw, out.data ? out.data : "", out.len) != 0)
        rc = 99;
    snprintf(resp, cap, "%s", raw.data ? raw.data : "");
    gw_buf_free(&in);
    gw_buf_free(&out);
    gw_buf_free(&raw);
    return rc;
}

static int start(sasl_client *c, const char *mech, const char *user, const char *pass,
                 const char *nonce, gw_err *e)
{
    sasl_creds cr;
    memset(&cr, 0, sizeof cr);
    cr.user = user;
    cr.password = pass;
    if (sasl_client_start(c, mech, &cr, e) != 0)
        return -1;
    c->test_nonce = nonce;
    return 0;
}

static void rfc_vector(const char *mech, const char *nonce, const char *first,
                       const char *proof, const char *final)
{
    sasl_client c;
    gw_err e;
    char resp[512], want[512];
    CHECK(start(&c, mech, "user", "pencil", nonce, &e) == 0, mech);
    CHECK(initial(&c, resp, sizeof resp, &e) == 0, "client-first");
    snprintf(want, sizeof want, "n,,n=user,r=%s", nonce);
    CHECK_STR(resp, want, "client-first message");
    CHECK(step(&c, first, strlen(first), resp, sizeof resp, &e) == 0, "server-first accepted");
    snprintf(want, sizeof want, "c=biws,%.*s,p=%s", (int)(strchr(first, ',') - first),
             first, proof);
    CHECK_STR(resp, want, "client-final message");
    CHECK(sasl_client_finish(&c, &e) == -1 && e.kind == GW_EAUTH_FAILED,
          "finish before v= is refused");
    sasl_client_free(&c);

    /* again, through to the end */
    CHECK(start(&c, mech, "user", "pencil", nonce, &e) == 0, mech);
    CHECK(initial(&c, resp, sizeof resp, &e) == 0, "client-first");
    CHECK(step(&c, first, strlen(first), resp, sizeof resp, &e) == 0, "server-first");
    CHECK(step(&c, final, strlen(final), resp, sizeof resp, &e) == 0, "server-final verified");
    CHECK_STR(resp, "", "empty response to server-final");
    CHECK(sasl_client_finish(&c, &e) == 0, "finish after v=");
    CHECK(step(&c, final, strlen(final), resp, sizeof resp, &e) == -1
          && e.kind == GW_EPROTOCOL && strstr(e.msg, "unexpected challenge"),
          "a challenge beyond the exchange is refused");
    sasl_client_free(&c);
    sasl_client_free(&c);
    CHECK(c.mech == NULL && c.state == NULL, "free is idempotent");
}

/* The mechanism's own functions, as the fuzz target calls them. */
static void raw_api(void)
{
    sasl_client c;
    gw_err e;
    gw_buf out;
    int has = 0;
    gw_buf_init(&out, 4096);
    CHECK(start(&c, "SCRAM-SHA-1", "user", "pencil", SHA1_NONCE, &e) == 0, "raw start");
    CHECK(c.mech->initial(&c, &out, &has, &e) == 0 && has, "raw initial");
    CHECK_STR(out.data, "n,,n=user,r=" SHA1_NONCE, "raw client-first");
    gw_buf_reset(&out);
    CHECK(c.mech->step(&c, SHA1_FIRST, strlen(SHA1_FIRST), &out, &e) == 0, "raw step 1");
    CHECK(strstr(out.data, ",p=" SHA1_PROOF) != NULL, "raw proof");
    gw_buf_reset(&out);
    c.steps++;
    CHECK(c.mech->step(&c, SHA1_FINAL, strlen(SHA1_FINAL), &out, &e) == 0 && out.len == 0,
          "raw step 2");
    CHECK(c.mech->finish(&c, &e) == 0, "raw finish");
    CHECK(c.mech->initial(&c, &out, &has, &e) == -1, "raw initial twice");
    sasl_client_free(&c);
    CHECK(start(&c, "SCRAM-SHA-1", "user", "pencil", SHA1_NONCE, &e) == 0, "raw start");
    CHECK(c.mech->step(&c, SHA1_FIRST, strlen(SHA1_FIRST), &out, &e) == -1
          && strstr(e.msg, "unexpected challenge"), "raw step before initial");
    sasl_client_free(&c);
    CHECK(start(&c, "SCRAM-SHA-1", "user", "pencil", SHA1_NONCE, &e) == 0
          && c.mech->initial(&c, &out, &has, &e) == 0, "raw start");
    CHECK(c.mech->step(&c, SHA1_FIRST, GW_SASL_CHALLENGE_MAX + 1, &out, &e) == -1
          && strstr(e.msg, "challenge longer"), "raw challenge bounded");
    CHECK(c.mech->step(&c, SHA1_FIRST, strlen(SHA1_FIRST), &out, &e) == -1
          && strstr(e.msg, "unexpected challenge"), "no step after a failed step");
    sasl_client_free(&c);
    gw_buf_free(&out);
}

static void client_first(void)
{
    sasl_client c, d;
    gw_err e;
    char resp[512], other[512];
    size_t i;
    int ok = 1;
    CHECK(start(&c, "scram-sha-256", "a,b=c", "x", "abc", &e) == 0, "lower-case name");
    CHECK(initial(&c, resp, sizeof resp, &e) == 0, "escaped user");
    CHECK_STR(resp, "n,,n=a=2Cb=3Dc,r=abc", "',' and '=' escaped in the user name");
    sasl_client_free(&c);

    CHECK(start(&c, "SCRAM-SHA-256", "user", "x", NULL, &e) == 0
          && start(&d, "SCRAM-SHA-256", "user", "x", NULL, &e) == 0, "random nonce");
    CHECK(initial(&c, resp, sizeof resp, &e) == 0 && initial(&d, other, sizeof other, &e) == 0,
          "random client-first");
    CHECK(strncmp(resp, "n,,n=user,r=", 12) == 0 && strlen(resp) == 12 + 24, "nonce: 24 chars");
    for (i = 12; resp[i]; i++)
        ok &= resp[i] > 0x20 && resp[i] < 0x7f && resp[i] != ',';
    CHECK(ok, "nonce printable, no ','");
    CHECK(strcmp(resp, other) != 0, "two nonces differ");
    sasl_client_free(&c);
    sasl_client_free(&d);

    CHECK(start(&c, "SCRAM-SHA-1", "user", "x", "bad,nonce", &e) == 0, "start");
    CHECK(initial(&c, resp, sizeof resp, &e) == -1 && e.kind == GW_EBAD_ARGUMENT,
          "test nonce with ',' refused");
    sasl_client_free(&c);
    CHECK(start(&c, "SCRAM-SHA-1", "user", NULL, NULL, &e) == -1
          && e.kind == GW_EBAD_ARGUMENT && c.mech == NULL, "password missing");
}

/* Hostile or malformed server messages (SCRAM-SHA-1, RFC 5802 values). */
struct bad {
    const char *name, *first, *final;
    int at;                 /* 1: server-first fails, 2: server-final, 3: finish */
    gw_kind kind;
    const char *says;
};

#define F_SALT ",s=QSXCR+Q6sek8bf92"
#define F_NONCE "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j"
static const struct bad bads[] = {
    {"wrong v=", SHA1_FIRST, "v=smF9pqV8S7suAoZWja4dJRkFsKQ=", 2, GW_EAUTH_FAILED, "signature mismatch"},
    {"v= too short", SHA1_FIRST, "v=rmF9pqV8S7suAoZW", 2, GW_EAUTH_FAILED, "signature mismatch"},
    {"v= bad base64", SHA1_FIRST, "v=rmF9pqV8S7suAoZWja4dJRkFsKQ", 2, GW_EAUTH_FAILED, "signature mismatch"},
    {"v= empty", SHA1_FIRST, "v=", 2, GW_EAUTH_FAILED, "signature mismatch"},
    {"missing v=", SHA1_FIRST, "", 2, GW_EAUTH_FAILED, "no server signature"},
    {"other attribute", SHA1_FIRST, "x=1," SHA1_FINAL, 2, GW_EAUTH_FAILED, "no server signature"},
    {"e=other-error", SHA1_FIRST, "e=other-error", 2, GW_EAUTH_FAILED, "server error: other-error"},
    {"e=invalid-proof", SHA1_FIRST, "e=invalid-proof,x=y", 2, GW_EAUTH_FAILED, "server error: invalid-proof"},
    {"nonce not ours", "r=fykO+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j" F_SALT ",i=4096", NULL, 1,
     GW_EPROTOCOL, "server nonce does not extend ours"},
    {"nonce equal to ours", "r=" SHA1_NONCE F_SALT ",i=4096", NULL, 1, GW_EPROTOCOL,
     "server nonce does not extend ours"},
    {"nonce shorter", "r=fyko" F_SALT ",i=4096", NULL, 1, GW_EPROTOCOL, "does not extend ours"},
    {"nonce with a space", "r=" SHA1_NONCE "ab cd" F_SALT ",i=4096", NULL, 1, GW_EPROTOCOL,
     "does not extend ours"},
    {"i=0", F_NONCE F_SALT ",i=0", NULL, 1, GW_EPROTOCOL, "(i=) is not a number"},
    {"i=4095", F_NONCE F_SALT ",i=4095", NULL, 1, GW_EPROTOCOL, "(i=) below the minimum 4096"},
    {"i=1000001", F_NONCE F_SALT ",i=1000001", NULL, 1, GW_EPROTOCOL, "(i=) above the maximum 1000000"},
    {"i=huge", F_NONCE F_SALT ",i=99999999999999999999999", NULL, 1, GW_EPROTOCOL, "above the maximum"},
    {"i=-4096", F_NONCE F_SALT ",i=-4096", NULL, 1, GW_EPROTOCOL, "is not a number"},
    {"i=04096", F_NONCE F_SALT ",i=04096", NULL, 1, GW_EPROTOCOL, "is not a number"},
    {"i=4096x", F_NONCE F_SALT ",i=4096x", NULL, 1, GW_EPROTOCOL, "is not a number"},
    {"i= empty", F_NONCE F_SALT ",i=", NULL, 1, GW_EPROTOCOL, "is not a number"},
    {"salt not base64", F_NONCE ",s=QSXCR+Q6sek8bf9,i=4096", NULL, 1, GW_EPROTOCOL, "salt"},
    {"salt with padding bits", F_NONCE ",s=QSXCR+Q6sek8bf9=,i=4096", NULL, 1, GW_EPROTOCOL, "salt"},
    {"salt empty", F_NONCE ",s=,i=4096", NULL, 1, GW_EPROTOCOL, "salt"},
    {"s before r", "s=QSXCR+Q6sek8bf92," F_NONCE ",i=4096", NULL, 1, GW_EPROTOCOL, "in this order"},
    {"i before s", F_NONCE ",i=4096" F_SALT, NULL, 1, GW_EPROTOCOL, "in this order"},
    {"m= extension", "m=foo," SHA1_FIRST, NULL, 1, GW_EPROTOCOL, "(m=)"},
    {"missing r", "s=QSXCR+Q6sek8bf92,i=4096", NULL, 1, GW_EPROTOCOL, "in this order"},
    {"missing s", F_NONCE, NULL, 1, GW_EPROTOCOL, "no salt"},
    {"missing i", F_NONCE F_SALT, NULL, 1, GW_EPROTOCOL, "no iteration count"},
    {"trailing comma", SHA1_FIRST ",", NULL, 1, GW_EPROTOCOL, "malformed extension"},
    {"bad extension", SHA1_FIRST ",1=x", NULL, 1, GW_EPROTOCOL, "malformed extension"},
    {"empty extension value", SHA1_FIRST ",x=", NULL, 1, GW_EPROTOCOL, "malformed extension"},
    {"empty server-first", "", NULL, 1, GW_EPROTOCOL, "empty"},
    {"e= in server-first", "e=other-error", NULL, 1, GW_EPROTOCOL, "in this order"},
    /* an extension is ignored, but is part of AuthMessage: the RFC's v= no longer matches */
    {"extension ignored", SHA1_FIRST ",x=ext", SHA1_FINAL, 2, GW_EAUTH_FAILED, "signature mismatch"},
    {"finish without server-final", SHA1_FIRST, NULL, 3, GW_EAUTH_FAILED, "without proving"},
};

static void odd_sizes(void)
{
    sasl_client c;
    gw_err e;
    char resp[512], *first = malloc(GW_SCRAM_SNONCE_MAX + 64);
    static const char nul_first[] = F_NONCE "\0" F_SALT ",i=4096";
    snprintf(first, GW_SCRAM_SNONCE_MAX + 64, "r=" SHA1_NONCE "%0*d" F_SALT ",i=4096",
             GW_SCRAM_SNONCE_MAX - 23, 0);
    CHECK(start(&c, "SCRAM-SHA-1", "user", "pencil", SHA1_NONCE, &e) == 0
          && initial(&c, resp, sizeof resp, &e) == 0, "start");
    CHECK(step(&c, first, strlen(first), resp, sizeof resp, &e) == -1
          && strstr(e.msg, "server nonce too long"), "server nonce bounded");
    sasl_client_free(&c);
    CHECK(start(&c, "SCRAM-SHA-1", "user", "pencil", SHA1_NONCE, &e) == 0
          && initial(&c, resp, sizeof resp, &e) == 0, "start");
    CHECK(step(&c, nul_first, sizeof nul_first - 1, resp, sizeof resp, &e) == -1
          && strstr(e.msg, "NUL byte"), "NUL in server-first");
    sasl_client_free(&c);
    free(first);
}

static void hostile(const char *pass)
{
    size_t i;
    for (i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        const struct bad *b = &bads[i];
        sasl_client c;
        gw_err e;
        char resp[512];
        int rc = 0, at = 1;
        gw_err_clear(&e);
        if (start(&c, "SCRAM-SHA-1", "user", pass, SHA1_NONCE, &e) != 0
            || initial(&c, resp, sizeof resp, &e) != 0) {
            CHECK(0, b->name);
            continue;
        }
        rc = step(&c, b->first, strlen(b->first), resp, sizeof resp, &e);
        if (rc == 0 && b->final) {
            at = 2;
            rc = step(&c, b->final, strlen(b->final), resp, sizeof resp, &e);
        }
        if (rc == 0) {
            at = 3;
            rc = sasl_client_finish(&c, &e);
        }
        if (strcmp(pass, "pencil") == 0) {
            int refusal = strstr(b->says, "server error: ") != NULL;
            if (!CHECK(rc == -1 && at == b->at && e.kind == b->kind && strstr(e.msg, b->says)
                       && strstr(e.msg, "SCRAM-SHA-1: "), b->name))
                printf("#   at %d, %s: %s\n", at, gw_kind_name(e.kind), e.msg);
            CHECK(c.unproven == (b->at >= 2 && !refusal), "unproven: only a failed proof");
            CHECK(!refusal || strcmp(c.detail, b->says + 14) == 0, "e= kept in detail");
            CHECK(sasl_client_finish(&c, &e) == -1 && e.kind == GW_EAUTH_FAILED,
                  "finish after a failure");
        } else {
            CHECK(rc == -1, b->name);
        }
        CHECK(!strstr(e.msg, pass) && !strstr(e.msg, SHA1_PROOF), "no secret in the message");
        CHECK(sasl_client_step64(&c, "", 0, &(gw_buf){0}, &e) == -1, "no step after a failure");
        sasl_client_free(&c);
    }
}

int main(void)
{
    rfc_vector("SCRAM-SHA-1", SHA1_NONCE, SHA1_FIRST, SHA1_PROOF, SHA1_FINAL);
    rfc_vector("SCRAM-SHA-256", SHA256_NONCE, SHA256_FIRST, SHA256_PROOF, SHA256_FINAL);
    raw_api();
    client_first();
    odd_sizes();
    hostile("pencil");
    hostile("Wonder-land 42");
    {
        /* SCRAM-SHA-256 also checks its nonce and v= (one of each) */
        sasl_client c;
        gw_err e;
        char resp[512];
        CHECK(start(&c, "SCRAM-SHA-256", "user", "pencil", SHA256_NONCE, &e) == 0
              && initial(&c, resp, sizeof resp, &e) == 0, "SHA-256 start");
        CHECK(step(&c, SHA1_FIRST, strlen(SHA1_FIRST), resp, sizeof resp, &e) == -1
              && strstr(e.msg, "SCRAM-SHA-256: server nonce does not extend ours"),
              "SHA-256: foreign nonce");
        sasl_client_free(&c);
        CHECK(start(&c, "SCRAM-SHA-256", "user", "pencil", SHA256_NONCE, &e) == 0
              && initial(&c, resp, sizeof resp, &e) == 0
              && step(&c, SHA256_FIRST, strlen(SHA256_FIRST), resp, sizeof resp, &e) == 0,
              "SHA-256 server-first");
        CHECK(step(&c, SHA1_FINAL, strlen(SHA1_FINAL), resp, sizeof resp, &e) == -1
              && e.kind == GW_EAUTH_FAILED
              && strstr(e.msg, "SCRAM-SHA-256: server signature mismatch (the server may not "
                        "know the password, or a man in the middle)"), "SHA-256: SHA-1 v=");
        sasl_client_free(&c);
    }
    return CHECK_DONE();
}
