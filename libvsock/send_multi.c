// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vsock_send_multi(): check every descriptor, then send to all of them, in
 * as few kernel entries as the backend allows (docs/libvsock.md):
 *
 *   check   SO_PROTOCOL of each distinct descriptor, one batch: a
 *           descriptor that is not a TCP socket gets its errno and is left
 *           out; the others go on.
 *   send    one batch, every send MSG_DONTWAIT, so that one full socket
 *           holds up nobody.
 *   rest    only when a socket was short of buffer space, the caller did
 *           not ask for MSG_DONTWAIT and its file is blocking: the rest of
 *           buf with MSG_WAITALL, one batch for all such sockets. Between
 *           the two sends another thread's send() on that socket may get
 *           in, exactly where a blocking send() of its own would have let
 *           it: at the point where the buffer was full.
 *
 * A TCP socket that is not connected fails its send with EPIPE, as with
 * send(); only for those, one more batch asks SO_PEERNAME, and one without
 * a peer (never connected, listening) reports ENOTCONN instead. Checking
 * every descriptor's peer up front would cost a second operation per
 * socket on every call.
 *
 * SIGPIPE: io_uring never raises it (it sends with MSG_NOSIGNAL always),
 * so every backend sends with MSG_NOSIGNAL and, unless the caller passed
 * it, the call raises SIGPIPE once in the calling thread after all sends
 * when one of them failed with EPIPE: as send() would, but without
 * stopping in the middle of the list.
 *
 * A descriptor listed twice gets buf twice, in list order: its second copy
 * goes in a later round (a batch never holds two sends to one socket, whose
 * order io_uring would not keep) and only after the first went out whole. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "ops.h"
#include "plan.h"

/* Per-call scratch, one allocation. */
struct vs_call {
	struct vs_op *ops;	/* one batch: at most one per descriptor */
	size_t *order, *prev;
	unsigned int *round;
	int *proto;
	uint16_t *peer;		/* SO_PEERNAME's first two bytes: the family */
};

static void *call_alloc(struct vs_call *c, size_t n)
{
	char *p = malloc(n * (sizeof(*c->ops) + 2 * sizeof(size_t) + sizeof(unsigned int) +
			      sizeof(int) + sizeof(uint16_t)));

	if (!p)
		return NULL;
	c->ops = (struct vs_op *)p;
	c->order = (size_t *)(c->ops + n);
	c->prev = c->order + n;
	c->round = (unsigned int *)(c->prev + n);
	c->proto = (int *)(c->round + n);
	c->peer = (uint16_t *)(c->proto + n);
	return p;
}

static void check_fds(struct vs_call *c, const int *fds, size_t n, struct vsock_send_result *res)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (c->prev[i] == VS_NO_PREV)
			c->ops[k++] = (struct vs_op){ VS_OP_GETSOCKOPT, fds[i], SO_PROTOCOL,
						      &c->proto[i], sizeof(int), 0 };
	vs_ops_run(c->ops, k);
	k = 0;
	for (size_t i = 0; i < n; i++) {
		res[i] = (struct vsock_send_result){ 0, 0 };
		if (c->prev[i] != VS_NO_PREV)	/* prev[i] < i: already set */
			res[i].err = res[c->prev[i]].err;
		else
			res[i].err = vs_check_verdict(c->ops[k++].res, c->proto[i]);
	}
}

/* EPIPE from a socket with no peer is ENOTCONN (top of this file). */
static void name_unconnected(struct vs_call *c, const int *fds, size_t n,
			     struct vsock_send_result *res)
{
	size_t *who = c->order, k = 0;

	for (size_t i = 0; i < n; i++) {
		if (res[i].err != EPIPE || res[i].sent)
			continue;
		who[k] = i;
		/* a length the shortest peer address fills: the kernel
		 * refuses a buffer longer than the address */
		c->ops[k++] = (struct vs_op){ VS_OP_GETSOCKOPT, fds[i], SO_PEERNAME,
					      &c->peer[i], sizeof(uint16_t), 0 };
	}
	vs_ops_run(c->ops, k);
	for (size_t j = 0; j < k; j++)
		res[who[j]].err = vs_epipe_verdict(c->ops[j].res);
}

/* The blocking remainder of round r: see the top of this file. Again while
 * a pass made progress: a ring that ignores MSG_WAITALL on sends (kernels
 * before 5.18) comes back short. */
static void send_rest(struct vs_call *c, const int *fds, size_t n, const char *buf, size_t len,
		      int flags, unsigned int r, struct vsock_send_result *res)
{
	size_t *who = c->order;	/* free again after planning */
	bool progress;

	do {
		size_t k = 0;

		for (size_t i = 0; i < n; i++) {
			int fl;

			if (c->round[i] != r || !vs_short_of_space(&res[i], len))
				continue;
			fl = fcntl(fds[i], F_GETFL);
			if (fl < 0 || (fl & O_NONBLOCK))
				continue;
			who[k] = i;
			c->ops[k++] = (struct vs_op){ VS_OP_SEND, fds[i], flags | MSG_WAITALL,
						      (void *)(buf + res[i].sent),
						      (unsigned int)(len - res[i].sent), 0 };
		}
		vs_ops_run(c->ops, k);
		progress = false;
		for (size_t j = 0; j < k; j++) {
			vs_account(&res[who[j]], c->ops[j].res, len);
			progress |= c->ops[j].res > 0;
		}
	} while (progress);
}

static void send_round(struct vs_call *c, const int *fds, size_t n, const void *buf, size_t len,
		       int flags, unsigned int r, struct vsock_send_result *res)
{
	size_t k = 0;
	size_t *who = c->order;

	for (size_t i = 0; i < n; i++) {
		size_t p = c->prev[i];

		if (c->round[i] != r || res[i].err)
			continue;
		if (p != VS_NO_PREV && (res[p].err || res[p].sent != len)) {
			res[i].err = ECANCELED;	/* its earlier copy is incomplete */
			continue;
		}
		who[k] = i;
		c->ops[k++] = (struct vs_op){ VS_OP_SEND, fds[i], flags | MSG_DONTWAIT,
					      (void *)buf, (unsigned int)len, 0 };
	}
	vs_ops_run(c->ops, k);
	for (size_t j = 0; j < k; j++)
		vs_account(&res[who[j]], c->ops[j].res, len);
	if (!(flags & MSG_DONTWAIT))
		send_rest(c, fds, n, buf, len, flags, r, res);
}

__attribute__((visibility("default")))
int vsock_send_multi(const int *fds, size_t n, const void *buf, size_t len, int flags,
		     struct vsock_send_result *res)
{
	struct vs_call c;
	unsigned int rounds;
	void *mem;
	int err, ok = 0;
	bool epipe = false;

	err = vs_check_args(fds, n, buf, len, flags, res);
	if (err) {
		errno = err;
		return -1;
	}
	if (!n)
		return 0;
	mem = call_alloc(&c, n);
	if (!mem) {
		errno = ENOMEM;
		return -1;
	}
	rounds = vs_plan_rounds(fds, n, c.order, c.round, c.prev);
	check_fds(&c, fds, n, res);
	for (unsigned int r = 0; r < rounds; r++)
		send_round(&c, fds, n, buf, len, flags | MSG_NOSIGNAL, r, res);
	name_unconnected(&c, fds, n, res);
	for (size_t i = 0; i < n; i++) {
		ok += !res[i].err;
		epipe |= res[i].err == EPIPE;
	}
	free(mem);
	if (epipe && !(flags & MSG_NOSIGNAL))
		raise(SIGPIPE);	/* the calling thread, as send() */
	return ok;
}
