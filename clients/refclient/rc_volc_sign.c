/* rc_volc_sign.c — V4 HMAC-SHA256 for the Volcengine OpenAPI (see rc_volc_sign.h).
 *
 * The crypto is OpenSSL's (SHA256, HMAC); this file puts the strings together: the canonical
 * query (split, percent-decoded, RFC 3986-encoded, sorted), the canonical headers in
 * name order, the key chain without a prefix (sign.ts: kDatePrefix ""). */
#include "rc_volc_sign.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rc.h"

#define RC_V4_MAX_HEADERS 4
#define RC_V4_MAX_QUERY 32

static void rc_v4_hex(const unsigned char *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

static void rc_v4_sha256_hex(const void *d, size_t n, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(d, n, md);
    rc_v4_hex(md, sizeof md, out);
}

static int rc_v4_hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
    unsigned int n = 0;
    return HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &n) &&
                   n == 32
               ? 0
               : -1;
}

void rc_v4_x_date(int64_t t, char out[17])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* ---- the canonical query ------------------------------------------------------------- */

static int rc_v4_unhex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Room for need more bytes and a NUL in *out. */
static void rc_v4_grow(char **out, size_t len, size_t *cap, size_t need)
{
    if (len + need + 1 > *cap) {
        *cap = (len + need + 1) * 2;
        *out = rc_xrealloc(*out, *cap);
    }
}

/* Percent-decodes s[0..n) and RFC 3986-encodes the result (unreserved kept, %XX upper). */
static void rc_v4_reencode(const char *s, size_t n, char **out, size_t *len, size_t *cap)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%' && i + 2 < n && rc_v4_unhex(s[i + 1]) >= 0 && rc_v4_unhex(s[i + 2]) >= 0) {
            c = (unsigned char)(rc_v4_unhex(s[i + 1]) * 16 + rc_v4_unhex(s[i + 2]));
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        rc_v4_grow(out, *len, cap, 3);
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            (*out)[(*len)++] = (char)c;
        } else {
            (*out)[(*len)++] = '%';
            (*out)[(*len)++] = digits[c >> 4];
            (*out)[(*len)++] = digits[c & 15];
        }
        (*out)[*len] = '\0';
    }
}

static int rc_v4_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "k=v&…" sorted by key (then value), each part re-encoded. Caller frees. */
static char *rc_v4_canonical_query(const char *query)
{
    char *pairs[RC_V4_MAX_QUERY];
    size_t n = 0;
    for (const char *p = query ? query : ""; *p && n < RC_V4_MAX_QUERY;) {
        size_t plen = strcspn(p, "&");
        if (plen) {
            size_t klen = strcspn(p, "=");
            if (klen > plen)
                klen = plen;
            size_t len = 0, cap = plen + 8;
            char *s = rc_xmalloc(cap);
            s[0] = '\0';
            rc_v4_reencode(p, klen, &s, &len, &cap);
            rc_v4_grow(&s, len, &cap, 1);
            s[len++] = '=';
            s[len] = '\0';
            if (klen < plen)
                rc_v4_reencode(p + klen + 1, plen - klen - 1, &s, &len, &cap);
            pairs[n++] = s;
        }
        p += plen + (p[plen] == '&');
    }
    qsort(pairs, n, sizeof pairs[0], rc_v4_strcmp);
    size_t total = 1;
    for (size_t i = 0; i < n; i++)
        total += strlen(pairs[i]) + 1;
    char *out = rc_xmalloc(total);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(out, "&");
        strcat(out, pairs[i]);
        free(pairs[i]);
    }
    return out;
}

/* ---- the canonical headers ------------------------------------------------------------ */

/* A header value as signed: no surrounding blanks. */
static void rc_v4_trim(const char *v, char *out, size_t n)
{
    while (*v == ' ' || *v == '\t')
        v++;
    size_t len = strlen(v);
    while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
    snprintf(out, n, "%.*s", (int)len, v);
}

static const char *rc_v4_header_value(const rc_v4_request *r, const char *name,
                                      const char *body_hash)
{
    if (strcmp(name, "content-type") == 0)
        return r->content_type;
    if (strcmp(name, "host") == 0)
        return r->host;
    if (strcmp(name, "x-content-sha256") == 0)
        return body_hash;
    if (strcmp(name, "x-date") == 0)
        return r->x_date;
    return NULL;
}

/* The sorted SignedHeaders list into list, the "name:value\n" lines into block. 0/-1. */
static int rc_v4_headers(const rc_v4_request *r, const char *body_hash, char *list, size_t listlen,
                         char *block, size_t blocklen)
{
    char names[RC_V4_MAX_HEADERS][24];
    char *sorted[RC_V4_MAX_HEADERS];
    size_t n = 0;
    const char *p = r->signed_headers ? r->signed_headers : RC_V4_HEADERS_PYTHON;
    while (*p) {
        size_t len = strcspn(p, ";");
        if (n == RC_V4_MAX_HEADERS || len == 0 || len >= sizeof names[0])
            return -1;
        snprintf(names[n], sizeof names[0], "%.*s", (int)len, p);
        sorted[n] = names[n];
        n++;
        p += len + (p[len] == ';');
    }
    qsort(sorted, n, sizeof sorted[0], rc_v4_strcmp);
    size_t lu = 0, bu = 0;
    list[0] = block[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *v = rc_v4_header_value(r, sorted[i], body_hash);
        char val[512];
        if (!v)
            return -1;
        rc_v4_trim(v, val, sizeof val);
        int a = snprintf(list + lu, listlen - lu, "%s%s", i ? ";" : "", sorted[i]);
        int b = snprintf(block + bu, blocklen - bu, "%s:%s\n", sorted[i], val);
        if (a < 0 || b < 0 || (size_t)a >= listlen - lu || (size_t)b >= blocklen - bu)
            return -1;
        lu += (size_t)a;
        bu += (size_t)b;
    }
    return n ? 0 : -1;
}

/* ---- the signature -------------------------------------------------------------------- */

/* hex(SHA256(CanonicalRequest)). 0/-1. */
static int rc_v4_request_hash(const rc_v4_request *r, const char *body_hash, char *list,
                              size_t listlen, char out[65])
{
    char block[2048];
    if (rc_v4_headers(r, body_hash, list, listlen, block, sizeof block))
        return -1;
    char *query = rc_v4_canonical_query(r->query);
    size_t cap =
        strlen(r->method) + strlen(r->path) + strlen(query) + strlen(block) + strlen(list) + 80;
    char *canon = rc_xmalloc(cap);
    int n = snprintf(canon, cap, "%s\n%s\n%s\n%s\n%s\n%s", r->method, r->path, query, block, list,
                     body_hash);
    rc_v4_sha256_hex(canon, (size_t)n, out);
    free(canon);
    free(query);
    return 0;
}

/* hex(HMAC(kSigning, sts)) with the key chain of §1.2 step 6. 0/-1. */
static int rc_v4_sign(const rc_v4_request *r, const char *date, const char *sts, char out[65])
{
    unsigned char k_date[32], k_region[32], k_service[32], k_signing[32], sig[32];
    int bad = rc_v4_hmac(r->secret_key, strlen(r->secret_key), date, k_date) ||
              rc_v4_hmac(k_date, 32, r->region, k_region) ||
              rc_v4_hmac(k_region, 32, r->service, k_service) ||
              rc_v4_hmac(k_service, 32, "request", k_signing) ||
              rc_v4_hmac(k_signing, 32, sts, sig);
    OPENSSL_cleanse(k_signing, sizeof k_signing);
    if (bad)
        return -1;
    rc_v4_hex(sig, 32, out);
    return 0;
}

int rc_v4_authorization(const rc_v4_request *r, char *out, size_t outlen, char signature[65],
                        char body_sha256[65])
{
    char body_hash[65], req_hash[65], list[128], date[9], sig[65];
    if (strlen(r->x_date) < 8)
        return -1;
    snprintf(date, sizeof date, "%.8s", r->x_date);
    rc_v4_sha256_hex(r->body, r->body_len, body_hash);
    if (body_sha256)
        memcpy(body_sha256, body_hash, 65);
    if (rc_v4_request_hash(r, body_hash, list, sizeof list, req_hash))
        return -1;
    char sts[512];
    int n = snprintf(sts, sizeof sts, "HMAC-SHA256\n%s\n%s/%s/%s/request\n%s", r->x_date, date,
                     r->region, r->service, req_hash);
    if (n < 0 || (size_t)n >= sizeof sts || rc_v4_sign(r, date, sts, sig))
        return -1;
    if (signature)
        memcpy(signature, sig, 65);
    n = snprintf(out, outlen,
                 "HMAC-SHA256 Credential=%s/%s/%s/%s/request, SignedHeaders=%s%s, "
                 "Signature=%s",
                 r->access_key, date, r->region, r->service, list,
                 r->signed_queries ? ", SignedQueries=Action;Version" : "", sig);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* ---- the vectors (volc.md §1.2) ------------------------------------------------------- */

static int rc_v4_vector(FILE *out, const char *name, const char *got, const char *want)
{
    int ok = strcmp(got, want) == 0;
    fprintf(out, "%s %s%s%s\n", ok ? "ok  " : "FAIL", name, ok ? "" : ": got ", ok ? "" : got);
    return ok ? 0 : 1;
}

int rc_volc_sign_self_test(FILE *out)
{
    static const char body[] = "{\"AppId\":\"app1\",\"RoomId\":\"room1\",\"TaskId\":\"task1\"}";
    rc_v4_request r = {.access_key = "AKLTexampleAK",
                       .secret_key = "exampleSecretKey",
                       .region = "cn-north-1",
                       .service = "rtc",
                       .method = "POST",
                       .path = "/",
                       .query = "Version=2024-12-01&Action=StopVoiceChat", /* sorted here */
                       .x_date = "20250101T000000Z",
                       .host = "rtc.volcengineapi.com",
                       .content_type = "application/json",
                       .signed_headers = RC_V4_HEADERS_PYTHON,
                       .body = body,
                       .body_len = strlen(body)};
    int fails = 0;
    char auth[512] = "", sig[65] = "", hash[65] = "";
    if (rc_v4_authorization(&r, auth, sizeof auth, sig, hash))
        fails++;
    fails += rc_v4_vector(out, "v4 body hash (X-Content-Sha256)", hash,
                          "534c5b8c38afa98ed91965634c8e9ca5301be86afe5854a3a874a911228c2339");
    fails += rc_v4_vector(out, "v4 python headers content-type;host;x-content-sha256;x-date", sig,
                          "eba342765b93e890c3be8a863e5130ed6cca89460da3d296521ce28f2a9fd5d2");
    fails +=
        rc_v4_vector(out, "v4 python authorization", auth,
                     "HMAC-SHA256 Credential=AKLTexampleAK/20250101/cn-north-1/rtc/request, "
                     "SignedHeaders=content-type;host;x-content-sha256;x-date, "
                     "Signature=eba342765b93e890c3be8a863e5130ed6cca89460da3d296521ce28f2a9fd5d2");

    r.signed_headers = "x-date;host;x-content-sha256"; /* any order: signed sorted */
    r.signed_queries = 1;
    sig[0] = '\0';
    if (rc_v4_authorization(&r, auth, sizeof auth, sig, NULL))
        fails++;
    fails += rc_v4_vector(out, "v4 node headers host;x-content-sha256;x-date", sig,
                          "9b679efd92dea73389d6a05a40a27b2c1194352e4da33f8a2432531634471fe8");
    fails +=
        rc_v4_vector(out, "v4 node authorization (SignedQueries)", auth,
                     "HMAC-SHA256 Credential=AKLTexampleAK/20250101/cn-north-1/rtc/request, "
                     "SignedHeaders=host;x-content-sha256;x-date, SignedQueries=Action;Version, "
                     "Signature=9b679efd92dea73389d6a05a40a27b2c1194352e4da33f8a2432531634471fe8");

    /* self-computed: a query that needs re-encoding ("+" and "%2F" in, "%20" and "%2F" out) */
    r.signed_headers = RC_V4_HEADERS_PYTHON;
    r.signed_queries = 0;
    r.query = "x=a%2Fb+c~&Version=2024-12-01&Action=StopVoiceChat";
    sig[0] = '\0';
    if (rc_v4_authorization(&r, auth, sizeof auth, sig, NULL))
        fails++;
    fails += rc_v4_vector(out, "v4 canonical query (sorted, RFC 3986)", sig,
                          "4bf9652ce0aa68be6e67165cea61b3be78794a6ea6224c6d3f2f1fbe5dc0f09e");

    char xd[17];
    rc_v4_x_date(1735689600, xd); /* 2025-01-01 00:00:00 UTC */
    fails += rc_v4_vector(out, "v4 X-Date", xd, "20250101T000000Z");
    r.signed_headers = "host;authorization";
    fails += rc_v4_vector(out, "v4 refuses a header it cannot sign",
                          rc_v4_authorization(&r, auth, sizeof auth, NULL, NULL) ? "refused" : auth,
                          "refused");
    fprintf(out, "%s: %d volc check%s failed\n", fails ? "FAIL" : "ok", fails,
            fails == 1 ? "" : "s");
    return fails ? 1 : 0;
}
