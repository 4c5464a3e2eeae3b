/* pl_sign.h — vendor request and webhook signatures built on pl_crypto.
 *
 * TC3-HMAC-SHA256 (Tencent Cloud API 3.0, protocols/trtc.md §1.3): the mock verifies it on
 * every cloud API request (mock/dialects/trtc_cloud.c) and the runner's `http` steps sign
 * with it (`sign: tc3`). The canonical headers are rebuilt from whatever SignedHeaders the
 * client chose, through a header lookup function, so a client that signs x-tc-action too is
 * verified exactly. The trtc webhook signature (`Sign` header, §3.2) is base64 of
 * HMAC-SHA256 over the raw body.
 *
 * Volcengine V4 "HMAC-SHA256" (protocols/volc.md §1.2): the mock verifies it on the volc
 * OpenAPI (mock/dialects/volc_cloud.c) and the runner signs with it (`sign: v4`). Same shape
 * as TC3 with these differences: the credential scope is DATE/REGION/SERVICE/request, the key
 * chain starts from the bare secret (no prefix), the canonical request carries the path and
 * the canonical query, header values are trimmed with inner whitespace runs collapsed to one
 * space but NOT lower-cased (what @volcengine/openapi's Signer does; the Python demo sends
 * values without whitespace), and the payload hash line is the caller's (the body hash, which
 * a client also sends as X-Content-Sha256).
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

/* The parts of an `Authorization: HMAC-SHA256 Credential=AK/YYYYMMDD/REGION/SERVICE/request,
 * SignedHeaders=a;b[, SignedQueries=Action;Version], Signature=HEX` header (the Python demo
 * leaves SignedQueries out; signed_queries is then ""). The scope's parts are stored as
 * sent: whether date, region, service and terminator are acceptable is the verifier's call. */
typedef struct {
    char ak[128], date[9], region[32], service[32], terminator[16];
    char signed_headers[512], signed_queries[128], signature[65];
} pl_v4_auth;

/* Parses the header value: "HMAC-SHA256", then comma-separated Name=Value parts in any order
 * (Credential, SignedHeaders and Signature required, SignedQueries optional; an unknown or
 * repeated part, a Credential that is not five non-empty '/'-separated parts, a field too
 * long for its buffer, or a Signature that is not 64 hex digits is malformed). 0, or -1 with
 * a reason in err. */
int pl_v4_parse(const char *authorization, pl_v4_auth *out, char *err, size_t errlen);

/* The V4 signature (64 lowercase hex + NUL into out) of a request. x_date is X-Date as sent
 * (YYYYMMDD'T'HHMMSS'Z'; its first 8 characters are the scope date); path the request path
 * (NULL or "" is "/"; percent-decoded and re-encoded keeping '/'); query the raw query string
 * without '?' (NULL or "": none), canonicalised here: split on '&', each key/value
 * percent-decoded ('+' is a space), RFC 3986-encoded (unreserved A-Za-z0-9-_.~ kept), sorted
 * by key then value. signed_headers is the ';'-separated list as the client sent it; every
 * value is looked up with header(impl, name) (pl_tc3_header_fn). body_sha256_hex is the
 * payload hash line. -1 when a signed header is missing from the request or x_date is
 * shorter than 8 characters. */
int pl_v4_signature(const char *secret_key, const char *x_date, const char *region,
                    const char *service, const char *method, const char *path,
                    const char *query, const char *signed_headers, pl_tc3_header_fn header,
                    const void *impl, const char *body_sha256_hex, char out[65]);

/* A whole Authorization value for a client (runner `sign: v4`, tests), in the Python demo's
 * form (no SignedQueries). malloc'd; NULL when pl_v4_signature fails. */
char *pl_v4_authorization(const char *ak, const char *sk, const char *region,
                          const char *service, const char *x_date, const char *method,
                          const char *path, const char *query, const char *signed_headers,
                          pl_tc3_header_fn header, const void *impl, const char *body_sha256_hex);

/* X-Date of a Unix time: YYYYMMDD'T'HHMMSS'Z' (UTC), e.g. 20250101T000000Z. */
void pl_sign_x_date(long long t, char out[17]);

/* trtc callback Sign: base64(HMAC-SHA256(key, body)); malloc'd. */
char *pl_sign_trtc_callback(const char *key, const void *body, size_t len);

#endif
