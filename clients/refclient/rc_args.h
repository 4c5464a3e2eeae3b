/* rc_args.h — the arguments of a drive command, read with defaults and type checks.
 *
 * Used by the bailian and trtc action tables (rc_bailian_actions.c, rc_trtc_actions.c): every
 * argument is optional (absent or null → the default); a wrong type or range keeps the first
 * error in error[] and sets bad, so an action reads all its arguments and checks once. */
#ifndef RC_ARGS_H
#define RC_ARGS_H

#include <stdarg.h>
#include <stdint.h>

#include <cjson/cJSON.h>

typedef struct {
    const cJSON *args; /* the command's "args" object (borrowed; may be NULL) */
    int bad;
    char error[300];
} rc_args;

/* Writes the error message (the caller says whether it makes the command bad). */
void rc_args_vfail(rc_args *a, const char *fmt, va_list ap);

/* args.name when it passes is (else bad: "args.name: want <what>"), NULL when absent. */
const cJSON *rc_arg_get(rc_args *a, const char *name, cJSON_bool (*is)(const cJSON *),
                        const char *what);
const char *rc_arg_str(rc_args *a, const char *name, const char *def);
int rc_arg_bool(rc_args *a, const char *name, int def);
/* An integer in lo..hi. */
int64_t rc_arg_int(rc_args *a, const char *name, int64_t def, int64_t lo, int64_t hi);
const cJSON *rc_arg_obj(rc_args *a, const char *name);

#endif
