/* rc_volc_sign.h — the Volcengine OpenAPI V4 signature ("HMAC-SHA256", shared/protocols/
 * volc.md §1.2), on OpenSSL's SHA-256 and HMAC; this client's own copy, independent of
 * parley's core/pl_sign.c, so that the two check each other.
 *
 *   CanonicalRequest = METHOD \n PATH \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders
 *                      \n hex(SHA256(body))
 *   StringToSign     = "HMAC-SHA256\n" + X-Date + "\n" + DATE/REGION/SERVICE/request + "\n"
 *                      + hex(SHA256(CanonicalRequest))
 *   kDate = HMAC(SK, DATE), kRegion, kService, kSigning = HMAC(kService, "request")
 *   Authorization: HMAC-SHA256 Credential=AK/scope, SignedHeaders=…, Signature=hex
 *
 * Used by rc_volc_api.c (every OpenAPI call) and `refclient --self-test`. */
#ifndef RC_VOLC_SIGN_H
#define RC_VOLC_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The Python demo's header set (RtcApiRequester.py): what the refclient signs. */
#define RC_V4_HEADERS_PYTHON "content-type;host;x-content-sha256;x-date"
/* The Node Signer's set (sign.ts) for the same request. */
#define RC_V4_HEADERS_NODE "host;x-content-sha256;x-date"

/* One request to sign. The signable headers are the four below; signed_headers names some
 * of them (any order, ';'-separated, lower case). Values are signed trimmed, as sent. */
typedef struct {
    const char *access_key, *secret_key;
    const char *region;  /* "cn-north-1" */
    const char *service; /* "rtc" */
    const char *method;  /* "POST" */
    const char *path;    /* "/" */
    const char *query;   /* raw, e.g. "Action=StartVoiceChat&Version=2024-12-01" */
    const char *x_date;  /* X-Date, YYYYMMDD'T'HHMMSS'Z' */
    const char *host, *content_type;
    const char *signed_headers; /* NULL: RC_V4_HEADERS_PYTHON */
    int signed_queries;         /* add ", SignedQueries=Action;Version" as the Node Signer */
    const void *body;
    size_t body_len;
} rc_v4_request;

/* The Authorization value into out; signature (may be NULL) gets the 64 hex digits,
 * body_sha256 (may be NULL) the X-Content-Sha256 value. 0, or -1 when out is too small, a
 * signed header is not one of the four, or OpenSSL fails. */
int rc_v4_authorization(const rc_v4_request *r, char *out, size_t outlen, char signature[65],
                        char body_sha256[65]);

/* X-Date of a Unix time (UTC): "20250101T000000Z". */
void rc_v4_x_date(int64_t t, char out[17]);

/* Checks the two vectors of volc.md §1.2 (the Python and the Node header sets), one line per
 * check on out; 0 when all match (refclient --self-test). */
int rc_volc_sign_self_test(FILE *out);

#endif
