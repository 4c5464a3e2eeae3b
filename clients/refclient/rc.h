/* rc.h — what every file of the reference client shares: the process configuration (the
 * only global, with the received signal in rc_main.c), logging to stderr, allocation that
 * aborts on failure, the clock.
 *
 * The refclient is a small app around models of four SDKs, driven by parley over the driver
 * channel (docs/refclient.md): the AICallKit Web SDK ("aicall", over the room bridge), the
 * DashScope MultiModalDialog ("bailian", its native WebSocket), a TRTC app with its
 * business backend ("trtc": the room bridge, the cloud API, an HTTP server) and a Volcengine
 * RTC app with its backend ("volc": the room bridge, the OpenAPI). Files, one concern each:
 *   rc_main.c     options, environment, the event loop, signals, exit codes
 *   rc_ws.c       WebSocket client glue on libwebsockets (one context, bounded queues)
 *   rc_driver.c   the driver channel: hello, drive commands, replies, callbacks
 *   rc_bridge.c   the room bridge: room ops out, room events in (stands in for ARTC)
 *   rc_aicall.c   the SDK model: call, readiness handshake, envelope (rc_aicall_int.h)
 *   rc_incoming.c the agent's messages → SDK callbacks
 *   rc_actions.c  the SDK API (and app-level) actions the driver can ask for, both tables
 *   rc_bailian.c  the bailian model: the dialog connection, directives, server events
 *   rc_bailian_actions.c  the bailian actions (MultiModalDialog methods and app behaviour)
 *   rc_bailian_media.c    built-in JPEG and speech, base64, JPEG padding, PCM chunks
 *   rc_trtc.c     the trtc model: the room, custom messages, the bot's messages → callbacks
 *   rc_trtc_api.c         the trtc backend's cloud API client (TC3-signed, async)
 *   rc_trtc_http.c        the trtc backend's HTTP server: callbacks, custom LLM, custom TTS
 *   rc_trtc_sign.c        TC3-HMAC-SHA256 and the callback Sign
 *   rc_trtc_actions.c     the trtc actions
 *   rc_volc.c     the volc model: the room, binary TLV messages, the bot's messages → callbacks
 *   rc_volc_api.c         the volc backend's OpenAPI client (V4-signed, async)
 *   rc_volc_sign.c        V4 HMAC-SHA256; rc_volc_tlv.c  TLV framing and base64
 *   rc_volc_actions.c     the volc actions
 *   rc_bugs.c     --bug flags: each breaks exactly one behaviour
 *   rc_base.c     this header's functions */
#ifndef RC_H
#define RC_H

#include <stddef.h>
#include <stdint.h>

#define RC_CLIENT_NAME "parley-refclient"
#define RC_VERSION "0.1.0"

/* The process configuration: set once by rc_main.c before the loop starts, read-only after. */
typedef struct {
    const char *driver_url;   /* PARLEY_DRIVER_URL / --driver */
    const char *bridge_url;   /* PARLEY_URL / --url (may be NULL: `call` and `start` then fail):
                                 the room bridge (aicall, trtc) or the bailian endpoint */
    int trtc;                 /* PARLEY_URL is a /trtc/ room: the app is the trtc one (hello
                                 announces trtc and its actions only) */
    const char *api_key;      /* --api-key / DASHSCOPE_API_KEY / "sk-parley-test" (bailian) */
    const char *session;      /* PARLEY_SESSION / --session (or the room of the bridge URL) */
    const char *scenario;     /* PARLEY_SCENARIO, for the logs only */
    const char *secret_id;    /* trtc: --secret-id / TENCENTCLOUD_SECRET_ID / AKIDparleyEXAMPLE */
    const char *secret_key;   /* trtc: --secret-key / TENCENTCLOUD_SECRET_KEY */
    const char *callback_key; /* trtc: --callback-key / TRTC_CALLBACK_KEY */
    int volc;                 /* PARLEY_URL is a /volc/ room: the app is the volc one (hello
                                 announces volc and its actions only; rc_volc.h) */
    const char *access_key;   /* volc: --access-key / VOLC_ACCESSKEY / AKLTparleyEXAMPLE */
    const char *volc_secret;  /* volc: --secret-key / VOLC_SECRETKEY */
    const char *app_id;       /* volc: --app-id / parley_volc_app */
    uint64_t bugs;            /* RC_BUG_* bits (rc_bugs.h) */
    uint64_t no_actions;      /* bit i: action i (rc_action_find) left out of hello */
    int verbose;              /* -v: log every frame */
} rc_config;

extern rc_config rc_cfg;

/* The app: one model per dialect, all on the one lws context; the driver's commands go to
 * the one whose action table has the name (rc_app_drive in rc_actions.c): aicall's or
 * bailian's, or trtc's alone when PARLEY_URL is a trtc room. */
struct rc_aicall;
struct rc_bailian;
struct rc_trtc;
typedef struct {
    struct rc_aicall *aicall;
    struct rc_bailian *bailian;
    struct rc_trtc *trtc; /* only with a /trtc/ PARLEY_URL */
} rc_app;
struct cJSON;
/* rc_driver_ops.on_drive for the app (user: rc_app *). */
void rc_app_drive(void *user, int64_t id, const char *action, const struct cJSON *args);

/* One line on stderr: "refclient 12:34:56.789 <message>". rc_debug only with -v. */
void rc_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rc_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Allocation failure aborts (as in Redis): callers never check for NULL. */
void *rc_xmalloc(size_t n);
void *rc_xcalloc(size_t n, size_t size);
void *rc_xrealloc(void *p, size_t n);
char *rc_xstrdup(const char *s);

/* Monotonic clock in microseconds. */
int64_t rc_now_us(void);

#endif
