// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Reading the pinned maps: counters, socket table, sockhash size. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "internal.h"

int loader_read_stats(struct vs_loader *ld, __u64 out[VS_C_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;
	__u32 i;
	int c;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < VS_C_MAX; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(ld->map_fds[VS_MAP_STATS], &i, vals))
			continue;
		for (c = 0; c < ncpu; c++)
			out[i] += vals[c];
	}
	free(vals);
	return 0;
}

/* Keys of a map, one call per key. Under churn get_next_key of a deleted
 * key starts over from the first one, so the walk is bounded. */
int vs_count_keys(int fd, size_t key_size)
{
	unsigned char key[64], next[64];
	void *prev = NULL;
	int n = 0;

	if (key_size > sizeof(key))
		return -EINVAL;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		if (++n >= 1 << 24)
			break;	/* map churning faster than we walk it */
	}
	return n;
}

int loader_count_sockhash(struct vs_loader *ld)
{
	return vs_count_keys(ld->map_fds[VS_MAP_SOCKS], sizeof(struct vs_sock_key));
}

int loader_for_each_socket(struct vs_loader *ld, vs_sock_cb cb, void *ctx)
{
	int fd = ld->map_fds[VS_MAP_SOCKTBL];
	struct vs_sock_entry e;
	__u64 key, next;
	void *prev = NULL;
	int ret;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &e))
			continue;	/* removed while we walked */
		ret = cb(&e, ctx);
		if (ret)
			return ret;
	}
	return 0;
}
