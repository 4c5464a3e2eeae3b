/* rc_bailian.c — the dialog: a model of an app on the DashScope Python SDK's MultiModalDialog
 * ("Py") talking to the multimodal-dialog WebSocket (shared/protocols/bailian.md, §n).
 *
 *   start   connect PARLEY_URL with `Authorization: Bearer <key>` → run-task Start (§2.2)
 *           → task-started, Started{dialog_id}, DialogStateChanged{Listening}: `start` is
 *           answered {dialog_id}; audio may flow from now on (§2.4)
 *   rounds  RespondingStarted → LocalRespondingStarted; the TTS binary frames are "played"
 *           (their duration at the downstream rate, at most 2 s); RespondingEnded → once
 *           played, LocalRespondingEnded (§4.2). RequestAccepted drops what is left (§4.5)
 *   LiveAI  RespondingContent extra_info.commands (a JSON string) switch_video_call_success /
 *           exit_video_call_success turn video mode on and off; frames stream while it is on
 *           and startVideoStream asked for them (§5; rc_bailian_stream.c)
 *   stop    finish-task Stop → Stopped → task-finished → the server closes (or we do, 0.5 s
 *           later): `stop` is answered at the close
 *
 * Every client message is built as Py builds it (§2.1, §2.3): header {action, task_id,
 * request_id, streaming:"duplex"}, payload {task_group, function, model, task, [parameters],
 * input}; model "multimodal-dialog" on Start and null after; input {workspace_id, app_id,
 * directive, dialog_id} (both ids null after Start), or {app_id, directive, dialog_id, type,
 * text} for RequestToRespond and UpdateInfo. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "rc_bailian_int.h"
#include "rc_bugs.h"

#define RC_BL_START_TIMEOUT_US 8000000 /* no Listening by then: `start` fails */
#define RC_BL_STOP_TIMEOUT_US 5000000  /* no task-finished by then: we close */
#define RC_BL_FINISH_GRACE_US 1000000  /* Stopped → task-finished */
#define RC_BL_CLOSE_GRACE_US 500000    /* task-finished → the server's close */
#define RC_BL_FAILED_GRACE_US 2000000  /* task-failed or a fatal error → the server's close */
#define RC_BL_PLAY_CAP_US 2000000      /* "playback" lasts at most this long */

/* What the app puts in Start (a Py app's MultiModalDialog and RequestParameters). */
#define RC_BL_WORKSPACE "llm-parley"
#define RC_BL_APP_ID "mm_parley_refclient"
#define RC_BL_MODEL "multimodal-dialog"
#define RC_BL_VOICE "longxiaochun_v2"
#define RC_BL_USER "parley_user"
#define RC_BL_DEVICE "parley-refclient-0001"

static void rc_bl_on_open(void *user);
static void rc_bl_on_text(void *user, const char *data, size_t len);
static void rc_bl_on_close(void *user, int code, const char *why);
static void rc_bl_on_binary(void *user, const unsigned char *data, size_t len);
static const rc_ws_ops rc_bl_ws_ops = {rc_bl_on_open, rc_bl_on_text, rc_bl_on_close};

rc_bailian *rc_bailian_new(rc_net *net, const char *url, const char *api_key)
{
    rc_bailian *b = rc_xcalloc(1, sizeof *b);
    b->net = net;
    b->url = url;
    size_t n = strlen(api_key) + 8;
    b->authorization = rc_xmalloc(n);
    snprintf(b->authorization, n, "Bearer %s", api_key);
    b->video_interval_us = RC_BL_FRAME_US;
    return b;
}

void rc_bailian_set_driver(rc_bailian *b, rc_driver *d)
{
    b->drv = d;
}

void rc_bl_callback(rc_bailian *b, const char *name, cJSON *args)
{
    if (b->drv)
        rc_driver_callback(b->drv, name, args);
    else
        cJSON_Delete(args);
}

void rc_bl_timer(rc_bailian *b, lws_sorted_usec_list_t *t, sul_cb_t cb, int64_t us)
{
    lws_sul_schedule(rc_net_context(b->net), 0, t, cb, us < 0 ? 0 : us);
}

static void rc_bl_reply_error(rc_bailian *b, int64_t *cmd, const char *why)
{
    if (*cmd && b->drv)
        rc_driver_reply_error(b->drv, *cmd, why);
    *cmd = 0;
}

static void rc_bl_reply_ok(rc_bailian *b, int64_t *cmd, cJSON *result)
{
    if (*cmd && b->drv)
        rc_driver_reply_ok(b->drv, *cmd, result);
    else
        cJSON_Delete(result);
    *cmd = 0;
}

/* ---- messages (§2) ----------------------------------------------------------------- */

/* Py's DashHeader + DashPayload; takes parameters (may be NULL) and input. */
static cJSON *rc_bl_message(const rc_bailian *b, const char *action, const char *model,
                            cJSON *parameters, cJSON *input)
{
    cJSON *m = cJSON_CreateObject();
    cJSON *h = cJSON_AddObjectToObject(m, "header");
    cJSON_AddStringToObject(h, "action", action);
    cJSON_AddStringToObject(h, "task_id", b->task_id);
    cJSON_AddStringToObject(h, "request_id", b->task_id);
    cJSON_AddStringToObject(h, "streaming", "duplex");
    cJSON *p = cJSON_AddObjectToObject(m, "payload");
    cJSON_AddStringToObject(p, "task_group", "aigc");
    cJSON_AddStringToObject(p, "function", "generation");
    if (model)
        cJSON_AddStringToObject(p, "model", model);
    else
        cJSON_AddNullToObject(p, "model");
    cJSON_AddStringToObject(p, "task", "multimodal-generation");
    if (parameters)
        cJSON_AddItemToObject(p, "parameters", parameters);
    cJSON_AddItemToObject(p, "input", input);
    return m;
}

static void rc_bl_add_string_or_null(cJSON *o, const char *key, const char *s)
{
    if (s)
        cJSON_AddStringToObject(o, key, s);
    else
        cJSON_AddNullToObject(o, key);
}

/* Py's RequestBodyInput. */
static cJSON *rc_bl_input(const rc_bailian *b, const char *directive, const char *workspace,
                          const char *app)
{
    cJSON *in = cJSON_CreateObject();
    rc_bl_add_string_or_null(in, "workspace_id", workspace);
    rc_bl_add_string_or_null(in, "app_id", app);
    cJSON_AddStringToObject(in, "directive", directive);
    cJSON_AddStringToObject(in, "dialog_id", b->dialog_arg);
    return in;
}

static const char *rc_bl_send_msg(rc_bailian *b, cJSON *m)
{
    char *txt = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    if (!txt)
        return "out of memory";
    int rc = b->ws ? rc_ws_send(b->ws, txt, strlen(txt)) : -1;
    free(txt);
    return rc < 0 ? (b->ws ? "send queue full" : "not connected") : NULL;
}

const char *rc_bl_can_send(const rc_bailian *b)
{
    if (!b->ws || !b->connected || !b->task_open)
        return "not started";
    if (b->stopping)
        return "the dialog is stopping";
    return NULL;
}

const char *rc_bl_send_directive(rc_bailian *b, const char *directive)
{
    const char *why = rc_bl_can_send(b);
    if (why)
        return why;
    return rc_bl_send_msg(
        b, rc_bl_message(b, "continue-task", NULL, NULL, rc_bl_input(b, directive, NULL, NULL)));
}

const char *rc_bl_send_respond(rc_bailian *b, const char *directive, const char *type,
                               const char *text, cJSON *parameters)
{
    const char *why = rc_bl_can_send(b);
    if (why) {
        cJSON_Delete(parameters);
        return why;
    }
    cJSON *in = cJSON_CreateObject(); /* Py's RequestToRespondBodyInput */
    cJSON_AddNullToObject(in, "app_id");
    cJSON_AddStringToObject(in, "directive", directive);
    cJSON_AddStringToObject(in, "dialog_id", b->dialog_arg);
    rc_bl_add_string_or_null(in, "type", type);
    cJSON_AddStringToObject(in, "text", text);
    return rc_bl_send_msg(b, rc_bl_message(b, "continue-task", NULL, parameters, in));
}

const char *rc_bl_send_audio(rc_bailian *b, const unsigned char *pcm, size_t len)
{
    if (!b->ws || !b->connected)
        return "not connected";
    return rc_ws_send_binary(b->ws, pcm, len) < 0 ? "send queue full" : NULL;
}

const char *rc_bl_send_video_action(rc_bailian *b, const char *action)
{
    cJSON *params = cJSON_CreateObject();
    cJSON *videos = cJSON_AddArrayToObject(cJSON_AddObjectToObject(params, "biz_params"), "videos");
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "action", action);
    cJSON_AddStringToObject(v, "type", "voicechat_video_channel");
    cJSON_AddItemToArray(videos, v);
    return rc_bl_send_respond(b, "RequestToRespond", "prompt", "", params);
}

/* run-task Start with the RequestParameters a Py app builds (§2.2). */
static const char *rc_bl_send_start(rc_bailian *b)
{
    cJSON *params = cJSON_CreateObject();
    cJSON *up = cJSON_AddObjectToObject(params, "upstream");
    cJSON_AddStringToObject(up, "type", b->type);
    cJSON_AddStringToObject(up, "mode", b->mode);
    cJSON_AddStringToObject(up, "audio_format", "pcm");
    cJSON_AddNumberToObject(up, "sample_rate", b->up_rate);
    cJSON_AddNullToObject(up, "vocabulary_id");
    cJSON *down = cJSON_AddObjectToObject(params, "downstream");
    cJSON_AddStringToObject(down, "intermediate_text", b->intermediate);
    cJSON_AddFalseToObject(down, "debug");
    cJSON_AddStringToObject(down, "audio_format", "pcm");
    cJSON_AddNumberToObject(down, "volume", 50);
    cJSON_AddNumberToObject(down, "pitch_rate", 100);
    cJSON_AddNumberToObject(down, "speech_rate", 100);
    cJSON_AddStringToObject(down, "voice", RC_BL_VOICE);
    cJSON_AddNumberToObject(down, "sample_rate", b->down_rate);
    cJSON *ci = cJSON_AddObjectToObject(params, "client_info");
    cJSON_AddStringToObject(ci, "user_id", RC_BL_USER);
    cJSON_AddStringToObject(ci, "sdk", "python");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(ci, "device"), "uuid", RC_BL_DEVICE);
    cJSON *in = rc_bl_input(b, "Start", RC_BL_WORKSPACE, RC_BL_APP_ID);
    return rc_bl_send_msg(b, rc_bl_message(b, "run-task", RC_BL_MODEL, params, in));
}

/* ---- timers ------------------------------------------------------------------------ */

static void rc_bl_heartbeat_cb(lws_sorted_usec_list_t *sul)
{
    rc_bailian *b = lws_container_of(sul, rc_bailian, hb_timer);
    if (!b->task_open || b->stopping || !b->heartbeat_us)
        return;
    if (!rc_bug_on(RC_BUG_NO_HEARTBEAT)) {
        const char *why = rc_bl_send_directive(b, "HeartBeat");
        if (why)
            rc_log("bailian: keep-alive HeartBeat not sent: %s", why);
    }
    rc_bl_timer(b, &b->hb_timer, rc_bl_heartbeat_cb, b->heartbeat_us);
}

static void rc_bl_start_timeout_cb(lws_sorted_usec_list_t *sul)
{
    rc_bailian *b = lws_container_of(sul, rc_bailian, start_timer);
    rc_bl_reply_error(b, &b->start_cmd, "no DialogStateChanged Listening within 8 s");
}

static void rc_bl_close(rc_bailian *b, int code, const char *reason);

static void rc_bl_stop_timeout_cb(lws_sorted_usec_list_t *sul)
{
    rc_bailian *b = lws_container_of(sul, rc_bailian, stop_timer);
    if (b->ws) {
        rc_log("bailian: no task-finished after Stop: closing");
        rc_bl_close(b, 1000, "no task-finished");
    }
}

static void rc_bl_close_cb(lws_sorted_usec_list_t *sul)
{
    rc_bailian *b = lws_container_of(sul, rc_bailian, close_timer);
    if (b->ws)
        rc_bl_close(b, 1000, "dialog over");
}

static void rc_bl_local_end(rc_bailian *b)
{
    lws_sul_cancel(&b->play_timer);
    b->local_end_pending = 0;
    const char *why = rc_bl_send_directive(b, "LocalRespondingEnded");
    if (why)
        rc_debug("bailian: LocalRespondingEnded not sent: %s", why);
}

static void rc_bl_play_cb(lws_sorted_usec_list_t *sul)
{
    rc_bailian *b = lws_container_of(sul, rc_bailian, play_timer);
    if (b->local_end_pending)
        rc_bl_local_end(b);
}

/* ---- the end of a task and of the connection ----------------------------------------- */

/* The task is over on the wire (task-finished, task-failed, a fatal error): nothing more
 * goes out; the server closes the connection, or we do after grace_us. */
static void rc_bl_task_over(rc_bailian *b, const char *why, int64_t grace_us)
{
    b->task_open = 0;
    lws_sul_cancel(&b->hb_timer);
    lws_sul_cancel(&b->play_timer);
    b->local_end_pending = 0;
    rc_bl_audio_end(b, why);
    rc_bl_video_stop(b);
    lws_sul_cancel(&b->start_timer);
    rc_bl_reply_error(b, &b->start_cmd, why);
    if (b->ws)
        rc_bl_timer(b, &b->close_timer, rc_bl_close_cb, grace_us);
}

/* The connection is gone (closed by either side, lost, or never opened): on_close, pending
 * commands answered, everything of this dialog forgotten. */
static void rc_bl_ended(rc_bailian *b, int code, const char *reason)
{
    char why[200];
    snprintf(why, sizeof why, "the connection closed (%d, %s)", code, reason);
    b->ws = NULL;
    b->connected = b->task_open = b->stopping = b->listening_seen = 0;
    lws_sul_cancel(&b->start_timer);
    lws_sul_cancel(&b->stop_timer);
    lws_sul_cancel(&b->close_timer);
    lws_sul_cancel(&b->hb_timer);
    lws_sul_cancel(&b->play_timer);
    b->local_end_pending = 0;
    b->round_bytes = b->play_bytes = 0;
    b->play_t0_us = 0;
    rc_bl_audio_end(b, why);
    rc_bl_video_stop(b);
    b->video_on = b->video_requested = 0; /* a new dialog asks again */
    b->video_interval_us = RC_BL_FRAME_US;
    b->video_bytes = 0;
    b->state[0] = '\0';
    rc_log("bailian: %s", why);
    cJSON *a = cJSON_CreateObject();
    cJSON_AddNumberToObject(a, "code", code);
    cJSON_AddStringToObject(a, "reason", reason);
    rc_bl_callback(b, "on_close", a);
    rc_bl_reply_error(b, &b->start_cmd, why);
    rc_bl_reply_ok(b, &b->stop_cmd, NULL); /* what stop wanted happened */
}

/* We close (Py's close(): a close frame, 1000). */
static void rc_bl_close(rc_bailian *b, int code, const char *reason)
{
    rc_ws_close(b->ws, code, reason);
    rc_bl_ended(b, code, reason);
}

static void rc_bl_on_close(void *user, int code, const char *why)
{
    rc_bailian *b = user;
    if (code == 0) {
        char msg[200];
        snprintf(msg, sizeof msg, "cannot connect: %s", why);
        rc_bl_ended(b, 1006, msg);
    } else {
        rc_bl_ended(b, code, why);
    }
}

/* ---- start and stop ---------------------------------------------------------------- */

static void rc_bl_copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src);
}

int rc_bl_start(rc_bailian *b, int64_t cmd, const rc_bl_start_args *a, char *err, size_t errlen)
{
    if (!b->url) {
        snprintf(err, errlen, "no URL (PARLEY_URL or --url)");
        return -1;
    }
    if (b->start_cmd) {
        snprintf(err, errlen, "already starting");
        return -1;
    }
    if (b->ws && b->task_open) {
        snprintf(err, errlen, "already started (stop first)");
        return -1;
    }
    if (b->ws) /* the last dialog's connection is still closing: cut it short */
        rc_bl_close(b, 1000, "a new dialog");
    rc_bl_copy(b->mode, sizeof b->mode, a->mode);
    rc_bl_copy(b->type, sizeof b->type, a->type);
    rc_bl_copy(b->intermediate, sizeof b->intermediate, a->intermediate);
    rc_bl_copy(b->dialog_arg, sizeof b->dialog_arg, a->dialog_id);
    b->dialog_id[0] = '\0';
    b->up_rate = a->up_rate;
    b->down_rate = a->down_rate;
    b->liveai = a->liveai;
    b->heartbeat_us = a->heartbeat_ms * 1000;
    if (b->liveai)
        b->video_requested = 1;
    rc_bl_task_id(b->task_id);
    rc_ws_extra x = {b->authorization, rc_bl_on_binary};
    b->ws = rc_ws_open_ex(b->net, b->url, "bailian", &rc_bl_ws_ops, &x, b, err, errlen);
    if (!b->ws)
        return -1;
    rc_log("bailian: connecting to %s (task %s, %s, %s)", b->url, b->task_id, b->mode, b->type);
    b->start_cmd = cmd;
    rc_bl_timer(b, &b->start_timer, rc_bl_start_timeout_cb, RC_BL_START_TIMEOUT_US);
    return 0;
}

/* Py start(): Start goes out as soon as the socket is open (§7.9). */
static void rc_bl_on_open(void *user)
{
    rc_bailian *b = user;
    b->connected = 1;
    const char *why = rc_bl_send_start(b);
    if (why) {
        rc_log("bailian: Start not sent: %s", why);
        rc_bl_close(b, 1000, "cannot send Start");
        return;
    }
    b->task_open = 1;
    rc_log("bailian: connected, Start sent");
    if (rc_bug_on(RC_BUG_AUDIO_BEFORE_LISTENING))
        rc_bl_audio_one_chunk(b);
    if (b->heartbeat_us)
        rc_bl_timer(b, &b->hb_timer, rc_bl_heartbeat_cb, b->heartbeat_us);
    if (b->video_requested && rc_bl_video_gate(b))
        rc_bl_video_start(b);
}

int rc_bl_stop(rc_bailian *b, int64_t cmd, char *err, size_t errlen)
{
    if (b->stopping || b->stop_cmd) {
        snprintf(err, errlen, "already stopping");
        return -1;
    }
    const char *why = rc_bl_can_send(b);
    if (!why) /* Py generate_stop_request: finish-task, the common input */
        why = rc_bl_send_msg(
            b, rc_bl_message(b, "finish-task", NULL, NULL, rc_bl_input(b, "Stop", NULL, NULL)));
    if (why) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    b->stopping = 1;
    b->stop_cmd = cmd;
    lws_sul_cancel(&b->hb_timer);
    rc_bl_audio_end(b, "the dialog is stopping");
    rc_bl_video_stop(b);
    rc_bl_timer(b, &b->stop_timer, rc_bl_stop_timeout_cb, RC_BL_STOP_TIMEOUT_US);
    return 0;
}

/* ---- server events (§3) ------------------------------------------------------------ */

static const char *rc_bl_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* A code as it came: a number stays a number, a string a string, anything else 0. */
static void rc_bl_add_code(cJSON *o, const cJSON *v)
{
    if (cJSON_IsNumber(v))
        cJSON_AddNumberToObject(o, "code", v->valuedouble);
    else if (cJSON_IsString(v))
        cJSON_AddStringToObject(o, "code", v->valuestring);
    else
        cJSON_AddNumberToObject(o, "code", 0);
}

static void rc_bl_error(rc_bailian *b, const cJSON *code, const char *name, const char *message,
                        int fatal)
{
    cJSON *a = cJSON_CreateObject();
    rc_bl_add_code(a, code);
    cJSON_AddStringToObject(a, "name", name);
    cJSON_AddStringToObject(a, "message", message);
    cJSON_AddBoolToObject(a, "fatal", fatal);
    rc_bl_callback(b, "on_error", a);
}

static void rc_bl_video_mode(rc_bailian *b, int on)
{
    if (b->video_on == on)
        return;
    b->video_on = on;
    rc_log("bailian: video mode %s", on ? "on" : "off");
    cJSON *a = cJSON_CreateObject();
    cJSON_AddBoolToObject(a, "on", on);
    rc_bl_callback(b, "on_video_mode", a);
    if (on && b->video_requested && rc_bl_video_gate(b))
        rc_bl_video_start(b);
    else if (!on)
        rc_bl_video_stop(b);
}

/* extra_info.commands: a JSON string of [{name, params}] (§3.2); an array is taken too. */
static cJSON *rc_bl_commands(const cJSON *out)
{
    const cJSON *extra = cJSON_GetObjectItemCaseSensitive(out, "extra_info");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(extra, "commands");
    cJSON *arr = NULL;
    if (cJSON_IsString(c))
        arr = cJSON_Parse(c->valuestring);
    else if (cJSON_IsArray(c))
        arr = cJSON_Duplicate(c, 1);
    if (c && !cJSON_IsArray(arr)) {
        rc_log("bailian: extra_info.commands is not a JSON array: ignored");
        cJSON_Delete(arr);
        return NULL;
    }
    return arr;
}

static void rc_bl_responding_content(rc_bailian *b, const cJSON *out)
{
    cJSON *cmds = rc_bl_commands(out);
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "text", rc_bl_str(out, "text"));
    cJSON_AddBoolToObject(a, "finished",
                          cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(out, "finished")));
    if (cmds)
        cJSON_AddItemToObject(a, "commands", cJSON_Duplicate(cmds, 1));
    rc_bl_callback(b, "on_responding_content", a);
    const cJSON *cmd;
    cJSON_ArrayForEach(cmd, cmds)
    {
        const char *name = rc_bl_str(cmd, "name");
        if (strcmp(name, "switch_video_call_success") == 0)
            rc_bl_video_mode(b, 1);
        else if (strcmp(name, "exit_video_call_success") == 0)
            rc_bl_video_mode(b, 0);
    }
    cJSON_Delete(cmds);
}

static void rc_bl_state(rc_bailian *b, const char *state)
{
    rc_bl_copy(b->state, sizeof b->state, state);
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "state", state);
    rc_bl_callback(b, "on_state_changed", a);
    if (strcmp(state, "Listening") != 0 || b->listening_seen)
        return;
    b->listening_seen = 1; /* audio may flow now (§2.4) */
    lws_sul_cancel(&b->start_timer);
    rc_log("bailian: Listening: the dialog is ready");
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "dialog_id", b->dialog_id);
    rc_bl_reply_ok(b, &b->start_cmd, r);
    if (b->liveai) { /* the demos connect video right after the first Listening (§5) */
        const char *why = rc_bl_send_video_action(b, "connect");
        if (why)
            rc_log("bailian: LiveAI connect not sent: %s", why);
    }
    rc_bl_audio_kick(b);
}

/* RespondingEnded: the TTS audio is all here; LocalRespondingEnded once it has "played". */
static void rc_bl_responding_ended(rc_bailian *b)
{
    cJSON *a = cJSON_CreateObject();
    cJSON_AddNumberToObject(a, "bytes", (double)b->round_bytes);
    rc_bl_callback(b, "on_speech_audio_data", a);
    rc_bl_callback(b, "on_responding_ended", NULL);
    if (b->local_end_pending) /* the last round's playback is cut short */
        rc_bl_local_end(b);
    int rate = b->down_rate > 0 ? b->down_rate : 24000;
    int64_t dur = (int64_t)((double)b->play_bytes * 1e6 / (2.0 * rate));
    if (dur > RC_BL_PLAY_CAP_US)
        dur = RC_BL_PLAY_CAP_US;
    int64_t left = dur - (b->play_t0_us ? rc_now_us() - b->play_t0_us : 0);
    b->round_bytes = b->play_bytes = 0;
    b->play_t0_us = 0;
    b->local_end_pending = 1;
    rc_bl_timer(b, &b->play_timer, rc_bl_play_cb, left > 0 ? left : 0);
}

static void rc_bl_simple(rc_bailian *b, const char *callback)
{
    rc_bl_callback(b, callback, NULL);
}

static void rc_bl_event(rc_bailian *b, const cJSON *out)
{
    const char *ev = rc_bl_str(out, "event");
    if (strcmp(ev, "Started") == 0) {
        rc_bl_copy(b->dialog_id, sizeof b->dialog_id, rc_bl_str(out, "dialog_id"));
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "dialog_id", b->dialog_id);
        rc_bl_callback(b, "on_started", a);
    } else if (strcmp(ev, "Stopped") == 0) {
        rc_bl_simple(b, "on_stopped");
        if (b->stopping) /* Py closes here; we give task-finished a moment */
            rc_bl_timer(b, &b->stop_timer, rc_bl_stop_timeout_cb, RC_BL_FINISH_GRACE_US);
    } else if (strcmp(ev, "DialogStateChanged") == 0) {
        rc_bl_state(b, rc_bl_str(out, "state"));
    } else if (strcmp(ev, "SpeechStarted") == 0) {
        rc_bl_simple(b, "on_speech_started");
    } else if (strcmp(ev, "SpeechEnded") == 0) {
        rc_bl_simple(b, "on_speech_ended");
    } else if (strcmp(ev, "SpeechContent") == 0) {
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "text", rc_bl_str(out, "text"));
        cJSON_AddBoolToObject(a, "finished",
                              cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(out, "finished")));
        rc_bl_callback(b, "on_speech_content", a);
    } else if (strcmp(ev, "RequestAccepted") == 0) {
        rc_bl_simple(b, "on_request_accepted");
        b->play_bytes = 0; /* the player is flushed (§4.5) */
        if (b->local_end_pending)
            rc_bl_local_end(b);
    } else if (strcmp(ev, "RespondingStarted") == 0) {
        rc_bl_simple(b, "on_responding_started");
        b->play_t0_us = rc_now_us();
        const char *why = rc_bl_send_directive(b, "LocalRespondingStarted");
        if (why)
            rc_debug("bailian: LocalRespondingStarted not sent: %s", why);
    } else if (strcmp(ev, "RespondingContent") == 0) {
        rc_bl_responding_content(b, out);
    } else if (strcmp(ev, "RespondingEnded") == 0) {
        rc_bl_responding_ended(b);
    } else if (strcmp(ev, "HeartBeat") == 0) {
        rc_debug("bailian: HeartBeat echo");
    } else if (strcmp(ev, "Error") == 0) { /* a round error: the dialog goes on (§3.4) */
        rc_bl_error(b, cJSON_GetObjectItemCaseSensitive(out, "error_code"),
                    rc_bl_str(out, "error_name"), rc_bl_str(out, "error_message"), 0);
    } else {
        rc_log("bailian: unknown event '%.60s': ignored", ev);
    }
}

static void rc_bl_on_text(void *user, const char *data, size_t len)
{
    rc_bailian *b = user;
    rc_debug("bailian < %.*s", (int)(len > 2000 ? 2000 : len), data);
    cJSON *m = cJSON_ParseWithLength(data, len);
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(m, "header");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "payload");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(h, "status_code");
    const char *ev = rc_bl_str(h, "event");
    const cJSON *out = cJSON_GetObjectItemCaseSensitive(p, "output");
    char why[300];
    if (!cJSON_IsObject(h)) {
        rc_log("bailian: ignored a text frame without a header object");
    } else if (cJSON_IsNumber(status) && status->valuedouble != 200) {
        /* a fatal dialog error; the server closes (§3.4 tier 2; Py on_error) */
        rc_bl_error(b, status, rc_bl_str(h, "status_name"), rc_bl_str(h, "status_message"), 1);
        snprintf(why, sizeof why, "fatal error %d %s", status->valueint,
                 rc_bl_str(h, "status_name"));
        rc_bl_task_over(b, why, RC_BL_FAILED_GRACE_US);
    } else if (strcmp(ev, "task-failed") == 0) { /* §3.4 tier 1 */
        rc_bl_error(b, cJSON_GetObjectItemCaseSensitive(h, "error_code"),
                    rc_bl_str(h, "error_code"), rc_bl_str(h, "error_message"), 1);
        snprintf(why, sizeof why, "task-failed %s: %s", rc_bl_str(h, "error_code"),
                 rc_bl_str(h, "error_message"));
        rc_bl_task_over(b, why, RC_BL_FAILED_GRACE_US);
    } else if (strcmp(ev, "task-finished") == 0) {
        rc_log("bailian: task-finished");
        lws_sul_cancel(&b->stop_timer);
        /* `stop` is answered at the close that follows (rc_bl_ended) */
        rc_bl_task_over(b, "the task finished", RC_BL_CLOSE_GRACE_US);
    } else if (cJSON_IsObject(out)) { /* result-generated (or task-started carrying one) */
        rc_bl_event(b, out);
    } else if (strcmp(ev, "task-started") == 0) {
        rc_debug("bailian: task-started");
    } else {
        rc_log("bailian: ignored a '%.40s' frame without payload.output", ev);
    }
    cJSON_Delete(m);
}

/* Downstream TTS audio (§3.3): counted for on_speech_audio_data, queued for "playback". */
static void rc_bl_on_binary(void *user, const unsigned char *data, size_t len)
{
    rc_bailian *b = user;
    (void)data;
    b->round_bytes += len;
    b->play_bytes += len;
}

void rc_bailian_free(rc_bailian *b)
{
    if (!b)
        return;
    if (b->ws) {
        rc_ws_close(b->ws, 1001, "client going away");
        b->ws = NULL;
    }
    lws_sul_cancel(&b->start_timer);
    lws_sul_cancel(&b->stop_timer);
    lws_sul_cancel(&b->close_timer);
    lws_sul_cancel(&b->hb_timer);
    lws_sul_cancel(&b->play_timer);
    rc_bl_audio_end(b, "client stopping");
    rc_bl_video_stop(b);
    rc_bl_reply_error(b, &b->start_cmd, "client stopping");
    rc_bl_reply_error(b, &b->stop_cmd, "client stopping");
    free(b->b64);
    free(b->authorization);
    free(b);
}
