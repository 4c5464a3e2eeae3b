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

#endif
