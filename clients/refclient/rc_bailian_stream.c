/* rc_bailian_stream.c — the real-time streams of the bailian model, on lws timers (lws_sul),
 * never sleeping:
 *
 *   audio   binary frames of 100 ms of 16-bit mono PCM at upstream.sample_rate (3200 bytes at
 *           16 kHz, §2.4): the built-in speech, then silence. Chunk k leaves at t0 + k·100 ms
 *           (no drift); nothing leaves before the first Listening of the task.
 *   video   LiveAI frames (§5): one UpdateInfo {parameters.images:[{type:"base64",value}]}
 *           every 500 ms while video mode is on, the built-in JPEG or a copy grown to an exact
 *           decoded size. A frame is skipped (as a camera drops one) while over 1 MiB still
 *           waits in the outgoing queue. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "rc_bailian_int.h"
#include "rc_bugs.h"

#define RC_BL_BACKLOG_MAX (1024 * 1024) /* queued bytes above which a frame is skipped */

/* ---- audio -------------------------------------------------------------------------- */

static size_t rc_bl_chunk_samples(const rc_bailian *b)
{
    size_t n = (size_t)b->up_rate / 10;
    return n ? n : 1;
}

static void rc_bl_audio_cb(lws_sorted_usec_list_t *sul);

/* One chunk now, then the timer for the next one (or the answer after the last). */
static void rc_bl_audio_step(rc_bailian *b)
{
    if (b->audio == RC_BL_AUDIO_NONE || !b->listening_seen)
        return;
    const char *why = rc_bl_can_send(b);
    if (why) {
        rc_bl_audio_end(b, why);
        return;
    }
    size_t n = rc_bl_chunk_samples(b), got = 0;
    unsigned char *pcm = rc_xmalloc(2 * n);
    while (got < n) {
        size_t take;
        if (b->speech_left) {
            take = n - got < b->speech_left ? n - got : (size_t)b->speech_left;
            rc_bl_speech_pcm(pcm + 2 * got, take, b->speech_pos, b->up_rate);
            b->speech_pos += take;
            b->speech_left -= take;
        } else if (b->silence_left) {
            take = n - got < b->silence_left ? n - got : (size_t)b->silence_left;
            memset(pcm + 2 * got, 0, 2 * take);
            b->silence_left -= take;
        } else if (b->audio == RC_BL_AUDIO_LOOP) { /* the next pass: speech, then silence */
            b->speech_left = rc_bl_speech_samples(b->up_rate);
            b->speech_pos = 0;
            b->silence_left = (uint64_t)RC_BL_LOOP_SILENCE_MS * (uint64_t)b->up_rate / 1000;
            continue;
        } else {
            break;
        }
        got += take;
    }
    if (got) {
        why = rc_bl_send_audio(b, pcm, 2 * got);
        if (why)
            rc_log("bailian: audio chunk dropped: %s", why);
        b->audio_n++;
        b->audio_bytes += 2 * got;
    }
    free(pcm);
    if (b->audio == RC_BL_AUDIO_ONCE && !b->speech_left && !b->silence_left) {
        rc_bl_audio_end(b, NULL);
        return;
    }
    int64_t now = rc_now_us();
    int64_t next = b->audio_t0_us + (int64_t)b->audio_n * RC_BL_CHUNK_US;
    if (next < now - RC_BL_CHUNK_US) { /* the loop stalled: go on from now, no burst */
        b->audio_t0_us = now - (int64_t)b->audio_n * RC_BL_CHUNK_US;
        next = now;
    }
    rc_bl_timer(b, &b->audio_timer, rc_bl_audio_cb, next - now);
}

static void rc_bl_audio_cb(lws_sorted_usec_list_t *sul)
{
    rc_bl_audio_step(lws_container_of(sul, rc_bailian, audio_timer));
}

void rc_bl_audio_begin(rc_bailian *b, rc_bl_audio_mode mode, int64_t speech_ms, int64_t silence_ms,
                       int64_t cmd)
{
    b->audio = mode;
    b->audio_cmd = cmd;
    b->speech_left = (uint64_t)speech_ms * (uint64_t)b->up_rate / 1000;
    b->silence_left = (uint64_t)silence_ms * (uint64_t)b->up_rate / 1000;
    b->speech_pos = 0;
    b->audio_n = b->audio_bytes = 0;
    rc_bl_audio_kick(b);
}

void rc_bl_audio_kick(rc_bailian *b)
{
    if (b->audio == RC_BL_AUDIO_NONE || !b->listening_seen)
        return;
    b->audio_t0_us = rc_now_us();
    b->audio_n = 0;
    rc_bl_audio_step(b); /* the first chunk is on the queue before the action is answered */
}

void rc_bl_audio_end(rc_bailian *b, const char *why)
{
    lws_sul_cancel(&b->audio_timer);
    if (b->audio != RC_BL_AUDIO_NONE)
        rc_debug("bailian: audio done: %llu chunks, %llu bytes", (unsigned long long)b->audio_n,
                 (unsigned long long)b->audio_bytes);
    b->audio = RC_BL_AUDIO_NONE;
    if (!b->audio_cmd)
        return;
    int64_t id = b->audio_cmd;
    b->audio_cmd = 0;
    if (!b->drv)
        return;
    if (why) {
        rc_driver_reply_error(b->drv, id, why);
        return;
    }
    cJSON *r = cJSON_CreateObject();
    cJSON_AddNumberToObject(r, "chunks", (double)b->audio_n);
    cJSON_AddNumberToObject(r, "bytes", (double)b->audio_bytes);
    rc_driver_reply_ok(b->drv, id, r);
}

void rc_bl_audio_one_chunk(rc_bailian *b)
{
    size_t n = rc_bl_chunk_samples(b);
    unsigned char *pcm = rc_xmalloc(2 * n);
    rc_bl_speech_pcm(pcm, n, 0, b->up_rate);
    const char *why = rc_bl_send_audio(b, pcm, 2 * n);
    free(pcm);
    rc_log("bailian: BUG audio-before-listening: a %zu-byte chunk right after Start%s%s", 2 * n,
           why ? ": " : "", why ? why : "");
}

/* ---- images ------------------------------------------------------------------------- */

cJSON *rc_bl_image_builtin(rc_bailian *b, size_t bytes, char *err, size_t errlen)
{
    if (bytes == rc_bl_jpeg_builtin_len())
        bytes = 0;
    if (!b->b64 || b->b64_bytes != bytes) { /* one cached: the stream's frames are alike */
        size_t len;
        unsigned char *jpg = rc_bl_jpeg(bytes, &len, err, errlen);
        if (!jpg)
            return NULL;
        free(b->b64);
        b->b64 = rc_bl_base64(jpg, len);
        b->b64_bytes = bytes;
        free(jpg);
    }
    cJSON *img = cJSON_CreateObject();
    cJSON_AddStringToObject(img, "type", "base64");
    cJSON_AddStringToObject(img, "value", b->b64);
    return img;
}

static cJSON *rc_bl_image_url(const rc_bailian *b)
{
    char url[128];
    snprintf(url, sizeof url, "https://parley.invalid/refclient/frame-%llu.jpg",
             (unsigned long long)b->frames_sent);
    cJSON *img = cJSON_CreateObject();
    cJSON_AddStringToObject(img, "type", "url");
    cJSON_AddStringToObject(img, "value", url);
    return img;
}

const char *rc_bl_send_frame(rc_bailian *b, size_t bytes, int url, int count)
{
    static char err[160];
    const char *why = rc_bl_can_send(b);
    if (why)
        return why;
    cJSON *params = cJSON_CreateObject();
    cJSON *images = cJSON_AddArrayToObject(params, "images");
    for (int i = 0; i < count; i++) {
        cJSON *img = url ? rc_bl_image_url(b) : rc_bl_image_builtin(b, bytes, err, sizeof err);
        if (!img) {
            cJSON_Delete(params);
            return err;
        }
        cJSON_AddItemToArray(images, img);
    }
    why = rc_bl_send_respond(b, "UpdateInfo", NULL, "", params);
    if (!why)
        b->frames_sent++;
    return why;
}

/* ---- the LiveAI frame loop ---------------------------------------------------------- */

int rc_bl_video_gate(const rc_bailian *b)
{
    if (!b->task_open || b->stopping)
        return 0;
    return b->video_on || rc_bug_on(RC_BUG_FRAMES_BEFORE_CONNECT);
}

static int64_t rc_bl_frame_interval(const rc_bailian *b)
{
    return rc_bug_on(RC_BUG_FAST_CADENCE) ? RC_BL_FAST_FRAME_US : b->video_interval_us;
}

static void rc_bl_video_cb(lws_sorted_usec_list_t *sul);

static void rc_bl_video_step(rc_bailian *b)
{
    if (!b->video_streaming)
        return;
    if (!rc_bl_video_gate(b)) {
        rc_bl_video_stop(b);
        return;
    }
    size_t bytes = rc_bug_on(RC_BUG_OVERSIZE_FRAME) ? RC_BL_OVERSIZE_BYTES : b->video_bytes;
    if (b->ws && rc_ws_queued_bytes(b->ws) > RC_BL_BACKLOG_MAX) {
        rc_log("bailian: frame skipped, %zu bytes still queued", rc_ws_queued_bytes(b->ws));
    } else {
        const char *why = rc_bl_send_frame(b, bytes, rc_bug_on(RC_BUG_URL_IMAGE), 1);
        if (why)
            rc_log("bailian: frame not sent: %s", why);
    }
    b->video_n++;
    int64_t iv = rc_bl_frame_interval(b), now = rc_now_us();
    int64_t next = b->video_t0_us + (int64_t)b->video_n * iv;
    if (next < now - iv) { /* stalled: go on from now */
        b->video_t0_us = now - (int64_t)b->video_n * iv;
        next = now;
    }
    rc_bl_timer(b, &b->video_timer, rc_bl_video_cb, next - now);
}

static void rc_bl_video_cb(lws_sorted_usec_list_t *sul)
{
    rc_bl_video_step(lws_container_of(sul, rc_bailian, video_timer));
}

void rc_bl_video_start(rc_bailian *b)
{
    if (b->video_streaming)
        return;
    b->video_streaming = 1;
    b->video_t0_us = rc_now_us();
    b->video_n = 0;
    rc_log("bailian: LiveAI frames every %lld ms%s", (long long)(rc_bl_frame_interval(b) / 1000),
           b->video_on ? "" : " (BUG frames-before-connect: video is not on)");
    rc_bl_video_step(b); /* the first frame now */
}

void rc_bl_video_stop(rc_bailian *b)
{
    if (!b->video_streaming)
        return;
    lws_sul_cancel(&b->video_timer);
    b->video_streaming = 0;
    rc_log("bailian: LiveAI frames stopped after %llu", (unsigned long long)b->video_n);
}
