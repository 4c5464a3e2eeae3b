/* trtc_cloud.c — the Tencent TRTC AI conversation dialect, server side (protocols/trtc.md §1,
 * §3, §4, §5).
 *
 * One trtc_cloud per server (pl_dialect.cloud_new). It serves the cloud API at POST / with
 * X-TC-Action (TencentCloud API 3.0, service trtc, version 2019-07-22): the TC3-HMAC-SHA256
 * signature is verified against the profile's credentials over whatever SignedHeaders the
 * client chose, within a 5-minute window, with a constant-time compare; bodies are checked
 * against schemas/trtc/api.<Action>.json and the answers use the vendor's envelope and codes
 * (HTTP 200 with Response.Error). Start creates a task (Preparing → InProgress → Stopped →
 * gone); the task's bot joins its room (the room-bridge sessions of trtc.c), speaks rounds
 * (10001 states, 10000 subtitles, 10020 metrics) triggered by 20000 text, a scripted
 * utterance, ServerPushText or InvokeLLM, calls the integrator's OpenAI-compatible LLM and
 * custom TTS when the configs point at them, and reports everything to the callback URL
 * (901–909, `Sign` = base64 HMAC-SHA256 of the body, 5 s timeout, retries).
 *
 * Every request, answer, callback and upstream exchange is judged in the room's session
 * (pl_session_judge_json) under its kind (docs/dev/trtc-spec.md), so the schema layer, the
 * rules and the scenarios see them; with no session in the room they go to the trace.
 * Nothing blocks: HTTP goes through pl_http_client, timers are lws_sul on the server's loop.
 * Tasks and pending requests are bounded by the profile (max_tasks). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libwebsockets.h>

#include "core/pl_buf.h"
#include "core/pl_clock.h"
#include "core/pl_crypto.h"
#include "core/pl_json.h"
#include "core/pl_log.h"
#include "core/pl_sign.h"
#include "mock/dialects/trtc_int.h"
#include "mock/dialects/trtc_upstream.h"
#include "mock/pl_cloud.h"
#include "mock/pl_driver.h"
#include "mock/pl_http_client.h"
#include "mock/pl_server.h"

#define MS_US(ms) ((int64_t)(ms)*1000)
#define TRTC_VERSION "2019-07-22"
#define TRTC_SKEW_S 300
#define TRTC_SUBTITLE_PIECE 300 /* bytes of text per 10000, well under the 1000-byte limit */

static const char *const default_replies[] = {"Hello, this is the parley mock agent.",
                                              "I am a mock, but I am listening.", NULL};

enum { TASK_PREPARING, TASK_INPROGRESS, TASK_STOPPED };
enum { ST_LISTENING = 1, ST_THINKING = 2, ST_SPEAKING = 3, ST_INTERRUPTED = 4 };
enum { H_CALLBACK, H_LLM, H_TTS };

typedef struct trtc_cb trtc_cb;
typedef struct trtc_http trtc_http;

struct trtc_http {
    trtc_cloud *c; /* NULL when the cloud is gone: the answer is dropped */
    trtc_http *next;
    int kind;
    trtc_task *task; /* LLM/TTS: NULL when the round or task was abandoned */
    trtc_cb *cb;     /* callback delivery */
    int64_t t0_us;
    char ctype[128];
    int chunked;
};

struct trtc_cb {
    trtc_cloud *c;
    trtc_cb *next;
    char room[128], task_id[96], url[512];
    int event, room_id_type;
    char *body;
    int attempt;
    int64_t t_first_us;
    lws_sorted_usec_list_t sul;
    trtc_http *http;
};

struct trtc_task {
    trtc_cloud *c;
    trtc_task *next;
    char id[96], session_id[128], room[128], bot[128], target[128];
    double sdk_app_id;
    int room_id_type;
    int state;
    char start_time[48];
    cJSON *llm, *tts; /* the parsed configs */
    char *welcome;
    int interrupt_mode, max_idle_s;
    int64_t no_user_since_us; /* 0 while a user is in the room */
    int speech;               /* ST_* */
    unsigned rounds;
    char roundid[64];
    char *reply;
    int invoke, stop_after_play;
    int64_t t0_us, t_round_us; /* task start, round start (subtitle times are relative) */
    trtc_http *inflight;
    cJSON *history;
    lws_sorted_usec_list_t sul_life, sul_round;
};

struct trtc_cloud {
    pl_server *srv;
    struct lws_context *ctx;
    const pl_profile *p;
    trtc_task *tasks;
    size_t ntasks;
    trtc_sess *sessions;
    trtc_http *pending;
    trtc_cb *cbs;
    lws_sorted_usec_list_t tick;
    unsigned long long seq;
};

/* ---- helpers ------------------------------------------------------------------------- */

static double num(const cJSON *o, const char *key, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static int64_t timing(const trtc_cloud *c, const char *key, int64_t dflt_ms)
{
    return pl_profile_duration(c->p, TRTC_DIALECT, key, MS_US(dflt_ms));
}

static trtc_sess *room_sess(const trtc_cloud *c, const char *room)
{
    /* A session parley is closing (the scenario is over, the room was dismissed) no longer
     * takes records: what still arrives for the room (a callback whose receiver shut down
     * with the app) goes to the trace. */
    trtc_sess *found = NULL;
    for (trtc_sess *ts = c->sessions; ts; ts = ts->next)
        if (!strcmp(pl_session_room(ts->s), room) && pl_session_is_open(ts->s) &&
            !pl_session_is_closing(ts->s))
            found = ts; /* the newest */
    return found;
}

static int behaviour(const trtc_cloud *c, const char *room, const char *name)
{
    trtc_sess *ts = room ? room_sess(c, room) : NULL;
    if (ts)
        return pl_session_behaviour(ts->s, name);
    const pl_behaviour_info *b = pl_dialect_behaviour(pl_dialect_find(TRTC_DIALECT), name);
    return pl_profile_behaviour(c->p, TRTC_DIALECT, name, b ? b->default_on : 0);
}

/* Judges a payload of the room: in its session when there is one, else into the trace. */
static void judge(trtc_cloud *c, const char *room, pl_dir dir, const char *kind, const cJSON *msg,
                  const void *raw, size_t len)
{
    trtc_sess *ts = room ? room_sess(c, room) : NULL;
    if (ts) {
        pl_session_judge_json(ts->s, dir, kind, msg, raw, len);
        return;
    }
    pl_cloud_trace_exchange(c->srv, TRTC_DIALECT, dir, kind, room, msg);
}

static void finding_at(trtc_cloud *c, const char *room, const char *rule, pl_level level,
                       const char *source, const char *msg);

/* A finding of the cloud (trtc.api.*, trtc.llm/tts.status): level and source from the
 * rules catalog (trtc_rules.c), so docs/rules-trtc.md and the report agree. */
static void findingf(trtc_cloud *c, const char *room, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void findingf(trtc_cloud *c, const char *room, const char *rule, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const pl_rule_info *ri = pl_trtc_rule(rule);
    finding_at(c, room, rule, ri ? ri->level : PL_LEVEL_MUST,
               ri ? ri->source : "docs/rules-trtc.md", msg);
}

static void finding_at(trtc_cloud *c, const char *room, const char *rule, pl_level level,
                       const char *source, const char *msg)
{
    trtc_sess *ts = room ? room_sess(c, room) : NULL;
    if (ts) {
        pl_session_findingf(ts->s, rule, level, source, "%s", msg);
        return;
    }
    pl_finding f = {.rule = rule, .level = level, .source = source};
    snprintf(f.message, sizeof f.message, "%s", msg);
    pl_cloud_trace_finding(c->srv, TRTC_DIALECT, &f);
}

typedef struct {
    trtc_cloud *c;
    const char *room;
} emit_ctx;

static void emit_finding(void *user, const pl_finding *f)
{
    emit_ctx *e = user;
    trtc_sess *ts = e->room ? room_sess(e->c, e->room) : NULL;
    if (ts)
        pl_session_finding(ts->s, f);
    else
        finding_at(e->c, NULL, f->rule, f->level, f->source ? f->source : "", f->message);
}

static trtc_task *task_find(const trtc_cloud *c, const char *id)
{
    for (trtc_task *t = c->tasks; t; t = t->next)
        if (!strcmp(t->id, id))
            return t;
    return NULL;
}

static long long wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- custom messages to the room ------------------------------------------------------- */

/* Sends m (taken) to every user of the task's room who sees its bot. */
static void room_send_msg(trtc_task *t, cJSON *m)
{
    for (trtc_sess *ts = t->c->sessions; ts; ts = ts->next)
        if (!strcmp(pl_session_room(ts->s), t->room) && !strcmp(ts->bot, t->bot))
            pl_session_send(ts->s, t->bot, m);
    cJSON_Delete(m);
}

/* A downlink custom message {type, sender, receiver: [] (broadcast), payload (taken)}. */
static void room_send(trtc_task *t, int type, const char *sender, cJSON *payload)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "type", type);
    cJSON_AddStringToObject(m, "sender", sender);
    cJSON_AddArrayToObject(m, "receiver");
    cJSON_AddItemToObject(m, "payload", payload);
    room_send_msg(t, m);
}

static void send_state(trtc_task *t, int state)
{
    t->speech = state == ST_INTERRUPTED ? ST_LISTENING : state;
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "roundid", t->roundid);
    cJSON_AddNumberToObject(p, "timestamp", (double)(wall_ms() / 1000));
    cJSON_AddNumberToObject(p, "state", state);
    room_send(t, 10001, t->bot, p);
}

static void fmt_clock(int64_t us, char out[16])
{
    long s = (long)(us / 1000000);
    snprintf(out, 16, "%02ld:%02ld:%02ld", s / 3600 % 100, s / 60 % 60, s % 60);
}

static void send_subtitle(trtc_task *t, const char *sender, const char *text, int end)
{
    if (!behaviour(t->c, t->room, "subtitles"))
        return;
    char a[16], b[16];
    fmt_clock(t->t_round_us - t->t0_us, a);
    fmt_clock(pl_clock_mono_us() - t->t0_us, b);
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "text", text);
    cJSON_AddStringToObject(p, "start_time", a);
    cJSON_AddStringToObject(p, "end_time", b);
    cJSON_AddStringToObject(p, "roundid", t->roundid);
    cJSON_AddBoolToObject(p, "end", end);
    room_send(t, 10000, sender, p);
}

static void send_metric(trtc_task *t, const char *metric, double value)
{
    if (!behaviour(t->c, t->room, "metrics"))
        return;
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "metric", metric);
    cJSON_AddNumberToObject(p, "value", value);
    cJSON *tag = cJSON_AddObjectToObject(p, "tag");
    cJSON_AddStringToObject(tag, "roundid", t->roundid);
    room_send(t, 10020, t->bot, p);
}

static void callback_fire(trtc_cloud *c, trtc_task *t, int event, cJSON *payload);

static void send_error(trtc_task *t, const char *metric, int code, const char *message)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "metric", metric);
    cJSON *tag = cJSON_AddObjectToObject(p, "tag");
    cJSON_AddStringToObject(tag, "roundid", t->roundid);
    cJSON_AddNumberToObject(tag, "code", code);
    cJSON_AddStringToObject(tag, "message", message);
    room_send(t, 10030, t->bot, p);
    cJSON *cp = cJSON_CreateObject();
    cJSON_AddStringToObject(cp, "metric", metric);
    cJSON_AddNumberToObject(cp, "code", code);
    cJSON_AddStringToObject(cp, "message", message);
    cJSON_AddStringToObject(cp, "roundid", t->roundid);
    callback_fire(t->c, t, 908, cp);
}

/* ---- callbacks 901–909 ------------------------------------------------------------------ */

static void http_unlink(trtc_cloud *c, trtc_http *h)
{
    for (trtc_http **pp = &c->pending; *pp; pp = &(*pp)->next)
        if (*pp == h) {
            *pp = h->next;
            return;
        }
}

static void cb_free(trtc_cb *cb)
{
    trtc_cloud *c = cb->c;
    for (trtc_cb **pp = &c->cbs; *pp; pp = &(*pp)->next)
        if (*pp == cb) {
            *pp = cb->next;
            break;
        }
    lws_sul_cancel(&cb->sul);
    if (cb->http)
        cb->http->cb = NULL;
    free(cb->body);
    free(cb);
}

static void http_head(void *user, int status, const char *ctype, int chunked)
{
    trtc_http *h = user;
    (void)status;
    snprintf(h->ctype, sizeof h->ctype, "%s", ctype);
    h->chunked = chunked;
}

static void cb_send(trtc_cb *cb);

static void cb_retry(lws_sorted_usec_list_t *sul)
{
    cb_send(lws_container_of(sul, trtc_cb, sul));
}

static void cb_answer(trtc_cb *cb, int status, const char *body, size_t len, const char *error,
                      int64_t ms)
{
    trtc_cloud *c = cb->c;
    cJSON *a = cJSON_CreateObject();
    cJSON_AddNumberToObject(a, "EventType", cb->event);
    cJSON_AddStringToObject(a, "TaskId", cb->task_id);
    cJSON_AddNumberToObject(a, "attempt", cb->attempt);
    cJSON_AddNumberToObject(a, "status", status);
    char *b = pl_xstrndup(body ? body : "", len > 4096 ? 4096 : len);
    cJSON_AddStringToObject(a, "body", b);
    free(b);
    cJSON_AddNumberToObject(a, "ms", (double)ms);
    if (error)
        cJSON_AddStringToObject(a, "error", error);
    judge(c, cb->room, PL_DIR_C2A, "trtc.callback.answer", a, NULL, 0);
    cJSON_Delete(a);
    if (status == 200) {
        cb_free(cb);
        return;
    }
    /* "首次失败立即重试，之后每 10 秒重试，直到消息超过 1 分钟" (§3.1) */
    int64_t age = pl_clock_mono_us() - cb->t_first_us;
    int64_t next = cb->attempt == 1 ? 0 : timing(c, "callback_retry", 10000);
    if (!behaviour(c, cb->room, "callback.retry") ||
        age + next > timing(c, "callback_max_age", 60000)) {
        cb_free(cb);
        return;
    }
    lws_sul_schedule(c->ctx, 0, &cb->sul, cb_retry, next > 0 ? next : 1);
}

static void http_done(void *user, int status, const char *body, size_t len, const char *error);

static trtc_http *http_new(trtc_cloud *c, int kind)
{
    trtc_http *h = pl_xcalloc(1, sizeof *h);
    h->c = c;
    h->kind = kind;
    h->t0_us = pl_clock_mono_us();
    h->next = c->pending;
    c->pending = h;
    return h;
}

static void cb_send(trtc_cb *cb)
{
    trtc_cloud *c = cb->c;
    cb->attempt++;
    cJSON *msg = cJSON_Parse(cb->body);
    char kind[32];
    snprintf(kind, sizeof kind, "trtc.callback.%d", cb->event);
    judge(c, cb->room, PL_DIR_A2C, kind, msg, cb->body, strlen(cb->body));
    cJSON_Delete(msg);
    const char *key =
        pl_profile_string(c->p, TRTC_DIALECT, "callback_key", "parleycallbackkey0123456789abcde");
    char *sign = pl_sign_trtc_callback(key, cb->body, strlen(cb->body));
    char h_sign[128], h_app[64];
    snprintf(h_sign, sizeof h_sign, "Sign: %s", sign);
    free(sign);
    snprintf(h_app, sizeof h_app, "SdkAppId: %.0f",
             pl_profile_number(c->p, TRTC_DIALECT, "sdk_app_id", 1400000001));
    const char *headers[] = {h_sign, h_app, NULL};
    trtc_http *h = http_new(c, H_CALLBACK);
    h->cb = cb;
    cb->http = h;
    pl_http_request req = {.method = "POST",
                           .url = cb->url,
                           .content_type = "application/json",
                           .headers = headers,
                           .body = cb->body,
                           .body_len = strlen(cb->body),
                           .insecure = 1,
                           .done = http_done,
                           .user = h,
                           .head = http_head,
                           .timeout_us = timing(c, "callback_timeout", 5000)};
    char err[256];
    if (pl_http_client_start(c->ctx, &req, err, sizeof err)) {
        http_unlink(c, h);
        free(h);
        cb->http = NULL;
        cb_answer(cb, -1, NULL, 0, err, 0);
    }
}

static const char *callback_url(trtc_cloud *c, const char *room)
{
    trtc_sess *ts = room_sess(c, room);
    if (ts && ts->callback_url[0])
        return ts->callback_url;
    pl_driver *d = pl_drivers_for_session(pl_server_drivers(c->srv), room);
    const cJSON *ep = d ? cJSON_GetObjectItemCaseSensitive(pl_driver_hello(d), "endpoints") : NULL;
    const char *u = pl_json_str(ep, "callback", NULL);
    return u ? u : pl_profile_string(c->p, TRTC_DIALECT, "callback_url", NULL);
}

/* Builds the callback (envelope §3.3, pretty-printed like the doc sample) and sends it;
 * takes payload. */
static void callback_fire(trtc_cloud *c, trtc_task *t, int event, cJSON *payload)
{
    const char *url = callback_url(c, t->room);
    if (!url || !behaviour(c, t->room, "callbacks")) {
        cJSON_Delete(payload);
        return;
    }
    long long now = wall_ms();
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "EventGroupId", 9);
    cJSON_AddNumberToObject(m, "EventType", event);
    cJSON_AddNumberToObject(m, "CallbackTs", (double)now);
    cJSON *info = cJSON_AddObjectToObject(m, "EventInfo");
    cJSON_AddNumberToObject(info, "EventMsTs", (double)now);
    cJSON_AddStringToObject(info, "TaskId", t->id);
    cJSON_AddStringToObject(info, "RoomId", t->room);
    cJSON_AddNumberToObject(info, "RoomIdType", t->room_id_type);
    cJSON_AddItemToObject(info, "Payload", payload);
    trtc_cb *cb = pl_xcalloc(1, sizeof *cb);
    cb->c = c;
    cb->event = event;
    snprintf(cb->room, sizeof cb->room, "%s", t->room);
    snprintf(cb->task_id, sizeof cb->task_id, "%s", t->id);
    snprintf(cb->url, sizeof cb->url, "%s", url);
    cb->body = pl_profile_bool(c->p, TRTC_DIALECT, "callback_compact", 0)
                   ? cJSON_PrintUnformatted(m)
                   : cJSON_Print(m);
    cJSON_Delete(m);
    cb->t_first_us = pl_clock_mono_us();
    cb->next = c->cbs;
    c->cbs = cb;
    cb_send(cb);
}

static void callback_simple(trtc_task *t, int event, const char *key, double value)
{
    cJSON *p = cJSON_CreateObject();
    if (key)
        cJSON_AddNumberToObject(p, key, value);
    callback_fire(t->c, t, event, p);
}

/* ---- rounds ------------------------------------------------------------------------------ */

static void round_abandon(trtc_task *t)
{
    if (t->inflight) {
        t->inflight->task = NULL;
        t->inflight = NULL;
    }
    lws_sul_cancel(&t->sul_round);
    free(t->reply);
    t->reply = NULL;
}

static void round_begin(trtc_task *t)
{
    t->rounds++;
    snprintf(t->roundid, sizeof t->roundid, "%.24s_round_%u",
             t->id + (strlen(t->id) > 24 ? strlen(t->id) - 24 : 0), t->rounds);
    t->t_round_us = pl_clock_mono_us();
}

/* The context of the LLM request: the last History rounds (LLMConfig.History, 0..50) and the
 * user's current text; the reply joins the history when it comes. */
static void history_add(trtc_task *t, const char *role, const char *text)
{
    int keep = (int)num(t->llm, "History", 0) * 2;
    if (keep > 100)
        keep = 100;
    int user = !strcmp(role, "user");
    while (cJSON_GetArraySize(t->history) > keep)
        cJSON_DeleteItemFromArray(t->history, 0);
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "role", role);
    cJSON_AddStringToObject(m, "content", text);
    cJSON_AddItemToArray(t->history, m);
    while (!user && cJSON_GetArraySize(t->history) > keep)
        cJSON_DeleteItemFromArray(t->history, 0);
}

static void task_end(trtc_task *t, int code);

static void speak_done(lws_sorted_usec_list_t *sul)
{
    trtc_task *t = lws_container_of(sul, trtc_task, sul_round);
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "roundid", t->roundid);
    callback_fire(t->c, t, 905, p);
    p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "type", "subtitle");
    cJSON_AddStringToObject(p, "userid", t->bot);
    cJSON_AddStringToObject(p, "text", t->reply ? t->reply : "");
    cJSON_AddStringToObject(p, "translation_text", "");
    cJSON_AddStringToObject(p, "roundid", t->roundid);
    callback_fire(t->c, t, 903, p);
    free(t->reply);
    t->reply = NULL;
    send_state(t, ST_LISTENING);
    if (t->stop_after_play)
        task_end(t, 0);
}

/* The bot says text: state 3, the subtitle in pieces (the last with end:true), TTS metrics,
 * and after timing.speak state 1 again. */
static void speak(trtc_task *t, const char *text)
{
    free(t->reply);
    t->reply = pl_xstrdup(text);
    send_state(t, ST_SPEAKING);
    send_metric(t, "tts_first_frame_latency", 120);
    size_t n = strlen(text), off = 0;
    pl_buf acc = PL_BUF_INIT;
    do {
        size_t k = n - off > TRTC_SUBTITLE_PIECE ? TRTC_SUBTITLE_PIECE : n - off;
        while (k > 0 && off + k < n && ((unsigned char)text[off + k] & 0xC0) == 0x80)
            k--; /* never cut a UTF-8 sequence */
        pl_buf_append(&acc, text + off, k);
        pl_buf_append(&acc, "", 1);
        acc.len--;
        off += k;
        send_subtitle(t, t->bot, acc.data ? acc.data : "", off >= n);
        pl_buf_reset(&acc);
    } while (off < n);
    pl_buf_free(&acc);
    lws_sul_schedule(t->c->ctx, 0, &t->sul_round, speak_done, timing(t->c, "speak", 1500));
}

static void tts_start(trtc_task *t, const char *text);

/* The LLM's reply is there (built-in or from LLMConfig.APIUrl). */
static void on_reply(trtc_task *t, const char *text, const cJSON *metainfo)
{
    send_metric(t, "llm_first_token", (double)((pl_clock_mono_us() - t->t_round_us) / 1000));
    if (metainfo) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddNumberToObject(m, "type", 10002);
        cJSON_AddStringToObject(m, "sender", t->bot);
        cJSON *rc = cJSON_AddArrayToObject(m, "receiver");
        cJSON_AddItemToArray(rc, cJSON_CreateString(t->target));
        cJSON_AddStringToObject(m, "roundid", t->roundid);
        cJSON_AddItemToObject(m, "payload", cJSON_Duplicate(metainfo, 1));
        room_send_msg(t, m);
    }
    history_add(t, "assistant", text);
    const char *tts_type = pl_json_str(t->tts, "TTSType", "");
    if (!strcmp(tts_type, "custom") && pl_json_str(t->tts, "APIUrl", NULL) &&
        behaviour(t->c, t->room, "tts.call"))
        tts_start(t, text);
    else
        speak(t, text);
}

static void think_done(lws_sorted_usec_list_t *sul)
{
    trtc_task *t = lws_container_of(sul, trtc_task, sul_round);
    const char *user = NULL;
    int n = cJSON_GetArraySize(t->history);
    const cJSON *last = n ? cJSON_GetArrayItem(t->history, n - 1) : NULL;
    if (last && !strcmp(pl_json_str(last, "role", ""), "user"))
        user = pl_json_str(last, "content", NULL);
    char *text =
        pl_xstrdup(pl_profile_reply(t->c->p, TRTC_DIALECT, t->rounds - 1, user, default_replies));
    on_reply(t, text, NULL);
    free(text);
}

/* "Bearer <key>", X-Task-Id, X-Rquest-Id and X-Request-Id (both spellings, §6.1), X-Sdk-App-Id,
 * X-User-Id, X-Room-Id, X-Room-Id-Type (§4.2, §5): the headers TRTC sends to the LLM and TTS. */
static char **upstream_headers(trtc_task *t, const char *api_key, int invoke, char *request_id)
{
    char **h = pl_xcalloc(10, sizeof *h);
    int i = 0;
    pl_crypto_uuid4(request_id);
    pl_buf b = PL_BUF_INIT;
#define H(...) (pl_buf_printf(&b, __VA_ARGS__), h[i++] = pl_buf_take(&b))
    H("X-Task-Id: %s", t->id);
    H("X-Rquest-Id: %s", request_id);
    H("X-Request-Id: %s", request_id);
    H("X-Sdk-App-Id: %.0f", t->sdk_app_id);
    H("X-User-Id: %s", t->target);
    H("X-Room-Id: %s", t->room);
    H("X-Room-Id-Type: %d", t->room_id_type);
    if (api_key && *api_key)
        H("Authorization: Bearer %s", api_key);
    if (invoke)
        H("X-Invoke-LLM: 1");
#undef H
    return h;
}

static cJSON *headers_json(char **h)
{
    cJSON *o = cJSON_CreateObject();
    for (; *h; h++) {
        char *colon = strchr(*h, ':');
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(colon - *h), *h);
        cJSON_AddStringToObject(o, name, colon + 2);
    }
    return o;
}

static void headers_free(char **h)
{
    for (char **p = h; *p; p++)
        free(*p);
    free(h);
}

static void upstream_start(trtc_task *t, int kind, const char *url, const char *api_key,
                           cJSON *body, const char *ctype, int64_t timeout_us)
{
    char rid[37];
    char **hs = upstream_headers(t, api_key, kind == H_LLM && t->invoke, rid);
    char *txt = cJSON_PrintUnformatted(body);
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "url", url);
    cJSON_AddItemToObject(rec, "headers", headers_json(hs));
    cJSON_AddItemToObject(rec, "body", body);
    judge(t->c, t->room, PL_DIR_A2C, kind == H_LLM ? "trtc.llm.request" : "trtc.tts.request", rec,
          NULL, 0);
    cJSON_Delete(rec);
    trtc_http *h = http_new(t->c, kind);
    h->task = t;
    t->inflight = h;
    pl_http_request req = {.method = "POST",
                           .url = url,
                           .content_type = ctype,
                           .headers = (const char *const *)hs,
                           .body = txt,
                           .body_len = strlen(txt),
                           .insecure = 1,
                           .done = http_done,
                           .user = h,
                           .head = http_head,
                           .timeout_us = timeout_us};
    char err[256];
    int rc = pl_http_client_start(t->c->ctx, &req, err, sizeof err);
    free(txt);
    headers_free(hs);
    if (rc) {
        /* reported as the answer: the connection failed */
        http_done(h, -1, "", 0, err);
    }
}

static void llm_start(trtc_task *t)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "model", pl_json_str(t->llm, "Model", ""));
    cJSON *msgs = cJSON_AddArrayToObject(body, "messages");
    const char *sys = pl_json_str(t->llm, "SystemPrompt", NULL);
    if (sys) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "role", "system");
        cJSON_AddStringToObject(m, "content", sys);
        cJSON_AddItemToArray(msgs, m);
    }
    const cJSON *h;
    cJSON_ArrayForEach(h, t->history) cJSON_AddItemToArray(msgs, cJSON_Duplicate(h, 1));
    cJSON_AddBoolToObject(body, "stream",
                          cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t->llm, "Streaming")));
    const cJSON *meta;
    cJSON_ArrayForEach(meta, cJSON_GetObjectItemCaseSensitive(t->llm, "MetaInfo"))
    {
        if (!cJSON_HasObjectItem(body, meta->string))
            cJSON_AddItemToObject(body, meta->string, cJSON_Duplicate(meta, 1));
    }
    double to = num(t->llm, "Timeout", 3);
    upstream_start(t, H_LLM, pl_json_str(t->llm, "APIUrl", ""), pl_json_str(t->llm, "APIKey", NULL),
                   body, "application/json", (int64_t)(to * 1e6));
}

static void tts_start(trtc_task *t, const char *text)
{
    free(t->reply);
    t->reply = pl_xstrdup(text);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "Text", text);
    cJSON_AddStringToObject(body, "Format", pl_json_str(t->tts, "AudioFormat", "wav"));
    cJSON_AddNumberToObject(body, "SampleRate", num(t->tts, "SampleRate", 16000));
    cJSON_AddNumberToObject(body, "Channel", num(t->tts, "AudioChannel", 1));
    upstream_start(t, H_TTS, pl_json_str(t->tts, "APIUrl", ""), pl_json_str(t->tts, "APIKey", NULL),
                   body, "application/json;charset=UTF-8", timing(t->c, "tts_timeout", 5000));
}

static void llm_answer(trtc_task *t, trtc_http *h, int status, const char *body, size_t len,
                       const char *error, int64_t ms)
{
    int streaming = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t->llm, "Streaming"));
    cJSON *a = cJSON_CreateObject();
    cJSON_AddNumberToObject(a, "status", status);
    cJSON_AddStringToObject(a, "content_type", h->ctype);
    cJSON_AddBoolToObject(a, "streaming", streaming);
    char *b = pl_xstrndup(body ? body : "", len > 16384 ? 16384 : len);
    cJSON_AddStringToObject(a, "body", b);
    free(b);
    cJSON_AddNumberToObject(a, "ms", (double)ms);
    if (error)
        cJSON_AddStringToObject(a, "error", error);
    judge(t->c, t->room, PL_DIR_C2A, "trtc.llm.answer", a, NULL, 0);
    cJSON_Delete(a);
    send_metric(t, "llm_network_latency", (double)ms);
    if (status < 0) {
        int timeout = error && !strncmp(error, "timeout", 7);
        findingf(t->c, t->room, "trtc.llm.status", "the LLM at %s gave no answer: %s",
                 pl_json_str(t->llm, "APIUrl", ""), error ? error : "failed");
        send_error(t, "llm_error", timeout ? 30200 : 30202, error ? error : "failed");
        send_state(t, ST_LISTENING);
        return;
    }
    pl_trtc_llm_result r;
    memset(&r, 0, sizeof r);
    emit_ctx e = {t->c, t->room};
    pl_trtc_llm_check(streaming, status, h->ctype, body ? body : "", len, &r, emit_finding, &e);
    if (r.failed || !r.text || !r.text[0]) {
        send_error(t, "llm_error", 30202,
                   r.message[0] ? r.message : "the LLM gave no usable reply");
        send_state(t, ST_LISTENING);
    } else {
        on_reply(t, r.text, r.metainfo);
    }
    pl_trtc_llm_result_free(&r);
}

static void tts_answer(trtc_task *t, trtc_http *h, int status, const char *body, size_t len,
                       const char *error, int64_t ms)
{
    cJSON *a = cJSON_CreateObject();
    cJSON_AddNumberToObject(a, "status", status);
    cJSON_AddStringToObject(a, "content_type", h->ctype);
    cJSON_AddBoolToObject(a, "chunked", h->chunked);
    cJSON_AddNumberToObject(a, "bytes", (double)len);
    cJSON_AddNumberToObject(a, "ms", (double)ms);
    if (!strncmp(h->ctype, "application/json", 16)) {
        char *b = pl_xstrndup(body ? body : "", len > 4096 ? 4096 : len);
        cJSON_AddStringToObject(a, "error_body", b);
        free(b);
    }
    if (error)
        cJSON_AddStringToObject(a, "error", error);
    judge(t->c, t->room, PL_DIR_C2A, "trtc.tts.answer", a, NULL, 0);
    cJSON_Delete(a);
    send_metric(t, "tts_network_latency", (double)ms);
    double audio_ms = 0;
    if (status < 0) {
        findingf(t->c, t->room, "trtc.tts.status", "the custom TTS at %s gave no answer: %s",
                 pl_json_str(t->tts, "APIUrl", ""), error ? error : "failed");
    } else {
        pl_trtc_tts_want w = {pl_json_str(t->tts, "AudioFormat", "wav"),
                              (int)num(t->tts, "SampleRate", 16000),
                              (int)num(t->tts, "AudioChannel", 1)};
        emit_ctx e = {t->c, t->room};
        audio_ms = pl_trtc_tts_check(&w, status, h->ctype, h->chunked, body, len, emit_finding, &e);
    }
    if (audio_ms <= 0) {
        int timeout = error && !strncmp(error, "timeout", 7);
        send_error(t, "tts_error", timeout ? 30300 : 30302, error ? error : "no usable audio");
        send_state(t, ST_LISTENING);
        return;
    }
    char *text = t->reply ? pl_xstrdup(t->reply) : pl_xstrdup("");
    speak(t, text);
    free(text);
}

static void http_done(void *user, int status, const char *body, size_t len, const char *error)
{
    trtc_http *h = user;
    trtc_cloud *c = h->c;
    if (c)
        http_unlink(c, h);
    int64_t ms = (pl_clock_mono_us() - h->t0_us) / 1000;
    if (c && h->kind == H_CALLBACK && h->cb) {
        h->cb->http = NULL;
        cb_answer(h->cb, status, body, len, error, ms);
    } else if (c && h->task) {
        trtc_task *t = h->task;
        t->inflight = NULL;
        if (h->kind == H_LLM)
            llm_answer(t, h, status, body, len, error, ms);
        else
            tts_answer(t, h, status, body, len, error, ms);
    }
    free(h);
}

/* An APIUrl of parley's own origin with the OpenAI path is parley's built-in LLM (the
 * reference client's llm "none"): no HTTP call, the profile's replies. */
static int llm_builtin(const trtc_task *t)
{
    char own[300];
    snprintf(own, sizeof own, "%s://%s:%d/v1/chat/completions",
             pl_server_tls(t->c->srv) ? "https" : "http", pl_server_host(t->c->srv),
             pl_server_port(t->c->srv));
    return !strcmp(pl_json_str(t->llm, "APIUrl", ""), own);
}

/* A user turn: text from 20000, a scripted utterance (speech: with ASR subtitles and 903/904)
 * or InvokeLLM (invoke). */
static void interrupt(trtc_task *t, int report);

static void user_turn(trtc_task *t, const char *text, int speech, int invoke)
{
    if (t->state != TASK_INPROGRESS)
        return;
    if (t->speech != ST_LISTENING)
        interrupt(t, 1);
    round_begin(t);
    t->invoke = invoke;
    if (speech) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "userid", t->target);
        cJSON_AddStringToObject(p, "roundid", t->roundid);
        callback_fire(t->c, t, 904, p);
        size_t n = strlen(text);
        if (n > 4) {
            char *half = pl_xstrndup(text, n / 2);
            size_t k = strlen(half);
            while (k > 0 && ((unsigned char)half[k] & 0xC0) == 0x80)
                half[--k] = '\0';
            send_subtitle(t, t->target, half, 0);
            free(half);
        }
        send_subtitle(t, t->target, text, 1);
        p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "type", "subtitle");
        cJSON_AddStringToObject(p, "userid", t->target);
        cJSON_AddStringToObject(p, "text", text);
        cJSON_AddStringToObject(p, "translation_text", "");
        cJSON_AddStringToObject(p, "roundid", t->roundid);
        callback_fire(t->c, t, 903, p);
        send_metric(t, "asr_latency", 300);
    }
    send_state(t, ST_THINKING);
    history_add(t, "user", text);
    if (pl_json_str(t->llm, "APIUrl", NULL) && !llm_builtin(t) &&
        behaviour(t->c, t->room, "llm.call"))
        llm_start(t);
    else
        lws_sul_schedule(t->c->ctx, 0, &t->sul_round, think_done, timing(t->c, "think", 300));
}

/* 20001, a new turn or ServerPushText with Interrupt: while speaking the round ends with
 * state 4 (then 1); while thinking the pending LLM/TTS answer is dropped and the bot is
 * listening again — a 4 without a 3 would be "state 4 before 3". */
static void interrupt(trtc_task *t, int report)
{
    int was = t->speech;
    round_abandon(t);
    if (was == ST_SPEAKING) {
        send_state(t, ST_INTERRUPTED);
        send_metric(t, "interruption", 1);
        if (report)
            send_state(t, ST_LISTENING);
    } else if (was == ST_THINKING && report) {
        send_state(t, ST_LISTENING);
    }
}

/* ---- task life ------------------------------------------------------------------------------ */

static void task_free(trtc_task *t)
{
    trtc_cloud *c = t->c;
    for (trtc_task **pp = &c->tasks; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            c->ntasks--;
            break;
        }
    round_abandon(t);
    lws_sul_cancel(&t->sul_life);
    cJSON_Delete(t->llm);
    cJSON_Delete(t->tts);
    cJSON_Delete(t->history);
    free(t->welcome);
    free(t);
}

static void task_cleanup(lws_sorted_usec_list_t *sul)
{
    task_free(lws_container_of(sul, trtc_task, sul_life));
}

/* The task ends with a 902 LeaveCode (§3.3, seed): the bot leaves the room with the events
 * that go with the code, the task is Stopped and disappears after timing.cleanup. */
static void task_end(trtc_task *t, int code)
{
    if (t->state == TASK_STOPPED)
        return;
    int in_room = t->state == TASK_INPROGRESS;
    round_abandon(t);
    t->state = TASK_STOPPED;
    callback_simple(t, 902, "LeaveCode", code);
    if (in_room)
        for (trtc_sess *ts = t->c->sessions, *next; ts; ts = next) {
            next = ts->next;
            if (!strcmp(pl_session_room(ts->s), t->room) && !strcmp(ts->bot, t->bot))
                trtc_sess_bot_left(ts, t->bot, code);
        }
    lws_sul_schedule(t->c->ctx, 0, &t->sul_life, task_cleanup, timing(t->c, "cleanup", 2000));
}

static void bot_enter(trtc_task *t, trtc_sess *ts)
{
    trtc_sess_bot_joined(ts, t->bot);
    t->speech = ST_LISTENING;
    snprintf(t->roundid, sizeof t->roundid, "%s", "");
    send_state(t, ST_LISTENING);
}

/* Preparing → InProgress: the bot enters the room (901, 909, state 1, the welcome). */
static void task_join(lws_sorted_usec_list_t *sul)
{
    trtc_task *t = lws_container_of(sul, trtc_task, sul_life);
    trtc_cloud *c = t->c;
    t->state = TASK_INPROGRESS;
    callback_simple(t, 901, "Status", 0);
    if (!behaviour(c, t->room, "bot.join"))
        return;
    int users = 0;
    for (trtc_sess *ts = c->sessions; ts; ts = ts->next)
        if (!strcmp(pl_session_room(ts->s), t->room) && pl_session_is_open(ts->s) && !ts->bot[0]) {
            bot_enter(t, ts);
            users++;
        }
    t->no_user_since_us = users ? 0 : pl_clock_mono_us();
    callback_fire(c, t, 909, cJSON_CreateObject());
    if (users && t->welcome && *t->welcome && behaviour(c, t->room, "welcome")) {
        round_begin(t);
        speak(t, t->welcome);
    }
}

/* MaxIdleTime: no user in the room for that long → 902 LeaveCode 99. */
static void cloud_tick(lws_sorted_usec_list_t *sul)
{
    trtc_cloud *c = lws_container_of(sul, trtc_cloud, tick);
    int64_t now = pl_clock_mono_us();
    for (trtc_task *t = c->tasks, *next; t; t = next) {
        next = t->next;
        if (t->state == TASK_INPROGRESS && t->no_user_since_us &&
            now - t->no_user_since_us >= (int64_t)t->max_idle_s * 1000000 &&
            behaviour(c, t->room, "idle.stop"))
            task_end(t, 99);
    }
    lws_sul_schedule(c->ctx, 0, &c->tick, cloud_tick, 1000000);
}

/* ---- session side → cloud ----------------------------------------------------------------- */

static trtc_task *room_task(trtc_cloud *c, const char *room)
{
    trtc_task *found = NULL;
    for (trtc_task *t = c->tasks; t; t = t->next)
        if (!strcmp(t->room, room) && t->state != TASK_STOPPED)
            found = t;
    return found;
}

void trtc_cloud_attach(trtc_cloud *c, trtc_sess *ts)
{
    ts->next = c->sessions;
    c->sessions = ts;
    trtc_task *t = room_task(c, pl_session_room(ts->s));
    if (t && t->state == TASK_INPROGRESS && behaviour(c, t->room, "bot.join")) {
        t->no_user_since_us = 0;
        bot_enter(t, ts);
    }
}

void trtc_cloud_detach(trtc_cloud *c, trtc_sess *ts)
{
    for (trtc_sess **pp = &c->sessions; *pp; pp = &(*pp)->next)
        if (*pp == ts) {
            *pp = ts->next;
            break;
        }
    trtc_task *t = room_task(c, pl_session_room(ts->s));
    if (t && !room_sess(c, t->room))
        t->no_user_since_us = pl_clock_mono_us();
}

void trtc_cloud_user_text(trtc_cloud *c, trtc_sess *ts, const char *text)
{
    trtc_task *t = room_task(c, pl_session_room(ts->s));
    if (t)
        user_turn(t, text, 0, 0);
}

void trtc_cloud_user_interrupt(trtc_cloud *c, trtc_sess *ts)
{
    trtc_task *t = room_task(c, pl_session_room(ts->s));
    if (t && t->state == TASK_INPROGRESS)
        interrupt(t, 1);
}

int trtc_cloud_act(trtc_cloud *c, trtc_sess *ts, const char *name, const cJSON *args, char *err,
                   size_t errlen)
{
    if (!strcmp(name, "callback_url")) {
        const char *u = pl_json_str(args, "url", NULL);
        if (!u || (strncmp(u, "http://", 7) && strncmp(u, "https://", 8))) {
            snprintf(err, errlen, "callback_url needs args.url, an http(s) URL");
            return -1;
        }
        snprintf(ts->callback_url, sizeof ts->callback_url, "%s", u);
        return 0;
    }
    trtc_task *t = room_task(c, pl_session_room(ts->s));
    if (!t) {
        snprintf(err, errlen, "no live task in room %s (StartAIConversation first)",
                 pl_session_room(ts->s));
        return -1;
    }
    if (!strcmp(name, "leave")) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(args, "code");
        static const int codes[] = {0, 1, 2, 3, 4, 98, 99};
        int ok = 0;
        for (size_t i = 0; cJSON_IsNumber(code) && i < 7; i++)
            ok |= code->valuedouble == codes[i];
        if (!ok) {
            snprintf(err, errlen, "leave needs args.code, one of 0, 1, 2, 3, 4, 98, 99");
            return -1;
        }
        task_end(t, code->valueint);
        return 0;
    }
    const char *text = pl_json_str(args, "text", NULL);
    if ((!strcmp(name, "say") || !strcmp(name, "speak")) && !text) {
        snprintf(err, errlen, "%s needs args.text", name);
        return -1;
    }
    if (t->state != TASK_INPROGRESS && strcmp(name, "start_failed")) {
        snprintf(err, errlen, "the task in room %s is not in progress", t->room);
        return -1;
    }
    if (!strcmp(name, "say")) {
        user_turn(t, text, 1, 0);
    } else if (!strcmp(name, "speak")) {
        if (t->speech != ST_LISTENING)
            interrupt(t, 0);
        round_begin(t);
        speak(t, text);
    } else if (!strcmp(name, "error")) {
        send_error(t, pl_json_str(args, "metric", "llm_error"), (int)num(args, "code", 30202),
                   pl_json_str(args, "message", "scripted error"));
    } else if (!strcmp(name, "start_failed")) {
        callback_simple(t, 901, "Status", 1);
        task_end(t, 98);
    } else {
        snprintf(err, errlen,
                 "unknown act '%s' (trtc: leave, say, speak, error, start_failed, callback_url)",
                 name);
        return -1;
    }
    return 0;
}

/* ---- the cloud API ------------------------------------------------------------------------- */

typedef struct {
    trtc_cloud *c;
    const pl_server_http_req *req;
    char request_id[37];
    char action[64];
    char room[128]; /* where the exchange is judged ("" when unknown) */
    cJSON *body;
} api_call;

/* The vendor's error answer (§1.4): HTTP 200, Response.Error {Code, Message}. */
static cJSON *api_error(api_call *a, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static cJSON *api_error(api_call *a, const char *code, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *r = cJSON_CreateObject();
    cJSON *resp = cJSON_AddObjectToObject(r, "Response");
    cJSON *e = cJSON_AddObjectToObject(resp, "Error");
    cJSON_AddStringToObject(e, "Code", code);
    cJSON_AddStringToObject(e, "Message", msg);
    cJSON_AddStringToObject(resp, "RequestId", a->request_id);
    return r;
}

static cJSON *api_ok(api_call *a, cJSON **resp)
{
    cJSON *r = cJSON_CreateObject();
    *resp = cJSON_AddObjectToObject(r, "Response");
    return r;
}

static int header(const api_call *a, const char *name, char *out, size_t n)
{
    return pl_cloud_header(a->req, name, out, n);
}

/* The secret key of a SecretId from the profile's credentials (default: the built-in pair). */
static const char *secret_key(const trtc_cloud *c, const char *id)
{
    const cJSON *creds =
        cJSON_GetObjectItemCaseSensitive(pl_profile_section(c->p, TRTC_DIALECT), "credentials");
    if (!creds)
        return !strcmp(id, "AKIDparleyEXAMPLE") ? "parleySecretKeyEXAMPLE" : NULL;
    const cJSON *cr;
    cJSON_ArrayForEach(cr, creds)
    {
        if (!strcmp(pl_json_str(cr, "secret_id", ""), id))
            return pl_json_str(cr, "secret_key", NULL);
    }
    return NULL;
}

/* TC3-HMAC-SHA256 (§1.3). NULL when it holds, else the error answer (and a finding). */
static cJSON *api_auth(api_call *a)
{
    trtc_cloud *c = a->c;
    char authz[2048], ts[32], err[256];
    if (header(a, "authorization", authz, sizeof authz) <= 0) {
        findingf(c, a->room, "trtc.api.auth", "%s without an Authorization header", a->action);
        return api_error(a, "AuthFailure.InvalidAuthorization", "Authorization header is missing.");
    }
    pl_tc3_auth au;
    if (pl_tc3_parse(authz, &au, err, sizeof err)) {
        findingf(c, a->room, "trtc.api.auth", "%s: %s", a->action, err);
        return api_error(a, "AuthFailure.InvalidAuthorization", "Authorization is malformed: %s.",
                         err);
    }
    header(a, "x-tc-timestamp", ts, sizeof ts);
    char *end = NULL;
    long long t = strtoll(ts, &end, 10);
    long long now = wall_ms() / 1000;
    if (!ts[0] || *end || llabs(now - t) > TRTC_SKEW_S) {
        findingf(c, a->room, "trtc.api.signature_expired",
                 "%s: X-TC-Timestamp \"%s\" is %s (server time %lld, window ±%d s)", a->action, ts,
                 !ts[0] || *end ? "not a Unix time" : "outside the window", now, TRTC_SKEW_S);
        return api_error(a, "AuthFailure.SignatureExpire",
                         "Signature expired. Timestamp is %s, server time %lld.",
                         ts[0] ? ts : "missing", now);
    }
    const char *key = secret_key(c, au.secret_id);
    if (!key) {
        findingf(c, a->room, "trtc.api.secret_id",
                 "%s: SecretId %s is not one of the profile's credentials", a->action,
                 au.secret_id);
        return api_error(a, "AuthFailure.SecretIdNotFound",
                         "The SecretId is not found, please ensure that your SecretId is correct.");
    }
    char date[16];
    pl_sign_utc_date(t, date);
    const char *why = NULL;
    char sig[65];
    /* The service is taken from the scope as signed: an SDK pointed at 127.0.0.1:PORT derives
     * it from the endpoint's first label ("127") and signs the host without the port
     * (tencentcloud-sdk-nodejs 4.1); both are accepted so SDKs work unchanged. */
    if (strcmp(au.date, date))
        why = "the credential date is not the UTC date of X-TC-Timestamp";
    else if (!strstr(au.signed_headers, "content-type") || !strstr(au.signed_headers, "host"))
        why = "SignedHeaders must include content-type and host";
    else {
        char unsigned_payload[32];
        int unsign =
            header(a, "x-tc-content-sha256", unsigned_payload, sizeof unsigned_payload) > 0 &&
            !strcmp(unsigned_payload, "UNSIGNED-PAYLOAD");
        int rc = -1, ok = 0;
        pl_cloud_sig sg = {a->req, 0};
        for (; sg.host_without_port < 2 && !ok; sg.host_without_port++) {
            rc = pl_tc3_signature(key, au.service, au.date, ts, a->req->method, a->req->query,
                                  au.signed_headers, pl_cloud_sig_header, &sg,
                                  unsign ? "UNSIGNED-PAYLOAD" : a->req->body,
                                  unsign ? 16 : a->req->body_len, sig, err, sizeof err);
            ok = !rc && pl_crypto_equal(sig, 64, au.signature, strlen(au.signature));
            if (rc)
                break;
        }
        if (rc)
            why = err;
        else if (!ok)
            why = "the signature does not match (check SecretKey, Content-Type as sent, the body "
                  "bytes)";
    }
    if (why) {
        findingf(c, a->room, "trtc.api.signature", "%s signed by %s: %s", a->action, au.secret_id,
                 why);
        return api_error(a, "AuthFailure.SignatureFailure",
                         "The provided credentials could not be validated. Please check your "
                         "signature is correct.");
    }
    return NULL;
}

/* The body against schemas/trtc/<kind>.json, answered the way the API gateway words it. */
static cJSON *api_schema(api_call *a, const char *kind, const cJSON *v, const char *prefix)
{
    pl_cloud_param e;
    if (!pl_cloud_schema_error(a->c->srv, kind, v, prefix, &e))
        return NULL;
    cJSON *r;
    if (e.missing && e.param[0])
        r = api_error(a, "MissingParameter", "The request is missing a required parameter `%s`.",
                      e.param);
    else if (e.missing)
        r = api_error(a, "MissingParameter", "The request is missing a required parameter: %s",
                      e.what);
    else if (e.keyword_additional)
        r = api_error(a, "UnknownParameter", "The parameter is not recognized: %s", e.what);
    else if (e.keyword_type)
        r = api_error(a, "InvalidParameter", "The value type of parameter `%s` is wrong: %s",
                      e.param, e.what);
    else
        r = api_error(a, "InvalidParameterValue", "The value of parameter `%s` is invalid: %s",
                      e.param, e.what);
    pl_cloud_param_free(&e);
    return r;
}

/* LLMConfig / TTSConfig: a string holding JSON, checked against its schema (§1.6.1–1.6.2). */
static cJSON *api_config(api_call *a, const char *name, cJSON **out)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(a->body, name);
    *out = NULL;
    if (!s)
        return NULL;
    cJSON *v = cJSON_IsString(s) ? cJSON_Parse(s->valuestring) : NULL;
    if (!cJSON_IsObject(v)) {
        cJSON_Delete(v);
        findingf(a->c, a->room, "trtc.api.config", "%s: %s must be a string holding a JSON object",
                 a->action, name);
        return api_error(a, "InvalidParameter", "%s is not a valid JSON string.", name);
    }
    char kind[32];
    snprintf(kind, sizeof kind, "trtc.%s", name);
    cJSON *err = api_schema(a, kind, v, name);
    if (err) {
        findingf(a->c, a->room, "trtc.api.config", "%s: %s: %s", a->action, name,
                 pl_json_str(pl_json_pointer(err, "/Response/Error"), "Message", ""));
        cJSON_Delete(v);
        return err;
    }
    *out = v;
    return NULL;
}

static void task_id_new(trtc_cloud *c, char out[96])
{
    char rnd[33];
    pl_crypto_random_hex(rnd, 16);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char day[16];
    strftime(day, sizeof day, "%Y%m%d", &tm);
    snprintf(out, 96, "v2_%s_parley%llu_%s", day, ++c->seq, rnd);
}

static cJSON *api_start(api_call *a)
{
    trtc_cloud *c = a->c;
    const cJSON *b = a->body;
    const cJSON *ac = cJSON_GetObjectItemCaseSensitive(b, "AgentConfig");
    for (const char *const *k = (const char *const[]){"LLMConfig", "TTSConfig", NULL}; *k; k++)
        if (!cJSON_HasObjectItem(b, *k))
            return api_error(a, "MissingParameter",
                             "The request is missing a required parameter `%s`.", *k);
    const cJSON *ids =
        cJSON_GetObjectItemCaseSensitive(pl_profile_section(c->p, TRTC_DIALECT), "sdk_app_ids");
    double app = num(b, "SdkAppId", 0);
    if (cJSON_IsArray(ids)) {
        int ok = 0;
        const cJSON *i;
        cJSON_ArrayForEach(i, ids) ok |= cJSON_IsNumber(i) && i->valuedouble == app;
        if (!ok)
            return api_error(a, "InvalidParameterValue",
                             "SdkAppId %.0f is not an application of this account.", app);
    }
    if (!pl_json_str(ac, "UserSig", "")[0])
        return api_error(a, "InvalidParameter.UserSig", "UserSig过期或错误 (UserSig is empty).");
    const char *sid = pl_json_str(b, "SessionId", "");
    const char *bot = pl_json_str(ac, "UserId", "");
    for (trtc_task *t = c->tasks; t; t = t->next)
        if (t->state != TASK_STOPPED && sid[0] && !strcmp(t->session_id, sid)) {
            findingf(c, a->room, "trtc.api.task_exist",
                     "StartAIConversation with SessionId %s while task %s lives", sid, t->id);
            return api_error(a, "FailedOperation.TaskExist", "任务已存在 (SessionId %s: task %s).",
                             sid, t->id);
        }
    size_t max = (size_t)pl_profile_number(c->p, TRTC_DIALECT, "max_tasks", 1000);
    if (c->ntasks >= max)
        return api_error(a, "ResourceInsufficient.RequestRejection", "资源不足 (%zu tasks).",
                         c->ntasks);
    cJSON *llm = NULL, *tts = NULL, *e;
    if ((e = api_config(a, "LLMConfig", &llm)))
        return e;
    if ((e = api_config(a, "TTSConfig", &tts))) {
        cJSON_Delete(llm);
        return e;
    }
    /* "机器人的UserId也不能相互重复，否则会中断前一个任务": the same bot in the same room. */
    for (trtc_task *t = c->tasks; t; t = t->next)
        if (t->state != TASK_STOPPED && !strcmp(t->room, a->room) && !strcmp(t->bot, bot))
            task_end(t, 3);
    trtc_task *t = pl_xcalloc(1, sizeof *t);
    t->c = c;
    task_id_new(c, t->id);
    snprintf(t->session_id, sizeof t->session_id, "%s", sid);
    snprintf(t->room, sizeof t->room, "%s", a->room);
    snprintf(t->bot, sizeof t->bot, "%s", bot);
    snprintf(t->target, sizeof t->target, "%s", pl_json_str(ac, "TargetUserId", ""));
    t->sdk_app_id = app;
    t->room_id_type = (int)num(b, "RoomIdType", 0);
    t->llm = llm;
    t->tts = tts;
    t->history = cJSON_CreateArray();
    const char *w = pl_json_str(ac, "WelcomeMessage", NULL);
    t->welcome = w ? pl_xstrdup(w) : NULL;
    t->interrupt_mode = (int)num(ac, "InterruptMode", 0);
    t->max_idle_s = (int)num(ac, "MaxIdleTime", 60);
    t->state = TASK_PREPARING;
    t->speech = ST_LISTENING;
    t->t0_us = t->t_round_us = pl_clock_mono_us();
    /* StartTime as the CLI example shows it: "2025-04-24 16:15:48.076648", Beijing time. */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    time_t bj = now.tv_sec + 8 * 3600;
    struct tm tm;
    gmtime_r(&bj, &tm);
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(t->start_time, sizeof t->start_time, "%s.%06ld", base, now.tv_nsec / 1000);
    t->next = c->tasks;
    c->tasks = t;
    c->ntasks++;
    lws_sul_schedule(c->ctx, 0, &t->sul_life, task_join, timing(c, "join", 300));
    cJSON *resp, *r = api_ok(a, &resp);
    cJSON_AddStringToObject(resp, "TaskId", t->id);
    return r;
}

/* TaskId → live task, or the error answer. */
static trtc_task *api_task(api_call *a, cJSON **err)
{
    const char *id = pl_json_str(a->body, "TaskId", NULL);
    *err = NULL;
    if (!id || !id[0]) {
        *err = api_error(a, "InvalidParameter.TaskId", "TaskId 参数错误 (empty).");
        return NULL;
    }
    trtc_task *t = task_find(a->c, id);
    if (!t || (t->state == TASK_STOPPED && strcmp(a->action, "DescribeAIConversation"))) {
        findingf(a->c, a->room, "trtc.api.task_not_exist", "%s for task %s, which %s", a->action,
                 id, t ? "has stopped" : "does not exist");
        *err = api_error(a, "FailedOperation.TaskNotExist", "任务不存在或已结束 (TaskId %s).", id);
        return NULL;
    }
    return t;
}

static cJSON *api_stop(api_call *a, trtc_task *t)
{
    task_end(t, 0);
    cJSON *resp;
    return api_ok(a, &resp);
}

static cJSON *api_describe(api_call *a)
{
    trtc_task *t = NULL;
    cJSON *err = NULL;
    const char *sid = pl_json_str(a->body, "SessionId", "");
    if (!pl_json_str(a->body, "TaskId", "")[0] && sid[0]) {
        for (trtc_task *x = a->c->tasks; x; x = x->next)
            if (!strcmp(x->session_id, sid))
                t = x;
        if (!t)
            return api_error(a, "FailedOperation.TaskNotExist",
                             "任务不存在或已结束 (SessionId %s).", sid);
    } else if (!(t = api_task(a, &err))) {
        return err;
    }
    static const char *const names[] = {"Preparing", "InProgress", "Stopped"};
    cJSON *resp, *r = api_ok(a, &resp);
    cJSON_AddStringToObject(resp, "StartTime", t->start_time);
    cJSON_AddStringToObject(resp, "Status", names[t->state]);
    cJSON_AddStringToObject(resp, "TaskId", t->id);
    if (t->session_id[0])
        cJSON_AddStringToObject(resp, "SessionId", t->session_id);
    return r;
}

static cJSON *api_control(api_call *a, trtc_task *t)
{
    const char *cmd = pl_json_str(a->body, "Command", "");
    const cJSON *push = cJSON_GetObjectItemCaseSensitive(a->body, "ServerPushText");
    const cJSON *inv = cJSON_GetObjectItemCaseSensitive(a->body, "InvokeLLM");
    if (!strcmp(cmd, "ServerPushText")) {
        if (!push)
            return api_error(a, "MissingParameter",
                             "The request is missing a required parameter `ServerPushText`.");
        if (t->state == TASK_INPROGRESS) {
            int busy = t->speech != ST_LISTENING;
            int intr = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(push, "Interrupt"));
            if (!busy || intr) {
                if (busy)
                    interrupt(t, 0);
                t->stop_after_play =
                    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(push, "StopAfterPlay"));
                round_begin(t);
                speak(t, pl_json_str(push, "Text", ""));
            } /* busy and not interrupting: DropMode 0 drops it (queueing is not modelled) */
        }
    } else if (!strcmp(cmd, "InvokeLLM")) {
        if (!inv)
            return api_error(a, "MissingParameter",
                             "The request is missing a required parameter `InvokeLLM`.");
        if (t->state == TASK_INPROGRESS) {
            if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(inv, "Interrupt")) &&
                t->speech != ST_LISTENING)
                interrupt(t, 0);
            if (t->speech == ST_LISTENING)
                user_turn(t, pl_json_str(inv, "Content", ""), 0, 1);
        }
    } else {
        return api_error(a, "InvalidParameterValue",
                         "Command must be ServerPushText or InvokeLLM (got \"%s\").", cmd);
    }
    cJSON *resp;
    return api_ok(a, &resp);
}

static cJSON *api_update(api_call *a, trtc_task *t)
{
    cJSON *llm = NULL, *tts = NULL, *e;
    if ((e = api_config(a, "LLMConfig", &llm)))
        return e;
    if ((e = api_config(a, "TTSConfig", &tts))) {
        cJSON_Delete(llm);
        return e;
    }
    if (llm) {
        cJSON_Delete(t->llm);
        t->llm = llm;
    }
    if (tts) {
        cJSON_Delete(t->tts);
        t->tts = tts;
    }
    const char *w = pl_json_str(a->body, "WelcomeMessage", NULL);
    if (w) {
        free(t->welcome);
        t->welcome = pl_xstrdup(w);
    }
    t->interrupt_mode = (int)num(a->body, "InterruptMode", t->interrupt_mode);
    cJSON *resp;
    return api_ok(a, &resp);
}

static const char *const api_actions[] = {"StartAIConversation",    "StopAIConversation",
                                          "DescribeAIConversation", "ControlAIConversation",
                                          "UpdateAIConversation",   NULL};

static cJSON *api_dispatch(api_call *a)
{
    cJSON *r;
    if ((r = api_auth(a)))
        return r;
    char version[32];
    header(a, "x-tc-version", version, sizeof version);
    if (strcmp(version, TRTC_VERSION)) {
        findingf(a->c, a->room, "trtc.api.version", "%s with X-TC-Version \"%s\" (trtc is %s)",
                 a->action, version, TRTC_VERSION);
        return api_error(a, "NoSuchVersion", "The API version `%s` does not exist.", version);
    }
    if (!cJSON_IsObject(a->body)) {
        findingf(a->c, a->room, "trtc.api.params", "%s: the body is not a JSON object", a->action);
        return api_error(a, "InvalidParameter", "The request body is not a JSON object.");
    }
    char kind[96];
    snprintf(kind, sizeof kind, "trtc.api.%s", a->action);
    if ((r = api_schema(a, kind, a->body, ""))) {
        findingf(a->c, a->room, "trtc.api.params", "%s: %s", a->action,
                 pl_json_str(pl_json_pointer(r, "/Response/Error"), "Message", ""));
        return r;
    }
    if (!strcmp(a->action, "StartAIConversation"))
        return api_start(a);
    if (!strcmp(a->action, "DescribeAIConversation"))
        return api_describe(a);
    cJSON *err = NULL;
    trtc_task *t = api_task(a, &err);
    if (!t)
        return err;
    if (!strcmp(a->action, "StopAIConversation"))
        return api_stop(a, t);
    if (!strcmp(a->action, "ControlAIConversation"))
        return api_control(a, t);
    return api_update(a, t);
}

/* The room an API call belongs to: Start's RoomId, or the room of the task it names. */
static void api_room(api_call *a)
{
    const char *room = pl_json_str(a->body, "RoomId", NULL);
    const char *id = pl_json_str(a->body, "TaskId", NULL);
    trtc_task *t = id ? task_find(a->c, id) : NULL;
    if (!room && !t && !strcmp(a->action, "DescribeAIConversation")) {
        const char *sid = pl_json_str(a->body, "SessionId", "");
        for (trtc_task *x = a->c->tasks; x && sid[0]; x = x->next)
            if (!strcmp(x->session_id, sid))
                t = x;
    }
    snprintf(a->room, sizeof a->room, "%s", room ? room : t ? t->room : "");
}

int trtc_cloud_http(void *cloud, const pl_server_http_req *req, int *status, char **body,
                    const char **content_type)
{
    trtc_cloud *c = cloud;
    api_call a = {.c = c, .req = req};
    if (header(&a, "x-tc-action", a.action, sizeof a.action) < 0 || strcmp(req->path, "/"))
        return 0; /* not a TencentCloud API request */
    pl_crypto_uuid4(a.request_id);
    a.body = cJSON_ParseWithLength(req->body ? req->body : "", req->body_len);
    api_room(&a);
    const char *room = a.room[0] ? a.room : NULL;
    int known = 0;
    for (const char *const *p = api_actions; *p; p++)
        known |= !strcmp(*p, a.action);
    char kind[96];
    snprintf(kind, sizeof kind, "trtc.api.%s", known ? a.action : "unknown");
    judge(c, room, PL_DIR_C2A, kind, a.body, req->body ? req->body : "", req->body_len);
    cJSON *r;
    if (strcmp(req->method, "POST")) {
        r = api_error(&a, "UnsupportedProtocol",
                      "parley serves the trtc API as POST with a JSON body (got %s).", req->method);
    } else if (!known) {
        findingf(c, room, "trtc.api.action", "X-TC-Action \"%s\" is not an AI conversation API",
                 a.action);
        r = api_error(&a, "InvalidAction", "The action `%s` is not found.", a.action);
    } else {
        r = api_dispatch(&a);
    }
    cJSON *resp = cJSON_GetObjectItemCaseSensitive(r, "Response");
    if (cJSON_HasObjectItem(resp, "Error")) {
        snprintf(kind, sizeof kind, "trtc.api.error");
    } else {
        cJSON_AddStringToObject(resp, "RequestId", a.request_id);
        snprintf(kind, sizeof kind, "trtc.api.%s.response", a.action);
    }
    *body = cJSON_PrintUnformatted(r);
    judge(c, room, PL_DIR_A2C, kind, r, *body, strlen(*body));
    cJSON_Delete(r);
    cJSON_Delete(a.body);
    *status = 200; /* API errors travel in Response.Error with HTTP 200 (§1.4) */
    *content_type = "application/json";
    return 1;
}

/* ---- life of the cloud --------------------------------------------------------------------- */

void *trtc_cloud_new(pl_server *srv)
{
    trtc_cloud *c = pl_xcalloc(1, sizeof *c);
    c->srv = srv;
    c->ctx = pl_server_context(srv);
    c->p = pl_server_profile(srv);
    lws_sul_schedule(c->ctx, 0, &c->tick, cloud_tick, 1000000);
    return c;
}

void trtc_cloud_free(void *cloud)
{
    trtc_cloud *c = cloud;
    if (!c)
        return;
    lws_sul_cancel(&c->tick);
    while (c->tasks)
        task_free(c->tasks);
    while (c->cbs)
        cb_free(c->cbs);
    for (trtc_http *h = c->pending; h; h = h->next)
        h->c = NULL; /* freed when lws ends the request */
    for (trtc_sess *ts = c->sessions; ts; ts = ts->next)
        ts->cloud = NULL;
    free(c);
}
