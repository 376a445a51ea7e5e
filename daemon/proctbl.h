/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The handle tables. The master process handle table maps a process,
 * identified by its tgid and its start time (so a reused pid is never
 * confused with the process that had it before), to that process's private
 * handle table: its fd numbers and the socket cookie each refers to. The
 * cookie is the key of the pinned socket table, where status, peer and
 * counters live.
 *
 * Locking: the master table has a rwlock held only while finding, adding
 * or removing a process; each private table has its own mutex. A lookup
 * takes the master lock for reading, locks the one process it found, and
 * drops the master lock: readers of different processes never wait on
 * each other. Bounds (processes, handles per process, handles in all) are
 * fixed at creation or by proctbl_set_limits(); what exceeds them is
 * refused and counted. */
#ifndef VSOCKD_PROCTBL_H
#define VSOCKD_PROCTBL_H

#include <pthread.h>
#include <stdbool.h>
#include <linux/types.h>

struct proc_handle {
	int fd;			/* the process's descriptor number */
	__u32 pad;
	__u64 cookie;		/* socket cookie: key of vs_socktbl */
};

/* What identifies and describes a process. */
struct proc_info {
	__u32 tgid;
	__u64 start;		/* /proc/PID/stat field 22, clock ticks after boot */
	__u64 netns;		/* inode of /proc/PID/ns/net */
	char comm[16];
	char cgroup[256];	/* cgroup v2 path ("0::" line of /proc/PID/cgroup) */
};

struct proc {
	struct proc *next;	/* hash chain */
	pthread_mutex_t lock;	/* guards everything below the identity */
	int refs;		/* the table's own + lookups in progress */
	bool dead;		/* removed from the master table */
	unsigned int gen;	/* generation of the last proctbl_set() */
	struct proc_info info;
	int pidfd;		/* owner's (set with the lock held), closed on free */
	struct proc_handle *h;	/* sorted by fd */
	unsigned int nh;
	unsigned int dropped;	/* handles left out: over a bound */
};

struct proctbl_limits {
	unsigned int max_procs;
	unsigned int max_handles_per_proc;
	unsigned int max_handles;
};

struct proctbl {
	pthread_rwlock_t lock;
	struct proc **buckets;
	unsigned int nbuckets;	/* power of two */
	unsigned int nprocs;
	unsigned int nhandles;
	unsigned int gen;
	struct proctbl_limits lim;
	__u64 procs_refused;	/* processes left out: table full */
	__u64 handles_refused;	/* handles left out: a handle bound */
};

struct proctbl *proctbl_new(const struct proctbl_limits *lim);
void proctbl_free(struct proctbl *t);
/* New bounds. Shrinking any of them empties the table (which entries to
 * keep is not ours to guess): the caller rebuilds it with a rescan. */
void proctbl_set_limits(struct proctbl *t, const struct proctbl_limits *lim);

/* Replace the private table of the process info->tgid/start with n
 * handles (copied, sorted by fd; of duplicates of one fd, one is kept). A
 * process that had the same tgid with another start time is dropped first:
 * it is a reused pid. n == 0 removes the process. Handles over the bounds
 * are left out and counted. Returns 0, -ENOSPC (no room for another
 * process), -ENOMEM or -EINVAL. */
int proctbl_set(struct proctbl *t, const struct proc_info *info,
		const struct proc_handle *h, unsigned int n);
/* Remove the process with this tgid (any start time, when start is 0).
 * Returns 0 or -ENOENT. */
int proctbl_remove(struct proctbl *t, __u32 tgid, __u64 start);

/* Start a full rebuild: processes not proctbl_set() from now on until
 * proctbl_end_gen() are removed by it. */
unsigned int proctbl_begin_gen(struct proctbl *t);
/* Returns how many processes were removed. */
unsigned int proctbl_end_gen(struct proctbl *t, unsigned int gen);

/* The process with tgid (and start, if not 0), locked and referenced, or
 * NULL. Release it with proctbl_put(). */
struct proc *proctbl_get(struct proctbl *t, __u32 tgid, __u64 start);
void proctbl_put(struct proctbl *t, struct proc *p);

/* The cookie behind fd in a locked process; false if fd is not a handle. */
bool proc_lookup_fd(const struct proc *p, int fd, __u64 *cookie);

/* Visit every process, each locked while cb runs; cb returns non-zero to
 * stop. cb must not call other proctbl functions. */
int proctbl_for_each(struct proctbl *t, int (*cb)(struct proc *p, void *ctx),
		     void *ctx);

unsigned int proctbl_nprocs(struct proctbl *t);
unsigned int proctbl_nhandles(struct proctbl *t);

#endif /* VSOCKD_PROCTBL_H */
