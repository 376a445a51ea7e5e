// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Point lookups in the pinned socket table, for vsockd's handle tables. */
#include <errno.h>
#include <bpf/bpf.h>
#include "loader.h"

int loader_lookup_socket(struct vs_loader *ld, __u64 cookie,
			 struct vs_sock_entry *out)
{
	int fd = loader_map_fd(ld, VS_MAP_SOCKTBL);

	if (fd < 0)
		return fd;
	return bpf_map_lookup_elem(fd, &cookie, out) ? -errno : 0;
}
