/* pl_wsio.c — frame queue, reassembly, timers and close of one WebSocket (see pl_wsio.h).
 *
 * Outgoing frames are a FIFO of malloc'd blocks with LWS_PRE headroom, written one per
 * WRITEABLE callback. */
#include "mock/pl_wsio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_log.h"

#define PL_WSIO_CLOSE_GRACE_S 3 /* a peer that does not take the close frame is cut off */

struct pl_wsio_frame {
    struct pl_wsio_frame *next;
    size_t len;
    int binary;
    unsigned char data[]; /* LWS_PRE + len */
};

static void pl_wsio_timer_cb(lws_sorted_usec_list_t *sul)
{
    pl_wsio_slot *t = lws_container_of(sul, pl_wsio_slot, sul);
    if (t->io->session)
        pl_session_timer_fire(t->io->session, t->slot);
}

void pl_wsio_init(pl_wsio *io, struct lws_context *ctx, struct lws *wsi, size_t max_message,
                  size_t out_queue, const char *who)
{
    memset(io, 0, sizeof *io);
    io->wsi = wsi;
    io->ctx = ctx;
    io->max_message = max_message;
    io->out_queue = out_queue;
    io->who = who;
    for (int i = 0; i < PL_SESSION_TIMERS; i++) {
        io->timers[i].io = io;
        io->timers[i].slot = i;
    }
}

void pl_wsio_free(pl_wsio *io)
{
    for (int i = 0; i < PL_SESSION_TIMERS; i++)
        lws_sul_cancel(&io->timers[i].sul);
    while (io->head) {
        pl_wsio_frame *f = io->head;
        io->head = f->next;
        free(f);
    }
    io->tail = NULL;
    pl_buf_free(&io->rx);
}

void pl_wsio_close_later(pl_wsio *io, int code, const char *reason)
{
    if (io->want_close)
        return;
    io->want_close = 1;
    io->close_code = code;
    snprintf(io->close_reason, sizeof io->close_reason, "%s", reason ? reason : "");
    lws_callback_on_writable(io->wsi);
    /* The close frame waits behind the queue; a peer that stopped reading never lets it out,
     * so the connection is dropped after a grace period whatever happens. */
    lws_set_timeout(io->wsi, PENDING_TIMEOUT_USER_OK, PL_WSIO_CLOSE_GRACE_S);
}

int pl_wsio_write(void *host, const void *data, size_t len, int binary)
{
    pl_wsio *io = host;
    if (io->want_close)
        return -1;
    if (io->out_bytes + len > io->out_queue) {
        const char *who = io->session ? pl_session_id(io->session) : io->who;
        pl_warn("%s: the peer does not read; %zu bytes queued (limits.out_queue %zu): closing",
                who, io->out_bytes, io->out_queue);
        if (io->session) /* journaled as a close parley asked for */
            pl_session_close(io->session, 1008, "peer not reading (limits.out_queue)");
        else
            pl_wsio_close_later(io, 1008, "peer not reading (limits.out_queue)");
        return -1;
    }
    pl_wsio_frame *f = pl_xmalloc(sizeof *f + LWS_PRE + len);
    f->next = NULL;
    f->len = len;
    f->binary = binary;
    memcpy(f->data + LWS_PRE, data, len);
    if (io->tail)
        io->tail->next = f;
    else
        io->head = f;
    io->tail = f;
    io->out_bytes += len;
    lws_callback_on_writable(io->wsi);
    return 0;
}

static void pl_wsio_timer(void *host, int slot, int64_t delay_us)
{
    pl_wsio *io = host;
    pl_wsio_slot *t = &io->timers[slot];
    if (delay_us < 0) {
        lws_sul_cancel(&t->sul);
        return;
    }
    lws_sul_schedule(io->ctx, 0, &t->sul, pl_wsio_timer_cb, delay_us);
}

static void pl_wsio_close(void *host, int code, const char *reason)
{
    pl_wsio_close_later(host, code, reason);
}

/* Fault: the connection is dropped on the next service pass, with no close frame. */
static void pl_wsio_abort(void *host)
{
    pl_wsio *io = host;
    lws_set_timeout(io->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void pl_wsio_fragment(void *host, size_t size)
{
    ((pl_wsio *)host)->frag = size;
}

const pl_session_host_ops pl_wsio_session_ops = {pl_wsio_write, pl_wsio_timer,   pl_wsio_close,
                                                 NULL,          pl_wsio_abort,   pl_wsio_fragment};

int pl_wsio_receive(pl_wsio *io, const void *in, size_t len)
{
    if (!io->rx_active) {
        io->rx_active = 1;
        io->rx_binary = lws_frame_is_binary(io->wsi);
    }
    io->rx_total += len;
    if (!io->rx_over && io->rx_total > io->max_message) {
        io->rx_over = 1;
        if (io->rx.len > PL_WSIO_HEAD_KEEP)
            pl_buf_truncate(&io->rx, PL_WSIO_HEAD_KEEP); /* keep the head for the report */
    }
    if (!io->rx_over)
        pl_buf_append(&io->rx, in, len);
    else if (io->rx.len < PL_WSIO_HEAD_KEEP)
        pl_buf_append(&io->rx, in,
                      len < PL_WSIO_HEAD_KEEP - io->rx.len ? len : PL_WSIO_HEAD_KEEP - io->rx.len);
    return lws_is_final_fragment(io->wsi) && !lws_remaining_packet_payload(io->wsi);
}

void pl_wsio_rx_done(pl_wsio *io)
{
    pl_buf_reset(&io->rx);
    io->rx_total = 0;
    io->rx_over = io->rx_active = 0;
}

void pl_wsio_deliver(pl_wsio *io)
{
    if (io->rx_over)
        pl_session_input_oversize(io->session, io->rx.data, io->rx.len, io->rx_total,
                                  io->rx_binary);
    else
        pl_session_input(io->session, io->rx.data ? io->rx.data : "", io->rx.len, io->rx_binary);
}

int pl_wsio_writeable(pl_wsio *io)
{
    pl_wsio_frame *f = io->head;
    if (!f) {
        if (!io->want_close)
            return 0;
        lws_close_reason(io->wsi, (enum lws_close_status)io->close_code,
                         (unsigned char *)io->close_reason, strlen(io->close_reason));
        return -1;
    }
    size_t off = io->frag_off, n_out = f->len - off;
    if (io->frag && n_out > io->frag)
        n_out = io->frag;
    int last = off + n_out == f->len;
    /* Pieces after the first overwrite the LWS_PRE bytes before them, which were sent. */
    int flags = lws_write_ws_flags(f->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT, off == 0, last);
    int n = lws_write(io->wsi, f->data + LWS_PRE + off, n_out, (enum lws_write_protocol)flags);
    if (!last && n >= 0) {
        io->frag_off += n_out;
        lws_callback_on_writable(io->wsi);
        return 0;
    }
    io->frag_off = 0;
    io->head = f->next;
    if (!io->head)
        io->tail = NULL;
    io->out_bytes -= f->len;
    free(f);
    if (n < 0)
        return -1;
    if (io->head || io->want_close)
        lws_callback_on_writable(io->wsi);
    return 0;
}

void pl_wsio_peer_close(pl_wsio *io, const void *in, size_t len)
{
    if (len >= 2)
        io->peer_code = ((const unsigned char *)in)[0] << 8 | ((const unsigned char *)in)[1];
    else
        io->peer_code = 1005; /* close frame without a status code */
}

int pl_wsio_end_code(const pl_wsio *io)
{
    return io->peer_code ? io->peer_code : io->want_close ? io->close_code : 1006;
}
