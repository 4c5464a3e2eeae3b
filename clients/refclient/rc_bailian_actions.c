/* rc_bailian_actions.c — drive commands → the bailian model (docs/dev/bailian-spec.md,
 * "Reference-client driver actions"; docs/refclient.md, "bailian").
 *
 * Names follow Py's MultiModalDialog where it has the method (start, stop, sendSpeech =
 * start_speech, stopSpeech, interrupt, requestToRespond, sendHeartBeat, updateInfo,
 * localRespondingStarted/Ended); the rest is what the official demos do around it: audio from
 * a file in real time, the LiveAI connect/exit requests and the 2 fps frame stream.
 *
 * When an action is answered: `start` at the first Listening ({dialog_id}); `stop` at
 * task-finished or the close; `sendAudio` after its last chunk; every other one as soon as
 * its frame is queued (startAudioStream / startVideoStream: their first chunk or frame, when
 * they can flow yet). A directive before `start` is refused "not started". */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "rc_args.h"
#include "rc_bailian_int.h"

#define RC_BL_MAX_AUDIO_MS 600000 /* sendAudio: at most 10 min of each part */
#define RC_BL_MAX_IMAGES 16       /* sendVideoFrame count */

typedef enum { RC_BL_OK, RC_BL_FAIL, RC_BL_LATER } rc_bl_status;

typedef struct {
    rc_bailian *b;
    int64_t id;
    rc_args a; /* args, bad, error */
    cJSON *result;
} rc_bl_cmd;

static rc_bl_status fail(rc_bl_cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static rc_bl_status fail(rc_bl_cmd *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rc_args_vfail(&c->a, fmt, ap);
    va_end(ap);
    return RC_BL_FAIL;
}

static rc_bl_status sent(rc_bl_cmd *c, const char *why)
{
    return why ? fail(c, "%s", why) : RC_BL_OK;
}

/* ---- the dialog --------------------------------------------------------------------- */

static rc_bl_status act_start(rc_bl_cmd *c)
{
    rc_bl_start_args a;
    a.liveai = rc_arg_bool(&c->a, "liveai", 0);
    a.mode = rc_arg_str(&c->a, "mode", "tap2talk");
    a.type = rc_arg_str(&c->a, "type", a.liveai ? "AudioAndVideo" : "AudioOnly");
    a.up_rate = (int)rc_arg_int(&c->a, "upstream_rate", 16000, 1000, 192000);
    a.down_rate = (int)rc_arg_int(&c->a, "downstream_rate", 24000, 1000, 192000);
    a.intermediate = rc_arg_str(&c->a, "intermediate_text", "transcript");
    a.heartbeat_ms = rc_arg_int(&c->a, "heartbeat_ms", 0, 0, 3600000);
    a.dialog_id = rc_arg_str(&c->a, "dialog_id", "");
    if (c->a.bad)
        return RC_BL_FAIL;
    if (a.heartbeat_ms && a.heartbeat_ms < 50)
        return fail(c, "args.heartbeat_ms: 0 (off) or at least 50");
    return rc_bl_start(c->b, c->id, &a, c->a.error, sizeof c->a.error) ? RC_BL_FAIL : RC_BL_LATER;
}

static rc_bl_status act_stop(rc_bl_cmd *c)
{
    return rc_bl_stop(c->b, c->id, c->a.error, sizeof c->a.error) ? RC_BL_FAIL : RC_BL_LATER;
}

static rc_bl_status act_send_speech(rc_bl_cmd *c)
{
    return sent(c, rc_bl_send_directive(c->b, "SendSpeech"));
}

static rc_bl_status act_stop_speech(rc_bl_cmd *c)
{
    return sent(c, rc_bl_send_directive(c->b, "StopSpeech"));
}

static rc_bl_status act_cancel_speech(rc_bl_cmd *c)
{
    return sent(c, rc_bl_send_directive(c->b, "CancelSpeech"));
}

static rc_bl_status act_interrupt(rc_bl_cmd *c)
{
    return sent(c, rc_bl_send_directive(c->b, "RequestToSpeak"));
}

static rc_bl_status act_send_heart_beat(rc_bl_cmd *c)
{
    return sent(c, rc_bl_send_directive(c->b, "HeartBeat"));
}

static rc_bl_status act_local_responding_started(rc_bl_cmd *c)
{
    return sent(c, rc_bl_send_directive(c->b, "LocalRespondingStarted"));
}

static rc_bl_status act_local_responding_ended(rc_bl_cmd *c)
{
    return sent(c, rc_bl_send_directive(c->b, "LocalRespondingEnded"));
}

/* Py request_to_respond(type, text, RequestToRespondParameters(images=[…])): at most one
 * image, a file or the built-in JPEG as base64, or a URL. */
static rc_bl_status act_request_to_respond(rc_bl_cmd *c)
{
    const char *type = rc_arg_str(&c->a, "type", "prompt");
    const char *text = rc_arg_str(&c->a, "text", "");
    const char *image = rc_arg_str(&c->a, "image", NULL);
    const char *image_url = rc_arg_str(&c->a, "image_url", NULL);
    if (c->a.bad)
        return RC_BL_FAIL;
    if (image && image_url)
        return fail(c, "give image or image_url, not both");
    const char *why = rc_bl_can_send(c->b);
    if (why)
        return fail(c, "%s", why);
    cJSON *params = NULL, *img = NULL;
    if (image && strcmp(image, "builtin") == 0) {
        img = rc_bl_image_builtin(c->b, 0, c->a.error, sizeof c->a.error);
        if (!img)
            return RC_BL_FAIL;
    } else if (image) {
        size_t len;
        unsigned char *data =
            rc_bl_read_file(image, RC_BL_FRAME_MAX, &len, c->a.error, sizeof c->a.error);
        if (!data)
            return RC_BL_FAIL;
        char *b64 = rc_bl_base64(data, len);
        free(data);
        img = cJSON_CreateObject();
        cJSON_AddStringToObject(img, "type", "base64");
        cJSON_AddStringToObject(img, "value", b64);
        free(b64);
    } else if (image_url) {
        img = cJSON_CreateObject();
        cJSON_AddStringToObject(img, "type", "url");
        cJSON_AddStringToObject(img, "value", image_url);
    }
    if (img) {
        params = cJSON_CreateObject();
        cJSON_AddItemToArray(cJSON_AddArrayToObject(params, "images"), img);
    }
    return sent(c, rc_bl_send_respond(c->b, "RequestToRespond", type, text, params));
}

/* UpdateInfo with parameters.client_info.status (§2.3). */
static rc_bl_status act_update_info(rc_bl_cmd *c)
{
    const cJSON *status = rc_arg_obj(&c->a, "status");
    if (c->a.bad)
        return RC_BL_FAIL;
    cJSON *params = NULL;
    if (status) {
        params = cJSON_CreateObject();
        cJSON_AddItemToObject(cJSON_AddObjectToObject(params, "client_info"), "status",
                              cJSON_Duplicate(status, 1));
    }
    return sent(c, rc_bl_send_respond(c->b, "UpdateInfo", NULL, "", params));
}

/* ---- audio -------------------------------------------------------------------------- */

static rc_bl_status act_send_audio(rc_bl_cmd *c)
{
    int64_t ms = rc_arg_int(&c->a, "ms", 1000, 0, RC_BL_MAX_AUDIO_MS);
    int64_t silence = rc_arg_int(&c->a, "silence_ms", 1000, 0, RC_BL_MAX_AUDIO_MS);
    const char *source = rc_arg_str(&c->a, "source", "wav");
    if (c->a.bad)
        return RC_BL_FAIL;
    int wav = strcmp(source, "wav") == 0;
    if (!wav && strcmp(source, "silence") != 0)
        return fail(c, "args.source: want \"wav\" or \"silence\"");
    const char *why = rc_bl_can_send(c->b);
    if (why)
        return fail(c, "%s", why);
    if (c->b->audio != RC_BL_AUDIO_NONE)
        return fail(c, "audio is already streaming");
    rc_bl_audio_begin(c->b, RC_BL_AUDIO_ONCE, wav ? ms : 0, wav ? silence : ms + silence, c->id);
    return RC_BL_LATER;
}

static rc_bl_status act_start_audio_stream(rc_bl_cmd *c)
{
    const char *why = rc_bl_can_send(c->b);
    if (why)
        return fail(c, "%s", why);
    if (c->b->audio != RC_BL_AUDIO_NONE)
        return fail(c, "audio is already streaming");
    rc_bl_audio_begin(c->b, RC_BL_AUDIO_LOOP, 0, 0, 0);
    return RC_BL_OK;
}

static rc_bl_status act_stop_audio_stream(rc_bl_cmd *c)
{
    rc_bl_audio_end(c->b, "stopped by stopAudioStream");
    return RC_BL_OK;
}

/* ---- LiveAI video (§5) -------------------------------------------------------------- */

static rc_bl_status act_connect_video(rc_bl_cmd *c)
{
    return sent(c, rc_bl_send_video_action(c->b, "connect"));
}

static rc_bl_status act_exit_video(rc_bl_cmd *c)
{
    return sent(c, rc_bl_send_video_action(c->b, "exit"));
}

/* A frame size is checked here so that a bad one fails the action, not the stream. */
static int check_bytes(rc_bl_cmd *c, size_t bytes)
{
    size_t len;
    unsigned char *jpg = rc_bl_jpeg(bytes, &len, c->a.error, sizeof c->a.error);
    free(jpg);
    return jpg ? 0 : -1;
}

static rc_bl_status act_start_video_stream(rc_bl_cmd *c)
{
    rc_bailian *b = c->b;
    int64_t interval = rc_arg_int(&c->a, "interval_ms", 500, 50, 60000);
    int64_t bytes = rc_arg_int(&c->a, "bytes", 0, 0, RC_BL_FRAME_MAX);
    if (c->a.bad || check_bytes(c, (size_t)bytes))
        return RC_BL_FAIL;
    b->video_requested = 1;
    b->video_interval_us = interval * 1000;
    b->video_bytes = (size_t)bytes;
    if (rc_bl_video_gate(b))
        rc_bl_video_start(b);
    c->result = cJSON_CreateObject();
    cJSON_AddBoolToObject(c->result, "streaming", b->video_streaming);
    return RC_BL_OK;
}

static rc_bl_status act_stop_video_stream(rc_bl_cmd *c)
{
    c->b->video_requested = 0;
    rc_bl_video_stop(c->b);
    return RC_BL_OK;
}

static rc_bl_status act_send_video_frame(rc_bl_cmd *c)
{
    int64_t bytes = rc_arg_int(&c->a, "bytes", 0, 0, RC_BL_FRAME_MAX);
    const char *type = rc_arg_str(&c->a, "type", "base64");
    int64_t count = rc_arg_int(&c->a, "count", 1, 1, RC_BL_MAX_IMAGES);
    if (c->a.bad)
        return RC_BL_FAIL;
    int url = strcmp(type, "url") == 0;
    if (!url && strcmp(type, "base64") != 0)
        return fail(c, "args.type: want \"base64\" or \"url\"");
    return sent(c, rc_bl_send_frame(c->b, (size_t)bytes, url, (int)count));
}

/* ---- the table ---------------------------------------------------------------------- */

typedef struct {
    const char *name;
    rc_bl_status (*fn)(rc_bl_cmd *c);
    const char *args; /* for --help */
} rc_bl_action;

static const rc_bl_action rc_bl_actions[] = {
    {"start", act_start,
     "[mode:string type:string upstream_rate:int downstream_rate:int intermediate_text:string "
     "heartbeat_ms:int dialog_id:string liveai:bool]"},
    {"stop", act_stop, ""},
    {"sendSpeech", act_send_speech, ""},
    {"stopSpeech", act_stop_speech, ""},
    {"cancelSpeech", act_cancel_speech, ""},
    {"interrupt", act_interrupt, ""},
    {"requestToRespond", act_request_to_respond,
     "[type:string text:string image:path|\"builtin\" image_url:string]"},
    {"sendHeartBeat", act_send_heart_beat, ""},
    {"updateInfo", act_update_info, "[status:object]"},
    {"sendAudio", act_send_audio, "[ms:int silence_ms:int source:\"wav\"|\"silence\"]"},
    {"startAudioStream", act_start_audio_stream, ""},
    {"stopAudioStream", act_stop_audio_stream, ""},
    {"connectVideo", act_connect_video, ""},
    {"exitVideo", act_exit_video, ""},
    {"startVideoStream", act_start_video_stream, "[interval_ms:int bytes:int]"},
    {"stopVideoStream", act_stop_video_stream, ""},
    {"sendVideoFrame", act_send_video_frame, "[bytes:int type:\"base64\"|\"url\" count:int]"},
    {"localRespondingStarted", act_local_responding_started, ""},
    {"localRespondingEnded", act_local_responding_ended, ""},
};

#define RC_BL_ACTION_COUNT ((int)(sizeof rc_bl_actions / sizeof rc_bl_actions[0]))

int rc_bailian_action_count(void)
{
    return RC_BL_ACTION_COUNT;
}

const char *rc_bailian_action_name(int i)
{
    return i >= 0 && i < RC_BL_ACTION_COUNT ? rc_bl_actions[i].name : NULL;
}

const char *rc_bailian_action_args(int i)
{
    return i >= 0 && i < RC_BL_ACTION_COUNT ? rc_bl_actions[i].args : NULL;
}

void rc_bailian_drive(rc_bailian *b, int i, int64_t id, const cJSON *args)
{
    rc_bl_cmd c = {.b = b, .id = id, .a = {.args = args}};
    rc_bl_status st = rc_bl_actions[i].fn(&c);
    if (st == RC_BL_OK) {
        rc_driver_reply_ok(b->drv, id, c.result);
        return;
    }
    cJSON_Delete(c.result);
    if (st == RC_BL_FAIL)
        rc_driver_reply_error(b->drv, id, c.a.error[0] ? c.a.error : "failed");
}
