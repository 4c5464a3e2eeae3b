/* pl_http_client.h — non-blocking HTTP(S) requests from inside the mock's event loop.
 *
 * The mock acts as a client when it fires webhooks (trtc 901–909, volc RTS
 * callbacks), calls an integrator's custom LLM/TTS endpoint, or probes itself
 * (`parley mock --self-check`). A request runs on the server's lws context; its
 * completion function is called exactly once, from the loop, with the status
 * (or -1 and a reason) and the response body. Response bodies are capped at
 * PL_HTTP_CLIENT_MAX_BODY; a larger one completes with status -1. */
#ifndef PL_HTTP_CLIENT_H
#define PL_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#define PL_HTTP_CLIENT_MAX_BODY (4 * 1024 * 1024)

/* status: HTTP status, or -1 with error set. body is NUL-terminated and borrowed
 * (valid during the call). */
typedef void (*pl_http_done_fn)(void *user, int status, const char *body, size_t len,
                                const char *error);

/* Optional: the response's status line and headers arrived (before any body). content_type
 * "" when none; chunked 1 when it came with Transfer-Encoding: chunked. */
typedef void (*pl_http_head_fn)(void *user, int status, const char *content_type, int chunked);

typedef struct {
    const char *method; /* "GET", "POST" */
    const char *url;    /* http://host:port/path or https://… */
    const char *content_type;
    const char *const *headers; /* NULL-terminated "Name: value" strings, or NULL */
    const void *body;
    size_t body_len;
    int insecure; /* https: accept self-signed certificates and any host name */
    pl_http_done_fn done;
    void *user;
    pl_http_head_fn head;   /* may be NULL */
    int64_t timeout_us;     /* > 0: done with status -1 and "timeout" when the whole answer
                               has not arrived by then; 0: lws's own timeouts only */
} pl_http_request;

/* Starts a request (everything is copied). Returns 0, or -1 with err set (bad
 * URL, cannot start); done is not called then. */
int pl_http_client_start(struct lws_context *ctx, const pl_http_request *req, char *err,
                         size_t errlen);

/* Fills ci for lws_client_connect_via_info from url: context, address, port, path (written
 * to path_buf), host, origin, and TLS for scheme tls (with insecure: any certificate).
 * parse is the caller's writable copy of url, which lws_parse_uri cuts in place; it must
 * outlive the connect call. 0, or -1 when the scheme is neither plain nor tls. Shared by
 * the HTTP client and the WebSocket client (mock/pl_wsclient.c). */
int pl_http_client_info(struct lws_client_connect_info *ci, struct lws_context *ctx, char *parse,
                        const char *plain, const char *tls, int insecure, char *path_buf,
                        size_t path_len);

/* The lws protocol the server must list so client callbacks reach this module. */
extern const struct lws_protocols pl_http_client_protocol;

#endif
