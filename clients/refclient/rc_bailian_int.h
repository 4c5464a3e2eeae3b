/* rc_bailian_int.h — the bailian model's state, shared by its files:
 *   rc_bailian.c          the dialog: connection, run-task/continue-task/finish-task messages
 *                         in the Python SDK's shapes, server events → callbacks, the SDK's own
 *                         behaviour (wait for Listening, LocalResponding*, keep-alive, video
 *                         mode from extra_info.commands)
 *   rc_bailian_stream.c   the real-time streams: 100 ms PCM chunks, the 2 fps LiveAI frames
 *   rc_bailian_media.c    built-in JPEG and speech, JPEG padding, base64, task ids
 *   rc_bailian_actions.c  drive commands → the calls below
 * "Py" below is dashscope-sdk-python's MultiModalDialog, the SDK this models (§2). */
#ifndef RC_BAILIAN_INT_H
#define RC_BAILIAN_INT_H

#include <libwebsockets.h>
#include <stddef.h>
#include <stdint.h>

#include "rc_bailian.h"

#define RC_BL_ID_MAX 128               /* dialog ids we keep */
#define RC_BL_FRAME_MAX (2 * 1024 * 1024) /* the largest image we make (decoded bytes) */
#define RC_BL_OVERSIZE_BYTES 190000     /* the oversize-frame bug: over 180 KB */
#define RC_BL_FRAME_US 500000           /* LiveAI: a frame every 500 ms (§5) */
#define RC_BL_FAST_FRAME_US 250000      /* the fast-cadence bug */
#define RC_BL_CHUNK_US 100000           /* upstream audio: 100 ms chunks (§2.4) */

typedef enum { RC_BL_AUDIO_NONE, RC_BL_AUDIO_ONCE, RC_BL_AUDIO_LOOP } rc_bl_audio_mode;

struct rc_bailian {
    rc_net *net;
    rc_driver *drv;
    const char *url;     /* PARLEY_URL, or NULL */
    char *authorization; /* "Bearer <key>" */

    /* the connection and the task (one task per connection, §2.1) */
    rc_ws *ws;          /* NULL when there is no connection */
    int connected;      /* the upgrade completed */
    int task_open;      /* Start sent and the task not over (finished, failed, fatal error) */
    int stopping;       /* Stop sent */
    int listening_seen; /* the first DialogStateChanged Listening of this task came */
    char state[16];     /* the last dialog state */
    char task_id[33];   /* uuid4 hex (Py get_random_uuid) */
    char dialog_arg[RC_BL_ID_MAX]; /* what every directive says as dialog_id: Py sends its
                                      constructor's value, never the Started one (§7.1) */
    char dialog_id[RC_BL_ID_MAX];  /* from Started */

    /* Start parameters */
    char mode[24], type[24], intermediate[64];
    int up_rate, down_rate, liveai;
    int64_t heartbeat_us; /* 0: no keep-alive */

    /* drive commands answered later (0: none) */
    int64_t start_cmd; /* at the first Listening */
    int64_t stop_cmd;  /* at the close after task-finished */
    int64_t audio_cmd; /* sendAudio: after its last chunk */
    lws_sorted_usec_list_t start_timer, stop_timer, close_timer, hb_timer;

    /* "playback" of the TTS audio */
    size_t round_bytes;  /* binary bytes since the last RespondingEnded (on_speech_audio_data) */
    size_t play_bytes;   /* what is still to play (RequestAccepted drops it) */
    int64_t play_t0_us;  /* RespondingStarted: playback began */
    int local_end_pending; /* LocalRespondingEnded waits for the playback to end */
    lws_sorted_usec_list_t play_timer;

    /* LiveAI video */
    int video_on;        /* switch_video_call_success seen, no exit_video_call_success since */
    int video_requested; /* startVideoStream (or start's liveai): stream when video is on */
    int video_streaming; /* the frame loop runs */
    int64_t video_interval_us;
    size_t video_bytes; /* decoded size of each frame; 0: the built-in JPEG as it is */
    int64_t video_t0_us;
    uint64_t video_n, frames_sent;
    lws_sorted_usec_list_t video_timer;
    char *b64;          /* the last base64 image made ... */
    size_t b64_bytes;   /* ... and its decoded size (0: the built-in JPEG) */

    /* upstream audio */
    rc_bl_audio_mode audio;
    uint64_t speech_left, silence_left; /* samples still to send in this pass */
    uint64_t speech_pos;                /* where in the speech (samples at up_rate) */
    int64_t audio_t0_us;
    uint64_t audio_n, audio_bytes;
    lws_sorted_usec_list_t audio_timer;
};

/* ---- rc_bailian.c ---- */

/* Why a directive cannot go out now ("not started", "stopping"), or NULL. */
const char *rc_bl_can_send(const rc_bailian *b);
/* A continue-task directive of Py's common shape (SendSpeech, HeartBeat, …). NULL when
 * queued, else why not. */
const char *rc_bl_send_directive(rc_bailian *b, const char *directive);
/* RequestToRespond / UpdateInfo: input {app_id, directive, dialog_id, type, text} (type NULL:
 * JSON null), parameters (owned, may be NULL). */
const char *rc_bl_send_respond(rc_bailian *b, const char *directive, const char *type,
                               const char *text, cJSON *parameters);
/* PCM bytes as one binary frame. */
const char *rc_bl_send_audio(rc_bailian *b, const unsigned char *pcm, size_t len);
/* An SDK callback to the driver; args owned, may be NULL. */
void rc_bl_callback(rc_bailian *b, const char *name, cJSON *args);
void rc_bl_timer(rc_bailian *b, lws_sorted_usec_list_t *t, sul_cb_t cb, int64_t us);

typedef struct {
    const char *mode, *type, *intermediate, *dialog_id;
    int up_rate, down_rate, liveai;
    int64_t heartbeat_ms;
} rc_bl_start_args;
/* `start`: connects, sends Start; cmd is answered at the first Listening. 0, or -1 with err. */
int rc_bl_start(rc_bailian *b, int64_t cmd, const rc_bl_start_args *a, char *err, size_t errlen);
/* `stop`: Stop; cmd is answered at task-finished or the close. */
int rc_bl_stop(rc_bailian *b, int64_t cmd, char *err, size_t errlen);
/* RequestToRespond prompt "" with biz_params.videos [{action, type:voicechat_video_channel}]. */
const char *rc_bl_send_video_action(rc_bailian *b, const char *action);

/* ---- rc_bailian_stream.c ---- */

/* Starts an audio pass: ONCE (speech_ms of speech then silence_ms of silence; cmd answered
 * after the last chunk) or LOOP (speech then RC_BL_LOOP_SILENCE_MS of silence, again and
 * again). speech_ms 0 with ONCE: silence only. Chunks wait for the first Listening. */
void rc_bl_audio_begin(rc_bailian *b, rc_bl_audio_mode mode, int64_t speech_ms, int64_t silence_ms,
                       int64_t cmd);
/* The first Listening came: audio that waited starts. */
void rc_bl_audio_kick(rc_bailian *b);
/* Ends the pass; a waiting sendAudio is answered with why (NULL: ok). */
void rc_bl_audio_end(rc_bailian *b, const char *why);
/* One 100 ms speech chunk now, past every gate (the audio-before-listening bug). */
void rc_bl_audio_one_chunk(rc_bailian *b);
#define RC_BL_LOOP_SILENCE_MS 3500

/* The frame loop: a frame now, then every interval. Stops by itself when the task ends. */
void rc_bl_video_start(rc_bailian *b);
void rc_bl_video_stop(rc_bailian *b);
/* Whether frames may stream now: video on (or the frames-before-connect bug and a task). */
int rc_bl_video_gate(const rc_bailian *b);
/* One UpdateInfo with count images of bytes decoded bytes each (0: the built-in JPEG), base64
 * or url. NULL when queued, else why not. */
const char *rc_bl_send_frame(rc_bailian *b, size_t bytes, int url, int count);
/* An image object {"type":"base64","value":…} of the JPEG grown to bytes, or of a file. */
cJSON *rc_bl_image_builtin(rc_bailian *b, size_t bytes, char *err, size_t errlen);

/* ---- rc_bailian_media.c ---- */

/* The built-in JPEG grown to exactly bytes by COM segments before EOI (0: as it is).
 * malloc'd; NULL with err when bytes cannot be made. */
unsigned char *rc_bl_jpeg(size_t bytes, size_t *len, char *err, size_t errlen);
size_t rc_bl_jpeg_builtin_len(void);
/* base64 (OpenSSL EVP_EncodeBlock), NUL-terminated, malloc'd. */
char *rc_bl_base64(const unsigned char *data, size_t len);
/* A whole file, malloc'd; NULL with err. */
unsigned char *rc_bl_read_file(const char *path, size_t max, size_t *len, char *err,
                               size_t errlen);
/* The built-in speech: its length in samples at rate, and n samples from pos (looping) as
 * 16-bit little-endian PCM at rate (nearest sample of the 16 kHz original). */
uint64_t rc_bl_speech_samples(int rate);
void rc_bl_speech_pcm(unsigned char *out, size_t n, uint64_t pos, int rate);
/* 32 lowercase hex digits of a random (version 4) UUID, like Py's uuid4().hex. */
void rc_bl_task_id(char out[33]);

#endif
