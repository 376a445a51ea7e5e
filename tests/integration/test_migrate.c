// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vsockctl upgrade --migrate (loader_migrate) while a fast-path connection
 * streams both ways. The pins are made "another ABI" by their version
 * (the layouts are this build's; vs_btf_copy()'s own test converts real
 * layout changes): the old kill switch drains the connection to TCP
 * without losing, duplicating or reordering a byte, the configuration
 * (a tunable, a service, a policy rule, the attached cgroup) is carried
 * into a fresh load, and a new connection is accelerated by it. */
#include "testlib.h"
#include "policyrule.h"
#include "svcrule.h"

static int case_migrate_abi_change_while_streaming(void)
{
	struct tl_duplex_run j = { 0 };
	struct loader_migrate_report rep;
	struct vs_attachment att[4];
	struct vs_svc_info *svcs = NULL;
	struct vs_rule_info *rules = NULL;
	struct vs_sock_entry ce;
	struct vs_svc_rule sr;
	struct vs_err e = { "" };
	struct vs_rule pr;
	struct vs_meta meta;
	char why[256];
	int c = -1, s = -1, c2 = -1, s2 = -1, r, n;
	__u32 zero = 0;

	/* configuration to carry */
	TL_EXPECT(!loader_set_max_queued(tl.ld, 1 << 20), "tune max_queued");
	TL_EXPECT(!svc_rule_parse_line("10.96.0.20:80 backends=127.0.0.1:8080 mode=direct", &sr,
				       why, sizeof(why)) &&
		  !loader_svc_add(tl.ld, &sr, false, &e), "service: %s %s", why, e.msg);
	TL_EXPECT(!policy_rule_parse_line("deny port 5432", &pr, why, sizeof(why)) &&
		  !loader_policy_add(tl.ld, &pr, &e), "policy rule: %s %s", why, e.msg);
	/* a connection on the fast path, streaming both ways */
	r = tl_pair(AF_INET, true, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	tl_duplex_fill(&j.d, c, s, 32 << 20, 0, true);
	TL_EXPECT(!tl_duplex_start(&j), "thread");
	tl_sleep_ms(200);
	TL_EXPECT(!tl_entry(c, &ce) && ce.in_sockhash, "the client is not on the fast path");
	/* the pins become another ABI's */
	TL_EXPECT(!loader_read_meta(tl.ld, &meta), "read vs_meta");
	meta.abi_version = VS_ABI_VERSION - 1;
	TL_EXPECT(!bpf_map_update_elem(loader_map_fd(tl.ld, VS_MAP_META), &zero, &meta, BPF_EXIST),
		  "write vs_meta");
	r = loader_migrate(&tl.opts, 20000, &rep, &e);
	TL_EXPECT(!r, "migrate: %s", e.msg);
	tl_diag("migrated: %d sockets drained in %d ms, %d cgroups attached again, %d entries",
		rep.drained, rep.waited_ms, rep.cgroups, rep.entries);
	TL_EXPECT(rep.drained >= 2 && rep.cgroups == 1 && rep.entries >= 3,
		  "drained %d, cgroups %d, entries %d", rep.drained, rep.cgroups, rep.entries);
	r = tl_duplex_join(&j);
	TL_EXPECT(!r, "the stream across the migration: %s", j.why);
	/* the new pins: this ABI, the configuration carried */
	loader_close(tl.ld);
	tl.ld = NULL;
	r = loader_open(&tl.ld, &tl.opts, false, &e);
	TL_EXPECT(!r, "adopt the new pins: %s", e.msg);
	TL_EXPECT(!loader_read_meta(tl.ld, &meta) && meta.abi_version == VS_ABI_VERSION &&
		  meta.max_queued == 1 << 20, "vs_meta: ABI %u, max_queued %llu", meta.abi_version,
		  (unsigned long long)meta.max_queued);
	n = loader_svc_list(tl.ld, &svcs, &e);
	TL_EXPECT(n == 1 && svcs[0].nbackends == 1, "services after: %d", n);
	n = loader_policy_list(tl.ld, &rules, &e);
	TL_EXPECT(n == 1 && rules[0].rule.action == pr.action, "policy rules after: %d", n);
	n = loader_list_attached(tl.ld, att, 4, &e);
	TL_EXPECT(n == 1 && strstr(tl.cg_main, att[0].cfg.path), "attached after: %d (%s)", n,
		  n > 0 ? att[0].cfg.path : "");
	/* and the new programs accelerate a new connection */
	{
		struct tl_xfer tx = { .seed = 93, .len = 32 << 20, .min_io = 1,
				      .max_io = 256 << 10, .timeout_ms = 30000, .shut_wr = true };
		struct tl_xfer rx = { .seed = 93, .len = 32 << 20, .max_io = 256 << 10,
				      .timeout_ms = 30000, .expect_eof = true };

		r = tl_pair(AF_INET, true, &c2, &s2);
		TL_EXPECT(!r, "pair after: %s", strerror(-r));
		TL_EXPECT(!tl_xfer_stream(c2, s2, &tx, &rx) && !tx.err && !rx.err,
			  "stream after: %s / %s", tx.why, rx.why);
		TL_EXPECT_ACCEL("client after the migration", c2, (32 << 20) / 2);
	}
out:
	tl_duplex_join(&j);
	free(svcs);
	free(rules);
	tl_close(c);
	tl_close(s);
	tl_close(c2);
	tl_close(s2);
	return tl_verdict();
}

static const struct tl_case cases[] = {
	{ "migrate_abi_change_while_streaming", case_migrate_abi_change_while_streaming, 120 },
};

int main(void)
{
	return tl_main("test_migrate", cases, TL_NCASES(cases));
}
