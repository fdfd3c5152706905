/* Helpers shared by the test_page_*.c known-answer tests: rows as one
 * string ("cell|cell\n" per row) and fixture pages read from disk. */
#ifndef GW_TEST_PAGE_H
#define GW_TEST_PAGE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "page/rows.h"

/* The rows of html[0..n) as "a|b\nc\n" (caller frees); *trunc gets the flag. */
static char *rows_text(const char *html, size_t n, int *trunc)
{
    page_rows r;
    gw_err e;
    gw_buf out;
    size_t i, j;
    page_rows_init(&r);
    gw_buf_init(&out, (size_t)-1);
    if (page_html_rows(&r, html, n, &e) != 0) {
        page_rows_free(&r);
        return NULL;
    }
    for (i = 0; i < r.nrows; i++) {
        for (j = 0; j < r.rows[i].count; j++) {
            const page_cell *c = &r.cells[r.rows[i].first + j];
            if (j)
                gw_buf_append(&out, "|", 1);
            gw_buf_append(&out, r.text.data + c->off, c->len);
        }
        gw_buf_append(&out, "\n", 1);
    }
    gw_buf_append(&out, "", 0);
    if (trunc)
        *trunc = r.truncated;
    page_rows_free(&r);
    return out.data;
}

/* A fixture page under tests/fixtures/pages (from the top directory, or
 * $GWKIT_TOP); NULL when it cannot be read. */
static char *fixture(const char *name, size_t *n)
{
    char path[512];
    const char *top = getenv("GWKIT_TOP");
    FILE *f;
    char *data;
    long len;
    snprintf(path, sizeof path, "%s%stests/fixtures/pages/%s", top ? top : "", top ? "/" : "", name);
    if (!(f = fopen(path, "rb")))
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0
        || !(data = malloc((size_t)len + 1))) {
        fclose(f);
        return NULL;
    }
    *n = fread(data, 1, (size_t)len, f);
    data[*n] = '\0';
    fclose(f);
    return data;
}

#endif
