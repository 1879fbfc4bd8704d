/* nstrace-init's runtime part, run by stage-2 after the constructor returned: it reads the
 * exec request the parent sends once it has reaped stage-0, and execs the command. The init
 * pipe is close-on-exec, so the parent sees EOF when execve succeeds, or our errno if not. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <sys/syscall.h>

#include "internal.h"
#include "nstrace_init.h"
#include "protocol.h"

/* Everything above stderr becomes close-on-exec: the command inherits only 0, 1 and 2,
 * whatever nstrace's own caller left open. */
static void close_inherited_fds(void)
{
	if (syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	for (int fd = 3; fd < 1024; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static const char *find_env(char **envp, const char *name)
{
	size_t len = strlen(name);
	for (; *envp; envp++)
		if (strncmp(*envp, name, len) == 0 && (*envp)[len] == '=')
			return *envp + len + 1;
	return NULL;
}

/* execvpe() with the command's PATH, not ours. Returns the errno to report. */
static int exec_command(char **argv, char **envp)
{
	if (strchr(argv[0], '/')) {
		execve(argv[0], argv, envp);
		return errno;
	}
	const char *path = find_env(envp, "PATH");
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	int err = ENOENT;
	while (*path) {
		const char *end = strchrnul(path, ':');
		char candidate[PATH_MAX];
		int n = snprintf(candidate, sizeof candidate, "%.*s/%s", (int)(end - path), end == path ? "." : path,
				 argv[0]);
		if (n > 0 && (size_t)n < sizeof candidate) {
			execve(candidate, argv, envp);
			if (errno == EACCES)
				err = EACCES; /* keep looking, but report it if nothing else is found */
			else if (errno != ENOENT && errno != ENOTDIR)
				return errno;
		}
		path = *end ? end + 1 : end;
	}
	return err;
}

static int report(int err, json_object *event, const char *format, const char *detail)
{
	nst_fail(NULL, event, err, format, detail);
	int32_t wire = err;
	nst_write_full(nst_initpipe_fd, &wire, sizeof wire);
	return err == ENOENT ? 127 : err == EACCES ? 126 : 1;
}

int nst_runtime_main(void)
{
	if (!nst_acted) {
		dprintf(2, "nstrace-init: this is nstrace's container init; start commands with 'nstrace run'\n");
		return 64;
	}
	struct nst_span span;
	struct nst_parse_error error = { 0 };
	struct nst_exec_request request;
	char *buffer;
	uint32_t len;
	nst_span_start(&span, "exec_read");
	/* nstrace sends the request before the spawn: a read that cannot block has no begin. */
	if (!nst_message_waiting(nst_initpipe_fd))
		nst_emit(nst_span_begin_event(&span), NST_LEVEL_DEBUG, "waiting for the exec request");
	if (nst_message_read(nst_initpipe_fd, NST_EXEC_MSG, &buffer, &len, &error) < 0 ||
	    nst_exec_request_parse(buffer, len, &request, &error) < 0)
		return report(error.err ? error.err : EBADMSG, nst_span_end_event(&span), "invalid exec request: %s",
			      error.text);
	json_object *event = nst_span_end_event(&span);
	nst_attr_int(event, "bytes", len);
	nst_emit(event, NST_LEVEL_DEBUG, "read exec request for %s", request.argv[0]);

	if (request.hostname) {
		nst_span_start(&span, "sethostname");
		if (sethostname(request.hostname, strlen(request.hostname)) < 0)
			return report(errno, nst_span_end_event(&span), "failed to set hostname to %s", request.hostname);
		nst_end_ok(&span, "set hostname to %s", request.hostname);
	}
	if (request.cwd && chdir(request.cwd) < 0) {
		nst_span_start(&span, "exec");
		return report(errno, nst_span_end_event(&span), "failed to change directory to %s", request.cwd);
	}
	close_inherited_fds();
	nst_end_ok(&nst_tracer.stage_span, "<~ nsexec stage-2");
	nst_span_start(&span, "exec");
	event = nst_point_event("exec");
	nst_attr_str(event, "path", request.argv[0]);
	nst_emit(event, NST_LEVEL_DEBUG, "exec %s", request.argv[0]);

	nst_restore_sigpipe();
	int err = exec_command(request.argv, request.envp);
	nst_ignore_sigpipe();
	event = nst_span_end_event(&span);
	nst_attr_str(event, "path", request.argv[0]);
	return report(err, event, "failed to exec %s", request.argv[0]);
}
