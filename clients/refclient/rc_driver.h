/* rc_driver.h — the driver channel (parley docs/driver.md): the app says hello, then
 * parley sends drive commands {"id":N,"drive":ACTION,"args":{…}}, the app answers each one
 * exactly once ({"id":N,"ok":true[,"result":{…}]} or {"id":N,"ok":false,"error":"…"}) and
 * reports SDK callbacks {"callback":NAME,"args":{…}} as they fire. */
#ifndef RC_DRIVER_H
#define RC_DRIVER_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "rc_ws.h"

typedef struct rc_driver rc_driver;

typedef struct {
    /* A drive command. Answer it once with rc_driver_reply_ok/_error, now or later. args is
     * an object (empty when the frame had none), valid during the call only. */
    void (*on_drive)(void *user, int64_t id, const char *action, const cJSON *args);
} rc_driver_ops;

typedef enum {
    RC_DRIVER_CONNECTING,
    RC_DRIVER_OPEN,
    RC_DRIVER_CLOSED, /* parley closed the channel with a close frame */
    RC_DRIVER_LOST,   /* the connection went away without one */
    RC_DRIVER_FAILED  /* it never opened */
} rc_driver_state;

/* Connects to url; hello (owned) is sent as {"hello":hello} once the channel is open.
 * NULL with err if the connection cannot even start. */
rc_driver *rc_driver_open(rc_net *net, const char *url, cJSON *hello, const rc_driver_ops *ops,
                          void *user, char *err, size_t errlen);
rc_driver_state rc_driver_get_state(const rc_driver *d);

/* The answer to command id; result (owned, may be NULL) becomes "result". */
void rc_driver_reply_ok(rc_driver *d, int64_t id, cJSON *result);
void rc_driver_reply_error(rc_driver *d, int64_t id, const char *error);
/* An SDK callback; args (owned, may be NULL: {}). */
void rc_driver_callback(rc_driver *d, const char *name, cJSON *args);

/* Closes the channel (code 1000, or 1001 when the app is going away) and frees. */
void rc_driver_free(rc_driver *d, int code);

#endif
