/* pl_steps.c — the step kinds of a scenario (DESIGN §4, docs/scenarios.md).
 *
 * Each kind has a start function and, if it waits, a poll function; both return
 * PL_STEP_WAITING, PL_STEP_DONE or PL_STEP_FAILED (after pl_run_fail/pl_run_error said
 * why). The engine calls poll whenever something happened to the run (a new observation,
 * a reply, a timer), so a poll only looks at what is new: expectations keep a scan
 * position in the observation stream. Action steps (drive, send, send_raw, http,
 * callback, fault, prompt, behaviour) move the window mark: the expectations after them
 * consider what arrived since, so a message that raced ahead of its `expect` is still
 * found, and harmless interleaved records are ignored. */
#include "runner/pl_engine_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/pl_crypto.h"
#include "core/pl_sign.h"
#include "core/pl_json.h"
#include "mock/pl_catalog.h"
#include "mock/pl_http_client.h"

/* ---- helpers ------------------------------------------------------------------------ */

static const char *pl_step_kind(const pl_run *r)
{
    return pl_json_str(r->step, "step", "");
}

static int64_t pl_step_int(const cJSON *o, const char *key, int64_t dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : dflt;
}

static int64_t pl_step_within(const pl_run *r, int64_t dflt)
{
    return pl_run_scale(r, pl_step_int(r->step, "within_us", dflt));
}

static void pl_step_setvar(pl_run *r, const char *name, const cJSON *v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(r->vars, name);
    cJSON_AddItemToObject(r->vars, name, cJSON_Duplicate(v, 1));
}

static void pl_step_mark(pl_run *r)
{
    r->mark = r->next;
}

static char *pl_step_show(const cJSON *v, size_t max)
{
    char *t = v ? cJSON_PrintUnformatted(v) : pl_xstrdup("(nothing)");
    if (strlen(t) > max)
        strcpy(t + max - 3, "...");
    return t;
}

static pl_match_ctx pl_step_ctx(pl_run *r)
{
    pl_catalog *cat = pl_server_catalog(r->e->o.srv);
    pl_match_ctx c = {cat ? pl_catalog_schemas(cat) : NULL, r->vars};
    return c;
}

/* Sets the run's session as the target of send-like steps; waits for it within the
 * step's window (the client may still be joining). */
static pl_step_state pl_step_need_session(pl_run *r, pl_session **out)
{
    if (r->session && pl_session_is_open(r->session)) {
        *out = r->session;
        return PL_STEP_DONE;
    }
    if (pl_run_now(r) < r->step_deadline)
        return PL_STEP_WAITING;
    pl_run_fail(r, "step", NULL, "%s: no open session to act on (the client never joined the room %s, or left it)",
                r->step_label, r->tag);
    return PL_STEP_FAILED;
}

/* ---- send / send_raw ------------------------------------------------------------------ */

static pl_step_state pl_step_send(pl_run *r)
{
    pl_session *s;
    pl_step_state st = pl_step_need_session(r, &s);
    if (st != PL_STEP_DONE)
        return st;
    const char *from = pl_json_str(r->step, "from", NULL);
    if (!strcmp(pl_step_kind(r), "send")) {
        cJSON *m = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(r->step, "message"), 1);
        pl_session_send_scripted(s, from, m);
        cJSON_Delete(m);
        return PL_STEP_DONE;
    }
    const char *text = pl_json_str(r->step, "text", NULL);
    const char *hex = pl_json_str(r->step, "hex", NULL);
    const char *b64 = pl_json_str(r->step, "b64", NULL);
    unsigned char *bytes = NULL;
    size_t len = 0;
    if (text) {
        bytes = (unsigned char *)pl_xstrdup(text);
        len = strlen(text);
    } else if (hex) {
        bytes = pl_xmalloc(strlen(hex) / 2 + 1);
        int hi = -1;
        for (const char *p = hex; *p; p++) {
            int v = *p >= '0' && *p <= '9' ? *p - '0'
                    : (*p | 32) >= 'a' && (*p | 32) <= 'f' ? (*p | 32) - 'a' + 10
                                                             : -1;
            if (v < 0)
                continue; /* whitespace; the loader checked the rest */
            if (hi < 0) {
                hi = v;
            } else {
                bytes[len++] = (unsigned char)(hi << 4 | v);
                hi = -1;
            }
        }
    } else if (b64) {
        bytes = pl_crypto_base64_decode(b64, strlen(b64), &len);
    }
    if (!bytes) {
        pl_run_error(r, "%s: nothing to send (text, hex or b64)", r->step_label);
        return PL_STEP_FAILED;
    }
    int binary = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->step, "binary")) ||
                 pl_session_dialect(s)->bridge_binary;
    pl_session_send_raw(s, from ? from : pl_run_agent(r), bytes, len, binary);
    free(bytes);
    return PL_STEP_DONE;
}

/* ---- expectations ---------------------------------------------------------------------- */

static const struct {
    const char *name;
    pl_obs_class cls;
} pl_step_targets[] = {
    {"message", PL_OBS_MESSAGE}, {"sent", PL_OBS_SENT},   {"bridge", PL_OBS_BRIDGE},
    {"event", PL_OBS_EVENT},     {"finding", PL_OBS_FINDING}, {"close", PL_OBS_CLOSE},
    {"open", PL_OBS_OPEN},       {"text", PL_OBS_MESSAGE}, {"callback", PL_OBS_CALLBACK},
    {"http", PL_OBS_HTTP},
};

static pl_obs_class pl_step_class(const pl_run *r, int *text_mode)
{
    const char *t = pl_json_str(r->step, "target", "message");
    *text_mode = !strcmp(t, "text");
    if (!strcmp(pl_step_kind(r), "expect_callback"))
        return PL_OBS_CALLBACK;
    for (size_t i = 0; i < sizeof pl_step_targets / sizeof pl_step_targets[0]; i++)
        if (!strcmp(t, pl_step_targets[i].name))
            return pl_step_targets[i].cls;
    return PL_OBS_MESSAGE;
}

static const char *pl_step_target_name(const pl_run *r)
{
    if (!strcmp(pl_step_kind(r), "expect_callback"))
        return "app callback";
    return pl_json_str(r->step, "target", "message");
}

/* The pattern an expectation applies to each observation of its class. expect_callback's
 * name and args become {name, args}. Owned by the step (kept in r->step). */
static const cJSON *pl_step_pattern(pl_run *r)
{
    if (strcmp(pl_step_kind(r), "expect_callback"))
        return cJSON_GetObjectItemCaseSensitive(r->step, "match");
    cJSON *p = cJSON_GetObjectItemCaseSensitive(r->step, "_pattern");
    if (p)
        return p;
    p = cJSON_AddObjectToObject(r->step, "_pattern");
    cJSON_AddStringToObject(p, "name", pl_json_str(r->step, "name", ""));
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(r->step, "args");
    if (args)
        cJSON_AddItemToObject(p, "args", cJSON_Duplicate(args, 1));
    return p;
}

/* -1: not of this expectation's class/kind (or ignored); 0: a candidate that does not
 * match (res says why); 1: a match. */
static int pl_step_try(pl_run *r, pl_obs *o, pl_obs_class cls, int text_mode,
                       const cJSON *pattern, pl_match_result *res, int commit)
{
    if (o->cls != cls || o->consumed)
        return -1;
    if (cls == PL_OBS_CALLBACK && !strcmp(pl_step_kind(r), "expect_callback") &&
        strcmp(pl_json_str(o->value, "name", ""), pl_json_str(r->step, "name", "")))
        return -1; /* another callback: neither a match nor a near miss */
    pl_match_ctx ctx = pl_step_ctx(r);
    pl_match_ctx probe = {ctx.schemas, NULL};
    const cJSON *kindpat = cJSON_GetObjectItemCaseSensitive(r->step, "kind");
    if (kindpat) {
        cJSON *k = cJSON_CreateString(o->kind);
        int ok = pl_match(&probe, kindpat, k, res);
        cJSON_Delete(k);
        if (!ok)
            return -1;
    }
    cJSON *textv = text_mode ? cJSON_CreateString(o->text ? o->text : "") : NULL;
    const cJSON *v = text_mode ? textv : o->value;
    const cJSON *ign;
    cJSON_ArrayForEach(ign, cJSON_GetObjectItemCaseSensitive(r->step, "ignore"))
    {
        pl_match_result tmp;
        if (pl_match(&probe, ign, v, &tmp)) {
            cJSON_Delete(textv);
            return -1;
        }
    }
    int ok = pattern ? pl_match(commit ? &ctx : &probe, pattern, v, res) : 1;
    if (!pattern)
        memset(res, 0, sizeof *res), res->ok = 1;
    cJSON_Delete(textv);
    return ok ? 1 : 0;
}

static void pl_step_candidate(pl_run *r, size_t n, const pl_match_result *res)
{
    r->seen++;
    size_t worst = 0;
    if (r->ncand < 3) {
        worst = r->ncand++;
    } else {
        for (size_t i = 1; i < 3; i++)
            if (r->cand[i].score < r->cand[worst].score)
                worst = i;
        if (res->score < r->cand[worst].score)
            return;
    }
    r->cand[worst].n = n;
    r->cand[worst].score = res->score;
    r->cand[worst].total = res->total;
    pl_buf why = {0};
    if (res->path[0])
        pl_buf_printf(&why, "at %s: ", res->path);
    pl_buf_puts(&why, res->reason);
    snprintf(r->cand[worst].why, sizeof r->cand[worst].why, "%s", why.data);
    pl_buf_free(&why);
}

/* What an observation looked like, for failure messages. */
static void pl_step_show_obs(pl_run *r, pl_buf *b, size_t n)
{
    pl_obs *o = pl_run_obs(r, n);
    if (!o) {
        pl_buf_puts(b, "(dropped from the bounded stream)");
        return;
    }
    pl_buf_printf(b, "+%.3fs %s%s", (double)o->t_us / 1e6, o->kind, o->kind[0] ? " " : "");
    if (o->text) {
        pl_buf_printf(b, "%.400s%s", o->text, strlen(o->text) > 400 ? "..." : "");
    } else {
        char *t = pl_step_show(o->value, 400);
        pl_buf_puts(b, t);
        free(t);
    }
}

static void pl_step_expect_detail(pl_run *r, pl_buf *b, const cJSON *pattern)
{
    char *p = pl_step_show(pattern, 600);
    pl_buf_printf(b, "expected: %s matching %s", pl_step_target_name(r), p);
    free(p);
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(r->step, "kind");
    if (k) {
        char *ks = pl_step_show(k, 100);
        pl_buf_printf(b, " (kind %s)", ks);
        free(ks);
    }
    pl_buf_printf(b, "\nwindow: from the start of the last action step, %.3fs long\n",
                  (double)(r->step_deadline - r->step_t0) / 1e6);
    if (!r->seen) {
        pl_buf_printf(b, "nothing of that kind arrived in the window\n");
        return;
    }
    pl_buf_printf(b, "nearest of the %zu %s record%s that arrived in the window:\n", r->seen,
                  pl_step_target_name(r), r->seen == 1 ? "" : "s");
    for (size_t i = 0; i < r->ncand; i++) {
        pl_buf_puts(b, "  ");
        pl_step_show_obs(r, b, r->cand[i].n);
        pl_buf_printf(b, "\n    -> %s\n", r->cand[i].why);
    }
}

static void pl_step_fail_expect(pl_run *r, const cJSON *pattern, const char *what)
{
    pl_buf d = {0};
    pl_step_expect_detail(r, &d, pattern);
    char *p = pl_step_show(pattern, 200);
    char near[500] = "";
    if (r->ncand)
        snprintf(near, sizeof near, "; nearest: %.400s", r->cand[0].why);
    pl_run_fail(r, "step", d.data, "%s: %s %s matching %s%s", r->step_label, what,
                pl_step_target_name(r), p, near);
    free(p);
    pl_buf_free(&d);
}

static pl_step_state pl_step_expect_poll(pl_run *r)
{
    int text_mode;
    pl_obs_class cls = pl_step_class(r, &text_mode);
    const cJSON *pattern = pl_step_pattern(r);
    int strict = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->step, "strict_order"));
    if (r->scan < r->first)
        r->scan = r->first;
    for (; r->scan < r->next; r->scan++) {
        pl_obs *o = pl_run_obs(r, r->scan);
        pl_match_result res;
        int m = pl_step_try(r, o, cls, text_mode, pattern, &res, 1);
        if (m < 0)
            continue;
        if (m == 1) {
            o->consumed = 1;
            r->last_match = r->scan + 1;
            cJSON_Delete(r->last_value);
            r->last_value = text_mode ? cJSON_CreateString(o->text ? o->text : "")
                                      : cJSON_Duplicate(o->value, 1);
            r->scan++;
            return PL_STEP_DONE;
        }
        pl_step_candidate(r, r->scan, &res);
        if (strict) {
            r->scan++;
            pl_step_fail_expect(r, pattern, "strict order: the next record was not a");
            return PL_STEP_FAILED;
        }
    }
    if (pl_run_now(r) < r->step_deadline)
        return PL_STEP_WAITING;
    pl_step_fail_expect(r, pattern, "no");
    return PL_STEP_FAILED;
}

static pl_step_state pl_step_expect_none_poll(pl_run *r)
{
    int text_mode;
    pl_obs_class cls = pl_step_class(r, &text_mode);
    const cJSON *pattern = pl_step_pattern(r);
    if (r->scan < r->first)
        r->scan = r->first;
    for (; r->scan < r->next; r->scan++) {
        pl_obs *o = pl_run_obs(r, r->scan);
        pl_match_result res;
        if (pl_step_try(r, o, cls, text_mode, pattern, &res, 0) != 1)
            continue;
        pl_buf d = {0}, shown = {0};
        char *p = pl_step_show(pattern, 300);
        pl_step_show_obs(r, &shown, r->scan);
        pl_buf_printf(&d, "expected no %s matching %s for %.3fs\ngot: %s\n",
                      pl_step_target_name(r), p,
                      (double)(r->step_deadline - r->step_t0) / 1e6, shown.data);
        pl_run_fail(r, "step", d.data, "%s: unexpected %s: %.300s", r->step_label,
                    pl_step_target_name(r), shown.data);
        free(p);
        pl_buf_free(&d);
        pl_buf_free(&shown);
        r->scan++;
        return PL_STEP_FAILED;
    }
    return pl_run_now(r) < r->step_deadline ? PL_STEP_WAITING : PL_STEP_DONE;
}

/* expect_stream: count, cadence and a pattern for each selected record. */
static pl_step_state pl_step_stream_judge(pl_run *r, int final)
{
    int64_t cmin = pl_step_int(r->step, "count_min", 1), cmax = pl_step_int(r->step, "count_max", -1);
    size_t n = r->stream_n;
    if (!final && (int64_t)n < cmin)
        return PL_STEP_WAITING;
    if ((int64_t)n < cmin) {
        pl_run_fail(r, "stream", NULL, "%s: %zu %s record%s in %.3fs, expected at least %lld",
                    r->step_label, n, pl_step_target_name(r), n == 1 ? "" : "s",
                    (double)(r->step_deadline - r->step_t0) / 1e6, (long long)cmin);
        return PL_STEP_FAILED;
    }
    const cJSON *iv = cJSON_GetObjectItemCaseSensitive(r->step, "interval");
    int64_t mean_us = pl_step_int(iv, "mean_us", -1), tol = pl_step_int(iv, "tolerance_us", -1);
    int64_t max_us = pl_step_int(iv, "max_us", -1), min_us = pl_step_int(iv, "min_us", -1);
    for (size_t i = 1; i < n; i++) {
        int64_t dt = r->stream_t[i] - r->stream_t[i - 1];
        if (max_us >= 0 && dt > max_us) {
            pl_run_fail(r, "stream", NULL, "%s: a gap of %.0f ms between record %zu and %zu (max %.0f ms)",
                        r->step_label, (double)dt / 1e3, i, i + 1, (double)max_us / 1e3);
            return PL_STEP_FAILED;
        }
        if (min_us >= 0 && dt < min_us) {
            pl_run_fail(r, "stream", NULL, "%s: only %.0f ms between record %zu and %zu (min %.0f ms)",
                        r->step_label, (double)dt / 1e3, i, i + 1, (double)min_us / 1e3);
            return PL_STEP_FAILED;
        }
    }
    if (mean_us >= 0 && n >= 2) {
        double mean = (double)(r->stream_t[n - 1] - r->stream_t[0]) / (double)(n - 1);
        double t = tol >= 0 ? (double)tol : (double)mean_us * 0.2;
        if (mean < (double)mean_us - t || mean > (double)mean_us + t) {
            pl_run_fail(r, "stream", NULL, "%s: mean interval %.0f ms over %zu records, expected %.0f ms ± %.0f ms",
                        r->step_label, mean / 1e3, n, (double)mean_us / 1e3, t / 1e3);
            return PL_STEP_FAILED;
        }
    }
    (void)cmax;
    return PL_STEP_DONE;
}

static pl_step_state pl_step_stream_poll(pl_run *r)
{
    int text_mode;
    pl_obs_class cls = pl_step_class(r, &text_mode);
    const cJSON *pattern = pl_step_pattern(r);
    const cJSON *each = cJSON_GetObjectItemCaseSensitive(r->step, "each");
    int64_t cmax = pl_step_int(r->step, "count_max", -1);
    int windowed = cJSON_GetObjectItemCaseSensitive(r->step, "for_us") != NULL;
    if (r->scan < r->first)
        r->scan = r->first;
    for (; r->scan < r->next; r->scan++) {
        pl_obs *o = pl_run_obs(r, r->scan);
        pl_match_result res;
        if (pl_step_try(r, o, cls, text_mode, pattern, &res, 0) != 1)
            continue;
        o->consumed = 1;
        if (r->stream_n == r->stream_cap) {
            r->stream_cap = r->stream_cap ? r->stream_cap * 2 : 64;
            r->stream_t = pl_xrealloc(r->stream_t, r->stream_cap * sizeof *r->stream_t);
        }
        r->stream_t[r->stream_n++] = o->t_us;
        if (each) {
            pl_match_ctx ctx = pl_step_ctx(r);
            cJSON *tv = text_mode ? cJSON_CreateString(o->text ? o->text : "") : NULL;
            int ok = pl_match(&ctx, each, text_mode ? tv : o->value, &res);
            cJSON_Delete(tv);
            if (!ok) {
                pl_buf shown = {0};
                pl_step_show_obs(r, &shown, r->scan);
                pl_run_fail(r, "stream", shown.data, "%s: record %zu does not match `each`: %s%s%s",
                            r->step_label, r->stream_n, res.path, res.path[0] ? ": " : "",
                            res.reason);
                pl_buf_free(&shown);
                r->scan++;
                return PL_STEP_FAILED;
            }
        }
        if (cmax >= 0 && (int64_t)r->stream_n > cmax) {
            pl_run_fail(r, "stream", NULL, "%s: more than %lld %s records", r->step_label,
                        (long long)cmax, pl_step_target_name(r));
            r->scan++;
            return PL_STEP_FAILED;
        }
    }
    int over = pl_run_now(r) >= r->step_deadline;
    if (windowed && !over)
        return PL_STEP_WAITING;
    pl_step_state st = pl_step_stream_judge(r, over);
    if (st == PL_STEP_WAITING && over)
        return PL_STEP_FAILED;
    return st;
}

/* ---- drive -------------------------------------------------------------------------- */

static void pl_step_drive_reply(void *user, const cJSON *reply, const char *error)
{
    pl_run *r = user;
    r->drive_id = 0;
    r->have_reply = 1;
    cJSON_Delete(r->reply);
    r->reply = reply ? cJSON_Duplicate(reply, 1) : NULL;
    if (!reply) {
        r->reply = cJSON_CreateObject();
        cJSON_AddStringToObject(r->reply, "_error", error ? error : "no answer");
    }
    char *t = cJSON_PrintUnformatted(r->reply);
    pl_run_wire(r, "+%.3fs    drive   reply %.600s", (double)pl_run_now(r) / 1e6, t);
    free(t);
    pl_run_kick(r);
}

static pl_step_state pl_step_drive_start(pl_run *r)
{
    pl_driver *d = pl_run_driver(r);
    const char *action = pl_json_str(r->step, "action", "");
    if (!d) {
        pl_run_error(r, "%s: the client's driver connection is gone", r->step_label);
        return PL_STEP_FAILED;
    }
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(r->step, "args");
    char err[256];
    int64_t within = pl_step_within(r, PL_RUN_DRIVE_WITHIN_US);
    char *a = args ? cJSON_PrintUnformatted(args) : NULL;
    pl_run_wire(r, "+%.3fs    drive   %s %.600s", (double)pl_run_now(r) / 1e6, action, a ? a : "{}");
    free(a);
    r->drive_id = pl_driver_drive(d, action, args, within, pl_step_drive_reply, r, err, sizeof err);
    if (!r->drive_id) {
        pl_run_error(r, "%s: cannot drive %s: %s", r->step_label, action, err);
        return PL_STEP_FAILED;
    }
    r->step_deadline = r->step_t0 + within + 2000000;
    return PL_STEP_WAITING;
}

static pl_step_state pl_step_drive_poll(pl_run *r)
{
    const char *action = pl_json_str(r->step, "action", "");
    if (!r->have_reply)
        return PL_STEP_WAITING; /* the driver times the command out itself */
    const char *gone = pl_json_str(r->reply, "_error", NULL);
    if (gone) {
        pl_run_fail(r, "drive", NULL, "%s: drive %s got no answer from the client (%s within %.1fs)",
                    r->step_label, action, gone,
                    (double)pl_step_within(r, PL_RUN_DRIVE_WITHIN_US) / 1e6);
        return PL_STEP_FAILED;
    }
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(r->step, "expect");
    const cJSON *want_ok = cJSON_GetObjectItemCaseSensitive(exp, "ok");
    int want = want_ok ? cJSON_IsTrue(want_ok) : 1;
    int ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->reply, "ok"));
    if (ok != want) {
        pl_run_fail(r, "drive", NULL, "%s: drive %s: the client answered ok:%s%s%s, expected ok:%s",
                    r->step_label, action, ok ? "true" : "false",
                    ok ? "" : " (error: ", ok ? "" : pl_json_str(r->reply, "error", "none"),
                    want ? "true)" : "false");
        return PL_STEP_FAILED;
    }
    static const char *const keys[] = {"result", "error"};
    for (size_t i = 0; i < 2; i++) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(exp, keys[i]);
        pl_match_result res;
        pl_match_ctx ctx = pl_step_ctx(r);
        if (p && !pl_match(&ctx, p, cJSON_GetObjectItemCaseSensitive(r->reply, keys[i]), &res)) {
            pl_run_fail(r, "drive", NULL, "%s: drive %s: the answer's %s %s%s%s", r->step_label,
                        action, keys[i], res.path, res.path[0] ? ": " : "", res.reason);
            return PL_STEP_FAILED;
        }
    }
    cJSON_Delete(r->last_value);
    r->last_value = cJSON_Duplicate(r->reply, 1);
    return PL_STEP_DONE;
}

/* ---- prompt ------------------------------------------------------------------------- */

static pl_step_state pl_step_prompt_start(pl_run *r)
{
    if (!r->e->o.prompt) {
        pl_run_skip(r, "manual step (prompt): run with --prompt");
        return PL_STEP_FAILED;
    }
    printf("\n[prompt] %s, %s\n  %s\n  Enter = done, f + Enter = failed, s + Enter = skip > ",
           r->sc->id, r->step_label, pl_json_str(r->step, "text", ""));
    fflush(stdout);
    r->stdin_flags = fcntl(0, F_GETFL);
    fcntl(0, F_SETFL, r->stdin_flags | O_NONBLOCK);
    r->prompt_active = 1;
    r->step_deadline = cJSON_GetObjectItemCaseSensitive(r->step, "within_us")
                           ? r->step_t0 + pl_step_within(r, 0)
                           : INT64_MAX;
    return PL_STEP_WAITING;
}

static pl_step_state pl_step_prompt_poll(pl_run *r)
{
    char line[256];
    ssize_t n = read(0, line, sizeof line - 1);
    if (n < 0 && errno == EAGAIN) {
        if (pl_run_now(r) < r->step_deadline)
            return PL_STEP_WAITING;
        pl_run_fail(r, "prompt", NULL, "%s: no answer from the tester in time", r->step_label);
        return PL_STEP_FAILED;
    }
    if (n <= 0) {
        pl_run_error(r, "%s: stdin closed while waiting for the tester", r->step_label);
        return PL_STEP_FAILED;
    }
    line[n] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    pl_run_wire(r, "+%.3fs    prompt  answer \"%s\"", (double)pl_run_now(r) / 1e6, line);
    if (line[0] == 'f' || line[0] == 'F') {
        pl_run_fail(r, "prompt", NULL, "%s: the tester marked it failed%s%s", r->step_label,
                    line[1] ? ":" : "", line + 1);
        return PL_STEP_FAILED;
    }
    if (line[0] == 's' || line[0] == 'S') {
        pl_run_skip(r, "the tester skipped %s", r->step_label);
        return PL_STEP_FAILED;
    }
    return PL_STEP_DONE;
}

/* ---- http / callback ------------------------------------------------------------------- */

struct pl_http_ticket {
    pl_run *r; /* NULL once the step is gone: the answer is then dropped */
};

static void pl_step_http_done(void *user, int status, const char *body, size_t len,
                              const char *error)
{
    struct pl_http_ticket *t = user;
    pl_run *r = t->r;
    free(t);
    if (!r)
        return;
    r->ticket = NULL;
    r->have_reply = 1;
    cJSON_Delete(r->reply);
    r->reply = cJSON_CreateObject();
    cJSON_AddNumberToObject(r->reply, "status", status);
    if (status < 0)
        cJSON_AddStringToObject(r->reply, "_error", error ? error : "failed");
    char *b = pl_xstrndup(body ? body : "", len);
    cJSON_AddStringToObject(r->reply, "body", b);
    cJSON *j = cJSON_ParseWithLength(b, len);
    if (j)
        cJSON_AddItemToObject(r->reply, "json", j);
    pl_run_wire(r, "+%.3fs    http    answer %d %.600s", (double)pl_run_now(r) / 1e6, status, b);
    free(b);
    pl_run_kick(r);
}

static int pl_step_has_header(char **headers, size_t n, const char *name, const char **value)
{
    size_t l = strlen(name);
    for (size_t k = 0; k < n; k++)
        if (!strncasecmp(headers[k], name, l) && headers[k][l] == ':') {
            *value = headers[k] + l + 1 + (headers[k][l + 1] == ' ');
            return 1;
        }
    return 0;
}

/* The request's headers for the V4 signer: the step's own ("Name: value" lines), else the
 * Content-Type and Host the request is sent with. */
typedef struct {
    char **headers;
    size_t n;
    const char *ctype, *host;
} pl_step_v4_hdrs;

static int pl_step_v4_header(const void *impl, const char *name, char *out, size_t n)
{
    const pl_step_v4_hdrs *h = impl;
    const char *v = NULL;
    if (!pl_step_has_header(h->headers, h->n, name, &v))
        v = !strcmp(name, "content-type") ? h->ctype : !strcmp(name, "host") ? h->host : NULL;
    if (!v)
        return -1;
    snprintf(out, n, "%s", v);
    return (int)strlen(out);
}

/* sign: v4 — the request signed as a Volcengine OpenAPI client the way the Python demo does
 * (protocols/volc.md §1.2): credentials the profile's first volc.credentials entry (sign_key
 * replaces the secret), region volc.region (cn-north-1), service rtc; X-Date and
 * X-Content-Sha256 (the body's SHA-256) are added when the step leaves them out (a step's own
 * value is signed as given, so a wrong hash can be sent on purpose), Content-Type defaults to
 * application/json; SignedHeaders content-type;host;x-content-sha256;x-date; the query of the
 * URL (path "/?Action=StartVoiceChat&Version=2024-12-01") is signed canonicalised. */
static void pl_step_sign_v4(pl_run *r, const char *method, const char *url, const char **ctype,
                            const char *body, char **headers, size_t *n)
{
    const pl_profile *p = pl_server_profile(r->e->o.srv);
    const char *key = pl_json_str(r->step, "sign_key", NULL);
    const cJSON *cr = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(pl_profile_section(p, "volc"), "credentials"), 0);
    const char *ak = pl_json_str(cr, "access_key_id", "AKLTparleyEXAMPLE");
    const char *sk = key ? key : pl_json_str(cr, "secret_access_key", "parleyVolcSecretKeyEXAMPLE");
    const char *region = pl_profile_string(p, "volc", "region", "cn-north-1");
    if (!*ctype)
        *ctype = "application/json";
    /* The Host lws sends (the URL's host without the port) and the path with its query. */
    char *parse = pl_xstrdup(url), host[256] = "", *path = NULL;
    const char *proto, *address, *upath;
    int port;
    if (!lws_parse_uri(parse, &proto, &address, &port, &upath)) {
        snprintf(host, sizeof host, "%s", address);
        path = pl_xmalloc(strlen(upath) + 2);
        sprintf(path, "/%s", upath);
    }
    free(parse);
    char *query = path ? strchr(path, '?') : NULL;
    if (query)
        *query++ = '\0';
    pl_buf b = PL_BUF_INIT;
    const char *xdate = NULL, *xsha = NULL;
    if (!pl_step_has_header(headers, *n, "X-Date", &xdate)) {
        char d[17];
        pl_sign_x_date((long long)time(NULL), d);
        pl_buf_printf(&b, "X-Date: %s", d);
        headers[(*n)++] = pl_buf_take(&b);
        pl_step_has_header(headers, *n, "X-Date", &xdate);
    }
    if (!pl_step_has_header(headers, *n, "X-Content-Sha256", &xsha)) {
        char hash[65];
        pl_crypto_sha256_hex(body ? body : "", body ? strlen(body) : 0, hash);
        pl_buf_printf(&b, "X-Content-Sha256: %s", hash);
        headers[(*n)++] = pl_buf_take(&b);
        pl_step_has_header(headers, *n, "X-Content-Sha256", &xsha);
    }
    pl_step_v4_hdrs h = {headers, *n, *ctype, host};
    char *auth = pl_v4_authorization(ak, sk, region, "rtc", xdate, method, path, query,
                                     "content-type;host;x-content-sha256;x-date",
                                     pl_step_v4_header, &h, xsha);
    free(path);
    if (!auth) /* only with an X-Date the step set shorter than a date */
        return;
    pl_buf_printf(&b, "Authorization: %s", auth);
    free(auth);
    headers[(*n)++] = pl_buf_take(&b);
}

/* sign: tc3 — the request signed as a TencentCloud API 3.0 client (credentials: the
 * profile's first trtc.credentials entry; sign_key replaces the secret key): X-TC-Timestamp
 * and X-TC-Version are added when the step leaves them out. sign: trtc — a trtc callback:
 * Sign = base64 HMAC-SHA256 of the body with trtc.callback_key (or sign_key), and SdkAppId.
 * sign: v4 — pl_step_sign_v4. */
static void pl_step_sign(pl_run *r, const char *scheme, const char *method, const char *url,
                         const char **ctypep, const char *body, char **headers, size_t *n)
{
    if (!strcmp(scheme, "v4")) {
        pl_step_sign_v4(r, method, url, ctypep, body, headers, n);
        return;
    }
    const char *ctype = *ctypep;
    const pl_profile *p = pl_server_profile(r->e->o.srv);
    const char *key = pl_json_str(r->step, "sign_key", NULL);
    size_t blen = body ? strlen(body) : 0;
    pl_buf b = PL_BUF_INIT;
    if (!strcmp(scheme, "trtc")) {
        char *sig = pl_sign_trtc_callback(
            key ? key : pl_profile_string(p, "trtc", "callback_key", "parleycallbackkey0123456789abcde"),
            body ? body : "", blen);
        pl_buf_printf(&b, "Sign: %s", sig);
        free(sig);
        headers[(*n)++] = pl_buf_take(&b);
        const char *v;
        if (!pl_step_has_header(headers, *n, "SdkAppId", &v)) {
            pl_buf_printf(&b, "SdkAppId: %.0f", pl_profile_number(p, "trtc", "sdk_app_id", 1400000001));
            headers[(*n)++] = pl_buf_take(&b);
        }
        return;
    }
    const cJSON *cr = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(pl_profile_section(p, "trtc"), "credentials"), 0);
    const char *id = pl_json_str(cr, "secret_id", "AKIDparleyEXAMPLE");
    const char *secret = key ? key : pl_json_str(cr, "secret_key", "parleySecretKeyEXAMPLE");
    /* The Host lws sends: the URL's host without the port (pl_http_client_info). */
    char *parse = pl_xstrdup(url), host[256] = "";
    const char *proto, *address, *path;
    int port;
    if (!lws_parse_uri(parse, &proto, &address, &port, &path))
        snprintf(host, sizeof host, "%s", address);
    free(parse);
    const char *action = NULL, *ts = NULL, *v;
    pl_step_has_header(headers, *n, "X-TC-Action", &action);
    long long now = (long long)time(NULL);
    if (!pl_step_has_header(headers, *n, "X-TC-Timestamp", &ts)) {
        pl_buf_printf(&b, "X-TC-Timestamp: %lld", now);
        headers[(*n)++] = pl_buf_take(&b);
    } else {
        now = atoll(ts);
    }
    if (!pl_step_has_header(headers, *n, "X-TC-Version", &v)) {
        pl_buf_printf(&b, "X-TC-Version: 2019-07-22");
        headers[(*n)++] = pl_buf_take(&b);
    }
    char *auth = pl_tc3_authorization(id, secret, "trtc", host, ctype ? ctype : "", NULL, now,
                                      body ? body : "", blen);
    (void)action;
    pl_buf_printf(&b, "Authorization: %s", auth);
    free(auth);
    headers[(*n)++] = pl_buf_take(&b);
}

static pl_step_state pl_step_http_start(pl_run *r)
{
    const char *sign = pl_json_str(r->step, "sign", NULL);
    if (sign && strcmp(sign, "tc3") && strcmp(sign, "trtc") && strcmp(sign, "v4")) {
        pl_run_error(r, "%s: no request signer '%s' in this build (tc3, trtc, v4)", r->step_label,
                     sign);
        return PL_STEP_FAILED;
    }
    char url[1024];
    const char *u = pl_json_str(r->step, "url", NULL);
    if (u)
        snprintf(url, sizeof url, "%s", u);
    else
        snprintf(url, sizeof url, "%s://%s:%d%s", pl_server_tls(r->e->o.srv) ? "https" : "http",
                 pl_server_host(r->e->o.srv), pl_server_port(r->e->o.srv),
                 pl_json_str(r->step, "path", "/"));
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(r->step, "body");
    char *btxt = !body ? NULL
                 : cJSON_IsString(body) ? pl_xstrdup(body->valuestring)
                                        : cJSON_PrintUnformatted(body);
    const char *method = pl_json_str(r->step, "method", body ? "POST" : "GET");
    const cJSON *hs = cJSON_GetObjectItemCaseSensitive(r->step, "headers");
    size_t nh = (size_t)cJSON_GetArraySize(hs);
    char **headers = pl_xcalloc(nh + 5, sizeof *headers); /* + what a signer adds */
    const char *ctype = body && !cJSON_IsString(body) ? "application/json" : NULL;
    size_t i = 0;
    const cJSON *h;
    cJSON_ArrayForEach(h, hs)
    {
        if (!strcasecmp(h->string, "content-type")) {
            ctype = pl_json_str(hs, h->string, NULL);
            continue;
        }
        pl_buf hb = {0};
        pl_buf_printf(&hb, "%s: %s", h->string, cJSON_IsString(h) ? h->valuestring : "");
        headers[i++] = pl_buf_take(&hb);
    }
    if (sign)
        pl_step_sign(r, sign, method, url, &ctype, btxt, headers, &i);
    struct pl_http_ticket *t = pl_xcalloc(1, sizeof *t);
    t->r = r;
    pl_http_request req = {.method = method,
                           .url = url,
                           .content_type = ctype,
                           .headers = (const char *const *)headers,
                           .body = btxt,
                           .body_len = btxt ? strlen(btxt) : 0,
                           .insecure = 1,
                           .done = pl_step_http_done,
                           .user = t};
    char err[256];
    pl_run_wire(r, "+%.3fs    http    %s %s %.400s", (double)pl_run_now(r) / 1e6, method, url,
                btxt ? btxt : "");
    int rc = pl_http_client_start(r->e->ctx, &req, err, sizeof err);
    for (size_t k = 0; k < i; k++)
        free(headers[k]);
    free(headers);
    free(btxt);
    if (rc) {
        free(t);
        pl_run_fail(r, "http", NULL, "%s: cannot send the request to %s: %s", r->step_label, url, err);
        return PL_STEP_FAILED;
    }
    r->ticket = t;
    r->step_deadline = r->step_t0 + pl_step_within(r, PL_RUN_DRIVE_WITHIN_US);
    return PL_STEP_WAITING;
}

/* Checks status/body/json of an HTTP exchange (http, callback) against step.expect. */
static pl_step_state pl_step_http_check(pl_run *r)
{
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(r->step, "expect");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(r->reply, "status");
    int code = cJSON_IsNumber(status) ? status->valueint : -1;
    const char *err = pl_json_str(r->reply, "_error", NULL);
    if (err) {
        pl_run_fail(r, "http", NULL, "%s: the request failed: %s", r->step_label, err);
        return PL_STEP_FAILED;
    }
    static const char *const keys[] = {"status", "body", "json"};
    for (size_t i = 0; i < 3; i++) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(exp, keys[i]);
        pl_match_result res;
        pl_match_ctx ctx = pl_step_ctx(r);
        if (p && !pl_match(&ctx, p, cJSON_GetObjectItemCaseSensitive(r->reply, keys[i]), &res)) {
            pl_run_fail(r, "http", pl_json_str(r->reply, "body", ""),
                        "%s: the answer's %s %s%s%s", r->step_label, keys[i], res.path,
                        res.path[0] ? ": " : "", res.reason);
            return PL_STEP_FAILED;
        }
    }
    if (!cJSON_GetObjectItemCaseSensitive(exp, "status") && (code < 200 || code > 299)) {
        pl_run_fail(r, "http", pl_json_str(r->reply, "body", ""), "%s: HTTP status %d (expected 2xx)",
                    r->step_label, code);
        return PL_STEP_FAILED;
    }
    const cJSON *cap;
    cJSON_ArrayForEach(cap, cJSON_GetObjectItemCaseSensitive(r->step, "capture"))
    {
        const cJSON *v = cJSON_IsString(cap) ? pl_json_pointer(cJSON_GetObjectItemCaseSensitive(r->reply, "json"),
                                                             cap->valuestring)
                                             : NULL;
        if (!v) {
            pl_run_fail(r, "http", NULL, "%s: capture %s: nothing at %s in the JSON answer",
                        r->step_label, cap->string, cJSON_IsString(cap) ? cap->valuestring : "?");
            return PL_STEP_FAILED;
        }
        pl_step_setvar(r, cap->string, v);
    }
    cJSON_Delete(r->last_value);
    r->last_value = cJSON_Duplicate(r->reply, 1);
    return PL_STEP_DONE;
}

static pl_step_state pl_step_http_poll(pl_run *r)
{
    if (r->have_reply)
        return pl_step_http_check(r);
    if (pl_run_now(r) < r->step_deadline)
        return PL_STEP_WAITING;
    pl_run_fail(r, "http", NULL, "%s: no HTTP answer within %.1fs", r->step_label,
                (double)(r->step_deadline - r->step_t0) / 1e6);
    return PL_STEP_FAILED;
}

/* expect_http: a request to parley's own port while the step waits. */
static cJSON *pl_steps_http_value(const pl_run *r, const pl_server_http_req *req)
{
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "method", req->method);
    cJSON_AddStringToObject(v, "path", req->path);
    cJSON_AddStringToObject(v, "query", req->query);
    cJSON *hs = cJSON_AddObjectToObject(v, "headers");
    const cJSON *want;
    cJSON_ArrayForEach(want, cJSON_GetObjectItemCaseSensitive(r->step, "headers"))
    {
        char val[1024];
        if (req->header(req->impl, want->string, val, sizeof val) >= 0)
            cJSON_AddStringToObject(hs, want->string, val);
    }
    char *b = pl_xstrndup(req->body ? req->body : "", req->body_len);
    cJSON_AddStringToObject(v, "body", b);
    cJSON *j = cJSON_ParseWithLength(b, req->body_len);
    if (j)
        cJSON_AddItemToObject(v, "json", j);
    free(b);
    return v;
}

int pl_steps_http(pl_engine *e, const pl_server_http_req *req, int *status, char **body,
                  const char **ctype)
{
    for (pl_run *r = e->runs; r; r = r->link) {
        if (r->phase != PL_PHASE_STEPS || !r->step || r->have_reply ||
            strcmp(pl_step_kind(r), "expect_http"))
            continue;
        if (req->scope && req->scope[0] && strcmp(req->scope, r->scope))
            continue; /* sent to another run's ${parley_url} */
        cJSON *v = pl_steps_http_value(r, req);
        int ok = 1;
        static const char *const keys[] = {"method", "path", "query", "headers", "body", "json"};
        pl_match_ctx ctx = pl_step_ctx(r);
        for (size_t i = 0; i < 6 && ok; i++) {
            const cJSON *p = cJSON_GetObjectItemCaseSensitive(r->step, keys[i]);
            pl_match_result res;
            if (p && !pl_match(&ctx, p, cJSON_GetObjectItemCaseSensitive(v, keys[i]), &res))
                ok = 0;
        }
        if (!ok) {
            cJSON_Delete(v);
            continue;
        }
        char line[700];
        snprintf(line, sizeof line, "http in  %s %s%s%s %.500s", req->method, req->path,
                 req->query[0] ? "?" : "", req->query, pl_json_str(v, "body", ""));
        r->have_reply = 1;
        pl_run_add_obs(r, PL_OBS_HTTP, v, NULL, 0, "", line);
        const cJSON *resp = cJSON_GetObjectItemCaseSensitive(r->step, "respond");
        if (!resp)
            return 0; /* observed only: the mock's own endpoint (a dialect API) answers */
        *status = (int)pl_step_int(resp, "status", 200);
        const cJSON *rb = cJSON_GetObjectItemCaseSensitive(resp, "body");
        *body = !rb ? pl_xstrdup("") : cJSON_IsString(rb) ? pl_xstrdup(rb->valuestring)
                                                          : cJSON_PrintUnformatted(rb);
        *ctype = rb && !cJSON_IsString(rb) ? "application/json" : "text/plain";
        const cJSON *h;
        cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(resp, "headers"))
        {
            if (!strcasecmp(h->string, "content-type") && cJSON_IsString(h))
                *ctype = h->valuestring; /* the scenario outlives the answer */
        }
        return 1;
    }
    return 0;
}

static pl_step_state pl_step_expect_http_poll(pl_run *r)
{
    if (r->have_reply)
        return PL_STEP_DONE;
    if (pl_run_now(r) < r->step_deadline)
        return PL_STEP_WAITING;
    char *p = pl_step_show(r->step, 400);
    pl_run_fail(r, "http", p, "%s: no matching HTTP request to parley within %.1fs", r->step_label,
                (double)(r->step_deadline - r->step_t0) / 1e6);
    free(p);
    return PL_STEP_FAILED;
}

/* ---- act ------------------------------------------------------------------------------ */

static pl_step_state pl_step_act(pl_run *r)
{
    pl_session *s;
    pl_step_state st = pl_step_need_session(r, &s);
    if (st != PL_STEP_DONE)
        return st;
    const char *name = pl_json_str(r->step, "name", "");
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(r->step, "args");
    char *a = args ? cJSON_PrintUnformatted(args) : NULL;
    pl_run_wire(r, "+%.3fs -- act %s %s", (double)pl_run_now(r) / 1e6, name, a ? a : "{}");
    free(a);
    char err[256];
    if (pl_session_act(s, name, args, err, sizeof err)) {
        pl_run_fail(r, "step", NULL, "%s: act %s: %s", r->step_label, name, err);
        return PL_STEP_FAILED;
    }
    return PL_STEP_DONE;
}

/* ---- fault ---------------------------------------------------------------------------- */

static pl_step_state pl_step_fault(pl_run *r)
{
    const char *a = pl_json_str(r->step, "action", "");
    if (!strcmp(a, "drop") || !strcmp(a, "delay") || !strcmp(a, "duplicate") ||
        !strcmp(a, "reorder") || !strcmp(a, "corrupt")) {
        pl_faults_add(r, r->step);
        return PL_STEP_DONE;
    }
    if (!strcmp(a, "stall")) {
        pl_faults_stall(r, pl_step_int(r->step, "for_us", 1000000));
        return PL_STEP_DONE;
    }
    pl_session *s;
    pl_step_state st = pl_step_need_session(r, &s);
    if (st != PL_STEP_DONE)
        return st;
    pl_run_wire(r, "+%.3fs -- fault %s", (double)pl_run_now(r) / 1e6, a);
    int rc = 0;
    if (!strcmp(a, "close"))
        pl_session_close(s, (int)pl_step_int(r->step, "code", 1000),
                         pl_json_str(r->step, "reason", "fault"));
    else if (!strcmp(a, "disconnect"))
        rc = pl_session_abort(s);
    else if (!strcmp(a, "slice"))
        rc = pl_session_fragment(s, (size_t)pl_step_int(r->step, "size", 1));
    else
        rc = -1;
    if (rc) {
        pl_run_error(r, "%s: fault %s is not available on this transport", r->step_label, a);
        return PL_STEP_FAILED;
    }
    return PL_STEP_DONE;
}

/* ---- set / capture / behaviour / repeat ------------------------------------------------- */

static pl_step_state pl_step_vars(pl_run *r)
{
    const char *k = pl_step_kind(r);
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(r->step, "vars"))
    {
        if (!strcmp(k, "set")) {
            pl_step_setvar(r, x->string, x);
            continue;
        }
        const cJSON *v = cJSON_IsString(x) ? pl_json_pointer(r->last_value, x->valuestring) : NULL;
        if (!v) {
            char *lv = pl_step_show(r->last_value, 300);
            pl_run_fail(r, "capture", NULL, "%s: capture %s: nothing at %s in the last matched value %s",
                        r->step_label, x->string, cJSON_IsString(x) ? x->valuestring : "?", lv);
            free(lv);
            return PL_STEP_FAILED;
        }
        pl_step_setvar(r, x->string, v);
    }
    return PL_STEP_DONE;
}

static pl_step_state pl_step_behaviour(pl_run *r)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(r->step, "switches"))
    {
        const char *name = pl_run_behaviour_name(r, x->string);
        cJSON_DeleteItemFromObjectCaseSensitive(r->behaviour, name);
        cJSON_AddBoolToObject(r->behaviour, name, cJSON_IsTrue(x));
        if (r->session && pl_session_is_open(r->session) &&
            pl_session_set_behaviour(r->session, name, cJSON_IsTrue(x))) {
            pl_run_error(r, "%s: the %s dialect has no behaviour %s (parley list behaviours)",
                         r->step_label, r->sc->dialect, x->string);
            return PL_STEP_FAILED;
        }
    }
    char *t = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(r->step, "switches"));
    pl_run_wire(r, "+%.3fs -- behaviour %s", (double)pl_run_now(r) / 1e6, t ? t : "");
    free(t);
    return PL_STEP_DONE;
}

/* ---- step sequencing ---------------------------------------------------------------- */

static void pl_step_push(pl_run *r, const cJSON *steps, long count, const char *as)
{
    pl_frame *f = &r->stack[r->depth++];
    memset(f, 0, sizeof *f);
    f->steps = steps;
    f->left = count - 1;
    if (as) {
        snprintf(f->as, sizeof f->as, "%s", as);
        cJSON *zero = cJSON_CreateNumber(0);
        pl_step_setvar(r, f->as, zero);
        cJSON_Delete(zero);
    }
}

static const cJSON *pl_step_next(pl_run *r)
{
    if (!r->depth && !r->step_no)
        pl_step_push(r, r->sc->steps, 1, NULL);
    while (r->depth > 0) {
        pl_frame *f = &r->stack[r->depth - 1];
        const cJSON *s = cJSON_GetArrayItem(f->steps, f->next);
        if (s) {
            f->next++;
            return s;
        }
        if (f->left > 0) {
            f->left--;
            f->iter++;
            f->next = 0;
            if (f->as[0]) {
                cJSON *it = cJSON_CreateNumber((double)f->iter);
                pl_step_setvar(r, f->as, it);
                cJSON_Delete(it);
            }
            continue;
        }
        r->depth--;
    }
    return NULL;
}

static void pl_step_label(pl_run *r)
{
    const char *kind = pl_step_kind(r);
    /* expect_callback's "name" is the callback's, shown as what it waits for. */
    const char *name = strcmp(kind, "expect_callback") ? pl_json_str(r->step, "name", NULL) : NULL;
    const char *what = !strcmp(kind, "drive")             ? pl_json_str(r->step, "action", "")
                       : !strcmp(kind, "expect_callback") ? pl_json_str(r->step, "name", "")
                                                          : pl_json_str(r->step, "target", "");
    snprintf(r->step_label, sizeof r->step_label, "step %d (%s%s%s, line %d)%s%s%s", r->step_no,
             kind, what[0] ? " " : "", what, (int)pl_step_int(r->step, "line", 0),
             name ? " \"" : "", name ? name : "", name ? "\"" : "");
}

/* Every step kind: how it starts (NULL: its poll does) and how it is re-checked (NULL:
 * it is over once started); an action step moves the expectations' window mark. */
struct pl_step_kind_info {
    const char *name;
    int action;
    pl_step_state (*start)(pl_run *r);
    pl_step_state (*poll)(pl_run *r);
};

static pl_step_state pl_step_wait_poll(pl_run *r)
{
    return pl_run_now(r) < r->step_deadline ? PL_STEP_WAITING : PL_STEP_DONE;
}

static const pl_step_kind_info pl_step_kinds[] = {
    {"send", 1, NULL, pl_step_send},
    {"send_raw", 1, NULL, pl_step_send},
    {"expect", 0, NULL, pl_step_expect_poll},
    {"expect_callback", 0, NULL, pl_step_expect_poll},
    {"expect_none", 0, NULL, pl_step_expect_none_poll},
    {"expect_stream", 0, NULL, pl_step_stream_poll},
    {"drive", 1, pl_step_drive_start, pl_step_drive_poll},
    {"prompt", 1, pl_step_prompt_start, pl_step_prompt_poll},
    {"http", 1, pl_step_http_start, pl_step_http_poll},
    {"callback", 1, pl_step_http_start, pl_step_http_poll},
    {"expect_http", 0, NULL, pl_step_expect_http_poll},
    {"act", 1, NULL, pl_step_act},
    {"fault", 1, NULL, pl_step_fault},
    {"wait", 0, NULL, pl_step_wait_poll},
    {"set", 0, pl_step_vars, NULL},
    {"capture", 0, pl_step_vars, NULL},
    {"behaviour", 1, pl_step_behaviour, NULL},
};

static const pl_step_kind_info *pl_step_kind_find(const char *name)
{
    for (size_t i = 0; i < sizeof pl_step_kinds / sizeof pl_step_kinds[0]; i++)
        if (!strcmp(pl_step_kinds[i].name, name))
            return &pl_step_kinds[i];
    return NULL;
}

/* The next step that is not a repeat: a repeat only pushes its list. NULL when the steps
 * are over, or when a repeat is nested too deep (the run then has an error). */
static const cJSON *pl_step_next_plain(pl_run *r)
{
    const cJSON *raw;
    while ((raw = pl_step_next(r)) != NULL) {
        r->step_no++;
        if (strcmp(pl_json_str(raw, "step", ""), "repeat"))
            return raw;
        long count = (long)pl_step_int(raw, "count", pl_step_int(raw, "times", 1));
        if (r->depth >= PL_RUN_DEPTH) {
            pl_run_error(r, "step %d (repeat, line %d): repeats nested deeper than %d", r->step_no,
                         (int)pl_step_int(raw, "line", 0), PL_RUN_DEPTH);
            return NULL;
        }
        if (count > 0)
            pl_step_push(r, cJSON_GetObjectItemCaseSensitive(raw, "steps"), count,
                         pl_json_str(raw, "as", NULL));
    }
    return NULL;
}

pl_step_state pl_step_start(pl_run *r)
{
    const cJSON *raw = pl_step_next_plain(r);
    if (!raw) /* r->step stays NULL: the steps are over (or a repeat error settles the run) */
        return r->phase == PL_PHASE_STEPS ? PL_STEP_DONE : PL_STEP_FAILED;
    char err[256];
    r->step = pl_match_expand(raw, r->vars, err, sizeof err);
    if (!r->step) {
        r->step = cJSON_Duplicate(raw, 1);
        pl_step_label(r);
        pl_run_fail(r, "variable", NULL, "%s: %s", r->step_label, err);
        return PL_STEP_FAILED;
    }
    pl_step_label(r);
    r->kind = pl_step_kind_find(pl_step_kind(r));
    if (!r->kind) {
        pl_run_error(r, "%s: unknown step kind", r->step_label);
        return PL_STEP_FAILED;
    }
    r->step_t0 = pl_run_now(r);
    r->step_deadline = r->step_t0 + pl_step_within(r, PL_RUN_DEFAULT_WITHIN_US);
    if (r->kind->action)
        pl_step_mark(r);
    r->scan = r->mark;
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->step, "strict_order")) &&
        r->last_match > r->scan)
        r->scan = r->last_match;
    /* --timeout-scale stretches the waits for something to arrive (within), never a `for`
     * window: that is the behaviour being measured, and a longer one would judge more. */
    if (cJSON_GetObjectItemCaseSensitive(r->step, "for_us"))
        r->step_deadline = r->step_t0 + pl_step_int(r->step, "for_us", 0);
    return r->kind->start ? r->kind->start(r) : r->kind->poll(r);
}

pl_step_state pl_step_poll(pl_run *r)
{
    return r->kind && r->kind->poll ? r->kind->poll(r) : PL_STEP_DONE;
}

void pl_step_end(pl_run *r)
{
    if (r->drive_id) {
        pl_driver *d = pl_run_driver(r);
        if (d)
            pl_driver_cancel(d, r->drive_id);
        r->drive_id = 0;
    }
    if (r->ticket) {
        r->ticket->r = NULL;
        r->ticket = NULL;
    }
    if (r->prompt_active) {
        fcntl(0, F_SETFL, r->stdin_flags);
        r->prompt_active = 0;
    }
    cJSON_Delete(r->step);
    r->step = NULL;
    r->kind = NULL;
    cJSON_Delete(r->reply);
    r->reply = NULL;
    r->have_reply = 0;
    r->ncand = r->seen = 0;
    r->stream_n = 0;
}
