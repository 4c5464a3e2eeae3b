/* pl_clock.h — time sources: monotonic microseconds for intervals and deadlines,
 * wall clock as UTC ISO-8601 with milliseconds for records people read. */
#ifndef PL_CLOCK_H
#define PL_CLOCK_H

#include <stdint.h>

/* Monotonic time in microseconds (CLOCK_MONOTONIC); only differences are meaningful. */
int64_t pl_clock_mono_us(void);

/* Wall-clock time in microseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t pl_clock_wall_us(void);

#define PL_CLOCK_ISO_LEN 25 /* "2026-11-21T09:44:52.123Z" + NUL */

/* Formats epoch microseconds as "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC). Returns out. */
char *pl_clock_iso8601(int64_t wall_us, char out[PL_CLOCK_ISO_LEN]);

/* Parses a duration like "500ms", "1.5s", "2m", "250us", or a bare number of
 * seconds, into microseconds. Returns 0 on success, -1 on a malformed string. */
int pl_clock_parse_duration(const char *s, int64_t *us);

#endif
