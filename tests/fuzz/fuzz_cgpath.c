// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target for the cgroup path checks (loader/cgpath.c): the input
 * is a path as typed after vsockctl attach or detach, or as vsockd.conf's
 * attach lists it. The length check must agree with PATH_MAX and NAME_MAX
 * and say so in a short line; the recorded form always fits vs_cgcfg, is
 * the path itself when that fits, else ends with the path's tail. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vsock/abi.h"
#include "cgpath.h"

#define MAX_TEXT (PATH_MAX + 512)

static bool too_long(const char *s)
{
	size_t run = 0;

	if (strlen(s) >= PATH_MAX)
		return true;
	for (; *s; s++) {
		run = *s == '/' ? 0 : run + 1;
		if (run > NAME_MAX)
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[MAX_TEXT + 1], out[VS_CG_PATH_MAX + 1];
	struct vs_err e = { "" };
	size_t n;
	int r;

	if (size > MAX_TEXT)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	n = strlen(text);
	r = vs_cg_path_check_len(text, &e);
	if ((r != 0) != too_long(text) || (r && (!e.msg[0] || strlen(e.msg) > 300)))
		abort();
	out[VS_CG_PATH_MAX] = 'X';
	vs_cg_record_path(text, out);
	if (out[VS_CG_PATH_MAX] != 'X' || strlen(out) >= VS_CG_PATH_MAX)
		abort();
	if (n < VS_CG_PATH_MAX && strcmp(out, text))
		abort();	/* what fits is recorded as is */
	if (n >= VS_CG_PATH_MAX && (!vs_cg_path_shortened(out) ||
				    strcmp(out + 3, text + n - (strlen(out) - 3))))
		abort();	/* else "..." and the tail */
	return 0;
}
