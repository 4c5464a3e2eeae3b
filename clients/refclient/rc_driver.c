/* rc_driver.c — the driver channel (see rc_driver.h, parley docs/driver.md).
 *
 * This file knows the frames and nothing about the SDK: drive commands go to ops->on_drive,
 * replies and callbacks come back through the functions below. */
#include "rc_driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

struct rc_driver {
    rc_ws *ws; /* NULL once the channel is gone */
    rc_driver_state state;
    cJSON *hello;
    const rc_driver_ops *ops;
    void *user;
};

static void rc_driver_send(rc_driver *d, cJSON *frame)
{
    char *txt = cJSON_PrintUnformatted(frame);
    if (!txt) {
        rc_log("driver: cannot print a frame (out of memory)");
    } else if (!d->ws || rc_ws_send(d->ws, txt, strlen(txt)) < 0) {
        rc_log("driver: channel not open, frame dropped: %.200s", txt);
    }
    free(txt);
    cJSON_Delete(frame);
}

/* Short JSON text of v for a log line (caller frees). */
static char *rc_driver_brief(const cJSON *v)
{
    char *t = v ? cJSON_PrintUnformatted(v) : NULL;
    if (t && strlen(t) > 160)
        strcpy(t + 150, "…");
    return t ? t : rc_xstrdup("");
}

static void rc_driver_on_command(rc_driver *d, const cJSON *msg)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
    const cJSON *drive = cJSON_GetObjectItemCaseSensitive(msg, "drive");
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(msg, "args");
    /* ids are 1, 2, … (docs/driver.md); beyond 2^53 a double is no longer exact */
    if (!cJSON_IsNumber(id) || !(id->valuedouble >= 1 && id->valuedouble <= 9007199254740992.0) ||
        !cJSON_IsString(drive)) {
        rc_log("driver: ignored a frame that is not a drive command");
        return;
    }
    int64_t n = (int64_t)id->valuedouble;
    cJSON *empty = NULL;
    if (!cJSON_IsObject(args))
        args = empty = cJSON_CreateObject();
    char *brief = rc_driver_brief(args);
    rc_log("drive #%lld %s %s", (long long)n, drive->valuestring, brief);
    free(brief);
    d->ops->on_drive(d->user, n, drive->valuestring, args);
    cJSON_Delete(empty);
}

static void rc_driver_on_text(void *user, const char *data, size_t len)
{
    rc_driver *d = user;
    rc_debug("driver < %.*s", (int)(len > 2000 ? 2000 : len), data);
    cJSON *msg = cJSON_ParseWithLength(data, len);
    const cJSON *welcome = cJSON_GetObjectItemCaseSensitive(msg, "welcome");
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(msg, "error");
    if (!cJSON_IsObject(msg)) {
        rc_log("driver: ignored a frame that is not a JSON object");
    } else if (cJSON_IsObject(welcome)) {
        const cJSON *drv = cJSON_GetObjectItemCaseSensitive(welcome, "driver");
        rc_log("driver: welcome, parley calls us %s", cJSON_IsString(drv) ? drv->valuestring : "?");
    } else if (error) {
        rc_log("driver: parley says: %s", cJSON_IsString(error) ? error->valuestring : "error");
    } else {
        rc_driver_on_command(d, msg);
    }
    cJSON_Delete(msg);
}

static void rc_driver_on_open(void *user)
{
    rc_driver *d = user;
    d->state = RC_DRIVER_OPEN;
    rc_log("driver: connected, saying hello");
    cJSON *frame = cJSON_CreateObject();
    cJSON_AddItemToObject(frame, "hello", d->hello);
    d->hello = NULL;
    rc_driver_send(d, frame);
}

static void rc_driver_on_close(void *user, int code, const char *why)
{
    rc_driver *d = user;
    d->ws = NULL;
    if (d->state == RC_DRIVER_CONNECTING) {
        d->state = RC_DRIVER_FAILED;
        rc_log("driver: cannot connect: %s", why);
    } else {
        d->state = code == 1006 ? RC_DRIVER_LOST : RC_DRIVER_CLOSED;
        rc_log("driver: channel closed (%d, %s)", code, why);
    }
}

static const rc_ws_ops rc_driver_ws_ops = {rc_driver_on_open, rc_driver_on_text,
                                           rc_driver_on_close};

rc_driver *rc_driver_open(rc_net *net, const char *url, cJSON *hello, const rc_driver_ops *ops,
                          void *user, char *err, size_t errlen)
{
    rc_driver *d = rc_xcalloc(1, sizeof *d);
    d->hello = hello;
    d->ops = ops;
    d->user = user;
    d->state = RC_DRIVER_CONNECTING;
    d->ws = rc_ws_open(net, url, "driver", &rc_driver_ws_ops, d, err, errlen);
    if (!d->ws) {
        cJSON_Delete(d->hello);
        free(d);
        return NULL;
    }
    return d;
}

rc_driver_state rc_driver_get_state(const rc_driver *d)
{
    return d->state;
}

void rc_driver_reply_ok(rc_driver *d, int64_t id, cJSON *result)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddNumberToObject(r, "id", (double)id);
    cJSON_AddBoolToObject(r, "ok", 1);
    if (result)
        cJSON_AddItemToObject(r, "result", result);
    rc_debug("reply #%lld ok", (long long)id);
    rc_driver_send(d, r);
}

void rc_driver_reply_error(rc_driver *d, int64_t id, const char *error)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddNumberToObject(r, "id", (double)id);
    cJSON_AddBoolToObject(r, "ok", 0);
    cJSON_AddStringToObject(r, "error", error);
    rc_log("reply #%lld failed: %s", (long long)id, error);
    rc_driver_send(d, r);
}

void rc_driver_callback(rc_driver *d, const char *name, cJSON *args)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "callback", name);
    cJSON_AddItemToObject(c, "args", args ? args : cJSON_CreateObject());
    /* the subtitle streams are many small events: only with -v */
    int chatty = strcmp(name, "agentSubtitleNotify") == 0 ||
                 strcmp(name, "userSubtitleNotify") == 0 ||
                 strcmp(name, "on_speech_content") == 0 ||
                 strcmp(name, "on_responding_content") == 0 || strcmp(name, "onSubtitle") == 0;
    char *brief = rc_driver_brief(cJSON_GetObjectItemCaseSensitive(c, "args"));
    if (chatty)
        rc_debug("callback %s %s", name, brief);
    else
        rc_log("callback %s %s", name, brief);
    free(brief);
    rc_driver_send(d, c);
}

void rc_driver_free(rc_driver *d, int code)
{
    if (!d)
        return;
    if (d->ws)
        rc_ws_close(d->ws, code, code == 1001 ? "client going away" : "bye");
    cJSON_Delete(d->hello);
    free(d);
}
