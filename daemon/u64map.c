// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* u64 → u64 open-addressing map; load factor at most 1/2. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "u64map.h"

void u64map_init(struct u64map *m)
{
	memset(m, 0, sizeof(*m));
}

void u64map_free(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	u64map_init(m);
}

void u64map_clear(struct u64map *m)
{
	if (m->cap)
		memset(m->keys, 0, m->cap * sizeof(*m->keys));
	m->n = 0;
}

static size_t slot(__u64 key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

static int grow(struct u64map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64, i, j;
	__u64 *keys, *vals;

	keys = calloc(cap, sizeof(*keys));
	vals = malloc(cap * sizeof(*vals));
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		for (j = slot(m->keys[i], cap); keys[j]; j = (j + 1) & (cap - 1))
			;
		keys[j] = m->keys[i];
		vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
	return 0;
}

int u64map_put(struct u64map *m, __u64 key, __u64 val)
{
	size_t i;

	if (!key)
		return -EINVAL;
	if ((m->n + 1) * 2 > m->cap && grow(m))
		return -ENOMEM;
	for (i = slot(key, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key) {
			m->vals[i] = val;
			return 0;
		}
	}
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return 0;
}

static long find(const struct u64map *m, __u64 key)
{
	size_t i;

	if (!key || !m->cap)
		return -1;
	for (i = slot(key, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			return (long)i;
	return -1;
}

bool u64map_get(const struct u64map *m, __u64 key, __u64 *val)
{
	long i = find(m, key);

	if (i < 0)
		return false;
	if (val)
		*val = m->vals[i];
	return true;
}

/* Backward-shift: move later members of the probe run into the hole when
 * their home slot does not lie (cyclically) between the hole and them. */
bool u64map_del(struct u64map *m, __u64 key)
{
	long f = find(m, key);
	size_t hole, i, home, mask = m->cap - 1;

	if (f < 0)
		return false;
	hole = (size_t)f;
	for (i = (hole + 1) & mask; m->keys[i]; i = (i + 1) & mask) {
		home = slot(m->keys[i], m->cap);
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			m->keys[hole] = m->keys[i];
			m->vals[hole] = m->vals[i];
			hole = i;
		}
	}
	m->keys[hole] = 0;
	m->n--;
	return true;
}

int u64map_each(const struct u64map *m, int (*cb)(__u64 key, __u64 val, void *ctx),
		void *ctx)
{
	size_t i;
	int r;

	for (i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		r = cb(m->keys[i], m->vals[i], ctx);
		if (r)
			return r;
	}
	return 0;
}

size_t u64map_bytes(const struct u64map *m)
{
	return m->cap * 2 * sizeof(__u64);
}
