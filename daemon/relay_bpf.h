/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The relay's kernel side as vsockd sees it: the pinned maps of
 * bpf/vsock_relay.bpf.c (vs_relay_sh, vs_relay_tgt, vs_relay, vs_relay_sk,
 * vs_relay_ctr), the socket table entries of the legs and the program that
 * marks a leg TERMINATED. Everything here lives in pins, so a restarted
 * vsockd rebuilds a pair from these maps and the two descriptors. */
#ifndef VSOCKD_RELAY_BPF_H
#define VSOCKD_RELAY_BPF_H

#include <stdbool.h>
#include <linux/types.h>
#include "vsock/abi.h"

struct vs_loader;

struct relay_bpf {
	struct vs_loader *ld;			/* the pins (counters) */
	int sh, tgt, dir, mark, ctr, socktbl;	/* map fds (the loader's) */
	int close_prog;				/* vsock_relay_close, owned */
	int state_link;				/* vsock_relay_state attached, owned,
						 * -1 while no pair lives */
};

/* One leg as the maps know it. */
struct relay_leg_id {
	int fd;
	__u64 cookie;		/* SO_COOKIE */
};

int relay_bpf_open(struct relay_bpf *b, struct vs_loader *ld);
void relay_bpf_close(struct relay_bpf *b);
/* Follow the legs' TCP states into the socket table, or stop. The state
 * tracepoint runs at every TCP state change of the host (about ten per
 * connection: 1.3 µs of each under churn), so it is attached by this
 * process, not pinned, and only while a pair lives. */
void relay_bpf_follow(struct relay_bpf *b, bool on);

/* Birth of a leg's socket-table entry (status CONNECTED, owner: this
 * process) and its mark, which the state tracepoint follows from then on. */
int relay_bpf_track(const struct relay_bpf *b, const struct relay_leg_id *leg,
		    __u64 peer_cookie);
/* Both legs into the kernel relay: directions (bound in bytes, 0: the
 * max_queued tunable), both as targets, then both into the verdict map.
 * -EOPNOTSUPP and friends: the kernel refused a leg (e.g. not ESTABLISHED
 * any more); nothing is left in the sockhashes then, and the pair is
 * copied by vsockd. */
int relay_bpf_splice(const struct relay_bpf *b, const struct relay_leg_id *a,
		     const struct relay_leg_id *c, __u64 bound);
/* The direction that reads leg cookie; -ENOENT once the leg is gone. */
int relay_bpf_dir(const struct relay_bpf *b, __u64 cookie, struct vs_relay_dir *out);
/* The leg's entry goes TERMINATED (vsockd is closing it) and the event is
 * published: vsock_relay_close keeps vs_set_status() the only writer. */
int relay_bpf_terminated(const struct relay_bpf *b, __u64 cookie);

#endif /* VSOCKD_RELAY_BPF_H */
