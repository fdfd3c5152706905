/* RFC 4648 section 10 test vectors and strictness. */
#include "core/b64.h"
#include "unit/check.h"

static const char *const vectors[][2] = {
    {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
};

static const char *const malformed[] = {
    "Zg", "Zg=", "Z===", "Zh==", "Zm9=", "Zm 9v", "Zm9v\n", "====", "Zm=v",
    "Zg==Zg==", "Zm9vYg=a", "*m9v",
};

int main(void)
{
    size_t i;
    for (i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        gw_buf b;
        gw_buf_init(&b, 1024);
        CHECK(gw_b64_encode(&b, vectors[i][0], strlen(vectors[i][0])) == 0, "encode");
        CHECK_STR(b.data ? b.data : "", vectors[i][1], vectors[i][1]);
        gw_buf_reset(&b);
        CHECK(gw_b64_decode(&b, vectors[i][1], strlen(vectors[i][1])) == 0, "decode");
        CHECK_STR(b.data ? b.data : "", vectors[i][0], "decode round trip");
        gw_buf_free(&b);
    }
    for (i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        gw_buf b;
        gw_buf_init(&b, 1024);
        CHECK(gw_b64_decode(&b, malformed[i], strlen(malformed[i])) == -1, malformed[i]);
        gw_buf_free(&b);
    }
    {
        gw_buf b;
        gw_buf_init(&b, 3);
        CHECK(gw_b64_encode(&b, "foo", 3) == GW_BUF_ELIMIT, "cap enforced");
        gw_buf_free(&b);
    }
    return CHECK_DONE();
}
