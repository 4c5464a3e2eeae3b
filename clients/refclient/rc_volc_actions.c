/* rc_volc_actions.c — drive commands → the volc model (docs/dev/volc-spec.md, "Reference
 * client"). The names are the seed's RtcClient methods (seed 002) and the later demo's:
 *
 *   the room (RTC SDK)   joinRoom, leaveRoom, startAudioCapture, stopAudioCapture,
 *                        commandAgent (ctrl TLV), sendFunctionResult (func TLV)
 *   the backend          startAudioBot (StartVoiceChat), stopAudioBot (StopVoiceChat),
 *                        stopAudioVoice (UpdateVoiceChat interrupt), updateVoiceChat: V4-signed
 *                        OpenAPI calls, answered when parley's answer arrives (ok:false with
 *                        ResponseMetadata.Error.Code when it is an error)
 *
 * joinRoom is answered at `joined`, leaveRoom once it left (after its StopVoiceChat); the
 * room's sends when queued ("sent", not "took effect"). Every argument is optional
 * (rc_args.h) unless the table says otherwise. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "rc_args.h"
#include "rc_volc_int.h"

#define RC_VOLC_WELCOME "Hello, I am the parley reference agent."
#define RC_VOLC_SIGNATURE "parley-sig"

typedef enum { RC_VA_OK, RC_VA_FAIL, RC_VA_LATER } rc_va_status;

typedef struct {
    rc_volc *v;
    int64_t id;
    rc_args a; /* args, bad, error */
} rc_va_cmd;

static rc_va_status fail(rc_va_cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static rc_va_status fail(rc_va_cmd *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rc_args_vfail(&c->a, fmt, ap);
    va_end(ap);
    return RC_VA_FAIL;
}

static rc_va_status sent(rc_va_cmd *c, const char *why)
{
    return why ? fail(c, "%s", why) : RC_VA_OK;
}

/* An API call's outcome: its answer comes later, or it could not even start. */
static rc_va_status called(int rc)
{
    return rc ? RC_VA_FAIL : RC_VA_LATER;
}

/* args.name into out (at most outlen - 1 bytes), def when absent. */
static void arg_text(rc_va_cmd *c, const char *name, const char *def, char *out, size_t outlen)
{
    const char *s = rc_arg_str(&c->a, name, def);
    if (strlen(s) >= outlen) {
        if (!c->a.bad)
            fail(c, "args.%s: at most %zu bytes", name, outlen - 1);
        c->a.bad = 1;
    }
    snprintf(out, outlen, "%s", s);
}

/* args.version: one of the three API versions, or NULL (the current task's). */
static const char *arg_version(rc_va_cmd *c)
{
    static const char *const versions[] = {"2024-12-01", "2024-06-01", "2025-06-01"};
    const char *s = rc_arg_str(&c->a, "version", NULL);
    if (!s)
        return NULL;
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++)
        if (strcmp(s, versions[i]) == 0)
            return versions[i];
    if (!c->a.bad)
        fail(c, "args.version: want 2024-12-01, 2024-06-01 or 2025-06-01");
    c->a.bad = 1;
    return NULL;
}

/* ---- the room ---------------------------------------------------------------------------- */

static rc_va_status act_join_room(rc_va_cmd *c)
{
    const char *why = rc_volc_join(c->v, c->id);
    return why ? fail(c, "%s", why) : RC_VA_LATER;
}

static rc_va_status act_leave_room(rc_va_cmd *c)
{
    const char *why = rc_volc_leave(c->v, c->id);
    return why ? fail(c, "%s", why) : RC_VA_LATER;
}

static rc_va_status act_start_capture(rc_va_cmd *c)
{
    return sent(c, rc_volc_audio_capture(c->v, 1));
}

static rc_va_status act_stop_capture(rc_va_cmd *c)
{
    return sent(c, rc_volc_audio_capture(c->v, 0));
}

/* The later demo's "command by rts": {Command, InterruptMode, Message} as a ctrl TLV. */
static rc_va_status act_command_agent(rc_va_cmd *c)
{
    const char *command = rc_arg_str(&c->a, "command", "interrupt");
    const char *message = rc_arg_str(&c->a, "message", "");
    int mode = (int)rc_arg_int(&c->a, "interrupt_mode", 0, 0, 1000);
    if (c->a.bad)
        return RC_VA_FAIL;
    return sent(c, rc_volc_send_ctrl(c->v, command, mode, message));
}

static rc_va_status act_send_function_result(rc_va_cmd *c)
{
    const char *id = rc_arg_str(&c->a, "tool_call_id", NULL);
    const char *content = rc_arg_str(&c->a, "content", "");
    if (c->a.bad)
        return RC_VA_FAIL;
    if (!id)
        return fail(c, "args.tool_call_id: want a string");
    return sent(c, rc_volc_send_func(c->v, NULL, id, content));
}

/* ---- the backend ------------------------------------------------------------------------- */

static rc_va_status act_start_audio_bot(rc_va_cmd *c)
{
    rc_volc *v = c->v;
    rc_volc_start_args a;
    char def[RC_VOLC_ID_MAX + 16];
    memset(&a, 0, sizeof a);
    const char *version = arg_version(c);
    snprintf(a.version, sizeof a.version, "%s", version ? version : RC_VOLC_VERSION);
    snprintf(def, sizeof def, "task_%s", v->room);
    arg_text(c, "task_id", def, a.task_id, sizeof a.task_id);
    snprintf(def, sizeof def, "voiceChat_%s", v->user);
    arg_text(c, "bot_id", def, a.bot_id, sizeof a.bot_id);
    arg_text(c, "welcome", RC_VOLC_WELCOME, a.welcome, sizeof a.welcome);
    a.state_callback = rc_arg_bool(&c->a, "state_callback", 1);
    a.tools = rc_arg_bool(&c->a, "tools", 0);
    a.auto_func = rc_arg_bool(&c->a, "auto_func", 1);
    a.interrupt_mode = (int)rc_arg_int(&c->a, "interrupt_mode", 0, 0, 1000);
    a.turn_detection_mode = (int)rc_arg_int(&c->a, "turn_detection_mode", 0, 0, 1000);
    a.subtitle_mode = (int)rc_arg_int(&c->a, "subtitle_mode", -1, 0, 1000);
    arg_text(c, "server_message_url", "", a.server_message_url, sizeof a.server_message_url);
    arg_text(c, "subtitle_url", "", a.subtitle_url, sizeof a.subtitle_url);
    arg_text(c, "function_url", "", a.function_url, sizeof a.function_url);
    arg_text(c, "signature", RC_VOLC_SIGNATURE, a.signature, sizeof a.signature);
    if (c->a.bad)
        return RC_VA_FAIL;
    if (!a.task_id[0] || !a.bot_id[0])
        return fail(c, "args.task_id and args.bot_id: not empty");
    return called(rc_volc_api_start(v, c->id, &a, c->a.error, sizeof c->a.error));
}

/* As the seed: nothing to stop without a bot (unless task_id names one). */
static rc_va_status act_stop_audio_bot(rc_va_cmd *c)
{
    const char *task = rc_arg_str(&c->a, "task_id", NULL);
    const char *version = arg_version(c);
    if (c->a.bad)
        return RC_VA_FAIL;
    if (!task && !c->v->bot_enabled)
        return RC_VA_OK;
    return called(rc_volc_api_stop(c->v, c->id, task, version, RC_VOLC_AFTER_NONE, c->a.error,
                                   sizeof c->a.error));
}

/* The seed's interrupt: UpdateVoiceChat Command "interrupt"; refused without a bot. */
static rc_va_status act_stop_audio_voice(rc_va_cmd *c)
{
    if (!c->v->bot_enabled)
        return fail(c, "no audio bot is running (AI 打断失败)");
    return called(rc_volc_api_update(c->v, c->id, NULL, NULL, "interrupt", NULL, -1, c->a.error,
                                     sizeof c->a.error));
}

/* Any command; Message and InterruptMode only when given. */
static rc_va_status act_update_voice_chat(rc_va_cmd *c)
{
    const char *command = rc_arg_str(&c->a, "command", "interrupt");
    const char *message = rc_arg_str(&c->a, "message", NULL);
    int mode = (int)rc_arg_int(&c->a, "interrupt_mode", -1, 0, 1000);
    const char *task = rc_arg_str(&c->a, "task_id", NULL);
    const char *version = arg_version(c);
    if (c->a.bad)
        return RC_VA_FAIL;
    return called(rc_volc_api_update(c->v, c->id, task, version, command, message, mode, c->a.error,
                                     sizeof c->a.error));
}

/* ---- the table ---------------------------------------------------------------------- */

typedef struct {
    const char *name;
    rc_va_status (*fn)(rc_va_cmd *c);
    const char *args; /* for --help */
} rc_va_action;

static const rc_va_action rc_va_actions[] = {
    {"joinRoom", act_join_room, ""},
    {"leaveRoom", act_leave_room, ""},
    {"startAudioCapture", act_start_capture, ""},
    {"stopAudioCapture", act_stop_capture, ""},
    {"startAudioBot", act_start_audio_bot,
     "[version:\"2024-12-01\"|\"2024-06-01\"|\"2025-06-01\" task_id bot_id welcome "
     "state_callback:bool tools:bool auto_func:bool interrupt_mode:int turn_detection_mode:int "
     "subtitle_mode:int server_message_url subtitle_url function_url signature]"},
    {"stopAudioBot", act_stop_audio_bot, "[task_id version]"},
    {"stopAudioVoice", act_stop_audio_voice, ""},
    {"updateVoiceChat", act_update_voice_chat,
     "[command message interrupt_mode:int task_id version]"},
    {"commandAgent", act_command_agent, "[command message interrupt_mode:int]"},
    {"sendFunctionResult", act_send_function_result, "tool_call_id [content]"},
};

#define RC_VA_ACTION_COUNT ((int)(sizeof rc_va_actions / sizeof rc_va_actions[0]))

int rc_volc_action_count(void)
{
    return RC_VA_ACTION_COUNT;
}

int rc_volc_action_find(const char *name)
{
    for (int i = 0; i < RC_VA_ACTION_COUNT; i++)
        if (strcmp(rc_va_actions[i].name, name) == 0)
            return i;
    return -1;
}

cJSON *rc_volc_actions_hello(uint64_t leave_out)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < RC_VA_ACTION_COUNT; i++)
        if (!((leave_out >> i) & 1u))
            cJSON_AddItemToArray(arr, cJSON_CreateString(rc_va_actions[i].name));
    return arr;
}

void rc_volc_actions_list(FILE *f)
{
    fprintf(f, " volc (Volcengine RTC room over the room bridge + the business backend; only "
               "these\n with a /volc/ PARLEY_URL):\n");
    for (int i = 0; i < RC_VA_ACTION_COUNT; i++) {
        if (rc_va_actions[i].args[0])
            fprintf(f, "  %-26s %s\n", rc_va_actions[i].name, rc_va_actions[i].args);
        else
            fprintf(f, "  %s\n", rc_va_actions[i].name);
    }
}

void rc_volc_on_drive(void *user, int64_t id, const char *action, const cJSON *args)
{
    rc_volc *v = user;
    int i = rc_volc_action_find(action);
    if (i < 0 || ((rc_cfg.no_actions >> i) & 1u)) {
        char msg[160];
        snprintf(msg, sizeof msg, "unknown action %.100s", action);
        rc_volc_reply_error(v, id, msg);
        return;
    }
    rc_va_cmd c = {.v = v, .id = id, .a = {.args = args}};
    rc_va_status st = rc_va_actions[i].fn(&c);
    if (st == RC_VA_OK)
        rc_volc_reply_ok(v, id, NULL);
    else if (st == RC_VA_FAIL)
        rc_volc_reply_error(v, id, c.a.error[0] ? c.a.error : "failed");
}
