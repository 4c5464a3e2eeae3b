/* pl_buf.h — growable byte buffer and small file helpers used by every layer.
 *
 * A pl_buf owns its data; pl_buf_free() releases it, pl_buf_take() hands the
 * NUL-terminated string to the caller (who then free()s it). The data is always
 * NUL-terminated after any append, so it can be used as a C string when it holds text.
 * Appends abort on out-of-memory (as Redis' zmalloc does): callers need no checks. */
#ifndef PL_BUF_H
#define PL_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
    char *data;
    size_t len;
    size_t cap;
} pl_buf;

#define PL_BUF_INIT {NULL, 0, 0}

void pl_buf_reserve(pl_buf *b, size_t extra);
void pl_buf_append(pl_buf *b, const void *p, size_t n);
void pl_buf_puts(pl_buf *b, const char *s);
void pl_buf_putc(pl_buf *b, char c);
void pl_buf_printf(pl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pl_buf_vprintf(pl_buf *b, const char *fmt, va_list ap);
void pl_buf_truncate(pl_buf *b, size_t len);
void pl_buf_reset(pl_buf *b);
char *pl_buf_take(pl_buf *b); /* caller frees; buffer is left empty */
void pl_buf_free(pl_buf *b);

/* Allocation helpers that abort with a message on out-of-memory. */
void *pl_xmalloc(size_t n);
void *pl_xcalloc(size_t n, size_t size);
void *pl_xrealloc(void *p, size_t n);
char *pl_xstrdup(const char *s);
char *pl_xstrndup(const char *s, size_t n);

/* Reads a whole file ("-" = stdin) into a NUL-terminated malloc'd buffer.
 * Returns NULL with a message in err (errno text) on failure. */
char *pl_file_read(const char *path, size_t *len, char *err, size_t errlen);

/* Writes data to path atomically: temp file in the same directory, fsync, rename. */
int pl_file_write_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen);

#endif
