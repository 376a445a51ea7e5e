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
#include "join.bpf.h"
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

static __always_inline void add_coverage(__u64 cookie)
{
	struct vs_sock_entry *e = vs_entry(cookie);
	struct vs_coverage *row;
	__u32 r;

	if (!e)
		return;
	r = vs_coverage_row(e);
	row = r < VS_R_MAX ? bpf_map_lookup_elem(&vs_coverage, &r) : NULL;
	if (row)
		vs_coverage_add(row, e);
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(vsock_destroy, struct sock *sk)
{
	struct vs_sk_state *st;
	__u64 cookie = sk_cookie(sk);

	if (!cookie)
		return 0;
	st = vs_state(sk);
	if (!st || st->listened)	/* record_listener() */
		forget_listener(sk);
	if (st) {
		add_coverage(st->cookie);	/* a connected socket */
		if (st->in_map)	/* receiver facts exist only while in the map */
			bpf_map_delete_elem(&vs_rxstate, &st->key);
		if (st->join_queued)
			bpf_map_delete_elem(&vs_joinq, &st->key);
		bpf_map_delete_elem(&vs_tracked, &st->key);
		if (st->proxied)	/* a proxied client's original destination */
			bpf_map_delete_elem(&vs_proxy_orig, &st->key);
		/* the receive verdict's mark exists only for a socket that
		 * was in the sockhash (joined_ns set at each entry); a delete
		 * takes its bucket lock even when the key is absent */
		if (st->joined_ns)
			bpf_map_delete_elem(&vs_rxseq, &cookie);
	}
	if (!bpf_map_delete_elem(&vs_socktbl, &cookie)) {
		vs_count(VS_C_SOCK_DESTROYED, 1);
		vs_emit(VS_EV_RELEASED, cookie, NULL, false);
	}
	return 0;
}

/* Owner of a passive socket: the first process that reads or writes it;
 * its file options become known then too. */
static __always_inline void claim_owner(struct vs_sk_state *st,
					struct vs_sock_entry *e, struct sock *sk)
{
	long f;

	st->owner_known = 1;
	if (e->owner_tgid)
		return;
	e->owner_tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	f = vs_file_flags(sk);
	if (f >= 0)
		e->options |= VS_OPT_HAS_FILE | (f & VS_O_NONBLOCK ? VS_OPT_NONBLOCK : 0);
}

/* What a send syscall accepted and did not redirect went through TCP. */
static __always_inline void account_send(struct vs_sock_entry *e, int ret,
					 __u64 redirected)
{
	if ((__u64)ret > redirected) {
		__sync_fetch_and_add(&e->tx_pass_bytes, ret - redirected);
		vs_count(VS_C_BYTES_PASSED, ret - redirected);
	}
}

/* A read that found a socket of the sockhash empty. Other sockets leave
 * at the first load (no psock), so busy pollers elsewhere pay nothing more. */
static __always_inline void on_empty_read(struct sock *sk)
{
	struct vs_sk_state *st;

	if (!vs_psock(sk))
		return;
	st = vs_state(sk);
	if (st && st->in_map && st->empty_reads < 0xffff)
		st->empty_reads++;
}

/* Runs for every socket of the host that moves data, so the common cases
 * leave early: nothing moved (EAGAIN of a polling loop: the caller), not a
 * socket we track (st NULL), or a read on one that is off the fast path
 * (nothing a sender needs). What stays is the exact per-socket count of
 * bytes passed. */
static __always_inline void on_io(struct vs_sk_state *st, struct sock *sk,
				  int ret, int flags, bool read)
{
	struct vs_sock_entry *e = NULL;
	struct vs_rx_state *rx;
	__u64 redirected = 0;

	if (!st)
		return;
	if (!read)	/* whatever the call returned */
		redirected = vs_redirect_done(st);
	if (ret <= 0)
		return;
	if (!st->owner_known || !read) {
		e = vs_entry(st->cookie);
		if (e && !st->owner_known)
			claim_owner(st, e, sk);
		if (e && !read)
			account_send(e, ret, redirected);
	}
	if (!st->in_map) {
		vs_first_use(st, sk);
		/* a read proves this reader does not sleep in plain
		 * tcp_recvmsg (which would never see redirected bytes) */
		if (!read || (flags & VS_MSG_DONTWAIT))
			vs_join_offer(st, sk);
		if (read)
			vs_join_retry(st, sk);
		return;
	}
	rx = bpf_map_lookup_elem(&vs_rxstate, &st->key);
	if (!rx)
		return;
	vs_leave_cancel(st, rx, sk);
	if (read) {
		struct vs_meta *m = vs_get_meta();

		vs_rx_refresh(rx, sk);
		vs_rx_account_read(rx, st, ret, m);
		vs_leave_busy_poll(st, rx, m);
		/* a reader that never sends meets a new rule here */
		if (!st->leave_phase && vs_rules_deny(st, vs_get_ctl()))
			vs_leave_begin(st, rx, VS_R_POLICY);
	} else {
		VS_SET(rx->has_file, 1);
		VS_SET(rx->nonblock, (__u8)!vs_file_blocking(sk));
	}
}

/* The monitor of the rule "never in the sockhash while the file is
 * blocking" (docs/architecture.md, "Who is accelerated"): a read without
 * MSG_DONTWAIT (the syscall adds it for an O_NONBLOCK file) that ran on a
 * socket of the sockhash, and an EAGAIN such a read returned without a
 * receive timeout, which plain TCP never does. */
static __always_inline void on_blocking_read(struct vs_sk_state *st,
					     struct sock *sk, int ret)
{
	if (!st)
		return;
	if (st->in_map)
		vs_count(VS_C_RX_BLOCKING_IN_MAP, 1);
	if (ret == -VS_EAGAIN && sk->sk_rcvtimeo == VS_NO_TIMEOUT)
		vs_count(VS_C_RX_BLOCKING_EAGAIN, 1);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(vsock_recv, struct sock *sk, int ret, int flags)
{
	struct vs_sk_state *st = NULL;	/* looked up once, when needed */
	bool blocking = !(flags & VS_MSG_DONTWAIT);

	if (blocking) {
		st = vs_state(sk);
		on_blocking_read(st, sk, ret);
	}
	/* a peek consumes nothing: no state of ours changes */
	if (flags & VS_MSG_PEEK)
		return 0;
	if (ret == -VS_EAGAIN)
		on_empty_read(sk);
	else if (ret > 0)
		on_io(blocking ? st : vs_state(sk), sk, ret, flags, true);
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(vsock_send, struct sock *sk, int ret, int flags)
{
	on_io(vs_state(sk), sk, ret, flags, false);
	return 0;
}
