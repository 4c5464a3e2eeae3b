/* pl_sign.c — TC3-HMAC-SHA256 and the trtc webhook signature (see pl_sign.h).
 *
 * The algorithm is protocols/trtc.md §1.3 (GO common/client.go, the signature-v3 doc):
 * CanonicalRequest → StringToSign → a key derived by HMAC chaining from "TC3"+SecretKey over
 * the date, the service and "tc3_request" → HMAC of the StringToSign, in lowercase hex. */
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

char *pl_sign_trtc_callback(const char *key, const void *body, size_t len)
{
    unsigned char mac[32];
    pl_crypto_hmac_sha256(key, strlen(key), body, len, mac);
    return pl_crypto_base64_encode(mac, 32);
}
