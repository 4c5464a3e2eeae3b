/* volc.c — the Volcengine RTC AIGC dialect, room side (protocols/volc.md §2).
 *
 * In a real Volcengine room the agent and the user exchange binary messages framed as TLV
 * (4-byte magic, uint32 big-endian length, UTF-8 JSON): the agent broadcasts subv
 * (subtitles), conv (agent state 1–5) and tool (function calls) as room messages, the user
 * sends func (tool results) and ctrl (interrupt, ExternalTextToSpeech, ExternalTextToLLM,
 * FinishSpeechRecognition) to the agent as user messages. parley carries them over the room
 * bridge as base64:
 *   {"op":"user_binary","to":"<bot>","data_b64":"…"}       (client, sendUserBinaryMessage)
 *   {"event":"room_binary","from":"<bot>","data_b64":"…"}  (parley, onRoomBinaryMessageReceived)
 * and mirrors the room callbacks of seed 002 for the bot (user_joined, user_publish,
 * user_start_audio_capture, …).
 *
 * A decoded payload is {"magic":"subv","length":<header>,"value":<JSON>} ("text" instead of
 * "value" when the bytes are not JSON), so schemas, rules and scenarios see the header too.
 * This file is the codec, one volc_sess per bridge session, its rules (volc_rules.c) and the
 * hand-off of what the user sends to the room's task; everything the agent does is in
 * volc_cloud.c (docs/behaviour-volc.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "core/pl_json.h"
#include "core/pl_utf8.h"
#include "mock/dialects/volc_int.h"
#include "mock/pl_dialect.h"
#include "mock/pl_profile.h"
#include "mock/pl_server.h"

/* ---- catalogues ---------------------------------------------------------------------- */

static const pl_behaviour_info behaviours[] = {
    {"bot.join", 1, "a started task's bot joins the room (user_joined, user_publish)"},
    {"welcome", 1, "the bot speaks AgentConfig.WelcomeMessage (legacy: WelcomeSpeech) first"},
    {"reply.text", 1,
     "ExternalTextToLLM / a user utterance starts a round: conv 2 -> 3 -> subv -> 5 -> 1"},
    {"interrupt", 1, "ctrl or UpdateVoiceChat interrupt while answering: conv 4, then 1"},
    {"subtitles", 1, "subv subtitles for the user's speech and the bot's answers"},
    {"function.call", 1, "a turn naming a configured tool sends a tool call and waits for func"},
    {"server_messages", 1, "POST conv/subv/tool to the configured ServerMessageUrl(s)"},
    {"idle.stop", 1, "the bot leaves after AgentConfig.IdleTimeout without a user"},
    {NULL, 0, NULL},
};

static const pl_api_info actions[] = {
    {"joinRoom", "", "connects the room bridge (joinRoom, auto-publish audio)"},
    {"leaveRoom", "", "stopAudioBot (if enabled) then leaves the room"},
    {"startAudioCapture", "", "room op audio_capture on"},
    {"stopAudioCapture", "", "room op audio_capture off"},
    {"startAudioBot",
     "version:string, task_id:string, bot_id:string, welcome:string, state_callback:bool, "
     "tools:bool, auto_func:bool, interrupt_mode:int, turn_detection_mode:int, "
     "server_message_url:string, subtitle_url:string, function_url:string, signature:string, "
     "subtitle_mode:int",
     "business backend: signed StartVoiceChat for the room"},
    {"stopAudioBot", "", "business backend: signed StopVoiceChat"},
    {"stopAudioVoice", "", "business backend: UpdateVoiceChat Command interrupt"},
    {"updateVoiceChat", "command:string, message:string, interrupt_mode:int",
     "business backend: UpdateVoiceChat with any command"},
    {"commandAgent", "command:string, message:string, interrupt_mode:int",
     "ctrl TLV to the bot (command by RTS)"},
    {"sendFunctionResult", "tool_call_id:string, content:string", "func TLV to the bot"},
    {NULL, NULL, NULL},
};

static const pl_api_info callbacks[] = {
    {"onJoinRoom", "roomId:string, userId:string", "joined the room"},
    {"onLeaveRoom", "", "left the room"},
    {"onUserJoined", "userId:string", "the bot joined"},
    {"onUserLeave", "userId:string, reason:string", "the bot left"},
    {"onUserPublishStream", "userId:string, mediaType:string", "the bot published audio"},
    {"onUserUnpublishStream", "userId:string, mediaType:string, reason:string",
     "the bot unpublished"},
    {"onUserStartAudioCapture", "userId:string", "the bot started talking (2024 demo)"},
    {"onUserStopAudioCapture", "userId:string", "the bot stopped talking"},
    {"onRoomBinaryMessageReceived", "userId:string, magic:string, length:int",
     "a room binary message"},
    {"onSubtitle",
     "userId:string, text:string, definite:bool, paragraph:bool, sequence:int, isBot:bool",
     "a subv"},
    {"onAgentState", "code:int, round:int", "a conv"},
    {"onFunctionCall", "id:string, name:string, arguments:string", "a tool call"},
    {NULL, NULL, NULL},
};

const pl_api_info volc_acts[] = {
    {"say", "text:string, final:bool",
     "a scripted user utterance: user subv, then a round (final:false with manual turn "
     "detection waits for FinishSpeechRecognition)"},
    {"speak", "text:string", "the bot speaks text (conv 3, subv, conv 5, conv 1)"},
    {"tool", "name:string, arguments:object",
     "the bot calls a tool now (tool message or function server message)"},
    {"leave", "reason:string (idle|error)", "the bot leaves the room and the task ends"},
    {"state", "code:int", "a bare conv with Stage.Code code (negative tests)"},
    {NULL, NULL, NULL},
};

/* ---- codec --------------------------------------------------------------------------- */

static const char *const known_magics[] = {"subv", "conv", "tool", "func", "ctrl", NULL};

unsigned char *volc_tlv_build(const char magic[4], const void *value, size_t len, size_t *out_len)
{
    unsigned char *b = pl_xmalloc(len + 8);
    memcpy(b, magic, 4);
    b[4] = (unsigned char)(len >> 24);
    b[5] = (unsigned char)(len >> 16);
    b[6] = (unsigned char)(len >> 8);
    b[7] = (unsigned char)len;
    if (len)
        memcpy(b + 8, value, len);
    *out_len = len + 8;
    return b;
}

void volc_tlv_add_length(cJSON *msg)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(msg, "value");
    char *owned = v && !cJSON_IsString(v) ? cJSON_PrintUnformatted(v) : NULL;
    const char *bytes = owned ? owned : cJSON_IsString(v) ? v->valuestring : pl_json_str(msg, "text", "");
    cJSON_AddNumberToObject(msg, "length", (double)strlen(bytes));
    free(owned);
}

static cJSON *volc_decode(const void *data, size_t len, int binary)
{
    (void)binary;
    if (len < 8)
        return NULL; /* volc.malformed: not even a TLV header */
    const unsigned char *p = data;
    char magic[5];
    for (int i = 0; i < 4; i++)
        magic[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
    magic[4] = '\0';
    unsigned long hdr = (unsigned long)p[4] << 24 | (unsigned long)p[5] << 16 |
                        (unsigned long)p[6] << 8 | p[7];
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "magic", magic);
    cJSON_AddNumberToObject(m, "length", (double)hdr);
    cJSON *v = pl_utf8_valid(p + 8, len - 8, NULL)
                   ? cJSON_ParseWithLength((const char *)p + 8, len - 8)
                   : NULL;
    if (v) {
        cJSON_AddItemToObject(m, "value", v);
    } else {
        char *t = pl_xmalloc(len + 8); /* invalid bytes become '?': never longer */
        pl_utf8_quote(t, len + 8, (const char *)p + 8, len - 8);
        cJSON_AddStringToObject(m, "text", t);
        free(t);
    }
    return m;
}

static void volc_classify(const cJSON *msg, pl_dir dir, char *kind, size_t kind_len)
{
    (void)dir;
    const char *magic = pl_json_str(msg, "magic", "");
    for (const char *const *k = known_magics; *k; k++)
        if (!strcmp(magic, *k)) {
            snprintf(kind, kind_len, "volc.%s", *k);
            return;
        }
    snprintf(kind, kind_len, "volc.unknown");
}

/* {"magic","value"} → TLV; "value" a string is sent as its bytes, an explicit "length" is
 * written as given (a wrong header on purpose). */
static char *volc_encode(const cJSON *msg, size_t *len, int *binary)
{
    char magic[4] = {' ', ' ', ' ', ' '};
    const char *m = pl_json_str(msg, "magic", "");
    memcpy(magic, m, strlen(m) < 4 ? strlen(m) : 4);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(msg, "value");
    char *owned = NULL;
    const char *bytes = "";
    if (cJSON_IsString(v))
        bytes = v->valuestring;
    else if (v)
        bytes = owned = cJSON_PrintUnformatted(v);
    else
        bytes = pl_json_str(msg, "text", "");
    size_t n = strlen(bytes);
    unsigned char *out = volc_tlv_build(magic, bytes, n, len);
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(msg, "length");
    if (cJSON_IsNumber(l) && l->valuedouble >= 0 && l->valuedouble <= 4294967295.0) {
        unsigned long h = (unsigned long)l->valuedouble;
        out[4] = (unsigned char)(h >> 24);
        out[5] = (unsigned char)(h >> 16);
        out[6] = (unsigned char)(h >> 8);
        out[7] = (unsigned char)h;
    }
    free(owned);
    *binary = 1;
    return (char *)out;
}

/* ---- session hooks ------------------------------------------------------------------- */

static void *volc_open(pl_session *s)
{
    volc_sess *vs = pl_xcalloc(1, sizeof *vs);
    vs->s = s;
    pl_volc_rules_opts o;
    pl_volc_rules_opts_init(&o);
    o.func_timeout_us = pl_profile_duration(pl_session_profile(s), VOLC_DIALECT,
                                            "func_timeout", o.func_timeout_us);
    vs->rules = pl_volc_rules_new(&o);
    pl_volc_rules_room(vs->rules, pl_session_user(s), NULL);
    vs->cloud = pl_session_cloud(s);
    /* The cloud may put a bot in the room at once (a task started before the user came):
     * from a timer, so the rules see the events after open() returned the state. */
    pl_session_timer(s, 0, 0);
    return vs;
}

static void volc_timer(void *st, int slot)
{
    volc_sess *vs = st;
    if (slot == 0 && vs->cloud)
        volc_cloud_attach(vs->cloud, vs);
}

static void volc_message(void *st, pl_dir dir, const char *kind, const cJSON *msg, const void *raw,
                         size_t len, int schema_ok)
{
    volc_sess *vs = st;
    pl_volc_rules_message(vs->rules, dir, kind, msg, raw, len, schema_ok, pl_session_now(vs->s),
                          pl_session_finding_fn, vs->s);
}

/* The user leaves the room while its task still runs: the bot stays until IdleTimeout and
 * the minutes are billed (volc.md §1.7); the seed's leaveRoom stops the bot first. */
static void volc_left(volc_sess *vs)
{
    if (vs->left_reported || !vs->cloud ||
        !volc_cloud_room_busy(vs->cloud, pl_session_room(vs->s)))
        return;
    vs->left_reported = 1;
    pl_volc_report(pl_session_finding_fn, vs->s, "volc.task.not_stopped",
                   "user %s left room %s while its voice chat task still runs (no "
                   "StopVoiceChat): the bot stays until IdleTimeout",
                   pl_session_user(vs->s), pl_session_room(vs->s));
}

static void volc_room(void *st, const char *op, const cJSON *frame)
{
    volc_sess *vs = st;
    if (!strcmp(op, "user_binary"))
        pl_volc_rules_frame(vs->rules, PL_DIR_C2A, frame, pl_session_now(vs->s),
                            pl_session_finding_fn, vs->s);
    else if (!strcmp(op, "leave"))
        volc_left(vs);
}

/* The rules already judged the message (volc_message); behave only wants the verdict. */
static void no_emit(void *user, const pl_finding *f)
{
    (void)user;
    (void)f;
}

static void volc_behave(void *st, const char *kind, const cJSON *msg)
{
    volc_sess *vs = st;
    if (!vs->cloud || !vs->bot[0])
        return; /* no bot in the room: the message is lost (volc.room.no_bot) */
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(msg, "value");
    if (!cJSON_IsObject(v))
        return;
    if (!strcmp(kind, "volc.ctrl")) {
        const char *canon = NULL;
        if (pl_volc_check_command(v, &canon, no_emit, NULL) == 0 && canon)
            volc_cloud_ctrl(vs->cloud, vs, canon, v);
    } else if (!strcmp(kind, "volc.func")) {
        const char *id = pl_json_str(v, "ToolCallID", NULL);
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(v, "Content");
        const cJSON *x;
        cJSON_ArrayForEach(x, v) /* keys are matched case-insensitively (volc.key_case) */
        {
            if (!id && !strcasecmp(x->string, "ToolCallID") && cJSON_IsString(x))
                id = x->valuestring;
            if (!content && !strcasecmp(x->string, "Content"))
                content = x;
        }
        if (id)
            volc_cloud_func(vs->cloud, vs, id,
                            cJSON_IsString(content) ? content->valuestring : "");
    }
}

static void volc_tick(void *st, int64_t now_us)
{
    volc_sess *vs = st;
    pl_volc_rules_tick(vs->rules, now_us, pl_session_finding_fn, vs->s);
}

static void volc_close(void *st)
{
    volc_sess *vs = st;
    if (!pl_session_closed_by_parley(vs->s))
        volc_left(vs); /* the client went away by itself */
    if (vs->cloud)
        volc_cloud_detach(vs->cloud, vs);
    pl_volc_rules_free(vs->rules);
    free(vs);
}

static int volc_act(void *st, const char *name, const cJSON *args, char *err, size_t errlen)
{
    volc_sess *vs = st;
    if (!vs->cloud) {
        snprintf(err, errlen, "the volc cloud is not running");
        return -1;
    }
    return volc_cloud_act(vs->cloud, vs, name, args, err, errlen);
}

/* A scripted room message comes from the bot and gets the header length of its value when
 * it gives none (a wrong "length" stays as written). */
static void volc_complete(void *st, cJSON *msg, const char **from)
{
    volc_sess *vs = st;
    if (!*from)
        *from = vs->bot[0] ? vs->bot : "parley_agent";
    cJSON *v = cJSON_GetObjectItemCaseSensitive(msg, "value");
    if (cJSON_IsString(v)) /* raw value bytes: judged as decode() would see them */
        cJSON_AddItemToObject(msg, "text", cJSON_DetachItemViaPointer(msg, v));
    if (!cJSON_HasObjectItem(msg, "length"))
        volc_tlv_add_length(msg);
}

/* ---- cloud → session --------------------------------------------------------------------- */

void volc_sess_event(volc_sess *vs, const char *event, const char *user, const char *k,
                     const char *v)
{
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "event", event);
    cJSON_AddStringToObject(ev, "user", user);
    if (k)
        cJSON_AddStringToObject(ev, k, v);
    pl_session_send_event(vs->s, ev);
}

void volc_sess_bot_joined(volc_sess *vs, const char *bot)
{
    snprintf(vs->bot, sizeof vs->bot, "%s", bot);
    pl_volc_rules_room(vs->rules, pl_session_user(vs->s), bot);
    char extra[300];
    snprintf(extra, sizeof extra,
             "{\"call_scene\":\"RTC-AIGC\",\"user_name\":\"%.100s\",\"user_id\":\"%.100s\"}", bot,
             bot);
    volc_sess_event(vs, "user_joined", bot, "extra_info", extra);
    volc_sess_event(vs, "user_publish", bot, "media", "audio");
}

/* The bot unpublishes and leaves: reason "quit" after StopVoiceChat, "idle" after
 * IdleTimeout, "error" by act (docs/behaviour-volc.md). */
void volc_sess_bot_left(volc_sess *vs, const char *bot, const char *reason)
{
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "event", "user_unpublish");
    cJSON_AddStringToObject(ev, "user", bot);
    cJSON_AddStringToObject(ev, "media", "audio");
    cJSON_AddStringToObject(ev, "reason", "stop");
    pl_session_send_event(vs->s, ev);
    volc_sess_event(vs, "user_left", bot, "reason", reason);
    vs->bot[0] = '\0';
    pl_volc_rules_room(vs->rules, pl_session_user(vs->s), NULL);
}

/* ---- the dialect ------------------------------------------------------------------------ */

void *volc_cloud_new(pl_server *srv);
int volc_cloud_http(void *cloud, const pl_server_http_req *req, int *status, char **body,
                    const char **content_type);
void volc_cloud_free(void *cloud);

const pl_dialect pl_dialect_volc = {
    .id = VOLC_DIALECT,
    .vendor = "Volcengine RTC AIGC: Start/Update/StopVoiceChat, binary room messages",
    .transport = "HTTP POST /?Action=&Version= (V4 HMAC-SHA256), server-message callbacks, RTC "
                 "binary messages -> room bridge /volc/room",
    .seed = "002",
    .bridge_op = "user_binary",
    .bridge_binary = 1,
    .bridge_event = "room_binary",
    .ws_path = NULL,
    .behaviours = behaviours,
    .actions = actions,
    .callbacks = callbacks,
    .rules_catalog = pl_volc_rules_catalog,
    .decode = volc_decode,
    .classify = volc_classify,
    .encode = volc_encode,
    .open = volc_open,
    .message = volc_message,
    .room = volc_room,
    .behave = volc_behave,
    .timer = volc_timer,
    .tick = volc_tick,
    .close = volc_close,
    .complete = volc_complete,
    .act = volc_act,
    .acts = volc_acts,
    .cloud_new = volc_cloud_new,
    .cloud_http = volc_cloud_http,
    .cloud_free = volc_cloud_free,
};
