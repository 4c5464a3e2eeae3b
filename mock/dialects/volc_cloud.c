/* volc_cloud.c — the Volcengine RTC AIGC dialect, server side (protocols/volc.md §1, §2.8, §3.1).
 *
 * One volc_cloud per server (pl_dialect.cloud_new). It serves the OpenAPI at
 * POST /?Action=StartVoiceChat|UpdateVoiceChat|StopVoiceChat&Version=2024-06-01|2024-12-01|
 * 2025-06-01: the V4 HMAC-SHA256 signature (core/pl_sign.c) is verified against the
 * profile's credentials over whatever SignedHeaders the client chose (the Python demo's and
 * the Node Signer's sets), with an X-Date window and a constant-time compare; JSON keys that
 * differ from the documented spelling only in case are renamed (and reported, should), the
 * body is checked against schemas/volc/api.*.json and the answer uses the gateway envelope
 * (ResponseMetadata + Result "ok", or ResponseMetadata.Error {CodeN, Code, Message}).
 *
 * Start creates a task keyed by (AppId, RoomId, TaskId); its bot joins the room (the
 * room-bridge sessions of volc.c), speaks the welcome and answers turns with conv states,
 * subv subtitles and tool calls as TLV room messages, and POSTs them to the configured
 * server-message URLs. Update drives it (interrupt, ExternalTextToSpeech/ToLLM, function,
 * FinishSpeechRecognition), Stop ends it. Every request, answer and server message is judged
 * in the room's session (pl_session_judge_json) under its kind (docs/dev/volc-spec.md); with
 * no session in the room it goes to the trace. Nothing blocks: HTTP goes through
 * pl_http_client, timers are lws_sul on the server's loop; tasks are bounded (max_tasks). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libwebsockets.h>

#include "core/pl_buf.h"
#include "core/pl_clock.h"
#include "core/pl_crypto.h"
#include "core/pl_json.h"
#include "core/pl_log.h"
#include "core/pl_sign.h"
#include "mock/dialects/volc_int.h"
#include "mock/pl_cloud.h"
#include "mock/pl_http_client.h"
#include "mock/pl_server.h"

#define MS_US(ms) ((int64_t)(ms)*1000)

enum { STAGE_LISTENING = 1, STAGE_THINKING, STAGE_ANSWERING, STAGE_INTERRUPTED, STAGE_FINISHED };

typedef struct volc_task volc_task;
typedef struct volc_http volc_http;

/* A server message on its way (§3.1); the answer is judged in the task's room. */
struct volc_http {
    volc_cloud *c; /* NULL when the cloud is gone: the answer is dropped */
    volc_http *next;
    char room[128], url[512], magic[5];
    int64_t t0_us;
};

typedef struct {
    char url[512], sig[256];
} volc_endpoint;

struct volc_task {
    volc_cloud *c;
    volc_task *next;
    char app[128], room[128], id[128], bot[128], target[128], version[32];
    int legacy, joined, welcomed;
    int conv_on, subv_on, turn_manual, idle_s;
    char *welcome;
    cJSON *tools; /* Config.LLMConfig.Tools as sent, or NULL */
    volc_endpoint rts, subtitle, function;
    int64_t no_user_since_us; /* 0 while a user is in the room */
    int stage;                /* STAGE_* */
    long long round;
    int seq;
    char *reply, *queued, *pending_user; /* being spoken; ExternalTextToSpeech mode 2; manual turn */
    int queued_llm;
    char tool_id[64];
    lws_sorted_usec_list_t sul_life, sul_round, sul_func;
};

struct volc_cloud {
    pl_server *srv;
    struct lws_context *ctx;
    const pl_profile *p;
    volc_task *tasks;
    size_t ntasks;
    volc_sess *sessions;
    volc_http *pending;
    lws_sorted_usec_list_t tick;
};

/* ---- helpers ------------------------------------------------------------------------- */

static double num(const cJSON *o, const char *key, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static int64_t timing(const volc_cloud *c, const char *key, int64_t dflt_ms)
{
    return pl_profile_duration(c->p, VOLC_DIALECT, key, MS_US(dflt_ms));
}

static long long wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The newest open session of a room that parley is not closing (see trtc_cloud.c). */
static volc_sess *room_sess(const volc_cloud *c, const char *room)
{
    volc_sess *found = NULL;
    for (volc_sess *vs = c->sessions; vs; vs = vs->next)
        if (!strcmp(pl_session_room(vs->s), room) && pl_session_is_open(vs->s) &&
            !pl_session_is_closing(vs->s))
            found = vs;
    return found;
}

static int behaviour(const volc_cloud *c, const char *room, const char *name)
{
    volc_sess *vs = room ? room_sess(c, room) : NULL;
    if (vs)
        return pl_session_behaviour(vs->s, name);
    const pl_behaviour_info *b = pl_dialect_behaviour(pl_dialect_find(VOLC_DIALECT), name);
    return pl_profile_behaviour(c->p, VOLC_DIALECT, name, b ? b->default_on : 0);
}

/* Judges an exchange of the room: in its session when there is one, else into the trace. */
static void judge(volc_cloud *c, const char *room, pl_dir dir, const char *kind, const cJSON *msg,
                  const void *raw, size_t len)
{
    volc_sess *vs = room && room[0] ? room_sess(c, room) : NULL;
    if (vs) {
        pl_session_judge_json(vs->s, dir, kind, msg, raw, len);
        return;
    }
    pl_cloud_trace_exchange(c->srv, VOLC_DIALECT, dir, kind, room, msg);
}

/* A finding of the cloud: level and source from the rules catalog (volc_rules.c). */
static void emit_to(volc_cloud *c, const char *room, const pl_finding *f)
{
    volc_sess *vs = room && room[0] ? room_sess(c, room) : NULL;
    if (vs) {
        pl_session_finding(vs->s, f);
        return;
    }
    pl_cloud_trace_finding(c->srv, VOLC_DIALECT, f);
}

static void findingf(volc_cloud *c, const char *room, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void findingf(volc_cloud *c, const char *room, const char *rule, const char *fmt, ...)
{
    const pl_rule_info *ri = pl_volc_rule(rule);
    pl_finding f = {.rule = rule,
                    .level = ri ? ri->level : PL_LEVEL_MUST,
                    .source = ri ? ri->source : "docs/rules-volc.md"};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f.message, sizeof f.message, fmt, ap);
    va_end(ap);
    emit_to(c, room, &f);
}

typedef struct {
    volc_cloud *c;
    const char *room;
} emit_ctx;

static void emit_finding(void *user, const pl_finding *f)
{
    emit_ctx *e = user;
    emit_to(e->c, e->room, f);
}

static volc_task *room_task(const volc_cloud *c, const char *room)
{
    volc_task *found = NULL;
    for (volc_task *t = c->tasks; t; t = t->next)
        if (!strcmp(t->room, room))
            found = t;
    return found;
}

/* ---- server messages (§3.1) ----------------------------------------------------------- */

static void http_unlink(volc_cloud *c, volc_http *h)
{
    for (volc_http **pp = &c->pending; *pp; pp = &(*pp)->next)
        if (*pp == h) {
            *pp = h->next;
            return;
        }
}

static void post_done(void *user, int status, const char *body, size_t len, const char *error)
{
    volc_http *h = user;
    if (h->c) {
        http_unlink(h->c, h);
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "url", h->url);
        cJSON_AddStringToObject(a, "magic", h->magic);
        cJSON_AddNumberToObject(a, "status", status);
        char *b = pl_xstrndup(body ? body : "", len > 4096 ? 4096 : len);
        cJSON_AddStringToObject(a, "body", b);
        free(b);
        cJSON_AddNumberToObject(a, "ms", (double)((pl_clock_mono_us() - h->t0_us) / 1000));
        if (error)
            cJSON_AddStringToObject(a, "error", error);
        judge(h->c, h->room, PL_DIR_C2A, "volc.callback.answer", a, NULL, 0);
        cJSON_Delete(a);
    }
    free(h);
}

/* POST {"message": base64(TLV), "signature": S} to an endpoint (value is borrowed). */
static void post_message(volc_task *t, const volc_endpoint *ep, const char *magic,
                         const cJSON *value)
{
    volc_cloud *c = t->c;
    if (!ep->url[0] || !behaviour(c, t->room, "server_messages"))
        return;
    char *json = cJSON_PrintUnformatted(value);
    size_t n;
    unsigned char *tlv = volc_tlv_build(magic, json, strlen(json), &n);
    char *b64 = pl_crypto_base64_encode(tlv, n);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "message", b64);
    cJSON_AddStringToObject(body, "signature", ep->sig);
    char *text = cJSON_PrintUnformatted(body);
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "url", ep->url);
    cJSON_AddItemToObject(rec, "body", body);
    cJSON_AddStringToObject(rec, "magic", magic);
    cJSON_AddItemToObject(rec, "value", cJSON_Duplicate(value, 1));
    judge(c, t->room, PL_DIR_A2C, "volc.callback.message", rec, NULL, 0);
    cJSON_Delete(rec);
    volc_http *h = pl_xcalloc(1, sizeof *h);
    h->c = c;
    h->t0_us = pl_clock_mono_us();
    snprintf(h->room, sizeof h->room, "%s", t->room);
    snprintf(h->url, sizeof h->url, "%s", ep->url);
    snprintf(h->magic, sizeof h->magic, "%.4s", magic);
    h->next = c->pending;
    c->pending = h;
    pl_http_request req = {.method = "POST",
                           .url = ep->url,
                           .content_type = "application/json",
                           .body = text,
                           .body_len = strlen(text),
                           .insecure = 1,
                           .done = post_done,
                           .user = h,
                           .timeout_us = timing(c, "callback_timeout", 5000)};
    char err[256];
    if (pl_http_client_start(c->ctx, &req, err, sizeof err))
        post_done(h, -1, NULL, 0, err);
    free(text);
    free(b64);
    free(tlv);
    free(json);
}

/* ---- room messages ------------------------------------------------------------------- */

/* Sends a TLV {magic, value (taken)} to every user of the task's room who sees its bot. */
static void room_send(volc_task *t, const char *magic, cJSON *value)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "magic", magic);
    cJSON_AddItemToObject(m, "value", value);
    volc_tlv_add_length(m);
    for (volc_sess *vs = t->c->sessions; vs; vs = vs->next)
        if (!strcmp(pl_session_room(vs->s), t->room) && !strcmp(vs->bot, t->bot))
            pl_session_send(vs->s, t->bot, m);
    cJSON_Delete(m);
}

static void room_event(volc_task *t, const char *event)
{
    for (volc_sess *vs = t->c->sessions; vs; vs = vs->next)
        if (!strcmp(pl_session_room(vs->s), t->room) && !strcmp(vs->bot, t->bot))
            volc_sess_event(vs, event, t->bot, NULL, NULL);
}

static void send_conv(volc_task *t, int code)
{
    static const char *const names[] = {"", "listening", "thinking", "answering", "interrupted",
                                        "answerFinish"};
    t->stage = code == STAGE_INTERRUPTED || code == STAGE_FINISHED ? STAGE_LISTENING : code;
    if (!t->conv_on)
        return;
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "TaskId", t->id);
    cJSON_AddStringToObject(v, "UserID", t->bot);
    cJSON_AddNumberToObject(v, "RoundID", (double)t->round);
    cJSON_AddNumberToObject(v, "EventTime", (double)wall_ms());
    cJSON *st = cJSON_AddObjectToObject(v, "Stage");
    cJSON_AddNumberToObject(st, "Code", code);
    cJSON_AddStringToObject(st, "Description", code >= 1 && code <= 5 ? names[code] : "");
    post_message(t, &t->rts, "conv", v);
    room_send(t, "conv", v);
}

static void send_subv(volc_task *t, const char *user, const char *text, int definite,
                      int paragraph)
{
    if (!t->subv_on || !behaviour(t->c, t->room, "subtitles"))
        return;
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "type", "subtitle");
    cJSON *data = cJSON_AddArrayToObject(v, "data");
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "text", text);
    cJSON_AddStringToObject(d, "language", "zh");
    cJSON_AddStringToObject(d, "userId", user);
    cJSON_AddNumberToObject(d, "sequence", t->seq++);
    cJSON_AddBoolToObject(d, "definite", definite);
    cJSON_AddBoolToObject(d, "paragraph", paragraph);
    cJSON_AddNumberToObject(d, "roundId", (double)t->round);
    cJSON_AddItemToArray(data, d);
    if (definite) { /* the server receives subtitles per sentence (§3.1) */
        post_message(t, &t->subtitle, "subv", v);
        if (!strcmp(t->version, "2025-06-01"))
            post_message(t, &t->rts, "subv", v);
    }
    room_send(t, "subv", v);
}

/* ---- rounds (§2.8) ------------------------------------------------------------------------ */

static void speak(volc_task *t, const char *text);
static void user_turn(volc_task *t, const char *text, int speech, int final);

static void speak_done(lws_sorted_usec_list_t *sul)
{
    volc_task *t = lws_container_of(sul, volc_task, sul_round);
    send_subv(t, t->bot, t->reply ? t->reply : "", 1, 1);
    send_conv(t, STAGE_FINISHED);
    room_event(t, "user_stop_audio_capture");
    free(t->reply);
    t->reply = NULL;
    send_conv(t, STAGE_LISTENING);
    char *q = t->queued;
    t->queued = NULL;
    if (q && t->queued_llm)
        user_turn(t, q, 0, 1);
    else if (q)
        speak(t, q);
    free(q);
}

/* The bot says text: conv 3, audio capture on, a partial subtitle; after timing.speak the
 * whole sentence (definite, paragraph), conv 5, capture off, conv 1. An interrupt in between
 * leaves the sentence without definite:true (§2.8 item 3). */
static void speak(volc_task *t, const char *text)
{
    free(t->reply);
    t->reply = pl_xstrdup(text);
    send_conv(t, STAGE_ANSWERING);
    room_event(t, "user_start_audio_capture");
    size_t n = strlen(text);
    if (n > 4) {
        char *half = pl_xstrndup(text, n / 2);
        size_t k = strlen(half);
        while (k > 0 && ((unsigned char)half[k] & 0xC0) == 0x80)
            half[--k] = '\0'; /* never cut a UTF-8 sequence */
        send_subv(t, t->bot, half, 0, 0);
        free(half);
    }
    lws_sul_schedule(t->c->ctx, 0, &t->sul_round, speak_done, timing(t->c, "speak", 1500));
}

/* A tool call (§2.4): to FunctionCallingConfig.ServerMessageUrl when set, else to the room;
 * the bot waits for the result (func or UpdateVoiceChat function). */
static void func_timeout(lws_sorted_usec_list_t *sul)
{
    volc_task *t = lws_container_of(sul, volc_task, sul_func);
    t->tool_id[0] = '\0';
    send_conv(t, STAGE_LISTENING); /* volc.func.timeout is the rules' (tick) */
}

static void tool_call(volc_task *t, const char *name, const char *arguments)
{
    char rnd[17];
    pl_crypto_random_hex(rnd, 8);
    snprintf(t->tool_id, sizeof t->tool_id, "call_%s", rnd);
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "subscriber_user_id", "");
    cJSON *calls = cJSON_AddArrayToObject(v, "tool_calls");
    cJSON *call = cJSON_CreateObject();
    cJSON *fn = cJSON_AddObjectToObject(call, "function");
    cJSON_AddStringToObject(fn, "arguments", arguments);
    cJSON_AddStringToObject(fn, "name", name);
    cJSON_AddStringToObject(call, "id", t->tool_id);
    cJSON_AddStringToObject(call, "type", "function");
    cJSON_AddItemToArray(calls, call);
    if (t->function.url[0]) {
        post_message(t, &t->function, "tool", v);
        cJSON_Delete(v);
    } else {
        room_send(t, "tool", v);
    }
    lws_sul_schedule(t->c->ctx, 0, &t->sul_func, func_timeout, timing(t->c, "func_timeout", 10000));
}

static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (!strncasecmp(hay, needle, n))
            return 1;
    return 0;
}

/* The configured tool a user text names (its function name, or the name with '_' as ' '). */
static const char *tool_named(const volc_task *t, const char *text)
{
    const cJSON *tool;
    cJSON_ArrayForEach(tool, t->tools)
    {
        const cJSON *fn = cJSON_GetObjectItem(tool, "function");
        const char *name = pl_json_str(fn, "name", NULL);
        if (!name)
            name = pl_json_str(tool, "name", NULL);
        if (!name || !*name)
            continue;
        char spaced[128];
        snprintf(spaced, sizeof spaced, "%s", name);
        for (char *p = spaced; *p; p++)
            if (*p == '_')
                *p = ' ';
        if (contains_ci(text, name) || contains_ci(text, spaced))
            return name;
    }
    return NULL;
}

static void think_done(lws_sorted_usec_list_t *sul)
{
    volc_task *t = lws_container_of(sul, volc_task, sul_round);
    char *text = t->pending_user;
    t->pending_user = NULL;
    const char *tool = text && behaviour(t->c, t->room, "function.call") ? tool_named(t, text) : NULL;
    if (tool) {
        tool_call(t, tool, "{\"location\": \"Beijing\"}");
    } else {
        static const char *const none[] = {NULL};
        const char *canned = pl_profile_reply(t->c->p, VOLC_DIALECT, (unsigned)t->round, text, none);
        char reply[600];
        if (canned)
            snprintf(reply, sizeof reply, "%s", canned);
        else
            snprintf(reply, sizeof reply, "You said: %.500s.", text ? text : "");
        speak(t, reply);
    }
    free(text);
}

static void interrupt(volc_task *t);

static void think(volc_task *t)
{
    send_conv(t, STAGE_THINKING);
    lws_sul_schedule(t->c->ctx, 0, &t->sul_round, think_done, timing(t->c, "think", 300));
}

/* A user turn: a scripted utterance (speech: user subtitles) or ExternalTextToLLM. With
 * manual turn detection an utterance that is not final waits for FinishSpeechRecognition. */
static void user_turn(volc_task *t, const char *text, int speech, int final)
{
    if (t->stage == STAGE_ANSWERING || t->stage == STAGE_THINKING)
        interrupt(t);
    t->round++;
    t->seq = 0;
    free(t->pending_user);
    t->pending_user = pl_xstrdup(text);
    if (speech) {
        size_t n = strlen(text);
        if (n > 4) {
            char *half = pl_xstrndup(text, n / 2);
            size_t k = strlen(half);
            while (k > 0 && ((unsigned char)half[k] & 0xC0) == 0x80)
                half[--k] = '\0';
            send_subv(t, t->target, half, 0, 0);
            free(half);
        }
        if (!final && t->turn_manual) {
            send_subv(t, t->target, text, 1, 0);
            return; /* FinishSpeechRecognition ends the turn */
        }
        send_subv(t, t->target, text, 1, 1);
    }
    think(t);
}

/* Interrupt (§2.8 item 3): while answering conv 4, capture off, conv 1; while thinking the
 * pending answer or tool call is dropped and the bot listens again (no 4 without a 3). */
static void interrupt(volc_task *t)
{
    int was = t->stage;
    lws_sul_cancel(&t->sul_round);
    lws_sul_cancel(&t->sul_func);
    t->tool_id[0] = '\0';
    free(t->reply);
    t->reply = NULL;
    free(t->pending_user);
    t->pending_user = NULL;
    if (was == STAGE_ANSWERING) {
        send_conv(t, STAGE_INTERRUPTED);
        room_event(t, "user_stop_audio_capture");
        send_conv(t, STAGE_LISTENING);
    } else if (was == STAGE_THINKING) {
        send_conv(t, STAGE_LISTENING);
    }
}

static int busy(const volc_task *t)
{
    return t->stage == STAGE_ANSWERING || t->stage == STAGE_THINKING || t->tool_id[0];
}

/* ExternalTextToSpeech / ExternalTextToLLM with their InterruptMode (§1.6): 1 now, 2 after
 * the current answer, 3 dropped when busy. */
static void external_text(volc_task *t, const char *text, int mode, int llm)
{
    if (busy(t) && mode == 3)
        return;
    if (busy(t) && mode == 2) {
        free(t->queued);
        t->queued = pl_xstrdup(text);
        t->queued_llm = llm;
        return;
    }
    if (llm) {
        user_turn(t, text, 0, 1);
        return;
    }
    if (busy(t))
        interrupt(t);
    speak(t, text);
}

/* A tool result (func in the room, or UpdateVoiceChat function): the bot speaks it.
 * Returns 0 when it answered the pending call. */
static int func_answer(volc_task *t, const char *id, const char *content)
{
    if (!t->tool_id[0] || strcmp(id, t->tool_id))
        return -1; /* volc.func.unknown_id (rules for func, the API for Update) */
    lws_sul_cancel(&t->sul_func);
    t->tool_id[0] = '\0';
    speak(t, content);
    return 0;
}

/* One command, spelled canonically (pl_volc_check_command), from ctrl or UpdateVoiceChat. */
static void command(volc_task *t, const char *cmd, const cJSON *v)
{
    const char *msg = pl_json_str(v, "Message", "");
    int mode = (int)num(v, "InterruptMode", 0);
    if (!strcmp(cmd, "interrupt")) {
        if (behaviour(t->c, t->room, "interrupt"))
            interrupt(t);
    } else if (!strcmp(cmd, "ExternalTextToSpeech")) {
        external_text(t, msg, mode, 0);
    } else if (!strcmp(cmd, "ExternalTextToLLM")) {
        if (behaviour(t->c, t->room, "reply.text"))
            external_text(t, msg, mode, 1);
    } else if (!strcmp(cmd, "FinishSpeechRecognition")) {
        if (t->pending_user && t->stage != STAGE_THINKING)
            think(t);
    } else if (!strcmp(cmd, "function")) {
        cJSON *r = cJSON_Parse(msg);
        func_answer(t, pl_json_str(r, "ToolCallID", ""), pl_json_str(r, "Content", ""));
        cJSON_Delete(r);
    } /* ExternalPromptsForLLM: context for the next turn, nothing to show */
}

/* ---- task life ---------------------------------------------------------------------------- */

static void task_free(volc_task *t)
{
    volc_cloud *c = t->c;
    for (volc_task **pp = &c->tasks; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            c->ntasks--;
            break;
        }
    lws_sul_cancel(&t->sul_life);
    lws_sul_cancel(&t->sul_round);
    lws_sul_cancel(&t->sul_func);
    cJSON_Delete(t->tools);
    free(t->welcome);
    free(t->reply);
    free(t->queued);
    free(t->pending_user);
    free(t);
}

/* The bot leaves the room (reason quit, idle or error) and the task is gone. */
static void task_end(volc_task *t, const char *reason)
{
    if (t->joined)
        for (volc_sess *vs = t->c->sessions; vs; vs = vs->next)
            if (!strcmp(pl_session_room(vs->s), t->room) && !strcmp(vs->bot, t->bot))
                volc_sess_bot_left(vs, t->bot, reason);
    task_free(t);
}

static void bot_enter(volc_task *t, volc_sess *vs)
{
    volc_sess_bot_joined(vs, t->bot);
    if (t->welcomed || !t->welcome || !*t->welcome || !behaviour(t->c, t->room, "welcome")) {
        if (t->stage == STAGE_LISTENING || !t->stage)
            send_conv(t, STAGE_LISTENING);
        return;
    }
    t->welcomed = 1;
    speak(t, t->welcome);
}

static void task_join(lws_sorted_usec_list_t *sul)
{
    volc_task *t = lws_container_of(sul, volc_task, sul_life);
    volc_cloud *c = t->c;
    if (!behaviour(c, t->room, "bot.join"))
        return;
    t->joined = 1;
    int users = 0;
    for (volc_sess *vs = c->sessions; vs; vs = vs->next)
        if (!strcmp(pl_session_room(vs->s), t->room) && pl_session_is_open(vs->s) && !vs->bot[0]) {
            bot_enter(t, vs);
            users++;
        }
    t->no_user_since_us = users ? 0 : pl_clock_mono_us();
}

/* IdleTimeout (§1.7): no user in the room for that long → the bot leaves. */
static void cloud_tick(lws_sorted_usec_list_t *sul)
{
    volc_cloud *c = lws_container_of(sul, volc_cloud, tick);
    int64_t now = pl_clock_mono_us();
    for (volc_task *t = c->tasks, *next; t; t = next) {
        next = t->next;
        if (t->joined && t->no_user_since_us &&
            now - t->no_user_since_us >= (int64_t)t->idle_s * 1000000 &&
            behaviour(c, t->room, "idle.stop"))
            task_end(t, "idle");
    }
    lws_sul_schedule(c->ctx, 0, &c->tick, cloud_tick, 1000000);
}

/* ---- session side → cloud ----------------------------------------------------------------- */

void volc_cloud_attach(volc_cloud *c, volc_sess *vs)
{
    vs->next = c->sessions;
    c->sessions = vs;
    volc_task *t = room_task(c, pl_session_room(vs->s));
    if (t && t->joined) {
        t->no_user_since_us = 0;
        bot_enter(t, vs);
    }
}

void volc_cloud_detach(volc_cloud *c, volc_sess *vs)
{
    for (volc_sess **pp = &c->sessions; *pp; pp = &(*pp)->next)
        if (*pp == vs) {
            *pp = vs->next;
            break;
        }
    volc_task *t = room_task(c, pl_session_room(vs->s));
    if (t && !room_sess(c, t->room))
        t->no_user_since_us = pl_clock_mono_us();
}

int volc_cloud_room_busy(volc_cloud *c, const char *room)
{
    return room_task(c, room) != NULL;
}

void volc_cloud_ctrl(volc_cloud *c, volc_sess *vs, const char *cmd, const cJSON *value)
{
    volc_task *t = room_task(c, pl_session_room(vs->s));
    if (t && t->joined && !strcmp(t->bot, vs->bot))
        command(t, cmd, value);
}

void volc_cloud_func(volc_cloud *c, volc_sess *vs, const char *id, const char *content)
{
    volc_task *t = room_task(c, pl_session_room(vs->s));
    if (t && t->joined && behaviour(c, t->room, "function.call"))
        func_answer(t, id, content);
}

int volc_cloud_act(volc_cloud *c, volc_sess *vs, const char *name, const cJSON *args, char *err,
                   size_t errlen)
{
    volc_task *t = room_task(c, pl_session_room(vs->s));
    if (!t || !t->joined) {
        snprintf(err, errlen, "no bot in room %s (StartVoiceChat first)", pl_session_room(vs->s));
        return -1;
    }
    const char *text = pl_json_str(args, "text", NULL);
    if ((!strcmp(name, "say") || !strcmp(name, "speak")) && !text) {
        snprintf(err, errlen, "%s needs args.text", name);
        return -1;
    }
    if (!strcmp(name, "say")) {
        const cJSON *fin = cJSON_GetObjectItemCaseSensitive(args, "final");
        user_turn(t, text, 1, !cJSON_IsFalse(fin));
    } else if (!strcmp(name, "speak")) {
        if (busy(t))
            interrupt(t);
        speak(t, text);
    } else if (!strcmp(name, "tool")) {
        const char *tool = pl_json_str(args, "name", NULL);
        if (!tool) {
            snprintf(err, errlen, "tool needs args.name");
            return -1;
        }
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(args, "arguments");
        char *as = a ? cJSON_PrintUnformatted(a) : pl_xstrdup("{}");
        if (busy(t))
            interrupt(t);
        t->round++;
        t->seq = 0;
        send_conv(t, STAGE_THINKING);
        tool_call(t, tool, as);
        free(as);
    } else if (!strcmp(name, "leave")) {
        const char *reason = pl_json_str(args, "reason", "idle");
        if (strcmp(reason, "idle") && strcmp(reason, "error")) {
            snprintf(err, errlen, "leave takes args.reason idle or error");
            return -1;
        }
        task_end(t, reason);
    } else if (!strcmp(name, "state")) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(args, "code");
        if (!cJSON_IsNumber(code)) {
            snprintf(err, errlen, "state needs args.code (a number)");
            return -1;
        }
        int keep = t->conv_on;
        t->conv_on = 1;
        send_conv(t, code->valueint);
        t->conv_on = keep;
    } else {
        snprintf(err, errlen, "unknown act '%s' (volc: say, speak, tool, leave, state)", name);
        return -1;
    }
    return 0;
}

/* ---- the OpenAPI (§1) --------------------------------------------------------------------- */

typedef struct {
    volc_cloud *c;
    const pl_server_http_req *req;
    char request_id[40];
    char action[64], version[32];
    char room[128]; /* where the exchange is judged ("" when unknown) */
    cJSON *body;
    int status;
} api_call;

static const char *const api_versions[] = {"2024-06-01", "2024-12-01", "2025-06-01", NULL};
static const char *const api_actions[] = {"StartVoiceChat", "UpdateVoiceChat", "StopVoiceChat",
                                          NULL};

static int in_list(const char *const *l, const char *s)
{
    for (; *l; l++)
        if (!strcmp(*l, s))
            return 1;
    return 0;
}

/* RequestId: 14-digit UTC time and 20 upper-case hex digits, like the real samples (§1.3). */
static void request_id_new(char out[40])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char hex[21];
    pl_crypto_random_hex(hex, 10);
    for (char *p = hex; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    strftime(out, 16, "%Y%m%d%H%M%S", &tm);
    strcat(out, hex);
}

static cJSON *api_meta(api_call *a, cJSON *r)
{
    cJSON *m = cJSON_AddObjectToObject(r, "ResponseMetadata");
    cJSON_AddStringToObject(m, "RequestId", a->request_id);
    cJSON_AddStringToObject(m, "Action", a->action);
    cJSON_AddStringToObject(m, "Version", a->version);
    cJSON_AddStringToObject(m, "Service", "rtc");
    cJSON_AddStringToObject(m, "Region",
                            pl_profile_string(a->c->p, VOLC_DIALECT, "region", "cn-north-1"));
    return m;
}

/* The gateway's error answer (§1.3): HTTP status, ResponseMetadata.Error {CodeN, Code,
 * Message}, no Result. */
static cJSON *api_error(api_call *a, int http, const char *code, int code_n, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static cJSON *api_error(api_call *a, int http, const char *code, int code_n, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *r = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(api_meta(a, r), "Error");
    cJSON_AddNumberToObject(e, "CodeN", code_n);
    cJSON_AddStringToObject(e, "Code", code);
    cJSON_AddStringToObject(e, "Message", msg);
    a->status = http;
    return r;
}

static int header(const api_call *a, const char *name, char *out, size_t n)
{
    return pl_cloud_header(a->req, name, out, n);
}

/* The secret of an access key from the profile's credentials (default: the built-in pair). */
static const char *secret_key(const volc_cloud *c, const char *ak)
{
    const cJSON *creds =
        cJSON_GetObjectItemCaseSensitive(pl_profile_section(c->p, VOLC_DIALECT), "credentials");
    if (!creds)
        return !strcmp(ak, "AKLTparleyEXAMPLE") ? "parleyVolcSecretKeyEXAMPLE" : NULL;
    const cJSON *cr;
    cJSON_ArrayForEach(cr, creds)
    {
        if (!strcmp(pl_json_str(cr, "access_key_id", ""), ak))
            return pl_json_str(cr, "secret_access_key", NULL);
    }
    return NULL;
}

/* X-Date YYYYMMDD'T'HHMMSS'Z' as a Unix time; -1 when it is not one. */
static long long parse_x_date(const char *s)
{
    struct tm tm = {0};
    if (strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
        return -1;
    for (int i = 0; i < 15; i++)
        if (i != 8 && !isdigit((unsigned char)s[i]))
            return -1;
    if (sscanf(s, "%4d%2d%2dT%2d%2d%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (long long)timegm(&tm);
}

static int region_ok(const volc_cloud *c, const char *region)
{
    return !strcmp(region, "cn-north-1") || !strcmp(region, "ap-southeast-1") ||
           !strcmp(region, pl_profile_string(c->p, VOLC_DIALECT, "region", "cn-north-1"));
}

/* Whether the V4 signature holds over the client's SignedHeaders (the Host with its port as
 * sent, then without it: a signer given a bare host name). */
static const char *api_signature_check(api_call *a, const pl_v4_auth *au, const char *key,
                                       const char *x_date)
{
    char body_hex[65], sent[80];
    pl_crypto_sha256_hex(a->req->body ? a->req->body : "", a->req->body_len, body_hex);
    if (header(a, "x-content-sha256", sent, sizeof sent) > 0 && strcasecmp(sent, body_hex))
        return "X-Content-Sha256 is not the SHA-256 of the body as received";
    char sig[65];
    int ok = 0;
    pl_cloud_sig sg = {a->req, 0};
    for (; sg.host_without_port < 2 && !ok; sg.host_without_port++) {
        if (pl_v4_signature(key, x_date, au->region, au->service, a->req->method, a->req->path,
                            a->req->query, au->signed_headers, pl_cloud_sig_header, &sg,
                            body_hex, sig))
            return "a header named in SignedHeaders is not in the request";
        ok = pl_crypto_equal(sig, 64, au->signature, strlen(au->signature));
    }
    return ok ? NULL
              : "the signature does not match (check the Secret Access Key, the signed headers "
                "as sent and the body bytes)";
}

/* V4 HMAC-SHA256 (§1.2). NULL when it holds, else the error answer (and a finding). */
static cJSON *api_auth(api_call *a)
{
    volc_cloud *c = a->c;
    char authz[2048], x_date[64], err[256];
    if (header(a, "authorization", authz, sizeof authz) <= 0) {
        findingf(c, a->room, "volc.api.auth", "%s without an Authorization header", a->action);
        return api_error(a, 401, "MissingAuthenticationToken", 100003,
                         "Request is missing Authentication Token.");
    }
    pl_v4_auth au;
    if (pl_v4_parse(authz, &au, err, sizeof err)) {
        findingf(c, a->room, "volc.api.auth", "%s: Authorization is malformed: %s", a->action, err);
        return api_error(a, 401, "InvalidAuthorization", 100024,
                         "Invalid 'Authorization' header, Pls check your authorization header.");
    }
    long long t = header(a, "x-date", x_date, sizeof x_date) > 0 ? parse_x_date(x_date) : -1;
    if (t < 0) {
        findingf(c, a->room, "volc.api.credential", "%s: X-Date \"%s\" is %s", a->action, x_date,
                 x_date[0] ? "not YYYYMMDD'T'HHMMSS'Z'" : "missing");
        return api_error(a, 400, "MissingRequestInfo", 100004,
                         "The request is missing X-Date information.");
    }
    if (strcmp(au.service, "rtc") || strcmp(au.terminator, "request") || !region_ok(c, au.region) ||
        strncmp(au.date, x_date, 8)) {
        findingf(c, a->room, "volc.api.credential",
                 "%s: credential scope %s/%s/%s/%s (want %.8s/cn-north-1/rtc/request: the X-Date "
                 "day, the region, service rtc)",
                 a->action, au.date, au.region, au.service, au.terminator, x_date);
        return api_error(a, 400, "InvalidCredential", 100025,
                         "Invalid credential in 'Authorization', Pls check your authorization "
                         "header.");
    }
    long long now = wall_ms() / 1000;
    long long skew = (long long)pl_profile_number(c->p, VOLC_DIALECT, "skew", 900);
    if (llabs(now - t) > skew) {
        findingf(c, a->room, "volc.api.timestamp",
                 "%s: X-Date %s is %lld s from the server's clock (window ±%lld s)", a->action,
                 x_date, now - t, skew);
        return api_error(a, 400, "InvalidTimestamp", 100006,
                         "The signature of the request is expired.");
    }
    const char *key = secret_key(c, au.ak);
    if (!key) {
        findingf(c, a->room, "volc.api.access_key",
                 "%s: access key %s is not one of the profile's credentials", a->action, au.ak);
        return api_error(a, 401, "InvalidAccessKey", 100009,
                         "The accesskey [%s] included in the request is invalid.", au.ak);
    }
    const char *why = api_signature_check(a, &au, key, x_date);
    if (why) {
        findingf(c, a->room, "volc.api.signature", "%s signed by %s: %s", a->action, au.ak, why);
        return api_error(a, 401, "SignatureDoesNotMatch", 100010,
                         "The request signature we calculated does not match the signature you "
                         "provided. Check your Secret Access Key and signing method. Consult the "
                         "service documentation for details.");
    }
    return NULL;
}

/* Documented key spellings (§1.4–1.6); a key matching one only case-insensitively is renamed
 * (the backend decodes case-insensitively, §1.5) and reported. */
static const char *const known_keys[] = {
    "AppId", "RoomId", "TaskId", "BusinessId", "UserId", "Config", "AgentConfig", "Command",
    "Message", "InterruptMode", "ImageConfig", "ASRConfig", "TTSConfig", "LLMConfig",
    "SubtitleConfig", "FunctionCallingConfig", "AvatarConfig", "TargetUserId", "WelcomeMessage",
    "EnableConversationStateCallback", "ServerMessageURLForRTS", "ServerMessageSignatureForRTS",
    "ServerMessageUrl", "ServerMessageSignature", "IdleTimeout", "BotName", "Mode", "Tools",
    "WelcomeSpeech", "EndPointId", "SystemMessages", "DisableRTSSubtitle", "SubtitleMode",
    "TurnDetectionMode", "Provider", "ProviderParams", "VADConfig", NULL};

static void canon_keys(api_call *a, cJSON *o, int depth, const char *path)
{
    if (!cJSON_IsObject(o) || depth > 3)
        return;
    cJSON *x;
    cJSON_ArrayForEach(x, o)
    {
        /* ServerMessageUrlForRTS is the 2025-06-01 page's own spelling: no finding. */
        if (!strcmp(x->string, "ServerMessageUrlForRTS")) {
            cJSON_free(x->string);
            x->string = pl_xstrdup("ServerMessageURLForRTS");
        }
        for (const char *const *k = known_keys; *k; k++)
            if (strcmp(x->string, *k) && !strcasecmp(x->string, *k) &&
                !cJSON_GetObjectItemCaseSensitive(o, *k)) {
                findingf(a->c, a->room, "volc.key_case",
                         "%s: key \"%s%s%s\" is spelled %s in the API (accepted: the service "
                         "matches keys case-insensitively)",
                         a->action, path, path[0] ? "." : "", x->string, *k);
                cJSON_free(x->string);
                x->string = pl_xstrdup(*k);
                break;
            }
        if (cJSON_IsObject(x) && strcmp(x->string, "ProviderParams")) {
            char sub[256];
            snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "", x->string);
            canon_keys(a, x, depth + 1, sub);
        }
    }
}

/* The body against schemas/volc/<kind>.json, answered the way the gateway words it. */
static cJSON *api_schema(api_call *a, const char *kind)
{
    pl_cloud_param e;
    if (!pl_cloud_schema_error(a->c->srv, kind, a->body, "", &e))
        return NULL;
    cJSON *r = e.missing && e.param[0]
                   ? api_error(a, 400, "MissingParameter", 100002,
                               "The request is missing %s parameter.", e.param)
                   : api_error(a, 400, "InvalidParameter", 100001,
                               "The parameter %s is invalid: %s", e.param[0] ? e.param : "(body)",
                               e.what);
    findingf(a->c, a->room, "volc.api.params", "%s: %s", a->action, e.what);
    pl_cloud_param_free(&e);
    return r;
}

static volc_task *task_find(const volc_cloud *c, const char *app, const char *room,
                            const char *id)
{
    for (volc_task *t = c->tasks; t; t = t->next)
        if (!strcmp(t->app, app) && !strcmp(t->room, room) && !strcmp(t->id, id))
            return t;
    return NULL;
}

/* TaskId, or the legacy (2024-06-01) UserId that keys the task instead (§1.5). */
static const char *body_task_id(const api_call *a)
{
    const char *id = pl_json_str(a->body, "TaskId", NULL);
    return id ? id : pl_json_str(a->body, "UserId", "");
}

static void endpoint(volc_endpoint *ep, const cJSON *o, const char *url_key, const char *sig_key)
{
    snprintf(ep->url, sizeof ep->url, "%s", pl_json_str(o, url_key, ""));
    snprintf(ep->sig, sizeof ep->sig, "%s", pl_json_str(o, sig_key, ""));
}

static cJSON *api_target(api_call *a, const cJSON *ac)
{
    const cJSON *tu = cJSON_GetObjectItemCaseSensitive(ac, "TargetUserId");
    const char *bot = pl_json_str(ac, "UserId", "");
    const char *one = cJSON_GetArraySize(tu) == 1 && cJSON_IsString(cJSON_GetArrayItem(tu, 0))
                          ? cJSON_GetArrayItem(tu, 0)->valuestring
                          : NULL;
    if (!one || !strcmp(one, bot)) {
        findingf(a->c, a->room, "volc.api.target_user",
                 "StartVoiceChat: AgentConfig.TargetUserId must hold exactly one real user id, "
                 "other than AgentConfig.UserId (got %d entr%s%s)",
                 cJSON_GetArraySize(tu), cJSON_GetArraySize(tu) == 1 ? "y" : "ies",
                 one ? ", the agent's own id" : "");
        return api_error(a, 400, "InvalidParameter", 100001,
                         "AgentConfig.TargetUserId must contain exactly one user id, different "
                         "from AgentConfig.UserId.");
    }
    return NULL;
}

/* The task's settings from a 2024-12-01 / 2025-06-01 body (§1.4) or a legacy one (§1.5). */
static void task_setup(volc_task *t, const cJSON *b)
{
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(b, "Config");
    const cJSON *llm = cJSON_GetObjectItemCaseSensitive(cfg, "LLMConfig");
    const cJSON *tools = cJSON_GetObjectItemCaseSensitive(llm, "Tools");
    t->tools = tools ? cJSON_Duplicate(tools, 1) : NULL;
    if (t->legacy) {
        snprintf(t->bot, sizeof t->bot, "%s", pl_json_str(cfg, "BotName", "RobotMan_"));
        t->welcome = pl_xstrdup(pl_json_str(llm, "WelcomeSpeech", ""));
        t->subv_on = 1;
        t->idle_s = 180;
        return;
    }
    const cJSON *ac = cJSON_GetObjectItemCaseSensitive(b, "AgentConfig");
    const cJSON *tu = cJSON_GetObjectItemCaseSensitive(ac, "TargetUserId");
    if (cJSON_IsString(cJSON_GetArrayItem(tu, 0)))
        snprintf(t->target, sizeof t->target, "%s", cJSON_GetArrayItem(tu, 0)->valuestring);
    const char *bot = pl_json_str(ac, "UserId", NULL);
    if (bot && *bot) /* the demo's Custom.json ships it empty: the default then */
        snprintf(t->bot, sizeof t->bot, "%s", bot);
    else /* "默认值为 voiceChat_$(TargetUserId)_$(timestamp_now)" (§1.4) */
        snprintf(t->bot, sizeof t->bot, "voiceChat_%.60s_%lld", t->target, wall_ms());
    t->welcome = pl_xstrdup(pl_json_str(ac, "WelcomeMessage", ""));
    t->conv_on = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ac, "EnableConversationStateCallback"));
    const cJSON *sub = cJSON_GetObjectItemCaseSensitive(cfg, "SubtitleConfig");
    t->subv_on = !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sub, "DisableRTSSubtitle"));
    t->turn_manual = num(cJSON_GetObjectItemCaseSensitive(cfg, "ASRConfig"),
                                 "TurnDetectionMode", 0) == 1;
    t->idle_s = (int)num(ac, "IdleTimeout", 180);
    endpoint(&t->rts, ac, "ServerMessageURLForRTS", "ServerMessageSignatureForRTS");
    endpoint(&t->subtitle, sub, "ServerMessageUrl", "ServerMessageSignature");
    endpoint(&t->function, cJSON_GetObjectItemCaseSensitive(cfg, "FunctionCallingConfig"),
             "ServerMessageUrl", "ServerMessageSignature");
}

static cJSON *api_ok(api_call *a)
{
    cJSON *r = cJSON_CreateObject();
    api_meta(a, r);
    cJSON_AddStringToObject(r, "Result", "ok");
    return r;
}

static cJSON *api_start(api_call *a)
{
    volc_cloud *c = a->c;
    const cJSON *b = a->body;
    const char *app = pl_json_str(b, "AppId", ""), *room = pl_json_str(b, "RoomId", "");
    const char *id = body_task_id(a);
    int legacy = !strcmp(a->version, "2024-06-01");
    cJSON *r;
    if (!legacy && (r = api_target(a, cJSON_GetObjectItemCaseSensitive(b, "AgentConfig"))))
        return r;
    if (task_find(c, app, room, id)) {
        findingf(c, a->room, "volc.api.task_started",
                 "StartVoiceChat for AppId %s, RoomId %s, TaskId %s while that task runs", app,
                 room, id);
        return api_error(a, 400, "InvalidParameter", 100001,
                         "The task has been started. Please do not call the startup task "
                         "interface repeatedly.");
    }
    if (c->ntasks >= (size_t)pl_profile_number(c->p, VOLC_DIALECT, "max_tasks", 1000))
        return api_error(a, 429, "RequestLimitExceeded", 100018,
                         "parley's task limit (volc.max_tasks) is reached.");
    volc_task *t = pl_xcalloc(1, sizeof *t);
    t->c = c;
    t->legacy = legacy;
    snprintf(t->app, sizeof t->app, "%s", app);
    snprintf(t->room, sizeof t->room, "%s", room);
    snprintf(t->id, sizeof t->id, "%s", id);
    snprintf(t->version, sizeof t->version, "%s", a->version);
    task_setup(t, b);
    t->next = c->tasks;
    c->tasks = t;
    c->ntasks++;
    lws_sul_schedule(c->ctx, 0, &t->sul_life, task_join, timing(c, "join", 300));
    return api_ok(a);
}

static volc_task *api_task(api_call *a, cJSON **err)
{
    const char *app = pl_json_str(a->body, "AppId", ""), *room = pl_json_str(a->body, "RoomId", "");
    const char *id = body_task_id(a);
    volc_task *t = task_find(a->c, app, room, id);
    if (!t) {
        findingf(a->c, a->room, "volc.api.task_not_found",
                 "%s for AppId %s, RoomId %s, TaskId %s: no such task", a->action, app, room, id);
        *err = api_error(a, 400, "InvalidParameter", 100001,
                         "task not found: AppId %s, RoomId %s, TaskId %s", app, room, id);
    }
    return t;
}

/* UpdateVoiceChat (§1.6): the command checks are the rules module's (shared with ctrl). */
static cJSON *api_update(api_call *a, volc_task *t)
{
    emit_ctx e = {a->c, a->room};
    const char *canon = NULL;
    if (pl_volc_check_command(a->body, &canon, emit_finding, &e) || !canon) {
        const char *cmd = pl_json_str(a->body, "Command", "");
        if (canon && !cJSON_HasObjectItem(a->body, "Message"))
            return api_error(a, 400, "MissingParameter", 100002,
                             "The request is missing Message parameter.");
        return api_error(a, 400, "InvalidParameter", 100001,
                         canon ? "The parameter InterruptMode is invalid for Command %s: want 1, "
                                 "2 or 3."
                               : "The parameter Command is invalid: %s.",
                         canon ? canon : cmd);
    }
    if (!strcmp(canon, "function")) {
        cJSON *m = cJSON_Parse(pl_json_str(a->body, "Message", ""));
        const char *id = pl_json_str(m, "ToolCallID", NULL);
        if (!id || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(m, "Content"))) {
            findingf(a->c, a->room, "volc.func.shape",
                     "UpdateVoiceChat function: Message must be a JSON string "
                     "{\"ToolCallID\":…,\"Content\":…}");
            cJSON_Delete(m);
            return api_error(a, 400, "InvalidParameter", 100001,
                             "The parameter Message is invalid: want a JSON string with "
                             "ToolCallID and Content.");
        }
        int rc = func_answer(t, id, pl_json_str(m, "Content", ""));
        if (rc)
            findingf(a->c, a->room, "volc.func.unknown_id",
                     "UpdateVoiceChat function answers ToolCallID %s, which is not the pending "
                     "tool call (%s)",
                     id, t->tool_id[0] ? t->tool_id : "none pending");
        cJSON_Delete(m);
        if (rc)
            return api_error(a, 400, "InvalidParameter", 100001,
                             "The parameter Message is invalid: unknown ToolCallID.");
        return api_ok(a);
    }
    if (t->joined)
        command(t, canon, a->body);
    return api_ok(a);
}

static cJSON *api_dispatch(api_call *a)
{
    cJSON *r;
    if ((r = api_auth(a)))
        return r;
    if (!in_list(api_actions, a->action) || !in_list(api_versions, a->version)) {
        findingf(a->c, a->room, "volc.api.action",
                 "Action \"%s\" Version \"%s\" is not a voice chat API (actions "
                 "Start/Update/StopVoiceChat, versions 2024-06-01, 2024-12-01, 2025-06-01)",
                 a->action, a->version);
        return api_error(a, 404, "InvalidActionOrVersion", 100008,
                         "Could not find operation %s for version %s.", a->action, a->version);
    }
    if (!cJSON_IsObject(a->body)) {
        findingf(a->c, a->room, "volc.api.params", "%s: the body is not a JSON object", a->action);
        return api_error(a, 400, "InvalidParameter", 100001,
                         "The request body is not a JSON object.");
    }
    char kind[96];
    snprintf(kind, sizeof kind, "volc.api.%s%s", !strcmp(a->version, "2024-06-01") ? "legacy." : "",
             a->action);
    if ((r = api_schema(a, kind)))
        return r;
    if (!strcmp(a->action, "StartVoiceChat"))
        return api_start(a);
    cJSON *err = NULL;
    volc_task *t = api_task(a, &err);
    if (!t)
        return err;
    if (!strcmp(a->action, "StopVoiceChat")) {
        task_end(t, "quit");
        return api_ok(a);
    }
    return api_update(a, t);
}

/* Action and Version from the query string (decoded; no escapes are expected in them). */
static int query_param(const char *q, const char *name, char *out, size_t n)
{
    size_t l = strlen(name);
    for (const char *p = q; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL)
        if (!strncmp(p, name, l) && p[l] == '=') {
            size_t k = strcspn(p + l + 1, "&");
            snprintf(out, n, "%.*s", (int)k, p + l + 1);
            return 0;
        }
    out[0] = '\0';
    return -1;
}

int volc_cloud_http(void *cloud, const pl_server_http_req *req, int *status, char **body,
                    const char **content_type)
{
    volc_cloud *c = cloud;
    api_call a = {.c = c, .req = req, .status = 200};
    if (strcmp(req->path, "/") || query_param(req->query, "Action", a.action, sizeof a.action))
        return 0; /* not a Volcengine OpenAPI request */
    query_param(req->query, "Version", a.version, sizeof a.version);
    request_id_new(a.request_id);
    a.body = cJSON_ParseWithLength(req->body ? req->body : "", req->body_len);
    snprintf(a.room, sizeof a.room, "%s", pl_json_str(a.body, "RoomId", ""));
    if (!a.room[0]) { /* a lower-case roomid still names the room (volc.key_case) */
        const cJSON *r = cJSON_GetObjectItem(a.body, "RoomId");
        snprintf(a.room, sizeof a.room, "%s", cJSON_IsString(r) ? r->valuestring : "");
    }
    canon_keys(&a, a.body, 0, "");
    char kind[96];
    snprintf(kind, sizeof kind, "volc.api.%s%s",
             !strcmp(a.version, "2024-06-01") && in_list(api_actions, a.action) ? "legacy." : "",
             in_list(api_actions, a.action) ? a.action : "unknown");
    judge(c, a.room, PL_DIR_C2A, kind, a.body, req->body ? req->body : "", req->body_len);
    cJSON *r;
    if (strcmp(req->method, "POST"))
        r = api_error(&a, 405, "InvalidParameter", 100001,
                      "parley serves the voice chat OpenAPI as POST with a JSON body (got %s).",
                      req->method);
    else
        r = api_dispatch(&a);
    int err = cJSON_HasObjectItem(cJSON_GetObjectItemCaseSensitive(r, "ResponseMetadata"), "Error");
    *body = cJSON_PrintUnformatted(r);
    judge(c, a.room, PL_DIR_A2C, err ? "volc.api.error" : "volc.api.response", r, *body,
          strlen(*body));
    cJSON_Delete(r);
    cJSON_Delete(a.body);
    *status = a.status;
    *content_type = "application/json";
    return 1;
}

/* ---- life of the cloud --------------------------------------------------------------------- */

void *volc_cloud_new(pl_server *srv)
{
    volc_cloud *c = pl_xcalloc(1, sizeof *c);
    c->srv = srv;
    c->ctx = pl_server_context(srv);
    c->p = pl_server_profile(srv);
    lws_sul_schedule(c->ctx, 0, &c->tick, cloud_tick, 1000000);
    return c;
}

void volc_cloud_free(void *cloud)
{
    volc_cloud *c = cloud;
    if (!c)
        return;
    lws_sul_cancel(&c->tick);
    while (c->tasks)
        task_free(c->tasks);
    for (volc_http *h = c->pending; h; h = h->next)
        h->c = NULL; /* freed when lws ends the request */
    for (volc_sess *vs = c->sessions; vs; vs = vs->next)
        vs->cloud = NULL;
    free(c);
}
