// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The relay's pairs on vsockd's loop (relay.h).
 *
 * A pair has two directions, each read from one leg (src) and written to
 * the other (dst). A direction is in the kernel (the verdict redirects
 * src's segments to dst's egress) until the verdict gives up on it
 * (bound reached, peer gone): from then on it is copied here, for good.
 * The switch keeps order: bytes the verdict passed wait on src's psock
 * queue, and copying starts only once dst's TCP has taken every byte
 * redirected before them (tcp_taken() == redirected).
 *
 * A FIN is not relayed by the kernel. When src has its peer's FIN, the
 * direction is done once src's TCP received no byte the relay has not
 * moved and dst's TCP took them all: then dst is shut for writing. The
 * wake-up is EPOLLRDHUP (the socket table follows the same change,
 * vsock_relay_state); a direction whose counts still lag is looked at
 * again by a short timer. A reset or error on a leg resets the other.
 * A pair closes when both directions are done. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include "clock.h"
#include "loader.h"
#include "log.h"
#include "loop.h"
#include "relay_int.h"
#include "relay_tcp.h"
#include "sockaddr.h"

#define WAIT_MS		2	/* a direction waits for counts to catch up */
/* A leg's events: a reset or FIN (EPOLLRDHUP), bytes passed to it
 * (EPOLLIN, only for a copied direction: the verdict wakes no reader for
 * what it redirects). EPOLLOUT only for the target of a copied direction:
 * while the kernel relays, every ACK would wake vsockd (measured: 30 % of
 * a CPU in a 64 B request/response run, and its p99). */
#define LEG_EVENTS	(EPOLLIN | EPOLLRDHUP | EPOLLET)
#define IDLE_TICK_MS	100	/* idle timeouts are checked this often */

static int byfd_set(struct relay *r, int fd, int v)
{
	if (fd >= r->nbyfd) {
		int n = fd + 1024, *p = realloc(r->byfd, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		memset(p + r->nbyfd, 0, (n - r->nbyfd) * sizeof(*p));
		r->byfd = p;
		r->nbyfd = n;
	}
	r->byfd[fd] = v;
	return 0;
}

static struct pair *pair_of_fd(struct relay *r, int fd)
{
	int v = fd >= 0 && fd < r->nbyfd ? r->byfd[fd] : 0;

	return v && v - 1 < r->npairs ? r->pairs[v - 1] : NULL;
}

static void counts_add(struct relay_counts *to, const struct relay_counts *c)
{
	int i;

	for (i = 0; i < 2; i++) {
		to->kernel_bytes[i] += c->kernel_bytes[i];
		to->copied_bytes[i] += c->copied_bytes[i];
		if (c->max_backlog[i] > to->max_backlog[i])
			to->max_backlog[i] = c->max_backlog[i];
	}
	to->switches += c->switches;
	to->half_closes += c->half_closes;
	to->resets += c->resets;
}

static void pair_counts(const struct pair *p, struct relay_counts *out)
{
	int i;

	*out = p->c;
	for (i = 0; i < 2; i++) {
		out->kernel_bytes[i] = p->d[i].redir;
		out->copied_bytes[i] = p->d[i].copied;
		out->max_backlog[i] = p->d[i].max_backlog;
	}
}

/* Close the pair; abort: with a reset on each leg; err: why (0: both
 * FINs relayed) for the owner's on_close. The store lets go of the legs
 * first: a reset goes out at the last close of a leg. */
void pair_free(struct relay *r, struct pair *p, bool abort, int err)
{
	struct relay_counts c;
	int i;

	pair_counts(p, &c);
	counts_add(&r->st.c, &c);
	if (p->o.on_close)
		p->o.on_close(p->o.ctx, p->id, p->o.tag, &c, err);
	if (!--r->st.active)
		relay_bpf_follow(&r->bpf, false);
	keep_forget(&p->k);
	for (i = 0; i < 2; i++) {
		if (p->fd[i] < 0)
			continue;
		relay_bpf_terminated(&r->bpf, p->cookie[i]);
		byfd_set(r, p->fd[i], 0);
		if (abort)
			tcp_abort(p->fd[i]);
		else
			close(p->fd[i]);
	}
	r->pairs[p->id] = NULL;
	free(p);
}

/* vsockd leaves and the store keeps p: the legs go on without us. */
static void pair_leave(struct relay *r, struct pair *p)
{
	int i;

	keep_release(&p->k);
	for (i = 0; i < 2; i++) {
		byfd_set(r, p->fd[i], 0);
		close(p->fd[i]);
	}
	r->pairs[p->id] = NULL;
	free(p);
}

/* Refresh a direction from its map entry (the verdict's counts and mode). */
void dir_refresh(struct relay *r, struct pair *p, struct rdir *d)
{
	struct vs_relay_dir vd;

	if (p->plain || (d->mode == VS_RELAY_COPY && d->switched))
		return;	/* nothing in the kernel moves any more */
	if (relay_bpf_dir(&r->bpf, d->src_cookie, &vd))
		return;
	/* a lookup copies the value while the verdict may write it: COPY
	 * read with a count from before the last redirect would let copying
	 * start early. Once COPY is set the count is final: read it again. */
	if (vd.mode == VS_RELAY_COPY && relay_bpf_dir(&r->bpf, d->src_cookie, &vd))
		return;
	d->redir = vd.redir_bytes;
	d->max_backlog = vd.max_backlog;
	d->mode = vd.mode;
	if (d->mode == VS_RELAY_COPY && !d->switched) {
		d->switched = true;
		p->c.switches++;
		pr_debug("relay %d: direction %d copied from byte %llu (why %u)",
			 p->id, (int)(d - p->d), (unsigned long long)d->redir, vd.why);
	}
}

static int dir_finish(struct pair *p, struct rdir *d)
{
	pr_debug("relay %d: direction %d done, shutting fd %d", p->id, (int)(d - p->d), d->dst);
	if (shutdown(d->dst, SHUT_WR) && errno != ENOTCONN)
		return -errno;
	d->done = true;
	p->c.half_closes++;
	return 0;
}

/* Whether src has its peer's FIN and every byte before it was redirected
 * or read here. tcpi_bytes_received counts the FIN as a byte
 * (tcp_rcv_nxt_update runs to its end_seq). A read's 0 is no proof in a
 * sockhash: the verdict drops the FIN alone, and passed segments may still
 * wait on the psock's backlog while the parser answers 0 at SOCK_DONE. */
static bool dir_src_over(struct pair *p, struct rdir *d)
{
	__u64 rx;

	if (!tcp_peer_shut(d->src) || tcp_received(d->src, &rx))
		return false;
	return p->plain || rx - d->base_rx - 1 == d->redir + d->read;
}

/* A kernel direction after src's FIN: done when every byte src received
 * was redirected and dst's TCP took them. 1: not yet (look again). */
static int dir_kernel_fin(struct pair *p, struct rdir *d)
{
	__u64 rx, taken;

	if (tcp_received(d->src, &rx) || tcp_taken(d->dst, &taken))
		return 1;
	/* rx counts the FIN (dir_src_over); tcpi_bytes_acked counts our SYN,
	 * which base_taken holds */
	if (rx - d->base_rx - 1 != d->redir || taken - d->base_taken != d->redir)
		return 1;
	return dir_finish(p, d);
}

/* Read what src has into the direction's ring, at most room bytes.
 * The ring's count of what was read is exact at every instant but during
 * the read, which inflight brackets (relay_keep.h). */
static ssize_t dir_read(struct rdir *d, struct keep_dir *kd, char *ring)
{
	size_t off = d->read % KEEP_RING;
	ssize_t n;

	__atomic_store_n(&kd->inflight, KEEP_RING - off, __ATOMIC_RELEASE);
	n = recv(d->src, ring + off, KEEP_RING - off, MSG_DONTWAIT);
	if (n > 0)
		d->read += n;
	__atomic_store_n(&kd->read, d->read, __ATOMIC_RELEASE);
	__atomic_store_n(&kd->inflight, 0, __ATOMIC_RELEASE);
	return n;
}

/* Wake vsockd when dst has room again: from the first time a copied
 * direction finds it full. */
static void dst_watch_out(struct relay *r, struct pair *p, struct rdir *d)
{
	int leg = d->dst == p->fd[0] ? 0 : 1;

	if (p->out[leg])
		return;
	if (!loop_mod(r->loop, d->dst, LEG_EVENTS | EPOLLOUT, VSD_TAG(TAG_RELAY, d->dst)))
		p->out[leg] = true;
}

/* Move what src has to dst, until either would block. 0, 1 (waiting for
 * counts), or -errno (reset the pair). Only an empty ring is read into,
 * so read - copied never exceeds KEEP_RING. */
static int dir_copy(struct relay *r, struct pair *p, struct rdir *d)
{
	int i = (int)(d - p->d), ret;
	char *ring;
	ssize_t n;

	if (!d->may_copy) {
		__u64 taken;

		/* copying starts only at equality, so more means copied */
		if (tcp_taken(d->dst, &taken) || taken - d->base_taken < d->redir)
			return 1;	/* redirected bytes not all in dst's TCP */
		d->may_copy = true;
	}
	if ((ret = keep_rings(&p->k)))
		return ret;
	ring = p->k.ring[i];
	for (;;) {
		if (d->copied < d->read) {
			size_t off = d->copied % KEEP_RING, len = d->read - d->copied;

			if (len > KEEP_RING - off)
				len = KEEP_RING - off;
			n = send(d->dst, ring + off, len, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n < 0 && errno == EAGAIN) {
				dst_watch_out(r, p, d);
				return 0;
			}
			if (n < 0)
				return -errno;
			d->copied += n;
			continue;
		}
		if (d->eof)
			return dir_finish(p, d);
		n = dir_read(d, &p->k.dir[i], ring);
		if (n > 0)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -errno;
		if (dir_src_over(p, d)) {
			d->eof = true;
		} else {
			/* passed segments still on their way: their
			 * arrival wakes us; after a FIN, the timer */
			return tcp_peer_shut(d->src) ? 1 : 0;
		}
	}
}

static int dir_pump(struct relay *r, struct pair *p, struct rdir *d)
{
	int ret;

	if (d->done)
		return 0;
	dir_refresh(r, p, d);
	if (d->mode == VS_RELAY_COPY)
		return dir_copy(r, p, d);
	if (!tcp_peer_shut(d->src))
		return 0;
	ret = dir_kernel_fin(p, d);
	if (ret != 1)
		return ret;
	dir_refresh(r, p, d);	/* the last segments may have switched */
	return d->mode == VS_RELAY_COPY ? dir_copy(r, p, d) : 1;
}

static void timer_arm(struct relay *r);

/* Everything that may have changed for p; closes it when it is over. */
static void pair_run(struct relay *r, struct pair *p)
{
	int i, ret, err = p->err;

	p->waiting = false;
	/* a reset first: its RCV_SHUTDOWN must not pass for a FIN */
	for (i = 0; i < 2 && !err; i++) {
		ret = tcp_error(p->fd[i]);
		if (ret > 0) {
			pr_debug("relay %d: leg %d: %s", p->id, i, strerror(ret));
			err = -ret;
		}
	}
	for (i = 0; i < 2 && !err; i++) {
		ret = dir_pump(r, p, &p->d[i]);
		if (ret < 0) {
			pr_debug("relay %d: direction %d: %s", p->id, i, strerror(-ret));
			err = ret;
		} else if (ret == 1) {
			p->waiting = true;
		}
	}
	if (err) {
		pr_debug("relay %d: reset (%s)", p->id, strerror(-err));
		p->c.resets++;
		pair_free(r, p, true, err);
	} else if (p->d[0].done && p->d[1].done) {
		pair_free(r, p, false, 0);
	}
	timer_arm(r);
}

/* Idle timeout: bytes moved since the last look restart the clock. */
static void pair_idle(struct relay *r, struct pair *p, __u64 now)
{
	__u64 moved = p->d[0].redir + p->d[1].redir + p->d[0].copied + p->d[1].copied;

	if (moved != p->last_moved) {
		p->last_moved = moved;
		p->last_io_ms = now;
	} else if (p->o.idle_ms && now - p->last_io_ms >= p->o.idle_ms) {
		pr_debug("relay %d: idle for %u ms, reset", p->id, p->o.idle_ms);
		r->st.idle_closed++;
		pair_free(r, p, true, -ETIMEDOUT);
	}
}

static void timer_arm(struct relay *r)
{
	struct itimerspec its = { 0 };
	unsigned int ms = 0;
	int i;

	for (i = 0; i < r->npairs; i++) {
		struct pair *p = r->pairs[i];

		if (!p)
			continue;
		if (p->waiting)
			ms = WAIT_MS;
		else if (p->o.idle_ms && !ms)
			ms = IDLE_TICK_MS;
	}
	if (ms == r->timer_ms)
		return;
	its.it_interval.tv_nsec = its.it_value.tv_nsec = ms * 1000000L;
	timerfd_settime(r->timerfd, 0, &its, NULL);
	r->timer_ms = ms;
}

static void on_timer(struct relay *r)
{
	__u64 ticks, now = clock_now_ms();
	int i;

	if (read(r->timerfd, &ticks, sizeof(ticks)) < 0)
		return;
	for (i = 0; i < r->npairs; i++) {
		struct pair *p = r->pairs[i];

		if (p && p->waiting)
			pair_run(r, p);
		p = r->pairs[i];
		if (p) {
			dir_refresh(r, p, &p->d[0]);
			dir_refresh(r, p, &p->d[1]);
			pair_idle(r, p, now);
		}
	}
	timer_arm(r);
}

static void on_fd(void *ctx, __u32 low, __u32 events)
{
	struct relay *r = ctx;
	struct pair *p;

	(void)events;
	if ((int)low == r->timerfd) {
		on_timer(r);
		return;
	}
	p = pair_of_fd(r, (int)low);
	if (p)
		pair_run(r, p);
}

int relay_open(struct relay **out, struct loop *l, struct vs_loader *ld)
{
	struct relay *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	r->loop = l;
	r->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (r->timerfd < 0) {
		ret = -errno;
		free(r);
		return ret;
	}
	ret = relay_bpf_open(&r->bpf, ld);
	if (!ret)
		ret = loop_add(l, r->timerfd, EPOLLIN, VSD_TAG(TAG_RELAY, r->timerfd));
	if (ret) {
		relay_bpf_close(&r->bpf);
		close(r->timerfd);
		free(r);
		return ret;
	}
	loop_handle(l, TAG_RELAY, on_fd, r);
	*out = r;
	return 0;
}

void relay_close(struct relay *r)
{
	int i;

	if (!r)
		return;
	/* pairs in the fd store stay for the next vsockd; the others end */
	for (i = 0; i < r->npairs; i++) {
		if (!r->pairs[i])
			continue;
		if (r->pairs[i]->k.name[0])
			pair_leave(r, r->pairs[i]);
		else
			pair_free(r, r->pairs[i], false, -ECANCELED);
	}
	relay_bpf_close(&r->bpf);
	close(r->timerfd);
	free(r->pairs);
	free(r->byfd);
	free(r);
}

static int slot_new(struct relay *r)
{
	struct pair **np;
	int i, n;

	for (i = 0; i < r->npairs; i++)
		if (!r->pairs[i])
			return i;
	n = r->npairs ? 2 * r->npairs : 64;
	np = realloc(r->pairs, n * sizeof(*np));
	if (!np)
		return -ENOMEM;
	memset(np + r->npairs, 0, (n - r->npairs) * sizeof(*np));
	r->pairs = np;
	i = r->npairs;
	r->npairs = n;
	return i;
}

/* Counts before the pair: what dst's TCP took already, what src received
 * and something read (nothing, for a proxy's fresh legs). */
static int dir_base(struct rdir *d)
{
	__u64 rx, rx2, unread;
	int r;

	if ((r = tcp_taken(d->dst, &d->base_taken)))
		return r;
	do {
		if ((r = tcp_received(d->src, &rx)) || (r = tcp_unread(d->src, &unread)) ||
		    (r = tcp_received(d->src, &rx2)))
			return r;
	} while (rx != rx2);
	d->base_rx = rx - unread;
	return 0;
}

/* Into the kernel relay; on refusal the pair is plain (copied). */
static int pair_splice(struct relay *r, struct pair *p)
{
	struct relay_leg_id a = { p->fd[0], p->cookie[0] }, b = { p->fd[1], p->cookie[1] };
	int i, ret;

	for (i = 0; i < 2; i++)
		if ((ret = dir_base(&p->d[i])))
			return ret;
	relay_bpf_track(&r->bpf, &a, b.cookie);
	relay_bpf_track(&r->bpf, &b, a.cookie);
	ret = p->o.copy ? -EOPNOTSUPP : relay_bpf_splice(&r->bpf, &a, &b, p->o.bound);
	if (ret < 0) {
		pr_debug("relay %d: kernel relay refused (%s): copied", p->id, strerror(-ret));
		r->st.refused++;
		p->plain = true;
		p->d[0].mode = p->d[1].mode = VS_RELAY_COPY;
		p->d[0].may_copy = p->d[1].may_copy = true;
		return 0;
	}
	/* bytes queued before the pair: a read runs the verdict over them
	 * (the parser's recvmsg clocks a receive queue it finds non-empty),
	 * a peek too; what it passed waits for dir_copy(), like any later */
	for (i = 0; i < 2; i++) {
		char c;

		if (recv(p->d[i].src, &c, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && errno != EAGAIN)
			p->err = -errno;	/* SO_ERROR is read now */
	}
	return 0;
}

/* The legs into the fd store, so that they outlive this vsockd. */
static void pair_keep(struct relay *r, struct pair *p)
{
	struct keep_id id = { .client_cookie = p->cookie[0], .tag = p->o.tag };
	int i, ret;

	for (i = 0; i < 2; i++) {
		id.base_taken[i] = p->d[i].base_taken;
		id.base_rx[i] = p->d[i].base_rx;
	}
	ret = keep_legs(&p->k, &id, p->fd[0], p->fd[1]);
	if (ret && ret != -EOPNOTSUPP && !r->st.keep_failed++)
		pr_warn("relay: the fd store refused a pair (%s): it ends with vsockd",
			strerror(-ret));
}

struct pair *pair_new(struct relay *r, int client_fd, int backend_fd,
		      const struct relay_opts *o)
{
	struct pair *p = calloc(1, sizeof(*p));
	int id = slot_new(r), i;

	if (!p || id < 0) {
		free(p);
		close(client_fd);
		close(backend_fd);
		return NULL;
	}
	p->id = id;
	p->fd[0] = client_fd;
	p->fd[1] = backend_fd;
	p->o = o ? *o : (struct relay_opts){ 0 };
	keep_init(&p->k);
	p->last_io_ms = clock_now_ms();
	for (i = 0; i < 2; i++) {
		p->cookie[i] = vs_sock_cookie(p->fd[i]);
		p->d[i].src = p->fd[i];
		p->d[i].dst = p->fd[1 - i];
		p->d[i].src_cookie = p->cookie[i];
	}
	r->pairs[id] = p;
	r->st.pairs++;
	if (!r->st.active++)
		relay_bpf_follow(&r->bpf, true);
	return p;
}

int pair_start(struct relay *r, struct pair *p)
{
	int i, ret = 0, id = p->id;

	for (i = 0; i < 2 && !ret; i++) {
		ret = byfd_set(r, p->fd[i], id + 1);
		if (!ret)
			ret = loop_add(r->loop, p->fd[i], LEG_EVENTS, VSD_TAG(TAG_RELAY, p->fd[i]));
	}
	if (ret) {
		p->o.on_close = NULL;	/* the caller hears it from the return */
		pair_free(r, p, true, ret);
		return ret;
	}
	pair_run(r, p);
	return id;
}

int relay_pair(struct relay *r, int client_fd, int backend_fd,
	       const struct relay_opts *o)
{
	struct pair *p = pair_new(r, client_fd, backend_fd, o);
	int ret;

	if (!p)
		return -ENOMEM;
	ret = pair_splice(r, p);
	if (ret) {
		p->o.on_close = NULL;
		pair_free(r, p, true, ret);
		return ret;
	}
	pair_keep(r, p);
	return pair_start(r, p);
}

int relay_pair_counts(struct relay *r, int id, struct relay_counts *out)
{
	struct pair *p = id >= 0 && id < r->npairs ? r->pairs[id] : NULL;

	if (!p)
		return -ENOENT;
	dir_refresh(r, p, &p->d[0]);
	dir_refresh(r, p, &p->d[1]);
	pair_counts(p, out);
	return 0;
}

void relay_stats(struct relay *r, struct relay_stats *out)
{
	struct relay_counts c;
	int i;

	*out = r->st;
	loader_read_relay_counters(r->bpf.ld, out->verdict);
	for (i = 0; i < r->npairs; i++) {
		if (!r->pairs[i])
			continue;
		relay_pair_counts(r, i, &c);
		counts_add(&out->c, &c);
	}
}
