/* pl_wsclient.h — parley as a WebSocket client of a vendor endpoint (`role: client`
 * scenarios, `parley run --target ws[s]://…`), on the mock's own lws context and loop.
 *
 * A pl_wsclient connects to a ws:// or wss:// URL (TLS through lws on OpenSSL; the system CA
 * store verifies the server unless insecure), with an optional Authorization header, and
 * hosts a pl_session exactly as the server side does (mock/pl_wsio.c): the session is
 * created by the owner when the connection opens, with peer_is_agent set, and is told when
 * the connection ends. Events reach the owner's callback: OPEN (101 received), REFUSED (no
 * connection or an HTTP answer other than 101: status is the HTTP status or 0, detail
 * says why) and CLOSED (the session, if any, has already been told).
 *
 * Ownership: the owner frees the pl_wsclient with pl_wsclient_free() at any time; an open
 * connection is then closed (1000) and the struct freed when lws lets go of it; no
 * callback reaches the owner after pl_wsclient_free(). */
#ifndef PL_WSCLIENT_H
#define PL_WSCLIENT_H

#include <stddef.h>

#include <libwebsockets.h>

#include "mock/pl_wsio.h"

typedef struct pl_wsclient pl_wsclient;

typedef enum { PL_WSCLIENT_OPEN, PL_WSCLIENT_REFUSED, PL_WSCLIENT_CLOSED } pl_wsclient_event;

typedef void (*pl_wsclient_fn)(void *user, pl_wsclient *c, pl_wsclient_event ev, int status,
                               const char *detail);

typedef struct {
    const char *url;           /* ws://host:port/path?query or wss://… */
    const char *authorization; /* full header value ("Bearer sk-…"), or NULL for none */
    int insecure;              /* wss: accept self-signed / expired / wrong-host certs */
    size_t max_message, out_queue;
    pl_wsclient_fn fn;
    void *user;
} pl_wsclient_opts;

/* Starts connecting; NULL with a message in err for a bad URL or when lws refuses at once. */
pl_wsclient *pl_wsclient_connect(struct lws_context *ctx, const pl_wsclient_opts *o, char *err,
                                 size_t errlen);
/* The connection's I/O: its host ops for pl_session_opts (&pl_wsio_session_ops, host = the
 * returned pointer); set io->session once the session exists. */
pl_wsio *pl_wsclient_io(pl_wsclient *c);
void pl_wsclient_free(pl_wsclient *c);

/* The lws protocol serving these connections: listed in the context's protocols. */
extern const struct lws_protocols pl_wsclient_protocol;

#endif
