// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "plan.h"

int vs_check_args(const int *fds, size_t n, const void *buf, size_t len, int flags,
		  const struct vsock_send_result *res)
{
	if (n > VSOCK_SEND_MULTI_MAX || (n && (!fds || !res)))
		return EINVAL;
	/* one send's result is an int on the ring (and MAX_RW_COUNT caps a
	 * send() below INT_MAX anyway) */
	if ((len && !buf) || len > INT_MAX)
		return EINVAL;
	if (flags & ~VSOCK_SEND_FLAGS)
		return EINVAL;
	return 0;
}

/* qsort_r (glibc): the list travels as the context, so threads may sort
 * at once */
static int by_fd_then_index(const void *a, const void *b, void *ctx)
{
	const int *fds = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (fds[x] != fds[y])
		return fds[x] < fds[y] ? -1 : 1;
	return (x > y) - (x < y);
}

unsigned int vs_plan_rounds(const int *fds, size_t n, size_t *order, unsigned int *round,
			    size_t *prev)
{
	unsigned int rounds = n ? 1 : 0;
	bool increasing = true;

	for (size_t i = 0; i < n; i++) {
		order[i] = i;
		round[i] = 0;
		prev[i] = VS_NO_PREV;
		if (i && fds[i] <= fds[i - 1])
			increasing = false;
	}
	if (increasing)	/* the usual list: no duplicates, nothing to sort */
		return rounds;
	qsort_r(order, n, sizeof(*order), by_fd_then_index, (void *)fds);
	for (size_t k = 1; k < n; k++) {
		size_t i = order[k], p = order[k - 1];

		if (fds[i] != fds[p])
			continue;
		prev[i] = p;
		round[i] = round[p] + 1;
		if (round[i] + 1 > rounds)
			rounds = round[i] + 1;
	}
	return rounds;
}

int vs_check_verdict(int proto_res, int proto)
{
	if (proto_res < 0)	/* EBADF, ENOTSOCK */
		return -proto_res;
	if (proto != IPPROTO_TCP)	/* UDP, AF_UNIX, MPTCP, ... */
		return EPROTOTYPE;
	return 0;
}

int vs_epipe_verdict(int peer_res)
{
	return peer_res < 0 ? ENOTCONN : EPIPE;
}

void vs_account(struct vsock_send_result *r, int send_res, size_t len)
{
	if (send_res < 0) {
		r->err = -send_res;
		return;
	}
	r->sent += send_res;
	r->err = r->sent < len ? EAGAIN : 0;
}
