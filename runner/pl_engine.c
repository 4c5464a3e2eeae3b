/* pl_engine.c — scenario runs: life cycle, binding to the client and its session, the
 * observation stream, verdicts (see pl_engine.h; the step kinds are in pl_steps.c and
 * the faults in pl_faults.c).
 *
 * A run goes CLIENT (start the client, wait for its driver hello, skip when an action is
 * missing) → STEPS → SETTLE (close the session, stop the client, collect the last
 * findings) → DONE (verdict, done callback, freed). Sessions are bound by room: the
 * server asks the engine for the options of every new session (pl_server_on_session), and
 * a session whose room is a run's tag gets the run's observer, behaviour switches and
 * fault filter from its first record on. */
#include "runner/pl_engine_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_clock.h"
#include "core/pl_crypto.h"
#include "core/pl_json.h"
#include "core/pl_log.h"
#include "mock/pl_sessions.h"
#include "mock/pl_wsclient.h"

const char *pl_verdict_name(pl_verdict v)
{
    static const char *const n[] = {"PASS", "NON-STRICT", "FAIL", "SKIP", "ERROR"};
    return v <= PL_VERDICT_ERROR ? n[v] : "?";
}

/* ---- small services ------------------------------------------------------------------ */

int64_t pl_run_now(const pl_run *r)
{
    return pl_clock_mono_us() - r->t0_us;
}

int64_t pl_run_scale(const pl_run *r, int64_t us)
{
    double f = r->e->o.timeout_scale > 0 ? r->e->o.timeout_scale : 1.0;
    return (int64_t)((double)us * f);
}

static void pl_run_advance_cb(lws_sorted_usec_list_t *sul);

void pl_run_kick(pl_run *r)
{
    if (r->advance_armed || r->phase == PL_PHASE_DONE)
        return;
    r->advance_armed = 1;
    lws_sul_schedule(r->e->ctx, 0, &r->sul_advance, pl_run_advance_cb, 1);
}

pl_driver *pl_run_driver(const pl_run *r)
{
    return r->driver_id[0] ? pl_drivers_find(pl_server_drivers(r->e->o.srv), r->driver_id) : NULL;
}

const char *pl_run_behaviour_name(const pl_run *r, const char *name)
{
    size_t n = strlen(r->sc->dialect);
    return !strncmp(name, r->sc->dialect, n) && name[n] == '.' ? name + n + 1 : name;
}

const char *pl_run_agent(const pl_run *r)
{
    return pl_json_str(r->vars, "agent", "parley_agent");
}

void pl_run_wire(pl_run *r, const char *fmt, ...)
{
    pl_buf line = {0};
    va_list ap;
    va_start(ap, fmt);
    pl_buf_vprintf(&line, fmt, ap);
    va_end(ap);
    if (line.len > 2048) {
        pl_buf_truncate(&line, 2048);
        pl_buf_puts(&line, "…");
    }
    if (r->res.wire.len < PL_RUN_WIRE_MAX) {
        pl_buf_append(&r->res.wire, line.data, line.len);
        pl_buf_putc(&r->res.wire, '\n');
    }
    pl_buf *t = &r->tail[r->tail_n++ % PL_RUN_TAIL];
    pl_buf_reset(t);
    pl_buf_append(t, line.data, line.len);
    pl_buf_free(&line);
}

void pl_run_tail_detail(pl_run *r, pl_buf *b)
{
    size_t n = r->tail_n < PL_RUN_TAIL ? r->tail_n : PL_RUN_TAIL;
    if (!n)
        return;
    pl_buf_printf(b, "last %zu wire records of the run:\n", n);
    for (size_t i = r->tail_n - n; i < r->tail_n; i++) {
        pl_buf *t = &r->tail[i % PL_RUN_TAIL];
        pl_buf_puts(b, "  ");
        pl_buf_append(b, t->data, t->len);
        pl_buf_putc(b, '\n');
    }
}

/* ---- the observation stream -------------------------------------------------------- */

pl_obs *pl_run_obs(pl_run *r, size_t n)
{
    if (n < r->first || n >= r->next)
        return NULL;
    return &r->obs[n % PL_RUN_OBS_MAX];
}

static void pl_obs_clear(pl_obs *o)
{
    cJSON_Delete(o->value);
    free(o->text);
    memset(o, 0, sizeof *o);
}

void pl_run_add_obs(pl_run *r, pl_obs_class cls, cJSON *value, const char *text, size_t len,
                    const char *kind, const char *wire_line)
{
    if (wire_line)
        pl_run_wire(r, "+%.3fs %s", (double)pl_run_now(r) / 1e6, wire_line);
    if (!r->obs)
        r->obs = pl_xcalloc(PL_RUN_OBS_MAX, sizeof *r->obs);
    size_t bytes = len + 64;
    while (r->next > r->first &&
           (r->next - r->first == PL_RUN_OBS_MAX || r->bytes + bytes > PL_RUN_OBS_BYTES)) {
        pl_obs *old = &r->obs[r->first % PL_RUN_OBS_MAX];
        r->bytes -= old->bytes;
        pl_obs_clear(old);
        r->first++;
    }
    pl_obs *o = &r->obs[r->next % PL_RUN_OBS_MAX];
    o->cls = cls;
    o->t_us = pl_run_now(r);
    o->value = value;
    o->text = text ? pl_xstrndup(text, len) : NULL;
    snprintf(o->kind, sizeof o->kind, "%s", kind ? kind : "");
    o->bytes = bytes;
    o->consumed = 0;
    r->bytes += bytes;
    r->next++;
    pl_run_kick(r);
}

/* A journal record of the run's session, as an observation. */
static void pl_run_record(pl_run *r, pl_session *s, const cJSON *rec)
{
    const char *ev = pl_json_str(rec, "ev", "");
    char line[512];
    if (!strcmp(ev, "msg")) {
        const char *dir = pl_json_str(rec, "dir", "");
        const char *kind = pl_json_str(rec, "kind", "");
        const char *text = pl_json_str(rec, "text", NULL);
        const char *b64 = pl_json_str(rec, "b64", NULL);
        size_t len = 0;
        unsigned char *raw = NULL;
        if (!text && b64)
            raw = pl_crypto_base64_decode(b64, strlen(b64), &len);
        else if (text)
            len = strlen(text);
        const cJSON *decoded = pl_session_record_msg(s); /* the session's own decode */
        cJSON *v = decoded ? cJSON_Duplicate(decoded, 1) : NULL;
        int c2a = !strcmp(dir, "c2a");
        /* "message" is what the peer sent: the client's, or in role client the agent's */
        int from_peer = c2a != pl_session_peer_is_agent(s);
        pl_buf w = {0};
        pl_buf_printf(&w, "%s %s ", c2a ? "c→a" : "a→c", kind);
        if (text)
            pl_buf_puts(&w, text);
        else
            pl_buf_printf(&w, "(%zu bytes, base64) %.600s", len, b64 ? b64 : "");
        pl_run_add_obs(r, from_peer ? PL_OBS_MESSAGE : PL_OBS_SENT, v, text ? text : (const char *)raw,
                       len, kind, w.data);
        pl_buf_free(&w);
        free(raw);
        return;
    }
    cJSON *v = NULL;
    pl_obs_class cls = PL_OBS_OTHER;
    if (!strcmp(ev, "open")) {
        cls = PL_OBS_OPEN;
        v = cJSON_CreateObject();
        cJSON_AddStringToObject(v, "room", pl_json_str(rec, "room", ""));
        cJSON_AddStringToObject(v, "user", pl_json_str(rec, "user", ""));
        cJSON_AddStringToObject(v, "session", pl_json_str(rec, "session", ""));
    } else if (!strcmp(ev, "event") || !strcmp(ev, "room")) {
        cls = ev[0] == 'e' ? PL_OBS_EVENT : PL_OBS_BRIDGE;
        v = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(rec, "frame"), 1);
    } else if (!strcmp(ev, "finding")) {
        cls = PL_OBS_FINDING;
        v = cJSON_CreateObject();
        static const char *const keys[] = {"rule", "level", "message", "kind", "source"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            cJSON_AddStringToObject(v, keys[i], pl_json_str(rec, keys[i], ""));
        r->nfindings_total++;
        if (cJSON_GetArraySize(r->findings) < PL_RUN_FINDINGS)
            cJSON_AddItemToArray(r->findings, cJSON_Duplicate(v, 1));
    } else if (!strcmp(ev, "close")) {
        cls = PL_OBS_CLOSE;
        v = cJSON_CreateObject();
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(rec, "code");
        cJSON_AddNumberToObject(v, "code", cJSON_IsNumber(code) ? code->valuedouble : 0);
        cJSON_AddBoolToObject(v, "by_parley",
                              cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "by_parley")));
        if (r->session == s)
            r->session = NULL;
    } else if (!strcmp(ev, "callback")) {
        return; /* reported by the driver hook, with or without a session */
    }
    /* The wire line: the record without its bookkeeping fields (room ops and events: the
     * frame as it went over the bridge). */
    const cJSON *frame = cJSON_GetObjectItemCaseSensitive(rec, "frame");
    cJSON *shown = cJSON_Duplicate(frame && cls != PL_OBS_OTHER ? frame : rec, 1);
    static const char *const drop[] = {"seq", "ts", "t_us", "t_ms", "n", "session", "ev", "dir"};
    for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
        cJSON_DeleteItemFromObjectCaseSensitive(shown, drop[i]);
    char *txt = cJSON_PrintUnformatted(shown);
    snprintf(line, sizeof line, "%s %-8s %.440s",
             !strcmp(ev, "room") || !strcmp(ev, "frame") ? "c→a" : "   ", ev, txt);
    free(txt);
    cJSON_Delete(shown);
    pl_run_add_obs(r, cls, v, NULL, 0, "", line);
}

static void pl_run_observer(void *user, pl_session *s, const cJSON *rec)
{
    pl_run *r = user;
    if (!strcmp(pl_json_str(rec, "ev", ""), "open")) {
        r->session = s;
        pl_session_set_filter(s, pl_faults_filter, r);
    }
    pl_run_record(r, s, rec);
}

/* ---- verdict bookkeeping ------------------------------------------------------------ */

static int pl_run_step_should(const pl_run *r)
{
    const char *lv = pl_json_str(r->step, "level", NULL);
    return r->sc->level == PL_LEVEL_SHOULD || (lv && !strcmp(lv, "should"));
}

static void pl_run_settle(pl_run *r);

static void pl_run_problem(pl_run *r, int should, const char *type, const char *detail,
                           const char *msg)
{
    if (should && !r->strict) {
        r->should_failed++;
        pl_buf_printf(&r->res.notes, "NON-STRICT (should): %s\n", msg);
        if (detail)
            pl_buf_printf(&r->res.notes, "%s\n", detail);
        pl_run_wire(r, "!! should-level: %s", msg);
        return;
    }
    pl_run_wire(r, "!! %s", msg);
    if (!r->must_failed++) {
        snprintf(r->res.type, sizeof r->res.type, "%s", type);
        snprintf(r->res.message, sizeof r->res.message, "%s", msg);
        pl_buf_reset(&r->res.detail);
        pl_buf_printf(&r->res.detail, "%s\n", msg);
        if (detail)
            pl_buf_printf(&r->res.detail, "%s%s", detail,
                          detail[0] && detail[strlen(detail) - 1] == '\n' ? "" : "\n");
        pl_run_tail_detail(r, &r->res.detail);
    }
    pl_run_settle(r);
}

void pl_run_fail(pl_run *r, const char *type, const char *detail, const char *fmt, ...)
{
    char msg[sizeof r->res.message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pl_run_problem(r, pl_run_step_should(r), type, detail, msg);
}

void pl_run_error(pl_run *r, const char *fmt, ...)
{
    char msg[sizeof r->res.message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pl_run_wire(r, "!! harness error: %s", msg);
    if (!r->errored++) {
        snprintf(r->res.type, sizeof r->res.type, "harness");
        snprintf(r->res.message, sizeof r->res.message, "%s", msg);
        pl_buf_reset(&r->res.detail);
        pl_buf_printf(&r->res.detail, "%s\n", msg);
        pl_run_tail_detail(r, &r->res.detail);
    }
    pl_run_settle(r);
}

void pl_run_skip(pl_run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->res.message, sizeof r->res.message, fmt, ap);
    va_end(ap);
    snprintf(r->res.type, sizeof r->res.type, "skipped");
    r->skipped = 1;
    pl_run_wire(r, "-- skipped: %s", r->res.message);
    pl_run_settle(r);
}

static int pl_run_rule_in(const cJSON *list, const char *rule)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, list)
    {
        if (cJSON_IsString(x) && !strcmp(x->valuestring, rule))
            return 1;
    }
    return 0;
}

/* Findings that no expect_findings/allow_findings covers, and expected ones that never
 * came, become problems of the run. */
static void pl_run_judge_findings(pl_run *r)
{
    if (r->errored || r->skipped)
        return;
    const pl_scenario *sc = r->sc;
    const cJSON *f;
    cJSON_ArrayForEach(f, r->findings)
    {
        const char *rule = pl_json_str(f, "rule", "");
        if (pl_run_rule_in(sc->expect_findings, rule) || pl_run_rule_in(sc->allow_findings, rule))
            continue;
        int should = !strcmp(pl_json_str(f, "level", ""), "should") || sc->level == PL_LEVEL_SHOULD;
        char msg[600];
        snprintf(msg, sizeof msg, "rule %s (%s)%s%s: %s", rule, pl_json_str(f, "level", ""),
                 *pl_json_str(f, "kind", "") ? " on " : "", pl_json_str(f, "kind", ""),
                 pl_json_str(f, "message", ""));
        if (should && !r->strict) {
            r->should_failed++;
            pl_buf_printf(&r->res.notes, "NON-STRICT (should): %s\n  source: %s\n", msg,
                          pl_json_str(f, "source", ""));
            continue;
        }
        if (!r->must_failed++) {
            snprintf(r->res.type, sizeof r->res.type, "%s", rule);
            snprintf(r->res.message, sizeof r->res.message, "%s", msg);
            pl_buf_printf(&r->res.detail, "%s\nsource: %s\n", msg, pl_json_str(f, "source", ""));
            pl_run_tail_detail(r, &r->res.detail);
        } else {
            pl_buf_printf(&r->res.detail, "also: %s\n", msg);
        }
    }
    const cJSON *want;
    cJSON_ArrayForEach(want, sc->expect_findings)
    {
        int seen = 0;
        cJSON_ArrayForEach(f, r->findings)
        {
            if (!strcmp(pl_json_str(f, "rule", ""), want->valuestring))
                seen = 1;
        }
        if (seen)
            continue;
        if (!r->must_failed++) {
            snprintf(r->res.type, sizeof r->res.type, "%s", want->valuestring);
            snprintf(r->res.message, sizeof r->res.message,
                     "expected finding %s did not occur (the scenario lists it in expect_findings)",
                     want->valuestring);
            pl_buf_printf(&r->res.detail, "%s\n", r->res.message);
            pl_run_tail_detail(r, &r->res.detail);
        }
    }
}

static pl_verdict pl_run_verdict(const pl_run *r)
{
    if (r->errored)
        return PL_VERDICT_ERROR;
    if (r->skipped)
        return PL_VERDICT_SKIP;
    if (r->must_failed)
        return PL_VERDICT_FAIL;
    if (r->should_failed)
        return PL_VERDICT_NONSTRICT;
    return PL_VERDICT_PASS;
}

/* ---- life cycle -------------------------------------------------------------------- */

static void pl_run_unlink(pl_engine *e, pl_run *r)
{
    for (pl_run **p = &e->runs; *p; p = &(*p)->link)
        if (*p == r) {
            *p = r->link;
            e->nruns--;
            return;
        }
}

/* Detaches every session of the run's room that still points at the run. */
static void pl_run_detach_one(void *user, pl_session *s)
{
    pl_run *r = user;
    const char *room = pl_session_room(s);
    if (room && !strcmp(room, r->tag)) {
        pl_session_observe(s, NULL, NULL);
        pl_session_set_filter(s, NULL, NULL);
    }
}

/* ---- role client: parley connects to the target ------------------------------------- */

/* The session of a role client run is over (or the run is): tell the registry. */
static void pl_run_target_free(pl_run *r)
{
    pl_sessions *reg = pl_server_sessions(r->e->o.srv);
    if (r->own_session) {
        if (pl_session_is_open(r->own_session))
            pl_session_disconnected(r->own_session, 1006, NULL, 0);
        pl_sessions_retire(reg, r->own_session);
        r->own_session = NULL;
    }
    pl_wsclient_free(r->wsc);
    r->wsc = NULL;
}

static void pl_run_target_open(pl_run *r)
{
    pl_engine *e = r->e;
    pl_sessions *reg = pl_server_sessions(e->o.srv);
    char id[32];
    pl_sessions_next_id(reg, id, sizeof id);
    pl_session_opts o = {
        .dialect = pl_dialect_find(r->sc->dialect),
        .transport = PL_TRANSPORT_NATIVE,
        .id = id,
        .room = r->tag,
        .user = "parley",
        .profile = pl_server_profile(e->o.srv),
        .catalog = pl_server_catalog(e->o.srv),
        .trace = pl_server_trace(e->o.srv),
        .behave = 0,
        .ops = &pl_wsio_session_ops,
        .host = pl_wsclient_io(r->wsc),
        .peer_is_agent = 1,
        .observer = pl_run_observer,
        .observer_user = r,
        .behaviour = r->behaviour,
    };
    r->own_session = pl_session_new(&o);
    pl_wsclient_io(r->wsc)->session = r->own_session;
    pl_sessions_add(reg, r->own_session);
}

static void pl_run_target_event(void *user, pl_wsclient *c, pl_wsclient_event ev, int status,
                                const char *detail)
{
    pl_run *r = user;
    (void)c;
    if (ev == PL_WSCLIENT_OPEN) {
        pl_run_wire(r, "-- connected to the target (HTTP 101)");
        if (r->sc->connect_refused) {
            pl_run_target_open(r); /* journaled, then judged */
            pl_run_fail(r, "connect", NULL,
                        "the target accepted the connection; expected it to refuse with HTTP %d",
                        r->sc->connect_refused);
            return;
        }
        pl_run_target_open(r);
    } else if (ev == PL_WSCLIENT_REFUSED) {
        pl_run_wire(r, "-- the target refused: %s (HTTP %d)", detail, status);
        if (r->sc->connect_refused && status == r->sc->connect_refused) {
            /* as expected: the steps run without a session */
        } else if (r->sc->connect_refused) {
            pl_run_fail(r, "connect", NULL,
                        "the target refused with HTTP %d (%s); expected HTTP %d", status, detail,
                        r->sc->connect_refused);
            return;
        } else {
            pl_run_error(r, "cannot connect to the target %s: %s%s", r->target_url, detail,
                         status ? "" : " (is it running? is the URL right?)");
            return;
        }
    } else {
        pl_sessions_retire(pl_server_sessions(r->e->o.srv), r->own_session);
        r->own_session = NULL;
        return;
    }
    if (r->phase == PL_PHASE_CLIENT) {
        r->phase = PL_PHASE_STEPS;
        pl_run_kick(r);
    }
}

/* --target and the scenario's `target` into r->target_url; 0, or -1 when there is none. */
static int pl_run_target_url(pl_run *r)
{
    const char *cli = r->e->o.target, *sc = r->sc->target;
    char self[300];
    if (cli && !strcmp(cli, "self")) { /* this run's own server plays the agent */
        snprintf(self, sizeof self, "%s://%s:%d", pl_server_tls(r->e->o.srv) ? "wss" : "ws",
                 pl_server_host(r->e->o.srv), pl_server_port(r->e->o.srv));
        cli = self;
    }
    if (sc && sc[0] == '/' && cli) {
        /* origin of --target + the scenario's path */
        const char *p = strstr(cli, "://");
        const char *slash = p ? strchr(p + 3, '/') : NULL;
        int n = slash ? (int)(slash - cli) : (int)strlen(cli);
        snprintf(r->target_url, sizeof r->target_url, "%.*s%s", n, cli, sc);
    } else if (cli || (sc && sc[0] != '/')) {
        snprintf(r->target_url, sizeof r->target_url, "%s", cli ? cli : sc);
    } else {
        return -1;
    }
    return 0;
}

static void pl_run_target_connect(pl_run *r)
{
    pl_engine *e = r->e;
    if (pl_run_target_url(r)) {
        pl_run_skip(r, "role: client needs a target: parley run --target ws[s]://host[:port]/path");
        return;
    }
    const char *env = e->o.api_key_env ? e->o.api_key_env : "DASHSCOPE_API_KEY";
    const char *key = getenv(env);
    char authz[1100] = "";
    if (r->sc->connect_authz)
        snprintf(authz, sizeof authz, "%s", r->sc->connect_authz);
    else if (key && *key)
        snprintf(authz, sizeof authz, "Bearer %s", key);
    else if (e->o.target && !strcmp(e->o.target, "self"))
        snprintf(authz, sizeof authz, "Bearer sk-parley-self"); /* the mock takes any key */
    const pl_profile_limits *lim = pl_profile_limits_get(pl_server_profile(e->o.srv));
    pl_wsclient_opts o = {
        .url = r->target_url,
        .authorization = authz[0] ? authz : NULL,
        .insecure = e->o.insecure || (e->o.target && !strcmp(e->o.target, "self")),
        .max_message = lim->max_message,
        .out_queue = lim->out_queue,
        .fn = pl_run_target_event,
        .user = r,
    };
    char err[300];
    pl_run_wire(r, "-- connecting to %s (%s)", r->target_url,
                authz[0] ? (r->sc->connect_authz ? "scenario's Authorization" : env)
                         : "no Authorization");
    r->phase = PL_PHASE_CLIENT;
    r->wsc = pl_wsclient_connect(e->ctx, &o, err, sizeof err);
    if (!r->wsc)
        pl_run_error(r, "%s", err);
}

static void pl_run_free(pl_run *r)
{
    lws_sul_cancel(&r->sul_advance);
    lws_sul_cancel(&r->sul_poll);
    lws_sul_cancel(&r->sul_fault);
    pl_sessions_each(pl_server_sessions(r->e->o.srv), pl_run_detach_one, r);
    pl_run_target_free(r);
    pl_step_end(r);
    pl_faults_free(r);
    pl_proc_free(r->proc);
    if (r->obs) {
        for (size_t n = r->first; n < r->next; n++)
            pl_obs_clear(&r->obs[n % PL_RUN_OBS_MAX]);
        free(r->obs);
    }
    cJSON_Delete(r->step);
    cJSON_Delete(r->reply);
    cJSON_Delete(r->last_value);
    cJSON_Delete(r->vars);
    cJSON_Delete(r->behaviour);
    cJSON_Delete(r->findings);
    cJSON_Delete(r->hello);
    free(r->stream_t);
    pl_buf_free(&r->res.detail);
    pl_buf_free(&r->res.notes);
    pl_buf_free(&r->res.wire);
    pl_buf_free(&r->res.client);
    for (size_t i = 0; i < PL_RUN_TAIL; i++)
        pl_buf_free(&r->tail[i]);
    free(r);
}

static void pl_run_finish(pl_run *r)
{
    pl_engine *e = r->e;
    r->phase = PL_PHASE_DONE;
    pl_step_end(r);
    pl_run_judge_findings(r);
    if (r->nfindings_total > (size_t)cJSON_GetArraySize(r->findings))
        pl_buf_printf(&r->res.notes, "%zu findings in all; the first %d were judged\n",
                      r->nfindings_total, cJSON_GetArraySize(r->findings));
    r->res.verdict = pl_run_verdict(r);
    r->res.seconds = (double)pl_run_now(r) / 1e6;
    r->res.hello = r->hello;
    if (r->proc) {
        size_t n;
        const char *out = pl_proc_stdout(r->proc, &n);
        if (n) {
            pl_buf_puts(&r->res.client, "---- client stdout ----\n");
            pl_buf_append(&r->res.client, out, n);
        }
        const char *err = pl_proc_stderr(r->proc, &n);
        if (n) {
            pl_buf_puts(&r->res.client, "---- client stderr ----\n");
            pl_buf_append(&r->res.client, err, n);
        }
        char st[96];
        pl_buf_printf(&r->res.client, "---- client %s%s ----\n", pl_proc_status(r->proc, st, sizeof st),
                      pl_proc_stopped_by_parley(r->proc) ? " (stopped by parley at the end)" : "");
    }
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "ev", "scenario");
    cJSON_AddStringToObject(rec, "id", r->sc->id);
    cJSON_AddStringToObject(rec, "phase", "end");
    cJSON_AddStringToObject(rec, "verdict", pl_verdict_name(r->res.verdict));
    if (r->res.message[0])
        cJSON_AddStringToObject(rec, "message", r->res.message);
    pl_server_trace_record(e->o.srv, rec);
    pl_run_unlink(e, r);
    e->done(e->user, r->sc, r->index, &r->res);
    pl_run_free(r);
}

/* Steps are over (done, failed, skipped, errored): close the session, stop the client and
 * give the last findings a moment to arrive. */
static void pl_run_settle(pl_run *r)
{
    if (r->phase >= PL_PHASE_SETTLE)
        return;
    r->phase = PL_PHASE_SETTLE; /* the current step is ended by the loop or by finish */
    if (r->session && pl_session_is_open(r->session))
        pl_session_close(r->session, 1000, "scenario over");
    if (r->proc)
        pl_proc_stop(r->proc, pl_clock_mono_us(), PL_RUN_STOP_GRACE_US);
    r->settle_deadline = pl_run_now(r) + pl_run_scale(r, PL_RUN_SETTLE_US) + PL_RUN_STOP_GRACE_US;
    pl_run_kick(r);
}

static int pl_run_settled(pl_run *r)
{
    int session_open = r->session && pl_session_is_open(r->session);
    int proc_running = r->proc && pl_proc_running(r->proc);
    return (!session_open && !proc_running) || pl_run_now(r) >= r->settle_deadline;
}

/* ---- the client ---------------------------------------------------------------------- */

static void pl_run_env(pl_run *r, char **env, char (*bufs)[600])
{
    pl_engine *e = r->e;
    const pl_dialect *d = pl_dialect_find(r->sc->dialect);
    const char *scheme = pl_server_tls(e->o.srv) ? "wss" : "ws";
    const char *host = pl_server_host(e->o.srv);
    int port = pl_server_port(e->o.srv);
    if (d && d->bridge_op)
        snprintf(bufs[0], 600, "PARLEY_URL=%s://%s:%d/%s/room?room=%s&user=client", scheme, host,
                 port, d->id, r->tag);
    else
        snprintf(bufs[0], 600, "PARLEY_URL=%s://%s:%d%s?parley_session=%s", scheme, host, port,
                 d && d->ws_path ? d->ws_path : "/", r->tag);
    snprintf(bufs[1], 600, "PARLEY_DRIVER_URL=%s://%s:%d/_parley/driver", scheme, host, port);
    snprintf(bufs[2], 600, "PARLEY_SESSION=%s", r->tag);
    snprintf(bufs[3], 600, "PARLEY_SCENARIO=%s", r->sc->id);
    for (int i = 0; i < 4; i++)
        env[i] = bufs[i];
    env[4] = NULL;
}

static int pl_run_spawn(pl_run *r)
{
    char err[512];
    char **argv = pl_proc_split(r->e->o.client_cmd, err, sizeof err);
    if (!argv) {
        pl_run_error(r, "client command: %s", err);
        return -1;
    }
    char bufs[4][600];
    char *env[5];
    pl_run_env(r, env, bufs);
    r->proc = pl_proc_start(argv, env, err, sizeof err);
    pl_proc_free_argv(argv);
    if (!r->proc) {
        pl_run_error(r, "the client would not start: %s", err);
        return -1;
    }
    pl_run_wire(r, "-- client started (pid %d): %s", (int)pl_proc_pid(r->proc),
                r->e->o.client_cmd);
    return 0;
}

/* Driver found: keep its hello, skip when an action or the dialect is missing. */
static void pl_run_bind_driver(pl_run *r, pl_driver *d)
{
    snprintf(r->driver_id, sizeof r->driver_id, "%s", pl_driver_id(d));
    r->hello = cJSON_Duplicate(pl_driver_hello(d), 1);
    char *h = cJSON_PrintUnformatted(r->hello);
    pl_run_wire(r, "-- client said hello on driver %s: %.500s", pl_driver_id(d), h);
    free(h);
    /* A client that is also a business backend says where it listens (hello.endpoints):
     * scenarios reach them as ${endpoints.callback}, … */
    const cJSON *ep = cJSON_GetObjectItemCaseSensitive(r->hello, "endpoints");
    if (cJSON_IsObject(ep) && !cJSON_HasObjectItem(r->vars, "endpoints"))
        cJSON_AddItemToObject(r->vars, "endpoints", cJSON_Duplicate(ep, 1));
    const cJSON *dialects = cJSON_GetObjectItemCaseSensitive(r->hello, "dialects");
    if (cJSON_IsArray(dialects) && !pl_run_rule_in(dialects, r->sc->dialect)) {
        pl_run_skip(r, "the client does not announce the %s dialect", r->sc->dialect);
        return;
    }
    pl_buf missing = {0};
    for (size_t i = 0; i < r->sc->n_actions; i++)
        if (!pl_driver_has_action(d, r->sc->actions[i]))
            pl_buf_printf(&missing, "%s%s", missing.len ? ", " : "", r->sc->actions[i]);
    if (missing.len)
        pl_run_skip(r, "the client does not announce the drive action%s %s",
                    strchr(missing.data, ',') ? "s" : "", missing.data);
    pl_buf_free(&missing);
    if (r->phase == PL_PHASE_CLIENT) {
        r->phase = PL_PHASE_STEPS;
        pl_run_kick(r);
    }
}

static pl_run *pl_engine_run_of_driver(pl_engine *e, pl_driver *d)
{
    for (pl_run *r = e->runs; r; r = r->link)
        if (!strcmp(r->driver_id, pl_driver_id(d)))
            return r;
    return NULL;
}

static void pl_run_look_for_driver(pl_run *r)
{
    pl_engine *e = r->e;
    pl_drivers *ds = pl_server_drivers(e->o.srv);
    pl_driver *d = pl_drivers_for_session(ds, r->tag);
    if (!d && e->o.client_connect) {
        d = pl_drivers_for_session(ds, NULL);
        pl_run *other = d ? pl_engine_run_of_driver(e, d) : NULL;
        if (other && other != r)
            d = NULL;
    }
    if (d)
        pl_run_bind_driver(r, d);
}

/* ---- the loop --------------------------------------------------------------------- */

static void pl_run_steps(pl_run *r)
{
    for (int guard = 0; guard < 10000 && r->phase == PL_PHASE_STEPS; guard++) {
        pl_step_state st = r->step ? pl_step_poll(r) : pl_step_start(r);
        if (st == PL_STEP_WAITING)
            return;
        if (!r->step && st == PL_STEP_DONE && r->phase == PL_PHASE_STEPS) {
            pl_run_settle(r); /* no step left */
            return;
        }
        pl_step_end(r);
    }
    if (r->phase == PL_PHASE_STEPS)
        pl_run_kick(r); /* a long run of instant steps: let the loop breathe */
}

static void pl_run_step(pl_run *r)
{
    if (r->proc)
        pl_proc_poll(r->proc, pl_clock_mono_us());
    switch (r->phase) {
    case PL_PHASE_CLIENT:
        if (r->sc->role_client) {
            if (pl_run_now(r) > pl_run_scale(r, PL_RUN_HELLO_WAIT_US))
                pl_run_error(r, "no answer from the target %s within %.0fs", r->target_url,
                             (double)pl_run_scale(r, PL_RUN_HELLO_WAIT_US) / 1e6);
            break;
        }
        pl_run_look_for_driver(r);
        if (r->phase != PL_PHASE_CLIENT)
            break;
        if (r->proc && !pl_proc_running(r->proc)) {
            char st[96];
            pl_run_error(r, "the client %s before it said hello on the driver channel",
                         pl_proc_status(r->proc, st, sizeof st));
        } else if (pl_run_now(r) > pl_run_scale(r, PL_RUN_HELLO_WAIT_US)) {
            pl_run_error(r, "the client did not say hello on the driver channel within %.0fs",
                         (double)pl_run_scale(r, PL_RUN_HELLO_WAIT_US) / 1e6);
        }
        break;
    case PL_PHASE_STEPS:
        if (pl_run_now(r) > pl_run_scale(r, r->sc->timeout_us)) {
            char msg[300];
            snprintf(msg, sizeof msg, "scenario timeout (%.1fs) during %s",
                     (double)pl_run_scale(r, r->sc->timeout_us) / 1e6,
                     r->step ? r->step_label : "the steps");
            pl_run_problem(r, r->sc->level == PL_LEVEL_SHOULD, "timeout", NULL, msg);
            pl_run_settle(r);
            break;
        }
        if (r->proc && !pl_proc_running(r->proc)) {
            char st[96];
            pl_run_error(r, "the client %s during %s", pl_proc_status(r->proc, st, sizeof st),
                         r->step ? r->step_label : "the scenario");
            break;
        }
        pl_run_steps(r);
        break;
    case PL_PHASE_SETTLE:
        if (pl_run_settled(r))
            pl_run_finish(r);
        break;
    case PL_PHASE_DONE:
        break;
    }
}

static void pl_run_advance_cb(lws_sorted_usec_list_t *sul)
{
    pl_run *r = lws_container_of(sul, pl_run, sul_advance);
    r->advance_armed = 0;
    pl_run_step(r);
}

static void pl_run_poll_cb(lws_sorted_usec_list_t *sul)
{
    pl_run *r = lws_container_of(sul, pl_run, sul_poll);
    lws_sul_schedule(r->e->ctx, 0, &r->sul_poll, pl_run_poll_cb, PL_RUN_POLL_US);
    pl_run_step(r); /* may free r: nothing after this */
}

/* ---- hooks from the server ----------------------------------------------------------- */

static pl_run *pl_engine_run_of_room(pl_engine *e, const char *room)
{
    for (pl_run *r = e->runs; r; r = r->link)
        if (room && !strcmp(r->tag, room) && r->phase < PL_PHASE_SETTLE)
            return r;
    if (e->o.client_connect) /* an app that connects by itself: one run at a time */
        for (pl_run *r = e->runs; r; r = r->link)
            if (r->phase < PL_PHASE_SETTLE)
                return r;
    return NULL;
}

static void pl_engine_session_hook(void *user, pl_session_opts *o)
{
    pl_run *r = pl_engine_run_of_room(user, o->room);
    if (!r)
        return;
    o->observer = pl_run_observer;
    o->observer_user = r;
    o->log_findings = 0; /* they go to the verdict and the report */
    o->behaviour = r->behaviour;
    if (r->e->o.client_connect && o->room && strcmp(o->room, r->tag)) {
        snprintf(r->tag, sizeof r->tag, "%s", o->room); /* follow the app's room */
        cJSON_ReplaceItemInObjectCaseSensitive(r->vars, "room", cJSON_CreateString(o->room));
    }
}

static void pl_engine_callback_hook(void *user, pl_driver *d, const char *name, const cJSON *args)
{
    pl_run *r = pl_engine_run_of_driver(user, d);
    if (!r || r->phase >= PL_PHASE_DONE)
        return;
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "name", name);
    cJSON_AddItemToObject(v, "args", args ? cJSON_Duplicate(args, 1) : cJSON_CreateObject());
    char *a = args ? cJSON_PrintUnformatted(args) : NULL;
    char line[700];
    snprintf(line, sizeof line, "app callback %s %.600s", name, a ? a : "{}");
    free(a);
    pl_run_add_obs(r, PL_OBS_CALLBACK, v, NULL, 0, "", line);
}

static int pl_engine_http_hook(void *user, const pl_server_http_req *req, int *status,
                               char **body, const char **ctype)
{
    return pl_steps_http(user, req, status, body, ctype);
}

/* ---- engine ----------------------------------------------------------------------- */

pl_engine *pl_engine_new(const pl_engine_opts *o, pl_engine_done_fn done, void *user)
{
    pl_engine *e = pl_xcalloc(1, sizeof *e);
    e->o = *o;
    e->done = done;
    e->user = user;
    e->ctx = pl_server_context(o->srv);
    pl_server_on_session(o->srv, pl_engine_session_hook, e);
    pl_server_on_http(o->srv, pl_engine_http_hook, e);
    pl_drivers_on_callback(pl_server_drivers(o->srv), pl_engine_callback_hook, e);
    return e;
}

void pl_engine_abort(pl_engine *e, const char *message)
{
    while (e->runs) {
        pl_run *r = e->runs;
        if (r->phase < PL_PHASE_SETTLE)
            pl_run_error(r, "%s", message);
        pl_run_finish(r);
    }
}

void pl_engine_free(pl_engine *e)
{
    if (!e)
        return;
    pl_engine_abort(e, "interrupted");
    pl_server_on_session(e->o.srv, NULL, NULL);
    pl_server_on_http(e->o.srv, NULL, NULL);
    pl_drivers_on_callback(pl_server_drivers(e->o.srv), NULL, NULL);
    free(e);
}

size_t pl_engine_running(const pl_engine *e)
{
    return e->nruns;
}

static cJSON *pl_run_builtins(pl_run *r)
{
    pl_engine *e = r->e;
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "session", r->tag);
    cJSON_AddStringToObject(v, "room", r->tag);
    cJSON_AddStringToObject(v, "scenario", r->sc->id);
    cJSON_AddStringToObject(v, "user", "client");
    cJSON_AddStringToObject(v, "agent",
                            pl_profile_string(pl_server_profile(e->o.srv), r->sc->dialect,
                                              "agent_id", "parley_agent"));
    cJSON_AddStringToObject(v, "run", e->o.run_id ? e->o.run_id : "run");
    char url[300];
    snprintf(url, sizeof url, "%s://%s:%d/_parley/runs/%s",
             pl_server_tls(e->o.srv) ? "https" : "http", pl_server_host(e->o.srv),
             pl_server_port(e->o.srv), r->scope);
    cJSON_AddStringToObject(v, "parley_url", url);
    cJSON_AddNumberToObject(v, "seed", (double)e->o.seed);
    const cJSON *x;
    cJSON_ArrayForEach(x, r->sc->vars)
    {
        cJSON_DeleteItemFromObjectCaseSensitive(v, x->string);
        cJSON_AddItemToObject(v, x->string, cJSON_Duplicate(x, 1));
    }
    return v;
}

void pl_engine_start(pl_engine *e, const pl_scenario *sc, size_t index)
{
    pl_run *r = pl_xcalloc(1, sizeof *r);
    r->e = e;
    r->sc = sc;
    r->index = index;
    r->t0_us = pl_clock_mono_us();
    r->strict = e->o.strict;
    r->rng = e->o.seed ^ (0x9E3779B97F4A7C15ULL * (index + 1));
    snprintf(r->tag, sizeof r->tag, "%s-%zu", e->o.run_id ? e->o.run_id : "sc", index + 1);
    snprintf(r->scope, sizeof r->scope, "%zu", index + 1);
    r->vars = pl_run_builtins(r);
    r->behaviour = cJSON_CreateObject();
    const cJSON *b;
    cJSON_ArrayForEach(b, sc->behaviour)
    {
        cJSON_AddBoolToObject(r->behaviour, pl_run_behaviour_name(r, b->string), cJSON_IsTrue(b));
    }
    r->findings = cJSON_CreateArray();
    r->link = e->runs;
    e->runs = r;
    e->nruns++;
    r->phase = sc->uses_client ? PL_PHASE_CLIENT : PL_PHASE_STEPS;

    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "ev", "scenario");
    cJSON_AddStringToObject(rec, "id", sc->id);
    cJSON_AddStringToObject(rec, "phase", "start");
    cJSON_AddStringToObject(rec, "room", r->tag);
    pl_server_trace_record(e->o.srv, rec);
    pl_run_wire(r, "-- scenario %s (%s:%d), session tag %s", sc->id, sc->file, sc->line, r->tag);

    lws_sul_schedule(e->ctx, 0, &r->sul_poll, pl_run_poll_cb, PL_RUN_POLL_US);
    const pl_dialect *d = pl_dialect_find(sc->dialect);
    if (!d || !pl_dialect_live(d))
        pl_run_skip(r, "the %s dialect is not in this build yet", sc->dialect);
    else if (sc->role_client)
        pl_run_target_connect(r);
    else if (sc->has_prompt && !e->o.prompt)
        pl_run_skip(r, "manual step (prompt): run with --prompt at a device");
    else if (sc->uses_client && !e->o.client_cmd && !e->o.client_connect)
        pl_run_skip(r, "needs a client under test (--client CMD or --client-connect)");
    else if (e->o.client_cmd)
        pl_run_spawn(r);
    pl_run_kick(r);
}
