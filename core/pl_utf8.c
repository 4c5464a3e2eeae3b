/* pl_utf8.c — strict UTF-8 validation, decoding, code-point counting and
 * line:column positions (see pl_utf8.h). */
#include "core/pl_utf8.h"

#include <string.h>

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

/* Are the 8 bytes at s all ASCII? (memcpy: no alignment assumption) */
static int pl_utf8_ascii8(const unsigned char *s)
{
    uint64_t w;
    memcpy(&w, s, sizeof w);
    return (w & 0x8080808080808080ULL) == 0;
}

int pl_utf8_valid(const void *p, size_t n, size_t *bad_at)
{
    const unsigned char *s = p;
    size_t i = 0;
    while (i < n) {
        /* ASCII runs (JSON, base64 images) go 8 bytes at a time */
        while (i + 8 <= n && pl_utf8_ascii8(s + i))
            i += 8;
        if (i >= n)
            break;
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

size_t pl_utf8_decode(const void *p, size_t n, uint32_t *cp)
{
    static const unsigned char mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    const unsigned char *s = p;
    size_t len = pl_utf8_seq(s, n);
    if (!len)
        return 0;
    uint32_t v = s[0] & mask[len];
    for (size_t i = 1; i < len; i++)
        v = (v << 6) | (s[i] & 0x3F);
    *cp = v;
    return len;
}

void pl_utf8_linecol(const char *text, size_t len, size_t off, int *line, int *col)
{
    int l = 1, c = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n' || (ch == '\r' && (i + 1 >= len || text[i + 1] != '\n'))) {
            l++;
            c = 1;
        } else if ((ch & 0xC0) != 0x80 && ch != '\r') {
            c++;
        }
    }
    *line = l;
    *col = c;
}

const char *pl_utf8_quote(char *out, size_t cap, const char *s, size_t len)
{
    size_t room = cap - 4, i = 0, o = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0x80                 ? 1
                   : c >= 0xC2 && c <= 0xDF ? 2
                   : c >= 0xE0 && c <= 0xEF ? 3
                   : c >= 0xF0 && c <= 0xF4 ? 4
                                            : 0;
        for (size_t j = 1; j < k; j++)
            if (i + j >= len || ((unsigned char)s[i + j] & 0xC0) != 0x80) {
                k = 0;
                break;
            }
        if (o + (k ? k : 1) > room)
            break;
        if (k == 1)
            out[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
        else if (k)
            memcpy(out + o, s + i, k), o += k;
        else
            out[o++] = '?';
        i += k ? k : 1;
    }
    strcpy(out + o, i < len ? "…" : "");
    return out;
}
