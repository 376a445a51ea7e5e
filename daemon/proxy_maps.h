/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The proxy's view of the service maps (include/vsock/svc.h): where its
 * listeners are, the destination an accepted client asked for, the
 * backends to try and how each attempt went. */
#ifndef VSOCKD_PROXY_MAPS_H
#define VSOCKD_PROXY_MAPS_H

#include <stdbool.h>
#include <sys/socket.h>
#include <vsock/svc.h>
#include "loader.h"

/* What an accepted client asked for. */
struct pmap_dest {
	__u32 svc_id;
	struct vs_svc_key svc;		/* the service address it connected to */
	__u64 client_cookie;
	__u32 start;			/* round-robin cursor of its first attempt */
	__u32 tried;			/* bit per backend slot already tried */
};

/* Publish (or, with port 0, remove) the listeners 127.0.0.1:port and
 * [::1]:port6 (0: none) of the network namespace whose cookie is
 * netns_cookie. */
int pmap_listener_set(struct vs_loader *ld, __u64 netns_cookie, __u16 port, __u16 port6);
/* The destination of the client accepted as fd, from the record its
 * connect left (vs_proxy_orig). -ENOENT: none. */
int pmap_dest_of(struct vs_loader *ld, int fd, struct pmap_dest *out);
/* The backend for the next attempt of dest (its first, with tried 0 as
 * pmap_dest_of() leaves it, takes the service's round-robin cursor): the
 * first untried one of the healthy backends in round-robin order, else of
 * those marked down; it counts as tried. -ENOENT when every backend was
 * tried, or the service is gone. */
int pmap_backend(struct vs_loader *ld, struct pmap_dest *dest,
		 struct sockaddr_storage *addr, socklen_t *len, __u32 *slot);
/* How a connect to a backend went, for its counters and its health; a
 * connection that answered and goes to the relay counts as active. */
void pmap_backend_result(struct vs_loader *ld, __u32 svc_id, __u32 slot, bool ok,
			 bool relayed);
/* A relayed connection to the backend closed, with the bytes it carried
 * each way ([0] client to backend). */
void pmap_backend_closed(struct vs_loader *ld, __u32 svc_id, __u32 slot, const __u64 bytes[2]);

#endif /* VSOCKD_PROXY_MAPS_H */
