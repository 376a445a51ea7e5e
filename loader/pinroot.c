// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Where the pins live: the caller's choice, $VSOCK_PIN_ROOT, or the build's. */
#include <stdlib.h>
#include "loader.h"

const char *loader_pin_root(const struct vs_loader_opts *opts)
{
	const char *env = getenv("VSOCK_PIN_ROOT");

	if (opts && opts->pin_root && *opts->pin_root)
		return opts->pin_root;
	if (env && *env)
		return env;
	return VS_PIN_ROOT_DEFAULT;
}
