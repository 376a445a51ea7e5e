// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Pattern transfers: one side of a stream each, usable as a thread; the
 * reader checks every byte and says where wrong bytes belong. */
#include "testlib.h"

/* Other transfers of the case stop; the first failure is the cause. */
static void tl_xfer_failed(const struct tl_xfer *x)
{
	if (!__atomic_exchange_n(&tl.abort, 1, __ATOMIC_SEQ_CST))
		snprintf(tl.first_why, sizeof(tl.first_why), "%s", x->why);
}

/* Size of the next I/O of x, at most cap. */
static size_t tl_xfer_size(struct tl_xfer *x, size_t cap)
{
	size_t lo = x->min_io ? x->min_io : cap;
	unsigned int bits, lb = 0, hb = 0;

	if (lo >= cap)
		return cap;
	if (!x->log_io)
		return tl_rand_range(&x->rng, lo, cap);
	while ((2ull << lb) <= lo)
		lb++;
	while ((2ull << hb) <= cap)
		hb++;
	bits = tl_rand_range(&x->rng, lb, hb);	/* a power-of-two band, then a size in it */
	lo = lo > (1ull << bits) ? lo : 1ull << bits;
	cap = cap < (2ull << bits) - 1 ? cap : (2ull << bits) - 1;
	return lo >= cap ? cap : tl_rand_range(&x->rng, lo, cap);
}

/* The delay before the first I/O, and the random pauses between I/Os. */
static void tl_xfer_pause(struct tl_xfer *x, bool first)
{
	if (first && x->delay_ms)
		tl_sleep_ms(x->delay_ms);
	else if (x->pause_pct && (int)tl_rand_range(&x->rng, 1, 100) <= x->pause_pct)
		tl_sleep_ms(tl_rand_range(&x->rng, 0, x->pause_max_ms));
}

/* Start x: results reset, an I/O buffer of *cap bytes (NULL with x->err
 * set when there is none), the transfer's deadline. */
static char *tl_xfer_begin(struct tl_xfer *x, size_t *cap, uint64_t *deadline)
{
	char *buf;

	*cap = x->max_io ? x->max_io : 65536;
	x->done = 0;
	x->err = 0;
	buf = malloc(*cap);
	if (!buf) {
		x->err = -ENOMEM;
		snprintf(x->why, sizeof(x->why), "malloc");
		return NULL;
	}
	*deadline = tl_now_ms() + (x->timeout_ms ? x->timeout_ms : TL_IO_TIMEOUT_MS);
	return buf;
}

/* End x: its duration; a failure stops the case's other transfers. */
static int tl_xfer_end(struct tl_xfer *x, char *buf, uint64_t t0)
{
	x->secs = (tl_now_ns() - t0) / 1e9;
	free(buf);
	if (x->err && x->err != -ECANCELED)
		tl_xfer_failed(x);
	return x->err;
}

int tl_xfer_send(struct tl_xfer *x)
{
	uint64_t t0 = tl_now_ns(), deadline;
	size_t cap, n, s;
	char *buf = tl_xfer_begin(x, &cap, &deadline);
	ssize_t r;

	if (!buf)
		return x->err;
	while (x->done < x->len) {
		tl_xfer_pause(x, !x->nio);
		n = tl_xfer_size(x, cap);
		if (n > x->len - x->done)
			n = x->len - x->done;
		tl_pat_fill(x->seed, x->off + x->done, buf, n);
		r = tl_send_all(x->fd, buf, n, (int)(deadline > tl_now_ms() ?
						     deadline - tl_now_ms() : 1), &s);
		x->done += s;
		x->nio++;
		if (r < 0) {
			x->err = (int)r;
			snprintf(x->why, sizeof(x->why), "send at %llu of %llu: %s",
				 (unsigned long long)x->done, (unsigned long long)x->len,
				 strerror((int)-r));
			break;
		}
	}
	if (!x->err && x->shut_wr && shutdown(x->fd, SHUT_WR)) {
		x->err = -errno;
		snprintf(x->why, sizeof(x->why), "shutdown: %s", strerror(errno));
	}
	return tl_xfer_end(x, buf, t0);
}

/* Where in x's stream the bytes that came instead of the expected ones
 * belong: tells a loss (they are later bytes) from a duplicate (earlier). */
static const char *tl_pat_whence(const struct tl_xfer *x, uint64_t bad_off,
				 const char *got, size_t n)
{
	static __thread char msg[96];
	size_t k = n < 16 ? n : 16;
	char *all;
	void *at;

	snprintf(msg, sizeof(msg), "not from this stream");
	if (k < 4 || x->len > 256 * MiB || !(all = malloc(x->len)))
		return k < 4 ? "too short to place" : msg;
	tl_pat_fill(x->seed, x->off, all, x->len);
	at = memmem(all, x->len, got, k);
	if (at) {
		long long d = (long long)((char *)at - all) - (long long)(x->done + bad_off);

		snprintf(msg, sizeof(msg), "they belong at offset %llu: %lld bytes %s",
			 (unsigned long long)(x->off + ((char *)at - all)),
			 d < 0 ? -d : d, d > 0 ? "skipped (lost or overtaken)" : "again (duplicated)");
	}
	free(all);
	return msg;
}

/* Check n bytes read by x against its stream; 0, or -1 with x->err set. */
static int tl_xfer_take(struct tl_xfer *x, const char *buf, size_t n)
{
	long long bad;

	if (x->done + n > x->len) {
		x->err = -EPROTO;
		snprintf(x->why, sizeof(x->why), "%zu bytes beyond the %llu expected", n,
			 (unsigned long long)x->len);
		return -1;
	}
	bad = tl_pat_check(x->seed, x->off + x->done, buf, n);
	if (bad >= 0) {
		x->err = -EILSEQ;
		snprintf(x->why, sizeof(x->why),
			 "wrong byte at stream offset %llu (read of %zu at %llu; %s)",
			 (unsigned long long)(x->off + x->done + bad), n,
			 (unsigned long long)(x->off + x->done),
			 tl_pat_whence(x, bad, buf + bad, n - bad));
		return -1;
	}
	x->done += n;
	x->nio++;
	return 0;
}

/* The FIONREAD reader (x->fionread): returns when done or failed. A
 * FIONREAD that says 0 while bytes wait makes it stall: the transfer
 * deadline then fails it with what MSG_PEEK finds. */
static void tl_xfer_recv_fionread(struct tl_xfer *x, char *buf, size_t cap,
				  uint64_t deadline)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET };
	bool first = true, hup = false;
	int ep = epoll_create1(EPOLL_CLOEXEC), avail, r;
	ssize_t n;

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, x->fd, &ev)) {
		x->err = -errno;
		snprintf(x->why, sizeof(x->why), "epoll: %s", strerror(errno));
		goto out;
	}
	while (x->done < x->len || x->expect_eof) {
		tl_xfer_pause(x, first);
		first = false;
		if (ioctl(x->fd, FIONREAD, &avail)) {
			x->err = -errno;
			snprintf(x->why, sizeof(x->why), "FIONREAD: %s", strerror(errno));
			break;
		}
		if (avail > 0) {
			size_t want = tl_xfer_size(x, cap);

			if ((size_t)avail < want)
				want = avail;
			n = recv(x->fd, buf, want, MSG_DONTWAIT);
			if (n <= 0) {
				x->err = n ? -errno : -EPROTO;
				snprintf(x->why, sizeof(x->why),
					 "FIONREAD said %d, recv of %zu returned %zd (%s) after %llu bytes",
					 avail, want, n, n ? strerror(errno) : "EOF",
					 (unsigned long long)x->done);
				break;
			}
			if (tl_xfer_take(x, buf, n))
				break;
			continue;
		}
		if (hup) {	/* FIONREAD 0 after the peer's FIN: end of stream */
			n = recv(x->fd, buf, 1, MSG_DONTWAIT);
			if (n == 0 && x->done == x->len)
				break;
			x->err = -EPROTO;
			snprintf(x->why, sizeof(x->why),
				 "FIONREAD 0 after FIN at %llu of %llu bytes, then recv returned %zd",
				 (unsigned long long)x->done, (unsigned long long)x->len, n);
			break;
		}
		r = 0;
		while (!r && tl_now_ms() < deadline && !tl.abort)
			r = epoll_wait(ep, &ev, 1, 100);
		if (r > 0) {
			hup = ev.events & (EPOLLRDHUP | EPOLLHUP);
			continue;
		}
		n = recv(x->fd, buf, cap, MSG_PEEK | MSG_DONTWAIT);
		x->err = tl.abort ? -ECANCELED : -ETIMEDOUT;
		snprintf(x->why, sizeof(x->why),
			 "stalled after %llu of %llu bytes: FIONREAD 0 and no edge, "
			 "while recv(MSG_PEEK) finds %zd bytes",
			 (unsigned long long)x->done, (unsigned long long)x->len, n);
		break;
	}
out:
	if (ep >= 0)
		close(ep);
}

int tl_xfer_recv(struct tl_xfer *x)
{
	uint64_t t0 = tl_now_ns(), deadline;
	bool nb = fcntl(x->fd, F_GETFL) & O_NONBLOCK, first = true;
	size_t cap, want;
	char *buf = tl_xfer_begin(x, &cap, &deadline);
	ssize_t n;
	int r;

	if (!buf)
		return x->err;
	if (x->fionread)
		tl_xfer_recv_fionread(x, buf, cap, deadline);
	while (!x->fionread && (x->done < x->len || x->expect_eof)) {
		tl_xfer_pause(x, first);
		first = false;
		want = tl_xfer_size(x, cap);
		if (x->done < x->len && want > x->len - x->done)
			want = x->len - x->done;
		n = recv(x->fd, buf, want, x->spin ? MSG_DONTWAIT : 0);
		if (n > 0) {
			if (tl_xfer_take(x, buf, n))
				break;
			continue;
		}
		if (n < 0 && errno == EAGAIN && x->spin && tl_now_ms() < deadline && !tl.abort)
			continue;
		if (n == 0) {
			if (x->done < x->len) {
				x->err = -EPIPE;
				snprintf(x->why, sizeof(x->why), "EOF after %llu of %llu bytes",
					 (unsigned long long)x->done,
					 (unsigned long long)x->len);
			}
			break;
		}
		if (errno == EINTR)
			continue;
		/* the file may have changed mode since (fcntl by the test):
		 * EAGAIN is an answer only for a non-blocking one */
		nb = fcntl(x->fd, F_GETFL) & O_NONBLOCK;
		if (errno == EAGAIN && !nb && x->eagain_ok && tl_now_ms() < deadline) {
			x->eagains++;
			continue;
		}
		if (errno == EAGAIN && nb) {
			r = tl_wait(x->fd, POLLIN, deadline);
			if (r > 0)
				continue;
			x->err = r ? r : -ETIMEDOUT;
		} else {
			x->err = -errno;
		}
		snprintf(x->why, sizeof(x->why), "recv after %llu of %llu bytes%s: %s",
			 (unsigned long long)x->done, (unsigned long long)x->len,
			 x->done >= x->len ? " (waiting for EOF)" : "",
			 strerror(-x->err));
		break;
	}
	return tl_xfer_end(x, buf, t0);
}

void *tl_xfer_send_thread(void *arg)
{
	tl_xfer_send(arg);
	return NULL;
}

void *tl_xfer_recv_thread(void *arg)
{
	tl_xfer_recv(arg);
	return NULL;
}

int tl_xfer_stream(int c, int s, struct tl_xfer *tx, struct tl_xfer *rx)
{
	pthread_t th;

	tx->fd = c;
	rx->fd = s;
	if (pthread_create(&th, NULL, tl_xfer_recv_thread, rx))
		return -1;
	tl_xfer_send(tx);
	if (tx->err)
		shutdown(s, SHUT_RDWR);	/* let the reader stop */
	pthread_join(th, NULL);
	return 0;
}

int tl_xfer_duplex(struct tl_duplex *d, char *why, size_t len)
{
	/* readers first: a wrong byte is the cause, a stalled sender its effect */
	const struct { struct tl_xfer *x; void *(*fn)(void *); const char *what; } io[4] = {
		{ &d->s_rx, tl_xfer_recv_thread, "server read" },
		{ &d->c_rx, tl_xfer_recv_thread, "client read" },
		{ &d->c_tx, tl_xfer_send_thread, "client send" },
		{ &d->s_tx, NULL, "server send" },	/* in this thread */
	};
	pthread_t th[3];
	int i, n;

	for (n = 0; n < 3; n++)
		if (pthread_create(&th[n], NULL, io[n].fn, io[n].x))
			break;
	if (n == 3)
		tl_xfer_send(&d->s_tx);
	if (n < 3 || d->s_tx.err) {	/* let the others stop */
		shutdown(d->c_tx.fd, SHUT_RDWR);
		shutdown(d->s_tx.fd, SHUT_RDWR);
	}
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	if (n < 3)
		return snprintf(why, len, "pthread_create"), -1;
	for (i = 0; i < 4; i++)
		if (io[i].x->err)
			return snprintf(why, len, "%s: %s", io[i].what, io[i].x->why), -1;
	return 0;
}

void tl_duplex_fill(struct tl_duplex *d, int c, int s, uint64_t len, uint64_t off, bool paced)
{
	const struct tl_xfer tx = { .len = len, .off = off, .min_io = 16 * KiB,
				    .max_io = 256 * KiB, .log_io = true, .timeout_ms = 30000,
				    .pause_pct = paced ? 100 : 0, .pause_max_ms = 4 };
	const struct tl_xfer rx = { .len = len, .off = off, .min_io = 1, .max_io = 256 * KiB,
				    .timeout_ms = 30000 };

	d->c_tx = tx;
	d->c_tx.fd = c;
	d->c_tx.seed = 71;
	d->c_tx.rng = 71 + off;
	d->s_tx = tx;
	d->s_tx.fd = s;
	d->s_tx.seed = 72;
	d->s_tx.rng = 72 + off;
	d->s_rx = rx;
	d->s_rx.fd = s;
	d->s_rx.seed = 71;
	d->s_rx.rng = 3;
	d->c_rx = rx;
	d->c_rx.fd = c;
	d->c_rx.seed = 72;
	d->c_rx.rng = 5;
}

static void *duplex_thread(void *arg)
{
	struct tl_duplex_run *run = arg;

	run->r = tl_xfer_duplex(&run->d, run->why, sizeof(run->why));
	return NULL;
}

int tl_duplex_start(struct tl_duplex_run *run)
{
	run->r = -1;
	run->started = !pthread_create(&run->th, NULL, duplex_thread, run);
	return run->started ? 0 : -1;
}

int tl_duplex_join(struct tl_duplex_run *run)
{
	if (run->started)
		pthread_join(run->th, NULL);
	run->started = false;
	return run->r;
}

void tl_duplex_abort(struct tl_duplex_run *run)
{
	if (!run->started)
		return;
	tl.abort = 1;
	shutdown(run->d.c_tx.fd, SHUT_RDWR);
	shutdown(run->d.s_tx.fd, SHUT_RDWR);
	tl_duplex_join(run);
}

int tl_ping(int c, int s)
{
	char b = 'x';

	if (tl_send_all(c, &b, 1, 5000, NULL) != 1 || tl_recv_all(s, &b, 1, 5000) != 1 ||
	    tl_send_all(s, &b, 1, 5000, NULL) != 1 || tl_recv_all(c, &b, 1, 5000) != 1)
		return -1;
	return 0;
}
