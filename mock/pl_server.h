/* pl_server.h — the mock's libwebsockets server: one context, one thread, HTTP and
 * WebSocket on one port (DESIGN §2, §6).
 *
 * The server owns the lws context, the trace, the session registry and the driver
 * registry. One lws protocol serves everything: HTTP requests go to the admin API
 * (mock/pl_admin.c), WebSocket connections to mock/pl_ws.c, which routes them by path
 * to a dialect's room bridge or native endpoint, or to the driver channel. A 1 s timer
 * ticks every session (deadline rules), times out driver commands and flushes the trace.
 * The caller drives the loop with pl_server_service() and stops on pl_signal_pending();
 * pl_server_free() closes every session, flushes and closes everything. */
#ifndef PL_SERVER_H
#define PL_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/pl_trace.h"
#include "mock/pl_catalog.h"
#include "mock/pl_profile.h"
#include "mock/pl_session.h"

typedef struct {
    const char *listen;     /* interface address; default 127.0.0.1 */
    int port;               /* 0 = any free port (see pl_server_port) */
    const char *cert, *key; /* both or neither: TLS via OpenSSL */
    const char *trace_path; /* JSONL trace, or NULL */
    const pl_profile *profile; /* limits and behaviour (borrowed; NULL: built-in defaults) */
    pl_catalog *catalog;       /* message schemas (borrowed; NULL: no schema layer) */
} pl_server_opts;

typedef struct pl_server pl_server;

/* Creates the context and starts listening. NULL with a message in err (port in
 * use, unreadable certificate, unwritable trace). */
pl_server *pl_server_new(const pl_server_opts *opts, char *err, size_t errlen);

/* One pass of the event loop; returns < 0 when the context is finished. */
int pl_server_service(pl_server *s);

/* The port actually bound. */
int pl_server_port(const pl_server *s);
int pl_server_tls(const pl_server *s);
const char *pl_server_host(const pl_server *s);

/* Borrowed: the lws context, so a caller can add client connections to the same loop. */
struct lws_context *pl_server_context(pl_server *s);

/* NULL when no trace was asked for. */
pl_trace *pl_server_trace(pl_server *s);

/* Counts of served requests, for the health document and tests. */
uint64_t pl_server_requests(const pl_server *s);
void pl_server_count_request(pl_server *s);

/* The parts the WebSocket glue, the admin API and the runner share (borrowed). */
struct pl_sessions *pl_server_sessions(pl_server *s);
struct pl_drivers *pl_server_drivers(pl_server *s);
const pl_profile *pl_server_profile(const pl_server *s);
pl_catalog *pl_server_catalog(pl_server *s);

/* Open WebSocket sessions and driver connections: what limits.max_sessions counts. */
size_t pl_server_connections(pl_server *s);

/* A hook that sees the options of every new session just before it is created, so the
 * runner can attach its observer and the scenario's behaviour switches from the first
 * record on (pl_session_opts.observer/behaviour). One hook; NULL removes it. */
typedef void (*pl_server_session_fn)(void *user, pl_session_opts *o);
void pl_server_on_session(pl_server *s, pl_server_session_fn fn, void *user);
/* Called by the WebSocket glue with the options it is about to use. */
void pl_server_session_opts(pl_server *s, pl_session_opts *o);

/* HTTP requests the admin API does not serve (any path outside /_parley/) are offered to
 * this hook (the runner's expect_http steps; later the dialects' cloud APIs). It answers
 * synchronously: returns 1 with *status, a malloc'd *body (and its *content_type, valid until the next loop turn: the admin copies it)
 * filled, or 0 to let the server answer 404. */
typedef struct pl_server_http_req {
    const char *method, *path, *query; /* query without '?', "" when none */
    /* "" or the N of a request to /_parley/runs/N/…: a scenario run's own base URL
     * (${parley_url}); path is then the part after it. */
    const char *scope;
    const char *body;
    size_t body_len;
    /* Copies the value of request header name (case-insensitive, any header) into out;
     * returns its length, or -1 when the request has no such header. */
    int (*header)(const void *impl, const char *name, char *out, size_t n);
    const void *impl;
} pl_server_http_req;
typedef int (*pl_server_http_fn)(void *user, const pl_server_http_req *req, int *status,
                                 char **body, const char **content_type);
void pl_server_on_http(pl_server *s, pl_server_http_fn fn, void *user);
int pl_server_http_hook(pl_server *s, const pl_server_http_req *req, int *status, char **body,
                        const char **content_type);

/* The server state of a dialect with a cloud part (pl_dialect.cloud_new), or NULL. */
void *pl_server_cloud(pl_server *s, const pl_dialect *d);
/* Offers a request to every dialect's cloud_http (after the hook above declined it). */
int pl_server_cloud_http(pl_server *s, const pl_server_http_req *req, int *status, char **body,
                         const char **content_type);

/* Adds a record to the trace if there is one; takes ownership of rec. */
void pl_server_trace_record(pl_server *s, cJSON *rec);
/* {"ok":true,"parley":…,"uptime_ms":…,"requests":…,"sessions":{"live":…}} */
cJSON *pl_server_health_json(pl_server *s);

/* Closes every session (1001) and destroys the context; the registries stay readable
 * (for the JUnit report) until pl_server_free(). */
void pl_server_stop(pl_server *s);

/* Stops if needed, records "stop" in the trace, flushes and frees everything. */
void pl_server_free(pl_server *s);

#endif
