/* pl_admin.h — the mock's HTTP admin API under /_parley/ (docs/admin.md).
 *
 *   GET  /_parley/                       index: endpoints, dialects and their URLs
 *   GET  /_parley/health                 {"ok":true,…}
 *   GET  /_parley/sessions               live and recently closed sessions
 *   GET  /_parley/sessions/ID            one session's summary and findings
 *   GET  /_parley/sessions/ID/journal    its journal (?since=N: records after N)
 *   GET  /_parley/sessions/ID/findings   its findings
 *   POST /_parley/sessions/ID/push       inject a vendor message (body), agent → client;
 *                                        ?raw=1 sends the body bytes unparsed, ?event=1
 *                                        sends a bridge event frame as it is
 *   POST /_parley/sessions/ID/behaviour  {"name":"confirm.push_to_talk","on":false}
 *   POST /_parley/sessions/ID/close      {"code":1000,"reason":"…"}
 *   GET  /_parley/drivers                connected client apps and their hellos
 *   POST /_parley/drivers/ID/drive       {"drive":"enablePushToTalk","args":{…},
 *                                        "timeout_ms":5000}: answered with the app's reply
 *
 * Responses are JSON; errors are {"error":"…"} with 400/404/405/409/413/502/504. A
 * request body is capped at limits.max_http_body (413 beyond). A drive request is
 * answered when the app replies, so its HTTP response is written later from the loop. */
#ifndef PL_ADMIN_H
#define PL_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "core/pl_buf.h"

typedef struct pl_server pl_server;
typedef struct pl_driver pl_driver;

/* Per HTTP connection state, embedded in lws' per-session data. */
typedef struct {
    struct lws *wsi;
    pl_server *srv;
    char path[256];
    char scope[32]; /* N of /_parley/runs/N/… (stripped from path), or "" */
    char method[8]; /* GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS */
    int post;       /* the method carries a body (POST, PUT, PATCH) */
    pl_buf body;
    size_t body_total;
    /* the response */
    char *resp;
    size_t resp_len, sent;
    char resp_type[128]; /* content type (a copy), "application/json" by default */
    unsigned status;
    int headers_sent;
    /* a drive command waiting for the app's reply */
    pl_driver *wait_driver;
    uint64_t wait_id;
} pl_admin_req;

/* Handles an HTTP callback reason; returns what the lws callback must return. */
int pl_admin_handle(pl_server *srv, struct lws *wsi, enum lws_callback_reasons reason,
                    pl_admin_req *r, void *in, size_t len);

#endif
