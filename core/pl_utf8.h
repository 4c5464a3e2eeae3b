/* pl_utf8.h — UTF-8 checks used wherever wire bytes become text (trace, reports,
 * validators): strict validation (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF)
 * and code-point counting. */
#ifndef PL_UTF8_H
#define PL_UTF8_H

#include <stddef.h>

/* Returns 1 if p[0..n) is valid UTF-8, else 0 and, if bad_at is given, the
 * offset of the first invalid byte. */
int pl_utf8_valid(const void *p, size_t n, size_t *bad_at);

/* Number of code points in valid UTF-8 text (invalid bytes count one each). */
size_t pl_utf8_count(const void *p, size_t n);

#endif
