/* pl_crypto.c — SHA-256, HMAC-SHA256, hex, strict base64 and constant-time compare on
 * OpenSSL 3 (see pl_crypto.h). EVP_Digest and EVP_Q_mac do the hashing; EVP_EncodeBlock /
 * EVP_DecodeBlock do the base64 work after this file has validated the input, because
 * EVP_DecodeBlock is lenient (skips surrounding whitespace) and counts '=' padding as
 * decoded zero bytes. Its int length parameter is handled by working in chunks. */
#include "core/pl_crypto.h"
#include "core/pl_buf.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

/* Largest chunk handed to EVP_{En,De}codeBlock: a multiple of 3 and of 4 well below
 * INT_MAX even after encoding (4/3 growth). */
#define PL_CRYPTO_B64_CHUNK ((size_t)3 * 4 * (1u << 26))

static void pl_crypto_die(const char *what)
{
    fprintf(stderr, "parley: OpenSSL %s failed\n", what);
    abort();
}

void pl_crypto_sha256(const void *data, size_t len, unsigned char out[32])
{
    unsigned int n = 0;
    if (!EVP_Digest(data ? data : "", len, out, &n, EVP_sha256(), NULL) || n != 32)
        pl_crypto_die("EVP_Digest(sha256)");
}

void pl_crypto_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    pl_crypto_sha256(data, len, md);
    pl_crypto_hex(md, sizeof md, out);
}

void pl_crypto_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
                           unsigned char out[32])
{
    size_t n = 0;
    /* EVP_Q_mac rejects a NULL key even with length 0; an empty key is legal HMAC. */
    static const unsigned char empty[1];
    if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, klen ? key : empty, klen, mlen ? msg : empty,
                   mlen, out, 32, &n) ||
        n != 32)
        pl_crypto_die("EVP_Q_mac(HMAC-SHA256)");
}

void pl_crypto_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

char *pl_crypto_base64_encode(const void *data, size_t len)
{
    const unsigned char *in = data;
    size_t outlen = (len + 2) / 3 * 4;
    char *out = pl_xmalloc(outlen + 1);
    size_t o = 0;
    out[0] = '\0';
    while (len > 0) {
        size_t n = len < PL_CRYPTO_B64_CHUNK ? len : PL_CRYPTO_B64_CHUNK;
        o += (size_t)EVP_EncodeBlock((unsigned char *)out + o, in, (int)n);
        in += n;
        len -= n;
    }
    out[o] = '\0';
    return out;
}

/* Value of each byte in the standard base64 alphabet, -1 outside it (a table: the
 * validity scan of a 230 KB image runs once per video frame). */
static const signed char pl_crypto_b64_table[256] = {
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
    -1,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
    -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

static int pl_crypto_b64_value(unsigned char c)
{
    return pl_crypto_b64_table[c];
}

/* Number of '=' at the end of s (0..2) when the length and padding are well formed,
 * else -1. Looks at the last three characters only. */
static int pl_crypto_b64_padding(const char *s, size_t slen)
{
    if (slen % 4 != 0)
        return -1;
    if (slen == 0)
        return 0;
    int pad = 0;
    if (s[slen - 1] == '=')
        pad = s[slen - 2] == '=' ? 2 : 1;
    if (pad == 2 && s[slen - 3] == '=')
        return -1; /* "a===" or "====" */
    return pad;
}

long pl_crypto_base64_decoded_len(const char *s, size_t slen)
{
    int pad = pl_crypto_b64_padding(s, slen);
    if (pad < 0 || slen / 4 * 3 > (size_t)LONG_MAX)
        return -1;
    return (long)(slen / 4 * 3 - (size_t)pad);
}

/* Full strict validation: alphabet, padding placement, zero trailing bits. */
static int pl_crypto_b64_valid(const char *s, size_t slen, int pad)
{
    size_t data = slen - (size_t)pad;
    for (size_t i = 0; i < data; i++)
        if (pl_crypto_b64_value((unsigned char)s[i]) < 0)
            return 0;
    if (pad == 0)
        return 1;
    int last = pl_crypto_b64_value((unsigned char)s[data - 1]);
    /* One '=' leaves 2 unused bits, two '=' leave 4: they must be zero. */
    return (last & (pad == 1 ? 0x3 : 0xf)) == 0;
}

unsigned char *pl_crypto_base64_decode(const char *s, size_t slen, size_t *outlen)
{
    int pad = pl_crypto_b64_padding(s, slen);
    if (pad < 0 || !pl_crypto_b64_valid(s, slen, pad))
        return NULL;
    size_t full = slen / 4 * 3;
    unsigned char *out = pl_xmalloc(full + 1);
    size_t o = 0;
    for (size_t i = 0; i < slen;) {
        size_t n = slen - i < PL_CRYPTO_B64_CHUNK ? slen - i : PL_CRYPTO_B64_CHUNK;
        int r = EVP_DecodeBlock(out + o, (const unsigned char *)s + i, (int)n);
        if (r < 0 || (size_t)r != n / 4 * 3) {
            free(out);
            return NULL;
        }
        o += (size_t)r;
        i += n;
    }
    /* EVP_DecodeBlock turns the padding into zero bytes: drop them. */
    o -= (size_t)pad;
    out[o] = '\0';
    if (outlen)
        *outlen = o;
    return out;
}

int pl_crypto_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    if (alen != blen)
        return 0;
    if (alen == 0)
        return 1;
    return CRYPTO_memcmp(a, b, alen) == 0;
}

static void pl_crypto_random(unsigned char *buf, size_t n)
{
    if (RAND_bytes(buf, (int)n) != 1)
        pl_crypto_die("RAND_bytes");
}

void pl_crypto_random_hex(char *out, size_t n)
{
    unsigned char buf[64];
    size_t done = 0;
    while (done < n) {
        size_t k = n - done < sizeof buf ? n - done : sizeof buf;
        pl_crypto_random(buf, k);
        pl_crypto_hex(buf, k, out + 2 * done);
        done += k;
    }
    out[2 * n] = '\0';
}

void pl_crypto_uuid4(char out[37])
{
    unsigned char b[16];
    pl_crypto_random(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    char hex[33];
    pl_crypto_hex(b, sizeof b, hex);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}
