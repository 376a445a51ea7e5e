// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Retransmissions made deterministic with nft rules in a network namespace
 * of the case: a sender's FIN-only segments and its receiver's pure ACKs
 * are dropped on the input hook, so the sender's RTO retransmits its last
 * data segment collapsed with the FIN (tcp_retrans_try_collapse(),
 * net.ipv4.tcp_retrans_collapse). Every byte of it is old, only the FIN is
 * new: TCP queues it whole, and an sk_skb verdict must not hand those
 * bytes on a second time (bpf/rxseq.bpf.h). */
#include "testlib.h"

#define TL_RTX_TABLE "vsock_rtx"
#define TL_RTX_WAIT_MS 3200	/* RTOs at 0.2, 0.6, 1.4, 3.0 s */

/* Run "nft -f -" with script; 0, or -1 with why filled. */
int tl_nft_run(const char *script, char *why, size_t len)
{
	FILE *p = popen("nft -f - 2>&1", "w");
	int st;

	if (!p) {
		snprintf(why, len, "popen nft: %s", strerror(errno));
		return -1;
	}
	fputs(script, p);
	st = pclose(p);
	if (st) {
		snprintf(why, len, "nft -f failed (status %d) on:\n%s", st, script);
		return -1;
	}
	return 0;
}

/* In this namespace only: drop the client's FIN-only segments (a FIN
 * without PSH: the collapsed retransmission carries the data's PSH) and
 * the server's pure ACKs; count FINs with data. On the input hook: a drop
 * on output fails tcp_transmit_skb(), the FIN stays unsent on the write
 * queue and never joins the retransmission queue it is collapsed from. */
int tl_rtx_rules_add(int cport, int sport, char *why, size_t len)
{
	char s[1024];

	snprintf(s, sizeof(s),
		 "table inet " TL_RTX_TABLE " {\n"
		 "  counter fin_only {}\n"
		 "  counter fin_data {}\n"
		 "  counter srv_ack {}\n"
		 "  chain in {\n"
		 "    type filter hook input priority 0; policy accept;\n"
		 "    tcp sport %d tcp dport %d tcp flags & (fin|psh) == fin counter name fin_only drop\n"
		 "    tcp sport %d tcp dport %d tcp flags & (fin|psh) == fin|psh counter name fin_data\n"
		 "    tcp sport %d tcp dport %d tcp flags == ack counter name srv_ack drop\n"
		 "  }\n"
		 "}\n",
		 cport, sport, cport, sport, sport, cport);
	return tl_nft_run(s, why, len);
}

int tl_rtx_rules_del(char *why, size_t len)
{
	return tl_nft_run("delete table inet " TL_RTX_TABLE "\n", why, len);
}

/* Packets counted by the named counter, or -1. */
long long tl_rtx_counter(const char *name)
{
	char cmd[128], line[256];
	long long n = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "nft list counter inet " TL_RTX_TABLE " %s 2>/dev/null", name);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		const char *k = strstr(line, "packets ");

		if (k)
			n = strtoll(k + 8, NULL, 10);
	}
	pclose(p);
	return n;
}

/* Wait until counter name reached min packets; its last value. */
long long tl_rtx_counter_wait(const char *name, long long min, int timeout_ms)
{
	uint64_t end = tl_now_ms() + timeout_ms;
	long long n;

	while ((n = tl_rtx_counter(name)) < min && tl_now_ms() < end)
		tl_sleep_ms(20);
	return n;
}

__u32 tl_tcp_total_retrans(int fd)
{
	struct tcp_info ti = { 0 };
	socklen_t l = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &l))
		return 0;
	return ti.tcpi_total_retrans;
}

/* Enter a fresh network namespace; the old one's fd, or -errno. */
int tl_netns_enter_fresh(void)
{
	int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = tl_netns_new();
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

void tl_netns_return(int fd)
{
	if (fd < 0)
		return;
	if (setns(fd, CLONE_NEWNET))
		TL_FAIL("setns back: %s", strerror(errno));
	close(fd);
}

/* Shut the client down with its FIN and the server's ACKs dropped until
 * the client retransmitted its data with the FIN; then lift the rules.
 * 0; -EAGAIN when no retransmission carried the FIN (TCP does not always
 * collapse it into the data: seen once in ~20 runs, four retransmissions
 * of the data alone); or -1 with why. */
int tl_rtx_fin_collapsed(int c, char *why, size_t len)
{
	long long fin_only, fin_data, srv_ack;
	__u32 retrans0, retrans1;

	/* the FIN alone is dropped; the RTO (200 ms at least) retransmits the
	 * data segment with the FIN on it */
	retrans0 = tl_tcp_total_retrans(c);
	if (shutdown(c, SHUT_WR)) {
		snprintf(why, len, "shutdown: %s", strerror(errno));
		return -1;
	}
	fin_data = tl_rtx_counter_wait("fin_data", 1, TL_RTX_WAIT_MS);
	fin_only = tl_rtx_counter("fin_only");
	srv_ack = tl_rtx_counter("srv_ack");
	retrans1 = tl_tcp_total_retrans(c);
	tl_diag("nft: FIN-only dropped %lld, FIN with data %lld, server ACKs dropped %lld; "
		"client retransmissions %u -> %u", fin_only, fin_data, srv_ack, retrans0, retrans1);
	if (fin_data < 1) {
		snprintf(why, len, "no data segment with a FIN within %d ms", TL_RTX_WAIT_MS);
		return -EAGAIN;
	}
	if (fin_only < 1 || srv_ack < 1)
		snprintf(why, len, "the rules dropped nothing");
	else if (retrans1 <= retrans0)
		snprintf(why, len, "no retransmission counted");
	else
		return tl_rtx_rules_del(why, len);
	return -1;
}

