/* trtc_rules.h — stateful rules of the Tencent TRTC AI conversation dialect.
 *
 * The schema layer (schemas/trtc/<kind>.json) checks the shape of one message; this module
 * checks what a schema cannot see: the custom-message transport (cmdID, reliable/ordered,
 * the 1000-byte limit, the 30 msg/s and 8 KB/s per-client rate), who sends to whom (sender
 * = the session's user, receiver = the bot, a bot in the room at all), the direction of each
 * message type, the bot's state machine per round (state 4 "interrupted" in a round that
 * never had state 3 "speaking") and the answers the integrator's callback receiver gave.
 * Every rule has a stable id, a level (must/should) and the vendor page or sentence of
 * shared/protocols/trtc.md it comes from; the full list, including the upstream answer
 * checks (trtc_upstream.h) and the cloud API's own ids (trtc_cloud.c), is
 * pl_trtc_rules_catalog() and docs/rules-trtc.md.
 *
 * One pl_trtc_rules object per session (room connection). It is fixed size and the work
 * per message is O(1) (amortized): the rate window is a ring of the last second's messages
 * per direction (at most 256, each pushed and popped once) with a running byte sum, the round
 * memory the last 8 round ids (by hash). Findings go through the caller's callback,
 * synchronously; the pl_finding is only valid during the call. Times are monotonic
 * microseconds and must not go backwards. */
#ifndef PL_TRTC_RULES_H
#define PL_TRTC_RULES_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/pl_finding.h"

typedef struct pl_trtc_rules pl_trtc_rules;

typedef struct {
    size_t max_custom_bytes;     /* 1000: "≤1 KB (1000 bytes)" per message (trtc.md §2.1);
                                    0 turns trtc.custom.too_large off */
    int max_msgs_per_s;          /* 30 per client; <= 0 turns the count limit off */
    size_t max_bytes_per_s;      /* 8192 per client; 0 turns the byte limit off */
    int64_t callback_timeout_us; /* 5 s: a callback answer slower than this is a timeout */
} pl_trtc_rules_opts;

/* Fills o with the defaults above. */
void pl_trtc_rules_opts_init(pl_trtc_rules_opts *o);

/* Creates the per-session state (o NULL: defaults); free with pl_trtc_rules_free. */
pl_trtc_rules *pl_trtc_rules_new(const pl_trtc_rules_opts *o);
void pl_trtc_rules_free(pl_trtc_rules *r);

/* Who is who in the room: the session's client user id, and the bot's user id while a
 * task's bot is in the room (NULL when none). Called by the dialect whenever it changes.
 * The strings are copied (up to 127 bytes; longer ids are compared by hash). */
void pl_trtc_rules_room(pl_trtc_rules *r, const char *user, const char *bot);

/* The bridge frame of a custom_cmd (cmdId, reliable, ordered) just before its payload is
 * judged; dir c2a (from the client) or a2c. c2a: {"op":"custom_cmd","cmdId":2,
 * "reliable":true,"ordered":true,"data":"…"}; a2c: {"event":"custom_cmd","from":…,
 * "cmdId":1,"data":"…"}. Checks cmdId and reliable/ordered, counts the message for the
 * rate (by the length of "data") and remembers the cmdId for the direction rule of the
 * payload that follows. */
void pl_trtc_rules_frame(pl_trtc_rules *r, pl_dir dir, const cJSON *frame, int64_t t_us,
                         pl_finding_fn emit, void *user);

/* Every judged payload, as pl_dialect.message: kind as classified (docs/dev/trtc-spec.md
 * "Message kinds": "trtc.10001", "trtc.callback.answer", "trtc.malformed", …), msg the
 * decoded JSON (NULL when not JSON: raw/len then hold the text; raw/len are also the size
 * of a custom message), schema_ok 0 when the schema layer already reported this message's
 * shape, 1 when it passed, -1 when no schema applies. Kinds this module has no rule for
 * (trtc.api.*, trtc.llm.*, trtc.tts.*, trtc.callback.9xx) are ignored. */
void pl_trtc_rules_message(pl_trtc_rules *r, pl_dir dir, const char *kind, const cJSON *msg,
                           const void *raw, size_t len, int schema_ok, int64_t t_us,
                           pl_finding_fn emit, void *user);

/* Periodic tick (no deadline rule today; kept for the dialect's contract). */
void pl_trtc_rules_tick(pl_trtc_rules *r, int64_t t_us, pl_finding_fn emit, void *user);

/* Every rule id the dialect can report, including the upstream checks and the cloud's own,
 * NULL-rule-terminated (docs, `parley list rules`). */
const pl_rule_info *pl_trtc_rules_catalog(void);

/* The catalog entry of a rule id, or NULL (used by trtc_upstream.c and trtc_cloud.c to
 * build their findings with the catalog's level and source). */
const pl_rule_info *pl_trtc_rule(const char *id);

/* Emits a finding of catalog rule id with a printf message (nothing when emit is NULL or
 * the id is unknown). For trtc_upstream.c and trtc_cloud.c. */
void pl_trtc_report(pl_finding_fn emit, void *user, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
