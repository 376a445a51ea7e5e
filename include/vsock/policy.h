/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Decisions that need no helper: compiled into the BPF programs and into
 * the cmocka tests, so the verifier and the unit tests run the same code. */
#ifndef VSOCK_POLICY_H
#define VSOCK_POLICY_H

#include "abi.h"

#ifndef __bpf__
#include <stdbool.h>
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define vs_be32_to_host(x) __builtin_bswap32(x)
#else
#define vs_be32_to_host(x) (x)
#endif

/* TCP states (include/net/tcp_states.h), not exported to userspace headers. */
enum {
	VS_TCP_ESTABLISHED = 1, VS_TCP_SYN_SENT, VS_TCP_SYN_RECV,
	VS_TCP_FIN_WAIT1, VS_TCP_FIN_WAIT2, VS_TCP_TIME_WAIT, VS_TCP_CLOSE,
	VS_TCP_CLOSE_WAIT, VS_TCP_LAST_ACK, VS_TCP_LISTEN, VS_TCP_CLOSING,
	VS_TCP_NEW_SYN_RECV,
};

/* IPv4 address (network order) as IPv4-mapped IPv6 ::ffff:a.b.c.d. */
static inline void vs_ip_from_v4(__u8 out[16], __u32 ip4_be)
{
	__builtin_memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	__builtin_memcpy(out + 12, &ip4_be, 4);
}

static inline void vs_ip_from_v6(__u8 out[16], const __u32 ip6_be[4])
{
	__builtin_memcpy(out, ip6_be, 16);
}

/* sock_ops and sk_msg give remote_port as the network-order u16 shifted
 * into the upper half of a u32 (on little endian), local_port in host order. */
static inline __u16 vs_remote_port(__u32 ctx_remote_port)
{
	return (__u16)(vs_be32_to_host(ctx_remote_port) & 0xffff);
}

/* Key of a socket from its own point of view. family is AF_INET (2) or
 * AF_INET6 (10); for AF_INET the *_ip6 arguments are ignored. */
static inline void vs_key_build(struct vs_sock_key *k, __u64 netns_cookie,
				__u32 family,
				__u32 local_ip4, const __u32 local_ip6[4],
				__u32 remote_ip4, const __u32 remote_ip6[4],
				__u32 ctx_local_port, __u32 ctx_remote_port)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->netns_cookie = netns_cookie;
	if (family == 2) {
		vs_ip_from_v4(k->local_ip, local_ip4);
		vs_ip_from_v4(k->peer_ip, remote_ip4);
	} else {
		vs_ip_from_v6(k->local_ip, local_ip6);
		vs_ip_from_v6(k->peer_ip, remote_ip6);
	}
	k->local_port = (__u16)ctx_local_port;
	k->peer_port = vs_remote_port(ctx_remote_port);
}

/* The key under which the peer of k registered itself. */
static inline void vs_key_reverse(struct vs_sock_key *out,
				  const struct vs_sock_key *k)
{
	out->netns_cookie = k->netns_cookie;
	__builtin_memcpy(out->local_ip, k->peer_ip, 16);
	__builtin_memcpy(out->peer_ip, k->local_ip, 16);
	out->local_port = k->peer_port;
	out->peer_port = k->local_port;
	out->pad = 0;
}

/* Socket-table status for a TCP state seen in the state callback. */
static inline __u8 vs_status_from_tcp_state(__u32 state)
{
	switch (state) {
	case VS_TCP_ESTABLISHED:
		return VS_ST_CONNECTED;
	case VS_TCP_SYN_SENT:
	case VS_TCP_SYN_RECV:
		return VS_ST_CONNECTING;
	case VS_TCP_FIN_WAIT1:
	case VS_TCP_FIN_WAIT2:
	case VS_TCP_CLOSING:
	case VS_TCP_LAST_ACK:
	case VS_TCP_CLOSE_WAIT:
		return VS_ST_SHUTDOWN;
	case VS_TCP_LISTEN:
		return VS_ST_LISTENING;
	default:		/* TIME_WAIT, CLOSE */
		return VS_ST_DISCONNECTED;
	}
}

/* What the sk_msg program knows about one message of a direction. */
struct vs_tx_input {
	__u8  cur_mode;		/* enum vs_tx_mode of the direction */
	__u8  peer_found;	/* peer key is in the sockhash */
	__u8  self_off;		/* why it may not redirect: its attached cgroup
				 * (VS_R_DETACHED, VS_R_DISABLED) or a policy
				 * rule (VS_R_POLICY); VS_R_NONE: it may */
	__u8  peer_off;		/* the same for the peer's */
	__u8  blocking;		/* own or peer file is blocking */
	__u8  tcp_drained;	/* peer has read every byte we sent through TCP */
	__u8  peer_closed;	/* peer is leaving the sockhash */
	__u8  peer_rcvlowat;	/* peer set SO_RCVLOWAT above 1 */
	__u32 small_run;	/* small messages in a row, peer silent meanwhile */
	__u32 small_run_max;	/* more than this passes for good; 0: never */
	__u64 peer_queued;	/* bytes on the peer's fast-path queue */
	__u64 msg_size;
	__u64 max_queued;
};

struct vs_tx_decision {
	__u8 mode;		/* VS_TX_REDIRECT or VS_TX_PASS */
	__u8 reason;		/* VS_R_NONE when redirecting */
};

/* Per-message choice between the fast path and TCP. Ordering: a redirected
 * byte is read before any byte that came through TCP (tcp_bpf_recvmsg reads
 * the psock queue first), so redirect -> pass is always safe, and pass ->
 * redirect only once the peer has read everything sent through TCP. */
static inline struct vs_tx_decision vs_tx_decide(const struct vs_tx_input *in)
{
	struct vs_tx_decision d = { VS_TX_PASS, VS_R_NONE };

	if (in->self_off)
		d.reason = in->self_off;
	else if (!in->peer_found || in->peer_closed)
		d.reason = VS_R_NO_PEER;
	else if (in->peer_off)
		d.reason = in->peer_off;
	else if (in->blocking)
		d.reason = VS_R_BLOCKING;
	else if (in->peer_rcvlowat)
		d.reason = VS_R_RCVLOWAT;
	else if (in->small_run_max && in->small_run > in->small_run_max)
		d.reason = VS_R_SMALL_WRITES;
	else if (in->peer_queued + in->msg_size > in->max_queued &&
		 in->peer_queued > 0)
		d.reason = VS_R_QUEUE_LIMIT;	/* one oversized message still goes */
	else if (in->cur_mode != VS_TX_REDIRECT && !in->tcp_drained)
		d.reason = VS_R_TCP_UNREAD;
	else
		d.mode = VS_TX_REDIRECT;
	return d;
}

/* Reasons after which a direction never returns to the fast path. */
static inline bool vs_reason_is_final(__u8 reason)
{
	/* not BLOCKING: a file may turn non-blocking again, and its socket
	 * join again (join.bpf.h); each message looks at the files anew */
	return reason == VS_R_DETACHED || reason == VS_R_SMALL_WRITES ||
	       reason == VS_R_DISABLED || reason == VS_R_POLICY || reason == VS_R_SECURE;
}

/* Count a message into the small-write run of a direction. peer_tx_msgs is
 * how many messages the peer has sent; any change means the two sides
 * alternate (request/response), which keeps the fast path's latency win. */
static inline __u32 vs_small_run(__u32 run, __u64 *peer_seen, __u64 peer_tx_msgs,
				 __u64 msg_size)
{
	if (peer_tx_msgs != *peer_seen) {
		*peer_seen = peer_tx_msgs;
		run = 0;
	}
	return msg_size < VS_SMALL_WRITE ? run + 1 : 0;
}

/* Count a message read into a reader's busy-poll run: empty_reads is how
 * often it found the socket empty since the previous message. A reader
 * that sleeps in poll()/epoll between messages finds it empty at most once
 * per wake-up; one that spins, many times. Returns the new run length,
 * which saturates at max (VS_SPIN_MSGS by default): the reader busy-polls
 * once the run reaches a non-zero max. */
static inline __u8 vs_spin_run(__u8 run, __u32 empty_reads, __u32 max)
{
	if (empty_reads < VS_SPIN_EMPTY_READS)
		return 0;
	return run < max && run < VS_SPIN_MSGS_MAX ? run + 1 : run;
}

/* Coverage (abi.h, struct vs_coverage): the row a socket counts in is the
 * reason its entry shows, VS_R_MAX for one that is not connected (yet).
 * A socket that joined with its peer (both were in the sockhash: the entry
 * is paired) counts as on the fast path (VS_R_NONE) when its last reason
 * says only that a message waited (backpressure, TCP bytes unread) or that
 * its peer went first at the close. */
static inline __u32 vs_coverage_row(const struct vs_sock_entry *e)
{
	__u32 r = e->reason;

	if (r == VS_R_NOT_ESTABLISHED || r >= VS_R_MAX)
		return VS_R_MAX;
	if (e->joined && e->peer_cookie &&
	    (r == VS_R_NO_PEER || r == VS_R_QUEUE_LIMIT || r == VS_R_TCP_UNREAD))
		return VS_R_NONE;
	return r;
}

static inline void vs_coverage_add(struct vs_coverage *row, const struct vs_sock_entry *e)
{
	row->sockets++;
	row->joined += e->joined;
	row->redir_bytes += e->tx_redir_bytes;
	row->pass_bytes += e->tx_pass_bytes;
}

#endif /* VSOCK_POLICY_H */
