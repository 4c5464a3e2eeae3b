/* pl_cli.c — `parley` entry point: global options, subcommand dispatch, process
 * configuration. The subcommands themselves are in runner/pl_cmd_*.c. */
#include "runner/pl_cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/pl_buf.h"
#include "core/pl_log.h"

typedef struct {
    const char *name;
    const char *summary;
    int (*main)(int argc, char **argv);
} pl_cli_cmd;

static const pl_cli_cmd pl_cli_cmds[] = {
    {"mock", "run the mock agent server (point your app at it)", pl_cmd_mock},
    {"run", "run scenario files against a client or a server", pl_cmd_run},
    {"validate", "check JSON against a schema, parse YAML, check a JSONL capture", pl_cmd_validate},
    {"list", "list dialects, message kinds, scenarios, drive actions", pl_cmd_list},
    {"replay", "replay a JSONL trace against a client or a server", pl_cmd_replay},
    {NULL, NULL, NULL},
};

static pl_config pl_cli_conf;

pl_config *pl_cli_config(void)
{
    return &pl_cli_conf;
}

static int pl_cli_is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* <dir of the running executable>/../share/parley/schemas, if it exists: an
 * installed parley finds its catalog wherever the prefix was moved to. */
static int pl_cli_exe_schemas(char *out, size_t n)
{
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return 0;
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return 0;
    *slash = '\0';
    pl_buf root = PL_BUF_INIT, meta = PL_BUF_INIT;
    pl_buf_printf(&root, "%s/../share/parley/schemas", exe);
    pl_buf_printf(&meta, "%s/meta", root.data);
    int found = root.len < n && pl_cli_is_dir(meta.data);
    if (found)
        memcpy(out, root.data, root.len + 1);
    pl_buf_free(&root);
    pl_buf_free(&meta);
    return found;
}

const char *pl_cli_schema_root(void)
{
    static char exe_root[4200];
    if (pl_cli_conf.schema_root)
        return pl_cli_conf.schema_root;
    const char *env = getenv("PARLEY_SCHEMAS");
    if (env && *env)
        pl_cli_conf.schema_root = env;
    else if (pl_cli_exe_schemas(exe_root, sizeof exe_root))
        pl_cli_conf.schema_root = exe_root;
    else if (pl_cli_is_dir(PARLEY_SRCDIR "/schemas/meta"))
        pl_cli_conf.schema_root = PARLEY_SRCDIR "/schemas";
    else
        pl_cli_conf.schema_root = PARLEY_DATADIR "/schemas";
    return pl_cli_conf.schema_root;
}

int pl_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "parley %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'parley %s --help')\n", cmd);
    return PL_EXIT_USAGE;
}

int pl_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return 0;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    }
    return 0;
}

static void pl_cli_help(FILE *f)
{
    fprintf(f,
            "parley %s — conformance harness and mock agent for real-time AI agent protocols\n"
            "(Alibaba Bailian, Alibaba AICallKit, Tencent TRTC AI conversation, Volcengine RTC AIGC)\n"
            "\n"
            "usage: parley [--log-level LEVEL] [-v|-q] COMMAND [ARGS]\n"
            "       parley COMMAND --help\n"
            "       parley --version\n"
            "\n"
            "commands:\n",
            PARLEY_VERSION);
    for (const pl_cli_cmd *c = pl_cli_cmds; c->name; c++)
        fprintf(f, "  %-9s %s\n", c->name, c->summary);
    fprintf(f, "\n"
               "global options:\n"
               "  --log-level LEVEL  debug, info (default), warn, error, quiet\n"
               "  -v, --verbose      same as --log-level debug\n"
               "  -q, --quiet        same as --log-level error\n"
               "\n"
               "environment:\n"
               "  PARLEY_SCHEMAS     schema root (default: <bin>/../share/parley/schemas, else\n"
               "                     the source tree's schemas/)\n"
               "  NO_COLOR           no colour in messages\n"
               "\n"
               "exit codes: 0 all passed, 1 a check failed, 2 bad usage or bad input\n"
               "(with file:line), 3 harness error (port in use, client would not start)\n");
}

int pl_cli_main(int argc, char **argv)
{
    pl_log_level level = PL_LOG_INFO;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
            printf("parley %s\n", PARLEY_VERSION);
            return PL_EXIT_OK;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            pl_cli_help(stdout);
            return PL_EXIT_OK;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            level = PL_LOG_DEBUG;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            level = PL_LOG_ERROR;
        } else if (strcmp(a, "--log-level") == 0 && i + 1 < argc) {
            int l = pl_log_parse_level(argv[++i]);
            if (l < 0) {
                fprintf(stderr, "parley: unknown log level '%s' (debug, info, warn, error, quiet)\n",
                        argv[i]);
                return PL_EXIT_USAGE;
            }
            level = (pl_log_level)l;
        } else {
            fprintf(stderr, "parley: unknown option '%s' (see 'parley --help')\n", a);
            return PL_EXIT_USAGE;
        }
    }
    pl_log_setup(level);
    if (i >= argc) {
        pl_cli_help(stderr);
        return PL_EXIT_USAGE;
    }
    for (const pl_cli_cmd *c = pl_cli_cmds; c->name; c++)
        if (strcmp(argv[i], c->name) == 0)
            return c->main(argc - i, argv + i);
    fprintf(stderr, "parley: unknown command '%s' (see 'parley --help')\n", argv[i]);
    return PL_EXIT_USAGE;
}
