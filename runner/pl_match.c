/* pl_match.c — scenario matchers and ${variable} interpolation (see pl_match.h and
 * docs/scenarios.md, "Matchers").
 *
 * A match walks pattern and value together. The first mismatch found (depth first, in
 * pattern order) is the one reported (JSON pointer + reason); the walk still visits every
 * pattern leaf so that score/total can rank near misses. Operators are one table: each
 * has a run function (match time) and a check function (load time). $not, $any, $in and
 * $json match their sub-patterns in a scratch state whose captures are merged into the
 * caller's only when that sub-match is the one that counts; nothing reaches ctx->captures
 * unless the whole match succeeds. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "runner/pl_match.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "core/pl_buf.h"
#include "core/pl_crypto.h"
#include "core/pl_json.h"
#include "core/pl_utf8.h"

#define PL_MATCH_SHOW 80 /* longest value text quoted in a reason */

typedef struct {
    const pl_match_ctx *ctx;
    cJSON *caps;    /* pending captures (owned); committed on success */
    int failed;     /* path/reason hold the first mismatch */
    int score;      /* pattern leaves matched so far */
    size_t plen;    /* length of the current path in cur */
    char cur[256];  /* JSON pointer of the value being matched */
    char path[256]; /* first mismatch */
    char reason[384];
} pl_match_st;

static int pl_match_at(pl_match_st *st, const cJSON *p, const cJSON *v);

/* ---- small helpers --------------------------------------------------------------------- */

/* Compact JSON of v, shortened to about PL_MATCH_SHOW bytes ("…" marks a cut). */
static void pl_match_show(const cJSON *v, char *out, size_t n)
{
    if (!v) {
        snprintf(out, n, "nothing");
        return;
    }
    char *s = cJSON_PrintUnformatted(v);
    if (!s) {
        snprintf(out, n, "?");
        return;
    }
    size_t len = strlen(s), max = n - 4 < PL_MATCH_SHOW ? n - 4 : PL_MATCH_SHOW;
    if (len > max) {
        while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
            max--; /* do not cut a UTF-8 sequence */
        snprintf(out, n, "%.*s…", (int)max, s);
    } else {
        snprintf(out, n, "%s", s);
    }
    free(s);
}

static const char *pl_match_type_name(const cJSON *v)
{
    if (!v)
        return "missing";
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsNumber(v))
        return v->valuedouble == floor(v->valuedouble) && isfinite(v->valuedouble) ? "integer"
                                                                                   : "number";
    if (cJSON_IsBool(v))
        return "boolean";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsArray(v))
        return "array";
    return "object";
}

static void pl_match_fail(pl_match_st *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void pl_match_fail(pl_match_st *st, const char *fmt, ...)
{
    if (st->failed)
        return;
    st->failed = 1;
    snprintf(st->path, sizeof st->path, "%.*s", (int)st->plen, st->cur);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->reason, sizeof st->reason, fmt, ap);
    va_end(ap);
}

/* Appends "/seg" (RFC 6901 escaped) to the current path; returns the length to restore. */
static size_t pl_match_push(pl_match_st *st, const char *seg)
{
    size_t old = st->plen, n = st->plen;
    char tmp[256];
    size_t t = 0;
    tmp[t++] = '/';
    for (const char *s = seg; *s && t + 2 < sizeof tmp; s++) {
        if (*s == '~' || *s == '/') {
            tmp[t++] = '~';
            tmp[t++] = *s == '~' ? '0' : '1';
        } else {
            tmp[t++] = *s;
        }
    }
    if (n + t < sizeof st->cur) {
        memcpy(st->cur + n, tmp, t);
        st->plen = n + t;
        st->cur[st->plen] = '\0';
    }
    return old;
}

static void pl_match_pop(pl_match_st *st, size_t old)
{
    st->plen = old;
    st->cur[old] = '\0';
}

static void pl_match_st_init(pl_match_st *st, const pl_match_ctx *ctx)
{
    memset(st, 0, sizeof *st);
    st->ctx = ctx;
    st->caps = cJSON_CreateObject();
}

static void pl_match_st_free(pl_match_st *st)
{
    cJSON_Delete(st->caps);
    st->caps = NULL;
}

/* Stores (replacing) name = copy of v in obj. */
static void pl_match_put(cJSON *obj, const char *name, const cJSON *v)
{
    cJSON *copy = cJSON_Duplicate(v, 1);
    if (cJSON_GetObjectItemCaseSensitive(obj, name))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, name, copy);
    else
        cJSON_AddItemToObject(obj, name, copy);
}

static void pl_match_merge_caps(cJSON *into, const cJSON *from)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, from) pl_match_put(into, c->string, c);
}

/* Matches p against v in a scratch state whose path starts at the caller's current path.
 * The caller reads sub->ok-ness from the return value and frees sub. */
static int pl_match_sub(pl_match_st *st, pl_match_st *sub, const cJSON *p, const cJSON *v)
{
    pl_match_st_init(sub, st->ctx);
    memcpy(sub->cur, st->cur, st->plen + 1);
    sub->plen = st->plen;
    return pl_match_at(sub, p, v);
}

/* 1 when every key of object o starts with '$' (and there is one), -1 when '$' keys and
 * plain keys are mixed, 0 otherwise. */
static int pl_match_is_ops(const cJSON *o)
{
    int ops = 0, plain = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, o)
    {
        if (m->string && m->string[0] == '$')
            ops++;
        else
            plain++;
    }
    return ops && plain ? -1 : ops > 0;
}

static int pl_match_literal_equal(const cJSON *a, const cJSON *b)
{
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
        return a->valuedouble == b->valuedouble;
    if (cJSON_IsString(a) && cJSON_IsString(b))
        return strcmp(a->valuestring, b->valuestring) == 0;
    if (cJSON_IsBool(a) && cJSON_IsBool(b))
        return cJSON_IsTrue(a) == cJSON_IsTrue(b);
    return cJSON_IsNull(a) && cJSON_IsNull(b);
}

/* ---- operators: match time ----------------------------------------------------------- */

typedef int (*pl_match_run_fn)(pl_match_st *st, const cJSON *arg, const cJSON *v);
typedef int (*pl_match_check_fn)(const cJSON *arg, const cJSON **bad, char *err, size_t errlen);

/* The common "this operator needs a value" failure. */
static int pl_match_need_value(pl_match_st *st, const cJSON *v)
{
    if (v)
        return 1;
    pl_match_fail(st, "missing");
    return 0;
}

static int pl_match_run_exists(pl_match_st *st, const cJSON *arg, const cJSON *v)
{
    char shown[128];
    if (cJSON_IsTrue(arg))
        return pl_match_need_value(st, v);
    if (!v)
        return 1;
    pl_match_show(v, shown, sizeof shown);
    pl_match_fail(st, "expected no member, got %s", shown);
    return 0;
}

static int pl_match_type_is(const cJSON *v, const char *name)
{
    const char *t = pl_match_type_name(v);
    if (strcmp(name, "number") == 0)
        return cJSON_IsNumber(v);
    return strcmp(t, name) == 0;
}

static int pl_match_run_type(pl_match_st *st, const cJSON *arg, const cJSON *v)
{
    if (!pl_match_need_value(st, v))
        return 0;
    pl_buf want = PL_BUF_INIT;
    int ok = 0;
    if (cJSON_IsString(arg)) {
        ok = pl_match_type_is(v, arg->valuestring);
        pl_buf_puts(&want, arg->valuestring);
    } else {
        int i = 0, n = cJSON_GetArraySize(arg);
        const cJSON *t;
        cJSON_ArrayForEach(t, arg)
        {
            if (cJSON_IsString(t) && pl_match_type_is(v, t->valuestring))
                ok = 1;
            pl_buf_printf(&want, "%s%s",
                          i == 0       ? ""
                          : i + 1 == n ? " or "
                                       : ", ",
                          cJSON_IsString(t) ? t->valuestring : "?");
            i++;
        }
    }
    if (!ok) {
        char shown[128];
        pl_match_show(v, shown, sizeof shown);
        pl_match_fail(st, "expected type %s, got %s %s", want.data ? want.data : "?",
                      pl_match_type_name(v), shown);
    }
    pl_buf_free(&want);
    return ok;
}

/* Compiles a $regex argument; NULL with the PCRE2 message in err. Caller frees. */
static pcre2_code *pl_match_regex_compile(const char *re, char *err, size_t errlen)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
                                  PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
    if (!c) {
        PCRE2_UCHAR msg[200];
        pcre2_get_error_message(code, msg, sizeof msg);
        pl_buf b = {0};
        pl_buf_printf(&b, "%s at offset %zu", (const char *)msg, (size_t)off);
        snprintf(err, errlen, "%s", b.data);
        pl_buf_free(&b);
    }
    return c;
}

static int pl_match_run_regex(pl_match_st *st, const cJSON *arg, const cJSON *v)
{
    char shown[128], err[256];
    if (!pl_match_need_value(st, v))
        return 0;
    if (!cJSON_IsString(v)) {
        pl_match_show(v, shown, sizeof shown);
        pl_match_fail(st, "expected a string matching /%s/, got %s", arg->valuestring, shown);
        return 0;
    }
    pcre2_code *re = pl_match_regex_compile(arg->valuestring, err, sizeof err);
    if (!re) {
        pl_match_fail(st, "bad regex /%s/: %s", arg->valuestring, err);
        return 0;
    }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    int rc = pcre2_match(re, (PCRE2_SPTR)v->valuestring, strlen(v->valuestring), 0, 0, md, NULL);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    if (rc >= 0)
        return 1;
    pl_match_show(v, shown, sizeof shown);
    pl_match_fail(st, "%s does not match /%s/", shown, arg->valuestring);
    return 0;
}

/* Pattern leaves: a literal or an operator object is one; an object or array pattern is
 * the sum of its members (one when empty). */
static int pl_match_leaves(const cJSON *p)
{
    if (cJSON_IsObject(p) && pl_match_is_ops(p) != 0)
        return 1;
    if (!cJSON_IsObject(p) && !cJSON_IsArray(p))
        return 1;
    int n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, p) n += pl_match_leaves(c);
    return n ? n : 1;
}

/* "at /x: reason", "missing /x" or just the reason (at the caller's own path). */
static void pl_match_describe(const pl_match_st *sub, const char *base, char *out, size_t n)
{
    pl_buf b = {0};
    if (strcmp(sub->path, base) == 0)
        pl_buf_puts(&b, sub->reason);
    else if (strcmp(sub->reason, "missing") == 0)
        pl_buf_printf(&b, "missing %s", sub->path);
    else
        pl_buf_printf(&b, "at %s: %s", sub->path, sub->reason);
    snprintf(out, n, "%s", b.data ? b.data : "");
    pl_buf_free(&b);
}

/* $in and $any: tries each alternative on v. The first that matches gives its captures
 * and 1. Otherwise 0, with the closest alternative's index in *best and its mismatch in
 * closest. */
static int pl_match_alternatives(pl_match_st *st, const cJSON *arg, const cJSON *v, int *best,
                                 char *closest, size_t clen)
{
    int i = 0;
    double best_ratio = -1;
    const cJSON *alt;
    *best = -1;
    closest[0] = '\0';
    cJSON_ArrayForEach(alt, arg)
    {
        pl_match_st sub;
        if (pl_match_sub(st, &sub, alt, v)) {
            pl_match_merge_caps(st->caps, sub.caps);
            pl_match_st_free(&sub);
            return 1;
        }
        double ratio = (double)sub.score / pl_match_leaves(alt);
        if (ratio > best_ratio) {
            best_ratio = ratio;
            *best = i;
            pl_match_describe(&sub, st->cur, closest, clen);
        }
        pl_match_st_free(&sub);
        i++;
    }
    return 0;
}

static int pl_match_run_in(pl_match_st *st, const cJSON *arg, const cJSON *v)
{
    int best;
    char closest[384], shown[128], list[128];
    if (pl_match_alternatives(st, arg, v, &best, closest, sizeof closest))
        return 1;
    pl_match_show(v, shown, sizeof shown);
    pl_match_show(arg, list, sizeof list);
    if (!v)
        pl_match_fail(st, "missing");
    else
        pl_match_fail(st, "expected one of %s, got %s", list, shown);
    return 0;
}

static int pl_match_run_any(pl_match_st *st, const cJSON *arg, const cJSON *v)
{
    int best;
    char closest[384];
    if (pl_match_alternatives(st, arg, v, &best, closest, sizeof closest))
        return 1;
    pl_match_fail(st, "matches none of the %d alternatives of $any (closest, #%d: %s)",
                  cJSON_GetArraySize(arg), best + 1, closest);
    return 0;
}

static int pl_match_compare(pl_match_st *st, const cJSON *arg, const cJSON *v, const char *op)
{
    char shown[128];
    if (!pl_match_need_value(st, v))
        return 0;
    double a = arg->valuedouble;
    if (!cJSON_IsNumber(v)) {
        pl_match_show(v, shown, sizeof shown);
        pl_match_fail(st, "expected a number %s %g, got %s", op, a, shown);
        return 0;
    }
    double x = v->valuedouble;
    int ok = op[0] == '>' ? (op[1] ? x >= a : x > a) : (op[1] ? x <= a : x < a);
    if (!ok)
        pl_match_fail(st, "expected %s %g, got %g", op, a, x);
    return ok;
}

static int pl_match_run_gt(pl_match_st *st, const cJSON *arg, const cJSON *v)
{
    return pl_match_compare(st, arg, v, ">");
}

static int pl_match_run_gte(pl_match_st *st, const cJSON *arg, const cJSON *v)
{
    return pl_match_compare(st, arg, v, ">=");
}

static int pl_match_run_lt(pl_match_st *st, const cJSON *arg, const cJSON *v)
{
    return pl_match_compare(st, arg, v, "<");
}

static int pl_match_run_lte(pl_match_st *st, const cJSON *arg, const cJSON *v)
{
    return pl_match_compare(st, arg, v, "<=");
}

/* Code points of a string, elements of an array, members of an object; -1 otherwise. */
static double pl_match_length(const cJSON *v)
{
    if (cJSON_IsString(v))
        return (double)pl_utf8_count(v->valuestring, strlen(v->valuestring));
    if (cJSON_IsArray(v) || cJSON_IsObject(v))
        return cJSON_GetArraySize(v);
    return -1;
}

static int pl_match_run_len(pl_match_st *st, const cJSON *arg, const cJSON *v)
{
    char shown[128];
    if (!pl_match_need_value(st, v))
        return 0;
    double len = pl_match_length(v);
    if (len < 0) {
        pl_match_show(v, shown, sizeof shown);
        pl_match_fail(st, "expected a string, array or object for $len, got %s", shown);
        return 0;
    }
    if (cJSON_IsNumber(arg)) {
        if (len == arg->valuedouble)
            return 1;
        pl_match_fail(st, "expected length %g, got %g", arg->valuedouble, len);
        return 0;
    }
    cJSON *n = cJSON_CreateNumber(len);
    pl_match_st sub;
    int ok = pl_match_sub(st, &sub, arg, n);
    if (!ok)
        pl_match_fail(st, "length %g: %s", len, sub.reason);
    pl_match_st_free(&sub);
    cJSON_Delete(n);
    return ok;
}

static int pl_match_run_b64(pl_match_st *st, const cJSON *arg, const cJSON *v)
{
    char shown[128];
    if (!pl_match_need_value(st, v))
        return 0;
    if (!cJSON_IsString(v)) {
        pl_match_show(v, shown, sizeof shown);
        pl_match_fail(st, "expected a base64 string, got %s", shown);
        return 0;
    }
    size_t slen = strlen(v->valuestring), n = 0;
    unsigned char *bytes = pl_crypto_base64_decode(v->valuestring, slen, &n);
    if (!bytes) {
        pl_match_show(v, shown, sizeof shown);
        pl_match_fail(st, "not valid base64 (%zu characters): %s", slen, shown);
        return 0;
    }
    free(bytes);
    if ((double)n <= arg->valuedouble)
        return 1;
    pl_match_fail(st, "base64 decodes to %zu bytes, more than %g", n, arg->valuedouble);
    return 0;
}

static int pl_match_run_json(pl_match_st *st, const cJSON *arg, const cJSON *v)
{
    char shown[128], err[256], why[384];
    if (!pl_match_need_value(st, v))
        return 0;
    if (!cJSON_IsString(v)) {
        pl_match_show(v, shown, sizeof shown);
        pl_match_fail(st, "expected a string holding JSON, got %s", shown);
        return 0;
    }
    cJSON *doc = pl_json_parse("text", v->valuestring, strlen(v->valuestring), err, sizeof err);
    if (!doc) {
        pl_match_show(v, shown, sizeof shown);
        pl_match_fail(st, "string is not valid JSON (%s): %s", err, shown);
        return 0;
    }
    pl_match_st sub;
    pl_match_st_init(&sub, st->ctx);
    int ok = pl_match_at(&sub, arg, doc);
    if (ok) {
        pl_match_merge_caps(st->caps, sub.caps);
    } else {
        pl_match_describe(&sub, "", why, sizeof why);
        pl_match_fail(st, "in its JSON: %s", why);
    }
    pl_match_st_free(&sub);
    cJSON_Delete(doc);
    return ok;
}

static int pl_match_run_not(pl_match_st *st, const cJSON *arg, const cJSON *v)
{
    char shown[128], pat[128];
    pl_match_st sub;
    int ok = pl_match_sub(st, &sub, arg, v); /* its captures are dropped */
    pl_match_st_free(&sub);
    if (!ok)
        return 1;
    pl_match_show(arg, pat, sizeof pat);
    pl_match_show(v, shown, sizeof shown);
    pl_match_fail(st, "expected no match for %s, got %s", pat, shown);
    return 0;
}

static int pl_match_run_schema(pl_match_st *st, const cJSON *arg, const cJSON *v)
{
    char err[256];
    pl_schema_set *set = st->ctx->schemas;
    if (!pl_match_need_value(st, v))
        return 0;
    if (!set) {
        pl_match_fail(st, "$schema: no schema set to validate with");
        return 0;
    }
    const cJSON *schema = arg;
    const char *label = cJSON_IsString(arg) ? arg->valuestring : "(inline)";
    if (cJSON_IsString(arg) &&
        !(schema = pl_schema_set_load(set, arg->valuestring, err, sizeof err))) {
        pl_match_fail(st, "$schema: cannot load %s: %s", label, err);
        return 0;
    }
    pl_schema_errors errs = PL_SCHEMA_ERRORS_INIT;
    int rc = pl_schema_validate(set, schema, v, &errs);
    if (rc != 1) {
        const pl_schema_error *e = errs.n ? &errs.v[0] : NULL;
        pl_match_fail(st, "%s schema %s: %s%s%s%s", rc < 0 ? "broken" : "does not match", label,
                      e && e->instance_path[0] ? e->instance_path : "",
                      e && e->instance_path[0] ? ": " : "", e ? e->message : "invalid",
                      errs.n > 1 ? " (and more)" : "");
    }
    pl_schema_errors_free(&errs);
    return rc == 1;
}

static int pl_match_run_capture(pl_match_st *st, const cJSON *arg, const cJSON *v)
{
    if (!pl_match_need_value(st, v))
        return 0;
    pl_match_put(st->caps, arg->valuestring, v);
    return 1;
}

/* ---- operators: load-time checks ------------------------------------------------------ */

static int pl_match_check_node(const cJSON *p, const cJSON **bad, char *err, size_t errlen);

/* "${name}" as the whole string: its type is only known once expanded, so at load time
 * (deep checks) it passes wherever a number, list or flag is needed. */
static int pl_match_is_template(const cJSON *arg)
{
    if (!cJSON_IsString(arg))
        return 0;
    const char *s = arg->valuestring;
    size_t n = strlen(s);
    return n > 3 && s[0] == '$' && s[1] == '{' && strchr(s, '}') == s + n - 1;
}

static int pl_match_bad(const cJSON *arg, const cJSON **bad, char *err, size_t errlen,
                        const char *need)
{
    char shown[128];
    pl_match_show(arg, shown, sizeof shown);
    snprintf(err, errlen, "%s needs %s, got %s", arg->string, need, shown);
    *bad = arg;
    return -1;
}

static int pl_match_check_exists(const cJSON *arg, int deep, const cJSON **bad, char *err,
                                 size_t errlen)
{
    if (cJSON_IsBool(arg) || (deep && pl_match_is_template(arg)))
        return 0;
    return pl_match_bad(arg, bad, err, errlen, "true or false");
}

static const char *const pl_match_types[] = {"string", "number", "integer", "boolean",
                                             "object", "array",  "null",    NULL};

static int pl_match_type_known(const cJSON *t)
{
    for (size_t i = 0; cJSON_IsString(t) && pl_match_types[i]; i++)
        if (strcmp(t->valuestring, pl_match_types[i]) == 0)
            return 1;
    return 0;
}

static int pl_match_check_type(const cJSON *arg, int deep, const cJSON **bad, char *err,
                               size_t errlen)
{
    const char *need = "a type name (string, number, integer, boolean, object, array, null) or "
                       "a list of them";
    if ((deep && pl_match_is_template(arg)) || pl_match_type_known(arg))
        return 0;
    if (!cJSON_IsArray(arg) || !arg->child)
        return pl_match_bad(arg, bad, err, errlen, need);
    const cJSON *t;
    cJSON_ArrayForEach(t, arg) if (!pl_match_type_known(t)) return pl_match_bad(arg, bad, err,
                                                                                errlen, need);
    return 0;
}

static int pl_match_check_regex(const cJSON *arg, int deep, const cJSON **bad, char *err,
                                size_t errlen)
{
    char why[256];
    if (!cJSON_IsString(arg))
        return pl_match_bad(arg, bad, err, errlen, "a regular expression string");
    if (!deep || strstr(arg->valuestring, "${"))
        return 0; /* a template is compiled once expanded */
    pcre2_code *re = pl_match_regex_compile(arg->valuestring, why, sizeof why);
    if (re) {
        pcre2_code_free(re);
        return 0;
    }
    snprintf(err, errlen, "$regex /%s/ does not compile: %s", arg->valuestring, why);
    *bad = arg;
    return -1;
}

static int pl_match_check_list(const cJSON *arg, int deep, const cJSON **bad, char *err,
                               size_t errlen)
{
    if (deep && pl_match_is_template(arg))
        return 0;
    if (!cJSON_IsArray(arg) || !arg->child)
        return pl_match_bad(arg, bad, err, errlen, "a non-empty list of patterns");
    const cJSON *c;
    cJSON_ArrayForEach(c, arg) if (deep && pl_match_check_node(c, bad, err, errlen)) return -1;
    return 0;
}

static int pl_match_check_number(const cJSON *arg, int deep, const cJSON **bad, char *err,
                                 size_t errlen)
{
    if (cJSON_IsNumber(arg) || (deep && pl_match_is_template(arg)))
        return 0;
    return pl_match_bad(arg, bad, err, errlen, "a number");
}

static int pl_match_check_size(const cJSON *arg, int deep, const cJSON **bad, char *err,
                               size_t errlen)
{
    if ((cJSON_IsNumber(arg) && arg->valuedouble >= 0) || (deep && pl_match_is_template(arg)))
        return 0;
    return pl_match_bad(arg, bad, err, errlen, "a number >= 0");
}

static int pl_match_check_len(const cJSON *arg, int deep, const cJSON **bad, char *err,
                              size_t errlen)
{
    if (cJSON_IsObject(arg) && pl_match_is_ops(arg) > 0)
        return deep ? pl_match_check_node(arg, bad, err, errlen) : 0;
    return pl_match_check_size(arg, deep, bad, err, errlen) == 0
               ? 0
               : pl_match_bad(arg, bad, err, errlen,
                              "a number >= 0 or an operator object such as {$lte: 10}");
}

static int pl_match_check_sub(const cJSON *arg, int deep, const cJSON **bad, char *err,
                              size_t errlen)
{
    return deep ? pl_match_check_node(arg, bad, err, errlen) : 0;
}

static int pl_match_check_schema(const cJSON *arg, int deep, const cJSON **bad, char *err,
                                 size_t errlen)
{
    if ((cJSON_IsString(arg) && arg->valuestring[0]) || cJSON_IsObject(arg) || cJSON_IsBool(arg))
        return 0;
    return pl_match_bad(arg, bad, err, errlen,
                        "a schema path (such as \"aicall/1105.json\") or an inline schema");
}

static int pl_match_is_name(const char *s)
{
    if (!(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return 0;
    for (s++; *s; s++)
        if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

static int pl_match_check_capture(const cJSON *arg, int deep, const cJSON **bad, char *err,
                                  size_t errlen)
{
    if (cJSON_IsString(arg) && pl_match_is_name(arg->valuestring))
        return 0;
    return pl_match_bad(arg, bad, err, errlen,
                        "a variable name (letters, digits and _, not starting with a digit)");
}

/* ---- the operator table --------------------------------------------------------------- */

typedef int (*pl_match_chk_fn)(const cJSON *arg, int deep, const cJSON **bad, char *err,
                               size_t errlen);

typedef struct {
    const char *name;
    pl_match_run_fn run;
    pl_match_chk_fn check; /* deep: also sub-patterns and regex compilation */
} pl_match_op;

static const pl_match_op pl_match_ops[] = {
    {"$exists", pl_match_run_exists, pl_match_check_exists},
    {"$type", pl_match_run_type, pl_match_check_type},
    {"$regex", pl_match_run_regex, pl_match_check_regex},
    {"$in", pl_match_run_in, pl_match_check_list},
    {"$gt", pl_match_run_gt, pl_match_check_number},
    {"$gte", pl_match_run_gte, pl_match_check_number},
    {"$lt", pl_match_run_lt, pl_match_check_number},
    {"$lte", pl_match_run_lte, pl_match_check_number},
    {"$len", pl_match_run_len, pl_match_check_len},
    {"$base64_max_bytes", pl_match_run_b64, pl_match_check_size},
    {"$json", pl_match_run_json, pl_match_check_sub},
    {"$not", pl_match_run_not, pl_match_check_sub},
    {"$any", pl_match_run_any, pl_match_check_list},
    {"$schema", pl_match_run_schema, pl_match_check_schema},
    {"$capture", pl_match_run_capture, pl_match_check_capture},
};
#define PL_MATCH_NOPS (sizeof pl_match_ops / sizeof pl_match_ops[0])

static const pl_match_op *pl_match_op_find(const char *name)
{
    for (size_t i = 0; i < PL_MATCH_NOPS; i++)
        if (strcmp(pl_match_ops[i].name, name) == 0)
            return &pl_match_ops[i];
    return NULL;
}

static void pl_match_unknown_op(const char *name, char *err, size_t errlen)
{
    pl_buf b = PL_BUF_INIT;
    pl_buf_printf(&b, "unknown operator '%s' (known:", name);
    for (size_t i = 0; i < PL_MATCH_NOPS; i++)
        pl_buf_printf(&b, "%s %s", i ? "," : "", pl_match_ops[i].name);
    pl_buf_putc(&b, ')');
    snprintf(err, errlen, "%s", b.data);
    pl_buf_free(&b);
}

/* ---- the walk --------------------------------------------------------------------------- */

static int pl_match_run_ops(pl_match_st *st, const cJSON *p, const cJSON *v)
{
    int ok = 1;
    const cJSON *m, *bad;
    char err[384];
    cJSON_ArrayForEach(m, p)
    {
        const pl_match_op *op = pl_match_op_find(m->string);
        if (!op) {
            pl_match_fail(st, "bad matcher: unknown operator '%s'", m->string);
            ok = 0;
        } else if (op->check(m, 0, &bad, err, sizeof err)) {
            pl_match_fail(st, "bad matcher: %s", err);
            ok = 0;
        } else if (!op->run(st, m, v)) {
            ok = 0;
        }
    }
    if (ok)
        st->score++;
    return ok;
}

static int pl_match_object(pl_match_st *st, const cJSON *p, const cJSON *v)
{
    char shown[128];
    if (!pl_match_need_value(st, v))
        return 0;
    if (!cJSON_IsObject(v)) {
        pl_match_show(v, shown, sizeof shown);
        pl_match_fail(st, "expected an object, got %s", shown);
        return 0;
    }
    if (!p->child) {
        st->score++;
        return 1;
    }
    int ok = 1;
    const cJSON *m;
    cJSON_ArrayForEach(m, p)
    {
        size_t mark = pl_match_push(st, m->string);
        if (!pl_match_at(st, m, cJSON_GetObjectItemCaseSensitive(v, m->string)))
            ok = 0;
        pl_match_pop(st, mark);
    }
    return ok;
}

static int pl_match_array(pl_match_st *st, const cJSON *p, const cJSON *v)
{
    char shown[128], idx[24];
    if (!pl_match_need_value(st, v))
        return 0;
    if (!cJSON_IsArray(v)) {
        pl_match_show(v, shown, sizeof shown);
        pl_match_fail(st, "expected an array, got %s", shown);
        return 0;
    }
    int np = cJSON_GetArraySize(p), nv = cJSON_GetArraySize(v), ok = np == nv;
    if (!ok)
        pl_match_fail(st, "expected %d element%s, got %d", np, np == 1 ? "" : "s", nv);
    if (np == 0) {
        st->score += ok;
        return ok;
    }
    const cJSON *pe = p->child, *ve = v->child;
    for (int i = 0; pe; i++, pe = pe->next, ve = ve ? ve->next : NULL) {
        snprintf(idx, sizeof idx, "%d", i);
        size_t mark = pl_match_push(st, idx);
        if (!pl_match_at(st, pe, ve))
            ok = 0;
        pl_match_pop(st, mark);
    }
    return ok;
}

static int pl_match_literal(pl_match_st *st, const cJSON *p, const cJSON *v)
{
    char want[128], got[128];
    if (!pl_match_need_value(st, v))
        return 0;
    if (pl_match_literal_equal(p, v)) {
        st->score++;
        return 1;
    }
    pl_match_show(p, want, sizeof want);
    pl_match_show(v, got, sizeof got);
    pl_match_fail(st, "expected %s, got %s", want, got);
    return 0;
}

static int pl_match_at(pl_match_st *st, const cJSON *p, const cJSON *v)
{
    if (cJSON_IsObject(p)) {
        int kind = pl_match_is_ops(p);
        if (kind < 0) {
            pl_match_fail(st, "bad matcher: '$' operators and plain keys mixed in one object");
            return 0;
        }
        return kind ? pl_match_run_ops(st, p, v) : pl_match_object(st, p, v);
    }
    if (cJSON_IsArray(p))
        return pl_match_array(st, p, v);
    return pl_match_literal(st, p, v);
}

int pl_match(const pl_match_ctx *ctx, const cJSON *pattern, const cJSON *value,
             pl_match_result *res)
{
    pl_match_ctx none = {NULL, NULL};
    pl_match_st st;
    pl_match_st_init(&st, ctx ? ctx : &none);
    int ok = pl_match_at(&st, pattern, value);
    memset(res, 0, sizeof *res);
    res->ok = ok;
    res->score = st.score;
    res->total = pl_match_leaves(pattern);
    if (!ok) {
        snprintf(res->path, sizeof res->path, "%s", st.path);
        snprintf(res->reason, sizeof res->reason, "%s", st.reason);
    } else if (ctx && ctx->captures) {
        pl_match_merge_caps(ctx->captures, st.caps);
    }
    pl_match_st_free(&st);
    return ok;
}

/* ---- pl_match_check --------------------------------------------------------------------- */

static int pl_match_check_node(const cJSON *p, const cJSON **bad, char *err, size_t errlen)
{
    const cJSON *m;
    if (cJSON_IsArray(p)) {
        cJSON_ArrayForEach(m, p) if (pl_match_check_node(m, bad, err, errlen)) return -1;
        return 0;
    }
    if (!cJSON_IsObject(p))
        return 0;
    int kind = pl_match_is_ops(p);
    if (kind < 0) {
        int first_op = p->child->string[0] == '$';
        cJSON_ArrayForEach(m, p) if ((m->string[0] == '$') != first_op) break;
        snprintf(err, errlen,
                 "'%s' and '%s' in one object: an object holds either members to match or "
                 "$operators, not both",
                 p->child->string, m->string);
        *bad = m;
        return -1;
    }
    cJSON_ArrayForEach(m, p)
    {
        if (!kind) {
            if (pl_match_check_node(m, bad, err, errlen))
                return -1;
            continue;
        }
        const pl_match_op *op = pl_match_op_find(m->string);
        if (!op) {
            pl_match_unknown_op(m->string, err, errlen);
            *bad = m;
            return -1;
        }
        if (op->check(m, 1, bad, err, errlen))
            return -1;
    }
    return 0;
}

int pl_match_check(const cJSON *pattern, const cJSON **bad, char *err, size_t errlen)
{
    const cJSON *dummy;
    if (!bad)
        bad = &dummy;
    *bad = NULL;
    if (errlen)
        err[0] = '\0';
    return pl_match_check_node(pattern, bad, err, errlen);
}

/* ---- names ------------------------------------------------------------------------------ */

static void pl_match_add_name(cJSON *names, const char *s, size_t n)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, names) if (cJSON_IsString(c) && strlen(c->valuestring) == n &&
                                     strncmp(c->valuestring, s, n) == 0) return;
    char *copy = pl_xstrndup(s, n);
    cJSON_AddItemToArray(names, cJSON_CreateString(copy));
    free(copy);
}

void pl_match_capture_names(const cJSON *pattern, cJSON *names)
{
    const cJSON *c;
    if (cJSON_IsObject(pattern) && pl_match_is_ops(pattern) > 0) {
        const cJSON *cap = cJSON_GetObjectItemCaseSensitive(pattern, "$capture");
        if (cJSON_IsString(cap))
            pl_match_add_name(names, cap->valuestring, strlen(cap->valuestring));
    }
    cJSON_ArrayForEach(c, pattern) pl_match_capture_names(c, names);
}

/* Next ${…} in s at or after *pos: 1 with the inner text at s[*a, *b) and *pos after the
 * '}'; 0 when there is none; -1 for a "${" without '}'. "$${" is skipped (a literal). */
static int pl_match_next_ref(const char *s, size_t *pos, size_t *a, size_t *b)
{
    for (size_t i = *pos; s[i]; i++) {
        if (s[i] == '$' && s[i + 1] == '$' && s[i + 2] == '{') {
            i += 2;
            continue;
        }
        if (s[i] != '$' || s[i + 1] != '{')
            continue;
        const char *end = strchr(s + i + 2, '}');
        if (!end)
            return -1;
        *a = i + 2;
        *b = (size_t)(end - s);
        *pos = *b + 1;
        return 1;
    }
    return 0;
}

void pl_match_var_refs(const cJSON *tmpl, cJSON *names)
{
    if (cJSON_IsString(tmpl)) {
        size_t pos = 0, a, b;
        while (pl_match_next_ref(tmpl->valuestring, &pos, &a, &b) == 1) {
            size_t n = 0;
            while (a + n < b && tmpl->valuestring[a + n] != '.')
                n++;
            pl_match_add_name(names, tmpl->valuestring + a, n);
        }
        return;
    }
    const cJSON *c;
    cJSON_ArrayForEach(c, tmpl) pl_match_var_refs(c, names);
}

/* ---- expansion -------------------------------------------------------------------------- */

static int pl_match_is_index(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* The value a reference "a.b.0" names in vars, or NULL. */
static const cJSON *pl_match_lookup(const cJSON *vars, const char *ref, size_t n)
{
    char *copy = pl_xstrndup(ref, n), *save = NULL;
    const cJSON *cur = vars;
    int first = 1;
    if (n == 0 || copy[0] == '.' || copy[n - 1] == '.' || strstr(copy, ".."))
        cur = NULL;
    for (char *seg = strtok_r(copy, ".", &save); seg && cur; seg = strtok_r(NULL, ".", &save)) {
        if (cJSON_IsObject(cur))
            cur = cJSON_GetObjectItemCaseSensitive(cur, seg);
        else if (!first && cJSON_IsArray(cur) && pl_match_is_index(seg) && strlen(seg) < 10)
            cur = cJSON_GetArrayItem(cur, atoi(seg));
        else
            cur = NULL;
        first = 0;
    }
    free(copy);
    return cur;
}

static cJSON *pl_match_expand_string(const char *s, const cJSON *vars, char *err, size_t errlen)
{
    size_t pos = 0, a, b;
    int r = pl_match_next_ref(s, &pos, &a, &b);
    if (r == 1 && a == 2 && s[b + 1] == '\0') { /* exactly "${x}": keeps the JSON type */
        const cJSON *v = pl_match_lookup(vars, s + a, b - a);
        if (!v) {
            snprintf(err, errlen, "undefined variable '%.*s'", (int)(b - a), s + a);
            return NULL;
        }
        return cJSON_Duplicate(v, 1);
    }
    pl_buf out = PL_BUF_INIT;
    pl_buf_puts(&out, "");
    for (size_t i = 0; s[i];) {
        if (s[i] == '$' && s[i + 1] == '$' && s[i + 2] == '{') {
            pl_buf_puts(&out, "${");
            i += 3;
            continue;
        }
        if (s[i] != '$' || s[i + 1] != '{') {
            pl_buf_putc(&out, s[i++]);
            continue;
        }
        pos = i;
        if (pl_match_next_ref(s, &pos, &a, &b) != 1) {
            snprintf(err, errlen, "unterminated ${ in \"%s\"", s);
            pl_buf_free(&out);
            return NULL;
        }
        const cJSON *v = pl_match_lookup(vars, s + a, b - a);
        if (!v) {
            snprintf(err, errlen, "undefined variable '%.*s'", (int)(b - a), s + a);
            pl_buf_free(&out);
            return NULL;
        }
        if (cJSON_IsString(v)) {
            pl_buf_puts(&out, v->valuestring);
        } else {
            char *text = cJSON_PrintUnformatted(v);
            pl_buf_puts(&out, text ? text : "");
            free(text);
        }
        i = pos;
    }
    cJSON *res = cJSON_CreateString(out.data);
    pl_buf_free(&out);
    return res;
}

static cJSON *pl_match_expand_node(const cJSON *t, const cJSON *vars, char *err, size_t errlen)
{
    if (cJSON_IsString(t))
        return pl_match_expand_string(t->valuestring, vars, err, errlen);
    if (!cJSON_IsArray(t) && !cJSON_IsObject(t))
        return cJSON_Duplicate(t, 1);
    cJSON *out = cJSON_IsArray(t) ? cJSON_CreateArray() : cJSON_CreateObject();
    const cJSON *c;
    cJSON_ArrayForEach(c, t)
    {
        cJSON *e = pl_match_expand_node(c, vars, err, errlen);
        if (!e) {
            cJSON_Delete(out);
            return NULL;
        }
        if (cJSON_IsArray(t))
            cJSON_AddItemToArray(out, e);
        else
            cJSON_AddItemToObject(out, c->string, e);
    }
    return out;
}

cJSON *pl_match_expand(const cJSON *tmpl, const cJSON *vars, char *err, size_t errlen)
{
    if (!tmpl) {
        snprintf(err, errlen, "nothing to expand");
        return NULL;
    }
    if (errlen)
        err[0] = '\0';
    return pl_match_expand_node(tmpl, vars, err, errlen);
}
