// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The attached cgroups, as vs_cgcfg records them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "internal.h"
#include "cgpath.h"

struct attached_list {
	struct vs_loader *ld;
	struct vs_attachment *out;
	int max, n;
};

static int add_attached(const void *key, void *ctx)
{
	struct attached_list *l = ctx;
	struct vs_attachment *a = &l->out[l->n];
	char abs[PATH_MAX];
	__u64 id = 0;

	if (l->n >= l->max)
		return 1;
	if (bpf_map_lookup_elem(l->ld->map_fds[VS_MAP_CGCFG], key, &a->cfg))
		return 0;
	a->cgroup_id = *(const __u64 *)key;
	if (vs_cg_path_shortened(a->cfg.path))	/* a deep cgroup: by its id */
		a->exists = vs_cg_id_exists(l->ld->cg2_root, a->cgroup_id);
	else
		a->exists = snprintf(abs, sizeof(abs), "%s%s", l->ld->cg2_root,
				     strcmp(a->cfg.path, "/") ? a->cfg.path : "") < (int)sizeof(abs) &&
			    !loader_cgroup_id(abs, &id) && id == a->cgroup_id;
	l->n++;
	return 0;
}

int loader_list_attached(struct vs_loader *ld, struct vs_attachment *out,
			 int max, struct vs_err *err)
{
	struct attached_list l = { ld, out, max, 0 };
	int ret;

	(void)err;
	ret = vs_map_for_each_key(ld->map_fds[VS_MAP_CGCFG],
				  vs_maps[VS_MAP_CGCFG].key_size, add_attached, &l);
	return ret < 0 ? ret : l.n;
}

int loader_list_attached_all(struct vs_loader *ld, struct vs_attachment **out,
			     struct vs_err *err)
{
	struct vs_attachment *a = NULL, *tmp;
	int max = 64, n;

	*out = NULL;
	/* the count is not known in advance: grow until it fits */
	for (;;) {
		tmp = realloc(a, (size_t)max * sizeof(*a));
		if (!tmp) {
			free(a);
			return vs_fail(err, ENOMEM, "list attached cgroups: %s",
				       strerror(ENOMEM));
		}
		a = tmp;
		n = loader_list_attached(ld, a, max, err);
		if (n < max)
			break;
		max *= 2;
	}
	if (n <= 0) {
		free(a);
		a = NULL;
	}
	*out = a;
	return n;
}
