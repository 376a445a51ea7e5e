/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The kernel-spliced relay: vsockd's proxy hands it two connected TCP
 * sockets (client leg, backend leg) and the kernel moves the bytes
 * between them (bpf/vsock_relay.bpf.c); this module follows each pair on
 * vsockd's loop: relays half-close once every byte of that direction is
 * through, relays a reset, copies a direction the kernel gave up on (its
 * bound reached) or a pair it refused, and closes a pair when both
 * directions are done (docs/proxy.md, "Kernel-spliced relay").
 * Not thread-safe: one loop owns it. */
#ifndef VSOCKD_RELAY_H
#define VSOCKD_RELAY_H

#include <stdbool.h>
#include <linux/types.h>
#include "vsock/abi.h"

struct loop;
struct vs_loader;
struct relay;

/* Counts of one pair, or of every pair (relay_stats). Index 0 is client to
 * backend, 1 backend to client. */
struct relay_counts {
	__u64 kernel_bytes[2];	/* moved by the kernel (the verdict) */
	__u64 copied_bytes[2];	/* copied by vsockd */
	__u64 max_backlog[2];	/* most redirected bytes the target's TCP had
				 * not taken yet, as the verdict saw it (pairs:
				 * per pair; relay_stats: the largest) */
	__u64 switches;		/* directions that left the kernel for copying */
	__u64 half_closes;	/* FINs relayed (shutdown of the other leg) */
	__u64 resets;		/* resets relayed */
};

struct relay_opts {
	__u64 bound;		/* bytes a direction may have redirected that the
				 * target's TCP has not taken yet; beyond, the
				 * direction is copied for good. 0: tcp_rmem max,
				 * what plain TCP lets the leg buffer */
	unsigned int idle_ms;	/* no byte either way for this long: both legs
				 * are reset. 0: never */
	bool copy;		/* copy both ways in userspace (no kernel relay) */
	__u64 tag;		/* the owner's, kept with the pair across a
				 * restart (relay_adopt) */
	/* called once when the pair closes, with its final counts; err is 0
	 * when both directions ended with a FIN, else why it was reset
	 * (-ECONNRESET, -ETIMEDOUT for the idle timeout, ...). Not called for
	 * a pair vsockd leaves to the next one (relay_close). */
	void (*on_close)(void *ctx, int id, __u64 tag, const struct relay_counts *c,
			 int err);
	void *ctx;
};

struct relay_stats {
	struct relay_counts c;	/* closed and live pairs */
	__u64 pairs;		/* ever paired */
	__u64 active;		/* open now */
	__u64 refused;		/* pairs the kernel would not take: copied */
	__u64 idle_closed;	/* pairs reset by the idle timeout */
	__u64 keep_failed;	/* pairs the fd store refused */
	__u64 adopted;		/* pairs taken over from a previous vsockd */
	__u64 adopt_failed;	/* stored pairs that could not be taken over:
				 * reset (a leg gone, counts that disagree) */
	__u64 adopted_ring_bytes; /* bytes a killed vsockd had read and not
				   * written, written from the kept ring */
	__u64 verdict[VS_RC_MAX]; /* the verdict's counters (vs_relay_ctr, every
				   * relay of the host, pinned: they outlive
				   * vsockd) */
};

/* The module on loop l, with the pinned maps of ld (which must outlive it). */
int relay_open(struct relay **out, struct loop *l, struct vs_loader *ld);
/* Free r. Pairs kept in the fd store (under systemd, relay_keep.h) stay
 * relaying in the kernel for the next vsockd; every other pair is closed
 * (its kernel backlog goes with it). */
void relay_close(struct relay *r);
struct fdstore_fd;
/* Take over the pairs a previous vsockd kept: the relay's descriptors of
 * fds[0..n) (their fd set to -1; the others are left alone), each pair
 * with options o and the tag it was kept with. Returns how many pairs run
 * again; a pair that cannot be taken over is reset (relay_stats). */
int relay_adopt(struct relay *r, struct fdstore_fd *fds, int n, const struct relay_opts *o);
/* Relay between two connected sockets; the relay owns both descriptors
 * from then on (also on failure: they are closed). Returns the pair's id
 * (>= 0) or -errno. */
int relay_pair(struct relay *r, int client_fd, int backend_fd,
	       const struct relay_opts *o);
/* Counts of a live pair; -ENOENT once it is closed. */
int relay_pair_counts(struct relay *r, int id, struct relay_counts *out);
void relay_stats(struct relay *r, struct relay_stats *out);

#endif /* VSOCKD_RELAY_H */
