/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The service proxy (`vsockctl proxy add ... --mode proxy`). The connect
 * hooks send a client of a proxy-mode service to vsockd's listener in the
 * client's own network namespace (vs_proxy_listen); the proxy accepts it,
 * recovers the destination the client asked for (vs_proxy_orig, written
 * at establishment), dials a backend from that namespace (round robin over
 * healthy ones; a refusal or a timeout tries the next), and hands the two
 * connected legs to the relay, which moves the bytes in the kernel. */
#ifndef VSOCKD_PROXY_H
#define VSOCKD_PROXY_H

#include <linux/types.h>
#include "loader.h"
#include "loop.h"

struct relay;

#define PROXY_MAX_PENDING		1024	/* clients waiting for a backend */

struct proxy_opts {
	unsigned int connect_timeout_ms;	/* per backend attempt */
	unsigned int max_pending;		/* clients waiting for a backend */
	unsigned int idle_ms;			/* relayed pair idle: reset; 0 never */
	unsigned int relay_bound;		/* relay_opts.bound */
};

struct proxy_stats {
	__u64 accepted;		/* clients accepted by a listener */
	__u64 no_destination;	/* accepted without a vs_proxy_orig record */
	__u64 no_backend;	/* every backend refused or timed out: client reset */
	__u64 dial_failures;	/* single attempts that failed */
	__u64 paired;		/* handed to the relay */
	__u64 pending_full;	/* refused: max_pending clients already wait */
	unsigned int listeners;
	unsigned int pending;
};

struct proxy;

/* Listen in the daemon's own namespace at once; other namespaces on
 * demand (proxy_serve). NULL with errno. */
struct proxy *proxy_open(struct vs_loader *ld, struct loop *l, struct relay *rl,
			 __u64 own_netns, const struct proxy_opts *o);
/* Close listeners and pending dials, and remove the listener records, so
 * the connect hooks refuse new clients instead of sending them nowhere.
 * Relayed pairs belong to the relay and stay. */
void proxy_close(struct proxy *p);
struct fdstore_fd;
/* Take over the relayed pairs a previous vsockd kept in the fd store
 * (relay_adopt); their backends stay counted active. How many. */
int proxy_adopt(struct proxy *p, struct fdstore_fd *fds, int n);
/* Make sure vsockd listens in the network namespace of pid (netns: inode
 * of /proc/PID/ns/net). 0, or -errno. */
int proxy_serve(struct proxy *p, __u32 pid, __u64 netns);
/* Attempts past their timeout try the next backend. */
void proxy_tick(struct proxy *p, __u64 now_ms);
void proxy_stats(const struct proxy *p, struct proxy_stats *out);

#endif /* VSOCKD_PROXY_H */
