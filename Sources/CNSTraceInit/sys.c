/* Thin syscall helpers: 0 (or a value) on success, -errno on failure. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

int nst_getenv_int(const char *name, int *ret)
{
	const char *value = getenv(name);
	if (!value || !*value)
		return -ENOENT;
	char *end;
	errno = 0;
	long parsed = strtol(value, &end, 10);
	if (errno || *end || parsed < 0 || parsed > INT_MAX)
		return -EINVAL;
	*ret = (int)parsed;
	return 0;
}

ssize_t nst_read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int nst_write_full(int fd, const void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}

bool nst_sync_waiting(int fd, uint32_t value)
{
	uint32_t waiting;
	return recv(fd, &waiting, sizeof waiting, MSG_PEEK | MSG_DONTWAIT) == sizeof waiting && waiting == value;
}

/* One write() of the whole buffer: /proc map files must be written in one go. */
int nst_write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, data, len);
	int r = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	close(fd);
	return r;
}

/* fork() semantics without glibc's atfork handlers: the child continues on a copy of this
 * stack. CLONE_PARENT makes it a sibling, i.e. a child of the process that spawned us. */
pid_t nst_clone_parent(void)
{
	long pid = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
	return pid < 0 ? -errno : (pid_t)pid;
}

/* Kernels before 4.3 could fail unshare() with EINVAL while /proc/PID/{status,maps} was being
 * read; runc retries five times, so do we. */
int nst_unshare(uint32_t flags, int *ret_retries)
{
	int retries = 0;
	for (;;) {
		if (unshare((int)flags) == 0)
			break;
		if (errno != EINVAL || retries >= 5) {
			*ret_retries = retries;
			return -errno;
		}
		retries++;
	}
	*ret_retries = retries;
	return 0;
}

static const struct {
	const char *name;
	uint32_t flag;
} namespaces[] = {
	{ "user", CLONE_NEWUSER }, { "ipc", CLONE_NEWIPC },	  { "uts", CLONE_NEWUTS },
	{ "net", CLONE_NEWNET },   { "pid", CLONE_NEWPID },	  { "mnt", CLONE_NEWNS },
	{ "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

uint32_t nst_ns_flag(const char *name)
{
	for (size_t i = 0; i < sizeof namespaces / sizeof namespaces[0]; i++)
		if (strcmp(namespaces[i].name, name) == 0)
			return namespaces[i].flag;
	return 0;
}

const char *nst_ns_name(uint32_t flag)
{
	for (size_t i = 0; i < sizeof namespaces / sizeof namespaces[0]; i++)
		if (namespaces[i].flag == flag)
			return namespaces[i].name;
	return "unknown";
}

const char *nst_errno_name(int err)
{
	if (err == 0)
		return "none";
	const char *name = strerrorname_np(err);
	return name ? name : "EUNKNOWN";
}

/* A log pipe without reader must cost an event, not the start: ignore SIGPIPE while the
 * constructor runs, and give the command the disposition we inherited. */
static struct sigaction inherited_sigpipe;
static bool sigpipe_changed;

void nst_ignore_sigpipe(void)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN };
	sigemptyset(&ignore.sa_mask);
	sigpipe_changed = sigaction(SIGPIPE, &ignore, &inherited_sigpipe) == 0;
}

void nst_restore_sigpipe(void)
{
	if (sigpipe_changed)
		sigaction(SIGPIPE, &inherited_sigpipe, NULL);
	sigpipe_changed = false;
}
