/* volc_rules.c — the stateful volc rules (see volc_rules.h for the contract).
 *
 * How it works. pl_volc_rules_frame() judges the bridge frame of a user_binary (is there a
 * bot, is it addressed to it). pl_volc_rules_message() judges a room payload in two steps:
 * the TLV framing from the raw bytes (size, header length, magic and its direction, a JSON
 * object in UTF-8), then the value by kind: a tool call (tool, or the legacy func sent by
 * the agent) adds its ids to the pending calls, a func answers one, a ctrl goes through the
 * command checks (check_command(), shared with the cloud's UpdateVoiceChat through
 * pl_volc_check_command()), a conv moves its round's state, a subv its speaker's sequence.
 * volc.callback.message records add the tool calls POSTed to a server, volc.api.*
 * UpdateVoiceChat function commands answer them (silently: the cloud reports those), and
 * volc.callback.answer records are judged on their own. The tick fires the tool-call
 * deadline.
 *
 * The state is fixed size: the room (user and bot ids, by hash and length with their first
 * bytes for messages), a ring of the last CALLS tool calls (id by hash, when sent, answered
 * or not), and two small tables replaced least recently used first: ROUNDS conv rounds (task
 * and RoundID, whether it had a conv 3) and SPEAKERS subtitle streams (userId and roundId,
 * the last sequence). Lookups scan these fixed tables: the work per message does not grow
 * with the session's history. The rule table (catalog[]) is indexed by the R_* enum;
 * report() fills a pl_finding from it, report_shape() stays quiet when the schema layer
 * already reported the message. */
#include "mock/dialects/volc_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/pl_buf.h"
#include "core/pl_json.h"
#include "core/pl_utf8.h"

#define ID_KEEP 48   /* ids keep this many bytes for messages */
#define NAME_KEEP 32 /* tool function names */
#define QUOTE 64     /* quoted values in messages */
#define CALLS 64     /* tool calls remembered (pending or answered) */
#define ROUNDS 8     /* conv rounds remembered */
#define SPEAKERS 8   /* subtitle streams (userId, roundId) remembered */
#define TLV_HEADER 8
#define CALLBACK_TIMEOUT_US 5000000 /* the agent's server-message POST timeout (spec) */
#define MS(us) ((long long)((us) / 1000))

/* ---- rule catalog ------------------------------------------------------------------- */

enum {
    R_TLV_LENGTH,
    R_TLV_MAGIC,
    R_TLV_JSON,
    R_TLV_TOO_LARGE,
    R_TLV_SHORT,
    R_ROOM_TO,
    R_ROOM_NO_BOT,
    R_FUNC_UNKNOWN_ID,
    R_FUNC_SHAPE,
    R_FUNC_TIMEOUT,
    R_FUNC_LEGACY_MAGIC,
    R_CMD_UNKNOWN,
    R_CMD_CASE,
    R_CMD_MESSAGE,
    R_CMD_INTERRUPT_MODE,
    R_CONV_ORDER,
    R_CONV_CODE,
    R_SUBV_SEQUENCE,
    R_KEY_CASE,
    R_CB_STATUS,
    R_CB_TIMEOUT,
    R__OWN /* the rules of this module end here; the rest is reported by volc_cloud.c */
};

#define MUST PL_LEVEL_MUST
#define SHOULD PL_LEVEL_SHOULD

#define SRC_TLV                                                                                     \
    "volc.md §2.1: TLV = 4-byte ASCII magic \"subv\"|\"conv\"|\"tool\"|\"func\"|\"ctrl\", uint32 " \
    "big-endian length of the value, UTF-8 JSON value (rtc-aigc-demo utils.ts string2tlv/"          \
    "tlv2String; docs 6348/1337284, 1415216 \"大端序\")"
#define SRC_CMD                                                                                    \
    "volc.md §1.6: UpdateVoiceChat Command interrupt · function · ExternalTextToSpeech · "     \
    "ExternalPromptsForLLM · ExternalTextToLLM · FinishSpeechRecognition (mcp-server note.py); " \
    "§2.5: the same {Command, InterruptMode, Message} in a ctrl TLV"
#define SRC_API "volc.md §1 (OpenAPI, V4 signing; docs/dev/volc-spec.md \"OpenAPI\"): "

static const pl_rule_info catalog[] = {
    [R_TLV_LENGTH] = {"volc.tlv.length", MUST, SRC_TLV,
                      "A binary room message whose header length differs from the number of "
                      "bytes after the 8-byte header."},
    [R_TLV_MAGIC] = {"volc.tlv.magic", MUST,
                     SRC_TLV "; §2.1: the agent sends subv/conv/tool as room messages, clients "
                             "send func/ctrl with sendUserBinaryMessage(agentUserId, …)",
                     "A magic that is none of subv, conv, tool, func, ctrl; or subv/conv/tool "
                     "sent by the client; or ctrl sent by the agent."},
    [R_TLV_JSON] = {"volc.tlv.json", MUST, SRC_TLV,
                    "A TLV value (known magic) that is not JSON, not a JSON object, or not "
                    "valid UTF-8."},
    [R_TLV_TOO_LARGE] = {"volc.tlv.too_large", MUST,
                         "volc.md §2.1: binary messages \"长度不超过 64 KB\" (doc 6348/1415216)",
                         "A binary room message over max_tlv_bytes (65536) bytes, header "
                         "included."},
    [R_TLV_SHORT] = {"volc.tlv.short", MUST, SRC_TLV,
                     "A binary room message shorter than the 8-byte TLV header (kind "
                     "volc.malformed)."},
    [R_ROOM_TO] = {"volc.room.to", MUST,
                   "volc.md §2.1: client → agent messages are user binary messages addressed to "
                   "the agent's UserId (sendUserBinaryMessage(agentUserId, …)); §4 #10: the demo "
                   "answers a hard-coded 'RobotMan_'",
                   "A user_binary frame whose \"to\" is not the bot in the room (or is "
                   "missing)."},
    [R_ROOM_NO_BOT] = {"volc.room.no_bot", MUST,
                       "volc.md §2.1: user binary messages go to the agent's UserId; §2.6: the "
                       "agent is a remote user of the room only between join and leave",
                       "A user_binary while no bot is in the room: nobody receives it, it is "
                       "lost. Each message."},
    [R_FUNC_UNKNOWN_ID] = {"volc.func.unknown_id", MUST,
                           "volc.md §2.4: the client answers a tool call with func "
                           "{\"ToolCallID\":<the tool_calls[].id>,\"Content\"} (rtc-aigc-demo "
                           "handler.ts, embedded VolcRTCDemo.c)",
                           "A func whose ToolCallID is not a pending tool call of the agent: "
                           "never sent (among the last 64), or already answered."},
    [R_FUNC_SHAPE] = {"volc.func.shape", MUST,
                      "volc.md §2.4: func value {\"ToolCallID\",\"Content\"}; §1.6: the "
                      "UpdateVoiceChat function Message is that JSON as a string",
                      "A func value, or a function command's Message, without a string "
                      "ToolCallID and a string Content (the Message not JSON)."},
    [R_FUNC_TIMEOUT] = {"volc.func.timeout", SHOULD,
                        "volc.md §2.8 step 4: tool → func → conv 3; docs/dev/volc-spec.md: no "
                        "answer within timing.func_timeout (10 s) → the agent goes back to "
                        "listening [decided]",
                        "A tool call of the agent without an answer (func or UpdateVoiceChat "
                        "function) within func_timeout (10 s). Once per call."},
    [R_FUNC_LEGACY_MAGIC] = {"volc.func.legacy_magic", SHOULD,
                             "volc.md §2.4, §4 #9: tool calls were sent under magic \"func\" in "
                             "the Jan–Apr 2025 demo, \"tool\" since rtc-aigc-demo 6ec1ca5 (\"fix "
                             "function call type\"); a client listening for one misses the other",
                             "The agent sent a tool call (or anything) under magic \"func\" (the "
                             "pre-6ec1ca5 tool-call magic)."},
    [R_CMD_UNKNOWN] = {"volc.command.unknown", MUST, SRC_CMD,
                       "A ctrl value or UpdateVoiceChat without a string Command, or with a "
                       "Command none of the six (even case-insensitively)."},
    [R_CMD_CASE] = {"volc.command.case", SHOULD,
                    SRC_CMD "; the embedded server sends \"Interrupt\"/\"Function\" "
                            "(RtcAigcService.py) [inf: matched case-insensitively]",
                    "A Command that matches a documented one only case-insensitively "
                    "(\"Interrupt\")."},
    [R_CMD_MESSAGE] = {"volc.command.message", MUST,
                       "volc.md §1.6: Message required for function / ExternalTextToSpeech / "
                       "ExternalPromptsForLLM / ExternalTextToLLM (mcp-server note.py)",
                       "function, ExternalTextToSpeech, ExternalPromptsForLLM or ExternalTextToLLM "
                       "without a Message, or with an empty or non-string one."},
    [R_CMD_INTERRUPT_MODE] = {"volc.command.interrupt_mode", MUST,
                              "volc.md §1.6: InterruptMode required for ExternalTextToSpeech / "
                              "ExternalTextToLLM: 1 high, 2 medium, 3 low (mcp-server note.py)",
                              "ExternalTextToSpeech or ExternalTextToLLM without an integer "
                              "InterruptMode in 1–3."},
    [R_CONV_ORDER] = {"volc.conv.order", MUST,
                      "volc.md §2.3: Stage.Code 1 listening, 2 thinking, 3 speaking, 4 "
                      "interrupted, 5 finished speaking (doc 6348/1415216); §2.8: 3 → subv → 5, "
                      "barge-in cuts the answer (4)",
                      "An agent conv 4 (interrupted) or 5 (finished speaking) in a round that had "
                      "no conv 3 (speaking) before (among the last 8 rounds)."},
    [R_CONV_CODE] = {"volc.conv.code", MUST,
                     "volc.md §2.3: Stage.Code 1–5 (doc 6348/1415216; ConvAI-Kit "
                     "VOLC_CONV_STATUS_*)",
                     "An agent conv whose Stage.Code is not an integer 1–5."},
    [R_SUBV_SEQUENCE] = {"volc.subv.sequence", SHOULD,
                         "volc.md §2.2: data[].sequence numbers the subtitle pieces; §2.8: "
                         "sequence increments per piece [inf]",
                         "An agent subv piece whose sequence goes back, or repeats the number of a "
                         "finished sentence (definite), for the same userId and roundId."},
    [R_KEY_CASE] = {"volc.key_case", SHOULD,
                    "volc.md §1.5 [inf]: the backend decodes JSON keys case-insensitively (Go "
                    "encoding/json); the documented spellings are Command, InterruptMode, "
                    "Message (§2.5) and ToolCallID, Content (§2.4)",
                    "A ctrl or func key (or a function Message key) that matches a documented "
                    "key only case-insensitively (\"command\", \"toolCallId\"); read as the "
                    "documented key."},
    [R_CB_STATUS] = {"volc.callback.status", SHOULD,
                     "volc.md §3.1: reply expectations for server messages not documented; "
                     "integrators answer 200 [3p]",
                     "A server-message callback (volc.callback.answer) answered with a status "
                     "that is not 2xx."},
    [R_CB_TIMEOUT] = {"volc.callback.timeout", SHOULD,
                      "volc.md §3.1/§3.2: callbacks expect an answer within 5 s; "
                      "docs/dev/volc-spec.md: 5 s timeout, no retry [decided]",
                      "A server-message callback without an answer (status -1: timeout, "
                      "connection failed) or answered after 5000 ms."},
    /* the cloud API (volc_cloud.c) */
    {"volc.api.auth", MUST,
     SRC_API "§1.2: Authorization: HMAC-SHA256 Credential=AK/scope, SignedHeaders=…, "
             "Signature=… (MissingAuthenticationToken 100003, InvalidAuthorization 100024)",
     "No Authorization header, or one that cannot be parsed (emitted by the cloud API, "
     "mock/dialects/volc_cloud.c)."},
    {"volc.api.credential", MUST,
     SRC_API "§1.2: CredentialScope YYYYMMDD/cn-north-1/rtc/request, X-Date "
             "YYYYMMDD'T'HHMMSS'Z' (InvalidCredential 100025, MissingRequestInfo 100004)",
     "A scope that is not DATE/REGION/rtc/request or an unknown region; no or bad X-Date, or "
     "a scope date that is not X-Date's (emitted by the cloud API)."},
    {"volc.api.timestamp", MUST,
     SRC_API "§1.3: InvalidTimestamp 100006 \"The signature of the request is expired\"; "
             "±15 min [inf]",
     "X-Date outside the allowed skew (emitted by the cloud API)."},
    {"volc.api.access_key", MUST,
     SRC_API "§1.3: InvalidAccessKey 100009 \"The accesskey […] included in the request is "
             "invalid\"",
     "Unknown access key (emitted by the cloud API)."},
    {"volc.api.signature", MUST,
     SRC_API "§1.2: the V4 signature over the canonical request; X-Content-Sha256 = SHA-256 of "
             "the body (SignatureDoesNotMatch 100010)",
     "X-Content-Sha256 not the body's hash, or the signature differs (emitted by the cloud "
     "API)."},
    {"volc.api.action", MUST,
     SRC_API "§1.1: Actions StartVoiceChat/UpdateVoiceChat/StopVoiceChat, Versions "
             "2024-06-01, 2024-12-01, 2025-06-01 (InvalidActionOrVersion 100008)",
     "Unknown Action or Version (emitted by the cloud API)."},
    {"volc.api.params", MUST,
     SRC_API "§1.4–§1.7: request fields and types (MissingParameter 100002, InvalidParameter "
             "100001)",
     "A body that is not a JSON object, a required field missing, or a field of the wrong "
     "type or value (schemas/volc/api.*.json; emitted by the cloud API)."},
    {"volc.api.target_user", MUST,
     SRC_API "§1.4: AgentConfig.TargetUserId: exactly one real user id; UserId must differ "
             "from it (doc 6348/1558163)",
     "TargetUserId not exactly one id, or equal to AgentConfig.UserId (emitted by the cloud "
     "API)."},
    {"volc.api.task_started", MUST,
     SRC_API "§1.3, §4 #3: \"The task has been started. Please do not call the startup task "
             "interface repeatedly.\" (rtc-aigc-demo README FAQ)",
     "StartVoiceChat for an AppId+RoomId+TaskId that is running (emitted by the cloud API)."},
    {"volc.api.task_not_found", SHOULD,
     SRC_API "§6 gaps: Update/Stop of an unknown task (exact Code unknown) [decided]",
     "UpdateVoiceChat/StopVoiceChat for a task that does not exist or has ended (emitted by "
     "the cloud API)."},
    {"volc.task.not_stopped", SHOULD,
     "volc.md §1.7: if the human leaves, the task auto-stops after IdleTimeout (180 s, "
     "billed); §2.6: the demo's leave is StopVoiceChat, then leaveRoom",
     "The user left the room while its task still runs (no StopVoiceChat; emitted by the "
     "dialect, mock/dialects/volc.c)."},
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
    char name[NAME_KEEP]; /* function.name, for messages */
    int64_t sent;         /* when the tool call was seen */
    int64_t answered_t;
    int answered; /* a func / function command answered it */
    int timeout_reported;
} tool_call;

typedef struct {
    int set;
    uint64_t task; /* hash of TaskId ("" when none) */
    long long round;
    int speaking; /* a conv 3 was seen in this round */
    unsigned last;
} round_slot;

typedef struct {
    id_str user;
    int has_round;
    long long round;
    long long seq;
    int definite; /* the last piece was definite */
    int fresh;    /* next piece starts a new run (a paragraph ended) */
    unsigned last;
} speaker_slot;

/* Where findings go during one public call. */
typedef struct {
    pl_finding_fn emit;
    void *user;
    int shape_reported; /* the schema layer reported this message's shape */
} sink;

struct pl_volc_rules {
    pl_volc_rules_opts o;
    sink k; /* valid during one public call only */

    id_str user_id, bot; /* the room */
    tool_call calls[CALLS];
    unsigned calls_next;  /* ring position of the next call */
    unsigned calls_count; /* tool calls seen in all (for "not among the last 64") */
    unsigned pending;     /* calls not answered and not timed out */
    round_slot rounds[ROUNDS];
    speaker_slot speakers[SPEAKERS];
    unsigned stamp;
};

void pl_volc_rules_opts_init(pl_volc_rules_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_tlv_bytes = 65536;
    o->func_timeout_us = 10000000;
}

pl_volc_rules *pl_volc_rules_new(const pl_volc_rules_opts *o)
{
    pl_volc_rules *r = pl_xcalloc(1, sizeof *r);
    if (o)
        r->o = *o;
    else
        pl_volc_rules_opts_init(&r->o);
    return r;
}

void pl_volc_rules_free(pl_volc_rules *r)
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

__attribute__((format(printf, 3, 4))) static void report(const sink *k, int rule, const char *fmt,
                                                         ...)
{
    if (!k->emit)
        return;
    va_list ap;
    va_start(ap, fmt);
    vreport(k->emit, k->user, &catalog[rule], fmt, ap);
    va_end(ap);
}

/* For a finding that restates a schema constraint: quiet when the schema layer already
 * reported this message (one bad field, one finding). */
#define report_shape(k, ...)                                                                       \
    do {                                                                                           \
        if (!(k)->shape_reported)                                                                  \
            report(k, __VA_ARGS__);                                                                \
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

/* The member named name, else the first one whose name matches it case-insensitively (the
 * backend's reading, volc.md §1.5). */
static const cJSON *get_ci(const cJSON *o, const char *name)
{
    const cJSON *v = get(o, name), *e;
    if (v || !cJSON_IsObject(o))
        return v;
    cJSON_ArrayForEach(e, o)
    {
        if (e->string && strcasecmp(e->string, name) == 0)
            return e;
    }
    return NULL;
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

/* A cJSON number that is an integer, in *out. */
static int get_int(const cJSON *v, long long *out)
{
    if (!cJSON_IsNumber(v) || v->valuedouble != (double)(long long)v->valuedouble)
        return 0;
    *out = (long long)v->valuedouble;
    return 1;
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

/* The 4 magic bytes for a message: printable ASCII as is, others as \xNN. */
static const char *magic_text(char out[20], const unsigned char *p)
{
    size_t o = 0;
    for (int i = 0; i < 4; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
            out[o++] = (char)p[i];
        else
            o += (size_t)snprintf(out + o, 20 - o, "\\x%02x", p[i]);
    }
    out[o] = '\0';
    return out;
}

/* ---- key casing ---------------------------------------------------------------------- */

/* Reports every key of o that matches one of docs (NULL-terminated) only
 * case-insensitively; where names the object ("ctrl value"). */
static void check_keys(const sink *k, const cJSON *o, const char *const *docs, const char *where)
{
    const cJSON *e;
    char q[QUOTE];
    if (!cJSON_IsObject(o))
        return;
    cJSON_ArrayForEach(e, o)
    {
        for (const char *const *d = docs; e->string && *d; d++)
            if (strcasecmp(e->string, *d) == 0 && strcmp(e->string, *d) != 0) {
                report(k, R_KEY_CASE,
                       "key \"%s\" of the %s is spelled \"%s\" in the API (read as %s; the "
                       "backend matches keys case-insensitively, clients may not)",
                       quote(q, e->string), where, *d, *d);
                break;
            }
    }
}

static const char *const ctrl_keys[] = {"Command", "InterruptMode", "Message", NULL};
static const char *const func_keys[] = {"ToolCallID", "Content", NULL};

/* ---- commands ------------------------------------------------------------------------ */

static const struct {
    const char *name;
    int needs_message; /* Message required */
    int needs_mode;    /* InterruptMode 1–3 required */
} commands[] = {
    {"interrupt", 0, 0},
    {"function", 1, 0},
    {"ExternalTextToSpeech", 1, 1},
    {"ExternalPromptsForLLM", 1, 0},
    {"ExternalTextToLLM", 1, 1},
    {"FinishSpeechRecognition", 0, 0},
};
#define N_COMMANDS (sizeof commands / sizeof *commands)
#define COMMAND_LIST                                                                               \
    "interrupt, function, ExternalTextToSpeech, ExternalPromptsForLLM, ExternalTextToLLM, "        \
    "FinishSpeechRecognition"

/* A function command's Message: the JSON text of {"ToolCallID","Content"}. Returns the
 * parsed object (caller deletes) when its ToolCallID and Content are strings, else NULL
 * after reporting volc.func.shape. */
static cJSON *function_message(const sink *k, const char *who, const char *message)
{
    char q[QUOTE], d1[QUOTE + 2], d2[QUOTE + 2];
    cJSON *m = cJSON_Parse(message);
    if (!cJSON_IsObject(m)) {
        report(k, R_FUNC_SHAPE,
               "%s function Message \"%s\" is %s, expected the JSON text of "
               "{\"ToolCallID\":\"<the tool call's id>\",\"Content\":\"<the result>\"}",
               who, quote(q, message), m ? "JSON but not an object" : "not JSON");
        cJSON_Delete(m);
        return NULL;
    }
    check_keys(k, m, func_keys, "function Message");
    const cJSON *id = get_ci(m, "ToolCallID"), *content = get_ci(m, "Content");
    if (!cJSON_IsString(id) || !cJSON_IsString(content)) {
        report(k, R_FUNC_SHAPE,
               "%s function Message has ToolCallID %s and Content %s, expected strings: "
               "{\"ToolCallID\":\"<the tool call's id>\",\"Content\":\"<the result>\"}",
               who, describe(d1, id), describe(d2, content));
        cJSON_Delete(m);
        return NULL;
    }
    return m;
}

/* The checks of pl_volc_check_command(); who names the sender in messages. */
static int check_command(const sink *k, const cJSON *o, const char **canon, const char *who)
{
    char q[QUOTE], d[QUOTE + 2];
    if (canon)
        *canon = NULL;
    if (!cJSON_IsObject(o)) {
        report_shape(k, R_CMD_UNKNOWN, "%s is %s, expected an object with a Command", who,
                     pl_json_kind(o));
        return -1;
    }
    char where[32];
    snprintf(where, sizeof where, "%s %s", who, strcmp(who, "ctrl") == 0 ? "value" : "body");
    check_keys(k, o, ctrl_keys, where);
    const cJSON *cmd = get_ci(o, "Command");
    if (!cJSON_IsString(cmd)) {
        report_shape(k, R_CMD_UNKNOWN, "%s has Command %s, expected one of " COMMAND_LIST, who,
                     describe(d, cmd));
        return -1;
    }
    size_t i;
    for (i = 0; i < N_COMMANDS && strcmp(cmd->valuestring, commands[i].name) != 0; i++)
        ;
    if (i == N_COMMANDS) {
        for (i = 0; i < N_COMMANDS && strcasecmp(cmd->valuestring, commands[i].name) != 0; i++)
            ;
        if (i == N_COMMANDS) {
            report(k, R_CMD_UNKNOWN, "%s has Command \"%s\", which is none of " COMMAND_LIST, who,
                   quote(q, cmd->valuestring));
            return -1;
        }
        report(k, R_CMD_CASE,
               "%s has Command \"%s\", spelled \"%s\" in the API (the backend matches it "
               "case-insensitively [inf], a stricter one would not)",
               who, quote(q, cmd->valuestring), commands[i].name);
    }
    if (canon)
        *canon = commands[i].name;
    const char *name = commands[i].name;
    int ok = 0;
    const cJSON *msg = get_ci(o, "Message");
    if (commands[i].needs_message) {
        if (!msg) {
            report(k, R_CMD_MESSAGE, "%s %s has no Message: %s needs %s in Message", who, name,
                   name,
                   strcmp(name, "function") == 0 ? "the JSON text of {\"ToolCallID\",\"Content\"}"
                                                 : "the text");
            ok = -1;
        } else if (!cJSON_IsString(msg)) {
            report_shape(k, R_CMD_MESSAGE, "%s %s has Message %s, expected a string", who, name,
                         pl_json_kind(msg));
            ok = -1;
        } else if (!msg->valuestring[0]) {
            report(k, R_CMD_MESSAGE, "%s %s has an empty Message: %s needs the text to act on", who,
                   name, name);
            ok = -1;
        } else if (strcmp(name, "function") == 0) {
            cJSON *m = function_message(k, who, msg->valuestring);
            if (!m)
                ok = -1;
            cJSON_Delete(m);
        }
    }
    if (commands[i].needs_mode) {
        const cJSON *mode = get_ci(o, "InterruptMode");
        long long n;
        if (!mode)
            report(k, R_CMD_INTERRUPT_MODE,
                   "%s %s has no InterruptMode, expected 1 (interrupt now), 2 (after the current "
                   "answer) or 3 (drop when busy)",
                   who, name);
        else if (!get_int(mode, &n))
            report_shape(k, R_CMD_INTERRUPT_MODE,
                         "%s %s has InterruptMode %s, expected an integer 1–3", who, name,
                         describe(d, mode));
        else if (n < 1 || n > 3)
            report(k, R_CMD_INTERRUPT_MODE,
                   "%s %s has InterruptMode %lld, expected 1 (interrupt now), 2 (after the "
                   "current answer) or 3 (drop when busy)",
                   who, name, n);
        if (!mode || !get_int(mode, &n) || n < 1 || n > 3)
            ok = -1;
    }
    return ok;
}

int pl_volc_check_command(const cJSON *cmd_obj, const char **canon, pl_finding_fn emit, void *user)
{
    sink k = {emit, user, 0};
    /* an UpdateVoiceChat body carries the task's ids; a ctrl value does not */
    int api = get(cmd_obj, "TaskId") || get(cmd_obj, "RoomId") || get(cmd_obj, "AppId");
    return check_command(&k, cmd_obj, canon, api ? "UpdateVoiceChat" : "ctrl");
}

/* ---- tool calls ---------------------------------------------------------------------- */

static tool_call *call_find(pl_volc_rules *r, const char *id)
{
    for (unsigned i = 0; i < CALLS; i++)
        if (id_eq(&r->calls[i].id, id))
            return &r->calls[i];
    return NULL;
}

static void call_add(pl_volc_rules *r, const char *id, const char *name, int64_t t)
{
    tool_call *c = call_find(r, id);
    if (!c) {
        c = &r->calls[r->calls_next];
        r->calls_next = (r->calls_next + 1) % CALLS;
        r->calls_count++;
        if (c->id.set && !c->answered && !c->timeout_reported)
            r->pending--; /* evicted while pending: forgotten */
    } else if (!c->answered && !c->timeout_reported) {
        r->pending--; /* the same id again: it starts over */
    }
    memset(c, 0, sizeof *c);
    id_set(&c->id, id);
    pl_utf8_quote(c->name, sizeof c->name, name ? name : "?", name ? strlen(name) : 1);
    c->sent = t;
    r->pending++;
}

/* The tool calls of a tool value (or a legacy func sent by the agent, or a callback). */
static void add_tool_calls(pl_volc_rules *r, const cJSON *value, int64_t t)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, get(value, "tool_calls"))
    {
        const char *id = get_str(e, "id");
        if (id)
            call_add(r, id, get_str(get(e, "function"), "name"), t);
    }
}

/* The most recent pending call, for messages. */
static const tool_call *latest_pending(const pl_volc_rules *r)
{
    for (unsigned k = 1; k <= CALLS; k++) {
        const tool_call *c = &r->calls[(r->calls_next + CALLS - k) % CALLS];
        if (c->id.set && !c->answered && !c->timeout_reported)
            return c;
    }
    return NULL;
}

/* The deadline of a pending call at time t (from the tick). */
static void timeout_check(pl_volc_rules *r, tool_call *c, int64_t t)
{
    int64_t lim = r->o.func_timeout_us;
    if (lim <= 0 || c->answered || c->timeout_reported || t - c->sent <= lim)
        return;
    c->timeout_reported = 1;
    r->pending--;
    report(&r->k, R_FUNC_TIMEOUT,
           "tool call \"%s\" (%s) got no answer (func or UpdateVoiceChat function) within %lld "
           "ms: the agent gives up and goes back to listening",
           c->id.head, c->name, MS(lim));
}

/* An answer to tool call id at time t; quiet: only the bookkeeping (an UpdateVoiceChat
 * function command, which the cloud judges itself). */
static void answer(pl_volc_rules *r, const char *id, int64_t t, int quiet)
{
    char q[QUOTE];
    tool_call *c = call_find(r, id);
    if (!c) {
        if (quiet)
            return;
        const tool_call *p = latest_pending(r);
        char ctx[160];
        if (p)
            snprintf(ctx, sizeof ctx, "%u pending, the latest \"%s\" (%s)", r->pending, p->id.head,
                     p->name);
        else if (r->calls_count)
            snprintf(ctx, sizeof ctx, "none is pending");
        else
            snprintf(ctx, sizeof ctx, "the agent has sent no tool call");
        report(&r->k, R_FUNC_UNKNOWN_ID,
               "func ToolCallID \"%s\" is not a tool call the agent sent (%s%s): the agent "
               "drops the answer",
               quote(q, id), ctx,
               r->calls_count > CALLS ? "; only the last 64 tool calls are remembered" : "");
        return;
    }
    if (c->answered) {
        if (!quiet)
            report(&r->k, R_FUNC_UNKNOWN_ID,
                   "func ToolCallID \"%s\" (%s) was already answered %lld ms ago: the agent "
                   "takes one answer per tool call",
                   c->id.head, c->name, MS(t - c->answered_t));
        return;
    }
    int64_t lim = r->o.func_timeout_us;
    if (!c->timeout_reported) {
        r->pending--;
        if (!quiet && lim > 0 && t - c->sent > lim) {
            c->timeout_reported = 1;
            report(&r->k, R_FUNC_TIMEOUT,
                   "tool call \"%s\" (%s) was answered after %lld ms, over the %lld ms the "
                   "agent waits: it had already gone back to listening",
                   c->id.head, c->name, MS(t - c->sent), MS(lim));
        }
    }
    c->answered = 1;
    c->answered_t = t;
}

static void on_func(pl_volc_rules *r, const cJSON *value, int64_t t)
{
    char d1[QUOTE + 2], d2[QUOTE + 2];
    check_keys(&r->k, value, func_keys, "func value");
    const cJSON *id = get_ci(value, "ToolCallID"), *content = get_ci(value, "Content");
    if (!cJSON_IsString(id) || !cJSON_IsString(content))
        report_shape(&r->k, R_FUNC_SHAPE,
                     "func value has ToolCallID %s and Content %s, expected {\"ToolCallID\":"
                     "\"<the tool call's id>\",\"Content\":\"<the result>\"}",
                     describe(d1, id), describe(d2, content));
    if (cJSON_IsString(id))
        answer(r, id->valuestring, t, 0);
}

/* An UpdateVoiceChat body: a function command answers its tool call. */
static void on_update(pl_volc_rules *r, const cJSON *body, int64_t t)
{
    const cJSON *cmd = get_ci(body, "Command"), *msg = get_ci(body, "Message");
    if (!cJSON_IsString(cmd) || strcasecmp(cmd->valuestring, "function") != 0 ||
        !cJSON_IsString(msg))
        return;
    cJSON *m = cJSON_Parse(msg->valuestring);
    const cJSON *id = get_ci(m, "ToolCallID");
    if (cJSON_IsString(id))
        answer(r, id->valuestring, t, 1);
    cJSON_Delete(m);
}

/* ---- conv and subv ------------------------------------------------------------------- */

static round_slot *round_get(pl_volc_rules *r, uint64_t task, long long round, int *fresh)
{
    round_slot *lru = &r->rounds[0];
    r->stamp++;
    for (int i = 0; i < ROUNDS; i++) {
        round_slot *s = &r->rounds[i];
        if (s->set && s->task == task && s->round == round) {
            s->last = r->stamp;
            *fresh = 0;
            return s;
        }
        if (!s->set || (lru->set && s->last < lru->last))
            lru = s;
    }
    memset(lru, 0, sizeof *lru);
    lru->set = 1;
    lru->task = task;
    lru->round = round;
    lru->last = r->stamp;
    *fresh = 1;
    return lru;
}

static const char *code_name(long long c)
{
    static const char *const names[] = {"?",        "listening",   "thinking",
                                        "speaking", "interrupted", "finished speaking"};
    return c >= 1 && c <= 5 ? names[c] : "?";
}

static void on_conv(pl_volc_rules *r, const cJSON *value)
{
    char d[QUOTE + 2];
    const cJSON *code = get(get(value, "Stage"), "Code");
    long long c, round;
    if (!get_int(code, &c)) {
        report_shape(&r->k, R_CONV_CODE, "conv Stage.Code is %s, expected an integer 1–5",
                     describe(d, code));
        return;
    }
    const cJSON *rv = get(value, "RoundID");
    if (!rv)
        rv = get(value, "RoundId"); /* the embedded client's spelling (§2.3) */
    int has_round = get_int(rv, &round);
    char rtext[32];
    if (has_round)
        snprintf(rtext, sizeof rtext, "round %lld", round);
    else
        snprintf(rtext, sizeof rtext, "a conv without RoundID");
    if (c < 1 || c > 5) {
        report_shape(&r->k, R_CONV_CODE,
                     "conv Stage.Code %lld (%s) is not a documented state: 1 listening, 2 "
                     "thinking, 3 speaking, 4 interrupted, 5 finished speaking",
                     c, rtext);
        return;
    }
    if (!has_round)
        return; /* the schema's; no round to judge */
    const char *task = get_str(value, "TaskId");
    int fresh;
    round_slot *s =
        round_get(r, hash_bytes(task ? task : "", task ? strlen(task) : 0), round, &fresh);
    if (c == 3)
        s->speaking = 1;
    else if ((c == 4 || c == 5) && !s->speaking)
        report(&r->k, R_CONV_ORDER, "conv %lld (%s) in round %lld, which %s: %s", c, code_name(c),
               round,
               fresh ? "had no conv 3 (speaking) before (the last 8 rounds are remembered)"
                     : "never had conv 3 (speaking)",
               c == 4 ? "the bot can only be interrupted while it speaks"
                      : "the bot can only finish speaking after it started");
}

static speaker_slot *speaker_get(pl_volc_rules *r, const char *user, int has_round, long long round,
                                 int *fresh)
{
    speaker_slot *lru = &r->speakers[0];
    r->stamp++;
    for (int i = 0; i < SPEAKERS; i++) {
        speaker_slot *s = &r->speakers[i];
        if (id_eq(&s->user, user) && s->has_round == has_round &&
            (!has_round || s->round == round)) {
            s->last = r->stamp;
            *fresh = 0;
            return s;
        }
        if (!s->user.set || (lru->user.set && s->last < lru->last))
            lru = s;
    }
    memset(lru, 0, sizeof *lru);
    id_set(&lru->user, user);
    lru->has_round = has_round;
    lru->round = round;
    lru->last = r->stamp;
    *fresh = 1;
    return lru;
}

static void on_subv(pl_volc_rules *r, const cJSON *value)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, get(value, "data"))
    {
        const char *user = get_str(e, "userId");
        long long seq, round = 0;
        if (!user || !get_int(get(e, "sequence"), &seq))
            continue; /* the schema's */
        int has_round = get_int(get(e, "roundId"), &round);
        int fresh;
        speaker_slot *s = speaker_get(r, user, has_round, round, &fresh);
        char where[48];
        if (has_round)
            snprintf(where, sizeof where, "round %lld", round);
        else
            snprintf(where, sizeof where, "no roundId");
        if (!fresh && !s->fresh) {
            if (seq < s->seq)
                report(&r->k, R_SUBV_SEQUENCE,
                       "subv piece of \"%s\" (%s) has sequence %lld after sequence %lld: the "
                       "pieces of a speaker's round must not go back",
                       s->user.head, where, seq, s->seq);
            else if (seq == s->seq && s->definite)
                report(&r->k, R_SUBV_SEQUENCE,
                       "subv piece of \"%s\" (%s) repeats sequence %lld of a finished sentence "
                       "(definite:true): a new piece needs a new number",
                       s->user.head, where, seq);
        }
        s->seq = seq;
        s->definite = cJSON_IsTrue(get(e, "definite"));
        s->fresh = cJSON_IsTrue(get(e, "paragraph"));
    }
}

/* ---- TLV ----------------------------------------------------------------------------- */

enum { K_NONE, K_SUBV, K_CONV, K_TOOL, K_FUNC, K_CTRL, K_UNKNOWN, K_MALFORMED };

static int room_kind(const char *kind)
{
    static const char *const names[] = {"volc.subv", "volc.conv",    "volc.tool",     "volc.func",
                                        "volc.ctrl", "volc.unknown", "volc.malformed"};
    for (int i = 0; i < 7; i++)
        if (strcmp(kind, names[i]) == 0)
            return K_SUBV + i;
    return K_NONE;
}

/* The framing of one room payload. Returns 0 when the value is worth judging further. */
static int check_tlv(pl_volc_rules *r, pl_dir dir, int rk, const cJSON *msg,
                     const unsigned char *raw, size_t len)
{
    const sink *k = &r->k;
    char mt[20], q[QUOTE];
    if (rk == K_MALFORMED) {
        if (len < TLV_HEADER)
            report(k, R_TLV_SHORT,
                   "a binary message of %zu byte%s from %s, shorter than the 8-byte TLV header "
                   "(4-byte magic, 4-byte big-endian length): nobody can read it",
                   len, len == 1 ? "" : "s", dir == PL_DIR_C2A ? "the client" : "the agent");
        return -1;
    }
    const char *magic = get_str(msg, "magic");
    if (raw && len >= TLV_HEADER)
        magic = magic_text(mt, raw);
    if (!magic)
        magic = "?";
    if (raw && len >= TLV_HEADER) {
        if (r->o.max_tlv_bytes && len > r->o.max_tlv_bytes)
            report(k, R_TLV_TOO_LARGE,
                   "\"%s\" TLV from %s is %zu bytes, over the %zu-byte limit (\"长度不超过 64 "
                   "KB\")",
                   magic, dir == PL_DIR_C2A ? "the client" : "the agent", len, r->o.max_tlv_bytes);
        unsigned long hdr = (unsigned long)raw[4] << 24 | (unsigned long)raw[5] << 16 |
                            (unsigned long)raw[6] << 8 | raw[7];
        if (hdr != len - TLV_HEADER)
            report(k, R_TLV_LENGTH,
                   "\"%s\" TLV header says %lu bytes, %zu follow (%zu bytes in all): readers go "
                   "by the header",
                   magic, hdr, len - TLV_HEADER, len);
    }
    switch (rk) {
    case K_UNKNOWN:
        report(k, R_TLV_MAGIC,
               "unknown TLV magic \"%s\" from %s: the magics are subv, conv, tool (agent → "
               "client) and func, ctrl (client → agent)",
               magic, dir == PL_DIR_C2A ? "the client" : "the agent");
        return -1; /* an unknown value: not judged */
    case K_SUBV:
    case K_CONV:
    case K_TOOL:
        if (dir == PL_DIR_C2A)
            report(k, R_TLV_MAGIC,
                   "the client sent a \"%s\" TLV: subv, conv and tool are the agent's room "
                   "messages; clients send func and ctrl to the bot",
                   magic);
        break;
    case K_CTRL:
        if (dir == PL_DIR_A2C)
            report(k, R_TLV_MAGIC,
                   "the agent sent a \"ctrl\" TLV: ctrl is a client → agent command; the agent "
                   "sends subv, conv and tool");
        break;
    case K_FUNC:
        if (dir == PL_DIR_A2C)
            report(k, R_FUNC_LEGACY_MAGIC,
                   "the agent sent a \"func\" TLV: tool calls use magic \"tool\" since "
                   "rtc-aigc-demo 6ec1ca5 (func was the Jan–Apr 2025 magic); clients listening "
                   "for \"tool\" miss it");
        break;
    }
    /* the value: JSON, an object, UTF-8 */
    size_t bad = 0;
    int utf8 = !raw || len < TLV_HEADER || pl_utf8_valid(raw + TLV_HEADER, len - TLV_HEADER, &bad);
    const cJSON *value = get(msg, "value");
    const char *text = get_str(msg, "text");
    if (!value) {
        if (!utf8)
            report(k, R_TLV_JSON,
                   "the \"%s\" TLV value is not valid UTF-8 (byte %zu of %zu), so not JSON: "
                   "\"%s\"",
                   magic, bad, len - TLV_HEADER, text ? quote(q, text) : "");
        else
            report(k, R_TLV_JSON, "the \"%s\" TLV value (%zu bytes) is not JSON: \"%s\"", magic,
                   raw && len >= TLV_HEADER ? len - TLV_HEADER : (text ? strlen(text) : 0),
                   text ? quote(q, text) : "");
        return -1;
    }
    if (!utf8) /* cannot happen with the dialect's decode; kept for other feeders */
        report(k, R_TLV_JSON, "the \"%s\" TLV value is not valid UTF-8 (byte %zu of %zu)", magic,
               bad, len - TLV_HEADER);
    if (!cJSON_IsObject(value)) {
        report_shape(k, R_TLV_JSON, "the \"%s\" TLV value is %s, expected a JSON object", magic,
                     pl_json_kind(value));
        return -1;
    }
    return 0;
}

static void on_room(pl_volc_rules *r, pl_dir dir, int rk, const cJSON *msg, const void *raw,
                    size_t len, int64_t t)
{
    if (check_tlv(r, dir, rk, msg, raw, len) < 0)
        return;
    const cJSON *value = get(msg, "value");
    if (dir == PL_DIR_A2C) {
        if (rk == K_TOOL || rk == K_FUNC)
            add_tool_calls(r, value, t);
        else if (rk == K_CONV)
            on_conv(r, value);
        else if (rk == K_SUBV)
            on_subv(r, value);
    } else {
        if (rk == K_FUNC)
            on_func(r, value, t);
        else if (rk == K_CTRL)
            check_command(&r->k, value, NULL, "ctrl");
    }
}

/* ---- callbacks ----------------------------------------------------------------------- */

/* A volc.callback.answer record: {"url","status","body","ms","error"}. */
static void on_callback_answer(pl_volc_rules *r, const cJSON *msg)
{
    char q[QUOTE], u[QUOTE], d[QUOTE + 2];
    const char *url = get_str(msg, "url");
    quote(u, url ? url : "?");
    const cJSON *st = get(msg, "status"), *ms = get(msg, "ms");
    long long status;
    if (!get_int(st, &status)) {
        report_shape(&r->k, R_CB_STATUS,
                     "server-message callback to %s: the answer record has status %s, expected "
                     "a number",
                     u, describe(d, st));
        return;
    }
    if (status == -1) {
        const char *err = get_str(msg, "error");
        report(&r->k, R_CB_TIMEOUT,
               "server-message callback to %s got no answer (%s): the agent waits %lld ms and "
               "does not retry, the message is lost",
               u, err ? quote(q, err) : "no error given", MS(CALLBACK_TIMEOUT_US));
        return;
    }
    if (cJSON_IsNumber(ms) && ms->valuedouble * 1000 > CALLBACK_TIMEOUT_US)
        report(&r->k, R_CB_TIMEOUT,
               "server-message callback to %s was answered after %.0f ms, over the %lld ms the "
               "agent waits",
               u, ms->valuedouble, MS(CALLBACK_TIMEOUT_US));
    if (status < 200 || status > 299) {
        const char *body = get_str(msg, "body");
        report(&r->k, R_CB_STATUS,
               "server-message callback to %s was answered HTTP %lld, expected 2xx (body "
               "\"%s\")",
               u, status, body ? quote(q, body) : "");
    }
}

/* ---- public -------------------------------------------------------------------------- */

void pl_volc_rules_room(pl_volc_rules *r, const char *user, const char *bot)
{
    id_set(&r->user_id, user && user[0] ? user : NULL);
    id_set(&r->bot, bot && bot[0] ? bot : NULL);
}

void pl_volc_rules_frame(pl_volc_rules *r, pl_dir dir, const cJSON *frame, int64_t t_us,
                         pl_finding_fn emit, void *user)
{
    (void)t_us;
    char q[QUOTE], d[QUOTE + 2];
    sink k = {emit, user, 0};
    const char *op = get_str(frame, "op");
    if (dir != PL_DIR_C2A || (op && strcmp(op, "user_binary") != 0))
        return;
    const cJSON *to = get(frame, "to");
    if (!r->bot.set) {
        char w[QUOTE + 16];
        if (cJSON_IsString(to))
            snprintf(w, sizeof w, " to \"%s\"", quote(q, to->valuestring));
        else
            snprintf(w, sizeof w, " (\"to\" %s)", pl_json_kind(to));
        report(&k, R_ROOM_NO_BOT,
               "user_binary%s while no bot is in the room: nobody receives it, the message is "
               "lost (start the voice chat and wait for the bot to join)",
               w);
        return;
    }
    if (!cJSON_IsString(to))
        report(&k, R_ROOM_TO, "user_binary has \"to\" %s, expected the bot \"%s\"", describe(d, to),
               r->bot.head);
    else if (!id_eq(&r->bot, to->valuestring))
        report(&k, R_ROOM_TO,
               "user_binary to \"%s\", but the bot in the room is \"%s\": the agent never "
               "receives it",
               quote(q, to->valuestring), r->bot.head);
}

void pl_volc_rules_message(pl_volc_rules *r, pl_dir dir, const char *kind, const cJSON *msg,
                           const void *raw, size_t len, int schema_ok, int64_t t_us,
                           pl_finding_fn emit, void *user)
{
    r->k.emit = emit;
    r->k.user = user;
    r->k.shape_reported = schema_ok == 0;
    if (!kind)
        kind = msg ? "volc.unknown" : "volc.malformed";
    int rk = room_kind(kind);
    if (rk != K_NONE) {
        on_room(r, dir, rk, msg, raw, raw ? len : (rk == K_MALFORMED ? len : 0), t_us);
    } else if (strcmp(kind, "volc.callback.message") == 0) {
        const char *magic = get_str(msg, "magic");
        if (magic && (strcmp(magic, "tool") == 0 || strcmp(magic, "func") == 0))
            add_tool_calls(r, get(msg, "value"), t_us);
    } else if (strcmp(kind, "volc.callback.answer") == 0) {
        on_callback_answer(r, msg);
    } else if (dir == PL_DIR_C2A && (strcmp(kind, "volc.api.UpdateVoiceChat") == 0 ||
                                     strcmp(kind, "volc.api.legacy.UpdateVoiceChat") == 0)) {
        on_update(r, msg, t_us);
    }
    r->k.emit = NULL;
    r->k.user = NULL;
}

void pl_volc_rules_tick(pl_volc_rules *r, int64_t t_us, pl_finding_fn emit, void *user)
{
    if (!r->pending)
        return;
    r->k.emit = emit;
    r->k.user = user;
    r->k.shape_reported = 0;
    for (unsigned i = 0; i < CALLS; i++)
        if (r->calls[i].id.set)
            timeout_check(r, &r->calls[i], t_us);
    r->k.emit = NULL;
    r->k.user = NULL;
}

/* ---- catalog ------------------------------------------------------------------------ */

const pl_rule_info *pl_volc_rules_catalog(void)
{
    return catalog;
}

const pl_rule_info *pl_volc_rule(const char *id)
{
    for (const pl_rule_info *i = catalog; id && i->rule; i++)
        if (strcmp(i->rule, id) == 0)
            return i;
    return NULL;
}

void pl_volc_report(pl_finding_fn emit, void *user, const char *id, const char *fmt, ...)
{
    const pl_rule_info *i = pl_volc_rule(id);
    if (!emit || !i)
        return;
    va_list ap;
    va_start(ap, fmt);
    vreport(emit, user, i, fmt, ap);
    va_end(ap);
}
