/* rc_volc.h — the volc model: a Web app on the Volcengine RTC SDK talking to a Volcengine RTC
 * AIGC agent ("AI real-time interaction"), and the app's business backend, driven by parley's
 * driver channel. Facts: shared/protocols/volc.md (cited as §n); names: docs/dev/volc-spec.md
 * ("Reference client"); actions and callbacks are the seed's RtcClient (seed 002).
 *
 * One process plays both parts:
 *   the room client   joinRoom over the room bridge (PARLEY_URL /volc/room), binary TLV
 *                     messages: subv/conv/tool in (room_binary), ctrl/func out (user_binary)
 *   the backend       V4-signed OpenAPI calls (Start/Update/StopVoiceChat) to PARLEY_URL's
 *                     origin, POST /?Action=…&Version=…
 * rc_main.c only needs these: it creates the model for a /volc/ URL, announces its actions in
 * hello and sends it every drive command (rc_volc_on_drive). */
#ifndef RC_VOLC_H
#define RC_VOLC_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>

#include "rc_driver.h"
#include "rc_ws.h"

/* The defaults of docs/dev/volc-spec.md (the built-in profile's volc: section). */
#define RC_VOLC_DEFAULT_ACCESS_KEY "AKLTparleyEXAMPLE"
#define RC_VOLC_DEFAULT_SECRET_KEY "parleyVolcSecretKeyEXAMPLE"
#define RC_VOLC_DEFAULT_APP_ID "parley_volc_app"

typedef struct rc_volc rc_volc;

/* The backend's credentials (borrowed: they live as long as the process). */
typedef struct {
    const char *access_key; /* --access-key / VOLC_ACCESSKEY */
    const char *secret_key; /* --secret-key / VOLC_SECRETKEY */
    const char *app_id;     /* --app-id */
} rc_volc_creds;

/* url: PARLEY_URL, ws[s]://HOST:PORT/volc/room?room=R&user=U. NULL with err when it lacks
 * room= or user=, or lws cannot set up the API client. */
rc_volc *rc_volc_new(rc_net *net, const char *url, const rc_volc_creds *creds, char *err,
                     size_t errlen);
/* Replies and callbacks go to d from now on. */
void rc_volc_set_driver(rc_volc *v, rc_driver *d);
/* Answers what is pending with "client stopping", leaves the room (1001), frees. */
void rc_volc_free(rc_volc *v);

/* The action table (rc_volc_actions.c). */
int rc_volc_action_count(void);
/* Index of the action called name, or -1. */
int rc_volc_action_find(const char *name);
/* hello.actions: every action whose bit is not set in leave_out (a new array). */
cJSON *rc_volc_actions_hello(uint64_t leave_out);
/* One line per action for --help. */
void rc_volc_actions_list(FILE *f);
/* rc_driver_ops.on_drive (user: rc_volc *): answered now or later, exactly once; an action
 * not in the table or left out of hello (rc_cfg.no_actions) is "unknown action". */
void rc_volc_on_drive(void *user, int64_t id, const char *action, const cJSON *args);

#endif
