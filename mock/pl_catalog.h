/* pl_catalog.h — the message catalog of the live dialects, loaded once at start.
 *
 * Each dialect's schemas/<id>/catalog.json lists its message kinds with the schema file
 * of each. The catalog loads every one of those schemas into a pl_schema_set up front, so
 * checking a message costs one binary search for its kind and one validation — no file
 * system access per message, and a broken schema stops the mock at start instead of at the
 * first message. Kinds not in the catalog (aicall.unknown, aicall.4711) have no schema;
 * the dialect's rules report them.
 *
 * Ownership: the catalog owns its schema set and entries; returned documents are borrowed
 * and live as long as the catalog. */
#ifndef PL_CATALOG_H
#define PL_CATALOG_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "schemas/pl_schema.h"

typedef struct pl_catalog pl_catalog;

/* Loads the catalogs of every live dialect found under schema_root. NULL with a message in
 * err when a catalog or one of its schemas cannot be loaded. */
pl_catalog *pl_catalog_load(const char *schema_root, char *err, size_t errlen);
void pl_catalog_free(pl_catalog *c);

pl_schema_set *pl_catalog_schemas(pl_catalog *c);

/* The schema of a kind ("aicall.1105"), or NULL when the catalog has none. */
const cJSON *pl_catalog_schema(const pl_catalog *c, const char *kind);

/* Number of kinds with a schema. */
size_t pl_catalog_count(const pl_catalog *c);

#endif
