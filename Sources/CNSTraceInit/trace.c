/* Trace events: one JSON object per line, built with json-c, written with one writev(2)
 * of at most PIPE_BUF bytes so lines of all stages never interleave. A log fd that is
 * closed, full or has no reader loses events (counted in "lost"), never the start. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

struct nst_tracer nst_tracer = { .fd = -1, .level = NST_LEVEL_DEBUG, .stage = "setup", .stage_number = -1 };

/* Keys are string literals: json-c may keep the pointer instead of copying it. */
#define ADD_FLAGS (JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY)
#define MAX_STRING 1024 /* a longer attribute is cut and the event marked "truncated" */

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t nst_now_mono(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void hex(char *out, const uint8_t *bytes, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

static bool is_hex_id(const char *s, size_t n)
{
	bool nonzero = false;
	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
		nonzero |= s[i] != '0';
	}
	return nonzero;
}

/* Unique across the stages: they share the seed, but not their pid. */
static void new_span_id(char out[17])
{
	uint64_t id = splitmix64(nst_tracer.seed ^ ((uint64_t)nst_tracer.pid << 32) ^ ++nst_tracer.counter);
	hex(out, (const uint8_t *)&id, sizeof id);
}

/* TRACEPARENT is "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>" (W3C trace-context). */
static bool parse_traceparent(const char *value)
{
	if (!value || strlen(value) < 55 || value[2] != '-' || value[35] != '-' || value[52] != '-')
		return false;
	if (!is_hex_id(value, 2) && strncmp(value, "00", 2) != 0)
		return false;
	if (strncmp(value, "ff", 2) == 0 || !is_hex_id(value + 3, 32) || !is_hex_id(value + 36, 16))
		return false;
	memcpy(nst_tracer.trace_id, value + 3, 32);
	nst_tracer.trace_id[32] = '\0';
	memcpy(nst_tracer.root_parent, value + 36, 16);
	nst_tracer.root_parent[16] = '\0';
	return true;
}

void nst_trace_init(int fd, int level, const char *traceparent)
{
	uint8_t random[24];
	if (getrandom(random, sizeof random, GRND_NONBLOCK) != sizeof random) {
		/* Ids only need to be unique, not secret. */
		uint64_t fallback[3] = { clock_ns(CLOCK_REALTIME), clock_ns(CLOCK_MONOTONIC), (uint64_t)getpid() };
		memcpy(random, fallback, sizeof random);
	}
	memcpy(&nst_tracer.seed, random + 16, sizeof nst_tracer.seed);
	nst_tracer.fd = fd;
	nst_tracer.level = level;
	nst_tracer.pid = getpid();
	if (!parse_traceparent(traceparent)) {
		hex(nst_tracer.trace_id, random, 16);
		nst_tracer.root_parent[0] = '\0';
	}
}

void nst_trace_enter_stage(const char *stage, int number, pid_t host_pid)
{
	nst_tracer.stage = stage;
	nst_tracer.stage_number = number;
	nst_tracer.host_pid = host_pid;
	nst_tracer.pid = getpid();
	nst_tracer.seq = 0;
}

/* One event object per process, reused for every event: building each from scratch took
 * some 25 allocations, and in a freshly cloned stage every allocation writes to copy-on-write
 * heap pages. The fields every line has stay in place and get new values; the rest are
 * removed before the next event. json-c keeps keys in insertion order and a replaced value
 * keeps its key's place, so the base fields are always the first BASE_KEYS entries: finding
 * the others needs no string compares, and the base values are reached without lookups. */
static json_object *event_object;
static const char *const base_keys[] = { "level", "msg",    "v",      "trace_id", "span_id", "kind",
					  "stage", "step",   "ns_pid", "seq",      "mono_ns", "wall_ns" };
enum { LEVEL, MSG, VERSION, TRACE_ID, SPAN_ID, KIND, STAGE, STEP, NS_PID, SEQ, MONO_NS, WALL_NS, BASE_KEYS };
static json_object *base_value[BASE_KEYS];

static void set_base(int index, const char *value)
{
	json_object_set_string(base_value[index], value);
}

json_object *nst_event(const char *kind, const char *step, const char *span_id, const char *parent_id)
{
	if (nst_tracer.fd < 0)
		return NULL;
	if (!event_object) {
		event_object = json_object_new_object();
		if (!event_object)
			return NULL;
		/* level and msg first, as in runc's lines; nst_emit fills them in. */
		for (int i = 0; i < BASE_KEYS; i++) {
			json_object *value = i == VERSION ? json_object_new_int(1)
					     : i == NS_PID ? json_object_new_int(0)
					     : i == SEQ	   ? json_object_new_int64(0)
							   : json_object_new_string("");
			if (!value || json_object_object_add_ex(event_object, base_keys[i], value, ADD_FLAGS) < 0) {
				json_object_put(event_object);
				event_object = NULL;
				return NULL;
			}
			base_value[i] = value;
		}
		base_value[MSG] = NULL; /* nst_attr_str replaces it whole, to check and cut it */
	} else {
		const char *extra[64];
		size_t count = 0, index = 0;
		json_object_object_foreach(event_object, key, value) {
			(void)value;
			if (index++ >= BASE_KEYS && count < sizeof extra / sizeof extra[0])
				extra[count++] = key;
		}
		for (size_t i = 0; i < count; i++)
			json_object_object_del(event_object, extra[i]);
	}
	set_base(TRACE_ID, nst_tracer.trace_id);
	set_base(SPAN_ID, span_id);
	set_base(KIND, kind);
	set_base(STAGE, nst_tracer.stage);
	set_base(STEP, step);
	if (parent_id && parent_id[0])
		json_object_object_add_ex(event_object, "parent_span_id", json_object_new_string(parent_id), ADD_FLAGS);
	return event_object;
}

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF, which
 * is what a strict reader such as simdjson accepts. */
static bool valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t extra;
		unsigned char low = 0x80, high = 0xbf; /* bounds of the second byte */
		if (c >= 0xc2 && c <= 0xdf)
			extra = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			extra = 2;
			if (c == 0xe0)
				low = 0xa0;
			else if (c == 0xed)
				high = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			extra = 3;
			if (c == 0xf0)
				low = 0x90;
			else if (c == 0xf4)
				high = 0x8f;
		} else
			return false;
		if (i + extra >= n || s[i + 1] < low || s[i + 1] > high)
			return false;
		for (size_t k = 2; k <= extra; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += extra + 1;
	}
	return true;
}

/* Trace content is untrusted input for readers: keep it valid UTF-8 and bounded. */
void nst_attr_str(json_object *event, const char *key, const char *value)
{
	if (!event || !value)
		return;
	size_t n = strlen(value);
	if (n > MAX_STRING) {
		n = MAX_STRING;
		/* Do not cut a character in half: drop the last one if it does not fit whole. */
		size_t start = n;
		while (start > 0 && (value[start - 1] & 0xc0) == 0x80)
			start--;
		if (start > 0) {
			unsigned char lead = (unsigned char)value[start - 1];
			size_t length = lead < 0x80 ? 1 : (lead & 0xe0) == 0xc0 ? 2 : (lead & 0xf0) == 0xe0 ? 3 : 4;
			if (n - (start - 1) < length)
				n = start - 1;
		}
		json_object_object_add_ex(event, "truncated", json_object_new_boolean(1), JSON_C_OBJECT_ADD_CONSTANT_KEY);
	}
	if (valid_utf8((const unsigned char *)value, n)) {
		json_object_object_add_ex(event, key, json_object_new_string_len(value, (int)n), JSON_C_OBJECT_ADD_CONSTANT_KEY);
		return;
	}
	/* Only a string that needs mending is copied: every stack page a stage touches costs it
	 * a page fault. */
	char copy[MAX_STRING];
	memcpy(copy, value, n);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)copy[i] >= 0x80)
			copy[i] = '?';
	json_object_object_add_ex(event, key, json_object_new_string_len(copy, (int)n), JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

void nst_attr_int(json_object *event, const char *key, int64_t value)
{
	if (event)
		json_object_object_add_ex(event, key, json_object_new_int64(value), JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

void nst_attr_flags(json_object *event, uint32_t flags)
{
	if (!event)
		return;
	char text[16], names[96] = "";
	snprintf(text, sizeof text, "%#x", flags);
	nst_attr_str(event, "flags", text);
	static const uint32_t order[] = { 0x10000000 /* user */, 0x00020000 /* mnt */, 0x04000000 /* uts */,
					  0x08000000 /* ipc */, 0x20000000 /* pid */, 0x40000000 /* net */,
					  0x02000000 /* cgroup */, 0x00000080 /* time */ };
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if (flags & order[i]) {
			if (names[0])
				strcat(names, ",");
			strcat(names, nst_ns_name(order[i]));
		}
	nst_attr_str(event, "flag_names", names);
}

/* The line and its newline in one writev(2): as atomic on a pipe as one write(2) of both
 * (up to PIPE_BUF), without copying the line into a 4 KiB buffer, whose stack page every
 * freshly cloned stage would fault in. */
static void write_line(const char *json, size_t len)
{
	struct iovec parts[] = { { .iov_base = (void *)json, .iov_len = len }, { .iov_base = (void *)"\n", .iov_len = 1 } };
	for (;;) {
		ssize_t n = writev(nst_tracer.fd, parts, 2);
		if (n == (ssize_t)len + 1)
			return;
		if (n < 0 && errno == EINTR)
			continue;
		/* EAGAIN (full pipe, O_NONBLOCK), EPIPE (no reader), EBADF, ENOSPC, or a short
		 * write: the event is lost, the start goes on. */
		nst_tracer.lost++;
		if (n < 0 && errno == EBADF)
			nst_tracer.fd = -1;
		return;
	}
}

static void shorten_strings(json_object *event)
{
	static const char *const long_keys[] = { "msg", "error", "path" };
	for (size_t i = 0; i < sizeof long_keys / sizeof long_keys[0]; i++) {
		json_object *value = json_object_object_get(event, long_keys[i]);
		if (value && json_object_get_string_len(value) > 256) {
			json_object_set_string_len(value, json_object_get_string(value), 256);
			json_object_object_add_ex(event, "truncated", json_object_new_boolean(1),
						  JSON_C_OBJECT_ADD_CONSTANT_KEY);
		}
	}
}

/* Timestamps as decimal strings (jq would round them as numbers), without printf. */
static const char *decimal(char out[24], uint64_t value)
{
	char *p = out + 23;
	*p = '\0';
	do {
		*--p = (char)('0' + value % 10);
		value /= 10;
	} while (value);
	return p;
}

void nst_emit(json_object *event, enum nst_level level, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	nst_emitv(event, level, format, args);
	va_end(args);
}

void nst_emitv(json_object *event, enum nst_level level, const char *format, va_list args)
{
	if (!event || (int)level > nst_tracer.level || nst_tracer.fd < 0)
		return;
	/* One byte more than nst_attr_str keeps, so a longer message is cut (at a character
	 * boundary) and marked there. */
	char text[MAX_STRING + 2];
	int prefix = nst_tracer.stage_number < 0
			     ? snprintf(text, sizeof text, "nsexec[%d]: ", nst_tracer.pid)
			     : snprintf(text, sizeof text, "nsexec-%d[%d]: ", nst_tracer.stage_number, nst_tracer.pid);
	vsnprintf(text + prefix, sizeof text - (size_t)prefix, format, args);

	set_base(LEVEL, level == NST_LEVEL_FATAL ? "fatal" : "debug");
	nst_attr_str(event, "msg", text);
	if (nst_tracer.host_pid > 0)
		json_object_object_add_ex(event, "pid", json_object_new_int(nst_tracer.host_pid), ADD_FLAGS);
	json_object_set_int(base_value[NS_PID], nst_tracer.pid);
	json_object_set_int64(base_value[SEQ], (int64_t)++nst_tracer.seq);
	char number[24];
	set_base(MONO_NS, decimal(number, nst_now_mono()));
	set_base(WALL_NS, decimal(number, clock_ns(CLOCK_REALTIME)));
	if (nst_tracer.lost > 0)
		json_object_object_add_ex(event, "lost", json_object_new_int64((int64_t)nst_tracer.lost), ADD_FLAGS);

	const int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
	for (int attempt = 0; attempt < 2; attempt++) {
		size_t len = 0;
		const char *json = json_object_to_json_string_length(event, flags, &len);
		if (json && len + 1 <= PIPE_BUF) {
			write_line(json, len);
			return;
		}
		shorten_strings(event);
	}
	nst_tracer.lost++;
}

void nst_span_start(struct nst_span *span, const char *step)
{
	if (span == &nst_tracer.stage_span)
		nst_tracer.stage_ended = false;
	new_span_id(span->id);
	span->step = step;
	span->start_ns = nst_now_mono();
}

/* A stage span nests in its parent stage's span; a step nests in its stage span. */
static const char *parent_of(const struct nst_span *span)
{
	return span == &nst_tracer.stage_span ? nst_tracer.stage_parent : nst_tracer.stage_span.id;
}

json_object *nst_span_begin_event(struct nst_span *span)
{
	return nst_event("begin", span->step, span->id, parent_of(span));
}

json_object *nst_span_end_event(const struct nst_span *span)
{
	if (span == &nst_tracer.stage_span)
		nst_tracer.stage_ended = true;
	json_object *event = nst_event("end", span->step, span->id, parent_of(span));
	if (event) {
		json_object_object_add_ex(event, "dur_ns", json_object_new_int64((int64_t)(nst_now_mono() - span->start_ns)),
					  ADD_FLAGS);
		json_object_object_add_ex(event, "outcome", json_object_new_string("ok"), ADD_FLAGS);
	}
	return event;
}

json_object *nst_point_event(const char *step)
{
	char id[17];
	new_span_id(id);
	return nst_event("event", step, id, nst_tracer.stage_span.id);
}

void nst_mark_error(json_object *event, int err, const char *text)
{
	if (!event)
		return;
	json_object_object_add(event, "outcome", json_object_new_string("error"));
	json_object_object_add_ex(event, "errno", json_object_new_int(err), JSON_C_OBJECT_ADD_CONSTANT_KEY);
	json_object_object_add_ex(event, "errno_name", json_object_new_string(nst_errno_name(err)),
				  JSON_C_OBJECT_ADD_CONSTANT_KEY);
	nst_attr_str(event, "error", text);
}
