// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Secure mode (vsockctl attach CGROUP --secure [--allow-cgroup OTHER]):
 * two attached cgroups in secure mode must not cross. Within each one
 * connections are accelerated; between them every byte arrives over TCP,
 * nothing is redirected, and both sockets say why (reason secure); with
 * an allow list on both sides they are accelerated again; one side's
 * allow list is not enough. */
#include "daemonlib.h"

#define SC_BYTES (2 * MiB)

static char cg_b[PATH_MAX];	/* the second attached cgroup */

/* vsockctl as an operator runs it, on the test's pins. */
static int sc_ctl(const char *args)
{
	char out[4096];
	int r = dl_run_ctl(out, sizeof(out), "%s --pin-root %s %s", dl.vsockctl, tl.pin_root,
			   args);

	if (r)
		TL_FAIL("vsockctl %s: exit %d: %s", args, r, out);
	return r;
}

/* A listener created in cgroup srv (its accepted sockets are there too). */
static int sc_listen(const char *srv)
{
	int lfd;

	if (tl_cg_enter(srv))
		return -1;
	lfd = tl_listen(AF_INET, NULL, 0, true);
	if (tl_enter_main())
		return -1;
	if (lfd >= 0)
		tl_track(lfd);
	return lfd;
}

/* A connection from a socket created in cgroup cli to a listener in srv,
 * SC_BYTES each way, every byte checked; *accel: both ends were in the
 * sockhash and redirected. *redir: messages redirected meanwhile. */
static int sc_conn(const char *cli, const char *srv, bool *accel, __u64 *redir,
		   struct vs_sock_entry *ce, struct vs_sock_entry *se)
{
	__u64 c0[VS_C_MAX], c1[VS_C_MAX];
	struct tl_duplex d = { 0 };
	char why[400];
	int lfd = sc_listen(srv), c, s, r;

	if (lfd < 0 || tl_cg_enter(cli))
		return -1;
	c = tl_connect(AF_INET, NULL, tl_port(lfd), true);
	r = tl_enter_main();
	if (c < 0 || r)
		return -1;
	tl_track(c);
	if (tl_wait_connected(c, 5000) || (s = tl_accept(lfd, true, 5000)) < 0)
		return -1;
	tl_track(s);
	tl_stats(c0);
	tl_duplex_fill(&d, c, s, SC_BYTES, 0, false);
	if (tl_xfer_duplex(&d, why, sizeof(why))) {
		TL_FAIL("%s", why);
		return -1;
	}
	tl_stats(c1);
	if (tl_entry(c, ce) || tl_entry(s, se))
		return -1;
	*redir = c1[VS_C_MSG_REDIRECTED] - c0[VS_C_MSG_REDIRECTED];
	*accel = ce->in_sockhash && se->in_sockhash && ce->tx_redir_bytes && se->tx_redir_bytes;
	return 0;
}

#define EXPECT_CONN(cli, srv, want_accel, what)					\
	do {									\
		struct vs_sock_entry ce_, se_;					\
		__u64 redir_;							\
		bool accel_;							\
		TL_EXPECT(!sc_conn(cli, srv, &accel_, &redir_, &ce_, &se_), "%s: connection", what); \
		if (want_accel) {						\
			TL_EXPECT(accel_, "%s: not accelerated (client %s, server %s)", what, \
				  tl_reason_name(ce_.reason), tl_reason_name(se_.reason)); \
		} else {							\
			TL_EXPECT(!accel_ && !redir_ && !ce_.tx_redir_bytes &&	\
				  !se_.tx_redir_bytes, "%s: %llu messages redirected", what, \
				  (unsigned long long)redir_);			\
			TL_EXPECT(ce_.reason == VS_R_SECURE && se_.reason == VS_R_SECURE, \
				  "%s: client %s, server %s, want secure", what,	\
				  tl_reason_name(ce_.reason), tl_reason_name(se_.reason)); \
		}								\
		tl_diag("%s: %s", what, accel_ ? "accelerated" : "TCP, 0 redirected"); \
	} while (0)

static int sc_setup(void)
{
	char args[2 * PATH_MAX];

	if (tl_cg_create("secure-b", cg_b, sizeof(cg_b)) || tl_cg_attach(cg_b))
		return -1;
	snprintf(args, sizeof(args), "attach %s --secure", tl.cg_main);
	if (sc_ctl(args))
		return -1;
	snprintf(args, sizeof(args), "attach %s --secure", cg_b);
	return sc_ctl(args);
}

/* Back to the harness's state: main attached without secure mode. */
static void sc_teardown(void)
{
	tl_cg_detach(cg_b);
	tl_cg_detach(tl.cg_main);
	tl_cg_attach(tl.cg_main);
}

static int case_no_crossing(void)
{
	char out[1 << 15], args[2 * PATH_MAX + 64];
	int r;

	TL_EXPECT(!sc_setup(), "setup");
	r = dl_run_ctl(out, sizeof(out), "%s -j --pin-root %s status", dl.vsockctl, tl.pin_root);
	TL_EXPECT(!r && strstr(out, "\"secure\":true"), "status: %.300s", out);
	EXPECT_CONN(tl.cg_main, tl.cg_main, true, "within A");
	EXPECT_CONN(cg_b, cg_b, true, "within B");
	EXPECT_CONN(tl.cg_main, cg_b, false, "A to B");
	EXPECT_CONN(cg_b, tl.cg_main, false, "B to A");
	/* one side's allow list is not enough: B still refuses A */
	snprintf(args, sizeof(args), "attach %s --secure --allow-cgroup %s", tl.cg_main, cg_b);
	TL_EXPECT(!sc_ctl(args), "allow");
	EXPECT_CONN(tl.cg_main, cg_b, false, "A to B, only A allows B");
	snprintf(args, sizeof(args), "attach %s --secure --allow-cgroup %s", cg_b, tl.cg_main);
	TL_EXPECT(!sc_ctl(args), "allow");
	EXPECT_CONN(tl.cg_main, cg_b, true, "A to B, both allow");
	EXPECT_CONN(cg_b, tl.cg_main, true, "B to A, both allow");
out:
	tl_close_all();
	sc_teardown();
	return tl_verdict();
}

/* A secure cgroup and a plain attached one: the plain one's sockets are
 * still accelerated among themselves, never with the secure one's. */
static int case_secure_and_plain(void)
{
	char args[PATH_MAX + 32];

	TL_EXPECT(!tl_cg_create("secure-b", cg_b, sizeof(cg_b)) && !tl_cg_attach(cg_b), "B");
	snprintf(args, sizeof(args), "attach %s --secure", tl.cg_main);
	TL_EXPECT(!sc_ctl(args), "secure A");
	EXPECT_CONN(cg_b, cg_b, true, "within plain B");
	EXPECT_CONN(cg_b, tl.cg_main, false, "plain B to secure A");
	EXPECT_CONN(tl.cg_main, cg_b, false, "secure A to plain B");
out:
	tl_close_all();
	sc_teardown();
	return tl_verdict();
}

static const struct tl_case cases[] = {
	{ "two_secure_cgroups_do_not_cross", case_no_crossing, 60 },
	{ "secure_and_plain_cgroup", case_secure_and_plain, 60 },
};

int main(int argc, char **argv)
{
	(void)argc;
	return dl_main(argv[0], cases, TL_NCASES(cases));
}
