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
 * One more job, a kernel bug's: a retransmission that overlaps bytes TCP
 * received before reaches the verdict whole (bpf/rxseq.bpf.h cuts the
 * old head off). */
#include "rxseq.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

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

SEC("sk_skb")
int vsock_rx(struct __sk_buff *skb)
{
	struct bpf_sock *bsk = skb->sk;
	struct tcp_sock *tp;

	if (!bsk || !(tp = bpf_skc_to_tcp_sock(bsk)))
		return SK_PASS;
	if (!skb->len)	/* only a FIN is queued without bytes */
		return fin_unread_may_drop(tp) ? SK_DROP : SK_PASS;
	if (vs_rx_cut_old(skb, tp, bpf_get_socket_cookie(skb)))
		return fin_unread_may_drop(tp) ? SK_DROP : SK_PASS;
	return SK_PASS;
}
