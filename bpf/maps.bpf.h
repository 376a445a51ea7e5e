/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Every map of vsock, one comment each. All are pinned by name under the
 * loader's pin root, so every object (and every later process) shares them. */
#ifndef VSOCK_MAPS_BPF_H
#define VSOCK_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "vsock/abi.h"

/* Per-socket state the sk_msg program needs: bpf_get_socket_cookie() is not
 * callable from sk_msg, so identity and keys travel here from sockops. */
struct vs_sk_state {
	__u64 cookie;
	__u64 attach_cg;		/* attached cgroup it falls under, 0 none */
	struct vs_sock_key key;		/* own key in vs_socks */
	struct vs_sock_key peer_key;	/* key the peer registered under */
	__u64 redir_seen;		/* entry tx_redir_bytes at the last send
					 * tracepoint: splits a send into both paths */
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
	__u8  pad;
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

/* Global per-CPU counters, index enum vs_counter. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VS_C_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_stats SEC(".maps");

/* ABI version and tunables, one element. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vs_meta);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_meta SEC(".maps");

#endif /* VSOCK_MAPS_BPF_H */
