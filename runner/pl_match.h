/* pl_match.h — scenario matchers and ${variable} interpolation (DESIGN §4, docs/scenarios.md).
 *
 * An expectation in a scenario is a pattern: a JSON value that a received message (or a
 * bridge op, a driver callback's args, an HTTP answer, …) must match.
 *   - a literal (string, number, bool, null) matches by equality (numbers by value:
 *     1 and 1.0 are equal);
 *   - an object without "$" keys matches as a subset: every member of the pattern must be
 *     present in the value and match; extra members of the value are ignored;
 *   - an array matches an array of the same length element by element;
 *   - an object whose keys all start with "$" is an operator object; all its operators
 *     must hold: $exists (bool), $type (name or list of names: string number integer
 *     boolean object array null), $regex (PCRE2 pattern, unanchored), $in (list of
 *     patterns), $gt $gte $lt $lte (number), $len (number or pattern on the length: code
 *     points of a string, elements of an array, members of an object), $base64_max_bytes
 *     (string that is valid base64 whose decoded size is <= N), $json (string holding JSON
 *     whose parsed value matches the sub-pattern), $not (sub-pattern must not match),
 *     $any (list of patterns, at least one matches), $schema (draft-07 schema: a path
 *     under the schema root such as "aicall/1105.json", or an inline schema object),
 *     $capture (variable name: stores the value; always matches);
 *   - mixing "$" keys and plain keys in one object is a pattern error.
 * A member that is absent in the value is matched as "missing": only {$exists:false},
 * $not of a pattern that needs a value, and $any containing one of those match it.
 *
 * ${name} interpolation: every string in a template is scanned; a string that is exactly
 * "${name}" becomes a copy of the variable's JSON value (so numbers and bools keep their
 * type); "${name}" inside a longer string is replaced by the value's text (strings raw,
 * other values as compact JSON). "${a.b.c}" walks object members, "${a.0}" array
 * elements. "$${" is a literal "${". Variables live in one cJSON object (name -> value).
 *
 * Ownership: patterns and values are borrowed; results are written into caller-provided
 * structs; pl_match_expand returns a new tree the caller deletes. */
#ifndef PL_MATCH_H
#define PL_MATCH_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "schemas/pl_schema.h"

typedef struct {
    pl_schema_set *schemas; /* for $schema (paths relative to its root); NULL: $schema fails */
    cJSON *captures;        /* object that $capture writes into (replace); NULL: ignored.
                             * Captures are written only when the whole match succeeds. */
} pl_match_ctx;

typedef struct {
    int ok;           /* 1: matched */
    char path[256];   /* JSON pointer in the value of the first mismatch: "/data/enable" */
    char reason[384]; /* "expected true, got false", "missing", "does not match /^a/" */
    int score;        /* pattern leaves that matched (ranks the nearest candidates) */
    int total;        /* pattern leaves in all */
} pl_match_result;

/* Matches value (NULL = missing) against pattern. Returns res->ok. */
int pl_match(const pl_match_ctx *ctx, const cJSON *pattern, const cJSON *value,
             pl_match_result *res);

/* Load-time check of a pattern (before anything runs): unknown $operator, operator
 * argument of the wrong type, $regex that does not compile, "$" and plain keys mixed.
 * Returns 0, or -1 with *bad set to the offending node (for file:line) and err filled. */
int pl_match_check(const cJSON *pattern, const cJSON **bad, char *err, size_t errlen);

/* Names that $capture operators inside pattern would set, appended to names (an array
 * of strings the caller owns). */
void pl_match_capture_names(const cJSON *pattern, cJSON *names);

/* Interpolates ${...} in every string of tmpl with vars (an object). Returns a new tree,
 * or NULL with err ("undefined variable 'enable'"). */
cJSON *pl_match_expand(const cJSON *tmpl, const cJSON *vars, char *err, size_t errlen);

/* Root names of every ${name...} reference in tmpl, appended to names (array of strings). */
void pl_match_var_refs(const cJSON *tmpl, cJSON *names);

#endif
