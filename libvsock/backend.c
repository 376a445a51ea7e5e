// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Which backend runs a batch: io_uring where the kernel lets this thread
 * have a ring, else one system call per operation. VSOCK_NO_IO_URING=1
 * forces the fallback (tests, and hosts where io_uring is unwanted); it is
 * read at every call, so it can be changed at run time. */
#include <stdlib.h>
#include <string.h>

#include "ops.h"

__thread enum vsock_backend vs_last_backend;

static bool uring_forbidden(void)
{
	const char *v = getenv("VSOCK_NO_IO_URING");

	return v && *v && strcmp(v, "0") != 0;
}

void vs_ops_run(struct vs_op *ops, size_t n)
{
	if (!n)
		return;
	if (!uring_forbidden() && vs_uring_run(ops, n) == 0) {
		vs_last_backend = VSOCK_BACKEND_IO_URING;
		return;
	}
	vs_loop_run(ops, n);
	vs_last_backend = VSOCK_BACKEND_SEND;
}

__attribute__((visibility("default")))
enum vsock_backend vsock_send_multi_backend(void)
{
	return vs_last_backend;
}

__attribute__((visibility("default")))
const char *vsock_backend_name(enum vsock_backend b)
{
	switch (b) {
	case VSOCK_BACKEND_IO_URING:
		return "io_uring";
	case VSOCK_BACKEND_SEND:
		return "send";
	default:
		return "none";
	}
}
