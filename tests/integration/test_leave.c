// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The leave torture test: at least 10 000 sockets leave the sockhash while
 * their peer sends to them at full speed from several threads at once, in
 * both directions, and every byte arrives once and in order.
 *
 * Several threads sending on one socket interleave their bytes wherever
 * the kernel lets them (a redirected sendmsg drops the socket lock between
 * chunks), so the stream carries no records. Each byte names its sender
 * instead: the top bit is the thread, the low seven bits are a hash of the
 * thread's own byte count. The reader splits the stream by the top bit and
 * checks each thread's bytes in order: a byte lost, duplicated or moved
 * shifts the count and breaks the hash at once; at the end each thread's
 * count must equal what its send() calls accepted.
 *
 * The leave: each reader turns its own file blocking at a random point of
 * its stream (fcntl), so the socket leaves the sockhash at its next
 * callback while the peer's senders are inside redirects to it. The
 * readers wait in poll() and read with MSG_DONTWAIT, as event loops do;
 * a read sleeping on a blocking file while it leaves is test_blocking's
 * and test_duplex's matter (docs/architecture.md, "Known residual"). */
#include <poll.h>
#include <stdarg.h>
#include "testlib.h"

#define LV_SENDERS	2		/* threads sending on each socket */
#define LV_PER_THREAD	(64 * KiB)	/* bytes each sending thread moves */
#define LV_CONNS	16		/* connections streaming at once */
#define LV_LEAVES	10000		/* sockets that must leave */
#define LV_MAX_ROUNDS	3000		/* a socket whose peer's FIN reached its psock while
				   a thread held it stays until close: ~18 % of the
				   sockets leave, 1500-1700 rounds */

/* Thread t's pattern: one hash per 8 bytes of its stream. */
struct lv_pat {
	unsigned int t;
	uint64_t blk;		/* block of word, ~0 none yet */
	uint64_t word;
};

/* The byte at position pos of p's thread's stream. */
static inline uint8_t lv_byte(struct lv_pat *p, uint64_t pos)
{
	if (pos >> 3 != p->blk) {
		p->blk = pos >> 3;
		p->word = tl_mix64(p->blk * LV_SENDERS + p->t);
	}
	return (uint8_t)((p->t << 7) | ((p->word >> ((pos & 7) * 8)) & 0x7f));
}

struct lv_dir {			/* one direction: senders on fd, read on peer */
	int fd;
	uint64_t seed;
	int running;		/* senders still sending; the last shuts down */
	uint64_t sent[LV_SENDERS];
	uint64_t got[LV_SENDERS];
	struct lv_pat pat[LV_SENDERS];	/* the reader's, per thread */
	uint64_t received;
	uint64_t leave_at;	/* the reader turns blocking after this many */
	bool turned;
	bool eof;
	int err;
	char why[200];
};

struct lv_sender {
	struct lv_dir *d;
	unsigned int t;
};

struct lv_conn {
	int c, s;
	struct lv_dir dir[2];	/* [0] c → s, [1] s → c */
	struct lv_sender snd[2][LV_SENDERS];
	pthread_t th[2 * LV_SENDERS + 1];
	int nth;
};

static TL_PRINTF(3, 4) void lv_fail(struct lv_dir *d, int err, const char *fmt, ...)
{
	va_list ap;

	if (d->err)
		return;
	d->err = err;
	va_start(ap, fmt);
	vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
	/* the other transfers stop; the first failure is the cause */
	if (!__atomic_exchange_n(&tl.abort, 1, __ATOMIC_SEQ_CST))
		snprintf(tl.first_why, sizeof(tl.first_why), "%s", d->why);
}

static void *lv_send_thread(void *arg)
{
	struct lv_sender *sd = arg;
	struct lv_dir *d = sd->d;
	uint64_t rng = d->seed * 7 + sd->t, pos = 0, deadline = tl_now_ms() + 30000;
	uint8_t *buf = malloc(64 * KiB);
	struct lv_pat pat = { .t = sd->t, .blk = ~0ull };

	if (!buf)
		lv_fail(d, -ENOMEM, "malloc");
	/* its own loop, not tl_send_all(): MSG_DONTWAIT, because the peer's
	 * reader may turn this file blocking, and a send asleep in the
	 * kernel would not see the case abort */
	while (buf && pos < LV_PER_THREAD && !tl.abort) {
		size_t n = 1ull << tl_rand_range(&rng, 0, 16), off = 0, i;

		if (n > 64 * KiB)
			n = 64 * KiB;
		if (n > LV_PER_THREAD - pos)
			n = LV_PER_THREAD - pos;
		for (i = 0; i < n; i++)
			buf[i] = lv_byte(&pat, pos + i);
		while (off < n && !tl.abort) {
			ssize_t w = send(d->fd, buf + off, n - off, MSG_DONTWAIT | MSG_NOSIGNAL);

			if (w > 0) {
				off += w;
				continue;
			}
			if (w < 0 && errno != EAGAIN && errno != EINTR) {
				lv_fail(d, -errno, "send after %llu bytes: %s",
					(unsigned long long)(pos + off), strerror(errno));
				break;
			}
			if (tl_wait(d->fd, POLLOUT, deadline) <= 0) {
				lv_fail(d, -ETIMEDOUT, "send: no room for 30 s (%llu of %llu)",
					(unsigned long long)(pos + off), LV_PER_THREAD);
				break;
			}
		}
		pos += off;
	}
	free(buf);
	d->sent[sd->t] = pos;
	if (__atomic_sub_fetch(&d->running, 1, __ATOMIC_SEQ_CST) == 0)
		shutdown(d->fd, SHUT_WR);
	return NULL;
}

/* Check and count what arrived of direction d. */
static void lv_take(struct lv_dir *d, const uint8_t *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned int t = buf[i] >> 7;

		if (t >= LV_SENDERS || buf[i] != lv_byte(&d->pat[t], d->got[t])) {
			lv_fail(d, -EILSEQ, "stream byte %llu: wrong byte for its thread's "
				"position %llu (lost, duplicated or reordered)",
				(unsigned long long)(d->received + i),
				(unsigned long long)(t < LV_SENDERS ? d->got[t] : 0));
			return;
		}
		d->got[t]++;
	}
	d->received += n;
}

/* One reader for both ends of a connection: poll, read without sleeping,
 * and turn each end blocking at its point of the stream. */
static void *lv_read_thread(void *arg)
{
	struct lv_conn *k = arg;
	uint64_t deadline = tl_now_ms() + 30000;
	uint8_t *buf = malloc(256 * KiB);

	if (!buf)
		lv_fail(&k->dir[0], -ENOMEM, "malloc");
	while (buf && !(k->dir[0].eof && k->dir[1].eof) && !tl.abort) {
		struct pollfd p[2] = { { .fd = k->s, .events = POLLIN },
				       { .fd = k->c, .events = POLLIN } };
		int i;

		if (tl_now_ms() > deadline) {
			lv_fail(&k->dir[0], -ETIMEDOUT, "read: no end of stream in 30 s "
				"(%llu and %llu bytes)", (unsigned long long)k->dir[0].received,
				(unsigned long long)k->dir[1].received);
			break;
		}
		if (poll(p, 2, 100) < 0 && errno != EINTR)
			break;
		for (i = 0; i < 2; i++) {
			struct lv_dir *d = &k->dir[i];
			ssize_t r;

			if (d->eof || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = recv(p[i].fd, buf, 256 * KiB, MSG_DONTWAIT);
			if (r == 0) {
				d->eof = true;
			} else if (r > 0) {
				lv_take(d, buf, r);
				if (!d->turned && d->received >= d->leave_at) {
					d->turned = true;
					r = tl_set_nonblock(p[i].fd, false);
					if (r)
						lv_fail(d, (int)r, "fcntl at byte %llu: %s",
							(unsigned long long)d->received,
							strerror((int)-r));
				}
			} else if (errno != EAGAIN && errno != EINTR) {
				/* EFAULT included: a 0-byte FIN msg left on a
				 * psock that outlived its leave (architecture.md,
				 * "A zero-byte FIN on the psock") */
				int e = errno;

				tl_show("reader", p[i].fd);	/* may change errno */
				lv_fail(d, -e, "recv at byte %llu: %s",
					(unsigned long long)d->received, strerror(e));
			}
		}
	}
	free(buf);
	return NULL;
}

static int lv_open(struct lv_conn *k, int lfd, uint64_t seed)
{
	int i, j, r;

	memset(k, 0, sizeof(*k));
	k->s = -1;
	k->c = tl_connect(AF_INET, NULL, tl_port(lfd), true);
	if (k->c < 0)
		return k->c;
	r = tl_wait_connected(k->c, 5000);
	if (r)
		return r;
	k->s = tl_accept(lfd, true, 5000);
	if (k->s < 0)
		return k->s;
	for (i = 0; i < 2; i++) {
		struct lv_dir *d = &k->dir[i];

		d->fd = i ? k->s : k->c;
		d->seed = tl_mix64(seed + i);
		d->running = LV_SENDERS;
		for (j = 0; j < LV_SENDERS; j++)
			d->pat[j] = (struct lv_pat){ .t = j, .blk = ~0ull };
		/* somewhere in the first three quarters: the peer still sends */
		d->leave_at = tl_mix64(d->seed) % (LV_SENDERS * LV_PER_THREAD * 3 / 4);
		for (j = 0; j < LV_SENDERS; j++) {
			k->snd[i][j] = (struct lv_sender){ .d = d, .t = j };
			if (pthread_create(&k->th[k->nth], NULL, lv_send_thread, &k->snd[i][j]))
				return -EAGAIN;
			k->nth++;
		}
	}
	if (pthread_create(&k->th[k->nth], NULL, lv_read_thread, k))
		return -EAGAIN;
	k->nth++;
	return 0;
}

/* Join the threads; 0 when both directions arrived whole. */
static int lv_finish(struct lv_conn *k, char *why, size_t len)
{
	int i, j, err = 0;

	for (i = 0; i < k->nth; i++)
		pthread_join(k->th[i], NULL);
	k->nth = 0;
	for (i = 0; i < 2 && !err; i++) {
		struct lv_dir *d = &k->dir[i];

		if (d->err) {
			snprintf(why, len, "%s: %s", i ? "server to client" : "client to server",
				 d->why);
			err = d->err;
			break;
		}
		for (j = 0; j < LV_SENDERS; j++) {
			if (d->got[j] != d->sent[j]) {
				snprintf(why, len, "%s, thread %d: sent %llu, received %llu",
					 i ? "server to client" : "client to server", j,
					 (unsigned long long)d->sent[j],
					 (unsigned long long)d->got[j]);
				err = -EIO;
				break;
			}
		}
	}
	return err;
}

/* Rounds of LV_CONNS connections until LV_LEAVES sockets have left the
 * sockhash for turning blocking; every socket of every round must be on
 * the fast path when its stream starts and off it, for that reason, when
 * it ends. */
static int case_leave_torture(void)
{
	struct lv_conn *k = calloc(LV_CONNS, sizeof(*k));
	__u64 c0[VS_C_MAX], c[VS_C_MAX], redir = 0, bytes = 0, left = 0;
	uint64_t seed = tl_now_ns(), t0 = tl_now_ms();
	int lfd = -1, round, i, r;
	char why[300];

	TL_EXPECT(k, "calloc");
	for (i = 0; i < LV_CONNS; i++)
		k[i].c = k[i].s = -1;
	lfd = tl_listen(AF_INET, NULL, 0, true);
	TL_EXPECT(lfd >= 0, "listen: %s", strerror(-lfd));
	tl_diag("seed %llu", (unsigned long long)seed);
	tl_stats(c0);
	for (round = 0; round < LV_MAX_ROUNDS && left < LV_LEAVES; round++) {
		for (i = 0; i < LV_CONNS; i++) {
			r = lv_open(&k[i], lfd, tl_mix64(seed + round * LV_CONNS + i));
			TL_EXPECT(!r, "round %d, connection %d: %s (%s)", round, i, strerror(-r),
				  tl.first_why);
		}
		for (i = 0; i < LV_CONNS; i++) {
			struct vs_sock_entry ce, se;

			r = lv_finish(&k[i], why, sizeof(why));
			if (r) {
				tl_show("client", k[i].c);
				tl_show("server", k[i].s);
				TL_FAIL("round %d, connection %d: %s (first failure: %s)", round, i,
					why, tl.first_why);
				goto out;
			}
			/* every byte each send() accepted is counted once, redirected
			 * or passed, with two threads in send calls at once */
			TL_EXPECT(!tl_accounting("client", k[i].c, LV_SENDERS * LV_PER_THREAD, &ce,
						 why, sizeof(why)) &&
				  !tl_accounting("server", k[i].s, LV_SENDERS * LV_PER_THREAD, &se,
						 why, sizeof(why)),
				  "round %d, connection %d: %s", round, i, why);
			redir += ce.tx_redir_bytes + se.tx_redir_bytes;
			bytes += 2 * LV_SENDERS * LV_PER_THREAD;
			tl_close(k[i].c);
			tl_close(k[i].s);
			k[i].c = k[i].s = -1;
		}
		tl_stats(c);
		left = c[VS_C_LEFT_BLOCKING] - c0[VS_C_LEFT_BLOCKING];
	}
	tl_stats(c);
	tl_diag("left: blocking %llu, done %llu; passed for no_peer %llu, blocking %llu",
		(unsigned long long)(c[VS_C_LEFT_BLOCKING] - c0[VS_C_LEFT_BLOCKING]),
		(unsigned long long)(c[VS_C_LEFT_DONE] - c0[VS_C_LEFT_DONE]),
		(unsigned long long)(c[VS_C_PASS_NO_PEER] - c0[VS_C_PASS_NO_PEER]),
		(unsigned long long)(c[VS_C_PASS_BLOCKING] - c0[VS_C_PASS_BLOCKING]));
	tl_diag("%.1f s", (tl_now_ms() - t0) / 1000.0);
	tl_diag("%d rounds, %d connections, %llu sockets left the sockhash while their peer "
		"sent from %d threads; %.0f%% of %llu MiB redirected, every byte in order",
		round, round * LV_CONNS, (unsigned long long)left, LV_SENDERS,
		100.0 * redir / bytes, (unsigned long long)(bytes / MiB));
	TL_EXPECT(left >= LV_LEAVES, "only %llu leaves in %d rounds", (unsigned long long)left,
		  round);
	TL_EXPECT(redir * 10 >= bytes, "only %llu of %llu bytes redirected: the fast path "
		  "was hardly used before the leaves", (unsigned long long)redir,
		  (unsigned long long)bytes);
	TL_EXPECT(c[VS_C_RX_BLOCKING_EAGAIN] == c0[VS_C_RX_BLOCKING_EAGAIN],
		  "the blocking-read monitor counted EAGAINs");
out:
	if (tl.failed)
		tl.abort = 1;	/* threads still running stop */
	for (i = 0; k && i < LV_CONNS; i++) {
		lv_finish(&k[i], why, sizeof(why));
		tl_close(k[i].c);
		tl_close(k[i].s);
	}
	free(k);
	tl_close(lfd);
	return tl_verdict();
}

static void *fin_send_thread(void *arg)
{
	static char big[8 << 20];
	int fd = *(int *)arg;

	(void)!send(fd, big, sizeof(big), MSG_NOSIGNAL);	/* sleeps for room */
	return NULL;
}

static ssize_t fin_read_ret;

static void *fin_read_thread(void *arg)
{
	char b;

	fin_read_ret = recv(*(int *)arg, &b, 1, 0);	/* asleep until the FIN */
	return NULL;
}

/* The torture test's EFAULT, made deterministic. A blocking reader asleep
 * in tcp_bpf_recvmsg_parser() when the peer's FIN arrives needs the FIN on
 * the psock (vsock_rx passes it: a 0-byte msg) and wakes with 0. Later one
 * of the socket's own threads sleeps in send() (a psock reference) and the
 * socket, blocking, would leave: leaving then kept the psock alive with
 * the FIN msg on it behind tcp_bpf_recvmsg, and recv returned EFAULT
 * (architecture.md, "A zero-byte FIN on the psock"). TCP returns 0 at
 * every read after the FIN. */
static int case_fin_on_psock_then_leave(void)
{
	struct timeval tv = { .tv_sec = 2 };
	struct vs_sock_entry e;
	int c = -1, s = -1, small = 4096, i, err = 0, err2 = 0;
	pthread_t rd, th;
	bool rd_started = false, th_started = false;
	ssize_t r = 0, r2 = 0;
	char b;

	TL_EXPECT(!tl_pair(AF_INET, true, &c, &s), "pair");
	TL_EXPECT(!tl_entry(s, &e) && e.in_sockhash, "the server end is not in the sockhash");
	setsockopt(s, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	TL_EXPECT(!tl_set_nonblock(s, false), "fcntl");	/* starts leaving */
	fin_read_ret = -2;
	TL_EXPECT(!pthread_create(&rd, NULL, fin_read_thread, &s), "thread");
	rd_started = true;
	tl_sleep_ms(100);
	shutdown(c, SHUT_WR);		/* the reader keeps s in the map: FIN to the psock */
	pthread_join(rd, NULL);
	rd_started = false;
	TL_EXPECT(fin_read_ret == 0, "blocking recv at the FIN: %zd", fin_read_ret);
	TL_EXPECT(!pthread_create(&th, NULL, fin_send_thread, &s), "thread");
	th_started = true;
	tl_sleep_ms(300);		/* it sends, then sleeps: callbacks run */
	for (i = 0; i < 3 && !r; i++) {
		r = recv(s, &b, 1, MSG_DONTWAIT);
		err = errno;
	}
	tl_entry(s, &e);
	tl_diag("server end in the sockhash: %d, reason %s", e.in_sockhash,
		tl_reason_name(e.reason));
	pthread_join(th, NULL);
	th_started = false;
	r2 = recv(s, &b, 1, MSG_DONTWAIT);
	err2 = errno;
	TL_EXPECT(r == 0, "recv after the peer's FIN, the socket leaving: %zd (%s), "
		  "TCP returns 0", r, r < 0 ? strerror(err) : "data");
	TL_EXPECT(r2 == 0, "recv after the sender: %zd (%s)", r2, r2 < 0 ? strerror(err2) : "data");
out:
	if (rd_started) {
		shutdown(c, SHUT_WR);
		pthread_join(rd, NULL);
	}
	if (th_started)
		pthread_join(th, NULL);
	tl_close(c);
	tl_close(s);
	return tl_verdict();
}

static const struct tl_case cases[] = {
	{ "fin_on_psock_then_leave_with_sender_asleep", case_fin_on_psock_then_leave, 20 },
	{ "leave_10000_under_duplex_multithread_senders", case_leave_torture, 300 },
};

int main(void)
{
	return tl_main("test_leave", cases, TL_NCASES(cases));
}
