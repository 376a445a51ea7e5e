// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What an application can observe about a receive queue must be what plain
 * TCP shows: FIONREAD (SIOCINQ), poll readiness, MSG_PEEK, SO_RCVLOWAT, also
 * while the bytes are split between the fast-path queue and TCP (issue 9:
 * on 6.18.14+ FIONREAD on a sockhash member ignores TCP-queued bytes, and
 * nginx waits forever for an edge that never comes). Each script runs on
 * a plain pair (an unattached cgroup) and on an accelerated one, and the
 * two must agree at every step. */
#include "testlib.h"

/* What a reader can see without consuming anything. */
struct obs {
	int inq;		/* FIONREAD */
	ssize_t peek;		/* recv(MSG_PEEK | MSG_DONTWAIT) of up to 8 MiB */
	int readable;		/* poll POLLIN, no wait */
};

static char peekbuf[8 << 20];

static void observe_once(int fd, struct obs *o)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (ioctl(fd, FIONREAD, &o->inq))
		o->inq = -errno;
	o->peek = recv(fd, peekbuf, sizeof(peekbuf), MSG_PEEK | MSG_DONTWAIT);
	if (o->peek < 0)
		o->peek = -errno;
	o->readable = poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* Loopback delivers in softirq: wait until two looks 20 ms apart agree. */
static void observe(int fd, struct obs *o)
{
	struct obs prev;
	int i;

	observe_once(fd, &prev);
	for (i = 0; i < 25; i++) {
		tl_sleep_ms(20);
		observe_once(fd, o);
		if (!memcmp(o, &prev, sizeof(*o)))
			return;
		prev = *o;
	}
}

#define MAX_STEPS 16

struct script_run {
	struct obs step[MAX_STEPS];
	int nsteps;
	__u64 redir, pass;	/* what the client's entry says it sent each way */
	struct vs_sock_entry client;
	char why[300];
};

static int send_pattern(int fd, uint64_t off, size_t len)
{
	static char buf[1 << 20];
	size_t sent;

	tl_pat_fill(7, off, buf, len);
	return tl_send_all(fd, buf, len, 5000, &sent) == (ssize_t)len ? 0 : -EIO;
}

static int read_pattern(int fd, uint64_t off, size_t len)
{
	static char buf[1 << 20];

	if (tl_recv_all(fd, buf, len, 5000) != (ssize_t)len)
		return -EIO;
	return tl_pat_check(7, off, buf, len) < 0 ? 0 : -EILSEQ;
}

/* A script: what the client sends and the server reads, and where to look. */
enum op {
	ACCEPT,		/* the server end exists from here on */
	SEND,		/* the client sends n bytes of the stream */
	READ,		/* the server reads n bytes of it */
	LOOK,		/* record what the server's reader can see */
	LOWAT,		/* the server sets SO_RCVLOWAT to n */
	END,
};

struct step {
	enum op op;
	unsigned int n;
};

/* Run steps on a non-blocking pair in the attached cgroup (accel) or in an
 * unattached one (plain TCP). defer: TCP_DEFER_ACCEPT on the listener. */
static int run_script(const struct step *st, bool accel, bool defer, struct script_run *run)
{
	int l = -1, c = -1, s = -1, secs = 5, r = 0;
	uint64_t wr = 0, rd = 0;

	memset(run, 0, sizeof(*run));
	if (!accel && (r = tl_enter_plain()))
		goto fail;
	l = tl_listen(AF_INET, NULL, 0, true);	/* children share its cgroup */
	if (!accel)
		tl_enter_main();
	if ((r = l) < 0 ||
	    (defer && (r = setsockopt(l, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof(secs)))))
		goto fail;
	c = tl_connect(AF_INET, NULL, tl_port(l), true);
	if ((r = c) < 0 || (r = tl_wait_connected(c, 5000)))
		goto fail;
	for (; st->op != END && !r; st++) {
		switch (st->op) {
		case ACCEPT:
			s = tl_accept(l, true, 5000);
			r = s < 0 ? s : 0;
			break;
		case SEND:
			r = send_pattern(c, wr, st->n);
			wr += st->n;
			break;
		case READ:
			r = read_pattern(s, rd, st->n);
			rd += st->n;
			break;
		case LOOK:
			if (run->nsteps < MAX_STEPS)
				observe(s, &run->step[run->nsteps++]);
			break;
		case LOWAT:
			r = setsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &st->n, sizeof(st->n)) ? -errno : 0;
			break;
		case END:
			break;
		}
	}
	if (!r && !loader_lookup_socket(tl.ld, tl_cookie(c), &run->client)) {
		run->redir = run->client.tx_redir_bytes;
		run->pass = run->client.tx_pass_bytes;
	}
fail:
	if (r)
		snprintf(run->why, sizeof(run->why), "after %d looks, %llu sent, %llu read: %s",
			 run->nsteps, (unsigned long long)wr, (unsigned long long)rd,
			 strerror(-r));
	tl_close(l);
	tl_close(c);
	tl_close(s);
	return r ? -1 : 0;
}

static void obs_str(const struct obs *o, char *buf, size_t len)
{
	snprintf(buf, len, "FIONREAD %d, peek %zd, %s", o->inq, o->peek,
		 o->readable ? "readable" : "not readable");
}

/* Run a script on plain TCP and on vsock; fail at the first look where the
 * two differ. Returns 0 when both ran and agreed. */
static int compare(const struct step *st, bool defer, struct script_run *accel)
{
	struct script_run plain;
	char a[96], b[96];
	int i;

	if (run_script(st, false, defer, &plain)) {
		TL_FAIL("plain run: %s", plain.why);
		return -1;
	}
	if (run_script(st, true, defer, accel)) {
		TL_FAIL("vsock run: %s", accel->why);
		return -1;
	}
	for (i = 0; i < plain.nsteps; i++) {
		if (!memcmp(&plain.step[i], &accel->step[i], sizeof(struct obs)))
			continue;
		obs_str(&plain.step[i], a, sizeof(a));
		obs_str(&accel->step[i], b, sizeof(b));
		TL_FAIL("look %d: plain TCP shows %s; vsock shows %s", i, a, b);
		return -1;
	}
	return 0;
}

/* 16 KiB that the fast path takes, then, with the queue bound at 16 KiB,
 * 8 KiB that must go through TCP; the reader then takes the bytes in
 * pieces, across the boundary of the two queues. All of it fits in plain
 * TCP's first receive window, so both runs see every byte arrive. */
static int case_fionread_split_queue(void)
{
	static const struct step st[] = {
		{ ACCEPT, 0 }, { LOOK, 0 }, { SEND, 16 * KiB }, { LOOK, 0 }, { SEND, 8 * KiB },
		{ LOOK, 0 }, { READ, 5 * KiB }, { LOOK, 0 }, { READ, 10 * KiB }, { LOOK, 0 },
		{ READ, 4 * KiB }, { LOOK, 0 }, { READ, 5 * KiB }, { LOOK, 0 }, { END, 0 },
	};
	struct script_run accel;

	TL_EXPECT(!loader_set_max_queued(tl.ld, 16 * KiB), "set max_queued");
	if (compare(st, false, &accel))
		goto out;
	/* the script must really split: some bytes each way */
	TL_EXPECT(accel.redir >= 16 * KiB && accel.pass >= 8 * KiB,
		  "no split queue: client redirected %llu B, passed %llu B",
		  (unsigned long long)accel.redir, (unsigned long long)accel.pass);
out:
	loader_set_max_queued(tl.ld, VS_MAX_QUEUED_DEFAULT);
	return tl_verdict();
}

/* Bytes that reach a passive socket through TCP before accept() (the client
 * wrote before the server socket existed: TCP_DEFER_ACCEPT, or the race at
 * connection start) wait in its TCP queue, where no verdict can move them
 * while it has no file. */
static int case_fionread_before_accept(void)
{
	static const struct step st[] = {
		{ SEND, 10 * KiB }, { ACCEPT, 0 }, { LOOK, 0 }, { READ, 4 * KiB }, { LOOK, 0 },
		{ SEND, 10 * KiB }, { LOOK, 0 }, { READ, 16 * KiB }, { LOOK, 0 }, { END, 0 },
	};
	struct script_run accel;

	compare(st, true, &accel);
	return tl_verdict();
}

/* SO_RCVLOWAT set after the connection is up: plain TCP is not readable
 * (poll, epoll) below the mark; a psock queue would be. The fast path is
 * in use before the option. */
static int case_rcvlowat(void)
{
	static const struct step st[] = {
		{ ACCEPT, 0 }, { SEND, 4 * KiB }, { READ, 4 * KiB }, { LOWAT, 32 * KiB }, { LOOK, 0 },
		{ SEND, 16 * KiB }, { LOOK, 0 }, { SEND, 16 * KiB }, { LOOK, 0 }, { READ, 32 * KiB },
		{ LOOK, 0 }, { END, 0 },
	};
	struct script_run accel;

	compare(st, false, &accel);
	return tl_verdict();
}

/* Reading redirected bytes must not move copied_seq: the rule that lets a
 * direction return to the fast path compares it with the sender's
 * write_seq, which redirected bytes never touch. */
static int case_copied_seq_ignores_redirects(void)
{
	struct vs_rx_state before, after;
	int c = -1, s = -1, r;

	r = tl_pair(AF_INET, true, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	TL_EXPECT(!send_pattern(c, 0, 256 * KiB), "send");
	TL_EXPECT(!read_pattern(s, 0, 1), "read");	/* refreshes its facts */
	TL_EXPECT(!tl_rx_state(s, &before), "server not in the sockhash");
	TL_EXPECT(!read_pattern(s, 1, 256 * KiB - 1), "read");
	TL_EXPECT(!tl_rx_state(s, &after), "server left the sockhash");
	TL_EXPECT_ACCEL("client", c, 256 * KiB);
	TL_EXPECT(after.copied_seq == before.copied_seq,
		  "copied_seq moved by %u after reading only redirected bytes",
		  after.copied_seq - before.copied_seq);
out:
	tl_close(c);
	tl_close(s);
	return tl_verdict();
}

/* nginx's way under backpressure: edge-triggered epoll, read exactly what
 * FIONREAD reports, wait for the next edge when it says 0; a slow reader
 * with a small queue bound keeps the bytes split between both queues. */
static int case_fionread_reader_backpressure(void)
{
	const __u64 total = 64 * MiB;
	struct tl_xfer tx = { .seed = 91, .len = total, .min_io = 16 * KiB, .max_io = MiB,
			      .log_io = true, .rng = 5, .timeout_ms = 60000, .shut_wr = true };
	struct tl_xfer rx = { .seed = 91, .len = total, .min_io = 1, .max_io = 256 * KiB,
			      .log_io = true, .rng = 6, .timeout_ms = 60000, .expect_eof = true,
			      .fionread = true, .pause_pct = 2, .pause_max_ms = 5 };
	struct vs_sock_entry e;
	char why[600];
	int c = -1, s = -1, r;

	TL_EXPECT(!loader_set_max_queued(tl.ld, 128 * KiB), "set max_queued");
	r = tl_pair(AF_INET, true, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	TL_EXPECT(!tl_xfer_stream(c, s, &tx, &rx), "thread");
	TL_EXPECT(!rx.err, "reader: %s", rx.why);
	TL_EXPECT(!tx.err, "sender: %s", tx.why);
	TL_EXPECT(!tl_accounting("client", c, total, &e, why, sizeof(why)), "%s", why);
	TL_EXPECT(e.tx_redir_bytes > 0 && e.tx_pass_bytes > 0,
		  "queues never split: redirected %llu B, passed %llu B",
		  (unsigned long long)e.tx_redir_bytes, (unsigned long long)e.tx_pass_bytes);
	tl_diag("%llu MiB: %.0f%% redirected, %.0f%% through TCP, %.2f s",
		(unsigned long long)(total / MiB), 100.0 * e.tx_redir_bytes / total,
		100.0 * e.tx_pass_bytes / total, rx.secs);
out:
	loader_set_max_queued(tl.ld, VS_MAX_QUEUED_DEFAULT);
	tl_close(c);
	tl_close(s);
	return tl_verdict();
}

static const struct tl_case cases[] = {
	{ "copied_seq_ignores_redirected_bytes", case_copied_seq_ignores_redirects, 20 },
	{ "fionread_split_queue_vs_plain", case_fionread_split_queue, 30 },
	{ "fionread_tcp_bytes_before_accept", case_fionread_before_accept, 30 },
	{ "rcvlowat_readiness_vs_plain", case_rcvlowat, 30 },
	{ "fionread_reader_backpressure_64m", case_fionread_reader_backpressure, 90 },
};

int main(int argc, char **argv)
{
	(void)argc;
	return tl_main(argv[0], cases, TL_NCASES(cases));
}
