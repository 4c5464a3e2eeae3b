/* pl_log.c — leveled stderr logging with optional colour (see pl_log.h). */
#include "core/pl_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/pl_buf.h"

static struct {
    pl_log_level level;
    int color;
} pl_log_conf = {PL_LOG_INFO, -1};

static const char *const pl_log_names[] = {"debug", "info", "warn", "error", "quiet"};
static const char *const pl_log_colors[] = {"\x1b[2m", "", "\x1b[33m", "\x1b[31;1m", ""};

void pl_log_setup(pl_log_level level)
{
    const char *nc = getenv("NO_COLOR");
    pl_log_conf.level = level;
    pl_log_conf.color = isatty(STDERR_FILENO) && !(nc && *nc);
}

pl_log_level pl_log_get_level(void)
{
    return pl_log_conf.level;
}

int pl_log_use_color(void)
{
    if (pl_log_conf.color < 0)
        pl_log_setup(pl_log_conf.level);
    return pl_log_conf.color;
}

int pl_log_parse_level(const char *s)
{
    for (int i = 0; i <= PL_LOG_QUIET; i++)
        if (strcmp(s, pl_log_names[i]) == 0)
            return i;
    return -1;
}

void pl_log(pl_log_level level, const char *fmt, ...)
{
    if (level < pl_log_conf.level || level >= PL_LOG_QUIET)
        return;
    int color = pl_log_use_color();
    pl_buf line = PL_BUF_INIT;
    if (color && *pl_log_colors[level])
        pl_buf_puts(&line, pl_log_colors[level]);
    pl_buf_printf(&line, "parley: %s: ", pl_log_names[level]);
    va_list ap;
    va_start(ap, fmt);
    pl_buf_vprintf(&line, fmt, ap);
    va_end(ap);
    if (color && *pl_log_colors[level])
        pl_buf_puts(&line, "\x1b[0m");
    pl_buf_putc(&line, '\n');
    /* One write per line so concurrent writers never interleave mid-line. */
    fwrite(line.data, 1, line.len, stderr);
    fflush(stderr);
    pl_buf_free(&line);
}
