/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Run a function in the network namespace of a process. setns() of a
 * network namespace changes only the calling thread, so the function runs
 * in a short-lived thread that enters the namespace and dies in it; the
 * daemon's own thread never leaves its namespace. */
#ifndef VSOCKD_NETNS_H
#define VSOCKD_NETNS_H

#include <linux/types.h>

/* fn(arg) in the network namespace of pid, or right here when netns (the
 * inode of /proc/PID/ns/net) is own_netns or 0. Returns what fn returned,
 * or -errno when the namespace could not be entered. */
int netns_call(__u32 pid, __u64 netns, __u64 own_netns, int (*fn)(void *arg), void *arg);

#endif /* VSOCKD_NETNS_H */
