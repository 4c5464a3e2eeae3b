/* pl_yaml.h — YAML → cJSON loader that remembers where every node came from.
 *
 * Scenarios and configs are written in YAML but checked and executed as JSON values (the
 * schema validator, matchers and engine all speak cJSON). This loader turns one YAML
 * document into a cJSON tree and keeps, next to it, a position table (hash map keyed by
 * node pointer, O(1) lookup) so any later layer can report "scenarios/x.yaml:14:7: …".
 *
 * A pl_yaml_doc owns the cJSON root, the position table and the file name; pl_yaml_free()
 * releases all three. Positions are 1-based; columns count characters, not bytes.
 * For an object member, pl_yaml_pos() gives the position of its VALUE and
 * pl_yaml_key_pos() the position of its KEY. Nodes copied from an alias or a merge key
 * ("<<") report the position of the anchored source they were copied from (key positions
 * of the copied members included); the member that holds the alias keeps its own key
 * position. Full rules (scalar typing, tags, limits) are in docs/yaml.md. */
#ifndef PL_YAML_H
#define PL_YAML_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define PL_YAML_MAX_DEPTH 256     /* nested mappings/sequences, aliases expanded */
#define PL_YAML_MAX_NODES 1000000 /* JSON nodes after alias/merge expansion */

typedef struct {
    char file[512];
    int line, col; /* 1-based; 0 when the error has no position (e.g. file not readable) */
    char message[512];
} pl_yaml_error;

typedef struct pl_yaml_doc pl_yaml_doc;

/* Load exactly one YAML document. Return NULL and fill err (when err is not NULL) on any
 * error; never crash on malformed input. load_string does not need text to be
 * NUL-terminated; name is used in positions and errors (e.g. the file path). */
pl_yaml_doc *pl_yaml_load_file(const char *path, pl_yaml_error *err);
pl_yaml_doc *pl_yaml_load_string(const char *name, const char *text, size_t len,
                                 pl_yaml_error *err);
void pl_yaml_free(pl_yaml_doc *doc);

const cJSON *pl_yaml_root(const pl_yaml_doc *doc);
const char *pl_yaml_name(const pl_yaml_doc *doc);

/* Hands the root to the caller (who then cJSON_Delete()s it). The position table is
 * emptied at the same time, so it can never answer for freed or reused pointers. */
cJSON *pl_yaml_detach_root(pl_yaml_doc *doc);

/* Source position of a node of this document: 0 with line and col set, or -1 when unknown. */
int pl_yaml_pos(const pl_yaml_doc *doc, const cJSON *node, int *line, int *col);
/* Position of the key of an object member: 0, or -1 when node is not a member. */
int pl_yaml_key_pos(const pl_yaml_doc *doc, const cJSON *node, int *line, int *col);

/* RFC 6901 JSON Pointer lookup from the root: "" is the root, "/steps/3/expect" a member
 * of an element, "~1" and "~0" escape '/' and '~'. NULL when there is no such node. */
const cJSON *pl_yaml_at_pointer(const pl_yaml_doc *doc, const char *json_pointer);

/* Fill err with the document's name, the position of node (its value position; 0:0 if
 * unknown) and a printf-style message: for later layers' "bad scenario" errors. */
void pl_yaml_error_set(pl_yaml_error *err, const pl_yaml_doc *doc, const cJSON *node,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "file:line:col: message" (or "file: message" without a position) into out; returns
 * what snprintf returns. */
int pl_yaml_error_format(const pl_yaml_error *err, char *out, size_t n);

#endif
