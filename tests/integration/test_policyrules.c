// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Policy rules (vsockctl policy, include/vsock/rules.h) in the real kernel:
 * a denied connection works on TCP and names its rule (vsockctl sockets);
 * a rule added while both directions stream takes the connection off the
 * fast path without losing or reordering a byte, and nothing is redirected
 * afterwards; deleting it lets new connections back; a reader that only
 * reads leaves too; priorities, CIDR (v4, v6), uid and cgroup match. */
#include "daemonlib.h"

#define PR_STREAM (32 * MiB)
#define PR_AFTER  (2 * MiB)

/* vsockctl as an operator runs it, on the test's pins; out gets its output. */
static int pr_ctl(char *out, size_t len, const char *args)
{
	return dl_run_ctl(out, len, "%s --pin-root %s %s", dl.vsockctl, tl.pin_root, args);
}

/* Add a rule with vsockctl -j; its id, or 0 (the case failed). */
static __u32 pr_add(const char *rule)
{
	char out[4096], args[512];
	const char *id;
	int r;

	snprintf(args, sizeof(args), "-j policy add %s", rule);
	r = pr_ctl(out, sizeof(out), args);
	id = strstr(out, "\"id\":");
	if (r || !id) {
		TL_FAIL("vsockctl policy add %s: exit %d: %s", rule, r, out);
		return 0;
	}
	return (__u32)strtoul(id + 5, NULL, 10);
}

/* Every rule goes, vsockctl's and vsockd's (a case's cleanup). */
static void pr_clear(void)
{
	struct vs_err e = { "" };

	loader_policy_replace(tl.ld, VS_RULE_CLI, NULL, 0, &e);
	loader_policy_replace(tl.ld, VS_RULE_CONFIG, NULL, 0, &e);
}

/* A connection to the listener lfd; both files non-blocking. */
static int pr_connect(int family, int lfd, int *c, int *s)
{
	int r;

	*s = -1;
	*c = tl_connect(family, NULL, tl_port(lfd), true);
	if (*c < 0)
		return *c;
	if ((r = tl_wait_connected(*c, 5000)))
		return r;
	*s = tl_accept(lfd, true, 5000);
	return *s < 0 ? *s : 0;
}

/* Both ends denied by rule id: off the sockhash, reason policy, the rule. */
static bool pr_denied(int c, int s, __u32 id)
{
	struct vs_sock_entry ce, se;

	if (tl_entry(c, &ce) || tl_entry(s, &se))
		return false;
	if (ce.in_sockhash || se.in_sockhash || ce.reason != VS_R_POLICY ||
	    se.reason != VS_R_POLICY || ce.rule_id != id || se.rule_id != id) {
		tl_show("client", c);
		tl_show("server", s);
		tl_diag("want reason policy, rule %u", id);
		return false;
	}
	return true;
}

/* A new connection to lfd, 2 MiB each way verified; whether it was
 * accelerated (both ends in the sockhash with bytes redirected). */
static int pr_try(int family, int lfd, bool *accel, int *cfd, int *sfd)
{
	struct tl_duplex d = { 0 };
	struct vs_sock_entry ce, se;
	char why[400];
	int c, s, r;

	if ((r = pr_connect(family, lfd, &c, &s))) {
		TL_FAIL("connect: %s", strerror(-r));
		return -1;
	}
	tl_track(c);
	tl_track(s);
	tl_duplex_fill(&d, c, s, PR_AFTER, 0, false);
	if (tl_xfer_duplex(&d, why, sizeof(why))) {
		TL_FAIL("%s", why);
		return -1;
	}
	if (tl_entry(c, &ce) || tl_entry(s, &se)) {
		TL_FAIL("entries");
		return -1;
	}
	*accel = ce.in_sockhash && se.in_sockhash && ce.tx_redir_bytes && se.tx_redir_bytes;
	*cfd = c;
	*sfd = s;
	return 0;
}

/* deny port P: a new connection to P stays on TCP, names the rule in the
 * socket table and in vsockctl -j sockets, and counts as the rule's hits;
 * a connection to another port is accelerated. */
static int case_deny_port(void)
{
	char out[1 << 16], args[128], want[64];
	int lfd = -1, other = -1, c, s;
	__u64 c0[VS_C_MAX], c1[VS_C_MAX];
	bool accel;
	__u32 id;

	lfd = tl_listen(AF_INET, NULL, 0, true);
	other = tl_listen(AF_INET, NULL, 0, true);
	TL_EXPECT(lfd >= 0 && other >= 0, "listen");
	tl_track(lfd);
	tl_track(other);
	snprintf(args, sizeof(args), "deny port %d", tl_port(lfd));
	TL_EXPECT((id = pr_add(args)), "add");
	tl_stats(c0);
	TL_EXPECT(!pr_try(AF_INET, lfd, &accel, &c, &s), "transfer");
	tl_stats(c1);
	TL_EXPECT(pr_denied(c, s, id), "denied connection");
	TL_EXPECT(c1[VS_C_MSG_REDIRECTED] == c0[VS_C_MSG_REDIRECTED] &&
		  c1[VS_C_SKIP_POLICY] - c0[VS_C_SKIP_POLICY] == 2,
		  "redirected %llu messages, skip_policy %llu",
		  (unsigned long long)(c1[VS_C_MSG_REDIRECTED] - c0[VS_C_MSG_REDIRECTED]),
		  (unsigned long long)(c1[VS_C_SKIP_POLICY] - c0[VS_C_SKIP_POLICY]));
	TL_EXPECT(!pr_ctl(out, sizeof(out), "-j sockets all"), "vsockctl sockets: %.300s", out);
	snprintf(want, sizeof(want), "\"reason\":\"policy\",\"rule\":%u", id);
	TL_EXPECT(strstr(out, want), "vsockctl -j sockets does not show %s", want);
	TL_EXPECT(!pr_ctl(out, sizeof(out), "policy list"), "vsockctl policy list: %.300s", out);
	tl_diag("vsockctl policy list:\n%s", out);
	TL_EXPECT(!pr_ctl(out, sizeof(out), "-j policy list") &&
		  strstr(out, "\"action\":\"deny\"") && strstr(out, "\"hits\":2"),
		  "vsockctl -j policy list: %.300s", out);
	TL_EXPECT(!pr_try(AF_INET, other, &accel, &c, &s), "transfer");
	TL_EXPECT(accel, "a connection the rule does not match is not accelerated");
out:
	pr_clear();
	tl_close_all();
	return tl_verdict();
}

/* A deny added while both directions stream, then a reader that only
 * reads; then the rule goes and new connections are accelerated again. */
static int rule_mid_stream(bool one_way)
{
	struct tl_duplex_run run = { .r = -1 };
	struct vs_sock_entry ce, se;
	__u64 c1[VS_C_MAX], c2[VS_C_MAX], redir_c = 0, redir_s = 0;
	char args[128], out[4096], why[400];
	int lfd, c = -1, s = -1, i;
	bool accel;
	__u32 id = 0;

	lfd = tl_listen(AF_INET, NULL, 0, true);
	TL_EXPECT(lfd >= 0, "listen");
	tl_track(lfd);
	TL_EXPECT(!pr_connect(AF_INET, lfd, &c, &s), "connect");
	tl_track(c);
	tl_track(s);
	tl_duplex_fill(&run.d, c, s, PR_STREAM, 0, true);
	if (one_way)	/* the server only reads: no send of its own */
		run.d.s_tx.len = run.d.c_rx.len = 0;
	TL_EXPECT(!tl_duplex_start(&run), "pthread_create");
	tl_sleep_ms(150);
	TL_EXPECT(!tl_entry(c, &ce) && !tl_entry(s, &se) && ce.in_sockhash && se.in_sockhash &&
		  ce.tx_redir_bytes, "not on the fast path before the rule");
	snprintf(args, sizeof(args), "deny port %d", tl_port(lfd));
	TL_EXPECT((id = pr_add(args)), "add");
	TL_EXPECT(!tl_duplex_join(&run), "stream across the rule: %s", run.why);
	/* the leave ends at a callback of each socket */
	for (i = 0; i < 20; i++) {
		TL_EXPECT(!tl_entry(c, &ce) && !tl_entry(s, &se), "entries");
		if (!ce.in_sockhash && !se.in_sockhash)
			break;
		TL_EXPECT(!tl_ping(c, s), "ping");
		tl_sleep_ms(10);
	}
	TL_EXPECT(!ce.in_sockhash && !se.in_sockhash && ce.rule_id == id &&
		  (ce.reason == VS_R_POLICY || se.reason == VS_R_POLICY),
		  "still on the fast path after %d pings: client %s, server %s", i,
		  tl_reason_name(ce.reason), tl_reason_name(se.reason));
	redir_c = ce.tx_redir_bytes;
	redir_s = se.tx_redir_bytes;
	tl_diag("%s: %d pings to finish the leave; %.1f%% redirected before the rule",
		one_way ? "one way" : "both ways", i,
		100.0 * (redir_c + redir_s) / ((one_way ? 1 : 2) * (double)PR_STREAM));
	/* afterwards: all on TCP, every byte checked */
	tl_stats(c1);
	tl_duplex_fill(&run.d, c, s, PR_AFTER, PR_STREAM, false);
	TL_EXPECT(!tl_xfer_duplex(&run.d, why, sizeof(why)), "after the rule: %s", why);
	tl_stats(c2);
	TL_EXPECT(!tl_entry(c, &ce) && !tl_entry(s, &se), "entries");
	TL_EXPECT(c2[VS_C_MSG_REDIRECTED] == c1[VS_C_MSG_REDIRECTED] &&
		  ce.tx_redir_bytes == redir_c && se.tx_redir_bytes == redir_s,
		  "redirected after the rule: %llu messages",
		  (unsigned long long)(c2[VS_C_MSG_REDIRECTED] - c1[VS_C_MSG_REDIRECTED]));
	/* the rule goes: new connections are accelerated again */
	snprintf(args, sizeof(args), "policy del %u", id);
	TL_EXPECT(!pr_ctl(out, sizeof(out), args), "vsockctl %s: %s", args, out);
	TL_EXPECT(!pr_try(AF_INET, lfd, &accel, &c, &s), "transfer");
	TL_EXPECT(accel, "not accelerated after policy del");
out:
	tl_duplex_abort(&run);
	pr_clear();
	tl_close_all();
	return tl_verdict();
}

static int case_mid_stream_duplex(void)
{
	return rule_mid_stream(false);
}

static int case_mid_stream_reader_only(void)
{
	return rule_mid_stream(true);
}

/* The rules (vsockctl policy add, each), then a new connection of family
 * to lfd: was it accelerated? */
static int pr_with_rules(const char *const *rules, int n, int family, int lfd, bool *accel)
{
	int i, c, s;

	pr_clear();
	for (i = 0; i < n; i++)
		if (!pr_add(rules[i]))
			return -1;
	return pr_try(family, lfd, accel, &c, &s);
}

#define EXPECT_RULES(family, lfd, want, ...)					\
	do {									\
		const char *const rules_[] = { __VA_ARGS__ };			\
		bool a_;							\
		if (pr_with_rules(rules_, TL_NCASES(rules_), family, lfd, &a_))	\
			goto out;						\
		TL_EXPECT(a_ == (want), "%s with rules %s%s: accelerated %d",	\
			  family == AF_INET ? "IPv4" : "IPv6", rules_[0],	\
			  TL_NCASES(rules_) > 1 ? " ..." : "", a_);		\
	} while (0)

static int case_matches(void)
{
	char deny_port[64], deny_cg[PATH_MAX + 16];
	int l4 = tl_listen(AF_INET, NULL, 0, true), l6 = tl_listen(AF_INET6, NULL, 0, true);

	TL_EXPECT(l4 >= 0 && l6 >= 0, "listen");
	tl_track(l4);
	tl_track(l6);
	snprintf(deny_port, sizeof(deny_port), "deny port %d", tl_port(l4));
	snprintf(deny_cg, sizeof(deny_cg), "deny cgroup %s", tl.cg_main);
	/* a lower priority number decides first */
	EXPECT_RULES(AF_INET, l4, false, "deny", "allow uid 4242");
	{
		char allow[96], *rules[2] = { deny_port, allow };
		bool a;

		snprintf(allow, sizeof(allow), "allow port %d --priority 10", tl_port(l4));
		TL_EXPECT(!pr_with_rules((const char *const *)rules, 2, AF_INET, l4, &a), "rules");
		TL_EXPECT(a, "allow at priority 10 did not win over deny at 100");
	}
	/* at the same priority, the rule with more fields */
	EXPECT_RULES(AF_INET, l4, true, "deny cidr 127.0.0.0/8", "allow cidr 127.0.0.0/8 uid 0");
	EXPECT_RULES(AF_INET, l4, false, "deny cidr 127.0.0.0/8");
	EXPECT_RULES(AF_INET, l4, true, "deny cidr 10.0.0.0/8");
	EXPECT_RULES(AF_INET6, l6, false, "deny cidr ::1/128");
	EXPECT_RULES(AF_INET6, l6, true, "deny cidr fd00::/8");
	EXPECT_RULES(AF_INET, l4, true, "deny cidr ::1/128");
	EXPECT_RULES(AF_INET, l4, false, "deny uid 0");	/* the tests run as root */
	EXPECT_RULES(AF_INET, l4, true, "deny uid 4242");
	EXPECT_RULES(AF_INET, l4, false, deny_cg);
	EXPECT_RULES(AF_INET, l4, true, "allow");
out:
	pr_clear();
	tl_close_all();
	return tl_verdict();
}

/* vsockd's [policy] rule lines: applied at start (a connection to the
 * port stays on TCP with the config's rule named), replaced at reload,
 * and vsockctl's own rules stay. */
static int case_vsockd_config(void)
{
	char extra[256], out[1 << 15], want[64], args[64];
	struct dl_daemon d;
	size_t mark;
	int lfd = tl_listen(AF_INET, NULL, 0, true), c, s, r;
	__u32 cli_id;
	bool accel;

	dl_daemon_init(&d);
	TL_EXPECT(lfd >= 0, "listen");
	tl_track(lfd);
	snprintf(args, sizeof(args), "deny port %d", tl_port(lfd) == 1 ? 2 : 1);
	TL_EXPECT((cli_id = pr_add(args)), "add");
	snprintf(extra, sizeof(extra), "[policy]\nrule = deny port %d --priority 5\n",
		 tl_port(lfd));
	TL_EXPECT(!dl_write_conf(extra), "write config");
	r = dl_daemon_start(&d, "policy.log");
	TL_EXPECT(!r, "vsockd: %s", strerror(-r));
	TL_EXPECT(!pr_ctl(out, sizeof(out), "-j policy list"), "policy list: %.300s", out);
	TL_EXPECT(strstr(out, "\"origin\":\"config\"") && strstr(out, "\"origin\":\"vsockctl\""),
		  "vsockctl -j policy list: %.400s", out);
	TL_EXPECT(!pr_try(AF_INET, lfd, &accel, &c, &s), "transfer");
	TL_EXPECT(!accel, "a connection the config denies was accelerated");
	TL_EXPECT(!pr_ctl(out, sizeof(out), "-j sockets all"), "sockets");
	snprintf(want, sizeof(want), "\"reason\":\"policy\",\"rule\":%u", cli_id + 1);
	TL_EXPECT(strstr(out, want), "vsockctl -j sockets does not show %s", want);
	/* reload without the rule: gone; vsockctl's stays */
	TL_EXPECT(!dl_write_conf(NULL), "write config");
	mark = dl_notes_mark(&d);
	dl_daemon_signal(&d, SIGHUP);
	TL_EXPECT(dl_wait_note(&d, mark, "READY=1", 3000), "no READY=1 after the reload");
	TL_EXPECT(!pr_ctl(out, sizeof(out), "-j policy list"), "policy list: %.300s", out);
	TL_EXPECT(!strstr(out, "\"origin\":\"config\"") &&
		  strstr(out, "\"origin\":\"vsockctl\""), "after the reload: %.400s", out);
out:
	dl_stop(&d);
	pr_clear();
	tl_close_all();
	return tl_verdict();
}

static const struct tl_case cases[] = {
	{ "vsockd_config_rules", case_vsockd_config, 60 },
	{ "deny_port_new_connection", case_deny_port, 30 },
	{ "deny_added_mid_stream_duplex", case_mid_stream_duplex, 90 },
	{ "deny_added_mid_stream_reader_only", case_mid_stream_reader_only, 90 },
	{ "priority_cidr_uid_cgroup", case_matches, 60 },
};

int main(int argc, char **argv)
{
	(void)argc;
	return dl_main(argv[0], cases, TL_NCASES(cases));
}
