/* main.c — the `parley` executable; everything is in runner/pl_cli.c. */
#include "runner/pl_cli.h"

int main(int argc, char **argv)
{
    return pl_cli_main(argc, argv);
}
