// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* unload: remove the pins, so the programs go once nothing holds them;
 * refused while sockets are accelerated unless --force or --wait. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include "cmd.h"

struct unload_args {
	bool force;
	int wait_ms;
};

static int parse_wait(struct ctl *ctl, const char *s, int *wait_ms)
{
	__u64 v;

	if (!s)
		return ctl_errf(ctl, -EINVAL, "unload: '--wait' needs a value");
	if (arg_u64(s, 0, INT_MAX / 1000, &v))
		return ctl_errf(ctl, -EINVAL,
				"unload: invalid --wait '%s': expected seconds (0..%d)",
				s, INT_MAX / 1000);
	*wait_ms = (int)v * 1000;
	return 0;
}

static int parse_unload(struct ctl *ctl, int argc, char **argv,
			struct unload_args *a)
{
	int i, err;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--force")) {
			a->force = true;
		} else if (!strcmp(argv[i], "--wait")) {
			err = parse_wait(ctl, i + 1 < argc ? argv[i + 1] : NULL,
					 &a->wait_ms);
			if (err)
				return err;
			i++;
		} else if (!strncmp(argv[i], "--wait=", 7)) {
			err = parse_wait(ctl, argv[i] + 7, &a->wait_ms);
			if (err)
				return err;
		} else {
			return ctl_errf(ctl, -EINVAL,
					"unload: unknown argument '%s'; see 'vsockctl help unload'",
					argv[i]);
		}
	}
	return 0;
}

int do_unload(struct ctl *ctl, int argc, char **argv)
{
	struct vs_loader_opts o;
	struct vs_err e = { "" };
	struct unload_args a;
	struct out_row *r;
	int err;

	err = parse_unload(ctl, argc, argv, &a);
	if (err)
		return err;
	ctl_loader_opts(ctl, &o);
	err = loader_unload(&o, a.force, a.wait_ms, &e);
	if (err == -ENOENT && !e.msg[0])
		return ctl_errf(ctl, err, "vsock is not loaded");
	if (err == -EBUSY && !e.msg[0])
		return ctl_errf(ctl, err,
				"sockets are still accelerated; use --wait SECONDS or --force");
	if (err)
		return ctl_loader_err(ctl, err, &e);
	out_textf(&ctl->doc, "unloaded %s", loader_pin_root(&o));
	r = out_record(&ctl->doc, NULL, NULL);
	out_str(r, NULL, "pin_root", loader_pin_root(&o));
	out_bool(r, NULL, "unloaded", true);
	return 0;
}
