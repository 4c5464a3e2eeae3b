/* pl_server.h — the mock's libwebsockets server: one context, one thread, HTTP and
 * WebSocket on one port (DESIGN §2, §6).
 *
 * The server owns the lws context and the trace. The admin API lives under
 * /_parley/ (health now; sessions, journal, push, driver and the dialect
 * endpoints join as the dialects land). The caller drives the loop with
 * pl_server_service() and stops on pl_signal_pending(); pl_server_free() flushes
 * and closes everything. */
#ifndef PL_SERVER_H
#define PL_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "core/pl_trace.h"

typedef struct {
    const char *listen;     /* interface address; default 127.0.0.1 */
    int port;               /* 0 = any free port (see pl_server_port) */
    const char *cert, *key; /* both or neither: TLS via OpenSSL */
    const char *trace_path; /* JSONL trace, or NULL */
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

/* Records "stop" in the trace, flushes, destroys the context and frees. */
void pl_server_free(pl_server *s);

#endif
