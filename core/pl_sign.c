/* pl_sign.c — TC3-HMAC-SHA256, Volcengine V4 and the trtc webhook signature (see pl_sign.h).
 *
 * The algorithm is protocols/trtc.md §1.3 (GO common/client.go, the signature-v3 doc):
 * CanonicalRequest → StringToSign → a key derived by HMAC chaining from "TC3"+SecretKey over
 * the date, the service and "tc3_request" → HMAC of the StringToSign, in lowercase hex.
 * V4 (protocols/volc.md §1.2; @volcengine/openapi lib/base/sign.js, the embedded demo's
 * RtcApiRequester.py) chains from the bare SecretKey over date, region, service and
 * "request". All hashing is pl_crypto (OpenSSL EVP/HMAC). */
#include "core/pl_sign.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/pl_buf.h"
#include "core/pl_crypto.h"

static const char *pl_tc3_field(const char *s, const char *name, char *out, size_t n)
{
    const char *p = strstr(s, name);
    if (!p)
        return NULL;
    p += strlen(name);
    size_t i = 0;
    while (*p && *p != ',' && !isspace((unsigned char)*p) && i + 1 < n)
        out[i++] = *p++;
    out[i] = '\0';
    return (*p && *p != ',' && !isspace((unsigned char)*p)) ? NULL : p;
}

int pl_tc3_parse(const char *authorization, pl_tc3_auth *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *algo = "TC3-HMAC-SHA256 ";
    if (strncmp(authorization, algo, strlen(algo)) != 0) {
        snprintf(err, errlen, "the Authorization header does not start with \"TC3-HMAC-SHA256 \"");
        return -1;
    }
    char cred[300];
    if (!pl_tc3_field(authorization, "Credential=", cred, sizeof cred) || !cred[0]) {
        snprintf(err, errlen, "the Authorization header has no Credential=");
        return -1;
    }
    /* ID/DATE/SERVICE/tc3_request */
    char *parts[4] = {0};
    int np = 0;
    for (char *t = cred, *slash; np < 4; t = slash + 1) {
        parts[np++] = t;
        if (!(slash = strchr(t, '/')))
            break;
        *slash = '\0';
    }
    if (np != 4 || strcmp(parts[3], "tc3_request") != 0 ||
        strlen(parts[0]) >= sizeof out->secret_id || strlen(parts[1]) >= sizeof out->date ||
        strlen(parts[2]) >= sizeof out->service) {
        snprintf(err, errlen, "Credential must be SecretId/YYYY-MM-DD/service/tc3_request");
        return -1;
    }
    strcpy(out->secret_id, parts[0]);
    strcpy(out->date, parts[1]);
    strcpy(out->service, parts[2]);
    if (!pl_tc3_field(authorization, "SignedHeaders=", out->signed_headers,
                      sizeof out->signed_headers) ||
        !out->signed_headers[0]) {
        snprintf(err, errlen, "the Authorization header has no SignedHeaders=");
        return -1;
    }
    if (!pl_tc3_field(authorization, "Signature=", out->signature, sizeof out->signature) ||
        strlen(out->signature) != 64) {
        snprintf(err, errlen, "Signature= must be 64 hex digits");
        return -1;
    }
    return 0;
}

/* "name:value\n" for every signed header, values trimmed and lower-cased. */
static int pl_tc3_canonical_headers(pl_buf *b, const char *signed_headers, pl_tc3_header_fn header,
                                    const void *impl, char *err, size_t errlen)
{
    const char *p = signed_headers;
    while (*p) {
        const char *e = strchr(p, ';');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char name[128], val[2048];
        if (n == 0 || n >= sizeof name) {
            snprintf(err, errlen, "SignedHeaders has an empty or overlong name");
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            name[i] = (char)tolower((unsigned char)p[i]);
        name[n] = '\0';
        int vl = header(impl, name, val, sizeof val);
        if (vl < 0) {
            snprintf(err, errlen, "signed header \"%s\" is not in the request", name);
            return -1;
        }
        char *v = val;
        while (*v && isspace((unsigned char)*v))
            v++;
        size_t l = strlen(v);
        while (l && isspace((unsigned char)v[l - 1]))
            v[--l] = '\0';
        for (char *c = v; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        pl_buf_printf(b, "%s:%s\n", name, v);
        p += n + (e ? 1 : 0);
    }
    return 0;
}

static void pl_tc3_sign_hex(const char *secret_key, const char *service, const char *date,
                            const char *string_to_sign, char sig[65])
{
    unsigned char k1[32], k2[32], k3[32], s[32];
    pl_buf key = {0};
    pl_buf_printf(&key, "TC3%s", secret_key);
    pl_crypto_hmac_sha256(key.data, key.len, date, strlen(date), k1);
    pl_crypto_hmac_sha256(k1, 32, service, strlen(service), k2);
    pl_crypto_hmac_sha256(k2, 32, "tc3_request", 11, k3);
    pl_crypto_hmac_sha256(k3, 32, string_to_sign, strlen(string_to_sign), s);
    pl_crypto_hex(s, 32, sig);
    free(key.data);
}

int pl_tc3_signature(const char *secret_key, const char *service, const char *date,
                     const char *timestamp, const char *method, const char *query,
                     const char *signed_headers, pl_tc3_header_fn header, const void *impl,
                     const void *body, size_t body_len, char sig[65], char *err, size_t errlen)
{
    pl_buf creq = {0};
    pl_buf_printf(&creq, "%s\n/\n%s\n", method, query ? query : "");
    if (pl_tc3_canonical_headers(&creq, signed_headers, header, impl, err, errlen)) {
        free(creq.data);
        return -1;
    }
    char hash[65];
    pl_crypto_sha256_hex(body, body_len, hash);
    pl_buf_printf(&creq, "\n%s\n%s", signed_headers, hash);
    char creq_hash[65];
    pl_crypto_sha256_hex(creq.data, creq.len, creq_hash);
    free(creq.data);
    pl_buf sts = {0};
    pl_buf_printf(&sts, "TC3-HMAC-SHA256\n%s\n%s/%s/tc3_request\n%s", timestamp, date, service,
                  creq_hash);
    pl_tc3_sign_hex(secret_key, service, date, sts.data, sig);
    free(sts.data);
    return 0;
}

void pl_sign_utc_date(long long t, char out[16])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

typedef struct {
    const char *ctype, *host, *action;
} pl_tc3_client_hdrs;

static int pl_tc3_client_header(const void *impl, const char *name, char *out, size_t n)
{
    const pl_tc3_client_hdrs *h = impl;
    const char *v = !strcmp(name, "content-type")  ? h->ctype
                    : !strcmp(name, "host")        ? h->host
                    : !strcmp(name, "x-tc-action") ? h->action
                                                   : NULL;
    if (!v)
        return -1;
    snprintf(out, n, "%s", v);
    return (int)strlen(out);
}

char *pl_tc3_authorization(const char *secret_id, const char *secret_key, const char *service,
                           const char *host, const char *content_type, const char *action,
                           long long timestamp, const void *body, size_t body_len)
{
    char date[16], ts[32], sig[65], err[128];
    pl_sign_utc_date(timestamp, date);
    snprintf(ts, sizeof ts, "%lld", timestamp);
    pl_tc3_client_hdrs h = {content_type, host, action};
    const char *signed_headers = action ? "content-type;host;x-tc-action" : "content-type;host";
    pl_tc3_signature(secret_key, service, date, ts, "POST", "", signed_headers,
                     pl_tc3_client_header, &h, body, body_len, sig, err, sizeof err);
    pl_buf a = {0};
    pl_buf_printf(&a,
                  "TC3-HMAC-SHA256 Credential=%s/%s/%s/tc3_request, SignedHeaders=%s, Signature=%s",
                  secret_id, date, service, signed_headers, sig);
    return pl_buf_take(&a);
}

/* ---- Volcengine V4 ----------------------------------------------------------------------- */

/* Copies len bytes of s into dst[n] with a NUL; -1 when they do not fit or len is 0. */
static int pl_v4_copy(char *dst, size_t n, const char *s, size_t len)
{
    if (len == 0 || len >= n)
        return -1;
    memcpy(dst, s, len);
    dst[len] = '\0';
    return 0;
}

static int pl_v4_credential(const char *v, size_t len, pl_v4_auth *out)
{
    /* AK/YYYYMMDD/REGION/SERVICE/request */
    struct {
        char *dst;
        size_t n;
    } f[5] = {{out->ak, sizeof out->ak},
              {out->date, sizeof out->date},
              {out->region, sizeof out->region},
              {out->service, sizeof out->service},
              {out->terminator, sizeof out->terminator}};
    const char *end = v + len;
    for (int i = 0; i < 5; i++) {
        const char *slash = memchr(v, '/', (size_t)(end - v));
        const char *e = slash ? slash : end;
        if ((i < 4) != (slash != NULL) || pl_v4_copy(f[i].dst, f[i].n, v, (size_t)(e - v)))
            return -1;
        v = e + 1;
    }
    return 0;
}

int pl_v4_parse(const char *authorization, pl_v4_auth *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *p = authorization ? authorization : "";
    static const char algo[] = "HMAC-SHA256";
    if (strncmp(p, algo, sizeof algo - 1) != 0 || !isspace((unsigned char)p[sizeof algo - 1])) {
        snprintf(err, errlen, "the Authorization header does not start with \"HMAC-SHA256 \"");
        return -1;
    }
    p += sizeof algo - 1;
    enum { CRED = 1, HDRS = 2, QUERIES = 4, SIG = 8 };
    int have = 0;
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p && !have)
            break; /* nothing after the algorithm: "no Credential=" below */
        const char *name = p;
        while (*p && *p != '=' && *p != ',' && !isspace((unsigned char)*p))
            p++;
        size_t nl = (size_t)(p - name);
        if (*p != '=' || nl == 0) {
            snprintf(err, errlen, "the Authorization header has a part \"%.*s\" that is not Name=Value",
                     (int)(nl ? nl : strcspn(name, ",")), name);
            return -1;
        }
        const char *val = ++p;
        while (*p && *p != ',' && !isspace((unsigned char)*p))
            p++;
        size_t vl = (size_t)(p - val);
        int bit = 0, bad = 0;
        if (nl == 10 && !strncmp(name, "Credential", nl)) {
            bit = CRED;
            bad = pl_v4_credential(val, vl, out);
            if (bad)
                snprintf(err, errlen,
                         "Credential must be AccessKey/YYYYMMDD/region/service/request (five "
                         "non-empty parts)");
        } else if (nl == 13 && !strncmp(name, "SignedHeaders", nl)) {
            bit = HDRS;
            bad = pl_v4_copy(out->signed_headers, sizeof out->signed_headers, val, vl);
            if (bad)
                snprintf(err, errlen, "SignedHeaders= is empty or too long");
        } else if (nl == 13 && !strncmp(name, "SignedQueries", nl)) {
            bit = QUERIES;
            bad = vl && pl_v4_copy(out->signed_queries, sizeof out->signed_queries, val, vl);
            if (bad)
                snprintf(err, errlen, "SignedQueries= is too long");
        } else if (nl == 9 && !strncmp(name, "Signature", nl)) {
            bit = SIG;
            bad = vl != 64 || pl_v4_copy(out->signature, sizeof out->signature, val, vl);
            for (size_t i = 0; !bad && i < vl; i++)
                bad = !isxdigit((unsigned char)val[i]);
            if (bad)
                snprintf(err, errlen, "Signature= must be 64 hex digits");
        } else {
            snprintf(err, errlen, "the Authorization header has an unknown part \"%.*s\"", (int)nl,
                     name);
            return -1;
        }
        if (bad)
            return -1;
        if (have & bit) {
            snprintf(err, errlen, "the Authorization header has %.*s= twice", (int)nl, name);
            return -1;
        }
        have |= bit;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        if (*p != ',') {
            snprintf(err, errlen, "the Authorization header's parts must be separated by commas");
            return -1;
        }
        p++;
    }
    const char *missing = !(have & CRED) ? "Credential" : !(have & HDRS) ? "SignedHeaders"
                          : !(have & SIG)                                 ? "Signature"
                                                                          : NULL;
    if (missing) {
        snprintf(err, errlen, "the Authorization header has no %s=", missing);
        return -1;
    }
    return 0;
}

static int pl_v4_hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Appends s[0..n) percent-decoded and then RFC 3986-encoded (unreserved kept, and '/' when
 * keep_slash); a '%' not followed by two hex digits stays a literal '%' (so becomes %25). */
static void pl_v4_recode(pl_buf *b, const char *s, size_t n, int plus_space, int keep_slash)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%' && i + 2 < n && pl_v4_hexval(s[i + 1]) >= 0 && pl_v4_hexval(s[i + 2]) >= 0) {
            c = (unsigned char)(pl_v4_hexval(s[i + 1]) * 16 + pl_v4_hexval(s[i + 2]));
            i += 2;
        } else if (c == '+' && plus_space) {
            c = ' ';
        }
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/'))
            pl_buf_putc(b, (char)c);
        else
            pl_buf_printf(b, "%%%02X", c);
    }
}

typedef struct {
    char *k, *v;
} pl_v4_param;

static int pl_v4_param_cmp(const void *a, const void *b)
{
    const pl_v4_param *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c ? c : strcmp(x->v, y->v);
}

/* The canonical query of a raw query string into b. */
static void pl_v4_canonical_query(pl_buf *b, const char *query)
{
    size_t np = 0, cap = 0;
    pl_v4_param *ps = NULL;
    for (const char *p = query ? query : ""; *p;) {
        size_t n = strcspn(p, "&");
        if (n) {
            const char *eq = memchr(p, '=', n);
            size_t kl = eq ? (size_t)(eq - p) : n;
            pl_buf k = PL_BUF_INIT, v = PL_BUF_INIT;
            pl_v4_recode(&k, p, kl, 1, 0);
            if (eq)
                pl_v4_recode(&v, eq + 1, n - kl - 1, 1, 0);
            if (np == cap)
                ps = pl_xrealloc(ps, (cap = cap ? cap * 2 : 8) * sizeof *ps);
            ps[np].k = pl_buf_take(&k);
            ps[np].v = pl_buf_take(&v);
            np++;
        }
        p += n + (p[n] == '&');
    }
    if (np)
        qsort(ps, np, sizeof *ps, pl_v4_param_cmp);
    for (size_t i = 0; i < np; i++) {
        pl_buf_printf(b, "%s%s=%s", i ? "&" : "", ps[i].k, ps[i].v);
        free(ps[i].k);
        free(ps[i].v);
    }
    free(ps);
}

/* "name:value\n" per signed header, in the list's order: names lower-cased, values trimmed
 * with inner whitespace runs collapsed to one space (case kept). */
static int pl_v4_canonical_headers(pl_buf *b, const char *signed_headers, pl_tc3_header_fn header,
                                   const void *impl)
{
    const char *p = signed_headers;
    if (!*p)
        return -1;
    while (*p) {
        size_t n = strcspn(p, ";");
        char name[128];
        if (n == 0 || n >= sizeof name)
            return -1;
        for (size_t i = 0; i < n; i++)
            name[i] = (char)tolower((unsigned char)p[i]);
        name[n] = '\0';
        char *val = pl_xmalloc(16384);
        int vl = header(impl, name, val, 16384);
        if (vl < 0) {
            free(val);
            return -1;
        }
        pl_buf_printf(b, "%s:", name);
        const char *v = val;
        while (isspace((unsigned char)*v))
            v++;
        while (*v) {
            if (isspace((unsigned char)*v)) {
                while (isspace((unsigned char)*v))
                    v++;
                if (*v)
                    pl_buf_putc(b, ' ');
            } else {
                pl_buf_putc(b, *v++);
            }
        }
        pl_buf_putc(b, '\n');
        free(val);
        p += n;
        if (*p == ';' && !*++p)
            return -1; /* a trailing ';' is an empty name */
    }
    return 0;
}

int pl_v4_signature(const char *secret_key, const char *x_date, const char *region,
                    const char *service, const char *method, const char *path,
                    const char *query, const char *signed_headers, pl_tc3_header_fn header,
                    const void *impl, const char *body_sha256_hex, char out[65])
{
    out[0] = '\0';
    if (!x_date || strlen(x_date) < 8 || !signed_headers)
        return -1;
    char date[9];
    memcpy(date, x_date, 8);
    date[8] = '\0';
    pl_buf creq = PL_BUF_INIT;
    pl_buf_printf(&creq, "%s\n", method);
    if (!path || !*path)
        pl_buf_putc(&creq, '/');
    else
        pl_v4_recode(&creq, path, strlen(path), 0, 1);
    pl_buf_putc(&creq, '\n');
    pl_v4_canonical_query(&creq, query);
    pl_buf_putc(&creq, '\n');
    if (pl_v4_canonical_headers(&creq, signed_headers, header, impl)) {
        pl_buf_free(&creq);
        return -1;
    }
    pl_buf_printf(&creq, "\n%s\n%s", signed_headers, body_sha256_hex ? body_sha256_hex : "");
    char creq_hash[65];
    pl_crypto_sha256_hex(creq.data, creq.len, creq_hash);
    pl_buf_free(&creq);

    pl_buf sts = PL_BUF_INIT;
    pl_buf_printf(&sts, "HMAC-SHA256\n%s\n%s/%s/%s/request\n%s", x_date, date, region, service,
                  creq_hash);
    unsigned char k1[32], k2[32], k3[32], k4[32], s[32];
    pl_crypto_hmac_sha256(secret_key, strlen(secret_key), date, 8, k1);
    pl_crypto_hmac_sha256(k1, 32, region, strlen(region), k2);
    pl_crypto_hmac_sha256(k2, 32, service, strlen(service), k3);
    pl_crypto_hmac_sha256(k3, 32, "request", 7, k4);
    pl_crypto_hmac_sha256(k4, 32, sts.data, sts.len, s);
    pl_crypto_hex(s, 32, out);
    pl_buf_free(&sts);
    return 0;
}

char *pl_v4_authorization(const char *ak, const char *sk, const char *region,
                          const char *service, const char *x_date, const char *method,
                          const char *path, const char *query, const char *signed_headers,
                          pl_tc3_header_fn header, const void *impl, const char *body_sha256_hex)
{
    char sig[65];
    if (pl_v4_signature(sk, x_date, region, service, method, path, query, signed_headers, header,
                        impl, body_sha256_hex, sig))
        return NULL;
    pl_buf a = PL_BUF_INIT;
    pl_buf_printf(&a, "HMAC-SHA256 Credential=%s/%.8s/%s/%s/request, SignedHeaders=%s, Signature=%s",
                  ak, x_date, region, service, signed_headers, sig);
    return pl_buf_take(&a);
}

void pl_sign_x_date(long long t, char out[17])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

char *pl_sign_trtc_callback(const char *key, const void *body, size_t len)
{
    unsigned char mac[32];
    pl_crypto_hmac_sha256(key, strlen(key), body, len, mac);
    return pl_crypto_base64_encode(mac, 32);
}
