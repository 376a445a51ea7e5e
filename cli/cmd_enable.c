// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* enable and disable: the kill switch, global or for one attached cgroup.
 * Kept in the pinned maps (loader_set_fast_path), so it works the same
 * with or without vsockd. */
#include <errno.h>
#include <string.h>
#include "cmd.h"

static int set_fast_path(struct ctl *ctl, int argc, char **argv, bool enabled)
{
	const char *verb = enabled ? "enable" : "disable", *cg = NULL;
	struct vs_loader *ld = NULL;
	struct vs_err e = { "" };
	struct out_row *r;
	int err;

	if (argc > 1 && (err = arg_one(ctl, verb, "CGROUP", argc, argv, &cg)))
		return err;
	if ((err = ctl_open(ctl, &ld, false)))
		return err;
	err = loader_set_fast_path(ld, cg, enabled, &e);
	loader_close(ld);
	if (err == -ENOENT && !e.msg[0])
		return ctl_errf(ctl, err, "%s: not attached", cg);
	if (err < 0)
		return ctl_loader_err(ctl, err, &e);
	out_textf(&ctl->doc, "fast path %s%s%s%s", enabled ? "enabled" : "disabled",
		  cg ? " for " : " globally", cg ? cg : "", err == 1 ? " (already)" : "");
	r = out_record(&ctl->doc, NULL, NULL);
	if (cg)
		out_str(r, NULL, "cgroup", cg);
	else
		out_null(r, NULL, "cgroup");
	out_bool(r, NULL, "enabled", enabled);
	out_bool(r, NULL, "changed", err == 0);
	return 0;
}

int do_enable(struct ctl *ctl, int argc, char **argv)
{
	return set_fast_path(ctl, argc, argv, true);
}

int do_disable(struct ctl *ctl, int argc, char **argv)
{
	return set_fast_path(ctl, argc, argv, false);
}
