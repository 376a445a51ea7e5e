// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Virtual services without vsockd (include/vsock/svc.h, bpf/vsock_svc.bpf.c):
 * direct mode rewrites a connect to a service address nobody serves to a
 * local backend, round robin, with getpeername() showing the service and
 * the fast path end to end; health from refused and timed-out connects; a
 * rule deleted under a live connection; proxy mode refused without a proxy
 * listener,
 * and steered to one (a listener of the test standing in for vsockd) that
 * recovers the original destination from vs_proxy_orig; vsockd's marked
 * sockets left alone. Service addresses have no route in the test's netns:
 * only a rewritten connect gets anywhere. */
#include "testlib.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* ------------------------------------------------------------------ */
/* Rules and maps                                                      */

static struct vs_addr addr_of(const char *ip, int port)
{
	struct vs_addr a = { .port = (__u16)port };
	__u32 ip4;

	if (inet_pton(AF_INET, ip, &ip4) == 1)
		vs_ip_from_v4(a.ip, ip4);
	else
		inet_pton(AF_INET6, ip, a.ip);
	return a;
}

/* Service ip:port -> backends "ip" at ports[i], or -errno. */
static int svc_add(const char *ip, int port, __u8 mode, const char *const *bip,
		   const int *bport, int n)
{
	struct vs_svc_rule r = { .svc = addr_of(ip, port), .mode = mode, .nbackends = n };
	struct vs_err err = { "" };
	int i, ret;

	for (i = 0; i < n; i++)
		r.backends[i] = addr_of(bip[i], bport[i]);
	ret = loader_svc_add(tl.ld, &r, false, &err);
	if (ret)
		TL_FAIL("loader_svc_add %s:%d: %s (%d)", ip, port, err.msg, ret);
	return ret;
}

static int svc_del(const char *ip, int port)
{
	struct vs_addr a = addr_of(ip, port);
	struct vs_err err = { "" };
	int ret = loader_svc_del(tl.ld, &a, &err);

	if (ret)
		TL_FAIL("loader_svc_del %s:%d: %s (%d)", ip, port, err.msg, ret);
	return ret;
}

/* The backends of service ip:port as the maps hold them; count or -errno. */
static int svc_backends(const char *ip, int port, struct vs_backend *out)
{
	struct vs_addr a = addr_of(ip, port);
	struct vs_svc_info *v = NULL;
	struct vs_err err = { "" };
	int n, i, ret = -ENOENT;

	n = loader_svc_list(tl.ld, &v, &err);
	for (i = 0; i < n; i++) {
		if (memcmp(v[i].key.ip, a.ip, 16) || v[i].key.port != a.port)
			continue;
		memcpy(out, v[i].backends, sizeof(v[i].backends));
		ret = v[i].nbackends;
	}
	free(v);
	return n < 0 ? n : ret;
}

static __u64 counter(enum vs_counter c)
{
	__u64 v[VS_C_MAX];

	return tl_stats(v) ? 0 : v[c];
}

static __u64 netns_cookie(int fd)
{
	__u64 c = 0;
	socklen_t l = sizeof(c);

	return getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &c, &l) ? 0 : c;
}

/* The peer fd reports, as "ip:port" ("[ip]:port" for IPv6). */
static const char *peer_str(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof(ss);
	char ip[INET6_ADDRSTRLEN] = "?";

	if (getpeername(fd, (struct sockaddr *)&ss, &l)) {
		snprintf(buf, len, "(%s)", strerror(errno));
	} else if (ss.ss_family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(a->sin_port));
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, ntohs(a->sin6_port));
	}
	return buf;
}

/* Both directions at once, len bytes each way, every byte verified. */
static int exchange(int c, int s, uint64_t len, uint64_t seed, char *why, size_t wl)
{
	struct tl_duplex d = {
		.c_tx = { .fd = c, .seed = seed, .len = len, .min_io = 1, .max_io = 65536,
			  .rng = seed, .timeout_ms = 15000 },
		.s_rx = { .fd = s, .seed = seed, .len = len, .max_io = 65536, .timeout_ms = 15000 },
		.s_tx = { .fd = s, .seed = seed + 1, .len = len, .min_io = 1, .max_io = 65536,
			  .rng = seed + 1, .timeout_ms = 15000 },
		.c_rx = { .fd = c, .seed = seed + 1, .len = len, .max_io = 65536,
			  .timeout_ms = 15000 },
	};

	return tl_xfer_duplex(&d, why, wl);
}

#define EXCHANGE(c, s, len, seed)						\
	do {									\
		char why_[400];							\
		TL_EXPECT(!exchange(c, s, len, seed, why_, sizeof(why_)), "%s", why_); \
	} while (0)

/* Connect and wait for the handshake; the fd, or -errno. */
static int connect_wait(int family, const char *ip, int port)
{
	int c = tl_connect(family, ip, port, true), r;

	if (c < 0)
		return c;
	r = tl_wait_connected(c, 5000);
	if (r) {
		tl_close(c);
		return r;
	}
	return c;
}

/* Which of two listeners has a connection waiting: 0, 1, or -1. */
static int accepted_on(const int l[2], int *s)
{
	struct pollfd p[2] = { { .fd = l[0], .events = POLLIN }, { .fd = l[1], .events = POLLIN } };
	int i;

	if (poll(p, 2, 5000) <= 0)
		return -1;
	for (i = 0; i < 2; i++)
		if (p[i].revents & POLLIN) {
			*s = tl_accept(l[i], true, 1000);
			return *s >= 0 ? i : -1;
		}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Cases                                                               */

/* Direct mode: two backends take turns; the client sees the service as its
 * peer, the bytes arrive both ways, and the connection is accelerated. */
static int case_direct_round_robin(void)
{
	static const char *const ips[2] = { "127.0.0.1", "127.0.0.1" };
	struct vs_backend b[VS_SVC_MAX_BACKENDS];
	int l[2] = { -1, -1 }, ports[2], c = -1, s = -1, i, which, n[2] = { 0, 0 };
	__u64 direct0 = counter(VS_C_SVC_DIRECT);
	char peer[64];

	for (i = 0; i < 2; i++) {
		l[i] = tl_listen(AF_INET, "127.0.0.1", 0, true);
		TL_EXPECT(l[i] >= 0, "listen: %s", strerror(-l[i]));
		ports[i] = tl_port(l[i]);
	}
	TL_EXPECT(!svc_add("10.96.0.10", 6379, VS_SVC_DIRECT, ips, ports, 2), "add");
	for (i = 0; i < 4; i++) {
		c = connect_wait(AF_INET, "10.96.0.10", 6379);
		TL_EXPECT(c >= 0, "connect %d to 10.96.0.10:6379: %s", i, strerror(-c));
		which = accepted_on(l, &s);
		TL_EXPECT(which >= 0, "connect %d reached no backend", i);
		n[which]++;
		TL_EXPECT(!strcmp(peer_str(c, peer, sizeof(peer)), "10.96.0.10:6379"),
			  "getpeername of the client: %s, want the service 10.96.0.10:6379", peer);
		if (i == 3) {
			EXCHANGE(c, s, 2 * MiB, 71);
			tl_show("client", c);
			tl_show("backend", s);
			TL_EXPECT_ACCEL("client of the service", c, 1);
			TL_EXPECT_ACCEL("backend", s, 1);
			TL_EXPECT_ACCOUNTING("client", c, 2 * MiB);
		}
		tl_close(c);
		tl_close(s);
		c = s = -1;
	}
	TL_EXPECT(n[0] == 2 && n[1] == 2, "round robin: backend 0 got %d, backend 1 got %d of 4",
		  n[0], n[1]);
	TL_EXPECT(svc_backends("10.96.0.10", 6379, b) == 2 && b[0].conns == 2 && b[1].conns == 2,
		  "vs_backends counts %llu and %llu connections, want 2 and 2",
		  (unsigned long long)b[0].conns, (unsigned long long)b[1].conns);
	TL_EXPECT(counter(VS_C_SVC_DIRECT) - direct0 == 4, "svc_direct counted %llu, want 4",
		  (unsigned long long)(counter(VS_C_SVC_DIRECT) - direct0));
	svc_del("10.96.0.10", 6379);
out:
	return tl_verdict();
}

/* IPv6 service through connect6, and an IPv4 service reached by a dual-stack
 * AF_INET6 client as ::ffff:a.b.c.d: both get their backend, both see the
 * service address, both are accelerated. */
static int case_direct_v6_and_mapped(void)
{
	static const char *const ip6[1] = { "::1" }, *const ip4[1] = { "127.0.0.1" };
	int l6 = -1, l4 = -1, p6, p4, c = -1, s = -1, m = -1, ms = -1;
	char peer[80];

	l6 = tl_listen(AF_INET6, "::1", 0, true);
	l4 = tl_listen(AF_INET, "127.0.0.1", 0, true);
	TL_EXPECT(l6 >= 0 && l4 >= 0, "listen");
	p6 = tl_port(l6);
	p4 = tl_port(l4);
	TL_EXPECT(!svc_add("fd00::10", 80, VS_SVC_DIRECT, ip6, &p6, 1), "add v6");
	TL_EXPECT(!svc_add("10.96.0.11", 81, VS_SVC_DIRECT, ip4, &p4, 1), "add v4");

	c = connect_wait(AF_INET6, "fd00::10", 80);
	TL_EXPECT(c >= 0, "connect [fd00::10]:80: %s", strerror(-c));
	s = tl_accept(l6, true, 5000);
	TL_EXPECT(s >= 0, "the v6 backend accepted nothing: %s", strerror(-s));
	TL_EXPECT(!strcmp(peer_str(c, peer, sizeof(peer)), "[fd00::10]:80"),
		  "getpeername: %s, want [fd00::10]:80", peer);

	m = connect_wait(AF_INET6, "::ffff:10.96.0.11", 81);
	TL_EXPECT(m >= 0, "connect [::ffff:10.96.0.11]:81: %s", strerror(-m));
	ms = tl_accept(l4, true, 5000);
	TL_EXPECT(ms >= 0, "the v4 backend accepted nothing: %s", strerror(-ms));
	TL_EXPECT(!strcmp(peer_str(m, peer, sizeof(peer)), "[::ffff:10.96.0.11]:81"),
		  "getpeername of the dual-stack client: %s, want [::ffff:10.96.0.11]:81", peer);

	EXCHANGE(c, s, 1 * MiB, 81);
	EXCHANGE(m, ms, 1 * MiB, 83);
	TL_EXPECT_ACCEL("IPv6 client", c, 1);
	TL_EXPECT_ACCEL("IPv6 backend", s, 1);
	TL_EXPECT_ACCEL("dual-stack client", m, 1);
	TL_EXPECT_ACCEL("its v4 backend", ms, 1);
	svc_del("fd00::10", 80);
	svc_del("10.96.0.11", 81);
out:
	return tl_verdict();
}

/* A port bound without listen(): connects to it are refused. */
static int refusing_port(int *fd)
{
	struct sockaddr_storage ss;
	socklen_t len = tl_sockaddr(AF_INET, "127.0.0.1", 0, &ss);

	*fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*fd < 0 || bind(*fd, (struct sockaddr *)&ss, len))
		return -errno;
	tl_track(*fd);
	return tl_port(*fd);
}

/* A refusing backend: each client sent there sees ECONNREFUSED; the third
 * failure in a row takes it down, and every later connect goes to the
 * healthy one. */
static int case_refusing_backend_goes_down(void)
{
	static const char *const ips[2] = { "127.0.0.1", "127.0.0.1" };
	struct vs_backend b[VS_SVC_MAX_BACKENDS];
	int l = -1, dead = -1, ports[2], c, s, i, refused = 0, reached = 0, r;
	__u64 down0 = counter(VS_C_SVC_BACKEND_DOWN), fail0 = counter(VS_C_SVC_BACKEND_FAIL);
	uint64_t t0;

	ports[0] = refusing_port(&dead);
	TL_EXPECT(ports[0] > 0, "refusing port: %s", strerror(-ports[0]));
	l = tl_listen(AF_INET, "127.0.0.1", 0, true);
	TL_EXPECT(l >= 0, "listen: %s", strerror(-l));
	ports[1] = tl_port(l);
	TL_EXPECT(!svc_add("10.96.0.12", 82, VS_SVC_DIRECT, ips, ports, 2), "add");
	/* round robin from slot 0: dead, live, dead, live, dead (down now) */
	for (i = 0; i < 5; i++) {
		t0 = tl_now_ms();
		c = connect_wait(AF_INET, "10.96.0.12", 82);
		if (c == -ECONNREFUSED) {
			TL_EXPECT(tl_now_ms() - t0 < 1000, "the refusal took %llu ms",
				  (unsigned long long)(tl_now_ms() - t0));
			refused++;
			continue;
		}
		TL_EXPECT(c >= 0, "connect %d: %s", i, strerror(-c));
		s = tl_accept(l, true, 5000);
		TL_EXPECT(s >= 0, "connect %d reached no backend", i);
		reached++;
		tl_close(c);
		tl_close(s);
	}
	TL_EXPECT(refused == 3 && reached == 2, "first 5 connects: %d refused, %d reached, want 3 and 2",
		  refused, reached);
	r = svc_backends("10.96.0.12", 82, b);
	TL_EXPECT(r == 2, "list: %d", r);
	TL_EXPECT(b[0].failures == 3 && b[0].consec_fail == 3 && b[0].down_until_ns,
		  "dead backend: %llu failures, %u in a row, down_until %llu; want 3, 3, set",
		  (unsigned long long)b[0].failures, b[0].consec_fail,
		  (unsigned long long)b[0].down_until_ns);
	TL_EXPECT(!b[1].failures && !b[1].down_until_ns, "the live backend was counted down");
	TL_EXPECT(counter(VS_C_SVC_BACKEND_DOWN) - down0 == 1 &&
		  counter(VS_C_SVC_BACKEND_FAIL) - fail0 == 3,
		  "counters: %llu down, %llu failures; want 1 and 3",
		  (unsigned long long)(counter(VS_C_SVC_BACKEND_DOWN) - down0),
		  (unsigned long long)(counter(VS_C_SVC_BACKEND_FAIL) - fail0));
	/* down: every connect goes to the healthy backend */
	for (i = 0; i < 4; i++) {
		c = connect_wait(AF_INET, "10.96.0.12", 82);
		TL_EXPECT(c >= 0, "connect %d after the backend went down: %s", i, strerror(-c));
		s = tl_accept(l, true, 5000);
		TL_EXPECT(s >= 0, "connect %d after down reached no backend", i);
		tl_close(c);
		tl_close(s);
	}
	r = svc_backends("10.96.0.12", 82, b);
	TL_EXPECT(r == 2 && b[0].conns == 3 && b[1].conns == 6,
		  "connections %llu and %llu, want 3 (dead) and 6",
		  (unsigned long long)b[0].conns, (unsigned long long)b[1].conns);
	svc_del("10.96.0.12", 82);
out:
	return tl_verdict();
}

/* A connect to ip:port that gives up after user_timeout_ms without an
 * answer (TCP_USER_TIMEOUT applies to SYN retransmissions too): the fd,
 * or -errno from the handshake. */
static int connect_timeout(const char *ip, int port, unsigned int user_timeout_ms)
{
	struct sockaddr_storage ss;
	socklen_t len = tl_sockaddr(AF_INET, ip, port, &ss);
	int fd, r;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	tl_track(fd);
	if (setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout_ms,
		       sizeof(user_timeout_ms)) ||
	    (connect(fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS)) {
		r = -errno;
		tl_close(fd);
		return r;
	}
	r = tl_wait_connected(fd, 10000);
	if (r) {
		tl_close(fd);
		return r;
	}
	return fd;
}

/* A backend that never answers (its SYNs dropped by nft in this netns):
 * connects to it time out (ETIMEDOUT, the SYN_SENT -> CLOSE of a timeout),
 * three in a row take it down, later connects go to the live one. */
static int case_silent_backend_goes_down(void)
{
	static const char *const ips[2] = { "127.0.0.1", "127.0.0.1" };
	struct vs_backend b[VS_SVC_MAX_BACKENDS];
	int l[2] = { -1, -1 }, ports[2], c, s, i, timedout = 0, reached = 0, r;
	bool rules = false;
	char nft[512];
	FILE *p;

	if (system("command -v nft >/dev/null 2>&1"))
		TL_SKIP("needs nft (Debian package nftables: make deps)");
	for (i = 0; i < 2; i++) {
		l[i] = tl_listen(AF_INET, "127.0.0.1", 0, true);
		TL_EXPECT(l[i] >= 0, "listen: %s", strerror(-l[i]));
		ports[i] = tl_port(l[i]);
	}
	snprintf(nft, sizeof(nft), "table inet vs_svc_test {\n chain in {\n"
		 "  type filter hook input priority 0; policy accept;\n"
		 "  tcp dport %d tcp flags & (syn|ack) == syn drop\n }\n}\n", ports[0]);
	p = popen("nft -f - 2>&1", "w");
	TL_EXPECT(p, "popen nft: %s", strerror(errno));
	fputs(nft, p);
	TL_EXPECT(!pclose(p), "nft -f failed on:\n%s", nft);
	rules = true;
	TL_EXPECT(!svc_add("10.96.0.17", 87, VS_SVC_DIRECT, ips, ports, 2), "add");
	for (i = 0; i < 5; i++) {	/* silent, live, silent, live, silent */
		c = connect_timeout("10.96.0.17", 87, 300);
		if (c == -ETIMEDOUT) {
			timedout++;
			continue;
		}
		TL_EXPECT(c >= 0, "connect %d: %s", i, strerror(-c));
		s = tl_accept(l[1], true, 5000);
		TL_EXPECT(s >= 0, "connect %d reached no backend", i);
		reached++;
		tl_close(c);
		tl_close(s);
	}
	TL_EXPECT(timedout == 3 && reached == 2, "%d timed out, %d reached, want 3 and 2",
		  timedout, reached);
	r = svc_backends("10.96.0.17", 87, b);
	TL_EXPECT(r == 2 && b[0].failures == 3 && b[0].down_until_ns,
		  "silent backend: %llu failures, down_until %llu; want 3, set",
		  (unsigned long long)b[0].failures, (unsigned long long)b[0].down_until_ns);
	for (i = 0; i < 2; i++) {
		c = connect_timeout("10.96.0.17", 87, 300);
		TL_EXPECT(c >= 0, "connect %d after the backend went down: %s", i, strerror(-c));
		s = tl_accept(l[1], true, 5000);
		TL_EXPECT(s >= 0, "connect %d after down reached no backend", i);
	}
	svc_del("10.96.0.17", 87);
out:
	if (rules && system("nft delete table inet vs_svc_test"))
		TL_FAIL("nft delete table inet vs_svc_test failed");
	return tl_verdict();
}

struct bg_stream {
	struct tl_xfer tx, rx;
	int c, s;
	pthread_t th;
};

static void *bg_stream_run(void *arg)
{
	struct bg_stream *b = arg;

	tl_xfer_stream(b->c, b->s, &b->tx, &b->rx);
	return NULL;
}

/* A rule deleted while its connection streams: the connection finishes
 * intact; new connects are no longer rewritten (no route: they fail). */
static int case_rule_deleted_mid_stream(void)
{
	static const char *const ips[1] = { "127.0.0.1" };
	struct bg_stream bg = {
		.tx = { .seed = 91, .len = 32 * MiB, .min_io = 1024, .max_io = 65536, .rng = 9,
			.timeout_ms = 20000, .pause_pct = 5, .pause_max_ms = 5 },
		.rx = { .seed = 91, .len = 32 * MiB, .max_io = 65536, .timeout_ms = 20000 },
		.c = -1, .s = -1,
	};
	int l = -1, port, c = -1, r;
	bool started = false;
	__u64 direct0;

	l = tl_listen(AF_INET, "127.0.0.1", 0, true);
	TL_EXPECT(l >= 0, "listen: %s", strerror(-l));
	port = tl_port(l);
	TL_EXPECT(!svc_add("10.96.0.14", 84, VS_SVC_DIRECT, ips, &port, 1), "add");
	bg.c = connect_wait(AF_INET, "10.96.0.14", 84);
	TL_EXPECT(bg.c >= 0, "connect: %s", strerror(-bg.c));
	bg.s = tl_accept(l, true, 5000);
	TL_EXPECT(bg.s >= 0, "accept: %s", strerror(-bg.s));
	TL_EXPECT(!pthread_create(&bg.th, NULL, bg_stream_run, &bg), "thread");
	started = true;
	while (bg.rx.done < 4 * MiB && !bg.rx.err && !bg.tx.err)
		tl_sleep_ms(1);
	TL_EXPECT(!svc_del("10.96.0.14", 84), "delete");
	r = (int)(bg.rx.done >> 20);
	direct0 = counter(VS_C_SVC_DIRECT);
	c = connect_wait(AF_INET, "10.96.0.14", 84);
	TL_EXPECT(c < 0, "a connect after the delete still got through");
	TL_EXPECT(counter(VS_C_SVC_DIRECT) == direct0, "a connect after the delete was rewritten");
	pthread_join(bg.th, NULL);
	started = false;
	TL_EXPECT(!bg.rx.err, "read: %s", bg.rx.why);
	TL_EXPECT(!bg.tx.err, "send: %s", bg.tx.why);
	TL_EXPECT(bg.rx.done == 32 * MiB, "read %llu of 32 MiB",
		  (unsigned long long)bg.rx.done);
	tl_diag("deleted after %d MiB; the new connect failed with %s", r, strerror(-c));
	TL_EXPECT_ACCEL("client", bg.c, 1);
	TL_EXPECT_ACCOUNTING("client", bg.c, 32 * MiB);
out:
	if (started) {
		shutdown(bg.c, SHUT_RDWR);
		shutdown(bg.s, SHUT_RDWR);
		pthread_join(bg.th, NULL);
	}
	return tl_verdict();
}

/* Proxy mode with no proxy listener in this netns (vsockd not running):
 * connect() fails at once with ECONNREFUSED, blocking or not. */
static int case_proxy_without_listener(void)
{
	static const char *const ips[1] = { "127.0.0.1" };
	int port = 9, fd = -1, i, e;
	__u64 ref0 = counter(VS_C_SVC_REFUSED);
	struct sockaddr_storage ss;
	socklen_t len;
	uint64_t t0;

	TL_EXPECT(!svc_add("10.96.0.15", 85, VS_SVC_PROXY, ips, &port, 1), "add");
	len = tl_sockaddr(AF_INET, "10.96.0.15", 85, &ss);
	for (i = 0; i < 2; i++) {	/* non-blocking, then blocking */
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (i ? 0 : SOCK_NONBLOCK), 0);
		TL_EXPECT(fd >= 0, "socket");
		tl_track(fd);
		t0 = tl_now_ms();
		e = connect(fd, (struct sockaddr *)&ss, len) ? errno : 0;
		TL_EXPECT(e == ECONNREFUSED, "%s connect: %s, want ECONNREFUSED at once",
			  i ? "blocking" : "non-blocking", e ? strerror(e) : "success");
		TL_EXPECT(tl_now_ms() - t0 < 100, "the refusal took %llu ms",
			  (unsigned long long)(tl_now_ms() - t0));
		tl_close(fd);
	}
	TL_EXPECT(counter(VS_C_SVC_REFUSED) - ref0 == 2, "svc_refused counted %llu, want 2",
		  (unsigned long long)(counter(VS_C_SVC_REFUSED) - ref0));
	svc_del("10.96.0.15", 85);
out:
	return tl_verdict();
}

/* Own key of fd as sockops builds it (vs_sock_key), from its addresses. */
static int sock_key(int fd, struct vs_sock_key *k)
{
	struct sockaddr_in a, b;
	socklen_t la = sizeof(a), lb = sizeof(b);

	memset(k, 0, sizeof(*k));
	if (getsockname(fd, (struct sockaddr *)&a, &la) ||
	    getpeername(fd, (struct sockaddr *)&b, &lb))
		return -errno;
	k->netns_cookie = netns_cookie(fd);
	vs_ip_from_v4(k->local_ip, a.sin_addr.s_addr);
	vs_ip_from_v4(k->peer_ip, b.sin_addr.s_addr);
	k->local_port = ntohs(a.sin_port);
	k->peer_port = ntohs(b.sin_port);
	return 0;
}

/* Proxy mode with a proxy listener registered (this test stands in for
 * vsockd): the client reaches it, the accepted end finds the original
 * destination by its reversed key, both stay off the sockhash, and the
 * record goes with the client. */
static int case_proxy_listener_and_orig(void)
{
	static const char *const ips[1] = { "127.0.0.1" };
	struct vs_proxy_listen pl = { 0 };
	struct vs_proxy_orig orig;
	struct vs_sock_entry ce, se;
	struct vs_sock_key sk, ck;
	int l = -1, port = 9, c = -1, s = -1, r;
	int ofd = loader_map_fd(tl.ld, VS_MAP_PROXY_ORIG);
	__u64 netns = 0, cookie, p0 = counter(VS_C_SVC_PROXY);
	struct vs_addr want = addr_of("10.96.0.16", 86);
	char peer[64];
	uint64_t t0;

	l = tl_listen(AF_INET, "127.0.0.1", 0, true);
	TL_EXPECT(l >= 0, "listen: %s", strerror(-l));
	netns = netns_cookie(l);
	TL_EXPECT(netns, "SO_NETNS_COOKIE: %s", strerror(errno));
	pl.addr = addr_of("127.0.0.1", tl_port(l));
	TL_EXPECT(!(r = loader_proxy_listen_set(tl.ld, netns, &pl)),
		  "write vs_proxy_listen: %s", strerror(-r));
	TL_EXPECT(!svc_add("10.96.0.16", 86, VS_SVC_PROXY, ips, &port, 1), "add");

	c = connect_wait(AF_INET, "10.96.0.16", 86);
	TL_EXPECT(c >= 0, "connect: %s", strerror(-c));
	s = tl_accept(l, true, 5000);
	TL_EXPECT(s >= 0, "the proxy listener accepted nothing: %s", strerror(-s));
	TL_EXPECT(counter(VS_C_SVC_PROXY) - p0 == 1, "svc_proxy did not count the connect");
	TL_EXPECT(!strcmp(peer_str(c, peer, sizeof(peer)), "10.96.0.16:86"),
		  "getpeername of the proxied client: %s, want 10.96.0.16:86", peer);
	/* what vsockd does after accept(): its socket's key, reversed */
	TL_EXPECT(!(r = sock_key(s, &sk)), "key of the accepted socket: %s", strerror(-r));
	TL_EXPECT(!(r = loader_proxy_orig(tl.ld, &sk, &orig)),
		  "no vs_proxy_orig entry for the client: %s", strerror(-r));
	vs_key_reverse(&ck, &sk);
	cookie = tl_cookie(c);
	TL_EXPECT(!memcmp(orig.svc.ip, want.ip, 16) && orig.svc.port == 86 &&
		  orig.client_cookie == cookie && orig.svc_id,
		  "vs_proxy_orig: port %u cookie %llu (client %llu) id %u",
		  orig.svc.port, (unsigned long long)orig.client_cookie,
		  (unsigned long long)cookie, orig.svc_id);

	EXCHANGE(c, s, 256 * KiB, 95);
	TL_EXPECT(!tl_entry(c, &ce) && !tl_entry(s, &se), "socket-table entries");
	tl_show("proxied client", c);
	tl_show("proxy end", s);
	TL_EXPECT(!ce.in_sockhash && ce.reason == VS_R_PROXIED && !ce.tx_redir_bytes,
		  "client: in_sockhash %u reason %s", ce.in_sockhash, tl_reason_name(ce.reason));
	TL_EXPECT(!se.in_sockhash && se.reason == VS_R_PROXIED && !se.tx_redir_bytes,
		  "proxy end: in_sockhash %u reason %s", se.in_sockhash, tl_reason_name(se.reason));
	/* by their real keys (getpeername of the client shows the service) */
	TL_EXPECT(bpf_map_lookup_elem(loader_map_fd(tl.ld, VS_MAP_SOCKS), &ck, &cookie) &&
		  errno == ENOENT, "the proxied client is in vs_socks");
	TL_EXPECT(bpf_map_lookup_elem(loader_map_fd(tl.ld, VS_MAP_SOCKS), &sk, &cookie) &&
		  errno == ENOENT, "the proxy end is in vs_socks");
	/* nor offered to the joiner as anybody's peer */
	TL_EXPECT(bpf_map_lookup_elem(loader_map_fd(tl.ld, VS_MAP_TRACKED), &ck, &cookie) &&
		  bpf_map_lookup_elem(loader_map_fd(tl.ld, VS_MAP_TRACKED), &sk, &cookie),
		  "a proxied socket is in vs_tracked");

	/* the kernel frees the client (TIME_WAIT replaces it): entry gone */
	tl_close(c);
	c = -1;
	tl_close(s);
	s = -1;
	t0 = tl_now_ms();
	while (!bpf_map_lookup_elem(ofd, &ck, &orig) && tl_now_ms() - t0 < 3000)
		tl_sleep_ms(10);
	TL_EXPECT(bpf_map_lookup_elem(ofd, &ck, &orig), "vs_proxy_orig entry outlived its client");
out:
	if (netns)
		loader_proxy_listen_del(tl.ld, netns);
	svc_del("10.96.0.16", 86);
	return tl_verdict();
}

/* vsockd's dialing sockets carry VS_PROXY_MARK: never rewritten. The
 * service is a local address with a listener of its own, so the marked
 * socket's connect visibly goes there. */
static int case_marked_socket_left_alone(void)
{
	static const char *const ips[1] = { "127.0.0.1" };
	int lsvc = -1, lb = -1, port_b, port_svc, fd = -1, s = -1, c = -1, r;
	__u32 mark = VS_PROXY_MARK;
	__u64 m0 = counter(VS_C_SVC_MARKED);
	struct sockaddr_storage ss;
	struct vs_sock_entry e;
	socklen_t len;

	lsvc = tl_listen(AF_INET, "127.0.0.2", 0, true);
	lb = tl_listen(AF_INET, "127.0.0.1", 0, true);
	TL_EXPECT(lsvc >= 0 && lb >= 0, "listen");
	port_svc = tl_port(lsvc);
	port_b = tl_port(lb);
	TL_EXPECT(!svc_add("127.0.0.2", port_svc, VS_SVC_DIRECT, ips, &port_b, 1), "add");

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	TL_EXPECT(fd >= 0, "socket");
	tl_track(fd);
	TL_EXPECT(!setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)), "SO_MARK: %s",
		  strerror(errno));
	len = tl_sockaddr(AF_INET, "127.0.0.2", port_svc, &ss);
	TL_EXPECT(!connect(fd, (struct sockaddr *)&ss, len) || errno == EINPROGRESS,
		  "marked connect: %s", strerror(errno));
	TL_EXPECT(!(r = tl_wait_connected(fd, 5000)), "marked connect: %s", strerror(-r));
	s = tl_accept(lsvc, true, 5000);
	TL_EXPECT(s >= 0, "the marked socket did not reach the service address itself");
	TL_EXPECT(tl_wait(lb, POLLIN, tl_now_ms() + 100) == 0, "the backend got the marked socket");
	TL_EXPECT(counter(VS_C_SVC_MARKED) - m0 == 1, "svc_marked did not count it");
	TL_EXPECT(!tl_entry(fd, &e) && !e.in_sockhash && e.reason == VS_R_PROXIED,
		  "marked socket: in_sockhash %u reason %s", e.in_sockhash,
		  tl_reason_name(e.reason));
	tl_close(s);
	s = -1;

	/* the same address unmarked: rewritten to the backend */
	c = connect_wait(AF_INET, "127.0.0.2", port_svc);
	TL_EXPECT(c >= 0, "connect: %s", strerror(-c));
	s = tl_accept(lb, true, 5000);
	TL_EXPECT(s >= 0, "the unmarked socket did not reach the backend");
	svc_del("127.0.0.2", port_svc);
out:
	return tl_verdict();
}

static const struct tl_case cases[] = {
	{ "direct_round_robin_getpeername_fast_path", case_direct_round_robin, 30 },
	{ "direct_v6_and_v4_mapped_dual_stack", case_direct_v6_and_mapped, 30 },
	{ "refusing_backend_goes_down", case_refusing_backend_goes_down, 30 },
	{ "silent_backend_times_out_goes_down", case_silent_backend_goes_down, 30 },
	{ "rule_deleted_mid_stream", case_rule_deleted_mid_stream, 45 },
	{ "proxy_without_listener_refused", case_proxy_without_listener, 20 },
	{ "proxy_listener_original_destination", case_proxy_listener_and_orig, 30 },
	{ "marked_socket_not_rewritten", case_marked_socket_left_alone, 20 },
};

int main(void)
{
	return tl_main("test_svc", cases, TL_NCASES(cases));
}
