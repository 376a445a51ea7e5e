// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Retransmissions that reach the receive verdict (vsock_rx), made
 * deterministic with nft rules on lo in a network namespace of the case.
 *
 * old_data_with_new_fin: the client's FIN-only segment and the server's
 * pure ACKs are dropped, so the client's RTO retransmits its last data
 * segment, collapsed with the FIN (tcp_retrans_try_collapse(),
 * net.ipv4.tcp_retrans_collapse). Every byte of it is old, only the FIN
 * is new: TCP queues it whole (tcp_data_queue(), "partial packet") and the
 * verdict must not hand those bytes to the reader a second time. */
#include "testlib.h"

#define RT_MSG 100		/* bytes per write: one segment each */
#define RT_SEED 77

/* Write stream bytes off..off+RT_MSG in one send. */
static int rt_send(int fd, uint64_t off)
{
	char buf[RT_MSG];
	size_t sent;

	tl_pat_fill(RT_SEED, off, buf, sizeof(buf));
	return tl_send_all(fd, buf, sizeof(buf), 2000, &sent) == RT_MSG ? 0 : -1;
}

/* Read len bytes of the stream from off; 0, or -1 with why. */
static int rt_recv(int fd, uint64_t off, size_t len, char *why, size_t wlen)
{
	char buf[4 * RT_MSG];
	long long bad;
	ssize_t n;

	n = tl_recv_all(fd, buf, len, 3000);
	if (n != (ssize_t)len) {
		snprintf(why, wlen, "read %zd of %zu B", n, len);
		return -1;
	}
	bad = tl_pat_check(RT_SEED, off, buf, len);
	if (bad >= 0) {
		snprintf(why, wlen, "wrong byte at stream offset %llu", (unsigned long long)(off + bad));
		return -1;
	}
	return 0;
}

/* After every byte: EOF, not old bytes again. 0, or -1 with why. */
static int rt_expect_eof(int fd, char *why, size_t len)
{
	char buf[4 * RT_MSG];
	ssize_t n;

	if (tl_wait(fd, POLLIN, tl_now_ms() + 3000) <= 0) {
		snprintf(why, len, "no EOF within 3 s");
		return -1;
	}
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n == 0)
		return 0;
	if (n < 0)
		snprintf(why, len, "recv at EOF: %s", strerror(errno));
	else if (tl_pat_check(RT_SEED, RT_MSG, buf, n < RT_MSG ? n : RT_MSG) < 0)
		snprintf(why, len, "%zd B after the last byte instead of EOF: "
			 "stream bytes %d.. (the retransmitted segment) again", n, RT_MSG);
	else
		snprintf(why, len, "%zd unexpected B instead of EOF", n);
	return -1;
}

/* The verdict saw the segment and cut every old byte of it. */
static bool rt_check_cut(int s, const __u64 st0[VS_C_MAX], int line)
{
	struct vs_sock_entry se;
	__u64 st1[VS_C_MAX];

	if (tl_stats(st1) || tl_entry(s, &se)) {
		tl_fail_at(line, "counters or server entry missing");
		return false;
	}
	tl_diag("rx_overlap_trimmed %llu -> %llu, rx_overlap_failed %llu -> %llu; server in_sockhash %u",
		(unsigned long long)st0[VS_C_RX_OVERLAP_TRIMMED],
		(unsigned long long)st1[VS_C_RX_OVERLAP_TRIMMED],
		(unsigned long long)st0[VS_C_RX_OVERLAP_FAILED],
		(unsigned long long)st1[VS_C_RX_OVERLAP_FAILED], se.in_sockhash);
	if (!se.in_sockhash)
		tl_fail_at(line, "the server left the sockhash: the verdict did not see the segment");
	else if (st1[VS_C_RX_OVERLAP_TRIMMED] <= st0[VS_C_RX_OVERLAP_TRIMMED])
		tl_fail_at(line, "rx_overlap_trimmed did not grow");
	else if (st1[VS_C_RX_OVERLAP_FAILED] != st0[VS_C_RX_OVERLAP_FAILED])
		tl_fail_at(line, "rx_overlap_failed grew");
	else
		return true;
	return false;
}

/* accel: both ends in the sockhash; else an unattached cgroup (plain TCP,
 * which proves the expectation). */
static int old_data_with_new_fin(bool accel)
{
	struct vs_sock_entry ce;
	__u64 st0[VS_C_MAX];
	struct vs_meta meta;
	int c = -1, s = -1, ns = -1, r, attempt;
	bool rules = false, knob = false;
	char why[600];

	if (system("command -v nft >/dev/null 2>&1"))
		TL_SKIP("needs nft (Debian package nftables: make deps)");
	TL_EXPECT(!loader_read_meta(tl.ld, &meta), "loader_read_meta");
	ns = tl_netns_enter_fresh();
	TL_EXPECT(ns >= 0, "netns: %s", strerror(-ns));
	if (accel) {
		/* the first write is redirected; with a 1-byte queue bound (taken
		 * when the server joins) the second passes (queue_limit) and
		 * travels as one TCP segment while both ends stay in the sockhash */
		TL_EXPECT(!loader_set_max_queued(tl.ld, 1), "loader_set_max_queued");
		knob = true;
	} else {
		TL_EXPECT(!tl_enter_plain(), "enter plain cgroup");
	}
	for (attempt = 1;; attempt++) {
		r = tl_pair(AF_INET, true, &c, &s);
		TL_EXPECT(!r, "pair: %s", strerror(-r));
		if (accel)
			TL_EXPECT_ACCEL("server", s, 0);
		TL_EXPECT(!tl_rtx_rules_add(tl_port(c), tl_port(s), why, sizeof(why)), "%s", why);
		rules = true;
		TL_EXPECT(!tl_stats(st0), "loader_read_stats");
		TL_EXPECT(!rt_send(c, 0) && !rt_send(c, RT_MSG), "send: %s", strerror(errno));
		TL_EXPECT(!rt_recv(s, 0, 2 * RT_MSG, why, sizeof(why)), "server read: %s", why);
		if (accel) {
			TL_EXPECT(!tl_entry(c, &ce), "client entry missing");
			TL_EXPECT(ce.tx_redir_bytes == RT_MSG && ce.tx_pass_bytes == RT_MSG,
				  "client redirected %llu B, passed %llu B; want %d each",
				  (unsigned long long)ce.tx_redir_bytes,
				  (unsigned long long)ce.tx_pass_bytes, RT_MSG);
		}
		r = tl_rtx_fin_collapsed(c, why, sizeof(why));
		if (r != -EAGAIN || attempt == TL_RTX_ATTEMPTS)
			break;
		/* a fresh connection: the FIN went out alone each time */
		TL_EXPECT(!tl_rtx_rules_del(why, sizeof(why)), "%s", why);
		rules = false;
		tl_close(c);
		tl_close(s);
		c = s = -1;
	}
	rules = r && rules;
	TL_EXPECT(!r, "%s (attempt %d of %d)", why, attempt, TL_RTX_ATTEMPTS);
	TL_EXPECT(!rt_expect_eof(s, why, sizeof(why)), "server: %s", why);
	if (accel && !rt_check_cut(s, st0, __LINE__))
		goto out;
out:
	if (rules && tl_rtx_rules_del(why, sizeof(why)))
		TL_FAIL("%s", why);
	if (knob && loader_set_max_queued(tl.ld, meta.max_queued))
		TL_FAIL("restoring max_queued %llu", (unsigned long long)meta.max_queued);
	tl_close(c);
	tl_close(s);
	tl_enter_main();
	tl_netns_return(ns);
	return tl_verdict();
}

static int case_old_data_with_new_fin_plain(void) { return old_data_with_new_fin(false); }
static int case_old_data_with_new_fin(void) { return old_data_with_new_fin(true); }

static const struct tl_case cases[] = {
	{ "old_data_with_new_fin_plain", case_old_data_with_new_fin_plain, 60 },
	{ "old_data_with_new_fin", case_old_data_with_new_fin, 60 },
};

int main(void)
{
	return tl_main("test_retransmit", cases, TL_NCASES(cases));
}
