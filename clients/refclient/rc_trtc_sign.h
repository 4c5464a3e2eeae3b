/* rc_trtc_sign.h — the two signatures of the trtc dialect, on OpenSSL's SHA-256 and HMAC
 * (shared/protocols/trtc.md §1.3 and §3.2; this client's own copy, independent of parley's):
 *
 *   TC3-HMAC-SHA256  the Tencent Cloud API 3.0 request signature (Authorization header)
 *   callback Sign    base64(HMAC-SHA256(key, raw body)) on TRTC's server callbacks */
#ifndef RC_TRTC_SIGN_H
#define RC_TRTC_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One request to sign. The canonical headers are content-type and host, plus x-tc-action when
 * sign_action is set (legal and done by some clients, §1.3); values are signed lower-cased and
 * trimmed, exactly as the request must then send them. */
typedef struct {
    const char *secret_id, *secret_key;
    const char *service;      /* "trtc" */
    const char *host;         /* the Host header as sent ("127.0.0.1:8765") */
    const char *content_type; /* the Content-Type header as sent ("application/json") */
    const char *action;       /* X-TC-Action (only signed with sign_action) */
    int sign_action;
    int64_t timestamp; /* X-TC-Timestamp, Unix seconds */
    const char *date;  /* the credential date YYYY-MM-DD; NULL: the UTC date of
                          timestamp (what the server checks) */
    const void *body;
    size_t body_len;
} rc_tc3_request;

/* The Authorization header value ("TC3-HMAC-SHA256 Credential=…, SignedHeaders=…,
 * Signature=…") into out; signature (may be NULL) gets the 64 hex digits alone. 0, or -1 when
 * out is too small or OpenSSL fails. */
int rc_tc3_authorization(const rc_tc3_request *r, char *out, size_t outlen, char signature[65]);

/* The UTC date YYYY-MM-DD of a Unix time. */
void rc_tc3_utc_date(int64_t t, char out[11]);

/* The callback signature base64(HMAC-SHA256(key, body)) into out (at least 45 bytes). 0/-1. */
int rc_trtc_callback_sign(const char *key, const void *body, size_t len, char *out, size_t outlen);
/* Whether sign (the Sign header as received) is right for body, compared in constant time. */
int rc_trtc_callback_sign_ok(const char *key, const void *body, size_t len, const char *sign);

/* Checks both against the published and self-computed vectors of trtc.md §1.3 and §3.2,
 * one line per vector on out; 0 when all match (refclient --self-test). */
int rc_trtc_sign_self_test(FILE *out);

#endif
