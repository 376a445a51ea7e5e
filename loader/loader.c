// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Open a loader: adopt what is pinned (after the ABI check), or load and
 * pin everything and leave nothing behind when that fails; close it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "internal.h"

static struct vs_loader *loader_new(const char *root)
{
	struct vs_loader *ld = calloc(1, sizeof(*ld));
	int i;

	if (!ld)
		return NULL;
	snprintf(ld->root, sizeof(ld->root), "%s", root);
	ld->lock_fd = -1;
	for (i = 0; i < VS_MAP_COUNT; i++)
		ld->map_fds[i] = -1;
	for (i = 0; i < (int)(sizeof(ld->prog_fds) / sizeof(ld->prog_fds[0])); i++)
		ld->prog_fds[i] = -1;
	return ld;
}

void loader_close(struct vs_loader *ld)
{
	int i;

	if (!ld)
		return;
	for (i = 0; i < VS_MAP_COUNT; i++)
		if (ld->map_fds[i] >= 0)
			close(ld->map_fds[i]);
	for (i = 0; i < vs_nprogs; i++)
		if (ld->prog_fds[i] >= 0)
			close(ld->prog_fds[i]);
	if (ld->lock_fd >= 0)
		close(ld->lock_fd);	/* releases the flock */
	free(ld);
}

bool loader_created(const struct vs_loader *ld)
{
	return ld->created;
}

int loader_map_fd(struct vs_loader *ld, enum vs_map_id id)
{
	return (unsigned int)id < VS_MAP_COUNT ? ld->map_fds[id] : -EINVAL;
}

int loader_prog_fd(struct vs_loader *ld, const char *name)
{
	int i = vs_prog_index(name);

	return i >= 0 && ld->prog_fds[i] >= 0 ? ld->prog_fds[i] : -ENOENT;
}

static int adopt(struct vs_loader *ld, struct vs_err *err)
{
	int ret = vs_check_abi(ld, err);

	if (!ret)
		ret = vs_open_pinned_maps(ld, err);
	if (!ret)
		ret = vs_open_pinned_progs(ld, err);
	return ret;
}

static int create(struct vs_loader *ld, const struct vs_loader_opts *opts,
		  struct vs_err *err)
{
	struct vs_preflight pf;
	int ret = loader_preflight(&pf, err);

	if (!ret)
		ret = vs_load_all(ld, opts, err);
	ld->created = ret == 0;
	/* leave no partial state: the root had no complete load, and nothing
	 * was attached to a cgroup yet */
	if (ret)
		vs_remove_pins(ld->root);
	return ret;
}

int loader_open(struct vs_loader **ldp, const struct vs_loader_opts *opts,
		bool create_it, struct vs_err *err)
{
	struct vs_loader *ld;
	char meta[PATH_MAX];
	int ret;

	if (err)
		err->msg[0] = '\0';
	ld = loader_new(loader_pin_root(opts));
	if (!ld)
		return vs_fail(err, ENOMEM, "out of memory");
	if (loader_cgroup2_root(ld->cg2_root, sizeof(ld->cg2_root)))
		ld->cg2_root[0] = '\0';
	ret = vs_lock_root(ld, create_it, err);
	if (ret)
		goto out;

	vs_pin_path(meta, sizeof(meta), ld->root, NULL, vs_maps[VS_MAP_META].name);
	if (vs_path_exists(meta))
		ret = adopt(ld, err);
	else if (create_it)
		ret = create(ld, opts, err);
	else
		ret = vs_fail(err, ENOENT, "vsock is not loaded (no pins under %s)",
			      ld->root);
out:
	if (ret) {
		loader_close(ld);
		return ret;
	}
	/* readers (and a long-running vsockd) must not block each other:
	 * the lock is taken again only around changes */
	vs_unlock(ld);
	*ldp = ld;
	return 0;
}
