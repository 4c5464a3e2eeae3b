/* pl_proc.c — client process control for `parley run --client` (see pl_proc.h). */
#include "runner/pl_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/pl_buf.h"

extern char **environ;

typedef struct {
    int fd;
    pl_buf buf;
    size_t dropped;
} pl_proc_pipe;

struct pl_proc {
    pid_t pid;
    int running;
    int status;
    int stopped; /* parley sent SIGTERM */
    int killed;  /* parley sent SIGKILL */
    int64_t kill_at_us;
    pl_proc_pipe out, err;
};

/* ---- argv ------------------------------------------------------------------------- */

void pl_proc_free_argv(char **argv)
{
    if (!argv)
        return;
    for (char **a = argv; *a; a++)
        free(*a);
    free(argv);
}

char **pl_proc_split(const char *cmd, char *err, size_t errlen)
{
    size_t n = 0, cap = 8;
    char **argv = pl_xcalloc(cap, sizeof *argv);
    pl_buf w = {0};
    const char *p = cmd ? cmd : "";
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (!*p)
            break;
        int have = 0;
        pl_buf_reset(&w);
        while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
            char q = *p;
            have = 1;
            if (q == '\'' || q == '"') {
                const char *e = p + 1;
                while (*e && *e != q) {
                    if (q == '"' && *e == '\\' && e[1] && strchr("\"\\$`", e[1]))
                        e++;
                    pl_buf_append(&w, e, 1);
                    e++;
                }
                if (!*e) {
                    snprintf(err, errlen, "unterminated %c quote in the client command", q);
                    pl_buf_free(&w);
                    pl_proc_free_argv(argv);
                    return NULL;
                }
                p = e + 1;
            } else if (q == '\\' && p[1]) {
                pl_buf_append(&w, p + 1, 1);
                p += 2;
            } else {
                pl_buf_append(&w, p, 1);
                p++;
            }
        }
        if (have) {
            if (n + 2 > cap) {
                cap *= 2;
                argv = pl_xrealloc(argv, cap * sizeof *argv);
            }
            argv[n++] = pl_xstrndup(w.data ? w.data : "", w.len);
            argv[n] = NULL;
        }
    }
    pl_buf_free(&w);
    if (!n) {
        snprintf(err, errlen, "the client command is empty");
        pl_proc_free_argv(argv);
        return NULL;
    }
    return argv;
}

/* ---- start ------------------------------------------------------------------------ */

static int pl_proc_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* The child: never returns. Reports an exec failure through report_fd. */
static void pl_proc_child(char *const argv[], char *const env[], int out_fd, int err_fd,
                          int report_fd)
{
    setpgid(0, 0);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0)
        dup2(null_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    for (char *const *e = env; e && *e; e++)
        putenv(*e);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    execvp(argv[0], argv);
    int e = errno;
    if (write(report_fd, &e, sizeof e) < 0) {
        /* nothing left to tell anyone */
    }
    _exit(127);
}

pl_proc *pl_proc_start(char *const argv[], char *const env[], char *err, size_t errlen)
{
    int out[2], errp[2], rep[2];
    if (pipe(out))
        goto fail0;
    if (pipe(errp))
        goto fail1;
    if (pipe(rep))
        goto fail2;
    fcntl(rep[0], F_SETFD, FD_CLOEXEC);
    fcntl(rep[1], F_SETFD, FD_CLOEXEC);
    pid_t pid = fork();
    if (pid < 0)
        goto fail3;
    if (pid == 0) {
        close(out[0]);
        close(errp[0]);
        close(rep[0]);
        pl_proc_child(argv, env, out[1], errp[1], rep[1]);
    }
    setpgid(pid, pid); /* also here: no race with an early kill */
    close(out[1]);
    close(errp[1]);
    close(rep[1]);
    int child_errno = 0;
    ssize_t r;
    do
        r = read(rep[0], &child_errno, sizeof child_errno);
    while (r < 0 && errno == EINTR);
    close(rep[0]);
    if (r == (ssize_t)sizeof child_errno) {
        snprintf(err, errlen, "cannot start '%s': %s", argv[0], strerror(child_errno));
        close(out[0]);
        close(errp[0]);
        waitpid(pid, NULL, 0);
        return NULL;
    }
    pl_proc *p = pl_xcalloc(1, sizeof *p);
    p->pid = pid;
    p->running = 1;
    p->out.fd = out[0];
    p->err.fd = errp[0];
    pl_proc_nonblock(p->out.fd);
    pl_proc_nonblock(p->err.fd);
    fcntl(p->out.fd, F_SETFD, FD_CLOEXEC);
    fcntl(p->err.fd, F_SETFD, FD_CLOEXEC);
    return p;
fail3:
    close(rep[0]);
    close(rep[1]);
fail2:
    close(errp[0]);
    close(errp[1]);
fail1:
    close(out[0]);
    close(out[1]);
fail0:
    snprintf(err, errlen, "cannot start '%s': %s", argv[0], strerror(errno));
    return NULL;
}

/* ---- output and life ---------------------------------------------------------------- */

/* Keeps the last PL_PROC_KEEP bytes, with a note in front of what was dropped. */
static void pl_proc_trim(pl_proc_pipe *pp)
{
    if (pp->buf.len <= 2 * PL_PROC_KEEP)
        return;
    size_t cut = pp->buf.len - PL_PROC_KEEP;
    pp->dropped += cut;
    char note[96];
    int n = snprintf(note, sizeof note, "[... %zu earlier bytes dropped ...]\n", pp->dropped);
    pl_buf nb = {0};
    pl_buf_append(&nb, note, (size_t)n);
    pl_buf_append(&nb, pp->buf.data + cut, PL_PROC_KEEP);
    pl_buf_free(&pp->buf);
    pp->buf = nb;
}

static void pl_proc_drain(pl_proc_pipe *pp)
{
    char chunk[8192];
    while (pp->fd >= 0) {
        ssize_t r = read(pp->fd, chunk, sizeof chunk);
        if (r > 0) {
            pl_buf_append(&pp->buf, chunk, (size_t)r);
            pl_proc_trim(pp);
        } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
            close(pp->fd);
            pp->fd = -1;
        } else if (errno == EAGAIN) {
            break;
        }
    }
}

int pl_proc_poll(pl_proc *p, int64_t now_us)
{
    pl_proc_drain(&p->out);
    pl_proc_drain(&p->err);
    if (!p->running)
        return 0;
    int st;
    pid_t r = waitpid(p->pid, &st, WNOHANG);
    if (r == p->pid) {
        p->running = 0;
        p->status = st;
        pl_proc_drain(&p->out);
        pl_proc_drain(&p->err);
        return 0;
    }
    if (p->stopped && !p->killed && now_us >= p->kill_at_us) {
        kill(-p->pid, SIGKILL);
        p->killed = 1;
    }
    return 1;
}

void pl_proc_stop(pl_proc *p, int64_t now_us, int64_t grace_us)
{
    if (!p->running || p->stopped)
        return;
    p->stopped = 1;
    p->kill_at_us = now_us + grace_us;
    kill(-p->pid, SIGTERM);
}

pid_t pl_proc_pid(const pl_proc *p)
{
    return p->pid;
}

int pl_proc_running(const pl_proc *p)
{
    return p->running;
}

int pl_proc_wait_status(const pl_proc *p)
{
    return p->status;
}

int pl_proc_stopped_by_parley(const pl_proc *p)
{
    return p->stopped;
}

const char *pl_proc_status(const pl_proc *p, char *buf, size_t len)
{
    if (p->running)
        snprintf(buf, len, "running");
    else if (WIFEXITED(p->status))
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(p->status));
    else if (WIFSIGNALED(p->status))
        snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(p->status),
                 strsignal(WTERMSIG(p->status)));
    else
        snprintf(buf, len, "ended (wait status %d)", p->status);
    return buf;
}

const char *pl_proc_stdout(const pl_proc *p, size_t *len)
{
    *len = p->out.buf.len;
    return p->out.buf.data ? p->out.buf.data : "";
}

const char *pl_proc_stderr(const pl_proc *p, size_t *len)
{
    *len = p->err.buf.len;
    return p->err.buf.data ? p->err.buf.data : "";
}

void pl_proc_free(pl_proc *p)
{
    if (!p)
        return;
    if (p->running) {
        kill(-p->pid, SIGKILL);
        int st;
        while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
            ;
    }
    if (p->out.fd >= 0)
        close(p->out.fd);
    if (p->err.fd >= 0)
        close(p->err.fd);
    pl_buf_free(&p->out.buf);
    pl_buf_free(&p->err.buf);
    free(p);
}
