/* rc_args.c — drive-command arguments with defaults and type checks (see rc_args.h). */
#include "rc_args.h"

#include <math.h>
#include <stdio.h>

void rc_args_vfail(rc_args *a, const char *fmt, va_list ap)
{
    vsnprintf(a->error, sizeof a->error, fmt, ap);
}

static void rc_args_failf(rc_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rc_args_failf(rc_args *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rc_args_vfail(a, fmt, ap);
    va_end(ap);
}

const cJSON *rc_arg_get(rc_args *a, const char *name, cJSON_bool (*is)(const cJSON *),
                        const char *what)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(a->args, name);
    if (!v || cJSON_IsNull(v))
        return NULL;
    if (!is(v)) {
        if (!a->bad)
            rc_args_failf(a, "args.%s: want %s", name, what);
        a->bad = 1;
        return NULL;
    }
    return v;
}

const char *rc_arg_str(rc_args *a, const char *name, const char *def)
{
    const cJSON *v = rc_arg_get(a, name, cJSON_IsString, "a string");
    return v ? v->valuestring : def;
}

int rc_arg_bool(rc_args *a, const char *name, int def)
{
    const cJSON *v = rc_arg_get(a, name, cJSON_IsBool, "a boolean");
    return v ? cJSON_IsTrue(v) : def;
}

static cJSON_bool is_int(const cJSON *v)
{
    return cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) &&
           fabs(v->valuedouble) < 1e15;
}

/* An integer in lo..hi. */
int64_t rc_arg_int(rc_args *a, const char *name, int64_t def, int64_t lo, int64_t hi)
{
    const cJSON *v = rc_arg_get(a, name, is_int, "an integer");
    if (!v)
        return def;
    if (v->valuedouble < (double)lo || v->valuedouble > (double)hi) {
        if (!a->bad)
            rc_args_failf(a, "args.%s: want %lld..%lld", name, (long long)lo, (long long)hi);
        a->bad = 1;
        return def;
    }
    return (int64_t)v->valuedouble;
}

const cJSON *rc_arg_obj(rc_args *a, const char *name)
{
    return rc_arg_get(a, name, cJSON_IsObject, "an object");
}
