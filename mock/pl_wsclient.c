/* pl_wsclient.c — parley's WebSocket client connections (see pl_wsclient.h).
 *
 * The struct lives from pl_wsclient_connect() until both the owner let go
 * (pl_wsclient_free) and lws did (CLOSED, or a connection error); whichever comes second
 * frees it. */
#include "mock/pl_wsclient.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "core/pl_log.h"
#include "mock/pl_http_client.h"

struct pl_wsclient {
    pl_wsio io; /* first: the session host */
    pl_wsclient_opts o;
    char *url, *authz;
    int live;     /* lws still has the connection */
    int orphaned; /* the owner freed it */
    int opened;
};

pl_wsio *pl_wsclient_io(pl_wsclient *c)
{
    return &c->io;
}

static void pl_wsclient_release(pl_wsclient *c)
{
    pl_wsio_free(&c->io);
    free(c->url);
    free(c->authz);
    free(c);
}

static void pl_wsclient_event_to_owner(pl_wsclient *c, pl_wsclient_event ev, int status,
                                       const char *detail)
{
    if (!c->orphaned && c->o.fn)
        c->o.fn(c->o.user, c, ev, status, detail);
}

/* lws is done with the connection: tell the session and the owner, free if orphaned. */
static void pl_wsclient_gone(pl_wsclient *c, pl_wsclient_event ev, int status, const char *detail)
{
    c->live = 0;
    if (c->io.session)
        pl_session_disconnected(c->io.session, pl_wsio_end_code(&c->io),
                                c->io.rx_active ? c->io.rx.data : NULL,
                                c->io.rx_active ? c->io.rx.len : 0);
    c->io.session = NULL;
    for (int i = 0; i < PL_SESSION_TIMERS; i++)
        lws_sul_cancel(&c->io.timers[i].sul);
    pl_wsclient_event_to_owner(c, ev, status, detail);
    if (c->orphaned)
        pl_wsclient_release(c);
}

static int pl_wsclient_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                          void *in, size_t len)
{
    pl_wsclient *c = user;
    if (c && c->live && !c->io.wsi)
        c->io.wsi = wsi;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
        if (!c || !c->authz)
            return 0;
        unsigned char **p = in, *end = *p + len;
        if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
                                         (unsigned char *)c->authz, (int)strlen(c->authz), p, end))
            return -1;
        return 0;
    }
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (!c)
            return -1;
        c->opened = 1;
        if (c->orphaned) {
            pl_wsio_close_later(&c->io, 1000, "");
            return 0;
        }
        pl_wsclient_event_to_owner(c, PL_WSCLIENT_OPEN, 101, "connected");
        return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        if (!c)
            return 0;
        char detail[300];
        int status = (int)lws_http_client_http_response(wsi);
        snprintf(detail, sizeof detail, "%s", in && len ? (const char *)in : "connection failed");
        pl_wsclient_gone(c, PL_WSCLIENT_REFUSED, status, detail);
        return 0;
    }
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (!c || c->io.want_close || !pl_wsio_receive(&c->io, in, len))
            return 0;
        if (c->io.session)
            pl_wsio_deliver(&c->io);
        pl_wsio_rx_done(&c->io);
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return c ? pl_wsio_writeable(&c->io) : 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (c)
            pl_wsio_peer_close(&c->io, in, len);
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (c)
            pl_wsclient_gone(c, PL_WSCLIENT_CLOSED, 0, "closed");
        return 0;
    default:
        return 0;
    }
}

const struct lws_protocols pl_wsclient_protocol = {"parley-wsclient", pl_wsclient_cb, 0,
                                                   64 * 1024, 0, NULL, 0};

pl_wsclient *pl_wsclient_connect(struct lws_context *ctx, const pl_wsclient_opts *o, char *err,
                                 size_t errlen)
{
    char *parse = pl_xstrdup(o->url);
    char fullpath[2048];
    struct lws_client_connect_info ci;
    if (pl_http_client_info(&ci, ctx, parse, "ws", "wss", o->insecure, fullpath,
                            sizeof fullpath)) {
        snprintf(err, errlen, "bad target URL '%s' (want ws:// or wss://)", o->url);
        free(parse);
        return NULL;
    }
    pl_wsclient *c = pl_xcalloc(1, sizeof *c);
    c->o = *o;
    c->url = pl_xstrdup(o->url);
    c->authz = o->authorization ? pl_xstrdup(o->authorization) : NULL;
    c->o.url = c->url;
    c->o.authorization = c->authz;
    pl_wsio_init(&c->io, ctx, NULL, o->max_message, o->out_queue, "target");
    ci.protocol = NULL; /* DashScope takes no subprotocol */
    ci.local_protocol_name = pl_wsclient_protocol.name;
    ci.userdata = c;
    c->live = 1;
    /* lws may report a connection error from inside this call (the callback then frees
     * nothing: the owner has not been given c yet, so mark it orphaned afterwards). */
    struct lws *got = lws_client_connect_via_info(&ci);
    free(parse);
    if (!got && c->live) {
        snprintf(err, errlen, "cannot start a connection to %s", o->url);
        pl_wsclient_release(c);
        return NULL;
    }
    if (c->live && !c->io.wsi)
        c->io.wsi = got;
    return c;
}

void pl_wsclient_free(pl_wsclient *c)
{
    if (!c)
        return;
    if (!c->live) {
        pl_wsclient_release(c);
        return;
    }
    c->orphaned = 1;
    c->io.session = NULL;
    if (c->opened)
        pl_wsio_close_later(&c->io, 1000, "scenario over");
    else if (c->io.wsi)
        lws_set_timeout(c->io.wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}
