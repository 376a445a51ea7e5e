// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Blocking sockets stay on TCP, provably. A blocking reader on the tcp_bpf
 * path returns EAGAIN after any wake-up that brought no data (DESIGN.md,
 * "Spurious EAGAIN"), so vsock keeps every socket whose file is blocking
 * out of the sockhash. Each case puts a blocking reader through one
 * wake-up of that kind (its own FIN acknowledged, a peer reset, write
 * space, a signal, SIGSTOP/SIGCONT, a cgroup freeze, a second reader,
 * MSG_WAITALL) against a server that an event loop drives (non-blocking,
 * so it would be accelerated), with vsockd running as deployed. The client
 * is blocking from socket() on, or connects non-blocking and turns
 * blocking before its first byte (hiredis). What the reader sees must be
 * what plain TCP shows in the same run, and the monitor counters must not
 * move: no read without MSG_DONTWAIT ran on a socket of the sockhash and
 * no such read got EAGAIN. */
#include <sys/time.h>
#include "daemonlib.h"

enum bt_client {
	BT_BLOCKING,	/* blocking from socket() on */
	BT_SWITCHED,	/* non-blocking connect(), then fcntl before any byte */
};

static const char *const bt_client_name[] = { "blocking", "switched after connect" };

/* One connection: c the blocking client, s the server (O_NONBLOCK). */
static int bt_open(enum bt_client how, bool plain, int *c, int *s)
{
	int l, r = 0;

	*c = *s = -1;
	if (plain && (r = tl_enter_plain()))
		return r;
	l = tl_listen(AF_INET, NULL, 0, true);
	if (l < 0) {
		r = l;
		goto out;
	}
	*c = tl_connect(AF_INET, NULL, tl_port(l), how == BT_SWITCHED);
	if (*c < 0) {
		r = *c;
		goto out;
	}
	if (how == BT_SWITCHED &&
	    ((r = tl_wait_connected(*c, 5000)) || (r = tl_set_nonblock(*c, false))))
		goto out;
	*s = tl_accept(l, true, 5000);
	if (*s < 0)
		r = *s;
out:
	tl_close(l);
	if (plain)
		tl_enter_main();
	return r;
}

/* ------------------------------------------------------------------ */
/* The blocking reader                                                  */

struct bt_reader {
	int fd;
	int flags;		/* recv flags (MSG_WAITALL) */
	size_t size;		/* per recv */
	int calls;		/* 0: until EOF or an error; else that many */
	uint64_t seed;		/* pattern of the server's bytes */
	pthread_t th;
	char out[160];		/* what it saw */
};

static const char *bt_errname(int e)
{
	switch (e) {
	case EAGAIN: return "EAGAIN";
	case ECONNRESET: return "ECONNRESET";
	case EPIPE: return "EPIPE";
	case EINTR: return "EINTR";
	default: return strerror(e);
	}
}

/* Blocking recv() as a plain program does it: EINTR retried, anything
 * else ends the loop. Records "N bytes, then EOF|ERRNO" (or, for a
 * counted loop, the size each call returned). */
static void bt_read(struct bt_reader *r)
{
	static __thread char buf[1 << 20];
	size_t len = r->size < sizeof(buf) ? r->size : sizeof(buf);
	uint64_t got = 0;
	int i = 0, o = 0;
	ssize_t n;

	for (;;) {
		n = recv(r->fd, buf, len, r->flags);
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0 && tl_pat_check(r->seed, got, buf, n) >= 0) {
			snprintf(r->out, sizeof(r->out), "wrong bytes after %llu",
				 (unsigned long long)got);
			return;
		}
		if (r->calls) {
			if (n < 0)
				o += snprintf(r->out + o, sizeof(r->out) - o, "%s%s", i ? " " : "",
					      bt_errname(errno));
			else
				o += snprintf(r->out + o, sizeof(r->out) - o, "%s%zd", i ? " " : "", n);
			if (n > 0)
				got += n;
			if (++i == r->calls || n <= 0 || o >= (int)sizeof(r->out))
				return;
			continue;
		}
		if (n > 0) {
			got += n;
			continue;
		}
		snprintf(r->out, sizeof(r->out), "%llu bytes, then %s",
			 (unsigned long long)got, n ? bt_errname(errno) : "EOF");
		return;
	}
}

static void *bt_read_thread(void *a)
{
	bt_read(a);
	return NULL;
}

static int bt_reader_start(struct bt_reader *r, int fd, uint64_t seed)
{
	r->fd = fd;
	r->seed = seed;
	if (!r->size)
		r->size = 64 * KiB;
	return pthread_create(&r->th, NULL, bt_read_thread, r) ? -EAGAIN : 0;
}

/* The server side: len bytes of the pattern the client's reader checks
 * (seed 8), from off, poll-driven. */
static int bt_serve(int s, uint64_t off, size_t len)
{
	struct tl_xfer x = { .fd = s, .seed = 8, .off = off, .len = len, .timeout_ms = 5000 };

	return tl_xfer_send(&x);
}

static void bt_rst(int s)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

/* ------------------------------------------------------------------ */
/* Scenarios: each fills out with what the client saw, or returns -1    */
/* with why there (the harness failed, not the socket).                 */

/* Request, shutdown(SHUT_WR), then read the answer: the ACK of its own
 * FIN wakes the reader before any byte of the answer. */
static int sc_shutdown_wr(int c, int *s, char *out, size_t len)
{
	struct bt_reader r = { 0 };
	char req[1024], got[1024];
	bool request;

	tl_pat_fill(7, 0, req, sizeof(req));
	if (tl_send_all(c, req, sizeof(req), 5000, NULL) != sizeof(req) || shutdown(c, SHUT_WR))
		return snprintf(out, len, "request: %s", strerror(errno)), -1;
	if (bt_reader_start(&r, c, 8))
		return snprintf(out, len, "thread"), -1;
	request = tl_recv_all(*s, got, sizeof(got), 5000) == sizeof(got) &&
		  tl_pat_check(7, 0, got, sizeof(got)) < 0 && !tl_expect_eof(*s, 5000);
	tl_sleep_ms(100);	/* the client's FIN is acknowledged meanwhile */
	bt_serve(*s, 0, 256 * KiB);
	tl_close(*s);
	*s = -1;
	pthread_join(r.th, NULL);
	snprintf(out, len, "%s", request ? r.out : "server: no request, or not its end");
	return 0;
}

/* The peer resets the connection while the reader waits. */
static int sc_peer_rst(int c, int *s, char *out, size_t len)
{
	struct bt_reader r = { 0 };

	if (bt_reader_start(&r, c, 8))
		return snprintf(out, len, "thread"), -1;
	tl_sleep_ms(100);
	bt_rst(*s);
	tl_close(*s);
	*s = -1;
	pthread_join(r.th, NULL);
	snprintf(out, len, "%s", r.out);
	return 0;
}

/* Another thread of the client fills its send buffer and sleeps for
 * space; the server then drains it: write-space wake-ups reach the reader,
 * which waits for the answer that comes after. */
static int sc_sndbuf_full(int c, int *s, char *out, size_t len)
{
	struct tl_xfer w = { .fd = c, .seed = 9, .len = 8 * MiB, .max_io = 256 * KiB,
			     .timeout_ms = 10000 };
	struct tl_xfer drain = { .fd = *s, .seed = 9, .len = w.len, .max_io = 64 * KiB,
				 .timeout_ms = 10000 };
	struct bt_reader r = { 0 };
	pthread_t th;

	if (bt_reader_start(&r, c, 8))
		return snprintf(out, len, "thread"), -1;
	if (pthread_create(&th, NULL, tl_xfer_send_thread, &w)) {
		shutdown(c, SHUT_RDWR);
		pthread_join(r.th, NULL);
		return snprintf(out, len, "thread"), -1;
	}
	tl_sleep_ms(200);	/* the writer sleeps for space now */
	tl_xfer_recv(&drain);
	pthread_join(th, NULL);
	bt_serve(*s, 0, 64 * KiB);
	tl_close(*s);
	*s = -1;
	pthread_join(r.th, NULL);
	if (w.err || drain.err)
		snprintf(out, len, "writer: %s; server: %s", w.err ? w.why : "ok",
			 drain.err ? drain.why : "ok");
	else
		snprintf(out, len, "%s", r.out);
	return 0;
}

static void bt_on_alarm(int sig)
{
	(void)sig;
}

/* Signals with SA_RESTART while the reader waits: plain TCP restarts. */
static int sc_sigalrm(int c, int *s, char *out, size_t len)
{
	struct sigaction sa = { .sa_handler = bt_on_alarm, .sa_flags = SA_RESTART }, old;
	struct bt_reader r = { 0 };
	int i;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, &old))
		return snprintf(out, len, "sigaction: %s", strerror(errno)), -1;
	if (bt_reader_start(&r, c, 8)) {
		sigaction(SIGALRM, &old, NULL);
		return snprintf(out, len, "thread"), -1;
	}
	for (i = 0; i < 5; i++) {
		tl_sleep_ms(20);
		pthread_kill(r.th, SIGALRM);
	}
	tl_sleep_ms(20);
	bt_serve(*s, 0, 4096);
	tl_close(*s);
	*s = -1;
	pthread_join(r.th, NULL);
	sigaction(SIGALRM, &old, NULL);
	snprintf(out, len, "%s", r.out);
	return 0;
}

/* A child process reads; the parent stops and continues it, or freezes
 * and thaws its cgroup, while it waits. */
struct bt_child_arg {
	int c, s;
	char expect[160];
};

static int bt_child_read(void *a, int wfd)
{
	struct bt_child_arg *arg = a;
	struct bt_reader r = { .fd = arg->c, .size = 64 * KiB, .seed = 8 };

	close(arg->s);	/* the parent's close() must end the stream */
	bt_read(&r);
	if (strcmp(r.out, arg->expect))
		return tl_child_fail(wfd, "%s", r.out);
	return 0;
}

static int bt_cg_freeze(const char *cg, bool on)
{
	char f[PATH_MAX + 32], ev[256];
	uint64_t deadline = tl_now_ms() + 2000;
	int fd;
	ssize_t n;

	snprintf(f, sizeof(f), "%s/cgroup.freeze", cg);
	if (tl_write_file(f, on ? "1" : "0"))
		return -errno;
	snprintf(f, sizeof(f), "%s/cgroup.events", cg);
	while (tl_now_ms() < deadline) {
		fd = open(f, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		n = read(fd, ev, sizeof(ev) - 1);
		close(fd);
		ev[n > 0 ? n : 0] = 0;
		if (strstr(ev, on ? "frozen 1" : "frozen 0"))
			return 0;
		tl_sleep_ms(5);
	}
	return -ETIMEDOUT;
}

static int bt_child_case(int c, int *s, char *out, size_t len, bool freeze)
{
	struct bt_child_arg arg = { .c = c, .s = *s, .expect = "4096 bytes, then EOF" };
	char cg[PATH_MAX], f[PATH_MAX + 32], pid[24];
	struct tl_child ch;
	int r;

	if (tl_child_start(&ch, bt_child_read, &arg))
		return snprintf(out, len, "fork: %s", strerror(errno)), -1;
	tl_sleep_ms(50);	/* asleep in recv() */
	if (freeze) {
		r = tl_cg_create("freeze", cg, sizeof(cg));
		snprintf(f, sizeof(f), "%s/cgroup.procs", cg);
		snprintf(pid, sizeof(pid), "%d", (int)ch.pid);
		if (!r)
			r = tl_write_file(f, pid);
		if (!r)
			r = bt_cg_freeze(cg, true);
		tl_sleep_ms(50);
		if (!r)
			r = bt_cg_freeze(cg, false);
		if (r) {
			kill(ch.pid, SIGKILL);
			tl_child_wait(&ch, 2000, out, len);
			return snprintf(out, len, "freeze: %s", strerror(-r)), -1;
		}
	} else {
		kill(ch.pid, SIGSTOP);
		tl_sleep_ms(50);
		kill(ch.pid, SIGCONT);
	}
	tl_sleep_ms(50);
	bt_serve(*s, 0, 4096);
	tl_close(*s);
	*s = -1;
	if (tl_child_wait(&ch, 5000, out, len))
		return 0;	/* out: what the child saw instead */
	snprintf(out, len, "%s", arg.expect);
	return 0;
}

static int sc_sigstop(int c, int *s, char *out, size_t len)
{
	return bt_child_case(c, s, out, len, false);
}

static int sc_freeze(int c, int *s, char *out, size_t len)
{
	return bt_child_case(c, s, out, len, true);
}

/* Two threads wait in recv(); one byte comes, then another: each takes
 * one, the other keeps waiting (tcp_bpf would give it EAGAIN). */
static int sc_two_readers(int c, int *s, char *out, size_t len)
{
	struct bt_reader r[2] = { { .size = 1, .calls = 1 }, { .size = 1, .calls = 1 } };
	char b = 0;
	int i;

	for (i = 0; i < 2; i++) {
		if (bt_reader_start(&r[i], c, 8)) {
			shutdown(c, SHUT_RDWR);
			while (i--)
				pthread_join(r[i].th, NULL);
			return snprintf(out, len, "thread"), -1;
		}
	}
	for (i = 0; i < 2; i++) {
		tl_sleep_ms(100);
		tl_pat_fill(8, 0, &b, 1);	/* each reader checks offset 0 */
		if (tl_send_all(*s, &b, 1, 5000, NULL) != 1)
			snprintf(out, len, "server send");
	}
	for (i = 0; i < 2; i++)
		pthread_join(r[i].th, NULL);
	snprintf(out, len, "%s and %s", r[0].out, r[1].out);
	return 0;
}

/* recv(MSG_WAITALL) of 1 MiB while the server sends it in 4 KiB pieces,
 * pausing: one call returns all of it. */
static int sc_waitall(int c, int *s, char *out, size_t len)
{
	struct bt_reader r = { .size = MiB, .flags = MSG_WAITALL, .calls = 1 };
	size_t off;

	if (bt_reader_start(&r, c, 8))
		return snprintf(out, len, "thread"), -1;
	for (off = 0; off < MiB; off += 4096) {
		if (bt_serve(*s, off, 4096))
			break;
		if (off % (64 * KiB) == 0)
			tl_sleep_ms(1);
	}
	pthread_join(r.th, NULL);
	snprintf(out, len, "%s", r.out);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The harness: plain TCP and vsock, both client kinds                  */

typedef int (*bt_scenario)(int c, int *s, char *out, size_t len);

static int bt_case(bt_scenario fn, const char *expect)
{
	__u64 c0[VS_C_MAX], c1[VS_C_MAX];
	char out[256], log[32];
	struct dl_daemon d;
	int c = -1, s = -1, how, plain, r;

	snprintf(log, sizeof(log), "blocking-%d.log", (int)getpid());
	r = dl_start(&d, log);
	TL_EXPECT(!r, "vsockd: %s", strerror(-r));
	for (how = BT_BLOCKING; how <= BT_SWITCHED; how++) {
		for (plain = 1; plain >= 0; plain--) {
			const char *where = plain ? "plain TCP" : "attached";

			r = bt_open(how, plain, &c, &s);
			TL_EXPECT(!r, "%s client, %s: connect: %s", bt_client_name[how], where,
				  strerror(-r));
			tl_stats(c0);
			r = fn(c, &s, out, sizeof(out));
			tl_stats(c1);
			TL_EXPECT(!r, "%s client, %s: %s", bt_client_name[how], where, out);
			TL_EXPECT(!strcmp(out, expect), "%s client, %s: the reader saw \"%s\", "
				  "plain TCP shows \"%s\"", bt_client_name[how], where, out, expect);
			TL_EXPECT(c1[VS_C_RX_BLOCKING_IN_MAP] == c0[VS_C_RX_BLOCKING_IN_MAP] &&
				  c1[VS_C_RX_BLOCKING_EAGAIN] == c0[VS_C_RX_BLOCKING_EAGAIN],
				  "%s client, %s: %llu blocking reads ran on tcp_bpf, %llu got EAGAIN",
				  bt_client_name[how], where,
				  (unsigned long long)(c1[VS_C_RX_BLOCKING_IN_MAP] -
						       c0[VS_C_RX_BLOCKING_IN_MAP]),
				  (unsigned long long)(c1[VS_C_RX_BLOCKING_EAGAIN] -
						       c0[VS_C_RX_BLOCKING_EAGAIN]));
			tl_close(c);
			tl_close(s);
			c = s = -1;
		}
	}
out:
	tl_close(c);
	tl_close(s);
	dl_stop(&d);
	return tl_verdict();
}

static int case_shutdown_wr(void) { return bt_case(sc_shutdown_wr, "262144 bytes, then EOF"); }
static int case_peer_rst(void) { return bt_case(sc_peer_rst, "0 bytes, then ECONNRESET"); }
static int case_sndbuf_full(void) { return bt_case(sc_sndbuf_full, "65536 bytes, then EOF"); }
static int case_sigalrm(void) { return bt_case(sc_sigalrm, "4096 bytes, then EOF"); }
static int case_sigstop(void) { return bt_case(sc_sigstop, "4096 bytes, then EOF"); }
static int case_freeze(void) { return bt_case(sc_freeze, "4096 bytes, then EOF"); }
static int case_two_readers(void) { return bt_case(sc_two_readers, "1 and 1"); }
static int case_waitall(void) { return bt_case(sc_waitall, "1048576"); }

/* The control: with a non-blocking client the same server is accelerated,
 * so the cases above kept blocking sockets off a fast path that runs, and
 * the monitor counters see none of these non-blocking reads. */
static int case_control(void)
{
	__u64 c0[VS_C_MAX], c1[VS_C_MAX];
	struct vs_sock_entry ce;
	struct dl_daemon d;
	char buf[64 * KiB], log[32];
	int c = -1, s = -1, r, i;
	uint64_t deadline;

	snprintf(log, sizeof(log), "control-%d.log", (int)getpid());
	r = dl_start(&d, log);
	TL_EXPECT(!r, "vsockd: %s", strerror(-r));
	r = tl_pair(AF_INET, true, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	tl_stats(c0);
	/* request and answer until both ends joined, then 64 more */
	deadline = tl_now_ms() + 5000;
	for (i = 0; i < 64 && tl_now_ms() < deadline; ) {
		tl_pat_fill(3, 0, buf, sizeof(buf));
		TL_EXPECT(tl_send_all(c, buf, sizeof(buf), 5000, NULL) == sizeof(buf) &&
			  tl_recv_all(s, buf, sizeof(buf), 5000) == sizeof(buf) &&
			  tl_pat_check(3, 0, buf, sizeof(buf)) < 0, "request %d", i);
		TL_EXPECT(tl_send_all(s, buf, sizeof(buf), 5000, NULL) == sizeof(buf) &&
			  tl_recv_all(c, buf, sizeof(buf), 5000) == sizeof(buf), "answer %d", i);
		if (!loader_lookup_socket(tl.ld, tl_cookie(c), &ce) && ce.tx_redir_bytes)
			i++;
	}
	tl_stats(c1);
	TL_EXPECT(i == 64, "the non-blocking pair was not accelerated within 5 s");
	TL_EXPECT(c1[VS_C_RX_BLOCKING_IN_MAP] == c0[VS_C_RX_BLOCKING_IN_MAP],
		  "non-blocking reads counted as blocking");
	tl_diag("non-blocking client: %llu bytes redirected",
		(unsigned long long)ce.tx_redir_bytes);
out:
	tl_close(c);
	tl_close(s);
	dl_stop(&d);
	return tl_verdict();
}

/* The monitor is no constant zero: without vsockd's joiner, a client that
 * connects non-blocking joins at establishment from its file flags; turned
 * blocking before its first byte (hiredis), its first read sleeps on
 * tcp_bpf, and a signal makes it return EAGAIN. Both counters see it. This
 * is why vsockd should run (docs/operations.md). */
static int case_monitor_without_joiner(void)
{
	__u64 c0[VS_C_MAX], c1[VS_C_MAX];
	char out[256];
	int c = -1, s = -1, r;

	TL_EXPECT(!loader_joiner_beat(tl.ld, false), "no joiner");
	r = bt_open(BT_SWITCHED, false, &c, &s);
	TL_EXPECT(!r, "connect: %s", strerror(-r));
	tl_stats(c0);
	r = sc_sigalrm(c, &s, out, sizeof(out));
	tl_stats(c1);
	TL_EXPECT(!r, "%s", out);
	tl_diag("without a joiner the switched client saw \"%s\"", out);
	TL_EXPECT(!strcmp(out, "0 bytes, then EAGAIN"), "the reader saw \"%s\"", out);
	TL_EXPECT(c1[VS_C_RX_BLOCKING_IN_MAP] > c0[VS_C_RX_BLOCKING_IN_MAP] &&
		  c1[VS_C_RX_BLOCKING_EAGAIN] == c0[VS_C_RX_BLOCKING_EAGAIN] + 1,
		  "monitor: %llu blocking reads on tcp_bpf, %llu EAGAIN; want >0 and 1",
		  (unsigned long long)(c1[VS_C_RX_BLOCKING_IN_MAP] - c0[VS_C_RX_BLOCKING_IN_MAP]),
		  (unsigned long long)(c1[VS_C_RX_BLOCKING_EAGAIN] - c0[VS_C_RX_BLOCKING_EAGAIN]));
out:
	tl_close(c);
	tl_close(s);
	return tl_verdict();
}

static const struct tl_case cases[] = {
	{ "monitor_sees_the_hazard_without_joiner", case_monitor_without_joiner, 30 },
	{ "control_nonblocking_client_is_accelerated", case_control, 30 },
	{ "own_shutdown_then_recv", case_shutdown_wr, 30 },
	{ "peer_reset", case_peer_rst, 30 },
	{ "send_buffer_full_in_another_thread", case_sndbuf_full, 60 },
	{ "sigalrm_sa_restart", case_sigalrm, 30 },
	{ "sigstop_sigcont", case_sigstop, 30 },
	{ "cgroup_freeze_thaw", case_freeze, 30 },
	{ "two_threads_in_recv", case_two_readers, 30 },
	{ "msg_waitall", case_waitall, 30 },
};

int main(int argc, char **argv)
{
	(void)argc;
	return dl_main(argv[0], cases, TL_NCASES(cases));
}
