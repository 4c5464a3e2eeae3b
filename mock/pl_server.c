/* pl_server.c — libwebsockets server for the mock: context, vhost, HTTP routing of
 * the admin API, trace of lifecycle events (see pl_server.h).
 *
 * Every HTTP response is built whole before the headers go out (they are small
 * JSON documents) and written from LWS_CALLBACK_HTTP_WRITEABLE, so nothing ever
 * blocks the loop. */
#include "mock/pl_server.h"

#include <libwebsockets.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "core/pl_clock.h"
#include "core/pl_log.h"
#include "mock/pl_http_client.h"

struct pl_server {
    struct lws_context *ctx;
    struct lws_vhost *vh;
    pl_trace *trace;
    char *host;
    int port;
    int tls;
    int64_t start_us;
    uint64_t requests;
    struct lws_protocols protocols[3];
};

/* Per HTTP connection: the response waiting to be written. */
typedef struct {
    char *body;
    size_t len;
    size_t sent;
    unsigned status;
} pl_http_conn;

static void pl_server_trace_event(pl_server *s, const char *event, cJSON *extra)
{
    if (!s->trace) {
        cJSON_Delete(extra);
        return;
    }
    cJSON *rec = extra ? extra : cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "ev", event);
    pl_trace_record(s->trace, rec);
}

static char *pl_server_health(pl_server *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 1);
    cJSON_AddStringToObject(o, "parley", PARLEY_VERSION);
    cJSON_AddNumberToObject(o, "uptime_ms", (double)((pl_clock_mono_us() - s->start_us) / 1000));
    cJSON_AddNumberToObject(o, "requests", (double)s->requests);
    char *txt = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return txt;
}

/* Routes one request; sets status and a malloc'd JSON body. */
static void pl_server_route(pl_server *s, const char *path, pl_http_conn *c)
{
    if (strcmp(path, "/_parley/health") == 0) {
        c->status = HTTP_STATUS_OK;
        c->body = pl_server_health(s);
    } else {
        c->status = HTTP_STATUS_NOT_FOUND;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "error", "not found");
        cJSON_AddStringToObject(o, "path", path);
        c->body = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
    }
    c->len = strlen(c->body);
}

static int pl_server_http_begin(struct lws *wsi, pl_server *s, pl_http_conn *c, const char *path)
{
    unsigned char hdr[LWS_PRE + 1024], *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr;
    s->requests++;
    pl_server_route(s, path, c);
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "path", path);
    cJSON_AddNumberToObject(rec, "status", c->status);
    pl_server_trace_event(s, "http", rec);
    if (lws_add_http_common_headers(wsi, c->status, "application/json", c->len, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return 1;
    lws_callback_on_writable(wsi);
    return 0;
}

static int pl_server_http_write(struct lws *wsi, pl_http_conn *c)
{
    if (!c->body)
        return 0;
    size_t chunk = c->len - c->sent;
    if (chunk > 16384)
        chunk = 16384;
    unsigned char *buf = pl_xmalloc(LWS_PRE + chunk + 1);
    memcpy(buf + LWS_PRE, c->body + c->sent, chunk);
    int last = c->sent + chunk == c->len;
    int n = lws_write(wsi, buf + LWS_PRE, chunk, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
    free(buf);
    if (n < (int)chunk)
        return -1;
    c->sent += chunk;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    free(c->body);
    c->body = NULL;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int pl_server_http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                             void *in, size_t len)
{
    pl_server *s = lws_context_user(lws_get_context(wsi));
    pl_http_conn *c = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return pl_server_http_begin(wsi, s, c, in ? (const char *)in : "/");
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return pl_server_http_write(wsi, c);
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        if (c) {
            free(c->body);
            c->body = NULL;
        }
        break;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* The protocol list: server HTTP (admin API) first, so plain HTTP lands there;
 * then the client side for webhooks and probes. Built at run time because the
 * other modules' protocol structs are not compile-time constants here. */
static void pl_server_protocols(struct lws_protocols out[3])
{
    static const struct lws_protocols http = {"http", pl_server_http_cb, sizeof(pl_http_conn),
                                              0, 0, NULL, 0};
    static const struct lws_protocols term = {NULL, NULL, 0, 0, 0, NULL, 0};
    out[0] = http;
    out[1] = pl_http_client_protocol;
    out[2] = term;
}

static void pl_server_lws_log(int level, const char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    pl_log(level == LLL_ERR ? PL_LOG_WARN : PL_LOG_DEBUG, "lws: %.*s", (int)n, line);
}

/* Loads the certificate and key once with OpenSSL before lws does, so a missing
 * file, a non-PEM file or a key that does not match gets a precise message. */
static int pl_server_check_tls(const char *cert, const char *key, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    const char *what = NULL, *file = NULL;
    if (!ctx)
        what = "cannot create a TLS context";
    else if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
        what = "cannot load certificate", file = cert;
    else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
        what = "cannot load private key", file = key;
    else if (SSL_CTX_check_private_key(ctx) != 1)
        what = "private key does not match the certificate", file = key;
    if (what) {
        char ossl[256] = "";
        unsigned long e = ERR_peek_last_error();
        if (e)
            ERR_error_string_n(e, ossl, sizeof ossl);
        snprintf(err, errlen, "TLS: %s%s%s (%s)", what, file ? " " : "", file ? file : "",
                 *ossl ? ossl : "unknown error");
        ERR_clear_error();
    }
    SSL_CTX_free(ctx);
    return what ? -1 : 0;
}

pl_server *pl_server_new(const pl_server_opts *o, char *err, size_t errlen)
{
    if ((o->cert == NULL) != (o->key == NULL)) {
        snprintf(err, errlen, "TLS needs both --cert and --key");
        return NULL;
    }
    if (o->cert && pl_server_check_tls(o->cert, o->key, err, errlen))
        return NULL;
    pl_server *s = pl_xcalloc(1, sizeof *s);
    s->host = pl_xstrdup(o->listen ? o->listen : "127.0.0.1");
    s->tls = o->cert != NULL;
    s->start_us = pl_clock_mono_us();
    if (o->trace_path && !(s->trace = pl_trace_open(o->trace_path, err, errlen))) {
        free(s->host);
        free(s);
        return NULL;
    }
    lws_set_log_level(LLL_ERR | (pl_log_get_level() <= PL_LOG_DEBUG ? LLL_WARN | LLL_NOTICE : 0),
                      pl_server_lws_log);

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = o->port;
    info.iface = s->host;
    pl_server_protocols(s->protocols);
    info.protocols = s->protocols;
    info.user = s;
    /* SSL is initialised always: the client side (webhooks) may speak https. */
    info.options = LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE |
                   LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    if (s->tls) {
        info.ssl_cert_filepath = o->cert;
        info.ssl_private_key_filepath = o->key;
    }
    /* The vhost is created explicitly: when listening fails, lws then tears the
     * context down completely (its implicit default-vhost path leaks). */
    info.options |= LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    s->ctx = lws_create_context(&info);
    s->vh = s->ctx ? lws_create_vhost(s->ctx, &info) : NULL;
    if (!s->ctx || !s->vh) {
        snprintf(err, errlen, "cannot listen on %s:%d (port in use, bad address or certificate?)",
                 s->host, o->port);
        pl_server_free(s);
        return NULL;
    }
    s->port = lws_get_vhost_listen_port(s->vh);
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "listen", s->host);
    cJSON_AddNumberToObject(rec, "port", s->port);
    cJSON_AddBoolToObject(rec, "tls", s->tls);
    cJSON_AddStringToObject(rec, "parley", PARLEY_VERSION);
    pl_server_trace_event(s, "start", rec);
    return s;
}

int pl_server_service(pl_server *s)
{
    return lws_service(s->ctx, 0);
}

int pl_server_port(const pl_server *s)
{
    return s->port;
}

int pl_server_tls(const pl_server *s)
{
    return s->tls;
}

const char *pl_server_host(const pl_server *s)
{
    return s->host;
}

struct lws_context *pl_server_context(pl_server *s)
{
    return s->ctx;
}

pl_trace *pl_server_trace(pl_server *s)
{
    return s->trace;
}

uint64_t pl_server_requests(const pl_server *s)
{
    return s->requests;
}

void pl_server_free(pl_server *s)
{
    if (!s)
        return;
    if (s->ctx)
        lws_context_destroy(s->ctx);
    if (s->trace) {
        cJSON *rec = cJSON_CreateObject();
        cJSON_AddNumberToObject(rec, "requests", (double)s->requests);
        pl_server_trace_event(s, "stop", rec);
        pl_trace_close(s->trace);
    }
    free(s->host);
    free(s);
}
