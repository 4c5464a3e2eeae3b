/* pl_cmd_run.c — `parley run PATH…`: the scenario runner's command line (DESIGN §4–§7).
 *
 * Loads and checks every scenario first (any error: all of them printed as
 * file:line:col, exit 2, nothing runs), applies --filter, answers --list / --dry-run, then
 * starts the mock server on a free port of 127.0.0.1 and the engine on its event loop,
 * keeps up to --jobs scenarios running, prints one progress line per scenario and a
 * summary, and writes --junit and --trace. SIGINT/SIGTERM end the running scenarios as
 * errors, report the ones not started as skipped, and still write the reports.
 *
 * Exit codes (DESIGN §6): 0 every scenario passed (NON-STRICT and skipped included),
 * 1 a scenario failed, 2 bad usage or a bad scenario, 3 a harness error (a client that
 * would not start or crashed, port in use, interrupted) and nothing failed. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/pl_buf.h"
#include "core/pl_clock.h"
#include "core/pl_log.h"
#include "core/pl_signal.h"
#include "mock/pl_catalog.h"
#include "mock/pl_profile.h"
#include "mock/pl_server.h"
#include "reports/pl_report_run.h"
#include "runner/pl_cli.h"
#include "runner/pl_engine.h"
#include "runner/pl_scenario.h"

#define PL_RUN_MAX_FILTERS 64

static void pl_run_help(FILE *f)
{
    fprintf(f,
            "usage: parley run [options] [PATH...]\n"
            "\n"
            "Runs scenario files, or every *.yaml under folders (default: the built-in suite),\n"
            "against a client under test. Every scenario is checked first: any error is\n"
            "printed as file:line:col and nothing runs (exit 2).\n"
            "\n"
            "client:\n"
            "  --client CMD         start CMD (split like a shell would, never run by one) for\n"
            "                       each scenario, with PARLEY_URL, PARLEY_DRIVER_URL,\n"
            "                       PARLEY_SESSION and PARLEY_SCENARIO set (docs/driver.md)\n"
            "  --client-connect     wait for an app that connects by itself (one at a time)\n"
            "  --prompt             run manual (prompt) steps, asking on this terminal\n"
            "role client (parley plays the client; docs/scenarios.md):\n"
            "  --target URL         the server: ws[s]://host[:port][/path] (a scenario's\n"
            "                       `target: /path` is joined to its origin); 'self': this\n"
            "                       run's own mock (a self-test of the client-role suite)\n"
            "  --api-key-env NAME   environment variable with the API key, sent as\n"
            "                       Authorization: Bearer KEY (default DASHSCOPE_API_KEY)\n"
            "  --insecure           wss: accept self-signed, expired or mismatched certificates\n"
            "selection:\n"
            "  --filter GLOB        only scenario ids matching GLOB (repeatable)\n"
            "  --list               print the selected scenario ids and titles, run nothing\n"
            "  --dry-run            print what would run (and what would be skipped), run nothing\n"
            "execution:\n"
            "  --jobs N             scenarios running at the same time (default 1)\n"
            "  --seed N             seed for fault probabilities (default: from the clock;\n"
            "                       printed, and written to the report)\n"
            "  --timeout-scale F    multiply every window and timeout by F (slow machines)\n"
            "  --strict             should-level problems fail (default: NON-STRICT, a pass)\n"
            "  --profile FILE       mock profile (docs/profile.md)\n"
            "  --listen ADDR        interface for parley's server (default 127.0.0.1)\n"
            "  --port N             its port (default 0: any free port)\n"
            "reports:\n"
            "  --junit FILE         JUnit XML (written atomically, also on Ctrl-C)\n"
            "  --trace FILE         JSONL trace of everything (docs/trace.md)\n"
            "  --quiet              progress lines only, no failure details\n"
            "\n"
            "Exit: 0 all passed, 1 a scenario failed, 2 bad usage or scenario, 3 harness error.\n"
            "Scenario format: docs/scenarios.md.\n");
}

typedef struct {
    const char *client_cmd, *junit, *trace, *profile, *listen;
    const char *filters[PL_RUN_MAX_FILTERS];
    size_t nfilters;
    int client_connect, prompt, list, dry_run, strict, quiet, port, insecure;
    const char *target, *api_key_env;
    long jobs;
    double scale;
    uint64_t seed;
    int seed_set;
} pl_run_args;

typedef struct {
    pl_run_args *a;
    pl_scenario_set *set;
    pl_report_run *rep;
    size_t total, started, finished;
    size_t pass, nonstrict, fail, skip, error;
    char *reported; /* per scenario: 1 once its result is in the report */
    int color;
} pl_run_state;

/* ---- arguments ------------------------------------------------------------------------ */

static int pl_run_parse(int argc, char **argv, pl_run_args *a)
{
    static const struct option opts[] = {
        {"client", required_argument, NULL, 'c'},  {"client-connect", no_argument, NULL, 'C'},
        {"prompt", no_argument, NULL, 'P'},        {"filter", required_argument, NULL, 'f'},
        {"list", no_argument, NULL, 'l'},          {"dry-run", no_argument, NULL, 'n'},
        {"jobs", required_argument, NULL, 'j'},    {"seed", required_argument, NULL, 's'},
        {"junit", required_argument, NULL, 'J'},   {"trace", required_argument, NULL, 't'},
        {"timeout-scale", required_argument, NULL, 'T'}, {"strict", no_argument, NULL, 'S'},
        {"profile", required_argument, NULL, 'p'}, {"listen", required_argument, NULL, 'L'},
        {"port", required_argument, NULL, 'o'},    {"quiet", no_argument, NULL, 'q'},
        {"target", required_argument, NULL, 'g'},  {"api-key-env", required_argument, NULL, 'k'},
        {"insecure", no_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    a->jobs = 1;
    a->scale = 1.0;
    a->listen = "127.0.0.1";
    int c;
    char *end;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+hj:", opts, NULL)) != -1) {
        switch (c) {
        case 'c': a->client_cmd = optarg; break;
        case 'C': a->client_connect = 1; break;
        case 'P': a->prompt = 1; break;
        case 'f':
            if (a->nfilters == PL_RUN_MAX_FILTERS)
                return pl_cli_usage_error("run", "at most %d --filter options", PL_RUN_MAX_FILTERS);
            a->filters[a->nfilters++] = optarg;
            break;
        case 'l': a->list = 1; break;
        case 'n': a->dry_run = 1; break;
        case 'j':
            a->jobs = strtol(optarg, &end, 10);
            if (*end || a->jobs < 1 || a->jobs > 4096)
                return pl_cli_usage_error("run", "--jobs wants 1..4096, got '%s'", optarg);
            break;
        case 's':
            a->seed = strtoull(optarg, &end, 10);
            if (*end || !*optarg)
                return pl_cli_usage_error("run", "--seed wants a number, got '%s'", optarg);
            a->seed_set = 1;
            break;
        case 'J': a->junit = optarg; break;
        case 't': a->trace = optarg; break;
        case 'T':
            a->scale = strtod(optarg, &end);
            if (*end || !(a->scale > 0) || a->scale > 1000)
                return pl_cli_usage_error("run", "--timeout-scale wants a number > 0, got '%s'", optarg);
            break;
        case 'S': a->strict = 1; break;
        case 'p': a->profile = optarg; break;
        case 'L': a->listen = optarg; break;
        case 'o':
            a->port = (int)strtol(optarg, &end, 10);
            if (*end || a->port < 0 || a->port > 65535)
                return pl_cli_usage_error("run", "--port wants 0..65535, got '%s'", optarg);
            break;
        case 'q': a->quiet = 1; break;
        case 'g':
            if (strncmp(optarg, "ws://", 5) && strncmp(optarg, "wss://", 6) &&
                strcmp(optarg, "self"))
                return pl_cli_usage_error("run",
                                          "--target wants a ws:// or wss:// URL or 'self', got '%s'",
                                          optarg);
            a->target = optarg;
            break;
        case 'k': a->api_key_env = optarg; break;
        case 'I': a->insecure = 1; break;
        case 'h': pl_run_help(stdout); return -1;
        default:
            return pl_cli_usage_error("run", "unknown or incomplete option '%s' (parley run --help)",
                                      argv[optind - 1]);
        }
    }
    if (a->client_cmd && a->client_connect)
        return pl_cli_usage_error("run", "--client and --client-connect exclude each other");
    if (a->client_connect || a->prompt)
        a->jobs = 1; /* one app, one person: one scenario at a time */
    if (!a->seed_set)
        a->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
    return 0;
}

/* ---- loading --------------------------------------------------------------------------- */

/* The built-in suite: <schema root>/../scenarios. */
static const char *pl_run_default_suite(char *buf, size_t len)
{
    snprintf(buf, len, "%s/../scenarios", pl_cli_schema_root());
    return buf;
}

static pl_scenario_set *pl_run_load(int argc, char **argv, pl_run_args *a)
{
    char err[512];
    pl_scenario_set *set = pl_scenario_set_new(pl_cli_schema_root(), err, sizeof err);
    if (!set) {
        fprintf(stderr, "parley run: %s\n", err);
        return NULL;
    }
    char def[1024];
    if (optind >= argc)
        pl_scenario_set_add_path(set, pl_run_default_suite(def, sizeof def));
    for (int i = optind; i < argc; i++)
        pl_scenario_set_add_path(set, argv[i]);
    size_t ne = pl_scenario_set_error_count(set);
    if (ne) {
        for (size_t i = 0; i < ne; i++)
            fprintf(stderr, "%s\n", pl_scenario_set_error(set, i));
        fprintf(stderr, "parley run: %zu error%s in the scenarios; nothing was run\n", ne,
                ne == 1 ? "" : "s");
        pl_scenario_set_free(set);
        return NULL;
    }
    pl_scenario_set_filter(set, a->filters, a->nfilters);
    return set;
}

static void pl_run_print_list(pl_scenario_set *set, int dry, const pl_run_args *a)
{
    for (size_t i = 0; i < pl_scenario_set_count(set); i++) {
        const pl_scenario *sc = pl_scenario_set_get(set, i);
        if (!dry) {
            printf("%s\t%s\n", sc->id, sc->title);
            continue;
        }
        printf("[%zu/%zu] %s (%s:%d) %s, %s, %d steps", i + 1, pl_scenario_set_count(set), sc->id,
               sc->file, sc->line, sc->dialect, sc->level == PL_LEVEL_SHOULD ? "should" : "must",
               cJSON_GetArraySize(sc->steps));
        if (sc->n_actions) {
            printf(", drives");
            for (size_t k = 0; k < sc->n_actions; k++)
                printf("%s%s", k ? "," : " ", sc->actions[k]);
        }
        if (sc->role_client)
            printf(", role client");
        if (sc->role_client && !a->target && (!sc->target || sc->target[0] == '/'))
            printf(" -- would be SKIPPED: role client, needs --target");
        else if (sc->has_prompt && !a->prompt)
            printf(" -- would be SKIPPED: manual step, needs --prompt");
        else if (sc->uses_client && !a->client_cmd && !a->client_connect)
            printf(" -- would be SKIPPED: needs --client or --client-connect");
        printf("\n");
    }
}

/* ---- progress --------------------------------------------------------------------------- */

static const char *pl_run_color(const pl_run_state *st, pl_verdict v)
{
    if (!st->color)
        return "";
    static const char *const c[] = {"\033[32m", "\033[33m", "\033[31m", "\033[36m", "\033[35m"};
    return c[v];
}

static void pl_run_print_indented(const char *text, size_t max_lines)
{
    size_t lines = 0;
    for (const char *p = text; p && *p && lines < max_lines; lines++) {
        const char *nl = strchr(p, '\n');
        int n = nl ? (int)(nl - p) : (int)strlen(p);
        printf("      %.*s\n", n, p);
        p = nl ? nl + 1 : NULL;
    }
}

static void pl_run_done(void *user, const pl_scenario *sc, size_t index, const pl_run_result *res)
{
    pl_run_state *st = user;
    st->finished++;
    st->reported[index] = 1;
    switch (res->verdict) {
    case PL_VERDICT_PASS: st->pass++; break;
    case PL_VERDICT_NONSTRICT: st->nonstrict++; break;
    case PL_VERDICT_FAIL: st->fail++; break;
    case PL_VERDICT_SKIP: st->skip++; break;
    case PL_VERDICT_ERROR: st->error++; break;
    }
    printf("[%zu/%zu] %s %s%s%s %.2fs\n", st->finished, st->total, sc->id,
           pl_run_color(st, res->verdict), pl_verdict_name(res->verdict), st->color ? "\033[0m" : "",
           res->seconds);
    if (res->verdict == PL_VERDICT_SKIP)
        printf("      %s\n", res->message);
    else if (res->verdict == PL_VERDICT_NONSTRICT && !st->a->quiet)
        pl_run_print_indented(res->notes.data, 4);
    else if ((res->verdict == PL_VERDICT_FAIL || res->verdict == PL_VERDICT_ERROR)) {
        if (st->a->quiet)
            printf("      %s\n", res->message);
        else
            pl_run_print_indented(res->detail.len ? res->detail.data : res->message, 40);
    }
    fflush(stdout);
    pl_report_run_add(st->rep, sc, res);
}

/* ---- main ---------------------------------------------------------------------------- */

static pl_server *pl_run_server(const pl_run_args *a, pl_profile **profile, pl_catalog **catalog)
{
    char err[1024];
    *profile = a->profile ? pl_profile_load(a->profile, pl_cli_schema_root(), err, sizeof err)
                          : pl_profile_new_default();
    if (!*profile) {
        fprintf(stderr, "parley run: %s\n", err);
        return NULL;
    }
    *catalog = pl_catalog_load(pl_cli_schema_root(), err, sizeof err);
    if (!*catalog) {
        fprintf(stderr, "parley run: message catalog: %s\n", err);
        return NULL;
    }
    pl_server_opts so = {.listen = a->listen, .port = a->port, .trace_path = a->trace,
                         .profile = *profile, .catalog = *catalog};
    pl_server *s = pl_server_new(&so, err, sizeof err);
    if (!s)
        fprintf(stderr, "parley run: %s\n", err);
    return s;
}

static void pl_run_properties(pl_run_state *st)
{
    char buf[64];
    pl_report_run_property(st->rep, "parley.version", PARLEY_VERSION);
    pl_report_run_property(st->rep, "client", st->a->client_cmd ? st->a->client_cmd
                                              : st->a->client_connect ? "(connects by itself)"
                                                                      : "(none)");
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)st->a->seed);
    pl_report_run_property(st->rep, "seed", buf);
    pl_report_run_property(st->rep, "strict", st->a->strict ? "true" : "false");
    snprintf(buf, sizeof buf, "%g", st->a->scale);
    pl_report_run_property(st->rep, "timeout_scale", buf);
}

static int pl_run_exit_code(const pl_run_state *st, int interrupted)
{
    if (st->fail)
        return PL_EXIT_FAIL;
    if (st->error || interrupted)
        return PL_EXIT_HARNESS;
    return PL_EXIT_OK;
}

static int pl_run_execute(pl_run_args *a, pl_scenario_set *set)
{
    pl_profile *profile = NULL;
    pl_catalog *catalog = NULL;
    pl_signal_install();
    pl_server *srv = pl_run_server(a, &profile, &catalog);
    if (!srv) {
        pl_catalog_free(catalog);
        pl_profile_free(profile);
        return profile ? PL_EXIT_HARNESS : PL_EXIT_USAGE;
    }
    pl_run_state st = {.a = a, .set = set, .total = pl_scenario_set_count(set),
                       .color = pl_log_use_color() && isatty(1)};
    st.reported = pl_xcalloc(st.total + 1, 1);
    st.rep = pl_report_run_new("parley run");
    pl_run_properties(&st);
    pl_engine_opts eo = {.srv = srv, .client_cmd = a->client_cmd, .client_connect = a->client_connect,
                         .prompt = a->prompt, .strict = a->strict, .timeout_scale = a->scale,
                         .seed = a->seed, .run_id = "sc", .target = a->target,
                         .api_key_env = a->api_key_env, .insecure = a->insecure};
    pl_engine *e = pl_engine_new(&eo, pl_run_done, &st);
    if (a->client_connect)
        printf("waiting for the app: PARLEY_DRIVER_URL=ws://%s:%d/_parley/driver "
               "(bridge: ws://%s:%d/<dialect>/room?room=ROOM&user=USER)\n",
               pl_server_host(srv), pl_server_port(srv), pl_server_host(srv), pl_server_port(srv));
    int64_t t0 = pl_clock_mono_us();
    int sig = 0;
    while (st.finished < st.total) {
        while (st.started < st.total && pl_engine_running(e) < (size_t)a->jobs)
            pl_engine_start(e, pl_scenario_set_get(set, st.started), st.started), st.started++;
        if ((sig = pl_signal_pending()) != 0)
            break;
        if (pl_server_service(srv) < 0)
            break;
    }
    if (sig || st.finished < st.total) {
        char msg[96];
        snprintf(msg, sizeof msg, "interrupted (signal %d) before the scenario finished", sig);
        pl_engine_abort(e, msg);
        for (size_t i = 0; i < st.total; i++)
            if (!st.reported[i])
                pl_report_run_not_run(st.rep, pl_scenario_set_get(set, i),
                                      "not run: the run was interrupted");
    }
    pl_engine_free(e);
    pl_server_stop(srv);
    double secs = (double)(pl_clock_mono_us() - t0) / 1e6;
    printf("\n%zu scenario%s: %zu passed", st.total, st.total == 1 ? "" : "s", st.pass + st.nonstrict);
    if (st.nonstrict)
        printf(" (%zu NON-STRICT)", st.nonstrict);
    printf(", %zu failed, %zu skipped, %zu error%s%s in %.1fs; seed %llu\n", st.fail, st.skip,
           st.error, st.error == 1 ? "" : "s",
           st.finished < st.total ? ", interrupted" : "", secs, (unsigned long long)a->seed);
    int rc = pl_run_exit_code(&st, sig != 0 || st.finished < st.total);
    if (a->junit) {
        char err[512];
        if (pl_report_run_write(st.rep, a->junit, err, sizeof err)) {
            fprintf(stderr, "parley run: --junit: %s\n", err);
            rc = rc ? rc : PL_EXIT_HARNESS;
        } else {
            printf("JUnit report: %s\n", a->junit);
        }
    }
    if (a->trace)
        printf("trace: %s\n", a->trace);
    pl_report_run_free(st.rep);
    free(st.reported);
    pl_server_free(srv);
    pl_catalog_free(catalog);
    pl_profile_free(profile);
    return rc;
}

int pl_cmd_run(int argc, char **argv)
{
    pl_run_args a = {0};
    int rc = pl_run_parse(argc, argv, &a);
    if (rc)
        return rc < 0 ? PL_EXIT_OK : rc;
    if (pl_log_get_level() == PL_LOG_INFO)
        pl_log_setup(PL_LOG_WARN); /* the progress lines say what matters */
    pl_scenario_set *set = pl_run_load(argc, argv, &a);
    if (!set)
        return PL_EXIT_USAGE;
    if (a.list || a.dry_run) {
        pl_run_print_list(set, a.dry_run, &a);
        pl_scenario_set_free(set);
        return PL_EXIT_OK;
    }
    if (!pl_scenario_set_count(set)) {
        fprintf(stderr, "parley run: no scenario to run%s\n", a.nfilters ? " (check --filter)" : "");
        pl_scenario_set_free(set);
        return PL_EXIT_USAGE;
    }
    rc = pl_run_execute(&a, set);
    pl_scenario_set_free(set);
    return rc;
}
