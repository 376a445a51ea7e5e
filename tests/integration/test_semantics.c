// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* TCP semantics that sockmap acceleration is known to break on 6.18
 * (DESIGN.md, "Known kernel behaviour"): half-close with a blocking reader
 * (spurious EAGAIN), reset mid-stream, and backpressure. Reset cases run
 * twice: in an unattached cgroup (plain TCP, which proves the expectation)
 * and in the attached one. */
#include "testlib.h"

/* ------------------------------------------------------------------ */
/* e) half-close                                                       */

#define HC_REQ (100 * KiB)
#define HC_REP (256 * KiB)

struct hc_server {
	int fd;
	bool nonblock;
	struct vs_sock_entry entry;	/* its own entry, read before close */
	int entry_err;
	int err;
	char why[300];
};

/* Read the request to EOF, wait 300 ms, reply, close. */
static void *hc_server_run(void *arg)
{
	struct hc_server *p = arg;
	struct tl_xfer rx = { .fd = p->fd, .seed = 31, .len = HC_REQ, .max_io = 8192,
			      .timeout_ms = 10000, .expect_eof = true };
	struct tl_xfer tx = { .fd = p->fd, .seed = 32, .len = HC_REP, .min_io = 1000,
			      .max_io = 32768, .rng = 3, .timeout_ms = 10000 };

	if (tl_xfer_recv(&rx)) {
		p->err = rx.err;
		snprintf(p->why, sizeof(p->why), "server read: %s", rx.why);
		goto out;
	}
	tl_sleep_ms(300);
	if (tl_xfer_send(&tx)) {
		p->err = tx.err;
		snprintf(p->why, sizeof(p->why), "server reply: %s", tx.why);
		goto out;
	}
	p->entry_err = tl_entry(p->fd, &p->entry);
out:
	close(p->fd);
	return NULL;
}

enum hc_mode {
	HC_BLOCKING,		/* blocking connect and accept: plain TCP by design */
	HC_NONBLOCKING,		/* event loops on both ends: the fast path */
	HC_SWITCHED,		/* nonblocking connect, then fcntl() to blocking
				 * (hiredis, many sync clients with a connect
				 * timeout): its blocking recv() must behave */
};

static int halfclose(enum hc_mode mode)
{
	bool nonblock = mode != HC_BLOCKING;
	struct tl_xfer req = { .seed = 31, .len = HC_REQ, .min_io = 100, .max_io = 16384,
			       .rng = 4, .timeout_ms = 10000, .shut_wr = true };
	struct tl_xfer rep = { .seed = 32, .len = HC_REP, .max_io = 65536,
			       .timeout_ms = 10000, .expect_eof = true };
	struct hc_server srv = { .nonblock = nonblock };
	struct vs_sock_entry ce, se;
	char s1[400], s2[400];
	bool started = false;
	pthread_t th;
	int c = -1, s = -1, r;

	r = tl_pair(AF_INET, nonblock, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	if (mode == HC_SWITCHED)
		TL_EXPECT(!tl_set_nonblock(c, false), "fcntl: %s", strerror(errno));
	/* entries as established; checked after the data (the semantics
	 * come first: a wrong classification shows up as a wrong result) */
	TL_EXPECT(!tl_entry(c, &ce) && !tl_entry(s, &se), "socket-table entries missing");
	tl_entry_str(&ce, s1, sizeof(s1));
	tl_entry_str(&se, s2, sizeof(s2));

	srv.fd = s;
	tl_untrack(s);		/* the server thread closes it */
	TL_EXPECT(!pthread_create(&th, NULL, hc_server_run, &srv), "pthread_create");
	started = true;
	req.fd = c;
	rep.fd = c;
	/* request, shutdown(SHUT_WR), then a reader that waits 300 ms for the
	 * reply: with no SO_RCVTIMEO a blocking recv() must just block */
	TL_EXPECT(!tl_xfer_send(&req), "client request: %s", req.why);
	tl_xfer_recv(&rep);
	pthread_join(th, NULL);
	started = false;
	TL_EXPECT(!srv.err, "%s", srv.why);
	TL_EXPECT(!rep.err, "client reading the reply: %s", rep.why);
	if (mode == HC_SWITCHED) {
		/* the semantics are the test; the mechanism: it left the map */
		TL_EXPECT(!tl_entry(c, &ce), "client entry gone");
		tl_entry_str(&ce, s1, sizeof(s1));
		TL_EXPECT(!ce.in_sockhash && ce.reason == VS_R_BLOCKING,
			  "client switched to blocking is still in the sockhash: %s", s1);
		goto out;
	}
	if (!nonblock) {
		/* a blocking connector stays on TCP, and so does its peer */
		TL_EXPECT(ce.reason == VS_R_BLOCKING && !ce.in_sockhash,
			  "blocking client: want reason=blocking in_sockhash=0: %s", s1);
		TL_EXPECT(!se.in_sockhash, "peer of a blocking client is in the sockhash: %s", s2);
	} else {
		TL_EXPECT(ce.in_sockhash && se.in_sockhash,
			  "nonblocking pair not in the sockhash: client %s; server %s", s1, s2);
	}
	TL_EXPECT(!tl_entry(c, &ce), "client entry gone");
	tl_entry_str(&ce, s1, sizeof(s1));
	tl_diag("client: %s", s1);
	if (!srv.entry_err) {
		tl_entry_str(&srv.entry, s2, sizeof(s2));
		tl_diag("server: %s", s2);
	}
	TL_EXPECT(ce.tx_redir_bytes + ce.tx_pass_bytes == (nonblock ? HC_REQ : 0) ||
		  (!nonblock && ce.tx_redir_bytes == 0),
		  "client accounting: %s", s1);
	if (nonblock) {
		TL_EXPECT(ce.tx_redir_bytes > 0, "request not redirected: %s", s1);
		TL_EXPECT(!srv.entry_err && srv.entry.tx_redir_bytes > 0,
			  "reply not redirected: %s", srv.entry_err ? "no entry" : s2);
	} else {
		TL_EXPECT(ce.tx_redir_bytes == 0 && ce.reason == VS_R_BLOCKING,
			  "blocking client redirected or changed reason: %s", s1);
		TL_EXPECT(srv.entry_err || srv.entry.tx_redir_bytes == 0,
			  "blocking pair: server redirected: %s", s2);
	}
out:
	if (started) {
		shutdown(c, SHUT_RDWR);
		pthread_join(th, NULL);
	}
	tl_close(c);
	return tl_verdict();
}

static int case_halfclose_blocking(void)
{
	return halfclose(HC_BLOCKING);
}

static int case_halfclose_nonblocking(void)
{
	return halfclose(HC_NONBLOCKING);
}

static int case_halfclose_switched(void)
{
	return halfclose(HC_SWITCHED);
}

/* ------------------------------------------------------------------ */
/* f) reset mid-stream                                                 */

static void rst_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

struct rst_peer {
	int fd;
	int delay_ms;		/* before the reset */
	uint64_t send_len;	/* sent first (pattern 41) */
	uint64_t read_len;	/* read first (pattern 42) */
	int err;
	char why[200];
};

static void *rst_peer_run(void *arg)
{
	struct rst_peer *p = arg;

	if (p->send_len) {
		struct tl_xfer tx = { .fd = p->fd, .seed = 41, .len = p->send_len,
				      .max_io = 16384, .timeout_ms = 5000 };

		if (tl_xfer_send(&tx)) {
			p->err = tx.err;
			snprintf(p->why, sizeof(p->why), "peer send: %s", tx.why);
		}
	}
	if (p->read_len) {
		struct tl_xfer rx = { .fd = p->fd, .seed = 42, .len = p->read_len,
				      .max_io = 65536, .timeout_ms = 5000 };

		if (tl_xfer_recv(&rx)) {
			p->err = rx.err;
			snprintf(p->why, sizeof(p->why), "peer read: %s", rx.why);
		}
	}
	tl_sleep_ms(p->delay_ms);
	rst_close(p->fd);
	return NULL;
}

/* Pair in the attached cgroup (accel) or in the unattached one. */
static int rst_pair(bool accel, bool nonblock, int *c, int *s)
{
	int r;

	if (!accel && (r = tl_enter_plain()))
		return r;
	r = tl_pair(AF_INET, nonblock, c, s);
	if (!accel)
		tl_enter_main();
	return r;
}

static bool rst_check_accel(bool accel, int c, int line)
{
	struct vs_sock_entry e;
	char s[400];

	if (!accel)
		return true;
	if (tl_entry(c, &e) || !e.in_sockhash) {
		tl_entry_str(&e, s, sizeof(s));
		tl_fail_at(line, "client not accelerated before the reset: %s", s);
		return false;
	}
	return true;
}

/* A reader waiting for data (poll, or a blocking recv) sees the reset as
 * ECONNRESET, after any data that was queued before it. */
static int reset_reader(bool accel, bool nonblock, uint64_t queued)
{
	struct rst_peer peer = { .delay_ms = 150, .send_len = queued };
	uint64_t got = 0, t0;
	pthread_t th;
	bool started = false;
	char buf[65536];
	int c = -1, s = -1, r;
	ssize_t n;

	r = rst_pair(accel, nonblock, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	if (!rst_check_accel(accel && nonblock, c, __LINE__))
		goto out;
	peer.fd = s;
	tl_untrack(s);
	if (queued) {
		/* the data arrives and the reset follows while nobody reads */
		peer.delay_ms = 100;
	}
	TL_EXPECT(!pthread_create(&th, NULL, rst_peer_run, &peer), "pthread_create");
	started = true;
	if (queued) {
		pthread_join(th, NULL);
		started = false;
		TL_EXPECT(!peer.err, "%s", peer.why);
		tl_sleep_ms(100);
	}
	t0 = tl_now_ms();
	for (;;) {
		if (nonblock) {
			r = tl_wait(c, POLLIN, tl_now_ms() + 5000);
			TL_EXPECT(r > 0, "poll: no event 5 s after the reset (%d), %llu bytes read",
				  r, (unsigned long long)got);
		}
		n = recv(c, buf, sizeof(buf), 0);
		if (n > 0) {
			long long bad = tl_pat_check(41, got, buf, n);

			TL_EXPECT(bad < 0, "wrong byte at offset %llu", (unsigned long long)(got + bad));
			got += n;
			TL_EXPECT(got <= queued, "more bytes than were sent");
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && nonblock && tl_now_ms() - t0 < 5000)
			continue;	/* poll said readable; try again */
		TL_EXPECT(got == queued, "%llu of %llu queued bytes read before %s",
			  (unsigned long long)got, (unsigned long long)queued,
			  n == 0 ? "EOF" : strerror(errno));
		TL_EXPECT(n < 0 && errno == ECONNRESET, "after the reset recv() returned %zd (%s), want ECONNRESET",
			  n, n < 0 ? strerror(errno) : "EOF");
		break;
	}
	/* and afterwards: end of stream, not a hang */
	n = recv(c, buf, sizeof(buf), nonblock ? 0 : MSG_DONTWAIT);
	TL_EXPECT(n == 0, "second recv after the reset: %zd (%s), want 0", n,
		  n < 0 ? strerror(errno) : "data");
out:
	if (started)
		pthread_join(th, NULL);
	tl_close(c);
	return tl_verdict();
}

/* A writer whose peer resets gets EPIPE or ECONNRESET (MSG_NOSIGNAL). */
static int reset_writer(bool accel)
{
	struct rst_peer peer = { .delay_ms = 0, .read_len = 1 * MiB };
	uint64_t sent = 0, deadline;
	bool started = false;
	char buf[65536];
	pthread_t th;
	int c = -1, s = -1, r, err = 0;
	ssize_t n;

	r = rst_pair(accel, true, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	if (!rst_check_accel(accel, c, __LINE__))
		goto out;
	peer.fd = s;
	tl_untrack(s);
	TL_EXPECT(!pthread_create(&th, NULL, rst_peer_run, &peer), "pthread_create");
	started = true;
	deadline = tl_now_ms() + 5000;
	while (tl_now_ms() < deadline) {
		tl_pat_fill(42, sent, buf, sizeof(buf));
		n = send(c, buf, sizeof(buf), MSG_NOSIGNAL);
		if (n > 0) {
			sent += n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			tl_wait(c, POLLOUT, tl_now_ms() + 100);
			continue;
		}
		err = n < 0 ? errno : 0;
		break;
	}
	pthread_join(th, NULL);
	started = false;
	TL_EXPECT(!peer.err, "%s", peer.why);
	TL_EXPECT(err == EPIPE || err == ECONNRESET,
		  "writer after the peer's reset: %s after %llu bytes, want EPIPE/ECONNRESET",
		  err ? strerror(err) : "no error for 5 s", (unsigned long long)sent);
	n = send(c, buf, 1, MSG_NOSIGNAL);
	TL_EXPECT(n < 0 && (errno == EPIPE || errno == ECONNRESET),
		  "next send: %zd (%s)", n, n < 0 ? strerror(errno) : "accepted");
out:
	if (started) {
		shutdown(c, SHUT_RDWR);
		pthread_join(th, NULL);
	}
	tl_close(c);
	return tl_verdict();
}

static int case_rst_poll_reader_plain(void) { return reset_reader(false, true, 0); }
static int case_rst_poll_reader_accel(void) { return reset_reader(true, true, 0); }
static int case_rst_blocking_reader_plain(void) { return reset_reader(false, false, 0); }
static int case_rst_blocking_reader_attached(void) { return reset_reader(true, false, 0); }
static int case_rst_queued_data_plain(void) { return reset_reader(false, true, 32 * KiB); }
static int case_rst_queued_data_accel(void) { return reset_reader(true, true, 32 * KiB); }
static int case_rst_writer_plain(void) { return reset_writer(false); }
static int case_rst_writer_accel(void) { return reset_writer(true); }

/* ------------------------------------------------------------------ */
/* g) backpressure                                                     */

/* Write 64 KiB chunks for dur_ms to a reader that reads nothing; returns
 * the bytes accepted. Tracks the largest TCP memory seen. */
static uint64_t fill(int fd, int dur_ms, long long *max_mem, int *err)
{
	uint64_t sent = 0, deadline = tl_now_ms() + dur_ms;
	static char buf[64 * 1024];
	long long m;
	ssize_t n;

	*err = 0;
	while (tl_now_ms() < deadline) {
		tl_pat_fill(51, sent, buf, sizeof(buf));
		n = send(fd, buf, sizeof(buf), MSG_NOSIGNAL);
		if (n > 0) {
			sent += n;
			if (sent > 256 * MiB) {
				*err = E2BIG;	/* no bound at all */
				break;
			}
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			m = tl_tcp_mem_bytes();
			if (m > *max_mem)
				*max_mem = m;
			tl_wait(fd, POLLOUT, deadline);
			continue;
		}
		*err = n < 0 ? errno : EIO;
		break;
	}
	m = tl_tcp_mem_bytes();
	if (m > *max_mem)
		*max_mem = m;
	return sent;
}

static int case_backpressure(void)
{
	struct tl_xfer rx = { .seed = 51, .max_io = 256 * KiB, .timeout_ms = 20000,
			      .expect_eof = true };
	long long mem0, mem_plain = 0, mem_accel = 0;
	uint64_t plain, accel, bound;
	__u64 st0[VS_C_MAX], st1[VS_C_MAX];
	struct vs_sock_entry ce;
	struct vs_meta meta;
	char s1[400];
	int c = -1, s = -1, r, err;

	TL_EXPECT(!loader_read_meta(tl.ld, &meta), "loader_read_meta");
	TL_EXPECT(meta.max_queued > 0, "max_queued is 0");

	/* plain TCP, same procedure */
	r = rst_pair(false, true, &c, &s);
	TL_EXPECT(!r, "plain pair: %s", strerror(-r));
	plain = fill(c, 2000, &mem_plain, &err);
	TL_EXPECT(!err, "plain fill: %s", strerror(err));
	tl_close(c);
	tl_close(s);
	tl_sleep_ms(100);

	/* accelerated */
	r = tl_pair(AF_INET, true, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	TL_EXPECT_ACCEL("client", c, 0);
	TL_EXPECT(!tl_stats(st0), "loader_read_stats");
	mem0 = tl_tcp_mem_bytes();
	TL_EXPECT(mem0 >= 0, "/proc/net/sockstat: %s", strerror((int)-mem0));
	mem_accel = mem0;
	accel = fill(c, 2000, &mem_accel, &err);
	TL_EXPECT(!tl_stats(st1), "loader_read_stats");
	TL_EXPECT(!tl_entry(c, &ce), "client entry missing");
	tl_entry_str(&ce, s1, sizeof(s1));
	tl_diag("plain TCP accepted %llu B (TCP mem peak %lld KiB); accelerated accepted %llu B, "
		"TCP mem %lld -> peak %lld KiB, max_queued %llu; client %s",
		(unsigned long long)plain, mem_plain / 1024, (unsigned long long)accel,
		mem0 / 1024, mem_accel / 1024, (unsigned long long)meta.max_queued, s1);
	TL_EXPECT(err != E2BIG, "no backpressure: more than 256 MiB accepted by a reader that reads nothing");
	TL_EXPECT(!err, "fill: %s", strerror(err));
	/* the bound: what TCP alone holds plus max_queued, plus one message
	 * (an oversized message is let through once) */
	bound = meta.max_queued + plain + 64 * KiB;
	TL_EXPECT(accel <= bound,
		  "accepted %llu B before EAGAIN, bound is max_queued %llu + plain TCP %llu + 64 KiB",
		  (unsigned long long)accel, (unsigned long long)meta.max_queued,
		  (unsigned long long)plain);
	TL_EXPECT(mem_accel - mem0 < (long long)(64 * MiB),
		  "TCP memory grew by %lld KiB", (mem_accel - mem0) / 1024);
	TL_EXPECT(ce.tx_redir_bytes > 0, "nothing redirected: %s", s1);
	TL_EXPECT(ce.tx_redir_bytes <= meta.max_queued + 64 * KiB,
		  "redirected %llu B to a reader that read nothing, max_queued %llu",
		  (unsigned long long)ce.tx_redir_bytes, (unsigned long long)meta.max_queued);
	TL_EXPECT(st1[VS_C_PASS_QUEUE_LIMIT] > st0[VS_C_PASS_QUEUE_LIMIT],
		  "counter pass_queue_limit did not grow (%llu)",
		  (unsigned long long)st1[VS_C_PASS_QUEUE_LIMIT]);
	TL_EXPECT(ce.reason == VS_R_QUEUE_LIMIT, "client reason %s, want queue_limit",
		  tl_reason_name(ce.reason));

	/* now drain everything, in order */
	TL_EXPECT(!shutdown(c, SHUT_WR), "shutdown: %s", strerror(errno));
	rx.fd = s;
	rx.len = accel;
	TL_EXPECT(!tl_xfer_recv(&rx), "drain: %s", rx.why);
out:
	tl_enter_main();
	tl_close(c);
	tl_close(s);
	return tl_verdict();
}

/* Per-socket byte counters must match what send() accepted, also when a
 * send on a full socket is only partly accepted (EAGAIN after some bytes). */
static int case_accounting_partial_send(void)
{
	struct tl_xfer rx = { .seed = 51, .max_io = 256 * KiB, .timeout_ms = 20000,
			      .expect_eof = true };
	long long mem = 0;
	uint64_t accepted = 0;
	int c = -1, s = -1, r, err;

	r = tl_pair(AF_INET, true, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	accepted = fill(c, 500, &mem, &err);
	TL_EXPECT(!err, "fill: %s", strerror(err));
	TL_EXPECT_ACCOUNTING("client", c, accepted);
out:
	if (c >= 0 && s >= 0) {
		/* drain so nothing is left queued */
		shutdown(c, SHUT_WR);
		rx.fd = s;
		rx.len = accepted;
		tl_xfer_recv(&rx);
	}
	tl_close(c);
	tl_close(s);
	return tl_verdict();
}

/* ------------------------------------------------------------------ */
/* A blocking server socket that vsock may have put into the sockhash:
 * accepted without SOCK_NONBLOCK from a nonblocking listener, or switched
 * to blocking with fcntl() after accept. Its blocking recv() must block and
 * return data or EOF like plain TCP, never EAGAIN: while messages arrive,
 * and after its own shutdown(SHUT_WR) (the ACK of its FIN wakes it). */
#define BS_MSGS 4
#define BS_MSG (4 * KiB)

struct bs_server {
	int fd;
	int err;
	char why[300];
};

/* Blocking read of exactly len bytes of pattern seed at off. */
static int bs_read(struct bs_server *p, uint64_t seed, uint64_t off, size_t len,
		   const char *what)
{
	char buf[BS_MSG];
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = recv(p->fd, buf, len - got, 0);	/* blocking, no timeout */
		if (n > 0) {
			if (tl_pat_check(seed, off + got, buf, n) >= 0) {
				p->err = -EILSEQ;
				snprintf(p->why, sizeof(p->why), "server: wrong bytes in %s", what);
				return -1;
			}
			got += n;
			continue;
		}
		p->err = n ? -errno : -EPIPE;
		snprintf(p->why, sizeof(p->why), "blocking recv() %s after %zu of %zu bytes: %s",
			 what, got, len, n ? strerror(errno) : "EOF");
		return -1;
	}
	return 0;
}

static void *bs_server_run(void *arg)
{
	struct bs_server *p = arg;
	char buf[BS_MSG];
	ssize_t n;

	if (bs_read(p, 71, 0, BS_MSGS * BS_MSG, "while messages arrive"))
		return NULL;
	tl_pat_fill(72, 0, buf, sizeof(buf));
	if (tl_send_all(p->fd, buf, sizeof(buf), 5000, NULL) != sizeof(buf)) {
		p->err = -EIO;
		snprintf(p->why, sizeof(p->why), "server reply failed");
		return NULL;
	}
	shutdown(p->fd, SHUT_WR);
	/* the client answers 300 ms after our FIN */
	if (bs_read(p, 73, 0, BS_MSG, "after its own shutdown(SHUT_WR)"))
		return NULL;
	n = recv(p->fd, buf, sizeof(buf), 0);
	if (n != 0) {
		p->err = n < 0 ? -errno : -EPROTO;
		snprintf(p->why, sizeof(p->why), "blocking recv() at the client's FIN: %zd (%s), want 0",
			 n, n < 0 ? strerror(errno) : "data");
	}
	return NULL;
}

static int blocking_server(bool accel, bool fcntl_after_accept)
{
	struct bs_server srv = { 0 };
	struct vs_sock_entry e;
	bool started = false;
	char buf[BS_MSG], s1[400];
	pthread_t th;
	int l = -1, c = -1, s = -1, r, k;
	ssize_t n;

	if (!accel)
		TL_EXPECT(!(r = tl_enter_plain()), "enter plain cgroup: %s", strerror(-r));
	l = tl_listen(AF_INET, NULL, 0, true);	/* nonblocking listener */
	TL_EXPECT(l >= 0, "listen: %s", strerror(-l));
	c = tl_connect(AF_INET, NULL, tl_port(l), true);
	TL_EXPECT(c >= 0 && !(r = tl_wait_connected(c, 5000)), "connect");
	s = tl_accept(l, fcntl_after_accept, 5000);
	tl_enter_main();
	TL_EXPECT(s >= 0, "accept: %s", strerror(-s));
	if (fcntl_after_accept)
		TL_EXPECT(!tl_set_nonblock(s, false), "fcntl");
	if (!tl_entry(s, &e)) {
		tl_entry_str(&e, s1, sizeof(s1));
		tl_diag("server at accept: %s", s1);
	}
	srv.fd = s;
	TL_EXPECT(!pthread_create(&th, NULL, bs_server_run, &srv), "pthread_create");
	started = true;
	/* each message arrives while the server is already blocked in recv() */
	for (k = 0; k < BS_MSGS; k++) {
		tl_sleep_ms(100);
		tl_pat_fill(71, (uint64_t)k * BS_MSG, buf, sizeof(buf));
		TL_EXPECT(tl_send_all(c, buf, sizeof(buf), 5000, NULL) == sizeof(buf), "send %d", k);
	}
	n = tl_recv_all(c, buf, sizeof(buf), 5000);
	TL_EXPECT(n == sizeof(buf) || srv.err, "client: reply %zd%s%s", n, srv.err ? "; " : "",
		  srv.why);
	TL_EXPECT(tl_pat_check(72, 0, buf, sizeof(buf)) < 0, "reply differs");
	TL_EXPECT(!(r = tl_expect_eof(c, 5000)), "client: no EOF after the reply: %s",
		  strerror(-r));
	tl_sleep_ms(300);
	tl_pat_fill(73, 0, buf, sizeof(buf));
	TL_EXPECT(tl_send_all(c, buf, sizeof(buf), 5000, NULL) == sizeof(buf), "late send");
	TL_EXPECT(!shutdown(c, SHUT_WR), "shutdown");
	pthread_join(th, NULL);
	started = false;
	tl_show("client", c);
	tl_show("server", s);
	TL_EXPECT(!srv.err, "%s", srv.why);
out:
	if (started) {
		shutdown(s, SHUT_RDWR);
		pthread_join(th, NULL);
	}
	tl_close(l);
	tl_close(c);
	tl_close(s);
	return tl_verdict();
}

static int case_blocking_accept_plain(void) { return blocking_server(false, false); }
static int case_blocking_accept(void) { return blocking_server(true, false); }
static int case_fcntl_blocking_plain(void) { return blocking_server(false, true); }
static int case_fcntl_blocking(void) { return blocking_server(true, true); }

static const struct tl_case cases[] = {
	{ "halfclose_blocking", case_halfclose_blocking, 20 },
	{ "halfclose_nonblocking_accel", case_halfclose_nonblocking, 20 },
	{ "halfclose_client_switched_to_blocking", case_halfclose_switched, 20 },
	{ "reset_poll_reader_plain", case_rst_poll_reader_plain, 15 },
	{ "reset_poll_reader_accel", case_rst_poll_reader_accel, 15 },
	{ "reset_blocking_reader_plain", case_rst_blocking_reader_plain, 15 },
	{ "reset_blocking_reader_attached", case_rst_blocking_reader_attached, 15 },
	{ "reset_queued_data_plain", case_rst_queued_data_plain, 15 },
	{ "reset_queued_data_accel", case_rst_queued_data_accel, 15 },
	{ "reset_writer_plain", case_rst_writer_plain, 15 },
	{ "reset_writer_accel", case_rst_writer_accel, 15 },
	{ "backpressure_bounded", case_backpressure, 40 },
	{ "accounting_partial_send", case_accounting_partial_send, 20 },
	{ "blocking_accept_plain", case_blocking_accept_plain, 20 },
	{ "blocking_accept_from_nonblocking_listener", case_blocking_accept, 20 },
	{ "fcntl_blocking_after_accept_plain", case_fcntl_blocking_plain, 20 },
	{ "fcntl_blocking_after_accept", case_fcntl_blocking, 20 },
};

int main(void)
{
	return tl_main("test_semantics", cases, TL_NCASES(cases));
}
