/* pl_cmd_list.c — `parley list`: what parley knows. `dialects` from the dialect
 * table; `kinds` from each dialect's catalog (schemas/<dialect>/catalog.json); `rules`,
 * `behaviours`, `actions` and `callbacks` from the dialect's own tables (mock/pl_dialect.h),
 * so the lists and the code cannot drift apart. */
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
               "       parley list kinds|rules|behaviours|actions|callbacks|acts [--dialect ID]\n"
               "\n"
               "  dialects    the vendor protocols parley speaks, with their native transport\n"
               "  kinds       the message kinds of a dialect's catalog: kind, direction, meaning\n"
               "              (read from <schema root>/<dialect>/catalog.json)\n"
               "  rules       the stateful rules: id, level, what they check (docs/rules-*.md)\n"
               "  behaviours  the mock's default auto-responses, on/off by default, that a\n"
               "              profile or scenario can switch by name (docs/behaviour-*.md)\n"
               "  actions     the SDK actions a driver can be asked to perform (docs/driver.md)\n"
               "  callbacks   the SDK callbacks a driver reports (docs/driver.md)\n"
               "  acts        what the mock agent does on request (scenario `act` step)\n");
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
        printf("%-34s %-14s %s\n", pl_json_str(e, "kind", ""), pl_json_str(e, "direction", ""),
               pl_json_str(e, "meaning", ""));
    cJSON_Delete(cat);
    return 0;
}

/* Parses "[--dialect ID]" (and nothing else); 0, or the usage-error exit code. */
static int pl_list_dialect_opt(int argc, char **argv, const char **dialect)
{
    static const struct option opts[] = {{"dialect", required_argument, NULL, 'd'},
                                         {NULL, 0, NULL, 0}};
    int c;
    *dialect = NULL;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (c != 'd')
            return pl_cli_usage_error("list", "unknown or incomplete option '%s'", argv[optind - 1]);
        *dialect = optarg;
    }
    if (optind < argc)
        return pl_cli_usage_error("list", "unexpected argument '%s'", argv[optind]);
    if (*dialect && !pl_dialect_find(*dialect))
        return pl_cli_usage_error("list", "unknown dialect '%s' (see 'parley list dialects')",
                                  *dialect);
    return 0;
}

static int pl_list_kinds(int argc, char **argv)
{
    const char *dialect;
    int rc = pl_list_dialect_opt(argc, argv, &dialect);
    if (rc)
        return rc;
    if (dialect)
        return pl_list_kinds_of(dialect, 0) ? PL_EXIT_USAGE : PL_EXIT_OK;
    int shown = 0;
    for (const pl_dialect *const *d = pl_dialect_all(); *d; d++)
        shown += !pl_list_kinds_of((*d)->id, 1);
    if (!shown)
        fprintf(stderr, "parley list: no dialect catalog under %s\n", pl_cli_schema_root());
    return shown ? PL_EXIT_OK : PL_EXIT_USAGE;
}

typedef enum {
    PL_LIST_RULES,
    PL_LIST_BEHAVIOURS,
    PL_LIST_ACTIONS,
    PL_LIST_CALLBACKS,
    PL_LIST_ACTS
} pl_list_what;

/* Prints one table of a dialect; returns the number of rows. */
static int pl_list_table_of(const pl_dialect *d, pl_list_what what)
{
    int n = 0;
    if (what == PL_LIST_RULES && d->rules_catalog) {
        for (const pl_rule_info *r = d->rules_catalog(); r->rule; r++, n++)
            printf("%-44s %-6s %s\n", r->rule, pl_level_name(r->level), r->description);
    } else if (what == PL_LIST_BEHAVIOURS && d->behaviours) {
        for (const pl_behaviour_info *b = d->behaviours; b->name; b++, n++)
            printf("%s.%-32s %-3s %s\n", d->id, b->name, b->default_on ? "on" : "off",
                   b->description);
    } else if (what != PL_LIST_RULES && what != PL_LIST_BEHAVIOURS) {
        const pl_api_info *a = what == PL_LIST_ACTIONS   ? d->actions
                               : what == PL_LIST_ACTS ? d->acts
                                                      : d->callbacks;
        for (; a && a->name; a++, n++)
            printf("%-30s %-34s %s\n", a->name, a->args, a->description);
    }
    return n;
}

static int pl_list_table(int argc, char **argv, pl_list_what what)
{
    const char *dialect;
    int rc = pl_list_dialect_opt(argc, argv, &dialect);
    if (rc)
        return rc;
    int rows = 0;
    for (const pl_dialect *const *d = pl_dialect_all(); *d; d++)
        if (!dialect || !strcmp(dialect, (*d)->id))
            rows += pl_list_table_of(*d, what);
    if (!rows)
        fprintf(stderr, "parley list: nothing to list%s%s\n", dialect ? " for " : "",
                dialect ? dialect : "");
    return rows ? PL_EXIT_OK : PL_EXIT_USAGE;
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
    static const struct {
        const char *name;
        pl_list_what what;
    } tables[] = {{"rules", PL_LIST_RULES},
                  {"behaviours", PL_LIST_BEHAVIOURS},
                  {"behaviors", PL_LIST_BEHAVIOURS},
                  {"actions", PL_LIST_ACTIONS},
                  {"callbacks", PL_LIST_CALLBACKS},
                  {"acts", PL_LIST_ACTS}};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (strcmp(argv[1], tables[i].name) == 0)
            return pl_list_table(argc - 1, argv + 1, tables[i].what);
    return pl_cli_usage_error("list",
                              "unknown list '%s' (dialects, kinds, rules, behaviours, actions, "
                              "callbacks, acts)",
                              argv[1]);
}
