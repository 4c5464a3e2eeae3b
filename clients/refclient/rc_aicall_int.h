/* rc_aicall_int.h — the SDK model's state, shared by its three files:
 *   rc_aicall.c    the engine: call lifecycle, room events, readiness handshake, envelope
 *   rc_incoming.c  messages from the agent → SDK callbacks
 *   rc_actions.c   drive commands → SDK API calls (and the app-level actions)
 * Field comments name the Web engine's field where there is one (W = aliyun-auikit-aicall). */
#ifndef RC_AICALL_INT_H
#define RC_AICALL_INT_H

#include <libwebsockets.h>

#include "rc_aicall.h"
#include "rc_bridge.h"

#define RC_ID_MAX 257 /* parley takes room and user ids up to 256 bytes */
#define RC_DEFAULT_AGENT "parley_agent"

struct rc_aicall {
    rc_net *net;
    rc_driver *drv;
    const char *url;       /* the bridge URL, or NULL */
    char user[RC_ID_MAX];  /* our user id: senderId (W _userId) */
    char agent[RC_ID_MAX]; /* the agent's: receiverId, the only sender we listen to
                              (W agentInfo.userId); learnt from the first user_joined */
    rc_bridge *bridge;     /* NULL when there is no connection */

    /* the call */
    int in_call;   /* from `call` until the call ends */
    int began;     /* callBegin fired (the first joined of this call) */
    int joined;    /* joined on the current connection: W state Connected */
    int published; /* audio published on the current connection */
    int agent_learned, agent_joined, agent_published;
    int dc_ready;    /* ready_resp arrived on this connection (W _dcReady) */
    int ptt;         /* push-to-talk on (W _enablePushToTalk) */
    int press_open;  /* a press is open (W isStartPushToTalk) */
    int mic_muted;   /* last mute_local_mic */
    int agent_state; /* last 1001 state (W _agentState; Listening at start) */
    int64_t seq;     /* the last seqId sent (W _seqId) */

    /* the readiness handshake (R DataChannelReadyHelper) */
    int ready_tries;
    int64_t ready_t0_us;
    lws_sorted_usec_list_t ready_timer;

    /* drive commands answered later (0: none) */
    int64_t call_cmd;      /* `call`: when joined */
    int64_t reconnect_cmd; /* `reconnect`: when joined again */
    int64_t handup_cmd;    /* `handup`: after the 100 ms to leave */
    int64_t button_cmd;    /* `pushToTalkButton`: after the release */
    int button_cancel;     /* the release will be a cancel (1108) */
    int64_t button_hold_ms;
    int resync_pending; /* reconnect: 1119 0.5 s after the handshake */
    lws_sorted_usec_list_t handup_timer, button_timer, resync_timer;
};

/* ---- rc_aicall.c ---- */

/* Sends an AICall message {type, data, seqId, senderId, receiverId} (W sendMsgToDataChannel).
 * data (owned) may be NULL for {}. cut drops that many bytes off the end (the bad-json bug).
 * NULL when sent, else why not ("not connected", "data channel not ready", …). */
const char *rc_aicall_send(rc_aicall *a, int type, cJSON *data, size_t cut);
/* Sends len bytes of text as a DataChannel payload as they are (sendRawDataChannel); the
 * caller checks the connection. 0, or -1 when the queue is full. */
int rc_aicall_send_raw(rc_aicall *a, const char *text, size_t len);
/* Whether a message could be sent now: NULL, or why not. */
const char *rc_aicall_can_send(const rc_aicall *a);
/* mute_local_mic {mute}; 0, or -1 when not connected. */
int rc_aicall_mute(rc_aicall *a, int mute);
/* An SDK callback to the driver; args owned, may be NULL. */
void rc_aicall_callback(rc_aicall *a, const char *name, cJSON *args);

/* The three calls below take the drive command cmd and answer it later; 0, or -1 with err
 * (then the caller answers).
 * `call`: opens the bridge; cmd is answered at joined. */
int rc_aicall_call(rc_aicall *a, int64_t cmd, char *err, size_t errlen);
/* `handup`: 1100, then leave 100 ms later; cmd is answered then. */
int rc_aicall_handup(rc_aicall *a, int64_t cmd, char *err, size_t errlen);
/* `reconnect`: drops the connection and opens it again; cmd is answered at joined. */
int rc_aicall_reconnect(rc_aicall *a, int64_t cmd, char *err, size_t errlen);
/* Leaves the room now and ends the call (1010, the agent gone). */
void rc_aicall_hang_up_now(rc_aicall *a, const char *why);
/* ready_resp arrived. */
void rc_aicall_ready(rc_aicall *a);
/* A timer of the call: cancelled when the call ends. */
void rc_aicall_timer(rc_aicall *a, lws_sorted_usec_list_t *t, sul_cb_t cb, int64_t us);

/* ---- rc_incoming.c ---- */

/* One DataChannel payload from the agent. */
void rc_incoming(rc_aicall *a, const char *text, size_t len);

/* ---- rc_actions.c ---- */

/* The call ended or the client stops: fails a pending pushToTalkButton with why. */
void rc_actions_call_ended(rc_aicall *a, const char *why);

#endif
