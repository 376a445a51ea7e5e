// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The one walk over a map's keys that every reader of a hash map uses,
 * and a map's description. */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "internal.h"

/* Under churn get_next_key of a deleted key starts over from the first
 * one, so the walk is bounded. */
#define WALK_MAX (1 << 24)

int vs_map_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

int vs_map_for_each_key(int fd, size_t key_size, vs_key_cb cb, void *ctx)
{
	unsigned char key[64], next[64];
	void *prev = NULL;
	int n, ret;

	if (key_size > sizeof(key))
		return -EINVAL;
	for (n = 0; n < WALK_MAX && !bpf_map_get_next_key(fd, prev, next); n++) {
		/* cb may delete the key: the walk goes on from a copy */
		memcpy(key, next, key_size);
		prev = key;
		if ((ret = cb(key, ctx)))
			return ret;
	}
	return 0;
}

static int count_one(const void *key, void *ctx)
{
	(void)key;
	++*(int *)ctx;
	return 0;
}

int vs_count_keys(int fd, size_t key_size)
{
	int n = 0, ret = vs_map_for_each_key(fd, key_size, count_one, &n);

	return ret < 0 ? ret : n;
}
