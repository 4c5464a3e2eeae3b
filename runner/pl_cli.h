/* pl_cli.h — the `parley` command line: subcommand table, exit codes, and the
 * process configuration (the only global state parley keeps).
 *
 * Each subcommand lives in its own runner/pl_cmd_<name>.c and exposes
 * pl_cmd_<name>(argc, argv) with argv[0] = the subcommand name. */
#ifndef PL_CLI_H
#define PL_CLI_H

#include <stdio.h>

/* Exit codes (DESIGN §6). */
enum {
    PL_EXIT_OK = 0,      /* all checks passed */
    PL_EXIT_FAIL = 1,    /* a check failed */
    PL_EXIT_USAGE = 2,   /* bad usage, bad scenario/config/input (with file:line) */
    PL_EXIT_HARNESS = 3, /* harness error: port in use, client would not start, … */
};

typedef struct {
    const char *schema_root; /* directory holding the message catalog and meta-schemas */
} pl_config;

/* The process configuration, filled from the environment and global options. */
pl_config *pl_cli_config(void);

/* Finds the schema root: $PARLEY_SCHEMAS; else <exe>/../share/parley/schemas (an
 * installed parley, wherever its prefix went); else the source tree's schemas/ (a
 * build run in place); else the configured install prefix's share/parley/schemas. */
const char *pl_cli_schema_root(void);

int pl_cli_main(int argc, char **argv);

/* Prints "parley <cmd>: <message>" to stderr and returns PL_EXIT_USAGE. */
int pl_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True if argv holds -h or --help before a "--". */
int pl_cli_wants_help(int argc, char **argv);

int pl_cmd_mock(int argc, char **argv);
int pl_cmd_run(int argc, char **argv);
int pl_cmd_validate(int argc, char **argv);
int pl_cmd_list(int argc, char **argv);
int pl_cmd_replay(int argc, char **argv);

#endif
