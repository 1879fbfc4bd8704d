#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "nstrace_sys.h"

pid_t nst_spawn(const char *path, char *const argv[], char *const envp[], const int *fds, int count)
{
	/* Move the sources above the targets first, so dup2(x, 3) cannot clobber a source that
	 * happens to be fd 3 or 4. F_DUPFD_CLOEXEC keeps the copies out of other children. An fd
	 * already in place and not close-on-exec is inherited as it is (a closed stdin stays
	 * closed); one in place but close-on-exec is moved out and back to clear the flag. */
	int copies[8];
	if (count < 0 || count > (int)(sizeof copies / sizeof copies[0]))
		return -EINVAL;
	for (int i = 0; i < count; i++) {
		bool in_place = fds[i] == i && !(fcntl(i, F_GETFD) > 0);
		copies[i] = in_place ? -1 : fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
		if (copies[i] < 0 && !in_place) {
			int err = errno;
			while (i-- > 0)
				if (copies[i] >= 0)
					close(copies[i]);
			return -err;
		}
	}

	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attributes;
	posix_spawn_file_actions_init(&actions);
	posix_spawnattr_init(&attributes);
	for (int i = 0; i < count; i++)
		if (copies[i] >= 0)
			posix_spawn_file_actions_adddup2(&actions, copies[i], i);
	/* Everything else the caller may have left open without O_CLOEXEC stays out. */
	posix_spawn_file_actions_addclosefrom_np(&actions, count);

	sigset_t none, defaults;
	sigemptyset(&none);
	sigfillset(&defaults);
	sigdelset(&defaults, SIGKILL);
	sigdelset(&defaults, SIGSTOP);
	posix_spawnattr_setsigmask(&attributes, &none);
	posix_spawnattr_setsigdefault(&attributes, &defaults);
	posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

	pid_t pid;
	int r = posix_spawn(&pid, path, &actions, &attributes, argv, envp);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attributes);
	for (int i = 0; i < count; i++)
		if (copies[i] >= 0)
			close(copies[i]);
	return r == 0 ? pid : -r;
}

pid_t nst_spawn_init(const char *path, char *const argv[], char *const envp[], int initpipe, int logfd)
{
	const int fds[] = { 0, 1, 2, initpipe, logfd };
	return nst_spawn(path, argv, envp, fds, logfd >= 0 ? 5 : 4);
}

static volatile sig_atomic_t forward_target;

static void forward(int signal)
{
	int saved = errno;
	if (forward_target > 0)
		kill(forward_target, signal);
	errno = saved;
}

void nst_forward_signals_to(pid_t pid)
{
	static const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
	static int installed;
	forward_target = pid;
	if (installed)
		return;
	installed = 1;
	struct sigaction action = { .sa_handler = forward, .sa_flags = SA_RESTART };
	sigemptyset(&action.sa_mask);
	sigset_t forwarded;
	sigemptyset(&forwarded);
	for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
		sigaction(signals[i], &action, NULL);
		sigaddset(&forwarded, signals[i]);
	}
	/* A caller that blocked them (test runners do) would otherwise keep them from us. */
	sigprocmask(SIG_UNBLOCK, &forwarded, NULL);
}

int nst_reap_children(int timeout_ms)
{
	int reaped = 0;
	for (int waited = 0;; waited++) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			reaped++;
			continue;
		}
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			return reaped; /* ECHILD: none left */
		if (waited * 5 >= timeout_ms)
			break;
		usleep(5000);
	}
	/* Still there after the timeout: whatever it is, it must not outlive a failed start. */
	DIR *proc = opendir("/proc");
	if (!proc)
		return reaped;
	pid_t self = getpid();
	for (struct dirent *entry; (entry = readdir(proc));) {
		char path[64], stat[512];
		if (entry->d_name[0] < '1' || entry->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", entry->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, stat, sizeof stat - 1);
		close(fd);
		if (n <= 0)
			continue;
		stat[n] = '\0';
		const char *after_name = strrchr(stat, ')');
		int ppid = 0;
		if (after_name && sscanf(after_name + 2, "%*c %d", &ppid) == 1 && ppid == self) {
			pid_t child = atoi(entry->d_name);
			kill(child, SIGKILL);
			while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
				;
			reaped++;
		}
	}
	closedir(proc);
	return reaped;
}

static unsigned long long clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

unsigned long long nst_monotonic_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

unsigned long long nst_realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

void nst_random_bytes(void *buffer, size_t length)
{
	if (getrandom(buffer, length, GRND_NONBLOCK) == (ssize_t)length)
		return;
	unsigned long long state = clock_ns(CLOCK_REALTIME) ^ ((unsigned long long)getpid() << 32);
	for (size_t i = 0; i < length; i++) {
		state = state * 6364136223846793005ull + 1442695040888963407ull;
		((unsigned char *)buffer)[i] = (unsigned char)(state >> 56);
	}
}

const char *nst_errno_name(int err)
{
	return strerrorname_np(err);
}

int nst_log_pipe(int fds[2])
{
	return pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0 ? -errno : 0;
}

void nst_pipe_grow(int fd, int size)
{
	fcntl(fd, F_SETPIPE_SZ, size);
}

static void write_pieces(int fd, struct iovec *pieces, int count)
{
	while (count > 0) {
		ssize_t n = writev(fd, pieces, count); /* at most 129: below IOV_MAX */
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		for (; count > 0 && (size_t)n >= pieces->iov_len; pieces++, count--)
			n -= (ssize_t)pieces->iov_len;
		if (count > 0) {
			pieces->iov_base = (char *)pieces->iov_base + n;
			pieces->iov_len -= (size_t)n;
		}
	}
}

void nst_write_merged(int fd, const void *stage, size_t stage_len, const void *lines, const long *line_ends,
		      const long *positions, size_t count)
{
	struct iovec pieces[2 * 64 + 1];
	int used = 0;
	size_t copied = 0, line_start = 0;
	for (size_t i = 0; i < count; i++) {
		size_t position = (size_t)positions[i] < stage_len ? (size_t)positions[i] : stage_len;
		if (position > copied) {
			pieces[used++] = (struct iovec){ (char *)stage + copied, position - copied };
			copied = position;
		}
		pieces[used++] = (struct iovec){ (char *)lines + line_start, (size_t)line_ends[i] - line_start };
		line_start = (size_t)line_ends[i];
		if (used >= (int)(sizeof pieces / sizeof pieces[0]) - 2) { /* a start has some 15 lines of ours */
			write_pieces(fd, pieces, used);
			used = 0;
		}
	}
	if (stage_len > copied)
		pieces[used++] = (struct iovec){ (char *)stage + copied, stage_len - copied };
	write_pieces(fd, pieces, used);
}

void nst_keep_heap(void)
{
	mallopt(M_TRIM_THRESHOLD, INT_MAX);
}

int nst_anonymous_file(const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}
