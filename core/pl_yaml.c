/* pl_yaml.c — YAML → cJSON with a source position for every node (see pl_yaml.h and
 * docs/yaml.md).
 *
 * libyaml's event API drives a small state machine with an explicit stack of open
 * collections (no recursion over the input), so nesting depth is checked before anything
 * deep is built and a 10 MB "[[[[…" fails fast. A collection is attached to its parent when
 * it ends; until then the stack frame owns it, which keeps cleanup on error trivial.
 *
 * Three hash tables (open addressing, linear probing):
 *   - the position table (node pointer → value and key position), kept in the document;
 *   - during loading only, a member index ((object pointer, key) → member) for O(1)
 *     duplicate-key checks and merge-key ("<<") precedence;
 *   - during loading only, anchors by name.
 * Aliases are expanded by deep copy (positions copied from the anchored source). Every
 * anchor records its subtree's node count and height, so an alias that would exceed
 * PL_YAML_MAX_NODES or PL_YAML_MAX_DEPTH is refused before anything is copied; that bounds
 * both memory (billion laughs) and the recursion of the copy and cJSON_Delete. */
#include "core/pl_yaml.h"

#include "core/pl_json.h"
#include "core/pl_buf.h"
#include "core/pl_utf8.h"
#include "core/pl_crypto.h"

#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

/* ---- position table --------------------------------------------------------------------- */

typedef struct {
    const cJSON *node; /* NULL = empty slot */
    int line, col;     /* the node (for a member: its value) */
    int kline, kcol;   /* the key, when the node is an object member; else 0 */
} pl_yaml_slot;

typedef struct {
    pl_yaml_slot *slots;
    size_t cap, used; /* cap is 0 or a power of two */
} pl_yaml_postab;

struct pl_yaml_doc {
    char *name;
    cJSON *root;
    pl_yaml_postab pos;
};

static size_t pl_yaml_ptr_hash(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

static pl_yaml_slot *pl_yaml_pos_find(const pl_yaml_postab *t, const cJSON *node)
{
    if (!t->cap || !node)
        return NULL;
    size_t mask = t->cap - 1;
    for (size_t i = pl_yaml_ptr_hash(node) & mask;; i = (i + 1) & mask) {
        if (t->slots[i].node == node)
            return &t->slots[i];
        if (!t->slots[i].node)
            return NULL;
    }
}

static void pl_yaml_pos_grow(pl_yaml_postab *t)
{
    size_t ncap = t->cap ? t->cap * 2 : 64;
    pl_yaml_slot *ns = pl_xcalloc(ncap, sizeof *ns);
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i].node)
            continue;
        size_t j = pl_yaml_ptr_hash(t->slots[i].node) & (ncap - 1);
        while (ns[j].node)
            j = (j + 1) & (ncap - 1);
        ns[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = ns;
    t->cap = ncap;
}

/* Returns the slot for node, inserting a zeroed one if needed. The pointer is valid until
 * the next insertion. */
static pl_yaml_slot *pl_yaml_pos_put(pl_yaml_postab *t, const cJSON *node)
{
    if ((t->used + 1) * 2 > t->cap)
        pl_yaml_pos_grow(t);
    size_t mask = t->cap - 1, i = pl_yaml_ptr_hash(node) & mask;
    while (t->slots[i].node && t->slots[i].node != node)
        i = (i + 1) & mask;
    if (!t->slots[i].node) {
        memset(&t->slots[i], 0, sizeof t->slots[i]);
        t->slots[i].node = node;
        t->used++;
    }
    return &t->slots[i];
}

/* Backward-shift deletion: keeps probe sequences intact without tombstones. */
static void pl_yaml_pos_del(pl_yaml_postab *t, const cJSON *node)
{
    pl_yaml_slot *s = pl_yaml_pos_find(t, node);
    if (!s)
        return;
    size_t mask = t->cap - 1, i = (size_t)(s - t->slots), j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!t->slots[j].node)
            break;
        size_t k = pl_yaml_ptr_hash(t->slots[j].node) & mask;
        /* Move j into the hole at i unless its home k lies cyclically in (i, j]. */
        int stays = i <= j ? (k > i && k <= j) : (k > i || k <= j);
        if (!stays) {
            t->slots[i] = t->slots[j];
            i = j;
        }
    }
    t->slots[i].node = NULL;
    t->used--;
}

static void pl_yaml_pos_del_tree(pl_yaml_postab *t, const cJSON *node)
{
    pl_yaml_pos_del(t, node);
    for (const cJSON *c = node->child; c; c = c->next)
        pl_yaml_pos_del_tree(t, c);
}

/* ---- string-keyed map: (owner pointer, key) → value, used while loading --------------- */

typedef struct {
    const void *owner;
    const char *key; /* NULL = empty slot; not owned */
    size_t hash;
    void *val;
} pl_yaml_sslot;

typedef struct {
    pl_yaml_sslot *slots;
    size_t cap, used;
} pl_yaml_smap;

static size_t pl_yaml_str_hash(const void *owner, const char *key)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return (size_t)(h ^ pl_yaml_ptr_hash(owner));
}

static pl_yaml_sslot *pl_yaml_smap_slot(const pl_yaml_smap *m, const void *owner, const char *key,
                                        size_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        pl_yaml_sslot *s = &m->slots[i];
        if (!s->key || (s->hash == h && s->owner == owner && strcmp(s->key, key) == 0))
            return s;
    }
}

static void *pl_yaml_smap_get(const pl_yaml_smap *m, const void *owner, const char *key)
{
    if (!m->cap)
        return NULL;
    pl_yaml_sslot *s = pl_yaml_smap_slot(m, owner, key, pl_yaml_str_hash(owner, key));
    return s->key ? s->val : NULL;
}

/* Inserts or replaces; key must outlive the map (it is not copied). */
static void pl_yaml_smap_put(pl_yaml_smap *m, const void *owner, const char *key, void *val)
{
    if ((m->used + 1) * 2 > m->cap) {
        pl_yaml_smap old = *m;
        m->cap = old.cap ? old.cap * 2 : 64;
        m->slots = pl_xcalloc(m->cap, sizeof *m->slots);
        for (size_t i = 0; i < old.cap; i++)
            if (old.slots[i].key)
                *pl_yaml_smap_slot(m, old.slots[i].owner, old.slots[i].key, old.slots[i].hash) =
                    old.slots[i];
        free(old.slots);
    }
    size_t h = pl_yaml_str_hash(owner, key);
    pl_yaml_sslot *s = pl_yaml_smap_slot(m, owner, key, h);
    if (!s->key)
        m->used++;
    s->owner = owner;
    s->key = key;
    s->hash = h;
    s->val = val;
}

/* ---- loader state ----------------------------------------------------------------------- */

typedef struct {
    char *name;  /* owned */
    cJSON *node; /* not owned: lives in the tree or in the spare list */
    char *text;  /* owned; the source text when the anchored node is a scalar */
    long count;  /* nodes in the subtree */
    int height;  /* 0 for a scalar, 1 + children's maximum for a collection */
} pl_yaml_anchor;

typedef struct {
    cJSON *node; /* owned until attached to the parent when the collection ends */
    int line, col;
    char *anchor; /* owned; defined when the collection ends */
    char *key;    /* mapping: the key waiting for its value (owned) */
    int key_line, key_col, key_is_merge;
    int merge_line, merge_col; /* position of this mapping's "<<" key, 0 if none */
    cJSON *merge;              /* value of "<<" (owned by the spare list) */
    int max_child;             /* largest child height */
    long count;                /* nodes below this one */
} pl_yaml_frame;

typedef struct {
    pl_yaml_doc *doc;
    const char *text;
    size_t len;
    pl_yaml_error *err;
    pl_yaml_frame *stack; /* PL_YAML_MAX_DEPTH frames */
    int depth;
    pl_yaml_smap members;
    pl_yaml_smap anchor_index;
    pl_yaml_anchor **anchors; /* every definition (for freeing); anchor_index has the latest */
    size_t nanchors, anchors_cap;
    cJSON *spare; /* built but not part of the tree: merge sources, anchored keys */
    long nodes;
    int documents;
    int have_root;
} pl_yaml_loader;

#define PL_YAML_CORE "tag:yaml.org,2002:"

static void pl_yaml_verror(pl_yaml_error *err, const char *file, int line, int col, const char *fmt,
                           va_list ap)
{
    if (!err)
        return;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->col = col;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
}

static int pl_yaml_fail(pl_yaml_loader *L, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int pl_yaml_fail(pl_yaml_loader *L, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pl_yaml_verror(L->err, L->doc->name, line, col, fmt, ap);
    va_end(ap);
    return -1;
}

static cJSON *pl_yaml_new(cJSON *node)
{
    if (!node) {
        fprintf(stderr, "parley: out of memory\n");
        abort();
    }
    return node;
}

/* cJSON_AddItemToObject copies the key; it fails only when that allocation fails. */
static void pl_yaml_add_member(cJSON *object, const char *key, cJSON *value)
{
    if (!cJSON_AddItemToObject(object, key, value))
        pl_yaml_new(NULL);
}

static int pl_yaml_count(pl_yaml_loader *L, long n, int line, int col)
{
    if (n > PL_YAML_MAX_NODES - L->nodes)
        return pl_yaml_fail(L, line, col,
                            "document expands to more than %d nodes (too many aliases?)",
                            PL_YAML_MAX_NODES);
    L->nodes += n;
    return 0;
}

static int pl_yaml_check_depth(pl_yaml_loader *L, int levels, int line, int col)
{
    if (levels > PL_YAML_MAX_DEPTH)
        return pl_yaml_fail(L, line, col, "nesting deeper than %d levels", PL_YAML_MAX_DEPTH);
    return 0;
}

static void pl_yaml_set_pos(pl_yaml_loader *L, const cJSON *node, int line, int col)
{
    pl_yaml_slot *s = pl_yaml_pos_put(&L->doc->pos, node);
    s->line = line;
    s->col = col;
}

/* The byte at 0-based (line, column) as libyaml counts them, or -1. */
static int pl_yaml_char_at(const char *text, size_t len, size_t line, size_t col)
{
    size_t i = 0;
    for (size_t l = 0; l < line && i < len; i++)
        if (text[i] == '\n')
            l++;
    for (size_t c = 0; i < len; i++) {
        if (((unsigned char)text[i] & 0xc0) == 0x80)
            continue;
        if (c++ == col)
            return (unsigned char)text[i];
    }
    return -1;
}

/* ---- scalars: YAML 1.2 core schema ------------------------------------------------------ */

typedef enum {
    PL_YAML_T_NONE, /* no tag, or the non-specific "!" */
    PL_YAML_T_STR,
    PL_YAML_T_INT,
    PL_YAML_T_FLOAT,
    PL_YAML_T_BOOL,
    PL_YAML_T_NULL,
    PL_YAML_T_BINARY,
    PL_YAML_T_MAP,
    PL_YAML_T_SEQ,
    PL_YAML_T_MERGE,
    PL_YAML_T_UNKNOWN,
} pl_yaml_tag;

static pl_yaml_tag pl_yaml_tag_kind(const char *tag)
{
    static const struct {
        const char *name;
        pl_yaml_tag kind;
    } core[] = {
        {"str", PL_YAML_T_STR},   {"int", PL_YAML_T_INT},   {"float", PL_YAML_T_FLOAT},
        {"bool", PL_YAML_T_BOOL}, {"null", PL_YAML_T_NULL}, {"binary", PL_YAML_T_BINARY},
        {"map", PL_YAML_T_MAP},   {"seq", PL_YAML_T_SEQ},   {"merge", PL_YAML_T_MERGE},
    };
    if (!tag || strcmp(tag, "!") == 0)
        return PL_YAML_T_NONE;
    size_t n = strlen(PL_YAML_CORE);
    if (strncmp(tag, PL_YAML_CORE, n) != 0)
        return PL_YAML_T_UNKNOWN;
    for (size_t i = 0; i < sizeof core / sizeof core[0]; i++)
        if (strcmp(tag + n, core[i].name) == 0)
            return core[i].kind;
    return PL_YAML_T_UNKNOWN;
}

/* How a tag is shown in messages: "!!timestamp" for core tags, otherwise as resolved. */
static const char *pl_yaml_tag_show(const char *tag, char *buf, size_t n)
{
    size_t c = strlen(PL_YAML_CORE);
    if (strncmp(tag, PL_YAML_CORE, c) == 0) {
        snprintf(buf, n, "!!%s", tag + c);
        return buf;
    }
    return tag;
}

static int pl_yaml_is_null(const char *v, size_t n)
{
    return n == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
           strcmp(v, "NULL") == 0;
}

static int pl_yaml_is_bool(const char *v, int *b)
{
    if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "TRUE"))
        return (*b = 1), 1;
    if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "FALSE"))
        return (*b = 0), 1;
    return 0;
}

static size_t pl_yaml_digits(const char *v, const char *set)
{
    size_t i = 0;
    while (v[i] && strchr(set, v[i]))
        i++;
    return i;
}

/* Radix prefix forms "0o17" and "0x1F" (unsigned in the core schema); 1 if v is one. */
static int pl_yaml_radix_int(const char *v, size_t n, double *out)
{
    if (n < 3 || v[0] != '0' || (v[1] != 'o' && v[1] != 'x'))
        return 0;
    const char *set = v[1] == 'o' ? "01234567" : "0123456789abcdefABCDEF";
    if (pl_yaml_digits(v + 2, set) != n - 2)
        return 0;
    double d = 0, base = v[1] == 'o' ? 8 : 16;
    for (size_t i = 2; i < n; i++) {
        char c = v[i];
        int dig = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
        d = d * base + dig;
    }
    *out = d;
    return 1;
}

/* [-+]?[0-9]+ */
static int pl_yaml_is_decimal_int(const char *v, size_t n)
{
    size_t i = (v[0] == '-' || v[0] == '+') ? 1 : 0;
    size_t d = pl_yaml_digits(v + i, "0123456789");
    return d > 0 && i + d == n;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static int pl_yaml_is_float(const char *v, size_t n)
{
    size_t i = (v[0] == '-' || v[0] == '+') ? 1 : 0;
    size_t lead = pl_yaml_digits(v + i, "0123456789");
    i += lead;
    if (v[i] == '.') {
        size_t frac = pl_yaml_digits(v + i + 1, "0123456789");
        if (!lead && !frac)
            return 0;
        i += 1 + frac;
    } else if (!lead) {
        return 0;
    }
    if (v[i] == 'e' || v[i] == 'E') {
        i++;
        if (v[i] == '-' || v[i] == '+')
            i++;
        size_t e = pl_yaml_digits(v + i, "0123456789");
        if (!e)
            return 0;
        i += e;
    }
    return i == n;
}

static int pl_yaml_is_inf_nan(const char *v)
{
    if (*v == '-' || *v == '+')
        v++;
    return !strcmp(v, ".inf") || !strcmp(v, ".Inf") || !strcmp(v, ".INF") || !strcmp(v, ".nan") ||
           !strcmp(v, ".NaN") || !strcmp(v, ".NAN");
}

/* strtod that ignores the C library locale's decimal separator (as cJSON does). */
static double pl_yaml_strtod(const char *v, size_t n)
{
    char *copy = pl_xstrndup(v, n);
    const struct lconv *lc = localeconv();
    char dp = lc && lc->decimal_point && lc->decimal_point[0] ? lc->decimal_point[0] : '.';
    if (dp != '.') {
        char *dot = strchr(copy, '.');
        if (dot)
            *dot = dp;
    }
    double d = strtod(copy, NULL);
    free(copy);
    return d;
}

typedef enum { PL_YAML_NUM_NO, PL_YAML_NUM_OK, PL_YAML_NUM_INFNAN, PL_YAML_NUM_RANGE } pl_yaml_num;

static pl_yaml_num pl_yaml_number(const char *v, size_t n, int allow_float, double *out)
{
    if (n == 0)
        return PL_YAML_NUM_NO;
    int is_num = pl_yaml_radix_int(v, n, out);
    if (!is_num && (pl_yaml_is_decimal_int(v, n) || (allow_float && pl_yaml_is_float(v, n)))) {
        *out = pl_yaml_strtod(v, n);
        is_num = 1;
    }
    if (is_num)
        return isfinite(*out) ? PL_YAML_NUM_OK : PL_YAML_NUM_RANGE;
    if (allow_float && pl_yaml_is_inf_nan(v))
        return PL_YAML_NUM_INFNAN;
    return PL_YAML_NUM_NO;
}

static int pl_yaml_number_error(pl_yaml_loader *L, pl_yaml_num r, const char *v, int line, int col)
{
    if (r == PL_YAML_NUM_INFNAN)
        return pl_yaml_fail(L, line, col,
                            "'%.40s' is infinity or NaN, which JSON cannot represent "
                            "(quote it for a string)",
                            v);
    return pl_yaml_fail(L, line, col, "number '%.40s' is out of range", v);
}

/* !!binary: whitespace (line breaks of block scalars) is dropped, the rest must be strict
 * base64; the result is the base64 text. */
static int pl_yaml_binary(pl_yaml_loader *L, const char *v, size_t n, int line, int col,
                          cJSON **out)
{
    char *b = pl_xmalloc(n + 1);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!strchr(" \t\r\n", v[i]))
            b[m++] = v[i];
    b[m] = '\0';
    unsigned char *raw = pl_crypto_base64_decode(b, m, NULL);
    if (!raw) {
        free(b);
        return pl_yaml_fail(L, line, col, "!!binary value is not valid base64");
    }
    free(raw);
    *out = pl_yaml_new(cJSON_CreateString(b));
    free(b);
    return 0;
}

/* Plain, untagged scalar: null, bool, int, float or string by the core schema. */
static int pl_yaml_plain(pl_yaml_loader *L, const char *v, size_t n, int line, int col, cJSON **out)
{
    int b;
    double d = 0;
    if (pl_yaml_is_null(v, n)) {
        *out = pl_yaml_new(cJSON_CreateNull());
        return 0;
    }
    if (pl_yaml_is_bool(v, &b)) {
        *out = pl_yaml_new(cJSON_CreateBool(b));
        return 0;
    }
    pl_yaml_num r = pl_yaml_number(v, n, 1, &d);
    if (r == PL_YAML_NUM_OK) {
        *out = pl_yaml_new(cJSON_CreateNumber(d));
        return 0;
    }
    if (r != PL_YAML_NUM_NO)
        return pl_yaml_number_error(L, r, v, line, col);
    *out = pl_yaml_new(cJSON_CreateString(v));
    return 0;
}

/* Builds the JSON value of a scalar event (a key's too, when it needs one). */
static int pl_yaml_scalar_value(pl_yaml_loader *L, const yaml_event_t *ev, int line, int col,
                                cJSON **out)
{
    const char *v = (const char *)ev->data.scalar.value;
    const char *tag = (const char *)ev->data.scalar.tag;
    size_t n = ev->data.scalar.length;
    char tbuf[128];
    int b;
    double d = 0;
    *out = NULL;
    if (memchr(v, '\0', n))
        return pl_yaml_fail(L, line, col,
                            "string contains a NUL character (\\0), "
                            "which is not supported");
    switch (pl_yaml_tag_kind(tag)) {
    case PL_YAML_T_NONE:
        if (!tag && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
            ev->data.scalar.plain_implicit)
            return pl_yaml_plain(L, v, n, line, col, out);
        /* quoted, block and "!"-tagged scalars are strings */
        *out = pl_yaml_new(cJSON_CreateString(v));
        return 0;
    case PL_YAML_T_STR:
        *out = pl_yaml_new(cJSON_CreateString(v));
        return 0;
    case PL_YAML_T_NULL:
        if (!pl_yaml_is_null(v, n))
            return pl_yaml_fail(L, line, col, "'%.40s' is not a valid !!null", v);
        *out = pl_yaml_new(cJSON_CreateNull());
        return 0;
    case PL_YAML_T_BOOL:
        if (!pl_yaml_is_bool(v, &b))
            return pl_yaml_fail(L, line, col, "'%.40s' is not a valid !!bool", v);
        *out = pl_yaml_new(cJSON_CreateBool(b));
        return 0;
    case PL_YAML_T_INT:
    case PL_YAML_T_FLOAT: {
        int is_float = pl_yaml_tag_kind(tag) == PL_YAML_T_FLOAT;
        pl_yaml_num r = pl_yaml_number(v, n, is_float, &d);
        if (r == PL_YAML_NUM_NO)
            return pl_yaml_fail(L, line, col, "'%.40s' is not a valid %s", v,
                                is_float ? "!!float" : "!!int");
        if (r != PL_YAML_NUM_OK)
            return pl_yaml_number_error(L, r, v, line, col);
        *out = pl_yaml_new(cJSON_CreateNumber(d));
        return 0;
    }
    case PL_YAML_T_BINARY:
        return pl_yaml_binary(L, v, n, line, col, out);
    case PL_YAML_T_MAP:
    case PL_YAML_T_SEQ:
        return pl_yaml_fail(L, line, col, "tag %s cannot be used on a scalar",
                            pl_yaml_tag_show(tag, tbuf, sizeof tbuf));
    case PL_YAML_T_MERGE:
    case PL_YAML_T_UNKNOWN:
        break;
    }
    return pl_yaml_fail(L, line, col, "unknown tag %s", pl_yaml_tag_show(tag, tbuf, sizeof tbuf));
}

/* ---- anchors, copies, merges ------------------------------------------------------------ */

static void pl_yaml_define_anchor(pl_yaml_loader *L, const char *name, cJSON *node,
                                  const char *text, long count, int height)
{
    pl_yaml_anchor *a = pl_xcalloc(1, sizeof *a);
    a->name = pl_xstrdup(name);
    a->node = node;
    a->text = text ? pl_xstrdup(text) : NULL;
    a->count = count;
    a->height = height;
    if (L->nanchors == L->anchors_cap) {
        L->anchors_cap = L->anchors_cap ? L->anchors_cap * 2 : 16;
        L->anchors = pl_xrealloc(L->anchors, L->anchors_cap * sizeof *L->anchors);
    }
    L->anchors[L->nanchors++] = a;
    pl_yaml_smap_put(&L->anchor_index, NULL, a->name, a); /* redefinition: latest wins */
}

/* Deep copy of src whose nodes report src's positions. Recursion is bounded by
 * PL_YAML_MAX_DEPTH: only trees that passed the depth checks are ever copied. */
static cJSON *pl_yaml_copy(pl_yaml_loader *L, const cJSON *src)
{
    cJSON *dst;
    switch (src->type & 0xff) {
    case cJSON_NULL:
        dst = cJSON_CreateNull();
        break;
    case cJSON_True:
        dst = cJSON_CreateTrue();
        break;
    case cJSON_False:
        dst = cJSON_CreateFalse();
        break;
    case cJSON_Number:
        dst = cJSON_CreateNumber(src->valuedouble);
        break;
    case cJSON_String:
        dst = cJSON_CreateString(src->valuestring);
        break;
    case cJSON_Array:
        dst = pl_yaml_new(cJSON_CreateArray());
        for (const cJSON *c = src->child; c; c = c->next)
            cJSON_AddItemToArray(dst, pl_yaml_copy(L, c));
        break;
    default:
        dst = pl_yaml_new(cJSON_CreateObject());
        for (const cJSON *c = src->child; c; c = c->next)
            pl_yaml_add_member(dst, c->string, pl_yaml_copy(L, c));
        break;
    }
    pl_yaml_new(dst);
    const pl_yaml_slot *s = pl_yaml_pos_find(&L->doc->pos, src);
    if (s) {
        pl_yaml_slot v = *s; /* the insertion below may move the table */
        pl_yaml_slot *d = pl_yaml_pos_put(&L->doc->pos, dst);
        v.node = dst;
        *d = v;
    }
    return dst;
}

static void pl_yaml_measure(const cJSON *n, long *count, int *height)
{
    long c = 1;
    int h = 0;
    for (const cJSON *k = n->child; k; k = k->next) {
        long kc;
        int kh;
        pl_yaml_measure(k, &kc, &kh);
        c += kc;
        if (kh + 1 > h)
            h = kh + 1;
    }
    if ((n->type & (cJSON_Array | cJSON_Object)) && h == 0)
        h = 1; /* empty collection */
    *count = c;
    *height = h;
}

/* Adds the members of the "<<" sources that the mapping does not define itself. Explicit
 * keys win wherever they appear; among several sources the earlier one wins. */
static int pl_yaml_apply_merge(pl_yaml_loader *L, pl_yaml_frame *f)
{
    const cJSON *m = f->merge;
    const cJSON *first = cJSON_IsObject(m) ? m : m->child;
    for (const cJSON *src = first; src; src = cJSON_IsObject(m) ? NULL : src->next) {
        for (const cJSON *c = src->child; c; c = c->next) {
            if (pl_yaml_smap_get(&L->members, f->node, c->string))
                continue;
            long count;
            int height;
            pl_yaml_measure(c, &count, &height);
            /* the mapping sits at level depth+1, its members one further */
            if (pl_yaml_check_depth(L, L->depth + 1 + height, f->merge_line, f->merge_col) < 0 ||
                pl_yaml_count(L, count, f->merge_line, f->merge_col) < 0)
                return -1;
            cJSON *copy = pl_yaml_copy(L, c);
            pl_yaml_add_member(f->node, c->string, copy);
            pl_yaml_smap_put(&L->members, f->node, copy->string, copy);
            if (height > f->max_child)
                f->max_child = height;
            f->count += count;
        }
    }
    return 0;
}

/* ---- building the tree ------------------------------------------------------------------ */

static pl_yaml_frame *pl_yaml_top(pl_yaml_loader *L)
{
    return L->depth ? &L->stack[L->depth - 1] : NULL;
}

static int pl_yaml_wants_key(pl_yaml_loader *L)
{
    pl_yaml_frame *f = pl_yaml_top(L);
    return f && cJSON_IsObject(f->node) && !f->key;
}

static void pl_yaml_keep_spare(pl_yaml_loader *L, cJSON *node)
{
    if (!L->spare)
        L->spare = pl_yaml_new(cJSON_CreateArray());
    cJSON_AddItemToArray(L->spare, node);
}

/* Gives node (height h, n nodes) to the open collection, or makes it the root. Takes
 * ownership even on failure. */
static int pl_yaml_attach(pl_yaml_loader *L, cJSON *node, int line, int col, int h, long n)
{
    pl_yaml_frame *f = pl_yaml_top(L);
    pl_yaml_slot *s = pl_yaml_pos_find(&L->doc->pos, node);
    if (s) /* a copy may carry its source's key position; set this use's instead */
        s->kline = s->kcol = 0;
    if (!f) {
        L->doc->root = node;
        L->have_root = 1;
        return 0;
    }
    if (cJSON_IsArray(f->node)) {
        cJSON_AddItemToArray(f->node, node);
    } else if (f->key_is_merge) {
        int ok = cJSON_IsObject(node);
        if (cJSON_IsArray(node)) {
            ok = 1;
            for (const cJSON *c = node->child; c; c = c->next)
                ok &= cJSON_IsObject(c);
        }
        pl_yaml_keep_spare(L, node);
        free(f->key);
        f->key = NULL;
        f->key_is_merge = 0;
        if (!ok)
            return pl_yaml_fail(L, line, col,
                                "merge key '<<' needs a mapping or a list of mappings");
        f->merge = node;
        return 0; /* its members are counted when merged */
    } else {
        pl_yaml_add_member(f->node, f->key, node);
        pl_yaml_smap_put(&L->members, f->node, node->string, node);
        s = pl_yaml_pos_find(&L->doc->pos, node);
        if (s) {
            s->kline = f->key_line;
            s->kcol = f->key_col;
        }
        free(f->key);
        f->key = NULL;
    }
    if (h > f->max_child)
        f->max_child = h;
    f->count += n;
    return 0;
}

/* The scalar text (NUL-free, NUL-terminated) is the next key of the open mapping. */
static int pl_yaml_take_key(pl_yaml_loader *L, const char *text, int is_merge, int line, int col)
{
    pl_yaml_frame *f = pl_yaml_top(L);
    if (is_merge) {
        if (f->merge_line)
            return pl_yaml_fail(L, line, col, "duplicate key \"<<\" (first at %d:%d)",
                                f->merge_line, f->merge_col);
        f->merge_line = line;
        f->merge_col = col;
        f->key_is_merge = 1;
    } else {
        const cJSON *prev = pl_yaml_smap_get(&L->members, f->node, text);
        if (prev) {
            const pl_yaml_slot *s = pl_yaml_pos_find(&L->doc->pos, prev);
            return pl_yaml_fail(L, line, col, "duplicate key \"%.100s\" (first at %d:%d)", text,
                                s ? s->kline : 0, s ? s->kcol : 0);
        }
    }
    f->key = pl_xstrdup(text);
    f->key_line = line;
    f->key_col = col;
    return 0;
}

static int pl_yaml_on_key_scalar(pl_yaml_loader *L, const yaml_event_t *ev, int line, int col)
{
    const char *v = (const char *)ev->data.scalar.value;
    const char *tag = (const char *)ev->data.scalar.tag;
    const char *anchor = (const char *)ev->data.scalar.anchor;
    pl_yaml_tag kind = pl_yaml_tag_kind(tag);
    int is_merge =
        kind == PL_YAML_T_MERGE || (!tag && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                                    ev->data.scalar.plain_implicit && strcmp(v, "<<") == 0);
    if (memchr(v, '\0', ev->data.scalar.length))
        return pl_yaml_fail(L, line, col,
                            "key contains a NUL character (\\0), "
                            "which is not supported");
    /* A key's text is used as is; it is typed only when it is tagged (to validate the tag)
     * or anchored (an alias to it elsewhere is a value). */
    if (!is_merge && (anchor || kind != PL_YAML_T_NONE)) {
        cJSON *node;
        if (pl_yaml_scalar_value(L, ev, line, col, &node) < 0)
            return -1;
        pl_yaml_keep_spare(L, node);
        pl_yaml_set_pos(L, node, line, col);
        if (pl_yaml_count(L, 1, line, col) < 0)
            return -1;
        if (anchor)
            pl_yaml_define_anchor(L, anchor, node, v, 1, 0);
    }
    return pl_yaml_take_key(L, v, is_merge, line, col);
}

static int pl_yaml_on_scalar(pl_yaml_loader *L, const yaml_event_t *ev, int line, int col)
{
    if (pl_yaml_wants_key(L))
        return pl_yaml_on_key_scalar(L, ev, line, col);
    if (!L->depth && ev->data.scalar.length == 0 && !ev->data.scalar.tag &&
        !ev->data.scalar.anchor && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
        return pl_yaml_fail(L, line, col, "empty document");
    cJSON *node;
    if (pl_yaml_scalar_value(L, ev, line, col, &node) < 0 || pl_yaml_count(L, 1, line, col) < 0) {
        cJSON_Delete(node);
        return -1;
    }
    pl_yaml_set_pos(L, node, line, col);
    if (ev->data.scalar.anchor)
        pl_yaml_define_anchor(L, (const char *)ev->data.scalar.anchor, node,
                              (const char *)ev->data.scalar.value, 1, 0);
    return pl_yaml_attach(L, node, line, col, 0, 1);
}

static int pl_yaml_on_alias(pl_yaml_loader *L, const yaml_event_t *ev, int line, int col)
{
    const char *name = (const char *)ev->data.alias.anchor;
    const pl_yaml_anchor *a = pl_yaml_smap_get(&L->anchor_index, NULL, name);
    if (!a) {
        for (int i = 0; i < L->depth; i++)
            if (L->stack[i].anchor && strcmp(L->stack[i].anchor, name) == 0)
                return pl_yaml_fail(L, line, col,
                                    "alias *%.100s refers to a node that contains it "
                                    "(recursive aliases are not supported)",
                                    name);
        return pl_yaml_fail(L, line, col, "undefined alias *%.100s", name);
    }
    if (pl_yaml_wants_key(L)) {
        if (!a->text)
            return pl_yaml_fail(L, line, col, "mapping keys must be scalars");
        return pl_yaml_take_key(L, a->text, 0, line, col);
    }
    if (pl_yaml_check_depth(L, L->depth + a->height, line, col) < 0 ||
        pl_yaml_count(L, a->count, line, col) < 0)
        return -1;
    return pl_yaml_attach(L, pl_yaml_copy(L, a->node), line, col, a->height, a->count);
}

static int pl_yaml_on_start(pl_yaml_loader *L, const yaml_event_t *ev, int is_map, int line,
                            int col)
{
    const char *tag =
        (const char *)(is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag);
    const char *anchor =
        (const char *)(is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor);
    char tbuf[128];
    if (pl_yaml_wants_key(L))
        return pl_yaml_fail(L, line, col, "mapping keys must be scalars");
    if (pl_yaml_check_depth(L, L->depth + 1, line, col) < 0)
        return -1;
    pl_yaml_tag kind = pl_yaml_tag_kind(tag);
    if (kind == PL_YAML_T_UNKNOWN || kind == PL_YAML_T_MERGE)
        return pl_yaml_fail(L, line, col, "unknown tag %s",
                            pl_yaml_tag_show(tag, tbuf, sizeof tbuf));
    if (kind != PL_YAML_T_NONE && kind != (is_map ? PL_YAML_T_MAP : PL_YAML_T_SEQ))
        return pl_yaml_fail(L, line, col, "tag %s cannot be used on a %s",
                            pl_yaml_tag_show(tag, tbuf, sizeof tbuf),
                            is_map ? "mapping" : "sequence");
    if (pl_yaml_count(L, 1, line, col) < 0)
        return -1;
    pl_yaml_frame *f = &L->stack[L->depth++];
    memset(f, 0, sizeof *f);
    f->node = pl_yaml_new(is_map ? cJSON_CreateObject() : cJSON_CreateArray());
    f->line = line;
    f->col = col;
    f->anchor = anchor ? pl_xstrdup(anchor) : NULL;
    pl_yaml_set_pos(L, f->node, line, col);
    return 0;
}

static int pl_yaml_on_end(pl_yaml_loader *L)
{
    pl_yaml_frame f = L->stack[--L->depth]; /* the frame's node is now ours */
    int rc = 0;
    if (f.merge)
        rc = pl_yaml_apply_merge(L, &f);
    if (rc == 0 && f.anchor)
        pl_yaml_define_anchor(L, f.anchor, f.node, NULL, f.count + 1, f.max_child + 1);
    free(f.anchor);
    free(f.key);
    if (rc < 0) {
        cJSON_Delete(f.node);
        return -1;
    }
    return pl_yaml_attach(L, f.node, f.line, f.col, f.max_child + 1, f.count + 1);
}

/* ---- driving libyaml -------------------------------------------------------------------- */

/* "{ a: ${x} }": in flow context '{' ends the plain scalar "$", a common authoring slip. */
static int pl_yaml_is_flow_interpolation(const pl_yaml_loader *L, const yaml_parser_t *p)
{
    size_t line = p->problem_mark.line, col = p->problem_mark.column;
    return p->error == YAML_PARSER_ERROR && col > 0 &&
           pl_yaml_char_at(L->text, L->len, line, col) == '{' &&
           pl_yaml_char_at(L->text, L->len, line, col - 1) == '$';
}

static int pl_yaml_parser_error(pl_yaml_loader *L, const yaml_parser_t *p)
{
    const char *problem = p->problem ? p->problem : "malformed YAML";
    int line, col;
    switch (p->error) {
    case YAML_MEMORY_ERROR:
        fprintf(stderr, "parley: out of memory\n");
        abort();
    case YAML_READER_ERROR:
        pl_utf8_linecol(L->text, L->len, p->problem_offset, &line, &col);
        if (strstr(problem, "UTF"))
            return pl_yaml_fail(L, line, col, "invalid UTF-8 text (%s)", problem);
        if (p->problem_value >= 0)
            return pl_yaml_fail(L, line, col, "%s (#x%X)", problem, (unsigned)p->problem_value);
        return pl_yaml_fail(L, line, col, "%s", problem);
    default:
        break;
    }
    line = (int)p->problem_mark.line + 1;
    col = (int)p->problem_mark.column + 1;
    const char *hint = "";
    if (strstr(problem, "tab") ||
        pl_yaml_char_at(L->text, L->len, p->problem_mark.line, p->problem_mark.column) == '\t')
        hint = "; YAML does not allow tabs for indentation";
    else if (strstr(problem, "<document start>"))
        hint = "; only one document per file is supported";
    else if (pl_yaml_is_flow_interpolation(L, p))
        hint = "; quote \"${...}\" inside { } and [ ]";
    if (p->context)
        return pl_yaml_fail(L, line, col, "%s (%s at %d:%d)%s", problem, p->context,
                            (int)p->context_mark.line + 1, (int)p->context_mark.column + 1, hint);
    return pl_yaml_fail(L, line, col, "%s%s", problem, hint);
}

static int pl_yaml_on_event(pl_yaml_loader *L, const yaml_event_t *ev)
{
    int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (L->documents++)
            return pl_yaml_fail(L, line, col,
                                "multiple documents in one file are not "
                                "supported; split them");
        return 0;
    case YAML_SCALAR_EVENT:
        return pl_yaml_on_scalar(L, ev, line, col);
    case YAML_ALIAS_EVENT:
        return pl_yaml_on_alias(L, ev, line, col);
    case YAML_SEQUENCE_START_EVENT:
        return pl_yaml_on_start(L, ev, 0, line, col);
    case YAML_MAPPING_START_EVENT:
        return pl_yaml_on_start(L, ev, 1, line, col);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return pl_yaml_on_end(L);
    default:
        return 0;
    }
}

static int pl_yaml_run(pl_yaml_loader *L)
{
    const char *nul = memchr(L->text, '\0', L->len);
    if (nul) {
        int line, col;
        pl_utf8_linecol(L->text, L->len, (size_t)(nul - L->text), &line, &col);
        return pl_yaml_fail(L, line, col, "NUL byte in input (not a text file?)");
    }
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        fprintf(stderr, "parley: out of memory\n");
        abort();
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)L->text, L->len);
    int rc = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = pl_yaml_parser_error(L, &p);
            break;
        }
        int end = ev.type == YAML_STREAM_END_EVENT;
        rc = pl_yaml_on_event(L, &ev);
        yaml_event_delete(&ev);
        if (rc < 0 || end)
            break;
    }
    yaml_parser_delete(&p);
    if (rc == 0 && !L->have_root)
        rc = pl_yaml_fail(L, 1, 1, "empty document");
    return rc;
}

static void pl_yaml_loader_done(pl_yaml_loader *L)
{
    for (int i = 0; i < L->depth; i++) {
        cJSON_Delete(L->stack[i].node);
        free(L->stack[i].anchor);
        free(L->stack[i].key);
    }
    free(L->stack);
    for (size_t i = 0; i < L->nanchors; i++) {
        free(L->anchors[i]->name);
        free(L->anchors[i]->text);
        free(L->anchors[i]);
    }
    free(L->anchors);
    free(L->members.slots);
    free(L->anchor_index.slots);
    if (L->spare) {
        pl_yaml_pos_del_tree(&L->doc->pos, L->spare);
        cJSON_Delete(L->spare);
    }
}

pl_yaml_doc *pl_yaml_load_string(const char *name, const char *text, size_t len, pl_yaml_error *err)
{
    pl_yaml_doc *doc = pl_xcalloc(1, sizeof *doc);
    doc->name = pl_xstrdup(name ? name : "<string>");
    pl_yaml_loader L;
    memset(&L, 0, sizeof L);
    L.doc = doc;
    L.text = text ? text : "";
    L.len = text ? len : 0;
    L.err = err;
    L.stack = pl_xcalloc(PL_YAML_MAX_DEPTH, sizeof *L.stack);
    int rc = pl_yaml_run(&L);
    pl_yaml_loader_done(&L);
    if (rc < 0) {
        pl_yaml_free(doc);
        return NULL;
    }
    return doc;
}

pl_yaml_doc *pl_yaml_load_file(const char *path, pl_yaml_error *err)
{
    char msg[512];
    size_t len = 0;
    char *text = pl_file_read(path, &len, msg, sizeof msg);
    if (!text) {
        if (err) {
            size_t n = strlen(path);
            const char *m = strncmp(msg, path, n) == 0 && msg[n] == ':' ? msg + n + 2 : msg;
            snprintf(err->file, sizeof err->file, "%s", path);
            err->line = err->col = 0;
            snprintf(err->message, sizeof err->message, "cannot read file: %.480s", m);
        }
        return NULL;
    }
    pl_yaml_doc *doc = pl_yaml_load_string(path, text, len, err);
    free(text);
    return doc;
}

/* ---- queries ---------------------------------------------------------------------------- */

void pl_yaml_free(pl_yaml_doc *doc)
{
    if (!doc)
        return;
    cJSON_Delete(doc->root);
    free(doc->pos.slots);
    free(doc->name);
    free(doc);
}

const cJSON *pl_yaml_root(const pl_yaml_doc *doc)
{
    return doc ? doc->root : NULL;
}

const char *pl_yaml_name(const pl_yaml_doc *doc)
{
    return doc ? doc->name : NULL;
}

cJSON *pl_yaml_detach_root(pl_yaml_doc *doc)
{
    cJSON *root = doc->root;
    doc->root = NULL;
    free(doc->pos.slots);
    memset(&doc->pos, 0, sizeof doc->pos);
    return root;
}

int pl_yaml_pos(const pl_yaml_doc *doc, const cJSON *node, int *line, int *col)
{
    const pl_yaml_slot *s = doc ? pl_yaml_pos_find(&doc->pos, node) : NULL;
    if (!s)
        return -1;
    if (line)
        *line = s->line;
    if (col)
        *col = s->col;
    return 0;
}

int pl_yaml_key_pos(const pl_yaml_doc *doc, const cJSON *node, int *line, int *col)
{
    const pl_yaml_slot *s = doc ? pl_yaml_pos_find(&doc->pos, node) : NULL;
    if (!s || !s->kline)
        return -1;
    if (line)
        *line = s->kline;
    if (col)
        *col = s->kcol;
    return 0;
}

const cJSON *pl_yaml_at_pointer(const pl_yaml_doc *doc, const char *p)
{
    return pl_json_pointer(doc ? doc->root : NULL, p);
}

void pl_yaml_error_set(pl_yaml_error *err, const pl_yaml_doc *doc, const cJSON *node,
                       const char *fmt, ...)
{
    int line = 0, col = 0;
    pl_yaml_pos(doc, node, &line, &col);
    va_list ap;
    va_start(ap, fmt);
    pl_yaml_verror(err, pl_yaml_name(doc), line, col, fmt, ap);
    va_end(ap);
}

int pl_yaml_error_format(const pl_yaml_error *err, char *out, size_t n)
{
    if (err->line > 0)
        return snprintf(out, n, "%s:%d:%d: %s", err->file, err->line, err->col, err->message);
    return snprintf(out, n, "%s: %s", err->file, err->message);
}
