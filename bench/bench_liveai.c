/* bench_liveai.c — load figures for the mock's native bailian endpoint under LiveAI traffic.
 *
 * N sessions (200) to ws://127.0.0.1:PORT/api-ws/v1/inference, each one a Python-shaped
 * LiveAI client: run-task Start (AudioAndVideo, duplex, 16 kHz pcm), wait for
 * DialogStateChanged Listening, RequestToRespond with biz_params.videos connect, then for S
 * seconds (30): an UpdateInfo with one base64 JPEG (170,000 bytes decoded) every 500 ms, a
 * 3200-byte binary PCM frame every 100 ms and a HeartBeat every second; RespondingStarted /
 * RespondingEnded are answered with LocalRespondingStarted / LocalRespondingEnded; finally
 * finish-task Stop, wait for task-finished and the close. Sessions connect staggered over
 * 2 s. The HeartBeat → HeartBeat-event round trip is the lag figure: a mock that falls
 * behind shows it as a last-window lag far above the first.
 *
 * Timing: every stream of a session is scheduled on the session's lws_sul timer against
 * absolute due times (t0 + k × interval: no drift). A frame goes out at the next WRITEABLE
 * after its due time; how late it went out is measured, and more than 100 ms counts as a
 * late send (the socket was not writable: backpressure).
 *
 * Light on the client side (it shares a 2-core machine with the mock): the JPEG is built and
 * base64'd once, the UpdateInfo text is a template built once and never written to. lws
 * masks a client frame byte by byte in place, which would cost most of this client's CPU,
 * so video and audio frames are framed here: header, fresh mask key, and the template XORed
 * 8 bytes at a time into one shared LWS_PRE buffer with the session's task_id patched in,
 * then sent with LWS_WRITE_RAW (no allocation per frame). Streams start on a 5 ms grid and
 * a WRITEABLE sends several due messages while the socket takes them, so the loop polls
 * its sockets a few hundred times a second, not once per message.
 *
 * With --parley PATH (default: $PARLEY_BIN, else `parley` next to this program) it starts
 * `PATH mock --port 0` itself (fork/execv, no shell), reads the port from the banner and
 * measures the mock's CPU (/proc/PID/stat utime+stime) and peak RSS (VmHWM); with --port P
 * it uses a running server (--mock-pid PID to still get CPU and RSS). Exit 0 when it keeps
 * up, 1 when not, 2 bad usage, 3 the mock could not be started. Not a test. See
 * bench/README.md. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <libwebsockets.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/pl_buf.h"
#include "core/pl_clock.h"
#include "mock/pl_http_client.h"

#define LV_PATH "/api-ws/v1/inference"
#define LV_AUDIO_BYTES 3200             /* 100 ms of 16 kHz 16-bit mono */
#define LV_AUDIO_US 100000LL            /* one audio frame every 100 ms */
#define LV_HB_US 1000000LL              /* one HeartBeat every second */
#define LV_LATE_US 100000LL             /* a send this late counts as late */
#define LV_WINDOW_US 5000000LL          /* progress lines and the first/last lag windows */
#define LV_TICK_US 100000LL             /* housekeeping timer */
#define LV_LISTEN_TIMEOUT_US 10000000LL /* connect → Listening */
#define LV_VIDEO_FALLBACK_US 3000000LL  /* no switch_video_call_success: frames anyway */
#define LV_END_GRACE_US 1000000LL       /* frames due before the end still go out this long */
#define LV_STOP_TIMEOUT_US 10000000LL   /* Stop → task-finished */
#define LV_CLOSE_WAIT_US 2000000LL      /* task-finished → the server's close */
#define LV_RX_MAX (1024 * 1024)         /* a text frame from the server we reassemble */
#define LV_HIST_MS 2048                 /* send lateness histogram, 1 ms buckets + overflow */
#define LV_TID_LEN 32                   /* uuid4().hex */
#define LV_KEEPUP_US 250000LL           /* last-window p99 lag under this: keeps up */
#define LV_GRID_US 5000LL               /* stream start times on a 5 ms grid (fewer wakeups) */

enum { K_VIDEO, K_AUDIO, K_HB, K_N };
static const char *const lv_kind_name[K_N] = {"video", "audio", "heartbeat"};

typedef enum {
    S_WAIT,       /* its connect time has not come */
    S_CONNECTING, /* WebSocket handshake */
    S_STARTING,   /* Start sent, waiting for Listening */
    S_STREAMING,  /* connect sent; frames, audio, heartbeats */
    S_STOPPING,   /* Stop queued or sent, waiting for task-finished */
    S_FINISHED,   /* task-finished seen, waiting for the close */
    S_CLOSED
} lv_state;

typedef enum { C_START = 1, C_CONNECT, C_LOCAL_STARTED, C_LOCAL_ENDED, C_STOP } lv_ctl;

typedef struct {
    struct lws *wsi;
    lws_sorted_usec_list_t sul;
    int idx;
    lv_state state;
    char tid[LV_TID_LEN + 1];
    int64_t t_at; /* when to connect */
    int64_t t_connect, t_listening, t0, t_end, t_video_on, t_stop, t_finished;
    int video_on;       /* 0 off, 1 switch_video_call_success, 2 welcome RespondingEnded, 3 timer */
    uint32_t slot[K_N]; /* next slot to send: due t0 + slot × interval */
    uint32_t sent[K_N];
    uint32_t h_recv; /* HeartBeat events matched (FIFO) */
    int64_t *hb_us;  /* send time of HeartBeat k (a slice of B.hb_store) */
    unsigned char ctl[8];
    int ctl_head, ctl_n;
    int want_close, close_code, failed, counted_streams;
    pl_buf rx;
} lv_sess;

typedef struct {
    /* options */
    const char *parley, *key, *mock_log;
    char parley_buf[PATH_MAX];
    int sessions, port, quiet, fps, stagger_ms;
    double seconds;
    size_t frame_bytes;
    pid_t mock_pid; /* measured: ours or --mock-pid */
    int own_mock;
    char **mock_extra;
    int nmock_extra;
    /* the mock process */
    int out_fd;
    pl_buf out;
    int banner_done, bailian_listed;
    /* payloads */
    char auth[256];
    char *vtpl; /* the UpdateInfo text, task_id placeholders */
    size_t vlen, voff1, voff2;
    unsigned char audio[LV_AUDIO_BYTES];
    unsigned char *tx; /* LWS_PRE + max frame: the one send buffer */
    size_t tx_cap;
    size_t jpeg_len, b64_len;
    int64_t iv[K_N];
    int64_t stream_us;
    /* the loop */
    struct lws_context *ctx;
    lws_sorted_usec_list_t tick;
    lv_sess *s;
    int64_t t_begin, deadline, t_streams_over;
    int started, connected, ready, failed, closed, streaming_left;
    int video_on_switch, video_on_ended, video_on_timer;
    const char *first_error;
    char first_error_buf[256];
    /* counters */
    uint64_t sent[K_N], late[K_N], unsent[K_N], expected[K_N];
    uint64_t bytes_up, bytes_down, ctl_sent, rx_text, rx_binary, nonfatal_errors;
    uint64_t hb_unanswered, hb_unexpected, rounds;
    int stopped, finished, closed_1000;
    uint64_t hist[LV_HIST_MS + 1];
    int64_t late_max_us;
    /* heartbeat lag samples: fixed arrays, sessions × (heartbeats per stream) */
    int64_t *hb_store;
    size_t hb_per_sess;
    int64_t *lag_us;
    int32_t *lag_off_ms; /* when the HeartBeat went out, ms after the session's t0 */
    int64_t *scratch;
    size_t nlag, cap_lag;
    uint64_t lag_dropped;
    /* progress window */
    int64_t w_t;
    size_t w_lag;
    uint64_t w_sent[K_N], w_late;
    long w_cpu;
    int w_n;
    /* CPU */
    long clk_tck;
    long cpu0, cpu1;
    int end_sampled;
    long rss0_kib;
    struct rusage ru0, ru1;
    /* the end: the mock's own view */
    int http_pending;
    char since_iso[PL_CLOCK_ISO_LEN];
    int m_sessions, m_open, m_health_live;
    double m_in, m_out, m_must, m_should;
    char m_findings_id[64];
    pl_buf m_findings;
} lv_bench;

static lv_bench B;

static void lv_schedule(lv_sess *s);
static void lv_session_timer(lws_sorted_usec_list_t *sul);

/* ---- small helpers -------------------------------------------------------------------- */

static void lv_error(lv_sess *s, const char *fmt, const char *detail)
{
    if (B.first_error)
        return;
    char msg[200];
    snprintf(msg, sizeof msg, fmt, detail ? detail : "");
    snprintf(B.first_error_buf, sizeof B.first_error_buf, "session %d: %s", s ? s->idx : -1, msg);
    B.first_error = B.first_error_buf;
}

static int lv_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array, in ms. */
static double lv_pct(const int64_t *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (i < 1)
        i = 1;
    if (i > n)
        i = n;
    return (double)v[i - 1] / 1000.0;
}

/* ---- the JPEG and the frames ---------------------------------------------------------- */

static unsigned char *lv_put(unsigned char *p, const void *src, size_t n)
{
    memcpy(p, src, n);
    return p + n;
}

/* A baseline JPEG that decodes: 640x480 grey (every 8x8 block DC 0, EOB), JFIF APP0, and
 * COM segments padding it to exactly `want` bytes (or the smallest such file). Returns the
 * length; out must hold max(want, 1400) + 4 bytes. */
static size_t lv_jpeg(unsigned char *out, size_t want)
{
    static const unsigned char soi_app0[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J',
                                             'F',  'I',  'F',  0x00, 0x01, 0x01, 0x00,
                                             0x00, 0x01, 0x00, 0x01, 0x00, 0x00};
    static const unsigned char sof0[] = {0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x01, 0xE0,
                                         0x02, 0x80, 0x01, 0x01, 0x11, 0x00}; /* 480 x 640, Y */
    /* DC and AC tables with a single 1-bit code "0": DC category 0, AC EOB (0x00). */
    static const unsigned char dht_dc[] = {0xFF, 0xC4, 0x00, 0x14, 0x00, 1, 0, 0, 0, 0, 0,
                                           0,    0,    0,    0,    0,    0, 0, 0, 0, 0, 0x00};
    static const unsigned char dht_ac[] = {0xFF, 0xC4, 0x00, 0x14, 0x10, 1, 0, 0, 0, 0, 0,
                                           0,    0,    0,    0,    0,    0, 0, 0, 0, 0, 0x00};
    static const unsigned char sos[] = {0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00};
    static const unsigned char eoi[] = {0xFF, 0xD9};
    static const char fill[] = "parley bench_liveai padding. ";
    const size_t scan = 640 / 8 * (480 / 8) * 2 / 8; /* 4800 blocks x 2 bits = 1200 bytes */
    const size_t fixed = sizeof soi_app0 + 69 + sizeof sof0 + sizeof dht_dc + sizeof dht_ac +
                         sizeof sos + scan + sizeof eoi;
    size_t pad = want > fixed ? want - fixed : 0;
    if (pad && pad < 4)
        pad = 4; /* a COM segment is at least 4 bytes */
    unsigned char *p = lv_put(out, soi_app0, sizeof soi_app0);
    while (pad) {
        size_t seg = pad > 65537 ? 65537 : pad; /* FF FE, length (<= 65535), data */
        if (pad - seg && pad - seg < 4)
            seg -= 4;
        *p++ = 0xFF;
        *p++ = 0xFE;
        *p++ = (unsigned char)((seg - 2) >> 8);
        *p++ = (unsigned char)((seg - 2) & 0xFF);
        for (size_t i = 0; i < seg - 4; i++)
            *p++ = (unsigned char)fill[i % (sizeof fill - 1)];
        pad -= seg;
    }
    *p++ = 0xFF; /* DQT: table 0, 8-bit, all ones */
    *p++ = 0xDB;
    *p++ = 0x00;
    *p++ = 0x43;
    *p++ = 0x00;
    memset(p, 1, 64);
    p += 64;
    p = lv_put(p, sof0, sizeof sof0);
    p = lv_put(p, dht_dc, sizeof dht_dc);
    p = lv_put(p, dht_ac, sizeof dht_ac);
    p = lv_put(p, sos, sizeof sos);
    memset(p, 0, scan);
    p += scan;
    p = lv_put(p, eoi, sizeof eoi);
    return (size_t)(p - out);
}

/* The UpdateInfo text (Python-exact key order) with the JPEG in it, built once; the two
 * task_id places are filled per send. */
static void lv_build_frames(void)
{
    size_t cap = (B.frame_bytes > 1400 ? B.frame_bytes : 1400) + 8;
    unsigned char *jpeg = pl_xmalloc(cap);
    B.jpeg_len = lv_jpeg(jpeg, B.frame_bytes);
    B.b64_len = 4 * ((B.jpeg_len + 2) / 3);
    static const char pre1[] = "{\"header\": {\"action\": \"continue-task\", \"task_id\": \"";
    static const char pre2[] = "\", \"request_id\": \"";
    static const char pre3[] =
        "\", \"streaming\": \"duplex\"}, \"payload\": {\"task_group\": \"aigc\", \"function\": "
        "\"generation\", \"model\": null, \"task\": \"multimodal-generation\", \"parameters\": "
        "{\"images\": [{\"type\": \"base64\", \"value\": \"";
    static const char post[] = "\"}]}, \"input\": {\"app_id\": null, \"directive\": "
                               "\"UpdateInfo\", \"dialog_id\": \"\", \"type\": null, \"text\": "
                               "\"\"}}}";
    B.vlen = strlen(pre1) + LV_TID_LEN + strlen(pre2) + LV_TID_LEN + strlen(pre3) + B.b64_len +
             strlen(post);
    B.vtpl = pl_xmalloc(B.vlen + 1 + 1); /* EVP_EncodeBlock writes a NUL */
    char *p = B.vtpl;
    p = (char *)lv_put((unsigned char *)p, pre1, strlen(pre1));
    B.voff1 = (size_t)(p - B.vtpl);
    memset(p, '0', LV_TID_LEN);
    p += LV_TID_LEN;
    p = (char *)lv_put((unsigned char *)p, pre2, strlen(pre2));
    B.voff2 = (size_t)(p - B.vtpl);
    memset(p, '0', LV_TID_LEN);
    p += LV_TID_LEN;
    p = (char *)lv_put((unsigned char *)p, pre3, strlen(pre3));
    int n = EVP_EncodeBlock((unsigned char *)p, jpeg, (int)B.jpeg_len);
    p += n;
    p = (char *)lv_put((unsigned char *)p, post, strlen(post));
    *p = '\0';
    free(jpeg);
    /* Low-level noise (|sample| < 64): "silent" to the mock's VAD, not all zeros. */
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < LV_AUDIO_BYTES; i += 2) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        int16_t v = (int16_t)((int)(x % 127) - 63);
        B.audio[i] = (unsigned char)((uint16_t)v & 0xFF);
        B.audio[i + 1] = (unsigned char)((uint16_t)v >> 8);
    }
    B.tx_cap = B.vlen > 4096 ? B.vlen : 4096;
    B.tx = pl_xmalloc(LWS_PRE + 16 + B.tx_cap); /* + our own frame header */
}

/* The control messages, Python-exact (dialog_id "" as the Python SDK sends it). */
static int lv_ctl_text(const lv_sess *s, lv_ctl c, char *out, size_t cap)
{
    const char *t = s->tid;
    switch (c) {
    case C_START:
        return snprintf(
            out, cap,
            "{\"header\": {\"action\": \"run-task\", \"task_id\": \"%s\", \"request_id\": \"%s\", "
            "\"streaming\": \"duplex\"}, \"payload\": {\"task_group\": \"aigc\", \"function\": "
            "\"generation\", \"model\": \"multimodal-dialog\", \"task\": "
            "\"multimodal-generation\", \"parameters\": {\"upstream\": {\"type\": "
            "\"AudioAndVideo\", \"mode\": \"duplex\", \"audio_format\": \"pcm\", \"sample_rate\": "
            "16000, \"vocabulary_id\": null}, \"downstream\": {\"intermediate_text\": "
            "\"transcript\", \"debug\": false, \"audio_format\": \"pcm\", \"volume\": 50, "
            "\"pitch_rate\": 100, \"speech_rate\": 100, \"voice\": \"longxiaochun_v2\", "
            "\"sample_rate\": 48000}, \"client_info\": {\"user_id\": \"bench_user_%d\", \"sdk\": "
            "\"python\", \"device\": {\"uuid\": \"bench_device_%d\"}}, \"biz_params\": "
            "{\"user_prompt_params\": {\"user_name\": \"bench\"}}}, \"input\": {\"workspace_id\": "
            "\"llm-bench\", \"app_id\": \"mm_bench\", \"directive\": \"Start\", \"dialog_id\": "
            "\"\"}}}",
            t, t, s->idx, s->idx);
    case C_CONNECT:
        return snprintf(
            out, cap,
            "{\"header\": {\"action\": \"continue-task\", \"task_id\": \"%s\", \"request_id\": "
            "\"%s\", \"streaming\": \"duplex\"}, \"payload\": {\"task_group\": \"aigc\", "
            "\"function\": \"generation\", \"model\": null, \"task\": \"multimodal-generation\", "
            "\"parameters\": {\"biz_params\": {\"videos\": [{\"action\": \"connect\", \"type\": "
            "\"voicechat_video_channel\"}]}}, \"input\": {\"app_id\": null, \"directive\": "
            "\"RequestToRespond\", \"dialog_id\": \"\", \"type\": \"prompt\", \"text\": \"\"}}}",
            t, t);
    default: {
        const char *d = c == C_LOCAL_STARTED ? "LocalRespondingStarted"
                        : c == C_LOCAL_ENDED ? "LocalRespondingEnded"
                                             : "Stop";
        return snprintf(
            out, cap,
            "{\"header\": {\"action\": \"%s\", \"task_id\": \"%s\", \"request_id\": \"%s\", "
            "\"streaming\": \"duplex\"}, \"payload\": {\"task_group\": \"aigc\", \"function\": "
            "\"generation\", \"model\": null, \"task\": \"multimodal-generation\", \"input\": "
            "{\"workspace_id\": null, \"app_id\": null, \"directive\": \"%s\", \"dialog_id\": "
            "\"\"}}}",
            c == C_STOP ? "finish-task" : "continue-task", t, t, d);
    }
    }
}

static int lv_hb_text(const lv_sess *s, char *out, size_t cap)
{
    return snprintf(
        out, cap,
        "{\"header\": {\"action\": \"continue-task\", \"task_id\": \"%s\", \"request_id\": \"%s\", "
        "\"streaming\": \"duplex\"}, \"payload\": {\"task_group\": \"aigc\", \"function\": "
        "\"generation\", \"model\": null, \"task\": \"multimodal-generation\", \"input\": "
        "{\"workspace_id\": null, \"app_id\": null, \"directive\": \"HeartBeat\", \"dialog_id\": "
        "\"\"}}}",
        s->tid, s->tid);
}

static void lv_task_id(char out[LV_TID_LEN + 1])
{
    unsigned char r[16];
    if (RAND_bytes(r, sizeof r) != 1)
        for (size_t i = 0; i < sizeof r; i++)
            r[i] = (unsigned char)rand();
    r[6] = (unsigned char)((r[6] & 0x0F) | 0x40); /* uuid4 */
    r[8] = (unsigned char)((r[8] & 0x3F) | 0x80);
    for (size_t i = 0; i < sizeof r; i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
}

/* ---- the mock process ----------------------------------------------------------------- */

static void lv_raise_nofile(int sessions)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl))
        return;
    rlim_t want = (rlim_t)sessions * 2 + 1024;
    if (rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl))
        fprintf(stderr, "bench_liveai: setrlimit(NOFILE): %s\n", strerror(errno));
}

/* fork + execv: PATH mock --port 0 [extra…], stdout to a pipe, stderr to the log. */
static int lv_spawn(void)
{
    if (access(B.parley, X_OK)) {
        fprintf(stderr, "bench_liveai: cannot run %s: %s (--parley PATH or $PARLEY_BIN)\n",
                B.parley, strerror(errno));
        return -1;
    }
    int pfd[2];
    if (pipe(pfd)) {
        perror("bench_liveai: pipe");
        return -1;
    }
    char **argv = pl_xcalloc((size_t)B.nmock_extra + 5, sizeof *argv);
    int n = 0;
    argv[n++] = (char *)B.parley;
    argv[n++] = "mock";
    argv[n++] = "--port";
    argv[n++] = "0";
    for (int i = 0; i < B.nmock_extra; i++)
        argv[n++] = B.mock_extra[i];
    argv[n] = NULL;
    const char *log = B.mock_log ? B.mock_log : "/dev/null";
    pid_t pid = fork();
    if (pid < 0) {
        perror("bench_liveai: fork");
        free(argv);
        close(pfd[0]);
        close(pfd[1]);
        return -1;
    }
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(pfd[1], STDOUT_FILENO);
        if (fd >= 0)
            dup2(fd, STDERR_FILENO);
        close(pfd[0]);
        close(pfd[1]);
        execv(B.parley, argv);
        fprintf(stderr, "bench_liveai: cannot run %s: %s\n", B.parley, strerror(errno));
        _exit(127);
    }
    free(argv);
    close(pfd[1]);
    B.mock_pid = pid;
    B.own_mock = 1;
    B.out_fd = pfd[0];
    fcntl(B.out_fd, F_SETFL, fcntl(B.out_fd, F_GETFL) | O_NONBLOCK);
    return 0;
}

/* Reads what the mock printed (the pipe must never fill). Sets B.port from the banner's
 * "listening on HOST:PORT" line; the banner ends with its "health:" line. -1 at EOF. */
static int lv_drain(void)
{
    if (B.out_fd <= 0)
        return 0;
    char buf[4096];
    for (;;) {
        ssize_t n = read(B.out_fd, buf, sizeof buf);
        if (n > 0) {
            if (!B.banner_done && B.out.len < 65536)
                pl_buf_append(&B.out, buf, (size_t)n);
            continue;
        }
        if (n == 0)
            return -1;
        break;
    }
    if (!B.banner_done && B.out.data) {
        const char *p = strstr(B.out.data, "listening on ");
        const char *colon = p ? strchr(p + 13, ':') : NULL;
        if (!B.port && colon && strchr(colon, ' '))
            B.port = atoi(colon + 1);
        if (B.port && strstr(B.out.data, "health:") &&
            strchr(strstr(B.out.data, "health:"), '\n')) {
            B.banner_done = 1;
            B.bailian_listed = strstr(B.out.data, LV_PATH) != NULL;
        }
    }
    return 0;
}

static int lv_wait_port(void)
{
    int64_t until = pl_clock_mono_us() + 10000000;
    while (!B.banner_done && pl_clock_mono_us() < until) {
        if (lv_drain() < 0)
            break;
        usleep(10000);
    }
    if (B.port)
        return 0;
    fprintf(stderr, "bench_liveai: %s mock printed no port:\n%s\n", B.parley,
            B.out.data ? B.out.data : "(nothing)");
    return -1;
}

static long lv_proc_cpu(void)
{
    if (B.mock_pid <= 0)
        return -1;
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)B.mock_pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* comm may hold spaces */
    if (!p)
        return -1;
    unsigned long ut = 0, st = 0;
    /* after ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
     * utime(14) stime(15) */
    if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (long)(ut + st);
}

static long lv_proc_status(const char *field)
{
    if (B.mock_pid <= 0)
        return -1;
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)B.mock_pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    size_t fl = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, field, fl))
            kib = strtol(line + fl, NULL, 10);
    if (f)
        fclose(f);
    return kib;
}

static int lv_stop_mock(void)
{
    if (!B.own_mock)
        return 0;
    kill(B.mock_pid, SIGINT);
    int64_t until = pl_clock_mono_us() + 10000000;
    int st = 0;
    while (waitpid(B.mock_pid, &st, WNOHANG) == 0) {
        lv_drain();
        if (pl_clock_mono_us() > until) {
            fprintf(stderr, "bench_liveai: the mock ignored SIGINT; killing it\n");
            kill(B.mock_pid, SIGKILL);
            waitpid(B.mock_pid, &st, 0);
            return -1;
        }
        usleep(10000);
    }
    close(B.out_fd);
    B.own_mock = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- session bookkeeping -------------------------------------------------------------- */

static void lv_ctl_push(lv_sess *s, lv_ctl c)
{
    if (s->ctl_n == (int)sizeof s->ctl)
        return; /* 8 pending control messages: cannot happen in this flow */
    s->ctl[(s->ctl_head + s->ctl_n++) % sizeof s->ctl] = (unsigned char)c;
    if (s->wsi)
        lws_callback_on_writable(s->wsi);
}

static int64_t lv_due(const lv_sess *s, int k)
{
    return s->t0 + (int64_t)s->slot[k] * B.iv[k];
}

/* Slots of kind k due before the stream's end. */
static uint32_t lv_slots(int k)
{
    return (uint32_t)((B.stream_us + B.iv[k] - 1) / B.iv[k]);
}

static int lv_active(const lv_sess *s, int k)
{
    return k != K_VIDEO || s->video_on;
}

/* The kind with the earliest due slot that is due by now, or -1. */
static int lv_pending(const lv_sess *s, int64_t now)
{
    int best = -1;
    int64_t best_due = 0;
    for (int k = 0; k < K_N; k++) {
        if (!lv_active(s, k) || s->slot[k] >= lv_slots(k))
            continue;
        int64_t due = lv_due(s, k);
        if (due <= now && (best < 0 || due < best_due)) {
            best = k;
            best_due = due;
        }
    }
    return best;
}

static int lv_stream_complete(const lv_sess *s)
{
    for (int k = 0; k < K_N; k++)
        if (lv_active(s, k) && s->slot[k] < lv_slots(k))
            return 0;
    return 1;
}

static void lv_streams_ended(lv_sess *s)
{
    if (s->counted_streams)
        return;
    s->counted_streams = 1;
    for (int k = 0; k < K_N; k++) {
        uint32_t want = lv_slots(k), first = 0;
        if (k == K_VIDEO) /* frames are due from the first slot after video on */
            first =
                s->video_on ? (uint32_t)((s->t_video_on - s->t0 + B.iv[k] - 1) / B.iv[k]) : want;
        want = want > first ? want - first : 0;
        B.expected[k] += want;
        B.unsent[k] += want > s->sent[k] ? want - s->sent[k] : 0;
    }
    if (--B.streaming_left == 0)
        B.t_streams_over = pl_clock_mono_us();
}

/* The stream is over (every slot out, or the grace after the end is gone): Stop. */
static void lv_maybe_stop(lv_sess *s, int64_t now)
{
    if (s->state != S_STREAMING || now < s->t_end)
        return;
    if (!lv_stream_complete(s) && now < s->t_end + LV_END_GRACE_US)
        return;
    lv_streams_ended(s);
    s->state = S_STOPPING;
    s->t_stop = now;
    lv_ctl_push(s, C_STOP);
}

static void lv_fail(lv_sess *s, const char *why, const char *detail)
{
    if (!s->failed) {
        s->failed = 1;
        B.failed++;
        lv_error(s, why, detail);
    }
}

static void lv_close(lv_sess *s)
{
    if (s->wsi && !s->want_close) {
        s->want_close = 1;
        lws_callback_on_writable(s->wsi);
    }
}

static void lv_video_on(lv_sess *s, int how, int64_t now)
{
    if (s->video_on || s->state != S_STREAMING)
        return;
    s->video_on = how;
    s->t_video_on = now;
    s->slot[K_VIDEO] = (uint32_t)((now - s->t0 + B.iv[K_VIDEO] - 1) / B.iv[K_VIDEO]);
    if (how == 1)
        B.video_on_switch++;
    else if (how == 2)
        B.video_on_ended++;
    else
        B.video_on_timer++;
    lv_schedule(s);
}

/* ---- sending -------------------------------------------------------------------------- */

static int lv_write(lv_sess *s, size_t len, enum lws_write_protocol wp)
{
    int n = lws_write(s->wsi, B.tx + LWS_PRE, len, wp);
    if (n < (int)len) {
        lv_fail(s, "lws_write failed%s", "");
        return -1;
    }
    return 0;
}

static uint32_t lv_rand32(void)
{
    static uint64_t x = 0;
    if (!x)
        x = (uint64_t)pl_clock_mono_us() * 0x9E3779B97F4A7C15ull | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return (uint32_t)(x >> 32);
}

/* A whole masked client frame (RFC 6455 5.2) in B.tx + LWS_PRE: FIN and opcode, MASK and
 * the length, a fresh key, then the payload XORed with the key 8 bytes at a time while it is
 * copied. (lws_write would mask byte by byte, in place: most of this client's CPU with 400
 * frames of 227 KB a second.) Returns the frame length; the key is left in mask. */
static size_t lv_frame(int opcode, const void *payload, size_t len, unsigned char mask[4])
{
    unsigned char *h = B.tx + LWS_PRE;
    size_t n = 0;
    h[n++] = (unsigned char)(0x80 | opcode);
    if (len < 126) {
        h[n++] = (unsigned char)(0x80 | len);
    } else if (len < 65536) {
        h[n++] = 0x80 | 126;
        h[n++] = (unsigned char)(len >> 8);
        h[n++] = (unsigned char)(len & 0xFF);
    } else {
        h[n++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            h[n++] = (unsigned char)(((uint64_t)len >> (8 * i)) & 0xFF);
    }
    uint32_t key = lv_rand32();
    memcpy(mask, &key, 4);
    memcpy(h + n, mask, 4);
    n += 4;
    uint64_t m64;
    memcpy(&m64, mask, 4);
    memcpy((unsigned char *)&m64 + 4, mask, 4);
    const unsigned char *src = payload;
    unsigned char *dst = h + n;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, src + i, 8);
        w ^= m64;
        memcpy(dst + i, &w, 8);
    }
    for (; i < len; i++)
        dst[i] = src[i] ^ mask[i & 3];
    return n + len;
}

/* Puts the session's task_id into the masked frame at payload offset off. */
static void lv_patch_tid(size_t hdr, size_t off, const char *tid, const unsigned char mask[4])
{
    unsigned char *d = B.tx + LWS_PRE + hdr + off;
    for (size_t j = 0; j < LV_TID_LEN; j++)
        d[j] = (unsigned char)tid[j] ^ mask[(off + j) & 3];
}

static int lv_send_stream(lv_sess *s, int k, int64_t now)
{
    int64_t late = now - lv_due(s, k);
    size_t len, payload;
    enum lws_write_protocol wp = LWS_WRITE_TEXT;
    unsigned char mask[4];
    if (k == K_VIDEO) { /* framed here: the template is never touched */
        len = lv_frame(0x1, B.vtpl, B.vlen, mask);
        lv_patch_tid(len - B.vlen, B.voff1, s->tid, mask);
        lv_patch_tid(len - B.vlen, B.voff2, s->tid, mask);
        payload = B.vlen;
        wp = LWS_WRITE_RAW;
    } else if (k == K_AUDIO) {
        len = lv_frame(0x2, B.audio, LV_AUDIO_BYTES, mask);
        payload = LV_AUDIO_BYTES;
        wp = LWS_WRITE_RAW;
    } else {
        len = payload = (size_t)lv_hb_text(s, (char *)B.tx + LWS_PRE, B.tx_cap);
        if (s->sent[K_HB] < B.hb_per_sess)
            s->hb_us[s->sent[K_HB]] = now;
    }
    s->slot[k]++;
    if (lv_write(s, len, wp))
        return -1;
    B.bytes_up += payload;
    s->sent[k]++;
    B.sent[k]++;
    if (late < 0)
        late = 0;
    B.hist[late / 1000 < LV_HIST_MS ? late / 1000 : LV_HIST_MS]++;
    if (late > B.late_max_us)
        B.late_max_us = late;
    if (late > LV_LATE_US)
        B.late[k]++;
    return 0;
}

static int lv_send_one(lv_sess *s);

static int lv_writeable(lv_sess *s)
{
    if (s->want_close) {
        lws_close_reason(s->wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)"bench done", 10);
        return -1;
    }
    /* Several messages per WRITEABLE while the socket takes them whole: one poll() of
     * every socket per message would cost more than the sending. */
    for (int i = 0; i < 8; i++) {
        int rc = lv_send_one(s);
        if (rc < 0)
            return -1;
        if (!rc || lws_send_pipe_choked(s->wsi))
            break;
    }
    if (s->ctl_n || (s->state == S_STREAMING && lv_pending(s, pl_clock_mono_us()) >= 0))
        lws_callback_on_writable(s->wsi);
    return 0;
}

/* One message: a control message first, else the stream slot due first. 1 sent, 0 nothing
 * to send, -1 error. */
static int lv_send_one(lv_sess *s)
{
    int64_t now = pl_clock_mono_us();
    if (s->ctl_n) {
        lv_ctl c = (lv_ctl)s->ctl[s->ctl_head];
        s->ctl_head = (s->ctl_head + 1) % (int)sizeof s->ctl;
        s->ctl_n--;
        int n = lv_ctl_text(s, c, (char *)B.tx + LWS_PRE, B.tx_cap);
        if (lv_write(s, (size_t)n, LWS_WRITE_TEXT))
            return -1;
        B.bytes_up += (size_t)n;
        B.ctl_sent++;
        return 1;
    }
    if (s->state != S_STREAMING)
        return 0;
    int k = lv_pending(s, now);
    if (k >= 0 && lv_send_stream(s, k, now))
        return -1;
    lv_maybe_stop(s, now); /* may queue Stop */
    return k >= 0 || s->ctl_n;
}

/* ---- receiving ------------------------------------------------------------------------ */

static void lv_add_lag(lv_sess *s, int64_t now)
{
    if (s->h_recv >= s->sent[K_HB] || s->h_recv >= B.hb_per_sess) {
        B.hb_unexpected++;
        return;
    }
    int64_t sent = s->hb_us[s->h_recv++];
    if (B.nlag >= B.cap_lag) {
        B.lag_dropped++;
        return;
    }
    B.lag_us[B.nlag] = now - sent;
    B.lag_off_ms[B.nlag] = (int32_t)((sent - s->t0) / 1000);
    B.nlag++;
}

static void lv_on_listening(lv_sess *s, int64_t now)
{
    if (s->state != S_STARTING)
        return;
    s->state = S_STREAMING;
    s->t_listening = now;
    /* On a 5 ms grid from t_begin: sessions still spread over 20 phases of each 100 ms,
     * and the loop wakes for a handful of sessions at a time, not for each one. */
    s->t0 = B.t_begin + (now - B.t_begin + LV_GRID_US - 1) / LV_GRID_US * LV_GRID_US;
    s->t_end = s->t0 + B.stream_us;
    B.ready++;
    lv_ctl_push(s, C_CONNECT);
    lv_schedule(s);
}

static void lv_on_output(lv_sess *s, const cJSON *hdr, const cJSON *out, int64_t now)
{
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(out, "event");
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(hdr, "status_code");
    if (cJSON_IsNumber(sc) && sc->valueint != 200) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(hdr, "status_name");
        lv_fail(s, "fatal error %s", cJSON_IsString(name) ? name->valuestring : "(no name)");
        return;
    }
    if (!cJSON_IsString(ev))
        return;
    const char *e = ev->valuestring;
    if (!strcmp(e, "HeartBeat")) {
        lv_add_lag(s, now);
    } else if (!strcmp(e, "DialogStateChanged")) {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(out, "state");
        if (cJSON_IsString(st) && !strcmp(st->valuestring, "Listening"))
            lv_on_listening(s, now);
    } else if (!strcmp(e, "RespondingStarted")) {
        lv_ctl_push(s, C_LOCAL_STARTED);
    } else if (!strcmp(e, "RespondingContent")) {
        const cJSON *ei = cJSON_GetObjectItemCaseSensitive(out, "extra_info");
        const cJSON *cmds = cJSON_GetObjectItemCaseSensitive(ei, "commands");
        if (cJSON_IsString(cmds) && strstr(cmds->valuestring, "switch_video_call_success"))
            lv_video_on(s, 1, now);
    } else if (!strcmp(e, "RespondingEnded")) {
        B.rounds++;
        lv_ctl_push(s, C_LOCAL_ENDED);
        if (s->state == S_STREAMING)
            lv_video_on(s, 2, now);
    } else if (!strcmp(e, "Stopped")) {
        B.stopped++;
    } else if (!strcmp(e, "Error")) {
        B.nonfatal_errors++;
    }
}

static void lv_on_text(lv_sess *s, const char *text, size_t len)
{
    int64_t now = pl_clock_mono_us();
    B.rx_text++;
    cJSON *f = cJSON_ParseWithLength(text, len);
    const cJSON *hdr = cJSON_GetObjectItemCaseSensitive(f, "header");
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(hdr, "event");
    const cJSON *out =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(f, "payload"), "output");
    if (!cJSON_IsString(ev)) {
        cJSON_Delete(f);
        return;
    }
    if (!strcmp(ev->valuestring, "task-failed")) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(hdr, "error_code");
        lv_fail(s, "task-failed %s", cJSON_IsString(code) ? code->valuestring : "");
    } else if (!strcmp(ev->valuestring, "task-finished")) {
        if (s->state == S_STOPPING) {
            B.finished++;
            s->state = S_FINISHED;
            s->t_finished = now;
            lv_schedule(s);
        } else {
            lv_fail(s, "task-finished before Stop%s", "");
        }
    } else if (cJSON_IsObject(out)) {
        lv_on_output(s, hdr, out, now); /* result-generated, or task-started carrying one */
    }
    cJSON_Delete(f);
}

static void lv_on_receive(lv_sess *s, struct lws *wsi, const void *in, size_t len)
{
    B.bytes_down += len;
    int final = lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi);
    if (lws_frame_is_binary(wsi)) {
        if (final)
            B.rx_binary++;
        return;
    }
    if (s->rx.len + len <= LV_RX_MAX)
        pl_buf_append(&s->rx, in, len);
    if (!final)
        return;
    if (s->rx.len)
        lv_on_text(s, s->rx.data, s->rx.len);
    pl_buf_reset(&s->rx);
}

static void lv_on_gone(lv_sess *s, const char *why)
{
    if (s->state == S_CLOSED)
        return;
    if (s->state == S_CONNECTING)
        lv_fail(s, "could not connect: %s", why);
    else if (s->state == S_STARTING || s->state == S_STREAMING)
        lv_fail(s, "closed before its stream ended (%s)", why);
    else if (s->state == S_STOPPING && !s->want_close)
        lv_fail(s, "closed before task-finished (%s)", why);
    if (s->state == S_STREAMING)
        lv_streams_ended(s);
    else if (s->state < S_STREAMING && --B.streaming_left == 0)
        B.t_streams_over = pl_clock_mono_us(); /* never streamed */
    /* heartbeats that never came back */
    uint32_t hs = s->sent[K_HB] < B.hb_per_sess ? s->sent[K_HB] : (uint32_t)B.hb_per_sess;
    if (s->h_recv < hs)
        B.hb_unanswered += hs - s->h_recv;
    if (s->close_code == 1000 && s->state == S_FINISHED)
        B.closed_1000++;
    s->state = S_CLOSED;
    s->wsi = NULL;
    B.closed++;
    lws_sul_cancel(&s->sul);
}

static int lv_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                 size_t len)
{
    lv_sess *s = user;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
        unsigned char **p = in, *end = *p + len;
        return lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
                                            (const unsigned char *)B.auth, (int)strlen(B.auth), p,
                                            end)
                   ? -1
                   : 0;
    }
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (s && s->state == S_CONNECTING) {
            s->wsi = wsi;
            s->state = S_STARTING;
            B.connected++;
            lv_ctl_push(s, C_START); /* Python sends Start right after the upgrade */
        }
        return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (s)
            lv_on_gone(s, in ? (const char *)in : "connection error");
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        lv_on_receive(s, wsi, in, len);
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return s ? lv_writeable(s) : 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (s && len >= 2)
            s->close_code = ((const unsigned char *)in)[0] << 8 | ((const unsigned char *)in)[1];
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (s)
            lv_on_gone(s, "closed by the server");
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols lv_protocol = {"bench-liveai", lv_cb, 0, 16 * 1024, 0, NULL, 0};

/* ---- per-session timer ---------------------------------------------------------------- */

static void lv_connect(lv_sess *s)
{
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = B.ctx;
    ci.address = "127.0.0.1";
    ci.port = B.port;
    ci.path = LV_PATH;
    ci.host = "127.0.0.1";
    ci.origin = "127.0.0.1";
    ci.ietf_version_or_minus_one = -1;
    ci.local_protocol_name = "bench-liveai";
    ci.userdata = s;
    ci.pwsi = &s->wsi;
    lv_task_id(s->tid);
    s->state = S_CONNECTING;
    s->t_connect = pl_clock_mono_us();
    B.started++;
    if (!lws_client_connect_via_info(&ci) && s->state == S_CONNECTING)
        lv_on_gone(s, "lws_client_connect_via_info failed");
}

/* The next time this session needs its timer. */
static int64_t lv_next_wake(const lv_sess *s, int64_t now)
{
    int64_t t = INT64_MAX;
#define LV_MIN(x)                                                                                  \
    do {                                                                                           \
        int64_t v_ = (x);                                                                          \
        if (v_ > now && v_ < t)                                                                    \
            t = v_;                                                                                \
    } while (0)
    switch (s->state) {
    case S_WAIT:
        LV_MIN(s->t_at);
        if (s->t_at <= now)
            t = now + 1;
        break;
    case S_CONNECTING:
    case S_STARTING:
        LV_MIN(s->t_connect + LV_LISTEN_TIMEOUT_US);
        break;
    case S_STREAMING:
        for (int k = 0; k < K_N; k++) {
            if (!lv_active(s, k) || s->slot[k] >= lv_slots(k))
                continue;
            /* the first slot due after now, from the next unsent one on */
            int64_t d = now - s->t0, kk = d < 0 ? 0 : d / B.iv[k] + 1;
            if (kk < (int64_t)s->slot[k])
                kk = s->slot[k];
            if (kk < (int64_t)lv_slots(k))
                LV_MIN(s->t0 + kk * B.iv[k]);
        }
        LV_MIN(s->t_end);
        LV_MIN(s->t_end + LV_END_GRACE_US);
        if (!s->video_on)
            LV_MIN(s->t0 + LV_VIDEO_FALLBACK_US);
        break;
    case S_STOPPING:
        LV_MIN(s->t_stop + LV_STOP_TIMEOUT_US);
        break;
    case S_FINISHED:
        LV_MIN(s->t_finished + LV_CLOSE_WAIT_US);
        break;
    case S_CLOSED:
        return 0;
    }
#undef LV_MIN
    return t == INT64_MAX ? 0 : t;
}

static void lv_schedule(lv_sess *s)
{
    int64_t now = pl_clock_mono_us();
    int64_t t = lv_next_wake(s, now);
    if (t)
        lws_sul_schedule(B.ctx, 0, &s->sul, lv_session_timer, t - now);
}

static void lv_session_timer(lws_sorted_usec_list_t *sul)
{
    lv_sess *s = lws_container_of(sul, lv_sess, sul);
    int64_t now = pl_clock_mono_us();
    switch (s->state) {
    case S_WAIT:
        if (now >= s->t_at)
            lv_connect(s);
        break;
    case S_CONNECTING:
    case S_STARTING:
        if (now >= s->t_connect + LV_LISTEN_TIMEOUT_US) {
            lv_fail(s, "no DialogStateChanged Listening within 10 s%s", "");
            if (s->wsi)
                lv_close(s);
        }
        break;
    case S_STREAMING:
        if (!s->video_on && now >= s->t0 + LV_VIDEO_FALLBACK_US)
            lv_video_on(s, 3, now);
        lv_maybe_stop(s, now);
        if (s->state == S_STREAMING && lv_pending(s, now) >= 0 && s->wsi)
            lws_callback_on_writable(s->wsi);
        break;
    case S_STOPPING:
        if (now >= s->t_stop + LV_STOP_TIMEOUT_US) {
            lv_fail(s, "no task-finished within 10 s of Stop%s", "");
            lv_close(s);
        }
        break;
    case S_FINISHED:
        if (now >= s->t_finished + LV_CLOSE_WAIT_US)
            lv_close(s); /* the server did not close: we do */
        break;
    case S_CLOSED:
        return;
    }
    if (s->state != S_CLOSED)
        lv_schedule(s);
}

/* ---- progress ------------------------------------------------------------------------- */

static void lv_lag_window(size_t from, size_t to, double *p50, double *p99)
{
    size_t n = 0;
    for (size_t i = from; i < to; i++)
        B.scratch[n++] = B.lag_us[i];
    qsort(B.scratch, n, sizeof *B.scratch, lv_cmp);
    *p50 = lv_pct(B.scratch, n, 50);
    *p99 = lv_pct(B.scratch, n, 99);
}

static void lv_progress(int64_t now)
{
    double secs = (double)(now - B.w_t) / 1e6;
    double p50, p99;
    lv_lag_window(B.w_lag, B.nlag, &p50, &p99);
    uint64_t late = B.late[K_VIDEO] + B.late[K_AUDIO] + B.late[K_HB];
    long cpu = lv_proc_cpu();
    char cpus[48] = "";
    if (cpu >= 0 && B.w_cpu >= 0)
        snprintf(cpus, sizeof cpus, "  mock cpu %.0f%%",
                 100.0 * (double)(cpu - B.w_cpu) / (double)B.clk_tck / secs);
    int streaming = 0;
    for (int i = 0; i < B.sessions; i++)
        streaming += B.s[i].state == S_STREAMING;
    if (!B.quiet) {
        printf("  %5.1f s  video %6.1f/s  audio %7.1f/s  lag p50 %7.2f ms p99 %7.2f ms (n %zu)"
               "  late %llu (+%llu)%s  [%d streaming]\n",
               (double)(now - B.t_begin) / 1e6,
               (double)(B.sent[K_VIDEO] - B.w_sent[K_VIDEO]) / secs,
               (double)(B.sent[K_AUDIO] - B.w_sent[K_AUDIO]) / secs, p50, p99, B.nlag - B.w_lag,
               (unsigned long long)late, (unsigned long long)(late - B.w_late), cpus, streaming);
        fflush(stdout);
    }
    B.w_t = now;
    B.w_lag = B.nlag;
    memcpy(B.w_sent, B.sent, sizeof B.w_sent);
    B.w_late = late;
    B.w_cpu = cpu;
}

/* CPU of the mock and of this client at the end of the last stream. */
static void lv_sample_end(void)
{
    B.end_sampled = 1;
    B.cpu1 = lv_proc_cpu();
    getrusage(RUSAGE_SELF, &B.ru1);
}

static void lv_tick(lws_sorted_usec_list_t *sul)
{
    int64_t now = pl_clock_mono_us();
    lv_drain();
    if (now - B.w_t >= LV_WINDOW_US)
        lv_progress(now);
    if (B.t_streams_over && !B.end_sampled)
        lv_sample_end();
    lws_sul_schedule(B.ctx, 0, sul, lv_tick, LV_TICK_US);
}

/* ---- the mock's own counts (admin API) ------------------------------------------------ */

static void lv_http_get(const char *path, pl_http_done_fn done);

static void lv_findings_done(void *user, int status, const char *body, size_t len,
                             const char *error)
{
    B.http_pending--;
    cJSON *arr = status == 200 ? cJSON_ParseWithLength(body, len) : NULL;
    int shown = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, arr)
    {
        const cJSON *rule = cJSON_GetObjectItemCaseSensitive(f, "rule");
        const cJSON *level = cJSON_GetObjectItemCaseSensitive(f, "level");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(f, "message");
        if (shown++ >= 5)
            break;
        pl_buf_printf(&B.m_findings, "                  %s %s: %.160s\n",
                      cJSON_IsString(level) ? level->valuestring : "?",
                      cJSON_IsString(rule) ? rule->valuestring : "?",
                      cJSON_IsString(msg) ? msg->valuestring : "");
    }
    cJSON_Delete(arr);
}

static void lv_sessions_done(void *user, int status, const char *body, size_t len,
                             const char *error)
{
    B.http_pending--;
    B.m_sessions = -1;
    cJSON *doc = status == 200 ? cJSON_ParseWithLength(body, len) : NULL;
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, "sessions");
    if (cJSON_IsArray(arr))
        B.m_sessions = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "dialect");
        const cJSON *opened = cJSON_GetObjectItemCaseSensitive(e, "opened");
        if (!cJSON_IsString(d) || strcmp(d->valuestring, "bailian"))
            continue;
        if (cJSON_IsString(opened) && strcmp(opened->valuestring, B.since_iso) < 0)
            continue; /* a session from before this run */
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(e, "findings");
        double must = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(f, "must"));
        double should = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(f, "should"));
        B.m_sessions++;
        B.m_open += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "open"));
        B.m_in += cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(e, "in"));
        B.m_out += cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(e, "out"));
        if (must == must)
            B.m_must += must;
        if (should == should)
            B.m_should += should;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
        if (!B.m_findings_id[0] && (must > 0 || should > 0) && cJSON_IsString(id))
            snprintf(B.m_findings_id, sizeof B.m_findings_id, "%s", id->valuestring);
    }
    cJSON_Delete(doc);
    if (B.m_findings_id[0]) {
        char path[128];
        snprintf(path, sizeof path, "/_parley/sessions/%s/findings", B.m_findings_id);
        lv_http_get(path, lv_findings_done);
    }
}

static void lv_health_done(void *user, int status, const char *body, size_t len, const char *error)
{
    B.http_pending--;
    B.m_health_live = -1;
    cJSON *doc = status == 200 ? cJSON_ParseWithLength(body, len) : NULL;
    const cJSON *live =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "sessions"), "live");
    if (cJSON_IsNumber(live))
        B.m_health_live = live->valueint;
    cJSON_Delete(doc);
}

static void lv_http_get(const char *path, pl_http_done_fn done)
{
    char url[256], err[200];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", B.port, path);
    pl_http_request req = {.method = "GET", .url = url, .done = done};
    if (pl_http_client_start(B.ctx, &req, err, sizeof err)) {
        fprintf(stderr, "bench_liveai: GET %s: %s\n", path, err);
        return;
    }
    B.http_pending++;
}

/* ---- the loop ------------------------------------------------------------------------- */

static int lv_run(int (*done)(void))
{
    while (!done()) {
        if (pl_clock_mono_us() > B.deadline)
            return -1;
        if (lws_service(B.ctx, 0) < 0)
            return -1;
    }
    return 0;
}

static int lv_all_closed(void)
{
    return B.closed >= B.sessions;
}

static int lv_http_over(void)
{
    return B.http_pending <= 0;
}

/* ---- report --------------------------------------------------------------------------- */

/* Lag percentiles of the samples whose HeartBeat went out in [from_ms, to_ms) of its
 * session's stream. */
static size_t lv_lag_select(int32_t from_ms, int32_t to_ms)
{
    size_t n = 0;
    for (size_t i = 0; i < B.nlag; i++)
        if (B.lag_off_ms[i] >= from_ms && B.lag_off_ms[i] < to_ms)
            B.scratch[n++] = B.lag_us[i];
    qsort(B.scratch, n, sizeof *B.scratch, lv_cmp);
    return n;
}

static void lv_lag_line(const char *label, size_t n)
{
    printf("%-18s n %-6zu p50 %.2f ms  p95 %.2f ms  p99 %.2f ms  max %.2f ms\n", label, n,
           lv_pct(B.scratch, n, 50), lv_pct(B.scratch, n, 95), lv_pct(B.scratch, n, 99),
           lv_pct(B.scratch, n, 100));
}

static double lv_hist_pct(double p)
{
    uint64_t total = 0, acc = 0;
    for (int i = 0; i <= LV_HIST_MS; i++)
        total += B.hist[i];
    if (!total)
        return 0;
    uint64_t want = (uint64_t)(p / 100.0 * (double)total + 0.999999);
    for (int i = 0; i <= LV_HIST_MS; i++) {
        acc += B.hist[i];
        if (acc >= want)
            return i; /* the bucket's lower bound, ms */
    }
    return LV_HIST_MS;
}

static int lv_report(long hwm_kib, long rss_kib)
{
    double secs = B.seconds;
    int32_t win = (int32_t)(LV_WINDOW_US / 1000), all = (int32_t)(B.stream_us / 1000);
    printf("\n");
    printf("sessions          %d started, %d connected, %d ready (Listening), %d failed\n",
           B.started, B.connected, B.ready, B.failed);
    size_t nv = 0;
    for (int i = 0; i < B.sessions; i++)
        if (B.s[i].video_on)
            B.scratch[nv++] = B.s[i].t_video_on - B.s[i].t_listening;
    qsort(B.scratch, nv, sizeof *B.scratch, lv_cmp);
    printf("video on          %d by switch_video_call_success, %d by the welcome RespondingEnded,"
           " %d by the %.0f s timer; after Listening p50 %.0f ms, max %.0f ms\n",
           B.video_on_switch, B.video_on_ended, B.video_on_timer,
           (double)LV_VIDEO_FALLBACK_US / 1e6, lv_pct(B.scratch, nv, 50),
           lv_pct(B.scratch, nv, 100));
    for (int k = 0; k < K_N; k++)
        printf("%-9s sent    %llu of %llu due (%llu unsent at the end), %.1f/s over %.0f s "
               "streams (%.1f/s due)\n",
               lv_kind_name[k], (unsigned long long)B.sent[k], (unsigned long long)B.expected[k],
               (unsigned long long)B.unsent[k], (double)B.sent[k] / secs, secs,
               (double)B.expected[k] / secs);
    printf("upload            %.1f MB/s (%.1f MB; one frame %zu bytes: JPEG %zu, base64 %zu)\n",
           (double)B.bytes_up / 1e6 / secs, (double)B.bytes_up / 1e6, B.vlen, B.jpeg_len,
           B.b64_len);
    printf("download          %.2f MB (%llu text, %llu binary frames; %llu rounds, %llu non-fatal "
           "Error events)\n",
           (double)B.bytes_down / 1e6, (unsigned long long)B.rx_text,
           (unsigned long long)B.rx_binary, (unsigned long long)B.rounds,
           (unsigned long long)B.nonfatal_errors);
    printf("stop              %d Stopped, %d task-finished, %d closed by the server with 1000 "
           "after it\n",
           B.stopped, B.finished, B.closed_1000);
    size_t n = lv_lag_select(INT32_MIN, INT32_MAX);
    lv_lag_line("heartbeat lag", n);
    n = lv_lag_select(INT32_MIN, win);
    lv_lag_line("  first 5 s", n);
    size_t nfirst = n;
    double first99 = lv_pct(B.scratch, n, 99);
    n = lv_lag_select(all - win, INT32_MAX);
    lv_lag_line("  last 5 s", n);
    double last99 = lv_pct(B.scratch, n, 99);
    size_t nlast = n;
    printf("heartbeats        %llu sent, %zu answered, %llu unanswered, %llu unexpected%s\n",
           (unsigned long long)B.sent[K_HB], B.nlag + (size_t)B.lag_dropped,
           (unsigned long long)B.hb_unanswered, (unsigned long long)B.hb_unexpected,
           B.lag_dropped ? " (samples dropped: array full)" : "");
    printf("send lateness     p50 %.0f ms  p99 %.0f ms  max %.1f ms; late > 100 ms: %llu "
           "(video %llu, audio %llu, heartbeat %llu)\n",
           lv_hist_pct(50), lv_hist_pct(99), (double)B.late_max_us / 1000.0,
           (unsigned long long)(B.late[0] + B.late[1] + B.late[2]),
           (unsigned long long)B.late[K_VIDEO], (unsigned long long)B.late[K_AUDIO],
           (unsigned long long)B.late[K_HB]);
    double wall =
        (double)((B.t_streams_over ? B.t_streams_over : pl_clock_mono_us()) - B.t_begin) / 1e6;
    if (B.cpu0 >= 0 && B.cpu1 >= 0)
        printf("mock cpu          %.1f %% of one core (%.2f s CPU in %.1f s, first connect to "
               "the last stream's end)\n",
               100.0 * (double)(B.cpu1 - B.cpu0) / (double)B.clk_tck / wall,
               (double)(B.cpu1 - B.cpu0) / (double)B.clk_tck, wall);
    else
        printf("mock cpu          not measured (no pid: --parley, or --port with --mock-pid)\n");
    if (hwm_kib >= 0)
        printf("mock memory       peak RSS (VmHWM) %.1f MiB; RSS %.1f MiB before the first "
               "connect, %.1f MiB at the end\n",
               (double)hwm_kib / 1024.0, (double)B.rss0_kib / 1024.0, (double)rss_kib / 1024.0);
    double bu = (double)(B.ru1.ru_utime.tv_sec - B.ru0.ru_utime.tv_sec) +
                (double)(B.ru1.ru_utime.tv_usec - B.ru0.ru_utime.tv_usec) / 1e6 +
                (double)(B.ru1.ru_stime.tv_sec - B.ru0.ru_stime.tv_sec) +
                (double)(B.ru1.ru_stime.tv_usec - B.ru0.ru_stime.tv_usec) / 1e6;
    if (B.end_sampled)
        printf("bench cpu         %.1f %% of one core (this client, same window)\n",
               100.0 * bu / wall);
    if (B.m_sessions >= 0)
        printf("mock sessions     %d bailian sessions of this run (%d still open): %.0f messages "
               "in, %.0f out; findings must %.0f, should %.0f\n",
               B.m_sessions, B.m_open, B.m_in, B.m_out, B.m_must, B.m_should);
    if (B.m_findings.len)
        printf("  findings of %s (first 5):\n%s", B.m_findings_id, B.m_findings.data);
    if (B.m_health_live >= 0)
        printf("mock health       200, %d sessions live after the run\n", B.m_health_live);
    if (B.first_error)
        printf("first error       %s\n", B.first_error);
    int keeps = nlast > 0 && last99 < (double)LV_KEEPUP_US / 1000.0 && B.failed == 0 &&
                B.ready == B.sessions && B.hb_unanswered == 0;
    printf("keeps up: %s (last-5-s p99 lag %.1f ms vs %.1f ms in the first %s; %d failed)\n",
           keeps ? "yes" : "no", last99, first99, nfirst ? "5 s" : "5 s (no samples)", B.failed);
    return keeps;
}

/* ---- options -------------------------------------------------------------------------- */

static void lv_usage(FILE *f)
{
    fprintf(f, "usage: bench_liveai [--parley PATH | --port P [--mock-pid PID]] [--sessions N]\n"
               "                    [--seconds S] [--frame-bytes B] [--fps F] [--key KEY]\n"
               "                    [--stagger MS] [--mock-log FILE] [--quiet] [-- MOCK-ARGS…]\n"
               "  N 200 LiveAI sessions for S 30 seconds each: one UpdateInfo JPEG of B 170000\n"
               "  decoded bytes F 2 times a second, 3200 B of PCM every 100 ms, a HeartBeat every\n"
               "  second (its answer's delay is the lag). Sessions connect over MS 2000 ms.\n"
               "  --parley PATH: start PATH mock --port 0 [MOCK-ARGS] (default $PARLEY_BIN, else\n"
               "  parley next to this program); --port P: use a running mock instead.\n"
               "  KEY (Authorization: Bearer KEY) defaults to sk-parley-test.\n");
}

/* `parley` in this program's directory (build/bench_liveai → build/parley). */
static const char *lv_default_parley(const char *argv0)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        if (!strchr(argv0, '/'))
            return "./parley";
        snprintf(self, sizeof self, "%s", argv0);
        n = (ssize_t)strlen(self);
    }
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    const char *dir = slash ? self : ".";
    size_t dl = strlen(dir);
    if (dl + sizeof "/parley" > sizeof B.parley_buf)
        return "./parley";
    memcpy(B.parley_buf, dir, dl);
    memcpy(B.parley_buf + dl, "/parley", sizeof "/parley");
    return B.parley_buf;
}

static int lv_args(int argc, char **argv)
{
    static const struct option opts[] = {{"parley", required_argument, NULL, 'P'},
                                         {"port", required_argument, NULL, 'p'},
                                         {"mock-pid", required_argument, NULL, 'm'},
                                         {"sessions", required_argument, NULL, 'n'},
                                         {"seconds", required_argument, NULL, 's'},
                                         {"frame-bytes", required_argument, NULL, 'b'},
                                         {"fps", required_argument, NULL, 'f'},
                                         {"key", required_argument, NULL, 'k'},
                                         {"stagger", required_argument, NULL, 'g'},
                                         {"mock-log", required_argument, NULL, 'l'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    B.sessions = 200;
    B.seconds = 30;
    B.frame_bytes = 170000;
    B.fps = 2;
    B.key = "sk-parley-test";
    B.stagger_ms = 2000;
    int c;
    while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
        switch (c) {
        case 'P':
            B.parley = optarg;
            break;
        case 'p':
            B.port = atoi(optarg);
            break;
        case 'm':
            B.mock_pid = (pid_t)atoi(optarg);
            break;
        case 'n':
            B.sessions = atoi(optarg);
            break;
        case 's':
            B.seconds = atof(optarg);
            break;
        case 'b':
            B.frame_bytes = (size_t)strtoul(optarg, NULL, 10);
            break;
        case 'f':
            B.fps = atoi(optarg);
            break;
        case 'k':
            B.key = optarg;
            break;
        case 'g':
            B.stagger_ms = atoi(optarg);
            break;
        case 'l':
            B.mock_log = optarg;
            break;
        case 'q':
            B.quiet = 1;
            break;
        case 'h':
            lv_usage(stdout);
            exit(0);
        default:
            lv_usage(stderr);
            return -1;
        }
    }
    if (B.sessions < 1 || B.seconds < 1 || B.seconds > 86400 || B.fps < 1 || B.fps > 100 ||
        B.frame_bytes > 64 * 1024 * 1024 || B.stagger_ms < 0 || B.port < 0 || B.port > 65535 ||
        (B.port && B.parley)) {
        lv_usage(stderr);
        return -1;
    }
    B.mock_extra = argv + optind; /* after "--": passed to `parley mock` */
    B.nmock_extra = argc - optind;
    if (B.nmock_extra && B.port) {
        lv_usage(stderr);
        return -1;
    }
    if (!B.port && !B.parley) {
        const char *env = getenv("PARLEY_BIN");
        B.parley = env && *env ? env : lv_default_parley(argv[0]);
    }
    snprintf(B.auth, sizeof B.auth, "Bearer %s", B.key);
    B.iv[K_VIDEO] = 1000000LL / B.fps;
    B.iv[K_AUDIO] = LV_AUDIO_US;
    B.iv[K_HB] = LV_HB_US;
    B.stream_us = (int64_t)(B.seconds * 1e6);
    return 0;
}

static int lv_context(void)
{
    static struct lws_protocols protocols[3];
    protocols[0] = lv_protocol;
    protocols[1] = pl_http_client_protocol;
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.gid = -1;
    info.uid = -1;
    lws_set_log_level(LLL_ERR, NULL);
    B.ctx = lws_create_context(&info);
    if (!B.ctx) {
        fprintf(stderr, "bench_liveai: lws_create_context failed\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (lv_args(argc, argv))
        return 2;
    signal(SIGPIPE, SIG_IGN);
    B.clk_tck = sysconf(_SC_CLK_TCK);
    lv_raise_nofile(B.sessions);
    lv_build_frames();
    if (!B.port) {
        if (lv_spawn() || lv_wait_port()) {
            if (B.own_mock)
                lv_stop_mock();
            return 3;
        }
        if (!B.bailian_listed)
            fprintf(stderr,
                    "bench_liveai: warning: the mock's banner lists no %s endpoint "
                    "(is the bailian dialect live?)\n",
                    LV_PATH);
    }
    if (!B.quiet) {
        printf("bench_liveai: %s on 127.0.0.1:%d (pid %d): %d sessions x %.0f s, UpdateInfo "
               "%zu bytes (JPEG %zu) at %d fps, PCM %d B / 100 ms, HeartBeat / 1 s\n",
               B.own_mock ? B.parley : "running server", B.port, (int)B.mock_pid, B.sessions,
               B.seconds, B.vlen, B.jpeg_len, B.fps, LV_AUDIO_BYTES);
        fflush(stdout);
    }
    if (lv_context()) {
        lv_stop_mock();
        return 3;
    }
    B.s = pl_xcalloc((size_t)B.sessions, sizeof *B.s);
    B.hb_per_sess = (size_t)lv_slots(K_HB) + 1;
    B.hb_store = pl_xcalloc((size_t)B.sessions * B.hb_per_sess, sizeof *B.hb_store);
    B.cap_lag = (size_t)B.sessions * B.hb_per_sess;
    B.lag_us = pl_xcalloc(B.cap_lag, sizeof *B.lag_us);
    B.lag_off_ms = pl_xcalloc(B.cap_lag, sizeof *B.lag_off_ms);
    B.scratch = pl_xcalloc(B.cap_lag, sizeof *B.scratch);
    B.streaming_left = B.sessions;

    pl_clock_iso8601(pl_clock_wall_us() - 1000000, B.since_iso);
    B.rss0_kib = lv_proc_status("VmRSS:");
    B.cpu0 = lv_proc_cpu();
    getrusage(RUSAGE_SELF, &B.ru0);
    B.t_begin = pl_clock_mono_us();
    B.w_t = B.t_begin;
    B.w_cpu = B.cpu0;
    for (int i = 0; i < B.sessions; i++) {
        lv_sess *s = &B.s[i];
        s->idx = i;
        s->hb_us = B.hb_store + (size_t)i * B.hb_per_sess;
        s->t_at = B.t_begin + (int64_t)B.stagger_ms * 1000 * i / B.sessions;
        lv_schedule(s);
    }
    lws_sul_schedule(B.ctx, 0, &B.tick, lv_tick, LV_TICK_US);
    B.deadline = B.t_begin + (int64_t)B.stagger_ms * 1000 + LV_LISTEN_TIMEOUT_US + B.stream_us +
                 LV_END_GRACE_US + LV_STOP_TIMEOUT_US + LV_CLOSE_WAIT_US + 5000000;
    if (lv_run(lv_all_closed)) {
        fprintf(stderr, "bench_liveai: sessions still open at the deadline; closing them\n");
        for (int i = 0; i < B.sessions; i++)
            if (B.s[i].state != S_CLOSED) {
                lv_fail(&B.s[i], "still open at the deadline%s", "");
                lv_close(&B.s[i]);
            }
        B.deadline = pl_clock_mono_us() + 5000000;
        lv_run(lv_all_closed);
    }
    if (!B.t_streams_over)
        B.t_streams_over = pl_clock_mono_us();
    if (!B.end_sampled)
        lv_sample_end();
    /* the mock's own counts */
    lv_http_get("/_parley/sessions", lv_sessions_done);
    lv_http_get("/_parley/health", lv_health_done);
    B.deadline = pl_clock_mono_us() + 10000000;
    lv_run(lv_http_over);
    long hwm = lv_proc_status("VmHWM:"), rss = lv_proc_status("VmRSS:");
    int keeps = lv_report(hwm, rss);
    fflush(stdout);

    for (int i = 0; i < B.sessions; i++)
        lws_sul_cancel(&B.s[i].sul);
    lws_sul_cancel(&B.tick);
    lws_context_destroy(B.ctx);
    int mrc = lv_stop_mock();
    if (mrc)
        printf("mock exit         %d (want 0 after SIGINT)\n", mrc);
    for (int i = 0; i < B.sessions; i++)
        pl_buf_free(&B.s[i].rx);
    free(B.s);
    free(B.hb_store);
    free(B.lag_us);
    free(B.lag_off_ms);
    free(B.scratch);
    free(B.vtpl);
    free(B.tx);
    pl_buf_free(&B.out);
    pl_buf_free(&B.m_findings);
    return keeps ? 0 : 1;
}
