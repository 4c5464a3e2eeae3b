/* rc_ws.c — WebSocket client glue on libwebsockets (see rc_ws.h).
 *
 * Every connection is an rc_ws handed to lws as the wsi's user data (ci.userdata), so the
 * one protocol callback finds it. Incoming fragments are reassembled up to RC_WS_MAX_MESSAGE;
 * outgoing messages (text or binary) wait in a FIFO of malloc'd blocks with LWS_PRE headroom,
 * one written per WRITEABLE callback (lws' rule), at most RC_WS_MAX_QUEUE_* of them. A message
 * lws cannot write whole at once is kept by lws, which asks for no WRITEABLE until it is out.
 * An optional Authorization header goes on the upgrade request (APPEND_HANDSHAKE_HEADER). An rc_ws is freed when lws
 * says the connection is gone (CONNECTION_ERROR, CLOSED, or WSI_DESTROY as a last resort). */
#include "rc_ws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

#define RC_WS_CLOSE_GRACE_S 3 /* a peer that never takes our close frame is cut off */
#define RC_WS_WAKE_US 200000  /* the loop wakes this often even when nothing happens */

typedef struct rc_ws_frame {
    struct rc_ws_frame *next;
    size_t len;
    int binary;
    unsigned char data[]; /* LWS_PRE + len */
} rc_ws_frame;

struct rc_ws {
    rc_net *net;
    struct lws *wsi;
    char name[16];
    const rc_ws_ops *ops; /* NULL once the owner has let go */
    void *user;
    char *authorization; /* the upgrade's Authorization header value, or NULL */
    void (*on_binary)(void *user, const unsigned char *data, size_t len);
    rc_ws *prev, *next; /* rc_net's list */
    /* the incoming message being reassembled */
    char *rx;
    size_t rx_len, rx_cap, rx_total;
    int rx_active, rx_binary, rx_over;
    /* outgoing */
    rc_ws_frame *head, *tail;
    size_t q_bytes, q_frames;
    int open, closing, peer_code, close_code;
    char close_reason[124];
    char peer_reason[124]; /* what the peer's close frame said */
    /* lws may report a failure from inside lws_client_connect_via_info() */
    int in_connect, failed_early;
    char early_err[128];
};

struct rc_net {
    struct lws_context *ctx;
    struct lws_protocols protocols[2];
    rc_ws *conns;
    size_t live;
    lws_sorted_usec_list_t wake;
};

/* ---- connections -------------------------------------------------------------------- */

static void rc_ws_free(rc_ws *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        w->net->conns = w->next;
    if (w->next)
        w->next->prev = w->prev;
    w->net->live--;
    while (w->head) {
        rc_ws_frame *f = w->head;
        w->head = f->next;
        free(f);
    }
    free(w->rx);
    free(w->authorization);
    free(w);
}

/* lws is done with the connection: tell the owner (if it still listens), then free. */
static void rc_ws_gone(rc_ws *w, struct lws *wsi, int code, const char *why)
{
    lws_set_wsi_user(wsi, NULL);
    w->wsi = NULL;
    if (w->in_connect) { /* the starter frees it */
        w->failed_early = 1;
        snprintf(w->early_err, sizeof w->early_err, "%s", why);
        return;
    }
    if (w->ops)
        rc_debug("%s: connection gone (%d, %s)", w->name, code, why);
    else
        rc_debug("%s: closed", w->name);
    const rc_ws_ops *ops = w->ops;
    w->ops = NULL;
    if (ops && ops->on_close)
        ops->on_close(w->user, code, why);
    rc_ws_free(w);
}

static void rc_ws_established(rc_ws *w)
{
    w->open = 1;
    rc_debug("%s: open", w->name);
    if (w->head || w->closing)
        lws_callback_on_writable(w->wsi);
    if (w->ops && w->ops->on_open)
        w->ops->on_open(w->user);
}

static void rc_ws_deliver(rc_ws *w)
{
    if (w->rx_over)
        rc_log("%s: dropped an incoming message of %zu bytes (limit %d)", w->name, w->rx_total,
               RC_WS_MAX_MESSAGE);
    else if (w->rx_binary && w->ops && w->on_binary)
        w->on_binary(w->user, (const unsigned char *)(w->rx ? w->rx : ""), w->rx_len);
    else if (w->rx_binary)
        rc_log("%s: dropped a binary message of %zu bytes (text only)", w->name, w->rx_len);
    else if (w->ops && w->ops->on_text)
        w->ops->on_text(w->user, w->rx ? w->rx : "", w->rx_len);
    w->rx_len = w->rx_total = 0;
    w->rx_active = w->rx_binary = w->rx_over = 0;
    if (w->rx_cap > 64 * 1024) { /* do not keep a big buffer for small messages */
        free(w->rx);
        w->rx = NULL;
        w->rx_cap = 0;
    }
}

static void rc_ws_receive(rc_ws *w, const void *in, size_t len)
{
    if (!w->rx_active) {
        w->rx_active = 1;
        w->rx_binary = lws_frame_is_binary(w->wsi);
    }
    w->rx_total += len;
    if (w->rx_total > RC_WS_MAX_MESSAGE)
        w->rx_over = 1;
    if (!w->rx_over) {
        if (w->rx_len + len + 1 > w->rx_cap) {
            size_t cap = w->rx_cap ? w->rx_cap : 4096;
            while (cap < w->rx_len + len + 1)
                cap *= 2;
            w->rx = rc_xrealloc(w->rx, cap);
            w->rx_cap = cap;
        }
        memcpy(w->rx + w->rx_len, in, len);
        w->rx_len += len;
        w->rx[w->rx_len] = '\0';
    }
    if (lws_is_final_fragment(w->wsi) && !lws_remaining_packet_payload(w->wsi))
        rc_ws_deliver(w);
}

static int rc_ws_writeable(rc_ws *w)
{
    rc_ws_frame *f = w->head;
    if (!f) {
        if (!w->closing)
            return 0;
        lws_close_reason(w->wsi, (enum lws_close_status)w->close_code,
                         (unsigned char *)w->close_reason, strlen(w->close_reason));
        return -1; /* lws sends the close frame and waits for the peer's */
    }
    int n = lws_write(w->wsi, f->data + LWS_PRE, f->len,
                      f->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
    w->head = f->next;
    if (!w->head)
        w->tail = NULL;
    w->q_bytes -= f->len;
    w->q_frames--;
    free(f);
    if (n < 0)
        return -1;
    if (w->head || w->closing)
        lws_callback_on_writable(w->wsi);
    return 0;
}

/* The peer's close frame: a 2-byte code, then the reason text. */
static void rc_ws_peer_close(rc_ws *w, const unsigned char *in, size_t len)
{
    w->peer_code = len >= 2 ? in[0] << 8 | in[1] : 1005; /* 1005: a frame without a code */
    size_t n = len > 2 ? len - 2 : 0;
    if (n >= sizeof w->peer_reason)
        n = sizeof w->peer_reason - 1;
    if (n)
        memcpy(w->peer_reason, in + 2, n);
    w->peer_reason[n] = '\0';
    if (!n)
        snprintf(w->peer_reason, sizeof w->peer_reason, "closed by the peer");
}

static int rc_ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    rc_ws *w = user;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (w)
            rc_ws_established(w);
        return 0;
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        if (w && w->authorization) {
            unsigned char **p = in, *end = *p + len;
            if (lws_add_http_header_by_name(wsi, (const unsigned char *)"Authorization:",
                                            (const unsigned char *)w->authorization,
                                            (int)strlen(w->authorization), p, end))
                return -1;
        }
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (w)
            rc_ws_receive(w, in, len);
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return w ? rc_ws_writeable(w) : 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (w)
            rc_ws_peer_close(w, in, len);
        return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (w)
            rc_ws_gone(w, wsi, 0, in && len ? (const char *)in : "connection failed");
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (w)
            rc_ws_gone(w, wsi, w->peer_code ? w->peer_code : 1006,
                       w->peer_code ? w->peer_reason : "connection lost");
        return 0;
    case LWS_CALLBACK_WSI_DESTROY: /* neither of the above came: still tell the owner */
        if (w)
            rc_ws_gone(w, wsi, w->open ? 1006 : 0, "connection destroyed");
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static int rc_ws_queue(rc_ws *w, const void *data, size_t len, int binary)
{
    if (w->closing || !w->wsi)
        return -1;
    if (w->q_frames >= RC_WS_MAX_QUEUE_FRAMES || w->q_bytes + len > RC_WS_MAX_QUEUE_BYTES) {
        rc_log("%s: outgoing queue full (%zu messages, %zu bytes): message dropped", w->name,
               w->q_frames, w->q_bytes);
        return -1;
    }
    rc_ws_frame *f = rc_xmalloc(sizeof *f + LWS_PRE + len);
    f->next = NULL;
    f->len = len;
    f->binary = binary;
    memcpy(f->data + LWS_PRE, data, len);
    if (w->tail)
        w->tail->next = f;
    else
        w->head = f;
    w->tail = f;
    w->q_bytes += len;
    w->q_frames++;
    if (binary)
        rc_debug("%s > [binary, %zu bytes]", w->name, len);
    else
        rc_debug("%s > %.*s", w->name, (int)(len > 2000 ? 2000 : len), (const char *)data);
    if (w->open)
        lws_callback_on_writable(w->wsi);
    return 0;
}

int rc_ws_send(rc_ws *w, const char *text, size_t len)
{
    return rc_ws_queue(w, text, len, 0);
}

int rc_ws_send_binary(rc_ws *w, const void *data, size_t len)
{
    return rc_ws_queue(w, data, len, 1);
}

size_t rc_ws_queued_bytes(const rc_ws *w)
{
    return w->q_bytes;
}

void rc_ws_close(rc_ws *w, int code, const char *reason)
{
    w->ops = NULL;
    if (w->closing || !w->wsi)
        return;
    if (!w->open) { /* still connecting: nothing to say goodbye to */
        rc_ws_drop(w);
        return;
    }
    w->closing = 1;
    w->close_code = code;
    snprintf(w->close_reason, sizeof w->close_reason, "%s", reason ? reason : "");
    lws_callback_on_writable(w->wsi);
    lws_set_timeout(w->wsi, PENDING_TIMEOUT_USER_OK, RC_WS_CLOSE_GRACE_S);
}

void rc_ws_drop(rc_ws *w)
{
    w->ops = NULL;
    if (!w->wsi)
        return;
    w->closing = 1;
    /* a timeout closes without a close frame: to the peer it is a lost connection (1006) */
    lws_set_timeout(w->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* ---- URLs --------------------------------------------------------------------------- */

int rc_ws_parse_url(const char *url, int *tls, char *host, size_t hostlen, int *port, char *path,
                    size_t pathlen)
{
    const char *p;
    if (strncmp(url, "ws://", 5) == 0)
        *tls = 0, p = url + 5;
    else if (strncmp(url, "wss://", 6) == 0)
        *tls = 1, p = url + 6;
    else
        return -1;
    const char *h = p, *hend;
    if (*p == '[') { /* [IPv6] */
        hend = strchr(p, ']');
        if (!hend)
            return -1;
        h = p + 1;
        p = hend + 1;
    } else {
        p += strcspn(p, ":/?");
        hend = p;
    }
    size_t hl = (size_t)(hend - h);
    if (!hl || hl >= hostlen)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = *tls ? 443 : 80;
    if (*p == ':') {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (end == p + 1 || v < 1 || v > 65535)
            return -1;
        *port = (int)v;
        p = end;
    }
    if (*p && *p != '/' && *p != '?')
        return -1;
    int n = snprintf(path, pathlen, "%s%s", *p == '/' ? "" : "/", p);
    return n < 0 || (size_t)n >= pathlen ? -1 : 0;
}

static int rc_ws_hex(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

int rc_ws_url_param(const char *url, const char *name, char *out, size_t outlen)
{
    const char *q = strchr(url, '?');
    size_t nl = strlen(name);
    while (q) {
        q++;
        if (strncmp(q, name, nl) == 0 && q[nl] == '=') {
            const char *v = q + nl + 1;
            size_t o = 0;
            for (; *v && *v != '&' && *v != '#'; v++) {
                int c = (unsigned char)*v;
                if (c == '%' && rc_ws_hex(v[1]) >= 0 && rc_ws_hex(v[2]) >= 0) {
                    c = rc_ws_hex(v[1]) * 16 + rc_ws_hex(v[2]);
                    v += 2;
                } else if (c == '+') {
                    c = ' ';
                }
                if (o + 1 >= outlen)
                    return -1;
                out[o++] = (char)c;
            }
            out[o] = '\0';
            return o ? 0 : -1;
        }
        q = strchr(q, '&');
    }
    return -1;
}

rc_ws *rc_ws_open(rc_net *n, const char *url, const char *name, const rc_ws_ops *ops, void *user,
                  char *err, size_t errlen)
{
    return rc_ws_open_ex(n, url, name, ops, NULL, user, err, errlen);
}

rc_ws *rc_ws_open_ex(rc_net *n, const char *url, const char *name, const rc_ws_ops *ops,
                     const rc_ws_extra *extra, void *user, char *err, size_t errlen)
{
    char host[256], path[2048];
    int tls, port;
    if (rc_ws_parse_url(url, &tls, host, sizeof host, &port, path, sizeof path)) {
        snprintf(err, errlen, "bad URL '%s' (want ws://host:port/path or wss://…)", url);
        return NULL;
    }
    rc_ws *w = rc_xcalloc(1, sizeof *w);
    w->net = n;
    snprintf(w->name, sizeof w->name, "%s", name);
    w->ops = ops;
    w->user = user;
    if (extra && extra->authorization)
        w->authorization = rc_xstrdup(extra->authorization);
    if (extra)
        w->on_binary = extra->on_binary;
    w->next = n->conns;
    if (n->conns)
        n->conns->prev = w;
    n->conns = w;
    n->live++;

    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = n->ctx;
    ci.address = host;
    ci.port = port;
    ci.path = path;
    ci.host = host;
    ci.origin = host;
    ci.protocol = NULL; /* no Sec-WebSocket-Protocol: parley's endpoints take none */
    ci.local_protocol_name = n->protocols[0].name;
    ci.userdata = w;
    if (tls)
        ci.ssl_connection = LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED |
                            LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK | LCCSCF_ALLOW_EXPIRED;
    rc_debug("%s: connecting to %s", name, url);
    w->in_connect = 1;
    struct lws *got = lws_client_connect_via_info(&ci);
    w->in_connect = 0;
    if (!got || w->failed_early) {
        snprintf(err, errlen, "cannot connect to %s: %s", url,
                 w->failed_early ? w->early_err : "lws refused the connection");
        rc_ws_free(w);
        return NULL;
    }
    w->wsi = got;
    return w;
}

/* ---- the context -------------------------------------------------------------------- */

static void rc_net_wake(lws_sorted_usec_list_t *sul)
{
    rc_net *n = lws_container_of(sul, rc_net, wake);
    lws_sul_schedule(n->ctx, 0, &n->wake, rc_net_wake, RC_WS_WAKE_US);
}

static void rc_net_lws_log(int level, const char *line)
{
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (level & LLL_ERR)
        rc_log("lws: %.*s", (int)len, line);
    else
        rc_debug("lws: %.*s", (int)len, line);
}

rc_net *rc_net_new(char *err, size_t errlen)
{
    rc_net *n = rc_xcalloc(1, sizeof *n);
    static const struct lws_protocols proto = {"refclient", rc_ws_cb, 0, 0, 0, NULL, 0};
    static const struct lws_protocols term = {NULL, NULL, 0, 0, 0, NULL, 0};
    n->protocols[0] = proto;
    n->protocols[1] = term;
    lws_set_log_level(LLL_ERR | (rc_cfg.verbose ? LLL_WARN : 0), rc_net_lws_log);

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = n->protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT; /* for wss:// */
    info.user = n;
    n->ctx = lws_create_context(&info);
    if (!n->ctx) {
        snprintf(err, errlen, "cannot create the libwebsockets context");
        free(n);
        return NULL;
    }
    /* poll() may sleep long when nothing is scheduled; a signal that lands just before it is
     * then seen on the next wake-up */
    lws_sul_schedule(n->ctx, 0, &n->wake, rc_net_wake, RC_WS_WAKE_US);
    return n;
}

int rc_net_service(rc_net *n)
{
    return lws_service(n->ctx, 0);
}

size_t rc_net_live(const rc_net *n)
{
    return n->live;
}

struct lws_context *rc_net_context(rc_net *n)
{
    return n->ctx;
}

void rc_net_free(rc_net *n)
{
    if (!n)
        return;
    lws_sul_cancel(&n->wake);
    lws_context_destroy(n->ctx); /* each connection ends through rc_ws_gone() */
    while (n->conns) {           /* in case lws forgot one */
        rc_ws *w = n->conns;
        const rc_ws_ops *ops = w->ops;
        w->ops = NULL;
        if (ops && ops->on_close)
            ops->on_close(w->user, 1006, "client stopping");
        rc_ws_free(w);
    }
    free(n);
}
