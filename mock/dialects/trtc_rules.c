/* trtc_rules.c — the stateful TRTC rules (see trtc_rules.h for the contract).
 *
 * How it works. pl_trtc_rules_frame() judges the bridge frame of a custom message (cmdID,
 * reliable/ordered), counts it for the size limit and the per-client rate (by the byte
 * length of its "data") and marks the direction as "framed", so the payload that follows
 * is not counted twice. pl_trtc_rules_message() then judges the payload by kind: the
 * direction of its type, who sent it to whom (uplink), the bot's state per round (10001)
 * and the end of a round's bot subtitles (10000); trtc.callback.answer records are judged
 * on their own. A custom message that arrives without a frame is counted from raw/len.
 *
 * The state is fixed size: the room (user and bot ids, by hash and length with their first
 * bytes for messages), per direction a ring of the (time, bytes) of the custom messages of
 * the last second with their running byte sum (each entry is pushed once and popped once:
 * O(1) amortized per message), and a ring of the last ROUNDS round ids (by hash) with what
 * was seen of each round (state 3, the bot's end-of-round subtitle). The rule table
 * (catalog[]) is indexed by the R_* enum; report() fills a pl_finding from it,
 * report_shape() stays quiet when the schema layer already reported the message. It also
 * holds the upstream checks' and the cloud's ids (trtc_upstream.c, trtc_cloud.c), which use
 * pl_trtc_report() / pl_trtc_rule(). */
#include "mock/dialects/trtc_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "core/pl_json.h"
#include "core/pl_utf8.h"

#define ID_KEEP 48    /* user/bot/round ids keep this many bytes for messages */
#define QUOTE 64      /* quoted values in messages */
#define ROUNDS 8      /* rounds remembered for the state and subtitle rules */
#define RATE_CAP 256  /* custom messages remembered per direction in the 1 s window */
#define WINDOW_US 1000000
#define MS(us) ((long long)((us) / 1000))

/* ---- rule catalog ------------------------------------------------------------------- */

enum {
    R_CMD_ID,
    R_RELIABLE,
    R_UNRELIABLE,
    R_TOO_LARGE,
    R_SENDER,
    R_RECEIVER,
    R_NO_BOT,
    R_RATE,
    R_DIRECTION,
    R_INTERRUPT_BEFORE_SPEAKING,
    R_SUBTITLE_AFTER_END,
    R_CALLBACK_STATUS,
    R_CALLBACK_TIMEOUT,
    R_CALLBACK_BODY,
    R__OWN /* the rules of this module end here; the rest is reported elsewhere */
};

#define MUST PL_LEVEL_MUST
#define SHOULD PL_LEVEL_SHOULD

#define SRC_LIMITS                                                                                 \
    "trtc.md §2.1: sendCustomCmdMsg(cmdID, data, reliable, ordered): cmdID 1–10, ≤1 KB (1000 "     \
    "bytes) per message, ≤30 msgs/s and ≤8 KB/s per client, reliable and ordered must be equal "    \
    "(cloud.tencent.com/document/product/647/32241)"
#define SRC_LLM "trtc.md §4 (trtc.io/document/68338): an OpenAI-compatible chat-completions API; "
#define SRC_TTS "trtc.md §5 (cloud.tencent.com.cn/document/product/647/112476): "
#define SRC_API "trtc.md §1 (TencentCloud API 3.0, tencentcloud-sdk-go trtc/v20190722): "

static const pl_rule_info catalog[] = {
    [R_CMD_ID] = {"trtc.custom.cmd_id", MUST,
                  "trtc.md §2.1: bot → clients on cmdID 1 (\"cmdID 固定是1\", KIT drops cmdID != 1); "
                  "client → bot on cmdID 2 (KIT sendCustomCmdMsg(0x2, data, true, true), iOS "
                  "customCmdId = 0x2, BQ cmdId: 2) (trtc.io/document/68333)",
                  "A client custom message not on cmdID 2, an agent one not on cmdID 1, or a "
                  "custom_cmd frame without a cmdId in 1–10."},
    [R_RELIABLE] = {"trtc.custom.reliable", MUST, SRC_LIMITS,
                    "A client custom_cmd frame whose reliable and ordered differ, are not "
                    "booleans, or only one of them is given."},
    [R_UNRELIABLE] = {"trtc.custom.unreliable", SHOULD,
                      "trtc.md §2.1: Tencent's kit sends sendCustomCmdMsg(0x2, data, true, true); "
                      "an unreliable 20001 interrupt or 20000 text may be lost "
                      "(cloud.tencent.com/document/product/647/32241)",
                      "A client custom_cmd frame with reliable and ordered both false."},
    [R_TOO_LARGE] = {"trtc.custom.too_large", MUST,
                     SRC_LIMITS "; §6.11: long sentences must be split across several messages",
                     "A custom message (either direction) over max_custom_bytes (1000) bytes."},
    [R_SENDER] = {"trtc.custom.sender", MUST,
                  "trtc.md §2.3: 20000/20001 carry \"sender\": the sending user's id (KIT, BQ "
                  "sendCustomTextMessage); §2.1: body {\"type\",\"sender\",\"receiver\",\"payload\"}",
                  "A client custom message whose sender is not the session's user id."},
    [R_RECEIVER] = {"trtc.custom.receiver", MUST,
                    "trtc.md §2.1: uplink `receiver` = [botUserId]; §2.3: 20000/20001 examples "
                    "\"receiver\":[\"ai_123\"] (KIT, BQ sendInterruptSignal)",
                    "A client custom message whose receiver array does not list the bot in the "
                    "room."},
    [R_NO_BOT] = {"trtc.custom.no_bot", SHOULD,
                  "trtc.md §2.3: 20000 goes straight to the bot's LLM and 20001 interrupts the "
                  "bot (receiver [botUserId]); with no AI conversation task's bot in the room "
                  "nobody acts on them",
                  "A client custom message while no bot is in the room (once per period without "
                  "a bot)."},
    [R_RATE] = {"trtc.custom.rate", SHOULD, SRC_LIMITS,
                "More than max_msgs_per_s (30) custom messages or more than max_bytes_per_s "
                "(8192) bytes within one second from one sender (the client, or the bot). Once "
                "per burst."},
    [R_DIRECTION] = {"trtc.custom.direction", MUST,
                     "trtc.md §2.2: 10000/10001/10002/10020/10030 (and the legacy flat subtitle) "
                     "are downlink, bot → clients; §2.3: 20000/20001 are uplink, client → bot",
                     "A downlink message type sent by the client, or an uplink type sent by the "
                     "agent."},
    [R_INTERRUPT_BEFORE_SPEAKING] =
        {"trtc.state.interrupt_before_speaking", MUST,
         "trtc.md §2.2 10001 (trtc.io/document/65317, 68332): state 1 listening, 2 thinking, 3 "
         "speaking, 4 interrupted; §2.4: the interrupt (state 4) ends the bot's speech (state 3)",
         "An agent 10001 with state 4 (interrupted) for a roundid that never had state 3 "
         "(speaking) among the last 8 rounds."},
    [R_SUBTITLE_AFTER_END] =
        {"trtc.subtitle.after_end", SHOULD,
         "trtc.md §2.2 10000: with SubtitleMode=1 a bot message with empty text and end:true ends "
         "the round (KIT handleSpeechText: isCompleted = text.isEmpty() ? end : false)",
         "A bot 10000 for a roundid after that round's end marker (a bot 10000 with empty text "
         "and end:true)."},
    [R_CALLBACK_STATUS] = {"trtc.callback.status", MUST,
                           "trtc.md §3.1: the callback receiver answers HTTP 200; body ignored "
                           "(trtc.io/document/68331, cloud.tencent.cn/document/product/647/109686)",
                           "A callback answered with an HTTP status other than 200."},
    [R_CALLBACK_TIMEOUT] = {"trtc.callback.timeout", MUST,
                            "trtc.md §3.1: no response within 5 s = failure; first failure "
                            "retried immediately, then every 10 s until the message is older "
                            "than 1 minute (trtc.io/document/68331)",
                            "A callback that got no answer (timeout, connection failed) or an "
                            "answer after callback_timeout (5 s)."},
    [R_CALLBACK_BODY] = {"trtc.callback.body", SHOULD,
                         "trtc.md §3.1: expected reply HTTP 200; recommended body {\"code\":0} "
                         "(trtc.io/document/68331)",
                         "A callback answered 200 with a body that is not a JSON object with "
                         "\"code\":0."},
    /* upstream answers (trtc_upstream.c) */
    {"trtc.llm.status", MUST,
     SRC_LLM "an answer other than HTTP 200 is a failure: 10030 llm_error 30202 \"service "
             "returned failure\" (trtc.md §2.2, trtc.io/document/68335)",
     "The LLM answered with an HTTP status other than 200 and no OpenAI error JSON."},
    {"trtc.llm.content_type", MUST,
     SRC_LLM "§4.1: SSE when stream:true (text/event-stream), OpenAI JSON otherwise "
             "(application/json) (CB index.mjs; trtc-conversation-ai-example)",
     "Streaming answer not text/event-stream, non-streaming (or error) answer not "
     "application/json (parameters such as charset are fine)."},
    {"trtc.llm.sse_framing", MUST,
     SRC_LLM "§4.1: SSE `data: {chunk}\\n\\n … data: [DONE]\\n\\n` (CB index.mjs; "
             "WHATWG server-sent events)",
     "A stream line that is not `data:`, a `:` comment, an event/id/retry field or blank; "
     "events not separated by blank lines; a last event not ended by a blank line; data "
     "after [DONE]."},
    {"trtc.llm.chunk_json", MUST,
     SRC_LLM "§4.1: each SSE data is an OpenAI chat.completion.chunk with choices[0].delta "
             "(content a string, or absent/null); §2.2 10002: the meta.info chunk "
             "(cloud.tencent.com/document/product/647/122399)",
     "A stream chunk that is not JSON, or a JSON object without choices[0].delta (and not a "
     "meta.info or usage chunk), or whose delta.content is not a string."},
    {"trtc.llm.no_done", MUST, SRC_LLM "§4.1: the stream ends with `data: [DONE]`",
     "A stream without a final `data: [DONE]`."},
    {"trtc.llm.empty", MUST,
     SRC_LLM "the reply text is what the bot speaks; 10030 llm_error when there is none "
             "(trtc.io/document/68335)",
     "An answer (stream or JSON) without any reply text."},
    {"trtc.llm.shape", MUST,
     SRC_LLM "§4.1: a non-streaming answer is OpenAI JSON with choices[0].message.content "
             "(+ optional message.metainfo, §2.2 10002)",
     "A non-streaming answer that is not JSON or lacks choices[0].message.content as a "
     "string; an {\"error\":…} that is not an object with a message."},
    {"trtc.llm.error", SHOULD,
     SRC_LLM "the OpenAI error answer {\"error\":{\"message\",\"type\",\"code\"}}; TRTC reports it "
             "as 10030 llm_error 30202 (trtc.md §2.2, trtc.io/document/68335)",
     "The LLM answered an error JSON (any status, or an error chunk in the stream)."},
    {"trtc.tts.status", MUST,
     SRC_TTS "success is raw binary audio (HTTP 200); failure is a JSON error (decided by "
             "Content-Type)",
     "A non-JSON answer with an HTTP status other than 200."},
    {"trtc.tts.content_type", MUST,
     SRC_TTS "the audio Content-Type \"必须包含 … 我们服务会强制检查\": mp3 audio/mpeg, ogg_opus "
             "audio/ogg, pcm audio/L16, wav audio/wav",
     "An audio answer without Content-Type or with one that does not match the requested "
     "Format (wav also accepts audio/x-wav and audio/wave; parameters such as ;rate= are "
     "fine)."},
    {"trtc.tts.chunked", MUST,
     SRC_TTS "Transfer-Encoding: chunked \"必须包含 … 我们服务会强制检查\"",
     "An audio answer not sent with Transfer-Encoding: chunked."},
    {"trtc.tts.format", MUST,
     SRC_TTS "the request's Format, SampleRate and Channel (1|2); PCM 16-bit little-endian "
             "[inference]",
     "wav: no RIFF/WAVE header or fmt chunk, not 16-bit PCM, or sample rate/channels differing "
     "from the request; pcm: not whole 16-bit frames, or a WAV file; mp3/ogg_opus: wrong "
     "magic bytes."},
    {"trtc.tts.empty", MUST, SRC_TTS "success is raw binary audio",
     "An audio answer with no audio bytes (empty body or empty WAV data)."},
    {"trtc.tts.error", SHOULD,
     SRC_TTS "failure: Content-Type: application/json, {\"error\":{\"code\":\"ERROR_CODE\","
             "\"message\":\"…\"}}; TRTC reports 10030 tts_error 30302",
     "The custom TTS answered its documented JSON error."},
    {"trtc.tts.error_shape", MUST,
     SRC_TTS "failure: Content-Type: application/json, body {\"error\":{\"code\":\"ERROR_CODE\","
             "\"message\":\"A description of the error\"}}",
     "A JSON answer that is not {\"error\":{\"code\":string,\"message\":string}}."},
    /* the cloud API (trtc_cloud.c) */
    {"trtc.api.auth", MUST,
     SRC_API "§1.2/§1.3: Authorization: TC3-HMAC-SHA256 Credential=<SecretId>/<date>/trtc/"
             "tc3_request, SignedHeaders=…, Signature=…; X-TC-Timestamp; content-type and "
             "host signed (AuthFailure.InvalidAuthorization)",
     "Missing or malformed Authorization / X-TC-* headers (emitted by the cloud API, "
     "mock/dialects/trtc_cloud.c)."},
    {"trtc.api.signature", MUST,
     SRC_API "§1.3: TC3-HMAC-SHA256 over the canonical request; Content-Type hashed exactly "
             "as sent (AuthFailure.SignatureFailure; intl.cloud.tencent.com/zh/document/api/"
             "1021/34193)",
     "The TC3 signature does not match (emitted by the cloud API)."},
    {"trtc.api.signature_expired", MUST,
     SRC_API "§1.3: X-TC-Timestamp within 5 minutes of server time; credential date = the UTC "
             "date of the timestamp (AuthFailure.SignatureExpire)",
     "Timestamp more than 5 minutes off, or the credential date is not its UTC date (emitted "
     "by the cloud API)."},
    {"trtc.api.secret_id", MUST,
     SRC_API "§1.5: AuthFailure.SecretIdNotFound / AuthFailure.InvalidSecretId "
             "(cloud.tencent.com/document/product/1388/114322)",
     "Unknown SecretId (emitted by the cloud API)."},
    {"trtc.api.version", MUST, SRC_API "§1.1/§1.2: X-TC-Version 2019-07-22 (NoSuchVersion)",
     "X-TC-Version missing or not 2019-07-22 (emitted by the cloud API)."},
    {"trtc.api.action", MUST,
     SRC_API "§1.2: X-TC-Action one of Start/Stop/Describe/Control/UpdateAIConversation "
             "(InvalidAction)",
     "Unknown or missing X-TC-Action (emitted by the cloud API)."},
    {"trtc.api.params", MUST,
     SRC_API "§1.6–§1.10: request fields, types and required flags (CLI api.json) "
             "(MissingParameter, UnknownParameter, InvalidParameter, InvalidParameterValue)",
     "A request field missing, unknown or of the wrong type (emitted by the cloud API)."},
    {"trtc.api.config", MUST,
     SRC_API "§1.6.1/§1.6.2: LLMConfig and TTSConfig are JSON text in a string, documented "
             "\"必填参数\" (trtc.io/document/68338, 68340)",
     "LLMConfig/TTSConfig not JSON or not valid against schemas/trtc/LLMConfig.json / "
     "TTSConfig.json (emitted by the cloud API)."},
    {"trtc.api.task_exist", MUST,
     SRC_API "§1.5/§1.6: FailedOperation.TaskExist (任务已存在; a SessionId reused while its "
             "task lives [inference])",
     "StartAIConversation for a task that already exists (emitted by the cloud API)."},
    {"trtc.api.task_not_exist", SHOULD,
     SRC_API "§1.5: FailedOperation.TaskNotExist (任务不存在或已结束); a backend may treat it "
             "as success (§1.7)",
     "Stop/Describe/Control/Update for a task that does not exist or has ended (emitted by "
     "the cloud API)."},
    {NULL, MUST, NULL, NULL},
};

/* ---- state -------------------------------------------------------------------------- */

/* A string remembered by hash and length, with its first bytes for messages. */
typedef struct {
    int set;
    uint64_t hash;
    size_t len;
    char head[ID_KEEP];
} id_str;

typedef struct {
    id_str id;
    int speaking;  /* a 10001 state 3 was seen */
    int ended;     /* the bot's end-of-round 10000 was seen */
    int64_t end_t; /* when */
    int after_end_reported;
    unsigned last; /* use stamp (LRU) */
} round_slot;

typedef struct {
    int64_t t[RATE_CAP];
    size_t bytes[RATE_CAP];
    unsigned head, len; /* oldest at head */
    size_t sum;         /* bytes in the window */
    int reported;       /* a burst was reported; again once the window is back within limits */
} rate_win;

struct pl_trtc_rules {
    pl_trtc_rules_opts o;
    pl_finding_fn emit; /* valid during one public call only */
    void *user;
    int shape_reported; /* during one message: the schema layer reported its shape */

    id_str user_id, bot;        /* the room */
    int no_bot_reported;        /* once per period without a bot */
    int framed[2];              /* per direction: a frame was judged, its payload not yet */
    rate_win rate[2];           /* per direction */
    round_slot rounds[ROUNDS];  /* the last rounds, by use */
    unsigned stamp;
};

void pl_trtc_rules_opts_init(pl_trtc_rules_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_custom_bytes = 1000;
    o->max_msgs_per_s = 30;
    o->max_bytes_per_s = 8192;
    o->callback_timeout_us = 5000000;
}

pl_trtc_rules *pl_trtc_rules_new(const pl_trtc_rules_opts *o)
{
    pl_trtc_rules *r = pl_xcalloc(1, sizeof *r);
    if (o)
        r->o = *o;
    else
        pl_trtc_rules_opts_init(&r->o);
    if (r->o.max_msgs_per_s > RATE_CAP - 1)
        r->o.max_msgs_per_s = RATE_CAP - 1;
    return r;
}

void pl_trtc_rules_free(pl_trtc_rules *r)
{
    free(r);
}

/* ---- small helpers ------------------------------------------------------------------ */

static void vreport(pl_finding_fn emit, void *user, const pl_rule_info *i, const char *fmt,
                    va_list ap)
{
    pl_finding f;
    f.rule = i->rule;
    f.level = i->level;
    f.source = i->source;
    vsnprintf(f.message, sizeof f.message, fmt, ap);
    emit(user, &f);
}

__attribute__((format(printf, 3, 4))) static void report(pl_trtc_rules *r, int rule,
                                                         const char *fmt, ...)
{
    if (!r->emit)
        return;
    va_list ap;
    va_start(ap, fmt);
    vreport(r->emit, r->user, &catalog[rule], fmt, ap);
    va_end(ap);
}

/* For a finding that restates a schema constraint: quiet when the schema layer already
 * reported this message (one bad field, one finding). */
#define report_shape(r, ...)                                                                       \
    do {                                                                                           \
        if (!(r)->shape_reported)                                                                  \
            report(r, __VA_ARGS__);                                                                \
    } while (0)

static const cJSON *get(const cJSON *o, const char *name)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;
}

static const char *get_str(const cJSON *o, const char *name)
{
    const cJSON *v = get(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *quote(char out[QUOTE], const char *s)
{
    return pl_utf8_quote(out, QUOTE, s, strlen(s));
}

/* "\"value\"" for a string, the number for a number, else its JSON kind. */
static const char *describe(char out[QUOTE + 2], const cJSON *v)
{
    char q[QUOTE];
    if (cJSON_IsNumber(v))
        snprintf(out, QUOTE + 2, "%g", v->valuedouble);
    else if (cJSON_IsString(v))
        snprintf(out, QUOTE + 2, "\"%s\"", quote(q, v->valuestring));
    else
        return pl_json_kind(v);
    return out;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static void id_set(id_str *d, const char *s)
{
    if (!s) {
        memset(d, 0, sizeof *d);
        return;
    }
    d->set = 1;
    d->len = strlen(s);
    d->hash = hash_bytes(s, d->len);
    pl_utf8_quote(d->head, sizeof d->head, s, d->len);
}

static int id_eq(const id_str *d, const char *s)
{
    size_t n = strlen(s);
    return d->set && d->len == n && d->hash == hash_bytes(s, n);
}

static const char *dir_who(pl_dir dir)
{
    return dir == PL_DIR_C2A ? "the client" : "the agent";
}

/* A cJSON number that is an integer, in *out. */
static int get_int(const cJSON *v, long long *out)
{
    if (!cJSON_IsNumber(v) || v->valuedouble != (double)(long long)v->valuedouble)
        return 0;
    *out = (long long)v->valuedouble;
    return 1;
}

/* ---- kinds -------------------------------------------------------------------------- */

enum { K_NONE, K_DOWN, K_UP, K_UNKNOWN, K_MALFORMED };

/* What a kind is to this module: a downlink custom type, an uplink one, an unknown or
 * malformed custom payload, or none of these (API, callbacks, upstream). *type is the
 * numeric type of a trtc.NNNNN kind. */
static int custom_kind(const char *kind, long *type)
{
    *type = 0;
    if (strncmp(kind, "trtc.", 5) != 0)
        return K_NONE;
    const char *k = kind + 5;
    if (strcmp(k, "legacy") == 0)
        return K_DOWN;
    if (strcmp(k, "unknown") == 0)
        return K_UNKNOWN;
    if (strcmp(k, "malformed") == 0)
        return K_MALFORMED;
    char *end;
    long n = strtol(k, &end, 10);
    if (end == k || *end)
        return K_NONE;
    *type = n;
    if (n == 10000 || n == 10001 || n == 10002 || n == 10020 || n == 10030)
        return K_DOWN;
    if (n == 20000 || n == 20001)
        return K_UP;
    return K_UNKNOWN;
}

static const char *type_name(long type)
{
    switch (type) {
    case 10000:
        return "10000 (subtitle)";
    case 10001:
        return "10001 (bot state)";
    case 10002:
        return "10002 (meta.info)";
    case 10020:
        return "10020 (metrics)";
    case 10030:
        return "10030 (error)";
    case 20000:
        return "20000 (text)";
    case 20001:
        return "20001 (interrupt)";
    default:
        return "legacy subtitle";
    }
}

/* ---- transport: size and rate ------------------------------------------------------- */

static void rate_check(pl_trtc_rules *r, pl_dir dir, size_t bytes, int64_t t)
{
    rate_win *w = &r->rate[dir == PL_DIR_C2A ? 0 : 1];
    if (r->o.max_msgs_per_s <= 0 && r->o.max_bytes_per_s == 0)
        return;
    while (w->len && (t - w->t[w->head] >= WINDOW_US || w->len == RATE_CAP)) {
        w->sum -= w->bytes[w->head];
        w->head = (w->head + 1) % RATE_CAP;
        w->len--;
    }
    unsigned tail = (w->head + w->len) % RATE_CAP;
    w->t[tail] = t;
    w->bytes[tail] = bytes;
    w->len++;
    w->sum += bytes;
    int over_n = r->o.max_msgs_per_s > 0 && w->len > (unsigned)r->o.max_msgs_per_s;
    int over_b = r->o.max_bytes_per_s > 0 && w->sum > r->o.max_bytes_per_s;
    if (!over_n && !over_b) {
        w->reported = 0;
        return;
    }
    if (w->reported)
        return;
    w->reported = 1;
    long long span = MS(t - w->t[w->head]);
    const char *from = dir == PL_DIR_C2A ? "from the client" : "from the bot";
    if (over_n)
        report(r, R_RATE,
               "%u custom messages (%zu bytes) %s within %lld ms: TRTC allows at most %d "
               "messages and %zu bytes per second per client",
               w->len, w->sum, from, span, r->o.max_msgs_per_s, r->o.max_bytes_per_s);
    else
        report(r, R_RATE,
               "%zu bytes of custom messages (%u messages) %s within %lld ms: TRTC allows at "
               "most %zu bytes and %d messages per second per client",
               w->sum, w->len, from, span, r->o.max_bytes_per_s, r->o.max_msgs_per_s);
}

/* One custom message of bytes bytes in dir: the size limit and the rate. */
static void transport(pl_trtc_rules *r, pl_dir dir, size_t bytes, const char *what, int64_t t)
{
    if (r->o.max_custom_bytes && bytes > r->o.max_custom_bytes)
        report(r, R_TOO_LARGE,
               "%s custom message from %s is %zu bytes, over the limit of %zu bytes per "
               "message (≤1 KB): split the text across several messages",
               what, dir_who(dir), bytes, r->o.max_custom_bytes);
    rate_check(r, dir, bytes, t);
}

/* The type of a custom message's data, for the messages of transport rules. */
static void data_type(char out[48], const char *data)
{
    cJSON *m = data ? cJSON_Parse(data) : NULL;
    const cJSON *ty = get(m, "type");
    long long n;
    if (get_int(ty, &n))
        snprintf(out, 48, "a %lld", n);
    else if (cJSON_IsString(ty))
        snprintf(out, 48, "a legacy");
    else
        snprintf(out, 48, "a");
    cJSON_Delete(m);
}

/* ---- frames ------------------------------------------------------------------------- */

static void check_cmd_id(pl_trtc_rules *r, pl_dir dir, const cJSON *frame)
{
    const cJSON *v = get(frame, "cmdId");
    long long n;
    int want = dir == PL_DIR_C2A ? 2 : 1;
    char d[QUOTE + 2];
    if (!get_int(v, &n) || n < 1 || n > 10) {
        report(r, R_CMD_ID, "%s custom_cmd frame has cmdId %s, expected %d (cmdID is 1–10)",
               dir == PL_DIR_C2A ? "client" : "agent", describe(d, v), want);
        return;
    }
    if (n == want)
        return;
    if (dir == PL_DIR_C2A)
        report(r, R_CMD_ID,
               "client custom message on cmdID %lld, expected cmdID 2: the bot listens on "
               "cmdID 2 only (cmdID 1 is the bot's downlink)",
               n);
    else
        report(r, R_CMD_ID,
               "agent custom message on cmdID %lld, expected cmdID 1: the kits drop anything "
               "not on cmdID 1 (\"cmdID 固定是1\")",
               n);
}

static void check_reliable(pl_trtc_rules *r, const cJSON *frame)
{
    const cJSON *rel = get(frame, "reliable"), *ord = get(frame, "ordered");
    char d1[QUOTE + 2], d2[QUOTE + 2];
    if (!rel && !ord)
        return;
    if (!cJSON_IsBool(rel) || !cJSON_IsBool(ord)) {
        report(r, R_RELIABLE,
               "client custom_cmd frame has reliable %s and ordered %s: sendCustomCmdMsg takes "
               "both as booleans, and they must be equal",
               cJSON_IsBool(rel) ? (cJSON_IsTrue(rel) ? "true" : "false") : describe(d1, rel),
               cJSON_IsBool(ord) ? (cJSON_IsTrue(ord) ? "true" : "false") : describe(d2, ord));
        return;
    }
    if (cJSON_IsTrue(rel) != cJSON_IsTrue(ord))
        report(r, R_RELIABLE,
               "client custom message with reliable %s and ordered %s: TRTC requires reliable "
               "and ordered to be equal (true, true as Tencent's kit sends)",
               cJSON_IsTrue(rel) ? "true" : "false", cJSON_IsTrue(ord) ? "true" : "false");
    else if (!cJSON_IsTrue(rel))
        report(r, R_UNRELIABLE,
               "client custom message with reliable false and ordered false: it may be lost "
               "(Tencent's kit sends 20000/20001 with reliable true, ordered true)");
}

void pl_trtc_rules_frame(pl_trtc_rules *r, pl_dir dir, const cJSON *frame, int64_t t_us,
                         pl_finding_fn emit, void *user)
{
    r->emit = emit;
    r->user = user;
    r->shape_reported = 0;
    check_cmd_id(r, dir, frame);
    if (dir == PL_DIR_C2A)
        check_reliable(r, frame);
    const char *data = get_str(frame, "data");
    if (data) {
        char what[48];
        size_t n = strlen(data);
        if (r->o.max_custom_bytes && n > r->o.max_custom_bytes)
            data_type(what, data);
        else
            snprintf(what, sizeof what, "a");
        transport(r, dir, n, what, t_us);
        r->framed[dir == PL_DIR_C2A ? 0 : 1] = 1;
    }
    r->emit = NULL;
    r->user = NULL;
}

/* ---- payloads ----------------------------------------------------------------------- */

/* sender, receiver and a bot in the room, for a client custom message. */
static void check_uplink(pl_trtc_rules *r, const cJSON *msg, const char *what)
{
    char q[QUOTE], d[QUOTE + 2];
    const cJSON *sender = get(msg, "sender");
    if (r->user_id.set) {
        if (!cJSON_IsString(sender))
            report_shape(r, R_SENDER, "%s from the client has sender %s, expected \"%s\"", what,
                         describe(d, sender), r->user_id.head);
        else if (!id_eq(&r->user_id, sender->valuestring))
            report(r, R_SENDER,
                   "%s from the client has sender \"%s\", expected the session's user \"%s\"",
                   what, quote(q, sender->valuestring), r->user_id.head);
    }
    if (!r->bot.set) {
        if (!r->no_bot_reported)
            report(r, R_NO_BOT,
                   "%s from the client while no bot is in the room: start an AI conversation "
                   "task first, nobody acts on it",
                   what);
        r->no_bot_reported = 1;
        return;
    }
    const cJSON *rec = get(msg, "receiver"), *e;
    if (!cJSON_IsArray(rec)) {
        report_shape(r, R_RECEIVER,
                     "%s from the client has receiver %s, expected an array listing the bot "
                     "\"%s\"",
                     what, describe(d, rec), r->bot.head);
        return;
    }
    cJSON_ArrayForEach(e, rec)
    {
        if (cJSON_IsString(e) && id_eq(&r->bot, e->valuestring))
            return;
    }
    int n = cJSON_GetArraySize(rec);
    const cJSON *first = cJSON_GetArrayItem(rec, 0);
    if (n == 0)
        report(r, R_RECEIVER,
               "%s from the client has receiver [], expected [\"%s\"]: the bot only acts on "
               "messages addressed to it",
               what, r->bot.head);
    else
        report(r, R_RECEIVER,
               "%s from the client has receiver [%s%s] (%d entr%s), which does not list the bot "
               "\"%s\"",
               what, describe(d, first), n > 1 ? ", …" : "", n, n > 1 ? "ies" : "y",
               r->bot.head);
}

/* The round of roundid, created (evicting the least recently used) when unknown; *fresh
 * says it was not remembered. */
static round_slot *round_get(pl_trtc_rules *r, const char *roundid, int *fresh)
{
    round_slot *lru = &r->rounds[0];
    r->stamp++;
    for (int i = 0; i < ROUNDS; i++) {
        round_slot *s = &r->rounds[i];
        if (id_eq(&s->id, roundid)) {
            s->last = r->stamp;
            *fresh = 0;
            return s;
        }
        if (!s->id.set || (lru->id.set && s->last < lru->last))
            lru = s;
    }
    memset(lru, 0, sizeof *lru);
    id_set(&lru->id, roundid);
    lru->last = r->stamp;
    *fresh = 1;
    return lru;
}

static void on_state(pl_trtc_rules *r, const cJSON *msg)
{
    const cJSON *payload = get(msg, "payload");
    const char *roundid = get_str(payload, "roundid");
    long long state;
    if (!roundid || !get_int(get(payload, "state"), &state))
        return; /* the schema's: nothing to judge */
    int fresh; /* every state touches its round: the ring holds the recent ones */
    round_slot *s = round_get(r, roundid, &fresh);
    if (state == 3)
        s->speaking = 1;
    else if (state == 4 && !s->speaking)
        report(r, R_INTERRUPT_BEFORE_SPEAKING,
               "10001 state 4 (interrupted) for round \"%s\", which %s: the bot can only be "
               "interrupted while speaking (state 3)",
               s->id.head,
               fresh ? "had no state 3 (speaking) before (not among the last 8 rounds)"
                     : "never had state 3 (speaking)");
}

static void on_subtitle(pl_trtc_rules *r, const cJSON *msg, int64_t t)
{
    const char *sender = get_str(msg, "sender");
    const cJSON *payload = get(msg, "payload");
    const char *roundid = get_str(payload, "roundid");
    const char *text = get_str(payload, "text");
    if (!sender || !roundid || !text)
        return;
    /* the bot's subtitles: from the bot, or (bot unknown) from anyone but the user */
    int bot = r->bot.set ? id_eq(&r->bot, sender) : r->user_id.set && !id_eq(&r->user_id, sender);
    if (!bot)
        return;
    int fresh;
    round_slot *s = round_get(r, roundid, &fresh);
    char q[QUOTE];
    if (s->ended) {
        if (!s->after_end_reported)
            report(r, R_SUBTITLE_AFTER_END,
                   "bot 10000 \"%s\" for round \"%s\" %lld ms after that round's end (a 10000 "
                   "with empty text and end:true): the round is over",
                   quote(q, text), s->id.head, MS(t - s->end_t));
        s->after_end_reported = 1;
        return;
    }
    if (!text[0] && cJSON_IsTrue(get(payload, "end"))) {
        s->ended = 1;
        s->end_t = t;
    }
}

static void on_custom(pl_trtc_rules *r, pl_dir dir, int ck, long type, const cJSON *msg,
                      size_t len, int64_t t)
{
    int *framed = &r->framed[dir == PL_DIR_C2A ? 0 : 1];
    if (!*framed && (ck == K_DOWN || ck == K_UP) && len)
        transport(r, dir, len, "a", t); /* not seen in a frame: counted here */
    *framed = 0;
    char what[48];
    if (ck == K_DOWN || ck == K_UP)
        snprintf(what, sizeof what, "%s", type_name(type));
    else
        snprintf(what, sizeof what, "a custom message");
    if (ck == K_DOWN && dir == PL_DIR_C2A)
        report(r, R_DIRECTION,
               "the client sent a %s: a downlink type only the bot sends (on cmdID 1); clients "
               "send 20000 (text) and 20001 (interrupt)",
               what);
    else if (ck == K_UP && dir == PL_DIR_A2C)
        report(r, R_DIRECTION,
               "the agent sent a %s: an uplink type only a client sends to the bot (on cmdID "
               "2); the agent sends 10000–10030",
               what);
    if (dir == PL_DIR_C2A && (ck == K_UP || ck == K_UNKNOWN) && cJSON_IsObject(msg))
        check_uplink(r, msg, what);
    if (dir == PL_DIR_A2C && type == 10001)
        on_state(r, msg);
    else if (dir == PL_DIR_A2C && type == 10000)
        on_subtitle(r, msg, t);
}

/* A trtc.callback.answer record: {"EventType","TaskId","attempt","status","body","ms",
 * "error"}. */
static void on_callback_answer(pl_trtc_rules *r, const cJSON *msg)
{
    char q[QUOTE], who[160], d[QUOTE + 2];
    long long ev = 0, attempt = 0, status;
    const char *task = get_str(msg, "TaskId");
    get_int(get(msg, "EventType"), &ev);
    get_int(get(msg, "attempt"), &attempt);
    snprintf(who, sizeof who, "callback %lld (task \"%s\", attempt %lld)", ev,
             task ? quote(q, task) : "?", attempt);
    const cJSON *st = get(msg, "status"), *ms = get(msg, "ms");
    if (!get_int(st, &status)) {
        report_shape(r, R_CALLBACK_STATUS, "%s: the answer record has status %s, expected a number",
                     who, describe(d, st));
        return;
    }
    if (status == -1) {
        const char *err = get_str(msg, "error");
        report(r, R_CALLBACK_TIMEOUT,
               "%s got no answer (%s): the receiver must answer HTTP 200 within %lld ms; "
               "TRTC retries at once, then every 10 s for a minute",
               who, err ? quote(q, err) : "no error given", MS(r->o.callback_timeout_us));
        return;
    }
    if (cJSON_IsNumber(ms) && r->o.callback_timeout_us > 0 &&
        ms->valuedouble * 1000 > (double)r->o.callback_timeout_us)
        report(r, R_CALLBACK_TIMEOUT,
               "%s was answered after %.0f ms, over the %lld ms TRTC waits: it counts as a "
               "failure and is retried",
               who, ms->valuedouble, MS(r->o.callback_timeout_us));
    const char *body = get_str(msg, "body");
    if (status != 200) {
        report(r, R_CALLBACK_STATUS, "%s was answered HTTP %lld, expected 200 (body \"%s\")", who,
               status, body ? quote(q, body) : "");
        return;
    }
    cJSON *b = body ? cJSON_ParseWithOpts(body, NULL, 1) : NULL;
    const cJSON *code = get(b, "code");
    if (!cJSON_IsNumber(code) || code->valuedouble != 0)
        report(r, R_CALLBACK_BODY, "%s was answered 200 with body \"%s\", expected {\"code\":0}",
               who, body ? quote(q, body) : "");
    cJSON_Delete(b);
}

void pl_trtc_rules_message(pl_trtc_rules *r, pl_dir dir, const char *kind, const cJSON *msg,
                           const void *raw, size_t len, int schema_ok, int64_t t_us,
                           pl_finding_fn emit, void *user)
{
    r->emit = emit;
    r->user = user;
    r->shape_reported = schema_ok == 0;
    if (!kind)
        kind = msg ? "trtc.unknown" : "trtc.malformed";
    long type;
    int ck = custom_kind(kind, &type);
    if (ck != K_NONE)
        on_custom(r, dir, ck, type, msg, raw ? len : 0, t_us);
    else if (strcmp(kind, "trtc.callback.answer") == 0)
        on_callback_answer(r, msg);
    r->emit = NULL;
    r->user = NULL;
}

void pl_trtc_rules_room(pl_trtc_rules *r, const char *user, const char *bot)
{
    id_set(&r->user_id, user && user[0] ? user : NULL);
    int had = r->bot.set;
    id_set(&r->bot, bot && bot[0] ? bot : NULL);
    if (r->bot.set != had)
        r->no_bot_reported = 0;
}

void pl_trtc_rules_tick(pl_trtc_rules *r, int64_t t_us, pl_finding_fn emit, void *user)
{
    (void)r;
}

/* ---- catalog ------------------------------------------------------------------------ */

const pl_rule_info *pl_trtc_rules_catalog(void)
{
    return catalog;
}

const pl_rule_info *pl_trtc_rule(const char *id)
{
    for (const pl_rule_info *i = catalog; id && i->rule; i++)
        if (strcmp(i->rule, id) == 0)
            return i;
    return NULL;
}

void pl_trtc_report(pl_finding_fn emit, void *user, const char *id, const char *fmt, ...)
{
    const pl_rule_info *i = pl_trtc_rule(id);
    if (!emit || !i)
        return;
    va_list ap;
    va_start(ap, fmt);
    vreport(emit, user, i, fmt, ap);
    va_end(ap);
}
