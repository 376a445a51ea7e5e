// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Data on the fast path: a 256 MiB stream, request/response both ways,
 * MSG_PEEK, and edge-triggered epoll ping-pong. Every byte is verified
 * against its pattern and every case checks the socket table and the
 * global counters. */
#include <ctype.h>
#include <sys/epoll.h>
#include "testlib.h"

/* b) 256 MiB, random write sizes 1 B..256 KiB, nonblocking both ends. */
static int case_stream_256m(void)
{
	const __u64 total = 256 * MiB;
	struct tl_xfer tx = { .seed = 0x5eed1, .len = total, .min_io = 1,
			      .max_io = 256 * KiB, .rng = 42, .timeout_ms = 90000,
			      .shut_wr = true };
	struct tl_xfer rx = { .seed = 0x5eed1, .len = total, .max_io = 256 * KiB,
			      .timeout_ms = 90000, .expect_eof = true };
	__u64 st0[VS_C_MAX], st1[VS_C_MAX];
	struct vs_sock_entry ce, se;
	int c = -1, s = -1, r;

	r = tl_pair(AF_INET, true, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	TL_EXPECT(!tl_stats(st0), "loader_read_stats");
	TL_EXPECT(!tl_xfer_stream(c, s, &tx, &rx), "pthread_create");
	TL_EXPECT(!tx.err && !rx.err, "sender: %s; reader: %s", tx.err ? tx.why : "ok",
		  rx.err ? rx.why : "ok");
	TL_EXPECT(rx.done == total, "reader got %llu of %llu",
		  (unsigned long long)rx.done, (unsigned long long)total);
	TL_EXPECT(!tl_stats(st1), "loader_read_stats");
	TL_EXPECT(!tl_entry(c, &ce) && !tl_entry(s, &se), "socket-table entries missing");
	tl_diag("%llu MiB in %.2f s (%.0f MiB/s), %llu writes, %llu reads; client redirected %.1f%% "
		"(%llu B in %llu msgs, passed %llu B), final reason %s",
		(unsigned long long)(total / MiB), rx.secs, total / MiB / rx.secs,
		(unsigned long long)tx.nio, (unsigned long long)rx.nio,
		100.0 * ce.tx_redir_bytes / total,
		(unsigned long long)ce.tx_redir_bytes, (unsigned long long)ce.tx_redir_msgs,
		(unsigned long long)ce.tx_pass_bytes, tl_reason_name(ce.reason));
	tl_diag("counters: pass_queue_limit +%llu, pass_tcp_unread +%llu, to_pass +%llu, to_redirect +%llu",
		(unsigned long long)(st1[VS_C_PASS_QUEUE_LIMIT] - st0[VS_C_PASS_QUEUE_LIMIT]),
		(unsigned long long)(st1[VS_C_PASS_TCP_UNREAD] - st0[VS_C_PASS_TCP_UNREAD]),
		(unsigned long long)(st1[VS_C_TO_PASS] - st0[VS_C_TO_PASS]),
		(unsigned long long)(st1[VS_C_TO_REDIRECT] - st0[VS_C_TO_REDIRECT]));
	TL_EXPECT_ACCOUNTING("client", c, total);
	TL_EXPECT(ce.tx_redir_bytes * 10 >= total * 9,
		  "only %llu of %llu bytes (%.1f%%) redirected, want >= 90%%",
		  (unsigned long long)ce.tx_redir_bytes, (unsigned long long)total,
		  100.0 * ce.tx_redir_bytes / total);
	TL_EXPECT(ce.in_sockhash && se.in_sockhash, "in_sockhash client=%u server=%u",
		  ce.in_sockhash, se.in_sockhash);
	TL_EXPECT(ce.peer_cookie == se.cookie && se.peer_cookie == ce.cookie,
		  "peer cookies not paired: client %llu->%llu server %llu->%llu",
		  (unsigned long long)ce.cookie, (unsigned long long)ce.peer_cookie,
		  (unsigned long long)se.cookie, (unsigned long long)se.peer_cookie);
	TL_EXPECT(ce.status == VS_ST_SHUTDOWN, "client status %u, want SHUTDOWN (%u) after shutdown(SHUT_WR)",
		  ce.status, VS_ST_SHUTDOWN);
	TL_EXPECT(st1[VS_C_BYTES_REDIRECTED] - st0[VS_C_BYTES_REDIRECTED] == ce.tx_redir_bytes,
		  "global bytes_redirected grew by %llu, socket table says %llu",
		  (unsigned long long)(st1[VS_C_BYTES_REDIRECTED] - st0[VS_C_BYTES_REDIRECTED]),
		  (unsigned long long)ce.tx_redir_bytes);
	TL_EXPECT(st1[VS_C_MSG_REDIRECTED] - st0[VS_C_MSG_REDIRECTED] == ce.tx_redir_msgs,
		  "global msg_redirected grew by %llu, socket table says %llu",
		  (unsigned long long)(st1[VS_C_MSG_REDIRECTED] - st0[VS_C_MSG_REDIRECTED]),
		  (unsigned long long)ce.tx_redir_msgs);
out:
	tl_close(c);
	tl_close(s);
	return tl_verdict();
}

/* c) request/response: the first speaker sends a request of a random size,
 * the other reads exactly that (both sides draw sizes from the same seed)
 * and answers with a response of a random size. */
#define RR_ROUNDS 1000
#define RR_MIN 64
#define RR_MAX (16 * 1024)

struct rr_side {
	int fd;
	bool first;		/* speaks first */
	uint64_t tx_seed, rx_seed;
	uint64_t tx_off, rx_off;
	bool spin;		/* reads busy-poll: retried at once on EAGAIN */
	bool pin;		/* the side's thread runs on cpu only */
	int cpu;
	int err;
	char why[300];
};

/* Read len bytes without ever sleeping, as a busy-polling reader does. */
static ssize_t spin_recv_all(int fd, void *buf, size_t len, int timeout_ms)
{
	uint64_t deadline = tl_now_ms() + timeout_ms;
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = recv(fd, (char *)buf + got, len - got, MSG_DONTWAIT);
		if (n > 0)
			got += n;
		else if (n == 0)
			break;
		else if (errno != EAGAIN && errno != EINTR)
			return -errno;
		else if (tl_now_ms() > deadline)
			return -ETIMEDOUT;
	}
	return got;
}

static void *rr_run(void *arg)
{
	struct rr_side *p = arg;
	uint64_t rng = 777;	/* same on both sides: both know every size */
	static __thread char buf[RR_MAX];
	cpu_set_t old, one;
	ssize_t n;
	int i, k;

	if (p->pin) {
		CPU_ZERO(&one);
		CPU_SET(p->cpu, &one);
		if (pthread_getaffinity_np(pthread_self(), sizeof(old), &old) ||
		    pthread_setaffinity_np(pthread_self(), sizeof(one), &one))
			p->pin = false;	/* run where the scheduler puts it */
	}

	for (i = 0; i < RR_ROUNDS && !p->err; i++) {
		size_t sz[2] = { tl_rand_range(&rng, RR_MIN, RR_MAX),
				 tl_rand_range(&rng, RR_MIN, RR_MAX) };

		for (k = 0; k < 2; k++) {
			bool sending = (k == 0) == p->first;

			if (sending) {
				tl_pat_fill(p->tx_seed, p->tx_off, buf, sz[k]);
				n = tl_send_all(p->fd, buf, sz[k], 10000, NULL);
				if (n < 0) {
					p->err = (int)n;
					snprintf(p->why, sizeof(p->why), "round %d send: %s",
						 i, strerror((int)-n));
					break;
				}
				p->tx_off += sz[k];
			} else {
				long long bad;

				n = p->spin ? spin_recv_all(p->fd, buf, sz[k], 10000)
					    : tl_recv_all(p->fd, buf, sz[k], 10000);
				if (n != (ssize_t)sz[k]) {
					p->err = n < 0 ? (int)n : -EPIPE;
					snprintf(p->why, sizeof(p->why), "round %d recv %zu: %s",
						 i, sz[k], n < 0 ? strerror((int)-n) : "short/EOF");
					break;
				}
				bad = tl_pat_check(p->rx_seed, p->rx_off, buf, sz[k]);
				if (bad >= 0) {
					p->err = -EILSEQ;
					snprintf(p->why, sizeof(p->why),
						 "round %d: wrong byte at stream offset %llu", i,
						 (unsigned long long)(p->rx_off + bad));
					break;
				}
				p->rx_off += sz[k];
			}
		}
	}
	if (p->pin)
		pthread_setaffinity_np(pthread_self(), sizeof(old), &old);
	return NULL;
}

/* Wait up to 1 s for both ends of a pair to leave the sockhash; the two
 * entries as they are then, and as text (shown). -1 if an entry is gone. */
static int wait_both_left(int c, int s, struct vs_sock_entry *ce, struct vs_sock_entry *se,
			  char s1[400], char s2[400])
{
	int i;

	for (i = 0; i < 50; i++) {
		if (tl_entry(c, ce) || tl_entry(s, se))
			return -1;
		if (!ce->in_sockhash && !se->in_sockhash)
			break;
		tl_sleep_ms(20);
	}
	tl_entry_str(ce, s1, 400);
	tl_entry_str(se, s2, 400);
	tl_diag("client: %s", s1);
	tl_diag("server: %s", s2);
	return 0;
}

/* Run the request/response exchange on the pair c, s: 0 or the verdict. */
static int rr_exchange(int c, int s, struct rr_side *cs, struct rr_side *ss)
{
	bool started = false;
	uint64_t t0 = tl_now_ns();
	pthread_t th;

	cs->fd = c;
	ss->fd = s;
	TL_EXPECT(!pthread_create(&th, NULL, rr_run, ss), "pthread_create");
	started = true;
	rr_run(cs);
	if (cs->err)
		shutdown(s, SHUT_RDWR);
	pthread_join(th, NULL);
	started = false;
	TL_EXPECT(!cs->err, "client: %s", cs->why);
	TL_EXPECT(!ss->err, "server: %s", ss->why);
	tl_diag("%d round trips in %.0f ms", RR_ROUNDS, (tl_now_ns() - t0) / 1e6);
out:
	if (started) {
		shutdown(s, SHUT_RDWR);
		pthread_join(th, NULL);
	}
	return tl_verdict();
}

static int rr_case(bool client_first)
{
	struct rr_side cs = { .first = client_first, .tx_seed = 11, .rx_seed = 22 };
	struct rr_side ss = { .first = !client_first, .tx_seed = 22, .rx_seed = 11 };
	__u64 st0[VS_C_MAX], st1[VS_C_MAX];
	struct vs_sock_entry ce, se;
	int c = -1, s = -1, r;

	r = tl_pair(AF_INET, true, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	TL_EXPECT(!tl_stats(st0), "loader_read_stats");
	TL_EXPECT(!rr_exchange(c, s, &cs, &ss), "exchange failed");
	TL_EXPECT(!tl_stats(st1), "loader_read_stats");
	TL_EXPECT(!tl_entry(c, &ce) && !tl_entry(s, &se), "socket-table entries missing");
	tl_diag("client sent %llu (redir %llu), server sent %llu (redir %llu)",
		(unsigned long long)cs.tx_off,
		(unsigned long long)ce.tx_redir_bytes, (unsigned long long)ss.tx_off,
		(unsigned long long)se.tx_redir_bytes);
	TL_EXPECT_ACCOUNTING("client", c, cs.tx_off);
	TL_EXPECT_ACCOUNTING("server", s, ss.tx_off);
	TL_EXPECT_ACCEL("client", c, 1);
	TL_EXPECT_ACCEL("server", s, 1);
	TL_EXPECT(st1[VS_C_BYTES_REDIRECTED] - st0[VS_C_BYTES_REDIRECTED] ==
		  ce.tx_redir_bytes + se.tx_redir_bytes,
		  "global bytes_redirected grew by %llu, socket table says %llu",
		  (unsigned long long)(st1[VS_C_BYTES_REDIRECTED] - st0[VS_C_BYTES_REDIRECTED]),
		  (unsigned long long)(ce.tx_redir_bytes + se.tx_redir_bytes));
out:
	tl_close(c);
	tl_close(s);
	return tl_verdict();
}

/* A reader that busy-polls holds its socket lock most of the time, and a
 * redirect into it sleeps in lock_sock() (docs/performance.md). After
 * VS_SPIN_MSGS such messages it leaves the sockhash, its peer follows, and
 * every byte stays in order across the switch. */
static int case_busy_poll_reader_leaves(void)
{
	/* one CPU each: a spinner that shares its CPU with its peer finds the
	 * message there whenever it runs, and never spins before one */
	bool two = sysconf(_SC_NPROCESSORS_ONLN) >= 2;
	struct rr_side cs = { .first = true, .tx_seed = 31, .rx_seed = 32, .pin = two, .cpu = 1 };
	struct rr_side ss = { .first = false, .tx_seed = 32, .rx_seed = 31, .spin = true,
			      .pin = two, .cpu = 0 };
	__u64 st0[VS_C_MAX], st1[VS_C_MAX];
	struct vs_sock_entry ce, se;
	char s1[400], s2[400];
	int c = -1, s = -1, r;

	r = tl_pair(AF_INET, true, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	TL_EXPECT(!tl_stats(st0), "loader_read_stats");
	TL_EXPECT(!rr_exchange(c, s, &cs, &ss), "exchange failed");
	/* both ends leave once the TCP segments that follow give sockops a say */
	TL_EXPECT(!wait_both_left(c, s, &ce, &se, s1, s2), "socket-table entries missing");
	TL_EXPECT(!tl_stats(st1), "loader_read_stats");
	TL_EXPECT_ACCOUNTING("client", c, cs.tx_off);
	TL_EXPECT_ACCOUNTING("server", s, ss.tx_off);
	TL_EXPECT(ce.tx_redir_msgs >= VS_SPIN_MSGS,
		  "the client's first %u requests were not redirected: %s", VS_SPIN_MSGS, s1);
	TL_EXPECT(se.reason == VS_R_BUSY_POLL && !se.in_sockhash,
		  "busy-polling server: want reason=busy_poll, out of the sockhash: %s", s2);
	TL_EXPECT(!ce.in_sockhash, "client still in the sockhash: %s", s1);
	TL_EXPECT(st1[VS_C_LEFT_BUSY_POLL] == st0[VS_C_LEFT_BUSY_POLL] + 1,
		  "left_busy_poll +%llu, want +1",
		  (unsigned long long)(st1[VS_C_LEFT_BUSY_POLL] - st0[VS_C_LEFT_BUSY_POLL]));
out:
	tl_close(c);
	tl_close(s);
	return tl_verdict();
}

/* A one-way stream of small writes: per-message redirect loses to TCP's
 * coalescing there (DESIGN.md "Small writes lose"), so after VS_SMALL_RUN
 * messages the direction passes for good, and both ends then leave the
 * sockhash (plain TCP again). The bytes stay in order across the switch. */
static int case_small_writes_leave(void)
{
	const __u64 total = 4 * MiB;
	struct tl_xfer tx = { .seed = 0x5a11, .len = total, .min_io = 1, .max_io = 512,
			      .rng = 7, .timeout_ms = 30000, .shut_wr = true };
	struct tl_xfer rx = { .seed = 0x5a11, .len = total, .max_io = 256 * KiB,
			      .timeout_ms = 30000, .expect_eof = true };
	__u64 st0[VS_C_MAX], st1[VS_C_MAX];
	struct vs_sock_entry ce, se;
	char s1[400], s2[400];
	int c = -1, s = -1, r;

	r = tl_pair(AF_INET, true, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	TL_EXPECT(!tl_stats(st0), "loader_read_stats");
	TL_EXPECT(!tl_xfer_stream(c, s, &tx, &rx), "pthread_create");
	TL_EXPECT(!tx.err && !rx.err, "sender: %s; reader: %s", tx.err ? tx.why : "ok",
		  rx.err ? rx.why : "ok");
	TL_EXPECT(rx.done == total, "reader got %llu of %llu",
		  (unsigned long long)rx.done, (unsigned long long)total);
	/* both ends leave once the TCP segments that follow give sockops a say */
	TL_EXPECT(!wait_both_left(c, s, &ce, &se, s1, s2), "socket-table entries missing");
	TL_EXPECT(!tl_stats(st1), "loader_read_stats");
	TL_EXPECT_ACCOUNTING("client", c, total);
	TL_EXPECT(ce.tx_redir_msgs >= 1 && ce.tx_redir_msgs <= VS_SMALL_RUN + 1,
		  "want the first messages (at most %u) redirected: %s", VS_SMALL_RUN + 1, s1);
	TL_EXPECT(ce.reason == VS_R_SMALL_WRITES && !ce.in_sockhash,
		  "client: want reason=small_writes, out of the sockhash: %s", s1);
	TL_EXPECT(!se.in_sockhash, "server still in the sockhash: %s", s2);
	TL_EXPECT(st1[VS_C_PASS_SMALL_WRITES] > st0[VS_C_PASS_SMALL_WRITES] &&
		  st1[VS_C_LEFT_DONE] >= st0[VS_C_LEFT_DONE] + 2,
		  "counters: pass_small_writes +%llu, left_done +%llu",
		  (unsigned long long)(st1[VS_C_PASS_SMALL_WRITES] - st0[VS_C_PASS_SMALL_WRITES]),
		  (unsigned long long)(st1[VS_C_LEFT_DONE] - st0[VS_C_LEFT_DONE]));
out:
	tl_close(c);
	tl_close(s);
	return tl_verdict();
}

/* With the rule off (vsockctl tune busy_poll off), the same busy-polling
 * reader stays on the fast path: the threshold really comes from vs_meta. */
static int case_busy_poll_off_stays(void)
{
	struct rr_side cs = { .first = true, .tx_seed = 41, .rx_seed = 42 };
	struct rr_side ss = { .first = false, .tx_seed = 42, .rx_seed = 41, .spin = true };
	struct vs_sock_entry se;
	char s2[400];
	int c = -1, s = -1, r;

	TL_EXPECT(!(r = loader_set_busy_poll(tl.ld, 0)), "busy_poll off: %s", strerror(-r));
	r = tl_pair(AF_INET, true, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	TL_EXPECT(!rr_exchange(c, s, &cs, &ss), "exchange failed");
	TL_EXPECT(!tl_entry(s, &se), "socket-table entry missing");
	tl_entry_str(&se, s2, sizeof(s2));
	tl_diag("server: %s", s2);
	TL_EXPECT_ACCOUNTING("client", c, cs.tx_off);
	TL_EXPECT_ACCOUNTING("server", s, ss.tx_off);
	TL_EXPECT(se.in_sockhash && se.reason != VS_R_BUSY_POLL,
		  "busy_poll off: the spinning server left anyway: %s", s2);
out:
	loader_set_busy_poll(tl.ld, VS_SPIN_MSGS);
	tl_close(c);
	tl_close(s);
	return tl_verdict();
}

static int case_rr_client_first(void)
{
	return rr_case(true);
}

static int case_rr_server_first(void)
{
	return rr_case(false);
}

/* h) MSG_PEEK on the fast path returns what the next read returns. */
static int case_msg_peek(void)
{
	char out[3000], peek[3000], got[3000];
	ssize_t n, m;
	int c = -1, s = -1, r, w;

	r = tl_pair(AF_INET, true, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	tl_pat_fill(99, 0, out, sizeof(out));
	/* two messages: a peek may stop at a message boundary */
	TL_EXPECT(tl_send_all(c, out, 1000, 5000, NULL) == 1000, "send 1");
	TL_EXPECT(tl_send_all(c, out + 1000, 2000, 5000, NULL) == 2000, "send 2");
	w = tl_wait(s, POLLIN, tl_now_ms() + 5000);
	TL_EXPECT(w > 0, "no POLLIN on the receiver (%d)", w);

	n = recv(s, peek, sizeof(peek), MSG_PEEK);
	TL_EXPECT(n > 0, "recv(MSG_PEEK): %zd %s", n, n < 0 ? strerror(errno) : "EOF");
	TL_EXPECT(!memcmp(peek, out, n), "peeked bytes differ from what was sent");
	/* peek again: still the same bytes */
	m = recv(s, got, sizeof(got), MSG_PEEK);
	TL_EXPECT(m >= n && !memcmp(got, out, m), "second peek: %zd bytes, differ=%d", m,
		  m > 0 ? memcmp(got, out, m) != 0 : -1);
	/* a partial peek, then the read */
	m = recv(s, got, 10, MSG_PEEK);
	TL_EXPECT(m == 10 && !memcmp(got, out, 10), "partial peek: %zd", m);
	m = recv(s, got, n, 0);
	TL_EXPECT(m == n, "read after peek returned %zd, peek returned %zd", m, n);
	TL_EXPECT(!memcmp(got, peek, n), "read returned other bytes than the peek");
	/* the rest, peeked then read */
	n = tl_recv_all(s, got + m, sizeof(out) - m, 5000);
	TL_EXPECT(n == (ssize_t)sizeof(out) - m, "rest: %zd", n);
	TL_EXPECT(!memcmp(got, out, sizeof(out)), "stream differs after peek+read");
	tl_show("client", c);
	TL_EXPECT_ACCEL("client", c, sizeof(out));
	TL_EXPECT_ACCEL("server", s, 0);
out:
	tl_close(c);
	tl_close(s);
	return tl_verdict();
}

/* i) edge-triggered epoll ping-pong: a lost wakeup stalls at once. */
#define ET_MSGS 10000

struct et_echo {
	int fd;
	uint64_t echoed;
	int err;
	char why[200];
};

static void *et_echo_run(void *arg)
{
	struct et_echo *p = arg;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, got;
	char buf[4096];
	int ep = epoll_create1(EPOLL_CLOEXEC), n;
	ssize_t r;

	ev.data.fd = p->fd;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, p->fd, &ev)) {
		p->err = -errno;
		snprintf(p->why, sizeof(p->why), "epoll: %s", strerror(errno));
		goto out;
	}
	for (;;) {
		n = epoll_wait(ep, &got, 1, 5000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			p->err = n ? -errno : -ETIMEDOUT;
			snprintf(p->why, sizeof(p->why),
				 "echo: no EPOLLIN edge for 5 s after %llu bytes (lost wakeup)",
				 (unsigned long long)p->echoed);
			goto out;
		}
		for (;;) {	/* edge-triggered: drain to EAGAIN */
			r = recv(p->fd, buf, sizeof(buf), 0);
			if (r > 0) {
				if (tl_send_all(p->fd, buf, r, 5000, NULL) != r) {
					p->err = -EIO;
					snprintf(p->why, sizeof(p->why), "echo send failed");
					goto out;
				}
				p->echoed += r;
				continue;
			}
			if (r == 0)
				goto out;	/* client done */
			if (errno == EAGAIN)
				break;
			if (errno == EINTR)
				continue;
			p->err = -errno;
			snprintf(p->why, sizeof(p->why), "echo recv: %s", strerror(errno));
			goto out;
		}
	}
out:
	if (ep >= 0)
		close(ep);
	return NULL;
}

static int case_epoll_et(void)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, got;
	struct et_echo echo = { 0 };
	uint64_t rng = 5, off = 0, t0;
	bool started = false;
	pthread_t echo_th;
	char msg[512], in[512];
	int c = -1, s = -1, ep = -1, r, i, n;
	size_t want, have;
	ssize_t k;

	r = tl_pair(AF_INET, true, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	echo.fd = s;
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = c;
	TL_EXPECT(ep >= 0 && !epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev), "epoll: %s", strerror(errno));
	TL_EXPECT(!pthread_create(&echo_th, NULL, et_echo_run, &echo), "pthread_create");
	started = true;
	t0 = tl_now_ns();
	for (i = 0; i < ET_MSGS; i++) {
		want = tl_rand_range(&rng, 1, sizeof(msg));
		tl_pat_fill(7, off, msg, want);
		TL_EXPECT(tl_send_all(c, msg, want, 5000, NULL) == (ssize_t)want,
			  "message %d: send failed", i);
		have = 0;
		while (have < want) {
			k = recv(c, in + have, want - have, 0);
			if (k > 0) {
				have += k;
				continue;
			}
			TL_EXPECT(k != 0, "message %d: EOF", i);
			TL_EXPECT(errno == EAGAIN || errno == EINTR, "message %d: recv: %s", i,
				  strerror(errno));
			if (errno == EINTR)
				continue;
			n = epoll_wait(ep, &got, 1, 5000);
			TL_EXPECT(n != 0, "message %d: no EPOLLIN edge for 5 s with %zu of %zu "
				  "echoed bytes read (lost wakeup)%s%s", i, have, want,
				  echo.err ? "; echo: " : "", echo.why);
			TL_EXPECT(n > 0 || errno == EINTR, "epoll_wait: %s", strerror(errno));
		}
		TL_EXPECT(!memcmp(in, msg, want), "message %d: echo differs", i);
		off += want;
	}
	tl_diag("%d ping-pongs in %.0f ms", ET_MSGS, (tl_now_ns() - t0) / 1e6);
	shutdown(c, SHUT_WR);
	pthread_join(echo_th, NULL);
	started = false;
	TL_EXPECT(!echo.err, "%s", echo.why);
	TL_EXPECT(echo.echoed == off, "echoed %llu bytes, sent %llu",
		  (unsigned long long)echo.echoed, (unsigned long long)off);
	TL_EXPECT_ACCEL("client", c, 1);
	TL_EXPECT_ACCEL("server", s, 1);
out:
	if (started) {
		shutdown(c, SHUT_WR);
		pthread_join(echo_th, NULL);
	}
	if (ep >= 0)
		close(ep);
	tl_close(c);
	tl_close(s);
	return tl_verdict();
}

/* vsockctl -j sockets shows the same socket table (STYLE.md, Tests). */
static const char *json_field(const char *obj, const char *end, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = strstr(obj, pat);
	if (!p || p >= end)
		return NULL;
	p += strlen(pat);
	while (*p == ' ' || *p == ':' || *p == '\n' || *p == '\t')
		p++;
	return p;
}

static int case_vsockctl_json(void)
{
	char exe[PATH_MAX], ctl[PATH_MAX + 64], cmd[2 * PATH_MAX + 128], want[40], s1[400];
	static char out[1 << 20];
	const char *obj, *end, *v, *tx;
	struct vs_sock_entry e;
	size_t n = 0, k;
	ssize_t len;
	FILE *f = NULL;
	int c = -1, s = -1, r;

	if (getenv("VSOCKCTL")) {
		snprintf(ctl, sizeof(ctl), "%s", getenv("VSOCKCTL"));
	} else {
		len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		TL_EXPECT(len > 0, "readlink /proc/self/exe");
		exe[len] = 0;
		*strrchr(exe, '/') = 0;	/* $(O)/tests/integration */
		snprintf(ctl, sizeof(ctl), "%s/../../vsockctl", exe);
	}
	TL_EXPECT(!access(ctl, X_OK), "no vsockctl at %s (build it, or set VSOCKCTL)", ctl);

	r = tl_pair(AF_INET, true, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	TL_EXPECT(tl_send_all(c, out, 65536, 5000, NULL) == 65536, "send");
	TL_EXPECT(tl_recv_all(s, out, 65536, 5000) == 65536, "recv");
	TL_EXPECT(!tl_entry(c, &e), "client entry");
	tl_entry_str(&e, s1, sizeof(s1));

	/* another process (vsockd, this harness) holds a loader handle */
	snprintf(cmd, sizeof(cmd), "timeout 5 '%s' --pin-root '%s' -j sockets 2>&1", ctl,
		 tl.pin_root);
	f = popen(cmd, "r");
	TL_EXPECT(f, "popen %s", cmd);
	while (n < sizeof(out) - 1 && (k = fread(out + n, 1, sizeof(out) - 1 - n, f)) > 0)
		n += k;
	out[n] = 0;
	r = pclose(f);
	f = NULL;
	TL_EXPECT(!(WIFEXITED(r) && WEXITSTATUS(r) == 124),
		  "vsockctl -j sockets still blocked after 5 s while another process holds a "
		  "loader handle on the same pin root");
	TL_EXPECT(r == 0, "%s: exit %d: %.200s", cmd, r, out);

	/* the object of the client socket: from its "cookie" to the next one */
	snprintf(want, sizeof(want), "%llu", (unsigned long long)e.cookie);
	for (obj = out; (obj = strstr(obj, "\"cookie\"")); obj++) {
		v = json_field(obj, out + n, "cookie");
		if (v && !strncmp(v, want, strlen(want)) && !isdigit((unsigned char)v[strlen(want)]))
			break;
	}
	TL_EXPECT(obj, "cookie %s not in vsockctl -j sockets: %.300s", want, out);
	end = strstr(obj + 1, "\"cookie\"");
	if (!end)
		end = out + n;
	v = json_field(obj, end, "accelerated");
	TL_EXPECT(v && !strncmp(v, "true", 4), "\"accelerated\" is not true for cookie %s (%s)",
		  want, s1);
	tx = json_field(obj, end, "tx");
	v = tx ? json_field(tx, end, "redirected_bytes") : NULL;
	TL_EXPECT(v && strtoull(v, NULL, 10) == e.tx_redir_bytes,
		  "tx.redirected_bytes %.20s, socket table says %llu", v ? v : "(none)",
		  (unsigned long long)e.tx_redir_bytes);
	TL_EXPECT(e.tx_redir_bytes == 65536, "client: %s", s1);
out:
	if (f)
		pclose(f);
	tl_close(c);
	tl_close(s);
	return tl_verdict();
}

static const struct tl_case cases[] = {
	{ "small_writes_leave", case_small_writes_leave, 60 },
	{ "busy_poll_reader_leaves", case_busy_poll_reader_leaves, 60 },
	{ "busy_poll_off_stays", case_busy_poll_off_stays, 60 },
	{ "stream_256m_random_writes", case_stream_256m, 120 },
	{ "reqresp_client_first_1000", case_rr_client_first, 60 },
	{ "reqresp_server_first_1000", case_rr_server_first, 60 },
	{ "msg_peek_then_read", case_msg_peek, 20 },
	{ "epoll_et_pingpong_10000", case_epoll_et, 60 },
	{ "vsockctl_json_sockets", case_vsockctl_json, 20 },
};

int main(void)
{
	return tl_main("test_stream", cases, TL_NCASES(cases));
}
