/* trtc.c — the Tencent TRTC AI conversation dialect, room side (protocols/trtc.md §2).
 *
 * In a real TRTC room the bot and the users exchange custom command messages
 * (sendCustomCmdMsg): cmdID 1 from the bot (10000 subtitle, 10001 state, 10002 meta.info,
 * 10020 metrics, 10030 error), cmdID 2 from a user (20000 text, 20001 interrupt), UTF-8 JSON
 * of at most 1 KB. parley carries them over the room bridge as
 *   {"op":"custom_cmd","cmdId":2,"reliable":true,"ordered":true,"data":"<json>"}  (client)
 *   {"event":"custom_cmd","from":"<bot>","cmdId":1,"data":"<json>"}              (parley)
 * and mirrors the room callbacks (user_joined / user_left …) for the bot.
 *
 * This file is one trtc_sess per bridge session: codec and classify, the stateful rules
 * (trtc_rules.c), and the hand-off of what the user sends to the room's task. Everything the
 * agent does — tasks from the cloud API, the bot joining and leaving, rounds, callbacks,
 * custom LLM/TTS — is in trtc_cloud.c, because a task lives independently of any session:
 * it is started over HTTP and may exist before the user enters the room (docs/behaviour-trtc.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "core/pl_json.h"
#include "mock/dialects/trtc_int.h"
#include "mock/dialects/trtc_rules.h"
#include "mock/pl_dialect.h"
#include "mock/pl_server.h"

/* ---- catalogues ---------------------------------------------------------------------- */

static const pl_behaviour_info behaviours[] = {
    {"bot.join", 1,
     "a started task's bot joins the room (user_joined, user_publish) and reports state 1"},
    {"welcome", 1, "the bot speaks AgentConfig.WelcomeMessage after joining"},
    {"reply.text", 1,
     "20000 text starts a round: 10001 2 -> LLM -> 10001 3, 10000 subtitles -> 10001 1"},
    {"interrupt", 1, "20001 while speaking: 10001 state 4, 10020 interruption, then state 1"},
    {"subtitles", 1, "10000 subtitles for the user's speech and the bot's reply"},
    {"metrics", 1, "10020 metrics per round (asr/llm/tts latencies, interruption)"},
    {"llm.call", 1, "call LLMConfig.APIUrl for every round (off: the built-in reply)"},
    {"tts.call", 1, "call a custom TTSConfig.APIUrl for every reply"},
    {"callbacks", 1, "POST 901-909 to the callback URL"},
    {"callback.retry", 1, "retry a failed callback (immediately, then every 10 s up to 1 min)"},
    {"idle.stop", 1, "stop the task with 902 LeaveCode 99 after MaxIdleTime without a user"},
    {NULL, 0, NULL},
};

static const pl_api_info actions[] = {
    {"enterRoom", "", "connects the room bridge (TRTC enterRoom)"},
    {"exitRoom", "", "leaves the room"},
    {"startAIConversation",
     "welcome:string, interrupt_mode:int, turn_detection_mode:int, llm:ref|none, streaming:bool, "
     "tts:flow|custom, session_id:string, max_idle:int",
     "business backend: signed StartAIConversation for the room"},
    {"stopAIConversation", "", "business backend: signed StopAIConversation"},
    {"describeAIConversation", "", "business backend: DescribeAIConversation (result {status})"},
    {"controlAIConversation", "command:string, text:string, interrupt:bool, stop_after_play:bool",
     "business backend: ControlAIConversation ServerPushText / InvokeLLM"},
    {"updateAIConversation", "welcome:string, interrupt_mode:int",
     "business backend: UpdateAIConversation"},
    {"sendText", "text:string", "custom cmd 2: 20000 text to the bot"},
    {"interrupt", "", "custom cmd 2: 20001 interrupt"},
    {"sendCustomCmd", "cmd_id:int, data:string, reliable:bool, ordered:bool",
     "a raw custom command message"},
    {"getState", "", "the client's view: room, bot, task (result)"},
    {NULL, NULL, NULL},
};

static const pl_api_info callbacks[] = {
    {"onEnterRoom", "", "entered the room"},
    {"onExitRoom", "reason:int", "left the room (2: dismissed)"},
    {"onRemoteUserEnterRoom", "userId:string", "the bot joined"},
    {"onRemoteUserLeaveRoom", "userId:string, reason:int",
     "the bot left (TRTC reason: 0 left, 1 timeout/error, 2 kicked)"},
    {"onUserAudioAvailable", "userId:string, available:bool", "the bot (un)published audio"},
    {"onSubtitle", "sender:string, text:string, end:bool, roundid:string, isBot:bool", "a 10000"},
    {"onAgentState", "state:int, roundid:string", "a 10001"},
    {"onMetaInfo", "payload:object", "a 10002"},
    {"onMetrics", "metric:string, value:number", "a 10020"},
    {"onAgentError", "metric:string, code:int, message:string", "a 10030"},
    {"onServerCallback", "event:int, leaveCode:int, status:int",
     "a verified callback 901-909 reached the backend"},
    {"onTaskRestarted", "task_id:string, previous_task_id:string",
     "the backend started a new task after LeaveCode 98"},
    {"onLLMRequest",
     "task_id:string, request_id:string, headers_ok:bool, stream:bool, text:string, "
     "invoke_llm:bool",
     "the app's LLM endpoint was called"},
    {"onTTSRequest", "text:string, format:string, sample_rate:int, channels:int",
     "the app's custom TTS endpoint was called"},
    {NULL, NULL, NULL},
};

const pl_api_info trtc_acts[] = {
    {"leave", "code:int (0,1,2,3,4,98,99)",
     "the task ends with 902 LeaveCode code and the room events that go with it"},
    {"say", "text:string", "a scripted user utterance: 904, ASR subtitles, 903, then a round"},
    {"speak", "text:string", "the bot speaks text (10001 3, 10000, 10001 1)"},
    {"error", "metric:string (asr_error|llm_error|tts_error), code:int, message:string",
     "a 10030 error message"},
    {"start_failed", "", "901 Status 1 and the task ends (902 LeaveCode 98)"},
    {"callback_url", "url:string",
     "this room's callbacks go to url (before the client's endpoints.callback and the profile)"},
    {NULL, NULL, NULL},
};

/* ---- codec --------------------------------------------------------------------------- */

static cJSON *trtc_decode(const void *data, size_t len, int binary)
{
    if (binary)
        return NULL;
    cJSON *m = cJSON_ParseWithLength(data, len);
    if (m && !cJSON_IsObject(m)) {
        cJSON_Delete(m);
        return NULL;
    }
    return m;
}

static void trtc_classify(const cJSON *msg, pl_dir dir, char *kind, size_t kind_len)
{
    (void)dir;
    static const int known[] = {10000, 10001, 10002, 10020, 10030, 20000, 20001};
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(msg, "type");
    if (cJSON_IsString(t) &&
        (!strcmp(t->valuestring, "subtitle") || !strcmp(t->valuestring, "transcription"))) {
        snprintf(kind, kind_len, "trtc.legacy");
        return;
    }
    if (cJSON_IsNumber(t))
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            if (t->valuedouble == known[i]) {
                snprintf(kind, kind_len, "trtc.%d", known[i]);
                return;
            }
    snprintf(kind, kind_len, "trtc.unknown");
}

static char *trtc_encode(const cJSON *msg, size_t *len, int *binary)
{
    char *t = cJSON_PrintUnformatted(msg);
    *len = t ? strlen(t) : 0;
    *binary = 0;
    return t;
}

/* ---- session hooks ------------------------------------------------------------------- */

static void *trtc_open(pl_session *s)
{
    trtc_sess *ts = pl_xcalloc(1, sizeof *ts);
    ts->s = s;
    ts->rules = pl_trtc_rules_new(NULL);
    pl_trtc_rules_room(ts->rules, pl_session_user(s), NULL);
    ts->cloud = pl_session_cloud(s);
    /* The cloud may put a bot in the room at once (a task started before the user came):
     * from a timer, so the rules see the events after open() returned the state. */
    pl_session_timer(s, 0, 0);
    return ts;
}

static void trtc_timer(void *st, int slot)
{
    trtc_sess *ts = st;
    if (slot == 0 && ts->cloud)
        trtc_cloud_attach(ts->cloud, ts);
}

static void trtc_message(void *st, pl_dir dir, const char *kind, const cJSON *msg, const void *raw,
                         size_t len, int schema_ok)
{
    trtc_sess *ts = st;
    pl_trtc_rules_message(ts->rules, dir, kind, msg, raw, len, schema_ok, pl_session_now(ts->s),
                          pl_session_finding_fn, ts->s);
}

static void trtc_room(void *st, const char *op, const cJSON *frame)
{
    trtc_sess *ts = st;
    /* "leave" needs nothing here: the close that follows detaches the session from the
     * cloud, which starts the task's idle clock (MaxIdleTime). */
    if (!strcmp(op, "custom_cmd"))
        pl_trtc_rules_frame(ts->rules, PL_DIR_C2A, frame, pl_session_now(ts->s),
                            pl_session_finding_fn, ts->s);
}

static void trtc_behave(void *st, const char *kind, const cJSON *msg)
{
    trtc_sess *ts = st;
    if (!ts->cloud || !ts->bot[0])
        return; /* no bot in the room: nobody receives it (trtc.custom.no_bot) */
    const cJSON *payload = cJSON_GetObjectItemCaseSensitive(msg, "payload");
    if (!strcmp(kind, "trtc.20000") && pl_session_behaviour(ts->s, "reply.text")) {
        const char *text = pl_json_str(payload, "message", NULL);
        if (text)
            trtc_cloud_user_text(ts->cloud, ts, text);
    } else if (!strcmp(kind, "trtc.20001") && pl_session_behaviour(ts->s, "interrupt")) {
        trtc_cloud_user_interrupt(ts->cloud, ts);
    }
}

static void trtc_tick(void *st, int64_t now_us)
{
    trtc_sess *ts = st;
    pl_trtc_rules_tick(ts->rules, now_us, pl_session_finding_fn, ts->s);
}

static void trtc_close(void *st)
{
    trtc_sess *ts = st;
    if (ts->cloud)
        trtc_cloud_detach(ts->cloud, ts);
    pl_trtc_rules_free(ts->rules);
    free(ts);
}

static int trtc_act(void *st, const char *name, const cJSON *args, char *err, size_t errlen)
{
    trtc_sess *ts = st;
    if (!ts->cloud) {
        snprintf(err, errlen, "the trtc cloud is not running");
        return -1;
    }
    return trtc_cloud_act(ts->cloud, ts, name, args, err, errlen);
}

/* A scripted downlink message gets the envelope the bot would give it. */
static void trtc_complete(void *st, cJSON *msg, const char **from)
{
    trtc_sess *ts = st;
    const char *bot = ts->bot[0] ? ts->bot : "parley_agent";
    if (!cJSON_HasObjectItem(msg, "sender"))
        cJSON_AddStringToObject(msg, "sender", bot);
    if (!cJSON_HasObjectItem(msg, "receiver"))
        cJSON_AddArrayToObject(msg, "receiver");
    if (!cJSON_HasObjectItem(msg, "payload"))
        cJSON_AddObjectToObject(msg, "payload");
    if (!*from)
        *from = pl_json_str(msg, "sender", bot);
}

/* Every downlink custom message goes on cmdID 1 (trtc.md §2.1), reliable and ordered. */
static void trtc_frame_out(void *st, cJSON *frame)
{
    (void)st;
    cJSON_AddNumberToObject(frame, "cmdId", 1);
}

/* ---- cloud → session --------------------------------------------------------------------- */

static void trtc_event(trtc_sess *ts, const char *event, const char *user, const char *k,
                       const char *v)
{
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "event", event);
    cJSON_AddStringToObject(ev, "user", user);
    if (k)
        cJSON_AddStringToObject(ev, k, v);
    pl_session_send_event(ts->s, ev);
}

void trtc_sess_bot_joined(trtc_sess *ts, const char *bot)
{
    snprintf(ts->bot, sizeof ts->bot, "%s", bot);
    pl_trtc_rules_room(ts->rules, pl_session_user(ts->s), bot);
    trtc_event(ts, "user_joined", bot, NULL, NULL);
    trtc_event(ts, "user_publish", bot, "media", "audio");
}

/* The room events of a 902 (docs/behaviour-trtc.md "Leave codes"): the bot unpublishes and
 * leaves with a reason; when the room was dismissed (2, 4) the user is out too. */
void trtc_sess_bot_left(trtc_sess *ts, const char *bot, int code)
{
    const char *reason = code == 0                ? "stop"
                         : code == 1 || code == 3 ? "kicked"
                         : code == 2 || code == 4 ? "dismissed"
                         : code == 98             ? "error"
                                                  : "timeout";
    trtc_event(ts, "user_unpublish", bot, "media", "audio");
    trtc_event(ts, "user_left", bot, "reason", reason);
    ts->bot[0] = '\0';
    pl_trtc_rules_room(ts->rules, pl_session_user(ts->s), NULL);
    if (code == 2 || code == 4) {
        cJSON *ev = cJSON_CreateObject();
        cJSON_AddStringToObject(ev, "event", "room_dismissed");
        cJSON_AddNumberToObject(ev, "reason", code);
        pl_session_send_event(ts->s, ev);
        pl_session_close(ts->s, 1000, "room dismissed");
    }
}

/* ---- the dialect ------------------------------------------------------------------------ */

void *trtc_cloud_new(pl_server *srv);
int trtc_cloud_http(void *cloud, const pl_server_http_req *req, int *status, char **body,
                    const char **content_type);
void trtc_cloud_free(void *cloud);

const pl_dialect pl_dialect_trtc = {
    .id = TRTC_DIALECT,
    .vendor = "Tencent TRTC AI conversation: cloud APIs, custom messages, callbacks 901-909",
    .transport = "HTTP POST / (TC3-HMAC-SHA256), webhooks, custom LLM/TTS calls, RTC custom cmd "
                 "-> room bridge /trtc/room",
    .seed = "001",
    .bridge_op = "custom_cmd",
    .bridge_binary = 0,
    .ws_path = NULL,
    .behaviours = behaviours,
    .actions = actions,
    .callbacks = callbacks,
    .rules_catalog = pl_trtc_rules_catalog,
    .decode = trtc_decode,
    .classify = trtc_classify,
    .encode = trtc_encode,
    .open = trtc_open,
    .message = trtc_message,
    .room = trtc_room,
    .behave = trtc_behave,
    .timer = trtc_timer,
    .tick = trtc_tick,
    .close = trtc_close,
    .complete = trtc_complete,
    .frame_out = trtc_frame_out,
    .act = trtc_act,
    .acts = trtc_acts,
    .cloud_new = trtc_cloud_new,
    .cloud_http = trtc_cloud_http,
    .cloud_free = trtc_cloud_free,
};
