/* HTML character references (HTML Living Standard 13.2.5.72-80 and the
 * named character references of 13.5, a subset: Latin-1, punctuation,
 * arrows, a few symbols). Names are case-sensitive, as in HTML. */
#include <string.h>
#include "core/crypto.h"
#include "core/limits.h"
#include "entity.h"

typedef struct named {
    const char *name;
    unsigned long cp;
} named;

/* Sorted by strcmp, for the binary search. */
static const named names[] = {
    {"AElig", 0xc6}, {"Aacute", 0xc1}, {"Acirc", 0xc2}, {"Agrave", 0xc0},
    {"Aring", 0xc5}, {"Atilde", 0xc3}, {"Auml", 0xc4}, {"Ccedil", 0xc7},
    {"Dagger", 0x2021}, {"ETH", 0xd0}, {"Eacute", 0xc9}, {"Ecirc", 0xca},
    {"Egrave", 0xc8}, {"Euml", 0xcb}, {"Iacute", 0xcd}, {"Icirc", 0xce},
    {"Igrave", 0xcc}, {"Iuml", 0xcf}, {"Ntilde", 0xd1}, {"Oacute", 0xd3},
    {"Ocirc", 0xd4}, {"Ograve", 0xd2}, {"Oslash", 0xd8}, {"Otilde", 0xd5},
    {"Ouml", 0xd6}, {"Prime", 0x2033}, {"THORN", 0xde}, {"Uacute", 0xda},
    {"Ucirc", 0xdb}, {"Ugrave", 0xd9}, {"Uuml", 0xdc}, {"Yacute", 0xdd},
    {"aacute", 0xe1}, {"acirc", 0xe2}, {"acute", 0xb4}, {"aelig", 0xe6},
    {"agrave", 0xe0}, {"amp", 0x26}, {"apos", 0x27}, {"aring", 0xe5},
    {"atilde", 0xe3}, {"auml", 0xe4}, {"bdquo", 0x201e}, {"brvbar", 0xa6},
    {"bull", 0x2022}, {"ccedil", 0xe7}, {"cedil", 0xb8}, {"cent", 0xa2},
    {"circ", 0x2c6}, {"clubs", 0x2663}, {"copy", 0xa9}, {"curren", 0xa4},
    {"dagger", 0x2020}, {"darr", 0x2193}, {"deg", 0xb0}, {"diams", 0x2666},
    {"divide", 0xf7}, {"eacute", 0xe9}, {"ecirc", 0xea}, {"egrave", 0xe8},
    {"emsp", 0x2003}, {"ensp", 0x2002}, {"equiv", 0x2261}, {"eth", 0xf0},
    {"euml", 0xeb}, {"euro", 0x20ac}, {"frac12", 0xbd}, {"frac14", 0xbc},
    {"frac34", 0xbe}, {"ge", 0x2265}, {"gt", 0x3e}, {"hArr", 0x21d4},
    {"harr", 0x2194}, {"hearts", 0x2665}, {"hellip", 0x2026},
    {"iacute", 0xed}, {"icirc", 0xee}, {"iexcl", 0xa1}, {"igrave", 0xec},
    {"infin", 0x221e}, {"iquest", 0xbf}, {"iuml", 0xef}, {"laquo", 0xab},
    {"larr", 0x2190}, {"ldquo", 0x201c}, {"le", 0x2264}, {"lowast", 0x2217},
    {"loz", 0x25ca}, {"lrm", 0x200e}, {"lsaquo", 0x2039}, {"lsquo", 0x2018},
    {"lt", 0x3c}, {"macr", 0xaf}, {"mdash", 0x2014}, {"micro", 0xb5},
    {"middot", 0xb7}, {"minus", 0x2212}, {"nbsp", 0xa0}, {"ndash", 0x2013},
    {"ne", 0x2260}, {"not", 0xac}, {"ntilde", 0xf1}, {"oacute", 0xf3},
    {"ocirc", 0xf4}, {"ograve", 0xf2}, {"oline", 0x203e}, {"ordf", 0xaa},
    {"ordm", 0xba}, {"oslash", 0xf8}, {"otilde", 0xf5}, {"ouml", 0xf6},
    {"para", 0xb6}, {"permil", 0x2030}, {"plusmn", 0xb1}, {"pound", 0xa3},
    {"prime", 0x2032}, {"quot", 0x22}, {"rArr", 0x21d2}, {"radic", 0x221a},
    {"raquo", 0xbb}, {"rarr", 0x2192}, {"rdquo", 0x201d}, {"reg", 0xae},
    {"rlm", 0x200f}, {"rsaquo", 0x203a}, {"rsquo", 0x2019}, {"sbquo", 0x201a},
    {"sect", 0xa7}, {"shy", 0xad}, {"spades", 0x2660}, {"sup1", 0xb9},
    {"sup2", 0xb2}, {"sup3", 0xb3}, {"szlig", 0xdf}, {"thinsp", 0x2009},
    {"thorn", 0xfe}, {"tilde", 0x2dc}, {"times", 0xd7}, {"trade", 0x2122},
    {"uacute", 0xfa}, {"uarr", 0x2191}, {"ucirc", 0xfb}, {"ugrave", 0xf9},
    {"uml", 0xa8}, {"uuml", 0xfc}, {"yacute", 0xfd}, {"yen", 0xa5},
    {"yuml", 0xff}, {"zwj", 0x200d}, {"zwnj", 0x200c},
};

/* Legacy names that work without ';' (as browsers decode them). */
static const char *const legacy[] = { "amp", "lt", "gt", "quot", "nbsp", "copy", "reg" };

/* Numeric references 0x80..0x9F as Windows-1252 (0 keeps the number). */
static const unsigned short c1[32] = {
    0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
    0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int digit(char c, int hex)
{
    if (hex)
        return gw_hex_digit(c);
    return c >= '0' && c <= '9' ? c - '0' : -1;
}

/* &#NNN; or &#xHH; (s[1] == '#'). */
static size_t numeric(const char *s, size_t n, unsigned long *cp)
{
    size_t i = 2, start;
    int hex = 0, d;
    unsigned long v = 0;
    if (i < n && (s[i] == 'x' || s[i] == 'X')) {
        hex = 1;
        i++;
    }
    for (start = i; i < n && (d = digit(s[i], hex)) >= 0; i++) {
        if (i - start == 8)
            return 0;           /* more than 8 digits */
        v = v * (hex ? 16 : 10) + (unsigned long)d;
    }
    if (i == start || v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    if (v >= 0x80 && v <= 0x9f && c1[v - 0x80])
        v = c1[v - 0x80];
    if (i < n && s[i] == ';')
        i++;
    *cp = v;
    return i;
}

static const named *lookup(const char *s, size_t len)
{
    size_t lo = 0, hi = sizeof names / sizeof names[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strncmp(names[mid].name, s, len);
        if (c == 0 && names[mid].name[len] != '\0')
            c = 1;
        if (c == 0)
            return &names[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

size_t page_entity(const char *s, size_t n, int in_attr, unsigned long *cp)
{
    size_t i = 1, k;
    const named *e;
    if (n >= 3 && s[1] == '#')
        return numeric(s, n, cp);
    while (i < n && i < GW_PAGE_ENTITY_MAX && is_alnum(s[i]))
        i++;
    if (i < n && s[i] == ';' && (e = lookup(s + 1, i - 1)) != NULL) {
        *cp = e->cp;
        return i + 1;
    }
    for (k = 0; k < sizeof legacy / sizeof legacy[0]; k++) {
        size_t len = strlen(legacy[k]);
        if (n < len + 1 || memcmp(s + 1, legacy[k], len) != 0)
            continue;
        if (in_attr && len + 1 < n && (is_alnum(s[len + 1]) || s[len + 1] == '='))
            return 0;
        e = lookup(legacy[k], len);
        *cp = e ? e->cp : '&';
        return len + 1;
    }
    return 0;
}
