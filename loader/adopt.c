// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Adopt what is pinned: file descriptors of every pinned map and program. */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "internal.h"

/* *fd from the pin root/sub/name, unless already open. */
static int open_pin(const struct vs_loader *ld, const char *sub, const char *name,
		    const char *what, int *fd, struct vs_err *err)
{
	char path[PATH_MAX];

	if (*fd >= 0)
		return 0;
	vs_pin_path(path, sizeof(path), ld->root, sub, name);
	*fd = bpf_obj_get(path);
	if (*fd < 0)
		return vs_fail(err, errno, "open pinned %s %s: %s%s", what, path,
			       strerror(errno), errno == ENOENT ?
			       " (incomplete pins: run 'vsockctl unload --force')" : "");
	return 0;
}

int vs_open_pinned_maps(struct vs_loader *ld, struct vs_err *err)
{
	int i, ret = 0;

	for (i = 0; i < VS_MAP_COUNT && !ret; i++)
		ret = open_pin(ld, NULL, vs_maps[i].name, "map", &ld->map_fds[i], err);
	return ret;
}

int vs_open_pinned_progs(struct vs_loader *ld, struct vs_err *err)
{
	int i, ret = 0;

	for (i = 0; i < vs_nprogs && !ret; i++)
		ret = open_pin(ld, "progs", vs_progs[i].name, "program",
			       &ld->prog_fds[i], err);
	return ret;
}
