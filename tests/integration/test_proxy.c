// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vsockd's service proxy end to end (`vsockctl proxy add ... --mode
 * proxy`): a client in the attached cgroup connects to a service address
 * nobody listens on; the connect hook sends it to vsockd's listener in the
 * client's network namespace, vsockd dials a backend and the relay moves
 * the bytes in the kernel. vsockd runs in the original namespace, the
 * test's sockets in the runner's own: the proxy must listen and dial
 * there. Every byte is checked, and the relay's counters must show that
 * the bytes went through the kernel. */
#include <sys/un.h>
#include <jansson.h>
#include "testlib.h"
#include "daemonlib.h"
#include "proxylib.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* Bytes the relay's verdict moved in the kernel so far (vs_relay_ctr). */
static __u64 relay_kernel_bytes(void)
{
	__u64 c[VS_RC_MAX];

	return loader_read_relay_counters(tl.ld, c) ? 0 : c[VS_RC_REDIR_BYTES];
}

/* Wait up to 3 s for the service's (only) backend to show want for key. */
static long long wait_backend_num(const char *key, long long want)
{
	long long v = -1;
	int i;

	for (i = 0; i < 60 && (v = pl_ctl_num("proxy list", key)) != want; i++)
		tl_sleep_ms(50);
	return v;
}

/* Relay legs in the socket table: entries of proxied sockets whose peer
 * names them back (what `vsockctl sockets` shows as a pair). */
struct legs {
	__u64 cookie[64], peer[64];
	int n;
};

static int collect_proxied(const struct vs_sock_entry *e, void *ctx)
{
	struct legs *l = ctx;

	if (e->reason == VS_R_PROXIED && e->peer_cookie && l->n < 64) {
		l->cookie[l->n] = e->cookie;
		l->peer[l->n++] = e->peer_cookie;
	}
	return 0;
}

static int relay_pairs_in_table(void)
{
	struct legs l = { .n = 0 };
	int i, j, pairs = 0;

	loader_for_each_socket(tl.ld, collect_proxied, &l);
	for (i = 0; i < l.n; i++)
		for (j = i + 1; j < l.n; j++)
			pairs += l.peer[i] == l.cookie[j] && l.peer[j] == l.cookie[i];
	return pairs;
}

/* ------------------------------------------------------------------ */
/* Cases                                                               */

/* Sizes from 1 B to 1 MiB, both ways, each through a new connection. */
static int case_proxy_integrity_both_ways(void)
{
	static const size_t sizes[] = { 1, 1024, 65536, 1 << 20 };
	struct dl_daemon d;
	int lfd = -1, c = -1, s = -1;
	__u64 k0, moved;
	unsigned int i;

	TL_EXPECT(!pl_service(&d, "integrity.log", NULL, &lfd), "set-up");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct tl_duplex x = {
			.c_tx = { .seed = 11 + i, .len = 8 * sizes[i], .min_io = sizes[i],
				  .max_io = sizes[i], .timeout_ms = 20000 },
			.s_tx = { .seed = 91 + i, .len = 8 * sizes[i], .min_io = sizes[i],
				  .max_io = sizes[i], .timeout_ms = 20000 },
		};
		char why[256];

		c = pl_svc_connect(AF_INET);
		TL_EXPECT(c >= 0, "connect to the service: %s", strerror(-c));
		s = tl_accept(lfd, false, 3000);
		TL_EXPECT(s >= 0, "the backend got no connection");
		x.c_tx.fd = x.c_rx.fd = c;
		x.s_tx.fd = x.s_rx.fd = s;
		x.s_rx.seed = x.c_tx.seed;
		x.s_rx.len = x.c_tx.len;
		x.c_rx.seed = x.s_tx.seed;
		x.c_rx.len = x.s_tx.len;
		x.s_rx.max_io = x.c_rx.max_io = 1 << 20;
		x.s_rx.min_io = x.c_rx.min_io = 1;
		x.s_rx.timeout_ms = x.c_rx.timeout_ms = 20000;
		k0 = relay_kernel_bytes();
		TL_EXPECT(!tl_xfer_duplex(&x, why, sizeof(why)), "%zu-byte writes: %s",
			  sizes[i], why);
		moved = relay_kernel_bytes() - k0;
		tl_diag("%zu-byte writes: %llu of %llu bytes moved by the kernel relay", sizes[i],
			(unsigned long long)moved, (unsigned long long)(16 * sizes[i]));
		TL_EXPECT(sizes[i] > 1024 ? moved * 10 >= 9 * 16 * sizes[i] : moved == 16 * sizes[i],
			  "%zu-byte writes: the kernel relay moved %llu of %llu bytes", sizes[i],
			  (unsigned long long)moved, (unsigned long long)(16 * sizes[i]));
		tl_close(c);
		tl_close(s);
		c = s = -1;
	}
	/* what an operator sees: the backend's relayed bytes in proxy list
	 * (once the relay closed the pairs), the proxy's counters in status */
	TL_EXPECT(wait_backend_num("bytes_to_backend", 8 * 1115137) == 8 * 1115137 &&
		  wait_backend_num("bytes_to_client", 8 * 1115137) == 8 * 1115137 &&
		  wait_backend_num("active", 0) == 0,
		  "proxy list: bytes_to_backend %lld, bytes_to_client %lld, active %lld "
		  "(expected %d, %d, 0)", pl_ctl_num("proxy list", "bytes_to_backend"),
		  pl_ctl_num("proxy list", "bytes_to_client"), pl_ctl_num("proxy list", "active"),
		  8 * 1115137, 8 * 1115137);
	{
		char prom[65536], want[256];

		snprintf(want, sizeof(want), "vsock_backend_bytes_total{service=\"%s:%d\","
			 "mode=\"proxy\",backend=\"127.0.0.1:%d\",direction=\"to_backend\"} %d",
			 SVC_ADDR, SVC_PORT, tl_port(lfd), 8 * 1115137);
		TL_EXPECT(!dl_run_ctl(prom, sizeof(prom), "%s --pin-root %s stats --prometheus",
				      dl.vsockctl, tl.pin_root) && strstr(prom, want),
			  "stats --prometheus lacks '%s'", want);
		snprintf(want, sizeof(want), "vsock_relay_bytes_total{path=\"kernel\"} %llu",
			 (unsigned long long)relay_kernel_bytes());
		TL_EXPECT(strstr(prom, want), "stats --prometheus lacks '%s'", want);
	}
	TL_EXPECT(pl_status_num("proxy_paired") == 4 && pl_status_num("proxy_listeners") >= 1,
		  "vsockctl status: proxy_paired %lld, proxy_listeners %lld (expected 4, >= 1)",
		  pl_status_num("proxy_paired"), pl_status_num("proxy_listeners"));
out:
	tl_close(c);
	tl_close(s);
	tl_close(lfd);
	dl_stop(&d);
	return tl_verdict();
}

/* Half-close is relayed only after the last byte of its direction, and the
 * other direction keeps working: client first, then the backend. */
static int case_proxy_half_close_each_way(void)
{
	struct tl_xfer tx = { .seed = 5, .len = 3 << 20, .min_io = 1, .max_io = 65536,
			      .timeout_ms = 20000, .shut_wr = true };
	struct tl_xfer rx = { .seed = 5, .len = 3 << 20, .min_io = 1, .max_io = 1 << 20,
			      .timeout_ms = 20000, .expect_eof = true };
	struct dl_daemon d;
	int lfd = -1, c = -1, s = -1, round;

	TL_EXPECT(!pl_pair(&d, "halfclose.log", NULL, &lfd, &c, &s), "set-up");
	for (round = 0; round < 2; round++) {
		/* round 0: client → backend, FIN; then the backend answers and
		 * closes. Round 1 on a new connection: the other way round. */
		int from = round ? s : c, to = round ? c : s;

		tx.fd = from;
		rx.fd = to;
		TL_EXPECT(!tl_xfer_stream(from, to, &tx, &rx) && !tx.err && !rx.err,
			  "round %d, first direction: %s%s", round, tx.why, rx.why);
		tx.fd = to;
		rx.fd = from;
		tx.seed = rx.seed = 6 + round;
		TL_EXPECT(!tl_xfer_stream(to, from, &tx, &rx) && !tx.err && !rx.err,
			  "round %d, reply after the half-close: %s%s", round, tx.why, rx.why);
		tl_close(c);
		tl_close(s);
		c = s = -1;
		if (round)
			break;
		TL_EXPECT(!pl_connect(lfd, &c, &s), "second connection");
	}
out:
	tl_close(c);
	tl_close(s);
	tl_close(lfd);
	dl_stop(&d);
	return tl_verdict();
}

/* The backend dies in the middle of a stream (its socket reset, as a
 * killed process with unread bytes leaves it): the client gets the reset
 * promptly, never a hang, and the backend's active count goes back. Then
 * the same the other way: the client dies, the backend sees the reset. */
static int case_proxy_leg_dies_mid_stream(void)
{
	struct dl_daemon d;
	int lfd = -1, c = -1, s = -1, round, n;
	char buf[65536] = { 0 };
	__u64 t0;

	TL_EXPECT(!pl_pair(&d, "dies.log", NULL, &lfd, &c, &s), "set-up");
	for (round = 0; round < 2; round++) {
		int dead = round ? c : s, alive = round ? s : c;
		struct linger l = { 1, 0 };

		/* bytes in flight toward the dying end, some read, some not */
		for (n = 0; n < 16; n++)
			TL_EXPECT(send(alive, buf, sizeof(buf), MSG_DONTWAIT) > 0 || errno == EAGAIN,
				  "round %d: send: %s", round, strerror(errno));
		TL_EXPECT(recv(dead, buf, 1000, 0) > 0, "round %d: nothing arrived", round);
		setsockopt(dead, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		tl_close(dead);
		t0 = tl_now_ms();
		for (;;) {	/* the reset travels through the relay */
			n = recv(alive, buf, sizeof(buf), 0);
			if (n <= 0)
				break;
		}
		TL_EXPECT(n < 0 && errno == ECONNRESET,
			  "round %d: the survivor read %d (%s), not ECONNRESET", round, n,
			  n < 0 ? strerror(errno) : "EOF");
		TL_EXPECT(tl_now_ms() - t0 < 2000, "round %d: the reset took %llu ms", round,
			  (unsigned long long)(tl_now_ms() - t0));
		TL_EXPECT(wait_backend_num("active", 0) == 0, "round %d: backend still active",
			  round);
		tl_close(alive);
		c = s = -1;
		if (round)
			break;
		TL_EXPECT(!pl_connect(lfd, &c, &s), "second connection");
	}
out:
	tl_close(c);
	tl_close(s);
	tl_close(lfd);
	dl_stop(&d);
	return tl_verdict();
}

/* An IPv6 service and a client socket that is IPV6_V6ONLY (Go dials IPv6
 * addresses so): it reaches vsockd's [::1] listener, not the v4-mapped
 * one it could not, and sees the service address as its peer. */
static int case_proxy_ipv6_only_client(void)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(6380) };
	struct sockaddr_in6 peer;
	socklen_t len = sizeof(peer);
	char host[INET6_ADDRSTRLEN] = "", buf[4096];
	struct dl_daemon d;
	int lfd = -1, c = -1, s = -1, one = 1, i;

	TL_EXPECT(!pl_service(&d, "v6only.log", NULL, &lfd), "set-up");
	TL_EXPECT(!pl_ctl("proxy add [fd00::10]:6380 --backend 127.0.0.1:%d --mode proxy",
			  tl_port(lfd)), "proxy add [fd00::10]:6380");
	inet_pton(AF_INET6, "fd00::10", &sa.sin6_addr);
	c = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	TL_EXPECT(c >= 0 && !setsockopt(c, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)),
		  "v6-only socket: %s", strerror(errno));
	tl_track(c);
	TL_EXPECT(!connect(c, (struct sockaddr *)&sa, sizeof(sa)), "connect [fd00::10]:6380: %s",
		  strerror(errno));
	s = tl_accept(lfd, false, 3000);
	TL_EXPECT(s >= 0, "the backend got no connection");
	TL_EXPECT(!getpeername(c, (struct sockaddr *)&peer, &len) &&
		  inet_ntop(AF_INET6, &peer.sin6_addr, host, sizeof(host)) &&
		  !strcmp(host, "fd00::10") && ntohs(peer.sin6_port) == 6380,
		  "getpeername() says [%s]:%u, not the service", host, ntohs(peer.sin6_port));
	for (i = 0; i < 2; i++) {	/* one round each way */
		int from = i ? s : c, to = i ? c : s;

		tl_pat_fill(90 + i, 0, buf, sizeof(buf));
		TL_EXPECT(tl_send_all(from, buf, sizeof(buf), 3000, NULL) == sizeof(buf),
			  "send %d", i);
		memset(buf, 0, sizeof(buf));
		TL_EXPECT(tl_recv_all(to, buf, sizeof(buf), 3000) == sizeof(buf) &&
			  tl_pat_check(90 + i, 0, buf, sizeof(buf)) < 0,
			  "direction %d: wrong or missing bytes", i);
	}
out:
	tl_close(c);
	tl_close(s);
	tl_close(lfd);
	dl_stop(&d);
	return tl_verdict();
}

/* A refused backend: the proxy tries the next one, and the client never
 * sees the refusal; every client gets the live backend. */
static int case_proxy_refused_backend_tries_next(void)
{
	struct dl_daemon d;
	int lfd = -1, c = -1, s = -1, rc, dead, i;
	char b;

	rc = dl_start(&d, "refused.log");
	TL_EXPECT(!rc, "vsockd did not start: %s", strerror(-rc));
	lfd = tl_listen(AF_INET, "127.0.0.1", 0, false);
	dead = tl_listen(AF_INET, "127.0.0.1", 0, false);	/* a port, then nobody */
	TL_EXPECT(lfd >= 0 && dead >= 0, "listen");
	rc = tl_port(dead);
	tl_close(dead);
	TL_EXPECT(!pl_ctl("proxy add %s:%d --backend 127.0.0.1:%d --backend 127.0.0.1:%d --mode proxy --replace",
		       SVC_ADDR, SVC_PORT, rc, tl_port(lfd)), "proxy add failed");
	pl_warm_up();
	for (i = 0; i < 6; i++) {
		c = pl_svc_connect(AF_INET);
		TL_EXPECT(c >= 0, "client %d: connect: %s", i, strerror(-c));
		s = tl_accept(lfd, false, 5000);
		TL_EXPECT(s >= 0, "client %d never reached the live backend", i);
		b = (char)('a' + i);
		TL_EXPECT(send(c, &b, 1, 0) == 1 && tl_recv_all(s, &b, 1, 3000) == 1 &&
			  b == 'a' + i, "client %d: the byte did not arrive", i);
		tl_close(c);
		tl_close(s);
		c = s = -1;
	}
out:
	tl_close(c);
	tl_close(s);
	tl_close(lfd);
	dl_stop(&d);
	return tl_verdict();
}

/* No backend answers: the client is reset promptly (as a refused direct
 * connect would be), it does not hang. */
static int case_proxy_all_down_resets_client(void)
{
	struct dl_daemon d;
	int c = -1, rc, dead;
	uint64_t t0;
	char b;

	rc = dl_start(&d, "alldown.log");
	TL_EXPECT(!rc, "vsockd did not start: %s", strerror(-rc));
	dead = tl_listen(AF_INET, "127.0.0.1", 0, false);
	TL_EXPECT(dead >= 0, "listen");
	rc = tl_port(dead);
	tl_close(dead);
	TL_EXPECT(!pl_ctl("proxy add %s:%d --backend 127.0.0.1:%d --mode proxy --replace", SVC_ADDR,
		       SVC_PORT, rc), "proxy add failed");
	pl_warm_up();
	t0 = tl_now_ms();
	c = pl_svc_connect(AF_INET);	/* the proxy accepts first, then dials */
	if (c >= 0) {
		struct timeval tv = { .tv_sec = 5 };

		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		rc = (int)recv(c, &b, 1, 0);
		TL_EXPECT(rc <= 0 && (rc == 0 || errno == ECONNRESET),
			  "recv returned %d (%s), expected a reset or EOF", rc, strerror(errno));
	}
	TL_EXPECT(tl_now_ms() - t0 < 4000, "the client waited %llu ms",
		  (unsigned long long)(tl_now_ms() - t0));
out:
	tl_close(c);
	dl_stop(&d);
	return tl_verdict();
}

/* Many proxied connections at once, each with its own pattern both ways. */
#define NCONC 500
static int case_proxy_concurrent_connections(void)
{
	static int cs[NCONC], ss[NCONC];
	struct dl_daemon d;
	int lfd = -1, i, n = 0;
	char why[256];

	tl_raise_nofile(4 * NCONC + 64);
	TL_EXPECT(!pl_service(&d, "concurrent.log", NULL, &lfd), "set-up");
	for (n = 0; n < NCONC; n++) {
		cs[n] = pl_svc_connect(AF_INET);
		TL_EXPECT(cs[n] >= 0, "client %d: %s", n, strerror(-cs[n]));
		ss[n] = tl_accept(lfd, false, 5000);
		TL_EXPECT(ss[n] >= 0, "client %d never reached the backend", n);
	}
	TL_EXPECT(wait_backend_num("active", NCONC) == NCONC,
		  "proxy list: active %lld, not %d", pl_ctl_num("proxy list", "active"), NCONC);
	for (i = 0; i < NCONC; i++) {
		struct tl_duplex x = {
			.c_tx = { .fd = cs[i], .seed = 1000 + i, .len = 65536 + i, .min_io = 1,
				  .max_io = 16384, .timeout_ms = 20000 },
			.s_rx = { .fd = ss[i], .seed = 1000 + i, .len = 65536 + i, .min_io = 1,
				  .max_io = 65536, .timeout_ms = 20000 },
			.s_tx = { .fd = ss[i], .seed = 5000 + i, .len = 4096 + i, .min_io = 1,
				  .max_io = 4096, .timeout_ms = 20000 },
			.c_rx = { .fd = cs[i], .seed = 5000 + i, .len = 4096 + i, .min_io = 1,
				  .max_io = 65536, .timeout_ms = 20000 },
		};

		TL_EXPECT(!tl_xfer_duplex(&x, why, sizeof(why)), "connection %d: %s", i, why);
	}
out:
	for (i = 0; i < n && i < NCONC; i++) {
		tl_close(cs[i]);
		tl_close(ss[i]);
	}
	tl_close(lfd);
	dl_stop(&d);
	return tl_verdict();
}

/* The backend in another network namespace, reached over a veth pair:
 * vsockd dials it from the client's namespace; it echoes what it reads. */
#define VETH_HOST	"10.201.0.1"
#define VETH_BACKEND	"10.201.0.2"
#define VETH_PORT	7100

static int echo_backend(void *arg, int wfd)
{
	int *go = arg, lfd, fd;
	char b, buf[65536];
	ssize_t n;

	if (read(go[0], &b, 1) != 1)	/* the parent configured the veth */
		return tl_child_fail(wfd, "no go from the parent");
	lfd = tl_listen(AF_INET, VETH_BACKEND, VETH_PORT, false);
	if (lfd < 0)
		return tl_child_fail(wfd, "listen %s:%d: %s", VETH_BACKEND, VETH_PORT,
				     strerror(-lfd));
	if (write(go[1], "r", 1) != 1)
		return tl_child_fail(wfd, "ready");
	fd = tl_accept(lfd, false, 10000);
	if (fd < 0)
		return tl_child_fail(wfd, "no connection from the proxy");
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		if (tl_send_all(fd, buf, (size_t)n, 10000, NULL) != n)
			return tl_child_fail(wfd, "echo: send failed");
	if (n < 0)
		return tl_child_fail(wfd, "echo: recv: %s", strerror(errno));
	shutdown(fd, SHUT_WR);
	return 0;
}

/* The child's own network namespace, then the echo backend. */
static int echo_backend_in_netns(void *arg, int wfd)
{
	int r = tl_netns_new(), *go = arg;

	if (r)
		return tl_child_fail(wfd, "netns: %s", strerror(-r));
	if (write(go[1], "u", 1) != 1)	/* the parent may move the veth here */
		return tl_child_fail(wfd, "unshared");
	return echo_backend(arg, wfd);
}

static int case_proxy_remote_backend_over_veth(void)
{
	struct tl_xfer tx = { .seed = 33, .len = 8 << 20, .min_io = 1, .max_io = 1 << 20,
			      .timeout_ms = 20000, .shut_wr = true };
	struct tl_xfer rx = { .seed = 33, .len = 8 << 20, .min_io = 1, .max_io = 1 << 20,
			      .timeout_ms = 20000, .expect_eof = true };
	struct tl_child ch = { .pid = -1 };
	int p2c[2] = { -1, -1 }, c2p[2] = { -1, -1 }, go[2], c = -1, rc;
	struct dl_daemon d;
	char cmd[512], why[256], b;

	dl_daemon_init(&d);
	TL_EXPECT(!pipe(p2c) && !pipe(c2p), "pipes");
	go[0] = p2c[0];
	go[1] = c2p[1];
	TL_EXPECT(!tl_child_start(&ch, echo_backend_in_netns, go), "fork the backend");
	TL_EXPECT(read(c2p[0], &b, 1) == 1, "the backend has no namespace");
	snprintf(cmd, sizeof(cmd),
		 "ip link add vsp%d type veth peer name vsb%d netns %d && "
		 "ip addr add " VETH_HOST "/24 dev vsp%d && ip link set vsp%d up && "
		 "nsenter -t %d -n ip addr add " VETH_BACKEND "/24 dev vsb%d && "
		 "nsenter -t %d -n ip link set vsb%d up",
		 (int)ch.pid, (int)ch.pid, (int)ch.pid, (int)ch.pid, (int)ch.pid,
		 (int)ch.pid, (int)ch.pid, (int)ch.pid, (int)ch.pid);
	TL_EXPECT(!system(cmd), "veth set-up failed: %s", cmd);
	TL_EXPECT(write(p2c[1], "g", 1) == 1 && read(c2p[0], &b, 1) == 1, "backend not ready");
	rc = dl_start(&d, "veth.log");
	TL_EXPECT(!rc, "vsockd did not start: %s", strerror(-rc));
	TL_EXPECT(!pl_ctl("proxy add %s:%d --backend %s:%d --mode proxy --replace", SVC_ADDR,
		       SVC_PORT, VETH_BACKEND, VETH_PORT), "proxy add failed");
	pl_warm_up();
	c = pl_svc_connect(AF_INET);
	TL_EXPECT(c >= 0, "connect to the service: %s", strerror(-c));
	tx.fd = rx.fd = c;
	TL_EXPECT(!tl_xfer_stream(c, c, &tx, &rx) && !tx.err && !rx.err,
		  "8 MiB echoed through the proxy: %s%s", tx.why, rx.why);
	TL_EXPECT(!tl_child_wait(&ch, 10000, why, sizeof(why)), "backend: %s", why);
	ch.pid = -1;
out:
	if (ch.pid > 0)
		tl_child_wait(&ch, 1000, why, sizeof(why));
	for (rc = 0; rc < 2; rc++) {
		if (p2c[rc] >= 0)
			close(p2c[rc]);
		if (c2p[rc] >= 0)
			close(c2p[rc]);
	}
	tl_close(c);
	dl_stop(&d);
	return tl_verdict();
}

/* A rule deleted while a proxied connection is open: the connection goes
 * on (the relay needs no rule), a new connect is no longer steered. */
static int case_proxy_rule_deleted_mid_connection(void)
{
	struct tl_duplex x = {
		.c_tx = { .seed = 41, .len = 4 << 20, .min_io = 1, .max_io = 65536, .timeout_ms = 20000 },
		.s_rx = { .seed = 41, .len = 4 << 20, .min_io = 1, .max_io = 1 << 20, .timeout_ms = 20000 },
		.s_tx = { .seed = 42, .len = 4 << 20, .min_io = 1, .max_io = 65536, .timeout_ms = 20000 },
		.c_rx = { .seed = 42, .len = 4 << 20, .min_io = 1, .max_io = 1 << 20, .timeout_ms = 20000 },
	};
	struct dl_daemon d;
	int lfd = -1, c = -1, s = -1, c2 = -1;
	char why[256];

	TL_EXPECT(!pl_pair(&d, "ruledel.log", NULL, &lfd, &c, &s), "set-up");
	TL_EXPECT(!pl_ctl("proxy del %s:%d", SVC_ADDR, SVC_PORT), "proxy del failed");
	x.c_tx.fd = x.c_rx.fd = c;
	x.s_tx.fd = x.s_rx.fd = s;
	TL_EXPECT(!tl_xfer_duplex(&x, why, sizeof(why)), "after the rule went: %s", why);
	TL_EXPECT(relay_pairs_in_table() == 1, "the socket table shows %d relayed pairs, not 1",
		  relay_pairs_in_table());
	/* this namespace has no route to the service address */
	c2 = tl_connect(AF_INET, SVC_ADDR, SVC_PORT, false);
	TL_EXPECT(c2 < 0 && c2 != -ECONNREFUSED, "a new connect got %d: still steered?", c2);
out:
	if (c2 >= 0)
		tl_close(c2);
	tl_close(c);
	tl_close(s);
	tl_close(lfd);
	dl_stop(&d);
	return tl_verdict();
}

static const struct tl_case cases[] = {
	{ "proxy_integrity_both_ways", case_proxy_integrity_both_ways, 90 },
	{ "proxy_half_close_each_way", case_proxy_half_close_each_way, 60 },
	{ "proxy_leg_dies_mid_stream", case_proxy_leg_dies_mid_stream, 60 },
	{ "proxy_ipv6_only_client", case_proxy_ipv6_only_client, 60 },
	{ "proxy_refused_backend_tries_next", case_proxy_refused_backend_tries_next, 60 },
	{ "proxy_all_backends_down_resets_client", case_proxy_all_down_resets_client, 60 },
	{ "proxy_concurrent_connections", case_proxy_concurrent_connections, 120 },
	{ "proxy_remote_backend_over_veth", case_proxy_remote_backend_over_veth, 60 },
	{ "proxy_rule_deleted_mid_connection", case_proxy_rule_deleted_mid_connection, 60 },
};

int main(void)
{
	return dl_main("test_proxy", cases, sizeof(cases) / sizeof(cases[0]));
}
