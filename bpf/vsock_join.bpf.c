// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* iter/tcp: vsockd's joiner. Run (read) by vsockd in a network namespace
 * after the I/O tracepoints queued sockets there (vs_joinq, join.bpf.h).
 * The iterator holds each socket's lock (bpf_iter_tcp_seq_show, lock_sock
 * since 6.4), so what it checks cannot change before the insert.
 *
 * A socket may join with bytes TCP queued and its reader has not taken
 * yet (a stream that never pauses, an asyncio echo, never shows an empty
 * queue). The receive verdict sees such bytes only at the next
 * sk_data_ready, and until then FIONREAD, which counts the psock alone,
 * says 0 (an nginx-style reader waits forever). So the pass that inserts
 * writes one byte per such socket, and vsockd at once runs a second pass
 * that clocks the verdict under the socket lock (clock_queued()). Not in
 * the first pass: a read that started before the insert may be waiting
 * for this lock in plain tcp_recvmsg(); the bytes must still be on the
 * TCP queue when it gets the lock, else it returns EAGAIN after FIONREAD
 * said there were bytes (test_duplex random_schedules_blocking_modes
 * caught it). */
#include "join.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define VS_SOL_TCP 6
#define VS_SOL_SOCKET 1
#define VS_SO_RCVLOWAT 18

/* Checked again under the socket lock; false: not now. */
static __always_inline bool join_now(struct tcp_sock *tp, struct vs_sk_state *st,
				     bool *never)
{
	struct sock *sk = vs_sk(tp);
	struct vs_rx_state *prx;

	*never = !vs_join_eligible(st, sk) ||
		 BPF_CORE_READ(tp, inet_conn.icsk_ulp_ops) != NULL;
	if (*never)
		return false;
	/* bytes TCP queued reach the psock through the receive verdict,
	 * which cuts off what plain reads took of the head skb: at most
	 * VS_TRIM_CAP, else wait for the reader to move past it */
	if (vs_rx_head_read(tp) > VS_TRIM_CAP) {
		st->join_wait_rxq = 1;	/* offered again after a read */
		return false;
	}
	/* a peer that is neither in the sockhash (and staying) nor about to
	 * join could never be redirected to: joining would only cost
	 * tcp_bpf. One that is leaving queues itself once it has left. */
	prx = bpf_map_lookup_elem(&vs_rxstate, &st->peer_key);
	if (prx && !vs_cgroup_pair_ok(st->attach_cg, prx->attach_cg)) {
		*never = true;	/* secure mode: the two may not meet */
		return false;
	}
	if (prx)
		return !prx->closed;
	return bpf_map_lookup_elem(&vs_joinq, &st->peer_key) != NULL;
}

static __always_inline void joined(struct tcp_sock *tp, struct vs_sk_state *st)
{
	int flags = BPF_SOCK_OPS_STATE_CB_FLAG | VS_LEAVE_CB_FLAGS;
	struct vs_sock_entry *e = vs_entry(st->cookie);

	/* the leave needs the callbacks the insert at ESTABLISHED sets */
	flags |= BPF_CORE_READ(tp, bpf_sock_ops_cb_flags);
	bpf_setsockopt(tp, VS_SOL_TCP, TCP_BPF_SOCK_OPS_CB_FLAGS, &flags, sizeof(flags));
	st->in_map = 1;
	st->tx_mode = VS_TX_UNDECIDED;
	st->tx_reason = VS_R_NONE;
	st->off_reason = VS_R_NONE;
	st->small_run = 0;
	vs_leave_rearm(st);
	vs_join_dequeue(st);
	bpf_map_delete_elem(&vs_rxseq, &st->cookie);
	vs_count(VS_C_JOINED, 1);
	st->join_clock = vs_sk(tp)->sk_receive_queue.qlen != 0;
	if (st->join_clock)
		vs_count(VS_C_JOIN_CLOCKED, 1);
	if (!e)
		return;
	e->in_sockhash = 1;
	e->joined = 1;
	e->reason = VS_R_NONE;
	e->tx_mode = VS_TX_UNDECIDED;
	vs_link_peer(e, &st->peer_key);
}

/* The pass after the insert: TCP bytes queued before it go through the
 * receive verdict now. tcp_set_rcvlowat() (the value unchanged) calls
 * tcp_data_ready(), which is the psock's sk_data_ready since the insert. */
static __always_inline void clock_queued(struct tcp_sock *tp, struct vs_sk_state *st)
{
	int lowat = vs_sk(tp)->sk_rcvlowat;

	st->join_clock = 0;
	if (!st->in_map || !vs_sk(tp)->sk_receive_queue.qlen)
		return;		/* left, or a read clocked them itself */
	bpf_setsockopt(tp, VS_SOL_SOCKET, VS_SO_RCVLOWAT, &lowat, sizeof(lowat));
}

SEC("iter/tcp")
int vsock_join(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct vs_sk_state *st;
	struct tcp_sock *tp;
	bool never;

	if (!skc || !(tp = bpf_skc_to_tcp_sock(skc)))
		return 0;
	st = vs_state(vs_sk(tp));
	if (st && st->join_clock) {
		clock_queued(tp, st);
		return 0;
	}
	if (!st || !st->join_queued)
		return 0;
	if (!join_now(tp, st, &never)) {
		if (never) {
			vs_join_dequeue(st);
			vs_count(VS_C_JOIN_REFUSED, 1);
		}
		return 0;
	}
	if (!vs_publish_rx(tp, st->cookie, st->attach_cg, &st->key))
		return 0;
	if (bpf_map_update_elem(&vs_socks, &st->key, tp, BPF_NOEXIST)) {
		bpf_map_delete_elem(&vs_rxstate, &st->key);
		vs_join_dequeue(st);
		vs_count(VS_C_JOIN_REFUSED, 1);
		return 0;
	}
	joined(tp, st);
	if (st->join_clock)	/* vsockd runs the clock pass */
		bpf_seq_write(ctx->meta->seq, "c", 1);
	return 0;
}
