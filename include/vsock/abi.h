/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Every byte the BPF programs and userspace exchange. One definition each. */
#ifndef VSOCK_ABI_H
#define VSOCK_ABI_H

#ifndef __bpf__
#include <linux/types.h>	/* the BPF side gets these from vmlinux.h */
#endif

/* Bump on any layout change below; the loader refuses pins of another version. */
#define VS_ABI_VERSION 5

#define VS_MAX_SOCKS_DEFAULT 65536
/* Bytes a receiver may have queued on the fast path before a direction
 * falls back to TCP (DESIGN.md, "No backpressure"). Plain TCP lets a sender
 * queue its send buffer plus the receiver's window; 4 MiB is the default
 * tcp_wmem maximum, so the fast path never holds more than TCP's sender side. */
#define VS_MAX_QUEUED_DEFAULT (4u << 20)
/* A message shorter than this is "small"; a direction that sends more
 * than VS_SMALL_RUN of them in a row while its peer sends nothing leaves
 * the fast path for good. Measured (docs/performance.md): per-message
 * redirect loses to TCP below 16 KiB writes and wins from 64 KiB. */
#define VS_SMALL_WRITE (32u << 10)
#define VS_SMALL_RUN 64
/* Segments a connected socket sends before it concludes that a peer that
 * never joined the sockhash never will (TCP_DEFER_ACCEPT creates the
 * peer only when the first data segment arrives). */
#define VS_PEER_WAIT_SEGS 4
/* vsockd's joiner takes in a socket off the sockhash once it was used
 * (a send, or a read without blocking) VS_JOIN_MIN_IO times: each join costs a pass of the
 * iterator over every TCP socket of the netns, which a connection that is
 * over after one exchange never pays back (measured: churn with vsockd at
 * 0.22x of TCP when every connection queued at its first use). */
#define VS_JOIN_MIN_IO 4
/* ... and while the peer is queued for vsockd's joiner, up to this long
 * after it joined itself: just over one joiner tick (250 ms), after which
 * the peer has joined unless it cannot (a receive queue that never
 * empties), and waiting on costs every send tcp_bpf's PASS path. */
#define VS_PEER_QUEUED_NS (300ull * 1000 * 1000)
/* A reader that finds its socket empty at least VS_SPIN_EMPTY_READS times
 * between two messages, for VS_SPIN_MSGS messages in a row, busy-polls
 * (a poll()/epoll reader sees at most one empty read per wake-up; a
 * spinning one, about one per half microsecond of waiting). Such a
 * reader holds its socket lock most of the time, and a redirect into it
 * sleeps on that lock (docs/performance.md): it leaves the fast path. */
#define VS_SPIN_EMPTY_READS 2
#define VS_SPIN_MSGS 16
#define VS_SPIN_MSGS_MAX 255	/* the run is counted in a byte */

/* Read-rate window of the adaptive queue bound: a receiver that read B
 * bytes in the last window may have 2*B queued (TCP's receive-buffer
 * autotuning does the same per RTT), between max_queued and its cap. */
#define VS_RX_WINDOW_NS (10 * 1000 * 1000ull)

/* Deepest cgroup level walked to find the attached ancestor of a socket. */
#define VS_MAX_CGROUP_DEPTH 16

/* Redirect key, as seen from the local socket. Both addresses are IPv6 or
 * IPv4-mapped IPv6 (::ffff:a.b.c.d), so a v4 client pairs with a dual-stack
 * listener. The peer finds a socket by the same key with the ends swapped. */
struct vs_sock_key {
	__u64 netns_cookie;	/* same 4-tuple in two netns must not pair */
	__u8  local_ip[16];	/* network byte order */
	__u8  peer_ip[16];	/* network byte order */
	__u16 local_port;	/* host byte order */
	__u16 peer_port;	/* host byte order */
	__u32 pad;		/* always 0: part of the hashed key */
};

/* The ten statuses of the socket table; docs/architecture.md maps each to
 * the kernel event that sets it, bpf/status.bpf.h holds the transitions
 * between them. SENDING and RECEIVING have no honest
 * kernel signal (a send or receive has no "done" callback) and are never set. */
enum vs_status {
	VS_ST_UNCONNECTED = 0,	/* cgroup/sock_create */
	VS_ST_BOUND,		/* cgroup/post_bind4, post_bind6 */
	VS_ST_LISTENING,	/* sockops TCP_LISTEN_CB */
	VS_ST_CONNECTING,	/* sockops TCP_CONNECT_CB (SYN sent) */
	VS_ST_CONNECTED,	/* sockops ACTIVE/PASSIVE_ESTABLISHED_CB */
	VS_ST_SENDING,		/* no honest signal: never set */
	VS_ST_RECEIVING,	/* no honest signal: never set */
	VS_ST_SHUTDOWN,		/* state_cb: FIN_WAIT1/2, CLOSING, LAST_ACK, CLOSE_WAIT */
	VS_ST_DISCONNECTED,	/* state_cb: TIME_WAIT, CLOSE (reset or fully closed) */
	VS_ST_TERMINATED,	/* cgroup/sock_release: the process closed it */
	VS_ST_MAX,
};

/* Why a socket (or its sending direction) is not on the fast path.
 * VS_R_NONE means it is. */
enum vs_reason {
	VS_R_NONE = 0,
	VS_R_NOT_ESTABLISHED,	/* not a connected socket (yet) */
	VS_R_NO_PEER,		/* peer is not on the fast path: another host, not
				 * attached, another netns, blocking, or leaving */
	VS_R_BLOCKING,		/* a blocking file: tcp_bpf would return spurious EAGAIN */
	VS_R_MPTCP,		/* MPTCP subflow */
	VS_R_ULP,		/* has an upper-layer protocol (kTLS, ...) */
	VS_R_OTHER_MAP,		/* already in another tool's sockmap (EBUSY) */
	VS_R_MAP_FULL,		/* sockhash or socket table full */
	VS_R_QUEUE_LIMIT,	/* receiver has max_queued bytes unread: backpressure */
	VS_R_TCP_UNREAD,	/* bytes sent through TCP are not yet read: redirect would overtake them */
	VS_R_DETACHED,		/* its cgroup was detached: no new redirects */
	VS_R_NO_STATE,		/* no per-socket state (socket predates attach) */
	VS_R_INSERT_FAILED,	/* sockhash insert failed for another reason */
	VS_R_LISTENER_UNKNOWN,	/* accepted from a listener vsock did not see listen():
				 * its blocking mode cannot be predicted */
	VS_R_SMALL_WRITES,	/* a long one-way run of small writes: TCP coalesces
				 * them better than per-message redirect (DESIGN.md) */
	VS_R_BUSY_POLL,		/* its reader busy-polls: redirects into it would
				 * sleep on its socket lock, TCP uses the backlog */
	VS_R_RCVLOWAT,		/* it set SO_RCVLOWAT: a fast-path queue makes it
				 * readable below the mark, TCP does not */
	VS_R_NOT_USED,		/* not used enough yet: it joins once a process
				 * has read or written it a few times
				 * (VS_JOIN_MIN_IO) with a non-blocking file
				 * (vsockd's joiner) */
	VS_R_PROXIED,		/* a client steered to vsockd's proxy, or a socket of
				 * the proxy: the relay owns it (svc.h) */
	VS_R_DISABLED,		/* the kill switch: vsockctl disable, global or for
				 * its cgroup (VS_CTL_DISABLED, VS_CG_DISABLED) */
	VS_R_POLICY,		/* a policy rule denies it (vs_sock_entry.rule_id) */
	VS_R_SECURE,		/* secure mode: its peer is under an attached cgroup
				 * the other end's secure cgroup does not allow */
	VS_R_MAX,
};

/* Sending-direction mode of a socket. A direction leaves REDIRECT for PASS
 * at once when anything is wrong, and returns only when every byte it sent
 * through TCP has been read by the peer (vs_tx_decide(), policy.h). */
enum vs_tx_mode {
	VS_TX_UNDECIDED = 0,
	VS_TX_REDIRECT,
	VS_TX_PASS,
};

/* Socket option bits in vs_sock_entry.options, read at establishment; an
 * accepted socket's file flags at its first use (it has no file before). */
#define VS_OPT_NONBLOCK  (1u << 0)	/* file has O_NONBLOCK */
#define VS_OPT_NODELAY   (1u << 1)	/* TCP_NODELAY */
#define VS_OPT_KEEPALIVE (1u << 2)	/* SO_KEEPALIVE */
#define VS_OPT_HAS_FILE  (1u << 3)	/* a file existed when options were read */

/* One end of a connection. */
struct vs_addr {
	__u8  ip[16];		/* IPv6 or IPv4-mapped, network byte order */
	__u16 port;		/* host byte order */
	__u16 pad;
	__u32 pad2;
};

/* The socket table (map vs_socktbl), keyed by socket cookie. */
struct vs_sock_entry {
	__u64 cookie;		/* unique socket ID (SO_COOKIE) */
	__u64 peer_cookie;	/* the paired local socket, 0 if none */
	__u64 netns_cookie;
	__u64 cgroup_id;	/* the socket's own cgroup */
	__u64 attach_cgroup_id;	/* the attached cgroup it falls under */
	__u64 created_ns;	/* CLOCK_MONOTONIC */
	__u64 tx_redir_bytes;	/* sent through the fast path */
	__u64 tx_redir_msgs;
	__u64 tx_pass_bytes;	/* sent through TCP while tracked */
	__u64 tx_pass_msgs;	/* messages sk_msg passed; once the socket left the
				 * sockhash its sends are counted in bytes only */
	struct vs_addr local;
	struct vs_addr remote;
	__u32 owner_tgid;	/* process that created it, or first used an
				 * accepted one; 0 unknown */
	__u32 options;		/* VS_OPT_* */
	char  comm[16];		/* owner's command */
	__u16 family;		/* AF_INET or AF_INET6, as created */
	__u16 type;		/* SOCK_STREAM */
	__u16 protocol;		/* IPPROTO_TCP */
	__u8  status;		/* enum vs_status */
	__u8  tcp_state;	/* kernel TCP state (TCP_ESTABLISHED=1 ...) */
	__u8  reason;		/* enum vs_reason: why not (or no longer) redirected */
	__u8  in_sockhash;	/* 1 while in vs_socks */
	__u8  tx_mode;		/* enum vs_tx_mode */
	__u8  joined;		/* 1 once it was in vs_socks (coverage) */
	__u32 rule_id;		/* the policy rule that denied it (reason
				 * policy), else 0 */
};

/* Coverage (map vs_coverage, a per-CPU array indexed by enum vs_reason):
 * what the connected sockets of attached cgroups did, added when the
 * kernel frees each one, under the reason its entry showed last
 * (VS_R_NONE: on the fast path to the end). vsockctl adds the live ones
 * from the socket table the same way (vs_coverage_add, policy.h). */
struct vs_coverage {
	__u64 sockets;		/* connected sockets */
	__u64 joined;		/* of them, sockets that were in the sockhash */
	__u64 redir_bytes;	/* they sent through the fast path */
	__u64 pass_bytes;	/* they sent through TCP */
};

/* What a sender needs to know about the socket it would redirect into
 * (map vs_rxstate, keyed by that socket's own vs_sock_key). Written by the
 * receiving socket itself (sockops at established, or vsockd's joiner when
 * it joins late; its read and send tracepoints; its sk_msg: tx_msgs; its
 * leave: closed) and by its senders (queued, inflight). sk_msg cannot hold
 * a reference to another socket (no bpf_sk_release there), so it reads this.
 * inflight and closed are the handshake that lets it leave the sockhash
 * without losing a redirect in flight (bpf/leave.bpf.h). */
struct vs_rx_state {
	__u64 cookie;		/* the receiving socket */
	__u64 attach_cg;	/* its attached cgroup */
	__u64 queued;		/* bytes on its fast-path queue: psock msg_tot_len
				 * at its last read, plus what senders added since */
	__u64 bound;		/* queue bound now: max_queued, grown toward
				 * max_queued_cap while the reader keeps reading */
	__u64 tx_msgs;		/* messages it sent: its peer sees whether the
				 * two sides alternate (request/response) */
	__u64 sk;		/* its struct sock, for probe reads by senders
				 * (valid while sk's cookie equals cookie) */
	__u32 copied_seq;	/* tcp copied_seq at its last read: everything
				 * before it was handed to the application */
	__u8  has_file;		/* accepted (or connected) by a process */
	__u8  nonblock;		/* its file had O_NONBLOCK when last seen */
	__u8  pad[2];
	__u32 inflight;		/* redirects into it that a sender decided and
				 * whose send call has not returned yet */
	__u32 closed;		/* leaving the sockhash: redirect nothing more
				 * into it (a word: set by an atomic, which
				 * orders it before the leaver reads inflight) */
};

/* Per-cgroup configuration (map vs_cgcfg), keyed by cgroup id. */
#define VS_CG_ENABLED (1u << 0)		/* new redirects allowed */
#define VS_CG_DISABLED (1u << 1)	/* kill switch (vsockctl disable CGROUP):
					 * no redirects, sockets leave; kept
					 * across attach, cleared by enable */
#define VS_CG_SECURE (1u << 2)		/* secure mode (attach --secure): its
					 * sockets are redirected only to peers
					 * under the same attached cgroup or one
					 * it allows (map vs_cgallow) */
#define VS_CG_PATH_MAX 192
struct vs_cgroup_cfg {
	__u32 flags;			/* VS_CG_* */
	__u32 pad;
	__u64 attached_ns;		/* CLOCK_REALTIME at attach, ns */
	char  path[VS_CG_PATH_MAX];	/* relative to the cgroup2 mount */
};

/* Key of vs_cgallow: attached cgroup cg (in secure mode) allows peers
 * under attached cgroup other. */
struct vs_cg_pair {
	__u64 cg;
	__u64 other;
};

/* Global metadata (map vs_meta, one element). */
struct vs_meta {
	__u32 abi_version;		/* VS_ABI_VERSION of whoever pinned */
	__u32 event_mask;		/* VS_EV_BIT() of the events a consumer
					 * reads (vsockd sets it); 0: none is
					 * published, so none costs anything */
	__u64 max_queued;		/* bytes, see VS_MAX_QUEUED_DEFAULT */
	__u64 loaded_ns;		/* CLOCK_REALTIME at load, ns */
	__u64 max_queued_cap;		/* bytes: the most a reading receiver's
					 * bound grows to (tcp_rmem max at load) */
	__u32 small_run;		/* small writes in a row before a direction
					 * passes for good; 0: never (VS_SMALL_RUN) */
	__u32 spin_msgs;		/* busy-polled messages in a row before a
					 * reader leaves; 0: never (VS_SPIN_MSGS) */
	__u64 joiner_alive_ns;		/* CLOCK_MONOTONIC of the joiner's last
					 * heartbeat (vsockd); while recent, accepted
					 * sockets join on their own file flags
					 * instead of their listener's */
};

/* Operator switches (map vs_ctl, one element), read on every message:
 * written only under the pin-root lock, never read-modify-written by
 * anything else (vs_meta is, by vsockd's beat). */
struct vs_ctl {
	__u32 flags;			/* VS_CTL_* */
	__u32 policy_gen;		/* bumped at every change of the policy
					 * rules; its low bit names the set of
					 * vs_rules in force (include/vsock/rules.h).
					 * A socket that saw another generation
					 * matches the rules again. */
	__u32 next_rule_id;		/* the id the next rule gets (0: 1) */
	__u32 pad;
};

#define VS_CTL_DISABLED (1u << 0)	/* vsockctl disable: no redirects anywhere,
					 * joined sockets leave the sockhash */

/* A joiner that has not beaten for this long is gone: accepted sockets are
 * predicted from their listener again, as without vsockd. */
#define VS_JOINER_TIMEOUT_NS (3ull * 1000 * 1000 * 1000)

/* Socket events (ring buffer vs_events), for vsockd. Only the types in
 * vs_meta.event_mask are published: an event costs its hook a ring-buffer
 * reservation, and one per state change of every connection is measurable
 * on connection churn (docs/performance.md). A consumer that falls behind
 * loses events (counted: events_lost) and rebuilds its view from the
 * socket table and /proc. */
enum vs_event_type {
	VS_EV_CREATED = 1,	/* cgroup/sock_create; tgid/comm are the creator */
	VS_EV_BOUND,		/* post_bind */
	VS_EV_LISTENING,
	VS_EV_CONNECTING,
	VS_EV_CONNECTED,	/* established; reason says if it is accelerated */
	VS_EV_SHUTDOWN,
	VS_EV_DISCONNECTED,
	VS_EV_TERMINATED,	/* cgroup/sock_release: the process closed it */
	VS_EV_RELEASED,		/* the kernel freed it; its table entry is gone */
	VS_EV_JOIN,		/* an established socket off the fast path can join
				 * it now (vs_joinq): run the joiner in its netns */
	VS_EV_MAX,
};

#define VS_EV_BIT(type) (1u << (type))

struct vs_event {
	__u64 cookie;		/* socket cookie: key of vs_socktbl */
	__u64 peer_cookie;	/* 0 if none or unknown */
	__u64 ts_ns;		/* CLOCK_MONOTONIC */
	__u32 tgid;		/* process in whose context the hook ran; 0 in
				 * softirq context (established, state changes) */
	__u8  type;		/* enum vs_event_type */
	__u8  status;		/* enum vs_status after the event */
	__u8  reason;		/* enum vs_reason */
	__u8  tcp_state;
	char  comm[16];		/* with tgid; empty when tgid is 0 */
};

#define VS_EVENTS_BYTES (1u << 20)	/* ring buffer size */

/* Global per-CPU counters (map vs_stats), summed in userspace. */
enum vs_counter {
	VS_C_SOCK_CREATED = 0,	/* TCP sockets created in attached cgroups */
	VS_C_SOCK_RELEASED,
	VS_C_SOCK_DESTROYED,	/* table entries removed when the kernel freed the socket */
	VS_C_NON_TCP,		/* non-TCP sockets left alone */
	VS_C_MPTCP,		/* MPTCP sockets and subflows left alone */
	VS_C_ESTABLISHED,	/* connections seen established */
	VS_C_INSERTED,		/* sockets put into the sockhash */
	VS_C_SKIP_NO_PEER,	/* left on TCP, peer not on the fast path: a passive
				 * side at establishment, any side at first use */
	VS_C_SKIP_BLOCKING,	/* blocking sockets left on TCP */
	VS_C_SKIP_LISTENER_UNKNOWN, /* accepted from a listener that predates attach */
	VS_C_SKIP_ULP,
	VS_C_SKIP_OTHER_MAP,	/* EBUSY: in another sockmap */
	VS_C_SKIP_MAP_FULL,
	VS_C_SKIP_INSERT_ERR,
	VS_C_PEER_EVICTED,	/* active ends taken out of the sockhash: their peer was refused */
	VS_C_SOCKTBL_FULL,	/* socket table overflow */
	VS_C_MSG_REDIRECTED,
	VS_C_BYTES_REDIRECTED,
	VS_C_MSG_PASSED,
	VS_C_BYTES_PASSED,
	VS_C_PASS_NO_STATE,
	VS_C_PASS_NO_PEER,
	VS_C_PASS_BLOCKING,
	VS_C_PASS_QUEUE_LIMIT,
	VS_C_PASS_TCP_UNREAD,
	VS_C_PASS_DETACHED,
	VS_C_TO_PASS,		/* a direction left the fast path */
	VS_C_TO_REDIRECT,	/* a direction (re)joined it after TCP drained */
	VS_C_LEFT_BLOCKING,	/* sockets that turned blocking and left the sockhash */
	VS_C_LEFT_DONE,		/* sockets that left the sockhash: fast path over
				 * (small writes, detached, peer never joined or
				 * left, SO_RCVLOWAT) */
	VS_C_PASS_SMALL_WRITES,	/* messages passed: small-write stream */
	VS_C_LEFT_BUSY_POLL,	/* sockets that left the sockhash: busy-polling reader */
	VS_C_PASS_RCVLOWAT,	/* messages passed: the receiver set SO_RCVLOWAT */
	VS_C_RX_OVERLAP_TRIMMED, /* TCP segments whose already delivered head
				  * the receive verdict cut off: a retransmission
				  * overlapping, or what plain reads took of the
				  * head skb before a late join */
	VS_C_RX_OVERLAP_FAILED,	/* the same, the kernel refused the cut */
	VS_C_SKIP_RCVLOWAT,	/* sockets left on TCP at establishment: SO_RCVLOWAT */
	VS_C_JOIN_QUEUED,	/* sockets queued to join late (vs_joinq) */
	VS_C_JOINED,		/* sockets that joined the sockhash late */
	VS_C_JOIN_REFUSED,	/* queued sockets the joiner found not eligible */
	VS_C_RX_BLOCKING_IN_MAP, /* reads without MSG_DONTWAIT that ran on a
				  * socket of the sockhash (tcp_bpf) */
	VS_C_RX_BLOCKING_EAGAIN, /* EAGAIN returned to a read without
				  * MSG_DONTWAIT and without SO_RCVTIMEO on a
				  * tracked socket: what plain TCP never does */
	VS_C_EVENTS,		/* socket events published */
	VS_C_EVENTS_LOST,	/* events dropped: ring buffer full (no or slow consumer) */
	VS_C_SKIP_PROXIED,	/* sockets kept off the sockhash: proxied (VS_R_PROXIED) */
	VS_C_SVC_DIRECT,	/* connects to a service rewritten to a backend */
	VS_C_SVC_PROXY,		/* connects to a service rewritten to vsockd's proxy */
	VS_C_SVC_REFUSED,	/* connects to a service refused: no proxy listener,
				 * no backend of the socket's family */
	VS_C_SVC_MARKED,	/* connects of sockets with VS_PROXY_MARK left alone */
	VS_C_SVC_BACKEND_OK,	/* service connects established */
	VS_C_SVC_BACKEND_FAIL,	/* service connects refused or timed out */
	VS_C_SVC_BACKEND_DOWN,	/* backends marked down (VS_SVC_FAIL_MAX in a row) */
	VS_C_PASS_DISABLED,	/* messages passed: the kill switch is on */
	VS_C_SKIP_DISABLED,	/* sockets kept off the sockhash at establishment:
				 * the kill switch is on */
	VS_C_PASS_POLICY,	/* messages passed: a policy rule denies the socket */
	VS_C_SKIP_POLICY,	/* sockets kept off the sockhash: a policy rule denies them */
	VS_C_PASS_SECURE,	/* messages passed: secure mode, peer's cgroup not allowed */
	VS_C_SKIP_SECURE,	/* sockets kept off the sockhash: secure mode */
	VS_C_JOIN_CLOCKED,	/* sockets that joined late with TCP bytes queued
				 * (the joiner's second pass, or a read first,
				 * hands them to the receive verdict) */
	VS_C_MAX,
};


/* The kernel-spliced relay (bpf/vsock_relay.bpf.c, daemon/relay.c): vsockd
 * pairs two connected TCP sockets (a proxy's client and backend legs) and
 * an sk_skb verdict sends what one leg receives out of the other. */

/* How one direction of a relay moves its bytes. KERNEL -> COPY only, never
 * back: bytes the verdict passed wait on the source's psock queue for
 * vsockd, and a later redirect would overtake them. */
enum vs_relay_mode {
	VS_RELAY_KERNEL = 0,	/* the verdict redirects to the peer's egress */
	VS_RELAY_COPY,		/* vsockd reads the source and writes the peer */
};

/* Why a direction went to COPY (vs_relay_dir.why). */
enum vs_relay_why {
	VS_RELAY_WHY_NONE = 0,
	VS_RELAY_WHY_BOUND,	/* the peer's redirect backlog reached the bound */
	VS_RELAY_WHY_NO_PEER,	/* the peer is not in vs_relay_tgt (closed, reset) */
	VS_RELAY_WHY_REDIRECT,	/* bpf_sk_redirect_hash() refused */
	VS_RELAY_WHY_USER,	/* vsockd asked (a leg the kernel refused, tests) */
};

/* One direction of a relay (map vs_relay), keyed by the cookie of the leg
 * it reads from. vsockd writes it before the leg enters vs_relay_sh; from
 * then on only the verdict writes it (one CPU at a time: it runs under the
 * source socket's lock), except mode, which vsockd may set to COPY. */
struct vs_relay_dir {
	__u64 peer_cookie;	/* the leg it writes to (key of vs_relay_tgt) */
	__u64 bound;		/* bytes: most redirected bytes the peer may hold
				 * not yet in its TCP write queue; 0: tcp_rmem max
				 * (vs_meta.max_queued_cap) */
	__u64 redir_bytes;	/* redirected to the peer's egress */
	__u64 redir_skbs;
	__u64 max_backlog;	/* largest backlog the verdict saw (bytes) */
	__u32 base_seq;		/* peer's write_seq before the first redirect */
	__u8  mode;		/* enum vs_relay_mode */
	__u8  why;		/* enum vs_relay_why */
	__u8  pad[2];
};

/* Per-socket mark of a relay leg (map vs_relay_sk, socket storage): the
 * state tracepoint follows only sockets that carry it. */
struct vs_relay_mark {
	__u64 cookie;		/* the leg's own cookie (key of vs_socktbl) */
	__u64 peer_cookie;	/* the other leg */
};

/* Global relay counters (map vs_relay_ctr, per CPU), summed in userspace. */
enum vs_relay_counter {
	VS_RC_REDIR_BYTES = 0,	/* bytes the verdict redirected */
	VS_RC_REDIR_SKBS,
	VS_RC_PASS_BYTES,	/* bytes passed to vsockd (COPY directions) */
	VS_RC_TO_COPY_BOUND,	/* directions switched to COPY: bound reached */
	VS_RC_TO_COPY_NO_PEER,	/* ... peer gone */
	VS_RC_TO_COPY_REDIRECT,	/* ... redirect refused */
	VS_RC_NO_DIR,		/* skbs of a leg without a vs_relay entry (passed) */
	VS_RC_STATE_CHANGES,	/* TCP state changes of relay legs followed */
	VS_RC_MAX,
};

#ifndef __bpf__
_Static_assert(sizeof(struct vs_relay_dir) == 48, "vs_relay_dir ABI");
_Static_assert(sizeof(struct vs_sock_key) == 48, "vs_sock_key ABI");
_Static_assert(sizeof(struct vs_addr) == 24, "vs_addr ABI");
_Static_assert(sizeof(struct vs_sock_entry) == 168, "vs_sock_entry ABI");
_Static_assert(sizeof(struct vs_cgroup_cfg) == 208, "vs_cgroup_cfg ABI");
_Static_assert(sizeof(struct vs_meta) == 48, "vs_meta ABI");
_Static_assert(sizeof(struct vs_ctl) == 16, "vs_ctl ABI");
_Static_assert(sizeof(struct vs_rx_state) == 64, "vs_rx_state ABI");
_Static_assert(sizeof(struct vs_event) == 48, "vs_event ABI");
_Static_assert(VS_ST_MAX == 10, "ten statuses");
#endif

#endif /* VSOCK_ABI_H */
