/* pl_engine_int.h — what the engine's files share (pl_engine.c: runs, binding, the
 * observation stream, verdicts; pl_steps.c: the step kinds; pl_faults.c: scenario faults).
 * Not a public interface. */
#ifndef PL_ENGINE_INT_H
#define PL_ENGINE_INT_H

#include <libwebsockets.h>

#include "mock/pl_driver.h"
#include "mock/pl_session.h"
#include "runner/pl_engine.h"
#include "runner/pl_match.h"
#include "runner/pl_proc.h"

#define PL_RUN_OBS_MAX 8192                /* observations kept per run (oldest dropped) */
#define PL_RUN_OBS_BYTES (16 * 1024 * 1024) /* and their payload bytes */
#define PL_RUN_WIRE_MAX (2 * 1024 * 1024)  /* wire log kept per run */
#define PL_RUN_TAIL 12                     /* last wire lines shown in a failure */
#define PL_RUN_FINDINGS 256                /* findings kept for the verdict (all counted) */
#define PL_RUN_DEFAULT_WITHIN_US (5LL * 1000000)
#define PL_RUN_DRIVE_WITHIN_US (10LL * 1000000)
#define PL_RUN_HELLO_WAIT_US (15LL * 1000000)
#define PL_RUN_STOP_GRACE_US (2LL * 1000000)
#define PL_RUN_SETTLE_US (1LL * 1000000)
#define PL_RUN_POLL_US (20 * 1000)

/* What an observation is; the expect targets of docs/scenarios.md. */
typedef enum {
    PL_OBS_MESSAGE,  /* vendor payload client -> parley (value: decoded, text: raw) */
    PL_OBS_SENT,     /* vendor payload parley -> client */
    PL_OBS_BRIDGE,   /* room op from the client */
    PL_OBS_EVENT,    /* bridge event parley sent */
    PL_OBS_FINDING,  /* {rule, level, message, kind} */
    PL_OBS_CLOSE,    /* {code, by_parley} */
    PL_OBS_OPEN,     /* {room, user} */
    PL_OBS_CALLBACK, /* {name, args} */
    PL_OBS_HTTP,     /* {method, path, query, body, json} a request to parley */
    PL_OBS_OTHER     /* everything else (notes, frames that did not parse): wire log only */
} pl_obs_class;

typedef struct {
    pl_obs_class cls;
    int64_t t_us;   /* since the run started */
    cJSON *value;   /* what patterns match (owned; NULL when it did not decode) */
    char *text;     /* raw payload text (owned; NULL when none) */
    char kind[64];  /* "aicall.1105" for payloads */
    size_t bytes;
    int consumed;   /* an expectation took it */
} pl_obs;

typedef enum { PL_STEP_WAITING, PL_STEP_DONE, PL_STEP_FAILED } pl_step_state;

typedef struct pl_run pl_run;
typedef struct pl_step_kind_info pl_step_kind_info; /* pl_steps.c: one row per step kind */

/* A message-level fault waiting for the messages it applies to (pl_faults.c). */
typedef struct pl_fault pl_fault;
/* A message a fault holds back, to send later. */
typedef struct pl_held pl_held;

typedef struct {
    const cJSON *steps; /* the list being executed (borrowed from the scenario or a repeat) */
    int next;           /* index of the next step in it */
    long left;          /* repeat: iterations still to run after this one */
    long iter;          /* repeat: 0-based iteration */
    char as[64];        /* repeat: loop variable */
    const cJSON *repeat; /* the repeat step (to restart its list) */
} pl_frame;

#define PL_RUN_DEPTH 16

typedef enum { PL_PHASE_CLIENT, PL_PHASE_STEPS, PL_PHASE_SETTLE, PL_PHASE_DONE } pl_phase;

struct pl_run {
    pl_engine *e;
    pl_run *link; /* the engine's list of runs */
    const pl_scenario *sc;
    size_t index;
    char tag[64]; /* session tag = bridge room */
    char scope[24]; /* N of ${parley_url} = …/_parley/runs/N: requests to it are this run's */
    pl_phase phase;
    int64_t t0_us;
    int strict;
    /* the client */
    pl_proc *proc;
    char driver_id[32]; /* the bound driver ("d3"), "" before hello; looked up by id,
                         * because the registry frees a driver when it disconnects */
    cJSON *hello;
    /* the session(s) of the room: the newest is current */
    pl_session *session;
    /* role client: parley's connection to the target and the session it hosts (kept until
     * the connection ends, to retire it in the registry) */
    struct pl_wsclient *wsc;
    pl_session *own_session;
    char target_url[1024];
    cJSON *behaviour; /* switches for sessions that open later */
    cJSON *vars;
    /* observation stream: absolute numbers [first, next) are kept */
    pl_obs *obs;
    size_t cap, first, next, bytes;
    size_t mark;        /* window start: the last action step */
    size_t last_match;  /* absolute number after the last matched observation */
    cJSON *last_value;  /* what the last expectation matched (capture step) */
    /* findings for the verdict */
    cJSON *findings;
    size_t nfindings_total;
    /* steps */
    pl_frame stack[PL_RUN_DEPTH];
    int depth;
    cJSON *step;        /* the current step, expanded (owned) */
    const pl_step_kind_info *kind; /* its row in the step-kind table */
    int step_no;        /* 1-based count of steps started (for messages) */
    char step_label[160];
    int64_t step_t0, step_deadline;
    size_t scan;        /* expect: next observation to look at */
    int have_reply;
    cJSON *reply;       /* drive or http answer */
    uint64_t drive_id;
    struct pl_http_ticket *ticket; /* an http/callback step's request in flight */
    int stdin_flags;    /* prompt: stdin's flags before it was made non-blocking */
    /* nearest candidates of an expectation */
    struct {
        size_t n;
        int score, total;
        char why[400];
    } cand[3];
    size_t ncand, seen;
    /* stream expectation */
    int64_t *stream_t;
    size_t stream_n, stream_cap;
    /* faults */
    pl_fault *faults;
    pl_held *held;
    int stalled;
    int64_t stall_until;
    uint64_t rng;
    /* verdict */
    int must_failed, should_failed, errored, skipped;
    pl_run_result res;
    pl_buf tail[PL_RUN_TAIL];
    size_t tail_n;
    /* timers */
    lws_sorted_usec_list_t sul_advance, sul_poll, sul_fault;
    int advance_armed;
    int64_t settle_deadline;
    int prompt_active;
};

struct pl_engine {
    pl_engine_opts o;
    pl_engine_done_fn done;
    void *user;
    pl_run *runs;
    size_t nruns;
    struct lws_context *ctx;
};

/* pl_engine.c */
int64_t pl_run_now(const pl_run *r);            /* µs since the run started */
int64_t pl_run_scale(const pl_run *r, int64_t us); /* × --timeout-scale */
void pl_run_kick(pl_run *r);                    /* re-check the step from the loop soon */
pl_obs *pl_run_obs(pl_run *r, size_t n);        /* NULL when dropped or not yet there */
void pl_run_add_obs(pl_run *r, pl_obs_class cls, cJSON *value, const char *text, size_t len,
                    const char *kind, const char *wire_line);
void pl_run_wire(pl_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A step failed: level from the step and scenario (should-level without --strict is
 * noted and the run goes on; otherwise the run settles); detail may be NULL. */
void pl_run_fail(pl_run *r, const char *type, const char *detail, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void pl_run_error(pl_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pl_run_skip(pl_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *pl_run_agent(const pl_run *r);
pl_driver *pl_run_driver(const pl_run *r); /* the bound driver if still connected */
/* A behaviour name as the dialect's table has it: "aicall.ready" → "ready". */
const char *pl_run_behaviour_name(const pl_run *r, const char *name);
void pl_run_tail_detail(pl_run *r, pl_buf *b); /* "last messages:" lines */

/* pl_steps.c */
pl_step_state pl_step_start(pl_run *r);
pl_step_state pl_step_poll(pl_run *r);
void pl_step_end(pl_run *r); /* cancels what the current step has in flight */
/* The engine's HTTP hook (expect_http): 1 when a run's step took the request. */
int pl_steps_http(pl_engine *e, const pl_server_http_req *req, int *status, char **body,
                  const char **ctype);

/* pl_faults.c */
void pl_faults_add(pl_run *r, const cJSON *step);
int pl_faults_filter(void *user, pl_session *s, const char *from, const void *data, size_t len,
                     int binary, const cJSON *msg);
void pl_faults_stall(pl_run *r, int64_t for_us);
void pl_faults_free(pl_run *r);

#endif
