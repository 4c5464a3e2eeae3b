/* pl_driver.h — the driver channel (DESIGN §3, docs/driver.md) at /_parley/driver.
 *
 * A client under test (a small app around the vendor SDK) connects here, says hello with
 * the SDK actions it can perform, executes drive commands parley sends it, and reports the
 * SDK callbacks as they fire:
 *   app → parley  {"hello":{"client":"name","version":"1.2.3","dialects":["aicall"],
 *                           "actions":["enablePushToTalk",…],"session":"room-7"}}
 *   parley → app  {"welcome":{"parley":"0.1.0","driver":"d1"}}
 *   parley → app  {"id":7,"drive":"enablePushToTalk","args":{"enable":true}}
 *   app → parley  {"id":7,"ok":true} | {"id":7,"ok":false,"error":"…"}
 *   app → parley  {"callback":"pushToTalkChanged","args":{"enable":true}}
 *   parley → app  {"error":"…"} when a frame is not understood (the channel stays open)
 * hello.session (the PARLEY_SESSION the app was started with) names the room of the
 * bridge session the app belongs to: its callbacks are also written into the journal of
 * the newest session of that room.
 *
 * Like pl_session, a driver is transport-neutral: the WebSocket glue (pl_ws.c) gives it a
 * write/close op and feeds it complete messages. pl_drivers is the registry (ids "d1", …)
 * and owns every driver. */
#ifndef PL_DRIVER_H
#define PL_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/pl_trace.h"
#include "mock/pl_sessions.h"

#define PL_DRIVER_MAX_PENDING 64 /* drive commands in flight per driver */

typedef struct pl_driver pl_driver;
typedef struct pl_drivers pl_drivers;

typedef struct {
    int (*write)(void *host, const void *data, size_t len, int binary);
    void (*close)(void *host, int code, const char *reason);
} pl_driver_host_ops;

/* The answer to a drive command: reply is the app's {"id","ok",…} object, or NULL when
 * there was none (error says why: "timeout", "driver disconnected"). reply
 * is borrowed for the call. */
typedef void (*pl_driver_reply_fn)(void *user, const cJSON *reply, const char *error);

/* Every callback the app reports (the runner's expect_callback). Borrowed args. */
typedef void (*pl_driver_callback_fn)(void *user, pl_driver *d, const char *name,
                                      const cJSON *args);

/* sessions: where callbacks are journaled (borrowed, may be NULL); trace borrowed. */
pl_drivers *pl_drivers_new(pl_sessions *sessions, pl_trace *trace);
void pl_drivers_free(pl_drivers *r);
void pl_drivers_on_callback(pl_drivers *r, pl_driver_callback_fn fn, void *user);

/* A new connection; the registry owns the driver. */
pl_driver *pl_drivers_open(pl_drivers *r, const pl_driver_host_ops *ops, void *host);
/* The connection is gone: pending commands complete with "driver disconnected" and the
 * driver is freed. */
void pl_drivers_close(pl_drivers *r, pl_driver *d);
/* Times out overdue commands; call about once a second. */
void pl_drivers_tick(pl_drivers *r, int64_t now_us);

pl_driver *pl_drivers_find(const pl_drivers *r, const char *id);
size_t pl_drivers_count(const pl_drivers *r);
/* The newest driver whose hello named this session/room (session NULL: the newest driver
 * that has said hello at all), or NULL. */
pl_driver *pl_drivers_for_session(const pl_drivers *r, const char *session);
cJSON *pl_drivers_json(const pl_drivers *r);

/* One complete WebSocket message from the app. */
void pl_driver_input(pl_driver *d, const void *data, size_t len, int binary);

/* Sends a drive command. fn is called once, later, from the loop (reply, timeout or
 * disconnect) unless the command is cancelled first. Returns the command id (> 0), or 0 with err set:
 * no hello yet, action not announced, too many pending. */
uint64_t pl_driver_drive(pl_driver *d, const char *action, const cJSON *args,
                         int64_t timeout_us, pl_driver_reply_fn fn, void *user, char *err,
                         size_t errlen);
/* The caller is gone: the command is forgotten and fn is never called. */
void pl_driver_cancel(pl_driver *d, uint64_t id);

const char *pl_driver_id(const pl_driver *d);
/* The hello object, or NULL before hello (borrowed). */
const cJSON *pl_driver_hello(const pl_driver *d);
int pl_driver_has_action(const pl_driver *d, const char *action);

#endif
