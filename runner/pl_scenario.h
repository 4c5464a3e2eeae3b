/* pl_scenario.h — scenario files: load, check, normalize, expand the matrix (DESIGN §4).
 *
 * A scenario file (YAML) holds one scenario (a mapping) or a list of them (a sequence).
 * Loading a file runs every check before anything is allowed to run:
 *   1. YAML syntax (core/pl_yaml, file:line:col);
 *   2. schemas/scenario.schema.json (draft-07), each error at its node's position;
 *   3. semantic checks the schema cannot express: exactly one step kind per step (unknown
 *      kinds named with the list of known ones), every matcher (pl_match_check), every
 *      duration, the dialect exists (mock/pl_dialect), variables referenced are defined
 *      (matrix, vars, builtins, set, capture, repeat `as`, $capture), scenario ids unique
 *      across everything loaded.
 * Every error is kept as "file:line:col: message"; the caller prints them all and exits 2.
 *
 * Normalized steps (what the engine reads): each step is an object
 *   {"step":"<kind>","index":N,"line":L,"col":C, "name"?, "level"?, …fields of the kind}
 * where the kind's value (a mapping) and the step's sibling keys are merged, scalar kind
 * values land in the kind's main field (drive→"action", expect_callback→"name",
 * prompt→"text", wait→"for_us", send_raw→"text", fault→"action"), send's value is
 * "message", set/capture/behaviour values are "vars"/"vars"/"switches", and every duration
 * (within, for, timeout, delay, interval.mean/tolerance/min/max, wait) is replaced by an
 * integer "<name>_us" in microseconds. expect/expect_none/expect_stream carry "target"
 * (message|sent|bridge|event|finding|close|open|text) and "match" (the pattern). Full
 * field list per kind: docs/scenarios.md.
 *
 * Matrix expansion: one pl_scenario per combination (cartesian product, keys in the
 * order written, values in order); id "base[k1=v1,k2=v2]"; the values become vars.
 *
 * Ownership: the set owns every scenario and string. Strings are never NULL unless
 * documented. */
#ifndef PL_SCENARIO_H
#define PL_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/pl_finding.h"

#define PL_SCENARIO_DEFAULT_TIMEOUT_US (30LL * 1000000) /* scenario `timeout` default */

typedef struct {
    char *id;           /* instance id, unique in the set: "aicall.ptt.enable-echo[enable=true]" */
    char *base_id;      /* as written: "aicall.ptt.enable-echo" */
    char *matrix_label; /* "enable=true", or NULL without matrix */
    char *title;        /* "" when absent */
    char *requirement;  /* NULL when absent */
    char *source;       /* NULL when absent */
    char *dialect;      /* "aicall" */
    int role_client;    /* role: client (parley plays the client); default agent */
    char *target;       /* role client: `target` URL or path, or NULL */
    char *connect_authz; /* role client: connect.authorization ("" none), NULL: the default */
    int connect_refused; /* role client: connect.expect_refused HTTP status, 0: must open */
    pl_level level;     /* must (default) or should */
    int64_t timeout_us; /* scenario `timeout`, default PL_SCENARIO_DEFAULT_TIMEOUT_US */
    char *file;         /* path as given (or found in the folder) */
    int line;           /* line where the scenario's mapping starts */
    cJSON *vars;            /* object: `vars` then the matrix values (owned) */
    cJSON *behaviour;       /* object name -> bool, or NULL */
    cJSON *expect_findings; /* array of rule-id strings that must occur, or NULL */
    cJSON *allow_findings;  /* array of rule-id strings that may occur, or NULL */
    cJSON *tags;            /* array of strings, or NULL */
    cJSON *steps;           /* array of normalized steps (owned; ${…} not yet expanded) */
    char **actions;         /* distinct drive actions used anywhere in steps */
    size_t n_actions;
    int has_prompt;  /* a prompt step anywhere */
    int uses_client; /* a drive or expect_callback step anywhere */
} pl_scenario;

typedef struct pl_scenario_set pl_scenario_set;

/* schema_root: where scenario.schema.json and the draft-07 meta-schema live. NULL with
 * err when the scenario schema cannot be loaded. */
pl_scenario_set *pl_scenario_set_new(const char *schema_root, char *err, size_t errlen);
void pl_scenario_set_free(pl_scenario_set *set);

/* Loads a file, or every *.yaml / *.yml under a folder (recursively, sorted by path).
 * Returns the number of errors this call added (0: everything loaded). */
size_t pl_scenario_set_add_path(pl_scenario_set *set, const char *path);
/* Same from a string (tests). */
size_t pl_scenario_set_add_string(pl_scenario_set *set, const char *name, const char *text,
                                  size_t len);

size_t pl_scenario_set_count(const pl_scenario_set *set);
pl_scenario *pl_scenario_set_get(const pl_scenario_set *set, size_t i);

size_t pl_scenario_set_error_count(const pl_scenario_set *set);
const char *pl_scenario_set_error(const pl_scenario_set *set, size_t i); /* "file:l:c: msg" */

/* Keeps only the scenarios whose instance id or base id matches one of the globs
 * (fnmatch, no flags); n == 0 keeps everything. */
void pl_scenario_set_filter(pl_scenario_set *set, const char *const *globs, size_t n);

/* "500ms", "1.5s", "2m", or a number of seconds (>= 0) into microseconds. 0 or -1 with err. */
int pl_duration_parse(const cJSON *v, int64_t *us, char *err, size_t errlen);

/* The testcase classname of a scenario: its base id without the last dot-component
 * ("aicall.ptt" for "aicall.ptt.enable-echo"), or the dialect when there is no dot. */
const char *pl_scenario_classname(const pl_scenario *sc, char *buf, size_t len);

#endif
