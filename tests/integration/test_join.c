// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Join-late: sockets whose file becomes non-blocking after connect() or
 * accept() join the fast path through vsockd's joiner (the vsock_join
 * iterator), in every way programs switch: fcntl, ioctl(FIONBIO), in a
 * child after fork(), with unread TCP bytes, and back and forth. Each case
 * runs vsockd, streams both ways with every byte checked, and requires the
 * fast path to carry most of it. */
#include <sys/ioctl.h>
#include "daemonlib.h"

enum join_switch {
	SW_FCNTL,		/* fcntl(F_SETFL, O_NONBLOCK) */
	SW_FIONBIO,		/* ioctl(FIONBIO, 1) */
};

struct join_opts {
	bool client_blocking;	/* connect() on a blocking file, switched after */
	bool server_blocking;	/* accept() without SOCK_NONBLOCK, switched after */
	bool listener_nb;	/* the listener is non-blocking (an event loop) */
	enum join_switch how;
	bool tcp_bytes_first;	/* 64 KiB each way through TCP before the switch */
	__u64 len;		/* per direction */
};

static int set_nonblock(int fd, enum join_switch how)
{
	int one = 1;

	if (how == SW_FIONBIO)
		return ioctl(fd, FIONBIO, &one) ? -errno : 0;
	return tl_set_nonblock(fd, true);
}

/* A blocking exchange of n bytes each way, before anything switches: on
 * plain TCP, as the first request and answer of many protocols are. */
static int blocking_exchange(int c, int s, __u64 n)
{
	static char buf[64 * 1024];

	if (n > sizeof(buf))
		return -EINVAL;
	tl_pat_fill(1, 0, buf, n);
	if (tl_send_all(c, buf, n, 5000, NULL) != (ssize_t)n ||
	    tl_recv_all(s, buf, n, 5000) != (ssize_t)n || tl_pat_check(1, 0, buf, n) >= 0)
		return -EIO;
	tl_pat_fill(2, 0, buf, n);
	if (tl_send_all(s, buf, n, 5000, NULL) != (ssize_t)n ||
	    tl_recv_all(c, buf, n, 5000) != (ssize_t)n || tl_pat_check(2, 0, buf, n) >= 0)
		return -EIO;
	return 0;
}

/* Both directions at once, poll-driven; off is where the streams start. */
static int stream_both(int c, int s, __u64 off, __u64 len, char *why, size_t wlen)
{
	struct tl_duplex d = {
		.c_tx = { .fd = c, .seed = 11, .off = off, .len = len, .min_io = 16 * KiB,
			  .max_io = MiB, .log_io = true, .rng = 3, .timeout_ms = 30000 },
		.s_rx = { .fd = s, .seed = 11, .off = off, .len = len, .max_io = MiB,
			  .timeout_ms = 30000 },
		.s_tx = { .fd = s, .seed = 22, .off = off, .len = len, .min_io = 16 * KiB,
			  .max_io = MiB, .log_io = true, .rng = 5, .timeout_ms = 30000 },
		.c_rx = { .fd = c, .seed = 22, .off = off, .len = len, .max_io = MiB,
			  .timeout_ms = 30000 },
	};

	return tl_xfer_duplex(&d, why, wlen);
}

/* After the switch: until both sockets joined (the joiner runs on an
 * event from their first non-blocking read), nothing is redirected. One
 * small message each way gives each end its first non-blocking read. */
static int wait_joined(int c, int s, int ms)
{
	uint64_t deadline = tl_now_ms() + ms;
	struct vs_rx_state crx, srx;
	char b = 0;

	for (;;) {
		if (tl_send_all(c, &b, 1, 2000, NULL) != 1 || tl_recv_all(s, &b, 1, 2000) != 1 ||
		    tl_send_all(s, &b, 1, 2000, NULL) != 1 || tl_recv_all(c, &b, 1, 2000) != 1)
			return -EIO;
		/* in the sockhash and staying there */
		if (!tl_rx_state(c, &crx) && !tl_rx_state(s, &srx) && !crx.closed && !srx.closed)
			return 0;
		if (tl_now_ms() >= deadline)
			return -ETIMEDOUT;
		tl_sleep_ms(2);
	}
}

static int join_case(struct join_opts o)
{
	struct vs_sock_entry ce, se;
	__u64 st0[VS_C_MAX], st1[VS_C_MAX];
	struct dl_daemon d;
	char why[300];
	int l = -1, c = -1, s = -1, r;
	__u64 pre = o.tcp_bytes_first ? 64 * KiB : 0, total;

	if (!o.len)
		o.len = 256 * MiB;
	r = dl_start(&d, "join.log");
	TL_EXPECT(!r, "vsockd: %s", strerror(-r));
	l = tl_listen(AF_INET, NULL, 0, true);
	TL_EXPECT(l >= 0, "listen: %s", strerror(-l));
	TL_EXPECT(!tl_set_nonblock(l, o.listener_nb), "listener mode");
	c = tl_connect(AF_INET, NULL, tl_port(l), !o.client_blocking);
	TL_EXPECT(c >= 0, "connect: %s", strerror(-c));
	if (!o.client_blocking)
		TL_EXPECT(!tl_wait_connected(c, 5000), "connected");
	s = tl_accept(l, !o.server_blocking, 5000);
	TL_EXPECT(s >= 0, "accept: %s", strerror(-s));
	if (pre)
		TL_EXPECT(!blocking_exchange(c, s, pre), "exchange before the switch");
	if (o.client_blocking)
		TL_EXPECT(!set_nonblock(c, o.how), "switch client: %s", strerror(errno));
	if (o.server_blocking)
		TL_EXPECT(!set_nonblock(s, o.how), "switch server: %s", strerror(errno));
	r = wait_joined(c, s, 5000);
	if (r) {
		tl_show("client", c);
		tl_show("server", s);
		dl_show_log(&d);
	}
	TL_EXPECT(!r, "both ends in the sockhash after the switch: %s", strerror(-r));
	tl_stats(st0);
	r = stream_both(c, s, 0, o.len, why, sizeof(why));
	tl_stats(st1);
	TL_EXPECT(!r, "stream: %s", why);
	TL_EXPECT(!loader_lookup_socket(tl.ld, tl_cookie(c), &ce) &&
		  !loader_lookup_socket(tl.ld, tl_cookie(s), &se), "entries");
	total = o.len;
	tl_diag("redirected: client %.1f%%, server %.1f%% of %llu MiB each way; passed: "
		"queue_limit %llu, tcp_unread %llu, no_peer %llu messages",
		100.0 * ce.tx_redir_bytes / total, 100.0 * se.tx_redir_bytes / total,
		(unsigned long long)(total / MiB),
		(unsigned long long)(st1[VS_C_PASS_QUEUE_LIMIT] - st0[VS_C_PASS_QUEUE_LIMIT]),
		(unsigned long long)(st1[VS_C_PASS_TCP_UNREAD] - st0[VS_C_PASS_TCP_UNREAD]),
		(unsigned long long)(st1[VS_C_PASS_NO_PEER] - st0[VS_C_PASS_NO_PEER]));
	/* typically 95-100 %; a reader that falls behind keeps its writer on
	 * TCP until it catches up (backpressure), which a busy CI host makes
	 * longer */
	TL_EXPECT(ce.tx_redir_bytes * 10 >= total * 8 && se.tx_redir_bytes * 10 >= total * 8,
		  "under 80%% redirected: client %llu, server %llu of %llu",
		  (unsigned long long)ce.tx_redir_bytes, (unsigned long long)se.tx_redir_bytes,
		  (unsigned long long)total);
out:
	tl_close(l);
	tl_close(c);
	tl_close(s);
	dl_stop(&d);
	return tl_verdict();
}

static int case_connect_blocking_fcntl(void)
{
	return join_case((struct join_opts){ .client_blocking = true, .listener_nb = true });
}

static int case_accept_blocking_fcntl(void)
{
	return join_case((struct join_opts){ .server_blocking = true });
}

static int case_accept_from_nb_listener(void)
{
	return join_case((struct join_opts){ .server_blocking = true, .listener_nb = true });
}

static int case_both_fionbio(void)
{
	return join_case((struct join_opts){ .client_blocking = true, .server_blocking = true,
					     .how = SW_FIONBIO });
}

static int case_unread_tcp_bytes(void)
{
	return join_case((struct join_opts){ .client_blocking = true, .server_blocking = true,
					     .tcp_bytes_first = true });
}

/* FIONREAD of fd, -1 on error. */
static int inq(int fd)
{
	int n;

	return ioctl(fd, FIONREAD, &n) ? -1 : n;
}

/* Poll until FIONREAD of fd says want (the joiner's second pass hands
 * queued TCP bytes to the receive verdict a few microseconds after the
 * insert); the last value read. */
static int wait_inq(int fd, int want, int ms)
{
	uint64_t deadline = tl_now_ms() + ms;
	int n;

	while ((n = inq(fd)) != want && tl_now_ms() < deadline)
		tl_sleep_ms(1);
	return n;
}

/* A socket joins with TCP bytes its reader has not taken: the client
 * sends 1 MiB on plain TCP, the server reads 200 000 bytes of it, both
 * turn non-blocking, and while the server reads on in small non-blocking
 * reads the joiner takes both in. The receive verdict must cut off the
 * part of the head skb that plain reads took (TCP coalesces a queue
 * nobody reads into skbs of about 300 KiB: more than the 32 cuts of 4095
 * bytes the verdict once made read 68 960 bytes twice) and deliver the
 * rest once, in order, with FIONREAD counting it as plain TCP would. */
static int case_join_with_bytes_queued(void)
{
	static char buf[MiB];
	__u64 st0[VS_C_MAX], st1[VS_C_MAX];
	size_t len = MiB, done = 200000, n;
	struct vs_rx_state crx, srx;
	struct dl_daemon d;
	uint64_t deadline;
	int c = -1, s = -1, r, avail;
	ssize_t got;
	char b;

	r = dl_start(&d, "queued.log");
	TL_EXPECT(!r, "vsockd: %s", strerror(-r));
	r = tl_pair(AF_INET, false, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	/* room for all of it: the window stays shut at the default buffer */
	r = 4 * MiB;
	TL_EXPECT(!setsockopt(s, SOL_SOCKET, SO_RCVBUF, &r, sizeof(r)), "SO_RCVBUF");
	tl_pat_fill(31, 0, buf, len);
	TL_EXPECT(tl_send_all(c, buf, len, 5000, NULL) == (ssize_t)len, "1 MiB on TCP");
	TL_EXPECT(wait_inq(s, len, 5000) == (int)len, "all of it queued at the server");
	TL_EXPECT(tl_recv_all(s, buf, done, 5000) == (ssize_t)done &&
		  tl_pat_check(31, 0, buf, done) < 0, "the first 200 000 bytes");
	tl_stats(st0);
	TL_EXPECT(!tl_set_nonblock(c, true) && !tl_set_nonblock(s, true), "fcntl");
	/* non-blocking uses of both ends offer them to the joiner: the server
	 * reads on, the client reads a byte the server sends each round */
	deadline = tl_now_ms() + 5000;
	for (;;) {
		got = recv(s, buf, 1000, MSG_DONTWAIT);
		TL_EXPECT(got > 0 && tl_pat_check(31, done, buf, got) < 0,
			  "server read at %zu: %zd %s", done, got, got < 0 ? strerror(errno) : "");
		done += got;
		b = 1;
		TL_EXPECT(send(s, &b, 1, MSG_DONTWAIT) == 1 &&
			  tl_recv_all(c, &b, 1, 2000) == 1, "a byte to the client");
		if (!tl_rx_state(c, &crx) && !tl_rx_state(s, &srx))
			break;
		TL_EXPECT(tl_now_ms() < deadline && done < len,
			  "not joined after reading %zu of %zu bytes", done, len);
	}
	/* joined with len - done bytes on the TCP queue */
	avail = wait_inq(s, len - done, 2000);
	TL_EXPECT(avail == (int)(len - done), "FIONREAD %d after the join, %zu bytes queued",
		  avail, len - done);
	while (done < len) {
		n = len - done < 65536 ? len - done : 65536;
		got = recv(s, buf, n, MSG_DONTWAIT);
		TL_EXPECT(got > 0, "server read at %zu of %zu: %s", done, len,
			  got < 0 ? strerror(errno) : "EOF");
		r = tl_pat_check(31, done, buf, got) >= 0;
		TL_EXPECT(!r, "wrong bytes at %zu", done);
		done += got;
	}
	TL_EXPECT(inq(s) == 0 && recv(s, buf, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN,
		  "nothing after the 1 MiB");
	tl_stats(st1);
	tl_diag("joined %llu, join_clocked %llu, rx_overlap_trimmed %llu, rx_overlap_failed %llu",
		(unsigned long long)(st1[VS_C_JOINED] - st0[VS_C_JOINED]),
		(unsigned long long)(st1[VS_C_JOIN_CLOCKED] - st0[VS_C_JOIN_CLOCKED]),
		(unsigned long long)(st1[VS_C_RX_OVERLAP_TRIMMED] - st0[VS_C_RX_OVERLAP_TRIMMED]),
		(unsigned long long)(st1[VS_C_RX_OVERLAP_FAILED] - st0[VS_C_RX_OVERLAP_FAILED]));
	TL_EXPECT(st1[VS_C_JOIN_CLOCKED] > st0[VS_C_JOIN_CLOCKED],
		  "the server did not join with its bytes queued");
	TL_EXPECT(st1[VS_C_RX_OVERLAP_FAILED] == st0[VS_C_RX_OVERLAP_FAILED],
		  "the verdict failed to cut a head");
out:
	tl_close(c);
	tl_close(s);
	dl_stop(&d);
	return tl_verdict();
}

/* Both ends of an echo on one thread, as an asyncio program with its
 * server and client on one event loop runs them: at each wake-up the
 * client writes 64 KiB of its stream, the server reads up to 64 KiB and
 * writes it back, the client reads up to 1 MiB of the echo and checks
 * it. Neither TCP receive queue is ever empty. 0 or -errno. */
struct echo_loop {
	int c, s;
	__u64 len, sent, echoed, got;
	size_t pend_off, pend_len;	/* server bytes read, not yet written back */
	bool s_eof;			/* the server read EOF and shut down */
	char in[64 * KiB], out[64 * KiB], back[MiB];
};

static int echo_step(struct echo_loop *e, short crev, short srev)
{
	ssize_t n;
	size_t k;

	if ((crev & POLLOUT) && e->sent < e->len) {
		k = e->len - e->sent < sizeof(e->out) ? e->len - e->sent : sizeof(e->out);
		tl_pat_fill(41, e->sent, e->out, k);
		n = send(e->c, e->out, k, MSG_DONTWAIT);
		if (n > 0 && (e->sent += n) == e->len && shutdown(e->c, SHUT_WR))
			return -errno;
	}
	if ((srev & (POLLIN | POLLOUT)) && !e->pend_len && !e->s_eof) {
		n = recv(e->s, e->in, sizeof(e->in), MSG_DONTWAIT);
		if (n == 0 && (e->s_eof = true) && shutdown(e->s, SHUT_WR))
			return -errno;
		if (n > 0) {
			e->pend_off = 0;
			e->pend_len = n;
		}
	}
	if (e->pend_len) {
		n = send(e->s, e->in + e->pend_off, e->pend_len, MSG_DONTWAIT);
		if (n > 0) {
			e->pend_off += n;
			e->pend_len -= n;
		}
	}
	if (crev & POLLIN) {
		n = recv(e->c, e->back, sizeof(e->back), MSG_DONTWAIT);
		if (n == 0)
			return e->got == e->len ? 1 : -EPROTO;
		if (n > 0) {
			if (tl_pat_check(41, e->got, e->back, n) >= 0)
				return -EILSEQ;
			e->got += n;
		}
	}
	return 0;
}

static int echo_run(struct echo_loop *e, int timeout_ms)
{
	uint64_t deadline = tl_now_ms() + timeout_ms;
	struct pollfd p[2];
	int r = 0;

	while (!r && tl_now_ms() < deadline) {
		p[0] = (struct pollfd){ .fd = e->c, .events = POLLIN |
					(e->sent < e->len ? POLLOUT : 0) };
		p[1] = (struct pollfd){ .fd = e->s, .events = e->pend_len ? POLLOUT :
					e->s_eof ? 0 : POLLIN };
		if (poll(p, 2, 100) < 0)
			return -errno;
		r = echo_step(e, p[0].revents, p[1].revents);
	}
	return r < 0 ? r : r ? 0 : -ETIMEDOUT;
}

/* An echo whose client streams from its first byte (above): the server
 * never shows the joiner an empty TCP receive queue, so it joins with
 * bytes queued. Before it could, it never joined and nothing was
 * redirected (4 of 4 runs; 98-99 % each way since). Every byte checked,
 * then EOF. */
static int case_stream_from_first_byte(void)
{
	struct echo_loop *e = NULL;
	struct vs_sock_entry ce, se;
	__u64 clocked0, st[VS_C_MAX];
	struct dl_daemon d;
	int r;

	r = dl_start(&d, "firstbyte.log");
	TL_EXPECT(!r, "vsockd: %s", strerror(-r));
	e = calloc(1, sizeof(*e));
	TL_EXPECT(e, "calloc");
	e->c = e->s = -1;
	e->len = 256 * MiB;
	tl_stats(st);
	clocked0 = st[VS_C_JOIN_CLOCKED];
	r = tl_pair(AF_INET, true, &e->c, &e->s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	r = echo_run(e, 30000);
	TL_EXPECT(!r, "echo: %s after %llu of %llu bytes back", strerror(-r),
		  (unsigned long long)e->got, (unsigned long long)e->len);
	TL_EXPECT(!loader_lookup_socket(tl.ld, tl_cookie(e->c), &ce) &&
		  !loader_lookup_socket(tl.ld, tl_cookie(e->s), &se), "entries");
	tl_stats(st);
	tl_diag("redirected: client %.1f%%, echo %.1f%% of %llu MiB each way; "
		"joined with bytes queued: %llu",
		100.0 * ce.tx_redir_bytes / e->len, 100.0 * se.tx_redir_bytes / e->len,
		(unsigned long long)(e->len / MiB),
		(unsigned long long)(st[VS_C_JOIN_CLOCKED] - clocked0));
	TL_EXPECT(ce.joined && se.joined, "joined: client %u, server %u", ce.joined, se.joined);
	TL_EXPECT(se.tx_redir_bytes * 2 >= e->len, "echo: only %llu of %llu bytes redirected",
		  (unsigned long long)se.tx_redir_bytes, (unsigned long long)e->len);
out:
	if (e) {
		tl_close(e->c);
		tl_close(e->s);
	}
	free(e);
	dl_stop(&d);
	return tl_verdict();
}

/* Joined, then blocking (it leaves), a blocking exchange on plain TCP,
 * then non-blocking again: it joins again and the fast path carries the
 * rest. */
static int case_rejoin_after_blocking(void)
{
	struct vs_sock_entry se;
	__u64 redir0, total = 64 * MiB;
	struct dl_daemon d;
	char why[300];
	int c = -1, s = -1, r;

	r = dl_start(&d, "rejoin.log");
	TL_EXPECT(!r, "vsockd: %s", strerror(-r));
	r = tl_pair(AF_INET, true, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	TL_EXPECT(!wait_joined(c, s, 5000), "joined at first");
	TL_EXPECT(!stream_both(c, s, 0, total, why, sizeof(why)), "first stream: %s", why);
	TL_EXPECT(!tl_set_nonblock(s, false) && !tl_set_nonblock(c, false), "fcntl blocking");
	TL_EXPECT(!blocking_exchange(c, s, 4 * KiB), "blocking exchange");
	TL_EXPECT(!loader_lookup_socket(tl.ld, tl_cookie(s), &se), "server entry");
	TL_EXPECT(strcmp(tl_reason_name(se.reason), "blocking") == 0,
		  "server reason %s while blocking, want blocking", tl_reason_name(se.reason));
	redir0 = se.tx_redir_bytes;
	TL_EXPECT(!tl_set_nonblock(s, true) && !tl_set_nonblock(c, true), "fcntl non-blocking");
	TL_EXPECT(!wait_joined(c, s, 5000), "joined again");
	TL_EXPECT(!stream_both(c, s, total, total, why, sizeof(why)), "second stream: %s", why);
	TL_EXPECT(!loader_lookup_socket(tl.ld, tl_cookie(s), &se), "server entry");
	tl_diag("second stream: server redirected %.1f%%",
		100.0 * (se.tx_redir_bytes - redir0) / total);
	TL_EXPECT((se.tx_redir_bytes - redir0) * 10 >= total * 8,
		  "second stream: only %llu of %llu bytes redirected",
		  (unsigned long long)(se.tx_redir_bytes - redir0), (unsigned long long)total);
out:
	tl_close(c);
	tl_close(s);
	dl_stop(&d);
	return tl_verdict();
}

/* The peer shut down before the switch: a socket whose peer's FIN arrived
 * (CLOSE_WAIT) cannot join a sockhash; it stays on TCP, every byte and
 * the end of stream arrive, and its reply goes back. */
static int case_fin_before_switch(void)
{
	struct vs_sock_entry se;
	struct dl_daemon d;
	char buf[64 * 1024];
	int c = -1, s = -1, r;

	r = dl_start(&d, "fin.log");
	TL_EXPECT(!r, "vsockd: %s", strerror(-r));
	r = tl_pair(AF_INET, false, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	tl_pat_fill(5, 0, buf, sizeof(buf));
	TL_EXPECT(tl_send_all(c, buf, sizeof(buf), 5000, NULL) == sizeof(buf), "request");
	TL_EXPECT(!shutdown(c, SHUT_WR), "shutdown");
	tl_sleep_ms(50);	/* the FIN is there before the switch */
	TL_EXPECT(!tl_set_nonblock(s, true) && !tl_set_nonblock(c, true), "fcntl");
	TL_EXPECT(tl_recv_all(s, buf, sizeof(buf), 5000) == sizeof(buf) &&
		  tl_pat_check(5, 0, buf, sizeof(buf)) < 0, "request bytes");
	TL_EXPECT(!tl_expect_eof(s, 5000), "end of the request stream");
	tl_pat_fill(6, 0, buf, sizeof(buf));
	TL_EXPECT(tl_send_all(s, buf, sizeof(buf), 5000, NULL) == sizeof(buf), "reply");
	TL_EXPECT(tl_recv_all(c, buf, sizeof(buf), 5000) == sizeof(buf) &&
		  tl_pat_check(6, 0, buf, sizeof(buf)) < 0, "reply bytes");
	tl_sleep_ms(50);	/* a joiner run, had anything been queued */
	TL_EXPECT(!loader_lookup_socket(tl.ld, tl_cookie(s), &se), "server entry");
	TL_EXPECT(!se.in_sockhash && !se.tx_redir_bytes,
		  "a socket in CLOSE_WAIT joined: in_sockhash=%u redirected=%llu",
		  se.in_sockhash, (unsigned long long)se.tx_redir_bytes);
out:
	tl_close(c);
	tl_close(s);
	dl_stop(&d);
	return tl_verdict();
}

/* Wait until the kernel freed the sockets of these cookies (their table
 * entries go then, and their coverage is added). */
static int wait_destroyed(const __u64 *cookies, int n, int ms)
{
	uint64_t deadline = tl_now_ms() + ms;
	struct vs_sock_entry e;
	int i, left;

	do {
		for (i = left = 0; i < n; i++)
			left += !loader_lookup_socket(tl.ld, cookies[i], &e);
		if (!left)
			return 0;
		tl_sleep_ms(5);
	} while (tl_now_ms() < deadline);
	return -ETIMEDOUT;
}

/* Coverage: a non-blocking pair that joined counts under "none" with its
 * redirected bytes, a blocking pair under "blocking" with its TCP bytes,
 * live and after the kernel freed them; vsockctl shows the same rows. */
static int case_coverage(void)
{
	struct vs_coverage c0[VS_R_MAX], c1[VS_R_MAX], c2[VS_R_MAX];
	__u64 total = 16 * MiB, cookies[4], redir = 0, pass = 0;
	struct vs_sock_entry e;
	char why[300], out[16384];
	struct dl_daemon dm;
	int fd[4] = { -1, -1, -1, -1 }, r, i;

	r = dl_start(&dm, "coverage.log");
	TL_EXPECT(!r, "vsockd: %s", strerror(-r));
	TL_EXPECT(!loader_read_coverage(tl.ld, c0), "read coverage");
	TL_EXPECT(!tl_pair(AF_INET, true, &fd[0], &fd[1]), "non-blocking pair");
	TL_EXPECT(!tl_pair(AF_INET, false, &fd[2], &fd[3]), "blocking pair");
	TL_EXPECT(!wait_joined(fd[0], fd[1], 5000), "joined");
	TL_EXPECT(!stream_both(fd[0], fd[1], 0, total, why, sizeof(why)), "stream: %s", why);
	TL_EXPECT(!blocking_exchange(fd[2], fd[3], 64 * KiB), "blocking exchange");
	for (i = 0; i < 4; i++)
		cookies[i] = tl_cookie(fd[i]);
	for (i = 0; i < 2; i++) {
		TL_EXPECT(!loader_lookup_socket(tl.ld, cookies[i], &e), "entry");
		redir += e.tx_redir_bytes;
		pass += e.tx_pass_bytes;
	}
	TL_EXPECT(redir > 0, "nothing redirected");
	TL_EXPECT(!loader_read_coverage(tl.ld, c1), "read coverage");
	r = dl_run_ctl(out, sizeof(out), "%s -j --pin-root %s stats", dl.vsockctl, tl.pin_root);
	TL_EXPECT(r == 0 && strstr(out, "\"coverage\"") &&
		  strstr(out, "\"reason\":\"blocking\""), "vsockctl -j stats: %d %.300s", r, out);
	r = dl_run_ctl(out, sizeof(out), "%s --pin-root %s stats --prometheus", dl.vsockctl,
		    tl.pin_root);
	TL_EXPECT(r == 0 && strstr(out, "vsock_coverage_sockets{reason=\"blocking\"} "),
		  "vsockctl stats --prometheus: %d %.300s", r, out);
	for (i = 0; i < 4; i++) {
		tl_close(fd[i]);
		fd[i] = -1;
	}
	TL_EXPECT(!wait_destroyed(cookies, 4, 5000), "sockets freed");
	TL_EXPECT(!loader_read_coverage(tl.ld, c2), "read coverage");
	for (i = 0; i < 2; i++) {
		const struct vs_coverage *c = i ? c2 : c1;
		const char *when = i ? "closed" : "live";

		tl_diag("%s: none %llu sockets (%llu joined), %llu of %llu MiB redirected; "
			"blocking %llu sockets, %llu KiB through TCP", when,
			(unsigned long long)(c[VS_R_NONE].sockets - c0[VS_R_NONE].sockets),
			(unsigned long long)(c[VS_R_NONE].joined - c0[VS_R_NONE].joined),
			(unsigned long long)((c[VS_R_NONE].redir_bytes -
					      c0[VS_R_NONE].redir_bytes) / MiB),
			(unsigned long long)(2 * total / MiB),
			(unsigned long long)(c[VS_R_BLOCKING].sockets - c0[VS_R_BLOCKING].sockets),
			(unsigned long long)((c[VS_R_BLOCKING].pass_bytes -
					      c0[VS_R_BLOCKING].pass_bytes) / KiB));
		TL_EXPECT(c[VS_R_NONE].sockets - c0[VS_R_NONE].sockets == 2 &&
			  c[VS_R_NONE].joined - c0[VS_R_NONE].joined == 2,
			  "%s: the joined pair is not 2 joined sockets under none", when);
		/* what the two entries say they sent, each way */
		TL_EXPECT(c[VS_R_NONE].redir_bytes - c0[VS_R_NONE].redir_bytes == redir &&
			  c[VS_R_NONE].pass_bytes - c0[VS_R_NONE].pass_bytes == pass,
			  "%s: none has %llu redirected, %llu passed; the entries %llu, %llu", when,
			  (unsigned long long)(c[VS_R_NONE].redir_bytes - c0[VS_R_NONE].redir_bytes),
			  (unsigned long long)(c[VS_R_NONE].pass_bytes - c0[VS_R_NONE].pass_bytes),
			  (unsigned long long)redir, (unsigned long long)pass);
		TL_EXPECT(c[VS_R_BLOCKING].sockets - c0[VS_R_BLOCKING].sockets == 2 &&
			  c[VS_R_BLOCKING].joined == c0[VS_R_BLOCKING].joined &&
			  c[VS_R_BLOCKING].pass_bytes - c0[VS_R_BLOCKING].pass_bytes == 128 * KiB &&
			  c[VS_R_BLOCKING].redir_bytes == c0[VS_R_BLOCKING].redir_bytes,
			  "%s: the blocking pair is not 2 sockets with 128 KiB through TCP", when);
	}
out:
	for (i = 0; i < 4; i++)
		tl_close(fd[i]);
	dl_stop(&dm);
	return tl_verdict();
}

static const struct tl_case cases[] = {
	{ "connect_blocking_then_fcntl", case_connect_blocking_fcntl, 60 },
	{ "accept_blocking_then_fcntl", case_accept_blocking_fcntl, 60 },
	{ "accept_from_nonblocking_listener_then_fcntl", case_accept_from_nb_listener, 60 },
	{ "both_ioctl_fionbio", case_both_fionbio, 60 },
	{ "tcp_bytes_before_the_switch", case_unread_tcp_bytes, 60 },
	{ "join_with_tcp_bytes_queued", case_join_with_bytes_queued, 60 },
	{ "stream_from_the_first_byte", case_stream_from_first_byte, 60 },
	{ "joined_blocking_then_nonblocking_again", case_rejoin_after_blocking, 60 },
	{ "peer_fin_before_the_switch_stays_on_tcp", case_fin_before_switch, 30 },
	{ "coverage_by_reason_live_and_closed", case_coverage, 60 },
};

int main(void)
{
	return dl_main("test_join", cases, TL_NCASES(cases));
}
