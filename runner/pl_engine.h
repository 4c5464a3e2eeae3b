/* pl_engine.h — the scenario engine: runs scenarios as state machines on the mock's event
 * loop (DESIGN §4, §6).
 *
 * `parley run` starts one mock server (pl_server) and one engine on its lws context. The
 * engine runs any number of scenarios at the same time (--jobs), each a pl_run: it starts
 * the client (pl_proc) with the PARLEY_* variables, waits for the client's driver hello,
 * skips the scenario when a drive action was not announced, then executes the steps one
 * after another. Steps never block: each is started, then re-checked whenever something
 * happens (a journal record of the run's session, a driver callback or reply, an HTTP
 * answer, a timer). Everything the run sees goes into its observation stream, which the
 * expectations match; a record is handed over by the session's observer and only queued
 * there — all step logic runs later from a zero-delay timer, never inside session code.
 *
 * A run ends in a verdict (pl_verdict) with a one-line message, a detail text a person can
 * act on (step, expected matcher, nearest candidates, rule and source, last messages),
 * the wire log of the case and the client's output. The caller (runner/pl_cmd_run.c)
 * prints progress and turns results into JUnit.
 *
 * Ownership: the engine owns its runs; a result is borrowed during the done callback. */
#ifndef PL_ENGINE_H
#define PL_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/pl_buf.h"
#include "mock/pl_server.h"
#include "runner/pl_scenario.h"

typedef enum {
    PL_VERDICT_PASS,
    PL_VERDICT_NONSTRICT, /* only should-level problems, without --strict: passes */
    PL_VERDICT_FAIL,
    PL_VERDICT_SKIP,
    PL_VERDICT_ERROR
} pl_verdict;

const char *pl_verdict_name(pl_verdict v); /* "PASS", "NON-STRICT", "FAIL", "SKIP", "ERROR" */

typedef struct {
    pl_verdict verdict;
    char type[128];    /* failure type: rule id, "step", "timeout", "client", … */
    char message[640]; /* one line */
    pl_buf detail;     /* multi-line: what was expected, what arrived, last messages */
    pl_buf notes;      /* should-level problems of a NON-STRICT (or passing) run */
    pl_buf wire;       /* wire log of the case (JUnit system-out) */
    pl_buf client;     /* the client's stdout and stderr (JUnit system-err) */
    double seconds;
    const cJSON *hello; /* the client's driver hello, or NULL (borrowed) */
} pl_run_result;

typedef struct {
    pl_server *srv;
    const char *client_cmd; /* --client: started per scenario; NULL: none */
    int client_connect;     /* --client-connect: wait for an app that connects by itself */
    int prompt;             /* --prompt: manual steps are asked on the terminal */
    int strict;             /* --strict: should-level problems fail */
    double timeout_scale;   /* --timeout-scale: multiplies every window and timeout */
    uint64_t seed;          /* --seed: fault probabilities */
    const char *run_id;     /* builtin ${run} */
    const char *target;     /* --target: role client endpoint (URL), or NULL */
    const char *api_key_env; /* --api-key-env: where role client takes its key; NULL: the
                              * dialect's usual variable (DASHSCOPE_API_KEY for bailian) */
    int insecure;           /* --insecure: wss targets with self-signed certificates */
} pl_engine_opts;

typedef struct pl_engine pl_engine;

typedef void (*pl_engine_done_fn)(void *user, const pl_scenario *sc, size_t index,
                                  const pl_run_result *res);

pl_engine *pl_engine_new(const pl_engine_opts *o, pl_engine_done_fn done, void *user);
/* Stops every run (ERROR "interrupted", done called for each) and frees the engine. */
void pl_engine_free(pl_engine *e);

/* Starts a scenario now; index is the caller's (progress numbering, session tags). */
void pl_engine_start(pl_engine *e, const pl_scenario *sc, size_t index);
size_t pl_engine_running(const pl_engine *e);
/* Ends every run at once with ERROR and message (SIGINT); done is called for each. */
void pl_engine_abort(pl_engine *e, const char *message);

#endif
