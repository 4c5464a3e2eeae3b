/* rc_volc.c — the room: a model of the Web demo's RtcClient (seed 002) on the Volcengine RTC
 * Web SDK, in a room with an RTC AIGC bot (shared/protocols/volc.md §2), over the room bridge
 * (docs/bridge.md).
 *
 *   joinRoom    bridge connect → joined: publish audio (isAutoPublish), audio_capture on
 *               (startAudioCapture), onJoinRoom
 *   up          sendUserBinaryMessage(bot, TLV) → {"op":"user_binary","to":bot,"data_b64":…}:
 *               ctrl {Command, InterruptMode, Message} and func {ToolCallID, Content} (§2.4-5)
 *   down        {"event":"room_binary","from":bot,"data_b64":…} → onRoomBinaryMessageReceived
 *               {userId, magic, length}, then subv → onSubtitle, conv → onAgentState,
 *               tool → onFunctionCall (and the answer, as the demo's handler.ts)
 *   room        user_joined → onUserJoined, user_left → onUserLeave, user_publish/unpublish →
 *               onUserPublishStream/onUserUnpublishStream, user_start/stop_audio_capture →
 *               onUserStartAudioCapture/onUserStopAudioCapture
 *   leaveRoom   StopVoiceChat first (rc_volc_api.c), the bot's user_left, then leave,
 *               close → onLeaveRoom
 *
 * Room events carry the bridge's strings as they are (mediaType "audio", reason "quit"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "rc_bugs.h"
#include "rc_volc_int.h"

/* ---- driver glue -------------------------------------------------------------------- */

void rc_volc_callback(rc_volc *v, const char *name, cJSON *args)
{
    if (v->drv)
        rc_driver_callback(v->drv, name, args);
    else
        cJSON_Delete(args);
}

void rc_volc_reply_ok(rc_volc *v, int64_t id, cJSON *result)
{
    if (id && v->drv)
        rc_driver_reply_ok(v->drv, id, result);
    else
        cJSON_Delete(result);
}

void rc_volc_reply_error(rc_volc *v, int64_t id, const char *why)
{
    if (id && v->drv)
        rc_driver_reply_error(v->drv, id, why);
}

static const char *rc_volc_str(const cJSON *o, const char *key)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(s) ? s->valuestring : "";
}

/* ---- binary messages up ---------------------------------------------------------------- */

/* One TLV of value to user to. The wrong-tlv-length bug says one byte more than there is. */
static const char *rc_volc_send_tlv(rc_volc *v, const char *to, const char *magic, cJSON *value)
{
    char *json = cJSON_PrintUnformatted(value);
    cJSON_Delete(value);
    if (!json)
        return "out of memory";
    if (!v->bridge || !v->joined) { /* sendUserBinaryMessage rejects outside a room */
        free(json);
        return "not in the room";
    }
    size_t len;
    unsigned char *tlv = rc_volc_tlv_encode(magic, json, strlen(json),
                                            rc_bug_on(RC_BUG_WRONG_TLV_LENGTH) ? 1 : 0, &len);
    rc_debug("volc > %s to %s: %s", magic, to, json);
    free(json);
    int rc = rc_bridge_user_binary(v->bridge, to, tlv, len);
    free(tlv);
    return rc ? "send queue full" : NULL;
}

const char *rc_volc_send_ctrl(rc_volc *v, const char *command, int interrupt_mode,
                              const char *message)
{
    cJSON *c = cJSON_CreateObject(); /* RtcClient.commandAgent: all three, always */
    cJSON_AddStringToObject(c, "Command", command);
    cJSON_AddNumberToObject(c, "InterruptMode", interrupt_mode);
    cJSON_AddStringToObject(c, "Message", message);
    return rc_volc_send_tlv(v, v->bot, "ctrl", c);
}

const char *rc_volc_send_func(rc_volc *v, const char *to, const char *id, const char *content)
{
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "ToolCallID",
                            rc_bug_on(RC_BUG_FUNC_UNKNOWN_ID) ? "call_unknown" : id);
    cJSON_AddStringToObject(f, "Content", content);
    return rc_volc_send_tlv(v, to ? to : v->bot, "func", f);
}

/* ---- the bot's messages (§2.2-2.4) ------------------------------------------------------ */

static void rc_volc_subtitles(rc_volc *v, const cJSON *m)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(m, "data");
    const cJSON *d;
    cJSON_ArrayForEach(d, data)
    {
        const char *who = rc_volc_str(d, "userId");
        const cJSON *seq = cJSON_GetObjectItemCaseSensitive(d, "sequence");
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "userId", who);
        cJSON_AddStringToObject(a, "text", rc_volc_str(d, "text"));
        cJSON_AddBoolToObject(a, "definite",
                              cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "definite")));
        cJSON_AddBoolToObject(a, "paragraph",
                              cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "paragraph")));
        cJSON_AddNumberToObject(a, "sequence", cJSON_IsNumber(seq) ? seq->valuedouble : 0);
        cJSON_AddBoolToObject(a, "isBot", strcmp(who, v->user) != 0);
        rc_volc_callback(v, "onSubtitle", a);
    }
}

/* conv: Stage.Code and RoundID (the embedded client's spelling RoundId too, §2.3). */
static void rc_volc_agent_state(rc_volc *v, const cJSON *m)
{
    const cJSON *stage = cJSON_GetObjectItemCaseSensitive(m, "Stage");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(stage, "Code");
    const cJSON *round = cJSON_GetObjectItemCaseSensitive(m, "RoundID");
    if (!cJSON_IsNumber(round))
        round = cJSON_GetObjectItemCaseSensitive(m, "RoundId");
    if (!cJSON_IsNumber(code)) {
        rc_log("volc: ignored a conv message without Stage.Code");
        return;
    }
    cJSON *a = cJSON_CreateObject();
    cJSON_AddNumberToObject(a, "code", code->valuedouble);
    cJSON_AddNumberToObject(a, "round", cJSON_IsNumber(round) ? round->valuedouble : 0);
    rc_volc_callback(v, "onAgentState", a);
}

/* The demo's answer to a tool call: the weather for get_current_weather. */
static const char *rc_volc_tool_answer(const char *name)
{
    return strcmp(name, RC_VOLC_WEATHER) == 0 ? RC_VOLC_WEATHER_ANSWER : "No data.";
}

/* tool: onFunctionCall per call, and the func answer to the sender unless auto_func is off. */
static void rc_volc_tool_calls(rc_volc *v, const char *from, const cJSON *m)
{
    const cJSON *calls = cJSON_GetObjectItemCaseSensitive(m, "tool_calls");
    const cJSON *c;
    cJSON_ArrayForEach(c, calls)
    {
        const cJSON *fn = cJSON_GetObjectItemCaseSensitive(c, "function");
        const char *id = rc_volc_str(c, "id"), *name = rc_volc_str(fn, "name");
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "id", id);
        cJSON_AddStringToObject(a, "name", name);
        cJSON_AddStringToObject(a, "arguments", rc_volc_str(fn, "arguments"));
        rc_volc_callback(v, "onFunctionCall", a);
        if (!v->auto_func)
            continue;
        const char *why = rc_volc_send_func(v, from, id, rc_volc_tool_answer(name));
        if (why)
            rc_log("volc: the answer to tool call %s not sent: %s", id, why);
    }
}

/* Whether magic is the bot's tool call: "tool", or "func" for the pre-6ec1ca5 demo (the
 * listen-func-magic bug, volc.md §4 #9). */
static int rc_volc_is_tool(const char *magic)
{
    return strcmp(magic, rc_bug_on(RC_BUG_LISTEN_FUNC_MAGIC) ? "func" : "tool") == 0;
}

static void rc_volc_message(rc_volc *v, const char *from, const rc_volc_tlv *t)
{
    int subv = strcmp(t->magic, "subv") == 0, conv = strcmp(t->magic, "conv") == 0;
    int tool = rc_volc_is_tool(t->magic);
    if (!subv && !conv && !tool) {
        rc_log("volc: ignored a binary message with magic '%s'", t->magic);
        return;
    }
    cJSON *m = cJSON_ParseWithLength(t->value, t->value_len);
    if (!cJSON_IsObject(m))
        rc_log("volc: ignored a %s message whose value is not a JSON object: %.*s", t->magic,
               (int)(t->value_len > 200 ? 200 : t->value_len), t->value);
    else if (subv)
        rc_volc_subtitles(v, m);
    else if (conv)
        rc_volc_agent_state(v, m);
    else
        rc_volc_tool_calls(v, from, m);
    cJSON_Delete(m);
}

/* onRoomBinaryMessageReceived({userId, message}): always reported (magic and header length;
 * length -1 when the message is shorter than the header), then parsed. */
static void rc_volc_room_binary(rc_volc *v, const cJSON *frame)
{
    const char *from = rc_volc_str(frame, "from");
    const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(frame, "data_b64");
    size_t n = 0;
    unsigned char *data = cJSON_IsString(b64) ? rc_volc_b64_decode(b64->valuestring, &n) : NULL;
    if (!data) {
        rc_log("volc: ignored a room_binary event without valid data_b64");
        return;
    }
    rc_volc_tlv t;
    int whole = rc_volc_tlv_decode(data, n, &t) == 0;
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "userId", from);
    cJSON_AddStringToObject(a, "magic", t.magic);
    cJSON_AddNumberToObject(a, "length", whole ? (double)t.length : -1);
    rc_volc_callback(v, "onRoomBinaryMessageReceived", a);
    if (!whole)
        rc_log("volc: a binary message of %zu bytes, shorter than its header", n);
    else if (t.value_len < t.length)
        rc_log("volc: a %s message says %u bytes, has %zu", t.magic, t.length, t.value_len);
    if (whole)
        rc_volc_message(v, from, &t);
    free(data);
}

/* ---- the room --------------------------------------------------------------------------- */

static void rc_volc_left_event(rc_volc *v)
{
    v->joined = 0;
    if (v->leave_reported)
        return;
    v->leave_reported = 1;
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "roomId", v->room);
    cJSON_AddStringToObject(a, "userId", v->user);
    rc_volc_callback(v, "onLeaveRoom", a);
}

static void rc_volc_joined(rc_volc *v)
{
    if (v->joined)
        return;
    v->joined = 1;
    v->leave_reported = 0;
    /* isAutoPublish, then RtcClient.startAudioCapture (the demo's join sequence) */
    if (rc_bridge_publish(v->bridge, "audio") || rc_bridge_audio_capture(v->bridge, 1))
        rc_log("volc: publish or audio_capture not sent");
    rc_log("volc: joined room %s as %s", v->room, v->user);
    if (rc_bug_on(RC_BUG_INTERRUPT_BEFORE_JOIN)) { /* to the would-be bot, not in the room */
        const char *why = rc_volc_send_ctrl(v, "interrupt", 0, "");
        if (why)
            rc_log("volc: the early interrupt not sent: %s", why);
    }
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "roomId", v->room);
    cJSON_AddStringToObject(a, "userId", v->user);
    rc_volc_callback(v, "onJoinRoom", a);
    rc_volc_reply_ok(v, v->join_cmd, NULL);
    v->join_cmd = 0;
}

static void rc_volc_user_event(rc_volc *v, const char *name, const cJSON *frame, const char *key,
                               const char *from)
{
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "userId", rc_volc_str(frame, "user"));
    if (key)
        cJSON_AddStringToObject(a, key, rc_volc_str(frame, from));
    rc_volc_callback(v, name, a);
}

static int rc_volc_is_bot(const rc_volc *v, const cJSON *frame)
{
    return strcmp(rc_volc_str(frame, "user"), v->bot) == 0;
}

static void rc_volc_user_joined(rc_volc *v, const cJSON *frame)
{
    if (rc_volc_is_bot(v, frame))
        v->bot_in_room = 1;
    rc_volc_user_event(v, "onUserJoined", frame, NULL, NULL);
}

static void rc_volc_user_left(rc_volc *v, const cJSON *frame)
{
    int bot = rc_volc_is_bot(v, frame);
    if (bot && v->bot_enabled) {
        rc_log("volc: the bot %s left (%s): its task is over", v->bot,
               rc_volc_str(frame, "reason"));
        v->bot_enabled = 0;
    }
    if (bot)
        v->bot_in_room = 0;
    rc_volc_user_event(v, "onUserLeave", frame, "reason", "reason");
    if (bot && v->leave_pending) /* leaveRoom was waiting for this */
        rc_volc_leave_room(v, v->leave_cmd);
}

static void rc_volc_on_event(void *user, const char *ev, const cJSON *frame)
{
    rc_volc *v = user;
    if (strcmp(ev, "joined") == 0) {
        rc_volc_joined(v);
    } else if (strcmp(ev, "room_binary") == 0) {
        rc_volc_room_binary(v, frame);
    } else if (strcmp(ev, "user_joined") == 0) {
        rc_volc_user_joined(v, frame);
    } else if (strcmp(ev, "user_left") == 0) {
        rc_volc_user_left(v, frame);
    } else if (strcmp(ev, "user_publish") == 0) {
        rc_volc_user_event(v, "onUserPublishStream", frame, "mediaType", "media");
    } else if (strcmp(ev, "user_unpublish") == 0) {
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "userId", rc_volc_str(frame, "user"));
        cJSON_AddStringToObject(a, "mediaType", rc_volc_str(frame, "media"));
        cJSON_AddStringToObject(a, "reason", rc_volc_str(frame, "reason"));
        rc_volc_callback(v, "onUserUnpublishStream", a);
    } else if (strcmp(ev, "user_start_audio_capture") == 0) {
        rc_volc_user_event(v, "onUserStartAudioCapture", frame, NULL, NULL);
    } else if (strcmp(ev, "user_stop_audio_capture") == 0) {
        rc_volc_user_event(v, "onUserStopAudioCapture", frame, NULL, NULL);
    } else {
        rc_debug("volc: room event %s", ev);
    }
}

static void rc_volc_on_close(void *user, int code, const char *why)
{
    rc_volc *v = user;
    v->bridge = NULL;
    char msg[200];
    snprintf(msg, sizeof msg, "%s (%d, %s)", code ? "the room connection closed" : "cannot connect",
             code, why);
    rc_log("volc: %s", msg);
    if (v->join_cmd) {
        rc_volc_reply_error(v, v->join_cmd, msg);
        v->join_cmd = 0;
        return;
    }
    if (v->joined)
        rc_volc_left_event(v);
}

static const rc_bridge_ops rc_volc_bridge_ops = {rc_volc_on_event, rc_volc_on_close};

const char *rc_volc_join(rc_volc *v, int64_t cmd)
{
    static char err[300];
    if (v->bridge)
        return v->joined ? "already in the room" : "already joining the room";
    v->bridge = rc_bridge_open(v->net, v->url, &rc_volc_bridge_ops, v, err, sizeof err);
    if (!v->bridge)
        return err;
    v->join_cmd = cmd;
    rc_log("volc: joining room %s as %s", v->room, v->user);
    return NULL;
}

void rc_volc_leave_room(rc_volc *v, int64_t cmd)
{
    if (v->leave_pending) {
        lws_sul_cancel(&v->leave_timer);
        v->leave_pending = 0;
    }
    v->bot_in_room = 0;
    if (v->bridge) {
        if (v->joined)
            rc_bridge_leave(v->bridge);
        rc_bridge_close(v->bridge, 1000);
        v->bridge = NULL;
    }
    if (v->join_cmd) {
        rc_volc_reply_error(v, v->join_cmd, "leaveRoom was called");
        v->join_cmd = 0;
    }
    if (v->joined)
        rc_volc_left_event(v);
    rc_volc_reply_ok(v, cmd, NULL);
}

static void rc_volc_leave_timeout(lws_sorted_usec_list_t *sul)
{
    rc_volc *v = lws_container_of(sul, rc_volc, leave_timer);
    rc_log("volc: leaveRoom: the bot did not leave within %d ms; leaving anyway",
           RC_VOLC_LEAVE_WAIT_US / 1000);
    v->leave_pending = 0;
    rc_volc_leave_room(v, v->leave_cmd);
}

void rc_volc_leave_after_stop(rc_volc *v, int64_t cmd, int stopped)
{
    if (!stopped || !v->bot_in_room || !v->bridge) {
        rc_volc_leave_room(v, cmd);
        return;
    }
    v->leave_pending = 1;
    v->leave_cmd = cmd;
    lws_sul_schedule(rc_net_context(v->net), 0, &v->leave_timer, rc_volc_leave_timeout,
                     RC_VOLC_LEAVE_WAIT_US);
}

const char *rc_volc_leave(rc_volc *v, int64_t cmd)
{
    static char err[300];
    if (v->leave_pending)
        return "already leaving the room";
    if (!v->bridge && !v->bot_enabled)
        return "not in the room";
    if (!v->bot_enabled || rc_bug_on(RC_BUG_NO_STOP_ON_LEAVE)) {
        rc_volc_leave_room(v, cmd);
        return NULL;
    }
    if (rc_volc_api_stop(v, cmd, NULL, NULL, RC_VOLC_AFTER_LEAVE, err, sizeof err)) {
        rc_log("volc: leaveRoom: StopVoiceChat not sent (%s); leaving anyway", err);
        rc_volc_leave_room(v, cmd);
    }
    return NULL;
}

const char *rc_volc_audio_capture(rc_volc *v, int on)
{
    if (!v->bridge || !v->joined)
        return "not in the room";
    return rc_bridge_audio_capture(v->bridge, on) ? "send queue full" : NULL;
}

/* ---- life cycle --------------------------------------------------------------------- */

rc_volc *rc_volc_new(rc_net *net, const char *url, const rc_volc_creds *creds, char *err,
                     size_t errlen)
{
    rc_volc *v = rc_xcalloc(1, sizeof *v);
    v->net = net;
    v->url = url;
    v->creds = *creds;
    v->auto_func = 1;
    char path[2048];
    if (rc_ws_parse_url(url, &v->tls, v->host, sizeof v->host, &v->port, path, sizeof path) ||
        rc_ws_url_param(url, "room", v->room, sizeof v->room) ||
        rc_ws_url_param(url, "user", v->user, sizeof v->user)) {
        snprintf(err, errlen, "the volc URL '%s' needs room=R and user=U", url);
        free(v);
        return NULL;
    }
    snprintf(v->bot, sizeof v->bot, "voiceChat_%.240s", v->user);
    snprintf(v->task, sizeof v->task, "task_%.240s", v->room);
    snprintf(v->version, sizeof v->version, "%s", RC_VOLC_VERSION);
    int v6 = strchr(v->host, ':') != NULL;
    int default_port = v->port == (v->tls ? 443 : 80);
    if (default_port)
        snprintf(v->host_hdr, sizeof v->host_hdr, v6 ? "[%s]" : "%s", v->host);
    else
        snprintf(v->host_hdr, sizeof v->host_hdr, v6 ? "[%s]:%d" : "%s:%d", v->host, v->port);
    if (rc_volc_api_init(v, err, errlen)) {
        free(v);
        return NULL;
    }
    rc_log("volc: room %s, user %s, OpenAPI %s://%s/ (AppId %s, AK %s)", v->room, v->user,
           v->tls ? "https" : "http", v->host_hdr, v->creds.app_id, v->creds.access_key);
    return v;
}

void rc_volc_set_driver(rc_volc *v, rc_driver *d)
{
    v->drv = d;
}

void rc_volc_free(rc_volc *v)
{
    if (!v)
        return;
    rc_volc_api_shutdown(v, "client stopping");
    lws_sul_cancel(&v->leave_timer);
    if (v->leave_pending)
        rc_volc_reply_error(v, v->leave_cmd, "client stopping");
    if (v->join_cmd)
        rc_volc_reply_error(v, v->join_cmd, "client stopping");
    if (v->bridge)
        rc_bridge_close(v->bridge, 1001);
    free(v);
}
