// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The proxy's view of the service maps (proxy_maps.h). */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <vsock/policy.h>
#include "clock.h"
#include "proxy_maps.h"
#include "sockaddr.h"

_Static_assert(VS_SVC_MAX_BACKENDS <= 32, "pmap_dest.tried is a 32-bit mask");

int pmap_listener_set(struct vs_loader *ld, __u64 netns_cookie, __u16 port, __u16 port6)
{
	struct vs_proxy_listen v = { .addr.port = port, .addr6.port = port6 };

	if (!port)
		return loader_proxy_listen_del(ld, netns_cookie);
	vs_ip_from_v4(v.addr.ip, htonl(INADDR_LOOPBACK));
	v.addr6.ip[15] = 1;	/* ::1 */
	return loader_proxy_listen_set(ld, netns_cookie, &v);
}

int pmap_dest_of(struct vs_loader *ld, int fd, struct pmap_dest *out)
{
	struct sockaddr_storage me, client;
	socklen_t l1 = sizeof(me), l2 = sizeof(client), lc = sizeof(__u64);
	struct vs_addr local, peer;
	struct vs_proxy_orig o;
	struct vs_sock_key k = {};
	int r;

	if (getsockname(fd, (struct sockaddr *)&me, &l1) ||
	    getpeername(fd, (struct sockaddr *)&client, &l2) ||
	    getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &k.netns_cookie, &lc))
		return -errno;
	/* the accepted socket's own key */
	r = vs_addr_from_sockaddr(&local, &me);
	if (!r)
		r = vs_addr_from_sockaddr(&peer, &client);
	if (r)
		return r;
	memcpy(k.local_ip, local.ip, 16);
	k.local_port = local.port;
	memcpy(k.peer_ip, peer.ip, 16);
	k.peer_port = peer.port;
	r = loader_proxy_orig(ld, &k, &o);
	if (r)
		return r;
	memset(out, 0, sizeof(*out));
	out->svc_id = o.svc_id;
	memcpy(out->svc.ip, o.svc.ip, 16);
	out->svc.port = o.svc.port;
	out->client_cookie = o.client_cookie;
	return 0;
}

static int backend_get(int bfd, __u32 svc_id, __u32 slot, struct vs_backend *b)
{
	struct vs_backend_key k = { .svc_id = svc_id, .slot = slot };

	return bpf_map_lookup_elem(bfd, &k, b) ? -errno : 0;
}

int pmap_backend(struct vs_loader *ld, struct pmap_dest *dest,
		 struct sockaddr_storage *addr, socklen_t *len, __u32 *slot)
{
	int sfd = loader_map_fd(ld, VS_MAP_SVC), bfd = loader_map_fd(ld, VS_MAP_BACKENDS);
	__u32 i, s;
	struct vs_backend b;
	struct vs_svc svc;
	__u64 now = clock_now_ns(CLOCK_MONOTONIC);
	int pass;

	if (sfd < 0 || bfd < 0)
		return sfd < 0 ? sfd : bfd;
	if (bpf_map_lookup_elem(sfd, &dest->svc, &svc) || svc.id != dest->svc_id ||
	    !svc.nbackends || svc.nbackends > VS_SVC_MAX_BACKENDS)
		return -ENOENT;	/* deleted, or replaced by another service */
	if (!dest->tried) {	/* its first attempt: the next client starts one further */
		dest->start = svc.rr++;
		bpf_map_update_elem(sfd, &dest->svc, &svc, BPF_EXIST);
	}
	/* healthy ones first, from the cursor; then those marked down */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < svc.nbackends; i++) {
			s = (dest->start + i) % svc.nbackends;
			if ((dest->tried & (1u << s)) || backend_get(bfd, svc.id, s, &b) ||
			    !vs_backend_usable(&b, now) != (pass == 1))
				continue;
			dest->tried |= 1u << s;
			*slot = s;
			*len = vs_addr_to_sockaddr(&b.addr, addr);
			return 0;
		}
	return -ENOENT;
}

/* Read, change and write back one backend: connect 1 (answered), -1
 * (failed) or 0 (no attempt), active +1/-1/0, bytes of a closed pair or
 * NULL. Only vsockd writes a proxy-mode backend, so this races with
 * nothing. */
static void backend_note(struct vs_loader *ld, __u32 svc_id, __u32 slot, int connect,
			 int active, const __u64 *bytes)
{
	int bfd = loader_map_fd(ld, VS_MAP_BACKENDS);
	struct vs_backend_key k = { .svc_id = svc_id, .slot = slot };
	struct vs_backend b;

	if (bfd < 0 || bpf_map_lookup_elem(bfd, &k, &b))
		return;		/* the service was deleted or replaced meanwhile */
	if (connect) {
		b.conns++;
		if (connect > 0)
			vs_backend_ok(&b);
		else
			vs_backend_failed(&b, clock_now_ns(CLOCK_MONOTONIC));
	}
	if (active > 0)
		b.active++;
	else if (active < 0)
		b.active -= b.active > 0;
	if (bytes) {
		b.bytes[0] += bytes[0];
		b.bytes[1] += bytes[1];
	}
	bpf_map_update_elem(bfd, &k, &b, BPF_EXIST);
}

void pmap_backend_result(struct vs_loader *ld, __u32 svc_id, __u32 slot, bool ok,
			 bool relayed)
{
	backend_note(ld, svc_id, slot, ok ? 1 : -1, relayed, NULL);
}

void pmap_backend_closed(struct vs_loader *ld, __u32 svc_id, __u32 slot, const __u64 bytes[2])
{
	backend_note(ld, svc_id, slot, 0, -1, bytes);
}
