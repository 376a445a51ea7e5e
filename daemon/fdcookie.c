// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A descriptor of another process to its socket cookie (fdcookie.h). */
#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "fdcookie.h"
#include "sockaddr.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

int fdcookie_pidfd(__u32 pid)
{
	int fd = (int)syscall(SYS_pidfd_open, (int)pid, 0);

	return fd < 0 ? -errno : fd;
}

int fdcookie_get(int pidfd, int fd, __u64 inode, __u64 *cookie)
{
	struct stat st;
	int sfd, r;

	/* The borrowed file keeps the socket open until the close below: an
	 * application's close() in between sends its FIN a few µs later. */
	sfd = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (sfd < 0)
		return errno == EBADF ? -ESTALE : -errno;
	if (fstat(sfd, &st))
		r = -errno;
	else if ((__u64)st.st_ino != inode)
		r = -ESTALE;	/* closed and the number reused */
	else if (!S_ISSOCK(st.st_mode))
		r = -ENOTSOCK;
	else
		r = (*cookie = vs_sock_cookie(sfd)) ? 0 : -ENOTSOCK;
	close(sfd);
	return r;
}
