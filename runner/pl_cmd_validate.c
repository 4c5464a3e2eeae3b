/* pl_cmd_validate.c — `parley validate`: offline checks.
 *
 *   --schema FILE [INSTANCE|-]  draft-07 validation; INSTANCE is JSON, or YAML when
 *                               it ends in .yaml/.yml (errors then carry line:col)
 *   --yaml FILE                 parse YAML, print it as JSON or file:line:col: error
 *   CAPTURE.jsonl [--dialect]   judge a trace/capture anew: schema + rules (pl_capture.c)
 *
 * Exit 0 valid, 1 invalid instance or must-level findings, 2 unreadable input or invalid
 * schema. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/pl_buf.h"
#include "core/pl_json.h"
#include "core/pl_yaml.h"
#include "mock/pl_dialect.h"
#include "runner/pl_capture.h"
#include "runner/pl_cli.h"
#include "schemas/pl_schema.h"


static void pl_validate_help(FILE *f)
{
    fprintf(f,
            "usage: parley validate --schema SCHEMA.json [INSTANCE|-]\n"
            "       parley validate --yaml FILE.yaml\n"
            "       parley validate [--dialect ID] CAPTURE.jsonl\n"
            "\n"
            "  CAPTURE.jsonl   judge a capture (a parley trace, docs/trace.md) with this build's\n"
            "                  schemas and stateful rules, as if it happened live; prints each\n"
            "                  finding as FILE:LINE: SESSION RULE (LEVEL): message. Exit 1 when\n"
            "                  a must-level finding is found. --dialect names the dialect of\n"
            "                  sessions whose records do not say (default aicall).\n"
            "  --schema FILE   validate INSTANCE (default: standard input) against a JSON\n"
            "                  Schema draft-07 file. INSTANCE is JSON, or YAML when its name\n"
            "                  ends in .yaml/.yml, and then every error also says file:line:col.\n"
            "                  $ref to other files resolves relative to the schema file; the\n"
            "                  draft-07 meta-schema comes from the schema root ($PARLEY_SCHEMAS).\n"
            "                  The schema itself is checked against the meta-schema first.\n"
            "  --yaml FILE     parse FILE as YAML and print it as JSON, or print\n"
            "                  file:line:col: message\n"
            "\n"
            "Each error: [file:line:col: ]<instance path>: <message> (schema <schema path>)\n"
            "exit codes: 0 valid, 1 instance invalid, 2 unreadable or malformed input or schema\n");
}

/* Loads the instance: JSON or YAML. On YAML, *ydoc owns the tree. */
static const cJSON *pl_validate_load_instance(const char *path, pl_yaml_doc **ydoc,
                                              cJSON **jdoc)
{
    size_t n = strlen(path);
    int yaml = (n > 5 && strcmp(path + n - 5, ".yaml") == 0) ||
               (n > 4 && strcmp(path + n - 4, ".yml") == 0);
    if (yaml) {
        pl_yaml_error ye;
        *ydoc = pl_yaml_load_file(path, &ye);
        if (!*ydoc) {
            char msg[1200];
            pl_yaml_error_format(&ye, msg, sizeof msg);
            fprintf(stderr, "%s\n", msg);
            return NULL;
        }
        return pl_yaml_root(*ydoc);
    }
    char err[1200];
    *jdoc = pl_json_load_file(path, err, sizeof err);
    if (!*jdoc)
        fprintf(stderr, "%s\n", err);
    return *jdoc;
}

static void pl_validate_print_errors(const pl_schema_errors *errs, const char *name,
                                     const pl_yaml_doc *ydoc)
{
    for (size_t i = 0; i < errs->n; i++) {
        char *msg = pl_schema_error_format(&errs->v[i]);
        int line, col;
        if (ydoc && errs->v[i].instance && pl_yaml_pos(ydoc, errs->v[i].instance, &line, &col) == 0)
            printf("%s:%d:%d: %s\n", name, line, col, msg);
        else
            printf("%s: %s\n", name, msg);
        free(msg);
    }
}

/* A set for schemas named on the command line: paths are the user's (relative to
 * the working directory, $refs free to reach sibling files), and the draft-07
 * meta-schema comes from parley's schema root so nothing is fetched. */
static pl_schema_set *pl_validate_cli_set(char *err, size_t errlen)
{
    pl_buf meta_path = PL_BUF_INIT;
    pl_buf_printf(&meta_path, "%s/meta/draft-07.json", pl_cli_schema_root());
    cJSON *meta = pl_json_load_file(meta_path.data, err, errlen);
    pl_buf_free(&meta_path);
    if (!meta)
        return NULL;
    pl_schema_set *set = pl_schema_set_new(NULL);
    if (pl_schema_set_add(set, PL_SCHEMA_META_URI, meta, err, errlen)) {
        pl_schema_set_free(set);
        return NULL;
    }
    return set;
}

static int pl_validate_schema(const char *schema_path, const char *instance_path)
{
    char err[1024];
    pl_schema_set *set = pl_validate_cli_set(err, sizeof err);
    if (!set) {
        fprintf(stderr, "parley validate: meta-schema: %s (is PARLEY_SCHEMAS right?)\n", err);
        return PL_EXIT_HARNESS;
    }
    const cJSON *schema = pl_schema_set_load(set, schema_path, err, sizeof err);
    if (!schema) {
        fprintf(stderr, "parley validate: schema %s\n", err);
        pl_schema_set_free(set);
        return PL_EXIT_USAGE;
    }
    pl_schema_errors errs = PL_SCHEMA_ERRORS_INIT;
    /* The schema must itself be a valid draft-07 schema. */
    int ok = pl_schema_check(set, schema, &errs);
    if (ok != 1) {
        fprintf(stderr, "parley validate: %s is not a valid draft-07 schema:\n", schema_path);
        for (size_t i = 0; i < errs.n; i++) {
            char *m = pl_schema_error_format(&errs.v[i]);
            fprintf(stderr, "  %s\n", m);
            free(m);
        }
        pl_schema_errors_free(&errs);
        pl_schema_set_free(set);
        return PL_EXIT_USAGE;
    }
    pl_schema_errors_free(&errs);

    pl_yaml_doc *ydoc = NULL;
    cJSON *jdoc = NULL;
    const cJSON *instance = pl_validate_load_instance(instance_path, &ydoc, &jdoc);
    int rc = PL_EXIT_USAGE;
    if (instance) {
        const char *name = strcmp(instance_path, "-") ? instance_path : "<stdin>";
        int v = pl_schema_validate(set, schema, instance, &errs);
        pl_validate_print_errors(&errs, name, ydoc);
        if (v == 1)
            printf("%s: valid\n", name);
        rc = v == 1 ? PL_EXIT_OK : v == 0 ? PL_EXIT_FAIL : PL_EXIT_USAGE;
        pl_schema_errors_free(&errs);
    }
    pl_yaml_free(ydoc);
    cJSON_Delete(jdoc);
    pl_schema_set_free(set);
    return rc;
}

static int pl_validate_yaml(const char *path)
{
    pl_yaml_error ye;
    pl_yaml_doc *doc = pl_yaml_load_file(path, &ye);
    if (!doc) {
        char msg[1200];
        pl_yaml_error_format(&ye, msg, sizeof msg);
        fprintf(stderr, "%s\n", msg);
        return PL_EXIT_USAGE;
    }
    char *json = cJSON_Print(pl_yaml_root(doc));
    printf("%s\n", json ? json : "null");
    free(json);
    pl_yaml_free(doc);
    return PL_EXIT_OK;
}

static int pl_validate_capture(const char *path, const char *dialect)
{
    if (dialect && !pl_dialect_find(dialect))
        return pl_cli_usage_error("validate", "unknown dialect '%s'", dialect);
    char err[1200];
    pl_capture_result r;
    if (pl_capture_validate(path, dialect, pl_cli_schema_root(), stdout, &r, err, sizeof err)) {
        fprintf(stderr, "parley validate: %s\n", err);
        return PL_EXIT_USAGE;
    }
    printf("%s: %lu session(s), %lu record(s): %lu must, %lu should finding(s)\n", path,
           r.sessions, r.records, r.must, r.should);
    return r.must ? PL_EXIT_FAIL : PL_EXIT_OK;
}

int pl_cmd_validate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"schema", required_argument, NULL, 's'},
        {"yaml", required_argument, NULL, 'y'},
        {"dialect", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *schema = NULL, *yaml = NULL, *dialect = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 's': schema = optarg; break;
        case 'y': yaml = optarg; break;
        case 'd': dialect = optarg; break;
        case 'h': pl_validate_help(stdout); return PL_EXIT_OK;
        default:
            return pl_cli_usage_error("validate", "unknown or incomplete option '%s'",
                                      argv[optind - 1]);
        }
    }
    int rest = argc - optind;
    if (schema && yaml)
        return pl_cli_usage_error("validate", "--schema and --yaml do not go together");
    if (yaml)
        return rest ? pl_cli_usage_error("validate", "unexpected argument '%s'", argv[optind])
                    : pl_validate_yaml(yaml);
    if (schema) {
        if (rest > 1)
            return pl_cli_usage_error("validate", "one instance at a time, got %d", rest);
        return pl_validate_schema(schema, rest ? argv[optind] : "-");
    }
    if (rest == 1)
        return pl_validate_capture(argv[optind], dialect);
    if (rest)
        return pl_cli_usage_error("validate", "one capture at a time, got %d", rest);
    return pl_cli_usage_error("validate",
                              "say what to check: CAPTURE.jsonl, --schema FILE or --yaml FILE");
}
