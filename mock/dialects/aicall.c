/* aicall.c — the Alibaba AICallKit dialect: DataChannel messages 1000-1018 / 1100-1120 over the
 * room bridge (/aicall/room), as one pl_dialect (mock/pl_dialect.h).
 *
 * What it adds to the session core (mock/pl_session.c):
 *   codec     a payload is one UTF-8 JSON text; kinds are "aicall.<type>" for integer types,
 *             "aicall.ready_req" / "aicall.ready_resp" for the Web readiness handshake;
 *   rules     every payload and room op goes to the stateful rules (aicall_rules.c), with the
 *             schema verdict so one bad field gives one finding (DESIGN §5);
 *   behaviour the mock agent: it joins, answers the handshake and every confirmation pair,
 *             plays push-to-talk and text turns (state, subtitles, reply), honours interrupt
 *             and stop, and leaves when idle. Each auto-response has a stable name in
 *             behaviours[] and can be switched off (profile, scenario, admin API).
 *
 * Timing is only ever pl_session_timer() slots (SLOT_*), never a sleep. One aicall_state per
 * session, created by open() and freed by close(); it owns the rules object and the text of
 * the reply being spoken; every other string it holds is borrowed from the profile.
 * docs/behaviour-aicall.md describes the behaviour, docs/rules-aicall.md the rules. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "core/pl_json.h"
#include "core/pl_utf8.h"
#include "mock/dialects/aicall_rules.h"
#include "mock/pl_dialect.h"
#include "mock/pl_profile.h"
#include "mock/pl_session.h"

#define DIALECT "aicall"
#define MS_US(ms) ((int64_t)(ms)*1000)
#define PIECE_CP 10 /* a subtitle piece: one word, or this many code points of unspaced text */

/* Agent states of 1001 (aicall.md §4.1). */
enum { ST_LISTENING = 1, ST_THINKING = 2, ST_SPEAKING = 3 };

/* Timer slots (PL_SESSION_TIMERS is 8). */
enum {
    SLOT_START,   /* initial 1001 after the agent joined */
    SLOT_READY,   /* ready_resp after timing.ready */
    SLOT_PARTIAL, /* next partial 1003 of an open press */
    SLOT_TURN,    /* next step of the agent's turn */
    SLOT_LEAVE,   /* user_left after 1100 or 1010 */
    SLOT_IDLE     /* idle exit */
};

typedef enum { TURN_NONE, TURN_THINK, TURN_SPEAK, TURN_TAIL } turn_phase;

typedef struct {
    int64_t think, chunk, partial, speak_tail, stop_leave, idle, ready;
} aicall_timing;

typedef struct {
    pl_session *s;
    const pl_profile *p;
    const char *agent; /* agent id (borrowed from the profile or static) */
    aicall_timing tm;
    pl_aicall_rules *rules; /* owned */
    int64_t t_us;           /* session time at the last hook (the close hook has no clock) */

    int64_t seq;    /* last seqId the agent used */
    int state;      /* last state the agent reported (Listening before any) */
    int ptt;        /* the agent's push-to-talk mode */
    int voiceprint; /* 1109 voiceprint on */
    int mic_muted;  /* room ops, for the mic rules */
    int capturing;
    unsigned sentences; /* user sentence ids handed out (1003 sentenceId) */
    unsigned turns;     /* replies given, for pl_profile_reply */
    unsigned presses;   /* presses, for user_speech */
    unsigned tokens;    /* 1006 tokens handed out */

    /* the open push-to-talk press */
    int press_open;
    int64_t press_t, press_sid;
    const char *speech; /* what the mock pretends the user says (borrowed) */
    size_t heard;       /* bytes of speech already in a partial 1003 */

    /* the agent's turn */
    turn_phase phase;
    char *reply; /* owned while a turn runs */
    size_t pos;  /* bytes of reply already in a 1002 */
    int64_t turn_sid;

    int ready_pending;
    int leaving;              /* 1100 or 1010: only user_left may follow */
    int gone;                 /* the agent or the client left: nothing follows */
    const char *leave_reason; /* static */
} aicall_state;

static const char *const default_replies[] = {
    "Hello! I am the parley mock agent.",
    "Sure, I can help with that.",
    "Let me think about it: the answer is forty-two.",
    NULL,
};

/* ---- catalogues ---------------------------------------------------------------------- */

static const pl_behaviour_info behaviours[] = {
    {"join", 1, "on open: bridge events user_joined and user_publish (audio) for the agent"},
    {"initial_state", 1, "after joining: 1001 {state:1} Listening"},
    {"ready", 1, "ready_req -> ready_resp {ready:true} after timing.ready"},
    {"confirm.voice_interrupt", 1, "1102 {enable} -> 1004 with the requested value"},
    {"confirm.voice_id", 1, "1103 {voiceId} -> 1005 with the requested voiceId"},
    {"confirm.rtc_token", 1, "1104 -> 1006 {token} with a fake token"},
    {"confirm.push_to_talk", 1, "1105 {enable} -> 1007 with the requested value"},
    {"confirm.voiceprint", 1, "1109 {enable} -> 1008 with the requested value"},
    {"confirm.voiceprint_clear", 1, "1110 -> 1009 {}"},
    {"confirm.vision_capture", 1, "1113 -> 1015 {enable:true}, 1114 -> 1015 {enable:false}"},
    {"confirm.agent_state", 1, "1119 -> 1001 with the current state"},
    {"ptt.partials", 1,
     "while a press (1106) is open: partial 1003 {end:false} every timing.partial, growing"},
    {"ptt.answer", 1,
     "1107 after speech: final 1003 {end:true}, then a full turn (1001 Thinking, Speaking, "
     "1002..., 1017, Listening)"},
    {"ptt.start_interrupts", 1,
     "1106 while Thinking/Speaking ends the reply: 1016 {reason:0} if Speaking, 1001 Listening"},
    {"interrupt", 1, "1101 while Speaking -> 1016 {reason:3} and 1001 Listening"},
    {"text_turn", 1, "1111 {text} -> a full turn answering the text"},
    {"emotion", 1, "each reply: 1014 {emotion} before its 1017"},
    {"stop", 1, "1100 -> user_left {reason:\"stop\"} after timing.stop_leave; nothing after"},
    {"idle_timeout", 1,
     "no client message for timing.idle -> 1010 {reason:2001}, then user_left {reason:\"idle\"}"},
    {NULL, 0, NULL},
};

/* Driver actions: Web AICallKit (W, aliyun-auikit-aicall 2.10) names; aicall.md §3. */
static const pl_api_info actions[] = {
    {"call", "", "joins the room: bridge connect, publish audio; Web then does ready_req"},
    {"handup", "",
     "ends the call; iOS handup(true) and the Android Deposit engine send 1100 StopAgent first "
     "and leave 100 ms later"},
    {"stopAgent", "", "sends 1100 StopAgent"},
    {"interruptSpeaking", "", "sends 1101 InterruptSpeaking"},
    {"enableVoiceInterrupt", "enable:bool", "sends 1102 {enable}; confirmed by 1004"},
    {"switchVoiceId", "voiceId:string", "sends 1103 {voiceId}; confirmed by 1005"},
    {"requestRTCToken", "",
     "sends 1104 {userId} (native SDKs on onAuthInfoWillExpire, refreshing the RTC token); "
     "answered by 1006"},
    {"enablePushToTalk", "enable:bool",
     "sends 1105 {enable} and mute_local_mic {mute:enable}; confirmed by 1007"},
    {"startPushToTalk", "", "unmutes (mute_local_mic false) and sends 1106"},
    {"finishPushToTalk", "", "sends 1107 and mutes the mic"},
    {"cancelPushToTalk", "", "sends 1108 and mutes the mic"},
    {"enableVoiceprint", "enable:bool", "sends 1109 UseVoiceprint {enable}; confirmed by 1008"},
    {"clearVoiceprint", "",
     "sends 1110 ClearVoiceprint; confirmed by 1009 (iOS/Android 1.8; no Web method in 2.10)"},
    {"sendTextToAgent", "text:string", "sends 1111 {text, enableInterrupt:1}"},
    {"sendCustomMessageToServer", "message:string", "sends 1112 {message}"},
    {"startVisionCustomCapture",
     "text:string, isSingle:bool, eachDuration:number, num:int, duration:number, "
     "userData:string",
     "sends 1113 {text, mode, eachDuration, num, duration, userData}; confirmed by 1015"},
    {"stopVisionCustomCapture", "", "sends 1114; confirmed by 1015 {enable:false}"},
    {"updateLlmSystemPrompt", "prompt:string", "sends 1115 {prompt}"},
    {"updateVcrConfig", "vcrConfig:object", "sends 1116 with the VCR config"},
    {"updateBailianAppParams", "params:object", "sends 1117 {params: JSON text}"},
    {"updateAsrMaxSilence", "duration:int",
     "sends 1118 {asrMaxSilence} (200-1200 ms; also known as setAgentMaxSilence)"},
    {"queryCurrentAgentState", "", "sends 1119 QueryAgentState; answered by 1001"},
    {"updateTtsSpeechRate", "rate:number",
     "sends 1120 {speechRate} (0.5-2.0; also known as setSpeechRate)"},
    {"mute", "mute:bool", "mutes the local mic: mute_local_mic {mute}"},
    {NULL, NULL, NULL},
};

/* Driver callbacks: W's AICallEngineEvents names (iOS/Android use onXxx forms). */
static const pl_api_info callbacks[] = {
    {"callBegin", "", "the call is joined (bridge open, agent joined)"},
    {"callEnd", "", "the call ended (handup, or the agent left)"},
    {"agentDataChannelAvailable", "", "ready_resp arrived (Web); messages may be sent now"},
    {"agentStateChanged", "state:int", "1001 {state} (1 Listening, 2 Thinking, 3 Speaking)"},
    {"agentSubtitleNotify", "text:string, sentenceId:int, end:bool",
     "1002, a delta the app appends to the bubble of sentenceId"},
    {"userSubtitleNotify", "text:string, sentenceId:int, end:bool, voiceprintResult:int",
     "1003, the whole hypothesis of the user sentence"},
    {"voiceInterruptChanged", "enable:bool", "1004"},
    {"voiceIdChanged", "voiceId:string", "1005"},
    {"newRTCToken", "token:string", "1006"},
    {"pushToTalkChanged", "enable:bool", "1007 (Web seed: AICallPushToTalkChanged)"},
    {"agentWillLeave", "reason:int, message:string", "1010 (2001 idle, 2002 takeover ended)"},
    {"receivedAgentCustomMessage", "data:object",
     "1011 CustomMessageReceived, message JSON-parsed (customMessageReceived)"},
    {"humanTakeoverWillStart", "takeoverUid:string, mode:int", "1012"},
    {"humanTakeoverConnected", "takeoverUid:string", "1013"},
    {"agentEmotionNotify", "emotion:string, sentenceId:int", "1014"},
    {"visionCustomCaptureChanged", "enable:bool", "1015"},
    {"speakingInterrupted", "reason:int", "1016 (3 = interruptSpeaking)"},
    {"llmReplyCompleted", "text:string, sentenceId:int", "1017"},
    {"receivedAgentVcrResult", "result:object", "1018 (vcrResultReceived)"},
    {"errorOccurred", "code:int, msg:string",
     "1000 codes 4001/4004/4005/4006, or -10101 AgentLeaveChannel when the agent leaves"},
    {NULL, NULL, NULL},
};

/* ---- codec --------------------------------------------------------------------------- */

static cJSON *aicall_decode(const void *data, size_t len, int binary)
{
    (void)binary; /* text or binary frame: the body is JSON text either way */
    if (!pl_utf8_valid(data, len, NULL))
        return NULL;
    char *text = pl_xmalloc(len + 1);
    memcpy(text, data, len);
    text[len] = '\0';
    char err[128];
    cJSON *msg = pl_json_parse("payload", text, len, err, sizeof err);
    free(text);
    return msg;
}

/* An integer type value: a JSON number with no fraction, small enough to be exact. */
static int int_value(const cJSON *v, long long *out)
{
    if (!cJSON_IsNumber(v))
        return 0;
    double d = v->valuedouble;
    if (!isfinite(d) || fabs(d) > 9007199254740992.0 || floor(d) != d)
        return 0;
    *out = (long long)d;
    return 1;
}

static void aicall_classify(const cJSON *msg, pl_dir dir, char *kind, size_t kind_len)
{
    (void)dir;
    const cJSON *t = cJSON_IsObject(msg) ? cJSON_GetObjectItemCaseSensitive(msg, "type") : NULL;
    long long n;
    if (cJSON_IsString(t) &&
        (strcmp(t->valuestring, "ready_req") == 0 || strcmp(t->valuestring, "ready_resp") == 0))
        snprintf(kind, kind_len, DIALECT ".%s", t->valuestring);
    else if (int_value(t, &n))
        snprintf(kind, kind_len, DIALECT ".%lld", n);
    else
        snprintf(kind, kind_len, DIALECT ".unknown");
}

static char *aicall_encode(const cJSON *msg, size_t *len, int *binary)
{
    char *text = cJSON_PrintUnformatted(msg);
    if (!text)
        return NULL;
    *len = strlen(text);
    *binary = 0;
    return text;
}

/* ---- small helpers ------------------------------------------------------------------- */

/* Session time, remembered for the close hook: after a disconnect the session has no host
 * clock any more. */
static int64_t now(aicall_state *a)
{
    a->t_us = pl_session_now(a->s);
    return a->t_us;
}

static int on(const aicall_state *a, const char *behaviour)
{
    return pl_session_behaviour(a->s, behaviour);
}

static void arm(aicall_state *a, int slot, int64_t delay_us)
{
    pl_session_timer(a->s, slot, delay_us);
}

static void disarm(aicall_state *a, int slot)
{
    pl_session_timer(a->s, slot, -1);
}

static int get_bool(const cJSON *msg, const char *name, int *out)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(msg, "data");
    const cJSON *v = cJSON_IsObject(d) ? cJSON_GetObjectItemCaseSensitive(d, name) : NULL;
    if (!cJSON_IsBool(v))
        return 0;
    *out = cJSON_IsTrue(v) != 0;
    return 1;
}

static const char *get_str(const cJSON *msg, const char *name)
{
    return pl_json_str(cJSON_GetObjectItemCaseSensitive(msg, "data"), name, NULL);
}

/* Sends one agent message in the full envelope (aicall.md §1.2), always with a data object
 * (Android 1.8 drops messages without one). Takes ownership of data (NULL: {}). */
static void send_msg(aicall_state *a, int type, cJSON *data)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "type", type);
    cJSON_AddNumberToObject(m, "seqId", (double)++a->seq);
    cJSON_AddStringToObject(m, "senderId", a->agent);
    cJSON_AddStringToObject(m, "receiverId", "");
    cJSON_AddItemToObject(m, "data", data ? data : cJSON_CreateObject());
    pl_session_send(a->s, a->agent, m);
    cJSON_Delete(m);
}

/* Scenario and admin pushes: fill in what the author left out (pl_dialect.complete). */
static void aicall_complete(void *st, cJSON *msg, const char **from)
{
    aicall_state *a = st;
    if (!*from)
        *from = a->agent;
    if (!cJSON_IsObject(msg) || cJSON_IsString(cJSON_GetObjectItemCaseSensitive(msg, "type")))
        return; /* not an envelope (ready_resp and the like): as written */
    if (!cJSON_HasObjectItem(msg, "seqId"))
        cJSON_AddNumberToObject(msg, "seqId", (double)++a->seq);
    if (!cJSON_HasObjectItem(msg, "senderId"))
        cJSON_AddStringToObject(msg, "senderId", a->agent);
    if (!cJSON_HasObjectItem(msg, "receiverId"))
        cJSON_AddStringToObject(msg, "receiverId", "");
    if (!cJSON_HasObjectItem(msg, "data"))
        cJSON_AddItemToObject(msg, "data", cJSON_CreateObject());
}

static cJSON *data_bool(const char *name, int b)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddBoolToObject(d, name, b);
    return d;
}

static cJSON *data_int(const char *name, long long v)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddNumberToObject(d, name, (double)v);
    return d;
}

static cJSON *data_text(const char *text, size_t len, int64_t sid)
{
    cJSON *d = cJSON_CreateObject();
    char *t = pl_xstrndup(text, len);
    cJSON_AddStringToObject(d, "text", t);
    free(t);
    cJSON_AddNumberToObject(d, "sentenceId", (double)sid);
    return d;
}

static void send_state(aicall_state *a, int state)
{
    send_msg(a, 1001, data_int("state", state));
}

/* 1001 only on a change: a repeat is aicall.state.unchanged unless it answers 1119. */
static void set_state(aicall_state *a, int state)
{
    if (a->state == state)
        return;
    a->state = state;
    send_state(a, state);
}

static void send_event(aicall_state *a, const char *event, const char *key, const char *value)
{
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "event", event);
    cJSON_AddStringToObject(ev, "user", a->agent);
    if (key)
        cJSON_AddStringToObject(ev, key, value);
    pl_session_send_event(a->s, ev);
}

/* End of the piece of text starting at pos: one word with its trailing space, or at most
 * PIECE_CP code points of unspaced text (Chinese); never inside a UTF-8 sequence. */
static size_t next_piece(const char *s, size_t pos)
{
    size_t i = pos;
    for (int cps = 0; s[i] && cps < PIECE_CP; cps++) {
        char c = s[i++];
        while (((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        if (c == ' ')
            break;
    }
    return i;
}

/* ---- the agent's turn: Thinking -> Speaking (1002 pieces, 1014, 1017) -> Listening ----- */

static void idle_rearm(aicall_state *a)
{
    if (!a->leaving && !a->gone && a->tm.idle > 0 && on(a, "idle_timeout"))
        arm(a, SLOT_IDLE, a->tm.idle);
}

/* Drops the turn without a word; the caller decides what the client hears. */
static void turn_drop(aicall_state *a)
{
    disarm(a, SLOT_TURN);
    free(a->reply);
    a->reply = NULL;
    a->phase = TURN_NONE;
}

/* Ends the running turn early: 1016 {reason} if the agent was speaking. The state is left
 * to the caller (Listening, or Thinking for a new turn). Returns 0 if no turn ran. */
static int turn_abort(aicall_state *a, int reason)
{
    if (a->phase == TURN_NONE)
        return 0;
    int speaking = a->phase == TURN_SPEAK || a->phase == TURN_TAIL;
    turn_drop(a);
    if (speaking)
        send_msg(a, 1016, data_int("reason", reason));
    return 1;
}

static void turn_start(aicall_state *a, int64_t sid, const char *user_text)
{
    const char *r = pl_profile_reply(a->p, DIALECT, a->turns++, user_text, default_replies);
    turn_drop(a);
    a->reply = pl_xstrdup(r ? r : "");
    a->pos = 0;
    a->turn_sid = sid;
    a->phase = TURN_THINK;
    set_state(a, ST_THINKING);
    arm(a, SLOT_TURN, a->tm.think);
}

/* One 1002 delta; after the last: 1014, 1017 and the speaking tail. */
static void turn_piece(aicall_state *a)
{
    size_t end = next_piece(a->reply, a->pos);
    int last = a->reply[end] == '\0';
    cJSON *d = data_text(a->reply + a->pos, end - a->pos, a->turn_sid);
    cJSON_AddBoolToObject(d, "end", last);
    a->pos = end;
    send_msg(a, 1002, d);
    if (!last) {
        arm(a, SLOT_TURN, a->tm.chunk);
        return;
    }
    if (on(a, "emotion")) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "emotion",
                                pl_profile_string(a->p, DIALECT, "emotion", "neutral"));
        cJSON_AddNumberToObject(e, "sentenceId", (double)a->turn_sid);
        send_msg(a, 1014, e);
    }
    send_msg(a, 1017, data_text(a->reply, strlen(a->reply), a->turn_sid));
    a->phase = TURN_TAIL;
    arm(a, SLOT_TURN, a->tm.speak_tail);
}

static void turn_step(aicall_state *a)
{
    switch (a->phase) {
    case TURN_THINK:
        a->phase = TURN_SPEAK;
        set_state(a, ST_SPEAKING);
        turn_piece(a);
        break;
    case TURN_SPEAK:
        turn_piece(a);
        break;
    case TURN_TAIL:
        turn_drop(a);
        set_state(a, ST_LISTENING);
        idle_rearm(a);
        break;
    case TURN_NONE:
        break;
    }
}

/* ---- push-to-talk (aicall.md §4.1, §5; seed 003) --------------------------------------- */

static void send_user_subtitle(aicall_state *a, size_t len, int end)
{
    cJSON *d = data_text(a->speech, len, a->press_sid);
    cJSON_AddBoolToObject(d, "end", end);
    /* §4.3: 0 Off; with voiceprint on the mock always recognises the speaker (2) */
    cJSON_AddNumberToObject(d, "voiceprint", a->voiceprint ? 2 : 0);
    send_msg(a, 1003, d);
}

static void press_partial(aicall_state *a)
{
    if (!a->press_open || !a->speech[a->heard])
        return;
    a->heard = next_piece(a->speech, a->heard);
    size_t len = a->heard;
    while (len && a->speech[len - 1] == ' ')
        len--;
    send_user_subtitle(a, len, 0);
    if (a->speech[a->heard])
        arm(a, SLOT_PARTIAL, a->tm.partial);
}

static void press_close(aicall_state *a)
{
    a->press_open = 0;
    disarm(a, SLOT_PARTIAL);
}

static void on_press_start(aicall_state *a)
{
    if (!a->ptt || a->press_open) /* §9: undocumented; the mock ignores such a 1106 */
        return;
    if (a->phase != TURN_NONE && on(a, "ptt.start_interrupts")) {
        turn_abort(a, 0);
        set_state(a, ST_LISTENING);
    }
    a->press_open = 1;
    a->press_t = now(a);
    a->press_sid = ++a->sentences;
    a->speech =
        pl_profile_list_item(a->p, DIALECT, "user_speech", a->presses++, "Hello, what can you do?");
    if (!a->speech)
        a->speech = "";
    a->heard = 0;
    if (on(a, "ptt.partials") && a->speech[0])
        arm(a, SLOT_PARTIAL, a->tm.partial);
}

/* 1107: the user said the whole sentence if the press lasted one partial period. */
static void on_press_finish(aicall_state *a)
{
    if (!a->press_open)
        return;
    int64_t held = now(a) - a->press_t;
    press_close(a);
    if (!on(a, "ptt.answer") || held < a->tm.partial || !a->speech[0])
        return; /* §5: no recognised speech, no answer; the agent stays Listening */
    send_user_subtitle(a, strlen(a->speech), 1);
    turn_start(a, a->press_sid, a->speech);
}

/* ---- client messages ----------------------------------------------------------------- */

static void confirm_bool(aicall_state *a, const cJSON *msg, const char *behaviour, int type)
{
    int b;
    if (get_bool(msg, "enable", &b) && on(a, behaviour))
        send_msg(a, type, data_bool("enable", b));
}

static void on_push_to_talk(aicall_state *a, const cJSON *msg)
{
    int b;
    if (!get_bool(msg, "enable", &b))
        return; /* a malformed request changes nothing and is not answered */
    a->ptt = b;
    if (on(a, "confirm.push_to_talk"))
        send_msg(a, 1007, data_bool("enable", b));
}

static void on_voice_id(aicall_state *a, const cJSON *msg)
{
    const char *v = get_str(msg, "voiceId");
    if (!v || !on(a, "confirm.voice_id"))
        return;
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "voiceId", v);
    send_msg(a, 1005, d);
}

static void on_rtc_token(aicall_state *a)
{
    if (!on(a, "confirm.rtc_token"))
        return;
    char token[128];
    snprintf(token, sizeof token, "%s-%u",
             pl_profile_string(a->p, DIALECT, "rtc_token", "parley-fake-rtc-token"), ++a->tokens);
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "token", token);
    send_msg(a, 1006, d);
}

static void on_voiceprint(aicall_state *a, const cJSON *msg)
{
    int b;
    if (!get_bool(msg, "enable", &b))
        return;
    a->voiceprint = b;
    if (on(a, "confirm.voiceprint"))
        send_msg(a, 1008, data_bool("enable", b));
}

static void on_interrupt(aicall_state *a)
{
    if (on(a, "interrupt") && turn_abort(a, 3))
        set_state(a, ST_LISTENING);
}

static void on_text(aicall_state *a, const cJSON *msg)
{
    const char *text = get_str(msg, "text");
    /* D intercom-mode: the agent stays Listening while the button is held */
    if (!text || !text[0] || a->press_open || !on(a, "text_turn"))
        return;
    turn_abort(a, 0); /* W sends enableInterrupt:1: the new query cuts the reply */
    turn_start(a, ++a->sentences, text);
}

static void leave_begin(aicall_state *a, const char *reason)
{
    a->leaving = 1;
    a->leave_reason = reason;
    turn_drop(a);
    press_close(a);
    disarm(a, SLOT_IDLE);
    disarm(a, SLOT_READY);
    arm(a, SLOT_LEAVE, a->tm.stop_leave);
}

/* §1.3: not an AICall envelope: no seqId, no ids. */
static void send_ready_resp(aicall_state *a)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "key", "aliyun_aigc");
    cJSON_AddStringToObject(m, "type", "ready_resp");
    cJSON_AddItemToObject(m, "data", data_bool("ready", 1));
    pl_session_send(a->s, a->agent, m);
    cJSON_Delete(m);
}

static void on_ready_req(aicall_state *a)
{
    if (!on(a, "ready") || a->ready_pending)
        return;
    if (a->tm.ready <= 0) {
        send_ready_resp(a);
        return;
    }
    a->ready_pending = 1;
    arm(a, SLOT_READY, a->tm.ready);
}

static void on_client(aicall_state *a, int type, const cJSON *msg)
{
    switch (type) {
    case 1100:
        if (on(a, "stop"))
            leave_begin(a, "stop");
        break;
    case 1101:
        on_interrupt(a);
        break;
    case 1102:
        confirm_bool(a, msg, "confirm.voice_interrupt", 1004);
        break;
    case 1103:
        on_voice_id(a, msg);
        break;
    case 1104:
        on_rtc_token(a);
        break;
    case 1105:
        on_push_to_talk(a, msg);
        break;
    case 1106:
        on_press_start(a);
        break;
    case 1107:
        on_press_finish(a);
        break;
    case 1108:
        press_close(a); /* §4.1: nothing is processed */
        break;
    case 1109:
        on_voiceprint(a, msg);
        break;
    case 1110:
        if (on(a, "confirm.voiceprint_clear"))
            send_msg(a, 1009, NULL);
        break;
    case 1111:
        on_text(a, msg);
        break;
    case 1113:
    case 1114:
        if (on(a, "confirm.vision_capture"))
            send_msg(a, 1015, data_bool("enable", type == 1113));
        break;
    case 1119:
        if (on(a, "confirm.agent_state"))
            send_state(a, a->state);
        break;
    default: /* 1112, 1115-1118, 1120: fire-and-forget (§5); the rest is not for the agent */
        break;
    }
}

/* ---- session hooks ------------------------------------------------------------------- */

static int64_t timing(const pl_profile *p, const char *key, int64_t dflt_us)
{
    return pl_profile_duration(p, DIALECT, key, dflt_us);
}

static void rules_opts(const pl_profile *p, pl_aicall_rules_opts *o)
{
    pl_aicall_rules_opts_init(o);
    o->ptt_initially = pl_profile_bool(p, DIALECT, "push_to_talk", 0);
    o->check_mic = pl_profile_bool(p, DIALECT, "check_mic", 1);
    o->confirm_timeout_us = timing(p, "confirm_timeout", o->confirm_timeout_us);
    o->ready_timeout_us = timing(p, "ready_timeout", o->ready_timeout_us);
    o->mic_deadline_us = timing(p, "mic_deadline", o->mic_deadline_us);
    o->answer_timeout_us = timing(p, "answer_timeout", o->answer_timeout_us);
    o->ptt_min_press_us = timing(p, "ptt_min_press", o->ptt_min_press_us);
    o->ptt_max_press_us = timing(p, "ptt_max_press", o->ptt_max_press_us);
    o->race_us = timing(p, "race", o->race_us);
}

static void *aicall_open(pl_session *s)
{
    aicall_state *a = pl_xcalloc(1, sizeof *a);
    const pl_profile *p = pl_session_profile(s);
    a->s = s;
    a->p = p;
    now(a);
    a->agent = pl_profile_string(p, DIALECT, "agent_id", "parley_agent");
    a->tm.think = timing(p, "think", MS_US(300));
    a->tm.chunk = timing(p, "chunk", MS_US(80));
    a->tm.partial = timing(p, "partial", MS_US(300));
    a->tm.speak_tail = timing(p, "speak_tail", MS_US(300));
    a->tm.stop_leave = timing(p, "stop_leave", MS_US(100));
    a->tm.idle = timing(p, "idle", MS_US(600000));
    a->tm.ready = timing(p, "ready", 0);
    a->state = ST_LISTENING; /* W's initial client-side value */
    a->ptt = pl_profile_bool(p, DIALECT, "push_to_talk", 0);
    a->capturing = 1;
    pl_aicall_rules_opts o;
    rules_opts(p, &o);
    a->rules = pl_aicall_rules_new(&o);
    if (on(a, "join")) {
        send_event(a, "user_joined", NULL, NULL);
        send_event(a, "user_publish", "media", "audio");
    }
    /* DataChannel messages wait for a timer: the session has no state pointer yet */
    if (on(a, "initial_state"))
        arm(a, SLOT_START, 0);
    idle_rearm(a);
    return a;
}

static void aicall_message(void *st, pl_dir dir, const char *kind, const cJSON *msg,
                           const void *raw, size_t len, int schema_ok)
{
    aicall_state *a = st;
    int64_t t = now(a);
    (void)kind;
    if (msg)
        pl_aicall_rules_message_checked(a->rules, dir, msg, schema_ok, t, pl_session_finding_fn, a->s);
    else
        pl_aicall_rules_malformed(a->rules, dir, raw ? raw : "", raw ? len : 0, t, pl_session_finding_fn, a->s);
}

static void aicall_room(void *st, const char *op, const cJSON *frame)
{
    aicall_state *a = st;
    int64_t t = now(a);
    const cJSON *mute = cJSON_GetObjectItemCaseSensitive(frame, "mute");
    const cJSON *cap = cJSON_GetObjectItemCaseSensitive(frame, "on");
    int audio = strcmp(pl_json_str(frame, "media", ""), "audio") == 0;
    if (strcmp(op, "mute_local_mic") == 0 && cJSON_IsBool(mute)) {
        a->mic_muted = cJSON_IsTrue(mute) != 0;
    } else if (strcmp(op, "audio_capture") == 0 && cJSON_IsBool(cap)) {
        a->capturing = cJSON_IsTrue(cap) != 0; /* W closeMicrophoneOnRelease (§1.1) */
    } else if ((strcmp(op, "publish") == 0 || strcmp(op, "unpublish") == 0) && audio) {
        pl_aicall_rules_room(a->rules,
                             op[0] == 'p' ? PL_AICALL_ROOM_AUDIO_PUBLISHED
                                          : PL_AICALL_ROOM_AUDIO_UNPUBLISHED,
                             t, pl_session_finding_fn, a->s);
        return;
    } else if (strcmp(op, "leave") == 0) {
        pl_aicall_rules_room(a->rules, PL_AICALL_ROOM_LEFT, t, pl_session_finding_fn, a->s);
        a->gone = 1; /* the user left: the agent stops (UserOfflineTimeout) */
        turn_drop(a);
        press_close(a);
        for (int i = 0; i < PL_SESSION_TIMERS; i++)
            disarm(a, i);
        return;
    } else {
        return;
    }
    /* the agent hears the user only while the mic is unmuted and capturing */
    pl_aicall_rules_mic(a->rules, a->mic_muted || !a->capturing, t, pl_session_finding_fn, a->s);
}

static void aicall_behave(void *st, const char *kind, const cJSON *msg)
{
    aicall_state *a = st;
    long long type;
    if (a->leaving || a->gone)
        return;
    idle_rearm(a); /* any client message counts as activity */
    if (kind && strcmp(kind, DIALECT ".ready_req") == 0)
        on_ready_req(a);
    else if (cJSON_IsObject(msg) && int_value(cJSON_GetObjectItemCaseSensitive(msg, "type"), &type))
        on_client(a, (int)type, msg);
}

static void on_idle(aicall_state *a)
{
    if (a->phase != TURN_NONE || a->press_open) { /* not idle while talking */
        idle_rearm(a);
        return;
    }
    if (!on(a, "idle_timeout"))
        return;
    cJSON *d = data_int("reason", 2001);
    cJSON_AddStringToObject(d, "message", "闲时退出");
    send_msg(a, 1010, d);
    leave_begin(a, "idle");
}

static void aicall_timer(void *st, int slot)
{
    aicall_state *a = st;
    now(a);
    if (a->gone)
        return;
    if (a->leaving && slot != SLOT_LEAVE)
        return;
    switch (slot) {
    case SLOT_START:
        send_state(a, a->state);
        break;
    case SLOT_READY:
        a->ready_pending = 0;
        if (on(a, "ready"))
            send_ready_resp(a);
        break;
    case SLOT_PARTIAL:
        press_partial(a);
        break;
    case SLOT_TURN:
        turn_step(a);
        break;
    case SLOT_LEAVE:
        send_event(a, "user_left", "reason", a->leave_reason ? a->leave_reason : "stop");
        a->gone = 1;
        pl_aicall_rules_room(a->rules, PL_AICALL_ROOM_AGENT_LEFT, a->t_us, pl_session_finding_fn, a->s);
        break;
    case SLOT_IDLE:
        on_idle(a);
        break;
    default:
        break;
    }
}

static void aicall_tick(void *st, int64_t now_us)
{
    aicall_state *a = st;
    a->t_us = now_us;
    pl_aicall_rules_tick(a->rules, now_us, pl_session_finding_fn, a->s);
}

static void aicall_close(void *st)
{
    aicall_state *a = st;
    if (!a)
        return;
    pl_aicall_rules_tick(a->rules, a->t_us, pl_session_finding_fn, a->s); /* deadlines passed by then */
    pl_aicall_rules_free(a->rules);
    free(a->reply);
    free(a);
}

const pl_dialect pl_dialect_aicall = {
    .id = DIALECT,
    .vendor = "Alibaba AICallKit agent DataChannel messages 1000-1018 / 1100-1120, incl. "
              "push-to-talk",
    .transport = "RTC data channel -> room bridge /aicall/room",
    .seed = "003",
    .bridge_op = "datachannel",
    .bridge_binary = 0,
    .ws_path = NULL,
    .behaviours = behaviours,
    .actions = actions,
    .callbacks = callbacks,
    .rules_catalog = pl_aicall_rules_catalog,
    .decode = aicall_decode,
    .classify = aicall_classify,
    .encode = aicall_encode,
    .open = aicall_open,
    .message = aicall_message,
    .room = aicall_room,
    .behave = aicall_behave,
    .timer = aicall_timer,
    .tick = aicall_tick,
    .close = aicall_close,
    .complete = aicall_complete,
};
