// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* cgroup/sock hooks: a socket-table entry is born with the socket (owner,
 * UNCONNECTED), learns its address at bind (BOUND) and is marked TERMINATED
 * when the process closes it. The entry itself leaves when the kernel
 * destroys the socket (vsock_trace.bpf.c), whatever cgroup it is in by then. */
#include "status.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("cgroup/sock_create")
int vsock_create(struct bpf_sock *sk)
{
	struct vs_sock_entry e = {};
	__u64 cookie;

	if (sk->protocol != VS_IPPROTO_TCP) {
		vs_count(sk->protocol == VS_IPPROTO_MPTCP ? VS_C_MPTCP
							  : VS_C_NON_TCP, 1);
		return 1;
	}
	cookie = bpf_get_socket_cookie(sk);
	e.cookie = cookie;
	e.netns_cookie = bpf_get_netns_cookie(sk);
	e.cgroup_id = bpf_get_current_cgroup_id();
	e.created_ns = bpf_ktime_get_ns();
	e.owner_tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e.comm, sizeof(e.comm));
	e.family = sk->family;
	e.type = sk->type;
	e.protocol = sk->protocol;
	e.status = VS_ST_UNCONNECTED;
	e.reason = VS_R_NOT_ESTABLISHED;
	if (bpf_map_update_elem(&vs_socktbl, &cookie, &e, BPF_NOEXIST)) {
		vs_count(VS_C_SOCKTBL_FULL, 1);
		return 1;
	}
	vs_count(VS_C_SOCK_CREATED, 1);
	vs_emit(VS_EV_CREATED, cookie, &e, true);
	return 1;
}

static __always_inline int on_bind(struct bpf_sock *sk, bool v6)
{
	struct vs_sock_entry *e;
	__u8 ip[16];

	if (sk->protocol != VS_IPPROTO_TCP)
		return 1;
	e = vs_entry(bpf_get_socket_cookie(sk));
	if (!e)
		return 1;
	if (v6) {
		__u32 ip6[4] = { sk->src_ip6[0], sk->src_ip6[1],
				 sk->src_ip6[2], sk->src_ip6[3] };
		vs_ip_from_v6(ip, ip6);
	} else {
		vs_ip_from_v4(ip, sk->src_ip4);
	}
	vs_addr_set(&e->local, ip, sk->src_port);
	vs_set_status(e, VS_ST_BOUND, VS_STF_IN_TASK | VS_STF_ANNOUNCE);
	return 1;
}

SEC("cgroup/post_bind4")
int vsock_bind4(struct bpf_sock *sk)
{
	return on_bind(sk, false);
}

SEC("cgroup/post_bind6")
int vsock_bind6(struct bpf_sock *sk)
{
	return on_bind(sk, true);
}

SEC("cgroup/sock_release")
int vsock_release(struct bpf_sock *sk)
{
	struct vs_sock_entry *e;

	if (sk->protocol != VS_IPPROTO_TCP)
		return 1;
	e = vs_entry(bpf_get_socket_cookie(sk));
	if (e) {
		vs_count(VS_C_SOCK_RELEASED, 1);
		vs_set_status(e, VS_ST_TERMINATED, VS_STF_IN_TASK | VS_STF_ANNOUNCE);
	}
	return 1;
}
