// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The ABI check before pins are adopted: pins of another layout would be
 * misread, so they are refused with what to do. */
#include <errno.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "internal.h"

int vs_check_abi(struct vs_loader *ld, struct vs_err *err)
{
	struct vs_meta meta = {};
	int fd = vs_open_map_pin(ld->root, VS_MAP_META), ret = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &(__u32){0}, &meta) ||
	    meta.abi_version != VS_ABI_VERSION)
		ret = vs_fail(err, EPROTO,
			      "pins under %s are ABI version %u, this vsock uses %u: "
			      "run 'vsockctl unload --force' (drops their accelerated sockets)",
			      ld->root, meta.abi_version, VS_ABI_VERSION);
	close(fd);
	return ret;
}
