/* runc's nsexec stages. stage-0 (the init process) clones stage-1 with CLONE_PARENT; stage-1
 * joins and unshares namespaces and clones stage-2, which returns to the runtime. Every step
 * is a span in the trace; a failure is reported once, by nst_fail, and propagates up as
 * NST_EXIT_FAILED to the constructor, the only place that exits. */
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"
#include "protocol.h"

void nst_begin(struct nst_span *span, const char *step, const char *format, ...)
{
	nst_span_start(span, step);
	va_list args;
	va_start(args, format);
	nst_emitv(nst_span_begin_event(span), NST_LEVEL_DEBUG, format, args);
	va_end(args);
}

void nst_end_ok(const struct nst_span *span, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	nst_emitv(nst_span_end_event(span), NST_LEVEL_DEBUG, format, args);
	va_end(args);
}

static void kill_child(pid_t pid)
{
	if (pid <= 0 || kill(pid, SIGKILL) < 0)
		return;
	json_object *event = nst_point_event("kill_children");
	nst_attr_int(event, "child_pid", pid);
	nst_emit(event, NST_LEVEL_DEBUG, "killed child %d", pid);
}

static enum nst_outcome fail_common(struct nst_context *context, json_object *event, int err, bool with_strerror,
				    const char *format, va_list args)
{
	char text[2048];
	int n = vsnprintf(text, sizeof text, format, args);
	if (with_strerror && err && n >= 0 && (size_t)n < sizeof text)
		snprintf(text + n, sizeof text - (size_t)n, ": %s", strerror(err));

	nst_mark_error(event, err, text);
	nst_emit(event, NST_LEVEL_FATAL, "%s", text);
	if (nst_tracer.fd < 0) { /* as runc's bail(): the message must reach someone */
		if (nst_tracer.stage_number < 0)
			dprintf(2, "FATAL: nsexec[%d]: %s\n", getpid(), text);
		else
			dprintf(2, "FATAL: nsexec-%d[%d]: %s\n", nst_tracer.stage_number, getpid(), text);
	}

	/* No half-set-up process may outlive a failed start. */
	if (context) {
		kill_child(context->stage2_pid);
		kill_child(context->stage1_pid);
	}
	if (!nst_tracer.stage_ended) { /* stage-2 ends its span before execve, which can still fail */
		json_object *stage_end = nst_span_end_event(&nst_tracer.stage_span);
		nst_mark_error(stage_end, err, text);
		nst_emit(stage_end, NST_LEVEL_DEBUG, "<~ %s failed", nst_tracer.stage);
	}
	return NST_EXIT_FAILED;
}

enum nst_outcome nst_fail(struct nst_context *context, json_object *event, int err, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	enum nst_outcome outcome = fail_common(context, event, err, true, format, args);
	va_end(args);
	return outcome;
}

enum nst_outcome nst_failx(struct nst_context *context, json_object *event, int err, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	enum nst_outcome outcome = fail_common(context, event, err, false, format, args);
	va_end(args);
	return outcome;
}

static int sync_send(int fd, uint32_t value)
{
	return nst_write_full(fd, &value, sizeof value);
}

/* Waits for `want` on a sync socket; reports EOF, an error or another value as a failure. */
static enum nst_outcome sync_expect(struct nst_context *context, const struct nst_span *span, int fd, uint32_t want,
				    const char *peer)
{
	uint32_t value;
	ssize_t n = nst_read_full(fd, &value, sizeof value);
	if (n < 0)
		return nst_fail(context, nst_span_end_event(span), (int)-n, "failed to sync with %s", peer);
	if (n != sizeof value)
		return nst_failx(context, nst_span_end_event(span), EPIPE,
				 "failed to sync with %s: it exited (got %zd of 4 bytes)", peer, n);
	if (value != want)
		return nst_failx(context, nst_span_end_event(span), EPROTO,
				 "failed to sync with %s: got %#x, want %#x", peer, value, want);
	return NST_CONTINUE;
}

/* Whether this stage writes its steps' lines: without tracing, or at a log level that
 * writes only fatal lines, there are none to keep off the start's path. */
static bool writes_step_lines(void)
{
	return nst_tracer.fd >= 0 && nst_tracer.level >= NST_LEVEL_DEBUG;
}

/* Called right after waking the process the start waits for (the clone of stage-1, a sync
 * message): a stage with trace lines still to write gives up the CPU first. The kernel
 * mostly puts the woken process on this CPU, where it would wait for our lines (a stage's
 * first line alone takes some 20 µs: it faults in json-c's pages). */
static void yield_to_woken(void)
{
	if (writes_step_lines())
		sched_yield();
}

static void write_stage_begin(void)
{
	nst_emit(nst_span_begin_event(&nst_tracer.stage_span), NST_LEVEL_DEBUG, "~> nsexec %s", nst_tracer.stage);
}

/* `announce`: write the stage's begin now; otherwise the caller does with write_stage_begin. */
static void enter_stage(const char *name, int number, pid_t host_pid, const char *process_name, bool announce)
{
	/* The new stage's span nests in the span of the stage that cloned it. */
	memcpy(nst_tracer.stage_parent, nst_tracer.stage_span.id, sizeof nst_tracer.stage_parent);
	nst_trace_enter_stage(name, number, host_pid);
	prctl(PR_SET_NAME, process_name, 0, 0, 0);
	nst_span_start(&nst_tracer.stage_span, name);
	if (announce)
		write_stage_begin();
}

static enum nst_outcome stage2(struct nst_context *context)
{
	close(context->sync_child[0]);
	int fd = context->sync_grandchild[0];
	enter_stage("stage-2", 2, 0, "nstrace:[2:INIT]", true);

	struct nst_span span;
	nst_begin(&span, "grandchild_wait", "waiting for stage-0 to release stage-2");
	if (sync_expect(NULL, &span, fd, NST_SYNC_GRANDCHILD, "stage-0") != NST_CONTINUE)
		return NST_EXIT_FAILED;
	/* getpid() is namespace-local here; stage-0 tells us our pid as the parent sees it. */
	int32_t host_pid;
	if (nst_read_full(fd, &host_pid, sizeof host_pid) != sizeof host_pid)
		return nst_failx(NULL, nst_span_end_event(&span), EPIPE, "failed to read the stage-2 pid from stage-0");
	nst_tracer.host_pid = host_pid;
	nst_end_ok(&span, "released by stage-0");

	nst_span_start(&span, "setsid");
	if (setsid() < 0)
		return nst_fail(NULL, nst_span_end_event(&span), errno, "setsid failed");
	nst_end_ok(&span, "setsid");
	nst_span_start(&span, "setuid");
	if (setuid(0) < 0)
		return nst_fail(NULL, nst_span_end_event(&span), errno, "setuid failed");
	nst_end_ok(&span, "setuid(0)");
	nst_span_start(&span, "setgid");
	if (setgid(0) < 0)
		return nst_fail(NULL, nst_span_end_event(&span), errno, "setgid failed");
	nst_end_ok(&span, "setgid(0)");
	if (!context->config.is_rootless_euid && context->config.is_setgroup) {
		nst_span_start(&span, "setgroups");
		if (setgroups(0, NULL) < 0)
			return nst_fail(NULL, nst_span_end_event(&span), errno, "setgroups failed");
		nst_end_ok(&span, "setgroups(0, NULL)");
	}
	if (sync_send(fd, NST_SYNC_CHILD_FINISH) < 0)
		return nst_failx(NULL, nst_point_event("sync_stage0"), EPIPE, "failed to signal completion to stage-0");
	close(fd);
	free(context->config.buffer);
	json_object *handoff = nst_point_event("handoff");
	nst_emit(handoff, NST_LEVEL_DEBUG, "<= nsexec container setup, handing over to the runtime");
	return NST_CONTINUE;
}

static json_object *unshare_end_event(const struct nst_span *span, uint32_t flags, int retries)
{
	json_object *event = nst_span_end_event(span);
	nst_attr_flags(event, flags);
	nst_attr_int(event, "retries", retries);
	return event;
}

/* What stage-1 held back (see `hold` in stage1): its begin and the unshare's end. */
static void write_held_events(const struct nst_span *unshared, uint32_t flags, int retries)
{
	write_stage_begin();
	if (unshared->step)
		nst_emit(unshare_end_event(unshared, flags, retries), NST_LEVEL_DEBUG, "unshare remaining namespaces");
}

/* The events up to stage-2's clone: those held back (when `hold`) and the clone's end. */
static void write_clone_events(bool hold, const struct nst_span *unshared, uint32_t flags, int retries,
			       const struct nst_span *clone, pid_t pid)
{
	if (hold)
		write_held_events(unshared, flags, retries);
	json_object *event = nst_span_end_event(clone);
	nst_attr_int(event, "child_pid", pid);
	nst_emit(event, NST_LEVEL_DEBUG, "spawn stage-2 (%d)", pid);
}

static enum nst_outcome stage1(struct nst_context *context)
{
	close(context->sync_child[1]);
	close(context->sync_grandchild[1]);
	int fd = context->sync_child[0];
	struct nst_config *config = &context->config;
	uint32_t flags = config->cloneflags;
	/* Without joins, user or time namespace, no step before stage-2's clone can block: the
	 * stage's begin and the unshare's end are then written once stage-0 has stage-2's pid,
	 * while stage-0 forwards it, not on the way there. The events keep their own times. */
	bool hold = !config->namespaces.len && !(flags & CLONE_NEWUSER) && !config->timensoffset.len;
	enter_stage("stage-1", 1, getpid(), "nstrace:[1:CHILD]", !hold);
	struct nst_span span, unshared = { .step = NULL };
	json_object *event;
	int r, retries = 0;

	bool joined = false;
	if (config->namespaces.len && nst_join_namespaces(context, &joined) != 0)
		return NST_EXIT_FAILED;

	if (flags & CLONE_NEWUSER) {
		nst_span_start(&span, "unshare_user");
		r = nst_unshare(CLONE_NEWUSER, &retries);
		event = nst_span_end_event(&span);
		nst_attr_flags(event, CLONE_NEWUSER);
		nst_attr_int(event, "retries", retries);
		if (r < 0)
			return nst_fail(context, event, -r, "failed to unshare user namespace");
		nst_emit(event, NST_LEVEL_DEBUG, "unshare user namespace");
		/* stage-0 may only write our maps while we are dumpable. */
		if (joined)
			prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		nst_begin(&span, "usermap_request", "request stage-0 to map user namespace");
		if (sync_send(fd, NST_SYNC_USERMAP_PLS) < 0)
			return nst_failx(context, nst_span_end_event(&span), EPIPE, "failed to sync with stage-0: send usermap request");
		if (sync_expect(context, &span, fd, NST_SYNC_USERMAP_ACK, "stage-0") != NST_CONTINUE)
			return NST_EXIT_FAILED;
		nst_end_ok(&span, "user namespace mapped by stage-0");
		if (joined)
			prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		nst_span_start(&span, "become_root");
		if (setresuid(0, 0, 0) < 0)
			return nst_fail(context, nst_span_end_event(&span), errno, "failed to become root in user namespace");
		nst_end_ok(&span, "setresuid(0, 0, 0)");
		flags &= ~(uint32_t)CLONE_NEWUSER;
	}

	if (flags) {
		nst_span_start(&unshared, "unshare");
		r = nst_unshare(flags, &retries);
		nst_span_stop(&unshared);
		if (r < 0) {
			if (hold)
				write_stage_begin();
			return nst_fail(context, unshare_end_event(&unshared, flags, retries), -r,
					"failed to unshare remaining namespaces");
		}
		if (!hold)
			nst_emit(unshare_end_event(&unshared, flags, retries), NST_LEVEL_DEBUG, "unshare remaining namespaces");
	}

	/* The kernel takes timens_offsets only before a task enters the namespace: before stage-2. */
	if (config->timensoffset.len) {
		nst_begin(&span, "timens_request", "request stage-0 to write time namespace offsets");
		if (sync_send(fd, NST_SYNC_TIMEOFFSETS_PLS) < 0)
			return nst_failx(context, nst_span_end_event(&span), EPIPE, "failed to sync with stage-0: send timens request");
		if (sync_expect(context, &span, fd, NST_SYNC_TIMEOFFSETS_ACK, "stage-0") != NST_CONTINUE)
			return NST_EXIT_FAILED;
		nst_end_ok(&span, "time namespace offsets written by stage-0");
	}

	nst_span_start(&span, "clone_stage2");
	pid_t pid = nst_clone_parent();
	if (pid == 0)
		return stage2(context);
	nst_span_stop(&span);
	if (pid < 0) {
		if (hold)
			write_held_events(&unshared, flags, retries);
		return nst_fail(context, nst_span_end_event(&span), -pid, "unable to spawn stage-2");
	}
	context->stage2_pid = pid;

	/* From here on the start waits for each message this stage and stage-0 pass: each is
	 * sent before the events of the step before it are written. stage-0, woken by the pid,
	 * usually runs on this CPU and acks before this stage runs again; the wait for the ack
	 * then cannot block, has no begin, and the events wait until stage-0 has the finish
	 * message too (it releases stage-2 on it). */
	struct nst_span send;
	nst_span_start(&send, "send_pid");
	int32_t wire_pid = pid;
	bool sent = sync_send(fd, NST_SYNC_RECVPID_PLS) >= 0 && nst_write_full(fd, &wire_pid, sizeof wire_pid) >= 0;
	yield_to_woken();
	bool acked = sent && writes_step_lines() && nst_sync_waiting(fd, NST_SYNC_RECVPID_ACK);
	if (!acked) {
		write_clone_events(hold, &unshared, flags, retries, &span, pid);
		if (!sent)
			return nst_failx(context, nst_span_end_event(&send), EPIPE, "failed to sync with stage-0: send stage-2 pid");
		nst_emit(nst_span_begin_event(&send), NST_LEVEL_DEBUG, "request stage-0 to forward stage-2 pid (%d)", pid);
	}
	if (sync_expect(context, &send, fd, NST_SYNC_RECVPID_ACK, "stage-0") != NST_CONTINUE)
		return NST_EXIT_FAILED;
	nst_span_stop(&send);

	bool finished = sync_send(fd, NST_SYNC_CHILD_FINISH) >= 0;
	yield_to_woken();
	if (acked)
		write_clone_events(hold, &unshared, flags, retries, &span, pid);
	nst_end_ok(&send, "stage-0 forwarded the pids");
	if (!finished)
		return nst_failx(context, nst_point_event("sync_stage0"), EPIPE, "failed to signal completion to stage-0");
	nst_end_ok(&nst_tracer.stage_span, "<~ nsexec stage-1");
	return NST_EXIT_OK;
}

/* forward_pids' spans: stage-1 waits for the ack and the parent for the pids, and stage-0
 * forwards no further until stage-1 finishes and stage-2 is released, so their events are
 * written after that release. */
struct pid_events {
	bool held;
	struct nst_span recv, send;
	pid_t stage1_pid, stage2_pid;
};

static void write_pid_events(struct pid_events *held)
{
	if (!held->held)
		return;
	held->held = false;
	json_object *event = nst_span_end_event(&held->recv);
	nst_attr_int(event, "child_pid", held->stage2_pid);
	nst_emit(event, NST_LEVEL_DEBUG, "received stage-2 pid %d", held->stage2_pid);
	event = nst_span_end_event(&held->send);
	nst_attr_int(event, "stage1_pid", held->stage1_pid);
	nst_attr_int(event, "stage2_pid", held->stage2_pid);
	nst_emit(event, NST_LEVEL_DEBUG, "forward stage-1 (%d) and stage-2 (%d) pids to the parent", held->stage1_pid,
		 held->stage2_pid);
}

static enum nst_outcome forward_pids(struct nst_context *context, struct pid_events *held)
{
	struct nst_span span;
	nst_span_start(&span, "recv_pid");
	int32_t pid;
	int fd = context->sync_child[1];
	if (nst_read_full(fd, &pid, sizeof pid) != sizeof pid)
		return nst_failx(context, nst_span_end_event(&span), EPIPE, "failed to read the stage-2 pid from stage-1");
	context->stage2_pid = pid;
	nst_span_stop(&span);

	bool acked = sync_send(fd, NST_SYNC_RECVPID_ACK) >= 0;
	struct nst_span send;
	nst_span_start(&send, "send_pids");
	int r = -EPIPE;
	if (acked) {
		char reply[64];
		int len = snprintf(reply, sizeof reply, "{\"stage1_pid\":%d,\"stage2_pid\":%d}\n", context->stage1_pid, pid);
		r = nst_write_full(context->initpipe, reply, (size_t)len);
		nst_span_stop(&send);
	}
	*held = (struct pid_events){ true, span, send, context->stage1_pid, pid };
	if (acked && r >= 0)
		return NST_CONTINUE;
	/* A failure is reported now, after the step before it. */
	held->held = false;
	json_object *event = nst_span_end_event(&span);
	nst_attr_int(event, "child_pid", pid);
	nst_emit(event, NST_LEVEL_DEBUG, "received stage-2 pid %d", pid);
	if (!acked)
		return nst_failx(context, nst_point_event("sync_stage1"), EPIPE, "failed to sync with stage-1: send pid ack");
	event = nst_span_end_event(&send);
	nst_attr_int(event, "stage1_pid", context->stage1_pid);
	nst_attr_int(event, "stage2_pid", pid);
	return nst_fail(context, event, -r, "failed to send the child pids to the parent");
}

static enum nst_outcome stage0_sync(struct nst_context *context)
{
	int fd = context->sync_child[1];
	struct nst_span span;
	nst_begin(&span, "sync_stage1", "-> stage-1 synchronisation loop");
	struct pid_events pid_events = { 0 };
	for (bool finished = false; !finished;) {
		uint32_t request;
		ssize_t n = nst_read_full(fd, &request, sizeof request);
		if (n != sizeof request || request != NST_SYNC_CHILD_FINISH)
			write_pid_events(&pid_events); /* in order, before whatever comes next */
		if (n < 0)
			return nst_fail(context, nst_span_end_event(&span), (int)-n, "failed to sync with stage-1: next state");
		if (n != sizeof request)
			return nst_failx(context, nst_span_end_event(&span), EPIPE,
					 "failed to sync with stage-1: it exited (got %zd of 4 bytes)", n);
		uint32_t ack = 0;
		switch (request) {
		case NST_SYNC_USERMAP_PLS:
			if (nst_write_id_maps(context) != 0)
				return NST_EXIT_FAILED;
			ack = NST_SYNC_USERMAP_ACK;
			break;
		case NST_SYNC_RECVPID_PLS:
			if (forward_pids(context, &pid_events) != NST_CONTINUE)
				return NST_EXIT_FAILED;
			break;
		case NST_SYNC_TIMEOFFSETS_PLS:
			if (nst_write_timens_offsets(context) != 0)
				return NST_EXIT_FAILED;
			ack = NST_SYNC_TIMEOFFSETS_ACK;
			break;
		case NST_SYNC_CHILD_FINISH:
			finished = true;
			break;
		default:
			return nst_failx(context, nst_span_end_event(&span), EPROTO, "unexpected sync value %#x from stage-1",
					 request);
		}
		if (ack && sync_send(fd, ack) < 0)
			return nst_failx(context, nst_span_end_event(&span), EPIPE, "failed to sync with stage-1: send ack");
	}
	nst_span_stop(&span);
	/* stage-1 is exiting and the parent reaps it: its pid may be reused from now on, so a
	 * later failure must not SIGKILL it. */
	context->stage1_pid = 0;

	/* Release stage-2 first, then write the events. */
	fd = context->sync_grandchild[1];
	struct nst_span release;
	nst_span_start(&release, "sync_stage2");
	int32_t stage2_pid = context->stage2_pid;
	bool released = sync_send(fd, NST_SYNC_GRANDCHILD) >= 0 && nst_write_full(fd, &stage2_pid, sizeof stage2_pid) >= 0;
	yield_to_woken();
	write_pid_events(&pid_events);
	nst_end_ok(&span, "<- stage-1 synchronisation loop");
	if (!released)
		return nst_failx(context, nst_span_end_event(&release), EPIPE, "failed to sync with stage-2: release");
	nst_emit(nst_span_begin_event(&release), NST_LEVEL_DEBUG, "-> stage-2 synchronisation loop");
	if (sync_expect(context, &release, fd, NST_SYNC_CHILD_FINISH, "stage-2") != NST_CONTINUE)
		return NST_EXIT_FAILED;
	nst_end_ok(&release, "<- stage-2 synchronisation loop");
	nst_end_ok(&nst_tracer.stage_span, "<~ nsexec stage-0");
	return NST_EXIT_OK;
}

/* Setup's first events: the stage span's begin, the bootstrap read's end and the parse's
 * end. When the bootstrap data is already waiting in the init pipe (nstrace sends it before
 * the spawn), the read cannot block, so it has no begin, and no step before the clone of
 * stage-1 can block: these events are written after that clone, while stage-1 works,
 * instead of on the way to it. Otherwise the read's begin is written before it. The first
 * event of a process is the dear one: it builds json-c's event object and faults in its
 * code. The events keep their own times. */
struct setup_events {
	bool begun, ended; /* written out */
	struct nst_span read, parse, dumpable;
	uint32_t len;
};

/* The stage's begin, and the read's when the read may block. */
static void write_begin_events(struct setup_events *events, bool read_may_block)
{
	if (events->begun)
		return;
	events->begun = true;
	nst_emit(nst_span_begin_event(&nst_tracer.stage_span), NST_LEVEL_DEBUG, "=> nsexec container setup");
	if (read_may_block)
		nst_emit(nst_span_begin_event(&events->read), NST_LEVEL_DEBUG, "reading bootstrap data from the init pipe");
}

static void write_read_end_event(struct setup_events *events)
{
	json_object *event = nst_span_end_event(&events->read);
	nst_attr_int(event, "bytes", events->len);
	nst_emit(event, NST_LEVEL_DEBUG, "read %u bytes of bootstrap data", events->len);
}

/* Writes what of setup's events is not out yet. */
static void write_setup_events(struct nst_context *context, struct setup_events *events)
{
	write_begin_events(events, false);
	if (events->ended)
		return;
	events->ended = true;
	write_read_end_event(events);
	const struct nst_config *config = &context->config;
	json_object *event = nst_span_end_event(&events->parse);
	nst_attr_flags(event, config->cloneflags);
	nst_emit(event, NST_LEVEL_DEBUG, "bootstrap data: clone flags %#x, namespaces to join '%s'%s%s",
		 config->cloneflags, config->namespaces.len ? config->namespaces.data : "",
		 config->uidmap.len ? ", uid map" : "", config->gidmap.len ? ", gid map" : "");
	if (events->dumpable.step)
		nst_end_ok(&events->dumpable, "set process as non-dumpable");
}

static enum nst_outcome setup(struct nst_context *context, struct setup_events *events)
{
	struct nst_span span;
	struct nst_parse_error error = { 0 };
	char *buffer;
	json_object *event;

	*events = (struct setup_events){ 0 };
	nst_span_start(&events->read, "bootstrap_read");
	if (!nst_message_waiting(context->initpipe))
		write_begin_events(events, true); /* the read may block: show it before */
	if (nst_message_read(context->initpipe, NST_INIT_MSG, &buffer, &events->len, &error) < 0) {
		write_begin_events(events, false);
		events->ended = true;
		if (error.err)
			return nst_fail(context, nst_span_end_event(&events->read), error.err, "%s", error.text);
		return nst_failx(context, nst_span_end_event(&events->read), EBADMSG, "invalid bootstrap data: %s",
				 error.text);
	}
	nst_span_stop(&events->read);

	nst_span_start(&events->parse, "bootstrap_parse");
	struct nst_config *config = &context->config;
	if (nst_bootstrap_parse(buffer, events->len, config, &error) < 0) {
		nst_span_stop(&events->parse);
		write_begin_events(events, false);
		write_read_end_event(events);
		events->ended = true;
		event = nst_span_end_event(&events->parse);
		if (error.attr)
			nst_attr_int(event, "attr", error.attr);
		return nst_failx(context, event, EBADMSG, "invalid bootstrap data: %s", error.text);
	}
	nst_span_stop(&events->parse);
	if (events->begun)
		write_setup_events(context, events);

	/* Before dumpable is cleared, so that the children inherit it. */
	if (config->oom_score_adj.len) {
		write_setup_events(context, events); /* in order: this step has an event of its own */
		nst_span_start(&span, "oom_score_adj");
		int r = nst_write_file("/proc/self/oom_score_adj", config->oom_score_adj.data, config->oom_score_adj.len);
		event = nst_span_end_event(&span);
		nst_attr_str(event, "path", "/proc/self/oom_score_adj");
		if (r < 0)
			return nst_fail(context, event, -r, "failed to update /proc/self/oom_score_adj to '%s'",
					config->oom_score_adj.data);
		nst_emit(event, NST_LEVEL_DEBUG, "update /proc/self/oom_score_adj to '%s'", config->oom_score_adj.data);
	}
	/* Joined namespaces may hold processes that could ptrace us while we set up. */
	if (config->namespaces.len) {
		struct nst_span *dumpable = events->ended ? &span : &events->dumpable;
		nst_span_start(dumpable, "set_dumpable");
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
			int err = errno;
			nst_span_stop(dumpable);
			struct nst_span failed = *dumpable;
			dumpable->step = NULL; /* it is not an ok step for write_setup_events */
			write_setup_events(context, events);
			return nst_fail(context, nst_span_end_event(&failed), err, "failed to set process as non-dumpable");
		}
		nst_span_stop(dumpable);
		if (dumpable == &span)
			nst_end_ok(&span, "set process as non-dumpable");
	}
	nst_span_start(&span, "socketpairs");
	if (socketpair(AF_LOCAL, SOCK_STREAM | SOCK_CLOEXEC, 0, context->sync_child) < 0 ||
	    socketpair(AF_LOCAL, SOCK_STREAM | SOCK_CLOEXEC, 0, context->sync_grandchild) < 0) {
		int err = errno;
		nst_span_stop(&span);
		write_setup_events(context, events);
		return nst_fail(context, nst_span_end_event(&span), err, "failed to set up sync sockets");
	}
	return NST_CONTINUE;
}

enum nst_outcome nst_stage0(struct nst_context *context)
{
	nst_trace_enter_stage("setup", -1, getpid());
	memcpy(nst_tracer.stage_parent, nst_tracer.root_parent, sizeof nst_tracer.stage_parent);
	nst_span_start(&nst_tracer.stage_span, "stage-0");
	struct setup_events events;
	if (setup(context, &events) != NST_CONTINUE)
		return NST_EXIT_FAILED;

	prctl(PR_SET_NAME, "nstrace:[0:PARENT]", 0, 0, 0);
	struct nst_span span;
	nst_span_start(&span, "clone_stage1");
	pid_t pid = nst_clone_parent();
	if (pid == 0)
		return stage1(context);
	nst_span_stop(&span);
	yield_to_woken();
	write_setup_events(context, &events);
	nst_trace_enter_stage("stage-0", 0, getpid());
	if (pid < 0)
		return nst_fail(context, nst_span_end_event(&span), -pid, "unable to spawn stage-1");
	context->stage1_pid = pid;
	json_object *event = nst_span_end_event(&span);
	nst_attr_int(event, "child_pid", pid);
	nst_emit(event, NST_LEVEL_DEBUG, "spawn stage-1 (%d)", pid);
	close(context->sync_child[0]);
	close(context->sync_grandchild[0]);
	return stage0_sync(context);
}
