// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Connection start (DESIGN.md, known kernel behaviour 5): bytes written
 * before the peer is in the map, or before anyone reads them, must never
 * be overtaken by later redirected bytes. Each case moves 1 MiB per
 * direction as many small writes that start right after connect() or
 * accept(), and checks every byte in order. */
#include "testlib.h"

#define CS_LEN (4 * MiB)

struct cs_opts {
	int accept_delay_ms;	/* server sleeps before accept() */
	bool defer_accept;	/* TCP_DEFER_ACCEPT on the listener */
	bool client_sends;	/* client -> server stream from connect() on */
	bool server_sends;	/* server -> client stream from accept() on */
	bool expect_accel;	/* both ends must end up redirecting */
};

/* Accounting adds up; with accel, the end is on the fast path too. */
static bool check_side(const char *what, int fd, __u64 sent, bool accel, int line)
{
	struct vs_sock_entry e;
	char s[400], why[600];

	tl_show(what, fd);
	if (tl_accounting(what, fd, sent, &e, why, sizeof(why))) {
		tl_fail_at(line, "%s", why);
		return false;
	}
	if (accel && (!e.in_sockhash || (sent && !e.tx_redir_bytes))) {
		tl_entry_str(&e, s, sizeof(s));
		tl_fail_at(line, "%s: not accelerated: %s", what, s);
		return false;
	}
	return true;
}

static int connstart(const struct cs_opts *o)
{
	/* mixed sizes from the first byte on: a long one-way run of small
	 * writes leaves the fast path by design (test_stream small_writes) */
	struct tl_xfer c_tx = { .seed = 101, .len = CS_LEN, .min_io = 1, .max_io = 65536,
				.rng = 1, .timeout_ms = 20000 };
	struct tl_xfer s_rx = { .seed = 101, .len = CS_LEN, .max_io = 65536,
				.timeout_ms = 20000 };
	struct tl_xfer s_tx = { .seed = 202, .len = CS_LEN, .min_io = 1, .max_io = 65536,
				.rng = 2, .timeout_ms = 20000 };
	struct tl_xfer c_rx = { .seed = 202, .len = CS_LEN, .max_io = 65536,
				.timeout_ms = 20000 };
	pthread_t th_ctx, th_crx, th_stx;
	bool ctx = false, crx = false, stx = false;
	int l = -1, c = -1, s = -1, r, secs = 5;

	l = tl_listen(AF_INET, NULL, 0, true);
	TL_EXPECT(l >= 0, "listen: %s", strerror(-l));
	if (o->defer_accept)
		TL_EXPECT(!setsockopt(l, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof(secs)),
			  "TCP_DEFER_ACCEPT: %s", strerror(errno));
	c = tl_connect(AF_INET, NULL, tl_port(l), true);
	TL_EXPECT(c >= 0, "connect: %s", strerror(-c));
	/* no wait for the handshake: the first send() polls for it */
	if (o->client_sends) {
		c_tx.fd = c;
		TL_EXPECT(!pthread_create(&th_ctx, NULL, tl_xfer_send_thread, &c_tx), "thread");
		ctx = true;
	}
	if (o->server_sends) {
		c_rx.fd = c;
		TL_EXPECT(!pthread_create(&th_crx, NULL, tl_xfer_recv_thread, &c_rx), "thread");
		crx = true;
	}
	if (o->accept_delay_ms)
		tl_sleep_ms(o->accept_delay_ms);
	s = tl_accept(l, true, 10000);
	TL_EXPECT(s >= 0, "accept: %s", strerror(-s));
	if (o->server_sends) {
		s_tx.fd = s;
		TL_EXPECT(!pthread_create(&th_stx, NULL, tl_xfer_send_thread, &s_tx), "thread");
		stx = true;
	}
	if (o->client_sends) {
		s_rx.fd = s;
		tl_xfer_recv(&s_rx);
	}
	if (ctx) {
		pthread_join(th_ctx, NULL);
		ctx = false;
	}
	if (stx) {
		pthread_join(th_stx, NULL);
		stx = false;
	}
	if (crx) {
		pthread_join(th_crx, NULL);
		crx = false;
	}
	/* readers first: a wrong byte is the cause, a stalled sender the effect */
	if (o->client_sends)
		TL_EXPECT(!s_rx.err, "server read: %s", s_rx.why);
	if (o->server_sends)
		TL_EXPECT(!c_rx.err, "client read: %s", c_rx.why);
	if (o->client_sends)
		TL_EXPECT(!c_tx.err, "client send: %s", c_tx.why);
	if (o->server_sends)
		TL_EXPECT(!s_tx.err, "server send: %s", s_tx.why);
	r = check_side("client", c, o->client_sends ? CS_LEN : 0, o->expect_accel, __LINE__);
	if (!r)
		goto out;
	check_side("server", s, o->server_sends ? CS_LEN : 0, o->expect_accel, __LINE__);
out:
	/* unblock and reap threads of a failed case */
	if (ctx || stx || crx) {
		if (c >= 0)
			shutdown(c, SHUT_RDWR);
		if (s >= 0)
			shutdown(s, SHUT_RDWR);
		if (ctx)
			pthread_join(th_ctx, NULL);
		if (stx)
			pthread_join(th_stx, NULL);
		if (crx)
			pthread_join(th_crx, NULL);
	}
	tl_close(l);
	tl_close(c);
	tl_close(s);
	return tl_verdict();
}

static int case_send_before_accept(void)
{
	struct cs_opts o = { .accept_delay_ms = 50, .client_sends = true,
			     .expect_accel = true };
	return connstart(&o);
}

static int case_late_accept(void)
{
	struct cs_opts o = { .accept_delay_ms = 200, .client_sends = true,
			     .expect_accel = true };
	return connstart(&o);
}

/* The server's socket exists only once data arrives: the client's first
 * bytes must go through TCP (its peer is not in the map yet). */
static int case_defer_accept(void)
{
	/* accept (and read) only after later bytes could have been redirected */
	struct cs_opts o = { .defer_accept = true, .client_sends = true,
			     .accept_delay_ms = 100 };
	return connstart(&o);
}

static int case_server_speaks_first(void)
{
	struct cs_opts o = { .server_sends = true, .expect_accel = true };
	return connstart(&o);
}

static int case_both_speak_at_once(void)
{
	struct cs_opts o = { .client_sends = true, .server_sends = true,
			     .expect_accel = true };
	return connstart(&o);
}

static int case_defer_accept_both(void)
{
	struct cs_opts o = { .defer_accept = true, .client_sends = true,
			     .server_sends = true, .accept_delay_ms = 100 };
	return connstart(&o);
}

static const struct tl_case cases[] = {
	{ "send_before_accept", case_send_before_accept, 30 },
	{ "late_accept_200ms", case_late_accept, 30 },
	{ "defer_accept", case_defer_accept, 30 },
	{ "server_speaks_first", case_server_speaks_first, 30 },
	{ "both_speak_at_once", case_both_speak_at_once, 30 },
	{ "defer_accept_both_directions", case_defer_accept_both, 30 },
};

int main(void)
{
	return tl_main("test_connstart", cases, TL_NCASES(cases));
}
