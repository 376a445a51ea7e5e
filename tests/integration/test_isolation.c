// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Who is (and is not) accelerated: IPv6 and IPv4 clients of a dual-stack
 * listener, two network namespaces with the identical 4-tuple, a connection
 * that predates attach, and a peer in a cgroup that is not attached. */
#include "testlib.h"

/* Both directions of a connected pair at once: len bytes each way with
 * seeds sa (c -> s) and sb (s -> c), all verified. */
static int exchange(int c, int s, uint64_t len, uint64_t sa, uint64_t sb, uint64_t off,
		    char *why, size_t wl)
{
	struct tl_duplex d = {
		.c_tx = { .fd = c, .seed = sa, .off = off, .len = len, .min_io = 1,
			  .max_io = 65536, .rng = sa, .timeout_ms = 15000 },
		.s_rx = { .fd = s, .seed = sa, .off = off, .len = len,
			  .max_io = 65536, .timeout_ms = 15000 },
		.s_tx = { .fd = s, .seed = sb, .off = off, .len = len, .min_io = 1,
			  .max_io = 65536, .rng = sb, .timeout_ms = 15000 },
		.c_rx = { .fd = c, .seed = sb, .off = off, .len = len,
			  .max_io = 65536, .timeout_ms = 15000 },
	};

	return tl_xfer_duplex(&d, why, wl);
}

#define EXCHANGE(c, s, len, sa, sb, off)					\
	do {									\
		char why_[400];							\
		TL_EXPECT(!exchange(c, s, len, sa, sb, off, why_, sizeof(why_)),	\
			  "%s", why_);						\
	} while (0)

/* j) IPv6 and IPv4 clients of one dual-stack [::] listener. */
static int case_dualstack(void)
{
	struct vs_sock_entry e;
	int l = -1, c6 = -1, s6 = -1, c4 = -1, s4 = -1, r;
	char s[400];

	l = tl_listen(AF_INET6, "::", 0, false);
	TL_EXPECT(l >= 0, "listen [::] (v6only=0): %s", strerror(-l));

	c6 = tl_connect(AF_INET6, "::1", tl_port(l), true);
	TL_EXPECT(c6 >= 0, "connect [::1]: %s", strerror(-c6));
	TL_EXPECT(!(r = tl_wait_connected(c6, 5000)), "connect [::1]: %s", strerror(-r));
	s6 = tl_accept(l, true, 5000);
	TL_EXPECT(s6 >= 0, "accept v6: %s", strerror(-s6));

	c4 = tl_connect(AF_INET, "127.0.0.1", tl_port(l), true);
	TL_EXPECT(c4 >= 0, "connect 127.0.0.1: %s", strerror(-c4));
	TL_EXPECT(!(r = tl_wait_connected(c4, 5000)), "connect 127.0.0.1: %s", strerror(-r));
	s4 = tl_accept(l, true, 5000);
	TL_EXPECT(s4 >= 0, "accept v4-mapped: %s", strerror(-s4));

	EXCHANGE(c6, s6, 256 * KiB, 61, 62, 0);
	EXCHANGE(c4, s4, 256 * KiB, 63, 64, 0);
	tl_show("v6 client", c6);
	tl_show("v4 client", c4);
	tl_show("v4-mapped server", s4);
	TL_EXPECT_ACCEL("IPv6 client", c6, 1);
	TL_EXPECT_ACCEL("IPv6 server", s6, 1);
	TL_EXPECT_ACCEL("IPv4 client", c4, 1);
	TL_EXPECT_ACCEL("IPv4-mapped server", s4, 1);
	/* the v4 client's entry shows the mapped form of 127.0.0.1 */
	TL_EXPECT(!tl_entry(c4, &e), "v4 entry");
	tl_entry_str(&e, s, sizeof(s));
	TL_EXPECT(e.remote.ip[10] == 0xff && e.remote.ip[11] == 0xff && e.remote.ip[12] == 127,
		  "v4 client remote address not IPv4-mapped 127.x: %s", s);
out:
	tl_close(l);
	tl_close(c6);
	tl_close(s6);
	tl_close(c4);
	tl_close(s4);
	return tl_verdict();
}

/* k) two netns, identical 127.0.0.1:40001 <-> 127.0.0.1:40002 at once. */
#define NS_PORT_SRV 40001
#define NS_PORT_CLI 40002
#define NS_LEN (4 * MiB)

struct ns_shared {
	__u64 netns[2];
	__u64 redir_c[2], redir_s[2];
	int ready;		/* children listening and connected */
	int go;
};

struct ns_arg {
	int idx;
	struct ns_shared *sh;
};

static int ns_child(void *arg, int wfd)
{
	struct ns_arg *a = arg;
	struct sockaddr_storage ss;
	struct vs_sock_entry ce, se;
	uint64_t deadline;
	char why[400];
	int l, c, s, one = 1, r;
	socklen_t len;

	if ((r = tl_netns_new()))
		return tl_child_fail(wfd, "ns %d: unshare: %s", a->idx, strerror(-r));
	l = tl_listen(AF_INET, "127.0.0.1", NS_PORT_SRV, true);
	if (l < 0)
		return tl_child_fail(wfd, "ns %d: listen: %s", a->idx, strerror(-l));
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	len = tl_sockaddr(AF_INET, "127.0.0.1", NS_PORT_CLI, &ss);
	if (bind(c, (struct sockaddr *)&ss, len))
		return tl_child_fail(wfd, "ns %d: bind client: %s", a->idx, strerror(errno));
	len = tl_sockaddr(AF_INET, "127.0.0.1", NS_PORT_SRV, &ss);
	if (connect(c, (struct sockaddr *)&ss, len) && errno != EINPROGRESS)
		return tl_child_fail(wfd, "ns %d: connect: %s", a->idx, strerror(errno));
	if ((r = tl_wait_connected(c, 5000)))
		return tl_child_fail(wfd, "ns %d: connect: %s", a->idx, strerror(-r));
	s = tl_accept(l, true, 5000);
	if (s < 0)
		return tl_child_fail(wfd, "ns %d: accept: %s", a->idx, strerror(-s));
	/* both namespaces have the same tuple established before any byte moves */
	__atomic_add_fetch(&a->sh->ready, 1, __ATOMIC_SEQ_CST);
	deadline = tl_now_ms() + 5000;
	while (!__atomic_load_n(&a->sh->go, __ATOMIC_SEQ_CST)) {
		if (tl_now_ms() > deadline)
			return tl_child_fail(wfd, "ns %d: no go from parent", a->idx);
		tl_sleep_ms(1);
	}
	if (exchange(c, s, NS_LEN, 1000 + a->idx, 2000 + a->idx, 0, why, sizeof(why)))
		return tl_child_fail(wfd, "ns %d: %s", a->idx, why);
	if (tl_entry(c, &ce) || tl_entry(s, &se))
		return tl_child_fail(wfd, "ns %d: no socket-table entries", a->idx);
	a->sh->netns[a->idx] = ce.netns_cookie;
	a->sh->redir_c[a->idx] = ce.tx_redir_bytes;
	a->sh->redir_s[a->idx] = se.tx_redir_bytes;
	if (!ce.in_sockhash || !se.in_sockhash || !ce.tx_redir_bytes || !se.tx_redir_bytes) {
		tl_entry_str(&ce, why, sizeof(why));
		return tl_child_fail(wfd, "ns %d: not accelerated: client %s", a->idx, why);
	}
	if (ce.local.port != NS_PORT_CLI || ce.remote.port != NS_PORT_SRV)
		return tl_child_fail(wfd, "ns %d: entry ports %u->%u", a->idx, ce.local.port,
				     ce.remote.port);
	return 0;
}

static int case_two_netns_same_tuple(void)
{
	struct ns_shared *sh;
	struct tl_child ch[2] = { { -1, -1 }, { -1, -1 } };
	struct ns_arg arg[2];
	uint64_t deadline;
	char why[512];
	int i, r;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	TL_EXPECT(sh != MAP_FAILED, "mmap");
	memset(sh, 0, sizeof(*sh));
	for (i = 0; i < 2; i++) {
		arg[i].idx = i;
		arg[i].sh = sh;
		r = tl_child_start(&ch[i], ns_child, &arg[i]);
		TL_EXPECT(!r, "fork: %s", strerror(-r));
	}
	deadline = tl_now_ms() + 5000;
	while (__atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST) < 2 && tl_now_ms() < deadline)
		tl_sleep_ms(1);
	__atomic_store_n(&sh->go, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < 2; i++) {
		r = tl_child_wait(&ch[i], 30000, why, sizeof(why));
		ch[i].pid = -1;
		TL_EXPECT(!r, "%s", why);
	}
	tl_diag("netns cookies %llu and %llu; redirected c->s %llu/%llu, s->c %llu/%llu",
		(unsigned long long)sh->netns[0], (unsigned long long)sh->netns[1],
		(unsigned long long)sh->redir_c[0], (unsigned long long)sh->redir_c[1],
		(unsigned long long)sh->redir_s[0], (unsigned long long)sh->redir_s[1]);
	TL_EXPECT(sh->netns[0] && sh->netns[1] && sh->netns[0] != sh->netns[1],
		  "netns cookies not distinct: %llu %llu", (unsigned long long)sh->netns[0],
		  (unsigned long long)sh->netns[1]);
out:
	for (i = 0; i < 2; i++)
		if (ch[i].pid > 0)
			tl_child_wait(&ch[i], 1, why, sizeof(why));
	if (sh != MAP_FAILED)
		munmap(sh, sizeof(*sh));
	return tl_verdict();
}

/* l) a connection made before attach keeps working and is not
 * accelerated; one made after attach is. */
static int case_preexisting_connection(void)
{
	char cg[PATH_MAX], s1[400];
	struct vs_sock_entry e;
	int ca = -1, sa = -1, cb = -1, sb = -1, r;
	bool attached = false;
	__u64 st0[VS_C_MAX], st1[VS_C_MAX];

	r = tl_cg_create("late", cg, sizeof(cg));
	TL_EXPECT(!r, "mkdir %s: %s", cg, strerror(-r));
	TL_EXPECT(!(r = tl_cg_enter(cg)), "enter %s: %s", cg, strerror(-r));
	r = tl_pair(AF_INET, true, &ca, &sa);
	TL_EXPECT(!r, "pair before attach: %s", strerror(-r));
	EXCHANGE(ca, sa, 64 * KiB, 71, 72, 0);

	TL_EXPECT(tl_cg_attach(cg) >= 0, "attach");
	attached = true;
	TL_EXPECT(!tl_stats(st0), "stats");
	EXCHANGE(ca, sa, 1 * MiB, 71, 72, 64 * KiB);	/* continues both streams */
	TL_EXPECT(!tl_stats(st1), "stats");
	r = tl_entry(ca, &e);
	if (!r) {
		tl_entry_str(&e, s1, sizeof(s1));
		TL_EXPECT(!e.in_sockhash && !e.tx_redir_bytes,
			  "pre-attach connection accelerated: %s", s1);
	}
	r = tl_entry(sa, &e);
	if (!r) {
		tl_entry_str(&e, s1, sizeof(s1));
		TL_EXPECT(!e.in_sockhash && !e.tx_redir_bytes,
			  "pre-attach server accelerated: %s", s1);
	}
	TL_EXPECT(st1[VS_C_BYTES_REDIRECTED] == st0[VS_C_BYTES_REDIRECTED],
		  "bytes_redirected grew by %llu during traffic on a pre-attach connection",
		  (unsigned long long)(st1[VS_C_BYTES_REDIRECTED] - st0[VS_C_BYTES_REDIRECTED]));

	r = tl_pair(AF_INET, true, &cb, &sb);
	TL_EXPECT(!r, "pair after attach: %s", strerror(-r));
	EXCHANGE(cb, sb, 256 * KiB, 73, 74, 0);
	TL_EXPECT_ACCEL("post-attach client", cb, 1);
	TL_EXPECT_ACCEL("post-attach server", sb, 1);
	/* and the old one still works */
	EXCHANGE(ca, sa, 64 * KiB, 71, 72, 64 * KiB + 1 * MiB);
out:
	tl_enter_main();
	tl_close(ca);
	tl_close(sa);
	tl_close(cb);
	tl_close(sb);
	if (attached)
		tl_cg_detach(cg);
	return tl_verdict();
}

/* o) a peer in a sibling cgroup that is not attached. */
struct sib_arg {
	const char *cg;
	int port;
	__u64 *cookie;		/* shared */
};

static int sib_child(void *arg, int wfd)
{
	struct sib_arg *a = arg;
	struct tl_xfer tx = { .seed = 81, .len = 256 * KiB, .min_io = 1, .max_io = 65536,
			      .rng = 8, .timeout_ms = 10000 };
	struct tl_xfer rx = { .seed = 82, .len = 256 * KiB, .max_io = 65536,
			      .timeout_ms = 10000, .expect_eof = true };
	struct vs_sock_entry e;
	int c, r;

	if ((r = tl_cg_enter(a->cg)))
		return tl_child_fail(wfd, "enter %s: %s", a->cg, strerror(-r));
	c = tl_connect(AF_INET, NULL, a->port, true);
	if (c < 0 || (r = tl_wait_connected(c, 5000)))
		return tl_child_fail(wfd, "connect: %s", strerror(c < 0 ? -c : -r));
	*a->cookie = tl_cookie(c);
	tx.fd = rx.fd = c;
	if (tl_xfer_send(&tx))
		return tl_child_fail(wfd, "sibling send: %s", tx.why);
	if (tl_xfer_recv(&rx))
		return tl_child_fail(wfd, "sibling read: %s", rx.why);
	if (!tl_entry(c, &e) && (e.in_sockhash || e.tx_redir_bytes))
		return tl_child_fail(wfd, "unattached client has a fast-path entry");
	return 0;
}

static int case_unattached_sibling(void)
{
	struct tl_xfer rx = { .seed = 81, .len = 256 * KiB, .max_io = 65536, .timeout_ms = 10000 };
	struct tl_xfer tx = { .seed = 82, .len = 256 * KiB, .min_io = 1, .max_io = 65536,
			      .rng = 9, .timeout_ms = 10000 };
	struct tl_child ch = { -1, -1 };
	struct vs_sock_entry e;
	char cg[PATH_MAX], why[512], s1[400];
	__u64 *cookie = MAP_FAILED;
	struct sib_arg a;
	int l = -1, s = -1, r;

	r = tl_cg_create("sib", cg, sizeof(cg));
	TL_EXPECT(!r, "mkdir %s: %s", cg, strerror(-r));
	cookie = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	TL_EXPECT(cookie != MAP_FAILED, "mmap");
	*cookie = 0;
	l = tl_listen(AF_INET, NULL, 0, true);
	TL_EXPECT(l >= 0, "listen: %s", strerror(-l));
	a.cg = cg;
	a.port = tl_port(l);
	a.cookie = cookie;
	r = tl_child_start(&ch, sib_child, &a);
	TL_EXPECT(!r, "fork: %s", strerror(-r));
	s = tl_accept(l, true, 5000);
	TL_EXPECT(s >= 0, "accept: %s", strerror(-s));
	rx.fd = tx.fd = s;
	TL_EXPECT(!tl_xfer_recv(&rx), "server read: %s", rx.why);
	TL_EXPECT(!tl_xfer_send(&tx), "server send: %s", tx.why);
	TL_EXPECT(!tl_entry(s, &e), "server (attached cgroup) has no socket-table entry");
	tl_entry_str(&e, s1, sizeof(s1));
	tl_diag("server: %s", s1);
	TL_EXPECT(!e.in_sockhash && e.tx_redir_bytes == 0,
		  "server with an unattached peer is on the fast path: %s", s1);
	TL_EXPECT(e.reason == VS_R_NO_PEER, "server reason %s, want no_peer",
		  tl_reason_name(e.reason));
	shutdown(s, SHUT_WR);
	r = tl_child_wait(&ch, 10000, why, sizeof(why));
	ch.pid = -1;
	TL_EXPECT(!r, "%s", why);
	/* the client's socket was never in an attached cgroup */
	TL_EXPECT(*cookie, "no cookie from the client");
out:
	if (ch.pid > 0)
		tl_child_wait(&ch, 1, why, sizeof(why));
	if (cookie != MAP_FAILED)
		munmap(cookie, 4096);
	tl_close(l);
	tl_close(s);
	return tl_verdict();
}

/* MPTCP is left alone: it works, nothing of it is redirected, counted. */
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

static int case_mptcp_left_alone(void)
{
	struct sockaddr_storage ss;
	__u64 st0[VS_C_MAX], st1[VS_C_MAX];
	struct vs_sock_entry e;
	socklen_t len;
	char s1[400];
	int l = -1, c = -1, s = -1, r;

	TL_EXPECT(!tl_stats(st0), "stats");
	l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_MPTCP);
	TL_EXPECT(l >= 0, "MPTCP socket: %s", strerror(errno));
	tl_track(l);
	len = tl_sockaddr(AF_INET, NULL, 0, &ss);
	TL_EXPECT(!bind(l, (struct sockaddr *)&ss, len) && !listen(l, 16), "MPTCP listen: %s",
		  strerror(errno));
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_MPTCP);
	TL_EXPECT(c >= 0, "MPTCP socket: %s", strerror(errno));
	tl_track(c);
	len = tl_sockaddr(AF_INET, NULL, tl_port(l), &ss);
	TL_EXPECT(!connect(c, (struct sockaddr *)&ss, len) || errno == EINPROGRESS,
		  "MPTCP connect: %s", strerror(errno));
	TL_EXPECT(!(r = tl_wait_connected(c, 5000)), "MPTCP connect: %s", strerror(-r));
	s = tl_accept(l, true, 5000);
	TL_EXPECT(s >= 0, "MPTCP accept: %s", strerror(-s));
	EXCHANGE(c, s, 1 * MiB, 75, 76, 0);
	TL_EXPECT(!tl_stats(st1), "stats");
	tl_diag("mptcp counter +%llu, bytes_redirected +%llu",
		(unsigned long long)(st1[VS_C_MPTCP] - st0[VS_C_MPTCP]),
		(unsigned long long)(st1[VS_C_BYTES_REDIRECTED] - st0[VS_C_BYTES_REDIRECTED]));
	TL_EXPECT(st1[VS_C_MPTCP] > st0[VS_C_MPTCP], "counter mptcp did not grow");
	TL_EXPECT(st1[VS_C_BYTES_REDIRECTED] == st0[VS_C_BYTES_REDIRECTED],
		  "%llu bytes redirected during an MPTCP exchange",
		  (unsigned long long)(st1[VS_C_BYTES_REDIRECTED] - st0[VS_C_BYTES_REDIRECTED]));
	if (!tl_entry(c, &e)) {
		tl_entry_str(&e, s1, sizeof(s1));
		TL_EXPECT(!e.in_sockhash, "MPTCP client in the sockhash: %s", s1);
	}
	if (!tl_entry(s, &e)) {
		tl_entry_str(&e, s1, sizeof(s1));
		TL_EXPECT(!e.in_sockhash, "MPTCP server in the sockhash: %s", s1);
	}
out:
	tl_close(l);
	tl_close(c);
	tl_close(s);
	return tl_verdict();
}

/* A listener that predates attach: vsock cannot know its blocking mode,
 * so its children stay on TCP, and so does their peer. */
static int case_listener_before_attach(void)
{
	char cg[PATH_MAX], s1[400], s2[400];
	struct vs_sock_entry ce, se;
	bool attached = false;
	int l = -1, c = -1, s = -1, r;

	r = tl_cg_create("lsn", cg, sizeof(cg));
	TL_EXPECT(!r, "mkdir %s: %s", cg, strerror(-r));
	TL_EXPECT(!(r = tl_cg_enter(cg)), "enter: %s", strerror(-r));
	l = tl_listen(AF_INET, NULL, 0, true);
	TL_EXPECT(l >= 0, "listen: %s", strerror(-l));
	TL_EXPECT(tl_cg_attach(cg) >= 0, "attach");
	attached = true;
	c = tl_connect(AF_INET, NULL, tl_port(l), true);
	TL_EXPECT(c >= 0 && !(r = tl_wait_connected(c, 5000)), "connect");
	s = tl_accept(l, true, 5000);
	TL_EXPECT(s >= 0, "accept: %s", strerror(-s));
	EXCHANGE(c, s, 256 * KiB, 77, 78, 0);
	TL_EXPECT(!tl_entry(c, &ce) && !tl_entry(s, &se), "entries");
	tl_entry_str(&ce, s1, sizeof(s1));
	tl_entry_str(&se, s2, sizeof(s2));
	TL_EXPECT(!se.in_sockhash && se.reason == VS_R_LISTENER_UNKNOWN,
		  "child of a pre-attach listener: want listener_unknown: %s", s2);
	TL_EXPECT(!ce.in_sockhash && !ce.tx_redir_bytes,
		  "peer of a listener_unknown child still accelerated: %s", s1);
out:
	tl_enter_main();
	tl_close(l);
	tl_close(c);
	tl_close(s);
	if (attached)
		tl_cg_detach(cg);
	return tl_verdict();
}

static const struct tl_case cases[] = {
	{ "dualstack_v6_and_v4_clients", case_dualstack, 30 },
	{ "two_netns_identical_tuple", case_two_netns_same_tuple, 45 },
	{ "connection_before_attach", case_preexisting_connection, 30 },
	{ "unattached_sibling_cgroup", case_unattached_sibling, 30 },
	{ "listener_before_attach", case_listener_before_attach, 30 },
	{ "mptcp_left_alone", case_mptcp_left_alone, 30 },
};

int main(void)
{
	return tl_main("test_isolation", cases, TL_NCASES(cases));
}
