// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sk_skb verdict on vs_socks: one receive queue per socket.
 *
 * A socket in a sockmap with only an sk_msg program has two receive
 * queues: redirected bytes on its psock, TCP bytes on sk_receive_queue.
 * tcp_bpf_recvmsg() reads the first before the second, MSG_PEEK sees only
 * the one it reads from, and since 6.18.14 (929e30f93125, also 6.12.75+,
 * 6.6.128+) FIONREAD counts only the psock queue: nginx reads what
 * FIONREAD reports and waits forever for an edge (issue 9).
 *
 * With a verdict program on the map, the kernel hands every TCP segment a
 * member receives to this program (tcp_read_skb from sk_data_ready) and,
 * on SK_PASS, appends its bytes to the same psock queue, in arrival order,
 * behind whatever was redirected before. FIONREAD, MSG_PEEK and poll then
 * describe one queue, as for plain TCP.
 *
 * One more job, a kernel bug's: TCP queues a retransmitted segment that
 * overlaps bytes it already received (seq < rcv_nxt < end_seq) whole, and
 * leaves skipping the old head to the reader (tcp_recvmsg and
 * tcp_read_sock use copied_seq as an offset). tcp_read_skb() hands the
 * whole skb to the verdict, so the psock would get that head twice
 * (measured: one MSS duplicated mid-stream after drops and
 * retransmissions). Here each socket remembers the sequence number up to
 * which TCP bytes reached its psock, and the overlapping head is cut off
 * before the skb is passed on. A segment whose bytes are all old but whose
 * FIN is new (an RTO retransmission collapsed with a lost FIN,
 * tcp_retrans_try_collapse()) is queued too; cut to 0 bytes, it is then a
 * FIN alone (test_retransmit old_data_with_new_fin). */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

#define VS_TRIM_MAX 4095	/* bpf_skb_adjust_room() pops at most this */
#define VS_TCPHDR_FIN 0x01	/* tcp_skb_cb.tcp_flags */

/* Cut n bytes off the front of skb; false if the kernel refused. */
static __always_inline bool trim_head(struct __sk_buff *skb, __u32 n)
{
	int i;

	for (i = 0; i < 32 && n; i++) {	/* 32 * 4095 > a 64 KiB segment */
		__u32 k = n < VS_TRIM_MAX ? n : VS_TRIM_MAX;

		if (bpf_skb_adjust_room(skb, -(__s32)k, 0, 0))
			return false;
		n -= k;
	}
	return !n;
}

/* The peer's FIN alone is a 0-byte skb. Passed, it becomes a 0-byte sk_msg
 * on the psock that nothing dequeues (tcp_bpf_recvmsg_parser() answers 0
 * at it, is_next_msg_fin(), and leaves it there) and that msg_tot_len does
 * not count; if the socket leaves the sockhash while another thread holds
 * a psock reference, that msg outlives the verdict behind tcp_bpf_recvmsg,
 * which has no FIN check: recv() returns EFAULT (docs/architecture.md, "A
 * zero-byte FIN on the psock"). TCP has already taken the FIN (tcp_fin():
 * RCV_SHUTDOWN, SOCK_DONE, before sk_data_ready), so the skb carries
 * nothing a reader needs: with the psock queue empty the parser returns 0
 * at SOCK_DONE before it would sleep. Only a reader already asleep in it
 * must find the msg (its wake-up tests the queues, not SOCK_DONE, and
 * would return EAGAIN), and every such reader holds a psock reference: so
 * drop the skb only when no reference but the sockhash link's and those
 * of writers asleep for room is held. A reader that takes one after this
 * test meets SOCK_DONE. Otherwise pass it; the leave then waits for the
 * ingress list, not the byte count (bpf/leave.bpf.h). */
static __always_inline bool fin_unread_may_drop(struct tcp_sock *tp)
{
	struct sock *sk = vs_sk(tp);
	struct sk_psock *psock = vs_psock(sk);

	if (!psock || vs_psock_deferred(psock))
		return false;	/* keep it behind deferred segments */
	return vs_psock_users(sk, psock) <= 0;
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

SEC("sk_skb")
int vsock_rx(struct __sk_buff *skb)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	struct tcp_skb_cb *cb = (struct tcp_skb_cb *)kskb->cb;
	struct bpf_sock *bsk = skb->sk;
	__u32 seq, end, floor, over, *next;
	struct tcp_sock *tp;
	__u64 cookie;

	if (!bsk || !(tp = bpf_skc_to_tcp_sock(bsk)))
		return SK_PASS;
	if (!skb->len)	/* only a FIN is queued without bytes */
		return fin_unread_may_drop(tp) ? SK_DROP : SK_PASS;
	cookie = bpf_get_socket_cookie(skb);
	seq = cb->seq;
	end = cb->end_seq;
	/* bytes before copied_seq were read through plain TCP before the
	 * socket joined; bytes before *next are on its psock already */
	next = bpf_map_lookup_elem(&vs_rxseq, &cookie);
	if (next) {
		floor = *next;
	} else {
		floor = tp->copied_seq;
		barrier_var(floor);	/* two loads, not one through either pointer */
	}
	over = floor - seq;
	if ((__s32)over > 0 && over <= skb->len && cut_overlap(skb, cb, over)) {
		rx_seq_set(next, &cookie, end);
		return fin_unread_may_drop(tp) ? SK_DROP : SK_PASS;
	}
	rx_seq_set(next, &cookie, end);
	return SK_PASS;
}
