/* A gateway page's bytes to UTF-8: strict UTF-8 checking (RFC 3629), and
 * Shift_JIS (Windows-31J first), EUC-JP, ISO-8859-1, US-ASCII and any
 * other label through iconv(3) (POSIX; glibc and musl both carry the
 * Japanese ones). No I/O. */
#include <errno.h>
#include <iconv.h>
#include <string.h>
#include "core/quote.h"
#include "utf8.h"
#include "charset.h"

/* The output bound: DECODE_GROWTH bytes for each byte in, + DECODE_SLACK.
 * The Japanese charsets need 3 at most (half-width katakana, 1 byte -> 3);
 * an odd iconv charset that needs more gets "decoded page too large". */
#define DECODE_GROWTH 4
#define DECODE_SLACK  64

typedef struct how {
    const char *name;           /* normalised */
    const char *shown;          /* in messages */
    const char *iconv[2];       /* converters tried in order */
} how;

static const how known[] = {
    {"shift_jis", "Shift_JIS", {"CP932", "SHIFT_JIS"}},
    {"euc-jp", "EUC-JP", {"EUC-JP", NULL}},
    {"iso-8859-1", "ISO-8859-1", {"ISO-8859-1", NULL}},
    {"us-ascii", "US-ASCII", {"US-ASCII", NULL}},
};

/* Converts with one converter. 0 done, 1 invalid input at *bad, -1 out of
 * memory, -2 output beyond the bound. */
static int convert(iconv_t cd, const char *in, size_t n, gw_buf *out, size_t *bad)
{
    char *ip;
    size_t il = n, want = n + DECODE_SLACK;
    int flush = 0;
    memcpy(&ip, &in, sizeof ip);            /* iconv's inbuf is not const */
    for (;;) {                              /* each round consumes or grows */
        int rc = gw_buf_reserve(out, want);
        char *op;
        size_t ol, r;
        if (rc != 0)
            return rc == GW_BUF_ENOMEM ? -1 : -2;
        op = out->data + out->len;
        ol = out->cap - out->len - 1;
        r = flush ? iconv(cd, NULL, NULL, &op, &ol) : iconv(cd, &ip, &il, &op, &ol);
        out->len = (size_t)(op - out->data);
        out->data[out->len] = '\0';
        if (r != (size_t)-1) {
            if (flush)
                return 0;
            flush = 1;                      /* then the final shift state */
            continue;
        }
        if (errno != E2BIG) {
            *bad = n - il;
            return 1;
        }
        want = out->cap - out->len + il + DECODE_SLACK;
    }
}

static int fail_size(gw_err *e, int rc)
{
    if (rc == -1)
        return gw_err_set(e, GW_ENOMEM, "page: out of memory");
    return gw_err_set(e, GW_EPROTOCOL, "page: decoded page too large");
}

static int via_iconv(gw_buf *out, const char *in, size_t n, const how *h, gw_err *e)
{
    size_t k, bad = 0, first_bad = 0;
    int rc, tried = 0;
    for (k = 0; k < 2 && h->iconv[k]; k++) {
        iconv_t cd = iconv_open("UTF-8", h->iconv[k]);
        if (cd == (iconv_t)-1)
            continue;
        gw_buf_reset(out);
        rc = convert(cd, in, n, out, &bad);
        iconv_close(cd);
        if (rc < 0)
            return fail_size(e, rc);
        if (rc == 0)
            return 0;
        if (!tried++)
            first_bad = bad;
    }
    gw_buf_reset(out);
    if (!tried) {
        char q[GW_QUOTE_SIZE];
        return gw_err_set(e, GW_EPROTOCOL, "page: unsupported charset %s",
                          gw_quote(q, h->name, strlen(h->name)));
    }
    return gw_err_set(e, GW_EPROTOCOL, "page: invalid %s at byte %lu", h->shown,
                      (unsigned long)first_bad);
}

/* Drops a UTF-8 byte order mark at the start of out. */
static void drop_bom(gw_buf *out)
{
    if (out->len >= 3 && memcmp(out->data, "\xef\xbb\xbf", 3) == 0) {
        memmove(out->data, out->data + 3, out->len - 3 + 1);
        out->len -= 3;
    }
}

static int copy_utf8(gw_buf *out, const char *in, size_t n, gw_err *e)
{
    size_t bad;
    int rc;
    if (!page_utf8_valid(in, n, &bad))
        return gw_err_set(e, GW_EPROTOCOL, "page: invalid UTF-8 at byte %lu", (unsigned long)bad);
    if ((rc = gw_buf_append(out, in, n)) != 0)
        return fail_size(e, rc == GW_BUF_ENOMEM ? -1 : -2);
    return 0;
}

int page_decode(gw_buf *out, const char *in, size_t n, const char *charset, gw_err *e)
{
    char name[PAGE_CHARSET_SIZE];
    how other;
    const how *h = &other;
    size_t k;
    gw_buf_init(out, (n <= GW_PAGE_INPUT_MAX ? DECODE_GROWTH * n : 0) + DECODE_SLACK);
    if (n > GW_PAGE_INPUT_MAX)
        return gw_err_set(e, GW_EPROTOCOL, "page: page too large (%lu bytes, limit %lu)",
                          (unsigned long)n, (unsigned long)GW_PAGE_INPUT_MAX);
    if (page_charset_norm(charset, strlen(charset), name) != 0) {
        char q[GW_QUOTE_SIZE];
        return gw_err_set(e, GW_EPROTOCOL, "page: unsupported charset %s",
                          gw_quote(q, charset, strlen(charset)));
    }
    other.name = other.shown = other.iconv[0] = name;
    other.iconv[1] = NULL;
    for (k = 0; k < sizeof known / sizeof known[0]; k++)
        if (strcmp(name, known[k].name) == 0)
            h = &known[k];
    if (strcmp(name, "utf-8") == 0 ? copy_utf8(out, in, n, e) : via_iconv(out, in, n, h, e))
        return -1;
    drop_bom(out);
    return 0;
}
