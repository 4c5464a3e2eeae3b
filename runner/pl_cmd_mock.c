/* pl_cmd_mock.c — `parley mock`: run the mock agent server until Ctrl-C.
 *
 * --self-check starts the server on the given (or a free) port, fetches its own
 * /_parley/health through the same event loop, and exits 0 if the answer is a
 * healthy JSON document — the smoke test `make demo` runs. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/pl_clock.h"
#include "core/pl_log.h"
#include "core/pl_signal.h"
#include "mock/pl_http_client.h"
#include "mock/pl_server.h"
#include "runner/pl_cli.h"

#define PL_SELF_CHECK_TIMEOUT_US (30 * 1000000LL)

static void pl_mock_help(FILE *f)
{
    fprintf(f, "usage: parley mock [options]\n"
               "\n"
               "Runs the mock agent: HTTP and WebSocket on one port, one event loop. It prints\n"
               "the URLs to use and runs until Ctrl-C (SIGINT) or SIGTERM, then flushes the\n"
               "trace and exits 0.\n"
               "\n"
               "options:\n"
               "  --listen ADDR     interface to listen on (default 127.0.0.1; use 0.0.0.0 to\n"
               "                    accept other machines — think before you do)\n"
               "  --port N          port (default 8765; 0 picks a free port)\n"
               "  --cert FILE       TLS certificate (PEM); needs --key\n"
               "  --key FILE        TLS private key (PEM)\n"
               "  --trace FILE      write every event as JSONL (docs/trace.md)\n"
               "  --self-check      start, fetch /_parley/health through the loop, stop;\n"
               "                    exit 0 if healthy, 3 if not\n"
               "  -h, --help        this text\n"
               "\n"
               "endpoints: GET /_parley/health\n"
               "exit codes: 0 clean stop, 2 bad usage, 3 cannot listen or self-check failed\n");
}

typedef struct {
    int done;
    int ok;
} pl_self_check;

static void pl_self_check_done(void *user, int status, const char *body, size_t len,
                               const char *error)
{
    pl_self_check *sc = user;
    sc->done = 1;
    if (status != 200) {
        pl_error("self-check: GET /_parley/health: %s (status %d)", error ? error : "bad status",
                 status);
        return;
    }
    cJSON *doc = cJSON_ParseWithLength(body, len);
    sc->ok = doc && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "ok"));
    if (!sc->ok)
        pl_error("self-check: unexpected health document: %.*s", (int)len, body);
    else
        printf("self-check: GET /_parley/health -> 200 %.*s\n", (int)len, body);
    cJSON_Delete(doc);
}

static int pl_mock_self_check(pl_server *s)
{
    char url[256], err[256];
    snprintf(url, sizeof url, "%s://%s:%d/_parley/health", pl_server_tls(s) ? "https" : "http",
             pl_server_host(s), pl_server_port(s));
    pl_self_check sc = {0, 0};
    /* Our own certificate may well be self-signed: the probe accepts it. */
    pl_http_request req = {.method = "GET", .url = url, .insecure = 1,
                           .done = pl_self_check_done, .user = &sc};
    if (pl_http_client_start(pl_server_context(s), &req, err, sizeof err)) {
        pl_error("self-check: %s", err);
        return PL_EXIT_HARNESS;
    }
    int64_t deadline = pl_clock_mono_us() + PL_SELF_CHECK_TIMEOUT_US;
    while (!sc.done && !pl_signal_pending() && pl_clock_mono_us() < deadline)
        if (pl_server_service(s) < 0)
            break;
    if (!sc.done)
        pl_error("self-check: no answer from %s", url);
    return sc.ok ? PL_EXIT_OK : PL_EXIT_HARNESS;
}

int pl_cmd_mock(int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'}, {"port", required_argument, NULL, 'p'},
        {"cert", required_argument, NULL, 'c'},   {"key", required_argument, NULL, 'k'},
        {"trace", required_argument, NULL, 't'},  {"self-check", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    pl_server_opts so = {.listen = "127.0.0.1", .port = 8765};
    int self_check = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'l': so.listen = optarg; break;
        case 'p': {
            char *end;
            long p = strtol(optarg, &end, 10);
            if (*end || p < 0 || p > 65535)
                return pl_cli_usage_error("mock", "--port wants 0..65535, got '%s'", optarg);
            so.port = (int)p;
            break;
        }
        case 'c': so.cert = optarg; break;
        case 'k': so.key = optarg; break;
        case 't': so.trace_path = optarg; break;
        case 's': self_check = 1; break;
        case 'h': pl_mock_help(stdout); return PL_EXIT_OK;
        default:
            return pl_cli_usage_error("mock", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return pl_cli_usage_error("mock", "unexpected argument '%s'", argv[optind]);
    if ((so.cert == NULL) != (so.key == NULL))
        return pl_cli_usage_error("mock", "TLS needs both --cert and --key");

    char err[512];
    pl_signal_install();
    pl_server *s = pl_server_new(&so, err, sizeof err);
    if (!s) {
        pl_error("mock: %s", err);
        return PL_EXIT_HARNESS;
    }
    const char *http = pl_server_tls(s) ? "https" : "http";
    printf("parley mock %s listening on %s:%d\n"
           "  health:  %s://%s:%d/_parley/health\n",
           PARLEY_VERSION, pl_server_host(s), pl_server_port(s), http, pl_server_host(s),
           pl_server_port(s));
    fflush(stdout);

    int rc = PL_EXIT_OK;
    if (self_check) {
        rc = pl_mock_self_check(s);
    } else {
        while (!pl_signal_pending())
            if (pl_server_service(s) < 0)
                break;
        if (pl_signal_pending())
            pl_info("mock: signal %d, stopping", pl_signal_pending());
    }
    pl_server_free(s);
    return rc;
}
