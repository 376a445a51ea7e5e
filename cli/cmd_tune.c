// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tune: show or change the fast-path policy of the loaded programs (the
 * thresholds docs/architecture.md explains). They live in vs_meta and apply
 * from the next message of every connection; nothing is reloaded. */
#include <errno.h>
#include <string.h>
#include "cmd.h"
#include "fmt.h"

static int set_one(struct vs_loader *ld, enum vs_tunable_id id, __u64 v)
{
	switch (id) {	/* no default: a new tunable without a setter warns */
	case VS_TUNE_MAX_QUEUED:
		return loader_set_max_queued(ld, v);
	case VS_TUNE_SMALL_RUN:
		return loader_set_small_run(ld, v);
	case VS_TUNE_BUSY_POLL:
		return loader_set_busy_poll(ld, v);
	case VS_TUNE_COUNT:
		break;
	}
	return -EINVAL;
}

static int apply(struct ctl *ctl, struct vs_loader *ld, const struct tune_args *a)
{
	int err = 0, id;

	for (id = 0; id < VS_TUNE_COUNT && !err; id++)
		if (a->v[id] != TUNE_KEEP && (err = set_one(ld, id, a->v[id])))
			ctl_errf(ctl, err, "set %s: %s", vs_tunable(id)->name, strerror(-err));
	return err;
}

static void show_count(struct out_row *r, const char *col, const char *key, __u32 n)
{
	char buf[24];

	if (n) {
		snprintf(buf, sizeof(buf), "%u", n);
		out_num(r, col, key, n, buf);
	} else {
		out_num(r, col, key, 0, "off");
	}
}

int do_tune(struct ctl *ctl, int argc, char **argv)
{
	struct vs_loader *ld = NULL;
	struct tune_args a;
	struct vs_meta m;
	struct out_row *r;
	char buf[32];
	int err;

	err = tune_parse(ctl, argc, argv, &a);
	if (err)
		return err;
	err = ctl_open(ctl, &ld, false);
	if (err)
		return err;
	err = apply(ctl, ld, &a);
	if (!err && (err = loader_read_meta(ld, &m)))
		ctl_errf(ctl, err, "read map %s: %s", loader_map_name(VS_MAP_META),
			 strerror(-err));
	loader_close(ld);
	if (err)
		return err;
	r = out_record(&ctl->doc, NULL, NULL);
	out_num(r, "max_queued", "max_queued", m.max_queued,
		fmt_bytes(buf, sizeof(buf), m.max_queued));
	show_count(r, "small_run", "small_run", m.small_run);
	show_count(r, "busy_poll", "busy_poll", m.spin_msgs);	/* the programs' name */
	return 0;
}
