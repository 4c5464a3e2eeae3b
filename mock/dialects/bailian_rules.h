/* bailian_rules.h — stateful rules of the Bailian multimodal-dialog WebSocket protocol.
 *
 * The schema layer (schemas/bailian/<kind>.json) checks the shape of one message; this module
 * checks what a schema cannot see: order and state across one connection. Start first and
 * once, one task_id, nothing after Stop, no audio before the first Listening, the
 * push-to-talk directives in the right mode and order, RequestToRespond only in Listening,
 * the LiveAI video rules (base64 frames under 180 KB, one per UpdateInfo, every 500 ms once
 * switch_video_call_success arrived), the client's HeartBeat, and on the agent side the
 * event order and the answers every directive is owed. Every rule has a stable id, a level
 * (must/should) and the sentence of shared/protocols/bailian.md it comes from; the full list
 * is pl_bailian_rules_catalog() and docs/rules-bailian.md.
 *
 * One pl_bailian_rules object per connection. It is fixed size and the work per message is
 * O(1), apart from an image, which is base64-decoded once and scanned for its signature and
 * dimensions. The owner feeds every frame in either direction (already decoded and
 * classified, docs/dev/bailian-spec.md), a periodic tick, and the close. Each entry point
 * first fires the deadlines that have passed at its t_us, so the tick only matters when
 * nothing else happens. Findings go through the caller's callback, synchronously; the
 * pl_finding is only valid during the call. Times are monotonic microseconds and must not go
 * backwards. A duration option <= 0 turns its rule off. */
#ifndef PL_BAILIAN_RULES_H
#define PL_BAILIAN_RULES_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/pl_finding.h"

typedef struct {
    int64_t frame_interval_us;   /* LiveAI frame every 500 ms */
    double cadence_tolerance;    /* 0.3: the mean of the last 4 intervals below 350 ms is too
                                    fast */
    int64_t stall_us;            /* no frame for 1.5 s while video is on: stalled */
    size_t image_max_bytes;      /* 184320 (180 KB = 180 * 1024, RTOSVIS image_size) */
    int image_limit_encoded;     /* 0 (default): the limit applies to the decoded image bytes;
                                    1: to the base64 text */
    int64_t heartbeat_gap_us;    /* 60 s: no client HeartBeat for this long since Start or the
                                    last HeartBeat while the task is open */
    int64_t answer_timeout_us;   /* 5 s: a directive that needs an answer gets it */
    int interrupt_burst;         /* 5 RequestToRespond/RequestToSpeak ... (at most 15) */
    int64_t interrupt_window_us; /* ... within 2 s: too many (449) */
} pl_bailian_rules_opts;

typedef struct pl_bailian_rules pl_bailian_rules;

/* Fills o with the defaults above. */
void pl_bailian_rules_opts_init(pl_bailian_rules_opts *o);

/* Creates the per-connection state (o NULL: defaults); free with pl_bailian_rules_free. */
pl_bailian_rules *pl_bailian_rules_new(const pl_bailian_rules_opts *o);
void pl_bailian_rules_free(pl_bailian_rules *r);

/* One frame seen at t_us. kind as classified ("bailian.Start", "bailian.event.Stopped",
 * "bailian.audio", "bailian.unknown", "bailian.malformed"); msg decoded (binary:
 * {"binary":{"len":N,"silent":bool}}), NULL when malformed (raw/len then hold the text);
 * the caller keeps ownership of everything. schema_ok as pl_dialect.message: 0 when the
 * schema layer already reported this message's shape (the rules that restate the schema
 * stay quiet for it), 1 when it passed, -1 when no schema applies. */
void pl_bailian_rules_message(pl_bailian_rules *r, pl_dir dir, const char *kind, const cJSON *msg,
                              const void *raw, size_t len, int schema_ok, int64_t t_us,
                              pl_finding_fn emit, void *user);

/* Periodic tick: fires the deadline rules (an answer, a HeartBeat or a frame that never
 * came). */
void pl_bailian_rules_tick(pl_bailian_rules *r, int64_t t_us, pl_finding_fn emit, void *user);

/* The connection closed (code as received/sent, 1006 abrupt). Fires the deadlines already
 * passed at t_us, then ends the ones that can no longer be met without reporting them. */
void pl_bailian_rules_closed(pl_bailian_rules *r, int code, int64_t t_us, pl_finding_fn emit,
                             void *user);

/* Every rule this module can emit, NULL-rule-terminated (docs, `parley list rules`). */
const pl_rule_info *pl_bailian_rules_catalog(void);

#endif
