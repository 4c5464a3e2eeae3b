/* rc_actions.c — drive commands → SDK calls. Each action takes its arguments from the
 * command, calls the engine as the Web SDK method of the same name would, and says whether
 * it worked: ok means "sent", not "took effect" (返回是否发送成功，不代表是否生效; the effect is
 * judged on the wire). The table at the end is what hello announces.
 *
 * The SDK actions are aliyun-auikit-aicall 2.10's engine API (parley docs/driver.md lists
 * them). Four more are app-level, not SDK API: pushToTalkButton (the official UIs' hold-to-
 * talk button), reconnect (a network drop and the apps' resync), sendRawDataChannel (a test
 * hook for malformed payloads) and getState (inspection).
 *
 * The bailian and trtc actions have their own tables (rc_bailian_actions.c,
 * rc_trtc_actions.c); the functions at the end (rc_action_find, rc_actions_hello,
 * rc_app_drive) see the tables as one list: the aicall actions first, then the bailian ones,
 * then the trtc ones. A trtc app (rc_cfg.trtc: PARLEY_URL is a /trtc/ room) has the trtc
 * actions alone (trtc's `interrupt` is not bailian's); the others have aicall's and
 * bailian's. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "rc_aicall_int.h"
#include "rc_bailian.h"
#include "rc_bugs.h"
#include "rc_trtc.h"

#define RC_SHORT_PRESS_MS 500 /* the UIs cancel presses this short (§5) */
#define RC_MAX_HOLD_MS 120000 /* pushToTalkButton's longest hold */

typedef enum { RC_OK, RC_FAIL, RC_LATER } rc_status;

/* One drive command being run. */
typedef struct {
    rc_aicall *a;
    int64_t id;
    const cJSON *args; /* an object */
    cJSON *result;     /* the reply's "result", if the action sets one */
    int bad;           /* an argument was wrong: error says which */
    char error[256];
} rc_cmd;

static rc_status fail(rc_cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static rc_status fail(rc_cmd *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->error, sizeof c->error, fmt, ap);
    va_end(ap);
    return RC_FAIL;
}

/* NULL from the engine means sent; anything else is the reason it was not. */
static rc_status sent(rc_cmd *c, const char *why)
{
    return why ? fail(c, "%s", why) : RC_OK;
}

static rc_status send_msg(rc_cmd *c, int type, cJSON *data)
{
    return sent(c, rc_aicall_send(c->a, type, data, 0));
}

/* ---- arguments ---------------------------------------------------------------------- */

static cJSON_bool rc_is_int(const cJSON *v)
{
    return cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) &&
           fabs(v->valuedouble) < 1e15;
}

/* args.name when it has the right type. NULL when it is absent and optional (use the
 * default), or wrong (then c->bad and c->error). */
static const cJSON *arg(rc_cmd *c, const char *name, int required, cJSON_bool (*is)(const cJSON *),
                        const char *what)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->args, name);
    if (!v && !required)
        return NULL;
    if (!v || !is(v)) {
        c->bad = 1;
        fail(c, "args.%s: want %s", name, what);
        return NULL;
    }
    return v;
}

static const cJSON *arg_bool(rc_cmd *c, const char *name, int req)
{
    return arg(c, name, req, cJSON_IsBool, "a boolean");
}

static const cJSON *arg_string(rc_cmd *c, const char *name, int req)
{
    return arg(c, name, req, cJSON_IsString, "a string");
}

static const cJSON *arg_number(rc_cmd *c, const char *name, int req)
{
    return arg(c, name, req, cJSON_IsNumber, "a number");
}

static const cJSON *arg_int(rc_cmd *c, const char *name, int req)
{
    return arg(c, name, req, rc_is_int, "an integer");
}

static const cJSON *arg_object(rc_cmd *c, const char *name, int req)
{
    return arg(c, name, req, cJSON_IsObject, "an object");
}

static cJSON *obj_bool(const char *key, int b)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, key, b);
    return o;
}

static cJSON *obj_string(const char *key, const char *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, key, s);
    return o;
}

static cJSON *obj_number(const char *key, double n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, key, n);
    return o;
}

/* ---- push-to-talk (W enablePushToTalk / startPushToTalk / finish / cancel, §5) ------- */

static const char *ptt_start(rc_aicall *a)
{
    if (!a->joined)
        return "not connected";
    if (!a->ptt && !rc_bug_on(RC_BUG_START_WITHOUT_ENABLE))
        return "push-to-talk is not enabled";
    if (a->press_open && !rc_bug_on(RC_BUG_DOUBLE_START))
        return "a push-to-talk press is already open";
    const char *why = rc_aicall_can_send(a);
    if (why)
        return why;
    if (!rc_bug_on(RC_BUG_NO_UNMUTE_ON_START))
        rc_aicall_mute(a, 0); /* W unmutes first, then sends */
    why = rc_aicall_send(a, 1106, NULL, 0);
    if (!why)
        a->press_open = 1;
    return why;
}

static const char *ptt_end(rc_aicall *a, int cancel)
{
    if (!a->press_open)
        return "no push-to-talk press is open";
    const char *why = rc_aicall_send(a, cancel ? 1108 : 1107, NULL, 0);
    if (why)
        return why;
    a->press_open = 0;
    if (!rc_bug_on(RC_BUG_NO_MUTE_ON_FINISH))
        rc_aicall_mute(a, 1);
    return NULL;
}

static rc_status act_enable_push_to_talk(rc_cmd *c)
{
    const cJSON *e = arg_bool(c, "enable", 1);
    if (!e)
        return RC_FAIL;
    int enable = cJSON_IsTrue(e);
    c->a->ptt = enable; /* W sets its flag before it tries to send (§8.1) */
    const char *why = rc_aicall_send(c->a, 1105, obj_bool("enable", enable), 0);
    if (why)
        return fail(c, "%s", why);
    if (!(enable && rc_bug_on(RC_BUG_NO_MUTE_ON_ENABLE)))
        rc_aicall_mute(c->a, enable); /* mute while the button is up; keep publishing (§5) */
    return RC_OK;
}

static rc_status act_start_push_to_talk(rc_cmd *c)
{
    return sent(c, ptt_start(c->a));
}

static rc_status act_finish_push_to_talk(rc_cmd *c)
{
    return sent(c, ptt_end(c->a, 0));
}

static rc_status act_cancel_push_to_talk(rc_cmd *c)
{
    return sent(c, ptt_end(c->a, 1));
}

/* ---- the other SDK methods ---------------------------------------------------------- */

static rc_status act_call(rc_cmd *c)
{
    if (c->a->url && !c->a->user[0])
        return fail(c, "PARLEY_URL is not a room bridge URL (no user=)");
    return rc_aicall_call(c->a, c->id, c->error, sizeof c->error) ? RC_FAIL : RC_LATER;
}

static rc_status act_handup(rc_cmd *c)
{
    return rc_aicall_handup(c->a, c->id, c->error, sizeof c->error) ? RC_FAIL : RC_LATER;
}

static rc_status act_stop_agent(rc_cmd *c)
{
    return send_msg(c, 1100, NULL);
}

static rc_status act_interrupt_speaking(rc_cmd *c)
{
    return send_msg(c, 1101, NULL);
}

static rc_status act_enable_voice_interrupt(rc_cmd *c)
{
    const cJSON *e = arg_bool(c, "enable", 1);
    return e ? send_msg(c, 1102, obj_bool("enable", cJSON_IsTrue(e))) : RC_FAIL;
}

static rc_status act_switch_voice_id(rc_cmd *c)
{
    const cJSON *v = arg_string(c, "voiceId", 1);
    return v ? send_msg(c, 1103, obj_string("voiceId", v->valuestring)) : RC_FAIL;
}

static rc_status act_request_rtc_token(rc_cmd *c)
{
    return send_msg(c, 1104, obj_string("userId", c->a->user));
}

static rc_status act_enable_voiceprint(rc_cmd *c)
{
    const cJSON *e = arg_bool(c, "enable", 1);
    return e ? send_msg(c, 1109, obj_bool("enable", cJSON_IsTrue(e))) : RC_FAIL;
}

static rc_status act_clear_voiceprint(rc_cmd *c)
{
    return send_msg(c, 1110, NULL);
}

static rc_status act_send_text_to_agent(rc_cmd *c)
{
    const cJSON *t = arg_string(c, "text", 1);
    if (!t)
        return RC_FAIL;
    cJSON *d = obj_string("text", t->valuestring);
    cJSON_AddNumberToObject(d, "enableInterrupt", 1); /* W hard-codes 1 (§3) */
    return sent(c, rc_aicall_send(c->a, 1111, d, rc_bug_on(RC_BUG_BAD_JSON) ? 2 : 0));
}

static rc_status act_send_custom_message(rc_cmd *c)
{
    const cJSON *m = arg_string(c, "message", 1);
    return m ? send_msg(c, 1112, obj_string("message", m->valuestring)) : RC_FAIL;
}

/* W fills the gaps with its defaults: single, 5 s, 2 frames, 100 s, "{}" (§3). */
static rc_status act_start_vision_capture(rc_cmd *c)
{
    const cJSON *text = arg_string(c, "text", 0), *single = arg_bool(c, "isSingle", 0);
    const cJSON *each = arg_number(c, "eachDuration", 0), *num = arg_int(c, "num", 0);
    const cJSON *dur = arg_number(c, "duration", 0), *ud = arg_string(c, "userData", 0);
    if (c->bad)
        return RC_FAIL;
    cJSON *d = obj_string("text", text ? text->valuestring : "");
    cJSON_AddStringToObject(d, "mode", !single || cJSON_IsTrue(single) ? "single" : "continuous");
    cJSON_AddNumberToObject(d, "eachDuration", each ? each->valuedouble : 5);
    cJSON_AddNumberToObject(d, "num", num ? num->valuedouble : 2);
    cJSON_AddNumberToObject(d, "duration", dur ? dur->valuedouble : 100);
    cJSON_AddStringToObject(d, "userData", ud ? ud->valuestring : "{}");
    return send_msg(c, 1113, d);
}

static rc_status act_stop_vision_capture(rc_cmd *c)
{
    return send_msg(c, 1114, NULL);
}

static rc_status act_update_llm_system_prompt(rc_cmd *c)
{
    const cJSON *p = arg_string(c, "prompt", 1);
    if (!p)
        return RC_FAIL;
    if (!p->valuestring[0]) /* W refuses an empty prompt and sends nothing */
        return fail(c, "prompt is empty");
    return send_msg(c, 1115, obj_string("prompt", p->valuestring));
}

static rc_status act_update_vcr_config(rc_cmd *c)
{
    const cJSON *v = arg_object(c, "vcrConfig", 1);
    return v ? send_msg(c, 1116, cJSON_Duplicate(v, 1)) : RC_FAIL;
}

static rc_status act_update_bailian_app_params(rc_cmd *c)
{
    const cJSON *p = arg_object(c, "params", 1);
    if (!p)
        return RC_FAIL;
    char *txt = cJSON_PrintUnformatted(p); /* W JSON.stringify's the object (§3) */
    cJSON *d = obj_string("params", txt ? txt : "{}");
    free(txt);
    return send_msg(c, 1117, d);
}

static rc_status act_update_asr_max_silence(rc_cmd *c)
{
    const cJSON *v = arg_int(c, "duration", 1);
    return v ? send_msg(c, 1118, obj_number("asrMaxSilence", v->valuedouble)) : RC_FAIL;
}

static rc_status act_query_agent_state(rc_cmd *c)
{
    return send_msg(c, 1119, NULL);
}

static rc_status act_update_tts_speech_rate(rc_cmd *c)
{
    const cJSON *v = arg_number(c, "rate", 1);
    return v ? send_msg(c, 1120, obj_number("speechRate", v->valuedouble)) : RC_FAIL;
}

static rc_status act_mute(rc_cmd *c)
{
    const cJSON *m = arg_bool(c, "mute", 1);
    if (!m)
        return RC_FAIL;
    return rc_aicall_mute(c->a, cJSON_IsTrue(m)) ? fail(c, "not connected") : RC_OK;
}

/* ---- app-level actions -------------------------------------------------------------- */

static void button_release_cb(lws_sorted_usec_list_t *sul)
{
    rc_aicall *a = lws_container_of(sul, rc_aicall, button_timer);
    int64_t id = a->button_cmd;
    int cancel = a->button_cancel;
    a->button_cmd = 0;
    const char *why = ptt_end(a, cancel);
    if (why) {
        rc_driver_reply_error(a->drv, id, why);
        return;
    }
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "released", cancel ? "cancel" : "finish");
    cJSON_AddNumberToObject(r, "holdMs", (double)a->button_hold_ms);
    rc_driver_reply_ok(a->drv, id, r);
}

/* The official UIs' hold-to-talk button (§5): press = startPushToTalk; release = cancel when
 * the press lasted <= 500 ms or the finger slid off the button, else finish. */
static rc_status act_push_to_talk_button(rc_cmd *c)
{
    rc_aicall *a = c->a;
    const cJSON *hold = arg_int(c, "holdMs", 1), *slide = arg_bool(c, "slideCancel", 0);
    if (c->bad)
        return RC_FAIL;
    if (hold->valuedouble < 0 || hold->valuedouble > RC_MAX_HOLD_MS)
        return fail(c, "args.holdMs: want 0..%d", RC_MAX_HOLD_MS);
    if (a->button_cmd)
        return fail(c, "the button is already held");
    const char *why = ptt_start(a);
    if (why)
        return fail(c, "%s", why);
    a->button_hold_ms = (int64_t)hold->valuedouble;
    int short_press = a->button_hold_ms <= RC_SHORT_PRESS_MS;
    a->button_cancel =
        cJSON_IsTrue(slide) || (short_press && !rc_bug_on(RC_BUG_FINISH_SHORT_PRESS));
    a->button_cmd = c->id;
    rc_aicall_timer(a, &a->button_timer, button_release_cb, a->button_hold_ms * 1000);
    return RC_LATER;
}

void rc_actions_call_ended(rc_aicall *a, const char *why)
{
    lws_sul_cancel(&a->button_timer);
    if (a->button_cmd && a->drv)
        rc_driver_reply_error(a->drv, a->button_cmd, why);
    a->button_cmd = 0;
}

/* A network drop and the apps' recovery (§5: after reconnection send 1119). */
static rc_status act_reconnect(rc_cmd *c)
{
    return rc_aicall_reconnect(c->a, c->id, c->error, sizeof c->error) ? RC_FAIL : RC_LATER;
}

/* A test hook, not an app feature: text goes out as a DataChannel payload exactly as given,
 * past the SDK (no envelope, no readiness gate), to show parley's malformed-input rules. */
static rc_status act_send_raw_data_channel(rc_cmd *c)
{
    const cJSON *t = arg_string(c, "text", 1);
    if (!t)
        return RC_FAIL;
    if (!c->a->bridge || !c->a->joined)
        return fail(c, "not connected");
    if (rc_aicall_send_raw(c->a, t->valuestring, strlen(t->valuestring)))
        return fail(c, "send queue full");
    return RC_OK;
}

static rc_status act_get_state(rc_cmd *c)
{
    rc_aicall *a = c->a;
    cJSON *r = c->result = cJSON_CreateObject();
    cJSON_AddBoolToObject(r, "inCall", a->in_call);
    cJSON_AddBoolToObject(r, "connected", a->joined);
    cJSON_AddBoolToObject(r, "dcReady", a->dc_ready);
    cJSON_AddBoolToObject(r, "pushToTalk", a->ptt);
    cJSON_AddBoolToObject(r, "micMuted", a->mic_muted);
    cJSON_AddBoolToObject(r, "pressOpen", a->press_open);
    cJSON_AddNumberToObject(r, "agentState", a->agent_state);
    cJSON_AddNumberToObject(r, "seqId", (double)a->seq);
    cJSON_AddStringToObject(r, "agentId", a->agent);
    return RC_OK;
}

/* ---- the table ---------------------------------------------------------------------- */

typedef struct {
    const char *name;
    rc_status (*fn)(rc_cmd *c);
    const char *args; /* for --help */
    int app;          /* app-level, not SDK API */
} rc_action;

static const rc_action rc_actions[] = {
    {"call", act_call, "", 0},
    {"handup", act_handup, "", 0},
    {"stopAgent", act_stop_agent, "", 0},
    {"interruptSpeaking", act_interrupt_speaking, "", 0},
    {"enableVoiceInterrupt", act_enable_voice_interrupt, "enable:bool", 0},
    {"switchVoiceId", act_switch_voice_id, "voiceId:string", 0},
    {"requestRTCToken", act_request_rtc_token, "", 0},
    {"enablePushToTalk", act_enable_push_to_talk, "enable:bool", 0},
    {"startPushToTalk", act_start_push_to_talk, "", 0},
    {"finishPushToTalk", act_finish_push_to_talk, "", 0},
    {"cancelPushToTalk", act_cancel_push_to_talk, "", 0},
    {"enableVoiceprint", act_enable_voiceprint, "enable:bool", 0},
    {"clearVoiceprint", act_clear_voiceprint, "", 0},
    {"sendTextToAgent", act_send_text_to_agent, "text:string", 0},
    {"sendCustomMessageToServer", act_send_custom_message, "message:string", 0},
    {"startVisionCustomCapture", act_start_vision_capture,
     "[text:string isSingle:bool eachDuration:number num:int duration:number userData:string]", 0},
    {"stopVisionCustomCapture", act_stop_vision_capture, "", 0},
    {"updateLlmSystemPrompt", act_update_llm_system_prompt, "prompt:string", 0},
    {"updateVcrConfig", act_update_vcr_config, "vcrConfig:object", 0},
    {"updateBailianAppParams", act_update_bailian_app_params, "params:object", 0},
    {"updateAsrMaxSilence", act_update_asr_max_silence, "duration:int", 0},
    {"queryCurrentAgentState", act_query_agent_state, "", 0},
    {"updateTtsSpeechRate", act_update_tts_speech_rate, "rate:number", 0},
    {"mute", act_mute, "mute:bool", 0},
    {"pushToTalkButton", act_push_to_talk_button, "holdMs:int [slideCancel:bool]", 1},
    {"reconnect", act_reconnect, "", 1},
    {"sendRawDataChannel", act_send_raw_data_channel, "text:string", 1},
    {"getState", act_get_state, "", 1},
};

#define RC_ACTION_COUNT ((int)(sizeof rc_actions / sizeof rc_actions[0]))

static int rc_aicall_action_find(const char *name)
{
    for (int i = 0; i < RC_ACTION_COUNT; i++)
        if (strcmp(rc_actions[i].name, name) == 0)
            return i;
    return -1;
}

/* ---- the tables as one list: aicall 0..RC_ACTION_COUNT-1, then bailian, then trtc ------ */

static int rc_trtc_base(void)
{
    return RC_ACTION_COUNT + rc_bailian_action_count();
}

int rc_action_count(void)
{
    return rc_trtc_base() + rc_trtc_action_count();
}

int rc_action_find(const char *name)
{
    if (rc_cfg.trtc) {
        for (int k = 0; k < rc_trtc_action_count(); k++)
            if (strcmp(rc_trtc_action_name(k), name) == 0)
                return rc_trtc_base() + k;
        return -1;
    }
    int i = rc_aicall_action_find(name);
    if (i >= 0)
        return i;
    for (int j = 0; j < rc_bailian_action_count(); j++)
        if (strcmp(rc_bailian_action_name(j), name) == 0)
            return RC_ACTION_COUNT + j;
    return -1;
}

static const char *rc_action_name(int i)
{
    if (i < RC_ACTION_COUNT)
        return rc_actions[i].name;
    if (i < rc_trtc_base())
        return rc_bailian_action_name(i - RC_ACTION_COUNT);
    return rc_trtc_action_name(i - rc_trtc_base());
}

cJSON *rc_actions_hello(uint64_t leave_out)
{
    cJSON *arr = cJSON_CreateArray();
    int lo = rc_cfg.trtc ? rc_trtc_base() : 0,
        hi = rc_cfg.trtc ? rc_action_count() : rc_trtc_base();
    for (int i = lo; i < hi; i++)
        if (!((leave_out >> i) & 1u))
            cJSON_AddItemToArray(arr, cJSON_CreateString(rc_action_name(i)));
    return arr;
}

static void rc_actions_list_table(FILE *f, int n, const char *(*name)(int),
                                  const char *(*args)(int))
{
    for (int j = 0; j < n; j++) {
        if (args(j)[0])
            fprintf(f, "  %-26s %s\n", name(j), args(j));
        else
            fprintf(f, "  %s\n", name(j));
    }
}

void rc_actions_list(FILE *f)
{
    fprintf(f, " aicall (AICallKit Web SDK, over the room bridge):\n");
    for (int i = 0; i < RC_ACTION_COUNT; i++) {
        const rc_action *a = &rc_actions[i];
        if (a->app)
            fprintf(f, "  %-26s (app-level)%s%s\n", a->name, a->args[0] ? " " : "", a->args);
        else if (a->args[0])
            fprintf(f, "  %-26s %s\n", a->name, a->args);
        else
            fprintf(f, "  %s\n", a->name);
    }
    fprintf(f, " bailian (DashScope MultiModalDialog, native WebSocket):\n");
    rc_actions_list_table(f, rc_bailian_action_count(), rc_bailian_action_name,
                          rc_bailian_action_args);
    fprintf(f, " trtc (TRTC room over the room bridge + the business backend; only these with a\n"
               " /trtc/ PARLEY_URL):\n");
    rc_actions_list_table(f, rc_trtc_action_count(), rc_trtc_action_name, rc_trtc_action_args);
}

/* The aicall actions' on_drive: one command, answered now or (RC_LATER) by the engine. */
void rc_aicall_drive(void *user, int64_t id, const char *action, const cJSON *args)
{
    rc_aicall *a = user;
    int i = rc_aicall_action_find(action);
    if (i < 0 || ((rc_cfg.no_actions >> i) & 1u)) {
        char msg[160];
        snprintf(msg, sizeof msg, "unknown action %.100s", action);
        rc_driver_reply_error(a->drv, id, msg);
        return;
    }
    rc_cmd c = {.a = a, .id = id, .args = args};
    rc_status st = rc_actions[i].fn(&c);
    if (st == RC_OK) {
        rc_driver_reply_ok(a->drv, id, c.result);
        return;
    }
    cJSON_Delete(c.result);
    if (st == RC_FAIL)
        rc_driver_reply_error(a->drv, id, c.error[0] ? c.error : "failed");
}

/* The app's on_drive: the action goes to the model whose table has it. */
void rc_app_drive(void *user, int64_t id, const char *action, const cJSON *args)
{
    rc_app *app = user;
    int i = rc_action_find(action);
    if (app->trtc) {
        int left_out = i >= 0 && ((rc_cfg.no_actions >> i) & 1u);
        rc_trtc_drive(app->trtc, i < 0 || left_out ? -1 : i - rc_trtc_base(), id, action, args);
        return;
    }
    if (i >= RC_ACTION_COUNT && i < rc_trtc_base() && !((rc_cfg.no_actions >> i) & 1u)) {
        rc_bailian_drive(app->bailian, i - RC_ACTION_COUNT, id, args);
        return;
    }
    rc_aicall_drive(app->aicall, id, action, args); /* also: unknown or left out */
}
