/* rc_trtc_int.h — the trtc model's state, shared by its files:
 *   rc_trtc.c          the room: enterRoom/exitRoom over the bridge, the custom messages up
 *                      (20000 text, 20001 interrupt, raw), the bot's messages and the room
 *                      events → TRTC SDK callbacks
 *   rc_trtc_api.c      the backend's cloud API client: bodies, TC3 signing, async HTTP POSTs
 *                      on the lws loop, the answers; the tasks and the restart after 98
 *   rc_trtc_http.c     the backend's HTTP server: /trtc/callback, /v1/chat/completions, /tts
 *   rc_trtc_sign.c     TC3-HMAC-SHA256 and the callback Sign
 *   rc_trtc_actions.c  drive commands → the calls below */
#ifndef RC_TRTC_INT_H
#define RC_TRTC_INT_H

#include <libwebsockets.h>
#include <stddef.h>
#include <stdint.h>

#include "rc_bridge.h"
#include "rc_trtc.h"

#define RC_TRTC_SDK_APP_ID 1400000001LL /* the default profile's trtc.sdk_app_id */
#define RC_TRTC_USER_SIG "parley-usersig"
#define RC_TRTC_REGION "ap-guangzhou"
#define RC_TRTC_VERSION "2019-07-22"
#define RC_TRTC_SERVICE "trtc"
#define RC_TRTC_ID_MAX 257             /* user and room ids: 1-256 bytes */
#define RC_TRTC_TASK_ID_MAX 512        /* TaskIds are opaque; longer ones are refused */
#define RC_TRTC_MAX_TASKS 32           /* tasks remembered (for the 98 restart) */
#define RC_TRTC_MAX_BODY (1024 * 1024) /* HTTP bodies in and out */
#define RC_TRTC_WELCOME_MAX 2048

/* The arguments of one StartAIConversation, kept with the task so that the restart after
 * LeaveCode 98 sends the same ones (with a new SessionId). */
typedef struct {
    char welcome[RC_TRTC_WELCOME_MAX]; /* "" : no WelcomeMessage */
    int interrupt_mode, turn_detection_mode, max_idle;
    char llm[8]; /* "ref": our /v1/chat/completions; "none": parley's own */
    int streaming;
    char tts[8];          /* "flow" or "custom" (our /tts) */
    char session_id[128]; /* "" : a new random one */
    char bot[RC_TRTC_ID_MAX];
    int64_t sdk_app_id;
} rc_trtc_start_args;

typedef struct rc_trtc_task {
    struct rc_trtc_task *next;
    char task_id[RC_TRTC_TASK_ID_MAX];
    char session_id[128];
    rc_trtc_start_args args;
    int restarts;    /* how many 98 restarts led to this one */
    int restart_due; /* a restart is scheduled */
    int restarted;   /* its restart went out (once per task) */
} rc_trtc_task;

struct rc_trtc_job;

struct rc_trtc {
    rc_net *net;
    rc_driver *drv;
    const char *url;
    char room[RC_TRTC_ID_MAX], user[RC_TRTC_ID_MAX];

    /* the cloud API: PARLEY_URL's origin */
    int tls, port;
    char host[256];     /* to connect to */
    char host_hdr[300]; /* the Host header (and what is signed): host[:port] */

    /* the HTTP server */
    struct lws_vhost *vh;
    int http_port;

    /* the room */
    rc_bridge *bridge;
    int joined;        /* `joined` came, no exit since */
    int64_t enter_cmd; /* enterRoom, answered at `joined` */
    int64_t enter_t0_us;
    int exit_reported;        /* onExitRoom went out for this entry (room_dismissed, exitRoom) */
    char bot[RC_TRTC_ID_MAX]; /* the receiver of our messages: the last Start's bot */
    int64_t sdk_app_id;       /* the last Start's SdkAppId (20001's payload id) */
    int64_t last_msg_ms;      /* 20000 payload ids grow strictly */

    /* the backend */
    rc_trtc_task *tasks;               /* newest first */
    char current[RC_TRTC_TASK_ID_MAX]; /* the default TaskId of Stop/Describe/… */
    struct rc_trtc_job *jobs;          /* cloud API calls in flight */
    lws_sorted_usec_list_t restart_timer;
    unsigned llm_n; /* chat completion ids */
};

/* ---- rc_trtc.c ---- */
void rc_trtc_callback(rc_trtc *t, const char *name, cJSON *args); /* args owned, may be NULL */
void rc_trtc_reply_ok(rc_trtc *t, int64_t id, cJSON *result);
void rc_trtc_reply_error(rc_trtc *t, int64_t id, const char *why);
/* enterRoom: connects; cmd is answered at `joined`. NULL, or why not. */
const char *rc_trtc_enter(rc_trtc *t, int64_t cmd);
/* exitRoom: leave, close, onExitRoom {reason:0}. NULL, or why not. */
const char *rc_trtc_exit(rc_trtc *t);
/* sendCustomCmdMsg: data as is on cmd_id. NULL, or why not. */
const char *rc_trtc_send_cmd(rc_trtc *t, int cmd_id, int reliable, int ordered, const char *data,
                             size_t len);
const char *rc_trtc_send_text(rc_trtc *t, const char *text); /* 20000 */
const char *rc_trtc_send_interrupt(rc_trtc *t);              /* 20001 */
/* Unix time in milliseconds. */
int64_t rc_trtc_wall_ms(void);

/* ---- rc_trtc_api.c ---- */
/* StartAIConversation with a; cmd answered {task_id} when the answer comes (0: none). */
int rc_trtc_api_start(rc_trtc *t, int64_t cmd, const rc_trtc_start_args *a, char *err,
                      size_t errlen);
/* Any other action with body (owned); cmd answered with result_of(Response) or the error. */
typedef cJSON *(*rc_trtc_result_fn)(const cJSON *response);
int rc_trtc_api_call(rc_trtc *t, int64_t cmd, const char *action, cJSON *body,
                     rc_trtc_result_fn result_of, char *err, size_t errlen);
/* A verified 902 for task_id with leave_code: the backend's reaction (restart on 98). */
void rc_trtc_api_task_stopped(rc_trtc *t, const char *task_id, int leave_code);
rc_trtc_task *rc_trtc_task_find(rc_trtc *t, const char *task_id);
/* Answers the calls in flight with why and lets them go (rc_trtc_free). */
void rc_trtc_api_shutdown(rc_trtc *t, const char *why);

/* ---- rc_trtc_http.c ---- */
/* The server's vhost on 127.0.0.1:0; 0, or -1 with err. */
int rc_trtc_http_start(rc_trtc *t, char *err, size_t errlen);
/* No more requests reach t (rc_trtc_free). */
void rc_trtc_http_detach(rc_trtc *t);
/* The lws protocol of the cloud API client (rc_trtc_api.c), listed on the server's vhost: the
 * client connections are bound to that vhost. */
#define RC_TRTC_API_PROTOCOL "rc-trtc-api"
int rc_trtc_client_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len);

#endif
