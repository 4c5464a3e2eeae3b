/* pl_report_run.h — `parley run` results as JUnit XML (DESIGN §7, anchors §8, docs/junit.md).
 *
 * One testsuite per scenario file (name = the file path as given), one testcase per
 * scenario instance (name = the instance id, "aicall.ptt.enable-echo[enable=true]";
 * classname = the id without its last component, "aicall.ptt"). Verdicts map to
 * PASS → no child, NON-STRICT → pass with the should-level notes at the top of
 * system-out, FAIL → <failure type=rule-or-step message=…>detail</failure>,
 * ERROR → <error>, SKIP → <skipped>reason</skipped>. system-out holds the scenario's
 * title, requirement and source and the wire log of the case; system-err the client's
 * output. Report-level properties: parley version, client, seed, strict, timeout scale,
 * and the client's hello (name, version) once one was seen. Built on reports/pl_junit.c,
 * so escaping, bounds and atomic writes are that module's. */
#ifndef PL_REPORT_RUN_H
#define PL_REPORT_RUN_H

#include <stddef.h>

#include "runner/pl_engine.h"
#include "runner/pl_scenario.h"

typedef struct pl_report_run pl_report_run;

pl_report_run *pl_report_run_new(const char *name);
void pl_report_run_free(pl_report_run *rep);
void pl_report_run_property(pl_report_run *rep, const char *name, const char *value);
/* Adds one scenario's result (copied). */
void pl_report_run_add(pl_report_run *rep, const pl_scenario *sc, const pl_run_result *res);
/* A scenario that never ran (interrupted run): a skipped case with the reason. */
void pl_report_run_not_run(pl_report_run *rep, const pl_scenario *sc, const char *reason);
int pl_report_run_write(pl_report_run *rep, const char *path, char *err, size_t errlen);

#endif
