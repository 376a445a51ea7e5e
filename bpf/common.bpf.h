/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Helpers shared by the vsock programs. */
#ifndef VSOCK_COMMON_BPF_H
#define VSOCK_COMMON_BPF_H

#include "maps.bpf.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "vsock/policy.h"

#define VS_AF_INET	2
#define VS_AF_INET6	10
#define VS_O_NONBLOCK	04000
#define VS_SOCK_STREAM	1
#define VS_IPPROTO_TCP	6
#define VS_IPPROTO_MPTCP 262
#define VS_EBUSY	16
#define VS_ENOMEM	12
#define VS_E2BIG	7
#define VS_EAGAIN	11
#define VS_MSG_PEEK	2
#define VS_MSG_DONTWAIT	0x40
#define VS_NO_TIMEOUT	0x7fffffffffffffffL	/* MAX_SCHEDULE_TIMEOUT */

static __always_inline void vs_count(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&vs_stats, &idx);

	if (v)
		*v += n;	/* per-CPU slot: no atomics needed */
}

/* Publish a socket event. in_task: the hook runs in the process's context,
 * so tgid and comm name the process; never in softirq (they would name
 * whatever task was interrupted). */
static __always_inline struct vs_meta *vs_get_meta(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vs_meta, &zero);
}

/* vsockd reads the ring at every tick (VSD_TICK_MS); only a join wakes it
 * at once (its latency is the join's), or a ring a quarter full. A wake-up
 * per event cost a context switch per event: 7 events per connection, and
 * churn under vsockd ran at half of TCP's rate. */
static __always_inline __u64 vs_event_wakeup(__u8 type)
{
	if (type == VS_EV_JOIN ||
	    bpf_ringbuf_query(&vs_events, BPF_RB_AVAIL_DATA) > VS_EVENTS_BYTES / 4)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void vs_emit(__u8 type, __u64 cookie,
				    const struct vs_sock_entry *e, bool in_task)
{
	struct vs_meta *m = vs_get_meta();
	struct vs_event *ev;

	if (!m || !(m->event_mask & VS_EV_BIT(type)))
		return;		/* nobody reads this type */
	ev = bpf_ringbuf_reserve(&vs_events, sizeof(*ev), 0);
	if (!ev) {
		vs_count(VS_C_EVENTS_LOST, 1);
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->cookie = cookie;
	ev->type = type;
	ev->ts_ns = bpf_ktime_get_ns();
	if (e) {
		ev->peer_cookie = e->peer_cookie;
		ev->status = e->status;
		ev->reason = e->reason;
		ev->tcp_state = e->tcp_state;
	}
	if (in_task) {
		ev->tgid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	}
	bpf_ringbuf_submit(ev, vs_event_wakeup(type));
	vs_count(VS_C_EVENTS, 1);
}

static __always_inline struct vs_sock_entry *vs_entry(__u64 cookie)
{
	return bpf_map_lookup_elem(&vs_socktbl, &cookie);
}

static __always_inline struct vs_ctl *vs_get_ctl(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vs_ctl, &zero);
}

/* Why the attached cgroup of entry cfg (NULL: none) allows no redirect,
 * VS_R_NONE when it does: detached, or the kill switch (global in c, or
 * the cgroup's own). c may be NULL. */
static __always_inline __u8 vs_cgroup_cfg_off(const struct vs_ctl *c,
					      const struct vs_cgroup_cfg *cfg)
{
	if (!cfg || !(cfg->flags & VS_CG_ENABLED))
		return VS_R_DETACHED;
	if ((cfg->flags & VS_CG_DISABLED) || (c && (c->flags & VS_CTL_DISABLED)))
		return VS_R_DISABLED;
	return VS_R_NONE;
}

/* The same for the attached cgroup cg_id: one hash lookup per call. */
static __always_inline __u8 vs_cgroup_off(const struct vs_ctl *c, __u64 cg_id)
{
	return vs_cgroup_cfg_off(c, cg_id ? bpf_map_lookup_elem(&vs_cgcfg, &cg_id) : NULL);
}

/* Secure mode: does attached cgroup cg admit peers under attached cgroup
 * other? Yes unless cg is secure and other is not on its allow list. */
static __always_inline bool vs_cgroup_admits(__u64 cg, __u64 other)
{
	struct vs_cgroup_cfg *cfg = bpf_map_lookup_elem(&vs_cgcfg, &cg);
	struct vs_cg_pair k = { .cg = cg, .other = other };

	if (!cfg || !(cfg->flags & VS_CG_SECURE))
		return true;
	return bpf_map_lookup_elem(&vs_cgallow, &k) != NULL;
}

/* May sockets under attached cgroups a and b exchange redirected bytes?
 * The same cgroup always may (no lookup: the common case); otherwise
 * each end's secure mode must admit the other. */
static __always_inline bool vs_cgroup_pair_ok(__u64 a, __u64 b)
{
	return a == b || (vs_cgroup_admits(a, b) && vs_cgroup_admits(b, a));
}

static __always_inline bool vs_cgroup_enabled(__u64 cg_id)
{
	return vs_cgroup_off(vs_get_ctl(), cg_id) == VS_R_NONE;
}

/* How much a receive verdict can cut off the head of one skb
 * (rxseq.bpf.h): bpf_skb_adjust_room() pops at most VS_TRIM_MAX bytes per
 * call. A segment that overlaps by retransmission stays under 64 KiB, but
 * the head of a receive queue a socket joins with can be a coalesced skb
 * of 17 frags (measured: 305 152 bytes, 138 159 of them read already). */
#define VS_TRIM_MAX	4095
#define VS_TRIM_CALLS	160
#define VS_TRIM_CAP	(VS_TRIM_MAX * VS_TRIM_CALLS)

static __always_inline struct sock *vs_sk(struct tcp_sock *tp)
{
	return &tp->inet_conn.icsk_inet.sk;
}

/* The nearest ancestor of the socket's cgroup (itself included) that is in
 * vs_cgcfg: a program attached to a cgroup also runs for its descendants.
 * *cfg: its entry (for vs_cgroup_cfg_off(), without a second lookup). */
static __always_inline __u64 vs_attached_ancestor(struct tcp_sock *tp,
						  __u64 *own_id,
						  struct vs_cgroup_cfg **cfg)
{
	struct cgroup *cg = BPF_CORE_READ(vs_sk(tp), sk_cgrp_data.cgroup);
	int level, i;

	if (!cg)
		return 0;
	*own_id = BPF_CORE_READ(cg, kn, id);
	level = BPF_CORE_READ(cg, level);
	for (i = 0; i < VS_MAX_CGROUP_DEPTH; i++) {
		struct cgroup *anc;
		__u64 id;

		if (level - i < 0)
			break;
		anc = BPF_CORE_READ(cg, ancestors[level - i]);
		id = BPF_CORE_READ(anc, kn, id);
		*cfg = bpf_map_lookup_elem(&vs_cgcfg, &id);
		if (*cfg)
			return id;
	}
	return 0;
}

/* File flags of a socket, or -1 when it has no file yet (an accepted
 * socket before accept()). sk must be a pointer the verifier knows (BTF):
 * plain loads, no helper call, on the per-message path. */
static __always_inline long vs_file_flags(struct sock *sk)
{
	struct socket *so = sk->sk_socket;
	struct file *f = so ? so->file : NULL;

	if (!f)
		return -1;
	return f->f_flags;
}

/* The same for a socket known only by its address (probe reads). */
static __always_inline long vs_file_flags_probed(struct sock *sk)
{
	struct file *f = BPF_CORE_READ(sk, sk_socket, file);

	if (!f)
		return -1;
	return BPF_CORE_READ(f, f_flags);
}

static __always_inline bool vs_file_blocking(struct sock *sk)
{
	long f = vs_file_flags(sk);

	return f >= 0 && !(f & VS_O_NONBLOCK);
}

/* The socket's psock: non-NULL while it is in some sockmap (close()
 * removes it). sk must be a BTF pointer; the psock is read with probes. */
static __always_inline struct sk_psock *vs_psock_of(void *sk_user_data)
{
	/* low bits of sk_user_data are flags (SK_USER_DATA_NOCOPY|BPF|PSOCK) */
	return (struct sk_psock *)((unsigned long)sk_user_data & ~7UL);
}

static __always_inline struct sk_psock *vs_psock(struct sock *sk)
{
	return vs_psock_of(sk->sk_user_data);
}

/* Bytes queued on the fast path (psock ingress), unread; 0 without a psock. */
static __always_inline __u32 vs_psock_queued(struct sk_psock *psock)
{
	return psock ? BPF_CORE_READ(psock, msg_tot_len) : 0;
}

/* TCP segments the receive verdict deferred (ingress_skb): not yet on the
 * psock queue, not on sk_receive_queue either. */
static __always_inline __u32 vs_psock_deferred(struct sk_psock *psock)
{
	return psock ? BPF_CORE_READ(psock, ingress_skb.qlen) : 0;
}

/* Our per-socket state (sockops creates it at establishment); NULL for a
 * socket we do not track. sk: a struct sock or a struct bpf_sock. */
static __always_inline struct vs_sk_state *vs_state(void *sk)
{
	return bpf_sk_storage_get(&vs_skstate, sk, 0, 0);
}

/* References to sk's psock beyond the sockhash link's and those of writers
 * asleep for send-buffer room (sk_write_pending): every call inside tcp_bpf
 * and the backlog work hold one for their whole duration, so a reader
 * asleep in tcp_bpf_recvmsg_parser() is among them. */
static __always_inline int vs_psock_users(struct sock *sk, struct sk_psock *psock)
{
	return BPF_CORE_READ(psock, refcnt.refs.counter) - 1 -
	       BPF_CORE_READ(sk, sk_write_pending);
}

/* The receiving socket behind rx, for probe reads: the address it
 * published, trusted only while the socket there still has its cookie. */
static __always_inline struct sock *vs_rx_sock(const struct vs_rx_state *rx)
{
	struct sock *sk = (struct sock *)(unsigned long)rx->sk;

	if (!sk || (__u64)BPF_CORE_READ(sk, __sk_common.skc_cookie.counter) != rx->cookie)
		return NULL;
	return sk;
}

/* Every byte before seq is on sk's psock queue or was read: TCP received
 * it (rcv_nxt) and the receive verdict (vsock_rx) moved it off
 * sk_receive_queue, or the deferred ingress_skb queue. A redirect decided
 * now queues behind it: bpf_tcp_ingress() takes the socket lock, which
 * tcp_read_skb() and the backlog hold while they move a segment. */
static __always_inline bool vs_rx_took_all(struct sock *sk, __u32 seq)
{
	struct sk_psock *psock;

	if (BPF_CORE_READ((struct tcp_sock *)sk, rcv_nxt) != seq ||
	    BPF_CORE_READ(sk, sk_receive_queue.qlen))
		return false;
	psock = vs_psock_of(BPF_CORE_READ(sk, sk_user_data));
	return psock && !vs_psock_deferred(psock);
}

/* Write only when the value changes: senders on another CPU read this
 * cache line for every message, and a busy-polling reader refreshes it
 * constantly; needless stores would bounce the line between the CPUs. */
#define VS_SET(field, val)			\
	do {					\
		typeof(field) __v = (val);	\
		if ((field) != __v)		\
			(field) = __v;		\
	} while (0)

/* Refresh what senders read about this receiving socket. */
static __always_inline void vs_rx_refresh(struct vs_rx_state *rx, struct sock *sk)
{
	long f = vs_file_flags(sk);

	VS_SET(rx->copied_seq, BPF_CORE_READ((struct tcp_sock *)sk, copied_seq));
	VS_SET(rx->queued, (__u64)vs_psock_queued(vs_psock(sk)));
	VS_SET(rx->has_file, (__u8)(f >= 0));
	VS_SET(rx->nonblock, (__u8)(f >= 0 && (f & VS_O_NONBLOCK)));
}

/* The fast-path queue floor (vsockctl tune max_queued); m may be NULL. */
static __always_inline __u64 vs_max_queued(const struct vs_meta *m)
{
	return m && m->max_queued ? m->max_queued : VS_MAX_QUEUED_DEFAULT;
}

/* After a read of `bytes`: adapt the receiver's queue bound to its read
 * rate, like TCP's receive-buffer autotuning: grow at once to twice what
 * it read in the current window, shrink at most by half per window. The
 * window lives in the reader's own storage; only the bound is shared. */
static __always_inline void vs_rx_account_read(struct vs_rx_state *rx,
					       struct vs_sk_state *st, __u64 bytes,
					       const struct vs_meta *m)
{
	__u64 now = bpf_ktime_get_ns(), lo, hi, want, b = rx->bound;

	lo = vs_max_queued(m);
	hi = m && m->max_queued_cap > lo ? m->max_queued_cap : lo;
	st->win_bytes += bytes;
	want = 2 * st->win_bytes;
	if (want > b)
		b = want < hi ? want : hi;
	if (now - st->win_start_ns >= VS_RX_WINDOW_NS) {
		if (want < b / 2)
			want = b / 2;
		b = want < lo ? lo : want > hi ? hi : want;
		st->win_bytes = 0;
		st->win_start_ns = now;
	}
	VS_SET(rx->bound, b);
}

static __always_inline void vs_addr_set(struct vs_addr *a, const __u8 ip[16],
					__u16 port)
{
	__builtin_memcpy(a->ip, ip, 16);
	a->port = port;
}

#endif /* VSOCK_COMMON_BPF_H */
