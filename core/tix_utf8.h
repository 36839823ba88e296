/* UTF-8 validation (RFC 3629), shared by the JSON parser, the CSV reader and tix-query. */
#ifndef TIX_UTF8_H
#define TIX_UTF8_H

#include <stddef.h>
#include <string.h>

/* Length of the valid multi-byte UTF-8 sequence at q (RFC 3629: no overlongs, no surrogates,
 * at most U+10FFFF); 0 if invalid, -1 if the text ends inside it. ASCII is the caller's. */
static inline int tix_utf8_len(const unsigned char *q, const unsigned char *end)
{
    unsigned char c = q[0], lo = 0x80, hi = 0xbf;
    int n;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    else
        return 0;
    for (int i = 1; i < n; i++) {
        if (q + i >= end)
            return -1;
        unsigned char b = q[i];
        if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xbf))
            return 0;
    }
    return n;
}

/* Offset of the first byte of the NUL-terminated `s` that is not valid UTF-8, or -1. */
static inline long tix_utf8_invalid_at(const char *s)
{
    const unsigned char *q = (const unsigned char *)s, *end = q + strlen(s);
    while (q < end) {
        int n = *q < 0x80 ? 1 : tix_utf8_len(q, end);
        if (n <= 0)
            return (long)(q - (const unsigned char *)s);
        q += n;
    }
    return -1;
}

#endif
