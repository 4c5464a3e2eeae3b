/* rc_main.c — the refclient's entry point: options and environment into rc_cfg, the lws
 * context, the driver channel, the event loop, signals and exit codes.
 *
 *   0  the driver channel was closed by parley, or SIGTERM/SIGINT (clean shutdown)
 *   2  bad usage
 *   3  the driver channel could not be opened, or was lost without a close frame */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"
#include "rc_aicall.h"
#include "rc_bailian.h"
#include "rc_bugs.h"
#include "rc_driver.h"
#include "rc_trtc.h"
#include "rc_trtc_sign.h"
#include "rc_volc.h"
#include "rc_volc_sign.h"
#include "rc_ws.h"

#define RC_EXIT_OK 0
#define RC_EXIT_USAGE 2
#define RC_EXIT_CONNECT 3
#define RC_DRAIN_US 500000 /* time for the close frames on the way out */
#define RC_DEFAULT_API_KEY "sk-parley-test"
/* trtc: the defaults of docs/dev/trtc-spec.md (the built-in profile's trtc: section) */
#define RC_DEFAULT_SECRET_ID "AKIDparleyEXAMPLE"
#define RC_DEFAULT_SECRET_KEY "parleySecretKeyEXAMPLE"
#define RC_DEFAULT_CALLBACK_KEY "parleycallbackkey0123456789abcde"
#define RC_MAX_NO_ACTIONS 64

static volatile sig_atomic_t rc_signal_got;

static void rc_on_signal(int sig)
{
    if (rc_signal_got) /* a second signal: stop now */
        _exit(128 + sig);
    rc_signal_got = sig;
}

static void rc_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = rc_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

static void rc_help(FILE *f)
{
    fprintf(f,
            "usage: refclient [options]\n"
            "\n"
            "parley's reference client: a small app around models of four SDKs, the Alibaba\n"
            "AICallKit Web SDK (aliyun-auikit-aicall 2.10, dialect aicall, over the room bridge),\n"
            "the DashScope MultiModalDialog (dialect bailian, its native WebSocket), a TRTC app\n"
            "with its business backend (dialect trtc: the room bridge, the signed cloud API, an\n"
            "HTTP server for callbacks, LLM and TTS) and a Volcengine RTC app with its backend\n"
            "(dialect volc: the room bridge, the V4-signed OpenAPI). It connects to parley's\n"
            "driver channel, says hello, and runs the drive commands it gets against PARLEY_URL\n"
            "(docs/refclient.md).\n"
            "\n"
            "environment (set by `parley run --client`, docs/driver.md):\n"
            "  PARLEY_DRIVER_URL   the driver channel, ws://127.0.0.1:8765/_parley/driver\n"
            "  PARLEY_URL          aicall: the room bridge, ws://…/aicall/room?room=R&user=U;\n"
            "                      bailian: ws://…/api-ws/v1/inference[?parley_session=S];\n"
            "                      trtc: ws://…/trtc/room?room=R&user=U (the cloud API is its\n"
            "                      origin, http://…/)\n"
            "  PARLEY_SESSION      the session tag for hello (default: the room= or the\n"
            "                      parley_session= of PARLEY_URL)\n"
            "  PARLEY_SCENARIO     the scenario id, for the logs\n"
            "  DASHSCOPE_API_KEY   bailian: the API key (default " RC_DEFAULT_API_KEY ")\n"
            "  TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY\n"
            "                      trtc: the TC3 credentials (default " RC_DEFAULT_SECRET_ID ",\n"
            "                      " RC_DEFAULT_SECRET_KEY ")\n"
            "  TRTC_CALLBACK_KEY   trtc: the callback signing key (default\n"
            "                      " RC_DEFAULT_CALLBACK_KEY ")\n"
            "  VOLC_ACCESSKEY, VOLC_SECRETKEY\n"
            "                      volc (PARLEY_URL ws://…/volc/room?room=R&user=U, the\n"
            "                      OpenAPI at its origin): the V4 credentials (default\n"
            "                      " RC_VOLC_DEFAULT_ACCESS_KEY ",\n"
            "                      " RC_VOLC_DEFAULT_SECRET_KEY ")\n"
            "\n"
            "options:\n"
            "  --driver URL        instead of PARLEY_DRIVER_URL\n"
            "  --url URL           instead of PARLEY_URL\n"
            "  --session S         instead of PARLEY_SESSION\n"
            "  --api-key KEY       instead of DASHSCOPE_API_KEY\n"
            "  --secret-id ID      instead of TENCENTCLOUD_SECRET_ID\n"
            "  --secret-key KEY    instead of TENCENTCLOUD_SECRET_KEY (VOLC_SECRETKEY with a\n"
            "                      /volc/ URL)\n"
            "  --access-key AK     instead of VOLC_ACCESSKEY\n"
            "  --app-id ID         volc: the AppId of the OpenAPI bodies (default\n"
            "                      " RC_VOLC_DEFAULT_APP_ID ")\n"
            "  --callback-key KEY  instead of TRTC_CALLBACK_KEY\n"
            "  --bug NAME          break one behaviour on purpose (repeatable; --list-bugs)\n"
            "  --list-bugs         print the bug names and what each breaks\n"
            "  --no-action NAME    leave an action out of hello (repeatable)\n"
            "  -v, --verbose       log every frame to stderr\n"
            "  --self-test         check the TC3 signer, the callback Sign and the V4 signer\n"
            "                      against known vectors, then exit (0: all match)\n"
            "  --version           print the version\n"
            "  -h, --help          this text\n"
            "\n"
            "actions:\n");
    rc_actions_list(f);
    rc_volc_actions_list(f);
    fprintf(f, "\nexit codes: 0 driver channel closed or SIGTERM/SIGINT, 2 bad usage,\n"
               "3 cannot connect to (or lost) the driver channel\n");
}

static int rc_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "refclient: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(refclient --help for usage)\n");
    return RC_EXIT_USAGE;
}

static const char *rc_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* Options and environment into rc_cfg. -1: go on; otherwise the exit code. room receives the
 * room of the bridge URL (hello.session falls back to it). */
static int rc_parse_args(int argc, char **argv, char *room, size_t roomlen)
{
    static const struct option opts[] = {
        {"driver", required_argument, NULL, 'd'},
        {"url", required_argument, NULL, 'u'},
        {"session", required_argument, NULL, 's'},
        {"bug", required_argument, NULL, 'b'},
        {"list-bugs", no_argument, NULL, 'L'},
        {"no-action", required_argument, NULL, 'n'},
        {"verbose", no_argument, NULL, 'v'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {"api-key", required_argument, NULL, 'k'},
        {"secret-id", required_argument, NULL, 'I'},
        {"secret-key", required_argument, NULL, 'K'},
        {"callback-key", required_argument, NULL, 'C'},
        {"self-test", no_argument, NULL, 'T'},
        {"access-key", required_argument, NULL, 'A'},
        {"app-id", required_argument, NULL, 'P'},
        {NULL, 0, NULL, 0},
    };
    const char *no_action[RC_MAX_NO_ACTIONS];
    int n_no_action = 0;
    rc_cfg.driver_url = rc_env("PARLEY_DRIVER_URL");
    rc_cfg.bridge_url = rc_env("PARLEY_URL");
    rc_cfg.session = rc_env("PARLEY_SESSION");
    rc_cfg.scenario = rc_env("PARLEY_SCENARIO");
    rc_cfg.api_key = rc_env("DASHSCOPE_API_KEY");
    rc_cfg.secret_id = rc_env("TENCENTCLOUD_SECRET_ID");
    rc_cfg.secret_key = rc_env("TENCENTCLOUD_SECRET_KEY");
    rc_cfg.callback_key = rc_env("TRTC_CALLBACK_KEY");
    rc_cfg.access_key = rc_env("VOLC_ACCESSKEY");
    rc_cfg.volc_secret = rc_env("VOLC_SECRETKEY");
    opterr = 0;
    int c, i;
    while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            rc_cfg.driver_url = optarg;
            break;
        case 'u':
            rc_cfg.bridge_url = optarg;
            break;
        case 's':
            rc_cfg.session = optarg;
            break;
        case 'k':
            rc_cfg.api_key = optarg;
            break;
        case 'I':
            rc_cfg.secret_id = optarg;
            break;
        case 'K': /* trtc's or volc's, whichever the URL makes this app */
            rc_cfg.secret_key = rc_cfg.volc_secret = optarg;
            break;
        case 'A':
            rc_cfg.access_key = optarg;
            break;
        case 'P':
            rc_cfg.app_id = optarg;
            break;
        case 'C':
            rc_cfg.callback_key = optarg;
            break;
        case 'T': /* both, always */
            i = rc_trtc_sign_self_test(stdout);
            return rc_volc_sign_self_test(stdout) || i ? 1 : RC_EXIT_OK;
        case 'v':
            rc_cfg.verbose = 1;
            break;
        case 'b':
            if ((i = rc_bug_find(optarg)) < 0) {
                fprintf(stderr, "refclient: unknown bug '%s'; the bugs are:\n", optarg);
                rc_bugs_list(stderr);
                return RC_EXIT_USAGE;
            }
            rc_cfg.bugs |= (uint64_t)1 << i;
            break;
        case 'n': /* looked up once the URL says which app this is */
            if (n_no_action == RC_MAX_NO_ACTIONS)
                return rc_usage_error("too many --no-action options%s", "");
            no_action[n_no_action++] = optarg;
            break;
        case 'L':
            rc_bugs_list(stdout);
            return RC_EXIT_OK;
        case 'V':
            printf("%s %s\n", RC_CLIENT_NAME, RC_VERSION);
            return RC_EXIT_OK;
        case 'h':
            rc_help(stdout);
            return RC_EXIT_OK;
        default:
            return rc_usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return rc_usage_error("unexpected argument '%s'", argv[optind]);

    char host[256], path[2048];
    int tls, port;
    if (!rc_cfg.driver_url)
        return rc_usage_error("no driver URL: set PARLEY_DRIVER_URL or use --driver%s", "");
    if (rc_ws_parse_url(rc_cfg.driver_url, &tls, host, sizeof host, &port, path, sizeof path))
        return rc_usage_error("bad driver URL '%s' (want ws://host:port/path)", rc_cfg.driver_url);
    if (!rc_cfg.api_key || !*rc_cfg.api_key)
        rc_cfg.api_key = RC_DEFAULT_API_KEY;
    if (!rc_cfg.secret_id || !*rc_cfg.secret_id)
        rc_cfg.secret_id = RC_DEFAULT_SECRET_ID;
    if (!rc_cfg.secret_key || !*rc_cfg.secret_key)
        rc_cfg.secret_key = RC_DEFAULT_SECRET_KEY;
    if (!rc_cfg.callback_key || !*rc_cfg.callback_key)
        rc_cfg.callback_key = RC_DEFAULT_CALLBACK_KEY;
    if (!rc_cfg.access_key || !*rc_cfg.access_key)
        rc_cfg.access_key = RC_VOLC_DEFAULT_ACCESS_KEY;
    if (!rc_cfg.volc_secret || !*rc_cfg.volc_secret)
        rc_cfg.volc_secret = RC_VOLC_DEFAULT_SECRET_KEY;
    if (!rc_cfg.app_id || !*rc_cfg.app_id)
        rc_cfg.app_id = RC_VOLC_DEFAULT_APP_ID;
    if (rc_cfg.bridge_url) {
        char user[300];
        if (rc_ws_parse_url(rc_cfg.bridge_url, &tls, host, sizeof host, &port, path, sizeof path))
            return rc_usage_error("bad URL '%s' (want ws://host:port/aicall/room?…, "
                                  "ws://host:port/trtc/room?…, ws://host:port/volc/room?… or "
                                  "ws://host:port/api-ws/v1/inference)",
                                  rc_cfg.bridge_url);
        rc_cfg.trtc = strncmp(path, "/trtc/", 6) == 0;
        rc_cfg.volc = strncmp(path, "/volc/", 6) == 0;
        /* a room bridge URL (aicall, trtc, volc) names our user; the bailian endpoint none */
        if ((strncmp(path, "/aicall/", 8) == 0 || rc_cfg.trtc || rc_cfg.volc) &&
            (rc_ws_url_param(rc_cfg.bridge_url, "user", user, sizeof user) || strlen(user) > 256))
            return rc_usage_error("the bridge URL '%s' needs user=U (1-256 bytes)",
                                  rc_cfg.bridge_url);
        if ((rc_cfg.trtc || rc_cfg.volc) &&
            (rc_ws_url_param(rc_cfg.bridge_url, "room", user, sizeof user) || strlen(user) > 256))
            return rc_usage_error("the trtc or volc URL '%s' needs room=R (1-256 bytes)",
                                  rc_cfg.bridge_url);
        if (!rc_cfg.session && (!rc_ws_url_param(rc_cfg.bridge_url, "room", room, roomlen) ||
                                !rc_ws_url_param(rc_cfg.bridge_url, "parley_session", room,
                                                 roomlen)))
            rc_cfg.session = room;
    }
    for (int k = 0; k < n_no_action; k++) {
        i = rc_cfg.volc ? rc_volc_action_find(no_action[k]) : rc_action_find(no_action[k]);
        if (i < 0) {
            fprintf(stderr, "refclient: unknown action '%s'%s; the actions are:\n", no_action[k],
                    rc_cfg.trtc   ? " (a trtc URL: only the trtc actions)"
                    : rc_cfg.volc ? " (a volc URL: only the volc actions)"
                                  : "");
            if (rc_cfg.volc)
                rc_volc_actions_list(stderr);
            else
                rc_actions_list(stderr);
            return RC_EXIT_USAGE;
        }
        rc_cfg.no_actions |= (uint64_t)1 << i;
    }
    return -1;
}

/* The volc app's hello: volc and its actions. */
static cJSON *rc_volc_hello(void)
{
    cJSON *h = cJSON_CreateObject();
    cJSON_AddStringToObject(h, "client", RC_CLIENT_NAME);
    cJSON_AddStringToObject(h, "version", RC_VERSION);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(h, "dialects"), cJSON_CreateString("volc"));
    cJSON_AddItemToObject(h, "actions", rc_volc_actions_hello(rc_cfg.no_actions));
    if (rc_cfg.session)
        cJSON_AddStringToObject(h, "session", rc_cfg.session);
    return h;
}

/* A trtc app announces trtc alone, with the endpoints of its HTTP server (the business
 * backend: callbacks, custom LLM, custom TTS); a volc app volc alone; the others aicall and
 * bailian. */
static cJSON *rc_hello(const rc_app *app)
{
    if (rc_cfg.volc)
        return rc_volc_hello();
    cJSON *h = cJSON_CreateObject();
    cJSON_AddStringToObject(h, "client", RC_CLIENT_NAME);
    cJSON_AddStringToObject(h, "version", RC_VERSION);
    cJSON *dialects = cJSON_AddArrayToObject(h, "dialects");
    if (app->trtc) {
        cJSON_AddItemToArray(dialects, cJSON_CreateString("trtc"));
    } else {
        cJSON_AddItemToArray(dialects, cJSON_CreateString("aicall"));
        cJSON_AddItemToArray(dialects, cJSON_CreateString("bailian"));
    }
    cJSON_AddItemToObject(h, "actions", rc_actions_hello(rc_cfg.no_actions));
    if (rc_cfg.session)
        cJSON_AddStringToObject(h, "session", rc_cfg.session);
    if (app->trtc)
        cJSON_AddItemToObject(h, "endpoints", rc_trtc_endpoints(app->trtc));
    return h;
}

static void rc_log_start(void)
{
    char bugs[512];
    rc_bugs_names(rc_cfg.bugs, bugs, sizeof bugs);
    rc_log("%s %s: driver %s, url %s, session %s%s%s%s%s", RC_CLIENT_NAME, RC_VERSION,
           rc_cfg.driver_url, rc_cfg.bridge_url ? rc_cfg.bridge_url : "(none)",
           rc_cfg.session ? rc_cfg.session : "(none)", rc_cfg.scenario ? ", scenario " : "",
           rc_cfg.scenario ? rc_cfg.scenario : "", bugs[0] ? ", BUGS ON: " : "", bugs);
}

/* Runs until parley closes the channel or a signal comes; returns the exit code. */
static int rc_run(rc_net *net, rc_driver *d)
{
    while (!rc_signal_got) {
        rc_driver_state st = rc_driver_get_state(d);
        if (st != RC_DRIVER_CONNECTING && st != RC_DRIVER_OPEN)
            break;
        if (rc_net_service(net) < 0) {
            rc_log("the event loop failed");
            return RC_EXIT_CONNECT;
        }
    }
    if (rc_signal_got) {
        rc_log("signal %d: stopping", (int)rc_signal_got);
        return RC_EXIT_OK;
    }
    return rc_driver_get_state(d) == RC_DRIVER_CLOSED ? RC_EXIT_OK : RC_EXIT_CONNECT;
}

int main(int argc, char **argv)
{
    char room[300] = "", err[512];
    if (rc_action_count() > 64) { /* rc_cfg.no_actions is a 64-bit mask */
        fprintf(stderr, "refclient: %d actions, at most 64\n", rc_action_count());
        return RC_EXIT_USAGE;
    }
    int rc = rc_parse_args(argc, argv, room, sizeof room);
    if (rc >= 0)
        return rc;
    rc_signals_install();
    rc_log_start();

    rc_net *net = rc_net_new(err, sizeof err);
    if (!net) {
        rc_log("%s", err);
        return RC_EXIT_CONNECT;
    }
    rc_app app = {rc_aicall_new(net, rc_cfg.bridge_url),
                  rc_bailian_new(net, rc_cfg.bridge_url, rc_cfg.api_key), NULL};
    static const rc_driver_ops driver_ops = {rc_app_drive};
    static const rc_driver_ops volc_driver_ops = {rc_volc_on_drive};
    const rc_volc_creds creds = {rc_cfg.access_key, rc_cfg.volc_secret, rc_cfg.app_id};
    rc_volc *volc = NULL; /* a volc app gets every drive command */
    rc_driver *d = NULL;
    /* a trtc app's HTTP server listens before hello, which names its URLs */
    if (rc_cfg.trtc && !(app.trtc = rc_trtc_new(net, rc_cfg.bridge_url, err, sizeof err))) {
        rc_log("trtc: %s", err);
        rc = RC_EXIT_CONNECT;
    } else if (rc_cfg.volc &&
               !(volc = rc_volc_new(net, rc_cfg.bridge_url, &creds, err, sizeof err))) {
        rc_log("volc: %s", err);
        rc = RC_EXIT_CONNECT;
    } else if (!(d = rc_driver_open(net, rc_cfg.driver_url, rc_hello(&app),
                                    volc ? &volc_driver_ops : &driver_ops,
                                    volc ? (void *)volc : (void *)&app, err, sizeof err))) {
        rc_log("driver: %s", err);
        rc = RC_EXIT_CONNECT;
    } else {
        rc_aicall_set_driver(app.aicall, d);
        rc_bailian_set_driver(app.bailian, d);
        if (app.trtc)
            rc_trtc_set_driver(app.trtc, d);
        if (volc)
            rc_volc_set_driver(volc, d);
        rc = rc_run(net, d);
    }

    /* Clean shutdown: the bridge, the dialog and the driver channel close (their queues go out
     * first), lws gets a moment for the close frames, then everything is freed. */
    rc_aicall_free(app.aicall);
    rc_bailian_free(app.bailian);
    rc_trtc_free(app.trtc);
    rc_volc_free(volc);
    rc_driver_free(d, rc_signal_got ? 1001 : 1000);
    int64_t deadline = rc_now_us() + RC_DRAIN_US;
    while (rc_net_live(net) && rc_now_us() < deadline)
        if (rc_net_service(net) < 0)
            break;
    rc_net_free(net);
    rc_log("exit %d", rc);
    return rc;
}
