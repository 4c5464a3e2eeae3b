/* bailian_rules.c — the stateful Bailian rules (see bailian_rules.h for the contract).
 *
 * How it works. Every public call first fires the deadlines that have passed at its time
 * (an answer the agent owes, the client's HeartBeat, the next LiveAI frame), then handles the
 * frame by direction. A client frame goes through its envelope (a JSON object with a known
 * payload.input.directive, a well-formed header), then the order rules (Start first and
 * once, nothing after Stop), then one handler per directive that checks the state rules and
 * updates the state. An agent frame goes through its envelope (header.event, payload,
 * output.event), the order rules (task-started first, Started before other events, nothing
 * after the end), then one handler per event. Binary frames are audio.
 *
 * The state is a few scalars: the Start's task_id (hash, length and first bytes), the mode,
 * the agent's dialog state, the open SendSpeech, video on/off, one "owed answer" slot per
 * kind of reply, the last cumulative text of each round kind (again hash and length, which
 * is all "does the new text extend it" needs), a 4-slot ring of frame times and a ring of
 * the last RequestToRespond/RequestToSpeak times. An image is base64-decoded once, into a
 * buffer freed at once, to check its validity, signature, size and dimensions.
 *
 * The rule table (catalog[]) is indexed by the R_* enum; report() fills a pl_finding from
 * it. report_shape() is for the rules that restate a schema constraint: it stays quiet
 * while the message being handled was already reported by the schema layer. The callback
 * and its user pointer are kept in the object only for the length of one public call. */
#include "mock/dialects/bailian_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "core/pl_json.h"
#include "core/pl_crypto.h"

#define TEXT_KEEP 48     /* task_id and round texts keep this many bytes for messages */
#define FRAME_RING 4     /* cadence: the mean of the last 4 frame intervals */
#define INTERRUPT_CAP 16 /* interrupt_burst is clamped to INTERRUPT_CAP - 1 */
#define QUOTE 64         /* quoted values in messages */
#define MS(us) ((long long)((us) / 1000))

/* ---- rule catalog ------------------------------------------------------------------- */

enum {
    R_MALFORMED,
    R_HEADER,
    R_ACTION,
    R_TASK_ID,
    R_STREAMING,
    R_DIRECTIVE_UNKNOWN,
    R_START_FIRST,
    R_START_DUP,
    R_AFTER_STOP,
    R_AUDIO_EARLY,
    R_AUDIO_OUTSIDE,
    R_MODE,
    R_STATE,
    R_RESPOND_TYPE,
    R_INTERRUPT,
    R_HEARTBEAT,
    R_NOT_BASE64,
    R_TOO_LARGE,
    R_COUNT,
    R_FORMAT,
    R_DIMENSIONS,
    R_BEFORE_CONNECT,
    R_CADENCE,
    R_STALLED,
    R_VIA_RESPOND,
    R_EVENT_ENV,
    R_EVENT_FIRST,
    R_STARTED_FIRST,
    R_CUMULATIVE,
    R_AFTER_END,
    R_REPLY,
    R__COUNT
};

#define MUST PL_LEVEL_MUST
#define SHOULD PL_LEVEL_SHOULD

static const pl_rule_info catalog[] = {
    [R_MALFORMED] = {"bailian.envelope.malformed", MUST,
                     "bailian.md §1: text frames carry JSON {\"header\":{...},\"payload\":{...}}; "
                     "§2.1: a client frame is header {action, task_id, streaming} + "
                     "payload.input.directive",
                     "A client text frame that is not a JSON object with a "
                     "payload.input.directive (not JSON, an agent event, no directive)."},
    [R_HEADER] = {"bailian.envelope.header", MUST,
                  "bailian.md §2.1: action: run-task | continue-task | finish-task; task_id: "
                  "\"本次连接唯一标识 … 由客户端生成\"",
                  "The client header is not an object, its action is not run-task / "
                  "continue-task / finish-task, or its task_id is missing, empty or not a "
                  "string."},
    [R_ACTION] = {"bailian.envelope.action_mismatch", MUST,
                  "bailian.md §2.1: `run-task` = first message (Start), `finish-task` = last "
                  "(Stop), `continue-task` = everything else",
                  "Start not sent as run-task, Stop not as finish-task, another directive not "
                  "as continue-task."},
    [R_TASK_ID] = {"bailian.envelope.task_id_changed", MUST,
                   "bailian.md §2.1: task_id: \"本次连接唯一标识\", client-generated, the same "
                   "for the whole connection",
                   "header.task_id differs from the one of the Start."},
    [R_STREAMING] = {"bailian.envelope.streaming", MUST,
                     "bailian.md §2.1: `streaming` must be \"duplex\"",
                     "header.streaming is missing or not \"duplex\"."},
    [R_DIRECTIVE_UNKNOWN] = {"bailian.directive.unknown", MUST,
                             "bailian.md §2.3: the 11 directives (exact case); §3.4: 422 "
                             "DirectiveNotSupported \"Directive not supported: xxx\" (fatal)",
                             "payload.input.directive is not one of the 11 directives."},
    [R_START_FIRST] = {"bailian.start.first", MUST,
                       "bailian.md §2.1: `run-task` = first message (Start); §4.1: C: run-task "
                       "Start, then S: task-started",
                       "The first client message (text or audio) is not the run-task Start."},
    [R_START_DUP] = {"bailian.start.duplicate", MUST,
                     "bailian.md §2.1: run-task is the first message; task_id \"本次连接唯一标识\" "
                     "(one task per connection)",
                     "A second Start on the same connection."},
    [R_AFTER_STOP] = {"bailian.after_stop", MUST,
                      "bailian.md §2.1: `finish-task` = last (Stop); §4.7: Stop → Stopped → "
                      "task-finished → close",
                      "A client message (text or audio) after Stop."},
    [R_AUDIO_EARLY] = {"bailian.audio.before_listening", MUST,
                       "bailian.md §2.4: Do not send audio before the first "
                       "DialogStateChanged{Listening} (\"禁止立即发送音频\"); §3.2 Started: don't "
                       "send audio yet",
                       "Binary audio before the agent's first DialogStateChanged{Listening}."},
    [R_AUDIO_OUTSIDE] = {"bailian.audio.outside_speech", SHOULD,
                         "bailian.md §2.4: push2talk: audio only between `SendSpeech` and "
                         "`StopSpeech`; §4.3: push2talk audio upload on demand",
                         "push2talk mode: binary audio outside SendSpeech … StopSpeech."},
    [R_MODE] = {"bailian.directive.mode", MUST,
                "bailian.md §4.3: duplex: no SendSpeech/StopSpeech; the audio stream never stops "
                "(server VAD); §2.3: CancelSpeech is push2talk/tap2talk",
                "SendSpeech, StopSpeech or CancelSpeech in duplex mode (Start "
                "parameters.upstream.mode)."},
    [R_STATE] = {"bailian.directive.state", MUST,
                 "bailian.md §2.3 RequestToRespond: Send only in Listening; otherwise send "
                 "RequestToSpeak first; §4.2: SendSpeech … StopSpeech",
                 "RequestToRespond while the agent is not Listening (and no RequestAccepted just "
                 "before), StopSpeech with no open SendSpeech, SendSpeech while one is open."},
    [R_RESPOND_TYPE] = {"bailian.respond.type", MUST,
                        "bailian.md §2.3: `type`: transcript or prompt; anything else → fatal 421; "
                        "`text` must be non-null (it may be \"\")",
                        "RequestToRespond type is not prompt/transcript, or text is missing or "
                        "null."},
    [R_INTERRUPT] = {"bailian.interrupt.too_many", SHOULD,
                     "bailian.md §2.3/§3.4: Too many RequestToRespond/RequestToSpeak in a short "
                     "time → fatal 449 TooManyInterrupt",
                     "More than interrupt_burst RequestToRespond + RequestToSpeak within "
                     "interrupt_window."},
    [R_HEARTBEAT] = {"bailian.heartbeat.gap", MUST,
                     "bailian.md §6: HeartBeat: send every ~50 s; 60 s without a server message → "
                     "ResponseTimeout; the Python and Java SDKs don't send it, the app must",
                     "No client HeartBeat for heartbeat_gap since Start or the last HeartBeat "
                     "while the task is open."},
    [R_NOT_BASE64] = {"bailian.image.not_base64", MUST,
                      "bailian.md §5: base64 only on WebSocket (\"LiveAI发送图片只支持base64编码，"
                      "每张图片的大小在180K以下\"); §4.6: url only for VQA in RequestToRespond",
                      "An UpdateInfo image whose type is not \"base64\"."},
    [R_TOO_LARGE] = {"bailian.image.too_large", MUST,
                     "bailian.md §5: < 180 KB per image (RTOS: `image_size = 180 * 1024`); "
                     "\"每张图片的大小在180K以下\"; §4.6: base64 < 180 KB",
                     "A base64 image over image_max_bytes (decoded size by default, base64 "
                     "length with image_limit_encoded)."},
    [R_COUNT] = {"bailian.image.count", MUST, "bailian.md §5: one image per directive",
                 "More than one image in one directive."},
    [R_FORMAT] = {"bailian.image.format", MUST,
                  "bailian.md §5: JPEG 720p or 480p recommended; raw base64, no `data:` prefix",
                  "An image value that is not valid base64, has a data: prefix, or does not "
                  "decode to a JPEG or PNG."},
    [R_DIMENSIONS] = {"bailian.image.dimensions", SHOULD,
                      "bailian.md §5: RTOS: width and height > 10 px, aspect ratio ≤ 200:1",
                      "An image whose JPEG SOF or PNG IHDR gives a side <= 10 px or an aspect "
                      "ratio over 200:1."},
    [R_BEFORE_CONNECT] = {"bailian.video.before_connect", SHOULD,
                          "bailian.md §5: once in video mode (switch_video_call_success) send "
                          "frames via UpdateInfo; the Java demo starts them before connect, so "
                          "the server accepts (and ignores) them",
                          "UpdateInfo images before the agent sent switch_video_call_success."},
    [R_CADENCE] = {"bailian.video.cadence_fast", MUST,
                   "bailian.md §5: once in video mode, **every 500 ms** (≈2 fps) send one frame "
                   "via UpdateInfo",
                   "While video is on, the last 4 frame intervals average under "
                   "frame_interval * (1 - tolerance)."},
    [R_STALLED] = {"bailian.video.stalled", MUST,
                   "bailian.md §5: once in video mode, **every 500 ms** (≈2 fps) send one frame; "
                   "answers use the latest frames",
                   "While video is on, no frame for stall_us."},
    [R_VIA_RESPOND] = {"bailian.video.via_respond", SHOULD,
                       "bailian.md §5: frames go via UpdateInfo; the Go SDK sample sends them "
                       "with RequestToRespond (a strict server could answer 449)",
                       "Images in RequestToRespond while video is on."},
    [R_EVENT_ENV] = {"bailian.event.envelope", MUST,
                     "bailian.md §3.1: header.event ∈ task-started, result-generated, "
                     "task-finished, task-failed; Python needs `header` and `payload`; Java: "
                     "payload.output must be an object with an event string",
                     "An agent frame that is not JSON, whose header.event is not one of the 4, "
                     "whose payload is not an object, or a result-generated without "
                     "payload.output.event."},
    [R_EVENT_FIRST] = {"bailian.event.first", MUST,
                       "bailian.md §3.1: `task-started` comes first; §4.1: S: task-started, "
                       "Started, DialogStateChanged{Listening}",
                       "The first agent message is not task-started."},
    [R_STARTED_FIRST] = {"bailian.event.started_first", MUST,
                         "bailian.md §4.1: S: task-started, then result-generated "
                         "Started{dialog_id}, then DialogStateChanged{Listening}",
                         "A result-generated event before Started."},
    [R_CUMULATIVE] = {"bailian.event.cumulative", SHOULD,
                      "bailian.md §3.2: SpeechContent: cumulative ASR text (\"你好\" → "
                      "\"你好世界\"); RespondingContent: full text so far unless "
                      "incremental_response",
                      "SpeechContent (or RespondingContent, unless incremental_response) text "
                      "does not extend the previous one of the same round."},
    [R_AFTER_END] = {"bailian.event.after_end", MUST,
                     "bailian.md §3.1: task-failed: the connection then ends; task-finished: end "
                     "of task; §4.7: task-finished → server closes",
                     "An agent message after task-finished or task-failed."},
    [R_REPLY] = {"bailian.reply.missing", MUST,
                 "bailian.md §4.1: Start → task-started; §6: the server answers HeartBeat with "
                 "an event HeartBeat; §4.7: Stop → Stopped → task-finished; §4.5: RequestToSpeak "
                 "→ RequestAccepted",
                 "A directive that needs an answer did not get it within answer_timeout."},
    [R__COUNT] = {NULL, MUST, NULL, NULL},
};

_Static_assert(sizeof catalog / sizeof catalog[0] == R__COUNT + 1, "catalog matches R_*");

const pl_rule_info *pl_bailian_rules_catalog(void)
{
    return catalog;
}

/* ---- names -------------------------------------------------------------------------- */

enum {
    K_START,
    K_STOP,
    K_SEND_SPEECH,
    K_STOP_SPEECH,
    K_CANCEL_SPEECH,
    K_REQUEST_TO_SPEAK,
    K_REQUEST_TO_RESPOND,
    K_UPDATE_INFO,
    K_HEARTBEAT,
    K_LOCAL_STARTED,
    K_LOCAL_ENDED,
    K__COUNT
};

static const char *const directives[K__COUNT] = {
    "Start",
    "Stop",
    "SendSpeech",
    "StopSpeech",
    "CancelSpeech",
    "RequestToSpeak",
    "RequestToRespond",
    "UpdateInfo",
    "HeartBeat",
    "LocalRespondingStarted",
    "LocalRespondingEnded",
};

enum { H_TASK_STARTED, H_RESULT, H_TASK_FINISHED, H_TASK_FAILED, H__COUNT };
static const char *const header_events[H__COUNT] = {"task-started", "result-generated",
                                                    "task-finished", "task-failed"};

enum { MODE_PUSH2TALK, MODE_TAP2TALK, MODE_DUPLEX };
static const char *const modes[] = {"push2talk", "tap2talk", "duplex"};

enum { ST_NONE, ST_IDLE, ST_LISTENING, ST_THINKING, ST_RESPONDING, ST_OTHER };
static const char *const states[] = {"not yet Listening", "Idle",       "Listening",
                                     "Thinking",          "Responding", "in an unknown state"};

/* Answers the agent owes (reply.missing), one slot each. */
enum { D_TASK_STARTED, D_HEARTBEAT, D_STOPPED, D_ACCEPTED, D_TASK_FINISHED, D__COUNT };
static const char *const owed[D__COUNT] = {
    [D_TASK_STARTED] = "Start (run-task) was not answered by task-started",
    [D_HEARTBEAT] = "HeartBeat was not answered by an event HeartBeat",
    [D_STOPPED] = "Stop (finish-task) was not answered by Stopped",
    [D_ACCEPTED] = "RequestToSpeak was not answered by RequestAccepted (or "
                   "DialogStateChanged{Listening})",
    [D_TASK_FINISHED] = "Stopped was not followed by task-finished",
};

static int name_index(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

/* ---- session state ------------------------------------------------------------------ */

/* A string remembered by hash and length, with its first bytes for messages. */
typedef struct {
    int set;
    uint64_t hash;
    size_t len;
    char head[TEXT_KEEP];
} pl_bailian_rules_str;

typedef struct {
    int due;
    int64_t t_us; /* when the answer became owed */
} pl_bailian_rules_owed;

struct pl_bailian_rules {
    pl_bailian_rules_opts o;
    pl_finding_fn emit; /* valid during one public call only */
    void *user;
    int shape_reported; /* during one message: the schema layer reported its shape */
    int closed;

    /* client side */
    int started, stopped; /* Start / Stop seen */
    int64_t start_t, stop_t;
    int start_first_reported, after_stop_audio_reported;
    pl_bailian_rules_str task_id; /* the Start's */
    int mode;                     /* MODE_* from Start upstream.mode */
    int incremental;              /* Start downstream.incremental_response */
    int speech_open;              /* SendSpeech … StopSpeech/CancelSpeech */
    int speech_ever;              /* a SendSpeech was sent */
    int speech_ended_by_agent;    /* tap2talk: the server ended it; one StopSpeech is fine */
    int64_t speech_t, speech_closed_t;
    int audio_early_reported, audio_outside_reported;
    int64_t heartbeat_t; /* last HeartBeat, or the Start */
    int heartbeat_seen, heartbeat_reported;
    int64_t interrupts[INTERRUPT_CAP]; /* last RequestToRespond/RequestToSpeak times */
    unsigned int_head, int_len;

    /* agent side */
    int a2c_seen, agent_started, started_first_reported;
    int ended; /* task-finished / task-failed */
    const char *end_event;
    int64_t end_t;
    int after_end_reported;
    int state; /* ST_* from DialogStateChanged */
    int64_t state_t;
    int listened; /* a DialogStateChanged{Listening} was seen */
    int accepted; /* RequestAccepted since the last state change: RequestToRespond allowed */
    pl_bailian_rules_owed owed[D__COUNT];
    int accepted_state; /* the state a pending RequestToSpeak was sent in */
    pl_bailian_rules_str speech_text, responding_text; /* last cumulative text of the round */
    pl_bailian_rules_str responding_round;             /* round_id of responding_text */

    /* LiveAI video */
    int video_on, video_ever;
    int64_t video_t;
    int video_armed; /* a frame, or Listening, since video on: the stall clock runs */
    int64_t last_frame_t;
    int before_connect_reported, cadence_reported, stall_reported;
    int64_t frames[FRAME_RING]; /* the last frame times, oldest at frame_head */
    unsigned frame_head, frame_len;
};

void pl_bailian_rules_opts_init(pl_bailian_rules_opts *o)
{
    memset(o, 0, sizeof *o);
    o->frame_interval_us = 500000;
    o->cadence_tolerance = 0.3;
    o->stall_us = 1500000;
    o->image_max_bytes = 180 * 1024;
    o->image_limit_encoded = 0;
    o->heartbeat_gap_us = 60000000;
    o->answer_timeout_us = 5000000;
    o->interrupt_burst = 5;
    o->interrupt_window_us = 2000000;
}

pl_bailian_rules *pl_bailian_rules_new(const pl_bailian_rules_opts *o)
{
    pl_bailian_rules *r = pl_xcalloc(1, sizeof *r);
    if (o)
        r->o = *o;
    else
        pl_bailian_rules_opts_init(&r->o);
    if (r->o.interrupt_burst > INTERRUPT_CAP - 1)
        r->o.interrupt_burst = INTERRUPT_CAP - 1;
    r->mode = MODE_TAP2TALK;
    return r;
}

void pl_bailian_rules_free(pl_bailian_rules *r)
{
    free(r);
}

/* ---- small helpers ------------------------------------------------------------------ */

__attribute__((format(printf, 3, 4))) static void report(pl_bailian_rules *r, int rule,
                                                         const char *fmt, ...)
{
    if (!r->emit)
        return;
    pl_finding f;
    f.rule = catalog[rule].rule;
    f.level = catalog[rule].level;
    f.source = catalog[rule].source;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f.message, sizeof f.message, fmt, ap);
    va_end(ap);
    r->emit(r->user, &f);
}

/* For a rule that restates a schema constraint: quiet when the schema layer already
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

/* Copies s (len bytes) into out (cap bytes, at least 4) for a message: cut on a UTF-8
 * boundary, control bytes as '?', "…" when shortened. */
static const char *quote_cap(char *out, size_t cap, const char *s, size_t len)
{
    size_t room = cap - 4, n = len < room ? len : room;
    if (n < len)
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    strcpy(out + n, n < len ? "…" : "");
    return out;
}

static const char *quote_n(char out[QUOTE], const char *s, size_t len)
{
    return quote_cap(out, QUOTE, s, len);
}

static const char *quote(char out[QUOTE], const char *s)
{
    return quote_n(out, s, strlen(s));
}

/* "\"value\"" for a string, else its JSON kind ("missing", "a number", …). */
static const char *describe(char out[QUOTE + 2], const cJSON *v)
{
    char q[QUOTE];
    if (!cJSON_IsString(v))
        return pl_json_kind(v);
    snprintf(out, QUOTE + 2, "\"%s\"", quote(q, v->valuestring));
    return out;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static void str_set(pl_bailian_rules_str *d, const char *s)
{
    d->set = 1;
    d->len = strlen(s);
    d->hash = hash_bytes(s, d->len);
    quote_cap(d->head, sizeof d->head, s, d->len);
}

static int str_eq(const pl_bailian_rules_str *d, const char *s)
{
    size_t n = strlen(s);
    return d->set && d->len == n && d->hash == hash_bytes(s, n);
}

/* s starts with the remembered string. */
static int str_extends(const pl_bailian_rules_str *d, const char *s)
{
    size_t n = strlen(s);
    return n >= d->len && hash_bytes(s, d->len) == d->hash;
}

static int is_audio(const char *kind, const cJSON *msg)
{
    return strcmp(kind, "bailian.audio") == 0 || cJSON_IsObject(get(msg, "binary"));
}

static size_t audio_len(const cJSON *msg)
{
    const cJSON *n = get(get(msg, "binary"), "len");
    return cJSON_IsNumber(n) && n->valuedouble >= 0 ? (size_t)n->valuedouble : 0;
}

static int task_open(const pl_bailian_rules *r)
{
    return r->started && !r->stopped && !r->ended && !r->closed;
}

/* ---- deadlines ---------------------------------------------------------------------- */

static void owe(pl_bailian_rules *r, int d, int64_t t)
{
    if (!r->owed[d].due) /* a second request while one is pending: the oldest counts */
        r->owed[d] = (pl_bailian_rules_owed){1, t};
}

static void fire_owed(pl_bailian_rules *r, int64_t t)
{
    int64_t limit = r->o.answer_timeout_us;
    if (limit <= 0 || r->ended)
        return;
    for (int d = 0; d < D__COUNT; d++) {
        if (!r->owed[d].due || t - r->owed[d].t_us <= limit)
            continue;
        r->owed[d].due = 0;
        if (d == D_ACCEPTED)
            report(r, R_REPLY, "%s within %lld ms (sent %lld ms ago %s%s)", owed[d], MS(limit),
                   MS(t - r->owed[d].t_us),
                   r->accepted_state == ST_NONE ? "before the agent's first DialogStateChanged"
                                                : "while the agent was ",
                   r->accepted_state == ST_NONE ? "" : states[r->accepted_state]);
        else
            report(r, R_REPLY, "%s within %lld ms (sent %lld ms ago)", owed[d], MS(limit),
                   MS(t - r->owed[d].t_us));
    }
}

static void fire_heartbeat(pl_bailian_rules *r, int64_t t)
{
    int64_t gap = r->o.heartbeat_gap_us;
    if (gap <= 0 || !task_open(r) || r->heartbeat_reported || t - r->heartbeat_t <= gap)
        return;
    r->heartbeat_reported = 1;
    report(r, R_HEARTBEAT,
           "no HeartBeat from the client for %lld ms since %s (limit %lld ms); send one about "
           "every 50 s while the task is open, or the server ends it with ResponseTimeout",
           MS(t - r->heartbeat_t), r->heartbeat_seen ? "its last one" : "the Start", MS(gap));
}

static void fire_stall(pl_bailian_rules *r, int64_t t)
{
    if (r->o.stall_us <= 0 || !r->video_on || !r->video_armed || !task_open(r) ||
        r->stall_reported || t - r->last_frame_t <= r->o.stall_us)
        return;
    r->stall_reported = 1;
    report(r, R_STALLED,
           "video is on (switch_video_call_success %lld ms ago) but no UpdateInfo frame for "
           "%lld ms (limit %lld ms; frames are due every %lld ms)",
           MS(t - r->video_t), MS(t - r->last_frame_t), MS(r->o.stall_us),
           MS(r->o.frame_interval_us));
}

static void begin(pl_bailian_rules *r, int64_t t, pl_finding_fn emit, void *user)
{
    r->emit = emit;
    r->user = user;
    if (r->closed)
        return;
    fire_owed(r, t);
    fire_heartbeat(r, t);
    fire_stall(r, t);
}

static void end(pl_bailian_rules *r)
{
    r->emit = NULL;
    r->user = NULL;
    r->shape_reported = 0;
}

/* ---- images ------------------------------------------------------------------------- */

static unsigned be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const unsigned char png_sig[8] = {0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A};

/* Width and height from the JPEG SOF0/SOF1/SOF2 segment: walks the marker segments up to
 * the first scan. 0 when not found. */
static int jpeg_dims(const unsigned char *b, size_t n, uint32_t *w, uint32_t *h)
{
    size_t i = 2;
    while (i + 4 <= n) {
        if (b[i] != 0xFF)
            return 0;
        unsigned m = b[i + 1];
        if (m == 0xFF) { /* fill byte */
            i++;
            continue;
        }
        if (m == 0x01 || m == 0xD8 || (m >= 0xD0 && m <= 0xD7)) { /* no length */
            i += 2;
            continue;
        }
        if (m == 0xD9 || m == 0xDA) /* end of image, start of scan */
            return 0;
        if (m >= 0xC0 && m <= 0xC2) {
            if (i + 9 > n)
                return 0;
            *h = be16(b + i + 5);
            *w = be16(b + i + 7);
            return 1;
        }
        i += 2 + be16(b + i + 2);
    }
    return 0;
}

/* "JPEG"/"PNG" from the signature, NULL when neither. */
static const char *image_format(const unsigned char *b, size_t n)
{
    if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return "JPEG";
    if (n >= 8 && memcmp(b, png_sig, 8) == 0)
        return "PNG";
    return NULL;
}

static int image_dims(const char *fmt, const unsigned char *b, size_t n, uint32_t *w, uint32_t *h)
{
    if (fmt[0] == 'J')
        return jpeg_dims(b, n, w, h);
    if (n < 24 || memcmp(b + 12, "IHDR", 4) != 0)
        return 0;
    *w = be32(b + 16);
    *h = be32(b + 20);
    return 1;
}

/* Why strict decoding refused s: the first character outside the alphabet, something after
 * the '=' padding, or the length. Only runs on failure. */
static void base64_error(char *out, size_t cap, const char *s, size_t slen)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789+/";
    size_t i = strspn(s, alphabet);
    if (i < slen && s[i] == '=') {
        size_t j = i + strspn(s + i, "=");
        if (j < slen) {
            snprintf(out, cap, "character %zu (0x%02X) follows the '=' padding", j,
                     (unsigned char)s[j]);
            return;
        }
        if (slen - i > 2) {
            snprintf(out, cap, "it ends in %zu '=' (at most 2)", slen - i);
            return;
        }
    }
    if (i < slen && s[i] != '=') {
        unsigned char c = (unsigned char)s[i];
        const char *hint = c == '\n' || c == '\r' ? " (a line break: MIME-style base64)"
                           : c == '-' || c == '_' ? " (the base64url alphabet)"
                           : c == ' '             ? " (a space)"
                                                  : "";
        snprintf(out, cap, "character %zu is 0x%02X%s", i, c, hint);
    } else if (slen % 4) {
        snprintf(out, cap, "its length %zu is not a multiple of 4", slen);
    } else {
        snprintf(out, cap, "non-zero bits after the last byte");
    }
}

static const char *limit_text(char out[32], size_t limit)
{
    if (limit % 1024 == 0)
        snprintf(out, 32, "%zu KB", limit / 1024);
    else
        snprintf(out, 32, "%zu-byte", limit);
    return out;
}

/* image.too_large, on the decoded size (dec, -1 when unknown) or the base64 length. */
static void check_size(pl_bailian_rules *r, int idx, const char *where, size_t slen, long dec)
{
    size_t limit = r->o.image_max_bytes;
    char lt[32];
    if (limit == 0)
        return;
    if (r->o.image_limit_encoded) {
        if (slen <= limit)
            return;
        char dectext[48];
        if (dec >= 0)
            snprintf(dectext, sizeof dectext, "%ld bytes decoded", dec);
        else
            snprintf(dectext, sizeof dectext, "not decodable");
        report(r, R_TOO_LARGE,
               "image %d of %s is %zu base64 chars (%s): over the %s limit (%zu bytes, measured "
               "on the base64 text)",
               idx, where, slen, dectext, limit_text(lt, limit), limit);
    } else if (dec >= 0 && (size_t)dec > limit) {
        report(r, R_TOO_LARGE,
               "image %d of %s is %ld bytes decoded (%zu base64 chars): over the %s limit (%zu "
               "bytes, measured on the decoded image)",
               idx, where, dec, slen, limit_text(lt, limit), limit);
    }
}

static void check_dims(pl_bailian_rules *r, int idx, const char *where, const char *fmt,
                       const unsigned char *b, size_t n)
{
    uint32_t w, h;
    if (!image_dims(fmt, b, n, &w, &h))
        return;
    uint64_t lo = w < h ? w : h, hi = w < h ? h : w;
    if (lo <= 10)
        report(r, R_DIMENSIONS,
               "image %d of %s is %ux%u px (%s header): width and height must be over 10 px", idx,
               where, (unsigned)w, (unsigned)h, fmt);
    else if (hi > 200 * lo)
        report(r, R_DIMENSIONS,
               "image %d of %s is %ux%u px (%s header): aspect ratio %.1f:1 is over 200:1", idx,
               where, (unsigned)w, (unsigned)h, fmt, (double)hi / (double)lo);
}

/* A base64 image value: prefix, size, validity, signature, dimensions. Decoded once. */
static void check_image_data(pl_bailian_rules *r, int idx, const char *where, const char *s)
{
    char q[QUOTE], why[96];
    size_t slen = strlen(s);
    int format_reported = 0;
    if (strncmp(s, "data:", 5) == 0) {
        const char *comma = memchr(s, ',', slen < 200 ? slen : 200);
        report(r, R_FORMAT,
               "image %d of %s starts with the data URL prefix \"%s\": send the raw base64, "
               "without \"data:…;base64,\"",
               idx, where, quote_n(q, s, comma ? (size_t)(comma - s + 1) : 40));
        if (!comma)
            return;
        format_reported = 1;
        slen -= (size_t)(comma + 1 - s);
        s = comma + 1;
    }
    size_t n = 0;
    unsigned char *b = pl_crypto_base64_decode(s, slen, &n);
    check_size(r, idx, where, slen, b ? (long)n : pl_crypto_base64_decoded_len(s, slen));
    if (!b) {
        base64_error(why, sizeof why, s, slen);
        if (!format_reported)
            report(r, R_FORMAT, "image %d of %s is not valid base64 (%zu chars): %s", idx, where,
                   slen, why);
        return;
    }
    const char *fmt = image_format(b, n);
    if (!fmt && !format_reported)
        report(r, R_FORMAT,
               "image %d of %s decodes to %zu bytes starting %02X %02X %02X %02X: neither a "
               "JPEG (FF D8 FF) nor a PNG (89 50 4E 47 0D 0A 1A 0A)",
               idx, where, n, n > 0 ? b[0] : 0, n > 1 ? b[1] : 0, n > 2 ? b[2] : 0,
               n > 3 ? b[3] : 0);
    if (fmt)
        check_dims(r, idx, where, fmt, b, n);
    free(b);
}

/* One entry of parameters.images. */
static void check_image(pl_bailian_rules *r, int idx, int k, const cJSON *img)
{
    const char *where = directives[k], *type = get_str(img, "type");
    const cJSON *value = get(img, "value");
    char d[QUOTE + 2];
    int base64 = type && strcmp(type, "base64") == 0;
    if (k == K_UPDATE_INFO && !base64) {
        report(r, R_NOT_BASE64,
               "image %d of UpdateInfo has type %s, expected \"base64\": LiveAI over WebSocket "
               "takes base64 images only (url is for RequestToRespond VQA)",
               idx, describe(d, get(img, "type")));
        return;
    }
    if (!base64) /* RequestToRespond: url for VQA; another type is the schema's */
        return;
    if (!cJSON_IsString(value)) {
        report_shape(r, R_FORMAT, "image %d of %s: value is %s, expected a base64 string", idx,
                     where, pl_json_kind(value));
        return;
    }
    check_image_data(r, idx, where, value->valuestring);
}

/* parameters.images of UpdateInfo or RequestToRespond; returns how many there are. */
static int check_images(pl_bailian_rules *r, const cJSON *msg, int k)
{
    const cJSON *images = get(get(get(msg, "payload"), "parameters"), "images");
    if (!cJSON_IsArray(images))
        return 0;
    int n = cJSON_GetArraySize(images), idx = 1;
    if (n > 1)
        report(r, R_COUNT,
               "%s carries %d images: one image per directive (one LiveAI frame per "
               "UpdateInfo)",
               directives[k], n);
    const cJSON *img;
    cJSON_ArrayForEach(img, images)
    {
        check_image(r, idx++, k, img);
    }
    return n;
}

/* ---- LiveAI video ------------------------------------------------------------------- */

static void video_set(pl_bailian_rules *r, int on, int64_t t)
{
    if (r->video_on == on)
        return;
    r->video_on = on;
    r->video_ever = 1;
    r->video_t = t;
    r->video_armed = 0;
    r->frame_len = 0;
    r->frame_head = 0;
    r->cadence_reported = 0;
    r->stall_reported = 0;
    r->before_connect_reported = 0;
}

static void check_cadence(pl_bailian_rules *r, int64_t t)
{
    if (r->frame_len < FRAME_RING || r->o.frame_interval_us <= 0)
        return;
    int64_t first = r->frames[r->frame_head];
    int64_t mean = (t - first) / FRAME_RING;
    int64_t floor_us = (int64_t)((double)r->o.frame_interval_us * (1.0 - r->o.cadence_tolerance));
    if (mean >= floor_us) {
        r->cadence_reported = 0; /* the burst is over */
        return;
    }
    if (r->cadence_reported)
        return;
    r->cadence_reported = 1;
    int64_t iv[FRAME_RING];
    for (unsigned i = 0; i < FRAME_RING; i++) {
        int64_t a = r->frames[(r->frame_head + i) % FRAME_RING];
        int64_t b = i + 1 < FRAME_RING ? r->frames[(r->frame_head + i + 1) % FRAME_RING] : t;
        iv[i] = b - a;
    }
    report(r, R_CADENCE,
           "the last 4 LiveAI frames came every %lld ms on average (%lld, %lld, %lld, %lld ms): "
           "faster than one per %lld ms (floor %lld ms with %.0f%% tolerance)",
           MS(mean), MS(iv[0]), MS(iv[1]), MS(iv[2]), MS(iv[3]), MS(r->o.frame_interval_us),
           MS(floor_us), r->o.cadence_tolerance * 100);
}

/* An UpdateInfo carrying at least one image: one LiveAI frame. */
static void on_frame(pl_bailian_rules *r, int64_t t)
{
    if (!r->video_on) {
        if (!r->before_connect_reported)
            report(r, R_BEFORE_CONNECT,
                   "UpdateInfo with an image while video is off: the agent has not sent "
                   "switch_video_call_success%s (connect first with RequestToRespond "
                   "biz_params.videos [{action:connect}])",
                   r->video_ever ? " since its exit_video_call_success" : " yet");
        r->before_connect_reported = 1;
        return;
    }
    check_cadence(r, t);
    if (r->frame_len < FRAME_RING) {
        r->frames[(r->frame_head + r->frame_len++) % FRAME_RING] = t;
    } else {
        r->frames[r->frame_head] = t;
        r->frame_head = (r->frame_head + 1) % FRAME_RING;
    }
    r->video_armed = 1;
    r->last_frame_t = t;
    r->stall_reported = 0;
}

/* RespondingContent extra_info.commands: a JSON string holding an array of {name, …}.
 * switch_video_call_success turns video on, exit_video_call_success off. */
static void on_commands(pl_bailian_rules *r, const cJSON *output, int64_t t)
{
    const char *s = get_str(get(output, "extra_info"), "commands");
    if (!s || !strstr(s, "_video_call_success")) /* cheap filter before parsing */
        return;
    cJSON *cmds = cJSON_Parse(s);
    const cJSON *list = cJSON_IsArray(cmds) ? cmds : NULL, *c;
    cJSON_ArrayForEach(c, list)
    {
        const char *name = get_str(c, "name");
        if (name && strcmp(name, "switch_video_call_success") == 0)
            video_set(r, 1, t);
        else if (name && strcmp(name, "exit_video_call_success") == 0)
            video_set(r, 0, t);
    }
    cJSON_Delete(cmds);
}

/* ---- client -> agent ---------------------------------------------------------------- */

static int is_action(const char *a)
{
    return a &&
           (!strcmp(a, "run-task") || !strcmp(a, "continue-task") || !strcmp(a, "finish-task"));
}

/* envelope.header and envelope.streaming (schema restatements). */
static void check_header(pl_bailian_rules *r, const cJSON *header)
{
    char d[QUOTE + 2], why[256] = "";
    if (!cJSON_IsObject(header)) {
        report_shape(r, R_HEADER,
                     "client header is %s, expected an object {action, task_id, streaming}",
                     pl_json_kind(header));
        return;
    }
    const cJSON *action = get(header, "action"), *tid = get(header, "task_id");
    const char *a = cJSON_IsString(action) ? action->valuestring : NULL;
    if (!is_action(a))
        snprintf(why, sizeof why,
                 "header.action is %s, expected run-task, continue-task or "
                 "finish-task",
                 describe(d, action));
    if (!cJSON_IsString(tid) || !tid->valuestring[0]) {
        size_t n = strlen(why);
        snprintf(why + n, sizeof why - n,
                 "%sheader.task_id is %s, expected a non-empty string "
                 "(the client-generated id of this connection)",
                 n ? "; " : "", cJSON_IsString(tid) ? "empty" : pl_json_kind(tid));
    }
    if (why[0])
        report_shape(r, R_HEADER, "%s", why);
    const cJSON *st = get(header, "streaming");
    if (!cJSON_IsString(st) || strcmp(st->valuestring, "duplex") != 0)
        report_shape(r, R_STREAMING, "header.streaming is %s, expected \"duplex\"",
                     describe(d, st));
}

/* The directive of a client text frame, or -1 after reporting why there is none. */
static int client_envelope(pl_bailian_rules *r, const cJSON *msg)
{
    char d[QUOTE + 2];
    if (!cJSON_IsObject(msg)) {
        report(r, R_MALFORMED, "client text frame is %s JSON value, not an object", pl_json_kind(msg));
        return -1;
    }
    const cJSON *header = get(msg, "header");
    if (cJSON_IsString(get(header, "event"))) {
        report(r, R_MALFORMED,
               "client sent an agent frame (header.event %s); a client frame has header.action "
               "and payload.input.directive",
               describe(d, get(header, "event")));
        return -1;
    }
    const cJSON *payload = get(msg, "payload"), *input = get(payload, "input");
    const cJSON *dir = get(input, "directive");
    if (!cJSON_IsString(dir)) {
        const char *where = !cJSON_IsObject(payload) ? "payload"
                            : !cJSON_IsObject(input) ? "payload.input"
                                                     : "payload.input.directive";
        const cJSON *v = !cJSON_IsObject(payload) ? payload : !cJSON_IsObject(input) ? input : dir;
        report(r, R_MALFORMED,
               "client frame without a directive: %s is %s, expected payload.input.directive "
               "naming one of the 11 directives",
               where, pl_json_kind(v));
        return -1;
    }
    check_header(r, header);
    int k = name_index(directives, K__COUNT, dir->valuestring);
    if (k < 0)
        report(r, R_DIRECTIVE_UNKNOWN,
               "unknown directive %s (directives are case-sensitive: Start, Stop, SendSpeech, "
               "StopSpeech, CancelSpeech, RequestToSpeak, RequestToRespond, UpdateInfo, "
               "HeartBeat, LocalRespondingStarted, LocalRespondingEnded); the server answers "
               "422 DirectiveNotSupported",
               describe(d, dir));
    return k;
}

/* Start first and once, nothing after Stop. 0: the message goes no further. */
static int client_order(pl_bailian_rules *r, int k, const char *what, int64_t t)
{
    if (r->stopped) {
        report(r, R_AFTER_STOP, "%s %lld ms after Stop: finish-task is the last client message",
               what, MS(t - r->stop_t));
        return 0;
    }
    if (!r->started) {
        if (k == K_START)
            return 1;
        if (!r->start_first_reported)
            report(r, R_START_FIRST, "the first client message is %s, not the run-task Start",
                   what);
        r->start_first_reported = 1;
        return 0;
    }
    if (k == K_START) {
        report(r, R_START_DUP,
               "a second Start %lld ms after the first: one connection carries one task",
               MS(t - r->start_t));
        return 0;
    }
    return 1;
}

static void check_action(pl_bailian_rules *r, const cJSON *header, int k)
{
    const char *a = get_str(header, "action");
    const char *want = k == K_START ? "run-task" : k == K_STOP ? "finish-task" : "continue-task";
    if (!is_action(a))
        return; /* envelope.header */
    if (strcmp(a, want) != 0)
        report(r, R_ACTION, "%s sent with action \"%s\", expected \"%s\"", directives[k], a, want);
}

static void check_task_id(pl_bailian_rules *r, const cJSON *header, int k)
{
    const char *tid = get_str(header, "task_id");
    char q[QUOTE];
    if (!tid || !tid[0])
        return; /* envelope.header */
    if (k == K_START) {
        str_set(&r->task_id, tid);
    } else if (r->task_id.set && !str_eq(&r->task_id, tid)) {
        report(r, R_TASK_ID,
               "%s has task_id \"%s\" but the Start used \"%s\": the task_id stays the same for "
               "the whole connection",
               directives[k], quote(q, tid), r->task_id.head);
    }
}

static void on_start(pl_bailian_rules *r, const cJSON *msg, int64_t t)
{
    const cJSON *params = get(get(msg, "payload"), "parameters");
    const char *mode = get_str(get(params, "upstream"), "mode");
    int m = mode ? name_index(modes, 3, mode) : -1;
    r->started = 1;
    r->start_t = t;
    r->heartbeat_t = t;
    r->mode = m >= 0 ? m : MODE_TAP2TALK; /* default tap2talk; a bad value is the schema's */
    r->incremental = cJSON_IsTrue(get(get(params, "downstream"), "incremental_response"));
    owe(r, D_TASK_STARTED, t);
}

static void on_stop(pl_bailian_rules *r, int64_t t)
{
    r->stopped = 1;
    r->stop_t = t;
    owe(r, D_STOPPED, t);
}

/* SendSpeech / StopSpeech / CancelSpeech. */
static void on_speech(pl_bailian_rules *r, int k, int64_t t)
{
    if (r->mode == MODE_DUPLEX) {
        report(r, R_MODE,
               "%s in duplex mode (Start upstream.mode \"duplex\"): duplex has no "
               "SendSpeech/StopSpeech/CancelSpeech; the audio never stops and the server's VAD "
               "ends each utterance",
               directives[k]);
        return;
    }
    if (k == K_SEND_SPEECH) {
        if (r->speech_open)
            report(r, R_STATE,
                   "SendSpeech while the SendSpeech sent %lld ms ago is still open (no "
                   "StopSpeech/CancelSpeech in between)",
                   MS(t - r->speech_t));
        r->speech_open = 1;
        r->speech_ever = 1;
        r->speech_t = t;
        r->audio_outside_reported = 0;
    } else {
        if (k == K_STOP_SPEECH && !r->speech_open && !r->speech_ended_by_agent)
            report(r, R_STATE, "StopSpeech with no open SendSpeech (%s)",
                   r->speech_ever ? "the last one was already closed" : "none was sent");
        if (r->speech_open)
            r->speech_closed_t = t;
        r->speech_open = 0;
    }
    r->speech_ended_by_agent = 0;
}

/* RequestToRespond and RequestToSpeak: 449 TooManyInterrupt. */
static void count_interrupt(pl_bailian_rules *r, int k, int64_t t)
{
    unsigned burst = (unsigned)r->o.interrupt_burst;
    if (r->o.interrupt_burst <= 0 || r->o.interrupt_window_us <= 0)
        return;
    if (r->int_len == burst && t - r->interrupts[r->int_head] < r->o.interrupt_window_us) {
        report(r, R_INTERRUPT,
               "%u RequestToRespond/RequestToSpeak within %lld ms (the last a %s): more than %u "
               "per %lld ms makes the server answer 449 TooManyInterrupt and close",
               burst + 1, MS(t - r->interrupts[r->int_head]), directives[k], burst,
               MS(r->o.interrupt_window_us));
        r->int_len = 0; /* once per burst */
        return;
    }
    if (r->int_len == burst) {
        r->interrupts[r->int_head] = t;
        r->int_head = (r->int_head + 1) % burst;
    } else {
        r->interrupts[(r->int_head + r->int_len++) % burst] = t;
    }
}

static void on_request_to_speak(pl_bailian_rules *r, int64_t t)
{
    count_interrupt(r, K_REQUEST_TO_SPEAK, t);
    if (r->state != ST_LISTENING) {
        if (!r->owed[D_ACCEPTED].due)
            r->accepted_state = r->state;
        owe(r, D_ACCEPTED, t);
    }
}

static void check_respond_type(pl_bailian_rules *r, const cJSON *input)
{
    char d[QUOTE + 2];
    const cJSON *type = get(input, "type"), *text = get(input, "text");
    if (!cJSON_IsString(type) ||
        (strcmp(type->valuestring, "prompt") && strcmp(type->valuestring, "transcript")))
        report_shape(r, R_RESPOND_TYPE,
                     "RequestToRespond type is %s, expected \"prompt\" or \"transcript\" (the "
                     "server answers 421 InvalidParameter)",
                     describe(d, type));
    if (!cJSON_IsString(text))
        report_shape(r, R_RESPOND_TYPE,
                     "RequestToRespond text is %s, expected a string (\"\" when images or "
                     "biz_params carry the request)",
                     pl_json_kind(text));
}

static void on_request_to_respond(pl_bailian_rules *r, const cJSON *msg, int64_t t)
{
    count_interrupt(r, K_REQUEST_TO_RESPOND, t);
    if (r->state == ST_NONE)
        report(r, R_STATE,
               "RequestToRespond before the agent's first DialogStateChanged{Listening}: send it "
               "only in Listening");
    else if (r->state != ST_LISTENING && !r->accepted)
        report(r, R_STATE,
               "RequestToRespond while the agent is %s (DialogStateChanged %lld ms ago): send it "
               "only in Listening, or send RequestToSpeak first and wait for RequestAccepted",
               states[r->state], MS(t - r->state_t));
    r->accepted = 0;
    check_respond_type(r, get(get(msg, "payload"), "input"));
    int n = check_images(r, msg, K_REQUEST_TO_RESPOND);
    if (n > 0 && r->video_on)
        report(r, R_VIA_RESPOND,
               "RequestToRespond carries %d image%s while video is on (switch_video_call_success "
               "%lld ms ago): LiveAI frames go in UpdateInfo",
               n, n > 1 ? "s" : "", MS(t - r->video_t));
}

static void on_update_info(pl_bailian_rules *r, const cJSON *msg, int64_t t)
{
    if (check_images(r, msg, K_UPDATE_INFO) > 0)
        on_frame(r, t);
}

static void on_heartbeat(pl_bailian_rules *r, int64_t t)
{
    r->heartbeat_t = t;
    r->heartbeat_seen = 1;
    r->heartbeat_reported = 0;
    owe(r, D_HEARTBEAT, t);
}

static void on_c2a_audio(pl_bailian_rules *r, const cJSON *msg, int64_t t)
{
    char what[64];
    size_t n = audio_len(msg);
    snprintf(what, sizeof what, "binary audio (%zu bytes)", n);
    if (r->stopped && r->after_stop_audio_reported)
        return; /* one finding for a stream of chunks */
    if (r->stopped)
        r->after_stop_audio_reported = 1;
    if (!client_order(r, -1, what, t))
        return;
    if (!r->listened) {
        if (!r->audio_early_reported)
            report(r, R_AUDIO_EARLY,
                   "%s %lld ms after Start, before the agent's first "
                   "DialogStateChanged{Listening} (\"禁止立即发送音频\")",
                   what, MS(t - r->start_t));
        r->audio_early_reported = 1;
        return;
    }
    if (r->mode == MODE_PUSH2TALK && !r->speech_open && !r->audio_outside_reported) {
        r->audio_outside_reported = 1;
        if (r->speech_ever)
            report(r, R_AUDIO_OUTSIDE,
                   "%s in push2talk mode %lld ms after the speech was closed: audio goes only "
                   "between SendSpeech and StopSpeech",
                   what, MS(t - r->speech_closed_t));
        else
            report(r, R_AUDIO_OUTSIDE,
                   "%s in push2talk mode with no SendSpeech yet: audio goes only between "
                   "SendSpeech and StopSpeech",
                   what);
    }
}

static void on_c2a(pl_bailian_rules *r, const char *kind, const cJSON *msg, const void *raw,
                   size_t len, int64_t t)
{
    char q[QUOTE];
    if (is_audio(kind, msg)) {
        on_c2a_audio(r, msg, t);
        return;
    }
    if (!msg) {
        report(r, R_MALFORMED, "client text frame is not JSON (%zu bytes: \"%s\")", len,
               quote_n(q, raw ? raw : "", raw ? len : 0));
        return;
    }
    int k = client_envelope(r, msg);
    if (k < 0 || !client_order(r, k, directives[k], t))
        return;
    const cJSON *header = get(msg, "header");
    check_action(r, header, k);
    check_task_id(r, header, k);
    switch (k) {
    case K_START:
        on_start(r, msg, t);
        break;
    case K_STOP:
        on_stop(r, t);
        break;
    case K_SEND_SPEECH:
    case K_STOP_SPEECH:
    case K_CANCEL_SPEECH:
        on_speech(r, k, t);
        break;
    case K_REQUEST_TO_SPEAK:
        on_request_to_speak(r, t);
        break;
    case K_REQUEST_TO_RESPOND:
        on_request_to_respond(r, msg, t);
        break;
    case K_UPDATE_INFO:
        on_update_info(r, msg, t);
        break;
    case K_HEARTBEAT:
        on_heartbeat(r, t);
        break;
    default: /* LocalRespondingStarted / LocalRespondingEnded */
        break;
    }
}

/* ---- agent -> client ---------------------------------------------------------------- */

/* The header.event of an agent text frame (H_*), with *output set for result-generated;
 * -1 when it cannot be told (reported, unless the schema layer did). */
static int server_envelope(pl_bailian_rules *r, const cJSON *msg, const cJSON **output)
{
    char d[QUOTE + 2];
    *output = NULL;
    if (!cJSON_IsObject(msg)) {
        report_shape(r, R_EVENT_ENV, "agent text frame is %s JSON value, not an object",
                     pl_json_kind(msg));
        return -1;
    }
    const cJSON *header = get(msg, "header"), *ev = get(header, "event");
    int h = cJSON_IsString(ev) ? name_index(header_events, H__COUNT, ev->valuestring) : -1;
    if (h < 0) {
        report_shape(r, R_EVENT_ENV,
                     "agent frame: header%s is %s, expected task-started, result-generated, "
                     "task-finished or task-failed%s",
                     cJSON_IsObject(header) ? ".event" : "",
                     cJSON_IsObject(header) ? describe(d, ev) : pl_json_kind(header),
                     get(get(get(msg, "payload"), "input"), "directive")
                         ? " (this is a client directive frame)"
                         : "");
        return -1;
    }
    const cJSON *payload = get(msg, "payload");
    if (!cJSON_IsObject(payload)) {
        report_shape(r, R_EVENT_ENV,
                     "%s frame: payload is %s, expected an object (Python fails on a frame "
                     "without payload, Java reports MessageFormatError)",
                     header_events[h], pl_json_kind(payload));
        return h == H_RESULT ? -1 : h;
    }
    *output = get(payload, "output");
    if (h == H_RESULT && !cJSON_IsString(get(*output, "event"))) {
        report_shape(r, R_EVENT_ENV,
                     "result-generated frame without payload.output.event string (%s is %s)",
                     cJSON_IsObject(*output) ? "output.event" : "payload.output",
                     pl_json_kind(cJSON_IsObject(*output) ? get(*output, "event") : *output));
        return -1;
    }
    return h;
}

static void text_reset(pl_bailian_rules_str *s)
{
    s->set = 0;
}

/* event.cumulative for one SpeechContent / RespondingContent. */
static void check_cumulative(pl_bailian_rules *r, pl_bailian_rules_str *prev, const char *name,
                             const cJSON *output)
{
    char q[QUOTE];
    const char *text = get_str(output, "text");
    if (!text)
        return;
    if (prev->set && !str_extends(prev, text))
        report(r, R_CUMULATIVE,
               "%s text \"%s\" does not extend the previous %s \"%s\" of the same round: the "
               "text is cumulative (\"你好\" → \"你好世界\")%s",
               name, quote(q, text), name, prev->head,
               prev == &r->responding_text ? " unless downstream.incremental_response is true"
                                           : "");
    str_set(prev, text);
    if (cJSON_IsTrue(get(output, "finished")))
        text_reset(prev);
}

static void on_responding_content(pl_bailian_rules *r, const cJSON *output, int64_t t)
{
    on_commands(r, output, t);
    if (r->incremental)
        return;
    const char *round = get_str(output, "round_id");
    if (round && !str_eq(&r->responding_round, round)) {
        text_reset(&r->responding_text);
        str_set(&r->responding_round, round);
    }
    check_cumulative(r, &r->responding_text, "RespondingContent", output);
}

/* tap2talk: the server's VAD ends the utterance (SpeechEnded, or the dialog moves on), so
 * an open SendSpeech is over. push2talk waits for the client's StopSpeech. */
static void speech_ended_by_agent(pl_bailian_rules *r, int64_t t)
{
    if (r->mode != MODE_TAP2TALK || !r->speech_open)
        return;
    r->speech_open = 0;
    r->speech_ended_by_agent = 1;
    r->speech_closed_t = t;
}

static void on_state(pl_bailian_rules *r, const cJSON *output, int64_t t)
{
    const char *s = get_str(output, "state");
    int st = !s                             ? ST_OTHER
             : strcmp(s, "Listening") == 0  ? ST_LISTENING
             : strcmp(s, "Thinking") == 0   ? ST_THINKING
             : strcmp(s, "Responding") == 0 ? ST_RESPONDING
             : strcmp(s, "Idle") == 0       ? ST_IDLE
                                            : ST_OTHER;
    r->state = st;
    r->state_t = t;
    r->accepted = 0;
    if (st == ST_LISTENING) {
        r->listened = 1;
        r->owed[D_ACCEPTED].due = 0;
        text_reset(&r->responding_text);
        if (r->video_on && !r->video_armed) { /* back to Listening: video mode is on */
            r->video_armed = 1;
            r->last_frame_t = t;
        }
    } else {
        text_reset(&r->speech_text);
        speech_ended_by_agent(r, t);
    }
}

static void on_event(pl_bailian_rules *r, const char *ev, const cJSON *output, int first, int64_t t)
{
    if (!r->agent_started && strcmp(ev, "Started") != 0 && !first && !r->started_first_reported) {
        report(r, R_STARTED_FIRST, "result-generated %s before Started{dialog_id}", ev);
        r->started_first_reported = 1;
    }
    if (strcmp(ev, "Started") == 0) {
        r->agent_started = 1;
    } else if (strcmp(ev, "Stopped") == 0) {
        r->owed[D_STOPPED].due = 0;
        r->owed[D_HEARTBEAT].due = 0;
        r->owed[D_ACCEPTED].due = 0;
        owe(r, D_TASK_FINISHED, t);
    } else if (strcmp(ev, "DialogStateChanged") == 0) {
        on_state(r, output, t);
    } else if (strcmp(ev, "SpeechStarted") == 0) {
        text_reset(&r->speech_text);
    } else if (strcmp(ev, "SpeechEnded") == 0) {
        text_reset(&r->speech_text);
        speech_ended_by_agent(r, t);
    } else if (strcmp(ev, "SpeechContent") == 0) {
        check_cumulative(r, &r->speech_text, "SpeechContent", output);
    } else if (strcmp(ev, "RequestAccepted") == 0) {
        r->accepted = 1;
        r->owed[D_ACCEPTED].due = 0;
        text_reset(&r->responding_text);
    } else if (strcmp(ev, "RespondingStarted") == 0 || strcmp(ev, "RespondingEnded") == 0) {
        text_reset(&r->responding_text);
    } else if (strcmp(ev, "RespondingContent") == 0) {
        on_responding_content(r, output, t);
    } else if (strcmp(ev, "HeartBeat") == 0) {
        r->owed[D_HEARTBEAT].due = 0;
    }
}

/* How the first agent message is named in event.first. */
static const char *a2c_name(char out[96], const char *kind, const cJSON *msg)
{
    const cJSON *header = get(msg, "header");
    const char *h = get_str(header, "event");
    const char *ev = get_str(get(get(msg, "payload"), "output"), "event");
    char q[QUOTE], q2[QUOTE];
    if (is_audio(kind, msg))
        snprintf(out, 96, "binary audio (%zu bytes)", audio_len(msg));
    else if (h && ev)
        snprintf(out, 96, "%s %s", quote(q, h), quote(q2, ev));
    else if (h)
        snprintf(out, 96, "%s", quote(q, h));
    else
        snprintf(out, 96, "%s", msg ? kind : "a text frame that is not JSON");
    return out;
}

static void on_a2c(pl_bailian_rules *r, const char *kind, const cJSON *msg, const void *raw,
                   size_t len, int64_t t)
{
    char name[96], q[QUOTE];
    int first = !r->a2c_seen;
    r->a2c_seen = 1;
    if (r->ended) {
        if (!r->after_end_reported)
            report(r, R_AFTER_END, "%s %lld ms after %s: nothing follows the end of the task",
                   a2c_name(name, kind, msg), MS(t - r->end_t), r->end_event);
        r->after_end_reported = 1;
        return;
    }
    r->owed[D_TASK_STARTED].due = 0; /* the order is event.first's */
    const char *h = get_str(get(msg, "header"), "event");
    if (first && !(h && strcmp(h, "task-started") == 0 && !is_audio(kind, msg)))
        report(r, R_EVENT_FIRST, "the first agent message is %s, not task-started",
               a2c_name(name, kind, msg));
    if (is_audio(kind, msg))
        return;
    if (!msg) {
        report(r, R_EVENT_ENV, "agent text frame is not JSON (%zu bytes: \"%s\")", len,
               quote_n(q, raw ? raw : "", raw ? len : 0));
        return;
    }
    const cJSON *output;
    int ev = server_envelope(r, msg, &output);
    const char *out_ev = get_str(output, "event");
    switch (ev) {
    case H_TASK_STARTED:
        if (out_ev && strcmp(out_ev, "Started") == 0) /* Alibaba's own mock does this */
            r->agent_started = 1;
        break;
    case H_TASK_FINISHED:
    case H_TASK_FAILED:
        r->ended = 1;
        r->end_t = t;
        r->end_event = header_events[ev];
        memset(r->owed, 0, sizeof r->owed);
        break;
    case H_RESULT:
        on_event(r, out_ev, output, first, t);
        break;
    default:
        break;
    }
}

/* ---- entry points ------------------------------------------------------------------- */

void pl_bailian_rules_message(pl_bailian_rules *r, pl_dir dir, const char *kind, const cJSON *msg,
                              const void *raw, size_t len, int schema_ok, int64_t t_us,
                              pl_finding_fn emit, void *user)
{
    begin(r, t_us, emit, user); /* deadlines first: they are not about this message */
    r->shape_reported = schema_ok == 0;
    if (!kind)
        kind = msg ? "bailian.unknown" : "bailian.malformed";
    if (dir == PL_DIR_C2A)
        on_c2a(r, kind, msg, raw, len, t_us);
    else
        on_a2c(r, kind, msg, raw, len, t_us);
    end(r);
}

void pl_bailian_rules_tick(pl_bailian_rules *r, int64_t t_us, pl_finding_fn emit, void *user)
{
    begin(r, t_us, emit, user);
    end(r);
}

void pl_bailian_rules_closed(pl_bailian_rules *r, int code, int64_t t_us, pl_finding_fn emit,
                             void *user)
{
    begin(r, t_us, emit, user); /* what was already late is reported */
    r->closed = 1;
    memset(r->owed, 0, sizeof r->owed);
    end(r);
}
