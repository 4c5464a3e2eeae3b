/* rc_incoming.c — messages from the agent (only those whose bridge `from` is the agent, as W
 * checks) turned into SDK callbacks, as the Web engine's onDataChannelMsg does
 * (shared/protocols/aicall.md §2). A message that is not JSON, not an object or of a type the
 * engine does not know is logged and ignored: the agent's mistakes never stop the app. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "rc_aicall_int.h"
#include "rc_bugs.h"

/* ---- reading data fields, with the defaults the engine falls back to ---------------- */

static const char *d_str(const cJSON *d, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(d, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* An integer field; dflt when absent, not a number or out of range. */
static int d_int(const cJSON *d, const char *key, int dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(d, key);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= INT_MIN && v->valuedouble <= INT_MAX))
        return dflt;
    return (int)v->valuedouble;
}

static int d_bool(const cJSON *d, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, key));
}

/* ---- the messages whose callback copies fields -------------------------------------- */

/* fields: "key:kind …", each data key becomes the argument of the same name; kind s string,
 * i integer, b boolean. */
typedef struct {
    int type;
    const char *callback;
    const char *fields;
    int bug; /* the RC_BUG_* that silences this callback, or -1 */
} rc_copy_msg;

static const rc_copy_msg rc_copy_msgs[] = {
    {1001, "agentStateChanged", "state:i", -1},
    {1002, "agentSubtitleNotify", "text:s sentenceId:i end:b", -1},
    {1004, "voiceInterruptChanged", "enable:b", -1},
    {1005, "voiceIdChanged", "voiceId:s", -1},
    {1006, "newRTCToken", "token:s", -1},
    /* W re-emits 1007; its own flag stays as the app set it (§5, §8.1) */
    {1007, "pushToTalkChanged", "enable:b", RC_BUG_IGNORE_1007},
    {1013, "humanTakeoverConnected", "takeoverUid:s", -1},
    {1014, "agentEmotionNotify", "emotion:s sentenceId:i", -1},
    {1015, "visionCustomCaptureChanged", "enable:b", -1},
    {1016, "speakingInterrupted", "reason:i", RC_BUG_IGNORE_1016},
    {1017, "llmReplyCompleted", "text:s sentenceId:i", -1},
};

static cJSON *rc_copy_fields(const char *fields, const cJSON *d)
{
    cJSON *args = cJSON_CreateObject();
    char key[64];
    for (const char *p = fields; *p;) {
        size_t n = strcspn(p, ":");
        if (n >= sizeof key || !p[n])
            break;
        memcpy(key, p, n);
        key[n] = '\0';
        char kind = p[n + 1];
        if (kind == 's')
            cJSON_AddStringToObject(args, key, d_str(d, key));
        else if (kind == 'i')
            cJSON_AddNumberToObject(args, key, d_int(d, key, 0));
        else
            cJSON_AddBoolToObject(args, key, d_bool(d, key));
        p += n + 2;
        p += strspn(p, " ");
    }
    return args;
}

static int rc_copy_msg_fire(rc_aicall *a, int type, const cJSON *d)
{
    for (size_t i = 0; i < sizeof rc_copy_msgs / sizeof rc_copy_msgs[0]; i++) {
        const rc_copy_msg *m = &rc_copy_msgs[i];
        if (m->type != type)
            continue;
        if (m->bug < 0 || !rc_bug_on((rc_bug)m->bug))
            rc_aicall_callback(a, m->callback, rc_copy_fields(m->fields, d));
        return 1;
    }
    return 0;
}

/* ---- the messages that need more than a copy ---------------------------------------- */

/* 1000: only four agent codes map to client error codes (§6.1); the rest are dropped. */
static void on_error(rc_aicall *a, const cJSON *d)
{
    static const struct {
        int agent, client;
    } map[] = {{4001, -10202}, {4004, -10102}, {4005, -10103}, {4006, -10201}};
    int code = d_int(d, "code", 0);
    if (rc_bug_on(RC_BUG_IGNORE_ERROR))
        return;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (map[i].agent != code)
            continue;
        cJSON *args = cJSON_CreateObject();
        cJSON_AddNumberToObject(args, "code", map[i].client);
        cJSON_AddStringToObject(args, "msg", d_str(d, "message"));
        rc_aicall_callback(a, "errorOccurred", args);
        return;
    }
    rc_log("agent error %d: not one the SDK reports, ignored", code);
}

/* 1003: voiceprint outside 0..5 becomes 100 Unknown (W). */
static void on_user_subtitle(rc_aicall *a, const cJSON *d)
{
    cJSON *args = rc_copy_fields("text:s sentenceId:i end:b", d);
    int vp = d_int(d, "voiceprint", 0);
    cJSON_AddNumberToObject(args, "voiceprintResult", vp >= 0 && vp <= 5 ? vp : 100);
    rc_aicall_callback(a, "userSubtitleNotify", args);
}

/* 1010: the apps hang up when the agent says it is leaving (§2). */
static void on_will_leave(rc_aicall *a, const cJSON *d)
{
    if (rc_bug_on(RC_BUG_IGNORE_AGENT_LEAVE))
        return;
    rc_aicall_callback(a, "agentWillLeave", rc_copy_fields("reason:i message:s", d));
    rc_aicall_hang_up_now(a, "the agent is leaving");
}

/* 1011: message is JSON text; the SDK hands over the parsed value. */
static void on_custom_message(rc_aicall *a, const cJSON *d)
{
    const char *text = d_str(d, "message");
    cJSON *parsed = cJSON_Parse(text);
    if (!parsed) {
        rc_log("1011: message is not JSON, ignored: %.200s", text);
        return;
    }
    cJSON *args = cJSON_CreateObject();
    cJSON_AddItemToObject(args, "data", parsed);
    rc_aicall_callback(a, "receivedAgentCustomMessage", args);
}

/* 1012: iOS treats a missing mode as 1 (the human's own voice). */
static void on_takeover(rc_aicall *a, const cJSON *d)
{
    cJSON *args = rc_copy_fields("takeoverUid:s", d);
    cJSON_AddNumberToObject(args, "mode", d_int(d, "takeoverMode", 1));
    rc_aicall_callback(a, "humanTakeoverWillStart", args);
}

/* ---- dispatch ----------------------------------------------------------------------- */

static void rc_incoming_typed(rc_aicall *a, int type, const cJSON *d)
{
    if (type == 1001)
        a->agent_state = d_int(d, "state", a->agent_state);
    if (rc_copy_msg_fire(a, type, d))
        return;
    switch (type) {
    case 1000:
        on_error(a, d);
        break;
    case 1003:
        on_user_subtitle(a, d);
        break;
    case 1008: /* voiceprint confirmations: W 2.10 has no event for them */
    case 1009:
        rc_debug("%d: no SDK event", type);
        break;
    case 1010:
        on_will_leave(a, d);
        break;
    case 1011:
        on_custom_message(a, d);
        break;
    case 1012:
        on_takeover(a, d);
        break;
    case 1018: {
        cJSON *args = cJSON_CreateObject();
        cJSON_AddItemToObject(args, "result", cJSON_Duplicate(d, 1));
        rc_aicall_callback(a, "receivedAgentVcrResult", args);
        break;
    }
    default:
        rc_log("agent message of type %d: not one the SDK knows, ignored", type);
        break;
    }
}

void rc_incoming(rc_aicall *a, const char *text, size_t len)
{
    cJSON *m = cJSON_ParseWithLength(text, len);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(m, "type");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(m, "data");
    cJSON *empty = cJSON_IsObject(data) ? NULL : cJSON_CreateObject();
    if (!cJSON_IsObject(m))
        rc_log("agent sent something that is not a JSON object, ignored: %.200s", text);
    else if (cJSON_IsString(type) && strcmp(type->valuestring, "ready_resp") == 0)
        rc_aicall_ready(a); /* the handshake (§1.3); W's message path ignores it */
    else if (cJSON_IsNumber(type) && d_int(m, "type", -1) == type->valuedouble)
        rc_incoming_typed(a, d_int(m, "type", -1), empty ? empty : data);
    else
        rc_log("agent message without an integer type, ignored: %.200s", text);
    cJSON_Delete(empty);
    cJSON_Delete(m);
}
