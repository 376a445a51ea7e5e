// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vsockctl: global options, then one command from the table in ctl.c.
 * Commands live in cmd_*.c so the unit tests can link them. */
#include "cmd.h"

int main(int argc, char **argv)
{
	const char *implied = NULL;
	char *implied_argv[2] = { NULL, NULL };
	struct ctl ctl;
	int err, status;

	ctl_init(&ctl);
	err = ctl_parse_global(&ctl, argc, argv, &implied);
	if (err >= 0) {
		ctl_libbpf_print(ctl.debug);
		if (implied) {
			implied_argv[0] = (char *)implied;
			err = cmd_dispatch(&ctl, 1, implied_argv);
		} else {
			err = cmd_dispatch(&ctl, argc - err, argv + err);
		}
	}
	status = ctl_finish(&ctl, err);
	ctl_free(&ctl);
	return status;
}
