// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Lifecycle: detach in the middle of a stream, 1000 concurrent
 * connections, and 10 000 connect/close cycles that must leave the socket
 * table and the sockhash as they found them. */
#include "testlib.h"
#include <bpf/libbpf.h>

/* m) detach with redirected bytes still unread. */
#define DT_BEFORE (2 * MiB)
#define DT_TOTAL (8 * MiB)

struct slow_reader {
	struct tl_xfer x;
	int start_delay_ms;
};

static void *slow_reader_run(void *arg)
{
	struct slow_reader *r = arg;

	tl_sleep_ms(r->start_delay_ms);
	tl_xfer_recv(&r->x);
	return NULL;
}

static int case_detach_midstream(void)
{
	struct tl_xfer first = { .seed = 91, .off = 0, .len = DT_BEFORE, .min_io = 1000,
				 .max_io = 64 * KiB, .rng = 91, .timeout_ms = 10000 };
	struct tl_xfer rest = { .seed = 91, .off = DT_BEFORE, .len = DT_TOTAL - DT_BEFORE,
				.min_io = 1000, .max_io = 64 * KiB, .rng = 92,
				.timeout_ms = 20000, .shut_wr = true };
	struct slow_reader rd = { .x = { .seed = 91, .len = DT_TOTAL, .min_io = 512,
					 .max_io = 16 * KiB, .rng = 93, .timeout_ms = 25000,
					 .expect_eof = true },
				  .start_delay_ms = 300 };
	__u64 st0[VS_C_MAX], st1[VS_C_MAX];
	struct vs_sock_entry ce, se;
	char cg[PATH_MAX], s1[400], s2[400];
	bool attached = false, started = false;
	pthread_t th;
	int c = -1, s = -1, c2 = -1, s2_ = -1, r;

	r = tl_cg_create("m", cg, sizeof(cg));
	TL_EXPECT(!r, "mkdir %s: %s", cg, strerror(-r));
	TL_EXPECT(tl_cg_attach(cg) >= 0, "attach");
	attached = true;
	TL_EXPECT(!(r = tl_cg_enter(cg)), "enter: %s", strerror(-r));
	r = tl_pair(AF_INET, true, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	TL_EXPECT_ACCEL("client", c, 0);

	/* 2 MiB onto the fast path; nobody reads yet */
	first.fd = c;
	TL_EXPECT(!tl_xfer_send(&first), "send before detach: %s", first.why);
	TL_EXPECT(!tl_entry(c, &ce), "client entry");
	tl_entry_str(&ce, s1, sizeof(s1));
	TL_EXPECT(ce.tx_redir_bytes == DT_BEFORE, "before detach: want all %llu bytes redirected: %s",
		  (unsigned long long)DT_BEFORE, s1);

	TL_EXPECT(!tl_stats(st0), "stats");
	TL_EXPECT(!tl_cg_detach(cg), "detach");
	attached = false;

	/* a slow reader starts 300 ms later; the sender goes on */
	rd.x.fd = s;
	TL_EXPECT(!pthread_create(&th, NULL, slow_reader_run, &rd), "pthread_create");
	started = true;
	rest.fd = c;
	tl_xfer_send(&rest);
	pthread_join(th, NULL);
	started = false;
	TL_EXPECT(!rest.err, "send after detach: %s", rest.why);
	TL_EXPECT(!rd.x.err, "reader: %s", rd.x.why);
	TL_EXPECT(!tl_stats(st1), "stats");
	TL_EXPECT(!tl_entry(c, &ce) && !tl_entry(s, &se), "entries");
	tl_entry_str(&ce, s1, sizeof(s1));
	tl_entry_str(&se, s2, sizeof(s2));
	tl_diag("client: %s", s1);
	tl_diag("server: %s", s2);
	tl_diag("pass_detached +%llu, bytes_passed +%llu",
		(unsigned long long)(st1[VS_C_PASS_DETACHED] - st0[VS_C_PASS_DETACHED]),
		(unsigned long long)(st1[VS_C_BYTES_PASSED] - st0[VS_C_BYTES_PASSED]));
	TL_EXPECT(st1[VS_C_PASS_DETACHED] > st0[VS_C_PASS_DETACHED],
		  "counter pass_detached did not grow");
	TL_EXPECT(ce.tx_redir_bytes == DT_BEFORE && ce.tx_pass_bytes == DT_TOTAL - DT_BEFORE,
		  "after detach: want redir %llu pass %llu: %s", (unsigned long long)DT_BEFORE,
		  (unsigned long long)(DT_TOTAL - DT_BEFORE), s1);
	TL_EXPECT(ce.reason == VS_R_DETACHED, "client reason %s, want detached",
		  tl_reason_name(ce.reason));

	/* a new connection in the detached cgroup is plain TCP */
	r = tl_pair(AF_INET, true, &c2, &s2_);
	TL_EXPECT(!r, "pair after detach: %s", strerror(-r));
	TL_EXPECT(tl_send_all(c2, "x", 1, 1000, NULL) == 1, "send");
	if (!tl_entry(c2, &ce)) {
		tl_entry_str(&ce, s1, sizeof(s1));
		TL_EXPECT(!ce.in_sockhash && !ce.tx_redir_bytes,
			  "connection made after detach is accelerated: %s", s1);
	}
out:
	if (started) {
		shutdown(s, SHUT_RDWR);
		pthread_join(th, NULL);
	}
	tl_enter_main();
	tl_close(c);
	tl_close(s);
	tl_close(c2);
	tl_close(s2_);
	if (attached)
		tl_cg_detach(cg);
	return tl_verdict();
}

/* n) 1000 concurrent connections, all on the fast path. */
#define NCONN 1000
#define NC_LEN 4096

struct cookie_set {
	__u64 *cookies;
	struct vs_sock_entry *entries;
	int n, max;
};

static int collect_cb(const struct vs_sock_entry *e, void *ctx)
{
	struct cookie_set *cs = ctx;
	int i;

	/* keep only the cookies we look for (sorted list, binary search) */
	int lo = 0, hi = cs->n - 1;

	while (lo <= hi) {
		i = (lo + hi) / 2;
		if (cs->cookies[i] == e->cookie) {
			cs->entries[i] = *e;
			return 0;
		}
		if (cs->cookies[i] < e->cookie)
			lo = i + 1;
		else
			hi = i - 1;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static int find_idx(struct cookie_set *cs, __u64 c)
{
	__u64 *p = bsearch(&c, cs->cookies, cs->n, sizeof(__u64), cmp_u64);

	return p ? (int)(p - cs->cookies) : -1;
}

static int case_1000_connections(void)
{
	static int cfd[NCONN], sfd[NCONN], by_port[65536];
	struct cookie_set cs = { 0 };
	char out[NC_LEN], in[NC_LEN], s1[400];
	int l = -1, i, k, r, n_ok = 0, shcount;
	uint64_t t0 = tl_now_ns();
	ssize_t n;

	for (i = 0; i < NCONN; i++)
		cfd[i] = sfd[i] = -1;
	memset(by_port, 0xff, sizeof(by_port));
	r = tl_raise_nofile(4 * NCONN + 256);
	TL_EXPECT(!r, "RLIMIT_NOFILE: %s", strerror(-r));
	l = tl_listen(AF_INET, NULL, 0, true);
	TL_EXPECT(l >= 0, "listen: %s", strerror(-l));
	for (i = 0; i < NCONN; i++) {
		cfd[i] = tl_connect(AF_INET, NULL, tl_port(l), true);
		TL_EXPECT(cfd[i] >= 0, "connect %d: %s", i, strerror(-cfd[i]));
	}
	for (i = 0; i < NCONN; i++) {
		TL_EXPECT(!(r = tl_wait_connected(cfd[i], 5000)), "connect %d: %s", i, strerror(-r));
		by_port[tl_port(cfd[i])] = i;
	}
	for (k = 0; k < NCONN; k++) {
		struct sockaddr_in peer;
		socklen_t pl = sizeof(peer);
		int s = tl_accept(l, true, 5000);

		TL_EXPECT(s >= 0, "accept %d: %s", k, strerror(-s));
		TL_EXPECT(!getpeername(s, (struct sockaddr *)&peer, &pl), "getpeername");
		i = by_port[ntohs(peer.sin_port)];
		TL_EXPECT(i >= 0 && sfd[i] < 0, "accepted an unknown client port %u",
			  ntohs(peer.sin_port));
		sfd[i] = s;
	}
	/* every client speaks, every server checks and answers */
	for (i = 0; i < NCONN; i++) {
		tl_pat_fill(10000 + i, 0, out, NC_LEN);
		TL_EXPECT(tl_send_all(cfd[i], out, NC_LEN, 5000, NULL) == NC_LEN, "send %d", i);
	}
	for (i = 0; i < NCONN; i++) {
		n = tl_recv_all(sfd[i], in, NC_LEN, 5000);
		TL_EXPECT(n == NC_LEN, "server %d read %zd", i, n);
		TL_EXPECT(tl_pat_check(10000 + i, 0, in, NC_LEN) < 0,
			  "server %d got another connection's bytes", i);
		tl_pat_fill(20000 + i, 0, out, NC_LEN);
		TL_EXPECT(tl_send_all(sfd[i], out, NC_LEN, 5000, NULL) == NC_LEN, "reply %d", i);
	}
	for (i = 0; i < NCONN; i++) {
		n = tl_recv_all(cfd[i], in, NC_LEN, 5000);
		TL_EXPECT(n == NC_LEN, "client %d read %zd", i, n);
		TL_EXPECT(tl_pat_check(20000 + i, 0, in, NC_LEN) < 0,
			  "client %d got another connection's bytes", i);
	}
	shcount = loader_count_sockhash(tl.ld);
	/* one pass over the table for all 2000 sockets */
	cs.max = cs.n = 2 * NCONN;
	cs.cookies = calloc(cs.n, sizeof(__u64));
	cs.entries = calloc(cs.n, sizeof(*cs.entries));
	TL_EXPECT(cs.cookies && cs.entries, "calloc");
	for (i = 0; i < NCONN; i++) {
		cs.cookies[2 * i] = tl_cookie(cfd[i]);
		cs.cookies[2 * i + 1] = tl_cookie(sfd[i]);
	}
	qsort(cs.cookies, cs.n, sizeof(__u64), cmp_u64);
	TL_EXPECT(loader_for_each_socket(tl.ld, collect_cb, &cs) >= 0, "loader_for_each_socket");
	for (i = 0; i < 2 * NCONN; i++) {
		int fd = i % 2 ? sfd[i / 2] : cfd[i / 2];
		int x = find_idx(&cs, tl_cookie(fd));
		struct vs_sock_entry *e = x >= 0 ? &cs.entries[x] : NULL;

		TL_EXPECT(e && e->cookie, "%s %d: no socket-table entry", i % 2 ? "server" : "client",
			  i / 2);
		if (!e->in_sockhash || e->tx_redir_bytes != NC_LEN || e->tx_pass_bytes) {
			tl_entry_str(e, s1, sizeof(s1));
			TL_FAIL("%s %d not fully redirected: %s", i % 2 ? "server" : "client", i / 2, s1);
			goto out;
		}
		n_ok++;
	}
	tl_diag("%d sockets accelerated, sockhash holds %d, %.0f ms", n_ok, shcount,
		(tl_now_ns() - t0) / 1e6);
	TL_EXPECT(shcount >= 2 * NCONN, "sockhash holds %d, want >= %d", shcount, 2 * NCONN);
out:
	free(cs.cookies);
	free(cs.entries);
	for (i = 0; i < NCONN; i++) {
		tl_close(cfd[i]);
		tl_close(sfd[i]);
	}
	tl_close(l);
	return tl_verdict();
}

/* p) 10 000 connect/close cycles leave the table and the sockhash at
 * their baseline. */
#define CYCLES 10000

static int settle(long *tbl, int *sh, long want_tbl, int want_sh, int ms)
{
	uint64_t deadline = tl_now_ms() + ms;

	for (;;) {
		*tbl = tl_table_count();
		*sh = loader_count_sockhash(tl.ld);
		if ((*tbl <= want_tbl && *sh <= want_sh) || tl_now_ms() >= deadline)
			return 0;
		tl_sleep_ms(50);
	}
}

static int case_connect_close_cycles(void)
{
	__u64 st0[VS_C_MAX], st1[VS_C_MAX];
	long tbl0, tbl1, tbl_prev;
	int sh0, sh1, sh_prev, l = -1, c = -1, s = -1, i, r, redirected_cycles = 0;
	char buf[16];
	uint64_t t0;

	/* baseline: stable over two reads */
	tbl0 = tl_table_count();
	sh0 = loader_count_sockhash(tl.ld);
	do {
		tbl_prev = tbl0;
		sh_prev = sh0;
		tl_sleep_ms(100);
		tbl0 = tl_table_count();
		sh0 = loader_count_sockhash(tl.ld);
	} while (tbl0 != tbl_prev || sh0 != sh_prev);
	TL_EXPECT(tbl0 >= 0 && sh0 >= 0, "table %ld sockhash %d", tbl0, sh0);

	l = tl_listen(AF_INET, NULL, 0, true);
	TL_EXPECT(l >= 0, "listen: %s", strerror(-l));
	TL_EXPECT(!tl_stats(st0), "stats");
	t0 = tl_now_ns();
	for (i = 0; i < CYCLES; i++) {
		c = tl_connect(AF_INET, NULL, tl_port(l), true);
		TL_EXPECT(c >= 0, "cycle %d connect: %s", i, strerror(-c));
		TL_EXPECT(!(r = tl_wait_connected(c, 5000)), "cycle %d connect: %s", i, strerror(-r));
		s = tl_accept(l, true, 5000);
		TL_EXPECT(s >= 0, "cycle %d accept: %s", i, strerror(-s));
		tl_pat_fill(i, 0, buf, sizeof(buf));
		TL_EXPECT(tl_send_all(c, buf, sizeof(buf), 5000, NULL) == sizeof(buf), "cycle %d send", i);
		TL_EXPECT(tl_recv_all(s, buf, sizeof(buf), 5000) == sizeof(buf), "cycle %d recv", i);
		TL_EXPECT(tl_pat_check(i, 0, buf, sizeof(buf)) < 0, "cycle %d: wrong bytes", i);
		if (i % 1000 == 0) {
			struct vs_sock_entry e;

			if (!tl_entry(c, &e) && e.in_sockhash && e.tx_redir_bytes == sizeof(buf))
				redirected_cycles++;
		}
		/* alternate who closes first */
		if (i & 1) {
			tl_close(c);
			tl_close(s);
		} else {
			tl_close(s);
			tl_close(c);
		}
		c = s = -1;
	}
	tl_close(l);
	l = -1;
	TL_EXPECT(!tl_stats(st1), "stats");
	settle(&tbl1, &sh1, tbl0, sh0, 2000);
	tl_diag("%d cycles in %.0f ms; %d of %d sampled cycles redirected; table %ld -> %ld, "
		"sockhash %d -> %d; created +%llu destroyed +%llu inserted +%llu",
		CYCLES, (tl_now_ns() - t0) / 1e6, redirected_cycles, CYCLES / 1000, tbl0, tbl1,
		sh0, sh1,
		(unsigned long long)(st1[VS_C_SOCK_CREATED] - st0[VS_C_SOCK_CREATED]),
		(unsigned long long)(st1[VS_C_SOCK_DESTROYED] - st0[VS_C_SOCK_DESTROYED]),
		(unsigned long long)(st1[VS_C_INSERTED] - st0[VS_C_INSERTED]));
	TL_EXPECT(redirected_cycles == CYCLES / 1000, "only %d of %d sampled cycles redirected",
		  redirected_cycles, CYCLES / 1000);
	TL_EXPECT(st1[VS_C_INSERTED] - st0[VS_C_INSERTED] >= 2 * CYCLES,
		  "sockhash inserts +%llu, want >= %d",
		  (unsigned long long)(st1[VS_C_INSERTED] - st0[VS_C_INSERTED]), 2 * CYCLES);
	TL_EXPECT(tbl1 == tbl0, "socket table holds %ld entries 2 s after the cycles, baseline %ld",
		  tbl1, tbl0);
	TL_EXPECT(sh1 == sh0, "sockhash holds %d sockets 2 s after the cycles, baseline %d", sh1,
		  sh0);
out:
	tl_close(c);
	tl_close(s);
	tl_close(l);
	return tl_verdict();
}

/* The socket table follows each socket through its statuses, driven by
 * real kernel events (abi.h names the hook of each). */
static bool expect_status(const char *what, int fd, __u64 cookie, __u8 status, int line)
{
	struct vs_sock_entry e;
	char s[400];
	int r = tl_entry_by_cookie(cookie ? cookie : tl_cookie(fd), &e);

	if (r) {
		tl_fail_at(line, "%s: no socket-table entry (want status %u)", what, status);
		return false;
	}
	if (e.status != status) {
		tl_entry_str(&e, s, sizeof(s));
		tl_fail_at(line, "%s: status %u, want %u: %s", what, e.status, status, s);
		return false;
	}
	return true;
}

#define EXPECT_STATUS(what, fd, cookie, st)					\
	do {									\
		if (!expect_status(what, fd, cookie, st, __LINE__))		\
			goto out;						\
	} while (0)

static int wait_gone(__u64 cookie, int ms)
{
	struct vs_sock_entry e;
	uint64_t deadline = tl_now_ms() + ms;

	while (!tl_entry_by_cookie(cookie, &e)) {
		if (tl_now_ms() >= deadline)
			return -1;
		tl_sleep_ms(20);
	}
	return 0;
}

static int case_status_transitions(void)
{
	__u64 st0[VS_C_MAX], st1[VS_C_MAX], ccookie, scookie;
	struct sockaddr_storage ss;
	struct vs_sock_entry e;
	socklen_t len;
	char buf[64], s1[400];
	int l = -1, c = -1, s = -1, u = -1, r;

	TL_EXPECT(!tl_stats(st0), "stats");
	/* a UDP socket is left alone */
	u = tl_track(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	TL_EXPECT(u >= 0, "udp socket");
	TL_EXPECT(tl_entry(u, &e) == -ENOENT, "UDP socket has a socket-table entry");

	l = tl_track(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
	TL_EXPECT(l >= 0, "socket");
	EXPECT_STATUS("new socket (unconnected)", l, 0, VS_ST_UNCONNECTED);
	TL_EXPECT(!tl_entry(l, &e), "entry");
	TL_EXPECT(e.owner_tgid == (__u32)getpid(), "owner %u, want %d", e.owner_tgid, (int)getpid());
	TL_EXPECT(e.reason == VS_R_NOT_ESTABLISHED, "reason %s, want not_established",
		  tl_reason_name(e.reason));
	len = tl_sockaddr(AF_INET, NULL, 0, &ss);
	TL_EXPECT(!bind(l, (struct sockaddr *)&ss, len), "bind: %s", strerror(errno));
	EXPECT_STATUS("bound socket", l, 0, VS_ST_BOUND);
	TL_EXPECT(!tl_entry(l, &e) && e.local.port == tl_port(l), "bound port %u, want %d",
		  e.local.port, tl_port(l));
	TL_EXPECT(!listen(l, 16), "listen: %s", strerror(errno));
	EXPECT_STATUS("listener", l, 0, VS_ST_LISTENING);

	c = tl_connect(AF_INET, NULL, tl_port(l), true);
	TL_EXPECT(c >= 0 && !(r = tl_wait_connected(c, 5000)), "connect");
	s = tl_accept(l, true, 5000);
	TL_EXPECT(s >= 0, "accept: %s", strerror(-s));
	ccookie = tl_cookie(c);
	scookie = tl_cookie(s);
	EXPECT_STATUS("client", c, 0, VS_ST_CONNECTED);
	EXPECT_STATUS("server", s, 0, VS_ST_CONNECTED);
	TL_EXPECT(!tl_entry(c, &e) && e.peer_cookie == scookie, "client peer %llu, want %llu",
		  (unsigned long long)e.peer_cookie, (unsigned long long)scookie);
	TL_EXPECT(tl_send_all(c, "hello", 5, 1000, NULL) == 5, "send");
	TL_EXPECT(tl_recv_all(s, buf, 5, 1000) == 5, "recv");
	TL_EXPECT(!tl_entry(s, &e), "server entry");
	tl_entry_str(&e, s1, sizeof(s1));
	TL_EXPECT(e.owner_tgid == (__u32)getpid(), "accepted socket owner %u, want %d (first reader): %s",
		  e.owner_tgid, (int)getpid(), s1);

	/* half-close: FIN_WAIT2 on one side, CLOSE_WAIT on the other */
	TL_EXPECT(!shutdown(c, SHUT_WR), "shutdown");
	TL_EXPECT(tl_expect_eof(s, 1000) == 0, "server: no EOF");
	EXPECT_STATUS("client after shutdown(SHUT_WR)", c, 0, VS_ST_SHUTDOWN);
	EXPECT_STATUS("server after the peer's FIN", s, 0, VS_ST_SHUTDOWN);
	/* the process closes the client; the kernel keeps it (FIN_WAIT2) */
	tl_close(c);
	c = -1;
	EXPECT_STATUS("closed client", -1, ccookie, VS_ST_TERMINATED);
	/* the server closes too: both sockets are destroyed, entries leave */
	tl_close(s);
	s = -1;
	TL_EXPECT(!wait_gone(ccookie, 2000), "client entry still there 2 s after both closed");
	TL_EXPECT(!wait_gone(scookie, 2000), "server entry still there 2 s after both closed");
	TL_EXPECT(!tl_stats(st1), "stats");
	TL_EXPECT(st1[VS_C_NON_TCP] > st0[VS_C_NON_TCP], "counter non_tcp did not grow");
	TL_EXPECT(st1[VS_C_SOCK_RELEASED] - st0[VS_C_SOCK_RELEASED] >= 2,
		  "sock_released +%llu, want >= 2",
		  (unsigned long long)(st1[VS_C_SOCK_RELEASED] - st0[VS_C_SOCK_RELEASED]));
	TL_EXPECT(st1[VS_C_SOCK_DESTROYED] - st0[VS_C_SOCK_DESTROYED] >= 2,
		  "sock_destroyed +%llu, want >= 2",
		  (unsigned long long)(st1[VS_C_SOCK_DESTROYED] - st0[VS_C_SOCK_DESTROYED]));
out:
	tl_close(u);
	tl_close(l);
	tl_close(c);
	tl_close(s);
	return tl_verdict();
}

/* Socket events are published only for the types vs_meta.event_mask names
 * (vsockd sets what it reads): with no consumer, none is reserved at all. */
struct ev_seen {
	__u64 cookies[2];
	unsigned int by_type[2][VS_EV_MAX];
	unsigned int total;
};

static int ev_count(void *ctx, void *data, size_t size)
{
	const struct vs_event *ev = data;
	struct ev_seen *seen = ctx;
	int i;

	if (size < sizeof(*ev) || ev->type >= VS_EV_MAX)
		return 0;
	for (i = 0; i < 2; i++)
		if (ev->cookie == seen->cookies[i]) {
			seen->by_type[i][ev->type]++;
			seen->total++;
		}
	return 0;
}

/* Open, use and close one accelerated pair; its events land in *seen. */
static int ev_round(struct ring_buffer *rb, struct ev_seen *seen, __u64 *events)
{
	__u64 st0[VS_C_MAX], st1[VS_C_MAX];
	char buf[8];
	int c = -1, s = -1, r;

	memset(seen, 0, sizeof(*seen));
	ring_buffer__consume(rb);	/* what earlier cases left */
	TL_EXPECT(!tl_stats(st0), "stats");
	r = tl_pair(AF_INET, true, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	seen->cookies[0] = tl_cookie(c);
	seen->cookies[1] = tl_cookie(s);
	TL_EXPECT_ACCEL("client", c, 0);
	TL_EXPECT(tl_send_all(c, "ping", 4, 1000, NULL) == 4, "send");
	TL_EXPECT(tl_recv_all(s, buf, 4, 1000) == 4, "recv");
	tl_close(c);
	tl_close(s);
	c = s = -1;
	TL_EXPECT(!wait_gone(seen->cookies[0], 2000) && !wait_gone(seen->cookies[1], 2000),
		  "entries still there 2 s after both closed");
	TL_EXPECT(!tl_stats(st1), "stats");
	*events = st1[VS_C_EVENTS] - st0[VS_C_EVENTS];
	r = ring_buffer__consume(rb);
	TL_EXPECT(r >= 0, "ring buffer: %s", strerror(-r));
out:
	tl_close(c);
	tl_close(s);
	return tl_verdict();
}

static int case_events_only_when_consumed(void)
{
	const __u32 mask = VS_EV_BIT(VS_EV_CONNECTED) | VS_EV_BIT(VS_EV_RELEASED);
	struct ring_buffer *rb = NULL;
	struct ev_seen seen;
	__u64 events;
	int i, t, r;

	rb = ring_buffer__new(loader_map_fd(tl.ld, VS_MAP_EVENTS), ev_count, &seen, NULL);
	TL_EXPECT(rb, "ring buffer: %s", strerror(errno));

	TL_EXPECT(!(r = loader_set_event_mask(tl.ld, 0)), "mask 0: %s", strerror(-r));
	if (!ev_round(rb, &seen, &events)) {
		tl_diag("mask 0: %llu events counted, %u seen",
			(unsigned long long)events, seen.total);
		TL_EXPECT(events == 0 && seen.total == 0,
			  "mask 0: %llu events published, %u of them ours",
			  (unsigned long long)events, seen.total);
	}

	TL_EXPECT(!(r = loader_set_event_mask(tl.ld, mask)), "mask: %s", strerror(-r));
	if (!ev_round(rb, &seen, &events)) {
		for (i = 0; i < 2; i++)
			for (t = 1; t < VS_EV_MAX; t++) {
				unsigned int want = (mask & VS_EV_BIT(t)) ? 1 : 0;

				TL_EXPECT(seen.by_type[i][t] == want,
					  "%s: %u events of type %d, want %u",
					  i ? "server" : "client", seen.by_type[i][t], t, want);
			}
	}
out:
	loader_set_event_mask(tl.ld, 0);
	ring_buffer__free(rb);
	return tl_verdict();
}

static const struct tl_case cases[] = {
	{ "status_transitions", case_status_transitions, 20 },
	{ "events_only_when_consumed", case_events_only_when_consumed, 20 },
	{ "detach_midstream_slow_reader", case_detach_midstream, 40 },
	{ "concurrent_1000_connections", case_1000_connections, 60 },
	{ "connect_close_10000_cycles", case_connect_close_cycles, 90 },
};

int main(void)
{
	return tl_main("test_lifecycle", cases, TL_NCASES(cases));
}
