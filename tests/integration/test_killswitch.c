// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The kill switch (vsockctl disable / enable), global and per cgroup:
 * both directions of a connection stream while `vsockctl disable` runs;
 * every byte arrives once and in order, the sockets leave the sockhash
 * through the one leave (bpf/leave.bpf.h), a packet socket on lo (what
 * tcpdump reads) sees the payload again, nothing is redirected after the
 * switch, new connections stay on TCP, and after `vsockctl enable` new
 * connections are accelerated again. The time from `vsockctl disable`
 * returning to the first payload byte on lo is measured and printed. */
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include "daemonlib.h"

#define KS_STREAM (32 * MiB)	/* each way, paced: still running at the switch */
#define KS_AFTER  (2 * MiB)	/* each way on the same connection afterwards */

/* A packet socket on lo of the test's network namespace: what tcpdump sees. */
struct ks_tap {
	int fd;
	__u16 port_a, port_b;	/* the connection's two ports (host order) */
	uint64_t payload;	/* TCP payload bytes seen between them */
};

static int tap_open(struct ks_tap *t, int c, int s)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };

	memset(t, 0, sizeof(*t));
	t->port_a = (__u16)tl_port(c);
	t->port_b = (__u16)tl_port(s);
	sll.sll_ifindex = (int)if_nametoindex("lo");
	t->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (t->fd < 0)
		return -errno;
	tl_track(t->fd);
	/* room for everything sent after the switch between two drains */
	setsockopt(t->fd, SOL_SOCKET, SO_RCVBUFFORCE, &(int){ 256 << 20 }, sizeof(int));
	if (bind(t->fd, (struct sockaddr *)&sll, sizeof(sll)))
		return -errno;
	return 0;
}

/* TCP payload bytes of one IPv4 packet between the two ports, else 0. */
static size_t tap_payload(const struct ks_tap *t, const unsigned char *p, size_t n)
{
	const struct iphdr *ip = (const void *)p;
	const struct tcphdr *th;
	size_t ihl, doff, tot;

	if (n < sizeof(*ip) || ip->protocol != IPPROTO_TCP)
		return 0;
	ihl = ip->ihl * 4u;
	tot = ntohs(ip->tot_len);
	if (n < ihl + sizeof(*th))
		return 0;
	th = (const void *)(p + ihl);
	doff = th->doff * 4u;
	if (!((ntohs(th->source) == t->port_a && ntohs(th->dest) == t->port_b) ||
	      (ntohs(th->source) == t->port_b && ntohs(th->dest) == t->port_a)))
		return 0;
	return tot > ihl + doff ? tot - ihl - doff : 0;
}

/* Read what is queued; returns the payload bytes seen by this call. Each
 * packet on lo is seen leaving and arriving: only arrivals count. */
static uint64_t tap_drain(struct ks_tap *t)
{
	unsigned char buf[65536];
	struct sockaddr_ll from;
	uint64_t got = 0;

	for (;;) {
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(t->fd, buf, sizeof(buf), MSG_TRUNC, (struct sockaddr *)&from,
				     &fl);

		if (n < 0)
			break;
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		got += tap_payload(t, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf));
	}
	t->payload += got;
	return got;
}

/* The time until the first payload byte shows up on lo, in ns; 0 if none
 * within timeout_ms. */
static uint64_t tap_first_payload(struct ks_tap *t, uint64_t t0, int timeout_ms)
{
	uint64_t end = t0 + (uint64_t)timeout_ms * 1000000ull;

	while (tl_now_ns() < end) {
		struct pollfd p = { .fd = t->fd, .events = POLLIN };

		if (tap_drain(t))
			return tl_now_ns() - t0;
		poll(&p, 1, 1);
	}
	return 0;
}

/* vsockctl, as an operator runs it, on the test's pins. */
static int ks_ctl(const char *verb, const char *cg, char *out, size_t len)
{
	return dl_run_ctl(out, len, "%s --pin-root %s %s %s", dl.vsockctl, tl.pin_root, verb,
			  cg ? cg : "");
}

/* Both ends off the sockhash with reason disabled, after at most a few
 * pings (the leave's second step waits for a callback of the socket). */
static bool ks_left(int c, int s, int *pings)
{
	struct vs_sock_entry ce, se;

	for (*pings = 0; *pings < 20; (*pings)++) {
		if (tl_entry(c, &ce) || tl_entry(s, &se))
			return false;
		if (!ce.in_sockhash && !se.in_sockhash && ce.reason == VS_R_DISABLED &&
		    se.reason == VS_R_DISABLED)
			return true;
		if (tl_ping(c, s))
			return false;
		tl_sleep_ms(10);
	}
	tl_show("client", c);
	tl_show("server", s);
	return false;
}

/* Does `vsockctl -j status` show the switch where we set it: the global
 * "fast_path", or the attached cgroup's own "disabled" (the first one
 * after its path in its row)? */
static bool ks_status_shows(const char *cg, bool disabled)
{
	char out[65536], want[PATH_MAX + 16];
	const char *at = out;
	int r = dl_run_ctl(out, sizeof(out), "%s -j --pin-root %s status", dl.vsockctl,
			   tl.pin_root);

	if (r) {
		tl_diag("vsockctl status: exit %d: %.300s", r, out);
		return false;
	}
	if (!cg)
		return strstr(out, disabled ? "\"fast_path\":\"disabled" :
					      "\"fast_path\":\"enabled\"") != NULL;
	snprintf(want, sizeof(want), "\"path\":\"%s\"", cg);
	at = strstr(out, want);
	at = at ? strstr(at, "\"disabled\":") : NULL;
	snprintf(want, sizeof(want), "\"disabled\":%s", disabled ? "true" : "false");
	if (!at || strncmp(at, want, strlen(want))) {
		tl_diag("vsockctl -j status: %.600s", out);
		return false;
	}
	return true;
}

/* cg NULL: the global switch. paused_reader: the server reads nothing
 * until 400 ms in, so redirected bytes wait unread on its queue when the
 * switch is thrown (DESIGN.md: never drop a socket that holds them). */
static int killswitch_audit(const char *cg, bool paused_reader)
{
	struct tl_duplex_run run = { .r = -1 };
	struct ks_tap tap = { .fd = -1 };
	struct vs_sock_entry ce, se;
	__u64 c0[VS_C_MAX], c1[VS_C_MAX], c2[VS_C_MAX];
	uint64_t t_ret, lat, pre, redir_c, redir_s;
	bool disabled = false;
	char out[4096], why[400];
	int c = -1, s = -1, c2fd = -1, s2fd = -1, r, pings;

	r = tl_pair(AF_INET, true, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	TL_EXPECT(!tap_open(&tap, c, s), "packet socket on lo: %s", strerror(errno));
	tl_duplex_fill(&run.d, c, s, KS_STREAM, 0, true);
	if (paused_reader)
		run.d.s_rx.delay_ms = 400;
	TL_EXPECT(!tl_duplex_start(&run), "pthread_create");
	tl_sleep_ms(150);
	TL_EXPECT(!tl_entry(c, &ce) && !tl_entry(s, &se), "entries");
	TL_EXPECT(ce.in_sockhash && se.in_sockhash && ce.tx_redir_bytes && se.tx_redir_bytes,
		  "not on the fast path before the switch: client %s, server %s",
		  tl_reason_name(ce.reason), tl_reason_name(se.reason));
	pre = tap_drain(&tap);
	tl_stats(c0);

	r = ks_ctl("disable", cg, out, sizeof(out));
	t_ret = tl_now_ns();
	TL_EXPECT(!r, "vsockctl disable: exit %d: %s", r, out);
	disabled = true;
	lat = tap_first_payload(&tap, t_ret, 5000);
	if (!lat) {
		tl_show("client", c);
		tl_show("server", s);
	}
	TL_EXPECT(lat, "no payload on lo within 5 s of vsockctl disable");
	tl_diag("vsockctl disable%s%s returned -> first payload byte on lo: %.1f us "
		"(payload on lo before: %llu bytes)", cg ? " " : "", cg ? cg : "",
		lat / 1000.0, (unsigned long long)pre);

	TL_EXPECT(!tl_duplex_join(&run), "stream across the switch: %s", run.why);
	TL_EXPECT(ks_left(c, s, &pings), "sockets still in the sockhash after %d pings", pings);
	TL_EXPECT(!tl_entry(c, &ce) && !tl_entry(s, &se), "entries");
	redir_c = ce.tx_redir_bytes;
	redir_s = se.tx_redir_bytes;
	TL_EXPECT(redir_c && redir_s, "nothing was redirected before the switch");
	tl_diag("%d pings to finish the leave; redirected before the switch: %.1f%% of %llu MiB",
		pings, 100.0 * (redir_c + redir_s) / (2.0 * KS_STREAM),
		(unsigned long long)(2 * KS_STREAM / MiB));

	/* the same connection after the switch: all on TCP, seen on lo */
	tl_stats(c1);
	tap_drain(&tap);
	pre = tap.payload;
	tl_duplex_fill(&run.d, c, s, KS_AFTER, KS_STREAM, false);
	TL_EXPECT(!tl_xfer_duplex(&run.d, why, sizeof(why)), "after the switch: %s", why);
	tl_stats(c2);
	tap_drain(&tap);
	TL_EXPECT(!tl_entry(c, &ce) && !tl_entry(s, &se), "entries");
	TL_EXPECT(ce.tx_redir_bytes == redir_c && se.tx_redir_bytes == redir_s,
		  "redirected after the switch: client %llu, server %llu bytes",
		  (unsigned long long)(ce.tx_redir_bytes - redir_c),
		  (unsigned long long)(se.tx_redir_bytes - redir_s));
	TL_EXPECT(c2[VS_C_MSG_REDIRECTED] == c1[VS_C_MSG_REDIRECTED],
		  "msg_redirected moved by %llu after the switch",
		  (unsigned long long)(c2[VS_C_MSG_REDIRECTED] - c1[VS_C_MSG_REDIRECTED]));
	TL_EXPECT(tap.payload - pre >= 2 * KS_AFTER, "lo saw %llu payload bytes of %llu sent",
		  (unsigned long long)(tap.payload - pre), (unsigned long long)(2 * KS_AFTER));
	TL_EXPECT(c2[VS_C_PASS_DISABLED] > c0[VS_C_PASS_DISABLED],
		  "no message was passed for the kill switch");
	TL_EXPECT_ACCOUNTING("client", c, KS_STREAM + KS_AFTER + pings);
	TL_EXPECT_ACCOUNTING("server", s, KS_STREAM + KS_AFTER + pings);
	TL_EXPECT(ks_status_shows(cg, true), "vsockctl -j status does not show the switch");

	/* a new connection while disabled: kept off, moves its bytes on TCP */
	r = tl_pair(AF_INET, true, &c2fd, &s2fd);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	TL_EXPECT(!tl_entry(c2fd, &ce) && !tl_entry(s2fd, &se), "entries");
	TL_EXPECT(!ce.in_sockhash && !se.in_sockhash && ce.reason == VS_R_DISABLED &&
		  se.reason == VS_R_DISABLED, "new connection: client %s, server %s",
		  tl_reason_name(ce.reason), tl_reason_name(se.reason));
	tl_stats(c1);
	tl_duplex_fill(&run.d, c2fd, s2fd, KS_AFTER, 0, false);
	TL_EXPECT(!tl_xfer_duplex(&run.d, why, sizeof(why)), "new connection: %s", why);
	tl_stats(c2);
	TL_EXPECT(c2[VS_C_MSG_REDIRECTED] == c1[VS_C_MSG_REDIRECTED] &&
		  c2[VS_C_SKIP_DISABLED] > c0[VS_C_SKIP_DISABLED],
		  "new connection: %llu messages redirected, skip_disabled %llu",
		  (unsigned long long)(c2[VS_C_MSG_REDIRECTED] - c1[VS_C_MSG_REDIRECTED]),
		  (unsigned long long)(c2[VS_C_SKIP_DISABLED] - c0[VS_C_SKIP_DISABLED]));
	tl_close(c2fd);
	tl_close(s2fd);
	c2fd = s2fd = -1;

	/* disable again: nothing to change, still a success */
	r = ks_ctl("disable", cg, out, sizeof(out));
	TL_EXPECT(!r && strstr(out, "already"), "second disable: exit %d: %s", r, out);
	/* enable: new connections are accelerated again */
	r = ks_ctl("enable", cg, out, sizeof(out));
	TL_EXPECT(!r, "vsockctl enable: exit %d: %s", r, out);
	disabled = false;
	TL_EXPECT(ks_status_shows(cg, false), "vsockctl -j status still shows the switch");
	r = tl_pair(AF_INET, true, &c2fd, &s2fd);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	tl_duplex_fill(&run.d, c2fd, s2fd, KS_AFTER, 0, false);
	TL_EXPECT(!tl_xfer_duplex(&run.d, why, sizeof(why)), "after enable: %s", why);
	TL_EXPECT_ACCEL("client after enable", c2fd, 1);
	TL_EXPECT_ACCEL("server after enable", s2fd, 1);
out:
	tl_duplex_abort(&run);
	if (disabled)
		ks_ctl("enable", cg, out, sizeof(out));
	tl_close(c2fd);
	tl_close(s2fd);
	tl_close(c);
	tl_close(s);
	return tl_verdict();
}

static int case_global(void)
{
	return killswitch_audit(NULL, false);
}

static int case_cgroup(void)
{
	return killswitch_audit(tl.cg_main, false);
}

static int case_global_reader_paused(void)
{
	return killswitch_audit(NULL, true);
}

/* The per-cgroup switch survives an attach of the same cgroup (only
 * enable clears it), and bad input changes nothing. */
static int case_cgroup_kept_and_errors(void)
{
	struct vs_err e = { "" };
	char out[4096];
	int r;

	r = ks_ctl("disable", tl.cg_main, out, sizeof(out));
	TL_EXPECT(!r, "disable: exit %d: %s", r, out);
	r = loader_attach(tl.ld, tl.cg_main, &e);
	TL_EXPECT(r == 1, "attach again: %d %s", r, e.msg);
	TL_EXPECT(ks_status_shows(tl.cg_main, true), "attach cleared the cgroup's switch");
	r = ks_ctl("enable", "/sys/fs/cgroup/unified/no-such-vsock-cgroup", out, sizeof(out));
	TL_EXPECT(r == 1 && strstr(out, "no such cgroup"),
		  "enable of a missing cgroup: exit %d: %s", r, out);
	TL_EXPECT(ks_status_shows(tl.cg_main, true), "a failed enable changed the switch");
out:
	ks_ctl("enable", tl.cg_main, out, sizeof(out));
	return tl_verdict();
}

static const struct tl_case cases[] = {
	{ "disable_global_mid_stream_duplex", case_global, 90 },
	{ "disable_cgroup_mid_stream_duplex", case_cgroup, 90 },
	{ "disable_cgroup_kept_across_attach", case_cgroup_kept_and_errors, 30 },
	{ "disable_global_reader_paused", case_global_reader_paused, 90 },
};

int main(int argc, char **argv)
{
	(void)argc;
	return dl_main(argv[0], cases, TL_NCASES(cases));
}
