/* aicall_rules.h — stateful rules of the Alibaba AICallKit DataChannel protocol.
 *
 * DESIGN §5 validates every message twice: the schema layer (schemas/aicall/<type>.json) checks
 * the shape of one message; this module checks what a schema cannot see: state and order
 * across a session. 1106 only while push-to-talk is on, 1007 echoes the last 1105, the
 * confirmation pairs (1102→1004, …) are answered, the mic follows push-to-talk, nothing but
 * ready_req before the ready handshake, and so on. Every rule has a stable id, a level
 * (must/should) and the sentence of shared/protocols/aicall.md it comes from; the full list
 * is pl_aicall_rules_catalog() and docs/rules-aicall.md.
 *
 * One pl_aicall_rules object per session (one client, one agent). It is fixed size: work
 * per event is O(1) and no history is kept beyond a few bounded slots. The owner feeds it
 * every DataChannel message in either direction, the room-bridge events (mic muted,
 * audio unpublished, left) and a periodic tick for deadline rules; each entry point first
 * fires the deadlines that have passed at its t_us, so the tick only matters when nothing
 * else happens. Findings are reported through the caller's callback, synchronously; the
 * pl_finding is only valid during the call. Times are monotonic microseconds and must not
 * go backwards. */
#ifndef PL_AICALL_RULES_H
#define PL_AICALL_RULES_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/pl_finding.h"

typedef enum {
    PL_AICALL_ROOM_MIC_MUTED,
    PL_AICALL_ROOM_MIC_UNMUTED,
    PL_AICALL_ROOM_AUDIO_PUBLISHED,
    PL_AICALL_ROOM_AUDIO_UNPUBLISHED,
    PL_AICALL_ROOM_LEFT,      /* the client left the channel: the session is over */
    PL_AICALL_ROOM_AGENT_LEFT /* the agent left (after 1100 or 1010): nothing more is due */
} pl_aicall_room_event;

typedef struct {
    int ptt_initially;          /* push-to-talk at call start (start config EnablePushToTalk):
                                   1 on, 0 off (default), -1 unknown (offline captures) */
    int mic_initially_muted;    /* 0 (default) */
    int check_mic;              /* 1 (default): the room bridge reports mic events, so the
                                   mic rules apply; 0 turns them off */
    int64_t confirm_timeout_us; /* request -> confirmation (1102→1004 …, 1105→1007); 5 s */
    int64_t ready_timeout_us;   /* first ready_req -> ready_resp; 2 s (R gives up after 30
                                   tries, about 2 s) */
    int64_t mic_deadline_us;    /* mic follows 1105/1106/1107/1108 within this; 1 s */
    int64_t answer_timeout_us;  /* 1107 with speech -> 1001 Thinking/Speaking; 5 s */
    int64_t ptt_min_press_us;   /* a shorter press is cancelled with 1108; 500 ms */
    int64_t ptt_max_press_us;   /* the UIs auto-finish at 60 s; 61 s (1 s slack) */
    int64_t race_us;            /* messages in flight when the other side acted; 500 ms */
} pl_aicall_rules_opts;

typedef struct pl_aicall_rules pl_aicall_rules;

/* Fills o with the defaults above. */
void pl_aicall_rules_opts_init(pl_aicall_rules_opts *o);

/* Creates the per-session state (opts NULL: defaults); free with pl_aicall_rules_free. */
pl_aicall_rules *pl_aicall_rules_new(const pl_aicall_rules_opts *opts);
void pl_aicall_rules_free(pl_aicall_rules *r);

/* A decoded DataChannel message seen at t_us. msg is the parsed JSON (any JSON value, the
 * caller keeps ownership); NULL means the body did not parse as JSON. */
void pl_aicall_rules_message(pl_aicall_rules *r, pl_dir dir, const cJSON *msg, int64_t t_us,
                             pl_finding_fn emit, void *user);

/* The same for a message the schema layer (DESIGN §5 layer 1) has checked. schema_ok as in
 * pl_dialect.message: 0 when the schema layer reported this message's shape, 1 when it
 * passed, -1 when no schema applies. With 0 the rules that only restate a schema
 * constraint (envelope.not_object, envelope.type_invalid, envelope.data_not_object,
 * envelope.data_missing, data.field_invalid, the param.*_range rules, param.prompt_empty,
 * and envelope.ids_missing for an id that is present but not a string) stay quiet for this
 * message, so one bad field gives one finding; everything else, and the state, proceed as
 * with _message (which is this with -1). */
void pl_aicall_rules_message_checked(pl_aicall_rules *r, pl_dir dir, const cJSON *msg,
                                     int schema_ok, int64_t t_us, pl_finding_fn emit, void *user);

/* The raw body of a message that did not parse: same as _message with msg NULL, but the
 * finding quotes the start of the text. */
void pl_aicall_rules_malformed(pl_aicall_rules *r, pl_dir dir, const char *raw, size_t len,
                               int64_t t_us, pl_finding_fn emit, void *user);

/* Room-bridge events the rules depend on. _mic(r, muted, …) is _room with MIC_(UN)MUTED. */
void pl_aicall_rules_room(pl_aicall_rules *r, pl_aicall_room_event ev, int64_t t_us,
                          pl_finding_fn emit, void *user);
void pl_aicall_rules_mic(pl_aicall_rules *r, int muted, int64_t t_us, pl_finding_fn emit,
                         void *user);

/* Periodic tick: fires deadline rules (an expected reaction that never came). */
void pl_aicall_rules_tick(pl_aicall_rules *r, int64_t t_us, pl_finding_fn emit, void *user);

/* Every rule this module can emit, NULL-rule-terminated (docs, `parley list rules`). */
const pl_rule_info *pl_aicall_rules_catalog(void);

#endif
