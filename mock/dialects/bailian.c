/* bailian.c — the Alibaba Bailian multimodal dialog dialect (DashScope `multimodal-dialog`,
 * LiveAI video included) on its native WebSocket /api-ws/v1/inference, as one pl_dialect
 * (mock/pl_dialect.h). Facts: shared/protocols/bailian.md (cited as §n below).
 *
 * What it adds to the session core (mock/pl_session.c):
 *   gateway   accept(): the upgrade needs `Authorization: Bearer <key>` (scheme in any case,
 *             a bare key too, §1) with a key of the profile's bailian.api_keys (any key when
 *             none are listed); a bad key gets HTTP 401 InvalidApiKey, as DashScope answers;
 *   codec     text frames are the JSON envelope ({header, payload}); binary frames are raw
 *             PCM audio, decoded to {"binary":{"len":N,"silent":bool}} so matchers and
 *             rules can see them; kinds per docs/dev/bailian-spec.md ("bailian.Start",
 *             "bailian.event.RespondingContent", "bailian.task-failed", "bailian.audio");
 *   rules     every payload goes to the stateful rules (bailian_rules.c);
 *   behaviour the mock agent (docs/behaviour-bailian.md): the opening sequence, push2talk /
 *             tap2talk / duplex rounds with a simulated server VAD on the real audio,
 *             cumulative SpeechContent and RespondingContent, binary TTS PCM at the
 *             requested rate, HeartBeat echo, text turns, interruption, LiveAI connect and
 *             exit (switch_video_call_success / exit_video_call_success in
 *             extra_info.commands, §5 inferred), VQA, the error tiers (§3.4) and Stop.
 *
 * Timing is only pl_session_timer() slots. One bailian_state per session, made by open()
 * and freed by close(); it owns the rules object and the reply being spoken; every other
 * string it holds is borrowed from the profile or static. In client role (parley plays the
 * client, pl_session_peer_is_agent) the state only feeds the rules and completes the
 * envelopes of what the scenario sends. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/pl_buf.h"
#include "core/pl_crypto.h"
#include "core/pl_json.h"
#include "core/pl_utf8.h"
#include "mock/dialects/bailian_rules.h"
#include "mock/pl_dialect.h"
#include "mock/pl_profile.h"
#include "mock/pl_session.h"

#define DIALECT "bailian"
#define MS_US(ms) ((int64_t)(ms)*1000)
#define PIECE_CP 8          /* code points per non-final RespondingContent */
#define SILENCE_LEVEL 500   /* |sample| below this is silence (16-bit PCM) */
#define TTS_CP_MS 80        /* spoken duration per code point of the reply */
#define TTS_MIN_MS 300
#define TTS_MAX_MS 3000
#define TTS_CHUNK_MS 100    /* audio per binary frame */
#define TTS_TONE_HZ 220.0
#define INTERRUPTS_KEPT 16  /* ring of RequestToRespond/RequestToSpeak times for 449 */

enum { ST_IDLE, ST_LISTENING, ST_THINKING, ST_RESPONDING };
static const char *const state_names[] = {"Idle", "Listening", "Thinking", "Responding"};

enum { MODE_PUSH2TALK, MODE_TAP2TALK, MODE_DUPLEX };

/* Timer slots (PL_SESSION_TIMERS is 8). */
enum {
    SLOT_OPEN,     /* Started + Listening after task-started */
    SLOT_ROUND,    /* next step of the agent's round */
    SLOT_AUDIO,    /* 444: no client audio */
    SLOT_RESPONSE, /* task-failed ResponseTimeout: no server message */
    SLOT_FINISH,   /* task-finished + close after Stopped */
    SLOT_CLOSE     /* close after a fatal error went out (after it, not instead of it) */
};

typedef enum { R_NONE, R_THINK, R_SPEAK, R_WAIT_END } round_phase;

typedef struct {
    int64_t open, think, chunk, partial, vad_silence, local_end_wait, audio_timeout,
        response_timeout, finish;
} bailian_timing;

typedef struct {
    pl_session *s;
    const pl_profile *p;
    bailian_timing tm;
    pl_bailian_rules *rules; /* owned */
    int64_t t_us;            /* session time at the last hook (the close hook has no clock) */

    char task_id[129];
    char dialog_id[37];
    int started, stopped, dead; /* dead: a fatal error or task-failed went out */
    int mode, video_type;
    int up_rate, down_rate;
    int transcript, dialog_text, incremental;
    int state;

    /* user speech: SendSpeech (push2talk/tap2talk) or voice onset (server VAD) */
    int speech_open, speech_voiced, speech_explicit;
    size_t speech_bytes, silence_bytes, partial_bytes;
    const char *utter; /* what the mock pretends the user says (borrowed) */
    size_t heard;      /* bytes of utter already in a SpeechContent */
    unsigned utterances;

    /* the agent's round */
    round_phase phase;
    char *reply;    /* owned while a round runs */
    char *commands; /* owned: extra_info.commands JSON text of this round, or NULL */
    size_t pos;     /* bytes of reply the next RespondingContent covers */
    size_t sent;    /* bytes of reply already in a RespondingContent */
    size_t tts_left;
    char round_id[33], llm_id[33];
    unsigned turns;
    int video_on;

    char close_reason[120];
    int64_t interrupts[INTERRUPTS_KEPT];
    unsigned ninterrupts;
} bailian_state;

static const char *const default_replies[] = {
    "Hello! I am the parley mock agent.",
    "Sure, I can help with that.",
    "Let me think about it: the answer is forty-two.",
    NULL,
};

/* ---- catalogues ---------------------------------------------------------------------- */

static const pl_behaviour_info behaviours[] = {
    {"start", 1, "run-task Start -> task-started {}, then after timing.open Started {dialog_id} "
                 "and DialogStateChanged Listening"},
    {"heartbeat", 1, "HeartBeat -> result-generated {event: HeartBeat}"},
    {"speech", 1,
     "SendSpeech -> SpeechStarted; StopSpeech -> SpeechContent {finished:true}, SpeechEnded and "
     "a round; CancelSpeech -> SpeechEnded, Listening"},
    {"vad", 1,
     "tap2talk (while Listening) and duplex: voice in the audio -> SpeechStarted; "
     "timing.vad_silence of trailing silence ends the utterance"},
    {"speech.partials", 1,
     "while speech arrives: cumulative SpeechContent {finished:false} every timing.partial of "
     "audio (when downstream.intermediate_text has transcript)"},
    {"round", 1,
     "after an utterance or RequestToRespond: Thinking, Responding, RespondingStarted, "
     "RespondingContent (cumulative; pieces when intermediate_text has dialog), TTS PCM at "
     "downstream.sample_rate, RespondingEnded"},
    {"round.wait_local_end", 1,
     "after RespondingEnded, Listening only on LocalRespondingEnded (or after "
     "timing.local_end_wait); off: Listening at once"},
    {"respond", 1, "RequestToRespond prompt/transcript -> a round answering it"},
    {"interrupt", 1, "RequestToSpeak while not Listening -> RequestAccepted, Listening"},
    {"barge_in", 1, "duplex: voice while Thinking/Responding ends the round (Listening)"},
    {"video", 1,
     "RequestToRespond videos [{action:connect}] -> welcome round whose RespondingContent has "
     "extra_info.commands switch_video_call_success; exit -> exit_video_call_success"},
    {"vqa", 1,
     "a prompt asking for a photo -> visual_qa command; RequestToRespond with images -> an "
     "answer about the image"},
    {"errors", 1,
     "fatal 421 (RequestToRespond type), 422 (unknown directive); non-fatal 425 (StopSpeech "
     "without audio), 451 (only silence)"},
    {"too_many_interrupts", 1,
     "more than 5 RequestToRespond/RequestToSpeak within 2 s -> fatal 449 TooManyInterrupt"},
    {"audio_timeout", 1,
     "duplex always, tap2talk while Listening: no audio for timing.audio_timeout -> fatal 444 "
     "ClientAudioTimeout"},
    {"response_timeout", 1,
     "no server message for timing.response_timeout -> task-failed ResponseTimeout"},
    {"fatal_close", 1,
     "after a fatal Error (header status_code != 200) or task-failed, whoever sent it, the "
     "server closes the socket (1000, reason \"<code> <name>\")"},
    {"stop", 1, "finish-task Stop -> Stopped, task-finished, close 1000 \"close by server\""},
    {NULL, 0, NULL},
};

/* Driver actions a bailian client offers (the reference client's names; Python SDK
 * MultiModalDialog where one exists). docs/dev/bailian-spec.md. */
static const pl_api_info actions[] = {
    {"start", "mode:string, type:string, upstream_rate:int, downstream_rate:int, "
              "intermediate_text:string, heartbeat_ms:int, liveai:bool",
     "connects and sends run-task Start; answers once Listening"},
    {"stop", "", "finish-task Stop; answers after task-finished or close"},
    {"sendSpeech", "", "SendSpeech"},
    {"stopSpeech", "", "StopSpeech"},
    {"cancelSpeech", "", "CancelSpeech"},
    {"interrupt", "", "RequestToSpeak"},
    {"requestToRespond", "type:string, text:string, image:string, image_url:string",
     "RequestToRespond, optionally with one image"},
    {"sendHeartBeat", "", "HeartBeat"},
    {"updateInfo", "status:object", "UpdateInfo with client_info.status"},
    {"sendAudio", "ms:int, silence_ms:int, source:string",
     "streams PCM in 100 ms binary frames in real time"},
    {"startAudioStream", "", "continuous 100 ms audio frames"},
    {"stopAudioStream", "", "stops them"},
    {"connectVideo", "", "RequestToRespond with videos [{action:connect}]"},
    {"exitVideo", "", "RequestToRespond with videos [{action:exit}]"},
    {"startVideoStream", "interval_ms:int, bytes:int",
     "UpdateInfo with one base64 JPEG every interval_ms once video is on"},
    {"stopVideoStream", "", "stops the frames"},
    {"sendVideoFrame", "bytes:int, type:string, count:int", "one UpdateInfo frame"},
    {"localRespondingStarted", "", "LocalRespondingStarted"},
    {"localRespondingEnded", "", "LocalRespondingEnded"},
    {NULL, NULL, NULL},
};

/* Driver callbacks: Python MultiModalCallback names. */
static const pl_api_info callbacks[] = {
    {"on_started", "dialog_id:string", "Started"},
    {"on_stopped", "", "Stopped"},
    {"on_state_changed", "state:string", "DialogStateChanged"},
    {"on_speech_started", "", "SpeechStarted"},
    {"on_speech_content", "text:string, finished:bool", "SpeechContent"},
    {"on_speech_ended", "", "SpeechEnded"},
    {"on_request_accepted", "", "RequestAccepted"},
    {"on_responding_started", "", "RespondingStarted"},
    {"on_responding_content", "text:string, finished:bool, commands:array",
     "RespondingContent (extra_info.commands parsed)"},
    {"on_responding_ended", "", "RespondingEnded"},
    {"on_speech_audio_data", "bytes:int", "TTS audio of the round (total at RespondingEnded)"},
    {"on_error", "code:any, name:string, message:string, fatal:bool",
     "Error events and task-failed"},
    {"on_close", "code:int, reason:string", "the socket closed"},
    {"on_video_mode", "on:bool", "switch_video_call_success / exit_video_call_success"},
    {NULL, NULL, NULL},
};

/* ---- codec --------------------------------------------------------------------------- */

static int pcm_silent(const unsigned char *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        int v = (int16_t)(uint16_t)(p[i] | p[i + 1] << 8);
        if (v >= SILENCE_LEVEL || v <= -SILENCE_LEVEL)
            return 0;
    }
    return 1;
}

static cJSON *bailian_decode(const void *data, size_t len, int binary)
{
    if (binary) {
        cJSON *o = cJSON_CreateObject();
        cJSON *b = cJSON_AddObjectToObject(o, "binary");
        cJSON_AddNumberToObject(b, "len", (double)len);
        cJSON_AddBoolToObject(b, "silent", pcm_silent(data, len));
        return o;
    }
    if (!pl_utf8_valid(data, len, NULL))
        return NULL;
    char err[128];
    return pl_json_parse("payload", data, len, err, sizeof err);
}

static const char *const directives[] = {
    "Start",          "Stop",      "SendSpeech",          "StopSpeech",
    "CancelSpeech",   "RequestToSpeak", "RequestToRespond", "UpdateInfo",
    "HeartBeat",      "LocalRespondingStarted", "LocalRespondingEnded", NULL,
};

static const char *const events[] = {
    "Started",           "Stopped",          "DialogStateChanged", "SpeechStarted",
    "SpeechEnded",       "SpeechContent",    "RequestAccepted",    "RespondingStarted",
    "RespondingContent", "RespondingEnded",  "HeartBeat",          "Error",
    NULL,
};

static const char *const task_events[] = {"task-started", "task-finished", "task-failed", NULL};

static int in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

static const cJSON *member(const cJSON *o, const char *name)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;
}

/* payload.input.directive, or NULL. */
static const char *directive_of(const cJSON *msg)
{
    const cJSON *d = member(member(member(msg, "payload"), "input"), "directive");
    return cJSON_IsString(d) ? d->valuestring : NULL;
}

static void bailian_classify(const cJSON *msg, pl_dir dir, char *kind, size_t kind_len)
{
    (void)dir;
    const cJSON *ev = member(member(msg, "header"), "event");
    const cJSON *out = member(member(member(msg, "payload"), "output"), "event");
    const char *d = directive_of(msg);
    if (member(msg, "binary") && !member(msg, "header"))
        snprintf(kind, kind_len, DIALECT ".audio");
    else if (cJSON_IsString(ev) && in_list(task_events, ev->valuestring))
        snprintf(kind, kind_len, DIALECT ".%s", ev->valuestring);
    else if (cJSON_IsString(ev) && cJSON_IsString(out) && in_list(events, out->valuestring))
        snprintf(kind, kind_len, DIALECT ".event.%s", out->valuestring);
    else if (!cJSON_IsString(ev) && d && in_list(directives, d))
        snprintf(kind, kind_len, DIALECT ".%s", d);
    else
        snprintf(kind, kind_len, DIALECT ".unknown");
}

/* PCM for {"binary":{"len":N,"tone":HZ}}: silence, or a sine at HZ for 16 kHz. */
static char *pcm_make(size_t len, double hz, int rate)
{
    char *p = pl_xcalloc(len ? len : 1, 1);
    for (size_t i = 0; hz > 0 && i + 1 < len; i += 2) {
        double t = (double)(i / 2) / (rate > 0 ? rate : 16000);
        int16_t v = (int16_t)(8000.0 * sin(2.0 * M_PI * hz * t));
        p[i] = (char)(v & 0xff);
        p[i + 1] = (char)((uint16_t)v >> 8);
    }
    return p;
}

static char *bailian_encode(const cJSON *msg, size_t *len, int *binary)
{
    const cJSON *b = member(msg, "binary");
    if (cJSON_IsObject(b) && !member(msg, "header")) {
        const cJSON *n = member(b, "len"), *tone = member(b, "tone");
        size_t bytes = cJSON_IsNumber(n) && n->valuedouble > 0 && n->valuedouble < 16e6
                           ? (size_t)n->valuedouble
                           : 0;
        *len = bytes;
        *binary = 1;
        return pcm_make(bytes, cJSON_IsNumber(tone) ? tone->valuedouble : 0, 16000);
    }
    char *text = cJSON_PrintUnformatted(msg);
    if (!text)
        return NULL;
    *len = strlen(text);
    *binary = 0;
    return text;
}

/* ---- gateway ------------------------------------------------------------------------- */

/* The key of an Authorization value: "Bearer k" in any case of the scheme, or a bare key. */
static const char *bearer_key(const char *authz)
{
    while (*authz == ' ')
        authz++;
    if (strncasecmp(authz, "bearer", 6) == 0 && (authz[6] == ' ' || authz[6] == '\0')) {
        authz += 6;
        while (*authz == ' ')
            authz++;
    }
    return authz;
}

static int bailian_accept(const pl_profile *p, const char *authorization, char **body)
{
    const char *key = bearer_key(authorization ? authorization : "");
    size_t klen = strlen(key);
    while (klen && key[klen - 1] == ' ')
        klen--;
    const cJSON *sec = pl_profile_section(p, DIALECT);
    const cJSON *keys = member(sec, "api_keys");
    int ok = klen > 0 && !cJSON_IsArray(keys);
    const cJSON *list = cJSON_IsArray(keys) ? keys : NULL, *k;
    cJSON_ArrayForEach(k, list)
    {
        if (cJSON_IsString(k))
            ok |= pl_crypto_equal(key, klen, k->valuestring, strlen(k->valuestring));
    }
    if (ok)
        return 0;
    char rid[37];
    pl_crypto_uuid4(rid);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "code", "InvalidApiKey");
    cJSON_AddStringToObject(o, "message", klen ? "Invalid API-key provided."
                                               : "No API-key provided.");
    cJSON_AddStringToObject(o, "request_id", rid);
    *body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return 401;
}

/* ---- small helpers ------------------------------------------------------------------- */

static int64_t now(bailian_state *b)
{
    b->t_us = pl_session_now(b->s);
    return b->t_us;
}

static int on(const bailian_state *b, const char *behaviour)
{
    return pl_session_behaviour(b->s, behaviour);
}

static void arm(bailian_state *b, int slot, int64_t delay_us)
{
    pl_session_timer(b->s, slot, delay_us);
}

static void disarm(bailian_state *b, int slot)
{
    pl_session_timer(b->s, slot, -1);
}

static int64_t timing(const pl_profile *p, const char *key, int64_t dflt_ms)
{
    return pl_profile_duration(p, DIALECT, key, MS_US(dflt_ms));
}

/* A server frame: header {task_id, event, attributes:{}} and payload {output:{event,
 * dialog_id}} (§3.1); the caller adds the event's fields to the returned output. */
static cJSON *server_frame(bailian_state *b, const char *header_event, const char *event,
                           cJSON **output)
{
    cJSON *m = cJSON_CreateObject();
    cJSON *h = cJSON_AddObjectToObject(m, "header");
    cJSON_AddStringToObject(h, "task_id", b->task_id);
    cJSON_AddStringToObject(h, "event", header_event);
    cJSON_AddObjectToObject(h, "attributes");
    cJSON *pl = cJSON_AddObjectToObject(m, "payload");
    if (event) {
        cJSON *o = cJSON_AddObjectToObject(pl, "output");
        cJSON_AddStringToObject(o, "event", event);
        cJSON_AddStringToObject(o, "dialog_id", b->dialog_id);
        if (output)
            *output = o;
    }
    return m;
}

static void send_frame(bailian_state *b, cJSON *m)
{
    pl_session_send(b->s, NULL, m);
    cJSON_Delete(m);
}

static void send_event(bailian_state *b, const char *event)
{
    send_frame(b, server_frame(b, "result-generated", event, NULL));
}

static void send_state(bailian_state *b, int state)
{
    b->state = state;
    cJSON *o;
    cJSON *m = server_frame(b, "result-generated", "DialogStateChanged", &o);
    cJSON_AddStringToObject(o, "state", state_names[state]);
    send_frame(b, m);
}

/* Tier 2 (§3.4): header status, output {event: Error}; the fatal_close behaviour then
 * closes the socket when it sees it go out (bailian_message). */
static void send_fatal(bailian_state *b, int code, const char *name, const char *message)
{
    cJSON *m = server_frame(b, "result-generated", "Error", NULL);
    cJSON *h = cJSON_GetObjectItemCaseSensitive(m, "header");
    cJSON_AddNumberToObject(h, "status_code", code);
    cJSON_AddStringToObject(h, "status_name", name);
    cJSON_AddStringToObject(h, "status_message", message);
    send_frame(b, m);
}

/* Tier 3: status 200, output {event: Error, error_code, …}; the dialog goes on. */
static void send_round_error(bailian_state *b, int code, const char *name, const char *message)
{
    cJSON *o;
    cJSON *m = server_frame(b, "result-generated", "Error", &o);
    cJSON *h = cJSON_GetObjectItemCaseSensitive(m, "header");
    cJSON_AddNumberToObject(h, "status_code", 200);
    cJSON_AddStringToObject(h, "status_name", "Success");
    cJSON_AddStringToObject(h, "status_message", "Success");
    char rid[33];
    pl_crypto_random_hex(rid, 16);
    cJSON_AddStringToObject(o, "round_id", rid);
    cJSON_AddStringToObject(o, "llm_request_id", rid);
    cJSON_AddNumberToObject(o, "error_code", code);
    cJSON_AddStringToObject(o, "error_name", name);
    cJSON_AddStringToObject(o, "error_message", message);
    send_frame(b, m);
}

/* Tier 1: task-failed, then the connection ends (§3.4). */
static void send_task_failed(bailian_state *b, const char *code, const char *message)
{
    cJSON *m = server_frame(b, "task-failed", NULL, NULL);
    cJSON *h = cJSON_GetObjectItemCaseSensitive(m, "header");
    cJSON_AddStringToObject(h, "error_code", code);
    cJSON_AddStringToObject(h, "error_message", message);
    send_frame(b, m);
}

/* Is this outgoing frame the end of the connection (fatal Error or task-failed)? */
static int frame_is_fatal(const char *kind, const cJSON *msg, char *reason, size_t n)
{
    const cJSON *h = member(msg, "header");
    if (!strcmp(kind, DIALECT ".task-failed")) {
        snprintf(reason, n, "task-failed %s", pl_json_str(h, "error_code", ""));
        return 1;
    }
    const cJSON *sc = member(h, "status_code");
    if (cJSON_IsNumber(sc) && sc->valuedouble != 200) {
        snprintf(reason, n, "%d %s", sc->valueint, pl_json_str(h, "status_name", ""));
        return 1;
    }
    return 0;
}

/* ---- the agent's round --------------------------------------------------------------- */

static void round_drop(bailian_state *b)
{
    free(b->reply);
    free(b->commands);
    b->reply = b->commands = NULL;
    b->phase = R_NONE;
    b->pos = b->sent = b->tts_left = 0;
    disarm(b, SLOT_ROUND);
}

static size_t tts_bytes_per_chunk(const bailian_state *b)
{
    return (size_t)b->down_rate * 2 * TTS_CHUNK_MS / 1000;
}

/* Starts a round answering with reply (taken) and extra_info.commands (taken, may be NULL):
 * Thinking now, the rest on SLOT_ROUND. */
static void round_begin(bailian_state *b, char *reply, char *commands)
{
    round_drop(b);
    b->reply = reply;
    b->commands = commands;
    pl_crypto_random_hex(b->round_id, 16);
    pl_crypto_random_hex(b->llm_id, 16);
    size_t cps = pl_utf8_count(reply, strlen(reply));
    int64_t ms = (int64_t)cps * TTS_CP_MS;
    ms = ms < TTS_MIN_MS ? TTS_MIN_MS : ms > TTS_MAX_MS ? TTS_MAX_MS : ms;
    b->tts_left = (size_t)b->down_rate * 2 * (size_t)ms / 1000;
    b->tts_left -= b->tts_left % 2;
    b->turns++;
    disarm(b, SLOT_AUDIO); /* tap2talk: the audio duty is only while Listening */
    if (b->mode == MODE_DUPLEX)
        arm(b, SLOT_AUDIO, b->tm.audio_timeout);
    send_state(b, ST_THINKING);
    b->phase = R_THINK;
    arm(b, SLOT_ROUND, b->tm.think);
}

/* RespondingContent: the whole text so far, or with downstream.incremental_response only
 * what is new since the last one (§2.2). finished carries the rest and extra_info. */
static void send_content(bailian_state *b, int finished)
{
    cJSON *o;
    cJSON *m = server_frame(b, "result-generated", "RespondingContent", &o);
    size_t end = finished ? strlen(b->reply) : b->pos;
    size_t from = b->incremental ? b->sent : 0;
    char *text = pl_xstrndup(b->reply + from, end - from);
    b->sent = end;
    cJSON_AddStringToObject(o, "text", text);
    cJSON_AddStringToObject(o, "spoken", text);
    cJSON_AddBoolToObject(o, "finished", finished);
    cJSON_AddStringToObject(o, "round_id", b->round_id);
    cJSON_AddStringToObject(o, "llm_request_id", b->llm_id);
    if (finished) {
        cJSON_AddStringToObject(o, "finish_reason", "stop");
        cJSON *x = cJSON_AddObjectToObject(o, "extra_info");
        if (b->commands)
            cJSON_AddStringToObject(x, "commands", b->commands);
    }
    free(text);
    send_frame(b, m);
}

/* Moves pos to the end of the next piece of the reply: PIECE_CP code points. */
static void next_piece(bailian_state *b)
{
    const char *r = b->reply;
    size_t len = strlen(r);
    for (int n = 0; n < PIECE_CP && b->pos < len; n++) {
        uint32_t cp;
        size_t k = pl_utf8_decode(r + b->pos, len - b->pos, &cp);
        b->pos += k ? k : 1;
    }
}

static void send_tts_chunk(bailian_state *b)
{
    size_t n = tts_bytes_per_chunk(b);
    if (n > b->tts_left)
        n = b->tts_left;
    char *pcm = pcm_make(n, TTS_TONE_HZ, b->down_rate);
    pl_session_send_raw(b->s, NULL, pcm, n, 1);
    free(pcm);
    b->tts_left -= n;
}

static void round_listening(bailian_state *b)
{
    round_drop(b);
    send_state(b, ST_LISTENING);
    if (b->mode != MODE_PUSH2TALK)
        arm(b, SLOT_AUDIO, b->tm.audio_timeout);
}

static void round_step(bailian_state *b)
{
    switch (b->phase) {
    case R_THINK:
        send_state(b, ST_RESPONDING);
        send_event(b, "RespondingStarted");
        b->phase = R_SPEAK;
        arm(b, SLOT_ROUND, b->tm.chunk);
        break;
    case R_SPEAK:
        if (b->dialog_text && b->reply[b->pos]) {
            next_piece(b);
            if (b->reply[b->pos])
                send_content(b, 0);
        } else {
            b->pos = strlen(b->reply);
        }
        if (b->tts_left)
            send_tts_chunk(b);
        if (!b->reply[b->pos] && !b->tts_left) {
            send_content(b, 1);
            send_event(b, "RespondingEnded");
            b->phase = R_WAIT_END;
            if (on(b, "round.wait_local_end"))
                arm(b, SLOT_ROUND, b->tm.local_end_wait);
            else
                round_listening(b);
            break;
        }
        arm(b, SLOT_ROUND, b->tm.chunk);
        break;
    case R_WAIT_END: /* no LocalRespondingEnded came: back to Listening anyway */
        round_listening(b);
        break;
    case R_NONE:
        break;
    }
}

/* Ends the round early (RequestToSpeak, barge-in): the state goes back to Listening. */
static void round_interrupt(bailian_state *b)
{
    round_drop(b);
    send_state(b, ST_LISTENING);
}

static char *reply_text(bailian_state *b, const char *user_text)
{
    return pl_xstrdup(pl_profile_reply(b->p, DIALECT, b->turns, user_text, default_replies));
}

/* extra_info.commands of one command without params: "[{\"name\":\"x\",\"params\":[]}]". */
static char *command_json(const char *name, const char *shot)
{
    cJSON *arr = cJSON_CreateArray();
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "name", name);
    cJSON *params = cJSON_AddArrayToObject(c, "params");
    if (shot) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "name", "shot");
        cJSON_AddStringToObject(p, "value", shot);
        cJSON_AddStringToObject(p, "normValue", "True");
        cJSON_AddItemToArray(params, p);
    }
    cJSON_AddItemToArray(arr, c);
    char *s = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    return s;
}

/* ---- user speech ---------------------------------------------------------------------- */

static void speech_reset(bailian_state *b)
{
    b->speech_open = b->speech_voiced = b->speech_explicit = 0;
    b->speech_bytes = b->silence_bytes = b->partial_bytes = 0;
    b->heard = 0;
}

static void speech_open(bailian_state *b, int explicit_)
{
    speech_reset(b);
    b->speech_open = 1;
    b->speech_explicit = explicit_;
    b->utter = pl_profile_list_item(b->p, DIALECT, "user_speech", b->utterances,
                                    "What is the weather like today?");
    send_event(b, "SpeechStarted");
}

static void send_speech_content(bailian_state *b, int finished)
{
    cJSON *o;
    cJSON *m = server_frame(b, "result-generated", "SpeechContent", &o);
    char *text = pl_xstrndup(b->utter, finished ? strlen(b->utter) : b->heard);
    cJSON_AddStringToObject(o, "text", text);
    cJSON_AddBoolToObject(o, "finished", finished);
    free(text);
    send_frame(b, m);
}

/* A partial hypothesis for every timing.partial of audio: one more word of utter. */
static void speech_partial(bailian_state *b)
{
    size_t per = (size_t)((double)b->up_rate * 2 * (double)b->tm.partial / 1e6);
    if (!on(b, "speech.partials") || !b->transcript || !per ||
        b->speech_bytes - b->partial_bytes < per)
        return;
    b->partial_bytes = b->speech_bytes;
    size_t len = strlen(b->utter);
    if (b->heard >= len)
        return;
    const char *sp = strchr(b->utter + b->heard + 1, ' ');
    size_t next = sp ? (size_t)(sp - b->utter) : len;
    if (next >= len)
        return; /* the last word comes with the final result */
    b->heard = next;
    send_speech_content(b, 0);
}

/* End of the utterance (StopSpeech, or VAD silence): final text, SpeechEnded, a round. */
static void speech_end(bailian_state *b)
{
    int voiced = b->speech_voiced;
    size_t bytes = b->speech_bytes;
    speech_reset(b);
    if (!bytes && on(b, "errors")) {
        send_round_error(b, 425, "NoInputAudioError",
                         "ASR input audio error, no input audio , please check audio data!");
        send_event(b, "SpeechEnded");
        return;
    }
    if (!voiced && on(b, "errors")) {
        send_round_error(b, 451, "NoSpeechRecognized", "No speech recognized from audio!");
        send_event(b, "SpeechEnded");
        return;
    }
    send_speech_content(b, 1);
    send_event(b, "SpeechEnded");
    const char *heard = b->utter;
    b->utterances++;
    if (on(b, "round"))
        round_begin(b, reply_text(b, heard), NULL);
}

/* Binary audio from the client: the simulated ASR/VAD. */
static void on_audio(bailian_state *b, const cJSON *msg)
{
    const cJSON *bin = member(msg, "binary");
    size_t len = (size_t)cJSON_GetNumberValue(member(bin, "len"));
    int silent = cJSON_IsTrue(member(bin, "silent"));
    if (b->mode == MODE_DUPLEX || b->state == ST_LISTENING)
        arm(b, SLOT_AUDIO, b->tm.audio_timeout);
    if (!b->started || b->stopped)
        return;
    if (!b->speech_open) {
        if (silent || b->mode == MODE_PUSH2TALK || !on(b, "vad"))
            return;
        if (b->state != ST_LISTENING) {
            if (b->mode != MODE_DUPLEX || !on(b, "barge_in"))
                return;
            round_interrupt(b); /* duplex barge-in (§4.3; wire events inferred) */
        }
        speech_open(b, 0);
    }
    b->speech_bytes += len;
    if (!silent) {
        b->speech_voiced = 1;
        b->silence_bytes = 0;
    } else {
        b->silence_bytes += len;
    }
    speech_partial(b);
    size_t tail = (size_t)((double)b->up_rate * 2 * (double)b->tm.vad_silence / 1e6);
    if (b->mode != MODE_PUSH2TALK && b->speech_voiced && b->silence_bytes >= tail && on(b, "vad"))
        speech_end(b);
}

/* ---- directives ------------------------------------------------------------------------ */

static int rate_of(const cJSON *v, int dflt)
{
    double d = cJSON_IsNumber(v) ? v->valuedouble : cJSON_IsString(v) ? atof(v->valuestring) : 0;
    return d >= 8000 && d <= 48000 ? (int)d : dflt; /* Java sends 0 for "default" (§7.3) */
}

/* Reads mode, type, rates and text options of a Start (§2.2). */
static void start_params(bailian_state *b, const cJSON *msg)
{
    const cJSON *par = member(member(msg, "payload"), "parameters");
    const cJSON *up = member(par, "upstream"), *down = member(par, "downstream");
    const char *mode = pl_json_str(up, "mode", "tap2talk");
    b->mode = !strcmp(mode, "push2talk") ? MODE_PUSH2TALK
              : !strcmp(mode, "duplex")  ? MODE_DUPLEX
                                         : MODE_TAP2TALK;
    b->video_type = !strcmp(pl_json_str(up, "type", "AudioOnly"), "AudioAndVideo");
    b->up_rate = rate_of(member(up, "sample_rate"), 16000);
    b->down_rate = rate_of(member(down, "sample_rate"), 24000);
    const char *it = pl_json_str(down, "intermediate_text", "transcript");
    b->transcript = strstr(it, "transcript") != NULL;
    b->dialog_text = strstr(it, "dialog") != NULL;
    b->incremental = cJSON_IsTrue(member(down, "incremental_response"));
}

static void on_start(bailian_state *b, const cJSON *msg)
{
    if (b->started)
        return;
    b->started = 1;
    const cJSON *tid = member(member(msg, "header"), "task_id");
    snprintf(b->task_id, sizeof b->task_id, "%s", cJSON_IsString(tid) ? tid->valuestring : "");
    const char *did = pl_json_str(member(member(msg, "payload"), "input"), "dialog_id", "");
    if (strlen(did) == 36) /* continue an earlier dialog (§2.2) */
        snprintf(b->dialog_id, sizeof b->dialog_id, "%s", did);
    else
        pl_crypto_uuid4(b->dialog_id);
    start_params(b, msg);
    if (!on(b, "start"))
        return;
    send_frame(b, server_frame(b, "task-started", NULL, NULL));
    arm(b, SLOT_OPEN, b->tm.open); /* the dialog opens a moment later, as a real one does */
}

/* Does text contain word (ASCII, any case)? */
static int contains_ci(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (; *text; text++)
        if (strncasecmp(text, word, n) == 0)
            return 1;
    return 0;
}

/* RequestToRespond (§2.3): LiveAI connect/exit, VQA images, a prompt or a transcript. */
static void on_respond(bailian_state *b, const cJSON *msg)
{
    const cJSON *in = member(member(msg, "payload"), "input");
    const cJSON *par = member(member(msg, "payload"), "parameters");
    const char *type = pl_json_str(in, "type", "");
    const char *text = pl_json_str(in, "text", "");
    if (strcmp(type, "prompt") && strcmp(type, "transcript")) {
        if (on(b, "errors"))
            send_fatal(b, 421, "InvalidParameter",
                       "type of directive payload is error, please choose transcript or prompt");
        return;
    }
    const cJSON *videos = member(member(par, "biz_params"), "videos");
    const cJSON *v0 = cJSON_IsArray(videos) ? cJSON_GetArrayItem(videos, 0) : NULL;
    const char *vact = pl_json_str(v0, "action", "");
    const cJSON *images = member(par, "images");
    if (b->phase != R_NONE)
        round_drop(b); /* a text turn replaces what was going on */
    if (b->speech_open)
        speech_reset(b);
    if (*vact && on(b, "video")) {
        int connect = !strcmp(vact, "connect");
        b->video_on = connect;
        const char *line = connect ? pl_profile_string(b->p, DIALECT, "video_welcome",
                                                       "Video call connected. I can see you now.")
                                   : pl_profile_string(b->p, DIALECT, "video_exit",
                                                       "Video call ended.");
        round_begin(b, pl_xstrdup(line),
                    command_json(connect ? "switch_video_call_success" : "exit_video_call_success",
                                 NULL));
        return;
    }
    if (cJSON_GetArraySize(images) > 0 && on(b, "vqa")) {
        const cJSON *img = cJSON_GetArrayItem(images, 0);
        const char *val = pl_json_str(img, "value", "");
        char line[200];
        if (!strcmp(pl_json_str(img, "type", ""), "url"))
            snprintf(line, sizeof line, "I looked at the picture at %.80s.", val);
        else
            snprintf(line, sizeof line, "I can see your picture (%ld bytes).",
                     pl_crypto_base64_decoded_len(val, strlen(val)));
        round_begin(b, pl_xstrdup(line), NULL);
        return;
    }
    if (!strcmp(type, "prompt") && on(b, "vqa") &&
        (strstr(text, "拍照") || contains_ci(text, "photo") || contains_ci(text, "picture"))) {
        round_begin(b, pl_xstrdup("OK, let me take a look."), command_json("visual_qa", text));
        return;
    }
    if (!on(b, "respond"))
        return;
    round_begin(b, !strcmp(type, "transcript") ? pl_xstrdup(text)
                                               : reply_text(b, *text ? text : NULL),
                NULL);
}

/* 449 (§3.4): too many RequestToRespond/RequestToSpeak in a short time. */
static int too_many_interrupts(bailian_state *b)
{
    int64_t t = b->t_us;
    b->interrupts[b->ninterrupts++ % INTERRUPTS_KEPT] = t;
    int burst = (int)pl_profile_number(b->p, DIALECT, "interrupt_burst", 5);
    int64_t window = timing(b->p, "interrupt_window", 2000);
    if (burst < 1 || burst >= INTERRUPTS_KEPT || b->ninterrupts <= (unsigned)burst)
        return 0;
    int64_t first = b->interrupts[(b->ninterrupts - 1 - (unsigned)burst) % INTERRUPTS_KEPT];
    if (t - first > window || !on(b, "too_many_interrupts"))
        return 0;
    send_fatal(b, 449, "TooManyInterrupt",
               "Send too many RequestToRespond or RequestToSpeak directives in a short time!");
    return 1;
}

static void on_directive(bailian_state *b, const char *d, const cJSON *msg)
{
    if (!strcmp(d, "Start")) {
        on_start(b, msg);
        return;
    }
    if (!b->started)
        return; /* the rules report it (bailian.start.first) */
    if (!strcmp(d, "Stop")) {
        b->stopped = 1;
        round_drop(b);
        speech_reset(b);
        disarm(b, SLOT_AUDIO);
        if (on(b, "stop")) {
            send_event(b, "Stopped");
            arm(b, SLOT_FINISH, b->tm.finish);
        }
    } else if (!strcmp(d, "HeartBeat")) {
        if (on(b, "heartbeat"))
            send_event(b, "HeartBeat");
    } else if (!strcmp(d, "SendSpeech")) {
        if (on(b, "speech") && !b->speech_open && b->mode != MODE_DUPLEX)
            speech_open(b, 1);
    } else if (!strcmp(d, "StopSpeech")) {
        if (on(b, "speech") && b->speech_open)
            speech_end(b);
    } else if (!strcmp(d, "CancelSpeech")) {
        if (on(b, "speech") && b->speech_open) {
            speech_reset(b);
            send_event(b, "SpeechEnded");
            send_state(b, ST_LISTENING); /* "回到空闲状态" (§9: Idle or Listening; inferred) */
        }
    } else if (!strcmp(d, "RequestToSpeak")) {
        if (too_many_interrupts(b))
            return;
        if (on(b, "interrupt") && b->state != ST_LISTENING) {
            send_event(b, "RequestAccepted");
            round_interrupt(b);
        }
    } else if (!strcmp(d, "RequestToRespond")) {
        if (!too_many_interrupts(b))
            on_respond(b, msg);
    } else if (!strcmp(d, "LocalRespondingEnded")) {
        if (b->phase == R_WAIT_END)
            round_listening(b);
    }
    /* UpdateInfo, LocalRespondingStarted: accepted, nothing to answer */
}

/* ---- dialect hooks ---------------------------------------------------------------------- */

static void rules_opts(const pl_profile *p, pl_bailian_rules_opts *o)
{
    pl_bailian_rules_opts_init(o);
    o->frame_interval_us = timing(p, "video_interval", o->frame_interval_us / 1000);
    o->stall_us = timing(p, "video_stall", o->stall_us / 1000);
    o->heartbeat_gap_us = timing(p, "heartbeat_gap", o->heartbeat_gap_us / 1000);
    o->answer_timeout_us = timing(p, "answer_timeout", o->answer_timeout_us / 1000);
    o->cadence_tolerance = pl_profile_number(p, DIALECT, "video_tolerance", o->cadence_tolerance);
    size_t lim;
    const char *l = pl_profile_string(p, DIALECT, "image_limit", NULL);
    if (l && pl_profile_parse_size(l, &lim) == 0)
        o->image_max_bytes = lim;
    else if (!l)
        o->image_max_bytes = (size_t)pl_profile_number(p, DIALECT, "image_limit",
                                                       (double)o->image_max_bytes);
    o->image_limit_encoded =
        !strcmp(pl_profile_string(p, DIALECT, "image_limit_basis", "decoded"), "encoded");
    o->interrupt_burst = (int)pl_profile_number(p, DIALECT, "interrupt_burst", o->interrupt_burst);
    o->interrupt_window_us = timing(p, "interrupt_window", o->interrupt_window_us / 1000);
}

static void *bailian_open(pl_session *s)
{
    bailian_state *b = pl_xcalloc(1, sizeof *b);
    b->s = s;
    b->p = pl_session_profile(s);
    const pl_profile *p = b->p;
    b->tm.open = timing(p, "open", 50);
    b->tm.think = timing(p, "think", 300);
    b->tm.chunk = timing(p, "chunk", 40);
    b->tm.partial = timing(p, "partial", 300);
    b->tm.vad_silence = timing(p, "vad_silence", 800);
    b->tm.local_end_wait = timing(p, "local_end_wait", 5000);
    b->tm.audio_timeout = timing(p, "audio_timeout", 20000);
    b->tm.response_timeout = timing(p, "response_timeout", 60000);
    b->tm.finish = timing(p, "finish", 20);
    pl_bailian_rules_opts ro;
    rules_opts(p, &ro);
    b->rules = pl_bailian_rules_new(&ro);
    b->mode = MODE_TAP2TALK;
    b->up_rate = 16000;
    b->down_rate = 24000;
    b->transcript = 1;
    b->state = ST_IDLE;
    now(b);
    return b;
}

static void bailian_message(void *st, pl_dir dir, const char *kind, const cJSON *msg,
                            const void *raw, size_t len, int schema_ok)
{
    bailian_state *b = st;
    now(b);
    pl_bailian_rules_message(b->rules, dir, kind, msg, raw, len, schema_ok, b->t_us, pl_session_finding_fn, b->s);
    if (dir != PL_DIR_A2C || pl_session_peer_is_agent(b->s))
        return;
    /* What the agent sends (the default behaviour or a scenario): the gateway's silence
     * timer restarts, and a fatal error ends the connection (§3.4). */
    if (b->started && !b->dead && on(b, "response_timeout"))
        arm(b, SLOT_RESPONSE, b->tm.response_timeout);
    if (!strcmp(kind, DIALECT ".event.DialogStateChanged")) {
        const char *s = pl_json_str(member(member(msg, "payload"), "output"), "state", "");
        for (int i = 0; i < 4; i++)
            if (!strcmp(s, state_names[i]))
                b->state = i;
    }
    char reason[120];
    if (msg && !b->dead && frame_is_fatal(kind, msg, reason, sizeof reason)) {
        b->dead = 1;
        round_drop(b);
        for (int i = 0; i < PL_SESSION_TIMERS; i++)
            disarm(b, i);
        snprintf(b->close_reason, sizeof b->close_reason, "%s", reason);
        if (on(b, "fatal_close"))
            arm(b, SLOT_CLOSE, 0); /* the frame is judged now and written after this hook */
    }
}

static void bailian_behave(void *st, const char *kind, const cJSON *msg)
{
    bailian_state *b = st;
    if (b->dead || b->stopped)
        return;
    if (!strcmp(kind, DIALECT ".audio")) {
        on_audio(b, msg);
        return;
    }
    const char *d = directive_of(msg);
    if (!strcmp(kind, DIALECT ".unknown") && d && on(b, "errors") && b->started) {
        char m[160];
        snprintf(m, sizeof m, "Directive not supported: %.100s", d);
        send_fatal(b, 422, "DirectiveNotSupported", m);
        return;
    }
    if (d && strncmp(kind, DIALECT ".", 8) == 0 && in_list(directives, d))
        on_directive(b, d, msg);
}

static void bailian_timer(void *st, int slot)
{
    bailian_state *b = st;
    now(b);
    if (slot == SLOT_CLOSE) {
        pl_session_close(b->s, 1000, b->close_reason);
        return;
    }
    if (b->dead)
        return;
    switch (slot) {
    case SLOT_OPEN: {
        cJSON *m = server_frame(b, "result-generated", "Started", NULL);
        send_frame(b, m);
        round_listening(b);
        break;
    }
    case SLOT_ROUND:
        if (!b->stopped)
            round_step(b);
        break;
    case SLOT_AUDIO:
        if (!b->stopped && on(b, "audio_timeout") &&
            (b->mode == MODE_DUPLEX || (b->mode == MODE_TAP2TALK && b->state == ST_LISTENING)))
            send_fatal(b, 444, "ClientAudioTimeout", "Waiting for client audio timed out.");
        break;
    case SLOT_RESPONSE:
        if (!b->stopped)
            send_task_failed(b, "ResponseTimeout", "Response timeout!");
        break;
    case SLOT_FINISH: {
        cJSON *o;
        cJSON *m = server_frame(b, "task-finished", NULL, NULL);
        o = cJSON_GetObjectItemCaseSensitive(m, "payload");
        cJSON *out = cJSON_AddObjectToObject(o, "output");
        cJSON_AddStringToObject(out, "event", "stopped"); /* Alibaba's own mock (JAVATEST) */
        cJSON_AddStringToObject(out, "dialog_id", b->dialog_id);
        send_frame(b, m);
        b->dead = 1;
        pl_session_close(b->s, 1000, "close by server");
        break;
    }
    default:
        break;
    }
}

static void bailian_tick(void *st, int64_t now_us)
{
    bailian_state *b = st;
    b->t_us = now_us;
    pl_bailian_rules_tick(b->rules, now_us, pl_session_finding_fn, b->s);
}

static void bailian_close(void *st)
{
    bailian_state *b = st;
    if (!b)
        return;
    pl_bailian_rules_tick(b->rules, b->t_us, pl_session_finding_fn, b->s);
    pl_bailian_rules_closed(b->rules, pl_session_close_code(b->s), b->t_us, pl_session_finding_fn, b->s);
    pl_bailian_rules_free(b->rules);
    free(b->reply);
    free(b->commands);
    free(b);
}

/* A scenario's `send`: fills what it leaves out. As the agent: header task_id, event
 * (result-generated when there is an output), attributes, payload, output.dialog_id. As the
 * client: header action (from the directive), task_id (the Start's, or a new one),
 * streaming "duplex". Binary {"binary":…} messages stay as they are. */
static void bailian_complete(void *st, cJSON *msg, const char **from)
{
    bailian_state *b = st;
    (void)from;
    if (!cJSON_IsObject(msg) || member(msg, "binary"))
        return;
    cJSON *h = cJSON_GetObjectItemCaseSensitive(msg, "header");
    if (!h)
        h = cJSON_AddObjectToObject(msg, "header");
    if (!cJSON_IsObject(h))
        return;
    cJSON *pl = cJSON_GetObjectItemCaseSensitive(msg, "payload");
    if (!pl)
        pl = cJSON_AddObjectToObject(msg, "payload");
    if (!b->task_id[0])
        pl_crypto_random_hex(b->task_id, 16); /* the client's id before any Start */
    if (pl_session_peer_is_agent(b->s)) {
        const char *d = directive_of(msg);
        const char *task_id = pl_json_str(h, "task_id", NULL);
        if (d && !strcmp(d, "Start") && task_id)
            snprintf(b->task_id, sizeof b->task_id, "%s", task_id);
        if (!member(h, "action"))
            cJSON_AddStringToObject(h, "action", !d                   ? "continue-task"
                                                 : !strcmp(d, "Start") ? "run-task"
                                                 : !strcmp(d, "Stop")  ? "finish-task"
                                                                       : "continue-task");
        if (!member(h, "task_id"))
            cJSON_AddStringToObject(h, "task_id", b->task_id);
        if (!member(h, "streaming"))
            cJSON_AddStringToObject(h, "streaming", "duplex");
        return;
    }
    cJSON *out = cJSON_IsObject(pl) ? cJSON_GetObjectItemCaseSensitive(pl, "output") : NULL;
    if (!member(h, "task_id"))
        cJSON_AddStringToObject(h, "task_id", b->task_id);
    if (!member(h, "event"))
        cJSON_AddStringToObject(h, "event", out ? "result-generated" : "task-started");
    if (!member(h, "attributes"))
        cJSON_AddObjectToObject(h, "attributes");
    if (cJSON_IsObject(out) && !member(out, "dialog_id"))
        cJSON_AddStringToObject(out, "dialog_id", b->dialog_id);
}

const pl_dialect pl_dialect_bailian = {
    .id = DIALECT,
    .vendor = "Alibaba Bailian multimodal dialog (DashScope multimodal-dialog), incl. LiveAI "
              "video",
    .transport = "WebSocket /api-ws/v1/inference, JSON text + binary audio",
    .seed = "000",
    .bridge_op = NULL,
    .bridge_binary = 0,
    .ws_path = "/api-ws/v1/inference",
    .behaviours = behaviours,
    .actions = actions,
    .callbacks = callbacks,
    .rules_catalog = pl_bailian_rules_catalog,
    .decode = bailian_decode,
    .classify = bailian_classify,
    .encode = bailian_encode,
    .open = bailian_open,
    .message = bailian_message,
    .room = NULL,
    .behave = bailian_behave,
    .timer = bailian_timer,
    .tick = bailian_tick,
    .close = bailian_close,
    .complete = bailian_complete,
    .accept = bailian_accept,
};
