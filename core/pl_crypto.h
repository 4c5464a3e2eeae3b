/* pl_crypto.h — the few cryptographic primitives parley needs, on top of OpenSSL 3.
 *
 * Vendor request signing (TC3-HMAC-SHA256 for trtc, V4 HMAC-SHA256 for volc), webhook
 * signatures and base64 payload checks are built from these: SHA-256, HMAC-SHA256, hex,
 * base64 and a constant-time compare. No primitive is implemented here; everything is a thin,
 * allocation-explicit wrapper around EVP. Functions that return pointers return malloc'd memory
 * the caller frees; the rest write into caller-supplied buffers. An OpenSSL failure in a void
 * function (which only happens when the library is broken) aborts with a message. */
#ifndef PL_CRYPTO_H
#define PL_CRYPTO_H

#include <stddef.h>

#define PL_CRYPTO_SHA256_LEN 32

/* SHA-256 of data into out; _hex writes 64 lowercase hex digits plus NUL. */
void pl_crypto_sha256(const void *data, size_t len, unsigned char out[32]);
void pl_crypto_sha256_hex(const void *data, size_t len, char out[65]);

/* HMAC-SHA256(key, msg) into out. */
void pl_crypto_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
                           unsigned char out[32]);

/* Lowercase hex of n bytes into out, which must hold 2n+1 bytes (NUL-terminated). */
void pl_crypto_hex(const unsigned char *in, size_t n, char *out);

/* Standard alphabet, '=' padded, no line breaks. Returns a NUL-terminated string the caller
 * frees. */
char *pl_crypto_base64_encode(const void *data, size_t len);

/* Strict decoding: NULL on any character outside the alphabet (whitespace included), on
 * slen % 4 != 0, on misplaced or excess '=', and on non-zero bits after the last byte (so
 * every input has exactly one encoding). On success returns a malloc'd buffer (NUL-terminated
 * for convenience, not counted in *outlen) the caller frees, and stores its length in
 * *outlen (may be NULL). The empty string decodes to an empty buffer. */
unsigned char *pl_crypto_base64_decode(const char *s, size_t slen, size_t *outlen);

/* Exact decoded length computed from slen and the trailing padding only (O(1), the alphabet
 * is not checked); -1 when slen % 4 != 0 or the padding is malformed. Handy for
 * "$base64_max_bytes"-style checks before decoding. */
long pl_crypto_base64_decoded_len(const char *s, size_t slen);

/* 1 when the two byte strings are equal, 0 otherwise. The comparison of equal-length inputs
 * takes time independent of their contents (CRYPTO_memcmp); a length mismatch returns 0 at
 * once (lengths are not secret here). */
int pl_crypto_equal(const void *a, size_t alen, const void *b, size_t blen);

/* n random bytes from OpenSSL's CSPRNG as 2n lowercase hex digits into out (2n+1 bytes). */
void pl_crypto_random_hex(char *out, size_t n);
/* A random (version 4) UUID, 36 characters plus NUL: "1b4e28ba-2fa1-4d2b-883f-0016d3cca427". */
void pl_crypto_uuid4(char out[37]);

#endif
