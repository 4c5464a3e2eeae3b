/* pl_profile.h — the mock's behaviour settings (`parley mock --profile FILE.yaml`).
 *
 * A profile says how the mock agent behaves and what it tolerates: the limits every
 * session runs under, and per dialect which default auto-responses are on, the agent's
 * timings, its reply texts and identity. It is YAML (or JSON), validated against
 * schemas/profile.schema.json before use, so a typo gets "file:line:col: message" and
 * exit 2 instead of a silently ignored key. Without --profile the built-in defaults apply
 * (pl_profile_new_default). docs/profile.md is the reference.
 *
 *   limits:   { max_message: 1MiB, max_sessions: 4096, journal: 2000, findings: 1000,
 *               out_queue: 8MiB, max_http_body: 1MiB }
 *   aicall:                       # one section per dialect id; all keys optional
 *     agent_id: parley_agent
 *     push_to_talk: false         # start config EnablePushToTalk
 *     behaviour: { idle_timeout: off, confirm.push_to_talk: on }
 *     timing:    { think: 400ms, chunk: 80ms, ... }   # durations: 500ms, 1.5s, 2m
 *     replies:   { mode: canned, texts: ["Hello.", "Sure."] }   # or mode: echo
 *     user_speech: ["What's the weather like?"]
 *
 * Ownership: a pl_profile owns its document; every pointer it hands out is borrowed and
 * lives as long as the profile. A profile is read-only after loading, so one profile is
 * shared by every session. */
#ifndef PL_PROFILE_H
#define PL_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

typedef struct {
    size_t max_message;   /* largest WebSocket message accepted, bytes (1 MiB) */
    size_t max_sessions;  /* concurrent sessions (bridge + native + driver), 4096 */
    size_t journal;       /* journal records kept per session, oldest dropped first, 2000 */
    size_t findings;      /* findings kept per session (all are counted), 1000 */
    size_t out_queue;     /* bytes queued to one slow peer before it is cut off, 8 MiB */
    size_t max_http_body; /* request body of the admin API and vendor HTTP APIs, 1 MiB */
    size_t retired;       /* closed sessions kept for the journal and the report, 1024 */
} pl_profile_limits;

typedef struct pl_profile pl_profile;

/* The built-in defaults (the limits above, every dialect section empty). Never NULL. */
pl_profile *pl_profile_new_default(void);

/* Loads and validates a YAML or JSON profile. schema_root is the directory holding
 * profile.schema.json (pl_cli_schema_root()). NULL with "file:line:col: message" in err
 * (unreadable file, bad YAML, schema violation, unknown behaviour name, bad duration or
 * size). */
pl_profile *pl_profile_load(const char *path, const char *schema_root, char *err,
                            size_t errlen);

void pl_profile_free(pl_profile *p);

/* The path it was loaded from, or "(built-in)". */
const char *pl_profile_path(const pl_profile *p);

const pl_profile_limits *pl_profile_limits_get(const pl_profile *p);

/* The section of a dialect (borrowed; NULL when the profile has none). */
const cJSON *pl_profile_section(const pl_profile *p, const char *dialect);

/* behaviour.<name> of the dialect's section: 1 on, 0 off, dflt when not set. */
int pl_profile_behaviour(const pl_profile *p, const char *dialect, const char *name, int dflt);

/* timing.<key> in microseconds, dflt when not set. */
int64_t pl_profile_duration(const pl_profile *p, const char *dialect, const char *key,
                            int64_t dflt);

/* A top-level scalar of the dialect's section (agent_id, push_to_talk, …). */
const char *pl_profile_string(const pl_profile *p, const char *dialect, const char *key,
                              const char *dflt);
int pl_profile_bool(const pl_profile *p, const char *dialect, const char *key, int dflt);
double pl_profile_number(const pl_profile *p, const char *dialect, const char *key,
                         double dflt);

/* The reply for the n-th agent turn (n counts from 0): replies.mode "canned" cycles
 * through replies.texts (dflt_texts when the profile has none); "echo" returns the user's
 * text (or the canned one when user_text is NULL). Borrowed. */
const char *pl_profile_reply(const pl_profile *p, const char *dialect, unsigned n,
                             const char *user_text, const char *const *dflt_texts);

/* The n-th entry of a string list of the section (user_speech, …), cycling; dflt when the
 * list is absent or empty. Borrowed. */
const char *pl_profile_list_item(const pl_profile *p, const char *dialect, const char *key,
                                 unsigned n, const char *dflt);

/* Parses a size: 123, "64KiB", "1MiB", "2MB" (MB = 10^6). 0 ok, -1 malformed. */
int pl_profile_parse_size(const char *s, size_t *out);

#endif
