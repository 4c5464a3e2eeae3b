/* rc_trtc_sign.c — TC3-HMAC-SHA256 and the callback Sign (see rc_trtc_sign.h).
 *
 * TC3 (shared/protocols/trtc.md §1.3, as the Go SDK's common/client.go does it):
 *
 *   CanonicalRequest = "POST\n/\n\n" + CanonicalHeaders + "\n" + SignedHeaders + "\n"
 *                      + hex(SHA256(body))
 *   StringToSign     = "TC3-HMAC-SHA256\n" + timestamp + "\n" + date + "/" + service
 *                      + "/tc3_request\n" + hex(SHA256(CanonicalRequest))
 *   kDate = HMAC("TC3" + SecretKey, date), kService = HMAC(kDate, service),
 *   kSigning = HMAC(kService, "tc3_request"), Signature = hex(HMAC(kSigning, StringToSign))
 *
 * The crypto is OpenSSL's (SHA256, HMAC, EVP_EncodeBlock, CRYPTO_memcmp); this file only puts
 * the strings together. */
#include "rc_trtc_sign.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rc.h"

static void rc_hex(const unsigned char *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

static void rc_sha256_hex(const void *d, size_t n, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(d, n, md);
    rc_hex(md, sizeof md, out);
}

static int rc_hmac(const void *key, size_t klen, const void *msg, size_t mlen,
                   unsigned char out[32])
{
    unsigned int n = 0;
    return HMAC(EVP_sha256(), key, (int)klen, msg, mlen, out, &n) && n == 32 ? 0 : -1;
}

void rc_tc3_utc_date(int64_t t, char out[11])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* A header value as signed: lower case, no surrounding blanks. */
static void rc_canon_value(const char *v, char *out, size_t n)
{
    while (*v == ' ' || *v == '\t')
        v++;
    size_t len = strlen(v);
    while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
    size_t i = 0;
    for (; i < len && i + 1 < n; i++)
        out[i] = (char)tolower((unsigned char)v[i]);
    out[i] = '\0';
}

int rc_tc3_authorization(const rc_tc3_request *r, char *out, size_t outlen, char signature[65])
{
    char date[11], ct[256], host[300], action[128], body_hash[65], req_hash[65];
    if (r->date)
        snprintf(date, sizeof date, "%s", r->date);
    else
        rc_tc3_utc_date(r->timestamp, date);
    rc_canon_value(r->content_type, ct, sizeof ct);
    rc_canon_value(r->host, host, sizeof host);
    rc_canon_value(r->action ? r->action : "", action, sizeof action);
    const char *signed_headers =
        r->sign_action ? "content-type;host;x-tc-action" : "content-type;host";

    rc_sha256_hex(r->body, r->body_len, body_hash);
    size_t cap = strlen(ct) + strlen(host) + strlen(action) + 256;
    char *canon = rc_xmalloc(cap);
    int n = snprintf(canon, cap, "POST\n/\n\ncontent-type:%s\nhost:%s\n%s%s%s\n%s\n%s", ct, host,
                     r->sign_action ? "x-tc-action:" : "", r->sign_action ? action : "",
                     r->sign_action ? "\n" : "", signed_headers, body_hash);
    rc_sha256_hex(canon, (size_t)n, req_hash);
    free(canon);

    char sts[512];
    n = snprintf(sts, sizeof sts, "TC3-HMAC-SHA256\n%lld\n%s/%s/tc3_request\n%s",
                 (long long)r->timestamp, date, r->service, req_hash);
    if (n < 0 || (size_t)n >= sizeof sts)
        return -1;

    size_t sklen = strlen(r->secret_key) + 4;
    char *k0 = rc_xmalloc(sklen);
    snprintf(k0, sklen, "TC3%s", r->secret_key);
    unsigned char k_date[32], k_service[32], k_signing[32], sig[32];
    int bad = rc_hmac(k0, strlen(k0), date, strlen(date), k_date) ||
              rc_hmac(k_date, 32, r->service, strlen(r->service), k_service) ||
              rc_hmac(k_service, 32, "tc3_request", 11, k_signing) ||
              rc_hmac(k_signing, 32, sts, (size_t)n, sig);
    OPENSSL_cleanse(k0, strlen(k0));
    free(k0);
    if (bad)
        return -1;
    char hex[65];
    rc_hex(sig, 32, hex);
    if (signature)
        memcpy(signature, hex, 65);
    n = snprintf(out, outlen,
                 "TC3-HMAC-SHA256 Credential=%s/%s/%s/tc3_request, SignedHeaders=%s, Signature=%s",
                 r->secret_id, date, r->service, signed_headers, hex);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int rc_trtc_callback_sign(const char *key, const void *body, size_t len, char *out, size_t outlen)
{
    unsigned char mac[32];
    if (outlen < 45 || rc_hmac(key, strlen(key), body, len, mac))
        return -1;
    EVP_EncodeBlock((unsigned char *)out, mac, 32); /* 44 characters and a NUL */
    return 0;
}

int rc_trtc_callback_sign_ok(const char *key, const void *body, size_t len, const char *sign)
{
    char want[64];
    if (!sign || rc_trtc_callback_sign(key, body, len, want, sizeof want))
        return 0;
    size_t n = strlen(want);
    return strlen(sign) == n && CRYPTO_memcmp(want, sign, n) == 0;
}

/* ---- the vectors (trtc.md §1.3, §3.2) ---------------------------------------------------- */

static int rc_vector(FILE *out, const char *name, const char *got, const char *want)
{
    int ok = strcmp(got, want) == 0;
    fprintf(out, "%s %s%s%s\n", ok ? "ok  " : "FAIL", name, ok ? "" : ": got ", ok ? "" : got);
    return ok ? 0 : 1;
}

int rc_trtc_sign_self_test(FILE *out)
{
    int fails = 0;
    char auth[512], sig[65];

    /* 1: Tencent's published cvm example */
    static const char cvm_body[] =
        "{\"Limit\": 1, \"Filters\": [{\"Values\": [\"\\u672a\\u547d\\u540d\"], \"Name\": "
        "\"instance-name\"}]}";
    char hash[65];
    rc_sha256_hex(cvm_body, strlen(cvm_body), hash);
    fails += rc_vector(out, "tc3 cvm example: payload hash", hash,
                       "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064");
    rc_tc3_request r = {.secret_id = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
                        .secret_key = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
                        .service = "cvm",
                        .host = "cvm.tencentcloudapi.com",
                        .content_type = "application/json; charset=utf-8",
                        .timestamp = 1551113065,
                        .body = cvm_body,
                        .body_len = strlen(cvm_body)};
    sig[0] = '\0';
    if (rc_tc3_authorization(&r, auth, sizeof auth, sig))
        fails++;
    fails += rc_vector(out, "tc3 cvm example: signature", sig,
                       "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
    fails +=
        rc_vector(out, "tc3 cvm example: authorization", auth,
                  "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/"
                  "tc3_request, SignedHeaders=content-type;host, "
                  "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");

    /* 2: self-computed trtc vectors */
    static const char trtc_body[] = "{\"TaskId\":\"task-123\"}";
    rc_tc3_request t = {.secret_id = "AKIDEXAMPLE",
                        .secret_key = "SECRETEXAMPLE",
                        .service = "trtc",
                        .host = "trtc.tencentcloudapi.com",
                        .content_type = "application/json",
                        .action = "StopAIConversation",
                        .timestamp = 1700000000,
                        .body = trtc_body,
                        .body_len = strlen(trtc_body)};
    sig[0] = '\0';
    if (rc_tc3_authorization(&t, auth, sizeof auth, sig))
        fails++;
    fails += rc_vector(out, "tc3 trtc: content-type;host", sig,
                       "7b5298e56c4dba57003b5c59a40734f0ca93839a14b4ff51e1ebedc0e940460b");
    t.sign_action = 1;
    sig[0] = '\0';
    if (rc_tc3_authorization(&t, auth, sizeof auth, sig))
        fails++;
    fails += rc_vector(out, "tc3 trtc: content-type;host;x-tc-action", sig,
                       "bce6d32787a53a8f49481b208804fc74920ad5294e0f65bc2335a4de18656bfe");

    /* 3: the callback Sign, self-computed (§3.2) */
    static const char cb_body[] =
        "{\"EventGroupId\":9,\"EventType\":901,\"CallbackTs\":1687770730166,\"EventInfo\":{"
        "\"EventMsTs\":1622186275757,\"TaskId\":\"t1\",\"RoomId\":\"1234\",\"RoomIdType\":0,"
        "\"Payload\":{\"Status\":0}}}";
    static const char cb_key[] = "abcdefghijklmnopqrstuvwxyz123456";
    static const char cb_want[] = "piamiFT3iqZsrKpebq2+hAkioicQeCEdo8aw9dhD9/o=";
    char sign[64] = "";
    if (rc_trtc_callback_sign(cb_key, cb_body, strlen(cb_body), sign, sizeof sign))
        fails++;
    fails += rc_vector(out, "callback Sign", sign, cb_want);
    int ok = rc_trtc_callback_sign_ok(cb_key, cb_body, strlen(cb_body), cb_want) &&
             !rc_trtc_callback_sign_ok(cb_key, cb_body, strlen(cb_body) - 1, cb_want) &&
             !rc_trtc_callback_sign_ok(cb_key, cb_body, strlen(cb_body), "piamiFT3") &&
             !rc_trtc_callback_sign_ok(cb_key, cb_body, strlen(cb_body), NULL);
    fails += rc_vector(out, "callback Sign check (right, wrong body, short, none)",
                       ok ? "as expected" : "wrong", "as expected");
    fprintf(out, "%s: %d check%s failed\n", fails ? "FAIL" : "ok", fails, fails == 1 ? "" : "s");
    return fails ? 1 : 0;
}
