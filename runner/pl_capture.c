/* pl_capture.c — judge a JSONL capture offline (see pl_capture.h).
 *
 * Per capture session one judge: a pl_session with behave = 0 and a host whose clock is
 * the record time. Client room ops and bridge frames go through pl_session_input (the
 * bridge framing is judged too); vendor payloads through pl_session_judge_payload in the
 * direction the record gives. The judges are kept in a small list keyed by session id. */
#include "runner/pl_capture.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/pl_buf.h"
#include "core/pl_crypto.h"
#include "core/pl_json.h"
#include "mock/pl_catalog.h"
#include "mock/pl_session.h"

typedef struct pl_judge {
    struct pl_judge *next;
    char *id;
    pl_session *s;
    int64_t now_us;
    unsigned long line; /* capture line being judged, for the findings' location */
    struct pl_capture_run *run;
} pl_judge;

typedef struct pl_capture_run {
    const char *path;
    FILE *out;
    pl_capture_result *res;
    pl_judge *judges;
    pl_catalog *catalog;
    pl_profile *profile;
} pl_capture_run;

static int pl_judge_write(void *h, const void *d, size_t n, int b)
{
    (void)h, (void)d, (void)n, (void)b;
    return 0;
}

static void pl_judge_timer(void *h, int slot, int64_t delay)
{
    (void)h, (void)slot, (void)delay;
}

static void pl_judge_close(void *h, int code, const char *reason)
{
    (void)h, (void)code, (void)reason;
}

static int64_t pl_judge_now(void *h)
{
    return ((pl_judge *)h)->now_us;
}

static const pl_session_host_ops pl_judge_ops = {.write = pl_judge_write, .timer = pl_judge_timer, .close = pl_judge_close,
                                                 .now = pl_judge_now};

/* Prints every finding the judge makes, at the capture line being fed. */
static void pl_capture_observe(void *user, pl_session *s, const cJSON *rec)
{
    pl_judge *j = user;
    if (strcmp(pl_json_str(rec, "ev", ""), "finding") != 0)
        return;
    const char *level = pl_json_str(rec, "level", NULL);
    if (level && !strcmp(level, "must"))
        j->run->res->must++;
    else
        j->run->res->should++;
    const char *kind = pl_json_str(rec, "kind", NULL);
    fprintf(j->run->out, "%s:%lu: %s %s (%s)%s%s: %s\n", j->run->path, j->line,
            pl_session_id(s), pl_json_str(rec, "rule", NULL), level ? level : "?",
            kind ? " on " : "", kind ? kind : "", pl_json_str(rec, "message", NULL));
}

static pl_judge *pl_capture_judge(pl_capture_run *run, const char *id, const char *dialect,
                                  const cJSON *rec, char *err, size_t errlen)
{
    for (pl_judge *j = run->judges; j; j = j->next)
        if (!strcmp(j->id, id))
            return j;
    const pl_dialect *d = pl_dialect_find(dialect);
    if (!d || !pl_dialect_live(d)) {
        snprintf(err, errlen, "%s: session %s: dialect %s is not in this build", run->path, id,
                 dialect);
        return NULL;
    }
    pl_judge *j = pl_xcalloc(1, sizeof *j);
    j->id = pl_xstrdup(id);
    j->run = run;
    const char *tr = pl_json_str(rec, "transport", NULL);
    pl_session_opts o = {
        .dialect = d,
        .transport = tr && !strcmp(tr, "native") ? PL_TRANSPORT_NATIVE : PL_TRANSPORT_BRIDGE,
        .id = id,
        .room = pl_json_str(rec, "room", NULL),
        .user = pl_json_str(rec, "user", NULL),
        .profile = run->profile,
        .catalog = run->catalog,
        .behave = 0,
        .ops = &pl_judge_ops,
        .host = j,
    };
    j->s = pl_session_new(&o);
    pl_session_observe(j->s, pl_capture_observe, j);
    j->next = run->judges;
    run->judges = j;
    run->res->sessions++;
    return j;
}

/* The payload bytes of a record: text, or b64 decoded (caller frees *owned). */
static const char *pl_capture_payload(const cJSON *rec, size_t *len, int *binary, char **owned)
{
    const char *t = pl_json_str(rec, "text", NULL);
    *owned = NULL;
    *binary = 0;
    if (t) {
        *len = strlen(t);
        return t;
    }
    const char *b = pl_json_str(rec, "b64", NULL);
    if (!b)
        return NULL;
    *owned = (char *)pl_crypto_base64_decode(b, strlen(b), len);
    *binary = 1;
    return *owned;
}

static void pl_capture_feed(pl_judge *j, const cJSON *rec)
{
    const char *ev = pl_json_str(rec, "ev", NULL), *dir = pl_json_str(rec, "dir", NULL);
    if (!ev)
        return;
    if (!strcmp(ev, "msg") && dir) {
        size_t len;
        int binary;
        char *owned;
        const char *p = pl_capture_payload(rec, &len, &binary, &owned);
        if (p)
            pl_session_judge_payload(j->s, strcmp(dir, "a2c") ? PL_DIR_C2A : PL_DIR_A2C, p, len,
                                     binary);
        free(owned);
    } else if (!strcmp(ev, "room")) {
        const cJSON *frame = cJSON_GetObjectItemCaseSensitive(rec, "frame");
        char *txt = frame ? cJSON_PrintUnformatted(frame) : NULL;
        if (txt)
            pl_session_input(j->s, txt, strlen(txt), 0);
        free(txt);
    } else if (!strcmp(ev, "frame") || !strcmp(ev, "oversize")) {
        size_t len;
        int binary;
        char *owned;
        const char *p = pl_capture_payload(rec, &len, &binary, &owned);
        const cJSON *total = cJSON_GetObjectItemCaseSensitive(rec, "total");
        if (p && ev[0] == 'o')
            pl_session_input_oversize(j->s, p, len,
                                      cJSON_IsNumber(total) ? (size_t)total->valuedouble : len,
                                      binary);
        else if (p)
            pl_session_input(j->s, p, len,
                             cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "binary")));
        free(owned);
    } else if (!strcmp(ev, "tick")) {
        pl_session_tick(j->s);
    }
}

static int pl_capture_line(pl_capture_run *run, const char *dialect, char *line, size_t len,
                           unsigned long lineno, char *err, size_t errlen)
{
    cJSON *rec = cJSON_ParseWithLength(line, len);
    if (!cJSON_IsObject(rec)) {
        cJSON_Delete(rec);
        snprintf(err, errlen, "%s:%lu: not a JSON object (a capture is JSONL: docs/trace.md)",
                 run->path, lineno);
        return -1;
    }
    const char *sid = pl_json_str(rec, "session", NULL);
    if (!sid) { /* server records (start, http, driver, …) */
        cJSON_Delete(rec);
        return 0;
    }
    const char *d = pl_json_str(rec, "dialect", NULL);
    pl_judge *j = pl_capture_judge(run, sid, d ? d : dialect, rec, err, errlen);
    if (!j) {
        cJSON_Delete(rec);
        return -1;
    }
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(rec, "t_ms");
    if (cJSON_IsNumber(t) && (int64_t)(t->valuedouble * 1000) > j->now_us)
        j->now_us = (int64_t)(t->valuedouble * 1000);
    j->line = lineno;
    run->res->records++;
    pl_session_tick(j->s);
    pl_capture_feed(j, rec);
    cJSON_Delete(rec);
    return 0;
}

static int pl_capture_parses(const char *p, size_t len)
{
    cJSON *j = cJSON_ParseWithLength(p, len);
    cJSON_Delete(j);
    return j != NULL;
}

int pl_capture_validate(const char *path, const char *dialect, const char *schema_root,
                        FILE *out, pl_capture_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    size_t n;
    char *text = pl_file_read(path, &n, err, errlen);
    if (!text)
        return -1;
    pl_capture_run run = {.path = path, .out = out, .res = res};
    run.catalog = pl_catalog_load(schema_root, err, errlen);
    run.profile = pl_profile_new_default();
    int rc = run.catalog ? 0 : -1;
    unsigned long lineno = 0;
    for (char *p = text; rc == 0 && p < text + n;) {
        char *nl = memchr(p, '\n', (size_t)(text + n - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(text + n - p);
        lineno++;
        if (!nl && len && !pl_capture_parses(p, len)) { /* cut by a kill (docs/trace.md) */
            fprintf(out, "%s:%lu: last line is cut short (the writer was killed?); ignored\n",
                    path, lineno);
            break;
        }
        if (len && !(len == 1 && p[0] == '\r'))
            rc = pl_capture_line(&run, dialect ? dialect : "aicall", p, len, lineno, err, errlen);
        p += len + 1;
    }
    while (run.judges) {
        pl_judge *j = run.judges;
        run.judges = j->next;
        j->line = lineno;
        pl_session_free(j->s); /* end-of-session rules report at the last line */
        free(j->id);
        free(j);
    }
    pl_catalog_free(run.catalog);
    pl_profile_free(run.profile);
    free(text);
    return rc;
}
