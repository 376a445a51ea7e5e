/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Building the handle tables from what the kernel says: the pinned socket
 * table (which cookies are tracked), /proc/PID/fd (which descriptor is
 * which socket inode) and sock_diag (which inode is which cookie).
 *
 * A full rescan rebuilds everything (at start, when events were lost,
 * periodically) with one sock_diag dump per namespace. A refresh re-reads
 * the descriptors of a few processes that events named and resolves each
 * descriptor it has not seen before alone (fdcookie.h), falling back to
 * sock_diag where the kernel will not lend the descriptor. */
#ifndef VSOCKD_SCAN_H
#define VSOCKD_SCAN_H

#include <linux/types.h>
#include "loader.h"
#include "proctbl.h"
#include "u64map.h"

struct scan {
	struct vs_loader *ld;
	struct proctbl *tbl;
	struct u64map ino2cookie;	/* tracked sockets seen behind an fd */
	struct u64map cookie2ino;
	struct u64map untracked;	/* inodes that are not tracked sockets */
	__u64 own_netns;
	/* a process got into the master table without a pidfd */
	void (*on_new_proc)(void *ctx, struct proc *p);
	void *ctx;
	/* for status */
	__u64 rescans;
	__u64 refreshes;
	__u64 dumps;
	__u64 fd_lookups;		/* descriptors resolved alone (fdcookie.h) */
	__u64 dump_errors;
	__u64 last_rescan_us;		/* duration of the last full rescan */
	unsigned int tracked;		/* socket-table entries at the last rescan */
};

int scan_init(struct scan *s, struct vs_loader *ld, struct proctbl *tbl);
void scan_free(struct scan *s);

/* Rebuild all tables. Returns 0 or -errno (the tables stay as they were
 * when the socket table cannot be read). */
int scan_full(struct scan *s);
/* Re-read the descriptors of these processes; gone ones leave. */
int scan_refresh(struct scan *s, const __u32 *pids, unsigned int n);
/* The kernel freed this socket: forget its inode. */
void scan_forget(struct scan *s, __u64 cookie);

#endif /* VSOCKD_SCAN_H */
