/* rc_base.c — the process configuration, logging, allocation and the clock (see rc.h). */
#include "rc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

rc_config rc_cfg;

static void rc_vlog(const char *fmt, va_list ap)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    fprintf(stderr, "refclient %02d:%02d:%02d.%03ld ", tm.tm_hour, tm.tm_min, tm.tm_sec,
            ts.tv_nsec / 1000000);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void rc_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rc_vlog(fmt, ap);
    va_end(ap);
}

void rc_debug(const char *fmt, ...)
{
    if (!rc_cfg.verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    rc_vlog(fmt, ap);
    va_end(ap);
}

static void *rc_oom(void *p)
{
    if (!p) {
        fputs("refclient: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *rc_xmalloc(size_t n)
{
    return rc_oom(malloc(n ? n : 1));
}

void *rc_xcalloc(size_t n, size_t size)
{
    return rc_oom(calloc(n ? n : 1, size ? size : 1));
}

void *rc_xrealloc(void *p, size_t n)
{
    return rc_oom(realloc(p, n ? n : 1));
}

char *rc_xstrdup(const char *s)
{
    return rc_oom(strdup(s));
}

int64_t rc_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
