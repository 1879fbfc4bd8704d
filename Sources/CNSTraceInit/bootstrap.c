/* The bootstrap netlink message (runc >= 1.2 format) and nstrace's exec request, which uses
 * the same framing. Unlike runc's nl_parse, every length is checked before it is used. */
#include <errno.h>
#include <linux/netlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "internal.h"
#include "protocol.h"

static int fail(struct nst_parse_error *error, unsigned attr, int err, const char *format, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct nst_parse_error *error, unsigned attr, int err, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	vsnprintf(error->text, sizeof error->text, format, args);
	va_end(args);
	error->attr = attr;
	error->err = err;
	return -EBADMSG;
}

bool nst_message_waiting(int fd)
{
	struct nlmsghdr header;
	int available;
	return recv(fd, &header, sizeof header, MSG_PEEK | MSG_DONTWAIT) == sizeof header &&
	       ioctl(fd, FIONREAD, &available) == 0 && available >= 0 && (uint32_t)available >= header.nlmsg_len;
}

int nst_message_read(int fd, uint16_t type, char **ret_buffer, uint32_t *ret_len, struct nst_parse_error *error)
{
	struct nlmsghdr header;
	ssize_t n = nst_read_full(fd, &header, sizeof header);
	if (n < 0)
		return fail(error, 0, (int)-n, "failed to read netlink header");
	if (n != sizeof header)
		return fail(error, 0, 0, "short netlink header: got %zd of %zu bytes", n, sizeof header);
	if (header.nlmsg_type == NLMSG_ERROR)
		return fail(error, 0, 0, "netlink message is NLMSG_ERROR, not bootstrap data");
	if (header.nlmsg_type != type)
		return fail(error, 0, 0, "unexpected netlink message type %u (want %u)", header.nlmsg_type, type);
	if (header.nlmsg_len < sizeof header)
		return fail(error, 0, 0, "netlink message length %u is shorter than its %zu-byte header",
			    header.nlmsg_len, sizeof header);
	if (header.nlmsg_len > NST_MAX_MESSAGE)
		return fail(error, 0, 0, "netlink message length %u exceeds the %u-byte limit", header.nlmsg_len,
			    NST_MAX_MESSAGE);

	size_t size = header.nlmsg_len - sizeof header;
	char *buffer = malloc(size + 1);
	if (!buffer)
		return fail(error, 0, ENOMEM, "cannot allocate %zu bytes for the netlink payload", size);
	n = nst_read_full(fd, buffer, size);
	if (n < 0 || (size_t)n != size) {
		free(buffer);
		if (n < 0)
			return fail(error, 0, (int)-n, "failed to read netlink payload");
		return fail(error, 0, 0, "short netlink payload: got %zd of %zu bytes", n, size);
	}
	buffer[size] = '\0';
	*ret_buffer = buffer;
	*ret_len = header.nlmsg_len;
	return 0;
}

/* Walks the attributes of a payload; calls visit() for each one. */
typedef int (*attribute_visitor)(void *target, unsigned type, char *payload, size_t len, struct nst_parse_error *error);

static int walk_attributes(char *payload, size_t size, void *target, attribute_visitor visit,
			   struct nst_parse_error *error)
{
	size_t offset = 0;
	while (offset < size) {
		size_t left = size - offset;
		if (left < NLA_HDRLEN)
			return fail(error, 0, 0, "%zu trailing bytes at offset %zu are too short for an attribute header",
				    left, offset + NLMSG_HDRLEN);
		struct nlattr attr;
		memcpy(&attr, payload + offset, sizeof attr);
		if (attr.nla_len < NLA_HDRLEN)
			return fail(error, attr.nla_type, 0, "attribute %u at offset %zu has nla_len %u < %d",
				    attr.nla_type, offset + NLMSG_HDRLEN, attr.nla_len, NLA_HDRLEN);
		if (attr.nla_len > left)
			return fail(error, attr.nla_type, 0,
				    "attribute %u at offset %zu runs past the end of the message (nla_len %u, %zu bytes left)",
				    attr.nla_type, offset + NLMSG_HDRLEN, attr.nla_len, left);
		int r = visit(target, attr.nla_type, payload + offset + NLA_HDRLEN, attr.nla_len - NLA_HDRLEN, error);
		if (r < 0)
			return r;
		size_t step = NLA_ALIGN(attr.nla_len);
		offset += step < left ? step : left; /* the last attribute may lack its padding */
	}
	return 0;
}

static int string_payload(struct nst_bytes *out, unsigned type, char *payload, size_t len, struct nst_parse_error *error)
{
	/* runc's Go encoder always appends a NUL and counts it in nla_len. */
	if (len == 0 || payload[len - 1] != '\0')
		return fail(error, type, 0, "attribute %u: payload of %zu bytes is not NUL-terminated", type, len);
	out->data = payload;
	out->len = strlen(payload);
	return 0;
}

static int bootstrap_attribute(void *target, unsigned type, char *payload, size_t len, struct nst_parse_error *error)
{
	struct nst_config *config = target;
	switch (type) {
	case NST_CLONE_FLAGS_ATTR:
		if (len != 4)
			return fail(error, type, 0, "attribute %u (clone flags): payload is %zu bytes, want 4", type, len);
		memcpy(&config->cloneflags, payload, 4);
		return 0;
	case NST_SETGROUP_ATTR:
	case NST_ROOTLESS_EUID_ATTR: {
		/* Go writes a u32 0/1; runc's C reads the first byte. Any non-zero byte is true,
		 * which is right on either endianness. */
		if (len < 1 || len > 4)
			return fail(error, type, 0, "attribute %u (bool): payload is %zu bytes, want 1 to 4", type, len);
		bool value = false;
		for (size_t i = 0; i < len; i++)
			value |= payload[i] != 0;
		*(type == NST_SETGROUP_ATTR ? &config->is_setgroup : &config->is_rootless_euid) = value;
		return 0;
	}
	case NST_NS_PATHS_ATTR:
		return string_payload(&config->namespaces, type, payload, len, error);
	case NST_UIDMAP_ATTR:
		return string_payload(&config->uidmap, type, payload, len, error);
	case NST_GIDMAP_ATTR:
		return string_payload(&config->gidmap, type, payload, len, error);
	case NST_OOM_SCORE_ADJ_ATTR:
		return string_payload(&config->oom_score_adj, type, payload, len, error);
	case NST_UIDMAPPATH_ATTR:
		return string_payload(&config->uidmappath, type, payload, len, error);
	case NST_GIDMAPPATH_ATTR:
		return string_payload(&config->gidmappath, type, payload, len, error);
	case NST_TIMENSOFFSET_ATTR:
		return string_payload(&config->timensoffset, type, payload, len, error);
	default:
		return fail(error, type, 0, "unknown netlink attribute type %u", type);
	}
}

int nst_bootstrap_parse(char *buffer, uint32_t len, struct nst_config *config, struct nst_parse_error *error)
{
	memset(config, 0, sizeof *config);
	config->buffer = buffer;
	config->message_len = len;
	return walk_attributes(buffer, len - NLMSG_HDRLEN, config, bootstrap_attribute, error);
}

struct exec_builder {
	struct nst_exec_request *request;
	size_t argc, envc;
	bool counting;
};

static int exec_attribute(void *target, unsigned type, char *payload, size_t len, struct nst_parse_error *error)
{
	struct exec_builder *builder = target;
	struct nst_bytes value;
	int r = string_payload(&value, type, payload, len, error);
	if (r < 0)
		return r;
	switch (type) {
	case NST_EXEC_ARG_ATTR:
		if (!builder->counting)
			builder->request->argv[builder->argc] = payload;
		builder->argc++;
		return 0;
	case NST_EXEC_ENV_ATTR:
		if (!builder->counting)
			builder->request->envp[builder->envc] = payload;
		builder->envc++;
		return 0;
	case NST_EXEC_CWD_ATTR:
		builder->request->cwd = payload;
		return 0;
	case NST_EXEC_HOSTNAME_ATTR:
		builder->request->hostname = payload;
		return 0;
	default:
		return fail(error, type, 0, "unknown exec request attribute type %u", type);
	}
}

int nst_exec_request_parse(char *buffer, uint32_t len, struct nst_exec_request *request, struct nst_parse_error *error)
{
	memset(request, 0, sizeof *request);
	request->buffer = buffer;
	request->message_len = len;
	struct exec_builder builder = { .request = request, .counting = true };
	int r = walk_attributes(buffer, len - NLMSG_HDRLEN, &builder, exec_attribute, error);
	if (r < 0)
		return r;
	if (builder.argc == 0)
		return fail(error, NST_EXEC_ARG_ATTR, 0, "exec request has no command");
	request->argv = calloc(builder.argc + 1, sizeof(char *));
	request->envp = calloc(builder.envc + 1, sizeof(char *));
	if (!request->argv || !request->envp)
		return fail(error, 0, ENOMEM, "cannot allocate the command's argv and environment");
	builder = (struct exec_builder){ .request = request, .counting = false };
	return walk_attributes(buffer, len - NLMSG_HDRLEN, &builder, exec_attribute, error);
}
