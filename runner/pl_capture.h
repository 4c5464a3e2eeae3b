/* pl_capture.h — offline judgement of a capture (`parley validate CAPTURE.jsonl`).
 *
 * A capture is a parley trace (docs/trace.md): JSONL records with a session id, a direction
 * and the exact payload. Each session of the capture is replayed through a judge-only
 * pl_session (no behaviour, no socket) on a clock taken from the records' t_ms, so the
 * schema layer and the stateful rules see the conversation exactly as they would live, and
 * their findings are printed as "FILE:LINE: SESSION RULE (LEVEL): message". Findings the
 * capture already contains are ignored: the capture is judged anew by this build. */
#ifndef PL_CAPTURE_H
#define PL_CAPTURE_H

#include <stdio.h>

typedef struct {
    unsigned long sessions, records, must, should;
} pl_capture_result;

/* Judges the capture at path. dialect: for records that do not name one (NULL: aicall).
 * Returns 0, or -1 with a message in err (unreadable file, a line that is not JSON —
 * reported with its line number, unknown dialect). */
int pl_capture_validate(const char *path, const char *dialect, const char *schema_root,
                        FILE *out, pl_capture_result *res, char *err, size_t errlen);

#endif
