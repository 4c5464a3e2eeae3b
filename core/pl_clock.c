/* pl_clock.c — monotonic and wall clocks, ISO-8601 formatting, duration parsing. */
#include "core/pl_clock.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t pl_clock_read(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t pl_clock_mono_us(void)
{
    return pl_clock_read(CLOCK_MONOTONIC);
}

int64_t pl_clock_wall_us(void)
{
    return pl_clock_read(CLOCK_REALTIME);
}

char *pl_clock_iso8601(int64_t wall_us, char out[PL_CLOCK_ISO_LEN])
{
    int64_t sec = wall_us / 1000000;
    int64_t rem = wall_us % 1000000;
    if (rem < 0) {
        rem += 1000000;
        sec -= 1;
    }
    time_t t = (time_t)sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(out, PL_CLOCK_ISO_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, PL_CLOCK_ISO_LEN - n, ".%03dZ", (int)(rem / 1000));
    return out;
}

int pl_clock_parse_duration(const char *s, int64_t *us)
{
    if (!s || !*s)
        return -1;
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v) || v < 0)
        return -1;
    double mul;
    if (*end == '\0' || strcmp(end, "s") == 0)
        mul = 1e6;
    else if (strcmp(end, "ms") == 0)
        mul = 1e3;
    else if (strcmp(end, "us") == 0)
        mul = 1;
    else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
        mul = 60e6;
    else if (strcmp(end, "h") == 0)
        mul = 3600e6;
    else
        return -1;
    double r = v * mul;
    if (r > 9e18)
        return -1;
    *us = (int64_t)llround(r);
    return 0;
}
