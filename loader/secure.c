// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Secure mode of an attached cgroup (vsockctl attach --secure): the flag
 * VS_CG_SECURE in its vs_cgcfg record and its allow list in vs_cgallow.
 * The programs check both ends of a connection (vs_cgroup_pair_ok,
 * bpf/common.bpf.h): at establishment, when vsockd's joiner takes a
 * socket in, and per message. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "internal.h"

struct allow_walk {
	int fd;
	__u64 cg;
	struct vs_cg_pair *keys;	/* entries of cg */
	int n, max;
};

static int collect(const void *key, void *ctx)
{
	const struct vs_cg_pair *k = key;
	struct allow_walk *w = ctx;

	if (k->cg == w->cg && w->n < w->max)
		w->keys[w->n++] = *k;
	return 0;
}

/* The cgroups cg allows (ids), at most max; the count or -errno. */
int loader_secure_allowed(struct vs_loader *ld, __u64 cg, __u64 *out, int max)
{
	struct vs_cg_pair keys[VS_SECURE_ALLOW_MAX];
	struct allow_walk w = { ld->map_fds[VS_MAP_CGALLOW], cg, keys, 0, VS_SECURE_ALLOW_MAX };
	int ret = vs_map_for_each_key(w.fd, sizeof(struct vs_cg_pair), collect, &w), i;

	if (ret < 0)
		return ret;
	for (i = 0; i < w.n && i < max; i++)
		out[i] = keys[i].other;
	return i;
}

/* Remove the allow list of cg (detach, or before a new one is written). */
void vs_secure_forget(struct vs_loader *ld, __u64 cg)
{
	struct vs_cg_pair keys[VS_SECURE_ALLOW_MAX];
	struct allow_walk w = { ld->map_fds[VS_MAP_CGALLOW], cg, keys, 0, VS_SECURE_ALLOW_MAX };
	int i;

	vs_map_for_each_key(w.fd, sizeof(struct vs_cg_pair), collect, &w);
	for (i = 0; i < w.n; i++)
		bpf_map_delete_elem(w.fd, &keys[i]);
}

static int allow_id(const char *path, __u64 *id, struct vs_err *err)
{
	char abs[PATH_MAX];
	int ret;

	if ((ret = loader_check_cgroup(path, err)))
		return ret;
	if (!realpath(path, abs))
		return vs_fail(err, errno, "%s: %s", path, strerror(errno));
	if ((ret = loader_cgroup_id(abs, id)))
		return vs_fail(err, -ret, "cgroup id of %s: %s", abs, strerror(-ret));
	return 0;
}

static int set_secure(struct vs_loader *ld, const char *cg_path, const char *const *allow,
		      int nallow, struct vs_err *err)
{
	__u64 ids[VS_SECURE_ALLOW_MAX], cg;
	struct vs_cgroup_cfg cfg;
	struct vs_cg_pair k;
	__u8 one = 1;
	int i, ret;

	if (nallow > VS_SECURE_ALLOW_MAX)
		return vs_fail(err, E2BIG, "too many --allow-cgroup (at most %d)",
			       VS_SECURE_ALLOW_MAX);
	if ((ret = vs_attached_cgroup(ld, cg_path, &cg, &cfg, err)))
		return ret;
	for (i = 0; i < nallow; i++)
		if ((ret = allow_id(allow[i], &ids[i], err)))
			return ret;
	/* the list before the flag: a reader sees the old mode or the new */
	vs_secure_forget(ld, cg);
	for (i = 0; i < nallow; i++) {
		k = (struct vs_cg_pair){ .cg = cg, .other = ids[i] };
		if (bpf_map_update_elem(ld->map_fds[VS_MAP_CGALLOW], &k, &one, BPF_ANY))
			return vs_fail(err, errno, "write %s: %s", vs_maps[VS_MAP_CGALLOW].name,
				       strerror(errno));
	}
	cfg.flags |= VS_CG_SECURE;
	if (bpf_map_update_elem(ld->map_fds[VS_MAP_CGCFG], &cg, &cfg, BPF_EXIST))
		return vs_fail(err, errno, "write %s: %s", vs_maps[VS_MAP_CGCFG].name,
			       strerror(errno));
	return 0;
}

int loader_set_secure(struct vs_loader *ld, const char *cg_path, const char *const *allow,
		      int nallow, struct vs_err *err)
{
	int ret = vs_lock(ld, err);

	if (ret)
		return ret;
	ret = set_secure(ld, cg_path, allow, nallow, err);
	vs_unlock(ld);
	return ret;
}
