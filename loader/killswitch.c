// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The kill switch (vsockctl disable / enable): a bit the programs read on
 * every message, global in vs_ctl or per attached cgroup in its vs_cgcfg
 * record. The programs do the rest: no socket joins, senders
 * pass, joined sockets leave the sockhash through bpf/leave.bpf.h. */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "internal.h"

int loader_read_ctl(struct vs_loader *ld, struct vs_ctl *out)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(ld->map_fds[VS_MAP_CTL], &zero, out) ? -errno : 0;
}

/* The caller holds the pin-root lock: the only writer of vs_ctl. */
static int set_global(struct vs_loader *ld, bool enabled, struct vs_err *err)
{
	struct vs_ctl c;
	__u32 zero = 0;
	int ret;

	if ((ret = loader_read_ctl(ld, &c)))
		return vs_fail(err, -ret, "read %s: %s", vs_maps[VS_MAP_CTL].name,
			       strerror(-ret));
	if (!(c.flags & VS_CTL_DISABLED) == enabled)
		return 1;
	c.flags ^= VS_CTL_DISABLED;
	if (bpf_map_update_elem(ld->map_fds[VS_MAP_CTL], &zero, &c, BPF_EXIST))
		return vs_fail(err, errno, "write %s: %s", vs_maps[VS_MAP_CTL].name,
			       strerror(errno));
	return 0;
}

static int set_cgroup(struct vs_loader *ld, const char *cg_path, bool enabled,
		      struct vs_err *err)
{
	struct vs_cgroup_cfg cfg;
	__u32 flags;
	__u64 id;
	int ret;

	if ((ret = vs_attached_cgroup(ld, cg_path, &id, &cfg, err)))
		return ret;
	flags = enabled ? cfg.flags & ~VS_CG_DISABLED : cfg.flags | VS_CG_DISABLED;
	if (flags == cfg.flags)
		return 1;
	cfg.flags = flags;
	if (bpf_map_update_elem(ld->map_fds[VS_MAP_CGCFG], &id, &cfg, BPF_EXIST))
		return vs_fail(err, errno, "write %s: %s", vs_maps[VS_MAP_CGCFG].name,
			       strerror(errno));
	return 0;
}

int loader_set_fast_path(struct vs_loader *ld, const char *cg_path, bool enabled,
			 struct vs_err *err)
{
	int ret = vs_lock(ld, err);

	if (ret)
		return ret;
	ret = cg_path ? set_cgroup(ld, cg_path, enabled, err)
		      : set_global(ld, enabled, err);
	vs_unlock(ld);
	return ret;
}
