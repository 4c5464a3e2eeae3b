/* pl_test.c — runs one CUnit suite in basic mode (see pl_test.h). */
#include "pl_test.h"

#include <CUnit/Basic.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"

int pl_test_main(const char *suite, const pl_test_case *cases)
{
    if (CU_initialize_registry() != CUE_SUCCESS) {
        fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
        return 2;
    }
    CU_pSuite s = CU_add_suite(suite, NULL, NULL);
    for (const pl_test_case *c = cases; s && c->name; c++)
        if (!CU_add_test(s, c->name, c->fn))
            s = NULL;
    if (!s) {
        fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
        CU_cleanup_registry();
        return 2;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}

int pl_test_has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int pl_test_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t pl_test_list_files(const char *dir, const char *suffix, const char *suffix2,
                          char ***names)
{
    DIR *d = opendir(dir);
    size_t n = 0, cap = 0;
    *names = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!pl_test_has_suffix(e->d_name, suffix) &&
            !(suffix2 && pl_test_has_suffix(e->d_name, suffix2)))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            *names = pl_xrealloc(*names, cap * sizeof **names);
        }
        (*names)[n++] = pl_xstrdup(e->d_name);
    }
    closedir(d);
    if (n)
        qsort(*names, n, sizeof **names, pl_test_cmp);
    return n;
}

void pl_test_free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
