/* test_crypto.c — unit tests for core/pl_crypto: FIPS 180 SHA-256 and RFC 4231 HMAC vectors,
 * RFC 4648 base64 both ways, strict-decode rejections, constant-time equality, and the two
 * vendor request signatures (Tencent TC3-HMAC-SHA256, Volcengine V4) rebuilt step by step
 * from these primitives exactly as the mock dialects will (see /work/shared/protocols
 * trtc.md §1.3 and volc.md §1.2). */
#include "pl_test.h"

#include "core/pl_buf.h"
#include "core/pl_crypto.h"
#include "core/pl_sign.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void check_sha256(const char *msg, const char *want)
{
    char hex[65];
    pl_crypto_sha256_hex(msg, strlen(msg), hex);
    CU_ASSERT_STRING_EQUAL(hex, want);
}

static void test_sha256(void)
{
    check_sha256("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_sha256("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* NULL with length 0 is the empty message. */
    char hex[65];
    pl_crypto_sha256_hex(NULL, 0, hex);
    CU_ASSERT_STRING_EQUAL(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    unsigned char raw[32];
    pl_crypto_sha256("abc", 3, raw);
    CU_ASSERT_EQUAL(raw[0], 0xba);
    CU_ASSERT_EQUAL(raw[31], 0xad);
}

static void check_hmac(const void *key, size_t klen, const void *msg, size_t mlen, const char *want)
{
    unsigned char mac[32];
    char hex[65];
    pl_crypto_hmac_sha256(key, klen, msg, mlen, mac);
    pl_crypto_hex(mac, sizeof mac, hex);
    CU_ASSERT_STRING_EQUAL(hex, want);
}

static void test_hmac_rfc4231(void)
{
    unsigned char k1[20], k3[20], d3[50], k6[131];
    memset(k1, 0x0b, sizeof k1);
    memset(k3, 0xaa, sizeof k3);
    memset(d3, 0xdd, sizeof d3);
    memset(k6, 0xaa, sizeof k6);
    /* Test case 1 */
    check_hmac(k1, sizeof k1, "Hi There", 8,
               "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    /* Test case 2: key shorter than the block */
    check_hmac("Jefe", 4, "what do ya want for nothing?", 28,
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* Test case 3: binary data */
    check_hmac(k3, sizeof k3, d3, sizeof d3,
               "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    /* Test case 6: key longer than the block is hashed first */
    const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    check_hmac(k6, sizeof k6, m6, strlen(m6),
               "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    /* Empty key and message are legal. */
    check_hmac(NULL, 0, NULL, 0,
               "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

static void test_hex(void)
{
    const unsigned char in[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    char out[13];
    pl_crypto_hex(in, sizeof in, out);
    CU_ASSERT_STRING_EQUAL(out, "00017f80abff");
    pl_crypto_hex(in, 0, out);
    CU_ASSERT_STRING_EQUAL(out, "");
}

/* RFC 4648 §10 */
static const char *const b64_vectors[][2] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

static void test_base64_rfc4648(void)
{
    for (size_t i = 0; i < sizeof b64_vectors / sizeof b64_vectors[0]; i++) {
        const char *plain = b64_vectors[i][0], *enc = b64_vectors[i][1];
        char *e = pl_crypto_base64_encode(plain, strlen(plain));
        CU_ASSERT_STRING_EQUAL(e, enc);
        free(e);
        size_t n = 99;
        unsigned char *d = pl_crypto_base64_decode(enc, strlen(enc), &n);
        CU_ASSERT_PTR_NOT_NULL_FATAL(d);
        CU_ASSERT_EQUAL(n, strlen(plain));
        CU_ASSERT(memcmp(d, plain, n) == 0);
        CU_ASSERT_EQUAL(d[n], '\0');
        free(d);
        CU_ASSERT_EQUAL(pl_crypto_base64_decoded_len(enc, strlen(enc)), (long)strlen(plain));
    }
}

static void test_base64_binary_roundtrip(void)
{
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    for (size_t len = 0; len <= sizeof all; len++) {
        char *e = pl_crypto_base64_encode(all, len);
        CU_ASSERT_EQUAL(strlen(e), (len + 2) / 3 * 4);
        CU_ASSERT_PTR_NULL(strchr(e, '\n'));
        size_t n = 0;
        unsigned char *d = pl_crypto_base64_decode(e, strlen(e), &n);
        CU_ASSERT_PTR_NOT_NULL(d);
        CU_ASSERT(d && n == len && memcmp(d, all, len) == 0);
        CU_ASSERT_EQUAL(pl_crypto_base64_decoded_len(e, strlen(e)), (long)len);
        free(d);
        free(e);
    }
    /* '+' and '/' are the standard alphabet (not URL-safe). */
    const unsigned char hi[] = {0xfb, 0xff, 0xbf};
    char *e = pl_crypto_base64_encode(hi, sizeof hi);
    CU_ASSERT_STRING_EQUAL(e, "+/+/");
    free(e);
}

static void test_base64_strict_rejects(void)
{
    static const char *const bad[] = {
        "Zg",             /* length % 4 != 0, missing padding */
        "Zg=",            /* length % 4 != 0 */
        "Zm9vY",          /* length % 4 != 0 */
        "Zg==\n",         /* trailing newline */
        " Zg==",          /* leading space */
        "Zm9v Yg==",      /* inner space (length 9) */
        "Zm9\tvYg=",      /* tab */
        "Zh==",           /* non-zero trailing bits with == */
        "Zm9=",           /* non-zero trailing bits with = */
        "Z===",           /* three pad characters */
        "====",           /* padding only */
        "Zg=a",           /* data after padding */
        "Z=g=",           /* padding in the middle */
        "Zm9v=Zg=",       /* padding inside */
        "Zm9-",           /* URL-safe alphabet */
        "Zm9_",           /* URL-safe alphabet */
        "Zm9v\xc3\xa9==", /* non-ASCII */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = 12345;
        unsigned char *d = pl_crypto_base64_decode(bad[i], strlen(bad[i]), &n);
        if (d)
            fprintf(stderr, "accepted bad base64 [%s]\n", bad[i]);
        CU_ASSERT_PTR_NULL(d);
        CU_ASSERT_EQUAL(n, 12345); /* untouched on failure */
        free(d);
    }
    /* An embedded NUL is outside the alphabet too. */
    CU_ASSERT_PTR_NULL(pl_crypto_base64_decode("Zm\0v", 4, NULL));
}

static void test_base64_decoded_len(void)
{
    CU_ASSERT_EQUAL(pl_crypto_base64_decoded_len("", 0), 0);
    CU_ASSERT_EQUAL(pl_crypto_base64_decoded_len("Zg==", 4), 1);
    CU_ASSERT_EQUAL(pl_crypto_base64_decoded_len("Zm8=", 4), 2);
    CU_ASSERT_EQUAL(pl_crypto_base64_decoded_len("Zm9vYmFy", 8), 6);
    CU_ASSERT_EQUAL(pl_crypto_base64_decoded_len("Zg", 2), -1);
    CU_ASSERT_EQUAL(pl_crypto_base64_decoded_len("Zm9vY", 5), -1);
    CU_ASSERT_EQUAL(pl_crypto_base64_decoded_len("Z===", 4), -1);
    CU_ASSERT_EQUAL(pl_crypto_base64_decoded_len("====", 4), -1);
    /* Length-only: the alphabet is not checked and the data is not decoded. */
    CU_ASSERT_EQUAL(pl_crypto_base64_decoded_len("!!!!!!==", 8), 4);
    /* 1 MiB of 'A' → 768 KiB, computed without decoding. */
    size_t big = 1 << 20;
    char *s = malloc(big);
    memset(s, 'A', big);
    CU_ASSERT_EQUAL(pl_crypto_base64_decoded_len(s, big), (long)(big / 4 * 3));
    s[big - 1] = '=';
    CU_ASSERT_EQUAL(pl_crypto_base64_decoded_len(s, big), (long)(big / 4 * 3 - 1));
    free(s);
}

static void test_equal(void)
{
    CU_ASSERT_EQUAL(pl_crypto_equal("abc", 3, "abc", 3), 1);
    CU_ASSERT_EQUAL(pl_crypto_equal("abc", 3, "abd", 3), 0);
    CU_ASSERT_EQUAL(pl_crypto_equal("abc", 3, "abcd", 4), 0);
    CU_ASSERT_EQUAL(pl_crypto_equal("abcd", 3, "abcX", 3), 1); /* only alen bytes */
    CU_ASSERT_EQUAL(pl_crypto_equal("", 0, "", 0), 1);
    CU_ASSERT_EQUAL(pl_crypto_equal(NULL, 0, NULL, 0), 1);
    CU_ASSERT_EQUAL(pl_crypto_equal("a", 1, "", 0), 0);
    unsigned char x[64] = {0}, y[64] = {0};
    y[63] = 1;
    CU_ASSERT_EQUAL(pl_crypto_equal(x, 64, y, 64), 0);
    y[63] = 0;
    CU_ASSERT_EQUAL(pl_crypto_equal(x, 64, y, 64), 1);
}

/* ---- Tencent TC3-HMAC-SHA256 (trtc.md §1.3) ------------------------------------------- */

typedef struct {
    const char *secret_key, *service, *host, *content_type, *body;
    long timestamp;
    const char *extra_name, *extra_value; /* one more signed header, or NULL */
} tc3_case;

static void hmac_str(const unsigned char *key, size_t klen, const char *msg, unsigned char out[32])
{
    pl_crypto_hmac_sha256(key, klen, msg, strlen(msg), out);
}

/* Returns the payload hash, canonical request hash and signature (each 65 bytes). */
static void tc3_sign(const tc3_case *c, char payload_hex[65], char creq_hex[65], char sig[65])
{
    char date[16];
    struct tm tm;
    time_t t = (time_t)c->timestamp;
    gmtime_r(&t, &tm); /* the credential date is UTC, not local time */
    strftime(date, sizeof date, "%Y-%m-%d", &tm);

    pl_crypto_sha256_hex(c->body, strlen(c->body), payload_hex);

    /* Canonical headers sorted by lowercase name; each line ends with '\n'. */
    pl_buf creq = PL_BUF_INIT;
    pl_buf_printf(&creq, "POST\n/\n\n");
    pl_buf_printf(&creq, "content-type:%s\nhost:%s\n", c->content_type, c->host);
    if (c->extra_name)
        pl_buf_printf(&creq, "%s:%s\n", c->extra_name, c->extra_value);
    pl_buf_printf(&creq, "\ncontent-type;host%s%s\n%s", c->extra_name ? ";" : "",
                  c->extra_name ? c->extra_name : "", payload_hex);
    pl_crypto_sha256_hex(creq.data, creq.len, creq_hex);
    pl_buf_free(&creq);

    pl_buf sts = PL_BUF_INIT;
    pl_buf_printf(&sts, "TC3-HMAC-SHA256\n%ld\n%s/%s/tc3_request\n%s", c->timestamp, date,
                  c->service, creq_hex);

    pl_buf k0 = PL_BUF_INIT;
    pl_buf_printf(&k0, "TC3%s", c->secret_key);
    unsigned char kdate[32], kservice[32], ksigning[32], mac[32];
    hmac_str((const unsigned char *)k0.data, k0.len, date, kdate);
    hmac_str(kdate, 32, c->service, kservice);
    hmac_str(kservice, 32, "tc3_request", ksigning);
    pl_crypto_hmac_sha256(ksigning, 32, sts.data, sts.len, mac);
    pl_crypto_hex(mac, 32, sig);
    pl_buf_free(&k0);
    pl_buf_free(&sts);
}

static void test_tc3_vector1(void)
{
    /* The body holds the literal backslash-u escapes as bytes, not UTF-8. */
    tc3_case c = {
        .secret_key = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        .service = "cvm",
        .host = "cvm.tencentcloudapi.com",
        .content_type = "application/json; charset=utf-8",
        .body = "{\"Limit\": 1, \"Filters\": [{\"Values\": [\"\\u672a\\u547d\\u540d\"], "
                "\"Name\": \"instance-name\"}]}",
        .timestamp = 1551113065,
    };
    char payload[65], creq[65], sig[65];
    tc3_sign(&c, payload, creq, sig);
    CU_ASSERT_STRING_EQUAL(payload,
                           "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064");
    CU_ASSERT_STRING_EQUAL(creq,
                           "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031");
    CU_ASSERT_STRING_EQUAL(sig, "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
}

static void test_tc3_vector2(void)
{
    tc3_case c = {
        .secret_key = "SECRETEXAMPLE",
        .service = "trtc",
        .host = "trtc.tencentcloudapi.com",
        .content_type = "application/json",
        .body = "{\"TaskId\":\"task-123\"}",
        .timestamp = 1700000000, /* 2023-11-14 UTC */
    };
    char payload[65], creq[65], sig[65];
    tc3_sign(&c, payload, creq, sig);
    CU_ASSERT_STRING_EQUAL(sig, "7b5298e56c4dba57003b5c59a40734f0ca93839a14b4ff51e1ebedc0e940460b");
    /* Same request with x-tc-action signed too (value lower-cased, as MoriatyK95 does). */
    c.extra_name = "x-tc-action";
    c.extra_value = "stopaiconversation";
    tc3_sign(&c, payload, creq, sig);
    CU_ASSERT_STRING_EQUAL(sig, "bce6d32787a53a8f49481b208804fc74920ad5294e0f65bc2335a4de18656bfe");
}

/* ---- Volcengine V4 "HMAC-SHA256" (volc.md §1.2) --------------------------------------- */

/* headers: sorted lowercase "name:value" lines; names: the matching SignedHeaders list. */
static void volc_sign(const char *const *headers, const char *names, const char *query,
                      const char *body, const char *xdate, const char *sk, char sig[65])
{
    char body_hex[65], creq_hex[65], day[9];
    memcpy(day, xdate, 8);
    day[8] = '\0';
    pl_crypto_sha256_hex(body, strlen(body), body_hex);

    /* METHOD \n URI \n Query \n Headers-block \n \n SignedHeaders \n BodyHash: the header
     * lines are each '\n'-terminated and the block is then followed by an empty line. */
    pl_buf creq = PL_BUF_INIT;
    pl_buf_printf(&creq, "POST\n/\n%s\n", query);
    for (size_t i = 0; headers[i]; i++)
        pl_buf_printf(&creq, "%s\n", headers[i]);
    pl_buf_printf(&creq, "\n%s\n%s", names, body_hex);
    pl_crypto_sha256_hex(creq.data, creq.len, creq_hex);
    pl_buf_free(&creq);

    pl_buf sts = PL_BUF_INIT;
    pl_buf_printf(&sts, "HMAC-SHA256\n%s\n%s/cn-north-1/rtc/request\n%s", xdate, day, creq_hex);
    unsigned char kdate[32], kregion[32], kservice[32], ksigning[32], mac[32];
    hmac_str((const unsigned char *)sk, strlen(sk), day, kdate); /* no key prefix */
    hmac_str(kdate, 32, "cn-north-1", kregion);
    hmac_str(kregion, 32, "rtc", kservice);
    hmac_str(kservice, 32, "request", ksigning);
    pl_crypto_hmac_sha256(ksigning, 32, sts.data, sts.len, mac);
    pl_crypto_hex(mac, 32, sig);
    pl_buf_free(&sts);
}

static void test_volc_v4(void)
{
    const char *body = "{\"AppId\":\"app1\",\"RoomId\":\"room1\",\"TaskId\":\"task1\"}";
    const char *query = "Action=StopVoiceChat&Version=2024-12-01";
    const char *xdate = "20250101T000000Z";
    char body_hex[65], sig[65];
    pl_crypto_sha256_hex(body, strlen(body), body_hex);
    CU_ASSERT_STRING_EQUAL(body_hex,
                           "534c5b8c38afa98ed91965634c8e9ca5301be86afe5854a3a874a911228c2339");

    /* volc.md names the signed headers but leaves two values implicit; these reproduce the
     * published signatures: host = rtc.volcengineapi.com (the only endpoint, §1.1) and
     * content-type = application/json (exactly; "application/json; charset=utf-8" gives
     * c3f7b4c5… instead). */
    const char *python[] = {
        "content-type:application/json",
        "host:rtc.volcengineapi.com",
        "x-content-sha256:534c5b8c38afa98ed91965634c8e9ca5301be86afe5854a3a874a911228c2339",
        "x-date:20250101T000000Z",
        NULL,
    };
    volc_sign(python, "content-type;host;x-content-sha256;x-date", query, body, xdate,
              "exampleSecretKey", sig);
    CU_ASSERT_STRING_EQUAL(sig, "eba342765b93e890c3be8a863e5130ed6cca89460da3d296521ce28f2a9fd5d2");

    const char *node[] = {
        "host:rtc.volcengineapi.com",
        "x-content-sha256:534c5b8c38afa98ed91965634c8e9ca5301be86afe5854a3a874a911228c2339",
        "x-date:20250101T000000Z",
        NULL,
    };
    volc_sign(node, "host;x-content-sha256;x-date", query, body, xdate, "exampleSecretKey", sig);
    CU_ASSERT_STRING_EQUAL(sig, "9b679efd92dea73389d6a05a40a27b2c1194352e4da33f8a2432531634471fe8");
}

/* core/pl_sign: the same vectors through the verifier's API (headers looked up by name,
 * any SignedHeaders), the client-side Authorization builder, the parser, and the trtc
 * callback Sign (protocols/trtc.md §3.2 self-computed check). */
typedef struct {
    const char *const *kv; /* name, value, ..., NULL */
} sign_hdrs;

static int sign_header(const void *impl, const char *name, char *out, size_t n)
{
    const sign_hdrs *h = impl;
    for (const char *const *p = h->kv; *p; p += 2)
        if (!strcmp(p[0], name)) {
            snprintf(out, n, "%s", p[1]);
            return (int)strlen(out);
        }
    return -1;
}

static void test_sign_tc3(void)
{
    static const char *const cvm[] = {"content-type", "application/json; charset=utf-8", "host",
                                      "cvm.tencentcloudapi.com", NULL};
    const char *body = "{\"Limit\": 1, \"Filters\": [{\"Values\": [\"\\u672a\\u547d\\u540d\"], \"Name\": \"instance-name\"}]}";
    sign_hdrs h = {cvm};
    char sig[65], err[128];
    CU_ASSERT_EQUAL(pl_tc3_signature("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "cvm", "2019-02-25",
                                     "1551113065", "POST", "", "content-type;host", sign_header, &h,
                                     body, strlen(body), sig, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(sig, "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");

    /* trtc vector 2: the action header signed too, with its value lower-cased ("Stop…"). */
    static const char *const trtc[] = {"content-type", "application/json", "host",
                                       "trtc.tencentcloudapi.com", "x-tc-action",
                                       "StopAIConversation", NULL};
    sign_hdrs h2 = {trtc};
    const char *b2 = "{\"TaskId\":\"task-123\"}";
    pl_tc3_signature("SECRETEXAMPLE", "trtc", "2023-11-14", "1700000000", "POST", "",
                     "content-type;host", sign_header, &h2, b2, strlen(b2), sig, err, sizeof err);
    CU_ASSERT_STRING_EQUAL(sig, "7b5298e56c4dba57003b5c59a40734f0ca93839a14b4ff51e1ebedc0e940460b");
    pl_tc3_signature("SECRETEXAMPLE", "trtc", "2023-11-14", "1700000000", "POST", "",
                     "content-type;host;x-tc-action", sign_header, &h2, b2, strlen(b2), sig, err,
                     sizeof err);
    CU_ASSERT_STRING_EQUAL(sig, "bce6d32787a53a8f49481b208804fc74920ad5294e0f65bc2335a4de18656bfe");
    /* A signed header the request lacks is an error that names it. */
    CU_ASSERT_EQUAL(pl_tc3_signature("k", "trtc", "2023-11-14", "1700000000", "POST", "",
                                     "content-type;host;x-tc-region", sign_header, &h2, b2,
                                     strlen(b2), sig, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "x-tc-region"));

    /* The client builder agrees with the verifier, and the parser reads it back. */
    char *a = pl_tc3_authorization("AKIDEXAMPLE", "SECRETEXAMPLE", "trtc", "trtc.tencentcloudapi.com",
                                   "application/json", "StopAIConversation", 1700000000, b2,
                                   strlen(b2));
    CU_ASSERT_STRING_EQUAL(a, "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2023-11-14/trtc/tc3_request, "
                              "SignedHeaders=content-type;host;x-tc-action, "
                              "Signature=bce6d32787a53a8f49481b208804fc74920ad5294e0f65bc2335a4de18656bfe");
    pl_tc3_auth au;
    CU_ASSERT_EQUAL(pl_tc3_parse(a, &au, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(au.secret_id, "AKIDEXAMPLE");
    CU_ASSERT_STRING_EQUAL(au.date, "2023-11-14");
    CU_ASSERT_STRING_EQUAL(au.service, "trtc");
    CU_ASSERT_STRING_EQUAL(au.signed_headers, "content-type;host;x-tc-action");
    free(a);
    CU_ASSERT_EQUAL(pl_tc3_parse("HMAC-SHA1 x", &au, err, sizeof err), -1);
    CU_ASSERT_EQUAL(pl_tc3_parse("TC3-HMAC-SHA256 Credential=a/b/c, SignedHeaders=host, Signature=00",
                                 &au, err, sizeof err), -1);
    CU_ASSERT_EQUAL(pl_tc3_parse("TC3-HMAC-SHA256 Credential=AKID/2023-11-14/trtc/tc3_request, "
                                 "Signature=7b5298e56c4dba57003b5c59a40734f0ca93839a14b4ff51e1ebedc0e940460b",
                                 &au, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "SignedHeaders"));
    char d[16];
    pl_sign_utc_date(1700000000, d);
    CU_ASSERT_STRING_EQUAL(d, "2023-11-14");
}

/* core/pl_sign V4: both volc.md §1.2 vectors through pl_v4_signature / pl_v4_authorization
 * (headers looked up by name; the query canonicalised from a raw string), and the parser. */
#define V4_BODY_HASH "534c5b8c38afa98ed91965634c8e9ca5301be86afe5854a3a874a911228c2339"
#define V4_PY_SIG "eba342765b93e890c3be8a863e5130ed6cca89460da3d296521ce28f2a9fd5d2"
#define V4_NODE_SIG "9b679efd92dea73389d6a05a40a27b2c1194352e4da33f8a2432531634471fe8"

static const char *const v4_hdrs[] = {"content-type", "application/json",
                                      "host", "rtc.volcengineapi.com",
                                      "x-content-sha256", V4_BODY_HASH,
                                      "x-date", "20250101T000000Z",
                                      NULL};

static void v4_sig(const char *const *kv, const char *query, const char *signed_headers,
                   const char *path, char sig[65], int want_rc)
{
    sign_hdrs h = {kv};
    CU_ASSERT_EQUAL(pl_v4_signature("exampleSecretKey", "20250101T000000Z", "cn-north-1", "rtc",
                                    "POST", path, query, signed_headers, sign_header, &h,
                                    V4_BODY_HASH, sig),
                    want_rc);
}

static void test_sign_v4(void)
{
    char sig[65];
    const char *py = "content-type;host;x-content-sha256;x-date", *node = "host;x-content-sha256;x-date";
    v4_sig(v4_hdrs, "Action=StopVoiceChat&Version=2024-12-01", py, "/", sig, 0);
    CU_ASSERT_STRING_EQUAL(sig, V4_PY_SIG);
    v4_sig(v4_hdrs, "Action=StopVoiceChat&Version=2024-12-01", node, "/", sig, 0);
    CU_ASSERT_STRING_EQUAL(sig, V4_NODE_SIG);
    /* The query is canonicalised: any order, percent-encoded unreserved characters, an empty
     * path is "/", an empty piece is skipped. */
    v4_sig(v4_hdrs, "Version=2024-12-01&Action=StopVoiceChat", node, "", sig, 0);
    CU_ASSERT_STRING_EQUAL(sig, V4_NODE_SIG);
    v4_sig(v4_hdrs, "%56ersion=2024%2d12-01&&Action=Stop%56oiceChat", node, NULL, sig, 0);
    CU_ASSERT_STRING_EQUAL(sig, V4_NODE_SIG);
    /* Header values are trimmed (inner runs of whitespace become one space); case is kept. */
    static const char *const spaced[] = {"host", "  rtc.volcengineapi.com\t",
                                         "x-content-sha256", V4_BODY_HASH " ",
                                         "x-date", "20250101T000000Z",
                                         NULL};
    v4_sig(spaced, "Action=StopVoiceChat&Version=2024-12-01", node, "/", sig, 0);
    CU_ASSERT_STRING_EQUAL(sig, V4_NODE_SIG);
    /* A vector from the real Signer (@volcengine/openapi 1.36.2, tests/node/volc_sdk.mjs
     * --selftest): an extra signed header whose value has inner runs of spaces. */
    static const char *const custom[] = {"host", "rtc.volcengineapi.com",
                                         "x-content-sha256", V4_BODY_HASH,
                                         "x-custom", " a   b ",
                                         "x-date", "20250101T000000Z",
                                         NULL};
    v4_sig(custom, "Action=StopVoiceChat&Version=2024-12-01", "host;x-content-sha256;x-custom;x-date",
           "/", sig, 0);
    CU_ASSERT_STRING_EQUAL(sig, "6c601634292126c9af360a73303389078ff6d47e1ba89954c7dae9b7bbc9572e");
    static const char *const upper[] = {"host", "RTC.volcengineapi.com", "x-content-sha256",
                                        V4_BODY_HASH, "x-date", "20250101T000000Z", NULL};
    v4_sig(upper, "Action=StopVoiceChat&Version=2024-12-01", node, "/", sig, 0);
    CU_ASSERT_STRING_NOT_EQUAL(sig, V4_NODE_SIG);
    /* Anything else changes the signature: another query, path, method. */
    v4_sig(v4_hdrs, "Action=StopVoiceChat&Version=2024-12-02", node, "/", sig, 0);
    CU_ASSERT_STRING_NOT_EQUAL(sig, V4_NODE_SIG);
    v4_sig(v4_hdrs, "Action=StopVoiceChat&Version=2024-12-01", node, "/x", sig, 0);
    CU_ASSERT_STRING_NOT_EQUAL(sig, V4_NODE_SIG);
    /* A signed header the request lacks, an empty name, no X-Date. */
    v4_sig(v4_hdrs, "", "host;x-security-token", "/", sig, -1);
    v4_sig(v4_hdrs, "", "host;;x-date", "/", sig, -1);
    v4_sig(v4_hdrs, "", "host;", "/", sig, -1);
    sign_hdrs h = {v4_hdrs};
    CU_ASSERT_EQUAL(pl_v4_signature("k", "2025", "cn-north-1", "rtc", "POST", "/", "", "host",
                                    sign_header, &h, V4_BODY_HASH, sig), -1);

    /* The canonical query: sorted by key then value, RFC 3986 (space %20, '+' decoded as a
     * space, '*' and '!' escaped, '~' kept), keys without '='. Checked against the canonical
     * form signed step by step with the primitives (volc_sign above). */
    char want[65];
    static const char *const node_lines[] = {"host:rtc.volcengineapi.com",
                                             "x-content-sha256:" V4_BODY_HASH,
                                             "x-date:20250101T000000Z", NULL};
    volc_sign(node_lines, node, "a=%20~x&b=%2A%21&b=1&c=&d=x%20y",
              "{\"AppId\":\"app1\",\"RoomId\":\"room1\",\"TaskId\":\"task1\"}",
              "20250101T000000Z", "exampleSecretKey", want);
    v4_sig(v4_hdrs, "a=%20~x&b=%2A%21&b=1&c&d=x+y", node, "/", sig, 0);
    CU_ASSERT_STRING_EQUAL(sig, want);
    v4_sig(v4_hdrs, "d=x%20y&c=&b=*!&a=+%7Ex&b=1", node, "/", sig, 0);
    CU_ASSERT_STRING_EQUAL(sig, want);
    v4_sig(v4_hdrs, "d=x%20y&c=&b=%2a%21&a=%20~x&b=1", node, "/", sig, 0);
    CU_ASSERT_STRING_EQUAL(sig, want);
    v4_sig(v4_hdrs, "d=x%20y&c=&b=%2a%21&a=%20~x&b=2", node, "/", sig, 0);
    CU_ASSERT_STRING_NOT_EQUAL(sig, want);

    /* The client builder: both header sets, the parser reads them back. */
    char *a = pl_v4_authorization("AKLTexampleAK", "exampleSecretKey", "cn-north-1", "rtc",
                                  "20250101T000000Z", "POST", "/",
                                  "Action=StopVoiceChat&Version=2024-12-01", py, sign_header, &h,
                                  V4_BODY_HASH);
    CU_ASSERT_STRING_EQUAL(a, "HMAC-SHA256 Credential=AKLTexampleAK/20250101/cn-north-1/rtc/request, "
                              "SignedHeaders=content-type;host;x-content-sha256;x-date, "
                              "Signature=" V4_PY_SIG);
    char err[160];
    pl_v4_auth au;
    CU_ASSERT_EQUAL(pl_v4_parse(a, &au, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(au.ak, "AKLTexampleAK");
    CU_ASSERT_STRING_EQUAL(au.date, "20250101");
    CU_ASSERT_STRING_EQUAL(au.region, "cn-north-1");
    CU_ASSERT_STRING_EQUAL(au.service, "rtc");
    CU_ASSERT_STRING_EQUAL(au.terminator, "request");
    CU_ASSERT_STRING_EQUAL(au.signed_headers, py);
    CU_ASSERT_STRING_EQUAL(au.signed_queries, "");
    CU_ASSERT_STRING_EQUAL(au.signature, V4_PY_SIG);
    free(a);
    a = pl_v4_authorization("AKLTexampleAK", "exampleSecretKey", "cn-north-1", "rtc",
                            "20250101T000000Z", "POST", "/", "Version=2024-12-01&Action=StopVoiceChat",
                            node, sign_header, &h, V4_BODY_HASH);
    CU_ASSERT_PTR_NOT_NULL(strstr(a, "Signature=" V4_NODE_SIG));
    free(a);
    CU_ASSERT_PTR_NULL(pl_v4_authorization("AK", "SK", "cn-north-1", "rtc", "20250101T000000Z",
                                           "POST", "/", "", "host;x-security-token", sign_header,
                                           &h, V4_BODY_HASH));

    /* The Node form with SignedQueries, parts in another order, extra spaces. */
    CU_ASSERT_EQUAL(pl_v4_parse("HMAC-SHA256 Credential=AKLTexampleAK/20250101/cn-north-1/rtc/request, "
                                "SignedHeaders=host;x-content-sha256;x-date, SignedQueries=Action;Version, "
                                "Signature=" V4_NODE_SIG, &au, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(au.signed_headers, node);
    CU_ASSERT_STRING_EQUAL(au.signed_queries, "Action;Version");
    CU_ASSERT_STRING_EQUAL(au.signature, V4_NODE_SIG);
    CU_ASSERT_EQUAL(pl_v4_parse("HMAC-SHA256  Signature=" V4_NODE_SIG " ,SignedHeaders=host,"
                                "Credential=AK/20250101/ap-southeast-1/other/req  ", &au, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(au.ak, "AK");
    CU_ASSERT_STRING_EQUAL(au.region, "ap-southeast-1");
    CU_ASSERT_STRING_EQUAL(au.service, "other"); /* the verifier judges the scope */
    CU_ASSERT_STRING_EQUAL(au.terminator, "req");
    CU_ASSERT_STRING_EQUAL(au.signed_headers, "host");

    /* Malformed: each names what is wrong. */
    static const char *const bad[][2] = {
        {"", "HMAC-SHA256"},
        {"TC3-HMAC-SHA256 Credential=a/b/c/tc3_request, SignedHeaders=host, Signature=00", "HMAC-SHA256"},
        {"HMAC-SHA256Credential=AK/20250101/cn-north-1/rtc/request", "HMAC-SHA256"},
        {"HMAC-SHA256 ", "no Credential"},
        {"HMAC-SHA256 Credential=AK/20250101/cn-north-1/rtc, SignedHeaders=host, Signature=" V4_NODE_SIG, "Credential"},
        {"HMAC-SHA256 Credential=AK/20250101/cn-north-1/rtc/request/x, SignedHeaders=host, Signature=" V4_NODE_SIG, "Credential"},
        {"HMAC-SHA256 Credential=AK//cn-north-1/rtc/request, SignedHeaders=host, Signature=" V4_NODE_SIG, "Credential"},
        {"HMAC-SHA256 Credential=AK/202501010/cn-north-1/rtc/request, SignedHeaders=host, Signature=" V4_NODE_SIG, "Credential"},
        {"HMAC-SHA256 Credential=AK/20250101/cn-north-1/rtc/request, Signature=" V4_NODE_SIG, "no SignedHeaders"},
        {"HMAC-SHA256 Credential=AK/20250101/cn-north-1/rtc/request, SignedHeaders=, Signature=" V4_NODE_SIG, "SignedHeaders"},
        {"HMAC-SHA256 Credential=AK/20250101/cn-north-1/rtc/request, SignedHeaders=host", "no Signature"},
        {"HMAC-SHA256 Credential=AK/20250101/cn-north-1/rtc/request, SignedHeaders=host, Signature=abc", "64 hex"},
        {"HMAC-SHA256 Credential=AK/20250101/cn-north-1/rtc/request, SignedHeaders=host, Signature="
         "9b679efd92dea73389d6a05a40a27b2c1194352e4da33f8a2432531634471fz8", "64 hex"},
        {"HMAC-SHA256 Credential=AK/20250101/cn-north-1/rtc/request, SignedHeaders=host, Signature=" V4_NODE_SIG "0", "64 hex"},
        {"HMAC-SHA256 Credential=AK/20250101/cn-north-1/rtc/request, SignedHeaders=host, Signature=" V4_NODE_SIG ",", "Name=Value"},
        {"HMAC-SHA256 Credential=AK/20250101/cn-north-1/rtc/request SignedHeaders=host, Signature=" V4_NODE_SIG, "commas"},
        {"HMAC-SHA256 Credential=AK/20250101/cn-north-1/rtc/request, Foo=bar, SignedHeaders=host, Signature=" V4_NODE_SIG, "unknown part \"Foo\""},
        {"HMAC-SHA256 Credential=AK/20250101/cn-north-1/rtc/request, SignedHeaders=host, SignedHeaders=host, Signature=" V4_NODE_SIG, "twice"},
        {"HMAC-SHA256 Credential=AK/20250101/cn-north-1/rtc/request, SignedHeaders, Signature=" V4_NODE_SIG, "Name=Value"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        int rc = pl_v4_parse(bad[i][0], &au, err, sizeof err);
        if (rc != -1 || !strstr(err, bad[i][1]))
            fprintf(stderr, "pl_v4_parse [%s]: rc %d, err [%s], want [%s]\n", bad[i][0], rc, err, bad[i][1]);
        CU_ASSERT_EQUAL(rc, -1);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i][1]));
    }
    CU_ASSERT_EQUAL(pl_v4_parse(NULL, &au, err, sizeof err), -1);

    char xd[17];
    pl_sign_x_date(1735689600, xd);
    CU_ASSERT_STRING_EQUAL(xd, "20250101T000000Z");
    pl_sign_x_date(1700000000, xd);
    CU_ASSERT_STRING_EQUAL(xd, "20231114T221320Z");
}

static void test_sign_trtc_callback(void)
{
    const char *body = "{\"EventGroupId\":9,\"EventType\":901,\"CallbackTs\":1687770730166,"
                       "\"EventInfo\":{\"EventMsTs\":1622186275757,\"TaskId\":\"t1\",\"RoomId\":"
                       "\"1234\",\"RoomIdType\":0,\"Payload\":{\"Status\":0}}}";
    char *s = pl_sign_trtc_callback("abcdefghijklmnopqrstuvwxyz123456", body, strlen(body));
    CU_ASSERT_STRING_EQUAL(s, "piamiFT3iqZsrKpebq2+hAkioicQeCEdo8aw9dhD9/o=");
    free(s);
}

int main(void)
{
    static const pl_test_case cases[] = {
        {"sha256 FIPS 180 vectors", test_sha256},
        {"hmac-sha256 RFC 4231", test_hmac_rfc4231},
        {"hex", test_hex},
        {"base64 RFC 4648 vectors", test_base64_rfc4648},
        {"base64 binary round trip", test_base64_binary_roundtrip},
        {"base64 strict decode rejects", test_base64_strict_rejects},
        {"base64 decoded length", test_base64_decoded_len},
        {"constant-time equal", test_equal},
        {"TC3-HMAC-SHA256 vector 1 (Tencent cvm)", test_tc3_vector1},
        {"TC3-HMAC-SHA256 vector 2 (trtc, both SignedHeaders)", test_tc3_vector2},
        {"Volcengine V4 (Python and Node header sets)", test_volc_v4},
        {"pl_sign TC3 verify/sign/parse", test_sign_tc3},
        {"pl_sign V4 verify/sign/parse (volc.md §1.2 vectors)", test_sign_v4},
        {"pl_sign trtc callback Sign", test_sign_trtc_callback},
        {NULL, NULL},
    };
    return pl_test_main("crypto", cases);
}
