/* pl_schema.c — the schema set: owns schema documents, indexes their $id and
 * location-independent identifiers, resolves $ref (JSON pointer fragments, anchors,
 * other files under the root directory, the bundled draft-07 meta-schema) and caches
 * compiled regexes by pattern string. The keyword evaluator is pl_schema_eval.c.
 *
 * Identity of documents: a file has the base URI file://<realpath>; an in-memory document
 * the URI it was added under; a root or nested "$id" adds another name. The index maps
 * every such absolute URI (and "uri#anchor" for "$id": "#anchor") to its node, and the
 * node back to its base URI, so evaluation can follow $ref in O(1) hash lookups. */
#include "schemas/pl_schema_int.h"

#include "core/pl_json.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    char *uri;
    cJSON *root;
} pl_schema_doc;

typedef struct {
    pcre2_code *code; /* NULL when the pattern does not compile */
    char *error;
} pl_schema_regex_ent;

struct pl_schema_set {
    char *root_dir; /* realpath of the root, or NULL */
    pl_schema_doc *docs;
    size_t ndocs, capdocs;
    pl_schema_index idx;
    pl_schema_map regexes; /* pattern → pl_schema_regex_ent * */
    pcre2_match_data *md;
    size_t regex_compiles;
};

/* ---- hash map -------------------------------------------------------------------- */

static size_t map_hash(const pl_schema_map *m, const void *key)
{
    uint64_t h;
    if (m->strkeys) {
        h = 1469598103934665603ULL;
        for (const unsigned char *p = key; *p; p++)
            h = (h ^ *p) * 1099511628211ULL;
    } else {
        h = (uint64_t)(uintptr_t)key;
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
    }
    return (size_t)h;
}

static int map_eq(const pl_schema_map *m, const void *a, const void *b)
{
    return m->strkeys ? strcmp(a, b) == 0 : a == b;
}

static size_t map_slot(const pl_schema_map *m, const void *key)
{
    size_t i = map_hash(m, key) & (m->cap - 1);
    while (m->e[i].key && !map_eq(m, m->e[i].key, key))
        i = (i + 1) & (m->cap - 1);
    return i;
}

void *pl_schema_map_get(const pl_schema_map *m, const void *key)
{
    if (!m->cap)
        return NULL;
    size_t i = map_slot(m, key);
    return m->e[i].key ? m->e[i].val : NULL;
}

static void map_grow(pl_schema_map *m)
{
    pl_schema_map old = *m;
    m->cap = old.cap ? old.cap * 2 : 16;
    m->e = pl_xcalloc(m->cap, sizeof *m->e);
    for (size_t i = 0; i < old.cap; i++)
        if (old.e[i].key)
            m->e[map_slot(m, old.e[i].key)] = old.e[i];
    free(old.e);
}

int pl_schema_map_put(pl_schema_map *m, const void *key, void *val)
{
    if ((m->n + 1) * 2 > m->cap)
        map_grow(m);
    size_t i = map_slot(m, key);
    if (m->e[i].key) {
        m->e[i].val = val;
        return 0;
    }
    m->e[i].key = m->strkeys ? pl_xstrdup(key) : key;
    m->e[i].val = val;
    m->n++;
    return 1;
}

void pl_schema_map_free(pl_schema_map *m)
{
    if (m->strkeys)
        for (size_t i = 0; i < m->cap; i++)
            free((void *)m->e[i].key);
    free(m->e);
    m->e = NULL;
    m->n = m->cap = 0;
}

/* ---- identifier index ------------------------------------------------------------ */

void pl_schema_index_init(pl_schema_index *idx)
{
    memset(idx, 0, sizeof *idx);
    idx->ids.strkeys = 1;
}

void pl_schema_index_free(pl_schema_index *idx)
{
    pl_schema_map_free(&idx->ids);
    pl_schema_map_free(&idx->bases);
    for (size_t i = 0; i < idx->nstrs; i++)
        free(idx->strs[i]);
    free(idx->strs);
    pl_schema_index_init(idx);
}

static const char *index_intern(pl_schema_index *idx, char *owned)
{
    if (idx->nstrs == idx->capstrs) {
        idx->capstrs = idx->capstrs ? idx->capstrs * 2 : 8;
        idx->strs = pl_xrealloc(idx->strs, idx->capstrs * sizeof *idx->strs);
    }
    idx->strs[idx->nstrs++] = owned;
    return owned;
}

static void index_id(pl_schema_index *idx, const cJSON *s, const char **base)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(s, "$id");
    if (!cJSON_IsString(id) || cJSON_GetObjectItemCaseSensitive(s, "$ref"))
        return; /* draft-07: $ref makes every sibling keyword, $id included, inert */
    char *abs = pl_schema_uri_resolve(*base, id->valuestring);
    char *frag;
    char *res = pl_schema_uri_split(abs, &frag);
    free(abs);
    if (frag) {
        pl_buf key = PL_BUF_INIT;
        pl_buf_printf(&key, "%s#%s", res, frag);
        if (!pl_schema_map_get(&idx->ids, key.data))
            pl_schema_map_put(&idx->ids, key.data, (void *)s);
        pl_buf_free(&key);
        free(frag);
    }
    if (!frag || strcmp(res, *base) != 0) {
        if (!pl_schema_map_get(&idx->ids, res))
            pl_schema_map_put(&idx->ids, res, (void *)s);
        *base = index_intern(idx, res);
        pl_schema_map_put(&idx->bases, s, (void *)*base);
    } else {
        free(res);
    }
}

static int kw_in(const char *k, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(k, *list))
            return 1;
    return 0;
}

/* Walks only the places where draft-07 puts subschemas, so an "$id" inside an enum or
 * const value, or under an unknown keyword, is never taken for an identifier. */
static void index_schema(pl_schema_index *idx, const cJSON *s, const char *base)
{
    static const char *const one[] = {"additionalItems", "additionalProperties", "contains",
        "propertyNames", "if", "then", "else", "not", "items", NULL};
    static const char *const map[] = {"properties", "patternProperties", "definitions",
        "dependencies", NULL};
    static const char *const list[] = {"allOf", "anyOf", "oneOf", "items", NULL};
    if (!cJSON_IsObject(s))
        return;
    index_id(idx, s, &base);
    for (const cJSON *m = s->child; m; m = m->next) {
        if (cJSON_IsObject(m) && kw_in(m->string, one))
            index_schema(idx, m, base);
        else if ((cJSON_IsObject(m) && kw_in(m->string, map)) ||
                 (cJSON_IsArray(m) && kw_in(m->string, list)))
            for (const cJSON *c = m->child; c; c = c->next)
                index_schema(idx, c, base);
    }
}

static int depth_ok(const cJSON *n, int d)
{
    if (d > PL_SCHEMA_MAX_SCHEMA_DEPTH)
        return 0;
    for (const cJSON *c = n->child; c; c = c->next)
        if (!depth_ok(c, d + 1))
            return 0;
    return 1;
}

int pl_schema_index_doc(pl_schema_index *idx, const cJSON *doc, const char *uri, pl_buf *err)
{
    if (!depth_ok(doc, 0)) {
        pl_buf_printf(err, "schema nested deeper than %d levels", PL_SCHEMA_MAX_SCHEMA_DEPTH);
        return -1;
    }
    const char *base = index_intern(idx, pl_xstrdup(uri));
    if (!pl_schema_map_get(&idx->ids, uri))
        pl_schema_map_put(&idx->ids, uri, (void *)doc);
    pl_schema_map_put(&idx->bases, doc, (void *)base);
    index_schema(idx, doc, base);
    return 0;
}

const char *pl_schema_base_of(const pl_schema_set *set, const pl_schema_index *tmp,
                              const cJSON *node)
{
    const char *b = tmp ? pl_schema_map_get(&tmp->bases, node) : NULL;
    return b ? b : pl_schema_map_get(&set->idx.bases, node);
}

static const cJSON *lookup_id(const pl_schema_set *set, const pl_schema_index *tmp,
                              const char *uri)
{
    const cJSON *n = tmp ? pl_schema_map_get(&tmp->ids, uri) : NULL;
    return n ? n : pl_schema_map_get(&set->idx.ids, uri);
}

static const char *find_node(const pl_schema_set *set, const cJSON *cur, const cJSON *target,
                             const char *base)
{
    const char *b = pl_schema_map_get(&set->idx.bases, cur);
    if (!b)
        b = base;
    if (cur == target)
        return b;
    for (const cJSON *c = cur->child; c; c = c->next) {
        const char *r = find_node(set, c, target, b);
        if (r)
            return r;
    }
    return NULL;
}

const char *pl_schema_locate(const pl_schema_set *set, const cJSON *node)
{
    const char *b = pl_schema_map_get(&set->idx.bases, node);
    for (size_t i = 0; !b && i < set->ndocs; i++)
        b = find_node(set, set->docs[i].root, node, set->docs[i].uri);
    return b;
}

/* ---- documents --------------------------------------------------------------------- */

pl_schema_set *pl_schema_set_new(const char *root_dir)
{
    pl_schema_set *set = pl_xcalloc(1, sizeof *set);
    if (root_dir) {
        set->root_dir = realpath(root_dir, NULL);
        if (!set->root_dir)
            set->root_dir = pl_xstrdup(root_dir);
    }
    pl_schema_index_init(&set->idx);
    set->regexes.strkeys = 1;
    return set;
}

void pl_schema_set_free(pl_schema_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->ndocs; i++) {
        free(set->docs[i].uri);
        cJSON_Delete(set->docs[i].root);
    }
    free(set->docs);
    pl_schema_index_free(&set->idx);
    for (size_t i = 0; i < set->regexes.cap; i++) {
        pl_schema_regex_ent *r = set->regexes.e[i].val;
        if (!set->regexes.e[i].key)
            continue;
        pcre2_code_free(r->code);
        free(r->error);
        free(r);
    }
    pl_schema_map_free(&set->regexes);
    pcre2_match_data_free(set->md);
    free(set->root_dir);
    free(set);
}

/* Takes ownership of doc. */
static const cJSON *register_doc(pl_schema_set *set, const char *uri, cJSON *doc, pl_buf *err)
{
    if (pl_schema_index_doc(&set->idx, doc, uri, err) < 0) {
        cJSON_Delete(doc);
        return NULL;
    }
    if (set->ndocs == set->capdocs) {
        set->capdocs = set->capdocs ? set->capdocs * 2 : 8;
        set->docs = pl_xrealloc(set->docs, set->capdocs * sizeof *set->docs);
    }
    set->docs[set->ndocs++] = (pl_schema_doc){pl_xstrdup(uri), doc};
    return doc;
}

static char *file_uri(const char *path)
{
    static const char keep[] = "-._~/!$&'()*+,;=:@";
    pl_buf b = PL_BUF_INIT;
    pl_buf_puts(&b, "file://");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr(keep, *p))
            pl_buf_putc(&b, (char)*p);
        else
            pl_buf_printf(&b, "%%%02X", *p);
    }
    return pl_buf_take(&b);
}

static int under_root(const pl_schema_set *set, const char *rp)
{
    size_t n = strlen(set->root_dir);
    return !strncmp(rp, set->root_dir, n) && (rp[n] == '/' || rp[n] == 0 || n == 1);
}

/* restrict_root: the load comes from a $ref, which may not leave the root directory. */
static const cJSON *load_file(pl_schema_set *set, const char *path, int restrict_root,
                              pl_buf *err)
{
    char *rp = realpath(path, NULL);
    if (!rp) {
        pl_buf_printf(err, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (restrict_root && set->root_dir && !under_root(set, rp)) {
        pl_buf_printf(err, "%s is outside the schema root %s", rp, set->root_dir);
        free(rp);
        return NULL;
    }
    char *uri = file_uri(rp);
    const cJSON *have = pl_schema_map_get(&set->idx.ids, uri);
    const cJSON *res = have;
    if (!have) {
        char e[1024];
        cJSON *doc = pl_json_load_file(rp, e, sizeof e);
        if (!doc)
            pl_buf_puts(err, e);
        else
            res = register_doc(set, uri, doc, err);
    }
    free(uri);
    free(rp);
    return res;
}

static void copy_err(pl_buf *b, char *err, size_t errlen)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", b->data ? b->data : "");
    pl_buf_free(b);
}

const cJSON *pl_schema_set_load(pl_schema_set *set, const char *path, char *err, size_t errlen)
{
    pl_buf e = PL_BUF_INIT;
    pl_buf full = PL_BUF_INIT;
    if (path[0] != '/' && set->root_dir)
        pl_buf_printf(&full, "%s/%s", set->root_dir, path);
    if (!full.len || access(full.data, F_OK) != 0) { /* not under the root: as given */
        pl_buf_reset(&full);
        pl_buf_puts(&full, path);
    }
    const cJSON *doc = load_file(set, full.data, 0, &e);
    pl_buf_free(&full);
    copy_err(&e, err, errlen);
    return doc;
}

int pl_schema_set_add(pl_schema_set *set, const char *uri, cJSON *doc, char *err, size_t errlen)
{
    pl_buf e = PL_BUF_INIT;
    char *res = pl_schema_uri_split(uri ? uri : "", NULL);
    int rc = -1;
    if (!doc) {
        pl_buf_puts(&e, "no document");
    } else if (!res[0]) {
        pl_buf_puts(&e, "a document needs a non-empty URI");
        cJSON_Delete(doc);
    } else if (pl_schema_map_get(&set->idx.ids, res)) {
        pl_buf_printf(&e, "a document is already registered as %s", res);
        cJSON_Delete(doc);
    } else if (register_doc(set, res, doc, &e)) { /* frees doc itself on failure */
        rc = 0;
    }
    free(res);
    copy_err(&e, err, errlen);
    return rc;
}

/* ---- $ref resolution ------------------------------------------------------------- */

static int is_meta_uri(const char *docuri)
{
    return !strcmp(docuri, PL_SCHEMA_META_URI) ||
           !strcmp(docuri, "https://json-schema.org/draft-07/schema");
}

/* A document not in the index yet: the bundled meta-schema or a file under the root. */
static const cJSON *load_external(pl_schema_set *set, const char *docuri, pl_buf *err)
{
    const cJSON *doc = NULL;
    if (is_meta_uri(docuri)) {
        if (!set->root_dir) {
            pl_buf_puts(err, "the draft-07 meta-schema needs a schema root directory");
            return NULL;
        }
        pl_buf path = PL_BUF_INIT;
        pl_buf_printf(&path, "%s/meta/draft-07.json", set->root_dir);
        doc = load_file(set, path.data, 0, err);
        pl_buf_free(&path);
    } else if (!strncmp(docuri, "file:///", 8)) {
        char *path = pl_schema_pct_decode(docuri + 7, strlen(docuri + 7));
        doc = load_file(set, path, 1, err);
        free(path);
    } else {
        pl_buf_printf(err, "no schema known as \"%s\" (only files under the schema root and "
                      "the draft-07 meta-schema are loaded on demand)", docuri);
        return NULL;
    }
    if (doc && !pl_schema_map_get(&set->idx.ids, docuri))
        pl_schema_map_put(&set->idx.ids, docuri, (void *)doc);
    return doc;
}

static int parse_index(const char *tok, size_t *out)
{
    if (!*tok || (tok[0] == '0' && tok[1]) || strlen(tok) > 9)
        return 0;
    size_t v = 0;
    for (const char *p = tok; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        v = v * 10 + (size_t)(*p - '0');
    }
    *out = v;
    return 1;
}

static char *ptr_token(const char *p, size_t n)
{
    pl_buf b = PL_BUF_INIT;
    pl_buf_puts(&b, "");
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '~' && i + 1 < n && (p[i + 1] == '0' || p[i + 1] == '1')) {
            pl_buf_putc(&b, p[i + 1] == '0' ? '~' : '/');
            i++;
        } else {
            pl_buf_putc(&b, p[i]);
        }
    }
    return pl_buf_take(&b);
}

static int walk_pointer(const pl_schema_set *set, const pl_schema_index *tmp, const cJSON *n,
                        const char *b, const char *ptr, const char *docuri,
                        const cJSON **node, const char **node_base, pl_buf *err)
{
    const char *p = ptr;
    while (*p == '/') {
        p++;
        size_t len = strcspn(p, "/");
        char *tok = ptr_token(p, len);
        size_t i;
        if (cJSON_IsObject(n))
            n = cJSON_GetObjectItemCaseSensitive(n, tok);
        else if (cJSON_IsArray(n) && parse_index(tok, &i))
            n = cJSON_GetArrayItem(n, (int)i);
        else
            n = NULL;
        free(tok);
        if (!n) {
            pl_buf_printf(err, "JSON pointer \"%s\" not found in %s", ptr,
                          docuri[0] ? docuri : "the schema");
            return -1;
        }
        const char *nb = pl_schema_base_of(set, tmp, n);
        if (nb)
            b = nb;
        p += len;
    }
    if (*p) {
        pl_buf_printf(err, "bad JSON pointer \"%s\"", ptr);
        return -1;
    }
    *node = n;
    *node_base = b;
    return 0;
}

static int resolve_abs(pl_schema_set *set, const pl_schema_index *tmp, const char *docuri,
                       const char *frag, const cJSON **node, const char **node_base,
                       pl_buf *err)
{
    const cJSON *root = lookup_id(set, tmp, docuri);
    if (!root && !(root = load_external(set, docuri, err)))
        return -1;
    if (frag && frag[0] != '/') {
        pl_buf key = PL_BUF_INIT;
        pl_buf_printf(&key, "%s#%s", docuri, frag);
        const cJSON *n = lookup_id(set, tmp, key.data);
        pl_buf_free(&key);
        if (!n) {
            pl_buf_printf(err, "no schema with \"$id\": \"#%s\" in %s", frag,
                          docuri[0] ? docuri : "the schema");
            return -1;
        }
        const char *b = pl_schema_base_of(set, tmp, n);
        *node = n;
        *node_base = b ? b : docuri;
        return 0;
    }
    const char *b = pl_schema_base_of(set, tmp, root);
    return walk_pointer(set, tmp, root, b ? b : docuri, frag ? frag : "", docuri, node,
                        node_base, err);
}

int pl_schema_resolve_ref(pl_schema_set *set, const pl_schema_index *tmp, const char *base,
                          const char *ref, const cJSON **node, const char **node_base,
                          pl_buf *err)
{
    char *abs = pl_schema_uri_resolve(base, ref);
    char *frag;
    char *docuri = pl_schema_uri_split(abs, &frag);
    int rc = resolve_abs(set, tmp, docuri, frag, node, node_base, err);
    free(frag);
    free(docuri);
    free(abs);
    return rc;
}

const cJSON *pl_schema_set_resolve(pl_schema_set *set, const char *uri, char *err, size_t errlen)
{
    pl_buf e = PL_BUF_INIT;
    const cJSON *node = NULL;
    const char *base;
    char *frag;
    char *docuri = pl_schema_uri_split(uri, &frag);
    if (resolve_abs(set, NULL, docuri, frag, &node, &base, &e) < 0)
        node = NULL;
    free(frag);
    free(docuri);
    copy_err(&e, err, errlen);
    return node;
}

/* ---- regex cache ------------------------------------------------------------------ */

const pcre2_code *pl_schema_regex(pl_schema_set *set, const char *pattern, const char **errmsg)
{
    pl_schema_regex_ent *r = pl_schema_map_get(&set->regexes, pattern);
    if (!r) {
        int code;
        PCRE2_SIZE off;
        r = pl_xcalloc(1, sizeof *r);
        r->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
        set->regex_compiles++;
        if (!r->code) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(code, msg, sizeof msg);
            pl_buf b = PL_BUF_INIT;
            pl_buf_printf(&b, "%s at offset %zu", (const char *)msg, (size_t)off);
            r->error = pl_buf_take(&b);
        }
        pl_schema_map_put(&set->regexes, pattern, r);
    }
    if (!r->code && errmsg)
        *errmsg = r->error;
    return r->code;
}

int pl_schema_regex_search(pl_schema_set *set, const pcre2_code *re, const char *subject)
{
    if (!set->md)
        set->md = pcre2_match_data_create(1, NULL);
    int rc = pcre2_match(re, (PCRE2_SPTR)subject, strlen(subject), 0, 0, set->md, NULL);
    if (rc >= 0)
        return 1;
    return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

/* ---- errors, stats, meta-check ---------------------------------------------------- */

void pl_schema_errors_free(pl_schema_errors *errs)
{
    if (!errs)
        return;
    for (size_t i = 0; i < errs->n; i++) {
        free(errs->v[i].instance_path);
        free(errs->v[i].schema_path);
        free(errs->v[i].keyword);
        free(errs->v[i].message);
    }
    free(errs->v);
    errs->v = NULL;
    errs->n = errs->cap = 0;
}

char *pl_schema_error_format(const pl_schema_error *e)
{
    pl_buf b = PL_BUF_INIT;
    pl_buf_printf(&b, "%s: %s (schema %s)", e->instance_path[0] ? e->instance_path : "(root)",
                  e->message, e->schema_path[0] ? e->schema_path : "root");
    return pl_buf_take(&b);
}

void pl_schema_set_stats(const pl_schema_set *set, pl_schema_stats *st)
{
    st->documents = set->ndocs;
    st->regexes = set->regexes.n;
    st->regex_compiles = set->regex_compiles;
}

int pl_schema_check(pl_schema_set *set, const cJSON *schema, pl_schema_errors *out)
{
    char err[512];
    const cJSON *meta = pl_schema_set_resolve(set, PL_SCHEMA_META_URI, err, sizeof err);
    if (!meta) {
        if (out) {
            if (out->n == out->cap) {
                out->cap = out->cap ? out->cap * 2 : 8;
                out->v = pl_xrealloc(out->v, out->cap * sizeof *out->v);
            }
            pl_buf m = PL_BUF_INIT;
            pl_buf_printf(&m, "cannot load the draft-07 meta-schema: %s", err);
            out->v[out->n++] = (pl_schema_error){pl_xstrdup(""), pl_xstrdup(""),
                pl_xstrdup("$schema"), pl_buf_take(&m), schema};
        }
        return -1;
    }
    return pl_schema_validate(set, meta, schema, out);
}
