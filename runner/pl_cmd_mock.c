/* pl_cmd_mock.c — `parley mock`: run the mock agent server until Ctrl-C.
 *
 * Loads the profile (--profile, validated; exit 2 with file:line:col when it is wrong)
 * and the message catalog, starts the server, prints the URLs to use, and serves until
 * SIGINT/SIGTERM. On the way out it closes every session, writes --junit (the findings
 * of every session) and flushes the trace.
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
#include "mock/pl_catalog.h"
#include "mock/pl_dialect.h"
#include "mock/pl_http_client.h"
#include "mock/pl_profile.h"
#include "mock/pl_server.h"
#include "mock/pl_sessions.h"
#include "reports/pl_report_sessions.h"
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
               "  --profile FILE    behaviour settings, YAML or JSON (docs/profile.md)\n"
               "  --junit FILE      on exit, write every session's findings as JUnit XML\n"
               "  --self-check      start, fetch /_parley/health through the loop, stop;\n"
               "                    exit 0 if healthy, 3 if not\n"
               "  -h, --help        this text\n"
               "\n"
               "endpoints: room bridges /<dialect>/room?room=R&user=U (docs/bridge.md), driver\n"
               "channel /_parley/driver (docs/driver.md), admin API /_parley/ (docs/admin.md)\n"
               "exit codes: 0 clean stop, 2 bad usage or bad profile, 3 cannot listen or\n"
               "self-check failed\n");
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

/* The URLs to use, one per line, so a person can copy them and a script can parse them. */
static void pl_mock_banner(pl_server *s, const pl_profile *profile)
{
    const char *http = pl_server_tls(s) ? "https" : "http", *ws = pl_server_tls(s) ? "wss" : "ws";
    const char *h = pl_server_host(s);
    int port = pl_server_port(s);
    printf("parley mock %s listening on %s:%d (profile %s)\n", PARLEY_VERSION, h, port,
           pl_profile_path(profile));
    for (const pl_dialect *const *d = pl_dialect_all(); *d; d++) {
        if (!pl_dialect_live(*d))
            continue;
        if ((*d)->bridge_op)
            printf("  %-8s room bridge: %s://%s:%d/%s/room?room=ROOM&user=USER\n", (*d)->id, ws,
                   h, port, (*d)->id);
        if ((*d)->ws_path)
            printf("  %-8s websocket:   %s://%s:%d%s\n", (*d)->id, ws, h, port, (*d)->ws_path);
    }
    printf("  driver:  %s://%s:%d/_parley/driver\n"
           "  admin:   %s://%s:%d/_parley/  (sessions, journal, push)\n"
           "  health:  %s://%s:%d/_parley/health\n",
           ws, h, port, http, h, port, http, h, port);
    fflush(stdout);
}

/* Closes the sessions (so their end-of-session rules run) and writes the JUnit report. */
static void pl_mock_finish(pl_server *s, const char *junit_path, const char *profile_path)
{
    pl_server_stop(s);
    if (!junit_path)
        return;
    char err[512];
    if (pl_report_sessions_junit(pl_server_sessions(s), junit_path, profile_path, err,
                                 sizeof err))
        pl_error("mock: --junit: %s", err);
    else
        pl_info("mock: findings written to %s", junit_path);
}

int pl_cmd_mock(int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'}, {"port", required_argument, NULL, 'p'},
        {"cert", required_argument, NULL, 'c'},   {"key", required_argument, NULL, 'k'},
        {"trace", required_argument, NULL, 't'},  {"self-check", no_argument, NULL, 's'},
        {"profile", required_argument, NULL, 'P'}, {"junit", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    pl_server_opts so = {.listen = "127.0.0.1", .port = 8765};
    int self_check = 0, c;
    const char *profile_path = NULL, *junit_path = NULL;
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
        case 'P': profile_path = optarg; break;
        case 'j': junit_path = optarg; break;
        case 'h': pl_mock_help(stdout); return PL_EXIT_OK;
        default:
            return pl_cli_usage_error("mock", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return pl_cli_usage_error("mock", "unexpected argument '%s'", argv[optind]);
    if ((so.cert == NULL) != (so.key == NULL))
        return pl_cli_usage_error("mock", "TLS needs both --cert and --key");

    char err[1024];
    pl_profile *profile = profile_path
                              ? pl_profile_load(profile_path, pl_cli_schema_root(), err, sizeof err)
                              : pl_profile_new_default();
    if (!profile) {
        fprintf(stderr, "parley mock: %s\n", err);
        return PL_EXIT_USAGE;
    }
    pl_catalog *catalog = pl_catalog_load(pl_cli_schema_root(), err, sizeof err);
    if (!catalog) {
        pl_error("mock: message catalog: %s", err);
        pl_profile_free(profile);
        return PL_EXIT_HARNESS;
    }
    so.profile = profile;
    so.catalog = catalog;
    pl_signal_install();
    pl_server *s = pl_server_new(&so, err, sizeof err);
    if (!s) {
        pl_error("mock: %s", err);
        pl_catalog_free(catalog);
        pl_profile_free(profile);
        return PL_EXIT_HARNESS;
    }
    pl_mock_banner(s, profile);

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
    pl_mock_finish(s, junit_path, profile_path);
    pl_server_free(s);
    pl_catalog_free(catalog);
    pl_profile_free(profile);
    return rc;
}
