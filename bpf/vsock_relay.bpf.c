// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The kernel-spliced relay: vsockd pairs two connected TCP sockets (a
 * proxy's client leg and backend leg) and the kernel moves the bytes.
 *
 *  - vsock_relay_fwd, sk_skb verdict on vs_relay_sh: each segment a leg
 *    receives goes out of the other leg (bpf_sk_redirect_hash to egress;
 *    the kernel queues it on the target's psock and a kworker hands it to
 *    the target's TCP write queue when that has room). That queue is
 *    charged to nothing (docs/proxy.md, measured: 2 GiB queued to a
 *    server that did not read), so the verdict bounds it: while the target
 *    holds `bound` redirected bytes its TCP has not taken yet, the segment
 *    is passed instead and the direction goes to COPY for good: passed
 *    bytes wait on the source's psock queue, charged to its receive
 *    buffer (the TCP window closes), until vsockd copies them.
 *  - vsock_relay_state, tp_btf/inet_sock_set_state: vsockd's legs are in
 *    no attached cgroup, so sockops never sees them; this follows their
 *    TCP state into the socket table (SHUTDOWN, DISCONNECTED) and the
 *    event ring ("notify proxy").
 *  - vsock_relay_gone, tp_btf/tcp_destroy_sock: the direction entry goes
 *    with the socket (vsock_destroy removes the table entry).
 *  - vsock_relay_close, a syscall program vsockd runs before it closes a
 *    leg: TERMINATED, which no hook outside an attached cgroup reports. */
#include "rxseq.bpf.h"
#include "status.bpf.h"
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline void rc_count(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&vs_relay_ctr, &idx);

	if (v)
		*v += n;	/* per-CPU slot */
}

/* The peer's write_seq: what its TCP write queue has taken, ever. -1 when
 * the peer is not a redirect target (closed, reset: the kernel unhashes
 * it). */
static __always_inline int peer_write_seq(__u64 peer, __u32 *seq)
{
	struct bpf_sock *sk = bpf_map_lookup_elem(&vs_relay_tgt, &peer);
	struct tcp_sock *tp;
	int ret = -1;

	if (!sk)
		return -1;
	tp = bpf_skc_to_tcp_sock(sk);
	if (tp) {
		*seq = tp->write_seq;
		ret = 0;
	}
	bpf_sk_release(sk);
	return ret;
}

/* The default bound: what plain TCP lets the receiving leg buffer
 * (tcp_rmem's maximum, vs_meta.max_queued_cap): the backlog stands in for
 * that receive buffer, whose window the redirect never closes. */
static __always_inline __u64 relay_bound(const struct vs_meta *m)
{
	__u64 lo = vs_max_queued(m);

	return m && m->max_queued_cap > lo ? m->max_queued_cap : lo;
}

/* The direction leaves the kernel for good: this segment and every later
 * one wait on the source's psock queue for vsockd, in order. */
static __always_inline int to_copy(struct vs_relay_dir *d, __u8 why, __u32 len)
{
	d->why = why;
	d->mode = VS_RELAY_COPY;
	rc_count(why == VS_RELAY_WHY_BOUND ? VS_RC_TO_COPY_BOUND :
		 why == VS_RELAY_WHY_NO_PEER ? VS_RC_TO_COPY_NO_PEER :
		 VS_RC_TO_COPY_REDIRECT, 1);
	rc_count(VS_RC_PASS_BYTES, len);
	return SK_PASS;
}

/* Runs under the source socket's lock (tcp_read_skb from sk_data_ready,
 * or from the parser's recvmsg), so one CPU at a time writes d. */
SEC("sk_skb")
int vsock_relay_fwd(struct __sk_buff *skb)
{
	__u64 cookie = bpf_get_socket_cookie(skb), peer, bound;
	struct bpf_sock *bsk = skb->sk;
	struct vs_relay_dir *d;
	__u32 len, seq, backlog;
	struct tcp_sock *tp;

	d = bpf_map_lookup_elem(&vs_relay, &cookie);
	if (!d) {
		rc_count(VS_RC_NO_DIR, 1);
		return SK_PASS;
	}
	/* The peer's FIN alone: TCP has taken it (RCV_SHUTDOWN), vsockd relays
	 * it with shutdown() once the counts say every byte is through. Never
	 * passed: behind egress skbs on the psock's one ingress_skb list (this
	 * leg is also the other direction's target), a 0-byte skb makes the
	 * backlog worker's send return 0, which it takes for a hard error:
	 * EPIPE on the leg, transmit off (measured: 1 MiB writes both ways,
	 * one direction copied, 3 runs of 4). */
	if (!skb->len)
		return SK_DROP;
	/* a retransmission's old head went through already (rxseq.bpf.h);
	 * with only its FIN left, it is the FIN alone above */
	if (bsk && (tp = bpf_skc_to_tcp_sock(bsk)) && vs_rx_cut_old(skb, tp, cookie))
		return SK_DROP;
	len = skb->len;
	if (d->mode != VS_RELAY_KERNEL) {
		rc_count(VS_RC_PASS_BYTES, len);
		return SK_PASS;
	}
	peer = d->peer_cookie;
	if (peer_write_seq(peer, &seq))
		return to_copy(d, VS_RELAY_WHY_NO_PEER, len);
	if (!d->redir_bytes)	/* nothing of ours in the peer's queue yet */
		d->base_seq = seq;
	/* redirected minus taken by TCP, mod 2^32: the backlog is bounded far
	 * below 4 GiB */
	backlog = (__u32)d->redir_bytes - (seq - d->base_seq);
	if (backlog > d->max_backlog)
		d->max_backlog = backlog;
	bound = d->bound ? d->bound : relay_bound(vs_get_meta());
	if (backlog && (__u64)backlog + len > bound)
		return to_copy(d, VS_RELAY_WHY_BOUND, len);
	if (bpf_sk_redirect_hash(skb, &vs_relay_tgt, &peer, 0) != SK_PASS)
		return to_copy(d, VS_RELAY_WHY_REDIRECT, len);
	d->redir_bytes += len;
	d->redir_skbs++;
	rc_count(VS_RC_REDIR_BYTES, len);
	rc_count(VS_RC_REDIR_SKBS, 1);
	return SK_PASS;
}

static __always_inline struct vs_relay_mark *relay_mark(const struct sock *sk)
{
	return bpf_sk_storage_get(&vs_relay_sk, (struct sock *)sk, 0, 0);
}

/* Fires for every TCP state change of the host; one storage lookup tells
 * a relay leg from the rest. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(vsock_relay_state, const struct sock *sk, const int oldstate,
	     const int newstate)
{
	struct vs_relay_mark *mk;
	struct vs_sock_entry *e;

	if (sk->sk_protocol != VS_IPPROTO_TCP || !(mk = relay_mark(sk)))
		return 0;
	e = vs_entry(mk->cookie);
	if (!e)
		return 0;
	rc_count(VS_RC_STATE_CHANGES, 1);
	vs_set_tcp_state(e, (__u8)newstate, 0);
	return 0;
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(vsock_relay_gone, struct sock *sk)
{
	struct vs_relay_mark *mk = relay_mark(sk);

	if (mk) {
		bpf_map_delete_elem(&vs_relay, &mk->cookie);
		bpf_map_delete_elem(&vs_rxseq, &mk->cookie);
	}
	return 0;
}

/* Argument of vsock_relay_close (BPF_PROG_RUN's ctx_in). */
struct vs_relay_close_args {
	__u64 cookie;
};

SEC("syscall")
int vsock_relay_close(struct vs_relay_close_args *args)
{
	struct vs_sock_entry *e = vs_entry(args->cookie);

	if (!e)
		return -2;	/* -ENOENT */
	vs_set_status(e, VS_ST_TERMINATED, VS_STF_ANNOUNCE);
	return 0;
}
