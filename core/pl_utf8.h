/* pl_utf8.h — UTF-8 checks used wherever wire bytes become text (trace, reports,
 * validators): strict validation (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF)
 * and code-point counting. */
#ifndef PL_UTF8_H
#define PL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Returns 1 if p[0..n) is valid UTF-8, else 0 and, if bad_at is given, the
 * offset of the first invalid byte. */
int pl_utf8_valid(const void *p, size_t n, size_t *bad_at);

/* Number of code points in valid UTF-8 text (invalid bytes count one each). */
size_t pl_utf8_count(const void *p, size_t n);

/* Decodes the sequence at p (n > 0 bytes left) into *cp. Returns its length (1–4),
 * or 0 if it is not valid UTF-8 (then *cp is untouched). */
size_t pl_utf8_decode(const void *p, size_t n, uint32_t *cp);

/* 1-based line and column of byte offset off in text[0..len): lines end at LF, CR
 * or CR LF; columns count characters (UTF-8 lead bytes), as people and editors do.
 * What every "file:line:col:" message of parley is computed with. */
void pl_utf8_linecol(const char *text, size_t len, size_t off, int *line, int *col);

/* Copies s[0..len) into out (cap bytes, at least 4) for a human message: valid UTF-8 only
 * (an invalid or cut sequence and control bytes become '?'), cut on a character boundary,
 * "…" when shortened. Returns out. */
const char *pl_utf8_quote(char *out, size_t cap, const char *s, size_t len);

#endif
