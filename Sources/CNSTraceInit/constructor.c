/* The constructor: runs before main() of nstrace-init, like runc's nsexec() runs before the Go
 * runtime. It acts only when _LIBCONTAINER_INITPIPE is set, and it is the one place that
 * exits: stage-0 and stage-1 exit here, stage-2 returns to main(). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "nstrace_init.h"

int nst_initpipe_fd = -1;
bool nst_acted;

int nst_is_init(void)
{
	return nst_acted;
}

/* A log fd that is unset, garbage or closed turns tracing off; it never fails the start. */
static int log_fd_from_env(void)
{
	int fd;
	if (nst_getenv_int("_LIBCONTAINER_LOGPIPE", &fd) < 0)
		return -1;
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY)
		return -1;
	/* The command must not inherit it. */
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	/* A full pipe loses an event instead of blocking the start (nstrace's pipe comes so). */
	struct stat st;
	if (!(flags & O_NONBLOCK) && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	return fd;
}

__attribute__((constructor, used)) static void nstrace_constructor(void)
{
	int initpipe;
	int r = nst_getenv_int("_LIBCONTAINER_INITPIPE", &initpipe);
	if (r == -ENOENT)
		return; /* not started as the init */

	int level;
	if (nst_getenv_int("_LIBCONTAINER_LOGLEVEL", &level) < 0)
		level = NST_LEVEL_DEBUG; /* runc's default when unset */
	nst_ignore_sigpipe();
	nst_trace_init(log_fd_from_env(), level, getenv("TRACEPARENT"));

	struct nst_context context = { .initpipe = initpipe, .sync_child = { -1, -1 }, .sync_grandchild = { -1, -1 } };
	if (r < 0 || fcntl(initpipe, F_SETFD, FD_CLOEXEC) < 0) {
		nst_trace_enter_stage("setup", -1, getpid());
		struct nst_span span;
		nst_span_start(&span, "bootstrap_read");
		nst_failx(NULL, nst_span_end_event(&span), r < 0 ? EINVAL : EBADF, "unable to use _LIBCONTAINER_INITPIPE=%s",
			  getenv("_LIBCONTAINER_INITPIPE"));
		_exit(1);
	}
	nst_acted = true;
	nst_initpipe_fd = initpipe;

	switch (nst_stage0(&context)) {
	case NST_CONTINUE:
		return;
	case NST_EXIT_OK:
		_exit(0);
	case NST_EXIT_FAILED:
		_exit(1);
	}
}
