/* pl_schema.h — JSON Schema draft-07 validator on cJSON.
 *
 * This is the "schema" half of parley's validation (DESIGN §5): every classified
 * message is checked against schemas/<dialect>/<kind>.json. A pl_schema_set owns the
 * loaded schema documents, an index of their $id / location-independent identifiers
 * and a cache of compiled regular expressions, so one set is built at start-up and
 * reused for every message. Nothing is fetched from the network: $ref to other
 * files is resolved on disk under the set's root directory, and the draft-07
 * meta-schema (http://json-schema.org/draft-07/schema) is served from
 * <root>/meta/draft-07.json. See docs/schemas.md for the supported keywords.
 *
 * Ownership, in one place:
 *   - pl_schema_set_new() returns a set the caller frees with pl_schema_set_free().
 *   - Documents returned by pl_schema_set_load()/_resolve() are borrowed: they stay
 *     valid until the set is freed.
 *   - pl_schema_set_add() always takes ownership of doc (also on failure).
 *   - pl_schema_validate() appends to a caller-owned pl_schema_errors; the strings in
 *     each error are owned by the list (pl_schema_errors_free()), while `instance`
 *     borrows a node of the instance passed to pl_schema_validate().
 *   - pl_schema_error_format() returns a malloc'd string the caller frees.
 *
 * A set is not thread-safe (it caches regexes and may load files during validation);
 * use one set per thread. */
#ifndef PL_SCHEMA_H
#define PL_SCHEMA_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define PL_SCHEMA_META_URI "http://json-schema.org/draft-07/schema"
#define PL_SCHEMA_MAX_DEPTH 512 /* instance nesting limit during validation */

typedef struct pl_schema_set pl_schema_set;

/* root_dir: directory that file $refs may not leave and that holds meta/draft-07.json;
 * NULL means "no restriction, no bundled meta-schema". The string is copied. */
pl_schema_set *pl_schema_set_new(const char *root_dir);
void pl_schema_set_free(pl_schema_set *set);

/* Loads (once; later calls return the cached document) the schema file at path. A
 * relative path is looked up under the root dir first, then in the working directory
 * (so both "aicall/1105.json" and "schemas/aicall/1105.json" work from the source tree).
 * Its base URI is file://<realpath>. Returns a borrowed pointer, or NULL with a message
 * in err. */
const cJSON *pl_schema_set_load(pl_schema_set *set, const char *path, char *err, size_t errlen);

/* Registers an in-memory document under an absolute URI (no fragment), taking ownership
 * of doc in every case. Returns 0, or -1 with a message in err (duplicate URI, schema
 * nested too deeply). */
int pl_schema_set_add(pl_schema_set *set, const char *uri, cJSON *doc, char *err, size_t errlen);

/* Looks up a schema by absolute URI with optional fragment ("…/common.json#/definitions/x",
 * "urn:x#anchor", PL_SCHEMA_META_URI), loading files as $ref would. Borrowed result. */
const cJSON *pl_schema_set_resolve(pl_schema_set *set, const char *uri, char *err, size_t errlen);

typedef struct {
    char *instance_path; /* JSON pointer into the instance, "" for the root */
    char *schema_path;   /* JSON pointer into the schema, through "$ref" as written */
    char *keyword;       /* "type", "required", "$ref", … ("depth" for the nesting limit) */
    char *message;       /* human text, e.g. "expected boolean, got string" */
    const cJSON *instance; /* offending node (borrowed from the validated instance) */
} pl_schema_error;

typedef struct {
    pl_schema_error *v;
    size_t n, cap;
} pl_schema_errors;

#define PL_SCHEMA_ERRORS_INIT {NULL, 0, 0}

/* Validates instance against schema, which is either a document of the set, a node
 * inside one, or any other cJSON schema (its $ids are then indexed for this call only).
 * Appends every error found to out (which may be NULL to only get the verdict).
 * Returns 1 valid, 0 invalid, -1 if the schema itself is broken (unresolvable $ref,
 * bad regex, $ref cycle): that problem is also appended to out as an error. */
int pl_schema_validate(pl_schema_set *set, const cJSON *schema, const cJSON *instance,
                       pl_schema_errors *out);

/* Checks that schema is a well-formed draft-07 schema by validating it against the
 * bundled meta-schema (needs a root dir). Same return values as pl_schema_validate. */
int pl_schema_check(pl_schema_set *set, const cJSON *schema, pl_schema_errors *out);

void pl_schema_errors_free(pl_schema_errors *errs); /* frees the entries; list reusable */

/* "/data/enable: expected boolean, got string (schema /properties/data/properties/enable/type)";
 * the root instance prints as "(root)". Caller frees. */
char *pl_schema_error_format(const pl_schema_error *e);

/* Counters for tests and diagnostics. */
typedef struct {
    size_t documents;      /* documents held by the set */
    size_t regexes;        /* distinct patterns in the cache (including invalid ones) */
    size_t regex_compiles; /* pcre2_compile calls so far */
} pl_schema_stats;

void pl_schema_set_stats(const pl_schema_set *set, pl_schema_stats *st);

#endif
