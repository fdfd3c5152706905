/* The charset of a gateway's page and its decoding to UTF-8: the
 * Content-Type charset parameter (RFC 9110 8.3), <meta> in the first
 * GW_PAGE_PRESCAN bytes (HTML Living Standard 13.2.3.2, simplified), strict
 * UTF-8, else a Shift_JIS / EUC-JP guess; decoding through iconv(3). */
#ifndef GW_PAGE_CHARSET_H
#define GW_PAGE_CHARSET_H

#include <stddef.h>
#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"

#define PAGE_CHARSET_SIZE (GW_PAGE_CHARSET_MAX + 1)

/* The normalised name of the charset label s[0..n) into out: surrounding
 * spaces and quotes dropped, lower case, and "shift_jis", "euc-jp",
 * "utf-8", "iso-8859-1" or "us-ascii" for their aliases. Returns 0, or -1
 * (out = "") for a label that is empty, longer than GW_PAGE_CHARSET_MAX or
 * holds a byte outside A-Z a-z 0-9 . _ : + -. */
int page_charset_norm(const char *s, size_t n, char out[PAGE_CHARSET_SIZE]);

/* The charset parameter of a Content-Type value ("text/html; charset=x"),
 * normalised; -1 when there is none (or it is not a usable name). */
int page_charset_param(const char *v, size_t n, char out[PAGE_CHARSET_SIZE]);

/* <meta charset> or <meta http-equiv="Content-Type" content="...charset=">
 * in the first GW_PAGE_PRESCAN bytes of a page, normalised (utf-16 labels
 * become "utf-8": the page's bytes were readable as ASCII); -1 when none. */
int page_charset_meta(const char *s, size_t n, char out[PAGE_CHARSET_SIZE]);

/* "shift_jis" or "euc-jp" for bytes that are not UTF-8: the one under which
 * fewer bytes are malformed; on a tie the one that reads fewer half-width
 * katakana (EUC-JP kanji and kana read as Shift_JIS turn into runs of
 * them); on a tie "shift_jis". */
const char *page_charset_guess_jp(const char *s, size_t n);

/* The whole choice: ctype's parameter (ctype may be NULL), else <meta>,
 * else "utf-8" when s is well-formed UTF-8, else the guess. Looks at the
 * first GW_PAGE_INPUT_MAX bytes at most. Writes out, returns out. */
const char *page_charset_detect(const char *s, size_t n, const char *ctype, size_t ctn,
                                char out[PAGE_CHARSET_SIZE]);

/* Decodes in[0..n) from charset (any label page_charset_norm takes) to
 * UTF-8 into out (initialised here; the caller frees it, also on error).
 * UTF-8 is checked strictly and copied; shift_jis goes through iconv's
 * "CP932" (Windows-31J), then "SHIFT_JIS"; euc-jp "EUC-JP"; other names
 * through iconv as named. A leading byte order mark is dropped. Errors
 * (GW_EPROTOCOL): "page: page too large" beyond GW_PAGE_INPUT_MAX bytes,
 * "page: unsupported charset \"x\"", "page: invalid Shift_JIS at byte N"
 * (N counts from 0); GW_ENOMEM when memory runs out. */
int page_decode(gw_buf *out, const char *in, size_t n, const char *charset, gw_err *e);

#endif
