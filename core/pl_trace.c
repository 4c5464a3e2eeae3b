/* pl_trace.c — buffered JSONL trace writer with whole-line writes (see pl_trace.h). */
#include "core/pl_trace.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/pl_buf.h"
#include "core/pl_clock.h"
#include "core/pl_crypto.h"
#include "core/pl_log.h"
#include "core/pl_utf8.h"

#define PL_TRACE_BUF_MAX (64 * 1024)

struct pl_trace {
    int fd;
    int own_fd;
    char *path;
    pl_buf buf;
    uint64_t seq;
    int64_t t0_us;
    int64_t last_flush_us;
    int failed;
};

pl_trace *pl_trace_open(const char *path, char *err, size_t errlen)
{
    int own = strcmp(path, "-") != 0;
    int fd = own ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : STDOUT_FILENO;
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    pl_trace *t = pl_xcalloc(1, sizeof *t);
    t->fd = fd;
    t->own_fd = own;
    t->path = pl_xstrdup(path);
    t->t0_us = t->last_flush_us = pl_clock_mono_us();
    return t;
}

void pl_trace_record(pl_trace *t, cJSON *rec)
{
    pl_trace_write(t, rec);
    cJSON_Delete(rec);
}

void pl_trace_write(pl_trace *t, const cJSON *rec)
{
    char *body = cJSON_PrintUnformatted(rec);
    if (!body)
        return;
    int64_t now = pl_clock_mono_us();
    char ts[PL_CLOCK_ISO_LEN];
    pl_clock_iso8601(pl_clock_wall_us(), ts);
    t->seq++;
    pl_buf_printf(&t->buf, "{\"seq\":%" PRIu64 ",\"ts\":\"%s\",\"t_us\":%" PRId64, t->seq, ts,
                  now - t->t0_us);
    /* body is "{…}" or "{}": splice its members after our prefix. */
    if (body[0] == '{' && body[1] != '}')
        pl_buf_putc(&t->buf, ',');
    pl_buf_puts(&t->buf, body + 1);
    pl_buf_putc(&t->buf, '\n');
    free(body);
    if (t->buf.len >= PL_TRACE_BUF_MAX || now - t->last_flush_us >= PL_TRACE_FLUSH_US)
        pl_trace_flush(t);
}

void pl_trace_add_payload(cJSON *rec, const void *data, size_t len, int binary)
{
    cJSON_AddNumberToObject(rec, "len", (double)len);
    if (!binary && pl_utf8_valid(data, len, NULL) && !memchr(data, '\0', len)) {
        char *s = pl_xstrndup(data, len);
        cJSON_AddStringToObject(rec, "text", s);
        free(s);
        return;
    }
    char *b64 = pl_crypto_base64_encode(data, len);
    cJSON_AddStringToObject(rec, "b64", b64);
    free(b64);
}

int pl_trace_flush(pl_trace *t)
{
    const char *p = t->buf.data;
    size_t left = t->buf.len;
    t->last_flush_us = pl_clock_mono_us();
    while (left && !t->failed) {
        ssize_t n = write(t->fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            pl_error("trace %s: %s; further records are dropped", t->path, strerror(errno));
            t->failed = 1;
            break;
        }
        p += n;
        left -= (size_t)n;
    }
    pl_buf_reset(&t->buf);
    return t->failed ? -1 : 0;
}

uint64_t pl_trace_count(const pl_trace *t)
{
    return t->seq;
}

int pl_trace_close(pl_trace *t)
{
    if (!t)
        return 0;
    int rc = pl_trace_flush(t);
    if (t->own_fd && close(t->fd) != 0 && rc == 0) {
        pl_error("trace %s: %s", t->path, strerror(errno));
        rc = -1;
    }
    pl_buf_free(&t->buf);
    free(t->path);
    free(t);
    return rc;
}
