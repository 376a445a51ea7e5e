/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Which socket is behind another process's descriptor, asked of that one
 * descriptor: pidfd_getfd() lends vsockd the file, SO_COOKIE names the
 * socket. Three system calls per descriptor, where a sock_diag dump walks
 * every TCP socket of the namespace (TIME_WAIT included) per pass. */
#ifndef VSOCKD_FDCOOKIE_H
#define VSOCKD_FDCOOKIE_H

#include <linux/types.h>

/* pidfd_open(pid): -errno when the process is gone or not ours to see. */
int fdcookie_pidfd(__u32 pid);

/* The cookie of the socket behind descriptor fd of the process pidfd,
 * if that descriptor still is inode. Returns 0 and sets *cookie;
 * -ENOTSOCK (not a socket: nothing to resolve), -ESTALE (the descriptor
 * was closed or reused meanwhile), or another -errno, -EPERM and -ENOSYS
 * among them, when the kernel does not lend it (the caller falls back to
 * sock_diag). */
int fdcookie_get(int pidfd, int fd, __u64 inode, __u64 *cookie);

#endif /* VSOCKD_FDCOOKIE_H */
