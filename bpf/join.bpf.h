/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Joining the sockhash: at establishment (sockops) or late (vsockd's joiner,
 * an iter/tcp program), and the queue in between.
 *
 * Only sockops at ESTABLISHED may insert a socket from the kernel side, and
 * an accepted socket has no file yet then: its blocking mode was guessed
 * from its listener's, and a wrong guess (accept() without SOCK_NONBLOCK
 * from a non-blocking listener) put a blocking reader on the tcp_bpf path,
 * where it gets spurious EAGAIN. While a joiner runs (vsockd), nothing is
 * guessed: a socket joins once a process uses it with a non-blocking file.
 * The I/O tracepoints queue it (vs_joinq) and tell vsockd, which runs the
 * iterator in the socket's network namespace; the iterator holds the socket
 * lock, checks everything again and inserts it. */
#ifndef VSOCK_JOIN_BPF_H
#define VSOCK_JOIN_BPF_H

#include "leave.bpf.h"

/* Pair the two socket-table entries once both ends are tracked. */
static __always_inline void vs_link_peer(struct vs_sock_entry *e,
					 const struct vs_sock_key *peer)
{
	struct vs_rx_state *prx = bpf_map_lookup_elem(&vs_rxstate, peer);
	struct vs_sock_entry *pe;

	if (!prx)
		return;
	e->peer_cookie = prx->cookie;
	pe = vs_entry(prx->cookie);
	if (pe)
		pe->peer_cookie = e->cookie;
}

/* Receiver facts for the peer's sk_msg; written before the socket enters
 * the map, since the first sk_msg may run as soon as it is there. */
static __always_inline bool vs_publish_rx(struct tcp_sock *tp, __u64 cookie,
					  __u64 attach_cg, const struct vs_sock_key *key)
{
	struct vs_rx_state rx = {
		.cookie = cookie,
		.attach_cg = attach_cg,
		.bound = vs_max_queued(vs_get_meta()),
		.sk = (__u64)(unsigned long)tp,
	};

	vs_rx_refresh(&rx, vs_sk(tp));
	return bpf_map_update_elem(&vs_rxstate, key, &rx, BPF_ANY) == 0;
}

/* vsockd's joiner beats: accepted sockets wait for their own file. */
static __always_inline bool vs_joiner_alive(const struct vs_meta *m)
{
	return m && m->joiner_alive_ns &&
	       bpf_ktime_get_ns() - m->joiner_alive_ns < VS_JOINER_TIMEOUT_NS;
}

/* Reasons that can change while the connection lives: such a socket may
 * join later. The others (MPTCP, a ULP, another tool's map, a small-write
 * stream, a busy-polling reader) stay off for good. */
static __always_inline bool vs_join_reason(__u8 r)
{
	return r == VS_R_NOT_USED || r == VS_R_BLOCKING || r == VS_R_NO_PEER ||
	       r == VS_R_LISTENER_UNKNOWN || r == VS_R_RCVLOWAT ||
	       r == VS_R_MAP_FULL || r == VS_R_INSERT_FAILED || r == VS_R_DETACHED ||
	       r == VS_R_DISABLED || r == VS_R_POLICY;
}

/* Whether sk, off the sockhash, could use the fast path now. The file is
 * read without the socket lock here; the joiner checks again under it. */
static __always_inline bool vs_join_eligible(struct vs_sk_state *st, struct sock *sk)
{
	long f = vs_file_flags(sk);

	return vs_join_reason(st->off_reason) &&
	       sk->__sk_common.skc_state == VS_TCP_ESTABLISHED &&
	       f >= 0 && (f & VS_O_NONBLOCK) && sk->sk_rcvlowat <= 1 &&
	       vs_cgroup_enabled(st->attach_cg) && !vs_rules_deny(st, vs_get_ctl());
}

/* Why a socket off the sockhash stays off, shown in its entry. */
static __always_inline void vs_set_off_reason(struct vs_sk_state *st, __u8 r)
{
	struct vs_sock_entry *e = vs_entry(st->cookie);

	st->off_reason = r;
	if (e)
		e->reason = r;
}

/* At its join offer, a socket that waited for its use (VS_R_NOT_USED)
 * shows why it may stay off: a peer that is neither on the fast path nor
 * waiting to join it (not tracked, or not used without blocking yet),
 * which may change. Not at its first use: a connection that is over
 * after one exchange (most of connection churn) would pay three lookups
 * per socket for a reason nobody reads. False: the peer is on another
 * host or outside attached cgroups, and never joins. */
static __always_inline bool vs_peer_tracked(struct vs_sk_state *st)
{
	bool tracked = bpf_map_lookup_elem(&vs_tracked, &st->peer_key) != NULL;

	if (st->off_reason == VS_R_NOT_USED &&
	    (!tracked || (!bpf_map_lookup_elem(&vs_rxstate, &st->peer_key) &&
			  !bpf_map_lookup_elem(&vs_joinq, &st->peer_key)))) {
		vs_count(VS_C_SKIP_NO_PEER, 1);
		vs_set_off_reason(st, VS_R_NO_PEER);
	}
	return tracked;
}

/* I/O tracepoints, for a tracked socket off the sockhash: queue it for the
 * joiner once, and wake vsockd. */
static __always_inline void vs_join_offer(struct vs_sk_state *st, struct sock *sk)
{
	struct vs_sock_entry *e;

	if (st->off_io < VS_JOIN_MIN_IO) {
		st->off_io++;
		return;
	}
	if (st->join_queued || st->in_map || !vs_joiner_alive(vs_get_meta()) ||
	    !vs_join_eligible(st, sk) || !vs_peer_tracked(st))
		return;
	if (bpf_map_update_elem(&vs_joinq, &st->key, &st->cookie, BPF_NOEXIST))
		return;
	st->join_queued = 1;
	vs_count(VS_C_JOIN_QUEUED, 1);
	e = vs_entry(st->cookie);
	vs_emit(VS_EV_JOIN, st->cookie, e, true);
}

/* A socket that waited for its first use (VS_R_NOT_USED) shows, once a
 * process uses it with a blocking file, that it stays off for that (it
 * may change: it can join later). Its peer is looked at when it is
 * offered to the joiner (vs_peer_tracked()). */
static __always_inline void vs_first_use(struct vs_sk_state *st, struct sock *sk)
{
	if (st->off_reason != VS_R_NOT_USED || !vs_file_blocking(sk))
		return;
	vs_count(VS_C_SKIP_BLOCKING, 1);
	vs_set_off_reason(st, VS_R_BLOCKING);
}

/* Bytes of the skb at the head of sk's TCP receive queue that plain reads
 * took already (copied_seq inside it), 0 for an empty queue: the receive
 * verdict cuts them off once the socket is in the sockhash (rxseq.bpf.h),
 * at most VS_TRIM_CAP; above it when the skb cannot be read. Only the
 * head can be partly read. */
static __always_inline __u32 vs_rx_head_read(struct tcp_sock *tp)
{
	struct sock *sk = vs_sk(tp);
	struct sk_buff *skb = sk->sk_receive_queue.next;
	__u32 seq;
	__s32 read;

	if (!skb || (void *)skb == (void *)&sk->sk_receive_queue)
		return 0;
	/* tcp_skb_cb.seq, the first field of skb->cb */
	if (bpf_probe_read_kernel(&seq, sizeof(seq), &skb->cb))
		return VS_TRIM_CAP + 1;
	read = (__s32)(tp->copied_seq - seq);
	return read > 0 ? read : 0;
}

/* A queued socket the joiner left waiting (join_wait_rxq) because plain
 * reads had taken more of its head skb than the verdict can cut: after a
 * read that moved past that skb, wake vsockd again. */
static __always_inline void vs_join_retry(struct vs_sk_state *st, struct sock *sk)
{
	struct tcp_sock *tp;

	if (!st->join_queued || !st->join_wait_rxq)
		return;
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp || vs_rx_head_read(tp) > VS_TRIM_CAP)
		return;
	st->join_wait_rxq = 0;
	vs_emit(VS_EV_JOIN, st->cookie, vs_entry(st->cookie), true);
}

/* The joiner is done with a queued socket, joined or not. */
static __always_inline void vs_join_dequeue(struct vs_sk_state *st)
{
	bpf_map_delete_elem(&vs_joinq, &st->key);
	st->join_queued = 0;
	st->join_wait_rxq = 0;
}

#endif /* VSOCK_JOIN_BPF_H */
