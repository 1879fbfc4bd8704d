/* Joining existing namespaces, as runc >= 1.3 does: open every path first (after joining a
 * mount or user namespace the paths may no longer resolve), then join non-user namespaces,
 * then the user namespace, then whatever failed with EPERM before it (runc#4390). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define MAX_NAMESPACES 32

struct ns_entry {
	const char *type, *path;
	uint32_t flag;
	int fd;
	bool pending;
};

static void close_all(struct ns_entry *entries, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (entries[i].fd >= 0)
			close(entries[i].fd);
}

/* Parses "type:path,type:path" in place. */
static int parse_entries(struct nst_context *context, struct ns_entry *entries, size_t *ret_count)
{
	char *list = (char *)context->config.namespaces.data, *saveptr = NULL;
	size_t count = 0;
	for (char *item = strtok_r(list, ",", &saveptr); item; item = strtok_r(NULL, ",", &saveptr)) {
		if (count == MAX_NAMESPACES) {
			close_all(entries, count);
			return nst_failx(context, nst_point_event("ns_open"), E2BIG, "more than %d namespace paths",
					 MAX_NAMESPACES);
		}
		char *colon = strchr(item, ':');
		if (!colon || colon == item || !colon[1]) {
			json_object *event = nst_point_event("ns_open");
			nst_attr_str(event, "path", item);
			return nst_failx(context, event, EINVAL, "failed to parse namespace path '%s' (want TYPE:PATH)", item);
		}
		*colon = '\0';
		uint32_t flag = nst_ns_flag(item);
		if (!flag) {
			json_object *event = nst_point_event("ns_open");
			nst_attr_str(event, "ns", item);
			return nst_failx(context, event, EINVAL, "unknown namespace type '%s'", item);
		}
		entries[count++] = (struct ns_entry){ .type = item, .path = colon + 1, .flag = flag, .fd = -1 };
	}
	if (count == 0)
		return nst_failx(context, nst_point_event("ns_open"), EINVAL, "namespace paths are empty");
	*ret_count = count;
	return 0;
}

static int join(struct nst_context *context, struct ns_entry *entry, int pass, bool defer_eperm)
{
	struct nst_span span;
	nst_span_start(&span, "ns_join");
	int r = setns(entry->fd, (int)entry->flag) < 0 ? -errno : 0;
	json_object *event = nst_span_end_event(&span);
	nst_attr_str(event, "ns", entry->type);
	nst_attr_str(event, "path", entry->path);
	nst_attr_int(event, "pass", pass);
	if (r == -EPERM && defer_eperm) {
		nst_attr_str(event, "outcome", "retry");
		nst_attr_int(event, "errno", EPERM);
		nst_attr_str(event, "errno_name", "EPERM");
		nst_emit(event, NST_LEVEL_DEBUG, "setns into %s namespace (%s): EPERM, retrying after the user namespace",
			 entry->type, entry->path);
		return 0;
	}
	if (r < 0)
		return nst_fail(context, event, -r, "failed to setns into %s namespace (%s)", entry->type, entry->path);
	nst_emit(event, NST_LEVEL_DEBUG, "setns into %s namespace (%s)", entry->type, entry->path);
	entry->pending = false;
	close(entry->fd);
	entry->fd = -1;
	return 0;
}

int nst_join_namespaces(struct nst_context *context, bool *ret_joined)
{
	struct ns_entry entries[MAX_NAMESPACES];
	size_t count = 0;
	if (parse_entries(context, entries, &count) != 0)
		return NST_EXIT_FAILED;

	for (size_t i = 0; i < count; i++) {
		struct nst_span span;
		nst_begin(&span, "ns_open", "open %s namespace %s", entries[i].type, entries[i].path);
		entries[i].fd = open(entries[i].path, O_RDONLY | O_CLOEXEC);
		json_object *event = nst_span_end_event(&span);
		nst_attr_str(event, "ns", entries[i].type);
		nst_attr_str(event, "path", entries[i].path);
		if (entries[i].fd < 0) {
			int err = errno;
			close_all(entries, i);
			return nst_fail(context, event, err, "failed to open %s", entries[i].path);
		}
		nst_emit(event, NST_LEVEL_DEBUG, "opened %s namespace %s", entries[i].type, entries[i].path);
		entries[i].pending = true;
	}

	int r = 0;
	for (size_t i = 0; i < count && r == 0; i++)
		if (entries[i].flag != CLONE_NEWUSER)
			r = join(context, &entries[i], 1, true);
	for (size_t i = 0; i < count && r == 0; i++)
		if (entries[i].flag == CLONE_NEWUSER && entries[i].pending) {
			r = join(context, &entries[i], 2, false);
			/* Joining a user namespace does not make us root in it (runc#4466). */
			struct nst_span span;
			nst_span_start(&span, "become_root");
			if (r == 0 && setresuid(0, 0, 0) < 0)
				r = nst_fail(context, nst_span_end_event(&span), errno, "failed to become root in user namespace");
			else if (r == 0)
				nst_end_ok(&span, "setresuid(0, 0, 0)");
		}
	for (size_t i = 0; i < count && r == 0; i++)
		if (entries[i].pending)
			r = join(context, &entries[i], 3, false);
	close_all(entries, count);
	if (r != 0)
		return NST_EXIT_FAILED;
	*ret_joined = true;
	return 0;
}
