/* pl_utf8.c — strict UTF-8 validation and code-point counting (see pl_utf8.h). */
#include "core/pl_utf8.h"

/* Length of the valid sequence starting at s (with n bytes left), or 0 if invalid. */
static size_t pl_utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        if (c == 0xF4)
            hi = 0x8F; /* > U+10FFFF */
    } else
        return 0;
    if (n < len)
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

int pl_utf8_valid(const void *p, size_t n, size_t *bad_at)
{
    const unsigned char *s = p;
    size_t i = 0;
    while (i < n) {
        size_t l = pl_utf8_seq(s + i, n - i);
        if (!l) {
            if (bad_at)
                *bad_at = i;
            return 0;
        }
        i += l;
    }
    return 1;
}

size_t pl_utf8_count(const void *p, size_t n)
{
    const unsigned char *s = p;
    size_t i = 0, count = 0;
    while (i < n) {
        size_t l = pl_utf8_seq(s + i, n - i);
        i += l ? l : 1;
        count++;
    }
    return count;
}
