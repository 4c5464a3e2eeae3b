/* pl_test.h — a thin layer over CUnit's basic mode for parley's unit tests.
 *
 * Each tests/unit/test_*.c is one program: it lists its cases in a NULL-terminated
 * pl_test_case array and calls pl_test_main() from main(). The program prints
 * CUnit's run summary and exits non-zero when any assertion failed, so ctest sees it.
 * Tests run with the source tree as working directory (tests/data/… paths work). */
#ifndef PL_TEST_H
#define PL_TEST_H

#include <CUnit/CUnit.h>

typedef struct {
    const char *name;
    CU_TestFunc fn;
} pl_test_case;

int pl_test_main(const char *suite, const pl_test_case *cases);

/* Data-driven tests read their cases from folders. */
int pl_test_has_suffix(const char *s, const char *suffix);
/* Sorted names of the files in dir ending in suffix (or in suffix2, when not NULL); returns
 * the count, *names is malloc'd (free with pl_test_free_names). Fails the test when dir
 * cannot be read. */
size_t pl_test_list_files(const char *dir, const char *suffix, const char *suffix2,
                          char ***names);
void pl_test_free_names(char **names, size_t n);

#endif
