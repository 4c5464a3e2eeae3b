/* pl_ws.c — WebSocket connections of the mock (see pl_ws.h).
 *
 * A pl_ws_conn is allocated per accepted WebSocket and pointed to from lws' per-session
 * data; it outlives nothing: on LWS_CALLBACK_CLOSED it hands its session to the registry
 * (retired, still readable through the admin API) and is freed. Its I/O (reassembly,
 * queue, timers, close) is a pl_wsio (mock/pl_wsio.c), shared with the client side. */
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
#include "mock/pl_wsio.h"

#define PL_WS_ID_MAX 256 /* longest room or user id */
#define PL_WS_ID_MAX_STR "256"

struct pl_ws_conn {
    pl_wsio io; /* first: the session host is the pl_wsio */
    pl_server *srv;
    pl_driver *driver;
};

int pl_ws_reason(enum lws_callback_reasons reason)
{
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
    case LWS_CALLBACK_RECEIVE:
    case LWS_CALLBACK_SERVER_WRITEABLE:
    case LWS_CALLBACK_CLOSED:
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return 1;
    default:
        return 0;
    }
}

static void pl_ws_driver_close(void *host, int code, const char *reason)
{
    pl_wsio_close_later(host, code, reason);
}

static const pl_driver_host_ops pl_ws_driver_ops = {pl_wsio_write, pl_ws_driver_close};

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
    pl_wsio_close_later(&c->io, code, reason);
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

/* Before the upgrade of a native endpoint: the dialect's gateway check (bailian: Bearer
 * key). A refusal is answered in HTTP, as the vendor does, and the connection ends. */
static int pl_ws_confirm_upgrade(pl_server *srv, struct lws *wsi)
{
    char path[256] = "", authz[1024] = "";
    if (lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI) < 0)
        return 0; /* ESTABLISHED rejects it with a reason */
    const pl_dialect *d = pl_ws_native_dialect(path);
    if (!d || !d->accept || !pl_dialect_live(d))
        return 0;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) >= (int)sizeof authz)
        authz[0] = '\0'; /* absurdly long: judged as missing */
    else
        lws_hdr_copy(wsi, authz, sizeof authz, WSI_TOKEN_HTTP_AUTHORIZATION);
    char *body = NULL;
    int status = d->accept(pl_server_profile(srv), authz, &body);
    if (!status)
        return 0;
    size_t blen = body ? strlen(body) : 0;
    unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf;
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "ev", "ws_rejected");
    cJSON_AddNumberToObject(rec, "status", status);
    cJSON_AddStringToObject(rec, "path", path);
    cJSON_AddStringToObject(rec, "body", body ? body : "");
    pl_server_trace_record(srv, rec);
    pl_warn("websocket upgrade to %s refused: HTTP %d %s", path, status, body ? body : "");
    int rc = -1; /* hang up if even the answer cannot be written */
    if (!lws_add_http_common_headers(wsi, (unsigned int)status, "application/json", blen, &p, end) &&
        !lws_finalize_write_http_header(wsi, start, &p, end)) {
        rc = 1;
        if (blen && blen <= sizeof buf - LWS_PRE) {
            memcpy(start, body, blen);
            if (lws_write(wsi, start, blen, LWS_WRITE_HTTP_FINAL) < 0)
                rc = -1;
        }
    }
    free(body);
    return rc;
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
        .ops = &pl_wsio_session_ops,
        .host = &c->io,
        .cloud = pl_server_cloud(c->srv, d),
    };
    pl_server_session_opts(c->srv, &o);
    pl_info("%s: %s session opened%s%s%s%s", id, d->id, room ? " room=" : "", room ? room : "",
            user ? " user=" : "", user ? user : "");
    c->io.session = pl_session_new(&o);
    pl_sessions_add(reg, c->io.session);
}

static int pl_ws_established(pl_ws_conn *c)
{
    char path[256] = "", room[PL_WS_ID_MAX + 8] = "", user[PL_WS_ID_MAX + 8] = "";
    if (lws_hdr_copy(c->io.wsi, path, sizeof path, WSI_TOKEN_GET_URI) < 0)
        return pl_ws_reject(c, 1008, "request path too long%s", "");
    if (pl_server_connections(c->srv) >= pl_profile_limits_get(pl_server_profile(c->srv))->max_sessions)
        return pl_ws_reject(c, 1013, "too many sessions (limits.max_sessions)%s", "");
    if (strcmp(path, "/_parley/driver") == 0) {
        c->driver = pl_drivers_open(pl_server_drivers(c->srv), &pl_ws_driver_ops, &c->io);
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
    if (tr == PL_TRANSPORT_NATIVE) {
        /* `parley run` tags a native session with ?parley_session=<tag> in PARLEY_URL */
        r = lws_get_urlarg_by_name(c->io.wsi, "parley_session=", room, sizeof room);
        if (r && (!*r || strlen(r) > PL_WS_ID_MAX))
            r = NULL;
    } else {
        r = lws_get_urlarg_by_name(c->io.wsi, "room=", room, sizeof room);
        u = lws_get_urlarg_by_name(c->io.wsi, "user=", user, sizeof user);
        if (!r || !u || !*r || !*u || strlen(r) > PL_WS_ID_MAX || strlen(u) > PL_WS_ID_MAX)
            return pl_ws_reject(c, 1008, "the room bridge needs ?room=R&user=U (each 1-%s bytes)",
                                PL_WS_ID_MAX_STR);
    }
    pl_ws_open_session(c, d, tr, r, u);
    return 0;
}

/* ---- receive and close -------------------------------------------------------------- */

static void pl_ws_receive(pl_ws_conn *c, const void *in, size_t len)
{
    if (!pl_wsio_receive(&c->io, in, len))
        return;
    if (c->io.session)
        pl_wsio_deliver(&c->io);
    else if (c->driver && !c->io.rx_over)
        pl_driver_input(c->driver, c->io.rx.data ? c->io.rx.data : "", c->io.rx.len,
                        c->io.rx_binary);
    pl_wsio_rx_done(&c->io);
}

static void pl_ws_closed(pl_ws_conn *c)
{
    pl_session *s = c->io.session;
    if (s) {
        int code = pl_wsio_end_code(&c->io);
        pl_session_disconnected(s, code, c->io.rx_active ? c->io.rx.data : NULL,
                                c->io.rx_active ? c->io.rx.len : 0);
        pl_session_stats st;
        pl_session_get_stats(s, &st);
        pl_info("%s: closed (code %d): %llu in, %llu out, %llu must / %llu should findings",
                pl_session_id(s), code, (unsigned long long)st.in, (unsigned long long)st.out,
                (unsigned long long)st.findings_must, (unsigned long long)st.findings_should);
        pl_sessions_retire(pl_server_sessions(c->srv), s);
    }
    if (c->driver)
        pl_drivers_close(pl_server_drivers(c->srv), c->driver);
    pl_wsio_free(&c->io);
    free(c);
}

int pl_ws_handle(pl_server *srv, struct lws *wsi, enum lws_callback_reasons reason,
                 pl_ws_conn **slot, void *in, size_t len)
{
    pl_ws_conn *c = *slot;
    switch (reason) {
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return pl_ws_confirm_upgrade(srv, wsi);
    case LWS_CALLBACK_ESTABLISHED:
        c = *slot = pl_xcalloc(1, sizeof *c);
        c->srv = srv;
        {
            const pl_profile_limits *lim = pl_profile_limits_get(pl_server_profile(srv));
            pl_wsio_init(&c->io, lws_get_context(wsi), wsi, lim->max_message, lim->out_queue, "driver");
        }
        return pl_ws_established(c);
    case LWS_CALLBACK_RECEIVE:
        if (c && !c->io.want_close)
            pl_ws_receive(c, in, len);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return c ? pl_wsio_writeable(&c->io) : 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (c)
            pl_wsio_peer_close(&c->io, in, len);
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
