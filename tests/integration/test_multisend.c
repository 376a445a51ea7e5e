// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libvsock's vsock_send_multi() on the real kernel with vsock attached
 * (issue 14): one sender, N receivers, every byte each receiver reads
 * verified against the stream it was sent; the counters say which sockets
 * took the fast path and which TCP. Through io_uring and through the
 * fallback (VSOCK_NO_IO_URING=1, and a seccomp filter that refuses
 * io_uring_setup with EPERM as kernel.io_uring_disabled=2 does).
 *
 * A receiver is one of
 *   ACCEL  a non-blocking pair in the attached cgroup: redirected
 *   PLAIN  a pair made in a cgroup never attached: TCP, no table entry
 *   BLOCK  a blocking pair in the attached cgroup: tracked, kept on TCP */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/syscall.h>

#include "testlib.h"
#include "vsock/vsock.h"

#define MS_MAX 256
#define MS_SEED 0x5eed14

enum ms_kind { ACCEL, PLAIN, BLOCK };

/* One fan-out run: its receivers, what each was sent and read. */
struct ms_run {
	int n;
	enum ms_kind kind[MS_MAX];
	int c[MS_MAX], s[MS_MAX];
	uint64_t sent[MS_MAX];		/* stream bytes each took */
	uint64_t got[MS_MAX];		/* stream bytes each read, verified */
	int err[MS_MAX];		/* the error that dropped it, or 0 */
	int msgs;			/* messages to send */
	size_t min_len, max_len;	/* their sizes */
	int close_at;			/* receiver closed before message close_msg */
	int close_msg;
	int stuck;			/* receiver that never reads (-1: none) */
	bool may_leave;			/* ACCEL senders may leave the fast path
					 * (a reader behind by max_queued) */
	int flags;			/* vsock_send_multi flags */
	enum vsock_backend backend;	/* what the sends used */
	volatile int sending;		/* sender still running */
	char why[300];
};

static void ms_init(struct ms_run *m, int n)
{
	memset(m, 0, sizeof(*m));
	m->n = n;
	m->msgs = 24;
	m->min_len = 16 * KiB;
	m->max_len = 64 * KiB;
	m->close_at = m->stuck = -1;
	m->flags = MSG_NOSIGNAL;
	m->sending = 1;
}

static int ms_pairs(struct ms_run *m)
{
	for (int i = 0; i < m->n; i++) {
		int r;

		if (m->kind[i] == PLAIN && (r = tl_enter_plain()))
			return r;
		r = tl_pair(AF_INET, m->kind[i] != BLOCK, &m->c[i], &m->s[i]);
		if (m->kind[i] == PLAIN && tl_enter_main())
			return -EIO;
		if (r)
			return r;
		/* the receivers read with MSG_DONTWAIT from one epoll loop */
		if (m->kind[i] == BLOCK)
			tl_set_nonblock(m->s[i], true);
	}
	return 0;
}

/* Read every receiver (but the stuck one) until the sender is done and
 * each has what it was sent; verify every byte. */
static void *ms_reader(void *arg)
{
	struct ms_run *m = arg;
	uint64_t deadline = tl_now_ms() + 30000;
	char *buf = malloc(256 * KiB);
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (!buf || ep < 0) {
		snprintf(m->why, sizeof(m->why), "reader: no memory or epoll");
		free(buf);
		return NULL;
	}

	for (int i = 0; i < m->n; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };

		if (i != m->stuck)
			epoll_ctl(ep, EPOLL_CTL_ADD, m->s[i], &ev);
	}
	for (;;) {
		struct epoll_event evs[64];
		bool all = !__atomic_load_n(&m->sending, __ATOMIC_ACQUIRE);
		int k;

		for (int i = 0; all && i < m->n; i++)
			if (i != m->stuck && i != m->close_at &&
			    m->got[i] < __atomic_load_n(&m->sent[i], __ATOMIC_ACQUIRE))
				all = false;
		if (all)
			break;
		if (tl_now_ms() > deadline) {
			snprintf(m->why, sizeof(m->why), "reader: timeout");
			break;
		}
		k = epoll_wait(ep, evs, 64, 50);
		for (int j = 0; j < k; j++) {
			int i = evs[j].data.u32;
			ssize_t r = recv(m->s[i], buf, 256 * KiB, MSG_DONTWAIT);
			long long bad;

			if (r <= 0)
				continue;
			bad = tl_pat_check(MS_SEED, m->got[i], buf, r);
			if (bad >= 0) {
				snprintf(m->why, sizeof(m->why), "receiver %d: wrong byte at stream "
					 "offset %llu", i, (unsigned long long)(m->got[i] + bad));
				goto out;
			}
			m->got[i] += r;
		}
	}
out:
	close(ep);
	free(buf);
	return NULL;
}

/* The rest of one message to receiver i after it came back short:
 * wait for room, as a caller of a short send() does. */
static int ms_resume(struct ms_run *m, int i, const char *buf, size_t len, size_t done)
{
	uint64_t deadline = tl_now_ms() + 20000;

	while (done < len) {
		struct vsock_send_result res;
		struct pollfd p = { m->c[i], POLLOUT, 0 };

		if (tl_now_ms() > deadline)
			return -ETIMEDOUT;
		poll(&p, 1, 100);
		vsock_send_multi(&m->c[i], 1, buf + done, len - done, m->flags, &res);
		done += res.sent;
		__atomic_add_fetch(&m->sent[i], res.sent, __ATOMIC_RELEASE);
		if (res.err && res.err != EAGAIN)
			return -res.err;
	}
	return 0;
}

/* Send m->msgs messages of the stream to every receiver still listed. */
static int ms_send(struct ms_run *m)
{
	struct vsock_send_result res[MS_MAX];
	int fds[MS_MAX], idx[MS_MAX];
	uint64_t off = 0, rng = 14;
	char *buf = malloc(m->max_len);

	if (!buf)
		return -ENOMEM;
	for (int k = 0; k < m->msgs; k++) {
		size_t len = tl_rand_range(&rng, m->min_len, m->max_len);
		int nl = 0;

		if (k == m->close_msg && m->close_at >= 0) {
			tl_close(m->s[m->close_at]);	/* unread bytes: RST */
			m->s[m->close_at] = -1;
		}
		tl_pat_fill(MS_SEED, off, buf, len);
		for (int i = 0; i < m->n; i++)
			if (!m->err[i]) {
				idx[nl] = i;
				fds[nl++] = m->c[i];
			}
		if (vsock_send_multi(fds, nl, buf, len, m->flags, res) < 0) {
			snprintf(m->why, sizeof(m->why), "vsock_send_multi: %s", strerror(errno));
			break;
		}
		m->backend = vsock_send_multi_backend();
		for (int j = 0; j < nl; j++) {
			int i = idx[j], e = res[j].err;

			__atomic_add_fetch(&m->sent[i], res[j].sent, __ATOMIC_RELEASE);
			if (e == EAGAIN && i != m->stuck)
				e = -ms_resume(m, i, buf, len, res[j].sent);
			if (e)
				m->err[i] = e;	/* off the list from now on */
		}
		off += len;
	}
	free(buf);
	__atomic_store_n(&m->sending, 0, __ATOMIC_RELEASE);
	return m->why[0] ? -1 : 0;
}

/* Send and read at once; 0, or -1 with m->why. */
static int ms_go(struct ms_run *m)
{
	pthread_t t;

	if (pthread_create(&t, NULL, ms_reader, m)) {
		snprintf(m->why, sizeof(m->why), "thread");
		return -1;
	}
	ms_send(m);
	__atomic_store_n(&m->sending, 0, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	return m->why[0] ? -1 : 0;
}

/* The stream length of m->msgs messages, as ms_send draws them. */
static uint64_t ms_total(const struct ms_run *m)
{
	uint64_t rng = 14, t = 0;

	for (int k = 0; k < m->msgs; k++)
		t += tl_rand_range(&rng, m->min_len, m->max_len);
	return t;
}

/* Every receiver that was not dropped read all; every sender's counters
 * say which path its bytes took (ACCEL: all redirected, PLAIN: no table
 * entry, BLOCK: all through TCP). 0, or -1 with why. */
static int ms_check(struct ms_run *m, char *why, size_t wlen)
{
	uint64_t total = ms_total(m);
	struct vs_sock_entry e;

	for (int i = 0; i < m->n; i++) {
		bool dropped = m->err[i] != 0;

		if (!dropped && (m->sent[i] != total || m->got[i] != total)) {
			snprintf(why, wlen, "receiver %d: sent %llu, read %llu of %llu", i,
				 (unsigned long long)m->sent[i], (unsigned long long)m->got[i],
				 (unsigned long long)total);
			return -1;
		}
		if (m->kind[i] == PLAIN) {
			if (tl_entry_by_cookie(tl_cookie(m->c[i]), &e) != -ENOENT) {
				snprintf(why, wlen, "receiver %d: a PLAIN sender has a table entry", i);
				return -1;
			}
			continue;
		}
		if (tl_accounting("sender", m->c[i], m->sent[i], &e, why, wlen))
			return -1;
		if (m->kind[i] == ACCEL && !dropped && (!e.tx_redir_bytes ||
		    (!m->may_leave && (!e.in_sockhash || e.tx_redir_bytes != total)))) {
			snprintf(why, wlen, "receiver %d: ACCEL but redirected %llu of %llu "
				 "(in_sockhash %u, reason %s)", i,
				 (unsigned long long)e.tx_redir_bytes, (unsigned long long)total,
				 e.in_sockhash, tl_reason_name(e.reason));
			return -1;
		}
		if (m->kind[i] == BLOCK && (e.in_sockhash || e.tx_redir_bytes)) {
			snprintf(why, wlen, "receiver %d: BLOCK but redirected %llu", i,
				 (unsigned long long)e.tx_redir_bytes);
			return -1;
		}
	}
	return 0;
}

/* N receivers of kind k[i % nk]; everything checked; the backend too. */
/* The backend a case must see: the fallback under VSOCK_NO_IO_URING. */
static enum vsock_backend expected_backend(void)
{
	return getenv("VSOCK_NO_IO_URING") ? VSOCK_BACKEND_SEND : VSOCK_BACKEND_IO_URING;
}

static int fanout_case(int n, const enum ms_kind *k, int nk)
{
	enum vsock_backend want = expected_backend();

	static struct ms_run m;
	__u64 before[VS_C_MAX], after[VS_C_MAX];
	uint64_t accel = 0;
	char why[600];
	int r;

	ms_init(&m, n);
	for (int i = 0; i < n; i++) {
		m.kind[i] = k[i % nk];
		accel += m.kind[i] == ACCEL;
	}
	TL_EXPECT(!tl_raise_nofile(4 * n + 256), "RLIMIT_NOFILE");
	r = ms_pairs(&m);
	TL_EXPECT(!r, "pairs: %s", strerror(-r));
	TL_EXPECT(!tl_stats(before), "counters");
	TL_EXPECT(!ms_go(&m), "%s", m.why);
	TL_EXPECT(m.backend == want, "backend %s, want %s", vsock_backend_name(m.backend),
		  vsock_backend_name(want));
	TL_EXPECT(!ms_check(&m, why, sizeof(why)), "%s", why);
	TL_EXPECT(!tl_stats(after), "counters");
	/* the fast path carried exactly the ACCEL receivers' bytes */
	TL_EXPECT(after[VS_C_BYTES_REDIRECTED] - before[VS_C_BYTES_REDIRECTED] ==
		  accel * ms_total(&m), "bytes_redirected grew by %llu, want %llu x %llu",
		  (unsigned long long)(after[VS_C_BYTES_REDIRECTED] - before[VS_C_BYTES_REDIRECTED]),
		  (unsigned long long)accel, (unsigned long long)ms_total(&m));
	tl_diag("%d receivers (%llu accelerated), %llu B each, %s: bytes_redirected +%llu, "
		"bytes_passed +%llu", n, (unsigned long long)accel,
		(unsigned long long)ms_total(&m), vsock_backend_name(m.backend),
		(unsigned long long)(after[VS_C_BYTES_REDIRECTED] - before[VS_C_BYTES_REDIRECTED]),
		(unsigned long long)(after[VS_C_BYTES_PASSED] - before[VS_C_BYTES_PASSED]));
out:
	return tl_verdict();
}

static const enum ms_kind all_accel[] = { ACCEL };
static const enum ms_kind mixed[] = { ACCEL, PLAIN, BLOCK };

static int case_receivers_1(void) { return fanout_case(1, all_accel, 1); }
static int case_receivers_16(void) { return fanout_case(16, all_accel, 1); }
static int case_receivers_256(void) { return fanout_case(256, all_accel, 1); }
static int case_mixed_48(void) { return fanout_case(48, mixed, 3); }

/* The same case through the fallback: VSOCK_NO_IO_URING=1. */
static int without_io_uring(int (*fn)(void))
{
	int r;

	setenv("VSOCK_NO_IO_URING", "1", 1);
	r = fn();
	unsetenv("VSOCK_NO_IO_URING");
	return r;
}

static int case_fallback_receivers_1(void) { return without_io_uring(case_receivers_1); }
static int case_fallback_receivers_16(void) { return without_io_uring(case_receivers_16); }
static int case_fallback_receivers_256(void) { return without_io_uring(case_receivers_256); }
static int case_fallback_mixed_48(void) { return without_io_uring(case_mixed_48); }

/* io_uring refused as kernel.io_uring_disabled=2 refuses it (EPERM from
 * io_uring_setup), for this process only: a seccomp filter. */
static int refuse_io_uring(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = TL_NCASES(f), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) ? -errno : 0;
}

static int seccomp_child(void *arg, int wfd)
{
	static struct ms_run m;
	char why[600];
	int r;

	(void)arg;
	r = refuse_io_uring();
	if (r)
		return tl_child_fail(wfd, "seccomp: %s", strerror(-r));
	ms_init(&m, 16);
	r = ms_pairs(&m);
	if (r)
		return tl_child_fail(wfd, "pairs: %s", strerror(-r));
	if (ms_go(&m))
		return tl_child_fail(wfd, "%s", m.why);
	if (m.backend != VSOCK_BACKEND_SEND)
		return tl_child_fail(wfd, "backend %s with io_uring_setup refused",
				     vsock_backend_name(m.backend));
	if (ms_check(&m, why, sizeof(why)))
		return tl_child_fail(wfd, "%s", why);
	return 0;
}

/* Where io_uring is refused, the same run falls back by itself. */
static int case_fallback_io_uring_refused(void)
{
	struct tl_child c;
	char why[300];
	int r = tl_child_start(&c, seccomp_child, NULL);

	TL_EXPECT(!r, "fork: %s", strerror(-r));
	TL_EXPECT(!tl_child_wait(&c, 30000, why, sizeof(why)), "child: %s", why);
out:
	return tl_verdict();
}

/* A receiver closes (with bytes unread: RST) while the list goes on: it
 * gets EPIPE or ECONNRESET, the others every byte. */
static int closes_mid_list(void)
{
	static struct ms_run m;
	char why[600];
	int r, i = 8;

	ms_init(&m, 16);
	m.close_at = i;
	m.close_msg = 6;
	r = ms_pairs(&m);
	TL_EXPECT(!r, "pairs: %s", strerror(-r));
	TL_EXPECT(!ms_go(&m), "%s", m.why);
	TL_EXPECT(m.err[i] == EPIPE || m.err[i] == ECONNRESET,
		  "closed receiver: error %s, want EPIPE or ECONNRESET", strerror(m.err[i]));
	for (int j = 0; j < m.n; j++)
		TL_EXPECT(j == i || !m.err[j], "receiver %d dropped too: %s", j, strerror(m.err[j]));
	TL_EXPECT(!ms_check(&m, why, sizeof(why)), "%s", why);
	tl_diag("closed receiver took %llu B before %s; %s", (unsigned long long)m.sent[i],
		strerror(m.err[i]), vsock_backend_name(m.backend));
out:
	return tl_verdict();
}

static int case_receiver_closes_mid_list(void) { return closes_mid_list(); }

static int case_fallback_receiver_closes_mid_list(void)
{
	return without_io_uring(closes_mid_list);
}

/* One receiver never reads: its (non-blocking) sender fills, it gets a
 * prefix and EAGAIN while the others go on; it then reads exactly that
 * prefix, verified. */
static int full_buffer(void)
{
	static struct ms_run m;
	static char buf[256 * 1024];
	uint64_t deadline = tl_now_ms() + 20000;
	char why[600];
	int r, i = 5;

	ms_init(&m, 8);
	m.stuck = i;
	m.msgs = 600;		/* 4 MiB redirected (max_queued), then TCP's buffers */
	/* the stuck one leaves the fast path at max_queued; so may a reader
	 * that falls behind as far */
	m.may_leave = true;
	m.min_len = 48 * KiB;
	r = ms_pairs(&m);
	TL_EXPECT(!r, "pairs: %s", strerror(-r));
	TL_EXPECT(!ms_go(&m), "%s", m.why);
	TL_EXPECT(m.err[i] == EAGAIN, "stuck receiver: %s, want EAGAIN",
		  m.err[i] ? strerror(m.err[i]) : "no error");
	TL_EXPECT(m.sent[i] > 0 && m.sent[i] < ms_total(&m), "stuck receiver took %llu B",
		  (unsigned long long)m.sent[i]);
	for (int j = 0; j < m.n; j++)
		TL_EXPECT(j == i || !m.err[j], "receiver %d dropped too: %s", j, strerror(m.err[j]));
	while (m.got[i] < m.sent[i] && tl_now_ms() < deadline) {
		ssize_t n = recv(m.s[i], buf, sizeof(buf), MSG_DONTWAIT);
		long long bad;

		if (n <= 0) {
			tl_sleep_ms(1);
			continue;
		}
		bad = tl_pat_check(MS_SEED, m.got[i], buf, n);
		TL_EXPECT(bad < 0, "stuck receiver: wrong byte at offset %llu",
			  (unsigned long long)(m.got[i] + bad));
		m.got[i] += n;
	}
	TL_EXPECT(m.got[i] == m.sent[i], "stuck receiver read %llu of %llu B",
		  (unsigned long long)m.got[i], (unsigned long long)m.sent[i]);
	TL_EXPECT(recv(m.s[i], buf, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN,
		  "stuck receiver: more bytes than vsock_send_multi reported");
	TL_EXPECT(!ms_check(&m, why, sizeof(why)), "%s", why);
	tl_diag("stuck receiver: EAGAIN after %llu B, all of them read back; %s",
		(unsigned long long)m.sent[i], vsock_backend_name(m.backend));
out:
	return tl_verdict();
}

static int case_full_buffer_one_receiver(void) { return full_buffer(); }

static int case_fallback_full_buffer_one_receiver(void)
{
	return without_io_uring(full_buffer);
}

/* ---- several threads sending to the same sockets at once ---- */

#define CT_THREADS 4
#define CT_RECORDS 20
/* records of at least VS_SMALL_WRITE: a run of small writes would leave
 * the fast path by design */
#define CT_MIN (32 * 1024)
#define CT_MAX (48 * 1024)
#define CT_N 16
#define CT_MAGIC 0x76736d31u

/* One record: this header, then len bytes of stream 1000+thread at
 * seq * 64 KiB. A record cut by another thread's bytes fails its check. */
struct ct_hdr {
	uint32_t magic;
	uint32_t thread;
	uint32_t seq;
	uint32_t len;
};

struct ct_run {
	int c[CT_N], s[CT_N];
	int thread;
	volatile int running;
	char why[300];
};

static struct ct_run ct;
static char ct_why[CT_THREADS][200];
static enum vsock_backend ct_backend[CT_THREADS];

static void *ct_sender(void *arg)
{
	int t = (int)(intptr_t)arg;
	struct vsock_send_result res[CT_N];
	uint64_t rng = 77 + t;
	static char bufs[CT_THREADS][sizeof(struct ct_hdr) + CT_MAX];
	char *buf = bufs[t];

	for (uint32_t q = 0; q < CT_RECORDS; q++) {
		struct ct_hdr h = { CT_MAGIC, t, q, tl_rand_range(&rng, CT_MIN, CT_MAX) };

		memcpy(buf, &h, sizeof(h));
		tl_pat_fill(1000 + t, q * 65536ull, buf + sizeof(h), h.len);
		if (vsock_send_multi(ct.c, CT_N, buf, sizeof(h) + h.len, MSG_NOSIGNAL, res) != CT_N) {
			for (int i = 0; i < CT_N; i++)
				if (res[i].err)
					snprintf(ct_why[t], sizeof(ct_why[t]), "thread %d record %u socket "
						 "%d: %zu B, %s (a short send lets others in, as send())",
						 t, q, i, res[i].sent, strerror(res[i].err));
			break;
		}
		ct_backend[t] = vsock_send_multi_backend();
	}
	return NULL;
}

/* Parse receiver i's records out of its bytes; -1 with ct.why on a cut
 * or reordered record. */
static int ct_parse(int i, char *acc, size_t *have, uint32_t *next)
{
	size_t at = 0;

	while (*have - at >= sizeof(struct ct_hdr)) {
		struct ct_hdr h;

		memcpy(&h, acc + at, sizeof(h));
		if (h.magic != CT_MAGIC || h.thread >= CT_THREADS || h.len > CT_MAX) {
			snprintf(ct.why, sizeof(ct.why), "receiver %d: no record header at a record "
				 "boundary (interleaved bytes)", i);
			return -1;
		}
		if (*have - at < sizeof(h) + h.len)
			break;
		if (h.seq != next[h.thread] ||
		    tl_pat_check(1000 + h.thread, h.seq * 65536ull, acc + at + sizeof(h), h.len) >= 0) {
			snprintf(ct.why, sizeof(ct.why), "receiver %d: thread %u record %u (want %u) "
				 "cut or out of order", i, h.thread, h.seq, next[h.thread]);
			return -1;
		}
		next[h.thread]++;
		at += sizeof(h) + h.len;
	}
	memmove(acc, acc + at, *have - at);
	*have -= at;
	return 0;
}

static int ct_case(void)
{
	static char acc[CT_N][2 * CT_MAX];
	static uint32_t next[CT_N][CT_THREADS];
	size_t have[CT_N] = { 0 };
	pthread_t th[CT_THREADS];
	uint64_t deadline, redir = 0, pass = 0;
	int r, done = 0, started = 0;

	memset(&ct, 0, sizeof(ct));
	memset(next, 0, sizeof(next));
	memset(ct_why, 0, sizeof(ct_why));
	for (int i = 0; i < CT_N; i++) {
		r = tl_pair(AF_INET, true, &ct.c[i], &ct.s[i]);
		TL_EXPECT(!r, "pair: %s", strerror(-r));
	}
	for (; started < CT_THREADS; started++)
		TL_EXPECT(!pthread_create(&th[started], NULL, ct_sender, (void *)(intptr_t)started),
			  "thread");
	deadline = tl_now_ms() + 20000;
	while (done < CT_N && tl_now_ms() < deadline) {
		done = 0;
		for (int i = 0; i < CT_N; i++) {
			ssize_t n = recv(ct.s[i], acc[i] + have[i], sizeof(acc[i]) - have[i], MSG_DONTWAIT);

			if (n > 0) {
				have[i] += n;
				TL_EXPECT(!ct_parse(i, acc[i], &have[i], next[i]), "%s", ct.why);
			}
			bool all = true;
			for (int t = 0; t < CT_THREADS; t++)
				all &= next[i][t] == CT_RECORDS;
			done += all;
		}
		if (done < CT_N)
			usleep(200);
	}
	for (int t = 0; t < CT_THREADS; t++)
		TL_EXPECT(!ct_why[t][0], "%s", ct_why[t]);
	TL_EXPECT(done == CT_N, "only %d of %d receivers got every record", done, CT_N);
	for (int t = 0; t < CT_THREADS; t++)
		TL_EXPECT(ct_backend[t] == expected_backend(), "thread %d used %s", t,
			  vsock_backend_name(ct_backend[t]));
	for (int i = 0; i < CT_N; i++) {
		struct vs_sock_entry e;

		TL_EXPECT(!tl_entry(ct.c[i], &e), "sender %d: no table entry", i);
		TL_EXPECT(e.tx_redir_bytes > 0, "sender %d: nothing redirected (reason %s)", i,
			  tl_reason_name(e.reason));
		redir += e.tx_redir_bytes;
		pass += e.tx_pass_bytes;
	}
	tl_diag("%d threads x %d records to %d sockets: every record whole and in order (%s); "
		"%llu B redirected, %llu B through TCP", CT_THREADS, CT_RECORDS, CT_N,
		vsock_backend_name(ct_backend[0]), (unsigned long long)redir,
		(unsigned long long)pass);
out:
	for (int i = 0; i < CT_N && started; i++)
		if (ct.s[i] > 0)
			shutdown(ct.s[i], SHUT_RDWR);
	while (started > 0)
		pthread_join(th[--started], NULL);
	return tl_verdict();
}

static int case_concurrent_threads(void) { return ct_case(); }

static int case_fallback_concurrent_threads(void)
{
	return without_io_uring(ct_case);
}

static const struct tl_case cases[] = {
	{ "receivers_1", case_receivers_1, 30 },
	{ "receivers_16", case_receivers_16, 30 },
	{ "receivers_256", case_receivers_256, 60 },
	{ "mixed_accelerated_plain_blocking_48", case_mixed_48, 30 },
	{ "receiver_closes_mid_list", case_receiver_closes_mid_list, 30 },
	{ "full_buffer_one_receiver", case_full_buffer_one_receiver, 60 },
	{ "concurrent_threads", case_concurrent_threads, 30 },
	{ "fallback_receivers_1", case_fallback_receivers_1, 30 },
	{ "fallback_receivers_16", case_fallback_receivers_16, 30 },
	{ "fallback_receivers_256", case_fallback_receivers_256, 60 },
	{ "fallback_mixed_accelerated_plain_blocking_48", case_fallback_mixed_48, 30 },
	{ "fallback_receiver_closes_mid_list", case_fallback_receiver_closes_mid_list, 30 },
	{ "fallback_full_buffer_one_receiver", case_fallback_full_buffer_one_receiver, 60 },
	{ "fallback_concurrent_threads", case_fallback_concurrent_threads, 30 },
	{ "fallback_io_uring_refused", case_fallback_io_uring_refused, 60 },
};

int main(void)
{
	return tl_main("test_multisend", cases, TL_NCASES(cases));
}
