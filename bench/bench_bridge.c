/* bench_bridge.c — load figures for `parley mock`: N concurrent aicall room-bridge sessions.
 *
 * Starts `parley mock --port 0` itself (posix_spawn, argv, no shell), reads the port from
 * its stdout, and from one libwebsockets client event loop (non-blocking) opens N bridge
 * sessions /aicall/room?room=bench-i&user=u-i at once, waits until every one is joined,
 * then plays R rounds per session of 1105 {enable: true/false alternating} → matching 1007,
 * timing each round trip on the monotonic clock. It prints the sessions opened and the
 * connect time, echoes received/expected, RTT p50/p90/p99/max, messages per second, the
 * mock's RSS (/proc/PID/status VmRSS) before and after, and how long GET /_parley/health
 * takes with every session open; then it closes the sessions, SIGINTs the mock and reaps it.
 * Exit 0 when every session joined and every echo came, 1 when one is missing, 2 on bad
 * usage, 3 when the mock cannot be started. Not a test: tests/e2e/mock_load.sh checks only
 * completeness. See bench/README.md. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <libwebsockets.h>

#include "core/pl_buf.h"
#include "core/pl_clock.h"
#include "mock/pl_http_client.h"

extern char **environ;

#define BENCH_TICK_US (50 * 1000)     /* housekeeping timer */
#define BENCH_RX_MAX (256 * 1024)     /* a bridge frame we accept */
#define BENCH_STOP_WAIT_US 10000000LL /* sessions closing, mock exiting */

typedef enum { S_IDLE, S_CONNECTING, S_JOINED, S_WAIT_ECHO, S_DONE, S_CLOSED } bench_state;

typedef struct {
    struct lws *wsi;
    int idx;
    bench_state state;
    int round;       /* 1105s whose 1007 came */
    int want_send;   /* a 1105 is due at the next WRITEABLE */
    int want_close;  /* close at the next WRITEABLE */
    int expect;      /* the enable value the pending 1007 must carry */
    int64_t sent_us; /* when the pending 1105 went out */
    int close_code;  /* from the peer, or -1 for a connection error */
    pl_buf rx;       /* a frame being reassembled */
} bench_sess;

typedef struct {
    /* options */
    const char *parley, *mock_log;
    int sessions, rounds, parallel;
    int64_t timeout_us;
    /* the mock */
    pid_t pid;
    int out_fd;
    pl_buf out;
    int port;
    /* the loop */
    struct lws_context *ctx;
    lws_sorted_usec_list_t tick;
    bench_sess *s;
    int next, connecting, joined, closed, done_sessions;
    int failed_connect, failed; /* never joined; joined but closed before its rounds ended */
    int64_t t_connect0, t_joined, t_rounds0, t_rounds1, deadline;
    int64_t *rtt;
    size_t nrtt;
    uint64_t msgs;
    const char *first_error;
    char first_error_buf[200];
    /* health */
    int health_done, health_status;
    int64_t health_us;
} bench;

static bench B;

/* ---- the mock process ---------------------------------------------------------------- */

static void bench_raise_nofile(int sessions)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl))
        return;
    rlim_t want = (rlim_t)sessions * 2 + 1024; /* both ends of each session, plus slack */
    if (rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl))
        fprintf(stderr, "bench_bridge: setrlimit(NOFILE, %lu): %s\n", (unsigned long)rl.rlim_cur,
                strerror(errno));
    if (rl.rlim_cur < want)
        fprintf(stderr, "bench_bridge: fd limit %lu < %lu wanted: some sessions may fail\n",
                (unsigned long)rl.rlim_cur, (unsigned long)want);
}

/* posix_spawn: parley mock --port 0, stdout to a pipe, stderr to the log (or /dev/null). */
static int bench_spawn(void)
{
    int pfd[2];
    if (pipe(pfd)) {
        perror("bench_bridge: pipe");
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, pfd[0]);
    posix_spawn_file_actions_addclose(&fa, pfd[1]);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, B.mock_log ? B.mock_log : "/dev/null",
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char *argv[] = {(char *)B.parley, "mock", "--port", "0", NULL};
    int rc = posix_spawnp(&B.pid, B.parley, &fa, NULL, argv, environ); /* PATH if no slash */
    posix_spawn_file_actions_destroy(&fa);
    close(pfd[1]);
    if (rc) {
        fprintf(stderr, "bench_bridge: cannot start %s: %s\n", B.parley, strerror(rc));
        close(pfd[0]);
        return -1;
    }
    B.out_fd = pfd[0];
    fcntl(B.out_fd, F_SETFL, fcntl(B.out_fd, F_GETFL) | O_NONBLOCK);
    return 0;
}

/* Reads what the mock printed; sets B.port once the banner names it. 0 open, -1 EOF. */
static int bench_drain(void)
{
    char buf[4096];
    for (;;) {
        ssize_t n = read(B.out_fd, buf, sizeof buf);
        if (n > 0) {
            if (!B.port)
                pl_buf_append(&B.out, buf, (size_t)n);
            continue;
        }
        if (n == 0)
            return -1;
        break; /* EAGAIN */
    }
    if (!B.port && B.out.data) {
        pl_buf_reserve(&B.out, 1);
        B.out.data[B.out.len] = '\0';
        const char *p = strstr(B.out.data, "listening on ");
        const char *colon = p ? strchr(p + 13, ':') : NULL;
        if (colon && strchr(colon, ' '))
            B.port = atoi(colon + 1);
    }
    return 0;
}

static int bench_wait_port(void)
{
    int64_t until = pl_clock_mono_us() + 10000000;
    while (!B.port && pl_clock_mono_us() < until) {
        if (bench_drain() < 0)
            break;
        usleep(10000);
    }
    if (B.port)
        return 0;
    fprintf(stderr, "bench_bridge: %s mock printed no port:\n%s\n", B.parley,
            B.out.data ? B.out.data : "(nothing)");
    return -1;
}

static long bench_rss_kib(void)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)B.pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kib = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kib;
}

static int bench_stop_mock(void)
{
    kill(B.pid, SIGINT);
    int64_t until = pl_clock_mono_us() + BENCH_STOP_WAIT_US;
    int st = 0;
    while (waitpid(B.pid, &st, WNOHANG) == 0) {
        bench_drain();
        if (pl_clock_mono_us() > until) {
            fprintf(stderr, "bench_bridge: the mock ignored SIGINT; killing it\n");
            kill(B.pid, SIGKILL);
            waitpid(B.pid, &st, 0);
            return -1;
        }
        usleep(10000);
    }
    close(B.out_fd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- sessions ------------------------------------------------------------------------ */

static void bench_error(const char *fmt, int idx, const char *detail)
{
    if (B.first_error)
        return;
    snprintf(B.first_error_buf, sizeof B.first_error_buf, fmt, idx, detail ? detail : "");
    B.first_error = B.first_error_buf;
}

static void bench_connect_one(bench_sess *s)
{
    char path[96];
    snprintf(path, sizeof path, "/aicall/room?room=bench-%d&user=u-%d", s->idx, s->idx);
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = B.ctx;
    ci.address = "127.0.0.1";
    ci.port = B.port;
    ci.path = path;
    ci.host = "127.0.0.1";
    ci.origin = "127.0.0.1";
    ci.ietf_version_or_minus_one = -1;
    ci.local_protocol_name = "bench-bridge";
    ci.userdata = s;
    ci.pwsi = &s->wsi;
    s->state = S_CONNECTING;
    B.connecting++;
    if (!lws_client_connect_via_info(&ci) && s->state == S_CONNECTING) {
        s->state = S_CLOSED;
        B.connecting--;
        B.failed_connect++;
        B.closed++;
        bench_error("session %d: lws_client_connect_via_info failed%s", s->idx, "");
    }
}

/* Keeps at most --parallel handshakes in flight. */
static void bench_connect_more(void)
{
    while (B.next < B.sessions && B.connecting < B.parallel)
        bench_connect_one(&B.s[B.next++]);
}

static void bench_start_rounds(void)
{
    B.t_rounds0 = pl_clock_mono_us();
    for (int i = 0; i < B.sessions; i++) {
        if (B.s[i].state != S_JOINED)
            continue;
        B.s[i].want_send = 1;
        lws_callback_on_writable(B.s[i].wsi);
    }
}

static void bench_session_done(bench_sess *s)
{
    s->state = S_DONE;
    if (++B.done_sessions == B.joined)
        B.t_rounds1 = pl_clock_mono_us();
}

static int bench_send_1105(bench_sess *s)
{
    unsigned char buf[LWS_PRE + 256];
    s->expect = s->round % 2 == 0; /* true, false, true, … */
    char payload[160], *frame = (char *)buf + LWS_PRE;
    snprintf(payload, sizeof payload,
             "{\\\"type\\\":1105,\\\"seqId\\\":%d,\\\"senderId\\\":\\\"u-%d\\\","
             "\\\"receiverId\\\":\\\"\\\",\\\"data\\\":{\\\"enable\\\":%s}}",
             s->round + 1, s->idx, s->expect ? "true" : "false");
    int n =
        snprintf(frame, sizeof buf - LWS_PRE, "{\"op\":\"datachannel\",\"data\":\"%s\"}", payload);
    s->want_send = 0;
    s->state = S_WAIT_ECHO;
    s->sent_us = pl_clock_mono_us();
    if (lws_write(s->wsi, (unsigned char *)frame, (size_t)n, LWS_WRITE_TEXT) < n)
        return -1;
    B.msgs++;
    return 0;
}

/* A 1007 for this session: the round trip counts when it carries the value asked for. */
static void bench_on_payload(bench_sess *s, const cJSON *msg)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(msg, "type");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(msg, "data");
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(data, "enable");
    if (!cJSON_IsNumber(type) || type->valueint != 1007 || !cJSON_IsBool(en))
        return;
    if (s->state != S_WAIT_ECHO || cJSON_IsTrue(en) != s->expect)
        return;
    B.msgs++;
    B.rtt[B.nrtt++] = pl_clock_mono_us() - s->sent_us;
    if (++s->round >= B.rounds) {
        bench_session_done(s);
        return;
    }
    s->want_send = 1;
    lws_callback_on_writable(s->wsi);
}

static void bench_on_frame(bench_sess *s, const char *text, size_t len)
{
    cJSON *f = cJSON_ParseWithLength(text, len);
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(f, "event");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(f, "data");
    if (cJSON_IsString(ev) && !strcmp(ev->valuestring, "joined") && s->state == S_CONNECTING) {
        s->state = S_JOINED;
        B.connecting--;
        if (++B.joined == B.sessions) {
            B.t_joined = pl_clock_mono_us();
            bench_start_rounds();
        }
        bench_connect_more();
    } else if (cJSON_IsString(ev) && !strcmp(ev->valuestring, "datachannel") &&
               cJSON_IsString(data)) {
        cJSON *msg = cJSON_Parse(data->valuestring);
        if (msg)
            bench_on_payload(s, msg);
        cJSON_Delete(msg);
    }
    cJSON_Delete(f);
}

static void bench_on_receive(bench_sess *s, struct lws *wsi, const void *in, size_t len)
{
    if (s->rx.len + len <= BENCH_RX_MAX)
        pl_buf_append(&s->rx, in, len);
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
        return;
    if (s->rx.len)
        bench_on_frame(s, s->rx.data, s->rx.len);
    pl_buf_reset(&s->rx);
}

static void bench_on_gone(bench_sess *s, int code, const char *why)
{
    if (s->state == S_CLOSED)
        return;
    if (s->state == S_CONNECTING) {
        B.connecting--;
        B.failed_connect++;
        bench_error("session %d: could not connect: %s", s->idx, why);
    } else if (s->state != S_DONE && !s->want_close) {
        B.failed++;
        bench_error("session %d: closed before its rounds were done (%s)", s->idx, why);
    }
    s->state = S_CLOSED;
    s->close_code = code;
    s->wsi = NULL;
    B.closed++;
    bench_connect_more();
}

static int bench_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    bench_sess *s = user;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (s)
            bench_on_gone(s, -1, in ? (const char *)in : "connection error");
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        bench_on_receive(s, wsi, in, len);
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (s->want_close) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)"bench done", 10);
            return -1;
        }
        return s->want_send ? bench_send_1105(s) : 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (s && len >= 2)
            s->close_code = ((const unsigned char *)in)[0] << 8 | ((const unsigned char *)in)[1];
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (s)
            bench_on_gone(s, s->close_code, "closed by parley");
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols bench_protocol = {"bench-bridge", bench_cb, 0, 16 * 1024, 0,
                                                    NULL,           0};

/* ---- the loop ------------------------------------------------------------------------ */

static void bench_tick(lws_sorted_usec_list_t *sul)
{
    bench_drain();
    bench_connect_more();
    lws_sul_schedule(B.ctx, 0, sul, bench_tick, BENCH_TICK_US);
}

/* Services the loop until done() is true or the deadline passes; 0 if done. */
static int bench_run(int (*done)(void))
{
    while (!done()) {
        if (pl_clock_mono_us() > B.deadline)
            return -1;
        if (lws_service(B.ctx, 0) < 0)
            return -1;
    }
    return 0;
}

/* Every session joined and played its rounds (or failed); or some never joined, so the
 * rounds never start. */
static int bench_rounds_over(void)
{
    if (B.joined + B.failed_connect < B.sessions)
        return 0;
    return B.joined < B.sessions || B.done_sessions + B.failed >= B.sessions;
}

static int bench_health_over(void)
{
    return B.health_done;
}

static int bench_all_closed(void)
{
    return B.closed >= B.next;
}

static void bench_health_done(void *user, int status, const char *body, size_t len,
                              const char *error)
{
    B.health_us = pl_clock_mono_us() - *(int64_t *)user;
    B.health_status = status;
    B.health_done = 1;
    if (status != 200)
        fprintf(stderr, "bench_bridge: health: %s %.*s\n", error ? error : "", (int)len,
                body ? body : "");
}

static void bench_health(void)
{
    char url[96], err[200];
    static int64_t t0;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/_parley/health", B.port);
    pl_http_request req = {.method = "GET", .url = url, .done = bench_health_done, .user = &t0};
    t0 = pl_clock_mono_us();
    if (pl_http_client_start(B.ctx, &req, err, sizeof err)) {
        fprintf(stderr, "bench_bridge: health: %s\n", err);
        B.health_done = 1;
        B.health_status = -1;
        return;
    }
    B.deadline = pl_clock_mono_us() + 10000000;
    bench_run(bench_health_over);
}

static void bench_close_all(void)
{
    for (int i = 0; i < B.next; i++) {
        bench_sess *s = &B.s[i];
        if (s->state == S_CLOSED || !s->wsi)
            continue;
        s->want_close = 1;
        lws_callback_on_writable(s->wsi);
    }
    B.deadline = pl_clock_mono_us() + BENCH_STOP_WAIT_US;
    bench_run(bench_all_closed);
}

/* ---- report -------------------------------------------------------------------------- */

static int bench_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double bench_pct(double p)
{
    if (!B.nrtt)
        return 0;
    size_t i = (size_t)(p / 100.0 * (double)B.nrtt + 0.999999); /* nearest rank */
    if (i < 1)
        i = 1;
    if (i > B.nrtt)
        i = B.nrtt;
    return (double)B.rtt[i - 1] / 1000.0;
}

static void bench_report(long rss0, long rss1)
{
    size_t expected = (size_t)B.sessions * (size_t)B.rounds;
    qsort(B.rtt, B.nrtt, sizeof *B.rtt, bench_cmp);
    printf("sessions opened   %d/%d joined in %.1f ms (%d could not join, %d closed early)\n",
           B.joined, B.sessions, B.t_joined ? (double)(B.t_joined - B.t_connect0) / 1000.0 : -1.0,
           B.failed_connect, B.failed);
    printf("echoes            %zu/%zu received (1105 -> 1007, %d rounds per session)\n", B.nrtt,
           expected, B.rounds);
    printf("rtt               p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms\n", bench_pct(50),
           bench_pct(90), bench_pct(99), bench_pct(100));
    int64_t end = B.t_rounds1 ? B.t_rounds1 : pl_clock_mono_us();
    double secs = B.t_rounds0 ? (double)(end - B.t_rounds0) / 1e6 : 0;
    printf("throughput        %.0f messages/s (%llu frames: 1105 out + 1007 in, in %.3f s)\n",
           secs > 0 ? (double)B.msgs / secs : 0.0, (unsigned long long)B.msgs, secs);
    printf("mock rss          before %.1f MiB, with %d sessions after the rounds %.1f MiB\n",
           (double)rss0 / 1024.0, B.joined, (double)rss1 / 1024.0);
    if (B.health_status == 200)
        printf("health            GET /_parley/health -> 200 in %.3f ms (sessions open)\n",
               (double)B.health_us / 1000.0);
    else
        printf("health            GET /_parley/health failed (status %d)\n", B.health_status);
    if (B.first_error)
        printf("first error       %s\n", B.first_error);
}

/* ---- main ---------------------------------------------------------------------------- */

static void bench_usage(FILE *f)
{
    fprintf(f, "usage: bench_bridge [--sessions N] [--rounds R] [--parallel K] [--timeout S]\n"
               "                    [--mock-log FILE] [PARLEY]\n"
               "  PARLEY defaults to $PARLEY_BIN, then ./build/parley. N 1000, R 5, K 256\n"
               "  handshakes in flight, S 120 seconds for connect + rounds.\n");
}

static int bench_args(int argc, char **argv)
{
    static const struct option opts[] = {{"sessions", required_argument, NULL, 'n'},
                                         {"rounds", required_argument, NULL, 'r'},
                                         {"parallel", required_argument, NULL, 'p'},
                                         {"timeout", required_argument, NULL, 't'},
                                         {"mock-log", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    B.sessions = 1000;
    B.rounds = 5;
    B.parallel = 256;
    B.timeout_us = 120 * 1000000LL;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            B.sessions = atoi(optarg);
            break;
        case 'r':
            B.rounds = atoi(optarg);
            break;
        case 'p':
            B.parallel = atoi(optarg);
            break;
        case 't':
            B.timeout_us = (int64_t)atoi(optarg) * 1000000;
            break;
        case 'l':
            B.mock_log = optarg;
            break;
        case 'h':
            bench_usage(stdout);
            exit(0);
        default:
            bench_usage(stderr);
            return -1;
        }
    }
    if (B.sessions < 1 || B.rounds < 1 || B.parallel < 1 || B.timeout_us <= 0 ||
        argc - optind > 1) {
        bench_usage(stderr);
        return -1;
    }
    const char *env = getenv("PARLEY_BIN");
    B.parley = optind < argc ? argv[optind] : env && *env ? env : "./build/parley";
    return 0;
}

static int bench_context(void)
{
    static struct lws_protocols protocols[3];
    protocols[0] = bench_protocol;
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
        fprintf(stderr, "bench_bridge: lws_create_context failed\n");
        return -1;
    }
    lws_sul_schedule(B.ctx, 0, &B.tick, bench_tick, BENCH_TICK_US);
    return 0;
}

int main(int argc, char **argv)
{
    if (bench_args(argc, argv))
        return 2;
    signal(SIGPIPE, SIG_IGN);
    bench_raise_nofile(B.sessions);
    if (bench_spawn() || bench_wait_port()) {
        if (B.pid > 0)
            bench_stop_mock();
        return 3;
    }
    printf("bench_bridge: %s mock (pid %d) on 127.0.0.1:%d: %d sessions x %d rounds\n", B.parley,
           (int)B.pid, B.port, B.sessions, B.rounds);
    fflush(stdout);
    if (bench_context()) {
        bench_stop_mock();
        return 3;
    }
    B.s = pl_xcalloc((size_t)B.sessions, sizeof *B.s);
    for (int i = 0; i < B.sessions; i++)
        B.s[i].idx = i;
    B.rtt = pl_xcalloc((size_t)B.sessions * (size_t)B.rounds, sizeof *B.rtt);

    long rss0 = bench_rss_kib();
    B.t_connect0 = pl_clock_mono_us();
    B.deadline = B.t_connect0 + B.timeout_us;
    bench_connect_more();
    if (bench_run(bench_rounds_over))
        fprintf(stderr, "bench_bridge: timed out after %.0f s\n", (double)B.timeout_us / 1e6);
    long rss1 = bench_rss_kib();
    bench_health();
    bench_report(rss0, rss1);
    fflush(stdout);

    bench_close_all();
    lws_sul_cancel(&B.tick);
    lws_context_destroy(B.ctx);
    int mrc = bench_stop_mock();
    if (mrc)
        printf("mock exit         %d (want 0 after SIGINT)\n", mrc);
    int complete = B.joined == B.sessions && B.nrtt == (size_t)B.sessions * (size_t)B.rounds;
    for (int i = 0; i < B.sessions; i++)
        pl_buf_free(&B.s[i].rx);
    free(B.s);
    free(B.rtt);
    pl_buf_free(&B.out);
    return complete && B.health_status == 200 && mrc == 0 ? 0 : 1;
}
