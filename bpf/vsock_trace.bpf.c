// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* BTF tracepoints for what no cgroup program sees:
 *  - tcp_destroy_sock: the kernel frees a TCP socket, so the table never
 *    leaks (children never accepted, sockets of a detached cgroup);
 *  - sock_recv_length: a read on a tracked socket refreshes what its senders
 *    need (copied_seq, fast-path queue, file flags), and names the owner of
 *    an accepted socket (the first process that uses it);
 *  - sock_send_length: the same owner signal for a socket that only sends.
 * Tracepoints, not fentry/fexit: a kernel locked down for integrity (as on
 * this project's hosts) refuses BPF trampolines with EPERM. */
#include "common.bpf.h"
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* A socket that never had a cookie was never in our table: reading the
 * field avoids bpf_get_socket_cookie() generating one for every socket. */
static __always_inline __u64 sk_cookie(struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
}

static __always_inline void forget_listener(struct sock *sk)
{
	struct vs_listen_key lk = {
		.netns_cookie = BPF_CORE_READ(sk, __sk_common.skc_net.net, net_cookie),
		.port = BPF_CORE_READ(sk, __sk_common.skc_num),
	};
	__u64 *addr = bpf_map_lookup_elem(&vs_listeners, &lk);

	if (addr && *addr == (__u64)(unsigned long)sk)
		bpf_map_delete_elem(&vs_listeners, &lk);
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(vsock_destroy, struct sock *sk)
{
	struct vs_sk_state *st;
	__u64 cookie = sk_cookie(sk);

	if (!cookie)
		return 0;
	forget_listener(sk);
	st = bpf_sk_storage_get(&vs_skstate, sk, 0, 0);
	if (st)
		bpf_map_delete_elem(&vs_rxstate, &st->key);
	if (!bpf_map_delete_elem(&vs_socktbl, &cookie))
		vs_count(VS_C_SOCK_DESTROYED, 1);
	return 0;
}

/* Owner of a passive socket: the first process that reads or writes it. */
static __always_inline void claim_owner(struct vs_sk_state *st)
{
	struct vs_sock_entry *e = vs_entry(st->cookie);

	if (!e || e->owner_tgid)
		return;
	e->owner_tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

static __always_inline void on_io(struct sock *sk, bool read)
{
	struct vs_sk_state *st;
	struct vs_rx_state *rx;

	st = bpf_sk_storage_get(&vs_skstate, sk, 0, 0);
	if (!st)
		return;		/* not a socket we track: the common case */
	claim_owner(st);
	rx = bpf_map_lookup_elem(&vs_rxstate, &st->key);
	if (rx && read)
		vs_rx_refresh(rx, sk);
	else if (rx)
		rx->nonblock = !vs_file_blocking(sk);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(vsock_recv, struct sock *sk, int ret, int flags)
{
	on_io(sk, true);
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(vsock_send, struct sock *sk, int ret, int flags)
{
	on_io(sk, false);
	return 0;
}
