/* pl_ws.h — the mock's WebSocket connections on libwebsockets.
 *
 * Every WebSocket the mock accepts lands here and is routed by path: the room bridge of a
 * dialect (/<id>/room?room=R&user=U), a dialect's native endpoint (bailian), or the driver
 * channel (/_parley/driver). This module is the host of pl_session and pl_driver: it
 * reassembles fragmented messages up to limits.max_message (a longer one is reported and
 * dropped, the connection stays), queues outgoing frames up to limits.out_queue (a peer
 * that stops reading is cut off with 1008), runs the session's timer slots on lws timers,
 * and closes with a code and reason. Nothing blocks the loop. */
#ifndef PL_WS_H
#define PL_WS_H

#include <stddef.h>

#include <libwebsockets.h>

typedef struct pl_server pl_server;
typedef struct pl_ws_conn pl_ws_conn;

/* Handles a WebSocket callback reason; *slot is the per-connection pointer in lws' per
 * session data. Returns what the lws callback must return. */
int pl_ws_handle(pl_server *srv, struct lws *wsi, enum lws_callback_reasons reason,
                 pl_ws_conn **slot, void *in, size_t len);

/* Is this a WebSocket callback reason pl_ws_handle() deals with? */
int pl_ws_reason(enum lws_callback_reasons reason);

#endif
