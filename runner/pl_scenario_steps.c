/* pl_scenario_steps.c — checks and normalizes the steps of a scenario (see pl_scenario.h,
 * docs/scenarios.md "Steps").
 *
 * One table says everything about the step kinds: the kind's name, the field a scalar
 * value lands in, and its fields with their types. A step is checked in three moves:
 *   1. find its kind (exactly one kind key; `expect` beside drive/http/callback and
 *      `capture` beside http are fields of those, not kinds);
 *   2. gather its fields from the kind's value and from the keys beside it (each field
 *      once), rejecting fields the kind does not have;
 *   3. check and normalize every field by its type (durations to *_us, patterns through
 *      pl_match_check, nested steps recursively), then the rules between fields.
 * Every problem is reported (the loop goes on), at the key for unknown or repeated
 * fields and at the value otherwise. */
#include "runner/pl_scenario.h"
#include "runner/pl_scenario_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pl_buf.h"
#include "core/pl_crypto.h"
#include "core/pl_json.h"
#include "runner/pl_match.h"

typedef enum {
    PL_FT_ANY,     /* any JSON value */
    PL_FT_MESSAGE, /* send: a vendor message (aicall: an object) */
    PL_FT_STRING,
    PL_FT_BOOL,
    PL_FT_INT,      /* an integer in [min, max] */
    PL_FT_NUMBER,   /* a number in [min, max] */
    PL_FT_ENUM,     /* one of choices */
    PL_FT_OBJECT,   /* an object (or "${x}") */
    PL_FT_STRMAP,   /* an object of strings */
    PL_FT_BODY,     /* a string or an object */
    PL_FT_DURATION, /* becomes <norm>_us */
    PL_FT_PATTERN,  /* a matcher pattern */
    PL_FT_PATTERNS, /* a list of patterns */
    PL_FT_TARGET,   /* an expectation target: becomes target + match */
    PL_FT_COUNT,    /* an integer or {min, max}: becomes count_min / count_max */
    PL_FT_SUB,      /* a mapping checked against sub (interval, expect, respond) */
    PL_FT_CAPTURES, /* variable -> JSON pointer */
    PL_FT_VARS,     /* variable -> value */
    PL_FT_SWITCHES, /* behaviour name -> bool */
    PL_FT_VARNAME,  /* a variable name it defines */
    PL_FT_HEX,      /* hex digits (whitespace allowed): normalized to lower case */
    PL_FT_B64,      /* strict base64 */
    PL_FT_STEPS,    /* nested steps */
} pl_ftype;

#define PL_FF_MAIN 1     /* only as the kind's own value (set, capture, behaviour, send) */
#define PL_FF_REQUIRED 2 /* the step needs it */

typedef struct pl_field {
    const char *name;
    pl_ftype type;
    int flags;
    const char *norm;           /* key in the normalized step (NULL: name) */
    const char *const *choices; /* PL_FT_ENUM */
    double min, max;            /* PL_FT_INT / PL_FT_NUMBER */
    const struct pl_field *sub; /* PL_FT_SUB */
} pl_field;

static const char *const pl_levels[] = {"must", "should", NULL};
static const char *const pl_fault_actions[] = {"drop",    "delay", "duplicate",  "reorder",
                                               "corrupt", "close", "disconnect", "stall",
                                               "slice",   NULL};
static const char *const pl_corruptions[] = {"truncate", "utf8", "json", NULL};

/* clang-format off */
#define PL_F(n, t)            {n, t, 0, NULL, NULL, 0, 0, NULL}
#define PL_F_REQ(n, t)        {n, t, PL_FF_REQUIRED, NULL, NULL, 0, 0, NULL}
#define PL_F_MAIN(n, t)       {n, t, PL_FF_MAIN | PL_FF_REQUIRED, NULL, NULL, 0, 0, NULL}
#define PL_F_ENUM(n, c)       {n, PL_FT_ENUM, 0, NULL, c, 0, 0, NULL}
#define PL_F_INT(n, lo, hi)   {n, PL_FT_INT, 0, NULL, NULL, lo, hi, NULL}
#define PL_F_SUB(n, s)        {n, PL_FT_SUB, 0, NULL, NULL, 0, 0, s}
#define PL_F_END              {NULL, 0, 0, NULL, NULL, 0, 0, NULL}
#define PL_F_TARGETS                                                                    \
    PL_F("message", PL_FT_TARGET), PL_F("sent", PL_FT_TARGET),                          \
    PL_F("bridge", PL_FT_TARGET), PL_F("event", PL_FT_TARGET),                          \
    PL_F("finding", PL_FT_TARGET), PL_F("close", PL_FT_TARGET),                         \
    PL_F("open", PL_FT_TARGET), PL_F("text", PL_FT_TARGET),                             \
    PL_F("callback", PL_FT_TARGET), PL_F("http", PL_FT_TARGET), PL_F("kind", PL_FT_PATTERN)

static const pl_field pl_f_common[] = {
    PL_F("name", PL_FT_STRING), PL_F_ENUM("level", pl_levels), PL_F_END};
static const pl_field pl_f_interval[] = {
    PL_F("mean", PL_FT_DURATION), PL_F("tolerance", PL_FT_DURATION),
    PL_F("min", PL_FT_DURATION), PL_F("max", PL_FT_DURATION), PL_F_END};
static const pl_field pl_f_count[] = {
    {"min", PL_FT_INT, 0, "count_min", NULL, 0, 1e9, NULL},
    {"max", PL_FT_INT, 0, "count_max", NULL, 0, 1e9, NULL}, PL_F_END};
static const pl_field pl_f_drive_expect[] = {
    PL_F("ok", PL_FT_BOOL), PL_F("result", PL_FT_PATTERN), PL_F("error", PL_FT_PATTERN),
    PL_F_END};
static const pl_field pl_f_http_expect[] = {
    PL_F("status", PL_FT_PATTERN), PL_F("body", PL_FT_PATTERN), PL_F("json", PL_FT_PATTERN),
    PL_F_END};
static const pl_field pl_f_respond[] = {
    PL_F_INT("status", 100, 599), PL_F("headers", PL_FT_STRMAP), PL_F("body", PL_FT_BODY),
    PL_F_END};

static const pl_field pl_f_send[] = {
    PL_F_MAIN("message", PL_FT_MESSAGE), PL_F("from", PL_FT_STRING), PL_F_END};
static const pl_field pl_f_send_raw[] = {
    PL_F("text", PL_FT_STRING), PL_F("hex", PL_FT_HEX), PL_F("b64", PL_FT_B64),
    PL_F("binary", PL_FT_BOOL), PL_F("from", PL_FT_STRING), PL_F_END};
static const pl_field pl_f_expect[] = {
    PL_F_TARGETS, PL_F("within", PL_FT_DURATION), PL_F("strict_order", PL_FT_BOOL),
    PL_F("ignore", PL_FT_PATTERNS), PL_F_END};
static const pl_field pl_f_expect_none[] = {
    PL_F_TARGETS, PL_F_REQ("for", PL_FT_DURATION), PL_F_END};
static const pl_field pl_f_expect_stream[] = {
    PL_F_TARGETS, PL_F("count", PL_FT_COUNT), PL_F_SUB("interval", pl_f_interval),
    PL_F("each", PL_FT_PATTERN), PL_F("within", PL_FT_DURATION), PL_F("for", PL_FT_DURATION),
    PL_F_END};
static const pl_field pl_f_drive[] = {
    PL_F_REQ("action", PL_FT_STRING), PL_F("args", PL_FT_OBJECT),
    PL_F("within", PL_FT_DURATION), PL_F_SUB("expect", pl_f_drive_expect), PL_F_END};
static const pl_field pl_f_expect_callback[] = {
    PL_F_REQ("name", PL_FT_STRING), PL_F("args", PL_FT_PATTERN),
    PL_F("within", PL_FT_DURATION), PL_F("strict_order", PL_FT_BOOL),
    PL_F("ignore", PL_FT_PATTERNS), PL_F_END};
static const pl_field pl_f_act[] = {
    PL_F_REQ("name", PL_FT_STRING), PL_F("args", PL_FT_OBJECT), PL_F("within", PL_FT_DURATION),
    PL_F_END};
static const pl_field pl_f_prompt[] = {
    PL_F_REQ("text", PL_FT_STRING), PL_F("within", PL_FT_DURATION), PL_F_END};
static const pl_field pl_f_wait[] = {PL_F_REQ("for", PL_FT_DURATION), PL_F_END};
static const pl_field pl_f_http[] = {
    PL_F("method", PL_FT_STRING), PL_F("url", PL_FT_STRING), PL_F("path", PL_FT_STRING),
    PL_F("headers", PL_FT_STRMAP), PL_F("body", PL_FT_BODY), PL_F("sign", PL_FT_STRING),
    PL_F("sign_key", PL_FT_STRING), PL_F_SUB("expect", pl_f_http_expect), PL_F("capture", PL_FT_CAPTURES),
    PL_F("within", PL_FT_DURATION), PL_F_END};
static const pl_field pl_f_expect_http[] = {
    PL_F("method", PL_FT_PATTERN), PL_F("path", PL_FT_PATTERN), PL_F("query", PL_FT_PATTERN),
    PL_F("headers", PL_FT_PATTERN), PL_F("body", PL_FT_PATTERN), PL_F("json", PL_FT_PATTERN),
    PL_F("within", PL_FT_DURATION), PL_F_SUB("respond", pl_f_respond), PL_F_END};
static const pl_field pl_f_callback[] = {
    PL_F_REQ("url", PL_FT_STRING), PL_F("method", PL_FT_STRING),
    PL_F("headers", PL_FT_STRMAP), PL_F("body", PL_FT_BODY), PL_F("sign", PL_FT_STRING),
    PL_F("sign_key", PL_FT_STRING), PL_F_SUB("expect", pl_f_http_expect),
    PL_F("within", PL_FT_DURATION), PL_F_END};
static const pl_field pl_f_fault[] = {
    {"action", PL_FT_ENUM, PL_FF_REQUIRED, NULL, pl_fault_actions, 0, 0, NULL},
    PL_F("match", PL_FT_PATTERN), PL_F_INT("count", 1, 1e9), PL_F("delay", PL_FT_DURATION),
    PL_F_ENUM("corrupt", pl_corruptions), {"probability", PL_FT_NUMBER, 0, NULL, NULL, 0, 1, NULL},
    PL_F_INT("code", 1000, 4999), PL_F("reason", PL_FT_STRING), PL_F("for", PL_FT_DURATION),
    PL_F_INT("size", 1, 1e9), PL_F_END};
static const pl_field pl_f_set[] = {PL_F_MAIN("vars", PL_FT_VARS), PL_F_END};
static const pl_field pl_f_capture[] = {PL_F_MAIN("vars", PL_FT_CAPTURES), PL_F_END};
static const pl_field pl_f_behaviour[] = {PL_F_MAIN("switches", PL_FT_SWITCHES), PL_F_END};
static const pl_field pl_f_repeat[] = {
    PL_F_INT("count", 1, 1e9), {"times", PL_FT_INT, 0, "count", NULL, 1, 1e9, NULL},
    PL_F("as", PL_FT_VARNAME), PL_F_REQ("steps", PL_FT_STEPS), PL_F_END};
/* clang-format on */

/* ---- the kinds ------------------------------------------------------------------------- */

typedef struct pl_kind pl_kind;

typedef struct {
    pl_scenario_ld *ld;
    const pl_kind *kind;
    const cJSON *step; /* the step mapping (YAML node) */
    cJSON *out;        /* the normalized step */
    struct {
        const char *name; /* as written */
        const pl_field *f;
        const cJSON *node; /* its value node */
        int member;        /* node is an object member (has a key position) */
    } v[40];
    size_t n;
} pl_step_fields;

struct pl_kind {
    const char *name;
    const char *main; /* field a scalar value (or any value, with payload) lands in;
                       * NULL: the value must be a mapping of fields */
    int payload;      /* the value, whatever it is, is the main field */
    const pl_field *fields;
    void (*rules)(pl_step_fields *sf); /* checks between fields, or NULL */
    const char *need;                  /* what the value must be, for messages */
};

static void pl_rules_expect(pl_step_fields *sf);
static void pl_rules_expect_stream(pl_step_fields *sf);
static void pl_rules_send_raw(pl_step_fields *sf);
static void pl_rules_http(pl_step_fields *sf);
static void pl_rules_fault(pl_step_fields *sf);
static void pl_rules_repeat(pl_step_fields *sf);

static const pl_kind pl_kinds[] = {
    {"send", "message", 1, pl_f_send, NULL, "a message"},
    {"send_raw", "text", 0, pl_f_send_raw, pl_rules_send_raw, "a string or a mapping"},
    {"expect", NULL, 0, pl_f_expect, pl_rules_expect, "a mapping"},
    {"expect_none", NULL, 0, pl_f_expect_none, pl_rules_expect, "a mapping"},
    {"expect_stream", NULL, 0, pl_f_expect_stream, pl_rules_expect_stream, "a mapping"},
    {"drive", "action", 0, pl_f_drive, NULL, "an action name or a mapping"},
    {"expect_callback", "name", 0, pl_f_expect_callback, NULL, "a callback name or a mapping"},
    {"prompt", "text", 0, pl_f_prompt, NULL, "a text or a mapping"},
    {"act", "name", 0, pl_f_act, NULL, "an act name or a mapping"},
    {"wait", "for", 0, pl_f_wait, NULL, "a duration"},
    {"http", NULL, 0, pl_f_http, pl_rules_http, "a mapping"},
    {"expect_http", NULL, 0, pl_f_expect_http, NULL, "a mapping"},
    {"callback", NULL, 0, pl_f_callback, NULL, "a mapping"},
    {"fault", "action", 0, pl_f_fault, pl_rules_fault, "an action or a mapping"},
    {"set", "vars", 1, pl_f_set, NULL, "a mapping"},
    {"capture", "vars", 1, pl_f_capture, NULL, "a mapping"},
    {"behaviour", "switches", 1, pl_f_behaviour, NULL, "a mapping"},
    {"repeat", NULL, 0, pl_f_repeat, pl_rules_repeat, "a mapping"},
};
#define PL_NKINDS (sizeof pl_kinds / sizeof pl_kinds[0])

static const pl_kind *pl_kind_find(const char *name)
{
    for (size_t i = 0; i < PL_NKINDS; i++)
        if (strcmp(pl_kinds[i].name, name) == 0)
            return &pl_kinds[i];
    return NULL;
}

static const char *pl_kind_list(pl_buf *b)
{
    for (size_t i = 0; i < PL_NKINDS; i++)
        pl_buf_printf(b, "%s%s", i ? ", " : "", pl_kinds[i].name);
    return b->data;
}

static const pl_field *pl_field_in(const pl_field *fields, const char *name)
{
    for (const pl_field *f = fields; f && f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

/* A field of kind k that may be written as a key (the kind's own, then name / level). */
static const pl_field *pl_kind_field(const pl_kind *k, const char *name)
{
    const pl_field *f = pl_field_in(k->fields, name);
    if (f)
        return (f->flags & PL_FF_MAIN) ? NULL : f;
    return pl_field_in(pl_f_common, name);
}

/* Is name a field of any kind (so a step made only of such keys lacks its kind)? */
static int pl_any_field(const char *name)
{
    for (size_t i = 0; i < PL_NKINDS; i++)
        if (pl_kind_field(&pl_kinds[i], name))
            return 1;
    return 0;
}

static void pl_field_list(pl_buf *b, const pl_field *fields, int with_common)
{
    int n = 0;
    for (const pl_field *f = fields; f->name; f++)
        if (!(f->flags & PL_FF_MAIN))
            pl_buf_printf(b, "%s%s", n++ ? ", " : "", f->name);
    for (const pl_field *f = pl_f_common; with_common && f->name; f++)
        if (!pl_field_in(fields, f->name))
            pl_buf_printf(b, "%s%s", n++ ? ", " : "", f->name);
    if (!n)
        pl_buf_puts(b, "none");
}

/* ---- field values ------------------------------------------------------------------------ */

static int pl_is_template(const cJSON *v)
{
    if (!cJSON_IsString(v))
        return 0;
    const char *s = v->valuestring;
    size_t n = strlen(s);
    return n > 3 && s[0] == '$' && s[1] == '{' && strchr(s, '}') == s + n - 1;
}

static const char *pl_norm(const pl_field *f)
{
    return f->norm ? f->norm : f->name;
}

static int pl_bad_type(pl_scenario_ld *ld, const cJSON *node, const char *name, const char *need)
{
    char shown[128];
    pl_scenario_ld_error(ld, node, 0, "'%s' needs %s, got %s", name, need,
                         pl_scenario_show(node, shown, sizeof shown));
    return -1;
}

static int pl_field_load(pl_scenario_ld *ld, const pl_field *f, const char *name, const cJSON *node,
                         cJSON *out);

/* Checks a mapping against a field table (interval, count, expect of drive/http,
 * respond) into out. what names the place in messages. */
static void pl_sub_load(pl_scenario_ld *ld, const pl_field *fields, const char *what,
                        const cJSON *node, cJSON *out)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, node)
    {
        const pl_field *f = pl_field_in(fields, m->string);
        if (!f) {
            pl_buf known = PL_BUF_INIT;
            pl_field_list(&known, fields, 0);
            pl_scenario_ld_error(ld, m, 1, "unknown key '%s' in %s (known: %s)", m->string, what,
                                 known.data);
            pl_buf_free(&known);
            continue;
        }
        pl_field_load(ld, f, m->string, m, out);
    }
}

/* pl_match_check on a pattern; its $capture names become defined variables. Unknown
 * operators and mixed keys are reported at the key, bad arguments at the value. */
static int pl_pattern_load(pl_scenario_ld *ld, const cJSON *node)
{
    const cJSON *bad = NULL;
    char err[512];
    if (pl_match_check(node, &bad, err, sizeof err) == 0) {
        pl_match_capture_names(node, ld->defined);
        return 0;
    }
    int at_key = strncmp(err, "unknown operator", 16) == 0 || strstr(err, "' in one object");
    pl_scenario_ld_error(ld, bad ? bad : node, at_key, "bad matcher: %s", err);
    return -1;
}

/* Variable -> value maps (set, capture, http capture): names are checked and defined. */
static int pl_varmap_load(pl_scenario_ld *ld, const char *name, const cJSON *node, int pointers)
{
    char shown[128];
    if (!cJSON_IsObject(node)) {
        pl_bad_type(ld, node, name, "a mapping of variable names");
        return -1;
    }
    int rc = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, node)
    {
        if (!pl_scenario_is_varname(m->string)) {
            pl_scenario_ld_error(ld, m, 1,
                                 "bad variable name '%s' (letters, digits and _, not starting "
                                 "with a digit)",
                                 m->string);
            rc = -1;
        } else {
            cJSON_AddItemToArray(ld->defined, cJSON_CreateString(m->string));
        }
        if (pointers && (!cJSON_IsString(m) || (m->valuestring[0] && m->valuestring[0] != '/'))) {
            pl_scenario_ld_error(ld, m, 0,
                                 "'%s' needs a JSON pointer such as \"/data/token\" (\"\" is the "
                                 "whole value), got %s",
                                 m->string, pl_scenario_show(m, shown, sizeof shown));
            rc = -1;
        }
    }
    return rc;
}

static int pl_hex_load(pl_scenario_ld *ld, const char *name, const cJSON *node, cJSON *out,
                       const char *key)
{
    if (!cJSON_IsString(node))
        return pl_bad_type(ld, node, name, "a string of hex digits");
    pl_buf b = PL_BUF_INIT;
    pl_buf_puts(&b, "");
    for (const char *s = node->valuestring; *s; s++) {
        if (isspace((unsigned char)*s))
            continue;
        if (!isxdigit((unsigned char)*s)) {
            pl_scenario_ld_error(ld, node, 0, "'%s': '%c' is not a hex digit", name, *s);
            pl_buf_free(&b);
            return -1;
        }
        pl_buf_putc(&b, (char)tolower((unsigned char)*s));
    }
    int rc = 0;
    if (b.len % 2)
        rc = pl_bad_type(ld, node, name, "an even number of hex digits");
    else
        cJSON_AddStringToObject(out, key, b.data);
    pl_buf_free(&b);
    return rc;
}

static int pl_count_load(pl_scenario_ld *ld, const char *name, const cJSON *node, cJSON *out)
{
    if (cJSON_IsNumber(node) && node->valuedouble >= 0 && node->valuedouble <= 1e9 &&
        node->valuedouble == floor(node->valuedouble)) {
        cJSON_AddNumberToObject(out, "count_min", node->valuedouble);
        cJSON_AddNumberToObject(out, "count_max", node->valuedouble);
        return 0;
    }
    if (!cJSON_IsObject(node) || !node->child)
        return pl_bad_type(ld, node, name, "an integer >= 0 or {min, max}");
    cJSON *tmp = cJSON_CreateObject();
    pl_sub_load(ld, pl_f_count, "count", node, tmp);
    const cJSON *lo = cJSON_GetObjectItemCaseSensitive(tmp, "count_min");
    const cJSON *hi = cJSON_GetObjectItemCaseSensitive(tmp, "count_max");
    if (lo && hi && lo->valuedouble > hi->valuedouble)
        pl_scenario_ld_error(ld, node, 0, "'%s': min %g is more than max %g", name, lo->valuedouble,
                             hi->valuedouble);
    cJSON *c;
    while ((c = tmp->child)) {
        cJSON_DetachItemViaPointer(tmp, c);
        cJSON_AddItemToObject(out, c->string, c);
    }
    cJSON_Delete(tmp);
    return 0;
}

static int pl_in_range(const pl_field *f, const cJSON *node, int integer)
{
    if (!cJSON_IsNumber(node))
        return 0;
    double d = node->valuedouble;
    return d >= f->min && d <= f->max && (!integer || d == floor(d));
}

static int pl_enum_load(pl_scenario_ld *ld, const pl_field *f, const char *name, const cJSON *node,
                        cJSON *out)
{
    for (const char *const *c = f->choices; cJSON_IsString(node) && *c; c++)
        if (strcmp(node->valuestring, *c) == 0) {
            cJSON_AddStringToObject(out, pl_norm(f), *c);
            return 0;
        }
    pl_buf b = PL_BUF_INIT;
    for (const char *const *c = f->choices; *c; c++)
        pl_buf_printf(&b, "%s%s", c == f->choices ? "" : c[1] ? ", " : " or ", *c);
    pl_bad_type(ld, node, name, b.data);
    pl_buf_free(&b);
    return -1;
}

/* Checks one field and adds its normalized form to out: 0, or -1 after reporting. */
static int pl_field_load(pl_scenario_ld *ld, const pl_field *f, const char *name, const cJSON *node,
                         cJSON *out)
{
    const char *key = pl_norm(f);
    char err[256];
    int64_t us;
    switch (f->type) {
    case PL_FT_MESSAGE:
        if (ld->dialect && strcmp(ld->dialect, "aicall") == 0 && !cJSON_IsObject(node) &&
            !pl_is_template(node)) {
            return pl_bad_type(ld, node, name, "an object (an aicall message {type, data})");
        }
        break;
    case PL_FT_ANY:
        break;
    case PL_FT_STRING:
        if (!cJSON_IsString(node))
            return pl_bad_type(ld, node, name, "a string");
        break;
    case PL_FT_BOOL:
        if (!cJSON_IsBool(node))
            return pl_bad_type(ld, node, name, "true or false");
        break;
    case PL_FT_INT:
    case PL_FT_NUMBER:
        if (!pl_in_range(f, node, f->type == PL_FT_INT)) {
            char need[96];
            snprintf(need, sizeof need, "%s from %g to %g",
                     f->type == PL_FT_INT ? "an integer" : "a number", f->min, f->max);
            if (f->max >= 1e9)
                snprintf(need, sizeof need, "%s >= %g",
                         f->type == PL_FT_INT ? "an integer" : "a number", f->min);
            return pl_bad_type(ld, node, name, need);
        }
        break;
    case PL_FT_ENUM:
        return pl_enum_load(ld, f, name, node, out);
    case PL_FT_OBJECT:
        if (!cJSON_IsObject(node) && !pl_is_template(node))
            return pl_bad_type(ld, node, name, "a mapping");
        break;
    case PL_FT_STRMAP: {
        const cJSON *m;
        if (!cJSON_IsObject(node))
            return pl_bad_type(ld, node, name, "a mapping of strings");
        cJSON_ArrayForEach(m, node) if (!cJSON_IsString(m)) return pl_bad_type(ld, m, m->string,
                                                                               "a string");
        break;
    }
    case PL_FT_BODY:
        if (!cJSON_IsString(node) && !cJSON_IsObject(node))
            return pl_bad_type(ld, node, name, "a string or a mapping (sent as JSON)");
        break;
    case PL_FT_DURATION: {
        if (pl_duration_parse(node, &us, err, sizeof err)) {
            pl_scenario_ld_error(ld, node, 0, "'%s': %s", name, err);
            return -1;
        }
        char k[64];
        snprintf(k, sizeof k, "%s_us", key);
        cJSON_AddNumberToObject(out, k, (double)us);
        return 0;
    }
    case PL_FT_PATTERN:
        if (pl_pattern_load(ld, node))
            return -1;
        break;
    case PL_FT_PATTERNS: {
        const cJSON *e;
        if (!cJSON_IsArray(node))
            return pl_bad_type(ld, node, name, "a list of patterns");
        int rc = 0;
        cJSON_ArrayForEach(e, node) rc |= pl_pattern_load(ld, e);
        if (rc)
            return -1;
        break;
    }
    case PL_FT_TARGET:
        if (pl_pattern_load(ld, node))
            return -1;
        cJSON_AddStringToObject(out, "target", name);
        cJSON_AddItemToObject(out, "match", cJSON_Duplicate(node, 1));
        return 0;
    case PL_FT_COUNT:
        return pl_count_load(ld, name, node, out);
    case PL_FT_SUB: {
        if (!cJSON_IsObject(node))
            return pl_bad_type(ld, node, name, "a mapping");
        cJSON *sub = cJSON_CreateObject();
        pl_sub_load(ld, f->sub, name, node, sub);
        cJSON_AddItemToObject(out, key, sub);
        return 0;
    }
    case PL_FT_CAPTURES:
        if (pl_varmap_load(ld, name, node, 1))
            return -1;
        break;
    case PL_FT_VARS:
        if (pl_varmap_load(ld, name, node, 0))
            return -1;
        break;
    case PL_FT_SWITCHES: {
        const cJSON *m;
        if (!cJSON_IsObject(node) || !node->child)
            return pl_bad_type(ld, node, name, "a mapping of behaviour names to true or false");
        cJSON_ArrayForEach(m, node) if (!cJSON_IsBool(m)) return pl_bad_type(ld, m, m->string,
                                                                             "true or false");
        pl_scenario_check_behaviours(ld, ld->dialect, node);
        break;
    }
    case PL_FT_VARNAME:
        if (!cJSON_IsString(node) || !pl_scenario_is_varname(node->valuestring))
            return pl_bad_type(ld, node, name,
                               "a variable name (letters, digits and _, not starting with a "
                               "digit)");
        cJSON_AddItemToArray(ld->defined, cJSON_CreateString(node->valuestring));
        break;
    case PL_FT_HEX:
        return pl_hex_load(ld, name, node, out, key);
    case PL_FT_B64: {
        size_t n;
        unsigned char *bytes = NULL;
        if (!cJSON_IsString(node) ||
            !(bytes = pl_crypto_base64_decode(node->valuestring, strlen(node->valuestring), &n)))
            return pl_bad_type(ld, node, name, "valid base64 (standard alphabet, '=' padded)");
        free(bytes);
        break;
    }
    case PL_FT_STEPS: {
        if (!cJSON_IsArray(node) || !node->child)
            return pl_bad_type(ld, node, name, "a non-empty list of steps");
        const cJSON *outer = ld->step;
        cJSON *steps = pl_scenario_steps_load(ld, node);
        ld->step = outer;
        if (!steps)
            return -1;
        cJSON_AddItemToObject(out, key, steps);
        return 0;
    }
    }
    cJSON_AddItemToObject(out, key, cJSON_Duplicate(node, 1));
    return 0;
}

/* ---- rules between fields ------------------------------------------------------------------ */

static int pl_sf_has(const pl_step_fields *sf, const char *norm)
{
    for (size_t i = 0; i < sf->n; i++)
        if (strcmp(pl_norm(sf->v[i].f), norm) == 0)
            return 1;
    return 0;
}

static const cJSON *pl_sf_node(const pl_step_fields *sf, const char *norm)
{
    for (size_t i = 0; i < sf->n; i++)
        if (strcmp(pl_norm(sf->v[i].f), norm) == 0)
            return sf->v[i].node;
    return NULL;
}

#define PL_TARGET_LIST "message, sent, bridge, event, finding, close, open, text, callback, http"

static void pl_rules_expect(pl_step_fields *sf)
{
    const char *first = NULL;
    for (size_t i = 0; i < sf->n; i++) {
        if (sf->v[i].f->type != PL_FT_TARGET)
            continue;
        if (first) {
            pl_scenario_ld_error(sf->ld, sf->v[i].node, sf->v[i].member,
                                 "two targets in one %s: '%s' and '%s' (one of %s)", sf->kind->name,
                                 first, sf->v[i].name, PL_TARGET_LIST);
            return;
        }
        first = sf->v[i].name;
    }
    if (!first)
        pl_scenario_ld_error(sf->ld, sf->step, 0, "%s needs a target: one of %s", sf->kind->name,
                             PL_TARGET_LIST);
}

static void pl_rules_expect_stream(pl_step_fields *sf)
{
    pl_rules_expect(sf);
    int w = pl_sf_has(sf, "within"), f = pl_sf_has(sf, "for");
    if (!w && !f)
        pl_scenario_ld_error(sf->ld, sf->step, 0, "expect_stream needs 'within' or 'for'");
    else if (w && f)
        pl_scenario_ld_error(sf->ld, pl_sf_node(sf, "for"), 1,
                             "expect_stream takes 'within' or 'for', not both");
}

static void pl_one_of(pl_step_fields *sf, const char *const *names, const char *what)
{
    int n = 0;
    const cJSON *second = NULL;
    for (const char *const *p = names; *p; p++)
        if (pl_sf_has(sf, *p) && n++ == 1)
            second = pl_sf_node(sf, *p);
    if (n == 0)
        pl_scenario_ld_error(sf->ld, sf->step, 0, "%s needs %s", sf->kind->name, what);
    else if (n > 1)
        pl_scenario_ld_error(sf->ld, second, 1, "%s takes only one of %s", sf->kind->name, what);
}

static void pl_rules_send_raw(pl_step_fields *sf)
{
    static const char *const names[] = {"text", "hex", "b64", NULL};
    pl_one_of(sf, names, "text, hex or b64");
}

static void pl_rules_http(pl_step_fields *sf)
{
    static const char *const names[] = {"url", "path", NULL};
    pl_one_of(sf, names, "url or path");
}

static void pl_rules_repeat(pl_step_fields *sf)
{
    if (!pl_sf_has(sf, "count"))
        pl_scenario_ld_error(sf->ld, sf->step, 0, "repeat needs 'count' (or 'times')");
}

/* Which fault fields go with which action. */
static void pl_rules_fault(pl_step_fields *sf)
{
    static const struct {
        const char *field, *action;
        int required;
    } deps[] = {
        {"delay", "delay", 1}, {"corrupt", "corrupt", 1}, {"for", "stall", 1},
        {"size", "slice", 1},  {"code", "close", 0},      {"reason", "close", 0},
    };
    const char *action = pl_json_str(sf->out, "action", NULL);
    if (!action)
        return;
    for (size_t i = 0; i < sizeof deps / sizeof deps[0]; i++) {
        int has = pl_sf_has(sf, deps[i].field), is = strcmp(action, deps[i].action) == 0;
        if (is && deps[i].required && !has)
            pl_scenario_ld_error(sf->ld, sf->step, 0, "fault %s needs '%s'", action, deps[i].field);
        else if (!is && has)
            pl_scenario_ld_error(sf->ld, pl_sf_node(sf, deps[i].field), 1,
                                 "'%s' is for fault %s, not %s", deps[i].field, deps[i].action,
                                 action);
    }
}

/* ---- one step ---------------------------------------------------------------------------- */

/* Records field name (its value node) of the step being loaded; reports unknown and
 * repeated fields. A scalar kind value (main) fills the kind's main field and is named
 * after the kind in messages ("wait: bad duration …"). */
static void pl_sf_add(pl_step_fields *sf, const char *name, const cJSON *node, int main)
{
    const pl_field *f =
        main ? pl_field_in(sf->kind->fields, sf->kind->main) : pl_kind_field(sf->kind, name);
    if (!f) {
        pl_buf known = PL_BUF_INIT;
        pl_field_list(&known, sf->kind->fields, 1);
        pl_scenario_ld_error(sf->ld, node, 1, "unknown field '%s' for %s (known: %s)", name,
                             sf->kind->name, known.data);
        pl_buf_free(&known);
        return;
    }
    for (size_t i = 0; i < sf->n; i++) {
        if (strcmp(pl_norm(sf->v[i].f), pl_norm(f)) != 0)
            continue;
        if (strcmp(sf->v[i].name, name) == 0)
            pl_scenario_ld_error(sf->ld, node, 1,
                                 "'%s' is given twice (in the %s mapping and beside it)", name,
                                 sf->kind->name);
        else
            pl_scenario_ld_error(sf->ld, node, 1, "'%s' and '%s' are the same field: give one",
                                 sf->v[i].name, name);
        return;
    }
    if (sf->n == sizeof sf->v / sizeof sf->v[0]) {
        pl_scenario_ld_error(sf->ld, node, 1, "too many fields in one step");
        return;
    }
    sf->v[sf->n].name = name;
    sf->v[sf->n].f = f;
    sf->v[sf->n].node = node;
    sf->v[sf->n].member = node->string != NULL;
    sf->n++;
}

/* The member of step whose key is its kind, or NULL after reporting why there is none. */
static const cJSON *pl_step_kind(pl_scenario_ld *ld, const cJSON *step)
{
    const cJSON *found[PL_NKINDS], *m;
    size_t n = 0;
    int beside_drive = 0, beside_http = 0;
    cJSON_ArrayForEach(m, step)
    {
        if (!pl_kind_find(m->string))
            continue;
        found[n++] = m;
        beside_drive |= !strcmp(m->string, "drive") || !strcmp(m->string, "http") ||
                        !strcmp(m->string, "callback");
        beside_http |= !strcmp(m->string, "http");
    }
    /* `expect` beside drive / http / callback and `capture` beside http are their fields. */
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!(beside_drive && !strcmp(found[i]->string, "expect")) &&
            !(beside_http && !strcmp(found[i]->string, "capture")))
            found[k++] = found[i];
    if (k == 1)
        return found[0];
    if (k > 1) {
        pl_scenario_ld_error(ld, found[1], 1,
                             "two step kinds in one step: '%s' and '%s' (a step does one thing; "
                             "make two steps)",
                             found[0]->string, found[1]->string);
        return NULL;
    }
    pl_buf known = PL_BUF_INIT;
    pl_kind_list(&known);
    cJSON_ArrayForEach(m, step) if (!pl_any_field(m->string)) break;
    if (m)
        pl_scenario_ld_error(ld, m, 1, "unknown step kind '%s' (known: %s)", m->string, known.data);
    else
        pl_scenario_ld_error(ld, step, 0, "step has no kind (one of: %s)", known.data);
    pl_buf_free(&known);
    return NULL;
}

static void pl_add_unique(cJSON *names, const char *s)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, names) if (strcmp(c->valuestring, s) == 0) return;
    cJSON_AddItemToArray(names, cJSON_CreateString(s));
}

/* What the scenario as a whole needs to know about a loaded step. */
static void pl_step_note(pl_scenario_ld *ld, const char *kind, const cJSON *out)
{
    if (strcmp(kind, "drive") == 0) {
        const char *a = pl_json_str(out, "action", NULL);
        if (a)
            pl_add_unique(ld->actions, a);
        ld->uses_client = 1;
    } else if (strcmp(kind, "expect_callback") == 0) {
        ld->uses_client = 1;
    } else if (strcmp(kind, "prompt") == 0) {
        ld->has_prompt = 1;
    }
}

/* The kind's value: its fields (a mapping), or its main field (a scalar, or anything for
 * payload kinds). 0, or -1 when the value has the wrong shape. */
static int pl_step_value(pl_step_fields *sf, const cJSON *kv)
{
    const pl_kind *k = sf->kind;
    char shown[128];
    if (k->payload) {
        pl_sf_add(sf, k->name, kv, 1);
        return 0;
    }
    if (cJSON_IsObject(kv) && strcmp(k->name, "wait") != 0) { /* wait: a duration only */
        const cJSON *m;
        cJSON_ArrayForEach(m, kv) pl_sf_add(sf, m->string, m, 0);
        return 0;
    }
    if (!k->main || cJSON_IsArray(kv) || cJSON_IsNull(kv) || cJSON_IsObject(kv)) {
        pl_scenario_ld_error(sf->ld, kv, 0, "%s needs %s, got %s", k->name, k->need,
                             pl_scenario_show(kv, shown, sizeof shown));
        return -1;
    }
    pl_sf_add(sf, k->name, kv, 1);
    return 0;
}

static cJSON *pl_step_load(pl_scenario_ld *ld, const cJSON *node, int index)
{
    char shown[128];
    int line = 0, col = 0;
    pl_yaml_pos(ld->doc, node, &line, &col);
    ld->step = node;
    if (!cJSON_IsObject(node) || !node->child) {
        pl_buf known = PL_BUF_INIT;
        pl_scenario_ld_error(ld, node, 0, "a step is a mapping with one step kind (%s), got %s",
                             pl_kind_list(&known), pl_scenario_show(node, shown, sizeof shown));
        pl_buf_free(&known);
        return NULL;
    }
    const cJSON *kv = pl_step_kind(ld, node);
    if (!kv)
        return NULL;
    size_t errs_before = ld->nerr;
    pl_step_fields sf;
    memset(&sf, 0, sizeof sf);
    sf.ld = ld;
    sf.kind = pl_kind_find(kv->string);
    sf.step = node;
    sf.out = cJSON_CreateObject();
    cJSON_AddStringToObject(sf.out, "step", sf.kind->name);
    cJSON_AddNumberToObject(sf.out, "index", index);
    cJSON_AddNumberToObject(sf.out, "line", line);
    cJSON_AddNumberToObject(sf.out, "col", col);
    int value_ok = pl_step_value(&sf, kv) == 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, node) if (m != kv) pl_sf_add(&sf, m->string, m, 0);
    for (const pl_field *f = sf.kind->fields; value_ok && f->name; f++)
        if ((f->flags & PL_FF_REQUIRED) && !pl_sf_has(&sf, pl_norm(f)))
            pl_scenario_ld_error(ld, node, 0, "%s needs '%s'", sf.kind->name, f->name);
    for (size_t i = 0; i < sf.n; i++)
        pl_field_load(ld, sf.v[i].f, sf.v[i].name, sf.v[i].node, sf.out);
    ld->step = node; /* nested steps moved it */
    if (value_ok && sf.kind->rules)
        sf.kind->rules(&sf);
    ld->step = NULL;
    if (ld->nerr != errs_before) {
        cJSON_Delete(sf.out);
        return NULL;
    }
    pl_step_note(ld, sf.kind->name, sf.out);
    return sf.out;
}

cJSON *pl_scenario_steps_load(pl_scenario_ld *ld, const cJSON *steps)
{
    char shown[128];
    if (!cJSON_IsArray(steps) || !steps->child) {
        pl_scenario_ld_error(ld, steps, 0, "'steps' needs a non-empty list of steps, got %s",
                             pl_scenario_show(steps, shown, sizeof shown));
        return NULL;
    }
    cJSON *out = cJSON_CreateArray();
    int index = 0, bad = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, steps)
    {
        cJSON *n = pl_step_load(ld, s, ++index);
        if (n)
            cJSON_AddItemToArray(out, n);
        else
            bad = 1;
    }
    if (bad) {
        cJSON_Delete(out);
        return NULL;
    }
    return out;
}
