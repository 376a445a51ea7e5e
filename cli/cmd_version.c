// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* version: vsockctl's, the ABI's and libbpf's. */
#include <stdio.h>
#include <bpf/libbpf.h>
#include "cmd.h"
#include "version.h"

int do_version(struct ctl *ctl, int argc, char **argv)
{
	struct out_row *r;
	char lib[32];
	int err;

	err = arg_none(ctl, argc, argv);
	if (err)
		return err;
	snprintf(lib, sizeof(lib), "%u.%u", libbpf_major_version(),
		 libbpf_minor_version());
	out_textf(&ctl->doc, "vsockctl %s (abi %u, libbpf %s)", VSOCK_VERSION,
		  VS_ABI_VERSION, lib);
	r = out_record(&ctl->doc, NULL, NULL);
	out_str(r, NULL, "version", VSOCK_VERSION);
	out_num(r, NULL, "abi_version", VS_ABI_VERSION, NULL);
	out_str(r, NULL, "libbpf", lib);
	return 0;
}
