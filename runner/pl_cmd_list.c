/* pl_cmd_list.c — `parley list`: what parley knows. `dialects` from the dialect
 * table; `kinds` from each dialect's catalog (schemas/<dialect>/catalog.json). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/pl_json.h"
#include "mock/pl_dialect.h"
#include "runner/pl_cli.h"

static void pl_list_help(FILE *f)
{
    fprintf(f, "usage: parley list dialects\n"
               "       parley list kinds [--dialect ID]\n"
               "\n"
               "  dialects   the vendor protocols parley speaks, with their native transport\n"
               "  kinds      the message kinds of a dialect's catalog: kind, direction, meaning\n"
               "             (read from <schema root>/<dialect>/catalog.json)\n");
}

static int pl_list_dialects(void)
{
    for (const pl_dialect *const *p = pl_dialect_all(); *p; p++) {
        const pl_dialect *d = *p;
        printf("%-8s %s\n         transport: %s; seed %s%s\n", d->id, d->vendor, d->transport,
               d->seed, pl_dialect_live(d) ? "" : " (mock: not in this build yet)");
    }
    return PL_EXIT_OK;
}

static const char *pl_list_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* Prints one dialect's catalog; returns 1 if the dialect has none. */
static int pl_list_kinds_of(const char *dialect, int quiet_missing)
{
    char path[1024], err[1200];
    snprintf(path, sizeof path, "%s/%s/catalog.json", pl_cli_schema_root(), dialect);
    if (access(path, F_OK) != 0) {
        if (!quiet_missing)
            fprintf(stderr, "parley list: dialect %s has no catalog yet (%s missing)\n", dialect,
                    path);
        return 1;
    }
    cJSON *cat = pl_json_load_file(path, err, sizeof err);
    if (!cat) {
        fprintf(stderr, "parley list: %s\n", err);
        return 1;
    }
    if (!cJSON_IsArray(cat)) {
        fprintf(stderr, "parley list: %s: not a JSON array\n", path);
        cJSON_Delete(cat);
        return 1;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, cat)
        printf("%-34s %-14s %s\n", pl_list_str(e, "kind"), pl_list_str(e, "direction"),
               pl_list_str(e, "meaning"));
    cJSON_Delete(cat);
    return 0;
}

static int pl_list_kinds(int argc, char **argv)
{
    static const struct option opts[] = {{"dialect", required_argument, NULL, 'd'},
                                         {NULL, 0, NULL, 0}};
    const char *dialect = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (c != 'd')
            return pl_cli_usage_error("list", "unknown or incomplete option '%s'", argv[optind - 1]);
        dialect = optarg;
    }
    if (dialect) {
        if (!pl_dialect_find(dialect))
            return pl_cli_usage_error("list", "unknown dialect '%s' (see 'parley list dialects')",
                                      dialect);
        return pl_list_kinds_of(dialect, 0) ? PL_EXIT_USAGE : PL_EXIT_OK;
    }
    int shown = 0;
    for (const pl_dialect *const *d = pl_dialect_all(); *d; d++)
        shown += !pl_list_kinds_of((*d)->id, 1);
    if (!shown)
        fprintf(stderr, "parley list: no dialect catalog under %s\n", pl_cli_schema_root());
    return shown ? PL_EXIT_OK : PL_EXIT_USAGE;
}

int pl_cmd_list(int argc, char **argv)
{
    if (pl_cli_wants_help(argc, argv)) {
        pl_list_help(stdout);
        return PL_EXIT_OK;
    }
    if (argc < 2)
        return pl_cli_usage_error("list", "what to list? dialects or kinds");
    if (strcmp(argv[1], "dialects") == 0)
        return argc == 2 ? pl_list_dialects()
                         : pl_cli_usage_error("list", "unexpected argument '%s'", argv[2]);
    if (strcmp(argv[1], "kinds") == 0)
        return pl_list_kinds(argc - 1, argv + 1);
    return pl_cli_usage_error("list", "unknown list '%s' (dialects, kinds)", argv[1]);
}
