/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A small open-addressing hash map from u64 to u64 (key 0 is reserved:
 * socket cookies, inodes and pids are never 0). Linear probing with
 * backward-shift deletion, so there are no tombstones to clean up. */
#ifndef VSOCKD_U64MAP_H
#define VSOCKD_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct u64map {
	__u64 *keys;
	__u64 *vals;
	size_t cap;		/* power of two, or 0 */
	size_t n;
};

void u64map_init(struct u64map *m);
void u64map_free(struct u64map *m);
void u64map_clear(struct u64map *m);
/* 0, or -ENOMEM (the map is unchanged), -EINVAL for key 0. */
int u64map_put(struct u64map *m, __u64 key, __u64 val);
bool u64map_get(const struct u64map *m, __u64 key, __u64 *val);
bool u64map_del(struct u64map *m, __u64 key);
/* Visit every entry; cb returns non-zero to stop. The map must not be
 * changed meanwhile. */
int u64map_each(const struct u64map *m, int (*cb)(__u64 key, __u64 val, void *ctx),
		void *ctx);
/* Bytes allocated, for the status line. */
size_t u64map_bytes(const struct u64map *m);

#endif /* VSOCKD_U64MAP_H */
