/* pl_cmd_run.c — `parley run`: the scenario runner (DESIGN §4). The engine lands
 * with the runner issue; until then the command explains itself and exits 3. */
#include <stdio.h>

#include "runner/pl_cli.h"

int pl_cmd_run(int argc, char **argv)
{
    if (pl_cli_wants_help(argc, argv)) {
        printf("usage: parley run [options] PATH...\n"
               "\n"
               "Runs scenario files (or folders of them) against a client under test, or,\n"
               "in client role, against a server; writes JUnit, trace and HTML reports.\n"
               "\n"
               "status: the scenario engine is not in this build yet; 'parley run' exits 3.\n"
               "Check a scenario file's YAML with 'parley validate --yaml FILE'.\n");
        return PL_EXIT_OK;
    }
    fprintf(stderr, "parley run: the scenario engine is not in parley %s yet\n", PARLEY_VERSION);
    return PL_EXIT_HARNESS;
}
