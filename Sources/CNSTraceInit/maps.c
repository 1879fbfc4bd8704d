/* stage-0's writes into stage-1's /proc files: setgroups, uid_map, gid_map (with the
 * newuidmap/newgidmap fallback on EPERM, as for rootless runc) and timens_offsets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

/* Runs `tool PID ID1 ID2 COUNT ...` with an empty environment, like runc's try_mapping_tool,
 * but without its 20-argument limit. */
static int run_map_tool(struct nst_context *context, const char *tool, const struct nst_bytes *map)
{
	struct nst_span span;
	nst_begin(&span, "map_tool", "running %s for %d", tool, context->stage1_pid);
	char pid_text[16];
	snprintf(pid_text, sizeof pid_text, "%d", context->stage1_pid);
	char *copy = strdup(map->data);
	char **argv = calloc(map->len + 3, sizeof(char *));
	if (!copy || !argv) {
		free(copy);
		free(argv);
		return nst_fail(context, nst_span_end_event(&span), ENOMEM, "cannot build %s arguments", tool);
	}
	size_t argc = 0;
	argv[argc++] = (char *)tool;
	argv[argc++] = pid_text;
	char *saveptr = NULL;
	for (char *token = strtok_r(copy, " \n", &saveptr); token; token = strtok_r(NULL, " \n", &saveptr))
		argv[argc++] = token;

	pid_t child = fork();
	if (child == 0) {
		char *empty_env[] = { NULL };
		nst_restore_sigpipe();
		execve(tool, argv, empty_env);
		_exit(127);
	}
	int err = errno;
	free(copy);
	free(argv);
	json_object *event;
	if (child < 0)
		return nst_fail(context, nst_span_end_event(&span), err, "failed to fork %s", tool);
	int status = 0;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	int exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	event = nst_span_end_event(&span);
	nst_attr_str(event, "path", tool);
	nst_attr_int(event, "exit_status", exit_status);
	if (exit_status != 0)
		return nst_failx(context, event, EPERM, "failed to use %s on %d: exit status %d", tool, context->stage1_pid,
				 exit_status);
	nst_emit(event, NST_LEVEL_DEBUG, "%s set the map of %d", tool, context->stage1_pid);
	return 0;
}

static int write_map(struct nst_context *context, const char *file, const struct nst_bytes *map,
		     const struct nst_bytes *tool)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", context->stage1_pid, file);
	struct nst_span span;
	nst_span_start(&span, file);
	int r = nst_write_file(path, map->data, map->len);
	json_object *event = nst_span_end_event(&span);
	nst_attr_str(event, "path", path);
	nst_attr_int(event, "bytes", (int64_t)map->len);
	if (r == 0) {
		nst_emit(event, NST_LEVEL_DEBUG, "update %s to '%s'", path, map->data);
		return 0;
	}
	if (r == -EPERM && tool->len) {
		nst_attr_str(event, "outcome", "retry");
		nst_attr_int(event, "errno", EPERM);
		nst_attr_str(event, "errno_name", "EPERM");
		nst_emit(event, NST_LEVEL_DEBUG, "update %s got EPERM (trying %s)", path, tool->data);
		return run_map_tool(context, tool->data, map);
	}
	if (r == -EPERM)
		return nst_fail(context, event, EPERM, "failed to update %s (and no mapping tool given)", path);
	return nst_fail(context, event, -r, "failed to update %s", path);
}

int nst_write_id_maps(struct nst_context *context)
{
	const struct nst_config *config = &context->config;
	/* Since Linux 3.19 an unprivileged gid_map write needs setgroups denied first. */
	if (config->is_rootless_euid && !config->is_setgroup) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/setgroups", context->stage1_pid);
		struct nst_span span;
		nst_span_start(&span, "setgroups");
		int r = nst_write_file(path, "deny", 4);
		json_object *event = nst_span_end_event(&span);
		nst_attr_str(event, "path", path);
		if (r < 0 && r != -ENOENT) /* ENOENT: a kernel without the file */
			return nst_fail(context, event, -r, "failed to write 'deny' to %s", path);
		nst_emit(event, NST_LEVEL_DEBUG, "write 'deny' to %s", path);
	}
	if (config->uidmap.len && write_map(context, "uid_map", &config->uidmap, &config->uidmappath) != 0)
		return NST_EXIT_FAILED;
	if (config->gidmap.len && write_map(context, "gid_map", &config->gidmap, &config->gidmappath) != 0)
		return NST_EXIT_FAILED;
	return 0;
}

int nst_write_timens_offsets(struct nst_context *context)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/timens_offsets", context->stage1_pid);
	struct nst_span span;
	nst_span_start(&span, "timens_offsets");
	const struct nst_bytes *offsets = &context->config.timensoffset;
	int r = nst_write_file(path, offsets->data, offsets->len);
	json_object *event = nst_span_end_event(&span);
	nst_attr_str(event, "path", path);
	nst_attr_int(event, "bytes", (int64_t)offsets->len);
	if (r < 0)
		return nst_fail(context, event, -r, "failed to update %s", path);
	nst_emit(event, NST_LEVEL_DEBUG, "update %s", path);
	return 0;
}
