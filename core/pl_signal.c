/* pl_signal.c — records SIGINT/SIGTERM for the event loop (see pl_signal.h). */
#include "core/pl_signal.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t pl_signal_got;

static void pl_signal_handler(int sig)
{
    if (pl_signal_got) /* second signal: the user means it */
        _exit(128 + sig);
    pl_signal_got = sig;
}

void pl_signal_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = pl_signal_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

int pl_signal_pending(void)
{
    return pl_signal_got;
}
