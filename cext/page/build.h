/* The row builder behind page_html_rows: collects text with whitespace
 * collapsed, ends cells, rows and blocks, and keeps every bound. Internal
 * to cext/page. */
#ifndef GW_PAGE_BUILD_H
#define GW_PAGE_BUILD_H

#include "core/limits.h"
#include "rows.h"

typedef struct page_build {
    page_rows *out;
    gw_buf cur;                 /* text of the open cell or block */
    int space;                  /* a space is due before the next text */
    gw_buf row;                 /* text of the open row's cells */
    page_cell cell[GW_PAGE_ROW_CELLS];
    size_t ncell;
    size_t used, budget;        /* text bytes taken, and allowed */
    int stop;                   /* a bound was reached or memory ran out */
    int nomem;
} page_build;

void page_build_init(page_build *b, page_rows *out, size_t budget);
void page_build_free(page_build *b);
/* Text that is not white space (valid UTF-8, whole characters). */
void page_build_text(page_build *b, const char *s, size_t n);
/* White space: one space between texts, none at either end. */
void page_build_space(page_build *b);
/* Ends a block: its text, when not empty, becomes a row of one cell. */
void page_build_block(page_build *b);
/* Ends a cell: its text (maybe "") becomes the next cell of the open row. */
void page_build_cell(page_build *b);
/* Ends the open row: a row with cells is kept, except when drop_empty is
 * set and every cell is "". */
void page_build_row(page_build *b, int drop_empty);

#endif
