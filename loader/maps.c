// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Reading the pinned maps: counters, coverage, socket table, sockhash size. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "vsock/policy.h"
#include "internal.h"

/* Sum over CPUs of the n_u64 words of each of n elements of a per-CPU
 * array map: out holds n * n_u64 words. */
static int sum_percpu(int fd, __u32 n, size_t n_u64, __u64 *out)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;
	size_t w;
	__u32 i;
	int c;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc((size_t)ncpu * n_u64, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	memset(out, 0, (size_t)n * n_u64 * sizeof(*out));
	for (i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(fd, &i, vals))
			continue;
		for (c = 0; c < ncpu; c++)
			for (w = 0; w < n_u64; w++)
				out[i * n_u64 + w] += vals[c * n_u64 + w];
	}
	free(vals);
	return 0;
}

int loader_read_stats(struct vs_loader *ld, __u64 out[VS_C_MAX])
{
	return sum_percpu(ld->map_fds[VS_MAP_STATS], VS_C_MAX, 1, out);
}

int loader_read_relay_counters(struct vs_loader *ld, __u64 out[VS_RC_MAX])
{
	return sum_percpu(ld->map_fds[VS_MAP_RELAY_CTR], VS_RC_MAX, 1, out);
}

static int add_live(const struct vs_sock_entry *e, void *ctx)
{
	struct vs_coverage *rows = ctx;
	__u32 r = vs_coverage_row(e);

	if (r < VS_R_MAX)
		vs_coverage_add(&rows[r], e);
	return 0;
}

int loader_read_coverage(struct vs_loader *ld, struct vs_coverage out[VS_R_MAX])
{
	int err;

	_Static_assert(sizeof(struct vs_coverage) % sizeof(__u64) == 0, "u64 words");
	err = sum_percpu(ld->map_fds[VS_MAP_COVERAGE], VS_R_MAX,
			 sizeof(struct vs_coverage) / sizeof(__u64), (__u64 *)out);
	if (err)
		return err;
	return loader_for_each_socket(ld, add_live, out);
}

int loader_count_sockhash(struct vs_loader *ld)
{
	return vs_count_keys(ld->map_fds[VS_MAP_SOCKS], vs_maps[VS_MAP_SOCKS].key_size);
}

struct sock_walk {
	int fd;
	vs_sock_cb cb;
	void *ctx;
};

static int visit_socket(const void *key, void *ctx)
{
	struct sock_walk *w = ctx;
	struct vs_sock_entry e;

	if (bpf_map_lookup_elem(w->fd, key, &e))
		return 0;	/* removed while we walked */
	return w->cb(&e, w->ctx);
}

int loader_for_each_socket(struct vs_loader *ld, vs_sock_cb cb, void *ctx)
{
	struct sock_walk w = { ld->map_fds[VS_MAP_SOCKTBL], cb, ctx };

	return vs_map_for_each_key(w.fd, vs_maps[VS_MAP_SOCKTBL].key_size,
				   visit_socket, &w);
}
