/* rc_bailian_media.c — what the bailian model sends as media: the built-in JPEG (grown to an
 * exact size when asked), the built-in speech as PCM at any rate, base64 (OpenSSL's
 * EVP_EncodeBlock), files, and random task ids. No state besides the parsed WAV. */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "rc_bailian_assets.h"
#include "rc_bailian_int.h"

#define RC_BL_WAV_RATE 16000
#define RC_BL_COM_MAX 65537 /* one COM segment: FF FE, a 2-byte length up to 65535 */

/* ---- the JPEG --------------------------------------------------------------------- */

size_t rc_bl_jpeg_builtin_len(void)
{
    return rc_asset_jpeg_len;
}

/* COM segments right before EOI: FF FE, the length (itself included), text. The sizes are
 * chosen so that the last one is never shorter than a segment can be (4 bytes). */
unsigned char *rc_bl_jpeg(size_t bytes, size_t *len, char *err, size_t errlen)
{
    size_t base = rc_asset_jpeg_len;
    if (base < 4 || rc_asset_jpeg[base - 2] != 0xFF || rc_asset_jpeg[base - 1] != 0xD9) {
        snprintf(err, errlen, "the built-in JPEG does not end with EOI");
        return NULL;
    }
    if (bytes == 0)
        bytes = base;
    if (bytes != base && bytes < base + 4) {
        snprintf(err, errlen, "bytes: want 0, %zu (the built-in JPEG) or at least %zu", base,
                 base + 4);
        return NULL;
    }
    if (bytes > RC_BL_FRAME_MAX) {
        snprintf(err, errlen, "bytes: at most %d", RC_BL_FRAME_MAX);
        return NULL;
    }
    static const char fill[] = "parley refclient padding ";
    unsigned char *out = rc_xmalloc(bytes);
    memcpy(out, rc_asset_jpeg, base - 2);
    size_t pos = base - 2, extra = bytes - base;
    while (extra > 0) {
        size_t seg = extra > RC_BL_COM_MAX ? RC_BL_COM_MAX : extra;
        if (extra - seg > 0 && extra - seg < 4)
            seg -= 4;
        out[pos++] = 0xFF;
        out[pos++] = 0xFE;
        out[pos++] = (unsigned char)((seg - 2) >> 8);
        out[pos++] = (unsigned char)((seg - 2) & 0xFF);
        for (size_t i = 0; i < seg - 4; i++)
            out[pos++] = (unsigned char)fill[i % (sizeof fill - 1)];
        extra -= seg;
    }
    out[pos++] = 0xFF;
    out[pos++] = 0xD9;
    *len = pos;
    return out;
}

char *rc_bl_base64(const unsigned char *data, size_t len)
{
    char *out = rc_xmalloc(4 * ((len + 2) / 3) + 1);
    int n = EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    out[n < 0 ? 0 : n] = '\0';
    return out;
}

unsigned char *rc_bl_read_file(const char *path, size_t max, size_t *len, char *err,
                               size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %.200s", path);
        return NULL;
    }
    unsigned char *buf = rc_xmalloc(max + 1);
    size_t n = fread(buf, 1, max + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n == 0 || n > max) {
        snprintf(err, errlen, bad ? "cannot read %.200s" : n ? "%.200s is over %zu bytes"
                                                             : "%.200s is empty",
                 path, max);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* ---- the speech ------------------------------------------------------------------- */

static const unsigned char *rc_bl_wav_data;
static size_t rc_bl_wav_n; /* samples */

static uint32_t rc_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* RIFF/WAVE, "fmt " PCM mono 16-bit 16 kHz, then "data". The file is ours (gen_assets.py),
 * so anything else is a build mistake. */
static void rc_bl_wav_parse(void)
{
    if (rc_bl_wav_data)
        return;
    const unsigned char *w = rc_asset_wav;
    size_t len = rc_asset_wav_len, p = 12;
    int fmt_ok = 0;
    if (len < 12 || memcmp(w, "RIFF", 4) || memcmp(w + 8, "WAVE", 4))
        goto bad;
    while (p + 8 <= len) {
        size_t n = rc_le32(w + p + 4);
        if (n > len - p - 8)
            goto bad;
        if (!memcmp(w + p, "fmt ", 4) && n >= 16)
            fmt_ok = w[p + 8] == 1 && w[p + 9] == 0 && w[p + 10] == 1 && w[p + 11] == 0 &&
                     rc_le32(w + p + 12) == RC_BL_WAV_RATE && w[p + 22] == 16;
        if (!memcmp(w + p, "data", 4) && fmt_ok && n >= 2) {
            rc_bl_wav_data = w + p + 8;
            rc_bl_wav_n = n / 2;
            return;
        }
        p += 8 + n + (n & 1);
    }
bad:
    rc_log("the built-in speech.wav is not 16 kHz mono 16-bit PCM: rebuild the assets");
    abort();
}

uint64_t rc_bl_speech_samples(int rate)
{
    rc_bl_wav_parse();
    return (uint64_t)rc_bl_wav_n * (uint64_t)rate / RC_BL_WAV_RATE;
}

void rc_bl_speech_pcm(unsigned char *out, size_t n, uint64_t pos, int rate)
{
    uint64_t total = rc_bl_speech_samples(rate);
    for (size_t k = 0; k < n; k++) {
        uint64_t src = total ? ((pos + k) % total) * RC_BL_WAV_RATE / (uint64_t)rate : 0;
        if (src >= rc_bl_wav_n)
            src = rc_bl_wav_n - 1;
        out[2 * k] = rc_bl_wav_data[2 * src];
        out[2 * k + 1] = rc_bl_wav_data[2 * src + 1];
    }
}

/* ---- ids -------------------------------------------------------------------------- */

void rc_bl_task_id(char out[33])
{
    unsigned char u[16];
    if (RAND_bytes(u, sizeof u) != 1) { /* never on a sane system; still unique enough */
        int64_t t = rc_now_us();
        for (size_t i = 0; i < sizeof u; i++)
            u[i] = (unsigned char)(t >> (i % 8 * 8)) ^ (unsigned char)(i * 37);
    }
    u[6] = (unsigned char)((u[6] & 0x0F) | 0x40); /* version 4 */
    u[8] = (unsigned char)((u[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    for (size_t i = 0; i < sizeof u; i++)
        snprintf(out + 2 * i, 3, "%02x", u[i]);
}
