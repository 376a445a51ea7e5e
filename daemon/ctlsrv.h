/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The control socket's server side: listening, per-client buffers and
 * framing, peer credentials. Requests are handed to a callback, one at a
 * time per client; a client with a reply still unsent is not read from
 * (backpressure, and the order of replies is the order of requests). */
#ifndef VSOCKD_CTLSRV_H
#define VSOCKD_CTLSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>
#include <linux/types.h>
#include "ctlmsg.h"

#define CTLSRV_MAX_CLIENTS	64
#define CTLSRV_PARTIAL_MS	5000	/* a started request must complete */
#define CTLSRV_IDLE_MS		60000

/* Who is asking (SO_PEERCRED, SO_PEERGROUPS). */
struct ctl_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	bool privileged;	/* root, or a member of the control group */
};

struct ctl_client {
	int fd;
	struct ctl_peer peer;
	unsigned char *in;
	size_t in_len;
	unsigned char *out;
	size_t out_len, out_off;
	bool eof;		/* the client sent all it will send */
	bool closing;		/* no more requests: flush, then close */
	__u64 last_ms;
};

typedef json_t *(*ctlsrv_handler)(void *ctx, const struct ctl_req *req,
				  const struct ctl_peer *peer);

struct ctlsrv {
	int lfd;
	int epfd;
	char path[108];
	bool has_gid;
	gid_t gid;
	struct ctl_client *c[CTLSRV_MAX_CLIENTS];
	ctlsrv_handler handler;
	void *ctx;
	__u64 requests, errors, refused;	/* served, error replies, clients turned away */
};

/* Listen on path (its directory is created 0755 if missing) with mode and
 * group; sockets join epfd tagged TAG_LISTEN and TAG_CLIENT + slot.
 * -EADDRINUSE when a daemon answers there already. */
int ctlsrv_open(struct ctlsrv *s, int epfd, const char *path, unsigned int mode,
		bool has_gid, gid_t gid);
/* Mode and group again (reload). */
int ctlsrv_set_access(struct ctlsrv *s, unsigned int mode, bool has_gid, gid_t gid);
void ctlsrv_close(struct ctlsrv *s);
void ctlsrv_accept(struct ctlsrv *s, __u64 now_ms);
void ctlsrv_client_event(struct ctlsrv *s, unsigned int slot, __u32 events,
			 __u64 now_ms);
/* Drop clients that stalled mid-request or idled too long. */
void ctlsrv_tick(struct ctlsrv *s, __u64 now_ms);
unsigned int ctlsrv_nclients(const struct ctlsrv *s);

#endif /* VSOCKD_CTLSRV_H */
