/* pl_driver.c — the driver channel (see pl_driver.h and docs/driver.md).
 *
 * A driver keeps a fixed table of pending commands (id, deadline, completion); replies
 * find their entry by id in that table (at most PL_DRIVER_MAX_PENDING entries), so the
 * work per frame does not grow with the history of the channel. Every frame in either
 * direction is traced as {"ev":"driver",…}. */
#include "mock/pl_driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "core/pl_clock.h"
#include "core/pl_json.h"
#include "core/pl_log.h"

typedef struct {
    uint64_t id; /* 0: free */
    int64_t deadline_us;
    pl_driver_reply_fn fn;
    void *user;
} pl_driver_cmd;

struct pl_driver {
    pl_drivers *reg;
    char id[24];
    const pl_driver_host_ops *ops;
    void *host;
    cJSON *hello;
    uint64_t next_cmd;
    pl_driver_cmd pending[PL_DRIVER_MAX_PENDING];
    pl_driver *next;
};

struct pl_drivers {
    size_t count;
    pl_sessions *sessions;
    pl_trace *trace;
    pl_driver *head; /* newest first */
    uint64_t next;
    pl_driver_callback_fn on_callback;
    void *on_callback_user;
};

pl_drivers *pl_drivers_new(pl_sessions *sessions, pl_trace *trace)
{
    pl_drivers *r = pl_xcalloc(1, sizeof *r);
    r->sessions = sessions;
    r->trace = trace;
    return r;
}

static void pl_driver_fail_all(pl_driver *d, const char *why)
{
    for (size_t i = 0; i < PL_DRIVER_MAX_PENDING; i++) {
        pl_driver_cmd c = d->pending[i];
        if (!c.id)
            continue;
        d->pending[i].id = 0;
        if (c.fn)
            c.fn(c.user, NULL, why);
    }
}

static void pl_driver_free(pl_driver *d)
{
    pl_driver_fail_all(d, "driver disconnected");
    cJSON_Delete(d->hello);
    free(d);
}

void pl_drivers_free(pl_drivers *r)
{
    if (!r)
        return;
    while (r->head) {
        pl_driver *d = r->head;
        r->head = d->next;
        pl_driver_free(d);
    }
    free(r);
}

void pl_drivers_on_callback(pl_drivers *r, pl_driver_callback_fn fn, void *user)
{
    r->on_callback = fn;
    r->on_callback_user = user;
}

static void pl_driver_trace(pl_driver *d, const char *dir, cJSON *rec)
{
    if (!d->reg->trace) {
        cJSON_Delete(rec);
        return;
    }
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "ev", "driver");
    cJSON_AddStringToObject(t, "driver", d->id);
    cJSON_AddStringToObject(t, "dir", dir);
    cJSON_AddItemToObject(t, "frame", rec);
    pl_trace_record(d->reg->trace, t);
}

static int pl_driver_send(pl_driver *d, cJSON *frame)
{
    char *txt = cJSON_PrintUnformatted(frame);
    pl_driver_trace(d, "out", frame);
    int rc = d->ops && d->ops->write ? d->ops->write(d->host, txt, strlen(txt), 0) : -1;
    free(txt);
    return rc;
}

static void pl_driver_error(pl_driver *d, const char *msg)
{
    pl_warn("driver %s: %s", d->id, msg);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "error", msg);
    pl_driver_send(d, e);
}

pl_driver *pl_drivers_open(pl_drivers *r, const pl_driver_host_ops *ops, void *host)
{
    pl_driver *d = pl_xcalloc(1, sizeof *d);
    d->reg = r;
    d->ops = ops;
    d->host = host;
    snprintf(d->id, sizeof d->id, "d%llu", (unsigned long long)++r->next);
    d->next = r->head;
    r->head = d;
    r->count++;
    pl_driver_trace(d, "open", cJSON_CreateObject());
    return d;
}

void pl_drivers_close(pl_drivers *r, pl_driver *d)
{
    for (pl_driver **p = &r->head; *p; p = &(*p)->next) {
        if (*p == d) {
            *p = d->next;
            r->count--;
            pl_driver_trace(d, "close", cJSON_CreateObject());
            pl_driver_free(d);
            return;
        }
    }
}

void pl_drivers_tick(pl_drivers *r, int64_t now_us)
{
    for (pl_driver *d = r->head; d; d = d->next)
        for (size_t i = 0; i < PL_DRIVER_MAX_PENDING; i++) {
            pl_driver_cmd c = d->pending[i];
            if (!c.id || c.deadline_us > now_us)
                continue;
            d->pending[i].id = 0;
            if (c.fn)
                c.fn(c.user, NULL, "timeout");
        }
}

size_t pl_drivers_count(const pl_drivers *r)
{
    return r->count;
}

pl_driver *pl_drivers_find(const pl_drivers *r, const char *id)
{
    for (pl_driver *d = r->head; d; d = d->next)
        if (strcmp(d->id, id) == 0)
            return d;
    return NULL;
}

pl_driver *pl_drivers_for_session(const pl_drivers *r, const char *session)
{
    for (pl_driver *d = r->head; d; d = d->next) {
        const char *s = pl_json_str(d->hello, "session", NULL);
        if (d->hello && (!session || (s && strcmp(s, session) == 0)))
            return d;
    }
    return NULL;
}

cJSON *pl_drivers_json(const pl_drivers *r)
{
    cJSON *arr = cJSON_CreateArray();
    for (pl_driver *d = r->head; d; d = d->next) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", d->id);
        if (d->hello)
            cJSON_AddItemToObject(o, "hello", cJSON_Duplicate(d->hello, 1));
        size_t pending = 0;
        for (size_t i = 0; i < PL_DRIVER_MAX_PENDING; i++)
            pending += d->pending[i].id != 0;
        cJSON_AddNumberToObject(o, "pending", (double)pending);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

/* ---- input ------------------------------------------------------------------------ */

/* Checks and keeps a hello; replies welcome or an error. */
static void pl_driver_on_hello(pl_driver *d, const cJSON *h)
{
    const cJSON *client = cJSON_GetObjectItemCaseSensitive(h, "client");
    const cJSON *actions = cJSON_GetObjectItemCaseSensitive(h, "actions");
    if (!cJSON_IsObject(h) || !cJSON_IsString(client)) {
        pl_driver_error(d, "hello must be an object with a string \"client\"");
        return;
    }
    int names_ok = !actions || cJSON_IsArray(actions);
    const cJSON *a;
    cJSON_ArrayForEach(a, actions) names_ok = names_ok && cJSON_IsString(a);
    if (!names_ok) {
        pl_driver_error(d, "hello.actions must be an array of action names");
        return;
    }
    cJSON_Delete(d->hello);
    d->hello = cJSON_Duplicate(h, 1);
    pl_info("driver %s: hello from %s %s", d->id, client->valuestring,
            pl_json_str(d->hello, "version", ""));
    cJSON *w = cJSON_CreateObject();
    cJSON *in = cJSON_AddObjectToObject(w, "welcome");
    cJSON_AddStringToObject(in, "parley", PARLEY_VERSION);
    cJSON_AddStringToObject(in, "driver", d->id);
    pl_driver_send(d, w);
}

static void pl_driver_on_reply(pl_driver *d, const cJSON *msg, uint64_t id)
{
    for (size_t i = 0; i < PL_DRIVER_MAX_PENDING; i++) {
        pl_driver_cmd c = d->pending[i];
        if (c.id != id)
            continue;
        d->pending[i].id = 0;
        if (c.fn)
            c.fn(c.user, msg, NULL);
        return;
    }
    pl_driver_error(d, "reply to an unknown or expired command id");
}

static void pl_driver_on_callback(pl_driver *d, const char *name, const cJSON *args)
{
    const char *session = pl_json_str(d->hello, "session", NULL);
    pl_session *s = NULL;
    if (session && d->reg->sessions) {
        /* the newest live session of that room */
        s = pl_sessions_find_room(d->reg->sessions, session);
    }
    if (s) {
        cJSON *rec = cJSON_CreateObject();
        cJSON_AddStringToObject(rec, "ev", "callback");
        cJSON_AddStringToObject(rec, "driver", d->id);
        cJSON_AddStringToObject(rec, "name", name);
        cJSON_AddItemToObject(rec, "args", args ? cJSON_Duplicate(args, 1) : cJSON_CreateObject());
        pl_session_note(s, rec);
    }
    if (d->reg->on_callback)
        d->reg->on_callback(d->reg->on_callback_user, d, name, args);
}

void pl_driver_input(pl_driver *d, const void *data, size_t len, int binary)
{
    cJSON *msg = binary ? NULL : cJSON_ParseWithLength(data, len);
    if (!cJSON_IsObject(msg)) {
        cJSON *raw = cJSON_CreateObject();
        cJSON_AddNumberToObject(raw, "len", (double)len);
        pl_driver_trace(d, "in", raw);
        pl_driver_error(d, "driver frames are JSON objects (hello, a reply or a callback)");
        cJSON_Delete(msg);
        return;
    }
    pl_driver_trace(d, "in", cJSON_Duplicate(msg, 1));
    const cJSON *hello = cJSON_GetObjectItemCaseSensitive(msg, "hello");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
    const cJSON *cb = cJSON_GetObjectItemCaseSensitive(msg, "callback");
    if (hello)
        pl_driver_on_hello(d, hello);
    else if (!d->hello)
        pl_driver_error(d, "say hello first: {\"hello\":{\"client\":…,\"actions\":[…]}}");
    else if (cJSON_IsNumber(id) && id->valuedouble >= 1)
        pl_driver_on_reply(d, msg, (uint64_t)id->valuedouble);
    else if (cJSON_IsString(cb))
        pl_driver_on_callback(d, cb->valuestring,
                              cJSON_GetObjectItemCaseSensitive(msg, "args"));
    else
        pl_driver_error(d, "not a hello, a reply {\"id\":N,\"ok\":…} or a callback "
                           "{\"callback\":…}");
    cJSON_Delete(msg);
}

/* ---- commands --------------------------------------------------------------------- */

int pl_driver_has_action(const pl_driver *d, const char *action)
{
    const cJSON *actions = d->hello ? cJSON_GetObjectItemCaseSensitive(d->hello, "actions") : NULL;
    const cJSON *a;
    cJSON_ArrayForEach(a, actions) if (cJSON_IsString(a) && strcmp(a->valuestring, action) == 0)
        return 1;
    return 0;
}

uint64_t pl_driver_drive(pl_driver *d, const char *action, const cJSON *args, int64_t timeout_us,
                         pl_driver_reply_fn fn, void *user, char *err, size_t errlen)
{
    if (!d->hello) {
        snprintf(err, errlen, "driver %s has not said hello yet", d->id);
        return 0;
    }
    if (!pl_driver_has_action(d, action)) {
        snprintf(err, errlen, "driver %s (%s) did not announce the action %s", d->id,
                 pl_json_str(d->hello, "client", NULL), action);
        return 0;
    }
    size_t slot = 0;
    while (slot < PL_DRIVER_MAX_PENDING && d->pending[slot].id)
        slot++;
    if (slot == PL_DRIVER_MAX_PENDING) {
        snprintf(err, errlen, "driver %s has %d commands pending", d->id, PL_DRIVER_MAX_PENDING);
        return 0;
    }
    uint64_t id = ++d->next_cmd;
    d->pending[slot] = (pl_driver_cmd){id, pl_clock_mono_us() + timeout_us, fn, user};
    cJSON *cmd = cJSON_CreateObject();
    cJSON_AddNumberToObject(cmd, "id", (double)id);
    cJSON_AddStringToObject(cmd, "drive", action);
    cJSON_AddItemToObject(cmd, "args", args ? cJSON_Duplicate(args, 1) : cJSON_CreateObject());
    if (pl_driver_send(d, cmd) < 0) {
        d->pending[slot].id = 0;
        snprintf(err, errlen, "driver %s: cannot write to the app", d->id);
        return 0;
    }
    return id;
}

void pl_driver_cancel(pl_driver *d, uint64_t id)
{
    for (size_t i = 0; i < PL_DRIVER_MAX_PENDING; i++)
        if (d->pending[i].id == id)
            d->pending[i].id = 0;
}

const char *pl_driver_id(const pl_driver *d)
{
    return d->id;
}

const cJSON *pl_driver_hello(const pl_driver *d)
{
    return d->hello;
}
