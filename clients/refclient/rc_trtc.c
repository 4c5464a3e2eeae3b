/* rc_trtc.c — the room: a model of an app on the TRTC SDK in a room with an AI conversation
 * bot (shared/protocols/trtc.md §2), over the room bridge (docs/bridge.md).
 *
 *   enterRoom   bridge connect → joined: publish audio (startLocalAudio), onEnterRoom
 *   up          sendCustomCmdMsg(2, data, true, true) → {"op":"custom_cmd","cmdId":2,
 *               "reliable":true,"ordered":true,"data":"<json>"}: 20000 text, 20001 interrupt
 *               in the envelope {type, sender, receiver:[bot], payload} (§2.1, §2.3)
 *   down        {"event":"custom_cmd","cmdId":1,…}: only cmdID 1 is read (as AIConversationKit
 *               does); 10000 → onSubtitle, 10001 → onAgentState, 10002 → onMetaInfo,
 *               10020 → onMetrics, 10030 → onAgentError (§2.2)
 *   room        user_joined → onRemoteUserEnterRoom, user_publish/unpublish audio →
 *               onUserAudioAvailable, user_left → onRemoteUserLeaveRoom, room_dismissed →
 *               onExitRoom(2)
 *   exitRoom    leave, close → onExitRoom(0)
 *
 * The TRTC SDK names are the native ones (TRTCCloudListener / TRTCCloudDelegate). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rc.h"
#include "rc_bugs.h"
#include "rc_trtc_int.h"

#define RC_TRTC_PAD_BYTES 1100 /* the custom-over-1k bug: over the 1000-byte limit (§2.1) */

/* ---- driver glue -------------------------------------------------------------------- */

void rc_trtc_callback(rc_trtc *t, const char *name, cJSON *args)
{
    if (t->drv)
        rc_driver_callback(t->drv, name, args);
    else
        cJSON_Delete(args);
}

void rc_trtc_reply_ok(rc_trtc *t, int64_t id, cJSON *result)
{
    if (id && t->drv)
        rc_driver_reply_ok(t->drv, id, result);
    else
        cJSON_Delete(result);
}

void rc_trtc_reply_error(rc_trtc *t, int64_t id, const char *why)
{
    if (id && t->drv)
        rc_driver_reply_error(t->drv, id, why);
}

int64_t rc_trtc_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *rc_trtc_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* ---- the room ----------------------------------------------------------------------- */

static void rc_trtc_exit_event(rc_trtc *t, int reason)
{
    t->joined = 0;
    if (t->exit_reported)
        return;
    t->exit_reported = 1;
    cJSON *a = cJSON_CreateObject();
    cJSON_AddNumberToObject(a, "reason", reason);
    rc_trtc_callback(t, "onExitRoom", a);
}

static void rc_trtc_user_event(rc_trtc *t, const char *name, const char *user)
{
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "userId", user);
    rc_trtc_callback(t, name, a);
}

/* The bridge's reasons as TRTC's onRemoteUserLeaveRoom reason: 0 left (exitRoom), 1 timed
 * out (dropped), 2 kicked. */
static int rc_trtc_leave_reason(const char *why)
{
    if (strcmp(why, "kicked") == 0)
        return 2;
    if (strcmp(why, "timeout") == 0 || strcmp(why, "error") == 0)
        return 1;
    return 0; /* "stop", "dismissed", anything else */
}

static void rc_trtc_joined(rc_trtc *t, const cJSON *frame)
{
    if (t->joined)
        return;
    t->joined = 1;
    t->exit_reported = 0;
    if (rc_bridge_publish(t->bridge, "audio")) /* startLocalAudio: the bot pulls our audio */
        rc_log("trtc: publish not sent");
    rc_log("trtc: joined room %s as %s (session %s)", t->room, t->user,
           rc_trtc_str(frame, "session"));
    cJSON *a = cJSON_CreateObject(); /* onEnterRoom(result): > 0 is the time it took, in ms */
    int64_t ms = (rc_now_us() - t->enter_t0_us) / 1000;
    cJSON_AddNumberToObject(a, "result", (double)(ms > 0 ? ms : 1));
    rc_trtc_callback(t, "onEnterRoom", a);
    rc_trtc_reply_ok(t, t->enter_cmd, NULL);
    t->enter_cmd = 0;
}

/* ---- the bot's messages (cmdID 1, §2.2) ---------------------------------------------- */

static void rc_trtc_subtitle(rc_trtc *t, const char *sender, const cJSON *p, const cJSON *roundid)
{
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "sender", sender);
    cJSON_AddStringToObject(a, "text", rc_trtc_str(p, "text"));
    cJSON_AddBoolToObject(a, "end", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "end")));
    cJSON_AddStringToObject(a, "roundid", cJSON_IsString(roundid) ? roundid->valuestring : "");
    cJSON_AddBoolToObject(a, "isBot", strcmp(sender, t->user) != 0); /* KIT: sender == me? */
    rc_trtc_callback(t, "onSubtitle", a);
}

static void rc_trtc_agent_message(rc_trtc *t, const cJSON *m)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(m, "type");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "payload");
    const char *sender = rc_trtc_str(m, "sender");
    if (!*sender) /* some senders put the speaker in payload.userid (§6.6) */
        sender = rc_trtc_str(p, "userid");
    if (cJSON_IsString(type) && (strcmp(type->valuestring, "subtitle") == 0 ||
                                 strcmp(type->valuestring, "transcription") == 0)) {
        /* the legacy flat format (RK): userid, text, end, roundid at the top */
        const char *who = rc_trtc_str(m, "userid");
        rc_trtc_subtitle(t, *who ? who : sender, m, cJSON_GetObjectItemCaseSensitive(m, "roundid"));
        return;
    }
    if (!cJSON_IsNumber(type) || !cJSON_IsObject(p)) {
        rc_log("trtc: ignored a custom message without a numeric type and a payload object");
        return;
    }
    const cJSON *tag = cJSON_GetObjectItemCaseSensitive(p, "tag");
    cJSON *a;
    switch (type->valueint) {
    case 10000:
        rc_trtc_subtitle(t, sender, p, cJSON_GetObjectItemCaseSensitive(p, "roundid"));
        break;
    case 10001:
        if (strcmp(sender, t->user) == 0) /* KIT ignores states "from" the local user */
            break;
        a = cJSON_CreateObject();
        cJSON_AddNumberToObject(a, "state",
                                cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "state")));
        cJSON_AddStringToObject(a, "roundid", rc_trtc_str(p, "roundid"));
        rc_trtc_callback(t, "onAgentState", a);
        break;
    case 10002:
        a = cJSON_CreateObject();
        cJSON_AddItemToObject(a, "payload", cJSON_Duplicate(p, 1));
        if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(m, "roundid")))
            cJSON_AddStringToObject(a, "roundid", rc_trtc_str(m, "roundid"));
        rc_trtc_callback(t, "onMetaInfo", a);
        break;
    case 10020: {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "value");
        a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "metric", rc_trtc_str(p, "metric"));
        cJSON_AddNumberToObject(a, "value", cJSON_IsNumber(v) ? v->valuedouble : 0);
        if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(tag, "roundid")))
            cJSON_AddStringToObject(a, "roundid", rc_trtc_str(tag, "roundid"));
        rc_trtc_callback(t, "onMetrics", a);
        break;
    }
    case 10030: {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(tag, "code");
        a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "metric", rc_trtc_str(p, "metric"));
        if (cJSON_IsString(code))
            cJSON_AddStringToObject(a, "code", code->valuestring);
        else
            cJSON_AddNumberToObject(a, "code", cJSON_IsNumber(code) ? code->valuedouble : 0);
        cJSON_AddStringToObject(a, "message", rc_trtc_str(tag, "message"));
        rc_trtc_callback(t, "onAgentError", a);
        break;
    }
    default:
        rc_log("trtc: ignored a custom message of type %d", type->valueint);
    }
}

/* onRecvCustomCmdMsg(userId, cmdID, seq, message) */
static void rc_trtc_custom_cmd(rc_trtc *t, const cJSON *frame)
{
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(frame, "cmdId");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(frame, "data");
    if (!cJSON_IsNumber(cmd) || cmd->valueint != 1) { /* KIT drops cmdID != 1 (§2.1) */
        rc_log("trtc: ignored a custom message on cmdID %d",
               cJSON_IsNumber(cmd) ? cmd->valueint : -1);
        return;
    }
    if (!cJSON_IsString(data)) {
        rc_log("trtc: ignored a custom_cmd event without data");
        return;
    }
    cJSON *m = cJSON_Parse(data->valuestring);
    if (cJSON_IsObject(m))
        rc_trtc_agent_message(t, m);
    else
        rc_log("trtc: ignored a custom message that is not a JSON object: %.200s",
               data->valuestring);
    cJSON_Delete(m);
}

static void rc_trtc_on_event(void *user, const char *ev, const cJSON *frame)
{
    rc_trtc *t = user;
    const char *who = rc_trtc_str(frame, "user");
    const char *media = rc_trtc_str(frame, "media");
    if (strcmp(ev, "joined") == 0) {
        rc_trtc_joined(t, frame);
    } else if (strcmp(ev, "custom_cmd") == 0) {
        rc_trtc_custom_cmd(t, frame);
    } else if (strcmp(ev, "user_joined") == 0) {
        rc_trtc_user_event(t, "onRemoteUserEnterRoom", who);
    } else if (strcmp(ev, "user_publish") == 0 || strcmp(ev, "user_unpublish") == 0) {
        if (strcmp(media, "audio") != 0)
            return;
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "userId", who);
        cJSON_AddBoolToObject(a, "available", strcmp(ev, "user_publish") == 0);
        rc_trtc_callback(t, "onUserAudioAvailable", a);
    } else if (strcmp(ev, "user_left") == 0) {
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "userId", who);
        cJSON_AddNumberToObject(a, "reason", rc_trtc_leave_reason(rc_trtc_str(frame, "reason")));
        rc_trtc_callback(t, "onRemoteUserLeaveRoom", a);
    } else if (strcmp(ev, "room_dismissed") == 0) {
        rc_log("trtc: the room was dismissed");
        rc_trtc_exit_event(t, 2); /* onExitRoom(2): the room was dismissed */
    } else {
        rc_debug("trtc: room event %s", ev);
    }
}

static void rc_trtc_on_close(void *user, int code, const char *why)
{
    rc_trtc *t = user;
    t->bridge = NULL;
    char msg[200];
    snprintf(msg, sizeof msg, "%s (%d, %s)", code ? "the room connection closed" : "cannot connect",
             code, why);
    rc_log("trtc: %s", msg);
    if (t->enter_cmd) {
        rc_trtc_reply_error(t, t->enter_cmd, msg);
        t->enter_cmd = 0;
        return;
    }
    if (t->joined)
        rc_trtc_exit_event(t, 1); /* removed by the server (TRTC onExitRoom(1)) */
}

static const rc_bridge_ops rc_trtc_bridge_ops = {rc_trtc_on_event, rc_trtc_on_close};

const char *rc_trtc_enter(rc_trtc *t, int64_t cmd)
{
    static char err[300];
    if (t->bridge && !t->joined && !t->enter_cmd) { /* dismissed, its close still to come */
        rc_bridge_close(t->bridge, 1000);
        t->bridge = NULL;
    }
    if (t->bridge)
        return t->joined ? "already in the room" : "already entering the room";
    t->bridge = rc_bridge_open(t->net, t->url, &rc_trtc_bridge_ops, t, err, sizeof err);
    if (!t->bridge)
        return err;
    t->enter_cmd = cmd;
    t->enter_t0_us = rc_now_us();
    rc_log("trtc: entering room %s as %s", t->room, t->user);
    return NULL;
}

const char *rc_trtc_exit(rc_trtc *t)
{
    if (!t->bridge)
        return "not in the room";
    if (t->joined)
        rc_bridge_leave(t->bridge);
    rc_bridge_close(t->bridge, 1000);
    t->bridge = NULL;
    if (t->enter_cmd) {
        rc_trtc_reply_error(t, t->enter_cmd, "exitRoom was called");
        t->enter_cmd = 0;
    }
    rc_trtc_exit_event(t, 0); /* onExitRoom(0): exitRoom */
    return NULL;
}

/* ---- custom messages up (cmdID 2, §2.3) ----------------------------------------------- */

const char *rc_trtc_send_cmd(rc_trtc *t, int cmd_id, int reliable, int ordered, const char *data,
                             size_t len)
{
    if (!t->bridge || !t->joined) /* sendCustomCmdMsg returns false outside a room */
        return "not in the room";
    if (rc_bridge_custom_cmd(t->bridge, cmd_id, reliable, ordered, data, len))
        return "send queue full";
    return NULL;
}

/* {type, sender, receiver, payload} (payload owned) on cmdID 2, reliable and ordered. */
static const char *rc_trtc_send_msg(rc_trtc *t, int type, cJSON *payload, int to_bot, int pad)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "type", type);
    cJSON_AddStringToObject(m, "sender", t->user);
    cJSON *rcv = cJSON_AddArrayToObject(m, "receiver");
    if (to_bot)
        cJSON_AddItemToArray(rcv, cJSON_CreateString(t->bot));
    cJSON_AddItemToObject(m, "payload", payload);
    char *txt = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    if (!txt)
        return "out of memory";
    size_t len = strlen(txt);
    if (pad && len < RC_TRTC_PAD_BYTES) { /* still valid JSON: trailing blanks */
        txt = rc_xrealloc(txt, RC_TRTC_PAD_BYTES + 1);
        memset(txt + len, ' ', RC_TRTC_PAD_BYTES - len);
        len = RC_TRTC_PAD_BYTES;
        txt[len] = '\0';
    }
    const char *why = rc_trtc_send_cmd(t, rc_bug_on(RC_BUG_WRONG_CMD_ID) ? 1 : 2, 1, 1, txt, len);
    free(txt);
    return why;
}

const char *rc_trtc_send_text(rc_trtc *t, const char *text)
{
    int64_t ms = rc_trtc_wall_ms();
    if (ms <= t->last_msg_ms)
        ms = t->last_msg_ms + 1;
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)ms);
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "id", id);
    cJSON_AddStringToObject(p, "message", text);
    cJSON_AddNumberToObject(p, "timestamp", (double)ms);
    const char *why = rc_trtc_send_msg(t, 20000, p, 1, rc_bug_on(RC_BUG_CUSTOM_OVER_1K));
    if (!why)
        t->last_msg_ms = ms;
    return why;
}

/* As AIConversationKit (Android) sends it: id "<SdkAppId>_<RoomId>", timestamp a string of
 * seconds (§2.3). */
const char *rc_trtc_send_interrupt(rc_trtc *t)
{
    char id[300], ts[32];
    snprintf(id, sizeof id, "%lld_%s", (long long)t->sdk_app_id, t->room);
    snprintf(ts, sizeof ts, "%lld", (long long)(rc_trtc_wall_ms() / 1000));
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "id", id);
    cJSON_AddStringToObject(p, "timestamp", ts);
    return rc_trtc_send_msg(t, 20001, p, !rc_bug_on(RC_BUG_INTERRUPT_NO_RECEIVER), 0);
}

/* ---- life cycle --------------------------------------------------------------------- */

rc_trtc *rc_trtc_new(rc_net *net, const char *url, char *err, size_t errlen)
{
    rc_trtc *t = rc_xcalloc(1, sizeof *t);
    t->net = net;
    t->url = url;
    t->sdk_app_id = RC_TRTC_SDK_APP_ID;
    char path[2048];
    if (rc_ws_parse_url(url, &t->tls, t->host, sizeof t->host, &t->port, path, sizeof path) ||
        rc_ws_url_param(url, "room", t->room, sizeof t->room) ||
        rc_ws_url_param(url, "user", t->user, sizeof t->user)) {
        snprintf(err, errlen, "the trtc URL '%s' needs room=R and user=U", url);
        free(t);
        return NULL;
    }
    snprintf(t->bot, sizeof t->bot, "bot_%.240s", t->room);
    int v6 = strchr(t->host, ':') != NULL;
    int default_port = t->port == (t->tls ? 443 : 80);
    if (default_port)
        snprintf(t->host_hdr, sizeof t->host_hdr, v6 ? "[%s]" : "%s", t->host);
    else
        snprintf(t->host_hdr, sizeof t->host_hdr, v6 ? "[%s]:%d" : "%s:%d", t->host, t->port);
    if (rc_trtc_http_start(t, err, errlen)) {
        free(t);
        return NULL;
    }
    rc_log("trtc: room %s, user %s, cloud API %s://%s/, backend on http://127.0.0.1:%d", t->room,
           t->user, t->tls ? "https" : "http", t->host_hdr, t->http_port);
    return t;
}

void rc_trtc_set_driver(rc_trtc *t, rc_driver *d)
{
    t->drv = d;
}

cJSON *rc_trtc_endpoints(const rc_trtc *t)
{
    char u[128];
    cJSON *e = cJSON_CreateObject();
    snprintf(u, sizeof u, "http://127.0.0.1:%d/trtc/callback", t->http_port);
    cJSON_AddStringToObject(e, "callback", u);
    snprintf(u, sizeof u, "http://127.0.0.1:%d/v1/chat/completions", t->http_port);
    cJSON_AddStringToObject(e, "llm", u);
    snprintf(u, sizeof u, "http://127.0.0.1:%d/tts", t->http_port);
    cJSON_AddStringToObject(e, "tts", u);
    return e;
}

void rc_trtc_free(rc_trtc *t)
{
    if (!t)
        return;
    rc_trtc_http_detach(t);
    rc_trtc_api_shutdown(t, "client stopping");
    if (t->enter_cmd)
        rc_trtc_reply_error(t, t->enter_cmd, "client stopping");
    if (t->bridge)
        rc_bridge_close(t->bridge, 1001);
    while (t->tasks) {
        rc_trtc_task *k = t->tasks;
        t->tasks = k->next;
        free(k);
    }
    free(t);
}
