/* rc_bridge.c — the room bridge client (see rc_bridge.h, parley docs/bridge.md). */
#include "rc_bridge.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

struct rc_bridge {
    rc_ws *ws;
    const rc_bridge_ops *ops;
    void *user;
};

static int rc_bridge_send(rc_bridge *b, cJSON *frame)
{
    char *txt = cJSON_PrintUnformatted(frame);
    int rc = txt ? rc_ws_send(b->ws, txt, strlen(txt)) : -1;
    free(txt);
    cJSON_Delete(frame);
    return rc;
}

static void rc_bridge_on_text(void *user, const char *data, size_t len)
{
    rc_bridge *b = user;
    rc_debug("bridge < %.*s", (int)(len > 2000 ? 2000 : len), data);
    cJSON *frame = cJSON_ParseWithLength(data, len);
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(frame, "event");
    if (cJSON_IsObject(frame) && cJSON_IsString(ev))
        b->ops->on_event(b->user, ev->valuestring, frame); /* b may be gone after this */
    else
        rc_log("bridge: ignored a frame that is not an event: %.200s", data);
    cJSON_Delete(frame);
}

static void rc_bridge_on_close(void *user, int code, const char *why)
{
    rc_bridge *b = user;
    b->ws = NULL;
    b->ops->on_close(b->user, code, why);
    free(b);
}

static const rc_ws_ops rc_bridge_ws_ops = {NULL, rc_bridge_on_text, rc_bridge_on_close};

rc_bridge *rc_bridge_open(rc_net *net, const char *url, const rc_bridge_ops *ops, void *user,
                          char *err, size_t errlen)
{
    rc_bridge *b = rc_xcalloc(1, sizeof *b);
    b->ops = ops;
    b->user = user;
    b->ws = rc_ws_open(net, url, "bridge", &rc_bridge_ws_ops, b, err, errlen);
    if (!b->ws) {
        free(b);
        return NULL;
    }
    return b;
}

int rc_bridge_datachannel(rc_bridge *b, const char *payload, size_t len)
{
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "op", "datachannel");
    /* the payload is text: cJSON strings end at the first NUL, so copy exactly len bytes */
    char *copy = rc_xmalloc(len + 1);
    memcpy(copy, payload, len);
    copy[len] = '\0';
    cJSON_AddStringToObject(f, "data", copy);
    free(copy);
    return rc_bridge_send(b, f);
}

int rc_bridge_custom_cmd(rc_bridge *b, int cmd_id, int reliable, int ordered, const char *data,
                         size_t len)
{
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "op", "custom_cmd");
    cJSON_AddNumberToObject(f, "cmdId", cmd_id);
    cJSON_AddBoolToObject(f, "reliable", reliable);
    cJSON_AddBoolToObject(f, "ordered", ordered);
    char *copy = rc_xmalloc(len + 1);
    memcpy(copy, data, len);
    copy[len] = '\0';
    cJSON_AddStringToObject(f, "data", copy);
    free(copy);
    return rc_bridge_send(b, f);
}

int rc_bridge_user_binary(rc_bridge *b, const char *to, const void *data, size_t len)
{
    char *b64 = rc_xmalloc(4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)b64, data, (int)len);
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "op", "user_binary");
    cJSON_AddStringToObject(f, "to", to);
    cJSON_AddStringToObject(f, "data_b64", b64);
    free(b64);
    return rc_bridge_send(b, f);
}

int rc_bridge_publish(rc_bridge *b, const char *media)
{
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "op", "publish");
    cJSON_AddStringToObject(f, "media", media);
    return rc_bridge_send(b, f);
}

int rc_bridge_audio_capture(rc_bridge *b, int on)
{
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "op", "audio_capture");
    cJSON_AddBoolToObject(f, "on", on);
    return rc_bridge_send(b, f);
}

int rc_bridge_mute_local_mic(rc_bridge *b, int mute)
{
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "op", "mute_local_mic");
    cJSON_AddBoolToObject(f, "mute", mute);
    return rc_bridge_send(b, f);
}

int rc_bridge_leave(rc_bridge *b)
{
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "op", "leave");
    return rc_bridge_send(b, f);
}

void rc_bridge_close(rc_bridge *b, int code)
{
    rc_ws_close(b->ws, code, code == 1001 ? "client going away" : "left");
    free(b);
}

void rc_bridge_drop(rc_bridge *b)
{
    rc_ws_drop(b->ws);
    free(b);
}
