/* test_schema_suite.c — runs the official JSON-Schema-Test-Suite (draft7) against
 * pl_schema_validate(): every case of every tests/draft7/<name>.json file except
 * refRemote.json (it needs the suite's HTTP server on localhost:1234) and the optional/
 * folder. The suite comes from the Debian package json-schema-test-suite, which
 * scripts/setup installs; a missing suite is a failure, never a silent pass.
 *
 * Each group's schema is also checked against the bundled draft-07 meta-schema (through
 * pl_schema_check), which exercises schemas/meta/draft-07.json on ~200 real schemas. */
#include "pl_test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "schemas/pl_schema.h"

#define SUITE_DIR "/usr/share/json-schema-test-suite/tests/draft7"

/* Files not run, with the reason. */
static const struct {
    const char *file, *reason;
} skipped_files[] = {
    {"refRemote.json", "needs the suite's remote-ref HTTP server (localhost:1234)"},
    {NULL, NULL},
};

/* Individual cases knowingly skipped: none. Add {file, group, test, reason} rows here. */
static const struct {
    const char *file, *group, *test, *reason;
} skipped_cases[] = {
    {NULL, NULL, NULL, NULL},
};

typedef struct {
    int cases, passed, failed, skipped, meta_failed;
} tally;

static int file_skipped(const char *name)
{
    for (int i = 0; skipped_files[i].file; i++)
        if (!strcmp(skipped_files[i].file, name))
            return 1;
    return 0;
}

static int case_skipped(const char *file, const char *group, const char *test)
{
    for (int i = 0; skipped_cases[i].file; i++)
        if (!strcmp(skipped_cases[i].file, file) && !strcmp(skipped_cases[i].group, group) &&
            !strcmp(skipped_cases[i].test, test))
            return 1;
    return 0;
}

static void print_errors(const pl_schema_errors *errs)
{
    for (size_t i = 0; i < errs->n; i++) {
        char *s = pl_schema_error_format(&errs->v[i]);
        printf("      %s\n", s);
        free(s);
    }
}

static void run_case(pl_schema_set *set, const char *file, const char *group,
                     const cJSON *schema, const cJSON *test, tally *t)
{
    const char *desc = cJSON_GetStringValue(cJSON_GetObjectItem(test, "description"));
    const cJSON *data = cJSON_GetObjectItem(test, "data");
    int valid = cJSON_IsTrue(cJSON_GetObjectItem(test, "valid"));
    t->cases++;
    if (case_skipped(file, group, desc ? desc : "")) {
        t->skipped++;
        return;
    }
    pl_schema_errors errs = PL_SCHEMA_ERRORS_INIT;
    int rc = pl_schema_validate(set, schema, data, &errs);
    int ok = rc == (valid ? 1 : 0) && (rc == 1) == (errs.n == 0);
    if (ok) {
        t->passed++;
    } else {
        t->failed++;
        printf("  FAIL %s | %s | %s: expected %s, got rc=%d\n", file, group, desc,
               valid ? "valid" : "invalid", rc);
        print_errors(&errs);
    }
    pl_schema_errors_free(&errs);
}

static void run_file(pl_schema_set *set, const char *name, tally *t)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/%s", SUITE_DIR, name);
    char *text = pl_file_read(path, NULL, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    cJSON *doc = cJSON_Parse(text);
    free(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    const cJSON *g;
    cJSON_ArrayForEach(g, doc) {
        const char *group = cJSON_GetStringValue(cJSON_GetObjectItem(g, "description"));
        const cJSON *schema = cJSON_GetObjectItem(g, "schema");
        pl_schema_errors errs = PL_SCHEMA_ERRORS_INIT;
        if (pl_schema_check(set, schema, &errs) != 1) {
            t->meta_failed++;
            printf("  META %s | %s: schema rejected by the draft-07 meta-schema\n", name, group);
            print_errors(&errs);
        }
        pl_schema_errors_free(&errs);
        const cJSON *test;
        cJSON_ArrayForEach(test, cJSON_GetObjectItem(g, "tests"))
            run_case(set, name, group ? group : "", schema, test, t);
    }
    cJSON_Delete(doc);
}

static void test_draft7_suite(void)
{
    struct dirent **ents;
    int n = scandir(SUITE_DIR, &ents, NULL, alphasort);
    if (n < 0) {
        printf("\n%s is missing: install the JSON Schema test suite with scripts/setup "
               "(Debian package json-schema-test-suite)\n", SUITE_DIR);
        CU_FAIL_FATAL("JSON-Schema-Test-Suite not installed: run scripts/setup");
    }
    pl_schema_set *set = pl_schema_set_new("schemas"); /* holds meta/draft-07.json */
    tally t = {0};
    int files = 0;
    printf("\n");
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        size_t len = strlen(name);
        if (len > 5 && !strcmp(name + len - 5, ".json") && !file_skipped(name)) {
            run_file(set, name, &t);
            files++;
        }
        free(ents[i]);
    }
    free(ents);
    pl_schema_set_free(set);
    printf("draft7: %d files, %d cases, %d passed, %d failed, %d skipped; "
           "%d schemas rejected by the meta-schema\n",
           files, t.cases, t.passed, t.failed, t.skipped, t.meta_failed);
    CU_ASSERT(files > 30);
    CU_ASSERT(t.cases > 300);
    CU_ASSERT_EQUAL(t.failed, 0);
    CU_ASSERT_EQUAL(t.meta_failed, 0);
    CU_ASSERT_EQUAL(t.passed + t.skipped, t.cases);
}

int main(void)
{
    static const pl_test_case cases[] = {
        {"draft7 suite", test_draft7_suite},
        {NULL, NULL},
    };
    return pl_test_main("schema_suite", cases);
}
