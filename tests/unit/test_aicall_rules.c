/* test_aicall_rules.c — the AICall state rules (mock/dialects/aicall_rules.c), data-driven.
 *
 * Each tests/data/aicall/rules/NAME.jsonl is one session: one JSON object per line, in time
 * order ('#' lines and blank lines are comments):
 *   {"opts":{"ptt_initially":1,"check_mic":0,"confirm_timeout_ms":5000,…}}  optional, first
 *   {"covers":["aicall.ptt.start_without_enable",…]}   rules a clean file exercises
 *   {"t_ms":0,"dir":"c2a","msg":{…}}    a message (msg may be any JSON value)
 *   {"t_ms":10,"dir":"a2c","raw":"{bad"} raw text: parsed here, malformed if it does not
 *   {"t_ms":0,"dir":"c2a","schema_ok":0,"msg":{…}}  as the session feeds it after the schema
 *                                        layer (0 reported, 1 passed; absent: -1, none)
 *   {"t_ms":20,"mic":true}               mic muted (false: unmuted)
 *   {"t_ms":30,"room":"unpublished"}     published / unpublished / left / agent_left
 *   {"t_ms":40,"tick":true}
 *   {"expect":["aicall.…",…],"expect_text":["substring",…]}   last line
 * expect is the exact multiset of rule ids emitted; each expect_text must occur in some
 * finding's message. The suite also checks that every catalog rule has a negative file
 * (in some expect) and a clean file (expect [] with the rule in covers). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "mock/dialects/aicall_rules.h"
#include "pl_test.h"

#define RULES_DIR "tests/data/aicall/rules"

/* Findings collected during one file. */
typedef struct {
    char **ids;
    size_t n, cap;
    pl_buf text; /* every message, one per line */
    int bad;     /* a finding not matching the catalog */
} collect;

static const pl_rule_info *catalog_find(const char *id)
{
    for (const pl_rule_info *i = pl_aicall_rules_catalog(); i->rule; i++)
        if (strcmp(i->rule, id) == 0)
            return i;
    return NULL;
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

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int64_t ms_opt(const cJSON *o, const char *name, int64_t dflt_us)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? (int64_t)(v->valuedouble * 1000) : dflt_us;
}

static int int_opt(const cJSON *o, const char *name, int dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v) != 0;
    return cJSON_IsNumber(v) ? v->valueint : dflt;
}

static void parse_opts(const cJSON *o, pl_aicall_rules_opts *opts)
{
    opts->ptt_initially = int_opt(o, "ptt_initially", opts->ptt_initially);
    opts->mic_initially_muted = int_opt(o, "mic_initially_muted", opts->mic_initially_muted);
    opts->check_mic = int_opt(o, "check_mic", opts->check_mic);
    opts->confirm_timeout_us = ms_opt(o, "confirm_timeout_ms", opts->confirm_timeout_us);
    opts->ready_timeout_us = ms_opt(o, "ready_timeout_ms", opts->ready_timeout_us);
    opts->mic_deadline_us = ms_opt(o, "mic_deadline_ms", opts->mic_deadline_us);
    opts->answer_timeout_us = ms_opt(o, "answer_timeout_ms", opts->answer_timeout_us);
    opts->ptt_min_press_us = ms_opt(o, "ptt_min_press_ms", opts->ptt_min_press_us);
    opts->ptt_max_press_us = ms_opt(o, "ptt_max_press_ms", opts->ptt_max_press_us);
    opts->race_us = ms_opt(o, "race_ms", opts->race_us);
}

/* Rules named by negative files (in expect) and by clean files (in covers). */
typedef struct {
    int negative[64];
    int clean[64];
} coverage;

static int rule_index(const char *id)
{
    int k = 0;
    for (const pl_rule_info *i = pl_aicall_rules_catalog(); i->rule; i++, k++)
        if (strcmp(i->rule, id) == 0)
            return k;
    return -1;
}

/* Feeds one event line; returns 0, or -1 on a malformed test line. */
static int feed(pl_aicall_rules *r, const cJSON *ln, collect *c)
{
    int64_t t = ms_opt(ln, "t_ms", -1);
    const cJSON *dir = cJSON_GetObjectItemCaseSensitive(ln, "dir");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(ln, "msg");
    const cJSON *raw = cJSON_GetObjectItemCaseSensitive(ln, "raw");
    const cJSON *mic = cJSON_GetObjectItemCaseSensitive(ln, "mic");
    const cJSON *room = cJSON_GetObjectItemCaseSensitive(ln, "room");
    if (t < 0)
        return -1;
    if (cJSON_IsString(dir)) {
        pl_dir d = strcmp(dir->valuestring, "c2a") == 0 ? PL_DIR_C2A : PL_DIR_A2C;
        int schema_ok = int_opt(ln, "schema_ok", -1);
        if (msg) {
            if (schema_ok == -1)
                pl_aicall_rules_message(r, d, msg, t, on_finding, c);
            else
                pl_aicall_rules_message_checked(r, d, msg, schema_ok, t, on_finding, c);
        } else if (cJSON_IsString(raw)) {
            cJSON *j = cJSON_Parse(raw->valuestring);
            if (j)
                pl_aicall_rules_message_checked(r, d, j, schema_ok, t, on_finding, c);
            else
                pl_aicall_rules_malformed(r, d, raw->valuestring, strlen(raw->valuestring), t,
                                          on_finding, c);
            cJSON_Delete(j);
        } else {
            return -1;
        }
    } else if (cJSON_IsBool(mic)) {
        pl_aicall_rules_mic(r, cJSON_IsTrue(mic), t, on_finding, c);
    } else if (cJSON_IsString(room)) {
        const char *s = room->valuestring;
        pl_aicall_room_event ev = strcmp(s, "published") == 0     ? PL_AICALL_ROOM_AUDIO_PUBLISHED
                                  : strcmp(s, "unpublished") == 0 ? PL_AICALL_ROOM_AUDIO_UNPUBLISHED
                                  : strcmp(s, "left") == 0        ? PL_AICALL_ROOM_LEFT
                                  : strcmp(s, "agent_left") == 0  ? PL_AICALL_ROOM_AGENT_LEFT
                                                                  : (pl_aicall_room_event)-1;
        if ((int)ev < 0)
            return -1;
        pl_aicall_rules_room(r, ev, t, on_finding, c);
    } else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ln, "tick"))) {
        pl_aicall_rules_tick(r, t, on_finding, c);
    } else {
        return -1;
    }
    return 0;
}

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
    if (!same) {
        fprintf(stderr, "\n  %s: expected [", name);
        for (size_t i = 0; i < k; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", want[i]);
        fprintf(stderr, "]\n  got:\n%s", c->text.data ? c->text.data : "  (nothing)\n");
        ok = 0;
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(ln, "expect_text"))
    {
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
    pl_aicall_rules_opts opts;
    pl_aicall_rules_opts_init(&opts);
    pl_aicall_rules *r = NULL;
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
                r = pl_aicall_rules_new(&opts);
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
    for (size_t i = 0; i < c.n; i++)
        free(c.ids[i]);
    free(c.ids);
    pl_buf_free(&c.text);
    cJSON_Delete(covers);
    pl_aicall_rules_free(r);
    free(text);
    return ok;
}

static void test_data_files(void)
{
    struct dirent **list;
    int n = scandir(RULES_DIR, &list, NULL, alphasort);
    CU_ASSERT_FATAL(n > 0);
    coverage cov;
    memset(&cov, 0, sizeof cov);
    int files = 0, passed = 0;
    for (int i = 0; i < n; i++) {
        if (pl_test_has_suffix(list[i]->d_name, ".jsonl")) {
            files++;
            int ok = run_file(list[i]->d_name, &cov);
            passed += ok;
            CU_ASSERT(ok);
        }
        free(list[i]);
    }
    free(list);
    printf("\n  %d/%d rule files passed\n", passed, files);
    int k = 0;
    for (const pl_rule_info *i = pl_aicall_rules_catalog(); i->rule; i++, k++) {
        if (!cov.negative[k])
            fprintf(stderr, "  no negative file expects %s\n", i->rule);
        if (!cov.clean[k])
            fprintf(stderr, "  no clean file covers %s\n", i->rule);
        CU_ASSERT(cov.negative[k] && cov.clean[k]);
    }
}

static void test_catalog(void)
{
    const pl_rule_info *cat = pl_aicall_rules_catalog();
    int n = 0;
    for (const pl_rule_info *i = cat; i->rule; i++, n++) {
        CU_ASSERT(strncmp(i->rule, "aicall.", 7) == 0);
        CU_ASSERT(i->level == PL_LEVEL_MUST || i->level == PL_LEVEL_SHOULD);
        CU_ASSERT(i->source && (strstr(i->source, "aicall.md") || strstr(i->source, "seed 003")));
        CU_ASSERT(i->description && i->description[0]);
        for (const pl_rule_info *j = cat; j < i; j++)
            CU_ASSERT(strcmp(i->rule, j->rule) != 0);
    }
    CU_ASSERT(n >= 30 && n < 64); /* coverage arrays above hold 64 */
}

/* docs/rules-aicall.md lists every rule, as `id`. */
static void test_doc_lists_rules(void)
{
    char err[256], want[128];
    char *doc = pl_file_read("docs/rules-aicall.md", NULL, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    for (const pl_rule_info *i = pl_aicall_rules_catalog(); i->rule; i++) {
        snprintf(want, sizeof want, "| `%s` | %s |", i->rule,
                 i->level == PL_LEVEL_MUST ? "must" : "should");
        if (!strstr(doc, want))
            fprintf(stderr, "  docs/rules-aicall.md lacks the row %s\n", want);
        CU_ASSERT_PTR_NOT_NULL(strstr(doc, want));
    }
    free(doc);
}

/* The C-level paths the data files do not reach: NULL msg, NULL callback, NULL opts. */
static void test_api_edges(void)
{
    collect c = {NULL, 0, 0, PL_BUF_INIT, 0};
    pl_aicall_rules *r = pl_aicall_rules_new(NULL);
    pl_aicall_rules_message(r, PL_DIR_A2C, NULL, 0, on_finding, &c);
    CU_ASSERT_EQUAL(c.n, 1);
    CU_ASSERT_STRING_EQUAL(c.ids[0], "aicall.malformed_json");
    CU_ASSERT_PTR_NOT_NULL(strstr(c.text.data, "agent message body is not valid JSON"));
    /* No callback: state still advances, nothing crashes. */
    cJSON *m = cJSON_Parse("{\"type\":1106,\"senderId\":\"u\",\"receiverId\":\"a\"}");
    pl_aicall_rules_message(r, PL_DIR_C2A, m, 10, NULL, NULL);
    pl_aicall_rules_tick(r, 100000000, NULL, NULL);
    /* The long raw text is quoted in part, control bytes replaced. */
    char raw[200];
    memset(raw, 'x', sizeof raw);
    raw[0] = '\n';
    pl_aicall_rules_malformed(r, PL_DIR_C2A, raw, sizeof raw, 100000001, on_finding, &c);
    CU_ASSERT_EQUAL(c.n, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.text.data, "(200 bytes: \"?xxx"));
    cJSON_Delete(m);
    pl_aicall_rules_free(r);
    pl_aicall_rules_free(NULL);
    for (size_t i = 0; i < c.n; i++)
        free(c.ids[i]);
    free(c.ids);
    pl_buf_free(&c.text);
}

int main(void)
{
    static const pl_test_case cases[] = {
        {"catalog", test_catalog},
        {"doc_lists_rules", test_doc_lists_rules},
        {"data_files", test_data_files},
        {"api_edges", test_api_edges},
        {NULL, NULL},
    };
    return pl_test_main("aicall_rules", cases);
}
