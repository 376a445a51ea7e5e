// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The fallback backend: one system call per operation, for hosts where
 * io_uring is unavailable (kernel without it, io_uring_disabled, a seccomp
 * profile that refuses io_uring_setup) or VSOCK_NO_IO_URING=1. */
#include <errno.h>
#include <sys/socket.h>

#include "ops.h"

/* A send with MSG_WAITALL is the caller's blocking remainder: send until
 * all is out, as io_uring's MSG_WAITALL does (and as one blocking send()
 * does unless a signal cuts it short). */
static int loop_send(const struct vs_op *op)
{
	int flags = op->arg & ~MSG_WAITALL;
	unsigned int done = 0;
	ssize_t r;

	do {
		r = send(op->fd, (const char *)op->buf + done, op->len - done, flags);
		if (r < 0) {
			if (errno == EINTR && (op->arg & MSG_WAITALL))
				continue;
			return done ? (int)done : -errno;
		}
		done += r;
	} while ((op->arg & MSG_WAITALL) && done < op->len);
	return done;
}

void vs_loop_run(struct vs_op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct vs_op *op = &ops[i];
		socklen_t len = op->len;

		if (op->kind == VS_OP_SEND) {
			op->res = loop_send(op);
			continue;
		}
		op->res = getsockopt(op->fd, SOL_SOCKET, op->arg, op->buf, &len) ? -errno : (int)len;
	}
}
