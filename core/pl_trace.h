/* pl_trace.h — the JSONL trace writer (DESIGN §7, format in docs/trace.md).
 *
 * One record per message or event, one line each. The writer prefixes every
 * record with "seq" (1, 2, …), "ts" (UTC ISO-8601 ms) and "t_us" (monotonic µs
 * since the trace opened), then the caller's fields. Lines are buffered and
 * written whole: the buffer only ever holds complete lines, so a crash or a kill
 * between flushes loses at most the unflushed tail, never leaves half a line.
 * The buffer is flushed when it passes 64 KiB, when a record arrives more than
 * PL_TRACE_FLUSH_US after the last flush, on pl_trace_flush() (the event loop
 * calls it from a timer and on SIGINT/SIGTERM), and on pl_trace_close(). */
#ifndef PL_TRACE_H
#define PL_TRACE_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#define PL_TRACE_FLUSH_US 250000

typedef struct pl_trace pl_trace;

/* Opens (truncates) path; "-" writes to stdout. NULL with a message in err. */
pl_trace *pl_trace_open(const char *path, char *err, size_t errlen);

/* Appends one record. Takes ownership of rec (a JSON object) and frees it. */
void pl_trace_record(pl_trace *t, cJSON *rec);

/* Appends one record the caller keeps (rec is only read). */
void pl_trace_write(pl_trace *t, const cJSON *rec);

/* Adds a wire payload to rec: "text" when it is valid UTF-8 and not binary,
 * otherwise "b64" (base64 of the exact bytes) — so the trace stays valid JSON
 * and replays byte-exact. Also adds "len". */
void pl_trace_add_payload(cJSON *rec, const void *data, size_t len, int binary);

/* Writes buffered lines out. Returns 0, or -1 after a write error (reported once). */
int pl_trace_flush(pl_trace *t);

uint64_t pl_trace_count(const pl_trace *t);

/* Flushes, closes and frees. Returns 0, or -1 if any write failed. */
int pl_trace_close(pl_trace *t);

#endif
