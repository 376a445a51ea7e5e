/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The relay's pairs, shared by relay.c (pairing, moving, closing) and
 * relay_adopt.c (pairs a previous vsockd left in the fd store). */
#ifndef VSOCKD_RELAY_INT_H
#define VSOCKD_RELAY_INT_H

#include "relay.h"
#include "relay_bpf.h"
#include "relay_keep.h"

/* One direction: src's bytes out of dst. Copied bytes go through the
 * pair's ring k.ring[i]: byte n of the copied stream at n % KEEP_RING. */
struct rdir {
	int src, dst;
	__u64 src_cookie;
	__u8 mode;		/* enum vs_relay_mode, as last read */
	bool eof;		/* src has its peer's FIN */
	bool may_copy;		/* dst's TCP took every redirected byte */
	bool done;		/* dst shut for writing */
	bool switched;		/* counted as a switch */
	__u64 redir;		/* redirected by the verdict (vs_relay) */
	__u64 max_backlog;	/* the verdict's vs_relay_dir.max_backlog */
	__u64 read;		/* read from src here */
	__u64 copied;		/* written to dst here */
	__u64 base_taken;	/* dst's tcp_taken() before pairing */
	__u64 base_rx;		/* src's bytes received and read before pairing */
};

struct pair {
	int id;
	int fd[2];		/* 0 client leg, 1 backend leg */
	__u64 cookie[2];
	bool plain;		/* in no sockmap: copied both ways */
	bool out[2];		/* leg watched for EPOLLOUT: the target of a
				 * copied direction (never while the kernel
				 * relays: each ACK would wake vsockd) */
	bool waiting;		/* a direction waits for counts (timer) */
	int err;		/* a leg's error a read consumed at pairing */
	struct rdir d[2];	/* d[0]: client leg -> backend leg */
	struct relay_opts o;
	struct keep k;		/* what outlives vsockd */
	__u64 last_moved, last_io_ms;
	struct relay_counts c;
};

struct relay {
	struct loop *loop;
	struct relay_bpf bpf;
	int timerfd;
	unsigned int timer_ms;	/* armed period, 0 disarmed */
	struct pair **pairs;	/* by id; NULL: free slot */
	int npairs;
	int *byfd;		/* fd -> pair id + 1, 0 none */
	int nbyfd;
	struct relay_stats st;	/* counts of closed pairs in st.c */
};

/* A pair of the two legs in a free slot, counted active; NULL: no memory
 * (the legs are closed then). */
struct pair *pair_new(struct relay *r, int client_fd, int backend_fd,
		      const struct relay_opts *o);
/* Into the loop and run once; on failure the pair is reset. Returns its
 * id or -errno. */
int pair_start(struct relay *r, struct pair *p);
/* Close p; abort: with a reset on each leg; err for on_close. */
void pair_free(struct relay *r, struct pair *p, bool abort, int err);
/* A direction's mode and counts from its map entry. */
void dir_refresh(struct relay *r, struct pair *p, struct rdir *d);

#endif /* VSOCKD_RELAY_INT_H */
