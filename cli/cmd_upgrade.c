// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* upgrade: this build's BPF programs in place of the pinned ones, while
 * connections run (loader_upgrade). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"

const char upgrade_help[] =
	"  Loads this build's programs against the pinned maps (which must be\n"
	"  of the same ABI) and, once all pass the verifier, switches every\n"
	"  program whose code changed where it is attached: cgroup links\n"
	"  atomically, the sockhash verdicts for sockets that join from then on\n"
	"  (a joined socket keeps its verdict until it leaves), tracepoints\n"
	"  without a gap. No connection is dropped; a failed switch switches\n"
	"  back. vsockd uses its iterator and relay programs as it opened them\n"
	"  until it is restarted.\n"
	"    --dry-run   load and verify only; list what would change\n"
	"    --force     switch programs whose code is the same too\n";

int do_upgrade(struct ctl *ctl, int argc, char **argv)
{
	struct loader_upgrade_report rep;
	struct vs_err e = { "" };
	struct upgrade_args a;
	struct vs_loader *ld;
	struct out_row *r;
	char list[LOADER_UPGRADE_MAX * 49] = "";
	size_t off = 0;
	int err, i;
	bool dry;

	if ((err = upgrade_parse(ctl, argc, argv, &a)))
		return err;
	dry = a.flags & LOADER_UPGRADE_DRY_RUN;
	if ((err = ctl_open(ctl, &ld, false)))
		return err;
	err = loader_upgrade(ld, a.flags, &rep, &e);
	loader_close(ld);
	if (err) {
		if (rep.rolled_back)
			return ctl_errf(ctl, err, "upgrade: %s; every program was switched back",
					e.msg);
		return ctl_loader_err(ctl, err, &e);
	}
	for (i = 0; i < rep.nchanged; i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? "," : "",
					rep.changed[i]);
	if (!rep.nchanged)
		out_textf(&ctl->doc, "up to date: the %d pinned programs are this build's",
			  rep.programs);
	else
		out_textf(&ctl->doc, "%s %d of %d programs: %s", dry ? "would replace" : "replaced",
			  rep.nchanged, rep.programs, list);
	r = out_record(&ctl->doc, NULL, NULL);
	out_bool(r, NULL, "dry_run", dry);
	out_num(r, NULL, "programs", (__u64)rep.programs, NULL);
	out_num(r, NULL, "replaced", (__u64)rep.replaced, NULL);
	out_list(r, NULL, "changed", list);
	return 0;
}
