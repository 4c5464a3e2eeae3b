/* pl_cmd_replay.c — `parley replay`: replay a JSONL trace against a peer. It needs
 * the dialect codecs; until they land the command explains itself and exits 3. */
#include <stdio.h>

#include "runner/pl_cli.h"

int pl_cmd_replay(int argc, char **argv)
{
    if (pl_cli_wants_help(argc, argv)) {
        printf("usage: parley replay [options] TRACE.jsonl\n"
               "\n"
               "Replays the messages one side sent in a recorded trace (docs/trace.md)\n"
               "against a client or a server, with the original timing or faster.\n"
               "\n"
               "status: needs the dialect codecs, which are not in this build yet;\n"
               "'parley replay' exits 3.\n");
        return PL_EXIT_OK;
    }
    fprintf(stderr, "parley replay: trace replay is not in parley %s yet\n", PARLEY_VERSION);
    return PL_EXIT_HARNESS;
}
