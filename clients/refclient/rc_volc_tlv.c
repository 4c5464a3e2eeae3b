/* rc_volc_tlv.c — the binary room messages' framing (shared/protocols/volc.md §2.1) and the
 * base64 the room bridge carries them in (data_b64; rc_bridge.c encodes the outgoing ones).
 *
 *   offset 0  4 bytes  magic, ASCII: subv | conv | tool (from the bot), ctrl | func (to it)
 *   offset 4  4 bytes  uint32 big-endian length L of the value
 *   offset 8  L bytes  UTF-8 JSON
 *
 * Decoding reads the value as the Web demo's tlv2String does: the bytes after the header, at
 * most L of them. Base64 is OpenSSL's (EVP_EncodeBlock / EVP_DecodeBlock). */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "rc_volc_int.h"

unsigned char *rc_volc_tlv_encode(const char *magic, const char *value, size_t len,
                                  int length_delta, size_t *out_len)
{
    unsigned char *b = rc_xmalloc(8 + len + 1);
    size_t m = strlen(magic);
    memset(b, 0, 4);
    memcpy(b, magic, m < 4 ? m : 4);
    uint32_t l = (uint32_t)((int64_t)len + length_delta);
    b[4] = (unsigned char)(l >> 24);
    b[5] = (unsigned char)(l >> 16);
    b[6] = (unsigned char)(l >> 8);
    b[7] = (unsigned char)l;
    memcpy(b + 8, value, len);
    b[8 + len] = '\0';
    *out_len = 8 + len;
    return b;
}

int rc_volc_tlv_decode(const unsigned char *d, size_t n, rc_volc_tlv *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->magic, d, n < 4 ? n : 4);
    if (n < 8)
        return -1;
    out->length = (uint32_t)d[4] << 24 | (uint32_t)d[5] << 16 | (uint32_t)d[6] << 8 | d[7];
    out->value = (const char *)d + 8;
    out->value_len = n - 8 < out->length ? n - 8 : out->length;
    return 0;
}

unsigned char *rc_volc_b64_decode(const char *s, size_t *n)
{
    size_t len = strlen(s);
    if (len % 4 || len > (size_t)RC_WS_MAX_MESSAGE)
        return NULL;
    unsigned char *out = rc_xmalloc(len / 4 * 3 + 1);
    int got = EVP_DecodeBlock(out, (const unsigned char *)s, (int)len);
    if (got < 0) {
        free(out);
        return NULL;
    }
    /* EVP_DecodeBlock counts the padding as zero bytes */
    size_t pad = (len && s[len - 1] == '=') + (len > 1 && s[len - 2] == '=');
    *n = (size_t)got - pad;
    return out;
}
