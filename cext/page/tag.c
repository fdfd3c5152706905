/* The tag states of the HTML tokenizer (HTML Living Standard 13.2.5.6-13
 * and 13.2.5.32-42): tag name, attribute names, quoted and unquoted values.
 * Pure: reads the bytes given, allocates nothing. */
#include <string.h>
#include "tag.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int page_ascii_ieq(const char *name, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (name[i] == '\0' || lower(s[i]) != name[i])
            return 0;
    return name[n] == '\0';
}

/* One attribute starting at s[i] (not a space, '/' or '>'); returns the
 * index after it, or n when the input ended. */
static size_t attribute(const char *s, size_t n, size_t i, page_tag *t)
{
    page_attr a;
    a.name = s + i;
    i++;                                /* the first may be '=' */
    while (i < n && !is_space(s[i]) && s[i] != '/' && s[i] != '>' && s[i] != '=')
        i++;
    a.nlen = (size_t)(s + i - a.name);
    a.val = "";
    a.vlen = 0;
    while (i < n && is_space(s[i]))
        i++;
    if (i < n && s[i] == '=') {
        i++;
        while (i < n && is_space(s[i]))
            i++;
        if (i < n && (s[i] == '"' || s[i] == '\'')) {
            const char *q = memchr(s + i + 1, s[i], n - i - 1);
            if (!q)
                return n;
            a.val = s + i + 1;
            a.vlen = (size_t)(q - a.val);
            i = (size_t)(q - s) + 1;
        } else {
            a.val = s + i;
            while (i < n && !is_space(s[i]) && s[i] != '>')
                i++;
            a.vlen = (size_t)(s + i - a.val);
        }
    }
    if (t->nattr < GW_PAGE_ATTRS_MAX)
        t->attr[t->nattr++] = a;
    return i;
}

size_t page_tag_scan(const char *s, size_t n, page_tag *t)
{
    size_t i = 1, start;
    t->end = 0;
    t->self_closing = 0;
    t->nattr = 0;
    if (i < n && s[i] == '/') {
        t->end = 1;
        i++;
    }
    start = i;
    while (i < n && !is_space(s[i]) && s[i] != '/' && s[i] != '>')
        i++;
    if (i - start <= GW_PAGE_TAG_NAME) {
        size_t k;
        for (k = 0; k < i - start; k++)
            t->name[k] = lower(s[start + k]);
        t->name[k] = '\0';
    } else {
        t->name[0] = '\0';
    }
    while (i < n) {
        if (s[i] == '>')
            return i + 1;
        if (s[i] == '/') {
            i++;
            if (i < n && s[i] == '>') {
                t->self_closing = 1;
                return i + 1;
            }
        } else if (is_space(s[i])) {
            i++;
        } else {
            i = attribute(s, n, i, t);
        }
    }
    return 0;
}

const char *page_tag_attr(const page_tag *t, const char *name, size_t *vlen)
{
    size_t i;
    for (i = 0; i < t->nattr; i++) {
        if (page_ascii_ieq(name, t->attr[i].name, t->attr[i].nlen)) {
            *vlen = t->attr[i].vlen;
            return t->attr[i].val;
        }
    }
    return NULL;
}
