// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sk_msg: for each message a tracked socket sends, redirect it into the
 * peer's receive queue or let TCP carry it (SK_PASS), and count why. */
#include "leave.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static const __u32 pass_counter[VS_R_MAX] = {
	[VS_R_NO_PEER]		= VS_C_PASS_NO_PEER,
	[VS_R_BLOCKING]		= VS_C_PASS_BLOCKING,
	[VS_R_QUEUE_LIMIT]	= VS_C_PASS_QUEUE_LIMIT,
	[VS_R_TCP_UNREAD]	= VS_C_PASS_TCP_UNREAD,
	[VS_R_DETACHED]		= VS_C_PASS_DETACHED,
	[VS_R_NO_STATE]		= VS_C_PASS_NO_STATE,
	[VS_R_SMALL_WRITES]	= VS_C_PASS_SMALL_WRITES,
	[VS_R_RCVLOWAT]		= VS_C_PASS_RCVLOWAT,
	[VS_R_DISABLED]		= VS_C_PASS_DISABLED,
	[VS_R_POLICY]		= VS_C_PASS_POLICY,
	[VS_R_SECURE]		= VS_C_PASS_SECURE,
};

static __always_inline void account(struct vs_sk_state *st, __u8 mode,
				    __u8 reason, __u64 size)
{
	struct vs_sock_entry *e = vs_entry(st->cookie);

	if (mode == VS_TX_REDIRECT) {
		vs_count(VS_C_MSG_REDIRECTED, 1);
		vs_count(VS_C_BYTES_REDIRECTED, size);
	} else {
		vs_count(VS_C_MSG_PASSED, 1);
		if (reason < VS_R_MAX && pass_counter[reason])
			vs_count(pass_counter[reason], 1);
	}
	if (mode != st->tx_mode && st->tx_mode != VS_TX_UNDECIDED)
		vs_count(mode == VS_TX_PASS ? VS_C_TO_PASS : VS_C_TO_REDIRECT, 1);
	st->tx_mode = mode;
	st->tx_reason = reason;
	if (!e)
		return;
	e->tx_mode = mode;
	if (!st->leave_phase)	/* a leaving socket shows why it leaves */
		e->reason = reason;
	/* passed bytes are counted by the send tracepoint from what the
	 * syscall really accepted (a partial send passes only part of size)
	 * less what this thread's call redirected (vs_redir_slot.bytes) */
	if (mode == VS_TX_REDIRECT) {
		__sync_fetch_and_add(&e->tx_redir_bytes, size);
		__sync_fetch_and_add(&e->tx_redir_msgs, 1);
	} else {
		__sync_fetch_and_add(&e->tx_pass_msgs, 1);
	}
}

SEC("sk_msg")
int vsock_msg(struct sk_msg_md *msg)
{
	struct vs_tx_input in = {};
	struct bpf_sock *sk = msg->sk;
	struct vs_tx_decision d;
	struct vs_sock_key peer_key;
	struct vs_rx_state *rx, *self_rx;
	struct vs_sk_state *st;
	struct sock *psk;
	struct tcp_sock *tp;
	struct vs_meta *m;
	struct vs_ctl *c;

	if (!sk)
		return SK_PASS;
	st = vs_state(sk);
	if (!st) {
		vs_count(VS_C_MSG_PASSED, 1);
		vs_count(VS_C_PASS_NO_STATE, 1);
		return SK_PASS;
	}
	st->send_tid = bpf_get_current_pid_tgid();	/* until the tracepoint */
	if (st->tx_mode == VS_TX_PASS && vs_reason_is_final(st->tx_reason)) {
		account(st, VS_TX_PASS, st->tx_reason, msg->size);
		return SK_PASS;
	}
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp)
		return SK_PASS;

	m = vs_get_meta();
	c = vs_get_ctl();	/* the kill switch */
	in.cur_mode = st->tx_mode;
	in.msg_size = msg->size;
	in.max_queued = vs_max_queued(m);
	in.small_run_max = m ? m->small_run : VS_SMALL_RUN;
	in.self_off = vs_cgroup_off(c, st->attach_cg);
	if (!in.self_off && vs_rules_deny(st, c))
		in.self_off = VS_R_POLICY;	/* the rules changed since it joined */
	in.blocking = vs_file_blocking(vs_sk(tp));
	/* our own message count, for the peer's alternation test */
	self_rx = bpf_map_lookup_elem(&vs_rxstate, &st->key);
	if (self_rx)
		self_rx->tx_msgs++;
	peer_key = st->peer_key;
	rx = bpf_map_lookup_elem(&vs_rxstate, &peer_key);
	/* a peer off the sockhash publishes no message count: its replies
	 * are invisible, so a request/response pair waiting for the joiner
	 * would look like a one-way run of small writes */
	if (rx)
		st->small_run = vs_small_run(st->small_run, &st->peer_tx_seen,
					     rx->tx_msgs, msg->size);
	in.small_run = st->small_run;
	if (rx) {
		in.peer_found = 1;
		in.peer_closed = rx->closed;
		in.peer_off = vs_cgroup_off(c, rx->attach_cg);
		if (!in.peer_off && !vs_cgroup_pair_ok(st->attach_cg, rx->attach_cg))
			in.peer_off = VS_R_SECURE;	/* secure mode */
		in.blocking |= rx->has_file && !rx->nonblock;
		in.peer_queued = rx->queued;
		if (rx->bound)
			in.max_queued = rx->bound;
		/* every byte we ever gave TCP was handed to the peer's reader,
		 * or waits on its psock queue ahead of what we redirect now;
		 * write_seq is stable: the sender holds its socket lock here */
		in.tcp_drained = tp->write_seq == rx->copied_seq;
		psk = vs_rx_sock(rx);
		if (psk) {
			in.peer_rcvlowat = BPF_CORE_READ(psk, sk_rcvlowat) > 1;
			if (!in.tcp_drained && st->tx_mode != VS_TX_REDIRECT)
				in.tcp_drained = vs_rx_took_all(psk, tp->write_seq);
		}
	}

	d = vs_tx_decide(&in);
	if (d.mode == VS_TX_REDIRECT && rx) {
		/* in flight until our send call returns: the peer may not
		 * leave meanwhile (leave.bpf.h) */
		struct vs_redir_slot *slot = vs_redirect_begin(st, rx, &peer_key);

		if (!slot) {
			d.mode = VS_TX_PASS;	/* it is leaving */
			d.reason = VS_R_NO_PEER;
		} else if (bpf_msg_redirect_hash(msg, &vs_socks, &peer_key,
						 BPF_F_INGRESS) != SK_PASS) {
			vs_redirect_abort(rx, slot);
			d.mode = VS_TX_PASS;	/* it left the map */
			d.reason = VS_R_NO_PEER;
		} else {
			__sync_fetch_and_add(&rx->queued, msg->size);
			slot->bytes += msg->size;	/* this thread's call */
		}
	}
	account(st, d.mode, d.reason, msg->size);
	return SK_PASS;
}
