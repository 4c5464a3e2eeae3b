/* pl_signal.h — SIGINT/SIGTERM handling for the one event loop.
 *
 * The handler only records the signal (async-signal-safe); the loop polls
 * pl_signal_pending() after each service pass and shuts down cleanly, flushing
 * traces and writing reports. A second signal while shutting down exits at once
 * (status 130/143). SIGPIPE is ignored so a peer that vanishes mid-write is an
 * ordinary error, not a crash. */
#ifndef PL_SIGNAL_H
#define PL_SIGNAL_H

void pl_signal_install(void);
/* The signal number received (SIGINT or SIGTERM), or 0. */
int pl_signal_pending(void);

#endif
