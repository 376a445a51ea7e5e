/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The decisions of vsock_send_multi() that need no kernel: argument checks,
 * which copies go in which round, what a check or a send result means for
 * a descriptor. Unit-tested in tests/unit/test_vsock_send.c. */
#ifndef LIBVSOCK_PLAN_H
#define LIBVSOCK_PLAN_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "vsock/vsock.h"

#define VS_NO_PREV ((size_t)-1)

/* 0, or EINVAL for arguments vsock_send_multi() refuses. */
int vs_check_args(const int *fds, size_t n, const void *buf, size_t len, int flags,
		  const struct vsock_send_result *res);

/* A descriptor may appear more than once in a list; its copies must reach
 * the socket in list order, each after the previous one went out whole.
 * Fills round[i] (0 for a first occurrence, 1 for the second, ...) and
 * prev[i] (the index of the previous occurrence of fds[i], VS_NO_PREV);
 * order is scratch space for n indices. Returns the number of rounds. */
unsigned int vs_plan_rounds(const int *fds, size_t n, size_t *order, unsigned int *round,
			    size_t *prev);

/* The errno for a descriptor from its check, SO_PROTOCOL (an option length
 * or -errno; proto its value). 0: a TCP socket. */
int vs_check_verdict(int proto_res, int proto);

/* A send to a TCP socket failed with EPIPE: the errno to report, from
 * SO_PEERNAME (an option length or -errno). A socket never connected, or
 * listening, has no peer: ENOTCONN; one whose connection ended: EPIPE. */
int vs_epipe_verdict(int peer_res);

/* Add one send's result (bytes, or -errno) to r, which wants len bytes in
 * all: err EAGAIN when a send stopped short without an error. */
void vs_account(struct vsock_send_result *r, int send_res, size_t len);

/* Whether r is still owed bytes that a blocking socket would wait for. */
static inline bool vs_short_of_space(const struct vsock_send_result *r, size_t len)
{
	return r->sent < len && r->err == EAGAIN;
}

#endif /* LIBVSOCK_PLAN_H */
