/* pl_schema_eval.c — the draft-07 keyword evaluator behind pl_schema_validate().
 *
 * eval() walks one schema object's keywords in document order and dispatches each to a
 * small kw_*() function. Errors go to the current "sink": the caller's list, a scratch
 * list while an anyOf/oneOf branch is tried, or nowhere (NULL, just counted) for not/if/
 * contains. The instance path and schema path are two growable buffers pushed and
 * truncated around each step, so an error copies them as they stand. Schema defects
 * (unresolvable $ref, bad regex, $ref cycles) are gathered separately, so they surface
 * even when found inside a branch whose errors are otherwise discarded. */
#include "schemas/pl_schema_int.h"

#include "core/pl_utf8.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T_NULL = 1, T_BOOL = 2, T_NUM = 4, T_STR = 8, T_ARR = 16, T_OBJ = 32 };

#define MSG_EXCERPT 200 /* bytes of a JSON value or sub-error quoted in a message */

typedef struct {
    const cJSON *schema, *inst;
} ref_frame;

typedef struct {
    pl_schema_set *set;
    const pl_schema_index *tmp; /* ids of a schema outside the set, for this call only */
    pl_schema_errors *out;      /* current sink; NULL = only count */
    size_t nerr;                /* errors emitted into the current sink */
    pl_schema_errors problems;  /* schema defects, appended to the caller's list at the end */
    pl_buf ipath, spath;
    size_t kwbase; /* spath length before the current keyword was pushed */
    int depth, evaldepth;
    ref_frame *refs; /* active $ref evaluations, for cycle detection */
    size_t nrefs, caprefs;
} vctx;

static void eval(vctx *c, const cJSON *s, const char *base, const cJSON *inst);

/* ---- errors ------------------------------------------------------------------------ */

static void push_error(pl_schema_errors *l, pl_schema_error e)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = pl_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = e;
}

static pl_schema_error make_error(vctx *c, const cJSON *inst, const char *kw, char *msg)
{
    return (pl_schema_error){pl_xstrdup(c->ipath.data), pl_xstrdup(c->spath.data),
                             pl_xstrdup(kw), msg, inst};
}

static char *vformat(const char *fmt, va_list ap)
{
    pl_buf m = PL_BUF_INIT;
    pl_buf_vprintf(&m, fmt, ap);
    return pl_buf_take(&m);
}

__attribute__((format(printf, 4, 5)))
static void emit(vctx *c, const cJSON *inst, const char *kw, const char *fmt, ...)
{
    c->nerr++;
    if (!c->out)
        return;
    va_list ap;
    va_start(ap, fmt);
    push_error(c->out, make_error(c, inst, kw, vformat(fmt, ap)));
    va_end(ap);
}

/* A defect of the schema: fails the current evaluation and is reported once. */
__attribute__((format(printf, 4, 5)))
static void problem(vctx *c, const cJSON *inst, const char *kw, const char *fmt, ...)
{
    c->nerr++;
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < c->problems.n; i++) {
        if (!strcmp(c->problems.v[i].message, msg) &&
            !strcmp(c->problems.v[i].schema_path, c->spath.data)) {
            free(msg);
            return;
        }
    }
    push_error(&c->problems, make_error(c, inst, kw, msg));
}

/* ---- paths ------------------------------------------------------------------------- */

static size_t spush(vctx *c, const char *tok)
{
    size_t l = c->spath.len;
    pl_schema_ptr_push(&c->spath, tok);
    return l;
}

static size_t spush_i(vctx *c, size_t i)
{
    size_t l = c->spath.len;
    pl_schema_ptr_push_index(&c->spath, i);
    return l;
}

static size_t ipush(vctx *c, const char *tok)
{
    size_t l = c->ipath.len;
    pl_schema_ptr_push(&c->ipath, tok);
    return l;
}

static size_t ipush_i(vctx *c, size_t i)
{
    size_t l = c->ipath.len;
    pl_schema_ptr_push_index(&c->ipath, i);
    return l;
}

static void spop(vctx *c, size_t l) { pl_buf_truncate(&c->spath, l); }
static void ipop(vctx *c, size_t l) { pl_buf_truncate(&c->ipath, l); }

/* ---- JSON helpers ------------------------------------------------------------------ */

static int type_bit(const cJSON *v)
{
    switch (v->type & 0xFF) {
    case cJSON_NULL: return T_NULL;
    case cJSON_False:
    case cJSON_True: return T_BOOL;
    case cJSON_Number: return T_NUM;
    case cJSON_String: return T_STR;
    case cJSON_Array: return T_ARR;
    case cJSON_Object: return T_OBJ;
    default: return 0;
    }
}

static int is_integral(double d) { return isfinite(d) && floor(d) == d; }

static const char *type_name(const cJSON *v)
{
    switch (type_bit(v)) {
    case T_NULL: return "null";
    case T_BOOL: return "boolean";
    case T_NUM: return is_integral(v->valuedouble) ? "integer" : "number";
    case T_STR: return "string";
    case T_ARR: return "array";
    case T_OBJ: return "object";
    default: return "invalid";
    }
}

static int has_type(const cJSON *v, const char *t)
{
    if (!strcmp(t, "integer"))
        return cJSON_IsNumber(v) && is_integral(v->valuedouble);
    if (!strcmp(t, "number"))
        return cJSON_IsNumber(v);
    return !strcmp(t, type_name(v));
}

static int json_equal(const cJSON *a, const cJSON *b, int depth)
{
    int t = type_bit(a);
    if (t != type_bit(b) || depth > 2 * CJSON_NESTING_LIMIT)
        return 0;
    switch (t) {
    case T_BOOL: return cJSON_IsTrue(a) == cJSON_IsTrue(b);
    case T_NUM: return a->valuedouble == b->valuedouble;
    case T_STR: return !strcmp(a->valuestring, b->valuestring);
    case T_ARR:
        for (a = a->child, b = b->child; a && b; a = a->next, b = b->next)
            if (!json_equal(a, b, depth + 1))
                return 0;
        return !a && !b;
    case T_OBJ:
        if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
            return 0;
        for (const cJSON *m = a->child; m; m = m->next) {
            const cJSON *o = cJSON_GetObjectItemCaseSensitive(b, m->string);
            if (!o || !json_equal(m, o, depth + 1))
                return 0;
        }
        return 1;
    default: return 1; /* null */
    }
}

static const char *fmt_num(char buf[40], double d)
{
    snprintf(buf, 40, "%.15g", d);
    if (strtod(buf, NULL) != d)
        snprintf(buf, 40, "%.17g", d);
    return buf;
}

/* Appends v as compact JSON, cut at MSG_EXCERPT bytes. */
static void put_json(pl_buf *b, const cJSON *v)
{
    char *s = cJSON_PrintUnformatted(v);
    if (!s) {
        pl_buf_puts(b, "?");
        return;
    }
    if (strlen(s) > MSG_EXCERPT) {
        pl_buf_append(b, s, MSG_EXCERPT);
        pl_buf_puts(b, "...");
    } else {
        pl_buf_puts(b, s);
    }
    free(s);
}

static int is_multiple(double x, double m)
{
    if (!(m > 0) || x == 0)
        return 1; /* a non-positive multipleOf is a schema defect the meta-schema catches */
    if (is_integral(x) && is_integral(m) && fabs(x) < 9007199254740992.0 &&
        m < 9007199254740992.0)
        return fmod(x, m) == 0;
    double q = x / m;
    if (!isfinite(q))
        return 0;
    /* x and m each carry half an ulp of decimal-to-binary error, so the quotient of
     * e.g. 0.0075 / 0.0001 lands a few ulps away from 75: allow that, relative to q. */
    return fabs(q - nearbyint(q)) <= 8 * DBL_EPSILON * fmax(1.0, fabs(q));
}

/* ---- evaluation plumbing ------------------------------------------------------------ */

/* Evaluates s on inst with errors going to sink (NULL: count only); returns the count. */
static size_t eval_into(vctx *c, const cJSON *s, const char *base, const cJSON *inst,
                        pl_schema_errors *sink)
{
    pl_schema_errors *so = c->out;
    size_t sn = c->nerr;
    c->out = sink;
    c->nerr = 0;
    eval(c, s, base, inst);
    size_t n = c->nerr;
    c->out = so;
    c->nerr = sn;
    return n;
}

/* Evaluates s on a child of the current instance (the caller pushed its path). */
static void eval_child(vctx *c, const cJSON *s, const char *base, const cJSON *child)
{
    if (c->depth >= PL_SCHEMA_MAX_DEPTH) {
        emit(c, child, "depth", "instance nested deeper than %d levels", PL_SCHEMA_MAX_DEPTH);
        return;
    }
    c->depth++;
    eval(c, s, base, child);
    c->depth--;
}

static size_t eval_child_quiet(vctx *c, const cJSON *s, const char *base, const cJSON *child)
{
    pl_schema_errors *so = c->out;
    size_t sn = c->nerr;
    c->out = NULL;
    c->nerr = 0;
    eval_child(c, s, base, child);
    size_t n = c->nerr;
    c->out = so;
    c->nerr = sn;
    return n;
}

/* How far a failed branch is from matching: its error count, plus a heavy penalty for
 * errors that usually mean "this alternative is for another kind of value": a wrong type
 * of the instance itself, or a const/enum mismatch on it or on one of its direct members
 * (a discriminator such as "type": "ping"). */
static size_t branch_score(const vctx *c, const pl_schema_errors *e)
{
    size_t score = e->n, plen = c->ipath.len;
    for (size_t i = 0; i < e->n; i++) {
        const pl_schema_error *x = &e->v[i];
        if (strncmp(x->instance_path, c->ipath.data, plen))
            continue;
        const char *rest = x->instance_path + plen;
        int self = !*rest, member = rest[0] == '/' && !strchr(rest + 1, '/');
        if ((self && !strcmp(x->keyword, "type")) ||
            ((self || member) && (!strcmp(x->keyword, "const") || !strcmp(x->keyword, "enum"))))
            score += 100;
    }
    return score;
}

/* Emits the composite error of a failed anyOf/oneOf, quoting the closest branch's first
 * error (bounded), then frees that branch's list. */
static void emit_composite(vctx *c, const cJSON *inst, const char *kw, size_t nalt,
                           size_t best_i, pl_schema_errors *best)
{
    pl_buf m = PL_BUF_INIT;
    pl_buf_printf(&m, "does not match any of the %zu alternatives", nalt);
    if (best && best->n) {
        const pl_schema_error *e = &best->v[0];
        pl_buf_printf(&m, "; closest is %s/%zu: %s: ", c->spath.data, best_i,
                      e->instance_path[0] ? e->instance_path : "(root)");
        size_t len = strlen(e->message);
        pl_buf_append(&m, e->message, len > MSG_EXCERPT ? MSG_EXCERPT : len);
        if (len > MSG_EXCERPT)
            pl_buf_puts(&m, "...");
        if (best->n > 1)
            pl_buf_printf(&m, " (+%zu more)", best->n - 1);
    }
    c->nerr++;
    if (c->out)
        push_error(c->out, make_error(c, inst, kw, pl_buf_take(&m)));
    pl_buf_free(&m);
    if (best)
        pl_schema_errors_free(best);
}

/* ---- keywords: any type ------------------------------------------------------------ */

typedef void (*kw_fn)(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                      const cJSON *inst);

static void kw_type(vctx *c, const cJSON *s, const cJSON *v, const char *base, const cJSON *inst)
{
    if (cJSON_IsString(v)) {
        if (!has_type(inst, v->valuestring))
            emit(c, inst, "type", "expected %s, got %s", v->valuestring, type_name(inst));
        return;
    }
    if (!cJSON_IsArray(v))
        return;
    for (const cJSON *t = v->child; t; t = t->next)
        if (cJSON_IsString(t) && has_type(inst, t->valuestring))
            return;
    pl_buf m = PL_BUF_INIT;
    pl_buf_puts(&m, "expected ");
    int n = cJSON_GetArraySize(v), i = 0;
    for (const cJSON *t = v->child; t; t = t->next, i++) {
        if (i)
            pl_buf_puts(&m, i == n - 1 ? " or " : ", ");
        pl_buf_puts(&m, cJSON_IsString(t) ? t->valuestring : "?");
    }
    emit(c, inst, "type", "%s, got %s", m.data, type_name(inst));
    pl_buf_free(&m);
}

static void kw_enum(vctx *c, const cJSON *s, const cJSON *v, const char *base, const cJSON *inst)
{
    if (!cJSON_IsArray(v))
        return;
    for (const cJSON *e = v->child; e; e = e->next)
        if (json_equal(e, inst, 0))
            return;
    pl_buf m = PL_BUF_INIT;
    pl_buf_putc(&m, '[');
    for (const cJSON *e = v->child; e; e = e->next) {
        if (m.len > MSG_EXCERPT) {
            pl_buf_puts(&m, ", ...");
            break;
        }
        if (e != v->child)
            pl_buf_puts(&m, ", ");
        put_json(&m, e);
    }
    pl_buf_putc(&m, ']');
    emit(c, inst, "enum", "value not in enum %s", m.data);
    pl_buf_free(&m);
}

static void kw_const(vctx *c, const cJSON *s, const cJSON *v, const char *base, const cJSON *inst)
{
    if (json_equal(v, inst, 0))
        return;
    pl_buf m = PL_BUF_INIT;
    pl_buf_puts(&m, "expected ");
    put_json(&m, v);
    pl_buf_puts(&m, ", got ");
    put_json(&m, inst);
    emit(c, inst, "const", "%s", m.data);
    pl_buf_free(&m);
}

/* ---- keywords: numbers ------------------------------------------------------------- */

static void kw_multipleOf(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                          const cJSON *inst)
{
    char a[40], b[40];
    if (cJSON_IsNumber(v) && !is_multiple(inst->valuedouble, v->valuedouble))
        emit(c, inst, "multipleOf", "value %s is not a multiple of %s",
             fmt_num(a, inst->valuedouble), fmt_num(b, v->valuedouble));
}

static void kw_maximum(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                       const cJSON *inst)
{
    char a[40], b[40];
    if (cJSON_IsNumber(v) && inst->valuedouble > v->valuedouble)
        emit(c, inst, "maximum", "value %s is greater than maximum %s",
             fmt_num(a, inst->valuedouble), fmt_num(b, v->valuedouble));
}

static void kw_exclusiveMaximum(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                                const cJSON *inst)
{
    char a[40], b[40];
    if (cJSON_IsNumber(v) && inst->valuedouble >= v->valuedouble)
        emit(c, inst, "exclusiveMaximum", "value %s is not less than exclusive maximum %s",
             fmt_num(a, inst->valuedouble), fmt_num(b, v->valuedouble));
}

static void kw_minimum(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                       const cJSON *inst)
{
    char a[40], b[40];
    if (cJSON_IsNumber(v) && inst->valuedouble < v->valuedouble)
        emit(c, inst, "minimum", "value %s is less than minimum %s",
             fmt_num(a, inst->valuedouble), fmt_num(b, v->valuedouble));
}

static void kw_exclusiveMinimum(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                                const cJSON *inst)
{
    char a[40], b[40];
    if (cJSON_IsNumber(v) && inst->valuedouble <= v->valuedouble)
        emit(c, inst, "exclusiveMinimum", "value %s is not greater than exclusive minimum %s",
             fmt_num(a, inst->valuedouble), fmt_num(b, v->valuedouble));
}

/* ---- keywords: strings ------------------------------------------------------------- */

static void kw_maxLength(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                         const cJSON *inst)
{
    char a[40];
    size_t n = pl_utf8_count(inst->valuestring, strlen(inst->valuestring));
    if (cJSON_IsNumber(v) && (double)n > v->valuedouble)
        emit(c, inst, "maxLength", "string longer than %s characters (%zu)",
             fmt_num(a, v->valuedouble), n);
}

static void kw_minLength(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                         const cJSON *inst)
{
    char a[40];
    size_t n = pl_utf8_count(inst->valuestring, strlen(inst->valuestring));
    if (cJSON_IsNumber(v) && (double)n < v->valuedouble)
        emit(c, inst, "minLength", "string shorter than %s characters (%zu)",
             fmt_num(a, v->valuedouble), n);
}

/* Compiled (cached) regex for pattern, or NULL after reporting it as a schema defect. */
static const pcre2_code *regex_or_problem(vctx *c, const char *pattern, const cJSON *inst,
                                          const char *kw)
{
    const char *em = "";
    const pcre2_code *re = pl_schema_regex(c->set, pattern, &em);
    if (!re)
        problem(c, inst, kw, "invalid regex \"%s\": %s", pattern, em);
    return re;
}

static void kw_pattern(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                       const cJSON *inst)
{
    if (!cJSON_IsString(v))
        return;
    const pcre2_code *re = regex_or_problem(c, v->valuestring, inst, "pattern");
    if (re && cJSON_IsString(inst) && pl_schema_regex_search(c->set, re, inst->valuestring) != 1)
        emit(c, inst, "pattern", "string does not match pattern \"%s\"", v->valuestring);
}

/* ---- keywords: arrays -------------------------------------------------------------- */

static void kw_items(vctx *c, const cJSON *s, const cJSON *v, const char *base, const cJSON *inst)
{
    size_t i = 0;
    if (cJSON_IsArray(v)) {
        const cJSON *sub = v->child;
        for (const cJSON *el = inst->child; el && sub; el = el->next, sub = sub->next, i++) {
            size_t sl = spush_i(c, i), il = ipush_i(c, i);
            eval_child(c, sub, base, el);
            ipop(c, il);
            spop(c, sl);
        }
        return;
    }
    for (const cJSON *el = inst->child; el; el = el->next, i++) {
        size_t il = ipush_i(c, i);
        eval_child(c, v, base, el);
        ipop(c, il);
    }
}

static void kw_additionalItems(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                               const cJSON *inst)
{
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(s, "items");
    if (!cJSON_IsArray(items))
        return; /* draft-07: additionalItems only applies after an array of items */
    size_t n = (size_t)cJSON_GetArraySize(items), i = 0;
    for (const cJSON *el = inst->child; el; el = el->next, i++) {
        if (i < n)
            continue;
        size_t il = ipush_i(c, i);
        if (cJSON_IsFalse(v)) {
            emit(c, el, "additionalItems", "additional item not allowed (array has %d items, "
                 "at most %zu allowed)", cJSON_GetArraySize(inst), n);
            ipop(c, il);
            return;
        }
        eval_child(c, v, base, el);
        ipop(c, il);
    }
}

static void kw_maxItems(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                        const cJSON *inst)
{
    char a[40];
    int n = cJSON_GetArraySize(inst);
    if (cJSON_IsNumber(v) && n > v->valuedouble)
        emit(c, inst, "maxItems", "array has more than %s items (%d)", fmt_num(a, v->valuedouble), n);
}

static void kw_minItems(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                        const cJSON *inst)
{
    char a[40];
    int n = cJSON_GetArraySize(inst);
    if (cJSON_IsNumber(v) && n < v->valuedouble)
        emit(c, inst, "minItems", "array has fewer than %s items (%d)", fmt_num(a, v->valuedouble), n);
}

static void kw_uniqueItems(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                           const cJSON *inst)
{
    if (!cJSON_IsTrue(v))
        return;
    size_t j = 0;
    for (const cJSON *b = inst->child; b; b = b->next, j++) {
        size_t i = 0;
        for (const cJSON *a = inst->child; a != b; a = a->next, i++) {
            if (json_equal(a, b, 0)) {
                size_t il = ipush_i(c, j);
                emit(c, b, "uniqueItems", "item %zu duplicates item %zu", j, i);
                ipop(c, il);
                return;
            }
        }
    }
}

static void kw_contains(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                        const cJSON *inst)
{
    size_t i = 0;
    for (const cJSON *el = inst->child; el; el = el->next, i++) {
        size_t il = ipush_i(c, i);
        size_t n = eval_child_quiet(c, v, base, el);
        ipop(c, il);
        if (!n)
            return;
    }
    emit(c, inst, "contains", "array has no item matching \"contains\"");
}

/* ---- keywords: objects ------------------------------------------------------------- */

static void kw_maxProperties(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                             const cJSON *inst)
{
    char a[40];
    int n = cJSON_GetArraySize(inst);
    if (cJSON_IsNumber(v) && n > v->valuedouble)
        emit(c, inst, "maxProperties", "object has more than %s properties (%d)",
             fmt_num(a, v->valuedouble), n);
}

static void kw_minProperties(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                             const cJSON *inst)
{
    char a[40];
    int n = cJSON_GetArraySize(inst);
    if (cJSON_IsNumber(v) && n < v->valuedouble)
        emit(c, inst, "minProperties", "object has fewer than %s properties (%d)",
             fmt_num(a, v->valuedouble), n);
}

static void kw_required(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                        const cJSON *inst)
{
    for (const cJSON *r = cJSON_IsArray(v) ? v->child : NULL; r; r = r->next)
        if (cJSON_IsString(r) && !cJSON_GetObjectItemCaseSensitive(inst, r->valuestring))
            emit(c, inst, "required", "missing required property \"%s\"", r->valuestring);
}

static void kw_properties(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                          const cJSON *inst)
{
    for (const cJSON *p = cJSON_IsObject(v) ? v->child : NULL; p; p = p->next) {
        const cJSON *child = cJSON_GetObjectItemCaseSensitive(inst, p->string);
        if (!child)
            continue;
        size_t sl = spush(c, p->string), il = ipush(c, p->string);
        eval_child(c, p, base, child);
        ipop(c, il);
        spop(c, sl);
    }
}

static void kw_patternProperties(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                                 const cJSON *inst)
{
    for (const cJSON *pp = cJSON_IsObject(v) ? v->child : NULL; pp; pp = pp->next) {
        size_t sl = spush(c, pp->string);
        const pcre2_code *re = regex_or_problem(c, pp->string, inst, "patternProperties");
        for (const cJSON *m = (re && cJSON_IsObject(inst)) ? inst->child : NULL; m; m = m->next) {
            if (pl_schema_regex_search(c->set, re, m->string) != 1)
                continue;
            size_t il = ipush(c, m->string);
            eval_child(c, pp, base, m);
            ipop(c, il);
        }
        spop(c, sl);
    }
}

static int matches_any_pattern(vctx *c, const cJSON *pats, const char *name)
{
    for (const cJSON *pp = cJSON_IsObject(pats) ? pats->child : NULL; pp; pp = pp->next) {
        const pcre2_code *re = pl_schema_regex(c->set, pp->string, NULL);
        if (re && pl_schema_regex_search(c->set, re, name) == 1)
            return 1;
    }
    return 0;
}

static void kw_additionalProperties(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                                    const cJSON *inst)
{
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(s, "properties");
    const cJSON *pats = cJSON_GetObjectItemCaseSensitive(s, "patternProperties");
    for (const cJSON *m = inst->child; m; m = m->next) {
        if (cJSON_IsObject(props) && cJSON_GetObjectItemCaseSensitive(props, m->string))
            continue;
        if (matches_any_pattern(c, pats, m->string))
            continue;
        size_t il = ipush(c, m->string);
        if (cJSON_IsFalse(v))
            emit(c, m, "additionalProperties", "additional property \"%s\" not allowed", m->string);
        else
            eval_child(c, v, base, m);
        ipop(c, il);
    }
}

static void kw_dependencies(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                            const cJSON *inst)
{
    for (const cJSON *d = cJSON_IsObject(v) ? v->child : NULL; d; d = d->next) {
        if (!cJSON_GetObjectItemCaseSensitive(inst, d->string))
            continue;
        size_t sl = spush(c, d->string);
        if (cJSON_IsArray(d)) {
            for (const cJSON *r = d->child; r; r = r->next)
                if (cJSON_IsString(r) && !cJSON_GetObjectItemCaseSensitive(inst, r->valuestring))
                    emit(c, inst, "dependencies", "property \"%s\" requires property \"%s\"",
                         d->string, r->valuestring);
        } else {
            eval(c, d, base, inst);
        }
        spop(c, sl);
    }
}

/* Property names are not nodes of the instance: each is validated as a temporary string,
 * and its errors are re-pointed at the member so they still map to a source location. */
static void kw_propertyNames(vctx *c, const cJSON *s, const cJSON *v, const char *base,
                             const cJSON *inst)
{
    for (const cJSON *m = inst->child; m; m = m->next) {
        cJSON *name = cJSON_CreateString(m->string);
        if (!name)
            abort();
        pl_schema_errors sub = PL_SCHEMA_ERRORS_INIT;
        size_t il = ipush(c, m->string);
        size_t np = c->problems.n;
        size_t n = eval_into(c, v, base, name, c->out ? &sub : NULL);
        for (size_t i = np; i < c->problems.n; i++)
            if (c->problems.v[i].instance == name)
                c->problems.v[i].instance = m;
        for (size_t i = 0; i < sub.n; i++) {
            pl_schema_error e = sub.v[i];
            pl_buf msg = PL_BUF_INIT;
            pl_buf_printf(&msg, "property name \"%s\": %s", m->string, e.message);
            free(e.message);
            e.message = pl_buf_take(&msg);
            if (e.instance == name)
                e.instance = m;
            push_error(c->out, e);
        }
        free(sub.v);
        c->nerr += n;
        ipop(c, il);
        cJSON_Delete(name);
    }
}

/* ---- keywords: combinators --------------------------------------------------------- */

static void kw_allOf(vctx *c, const cJSON *s, const cJSON *v, const char *base, const cJSON *inst)
{
    size_t i = 0;
    for (const cJSON *sub = cJSON_IsArray(v) ? v->child : NULL; sub; sub = sub->next, i++) {
        size_t sl = spush_i(c, i);
        eval(c, sub, base, inst);
        spop(c, sl);
    }
}

/* Tries every branch (stopping early when the answer is known); counts the passing ones
 * and keeps the errors of the closest failing one when the caller collects errors. */
static size_t try_branches(vctx *c, const cJSON *v, const char *base, const cJSON *inst,
                           size_t stop_at, size_t pass_idx[2], size_t *best_i,
                           pl_schema_errors *best)
{
    size_t passes = 0, i = 0, best_score = (size_t)-1;
    for (const cJSON *sub = v->child; sub; sub = sub->next, i++) {
        pl_schema_errors e = PL_SCHEMA_ERRORS_INIT;
        size_t sl = spush_i(c, i);
        size_t n = eval_into(c, sub, base, inst, c->out ? &e : NULL);
        spop(c, sl);
        if (!n) {
            if (passes < 2)
                pass_idx[passes] = i;
            pl_schema_errors_free(&e);
            if (++passes >= stop_at)
                break;
            continue;
        }
        size_t score = branch_score(c, &e);
        if (c->out && score < best_score) {
            pl_schema_errors_free(best);
            *best = e;
            *best_i = i;
            best_score = score;
        } else {
            pl_schema_errors_free(&e);
        }
    }
    return passes;
}

static void kw_anyOf(vctx *c, const cJSON *s, const cJSON *v, const char *base, const cJSON *inst)
{
    if (!cJSON_IsArray(v))
        return;
    pl_schema_errors best = PL_SCHEMA_ERRORS_INIT;
    size_t pass_idx[2], best_i = 0;
    if (try_branches(c, v, base, inst, 1, pass_idx, &best_i, &best)) {
        pl_schema_errors_free(&best);
        return;
    }
    emit_composite(c, inst, "anyOf", (size_t)cJSON_GetArraySize(v), best_i, &best);
}

static void kw_oneOf(vctx *c, const cJSON *s, const cJSON *v, const char *base, const cJSON *inst)
{
    if (!cJSON_IsArray(v))
        return;
    pl_schema_errors best = PL_SCHEMA_ERRORS_INIT;
    size_t pass_idx[2], best_i = 0;
    size_t passes = try_branches(c, v, base, inst, 2, pass_idx, &best_i, &best);
    if (passes == 1) {
        pl_schema_errors_free(&best);
    } else if (passes == 0) {
        emit_composite(c, inst, "oneOf", (size_t)cJSON_GetArraySize(v), best_i, &best);
    } else {
        pl_schema_errors_free(&best);
        emit(c, inst, "oneOf", "matches more than one of the %d alternatives (%zu and %zu)",
             cJSON_GetArraySize(v), pass_idx[0], pass_idx[1]);
    }
}

static void kw_not(vctx *c, const cJSON *s, const cJSON *v, const char *base, const cJSON *inst)
{
    if (!eval_into(c, v, base, inst, NULL))
        emit(c, inst, "not", "value must not match the \"not\" schema");
}

static void kw_if(vctx *c, const cJSON *s, const cJSON *v, const char *base, const cJSON *inst)
{
    size_t kb = c->kwbase;
    const char *next = eval_into(c, v, base, inst, NULL) ? "else" : "then";
    const cJSON *branch = cJSON_GetObjectItemCaseSensitive(s, next);
    if (!branch)
        return;
    spop(c, kb);
    spush(c, next);
    eval(c, branch, base, inst);
}

/* ---- dispatch ---------------------------------------------------------------------- */

static const struct {
    const char *name;
    int types; /* instance types the keyword applies to; 0 = all */
    kw_fn fn;
} keywords[] = {
    {"type", 0, kw_type},
    {"enum", 0, kw_enum},
    {"const", 0, kw_const},
    {"multipleOf", T_NUM, kw_multipleOf},
    {"maximum", T_NUM, kw_maximum},
    {"exclusiveMaximum", T_NUM, kw_exclusiveMaximum},
    {"minimum", T_NUM, kw_minimum},
    {"exclusiveMinimum", T_NUM, kw_exclusiveMinimum},
    {"maxLength", T_STR, kw_maxLength},
    {"minLength", T_STR, kw_minLength},
    {"pattern", 0, kw_pattern}, /* any type, so a bad regex is always reported */
    {"items", T_ARR, kw_items},
    {"additionalItems", T_ARR, kw_additionalItems},
    {"maxItems", T_ARR, kw_maxItems},
    {"minItems", T_ARR, kw_minItems},
    {"uniqueItems", T_ARR, kw_uniqueItems},
    {"contains", T_ARR, kw_contains},
    {"maxProperties", T_OBJ, kw_maxProperties},
    {"minProperties", T_OBJ, kw_minProperties},
    {"required", T_OBJ, kw_required},
    {"properties", T_OBJ, kw_properties},
    {"patternProperties", 0, kw_patternProperties},
    {"additionalProperties", T_OBJ, kw_additionalProperties},
    {"dependencies", T_OBJ, kw_dependencies},
    {"propertyNames", T_OBJ, kw_propertyNames},
    {"allOf", 0, kw_allOf},
    {"anyOf", 0, kw_anyOf},
    {"oneOf", 0, kw_oneOf},
    {"not", 0, kw_not},
    {"if", 0, kw_if},
};

static int find_keyword(const char *name)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (!strcmp(keywords[i].name, name))
            return (int)i;
    return -1;
}

static int ref_active(const vctx *c, const cJSON *target, const cJSON *inst)
{
    for (size_t i = 0; i < c->nrefs; i++)
        if (c->refs[i].schema == target && c->refs[i].inst == inst)
            return 1;
    return 0;
}

/* $ref: every sibling keyword is ignored (draft-07). Re-entering the same target for the
 * same instance node can only recurse forever, so it is reported as a cycle. */
static void eval_ref(vctx *c, const cJSON *ref, const char *base, const cJSON *inst)
{
    size_t sl = spush(c, "$ref");
    const cJSON *target;
    const char *tbase;
    pl_buf err = PL_BUF_INIT;
    if (pl_schema_resolve_ref(c->set, c->tmp, base, ref->valuestring, &target, &tbase, &err) < 0) {
        problem(c, inst, "$ref", "cannot resolve \"%s\": %s", ref->valuestring, err.data);
    } else if (ref_active(c, target, inst)) {
        problem(c, inst, "$ref", "$ref cycle: \"%s\" is entered again without descending "
                "into the instance", ref->valuestring);
    } else {
        if (c->nrefs == c->caprefs) {
            c->caprefs = c->caprefs ? c->caprefs * 2 : 16;
            c->refs = pl_xrealloc(c->refs, c->caprefs * sizeof *c->refs);
        }
        c->refs[c->nrefs++] = (ref_frame){target, inst};
        eval(c, target, tbase, inst);
        c->nrefs--;
    }
    pl_buf_free(&err);
    spop(c, sl);
}

static void eval(vctx *c, const cJSON *s, const char *base, const cJSON *inst)
{
    if (cJSON_IsBool(s)) {
        if (cJSON_IsFalse(s))
            emit(c, inst, "false", "no value allowed here (schema is false)");
        return;
    }
    if (!cJSON_IsObject(s))
        return; /* not a schema; pl_schema_check() reports it */
    if (c->evaldepth >= PL_SCHEMA_MAX_EVAL_DEPTH) {
        problem(c, inst, "depth", "schema evaluation nested deeper than %d levels",
                PL_SCHEMA_MAX_EVAL_DEPTH);
        return;
    }
    c->evaldepth++;
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(s, "$ref");
    if (cJSON_IsString(ref)) {
        eval_ref(c, ref, base, inst);
    } else {
        const char *b = pl_schema_base_of(c->set, c->tmp, s);
        if (b)
            base = b;
        int t = type_bit(inst);
        for (const cJSON *m = s->child; m; m = m->next) {
            int k = find_keyword(m->string);
            if (k < 0 || (keywords[k].types && !(keywords[k].types & t)))
                continue;
            size_t sl = c->kwbase = spush(c, m->string);
            keywords[k].fn(c, s, m, base, inst);
            spop(c, sl);
        }
    }
    c->evaldepth--;
}

/* ---- entry point ------------------------------------------------------------------- */

int pl_schema_validate(pl_schema_set *set, const cJSON *schema, const cJSON *instance,
                       pl_schema_errors *out)
{
    vctx c;
    memset(&c, 0, sizeof c);
    c.set = set;
    c.out = out;
    pl_buf_puts(&c.ipath, "");
    pl_buf_puts(&c.spath, "");
    pl_schema_index tmp;
    pl_schema_index_init(&tmp);
    const char *base = schema ? pl_schema_locate(set, schema) : NULL;
    if (!schema || !instance) {
        problem(&c, instance, "$ref", "no %s to validate", schema ? "instance" : "schema");
    } else if (!base) {
        pl_buf err = PL_BUF_INIT;
        if (pl_schema_index_doc(&tmp, schema, "", &err) < 0) {
            problem(&c, instance, "depth", "%s", err.data);
        } else {
            c.tmp = &tmp;
            base = pl_schema_base_of(set, &tmp, schema);
        }
        pl_buf_free(&err);
    }
    if (base && instance)
        eval(&c, schema, base, instance);
    int rc = c.problems.n ? -1 : c.nerr ? 0 : 1;
    if (out) {
        for (size_t i = 0; i < c.problems.n; i++)
            push_error(out, c.problems.v[i]); /* ownership moves to out */
        free(c.problems.v);
    } else {
        pl_schema_errors_free(&c.problems);
    }
    pl_buf_free(&c.ipath);
    pl_buf_free(&c.spath);
    free(c.refs);
    pl_schema_index_free(&tmp);
    return rc;
}
