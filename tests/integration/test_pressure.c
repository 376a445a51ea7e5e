// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The fast path under pressure: the programs are loaded with room for 8
 * sockets (vs_loader_opts.max_socks: the sockhash, the socket table and
 * the receiver map all hold 8), then 50 connections are open at once and
 * each moves a verified pattern both ways. Sockets that find the maps full
 * stay on TCP: every byte arrives, none waits on a map, the overflow is
 * counted (skip_map_full, socktbl_full in vsockctl stats) and the first
 * connections do use the fast path. Once they close, a new connection gets
 * the fast path again. The sockhash alone full (filled from userspace with
 * sockets that have no table entry) is its own case: the table still
 * records the connections, with reason map_full. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "vsock/names.h"
#include "testlib.h"

#define SLOTS 8		/* max_socks */
#define CONNS 50

/* vsockctl next to this test binary (build/tests/integration/../../). */
static void vsockctl_path(char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	self[n > 0 ? n : 0] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(buf, len, "%s/../../vsockctl", self);
}

/* The output of `vsockctl --pin-root ROOT -j ARGS` into out ("" if none). */
static void ctl_json(const char *args, char *out, size_t len)
{
	char ctl[PATH_MAX], cmd[PATH_MAX * 2];
	size_t n = 0;
	FILE *f;

	vsockctl_path(ctl, sizeof(ctl));
	snprintf(cmd, sizeof(cmd), "%s --pin-root %s -j %s", ctl, tl.pin_root, args);
	f = popen(cmd, "r");
	if (f) {
		n = fread(out, 1, len - 1, f);
		pclose(f);
	}
	out[n] = '\0';
}

/* Counter name's value in `vsockctl -j stats` (-1 when not found). */
static long long ctl_stat(const char *name)
{
	char out[32768], key[64], *p;

	ctl_json("stats", out, sizeof(out));
	snprintf(key, sizeof(key), "\"%s\":", name);
	p = strstr(out, key);
	return p ? atoll(p + strlen(key)) : -1;
}

static void one_duplex(struct tl_duplex *d, int c, int s, unsigned int i)
{
	d->c_tx = (struct tl_xfer){ .fd = c, .seed = 100 + i, .len = 256 * KiB,
				    .min_io = 16 * KiB, .max_io = 64 * KiB, .rng = i + 1,
				    .timeout_ms = 10000 };
	d->s_rx = (struct tl_xfer){ .fd = s, .seed = 100 + i, .len = 256 * KiB,
				    .max_io = 64 * KiB, .timeout_ms = 10000 };
	d->s_tx = (struct tl_xfer){ .fd = s, .seed = 200 + i, .len = 256 * KiB,
				    .min_io = 16 * KiB, .max_io = 64 * KiB, .rng = i + 7,
				    .timeout_ms = 10000 };
	d->c_rx = (struct tl_xfer){ .fd = c, .seed = 200 + i, .len = 256 * KiB,
				    .max_io = 64 * KiB, .timeout_ms = 10000 };
}

static int case_full_maps_fall_back_to_tcp(void)
{
	__u64 before[VS_C_MAX], after[VS_C_MAX], slowest = 0, t0;
	int c[CONNS], s[CONNS], accel = 0, i, nc = 0;
	long long shown;
	struct vs_sock_entry e;
	struct tl_duplex d;
	char why[512];
	long n;

	TL_EXPECT(!tl_stats(before), "read vs_stats");
	for (i = 0; i < CONNS; i++) {
		TL_EXPECT(!tl_pair(AF_INET, true, &c[i], &s[i]), "pair %d of %d", i + 1, CONNS);
		nc++;
	}
	/* all 50 open at once, each moving 256 KiB each way, verified */
	for (i = 0; i < CONNS; i++) {
		one_duplex(&d, c[i], s[i], (unsigned int)i);
		t0 = tl_now_ms();
		TL_EXPECT(!tl_xfer_duplex(&d, why, sizeof(why)), "connection %d: %s", i + 1, why);
		if (tl_now_ms() - t0 > slowest)
			slowest = tl_now_ms() - t0;
		if (!tl_entry(c[i], &e) && e.in_sockhash && e.tx_redir_bytes)
			accel++;
	}
	TL_EXPECT(!tl_stats(after), "read vs_stats");
	n = tl_table_count();
	tl_diag("%d of %d connections on the fast path, %ld table entries, slowest %llu ms; "
		"skip_map_full +%llu, socktbl_full +%llu, inserted +%llu", accel, CONNS, n,
		(unsigned long long)slowest,
		(unsigned long long)(after[VS_C_SKIP_MAP_FULL] - before[VS_C_SKIP_MAP_FULL]),
		(unsigned long long)(after[VS_C_SOCKTBL_FULL] - before[VS_C_SOCKTBL_FULL]),
		(unsigned long long)(after[VS_C_INSERTED] - before[VS_C_INSERTED]));
	TL_EXPECT(n >= 0 && n <= SLOTS, "%ld socket-table entries with room for %d", n, SLOTS);
	TL_EXPECT(accel >= 1 && accel <= SLOTS / 2,
		  "%d connections on the fast path with room for %d sockets", accel, SLOTS);
	TL_EXPECT(after[VS_C_INSERTED] - before[VS_C_INSERTED] <= SLOTS,
		  "%llu sockets inserted into a sockhash of %d",
		  (unsigned long long)(after[VS_C_INSERTED] - before[VS_C_INSERTED]), SLOTS);
	TL_EXPECT(after[VS_C_BYTES_REDIRECTED] > before[VS_C_BYTES_REDIRECTED],
		  "no byte took the fast path");
	/* every socket beyond the room is counted, by one counter or the other */
	TL_EXPECT(after[VS_C_SOCKTBL_FULL] - before[VS_C_SOCKTBL_FULL] +
		  after[VS_C_SKIP_MAP_FULL] - before[VS_C_SKIP_MAP_FULL] >= 2 * CONNS - SLOTS,
		  "overflow not counted: socktbl_full +%llu, skip_map_full +%llu for %d sockets",
		  (unsigned long long)(after[VS_C_SOCKTBL_FULL] - before[VS_C_SOCKTBL_FULL]),
		  (unsigned long long)(after[VS_C_SKIP_MAP_FULL] - before[VS_C_SKIP_MAP_FULL]),
		  2 * CONNS);
	shown = ctl_stat(vs_counter_name(VS_C_SOCKTBL_FULL));
	TL_EXPECT(shown > 0, "vsockctl -j stats: %s = %lld", vs_counter_name(VS_C_SOCKTBL_FULL),
		  shown);
	shown = ctl_stat(vs_counter_name(VS_C_SKIP_MAP_FULL));
	TL_EXPECT(shown >= 0, "vsockctl -j stats has no %s", vs_counter_name(VS_C_SKIP_MAP_FULL));

	/* room again once they close: a new connection takes the fast path */
	for (i = 0; i < nc; i++) {
		close(c[i]);
		close(s[i]);
	}
	nc = 0;
	for (i = 0; i < 50 && (n = tl_table_count()) > 0; i++)
		usleep(100 * 1000);
	TL_EXPECT(n == 0, "%ld table entries 5 s after every socket closed", n);
	TL_EXPECT(!tl_pair(AF_INET, true, &c[0], &s[0]), "pair after");
	nc = 1;
	one_duplex(&d, c[0], s[0], CONNS);
	TL_EXPECT(!tl_xfer_duplex(&d, why, sizeof(why)), "connection after: %s", why);
	TL_EXPECT_ACCEL("client after the overflow", c[0], 1);
	TL_EXPECT_ACCEL("server after the overflow", s[0], 1);
out:
	for (i = 0; i < nc; i++) {
		close(c[i]);
		close(s[i]);
	}
	return tl_verdict();
}

/* `vsockctl -j sockets` mentions word (a reason's name). */
static bool ctl_sockets_say(const char *word)
{
	static char out[65536];

	ctl_json("sockets", out, sizeof(out));
	return strstr(out, word) != NULL;
}

#define PAIRS 3

static int case_full_sockhash_falls_back_to_tcp(void)
{
	int fill[SLOTS], c[PAIRS + 1], s[PAIRS + 1], nfill = 0, nc = 0, map, i;
	__u64 before[VS_C_MAX], after[VS_C_MAX], v;
	struct vs_sock_key key;
	struct vs_sock_entry e;
	struct tl_duplex d;
	char why[512];

	/* 8 established sockets of a cgroup that is not attached (so without
	 * table entries) fill vs_socks under keys no connection has */
	map = loader_map_fd(tl.ld, VS_MAP_SOCKS);
	TL_EXPECT(map >= 0, "vs_socks fd");
	TL_EXPECT(!tl_enter_plain(), "enter the plain cgroup");
	for (i = 0; i < SLOTS; i += 2) {
		TL_EXPECT(!tl_pair(AF_INET, true, &fill[i], &fill[i + 1]), "filler pair");
		nfill += 2;
	}
	TL_EXPECT(!tl_enter_main(), "back into the attached cgroup");
	for (i = 0; i < nfill; i++) {
		memset(&key, 0, sizeof(key));
		key.netns_cookie = ~0ull - (unsigned int)i;	/* no namespace has it */
		v = (__u64)fill[i];
		TL_EXPECT(!bpf_map_update_elem(map, &key, &v, BPF_NOEXIST),
			  "fill vs_socks %d: %s", i, strerror(errno));
	}
	TL_EXPECT(!tl_stats(before), "read vs_stats");
	for (i = 0; i < PAIRS; i++) {
		TL_EXPECT(!tl_pair(AF_INET, true, &c[i], &s[i]), "pair %d", i + 1);
		nc++;
		one_duplex(&d, c[i], s[i], (unsigned int)i);
		TL_EXPECT(!tl_xfer_duplex(&d, why, sizeof(why)), "connection %d: %s", i + 1, why);
		TL_EXPECT(!tl_entry(c[i], &e), "connection %d has no table entry", i + 1);
		TL_EXPECT(!e.in_sockhash && e.reason == VS_R_MAP_FULL && !e.tx_redir_bytes,
			  "connection %d: in_sockhash %u, reason %s, %llu bytes redirected", i + 1,
			  e.in_sockhash, tl_reason_name(e.reason),
			  (unsigned long long)e.tx_redir_bytes);
	}
	TL_EXPECT(!tl_stats(after), "read vs_stats");
	TL_EXPECT(after[VS_C_SKIP_MAP_FULL] - before[VS_C_SKIP_MAP_FULL] >= PAIRS &&
		  after[VS_C_SOCKTBL_FULL] == before[VS_C_SOCKTBL_FULL],
		  "skip_map_full +%llu (expected >= %d), socktbl_full +%llu (expected 0)",
		  (unsigned long long)(after[VS_C_SKIP_MAP_FULL] - before[VS_C_SKIP_MAP_FULL]),
		  PAIRS, (unsigned long long)(after[VS_C_SOCKTBL_FULL] - before[VS_C_SOCKTBL_FULL]));
	TL_EXPECT(ctl_stat(vs_counter_name(VS_C_SKIP_MAP_FULL)) >= PAIRS,
		  "vsockctl -j stats: %s = %lld", vs_counter_name(VS_C_SKIP_MAP_FULL),
		  ctl_stat(vs_counter_name(VS_C_SKIP_MAP_FULL)));
	TL_EXPECT(ctl_sockets_say(tl_reason_name(VS_R_MAP_FULL)),
		  "vsockctl -j sockets does not show reason %s", tl_reason_name(VS_R_MAP_FULL));

	/* the fillers close and leave the sockhash: room for a new connection */
	for (i = 0; i < nfill; i++)
		close(fill[i]);
	nfill = 0;
	TL_EXPECT(!tl_pair(AF_INET, true, &c[nc], &s[nc]), "pair after");
	nc++;
	one_duplex(&d, c[nc - 1], s[nc - 1], PAIRS);
	TL_EXPECT(!tl_xfer_duplex(&d, why, sizeof(why)), "connection after: %s", why);
	TL_EXPECT_ACCEL("client once the sockhash has room", c[nc - 1], 1);
out:
	for (i = 0; i < nfill; i++)
		close(fill[i]);
	for (i = 0; i < nc; i++) {
		close(c[i]);
		close(s[i]);
	}
	return tl_verdict();
}

static const struct tl_case cases[] = {
	{ "full_maps_fall_back_to_tcp", case_full_maps_fall_back_to_tcp, 120 },
	{ "full_sockhash_falls_back_to_tcp", case_full_sockhash_falls_back_to_tcp, 60 },
};

int main(void)
{
	tl.opts.max_socks = SLOTS;	/* loaded (by tl_main) with room for 8 */
	return tl_main("test_pressure", cases, TL_NCASES(cases));
}
