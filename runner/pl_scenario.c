/* pl_scenario.c — scenario files: the set, loading files and folders, scenario keys,
 * matrix expansion, ids (see pl_scenario.h, docs/scenarios.md).
 *
 * A file is loaded in one pass that reports everything it finds:
 *   YAML (core/pl_yaml) → per scenario: schemas/scenario.schema.json (each error at its
 *   node), the scenario keys, the steps (pl_scenario_steps.c), ${…} references, the
 *   matrix → instances, unique ids.
 * The file's errors are then sorted by position; a schema error is dropped when the
 * loader said something about the same node or step (its message is the clearer one).
 * Only a file without errors adds its scenarios to the set. */
#include "runner/pl_scenario.h"
#include "runner/pl_scenario_int.h"

#include <dirent.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/pl_buf.h"
#include "core/pl_json.h"
#include "mock/pl_dialect.h"
#include "runner/pl_match.h"
#include "schemas/pl_schema.h"

#define PL_SCENARIO_SCHEMA "scenario.schema.json"
#define PL_SCENARIO_MAX_COMBOS 10000 /* matrix instances of one scenario */
#define PL_SCENARIO_MAX_DEPTH 32     /* folder nesting */

struct pl_scenario_set {
    pl_schema_set *schemas;
    const cJSON *schema; /* #/definitions/scenario (borrowed from schemas) */
    pl_scenario **v;
    size_t n, cap;
    char **errs;
    size_t nerr, errcap;
};

static const char *const pl_scenario_builtins[] = {
    "session", "scenario", "room", "user", "agent", "run", "seed", "parley_url", "endpoints", NULL};

static const char *const pl_scenario_keys[] = {
    "id",          "title",           "dialect",        "role",    "target", "connect", "level",
    "requirement", "source",          "tags",           "timeout", "matrix", "vars",
    "behaviour",   "expect_findings", "allow_findings", "steps",   NULL};

/* ---- small shared helpers ------------------------------------------------------------- */

const char *pl_scenario_show(const cJSON *v, char *buf, size_t len)
{
    char *s = v ? cJSON_PrintUnformatted(v) : NULL;
    if (!s) {
        snprintf(buf, len, "nothing");
        return buf;
    }
    size_t n = strlen(s), max = len > 64 ? 60 : len - 4;
    if (n > max) {
        while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
            max--;
        snprintf(buf, len, "%.*s…", (int)max, s);
    } else {
        snprintf(buf, len, "%s", s);
    }
    free(s);
    return buf;
}

const char *pl_scenario_type_name(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsArray(v))
        return "a list";
    if (cJSON_IsObject(v))
        return "a mapping";
    return "null";
}

int pl_scenario_is_varname(const char *s)
{
    if (!s || !(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
        return 0;
    for (s++; *s; s++)
        if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

static void pl_scenario_list(pl_buf *b, const char *const *names)
{
    for (const char *const *p = names; *p; p++)
        pl_buf_printf(b, "%s%s", p == names ? "" : ", ", *p);
}

/* ---- errors ---------------------------------------------------------------------------- */

static void pl_scenario_ld_push(pl_scenario_ld *ld, int line, int col, int from_schema,
                                const cJSON *node, const char *msg)
{
    if (ld->nerr == ld->cap) {
        ld->cap = ld->cap ? ld->cap * 2 : 16;
        ld->errs = pl_xrealloc(ld->errs, ld->cap * sizeof *ld->errs);
    }
    pl_buf t = PL_BUF_INIT;
    if (line > 0)
        pl_buf_printf(&t, "%s:%d:%d: %s", pl_yaml_name(ld->doc), line, col, msg);
    else
        pl_buf_printf(&t, "%s: %s", pl_yaml_name(ld->doc), msg);
    pl_scenario_err *e = &ld->errs[ld->nerr];
    e->line = line;
    e->col = col;
    e->from_schema = from_schema;
    e->node = node;
    e->step = from_schema ? NULL : ld->step;
    e->seq = ld->nerr;
    e->text = pl_buf_take(&t);
    ld->nerr++;
}

static void pl_scenario_node_pos(const pl_scenario_ld *ld, const cJSON *node, int at_key, int *line,
                                 int *col)
{
    *line = *col = 0;
    if (!node)
        return;
    if (at_key && pl_yaml_key_pos(ld->doc, node, line, col) == 0)
        return;
    pl_yaml_pos(ld->doc, node, line, col);
}

void pl_scenario_ld_error(pl_scenario_ld *ld, const cJSON *node, int at_key, const char *fmt, ...)
{
    int line, col;
    pl_scenario_node_pos(ld, node, at_key, &line, &col);
    pl_buf m = PL_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pl_buf_vprintf(&m, fmt, ap);
    va_end(ap);
    pl_scenario_ld_push(ld, line, col, 0, node, m.data);
    pl_buf_free(&m);
}

static void pl_scenario_set_error_add(pl_scenario_set *set, char *text)
{
    if (set->nerr == set->errcap) {
        set->errcap = set->errcap ? set->errcap * 2 : 16;
        set->errs = pl_xrealloc(set->errs, set->errcap * sizeof *set->errs);
    }
    set->errs[set->nerr++] = text;
}

static void pl_scenario_set_errorf(pl_scenario_set *set, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void pl_scenario_set_errorf(pl_scenario_set *set, const char *fmt, ...)
{
    pl_buf m = PL_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pl_buf_vprintf(&m, fmt, ap);
    va_end(ap);
    pl_scenario_set_error_add(set, pl_buf_take(&m));
}

static int pl_scenario_within(const cJSON *root, const cJSON *node)
{
    if (root == node)
        return 1;
    const cJSON *c;
    cJSON_ArrayForEach(c, root) if (pl_scenario_within(c, node)) return 1;
    return 0;
}

/* A schema error the loader has said something clearer about: same position, or inside a
 * step the loader found wrong. */
static int pl_scenario_err_shadowed(const pl_scenario_ld *ld, const pl_scenario_err *e)
{
    for (size_t i = 0; i < ld->nerr; i++) {
        const pl_scenario_err *l = &ld->errs[i];
        if (l->from_schema)
            continue;
        if (l->line == e->line && l->col == e->col)
            return 1;
        if (l->step && e->node && pl_scenario_within(l->step, e->node))
            return 1;
    }
    return 0;
}

static int pl_scenario_err_cmp(const void *a, const void *b)
{
    const pl_scenario_err *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Hands the file's errors to the set: shadowed schema errors and repeats dropped, sorted
 * by position. */
static void pl_scenario_ld_finish(pl_scenario_set *set, pl_scenario_ld *ld)
{
    size_t k = 0;
    for (size_t i = 0; i < ld->nerr; i++) {
        pl_scenario_err *e = &ld->errs[i];
        int drop = e->from_schema && pl_scenario_err_shadowed(ld, e);
        for (size_t j = 0; !drop && j < k; j++)
            drop = strcmp(ld->errs[j].text, e->text) == 0;
        if (drop) {
            free(e->text);
            continue;
        }
        ld->errs[k++] = *e;
    }
    ld->nerr = k;
    if (k)
        qsort(ld->errs, k, sizeof *ld->errs, pl_scenario_err_cmp);
    for (size_t i = 0; i < k; i++)
        pl_scenario_set_error_add(set, ld->errs[i].text);
    free(ld->errs);
    ld->errs = NULL;
    ld->cap = 0;
}

/* ---- scenarios -------------------------------------------------------------------------- */

static char *pl_scenario_strdup_or_null(const char *s)
{
    return s ? pl_xstrdup(s) : NULL;
}

static void pl_scenario_free(pl_scenario *sc)
{
    if (!sc)
        return;
    free(sc->id);
    free(sc->base_id);
    free(sc->matrix_label);
    free(sc->title);
    free(sc->requirement);
    free(sc->source);
    free(sc->dialect);
    free(sc->target);
    free(sc->connect_authz);
    free(sc->file);
    cJSON_Delete(sc->vars);
    cJSON_Delete(sc->behaviour);
    cJSON_Delete(sc->expect_findings);
    cJSON_Delete(sc->allow_findings);
    cJSON_Delete(sc->tags);
    cJSON_Delete(sc->steps);
    for (size_t i = 0; i < sc->n_actions; i++)
        free(sc->actions[i]);
    free(sc->actions);
    free(sc);
}

static pl_scenario *pl_scenario_clone(const pl_scenario *p)
{
    pl_scenario *sc = pl_xcalloc(1, sizeof *sc);
    *sc = *p;
    sc->id = pl_scenario_strdup_or_null(p->id);
    sc->base_id = pl_scenario_strdup_or_null(p->base_id);
    sc->matrix_label = pl_scenario_strdup_or_null(p->matrix_label);
    sc->title = pl_scenario_strdup_or_null(p->title);
    sc->requirement = pl_scenario_strdup_or_null(p->requirement);
    sc->source = pl_scenario_strdup_or_null(p->source);
    sc->dialect = pl_scenario_strdup_or_null(p->dialect);
    sc->target = pl_scenario_strdup_or_null(p->target);
    sc->connect_authz = pl_scenario_strdup_or_null(p->connect_authz);
    sc->file = pl_scenario_strdup_or_null(p->file);
    sc->vars = cJSON_Duplicate(p->vars, 1);
    sc->behaviour = p->behaviour ? cJSON_Duplicate(p->behaviour, 1) : NULL;
    sc->expect_findings = p->expect_findings ? cJSON_Duplicate(p->expect_findings, 1) : NULL;
    sc->allow_findings = p->allow_findings ? cJSON_Duplicate(p->allow_findings, 1) : NULL;
    sc->tags = p->tags ? cJSON_Duplicate(p->tags, 1) : NULL;
    sc->steps = cJSON_Duplicate(p->steps, 1);
    sc->actions = p->n_actions ? pl_xcalloc(p->n_actions, sizeof *sc->actions) : NULL;
    for (size_t i = 0; i < p->n_actions; i++)
        sc->actions[i] = pl_xstrdup(p->actions[i]);
    return sc;
}

/* The string member key, copied, or NULL (the schema reports a wrong type). */
static char *pl_scenario_str(const cJSON *node, const char *key)
{
    const char *s = pl_json_str(node, key, NULL);
    return s ? pl_xstrdup(s) : NULL;
}

static cJSON *pl_scenario_dup_if(const cJSON *node, const char *key, int (*is)(const cJSON *))
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(node, key);
    return m && is(m) ? cJSON_Duplicate(m, 1) : NULL;
}

static int pl_scenario_is_array(const cJSON *v)
{
    return cJSON_IsArray(v);
}

static int pl_scenario_is_object(const cJSON *v)
{
    return cJSON_IsObject(v);
}

/* ---- pass: the schema --------------------------------------------------------------- */

static void pl_scenario_schema_pass(pl_scenario_set *set, pl_scenario_ld *ld, const cJSON *node,
                                    const char *prefix)
{
    pl_schema_errors errs = PL_SCHEMA_ERRORS_INIT;
    pl_schema_validate(set->schemas, set->schema, node, &errs);
    for (size_t i = 0; i < errs.n; i++) {
        const pl_schema_error *e = &errs.v[i];
        int at_key = strcmp(e->keyword, "additionalProperties") == 0 ||
                     strstr(e->schema_path, "/propertyNames") != NULL;
        int line, col;
        pl_scenario_node_pos(ld, e->instance, at_key, &line, &col);
        pl_buf m = PL_BUF_INIT;
        if (prefix[0] || e->instance_path[0])
            pl_buf_printf(&m, "%s%s: %s", prefix, e->instance_path, e->message);
        else
            pl_buf_printf(&m, "%s", e->message);
        pl_scenario_ld_push(ld, line, col, 1, e->instance, m.data);
        pl_buf_free(&m);
    }
    pl_schema_errors_free(&errs);
}

/* ---- pass: scenario keys ------------------------------------------------------------ */

static void pl_scenario_check_keys(pl_scenario_ld *ld, const cJSON *node)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, node)
    {
        const char *const *k = pl_scenario_keys;
        while (*k && strcmp(*k, m->string) != 0)
            k++;
        if (*k)
            continue;
        pl_buf known = PL_BUF_INIT;
        pl_scenario_list(&known, pl_scenario_keys);
        pl_scenario_ld_error(ld, m, 1, "unknown scenario key '%s' (known: %s)", m->string,
                             known.data);
        pl_buf_free(&known);
    }
}

static int pl_scenario_id_ok(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr("_.-", *s)))
            return 0;
    return 1;
}

static void pl_scenario_check_dialect(pl_scenario_ld *ld, const cJSON *node)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(node, "dialect");
    if (!cJSON_IsString(d) || pl_dialect_find(d->valuestring))
        return;
    pl_buf known = PL_BUF_INIT;
    for (const pl_dialect *const *p = pl_dialect_all(); *p; p++)
        pl_buf_printf(&known, "%s%s", p == pl_dialect_all() ? "" : ", ", (*p)->id);
    pl_scenario_ld_error(ld, d, 0, "unknown dialect '%s' (known: %s)", d->valuestring, known.data);
    pl_buf_free(&known);
}

static void pl_scenario_check_names(pl_scenario_ld *ld, const cJSON *map, const char *what)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, map) if (!pl_scenario_is_varname(m->string))
        pl_scenario_ld_error(ld, m, 1,
                             "bad %s name '%s' (letters, digits and _, not starting with "
                             "a digit)",
                             what, m->string);
}

static void pl_scenario_check_matrix(pl_scenario_ld *ld, const cJSON *matrix)
{
    char shown[128];
    if (!matrix)
        return;
    if (!cJSON_IsObject(matrix) || !matrix->child) {
        pl_scenario_ld_error(ld, matrix, 0,
                             "'matrix' needs a mapping of variable names to lists of values, "
                             "got %s",
                             pl_scenario_show(matrix, shown, sizeof shown));
        return;
    }
    pl_scenario_check_names(ld, matrix, "matrix variable");
    double combos = 1;
    const cJSON *m, *v;
    cJSON_ArrayForEach(m, matrix)
    {
        if (!cJSON_IsArray(m) || !m->child) {
            pl_scenario_ld_error(ld, m, 0, "matrix '%s' needs a non-empty list of values, got %s",
                                 m->string, pl_scenario_show(m, shown, sizeof shown));
            continue;
        }
        combos *= cJSON_GetArraySize(m);
        cJSON_ArrayForEach(v, m) if (cJSON_IsArray(v) || cJSON_IsObject(v))
            pl_scenario_ld_error(ld, v, 0,
                                 "matrix '%s': values are strings, numbers, booleans or "
                                 "null, got %s",
                                 m->string, pl_scenario_type_name(v));
    }
    if (combos > PL_SCENARIO_MAX_COMBOS)
        pl_scenario_ld_error(ld, matrix, 0, "matrix has %.0f combinations (at most %d)", combos,
                             PL_SCENARIO_MAX_COMBOS);
}

/* ---- pass: ${…} references ---------------------------------------------------------- */

static int pl_scenario_ref_ok(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return 0;
    int seg = 1; /* characters in the current segment */
    for (i = 1; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (!seg)
                return 0;
            seg = 0;
        } else if (c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   (c >= '0' && c <= '9')) {
            seg++;
        } else {
            return 0;
        }
    }
    return seg > 0;
}

static int pl_scenario_defined(const cJSON *defined, const char *s, size_t n)
{
    for (const char *const *b = pl_scenario_builtins; *b; b++)
        if (strlen(*b) == n && strncmp(*b, s, n) == 0)
            return 1;
    const cJSON *d;
    cJSON_ArrayForEach(d, defined) if (strlen(d->valuestring) == n &&
                                       strncmp(d->valuestring, s, n) == 0) return 1;
    return 0;
}

static void pl_scenario_check_string_refs(pl_scenario_ld *ld, const cJSON *node,
                                          const cJSON *defined)
{
    const char *s = node->valuestring;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '$' && s[i + 1] == '$' && s[i + 2] == '{') {
            i += 2;
            continue;
        }
        if (s[i] != '$' || s[i + 1] != '{')
            continue;
        const char *end = strchr(s + i + 2, '}');
        if (!end) {
            pl_scenario_ld_error(ld, node, 0,
                                 "unterminated '${' in \"%s\" (write '$${' for a literal '${')", s);
            return;
        }
        const char *ref = s + i + 2;
        size_t n = (size_t)(end - ref), root = 0;
        while (root < n && ref[root] != '.')
            root++;
        if (!pl_scenario_ref_ok(ref, n))
            pl_scenario_ld_error(ld, node, 0,
                                 "bad variable reference '${%.*s}' (a name, then .member or "
                                 ".index parts)",
                                 (int)n, ref);
        else if (!pl_scenario_defined(defined, ref, root))
            pl_scenario_ld_error(ld, node, 0,
                                 "undefined variable '%.*s' (not in matrix, vars, set, capture, "
                                 "repeat as or $capture, nor a builtin: session, scenario, room, "
                                 "user, agent, run, seed, parley_url, endpoints)",
                                 (int)root, ref);
        i = (size_t)(end - s);
    }
}

static void pl_scenario_check_refs(pl_scenario_ld *ld, const cJSON *node, const cJSON *defined)
{
    if (cJSON_IsString(node)) {
        pl_scenario_check_string_refs(ld, node, defined);
        return;
    }
    const cJSON *c;
    cJSON_ArrayForEach(c, node) pl_scenario_check_refs(ld, c, defined);
}

/* ---- one scenario ------------------------------------------------------------------------ */

static void pl_scenario_fill(pl_scenario *sc, pl_scenario_ld *ld, const cJSON *node,
                             const char *file)
{
    int line = 0, col = 0;
    pl_yaml_pos(ld->doc, node, &line, &col);
    sc->base_id = pl_scenario_str(node, "id");
    sc->title = pl_scenario_str(node, "title");
    if (!sc->title)
        sc->title = pl_xstrdup("");
    sc->requirement = pl_scenario_str(node, "requirement");
    sc->source = pl_scenario_str(node, "source");
    sc->dialect = pl_scenario_str(node, "dialect");
    sc->role_client = strcmp(pl_json_str(node, "role", "agent"), "client") == 0;
    sc->target = pl_scenario_str(node, "target");
    const cJSON *conn = cJSON_GetObjectItemCaseSensitive(node, "connect");
    sc->connect_authz = pl_scenario_str(conn, "authorization");
    const cJSON *refused = cJSON_GetObjectItemCaseSensitive(conn, "expect_refused");
    sc->connect_refused = cJSON_IsNumber(refused) ? refused->valueint : 0;
    sc->level =
        strcmp(pl_json_str(node, "level", "must"), "should") == 0 ? PL_LEVEL_SHOULD : PL_LEVEL_MUST;
    sc->timeout_us = PL_SCENARIO_DEFAULT_TIMEOUT_US;
    sc->file = pl_xstrdup(file);
    sc->line = line;
    sc->vars = pl_scenario_dup_if(node, "vars", pl_scenario_is_object);
    if (!sc->vars)
        sc->vars = cJSON_CreateObject();
    sc->behaviour = pl_scenario_dup_if(node, "behaviour", pl_scenario_is_object);
    sc->expect_findings = pl_scenario_dup_if(node, "expect_findings", pl_scenario_is_array);
    sc->allow_findings = pl_scenario_dup_if(node, "allow_findings", pl_scenario_is_array);
    sc->tags = pl_scenario_dup_if(node, "tags", pl_scenario_is_array);
}

/* A behaviour name of the dialect: "ready" or "aicall.ready" (as `parley list` prints it). */
int pl_scenario_behaviour_known(const char *dialect, const char *name)
{
    const pl_dialect *d = dialect ? pl_dialect_find(dialect) : NULL;
    if (!d)
        return 1; /* the dialect error says it all */
    size_t n = strlen(d->id);
    if (!strncmp(name, d->id, n) && name[n] == '.')
        name += n + 1;
    return pl_dialect_behaviour(d, name) != NULL;
}

void pl_scenario_check_behaviours(pl_scenario_ld *ld, const char *dialect, const cJSON *map)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, map)
    {
        if (!pl_scenario_behaviour_known(dialect, m->string))
            pl_scenario_ld_error(ld, m, 1,
                                 "unknown behaviour '%s' of the %s dialect (parley list behaviours "
                                 "--dialect %s)",
                                 m->string, dialect, dialect);
    }
}

/* Rule ids in expect_findings/allow_findings: the dialect's catalog, its schema rule, and
 * the transport rules every dialect shares. */
static void pl_scenario_check_rules(pl_scenario_ld *ld, const char *dialect, const cJSON *list)
{
    const pl_dialect *d = dialect ? pl_dialect_find(dialect) : NULL;
    const cJSON *x;
    cJSON_ArrayForEach(x, list)
    {
        if (!d || !cJSON_IsString(x))
            continue;
        const char *r = x->valuestring;
        size_t n = strlen(d->id);
        int ok = !strncmp(r, "bridge.", 7) || !strncmp(r, "transport.", 10) ||
                 (!strncmp(r, d->id, n) && !strcmp(r + n, ".schema"));
        for (const pl_rule_info *ri = d->rules_catalog ? d->rules_catalog() : NULL;
             !ok && ri && ri->rule; ri++)
            ok = !strcmp(ri->rule, r);
        if (!ok)
            pl_scenario_ld_error(ld, x, 0, "unknown rule '%s' of the %s dialect (parley list rules --dialect %s)",
                                 r, d->id, d->id);
    }
}

/* Checks what the schema cannot, fills sc; the caller looks at ld->nerr. */
static void pl_scenario_check(pl_scenario *sc, pl_scenario_ld *ld, const cJSON *node)
{
    char err[256];
    static const char *const required[] = {"id", "dialect", "steps"};
    for (size_t i = 0; i < 3; i++)
        if (!cJSON_GetObjectItemCaseSensitive(node, required[i]))
            pl_scenario_ld_error(ld, node, 0, "scenario needs '%s' (required: id, dialect, steps)",
                                 required[i]);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(node, "id");
    if (cJSON_IsString(id) && !pl_scenario_id_ok(id->valuestring))
        pl_scenario_ld_error(ld, id, 0,
                             "bad id '%s' (lower-case letters, digits, '_', '.' and '-', "
                             "starting with a letter or digit)",
                             id->valuestring);
    pl_scenario_check_dialect(ld, node);
    const cJSON *target = cJSON_GetObjectItemCaseSensitive(node, "target");
    if (target && !sc->role_client)
        pl_scenario_ld_error(ld, target, 1, "'target' is only for role: client");
    const cJSON *connect = cJSON_GetObjectItemCaseSensitive(node, "connect");
    if (connect && !sc->role_client)
        pl_scenario_ld_error(ld, connect, 1, "'connect' is only for role: client");

    const cJSON *timeout = cJSON_GetObjectItemCaseSensitive(node, "timeout");
    if (timeout && pl_duration_parse(timeout, &sc->timeout_us, err, sizeof err))
        pl_scenario_ld_error(ld, timeout, 0, "'timeout': %s", err);
    const cJSON *matrix = cJSON_GetObjectItemCaseSensitive(node, "matrix");
    pl_scenario_check_matrix(ld, matrix);
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(node, "vars");
    if (cJSON_IsObject(vars))
        pl_scenario_check_names(ld, vars, "variable");
    pl_scenario_check_behaviours(ld, sc->dialect, cJSON_GetObjectItemCaseSensitive(node, "behaviour"));
    pl_scenario_check_rules(ld, sc->dialect, cJSON_GetObjectItemCaseSensitive(node, "expect_findings"));
    pl_scenario_check_rules(ld, sc->dialect, cJSON_GetObjectItemCaseSensitive(node, "allow_findings"));

    ld->dialect = sc->dialect;
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(node, "steps");
    if (steps)
        sc->steps = pl_scenario_steps_load(ld, steps);
    ld->dialect = NULL;

    /* Everything a ${…} may name: matrix, vars, what the steps define, builtins. */
    const cJSON *m, *mx = cJSON_IsObject(matrix) ? matrix : NULL;
    const cJSON *vx = cJSON_IsObject(vars) ? vars : NULL;
    cJSON_ArrayForEach(m, mx) cJSON_AddItemToArray(ld->defined, cJSON_CreateString(m->string));
    cJSON_ArrayForEach(m, vx) cJSON_AddItemToArray(ld->defined, cJSON_CreateString(m->string));
    if (steps)
        pl_scenario_check_refs(ld, steps, ld->defined);
    if (vars)
        pl_scenario_check_refs(ld, vars, ld->defined);
    if (target)
        pl_scenario_check_refs(ld, target, ld->defined);

    const cJSON *a;
    size_t n = (size_t)cJSON_GetArraySize(ld->actions), i = 0;
    sc->actions = n ? pl_xcalloc(n, sizeof *sc->actions) : NULL;
    cJSON_ArrayForEach(a, ld->actions) sc->actions[i++] = pl_xstrdup(a->valuestring);
    sc->n_actions = n;
    sc->has_prompt = ld->has_prompt;
    sc->uses_client = ld->uses_client;
    if (sc->role_client && sc->uses_client)
        pl_scenario_ld_error(ld, node, 0,
                             "role: client scenarios cannot drive a client (drive, "
                             "expect_callback): parley is the client");
}

/* "true", "3", "abc": a matrix value in an instance id. */
static void pl_scenario_label_value(pl_buf *b, const cJSON *v)
{
    if (cJSON_IsString(v))
        pl_buf_puts(b, v->valuestring);
    else if (cJSON_IsNumber(v))
        pl_buf_printf(b, "%g", v->valuedouble);
    else if (cJSON_IsBool(v))
        pl_buf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
    else
        pl_buf_puts(b, "null");
}

typedef struct {
    pl_scenario **v;
    size_t n, cap;
} pl_scenario_list_t;

static void pl_scenario_list_add(pl_scenario_list_t *l, pl_scenario *sc)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = pl_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = sc;
}

/* One instance per matrix combination (the last key varies fastest); without a matrix,
 * the scenario itself. Takes proto. */
static void pl_scenario_expand(pl_scenario *proto, const cJSON *matrix, pl_scenario_list_t *out)
{
    if (!cJSON_IsObject(matrix)) {
        proto->id = pl_xstrdup(proto->base_id);
        pl_scenario_list_add(out, proto);
        return;
    }
    size_t combos = 1;
    const cJSON *m;
    cJSON_ArrayForEach(m, matrix) combos *= (size_t)cJSON_GetArraySize(m);
    for (size_t c = 0; c < combos; c++) {
        pl_scenario *sc = pl_scenario_clone(proto);
        pl_buf label = PL_BUF_INIT;
        size_t rest = c, stride = combos;
        cJSON_ArrayForEach(m, matrix)
        {
            size_t size = (size_t)cJSON_GetArraySize(m);
            stride /= size;
            const cJSON *v = cJSON_GetArrayItem(m, (int)(rest / stride));
            rest %= stride;
            pl_buf_printf(&label, "%s%s=", label.len ? "," : "", m->string);
            pl_scenario_label_value(&label, v);
            cJSON_DeleteItemFromObjectCaseSensitive(sc->vars, m->string);
            cJSON_AddItemToObject(sc->vars, m->string, cJSON_Duplicate(v, 1));
        }
        pl_buf id = PL_BUF_INIT;
        pl_buf_printf(&id, "%s[%s]", sc->base_id, label.data);
        sc->id = pl_buf_take(&id);
        sc->matrix_label = pl_buf_take(&label);
        pl_scenario_list_add(out, sc);
    }
    pl_scenario_free(proto);
}

static const pl_scenario *pl_scenario_find_id(const pl_scenario_set *set,
                                              const pl_scenario_list_t *l, const char *id)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->v[i]->id, id) == 0)
            return set->v[i];
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i]->id, id) == 0)
            return l->v[i];
    return NULL;
}

static void pl_scenario_load_one(pl_scenario_set *set, pl_scenario_ld *ld, const cJSON *node,
                                 const char *prefix, pl_scenario_list_t *made)
{
    size_t errs_before = ld->nerr;
    ld->defined = cJSON_CreateArray();
    ld->actions = cJSON_CreateArray();
    ld->has_prompt = ld->uses_client = 0;
    pl_scenario_schema_pass(set, ld, node, prefix);
    pl_scenario_check_keys(ld, node);
    pl_scenario *sc = pl_xcalloc(1, sizeof *sc);
    pl_scenario_fill(sc, ld, node, pl_yaml_name(ld->doc));
    pl_scenario_check(sc, ld, node);
    cJSON_Delete(ld->defined);
    cJSON_Delete(ld->actions);
    ld->defined = ld->actions = NULL;
    if (ld->nerr != errs_before || !sc->base_id || !sc->dialect || !sc->steps) {
        pl_scenario_free(sc); /* (without errors, id, dialect and steps are all there) */
        return;
    }
    pl_scenario_list_t inst = {NULL, 0, 0};
    pl_scenario_expand(sc, cJSON_GetObjectItemCaseSensitive(node, "matrix"), &inst);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(node, "id");
    for (size_t i = 0; i < inst.n; i++) {
        const pl_scenario *first = pl_scenario_find_id(set, made, inst.v[i]->id);
        if (first) {
            pl_scenario_ld_error(ld, id, 0, "duplicate scenario id '%s' (first at %s:%d)",
                                 inst.v[i]->id, first->file, first->line);
            pl_scenario_free(inst.v[i]);
        } else {
            pl_scenario_list_add(made, inst.v[i]);
        }
    }
    free(inst.v);
}

/* ---- files ------------------------------------------------------------------------------ */

static void pl_scenario_load_doc(pl_scenario_set *set, const pl_yaml_doc *doc)
{
    char shown[128];
    pl_scenario_ld ld;
    memset(&ld, 0, sizeof ld);
    ld.doc = doc;
    pl_scenario_list_t made = {NULL, 0, 0};
    const cJSON *root = pl_yaml_root(doc);
    if (cJSON_IsObject(root)) {
        pl_scenario_load_one(set, &ld, root, "", &made);
    } else if (cJSON_IsArray(root) && root->child) {
        int i = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, root)
        {
            char prefix[32];
            snprintf(prefix, sizeof prefix, "/%d", i++);
            if (cJSON_IsObject(e))
                pl_scenario_load_one(set, &ld, e, prefix, &made);
            else
                pl_scenario_ld_error(&ld, e, 0,
                                     "item %d of the list is not a scenario (a mapping), got %s", i,
                                     pl_scenario_show(e, shown, sizeof shown));
        }
    } else {
        pl_scenario_ld_error(&ld, root, 0,
                             "a scenario file holds one scenario (a mapping) or a list of "
                             "them, got %s",
                             pl_scenario_show(root, shown, sizeof shown));
    }
    int ok = ld.nerr == 0;
    pl_scenario_ld_finish(set, &ld);
    for (size_t i = 0; i < made.n; i++) {
        if (!ok) {
            pl_scenario_free(made.v[i]);
            continue;
        }
        if (set->n == set->cap) {
            set->cap = set->cap ? set->cap * 2 : 16;
            set->v = pl_xrealloc(set->v, set->cap * sizeof *set->v);
        }
        set->v[set->n++] = made.v[i];
    }
    free(made.v);
}

static void pl_scenario_add_yaml_error(pl_scenario_set *set, const pl_yaml_error *ye)
{
    char line[1200];
    pl_yaml_error_format(ye, line, sizeof line);
    pl_scenario_set_error_add(set, pl_xstrdup(line));
}

size_t pl_scenario_set_add_string(pl_scenario_set *set, const char *name, const char *text,
                                  size_t len)
{
    size_t before = set->nerr;
    pl_yaml_error ye;
    memset(&ye, 0, sizeof ye);
    pl_yaml_doc *doc = pl_yaml_load_string(name, text, len, &ye);
    if (!doc) {
        pl_scenario_add_yaml_error(set, &ye);
    } else {
        pl_scenario_load_doc(set, doc);
        pl_yaml_free(doc);
    }
    return set->nerr - before;
}

static void pl_scenario_add_file(pl_scenario_set *set, const char *path)
{
    pl_yaml_error ye;
    memset(&ye, 0, sizeof ye);
    pl_yaml_doc *doc = pl_yaml_load_file(path, &ye);
    if (!doc) {
        pl_scenario_add_yaml_error(set, &ye);
        return;
    }
    pl_scenario_load_doc(set, doc);
    pl_yaml_free(doc);
}

typedef struct {
    char **v;
    size_t n, cap;
} pl_scenario_paths;

static int pl_scenario_is_yaml(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

/* Every *.yaml / *.yml under dir (hidden entries skipped). */
static void pl_scenario_walk(pl_scenario_set *set, const char *dir, pl_scenario_paths *out,
                             int depth)
{
    if (depth > PL_SCENARIO_MAX_DEPTH) {
        pl_scenario_set_errorf(set, "%s: folders nested too deeply (more than %d levels)", dir,
                               PL_SCENARIO_MAX_DEPTH);
        return;
    }
    DIR *d = opendir(dir);
    if (!d) {
        pl_scenario_set_errorf(set, "%s: cannot read the folder", dir);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        pl_buf p = PL_BUF_INIT;
        size_t dl = strlen(dir);
        pl_buf_printf(&p, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", e->d_name);
        struct stat st;
        if (stat(p.data, &st) == 0 && S_ISDIR(st.st_mode)) {
            pl_scenario_walk(set, p.data, out, depth + 1);
        } else if (pl_scenario_is_yaml(e->d_name)) {
            if (out->n == out->cap) {
                out->cap = out->cap ? out->cap * 2 : 32;
                out->v = pl_xrealloc(out->v, out->cap * sizeof *out->v);
            }
            out->v[out->n++] = pl_buf_take(&p);
        }
        pl_buf_free(&p);
    }
    closedir(d);
}

static int pl_scenario_path_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t pl_scenario_set_add_path(pl_scenario_set *set, const char *path)
{
    size_t before = set->nerr;
    struct stat st;
    if (stat(path, &st) != 0) {
        pl_scenario_set_errorf(set, "%s: no such file or folder", path);
        return set->nerr - before;
    }
    if (!S_ISDIR(st.st_mode)) {
        pl_scenario_add_file(set, path);
        return set->nerr - before;
    }
    pl_scenario_paths files = {NULL, 0, 0};
    pl_scenario_walk(set, path, &files, 0);
    if (files.n)
        qsort(files.v, files.n, sizeof *files.v, pl_scenario_path_cmp);
    else if (set->nerr == before)
        pl_scenario_set_errorf(set, "%s: no scenario files (*.yaml, *.yml) in this folder", path);
    for (size_t i = 0; i < files.n; i++) {
        pl_scenario_add_file(set, files.v[i]);
        free(files.v[i]);
    }
    free(files.v);
    return set->nerr - before;
}

/* ---- the set ---------------------------------------------------------------------------- */

pl_scenario_set *pl_scenario_set_new(const char *schema_root, char *err, size_t errlen)
{
    char msg[1024];
    pl_schema_set *schemas = pl_schema_set_new(schema_root);
    const cJSON *doc = pl_schema_set_load(schemas, PL_SCENARIO_SCHEMA, msg, sizeof msg);
    if (!doc) {
        snprintf(err, errlen, "scenario schema: %s", msg);
        pl_schema_set_free(schemas);
        return NULL;
    }
    if (schema_root) { /* the meta-schema lives at <root>/meta/draft-07.json */
        pl_schema_errors errs = PL_SCHEMA_ERRORS_INIT;
        if (pl_schema_check(schemas, doc, &errs) != 1) {
            char *first = errs.n ? pl_schema_error_format(&errs.v[0]) : NULL;
            snprintf(err, errlen, "%s: not a valid draft-07 schema: %s", PL_SCENARIO_SCHEMA,
                     first ? first : "?");
            free(first);
            pl_schema_errors_free(&errs);
            pl_schema_set_free(schemas);
            return NULL;
        }
        pl_schema_errors_free(&errs);
    }
    const cJSON *def = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(doc, "definitions"), "scenario");
    if (!cJSON_IsObject(def)) {
        snprintf(err, errlen, "%s: no #/definitions/scenario", PL_SCENARIO_SCHEMA);
        pl_schema_set_free(schemas);
        return NULL;
    }
    pl_scenario_set *set = pl_xcalloc(1, sizeof *set);
    set->schemas = schemas;
    set->schema = def;
    return set;
}

void pl_scenario_set_free(pl_scenario_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++)
        pl_scenario_free(set->v[i]);
    free(set->v);
    for (size_t i = 0; i < set->nerr; i++)
        free(set->errs[i]);
    free(set->errs);
    pl_schema_set_free(set->schemas);
    free(set);
}

size_t pl_scenario_set_count(const pl_scenario_set *set)
{
    return set->n;
}

pl_scenario *pl_scenario_set_get(const pl_scenario_set *set, size_t i)
{
    return i < set->n ? set->v[i] : NULL;
}

size_t pl_scenario_set_error_count(const pl_scenario_set *set)
{
    return set->nerr;
}

const char *pl_scenario_set_error(const pl_scenario_set *set, size_t i)
{
    return i < set->nerr ? set->errs[i] : NULL;
}

void pl_scenario_set_filter(pl_scenario_set *set, const char *const *globs, size_t n)
{
    if (n == 0)
        return;
    size_t k = 0;
    for (size_t i = 0; i < set->n; i++) {
        pl_scenario *sc = set->v[i];
        int keep = 0;
        for (size_t g = 0; g < n && !keep; g++)
            keep = fnmatch(globs[g], sc->id, 0) == 0 || fnmatch(globs[g], sc->base_id, 0) == 0;
        if (keep)
            set->v[k++] = sc;
        else
            pl_scenario_free(sc);
    }
    set->n = k;
}

/* ---- durations, class names ----------------------------------------------------------- */

int pl_duration_parse(const cJSON *v, int64_t *us, char *err, size_t errlen)
{
    char shown[128];
    double secs = -1;
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble >= 0) {
        secs = v->valuedouble;
    } else if (cJSON_IsString(v)) { /* ^[0-9]+(\.[0-9]+)?(ms|s|m)$, parsed without locale */
        const char *p = v->valuestring;
        double x = 0, scale = 1;
        int digits = 0, frac = 1;
        for (; *p >= '0' && *p <= '9'; p++, digits++)
            x = x * 10 + (*p - '0');
        if (digits && *p == '.') {
            frac = 0;
            for (p++; *p >= '0' && *p <= '9'; p++, frac++)
                x += (*p - '0') * (scale /= 10);
        }
        double mul = strcmp(p, "ms") == 0  ? 1e-3
                     : strcmp(p, "s") == 0 ? 1
                     : strcmp(p, "m") == 0 ? 60
                                           : 0;
        if (digits && frac && mul > 0)
            secs = x * mul;
    }
    if (secs < 0 || secs * 1e6 > 9e18) {
        snprintf(err, errlen,
                 "bad duration %s (a number of seconds, or digits with ms, s or m: \"500ms\", "
                 "\"1.5s\", \"2m\")",
                 pl_scenario_show(v, shown, sizeof shown));
        return -1;
    }
    *us = (int64_t)llround(secs * 1e6);
    return 0;
}

const char *pl_scenario_classname(const pl_scenario *sc, char *buf, size_t len)
{
    const char *dot = strrchr(sc->base_id, '.');
    if (dot)
        snprintf(buf, len, "%.*s", (int)(dot - sc->base_id), sc->base_id);
    else
        snprintf(buf, len, "%s", sc->dialect);
    return buf;
}
