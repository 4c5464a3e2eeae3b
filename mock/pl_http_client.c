/* pl_http_client.c — one-shot HTTP client requests on the lws loop (see pl_http_client.h). */
#include "mock/pl_http_client.h"

#include <ctype.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"

typedef struct {
    char *url;      /* owned copy, parsed in place by lws_parse_uri */
    char *method;
    char *content_type;
    char **headers; /* NULL-terminated, owned */
    char *body;
    size_t body_len;
    int body_sent;
    int status;
    int finished;
    int in_connect;   /* inside lws_client_connect_via_info: the starter frees on error */
    int failed_early;
    pl_buf resp;
    pl_http_done_fn done;
    void *user;
    pl_http_head_fn head;
    struct lws *wsi;
    lws_sorted_usec_list_t timeout; /* scheduled when the request has a timeout */
    int64_t timeout_us;
} pl_http_job;

static void pl_http_job_free(pl_http_job *j)
{
    lws_sul_cancel(&j->timeout);
    free(j->url);
    free(j->method);
    free(j->content_type);
    for (char **h = j->headers; h && *h; h++)
        free(*h);
    free(j->headers);
    free(j->body);
    pl_buf_free(&j->resp);
    free(j);
}

static void pl_http_job_finish(pl_http_job *j, int status, const char *error)
{
    if (j->finished)
        return;
    j->finished = 1;
    pl_buf_reserve(&j->resp, 0);
    lws_sul_cancel(&j->timeout);
    j->done(j->user, error ? -1 : status, j->resp.data, j->resp.len, error);
}

/* The whole answer did not come in time: report it, and have lws drop the connection (the
 * job is freed when it closes). */
static void pl_http_job_timeout(lws_sorted_usec_list_t *sul)
{
    pl_http_job *j = lws_container_of(sul, pl_http_job, timeout);
    char msg[64];
    snprintf(msg, sizeof msg, "timeout: no complete answer within %.1fs",
             (double)j->timeout_us / 1e6);
    pl_http_job_finish(j, -1, msg);
    if (j->wsi)
        lws_set_timeout(j->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static int pl_http_add_headers(struct lws *wsi, pl_http_job *j, unsigned char **p,
                               unsigned char *end)
{
    for (char **h = j->headers; h && *h; h++) {
        char *colon = strchr(*h, ':');
        if (!colon)
            continue;
        char name[128];
        size_t nl = (size_t)(colon - *h);
        if (nl + 2 > sizeof name)
            continue;
        memcpy(name, *h, nl);
        name[nl] = ':';
        name[nl + 1] = '\0';
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        if (lws_add_http_header_by_name(wsi, (unsigned char *)name, (unsigned char *)v,
                                        (int)strlen(v), p, end))
            return -1;
    }
    if (j->content_type &&
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                     (unsigned char *)j->content_type,
                                     (int)strlen(j->content_type), p, end))
        return -1;
    if (j->body) {
        char cl[32];
        int n = snprintf(cl, sizeof cl, "%zu", j->body_len);
        if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, (unsigned char *)cl,
                                         n, p, end))
            return -1;
        lws_client_http_body_pending(wsi, 1);
        lws_callback_on_writable(wsi);
    }
    return 0;
}

static int pl_http_write_body(struct lws *wsi, pl_http_job *j)
{
    if (!j->body || j->body_sent)
        return 0;
    unsigned char *buf = pl_xmalloc(LWS_PRE + j->body_len + 1);
    memcpy(buf + LWS_PRE, j->body, j->body_len);
    int n = lws_write(wsi, buf + LWS_PRE, j->body_len, LWS_WRITE_HTTP_FINAL);
    free(buf);
    j->body_sent = 1;
    lws_client_http_body_pending(wsi, 0);
    return n < (int)j->body_len ? -1 : 0;
}

static int pl_http_client_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                             void *in, size_t len)
{
    pl_http_job *j = user;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        return j ? pl_http_add_headers(wsi, j, (unsigned char **)in,
                                       (unsigned char *)*(char **)in + len)
                 : 0;
    case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
        return j ? pl_http_write_body(wsi, j) : 0;
    case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
        if (j) {
            j->status = (int)lws_http_client_http_response(wsi);
            if (j->head) {
                char ct[256] = "", te[64] = "";
                if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE) > 0)
                    lws_hdr_copy(wsi, ct, sizeof ct, WSI_TOKEN_HTTP_CONTENT_TYPE);
                if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0)
                    lws_hdr_copy(wsi, te, sizeof te, WSI_TOKEN_HTTP_TRANSFER_ENCODING);
                for (char *c = te; *c; c++)
                    *c = (char)tolower((unsigned char)*c);
                j->head(j->user, j->status, ct, strstr(te, "chunked") != NULL);
            }
        }
        break;
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
        if (!j)
            break;
        if (j->resp.len + len > PL_HTTP_CLIENT_MAX_BODY) {
            pl_http_job_finish(j, -1, "response body too large");
            return -1;
        }
        pl_buf_append(&j->resp, in, len);
        break;
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
        char buffer[4096 + LWS_PRE], *px = buffer + LWS_PRE;
        int lenx = sizeof buffer - LWS_PRE;
        return lws_http_client_read(wsi, &px, &lenx) < 0 ? -1 : 0;
    }
    case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
        if (j)
            pl_http_job_finish(j, j->status, NULL);
        return -1; /* one request per connection */
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
        if (j && j->in_connect) {
            j->failed_early = 1;
            lws_set_wsi_user(wsi, NULL);
        } else if (j) {
            pl_http_job_finish(j, -1,
                               reason == LWS_CALLBACK_CLIENT_CONNECTION_ERROR
                                   ? (in ? (const char *)in : "connection failed")
                                   : "connection closed before the response completed");
            lws_set_wsi_user(wsi, NULL);
            j->wsi = NULL;
            pl_http_job_free(j);
        }
        break;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

const struct lws_protocols pl_http_client_protocol = {
    "pl-http-client", pl_http_client_cb, 0, 0, 0, NULL, 0};

int pl_http_client_info(struct lws_client_connect_info *ci, struct lws_context *ctx, char *parse,
                        const char *plain, const char *tls, int insecure, char *path_buf,
                        size_t path_len)
{
    const char *proto, *address, *path;
    int port;
    if (lws_parse_uri(parse, &proto, &address, &port, &path) ||
        (strcmp(proto, plain) && strcmp(proto, tls)))
        return -1;
    snprintf(path_buf, path_len, "/%s", path);
    memset(ci, 0, sizeof *ci);
    ci->context = ctx;
    ci->address = address;
    ci->port = port;
    ci->path = path_buf;
    ci->host = address;
    ci->origin = address;
    ci->ssl_connection = strcmp(proto, tls) == 0 ? LCCSCF_USE_SSL : 0;
    if (insecure)
        ci->ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                              LCCSCF_ALLOW_EXPIRED;
    return 0;
}

int pl_http_client_start(struct lws_context *ctx, const pl_http_request *req, char *err,
                         size_t errlen)
{
    pl_http_job *j = pl_xcalloc(1, sizeof *j);
    j->url = pl_xstrdup(req->url);
    j->method = pl_xstrdup(req->method ? req->method : "GET");
    j->content_type = req->content_type ? pl_xstrdup(req->content_type) : NULL;
    size_t nh = 0;
    while (req->headers && req->headers[nh])
        nh++;
    j->headers = pl_xcalloc(nh + 1, sizeof(char *));
    for (size_t i = 0; i < nh; i++)
        j->headers[i] = pl_xstrdup(req->headers[i]);
    if (req->body) {
        j->body = pl_xstrndup(req->body, req->body_len);
        j->body_len = req->body_len;
    }
    j->done = req->done;
    j->user = req->user;
    j->head = req->head;
    j->timeout_us = req->timeout_us;

    char *parse = pl_xstrdup(req->url);
    char fullpath[2048];
    struct lws_client_connect_info ci;
    if (pl_http_client_info(&ci, ctx, parse, "http", "https", req->insecure, fullpath,
                            sizeof fullpath)) {
        snprintf(err, errlen, "bad URL '%s' (want http:// or https://)", req->url);
        free(parse);
        pl_http_job_free(j);
        return -1;
    }
    ci.method = j->method;
    ci.ssl_connection |= LCCSCF_HTTP_NO_FOLLOW_REDIRECT;
    ci.local_protocol_name = pl_http_client_protocol.name;
    ci.userdata = j;
    j->in_connect = 1;
    struct lws *got = lws_client_connect_via_info(&ci);
    j->in_connect = 0;
    free(parse);
    j->wsi = got;
    if (!got || j->failed_early) {
        snprintf(err, errlen, "cannot start a connection to %s", req->url);
        pl_http_job_free(j);
        return -1;
    }
    if (j->timeout_us > 0)
        lws_sul_schedule(ctx, 0, &j->timeout, pl_http_job_timeout, j->timeout_us);
    return 0;
}
