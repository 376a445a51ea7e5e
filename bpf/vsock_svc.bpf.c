// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Virtual services (include/vsock/svc.h): cgroup/connect4/6 rewrite a
 * connect to a service address, to a backend (direct mode) or to vsockd's
 * proxy listener in the client's netns (proxy mode), and record the
 * service on the socket (vs_svc_sk); cgroup/getpeername4/6 answer with the
 * service address, so the application never sees the rewrite. A connect
 * to anything else costs one hash lookup. Health is counted by sockops
 * (vsock_sockops.bpf.c): established resets a backend, a refused or timed
 * out connect counts against it. */
#include "svc.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define VS_ECONNREFUSED 111

/* Refuse the connect with ECONNREFUSED, what a client of a service nobody
 * serves would see from the network; returning 0 alone gives EPERM. */
static __always_inline int refuse(void)
{
	vs_count(VS_C_SVC_REFUSED, 1);
	bpf_set_retval(-VS_ECONNREFUSED);
	return 0;
}

/* Round robin over the usable backends (of the socket's family: an AF_INET
 * socket can only reach IPv4 ones); when every one is down, the first in
 * turn anyway, so a recovered backend is found without waiting. */
static __always_inline struct vs_backend *pick(struct vs_svc *svc, bool v4only,
					       __u32 *slot)
{
	struct vs_backend *b, *down = NULL;
	__u32 n = svc->nbackends, start, i, down_slot = 0;
	__u64 now = bpf_ktime_get_ns();
	struct vs_backend_key k;

	if (!n || n > VS_SVC_MAX_BACKENDS)
		return NULL;
	start = __sync_fetch_and_add(&svc->rr, 1) % n;
	for (i = 0; i < VS_SVC_MAX_BACKENDS && i < n; i++) {
		k.svc_id = svc->id;
		k.slot = (start + i) % n;
		b = bpf_map_lookup_elem(&vs_backends, &k);
		if (!b || (v4only && !vs_ip_is_v4(b->addr.ip)))
			continue;
		if (vs_backend_usable(b, now)) {
			*slot = k.slot;
			return b;
		}
		if (!down) {
			down = b;
			down_slot = k.slot;
		}
	}
	*slot = down_slot;
	return down;
}

/* The address in the context (destination of a connect, peer of a
 * getpeername), canonical. */
static __always_inline void user_ip(struct bpf_sock_addr *ctx, bool v4, __u8 ip[16])
{
	if (v4) {
		vs_ip_from_v4(ip, ctx->user_ip4);
	} else {
		__u32 ip6[4] = { ctx->user_ip6[0], ctx->user_ip6[1],
				 ctx->user_ip6[2], ctx->user_ip6[3] };

		vs_ip_from_v6(ip, ip6);
	}
}

static __always_inline void set_dst(struct bpf_sock_addr *ctx, const struct vs_addr *a,
				    bool v4)
{
	if (v4) {
		__u32 ip4;

		__builtin_memcpy(&ip4, a->ip + 12, 4);
		ctx->user_ip4 = ip4;
	} else {
		__u32 ip6[4];

		__builtin_memcpy(ip6, a->ip, 16);
		ctx->user_ip6[0] = ip6[0];
		ctx->user_ip6[1] = ip6[1];
		ctx->user_ip6[2] = ip6[2];
		ctx->user_ip6[3] = ip6[3];
	}
	ctx->user_port = bpf_htons(a->port);
}

static __always_inline int on_connect(struct bpf_sock_addr *ctx, bool v4)
{
	struct vs_svc_key key = {};
	struct vs_proxy_listen *pl;
	const struct vs_addr *dst;
	struct vs_backend *b = NULL;
	struct vs_svc_sk *rec;
	struct bpf_sock *sk;
	struct vs_svc *svc;
	__u64 netns;
	__u32 slot = VS_SVC_NO_SLOT;

	if (ctx->type != VS_SOCK_STREAM || ctx->protocol != VS_IPPROTO_TCP)
		return 1;
	user_ip(ctx, v4, key.ip);
	/* user_port: network byte order in the low 16 bits */
	key.port = bpf_ntohs((__u16)ctx->user_port);
	svc = bpf_map_lookup_elem(&vs_svc, &key);
	if (!svc)
		return 1;	/* not a service: the common case ends here */
	sk = ctx->sk;
	if (!sk)
		return 1;
	if (sk->mark == VS_PROXY_MARK) {	/* vsockd dialing a backend */
		vs_count(VS_C_SVC_MARKED, 1);
		return 1;
	}
	if (svc->mode == VS_SVC_PROXY) {
		netns = bpf_get_netns_cookie(ctx);
		pl = bpf_map_lookup_elem(&vs_proxy_listen, &netns);
		if (!pl)
			return refuse();	/* no vsockd here */
		/* a v6 service: ::1, which an IPV6_V6ONLY socket can reach */
		dst = !v4 && !vs_ip_is_v4(key.ip) && pl->addr6.port ? &pl->addr6 : &pl->addr;
	} else {
		b = pick(svc, v4, &slot);
		if (!b)
			return refuse();
		dst = &b->addr;
	}
	rec = bpf_sk_storage_get(&vs_svc_sk, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!rec)
		return refuse();	/* no memory: the rewrite could not be undone
					 * for getpeername, nor its health counted */
	vs_addr_set(&rec->svc, key.ip, key.port);
	rec->dst = *dst;
	rec->svc_id = svc->id;
	rec->slot = slot;
	rec->mode = svc->mode;
	set_dst(ctx, dst, v4);
	if (b) {
		__sync_fetch_and_add(&b->conns, 1);
		vs_count(VS_C_SVC_DIRECT, 1);
	} else {
		vs_count(VS_C_SVC_PROXY, 1);
	}
	return 1;
}

SEC("cgroup/connect4")
int vsock_svc_conn4(struct bpf_sock_addr *ctx)
{
	return on_connect(ctx, true);
}

SEC("cgroup/connect6")
int vsock_svc_conn6(struct bpf_sock_addr *ctx)
{
	return on_connect(ctx, false);
}

/* The peer is where the hook sent the socket: show the service instead. A
 * socket that connected elsewhere since keeps its real peer. */
static __always_inline int on_getpeername(struct bpf_sock_addr *ctx, bool v4)
{
	struct vs_svc_sk *rec;
	__u8 ip[16];

	if (!ctx->sk)
		return 1;
	rec = bpf_sk_storage_get(&vs_svc_sk, ctx->sk, 0, 0);
	if (!rec)
		return 1;
	user_ip(ctx, v4, ip);
	if (!vs_ip_eq(ip, rec->dst.ip) ||
	    bpf_ntohs((__u16)ctx->user_port) != rec->dst.port)
		return 1;
	set_dst(ctx, &rec->svc, v4);
	return 1;
}

SEC("cgroup/getpeername4")
int vsock_svc_peer4(struct bpf_sock_addr *ctx)
{
	return on_getpeername(ctx, true);
}

SEC("cgroup/getpeername6")
int vsock_svc_peer6(struct bpf_sock_addr *ctx)
{
	return on_getpeername(ctx, false);
}
