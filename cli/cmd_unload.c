// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* unload: remove the pins, so the programs go once nothing holds them;
 * refused while sockets are accelerated unless --force or --wait. */
#include <errno.h>
#include <string.h>
#include "cmd.h"

int do_unload(struct ctl *ctl, int argc, char **argv)
{
	struct vs_loader_opts o;
	struct vs_err e = { "" };
	struct unload_args a;
	struct out_row *r;
	int err;

	err = unload_parse(ctl, argc, argv, &a);
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
