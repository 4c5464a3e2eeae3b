/* pl_wsio.h — the I/O half of one WebSocket connection on libwebsockets, shared by the
 * mock's server side (mock/pl_ws.c) and parley's client side (mock/pl_wsclient.c).
 *
 * It reassembles fragmented messages up to a size limit (a longer one is kept only by its
 * head, so it can be reported, and the connection stays), queues outgoing frames up to a
 * byte limit (a peer that stops reading is cut off with 1008), writes one frame (or one
 * fragment of it, for the slice fault) per WRITEABLE callback, runs the eight timer slots
 * of a pl_session on lws timers, and closes with a code and reason after the queue drained
 * (or after a grace period when the peer stops reading). It is the pl_session host:
 * pl_wsio_session_ops with the pl_wsio as host. Nothing blocks the loop.
 *
 * Ownership: the pl_wsio is embedded in its connection struct; pl_wsio_free() releases the
 * queue and the reassembly buffer and cancels the timers, never the session. */
#ifndef PL_WSIO_H
#define PL_WSIO_H

#include <stddef.h>

#include <libwebsockets.h>

#include "core/pl_buf.h"
#include "mock/pl_session.h"

typedef struct pl_wsio_frame pl_wsio_frame;
typedef struct pl_wsio pl_wsio;

typedef struct {
    lws_sorted_usec_list_t sul;
    pl_wsio *io;
    int slot;
} pl_wsio_slot;

struct pl_wsio {
    struct lws *wsi;
    struct lws_context *ctx;
    pl_session *session; /* the session this connection hosts, or NULL (driver channel) */
    size_t max_message, out_queue;
    const char *who; /* for the log: "driver", "target" */
    /* incoming message being reassembled */
    pl_buf rx;
    size_t rx_total;
    int rx_binary, rx_over, rx_active;
    /* outgoing */
    pl_wsio_frame *head, *tail;
    size_t out_bytes;
    int want_close, close_code, peer_code;
    char close_reason[124];
    size_t frag, frag_off; /* fault: fragment size (0 off), bytes of the head frame sent */
    pl_wsio_slot timers[PL_SESSION_TIMERS];
};

#define PL_WSIO_HEAD_KEEP 1024 /* bytes of an oversize message kept for the report */

/* wsi may be NULL until the connection exists (client side): set io->wsi then. */
void pl_wsio_init(pl_wsio *io, struct lws_context *ctx, struct lws *wsi, size_t max_message,
                  size_t out_queue, const char *who);
void pl_wsio_free(pl_wsio *io);

/* pl_session host ops on a pl_wsio (host = the pl_wsio). */
extern const pl_session_host_ops pl_wsio_session_ops;

/* Queues a frame; -1 when closing or when the queue is over the limit (the connection is
 * then closed with 1008, through the session when there is one). */
int pl_wsio_write(void *io, const void *data, size_t len, int binary);
void pl_wsio_close_later(pl_wsio *io, int code, const char *reason);

/* A piece of an incoming message (RECEIVE callbacks). Returns 1 when the message is
 * complete: io->rx holds it (only its head when io->rx_over; io->rx_total is the full size)
 * until pl_wsio_rx_done(). */
int pl_wsio_receive(pl_wsio *io, const void *in, size_t len);
void pl_wsio_rx_done(pl_wsio *io);
/* Hands a complete message to the session (input, or input_oversize). */
void pl_wsio_deliver(pl_wsio *io);

/* WRITEABLE: writes the next frame or piece, or the close; returns what the lws callback
 * must return (-1 closes). */
int pl_wsio_writeable(pl_wsio *io);

/* PEER_INITIATED_CLOSE: remembers the peer's close code (1005 when it gave none). */
void pl_wsio_peer_close(pl_wsio *io, const void *in, size_t len);

/* The code the connection ended with: the peer's, ours, or 1006 (abrupt). */
int pl_wsio_end_code(const pl_wsio *io);

#endif
