/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Every map of vsock, one comment each. All are pinned by name under the
 * loader's pin root, so every object (and every later process) shares them. */
#ifndef VSOCK_MAPS_BPF_H
#define VSOCK_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "vsock/abi.h"
#include "vsock/svc.h"
#include "vsock/rules.h"

/* Per-socket state the sk_msg program needs: bpf_get_socket_cookie() is not
 * callable from sk_msg, so identity and keys travel here from sockops. */
struct vs_sk_state {
	__u64 cookie;
	__u64 attach_cg;		/* attached cgroup it falls under, 0 none */
	struct vs_sock_key key;		/* own key in vs_socks */
	struct vs_sock_key peer_key;	/* key the peer registered under */
	__u64 peer_tx_seen;		/* peer's tx_msgs when we last looked */
	__u64 win_start_ns;		/* read-rate window of the queue bound: */
	__u64 win_bytes;		/* kept here, off the line senders read */
	__u32 small_run;		/* small messages in a row, peer silent */
	__u16 segs;			/* segments sent while in the map (saturates) */
	__u8  tx_mode;			/* enum vs_tx_mode */
	__u8  tx_reason;		/* enum vs_reason */
	__u8  in_map;			/* in vs_socks */
	__u8  leave_phase;		/* 1: leaving, peers told to stop */
	__u8  leave_reason;		/* enum vs_reason it leaves for */
	__u8  owner_known;		/* the entry names its process */
	__u8  spin_msgs;		/* messages in a row read after spinning */
	__u16 empty_reads;		/* reads that found nothing since the last
					 * message (saturates) */
	__u8  off_reason;		/* enum vs_reason: why it is not in the
					 * sockhash (at establishment, or left) */
	__u8  join_queued;		/* in vs_joinq, waiting for the joiner */
	__u8  join_wait_rxq;		/* the joiner waits until plain reads
					 * took less of its head skb than the
					 * verdict can cut: offer it again then */
	__u8  join_clock;		/* joined with TCP bytes queued: the
					 * joiner's next pass hands them to the
					 * receive verdict */
	__u8  off_io;			/* sends and non-blocking reads while off
					 * the sockhash (saturates): vs_join_offer */
	__u8  proxied;			/* a proxied client: its vs_proxy_orig
					 * entry (keyed by key) goes with it */
	__u32 open_slots;		/* send calls with redirects to give back
					 * (leave.bpf.h) */
	__u64 joined_ns;		/* when it entered the sockhash */
	__u64 send_tid;			/* pid_tgid of a thread inside a send
					 * call on it (sk_msg to the send
					 * tracepoint), 0 none: its psock
					 * reference is no reader's */
	/* what the policy rules match it by (rules.bpf.h), and their verdict */
	__u64 own_cg;			/* its own cgroup */
	__u32 uid;			/* sk_uid at establishment */
	__u32 policy_gen;		/* vs_ctl.policy_gen of the verdict */
	__u32 policy_deny;		/* id of the rule that denies it, 0: allowed */
	__u8  active;			/* it connected: the server end is its peer */
	__u8  listened;			/* listen() after a connection: it may be
					 * in vs_listeners (vsock_destroy) */
};

/* Redirect targets: canonical 4-tuple + netns -> socket. 8-byte value so a
 * userspace lookup returns the socket cookie. */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, VS_MAX_SOCKS_DEFAULT);
	__type(key, struct vs_sock_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_socks SEC(".maps");

/* The socket table: cookie -> entry. Bounded; overflow is counted. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VS_MAX_SOCKS_DEFAULT);
	__type(key, __u64);
	__type(value, struct vs_sock_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_socktbl SEC(".maps");

/* Per-socket storage, freed by the kernel with the socket. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vs_sk_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_skstate SEC(".maps");

/* Receiver facts for senders, keyed by the receiver's vs_socks key. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VS_MAX_SOCKS_DEFAULT);
	__type(key, struct vs_sock_key);
	__type(value, struct vs_rx_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_rxstate SEC(".maps");

/* Redirects a thread has in flight: sk_msg counts each redirect it decides
 * here and in the receiver's vs_rx_state.inflight; the thread's send
 * tracepoint, which runs once the send call and with it every redirect of
 * that call is over, takes them back (bpf/leave.bpf.h). Keyed by pid_tgid:
 * two threads may send on one socket at once. An entry is needed only
 * while its thread is inside a send call, so LRU eviction only ever drops
 * idle ones. */
struct vs_redir_slot {
	struct vs_sock_key peer;	/* receiver's key in vs_rxstate */
	__u64 peer_cookie;		/* and its cookie: the key may be reused */
	__u32 msgs;			/* redirects of the current send call */
	__u32 open;			/* counted in the sender's open_slots */
	__u64 bytes;			/* bytes those redirects took: the rest
					 * of what the call accepted went
					 * through TCP (vsock_send) */
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct vs_redir_slot);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_inflight SEC(".maps");

/* Per socket in the sockhash: the sequence number up to which TCP bytes
 * reached its psock through the receive verdict (vsock_rx.bpf.c, which
 * cannot use socket storage). Keyed by socket cookie; removed when the
 * socket joins the sockhash (a new count) and when the kernel frees it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VS_MAX_SOCKS_DEFAULT);
	__type(key, __u64);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_rxseq SEC(".maps");

/* Established sockets off the fast path that may join it now (their file
 * went non-blocking, their peer joined, ...), for vsockd's joiner: key ->
 * cookie. The joiner (vsock_join.bpf.c) takes each one out, into the
 * sockhash or back to waiting. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vs_sock_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_joinq SEC(".maps");

/* Every established socket vsock tracks, by its own key -> the attached
 * cgroup it falls under: whether a socket's peer is local and tracked
 * (else it could never join the fast path, and is not queued for the
 * joiner), and, in secure mode, whether the two may meet. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VS_MAX_SOCKS_DEFAULT);
	__type(key, struct vs_sock_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_tracked SEC(".maps");

/* Listening sockets in attached cgroups: (netns, port) -> the listener's
 * struct sock address. A passive socket has no file until accept(), so its
 * blocking mode is predicted from its listener's file flags at that moment
 * (read with probe reads, validated: the address may be stale). */
struct vs_listen_key {
	__u64 netns_cookie;
	__u32 port;		/* host byte order */
	__u32 pad;
};
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct vs_listen_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_listeners SEC(".maps");

/* Socket events for vsockd (enum vs_event_type). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, VS_EVENTS_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_events SEC(".maps");

/* Attached cgroups: cgroup id -> config (the detach flag lives here). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct vs_cgroup_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_cgcfg SEC(".maps");

/* Secure mode: (secure attached cgroup, attached cgroup it allows) ->
 * 1. Written by attach --secure --allow-cgroup, removed at detach. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct vs_cg_pair);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_cgallow SEC(".maps");

/* Global per-CPU counters, index enum vs_counter. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VS_C_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_stats SEC(".maps");

/* Coverage of closed sockets by reason (abi.h, struct vs_coverage). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VS_R_MAX);
	__type(key, __u32);
	__type(value, struct vs_coverage);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_coverage SEC(".maps");

/* ABI version and tunables, one element. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vs_meta);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_meta SEC(".maps");

/* The operator's switches (abi.h, struct vs_ctl), one element: the global
 * kill switch. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vs_ctl);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_ctl SEC(".maps");

/* Policy rules (rules.h): two sets of VS_RULES_MAX sorted slots; the one
 * in force is vs_ctl.policy_gen & 1. Userspace writes the other set, then
 * bumps the generation: a reader never sees a half-written set. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * VS_RULES_MAX);
	__type(key, __u32);
	__type(value, struct vs_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_rules SEC(".maps");

/* Sockets each rule decided at establishment: rule id -> count. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4 * VS_RULES_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_rule_hits SEC(".maps");

/* Virtual services (svc.h): service address -> service. One lookup per
 * connect of an attached cgroup; no entry, nothing else happens. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VS_SVC_MAX);
	__type(key, struct vs_svc_key);
	__type(value, struct vs_svc);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_svc SEC(".maps");

/* Backends of the services: {service id, slot} -> address, health, counters. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * VS_SVC_MAX * VS_SVC_MAX_BACKENDS);	/* room
					 * for a replacement's new set */
	__type(key, struct vs_backend_key);
	__type(value, struct vs_backend);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_backends SEC(".maps");

/* Per client socket of a service: what it asked for and where it went, for
 * getpeername and the backend's health. Freed with the socket. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vs_svc_sk);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_svc_sk SEC(".maps");

/* vsockd's proxy listener per network namespace: netns cookie -> address.
 * vsockd writes it; without an entry, proxy-mode connects are refused. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct vs_proxy_listen);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_proxy_listen SEC(".maps");

/* Original destination of each proxied client, by the client's key:
 * written by sockops at ACTIVE_ESTABLISHED, removed when the kernel frees
 * the client (tcp_destroy_sock). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VS_MAX_SOCKS_DEFAULT);
	__type(key, struct vs_sock_key);
	__type(value, struct vs_proxy_orig);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_proxy_orig SEC(".maps");

/* The kernel-spliced relay (vsock_relay.bpf.c). Its legs are vsockd's
 * sockets, never in vs_socks: the fast path and the relay do not mix. */

/* Relay legs that forward: the sk_skb verdict vsock_relay_fwd is attached
 * here, so inserting a leg starts relaying what it receives. Cookie ->
 * socket (a userspace lookup returns the cookie). */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, VS_MAX_SOCKS_DEFAULT);
	__type(key, __u64);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_relay_sh SEC(".maps");

/* Relay legs as redirect targets, no programs: both legs enter here before
 * either enters vs_relay_sh, so the verdict never finds its peer missing. */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, VS_MAX_SOCKS_DEFAULT);
	__type(key, __u64);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_relay_tgt SEC(".maps");

/* One direction of a relay per source leg: cookie -> peer, mode, bytes
 * redirected, bound (abi.h, struct vs_relay_dir). Removed when the kernel
 * frees the leg. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VS_MAX_SOCKS_DEFAULT);
	__type(key, __u64);
	__type(value, struct vs_relay_dir);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_relay SEC(".maps");

/* Mark of a relay leg (vsockd sets it through the leg's fd): the state
 * tracepoint follows a socket only when it carries one. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vs_relay_mark);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_relay_sk SEC(".maps");

/* Global relay counters, index enum vs_relay_counter. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VS_RC_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_relay_ctr SEC(".maps");

#endif /* VSOCK_MAPS_BPF_H */
