/* pl_profile.c — the mock's behaviour profile (see pl_profile.h, docs/profile.md).
 *
 * Loading is four passes over one YAML document (core/pl_yaml, which keeps the line:col of
 * every node): the draft-07 schema (schemas/profile.schema.json) checks the shape, then the
 * loader checks what a schema cannot: limits (sizes such as "64KiB" and their ranges),
 * behaviour names against the dialect's table (mock/pl_dialect.h), durations. The first
 * problem becomes "file:line:col: /json/pointer: message". Last, on/off strings of flags are
 * normalised to booleans and the profile takes the cJSON tree; the accessors read it. */
#include "mock/pl_profile.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "core/pl_clock.h"
#include "core/pl_yaml.h"
#include "mock/pl_dialect.h"
#include "schemas/pl_schema.h"

#define PL_PROFILE_SCHEMA "profile.schema.json"
#define PL_PROFILE_BUILTIN "(built-in)"
#define KIB ((size_t)1024)
#define MIB (KIB * 1024)
#define GIB (MIB * 1024)
#define PL_PROFILE_MAX_US 9e18 /* what pl_clock_parse_duration accepts */

struct pl_profile {
    char *path; /* NULL for the built-in profile */
    cJSON *doc; /* the whole profile (owned); NULL for the built-in one */
    pl_profile_limits limits;
};

/* ---- limits: one table for defaults, ranges and parsing ------------------------------ */

typedef struct {
    const char *key;
    size_t offset; /* into pl_profile_limits */
    int is_size;   /* 1: bytes, "64KiB" allowed; 0: a plain count */
    size_t dflt, min, max;
} pl_profile_limit_info;

static const pl_profile_limit_info pl_profile_limit_table[] = {
    {"max_message", offsetof(pl_profile_limits, max_message), 1, MIB, KIB, 64 * MIB},
    {"max_sessions", offsetof(pl_profile_limits, max_sessions), 0, 4096, 1, 100000},
    {"journal", offsetof(pl_profile_limits, journal), 0, 2000, 10, 1000000},
    {"findings", offsetof(pl_profile_limits, findings), 0, 1000, 1, 1000000},
    {"out_queue", offsetof(pl_profile_limits, out_queue), 1, 8 * MIB, 64 * KIB, GIB},
    {"max_http_body", offsetof(pl_profile_limits, max_http_body), 1, MIB, KIB, 64 * MIB},
    {"retired", offsetof(pl_profile_limits, retired), 0, 1024, 0, 100000},
};
#define PL_PROFILE_NLIMITS (sizeof pl_profile_limit_table / sizeof pl_profile_limit_table[0])

static size_t *pl_profile_limit_slot(pl_profile_limits *l, const pl_profile_limit_info *li)
{
    return (size_t *)(void *)((char *)l + li->offset);
}

static void pl_profile_limits_default(pl_profile_limits *l)
{
    for (size_t i = 0; i < PL_PROFILE_NLIMITS; i++)
        *pl_profile_limit_slot(l, &pl_profile_limit_table[i]) = pl_profile_limit_table[i].dflt;
}

static const pl_profile_limit_info *pl_profile_limit_find(const char *key)
{
    for (size_t i = 0; i < PL_PROFILE_NLIMITS; i++)
        if (strcmp(pl_profile_limit_table[i].key, key) == 0)
            return &pl_profile_limit_table[i];
    return NULL;
}

/* ---- sizes --------------------------------------------------------------------------- */

typedef struct {
    const char *unit;
    size_t mul;
} pl_profile_unit;

static const pl_profile_unit pl_profile_units[] = {
    {"", 1},      {"B", 1},     {"KiB", KIB},    {"MiB", MIB},
    {"GiB", GIB}, {"KB", 1000}, {"MB", 1000000}, {"GB", 1000000000},
};

int pl_profile_parse_size(const char *s, size_t *out)
{
    if (!s || !out || !isdigit((unsigned char)*s))
        return -1;
    size_t v = 0;
    for (; isdigit((unsigned char)*s); s++) {
        size_t d = (size_t)(*s - '0');
        if (v > (SIZE_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    for (size_t i = 0; i < sizeof pl_profile_units / sizeof pl_profile_units[0]; i++) {
        if (strcmp(s, pl_profile_units[i].unit) != 0)
            continue;
        if (v > SIZE_MAX / pl_profile_units[i].mul)
            return -1;
        *out = v * pl_profile_units[i].mul;
        return 0;
    }
    return -1;
}

/* "64MiB" when n is a whole number of KiB/MiB/GiB, else the digits. */
static void pl_profile_fmt_size(size_t n, char *out, size_t len)
{
    static const char *const units[] = {"GiB", "MiB", "KiB"};
    size_t mul = GIB;
    for (size_t i = 0; i < 3; i++, mul /= 1024)
        if (n >= mul && n % mul == 0) {
            snprintf(out, len, "%zu%s", n / mul, units[i]);
            return;
        }
    snprintf(out, len, "%zu", n);
}

/* ---- flags and durations ------------------------------------------------------------- */

/* 1/0 for true/false and the strings on/off, true/false, yes/no; -1 otherwise. */
static int pl_profile_flag(const cJSON *v)
{
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v);
    if (!cJSON_IsString(v))
        return -1;
    static const char *const on[] = {"on", "true", "yes"}, *const off[] = {"off", "false", "no"};
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(v->valuestring, on[i]) == 0)
            return 1;
        if (strcmp(v->valuestring, off[i]) == 0)
            return 0;
    }
    return -1;
}

/* A timing value (number of seconds or duration string) in microseconds: 0, or -1. */
static int pl_profile_duration_value(const cJSON *v, int64_t *us)
{
    if (cJSON_IsString(v))
        return pl_clock_parse_duration(v->valuestring, us);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 ||
        v->valuedouble * 1e6 > PL_PROFILE_MAX_US)
        return -1;
    *us = (int64_t)llround(v->valuedouble * 1e6);
    return 0;
}

/* ---- errors -------------------------------------------------------------------------- */

/* "file:line:col: message" at the node's key (at_key) or value position. */
static void pl_profile_fail(char *err, size_t errlen, const pl_yaml_doc *doc, const cJSON *node,
                            int at_key, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void pl_profile_fail(char *err, size_t errlen, const pl_yaml_doc *doc, const cJSON *node,
                            int at_key, const char *fmt, ...)
{
    pl_yaml_error e;
    memset(&e, 0, sizeof e);
    snprintf(e.file, sizeof e.file, "%s", pl_yaml_name(doc));
    if (node && !(at_key && pl_yaml_key_pos(doc, node, &e.line, &e.col) == 0) &&
        pl_yaml_pos(doc, node, &e.line, &e.col) != 0)
        e.line = e.col = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    if (err && errlen)
        pl_yaml_error_format(&e, err, errlen);
}

static void pl_profile_fail_plain(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void pl_profile_fail_plain(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- pass 1: the schema -------------------------------------------------------------- */

/* Unknown keys and bad key names are reported at the key, everything else at the value. */
static int pl_profile_error_at_key(const pl_schema_error *e)
{
    return strcmp(e->keyword, "additionalProperties") == 0 ||
           strstr(e->schema_path, "/propertyNames") != NULL;
}

static int pl_profile_error_pos(const pl_yaml_doc *doc, const pl_schema_error *e, int *line,
                                int *col)
{
    const cJSON *node = e->instance ? e->instance : pl_yaml_at_pointer(doc, e->instance_path);
    if (!node)
        return -1;
    if (pl_profile_error_at_key(e) && pl_yaml_key_pos(doc, node, line, col) == 0)
        return 0;
    return pl_yaml_pos(doc, node, line, col);
}

/* The keys allowed where an unknown one was found, when that place is one of ours. */
static void pl_profile_hint(const pl_schema_error *e, pl_buf *out)
{
    if (strcmp(e->keyword, "additionalProperties") != 0)
        return;
    const char *p = e->instance_path;
    if (p[0] == '/' && !strchr(p + 1, '/')) {
        pl_buf_puts(out, " (expected limits, aicall, bailian, trtc, volc or description)");
    } else if (strncmp(p, "/limits/", 8) == 0) {
        pl_buf_puts(out, " (expected");
        for (size_t i = 0; i < PL_PROFILE_NLIMITS; i++)
            pl_buf_printf(out, "%s %s", i ? (i + 1 == PL_PROFILE_NLIMITS ? " or" : ",") : "",
                          pl_profile_limit_table[i].key);
        pl_buf_putc(out, ')');
    } else if (strstr(p, "/replies/")) {
        pl_buf_puts(out, " (expected mode or texts)");
    }
}

/* Reports the error that comes first in the file. */
static void pl_profile_report_schema(const pl_yaml_doc *doc, const pl_schema_errors *errs,
                                     char *err, size_t errlen)
{
    size_t best = 0;
    int bl = 0, bc = 0, have = 0;
    for (size_t i = 0; i < errs->n; i++) {
        int l, c;
        if (pl_profile_error_pos(doc, &errs->v[i], &l, &c) != 0)
            continue;
        if (!have || l < bl || (l == bl && c < bc)) {
            best = i;
            bl = l;
            bc = c;
            have = 1;
        }
    }
    const pl_schema_error *e = &errs->v[best];
    pl_buf m = PL_BUF_INIT;
    pl_buf_printf(&m, "%s: %s", e->instance_path[0] ? e->instance_path : "(root)", e->message);
    pl_profile_hint(e, &m);
    pl_yaml_error ye;
    memset(&ye, 0, sizeof ye);
    snprintf(ye.file, sizeof ye.file, "%s", pl_yaml_name(doc));
    if (have) {
        ye.line = bl;
        ye.col = bc;
    }
    snprintf(ye.message, sizeof ye.message, "%s", m.data);
    pl_buf_free(&m);
    if (err && errlen)
        pl_yaml_error_format(&ye, err, errlen);
}

static int pl_profile_check_schema(const pl_yaml_doc *doc, const char *schema_root, char *err,
                                   size_t errlen)
{
    char msg[1024];
    pl_schema_set *set = pl_schema_set_new(schema_root);
    const cJSON *schema = pl_schema_set_load(set, PL_PROFILE_SCHEMA, msg, sizeof msg);
    if (!schema) {
        pl_profile_fail_plain(err, errlen, "%s: profile schema: %s", pl_yaml_name(doc), msg);
        pl_schema_set_free(set);
        return -1;
    }
    pl_schema_errors errs = PL_SCHEMA_ERRORS_INIT;
    int v = pl_schema_validate(set, schema, pl_yaml_root(doc), &errs);
    if (v == -1) {
        char *m = errs.n ? pl_schema_error_format(&errs.v[0]) : NULL;
        pl_profile_fail_plain(err, errlen, "%s: profile schema is broken: %s", pl_yaml_name(doc),
                              m ? m : "?");
        free(m);
    } else if (v == 0 && errs.n) {
        pl_profile_report_schema(doc, &errs, err, errlen);
    } else if (v == 0) {
        pl_profile_fail_plain(err, errlen, "%s: does not match the profile schema",
                              pl_yaml_name(doc));
    }
    pl_schema_errors_free(&errs);
    pl_schema_set_free(set);
    return v == 1 ? 0 : -1;
}

/* ---- pass 2: limits ------------------------------------------------------------------ */

static int pl_profile_limit_value(const pl_yaml_doc *doc, const cJSON *m,
                                  const pl_profile_limit_info *li, size_t *out, char *err,
                                  size_t errlen)
{
    if (cJSON_IsString(m)) {
        if (pl_profile_parse_size(m->valuestring, out) == 0)
            return 0;
        pl_profile_fail(err, errlen, doc, m, 0,
                        "/limits/%s: bad size \"%s\": expected digits with an optional unit "
                        "KiB, MiB, GiB (1024-based) or KB, MB, GB (1000-based), e.g. \"64KiB\"",
                        li->key, m->valuestring);
        return -1;
    }
    double d = m->valuedouble; /* the schema made it a non-negative integer */
    if (d > (double)li->max) {
        *out = SIZE_MAX;
        return 0;
    }
    *out = (size_t)d;
    return 0;
}

static int pl_profile_check_limits(pl_profile *p, const pl_yaml_doc *doc, char *err, size_t errlen)
{
    const cJSON *limits = cJSON_GetObjectItemCaseSensitive(pl_yaml_root(doc), "limits");
    for (const cJSON *m = limits ? limits->child : NULL; m; m = m->next) {
        const pl_profile_limit_info *li = pl_profile_limit_find(m->string);
        size_t v;
        if (!li) { /* the schema lets none through; kept in step with it here */
            pl_profile_fail(err, errlen, doc, m, 1, "/limits/%s: unknown limit", m->string);
            return -1;
        }
        if (pl_profile_limit_value(doc, m, li, &v, err, errlen))
            return -1;
        if (v < li->min || v > li->max) {
            char given[64], lo[32], hi[32];
            if (cJSON_IsString(m))
                snprintf(given, sizeof given, "\"%s\"", m->valuestring);
            else
                snprintf(given, sizeof given, "%.17g", m->valuedouble);
            if (li->is_size) {
                pl_profile_fmt_size(li->min, lo, sizeof lo);
                pl_profile_fmt_size(li->max, hi, sizeof hi);
            } else {
                snprintf(lo, sizeof lo, "%zu", li->min);
                snprintf(hi, sizeof hi, "%zu", li->max);
            }
            pl_profile_fail(err, errlen, doc, m, 0, "/limits/%s: %s is out of range %s..%s",
                            li->key, given, lo, hi);
            return -1;
        }
        *pl_profile_limit_slot(&p->limits, li) = v;
    }
    return 0;
}

/* ---- pass 3: dialect sections -------------------------------------------------------- */

static int pl_profile_is_section(const char *key)
{
    return strcmp(key, "limits") != 0 && strcmp(key, "$schema") != 0 &&
           strcmp(key, "description") != 0;
}

static int pl_profile_check_behaviour(const pl_yaml_doc *doc, const cJSON *section, char *err,
                                      size_t errlen)
{
    const pl_dialect *d = pl_dialect_find(section->string);
    if (!d || !pl_dialect_live(d) || !d->behaviours)
        return 0; /* the dialect does not publish its names (yet): any name goes */
    const cJSON *bh = cJSON_GetObjectItemCaseSensitive(section, "behaviour");
    for (const cJSON *m = bh ? bh->child : NULL; m; m = m->next) {
        if (pl_dialect_behaviour(d, m->string))
            continue;
        pl_buf known = PL_BUF_INIT;
        for (const pl_behaviour_info *b = d->behaviours; b->name; b++)
            pl_buf_printf(&known, "%s%s", known.len ? ", " : "", b->name);
        pl_profile_fail(err, errlen, doc, m, 1,
                        "/%s/behaviour/%s: unknown behaviour \"%s\" of %s (known: %s)",
                        section->string, m->string, m->string, section->string,
                        known.len ? known.data : "none");
        pl_buf_free(&known);
        return -1;
    }
    return 0;
}

static int pl_profile_check_timing(const pl_yaml_doc *doc, const cJSON *section, char *err,
                                   size_t errlen)
{
    const cJSON *timing = cJSON_GetObjectItemCaseSensitive(section, "timing");
    for (const cJSON *m = timing ? timing->child : NULL; m; m = m->next) {
        int64_t us;
        if (pl_profile_duration_value(m, &us) == 0)
            continue;
        if (cJSON_IsString(m))
            pl_profile_fail(err, errlen, doc, m, 0,
                            "/%s/timing/%s: bad duration \"%s\": expected a number of seconds "
                            "or a number with us, ms, s, m, min or h, e.g. \"500ms\", \"1.5s\"",
                            section->string, m->string, m->valuestring);
        else
            pl_profile_fail(err, errlen, doc, m, 0, "/%s/timing/%s: duration out of range",
                            section->string, m->string);
        return -1;
    }
    return 0;
}

static int pl_profile_check_sections(const pl_yaml_doc *doc, char *err, size_t errlen)
{
    for (const cJSON *s = pl_yaml_root(doc)->child; s; s = s->next) {
        if (!pl_profile_is_section(s->string))
            continue;
        if (pl_profile_check_behaviour(doc, s, err, errlen) ||
            pl_profile_check_timing(doc, s, err, errlen))
            return -1;
    }
    return 0;
}

/* ---- pass 4: normalise flags to booleans --------------------------------------------- */

static void pl_profile_normalise_flag(cJSON *parent, cJSON *item)
{
    int f = pl_profile_flag(item);
    if (!cJSON_IsString(item) || f < 0)
        return;
    char *key = pl_xstrdup(item->string); /* item and its key die in the replacement */
    cJSON *b = cJSON_CreateBool(f);
    if (!b || !cJSON_ReplaceItemInObjectCaseSensitive(parent, key, b))
        abort(); /* out of memory, as pl_buf does */
    free(key);
}

static void pl_profile_normalise(cJSON *doc)
{
    for (cJSON *s = doc->child; s; s = s->next) {
        if (!pl_profile_is_section(s->string))
            continue;
        cJSON *ptt = cJSON_GetObjectItemCaseSensitive(s, "push_to_talk");
        if (ptt)
            pl_profile_normalise_flag(s, ptt);
        cJSON *bh = cJSON_GetObjectItemCaseSensitive(s, "behaviour");
        for (cJSON *m = bh ? bh->child : NULL, *next; m; m = next) {
            next = m->next;
            pl_profile_normalise_flag(bh, m);
        }
    }
}

/* ---- life cycle ---------------------------------------------------------------------- */

pl_profile *pl_profile_new_default(void)
{
    pl_profile *p = pl_xcalloc(1, sizeof *p);
    pl_profile_limits_default(&p->limits);
    return p;
}

pl_profile *pl_profile_load(const char *path, const char *schema_root, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!path) {
        pl_profile_fail_plain(err, errlen, "no profile file given");
        return NULL;
    }
    pl_yaml_error ye;
    pl_yaml_doc *doc = pl_yaml_load_file(path, &ye);
    if (!doc) {
        if (err && errlen)
            pl_yaml_error_format(&ye, err, errlen);
        return NULL;
    }
    pl_profile *p = pl_profile_new_default();
    if (pl_profile_check_schema(doc, schema_root, err, errlen) ||
        pl_profile_check_limits(p, doc, err, errlen) ||
        pl_profile_check_sections(doc, err, errlen)) {
        pl_yaml_free(doc);
        pl_profile_free(p);
        return NULL;
    }
    p->path = pl_xstrdup(path);
    p->doc = pl_yaml_detach_root(doc);
    pl_yaml_free(doc);
    pl_profile_normalise(p->doc);
    return p;
}

void pl_profile_free(pl_profile *p)
{
    if (!p)
        return;
    cJSON_Delete(p->doc);
    free(p->path);
    free(p);
}

/* ---- accessors ----------------------------------------------------------------------- */

const char *pl_profile_path(const pl_profile *p)
{
    return p && p->path ? p->path : PL_PROFILE_BUILTIN;
}

const pl_profile_limits *pl_profile_limits_get(const pl_profile *p)
{
    return &p->limits;
}

const cJSON *pl_profile_section(const pl_profile *p, const char *dialect)
{
    if (!p || !p->doc || !dialect || !pl_profile_is_section(dialect))
        return NULL;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(p->doc, dialect);
    return cJSON_IsObject(s) ? s : NULL;
}

/* section.<group>.<key>, or NULL. */
static const cJSON *pl_profile_member(const pl_profile *p, const char *dialect, const char *group,
                                      const char *key)
{
    const cJSON *s = pl_profile_section(p, dialect);
    if (s && group)
        s = cJSON_GetObjectItemCaseSensitive(s, group);
    return cJSON_IsObject(s) && key ? cJSON_GetObjectItemCaseSensitive(s, key) : NULL;
}

int pl_profile_behaviour(const pl_profile *p, const char *dialect, const char *name, int dflt)
{
    int f = pl_profile_flag(pl_profile_member(p, dialect, "behaviour", name));
    return f < 0 ? dflt : f;
}

int64_t pl_profile_duration(const pl_profile *p, const char *dialect, const char *key, int64_t dflt)
{
    int64_t us;
    const cJSON *v = pl_profile_member(p, dialect, "timing", key);
    return v && pl_profile_duration_value(v, &us) == 0 ? us : dflt;
}

const char *pl_profile_string(const pl_profile *p, const char *dialect, const char *key,
                              const char *dflt)
{
    const cJSON *v = pl_profile_member(p, dialect, NULL, key);
    return cJSON_IsString(v) ? v->valuestring : dflt;
}

int pl_profile_bool(const pl_profile *p, const char *dialect, const char *key, int dflt)
{
    int f = pl_profile_flag(pl_profile_member(p, dialect, NULL, key));
    return f < 0 ? dflt : f;
}

double pl_profile_number(const pl_profile *p, const char *dialect, const char *key, double dflt)
{
    const cJSON *v = pl_profile_member(p, dialect, NULL, key);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* The n-th string of a JSON array, cycling; NULL when it holds no strings. */
static const char *pl_profile_cycle(const cJSON *list, unsigned n)
{
    size_t count = 0;
    for (const cJSON *x = cJSON_IsArray(list) ? list->child : NULL; x; x = x->next)
        count += cJSON_IsString(x);
    if (!count)
        return NULL;
    size_t want = n % count;
    for (const cJSON *x = list->child; x; x = x->next)
        if (cJSON_IsString(x) && want-- == 0)
            return x->valuestring;
    return NULL;
}

const char *pl_profile_reply(const pl_profile *p, const char *dialect, unsigned n,
                             const char *user_text, const char *const *dflt_texts)
{
    const cJSON *mode = pl_profile_member(p, dialect, "replies", "mode");
    if (user_text && cJSON_IsString(mode) && strcmp(mode->valuestring, "echo") == 0)
        return user_text;
    const char *t = pl_profile_cycle(pl_profile_member(p, dialect, "replies", "texts"), n);
    if (t || !dflt_texts)
        return t;
    size_t count = 0;
    while (dflt_texts[count])
        count++;
    return count ? dflt_texts[n % count] : NULL;
}

const char *pl_profile_list_item(const pl_profile *p, const char *dialect, const char *key,
                                 unsigned n, const char *dflt)
{
    const char *t = pl_profile_cycle(pl_profile_member(p, dialect, NULL, key), n);
    return t ? t : dflt;
}
