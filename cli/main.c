// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vsockctl: global options, then one command from the table in ctl.c.
 * Commands live in cmd_*.c so the unit tests can link them. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"

static const struct option long_opts[] = {
	{ "json",     no_argument,       NULL, 'j' },
	{ "pretty",   no_argument,       NULL, 'p' },
	{ "debug",    no_argument,       NULL, 'd' },
	{ "version",  no_argument,       NULL, 'V' },
	{ "help",     no_argument,       NULL, 'h' },
	{ "pin-root", required_argument, NULL, 'R' },
	{ NULL, 0, NULL, 0 },
};

/* Returns the index of the command in argv, or a negative errno. -V and
 * -h become the version and help commands, so they print like them. */
static int parse_global(struct ctl *ctl, int argc, char **argv, const char **implied)
{
	int c;

	opterr = 0;	/* our own messages, in the one-line format */
	/* '+': options end at the command; its own flags are its business */
	while ((c = getopt_long(argc, argv, "+:jpdVh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			if (ctl->mode == OUT_TEXT)
				ctl->mode = OUT_JSON;
			break;
		case 'p':
			ctl->mode = OUT_PRETTY;
			break;
		case 'd':
			ctl->debug = true;
			break;
		case 'V':
			*implied = "version";
			break;
		case 'h':
			*implied = "help";
			break;
		case 'R':
			if (!optarg[0])
				return ctl_errf(ctl, -EINVAL, "option '--pin-root' needs a path");
			ctl->pin_root = optarg;
			break;
		case ':':
			return ctl_errf(ctl, -EINVAL, "option '%s' needs a value",
					argv[optind - 1]);
		default:
			if (optopt)
				return ctl_errf(ctl, -EINVAL,
						"unknown option '-%c'; see 'vsockctl help'",
						optopt);
			return ctl_errf(ctl, -EINVAL,
					"unknown option '%s'; see 'vsockctl help'",
					argv[optind - 1]);
		}
	}
	if (!ctl->pin_root)
		ctl->pin_root = getenv("VSOCK_PIN_ROOT");
	return optind;
}

int main(int argc, char **argv)
{
	const char *implied = NULL;
	char *implied_argv[2] = { NULL, NULL };
	struct ctl ctl;
	int err, status;

	ctl_init(&ctl);
	err = parse_global(&ctl, argc, argv, &implied);
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
