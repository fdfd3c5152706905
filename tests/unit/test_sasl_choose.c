/* sasl_choose: the automatic order of DESIGN.md, the TLS and token rules,
 * an explicit list, and what a server's list may look like. */
#include <stdlib.h>
#include "sasl/sasl.h"
#include "unit/check.h"

#define ALL5 "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256"
#define TOKENS "PLAIN OAUTHBEARER XOAUTH2 SCRAM-SHA-256"

static const struct {
    const char *name, *advertised, *wanted;
    int secure, allow_plain, token, max;
    const char *want;
} cases[] = {
    {"incident list over TLS", "LOGIN PLAIN CRAM-MD5", NULL, 1, 0, 0, 16, "PLAIN LOGIN CRAM-MD5"},
    {"incident list without TLS", "LOGIN PLAIN CRAM-MD5", NULL, 0, 0, 0, 16, ""},
    {"without TLS, allow_plain", "LOGIN PLAIN CRAM-MD5", NULL, 0, 1, 0, 16, "CRAM-MD5 PLAIN LOGIN"},
    {"all five over TLS", ALL5, NULL, 1, 0, 0, 16,
     "SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN CRAM-MD5"},
    {"all five without TLS", ALL5, NULL, 0, 0, 0, 16, "SCRAM-SHA-256 SCRAM-SHA-1"},
    {"all five without TLS, allow_plain", ALL5, NULL, 0, 1, 0, 16,
     "SCRAM-SHA-256 SCRAM-SHA-1 CRAM-MD5 PLAIN LOGIN"},
    {"TLS and allow_plain: TLS order", ALL5, NULL, 1, 1, 0, 16,
     "SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN CRAM-MD5"},
    {"lower case, duplicates, spaces", "  login   plain\tcram-md5 PLAIN plain Scram-Sha-1 ", NULL,
     1, 0, 0, 16, "SCRAM-SHA-1 PLAIN LOGIN CRAM-MD5"},
    {"commas", "PLAIN,LOGIN", NULL, 1, 0, 0, 16, "PLAIN LOGIN"},
    {"unknown names ignored", "GSSAPI NTLM PLAIN XYZZY DIGEST-MD5 SCRAM-SHA-256-PLUS", NULL,
     1, 0, 0, 16, "PLAIN"},
    {"over-long name ignored", "SCRAM-SHA-256XXXXXXXXXXXXXXXXXX LOGIN", NULL, 1, 0, 0, 16, "LOGIN"},
    {"nothing advertised", "", NULL, 1, 1, 0, 16, ""},
    {"NULL advertised", NULL, NULL, 1, 1, 0, 16, ""},
    {"wanted keeps its order", "LOGIN PLAIN CRAM-MD5", "CRAM-MD5 PLAIN", 1, 0, 0, 16,
     "CRAM-MD5 PLAIN"},
    {"wanted not advertised dropped", "LOGIN PLAIN", "SCRAM-SHA-256 PLAIN", 1, 0, 0, 16, "PLAIN"},
    {"wanted, no TLS", "LOGIN PLAIN", "PLAIN", 0, 0, 0, 16, ""},
    {"wanted, no TLS, allow_plain", "LOGIN PLAIN", "PLAIN LOGIN", 0, 1, 0, 16, "PLAIN LOGIN"},
    {"wanted SCRAM without TLS", ALL5, "PLAIN SCRAM-SHA-1", 0, 0, 0, 16, "SCRAM-SHA-1"},
    {"wanted duplicates and case", "LOGIN PLAIN", "plain PLAIN login", 1, 0, 0, 16, "PLAIN LOGIN"},
    {"wanted unknown", "LOGIN PLAIN", "NTLM", 1, 0, 0, 16, ""},
    {"wanted empty: automatic", "LOGIN PLAIN", "", 1, 0, 0, 16, "PLAIN LOGIN"},
    {"token over TLS", TOKENS, NULL, 1, 0, 1, 16, "OAUTHBEARER XOAUTH2"},
    {"token without TLS", TOKENS, NULL, 0, 0, 1, 16, ""},
    {"token without TLS, allow_plain", TOKENS, NULL, 0, 1, 1, 16, "OAUTHBEARER XOAUTH2"},
    {"token, only XOAUTH2", "PLAIN XOAUTH2", NULL, 1, 0, 1, 16, "XOAUTH2"},
    {"no token: token mechanisms skipped", TOKENS, NULL, 1, 0, 0, 16, "SCRAM-SHA-256 PLAIN"},
    {"token, wanted PLAIN dropped", TOKENS, "PLAIN XOAUTH2", 1, 0, 1, 16, "XOAUTH2"},
    {"max 2", ALL5, NULL, 1, 0, 0, 2, "SCRAM-SHA-256 SCRAM-SHA-1"},
    {"max 1 with wanted", ALL5, "LOGIN PLAIN", 1, 0, 0, 1, "LOGIN"},
    {"max 0", ALL5, NULL, 1, 0, 0, 0, ""},
    {"max negative", ALL5, NULL, 1, 0, 0, -1, ""},
};

static void run(void)
{
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const sasl_mech *out[16] = {NULL};
        char got[256] = "";
        int n = sasl_choose(cases[i].advertised, cases[i].wanted, cases[i].secure,
                            cases[i].allow_plain, cases[i].token, out, cases[i].max), k;
        for (k = 0; k < n; k++) {
            if (k)
                strcat(got, " ");
            strcat(got, out[k]->name);
        }
        CHECK_STR(got, cases[i].want, cases[i].name);
        CHECK(n <= (cases[i].max > 0 ? cases[i].max : 0) && (n == 16 || out[n] == NULL),
              "max respected");
    }
}

int main(void)
{
    const sasl_mech *out[4];
    char *list = malloc(GW_SASL_LIST_MAX + 16);
    run();
    /* only the first GW_SASL_LIST_MAX bytes are read */
    memset(list, ' ', GW_SASL_LIST_MAX + 16);
    memcpy(list + GW_SASL_LIST_MAX + 4, "PLAIN", 6);
    CHECK(sasl_choose(list, NULL, 1, 0, 0, out, 4) == 0, "a name past the bound is not read");
    memcpy(list + GW_SASL_LIST_MAX - 8, "PLAIN", 5);
    CHECK(sasl_choose(list, NULL, 1, 0, 0, out, 4) == 1, "a name inside the bound is read");
    CHECK(sasl_choose(ALL5, NULL, 1, 0, 0, NULL, 4) == 0, "no output array");
    free(list);
    return CHECK_DONE();
}
