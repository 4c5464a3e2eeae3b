/* test_aicall_dialect.c — the aicall dialect (mock/dialects/aicall.c) through a real session.
 *
 * A fake host stands in for libwebsockets: write() keeps every frame parley sends, timer()
 * records the armed slots as deadlines on a fake clock, now() reads that clock. The cases
 * are data: each tests/data/aicall/behaviour/NAME.jsonl is one session, one JSON object per
 * line ('#' lines and blank lines are comments), run in order:
 *
 *   setup (before anything else happens; the session opens at the first other line)
 *     {"profile":"tests/data/aicall/behaviour/profiles/x.yaml"}   load this profile
 *     {"judge_only":true}                   the session judges but does not play the agent
 *   input
 *     {"dc":{"type":1105,"data":{…}}}       a DataChannel payload; senderId, receiverId and
 *                                           seqId are filled in when absent (integer types)
 *     {"dc_raw":"{bad"}                     payload text as it is
 *     {"in":{"op":"mute_local_mic","mute":true}} or {"in":"text"}   a bridge frame
 *     {"behaviour":{"confirm.push_to_talk":false}}   switch auto-responses
 *     {"advance_ms":500}                    move the clock, firing timers (and a session
 *                                           tick at every whole second) on the way
 *     {"disconnect":1000}                   the transport is gone
 *   checks (outputs are the payloads of datachannel frames, or the bridge frames themselves)
 *     {"out":M}       some later output matches M; it and the ones before it are consumed
 *     {"next":M}      the next unconsumed output matches M (consumed)
 *     {"no_out":true} nothing unconsumed;  {"no_out":M}: no unconsumed output matches M
 *     {"count":N,"of":M}   N unconsumed outputs match M (nothing consumed)
 *     {"drain":true}  consume every output so far
 *     {"finding":"rule"}   an unconsumed finding with that rule id (consumed)
 *     {"no_findings":true} no unconsumed finding
 *     {"closed":true}      parley asked the host to close the transport
 *
 * Matchers: an object matches as a subset, other values by equality; operator objects
 * {"$exists":b}, {"$type":"string"}, {"$eq":V} (exact), {"$len":N}, {"$ne":V}.
 * At the end the session is disconnected and every finding must have been consumed: a
 * normal session of the mock must not trip any rule. Every behaviour of the dialect must be
 * switched off (behaviour line or profile) in some case. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "mock/pl_catalog.h"
#include "mock/pl_dialect.h"
#include "mock/pl_profile.h"
#include "mock/pl_session.h"
#include "pl_test.h"

extern const pl_dialect pl_dialect_aicall;

#define CASE_DIR "tests/data/aicall/behaviour"
#define MAX_BEHAVIOURS 64

/* ---- fake host ----------------------------------------------------------------------- */

typedef struct {
    int64_t now;
    int64_t deadline[PL_SESSION_TIMERS]; /* -1: not armed */
    cJSON *out;                          /* [{"frame":…, "msg":…}] in write order */
    int closed;
} fake_host;

static int host_write(void *h, const void *data, size_t len, int binary)
{
    fake_host *f = h;
    cJSON *item = cJSON_CreateObject();
    cJSON *frame = binary ? NULL : cJSON_ParseWithLength(data, len);
    if (!frame)
        frame = cJSON_CreateString("(not a JSON frame)");
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(frame, "event");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(frame, "data");
    if (cJSON_IsString(ev) && strcmp(ev->valuestring, "datachannel") == 0 && cJSON_IsString(d))
        cJSON_AddItemToObject(item, "msg", cJSON_Parse(d->valuestring));
    cJSON_AddItemToObject(item, "frame", frame);
    cJSON_AddItemToArray(f->out, item);
    return 0;
}

static void host_timer(void *h, int slot, int64_t delay_us)
{
    fake_host *f = h;
    f->deadline[slot] = delay_us < 0 ? -1 : f->now + delay_us;
}

static void host_close(void *h, int code, const char *reason)
{
    (void)code;
    (void)reason;
    ((fake_host *)h)->closed = 1;
}

static int64_t host_now(void *h)
{
    return ((fake_host *)h)->now;
}

static const pl_session_host_ops host_ops = {.write = host_write, .timer = host_timer, .close = host_close, .now = host_now};

/* ---- matcher ------------------------------------------------------------------------- */

static int match(const cJSON *pat, const cJSON *v);

static int type_is(const char *t, const cJSON *v)
{
    if (!strcmp(t, "string"))
        return cJSON_IsString(v);
    if (!strcmp(t, "number"))
        return cJSON_IsNumber(v);
    if (!strcmp(t, "integer"))
        return cJSON_IsNumber(v) && v->valuedouble == (double)(long long)v->valuedouble;
    if (!strcmp(t, "boolean"))
        return cJSON_IsBool(v);
    if (!strcmp(t, "object"))
        return cJSON_IsObject(v);
    if (!strcmp(t, "array"))
        return cJSON_IsArray(v);
    return !strcmp(t, "null") && cJSON_IsNull(v);
}

static int match_op(const cJSON *op, const cJSON *v)
{
    const char *k = op->string;
    if (!strcmp(k, "$exists"))
        return (v != NULL) == cJSON_IsTrue(op);
    if (!v)
        return 0;
    if (!strcmp(k, "$type"))
        return cJSON_IsString(op) && type_is(op->valuestring, v);
    if (!strcmp(k, "$eq"))
        return cJSON_Compare(op, v, 1);
    if (!strcmp(k, "$ne"))
        return !cJSON_Compare(op, v, 1);
    if (!strcmp(k, "$len"))
        return cJSON_IsString(v)  ? (double)strlen(v->valuestring) == op->valuedouble
               : cJSON_IsArray(v) ? (double)cJSON_GetArraySize(v) == op->valuedouble
                                  : 0;
    fprintf(stderr, "  unknown matcher operator %s\n", k);
    return 0;
}

static int match(const cJSON *pat, const cJSON *v)
{
    const cJSON *k;
    if (cJSON_IsObject(pat) && pat->child && pat->child->string[0] == '$') {
        cJSON_ArrayForEach(k, pat)
        {
            if (!match_op(k, v))
                return 0;
        }
        return 1;
    }
    if (cJSON_IsObject(pat)) {
        if (!cJSON_IsObject(v))
            return 0;
        cJSON_ArrayForEach(k, pat)
        {
            if (!match(k, cJSON_GetObjectItemCaseSensitive(v, k->string)))
                return 0;
        }
        return 1;
    }
    if (cJSON_IsArray(pat)) {
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(pat) != cJSON_GetArraySize(v))
            return 0;
        const cJSON *x = v->child;
        cJSON_ArrayForEach(k, pat)
        {
            if (!match(k, x))
                return 0;
            x = x->next;
        }
        return 1;
    }
    return v && cJSON_Compare(pat, v, 1);
}

/* ---- one case ------------------------------------------------------------------------ */

typedef struct {
    const char *name;
    int lineno;
    fake_host h;
    pl_catalog *catalog; /* borrowed */
    pl_profile *profile; /* owned */
    pl_session *s;
    int judge_only;
    int ended;
    int64_t next_tick;
    int out_pos; /* outputs before this index are consumed */
    int *used;   /* consumed flag per finding */
    size_t nused;
    int c2a_seq;       /* filled-in seqId */
    int *switched_off; /* per behaviour index, across all cases */
} runner;

static void fail(runner *r, const char *what)
{
    fprintf(stderr, "\n  %s:%d: %s\n", r->name, r->lineno, what);
}

static void dump_outputs(runner *r)
{
    int n = cJSON_GetArraySize(r->h.out);
    fprintf(stderr, "  unconsumed outputs:\n");
    for (int i = r->out_pos; i < n; i++) {
        const cJSON *item = cJSON_GetArrayItem(r->h.out, i);
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(item, "msg");
        char *t = cJSON_PrintUnformatted(m ? m : cJSON_GetObjectItemCaseSensitive(item, "frame"));
        fprintf(stderr, "    %s\n", t);
        free(t);
    }
}

static const cJSON *output(runner *r, int i)
{
    const cJSON *item = cJSON_GetArrayItem(r->h.out, i);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(item, "msg");
    return m ? m : cJSON_GetObjectItemCaseSensitive(item, "frame");
}

static void mark_switched_off(runner *r, const char *name)
{
    int k = 0;
    for (const pl_behaviour_info *b = pl_dialect_aicall.behaviours; b->name; b++, k++)
        if (!strcmp(b->name, name))
            r->switched_off[k] = 1;
}

/* Fires every timer due at or before the current time, earliest first. */
static void settle(runner *r)
{
    for (;;) {
        int best = -1;
        for (int i = 0; i < PL_SESSION_TIMERS; i++)
            if (r->h.deadline[i] >= 0 && r->h.deadline[i] <= r->h.now &&
                (best < 0 || r->h.deadline[i] < r->h.deadline[best]))
                best = i;
        if (best < 0 || r->ended)
            return;
        r->h.deadline[best] = -1;
        pl_session_timer_fire(r->s, best);
    }
}

/* Moves the clock to now + us, stopping at every timer deadline and whole-second tick on
 * the way, so each fires at its own time. */
static void advance(runner *r, int64_t us)
{
    int64_t target = r->h.now + us;
    while (!r->ended) {
        int64_t t = target;
        for (int i = 0; i < PL_SESSION_TIMERS; i++)
            if (r->h.deadline[i] >= 0 && r->h.deadline[i] < t)
                t = r->h.deadline[i];
        int tick = r->next_tick <= t;
        if (tick)
            t = r->next_tick;
        r->h.now = t;
        settle(r);
        if (tick) {
            r->next_tick += 1000000;
            pl_session_tick(r->s);
            settle(r);
        } else if (t == target) {
            break;
        }
    }
    r->h.now = target;
}

static void start(runner *r)
{
    const pl_profile *p = r->profile;
    pl_session_opts o;
    memset(&o, 0, sizeof o);
    o.dialect = &pl_dialect_aicall;
    o.transport = PL_TRANSPORT_BRIDGE;
    o.id = "s1";
    o.room = "room_1";
    o.user = "user_1";
    o.profile = p;
    o.catalog = r->catalog;
    o.behave = !r->judge_only;
    o.ops = &host_ops;
    o.host = &r->h;
    r->s = pl_session_new(&o);
    r->next_tick = r->h.now + 1000000;
    int k = 0;
    for (const pl_behaviour_info *b = pl_dialect_aicall.behaviours; b->name; b++, k++)
        if (!pl_profile_behaviour(p, "aicall", b->name, 1))
            r->switched_off[k] = 1;
    settle(r);
}

/* A bridge frame: a string as it is, anything else as compact JSON. */
static void send_frame(runner *r, const cJSON *frame)
{
    if (cJSON_IsString(frame)) {
        pl_session_input(r->s, frame->valuestring, strlen(frame->valuestring), 0);
    } else {
        char *t = cJSON_PrintUnformatted(frame);
        pl_session_input(r->s, t, strlen(t), 0);
        free(t);
    }
    settle(r);
}

static void send_dc(runner *r, const cJSON *dc)
{
    cJSON *frame = cJSON_CreateObject();
    cJSON_AddStringToObject(frame, "op", "datachannel");
    if (cJSON_IsString(dc)) {
        cJSON_AddStringToObject(frame, "data", dc->valuestring);
    } else {
        cJSON *m = cJSON_Duplicate(dc, 1);
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(m, "type");
        if (cJSON_IsNumber(type)) {
            const char *agent = pl_profile_string(r->profile, "aicall", "agent_id", "parley_agent");
            if (!cJSON_GetObjectItemCaseSensitive(m, "seqId"))
                cJSON_AddNumberToObject(m, "seqId", ++r->c2a_seq);
            if (!cJSON_GetObjectItemCaseSensitive(m, "senderId"))
                cJSON_AddStringToObject(m, "senderId", "user_1");
            if (!cJSON_GetObjectItemCaseSensitive(m, "receiverId"))
                cJSON_AddStringToObject(m, "receiverId", agent);
        }
        char *t = cJSON_PrintUnformatted(m);
        cJSON_AddStringToObject(frame, "data", t);
        free(t);
        cJSON_Delete(m);
    }
    send_frame(r, frame);
    cJSON_Delete(frame);
}

/* Findings not consumed yet, as an array of borrowed items of all (which the caller frees). */
static cJSON *findings(runner *r)
{
    cJSON *all = pl_session_findings_json(r->s);
    size_t n = (size_t)cJSON_GetArraySize(all);
    if (n > r->nused) {
        r->used = pl_xrealloc(r->used, n * sizeof *r->used);
        memset(r->used + r->nused, 0, (n - r->nused) * sizeof *r->used);
        r->nused = n;
    }
    return all;
}

static void dump_findings(runner *r, const cJSON *all)
{
    int i = 0;
    const cJSON *f;
    fprintf(stderr, "  unconsumed findings:\n");
    cJSON_ArrayForEach(f, all)
    {
        if (!r->used[i++])
            fprintf(stderr, "    %s: %s\n",
                    cJSON_GetObjectItemCaseSensitive(f, "rule")->valuestring,
                    cJSON_GetObjectItemCaseSensitive(f, "message")->valuestring);
    }
}

static int check_finding(runner *r, const char *rule)
{
    cJSON *all = findings(r);
    int i = 0, ok = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, all)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(f, "rule");
        if (!r->used[i] && cJSON_IsString(id) && !strcmp(id->valuestring, rule)) {
            r->used[i] = 1;
            ok = 1;
            break;
        }
        i++;
    }
    if (!ok) {
        fail(r, "expected finding missing");
        fprintf(stderr, "  wanted %s\n", rule);
        dump_findings(r, all);
    }
    cJSON_Delete(all);
    return ok;
}

static int check_no_findings(runner *r)
{
    cJSON *all = findings(r);
    int ok = 1;
    for (size_t i = 0; i < (size_t)cJSON_GetArraySize(all); i++)
        ok &= r->used[i];
    if (!ok) {
        fail(r, "unexpected findings");
        dump_findings(r, all);
    }
    cJSON_Delete(all);
    return ok;
}

static int check_out(runner *r, const cJSON *m, int next)
{
    int n = cJSON_GetArraySize(r->h.out);
    for (int i = r->out_pos; i < n && (!next || i == r->out_pos); i++)
        if (match(m, output(r, i))) {
            r->out_pos = i + 1;
            return 1;
        }
    char *t = cJSON_PrintUnformatted(m);
    fail(r, next ? "the next output does not match" : "no output matches");
    fprintf(stderr, "  wanted %s\n", t);
    free(t);
    dump_outputs(r);
    return 0;
}

static int count_out(runner *r, const cJSON *m)
{
    int n = cJSON_GetArraySize(r->h.out), c = 0;
    for (int i = r->out_pos; i < n; i++)
        c += match(m, output(r, i));
    return c;
}

static int check_no_out(runner *r, const cJSON *m)
{
    int bad = cJSON_IsTrue(m) ? cJSON_GetArraySize(r->h.out) > r->out_pos : count_out(r, m) > 0;
    if (bad) {
        fail(r, "unexpected output");
        dump_outputs(r);
    }
    return !bad;
}

static int setup_line(runner *r, const cJSON *ln)
{
    const cJSON *v;
    char err[512];
    if ((v = cJSON_GetObjectItemCaseSensitive(ln, "profile"))) {
        pl_profile_free(r->profile);
        r->profile = pl_profile_load(v->valuestring, "schemas", err, sizeof err);
        if (!r->profile) {
            fail(r, err);
            r->profile = pl_profile_new_default();
            return 0;
        }
        return 1;
    }
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ln, "judge_only"))) {
        r->judge_only = 1;
        return 1;
    }
    return -1;
}

static int behaviour_line(runner *r, const cJSON *map)
{
    const cJSON *b;
    cJSON_ArrayForEach(b, map)
    {
        if (pl_session_set_behaviour(r->s, b->string, cJSON_IsTrue(b)) < 0) {
            fail(r, "unknown behaviour");
            return 0;
        }
        if (!cJSON_IsTrue(b))
            mark_switched_off(r, b->string);
    }
    settle(r);
    return 1;
}

/* One event or check line (the session is open); 1 ok, 0 failed, -1 not understood. */
static int run_line(runner *r, const cJSON *ln)
{
    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(ln, "dc")) ||
        (v = cJSON_GetObjectItemCaseSensitive(ln, "dc_raw")))
        send_dc(r, v);
    else if ((v = cJSON_GetObjectItemCaseSensitive(ln, "in")))
        send_frame(r, v);
    else if ((v = cJSON_GetObjectItemCaseSensitive(ln, "advance_ms")))
        advance(r, (int64_t)(v->valuedouble * 1000));
    else if ((v = cJSON_GetObjectItemCaseSensitive(ln, "behaviour")))
        return behaviour_line(r, v);
    else if ((v = cJSON_GetObjectItemCaseSensitive(ln, "disconnect"))) {
        pl_session_disconnected(r->s, v->valueint, NULL, 0);
        r->ended = 1;
    } else if ((v = cJSON_GetObjectItemCaseSensitive(ln, "out")))
        return check_out(r, v, 0);
    else if ((v = cJSON_GetObjectItemCaseSensitive(ln, "next")))
        return check_out(r, v, 1);
    else if ((v = cJSON_GetObjectItemCaseSensitive(ln, "no_out")))
        return check_no_out(r, v);
    else if ((v = cJSON_GetObjectItemCaseSensitive(ln, "count"))) {
        int c = count_out(r, cJSON_GetObjectItemCaseSensitive(ln, "of"));
        if (c != v->valueint) {
            fprintf(stderr, "\n  %s:%d: %d outputs match, wanted %d\n", r->name, r->lineno, c,
                    v->valueint);
            dump_outputs(r);
            return 0;
        }
    } else if (cJSON_GetObjectItemCaseSensitive(ln, "drain"))
        r->out_pos = cJSON_GetArraySize(r->h.out);
    else if ((v = cJSON_GetObjectItemCaseSensitive(ln, "finding")))
        return check_finding(r, v->valuestring);
    else if (cJSON_GetObjectItemCaseSensitive(ln, "no_findings"))
        return check_no_findings(r);
    else if (cJSON_GetObjectItemCaseSensitive(ln, "closed")) {
        if (!r->h.closed)
            fail(r, "the transport was not closed");
        return r->h.closed;
    } else
        return -1;
    return 1;
}

static int run_case(const char *name, pl_catalog *catalog, int *switched_off)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/%s", CASE_DIR, name);
    char *text = pl_file_read(path, NULL, err, sizeof err);
    if (!text) {
        fprintf(stderr, "  %s: %s\n", path, err);
        return 0;
    }
    runner r;
    memset(&r, 0, sizeof r);
    r.name = name;
    r.catalog = catalog;
    r.profile = pl_profile_new_default();
    r.switched_off = switched_off;
    r.h.now = 1000000;
    r.h.out = cJSON_CreateArray();
    for (int i = 0; i < PL_SESSION_TIMERS; i++)
        r.h.deadline[i] = -1;
    int ok = 1;
    for (char *line = text, *next; line && ok; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        r.lineno++;
        if (!line[0] || line[0] == '#')
            continue;
        cJSON *ln = cJSON_Parse(line);
        int rc = -1;
        if (!ln)
            fail(&r, "bad JSON");
        else if (!r.s && (rc = setup_line(&r, ln)) >= 0)
            ok = rc;
        else {
            if (!r.s)
                start(&r);
            rc = run_line(&r, ln);
            if (rc < 0)
                fail(&r, "not a case line");
            ok = rc > 0;
        }
        if (!ln)
            ok = 0;
        cJSON_Delete(ln);
    }
    if (!r.s)
        start(&r);
    if (ok && !r.ended) {
        pl_session_disconnected(r.s, 1000, NULL, 0);
        r.ended = 1;
    }
    r.lineno = 0;
    if (ok)
        ok = check_no_findings(&r); /* a finding nobody expected, the close hook's included */
    pl_session_free(r.s);
    pl_profile_free(r.profile);
    cJSON_Delete(r.h.out);
    free(r.used);
    free(text);
    return ok;
}

static void test_cases(void)
{
    char err[512];
    pl_catalog *catalog = pl_catalog_load("schemas", err, sizeof err);
    if (!catalog)
        fprintf(stderr, "  catalog: %s\n", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(catalog);
    struct dirent **list;
    int n = scandir(CASE_DIR, &list, NULL, alphasort);
    CU_ASSERT_FATAL(n > 0);
    int switched_off[MAX_BEHAVIOURS] = {0};
    int files = 0, passed = 0;
    for (int i = 0; i < n; i++) {
        if (pl_test_has_suffix(list[i]->d_name, ".jsonl")) {
            files++;
            int ok = run_case(list[i]->d_name, catalog, switched_off);
            passed += ok;
            CU_ASSERT(ok);
        }
        free(list[i]);
    }
    free(list);
    printf("\n  %d/%d behaviour cases passed\n", passed, files);
    CU_ASSERT(files >= 20);
    int k = 0;
    for (const pl_behaviour_info *b = pl_dialect_aicall.behaviours; b->name; b++, k++) {
        if (!switched_off[k])
            fprintf(stderr, "  no case switches off the behaviour %s\n", b->name);
        CU_ASSERT(switched_off[k]);
    }
    pl_catalog_free(catalog);
}

/* ---- the dialect's tables and codec --------------------------------------------------- */

static void test_identity(void)
{
    const pl_dialect *d = &pl_dialect_aicall;
    CU_ASSERT_STRING_EQUAL(d->id, "aicall");
    CU_ASSERT_STRING_EQUAL(d->seed, "003");
    CU_ASSERT_STRING_EQUAL(d->transport, "RTC data channel -> room bridge /aicall/room");
    CU_ASSERT_STRING_EQUAL(d->bridge_op, "datachannel");
    CU_ASSERT_EQUAL(d->bridge_binary, 0);
    CU_ASSERT_PTR_NULL(d->ws_path);
    CU_ASSERT(pl_dialect_live(d));
    CU_ASSERT_PTR_EQUAL(pl_dialect_find("aicall"), d);
    CU_ASSERT_PTR_NOT_NULL(d->rules_catalog());
    CU_ASSERT(d->message && d->room && d->behave && d->timer && d->tick && d->close);
}

/* Names unique and non-empty; every behaviour is documented. */
static void check_table(const pl_api_info *t, int min)
{
    int n = 0;
    for (const pl_api_info *i = t; i->name; i++, n++) {
        CU_ASSERT(i->name[0] && i->args && i->description && i->description[0]);
        for (const pl_api_info *j = t; j < i; j++)
            CU_ASSERT(strcmp(i->name, j->name) != 0);
    }
    CU_ASSERT(n >= min);
}

static void test_tables(void)
{
    const pl_dialect *d = &pl_dialect_aicall;
    check_table(d->actions, 20);
    check_table(d->callbacks, 15);
    char err[256], want[128];
    char *doc = pl_file_read("docs/behaviour-aicall.md", NULL, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    int n = 0;
    for (const pl_behaviour_info *b = d->behaviours; b->name; b++, n++) {
        CU_ASSERT(b->default_on == 1 && b->description && b->description[0]);
        CU_ASSERT_PTR_EQUAL(pl_dialect_behaviour(d, b->name), b);
        for (const pl_behaviour_info *c = d->behaviours; c < b; c++)
            CU_ASSERT(strcmp(b->name, c->name) != 0);
        snprintf(want, sizeof want, "| `%s` |", b->name);
        if (!strstr(doc, want))
            fprintf(stderr, "  docs/behaviour-aicall.md lacks the row %s\n", want);
        CU_ASSERT_PTR_NOT_NULL(strstr(doc, want));
    }
    CU_ASSERT(n < MAX_BEHAVIOURS);
    free(doc);
}

static void check_kind(const char *text, const char *want)
{
    char kind[64];
    cJSON *m = pl_dialect_aicall.decode(text, strlen(text), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    pl_dialect_aicall.classify(m, PL_DIR_C2A, kind, sizeof kind);
    if (strcmp(kind, want))
        fprintf(stderr, "  %s: kind %s, wanted %s\n", text, kind, want);
    CU_ASSERT_STRING_EQUAL(kind, want);
    cJSON_Delete(m);
}

static void test_codec(void)
{
    const pl_dialect *d = &pl_dialect_aicall;
    check_kind("{\"type\":1105,\"data\":{\"enable\":true}}", "aicall.1105");
    check_kind("{\"type\":1001.0}", "aicall.1001");
    check_kind("{\"type\":4711}", "aicall.4711");
    check_kind("{\"type\":-3}", "aicall.-3");
    check_kind("{\"type\":\"ready_req\",\"key\":\"aliyun_aigc\"}", "aicall.ready_req");
    check_kind("{\"type\":\"ready_resp\"}", "aicall.ready_resp");
    check_kind("{\"type\":\"hello\"}", "aicall.unknown");
    check_kind("{\"type\":1105.5}", "aicall.unknown");
    check_kind("{\"type\":1e300}", "aicall.unknown");
    check_kind("{\"data\":{}}", "aicall.unknown");
    check_kind("[1105]", "aicall.unknown");
    check_kind(" \"text\" ", "aicall.unknown");
    /* Not JSON: truncated, trailing bytes, an embedded NUL, invalid UTF-8, empty. */
    const char *bad[] = {"{\"type\":1105", "{\"type\":1105}x", "", "{\"a\":\"\xff\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CU_ASSERT_PTR_NULL(d->decode(bad[i], strlen(bad[i]), 0));
    CU_ASSERT_PTR_NULL(d->decode("{}\0{}", 5, 0));
    CU_ASSERT_PTR_NULL(d->decode("{}", 1, 0)); /* only the bytes given count */
    /* Encode: compact JSON text, decoded back to the same value. */
    const char *txt = "{ \"type\" : 1007, \"data\" : {\"enable\": false} }";
    cJSON *m = d->decode(txt, strlen(txt), 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    size_t len = 0;
    int binary = 1;
    char *bytes = d->encode(m, &len, &binary);
    CU_ASSERT_STRING_EQUAL(bytes, "{\"type\":1007,\"data\":{\"enable\":false}}");
    CU_ASSERT_EQUAL(len, strlen(bytes));
    CU_ASSERT_EQUAL(binary, 0);
    free(bytes);
    cJSON_Delete(m);
}

int main(void)
{
    static const pl_test_case cases[] = {
        {"identity", test_identity},
        {"tables", test_tables},
        {"codec", test_codec},
        {"cases", test_cases},
        {NULL, NULL},
    };
    return pl_test_main("aicall_dialect", cases);
}
