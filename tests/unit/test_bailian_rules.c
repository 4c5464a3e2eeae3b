/* test_bailian_rules.c — the Bailian state rules (mock/dialects/bailian_rules.c), data-driven.
 *
 * Each tests/data/bailian/rules/NAME.jsonl is one connection: one JSON object per line, in
 * time order ('#' lines and blank lines are comments):
 *   {"opts":{"stall_ms":1500,"image_limit_encoded":1,…}}   optional, first
 *   {"covers":["bailian.image.too_large",…]}   rules a clean file exercises
 *   {"t_ms":0,"c":"Start","parameters":{…}}    a client frame, built: header {action by
 *        directive, task_id "task-1", streaming "duplex"}, payload.input {directive,
 *        dialog_id ""}; "header" and "input" members replace (null deletes) the defaults,
 *        "parameters" becomes payload.parameters
 *   {"t_ms":5,"a":"task-started"}              an agent frame: task-* as is, any other name
 *        a result-generated with payload.output {event, dialog_id "dlg-1"} plus "output";
 *        "header" merges as above, "payload" replaces the payload (null: none)
 *   {"t_ms":9,"dir":"c2a","msg":{…}}           a message as is
 *   {"t_ms":9,"dir":"a2c","raw":"{bad"}        text: parsed here, malformed if it does not
 *   {"t_ms":9,"dir":"c2a","audio":3200}        a binary frame ("silent":true for silence)
 *   {"t_ms":40,"tick":true}    {"t_ms":50,"closed":1000}
 *   {"expect":["bailian.…",…],"expect_text":["substring",…]}   last line
 * Every message line may give "kind" (else it is classified here as in
 * docs/dev/bailian-spec.md) and "schema_ok" (0 reported, 1 passed; absent: -1).
 *
 * Images stay small in the files: inside a message, an object {"$jpeg": N} or {"$jpeg":
 * {"bytes":N,"width":W,"height":H,"sof":2,"app":K,"prefix":"data:…,"}} becomes the base64 of
 * a JPEG of exactly N decoded bytes (SOI, an optional APPn of K bytes, SOF0 — SOF2 with
 * "sof":2, none with "sof":0 — with W x H, default 640 x 480, SOS, zero padding, EOI);
 * {"$png": …} the same for a PNG (signature, IHDR, padding); {"$bytes":{"bytes":N,
 * "fill":B}} N bytes of B. expect is the exact multiset of rule ids emitted; each
 * expect_text must occur in some finding's message. The suite also checks that every
 * catalog rule has a negative file (in some expect) and a clean file (expect [] with the
 * rule in covers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/pl_buf.h"
#include "core/pl_crypto.h"
#include "mock/dialects/bailian_rules.h"
#include "pl_test.h"

#define RULES_DIR "tests/data/bailian/rules"
#define MAX_RULES 64

/* ---- findings ----------------------------------------------------------------------- */

typedef struct {
    char **ids;
    size_t n, cap;
    pl_buf text; /* every message, one per line */
    int bad;     /* a finding not matching the catalog */
} collect;

static const pl_rule_info *catalog_find(const char *id)
{
    for (const pl_rule_info *i = pl_bailian_rules_catalog(); i->rule; i++)
        if (strcmp(i->rule, id) == 0)
            return i;
    return NULL;
}

static int rule_index(const char *id)
{
    int k = 0;
    for (const pl_rule_info *i = pl_bailian_rules_catalog(); i->rule; i++, k++)
        if (strcmp(i->rule, id) == 0)
            return k;
    return -1;
}

static void on_finding(void *user, const pl_finding *f)
{
    collect *c = user;
    const pl_rule_info *i = catalog_find(f->rule);
    if (!i || i->level != f->level || i->source != f->source || !f->message[0]) {
        fprintf(stderr, "  finding %s does not match the catalog\n", f->rule);
        c->bad = 1;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 8;
        c->ids = pl_xrealloc(c->ids, c->cap * sizeof *c->ids);
    }
    c->ids[c->n++] = pl_xstrdup(f->rule);
    pl_buf_printf(&c->text, "%s: %s\n", f->rule, f->message);
}

static void collect_free(collect *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->ids[i]);
    free(c->ids);
    pl_buf_free(&c->text);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- options ------------------------------------------------------------------------ */

static int64_t ms_opt(const cJSON *o, const char *name, int64_t dflt_us)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? (int64_t)(v->valuedouble * 1000) : dflt_us;
}

static double num_opt(const cJSON *o, const char *name, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v) != 0;
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static void parse_opts(const cJSON *o, pl_bailian_rules_opts *opts)
{
    opts->frame_interval_us = ms_opt(o, "frame_interval_ms", opts->frame_interval_us);
    opts->cadence_tolerance = num_opt(o, "cadence_tolerance", opts->cadence_tolerance);
    opts->stall_us = ms_opt(o, "stall_ms", opts->stall_us);
    opts->image_max_bytes = (size_t)num_opt(o, "image_max_bytes", (double)opts->image_max_bytes);
    opts->image_limit_encoded = (int)num_opt(o, "image_limit_encoded", opts->image_limit_encoded);
    opts->heartbeat_gap_us = ms_opt(o, "heartbeat_gap_ms", opts->heartbeat_gap_us);
    opts->answer_timeout_us = ms_opt(o, "answer_timeout_ms", opts->answer_timeout_us);
    opts->interrupt_burst = (int)num_opt(o, "interrupt_burst", opts->interrupt_burst);
    opts->interrupt_window_us = ms_opt(o, "interrupt_window_ms", opts->interrupt_window_us);
}

/* ---- synthetic images --------------------------------------------------------------- */

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

/* A JPEG of exactly n bytes (the header is cut when n is smaller). */
static unsigned char *make_jpeg(size_t n, unsigned w, unsigned h, int sof, size_t app)
{
    unsigned char *b = pl_xcalloc(n + 64 + app, 1);
    size_t i = 0;
    b[i++] = 0xFF, b[i++] = 0xD8;
    if (app) {
        b[i++] = 0xFF, b[i++] = 0xE1;
        put16(b + i, (unsigned)app + 2);
        i += 2 + app;
    }
    if (sof) {
        static const unsigned char comps[] = {3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1};
        b[i++] = 0xFF, b[i++] = sof == 2 ? 0xC2 : 0xC0;
        put16(b + i, 17), i += 2;
        b[i++] = 8;
        put16(b + i, h), i += 2;
        put16(b + i, w), i += 2;
        memcpy(b + i, comps, sizeof comps), i += sizeof comps;
    }
    static const unsigned char sos[] = {0xFF, 0xDA, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 0x3F, 0};
    memcpy(b + i, sos, sizeof sos);
    i += sizeof sos;
    if (n >= i + 2)
        b[n - 2] = 0xFF, b[n - 1] = 0xD9;
    return b;
}

static unsigned char *make_png(size_t n, unsigned w, unsigned h)
{
    static const unsigned char sig[8] = {0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A};
    unsigned char *b = pl_xcalloc(n + 64, 1);
    memcpy(b, sig, 8);
    put32(b + 8, 13);
    memcpy(b + 12, "IHDR", 4);
    put32(b + 16, w);
    put32(b + 20, h);
    b[24] = 8, b[25] = 2;
    return b;
}

/* The base64 string an image shorthand stands for, or NULL when o is not one. */
static char *expand_image(const cJSON *o)
{
    const cJSON *spec = NULL;
    const char *what = NULL;
    static const char *const keys[] = {"$jpeg", "$png", "$bytes"};
    for (int k = 0; k < 3 && !spec; k++)
        if ((spec = cJSON_GetObjectItemCaseSensitive(o, keys[k])))
            what = keys[k];
    if (!spec)
        return NULL;
    const cJSON *opt = cJSON_IsObject(spec) ? spec : NULL;
    size_t n = (size_t)(cJSON_IsNumber(spec) ? spec->valuedouble : num_opt(opt, "bytes", 1000));
    unsigned w = (unsigned)num_opt(opt, "width", 640), h = (unsigned)num_opt(opt, "height", 480);
    unsigned char *b;
    if (strcmp(what, "$jpeg") == 0) {
        b = make_jpeg(n, w, h, (int)num_opt(opt, "sof", 1), (size_t)num_opt(opt, "app", 0));
    } else if (strcmp(what, "$png") == 0) {
        b = make_png(n, w, h);
    } else {
        b = pl_xmalloc(n + 1);
        memset(b, (int)num_opt(opt, "fill", 0), n);
    }
    char *enc = pl_crypto_base64_encode(b, n);
    free(b);
    const cJSON *prefix = cJSON_GetObjectItemCaseSensitive(opt, "prefix");
    if (cJSON_IsString(prefix)) {
        pl_buf out = PL_BUF_INIT;
        pl_buf_printf(&out, "%s%s", prefix->valuestring, enc);
        free(enc);
        enc = pl_xstrdup(out.data);
        pl_buf_free(&out);
    }
    return enc;
}

/* Replaces every image shorthand inside v, recursively. */
static void expand_images(cJSON *v)
{
    cJSON *c = v ? v->child : NULL;
    while (c) {
        cJSON *next = c->next;
        char *s = cJSON_IsObject(c) ? expand_image(c) : NULL;
        if (s) {
            cJSON *str = cJSON_CreateString(s);
            if (c->string) /* the replacement takes over the member name */
                str->string = pl_xstrdup(c->string);
            cJSON_ReplaceItemViaPointer(v, c, str);
            free(s);
        } else {
            expand_images(c);
        }
        c = next;
    }
}

/* ---- building and classifying messages ---------------------------------------------- */

/* Members of extra replace those of o; a null member deletes. */
static void merge(cJSON *o, const cJSON *extra)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, extra)
    {
        cJSON_DeleteItemFromObjectCaseSensitive(o, e->string);
        if (!cJSON_IsNull(e))
            cJSON_AddItemToObject(o, e->string, cJSON_Duplicate(e, 1));
    }
}

static cJSON *build_client(const cJSON *ln, const char *directive)
{
    const char *action = strcmp(directive, "Start") == 0  ? "run-task"
                         : strcmp(directive, "Stop") == 0 ? "finish-task"
                                                          : "continue-task";
    cJSON *m = cJSON_CreateObject(), *h = cJSON_AddObjectToObject(m, "header");
    cJSON_AddStringToObject(h, "action", action);
    cJSON_AddStringToObject(h, "task_id", "task-1");
    cJSON_AddStringToObject(h, "streaming", "duplex");
    merge(h, cJSON_GetObjectItemCaseSensitive(ln, "header"));
    cJSON *p = cJSON_AddObjectToObject(m, "payload");
    if (strcmp(directive, "Start") == 0) {
        cJSON_AddStringToObject(p, "task_group", "aigc");
        cJSON_AddStringToObject(p, "task", "multimodal-generation");
        cJSON_AddStringToObject(p, "function", "generation");
        cJSON_AddStringToObject(p, "model", "multimodal-dialog");
    }
    cJSON *in = cJSON_AddObjectToObject(p, "input");
    cJSON_AddStringToObject(in, "directive", directive);
    cJSON_AddStringToObject(in, "dialog_id", "");
    merge(in, cJSON_GetObjectItemCaseSensitive(ln, "input"));
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(ln, "parameters");
    if (params)
        cJSON_AddItemToObject(p, "parameters", cJSON_Duplicate(params, 1));
    return m;
}

static cJSON *build_agent(const cJSON *ln, const char *event)
{
    int task = strncmp(event, "task-", 5) == 0;
    cJSON *m = cJSON_CreateObject(), *h = cJSON_AddObjectToObject(m, "header");
    cJSON_AddStringToObject(h, "task_id", "task-1");
    cJSON_AddStringToObject(h, "event", task ? event : "result-generated");
    cJSON_AddObjectToObject(h, "attributes");
    merge(h, cJSON_GetObjectItemCaseSensitive(ln, "header"));
    const cJSON *payload = cJSON_GetObjectItemCaseSensitive(ln, "payload");
    const cJSON *output = cJSON_GetObjectItemCaseSensitive(ln, "output");
    if (payload) {
        if (!cJSON_IsNull(payload))
            cJSON_AddItemToObject(m, "payload", cJSON_Duplicate(payload, 1));
        return m;
    }
    cJSON *p = cJSON_AddObjectToObject(m, "payload");
    if (task && !output)
        return m;
    cJSON *out = cJSON_AddObjectToObject(p, "output");
    if (!task) {
        cJSON_AddStringToObject(out, "event", event);
        cJSON_AddStringToObject(out, "dialog_id", "dlg-1");
    }
    merge(out, output);
    return m;
}

static const char *const directive_names[] = {"Start",
                                              "Stop",
                                              "SendSpeech",
                                              "StopSpeech",
                                              "CancelSpeech",
                                              "RequestToSpeak",
                                              "RequestToRespond",
                                              "UpdateInfo",
                                              "HeartBeat",
                                              "LocalRespondingStarted",
                                              "LocalRespondingEnded",
                                              NULL};
static const char *const event_names[] = {"Started",
                                          "Stopped",
                                          "DialogStateChanged",
                                          "SpeechStarted",
                                          "SpeechEnded",
                                          "SpeechContent",
                                          "RequestAccepted",
                                          "RespondingStarted",
                                          "RespondingContent",
                                          "RespondingEnded",
                                          "HeartBeat",
                                          "Error",
                                          NULL};

static int in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

/* The kind as the dialect classifies it (docs/dev/bailian-spec.md). */
static void classify(const cJSON *m, char *kind, size_t cap)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(m, "header");
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(h, "event");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "payload");
    const cJSON *out = cJSON_GetObjectItemCaseSensitive(p, "output");
    const cJSON *oe = cJSON_GetObjectItemCaseSensitive(out, "event");
    const cJSON *d =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "input"), "directive");
    snprintf(kind, cap, "bailian.unknown");
    if (!cJSON_IsObject(m))
        return;
    if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(m, "binary")))
        snprintf(kind, cap, "bailian.audio");
    else if (cJSON_IsString(ev) && (strcmp(ev->valuestring, "task-started") == 0 ||
                                    strcmp(ev->valuestring, "task-finished") == 0 ||
                                    strcmp(ev->valuestring, "task-failed") == 0))
        snprintf(kind, cap, "bailian.%s", ev->valuestring);
    else if (cJSON_IsString(ev) && strcmp(ev->valuestring, "result-generated") == 0 &&
             cJSON_IsString(oe) && in_list(event_names, oe->valuestring))
        snprintf(kind, cap, "bailian.event.%s", oe->valuestring);
    else if (!cJSON_IsString(ev) && cJSON_IsString(d) && in_list(directive_names, d->valuestring))
        snprintf(kind, cap, "bailian.%s", d->valuestring);
}

/* ---- running one file --------------------------------------------------------------- */

/* Feeds one event line; returns 0, or -1 on a malformed test line. */
static int feed(pl_bailian_rules *r, const cJSON *ln, collect *c)
{
    int64_t t = ms_opt(ln, "t_ms", -1);
    const cJSON *dir = cJSON_GetObjectItemCaseSensitive(ln, "dir");
    const cJSON *cl = cJSON_GetObjectItemCaseSensitive(ln, "c");
    const cJSON *ag = cJSON_GetObjectItemCaseSensitive(ln, "a");
    const cJSON *raw = cJSON_GetObjectItemCaseSensitive(ln, "raw");
    const cJSON *audio = cJSON_GetObjectItemCaseSensitive(ln, "audio");
    const cJSON *closed = cJSON_GetObjectItemCaseSensitive(ln, "closed");
    const cJSON *kind_given = cJSON_GetObjectItemCaseSensitive(ln, "kind");
    if (t < 0)
        return -1;
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ln, "tick"))) {
        pl_bailian_rules_tick(r, t, on_finding, c);
        return 0;
    }
    if (cJSON_IsNumber(closed)) {
        pl_bailian_rules_closed(r, closed->valueint, t, on_finding, c);
        return 0;
    }
    pl_dir d = PL_DIR_C2A;
    cJSON *m = NULL;
    const char *text = NULL;
    if (cJSON_IsString(cl)) {
        m = build_client(ln, cl->valuestring);
    } else if (cJSON_IsString(ag)) {
        m = build_agent(ln, ag->valuestring);
        d = PL_DIR_A2C;
    } else if (cJSON_IsString(dir)) {
        d = strcmp(dir->valuestring, "c2a") == 0 ? PL_DIR_C2A : PL_DIR_A2C;
        if (cJSON_IsNumber(audio)) {
            m = cJSON_CreateObject();
            cJSON *b = cJSON_AddObjectToObject(m, "binary");
            cJSON_AddNumberToObject(b, "len", audio->valuedouble);
            cJSON_AddBoolToObject(b, "silent",
                                  cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ln, "silent")));
        } else if (cJSON_IsString(raw)) {
            text = raw->valuestring;
            m = cJSON_Parse(text);
        } else if (cJSON_GetObjectItemCaseSensitive(ln, "msg")) {
            m = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(ln, "msg"), 1);
        } else {
            return -1;
        }
    } else {
        return -1;
    }
    char kind[96];
    expand_images(m);
    if (cJSON_IsString(kind_given))
        snprintf(kind, sizeof kind, "%s", kind_given->valuestring);
    else if (!m)
        snprintf(kind, sizeof kind, "bailian.malformed");
    else
        classify(m, kind, sizeof kind);
    int schema_ok = (int)num_opt(ln, "schema_ok", -1);
    pl_bailian_rules_message(r, d, kind, m, text, text ? strlen(text) : 0, schema_ok, t, on_finding,
                             c);
    cJSON_Delete(m);
    return 0;
}

typedef struct {
    int negative[MAX_RULES];
    int clean[MAX_RULES];
    int asserts;
} coverage;

/* Compares the emitted multiset and the expected texts; prints what differs. */
static int check_expect(const char *name, const cJSON *ln, collect *c, coverage *cov,
                        const cJSON *covers)
{
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(ln, "expect");
    size_t ne = (size_t)cJSON_GetArraySize(exp);
    char **want = pl_xcalloc(ne + 1, sizeof *want);
    size_t k = 0;
    const cJSON *e;
    int ok = !c->bad;
    cJSON_ArrayForEach(e, exp)
    {
        if (!cJSON_IsString(e) || rule_index(e->valuestring) < 0) {
            fprintf(stderr, "  %s: expect names an unknown rule\n", name);
            ok = 0;
            continue;
        }
        want[k++] = e->valuestring;
        cov->negative[rule_index(e->valuestring)] = 1;
    }
    qsort(want, k, sizeof *want, cmp_str);
    if (c->n)
        qsort(c->ids, c->n, sizeof *c->ids, cmp_str);
    int same = k == c->n;
    for (size_t i = 0; same && i < k; i++)
        same = strcmp(want[i], c->ids[i]) == 0;
    cov->asserts++;
    if (!same) {
        fprintf(stderr, "\n  %s: expected [", name);
        for (size_t i = 0; i < k; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", want[i]);
        fprintf(stderr, "]\n  got:\n%s", c->text.data ? c->text.data : "  (nothing)\n");
        ok = 0;
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(ln, "expect_text"))
    {
        cov->asserts++;
        if (!cJSON_IsString(e) || !c->text.data || !strstr(c->text.data, e->valuestring)) {
            fprintf(stderr, "\n  %s: no finding message contains \"%s\"; got:\n%s", name,
                    cJSON_IsString(e) ? e->valuestring : "?", c->text.data ? c->text.data : "");
            ok = 0;
        }
    }
    if (ne == 0)
        cJSON_ArrayForEach(e, covers)
        {
            if (cJSON_IsString(e) && rule_index(e->valuestring) >= 0)
                cov->clean[rule_index(e->valuestring)] = 1;
            else
                ok = 0;
        }
    free(want);
    return ok;
}

/* Runs one file; returns 1 when it passes. */
static int run_file(const char *name, coverage *cov)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/%s", RULES_DIR, name);
    char *text = pl_file_read(path, NULL, err, sizeof err);
    if (!text) {
        fprintf(stderr, "  %s: %s\n", path, err);
        return 0;
    }
    pl_bailian_rules_opts opts;
    pl_bailian_rules_opts_init(&opts);
    pl_bailian_rules *r = NULL;
    collect c = {NULL, 0, 0, PL_BUF_INIT, 0};
    cJSON *covers = NULL;
    int ok = 1, done = 0, lineno = 0;
    for (char *line = text, *next; line && ok; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        if (!line[0] || line[0] == '#')
            continue;
        cJSON *ln = cJSON_Parse(line);
        if (!ln || done) {
            fprintf(stderr, "  %s:%d: %s\n", name, lineno, done ? "line after expect" : "bad JSON");
            ok = 0;
        } else if (cJSON_GetObjectItemCaseSensitive(ln, "opts")) {
            if (r)
                ok = 0;
            else
                parse_opts(cJSON_GetObjectItemCaseSensitive(ln, "opts"), &opts);
        } else if (cJSON_GetObjectItemCaseSensitive(ln, "covers")) {
            cJSON_Delete(covers);
            covers = cJSON_DetachItemFromObjectCaseSensitive(ln, "covers");
        } else if (cJSON_GetObjectItemCaseSensitive(ln, "expect")) {
            ok = check_expect(name, ln, &c, cov, covers);
            done = 1;
        } else {
            if (!r)
                r = pl_bailian_rules_new(&opts);
            if (feed(r, ln, &c) < 0) {
                fprintf(stderr, "  %s:%d: not an event line\n", name, lineno);
                ok = 0;
            }
        }
        cJSON_Delete(ln);
    }
    if (!done && ok) {
        fprintf(stderr, "  %s: no expect line\n", name);
        ok = 0;
    }
    collect_free(&c);
    cJSON_Delete(covers);
    pl_bailian_rules_free(r);
    free(text);
    return ok;
}

static void test_data_files(void)
{
    char **names;
    size_t n = pl_test_list_files(RULES_DIR, ".jsonl", NULL, &names);
    CU_ASSERT_FATAL(n > 0);
    coverage cov;
    memset(&cov, 0, sizeof cov);
    int passed = 0;
    for (size_t i = 0; i < n; i++) {
        int ok = run_file(names[i], &cov);
        passed += ok;
        if (!ok)
            fprintf(stderr, "  FAILED: %s\n", names[i]);
        CU_ASSERT(ok);
    }
    printf("\n  %d/%zu rule files passed (%d expectations)\n", passed, n, cov.asserts);
    pl_test_free_names(names, n);
    int k = 0;
    for (const pl_rule_info *i = pl_bailian_rules_catalog(); i->rule; i++, k++) {
        if (!cov.negative[k])
            fprintf(stderr, "  no negative file expects %s\n", i->rule);
        if (!cov.clean[k])
            fprintf(stderr, "  no clean file covers %s\n", i->rule);
        CU_ASSERT(cov.negative[k] && cov.clean[k]);
    }
}

static void test_catalog(void)
{
    const pl_rule_info *cat = pl_bailian_rules_catalog();
    int n = 0;
    for (const pl_rule_info *i = cat; i->rule; i++, n++) {
        CU_ASSERT(strncmp(i->rule, "bailian.", 8) == 0);
        CU_ASSERT(i->level == PL_LEVEL_MUST || i->level == PL_LEVEL_SHOULD);
        CU_ASSERT(i->source && strstr(i->source, "bailian.md §"));
        CU_ASSERT(i->description && i->description[0]);
        for (const pl_rule_info *j = cat; j < i; j++)
            CU_ASSERT(strcmp(i->rule, j->rule) != 0);
    }
    CU_ASSERT(n == 31); /* the list in docs/rules-bailian.md */
    CU_ASSERT(n < MAX_RULES);
}

/* docs/rules-bailian.md lists every rule, as | `id` | level |. */
static void test_doc_lists_rules(void)
{
    char err[256], want[128];
    char *doc = pl_file_read("docs/rules-bailian.md", NULL, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    for (const pl_rule_info *i = pl_bailian_rules_catalog(); i->rule; i++) {
        snprintf(want, sizeof want, "| `%s` | %s |", i->rule, pl_level_name(i->level));
        if (!strstr(doc, want))
            fprintf(stderr, "  docs/rules-bailian.md lacks the row %s\n", want);
        CU_ASSERT_PTR_NOT_NULL(strstr(doc, want));
    }
    free(doc);
}

/* The C-level paths the data files do not reach: NULL msg with raw bytes, NULL kind, NULL
 * callback, NULL opts, free(NULL). */
static void test_api_edges(void)
{
    collect c = {NULL, 0, 0, PL_BUF_INIT, 0};
    pl_bailian_rules *r = pl_bailian_rules_new(NULL);
    char raw[200];
    memset(raw, 'x', sizeof raw);
    raw[0] = '\n';
    pl_bailian_rules_message(r, PL_DIR_C2A, "bailian.malformed", NULL, raw, sizeof raw, -1, 0,
                             on_finding, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_STRING_EQUAL(c.ids[0], "bailian.envelope.malformed");
    CU_ASSERT_PTR_NOT_NULL(strstr(c.text.data, "(200 bytes: \"?xxx"));
    /* No callback: the state still advances (Start opens the task), nothing crashes. */
    cJSON *start = cJSON_Parse("{\"header\":{\"action\":\"run-task\",\"task_id\":\"t\","
                               "\"streaming\":\"duplex\"},\"payload\":{\"input\":"
                               "{\"directive\":\"Start\"}}}");
    pl_bailian_rules_message(r, PL_DIR_C2A, NULL, start, NULL, 0, -1, 10, NULL, NULL);
    pl_bailian_rules_tick(r, 100000000, NULL, NULL);
    /* A second Start is a duplicate: the first one counted. */
    pl_bailian_rules_message(r, PL_DIR_C2A, "bailian.Start", start, NULL, 0, 1, 100000001,
                             on_finding, &c);
    CU_ASSERT_EQUAL(c.n, 2);
    CU_ASSERT_STRING_EQUAL(c.ids[1], "bailian.start.duplicate");
    /* After close no deadline fires. */
    pl_bailian_rules_closed(r, 1006, 100000002, on_finding, &c);
    pl_bailian_rules_tick(r, 900000000, on_finding, &c);
    CU_ASSERT_EQUAL(c.n, 2);
    cJSON_Delete(start);
    pl_bailian_rules_free(r);
    pl_bailian_rules_free(NULL);
    collect_free(&c);
    pl_bailian_rules_opts o;
    pl_bailian_rules_opts_init(&o);
    CU_ASSERT_EQUAL(o.image_max_bytes, 184320);
    CU_ASSERT_EQUAL(o.frame_interval_us, 500000);
    CU_ASSERT_EQUAL(o.heartbeat_gap_us, 60000000);
}

/* 400 LiveAI frames of 180 KB (about 240 KB of base64 each): one second of the worst load
 * the brief names. Prints the cost per frame; the bound is loose (sanitizer builds). */
static void test_many_frames(void)
{
    collect c = {NULL, 0, 0, PL_BUF_INIT, 0};
    pl_bailian_rules_opts o;
    pl_bailian_rules_opts_init(&o);
    o.heartbeat_gap_us = 0; /* 200 s of frames without a HeartBeat: not what is measured */
    pl_bailian_rules *r = pl_bailian_rules_new(&o);
    cJSON *ln = cJSON_Parse("{\"parameters\":{\"upstream\":{\"mode\":\"duplex\"}}}");
    cJSON *m = build_client(ln, "Start");
    pl_bailian_rules_message(r, PL_DIR_C2A, "bailian.Start", m, NULL, 0, 1, 0, on_finding, &c);
    cJSON_Delete(m);
    cJSON_Delete(ln);
    static const char *const agent[] = {"task-started", "Started", "DialogStateChanged"};
    for (int i = 0; i < 3; i++) {
        ln = cJSON_Parse("{\"output\":{\"state\":\"Listening\"}}");
        m = build_agent(ln, agent[i]);
        pl_bailian_rules_message(r, PL_DIR_A2C, "bailian.x", m, NULL, 0, 1, 1000 + i, on_finding,
                                 &c);
        cJSON_Delete(m);
        cJSON_Delete(ln);
    }
    ln = cJSON_Parse("{\"output\":{\"text\":\"hi\",\"extra_info\":{\"commands\":"
                     "\"[{\\\"name\\\":\\\"switch_video_call_success\\\",\\\"params\\\":[]}]\"}}}");
    m = build_agent(ln, "RespondingContent");
    pl_bailian_rules_message(r, PL_DIR_A2C, "bailian.event.RespondingContent", m, NULL, 0, 1, 2000,
                             on_finding, &c);
    cJSON_Delete(m);
    cJSON_Delete(ln);
    ln = cJSON_Parse("{\"parameters\":{\"images\":[{\"type\":\"base64\",\"value\":"
                     "{\"$jpeg\":{\"bytes\":184320,\"width\":1280,\"height\":720}}}]}}");
    m = build_client(ln, "UpdateInfo");
    expand_images(m);
    /* 400 frames at the limit, 500 ms apart: none is reported (the speed of this path is
     * measured by bench/bench_liveai, not here) */
    for (int i = 0; i < 400; i++)
        pl_bailian_rules_message(r, PL_DIR_C2A, "bailian.UpdateInfo", m, NULL, 0, 1,
                                 3000 + (int64_t)i * 500000, on_finding, &c);
    CU_ASSERT_EQUAL(c.n, 0);
    if (c.n)
        fprintf(stderr, "%s", c.text.data);
    cJSON_Delete(m);
    cJSON_Delete(ln);
    pl_bailian_rules_free(r);
    collect_free(&c);
}

int main(void)
{
    static const pl_test_case cases[] = {
        {"catalog", test_catalog},       {"doc_lists_rules", test_doc_lists_rules},
        {"data_files", test_data_files}, {"api_edges", test_api_edges},
        {"many_frames", test_many_frames}, {NULL, NULL},
    };
    return pl_test_main("bailian_rules", cases);
}
