/* pl_ws.c — WebSocket connections of the mock (see pl_ws.h).
 *
 * A pl_ws_conn is allocated per accepted WebSocket and pointed to from lws' per-session
 * data; it outlives nothing: on LWS_CALLBACK_CLOSED it hands its session to the registry
 * (retired, still readable through the admin API) and is freed. Outgoing frames are a
 * FIFO of malloc'd blocks with LWS_PRE headroom, written one per WRITEABLE callback. */
#include "mock/pl_ws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "core/pl_log.h"
#include "mock/pl_driver.h"
#include "mock/pl_server.h"
#include "mock/pl_session.h"
#include "mock/pl_sessions.h"

#define PL_WS_HEAD_KEEP 1024 /* bytes of an oversize message kept for the report */
#define PL_WS_ID_MAX 256     /* longest room or user id */
#define PL_WS_ID_MAX_STR "256"

typedef struct pl_ws_frame {
    struct pl_ws_frame *next;
    size_t len;
    int binary;
    unsigned char data[]; /* LWS_PRE + len */
} pl_ws_frame;

typedef struct {
    lws_sorted_usec_list_t sul;
    pl_ws_conn *conn;
    int slot;
} pl_ws_slot;

struct pl_ws_conn {
    pl_server *srv;
    struct lws *wsi;
    pl_session *session;
    pl_driver *driver;
    /* incoming message being reassembled */
    pl_buf rx;
    size_t rx_total;
    int rx_binary, rx_over, rx_active;
    /* outgoing */
    pl_ws_frame *head, *tail;
    size_t out_bytes;
    int want_close, close_code, peer_code;
    char close_reason[124];
    size_t frag, frag_off; /* fault: fragment size (0 off), bytes of the head frame sent */
    pl_ws_slot timers[PL_SESSION_TIMERS];
};

int pl_ws_reason(enum lws_callback_reasons reason)
{
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
    case LWS_CALLBACK_RECEIVE:
    case LWS_CALLBACK_SERVER_WRITEABLE:
    case LWS_CALLBACK_CLOSED:
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        return 1;
    default:
        return 0;
    }
}

/* ---- host ops --------------------------------------------------------------------- */

#define PL_WS_CLOSE_GRACE_S 3 /* a peer that does not take the close frame is cut off */

static void pl_ws_close_later(pl_ws_conn *c, int code, const char *reason)
{
    if (c->want_close)
        return;
    c->want_close = 1;
    c->close_code = code;
    snprintf(c->close_reason, sizeof c->close_reason, "%s", reason ? reason : "");
    lws_callback_on_writable(c->wsi);
    /* The close frame waits behind the queue; a peer that stopped reading never lets it out,
     * so the connection is dropped after a grace period whatever happens. */
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, PL_WS_CLOSE_GRACE_S);
}

static int pl_ws_write(void *host, const void *data, size_t len, int binary)
{
    pl_ws_conn *c = host;
    if (c->want_close)
        return -1;
    size_t limit = pl_profile_limits_get(pl_server_profile(c->srv))->out_queue;
    if (c->out_bytes + len > limit) {
        pl_warn("%s: the client does not read; %zu bytes queued (limits.out_queue %zu): closing",
                c->session ? pl_session_id(c->session) : "driver", c->out_bytes, limit);
        if (c->session) /* journaled as a close parley asked for */
            pl_session_close(c->session, 1008, "client not reading (limits.out_queue)");
        else
            pl_ws_close_later(c, 1008, "client not reading (limits.out_queue)");
        return -1;
    }
    pl_ws_frame *f = pl_xmalloc(sizeof *f + LWS_PRE + len);
    f->next = NULL;
    f->len = len;
    f->binary = binary;
    memcpy(f->data + LWS_PRE, data, len);
    if (c->tail)
        c->tail->next = f;
    else
        c->head = f;
    c->tail = f;
    c->out_bytes += len;
    lws_callback_on_writable(c->wsi);
    return 0;
}

static void pl_ws_timer_cb(lws_sorted_usec_list_t *sul)
{
    pl_ws_slot *t = lws_container_of(sul, pl_ws_slot, sul);
    if (t->conn->session)
        pl_session_timer_fire(t->conn->session, t->slot);
}

static void pl_ws_timer(void *host, int slot, int64_t delay_us)
{
    pl_ws_conn *c = host;
    pl_ws_slot *t = &c->timers[slot];
    if (delay_us < 0) {
        lws_sul_cancel(&t->sul);
        return;
    }
    lws_sul_schedule(pl_server_context(c->srv), 0, &t->sul, pl_ws_timer_cb, delay_us);
}

static void pl_ws_close(void *host, int code, const char *reason)
{
    pl_ws_close_later(host, code, reason);
}

/* Fault: the connection is dropped on the next service pass, with no close frame. */
static void pl_ws_abort(void *host)
{
    pl_ws_conn *c = host;
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void pl_ws_fragment(void *host, size_t size)
{
    ((pl_ws_conn *)host)->frag = size;
}

static const pl_session_host_ops pl_ws_session_ops = {pl_ws_write, pl_ws_timer, pl_ws_close,
                                                      NULL,        pl_ws_abort, pl_ws_fragment};
static const pl_driver_host_ops pl_ws_driver_ops = {pl_ws_write, pl_ws_close};

/* ---- routing ---------------------------------------------------------------------- */

static int pl_ws_reject(pl_ws_conn *c, int code, const char *fmt, const char *detail)
{
    char reason[124];
    snprintf(reason, sizeof reason, fmt, detail);
    pl_warn("websocket rejected: %s", reason);
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "ev", "ws_rejected");
    cJSON_AddNumberToObject(rec, "code", code);
    cJSON_AddStringToObject(rec, "reason", reason);
    pl_server_trace_record(c->srv, rec);
    pl_ws_close_later(c, code, reason);
    return 0;
}

/* "/aicall/room" → the dialect whose bridge that is, or NULL. */
static const pl_dialect *pl_ws_bridge_dialect(const char *path)
{
    for (const pl_dialect *const *d = pl_dialect_all(); *d; d++) {
        size_t n = strlen((*d)->id);
        if (path[0] == '/' && strncmp(path + 1, (*d)->id, n) == 0 &&
            strcmp(path + 1 + n, "/room") == 0)
            return *d;
    }
    return NULL;
}

static const pl_dialect *pl_ws_native_dialect(const char *path)
{
    for (const pl_dialect *const *d = pl_dialect_all(); *d; d++) {
        const char *p = (*d)->ws_path;
        size_t n = p ? strlen(p) : 0;
        if (p && strncmp(path, p, n) == 0 && (!path[n] || !strcmp(path + n, "/")))
            return *d;
    }
    return NULL;
}

static void pl_ws_open_session(pl_ws_conn *c, const pl_dialect *d, pl_transport tr,
                               const char *room, const char *user)
{
    pl_sessions *reg = pl_server_sessions(c->srv);
    char id[32];
    pl_sessions_next_id(reg, id, sizeof id);
    pl_session_opts o = {
        .dialect = d,
        .transport = tr,
        .id = id,
        .room = room,
        .user = user,
        .profile = pl_server_profile(c->srv),
        .catalog = pl_server_catalog(c->srv),
        .trace = pl_server_trace(c->srv),
        .behave = 1,
        .log_findings = 1,
        .ops = &pl_ws_session_ops,
        .host = c,
    };
    pl_server_session_opts(c->srv, &o);
    pl_info("%s: %s session opened%s%s%s%s", id, d->id, room ? " room=" : "", room ? room : "",
            user ? " user=" : "", user ? user : "");
    c->session = pl_session_new(&o);
    pl_sessions_add(reg, c->session);
}

static int pl_ws_established(pl_ws_conn *c)
{
    char path[256] = "", room[PL_WS_ID_MAX + 8] = "", user[PL_WS_ID_MAX + 8] = "";
    if (lws_hdr_copy(c->wsi, path, sizeof path, WSI_TOKEN_GET_URI) < 0)
        return pl_ws_reject(c, 1008, "request path too long%s", "");
    if (pl_server_connections(c->srv) >= pl_profile_limits_get(pl_server_profile(c->srv))->max_sessions)
        return pl_ws_reject(c, 1013, "too many sessions (limits.max_sessions)%s", "");
    if (strcmp(path, "/_parley/driver") == 0) {
        c->driver = pl_drivers_open(pl_server_drivers(c->srv), &pl_ws_driver_ops, c);
        return 0;
    }
    const pl_dialect *d = pl_ws_bridge_dialect(path);
    pl_transport tr = PL_TRANSPORT_BRIDGE;
    if (!d || !d->bridge_op) {
        d = pl_ws_native_dialect(path);
        tr = PL_TRANSPORT_NATIVE;
    }
    if (!d)
        return pl_ws_reject(c, 1008, "no WebSocket endpoint at %.80s (see GET /_parley/)", path);
    if (!pl_dialect_live(d))
        return pl_ws_reject(c, 1011, "dialect %s is not in this build yet", d->id);
    const char *r = NULL, *u = NULL;
    if (tr == PL_TRANSPORT_BRIDGE) {
        r = lws_get_urlarg_by_name(c->wsi, "room=", room, sizeof room);
        u = lws_get_urlarg_by_name(c->wsi, "user=", user, sizeof user);
        if (!r || !u || !*r || !*u || strlen(r) > PL_WS_ID_MAX || strlen(u) > PL_WS_ID_MAX)
            return pl_ws_reject(c, 1008, "the room bridge needs ?room=R&user=U (each 1-%s bytes)",
                                PL_WS_ID_MAX_STR);
    }
    pl_ws_open_session(c, d, tr, r, u);
    return 0;
}

/* ---- receive ---------------------------------------------------------------------- */

static void pl_ws_deliver(pl_ws_conn *c)
{
    if (c->session) {
        if (c->rx_over)
            pl_session_input_oversize(c->session, c->rx.data, c->rx.len, c->rx_total,
                                      c->rx_binary);
        else
            pl_session_input(c->session, c->rx.data ? c->rx.data : "", c->rx.len, c->rx_binary);
    } else if (c->driver) {
        if (!c->rx_over)
            pl_driver_input(c->driver, c->rx.data ? c->rx.data : "", c->rx.len, c->rx_binary);
    }
    pl_buf_reset(&c->rx);
    c->rx_total = 0;
    c->rx_over = c->rx_active = 0;
}

static void pl_ws_receive(pl_ws_conn *c, const void *in, size_t len)
{
    size_t limit = pl_profile_limits_get(pl_server_profile(c->srv))->max_message;
    if (!c->rx_active) {
        c->rx_active = 1;
        c->rx_binary = lws_frame_is_binary(c->wsi);
    }
    c->rx_total += len;
    if (!c->rx_over && c->rx_total > limit) {
        c->rx_over = 1;
        if (c->rx.len > PL_WS_HEAD_KEEP)
            pl_buf_truncate(&c->rx, PL_WS_HEAD_KEEP); /* keep the head for the report */
    }
    if (!c->rx_over)
        pl_buf_append(&c->rx, in, len);
    else if (c->rx.len < PL_WS_HEAD_KEEP)
        pl_buf_append(&c->rx, in, len < PL_WS_HEAD_KEEP - c->rx.len ? len
                                                                    : PL_WS_HEAD_KEEP - c->rx.len);
    if (lws_is_final_fragment(c->wsi) && !lws_remaining_packet_payload(c->wsi))
        pl_ws_deliver(c);
}

/* ---- write and close -------------------------------------------------------------- */

static int pl_ws_writeable(pl_ws_conn *c)
{
    pl_ws_frame *f = c->head;
    if (!f) {
        if (!c->want_close)
            return 0;
        lws_close_reason(c->wsi, (enum lws_close_status)c->close_code,
                         (unsigned char *)c->close_reason, strlen(c->close_reason));
        return -1;
    }
    size_t off = c->frag_off, n_out = f->len - off;
    if (c->frag && n_out > c->frag)
        n_out = c->frag;
    int last = off + n_out == f->len;
    /* Pieces after the first overwrite the LWS_PRE bytes before them, which were sent. */
    int flags = lws_write_ws_flags(f->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT, off == 0, last);
    int n = lws_write(c->wsi, f->data + LWS_PRE + off, n_out, (enum lws_write_protocol)flags);
    if (!last && n >= 0) {
        c->frag_off += n_out;
        lws_callback_on_writable(c->wsi);
        return 0;
    }
    c->frag_off = 0;
    c->head = f->next;
    if (!c->head)
        c->tail = NULL;
    c->out_bytes -= f->len;
    free(f);
    if (n < 0)
        return -1;
    if (c->head || c->want_close)
        lws_callback_on_writable(c->wsi);
    return 0;
}

static void pl_ws_free(pl_ws_conn *c)
{
    for (int i = 0; i < PL_SESSION_TIMERS; i++)
        lws_sul_cancel(&c->timers[i].sul);
    while (c->head) {
        pl_ws_frame *f = c->head;
        c->head = f->next;
        free(f);
    }
    pl_buf_free(&c->rx);
    free(c);
}

static void pl_ws_closed(pl_ws_conn *c)
{
    if (c->session) {
        int code = c->peer_code ? c->peer_code : c->want_close ? c->close_code : 1006;
        pl_session_disconnected(c->session, code, c->rx_active ? c->rx.data : NULL,
                                c->rx_active ? c->rx.len : 0);
        pl_session_stats st;
        pl_session_get_stats(c->session, &st);
        pl_info("%s: closed (code %d): %llu in, %llu out, %llu must / %llu should findings",
                pl_session_id(c->session), code, (unsigned long long)st.in,
                (unsigned long long)st.out, (unsigned long long)st.findings_must,
                (unsigned long long)st.findings_should);
        pl_sessions_retire(pl_server_sessions(c->srv), c->session);
    }
    if (c->driver)
        pl_drivers_close(pl_server_drivers(c->srv), c->driver);
    pl_ws_free(c);
}

int pl_ws_handle(pl_server *srv, struct lws *wsi, enum lws_callback_reasons reason,
                 pl_ws_conn **slot, void *in, size_t len)
{
    pl_ws_conn *c = *slot;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        c = *slot = pl_xcalloc(1, sizeof *c);
        c->srv = srv;
        c->wsi = wsi;
        for (int i = 0; i < PL_SESSION_TIMERS; i++) {
            c->timers[i].conn = c;
            c->timers[i].slot = i;
        }
        return pl_ws_established(c);
    case LWS_CALLBACK_RECEIVE:
        if (c && !c->want_close)
            pl_ws_receive(c, in, len);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return c ? pl_ws_writeable(c) : 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (c && len >= 2)
            c->peer_code = ((const unsigned char *)in)[0] << 8 | ((const unsigned char *)in)[1];
        else if (c)
            c->peer_code = 1005; /* close frame without a status code */
        return 0;
    case LWS_CALLBACK_CLOSED:
        if (c)
            pl_ws_closed(c);
        *slot = NULL;
        return 0;
    default:
        return 0;
    }
}
