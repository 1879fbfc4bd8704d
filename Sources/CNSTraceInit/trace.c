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

#include <json-c/printbuf.h>

#include "internal.h"

struct nst_tracer nst_tracer = { .fd = -1, .level = NST_LEVEL_DEBUG, .stage = "setup", .stage_number = -1 };

/* Keys are string literals: json-c may keep the pointer instead of copying it. */
#define ADD_FLAGS (JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY)
#define MAX_STRING 1024 /* a longer attribute is cut and the event marked "truncated" */

/* Decimal digits of value, ending at end (not NUL-terminated); returns the first. */
static char *digits_before(char *end, uint64_t value)
{
	do {
		*--end = (char)('0' + value % 10);
		value /= 10;
	} while (value);
	return end;
}

/* json-c serialises integers with snprintf and scans every string for characters to escape.
 * Through json-c's own hook for custom serialisers, integers are written without printf
 * (whose code and stack pages every freshly cloned stage would fault in) and strings known
 * to need no escape are copied whole. The bytes are the same as json-c's. */
static int serialize_int(json_object *value, struct printbuf *out, int level, int flags)
{
	(void)level;
	(void)flags;
	char text[24];
	int64_t number = json_object_get_int64(value);
	char *start = digits_before(text + sizeof text, number < 0 ? -(uint64_t)number : (uint64_t)number);
	if (number < 0)
		*--start = '-';
	return printbuf_memappend(out, start, (int)(text + sizeof text - start));
}

static int serialize_plain_string(json_object *value, struct printbuf *out, int level, int flags)
{
	(void)level;
	(void)flags;
	if (printbuf_memappend(out, "\"", 1) < 0 ||
	    printbuf_memappend(out, json_object_get_string(value), json_object_get_string_len(value)) < 0)
		return -1;
	return printbuf_memappend(out, "\"", 1);
}

/* No byte that JSON_C_TO_STRING_NOSLASHESCAPE output would escape. */
static bool needs_no_escape(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == '"' || s[i] == '\\')
			return false;
	return true;
}

static json_object *new_int(int64_t number)
{
	json_object *value = json_object_new_int64(number);
	if (value)
		json_object_set_serializer(value, serialize_int, NULL, NULL);
	return value;
}

static json_object *new_string(const char *s, size_t n)
{
	json_object *value = json_object_new_string_len(s, (int)n);
	if (value && needs_no_escape(s, n))
		json_object_set_serializer(value, serialize_plain_string, NULL, NULL);
	return value;
}

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

/* runc's "nsexec[PID]: " or "nsexec-N[PID]: " */
static void set_msg_prefix(void)
{
	char number[24];
	char *pid = digits_before(number + sizeof number, (uint64_t)nst_tracer.pid);
	char *p = stpcpy(nst_tracer.msg_prefix, "nsexec");
	if (nst_tracer.stage_number >= 0) {
		*p++ = '-';
		*p++ = (char)('0' + nst_tracer.stage_number % 10);
	}
	*p++ = '[';
	memcpy(p, pid, (size_t)(number + sizeof number - pid));
	p += number + sizeof number - pid;
	strcpy(p, "]: ");
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
	/* json-c's default key hash seeds itself with cpuid and rdrand, which trap to the
	 * hypervisor on a VM; the keys here are our own, so a plain hash will do. */
	json_global_set_string_hash(JSON_C_STR_HASH_PERLLIKE);
	nst_tracer.pid = getpid();
	set_msg_prefix();
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
	set_msg_prefix();
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

/* Whether a base value has json-c's escaping serializer (new_string("") starts them plain). */
static bool base_escaped[BASE_KEYS];

static void set_base_len(int index, const char *value, size_t n)
{
	json_object_set_string_len(base_value[index], value, (int)n);
	bool escaped = !needs_no_escape(value, n);
	if (escaped != base_escaped[index]) {
		json_object_set_serializer(base_value[index], escaped ? NULL : serialize_plain_string, NULL, NULL);
		base_escaped[index] = escaped;
	}
}

static void set_base(int index, const char *value)
{
	set_base_len(index, value, strlen(value));
}

/* For a value whose pointer names its content, a literal or the trace id (which never
 * changes): an event that sets what the last one did skips the work. */
static const char *base_literal[BASE_KEYS];

static void set_base_literal(int index, const char *value)
{
	if (base_literal[index] == value)
		return;
	set_base(index, value);
	base_literal[index] = value;
}

/* The fields an event has beyond the base ones. They stay in the object from one event to
 * the next: a field the next event sets again gets its new value in place, and the others
 * are removed just before the line is written. Replacing them all for every event cost
 * some 6 allocations and frees an event, and in a freshly cloned stage the heap and malloc
 * pages they touch are copy-on-write faults. Keys are string literals. */
static struct extra {
	const char *key;
	json_object *value;
	unsigned generation; /* the event that last set it */
} extras[64]; /* more than the distinct extra keys in the sources */
static size_t extra_count;
static unsigned generation;

static struct extra *find_extra(const char *key)
{
	for (size_t i = 0; i < extra_count; i++)
		if (extras[i].key == key || strcmp(extras[i].key, key) == 0)
			return &extras[i];
	return NULL;
}

/* Sets key to value (taking it over), in place of whatever the key had. */
static void add_extra(json_object *event, const char *key, json_object *value)
{
	if (!value || json_object_object_add_ex(event, key, value, JSON_C_OBJECT_ADD_CONSTANT_KEY) < 0)
		return;
	struct extra *extra = find_extra(key);
	if (!extra && extra_count < sizeof extras / sizeof extras[0])
		extra = &extras[extra_count++];
	if (extra)
		*extra = (struct extra){ key, value, generation };
}

/* The key's value if the last event left one of this type; it now belongs to this event. */
static json_object *reuse_extra(const char *key, json_type type)
{
	struct extra *extra = find_extra(key);
	if (!extra || !json_object_is_type(extra->value, type))
		return NULL;
	extra->generation = generation;
	return extra->value;
}

static void set_extra_int(json_object *event, const char *key, int64_t number)
{
	json_object *value = reuse_extra(key, json_type_int);
	if (value)
		json_object_set_int64(value, number);
	else
		add_extra(event, key, new_int(number));
}

static void set_extra_string(json_object *event, const char *key, const char *s, size_t n)
{
	json_object *value = reuse_extra(key, json_type_string);
	if (!value) {
		add_extra(event, key, new_string(s, n));
		return;
	}
	json_object_set_string_len(value, s, (int)n);
	json_object_set_serializer(value, needs_no_escape(s, n) ? serialize_plain_string : NULL, NULL, NULL);
}

/* Removes the fields the event being written did not set. */
static void drop_stale_extras(json_object *event)
{
	for (size_t i = 0; i < extra_count;) {
		if (extras[i].generation == generation) {
			i++;
			continue;
		}
		json_object_object_del(event, extras[i].key);
		extras[i] = extras[--extra_count];
	}
}

/* CLOCK_MONOTONIC time of the event being built: a begin's is when its step began, an
 * end's when its step ended, which is earlier than the write if the span was stopped. */
static uint64_t event_ns;

json_object *nst_event(const char *kind, const char *step, const char *span_id, const char *parent_id)
{
	if (nst_tracer.fd < 0)
		return NULL;
	event_ns = nst_now_mono();
	if (!event_object) {
		event_object = json_object_new_object();
		if (!event_object)
			return NULL;
		/* level and msg first, as in runc's lines; nst_emit fills them in. */
		for (int i = 0; i < BASE_KEYS; i++) {
			json_object *value = i == VERSION ? new_int(1)
					     : i == NS_PID ? new_int(0)
					     : i == SEQ	   ? new_int(0)
							   : new_string("", 0);
			if (!value || json_object_object_add_ex(event_object, base_keys[i], value, ADD_FLAGS) < 0) {
				json_object_put(event_object);
				event_object = NULL;
				return NULL;
			}
			base_value[i] = value;
		}
	}
	generation++;
	set_base_literal(TRACE_ID, nst_tracer.trace_id);
	set_base(SPAN_ID, span_id);
	set_base_literal(KIND, kind);
	set_base_literal(STAGE, nst_tracer.stage);
	set_base_literal(STEP, step);
	if (parent_id && parent_id[0])
		set_extra_string(event_object, "parent_span_id", parent_id, strlen(parent_id));
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

/* Where to cut s (longer than max bytes) so no character is cut in half: at max, or
 * before the last character if it does not fit whole. */
static size_t cut_at_character(const char *s, size_t max)
{
	size_t start = max;
	while (start > 0 && (s[start - 1] & 0xc0) == 0x80)
		start--;
	if (start == 0)
		return max;
	unsigned char lead = (unsigned char)s[start - 1];
	size_t length = lead < 0x80 ? 1 : (lead & 0xe0) == 0xc0 ? 2 : (lead & 0xf0) == 0xe0 ? 3 : 4;
	return max - (start - 1) < length ? start - 1 : max;
}

/* Invalid UTF-8 made valid: every byte of a multi-byte sequence becomes '?'. */
static void mend_utf8(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			s[i] = '?';
}

/* Trace content is untrusted input for readers: keep it valid UTF-8 and bounded. */
void nst_attr_str(json_object *event, const char *key, const char *value)
{
	if (!event || !value)
		return;
	size_t n = strlen(value);
	if (n > MAX_STRING) {
		n = cut_at_character(value, MAX_STRING);
		add_extra(event, "truncated", json_object_new_boolean(1));
	}
	if (valid_utf8((const unsigned char *)value, n)) {
		set_extra_string(event, key, value, n);
		return;
	}
	/* Only a string that needs mending is copied: every stack page a stage touches costs it
	 * a page fault. */
	char copy[MAX_STRING];
	memcpy(copy, value, n);
	mend_utf8(copy, n);
	set_extra_string(event, key, copy, n);
}

void nst_attr_int(json_object *event, const char *key, int64_t value)
{
	if (event)
		set_extra_int(event, key, value);
}

static void format_into(char *out, size_t size, const char *format, ...) __attribute__((format(printf, 3, 4)));

void nst_attr_flags(json_object *event, uint32_t flags)
{
	if (!event)
		return;
	char text[16], names[96] = "";
	format_into(text, sizeof text, "%#x", flags);
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
			const char *text = json_object_get_string(value);
			json_object_set_string_len(value, text, (int)cut_at_character(text, 256));
			add_extra(event, "truncated", json_object_new_boolean(1));
		}
	}
}

/* Timestamps as decimal strings (jq would round them as numbers), without printf. */
static const char *decimal(char out[24], uint64_t value)
{
	out[23] = '\0';
	return digits_before(out + 23, value);
}

/* The conversion at f (just after its '%') is one format_message writes itself: an
 * optional '#', l, ll or z, then s c d i u x or '%'. Sets *end past it. */
static bool simple_conversion(const char *f, const char **end)
{
	if (*f == '#')
		f++;
	while (*f == 'l' || *f == 'z')
		f++;
	*end = f + 1;
	return *f && strchr("scdiux%", *f);
}

/* printf for the subset the messages use (see simple_conversion) without printf:
 * vfprintf's code and its deep stack frame are pages that every freshly cloned stage would
 * fault in for its first event. A format with anything else goes to vsnprintf whole.
 * Always NUL-terminates; cuts at size - 1 bytes. */
static void format_message(char *out, size_t size, const char *format, va_list args)
{
	for (const char *f = strchr(format, '%'); f; f = strchr(f, '%'))
		if (!simple_conversion(f + 1, &f)) {
			vsnprintf(out, size, format, args);
			return;
		}
	size_t n = 0;
#define PUT(c)                          \
	do {                            \
		if (n + 1 < size)       \
			out[n++] = (c); \
	} while (0)
	for (const char *f = format; *f; f++) {
		if (*f != '%') {
			PUT(*f);
			continue;
		}
		f++;
		bool alternate = *f == '#';
		if (alternate)
			f++;
		int longs = 0;
		while (*f == 'l' || *f == 'z') {
			longs++;
			f++;
		}
		char number[24], *digits = number + sizeof number;
		switch (*f) {
		case 's': {
			const char *text = va_arg(args, const char *);
			for (text = text ? text : "(null)"; *text; text++)
				PUT(*text);
			continue;
		}
		case 'c':
			PUT((char)va_arg(args, int));
			continue;
		case '%':
			PUT('%');
			continue;
		case 'd':
		case 'i': {
			int64_t value = longs ? va_arg(args, long) : va_arg(args, int);
			digits = digits_before(digits, value < 0 ? -(uint64_t)value : (uint64_t)value);
			if (value < 0)
				*--digits = '-';
			break;
		}
		case 'u':
		case 'x': {
			uint64_t value = longs ? va_arg(args, unsigned long) : va_arg(args, unsigned int);
			if (*f == 'u') {
				digits = digits_before(digits, value);
				break;
			}
			if (alternate && value != 0) {
				PUT('0');
				PUT('x');
			}
			do
				*--digits = "0123456789abcdef"[value % 16];
			while (value /= 16);
			break;
		}
		}
		while (digits < number + sizeof number)
			PUT(*digits++);
	}
#undef PUT
	out[n] = '\0';
}

static void format_into(char *out, size_t size, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	format_message(out, size, format, args);
	va_end(args);
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
	char *end = stpcpy(text, nst_tracer.msg_prefix);
	format_message(end, text + sizeof text - end, format, args);

	set_base_literal(LEVEL, level == NST_LEVEL_FATAL ? "fatal" : "debug");
	/* The message is set in place, as the other base fields: no allocation, no lookup. */
	size_t n = strlen(text);
	if (n > MAX_STRING) {
		n = cut_at_character(text, MAX_STRING);
		add_extra(event, "truncated", json_object_new_boolean(1));
	}
	if (!valid_utf8((const unsigned char *)text, n))
		mend_utf8(text, n);
	set_base_len(MSG, text, n);
	if (nst_tracer.host_pid > 0)
		set_extra_int(event, "pid", nst_tracer.host_pid);
	json_object_set_int(base_value[NS_PID], nst_tracer.pid);
	json_object_set_int64(base_value[SEQ], (int64_t)++nst_tracer.seq);
	char number[24];
	uint64_t wall = clock_ns(CLOCK_REALTIME), now = nst_now_mono();
	set_base(MONO_NS, decimal(number, event_ns));
	set_base(WALL_NS, decimal(number, wall - (now - event_ns)));
	if (nst_tracer.lost > 0)
		set_extra_int(event, "lost", (int64_t)nst_tracer.lost);

	drop_stale_extras(event);
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
	span->end_ns = 0;
}

void nst_span_stop(struct nst_span *span)
{
	span->end_ns = nst_now_mono();
}

/* A stage span nests in its parent stage's span; a step nests in its stage span. */
static const char *parent_of(const struct nst_span *span)
{
	return span == &nst_tracer.stage_span ? nst_tracer.stage_parent : nst_tracer.stage_span.id;
}

json_object *nst_span_begin_event(struct nst_span *span)
{
	json_object *event = nst_event("begin", span->step, span->id, parent_of(span));
	event_ns = span->start_ns;
	return event;
}

json_object *nst_span_end_event(const struct nst_span *span)
{
	if (span == &nst_tracer.stage_span)
		nst_tracer.stage_ended = true;
	json_object *event = nst_event("end", span->step, span->id, parent_of(span));
	if (event) {
		if (span->end_ns)
			event_ns = span->end_ns;
		set_extra_int(event, "dur_ns", (int64_t)(event_ns - span->start_ns));
		set_extra_string(event, "outcome", "ok", 2);
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
	set_extra_string(event, "outcome", "error", 5);
	set_extra_int(event, "errno", err);
	set_extra_string(event, "errno_name", nst_errno_name(err), strlen(nst_errno_name(err)));
	nst_attr_str(event, "error", text);
}
