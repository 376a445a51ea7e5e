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
	"    --force     switch programs whose code is the same too\n"
	"  Pins of another ABI (a map's layout changed) cannot be reused:\n"
	"    --migrate   drain them with their kill switch (connections go on\n"
	"                over TCP), carry the configuration over, load this build\n"
	"    --wait S    how long the fast path may take to drain (default 30)\n";

/* Pins of another ABI: drained, configuration carried, this build loaded. */
static int do_migrate(struct ctl *ctl, int wait_ms)
{
	struct loader_migrate_report rep;
	struct vs_loader_opts o;
	struct vs_err e = { "" };
	struct out_row *r;
	int err;

	ctl->err[0] = '\0';
	ctl_loader_opts(ctl, &o);
	err = loader_migrate(&o, wait_ms, &rep, &e);
	if (err)
		return ctl_loader_err(ctl, err, &e);
	out_textf(&ctl->doc, "migrated: %d socket%s drained to TCP in %d ms, %d cgroup%s attached "
		  "again, %d entries carried", rep.drained, rep.drained == 1 ? "" : "s",
		  rep.waited_ms, rep.cgroups, rep.cgroups == 1 ? "" : "s", rep.entries);
	r = out_record(&ctl->doc, NULL, NULL);
	out_bool(r, NULL, "migrated", true);
	out_num(r, NULL, "drained", (__u64)rep.drained, NULL);
	out_num(r, NULL, "waited_ms", (__u64)rep.waited_ms, NULL);
	out_num(r, NULL, "cgroups", (__u64)rep.cgroups, NULL);
	out_num(r, NULL, "entries", (__u64)rep.entries, NULL);
	return 0;
}

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
	if ((err = ctl_open(ctl, &ld, false)) == -EPROTO && a.migrate && !dry)
		return do_migrate(ctl, a.wait_ms);
	if (err == -EPROTO) {
		char why[sizeof(ctl->err)];

		snprintf(why, sizeof(why), "%s", ctl->err);
		return ctl_errf(ctl, err, "%s; to replace them without dropping a connection: "
				"vsockctl upgrade --migrate", why);
	}
	if (err)
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
