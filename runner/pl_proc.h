/* pl_proc.h — the client process of a scenario: split the command, start it with argv
 * (never through a shell), keep its output, stop and reap it (DESIGN §3, §6).
 *
 * `parley run --client "build/refclient --bug ignore-1007"` starts one client per
 * scenario. The command is split into words like a POSIX shell would split it (single and
 * double quotes, backslash escapes) but nothing is expanded and no shell runs. The child
 * gets stdin from /dev/null, its own process group (so a stop reaches its children too) and
 * the PARLEY_* variables on top of parley's environment. Its stdout and stderr go to
 * non-blocking pipes that pl_proc_poll() drains from the event loop; only the last
 * PL_PROC_KEEP bytes of each are kept (a note says how much was dropped). Nothing here
 * blocks except pl_proc_free() on a child that ignores SIGKILL (it cannot).
 *
 * Ownership: pl_proc_start() returns a handle the caller frees with pl_proc_free(), which
 * kills and reaps a child that is still running. */
#ifndef PL_PROC_H
#define PL_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PL_PROC_KEEP (256 * 1024) /* bytes of stdout and of stderr kept, each */

typedef struct pl_proc pl_proc;

/* Splits cmd into a NULL-terminated argv (malloc'd; free with pl_proc_free_argv). NULL
 * with err on an unterminated quote or an empty command. */
char **pl_proc_split(const char *cmd, char *err, size_t errlen);
void pl_proc_free_argv(char **argv);

/* Starts argv[0] (looked up in PATH when it has no '/'), with env (NULL-terminated
 * "NAME=value" strings) added to the environment. NULL with err when it cannot start
 * (fork failed, or exec failed: reported through a close-on-exec pipe, so "no such file"
 * is known at once). */
pl_proc *pl_proc_start(char *const argv[], char *const env[], char *err, size_t errlen);

/* Drains the pipes and reaps the child if it has exited; after pl_proc_stop() sends
 * SIGKILL to the group once the grace time is over. Returns 1 while it runs, 0 after. */
int pl_proc_poll(pl_proc *p, int64_t now_us);

/* Asks the child to stop: SIGTERM to its process group now, SIGKILL at now + grace. */
void pl_proc_stop(pl_proc *p, int64_t now_us, int64_t grace_us);

pid_t pl_proc_pid(const pl_proc *p);
int pl_proc_running(const pl_proc *p);
/* "exited with status 1", "killed by signal 9 (SIGKILL)", "running". */
const char *pl_proc_status(const pl_proc *p, char *buf, size_t len);
/* The raw wait status (valid once not running) and whether parley stopped it. */
int pl_proc_wait_status(const pl_proc *p);
int pl_proc_stopped_by_parley(const pl_proc *p);

/* Captured output (not NUL-terminated; len set). */
const char *pl_proc_stdout(const pl_proc *p, size_t *len);
const char *pl_proc_stderr(const pl_proc *p, size_t *len);

/* Kills (SIGKILL to the group) and reaps a child that still runs, then frees. */
void pl_proc_free(pl_proc *p);

#endif
