/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* inode → socket cookie through NETLINK_SOCK_DIAG. sock_diag answers for
 * the network namespace its netlink socket was created in, so a socket is
 * made per namespace: in a helper thread that setns()es into the
 * namespace of a process living there (setns of a network namespace
 * affects only the calling thread), and used from the main thread. */
#ifndef VSOCKD_SOCKDIAG_H
#define VSOCKD_SOCKDIAG_H

#include <linux/types.h>

/* Netlink socket for the network namespace of pid (netns is the inode
 * of its /proc/PID/ns/net; own_netns, ours: no thread needed).
 * Returns the fd or -errno. */
int sockdiag_open(__u32 pid, __u64 netns, __u64 own_netns);

/* Dump every TCP socket (IPv4 and IPv6, all states) and call cb with its
 * inode and cookie; sockets without an inode (TIME_WAIT, SYN_RECV
 * request socks) are skipped. cb returns non-zero to stop. */
int sockdiag_dump(int fd, int (*cb)(__u64 inode, __u64 cookie, void *ctx),
		  void *ctx);

#endif /* VSOCKD_SOCKDIAG_H */
