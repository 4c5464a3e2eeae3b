/* pl_log.h — leveled logging to stderr.
 *
 * One line per call: "parley: warn: message". Colour only when stderr is a
 * terminal and NO_COLOR is unset (https://no-color.org). The level threshold and
 * colour choice live in the process configuration (pl_log_setup), the one piece of
 * global state parley keeps. */
#ifndef PL_LOG_H
#define PL_LOG_H

typedef enum { PL_LOG_DEBUG, PL_LOG_INFO, PL_LOG_WARN, PL_LOG_ERROR, PL_LOG_QUIET } pl_log_level;

/* Sets the threshold; colour is decided from isatty(2) and NO_COLOR. */
void pl_log_setup(pl_log_level level);
pl_log_level pl_log_get_level(void);
/* Parses "debug", "info", "warn", "error", "quiet"; -1 on anything else. */
int pl_log_parse_level(const char *s);
int pl_log_use_color(void);

void pl_log(pl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pl_debug(...) pl_log(PL_LOG_DEBUG, __VA_ARGS__)
#define pl_info(...) pl_log(PL_LOG_INFO, __VA_ARGS__)
#define pl_warn(...) pl_log(PL_LOG_WARN, __VA_ARGS__)
#define pl_error(...) pl_log(PL_LOG_ERROR, __VA_ARGS__)

#endif
