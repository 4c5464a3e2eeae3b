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
#include <sys/resource.h>

#include "core/pl_buf.h"
#include "core/pl_clock.h"
#include "core/pl_log.h"
#include "mock/pl_admin.h"
#include "mock/pl_driver.h"
#include "mock/pl_http_client.h"
#include "mock/pl_sessions.h"
#include "mock/pl_ws.h"
#include "mock/pl_wsclient.h"

#define PL_SERVER_DIALECTS 8

struct pl_server {
    struct lws_context *ctx;
    struct lws_vhost *vh;
    pl_trace *trace;
    char *host;
    int port;
    int tls;
    int64_t start_us;
    uint64_t requests;
    struct lws_protocols protocols[4];
    pl_profile *own_profile; /* the defaults, when the caller gave none */
    const pl_profile *profile;
    pl_catalog *catalog;
    pl_sessions *sessions;
    pl_drivers *drivers;
    lws_sorted_usec_list_t tick;
    pl_server_session_fn session_fn;
    void *session_user;
    pl_server_http_fn http_fn;
    void *http_user;
    void *clouds[PL_SERVER_DIALECTS]; /* by index in pl_dialect_all(): cloud_new's state */
};

void pl_server_on_session(pl_server *s, pl_server_session_fn fn, void *user)
{
    s->session_fn = fn;
    s->session_user = user;
}

void pl_server_session_opts(pl_server *s, pl_session_opts *o)
{
    if (s->session_fn)
        s->session_fn(s->session_user, o);
}

void pl_server_on_http(pl_server *s, pl_server_http_fn fn, void *user)
{
    s->http_fn = fn;
    s->http_user = user;
}

int pl_server_http_hook(pl_server *s, const pl_server_http_req *req, int *status, char **body,
                        const char **content_type)
{
    return s->http_fn ? s->http_fn(s->http_user, req, status, body, content_type) : 0;
}

void *pl_server_cloud(pl_server *s, const pl_dialect *d)
{
    const pl_dialect *const *all = pl_dialect_all();
    for (size_t i = 0; all[i] && i < PL_SERVER_DIALECTS; i++)
        if (all[i] == d)
            return s->clouds[i];
    return NULL;
}

int pl_server_cloud_http(pl_server *s, const pl_server_http_req *req, int *status, char **body,
                         const char **content_type)
{
    const pl_dialect *const *all = pl_dialect_all();
    for (size_t i = 0; all[i] && i < PL_SERVER_DIALECTS; i++)
        if (s->clouds[i] && all[i]->cloud_http &&
            all[i]->cloud_http(s->clouds[i], req, status, body, content_type))
            return 1;
    return 0;
}

/* Per connection: HTTP request state or the WebSocket connection. */
typedef struct {
    pl_admin_req http;
    pl_ws_conn *ws;
} pl_server_pss;

#define PL_SERVER_TICK_US 1000000

void pl_server_trace_record(pl_server *s, cJSON *rec)
{
    if (!s->trace) {
        cJSON_Delete(rec);
        return;
    }
    pl_trace_record(s->trace, rec);
}

static void pl_server_trace_event(pl_server *s, const char *event, cJSON *extra)
{
    cJSON *rec = extra ? extra : cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "ev", event);
    pl_server_trace_record(s, rec);
}

cJSON *pl_server_health_json(pl_server *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 1);
    cJSON_AddStringToObject(o, "parley", PARLEY_VERSION);
    cJSON_AddNumberToObject(o, "uptime_ms", (double)((pl_clock_mono_us() - s->start_us) / 1000));
    cJSON_AddNumberToObject(o, "requests", (double)s->requests);
    cJSON *ss = cJSON_AddObjectToObject(o, "sessions");
    cJSON_AddNumberToObject(ss, "live", (double)pl_sessions_live(s->sessions));
    cJSON_AddNumberToObject(ss, "drivers", (double)pl_drivers_count(s->drivers));
    cJSON_AddNumberToObject(ss, "max", (double)pl_profile_limits_get(s->profile)->max_sessions);
    return o;
}

static int pl_server_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len)
{
    pl_server *s = lws_context_user(lws_get_context(wsi));
    pl_server_pss *pss = user;
    pl_ws_conn *none = NULL;
    if (reason == LWS_CALLBACK_HTTP_CONFIRM_UPGRADE) /* no connection state yet */
        return pl_ws_handle(s, wsi, reason, &none, in, len);
    if (pl_ws_reason(reason))
        return pss ? pl_ws_handle(s, wsi, reason, &pss->ws, in, len) : 0;
    return pl_admin_handle(s, wsi, reason, pss ? &pss->http : NULL, in, len);
}

static void pl_server_tick(lws_sorted_usec_list_t *sul)
{
    pl_server *s = lws_container_of(sul, pl_server, tick);
    pl_sessions_tick(s->sessions);
    pl_drivers_tick(s->drivers, pl_clock_mono_us());
    if (s->trace)
        pl_trace_flush(s->trace);
    lws_sul_schedule(s->ctx, 0, &s->tick, pl_server_tick, PL_SERVER_TICK_US);
}

/* The protocol list: the server's own protocol first, so plain HTTP and WebSocket
 * upgrades without a subprotocol land there; then the client side for webhooks and
 * probes. Built at run time because the
 * other modules' protocol structs are not compile-time constants here. */
static void pl_server_protocols(struct lws_protocols out[4])
{
    static const struct lws_protocols http = {"parley", pl_server_cb, sizeof(pl_server_pss),
                                              16 * 1024, 0, NULL, 0};
    static const struct lws_protocols term = {NULL, NULL, 0, 0, 0, NULL, 0};
    out[0] = http;
    out[1] = pl_http_client_protocol;
    out[2] = pl_wsclient_protocol;
    out[3] = term;
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

/* Every session is a socket: raise the soft descriptor limit towards the hard one so that
 * limits.max_sessions can be reached (lws sizes its tables from this limit). */
static void pl_server_raise_fd_limit(size_t sessions)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t want = (rlim_t)sessions + 64;
    if (rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
        pl_warn("only %llu file descriptors: fewer than limits.max_sessions (%zu) sessions fit",
                (unsigned long long)rl.rlim_cur, sessions);
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
    s->profile = o->profile ? o->profile : (s->own_profile = pl_profile_new_default());
    s->catalog = o->catalog;
    const pl_profile_limits *lim = pl_profile_limits_get(s->profile);
    s->host = pl_xstrdup(o->listen ? o->listen : "127.0.0.1");
    s->tls = o->cert != NULL;
    s->start_us = pl_clock_mono_us();
    if (o->trace_path && !(s->trace = pl_trace_open(o->trace_path, err, errlen))) {
        pl_profile_free(s->own_profile);
        free(s->host);
        free(s);
        return NULL;
    }
    s->sessions = pl_sessions_new(lim->max_sessions, lim->retired);
    s->drivers = pl_drivers_new(s->sessions, s->trace);
    pl_server_raise_fd_limit(lim->max_sessions);
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
    lws_sul_schedule(s->ctx, 0, &s->tick, pl_server_tick, PL_SERVER_TICK_US);
    const pl_dialect *const *all = pl_dialect_all();
    for (size_t i = 0; all[i] && i < PL_SERVER_DIALECTS; i++)
        if (pl_dialect_live(all[i]) && all[i]->cloud_new)
            s->clouds[i] = all[i]->cloud_new(s);
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
    return s->ctx ? lws_service(s->ctx, 0) : -1;
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

static void pl_server_close_one(void *user, pl_session *ss)
{
    (void)user;
    if (pl_session_is_open(ss))
        pl_session_close(ss, 1001, "parley is stopping");
}

void pl_server_stop(pl_server *s)
{
    if (!s->ctx)
        return;
    /* Say goodbye properly (1001 going away), give the close frames up to 500 ms. */
    pl_sessions_each(s->sessions, pl_server_close_one, NULL);
    int64_t deadline = pl_clock_mono_us() + 500000;
    while (pl_sessions_live(s->sessions) && pl_clock_mono_us() < deadline)
        if (lws_service(s->ctx, 0) < 0)
            break;
    lws_sul_cancel(&s->tick);
    const pl_dialect *const *all = pl_dialect_all();
    for (size_t i = 0; all[i] && i < PL_SERVER_DIALECTS; i++)
        if (s->clouds[i]) {
            all[i]->cloud_free(s->clouds[i]);
            s->clouds[i] = NULL;
        }
    lws_context_destroy(s->ctx); /* closes what is left: those sessions retire too */
    s->ctx = NULL;
}

void pl_server_free(pl_server *s)
{
    if (!s)
        return;
    pl_server_stop(s);
    pl_drivers_free(s->drivers);
    pl_sessions_free(s->sessions);
    if (s->trace) {
        cJSON *rec = cJSON_CreateObject();
        cJSON_AddNumberToObject(rec, "requests", (double)s->requests);
        pl_server_trace_event(s, "stop", rec);
        pl_trace_close(s->trace);
    }
    pl_profile_free(s->own_profile);
    free(s->host);
    free(s);
}

void pl_server_count_request(pl_server *s)
{
    s->requests++;
}

size_t pl_server_connections(pl_server *s)
{
    return pl_sessions_live(s->sessions) + pl_drivers_count(s->drivers);
}

struct pl_sessions *pl_server_sessions(pl_server *s)
{
    return s->sessions;
}

struct pl_drivers *pl_server_drivers(pl_server *s)
{
    return s->drivers;
}

const pl_profile *pl_server_profile(const pl_server *s)
{
    return s->profile;
}

pl_catalog *pl_server_catalog(pl_server *s)
{
    return s->catalog;
}
