// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tune: show or change the fast-path policy of the loaded programs (the
 * thresholds docs/architecture.md explains). They live in vs_meta and apply
 * from the next message of every connection; nothing is reloaded. */
#include <errno.h>
#include <string.h>
#include "cmd.h"
#include "fmt.h"

#define TUNE_KEEP (~0ull)

/* One value per tunable (vsock/tunables.h), TUNE_KEEP: unchanged. */
struct tune_args {
	__u64 v[VS_TUNE_COUNT];
};

/* A count in [1, max], or "off" (0). */
static int parse_count(const char *s, __u64 max, __u64 *out)
{
	if (!strcmp(s, "off")) {
		*out = 0;
		return 0;
	}
	return arg_u64(s, 1, max, out);
}

static int parse_tune(struct ctl *ctl, int argc, char **argv, struct tune_args *a)
{
	const struct vs_tunable *t;
	char names[128] = "";
	int i, id, err;

	for (id = 0; id < VS_TUNE_COUNT; id++)
		a->v[id] = TUNE_KEEP;
	for (i = 1; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			return ctl_errf(ctl, -EINVAL, "tune: '%s' needs a value", k);
		id = vs_tunable_find(k);
		t = vs_tunable(id);
		if (id == VS_TUNE_MAX_QUEUED) {
			if ((err = arg_max_queued(ctl, "tune", v, &a->v[id])))
				return err;
		} else if (t) {
			if (parse_count(v, t->max, &a->v[id]))
				return ctl_errf(ctl, -EINVAL,
						"tune: %s '%s': expected a count from 1 to %llu, or off",
						k, v, (unsigned long long)t->max);
		} else {
			for (id = 0; id < VS_TUNE_COUNT; id++)
				snprintf(names + strlen(names), sizeof(names) - strlen(names),
					 "%s%s", id ? ", " : "", vs_tunable(id)->name);
			return ctl_errf(ctl, -EINVAL, "tune: unknown setting '%s' (%s)", k,
					names);
		}
	}
	return 0;
}

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

	err = parse_tune(ctl, argc, argv, &a);
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
