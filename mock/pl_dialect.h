/* pl_dialect.h — the dialect interface (DESIGN §6) and the registry of dialects (§1).
 *
 * A dialect is one file (mock/dialects/<id>.c, plus its rules module if large) that fills
 * one pl_dialect: what the vendor protocol is, how a payload is decoded, classified into a
 * kind ("aicall.1105") and encoded, the stateful rules, and the mock's default behaviour
 * as the agent. The core (mock/pl_session.c) does everything that is the same for every
 * vendor: framing (room bridge or native WebSocket), schema validation against
 * schemas/<id>/<kind suffix>.json, the journal, the trace, findings, limits and timers.
 *
 * Data flow for one payload (DESIGN §6):
 *   frame in → session unwraps the bridge frame → decode → classify → schema check →
 *   message() (rules) → journal/trace → behave() (agent role only) → pl_session_send() →
 *   encode → schema check → message() (rules, A2C) → frame out.
 *
 * Every hook gets the state pointer that open() returned. Hooks run on the event loop and
 * must not block; they act through the pl_session services (mock/pl_session.h). A hook
 * that a dialect does not need may be NULL. */
#ifndef PL_DIALECT_H
#define PL_DIALECT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/pl_finding.h"

typedef struct pl_session pl_session;
typedef struct pl_profile pl_profile;
typedef struct pl_server pl_server;
typedef struct pl_server_http_req pl_server_http_req;

/* One switchable default auto-response (a profile's `behaviour:` map or a scenario's
 * `behaviour` step turns it off or on by name). */
typedef struct {
    const char *name;        /* "confirm.push_to_talk" */
    int default_on;          /* 1: on unless switched off */
    const char *description; /* one line: "1105 -> 1007 with the requested value" */
} pl_behaviour_info;

/* A driver action or callback of the vendor SDK (DESIGN §3), for docs and `parley list`. */
typedef struct {
    const char *name;        /* SDK API name: "enablePushToTalk", "pushToTalkChanged" */
    const char *args;        /* argument names and types: "enable:bool" ("" for none) */
    const char *description; /* what it does on the wire: "sends 1105 {enable}" */
} pl_api_info;

typedef struct pl_dialect {
    /* What it is (DESIGN §1). */
    const char *id;        /* "aicall": prefix of every kind and rule id */
    const char *vendor;    /* human name of the vendor protocol */
    const char *transport; /* native transport as parley speaks it */
    const char *seed;      /* the vendor page the facts start from */

    /* Transports. bridge_op: the room-bridge op (client → parley) and event (parley →
     * client) that carry one vendor payload ("datachannel"); NULL when the dialect has no
     * room bridge. bridge_binary: payloads travel base64 in "data_b64" instead of text in
     * "data". bridge_event: the event name parley sends payloads under when it is not
     * bridge_op (volc: op user_binary, event room_binary), else NULL. ws_path: a native
     * WebSocket endpoint ("/api-ws/v1/inference"), or NULL. */
    const char *bridge_op;
    int bridge_binary;
    const char *bridge_event;
    const char *ws_path;

    /* Catalogues (NULL-name-terminated arrays, any may be NULL). */
    const pl_behaviour_info *behaviours;
    const pl_api_info *actions;   /* driver actions a client of this dialect offers */
    const pl_api_info *callbacks; /* driver callbacks it reports */
    const pl_rule_info *(*rules_catalog)(void);

    /* Codec. decode: one payload (bytes as received; binary says which WebSocket opcode or
     * bridge field it came in) into a JSON value the caller frees; NULL when the bytes are
     * not a message of this dialect (message() then sees msg NULL and the raw bytes).
     * classify: the kind of a decoded message seen in direction dir, written to kind
     * ("aicall.1105", "aicall.ready_req"); "<id>.unknown" when no kind fits. The core checks
     * schemas/<id>/<kind without "<id>.">.json when that file exists. encode: a message
     * into malloc'd bytes for the wire (*binary set when it must go as binary). */
    cJSON *(*decode)(const void *data, size_t len, int binary);
    void (*classify)(const cJSON *msg, pl_dir dir, char *kind, size_t kind_len);
    char *(*encode)(const cJSON *msg, size_t *len, int *binary);

    /* Session hooks. open: a client joined (bridge) or connected (native); returns the
     * per-session state and may already act (bridge events: the agent joins the room and
     * publishes); vendor messages are better sent from a zero-delay timer, because the
     * rules only see a message once open() has returned the state.
     * message: every payload in either direction, for the stateful rules; msg is NULL when
     * decode failed; schema_ok is 0 when the schema layer already reported this message's
     * shape (so the rules do not report the same field twice), 1 when it passed, -1 when
     * no schema applies. room: a room op of the bridge (publish, unpublish, audio_capture,
     * mute_local_mic, leave) as the client sent it, and the frame of every payload op
     * (op = bridge_op) just before its payload is judged (trtc checks cmdId there). behave: the default behaviour for a
     * client message (agent role only; runs after message()). timer: a slot armed with
     * pl_session_timer() fired. tick: about once a second, for deadline rules. close: the
     * session is over (the peer left or disconnected); run end-of-session rules and free
     * the state. */
    void *(*open)(pl_session *s);
    void (*message)(void *st, pl_dir dir, const char *kind, const cJSON *msg, const void *raw,
                    size_t len, int schema_ok);
    void (*room)(void *st, const char *op, const cJSON *frame);
    void (*behave)(void *st, const char *kind, const cJSON *msg);
    void (*timer)(void *st, int slot);
    void (*tick)(void *st, int64_t now_us);
    void (*close)(void *st);
    /* accept: the native endpoint's check of the WebSocket upgrade (ws_path dialects), before
     * any session exists: authorization is the request's Authorization header ("" when
     * none). Returns 0 to accept, or the HTTP status to refuse with and a malloc'd JSON body
     * in *body, as the vendor's gateway answers (bailian: 401 InvalidApiKey). May be NULL. */
    int (*accept)(const pl_profile *p, const char *authorization, char **body);
    /* complete: a message a scenario sends as the agent (`send` step) gets the envelope members it leaves out, as the agent would fill them (aicall:
     * seqId from the agent's counter, senderId, receiverId "", data {}); members it gives
     * stay as written, so a wrong value can still be sent on purpose. *from is set to the
     * agent's id when NULL. May be NULL. */
    void (*complete)(void *st, cJSON *msg, const char **from);
    /* frame_out: members the dialect adds to every payload event it sends on the room
     * bridge ({"event":"custom_cmd","cmdId":1,…}: trtc). May be NULL. */
    void (*frame_out)(void *st, cJSON *frame);
    /* act: something the agent does on request, outside the message flow (a scenario's
     * `act` step, the admin API): trtc `leave {code}`, `say {text}`. 0, or -1 with err set
     * (unknown act, bad args, nothing to act on). acts lists them. May be NULL. */
    int (*act)(void *st, const char *name, const cJSON *args, char *err, size_t errlen);
    const pl_api_info *acts;

    /* The server-wide part of a dialect whose vendor has cloud APIs and webhooks beside the
     * room (trtc, volc): cloud_new is called once per server after the context exists and
     * returns the dialect's server state (its tasks); sessions of the dialect reach it with
     * pl_session_cloud(). cloud_http is offered every HTTP request outside /_parley/ that
     * no scenario step took: returns 1 with *status, a malloc'd *body and a (copied)
     * *content_type when it is the dialect's API, else 0. cloud_free runs before the
     * context is destroyed: it cancels its timers and requests and lets go of sessions.
     * All may be NULL. */
    void *(*cloud_new)(pl_server *srv);
    int (*cloud_http)(void *cloud, const pl_server_http_req *req, int *status, char **body,
                      const char **content_type);
    void (*cloud_free)(void *cloud);
} pl_dialect;

/* NULL-terminated table in DESIGN §1 order. A dialect whose hooks are still NULL is
 * listed (description only) but cannot serve sessions: pl_dialect_live() says which. */
const pl_dialect *const *pl_dialect_all(void);
const pl_dialect *pl_dialect_find(const char *id);
int pl_dialect_live(const pl_dialect *d);

/* The behaviour entry called name, or NULL. */
const pl_behaviour_info *pl_dialect_behaviour(const pl_dialect *d, const char *name);

#endif
