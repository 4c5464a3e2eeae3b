/* test_scenario.c — unit tests for runner/pl_scenario (loading, checks, normalization,
 * matrix expansion).
 *
 * Data-driven:
 *   tests/data/scenarios/good/NAME.yaml must load without errors, and a summary of what
 *   it loads to (ids and fields of every instance, the normalized steps) must equal
 *   NAME.expected.json (structurally). PL_REGEN=1 in the environment rewrites the
 *   expected files instead (review the diff!).
 *   tests/data/scenarios/bad/NAME.yaml must fail; the lines of NAME.expected are all its
 *   errors, exactly and in order, with the "tests/data/scenarios/" prefix removed from
 *   file names.
 * The rest: folder loading (recursive, sorted), filters, class names, durations, the
 * schema against the draft-07 meta-schema, and every YAML example in docs/scenarios.md. */
#include "pl_test.h"

#include "core/pl_buf.h"
#include "core/pl_json.h"
#include "core/pl_yaml.h"
#include "runner/pl_scenario.h"
#include "schemas/pl_schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMAS "schemas"
#define DATA "tests/data/scenarios/"
#define GOOD_DIR DATA "good"
#define BAD_DIR DATA "bad"
#define DOC "docs/scenarios.md"

static pl_scenario_set *new_set(void)
{
    char err[512];
    pl_scenario_set *set = pl_scenario_set_new(SCHEMAS, err, sizeof err);
    if (!set)
        fprintf(stderr, "\n  pl_scenario_set_new: %s\n", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(set);
    return set;
}

static void print_errors(const pl_scenario_set *set)
{
    for (size_t i = 0; i < pl_scenario_set_error_count(set); i++)
        fprintf(stderr, "  %s\n", pl_scenario_set_error(set, i));
}

static void add_str(cJSON *o, const char *key, const char *s)
{
    cJSON_AddItemToObject(o, key, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

static void add_copy(cJSON *o, const char *key, const cJSON *v)
{
    if (v)
        cJSON_AddItemToObject(o, key, cJSON_Duplicate(v, 1));
}

/* Everything the engine reads of one instance, as JSON. */
static cJSON *summary(const pl_scenario *sc)
{
    char cls[256];
    cJSON *o = cJSON_CreateObject();
    add_str(o, "id", sc->id);
    add_str(o, "base_id", sc->base_id);
    add_str(o, "matrix_label", sc->matrix_label);
    add_str(o, "classname", pl_scenario_classname(sc, cls, sizeof cls));
    add_str(o, "title", sc->title);
    add_str(o, "requirement", sc->requirement);
    add_str(o, "source", sc->source);
    add_str(o, "dialect", sc->dialect);
    add_str(o, "role", sc->role_client ? "client" : "agent");
    add_str(o, "target", sc->target);
    add_str(o, "level", sc->level == PL_LEVEL_SHOULD ? "should" : "must");
    cJSON_AddNumberToObject(o, "timeout_us", (double)sc->timeout_us);
    cJSON_AddNumberToObject(o, "line", sc->line);
    add_copy(o, "vars", sc->vars);
    add_copy(o, "behaviour", sc->behaviour);
    add_copy(o, "expect_findings", sc->expect_findings);
    add_copy(o, "allow_findings", sc->allow_findings);
    add_copy(o, "tags", sc->tags);
    cJSON *actions = cJSON_AddArrayToObject(o, "actions");
    for (size_t i = 0; i < sc->n_actions; i++)
        cJSON_AddItemToArray(actions, cJSON_CreateString(sc->actions[i]));
    cJSON_AddBoolToObject(o, "has_prompt", sc->has_prompt);
    cJSON_AddBoolToObject(o, "uses_client", sc->uses_client);
    add_copy(o, "steps", sc->steps);
    return o;
}

static cJSON *set_summary(const pl_scenario_set *set)
{
    cJSON *all = cJSON_CreateArray();
    for (size_t i = 0; i < pl_scenario_set_count(set); i++)
        cJSON_AddItemToArray(all, summary(pl_scenario_set_get(set, i)));
    return all;
}

static void test_good_files(void)
{
    char **names;
    size_t n = pl_test_list_files(GOOD_DIR, ".yaml", NULL, &names);
    CU_ASSERT(n >= 19);
    int regen = getenv("PL_REGEN") && strcmp(getenv("PL_REGEN"), "1") == 0;
    for (size_t i = 0; i < n; i++) {
        char path[512], epath[512], err[512];
        snprintf(path, sizeof path, "%s/%s", GOOD_DIR, names[i]);
        snprintf(epath, sizeof epath, "%.*s.expected.json", (int)(strlen(path) - 5), path);
        pl_scenario_set *set = new_set();
        size_t nerr = pl_scenario_set_add_path(set, path);
        if (nerr) {
            fprintf(stderr, "\n  %s:\n", path);
            print_errors(set);
        }
        CU_ASSERT_EQUAL(nerr, 0);
        CU_ASSERT(pl_scenario_set_count(set) >= 1);
        cJSON *got = set_summary(set);
        if (regen) {
            char *text = cJSON_Print(got);
            pl_buf b = PL_BUF_INIT;
            pl_buf_printf(&b, "%s\n", text);
            CU_ASSERT_EQUAL(pl_file_write_atomic(epath, b.data, b.len, err, sizeof err), 0);
            pl_buf_free(&b);
            free(text);
        }
        cJSON *want = pl_json_load_file(epath, err, sizeof err);
        if (!want)
            fprintf(stderr, "\n  %s\n", err);
        CU_ASSERT_PTR_NOT_NULL(want);
        if (want && !cJSON_Compare(got, want, 1)) {
            char *text = cJSON_Print(got);
            fprintf(stderr, "\n  %s differs from %s; got:\n%s\n", path, epath, text);
            free(text);
            CU_FAIL("summary differs");
        }
        cJSON_Delete(want);
        cJSON_Delete(got);
        pl_scenario_set_free(set);
    }
    pl_test_free_names(names, n);
}

/* s with every DATA prefix removed (file names in messages), malloc'd. */
static char *strip_prefix(const char *s)
{
    pl_buf b = PL_BUF_INIT;
    pl_buf_puts(&b, "");
    size_t pl = strlen(DATA);
    while (*s) {
        if (strncmp(s, DATA, pl) == 0)
            s += pl;
        else
            pl_buf_putc(&b, *s++);
    }
    return pl_buf_take(&b);
}

static void test_bad_files(void)
{
    char **names;
    size_t n = pl_test_list_files(BAD_DIR, ".yaml", NULL, &names);
    CU_ASSERT(n >= 12);
    for (size_t i = 0; i < n; i++) {
        char path[512], epath[512], err[512];
        snprintf(path, sizeof path, "%s/%s", BAD_DIR, names[i]);
        snprintf(epath, sizeof epath, "%.*s.expected", (int)(strlen(path) - 5), path);
        char *want = pl_file_read(epath, NULL, err, sizeof err);
        if (!want)
            fprintf(stderr, "\n  %s\n", err);
        CU_ASSERT_PTR_NOT_NULL(want);
        pl_scenario_set *set = new_set();
        size_t nerr = pl_scenario_set_add_path(set, path);
        CU_ASSERT(nerr >= 1);
        CU_ASSERT_EQUAL(nerr, pl_scenario_set_error_count(set));
        CU_ASSERT_EQUAL(pl_scenario_set_count(set), 0);
        char *save = NULL;
        size_t k = 0;
        for (char *line = want ? strtok_r(want, "\n", &save) : NULL; line;
             line = strtok_r(NULL, "\n", &save), k++) {
            const char *e = pl_scenario_set_error(set, k);
            char *got = e ? strip_prefix(e) : NULL;
            if (!got || strcmp(got, line) != 0) {
                fprintf(stderr, "\n  %s error %zu:\n  want %s\n  got  %s\n  all:\n", names[i],
                        k + 1, line, got ? got : "(none)");
                print_errors(set);
                CU_FAIL("error line differs");
            }
            free(got);
        }
        CU_ASSERT(k >= 1);
        if (k != nerr) {
            fprintf(stderr, "\n  %s: %zu errors listed, %zu reported:\n", names[i], k, nerr);
            print_errors(set);
            CU_FAIL("error count differs");
        }
        free(want);
        pl_scenario_set_free(set);
    }
    pl_test_free_names(names, n);
}

/* A folder loads recursively, sorted by path; the result does not depend on readdir. */
static void test_folder(void)
{
    pl_scenario_set *set = new_set();
    size_t nerr = pl_scenario_set_add_path(set, GOOD_DIR);
    print_errors(set);
    CU_ASSERT_EQUAL(nerr, 0);
    size_t n = pl_scenario_set_count(set);
    CU_ASSERT(n >= 25);
    for (size_t i = 1; i < n; i++) {
        const pl_scenario *a = pl_scenario_set_get(set, i - 1), *b = pl_scenario_set_get(set, i);
        CU_ASSERT(strcmp(a->file, b->file) <= 0);
        CU_ASSERT(strcmp(a->file, b->file) != 0 || a->line <= b->line);
        CU_ASSERT(strncmp(a->file, GOOD_DIR "/", strlen(GOOD_DIR) + 1) == 0);
    }
    CU_ASSERT_PTR_NULL(pl_scenario_set_get(set, n));
    /* Loading the same folder again: every id is a duplicate. */
    nerr = pl_scenario_set_add_path(set, GOOD_DIR);
    CU_ASSERT(nerr >= 19);
    CU_ASSERT_PTR_NOT_NULL(strstr(pl_scenario_set_error(set, 0), "duplicate scenario id"));
    CU_ASSERT_EQUAL(pl_scenario_set_count(set), n);
    pl_scenario_set_free(set);

    set = new_set();
    CU_ASSERT_EQUAL(pl_scenario_set_add_path(set, DATA "no-such-dir"), 1);
    CU_ASSERT_STRING_EQUAL(pl_scenario_set_error(set, 0),
                           DATA "no-such-dir: no such file or folder");
    CU_ASSERT_EQUAL(pl_scenario_set_add_path(set, "tests/data/match"), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(pl_scenario_set_error(set, 1), "no scenario files"));
    pl_scenario_set_free(set);
}

static void test_matrix_ids(void)
{
    pl_scenario_set *set = new_set();
    const char *text = "id: a.b.c\ndialect: aicall\nmatrix: {x: [1, 0.5, -2], y: [\"s t\", null], "
                       "z: [false]}\nsteps:\n  - wait: 1s\n";
    CU_ASSERT_EQUAL(pl_scenario_set_add_string(set, "m.yaml", text, strlen(text)), 0);
    print_errors(set);
    static const char *const want[] = {
        "a.b.c[x=1,y=s t,z=false]",    "a.b.c[x=1,y=null,z=false]", "a.b.c[x=0.5,y=s t,z=false]",
        "a.b.c[x=0.5,y=null,z=false]", "a.b.c[x=-2,y=s t,z=false]", "a.b.c[x=-2,y=null,z=false]",
    };
    CU_ASSERT_EQUAL_FATAL(pl_scenario_set_count(set), 6);
    for (size_t i = 0; i < 6; i++) {
        const pl_scenario *sc = pl_scenario_set_get(set, i);
        CU_ASSERT_STRING_EQUAL(sc->id, want[i]);
        CU_ASSERT_STRING_EQUAL(sc->base_id, "a.b.c");
        CU_ASSERT_STRING_EQUAL(sc->file, "m.yaml");
        CU_ASSERT_EQUAL(sc->line, 1);
        CU_ASSERT_EQUAL(cJSON_GetArraySize(sc->vars), 3);
    }
    CU_ASSERT_STRING_EQUAL(pl_scenario_set_get(set, 2)->matrix_label, "x=0.5,y=s t,z=false");
    CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(pl_scenario_set_get(set, 1)->vars, "y")));

    /* Filters: instance id or base id, fnmatch globs. */
    const char *g1[] = {"a.b.c[x=0.5*"};
    pl_scenario_set_filter(set, g1, 1);
    CU_ASSERT_EQUAL(pl_scenario_set_count(set), 2);
    pl_scenario_set_filter(set, NULL, 0);
    CU_ASSERT_EQUAL(pl_scenario_set_count(set), 2);
    const char *g2[] = {"nothing", "a.b.*"};
    pl_scenario_set_filter(set, g2, 2);
    CU_ASSERT_EQUAL(pl_scenario_set_count(set), 2);
    const char *g3[] = {"a.b.c"};
    pl_scenario_set_filter(set, g3, 1);
    CU_ASSERT_EQUAL(pl_scenario_set_count(set), 2);
    const char *g4[] = {"b.*"};
    pl_scenario_set_filter(set, g4, 1);
    CU_ASSERT_EQUAL(pl_scenario_set_count(set), 0);
    pl_scenario_set_free(set);
}

static void test_classname(void)
{
    pl_scenario sc;
    char buf[64];
    memset(&sc, 0, sizeof sc);
    sc.dialect = "aicall";
    sc.base_id = "aicall.ptt.enable-echo";
    CU_ASSERT_STRING_EQUAL(pl_scenario_classname(&sc, buf, sizeof buf), "aicall.ptt");
    sc.base_id = "smoke";
    CU_ASSERT_STRING_EQUAL(pl_scenario_classname(&sc, buf, sizeof buf), "aicall");
    sc.base_id = "a.b";
    CU_ASSERT_STRING_EQUAL(pl_scenario_classname(&sc, buf, sizeof buf), "a");
}

static void test_durations(void)
{
    static const struct {
        const char *json;
        int64_t us; /* -1: error */
    } cases[] = {
        {"\"500ms\"", 500000}, {"\"1.5s\"", 1500000}, {"\"2m\"", 120000000},
        {"\"0s\"", 0},         {"\"10s\"", 10000000}, {"\"0.25ms\"", 250},
        {"1", 1000000},        {"0.5", 500000},       {"0", 0},
        {"\"1\"", -1},         {"\"1 s\"", -1},       {"\"1.s\"", -1},
        {"\".5s\"", -1},       {"\"-1s\"", -1},       {"-1", -1},
        {"\"1h\"", -1},        {"\"250us\"", -1},     {"\"${t}\"", -1},
        {"true", -1},          {"null", -1},          {"\"\"", -1},
        {"\"1e3ms\"", -1},     {"1e300", -1},         {"\"5S\"", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *v = cJSON_Parse(cases[i].json);
        int64_t us = -7;
        char err[256] = "";
        int rc = pl_duration_parse(v, &us, err, sizeof err);
        int ok = cases[i].us < 0 ? rc == -1 && strstr(err, "bad duration")
                                 : rc == 0 && us == cases[i].us;
        if (!ok)
            fprintf(stderr, "\n  duration %s: rc %d us %lld err %s\n", cases[i].json, rc,
                    (long long)us, err);
        CU_ASSERT(ok);
        cJSON_Delete(v);
    }
}

/* Every YAML block of docs/scenarios.md loads cleanly: a scenario (it has "id: ") as it is,
 * a list of steps (it starts with "- ") inside a scenario skeleton. */
static void test_doc_examples(void)
{
    char err[256];
    char *doc = pl_file_read(DOC, NULL, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    pl_scenario_set *set = new_set();
    int scenarios = 0, snippets = 0;
    for (char *p = strstr(doc, "```yaml\n"); p; p = strstr(p, "```yaml\n")) {
        p += 8;
        char *end = strstr(p, "```");
        if (!end)
            break;
        char name[64];
        pl_buf text = PL_BUF_INIT;
        const char *id = strstr(p, "id: ");
        if (id && id < end) {
            snprintf(name, sizeof name, "scenarios.md#%d", ++scenarios);
            pl_buf_append(&text, p, (size_t)(end - p));
        } else if (p[0] == '-') {
            snprintf(name, sizeof name, "scenarios.md#step%d", ++snippets);
            pl_buf_printf(&text, "id: doc.snippet.n%d\ndialect: aicall\nsteps:\n", snippets);
            for (const char *l = p; l < end;) {
                const char *nl = memchr(l, '\n', (size_t)(end - l));
                size_t n = nl ? (size_t)(nl - l) + 1 : (size_t)(end - l);
                pl_buf_puts(&text, "  ");
                pl_buf_append(&text, l, n);
                l += n;
            }
        }
        if (text.len) {
            size_t nerr = pl_scenario_set_add_string(set, name, text.data, text.len);
            if (nerr) {
                fprintf(stderr, "\n  %s:\n%s\n", name, text.data);
                print_errors(set);
            }
            CU_ASSERT_EQUAL(nerr, 0);
        }
        pl_buf_free(&text);
        p = end + 3;
    }
    CU_ASSERT(scenarios >= 5);
    CU_ASSERT(snippets >= 17);
    pl_scenario_set_free(set);
    free(doc);
}

/* What an editor sees: the schema's root (one scenario or a list) accepts every good file. */
static void test_schema_root(void)
{
    char err[512];
    pl_schema_set *schemas = pl_schema_set_new(SCHEMAS);
    const cJSON *schema = pl_schema_set_load(schemas, "scenario.schema.json", err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(schema);
    pl_schema_errors errs = PL_SCHEMA_ERRORS_INIT;
    CU_ASSERT_EQUAL(pl_schema_check(schemas, schema, &errs), 1);
    pl_schema_errors_free(&errs);
    char **names;
    size_t n = pl_test_list_files(GOOD_DIR, ".yaml", NULL, &names);
    for (size_t i = 0; i < n; i++) {
        char path[512];
        pl_yaml_error ye;
        snprintf(path, sizeof path, "%s/%s", GOOD_DIR, names[i]);
        pl_yaml_doc *doc = pl_yaml_load_file(path, &ye);
        CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
        int rc = pl_schema_validate(schemas, schema, pl_yaml_root(doc), &errs);
        for (size_t k = 0; rc != 1 && k < errs.n; k++) {
            char *line = pl_schema_error_format(&errs.v[k]);
            fprintf(stderr, "\n  %s: %s", path, line);
            free(line);
        }
        CU_ASSERT_EQUAL(rc, 1);
        pl_schema_errors_free(&errs);
        pl_yaml_free(doc);
    }
    pl_test_free_names(names, n);
    pl_schema_set_free(schemas);
}

static void test_set_new_errors(void)
{
    char err[256] = "";
    CU_ASSERT_PTR_NULL(pl_scenario_set_new("/nonexistent-dir", err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "scenario schema"));
    pl_scenario_set_free(NULL);
}

/* Every prefix of every fixture loads or fails cleanly (no crash, no leak). */
static void test_prefixes(void)
{
    const char *dirs[] = {GOOD_DIR, BAD_DIR};
    pl_scenario_set *set = new_set();
    for (size_t d = 0; d < 2; d++) {
        char **names;
        size_t n = pl_test_list_files(dirs[d], ".yaml", NULL, &names);
        for (size_t i = 0; i < n; i++) {
            char path[512], err[256];
            size_t len;
            snprintf(path, sizeof path, "%s/%s", dirs[d], names[i]);
            char *text = pl_file_read(path, &len, err, sizeof err);
            CU_ASSERT_PTR_NOT_NULL_FATAL(text);
            for (size_t k = 0; k < len; k += 7) /* one set: later ones are duplicates */
                pl_scenario_set_add_string(set, path, text, k);
            free(text);
        }
        pl_test_free_names(names, n);
    }
    pl_scenario_set_free(set);
}

int main(void)
{
    static const pl_test_case cases[] = {
        {"good files (tests/data/scenarios/good)", test_good_files},
        {"bad files (tests/data/scenarios/bad)", test_bad_files},
        {"folders", test_folder},
        {"matrix ids and filters", test_matrix_ids},
        {"class names", test_classname},
        {"durations", test_durations},
        {"docs/scenarios.md examples", test_doc_examples},
        {"schema: meta-check, editors' view of the good files", test_schema_root},
        {"set_new errors", test_set_new_errors},
        {"every prefix of every fixture", test_prefixes},
        {NULL, NULL},
    };
    return pl_test_main("scenario", cases);
}
