/* test_match.c — unit tests for runner/pl_match (matchers and ${…} interpolation).
 *
 * Data-driven: every .json file in tests/data/match is an array of cases, one of five shapes:
 *   match:   {"name", "pattern", "value" (absent = missing member), "ok",
 *             "reason_contains"?, "path"?, "captures"? (after the match; a failed match
 *             must leave them untouched), "captures_before"?, "score"?, "total"?}
 *   check:   {"name", "check": pattern, "ok", "error_contains"?, "bad_key"?}
 *   expand:  {"name", "expand": template, "vars", "result"? | "error_contains"?}
 *   refs:    {"name", "refs": template, "names"}            (pl_match_var_refs)
 *   capture: {"name", "capture_names": pattern, "names"}    (pl_match_capture_names)
 * $schema cases use the catalog under schemas/ (the tests run from the source tree). */
#include "pl_test.h"

#include "core/pl_buf.h"
#include "core/pl_json.h"
#include "runner/pl_match.h"
#include "schemas/pl_schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MATCH_DIR "tests/data/match"

typedef struct {
    size_t match, check, expand, refs, capture;
} counts;

static void report(const char *file, const char *name, const char *what)
{
    fprintf(stderr, "\n  %s: %s: %s\n", file, name, what);
}

static int contains(const char *hay, const cJSON *needle)
{
    return !cJSON_IsString(needle) || strstr(hay, needle->valuestring) != NULL;
}

static void run_match_case(pl_schema_set *schemas, const char *file, const char *name,
                           const cJSON *c)
{
    const cJSON *pattern = cJSON_GetObjectItemCaseSensitive(c, "pattern");
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(c, "value");
    const cJSON *before = cJSON_GetObjectItemCaseSensitive(c, "captures_before");
    const cJSON *want_caps = cJSON_GetObjectItemCaseSensitive(c, "captures");
    const cJSON *want_path = cJSON_GetObjectItemCaseSensitive(c, "path");
    const cJSON *want_reason = cJSON_GetObjectItemCaseSensitive(c, "reason_contains");
    const cJSON *want_score = cJSON_GetObjectItemCaseSensitive(c, "score");
    const cJSON *want_total = cJSON_GetObjectItemCaseSensitive(c, "total");
    int want_ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "ok"));
    cJSON *caps = before ? cJSON_Duplicate(before, 1) : cJSON_CreateObject();
    cJSON *caps0 = cJSON_Duplicate(caps, 1);
    pl_match_ctx ctx = {schemas, caps};
    pl_match_result res;
    int ok = pl_match(&ctx, pattern, value, &res);
    char line[1024];
    snprintf(line, sizeof line, "ok=%d path=\"%s\" reason=\"%s\" score=%d/%d", ok, res.path,
             res.reason, res.score, res.total);

    int good = ok == want_ok && res.ok == ok;
    good = good && contains(res.reason, want_reason);
    good = good && (!cJSON_IsString(want_path) || strcmp(res.path, want_path->valuestring) == 0);
    good = good && (!want_score || res.score == want_score->valueint);
    good = good && (!want_total || res.total == want_total->valueint);
    good = good && (ok || res.reason[0]);
    good = good && (!ok || (!res.reason[0] && !res.path[0] && res.score == res.total));
    if (want_caps)
        good = good && cJSON_Compare(caps, want_caps, 1);
    else if (!ok)
        good = good && cJSON_Compare(caps, caps0, 1); /* nothing committed on failure */
    if (!good) {
        char *got = cJSON_PrintUnformatted(caps);
        report(file, name, line);
        fprintf(stderr, "  captures: %s\n", got);
        free(got);
    }
    CU_ASSERT(good);
    cJSON_Delete(caps);
    cJSON_Delete(caps0);
}

static void run_check_case(const char *file, const char *name, const cJSON *c)
{
    const cJSON *pattern = cJSON_GetObjectItemCaseSensitive(c, "check");
    const cJSON *want_err = cJSON_GetObjectItemCaseSensitive(c, "error_contains");
    const cJSON *want_bad = cJSON_GetObjectItemCaseSensitive(c, "bad_key");
    int want_ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "ok"));
    const cJSON *bad = NULL;
    char err[512];
    int rc = pl_match_check(pattern, &bad, err, sizeof err);
    int good = (rc == 0) == want_ok && contains(err, want_err);
    if (rc)
        good = good && bad &&
               (!cJSON_IsString(want_bad) ||
                (bad->string && strcmp(bad->string, want_bad->valuestring) == 0));
    if (!good) {
        char line[700];
        snprintf(line, sizeof line, "rc=%d err=\"%s\" bad=%s", rc, err,
                 bad && bad->string ? bad->string : "(none)");
        report(file, name, line);
    }
    CU_ASSERT(good);
}

static void run_expand_case(const char *file, const char *name, const cJSON *c)
{
    const cJSON *tmpl = cJSON_GetObjectItemCaseSensitive(c, "expand");
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(c, "vars");
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(c, "result");
    const cJSON *want_err = cJSON_GetObjectItemCaseSensitive(c, "error_contains");
    char err[256] = "";
    cJSON *got = pl_match_expand(tmpl, vars, err, sizeof err);
    int good =
        want ? got && cJSON_Compare(got, want, 1) : !got && err[0] && contains(err, want_err);
    if (!good) {
        char *text = got ? cJSON_PrintUnformatted(got) : NULL;
        char line[700];
        snprintf(line, sizeof line, "got %s, err \"%s\"", text ? text : "NULL", err);
        report(file, name, line);
        free(text);
    }
    CU_ASSERT(good);
    cJSON_Delete(got);
}

static void run_names_case(const char *file, const char *name, const cJSON *c, int refs)
{
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(c, "names");
    cJSON *names = cJSON_CreateArray();
    if (refs)
        pl_match_var_refs(cJSON_GetObjectItemCaseSensitive(c, "refs"), names);
    else
        pl_match_capture_names(cJSON_GetObjectItemCaseSensitive(c, "capture_names"), names);
    int good = cJSON_Compare(names, want, 1);
    if (!good) {
        char *text = cJSON_PrintUnformatted(names);
        report(file, name, text);
        free(text);
    }
    CU_ASSERT(good);
    cJSON_Delete(names);
}

static void run_file(pl_schema_set *schemas, const char *file, counts *n)
{
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/%s", MATCH_DIR, file);
    cJSON *cases = pl_json_load_file(path, err, sizeof err);
    if (!cases)
        fprintf(stderr, "\n  %s\n", err);
    CU_ASSERT_FATAL(cJSON_IsArray(cases));
    const cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        const char *name = pl_json_str(c, "name", "(unnamed)");
        if (cJSON_GetObjectItemCaseSensitive(c, "check")) {
            run_check_case(file, name, c);
            n->check++;
        } else if (cJSON_GetObjectItemCaseSensitive(c, "expand")) {
            run_expand_case(file, name, c);
            n->expand++;
        } else if (cJSON_GetObjectItemCaseSensitive(c, "refs")) {
            run_names_case(file, name, c, 1);
            n->refs++;
        } else if (cJSON_GetObjectItemCaseSensitive(c, "capture_names")) {
            run_names_case(file, name, c, 0);
            n->capture++;
        } else {
            CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItemCaseSensitive(c, "pattern"));
            CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItemCaseSensitive(c, "ok"));
            run_match_case(schemas, file, name, c);
            n->match++;
        }
    }
    cJSON_Delete(cases);
}

static void test_data_files(void)
{
    char **names;
    size_t nf = pl_test_list_files(MATCH_DIR, ".json", NULL, &names);
    CU_ASSERT(nf >= 5);
    pl_schema_set *schemas = pl_schema_set_new("schemas");
    counts n = {0, 0, 0, 0, 0};
    for (size_t i = 0; i < nf; i++)
        run_file(schemas, names[i], &n);
    pl_schema_set_free(schemas);
    pl_test_free_names(names, nf);
    fprintf(stderr,
            "\n  match data: %zu match, %zu check, %zu expand, %zu refs, %zu capture cases\n",
            n.match, n.check, n.expand, n.refs, n.capture);
    CU_ASSERT(n.match + n.check + n.expand + n.refs + n.capture >= 120);
}

/* The result strings are what the engine prints: "at PATH: REASON" / "missing PATH". */
static void test_result_texts(void)
{
    cJSON *p = cJSON_Parse("{\"data\":{\"enable\":true}}");
    cJSON *v = cJSON_Parse("{\"data\":{\"enable\":false}}");
    cJSON *m = cJSON_Parse("{\"data\":{}}");
    pl_match_result r;
    CU_ASSERT_FALSE(pl_match(NULL, p, v, &r));
    CU_ASSERT_STRING_EQUAL(r.path, "/data/enable");
    CU_ASSERT_STRING_EQUAL(r.reason, "expected true, got false");
    CU_ASSERT_FALSE(pl_match(NULL, p, m, &r));
    CU_ASSERT_STRING_EQUAL(r.path, "/data/enable");
    CU_ASSERT_STRING_EQUAL(r.reason, "missing");
    cJSON_Delete(p);
    cJSON_Delete(v);
    cJSON_Delete(m);
    p = cJSON_Parse("{\"text\":{\"$regex\":\"^x\"}}");
    v = cJSON_Parse("{\"text\":\"abc\"}");
    CU_ASSERT_FALSE(pl_match(NULL, p, v, &r));
    CU_ASSERT_STRING_EQUAL(r.path, "/text");
    CU_ASSERT_STRING_EQUAL(r.reason, "\"abc\" does not match /^x/");
    cJSON_Delete(p);
    cJSON_Delete(v);
}

/* No context at all: matching works, captures and $schema are simply unavailable. */
static void test_null_ctx(void)
{
    cJSON *p =
        cJSON_Parse("{\"a\":{\"$capture\":\"x\"},\"b\":{\"$schema\":{\"type\":\"integer\"}}}");
    cJSON *v = cJSON_Parse("{\"a\":1,\"b\":2}");
    pl_match_result r;
    CU_ASSERT_FALSE(pl_match(NULL, p, v, &r));
    CU_ASSERT_STRING_EQUAL(r.path, "/b");
    CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "no schema set"));
    CU_ASSERT_EQUAL(r.score, 1);
    CU_ASSERT_EQUAL(r.total, 2);
    cJSON_Delete(p);
    cJSON_Delete(v);
}

/* Long values are shortened in reasons, and a long path does not overflow. */
static void test_long_values(void)
{
    pl_buf b = PL_BUF_INIT;
    pl_buf_puts(&b, "{\"s\":\"");
    for (int i = 0; i < 2000; i++)
        pl_buf_puts(&b, "\xc3\xa9");
    pl_buf_puts(&b, "\"}");
    cJSON *v = cJSON_Parse(b.data);
    cJSON *p = cJSON_Parse("{\"s\":\"x\"}");
    pl_match_result r;
    CU_ASSERT_FALSE(pl_match(NULL, p, v, &r));
    CU_ASSERT(strlen(r.reason) < sizeof r.reason);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "…"));
    cJSON_Delete(p);
    cJSON_Delete(v);
    pl_buf_reset(&b);
    /* 100 nested levels with long keys: the path is cut, never overrun. */
    for (int i = 0; i < 100; i++)
        pl_buf_puts(&b, "{\"a_long_member_name\":");
    pl_buf_puts(&b, "1");
    for (int i = 0; i < 100; i++)
        pl_buf_putc(&b, '}');
    p = cJSON_Parse(b.data);
    v = cJSON_Parse("{\"a_long_member_name\":{}}");
    CU_ASSERT_FALSE(pl_match(NULL, p, v, &r));
    CU_ASSERT_STRING_EQUAL(r.reason, "missing");
    CU_ASSERT(strlen(r.path) < sizeof r.path);
    cJSON_Delete(p);
    cJSON_Delete(v);
    pl_buf_free(&b);
}

int main(void)
{
    static const pl_test_case cases[] = {
        {"data files (tests/data/match)", test_data_files},
        {"result texts", test_result_texts},
        {"no context", test_null_ctx},
        {"long values and paths", test_long_values},
        {NULL, NULL},
    };
    return pl_test_main("match", cases);
}
