/* rc_trtc.h — the trtc model: an app on the Tencent TRTC SDK talking to a bot of TRTC's "AI
 * real-time conversation", and the app's business backend, driven by parley's driver channel.
 * Facts: shared/protocols/trtc.md (cited as §n); names: docs/dev/trtc-spec.md.
 *
 * One process plays both parts a TRTC app has:
 *   the room client   enterRoom over the room bridge (PARLEY_URL /trtc/room), custom command
 *                     messages 20000/20001 up (cmdID 2) and 10000…10030 down (cmdID 1)
 *   the backend       TC3-signed cloud API calls (Start/Stop/Describe/Control/Update-
 *                     AIConversation) to PARLEY_URL's origin, and an HTTP server on 127.0.0.1
 *                     for TRTC's server callbacks, a custom LLM and a custom TTS
 * rc_main.c and rc_actions.c only need these. */
#ifndef RC_TRTC_H
#define RC_TRTC_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "rc_driver.h"
#include "rc_ws.h"

typedef struct rc_trtc rc_trtc;

/* url: PARLEY_URL, ws[s]://HOST:PORT/trtc/room?room=R&user=U (checked by the caller). Starts
 * the HTTP server (127.0.0.1, a free port). NULL with err when it cannot listen. */
rc_trtc *rc_trtc_new(rc_net *net, const char *url, char *err, size_t errlen);
/* Replies and callbacks go to d from now on. */
void rc_trtc_set_driver(rc_trtc *t, rc_driver *d);
/* hello.endpoints: {callback, llm, tts} URLs of the HTTP server (a new object). */
cJSON *rc_trtc_endpoints(const rc_trtc *t);
/* Answers what is pending with "client stopping", leaves the room (1001), frees. */
void rc_trtc_free(rc_trtc *t);

/* The action table (rc_trtc_actions.c): count, names and --help args by index. */
int rc_trtc_action_count(void);
const char *rc_trtc_action_name(int i);
const char *rc_trtc_action_args(int i);
/* Runs action i with the drive command's id and args; answered now or later, exactly once.
 * i < 0: an action trtc does not have (or left out of hello), answered "unknown action". */
void rc_trtc_drive(rc_trtc *t, int i, int64_t id, const char *action, const cJSON *args);

#endif
