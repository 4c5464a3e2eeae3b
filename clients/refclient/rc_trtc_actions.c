/* rc_trtc_actions.c — drive commands → the trtc model (docs/dev/trtc-spec.md, "Reference
 * client"; docs/refclient.md, "trtc").
 *
 * Two kinds of action, as a TRTC app has two halves:
 *   the room (TRTC SDK)   enterRoom, exitRoom, sendText (20000), interrupt (20001),
 *                         sendCustomCmd (sendCustomCmdMsg, raw)
 *   the backend           startAIConversation, stopAIConversation, describeAIConversation,
 *                         controlAIConversation, updateAIConversation: TC3-signed cloud API
 *                         calls, answered when parley's answer arrives (ok:false with
 *                         Response.Error.Code when it is an error)
 * plus getState (inspection). enterRoom is answered at `joined`; the room's sends when queued
 * ("sent", not "took effect"). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "rc_args.h"
#include "rc_trtc_int.h"

typedef enum { RC_TR_OK, RC_TR_FAIL, RC_TR_LATER } rc_tr_status;

typedef struct {
    rc_trtc *t;
    int64_t id;
    rc_args a; /* args, bad, error */
    cJSON *result;
} rc_tr_cmd;

static rc_tr_status fail(rc_tr_cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static rc_tr_status fail(rc_tr_cmd *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rc_args_vfail(&c->a, fmt, ap);
    va_end(ap);
    return RC_TR_FAIL;
}

static rc_tr_status sent(rc_tr_cmd *c, const char *why)
{
    return why ? fail(c, "%s", why) : RC_TR_OK;
}

/* args.name if given, else one of the listed strings as default; checked against the list. */
static const char *arg_choice(rc_tr_cmd *c, const char *name, const char *const *choices)
{
    const char *v = rc_arg_str(&c->a, name, choices[0]);
    for (const char *const *p = choices; *p; p++)
        if (strcmp(v, *p) == 0)
            return *p;
    if (!c->a.bad)
        fail(c, "args.%s: want one of %s%s%s", name, choices[0], choices[1] ? ", " : "",
             choices[1] ? choices[1] : "");
    c->a.bad = 1;
    return choices[0];
}

/* The TaskId: args.task_id, or the task of the last Start. NULL (and a failure) when none. */
static const char *arg_task(rc_tr_cmd *c)
{
    const char *id = rc_arg_str(&c->a, "task_id", c->t->current);
    if (!c->a.bad && !id[0]) {
        fail(c, "no task: startAIConversation first, or give task_id");
        c->a.bad = 1;
    }
    return c->a.bad ? NULL : id;
}

/* ---- the room (TRTC SDK) ----------------------------------------------------------------- */

static rc_tr_status act_enter_room(rc_tr_cmd *c)
{
    const char *why = rc_trtc_enter(c->t, c->id);
    return why ? fail(c, "%s", why) : RC_TR_LATER;
}

static rc_tr_status act_exit_room(rc_tr_cmd *c)
{
    return sent(c, rc_trtc_exit(c->t));
}

static rc_tr_status act_send_text(rc_tr_cmd *c)
{
    const char *text = rc_arg_str(&c->a, "text", NULL);
    if (c->a.bad)
        return RC_TR_FAIL;
    if (!text)
        return fail(c, "args.text: want a string");
    return sent(c, rc_trtc_send_text(c->t, text));
}

static rc_tr_status act_interrupt(rc_tr_cmd *c)
{
    return sent(c, rc_trtc_send_interrupt(c->t));
}

/* sendCustomCmdMsg(cmdID, data, reliable, ordered): data byte for byte, no envelope. */
static rc_tr_status act_send_custom_cmd(rc_tr_cmd *c)
{
    int64_t cmd = rc_arg_int(&c->a, "cmd_id", 2, 0, 1000000);
    const char *data = rc_arg_str(&c->a, "data", NULL);
    int reliable = rc_arg_bool(&c->a, "reliable", 1);
    int ordered = rc_arg_bool(&c->a, "ordered", reliable);
    if (c->a.bad)
        return RC_TR_FAIL;
    if (!data)
        return fail(c, "args.data: want a string");
    return sent(c, rc_trtc_send_cmd(c->t, (int)cmd, reliable, ordered, data, strlen(data)));
}

/* ---- the backend (cloud API) -------------------------------------------------------------- */

static rc_tr_status act_start(rc_tr_cmd *c)
{
    static const char *const llms[] = {"ref", "none", NULL};
    static const char *const ttss[] = {"flow", "custom", NULL};
    rc_trtc_start_args a;
    memset(&a, 0, sizeof a);
    const char *welcome = rc_arg_str(&c->a, "welcome", "");
    a.interrupt_mode = (int)rc_arg_int(&c->a, "interrupt_mode", 0, 0, 100);
    a.turn_detection_mode = (int)rc_arg_int(&c->a, "turn_detection_mode", 0, 0, 100);
    a.max_idle = (int)rc_arg_int(&c->a, "max_idle", 60, 0, 86400);
    const char *llm = arg_choice(c, "llm", llms);
    a.streaming = rc_arg_bool(&c->a, "streaming", 1);
    const char *tts = arg_choice(c, "tts", ttss);
    const char *session = rc_arg_str(&c->a, "session_id", "");
    const char *bot = rc_arg_str(&c->a, "bot_user_id", NULL);
    a.sdk_app_id = rc_arg_int(&c->a, "sdk_app_id", RC_TRTC_SDK_APP_ID, 1, 4294967295LL);
    if (c->a.bad)
        return RC_TR_FAIL;
    if (strlen(welcome) >= sizeof a.welcome)
        return fail(c, "args.welcome: at most %zu bytes", sizeof a.welcome - 1);
    if (strlen(session) >= sizeof a.session_id - 8)
        return fail(c, "args.session_id: at most %zu bytes", sizeof a.session_id - 9);
    if (bot && (!bot[0] || strlen(bot) >= sizeof a.bot))
        return fail(c, "args.bot_user_id: 1-%zu bytes", sizeof a.bot - 1);
    snprintf(a.welcome, sizeof a.welcome, "%s", welcome);
    snprintf(a.llm, sizeof a.llm, "%s", llm);
    snprintf(a.tts, sizeof a.tts, "%s", tts);
    snprintf(a.session_id, sizeof a.session_id, "%s", session);
    if (bot)
        snprintf(a.bot, sizeof a.bot, "%s", bot);
    else
        snprintf(a.bot, sizeof a.bot, "bot_%.240s", c->t->room);
    return rc_trtc_api_start(c->t, c->id, &a, c->a.error, sizeof c->a.error) ? RC_TR_FAIL
                                                                             : RC_TR_LATER;
}

static rc_tr_status call(rc_tr_cmd *c, const char *action, cJSON *body, rc_trtc_result_fn fn)
{
    return rc_trtc_api_call(c->t, c->id, action, body, fn, c->a.error, sizeof c->a.error)
               ? RC_TR_FAIL
               : RC_TR_LATER;
}

static cJSON *result_request_id(const cJSON *resp)
{
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(resp, "RequestId");
    cJSON *r = cJSON_CreateObject();
    if (cJSON_IsString(rid))
        cJSON_AddStringToObject(r, "request_id", rid->valuestring);
    return r;
}

/* Describe: {status, task_id, session_id, start_time} as far as the answer has them (§1.8). */
static cJSON *result_describe(const cJSON *resp)
{
    static const struct {
        const char *from, *to;
    } map[] = {{"Status", "status"},
               {"TaskId", "task_id"},
               {"SessionId", "session_id"},
               {"StartTime", "start_time"},
               {"RequestId", "request_id"}};
    cJSON *r = cJSON_CreateObject();
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(resp, map[i].from);
        if (cJSON_IsString(v))
            cJSON_AddStringToObject(r, map[i].to, v->valuestring);
    }
    return r;
}

static rc_tr_status act_stop(rc_tr_cmd *c)
{
    const char *task = arg_task(c);
    if (!task)
        return RC_TR_FAIL;
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "TaskId", task);
    return call(c, "StopAIConversation", b, result_request_id);
}

/* By TaskId (args.task_id or the last task), or by SdkAppId + SessionId with args.session_id. */
static rc_tr_status act_describe(rc_tr_cmd *c)
{
    const char *session = rc_arg_str(&c->a, "session_id", NULL);
    const char *task = session ? rc_arg_str(&c->a, "task_id", NULL) : arg_task(c);
    if (c->a.bad)
        return RC_TR_FAIL;
    cJSON *b = cJSON_CreateObject();
    if (session) {
        cJSON_AddNumberToObject(b, "SdkAppId", (double)c->t->sdk_app_id);
        cJSON_AddStringToObject(b, "SessionId", session);
    }
    if (task)
        cJSON_AddStringToObject(b, "TaskId", task);
    return call(c, "DescribeAIConversation", b, result_describe);
}

static rc_tr_status act_control(rc_tr_cmd *c)
{
    static const char *const commands[] = {"ServerPushText", "InvokeLLM", NULL};
    const char *task = arg_task(c);
    const char *command = arg_choice(c, "command", commands);
    const char *text = rc_arg_str(&c->a, "text", "");
    int interrupt = rc_arg_bool(&c->a, "interrupt", 0);
    int stop_after = rc_arg_bool(&c->a, "stop_after_play", 0);
    if (c->a.bad)
        return RC_TR_FAIL;
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "TaskId", task);
    cJSON_AddStringToObject(b, "Command", command);
    if (strcmp(command, "ServerPushText") == 0) {
        cJSON *p = cJSON_AddObjectToObject(b, "ServerPushText");
        cJSON_AddStringToObject(p, "Text", text);
        cJSON_AddBoolToObject(p, "Interrupt", interrupt);
        cJSON_AddBoolToObject(p, "StopAfterPlay", stop_after);
    } else {
        cJSON *p = cJSON_AddObjectToObject(b, "InvokeLLM");
        cJSON_AddStringToObject(p, "Content", text);
        cJSON_AddBoolToObject(p, "Interrupt", interrupt);
    }
    return call(c, "ControlAIConversation", b, result_request_id);
}

/* Only what is given is updated (§1.10). */
static rc_tr_status act_update(rc_tr_cmd *c)
{
    const char *task = arg_task(c);
    const char *welcome = rc_arg_str(&c->a, "welcome", NULL);
    int64_t mode = rc_arg_int(&c->a, "interrupt_mode", -1, 0, 100);
    if (c->a.bad)
        return RC_TR_FAIL;
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "TaskId", task);
    if (welcome)
        cJSON_AddStringToObject(b, "WelcomeMessage", welcome);
    if (mode >= 0)
        cJSON_AddNumberToObject(b, "InterruptMode", (double)mode);
    return call(c, "UpdateAIConversation", b, result_request_id);
}

static rc_tr_status act_get_state(rc_tr_cmd *c)
{
    rc_trtc *t = c->t;
    cJSON *r = c->result = cJSON_CreateObject();
    cJSON_AddBoolToObject(r, "inRoom", t->joined);
    cJSON_AddStringToObject(r, "room", t->room);
    cJSON_AddStringToObject(r, "user", t->user);
    cJSON_AddStringToObject(r, "bot", t->bot);
    cJSON_AddStringToObject(r, "taskId", t->current);
    cJSON *tasks = cJSON_AddArrayToObject(r, "tasks");
    for (rc_trtc_task *k = t->tasks; k; k = k->next)
        cJSON_AddItemToArray(tasks, cJSON_CreateString(k->task_id));
    cJSON_AddNumberToObject(r, "httpPort", t->http_port);
    return RC_TR_OK;
}

/* ---- the table ---------------------------------------------------------------------- */

typedef struct {
    const char *name;
    rc_tr_status (*fn)(rc_tr_cmd *c);
    const char *args; /* for --help */
} rc_tr_action;

static const rc_tr_action rc_tr_actions[] = {
    {"enterRoom", act_enter_room, ""},
    {"exitRoom", act_exit_room, ""},
    {"startAIConversation", act_start,
     "[welcome:string interrupt_mode:int turn_detection_mode:int llm:\"ref\"|\"none\" "
     "streaming:bool tts:\"flow\"|\"custom\" session_id:string max_idle:int bot_user_id:string "
     "sdk_app_id:int]"},
    {"stopAIConversation", act_stop, "[task_id:string]"},
    {"describeAIConversation", act_describe, "[task_id:string session_id:string]"},
    {"controlAIConversation", act_control,
     "[command:\"ServerPushText\"|\"InvokeLLM\" text:string interrupt:bool "
     "stop_after_play:bool task_id:string]"},
    {"updateAIConversation", act_update, "[welcome:string interrupt_mode:int task_id:string]"},
    {"sendText", act_send_text, "text:string"},
    {"interrupt", act_interrupt, ""},
    {"sendCustomCmd", act_send_custom_cmd, "data:string [cmd_id:int reliable:bool ordered:bool]"},
    {"getState", act_get_state, ""},
};

#define RC_TR_ACTION_COUNT ((int)(sizeof rc_tr_actions / sizeof rc_tr_actions[0]))

int rc_trtc_action_count(void)
{
    return RC_TR_ACTION_COUNT;
}

const char *rc_trtc_action_name(int i)
{
    return i >= 0 && i < RC_TR_ACTION_COUNT ? rc_tr_actions[i].name : NULL;
}

const char *rc_trtc_action_args(int i)
{
    return i >= 0 && i < RC_TR_ACTION_COUNT ? rc_tr_actions[i].args : NULL;
}

void rc_trtc_drive(rc_trtc *t, int i, int64_t id, const char *action, const cJSON *args)
{
    if (i < 0 || i >= RC_TR_ACTION_COUNT) {
        char msg[160];
        snprintf(msg, sizeof msg, "unknown action %.100s", action);
        rc_trtc_reply_error(t, id, msg);
        return;
    }
    rc_tr_cmd c = {.t = t, .id = id, .a = {.args = args}};
    rc_tr_status st = rc_tr_actions[i].fn(&c);
    if (st == RC_TR_OK) {
        rc_trtc_reply_ok(t, id, c.result);
        return;
    }
    cJSON_Delete(c.result);
    if (st == RC_TR_FAIL)
        rc_trtc_reply_error(t, id, c.a.error[0] ? c.a.error : "failed");
}
