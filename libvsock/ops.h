/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* libvsock's kernel operations: a batch of sends and getsockopts that one
 * backend carries out, io_uring (ops_uring.c: one submission for the whole
 * batch) or plain system calls (ops_loop.c: one per operation). The caller
 * (send_multi.c) never puts two operations on one socket into a batch, so
 * their order inside it does not matter. */
#ifndef LIBVSOCK_OPS_H
#define LIBVSOCK_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "vsock/vsock.h"

enum vs_op_kind {
	VS_OP_SEND,		/* send(fd, buf, len, arg) */
	VS_OP_GETSOCKOPT,	/* getsockopt(fd, SOL_SOCKET, arg, buf, len) */
};

#define VS_OP_PENDING (-0x7fffffff)	/* res before the operation completed */

/* One operation and its outcome. */
struct vs_op {
	enum vs_op_kind kind;
	int fd;
	int arg;		/* send flags, or the SOL_SOCKET option */
	void *buf;		/* data to send, or the option's value */
	unsigned int len;	/* bytes to send, or the value's size */
	int res;		/* bytes sent, option length, or -errno */
};

/* Run the batch through io_uring, one submission (io_uring_enter) per
 * ring-full. MSG_WAITALL on a send: retried until all is sent or an
 * error (blocking sockets). 0, or -errno when this thread has no ring
 * (io_uring unavailable or disabled): then nothing was done. */
int vs_uring_run(struct vs_op *ops, size_t n);

/* The same with one system call per operation (the fallback). */
void vs_loop_run(struct vs_op *ops, size_t n);

/* Run the batch with the thread's backend: io_uring unless it is
 * unavailable or VSOCK_NO_IO_URING=1 is set in the environment. */
void vs_ops_run(struct vs_op *ops, size_t n);

/* The backend of the thread's last vs_ops_run(). */
extern __thread enum vsock_backend vs_last_backend;

#endif /* LIBVSOCK_OPS_H */
