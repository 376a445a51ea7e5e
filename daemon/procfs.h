/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What vsockd reads from /proc: a process's identity (start time, comm,
 * cgroup, network namespace) and its socket descriptors. */
#ifndef VSOCKD_PROCFS_H
#define VSOCKD_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "proctbl.h"

/* One socket descriptor of a process: "socket:[INODE]" behind /proc/PID/fd/FD. */
struct fd_inode {
	int fd;
	__u32 pad;
	__u64 inode;
};

/* Parse the contents of /proc/PID/stat: comm (between the first '(' and
 * the last ')', since comm may hold both) and field 22, starttime.
 * Returns 0 or -EINVAL. */
int procfs_parse_stat(const char *buf, char comm[16], __u64 *start);

/* Parse the contents of /proc/PID/status for the process's user: its
 * "Uid:" line (real, effective, saved, fs). *uid is that user when the
 * real, effective and saved uids are one user, else (uid_t)-1: a setuid
 * program, or one that may switch back, belongs to no unprivileged user.
 * Returns 0 or -EINVAL (no well-formed Uid line). */
int procfs_parse_uid(const char *buf, __u32 *uid);
/* The user pid belongs to (procfs_parse_uid), for control clients that
 * may read only their own processes. -ENOENT (or -ESRCH) when it is gone. */
int procfs_owner(__u32 pid, __u32 *uid);

/* tgid, start time, comm, cgroup and netns of pid. -ENOENT (or -ESRCH)
 * when it is gone. pid must be a process (a tgid), not a thread. */
int procfs_info(__u32 pid, struct proc_info *info);
/* Start time only: is this still the same process? */
int procfs_start(__u32 pid, __u64 *start);
/* Inode of a network namespace file (/proc/PID/ns/net). */
int procfs_netns(__u32 pid, __u64 *ino);

/* Socket descriptors of pid into a growing array (*v, *n, *cap).
 * Returns 0, or -errno when the process is gone or unreadable. */
int procfs_socket_fds(__u32 pid, struct fd_inode **v, unsigned int *n,
		      unsigned int *cap);

/* True when /proc/PID/fd/FD is a TCP socket (its "system.sockprotoname"
 * xattr is TCP, TCPv6 or MPTCP): only those can be in the socket table. */
bool procfs_fd_is_tcp(__u32 pid, int fd);

/* Call cb for each process (tgid) in /proc; cb returns non-zero to stop. */
int procfs_for_each_pid(int (*cb)(__u32 pid, void *ctx), void *ctx);

#endif /* VSOCKD_PROCFS_H */
