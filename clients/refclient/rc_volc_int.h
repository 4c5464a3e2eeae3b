/* rc_volc_int.h — the volc model's state, shared by its files:
 *   rc_volc.c          the room: joinRoom/leaveRoom over the bridge, room events and the
 *                      bot's TLV messages → the Web SDK's callbacks, ctrl/func up
 *   rc_volc_tlv.c      TLV framing (magic, uint32 big-endian length, JSON) and base64
 *   rc_volc_api.c      the backend's OpenAPI client: bodies, V4 signing, async HTTP POSTs on
 *                      the lws loop, the answers
 *   rc_volc_sign.c     V4 HMAC-SHA256 (rc_volc_sign.h)
 *   rc_volc_actions.c  drive commands → the calls below */
#ifndef RC_VOLC_INT_H
#define RC_VOLC_INT_H

#include <libwebsockets.h>
#include <stddef.h>
#include <stdint.h>

#include "rc_bridge.h"
#include "rc_volc.h"

#define RC_VOLC_REGION "cn-north-1"
#define RC_VOLC_SERVICE "rtc"
#define RC_VOLC_VERSION "2024-12-01"          /* the default API version */
#define RC_VOLC_LEGACY "2024-06-01"           /* the seed's generation (§1.5) */
#define RC_VOLC_BUSINESS_ID "parley_business" /* legacy bodies carry one */
#define RC_VOLC_ID_MAX 257                    /* room, user, bot and task ids */
#define RC_VOLC_TEXT_MAX 2048                 /* welcome, URLs, signature */
#define RC_VOLC_MAX_BODY (1024 * 1024)        /* answers */
#define RC_VOLC_LEAVE_WAIT_US 500000 /* leaveRoom: the longest wait for the bot's user_left */
#define RC_VOLC_WEATHER "get_current_weather"
#define RC_VOLC_WEATHER_ANSWER "Sunny, 20 degrees."

/* startAudioBot's arguments (rc_volc_actions.c reads them, rc_volc_api.c builds the body). */
typedef struct {
    char version[16]; /* 2024-12-01, 2024-06-01 or 2025-06-01 */
    char task_id[RC_VOLC_ID_MAX], bot_id[RC_VOLC_ID_MAX];
    char welcome[RC_VOLC_TEXT_MAX]; /* "": no welcome */
    int state_callback, tools, auto_func;
    int interrupt_mode, turn_detection_mode;
    int subtitle_mode; /* -1: no SubtitleConfig.SubtitleMode */
    char server_message_url[RC_VOLC_TEXT_MAX], subtitle_url[RC_VOLC_TEXT_MAX],
        function_url[RC_VOLC_TEXT_MAX], signature[RC_VOLC_TEXT_MAX];
} rc_volc_start_args;

/* What happens when a call's answer is in (besides answering its drive command). */
typedef enum {
    RC_VOLC_AFTER_NONE,
    RC_VOLC_AFTER_START, /* the Stop of startAudioBot with a bot running: then the Start */
    RC_VOLC_AFTER_LEAVE  /* the Stop of leaveRoom: then leave the room, answer leaveRoom */
} rc_volc_after;

struct rc_volc_job;

struct rc_volc {
    rc_net *net;
    rc_driver *drv;
    const char *url;
    rc_volc_creds creds;
    char room[RC_VOLC_ID_MAX], user[RC_VOLC_ID_MAX];

    /* the OpenAPI: PARLEY_URL's origin */
    int tls, port;
    char host[256];       /* to connect to */
    char host_hdr[300];   /* the Host header (and what is signed): host[:port] */
    struct lws_vhost *vh; /* a client-only vhost listing RC_VOLC_API_PROTOCOL */

    /* the room */
    rc_bridge *bridge;
    int joined;         /* `joined` came, no leave since */
    int64_t join_cmd;   /* joinRoom, answered at `joined` */
    int leave_reported; /* onLeaveRoom went out for this join */
    int bot_in_room;    /* the bot's user_joined came, its user_left not yet */
    /* leaveRoom after a good Stop waits for the bot's user_left (at most RC_VOLC_LEAVE_WAIT_US):
     * leaving while the bot's leave events are still in flight loses our leave frame */
    int leave_pending;
    int64_t leave_cmd;
    lws_sorted_usec_list_t leave_timer;

    /* the bot (audioBotEnabled in the seed's RtcClient) */
    int bot_enabled;
    char bot[RC_VOLC_ID_MAX];  /* receiver of ctrl/func: the last Start's AgentConfig.UserId */
    char task[RC_VOLC_ID_MAX]; /* the last Start's TaskId */
    char version[16];          /* the last Start's Version (Update/Stop use it) */
    int auto_func;             /* answer tool calls by ourselves */

    struct rc_volc_job *jobs; /* OpenAPI calls in flight */
};

/* ---- rc_volc.c ---- */
void rc_volc_callback(rc_volc *v, const char *name, cJSON *args); /* args owned, may be NULL */
void rc_volc_reply_ok(rc_volc *v, int64_t id, cJSON *result);
void rc_volc_reply_error(rc_volc *v, int64_t id, const char *why);
/* joinRoom: connects; cmd is answered at `joined`. NULL, or why not. */
const char *rc_volc_join(rc_volc *v, int64_t cmd);
/* leaveRoom: StopVoiceChat first when a bot is enabled (unless the no-stop-on-leave bug), then
 * leave and close, onLeaveRoom; cmd answered then. NULL (answered later), or why not. */
const char *rc_volc_leave(rc_volc *v, int64_t cmd);
/* The second half of rc_volc_leave: leave the room now and answer cmd. */
void rc_volc_leave_room(rc_volc *v, int64_t cmd);
/* After leaveRoom's Stop (stopped: it succeeded): leave once the bot has left. */
void rc_volc_leave_after_stop(rc_volc *v, int64_t cmd, int stopped);
/* startAudioCapture / stopAudioCapture: room op audio_capture. NULL, or why not. */
const char *rc_volc_audio_capture(rc_volc *v, int on);
/* A ctrl message {Command, InterruptMode, Message} to the bot. NULL, or why not. */
const char *rc_volc_send_ctrl(rc_volc *v, const char *command, int interrupt_mode,
                              const char *message);
/* A func message {ToolCallID, Content} to the bot (to: NULL = the bot). NULL, or why not. */
const char *rc_volc_send_func(rc_volc *v, const char *to, const char *id, const char *content);

/* ---- rc_volc_tlv.c ---- */
typedef struct {
    char magic[5];     /* the 4 bytes as a string (a NUL cuts it short) */
    uint32_t length;   /* what the header says */
    const char *value; /* the bytes after the header, at most length of them */
    size_t value_len;
} rc_volc_tlv;
/* magic + big-endian (len + length_delta) + value: a new buffer of 8 + len bytes. */
unsigned char *rc_volc_tlv_encode(const char *magic, const char *value, size_t len,
                                  int length_delta, size_t *out_len);
/* Splits d[0..n) (not copied). 0, or -1 when shorter than the 8-byte header. */
int rc_volc_tlv_decode(const unsigned char *d, size_t n, rc_volc_tlv *out);
/* Base64 to bytes: a new buffer (n bytes), NULL when s is not base64. */
unsigned char *rc_volc_b64_decode(const char *s, size_t *n);

/* ---- rc_volc_api.c ---- */
/* The client vhost (rc_volc_new). 0, or -1 with err. */
int rc_volc_api_init(rc_volc *v, char *err, size_t errlen);
/* StartVoiceChat with a (a Stop of the running bot first); cmd answered {task_id, bot_id,
 * request_id}. 0, or -1 with err (nothing sent). */
int rc_volc_api_start(rc_volc *v, int64_t cmd, const rc_volc_start_args *a, char *err,
                      size_t errlen);
/* StopVoiceChat of task (the current one when NULL) with version (ditto); then after. */
int rc_volc_api_stop(rc_volc *v, int64_t cmd, const char *task, const char *version,
                     rc_volc_after after, char *err, size_t errlen);
/* UpdateVoiceChat {…, Command, Message?, InterruptMode?}: message NULL and interrupt_mode < 0
 * leave them out. */
int rc_volc_api_update(rc_volc *v, int64_t cmd, const char *task, const char *version,
                       const char *command, const char *message, int interrupt_mode, char *err,
                       size_t errlen);
/* Answers the calls in flight with why and lets them go (rc_volc_free). */
void rc_volc_api_shutdown(rc_volc *v, const char *why);

#endif
