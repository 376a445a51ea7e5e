// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The kernel-spliced relay (daemon/relay.c, bpf/vsock_relay.bpf.c) on a
 * real kernel. The test plays vsockd: a thread runs vsockd's loop with the
 * relay module on it, and each case builds client <-> legC and legB <->
 * backend on loopback (in the runner's throwaway netns, from a cgroup that
 * is not attached, as vsockd's legs are), pairs legC with legB and checks
 * every byte at both ends, the counters, half-close, reset, backpressure,
 * bytes queued before the pair, many pairs at once, and the legs' socket
 * table statuses and events. */
#include <linux/sock_diag.h>	/* SK_MEMINFO_* */
#include <bpf/libbpf.h>
#include "testlib.h"
#include "log.h"
#include "loop.h"
#include "relay.h"

/* vsockd's part: the loop and the relay, in a thread of the runner. The
 * relay is not thread-safe, so the case takes the lock to call it. */
static struct {
	struct loop loop;
	struct relay *relay;
	pthread_mutex_t mu;
	pthread_t th;
	volatile int stop, want;
} V = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* What on_close reported, by pair id (ids are reused: wait_closed()
 * consumes the record). */
#define MAX_IDS 1024
static struct closed {
	bool closed;
	int err;
	struct relay_counts c;
} closed[MAX_IDS];

static void on_close(void *ctx, int id, __u64 tag, const struct relay_counts *c, int err)
{
	(void)ctx;
	(void)tag;
	if (id >= 0 && id < MAX_IDS)
		closed[id] = (struct closed){ true, err, *c };
}

static void no_tick(void *ctx, __u64 now_ms) { (void)ctx; (void)now_ms; }
static void no_hup(void *ctx) { (void)ctx; }

static void *vsd_main(void *arg)
{
	(void)arg;
	while (!V.stop) {
		if (V.want) {
			usleep(100);
			continue;
		}
		pthread_mutex_lock(&V.mu);
		loop_run_once(&V.loop, 2);
		pthread_mutex_unlock(&V.mu);
	}
	return NULL;
}

static void vsd_lock(void)
{
	V.want = 1;
	pthread_mutex_lock(&V.mu);
	V.want = 0;
}

static int vsd_start(void)
{
	int r;

	memset(closed, 0, sizeof(closed));
	loop_init(&V.loop);
	r = loop_open(&V.loop, 500, no_tick, no_hup, NULL);
	if (r) {
		tl_diag("loop_open: %s", strerror(-r));
		return r;
	}
	r = relay_open(&V.relay, &V.loop, tl.ld);
	if (r) {
		tl_diag("relay_open: %s", strerror(-r));
		loop_close(&V.loop);
		return r;
	}
	V.stop = 0;
	return -pthread_create(&V.th, NULL, vsd_main, NULL);
}

static void vsd_stop(void)
{
	if (!V.relay)
		return;
	V.stop = 1;
	pthread_join(V.th, NULL);
	relay_close(V.relay);
	V.relay = NULL;
	loop_close(&V.loop);
}

/* The relay takes legc and legb (it closes them). */
static int pair_legs(int legc, int legb, const struct relay_opts *o)
{
	struct relay_opts oo = o ? *o : (struct relay_opts){ 0 };
	int id;

	oo.on_close = on_close;
	tl_untrack(legc);
	tl_untrack(legb);
	vsd_lock();
	id = relay_pair(V.relay, legc, legb, &oo);
	pthread_mutex_unlock(&V.mu);
	return id;
}

/* client <-> legC and legB <-> backend, nonblocking, from a cgroup that is
 * not attached (vsockd's legs are in none). */
static int four(int *client, int *legc, int *legb, int *backend)
{
	int r = tl_pair(AF_INET, true, client, legc);

	return r ? r : tl_pair(AF_INET, true, legb, backend);
}

static int counts(int id, struct relay_counts *c)
{
	int r;

	vsd_lock();
	r = relay_pair_counts(V.relay, id, c);
	pthread_mutex_unlock(&V.mu);
	return r;
}

static void stats(struct relay_stats *s)
{
	vsd_lock();
	relay_stats(V.relay, s);
	pthread_mutex_unlock(&V.mu);
}

/* Wait until pair id is closed; its final counts in *last. */
static bool wait_closed(int id, struct relay_counts *last, int timeout_ms)
{
	__u64 deadline = tl_now_ms() + timeout_ms;
	bool done = false;

	while (!done && tl_now_ms() < deadline) {
		vsd_lock();
		if ((done = closed[id].closed)) {
			*last = closed[id].c;
			closed[id].closed = false;
		}
		pthread_mutex_unlock(&V.mu);
		if (!done)
			tl_sleep_ms(5);
	}
	return done;
}

static int setup(void)
{
	int r = tl_enter_plain();

	if (r) {
		tl_diag("enter the plain cgroup: %s", strerror(-r));
		return r;
	}
	tl_raise_nofile(4096);
	return vsd_start();
}

#define EXPECT_SETUP()							\
	do {								\
		int _r = setup();					\
		TL_EXPECT(!_r, "setup: %s", strerror(-_r));		\
	} while (0)

/* Both directions at once with writes of size io, len bytes each way, then
 * FIN each way: every byte checked, EOF at both ends. kernel_only: every
 * byte through the kernel relay, none copied (else a direction may have
 * met its bound and been copied from there, in order). */
static int one_duplex(size_t io, __u64 len, __u64 bound, bool kernel_only)
{
	const struct relay_opts o = { .bound = bound };
	int client = -1, legc = -1, legb = -1, backend = -1, id, r;
	struct relay_counts c = { 0 };
	struct tl_duplex d;
	char why[300];

	r = four(&client, &legc, &legb, &backend);
	TL_EXPECT(!r, "connect: %s", strerror(-r));
	id = pair_legs(legc, legb, &o);
	TL_EXPECT(id >= 0, "relay_pair: %s", strerror(-id));
	memset(&d, 0, sizeof(d));
	d.c_tx = (struct tl_xfer){ .fd = client, .seed = 0xc0 + io, .len = len, .min_io = io,
				   .max_io = io, .rng = 1, .timeout_ms = 20000, .shut_wr = true };
	d.s_rx = (struct tl_xfer){ .fd = backend, .seed = 0xc0 + io, .len = len,
				   .max_io = 256 * KiB, .timeout_ms = 20000, .expect_eof = true };
	d.s_tx = (struct tl_xfer){ .fd = backend, .seed = 0xb0 + io, .len = len, .min_io = io,
				   .max_io = io, .rng = 2, .timeout_ms = 20000, .shut_wr = true };
	d.c_rx = (struct tl_xfer){ .fd = client, .seed = 0xb0 + io, .len = len,
				   .max_io = 256 * KiB, .timeout_ms = 20000, .expect_eof = true };
	TL_EXPECT(!tl_xfer_duplex(&d, why, sizeof(why)), "%zu-byte writes: %s", io, why);
	TL_EXPECT(wait_closed(id, &c, 3000), "pair still open after both FINs");
	tl_diag("%zu-byte writes, bound %llu: %llu B each way in %.2f s; kernel %llu/%llu, "
		"copied %llu/%llu, largest backlog %llu/%llu",
		io, (unsigned long long)bound, (unsigned long long)len, d.s_rx.secs,
		(unsigned long long)c.kernel_bytes[0], (unsigned long long)c.kernel_bytes[1],
		(unsigned long long)c.copied_bytes[0], (unsigned long long)c.copied_bytes[1],
		(unsigned long long)c.max_backlog[0], (unsigned long long)c.max_backlog[1]);
	TL_EXPECT(c.kernel_bytes[0] + c.copied_bytes[0] == len &&
		  c.kernel_bytes[1] + c.copied_bytes[1] == len,
		  "kernel + copied %llu/%llu of %llu each way",
		  (unsigned long long)(c.kernel_bytes[0] + c.copied_bytes[0]),
		  (unsigned long long)(c.kernel_bytes[1] + c.copied_bytes[1]),
		  (unsigned long long)len);
	TL_EXPECT(!kernel_only || (!c.copied_bytes[0] && !c.copied_bytes[1] && !c.switches),
		  "copied %llu/%llu, %llu switches: want all through the kernel",
		  (unsigned long long)c.copied_bytes[0], (unsigned long long)c.copied_bytes[1],
		  (unsigned long long)c.switches);
	TL_EXPECT(c.half_closes == 2, "%llu half-closes relayed, want 2",
		  (unsigned long long)c.half_closes);
out:
	tl_close(client);
	tl_close(backend);
	return tl.failed ? -1 : 0;
}

static int case_integrity_sizes(void)
{
	/* the default bound (tcp_rmem max), then one above the stream's
	 * length: nothing may be copied then */
	static const struct { size_t io; __u64 len, bound; bool kernel_only; } runs[] = {
		{ 1, 64 * KiB, 0, true }, { KiB, 4 * MiB, 0, true },
		{ 64 * KiB, 32 * MiB, 0, false }, { MiB, 64 * MiB, 0, false },
		{ 64 * KiB, 32 * MiB, 256 * MiB, true }, { MiB, 64 * MiB, 256 * MiB, true },
	};
	int i;

	EXPECT_SETUP();
	for (i = 0; i < TL_NCASES(runs) && !tl.failed; i++)
		one_duplex(runs[i].io, runs[i].len, runs[i].bound, runs[i].kernel_only);
out:
	vsd_stop();
	return tl_verdict();
}

/* first sends len1 and shuts its write side; second must read all of it
 * and then EOF, reply len2 and shut; first reads the reply and EOF. */
static int half_close(bool client_first)
{
	int client = -1, legc = -1, legb = -1, backend = -1, id, r, first, second;
	const __u64 len1 = 3 * MiB + 17, len2 = 2 * MiB + 5;
	struct relay_counts c = { 0 };
	struct tl_xfer a, b;

	EXPECT_SETUP();
	r = four(&client, &legc, &legb, &backend);
	TL_EXPECT(!r, "connect: %s", strerror(-r));
	id = pair_legs(legc, legb, NULL);
	TL_EXPECT(id >= 0, "relay_pair: %s", strerror(-id));
	first = client_first ? client : backend;
	second = client_first ? backend : client;
	a = (struct tl_xfer){ .fd = first, .seed = 11, .len = len1, .min_io = 1,
			      .max_io = 128 * KiB, .rng = 3, .timeout_ms = 10000, .shut_wr = true };
	b = (struct tl_xfer){ .fd = second, .seed = 11, .len = len1, .max_io = 64 * KiB,
			      .timeout_ms = 10000, .expect_eof = true };
	TL_EXPECT(!tl_xfer_stream(first, second, &a, &b), "pthread_create");
	TL_EXPECT(!a.err && !b.err, "first: %s; second: %s", a.err ? a.why : "ok",
		  b.err ? b.why : "ok");
	TL_EXPECT(!counts(id, &c) && c.half_closes == 1, "pair gone or %llu half-closes, want 1",
		  (unsigned long long)c.half_closes);
	a = (struct tl_xfer){ .fd = second, .seed = 12, .len = len2, .min_io = 1,
			      .max_io = 128 * KiB, .rng = 4, .timeout_ms = 10000, .shut_wr = true };
	b = (struct tl_xfer){ .fd = first, .seed = 12, .len = len2, .max_io = 64 * KiB,
			      .timeout_ms = 10000, .expect_eof = true };
	TL_EXPECT(!tl_xfer_stream(second, first, &a, &b), "pthread_create");
	TL_EXPECT(!a.err && !b.err, "reply: %s; reader: %s", a.err ? a.why : "ok",
		  b.err ? b.why : "ok");
	TL_EXPECT(wait_closed(id, &c, 3000), "pair still open after both FINs");
	TL_EXPECT(c.half_closes == 2 && !c.resets, "%llu half-closes, %llu resets",
		  (unsigned long long)c.half_closes, (unsigned long long)c.resets);
	TL_EXPECT(c.kernel_bytes[client_first ? 0 : 1] == len1 &&
		  c.kernel_bytes[client_first ? 1 : 0] == len2 && !c.switches,
		  "kernel moved %llu/%llu, %llu switches", (unsigned long long)c.kernel_bytes[0],
		  (unsigned long long)c.kernel_bytes[1], (unsigned long long)c.switches);
out:
	vsd_stop();
	tl_close(client);
	tl_close(backend);
	return tl_verdict();
}

static int case_half_close_client(void) { return half_close(true); }
static int case_half_close_backend(void) { return half_close(false); }

/* One end resets (SO_LINGER {1, 0} + close); the other sees ECONNRESET
 * (or EOF) promptly, and the relay counts the reset. */
static int reset(bool client_resets)
{
	int client = -1, legc = -1, legb = -1, backend = -1, id, r, victim, other;
	struct relay_counts c = { 0 };
	struct linger lg = { 1, 0 };
	struct relay_stats s0, s1;
	char buf[64 * KiB];
	__u64 t0;
	ssize_t n;

	EXPECT_SETUP();
	r = four(&client, &legc, &legb, &backend);
	TL_EXPECT(!r, "connect: %s", strerror(-r));
	id = pair_legs(legc, legb, NULL);
	TL_EXPECT(id >= 0, "relay_pair: %s", strerror(-id));
	stats(&s0);
	victim = client_resets ? client : backend;
	other = client_resets ? backend : client;
	/* some bytes first, so the relay is in its stride */
	tl_pat_fill(5, 0, buf, sizeof(buf));
	TL_EXPECT(tl_send_all(victim, buf, sizeof(buf), 5000, NULL) == sizeof(buf), "send");
	TL_EXPECT(tl_recv_all(other, buf, sizeof(buf), 5000) == sizeof(buf), "recv");
	TL_EXPECT(tl_pat_check(5, 0, buf, sizeof(buf)) < 0, "bytes differ");
	setsockopt(victim, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	tl_close(victim);
	t0 = tl_now_ms();
	r = tl_wait(other, POLLIN, tl_now_ms() + 3000);
	TL_EXPECT(r > 0, "no event on the other end within 3 s after the reset");
	n = recv(other, buf, sizeof(buf), MSG_DONTWAIT);
	TL_EXPECT(n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE)),
		  "other end: recv %zd (%s), want ECONNRESET or EOF", n, n < 0 ? strerror(errno) : "-");
	tl_diag("reset seen after %llu ms: %s", (unsigned long long)(tl_now_ms() - t0),
		n ? strerror(errno) : "EOF");
	TL_EXPECT(wait_closed(id, &c, 3000), "pair still open after a reset");
	stats(&s1);
	TL_EXPECT(s1.c.resets == s0.c.resets + 1, "%llu resets counted, want 1",
		  (unsigned long long)(s1.c.resets - s0.c.resets));
out:
	vsd_stop();
	tl_close(client);
	tl_close(backend);
	return tl_verdict();
}

static int case_reset_from_client(void) { return reset(true); }
static int case_reset_from_backend(void) { return reset(false); }

static long long sysctl3(const char *path)
{
	long long a, b, c = 0;
	FILE *f = fopen(path, "re");

	if (f) {
		if (fscanf(f, "%lld %lld %lld", &a, &b, &c) != 3)
			c = 0;
		fclose(f);
	}
	return c;
}

/* The backend stops reading: the client's sends must stall with bounded
 * memory; then the backend reads every byte, in order. */
static int case_backpressure(void)
{
	const __u64 bound = 1 * MiB;
	const struct relay_opts o = { .bound = bound };
	int client = -1, legc = -1, legb = -1, backend = -1, id, r;
	long long wmem = sysctl3("/proc/sys/net/ipv4/tcp_wmem");
	long long rmem = sysctl3("/proc/sys/net/ipv4/tcp_rmem");
	long long mem0, mem1, limit;
	struct relay_counts c = { 0 };
	struct relay_stats s0, s;
	static char buf[256 * KiB];
	__u64 sent = 0;
	struct tl_xfer rx;

	EXPECT_SETUP();
	r = four(&client, &legc, &legb, &backend);
	TL_EXPECT(!r, "connect: %s", strerror(-r));
	stats(&s0);
	id = pair_legs(legc, legb, &o);
	TL_EXPECT(id >= 0, "relay_pair: %s", strerror(-id));
	mem0 = tl_tcp_mem_bytes();
	/* send until no byte goes out for a second */
	for (;;) {
		ssize_t n;

		tl_pat_fill(21, sent, buf, sizeof(buf));
		n = send(client, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			sent += n;
			TL_EXPECT(sent < 1024 * MiB, "1 GiB sent to a backend that does not read");
			continue;
		}
		TL_EXPECT(n < 0 && errno == EAGAIN, "send: %s", strerror(errno));
		if (tl_wait(client, POLLOUT, tl_now_ms() + 1000) == 0)
			break;
	}
	mem1 = tl_tcp_mem_bytes();
	{
		/* where the bytes wait: the legs are the relay's, read only */
		__u32 mc[SK_MEMINFO_VARS] = { 0 }, mb[SK_MEMINFO_VARS] = { 0 };
		socklen_t l = sizeof(mc);

		getsockopt(legc, SOL_SOCKET, SO_MEMINFO, mc, &l);
		l = sizeof(mb);
		getsockopt(legb, SOL_SOCKET, SO_MEMINFO, mb, &l);
		tl_diag("legC rmem_alloc %u of rcvbuf %u; legB wmem_queued %u of sndbuf %u",
			mc[SK_MEMINFO_RMEM_ALLOC], mc[SK_MEMINFO_RCVBUF],
			mb[SK_MEMINFO_WMEM_QUEUED], mb[SK_MEMINFO_SNDBUF]);
	}
	TL_EXPECT(!counts(id, &c), "pair gone");
	stats(&s);
	/* what TCP lets each socket on the way hold, plus the relay's bound */
	limit = 2 * wmem + 2 * rmem + (long long)bound;
	tl_diag("stalled after %llu B (limit %lld: 2 x tcp_wmem %lld + 2 x tcp_rmem %lld + bound %llu); "
		"kernel %llu B, copied %llu B, %llu switch(es); TCP mem +%lld B",
		(unsigned long long)sent, limit, wmem, rmem, (unsigned long long)bound,
		(unsigned long long)c.kernel_bytes[0], (unsigned long long)c.copied_bytes[0],
		(unsigned long long)c.switches, mem1 - mem0);
	TL_EXPECT((long long)sent <= limit, "%llu B queued, more than %lld",
		  (unsigned long long)sent, limit);
	TL_EXPECT(c.switches == 1, "%llu switches to copying, want 1 (the bound)",
		  (unsigned long long)c.switches);
	TL_EXPECT(s.verdict[VS_RC_TO_COPY_BOUND] == s0.verdict[VS_RC_TO_COPY_BOUND] + 1,
		  "verdict's to_copy_bound %llu -> %llu, want one more",
		  (unsigned long long)s0.verdict[VS_RC_TO_COPY_BOUND],
		  (unsigned long long)s.verdict[VS_RC_TO_COPY_BOUND]);
	TL_EXPECT(mem1 - mem0 <= limit, "TCP memory grew by %lld B", mem1 - mem0);
	/* now everything arrives, in order */
	TL_EXPECT(!shutdown(client, SHUT_WR), "shutdown");
	rx = (struct tl_xfer){ .fd = backend, .seed = 21, .len = sent, .max_io = 256 * KiB,
			       .timeout_ms = 20000, .expect_eof = true };
	TL_EXPECT(!tl_xfer_recv(&rx), "backend: %s", rx.why);
	TL_EXPECT(!counts(id, &c), "pair gone");
	tl_diag("then: kernel %llu B + copied %llu B", (unsigned long long)c.kernel_bytes[0],
		(unsigned long long)c.copied_bytes[0]);
	TL_EXPECT(c.kernel_bytes[0] + c.copied_bytes[0] == sent,
		  "kernel %llu + copied %llu != %llu sent", (unsigned long long)c.kernel_bytes[0],
		  (unsigned long long)c.copied_bytes[0], (unsigned long long)sent);
out:
	vsd_stop();
	tl_close(client);
	tl_close(backend);
	return tl_verdict();
}

/* Bytes sent before the pair exists (queued, unread, on both legs) come
 * out first, in order, through the kernel. */
static int case_queued_before_pair(void)
{
	int client = -1, legc = -1, legb = -1, backend = -1, id, r;
	const __u64 pre_c = 100 * KiB + 3, pre_b = 60 * KiB + 1, more = 2 * MiB;
	static char buf[128 * KiB];
	struct relay_counts c = { 0 };
	struct tl_duplex d;
	char why[300];

	EXPECT_SETUP();
	r = four(&client, &legc, &legb, &backend);
	TL_EXPECT(!r, "connect: %s", strerror(-r));
	tl_pat_fill(31, 0, buf, pre_c);
	TL_EXPECT(tl_send_all(client, buf, pre_c, 5000, NULL) == (ssize_t)pre_c, "send");
	tl_pat_fill(32, 0, buf, pre_b);
	TL_EXPECT(tl_send_all(backend, buf, pre_b, 5000, NULL) == (ssize_t)pre_b, "send");
	tl_sleep_ms(50);	/* on the legs' receive queues */
	id = pair_legs(legc, legb, NULL);
	TL_EXPECT(id >= 0, "relay_pair: %s", strerror(-id));
	memset(&d, 0, sizeof(d));
	d.c_tx = (struct tl_xfer){ .fd = client, .seed = 31, .off = pre_c, .len = more,
				   .min_io = 1, .max_io = 64 * KiB, .rng = 5, .timeout_ms = 10000,
				   .shut_wr = true };
	d.s_rx = (struct tl_xfer){ .fd = backend, .seed = 31, .len = pre_c + more,
				   .max_io = 64 * KiB, .timeout_ms = 10000, .expect_eof = true };
	d.s_tx = (struct tl_xfer){ .fd = backend, .seed = 32, .off = pre_b, .len = more,
				   .min_io = 1, .max_io = 64 * KiB, .rng = 6, .timeout_ms = 10000,
				   .shut_wr = true };
	d.c_rx = (struct tl_xfer){ .fd = client, .seed = 32, .len = pre_b + more,
				   .max_io = 64 * KiB, .timeout_ms = 10000, .expect_eof = true };
	TL_EXPECT(!tl_xfer_duplex(&d, why, sizeof(why)), "%s", why);
	TL_EXPECT(wait_closed(id, &c, 3000), "pair still open after both FINs");
	TL_EXPECT(c.kernel_bytes[0] == pre_c + more && c.kernel_bytes[1] == pre_b + more &&
		  !c.copied_bytes[0] && !c.copied_bytes[1],
		  "kernel %llu/%llu copied %llu/%llu, want all %llu/%llu through the kernel",
		  (unsigned long long)c.kernel_bytes[0], (unsigned long long)c.kernel_bytes[1],
		  (unsigned long long)c.copied_bytes[0], (unsigned long long)c.copied_bytes[1],
		  (unsigned long long)(pre_c + more), (unsigned long long)(pre_b + more));
out:
	vsd_stop();
	tl_close(client);
	tl_close(backend);
	return tl_verdict();
}

/* A leg the kernel refuses (the client sent and half-closed before the
 * pair: legC is in CLOSE_WAIT, a sockhash takes only ESTABLISHED): the
 * pair is copied, every byte, and the FINs still go through. */
static int case_refused_leg_copied(void)
{
	int client = -1, legc = -1, legb = -1, backend = -1, id, r;
	const __u64 req = 30 * KiB + 7, resp = 1 * MiB + 3;	/* req fits the window */
	static char buf[256 * KiB];
	struct relay_counts c = { 0 };
	struct relay_stats s0, s1;
	struct tl_xfer a, b;

	EXPECT_SETUP();
	r = four(&client, &legc, &legb, &backend);
	TL_EXPECT(!r, "connect: %s", strerror(-r));
	tl_pat_fill(41, 0, buf, req);
	TL_EXPECT(tl_send_all(client, buf, req, 5000, NULL) == (ssize_t)req, "send");
	TL_EXPECT(!shutdown(client, SHUT_WR), "shutdown");
	tl_sleep_ms(50);
	{
		struct tcp_info ti;
		socklen_t l = sizeof(ti);

		getsockopt(legc, IPPROTO_TCP, TCP_INFO, &ti, &l);
		tl_diag("legC state %u before the pair", ti.tcpi_state);
	}
	stats(&s0);
	id = pair_legs(legc, legb, NULL);
	TL_EXPECT(id >= 0, "relay_pair: %s", strerror(-id));
	b = (struct tl_xfer){ .fd = backend, .seed = 41, .len = req, .max_io = 64 * KiB,
			      .timeout_ms = 10000, .expect_eof = true };
	TL_EXPECT(!tl_xfer_recv(&b), "backend: %s", b.why);
	a = (struct tl_xfer){ .fd = backend, .seed = 42, .len = resp, .min_io = 1,
			      .max_io = 64 * KiB, .rng = 7, .timeout_ms = 10000, .shut_wr = true };
	b = (struct tl_xfer){ .fd = client, .seed = 42, .len = resp, .max_io = 64 * KiB,
			      .timeout_ms = 10000, .expect_eof = true };
	TL_EXPECT(!tl_xfer_stream(backend, client, &a, &b), "pthread_create");
	TL_EXPECT(!a.err && !b.err, "backend: %s; client: %s", a.err ? a.why : "ok",
		  b.err ? b.why : "ok");
	TL_EXPECT(wait_closed(id, &c, 3000), "pair still open after both FINs");
	stats(&s1);
	TL_EXPECT(s1.refused == s0.refused + 1, "refused %llu -> %llu, want one more",
		  (unsigned long long)s0.refused, (unsigned long long)s1.refused);
	TL_EXPECT(c.copied_bytes[0] == req && c.copied_bytes[1] == resp &&
		  !c.kernel_bytes[0] && !c.kernel_bytes[1],
		  "copied %llu/%llu kernel %llu/%llu", (unsigned long long)c.copied_bytes[0],
		  (unsigned long long)c.copied_bytes[1], (unsigned long long)c.kernel_bytes[0],
		  (unsigned long long)c.kernel_bytes[1]);
out:
	vsd_stop();
	tl_close(client);
	tl_close(backend);
	return tl_verdict();
}

/* Many pairs at once, every byte both ways verified, driven by one poll
 * loop over every client and backend. */
#define NPAIRS 200

static __u64 per_dir;	/* bytes each way per pair */
#define PER_DIR per_dir

struct end {
	int fd;
	__u64 tx_seed, tx_off, rx_seed, rx_off;
	bool shut, eof;
};

/* hold_ms: backends (odd ends) read nothing for that long. */
static int drive(struct end *e, int n, int timeout_ms, int hold_ms, char *why, size_t wlen)
{
	__u64 hold_until = tl_now_ms() + hold_ms;
	static char buf[64 * KiB];
	struct pollfd *pf = calloc(n, sizeof(*pf));
	__u64 deadline = tl_now_ms() + timeout_ms;
	int i, left = n, ret = -1;

	while (left && tl_now_ms() < deadline) {
		for (i = 0; i < n; i++) {
			pf[i].fd = e[i].eof ? -1 : e[i].fd;
			pf[i].events = (i % 2 && tl_now_ms() < hold_until ? 0 : POLLIN) |
				       (e[i].shut ? 0 : POLLOUT);
		}
		if (poll(pf, n, 100) < 0)
			goto out;
		for (i = 0; i < n; i++) {
			ssize_t k;

			if ((pf[i].revents & POLLOUT) && !e[i].shut) {
				size_t want = PER_DIR - e[i].tx_off < 16 * KiB ?
					      PER_DIR - e[i].tx_off : 16 * KiB;

				tl_pat_fill(e[i].tx_seed, e[i].tx_off, buf, want);
				k = send(e[i].fd, buf, want, MSG_DONTWAIT | MSG_NOSIGNAL);
				if (k > 0 && (e[i].tx_off += k) == PER_DIR) {
					shutdown(e[i].fd, SHUT_WR);
					e[i].shut = true;
				}
			}
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)) ||
			    !(pf[i].events & POLLIN))
				continue;
			k = recv(e[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (k > 0) {
				long long bad = tl_pat_check(e[i].rx_seed, e[i].rx_off, buf, k);

				if (bad >= 0 || e[i].rx_off + k > PER_DIR) {
					snprintf(why, wlen, "end %d: wrong byte at %llu", i,
						 (unsigned long long)(e[i].rx_off + (bad < 0 ? 0 : bad)));
					goto out;
				}
				e[i].rx_off += k;
			} else if (!k) {
				if (e[i].rx_off != PER_DIR) {
					snprintf(why, wlen, "end %d: EOF after %llu of %llu B", i,
						 (unsigned long long)e[i].rx_off,
						 (unsigned long long)PER_DIR);
					goto out;
				}
				e[i].eof = true;
				left--;
			} else if (errno != EAGAIN) {
				snprintf(why, wlen, "end %d: recv: %s", i, strerror(errno));
				goto out;
			}
		}
	}
	ret = left ? -1 : 0;
	if (left)
		snprintf(why, wlen, "%d of %d ends unfinished after %d ms", left, n, timeout_ms);
out:
	free(pf);
	return ret;
}

/* npairs pairs, len bytes each way each; bound 0: all through the kernel,
 * else small enough that directions switch to copying mid-stream. */
static int many_pairs(int npairs, __u64 len, __u64 bound)
{
	static struct end e[2 * NPAIRS];
	const struct relay_opts o = { .bound = bound };
	struct relay_stats s0, s1;
	int i, r, legc, legb;
	__u64 t0, moved[2];
	char why[200] = "";

	EXPECT_SETUP();
	per_dir = len;
	memset(e, 0, sizeof(e));
	stats(&s0);
	for (i = 0; i < npairs; i++) {
		struct end *c = &e[2 * i], *b = &e[2 * i + 1];

		r = four(&c->fd, &legc, &legb, &b->fd);
		TL_EXPECT(!r, "connect %d: %s", i, strerror(-r));
		r = pair_legs(legc, legb, &o);
		TL_EXPECT(r >= 0, "relay_pair %d: %s", i, strerror(-r));
		c->tx_seed = b->rx_seed = 1000 + i;
		b->tx_seed = c->rx_seed = 5000 + i;
	}
	t0 = tl_now_ms();
	/* with a bound, backends hold their reads at first: their legs' send
	 * buffers fill, backlogs build, directions switch */
	TL_EXPECT(!drive(e, 2 * npairs, 30000, bound ? 200 : 0, why, sizeof(why)), "%s", why);
	for (i = 0; i < 300; i++) {
		stats(&s1);
		if (s1.active == s0.active)
			break;
		tl_sleep_ms(10);
	}
	for (i = 0; i < 2; i++)
		moved[i] = s1.c.kernel_bytes[i] - s0.c.kernel_bytes[i] +
			   s1.c.copied_bytes[i] - s0.c.copied_bytes[i];
	tl_diag("%d pairs, bound %llu, %llu KiB each way each, in %llu ms; kernel %llu B, "
		"copied %llu B, %llu switches, active left %llu", npairs,
		(unsigned long long)bound, (unsigned long long)(len / KiB),
		(unsigned long long)(tl_now_ms() - t0),
		(unsigned long long)(s1.c.kernel_bytes[0] + s1.c.kernel_bytes[1] -
				     s0.c.kernel_bytes[0] - s0.c.kernel_bytes[1]),
		(unsigned long long)(s1.c.copied_bytes[0] + s1.c.copied_bytes[1] -
				     s0.c.copied_bytes[0] - s0.c.copied_bytes[1]),
		(unsigned long long)(s1.c.switches - s0.c.switches),
		(unsigned long long)(s1.active - s0.active));
	TL_EXPECT(s1.active == s0.active, "%llu pairs still open",
		  (unsigned long long)(s1.active - s0.active));
	TL_EXPECT(moved[0] == (__u64)npairs * len && moved[1] == (__u64)npairs * len,
		  "kernel + copied %llu/%llu, want %llu each way", (unsigned long long)moved[0],
		  (unsigned long long)moved[1], (unsigned long long)npairs * len);
	if (!bound) {
		TL_EXPECT(s1.c.copied_bytes[0] == s0.c.copied_bytes[0] &&
			  s1.c.copied_bytes[1] == s0.c.copied_bytes[1], "bytes copied");
		TL_EXPECT(s1.verdict[VS_RC_REDIR_BYTES] - s0.verdict[VS_RC_REDIR_BYTES] ==
			  2ull * npairs * len &&
			  s1.verdict[VS_RC_PASS_BYTES] == s0.verdict[VS_RC_PASS_BYTES],
			  "verdict counters: redirected +%llu, passed +%llu",
			  (unsigned long long)(s1.verdict[VS_RC_REDIR_BYTES] -
					       s0.verdict[VS_RC_REDIR_BYTES]),
			  (unsigned long long)(s1.verdict[VS_RC_PASS_BYTES] -
					       s0.verdict[VS_RC_PASS_BYTES]));
	} else {
		TL_EXPECT(s1.c.switches - s0.c.switches >= (__u64)npairs,
		  "%llu directions switched, want at least one per pair",
		  (unsigned long long)(s1.c.switches - s0.c.switches));
	}
out:
	vsd_stop();
	return tl_verdict();
}

static int case_many_pairs(void) { return many_pairs(NPAIRS, 256 * KiB, 0); }
/* switches under load: every byte still in order */
static int case_many_pairs_switching(void) { return many_pairs(100, 2 * MiB, 1); }

/* The legs' socket-table entries and events follow their TCP states. */
struct seen {
	__u64 cookie[2];
	unsigned int mask[2];	/* VS_EV_BIT of the events per leg */
};

static int on_event(void *ctx, void *data, size_t len)
{
	const struct vs_event *ev = data;
	struct seen *s = ctx;
	int i;

	if (len < sizeof(*ev))
		return 0;
	for (i = 0; i < 2; i++)
		if (ev->cookie == s->cookie[i])
			s->mask[i] |= VS_EV_BIT(ev->type);
	return 0;
}

static int status_of(__u64 cookie)
{
	struct vs_sock_entry e;

	return tl_entry_by_cookie(cookie, &e) ? -1 : e.status;
}

static bool wait_status(__u64 cookie, int status, int timeout_ms)
{
	__u64 deadline = tl_now_ms() + timeout_ms;

	while (tl_now_ms() < deadline) {
		if (status_of(cookie) == status)
			return true;
		tl_sleep_ms(5);
	}
	return false;
}

static int case_status_events(void)
{
	const unsigned int want = VS_EV_BIT(VS_EV_SHUTDOWN) | VS_EV_BIT(VS_EV_DISCONNECTED) |
				  VS_EV_BIT(VS_EV_TERMINATED) | VS_EV_BIT(VS_EV_RELEASED);
	int client = -1, legc = -1, legb = -1, backend = -1, id, r, i;
	struct ring_buffer *rb = NULL;
	struct relay_counts c = { 0 };
	struct vs_sock_entry ec, eb;
	struct seen s;
	char buf[16];

	memset(&s, 0, sizeof(s));
	EXPECT_SETUP();
	TL_EXPECT(!loader_set_event_mask(tl.ld, want), "event mask");
	rb = ring_buffer__new(loader_map_fd(tl.ld, VS_MAP_EVENTS), on_event, &s, NULL);
	TL_EXPECT(rb, "ring_buffer__new: %s", strerror(errno));
	r = four(&client, &legc, &legb, &backend);
	TL_EXPECT(!r, "connect: %s", strerror(-r));
	s.cookie[0] = tl_cookie(legc);
	s.cookie[1] = tl_cookie(legb);
	id = pair_legs(legc, legb, NULL);
	TL_EXPECT(id >= 0, "relay_pair: %s", strerror(-id));
	TL_EXPECT(!tl_entry_by_cookie(s.cookie[0], &ec) && !tl_entry_by_cookie(s.cookie[1], &eb),
		  "no socket-table entries for the legs");
	TL_EXPECT(ec.status == VS_ST_CONNECTED && eb.status == VS_ST_CONNECTED &&
		  ec.peer_cookie == s.cookie[1] && eb.peer_cookie == s.cookie[0],
		  "entries: status %u/%u, peers %llu/%llu", ec.status, eb.status,
		  (unsigned long long)ec.peer_cookie, (unsigned long long)eb.peer_cookie);
	/* the client half-closes: legC has the FIN (CLOSE_WAIT), legB sends one */
	TL_EXPECT(!shutdown(client, SHUT_WR), "shutdown");
	TL_EXPECT(wait_status(s.cookie[0], VS_ST_SHUTDOWN, 2000), "legC status %d, want SHUTDOWN",
		  status_of(s.cookie[0]));
	TL_EXPECT(tl_expect_eof(backend, 2000) == 0, "backend: no EOF");
	TL_EXPECT(wait_status(s.cookie[1], VS_ST_SHUTDOWN, 2000), "legB status %d, want SHUTDOWN",
		  status_of(s.cookie[1]));
	/* the backend closes: legB is done (TIME_WAIT), then the pair */
	tl_close(backend);
	backend = -1;
	TL_EXPECT(tl_expect_eof(client, 2000) == 0, "client: no EOF");
	TL_EXPECT(wait_closed(id, &c, 3000), "pair still open");
	for (i = 0; i < 100; i++) {
		ring_buffer__consume(rb);
		if ((s.mask[0] & VS_EV_BIT(VS_EV_RELEASED)) && (s.mask[1] & VS_EV_BIT(VS_EV_RELEASED)))
			break;
		tl_sleep_ms(20);
	}
	tl_diag("events legC 0x%x legB 0x%x (SHUTDOWN 0x%x DISCONNECTED 0x%x TERMINATED 0x%x RELEASED 0x%x)",
		s.mask[0], s.mask[1], VS_EV_BIT(VS_EV_SHUTDOWN), VS_EV_BIT(VS_EV_DISCONNECTED),
		VS_EV_BIT(VS_EV_TERMINATED), VS_EV_BIT(VS_EV_RELEASED));
	for (i = 0; i < 2; i++)
		TL_EXPECT((s.mask[i] & VS_EV_BIT(VS_EV_SHUTDOWN)) &&
			  (s.mask[i] & VS_EV_BIT(VS_EV_TERMINATED)) &&
			  (s.mask[i] & VS_EV_BIT(VS_EV_RELEASED)),
			  "leg %d: events 0x%x lack SHUTDOWN, TERMINATED or RELEASED", i, s.mask[i]);
	TL_EXPECT(s.mask[1] & VS_EV_BIT(VS_EV_DISCONNECTED),
		  "legB: no DISCONNECTED (TIME_WAIT) before it was closed");
	TL_EXPECT(status_of(s.cookie[0]) < 0 && status_of(s.cookie[1]) < 0,
		  "entries left after the legs were freed");
	(void)buf;
out:
	loader_set_event_mask(tl.ld, 0);
	ring_buffer__free(rb);
	vsd_stop();
	tl_close(client);
	tl_close(backend);
	return tl_verdict();
}

/* No byte either way for idle_ms: both legs are reset, counted. */
static int case_idle_timeout(void)
{
	const struct relay_opts o = { .idle_ms = 300 };
	int client = -1, legc = -1, legb = -1, backend = -1, id, r;
	struct relay_counts c = { 0 };
	struct relay_stats s0, s1;
	char buf[4096];
	__u64 t0;

	EXPECT_SETUP();
	r = four(&client, &legc, &legb, &backend);
	TL_EXPECT(!r, "connect: %s", strerror(-r));
	stats(&s0);
	id = pair_legs(legc, legb, &o);
	TL_EXPECT(id >= 0, "relay_pair: %s", strerror(-id));
	t0 = tl_now_ms();
	/* traffic restarts the clock */
	tl_pat_fill(51, 0, buf, sizeof(buf));
	TL_EXPECT(tl_send_all(client, buf, sizeof(buf), 2000, NULL) == sizeof(buf), "send");
	TL_EXPECT(tl_recv_all(backend, buf, sizeof(buf), 2000) == sizeof(buf), "recv");
	TL_EXPECT(wait_closed(id, &c, 3000), "pair not closed by its idle timeout");
	stats(&s1);
	tl_diag("closed after %llu ms idle", (unsigned long long)(tl_now_ms() - t0));
	TL_EXPECT(tl_now_ms() - t0 >= 300, "closed before the idle timeout");
	TL_EXPECT(s1.idle_closed == s0.idle_closed + 1, "idle_closed %llu -> %llu",
		  (unsigned long long)s0.idle_closed, (unsigned long long)s1.idle_closed);
	TL_EXPECT(tl_wait(client, POLLIN, tl_now_ms() + 1000) > 0 &&
		  tl_wait(backend, POLLIN, tl_now_ms() + 1000) > 0, "ends not told");
	TL_EXPECT(recv(client, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == ECONNRESET,
		  "client: want ECONNRESET");
out:
	vsd_stop();
	tl_close(client);
	tl_close(backend);
	return tl_verdict();
}

/* The backend's last data is retransmitted with its FIN (its FIN alone
 * and legB's ACKs dropped, testlib_rtx.c): legB's TCP queues the segment
 * whole although every byte of it is old, and the relay's verdict must
 * not forward those bytes again (bpf/rxseq.bpf.h). The client reads the
 * two messages once, then EOF. */
#define RTX_MSG 100
#define RTX_SEED 91

static int case_old_data_with_new_fin(void)
{
	int client = -1, legc = -1, legb = -1, backend = -1, ns = -1, id = -1, r, attempt;
	char buf[4 * RTX_MSG], why[600];
	struct relay_counts c = { 0 };
	bool rules = false;
	__u64 st0[VS_C_MAX], st1[VS_C_MAX];
	size_t sent;
	ssize_t n;

	if (system("command -v nft >/dev/null 2>&1"))
		TL_SKIP("needs nft (Debian package nftables: make deps)");
	EXPECT_SETUP();
	ns = tl_netns_enter_fresh();
	TL_EXPECT(ns >= 0, "netns: %s", strerror(-ns));
	for (attempt = 1;; attempt++) {
		r = four(&client, &legc, &legb, &backend);
		TL_EXPECT(!r, "connect: %s", strerror(-r));
		TL_EXPECT(!tl_rtx_rules_add(tl_port(backend), tl_port(legb), why, sizeof(why)),
			  "%s", why);
		rules = true;
		id = pair_legs(legc, legb, NULL);
		TL_EXPECT(id >= 0, "relay_pair: %s", strerror(-id));
		TL_EXPECT(!tl_stats(st0), "counters");
		tl_pat_fill(RTX_SEED, 0, buf, 2 * RTX_MSG);
		TL_EXPECT(tl_send_all(backend, buf, RTX_MSG, 2000, &sent) == RTX_MSG &&
			  tl_send_all(backend, buf + RTX_MSG, RTX_MSG, 2000, &sent) == RTX_MSG,
			  "backend send");
		n = tl_recv_all(client, buf, 2 * RTX_MSG, 3000);
		TL_EXPECT(n == 2 * RTX_MSG && tl_pat_check(RTX_SEED, 0, buf, n) < 0,
			  "client read %zd of %d B, or wrong bytes", n, 2 * RTX_MSG);
		r = tl_rtx_fin_collapsed(backend, why, sizeof(why));
		if (r != -EAGAIN || attempt == TL_RTX_ATTEMPTS)
			break;
		TL_EXPECT(!tl_rtx_rules_del(why, sizeof(why)), "%s", why);
		rules = false;
		tl_close(client);
		tl_close(backend);
		client = backend = -1;
		TL_EXPECT(wait_closed(id, &c, 3000), "pair of attempt %d still open", attempt);
	}
	rules = r && rules;
	TL_EXPECT(!r, "%s (attempt %d of %d)", why, attempt, TL_RTX_ATTEMPTS);
	/* EOF, not the retransmitted bytes again */
	TL_EXPECT(tl_wait(client, POLLIN, tl_now_ms() + 3000) > 0, "client: no EOF within 3 s");
	n = recv(client, buf, sizeof(buf), MSG_DONTWAIT);
	TL_EXPECT(n == 0, "client: %zd B after the last byte instead of EOF%s", n,
		  n > 0 && tl_pat_check(RTX_SEED, RTX_MSG, buf, n < RTX_MSG ? n : RTX_MSG) < 0 ?
		  " (the retransmitted message again)" : "");
	TL_EXPECT(!tl_stats(st1), "counters");
	TL_EXPECT(st1[VS_C_RX_OVERLAP_TRIMMED] > st0[VS_C_RX_OVERLAP_TRIMMED] &&
		  st1[VS_C_RX_OVERLAP_FAILED] == st0[VS_C_RX_OVERLAP_FAILED],
		  "rx_overlap_trimmed %llu -> %llu, rx_overlap_failed %llu -> %llu",
		  (unsigned long long)st0[VS_C_RX_OVERLAP_TRIMMED],
		  (unsigned long long)st1[VS_C_RX_OVERLAP_TRIMMED],
		  (unsigned long long)st0[VS_C_RX_OVERLAP_FAILED],
		  (unsigned long long)st1[VS_C_RX_OVERLAP_FAILED]);
out:
	if (rules && tl_rtx_rules_del(why, sizeof(why)))
		TL_FAIL("%s", why);
	vsd_stop();
	tl_close(client);
	tl_close(backend);
	tl_netns_return(ns);
	return tl_verdict();
}

static const struct tl_case cases[] = {
	{ "integrity_sizes", case_integrity_sizes, 40 },
	{ "half_close_client", case_half_close_client, 20 },
	{ "half_close_backend", case_half_close_backend, 20 },
	{ "reset_from_client", case_reset_from_client, 15 },
	{ "reset_from_backend", case_reset_from_backend, 15 },
	{ "backpressure", case_backpressure, 40 },
	{ "queued_before_pair", case_queued_before_pair, 20 },
	{ "refused_leg_copied", case_refused_leg_copied, 20 },
	{ "many_pairs", case_many_pairs, 45 },
	{ "many_pairs_switching", case_many_pairs_switching, 45 },
	{ "status_events", case_status_events, 20 },
	{ "idle_timeout", case_idle_timeout, 15 },
	{ "old_data_with_new_fin", case_old_data_with_new_fin, 40 },
};

int main(void)
{
	if (getenv("RELAY_DEBUG"))	/* the relay's pr_debug lines */
		log_set_level(LOG_DEBUG);
	return tl_main("test_relay", cases, TL_NCASES(cases));
}
