/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Leaving the sockhash without losing a byte: every way a socket leaves
 * vs_socks, decided and done here; the programs only call in.
 *
 * Steps, and the programs that call them:
 *   decide  vs_leave_reason (in vs_leave_try), vs_leave_busy_poll
 *   step 1  vs_leave_begin, mark leaving: senders pass from their next message
 *           (vsock_sockops via vs_leave_on_callback; vsock_recv via
 *           vs_leave_busy_poll)
 *   undo    vs_leave_cancel, a blocking leave whose file turned non-blocking
 *           again (vsock_sockops; vsock_recv, vsock_send)
 *   step 2  delete, in vs_leave_try once vs_leave_may_finish: only sockops
 *           may delete, at once or at a later callback of the socket
 *   sender  vs_redirect_begin/abort around each redirect (vsock_msg),
 *           vs_redirect_done when its send call returns (vsock_send)
 *   evict   vs_leave_evict_peer: the active end of a refused passive one,
 *           which nothing was redirected into (vsock_sockops)
 *   rejoin  vs_leave_rearm (vsock_join); a leaving peer is not joined
 *   close   the kernel unhashes a closed socket itself; status.bpf.h
 *           records it (vs_set_tcp_state)
 *
 * Deleting a socket from vs_socks drops its psock once the last reference
 * is gone, and sk_psock_destroy() frees whatever is still on its ingress
 * queue. A sender's redirect is not atomic with its verdict: vsock_msg
 * decides, then tcp_bpf_send_verdict() releases the sender's lock and
 * bpf_tcp_ingress() waits for the receiver's lock before it queues the
 * message. A receiver that left in that window (both steps can run inside
 * one of its own send calls, while the sender waits for its lock) had its
 * queue purged after the message landed in it: the sender's send() had
 * counted the bytes as sent, the reader never saw them (issue 8).
 *
 * So leaving is a handshake on two words of the receiver's vs_rx_state:
 *
 *   sender (vsock_msg)                     receiver (leaving)
 *   inflight += 1      (full barrier)      closed = 1        (full barrier)
 *   closed? -> undo, pass                  then, at once or at a later callback:
 *   redirect                               inflight == 0 (full barrier)
 *   send call returns: inflight -= n         and psock queue empty -> delete
 *
 * Each side writes its word, then reads the other's; with fully ordered
 * atomics (BPF_FETCH) between, at least one sees the other (store
 * buffering cannot hide both), so either the sender passes or the
 * receiver waits for it. The decrement comes from the sender's send
 * tracepoint, after every redirect of the call has queued or failed. */
#ifndef VSOCK_LEAVE_BPF_H
#define VSOCK_LEAVE_BPF_H

#include "rules.bpf.h"

/* Atomics whose result is used compile to BPF_FETCH forms, which are
 * fully ordered; barrier_var() keeps the compiler from dropping the use. */
static __always_inline void vs_atomic_add(__u32 *p, __u32 v)
{
	__u32 old = __sync_fetch_and_add(p, v);

	barrier_var(old);
}

static __always_inline __u32 vs_atomic_read(__u32 *p)
{
	return __sync_fetch_and_add(p, 0);
}

/* Give a thread's redirects back to their receiver. */
static __always_inline void vs_slot_settle(struct vs_redir_slot *slot)
{
	struct vs_rx_state *rx;

	if (!slot->msgs)
		return;
	rx = bpf_map_lookup_elem(&vs_rxstate, &slot->peer);
	if (rx && rx->cookie == slot->peer_cookie)
		vs_atomic_add(&rx->inflight, -slot->msgs);
	slot->msgs = 0;
}

/* Sender, before bpf_msg_redirect_hash(): announce the redirect, then
 * check that the receiver is not leaving. NULL: pass instead; else the
 * thread's slot, for vs_redirect_abort(). The sender's open_slots counts
 * its calls with redirects to give back, so that its send tracepoint
 * looks for a slot only then. */
static __always_inline struct vs_redir_slot *
vs_redirect_begin(struct vs_sk_state *st, struct vs_rx_state *rx,
		  const struct vs_sock_key *peer_key)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct vs_redir_slot *slot = bpf_map_lookup_elem(&vs_inflight, &tid);

	if (slot && slot->peer_cookie != rx->cookie) {
		vs_slot_settle(slot);	/* a call whose tracepoint never ran */
		slot->peer = *peer_key;
		slot->peer_cookie = rx->cookie;
		slot->open = 0;	/* that socket keeps looking: harmless */
		slot->bytes = 0;
	}
	if (!slot) {
		struct vs_redir_slot init = { .peer = *peer_key, .peer_cookie = rx->cookie };

		if (bpf_map_update_elem(&vs_inflight, &tid, &init, BPF_ANY))
			return NULL;
		slot = bpf_map_lookup_elem(&vs_inflight, &tid);
		if (!slot)
			return NULL;
	}
	vs_atomic_add(&rx->inflight, 1);
	if (*(volatile __u32 *)&rx->closed) {
		vs_atomic_add(&rx->inflight, -1);
		return NULL;
	}
	slot->msgs++;
	if (!slot->open) {
		slot->open = 1;
		__sync_fetch_and_add(&st->open_slots, 1);
	}
	return slot;
}

/* Sender: the redirect vs_redirect_begin() announced in slot did not
 * happen. */
static __always_inline void vs_redirect_abort(struct vs_rx_state *rx,
					      struct vs_redir_slot *slot)
{
	vs_atomic_add(&rx->inflight, -1);
	if (slot->msgs)
		slot->msgs--;	/* still open: the tracepoint closes it */
}

/* Sender's send tracepoint: every redirect of the call that just returned
 * has queued its message or failed. Returns the bytes the call redirected:
 * counted per thread, as several threads may be inside send calls on one
 * socket and each call's return value covers only its own bytes. */
static __always_inline __u64 vs_redirect_done(struct vs_sk_state *st)
{
	__u64 tid = bpf_get_current_pid_tgid(), bytes;
	struct vs_redir_slot *slot;

	if (st->send_tid == tid)
		st->send_tid = 0;	/* out of its send call */
	if (!st->open_slots)
		return 0;	/* no call of this socket redirected */
	slot = bpf_map_lookup_elem(&vs_inflight, &tid);
	if (!slot || !slot->open)
		return 0;	/* another thread's call has the open slot */
	vs_slot_settle(slot);
	slot->open = 0;
	bytes = slot->bytes;
	slot->bytes = 0;
	__sync_fetch_and_sub(&st->open_slots, 1);
	return bytes;
}

/* Step 1 of leaving: every sender passes from its next message on. Any
 * program may take this step; only sockops may delete (step 2). */
static __always_inline void vs_leave_begin(struct vs_sk_state *st,
					   struct vs_rx_state *rx, __u8 why)
{
	struct vs_sock_entry *e = vs_entry(st->cookie);

	if (rx) {
		__u32 old = __sync_fetch_and_or(&rx->closed, 1);

		barrier_var(old);
	}
	st->leave_phase = 1;
	st->leave_reason = why;
	if (e)
		e->reason = why;	/* vsockctl sockets: why it is leaving */
}

/* Could a reader be asleep in tcp_bpf_recvmsg_parser() on sk? Every call
 * inside tcp_bpf (recvmsg, sendmsg, ioctl) and the psock's backlog work
 * hold a psock reference for their whole duration (a reader while it
 * sleeps, too); the sockhash link holds one more. Writers asleep for send
 * buffer space are counted in sk_write_pending (sk_stream_wait_memory()):
 * those sleepers do not matter. SOCK_NOSPACE would not do: it stays set
 * after a writer woke for another reason and found room. The reference of
 * the caller of this callback counts as well, on purpose: it may be a
 * reader processing its backlog just before it goes to sleep; unless it is
 * a thread inside a send call on sk (send_tid): that is where a socket
 * whose one thread sends, then reads, can leave. */
static __always_inline bool vs_reader_may_sleep(struct vs_sk_state *st,
						struct sock *sk)
{
	struct sk_psock *psock = vs_psock(sk);
	int users;

	if (!psock)
		return false;
	users = vs_psock_users(sk, psock);
	if (st->send_tid && st->send_tid == bpf_get_current_pid_tgid())
		users--;	/* the caller is a sender of sk, in its call */
	return users > 0;
}

/* Is any sk_msg on the psock's ingress list, even one of 0 bytes? The
 * peer's FIN, passed by vsock_rx, is queued there as a 0-byte msg
 * (sk_psock_skb_ingress_enqueue(), len 0) that msg_tot_len and FIONREAD do
 * not see, and tcp_bpf_recvmsg_parser() never dequeues it (it returns 0 at
 * it, is_next_msg_fin()). Deleting the socket then, while another thread
 * holds a psock reference (a sender in tcp_bpf_sendmsg, a reader), leaves
 * the psock alive with that msg on it, but sock_map_del_link() has cleared
 * the verdict and switched the proto to tcp_bpf_recvmsg, which has no FIN
 * check: a read returns -EFAULT from sk_msg_recvmsg() (0-byte sge) until
 * the last reference drops the psock (docs/architecture.md, "A zero-byte
 * FIN on the psock"). Read under the socket lock, like every change to the
 * list but the backlog work's, which vs_psock_deferred() covers. */
static __always_inline bool vs_psock_msgs_listed(struct sk_psock *psock)
{
	void *next;

	if (!psock)
		return false;
	next = BPF_CORE_READ(psock, ingress_msg.next);
	return next && next != (void *)&psock->ingress_msg;
}

/* Step 2 may delete sk from vs_socks: no sender is inside a redirect into
 * it, nothing is left on its psock queues (redirected bytes, or TCP bytes
 * the receive verdict moved there or deferred on ingress_skb, or the peer's
 * 0-byte FIN: a socket whose peer's FIN reached its psock stays until
 * close), and, for a
 * blocking file, no reader sleeps in tcp_bpf_recvmsg_parser: once the
 * socket left, that reader would return EAGAIN at the next TCP segment
 * (the parser never falls back to tcp_recvmsg); while it stays, the
 * verdict hands the segment to the reader. */
static __always_inline bool vs_leave_may_finish(struct vs_sk_state *st,
						struct vs_rx_state *rx,
						struct sock *sk, __u8 why)
{
	struct sk_psock *psock = vs_psock(sk);

	if (rx && vs_atomic_read(&rx->inflight))
		return false;
	if (vs_psock_queued(psock) || vs_psock_msgs_listed(psock) || vs_psock_deferred(psock))
		return false;
	return why != VS_R_BLOCKING || !vs_reader_may_sleep(st, sk);
}

/* Why a socket in the map should leave it now, VS_R_NONE if it should stay.
 * A socket stays only while it can still use the fast path: in the map,
 * every send it passes pays tcp_bpf (DESIGN.md, "PASS is not free"), a
 * blocking reader gets spurious EAGAIN from tcp_bpf_recvmsg, and a psock
 * queue makes a socket readable below its SO_RCVLOWAT. */
static __always_inline __u8 vs_leave_reason(struct vs_sk_state *st, struct sock *sk)
{
	struct vs_rx_state *prx;
	struct vs_ctl *c;
	__u8 why;

	if (vs_file_blocking(sk))
		return VS_R_BLOCKING;	/* fcntl after connect/accept */
	if (sk->sk_rcvlowat > 1)
		return VS_R_RCVLOWAT;	/* setsockopt after connect/accept */
	if (st->tx_mode == VS_TX_PASS && vs_reason_is_final(st->tx_reason))
		return st->tx_reason;	/* small writes, detached, disabled, policy */
	c = vs_get_ctl();
	why = vs_cgroup_off(c, st->attach_cg);
	if (why)
		return why;	/* detached, or the kill switch */
	if (vs_rules_deny(st, c))
		return VS_R_POLICY;	/* a rule added since it joined */
	prx = bpf_map_lookup_elem(&vs_rxstate, &st->peer_key);
	/* a peer queued for the joiner is about to join: leaving at once
	 * would only make the two take turns (measured: 94 leaves and joins
	 * in a 2 s stream, half the throughput; request/response pairs that
	 * never met in the sockhash) */
	if (st->segs >= VS_PEER_WAIT_SEGS && (!prx || prx->closed) &&
	    (prx || !bpf_map_lookup_elem(&vs_joinq, &st->peer_key) ||
	     bpf_ktime_get_ns() - st->joined_ns >= VS_PEER_QUEUED_NS))
		return VS_R_NO_PEER;	/* never joined, or left */
	return VS_R_NONE;
}

/* A socket that started leaving because its file turned blocking, and that
 * is still in the map (a reader slept in it) when the file turns
 * non-blocking again, stays: senders may redirect again (the ordering rule
 * covers what they passed meanwhile). Any program may take this step. */
static __always_inline void vs_leave_cancel(struct vs_sk_state *st,
					    struct vs_rx_state *rx, struct sock *sk)
{
	struct vs_sock_entry *e;
	__u32 old;

	if (!st->leave_phase || st->leave_reason != VS_R_BLOCKING || !rx ||
	    vs_file_blocking(sk) || !vs_cgroup_enabled(st->attach_cg))
		return;
	old = __sync_fetch_and_and(&rx->closed, 0);
	barrier_var(old);
	st->leave_phase = 0;
	st->tx_mode = VS_TX_UNDECIDED;
	st->tx_reason = VS_R_NONE;
	e = vs_entry(st->cookie);
	if (e)
		e->reason = VS_R_NONE;
}

/* A socket that joins the sockhash late (vsock_join) decides its leave
 * afresh: not leaving, no segments counted, no busy-poll run. */
static __always_inline void vs_leave_rearm(struct vs_sk_state *st)
{
	st->leave_phase = 0;
	st->segs = 0;
	st->joined_ns = bpf_ktime_get_ns();
	st->spin_msgs = 0;
	st->empty_reads = 0;
}

/* Segments sent and received by a socket in the map run sockops, the only
 * program type that may delete from a sockhash; a received one runs before
 * its data is queued, so a socket that must leave does so before TCP
 * bytes wait on it. */
#define VS_LEAVE_CB_FLAGS (BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG | \
			   BPF_SOCK_OPS_PARSE_ALL_HDR_OPT_CB_FLAG)

/* Leave the sockhash without losing a byte (sockops, on the socket's own
 * callbacks: segments, state changes). Step 1 as soon as its fast path is
 * over; step 2, deleting it, which restores the plain TCP proto, as soon
 * as no redirect into it is in flight and its psock queue is empty: in the
 * same callback when it can, else at a later one. */
static __always_inline void vs_leave_try(struct bpf_sock_ops *ops,
					 struct vs_sk_state *st)
{
	struct bpf_sock *bsk = ops->sk;
	struct vs_sock_entry *e;
	struct vs_rx_state *rx;
	struct tcp_sock *tp;
	struct sock *sk;
	__u8 why;

	if (!bsk || !st->in_map)
		return;
	tp = bpf_skc_to_tcp_sock(bsk);
	if (!tp)
		return;
	sk = vs_sk(tp);
	if (!vs_psock(sk))
		return;		/* close() already took it out of the map */
	rx = bpf_map_lookup_elem(&vs_rxstate, &st->key);
	vs_leave_cancel(st, rx, sk);
	if (!st->leave_phase) {
		why = vs_leave_reason(st, sk);
		if (why == VS_R_NONE)
			return;
		vs_leave_begin(st, rx, why);
	}
	if (!vs_leave_may_finish(st, rx, sk, st->leave_reason))
		return;		/* a redirect in flight, or bytes unread: next time */
	if (bpf_map_delete_elem(&vs_socks, &st->key))
		return;
	why = st->leave_reason;
	st->off_reason = why;	/* some leave reasons may join again */
	st->in_map = 0;
	st->tx_mode = VS_TX_PASS;
	st->tx_reason = why;
	bpf_map_delete_elem(&vs_rxstate, &st->key);
	vs_count(why == VS_R_BLOCKING ? VS_C_LEFT_BLOCKING :
		 why == VS_R_BUSY_POLL ? VS_C_LEFT_BUSY_POLL : VS_C_LEFT_DONE, 1);
	e = vs_entry(st->cookie);
	if (e) {
		e->in_sockhash = 0;
		e->reason = why;
		e->tx_mode = VS_TX_PASS;
	}
	bpf_sock_ops_cb_flags_set(ops, ops->bpf_sock_ops_cb_flags & ~VS_LEAVE_CB_FLAGS);
}

/* States in which this end may still read or write through the map. In
 * the others (LAST_ACK, CLOSING, TIME_WAIT, CLOSE) both sides are done, and
 * close() has taken it out of every sockmap anyway. */
static __always_inline bool vs_leave_may_try(__u32 tcp_state)
{
	return tcp_state == VS_TCP_ESTABLISHED || tcp_state == VS_TCP_CLOSE_WAIT ||
	       tcp_state == VS_TCP_FIN_WAIT1 || tcp_state == VS_TCP_FIN_WAIT2;
}

/* sockops, for a socket in the map: a segment sent (HDR_OPT_LEN) or
 * received (PARSE_HDR_OPT, before its data is queued), so its traffic is
 * on TCP; or a change to tcp_state (a shutdown() of either side), a chance
 * to leave while it can still read, which a blocking reader needs (the
 * wakeup of its own FIN's ACK would be a spurious EAGAIN). */
static __always_inline void vs_leave_on_callback(struct bpf_sock_ops *ops,
						 __u32 tcp_state, bool sent)
{
	struct bpf_sock *sk = ops->sk;
	struct vs_sk_state *st;

	if (!sk || !vs_leave_may_try(tcp_state))
		return;
	st = vs_state(sk);
	if (!st)
		return;
	if (sent && st->segs < 0xffff)
		st->segs++;	/* patience for a peer that never joined */
	vs_leave_try(ops, st);	/* reserves no option space */
}

/* Read tracepoint, after a message was read: a reader that spun before
 * each of the last spin_msgs messages (vs_meta) busy-polls, and starts
 * leaving the fast path. */
static __always_inline void vs_leave_busy_poll(struct vs_sk_state *st,
					       struct vs_rx_state *rx,
					       const struct vs_meta *m)
{
	__u32 max = m ? m->spin_msgs : VS_SPIN_MSGS;	/* 0: never leave */

	st->spin_msgs = vs_spin_run(st->spin_msgs, st->empty_reads, max);
	st->empty_reads = 0;
	if (max && st->spin_msgs >= max && !st->leave_phase)
		vs_leave_begin(st, rx, VS_R_BUSY_POLL);
}

/* The passive end was refused: its active peer, already in the sockhash,
 * could never be redirected to and would only pay tcp_bpf on every send.
 * Nothing can have been redirected into it (we were never in the map), so
 * removing it at once, without the handshake, drops no byte. */
static __always_inline void vs_leave_evict_peer(const struct vs_sock_key *peer,
						__u8 reason)
{
	struct vs_rx_state *prx = bpf_map_lookup_elem(&vs_rxstate, peer);
	struct vs_sock_entry *pe;

	if (!prx)
		return;
	pe = vs_entry(prx->cookie);
	if (bpf_map_delete_elem(&vs_socks, peer) == 0) {
		vs_count(VS_C_PEER_EVICTED, 1);
		if (pe) {
			pe->in_sockhash = 0;
			pe->reason = reason;
		}
	}
	bpf_map_delete_elem(&vs_rxstate, peer);
}

#endif /* VSOCK_LEAVE_BPF_H */
