/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What a relayed pair needs to outlive vsockd (docs/proxy.md, "Restart").
 *
 * The kernel keeps relaying while vsockd is away as long as someone holds
 * the two legs: systemd's file-descriptor store (fdstore.h) does. Under
 * one name per pair it keeps the two sockets and, once a direction is
 * copied in userspace, a memfd holding that direction's copy ring. The
 * name carries what never changes (the client leg's cookie, the owner's
 * tag, the counts before pairing); the memfd carries what vsockd read
 * from each source. Everything else a new vsockd reads again from the
 * kernel: redirected bytes from the pinned vs_relay map, what each leg's
 * TCP took (write_seq) and received, and whether a direction is done (its
 * target sent our FIN).
 *
 * Why a ring in a memfd: vsockd's copy of a direction reads from the
 * source and writes to the target. A kill between the two would lose what
 * it read; read straight into shared memory that the store keeps, those
 * bytes are still there for the next vsockd, at a position the kernel's
 * counts give (byte k of the copied stream lives at k % KEEP_RING). */
#ifndef VSOCKD_RELAY_KEEP_H
#define VSOCKD_RELAY_KEEP_H

#include <stdbool.h>
#include <linux/types.h>
#include "fdstore.h"

#define KEEP_RING	(64u << 10)	/* bytes of one direction's copy ring */
#define KEEP_PREFIX	"vsrelay-"

/* What never changes in a pair; it is the name under which it is kept. */
struct keep_id {
	__u64 client_cookie;	/* SO_COOKIE of leg 0 */
	__u64 tag;		/* the owner's (relay_opts.tag) */
	__u64 base_taken[2];	/* per direction: the target's tcp_taken() */
	__u64 base_rx[2];	/* per direction: source's received and read
				 * before pairing */
};

/* Per direction, in the memfd. inflight is set before each read of the
 * source and cleared after: while it is set, read may lag the truth by
 * at most inflight bytes. */
struct keep_dir {
	__u64 read;
	__u64 inflight;
};

struct keep {
	char name[FDSTORE_NAME_MAX];	/* "": not in a store */
	int memfd;			/* -1: none (yet) */
	void *base;			/* the memfd's mmap, or calloc'ed */
	struct keep_dir *dir;		/* [2], in base */
	char *ring[2];
	size_t map_len;			/* of the mmap, 0: calloc'ed */
};

/* A pair with nothing kept yet. */
void keep_init(struct keep *k);
/* Put the two legs in the store under id's name. -EOPNOTSUPP: no store
 * (the pair ends with vsockd); another -errno: the store refused. */
int keep_legs(struct keep *k, const struct keep_id *id, int fd0, int fd1);
/* The copy rings, from now on in the store too when the legs are. */
int keep_rings(struct keep *k);
/* The pair is over: out of the store, memory freed. */
void keep_forget(struct keep *k);
/* vsockd leaves, the pair stays in the store: memory freed only. */
void keep_release(struct keep *k);

/* A stored name back into its id; -EINVAL when it is not one of ours. */
int keep_id_parse(const char *name, struct keep_id *id);
/* An adopted memfd as k's rings (k->name set by the caller). */
int keep_adopt_memfd(struct keep *k, int memfd);

#endif /* VSOCKD_RELAY_KEEP_H */
