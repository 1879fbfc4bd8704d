/* Internal interfaces of the constructor. Helpers return 0 or -errno (systemd style);
 * only constructor.c decides to exit. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

/* ---- bootstrap.c: netlink messages ---- */

struct nst_bytes {
	const char *data; /* NUL-terminated, points into the message buffer */
	size_t len;       /* strlen(data) */
};

struct nst_config {
	uint32_t cloneflags;
	struct nst_bytes namespaces, uidmap, gidmap, oom_score_adj, uidmappath, gidmappath, timensoffset;
	bool is_setgroup, is_rootless_euid;
	uint32_t message_len;
	char *buffer; /* owns every nst_bytes above */
};

#define NST_MAX_EXEC_STRINGS 4096
struct nst_exec_request {
	char **argv; /* NULL-terminated; point into buffer */
	char **envp;
	const char *cwd, *hostname;
	uint32_t message_len;
	char *buffer;
};

/* A parse error: the message names the problem; attr is the attribute type or 0. */
struct nst_parse_error {
	char text[256];
	unsigned attr;
	int err; /* -errno of a failed read, or 0 for malformed bytes */
};

/* Reads one message of type `type` from fd (loops on short reads), validates the header. */
int nst_message_read(int fd, uint16_t type, char **ret_buffer, uint32_t *ret_len, struct nst_parse_error *error);
/* A whole message is already in socket fd: reading it cannot block. */
bool nst_message_waiting(int fd);
int nst_bootstrap_parse(char *buffer, uint32_t len, struct nst_config *config, struct nst_parse_error *error);
int nst_exec_request_parse(char *buffer, uint32_t len, struct nst_exec_request *request, struct nst_parse_error *error);

/* ---- trace.c: JSON-line events through json-c ---- */

enum nst_level { NST_LEVEL_FATAL = 1, NST_LEVEL_DEBUG = 5 };

struct nst_span {
	char id[17];
	const char *step;
	uint64_t start_ns;
	uint64_t end_ns; /* 0 until nst_span_stop(): then the end event may be written later */
};

/* Process-wide trace state; clone() copies it into each stage. */
struct nst_tracer {
	int fd;        /* -1: tracing off */
	int level;     /* _LIBCONTAINER_LOGLEVEL */
	char trace_id[33];
	char root_parent[17]; /* span id from TRACEPARENT, or "" */
	uint64_t seed, counter, seq, lost;
	const char *stage;   /* "setup", "stage-0", ... */
	int stage_number;    /* -1 for setup: the runc msg prefix is nsexec[PID] */
	char msg_prefix[32]; /* "nsexec-N[PID]: ", set with the stage */
	pid_t host_pid;      /* 0 while unknown (stage-2 before its go-ahead) */
	pid_t pid;           /* getpid(), cached: every event needs it, and it is a system call */
	struct nst_span stage_span;
	bool stage_ended; /* its end event is out: a later failure must not end it twice */
	char stage_parent[17];
};
extern struct nst_tracer nst_tracer;

void nst_trace_init(int fd, int level, const char *traceparent);
void nst_trace_enter_stage(const char *stage, int number, pid_t host_pid);
uint64_t nst_now_mono(void);

/* An event under construction: add attributes with nst_attr_*, then nst_emit(). One at a
 * time: every nst_event() (and nst_span_*_event, nst_point_event) reuses the same object. */
json_object *nst_event(const char *kind, const char *step, const char *span_id, const char *parent_id);
void nst_attr_str(json_object *event, const char *key, const char *value);
void nst_attr_int(json_object *event, const char *key, int64_t value);
void nst_attr_flags(json_object *event, uint32_t flags);
void nst_emit(json_object *event, enum nst_level level, const char *format, ...) __attribute__((format(printf, 3, 4)));
void nst_emitv(json_object *event, enum nst_level level, const char *format, va_list args)
	__attribute__((format(printf, 3, 0)));

/* Starts a span now; nst_span_begin_event writes its begin, for a step that may block.
 * Step names, like stage names and event kinds, are string literals: an event compares
 * them by pointer to skip setting a name the last event already had. */
void nst_span_start(struct nst_span *span, const char *step);
json_object *nst_span_begin_event(struct nst_span *span);
/* The end event of a span (kind "end", outcome "ok" unless nst_span_fail). */
json_object *nst_span_end_event(const struct nst_span *span);
/* Ends a span now, to write its end event later: a stage hands the next stage what it
 * waits for first and writes its events after, so tracing stays off the critical path.
 * The event still carries the step's own end time. */
void nst_span_stop(struct nst_span *span);
json_object *nst_point_event(const char *step);
/* Mark an end event as failed: outcome error, errno, errno_name, error text. */
void nst_mark_error(json_object *event, int err, const char *text);

/* ---- sys.c: syscall helpers, each returns 0/value or -errno ---- */

int nst_getenv_int(const char *name, int *ret);
ssize_t nst_read_full(int fd, void *buf, size_t len);  /* bytes read; < len at EOF; -errno */
bool nst_sync_waiting(int fd, uint32_t value);         /* value is already in socket fd: reading it cannot block */
int nst_write_full(int fd, const void *buf, size_t len);
int nst_write_file(const char *path, const char *data, size_t len);
pid_t nst_clone_parent(void);
int nst_unshare(uint32_t flags, int *ret_retries);
uint32_t nst_ns_flag(const char *name);
const char *nst_ns_name(uint32_t flag);
const char *nst_errno_name(int err);
void nst_restore_sigpipe(void);
void nst_ignore_sigpipe(void);

/* ---- stages.c ---- */

enum nst_outcome {
	NST_CONTINUE = 0,  /* stage-2: return to the runtime (main) */
	NST_EXIT_OK = 1,
	NST_EXIT_FAILED = 2,
};

struct nst_context {
	int initpipe;
	struct nst_config config;
	int sync_child[2], sync_grandchild[2];
	pid_t stage1_pid, stage2_pid; /* host pids, 0 until known */
};

enum nst_outcome nst_stage0(struct nst_context *context);

/* Report a failed step: a fatal end event, the stage span ended as failed, known
 * children SIGKILLed. Returns NST_EXIT_FAILED for `return nst_fail(...)`. */
enum nst_outcome nst_fail(struct nst_context *context, json_object *event, int err, const char *format, ...)
	__attribute__((format(printf, 4, 5)));
/* The same without ": strerror(err)" appended: for malformed input, where err only classifies. */
enum nst_outcome nst_failx(struct nst_context *context, json_object *event, int err, const char *format, ...)
	__attribute__((format(printf, 4, 5)));
/* An end event for `span`, emitted at debug level with a message. */
void nst_end_ok(const struct nst_span *span, const char *format, ...) __attribute__((format(printf, 2, 3)));
void nst_begin(struct nst_span *span, const char *step, const char *format, ...) __attribute__((format(printf, 3, 4)));

/* ---- maps.c, namespaces.c: 0, or NST_EXIT_FAILED (non-zero) once the failure is reported ---- */
int nst_write_id_maps(struct nst_context *context);
int nst_write_timens_offsets(struct nst_context *context);
int nst_join_namespaces(struct nst_context *context, bool *ret_joined);

/* ---- exec.c, shared with constructor.c ---- */
extern int nst_initpipe_fd;
extern bool nst_acted;
