/* pl_sign.h — vendor request and webhook signatures built on pl_crypto.
 *
 * TC3-HMAC-SHA256 (Tencent Cloud API 3.0, protocols/trtc.md §1.3): the mock verifies it on
 * every cloud API request (mock/dialects/trtc_cloud.c) and the runner's `http` steps sign
 * with it (`sign: tc3`). The canonical headers are rebuilt from whatever SignedHeaders the
 * client chose, through a header lookup function, so a client that signs x-tc-action too is
 * verified exactly. The trtc webhook signature (`Sign` header, §3.2) is base64 of
 * HMAC-SHA256 over the raw body.
 *
 * Nothing here allocates except the functions that say so (the caller frees). */
#ifndef PL_SIGN_H
#define PL_SIGN_H

#include <stddef.h>

/* The parts of an `Authorization: TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request,
 * SignedHeaders=a;b, Signature=HEX` header. */
typedef struct {
    char secret_id[129];
    char date[16]; /* YYYY-MM-DD */
    char service[33];
    char signed_headers[513];
    char signature[65];
} pl_tc3_auth;

/* Parses the header value. 0, or -1 with a reason in err (what is missing or malformed). */
int pl_tc3_parse(const char *authorization, pl_tc3_auth *out, char *err, size_t errlen);

/* Header lookup: copies the value of header name (lower case) into out, returns its length
 * or -1 when the request has no such header. */
typedef int (*pl_tc3_header_fn)(const void *impl, const char *name, char *out, size_t n);

/* The TC3 signature (64 lowercase hex + NUL into sig) of a request. signed_headers is the
 * ';'-separated lower-case list; each header's value is looked up, trimmed and lower-cased
 * as the algorithm says. timestamp is X-TC-Timestamp as sent; date the credential date.
 * -1 with err set when a signed header is missing from the request. */
int pl_tc3_signature(const char *secret_key, const char *service, const char *date,
                     const char *timestamp, const char *method, const char *query,
                     const char *signed_headers, pl_tc3_header_fn header, const void *impl,
                     const void *body, size_t body_len, char sig[65], char *err, size_t errlen);

/* The whole Authorization value for a client request signing content-type and host (and
 * x-tc-action when action is not NULL), at timestamp (UTC date derived from it). Returns
 * a malloc'd string. */
char *pl_tc3_authorization(const char *secret_id, const char *secret_key, const char *service,
                           const char *host, const char *content_type, const char *action,
                           long long timestamp, const void *body, size_t body_len);

/* YYYY-MM-DD (UTC) of a Unix time. */
void pl_sign_utc_date(long long t, char out[16]);

/* trtc callback Sign: base64(HMAC-SHA256(key, body)); malloc'd. */
char *pl_sign_trtc_callback(const char *key, const void *body, size_t len);

#endif
