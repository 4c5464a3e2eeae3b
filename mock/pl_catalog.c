/* pl_catalog.c — kind → schema table of the live dialects (see pl_catalog.h).
 *
 * The table is a sorted array searched with bsearch: the set of kinds is fixed after
 * loading and small (tens per dialect). */
#include "mock/pl_catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/pl_buf.h"
#include "core/pl_json.h"
#include "mock/pl_dialect.h"

typedef struct {
    char *kind;
    const cJSON *schema;
} pl_catalog_ent;

struct pl_catalog {
    pl_schema_set *set;
    pl_catalog_ent *e;
    size_t n, cap;
};

static int pl_catalog_cmp(const void *a, const void *b)
{
    return strcmp(((const pl_catalog_ent *)a)->kind, ((const pl_catalog_ent *)b)->kind);
}

static void pl_catalog_put(pl_catalog *c, const char *kind, const cJSON *schema)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->e = pl_xrealloc(c->e, c->cap * sizeof *c->e);
    }
    c->e[c->n].kind = pl_xstrdup(kind);
    c->e[c->n].schema = schema;
    c->n++;
}

/* Loads one dialect's catalog.json; 0, or -1 with err set. A dialect without a catalog
 * file is skipped (it has no schemas yet). */
static int pl_catalog_load_dialect(pl_catalog *c, const char *root, const char *id, char *err,
                                   size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/catalog.json", root, id);
    if (access(path, F_OK) != 0)
        return 0;
    cJSON *cat = pl_json_load_file(path, err, errlen);
    if (!cat)
        return -1;
    int rc = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, cat) {
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(e, "kind");
        const cJSON *file = cJSON_GetObjectItemCaseSensitive(e, "schema");
        if (!cJSON_IsString(kind) || !cJSON_IsString(file)) {
            snprintf(err, errlen, "%s: an entry lacks a string kind or schema", path);
            rc = -1;
            break;
        }
        char rel[1024], lerr[1024];
        snprintf(rel, sizeof rel, "%s/%s", id, file->valuestring);
        const cJSON *doc = pl_schema_set_load(c->set, rel, lerr, sizeof lerr);
        if (!doc) {
            snprintf(err, errlen, "%s: %s: %s", path, kind->valuestring, lerr);
            rc = -1;
            break;
        }
        pl_catalog_put(c, kind->valuestring, doc);
    }
    cJSON_Delete(cat);
    return rc;
}

pl_catalog *pl_catalog_load(const char *schema_root, char *err, size_t errlen)
{
    pl_catalog *c = pl_xcalloc(1, sizeof *c);
    c->set = pl_schema_set_new(schema_root);
    for (const pl_dialect *const *d = pl_dialect_all(); *d; d++) {
        if (!pl_dialect_live(*d))
            continue;
        if (pl_catalog_load_dialect(c, schema_root, (*d)->id, err, errlen)) {
            pl_catalog_free(c);
            return NULL;
        }
    }
    if (c->n)
        qsort(c->e, c->n, sizeof *c->e, pl_catalog_cmp);
    return c;
}

void pl_catalog_free(pl_catalog *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->e[i].kind);
    free(c->e);
    pl_schema_set_free(c->set);
    free(c);
}

pl_schema_set *pl_catalog_schemas(pl_catalog *c)
{
    return c->set;
}

const cJSON *pl_catalog_schema(const pl_catalog *c, const char *kind)
{
    if (!c || !c->n)
        return NULL;
    pl_catalog_ent key = {(char *)kind, NULL};
    const pl_catalog_ent *hit = bsearch(&key, c->e, c->n, sizeof *c->e, pl_catalog_cmp);
    return hit ? hit->schema : NULL;
}

size_t pl_catalog_count(const pl_catalog *c)
{
    return c ? c->n : 0;
}
