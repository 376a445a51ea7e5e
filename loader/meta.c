// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vs_meta, the one element the programs read their tunables from: written
 * at load, then edited in place (vsockctl tune, vsockd's config and beat). */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <bpf/bpf.h>
#include "internal.h"

/* The most plain TCP lets a reading receiver buffer: tcp_rmem's maximum. */
static __u64 tcp_rmem_max(void)
{
	unsigned long long lo, def, max = 0;
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_rmem", "re");

	if (f) {
		if (fscanf(f, "%llu %llu %llu", &lo, &def, &max) != 3)
			max = 0;
		fclose(f);
	}
	return max;
}

int vs_write_meta(struct vs_loader *ld, __u64 max_queued)
{
	struct vs_meta meta = {
		.abi_version = VS_ABI_VERSION,
		.max_queued = max_queued ? max_queued
					 : vs_tunable(VS_TUNE_MAX_QUEUED)->def,
	};
	struct timespec ts;
	__u32 zero = 0;

	meta.small_run = vs_tunable(VS_TUNE_SMALL_RUN)->def;
	meta.spin_msgs = vs_tunable(VS_TUNE_BUSY_POLL)->def;
	meta.max_queued_cap = tcp_rmem_max();
	if (meta.max_queued_cap < meta.max_queued)
		meta.max_queued_cap = meta.max_queued;
	clock_gettime(CLOCK_REALTIME, &ts);
	meta.loaded_ns = (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	return bpf_map_update_elem(ld->map_fds[VS_MAP_META], &zero, &meta, 0)
	       ? -errno : 0;
}

int loader_read_meta(struct vs_loader *ld, struct vs_meta *out)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(ld->map_fds[VS_MAP_META], &zero, out) ? -errno : 0;
}

/* Read-modify-write of the one vs_meta element. */
static int meta_edit(struct vs_loader *ld, void (*edit)(struct vs_meta *, __u64),
		     __u64 arg)
{
	struct vs_meta meta;
	__u32 zero = 0;
	int ret;

	if ((ret = loader_read_meta(ld, &meta)))
		return ret;
	edit(&meta, arg);
	return bpf_map_update_elem(ld->map_fds[VS_MAP_META], &zero, &meta, BPF_EXIST)
	       ? -errno : 0;
}

/* A tunable's edit, refused above the tunable's max. */
static int tune(struct vs_loader *ld, enum vs_tunable_id id,
		void (*edit)(struct vs_meta *, __u64), __u64 v)
{
	if (v > vs_tunable(id)->max)
		return -ERANGE;
	return meta_edit(ld, edit, v);
}

static void edit_max_queued(struct vs_meta *m, __u64 bytes)
{
	m->max_queued = bytes;
	if (m->max_queued_cap < bytes)
		m->max_queued_cap = bytes;
}

int loader_set_max_queued(struct vs_loader *ld, __u64 bytes)
{
	if (!bytes)
		return -EINVAL;
	return tune(ld, VS_TUNE_MAX_QUEUED, edit_max_queued, bytes);
}

static void edit_small_run(struct vs_meta *m, __u64 n)
{
	m->small_run = (__u32)n;
}

int loader_set_small_run(struct vs_loader *ld, __u32 n)
{
	return tune(ld, VS_TUNE_SMALL_RUN, edit_small_run, n);
}

/* busy_poll is vs_meta.spin_msgs: the programs' name for the same run */
static void edit_busy_poll(struct vs_meta *m, __u64 n)
{
	m->spin_msgs = (__u32)n;
}

int loader_set_busy_poll(struct vs_loader *ld, __u32 n)
{
	return tune(ld, VS_TUNE_BUSY_POLL, edit_busy_poll, n);
}

static void edit_event_mask(struct vs_meta *m, __u64 mask)
{
	m->event_mask = (__u32)mask;
}

int loader_set_event_mask(struct vs_loader *ld, __u32 mask)
{
	return meta_edit(ld, edit_event_mask, mask);
}

/* CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns(). */
static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void edit_joiner_alive(struct vs_meta *m, __u64 ns)
{
	m->joiner_alive_ns = ns;
}

int loader_joiner_beat(struct vs_loader *ld, bool alive)
{
	return meta_edit(ld, edit_joiner_alive, alive ? mono_ns() : 0);
}

bool loader_joiner_alive(const struct vs_meta *m)
{
	return m->joiner_alive_ns && mono_ns() - m->joiner_alive_ns < VS_JOINER_TIMEOUT_NS;
}
