/* pl_schema_int.h — internals shared by the pl_schema*.c files; not a public API.
 *
 * pl_schema.c       the schema set: documents, $id index, $ref resolution, regex cache
 * pl_schema_uri.c   RFC 3986 reference resolution, percent-decoding, JSON pointer tokens
 * pl_schema_eval.c  the draft-07 keyword evaluator behind pl_schema_validate() */
#ifndef PL_SCHEMA_INT_H
#define PL_SCHEMA_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/pl_buf.h"
#include "schemas/pl_schema.h"

#define PL_SCHEMA_MAX_SCHEMA_DEPTH 1000 /* nesting of schema documents we index */
#define PL_SCHEMA_MAX_EVAL_DEPTH 8192   /* nested subschema evaluations in one call */

/* ---- open-addressing hash map keyed by string (copied) or by pointer ---------------- */
typedef struct {
    const void *key;
    void *val;
} pl_schema_ent;

typedef struct {
    pl_schema_ent *e;
    size_t n, cap;
    int strkeys; /* 1: keys are C strings owned by the map; 0: raw pointers */
} pl_schema_map;

void *pl_schema_map_get(const pl_schema_map *m, const void *key);
int pl_schema_map_put(pl_schema_map *m, const void *key, void *val); /* 0 if key existed */
void pl_schema_map_free(pl_schema_map *m);

/* ---- identifier index of a set of documents ----------------------------------------- */
typedef struct {
    pl_schema_map ids;   /* absolute URI ("…" or "…#anchor") → const cJSON * */
    pl_schema_map bases; /* const cJSON * (doc roots and nodes with $id) → base URI */
    char **strs;         /* base URI strings owned by the index */
    size_t nstrs, capstrs;
} pl_schema_index;

void pl_schema_index_init(pl_schema_index *idx);
void pl_schema_index_free(pl_schema_index *idx);
/* Indexes doc under base uri; -1 with a message in err when it nests too deeply. */
int pl_schema_index_doc(pl_schema_index *idx, const cJSON *doc, const char *uri, pl_buf *err);

/* Base URI in effect inside node if recorded (node is a root or carries an $id). */
const char *pl_schema_base_of(const pl_schema_set *set, const pl_schema_index *tmp,
                              const cJSON *node);

/* Finds which registered document holds node and returns the base URI in effect there,
 * or NULL if node belongs to no document of the set. */
const char *pl_schema_locate(const pl_schema_set *set, const cJSON *node);

/* Resolves ref against base. On success sets *node and *node_base (borrowed, valid for
 * the set's lifetime or tmp's) and returns 0; on failure writes a reason into err. */
int pl_schema_resolve_ref(pl_schema_set *set, const pl_schema_index *tmp, const char *base,
                          const char *ref, const cJSON **node, const char **node_base,
                          pl_buf *err);

/* Cached compiled regex for pattern, or NULL with *errmsg (borrowed) on a bad pattern. */
const pcre2_code *pl_schema_regex(pl_schema_set *set, const char *pattern,
                                  const char **errmsg);
/* 1 match, 0 no match, -1 matching error (e.g. subject is not valid UTF-8). */
int pl_schema_regex_search(pl_schema_set *set, const pcre2_code *re, const char *subject);

/* ---- URI and JSON pointer helpers (pl_schema_uri.c) --------------------------------- */
char *pl_schema_uri_resolve(const char *base, const char *ref); /* malloc'd */
/* Returns the URI without fragment (malloc'd); *frag gets the percent-decoded fragment
 * (malloc'd) or NULL when there is none or it is empty. frag may be NULL. */
char *pl_schema_uri_split(const char *uri, char **frag);
char *pl_schema_pct_decode(const char *s, size_t n); /* malloc'd */
void pl_schema_ptr_push(pl_buf *b, const char *token); /* appends "/" + escaped token */
void pl_schema_ptr_push_index(pl_buf *b, size_t i);

#endif
