/* pl_scenario_int.h — what the scenario loader's files share (not a public API).
 *
 * pl_scenario.c loads files (YAML, schema, scenario keys, matrix, ids) and keeps the set;
 * pl_scenario_steps.c checks and normalizes the steps of one scenario. Both report into
 * one pl_scenario_ld, the state of loading one file: its errors are collected there,
 * then sorted by position and de-duplicated (a loader message replaces the schema's
 * message about the same node or step) before they reach the set. */
#ifndef PL_SCENARIO_INT_H
#define PL_SCENARIO_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/pl_yaml.h"

typedef struct {
    int line, col;
    int from_schema;   /* 1: a schema error (may be dropped in favour of a loader one) */
    const cJSON *node; /* schema errors: the instance node */
    const cJSON *step; /* loader errors: the step being checked, or NULL */
    size_t seq;        /* order of reporting, for a stable sort */
    char *text;        /* "file:line:col: message" (owned) */
} pl_scenario_err;

typedef struct {
    const pl_yaml_doc *doc;
    const char *dialect; /* of the scenario being checked, or NULL */
    const cJSON *step;   /* the step being checked (for pl_scenario_err.step) */
    cJSON *defined;      /* array of variable names the scenario defines (owned) */
    cJSON *actions;      /* array of distinct drive actions (owned) */
    int has_prompt, uses_client;
    pl_scenario_err *errs;
    size_t nerr, cap;
} pl_scenario_ld;

/* Adds "file:line:col: message" at node's value position (at_key: its key position, when
 * it is an object member). */
/* Reports every key of map that is not a behaviour of the dialect. */
void pl_scenario_check_behaviours(pl_scenario_ld *ld, const char *dialect, const cJSON *map);
int pl_scenario_behaviour_known(const char *dialect, const char *name);
void pl_scenario_ld_error(pl_scenario_ld *ld, const cJSON *node, int at_key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "<json>" of v for messages, shortened. Returns buf. */
const char *pl_scenario_show(const cJSON *v, char *buf, size_t len);
const char *pl_scenario_type_name(const cJSON *v);

/* 1 when s is a variable name: [A-Za-z_][A-Za-z0-9_]*. */
int pl_scenario_is_varname(const char *s);

/* Checks and normalizes a steps array (the YAML node) into a new array (caller owns), or
 * NULL after reporting why. Collects defined variables, actions, prompt/client use in ld. */
cJSON *pl_scenario_steps_load(pl_scenario_ld *ld, const cJSON *steps);

#endif
