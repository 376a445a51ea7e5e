// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The io_uring backend: one ring per thread (created at the thread's first
 * call, freed when the thread exits), a whole batch per io_uring_enter.
 *
 * Why per thread: the ring is then never shared, so it needs no lock and
 * can be IORING_SETUP_SINGLE_ISSUER | DEFER_TASKRUN (completions are
 * processed only when this thread waits for them). A child of fork()
 * builds its own (a SINGLE_ISSUER ring refuses other tasks). */
#include <errno.h>
#include <liburing.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "ops.h"

#define VS_RING_ENTRIES 1024	/* SQEs; a larger batch takes several submissions */

/* getsockopt through io_uring (IORING_OP_URING_CMD, Linux 6.7); not in
 * Debian 12's headers. Only SOL_SOCKET options are served there. */
#define VS_SOCKET_URING_OP_GETSOCKOPT 2

struct vs_ring {
	struct io_uring ring;
	bool ready;		/* ring set up */
	bool unusable;		/* set-up failed in this thread: use the fallback */
	unsigned int gen;	/* vs_fork_gen when it was set up */
};

static __thread struct vs_ring vs_ring;
static unsigned int vs_fork_gen;
static pthread_once_t vs_once = PTHREAD_ONCE_INIT;
static pthread_key_t vs_key;

static void ring_free(void *arg)
{
	struct vs_ring *r = arg;

	if (r && r->ready)
		io_uring_queue_exit(&r->ring);
	if (r)
		r->ready = false;
}

/* fork(): the child's copy of the ring is the parent's; it builds its own */
static void fork_child(void)
{
	__atomic_add_fetch(&vs_fork_gen, 1, __ATOMIC_RELAXED);
}

static void init_once(void)
{
	pthread_key_create(&vs_key, ring_free);
	pthread_atfork(NULL, NULL, fork_child);
}

static struct io_uring *ring_get(void)
{
	struct vs_ring *r = &vs_ring;
	unsigned int gen = __atomic_load_n(&vs_fork_gen, __ATOMIC_RELAXED);
	int err;

	if (r->ready && r->gen == gen)
		return &r->ring;
	if (r->ready) {
		/* inherited through fork(): unmap our copy, make our own */
		io_uring_queue_exit(&r->ring);
		r->ready = r->unusable = false;
	}
	if (r->unusable && r->gen == gen)
		return NULL;
	pthread_once(&vs_once, init_once);
	r->gen = gen;
	err = io_uring_queue_init(VS_RING_ENTRIES, &r->ring,
				  IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN |
				  IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
	if (err == -EINVAL)	/* a kernel before 6.1: the plain ring */
		err = io_uring_queue_init(VS_RING_ENTRIES, &r->ring, 0);
	if (err) {
		/* ENOSYS, or EPERM when kernel.io_uring_disabled or seccomp
		 * refuses it: decided once per thread */
		r->unusable = true;
		return NULL;
	}
	r->ready = true;
	pthread_setspecific(vs_key, r);
	return &r->ring;
}

static void prep(struct io_uring_sqe *sqe, struct vs_op *op, size_t idx)
{
	if (op->kind == VS_OP_SEND) {
		io_uring_prep_send(sqe, op->fd, op->buf, op->len, op->arg);
	} else {
		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = IORING_OP_URING_CMD;
		sqe->fd = op->fd;
		sqe->cmd_op = VS_SOCKET_URING_OP_GETSOCKOPT;
		/* the uapi's level/optname pair shares the addr field */
		sqe->addr = ((uint64_t)(uint32_t)op->arg << 32) | SOL_SOCKET;
		sqe->splice_fd_in = (int)op->len;		/* optlen */
		sqe->addr3 = (uint64_t)(uintptr_t)op->buf;	/* optval */
	}
	io_uring_sqe_set_data64(sqe, idx);
}

static size_t reap(struct io_uring *ring, struct vs_op *ops)
{
	struct io_uring_cqe *cqe;
	unsigned int head;
	size_t got = 0;

	io_uring_for_each_cqe(ring, head, cqe) {
		ops[cqe->user_data].res = cqe->res;
		got++;
	}
	io_uring_cq_advance(ring, got);
	return got;
}

int vs_uring_run(struct vs_op *ops, size_t n)
{
	struct io_uring *ring = ring_get();
	size_t next = 0, done = 0;
	int ret;

	if (!ring)
		return -ENOSYS;
	for (size_t i = 0; i < n; i++)
		ops[i].res = VS_OP_PENDING;
	while (done < n) {
		struct io_uring_sqe *sqe;

		while (next < n && (sqe = io_uring_get_sqe(ring))) {
			prep(sqe, &ops[next], next);
			next++;
		}
		/* all queued: wait for every completion; else only submit */
		ret = io_uring_submit_and_wait(ring, next == n ? n - done : 0);
		done += reap(ring, ops);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY) {
			/* the ring itself failed (never seen): every operation
			 * without a completion fails with its error, and this
			 * thread goes on without io_uring */
			for (size_t i = 0; i < n; i++)
				if (ops[i].res == VS_OP_PENDING)
					ops[i].res = ret;
			ring_free(&vs_ring);
			vs_ring.unusable = true;
			return 0;
		}
	}
	/* a kernel before 6.7 has no getsockopt on the ring: those again by
	 * system call (a non-socket answers ENOTSOCK there) */
	for (size_t i = 0; i < n; i++)
		if (ops[i].kind == VS_OP_GETSOCKOPT && ops[i].res == -EOPNOTSUPP)
			vs_loop_run(&ops[i], 1);
	return 0;
}
