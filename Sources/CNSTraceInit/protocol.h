/* Wire constants shared with runc (bootstrap) and with nstrace's Swift parent (exec request).
 * Keep in sync with Sources/NSTraceCore/Bootstrap/Protocol.swift. */
#pragma once

/* runc >= 1.2 bootstrap message (libcontainer/message_linux.go). */
#define NST_INIT_MSG 62000
#define NST_CLONE_FLAGS_ATTR 27281
#define NST_NS_PATHS_ATTR 27282
#define NST_UIDMAP_ATTR 27283
#define NST_GIDMAP_ATTR 27284
#define NST_SETGROUP_ATTR 27285
#define NST_OOM_SCORE_ADJ_ATTR 27286
#define NST_ROOTLESS_EUID_ATTR 27287
#define NST_UIDMAPPATH_ATTR 27288
#define NST_GIDMAPPATH_ATTR 27289
#define NST_TIMENSOFFSET_ATTR 27290

/* nstrace's exec request, sent by the parent after it reaped stage-0 (same framing). */
#define NST_EXEC_MSG 62100
#define NST_EXEC_ARG_ATTR 27400      /* repeated, in order */
#define NST_EXEC_ENV_ATTR 27401      /* repeated, "KEY=VALUE" */
#define NST_EXEC_CWD_ATTR 27402
#define NST_EXEC_HOSTNAME_ATTR 27403

/* stage-0 <-> stage-1/2 sync messages (runc's enum sync_t values). */
enum nst_sync {
	NST_SYNC_USERMAP_PLS = 0x40,
	NST_SYNC_USERMAP_ACK = 0x41,
	NST_SYNC_RECVPID_PLS = 0x42,
	NST_SYNC_RECVPID_ACK = 0x43,
	NST_SYNC_GRANDCHILD = 0x44,
	NST_SYNC_CHILD_FINISH = 0x45,
	NST_SYNC_TIMEOFFSETS_PLS = 0x46,
	NST_SYNC_TIMEOFFSETS_ACK = 0x47,
};

/* The largest bootstrap message we accept. runc's attributes are at most 64 KiB each. */
#define NST_MAX_MESSAGE (4u << 20)
