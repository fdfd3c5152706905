/* One HTML start or end tag: its name and attributes (HTML Living
 * Standard 13.2.5, the tag and attribute states), read in place. */
#ifndef GW_PAGE_TAG_H
#define GW_PAGE_TAG_H

#include <stddef.h>
#include "core/limits.h"

typedef struct page_attr {
    const char *name, *val;     /* into the input; val is raw (references undecoded) */
    size_t nlen, vlen;
} page_attr;

typedef struct page_tag {
    char name[GW_PAGE_TAG_NAME + 1];   /* ASCII lower case; "" when longer */
    int end;                    /* an end tag </name> */
    int self_closing;           /* ended with "/>" */
    size_t nattr;               /* attributes kept, at most GW_PAGE_ATTRS_MAX */
    page_attr attr[GW_PAGE_ATTRS_MAX];
} page_tag;

/* s[0] is '<', followed by an ASCII letter (a start tag) or by '/' and a
 * letter (an end tag). Fills t; returns the bytes of the tag up to and
 * including its '>', or 0 when the input ends inside the tag. Attributes
 * beyond GW_PAGE_ATTRS_MAX are read past and dropped. */
size_t page_tag_scan(const char *s, size_t n, page_tag *t);

/* The raw value of the first attribute called name (lower case), with its
 * length in *vlen; "" for an attribute without a value; NULL when absent. */
const char *page_tag_attr(const page_tag *t, const char *name, size_t *vlen);

/* 1 when name and s[0..n) are equal but for ASCII case. */
int page_ascii_ieq(const char *name, const char *s, size_t n);

#endif
