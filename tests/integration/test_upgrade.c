// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vsockctl upgrade (loader_upgrade) while a fast-path connection streams
 * both ways: every program is switched (forced: this build is the pinned
 * one), the stream goes on without losing, duplicating or reordering a
 * byte, the pair that joined before keeps its redirect, and a connection
 * made after the upgrade is accelerated by the new programs. */
#include <bpf/bpf.h>
#include "testlib.h"

/* The id of the program pinned as progs/NAME, 0 if none. */
static __u32 pinned_prog_id(const char *name)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	char path[PATH_MAX + 64];
	int fd;

	snprintf(path, sizeof(path), "%s/progs/%s", tl.pin_root, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	return info.id;
}

/* The program id behind the test cgroup's pinned link of program NAME. */
static __u32 cgroup_link_prog_id(const char *name)
{
	struct bpf_link_info info = { 0 };
	__u32 len = sizeof(info);
	char path[PATH_MAX + 128];
	__u64 cg;
	int fd;

	if (loader_cgroup_id(tl.cg_main, &cg))
		return 0;
	snprintf(path, sizeof(path), "%s/links/cg%llu_%s", tl.pin_root, (unsigned long long)cg,
		 name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.prog_id = 0;
	close(fd);
	return info.prog_id;
}

static const char *const watched[] = { "vsock_sockops", "vsock_msg", "vsock_rx",
				       "vsock_destroy", "vsock_join" };
#define NWATCHED (sizeof(watched) / sizeof(watched[0]))

static int case_upgrade_while_streaming(void)
{
	struct tl_duplex_run j = {
		.d = {	/* paced: about 1.5 s, so that the upgrade falls inside */
			.c_tx = { .seed = 81, .len = 64 << 20, .min_io = 1, .max_io = 256 << 10,
				  .timeout_ms = 60000, .pause_pct = 20, .pause_max_ms = 20,
				  .shut_wr = true },
			.s_rx = { .seed = 81, .len = 64 << 20, .min_io = 1, .max_io = 1 << 20,
				  .timeout_ms = 60000, .expect_eof = true },
			.s_tx = { .seed = 82, .len = 64 << 20, .min_io = 1, .max_io = 256 << 10,
				  .timeout_ms = 60000, .pause_pct = 20, .pause_max_ms = 20,
				  .shut_wr = true },
			.c_rx = { .seed = 82, .len = 64 << 20, .min_io = 1, .max_io = 1 << 20,
				  .timeout_ms = 60000, .expect_eof = true },
		},
	};
	struct loader_upgrade_report rep;
	struct vs_sock_entry ce, se;
	struct vs_err e = { "" };
	__u32 before[NWATCHED], after[NWATCHED], link0, link1;
	int c = -1, s = -1, c2 = -1, s2 = -1, r;
	unsigned int i;

	for (i = 0; i < NWATCHED; i++)
		before[i] = pinned_prog_id(watched[i]);
	link0 = cgroup_link_prog_id("vsock_sockops");
	TL_EXPECT(link0 && link0 == before[0], "the cgroup's sockops link runs program %u, the "
		  "pin is %u", link0, before[0]);
	r = tl_pair(AF_INET, true, &c, &s);
	TL_EXPECT(!r, "pair: %s", strerror(-r));
	j.d.c_tx.fd = j.d.c_rx.fd = c;
	j.d.s_tx.fd = j.d.s_rx.fd = s;
	TL_EXPECT(!tl_duplex_start(&j), "thread");
	tl_sleep_ms(200);
	r = loader_upgrade(tl.ld, LOADER_UPGRADE_FORCE, &rep, &e);
	TL_EXPECT(!r, "upgrade: %s", e.msg);
	TL_EXPECT(rep.replaced == rep.programs && rep.programs > 10,
		  "replaced %d of %d programs", rep.replaced, rep.programs);
	TL_EXPECT(!tl_duplex_join(&j), "the stream across the upgrade: %s", j.why);
	for (i = 0; i < NWATCHED; i++) {
		after[i] = pinned_prog_id(watched[i]);
		TL_EXPECT(after[i] && after[i] != before[i], "%s: pinned program %u before, %u after",
			  watched[i], before[i], after[i]);
	}
	link1 = cgroup_link_prog_id("vsock_sockops");
	TL_EXPECT(link1 == after[0], "the cgroup's sockops link runs %u, not the new %u",
		  link1, after[0]);
	/* the pair joined before the upgrade kept its redirect both ways (the
	 * stream is over: both left the sockhash at their FIN) */
	TL_EXPECT(!tl_entry(c, &ce) && !tl_entry(s, &se), "socket-table entries missing");
	TL_EXPECT(ce.tx_redir_bytes * 10 >= (64ull << 20) * 9 &&
		  se.tx_redir_bytes * 10 >= (64ull << 20) * 9,
		  "redirected across the upgrade: client %llu, server %llu of %u bytes",
		  (unsigned long long)ce.tx_redir_bytes, (unsigned long long)se.tx_redir_bytes,
		  64u << 20);
	/* a pair made after it: the new programs classify and redirect it */
	{
		struct tl_xfer tx = { .seed = 83, .len = 64 << 20, .min_io = 1,
				      .max_io = 256 << 10, .timeout_ms = 30000, .shut_wr = true };
		struct tl_xfer rx = { .seed = 83, .len = 64 << 20, .max_io = 256 << 10,
				      .timeout_ms = 30000, .expect_eof = true };

		r = tl_pair(AF_INET, true, &c2, &s2);
		TL_EXPECT(!r, "pair after the upgrade: %s", strerror(-r));
		TL_EXPECT(!tl_xfer_stream(c2, s2, &tx, &rx) && !tx.err && !rx.err,
			  "stream after the upgrade: %s / %s", tx.why, rx.why);
		/* the bound may pass some writes to TCP on a busy machine
		 * (backpressure): the new verdict carried most of them */
		TL_EXPECT_ACCEL("client, joined after", c2, (64 << 20) / 2);
		TL_EXPECT_ACCOUNTING("client, joined after", c2, 64 << 20);
	}
out:
	tl_duplex_join(&j);
	tl_close(c);
	tl_close(s);
	tl_close(c2);
	tl_close(s2);
	return tl_verdict();
}

/* This build against its own pins: nothing to do; a forced dry run lists
 * every program and changes none. */
static int case_upgrade_up_to_date_and_dry_run(void)
{
	struct loader_upgrade_report rep;
	struct vs_err e = { "" };
	__u32 id0 = pinned_prog_id("vsock_msg");
	int r;

	r = loader_upgrade(tl.ld, 0, &rep, &e);
	TL_EXPECT(!r && rep.nchanged == 0 && rep.replaced == 0 && rep.programs > 10,
		  "upgrade to the same build: rc %d (%s), %d changed, %d replaced of %d", r, e.msg,
		  rep.nchanged, rep.replaced, rep.programs);
	r = loader_upgrade(tl.ld, LOADER_UPGRADE_FORCE | LOADER_UPGRADE_DRY_RUN, &rep, &e);
	TL_EXPECT(!r && rep.nchanged == rep.programs && rep.replaced == 0,
		  "forced dry run: rc %d (%s), %d listed, %d replaced of %d", r, e.msg,
		  rep.nchanged, rep.replaced, rep.programs);
	TL_EXPECT(pinned_prog_id("vsock_msg") == id0, "a dry run replaced vsock_msg (%u -> %u)",
		  id0, pinned_prog_id("vsock_msg"));
out:
	return tl_verdict();
}

static const struct tl_case cases[] = {
	{ "upgrade_while_streaming", case_upgrade_while_streaming, 120 },
	{ "upgrade_up_to_date_and_dry_run", case_upgrade_up_to_date_and_dry_run, 60 },
};

int main(void)
{
	return tl_main("test_upgrade", cases, TL_NCASES(cases));
}
