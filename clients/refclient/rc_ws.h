/* rc_ws.h — WebSocket client glue on libwebsockets: one lws context (rc_net) running every
 * connection on one thread, and client connections (rc_ws) with a bounded reassembly buffer
 * and a bounded outgoing queue of text and binary messages. Nothing here blocks.
 *
 * Ownership: rc_net owns its connections. The owner of an rc_ws (the driver channel, the
 * bridge or the bailian dialog) talks to it until one of two things happens:
 *   - ops->on_close is called (the peer or the network ended it): the rc_ws is gone after it
 *     returns, the owner forgets the pointer;
 *   - the owner calls rc_ws_close() or rc_ws_drop(): the owner forgets the pointer at once,
 *     no op is called any more, and rc_net finishes the connection on its own. */
#ifndef RC_WS_H
#define RC_WS_H

#include <libwebsockets.h>
#include <stddef.h>

#define RC_WS_MAX_MESSAGE (1024 * 1024) /* larger incoming messages are dropped */
#define RC_WS_MAX_QUEUE_BYTES (4 * 1024 * 1024)
#define RC_WS_MAX_QUEUE_FRAMES 1024

typedef struct rc_net rc_net;
typedef struct rc_ws rc_ws;

typedef struct {
    /* The WebSocket handshake completed. */
    void (*on_open)(void *user);
    /* One whole text message (binary messages are logged and dropped). */
    void (*on_text)(void *user, const char *data, size_t len);
    /* The connection ended without the owner asking: code is the peer's close code (1005 for a
     * close frame without one), 1006 when it went away without a close frame, 0 when it never
     * opened; why says so in words. */
    void (*on_close)(void *user, int code, const char *why);
} rc_ws_ops;

/* What some connections need beyond rc_ws_ops (rc_ws_open_ex; all members optional). */
typedef struct {
    /* The value of an Authorization header on the upgrade request ("Bearer sk-…"). */
    const char *authorization;
    /* One whole binary message; without it binary messages are logged and dropped. */
    void (*on_binary)(void *user, const unsigned char *data, size_t len);
} rc_ws_extra;

/* The lws context. NULL (with err) if lws cannot start. */
rc_net *rc_net_new(char *err, size_t errlen);
/* One round of the event loop; < 0 when lws gives up. */
int rc_net_service(rc_net *n);
/* Connections not yet finished (including the ones closing on their own). */
size_t rc_net_live(const rc_net *n);
struct lws_context *rc_net_context(rc_net *n);
/* Destroys the context: open connections are cut (detached ones silently, the others with
 * on_close). */
void rc_net_free(rc_net *n);

/* Starts a connection to a ws:// or wss:// URL; name is for the logs ("driver", "bridge").
 * NULL with err if the URL is bad or lws refuses at once; otherwise the outcome comes later
 * (on_open, or on_close with code 0). wss:// accepts self-signed certificates: this is a test
 * client talking to a mock. */
rc_ws *rc_ws_open(rc_net *n, const char *url, const char *name, const rc_ws_ops *ops, void *user,
                  char *err, size_t errlen);
/* The same with an extra header and a binary handler (extra is copied; may be NULL). */
rc_ws *rc_ws_open_ex(rc_net *n, const char *url, const char *name, const rc_ws_ops *ops,
                     const rc_ws_extra *extra, void *user, char *err, size_t errlen);
/* Queues one text message. 0, or -1 if the queue is full or the connection is not open. */
int rc_ws_send(rc_ws *w, const char *text, size_t len);
/* Queues one binary message (the same rules). */
int rc_ws_send_binary(rc_ws *w, const void *data, size_t len);
/* Bytes waiting in the outgoing queue (not yet handed to lws). */
size_t rc_ws_queued_bytes(const rc_ws *w);
/* Sends what is queued, then a close frame with code and reason; detaches the owner. */
void rc_ws_close(rc_ws *w, int code, const char *reason);
/* Cuts the connection at once, without a close frame (a network drop); detaches the owner. */
void rc_ws_drop(rc_ws *w);

/* Splits ws[s]://host[:port]/path?query. path gets the leading '/'; 0 or -1. */
int rc_ws_parse_url(const char *url, int *tls, char *host, size_t hostlen, int *port, char *path,
                    size_t pathlen);
/* The query parameter name of url, percent-decoded, into out; 0, or -1 if absent, empty or
 * longer than outlen - 1. */
int rc_ws_url_param(const char *url, const char *name, char *out, size_t outlen);

#endif
