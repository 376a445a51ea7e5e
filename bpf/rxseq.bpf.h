/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A kernel bug every sk_skb verdict must undo: TCP queues a retransmitted
 * segment that overlaps bytes it already received (seq < rcv_nxt <
 * end_seq) whole, and leaves skipping the old head to the reader
 * (tcp_recvmsg and tcp_read_sock use copied_seq as an offset).
 * tcp_read_skb() hands the whole skb to the verdict, so whatever the
 * verdict does with it (the fast path's psock, vsock_rx; the relay's other
 * leg or its psock, vsock_relay_fwd) gets that head twice (measured: one
 * MSS duplicated mid-stream after drops and retransmissions on loopback;
 * 66 312 bytes through the relay with a backend over veth). Here each
 * socket remembers, in vs_rxseq, the sequence number up to which TCP bytes
 * reached its verdict, and the overlapping head is cut off. A segment
 * whose bytes are all old but whose FIN is new (an RTO retransmission
 * collapsed with a lost FIN, tcp_retrans_try_collapse()) is queued too;
 * cut to 0 bytes, it is then a FIN alone (test_retransmit
 * old_data_with_new_fin, test_relay old_data_with_new_fin). The entry
 * goes with the socket (vsock_destroy, vsock_relay_gone).
 *
 * The same cut takes off what plain reads took of the head skb of a
 * socket that joins the sockhash late with bytes queued (no entry yet:
 * the floor is copied_seq); the joiner lets no socket in with more of it
 * read than VS_TRIM_CAP (vsock_join.bpf.c). */
#ifndef VSOCK_RXSEQ_BPF_H
#define VSOCK_RXSEQ_BPF_H

#include "common.bpf.h"

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

#define VS_TCPHDR_FIN 0x01	/* tcp_skb_cb.tcp_flags */

/* Cut n bytes off the front of skb; false if the kernel refused or n is
 * above VS_TRIM_CAP (the joiner never lets a socket in with more). */
static __always_inline bool trim_head(struct __sk_buff *skb, __u32 n)
{
	int i;

	for (i = 0; i < VS_TRIM_CALLS && n; i++) {
		__u32 k = n < VS_TRIM_MAX ? n : VS_TRIM_MAX;

		if (bpf_skb_adjust_room(skb, -(__s32)k, 0, 0))
			return false;
		n -= k;
	}
	return !n;
}

/* Cut the first over bytes of skb, which its psock has already; true when
 * nothing but a FIN is left. */
static __always_inline bool cut_overlap(struct __sk_buff *skb, struct tcp_skb_cb *cb,
					__u32 over)
{
	/* every byte old: TCP queues such a segment only for a new FIN
	 * (tcp_data_queue() drops it when end_seq <= rcv_nxt) */
	if (over == skb->len && !(cb->tcp_flags & VS_TCPHDR_FIN))
		return false;
	if (trim_head(skb, over))
		vs_count(VS_C_RX_OVERLAP_TRIMMED, 1);
	else
		vs_count(VS_C_RX_OVERLAP_FAILED, 1);
	return !skb->len;
}

/* TCP bytes up to end reached the socket's psock. */
static __always_inline void rx_seq_set(__u32 *next, __u64 *cookie, __u32 end)
{
	if (next)
		*next = end;
	else
		bpf_map_update_elem(&vs_rxseq, cookie, &end, BPF_ANY);
}

/* Cut the head of skb that the verdict of the socket (tp, cookie) saw
 * before; true when nothing but a FIN is left of it. */
static __always_inline bool vs_rx_cut_old(struct __sk_buff *skb, struct tcp_sock *tp,
					  __u64 cookie)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	struct tcp_skb_cb *cb = (struct tcp_skb_cb *)kskb->cb;
	__u32 seq = cb->seq, end = cb->end_seq, floor, over, *next;
	bool fin_only = false;

	/* bytes before copied_seq were read through plain TCP before the
	 * verdict ran; bytes before *next went through it already */
	next = bpf_map_lookup_elem(&vs_rxseq, &cookie);
	if (next) {
		floor = *next;
	} else {
		floor = tp->copied_seq;
		barrier_var(floor);	/* two loads, not one through either pointer */
	}
	over = floor - seq;
	if ((__s32)over > 0 && over <= skb->len)
		fin_only = cut_overlap(skb, cb, over);
	rx_seq_set(next, &cookie, end);
	return fin_only;
}

#endif /* VSOCK_RXSEQ_BPF_H */
