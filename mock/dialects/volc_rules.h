/* volc_rules.h — stateful rules of the Volcengine RTC AIGC ("volc") dialect.
 *
 * The schema layer (schemas/volc/<kind>.json) checks the shape of one decoded message; this
 * module checks what a schema cannot see: the TLV framing of the binary room messages
 * (magic, big-endian length header, JSON value, 64 KB limit, direction of each magic), who
 * a user_binary is sent to (the bot, a bot in the room at all), the tool calls the agent
 * made and the answers they get (func ToolCallID of a pending call, 10 s timeout), the
 * commands (ctrl and UpdateVoiceChat: known Command, its casing, Message and InterruptMode),
 * the bot's conv state per round (4 and 5 only after 3), the subtitle sequence per speaker
 * and round, key casing, and the answers to server-message callbacks. Every rule has a
 * stable id, a level (must/should) and the sentence of shared/protocols/volc.md it comes
 * from; the full list, including the cloud API's own ids (volc_cloud.c), is
 * pl_volc_rules_catalog() and docs/rules-volc.md.
 *
 * One pl_volc_rules object per session (room connection). It is fixed size and the work
 * per message is O(1) in the history: the pending tool calls are a ring of the last 64 ids
 * (by hash), the rounds and the subtitle speakers small LRU tables. Findings go through the
 * caller's callback, synchronously; the pl_finding is only valid during the call. Times are
 * monotonic microseconds and must not go backwards. */
#ifndef PL_VOLC_RULES_H
#define PL_VOLC_RULES_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/pl_finding.h"

typedef struct pl_volc_rules pl_volc_rules;

typedef struct {
    size_t max_tlv_bytes; /* 65536: "长度不超过 64 KB" (§2.1); 0 turns volc.tlv.too_large off */
    int64_t func_timeout_us; /* 10 s: a tool call unanswered this long is volc.func.timeout
                                (profile volc.timing.func_timeout); <= 0 turns it off */
} pl_volc_rules_opts;

/* Fills o with the defaults above. */
void pl_volc_rules_opts_init(pl_volc_rules_opts *o);

/* Creates the per-session state (o NULL: defaults); free with pl_volc_rules_free. */
pl_volc_rules *pl_volc_rules_new(const pl_volc_rules_opts *o);
void pl_volc_rules_free(pl_volc_rules *r);

/* Who is who: the session's user id, and the bot's id while a bot is in the room (NULL when
 * none). Called by the dialect whenever it changes. The strings are copied (ids longer
 * than the kept prefix are compared by hash). */
void pl_volc_rules_room(pl_volc_rules *r, const char *user, const char *bot);

/* The bridge frame of a user_binary just before its payload is judged ("to" is checked):
 * {"op":"user_binary","to":"<bot user id>","data_b64":"…"} (dir c2a). */
void pl_volc_rules_frame(pl_volc_rules *r, pl_dir dir, const cJSON *frame, int64_t t_us,
                         pl_finding_fn emit, void *user);

/* Every judged payload, as pl_dialect.message: kind as classified (docs/dev/volc-spec.md
 * "Message kinds"), msg the decoded message ({"magic","length","value"|"text"} for room
 * TLVs, NULL for volc.malformed), raw/len the TLV bytes of a room message (the JSON text
 * for api/callback records; may be NULL), schema_ok 0 when the schema layer already
 * reported this message's shape, 1 when it passed, -1 when no schema applies. Kinds this
 * module has no rule for (volc.api.response, volc.api.error, …) are ignored. */
void pl_volc_rules_message(pl_volc_rules *r, pl_dir dir, const char *kind, const cJSON *msg,
                           const void *raw, size_t len, int schema_ok, int64_t t_us,
                           pl_finding_fn emit, void *user);

/* Periodic tick: the tool-call answer deadline (volc.func.timeout). */
void pl_volc_rules_tick(pl_volc_rules *r, int64_t t_us, pl_finding_fn emit, void *user);

/* Every rule id the dialect can report, including the cloud's own (volc.api.*,
 * volc.task.not_stopped), NULL-rule-terminated (docs, `parley list rules`). */
const pl_rule_info *pl_volc_rules_catalog(void);

/* The command checks shared by ctrl (room) and UpdateVoiceChat (cloud): cmd_obj is the ctrl
 * value or the UpdateVoiceChat body ({Command, InterruptMode?, Message?}, other members
 * ignored). Returns 0 when the command is acceptable, -1 when not: Command missing or none
 * of the six (volc.command.unknown), Message missing or empty where required
 * (volc.command.message), a function Message that is not the JSON text of {ToolCallID,
 * Content} (volc.func.shape), InterruptMode not 1–3 where required
 * (volc.command.interrupt_mode). Findings are emitted either way (emit may be NULL); a
 * Command matching only case-insensitively is volc.command.case (should) and still
 * acceptable. *canon (canon may be NULL) gets the documented spelling of a known Command,
 * e.g. "interrupt" for "Interrupt" (a static string), even when -1 is returned for another
 * reason; NULL when the command is unknown or missing. Keys spelled only
 * case-insensitively like the documented ones ("command", "message") are reported
 * (volc.key_case) and read as the documented key. Whether a function's ToolCallID is
 * pending is not judged here (no state): the cloud does it for UpdateVoiceChat, the rules
 * for a room func. pl_volc_rules_message() already runs these checks on every ctrl value:
 * the dialect's behaviour calls this with emit NULL just for *canon. Messages name the
 * sender "UpdateVoiceChat" when cmd_obj has AppId, RoomId or TaskId, else "ctrl". */
int pl_volc_check_command(const cJSON *cmd_obj, const char **canon, pl_finding_fn emit, void *user);

/* The catalog entry of a rule id, or NULL (for volc_cloud.c and volc.c to build their
 * findings with the catalog's level and source). */
const pl_rule_info *pl_volc_rule(const char *id);

/* Emits a finding of catalog rule id with a printf message (nothing when emit is NULL or
 * the id is unknown). */
void pl_volc_report(pl_finding_fn emit, void *user, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
