/* pl_test.c — runs one CUnit suite in basic mode (see pl_test.h). */
#include "pl_test.h"

#include <CUnit/Basic.h>
#include <stdio.h>

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
