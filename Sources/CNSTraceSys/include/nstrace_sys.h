/* C helpers for nstrace's Swift side: the few calls that are awkward from Swift
 * (posix_spawn file actions, async-signal-safe forwarding). No constructor here. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Spawns `path` with fds[i] as fd i for i < count (at most 8) and no other fd, default
 * signal dispositions and an empty signal mask. Returns the pid or -errno. */
pid_t nst_spawn(const char *path, char *const argv[], char *const envp[], const int *fds, int count);

/* Spawns `path` with exactly fds 0, 1, 2, `initpipe` as fd 3 and `logfd` (if >= 0) as fd 4,
 * default signal dispositions and an empty signal mask. Returns the pid or -errno. */
pid_t nst_spawn_init(const char *path, char *const argv[], char *const envp[], int initpipe, int logfd);

/* Forward SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH to `pid` from now on
 * (0 stops forwarding). Installs the handlers on first use. */
void nst_forward_signals_to(pid_t pid);

/* Fills `buffer` with random bytes; falls back to clock and pid mixing. */
void nst_random_bytes(void *buffer, size_t length);

/* CLOCK_MONOTONIC and CLOCK_REALTIME in nanoseconds. */
unsigned long long nst_monotonic_ns(void);
unsigned long long nst_realtime_ns(void);

/* "ENOENT" for ENOENT; NULL when unknown. */
const char *nst_errno_name(int err);

/* A close-on-exec pipe for the init's trace lines, both ends non-blocking: a full pipe
 * loses a line instead of blocking a stage. 0 or -errno. */
int nst_log_pipe(int fds[2]);
/* Makes the pipe hold `size` bytes if the kernel allows (best effort). */
void nst_pipe_grow(int fd, int size);

/* Writes `count` lines of `lines` (line i ends at line_ends[i]) among the first `stage_len`
 * bytes of `stage`, line i after the first positions[i] of them, in one writev(2) (more
 * only after a short write), copying nothing. A full FIFO or disk loses the rest. Built in C:
 * in Swift the iovec array made the runtime build its type's metadata at the first flush. */
void nst_write_merged(int fd, const void *stage, size_t stage_len, const void *lines, const long *line_ends,
		      const long *positions, size_t count);

/* Stops glibc from returning freed heap to the kernel (mallopt M_TRIM_THRESHOLD) for a
 * process that exits soon anyway. */
void nst_keep_heap(void);

/* An anonymous, close-on-exec file (memfd) for a trace nobody asked to keep; -errno. */
int nst_anonymous_file(const char *name);

/* Reaps every child, waiting up to timeout_ms for them to exit, then SIGKILLs and reaps
 * what is left. Returns how many were reaped. For a failed start: stage-1 and stage-2 are
 * our children through CLONE_PARENT even when we never learnt their pids. */
int nst_reap_children(int timeout_ms);
